#!/usr/bin/python3
"""Functional-test nets for PReLU, Max, Min, Sub and Abs on the SDP (docs/compiler.md "PReLU, Max, Min,
Sub and Abs on the SDP"). --net picks one:
  conv_leaky     conv3x3 3->16 + LeakyRelu(alpha 0.1): PReLU in the conv's BN stage, per-layer slope
  conv_prelu     conv3x3 3->16 + PRelu with 16 slopes (shape 16x1x1, some negative, some > 1): BN reads
                 its own per-kernel table after BS's (bias, requantisation)
  scale_prelu    conv, then BN on it (not folded: the conv output has a second reader, a 1x1 conv) +
                 PRelu (1x16x1x1): BS multiplies, BN adds then PReLU-multiplies; added to the 1x1 conv
  leaky_two      conv; LeakyRelu(alpha 0.2) of it is an offline SDP op (the conv output has a second
                 reader, a 1x1 conv); the two added
  max, min       two convs (3x3 then 1x1) of the input, Max / Min of them: EW ALU in the 1x1 conv's pass
  sub            Sub(1x1 conv, 3x3 conv): the minuend is the later conv, fused (EW converter scale < 0)
  sub_offline    Sub(3x3 conv, 1x1 conv): the subtrahend is the later conv: an offline SDP op
  abs            conv + Abs: an offline SDP op reading the conv output twice, Max(x, -x)
  abs_relu_max   Abs of a conv, ReLU, Max with another conv (Abs then a fused Max)
  max_const      Max(conv, 16 per-channel constants 1x16x1x1): BN ALU MAX with a per-kernel operand
  min_const_prelu  Min(conv, 1.5) then PRelu (16 slopes): BN ALU MIN (per-layer), then BN's PReLU MUL
Nets at and past the remaining limits (docs/dla-rules.md):
  prelu_hw_slope PRelu with a 1x10x12 slope (per element, not per channel): refused, prelu.slope_shape
  max_const_hw   Max of a conv and a per-element constant (1x16x10x12): refused, eltwise.maxmin_operands
  max_bcast      Max of a 16-channel conv and a 1-channel conv (broadcast): refused, eltwise.maxmin_operands
  leaky_limit    LeakyRelu(alpha 32767): the largest slope the 16-bit multiplier holds (shift 0)
  leaky_past     LeakyRelu(alpha 32768): one past it, refused, prelu.slope_range
Channel counts and sizes are small so that a functional run takes seconds."""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402

SHAPE = (1, 16, 10, 12)
# Per-channel slopes: negative, zero, fractional, above 1 (all legal for ONNX PRelu and TensorRT).
SLOPES = np.array([0.25, -0.5, 0.0, 1.5, 0.1, 0.03, -1.0, 2.0, 0.7, 0.33, 0.01, 0.9, -0.2, 0.5, 1.0, 0.125],
                  dtype=np.float32)


def build(net):
    b = zoo_builder.GraphBuilder(f"tiny_{net}", seed=47)
    x = b.input("input", (1, 3, 10, 12))
    if net == "conv_leaky":
        y = b.node("LeakyRelu", [b.conv(x, 16, 3, pad=1, gain=2.0)], SHAPE, alpha=0.1)
    elif net == "conv_prelu":
        y = b.node("PRelu", [b.conv(x, 16, 3, pad=1, gain=2.0), b.init("slope", SLOPES.reshape(16, 1, 1))], SHAPE)
    elif net == "scale_prelu":
        a = b.conv(x, 16, 3, pad=1, gain=2.0)
        p = b.node("PRelu", [b.batchnorm(a), b.init("slope", SLOPES.reshape(1, 16, 1, 1))], SHAPE)
        y = b.add(p, b.conv(a, 16, 1))
    elif net == "leaky_two":
        a = b.conv(x, 16, 3, pad=1, gain=2.0)
        y = b.add(b.node("LeakyRelu", [a], SHAPE, alpha=0.2), b.conv(a, 16, 1))
    elif net in ("max", "min"):
        c1 = b.conv(x, 16, 3, pad=1, gain=2.0)
        y = b.node(net.capitalize(), [c1, b.conv(x, 16, 1, gain=2.0)], SHAPE)
    elif net == "sub":
        c1 = b.conv(x, 16, 3, pad=1, gain=2.0)
        y = b.node("Sub", [b.conv(x, 16, 1, gain=2.0), c1], SHAPE)
    elif net == "sub_offline":
        c1 = b.conv(x, 16, 3, pad=1, gain=2.0)
        y = b.node("Sub", [c1, b.conv(x, 16, 1, gain=2.0)], SHAPE)
    elif net == "abs":
        y = b.node("Abs", [b.conv(x, 16, 3, pad=1, gain=2.0)], SHAPE)
    elif net == "abs_relu_max":
        a = b.relu(b.node("Abs", [b.conv(x, 16, 3, pad=1, gain=2.0)], SHAPE))
        y = b.node("Max", [b.conv(x, 16, 1, gain=2.0), a], SHAPE)
    elif net == "prelu_hw_slope":
        slope = np.full((1, 10, 12), 0.1, dtype=np.float32)
        y = b.node("PRelu", [b.conv(x, 16, 3, pad=1), b.init("slope", slope)], SHAPE)
    elif net == "max_const":
        floor = np.linspace(-2.0, 1.0, 16, dtype=np.float32).reshape(1, 16, 1, 1)
        y = b.node("Max", [b.conv(x, 16, 3, pad=1, gain=2.0), b.init("floor", floor)], SHAPE)
    elif net == "min_const_prelu":
        m = b.node("Min", [b.init("ceil", np.array(1.5, dtype=np.float32)), b.conv(x, 16, 3, pad=1, gain=2.0)], SHAPE)
        y = b.node("PRelu", [m, b.init("slope", SLOPES.reshape(16, 1, 1))], SHAPE)
    elif net == "max_const_hw":
        y = b.node("Max", [b.conv(x, 16, 3, pad=1), b.init("floor", np.full((1, 16, 10, 12), 0.5, np.float32))],
                   SHAPE)
    elif net == "max_bcast":
        y = b.node("Max", [b.conv(x, 16, 3, pad=1), b.conv(x, 1, 1)], SHAPE)
    elif net in ("leaky_limit", "leaky_past"):
        y = b.node("LeakyRelu", [b.conv(x, 16, 3, pad=1)], SHAPE, alpha=32767.0 if net == "leaky_limit" else 32768.0)
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
