#!/usr/bin/python3
"""Views of a dlasim HDF5 trace (schema: docs/trace-format.md): show, csv, diff, plot.

Needs h5py and numpy (Debian python3-h5py). pandas is not needed: for a DataFrame use
    pd.DataFrame(layers_table(h5py.File(path)))
matplotlib draws labelled plots when installed; without it `plot` writes a plain bar chart PNG.
`dlasim trace diff|csv|plot` run this script. Exit status: 0 ok, 1 `diff` found differences, 2 usage or
file errors.
"""
import argparse
import csv
import struct
import sys
import zlib

import h5py
import numpy as np

SCHEMA_VERSION = 1
LAYER_COLUMNS = ["name", "op", "engine", "start_cycle", "end_cycle", "cycles", "macs",
                 "dram_read_bytes", "dram_write_bytes", "mac_utilization", "bound"]
SUMMARY_ORDER = ["clock_mhz", "total_cycles", "latency_ms", "images_per_s", "tops", "mac_utilization",
                 "macs", "dram_read_bytes", "dram_write_bytes", "energy_mj", "dynamic_energy_mj",
                 "static_energy_mj", "avg_power_w", "images_per_joule"]


class TraceError(Exception):
    pass


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    if isinstance(v, np.generic):
        return v.item()
    return v


def open_trace(path):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise TraceError(f"{path}: cannot open as HDF5: {e}") from None
    for obj in ("meta", "layers", "summary", "stats"):
        if obj not in f:
            f.close()
            raise TraceError(f"{path}: missing /{obj} (not a dlasim trace? see docs/trace-format.md)")
    version = int(f["meta"].attrs.get("schema_version", 0))
    if version > SCHEMA_VERSION:
        f.close()
        raise TraceError(f"{path}: schema_version {version} is newer than this tool reads ({SCHEMA_VERSION})")
    return f


def layers_table(f):
    """The /layers rows as a dict of column -> list, strings decoded (pandas.DataFrame accepts it)."""
    rows = f["layers"][:]
    missing = [c for c in LAYER_COLUMNS if c not in (rows.dtype.names or ())]
    if missing:
        raise TraceError(f"{f.filename}: /layers: missing columns {missing}")
    return {c: [_text(v) for v in rows[c]] for c in LAYER_COLUMNS}


def summary(f):
    attrs = f["summary"].attrs
    return {k: _text(attrs[k]) for k in SUMMARY_ORDER if k in attrs}


def cmd_show(args):
    with open_trace(args.file) as f:
        meta = f["meta"].attrs
        print(f"{args.file}: dlasim trace, schema {int(meta['schema_version'])} -- SIMULATED numbers")
        for k in ("tool_version", "config_name", "power_mode", "network", "precision", "batch", "cores", "functional"):
            print(f"  {k:<14} {_text(meta[k])}")
        if "provenance" in f["meta"]:
            for k, v in f["meta/provenance"].attrs.items():
                print(f"  {k:<14} {_text(v)}")
        t = layers_table(f)
        print(f"\nlayers ({len(t['name'])})")
        print(f"{'#':>4} {'name':<32} {'op':<10} {'eng':<5} {'cycles':>11} {'start':>11} {'MACs':>14} {'util%':>6} "
              "bound")
        for i in range(len(t["name"])):
            print(f"{i:>4} {t['name'][i][:32]:<32} {t['op'][i][:10]:<10} {t['engine'][i][:5]:<5} {t['cycles'][i]:>11} "
                  f"{t['start_cycle'][i]:>11} {t['macs'][i]:>14} {100 * t['mac_utilization'][i]:>6.1f} "
                  f"{t['bound'][i]}")
        print("\nsummary")
        for k, v in summary(f).items():
            print(f"  {k:<18} {v}")
        if "energy" in f:
            print("\nenergy (SIMULATED: action counts x the power mode's energy table)")
            for e in f["energy"][:]:
                print(f"  {_text(e['action']):<20} {_text(e['counters']):<20} {int(e['count']):>16} x "
                      f"{float(e['pj_per_action']):>6g} pJ = {float(e['energy_mj']):.6g} mJ")
        if "units" in f:
            print("\nunits (busy / stall cycles)")
            for u, g in f["units"].items():
                print(f"  {u:<20} {int(g.attrs['busy_cycles']):>14} {int(g.attrs['stall_cycles']):>14}")
        stats = f["stats"][:]
        print(f"\nstats ({len(stats)})")
        if args.stats:
            for s in stats:
                print(f"  {_text(s['name']):<48} {s['value']:>16} {_text(s['unit'])}")
    return 0


