#!/usr/bin/python3
"""FP32 numpy executor of an ONNX model (the ops of the zoo and ../shared/models), independent of the
compiler: evaluates nodes in graph order from the ONNX protobuf. Reads .onnx or .onnx.gz.
Usage: fp32_ref.py MODEL.onnx --input NAME=in.npy ... --out-dir DIR"""

import argparse
import gzip
import os
import sys

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refutil  # noqa: E402


class Fp32Error(Exception):
    pass


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pads2d(a, nd=2):
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise Fp32Error(f"auto_pad {a['auto_pad']} not supported (export with explicit pads)")
    pads = list(a.get("pads", [0] * 2 * nd))
    return pads[:nd], pads[nd:]  # begins (top, left), ends (bottom, right)


def _windows(x, kernel, strides, dilations, begins, ends, pad_value, out_hw):
    """(N, C, H, W) -> (N, C, kh, kw, OH, OW) windows, out-of-range positions = pad_value."""
    n, c, h, w = x.shape
    (kh, kw), (sy, sx), (dy, dx) = kernel, strides, dilations
    oh, ow = out_hw
    eh = max((oh - 1) * sy + (kh - 1) * dy + 1, begins[0] + h)
    ew = max((ow - 1) * sx + (kw - 1) * dx + 1, begins[1] + w)
    xp = np.full((n, c, eh, ew), pad_value, dtype=x.dtype)
    xp[:, :, begins[0]:begins[0] + h, begins[1]:begins[1] + w] = x
    out = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for r in range(kh):
        for s in range(kw):
            out[:, :, r, s] = xp[:, :, r * dy:r * dy + (oh - 1) * sy + 1:sy, s * dx:s * dx + (ow - 1) * sx + 1:sx]
    return out


