#!/usr/bin/python3
"""Self-test of the INT8 reference: its vectorised primitives against naive per-element loops written
straight from docs/datapath.md with Python integers, the loadable reader against hand-computed record
sizes and malformed files, and a Python-built loadable run end to end through the int8_ref.py CLI."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import int8_ref as R  # noqa: E402
import loadable as L  # noqa: E402


# ---- naive versions (Python ints, one element at a time) -----------------------------------------

def n_rshr(x, s):
    # halves away from zero: sign(x) * floor((|x| + 2^(s-1)) / 2^s)
    if s == 0:
        return x
    m = (abs(x) + (1 << (s - 1))) >> s
    return -m if x < 0 else m


def n_sat(x, bits):
    return max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, x))


def n_conv(x, w, sx, sy, dx, dy, pl, pt, pad_value, oh, ow, trunc):
    C, H, W = len(x), len(x[0]), len(x[0][0])
    K, R_, S_ = len(w), len(w[0][0]), len(w[0][0][0])
    out = [[[0] * ow for _ in range(oh)] for _ in range(K)]
    for k in range(K):
        for y in range(oh):
            for xx in range(ow):
                acc = 0
                for c in range(C):
                    for r in range(R_):
                        for s in range(S_):
                            iy, ix = y * sy - pt + r * dy, xx * sx - pl + s * dx
                            v = x[c][iy][ix] if 0 <= iy < H and 0 <= ix < W else pad_value
                            acc += v * w[k][c][r][s]
                out[k][y][xx] = n_sat(n_rshr(acc, trunc), 32)
    return out


def n_stage(v, st, alu, mul):
    if not st.enable:
        return v
    if st.alu_enable:
        a = alu << st.alu_shift
        v = v + a if st.alu_op == L.ALU_SUM else max(v, a) if st.alu_op == L.ALU_MAX else min(v, a)
    if st.mul_enable:
        v = n_rshr(v * mul, st.mul_shift)
    if st.relu:
        v = max(v, 0)
    return n_sat(v, 32)


def n_sdp(cube, sdp, bs_ops, bn_ops, ew_cube):
    out = []
    for k, plane in enumerate(cube):
        rows = []
        for y, row in enumerate(plane):
            vals = []
            for x, v in enumerate(row):
                for st, ops in ((sdp.bs, bs_ops), (sdp.bn, bn_ops)):
                    alu = ops[k][0] if st.alu_src == L.OPERAND_PER_KERNEL else st.alu_operand
                    mul = ops[k][1] if st.mul_src == L.OPERAND_PER_KERNEL else st.mul_operand
                    v = n_stage(v, st, alu, mul)
                ew = sdp.ew
                if ew.enable:
                    if ew.mul_enable:  # NVDLA's Y order: MUL, then ALU
                        v = n_sat(n_rshr(v * ew.mul_operand, ew.mul_shift), 32)
                    e = n_sat(n_rshr((ew_cube[k][y][x] - ew.cvt_offset) * ew.cvt_scale, ew.cvt_shift), 32)
                    v = v + e if ew.alu_op == L.ALU_SUM else max(v, e) if ew.alu_op == L.ALU_MAX else min(v, e)
                    v = n_sat(v, 32)
                    if ew.relu:
                        v = max(v, 0)
                    v = n_sat(v, 32)
                vals.append(n_sat(n_rshr((v - sdp.out_cvt_offset) * sdp.out_cvt_scale, sdp.out_cvt_shift), 8))
            rows.append(vals)
        out.append(rows)
    return out


def n_pdp(x, method, kw, kh, sx, sy, pl, pt, pad_value, include_pad, oh, ow):
    C, H, W = len(x), len(x[0]), len(x[0][0])
    out = [[[0] * ow for _ in range(oh)] for _ in range(C)]
    for c in range(C):
        for y in range(oh):
            for xx in range(ow):
                vals, total, count = [], 0, 0
                for r in range(kh):
                    for s in range(kw):
                        iy, ix = y * sy - pt + r, xx * sx - pl + s
                        inside = 0 <= iy < H and 0 <= ix < W
                        v = x[c][iy][ix] if inside else pad_value
                        if inside:
                            vals.append(v)  # NVDLA: padding takes no part in MAX/MIN
                        if inside or include_pad:
                            total += v
                            count += 1
                if method == L.POOL_MAX:
                    out[c][y][xx] = max(vals)
                elif method == L.POOL_MIN:
                    out[c][y][xx] = min(vals)
                elif include_pad:
                    # NVDLA: two multiplies by 1/k = 2^16 // k, each a right shift by 16 rounding halves
                    # away from zero (Python's round-half-even is not it: written out on integers).
                    def away(v, s=16):
                        q, r = divmod(abs(v), 1 << s)
                        q += 1 if 2 * r >= (1 << s) else 0
                        return q if v >= 0 else -q
                    out[c][y][xx] = n_sat(away(away(total * (65536 // kw)) * (65536 // kh)), 8)
                else:
                    out[c][y][xx] = n_sat((2 * total + count) // (2 * count), 8)
    return out


def random_stage(rng, K):
    st = L.zero_record("sdp_stage")
    st.update(enable=1, alu_enable=int(rng.integers(2)), alu_op=int(rng.integers(3)), alu_src=int(rng.integers(2)),
              alu_operand=int(rng.integers(-5000, 5000)), alu_shift=int(rng.integers(0, 8)),
              mul_enable=int(rng.integers(2)), mul_src=int(rng.integers(2)),
              mul_operand=int(rng.integers(-32768, 32768)), mul_shift=int(rng.integers(0, 24)),
              relu=int(rng.integers(2)))
    return st


def cdp_lut_record(lo, lo_sel=0, le=None):
    """A CDP LUT with a linear LO table from 0 in steps of 2^lo_sel and a constant-zero linear LE table
    that never hits before LO (start past every test input); priorities LO."""
    t = L.zero_record("lut")
    t.le_function = 1
    t.lo_index_select = lo_sel
    t.lo_end = 256 << lo_sel
    t.le_start, t.le_end = 1 << 30, (1 << 30) + 64
    t.uflow_priority = t.hybrid_priority = 1
    t.lo = list(lo) + [lo[-1]] * (L.LUT_LO_ENTRIES - len(lo))
    t.le = le if le is not None else [0] * L.LUT_LE_ENTRIES
    return t


class CdpTest(unittest.TestCase):
    def test_lut_interpolation_rounds_the_difference_term_away_from_zero(self):
        # T[0] = 10, T[1] = 20, select 4: x = 8 -> fraction 8/16 -> 10 + rnd(10 * 0.5) = 15; x = 1 ->
        # 10 + rnd(10 / 16 = 0.625) = 11. T[0] = -1, T[1] = 0: x = 8 -> -1 + rnd(+0.5) = 0 (rounding the
        # whole -0.5 away from zero would give -1).
        self.assertEqual(R.cdp_lut(np.array([8, 1]), cdp_lut_record([10, 20], 4)).tolist(), [15, 11])
        self.assertEqual(R.cdp_lut(np.array([8]), cdp_lut_record([-1, 0], 4)).tolist(), [0])

    def test_lut_zero_input_underflows_to_the_first_entry_and_past_the_end_overflows_to_the_last(self):
        # x == start underflows (slope 0: T[0]); LO index 256 overflows (slope 0: T[256] = 7, the LE table
        # underflows too: one under-, one overflow -> HYBRID priority LO).
        t = cdp_lut_record([3] + [5] * 255 + [7])
        self.assertEqual(R.cdp_lut(np.array([0, 256, 1000]), t).tolist(), [3, 7, 7])

    def test_lrn_sums_squares_over_the_window_with_zeros_outside_the_cube(self):
        # C = 3, window 3, identity converters, LUT(sq) = sq (LO entries i, select 0): sq = 1+4, 1+4+9,
        # 4+9 = 5, 14, 13 and out = cin * sq = 5, 28, 39.
        c = L.zero_record("cdp")
        c.local_size = 3
        c.in_cvt_scale = c.out_cvt_scale = 1
        x = np.array([1, 2, 3]).reshape(3, 1, 1)
        out = R.cdp_int8(x, c, cdp_lut_record(list(range(L.LUT_LO_ENTRIES))))
        self.assertEqual(out.reshape(-1).tolist(), [5, 28, 39])

    def test_lrn_input_converter_saturates_to_nine_bits(self):
        # cin = sat_9((100 - (-100)) * 2) = 255 (not 400); sq = 255^2 = 65025 -> LO index 65025 >> 8 = 254,
        # fraction 1/256: 1 + rnd(0 * ...) = 1 (entries all 1); out = rshr(255 * 1, 1) = 128 -> sat_8 127.
        c = L.zero_record("cdp")
        c.local_size = 3
        c.in_cvt_offset, c.in_cvt_scale = -100, 2
        c.out_cvt_scale, c.out_cvt_shift = 1, 1
        out = R.cdp_int8(np.array([100]).reshape(1, 1, 1), c, cdp_lut_record([1], 8))
        self.assertEqual(out.reshape(-1).tolist(), [127])


class PrimitiveTest(unittest.TestCase):
    def test_rshr_rounds_halves_away_from_zero_on_hand_values(self):
        # NVDLA (ac_fixed AC_RND_INF): 5/2 = 2.5 -> 3; -5/2 = -2.5 -> -3; 7/2 = 3.5 -> 4;
        # -6/4 = -1.5 -> -2; 7/4 = 1.75 -> 2; -7/4 = -1.75 -> -2; -5/4 = -1.25 -> -1
        np.testing.assert_array_equal(R.rshr(np.array([5, -5, 7]), 1), [3, -3, 4])
        np.testing.assert_array_equal(R.rshr(np.array([-6, 7, -7, -5]), 2), [-2, 2, -2, -1])
        np.testing.assert_array_equal(R.rshr(np.array([-3]), 0), [-3])
        rng = np.random.default_rng(1)
        xs = rng.integers(-(1 << 40), 1 << 40, 500)
        for s in (1, 5, 17, 31):
            self.assertEqual(R.rshr(xs, s).tolist(), [n_rshr(int(x), s) for x in xs])

    def test_conv_matches_naive_loops_with_padding_stride_dilation(self):
        rng = np.random.default_rng(2)
        cases = [  # C, H, W, K, R, S, sx, sy, dx, dy, pl, pr, pt, pb, pad_value, trunc
            (3, 7, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
            (13, 6, 9, 4, 3, 2, 2, 1, 1, 2, 0, 2, 1, 0, -3, 3),
            (5, 8, 8, 7, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 0, 1),
            (2, 5, 5, 3, 3, 3, 1, 2, 2, 1, 2, 1, 0, 2, 17, 5),
        ]
        for C, H, W, K, Rk, Sk, sx, sy, dx, dy, pl, pr, pt, pb, pv, tr in cases:
            with self.subTest(C=C, K=K, R=Rk, S=Sk):
                x = rng.integers(-128, 128, (C, H, W))
                w = rng.integers(-128, 128, (K, C, Rk, Sk))
                oh = (H + pt + pb - (Rk - 1) * dy - 1) // sy + 1
                ow = (W + pl + pr - (Sk - 1) * dx - 1) // sx + 1
                got = R.conv_int8(x, w, (sx, sy), (dx, dy), (pl, pr, pt, pb), pv, (oh, ow), tr)
                want = n_conv(x.tolist(), w.tolist(), sx, sy, dx, dy, pl, pt, pv, oh, ow, tr)
                self.assertEqual(got.tolist(), want)

    def test_sdp_prelu_multiplies_and_shifts_only_negative_values(self):
        # NVDLA MUL_PRELU (loadable 1.3): x < 0 -> rshr(x * m, s); x >= 0 passes unmultiplied, unshifted.
        # m = 3, s = 1: -5 -> -15 / 2 = -7.5 -> -8 (away from zero); -1 -> -1.5 -> -2; 0, 3, 7 pass.
        # Without PReLU 3 -> 9 / 2 = 4.5 -> 5 and 7 -> 10.5 -> 11.
        st = L.zero_record("sdp_stage")
        st.update(enable=1, mul_enable=1, mul_src=L.OPERAND_PER_LAYER, mul_operand=3, mul_shift=1)
        v = np.array([[[-5, -1, 0, 3, 7]]])
        self.assertEqual(R.sdp_stage(v, st, prelu=1).tolist(), [[[-8, -2, 0, 3, 7]]])
        self.assertEqual(R.sdp_stage(v, st).tolist(), [[[-8, -2, 0, 5, 11]]])
        # Per-kernel slopes 2 and -1 (shift 0): channel 0 doubles its negatives, channel 1 negates them.
        st.update(mul_src=L.OPERAND_PER_KERNEL, mul_shift=0)
        v2 = np.array([[[-3, 4]], [[-3, 4]]])
        self.assertEqual(R.sdp_stage(v2, st, None, [2, -1], prelu=1).tolist(), [[[-6, 4]], [[3, 4]]])
        # Through sdp_int8 the record's bn_mul_prelu flag selects it.
        sdp = L.zero_record("sdp")
        sdp.bn = st
        sdp.bn.update(mul_src=L.OPERAND_PER_LAYER, mul_operand=3, mul_shift=1)
        sdp.update(out_cvt_scale=1, bn_mul_prelu=1)
        self.assertEqual(R.sdp_int8(v, sdp).tolist(), [[[-8, -2, 0, 3, 7]]])

    def test_sdp_matches_naive_per_element_including_saturation(self):
        rng = np.random.default_rng(3)
        for trial in range(40):
            K, H, W = 5, 3, 4
            v = rng.integers(-(1 << 31), 1 << 31, (K, H, W))
            v[0, 0, :2] = [(1 << 31) - 1, -(1 << 31)]  # extremes drive ALU/MUL into sat_32
            sdp = L.zero_record("sdp")
            sdp.bs, sdp.bn = random_stage(rng, K), random_stage(rng, K)
            sdp.ew.update(enable=int(rng.integers(2)), cvt_offset=int(rng.integers(-20, 20)),
                          cvt_scale=int(rng.integers(-3000, 3000)), cvt_shift=int(rng.integers(0, 12)),
                          alu_op=int(rng.integers(3)), mul_enable=int(rng.integers(2)),
                          mul_operand=int(rng.integers(-30000, 30000)), mul_shift=int(rng.integers(0, 16)),
                          relu=int(rng.integers(2)))
            sdp.update(out_cvt_offset=int(rng.integers(-100, 100)), out_cvt_scale=int(rng.integers(1, 40000)),
                       out_cvt_shift=int(rng.integers(0, 40)))
            bs_ops = rng.integers(-32768, 32768, (K, 2))
            bn_ops = rng.integers(-32768, 32768, (K, 2))
            ew = rng.integers(-128, 128, (K, H, W))
            with self.subTest(trial=trial):
                got = R.sdp_int8(v, sdp, (bs_ops[:, 0], bs_ops[:, 1]), (bn_ops[:, 0], bn_ops[:, 1]), ew)
                want = n_sdp(v.tolist(), sdp, bs_ops.tolist(), bn_ops.tolist(), ew.tolist())
                self.assertEqual(got.tolist(), want)

    def test_pdp_matches_naive_for_every_method_and_pad_rule(self):
        rng = np.random.default_rng(4)
        for method in (L.POOL_AVG, L.POOL_MAX, L.POOL_MIN):
            for include_pad in (0, 1):
                for kw, kh, sx, sy, pl, pr, pt, pb, pv in ((3, 3, 2, 2, 1, 1, 1, 1, -128), (2, 3, 1, 2, 0, 1, 2, 0, 5),
                                                           (7, 7, 1, 1, 0, 0, 0, 0, 0)):
                    C, H, W = 13, 7, 8
                    x = rng.integers(-128, 128, (C, H, W))
                    oh, ow = (H + pt + pb - kh) // sy + 1, (W + pl + pr - kw) // sx + 1
                    with self.subTest(method=method, include_pad=include_pad, k=(kw, kh)):
                        got = R.pdp_int8(x, method, (kw, kh), (sx, sy), (pl, pr, pt, pb), pv, include_pad, (oh, ow))
                        want = n_pdp(x.tolist(), method, kw, kh, sx, sy, pl, pt, pv, include_pad, oh, ow)
                        self.assertEqual(got.tolist(), want)

    def test_dc_weight_offsets_follow_the_documented_loop_order(self):
        # Hand derivation, K=3, C=5, R=1, S=2, AtomC=4, AtomK=2 (NVDLA: the last channel block holds
        # C mod AtomC = 1 channel, unpadded): group 0 = kernels 0,1: block 0 = 1 x 2 x 2 kernels x 4
        # = 16 bytes, block 1 = 1 x 2 x 2 x 1 = 4 bytes (20 = 2 x 5 x 2); group 1 = kernel 2 alone at 20.
        # w[1][2][0][1]: g0, cb0, (s1 * 2 kernels + k1) * 4 + c2 = 14.
        # w[0][4][0][0]: g0, block 1 at 16, (s0 * 2 + k0) * 1 = 16.
        # w[1][4][0][1]: g0, block 1 at 16, (s1 * 2 + k1) * 1 = 19.
        # w[2][4][0][1]: g1 base 20 + block 1 at 4 x 1 x 2 x 1 = 8, (s1 * 1 + k0) * 1 -> 29.
        off = R.dc_weight_offsets(3, 5, 1, 2, 4, 2)
        self.assertEqual((off[1, 2, 0, 1], off[0, 4, 0, 0], off[1, 4, 0, 1], off[2, 4, 0, 1]), (14, 16, 19, 29))
        # NVDLA's trace test dc_8x8x36_4x4x36x16 (nv_small, AtomC 8): D_WEIGHT_BYTES = 16 x 36 x 4 x 4 = 9216.
        self.assertEqual(R.dc_weight_bytes(16, 36, 4, 4, 8), 9216)
        rng = np.random.default_rng(5)
        for K, C, Rk, Sk, ac, ak in ((3, 5, 1, 2, 4, 2), (40, 13, 3, 3, 8, 16), (33, 70, 1, 1, 32, 32)):
            w = rng.integers(-128, 128, (K, C, Rk, Sk))
            naive = bytearray()
            for g in range(0, K, ak):
                for cb in range(0, C, ac):
                    for r in range(Rk):
                        for s in range(Sk):
                            for k in range(g, min(g + ak, K)):
                                for c in range(cb, min(cb + ac, C)):
                                    naive.append(int(w[k][c][r][s]) & 0xFF)
            naive += bytes(-len(naive) % 128)
            self.assertEqual(R.pack_weights_dc(w, ac, ak), bytes(naive))

    def test_feature_offsets_follow_the_documented_formula(self):
        off = R.feature_offsets(100, 40, 3, 5, 5 * 32 + 64, 3 * 224 + 32, 32)
        for c, h, w in ((0, 0, 0), (31, 2, 4), (32, 0, 1), (39, 1, 3)):
            self.assertEqual(off[c, h, w], 100 + (c // 32) * 704 + h * 224 + w * 32 + c % 32)


class ImageInputLayoutTest(unittest.TestCase):
    """Pixel cubes and image-mode (channel-extended) weights, offsets derived by hand from
    docs/datapath.md "Image input"."""

    def test_pixel_offsets_follow_the_format_byte_order(self):
        # T_A8B8G8R8 (12): channel c in byte c; T_R8G8B8A8 (15): bytes A B G R, so R (c = 0) in byte 3.
        # Element (c, h, w) at c' + 32 h + 4 w with line stride 32 and 4-byte pixels.
        abgr = R.pixel_offsets(0, 3, 2, 2, 32, 12)
        rgba = R.pixel_offsets(100, 3, 2, 2, 32, 15)
        self.assertEqual(abgr[2, 1, 1], 2 + 32 + 4)
        self.assertEqual(rgba[0, 0, 1], 100 + 3 + 4)
        self.assertEqual(rgba[2, 1, 0], 100 + 1 + 32)
        self.assertEqual(R.pixel_offsets(0, 1, 1, 3, 32, 0).tolist(), [[[0, 1, 2]]])  # T_R8: 1-byte pixels
        with self.assertRaises(R.RefError):
            R.pixel_offsets(0, 3, 1, 1, 32, 6)  # T_A16B16G16R16 is not supported

    def test_image_weights_are_the_dc_layout_of_the_extended_kernel(self):
        # K=2, C=3, R=2, S=2, 4-byte pixels, AtomC 8, AtomK 8: extended channels S*4 = 8 = one block;
        # DC order r -> k -> 8 extended channels, extended channel s*4 + byte(c):
        # w[k][c][r][s] at (r*2 + k)*8 + s*4 + byte(c).
        off = R.image_weight_offsets(2, 3, 2, 2, 12, 8, 8)
        self.assertEqual(off.shape, (2, 3, 2, 2))
        self.assertEqual(off[1, 0, 1, 1], (1 * 2 + 1) * 8 + 4 + 0)
        self.assertEqual(off[0, 2, 0, 1], 0 * 8 + 4 + 2)
        off15 = R.image_weight_offsets(2, 3, 2, 2, 15, 8, 8)
        self.assertEqual(off15[1, 0, 1, 1], (1 * 2 + 1) * 8 + 4 + 3)
        # S=3 -> 12 extended channels = 2 blocks of 8: block 1 holds s = 2 (channels 8..11) after
        # block 0's R*K*8 = 32 bytes, 4 channels wide (12 mod 8, unpadded): w[0][1][0][2] at 32 + 0 + 1,
        # w[1][1][1][2] at 32 + (r1 * 2 + k1) * 4 + 1 = 45.
        off3 = R.image_weight_offsets(2, 3, 2, 3, 12, 8, 8)
        self.assertEqual((off3[0, 1, 0, 2], off3[1, 1, 1, 2]), (32 + 1, 45))


class LoadableReaderTest(unittest.TestCase):
    def test_record_sizes_match_the_header_field_lists(self):
        # Hand sums of loadable.h fields (u32/i32/f32 4, u64 8, char[N] N, no padding):
        # region 4+4+8+4+8+8 = 36; surface 4+8+5*4 = 32+4 = 36; tensor 128+4+16+4+4+8+4+4+8+4 = 184;
        # layer 128+32+8 = 168; target 64+6*4+128+2*4 = 224; sdp_stage 12*4+8 = 56;
        # sdp = 2*36 + 8 + 2*56 + ew(4+36+8*4 = 72) + 12 = 276 (the largest member: conv is 180, pdp 120,
        # cdp 88); op = common (5*4 + 8*4 + 8 = 60) + 276 = 336.
        # loadable 1.1 appends data_format and pixel_format (4 + 4) to tensor and conv; 1.2 appends
        # batch, src_batch_stride, dst_batch_stride (4 + 8 + 8) to conv, still smaller than sdp; 1.3
        # appends the CDP's six converter fields and two scales (8 * 4) to cdp: 120; and the BS and BN
        # mul_prelu flags (4 + 4) to sdp: 284, the largest member, so the op record is 344.
        self.assertEqual([L.struct_size(n) for n in ("region", "surface", "tensor", "layer", "target")],
                         [36, 36, 184 + 8, 168, 224])
        self.assertEqual([L.struct_size(n) for n in ("conv", "sdp", "pdp", "cdp")],
                         [180 + 8 + 20, 276 + 8, 120, 88 + 32])
        self.assertEqual(L.OP_RECORD_BYTES, 336 + 8)

    def test_malformed_files_are_refused_with_the_reason(self):
        good = bytearray(L.serialise(tiny_loadable(np.random.default_rng(6))[0]))
        L.parse(good)

        def refused(data, needle):
            with self.assertRaises(L.LoadableError) as cm:
                L.parse(bytes(data), "x.dlal")
            self.assertIn(needle, str(cm.exception))
            self.assertIn("x.dlal", str(cm.exception))

        refused(good[:40], "shorter than the 64-byte header")
        bad = bytearray(good)
        bad[0] ^= 1
        refused(bad, "bad magic")
        bad = bytearray(good)
        bad[4] = 2
        refused(bad, f"version 2.{L.VERSION_MINOR}")  # the writer writes the current minor
        refused(good + b"\0", "differs from the real size")
        bad = bytearray(good)
        bad[-1] ^= 0x55
        refused(bad, "crc32 mismatch")


# ---- end to end: a loadable built here, run through the CLI --------------------------------------

ATOM, ATOMIC_C, ATOMIC_K = 8, 8, 4


def surface(region, offset, C, H, W):
    s = L.zero_record("surface")
    s.update(region=region, offset=offset, width=W, height=H, channels=C, line_stride=W * ATOM,
             surface_stride=H * W * ATOM, precision=L.PREC_INT8)
    return s


def cube_bytes(C, H, W):
    return -(-C // ATOM) * H * W * ATOM


def tiny_loadable(rng):
    """conv 3x3 (13 -> 10 channels, 6x6) + fused SDP (per-kernel bias/scale, ReLU) + fused max-pool 2x2
    into an activation tensor, then an offline SDP adding the pooled cube to itself via EW into the output."""
    C, H, W, K = 13, 6, 6, 10
    w = rng.integers(-100, 100, (K, C, 3, 3))
    ops_kernel = np.stack([rng.integers(-3000, 3000, K), rng.integers(1, 200, K)], axis=1).astype("<i2")
    wbytes = R.pack_weights_dc(w, ATOMIC_C, ATOMIC_K)
    blob = wbytes + ops_kernel.tobytes()
    lod = L.zero_record("target")
    lod.update(target_config="selftest", atomic_c=ATOMIC_C, atomic_k=ATOMIC_K, memory_atomic_bytes=ATOM, cbuf_banks=16,
               cbuf_entries_per_bank=256, cbuf_entry_bytes=ATOM,
               network="tiny", precision=L.PREC_INT8, batch=1, blob=blob, layers=[], ops=[])
    regions = [(L.REGION_WEIGHTS, len(blob), 0, len(blob)), (L.REGION_INPUT, cube_bytes(C, H, W), 0, 0),
               (L.REGION_ACTIVATIONS, cube_bytes(K, 3, 3), 0, 0), (L.REGION_OUTPUT, cube_bytes(K, 3, 3), 0, 0)]
    lod.regions = []
    for kind, size, boff, bsize in regions:
        r = L.zero_record("region")
        r.update(kind=kind, size=size, alignment=64, blob_offset=boff, blob_size=bsize)
        lod.regions.append(r)
    lod.tensors = []
    for name, role, region, (c, h, wd), scale in (("in", L.ROLE_INPUT, 1, (C, H, W), 1 / 64),
                                                  ("out", L.ROLE_OUTPUT, 3, (K, 3, 3), 0.5)):
        t = L.zero_record("tensor")
        t.update(name=name, role=role, n=1, c=c, h=h, w=wd, precision=L.PREC_INT8, region=region,
                 line_stride=wd * ATOM, surface_stride=h * wd * ATOM, batch_stride=cube_bytes(c, h, wd), scale=scale)
        lod.tensors.append(t)
    layer = L.zero_record("layer")
    layer.update(name="conv+pool", type="conv", macs=K * C * 9 * H * W)
    lod.layers = [layer]

    def op(kind, member, parent, deps):
        o = L.zero_record("op_common")
        o.update(kind=kind, fused_parent=parent, num_deps=len(deps), deps=deps + [0] * (8 - len(deps)))
        o["u"] = L.Record({L.OP_MEMBERS[kind]: member})
        return o

    conv = L.zero_record("conv")
    conv.update(src=surface(1, 0, C, H, W), weight_region=0, weight_bytes=len(wbytes), kernel_w=3, kernel_h=3,
                kernel_c=C, kernel_k=K, stride_x=1, stride_y=1, dilation_x=1, dilation_y=1, pad_left=1, pad_right=1,
                pad_top=1, pad_bottom=1, out_w=W, out_h=H, precision=L.PREC_INT8, clip_truncate=2, data_banks=2,
                weight_banks=2, entry_per_slice=2 * W, fetch_grain=1, release_slices=H)
    sdp = L.zero_record("sdp")
    sdp.update(src=surface(-1, 0, K, H, W), dst=surface(-1, 0, K, H, W), out_cvt_scale=1, out_cvt_shift=12)
    sdp.bs.update(enable=1, alu_enable=1, alu_op=L.ALU_SUM, alu_src=L.OPERAND_PER_KERNEL, alu_shift=1, mul_enable=1,
                  mul_src=L.OPERAND_PER_KERNEL, mul_shift=2, relu=1, operand_region=0, operand_offset=len(wbytes))
    pdp = L.zero_record("pdp")
    pdp.update(src=surface(-1, 0, K, H, W), dst=surface(2, 0, K, 3, 3), method=L.POOL_MAX, kernel_w=2, kernel_h=2,
               stride_x=2, stride_y=2, pad_value=-128, split_num=1)
    add = L.zero_record("sdp")
    add.update(src=surface(2, 0, K, 3, 3), dst=surface(3, 0, K, 3, 3), out_cvt_scale=3, out_cvt_shift=1)
    add.ew.update(enable=1, operand=surface(2, 0, K, 3, 3), cvt_scale=1, alu_op=L.ALU_SUM)
    lod.ops = [op(L.OP_CONV, conv, -1, []), op(L.OP_SDP, sdp, 0, [0]), op(L.OP_PDP, pdp, 1, [1]),
               op(L.OP_SDP, add, -1, [2])]
    return lod, (w, ops_kernel)


class EndToEndTest(unittest.TestCase):
    def test_cli_runs_a_fused_conv_sdp_pdp_and_an_offline_ew_sdp(self):
        rng = np.random.default_rng(7)
        lod, (w, kops) = tiny_loadable(rng)
        x = rng.uniform(-2.5, 2.5, (1, 13, 6, 6)).astype(np.float32)
        # Naive expectation: host quantisation, then the documented steps with Python ints.
        q = [[[max(-128, min(127, int(np.floor(float(v) / (1 / 64) + 0.5)))) for v in row] for row in ch]
             for ch in x[0].astype(np.float64)]
        cacc = n_conv(q, w.tolist(), 1, 1, 1, 1, 1, 1, 0, 6, 6, 2)
        sdp = lod.ops[1].u.sdp
        fused = n_sdp(cacc, sdp, kops.tolist(), None, None)
        pooled = n_pdp(fused, L.POOL_MAX, 2, 2, 2, 2, 0, 0, -128, 0, 3, 3)
        final = n_sdp(pooled, lod.ops[3].u.sdp, None, None, pooled)
        want = np.array(final, dtype=np.float64)[None] * 0.5
        self.assertGreater(np.count_nonzero(want), 10)  # the fixture exercises non-trivial values
        with tempfile.TemporaryDirectory() as tmp:
            model = os.path.join(tmp, "tiny.dlal")
            with open(model, "wb") as f:
                f.write(L.serialise(lod))
            np.save(os.path.join(tmp, "x.npy"), x)
            subprocess.run([sys.executable, "-B", os.path.join(HERE, "int8_ref.py"), model, "--input",
                            f"in={os.path.join(tmp, 'x.npy')}", "--out-dir", os.path.join(tmp, "out")], check=True)
            got = np.load(os.path.join(tmp, "out", "out.npy"))
        self.assertEqual(got.dtype, np.float32)
        np.testing.assert_array_equal(got, want.astype(np.float32))

    def test_round_trip_preserves_every_field(self):
        lod, _ = tiny_loadable(np.random.default_rng(8))
        back = L.parse(L.serialise(lod))
        self.assertEqual(back, lod)


class LutTest(unittest.TestCase):
    """sdp_lut on hand-derived values (docs/datapath.md "SDP lookup table")."""

    def table(self, le_linear):
        t = L.zero_record("lut")
        # LO: linear from 0 in steps of 4 (select 2), LO[i] = 8 i; end 1024 (256 steps).
        t.update(lo_start=0, lo_end=1024, lo_index_select=2, lo=[8 * i for i in range(257)])
        # LE: exponent from 0 with index offset 1 (entry i covers [2^(i+1), 2^(i+2))), or linear from 0 in
        # steps of 8 (end 512); LE[i] = 100 i.
        t.update(le_function=int(le_linear), le_start=0, le_end=512, le_index_offset=0 if le_linear else 1,
                 le_index_select=3 if le_linear else 0, le=[100 * i for i in range(65)])
        t.update(le_uflow_scale=3, le_uflow_shift=1, le_oflow_scale=-5, le_oflow_shift=-1, lo_uflow_scale=7,
                 lo_oflow_scale=1, hybrid_priority=1, uflow_priority=0, oflow_priority=0)
        return t

    def test_exponent_le_and_linear_lo_on_hand_values(self):
        t = self.table(le_linear=False)
        cases = {
            # both hit (LO idx 2, fraction 2/4; LE e = 3) -> hybrid LO: 16 * 0.5 + 24 * 0.5
            10: 20,
            # LO overflows (idx 257), LE hits (e = 10, idx 9, fraction 6/1024): 900 + 100 * 6 / 1024 -> 901
            1030: 901,
            # both underflow -> LE; exponent underflow starts at start + 2^offset = 2: rnd(-2 * 3, 1) = -3
            0: -3,
            # rnd((-7 - 2) * 3, 1) = rnd(-13.5) = -14 (halves away from zero)
            -7: -14,
            # LO hits (idx 0, fraction 1/4), LE underflows (e = 0 < offset 1) -> LO: 8 * 0.25
            1: 2,
        }
        got = R.sdp_lut(np.array(list(cases)), t)
        self.assertEqual(got.tolist(), list(cases.values()))

    def test_linear_le_overflow_extrapolates_and_saturates(self):
        t = self.table(le_linear=True)
        cases = {
            # both overflow (LO idx 500, LE idx 250) -> LE: 6400 + (2000 - 512) * -5 * 2^1 = -8480
            2000: -8480,
            # LO hits (idx 150, no fraction), LE overflows -> LO: 1200
            600: 1200,
            # LE only: 6400 - 5 * 2 * (2^31 - 1 - 512) saturates to int32 before the add
            (1 << 31) - 1: 6400 - (1 << 31),
        }
        got = R.sdp_lut(np.array(list(cases)), t)
        self.assertEqual(got.tolist(), list(cases.values()))

    def test_ew_prod_multiplies_by_the_converted_operand(self):
        ew = L.zero_record("sdp_ew")
        ew.update(enable=1, alu_op=L.ALU_PROD, cvt_offset=1, cvt_scale=3, cvt_shift=1, mul_enable=1, mul_shift=2)
        # e' = rnd((5 - 1) * 3, 1) = 6; v' = rnd(-7 * 6, 2) = rnd(-10.5) = -11
        self.assertEqual(R.sdp_ew(np.array([-7]), ew, np.array([5])).tolist(), [-11])


if __name__ == "__main__":
    unittest.main()
