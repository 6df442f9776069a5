#!/usr/bin/python3
"""Small functional-test net with a residual add: stem conv3x3 (3->13) -> bn -> relu, then one basic
block conv3x3 (13->40) -> bn -> relu -> conv3x3 (40->13) -> bn -> add(skip) -> relu."""

import zoo_builder


def build():
    b = zoo_builder.GraphBuilder("tiny_residual", seed=12)
    x = b.input("input", (1, 3, 10, 10))
    skip = b.relu(b.batchnorm(b.conv(x, 13, 3, pad=1, bias=False)))
    y = b.relu(b.batchnorm(b.conv(skip, 40, 3, pad=1, bias=False)))
    y = b.batchnorm(b.conv(y, 13, 3, pad=1, bias=False), gamma=0.5)
    b.output(b.relu(b.add(y, skip)), "output")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "tiny_residual.onnx")