TABLES = ["layers", "ops", "stats", "units", "energy", "timeline", "samples"]


def table(f, name):
    """Any table of a trace as (columns, rows), strings decoded. units: one row per unit (busy/stall cycles
    and counter count); timeline: every unit's activity samples, one row per (unit, sample); samples: the
    measured /samples, one row per (series, window)."""
    if name == "layers":
        t = layers_table(f)
        return LAYER_COLUMNS, [[t[c][i] for c in LAYER_COLUMNS] for i in range(len(t["name"]))]
    if name in ("ops", "stats", "energy"):
        if name not in f:
            raise TraceError(f"{f.filename}: no /{name} table in this trace")
        rows = f[name][:]
        cols = list(rows.dtype.names)
        return cols, [[_text(r[c]) for c in cols] for r in rows]
    if name == "samples":
        if "samples" not in f:
            raise TraceError(f"{f.filename}: no /samples in this trace (run without sampling, or written before "
                             "/samples existed)")
        g = f["samples"]
        series = [(_text(s["name"]), _text(s["unit"])) for s in g["series"][:]]
        ends = [int(e) for e in g["end_cycle"][:]]
        values = g["values"][:]
        cols = ["series", "unit", "start_cycle", "end_cycle", "value"]
        return cols, [[name, unit, ends[w - 1] if w else 0, ends[w], int(values[w, k])]
                      for k, (name, unit) in enumerate(series) for w in range(len(ends))]
    if "units" not in f:
        raise TraceError(f"{f.filename}: no /units in this trace (written by dlasim before /units existed)")
    if name == "units":
        cols = ["unit", "busy_cycles", "stall_cycles", "counters", "timeline_samples"]
        return cols, [[u, int(g.attrs["busy_cycles"]), int(g.attrs["stall_cycles"]), len(g["counters"]),
                       len(g["timeline"]) if "timeline" in g else 0] for u, g in f["units"].items()]
    if name == "timeline":
        cols = ["unit", "start_cycle", "end_cycle", "active_fraction"]
        out = []
        for u, g in f["units"].items():
            if "timeline" in g:
                out.extend([u, int(r["start_cycle"]), int(r["end_cycle"]), float(r["active_fraction"])]
                           for r in g["timeline"][:])
        return cols, out
    raise TraceError(f"unknown table {name!r}, expected one of {TABLES}")


def cmd_csv(args):
    with open_trace(args.file) as f:
        cols, rows = table(f, args.table)
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    try:
        w = csv.writer(out)
        w.writerow(cols)
        for r in rows:
            w.writerow([repr(v) if isinstance(v, float) else v for v in r])
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _differs(a, b, tol_pct):
    if a == b:
        return False
    scale = max(abs(a), abs(b))
    return scale == 0 or 100.0 * abs(a - b) / scale > tol_pct


