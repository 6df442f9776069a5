#!/usr/bin/python3
"""Independent FP16 (and mixed INT8/FP16) executor of a loadable: the binary16/binary32 arithmetic of
docs/datapath.md "FP16 arithmetic" in numpy, in the same operation order as the hardware model, for
every op whose precision is FP16; INT8 ops run the integer arithmetic of int8_ref.py, so networks
with per-layer precisions run end to end.
Usage: fp16_ref.py MODEL.dlal --input NAME=in.npy ... --out-dir DIR"""

import os
import sys
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import int8_ref as I  # noqa: E402
import loadable as L  # noqa: E402
import refutil  # noqa: E402

RefError = I.RefError
F32, F16 = np.float32, np.float16


# ---- binary16 / binary32 primitives -------------------------------------------------------------

def half_bits_to_f32(bits):
    """binary16 bit patterns (any int array) -> binary32 values (exact)."""
    return (np.asarray(bits, dtype=np.int64) & 0xFFFF).astype(np.uint16).view(F16).astype(F32)


def f32_bits_to_f32(bits):
    """A 32-bit register holding binary32 bits (signed or unsigned int) -> binary32."""
    return np.array([int(bits) & 0xFFFFFFFF], dtype=np.uint32).view(F32)[0]


def to_f16(v):
    """binary32 -> binary16, round to nearest even (numpy's conversion is correctly rounded)."""
    return np.asarray(v, dtype=F32).astype(F16)


