#!/usr/bin/python3
"""jetson_dla_tutorial model_gn: the CIFAR CNN with GroupNorm (cifar_tutorial.py)."""

import cifar_tutorial
import zoo_builder

if __name__ == "__main__":
    zoo_builder.main(lambda: cifar_tutorial.build_cifar("gn", seed=7), "model_gn.onnx")
