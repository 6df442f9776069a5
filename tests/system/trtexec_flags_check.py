#!/usr/bin/python3
"""`dlasim trtexec` flag parsing (docs/trtexec.md): every flag with a bad value is refused with exit 2 (a
malformed value) or 1 (a well-formed value dlasim or the DLA does not support) and one stderr line
naming the flag, before anything runs; every accepted-and-ignored flag gets its --verbose note.

usage: trtexec_flags_check.py DLASIM TINY.onnx"""
import subprocess
import sys

dlasim, tiny = sys.argv[1], sys.argv[2]
base = [dlasim, "trtexec", f"--onnx={tiny}", "--int8", "--useDLACore=0"]
failures = []

# flag=value, expected exit, text the one stderr line must contain
BAD = [
    ("--iterations=0", 2, "--iterations"), ("--iterations=ten", 2, "--iterations"),
    ("--warmUp=-1", 2, "--warmUp"), ("--warmUp=1e9", 2, "--warmUp"),
    ("--duration=-3", 2, "--duration"), ("--duration=x", 2, "--duration"),
    ("--simIterations=0", 2, "--simIterations"), ("--simIterations=1001", 2, "--simIterations"),
    ("--useDLACore=2", 2, "--useDLACore"), ("--useDLACore=a", 2, "--useDLACore"),
    ("--shapes=input:1x3xtwelve", 2, "--shapes"), ("--memPoolSize=dlaSRAM:0", 2, "--memPoolSize"),
    ("--memPoolSize=gpuSRAM:1", 2, "--memPoolSize"), ("--workspace=-5", 2, "--workspace"),
    ("--idleTime=-1", 2, "--idleTime"), ("--avgRuns=0", 2, "--avgRuns"), ("--gap=cpu", 2, "--gap"),
    ("--sparsity=sometimes", 2, "--sparsity"), ("--inputIOFormats=int8:bogus", 1, "--inputIOFormats"),
    ("--outputIOFormats=int8:dla_hwc4", 1, "--outputIOFormats"), ("--noSuchFlag", 2, "--noSuchFlag"),
]
for arg, code, text in BAD:
    p = subprocess.run(base + [arg], capture_output=True, text=True)
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    if p.returncode != code or len(lines) != 1 or text not in lines[0]:
        failures.append(f"{arg}: exit {p.returncode} (want {code}), stderr {lines}")
    if "&&&& RUNNING" in p.stdout or "Starting inference" in p.stdout:
        failures.append(f"{arg}: refused only after starting")

# Accepted and ignored flags: each named by a "[V] dlasim:" note with --verbose; the run passes.
IGNORED = ["--memPoolSize=dlaSRAM:1", "--useSpinWait", "--separateProfileRun", "--idleTime=0", "--avgRuns=10",
           "--noDataTransfers", "--workspace=64"]
p = subprocess.run(base + IGNORED + ["--verbose", "--duration=0", "--warmUp=0", "--iterations=1"],
                   capture_output=True, text=True)
if p.returncode != 0 or "&&&& PASSED" not in p.stdout:
    failures.append(f"ignored flags: exit {p.returncode}: {p.stderr.strip()}")
for flag in IGNORED:
    name = flag.split("=")[0]
    if not any(x.startswith(f"[V] dlasim: {name}") for x in p.stdout.splitlines()):
        failures.append(f"{flag}: no '[V] dlasim: {name}' note")

# The query counts follow the flags: --warmUp=0 --duration=0 --iterations=3 --simIterations=2 simulates
# 0 warm-up + 2 timed inferences and extrapolates the third query.
p = subprocess.run(base + ["--warmUp=0", "--duration=0", "--iterations=3", "--simIterations=2"],
                   capture_output=True, text=True)
for want in ("2 inferences simulated back to back (0 warm-up, 2 timed)", "Warmup completed 0 queries",
             "Timing trace has 3 queries", "of the 0 warm-up and 3 timed queries, 0 and 2 were simulated"):
    if want not in p.stdout:
        failures.append(f"counts: output lacks '{want}'")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok: {len(BAD)} bad values refused, {len(IGNORED)} ignored flags noted")
