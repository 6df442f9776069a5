#!/usr/bin/python3
"""Sweep throughput: runs a sweep spec cold on local workers (-j N) and again under MPI (mpirun -np
RANKS), reports wall time, host CPU time and jobs/s of each, checks the two /points tables are
identical (order aside) and projects the time of 1000 points. Heavy: minutes for the 200-point
examples. Usage: bench/sweep_bench.py SPEC [--jobs 2] [--ranks 3] [--work out/bench/sweep]"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stdout.strip()


def rows(path):
    with h5py.File(path, "r") as f:
        p = f["points"][:]
    return np.sort(p, order=["point", "network"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--ranks", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(ROOT, "out", "bench", "sweep"))
    ap.add_argument("--dlasim", default=os.path.join(ROOT, "build", "bin", "dlasim"))
    a = ap.parse_args()
    env = dict(os.environ, DLASIM_CONFIG_DIR=os.environ.get("DLASIM_CONFIG_DIR", os.path.join(ROOT, "configs")),
               DLASIM_MODELS_DIR=os.environ.get("DLASIM_MODELS_DIR", os.path.join(ROOT, "build", "models")))
    os.makedirs(a.work, exist_ok=True)
    outs = {"local": os.path.join(a.work, "local.h5"), "mpi": os.path.join(a.work, "mpi.h5")}
    for p in outs.values():
        shutil.rmtree(p + ".d", ignore_errors=True)
        if os.path.exists(p):
            os.remove(p)
    res = {}
    res["local"] = run([a.dlasim, "sweep", a.spec, "-o", outs["local"], "-q", "-j", str(a.jobs)], env)
    mpirun = shutil.which("mpirun")
    if mpirun:
        res["mpi"] = run([mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(a.ranks), a.dlasim, "sweep",
                          a.spec, "-o", outs["mpi"], "-q", "--mpi"], env)
    n = len(rows(outs["local"]))
    print(f"| run | jobs | wall s | host CPU s | jobs/s | projected 1000 jobs, min |")
    print("|---|---|---|---|---|---|")
    for k, (wall, cpu, _) in res.items():
        label = f"-j {a.jobs}" if k == "local" else f"MPI -np {a.ranks}"
        print(f"| {label} | {n} | {wall:.1f} | {cpu:.1f} | {n / wall:.2f} | {1000 / (n / wall) / 60:.1f} |")
    if "mpi" in res:
        same = rows(outs["local"]).tobytes() == rows(outs["mpi"]).tobytes()  # bytes: NaN == NaN
        print(f"\n/points identical (order aside): {same}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
