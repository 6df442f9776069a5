#!/usr/bin/python3
"""Write the 2:4 structured-sparse copy of any ONNX model (zoo_builder.sparsify_2_4: 2 of every 4
consecutive input channels zeroed in each conv with C > 64), e.g. for models generated without
--sparse-out or the real exports in ../shared/models. Usage: sparsify.py IN.onnx[.gz] OUT.onnx"""

import gzip
import sys

import onnx

import zoo_builder


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__.splitlines()[-1] + "\n")
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    model = onnx.load_from_string(gzip.decompress(data) if argv[1].endswith(".gz") else data)
    try:
        sparse = zoo_builder.sparsify_2_4(model)
    except ValueError as e:
        sys.stderr.write(f"{argv[1]}: {e}\n")
        return 1
    zoo_builder.save(sparse, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
