"""Small helpers shared by the reference tools: --input NAME=FILE parsing and output file naming."""

import os
import re

import numpy as np


def npy_filename(tensor_name):
    """Output file for a tensor: its name with every character outside [A-Za-z0-9_.-] replaced by '_'."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", tensor_name) + ".npy"


def parse_inputs(specs, input_names, tool):
    """Map `NAME=FILE` specs (a bare FILE is allowed when there is exactly one input) to loaded arrays."""
    out = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            if len(input_names) != 1:
                raise SystemExit(f"{tool}: --input {spec}: give NAME=FILE (inputs: {', '.join(input_names)})")
            name, path = input_names[0], spec
        if name not in input_names:
            raise SystemExit(f"{tool}: --input {spec}: no input named '{name}' (inputs: {', '.join(input_names)})")
        out[name] = np.load(path, allow_pickle=False)
    missing = [n for n in input_names if n not in out]
    if missing:
        raise SystemExit(f"{tool}: missing --input for {', '.join(missing)}")
    return out


def write_outputs(out_dir, outputs):
    """Write each output array as float32 .npy (temp file + rename), returning the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, arr in outputs.items():
        path = os.path.join(out_dir, npy_filename(name))
        tmp = path + ".tmp.npy"
        np.save(tmp, np.ascontiguousarray(arr, dtype="<f4"))
        os.replace(tmp, path)
        paths.append(path)
    return paths
