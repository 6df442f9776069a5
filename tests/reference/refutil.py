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


def loadable_reference_main(argv, doc, tool, execute, errors):
    """The command line of a loadable executor (int8_ref.py, fp16_ref.py): MODEL.dlal --input NAME=FILE
    ... --out-dir DIR; execute(lod, inputs, source) -> {output name: array}; errors: the exception
    types reported as one line "tool: message" with exit status 1."""
    import argparse
    import sys

    import loadable as L

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("model", help="loadable (.dlal)")
    ap.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args(argv)
    try:
        lod = L.read(args.model)
        names = [t.name for t in lod.tensors if t.role == L.ROLE_INPUT]
        outs = execute(lod, parse_inputs(args.input, names, tool), args.model)
    except (OSError, L.LoadableError) + tuple(errors) as e:
        sys.stderr.write(f"{tool}: {e}\n")
        return 1
    for p in write_outputs(args.out_dir, outs):
        print(p)
    return 0
