#!/usr/bin/python3
"""Functional-test net for per-layer precision (docs/compiler.md "Mixed precision"): conv 3->32 + ReLU
and conv 3->32 + Clip(0, 0.5) concatenated in place (64 channels), a 1x1 conv 64->32 + ReLU, a max
pool 2x2 and a 1x1 conv 32->13. In INT8 the Clip fixes its producer's scale to 0.5/127 while the
concat takes its own from calibration (rule concat.int8_range), so TensorRT-style the clip layer and
the other concat producer fall back to FP16 and the next conv reads an INT8 conversion."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402


def build():
    b = zoo_builder.GraphBuilder("tiny_mixed", seed=33)
    x = b.input("input", (1, 3, 12, 12))
    a = b.relu(b.conv(x, 32, 3, pad=1))
    c = b.clip(b.conv(x, 32, 3, pad=1), 0.0, 0.5)
    d = b.relu(b.conv(b.concat([a, c]), 32, 1))
    b.output(b.conv(b.pool("MaxPool", d, 2, 2), 13, 1), "output")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "tiny_mixed.onnx")
