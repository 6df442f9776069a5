#!/usr/bin/python3
"""Checks a `dlasim trace timeline` JSON against the trace it came from (read independently with
h5py): valid JSON, one complete event per /ops row on the DLA<core> process's CONV/SDP/PDP track,
with ts/dur = cycles / clock_mhz, a Layers event per /layers row, and the /samples counter tracks:
a busy-% track per unit and DRAM read/write GB/s per core and for all cores, timestamps increasing,
values in [0, 100] % and [0, the power mode's DRAM bandwidth] GB/s, and the DRAM bytes they stand
for summing exactly to /summary's DRAM totals."""
import json
import sys

import h5py

trace, timeline, want_cores = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(trace, "r") as f:
    ops = f["/ops"][:]
    layers = f["/layers"][:]
    mhz = float(f["/summary"].attrs["clock_mhz"])
    summary = dict(f["/summary"].attrs)
    config = json.loads(f["/meta"].attrs["config_json"])
    mode_name = f["/meta"].attrs["power_mode"]
    window_cycles = int(f["/samples"].attrs["window_cycles"])
    series = [(r["name"].decode(), r["unit"].decode()) for r in f["/samples/series"][:]]
    end_cycle = [int(x) for x in f["/samples/end_cycle"][:]]
    values = f["/samples/values"][:]
with open(timeline) as fh:
    doc = json.load(fh)

assert doc["displayTimeUnit"] == "ns", doc["displayTimeUnit"]
assert "SIMULATED" in doc["otherData"]["time_base"], doc["otherData"]
events = doc["traceEvents"]
procs = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
tracks = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
spans = [e for e in events if e["ph"] == "X"]
procs_all = procs
procs = {pid: name for pid, name in procs.items() if name != "DRAM (all DLA cores)"}
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
# Counter tracks from /samples.
assert window_cycles > 0 and len(end_cycle) > 0, (window_cycles, len(end_cycle))
assert end_cycle[-1] == int(summary["total_cycles"]), (end_cycle[-1], summary["total_cycles"])
mode = [m for m in config["power_modes"] if m["name"] == mode_name][0]
peak_gbps = float(mode["dram_bandwidth_gbps"]["value"])
counters = {}
for e in events:
    if e["ph"] == "C":
        counters.setdefault((e["pid"], e["name"]), []).append(e)
pid_of = {name: pid for pid, name in procs.items()}
mem_pid = [pid for pid, name in procs_all.items() if name == "DRAM (all DLA cores)"]
assert len(mem_pid) == (1 if want_cores > 1 else 0), procs_all  # one core: its own tracks are the total
starts = [0] + end_cycle[:-1]
lengths = [b - a for a, b in zip(starts, end_cycle)]
for track, evs in counters.items():
    ts = [e["ts"] for e in evs]
    assert all(a < b for a, b in zip(ts, ts[1:])), ("timestamps do not increase", track)
    assert len(evs) == len(end_cycle) + 1, (track, len(evs), len(end_cycle))
    for e, cyc in zip(evs, starts + [end_cycle[-1]]):
        assert abs(e["ts"] - cyc / mhz) <= 1e-6, (track, e["ts"], cyc)
    (arg, v), = [(k, [e["args"][k] for e in evs]) for k in evs[0]["args"]]
    assert evs[-1]["args"][arg] == 0, track
    if arg == "busy %":
        assert all(0 <= x <= 100 for x in v), (track, max(v))
    else:
        assert arg == "GB/s" and all(0 <= x <= peak_gbps for x in v), (track, max(v), peak_gbps)


def bytes_of(track):
    """Bytes per window that a GB/s track stands for (GB/s x window seconds), rounded to integers."""
    gbps = [e["args"]["GB/s"] for e in counters[track][:-1]]
    return [round(g * n / mhz * 1e3) for g, n in zip(gbps, lengths)]


total = {"read": 0, "write": 0}
for core in range(want_cores):
    pid = pid_of[f"DLA{core}"]
    for name, unit in series:
        if not name.startswith(f"dla{core}."):
            continue
        col = [int(x) for x in values[:, series.index((name, unit))]]
        if name.endswith(".busy_cycles"):
            track = (pid, name.split(".")[1].upper())
            assert track in counters, (track, sorted(counters))
            # A window shows at most its length; the excess moves back to earlier windows.
            carry, want = 0, [0.0] * len(col)
            for w in reversed(range(len(col))):
                v = col[w] + carry
                carry = v - min(v, lengths[w])
                want[w] = 100.0 * min(v, lengths[w]) / lengths[w]
            got = [e["args"]["busy %"] for e in counters[track][:-1]]
            assert all(abs(a - b) <= 1e-9 for a, b in zip(got, want)), (track, got, want)
        for direction in ("read", "write"):
            if name == f"dla{core}.dram_{direction}_bytes":
                assert bytes_of((pid, f"DRAM {direction}")) == col, (core, direction)
                total[direction] += sum(col)
    assert (pid, "CMAC") in counters and (pid, "SDP") in counters and (pid, "PDP") in counters, sorted(counters)
assert total["read"] == int(summary["dram_read_bytes"]) > 0, (total, summary["dram_read_bytes"])
assert total["write"] == int(summary["dram_write_bytes"]) > 0, (total, summary["dram_write_bytes"])
for direction in ("read", "write"):
    for pid in mem_pid:
        assert sum(bytes_of((pid, f"DRAM {direction}"))) == total[direction], direction

print(f"{timeline}: {len(counters)} counter tracks over {len(end_cycle)} windows of {window_cycles} cycles: OK")
print(f"{timeline}: {len(op_events)} op events, {len(layer_events)} layer events on {len(procs)} core(s): OK")
