#!/usr/bin/python3
"""Functional-test net for channel Concat done in place (docs/compiler.md "Concat"): an SPPF-like block
(conv3x3 3->32 + BN + ReLU, two chained MaxPool 5x5/1 pad 2, Concat of the three -> 96 channels),
a 1x1 conv 96->32 + ReLU, a 3x3 conv 32->32, a second Concat of the last two (64 channels) and a
1x1 conv 64->13. Channel offsets are multiples of 32 (a surface of INT8 on Orin, of FP16 on nv_full)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402


def build():
    b = zoo_builder.GraphBuilder("tiny_concat", seed=21)
    x = b.input("input", (1, 3, 12, 12))
    a = b.relu(b.batchnorm(b.conv(x, 32, 3, pad=1, bias=False)))
    p1 = b.pool("MaxPool", a, 5, 1, pad=2)
    p2 = b.pool("MaxPool", p1, 5, 1, pad=2)
    c = b.relu(b.conv(b.concat([a, p1, p2]), 32, 1))
    d = b.conv(c, 32, 3, pad=1)
    b.output(b.conv(b.concat([c, d]), 13, 1), "output")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "tiny_concat.onnx")
