#!/usr/bin/python3
"""`dlasim validate orin`: simulate every published Orin DLA cell and compare (docs/validation.md).

The cells come from bench/data/orin_published.json (published figures copied from the project's
reference data, sources cited there): the 6 networks x 4 power modes dense and the 4 sparse networks
x 4 modes on two DLA cores of Jetson AGX Orin 64GB (plus the dense->sparse speedups), the YOLOv5s
batch 1-16 latencies on one DLA core of DRIVE Orin at 1331 MHz, and the CIFAR tutorial's model_bn /
model_gn qps. Each network is compiled once per (config, sparsity) with `dlasim compile`; every cell
is then one `dlasim run` process (SystemC elaborates once per process), run in parallel.

A cell that cannot be compiled or simulated is reported as "not simulated: <reason>" and counted; it
is never dropped. Writes OUT/validation.h5 (every cell and every run's trace), OUT/report.md and
PNG plots. Every "simulated" number is SIMULATED, every "published" number PUBLISHED.

Exit status: 0 report written (whatever the errors are), 1 the validation itself failed (missing
dlasim, models or data), 2 usage error.
"""
import argparse
import concurrent.futures
import datetime
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time

import h5py
import numpy as np

POWER_MODE_ORDER = ["MAXN", "50W", "30W", "15W"]
GROUPS = ["dense", "sparse", "sparse_speedup", "yolov5s_drive", "tutorial"]
GROUP_TITLES = {
    "dense": "dense INT8, 2 DLA cores, Jetson AGX Orin 64GB (images/s)",
    "sparse": "2:4 sparse INT8, 2 DLA cores, Jetson AGX Orin 64GB (images/s)",
    "sparse_speedup": "dense -> sparse speedup (sparse images/s / dense images/s)",
    "yolov5s_drive": "YOLOv5s INT8, 1 DLA core, DRIVE Orin 1331 MHz (ms per batch)",
    "tutorial": "CIFAR tutorial INT8 batch 32, 1 DLA core, AGX Orin (batches/s)",
}
SIM_TIMEOUT_S = 900
COMPILE_TIMEOUT_S = 1800
# Calibration policy (docs/validation.md "Run time"): the cells measure timing only, and the simulated
# timing does not depend on the INT8 scales (tests/system/validate.cmake: calib_samples_same_timing),
# so each network is calibrated on one synthetic batch instead of the compiler's default four.
CALIB_SAMPLES = 1


class ValidationError(Exception):
    pass


class Cell:
    """One published figure and how dlasim reproduces it."""

    def __init__(self, cid, group, network, model, config, power_mode, batch, cores, sparsity, metric, unit,
                 published, source):
        self.id, self.group, self.network, self.model = cid, group, network, model
        self.config, self.power_mode, self.batch, self.cores = config, power_mode, batch, cores
        self.sparsity, self.metric, self.unit, self.published, self.source = sparsity, metric, unit, published, source
        self.simulated = math.nan
        self.status = "pending"
        self.reason = ""
        self.wall_s = math.nan
        self.trace = None
        self.split = "held-out"
        self.depends = ()  # speedup cells: (dense cell, sparse cell)
        self.compile_flags = ()  # the published setup's placement flags (e.g. the tutorial's GPU fallback)

    @property
    def error_pct(self):
        if self.status != "ok" or not self.published:
            return math.nan
        return 100.0 * (self.simulated - self.published) / self.published


