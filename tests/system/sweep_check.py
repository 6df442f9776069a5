#!/usr/bin/python3
"""System checks of `dlasim sweep` (tests/system/sweep.cmake). Each mode checks one rule:

  reuse DLASIM SPEC WORK       rows that share a cached loadable give the same cycles as a fresh
                               `dlasim run` of the row's own command line (compiles from ONNX)
  calib DLASIM SPEC WORK       geometry points share one INT8 calibration: with -j 1 the second compile
                               reads the first one's calibration cache, and every cached loadable is
                               byte-identical to a fresh `dlasim compile` of its core.atomic_k
  kill DLASIM SPEC WORK        a sweep killed with SIGKILL mid-way and re-run loses and duplicates no
                               job: its /points equal an uninterrupted run's
  mpi MPIEXEC DLASIM SPEC WORK the same sweep over MPI with 3 ranks gives identical /points rows
  report DLASIM SPEC WORK      `dlasim sweep report` writes report.md with a Pareto table and PNG plots
  determinism DLASIM SPEC WORK the same sweep with -j 1 and -j 2 (--traces) gives bit-identical results
                               files (/points compared as sets of rows) and bit-identical per-job traces
                               (except /meta/provenance)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

from h5_identical import attrs_equal, canonical_bytes, compare


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def fresh(path):
    for p in (path, path + ".d"):
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)


def sweep(dlasim, spec, out, *extra, check=True):
    r = subprocess.run([dlasim, "sweep", spec, "-o", out, "-q", *extra], capture_output=True, text=True)
    if check and r.returncode != 0:
        fail(f"dlasim sweep exited {r.returncode}: {r.stderr}")
    return r


def rows(path):
    with h5py.File(path, "r") as f:
        return f["points"][:]


def same_rows(a, b):
    """Bit-identical tables, order aside (bytes, so NaN metrics of failed rows compare equal)."""
    a, b = np.sort(a, order=["point", "network"]), np.sort(b, order=["point", "network"])
    return a.dtype == b.dtype and canonical_bytes(a) == canonical_bytes(b)


def journal_records(out):
    with open(out + ".d/journal.jsonl") as f:
        return [l for l in f.read().split("\n")[1:] if l]


def reuse(dlasim, spec, work):
    out = os.path.join(work, "reuse.h5")
    fresh(out)
    sweep(dlasim, spec, out, "-j", "2")
    p = rows(out)
    if not all(s == b"ok" for s in p["status"]):
        fail(f"rows not ok: {p['message']}")
    cached = len([n for n in os.listdir(out + ".d/loadables") if n.endswith(".dlal")])
    if cached >= len(p):
        fail(f"{cached} loadables for {len(p)} rows: nothing was reused")
    checked = 0
    for r in p:
        cmd = r["run_command"].decode().split()
        assert cmd[0] == "dlasim"
        trace = os.path.join(work, f"reuse_{r['point']}.h5")
        x = subprocess.run([dlasim] + cmd[1:] + ["--trace", trace], capture_output=True, text=True)
        if x.returncode != 0:
            fail(f"{' '.join(cmd)}: {x.stderr}")
        with h5py.File(trace, "r") as f:
            fresh_cycles = int(f["summary"].attrs["total_cycles"])
        if fresh_cycles != int(r["cycles"]):
            fail(f"point {r['point']}: sweep (reused loadable) {r['cycles']} cycles, fresh compile {fresh_cycles}")
        checked += 1
    print(f"ok: {checked} rows, {cached} loadables compiled, cycles identical to fresh `dlasim run` compiles")


def calib(dlasim, spec, work):
    out = os.path.join(work, "calib.h5")
    fresh(out)
    sweep(dlasim, spec, out, "-j", "1")  # one worker: the compiles run one after the other
    p = rows(out)
    if not all(s == b"ok" for s in p["status"]):
        fail(f"rows not ok: {p['message']}")
    d = out + ".d/loadables"
    caches = [n for n in os.listdir(d) if n.startswith("calib_") and n.endswith(".cache")]
    cached = sorted(open(os.path.join(d, n), "rb").read() for n in os.listdir(d) if n.endswith(".dlal"))
    if len(caches) != 1:
        fail(f"{len(caches)} calibration caches in {d}, expected 1 (one network, one precision)")
    ks = sorted(set(float(k) for k in p["core.atomic_k"]))
    if len(cached) != len(ks):
        fail(f"{len(cached)} loadables cached for {len(ks)} core.atomic_k values")
    model = p["run_command"][0].decode().split()[2]
    compiled = []
    for k in ks:
        dst = os.path.join(work, f"calib_fresh_{int(k)}.dlal")
        x = subprocess.run([dlasim, "compile", model, "-o", dst, "--config", "orin-agx-64gb", "--set",
                            f"core.atomic_k={int(k)}"], capture_output=True, text=True)
        if x.returncode != 0:
            fail(f"fresh compile with core.atomic_k={int(k)}: {x.stderr}")
        compiled.append(open(dst, "rb").read())
    if sorted(compiled) != cached:
        fail("a loadable compiled from the shared calibration cache differs from a fresh compile")
    print(f"ok: {len(cached)} loadables from 1 calibration, byte-identical to fresh compiles")


def kill(dlasim, spec, work):
    ref = os.path.join(work, "kill_ref.h5")
    out = os.path.join(work, "kill.h5")
    fresh(ref)
    fresh(out)
    sweep(dlasim, spec, ref, "-j", "1")
    total = len(rows(ref))
    # the whole process group (coordinator and its workers) dies at once, as in a crash or kill -9
    proc = subprocess.Popen([dlasim, "sweep", spec, "-o", out, "-q", "-j", "1"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(out + ".d/journal.jsonl") and len(journal_records(out)) >= 3:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.002)
    if proc.poll() is not None:
        fail("the sweep finished before it could be killed: make the spec longer")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = len(journal_records(out))
    if done_at_kill >= total:
        fail(f"killed after all {total} jobs were journalled: not mid-way")
    r = sweep(dlasim, spec, out, "-j", "1")
    recs = journal_records(out)
    idx = [int(re.search(r'"index":(\d+)', l).group(1)) for l in recs]
    if sorted(idx) != list(range(total)):
        fail(f"journal after resume holds jobs {sorted(idx)}, expected each of 0..{total - 1} once")
    a, b = rows(ref), rows(out)
    if not same_rows(a, b):
        fail("resumed /points differ from the uninterrupted run's")
    print(f"ok: killed after {done_at_kill}/{total} jobs; resume ran the rest; no job lost or duplicated; "
          f"/points identical to an uninterrupted run")


def mpi(mpiexec, dlasim, spec, work):
    ref = os.path.join(work, "mpi_ref.h5")
    out = os.path.join(work, "mpi.h5")
    fresh(ref)
    fresh(out)
    sweep(dlasim, spec, ref, "-j", "2")
    cmd = [mpiexec, "--allow-run-as-root", "--oversubscribe", "-np", "3", dlasim, "sweep", spec, "-o", out, "-q",
           "--mpi"]
    env = dict(os.environ, OMPI_MCA_btl="self,vader", OMPI_MCA_plm_rsh_agent="")
    # under sanitizers: OpenMPI keeps what MPI_Init allocates until exit, which LeakSanitizer reports
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} exited {r.returncode}: {r.stdout} {r.stderr}")
    a, b = rows(ref), rows(out)
    if not same_rows(a, b):
        fail("MPI /points differ from the local run's")
    print(f"ok: {len(b)} rows over MPI (3 ranks) identical to the local run")


def report(dlasim, spec, work):
    out = os.path.join(work, "report.h5")
    fresh(out)
    sweep(dlasim, spec, out, "-j", "2")
    rdir = os.path.join(work, "report_dir")
    shutil.rmtree(rdir, ignore_errors=True)
    r = subprocess.run([dlasim, "sweep", "report", out, "-o", rdir], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"report exited {r.returncode}: {r.stderr}")
    md = open(os.path.join(rdir, "report.md")).read()
    for needle in ("Pareto front", "Sensitivity", "Best points", "ESTIMATE", "SIMULATED", "dlasim run "):
        if needle not in md:
            fail(f"report.md lacks '{needle}'")
    pngs = [f for f in os.listdir(rdir) if f.endswith(".png")]
    if len(pngs) < 3:
        fail(f"expected >= 3 PNG plots, got {pngs}")
    for p in pngs:
        with open(os.path.join(rdir, p), "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                fail(f"{p} is not a PNG")
    # every Pareto row must be undominated among the ok rows (checked independently here)
    p = rows(out)
    ok = p[p["status"] == b"ok"]
    table = md.split("### Pareto front")[1].split("\n\n")[1]
    front_points = [int(l.split("|")[1]) for l in table.splitlines()[2:] if l.startswith("|")]
    obj = ["latency_ms", "energy_mj", "area_mm2"]
    for fp in front_points:
        me = ok[ok["point"] == fp][0]
        for o in ok:
            if all(o[k] <= me[k] for k in obj) and any(o[k] < me[k] for k in obj):
                fail(f"point {fp} is in the front but point {o['point']} dominates it")
    print(f"ok: report.md with {len(front_points)} Pareto points and {len(pngs)} plots")


def determinism(dlasim, spec, work):
    runs = [os.path.join(work, f"det_j{j}.h5") for j in (1, 2)]
    for j, out in zip((1, 2), runs):
        fresh(out)
        sweep(dlasim, spec, out, "-j", str(j), "--traces")
    with h5py.File(runs[0], "r") as a, h5py.File(runs[1], "r") as b:
        why = compare(a, b, "/", {"/points"}) or attrs_equal(a["points"], b["points"])
        x, y = rows(runs[0]), rows(runs[1])
    if why:
        fail(f"results of -j 1 and -j 2 differ: {why}")
    for t in (x, y):  # each run names its own trace folder: compare the file names
        t["trace"] = [os.path.basename(p) for p in t["trace"]]
    if not same_rows(x, y):
        fail("/points of -j 1 and -j 2 differ")
    n = len(x)
    traces = [sorted(os.listdir(out + ".d/traces")) for out in runs]
    if traces[0] != traces[1] or len(traces[0]) != n:
        fail(f"per-job traces differ: {traces[0]} vs {traces[1]} (expected one per /points row, {n})")
    for name in traces[0]:
        with h5py.File(os.path.join(runs[0] + ".d/traces", name), "r") as a, \
                h5py.File(os.path.join(runs[1] + ".d/traces", name), "r") as b:
            why = compare(a, b, "/", {"/meta/provenance"})
        if why:
            fail(f"trace {name} of -j 1 and -j 2 differs: {why}")
    print(f"ok: -j 1 and -j 2 give bit-identical /points ({n} rows) and {n} bit-identical traces")


def main():
    mode = sys.argv[1]
    if mode == "mpi":
        mpi(*sys.argv[2:6])
    else:
        {"reuse": reuse, "calib": calib, "kill": kill, "report": report, "determinism": determinism}[mode](*sys.argv[2:5])


if __name__ == "__main__":
    main()
