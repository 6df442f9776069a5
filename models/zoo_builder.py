"""Shared helper for the model-zoo generators: builds an ONNX graph node by node with deterministic
synthetic weights (fixed seed, float32) and node names in the legacy PyTorch style (<Op>_<index>).
Every generator is `build() -> onnx.ModelProto`; `main()` writes it and prints shapes and MACs."""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


class GraphBuilder:
    """Tracks tensor shapes (NCHW) so each helper can size its weights and count MACs."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.outputs = []
        self.shapes = {}
        self.macs = 0
        self._index = 0

    # ---- plumbing -------------------------------------------------------------------------
    def _node_name(self, op):
        name = f"{op}_{self._index}"
        self._index += 1
        return name

    def node(self, op, inputs, out_shape, **attrs):
        name = self._node_name(op)
        out = f"{name}_out"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        self.shapes[out] = tuple(out_shape)
        return out

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        self.shapes[name] = tuple(array.shape)
        return name

    def input(self, name, shape):
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
        self.shapes[name] = tuple(shape)
        return name

    def output(self, tensor, name):
        """Route `tensor` to a graph output called `name` by renaming the producing node's output."""
        last = next(n for n in reversed(self.nodes) if tensor in n.output)
        last.output[list(last.output).index(tensor)] = name
        self.shapes[name] = self.shapes[tensor]
        self.outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(self.shapes[name])))
        return name

    def model(self):
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        m = helper.make_model(graph, producer_name="dlasim-models", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = 7  # opset 13 era; keeps the files readable by older runtimes
        onnx.checker.check_model(m)
        return m

    # ---- weights --------------------------------------------------------------------------
    def he_normal(self, shape, fan_in, gain=1.0):
        return (self.rng.standard_normal(shape) * gain * np.sqrt(2.0 / fan_in)).astype(np.float32)

    def small(self, shape, amplitude):
        return self.rng.uniform(-amplitude, amplitude, shape).astype(np.float32)

    # ---- layers ---------------------------------------------------------------------------
    def conv(self, x, cout, k, stride=1, pad=0, bias=True, gain=1.0, group=1):
        n, cin, h, w = self.shapes[x]
        oh = (h + 2 * pad - k) // stride + 1
        ow = (w + 2 * pad - k) // stride + 1
        name = f"Conv_{self._index}"
        fan_in = cin // group * k * k
        ins = [x, self.init(f"{name}.weight", self.he_normal((cout, cin // group, k, k), fan_in, gain))]
        if bias:
            ins.append(self.init(f"{name}.bias", self.small((cout,), 0.1)))
        self.macs += n * cout * oh * ow * fan_in
        return self.node("Conv", ins, (n, cout, oh, ow), kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pad] * 4, dilations=[1, 1], group=group)

    def batchnorm(self, x, gamma=1.0):
        """Inference BN with synthetic running statistics; `gamma` scales the affine weight (a small
        gamma on the last BN of a residual branch keeps activations bounded through deep nets)."""
        c = self.shapes[x][1]
        name = f"BatchNormalization_{self._index}"
        scale = (gamma * self.rng.uniform(0.8, 1.2, c)).astype(np.float32)
        bias = self.small((c,), 0.1)
        mean = self.small((c,), 0.1)
        var = self.rng.uniform(0.8, 1.2, c).astype(np.float32)
        ins = [x] + [self.init(f"{name}.{p}", a) for p, a in
                     (("scale", scale), ("bias", bias), ("mean", mean), ("var", var))]
        return self.node("BatchNormalization", ins, self.shapes[x], epsilon=1e-5)

    def groupnorm(self, x, groups):
        """GroupNorm as PyTorch exports it for opsets 13-17: Reshape to (N, G, -1), InstanceNormalization
        with unit scale / zero bias, Reshape back to the input's Shape, Mul by gamma, Add beta."""
        n, c, h, w = self.shapes[x]
        idx = self._index
        target = self.const(np.array([0, groups, -1], dtype=np.int64))
        r = self.node("Reshape", [x, target], (n, groups, c // groups * h * w))
        ones = self.const(np.ones(groups, dtype=np.float32))
        zeros = self.const(np.zeros(groups, dtype=np.float32))
        inorm = self.node("InstanceNormalization", [r, ones, zeros], self.shapes[r], epsilon=1e-5)
        shape = self.node("Shape", [x], (4,))
        back = self.node("Reshape", [inorm, shape], (n, c, h, w))
        gamma = self.init(f"GroupNorm_{idx}.weight", self.rng.uniform(0.8, 1.2, (c, 1, 1)).astype(np.float32))
        beta = self.init(f"GroupNorm_{idx}.bias", self.small((c, 1, 1), 0.1))
        return self.node("Add", [self.node("Mul", [back, gamma], (n, c, h, w)), beta], (n, c, h, w))

    def const(self, array):
        name = self._node_name("Constant")
        out = f"{name}_out"
        self.nodes.append(helper.make_node("Constant", [], [out], name=name,
                                           value=numpy_helper.from_array(array, f"{name}.value")))
        self.shapes[out] = tuple(array.shape)
        return out

    def relu(self, x):
        return self.node("Relu", [x], self.shapes[x])

    def add(self, a, b):
        return self.node("Add", [a, b], self.shapes[a])

    def pool(self, op, x, k, stride, pad=0):
        n, c, h, w = self.shapes[x]
        oh = (h + 2 * pad - k) // stride + 1
        ow = (w + 2 * pad - k) // stride + 1
        return self.node(op, [x], (n, c, oh, ow), kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)

    def global_avg_pool(self, x):
        n, c, _, _ = self.shapes[x]
        return self.node("GlobalAveragePool", [x], (n, c, 1, 1))

    def flatten(self, x):
        n = self.shapes[x][0]
        return self.node("Flatten", [x], (n, int(np.prod(self.shapes[x][1:]))), axis=1)

    def gemm(self, x, out_features):
        n, cin = self.shapes[x]
        name = f"Gemm_{self._index}"
        w = self.init(f"{name}.weight", self.he_normal((out_features, cin), cin, 0.5))
        b = self.init(f"{name}.bias", self.small((out_features,), 0.1))
        self.macs += n * out_features * cin
        return self.node("Gemm", [x, w, b], (n, out_features), alpha=1.0, beta=1.0, transB=1)


def main(build, default_name):
    """Command line of every generator: `<gen>.py [--out FILE]`; prints shapes and MACs."""
    ap = argparse.ArgumentParser(description=f"generate {default_name}")
    ap.add_argument("--out", default=default_name, help="output .onnx path")
    args = ap.parse_args()
    model, macs = build()
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, args.out)
    g = model.graph

    def dims(v):
        return "x".join(str(d.dim_value) for d in v.type.tensor_type.shape.dim)

    ins = ", ".join(f"{v.name} {dims(v)}" for v in g.input)
    outs = ", ".join(f"{v.name} {dims(v)}" for v in g.output)
    sys.stdout.write(f"{args.out}: inputs {ins}; outputs {outs}; {len(g.node)} nodes; {macs} MACs\n")
