#!/usr/bin/python3
"""Functional-test nets for Softmax on the DLA (docs/compiler.md "Softmax"). --net picks one:
  conv_softmax   conv3x3 3->16 + Softmax over C (opset 13, axis 1) on a 1x16x10x12 map
  conv_wide      the same with 4x the weights: logits of about +-10, most probabilities near 0 or 1
  ssd_head       conv3x3 32->21 + Softmax over C: an SSD-style class head (21 VOC classes per position)
  gemm_head      2x64x4x4 -> GlobalAveragePool -> Flatten -> Gemm 1000 -> Softmax (N x C, 2-D):
                 an ImageNet classification head
  conv_head      2x64x1x1 -> 1x1 conv 1000 -> Softmax over C (N x 1000 x 1 x 1, 4-D)
  conv_head_op11 conv_head in opset 11 (axis 1 flattens C x 1 x 1: the same as over C)
  conv_op11      conv_softmax in opset 11 (axis 1 flattens C x H x W: refused, rule softmax.flatten)
  spatial        conv_softmax with axis 3 (over W: refused, rule softmax.spatial)
  big_c          1x8x1x1 -> 1x1 conv 8192 -> Softmax over C (at the 8192 limit; 8193 with --c 8193)"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402


def build(net, c):
    b = zoo_builder.GraphBuilder(f"tiny_{net}", seed=47)
    opset = 11 if net.endswith("op11") else 13
    if net in ("conv_softmax", "conv_wide", "conv_op11", "spatial"):
        x = b.input("input", (1, 3, 10, 12))
        z = b.conv(x, 16, 3, pad=1, gain=8.0 if net == "conv_wide" else 2.0)
        y = b.node("Softmax", [z], (1, 16, 10, 12), axis=3 if net == "spatial" else 1)
    elif net == "ssd_head":
        x = b.input("input", (1, 32, 10, 10))
        z = b.conv(x, 21, 3, pad=1, gain=3.0)
        y = b.node("Softmax", [z], (1, 21, 10, 10), axis=1)
    elif net == "gemm_head":
        x = b.input("input", (2, 64, 4, 4))
        f = b.flatten(b.global_avg_pool(x))
        w = b.init("Gemm_head.weight", b.he_normal((1000, 64), 64, 6.0))
        bias = b.init("Gemm_head.bias", b.small((1000,), 0.5))
        z = b.node("Gemm", [f, w, bias], (2, 1000), alpha=1.0, beta=1.0, transB=1)
        y = b.node("Softmax", [z], (2, 1000), axis=1)
    elif net in ("conv_head", "conv_head_op11"):
        x = b.input("input", (2, 64, 1, 1))
        z = b.conv(x, 1000, 1, gain=6.0)
        y = b.node("Softmax", [z], (2, 1000, 1, 1), axis=1)
    elif net == "big_c":
        x = b.input("input", (1, 8, 1, 1))
        z = b.conv(x, c, 1, gain=2.0)
        y = b.node("Softmax", [z], (1, c, 1, 1), axis=1)
    else:
        raise SystemExit(f"unknown net {net}")
    b.output(y, "output")
    m = b.model()
    m.opset_import[0].version = opset
    return m


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--c", type=int, default=8192, help="channels of big_c")
    a = ap.parse_args()
    zoo_builder.save(build(a.net, a.c), a.out)
