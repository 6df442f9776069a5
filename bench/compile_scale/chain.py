#!/usr/bin/python3
"""Compile-time scaling bench: writes a synthetic N-node chain ONNX model (the largest graph the
importer accepts is 20000 nodes, sw/compiler/onnx_import.c MAX_NODES) and times `dlasim compile`
on it, to show that no compiler pass is quadratic in the number of layers (docs/robustness.md)."""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def chain_model(n, kind):
    """n nodes. kind 'relu': Relu after Relu (each one SDP layer); 'conv': 1x1 Conv after 1x1 Conv
    (each one CONV layer, weights shared so the file stays small)."""
    c = 8
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, 4, 4])
    inits, nodes, prev = [], [], "x"
    if kind == "conv":
        w = np.eye(c, dtype=np.float32).reshape(c, c, 1, 1)
        inits.append(numpy_helper.from_array(w, "w"))
    for i in range(n):
        out = "t%d" % i
        if kind == "relu":
            nodes.append(helper.make_node("Relu", [prev], [out], name="n%d" % i))
        else:
            nodes.append(helper.make_node("Conv", [prev, "w"], [out], name="n%d" % i, kernel_shape=[1, 1]))
        prev = out
    y = helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, c, 4, 4])
    g = helper.make_graph(nodes, "chain", [x], [y], initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dlasim", default="build/bin/dlasim")
    ap.add_argument("--nodes", type=int, default=20000)
    ap.add_argument("--kind", choices=["relu", "conv"], default="conv")
    ap.add_argument("--keep", help="also keep the loadable here (to cmp two builds' outputs)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        model = os.path.join(d, "chain.onnx")
        onnx.save(chain_model(a.nodes, a.kind), model)
        out = a.keep or os.path.join(d, "chain.dlal")
        t0 = time.monotonic()
        r = subprocess.run([a.dlasim, "compile", model, "-o", out], capture_output=True, text=True)
        wall = time.monotonic() - t0
        if r.returncode != 0:
            sys.exit("dlasim compile failed: " + r.stderr.strip())
        print("%s chain of %d nodes: compile %.2f s wall (MEASURED on this host)" % (a.kind, a.nodes, wall))


if __name__ == "__main__":
    main()
