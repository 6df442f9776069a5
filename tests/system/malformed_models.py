#!/usr/bin/python3
"""Writes the malformed ONNX models of the audit's bad-input tests (tests/system/audit.cmake) into
--out-dir, each a small valid network (x -> Conv 'conv' -> Relu 'relu' -> y) with one defect; the
ONNX checker is not run, so the defects reach dlasim as a user's file would."""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

X = [1, 4, 6, 6]


def net(nodes=None, inits=None, opsets=None, outputs=("y",)):
    w = numpy_helper.from_array(np.full((4, 4, 3, 3), 0.1, np.float32), "w")
    nodes = nodes or [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["y"], name="relu"),
    ]
    g = helper.make_graph(nodes, "bad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, X)],
                          [helper.make_tensor_value_info(o, TensorProto.FLOAT, X) for o in outputs],
                          initializer=[w] if inits is None else inits)
    return helper.make_model(g, opset_imports=opsets or [helper.make_opsetid("", 17)])


def models():
    # an initializer whose data is not dims' worth: 4x4x3x3 = 144 floats declared, 100 given
    short = onnx.TensorProto()
    short.name, short.data_type = "w", TensorProto.FLOAT
    short.dims.extend([4, 4, 3, 3])
    short.raw_data = np.full(100, 0.1, np.float32).tobytes()
    yield "wrong_dims", net(inits=[short])
    yield "missing_init", net(inits=[])  # 'w' read by 'conv' but defined nowhere
    yield "opset_99", net(opsets=[helper.make_opsetid("", 99)])
    yield "unknown_domain", net(nodes=[
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("FancyRelu", ["c"], ["y"], name="fancy", domain="com.example.custom"),
    ], opsets=[helper.make_opsetid("", 17), helper.make_opsetid("com.example.custom", 1)])
    yield "cyclic", net(nodes=[
        helper.make_node("Add", ["x", "y"], ["c"], name="add"),
        helper.make_node("Relu", ["c"], ["y"], name="relu"),
    ], inits=[])
    yield "duplicate_output", net(nodes=[
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["x"], ["c"], name="relu_again"),  # writes 'c' a second time
        helper.make_node("Relu", ["c"], ["y"], name="relu"),
    ])
    # an initializer with the network input's name (two definitions of 'x')
    xi = numpy_helper.from_array(np.zeros(X, np.float32), "x")
    w = numpy_helper.from_array(np.full((4, 4, 3, 3), 0.1, np.float32), "w")
    yield "duplicate_init", net(inits=[w, xi])
    yield "duplicate_init_name", net(inits=[w, w])
    m = net()
    m.graph.input.extend([helper.make_tensor_value_info("x", TensorProto.FLOAT, X)])  # 'x' listed twice
    yield "duplicate_input", m


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for name, m in models():
        with open(os.path.join(a.out_dir, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
