#!/usr/bin/python3
"""Functional-test nets for the SDP lookup table and the element-wise multiply (docs/compiler.md
"Lookup-table activations"). --net picks one:
  conv_sigmoid   conv3x3 3->16 + Sigmoid (fused into the conv's SDP pass)
  conv_tanh      conv3x3 3->16 + Tanh (fused)
  conv_*_wide    the same with 10x / 20x larger weights: pre-activations of +-20 (sigmoid) and +-100
                 (tanh) reach the LE table and its under/overflow extrapolation
  conv_silu      conv3x3 3->16 + BN (gamma 30: pre-activations of +-150, every LUT path) + SiLU as
                 PyTorch exports it, Mul(x, Sigmoid(x)) (fused: one LUT)
  mul            two convs 3->16, Mul of their outputs (offline SDP pass, EW multiply)
  add_sigmoid    two convs, Add, Sigmoid: EW ALU then LUT in the second conv's SDP pass
  mul_tanh       two convs, Mul, Tanh: EW MUL then LUT in the second conv's SDP pass
  sigmoid_two    conv 3->16; Sigmoid of it (offline SDP pass: the conv output has two readers) and
                 a 1x1 conv of the conv output, added to the sigmoid; one more conv + SiLU
Channel counts and sizes are small so that a functional run takes seconds."""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402


def build(net):
    b = zoo_builder.GraphBuilder(f"tiny_{net}", seed=31)
    x = b.input("input", (1, 3, 10, 12))
    if net in ("conv_sigmoid", "conv_sigmoid_wide"):
        y = b.sigmoid(b.conv(x, 16, 3, pad=1, gain=20.0 if net.endswith("wide") else 2.0))
    elif net in ("conv_tanh", "conv_tanh_wide"):
        y = b.node("Tanh", [b.conv(x, 16, 3, pad=1, gain=40.0 if net.endswith("wide") else 2.0)], (1, 16, 10, 12))
    elif net == "conv_silu":
        y = b.silu(b.batchnorm(b.conv(x, 16, 3, pad=1, bias=False, gain=2.0), gamma=30.0))
    elif net == "mul":
        y = b.mul(b.conv(x, 16, 3, pad=1), b.conv(x, 16, 1))
    elif net == "add_sigmoid":
        y = b.sigmoid(b.add(b.conv(x, 16, 3, pad=1, gain=2.0), b.conv(x, 16, 1, gain=2.0)))
    elif net == "mul_tanh":
        y = b.node("Tanh", [b.mul(b.conv(x, 16, 3, pad=1, gain=2.0), b.conv(x, 16, 1, gain=2.0))], (1, 16, 10, 12))
    elif net == "sigmoid_two":
        a = b.conv(x, 16, 3, pad=1, gain=2.0)
        s = b.sigmoid(a)
        y = b.silu(b.conv(b.add(s, b.conv(a, 16, 1)), 16, 3, pad=1))
    else:
        raise SystemExit(f"unknown net {net}")
    b.output(y, "output")
    return b.model(), b.macs


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    model, _ = build(a.net)
    zoo_builder.save(model, a.out)
