#!/usr/bin/python3
"""Bit-identity of two HDF5 files, except groups named with --exclude (wall-clock facts such as
/meta/provenance): the same groups, datasets and attributes, each dataset with the same dtype, shape
and bytes (tables field by field), each attribute with the same value. Exit 1 naming the first
difference. Also imported by sweep_check.py.
usage: h5_identical.py A.h5 B.h5 [--exclude /meta/provenance ...]"""
import sys

import h5py
import numpy as np


def canonical_bytes(x):
    """The bytes of an array's data: a table (compound dtype) field by field, so padding between fields,
    which numpy leaves uninitialised in copies such as np.sort's, never counts as a difference."""
    x = np.asarray(x)
    if x.dtype.names:
        return b"".join(np.ascontiguousarray(x[n]).tobytes() for n in x.dtype.names)
    return x.tobytes()


def attrs_equal(a, b):
    if sorted(a.attrs.keys()) != sorted(b.attrs.keys()):
        return f"attribute names differ: {sorted(a.attrs.keys())} vs {sorted(b.attrs.keys())}"
    for k in a.attrs.keys():
        x, y = np.asarray(a.attrs[k]), np.asarray(b.attrs[k])
        if x.dtype != y.dtype or x.shape != y.shape or canonical_bytes(x) != canonical_bytes(y):
            return f"attribute '{k}' differs: {a.attrs[k]!r} vs {b.attrs[k]!r}"
    return None


def compare(a, b, path, exclude):
    if path in exclude:
        return None
    why = attrs_equal(a, b)
    if why:
        return f"{path}: {why}"
    if isinstance(a, h5py.Dataset) or isinstance(b, h5py.Dataset):
        if not (isinstance(a, h5py.Dataset) and isinstance(b, h5py.Dataset)):
            return f"{path}: a dataset in one file, a group in the other"
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"{path}: dtype/shape {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        if canonical_bytes(a[()]) != canonical_bytes(b[()]):
            return f"{path}: contents differ"
        return None
    if sorted(a.keys()) != sorted(b.keys()):
        return f"{path}: members differ: {sorted(a.keys())} vs {sorted(b.keys())}"
    for k in sorted(a.keys()):
        why = compare(a[k], b[k], (path.rstrip("/") + "/" + k), exclude)
        if why:
            return why
    return None


def main():
    args, exclude = [], set()
    it = iter(sys.argv[1:])
    for a in it:
        if a == "--exclude":
            exclude.add(next(it))
        else:
            args.append(a)
    if len(args) != 2:
        sys.exit(__doc__)
    with h5py.File(args[0], "r") as a, h5py.File(args[1], "r") as b:
        why = compare(a, b, "/", exclude)
    if why:
        sys.exit(f"FAIL: {args[0]} vs {args[1]}: {why}")
    print(f"identical: {args[0]} and {args[1]} (excluding {', '.join(sorted(exclude)) or 'nothing'})")


if __name__ == "__main__":
    main()