def _out_size(size, k, s, d, b, e, ceil_mode=False):
    span = size + b + e - (k - 1) * d - 1
    return (-(-span // s) if ceil_mode else span // s) + 1


def conv(x, w, bias, a):
    n, c, h, wd = x.shape
    k, cg, kh, kw = w.shape
    g = a.get("group", 1)
    strides, dil = a.get("strides", [1, 1]), a.get("dilations", [1, 1])
    begins, ends = _pads2d(a)
    oh = _out_size(h, kh, strides[0], dil[0], begins[0], ends[0])
    ow = _out_size(wd, kw, strides[1], dil[1], begins[1], ends[1])
    win = _windows(x, (kh, kw), strides, dil, begins, ends, 0.0, (oh, ow))  # N, C, kh, kw, OH, OW
    cols = win.reshape(n, g, cg * kh * kw, oh * ow)
    y = np.matmul(w.reshape(g, k // g, cg * kh * kw)[None], cols)  # N, G, K/G, OH*OW
    y = y.reshape(n, k, oh, ow)
    if bias is not None:
        y = y + bias.reshape(1, k, 1, 1)
    return y.astype(x.dtype)


def pool(x, a, kind):
    kh, kw = a["kernel_shape"]
    strides, dil = a.get("strides", [1, 1]), a.get("dilations", [1, 1])
    begins, ends = _pads2d(a)
    ceil = bool(a.get("ceil_mode", 0))
    oh = _out_size(x.shape[2], kh, strides[0], dil[0], begins[0], ends[0], ceil)
    ow = _out_size(x.shape[3], kw, strides[1], dil[1], begins[1], ends[1], ceil)
    if kind == "max":
        return _windows(x, (kh, kw), strides, dil, begins, ends, -np.inf, (oh, ow)).max(axis=(2, 3))
    total = _windows(x, (kh, kw), strides, dil, begins, ends, 0.0, (oh, ow)).sum(axis=(2, 3))
    if a.get("count_include_pad", 0):
        # ONNX counts the declared pads but not positions beyond them (ceil_mode overhang).
        inside = np.ones((1, 1) + (x.shape[2] + begins[0] + ends[0], x.shape[3] + begins[1] + ends[1]), x.dtype)
        count = _windows(inside, (kh, kw), strides, dil, (0, 0), (0, 0), 0.0, (oh, ow)).sum(axis=(2, 3))
    else:
        ones = np.ones((1, 1) + x.shape[2:], x.dtype)
        count = _windows(ones, (kh, kw), strides, dil, begins, ends, 0.0, (oh, ow)).sum(axis=(2, 3))
    return (total / count).astype(x.dtype)


def _axes(node, a, inputs, pos):
    """Axes from the attribute (older opsets) or the optional input `pos` (opset 13+)."""
    if len(inputs) > pos and inputs[pos] is not None:
        return [int(v) for v in inputs[pos]]
    return a.get("axes")


ONNX_TO_NUMPY = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
                 onnx.TensorProto.FLOAT16: np.float16, onnx.TensorProto.INT64: np.int64,
                 onnx.TensorProto.INT32: np.int32, onnx.TensorProto.INT8: np.int8, onnx.TensorProto.UINT8: np.uint8,
                 onnx.TensorProto.BOOL: np.bool_}


def run_node(node, ins, opset=13):
    op, a = node.op_type, _attrs(node)
    x = ins[0] if ins else None
    if op == "Conv":
        return conv(x, ins[1], ins[2] if len(ins) > 2 else None, a)
    if op == "BatchNormalization":
        scale, bias, mean, var = ins[1:5]
        sh = (1, -1) + (1,) * (x.ndim - 2)
        inv = scale / np.sqrt(var + np.float32(a.get("epsilon", 1e-5)))
        return ((x - mean.reshape(sh)) * inv.reshape(sh) + bias.reshape(sh)).astype(x.dtype)
    if op == "InstanceNormalization":
        axes = tuple(range(2, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        sh = (1, -1) + (1,) * (x.ndim - 2)
        y = (x - mean) / np.sqrt(var + np.float32(a.get("epsilon", 1e-5)))
        return (y * ins[1].reshape(sh) + ins[2].reshape(sh)).astype(x.dtype)
    if op == "Relu":
        return np.maximum(x, 0).astype(x.dtype)
    if op == "Sigmoid":  # in float64, so large |x| neither overflows exp nor loses the tail
        return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype)
    if op == "Tanh":
        return np.tanh(x.astype(np.float64)).astype(x.dtype)
    if op == "Softmax":  # opset >= 13: over one axis (default -1); before: x flattened to 2-D at axis (default 1)
        axis = a.get("axis", -1 if opset >= 13 else 1)
        axis = axis + x.ndim if axis < 0 else axis
        v = x.astype(np.float64)
        if opset < 13:
            v = v.reshape(int(np.prod(x.shape[:axis])), -1)
        v = np.exp(v - v.max(axis=axis if opset >= 13 else 1, keepdims=True))
        v = v / v.sum(axis=axis if opset >= 13 else 1, keepdims=True)
        return v.reshape(x.shape).astype(x.dtype)
    if op == "LRN":  # ONNX: x / (bias + alpha / size * sum of x^2 over channels c-(size-1)//2 .. c+ceil), float64
        size = int(a["size"])
        lo_n, hi_n = (size - 1) // 2, size - 1 - (size - 1) // 2
        x2 = x.astype(np.float64) ** 2
        pad = np.pad(x2, [(0, 0), (lo_n, hi_n)] + [(0, 0)] * (x.ndim - 2))
        sq = sum(pad[:, k:k + x.shape[1]] for k in range(size))
        d = (a.get("bias", 1.0) + a.get("alpha", 1e-4) / size * sq) ** a.get("beta", 0.75)
        return (x.astype(np.float64) / d).astype(x.dtype)
    if op == "LeakyRelu":  # ONNX: x if x >= 0 else alpha * x (alpha defaults to 0.01)
        return np.where(x < 0, x * np.float32(a.get("alpha", 0.01)), x).astype(x.dtype)
    if op == "PRelu":  # the slope broadcasts to x unidirectionally (numpy rules, trailing axes aligned)
        return np.where(x < 0, x * ins[1], x).astype(x.dtype)
    if op == "Abs":
        return np.abs(x)
    if op in ("Max", "Min"):  # variadic, numpy broadcasting
        f = np.maximum if op == "Max" else np.minimum
        y = ins[0]
        for q in ins[1:]:
            y = f(y, q)
        return y
    if op == "Clip":
        lo = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("min", -np.inf)
        hi = ins[2] if len(ins) > 2 and ins[2] is not None else a.get("max", np.inf)
        return np.clip(x, lo, hi).astype(x.dtype)
    if op in ("Add", "Sub", "Mul", "Div"):
        p, q = ins[0], ins[1]
        if op == "Div" and p.dtype.kind in "iu" and q.dtype.kind in "iu":
            return np.trunc(p / q).astype(np.result_type(p, q))  # ONNX integer division truncates
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op]
        return f(p, q).astype(np.result_type(p, q))
    if op == "MaxPool":
        return pool(x, a, "max")
    if op == "AveragePool":
        return pool(x, a, "avg")
    if op == "GlobalAveragePool":
        return x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)
    if op == "GlobalMaxPool":
        return x.max(axis=tuple(range(2, x.ndim)), keepdims=True)
    if op == "Transpose":
        return np.transpose(x, a.get("perm", list(range(x.ndim))[::-1]))
    if op == "ReduceMean":
        axes = _axes(node, a, ins, 1)
        return x.mean(axis=tuple(axes) if axes is not None else None, keepdims=bool(a.get("keepdims", 1)))
    if op == "Gemm":
        A = ins[0].T if a.get("transA", 0) else ins[0]
        B = ins[1].T if a.get("transB", 0) else ins[1]
        y = np.float32(a.get("alpha", 1.0)) * (A @ B)
        if len(ins) > 2 and ins[2] is not None:
            y = y + np.float32(a.get("beta", 1.0)) * ins[2]
        return y.astype(ins[0].dtype)
    if op == "MatMul":
        return np.matmul(ins[0], ins[1])
    if op == "Flatten":
        axis = a.get("axis", 1)
        axis = axis + x.ndim if axis < 0 else axis
        return x.reshape(int(np.prod(x.shape[:axis])), -1)
    if op == "Reshape":
        shape = [int(v) for v in ins[1]]
        if not a.get("allowzero", 0):
            shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
        return x.reshape(shape)
    if op == "Squeeze":
        axes = _axes(node, a, ins, 1)
        return np.squeeze(x, axis=tuple(axes)) if axes is not None else np.squeeze(x)
    if op == "Unsqueeze":
        axes = sorted(v % (x.ndim + len(_axes(node, a, ins, 1))) for v in _axes(node, a, ins, 1))
        for ax in axes:
            x = np.expand_dims(x, ax)
        return x
    if op == "Identity":
        return x
    if op == "Constant":
        if "value" in a:
            return numpy_helper.to_array(a["value"])
        for key, dt in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64),
                        ("value_ints", np.int64)):
            if key in a:
                return np.array(a[key], dtype=dt)
        raise Fp32Error(f"Constant '{node.name}': unsupported value attribute {list(a)}")
    if op == "Shape":
        return np.array(x.shape, dtype=np.int64)[a.get("start", 0):a.get("end", None)]
    if op == "Gather":
        return np.take(x, ins[1].astype(np.int64), axis=a.get("axis", 0))
    if op == "Concat":
        return np.concatenate(ins, axis=a["axis"])
    if op == "Slice":
        return slice_node(x, ins, a)
    if op == "Split":
        return split_node(node, x, ins, a)
    if op == "Cast":
        return x.astype(ONNX_TO_NUMPY[a["to"]])
    if op == "ConvTranspose":
        return conv_transpose(x, ins[1], ins[2] if len(ins) > 2 else None, a, node.name)
    if op in ("Resize", "Upsample"):
        mode = a.get("mode", b"nearest")
        if (mode.decode() if isinstance(mode, bytes) else mode) in ("linear", "bilinear"):
            return resize_linear(node, x, ins, a)
        return resize_nearest(node, x, ins, a)
    raise Fp32Error(f"node '{node.name}': op {op} not supported by fp32_ref")


