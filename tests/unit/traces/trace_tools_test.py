#!/usr/bin/python3
"""Checks traces/tools/dlasim_trace.py and the h5py view of a trace written by trace_fixture_writer
(the hand-built result of sample_result.cpp; expected values restated here from that file).
usage: trace_tools_test.py CASE TOOL SAMPLE.h5 PERTURBED.h5 OUTDIR   (CASE: show csv tables h5py diff plot)"""
import csv
import os
import subprocess
import sys

import h5py
import numpy as np

CASE, TOOL, SAMPLE, PERTURBED, OUTDIR = sys.argv[1:6]
LAYER_NAMES = ["conv1", "layer1.0/conv2+add", "fc"]
LAYER_CYCLES = [1000, 2500, 100]  # end - start of each hand-built layer


def run(*args):
    p = subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


if CASE == "show":
    rc, out, err = run("show", SAMPLE, "--stats")
    check(rc == 0, f"show exit {rc}: {err}")
    for want in ["SIMULATED", "orin-agx-64gb", "MAXN", "resnet50", "layer1.0/conv2+add", "latency_ms", "0.0027",
                 "dla0.cmac_a.mac_ops", "123456789", "created_utc"]:
        check(want in out, f"show output lacks {want!r}:\n{out}")
    rc, _, err = run("show", os.path.join(OUTDIR, "absent.h5"))
    check(rc == 2 and "absent.h5" in err, f"missing file: exit {rc}, stderr {err!r}")

elif CASE == "csv":
    path = os.path.join(OUTDIR, "layers.csv")
    rc, _, err = run("csv", SAMPLE, "-o", path)
    check(rc == 0, f"csv exit {rc}: {err}")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    check([r["name"] for r in rows] == LAYER_NAMES, f"names {[r['name'] for r in rows]}")
    check([int(r["cycles"]) for r in rows] == LAYER_CYCLES, "cycles column")
    check(rows[0]["macs"] == "118013952" and rows[1]["bound"] == "memory" and rows[2]["engine"] == "GPU", str(rows))
    check(float(rows[1]["mac_utilization"]) == 0.25, "mac_utilization column")

elif CASE == "tables":
    # Every table exports. The sample's stats are dla0.cmac_a.mac_ops, dla0.cdma.dat.dram_read_bytes and
    # dla0.sdp.elements: three units (dla0.cmac_a, dla0.cdma, dla0.sdp), none with a busy counter; it has no
    # ops (so no timeline samples) and no energy breakdown (an empty /energy table: header only).
    for table, header, nrows in [("stats", "name,unit,value,description", 3),
                                 ("units", "unit,busy_cycles,stall_cycles,counters,timeline_samples", 3),
                                 ("energy", "action,counters,count,pj_per_action,energy_mj", 0),
                                 ("ops", None, 0), ("timeline", "unit,start_cycle,end_cycle,active_fraction", 0)]:
        path = os.path.join(OUTDIR, f"{table}.csv")
        rc, _, err = run("csv", SAMPLE, "--table", table, "-o", path)
        check(rc == 0, f"csv --table {table}: exit {rc}: {err}")
        with open(path) as f:
            lines = f.read().splitlines()
        check(header is None or lines[0] == header, f"{table} header {lines[0]!r}")
        check(len(lines) == 1 + nrows, f"{table}: {len(lines) - 1} rows, expected {nrows}")
    with open(os.path.join(OUTDIR, "units.csv")) as f:
        units = list(csv.DictReader(f))
    check([u["unit"] for u in units] == ["dla0.cdma", "dla0.cmac_a", "dla0.sdp"], f"units {units}")  # HDF5 name order
    check(all(u["busy_cycles"] == "0" and u["counters"] == "1" for u in units), f"units {units}")
    rc, _, err = run("csv", SAMPLE, "--table", "nonesuch")
    check(rc == 2, f"unknown table: exit {rc}")

