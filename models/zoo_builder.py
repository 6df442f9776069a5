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
        self._renamed = {}  # tensors renamed to graph outputs by output()

    # ---- plumbing -------------------------------------------------------------------------
    def _node_name(self, op):
        name = f"{op}_{self._index}"
        self._index += 1
        return name

    def node(self, op, inputs, out_shape, **attrs):
        inputs = [self._renamed.get(t, t) for t in inputs]
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
        """Route `tensor` to a graph output called `name` by renaming the producing node's output (and
        the inputs of nodes that already consume it; later uses of `tensor` are renamed by node())."""
        last = next(n for n in reversed(self.nodes) if tensor in n.output)
        last.output[list(last.output).index(tensor)] = name
        for n in self.nodes:
            for i, t in enumerate(n.input):
                if t == tensor:
                    n.input[i] = name
        self._renamed[tensor] = name
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
    def conv_params(self, name, cin, cout, k, group=1, bias=True, gain=1.0):
        """Create the weight (and bias) initialisers `<name>.weight` / `<name>.bias` of a conv; pass the
        returned names to `conv(params=...)` to share them between several Conv nodes."""
        fan_in = cin // group * k * k
        params = [self.init(f"{name}.weight", self.he_normal((cout, cin // group, k, k), fan_in, gain))]
        if bias:
            params.append(self.init(f"{name}.bias", self.small((cout,), 0.1)))
        return params

    def conv(self, x, cout, k, stride=1, pad=0, bias=True, gain=1.0, group=1, pads=None, params=None):
        """`pads` = (top, left, bottom, right) overrides the symmetric `pad` (TF 'SAME' exports are
        asymmetric); `params` reuses initialisers from `conv_params` (cout, k, bias then follow them)."""
        n, cin, h, w = self.shapes[x]
        pads = [pad] * 4 if pads is None else list(pads)
        if params is None:
            params = self.conv_params(f"Conv_{self._index}", cin, cout, k, group, bias, gain)
        cout, cin_g, k, _ = self.shapes[params[0]]
        if cin_g * group != cin:
            raise ValueError(f"{params[0]}: {cin_g} input channels per group x {group} groups != input {cin}")
        oh = (h + pads[0] + pads[2] - k) // stride + 1
        ow = (w + pads[1] + pads[3] - k) // stride + 1
        self.macs += n * cout * oh * ow * cin_g * k * k
        return self.node("Conv", [x] + params, (n, cout, oh, ow), kernel_shape=[k, k], strides=[stride, stride],
                         pads=pads, dilations=[1, 1], group=group)

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

    def shared_init(self, name, array):
        """An initialiser created on first use and reused by name afterwards (Clip bounds, Resize scales)."""
        return name if name in self.shapes else self.init(name, array)

    def relu(self, x):
        return self.node("Relu", [x], self.shapes[x])

    def clip(self, x, lo, hi):
        """Clip with constant bounds, e.g. ReLU6 = clip(x, 0, 6) as TF exporters write it."""
        lo_name = self.shared_init(f"clip_min_{lo:g}", np.array(lo, dtype=np.float32))
        hi_name = self.shared_init(f"clip_max_{hi:g}", np.array(hi, dtype=np.float32))
        return self.node("Clip", [x, lo_name, hi_name], self.shapes[x])

    def sigmoid(self, x):
        return self.node("Sigmoid", [x], self.shapes[x])

    def mul(self, a, b):
        return self.node("Mul", [a, b], self.shapes[a])

    def silu(self, x):
        """SiLU as PyTorch exports it for opset 13: Mul(x, Sigmoid(x))."""
        return self.mul(x, self.sigmoid(x))

    def concat(self, xs, axis=1):
        shape = list(self.shapes[xs[0]])
        shape[axis] = sum(self.shapes[t][axis] for t in xs)
        return self.node("Concat", list(xs), shape, axis=axis)

    def resize_nearest(self, x, scale):
        """Nearest upsampling by an integer factor with constant scales (PyTorch's F.interpolate export:
        asymmetric coordinates, floor rounding; the mode the DLA supports)."""
        n, c, h, w = self.shapes[x]
        scales = self.shared_init(f"resize_scales_{scale}", np.array([1, 1, scale, scale], dtype=np.float32))
        return self.node("Resize", [x, "", scales], (n, c, h * scale, w * scale), mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor")

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


def sparsify_2_4(model, min_channels=64):
    """2:4 structured sparsity as `trtexec --sparsity=force` applies it on the DLA: in every Conv weight
    with more than `min_channels` input channels per kernel (dim 1 of K x C/group x R x S), keep the two
    largest-magnitude weights of each group of 4 consecutive input channels (per output channel and
    kernel position) and zero the other two. Grouped/depthwise convs have C/group <= 64 here and stay
    dense. Returns a new model; everything else is unchanged. Works on any model whose Conv weights are
    initialisers (shared initialisers are pruned once)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    inits = {t.name: t for t in out.graph.initializer}
    pruned = set()
    for node in out.graph.node:
        if node.op_type != "Conv" or node.input[1] in pruned:
            continue
        t = inits.get(node.input[1])
        if t is None:
            raise ValueError(f"node '{node.name}': weight '{node.input[1]}' is not an initializer; "
                             "cannot prune a computed weight")
        w = numpy_helper.to_array(t)
        k, c, r, s = w.shape
        if c <= min_channels:
            continue
        if c % 4:
            raise ValueError(f"node '{node.name}': {c} input channels per kernel, 2:4 needs a multiple of 4")
        groups = w.reshape(k, c // 4, 4, r, s).copy()
        drop = np.argsort(np.abs(groups), axis=2, kind="stable")[:, :, :2]  # the two smallest of each 4
        np.put_along_axis(groups, drop, 0.0, axis=2)
        t.CopyFrom(numpy_helper.from_array(groups.reshape(w.shape), t.name))
        pruned.add(t.name)
    onnx.checker.check_model(out)
    return out


def save(model, path):
    """Write atomically so an interrupted build never leaves a truncated model behind."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, path)


def main(build, default_name, batch=None):
    """Command line of every generator: `<gen>.py [--out FILE] [--sparse-out FILE] [--batch N]`; prints
    shapes and MACs. `--batch` exists when the generator passes a default `batch` (build(batch=N));
    `--sparse-out` also writes sparsify_2_4() of the same model."""
    ap = argparse.ArgumentParser(description=f"generate {default_name}")
    ap.add_argument("--out", default=default_name, help="output .onnx path")
    ap.add_argument("--sparse-out", help="also write the 2:4 structured-sparse variant here")
    if batch is not None:
        ap.add_argument("--batch", type=int, default=batch, help=f"batch size (default {batch})")
    args = ap.parse_args()
    model, macs = build(batch=args.batch) if batch is not None else build()
    save(model, args.out)
    g = model.graph

    def dims(v):
        return "x".join(str(d.dim_value) for d in v.type.tensor_type.shape.dim)

    ins = ", ".join(f"{v.name} {dims(v)}" for v in g.input)
    outs = ", ".join(f"{v.name} {dims(v)}" for v in g.output)
    sys.stdout.write(f"{args.out}: inputs {ins}; outputs {outs}; {len(g.node)} nodes; {macs} MACs\n")
    if args.sparse_out:
        save(sparsify_2_4(model), args.sparse_out)
        sys.stdout.write(f"{args.sparse_out}: 2:4 sparse variant\n")