def build_cells(data):
    models = data["models"]["map"]
    cells = []
    t = data["throughput_2dla"]
    by_key = {}
    for r in t["rows"]:
        model = models[r["network"]]
        sparse = r["mode"] == "sparse"
        group = "sparse" if sparse else "dense"
        c = Cell(f"{group}/{model}/{r['power_mode']}", group, r["network"], model + ("_sparse" if sparse else ""),
                 t["config"], r["power_mode"], r["batch"], t["cores"], "enable" if sparse else "disable",
                 "images_per_s", "images/s (2 DLA)", float(r["images_per_s_2dla"]), t["source"])
        cells.append(c)
        by_key[(group, model, r["power_mode"])] = (c, r)
    for (group, model, mode), (c, r) in sorted(by_key.items()):
        if group != "sparse" or "dense_to_sparse_speedup" not in r:
            continue
        dense = by_key.get(("dense", model, mode))
        if dense is None:
            raise ValidationError(f"speedup of {model} {mode}: no dense row for it in the data file")
        s = Cell(f"sparse_speedup/{model}/{mode}", "sparse_speedup", r["network"], model, t["config"], mode,
                 r["batch"], t["cores"], "enable", "speedup", "x", float(r["dense_to_sparse_speedup"]), t["source"])
        s.depends = (dense[0], c)
        cells.append(s)
    y = data["yolov5s_latency"]
    for r in y["rows"]:
        b = r["batch"]
        c = Cell(f"yolov5s_drive/b{b}", "yolov5s_drive", "YOLOv5s", "yolov5s" if b == 1 else f"yolov5s_b{b}",
                 y["config"], y["power_mode"], b, y["cores"], "disable", "latency_ms", "ms",
                 float(r["dla_int8_ms"]), y["source"])
        if y.get("layer_precisions"):  # the published setup's FP16 head convs
            c.compile_flags = (f"--layerPrecisions={y['layer_precisions']}",)
        cells.append(c)
    tq = data["tutorial_qps"]
    for r in tq["rows"]:
        c = Cell(f"tutorial/{r['network']}", "tutorial", r["network"], r["network"], tq["config"],
                 tq["power_mode"], tq["batch"], tq["cores"], "disable", "qps_batches", "batches/s",
                 float(r["qps_batches"]), tq["source"])
        c.compile_flags = tuple(tq.get("compile_flags", ()))
        cells.append(c)
    fit = set(data.get("calibration", {}).get("fit_cells", []))
    ids = {c.id for c in cells}
    unknown = sorted(fit - ids)
    if unknown:
        raise ValidationError(f"calibration.fit_cells names unknown cells: {unknown}")
    for c in cells:
        if c.id in fit:
            c.split = "fit"
    return cells


def sha256_files(paths, extra):
    h = hashlib.sha256(extra.encode())
    for p in paths:
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def last_error_line(text):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "no message"


class Runner:
    def __init__(self, args):
        self.args = args
        self.env = dict(os.environ)
        self.env["DLASIM_CONFIG_DIR"] = args.config_dir

    def compile(self, job):
        """job: dict(model, config, sparsity, onnx, out). Returns (ok, reason, wall_s, cached)."""
        a = self.args
        cmd = [a.dlasim, "compile", job["onnx"], "-o", job["out"], "--config", job["config"], "--int8",
               "--calib-samples", str(CALIB_SAMPLES)]
        if job["sparsity"] != "disable":
            cmd.append(f"--sparsity={job['sparsity']}")
        cmd += job.get("flags", [])
        configs = sorted(os.path.join(a.config_dir, n) for n in os.listdir(a.config_dir) if n.endswith(".json"))
        key = sha256_files([a.dlasim, job["onnx"]] + configs, " ".join(cmd[2:]))
        key_file = job["out"] + ".key"
        if not a.no_cache and os.path.exists(job["out"]) and os.path.exists(key_file):
            with open(key_file) as f:
                if f.read().strip() == key:
                    return True, "", 0.0, True
        for p in (job["out"], key_file):
            if os.path.exists(p):
                os.remove(p)
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=COMPILE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            for q in (job["out"], key_file):
                if os.path.exists(q):
                    os.remove(q)
            return False, f"compile exceeded {COMPILE_TIMEOUT_S} s", time.monotonic() - t0, False
        wall = time.monotonic() - t0
        if p.returncode != 0:
            msg = last_error_line(p.stderr or p.stdout)
            return False, re.sub(r"^dlasim compile: ", "", msg), wall, False
        with open(key_file, "w") as f:
            f.write(key + "\n")
        return True, "", wall, False

    def simulate(self, cell, loadable, trace):
        cmd = [self.args.dlasim, "run", loadable, "--config", cell.config, "--power-mode", cell.power_mode,
               "--cores", str(cell.cores), "--trace", trace]
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=SIM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return False, f"simulation exceeded {SIM_TIMEOUT_S} s", time.monotonic() - t0
        wall = time.monotonic() - t0
        if p.returncode != 0:
            return False, re.sub(r"^dlasim run: ", "", last_error_line(p.stderr or p.stdout)), wall
        return True, "", wall


