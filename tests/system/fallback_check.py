#!/usr/bin/python3
"""GPU fallback end to end (docs/runtime.md): `dlasim trtexec --allowGPUFallback` on the tutorial's
model_gn and model_bn (GlobalAveragePool on the GPU, as TensorRT 8.4 placed it). Checks the DLA/GPU
blocks, that model_bn is faster than model_gn, that each --exportProfile parses and its layer times
add up to the run's time per simulated inference with GPU layers and reformat entries in it, and that
the timeline JSON is valid with a GPU process, reformat slices and one driver slice per DLA subgraph
submission (2 inferences), covering the run."""
import json
import re
import subprocess
import sys

import h5py

dlasim, zoo, work = sys.argv[1], sys.argv[2], sys.argv[3]


def trtexec(model, extra):
    prof, trace = f"{work}/fb_{model}.json", f"{work}/fb_{model}.h5"
    out = subprocess.run([dlasim, "trtexec", f"--onnx={zoo}/{model}.onnx", "--shapes=input:32x3x32x32", "--int8",
                          "--useDLACore=0", "--allowGPUFallback", f"--exportProfile={prof}", f"--trace={trace}",
                          "--iterations=2", "--duration=0", "--warmUp=0"] + extra,
                         check=True, capture_output=True, text=True).stdout
    dla = re.findall(r"^\[I\] \[TRT\] \[DlaLayer\] (.*)$", out, re.M)
    gpu = re.findall(r"^\[I\] \[TRT\] \[GpuLayer\] (.*)$", out, re.M)
    qps = float(re.search(r"^\[I\] Throughput: ([0-9.]+) qps$", out, re.M).group(1))
    m = re.search(r"(\d+) inferences simulated back to back \(0 warm-up, 2 timed\): (\d+) cycles at ([0-9.]+) MHz",
                  out)
    assert m and m.group(1) == "2", out[-2000:]
    per_inference = int(m.group(2)) / (float(m.group(3)) * 1e3) / 2  # ms of the run per simulated inference
    return dla, gpu, qps, per_inference, prof, trace


def check_profile(path, latency, gpu_layers):
    with open(path) as fh:
        prof = json.load(fh)
    assert prof[0]["count"] == 2, prof[0]
    names = [e["name"] for e in prof[1:]]
    total = sum(e["averageMs"] for e in prof[1:])
    assert abs(total - latency) <= 1e-5 * latency + 1e-6, (total, latency)
    assert abs(sum(e["percentage"] for e in prof[1:]) - 100.0) < 1e-4
    for g in gpu_layers:
        assert g in names, (g, names)
    reformats = [n for n in names if n.startswith("Reformat+sync into ")]
    assert reformats, names
    return reformats


def check_timeline(trace, subgraphs):
    tl = trace.replace(".h5", "_timeline.json")
    subprocess.run([dlasim, "trace", "timeline", trace, "-o", tl], check=True, capture_output=True)
    with h5py.File(trace, "r") as f:
        total = int(f["/summary"].attrs["total_cycles"])
        mhz = float(f["/summary"].attrs["clock_mhz"])
    with open(tl) as fh:
        doc = json.load(fh)
    ev = doc["traceEvents"]
    procs = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
    tracks = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    assert sorted(procs.values()) == ["DLA0", "GPU"], procs
    assert {"Reformat+sync", "Driver: DLA subgraphs", "Layers"} <= tracks, tracks
    spans = [e for e in ev if e["ph"] == "X"]
    subs = [e for e in spans if e["cat"] == "subgraph"]
    assert len(subs) == subgraphs, len(subs)
    # The layer and reformat slices cover the run: their union is (almost) all of [0, total); the rest is
    # the driver's interrupt service between segments.
    iv = sorted((e["ts"], e["ts"] + e["dur"]) for e in spans if e["cat"] == "layer")
    covered, end = 0.0, 0.0
    for a, b in iv:
        if b > end:
            covered += b - max(a, end)
            end = b
    run = total / mhz
    assert end <= run + 1e-6 and covered >= 0.95 * run, (covered, end, run)


gn = trtexec("model_gn", ["--gap=gpu"])
bn = trtexec("model_bn", ["--gap=gpu"])
assert len(gn[0]) == 5, gn[0]  # the tutorial's log: 5 ForeignNodes
assert any("InstanceNormalization" in g for g in gn[1]), gn[1]
assert len(bn[0]) == 2 and bn[1] == ["GlobalAveragePool_12"], (bn[0], bn[1])
assert bn[2] > gn[2], (bn[2], gn[2])  # fewer boundaries and reformats
assert len(check_profile(gn[4], gn[3], ["InstanceNormalization_5"])) == 8  # 4 GPU runs, in and out
assert len(check_profile(bn[4], bn[3], ["GlobalAveragePool_12"])) == 2
# One driver slice per DLA subgraph submission, but the timeline draws a maximal run of DLA layers between
# GPU records as one slice: both networks end and start with a DLA subgraph, so inference 0's last and
# inference 1's first (no GPU work between them) form one slice: 2 x 5 - 1 and 2 x 2 - 1.
check_timeline(gn[5], 2 * 5 - 1)
check_timeline(bn[5], 2 * 2 - 1)
print(f"model_gn {gn[2]} qps, model_bn {bn[2]} qps (SIMULATED)")
