#!/usr/bin/python3
"""jetson_dla_tutorial model_bn: the CIFAR CNN with BatchNormalization (cifar_tutorial.py)."""

import cifar_tutorial
import zoo_builder

if __name__ == "__main__":
    zoo_builder.main(lambda: cifar_tutorial.build_cifar("bn", seed=6), "model_bn.onnx")
