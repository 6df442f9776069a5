#!/usr/bin/python3
"""Crash-safe outputs: SIGKILL dlasim while it writes a trace (or a loadable) over an existing file and
check the file is then either the old one, byte for byte, or the complete new one -- never a part.
A: deterministic -- DLASIM_TEST_COMMIT_DELAY_MS holds the finished temporary file before its rename
   (dla/output_file.h); the kill lands there, after the whole write, before the rename.
B: kills at times spread over the whole run (compile, simulation, write).
usage: crash_safety_check.py DLASIM MODEL.onnx WORKDIR"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import h5_identical  # noqa: E402

import h5py  # noqa: E402


def run(cmd, env=None):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)


def same_trace(a, b):
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        return h5_identical.compare(x, y, "/", {"/meta/provenance"}) is None


def read(path):
    with open(path, "rb") as f:
        return f.read()


def killed_run(cmd, after_s, env=None, wait_for=None):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    if wait_for:  # until the temporary file exists, then a little longer (the commit delay holds it)
        t0 = time.time()
        while not glob.glob(wait_for) and p.poll() is None and time.time() - t0 < 120:
            time.sleep(0.01)
        if p.poll() is not None:
            sys.exit(f"FAIL: {cmd[1]} finished before its temporary file {wait_for} appeared")
    time.sleep(after_s)
    finished = p.poll() is not None
    if not finished:
        p.send_signal(signal.SIGKILL)
    p.wait()
    return finished


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    dlasim, model, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    for f in glob.glob(os.path.join(work, "*")):
        os.remove(f)
    new_ref, old, target = (os.path.join(work, n) for n in ("new.h5", "old.h5", "target.h5"))
    base = [dlasim, "run", model, "--config", "orin-agx-64gb", "--int8"]
    run(base + ["--power-mode", "MAXN", "--trace", new_ref])
    run(base + ["--power-mode", "15W", "--trace", old])
    old_bytes = read(old)
    if same_trace(old, new_ref):
        sys.exit("FAIL: the old and new traces must differ for the check to mean anything")
    cmd = base + ["--power-mode", "MAXN", "--trace", target]

    # A: inside the commit window.
    shutil.copyfile(old, target)
    env = dict(os.environ, DLASIM_TEST_COMMIT_DELAY_MS="5000")
    if killed_run(cmd, 0.5, env=env, wait_for=target + ".tmp.*"):
        sys.exit("FAIL: the run finished inside its 5 s commit delay")
    if read(target) != old_bytes:
        sys.exit("FAIL: killed inside the commit window, the target is not the old file")
    temps = glob.glob(target + ".tmp.*")
    if len(temps) != 1 or not same_trace(temps[0], new_ref):
        sys.exit(f"FAIL: the kill did not land after the complete write (temporary files {temps})")
    print("A: killed between the complete write and the rename: old file intact")

    # Also the loadable writer.
    loadable, old_loadable = os.path.join(work, "x.dlal"), os.path.join(work, "old.dlal")
    run([dlasim, "compile", model, "--config", "nv_large", "-o", old_loadable])
    shutil.copyfile(old_loadable, loadable)
    if killed_run([dlasim, "compile", model, "--config", "orin-agx-64gb", "-o", loadable], 0.5, env=env,
                  wait_for=loadable + ".tmp.*"):
        sys.exit("FAIL: compile finished inside its 5 s commit delay")
    if read(loadable) != read(old_loadable):
        sys.exit("FAIL: compile killed inside the commit window changed the old loadable")
    print("A: loadable: killed between the complete write and the rename: old file intact")

    # B: kills spread over a whole run.
    t0 = time.time()
    run(cmd)
    full = time.time() - t0
    outcomes = {"old": 0, "new": 0}
    for i in range(12):
        shutil.copyfile(old, target)
        for t in glob.glob(target + ".tmp.*"):
            os.remove(t)
        killed_run(cmd, full * (i + 0.5) / 12)
        if read(target) == old_bytes:
            outcomes["old"] += 1
        elif same_trace(target, new_ref):
            outcomes["new"] += 1
        else:
            sys.exit(f"FAIL: killed after {full * (i + 0.5) / 12:.3f} s, the target is neither the old nor the "
                     "complete new trace")
    print(f"B: 12 kills over a {full:.2f} s run: old file {outcomes['old']}x, complete new file {outcomes['new']}x")
    print("PASS")


if __name__ == "__main__":
    main()
