#!/usr/bin/python3
"""Runs `dlasim run MODEL --config CONFIG --power-mode M` for each mode given and checks the report
against the config JSON (read here, independently of dlasim's loader): the printed clock is the mode's
dla_clock_mhz, the printed DRAM bandwidth its dram_bandwidth_gbps (and x efficiency x (1 - background)
for the DLAs), the static energy its static_power_w x latency, and the per-layer energy table is there
with energies that add up to the run's. A lower clock must give a longer latency."""
import json
import re
import subprocess
import sys

binary, model, config = sys.argv[1], sys.argv[2], sys.argv[3]
modes = sys.argv[4:]
with open(config) as fh:
    cfg = json.load(fh)


def val(x):
    return x["value"] if isinstance(x, dict) else x


dram = cfg["memory"]["dram"]
eff = val(dram["efficiency"])
background = val(dram.get("background_share", 0.0))
latencies = {}
for name in modes:
    mode = next(m for m in cfg["power_modes"] if m["name"].lower() == name.lower())
    out = subprocess.run([binary, "run", model, "--config", config, "--power-mode", name], capture_output=True,
                         text=True, check=True).stdout

    def grab(pattern):
        m = re.search(pattern, out)
        assert m, f"{name}: /{pattern}/ not in output:\n{out}"
        return m

    assert f"power mode {name}" in out, out
    clock = float(grab(r"clock\s+([0-9.]+) MHz").group(1))
    assert abs(clock - val(mode["dla_clock_mhz"])) < 0.05, (name, clock, mode["dla_clock_mhz"])
    m = grab(r"DRAM bandwidth\s+([0-9.]+) GB/s peak, ([0-9.]+) GB/s for the DLAs")
    peak = val(mode["dram_bandwidth_gbps"])
    assert abs(float(m.group(1)) - peak) < 0.05, (name, m.group(1), peak)
    assert abs(float(m.group(2)) - peak * eff * (1 - background)) < 0.005, (name, m.group(2))
    latency_ms = float(grab(r"latency\s+([0-9.]+) ms").group(1))
    m = grab(r"energy\s+([0-9.]+) mJ \(dynamic ([0-9.]+) mJ, static ([0-9.]+) mJ\)")
    total, static = float(m.group(1)), float(m.group(3))
    want_static = val(mode["energy"]["static_power_w"]) * latency_ms  # W x ms = mJ, one core
    # latency is printed to 1e-4 ms, static to 1e-4 mJ
    assert abs(static - want_static) <= 1e-4 + val(mode["energy"]["static_power_w"]) * 1e-4, (name, static, want_static)
    table = out.split("Per-layer energy (SIMULATED")[1].split("Summary (SIMULATED)")[0]
    rows = [line.split() for line in table.splitlines() if re.match(r"\s+\d+ ", line)]
    assert rows, f"{name}: no per-layer energy rows"
    layer_mj = sum(float(r[-3]) for r in rows)  # columns: ... energy mJ, power W, TOPS/W
    assert abs(layer_mj - total) <= 1e-5 * len(rows) + 1e-4, (name, layer_mj, total)
    for r in rows:
        assert float(r[-2]) > 0, (name, r)  # every DLA layer draws power
    latencies[name] = (val(mode["dla_clock_mhz"]), latency_ms)

by_clock = sorted(latencies.values())
assert all(a[1] > b[1] for a, b in zip(by_clock, by_clock[1:])), f"lower clock must mean longer latency: {latencies}"
print("power modes OK:", latencies)
