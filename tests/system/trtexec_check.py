#!/usr/bin/python3
"""`dlasim trtexec` end to end on ResNet-50: NVIDIA's DLA command line with --saveEngine,
--exportProfile and --exportTimes, then --loadEngine; checks the printed summary and both JSON files
against `dlasim run` of the same model (an independent front end over the same simulation) and
against the definitions in docs/trtexec.md.

usage: trtexec_check.py DLASIM MODEL.onnx WORKDIR
"""
import json
import math
import os
import re
import subprocess
import sys

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
    for f in (engine, profile, times):
        if os.path.exists(f):
            os.remove(f)

    built = run([dlasim, "trtexec", f"--onnx={model}", "--useDLACore=0", "--int8", "--memPoolSize=dlaSRAM:1",
                 "--inputIOFormats=int8:dla_hwc4", "--outputIOFormats=int8:chw32", "--shapes=input:2x3x224x224",
                 f"--saveEngine={engine}", "--iterations=100", f"--exportProfile={profile}",
                 f"--exportTimes={times}"])
    loaded = run([dlasim, "trtexec", f"--loadEngine={engine}", "--useDLACore=0", "--iterations=100"])
    ref = run([dlasim, "run", model, "--int8"])

    # --- `dlasim run`: total cycles, clock, per-layer start and cycles (same layer order) ---------
    clock_mhz = float(grab(r"^\s+clock\s+([0-9.]+) MHz", ref, "clock").group(1))
    total = int(grab(r"^\s+total cycles\s+(\d+)", ref, "total cycles").group(1))
    rows = re.findall(r"^\s*\d+ .*?\s(\d+)\s+(\d+)\s+\d+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+ \S+$", ref, re.M)
    check(len(rows) > 0, "no layer rows in `dlasim run` output")
    latency_ms = total / (clock_mhz * 1e3)  # cycles / MHz = us; /1e3 = ms

    # --- printed summary --------------------------------------------------------------------------
    thr_built = grab(r"^\[I\] Throughput: .*$", built, "Throughput line").group(0)
    thr_loaded = grab(r"^\[I\] Throughput: .*$", loaded, "Throughput line").group(0)
    check(thr_built == thr_loaded, f"--loadEngine throughput '{thr_loaded}' != built '{thr_built}'")
    qps = float(grab(r"^\[I\] Throughput: ([0-9.e+-]+) qps", built, "qps").group(1))
    # A query is one inference of the whole batch: qps = 1000 / latency_ms.
    check(close(qps, 1e3 / latency_ms, 1e-5), f"qps {qps} != 1000 / {latency_ms} ms")
    lat = grab(r"^\[I\] Latency: min = ([0-9.e+-]+) ms, max = ([0-9.e+-]+) ms, mean = ([0-9.e+-]+) ms, "
               r"median = ([0-9.e+-]+) ms, percentile\(90%\) = ([0-9.e+-]+) ms", built, "Latency line")
    mean = float(lat.group(3))
    check(all(close(float(v), latency_ms, 1e-5) for v in lat.groups()),
          f"Latency stats {lat.groups()} != run's {latency_ms} ms")
    gpu = grab(r"^\[I\] GPU Compute Time: min = ([0-9.e+-]+) ms", built, "GPU Compute Time line")
    check(close(float(gpu.group(1)), latency_ms, 1e-5), "GPU Compute Time != latency")
    for what in ("Layers Running on DLA", r"\[DlaLayer\] \{ForeignNode\[Conv_0\.\.\.Conv_173\]\}",
                 "Layers Running on GPU", "=== Performance summary ===", "SIMULATED", "^&&&& PASSED"):
        check(re.search(what, built, re.M), f"built output lacks /{what}/")
    images = float(grab(r"([0-9.]+) images/s \(2 images per query", built, "images/s").group(1))
    ref_images = float(grab(r"^\s+throughput\s+([0-9.]+) images/s", ref, "run throughput").group(1))
    check(abs(images - ref_images) <= 0.051, f"images/s {images} != run's {ref_images}")

    warm = int(grab(r"^\[I\] Warmup completed (\d+) queries over 200 ms", built, "warm-up").group(1))
    queries = int(grab(r"^\[I\] Timing trace has (\d+) queries over", built, "timing trace").group(1))
    # trtexec's defaults: 200 ms warm-up, then at least 3 s and at least --iterations=100 queries.
    check(warm == math.ceil(200.0 / latency_ms), f"warm-up {warm} != ceil(200 / {latency_ms})")
    check(queries == max(100, math.ceil(3000.0 / latency_ms)), f"queries {queries} != max(100, ceil(3000 / L))")
    total_gpu_s = float(grab(r"^\[I\] Total GPU Compute Time: ([0-9.e+-]+) s", built, "total").group(1))
    check(close(total_gpu_s, queries * latency_ms / 1e3, 1e-5), "Total GPU Compute Time != queries x latency")

    # --- --exportProfile ----------------------------------------------------------------------------
    prof = json.load(open(profile))
    check(isinstance(prof, list) and prof[0] == {"count": queries}, f"profile header {prof[0]} != count {queries}")
    layers = prof[1:]
    check(len(layers) == len(rows), f"{len(layers)} profile entries, `dlasim run` lists {len(rows)} layers")
    keys = {"name", "timeMs", "averageMs", "medianMs", "percentage"}
    check(all(set(e) == keys for e in layers), "profile entries do not have exactly the trtexec keys")
    check(close(sum(e["averageMs"] for e in layers), mean, 1e-5),
          f"sum of averageMs {sum(e['averageMs'] for e in layers)} != printed mean latency {mean}")
    check(abs(sum(e["percentage"] for e in layers) - 100.0) < 1e-4, "percentages do not add up to 100")
    check(all(close(e["timeMs"], e["averageMs"] * queries, 1e-6) and e["medianMs"] == e["averageMs"]
              for e in layers), "timeMs != averageMs x count or medianMs != averageMs")
    # Independent share computation from run's starts and cycles: layers sorted by end, each owns the
    # cycles since the previous end (the first from 0), the last one also the tail up to total.
    ends = sorted((int(start) + int(cycles), i) for i, (cycles, start) in enumerate(rows))
    share, prev = [0] * len(rows), 0
    for end, i in ends:
        share[i] = end - prev
        prev = end
    share[ends[-1][1]] += total - prev
    for i, e in enumerate(layers[:len(rows)]):
        want = share[i] / (clock_mhz * 1e3)
        check(abs(e["averageMs"] - want) <= 1e-7 + 1e-6 * want, f"layer {i} '{e['name']}': averageMs {e['averageMs']}"
              f" != share {share[i]} cycles = {want} ms")

    # --- --exportTimes ------------------------------------------------------------------------------
    tr = json.load(open(times))
    check(len(tr) == queries, f"{len(tr)} time entries != {queries} queries")
    tkeys = {"startEnqMs", "endEnqMs", "startH2dMs", "endH2dMs", "startComputeMs", "endComputeMs", "startD2hMs",
             "endD2hMs", "h2dMs", "computeMs", "d2hMs", "latencyMs", "endToEndMs"}
    check(all(set(e) == tkeys for e in tr), "time entries do not have exactly trtexec's keys")
    check(all(e["h2dMs"] == 0 and e["d2hMs"] == 0 for e in tr), "H2D/D2H not 0")
    check(all(close(e["computeMs"], latency_ms, 1e-6) and e["latencyMs"] == e["computeMs"] for e in tr),
          "computeMs/latencyMs != simulated latency")
    check(close(tr[0]["startComputeMs"], warm * latency_ms, 1e-6), "first timed query does not start after warm-up")
    check(all(close(b["startComputeMs"], a["endComputeMs"], 1e-7) for a, b in zip(tr, tr[1:])),
          "queries are not back to back")
    check(close(sum(e["computeMs"] for e in tr) / 1e3, total_gpu_s, 1e-5), "sum of computeMs != Total GPU Compute")

    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print(f"ok: {len(layers)} layers, latency {latency_ms:.6f} ms, {queries} queries, qps {qps}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