elif CASE == "h5py":
    with h5py.File(SAMPLE, "r") as f:
        layers = f["/layers"][:]
        check(isinstance(layers, np.ndarray) and layers.dtype.names is not None, "/layers is not a structured array")
        check(list(layers.dtype.names) == ["name", "op", "engine", "start_cycle", "end_cycle", "cycles", "macs",
                                           "dram_read_bytes", "dram_write_bytes", "mac_utilization", "bound"],
              f"columns {layers.dtype.names}")
        check(layers.dtype["name"] == np.dtype("S128") and layers.dtype["cycles"] == np.dtype("<u8")
              and layers.dtype["mac_utilization"] == np.dtype("<f8"), f"dtypes {layers.dtype}")
        check([n.decode() for n in layers["name"]] == LAYER_NAMES, "decoded names")
        check(layers["cycles"].tolist() == LAYER_CYCLES, "cycles")
        stats = f["/stats"][:]
        check(list(stats.dtype.names) == ["name", "unit", "value", "description"], f"stats columns {stats.dtype}")
        check(stats["value"].tolist() == [123456789, 500000, 77777], "stat values")
        meta = f["/meta"].attrs
        check(int(meta["schema_version"]) == 1 and meta["config_name"] == "orin-agx-64gb" and int(meta["batch"]) == 2,
              f"meta {dict(meta)}")
        check(set(f["/meta/provenance"].attrs) == {"created_utc", "host"}, "provenance attributes")
        check(float(f["/summary"].attrs["latency_ms"]) == 0.0027, "summary latency_ms")

elif CASE == "diff":
    rc, out, err = run("diff", SAMPLE, SAMPLE)
    check(rc == 0 and "same" in out, f"self diff: exit {rc}\n{out}{err}")
    rc, out, _ = run("diff", SAMPLE, PERTURBED)
    # Layer 1 takes 2510 instead of 2500 cycles: +10, +0.40 %.
    check(rc == 1 and "+10" in out and "+0.40%" in out and "DIFFERENT" in out, f"perturbed diff: exit {rc}\n{out}")
    # total_cycles 3600 -> 3610 is a 0.28 % change: within 1 % every difference is tolerated.
    rc, out, _ = run("diff", SAMPLE, PERTURBED, "--tolerance", "1")
    check(rc == 0, f"diff within 1%: exit {rc}\n{out}")

elif CASE == "plot":
    path = os.path.join(OUTDIR, "cycles.png")
    if os.path.exists(path):
        os.remove(path)
    rc, _, err = run("plot", SAMPLE, "-o", path)
    check(rc == 0, f"plot exit {rc}: {err}")
    with open(path, "rb") as f:
        png = f.read()
    check(png[:8] == b"\x89PNG\r\n\x1a\n", "plot output is not a PNG")
    try:
        import matplotlib  # noqa: F401  (labelled plot: only the PNG signature is checked)
    except ImportError:
        # Plain chart: 8-bit RGB, one filter byte per row; bars scale to 300 px for the longest layer.
        import struct
        import zlib
        w, h = struct.unpack(">II", png[16:24])
        idat = png.index(b"IDAT")
        n = struct.unpack(">I", png[idat - 4:idat])[0]
        rows = np.frombuffer(zlib.decompress(png[idat + 4:idat + 4 + n]), dtype=np.uint8).reshape(h, 1 + 3 * w)
        px = rows[:, 1:].reshape(h, w, 3)
        blue = np.all(px == (31, 119, 180), axis=2).sum(axis=0)
        heights = [int(v) for v in blue if v > 0]
        heights = [heights[i] for i in range(0, len(heights), 6)]  # 6 px per bar
        # 2500 cycles -> 300 px; 1000 -> 120 px; 100 -> 12 px.
        check(heights == [120, 300, 12], f"bar heights {heights}")

else:
    check(False, f"unknown case {CASE}")
print("ok", CASE)
