#!/usr/bin/python3
"""Simulator-speed benchmark: wall time of `dlasim run` on the zoo, per network, config and mode.

Reports wall seconds (best of --repeat runs), simulated DLA cycles, simulated cycles per wall
second and hardware layers per second, as a markdown table (stdout) and a JSON file, so speed
regressions show up between commits. Timing-only and functional runs are measured separately.

usage: bench/sim_speed.py [--dlasim build/bin/dlasim] [--models build/models] [--repeat 3]
                          [--out out/bench/sim_speed.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py

CASES = [
    # (network, config, power mode, functional)
    ("resnet50", "orin-agx-64gb", "MAXN", False),
    ("resnet50", "orin-agx-64gb", "15W", False),
    ("resnet50", "nv_full", "NOMINAL", False),
    ("model_bn", "nv_small", "NOMINAL", False),
    ("model_bn", "orin-agx-64gb", "MAXN", False),
    ("model_bn", "orin-agx-64gb", "MAXN", True),
    ("tiny_residual", "orin-agx-64gb", "MAXN", True),
]


def run_case(dlasim, models, net, config, mode, functional, repeat):
    best = None
    with tempfile.TemporaryDirectory() as tmp:
        loadable = os.path.join(tmp, "net.dlal")
        subprocess.run([dlasim, "compile", os.path.join(models, net + ".onnx"), "-o", loadable,
                        "--config", config], check=True, stdout=subprocess.DEVNULL)
        trace = os.path.join(tmp, "run.h5")
        cmd = [dlasim, "run", loadable, "--config", config, "--power-mode", mode, "--trace", trace]
        if functional:
            cmd.append("--functional")
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            best = wall if best is None else min(best, wall)
        with h5py.File(trace, "r") as f:
            cycles = int(f["/summary"].attrs["total_cycles"])
            layers = int(f["/layers"].shape[0])
    return {"network": net, "config": config, "power_mode": mode, "functional": functional,
            "wall_s": best, "simulated_cycles": cycles, "layers": layers,
            "cycles_per_s": cycles / best, "layers_per_s": layers / best}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dlasim", default="build/bin/dlasim")
    ap.add_argument("--models", default="build/models")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="out/bench/sim_speed.json")
    args = ap.parse_args()
    rows = []
    print("| network | config | mode | data | wall s (best of %d) | simulated cycles | Mcycles/s | layers/s |"
          % args.repeat)
    print("|---|---|---|---|---|---|---|---|")
    for net, config, mode, functional in CASES:
        r = run_case(args.dlasim, args.models, net, config, mode, functional, args.repeat)
        rows.append(r)
        print("| %s | %s | %s | %s | %.3f | %d | %.1f | %.0f |" % (
            net, config, mode, "functional" if functional else "timing", r["wall_s"], r["simulated_cycles"],
            r["cycles_per_s"] / 1e6, r["layers_per_s"]))
        sys.stdout.flush()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"host_cpus": os.cpu_count(), "results": rows}, f, indent=1)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
