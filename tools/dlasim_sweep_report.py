#!/usr/bin/python3
"""Report of a dlasim sweep (docs/sweeps.md "Report"): reads RESULTS.h5 /points and writes
DIR/report.md with, per network, the Pareto front over latency, energy and area, the sensitivity of
each metric to each axis, and the best points, plus PNG plots. Run by `dlasim sweep report`."""
import argparse
import math
import os
import sys

import h5py
import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Minimised objectives of the Pareto front, in this order when present; area is an estimate.
OBJECTIVES = ["latency_ms", "energy_mj", "area_mm2"]
# Metrics where larger is better (the rest: smaller is better).
HIGHER_IS_BETTER = {"images_per_s", "tops", "mac_utilization", "perf_per_w"}
KNOWN_METRICS = ["cycles", "latency_ms", "images_per_s", "tops", "mac_utilization", "dram_read_bytes",
                 "dram_write_bytes", "dram_bytes", "energy_mj", "avg_power_w", "perf_per_w", "area_mm2"]
UNITS = {"latency_ms": "ms (simulated)", "energy_mj": "mJ per inference (simulated)",
         "area_mm2": "mm² per core (ESTIMATE)", "images_per_s": "images/s (simulated)",
         "perf_per_w": "images/s/W (simulated)", "avg_power_w": "W (simulated)"}
RUN_OPTIONS = ["power_mode", "precision", "batch", "sparsity"]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def load(path):
    if not os.path.exists(path):
        sys.exit(f"dlasim sweep report: {path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        sys.exit(f"dlasim sweep report: {path}: not an HDF5 file ({e})")
    with f:
        if "points" not in f:
            sys.exit(f"dlasim sweep report: {path}: no /points table (not written by dlasim sweep)")
        ds = f["points"]
        rows = ds[:]
        name = text(ds.attrs.get("spec_name", "sweep"))
    names = rows.dtype.names
    metrics = [m for m in KNOWN_METRICS if m in names]
    fixed = {"point", "network", "status", "message", "config_hash", "run_command", "trace"}
    axes = [n for n in names if n not in fixed and n not in metrics and n not in RUN_OPTIONS]
    # run options that are axes appear under their own name among the columns: keep those that vary
    for opt in RUN_OPTIONS:
        if opt in names and len(set(text(v) for v in rows[opt])) > 1 and opt not in axes:
            axes.append(opt)
    return name, rows, axes, metrics


def pareto_mask(values):
    """values: n x k, all minimised. True for rows no other row dominates."""
    n = values.shape[0]
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        dominated = np.all(values <= values[i], axis=1) & np.any(values < values[i], axis=1)
        if dominated.any():
            keep[i] = False
    return keep


def fmt(v):
    if isinstance(v, (bytes, str)):
        return text(v)
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "n/a"
        return f"{v:.4g}"
    return str(v)


def sensitivity(rows, axes, metrics):
    """Main effect of each axis on each metric: (max - min) of the per-value means / overall mean."""
    table = {}
    for m in metrics:
        col = rows[m].astype(float)
        overall = np.nanmean(col) if len(col) else float("nan")
        for a in axes:
            vals = [text(v) if isinstance(v, bytes) else v for v in rows[a]]
            groups = {}
            for v, x in zip(vals, col):
                groups.setdefault(v, []).append(x)
            means = [np.nanmean(g) for g in groups.values()]
            if len(means) < 2 or not overall or math.isnan(overall):
                table[(m, a)] = float("nan")
            else:
                table[(m, a)] = (max(means) - min(means)) / abs(overall)
    return table


def save_figure(fig, out_dir, png, alt):
    """Lays out, writes and closes a figure; returns its markdown image line."""
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, png), dpi=100)
    plt.close(fig)
    return f"![{alt}]({png})\n"


def front_plot(out_dir, net, ok, x, y, colour, xlabel, ylabel):
    """Scatter of y against x with their 2-D Pareto front (both minimised); returns the markdown link."""
    fig, ax = plt.subplots(figsize=(7, 5))
    sc = ax.scatter(ok[x], ok[y], c=colour, s=14, cmap="viridis" if colour is not None else None, alpha=0.8)
    pts = np.stack([ok[x].astype(float), ok[y].astype(float)], axis=1)
    front = ok[pareto_mask(pts)]
    front = front[np.argsort(front[x])]
    ax.plot(front[x], front[y], "r.-", label=f"{x} / {y} front")
    if colour is not None:
        fig.colorbar(sc, ax=ax, label="area mm² per core (ESTIMATE)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{net}: {y} vs {x}")
    ax.legend()
    return save_figure(fig, out_dir, f"{net}_pareto_{x}_{y}.png", f"{net} {y} vs {x}")


