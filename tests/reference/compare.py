#!/usr/bin/python3
"""Compare two sets of .npy outputs (two directories: every .npy of REF must exist in TEST; or two files).
--exact: bit-for-bit. --max-abs-err X: max |ref - test| must be <= X, measured in output units or, with
--rel-to-range, relative to the reference output's range (max - min). Exit 1 on any mismatch.
Usage: compare.py REF TEST (--exact | --max-abs-err X [--rel-to-range])"""

import argparse
import os
import sys

import numpy as np


def pairs(ref, test):
    if os.path.isfile(ref):
        return [(os.path.basename(ref), ref, test)]
    names = sorted(f for f in os.listdir(ref) if f.endswith(".npy"))
    if not names:
        raise SystemExit(f"compare: no .npy files in {ref}")
    return [(n, os.path.join(ref, n), os.path.join(test, n)) for n in names]


def compare(name, a, b, args):
    """Returns (ok, message)."""
    if a.shape != b.shape:
        # Same data under a different rank (e.g. 32x10 from ONNX vs 32x10x1x1 from the DLA): compare
        # when they agree once unit dimensions are dropped.
        if tuple(d for d in a.shape if d != 1) != tuple(d for d in b.shape if d != 1):
            return False, f"{name}: shape {a.shape} vs {b.shape}"
        b = b.reshape(a.shape)
    if args.exact:
        same = a.dtype == b.dtype and a.tobytes() == b.tobytes()
        diff = int(np.count_nonzero(a != b)) if not same else 0
        return same, f"{name}: {'identical' if same else f'{diff} of {a.size} elements differ (dtype {a.dtype} vs {b.dtype})'}"
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not (np.isfinite(a64).all() and np.isfinite(b64).all()):
        return False, f"{name}: non-finite values"
    err = float(np.abs(a64 - b64).max()) if a.size else 0.0
    rng = float(a64.max() - a64.min()) if a.size else 0.0
    metric = err / rng if args.rel_to_range and rng > 0 else err
    unit = f" = {metric:.3g} of the range {rng:.6g}" if args.rel_to_range else ""
    ok = metric <= args.max_abs_err
    return ok, f"{name}: max abs err {err:.6g}{unit} ({'<=' if ok else '>'} {args.max_abs_err:g})"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref")
    ap.add_argument("test")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--exact", action="store_true")
    mode.add_argument("--max-abs-err", type=float)
    ap.add_argument("--rel-to-range", action="store_true")
    args = ap.parse_args(argv)
    if args.rel_to_range and args.exact:
        ap.error("--rel-to-range goes with --max-abs-err")
    failed = 0
    for name, pa, pb in pairs(args.ref, args.test):
        if not os.path.exists(pb):
            print(f"{name}: missing in {args.test}")
            failed += 1
            continue
        ok, msg = compare(name, np.load(pa, allow_pickle=False), np.load(pb, allow_pickle=False), args)
        print(msg)
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
