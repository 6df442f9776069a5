#!/usr/bin/python3
"""Deterministic input .npy files for a model: uniform [-1, 1) float32 from numpy's PCG64 seeded with
--seed (+ the input's index), one file per network input, named after it (refutil.npy_filename).
Accepts .onnx / .onnx.gz (graph inputs) or .dlal (INPUT tensors, n x c x h x w). Prints the
--input NAME=FILE arguments for fp32_ref.py / int8_ref.py.
Usage: make_input.py MODEL --out-dir DIR [--seed N]"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refutil  # noqa: E402


def model_inputs(path):
    if path.endswith(".dlal"):
        import loadable as L
        lod = L.read(path)
        return [(t.name, (t.n, t.c, t.h, t.w)) for t in lod.tensors if t.role == L.ROLE_INPUT]
    import fp32_ref
    model = fp32_ref.load_model(path)
    out = []
    for v in fp32_ref.graph_inputs(model):
        dims = tuple(d.dim_value for d in v.type.tensor_type.shape.dim)
        if not dims or any(d <= 0 for d in dims):
            raise SystemExit(f"make_input: {path}: input '{v.name}' has no static shape ({dims})")
        out.append((v.name, dims))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    arrays = {}
    for i, (name, shape) in enumerate(model_inputs(args.model)):
        rng = np.random.default_rng(args.seed + i)
        arrays[name] = rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    for (name, _), path in zip(arrays.items(), refutil.write_outputs(args.out_dir, arrays)):
        print(f"--input {name}={path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
