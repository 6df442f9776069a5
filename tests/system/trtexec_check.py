#!/usr/bin/python3
"""`dlasim trtexec` end to end on ResNet-50: NVIDIA's DLA command line with --saveEngine,
--exportProfile, --exportTimes and --trace, then --loadEngine; checks the printed summary and both JSON
files against `dlasim run` of the same model with the same inferences (an independent front end over
the same simulation), against the HDF5 trace, and against the definitions in docs/trtexec.md.

usage: trtexec_check.py DLASIM MODEL.onnx WORKDIR
"""
import json
import math
import os
import re
import subprocess
import sys

import h5py

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr}")
    return p.stdout


def grab(pattern, text, what):
    m = re.search(pattern, text, re.M)
    if not m:
        sys.exit(f"FAIL: no {what} (/{pattern}/) in:\n{text[-3000:]}")
    return m


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b))


def main():
    dlasim, model, work = sys.argv[1:4]
    engine = os.path.join(work, "trtcheck_r50.engine")
    profile = os.path.join(work, "trtcheck_profile.json")
    times = os.path.join(work, "trtcheck_times.json")
    trace = os.path.join(work, "trtcheck.h5")
    for f in (engine, profile, times, trace):
        if os.path.exists(f):
            os.remove(f)
    # 1 simulated warm-up (--warmUp defaults to 200 ms) + 2 simulated timed inferences.
    sim = ["--simIterations=2"]
    built = run([dlasim, "trtexec", f"--onnx={model}", "--useDLACore=0", "--int8", "--memPoolSize=dlaSRAM:1",
                 "--inputIOFormats=int8:dla_hwc4", "--outputIOFormats=int8:chw32", "--shapes=input:2x3x224x224",
                 f"--saveEngine={engine}", "--iterations=100", f"--exportProfile={profile}",
                 f"--exportTimes={times}", f"--trace={trace}"] + sim)
    loaded = run([dlasim, "trtexec", f"--loadEngine={engine}", "--useDLACore=0", "--iterations=100"] + sim)
    ref = run([dlasim, "run", engine, "--iterations", "2", "--warmUp", "1"])

    # --- `dlasim run` of the same 3 inferences ------------------------------------------------------
    first = float(grab(r"^\s+first latency\s+([0-9.]+) ms", ref, "run first latency").group(1))
    period = float(grab(r"^\s+steady state\s+([0-9.]+) ms per inference", ref, "run steady state").group(1))
    rlat = [float(v) for v in grab(r"^\s+latency\s+min ([0-9.]+), mean ([0-9.]+), median ([0-9.]+), p90 ([0-9.]+)",
                                   ref, "run latency").groups()]

    # --- printed summary ------------------------------------------------------------------------------
    thr_built = grab(r"^\[I\] Throughput: .*$", built, "Throughput line").group(0)
    thr_loaded = grab(r"^\[I\] Throughput: .*$", loaded, "Throughput line").group(0)
    check(thr_built == thr_loaded, f"--loadEngine throughput '{thr_loaded}' != built '{thr_built}'")
    sim_line = grab(r"^\[I\] dlasim: (\d+) inferences simulated back to back \((\d+) warm-up, (\d+) timed\): (\d+) "
                    r"cycles at ([0-9.]+) MHz", built, "simulated inferences line")
    nsim, total, clock_mhz = int(sim_line.group(1)), int(sim_line.group(4)), float(sim_line.group(5))
    check(sim_line.group(1, 2, 3) == ("3", "1", "2"), f"simulated {sim_line.group(1, 2, 3)}, want 3 (1 + 2)")
    tfirst = float(grab(r"first inference ([0-9.e+-]+) ms", built, "first inference").group(1))
    tperiod = float(grab(r"steady state one query every ([0-9.e+-]+) ms", built, "period").group(1))
    check(abs(tfirst - first) <= 1e-4 and abs(tperiod - period) <= 1e-4,
          f"trtexec first/period {tfirst}/{tperiod} != run's {first}/{period}")
    qps = float(grab(r"^\[I\] Throughput: ([0-9.e+-]+) qps", built, "qps").group(1))
    # Throughput: one query per steady-state period.
    check(close(qps, 1e3 / tperiod, 1e-5), f"qps {qps} != 1000 / {tperiod} ms")
    lat = [float(v) for v in grab(r"^\[I\] Latency: min = ([0-9.e+-]+) ms, max = ([0-9.e+-]+) ms, mean = ([0-9.e+-]+) "
                                  r"ms, median = ([0-9.e+-]+) ms, percentile\(90%\) = ([0-9.e+-]+) ms", built,
                                  "Latency line").groups()]
    check(all(abs(a - b) <= 1e-4 for a, b in zip([lat[0], lat[2], lat[3], lat[4]], rlat)),
          f"Latency min/mean/median/p90 {lat} != run's {rlat}")
    gpu = grab(r"^\[I\] GPU Compute Time: min = ([0-9.e+-]+) ms", built, "GPU Compute Time line")
    check(close(float(gpu.group(1)), lat[0], 1e-9), "GPU Compute Time min != Latency min")
    for what in ("Layers Running on DLA", r"\[DlaLayer\] \{ForeignNode\[Conv_0\.\.\.Conv_173\]\}",
                 "Layers Running on GPU", "=== Performance summary ===", "SIMULATED", "^&&&& PASSED",
                 "were simulated; the others are extrapolated"):
        check(re.search(what, built, re.M), f"built output lacks /{what}/")

    warm = int(grab(r"^\[I\] Warmup completed (\d+) queries over 200 ms", built, "warm-up").group(1))
    queries = int(grab(r"^\[I\] Timing trace has (\d+) queries over", built, "timing trace").group(1))
    # trtexec's defaults: 200 ms warm-up, then at least 3 s and at least --iterations=100 queries.
    check(warm == math.ceil(200.0 / tperiod - 1e-9), f"warm-up {warm} != ceil(200 / {tperiod})")
    check(queries == max(100, math.ceil(3000.0 / tperiod - 1e-9)), f"queries {queries} != max(100, ceil(3000 / P))")
    total_gpu_s = float(grab(r"^\[I\] Total GPU Compute Time: ([0-9.e+-]+) s", built, "total").group(1))

    # --- --exportTimes --------------------------------------------------------------------------------
    tr = json.load(open(times))
    check(len(tr) == queries, f"{len(tr)} time entries != {queries} queries")
    tkeys = {"startEnqMs", "endEnqMs", "startH2dMs", "endH2dMs", "startComputeMs", "endComputeMs", "startD2hMs",
             "endD2hMs", "h2dMs", "computeMs", "d2hMs", "latencyMs", "endToEndMs"}
    check(all(set(e) == tkeys for e in tr), "time entries do not have exactly trtexec's keys")
    check(all(e["h2dMs"] == 0 and e["d2hMs"] == 0 for e in tr), "H2D/D2H not 0")
    # Each field is printed with 12 significant digits (%.12g): rounding moves x by at most 0.5e-11 * |x|,
    # so the three printed values agree to the sum of those bounds (an absolute 1e-8 held only while
    # the stamps stayed below ~1000 ms).
    def printed_tol(*xs):
        return 0.5e-11 * sum(abs(x) for x in xs) + 1e-15
    check(all(abs(e["computeMs"] - (e["endComputeMs"] - e["startComputeMs"])) <=
              printed_tol(e["computeMs"], e["endComputeMs"], e["startComputeMs"]) and e["latencyMs"] == e["computeMs"]
              for e in tr), "computeMs != endComputeMs - startComputeMs")
    # The 2 simulated timed queries carry the simulated latencies (the printed stats are theirs) ...
    sim_lat = sorted(e["computeMs"] for e in tr[:2])
    # (the printed figures have 6 significant digits)
    check(close(sim_lat[0], lat[0], 1e-5) and close(sim_lat[1], lat[1], 1e-5), f"simulated queries {sim_lat} vs {lat}")
    # ... the extrapolated ones end one steady-state period apart and take the simulated mean latency.
    check(all(close(b["endComputeMs"] - a["endComputeMs"], tperiod, 1e-5) for a, b in zip(tr[1:], tr[2:])),
          "extrapolated queries are not one period apart")
    check(all(close(e["computeMs"], lat[2], 1e-5) for e in tr[2:]), "extrapolated latency != simulated mean")
    check(tr[0]["startComputeMs"] >= (warm - 1) * tperiod - 1e-6, "first timed query starts inside the warm-up")
    check(close(sum(e["computeMs"] for e in tr) / 1e3, total_gpu_s, 1e-5), "sum of computeMs != Total GPU Compute")

    # --- --exportProfile against the trace ------------------------------------------------------------
    prof = json.load(open(profile))
    check(isinstance(prof, list) and prof[0] == {"count": queries}, f"profile header {prof[0]} != count {queries}")
    layers = prof[1:]
    keys = {"name", "timeMs", "averageMs", "medianMs", "percentage"}
    check(all(set(e) == keys for e in layers), "profile entries do not have exactly the trtexec keys")
    per_inference_ms = total / (clock_mhz * 1e3) / nsim
    check(close(sum(e["averageMs"] for e in layers), per_inference_ms, 1e-5),
          f"sum of averageMs {sum(e['averageMs'] for e in layers)} != run time per simulated inference "
          f"{per_inference_ms}")
    check(abs(sum(e["percentage"] for e in layers) - 100.0) < 1e-4, "percentages do not add up to 100")
    check(all(close(e["timeMs"], e["averageMs"] * queries, 1e-6) and e["medianMs"] == e["averageMs"]
              for e in layers), "timeMs != averageMs x count or medianMs != averageMs")
    # Independent share computation from the trace's /layers (every inference's): layers sorted by end,
    # each owns the cycles since the previous end (the first from 0), the last one also the tail up to
    # the total; one entry per name (summed over inferences), divided by the simulated inferences.
    with h5py.File(trace, "r") as f:
        rows = f["/layers"][()]
        check(int(f["/summary"].attrs["total_cycles"]) == total, "trace total cycles != printed")
    names = [r["name"].decode() if isinstance(r["name"], bytes) else r["name"] for r in rows]
    ends = sorted((min(int(r["end_cycle"]), total), i) for i, r in enumerate(rows))
    share, prev = [0] * len(rows), 0
    for end, i in ends:
        share[i] = end - prev
        prev = end
    share[ends[-1][1]] += total - prev
    merged = {}
    for i, name in enumerate(names):
        merged[name] = merged.get(name, 0) + share[i]
    check(len(layers) == len(merged), f"{len(layers)} profile entries, the trace names {len(merged)} layers")
    for e in layers:
        want = merged.get(e["name"], -1) / (clock_mhz * 1e3) / nsim
        check(abs(e["averageMs"] - want) <= 1e-7 + 1e-6 * want, f"'{e['name']}': averageMs {e['averageMs']} != {want}")

    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print(f"ok: {len(layers)} layers, first {tfirst:.6f} ms, period {tperiod:.6f} ms, {queries} queries, qps {qps}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
