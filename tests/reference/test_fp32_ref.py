#!/usr/bin/python3
"""Self-test of the FP32 ONNX reference against computations written differently: the generated
tiny_cnn.onnx recomputed layer by layer with explicit loops, plus small one-op models (grouped/dilated
conv, padded pooling, the GroupNorm export chain, shape-computation chains) against direct formulas.
Usage: test_fp32_ref.py [MODELS_DIR] (the build tree's models/, holding tiny_cnn.onnx)."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fp32_ref  # noqa: E402

MODELS_DIR = os.environ.get("DLASIM_MODELS_DIR", "")


def naive_conv(x, w, b, stride, pad, dil=1, groups=1):
    n, c, h, wd = x.shape
    k, cg, kh, kw = w.shape
    oh = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, k, oh, ow))
    kpg = k // groups
    for i in range(n):
        for o in range(k):
            g = o // kpg
            for y in range(oh):
                for xx in range(ow):
                    acc = 0.0 if b is None else float(b[o])
                    for ci in range(cg):
                        for r in range(kh):
                            for s in range(kw):
                                iy, ix = y * stride - pad + r * dil, xx * stride - pad + s * dil
                                if 0 <= iy < h and 0 <= ix < wd:
                                    acc += float(x[i, g * cg + ci, iy, ix]) * float(w[o, ci, r, s])
                    out[i, o, y, xx] = acc
    return out


def one_node_model(op, inputs, out_shape, inits=(), **attrs):
    """A model of one node; inputs: [(name, shape)] graph inputs; inits: [(name, array)]."""
    node = helper.make_node(op, [n for n, _ in inputs] + [n for n, _ in inits], ["y"], name="n0", **attrs)
    graph = helper.make_graph([node], "t", [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
                              [numpy_helper.from_array(a, n) for n, a in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


class TinyCnnTest(unittest.TestCase):
    def test_tiny_cnn_cli_matches_layer_by_layer_loops(self):
        path = os.path.join(MODELS_DIR, "tiny_cnn.onnx")
        self.assertTrue(os.path.exists(path), f"{path} missing: build the 'zoo' target first")
        model = onnx.load(path)
        init = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
        convs = [n for n in model.graph.node if n.op_type == "Conv"]
        gemm = next(n for n in model.graph.node if n.op_type == "Gemm")
        x = np.random.default_rng(21).uniform(-1, 1, (1, 3, 12, 12)).astype(np.float32)

        # The generator's structure: conv3x3 p1 -> relu -> maxpool 2x2 -> conv1x1 -> relu -> mean -> fc.
        a = np.maximum(naive_conv(x, init[convs[0].input[1]], init[convs[0].input[2]], 1, 1), 0)
        a = a.reshape(1, 13, 6, 2, 6, 2).max(axis=(3, 5))
        a = np.maximum(np.einsum("nchw,kc->nkhw", a, init[convs[1].input[1]][:, :, 0, 0])
                       + init[convs[1].input[2]][None, :, None, None], 0)
        feat = np.array([[a[0, c].sum() / 36.0 for c in range(40)]])
        want = np.array([[sum(feat[0, c] * init[gemm.input[1]][o, c] for c in range(40)) + init[gemm.input[2]][o]
                          for o in range(10)]])

        with tempfile.TemporaryDirectory() as tmp:
            np.save(os.path.join(tmp, "x.npy"), x)
            subprocess.run([sys.executable, "-B", os.path.join(HERE, "fp32_ref.py"), path, "--input",
                            f"input={os.path.join(tmp, 'x.npy')}", "--out-dir", tmp], check=True)
            got = np.load(os.path.join(tmp, "output.npy"))
        self.assertEqual(got.shape, (1, 10))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


class OpTest(unittest.TestCase):
    rng = np.random.default_rng(22)

    def run_model(self, model, **inputs):
        return fp32_ref.execute(model, inputs)["y"]

    def test_grouped_dilated_conv_matches_loops(self):
        x = self.rng.uniform(-1, 1, (2, 6, 9, 8)).astype(np.float32)
        w = self.rng.uniform(-1, 1, (4, 3, 3, 3)).astype(np.float32)
        b = self.rng.uniform(-1, 1, 4).astype(np.float32)
        m = one_node_model("Conv", [("x", x.shape)], [2, 4, 4, 3], [("w", w), ("b", b)], group=2, strides=[2, 2],
                           pads=[2, 2, 2, 2], dilations=[2, 2], kernel_shape=[3, 3])
        np.testing.assert_allclose(self.run_model(m, x=x), naive_conv(x, w, b, 2, 2, 2, 2), rtol=1e-5, atol=1e-5)

    def test_average_pool_counts_pads_only_when_asked(self):
        x = self.rng.uniform(-1, 1, (1, 2, 5, 5)).astype(np.float32)
        for include in (0, 1):
            m = one_node_model("AveragePool", [("x", x.shape)], [1, 2, 3, 3], kernel_shape=[3, 3], strides=[2, 2],
                               pads=[1, 1, 1, 1], count_include_pad=include)
            got = self.run_model(m, x=x)
            # Output (0,0) covers rows/cols -1..1: 4 real elements, 9 with pads; (1,1) covers 1..3 (all real).
            self.assertAlmostEqual(float(got[0, 0, 0, 0]), float(x[0, 0, :2, :2].sum()) / (9 if include else 4), 5)
            self.assertAlmostEqual(float(got[0, 1, 1, 1]), float(x[0, 1, 1:4, 1:4].mean()), 5)

    def test_max_pool_ignores_padding(self):
        x = -np.abs(self.rng.uniform(0.1, 1, (1, 1, 4, 4))).astype(np.float32)  # all negative: pads must not win
        m = one_node_model("MaxPool", [("x", x.shape)], [1, 1, 2, 2], kernel_shape=[3, 3], strides=[2, 2],
                           pads=[1, 1, 1, 1])
        got = self.run_model(m, x=x)
        self.assertEqual(float(got[0, 0, 0, 0]), float(x[0, 0, :2, :2].max()))
        self.assertEqual(float(got[0, 0, 1, 1]), float(x[0, 0, 1:4, 1:4].max()))

    def test_groupnorm_export_chain_equals_group_normalisation(self):
        sys.path.insert(0, os.path.join(HERE, "..", "..", "models"))
        import zoo_builder
        b = zoo_builder.GraphBuilder("gn", seed=3)
        xin = b.input("x", (2, 16, 3, 3))
        b.output(b.groupnorm(xin, 4), "y")
        model = b.model()
        init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        gamma = next(v for k, v in init.items() if k.endswith(".weight")).reshape(16)
        beta = next(v for k, v in init.items() if k.endswith(".bias")).reshape(16)
        x = self.rng.uniform(-2, 2, (2, 16, 3, 3)).astype(np.float32)
        want = np.empty_like(x, dtype=np.float64)
        for n in range(2):
            for g in range(4):
                grp = x[n, 4 * g:4 * g + 4].astype(np.float64)
                want[n, 4 * g:4 * g + 4] = (grp - grp.mean()) / np.sqrt(grp.var() + 1e-5)
        want = want * gamma[None, :, None, None] + beta[None, :, None, None]
        np.testing.assert_allclose(self.run_model(model, x=x), want, rtol=1e-4, atol=1e-5)

    def test_shape_gather_concat_reshape_chain_flattens(self):
        # y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])) == x.reshape(N, -1), with Unsqueeze (opset 13 input).
        nodes = [helper.make_node("Shape", ["x"], ["s"]),
                 helper.make_node("Constant", [], ["i0"], value=numpy_helper.from_array(np.array(0, np.int64))),
                 helper.make_node("Gather", ["s", "i0"], ["n"], axis=0),
                 helper.make_node("Constant", [], ["ax"], value=numpy_helper.from_array(np.array([0], np.int64))),
                 helper.make_node("Unsqueeze", ["n", "ax"], ["n1"]),
                 helper.make_node("Constant", [], ["m1"], value=numpy_helper.from_array(np.array([-1], np.int64))),
                 helper.make_node("Concat", ["n1", "m1"], ["shape"], axis=0),
                 helper.make_node("Cast", ["shape"], ["shape64"], to=TensorProto.INT64),
                 helper.make_node("Reshape", ["x", "shape64"], ["r"]),
                 helper.make_node("ReduceMean", ["r"], ["y"], axes=[1], keepdims=0)]
        graph = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2, 4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        x = self.rng.uniform(-1, 1, (3, 2, 4)).astype(np.float32)
        np.testing.assert_allclose(self.run_model(model, x=x), x.reshape(3, 8).mean(axis=1), rtol=1e-6)

    def test_conv_transpose_output_padding_adds_bias_only_rows(self):
        # x 1x1x2x2 = [[1, 2], [3, 4]], w 1x1x2x2 all 1, stride 2, output_padding 1, bias 0.5: every input
        # pixel fills its own 2x2 block (kernel == stride), the 5th row / column gets no tap: bias only.
        x = np.array([[[[1, 2], [3, 4]]]], np.float32)
        m = one_node_model("ConvTranspose", [("x", x.shape)], [1, 1, 5, 5],
                           [("w", np.ones((1, 1, 2, 2), np.float32)), ("b", np.array([0.5], np.float32))],
                           strides=[2, 2], output_padding=[1, 1])
        want = np.full((5, 5), 0.5)
        want[:4, :4] += np.kron(x[0, 0], np.ones((2, 2)))
        np.testing.assert_allclose(self.run_model(m, x=x)[0, 0], want)

    def test_conv_transpose_pads_crop_the_full_output(self):
        # x [1, 2] (1x1x1x2), w [1, 10, 100] (1x3), stride 2: full row = [1, 10, 100 + 2, 20, 200]; pads 1 / 1
        # (left / right) crop it to [10, 102, 20].
        x = np.array([[[[1, 2]]]], np.float32)
        m = one_node_model("ConvTranspose", [("x", x.shape)], [1, 1, 1, 3],
                           [("w", np.array([[[[1, 10, 100]]]], np.float32))], strides=[1, 2], pads=[0, 1, 0, 1])
        np.testing.assert_allclose(self.run_model(m, x=x)[0, 0, 0], [10, 102, 20])

    def test_linear_resize_clamps_to_the_border(self):
        # x = [0, 4] (one row), x2 on W. half_pixel: coordinates -0.25, 0.25, 0.75, 1.25 -> clamped
        # 0, 0.25, 0.75, 1 -> [0, 1, 3, 4]; asymmetric: 0, 0.5, 1, 1.5 -> clamped 1 -> [0, 2, 4, 4].
        x = np.array([[[[0, 4]]]], np.float32)
        for ctm, want in (("half_pixel", [0, 1, 3, 4]), ("asymmetric", [0, 2, 4, 4])):
            m = one_node_model("Resize", [("x", x.shape)], [1, 1, 1, 4],
                               [("roi", np.zeros(0, np.float32)), ("scales", np.array([1, 1, 1, 2], np.float32))],
                               mode="linear", coordinate_transformation_mode=ctm)
            np.testing.assert_allclose(self.run_model(m, x=x)[0, 0, 0], want, err_msg=ctm)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        MODELS_DIR = sys.argv.pop(1)
    unittest.main()
