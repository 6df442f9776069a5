#!/usr/bin/python3
"""Writes small networks for the importer features of issue 4 that no zoo network exercises (docs/
compiler-tests.md) into --out-dir; tests/system/audit.cmake compiles each for Orin and checks the
functional run bit for bit against the INT8 reference and within a bound of the FP32 reference, so a
wrong fold (a transposed weight, a lost alpha) shows up as a numeric error:

  transpose_const  Conv weights stored K-last (kh, kw, C, K) and transposed by a Transpose node
  cast_const       Conv weights stored FLOAT16 and Cast to FLOAT
  matmul           MatMul of an N x C activation by a constant C x K matrix (an FC layer)
  gemm_alpha_beta  Gemm with transB, alpha 2 and beta 0.5 (scaled into the weights and the bias)
  global_max_pool  Conv then GlobalMaxPool over 20 x 20 (split into PDP stages of at most 8)
  opset7           Conv + BatchNormalization-7 (spatial attribute) + Relu + MaxPool + Flatten + Gemm at
                   opset 7, the oldest opset the importer takes
  conv_shapes      grouped (2), dilated (2) Conv with asymmetric pads (top 0, left 1, bottom 2, right 1)
  pool_modes       MaxPool with ceil_mode and AveragePool with padding counted (count_include_pad 1)
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto as TP
from onnx import helper
from onnx import numpy_helper as nh


def rnd(shape, seed, scale=None):
    rng = np.random.default_rng(seed)
    fan = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    return (rng.standard_normal(shape) * (scale if scale else 1 / np.sqrt(fan))).astype(np.float32)


def model(name, nodes, inits, x_shape, y_shape, opset=17):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TP.FLOAT, x_shape)],
                          [helper.make_tensor_value_info("y", TP.FLOAT, y_shape)], initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def transpose_const():
    w = rnd((6, 4, 3, 3), 1)
    stored = np.ascontiguousarray(w.transpose(2, 3, 1, 0))  # kh, kw, C, K
    return model("transpose_const", [
        helper.make_node("Transpose", ["w_khwck"], ["w"], name="transpose", perm=[3, 2, 0, 1]),
        helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1]),
    ], [nh.from_array(stored, "w_khwck")], [1, 4, 8, 8], [1, 6, 8, 8])


def cast_const():
    w16 = rnd((6, 4, 3, 3), 2).astype(np.float16)
    return model("cast_const", [
        helper.make_node("Cast", ["w16"], ["w"], name="cast", to=TP.FLOAT),
        helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1]),
    ], [nh.from_array(w16, "w16")], [1, 4, 8, 8], [1, 6, 8, 8])


def matmul():
    b = rnd((16, 8), 3, scale=0.25)
    return model("matmul", [helper.make_node("MatMul", ["x", "b"], ["y"], name="matmul")],
                 [nh.from_array(b, "b")], [2, 16], [2, 8])


def gemm_alpha_beta():
    w, c = rnd((8, 16), 4, scale=0.08), rnd((8,), 5, scale=2.0)  # the bias sets the range: no clipping
    return model("gemm_alpha_beta", [
        helper.make_node("Gemm", ["x", "w", "c"], ["y"], name="gemm", transB=1, alpha=2.0, beta=0.5),
    ], [nh.from_array(w, "w"), nh.from_array(c, "c")], [2, 16], [2, 8])


def global_max_pool():
    return model("global_max_pool", [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("GlobalMaxPool", ["c"], ["y"], name="gmp"),
    ], [nh.from_array(rnd((8, 4, 3, 3), 6), "w")], [1, 4, 20, 20], [1, 8, 1, 1])


def opset7():
    rng = np.random.default_rng(7)
    bn = [nh.from_array((1 + 0.2 * rng.standard_normal(8)).astype(np.float32), "gamma"),
          nh.from_array((0.1 * rng.standard_normal(8)).astype(np.float32), "beta"),
          nh.from_array((0.1 * rng.standard_normal(8)).astype(np.float32), "mean"),
          nh.from_array((1 + 0.1 * rng.random(8)).astype(np.float32), "var")]
    return model("opset7", [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["b"], name="bn",
                         spatial=1, epsilon=1e-5),
        helper.make_node("Relu", ["b"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
    ], [nh.from_array(rnd((8, 3, 3, 3), 8), "w"), nh.from_array(rnd((10, 128), 9), "fc_w"),
        nh.from_array(rnd((10,), 10, scale=0.1), "fc_b")] + bn, [1, 3, 8, 8], [1, 10], opset=7)


def conv_shapes():
    # H: 12 + 0 + 2 - ((3 - 1) * 2 + 1) + 1 = 10; W: 12 + 1 + 1 - 5 + 1 = 10
    return model("conv_shapes", [
        helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", group=2, dilations=[2, 2],
                         pads=[0, 1, 2, 1], kernel_shape=[3, 3]),
    ], [nh.from_array(rnd((8, 4, 3, 3), 11), "w"), nh.from_array(rnd((8,), 12, scale=0.1), "b")],
        [1, 8, 12, 12], [1, 8, 10, 10])


def pool_modes():
    # MaxPool 3x3 s2 ceil_mode on 9x9: ceil((9 - 3) / 2) + 1 = 4; AveragePool 3x3 s1 pad 1 counting the
    # padding: 4 x 4.
    return model("pool_modes", [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["c"], ["m"], name="maxpool", kernel_shape=[3, 3], strides=[2, 2],
                         ceil_mode=1),
        helper.make_node("AveragePool", ["m"], ["y"], name="avgpool", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         count_include_pad=1),
    ], [nh.from_array(rnd((8, 4, 3, 3), 13), "w")], [1, 4, 9, 9], [1, 8, 4, 4])


MODELS = [transpose_const, cast_const, matmul, gemm_alpha_beta, global_max_pool, opset7, conv_shapes, pool_modes]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for make in MODELS:
        onnx.save(make(), os.path.join(a.out_dir, "import_%s.onnx" % make.__name__))


if __name__ == "__main__":
    main()