def network_section(out_dir, net, rows, axes, metrics, lines):
    ok = rows[[text(s) == "ok" for s in rows["status"]]]
    failed = len(rows) - len(ok)
    lines.append(f"## {net}\n")
    lines.append(f"{len(rows)} rows, {len(ok)} ok, {failed} failed.\n")
    if failed:
        msgs = {}
        for r in rows:
            if text(r["status"]) != "ok":
                msgs.setdefault(text(r["message"])[:160], 0)
                msgs[text(r["message"])[:160]] += 1
        for msg, count in sorted(msgs.items(), key=lambda x: -x[1])[:5]:
            lines.append(f"- {count} x `{msg}`")
        lines.append("")
    if len(ok) == 0:
        return
    objectives = [o for o in OBJECTIVES if o in metrics and not np.all(np.isnan(ok[o].astype(float)))]
    if objectives:
        vals = np.stack([ok[o].astype(float) for o in objectives], axis=1)
        vals = np.where(np.isnan(vals), np.inf, vals)
        front = ok[pareto_mask(vals)]
        front = front[np.argsort(front[objectives[0]])]
        lines.append(f"### Pareto front ({' vs '.join(objectives)}, all minimised): {len(front)} of {len(ok)} points\n")
        cols = ["point"] + axes + objectives
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for r in front[:40]:
            lines.append("| " + " | ".join(fmt(r[c]) for c in cols) + " |")
        if len(front) > 40:
            lines.append(f"\n({len(front) - 40} more front points in the HDF5 file)")
        lines.append("")
        if "latency_ms" in objectives and "energy_mj" in objectives:
            colour = ok["area_mm2"].astype(float) if "area_mm2" in objectives else None
            lines.append(front_plot(out_dir, net, ok, "latency_ms", "energy_mj", colour,
                                    "latency ms (simulated)", "energy mJ per inference (simulated)"))
        if "latency_ms" in objectives and "area_mm2" in objectives:
            lines.append(front_plot(out_dir, net, ok, "area_mm2", "latency_ms", None,
                                    "area mm² per core (ESTIMATE)", "latency ms (simulated)"))
    varying = [a for a in axes if len(set(text(v) if isinstance(v, bytes) else v for v in ok[a])) > 1]
    if varying:
        table = sensitivity(ok, varying, metrics)
        lines.append("### Sensitivity: (max - min) of the mean metric over an axis's values / mean metric\n")
        lines.append("| metric | " + " | ".join(varying) + " |")
        lines.append("|---|" + "---|" * len(varying))
        for m in metrics:
            lines.append(f"| {m} | " + " | ".join(fmt(table[(m, a)]) for a in varying) + " |")
        lines.append("")
        show = [m for m in ("latency_ms", "energy_mj", "area_mm2", "perf_per_w") if m in metrics]
        if show:
            fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(varying) * len(show)), 4))
            width = 0.8 / len(show)
            x = np.arange(len(varying))
            for i, m in enumerate(show):
                ax.bar(x + i * width, [0 if math.isnan(table[(m, a)]) else table[(m, a)] for a in varying], width,
                       label=m)
            ax.set_xticks(x + width * (len(show) - 1) / 2)
            ax.set_xticklabels(varying, rotation=20, ha="right")
            ax.set_ylabel("relative swing of the mean")
            ax.set_title(f"{net}: sensitivity to each axis")
            ax.legend()
            lines.append(save_figure(fig, out_dir, f"{net}_sensitivity.png", f"{net} sensitivity"))
    lines.append("### Best points\n")
    lines.append("| best | value | point | " + " | ".join(axes) + " |")
    lines.append("|---|---|---|" + "---|" * len(axes))
    for m in metrics:
        col = ok[m].astype(float)
        if np.all(np.isnan(col)):
            continue
        i = int(np.nanargmax(col) if m in HIGHER_IS_BETTER else np.nanargmin(col))
        word = "highest" if m in HIGHER_IS_BETTER else "lowest"
        lines.append(f"| {word} {m} | {fmt(ok[m][i])} | {ok['point'][i]} | " +
                     " | ".join(fmt(ok[a][i]) for a in axes) + " |")
    lines.append("")
    if "run_command" in ok.dtype.names and "latency_ms" in metrics:
        i = int(np.nanargmin(ok["latency_ms"].astype(float)))
        lines.append("Re-run the lowest-latency point by hand:\n")
        lines.append(f"    {text(ok['run_command'][i])}\n")


def main():
    ap = argparse.ArgumentParser(description="Markdown + PNG report of a dlasim sweep")
    ap.add_argument("results")
    ap.add_argument("--out", help="output directory (default: RESULTS without .h5, plus _report)")
    a = ap.parse_args()
    name, rows, axes, metrics = load(a.results)
    out_dir = a.out or (a.results[:-3] if a.results.endswith(".h5") else a.results) + "_report"
    os.makedirs(out_dir, exist_ok=True)
    lines = [f"# Sweep report: {name}\n",
             f"Source: `{a.results}`, {len(rows)} rows; axes: {', '.join(axes) if axes else '(none)'}.\n",
             "All metrics are SIMULATED by dlasim (one DLA core); `area_mm2` is an ESTIMATE from the config's "
             "area model (docs/sweeps.md), not a layout. Units: " +
             "; ".join(f"{m}: {UNITS[m]}" for m in metrics if m in UNITS) + ".\n"]
    nets = []
    for n in rows["network"]:
        if text(n) not in nets:
            nets.append(text(n))
    if not nets:
        lines.append("No rows yet.\n")
    for net in nets:
        network_section(out_dir, net, rows[[text(n) == net for n in rows["network"]]], axes, metrics, lines)
    report = os.path.join(out_dir, "report.md")
    with open(report + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(report + ".tmp", report)
    print(f"wrote {report}")


if __name__ == "__main__":
    main()
