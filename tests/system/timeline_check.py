#!/usr/bin/python3
"""Checks a `dlasim trace timeline` JSON against the trace it came from (read independently with
h5py): valid JSON, one complete event per /ops row on the DLA<core> process's CONV/SDP/PDP track,
with ts/dur = cycles / clock_mhz, and a Layers event per /layers row."""
import json
import sys

import h5py

trace, timeline, want_cores = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(trace, "r") as f:
    ops = f["/ops"][:]
    layers = f["/layers"][:]
    mhz = float(f["/summary"].attrs["clock_mhz"])
with open(timeline) as fh:
    doc = json.load(fh)

assert doc["displayTimeUnit"] == "ns", doc["displayTimeUnit"]
assert "SIMULATED" in doc["otherData"]["time_base"], doc["otherData"]
events = doc["traceEvents"]
procs = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
tracks = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
spans = [e for e in events if e["ph"] == "X"]
assert sorted(procs.values()) == [f"DLA{c}" for c in range(want_cores)], procs

assert len(ops) > 0, "trace has no /ops rows"
track_of = {b"conv": "CONV", b"sdp": "SDP", b"pdp": "PDP"}
op_events = [e for e in spans if e["cat"] != "layer"]
assert len(op_events) == len(ops), (len(op_events), len(ops))
seen_tracks = set()
for row in ops:
    engine, kind = row["engine"].decode(), row["kind"]
    match = [e for e in op_events if procs[e["pid"]] == engine and e["args"]["op_index"] == int(row["op_index"])]
    assert len(match) == 1, (engine, int(row["op_index"]), len(match))
    e = match[0]
    assert tracks[(e["pid"], e["tid"])] == track_of[kind], (tracks[(e["pid"], e["tid"])], kind)
    assert e["name"] == row["layer"].decode(), (e["name"], row["layer"])
    assert abs(e["ts"] - int(row["start_cycle"]) / mhz) <= 1e-6, (e["ts"], int(row["start_cycle"]), mhz)
    dur = (int(row["end_cycle"]) - int(row["start_cycle"])) / mhz
    assert abs(e["dur"] - dur) <= 1e-6, (e["dur"], dur)
    assert e["args"]["macs"] == int(row["macs"]) and e["args"]["dram_read_bytes"] == int(row["dram_read_bytes"])
    seen_tracks.add(track_of[kind])
assert seen_tracks == {"CONV", "SDP", "PDP"}, seen_tracks

layer_events = [e for e in spans if e["cat"] == "layer"]
assert len(layer_events) == len(layers), (len(layer_events), len(layers))
assert all(tracks[(e["pid"], e["tid"])] == "Layers" for e in layer_events)
print(f"{timeline}: {len(op_events)} op events, {len(layer_events)} layer events on {len(procs)} core(s): OK")