def cmd_diff(args):
    with open_trace(args.a) as fa, open_trace(args.b) as fb:
        ta, tb = layers_table(fa), layers_table(fb)
        sa, sb = summary(fa), summary(fb)
    different = False
    print(f"{'#':>4} {'name':<32} {'cycles A':>12} {'cycles B':>12} {'delta':>10} {'rel':>9}")
    na, nb = len(ta["name"]), len(tb["name"])
    for i in range(max(na, nb)):
        if i >= na or i >= nb or ta["name"][i] != tb["name"][i]:
            name = ta["name"][i] if i < na else "-"
            other = tb["name"][i] if i < nb else "-"
            print(f"{i:>4} layer mismatch: A '{name}' vs B '{other}'")
            different = True
            continue
        ca, cb = ta["cycles"][i], tb["cycles"][i]
        rel = (cb - ca) / ca if ca else float("inf") if cb else 0.0
        flag = _differs(ca, cb, args.tolerance)
        different |= flag
        if flag or args.all:
            print(f"{i:>4} {ta['name'][i][:32]:<32} {ca:>12} {cb:>12} {cb - ca:>+10} {rel:>+9.2%}")
    print("\nsummary")
    for k in SUMMARY_ORDER:
        if k not in sa or k not in sb:
            print(f"  {k:<18} missing in {'A' if k not in sa else 'B'}")
            different = True
            continue
        flag = _differs(float(sa[k]), float(sb[k]), args.tolerance)
        different |= flag
        if flag or args.all:
            print(f"  {k:<18} {sa[k]:>16} {sb[k]:>16}  delta {float(sb[k]) - float(sa[k]):+g}")
    print("DIFFERENT" if different else f"same within tolerance {args.tolerance}%")
    return 1 if different else 0


def _png(path, pixels):
    """Write an RGB uint8 array (h, w, 3) as PNG with zlib only."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


BOUND_COLORS = {"compute": "#4c72b0", "memory": "#dd8452", "output": "#55a868", "overhead": "#c44e52"}


def _value(node):
    """A config leaf: {value, source, ref} or a bare number."""
    return node["value"] if isinstance(node, dict) and "value" in node else node


def roofline_peaks(f):
    """(peak ops/s of the DLA cores, DRAM bytes/s) from the trace's resolved config and power mode."""
    import json
    cfg = json.loads(_text(f["meta"].attrs["config_json"]))
    meta = f["meta"].attrs
    core = cfg["core"]
    fp16 = _text(meta["precision"]).lower() == "fp16"
    macs = _value(core["fp16_macs_per_cycle"]) if fp16 else _value(core["atomic_c"]) * _value(core["atomic_k"])
    clock_hz = float(f["summary"].attrs["clock_mhz"]) * 1e6
    mode = next((m for m in cfg.get("power_modes", []) if m.get("name") == _text(meta["power_mode"])), {})
    bw = _value(mode["dram_bandwidth_gbps"]) if "dram_bandwidth_gbps" in mode else \
        _value(cfg["memory"]["dram"]["bandwidth_gbps"])
    return 2.0 * macs * clock_hz, float(bw) * 1e9