def read_summary(path):
    with h5py.File(path, "r") as f:
        s = f["summary"].attrs
        meta = f["meta"].attrs
        return {"images_per_s": float(s["images_per_s"]), "latency_ms": float(s["latency_ms"]),
                "batch": int(meta["batch"]), "cores": int(meta["cores"])}


def run_all(cells, args):
    runner = Runner(args)
    loadable_dir = os.path.join(args.out, "loadables")
    run_dir = os.path.join(args.out, "runs")
    os.makedirs(loadable_dir, exist_ok=True)
    os.makedirs(run_dir, exist_ok=True)

    sim_cells = [c for c in cells if c.group != "sparse_speedup"]
    jobs = {}
    for c in sim_cells:
        key = (c.model, c.config, c.sparsity, c.compile_flags)
        if key not in jobs:
            onnx = os.path.join(args.models, c.model + ".onnx")
            tag = re.sub(r"[^A-Za-z0-9_.-]", "_", "".join(f.strip("-").replace("=", "_") for f in c.compile_flags))
            jobs[key] = {"model": c.model, "config": c.config, "sparsity": c.sparsity, "onnx": onnx,
                         "flags": list(c.compile_flags),
                         "out": os.path.join(loadable_dir, f"{c.model}__{c.config}__{c.sparsity}{tag}.dlal")}
    compile_results = {}
    # Largest ONNX first: compile time grows with the network, so the long ones start early.
    order = sorted(jobs, key=lambda k: -os.path.getsize(jobs[k]["onnx"]) if os.path.exists(jobs[k]["onnx"]) else 0)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {}
        for k in order:
            if not os.path.exists(jobs[k]["onnx"]):
                compile_results[k] = (False, f"model file {jobs[k]['onnx']} not found (build the `zoo` target)", 0.0,
                                      False)
                continue
            futures[pool.submit(runner.compile, jobs[k])] = k
        for fut in concurrent.futures.as_completed(futures):
            k = futures[fut]
            compile_results[k] = fut.result()
            ok, reason, wall, cached = compile_results[k]
            state = "cached" if cached else f"{wall:.1f} s"
            print(f"  compile {k[0]} ({k[1]}, sparsity {k[2]}): {'ok' if ok else 'FAILED'} [{state}]"
                  + ("" if ok else f": {reason[:200]}"), flush=True)

    runnable = []
    for c in sim_cells:
        ok, reason, _, _ = compile_results[(c.model, c.config, c.sparsity, c.compile_flags)]
        if not ok:
            c.status, c.reason = "not simulated", reason
        else:
            runnable.append(c)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {}
        for c in runnable:
            trace = os.path.join(run_dir, c.id.replace("/", "__") + ".h5")
            loadable = jobs[(c.model, c.config, c.sparsity, c.compile_flags)]["out"]
            futures[pool.submit(runner.simulate, c, loadable, trace)] = (c, trace)
        for fut in concurrent.futures.as_completed(futures):
            c, trace = futures[fut]
            ok, reason, wall = fut.result()
            c.wall_s = wall
            if not ok:
                c.status, c.reason = "not simulated", reason
            else:
                s = read_summary(trace)
                c.trace = trace
                c.status = "ok"
                if c.metric == "images_per_s":
                    c.simulated = s["images_per_s"]
                elif c.metric == "latency_ms":
                    c.simulated = s["latency_ms"]
                elif c.metric == "qps_batches":
                    c.simulated = 1000.0 / s["latency_ms"]  # one batch per inference on one core
                else:
                    raise ValidationError(f"{c.id}: unknown metric {c.metric}")
            print(f"  run {c.id}: {c.status} [{wall:.1f} s]" + (f": {c.reason[:200]}" if c.reason else ""),
                  flush=True)

    for c in cells:
        if c.group != "sparse_speedup":
            continue
        dense, sparse = c.depends
        if dense.status == "ok" and sparse.status == "ok":
            c.status, c.simulated = "ok", sparse.simulated / dense.simulated
        else:
            missing = [x for x in (dense, sparse) if x.status != "ok"]
            c.status = "not simulated"
            c.reason = "; ".join(f"{x.id}: {x.reason}" for x in missing)


