#!/usr/bin/python3
"""Accuracy of the compiler's SDP lookup tables (docs/compiler.md "Lookup-table activations"): for every
LUT of a loadable, run the LUT input v over a dense grid of its int32 domain through the independent
LUT and output converter of int8_ref.py, and compare out * s_out with the float function at the real
input x = v * h / 2^F that v stands for (h = R / 128, from the LO table's start -128 * 2^F).
Prints the largest error in output LSBs and fails when it exceeds --max-lsb.
Usage: lut_bound.py MODEL.dlal [--max-lsb 0.6]"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import int8_ref as R  # noqa: E402
import loadable as L  # noqa: E402

FUNCS = {  # layer type suffix -> (f, R)
    "sigmoid": (lambda x: 1.0 / (1.0 + np.exp(-x)), 8.0),
    "tanh": (np.tanh, 4.0),
    "silu": (lambda x: x / (1.0 + np.exp(-x)), 8.0),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--max-lsb", type=float, default=0.6)
    a = ap.parse_args(argv)
    lod = L.read(a.model)
    luts = lod.get("luts", [])
    if not luts:
        sys.stderr.write(f"lut_bound: {a.model}: no LUTs\n")
        return 1
    worst_all = 0.0
    for t in luts:
        op = lod.ops[t.op]
        kind = lod.layers[op.layer].type.split("+")[-1]
        if kind not in FUNCS:
            sys.stderr.write(f"lut_bound: op {t.op}: layer type '{lod.layers[op.layer].type}' has no known function\n")
            return 1
        f, rng = FUNCS[kind]
        s = op.u.sdp
        out_t = [x for x in lod.tensors if x.region == s.dst.region and x.offset == s.dst.offset]
        s_out = out_t[0].scale if out_t else None
        if s_out is None:  # an internal tensor: the loadable does not carry its scale
            print(f"op {t.op} ({kind}): output is no network output, scale unknown: skipped")
            continue
        unit = rng / -t.lo_start  # real x per unit of v
        # every v within 2 LE ranges, and a sparse sweep out to the int32 limits
        v = np.concatenate([np.arange(2 * t.le_start, 2 * t.le_end + 1),
                            np.linspace(-(1 << 31), (1 << 31) - 1, 20001).astype(np.int64)])
        y = R.out_cvt(R.sdp_lut(v, t), s.out_cvt_offset, s.out_cvt_scale, s.out_cvt_shift)
        with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0: the limits are right
            want = np.clip(f(v * unit), -128 * s_out, 127 * s_out)  # what INT8 at s_out can represent
        err = np.abs(y * s_out - want) / s_out
        i = int(np.argmax(err))
        worst_all = max(worst_all, float(err[i]))
        print(f"op {t.op} ({kind}): max error {err[i]:.3f} LSB (s_out {s_out:.6g}) at x = {v[i] * unit:.6g}")
    return 0 if worst_all <= a.max_lsb else 1


if __name__ == "__main__":
    sys.exit(main())