def conv_fp16(x, w, stride=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0), pad_bits=0, out_hw=None):
    """x (C, H, W) binary16, w (K, C, R, S) binary16 -> (K, OH, OW) binary32 partial sums: each product is
    exact in binary32 and is added to a binary32 accumulator starting at +0, in the order r, s, c
    (the CMAC model's order); positions outside the input read the binary16 pad value."""
    x = np.asarray(x, dtype=F16).astype(F32)
    w = np.asarray(w, dtype=F16).astype(F32)
    C, H, W = x.shape
    K, Cw, R, S = w.shape
    if Cw != C:
        raise RefError(f"conv: weights have {Cw} channels, input {C}")
    sx, sy = stride
    dx, dy = dilation
    pl, pr, pt, pb = pads
    if out_hw is None:
        out_hw = ((H + pt + pb - (R - 1) * dy - 1) // sy + 1, (W + pl + pr - (S - 1) * dx - 1) // sx + 1)
    OH, OW = out_hw
    need_h = (OH - 1) * sy + (R - 1) * dy + 1
    need_w = (OW - 1) * sx + (S - 1) * dx + 1
    xp = np.full((C, max(need_h, pt + H), max(need_w, pl + W)), half_bits_to_f32(pad_bits), dtype=F32)
    xp[:, pt:pt + H, pl:pl + W] = x
    acc = np.zeros((K, OH, OW), dtype=F32)
    for r in range(R):
        for s in range(S):
            cols = xp[:, r * dy:r * dy + (OH - 1) * sy + 1:sy, s * dx:s * dx + (OW - 1) * sx + 1:sx]
            for c in range(C):
                acc = acc + w[:, c, r, s][:, None, None] * cols[c][None, :, :]
    return acc


def _alu_fp(op, v, a, what):
    if op == L.ALU_SUM:
        return (v + a).astype(F32)
    if op == L.ALU_MAX:
        return np.where(a > v, a, v).astype(F32)
    if op == L.ALU_MIN:
        return np.where(a < v, a, v).astype(F32)
    raise RefError(f"{what}: alu_op {op} unknown")


def _relu_fp(v):
    return np.where(v > 0, v, F32(0)).astype(F32)


def sdp_stage_fp(v, st, alu_k=None, mul_k=None, what="sdp", prelu=0):
    """FP X stage on binary32 v (K, H, W): ALU with the binary16 operand, MUL, ReLU; shifts unused.
    prelu (loadable 1.3): the MUL applies only to v < 0 (-0 and NaN pass, as NVDLA's compare)."""
    if not st.enable:
        return v
    K = v.shape[0]

    def operand(src, per_layer, per_kernel, name):
        if src == L.OPERAND_PER_KERNEL:
            if per_kernel is None:
                raise RefError(f"{what}: per-kernel {name} operand missing")
            return half_bits_to_f32(per_kernel).reshape(K, 1, 1)
        if src != L.OPERAND_PER_LAYER:
            raise RefError(f"{what}: {name}_src {src} unknown")
        return half_bits_to_f32(per_layer)

    if st.alu_enable:
        v = _alu_fp(st.alu_op, v, operand(st.alu_src, st.alu_operand, alu_k, "alu"), what)
    if st.mul_enable:
        scaled = (v * operand(st.mul_src, st.mul_operand, mul_k, "mul")).astype(F32)
        v = np.where(v < 0, scaled, v).astype(F32) if prelu else scaled
    return _relu_fp(v) if st.relu else v


def sdp_fp(v, sdp, bs_k=(None, None), bn_k=(None, None), ew_operand=None, what="sdp"):
    """The FP pipeline on binary32 v: BS, BN, EW (MUL by the binary32 register operand, then the ALU with
    the binary16 operand cube, then ReLU), output as binary16 (out FP16) or sat_8(round half even)."""
    v = np.asarray(v, dtype=F32)
    v = sdp_stage_fp(v, sdp.bs, *bs_k, what=f"{what} BS", prelu=getattr(sdp, "bs_mul_prelu", 0))
    v = sdp_stage_fp(v, sdp.bn, *bn_k, what=f"{what} BN", prelu=getattr(sdp, "bn_mul_prelu", 0))
    ew = sdp.ew
    if ew.enable:
        if ew.mul_enable:
            v = (v * f32_bits_to_f32(ew.mul_operand)).astype(F32)
        v = _alu_fp(ew.alu_op, v, np.asarray(ew_operand, dtype=F32), f"{what} EW")
        if ew.relu:
            v = _relu_fp(v)
    if sdp.out_precision == L.PREC_FP16:
        return to_f16(v)
    if sdp.out_precision != L.PREC_INT8:
        raise RefError(f"{what}: output precision {sdp.out_precision} (FP16 or INT8 only)")
    v = np.where(np.isnan(v), F32(0), v)
    return np.clip(np.rint(v), -128, 127).astype(np.int64)


def recip_fp17(k):
    """The PDP's reciprocal register for FP16, as a float: 1/k rounded to 11 significant bits, halves up."""
    p = 0
    while (1 << p) < k:
        p += 1
    frac = Fraction(1 << p, k) - 1  # 1/k = 2^-p * (1 + frac), frac in [0, 1)
    mant = int(frac * 1024 + Fraction(1, 2))
    return F32((1024 + mant) / 1024 / (1 << p))


def pdp_fp16(x, method, kernel, stride, pads, pad_bits, count_include_pad, out_hw=None):
    """x (C, H, W) binary16 -> binary16. MAX/MIN over the window positions inside the input in order
    (r, then s; a later value wins only when strictly greater / smaller). AVG: binary32 sum in window
    order with the binary16 pad value for padded positions, times the fp17 reciprocals of kernel width
    then height; excluding padding: sum of the positions inside / their count."""
    x = np.asarray(x, dtype=F16)
    C, H, W = x.shape
    kw, kh = kernel
    sx, sy = stride
    pl, pr, pt, pb = pads
    if out_hw is None:
        out_hw = ((H + pt + pb - kh) // sy + 1, (W + pl + pr - kw) // sx + 1)
    OH, OW = out_hw
    ext_h, ext_w = max((OH - 1) * sy + kh, pt + H), max((OW - 1) * sx + kw, pl + W)
    pad = half_bits_to_f32(pad_bits)
    xp = np.full((C, ext_h, ext_w), pad, dtype=F32)
    xp[:, pt:pt + H, pl:pl + W] = x.astype(F32)
    valid = np.zeros((ext_h, ext_w), dtype=bool)
    valid[pt:pt + H, pl:pl + W] = True
    best = np.zeros((C, OH, OW), dtype=F32)
    seen = np.zeros((OH, OW), dtype=bool)
    total = np.zeros((C, OH, OW), dtype=F32)
    count = np.zeros((OH, OW), dtype=np.int64)
    for r in range(kh):
        for s in range(kw):
            win = xp[:, r:r + (OH - 1) * sy + 1:sy, s:s + (OW - 1) * sx + 1:sx]
            ok = valid[r:r + (OH - 1) * sy + 1:sy, s:s + (OW - 1) * sx + 1:sx]
            if method in (L.POOL_MAX, L.POOL_MIN):
                better = win > best if method == L.POOL_MAX else win < best
                take = ok[None] & (~seen[None] | better)
                best = np.where(take, win, best)
                seen |= ok
            elif count_include_pad:
                total = (total + win).astype(F32)
            else:
                total = np.where(ok[None], total + win, total).astype(F32)
                count += ok
    if method in (L.POOL_MAX, L.POOL_MIN):
        return np.where(seen[None], best, pad).astype(F16)
    if method != L.POOL_AVG:
        raise RefError(f"pdp: method {method} unknown")
    if count_include_pad:
        return to_f16((total * recip_fp17(kw)).astype(F32) * recip_fp17(kh))
    q = np.where(count[None] > 0, total / np.maximum(count, 1).astype(F32)[None], F32(0))
    return to_f16(q)


# ---- loadable executor (per-op precision) ------------------------------------------------------

class Cube:
    """A value cube with its number format: 'i8' / 'i32' (int64 arrays), 'f16' / 'f32' (numpy floats)."""

    def __init__(self, kind, values):
        self.kind, self.values = kind, values


class MixedExecutor(I.Int8Executor):
    """Int8Executor's region and operand handling, with per-op precisions (its own __init__: the INT8
    executor refuses a network whose main precision is not INT8)."""

    def __init__(self, lod, source="loadable"):  # pylint: disable=super-init-not-called
        self.lod, self.source = lod, source
        self.atom = lod.memory_atomic_bytes
        self.mem = [self._region_bytes(i, r) for i, r in enumerate(lod.regions)]

    def _region_bytes(self, i, r):
        buf = np.zeros(r.size, dtype=np.uint8)
        if not r.blob_size:
            return buf
        end = r.blob_offset + r.blob_size
        if end > len(self.lod.blob) or r.blob_size > r.size:
            raise RefError(f"{self.source}: region {i}: blob [{r.blob_offset}, {end}) does not fit the blob "
                           f"({len(self.lod.blob)} B) or the region ({r.size} B)")
        buf[:r.blob_size] = np.frombuffer(self.lod.blob, np.uint8, r.blob_size, r.blob_offset)
        return buf

    @staticmethod
    def _bpe(precision, what):
        if precision == L.PREC_INT8:
            return 1
        if precision == L.PREC_FP16:
            return 2
        raise RefError(f"{what}: precision {precision} (INT8 or FP16 only)")

    def _index(self, region, offset, C, H, W, ls, ss, bpe, what, pixel_format=None):
        buf = self._region(region, what)
        if pixel_format is None:
            idx = I.feature_offsets(offset, C, H, W, ls, ss, self.atom, bpe)
        else:  # image input: INT8 packed pixels (int8_ref.pixel_offsets)
            idx = I.pixel_offsets(offset, C, H, W, ls, pixel_format, what)
        if idx.size and (idx.min() < 0 or idx.max() + bpe > len(buf)):
            raise RefError(f"{self.source}: {what}: surface reaches byte {idx.max() + bpe - 1} of region {region} "
                           f"({len(buf)} B)")
        return buf, idx

    def _load(self, buf, idx, bpe):
        if bpe == 1:
            return Cube("i8", buf[idx].view(np.int8).astype(np.int64))
        bits = buf[idx].astype(np.uint16) | (buf[idx + 1].astype(np.uint16) << 8)
        return Cube("f16", bits.view(F16))

    def _store(self, buf, idx, bpe, cube, what):
        if bpe == 1:
            if cube.kind != "i8":
                raise RefError(f"{self.source}: {what}: an INT8 surface receives {cube.kind} values")
            buf[idx] = cube.values.astype(np.int8).view(np.uint8)
            return
        if cube.kind != "f16":
            raise RefError(f"{self.source}: {what}: an FP16 surface receives {cube.kind} values")
        bits = np.asarray(cube.values, dtype=F16).view(np.uint16)
        buf[idx] = (bits & 0xFF).astype(np.uint8)
        buf[idx + 1] = (bits >> 8).astype(np.uint8)

    def read_surface(self, s, what, pixel_format=None):
        bpe = self._bpe(s.precision, f"{self.source}: {what}")
        buf, idx = self._index(s.region, s.offset, s.channels, s.height, s.width, s.line_stride, s.surface_stride,
                               bpe, what, pixel_format)
        return self._load(buf, idx, bpe)

    def write_surface(self, s, cube, what):
        if cube.values.shape != (s.channels, s.height, s.width):
            raise RefError(f"{self.source}: {what}: result {cube.values.shape} does not fit the destination "
                           f"{s.channels}x{s.height}x{s.width}")
        bpe = self._bpe(s.precision, f"{self.source}: {what}")
        buf, idx = self._index(s.region, s.offset, s.channels, s.height, s.width, s.line_stride, s.surface_stride,
                               bpe, what)
        self._store(buf, idx, bpe, cube, what)

    def _tensor(self, t, n):
        pixel_format = t.pixel_format if t.data_format == L.DATA_PIXEL else None
        bpe = self._bpe(t.precision, f"{self.source}: tensor '{t.name}'")
        if pixel_format is not None and bpe != 1:
            raise RefError(f"{self.source}: tensor '{t.name}': pixel formats hold INT8 data only")
        buf, idx = self._index(t.region, t.offset + n * t.batch_stride, t.c, t.h, t.w, t.line_stride,
                               t.surface_stride, bpe, f"tensor '{t.name}'", pixel_format)
        return buf, idx, bpe

    def set_input(self, t, x):
        x = np.asarray(x)
        if x.size != t.n * t.c * t.h * t.w:
            raise RefError(f"{self.source}: input '{t.name}' has shape {x.shape}, expected {t.n}x{t.c}x{t.h}x{t.w}")
        x = x.reshape(t.n, t.c, t.h, t.w)
        for n in range(t.n):
            buf, idx, bpe = self._tensor(t, n)
            if bpe == 1:  # docs/datapath.md "Host quantisation"
                q = np.clip(np.floor(x[n].astype(np.float64) / np.float64(t.scale) + 0.5), -128, 127)
                self._store(buf, idx, 1, Cube("i8", q.astype(np.int64)), f"input '{t.name}'")
            else:
                self._store(buf, idx, 2, Cube("f16", to_f16(x[n].astype(F32))), f"input '{t.name}'")

    def get_output(self, t):
        out = np.empty((t.n, t.c, t.h, t.w), dtype=F32)
        for n in range(t.n):
            buf, idx, bpe = self._tensor(t, n)
            cube = self._load(buf, idx, bpe)
            if bpe == 1:
                out[n] = cube.values.astype(np.float64) * np.float64(t.scale)
            else:
                out[n] = cube.values.astype(F32)
        return out

    def run(self):
        streams = {}
        for i, op in enumerate(self.lod.ops):
            what = f"op {i} ({L.OP_KIND_NAMES.get(op.kind, op.kind)}, layer {op.layer})"
            if op.kind == L.OP_CONV:
                streams[i] = self._conv(op.u.conv, what)
                continue
            if op.kind not in (L.OP_SDP, L.OP_PDP):
                raise RefError(f"{self.source}: {what}: op kind not supported by the reference")
            u = op.u.sdp if op.kind == L.OP_SDP else op.u.pdp
            if u.src.region == -1:
                if op.fused_parent not in streams:
                    raise RefError(f"{self.source}: {what}: on-the-fly source but fused_parent {op.fused_parent} "
                                   f"produced no stream")
                x = streams.pop(op.fused_parent)
            else:
                x = self.read_surface(u.src, f"{what} src")
            if x.values.shape != (u.src.channels, u.src.height, u.src.width):
                raise RefError(f"{self.source}: {what}: input {x.values.shape} differs from src "
                               f"{u.src.channels}x{u.src.height}x{u.src.width}")
            y = self._sdp(u, x, what) if op.kind == L.OP_SDP else self._pdp(u, x, what)
            if u.dst.region == -1:
                streams[i] = y
            else:
                self.write_surface(u.dst, y, f"{what} dst")
        if streams:
            raise RefError(f"{self.source}: on-the-fly output of op(s) {sorted(streams)} never consumed")

    def _conv(self, c, what):
        if c.weight_format != L.WEIGHT_DENSE:
            raise RefError(f"{self.source}: {what}: sparse weights are not executed by the reference")
        image = c.data_format == L.DATA_PIXEL
        if c.precision != c.src.precision:
            raise RefError(f"{self.source}: {what}: conv precision {c.precision} but its input is "
                           f"{c.src.precision} (direct convolution converts no precision)")
        K, C, R, S = c.kernel_k, c.kernel_c, c.kernel_h, c.kernel_w
        if C != c.src.channels:
            raise RefError(f"{self.source}: {what}: kernel_c {C} != src channels {c.src.channels}")
        bpe = self._bpe(c.precision, f"{self.source}: {what}")
        if image and (bpe != 1 or c.pixel_format not in I.PIXEL_FORMATS):
            raise RefError(f"{self.source}: {what}: image input in precision {c.precision} / pixel_format "
                           f"{c.pixel_format} (INT8 in the formats of int8_ref.py only)")
        # image input: the channel-extended K x (S * pixel bytes) x R x 1 kernel (docs/datapath.md)
        raw = K * (S * I.PIXEL_FORMATS[c.pixel_format][0] * R if image else C * R * S) * bpe
        buf = self._region(c.weight_region, f"{what} weights")
        if c.weight_bytes < raw or c.weight_offset + raw > len(buf):
            raise RefError(f"{self.source}: {what}: weights {c.weight_offset}+{c.weight_bytes} B in region "
                           f"{c.weight_region} ({len(buf)} B); {K}x{C}x{R}x{S} needs {raw} B")
        x = self.read_surface(c.src, f"{what} src", c.pixel_format if image else None)
        geom = dict(stride=(c.stride_x, c.stride_y), dilation=(c.dilation_x, c.dilation_y),
                    pads=(c.pad_left, c.pad_right, c.pad_top, c.pad_bottom), out_hw=(c.out_h, c.out_w))
        if image:
            idx = c.weight_offset + I.image_weight_offsets(K, C, R, S, c.pixel_format, self.lod.atomic_c,
                                                           self.lod.atomic_k)
            acc = I.conv_int8(x.values, buf[idx].view(np.int8), pad_value=c.pad_value,
                              clip_truncate=c.clip_truncate, **geom)
            return Cube("i32", acc)
        if bpe == 1:
            idx = c.weight_offset + I.dc_weight_offsets(K, C, R, S, self.lod.atomic_c, self.lod.atomic_k)
            acc = I.conv_int8(x.values, buf[idx].view(np.int8), pad_value=c.pad_value,
                              clip_truncate=c.clip_truncate, **geom)
            return Cube("i32", acc)
        # FP16: AtomK/2 kernels per group, elements of 2 bytes (docs/datapath.md "Weights").
        idx = c.weight_offset + 2 * I.dc_weight_offsets(K, C, R, S, self.lod.atomic_c, max(1, self.lod.atomic_k // 2))
        w = (buf[idx].astype(np.uint16) | (buf[idx + 1].astype(np.uint16) << 8)).view(F16)
        return Cube("f32", conv_fp16(x.values, w, pad_bits=c.pad_value, **geom))

    def _sdp(self, s, x, what):
        K = x.values.shape[0]
        ew = None
        if s.ew.enable:
            o = s.ew.operand
            if (o.channels, o.height, o.width) != x.values.shape:
                raise RefError(f"{self.source}: {what}: EW operand {o.channels}x{o.height}x{o.width} != "
                               f"{x.values.shape}")
            ew = self.read_surface(o, f"{what} EW operand")
        bs, bn = self._per_kernel(s.bs, K, f"{what} BS"), self._per_kernel(s.bn, K, f"{what} BN")
        if s.in_precision == L.PREC_INT8:  # the integer pipeline
            if x.kind not in ("i8", "i32") or (ew is not None and ew.kind != "i8"):
                raise RefError(f"{self.source}: {what}: INT8 SDP with {x.kind} input")
            if s.out_precision != L.PREC_INT8:
                raise RefError(f"{self.source}: {what}: the integer pipeline outputs INT8 only")
            return Cube("i8", I.sdp_int8(x.values, s, bs, bn, None if ew is None else ew.values, what))
        if s.in_precision != L.PREC_FP16:
            raise RefError(f"{self.source}: {what}: SDP precision {s.in_precision} (INT8 or FP16 only)")
        if x.kind == "i32":
            raise RefError(f"{self.source}: {what}: FP16 SDP fed by an INT8 convolution")
        if ew is not None and ew.kind != "f16":
            raise RefError(f"{self.source}: {what}: FP16 SDP with an INT8 EW operand")
        v = x.values.astype(F32)  # FP16 and INT8 inputs widen exactly
        y = sdp_fp(v, s, bs, bn, None if ew is None else ew.values.astype(F32), what)
        return Cube("f16", y) if s.out_precision == L.PREC_FP16 else Cube("i8", y)

    def _pdp(self, p, x, what):
        args = ((p.kernel_w, p.kernel_h), (p.stride_x, p.stride_y), (p.pad_left, p.pad_right, p.pad_top, p.pad_bottom))
        if p.src.precision != p.dst.precision:
            raise RefError(f"{self.source}: {what}: PDP converts no precision ({p.src.precision} -> "
                           f"{p.dst.precision})")
        if x.kind == "i8":
            return Cube("i8", I.pdp_int8(x.values, p.method, *args, p.pad_value, p.count_include_pad,
                                         (p.dst.height, p.dst.width)))
        if x.kind != "f16":
            raise RefError(f"{self.source}: {what}: PDP input of kind {x.kind}")
        return Cube("f16", pdp_fp16(x.values, p.method, *args, p.pad_value, p.count_include_pad,
                                    (p.dst.height, p.dst.width)))


def execute(lod, inputs, source="loadable"):
    """Run a parsed loadable on {input tensor name: float array}; returns {output name: float32 array}."""
    ex = MixedExecutor(lod, source)
    for t in lod.tensors:
        if t.role == L.ROLE_INPUT:
            ex.set_input(t, inputs[t.name])
    ex.run()
    return {t.name: ex.get_output(t) for t in lod.tensors if t.role == L.ROLE_OUTPUT}


def main(argv=None):
    return refutil.loadable_reference_main(argv, __doc__, "fp16_ref", execute, (RefError,))

if __name__ == "__main__":
    sys.exit(main())
