#!/usr/bin/python3
"""The runtime end to end (docs/runtime.md): repeated inferences, several networks per core and two
hybrid networks sharing one GPU, checked from `dlasim run` output and its HDF5 trace.

usage: runtime_check.py DLASIM ZOO WORK"""
import json
import re
import subprocess
import sys

import h5py

dlasim, zoo, work = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def run(args):
    return subprocess.run([dlasim] + args, check=True, capture_output=True, text=True).stdout


def read_trace(path):
    with h5py.File(path, "r") as f:
        ops = f["/ops"][()]
        layers = f["/layers"][()]
        total = int(f["/summary"].attrs["total_cycles"])
    return ops, layers, total


def s(v):
    return v.decode() if isinstance(v, bytes) else v


# --- repeated inferences: tiny_cnn, 1 warm-up + 4 timed ---------------------------------------------
tiny = f"{work}/rt_tiny.dlal"
run(["compile", f"{zoo}/tiny_cnn.onnx", "--int8", "-o", tiny])
one = run(["run", tiny])
out = run(["run", tiny, "--iterations", "4", "--warmUp", "1", "--trace", f"{work}/rt_tiny_rep.h5"])
m = re.search(r"inferences \(SIMULATED\) of 'tiny_cnn' on DLA0: (\d+) simulated back to back \((\d+) warm-up, "
              r"(\d+) timed\)", out)
check(m and m.groups() == ("5", "1", "4"), f"inference line: {m.groups() if m else out[-400:]}")
first = float(re.search(r"first latency\s+([0-9.]+) ms", out).group(1))
period = float(re.search(r"steady state\s+([0-9.]+) ms per inference", out).group(1))
lat = [float(v) for v in re.search(r"latency\s+min ([0-9.]+), mean ([0-9.]+), median ([0-9.]+), p90 ([0-9.]+), "
                                   r"p95 ([0-9.]+), p99 ([0-9.]+), max ([0-9.]+) ms", out).groups()]
single_ms = float(re.search(r"^\s+latency\s+([0-9.]+) ms for a batch", one, re.M).group(1))
# The first inference runs alone on the hardware, but the controller also programs the next one's ops
# meanwhile (CSB writes take its time): never faster than the single-inference run.
check(first >= single_ms - 1e-4, f"first latency {first} below the single run's {single_ms}")
# Overlap: the next inference's ops are programmed while the previous drains, so inferences complete
# closer together than one inference lasts.
check(period < first, f"steady-state period {period} ms not below the first latency {first} ms")
check(lat[0] <= lat[2] <= lat[6] and lat[0] <= lat[1] <= lat[6], f"latency stats out of order {lat}")
ops, layers, total = read_trace(f"{work}/rt_tiny_rep.h5")
n = int(max(ops["op_index"])) + 1
check(len(ops) == 5 * n, f"{len(ops)} op records, expected 5 inferences x {n}")
check(len(layers) == 5 * len(set(s(x) for x in layers["name"])), "layer records are not 5 x the layers")
# Each op of inference k+1 starts after the same op of inference k ended (its unit runs them in order).
by_op = {}
for r in ops:
    by_op.setdefault(int(r["op_index"]), []).append((int(r["start_cycle"]), int(r["end_cycle"])))
check(all(b[0] >= a[1] for v in by_op.values() for a, b in zip(v, v[1:])), "an op overlaps its previous copy")
# The timeline covers every inference: valid JSON whose layer slices reach the run's end.
tl = f"{work}/rt_tiny_rep.json"
run(["trace", "timeline", f"{work}/rt_tiny_rep.h5", "-o", tl])
with open(tl) as fh:
    ev = json.load(fh)["traceEvents"]
mhz = 1600.0
spans = [e for e in ev if e.get("ph") == "X" and e.get("cat") == "layer"]
check(len(spans) == len(layers), f"{len(spans)} layer slices for {len(layers)} layer records")
last_end = max(e["ts"] + e["dur"] for e in spans)
check(last_end >= 0.95 * total / mhz, f"timeline layer slices end at {last_end} us of a {total / mhz} us run")

# --- two networks on one core: the second starts after the first is done --------------------------
res = f"{work}/rt_res.dlal"
run(["compile", f"{zoo}/tiny_residual.onnx", "--int8", "-o", res])
out = run(["run", tiny, "--loadable", res, "--trace", f"{work}/rt_two.h5"])
check("tiny_cnn + tiny_residual" in out, "report does not name both networks")
ops, _, _ = read_trace(f"{work}/rt_two.h5")
first_net = ops[:n]
second = ops[n:]
check(len(second) > 0 and all(s(e) == "DLA0" for e in ops["engine"]), "both networks must run on DLA0")
check(min(second["start_cycle"]) >= max(first_net["end_cycle"]), "network 2 started before network 1 finished")

# --- two hybrid networks share one GPU: their GPU work never overlaps -------------------------------
gn = f"{work}/rt_gn.dlal"
run(["compile", f"{zoo}/model_gn.onnx", "--int8", "--allowGPUFallback", "-o", gn])
run(["run", gn, "--cores", "2", "--trace", f"{work}/rt_gn2.h5"])
_, layers, total2 = read_trace(f"{work}/rt_gn2.h5")
# GPU layers (a reformat record also spans the boundary's sync, which waits on the driver, not the GPU).
gpu = sorted((int(r["start_cycle"]), int(r["end_cycle"])) for r in layers
             if s(r["engine"]) == "GPU" and s(r["op"]) != "reformat")
check(len(gpu) > 2, "no GPU layer records in the two-core hybrid run")
check(all(b[0] >= a[1] for a, b in zip(gpu, gpu[1:])), "GPU work of the two cores overlaps: the GPU is shared")
run(["run", gn, "--trace", f"{work}/rt_gn1.h5"])
_, _, total1 = read_trace(f"{work}/rt_gn1.h5")
check(total2 > total1, f"two cores sharing one GPU and DRAM took {total2} cycles, one core alone {total1}")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok: {n} ops x 5 inferences, first {first} ms, steady {period} ms; hybrid 1 core {total1}, 2 cores {total2}")
