#!/usr/bin/python3
"""Writes one small network per tiling strategy of sw/compiler/tiling.c into --out-dir, each sized so the
strategy is forced on its target (tests/system/audit.cmake asserts the strategy from the compile report
and runs the functional bit-exact check). CBUF arithmetic for nv_small (configs/nv_small.json: 32 banks
x 512 entries x 8 B; atom 8 B, so an INT8 row of C channels and W pixels takes ceil(C/8) * W entries;
8 kernels per group; weights in whole 4096 B banks):

  full      8x16x16 in, 8 3x3 kernels: data 256 entries (1 bank) + weights 576 B (1 bank).
  pingpong  64x40x40 in, 64 3x3 kernels: data 8*40*40 = 12800 entries = 25 banks; all weights
            64*64*9 = 36864 B = 9 banks (25 + 9 > 32); two groups 2*8*64*9 = 9216 B = 3 banks (28 <= 32).
  onegroup  64x40x48 in, same kernels: data 8*48*40 = 15360 entries = 30 banks; 30 + 3 > 32; one
            group 4608 B = 2 banks (32 <= 32).
  partial_h 8x160x128 in, 8 3x3 kernels: data 128*160 = 20480 entries = 40 banks > 31, so the layer
            is split along H with 2 overlapping input rows (3x3, stride 1).
  depthwise 16x12x12 in, 3x3 depthwise (groups 16): channel slices of at most one kernel group.
  image     3x16x16 network input read only by the first conv: INT8 packed pixels (image input).
  batch     (orin-agx-64gb, max_batch 32) 4x16x4x4 in, Flatten + Gemm to 32: an FC-like layer, run as
            one NVDLA batch op for the 4 images.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_net(name, in_shape, k, kh=3, pad=1, groups=1, relu=True, seed=1):
    rng = np.random.default_rng(seed)
    c = in_shape[1]
    w = (rng.standard_normal((k, c // groups, kh, kh)) / np.sqrt(c // groups * kh * kh)).astype(np.float32)
    b = (0.1 * rng.standard_normal(k)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c" if relu else "y"], name="conv",
                              kernel_shape=[kh, kh], pads=[pad] * 4, group=groups)]
    if relu:
        nodes.append(helper.make_node("Relu", ["c"], ["y"], name="relu"))
    oh = in_shape[2] + 2 * pad - kh + 1
    ow = in_shape[3] + 2 * pad - kh + 1
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [in_shape[0], k, oh, ow])],
                          initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def fc_net(name, in_shape, k, seed=7):
    rng = np.random.default_rng(seed)
    n_in = int(np.prod(in_shape[1:]))
    w = (rng.standard_normal((k, n_in)) / np.sqrt(n_in)).astype(np.float32)
    b = (0.1 * rng.standard_normal(k)).astype(np.float32)
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="flatten", axis=1),
             helper.make_node("Gemm", ["f", "w", "b"], ["y"], name="fc", transB=1)]
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [in_shape[0], k])],
                          initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


MODELS = {
    "full": lambda: conv_net("tiling_full", [1, 8, 16, 16], 8),
    "pingpong": lambda: conv_net("tiling_pingpong", [1, 64, 40, 40], 64),
    "onegroup": lambda: conv_net("tiling_onegroup", [1, 64, 40, 48], 64),
    "partial_h": lambda: conv_net("tiling_partial_h", [1, 8, 160, 128], 8),
    "depthwise": lambda: conv_net("tiling_depthwise", [1, 16, 12, 12], 16, groups=16),
    "image": lambda: conv_net("tiling_image", [1, 3, 16, 16], 8),
    "batch": lambda: fc_net("tiling_batch", [4, 16, 4, 4], 32),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for name, make in MODELS.items():
        onnx.save(make(), os.path.join(a.out_dir, "tiling_%s.onnx" % name))


if __name__ == "__main__":
    main()