def group_stats(cells):
    """Per group: counts, mean absolute % error over simulated cells and the worst cell."""
    out = []
    for g in GROUPS + ["all"]:
        cs = [c for c in cells if g == "all" or c.group == g]
        done = [c for c in cs if c.status == "ok"]
        errs = [abs(c.error_pct) for c in done]
        worst = max(done, key=lambda c: abs(c.error_pct)) if done else None
        out.append({"group": g, "cells": len(cs), "simulated": len(done), "not_simulated": len(cs) - len(done),
                    "mape_pct": float(np.mean(errs)) if errs else math.nan,
                    "worst_cell": worst.id if worst else "", "worst_error_pct": worst.error_pct if worst else math.nan})
    return out


def split_stats(cells):
    out = []
    for split in ("fit", "held-out"):
        cs = [c for c in cells if c.split == split]
        done = [c for c in cs if c.status == "ok"]
        errs = [abs(c.error_pct) for c in done]
        out.append({"split": split, "cells": len(cs), "simulated": len(done),
                    "mape_pct": float(np.mean(errs)) if errs else math.nan})
    return out


def fmt(v, digits=4):
    if isinstance(v, float) and math.isnan(v):
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def pct(v):
    return "-" if math.isnan(v) else f"{v:+.1f}%"


def summary_table(stats):
    lines = ["| group | cells | simulated | not simulated | mean abs % error | worst cell | worst error |",
             "|---|---|---|---|---|---|---|"]
    for s in stats:
        mape = "-" if math.isnan(s["mape_pct"]) else f"{s['mape_pct']:.1f}%"
        lines.append(f"| {s['group']} | {s['cells']} | {s['simulated']} | {s['not_simulated']} | {mape} | "
                     f"{s['worst_cell'] or '-'} | {pct(s['worst_error_pct'])} |")
    return "\n".join(lines)


def print_console(cells, stats, splits):
    print("\ndlasim validate orin: PUBLISHED vs SIMULATED (error = simulated / published - 1)")
    for g in GROUPS:
        print(f"\n{g}: {GROUP_TITLES[g]}")
        print(f"  {'cell':<40} {'published':>10} {'simulated':>10} {'error':>8}  split")
        for c in (c for c in cells if c.group == g):
            if c.status == "ok":
                print(f"  {c.id:<40} {fmt(c.published):>10} {fmt(c.simulated):>10} {pct(c.error_pct):>8}  {c.split}")
            else:
                print(f"  {c.id:<40} {fmt(c.published):>10} {'-':>10} {'-':>8}  {c.split}  "
                      f"not simulated: {c.reason[:160]}")
    print("\nsummary (mean absolute % error over the simulated cells of each group)")
    print(summary_table(stats))
    for s in splits:
        mape = "-" if math.isnan(s["mape_pct"]) else f"{s['mape_pct']:.1f}%"
        print(f"  {s['split']} cells: {s['cells']} ({s['simulated']} simulated), mean abs % error {mape}")


