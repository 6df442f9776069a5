#!/usr/bin/python3
"""Functional-test nets for horizontal fusion of sibling convolutions (docs/compiler.md "Horizontal
fusion"). A stem conv3x3 3->32 + ReLU feeds the siblings; --net picks them:
  two      two 1x1 convs 32->32 + ReLU (merged: 64 kernels); one output feeds a conv3x3, the other a
           MaxPool, their sum is the output
  pad      1x1 convs 32->24 and 32->40 + ReLU (merged: 24 padded to 32, one surface of INT8 on Orin,
           two of FP16 on nv_full), each read by a 1x1 conv to 16, summed
  three    three 1x1 convs 32->16, 32->32, 32->8 + ReLU (merged: 16 + 16 padding + 32 + 8), each to a
           1x1 conv 16, summed
  relu     1x1 convs 32->32 with ReLU and without (not merged: the SDP's ReLU is per layer)
  stride   1x1 convs 32->32 + ReLU, strides 1 and 2 (not merged); the stride-1 one is pooled 2x2/2
Channel counts and sizes are small so that a functional run takes seconds."""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402


def build(net):
    b = zoo_builder.GraphBuilder(f"tiny_hfuse_{net}", seed=41)
    x = b.input("input", (1, 3, 10, 12))
    s = b.relu(b.conv(x, 32, 3, pad=1))
    if net == "two":
        p = b.relu(b.conv(s, 32, 1))
        q = b.relu(b.conv(s, 32, 1))
        y = b.add(b.conv(p, 16, 3, pad=1), b.conv(b.pool("MaxPool", q, 3, 1, pad=1), 16, 1))
    elif net == "pad":
        p = b.relu(b.conv(s, 24, 1))
        q = b.relu(b.conv(s, 40, 1))
        y = b.add(b.conv(p, 16, 1), b.conv(q, 16, 1))
    elif net == "three":
        ks = (16, 32, 8)
        outs = [b.conv(b.relu(b.conv(s, k, 1)), 16, 1) for k in ks]
        y = b.add(b.add(outs[0], outs[1]), outs[2])
    elif net == "relu":
        p = b.relu(b.conv(s, 32, 1))
        q = b.conv(s, 32, 1)
        y = b.add(b.conv(p, 16, 1), b.conv(q, 16, 1))
    elif net == "stride":
        p = b.relu(b.conv(s, 32, 1, stride=2))
        q = b.pool("MaxPool", b.relu(b.conv(s, 32, 1)), 2, 2)
        y = b.add(b.conv(p, 16, 1), b.conv(q, 16, 1))
    else:
        raise SystemExit(f"tiny_hfuse.py: unknown --net '{net}'")
    b.output(y, "output")
    return b.model(), b.macs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", required=True, choices=("two", "pad", "three", "relu", "stride"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    model, _ = build(a.net)
    zoo_builder.save(model, a.out)


if __name__ == "__main__":
    main()
