#!/usr/bin/python3
"""Small functional-test net: conv3x3 (3->13) -> relu -> maxpool 2x2 -> conv1x1 (13->40) -> relu ->
global average pool -> flatten -> gemm 10. Odd channel counts exercise padded channel surfaces."""

import zoo_builder


def build():
    b = zoo_builder.GraphBuilder("tiny_cnn", seed=11)
    x = b.input("input", (1, 3, 12, 12))
    x = b.relu(b.conv(x, 13, 3, pad=1))
    x = b.pool("MaxPool", x, 2, 2)
    x = b.relu(b.conv(x, 40, 1))
    x = b.gemm(b.flatten(b.global_avg_pool(x)), 10)
    b.output(x, "output")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "tiny_cnn.onnx")
