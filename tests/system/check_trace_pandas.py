#!/usr/bin/python3
"""Checks that a dlasim trace reads with h5py and pandas the way docs/trace-format.md promises."""
import sys

import h5py
import pandas as pd

path, network = sys.argv[1], sys.argv[2]
with h5py.File(path, "r") as f:
    layers = pd.DataFrame(f["/layers"][:])
    summary = dict(f["/summary"].attrs)
    meta = dict(f["/meta"].attrs)
for col in ["name", "op", "engine", "start_cycle", "end_cycle", "cycles", "macs", "dram_read_bytes",
            "dram_write_bytes", "mac_utilization", "bound"]:
    assert col in layers.columns, f"missing column {col}"
layers["name"] = layers["name"].str.decode("utf-8")
assert len(layers) > 0
assert (layers["cycles"] == layers["end_cycle"] - layers["start_cycle"]).all(), "cycles != end - start"
assert meta["network"] in (network, network.encode()), meta["network"]
assert summary["total_cycles"] >= layers["end_cycle"].max() - layers["start_cycle"].min()
assert summary["macs"] == layers["macs"].sum(), (summary["macs"], layers["macs"].sum())
print(f"{path}: {len(layers)} layers, {summary['total_cycles']} cycles, pandas OK")