def write_h5(path, cells, stats, splits, args, data_path, wall_total):
    tmp = f"{path}.tmp.{os.getpid()}"
    s = h5py.string_dtype("utf-8")
    with h5py.File(tmp, "w") as f:
        m = f.create_group("meta")
        m.attrs["what"] = "dlasim validate orin: published Orin DLA figures vs simulated (docs/validation.md)"
        m.attrs["data_file"] = os.path.abspath(data_path)
        m.attrs["dlasim"] = os.path.abspath(args.dlasim)
        m.attrs["wall_s"] = wall_total
        m.attrs["created_utc"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        m.attrs["fit_cells"] = json.dumps([c.id for c in cells if c.split == "fit"])
        dt = np.dtype([("id", s), ("group", s), ("network", s), ("model", s), ("config", s), ("power_mode", s),
                       ("batch", "<i4"), ("cores", "<i4"), ("sparsity", s), ("metric", s), ("unit", s),
                       ("published", "<f8"), ("simulated", "<f8"), ("error_pct", "<f8"), ("status", s),
                       ("reason", s), ("split", s), ("source", s), ("wall_s", "<f8"), ("run", s)])
        rows = [(c.id, c.group, c.network, c.model, c.config, c.power_mode, c.batch, c.cores, c.sparsity, c.metric,
                 c.unit, c.published, c.simulated, c.error_pct, c.status, c.reason, c.split, c.source, c.wall_s,
                 "/runs/" + c.id.replace("/", "__") if c.trace else "") for c in cells]
        f.create_dataset("cells", data=np.array(rows, dtype=dt))
        gdt = np.dtype([("group", s), ("cells", "<i4"), ("simulated", "<i4"), ("not_simulated", "<i4"),
                        ("mape_pct", "<f8"), ("worst_cell", s), ("worst_error_pct", "<f8")])
        f.create_dataset("groups", data=np.array([tuple(g[k] for k in gdt.names) for g in stats], dtype=gdt))
        sdt = np.dtype([("split", s), ("cells", "<i4"), ("simulated", "<i4"), ("mape_pct", "<f8")])
        f.create_dataset("splits", data=np.array([tuple(g[k] for k in sdt.names) for g in splits], dtype=sdt))
        # Sparse runs beside their dense baseline, layer by layer (matched by layer name; the 2:4 variant
        # has the dense network's layers; a layer only one side has gets 0 cycles on the other).
        side = f.create_group("sparse_layers")
        ldt = np.dtype([("name", s), ("dense_cycles", "<u8"), ("sparse_cycles", "<u8"), ("speedup", "<f8")])
        for c in cells:
            if c.group != "sparse_speedup" or c.status != "ok":
                continue
            dense, sparse = c.depends
            per = {}
            for which, cell in (("dense", dense), ("sparse", sparse)):
                with h5py.File(cell.trace, "r") as t:
                    layers = t["layers"][:]
                for name, cyc in zip(layers["name"], layers["cycles"]):
                    per.setdefault(name.decode(), {"dense": 0, "sparse": 0})[which] += int(cyc)
            rows = [(n, v["dense"], v["sparse"], v["dense"] / v["sparse"] if v["sparse"] else math.nan)
                    for n, v in per.items()]
            side.create_dataset(c.id.split("/", 1)[1].replace("/", "__"), data=np.array(rows, dtype=ldt))
        runs = f.create_group("runs")
        for c in cells:
            if not c.trace:
                continue
            g = runs.create_group(c.id.replace("/", "__"))
            with h5py.File(c.trace, "r") as t:
                for name in t:
                    t.copy(t[name], g, name=name)
    os.replace(tmp, path)


def plots(cells, out_dir):
    """PNG plots; returns the file names written (none without matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []

    def per_network(group, fname, title):
        nets = []
        for c in cells:
            if c.group == group and c.network not in nets:
                nets.append(c.network)
        if not nets:
            return
        fig, axes = plt.subplots(1, len(nets), figsize=(3.2 * len(nets), 3.4), squeeze=False)
        for ax, net in zip(axes[0], nets):
            cs = sorted((c for c in cells if c.group == group and c.network == net),
                        key=lambda c: POWER_MODE_ORDER.index(c.power_mode) if c.power_mode in POWER_MODE_ORDER
                        else 99)
            x = np.arange(len(cs))
            ax.bar(x - 0.2, [c.published for c in cs], 0.4, label="published", color="#4c72b0")
            ax.bar(x + 0.2, [c.simulated if c.status == "ok" else 0 for c in cs], 0.4, label="simulated",
                   color="#dd8452")
            for i, c in enumerate(cs):
                if c.status != "ok":
                    ax.text(x[i] + 0.2, 0, "n/s", ha="center", va="bottom", fontsize=7, rotation=90)
            ax.set_xticks(x)
            ax.set_xticklabels([c.power_mode for c in cs])
            ax.set_title(net, fontsize=8)
            ax.tick_params(labelsize=7)
        axes[0][0].set_ylabel(cells[[c.group for c in cells].index(group)].unit)
        axes[0][0].legend(fontsize=7)
        fig.suptitle(title + " (n/s = not simulated)", fontsize=9)
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, fname), dpi=110)
        plt.close(fig)
        written.append(fname)

    per_network("dense", "dense_vs_published.png", "Dense INT8, 2 DLA, AGX Orin: published vs SIMULATED")
    per_network("sparse", "sparse_vs_published.png", "2:4 sparse INT8, 2 DLA, AGX Orin: published vs SIMULATED")
    per_network("sparse_speedup", "sparse_speedup.png", "Dense->sparse speedup: published vs SIMULATED")

    ys = [c for c in cells if c.group == "yolov5s_drive"]
    if ys:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        ax.plot([c.batch for c in ys], [c.published for c in ys], "o-", label="published")
        ok = [c for c in ys if c.status == "ok"]
        if ok:
            ax.plot([c.batch for c in ok], [c.simulated for c in ok], "s--", label="simulated")
        ax.set_xlabel("batch")
        ax.set_ylabel("ms per batch")
        ax.set_title("YOLOv5s, 1 DLA, DRIVE Orin 1331 MHz" + ("" if ok else " (not simulated)"), fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "yolov5s_latency.png"), dpi=110)
        plt.close(fig)
        written.append("yolov5s_latency.png")
    return written


def config_parameters(config_dir, name):
    """Every leaf {value, source, ref} of a preset and the presets it inherits from: (path, value, source, ref)."""
    rows, seen = [], set()
    while name and name not in seen:
        seen.add(name)
        with open(os.path.join(config_dir, name + ".json")) as f:
            cfg = json.load(f)

        def walk(node, path):
            if isinstance(node, dict):
                if "value" in node and "source" in node:
                    rows.append((name, path, node["value"], node["source"], node.get("ref", "")))
                    return
                key = node.get("name") if isinstance(node.get("name"), str) else None
                for k, v in node.items():
                    if k in ("comment", "description", "name", "base", "version"):
                        continue
                    walk(v, f"{path}.{k}" if path else k)
                _ = key
            elif isinstance(node, list):
                for item in node:
                    label = item.get("name", "?") if isinstance(item, dict) else "?"
                    walk(item, f"{path}[{label}]")

        walk(cfg, "")
        name = cfg.get("base")
    return rows


def calibration_comment(data_path):
    """The data file's reason for its fit cells (calibration.comment), or an empty string."""
    with open(data_path) as f:
        return str(json.load(f).get("calibration", {}).get("comment", ""))


def write_report(path, cells, stats, splits, pngs, args, wall_total):
    L = []
    L.append("# dlasim validation against NVIDIA's published Orin DLA figures\n")
    L.append(f"Generated by `dlasim validate orin` in {wall_total:.0f} s wall time "
             f"({datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}). "
             "**published** = NVIDIA's figure (sources in bench/data/orin_published.json); **simulated** = "
             "dlasim's cycle-level model; error = simulated / published - 1. Method, assumptions and the "
             "fit/held-out split: docs/validation.md. Parameters chosen from published figures are named "
             "with their cells in bench/data/orin_published.json (`calibration`) and those cells are shown "
             "apart below; nothing else was tuned to these numbers.\n")
    L.append("## Summary\n")
    L.append(summary_table(stats) + "\n")
    L.append("### Fit vs held-out cells\n")
    fit = [c for c in cells if c.split == "fit"]
    if not fit:
        L.append("No parameter has been fitted to any published figure (`calibration.fit_cells` in "
                 "bench/data/orin_published.json is empty): every cell below is **held out**.\n")
    else:
        L.append("Fit cells (`calibration.fit_cells`): " + ", ".join(f"`{c.id}`" for c in fit) + ". "
                 + calibration_comment(args.data) + "\n")
    L.append("| split | cells | simulated | mean abs % error |\n|---|---|---|---|")
    for s in splits:
        mape = "-" if math.isnan(s["mape_pct"]) else f"{s['mape_pct']:.1f}%"
        L.append(f"| {s['split']} | {s['cells']} | {s['simulated']} | {mape} |")
    L.append("")
    for png in pngs:
        L.append(f"![{png}]({png})\n")
    for g in GROUPS:
        L.append(f"## {g}: {GROUP_TITLES[g]}\n")
        L.append("| cell | network | mode | batch | cores | published | simulated | error | split | note |")
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        for c in (c for c in cells if c.group == g):
            note = "" if c.status == "ok" else f"not simulated: {c.reason}".replace("|", "/")
            L.append(f"| {c.id} | {c.network} | {c.power_mode} | {c.batch} | {c.cores} | {fmt(c.published)} | "
                     f"{fmt(c.simulated)} | {pct(c.error_pct)} | {c.split} | {note} |")
        L.append("")
    L.append("## Unpublished parameters in use\n")
    L.append("Every value the Orin presets mark `assumed` or `derived` (set once, with the reason; none fitted):\n")
    L.append("| preset | key | value | source | reason |\n|---|---|---|---|---|")
    seen = set()
    for cfg in ("drive-orin", "orin-agx-64gb"):
        for preset, key, value, source, ref in config_parameters(args.config_dir, cfg):
            if source == "published" or (preset, key) in seen:
                continue
            seen.add((preset, key))
            L.append(f"| {preset} | {key} | {value} | {source} | {str(ref).replace('|', '/')} |")
    L.append("")
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write("\n".join(L))
    os.replace(tmp, path)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(prog="dlasim validate orin", description=__doc__.splitlines()[0])
    p.add_argument("--dlasim", required=True, help="the dlasim binary")
    p.add_argument("--models", required=True, help="the zoo's folder (build/models)")
    p.add_argument("--config-dir", required=True, help="folder of the config presets")
    p.add_argument("--data", default=os.path.join(here, "data", "orin_published.json"))
    p.add_argument("-o", "--out", default="out/validation")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--only", help="regular expression: simulate only the cells whose id matches (e.g. 'tutorial/')")
    p.add_argument("--no-cache", action="store_true", help="recompile every network (default: reuse a loadable "
                   "whose dlasim binary, ONNX file, presets and options are unchanged)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("-j: expected a positive integer")
    t0 = time.monotonic()
    try:
        for what, path in (("dlasim", args.dlasim), ("data file", args.data)):
            if not os.path.isfile(path):
                raise ValidationError(f"{what} {path} not found")
        if not os.path.isdir(args.models):
            raise ValidationError(f"models folder {args.models} not found (build the `zoo` target)")
        try:
            with open(args.data) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise ValidationError(f"{args.data}: {e}") from None
        try:
            cells = build_cells(data)
        except KeyError as e:
            raise ValidationError(f"{args.data}: missing key {e}") from None
        if args.only:
            try:
                rx = re.compile(args.only)
            except re.error as e:
                p.error(f"--only: not a regular expression: {e}")
            keep = [c for c in cells if rx.search(c.id)]
            # A speedup needs its dense and sparse cells.
            for c in list(keep):
                keep.extend(d for d in c.depends if d not in keep)
            cells = [c for c in cells if c in keep]
            if not cells:
                raise ValidationError(f"--only {args.only!r} matches no cell")
        os.makedirs(args.out, exist_ok=True)
        print(f"dlasim validate orin: {len(cells)} cells, {args.jobs} jobs, output {args.out}", flush=True)
        run_all(cells, args)
        stats, splits = group_stats(cells), split_stats(cells)
        print_console(cells, stats, splits)
        wall = time.monotonic() - t0
        write_h5(os.path.join(args.out, "validation.h5"), cells, stats, splits, args, args.data, wall)
        pngs = plots(cells, args.out)
        write_report(os.path.join(args.out, "report.md"), cells, stats, splits, pngs, args, wall)
    except ValidationError as e:
        print(f"dlasim validate: {e}", file=sys.stderr)
        return 1
    print(f"\nwrote {os.path.join(args.out, 'report.md')}, {os.path.join(args.out, 'validation.h5')} "
          f"and {len(pngs)} plots in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
