#!/usr/bin/python3
"""Self-test of the FP16 reference: its vectorised primitives against naive per-element loops that round
every binary32 / binary16 step with Python's struct module (IEEE round to nearest even), plus hand
values at rounding boundaries (docs/datapath.md "FP16 arithmetic")."""

import os
import struct
import sys
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fp16_ref as R  # noqa: E402
import loadable as L  # noqa: E402


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f16(x):
    return struct.unpack("<e", struct.pack("<e", x))[0]


def n_conv(x, w, pad, pad_value):
    """Naive: one output at a time, binary32 additions in the order r, s, c, stride 1."""
    C, H, W = x.shape
    K, _, R_, S = w.shape
    OH, OW = H + 2 * pad - R_ + 1, W + 2 * pad - S + 1
    out = np.zeros((K, OH, OW), dtype=np.float32)
    for k in range(K):
        for oy in range(OH):
            for ox in range(OW):
                acc = 0.0
                for r in range(R_):
                    for s in range(S):
                        for c in range(C):
                            iy, ix = oy - pad + r, ox - pad + s
                            v = float(x[c, iy, ix]) if 0 <= iy < H and 0 <= ix < W else pad_value
                            acc = f32(acc + f32(v * float(w[k, c, r, s])))
                out[k, oy, ox] = acc
    return out


class Fp16RefTest(unittest.TestCase):
    def test_conv_matches_naive_binary32_loop(self):
        rng = np.random.default_rng(3)
        x = (rng.standard_normal((5, 4, 6)) * 30).astype(np.float16)
        w = (rng.standard_normal((3, 5, 3, 3)) * 7).astype(np.float16)
        got = R.conv_fp16(x, w, pads=(1, 1, 1, 1), pad_bits=0xC000)  # pad -2.0
        want = n_conv(x, w, 1, -2.0)
        self.assertEqual(got.tobytes(), want.tobytes())

    def test_conv_accumulation_order_is_r_s_c(self):
        # 4096 * 4096 = 2^24 first; + 1 twice ties to even and stays 2^24 (exact sum: 2^24 + 2).
        x = np.array([4096, 1, 1], dtype=np.float16).reshape(3, 1, 1)
        w = np.array([4096, 1, 1], dtype=np.float16).reshape(1, 3, 1, 1)
        self.assertEqual(float(R.conv_fp16(x, w)[0, 0, 0]), 16777216.0)

    def test_recip_fp17_hand_values(self):
        self.assertEqual(float(R.recip_fp17(1)), 1.0)
        self.assertEqual(float(R.recip_fp17(2)), 0.5)
        self.assertEqual(float(R.recip_fp17(3)), 1365 / 4096)  # mantissa 341
        self.assertEqual(float(R.recip_fp17(6)), 1365 / 8192)

    def test_pdp_avg_and_max_match_hand_values(self):
        x = np.array([[[1.0, 2.0, 4.0]]], dtype=np.float16)
        # include pad: (0 + 1 + 2) * 1365/4096 = 1 - 2^-12 -> ties to even: 1.0
        got = R.pdp_fp16(x, L.POOL_AVG, (3, 1), (1, 1), (1, 1, 0, 0), 0, 1, (1, 3))
        self.assertEqual(float(got[0, 0, 0]), 1.0)
        got = R.pdp_fp16(x, L.POOL_AVG, (3, 1), (1, 1), (1, 1, 0, 0), 0, 0, (1, 3))
        self.assertEqual([float(v) for v in got[0, 0]], [1.5, f16(7 / 3), 3.0])
        z = np.array([[[-0.0, 0.0]]], dtype=np.float16)
        got = R.pdp_fp16(z, L.POOL_MAX, (2, 1), (1, 1), (0, 0, 0, 0), 0x7C00, 1, (1, 1))
        self.assertEqual(got.view(np.uint16)[0, 0, 0], 0x8000)  # the first of equal values stays

    def test_sdp_fp_prelu_multiplies_only_negative_values(self):
        # MUL_PRELU in the FP pipeline: v < 0 -> v * m (binary16 m = 0x3800 = 0.5); -0.0 and positives pass.
        st = L.zero_record("sdp_stage")
        st.update(enable=1, mul_enable=1, mul_src=L.OPERAND_PER_LAYER, mul_operand=0x3800)
        v = np.array([[[-2.0, -0.0, 3.0]]], dtype=np.float32)
        got = R.sdp_stage_fp(v, st, prelu=1)
        self.assertEqual(got.tolist(), [[[-1.0, -0.0, 3.0]]])
        self.assertTrue(np.signbit(got[0, 0, 1]))
        self.assertEqual(R.sdp_stage_fp(v, st).tolist(), [[[-1.0, -0.0, 1.5]]])

    def test_sdp_fp_output_int8_rounds_half_even(self):
        class St:
            enable = 0

        class Ew:
            enable = 0

        class Sdp:
            bs = bn = St()
            ew = Ew()
            out_precision = L.PREC_INT8
        v = np.array([2.5, 3.5, -2.5, 200.0, -1e9], dtype=np.float32)
        self.assertEqual(list(R.sdp_fp(v, Sdp())), [2, 4, -2, 127, -128])
        Sdp.out_precision = L.PREC_FP16
        self.assertEqual(R.sdp_fp(np.array([1 + 2 ** -11], dtype=np.float32), Sdp()).view(np.uint16)[0], 0x3C00)


if __name__ == "__main__":
    unittest.main()
