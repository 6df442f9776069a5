#!/usr/bin/python3
"""Independent INT8 executor of a loadable: the exact integer arithmetic of docs/datapath.md (conv ->
fused SDP -> optional fused PDP, offline SDP, PDP, RUBIK contract, CDP LRN) on regions held as numpy
byte buffers, with feature
data in the NVDLA feature format and weights in the DC format.
Usage: int8_ref.py MODEL.dlal --input NAME=in.npy ... --out-dir DIR"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadable as L  # noqa: E402
import refutil  # noqa: E402

INT64_SAFE = 1 << 62  # products and sums are refused beyond this, never silently wrapped


class RefError(Exception):
    """The loadable asks for something this reference cannot execute exactly (message says what)."""


# ---- integer primitives (docs/datapath.md "INT8 arithmetic") -------------------------------------

def rshr(x, s):
    """NVDLA's rounding right shift (CACC, SDP, PDP, CDP): floor(x / 2^s), plus one when the guide bit
    (bit s-1) is set and x is positive or any lower bit is set (halves round away from zero); x
    unchanged if s == 0."""
    x = np.asarray(x, dtype=np.int64)
    if s == 0:
        return x
    if s > 62:
        raise RefError(f"shift {s} exceeds the 64-bit intermediate")
    guide = (x >> np.int64(s - 1)) & 1
    sticky = (x & np.int64((1 << (s - 1)) - 1)) != 0
    return (x >> np.int64(s)) + ((guide == 1) & ((x >= 0) | sticky))


def sat(x, bits):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(np.asarray(x, dtype=np.int64), lo, hi)


def _max_abs(x):
    x = np.asarray(x)
    return int(np.abs(x.astype(np.int64)).max()) if x.size else 0


def checked_mul(a, b, what):
    if _max_abs(a) * _max_abs(b) >= INT64_SAFE:
        raise RefError(f"{what}: product exceeds the 64-bit intermediate")
    return np.asarray(a, dtype=np.int64) * np.asarray(b, dtype=np.int64)


def checked_shl(a, s, what):
    if _max_abs(a) << s >= INT64_SAFE:
        raise RefError(f"{what}: operand << {s} exceeds the 64-bit intermediate")
    return np.asarray(a, dtype=np.int64) << np.int64(s)


def conv_int8(x, w, stride=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0), pad_value=0, out_hw=None, clip_truncate=0):
    """x: (C, H, W) ints; w: (K, C, R, S) ints; stride/dilation (x, y); pads (left, right, top, bottom);
    out_hw (out_h, out_w) or None for the usual formula. Returns sat_32(rshr(acc, clip_truncate)), (K, OH, OW).
    acc is exact: every partial sum is an integer below 2^53, so float64 BLAS sums exactly in any order."""
    x = np.asarray(x, dtype=np.int64)
    w = np.asarray(w, dtype=np.int64)
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
    if max(_max_abs(x), abs(pad_value)) * _max_abs(w) * C * R * S >= 1 << 53:
        raise RefError("conv: accumulator could exceed 2^53 (exact float64 summation bound)")
    # Positions outside the input read pad_value, whatever the declared pads: pad to the extent used.
    need_h = (OH - 1) * sy + (R - 1) * dy + 1
    need_w = (OW - 1) * sx + (S - 1) * dx + 1
    xp = np.full((C, max(need_h, pt + H), max(need_w, pl + W)), pad_value, dtype=np.float64)
    xp[:, pt:pt + H, pl:pl + W] = x
    cols = np.empty((C, R, S, OH, OW), dtype=np.float64)
    for r in range(R):
        for s in range(S):
            cols[:, r, s] = xp[:, r * dy:r * dy + (OH - 1) * sy + 1:sy, s * dx:s * dx + (OW - 1) * sx + 1:sx]
    acc = w.reshape(K, -1).astype(np.float64) @ cols.reshape(C * R * S, OH * OW)
    acc = np.rint(acc).astype(np.int64).reshape(K, OH, OW)
    return sat(rshr(acc, clip_truncate), 32)


def sdp_stage(v, st, alu_k=None, mul_k=None, what="sdp", prelu=0):
    """X1 (BS) / X2 (BN) stage on v (K, H, W); alu_k / mul_k: per-kernel operands (K,) when the stage's
    source is PER_KERNEL. Order: ALU, MUL, ReLU, sat_32. prelu (loadable 1.3, NVDLA's *_MUL_PRELU):
    the MUL multiplies and shifts only the negative values; zero and positive values pass untouched."""
    if not st.enable:
        return v
    K = v.shape[0]

    def operand(src, per_layer, per_kernel, name):
        if src == L.OPERAND_PER_KERNEL:
            if per_kernel is None:
                raise RefError(f"{what}: per-kernel {name} operand missing")
            return np.asarray(per_kernel, dtype=np.int64).reshape(K, 1, 1)
        if src != L.OPERAND_PER_LAYER:
            raise RefError(f"{what}: {name}_src {src} unknown")
        return np.int64(per_layer)

    if st.alu_enable:
        a = checked_shl(operand(st.alu_src, st.alu_operand, alu_k, "alu"), st.alu_shift, f"{what} ALU")
        v = _alu(st.alu_op, v, a, what)
    if st.mul_enable:
        m = operand(st.mul_src, st.mul_operand, mul_k, "mul")
        scaled = rshr(checked_mul(v, m, f"{what} MUL"), st.mul_shift)
        v = np.where(v < 0, scaled, v) if prelu else scaled
    if st.relu:
        v = np.maximum(v, 0)
    return sat(v, 32)


def _alu(op, v, a, what):
    if op == L.ALU_SUM:
        if _max_abs(v) + _max_abs(a) >= INT64_SAFE:
            raise RefError(f"{what} ALU: sum exceeds the 64-bit intermediate")
        return v + a
    if op == L.ALU_MAX:
        return np.maximum(v, a)
    if op == L.ALU_MIN:
        return np.minimum(v, a)
    raise RefError(f"{what}: alu_op {op} unknown")


def sdp_ew(v, ew, e, what="sdp"):
    """Y (EW) stage in NVDLA's order: MUL (sat_32), then the ALU with the converted operand
    e' = sat_32(rshr((e - cvt_offset) * cvt_scale, cvt_shift)), e (K, H, W) INT8, sat_32."""
    if not ew.enable:
        return v
    e1 = None
    if e is not None:
        e1 = sat(rshr(checked_mul(np.asarray(e, dtype=np.int64) - ew.cvt_offset, ew.cvt_scale, f"{what} EW cvt"),
                      ew.cvt_shift), 32)
    if ew.alu_op == L.ALU_PROD:
        # ElementWise PROD: the converted operand is the MUL's (MUL converter), the ALU is bypassed
        if e1 is None or not ew.mul_enable:
            raise RefError(f"{what}: EW prod needs an operand cube and mul_enable")
        v = sat(rshr(checked_mul(v, e1, f"{what} EW MUL"), ew.mul_shift), 32)
    else:
        if ew.mul_enable:
            v = sat(rshr(checked_mul(v, ew.mul_operand, f"{what} EW MUL"), ew.mul_shift), 32)
        v = sat(_alu(ew.alu_op, v, e1, f"{what} EW"), 32)
    if ew.relu:
        v = np.maximum(v, 0)
    return sat(v, 32)


# ---- SDP Y-stage lookup table (docs/datapath.md "SDP lookup table") ----------------------------------

LUT_FRAC_BITS = 35  # interpolation fraction width


def _rnd_sat32(x, s, what):
    """x / 2^s (a negative s multiplies by 2^-s) with halves away from zero, saturated to int32."""
    x = np.asarray(x, dtype=np.int64)
    x = checked_shl(x, -s, what) if s < 0 else rshr(x, s)
    return sat(x, 32)


def _lut_index(x, start, sel, entries):
    """Linear index of x: (underflow, overflow, index, fraction in LUT_FRAC_BITS bits)."""
    d = x - start
    uf = x <= start
    if sel >= 0:
        idx = d >> sel
        f = d & ((1 << sel) - 1)
        frac = f << (LUT_FRAC_BITS - sel) if sel <= LUT_FRAC_BITS else f >> (sel - LUT_FRAC_BITS)
    else:
        idx = d << min(-sel, 40)
        frac = np.zeros_like(d)
    of = ~uf & (idx >= entries - 1)
    return uf, of, idx, frac


def _lut_exp_index(x, start, offset):
    """Exponent index of the LE table: e = floor(log2(x - start)), index e - offset."""
    d = np.maximum(x - start, 1)
    e = np.zeros_like(d)
    for b in range(63):  # floor(log2 d), exact in integers
        e = np.where(d >> b >= 1, b, e)
    uf = (x <= start) | (e < offset)
    idx = e - offset
    of = ~uf & (idx >= L.LUT_LE_ENTRIES - 1)
    frac = (d - (np.int64(1) << e)) << (LUT_FRAC_BITS - e)
    return uf, of, idx, frac




def sdp_lut(x, t, what="sdp LUT"):
    """NVDLA's SDP LUT on the Y-stage result x (int32 values): index both tables, choose one by the
    priorities, interpolate a hit, extrapolate an under/overflow from the first/last entry."""
    x = np.asarray(x, dtype=np.int64)
    le_t = np.asarray(t.le, dtype=np.int64)
    lo_t = np.asarray(t.lo, dtype=np.int64)
    if t.le_function == 0:
        le = _lut_exp_index(x, t.le_start, t.le_index_offset)
    else:
        le = _lut_index(x, t.le_start, t.le_index_select, L.LUT_LE_ENTRIES)
    lo = _lut_index(x, t.lo_start, t.lo_index_select, L.LUT_LO_ENTRIES)
    le_uf, le_of = le[0], le[1]
    lo_uf, lo_of = lo[0], lo[1]
    le_hit, lo_hit = ~le_uf & ~le_of, ~lo_uf & ~lo_of
    use_lo = np.where(le_uf & lo_uf, bool(t.uflow_priority),
                      np.where(le_of & lo_of, bool(t.oflow_priority),
                               np.where(le_hit == lo_hit, bool(t.hybrid_priority), lo_hit)))
    out = np.zeros_like(x)
    for is_lo, (uf, of, idx, frac), tab, n in ((False, le, le_t, L.LUT_LE_ENTRIES), (True, lo, lo_t, L.LUT_LO_ENTRIES)):
        sel = use_lo == is_lo
        if not sel.any():
            continue
        p = "lo" if is_lo else "le"
        hit = sel & ~uf & ~of
        i = np.clip(idx, 0, n - 2)
        one = np.int64(1) << LUT_FRAC_BITS
        y = _rnd_sat32(tab[i] * (one - frac) + tab[i + 1] * frac, LUT_FRAC_BITS, what)
        out = np.where(hit, y, out)
        start, end = getattr(t, f"{p}_start"), getattr(t, f"{p}_end")
        bias = 1 << t.le_index_offset if (not is_lo and t.le_function == 0 and t.le_index_offset > 0) else 0
        for m, base, y0, scale, shift in ((sel & uf, start + bias, tab[0], getattr(t, f"{p}_uflow_scale"),
                                           getattr(t, f"{p}_uflow_shift")),
                                          (sel & of, end, tab[n - 1], getattr(t, f"{p}_oflow_scale"),
                                           getattr(t, f"{p}_oflow_shift"))):
            if m.any():
                c = _rnd_sat32(checked_mul(np.where(m, x - base, 0), scale, what), shift, what)
                out = np.where(m, sat(y0 + c, 32), out)
    return out


CDP_FRAC_BITS = 16  # the CDP LUT keeps the interpolation fraction to 16 bits (NVDLA cmod)


def _rnd_away_sat56(v, s):
    """v / 2^s with halves away from zero (s >= 0), saturated to the CDP LUT's 56-bit intermediate."""
    v = np.asarray(v, dtype=np.int64)
    if s > 0:
        h = np.int64(1) << np.int64(s - 1)
        v = np.where(v >= 0, (v + h) >> np.int64(s), -((-v + h) >> np.int64(s)))
    return np.clip(v, -(1 << 55), (1 << 55) - 1)


def _cdp_table(x, tab, n, start, end, exponent, sel, offset, uscale, ushift, oscale, oshift, what):
    """One CDP LUT table on x >= 0 values (NVDLA cmod lookup_lut_int8, docs/datapath.md step 7): status
    -1 underflow, 0 hit, 1 overflow, and the table's value. A hit interpolates T[i] + rnd((T[i+1] - T[i]) *
    f16, 16) with the fraction kept to 16 bits; under/overflow extrapolate from T[0] / T[n-1] with their
    slope (an exponent table's underflow distance is x - start - 2^offset when offset >= 0)."""
    if ushift < 0 or oshift < 0:
        raise RefError(f"{what}: negative slope shift (the CDP's are unsigned)")
    d = x - start
    uf = d <= 0
    dpos = np.maximum(d, 1)
    if exponent:
        e = np.zeros_like(dpos)
        for b in range(63):  # floor(log2 d), exact in integers
            e = np.where(dpos >> b >= 1, b, e)
        idx = e - offset
        rest = dpos - (np.int64(1) << e)
        frac = np.where(e > CDP_FRAC_BITS, rest >> np.maximum(e - CDP_FRAC_BITS, 0),
                        rest << np.maximum(CDP_FRAC_BITS - e, 0))
        uf = uf | (idx < 0)
        udx = d - ((1 << offset) if offset >= 0 else 0)
    elif sel >= 0:
        idx = dpos >> sel
        f = dpos & ((1 << sel) - 1)
        frac = f << (CDP_FRAC_BITS - sel) if sel <= CDP_FRAC_BITS else f >> (sel - CDP_FRAC_BITS)
        udx = d
    else:
        idx = dpos << min(-sel, 40)
        frac = np.zeros_like(dpos)
        udx = d
    of = ~uf & (idx >= n - 1)
    i = np.clip(idx, 0, n - 2)
    hit = tab[i] + _rnd_away_sat56(checked_mul(tab[i + 1] - tab[i], frac, what), CDP_FRAC_BITS)
    y = np.where(uf, tab[0] + _rnd_away_sat56(checked_mul(udx, uscale, what), ushift),
                 np.where(of, tab[n - 1] + _rnd_away_sat56(checked_mul(x - end, oscale, what), oshift), hit))
    return np.where(uf, -1, np.where(of, 1, 0)), np.clip(y, -32768, 32767)


def cdp_lut(x, t, what="cdp LUT"):
    """NVDLA's CDP LUT: both tables, one chosen (one hits: it; both hit: HYBRID; both underflow: UFLOW;
    both overflow: OFLOW; one under-, one overflows: HYBRID priority; 1 = LO), result int16."""
    x = np.asarray(x, dtype=np.int64)
    s_le, y_le = _cdp_table(x, np.asarray(t.le, dtype=np.int64), L.LUT_LE_ENTRIES, t.le_start, t.le_end,
                            t.le_function == 0, t.le_index_select, t.le_index_offset, t.le_uflow_scale,
                            t.le_uflow_shift, t.le_oflow_scale, t.le_oflow_shift, f"{what} LE")
    s_lo, y_lo = _cdp_table(x, np.asarray(t.lo, dtype=np.int64), L.LUT_LO_ENTRIES, t.lo_start, t.lo_end, False,
                            t.lo_index_select, 0, t.lo_uflow_scale, t.lo_uflow_shift, t.lo_oflow_scale,
                            t.lo_oflow_shift, f"{what} LO")
    use_lo = np.where((s_le == 0) & (s_lo == 0), bool(t.hybrid_priority),
                      np.where((s_le == 0) | (s_lo == 0), s_lo == 0,
                               np.where((s_le == -1) & (s_lo == -1), bool(t.uflow_priority),
                                        np.where((s_le == 1) & (s_lo == 1), bool(t.oflow_priority),
                                                 bool(t.hybrid_priority)))))
    return np.where(use_lo, y_lo, y_le)


def cdp_int8(x, c, lut, what="cdp"):
    """CDP LRN on x (C, H, W) INT8 (docs/datapath.md step 7): cin = sat_9(rshr((x - offset) * scale,
    shift)); sq = sum of cin^2 over the local_size channels centred on c (channels outside the cube count
    0); out = sat_8(rshr((cin * LUT(sq) - offset) * scale, shift))."""
    cin = sat(rshr(checked_mul(np.asarray(x, dtype=np.int64) - c.in_cvt_offset, c.in_cvt_scale,
                               f"{what} input converter"), c.in_cvt_shift), 9)
    half = c.local_size // 2
    C = cin.shape[0]
    padded = np.concatenate([np.zeros((half,) + cin.shape[1:], np.int64), cin * cin,
                             np.zeros((half,) + cin.shape[1:], np.int64)])
    sq = sum(padded[k:k + C] for k in range(c.local_size))
    r = checked_mul(cin, cdp_lut(sq, lut, f"{what} LUT"), f"{what} multiply")
    return out_cvt(r, c.out_cvt_offset, c.out_cvt_scale, c.out_cvt_shift, what)


def out_cvt(v, offset, scale, shift, what="sdp"):
    return sat(rshr(checked_mul(np.asarray(v, dtype=np.int64) - offset, scale, f"{what} output converter"),
                    shift), 8)


def sdp_int8(v, sdp, bs_k=(None, None), bn_k=(None, None), ew_operand=None, what="sdp", lut=None):
    """The whole SDP on v (K, H, W): BS, BN, EW, LUT (when the op has one), output converter -> INT8
    values (int64 array)."""
    v = np.asarray(v, dtype=np.int64)
    v = sdp_stage(v, sdp.bs, *bs_k, what=f"{what} BS", prelu=getattr(sdp, "bs_mul_prelu", 0))
    v = sdp_stage(v, sdp.bn, *bn_k, what=f"{what} BN", prelu=getattr(sdp, "bn_mul_prelu", 0))
    v = sdp_ew(v, sdp.ew, ew_operand, what=what)
    if lut is not None:
        v = sdp_lut(v, lut, f"{what} LUT")
    return out_cvt(v, sdp.out_cvt_offset, sdp.out_cvt_scale, sdp.out_cvt_shift, what)


def pdp_int8(x, method, kernel, stride, pads, pad_value, count_include_pad, out_hw=None):
    """x (C, H, W) INT8; kernel/stride (w, h) / (x, y); pads (left, right, top, bottom). Window positions
    outside the input are padding (docs/datapath.md step 6): MAX/MIN ignore them; AVG counting padding
    (NVDLA) adds pad_value for them and multiplies twice by the reciprocal registers 1/k = 2^16 // k,
    t = rshr(sum * rw, 16), sat_8(rshr(t * rh, 16)); AVG excluding padding (dlasim extension)
    is sat_8(floor((2*sum + count) / (2*count)))."""
    x = np.asarray(x, dtype=np.int64)
    C, H, W = x.shape
    kw, kh = kernel
    sx, sy = stride
    pl, pr, pt, pb = pads
    if out_hw is None:
        out_hw = ((H + pt + pb - kh) // sy + 1, (W + pl + pr - kw) // sx + 1)
    OH, OW = out_hw
    ext_h, ext_w = max((OH - 1) * sy + kh, pt + H), max((OW - 1) * sx + kw, pl + W)
    xp = np.full((C, ext_h, ext_w), pad_value, dtype=np.int64)
    xp[:, pt:pt + H, pl:pl + W] = x
    valid = np.zeros((ext_h, ext_w), dtype=np.int64)
    valid[pt:pt + H, pl:pl + W] = 1
    win = np.empty((C, kh, kw, OH, OW), dtype=np.int64)
    vwin = np.empty((kh, kw, OH, OW), dtype=np.int64)
    for r in range(kh):
        for s in range(kw):
            win[:, r, s] = xp[:, r:r + (OH - 1) * sy + 1:sy, s:s + (OW - 1) * sx + 1:sx]
            vwin[r, s] = valid[r:r + (OH - 1) * sy + 1:sy, s:s + (OW - 1) * sx + 1:sx]
    if method in (L.POOL_MAX, L.POOL_MIN):
        if (vwin.sum(axis=(0, 1)) == 0).any():
            raise RefError("pdp: a window holds no input element")
        big = np.iinfo(np.int64).max
        if method == L.POOL_MAX:
            return np.where(vwin[None] == 1, win, -big).max(axis=(1, 2))
        return np.where(vwin[None] == 1, win, big).min(axis=(1, 2))
    if method != L.POOL_AVG:
        raise RefError(f"pdp: method {method} unknown")
    if count_include_pad:
        total = win.sum(axis=(1, 2))
        t = rshr(total * (65536 // kw), 16)
        return sat(rshr(t * (65536 // kh), 16), 8)
    else:
        total = (win * vwin).sum(axis=(1, 2))
        count = vwin.sum(axis=(0, 1))
        if (count == 0).any():
            raise RefError("pdp: a window holds no input element (count 0)")
    return sat(np.floor_divide(2 * total + count, 2 * count), 8)


# ---- memory formats ----------------------------------------------------------------------------

def feature_offsets(offset, C, H, W, line_stride, surface_stride, atom, bpe=1):
    """Byte offset of element (c, h, w) in the NVDLA feature format, as a (C, H, W) int64 array."""
    cps = atom // bpe
    c = np.arange(C, dtype=np.int64)
    return (offset + ((c // cps) * surface_stride + (c % cps) * bpe)[:, None, None]
            + (np.arange(H, dtype=np.int64) * line_stride)[None, :, None]
            + (np.arange(W, dtype=np.int64) * atom)[None, None, :])


# Image input: NVDLA PIXEL_FORMAT code -> (bytes per pixel, byte of channel R, G, B, A). The format
# names read as a packed little-endian word, most significant component first (A8B8G8R8: R in byte 0).
PIXEL_FORMATS = {0: (1, (0,)),                                  # T_R8
                 12: (4, (0, 1, 2, 3)), 16: (4, (0, 1, 2, 3)),  # T_A8B8G8R8, T_X8B8G8R8
                 13: (4, (2, 1, 0, 3)), 17: (4, (2, 1, 0, 3)),  # T_A8R8G8B8, T_X8R8G8B8
                 14: (4, (1, 2, 3, 0)), 18: (4, (1, 2, 3, 0)),  # T_B8G8R8A8, T_B8G8R8X8
                 15: (4, (3, 2, 1, 0)), 19: (4, (3, 2, 1, 0))}  # T_R8G8B8A8, T_R8G8B8X8


def pixel_offsets(offset, C, H, W, line_stride, pixel_format, what="pixel cube"):
    """Byte offset of element (c, h, w) in a packed pixel format (image input), (C, H, W) int64."""
    if pixel_format not in PIXEL_FORMATS:
        raise RefError(f"{what}: pixel_format {pixel_format} not supported by the reference")
    pb, pos = PIXEL_FORMATS[pixel_format]
    if C > len(pos):
        raise RefError(f"{what}: {C} channels do not fit pixel_format {pixel_format} ({len(pos)} channels)")
    return (offset + np.array(pos[:C], dtype=np.int64)[:, None, None]
            + (np.arange(H, dtype=np.int64) * line_stride)[None, :, None]
            + (np.arange(W, dtype=np.int64) * pb)[None, None, :])


def image_weight_offsets(K, C, R, S, pixel_format, atomic_c, atomic_k):
    """Byte offset of w[k][c][r][s] in the image-input weight format: the DC format of the
    channel-extended kernel K x (S * pixel bytes) x R x 1, channel s * pixel_bytes + byte(c)."""
    pb, pos = PIXEL_FORMATS[pixel_format]
    ext = dc_weight_offsets(K, S * pb, R, 1, atomic_c, atomic_k)[:, :, :, 0]  # (K, S*pb, R)
    e = (np.arange(S, dtype=np.int64)[None, :] * pb + np.array(pos[:C], dtype=np.int64)[:, None])  # (C, S)
    return np.transpose(ext[:, e, :], (0, 1, 3, 2))  # (K, C, S, R) -> (K, C, R, S)


def dc_weight_offsets(K, C, R, S, atomic_c, atomic_k):
    """Byte offset of w[k][c][r][s] (INT8) in the direct-convolution format, (K, C, R, S) int64:
    kernel groups of atomic_k kernels (the last one short), in each channel blocks of atomic_c
    channels (the last one holds C mod atomic_c, unpadded), (r, s, kernel) atoms of the block's width."""
    kpg = atomic_k
    k = np.arange(K, dtype=np.int64)[:, None, None, None]
    c = np.arange(C, dtype=np.int64)[None, :, None, None]
    r = np.arange(R, dtype=np.int64)[None, None, :, None]
    s = np.arange(S, dtype=np.int64)[None, None, None, :]
    g, kin = k // kpg, k % kpg
    kg = np.minimum(kpg, K - g * kpg)  # kernels in this (possibly short, unpadded) group
    c0 = c // atomic_c * atomic_c      # first channel of c's block; every earlier block is full
    bw = np.minimum(atomic_c, C - c0)  # channels in c's block
    return g * kpg * C * R * S + c0 * R * S * kg + ((r * S + s) * kg + kin) * bw + (c - c0)


def dc_weight_bytes(K, C, R, S, atomic_c):
    raw = K * C * R * S
    return -(-raw // 128) * 128


def pack_weights_dc(w, atomic_c, atomic_k):
    """INT8 weights (K, C, R, S) -> bytes in the DC format (padding zero)."""
    K, C, R, S = w.shape
    buf = np.zeros(dc_weight_bytes(K, C, R, S, atomic_c), dtype=np.uint8)
    buf[dc_weight_offsets(K, C, R, S, atomic_c, atomic_k)] = np.asarray(w, dtype=np.int8).view(np.uint8)
    return buf.tobytes()


# ---- loadable executor -------------------------------------------------------------------------

class Int8Executor:
    def __init__(self, lod, source="loadable"):
        self.lod, self.source = lod, source
        if lod.precision != L.PREC_INT8:
            raise RefError(f"{source}: precision {lod.precision} (this reference executes INT8 only)")
        self.atom = lod.memory_atomic_bytes
        self.mem = []
        for i, r in enumerate(lod.regions):
            buf = np.zeros(r.size, dtype=np.uint8)
            if r.blob_size:
                if r.blob_offset + r.blob_size > len(lod.blob) or r.blob_size > r.size:
                    raise RefError(f"{source}: region {i}: blob {r.blob_offset}+{r.blob_size} outside the blob "
                                   f"({len(lod.blob)} B) or the region ({r.size} B)")
                buf[:r.blob_size] = np.frombuffer(lod.blob, np.uint8, r.blob_size, r.blob_offset)
            self.mem.append(buf)

    def _region(self, index, what):
        if not 0 <= index < len(self.mem):
            raise RefError(f"{self.source}: {what}: region {index} out of range (0..{len(self.mem) - 1})")
        return self.mem[index]

    def _addresses(self, region, offset, C, H, W, ls, ss, what, pixel_format=None):
        buf = self._region(region, what)
        if pixel_format is None:
            idx = feature_offsets(offset, C, H, W, ls, ss, self.atom)
        else:
            idx = pixel_offsets(offset, C, H, W, ls, pixel_format, what)
        if idx.size and (idx.min() < 0 or idx.max() >= len(buf)):
            raise RefError(f"{self.source}: {what}: surface reaches byte {idx.max()} of region {region} "
                           f"({len(buf)} B)")
        return buf, idx

    def read_surface(self, s, what, pixel_format=None):
        if s.precision != L.PREC_INT8:
            raise RefError(f"{self.source}: {what}: precision {s.precision} (INT8 only)")
        buf, idx = self._addresses(s.region, s.offset, s.channels, s.height, s.width, s.line_stride,
                                   s.surface_stride, what, pixel_format)
        return buf[idx].view(np.int8).astype(np.int64)

    def write_surface(self, s, values, what):
        if s.precision != L.PREC_INT8:
            raise RefError(f"{self.source}: {what}: precision {s.precision} (INT8 only)")
        if values.shape != (s.channels, s.height, s.width):
            raise RefError(f"{self.source}: {what}: result {values.shape} does not fit the destination "
                           f"{s.channels}x{s.height}x{s.width}")
        buf, idx = self._addresses(s.region, s.offset, s.channels, s.height, s.width, s.line_stride,
                                   s.surface_stride, what)
        buf[idx] = values.astype(np.int8).view(np.uint8)

    def _tensor_cube(self, t, n):
        pixel_format = t.pixel_format if t.data_format == L.DATA_PIXEL else None
        return self._addresses(t.region, t.offset + n * t.batch_stride, t.c, t.h, t.w, t.line_stride,
                               t.surface_stride, f"tensor '{t.name}'", pixel_format)

    def set_input(self, t, x):
        if t.precision != L.PREC_INT8:
            raise RefError(f"{self.source}: tensor '{t.name}': precision {t.precision} (INT8 only)")
        x = np.asarray(x, dtype=np.float64)
        if x.size != t.n * t.c * t.h * t.w:
            raise RefError(f"{self.source}: input '{t.name}' has shape {x.shape}, expected {t.n}x{t.c}x{t.h}x{t.w}")
        q = np.clip(np.floor(x.reshape(t.n, t.c, t.h, t.w) / np.float64(t.scale) + 0.5), -128, 127)
        for n in range(t.n):
            buf, idx = self._tensor_cube(t, n)
            buf[idx] = q[n].astype(np.int8).view(np.uint8)

    def get_output(self, t):
        out = np.empty((t.n, t.c, t.h, t.w), dtype=np.float32)
        for n in range(t.n):
            buf, idx = self._tensor_cube(t, n)
            out[n] = buf[idx].view(np.int8).astype(np.float64) * np.float64(t.scale)
        return out

    def _per_kernel(self, st, K, what):
        if not st.enable or not ((st.alu_enable and st.alu_src == L.OPERAND_PER_KERNEL) or
                                 (st.mul_enable and st.mul_src == L.OPERAND_PER_KERNEL)):
            return None, None
        buf = self._region(st.operand_region, what)
        if st.operand_offset + 4 * K > len(buf):
            raise RefError(f"{self.source}: {what}: {K} per-kernel operands at {st.operand_offset} exceed "
                           f"region {st.operand_region} ({len(buf)} B)")
        pairs = buf[st.operand_offset:st.operand_offset + 4 * K].view("<i2").reshape(K, 2).astype(np.int64)
        return pairs[:, 0], pairs[:, 1]

    def run(self):
        streams = {}  # op index -> on-the-fly cube produced for its fused child
        for i, op in enumerate(self.lod.ops):
            what = f"op {i} ({L.OP_KIND_NAMES.get(op.kind, op.kind)}, layer {op.layer})"
            if op.kind == L.OP_CONV:
                # NVDLA batch mode (loadable 1.2): the op computes `batch` images, image b's input
                # src_batch_stride bytes after image b-1's; the fused SDP writes them at its
                # dst_batch_stride. Streams carry one cube per image.
                c = op.u.conv
                batch = max(c.batch, 1)
                streams[i] = [self._conv(c, what, b * c.src_batch_stride) for b in range(batch)]
            elif op.kind in (L.OP_SDP, L.OP_PDP):
                self.op_index = i
                u = op.u.sdp if op.kind == L.OP_SDP else op.u.pdp
                if u.src.region == -1:
                    if op.fused_parent not in streams:
                        raise RefError(f"{self.source}: {what}: on-the-fly source but fused_parent "
                                       f"{op.fused_parent} produced no stream")
                    xs = streams.pop(op.fused_parent)
                    parent = self.lod.ops[op.fused_parent]
                    dst_stride = parent.u.conv.dst_batch_stride if parent.kind == L.OP_CONV else 0
                    if len(xs) > 1 and (op.kind != L.OP_SDP or u.dst.region == -1):
                        raise RefError(f"{self.source}: {what}: a batched conv must feed an SDP writing to memory")
                    for x in xs:
                        if x.shape != (u.src.channels, u.src.height, u.src.width):
                            raise RefError(f"{self.source}: {what}: stream {x.shape} differs from src "
                                           f"{u.src.channels}x{u.src.height}x{u.src.width}")
                else:
                    xs, dst_stride = [self.read_surface(u.src, f"{what} src")], 0
                ys = [self._sdp(u, x, what) if op.kind == L.OP_SDP else self._pdp(u, x) for x in xs]
                if u.dst.region == -1:
                    streams[i] = ys
                else:
                    for b, y in enumerate(ys):
                        dst = L.Record(u.dst)
                        dst.offset = u.dst.offset + b * dst_stride
                        self.write_surface(dst, y, f"{what} dst")
            elif op.kind == L.OP_RUBIK:
                r = op.u.rubik
                self.write_surface(r.dst, self._rubik(r, self.read_surface(r.src, f"{what} src"), what),
                                   f"{what} dst")
            elif op.kind == L.OP_CDP:
                c = op.u.cdp
                if c.src.precision != L.PREC_INT8 or c.local_size not in (3, 5, 7, 9):
                    raise RefError(f"{self.source}: {what}: CDP precision {c.src.precision} / local_size "
                                   f"{c.local_size} (INT8, 3/5/7/9 only)")
                luts = [t for t in self.lod.get("luts", []) if t.op == i]
                if len(luts) != 1:
                    raise RefError(f"{self.source}: {what}: {len(luts)} LUTs for a CDP op (expected 1)")
                self.write_surface(c.dst, cdp_int8(self.read_surface(c.src, f"{what} src"), c, luts[0], what),
                                   f"{what} dst")
            else:
                raise RefError(f"{self.source}: {what}: op kind not supported by the reference")
        if streams:
            raise RefError(f"{self.source}: on-the-fly output of op(s) {sorted(streams)} never consumed")

    def _conv(self, c, what, src_shift=0):
        if c.precision != L.PREC_INT8 or c.weight_format != L.WEIGHT_DENSE:
            raise RefError(f"{self.source}: {what}: precision {c.precision} / weight_format {c.weight_format} "
                           f"(INT8 dense only)")
        if c.kernel_c != c.src.channels:
            raise RefError(f"{self.source}: {what}: kernel_c {c.kernel_c} != src channels {c.src.channels}")
        image = c.data_format == L.DATA_PIXEL
        if image and c.pixel_format not in PIXEL_FORMATS:
            raise RefError(f"{self.source}: {what}: pixel_format {c.pixel_format} not supported by the reference")
        src = L.Record(c.src)
        src.offset = c.src.offset + src_shift
        x = self.read_surface(src, f"{what} src", c.pixel_format if image else None)
        K, C, R, S = c.kernel_k, c.kernel_c, c.kernel_h, c.kernel_w
        # image input: weights of the channel-extended K x (S * pixel bytes) x R x 1 kernel
        wc, ws = (S * PIXEL_FORMATS[c.pixel_format][0], 1) if image else (C, S)
        raw = K * wc * R * ws
        buf = self._region(c.weight_region, f"{what} weights")
        if c.weight_bytes < raw or c.weight_offset + raw > len(buf):
            raise RefError(f"{self.source}: {what}: weights {c.weight_offset}+{c.weight_bytes} B in region "
                           f"{c.weight_region} ({len(buf)} B); the {'image' if image else 'DC'} format of "
                           f"{K}x{C}x{R}x{S} needs {raw} B")
        if image:
            idx = c.weight_offset + image_weight_offsets(K, C, R, S, c.pixel_format, self.lod.atomic_c,
                                                         self.lod.atomic_k)
        else:
            idx = c.weight_offset + dc_weight_offsets(K, C, R, S, self.lod.atomic_c, self.lod.atomic_k)
        w = buf[idx].view(np.int8)
        return conv_int8(x, w, (c.stride_x, c.stride_y), (c.dilation_x, c.dilation_y),
                         (c.pad_left, c.pad_right, c.pad_top, c.pad_bottom), c.pad_value, (c.out_h, c.out_w),
                         c.clip_truncate)

    def _sdp(self, s, x, what):
        K = x.shape[0]
        ew = None
        if s.ew.enable:
            o = s.ew.operand
            if (o.channels, o.height, o.width) != x.shape:
                raise RefError(f"{self.source}: {what}: EW operand {o.channels}x{o.height}x{o.width} != {x.shape}")
            ew = self.read_surface(o, f"{what} EW operand")
        luts = [t for t in self.lod.get("luts", []) if t.op == self.op_index]
        if len(luts) > 1:
            raise RefError(f"{self.source}: {what}: {len(luts)} LUTs for one op")
        return sdp_int8(x, s, self._per_kernel(s.bs, K, f"{what} BS"), self._per_kernel(s.bn, K, f"{what} BN"),
                        ew, what, luts[0] if luts else None)

    def _rubik(self, r, x, what):
        if r.mode != L.RUBIK_CONTRACT:
            raise RefError(f"{self.source}: {what}: RUBIK mode {r.mode} (contract only)")
        return rubik_contract(x, r.stride_x, r.stride_y, r.dst.channels, self.atom)

    def _pdp(self, p, x):
        return pdp_int8(x, p.method, (p.kernel_w, p.kernel_h), (p.stride_x, p.stride_y),
                        (p.pad_left, p.pad_right, p.pad_top, p.pad_bottom), p.pad_value, p.count_include_pad,
                        (p.dst.height, p.dst.width))


def rubik_contract(x, sx, sy, K, atom):
    """RUBIK contract (docs/units/rubik.md): x is C x H x W with C = sx * sy groups of Kp = K rounded up to
    whole surfaces (atom bytes, INT8); group g = j * sx + i holds output pixel (w * sx + i, h * sy + j)."""
    kp = -(-K // atom) * atom
    C, H, W = x.shape
    if C != kp * sx * sy:
        raise RefError(f"contract input has {C} channels, expected {sx} x {sy} groups of {kp}")
    g = x.reshape(sy, sx, kp, H, W)[:, :, :K]  # [j, i, c, h, w]
    return g.transpose(2, 3, 0, 4, 1).reshape(K, H * sy, W * sx)  # [c, h, j, w, i]


def execute(lod, inputs, source="loadable"):
    """Run a parsed loadable on {input tensor name: float array}; returns {output tensor name: float32 array}."""
    ex = Int8Executor(lod, source)
    ins = [t for t in lod.tensors if t.role == L.ROLE_INPUT]
    for t in ins:
        ex.set_input(t, inputs[t.name])
    ex.run()
    return {t.name: ex.get_output(t) for t in lod.tensors if t.role == L.ROLE_OUTPUT}


def main(argv=None):
    return refutil.loadable_reference_main(argv, __doc__, "int8_ref", execute, (RefError,))

if __name__ == "__main__":
    sys.exit(main())
