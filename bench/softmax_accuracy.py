#!/usr/bin/python3
"""Accuracy of dlasim's INT8 Softmax on the DLA (docs/compiler.md "Softmax") against float softmax.

For each case (channels C, logit range S, logit distribution) it builds `logits -> Mul(S) -> Softmax`
(the Mul, an SDP scale layer, gives the softmax input the calibrated INT8 scale S / 127 that a network's
last layer would), compiles it with `dlasim compile` for --config, runs the loadable through the
independent INT8 reference tests/reference/int8_ref.py (bit-exact with `dlasim run --functional`, which
tests/system/softmax.cmake checks) on --samples random batches, and compares with numpy's float64 softmax
of the same float logits. Distributions: `uniform` (every logit uniform in [-S, S]) and `peaked` (normal
with sigma S/4, one class per position raised to 0.9 S: a confident classifier). Prints one row per case:
max |error|, mean |error|, and the max error relative to y where y >= 0.1.
Usage: softmax_accuracy.py --dlasim BIN [--config orin-agx-64gb] [--samples 8] [--work DIR]"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "tests", "reference")
sys.path.insert(0, REF)


def model(c, hw, batch, scale):
    x = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, c, hw, hw])
    y = helper.make_tensor_value_info("prob", TensorProto.FLOAT, [batch, c, hw, hw])
    s = numpy_helper.from_array(np.full((1, c, 1, 1), scale, np.float32), "scale")
    nodes = [helper.make_node("Mul", ["logits", "scale"], ["z"], name="Mul_0"),
             helper.make_node("Softmax", ["z"], ["prob"], name="Softmax_1", axis=1)]
    g = helper.make_graph(nodes, "softmax_acc", [x], [y], [s])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    return m


def logits(rng, shape, dist):
    if dist == "uniform":
        return rng.uniform(-1, 1, shape)
    u = np.clip(rng.normal(0, 0.25, shape), -1, 1)
    n, c = shape[0], shape[1]
    top = rng.integers(0, c, (n,) + shape[2:])
    np.put_along_axis(u, top[:, None], 0.9, axis=1)
    return u


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dlasim", required=True)
    ap.add_argument("--config", default="orin-agx-64gb")
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--work")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="softmax_acc_")
    os.makedirs(work, exist_ok=True)
    cases = [(21, 8, 1), (91, 4, 1), (1000, 1, 4)]  # SSD VOC / COCO class heads, ImageNet head
    print(f"{'C':>5} {'HxW':>5} {'S':>4} {'dist':>8} {'max|err|':>9} {'mean|err|':>10} {'max rel (y>=0.1)':>17}")
    rng = np.random.default_rng(2026)
    for c, hw, batch in cases:
        for scale in (2.0, 5.0, 10.0, 15.0):
            m = model(c, hw, batch, scale)
            path = os.path.join(work, f"sm_{c}_{scale:g}.onnx")
            onnx.save(m, path)
            dlal = path[:-5] + ".dlal"
            subprocess.run([a.dlasim, "compile", path, "--config", a.config, "-o", dlal], check=True,
                           stdout=subprocess.DEVNULL)
            for dist in ("uniform", "peaked"):
                errs, rels = [], []
                for s in range(a.samples):
                    u = logits(rng, (batch, c, hw, hw), dist).astype(np.float32)
                    inp = os.path.join(work, "in.npy")
                    np.save(inp, u)
                    out = os.path.join(work, "out")
                    subprocess.run([sys.executable, os.path.join(REF, "int8_ref.py"), dlal, "--input",
                                    f"logits={inp}", "--out-dir", out], check=True, stdout=subprocess.DEVNULL)
                    got = np.load(os.path.join(out, "prob.npy")).reshape(u.shape).astype(np.float64)
                    want = softmax(u.astype(np.float64) * np.float32(scale))
                    errs.append(np.abs(got - want).ravel())
                    big = want >= 0.1
                    if big.any():
                        rels.append((np.abs(got - want)[big] / want[big]).max())
                e = np.concatenate(errs)
                rel = f"{max(rels):.3f}" if rels else "-"
                print(f"{c:>5} {hw:>2}x{hw:<2} {scale:>4g} {dist:>8} {e.max():>9.4f} {e.mean():>10.5f} {rel:>17}")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