def cmd_plot(args):
    with open_trace(args.file) as f:
        t = layers_table(f)
        title = f"{_text(f['meta'].attrs['network'])} on {_text(f['meta'].attrs['config_name'])} (SIMULATED)"
        clock_hz = float(f["summary"].attrs["clock_mhz"]) * 1e6
        peaks = roofline_peaks(f) if args.kind == "roofline" else None
    cycles = np.array(t["cycles"], dtype=np.float64)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
    if plt is None and args.kind != "cycles":
        raise TraceError(f"plot --kind {args.kind} needs matplotlib (Debian python3-matplotlib)")
    if plt is not None:
        n = len(cycles)
        if args.kind == "roofline":
            fig, ax = plt.subplots(figsize=(6, 4.5))
            peak_ops, bw = peaks
            macs = np.array(t["macs"], dtype=np.float64)
            traffic = np.array(t["dram_read_bytes"], dtype=np.float64) + np.array(t["dram_write_bytes"])
            keep = (macs > 0) & (traffic > 0) & (cycles > 0)
            intensity = 2 * macs[keep] / traffic[keep]
            achieved = 2 * macs[keep] / (cycles[keep] / clock_hz)
            for bound, color in BOUND_COLORS.items():
                sel = np.array([b == bound for b in np.array(t["bound"])[keep]], dtype=bool)
                if sel.any():
                    ax.scatter(intensity[sel], achieved[sel], s=12, color=color, label=bound)
            x = np.logspace(-1, 4, 200)
            ax.plot(x, np.minimum(peak_ops, bw * x), "k-", lw=1, label="roof (one core)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("ops per DRAM byte (2 ops per MAC)")
            ax.set_ylabel("achieved ops/s (simulated)")
            ax.legend(fontsize=7)
        else:
            fig, ax = plt.subplots(figsize=(max(6, 0.25 * n), 4))
            if args.kind == "utilization":
                ax.bar(range(n), 100 * np.array(t["mac_utilization"]), color="#4c72b0")
                ax.set_ylabel("MAC utilization % (simulated)")
            else:
                # One bar per layer, coloured (stacked into one series per bound) by what limited it.
                for bound, color in BOUND_COLORS.items():
                    h = [c if b == bound else 0 for c, b in zip(cycles, t["bound"])]
                    if any(h):
                        ax.bar(range(n), h, color=color, label=bound)
                other = [c if b not in BOUND_COLORS else 0 for c, b in zip(cycles, t["bound"])]
                if any(other):
                    ax.bar(range(n), other, color="#8c8c8c", label="other")
                ax.set_ylabel("cycles (simulated)")
                ax.legend(fontsize=7)
            ax.set_xticks(range(n))
            ax.set_xticklabels(t["name"], rotation=90, fontsize=6)
        ax.set_title(title)
        fig.tight_layout()
        fig.savefig(args.output, dpi=120)
        plt.close(fig)
        return 0
    # No matplotlib: bars only, one column group per layer, tallest bar = full height.
    bar, gap, height, margin = 6, 2, 300, 10
    width = max(1, len(cycles)) * (bar + gap) + 2 * margin
    img = np.full((height + 2 * margin, width, 3), 255, dtype=np.uint8)
    top = cycles.max() if len(cycles) and cycles.max() > 0 else 1.0
    for i, c in enumerate(cycles):
        h = int(round(height * c / top))
        x = margin + i * (bar + gap)
        img[margin + height - h:margin + height, x:x + bar] = (31, 119, 180)
    img[margin + height, margin:width - margin] = (0, 0, 0)
    _png(args.output, img)
    print(f"matplotlib not available: wrote an unlabelled bar chart of {len(cycles)} layers to {args.output}",
          file=sys.stderr)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="dlasim_trace.py", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("show", help="print meta, layers, summary")
    s.add_argument("file")
    s.add_argument("--stats", action="store_true", help="also list every action counter")
    s.set_defaults(fn=cmd_show)
    s = sub.add_parser("csv", help="a table as CSV (default /layers)")
    s.add_argument("file")
    s.add_argument("--table", choices=TABLES, default="layers")
    s.add_argument("-o", "--output")
    s.set_defaults(fn=cmd_csv)
    s = sub.add_parser("diff", help="per-layer cycle and summary deltas; exit 1 if they differ")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--tolerance", type=float, default=0.0, metavar="PCT",
                   help="difference allowed, in percent of the larger value (default 0: any difference)")
    s.add_argument("--all", action="store_true", help="print equal rows too")
    s.set_defaults(fn=cmd_diff)
    s = sub.add_parser("plot", help="PNG: per-layer cycles by bound, utilization, or roofline")
    s.add_argument("file")
    s.add_argument("--kind", choices=["cycles", "utilization", "roofline"], default="cycles")
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(fn=cmd_plot)
    args = p.parse_args(argv)
    if getattr(args, "tolerance", 0.0) < 0:
        p.error("--tolerance: expected a percentage >= 0")
    try:
        return args.fn(args)
    except (TraceError, OSError, KeyError) as e:
        print(f"dlasim_trace.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
