#!/usr/bin/python3
"""Checks that activity sampling leaves the simulation untouched: two traces of the same run, one
sampled (/samples present) and one not (--sample-cycles 0), have identical /layers, /ops, /stats and
/summary, element for element."""
import sys

import h5py
import numpy as np

sampled, unsampled = sys.argv[1], sys.argv[2]
with h5py.File(sampled, "r") as a, h5py.File(unsampled, "r") as b:
    assert "samples" in a and int(a["/samples"].attrs["window_cycles"]) > 0, "first trace is not sampled"
    assert "samples" not in b, "second trace is sampled"
    for name in ("/layers", "/ops", "/stats"):
        x, y = a[name][:], b[name][:]
        assert x.dtype == y.dtype and np.array_equal(x, y), f"{name} differs"
    sa, sb = dict(a["/summary"].attrs), dict(b["/summary"].attrs)
    assert sa.keys() == sb.keys(), (sorted(sa), sorted(sb))
    for k in sa:
        assert sa[k] == sb[k], (k, sa[k], sb[k])
    print(f"sampled and unsampled runs identical: {len(a['/layers'])} layers, {len(a['/ops'])} ops, "
          f"total_cycles {sa['total_cycles']}, {len(a['/samples/end_cycle'])} windows")
