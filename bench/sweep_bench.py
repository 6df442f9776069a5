#!/usr/bin/python3
"""Sweep throughput: runs a sweep spec cold on local workers (-j N) and, unless --no-mpi, again under
MPI (mpirun -np RANKS); reports wall time, host CPU time (user + sys of dlasim and its workers) and
jobs/s of each, checks the two /points tables are identical (order aside) and projects the time of
1000 points. From the local run's journal (each record carries its worker's own cpu_s) it splits the
CPU time into compiles (jobs that compiled their loadable), reused-loadable ok points, and the rest,
and projects a 1000-point sweep of the same kind (the same compile keys, the same share of ok rows)
on N cores. The load average is printed before and after: on a shared machine CPU seconds are the
number to compare, wall times are upper bounds. Heavy: minutes for the 200-point examples.

usage: bench/sweep_bench.py SPEC [--jobs 2] [--ranks 3] [--no-mpi] [--points 1000]
                            [--work out/bench/sweep] [--dlasim build/bin/dlasim]
e.g.   bench/sweep_bench.py configs/sweeps/orin_mac_cbuf_dram_resnet50_1000.json --no-mpi
"""
import argparse
import json
import math
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


def journal(path):
    """The job records of a sweep's journal (the header line left out)."""
    with open(path + ".d/journal.jsonl") as f:
        return [json.loads(line) for line in f.read().split("\n")[1:] if line]


def cpu_split(records, host_cpu, n_jobs, points, workers):
    """CPU seconds by kind of job, and the projection for `points` jobs of the same kind."""
    ran = [r for r in records if r.get("cpu_s") is not None and r["cpu_s"] > 0]
    comp = [r for r in ran if r["compiled"]]
    reused_ok = [r for r in ran if not r["compiled"] and r["ok"]]
    other = [r for r in ran if not r["compiled"] and not r["ok"]]
    ok_rows = sum(1 for r in records if r["ok"])
    c_comp = sum(r["cpu_s"] for r in comp)
    c_ok = sum(r["cpu_s"] for r in reused_ok)
    c_other = sum(r["cpu_s"] for r in other)
    coord = host_cpu - c_comp - c_ok - c_other  # parent: scheduling, journal, RESULTS.h5, fork
    mean_ok = c_ok / len(reused_ok) if reused_ok else math.nan
    # `points` jobs of the same kind: the same compiles (compile keys do not grow with the non-compile
    # axes); the other jobs with this run's shares of reused ok jobs and of error jobs that ran (the
    # inferred error rows of failed compile keys cost nothing); the coordinator's cost per job.
    rest_now = max(1, n_jobs - len(comp))
    rest = points - len(comp)
    mean_other = c_other / len(other) if other else 0.0
    proj_cpu = (c_comp + rest * (len(reused_ok) / rest_now) * mean_ok + rest * (len(other) / rest_now) * mean_other +
                coord / n_jobs * points)
    return {
        "jobs": n_jobs, "ok_rows": ok_rows, "compiled_jobs": len(comp), "compile_cpu_s": c_comp,
        "cpu_per_compile_job_s": c_comp / len(comp) if comp else math.nan,
        "reused_ok_jobs": len(reused_ok), "cpu_per_reused_ok_job_s": mean_ok,
        "other_jobs": len(other), "other_cpu_s": c_other, "coordinator_cpu_s": coord,
        "cpu_per_ok_row_s": host_cpu / ok_rows if ok_rows else math.nan,
        "projected_points": points, "projected_cpu_s": proj_cpu,
        "projected_min_on_workers": proj_cpu / workers / 60.0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--ranks", type=int, default=3)
    ap.add_argument("--no-mpi", action="store_true", help="local workers only")
    ap.add_argument("--points", type=int, default=1000, help="size of the projected sweep")
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
    load_before = os.getloadavg()
    res = {}
    res["local"] = run([a.dlasim, "sweep", a.spec, "-o", outs["local"], "-q", "-j", str(a.jobs)], env)
    mpirun = shutil.which("mpirun")
    if mpirun and not a.no_mpi:
        res["mpi"] = run([mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(a.ranks), a.dlasim, "sweep",
                          a.spec, "-o", outs["mpi"], "-q", "--mpi"], env)
    load_after = os.getloadavg()
    n = len(rows(outs["local"]))
    print(f"load average (1/5/15 min) before {load_before[0]:.1f}/{load_before[1]:.1f}/{load_before[2]:.1f}, "
          f"after {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f} on {os.cpu_count()} cores\n")
    print("| run | jobs | wall s | host CPU s | jobs/s | projected 1000 jobs (wall), min |")
    print("|---|---|---|---|---|---|")
    for k, (wall, cpu, _) in res.items():
        label = f"-j {a.jobs}" if k == "local" else f"MPI -np {a.ranks}"
        print(f"| {label} | {n} | {wall:.1f} | {cpu:.1f} | {n / wall:.2f} | {1000 / (n / wall) / 60:.1f} |")
    s = cpu_split(journal(outs["local"]), res["local"][1], n, a.points, a.jobs)
    print(f"\nlocal run, CPU seconds from the journal (cpu_s of each worker):")
    print(f"- {s['ok_rows']} ok rows of {s['jobs']}; host CPU per ok row {s['cpu_per_ok_row_s']:.3f} s")
    print(f"- {s['compiled_jobs']} jobs compiled their loadable: {s['compile_cpu_s']:.1f} s, "
          f"{s['cpu_per_compile_job_s']:.2f} s each (compile and, when it fits, the simulation)")
    print(f"- {s['reused_ok_jobs']} ok jobs on a cached loadable: {s['cpu_per_reused_ok_job_s']:.3f} s each")
    print(f"- {s['other_jobs']} other error jobs: {s['other_cpu_s']:.1f} s; coordinator {s['coordinator_cpu_s']:.1f} s")
    print(f"- projected {s['projected_points']} points of this kind (same compiles, same ok share): "
          f"{s['projected_cpu_s']:.0f} CPU-s = {s['projected_min_on_workers']:.1f} min on {a.jobs} cores")
    with open(os.path.join(a.work, "sweep_bench.json"), "w") as f:
        json.dump({"load_before": load_before, "load_after": load_after,
                   "runs": {k: {"wall_s": w, "cpu_s": c} for k, (w, c, _) in res.items()}, "local_split": s}, f,
                  indent=1)
    if "mpi" in res:
        same = rows(outs["local"]).tobytes() == rows(outs["mpi"]).tobytes()  # bytes: NaN == NaN
        print(f"\n/points identical (order aside): {same}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
