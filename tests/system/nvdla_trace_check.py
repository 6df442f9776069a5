#!/usr/bin/python3
"""Checks the HDF5 table of `dlasim nvdla-trace`: /nvdla_trace holds one passing row for the test,
with positive cycle counts and op_cycles <= total_cycles, and the root names the config."""
import sys

import h5py

path, test, config = sys.argv[1:4]
with h5py.File(path, "r") as f:
    assert f.attrs["config"].decode() == config, f.attrs["config"]
    rows = f["nvdla_trace"][()]
    assert len(rows) == 1, len(rows)
    r = rows[0]
    assert r["test"].decode() == test, r["test"]
    assert r["pass"] == 1, r["reason"]
    assert 0 < r["op_cycles"] <= r["total_cycles"], (r["op_cycles"], r["total_cycles"])
    assert r["reg_writes"] > 0
    assert r["reason"].decode() == ""
print("ok")
