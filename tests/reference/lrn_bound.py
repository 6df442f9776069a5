#!/usr/bin/python3
"""Accuracy of the compiler's CDP LRN tables (docs/compiler.md "LRN on the CDP"): for every CDP op of a
loadable, every square sum sq the INT8 input can produce (0 .. local_size * 128^2) and every cin it allows
(cin^2 <= sq), run cin and sq through the independent CDP LUT and output
converter of int8_ref.py and compare with the float LRN cin * s_in * (bias + alpha / size * s_in^2 * sq)^-beta
in output LSBs (s_in, s_out: the scales the op records). Prints the largest error and fails when it
exceeds --max-lsb (0.5 is the output rounding itself).
Usage: lrn_bound.py MODEL.dlal [--max-lsb 0.55]"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import int8_ref as R  # noqa: E402
import loadable as L  # noqa: E402


def op_error(c, lut):
    sq = np.arange(c.local_size * 128 * 128 + 1, dtype=np.int64)
    q = np.minimum(np.floor(np.sqrt(sq.astype(np.float64))), 128).astype(np.int64)
    ratio = c.src_scale / c.dst_scale
    g = (c.bias + c.alpha / c.local_size * c.src_scale ** 2 * sq.astype(np.float64)) ** -c.beta
    lut_sq = R.cdp_lut(sq, lut)
    worst = 0.0
    for cin in range(-128, 128):  # every input value with every square sum it can be part of
        m = q >= abs(cin)
        r = R.checked_mul(cin, lut_sq[m], "lrn_bound")
        out = R.out_cvt(r, c.out_cvt_offset, c.out_cvt_scale, c.out_cvt_shift, "lrn_bound")
        ideal = np.clip(cin * g[m] * ratio, -128, 127)  # the output saturates like any INT8 output
        worst = max(worst, float(np.abs(out - ideal).max()))
    return worst


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--max-lsb", type=float, default=0.55)
    a = ap.parse_args(argv)
    lod = L.read(a.model)
    cdps = [i for i, op in enumerate(lod.ops) if op.kind == L.OP_CDP]
    if not cdps:
        sys.stderr.write(f"lrn_bound: {a.model}: no CDP ops\n")
        return 1
    worst_all = 0.0
    for i in cdps:
        c = lod.ops[i].u.cdp
        luts = [t for t in lod.get("luts", []) if t.op == i]
        if len(luts) != 1 or c.in_cvt_scale != 1 or c.in_cvt_shift != 0 or c.in_cvt_offset != 0:
            sys.stderr.write(f"lrn_bound: op {i}: expected one LUT and an identity input converter\n")
            return 1
        e = op_error(c, luts[0])
        print(f"op {i} ({lod.layers[lod.ops[i].layer].name}, window {c.local_size}): max error {e:.4f} LSB")
        worst_all = max(worst_all, e)
    if worst_all > a.max_lsb:
        sys.stderr.write(f"lrn_bound: max error {worst_all:.4f} LSB exceeds {a.max_lsb}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
