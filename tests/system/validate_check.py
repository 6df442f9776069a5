#!/usr/bin/python3
"""Reads every table `dlasim validate orin` wrote (validation.h5: /cells, /groups, /splits and each run's
trace under /runs: /layers, /ops, /stats, /energy, /units/*/counters, /units/*/timeline) with h5py and
pandas, and re-derives what the report claims from the raw numbers:
- each cell's published value is the one in bench/data/orin_published.json;
- error_pct = 100 x (simulated - published) / published; a tutorial cell's qps = 1000 / the run's latency_ms;
- a cell that did not simulate has a reason and no simulated value (never silently dropped);
- each group's mean absolute error and worst cell follow from its cells;
- in each run, /energy rows sum to /summary energy_mj and /units busy_cycles equal the unit's counter.
usage: validate_check.py validation.h5 orin_published.json"""
import json
import math
import sys

import h5py
import numpy as np
import pandas as pd

path, data_path = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def frame(ds):
    df = pd.DataFrame(ds[:])
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(lambda v: v.decode("utf-8") if isinstance(v, bytes) else v)
    return df


with open(data_path) as f:
    data = json.load(f)
published = {f"tutorial/{r['network']}": r["qps_batches"] for r in data["tutorial_qps"]["rows"]}
published.update({f"yolov5s_drive/b{r['batch']}": r["dla_int8_ms"] for r in data["yolov5s_latency"]["rows"]})
for r in data["throughput_2dla"]["rows"]:
    group = "sparse" if r["mode"] == "sparse" else "dense"
    model = data["models"]["map"][r["network"]]
    published[f"{group}/{model}/{r['power_mode']}"] = r["images_per_s_2dla"]
    if "dense_to_sparse_speedup" in r:
        published[f"sparse_speedup/{model}/{r['power_mode']}"] = r["dense_to_sparse_speedup"]

with h5py.File(path, "r") as f:
    cells, groups, splits = frame(f["cells"]), frame(f["groups"]), frame(f["splits"])
    check(len(cells) > 0, "no cells")
    for _, c in cells.iterrows():
        check(c["id"] in published and math.isclose(c["published"], published[c["id"]]),
              f"{c['id']}: published {c['published']} not the data file's {published.get(c['id'])}")
        if c["status"] == "ok":
            want = 100.0 * (c["simulated"] - c["published"]) / c["published"]
            check(math.isclose(c["error_pct"], want, rel_tol=1e-12), f"{c['id']}: error_pct {c['error_pct']} != {want}")
            if c["run"]:
                run = f[c["run"]]
                s = run["summary"].attrs
                if c["metric"] == "qps_batches":
                    check(math.isclose(c["simulated"], 1000.0 / s["latency_ms"]), f"{c['id']}: qps")
                elif c["metric"] == "images_per_s":
                    check(math.isclose(c["simulated"], s["images_per_s"]), f"{c['id']}: images/s")
                elif c["metric"] == "latency_ms":
                    check(math.isclose(c["simulated"], s["latency_ms"]), f"{c['id']}: latency")
        else:
            check(c["status"] == "not simulated" and len(c["reason"]) > 0 and math.isnan(c["simulated"]),
                  f"{c['id']}: status {c['status']!r} reason {c['reason']!r} simulated {c['simulated']}")
    for _, g in groups.iterrows():
        mine = cells if g["group"] == "all" else cells[cells["group"] == g["group"]]
        done = mine[mine["status"] == "ok"]
        check(g["cells"] == len(mine) and g["simulated"] == len(done) and g["not_simulated"] == len(mine) - len(done),
              f"group {g['group']}: counts")
        if len(done):
            check(math.isclose(g["mape_pct"], float(np.mean(np.abs(done["error_pct"])))), f"group {g['group']}: mape")
            worst = done.loc[done["error_pct"].abs().idxmax()]
            check(g["worst_cell"] == worst["id"], f"group {g['group']}: worst cell {g['worst_cell']} != {worst['id']}")
        else:
            check(math.isnan(g["mape_pct"]), f"group {g['group']}: mape without simulated cells")
    check(sorted(splits["split"]) == ["fit", "held-out"] and splits["cells"].sum() == len(cells), "splits")
    runs = 0
    for name, run in f["runs"].items():
        runs += 1
        for t in ("layers", "ops", "stats", "energy"):
            check(len(frame(run[t])) > 0, f"/runs/{name}/{t} empty")
        s = run["summary"].attrs
        energy = frame(run["energy"])
        check(math.isclose(energy["energy_mj"].sum(), s["energy_mj"], rel_tol=1e-9), f"/runs/{name}: energy sum")
        for unit, g in run["units"].items():
            counters = frame(g["counters"])
            busy = counters[counters["name"] == unit + ".busy_cycles"]["value"]
            check(int(g.attrs["busy_cycles"]) == (int(busy.iloc[0]) if len(busy) else 0), f"{name} {unit}: busy")
            if "timeline" in g:
                tl = frame(g["timeline"])
                check(((tl["active_fraction"] >= 0) & (tl["active_fraction"] <= 1)).all(), f"{name} {unit}: timeline")
                check(tl["end_cycle"].iloc[-1] == s["total_cycles"], f"{name} {unit}: timeline end")
    check(runs == int((cells["run"] != "").sum()), "one /runs entry per simulated cell")
    # Sparse beside dense, per layer: the columns sum to the two runs' layer cycles.
    for name, ds in f["sparse_layers"].items():
        side = frame(ds)
        model, mode = name.split("__")
        for which in ("dense", "sparse"):
            run = f[f"runs/{which}__{model}__{mode}"]
            check(int(side[f"{which}_cycles"].sum()) == int(run["layers"]["cycles"].sum()), f"{name}: {which} cycles")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"{path}: {len(cells)} cells, {runs} runs: every table read with pandas, errors re-derived")
