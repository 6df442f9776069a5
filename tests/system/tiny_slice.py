#!/usr/bin/python3
"""Functional-test nets for Slice and Split on the DLA (docs/compiler.md "Slice and Split"). Every net
starts with conv3x3 8->64 + ReLU on a 1x8x12x12 input (a: 64 channels, two INT8 surfaces on Orin, four
FP16 surfaces on nv_full). --net
  h        Slice rows [2, 10) (ends -2) -> conv3x3: a view (row offset)
  w        Slice columns from -9 to INT64_MAX (as PyTorch exports x[..., 3:]) -> conv1x1: a view
  csplit   Split channels [32, 32] (split input, opset 13) -> two convs -> Add: views
  cslice   Slice channels [5, 21) -> conv1x1: a copy (one-hot 1x1 conv), the window is off a surface
  unequal  Split rows [3, 9] and channels [16, 48] (unequal parts) -> convs -> Concat: views and copies
  output   Slice channels [0, 32) rows [0, 6) -> a network output (a copy) and a conv (a view)
  split11  opset 11: Split with the split attribute, equal parts without it; a slice of a slice
  concat   a channel slice concatenated with a conv (the concat is written in place: a copy)
and the refused ones, each naming its rule: step2 (slice.step), batch (rows of image 0 of a batch of 2:
slice.axis), empty (slice.empty), dynamic (ends computed from the activation: slice.params), rank3
(slice.rank)."""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402

INT64_MAX = np.iinfo(np.int64).max


def ints(b, values):
    name = f"slice_const_{b._index}"
    b._index += 1
    return b.init(name, np.array(values, dtype=np.int64))


def slice_(b, x, starts, ends, axes, steps=None):
    shape = list(b.shapes[x])
    for s, e, a, p in zip(starts, ends, axes, steps or [1] * len(axes)):
        shape[a] = len(range(*slice(s, e, p).indices(shape[a])))
    ins = [x, ints(b, starts), ints(b, ends), ints(b, axes)]
    if steps:
        ins.append(ints(b, steps))
    return b.node("Slice", ins, shape)


def split(b, x, axis, sizes, attr=False, equal=0):
    """Split into `sizes` (opset 13+: an input; attr: the opset-11 attribute; equal: n equal parts)."""
    name = b._node_name("Split")
    n = equal or len(sizes)
    if equal:
        sizes = [b.shapes[x][axis] // equal] * equal
    outs = [f"{name}_out{k}" for k in range(n)]
    ins = [x] if attr or equal else [x, ints(b, sizes)]
    kw = {"split": sizes} if attr and not equal else {}
    b.nodes.append(helper.make_node("Split", ins, outs, name=name, axis=axis, **kw))
    for o, s in zip(outs, sizes):
        shape = list(b.shapes[x])
        shape[axis] = s
        b.shapes[o] = tuple(shape)
    return outs


def build(net):
    b = zoo_builder.GraphBuilder(f"slice_{net}", seed=41)
    x = b.input("input", (2 if net == "batch" else 1, 8, 12, 12))
    a = b.relu(b.conv(x, 64, 3, pad=1))
    opset = None
    if net == "h":
        y = b.conv(slice_(b, a, [2], [-2], [2]), 13, 3, pad=1)
    elif net == "w":
        y = b.conv(slice_(b, a, [-9], [INT64_MAX], [3]), 13, 1)
    elif net == "csplit":
        p, q = split(b, a, 1, [32, 32])
        y = b.add(b.conv(p, 16, 3, pad=1), b.conv(q, 16, 1))
    elif net == "cslice":
        y = b.conv(slice_(b, a, [5], [21], [1]), 13, 1)
    elif net == "unequal":
        top, bottom = split(b, a, 2, [3, 9])
        c1, c2 = split(b, bottom, 1, [16, 48])
        y = b.concat([b.conv(c1, 32, 1), b.conv(c2, 32, 3, pad=1)])
        b.output(b.conv(top, 13, 1), "top")
    elif net == "output":
        s = slice_(b, a, [0, 0], [32, 6], [1, 2])
        b.output(s, "window")
        y = b.conv(s, 13, 3, pad=1)
    elif net == "split11":
        opset = 11
        p, q = split(b, a, 1, [32, 32], attr=True)
        e0, e1 = split(b, p, 2, [], equal=2)
        y = b.add(b.conv(slice_(b, e1, [1], [INT64_MAX], [3]), 16, 1), b.conv(slice_(b, e0, [1], [12], [3]), 16, 1))
        b.output(b.conv(q, 13, 1), "right")
    elif net == "concat":
        y = b.conv(b.concat([slice_(b, a, [32], [64], [1]), b.conv(a, 32, 1)]), 13, 1)
    elif net == "step2":
        y = b.conv(slice_(b, a, [0], [12], [2], [2]), 13, 1)
    elif net == "batch":
        y = b.conv(slice_(b, a, [0], [1], [0]), 13, 1)
    elif net == "empty":
        y = b.conv(slice_(b, a, [5], [5], [3]), 13, 1)
    elif net == "dynamic":  # ends computed from the activation: int64(max(x))
        n, c, h, w = b.shapes[a]
        mx = b.node("ReduceMax", [x], (), keepdims=0)
        end = b.node("Cast", [b.node("Reshape", [mx, ints(b, [1])], (1,))], (1,), to=onnx.TensorProto.INT64)
        y = b.conv(b.node("Slice", [a, ints(b, [0]), end, ints(b, [3])], (n, c, h, w)), 13, 1)
    elif net == "rank3":
        n, c, h, w = b.shapes[a]
        r = b.node("Reshape", [a, b.init("r3", np.array([n, c, h * w], dtype=np.int64))], (n, c, h * w))
        y = slice_(b, r, [0], [10], [2])
    else:
        raise SystemExit(f"tiny_slice.py: unknown --net {net}")
    b.output(y, "output")
    if opset is None:
        return b.model()
    graph = helper.make_graph(b.nodes, b.name, b.inputs, b.outputs, b.inits)
    m = helper.make_model(graph, producer_name="dlasim-tests", opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 6
    onnx.checker.check_model(m)
    return m


NETS = ["h", "w", "csplit", "cslice", "unequal", "output", "split11", "concat", "step2", "batch", "empty", "dynamic",
        "rank3"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", required=True, choices=NETS)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    zoo_builder.save(build(args.net), args.out)
    print(f"{args.out}: slice net {args.net}")