def slice_node(x, ins, a):
    """ONNX Slice: starts/ends/axes/steps from inputs (opset 10+) or attributes (opset 1-9); Python's
    slice().indices() clamps exactly as the ONNX definition does (negative = from the end, then into
    range; INT64_MAX = to the end)."""
    if len(ins) >= 3:
        starts, ends = [int(v) for v in ins[1]], [int(v) for v in ins[2]]
        axes = [int(v) for v in ins[3]] if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
        steps = [int(v) for v in ins[4]] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    else:
        starts, ends = a["starts"], a["ends"]
        axes, steps = a.get("axes", list(range(len(starts)))), [1] * len(starts)
    index = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        index[ax] = slice(s, e, st)
    return x[tuple(index)]


def split_node(node, x, ins, a):
    """ONNX Split: sizes from the attribute (opset < 13) or input (13+), else num_outputs parts of
    ceil(dim / n) (opset 18), else equal parts. Returns one array per output."""
    axis = a.get("axis", 0) % x.ndim
    dim, n = x.shape[axis], len(node.output)
    if "split" in a:
        sizes = list(a["split"])
    elif len(ins) > 1 and ins[1] is not None:
        sizes = [int(v) for v in ins[1]]
    elif "num_outputs" in a:
        each = -(-dim // n)
        sizes = [min(each, max(dim - k * each, 0)) for k in range(n)]
    else:
        if dim % n:
            raise Fp32Error(f"Split '{node.name}': {dim} does not split into {n} equal parts")
        sizes = [dim // n] * n
    if sum(sizes) != dim or len(sizes) != n:
        raise Fp32Error(f"Split '{node.name}': sizes {sizes} do not cover {dim} with {n} outputs")
    bounds = np.cumsum([0] + sizes)
    return tuple(np.take(x, np.arange(bounds[k], bounds[k + 1]), axis=axis) for k in range(n))


def conv_transpose(x, w, b, a, name):
    """ONNX ConvTranspose (groups 1, no dilation, explicit pads) by scattering every kernel tap:
    full[n, k, h*sy + r, w*sx + q] += x[n, c, h, w] * w[c, k, r, q] over (H-1)*sy + R + output_padding rows
    (the output_padding rows get no tap), then the pads cropped."""
    if a.get("group", 1) != 1 or any(d != 1 for d in a.get("dilations", [1, 1])) or "output_shape" in a:
        raise Fp32Error(f"ConvTranspose '{name}': groups, dilation and output_shape are not supported by fp32_ref")
    sy, sx = a.get("strides", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    oy, ox = a.get("output_padding", [0, 0])
    N, C, H, W = x.shape
    _, K, R, S = w.shape
    full = np.zeros((N, K, (H - 1) * sy + R + oy, (W - 1) * sx + S + ox), dtype=np.float64)
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    for r in range(R):
        for q in range(S):
            full[:, :, r:r + (H - 1) * sy + 1:sy, q:q + (W - 1) * sx + 1:sx] += np.einsum("nchw,ck->nkhw", x64,
                                                                                        w64[:, :, r, q])
    y = full[:, :, pt:full.shape[2] - pb, pl:full.shape[3] - pr]
    if b is not None:
        y = y + b.astype(np.float64).reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def resize_scales(node, x, ins, a):
    """Scales of a Resize / Upsample: the Upsample-7 attribute, the scales input, or sizes / input shape."""
    if "scales" in a:
        return np.array(a["scales"], dtype=np.float64)
    idx = 1 if node.op_type == "Upsample" or len(ins) == 2 else 2
    if len(ins) > idx and ins[idx] is not None and np.asarray(ins[idx]).size:
        return np.asarray(ins[idx], dtype=np.float64)
    return np.asarray(ins[3], dtype=np.float64) / np.array(x.shape, dtype=np.float64)


def resize_linear(node, x, ins, a):
    """ONNX Resize / Upsample, mode linear, one axis at a time (separable): output o maps to input
    coordinate c by the coordinate_transformation_mode (Upsample and opset-10 Resize: asymmetric), clamped
    to [0, n_in - 1] (ONNX's edge padding), then interpolated between floor(c) and floor(c) + 1."""
    scales = resize_scales(node, x, ins, a)
    dec = lambda v: v.decode() if isinstance(v, bytes) else v  # noqa: E731
    opset11 = node.op_type == "Resize" and len(ins) > 2
    ctm = dec(a.get("coordinate_transformation_mode", "half_pixel" if opset11 else "asymmetric"))
    y = x.astype(np.float64)
    for axis in range(x.ndim):
        n_in = x.shape[axis]
        n_out = int(np.floor(n_in * scales[axis] + 1e-9))
        if n_out == n_in and scales[axis] == 1:
            continue
        o = np.arange(n_out, dtype=np.float64)
        if ctm == "asymmetric":
            c = o / scales[axis]
        elif ctm == "half_pixel":
            c = (o + 0.5) / scales[axis] - 0.5
        elif ctm == "pytorch_half_pixel":
            c = (o + 0.5) / scales[axis] - 0.5 if n_out > 1 else np.zeros_like(o)
        elif ctm == "align_corners":
            c = o * (n_in - 1) / (n_out - 1) if n_out > 1 else np.zeros_like(o)
        else:
            raise Fp32Error(f"Resize '{node.name}': coordinate_transformation_mode {ctm} not supported by fp32_ref")
        c = np.clip(c, 0, n_in - 1)
        i0 = np.floor(c).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        f = (c - i0).reshape([-1 if k == axis else 1 for k in range(x.ndim)])
        y = np.take(y, i0, axis=axis) * (1 - f) + np.take(y, i1, axis=axis) * f
    return y.astype(np.float32)


def resize_nearest(node, x, ins, a):
    """ONNX Resize / Upsample, mode nearest, from the output shape the scales give: input coordinate by
    the coordinate_transformation_mode, rounded by nearest_mode (Upsample and opset-10 Resize: asymmetric,
    floor)."""
    if a.get("mode", b"nearest") not in (b"nearest", "nearest"):
        raise Fp32Error(f"{node.op_type} '{node.name}': mode {a.get('mode')} not supported by fp32_ref")
    if "scales" in a:
        scales = np.array(a["scales"], dtype=np.float64)
    else:
        idx = 1 if node.op_type == "Upsample" or len(ins) == 2 else 2
        scales = np.asarray(ins[idx], dtype=np.float64) if len(ins) > idx and ins[idx] is not None and \
            np.asarray(ins[idx]).size else None
        if scales is None:
            scales = np.asarray(ins[3], dtype=np.float64) / np.array(x.shape, dtype=np.float64)
    dec = lambda v: v.decode() if isinstance(v, bytes) else v  # noqa: E731
    opset11 = node.op_type == "Resize" and len(ins) > 2
    ctm = dec(a.get("coordinate_transformation_mode", "half_pixel" if opset11 else "asymmetric"))
    nm = dec(a.get("nearest_mode", "round_prefer_floor" if opset11 else "floor"))
    y = x
    for axis in range(x.ndim):
        n_in = x.shape[axis]
        n_out = int(np.floor(n_in * scales[axis] + 1e-9))
        o = np.arange(n_out, dtype=np.float64)
        if ctm == "asymmetric":
            c = o / scales[axis]
        elif ctm in ("half_pixel", "pytorch_half_pixel"):
            c = (o + 0.5) / scales[axis] - 0.5
        else:
            raise Fp32Error(f"Resize '{node.name}': coordinate_transformation_mode {ctm} not supported by fp32_ref")
        if nm == "floor":
            i = np.floor(c)
        elif nm == "ceil":
            i = np.ceil(c)
        elif nm == "round_prefer_floor":
            i = np.where(c - np.floor(c) == 0.5, np.floor(c), np.round(c))
        elif nm == "round_prefer_ceil":
            i = np.where(c - np.floor(c) == 0.5, np.ceil(c), np.round(c))
        else:
            raise Fp32Error(f"Resize '{node.name}': nearest_mode {nm} not supported by fp32_ref")
        y = np.take(y, np.clip(i, 0, n_in - 1).astype(np.int64), axis=axis)
    return y


def load_model(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return onnx.load_from_string(data)


def execute(model, inputs):
    """Run `model` (ModelProto) on {input name: array}; returns {output name: float32 array}."""
    g = model.graph
    env = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for v in graph_inputs(model):
        x = np.asarray(inputs[v.name], dtype=np.float32)
        dims = [d.dim_value for d in v.type.tensor_type.shape.dim]
        if all(d > 0 for d in dims) and x.size == int(np.prod(dims)):
            x = x.reshape(dims)
        elif all(d > 0 for d in dims):
            raise Fp32Error(f"input '{v.name}': shape {x.shape}, model expects {dims}")
        env[v.name] = x
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    for node in g.node:
        ins = [env[n] if n else None for n in node.input]
        try:
            y = run_node(node, ins, opset)
        except (KeyError, ValueError, IndexError) as e:
            raise Fp32Error(f"node '{node.name}' ({node.op_type}): {e}") from e
        if isinstance(y, tuple):  # several outputs (Split)
            for name, v in zip(node.output, y):
                env[name] = v
        else:
            env[node.output[0]] = y
    return {o.name: np.asarray(env[o.name], dtype=np.float32) for o in g.output}


def graph_inputs(model):
    inits = {i.name for i in model.graph.initializer}
    return [v for v in model.graph.input if v.name not in inits]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help=".onnx or .onnx.gz")
    ap.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args(argv)
    try:
        model = load_model(args.model)
        names = [v.name for v in graph_inputs(model)]
        outs = execute(model, refutil.parse_inputs(args.input, names, "fp32_ref"))
    except (OSError, Fp32Error, DecodeError) as e:
        sys.stderr.write(f"fp32_ref: {args.model}: {e}\n")
        return 1
    for p in refutil.write_outputs(args.out_dir, outs):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
