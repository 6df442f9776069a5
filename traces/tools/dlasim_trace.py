#!/usr/bin/python3
"""Views of a dlasim HDF5 trace (schema: docs/trace-schema.md): show, csv, diff, plot.

Needs h5py and numpy (Debian python3-h5py). pandas is not needed: for a DataFrame use
    pd.DataFrame(layers_table(h5py.File(path)))
matplotlib draws labelled plots when installed; without it `plot` writes a plain bar chart PNG.
Exit status: 0 ok, 1 `diff` found differences, 2 usage or file errors.
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
            raise TraceError(f"{path}: missing /{obj} (not a dlasim trace? see docs/trace-schema.md)")
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
        stats = f["stats"][:]
        print(f"\nstats ({len(stats)})")
        if args.stats:
            for s in stats:
                print(f"  {_text(s['name']):<48} {s['value']:>16} {_text(s['unit'])}")
    return 0


def cmd_csv(args):
    with open_trace(args.file) as f:
        t = layers_table(f)
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    try:
        w = csv.writer(out)
        w.writerow(LAYER_COLUMNS)
        for i in range(len(t["name"])):
            w.writerow([repr(t[c][i]) if isinstance(t[c][i], float) else t[c][i] for c in LAYER_COLUMNS])
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _differs(a, b, tol):
    if a == b:
        return False
    scale = max(abs(a), abs(b))
    return scale == 0 or abs(a - b) / scale > tol


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
    print("DIFFERENT" if different else f"same within tolerance {args.tolerance}")
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


def cmd_plot(args):
    with open_trace(args.file) as f:
        t = layers_table(f)
        title = f"{_text(f['meta'].attrs['network'])} on {_text(f['meta'].attrs['config_name'])} (SIMULATED)"
    cycles = np.array(t["cycles"], dtype=np.float64)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
    if plt is not None:
        fig, ax = plt.subplots(figsize=(max(6, 0.25 * len(cycles)), 4))
        ax.bar(range(len(cycles)), cycles)
        ax.set_xticks(range(len(cycles)))
        ax.set_xticklabels(t["name"], rotation=90, fontsize=6)
        ax.set_ylabel("cycles (simulated)")
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
    s = sub.add_parser("csv", help="layers as CSV")
    s.add_argument("file")
    s.add_argument("-o", "--output")
    s.set_defaults(fn=cmd_csv)
    s = sub.add_parser("diff", help="per-layer cycle and summary deltas; exit 1 if they differ")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--tolerance", type=float, default=0.0, help="relative difference allowed (0.01 = 1%%)")
    s.add_argument("--all", action="store_true", help="print equal rows too")
    s.set_defaults(fn=cmd_diff)
    s = sub.add_parser("plot", help="per-layer cycles bar chart (PNG)")
    s.add_argument("file")
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(fn=cmd_plot)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except (TraceError, OSError, KeyError) as e:
        print(f"dlasim_trace.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
