// FP16 datapath arithmetic (docs/datapath.md "FP16 arithmetic"), by hand: binary16 conversions at
// their rounding boundaries, the CMAC's binary32 accumulation order, the SDP FP pipeline and its
// outputs, and PDP FP16 pooling with NVDLA's fp17 reciprocals. Expected values are derived in the
// comments from the IEEE formats, not from the code.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "cmac/cmac.h"
#include "common/half.h"
#include "pdp/pdp_math.h"
#include "sdp/sdp_math.h"

using namespace dlasim::hw;

TEST(Fp16MathTest, HalfConversionsRoundToNearestEven)
{
    EXPECT_EQ(float_to_half(1.0f), 0x3C00);
    EXPECT_EQ(float_to_half(65504.0f), 0x7BFF); // the largest binary16
    EXPECT_EQ(float_to_half(65519.0f), 0x7BFF); // below 65504 + half an ulp (16)
    EXPECT_EQ(float_to_half(65520.0f), 0x7C00); // the tie goes to the even neighbour: Inf
    // 1 + 2^-11 is half-way between 1 (mantissa 0, even) and 1 + 2^-10: rounds down to 1.
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
    // 1 + 3 * 2^-11 is half-way between mantissas 1 and 2: rounds to 2 (even).
    EXPECT_EQ(float_to_half(1.0f + 3.0f * std::ldexp(1.0f, -11)), 0x3C02);
    // Subnormals count 2^-24: 2^-25 is half of one (ties to 0), 3 * 2^-25 is 1.5 units (ties to 2).
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);
    EXPECT_EQ(float_to_half(3.0f * std::ldexp(1.0f, -25)), 0x0002);
    EXPECT_EQ(float_to_half(-std::ldexp(1.0f, -24)), 0x8001);
    // 2^-14 - 2^-25 rounds up to 1024 units = the smallest normal 0x0400.
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -25)), 0x0400);
    EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
    EXPECT_EQ(half_to_float(0x7BFF), 65504.0f);
    EXPECT_EQ(half_to_float(0xC000), -2.0f);
    EXPECT_TRUE(std::isinf(half_to_float(0xFC00)) && half_to_float(0xFC00) < 0);
    EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
}

TEST(Fp16MathTest, CmacAccumulatesInBinary32InChannelOrder)
{
    // One 1x1 output of a 1x1 kernel over 3 channels: x = (4096, 1, 1), w = (4096, 1, 1). The first
    // product is 2^24; adding 1 to 2^24 in binary32 is a tie that rounds to even (2^24), twice, so
    // the result is 2^24 = 16777216, where the exact sum (or the order c2, c1, c0) gives 16777218.
    ConvLayer l;
    l.precision = ConvPrecision::kFp16;
    l.bpe = 2;
    l.in_w = l.in_h = 1;
    l.in_c = 3;
    l.atom_bytes = 32;
    l.atomic_c = 64;
    l.kernels = 1;
    l.kernels_per_group = 64;
    l.groups = 1;
    l.kernel_w = l.kernel_h = 1;
    l.out_w = l.out_h = 1;
    l.slice_bytes = 32;
    auto ops = std::make_shared<StripeOperands>();
    ops->row0 = 0;
    ops->row_count = 1;
    ops->rows.assign(32, 0);
    const uint16_t x[3] = {0x6C00, 0x3C00, 0x3C00}; // 4096, 1, 1
    for (int c = 0; c < 3; ++c) {
        ops->rows[2 * c] = x[c] & 0xff;
        ops->rows[2 * c + 1] = x[c] >> 8;
    }
    ops->weights = std::make_shared<std::vector<uint8_t>>(std::vector<uint8_t>{0x00, 0x6C, 0x00, 0x3C, 0x00, 0x3C});
    float out = -1.0f;
    conv_stripe_fp16(l, *ops, 0, 0, 1, &out);
    EXPECT_EQ(out, 16777216.0f);

    // Padding reads the binary16 pad value: a 3x1 kernel at x = 0 with pad_left 1 and pad value
    // -2.0 (0xC000) sees (-2, 4096, 1) against weights (1, 1, 1): -2 + 4096 + 1 = 4095.
    l.in_c = 1;
    l.in_w = 2;
    l.kernel_w = 3;
    l.pad_left = l.pad_right = 1;
    l.pad_value = 0xC000;
    l.out_w = 2;
    l.slice_bytes = 64;
    ops->rows.assign(64, 0);
    ops->rows[1] = 0x6C;  // x[0] = 4096
    ops->rows[33] = 0x3C; // x[1] = 1
    ops->weights = std::make_shared<std::vector<uint8_t>>(std::vector<uint8_t>{0x00, 0x3C, 0x00, 0x3C, 0x00, 0x3C});
    conv_stripe_fp16(l, *ops, 0, 0, 1, &out);
    EXPECT_EQ(out, 4095.0f);
}

TEST(Fp16MathTest, SdpFpStagesUseBinary16OperandsAndNoShifts)
{
    SdpStage st;
    st.enable = st.alu_enable = st.mul_enable = true;
    st.alu_op = SdpAlu::kSum;
    st.alu_shift = 5; // unused in the FP pipeline
    st.mul_shift = 7;
    // (1.5 + 0.25) * -2 = -3.5 (operands 0x3400 = 0.25, 0xC000 = -2).
    EXPECT_EQ(sdp_x_stage_fp(1.5f, st, 0x3400, 0xC000), -3.5f);
    st.relu = true; // then ReLU: +0
    EXPECT_EQ(float_bits(sdp_x_stage_fp(1.5f, st, 0x3400, 0xC000)), 0u);
    // ReLU turns -0 into +0 (bits 0).
    SdpStage relu;
    relu.enable = relu.relu = true;
    EXPECT_EQ(float_bits(sdp_x_stage_fp(-0.0f, relu, 0, 0)), 0u);
    // MIN keeps v unless the operand is strictly smaller: min(5, 6.0 = 0x4600) = 5.
    SdpStage mn;
    mn.enable = mn.alu_enable = true;
    mn.alu_op = SdpAlu::kMin;
    EXPECT_EQ(sdp_x_stage_fp(5.0f, mn, 0x4600, 0), 5.0f);
    EXPECT_EQ(sdp_x_stage_fp(7.0f, mn, 0x4600, 0), 6.0f);
    // EW: MUL by the binary32 register operand, then SUM with e: 3 * 0.5 + 2 = 3.5.
    SdpEwStage ew;
    ew.enable = ew.alu_enable = ew.mul_enable = true;
    ew.alu_op = SdpAlu::kSum;
    EXPECT_EQ(sdp_ew_stage_fp(3.0f, ew, 2.0f, 0.5f), 3.5f);
}

TEST(Fp16MathTest, SdpFpOutputRoundsToNearestEven)
{
    // FP16 out: 1 + 2^-11 ties to 1.0 (0x3C00); 65520 overflows to Inf.
    EXPECT_EQ(sdp_out_fp(1.0f + std::ldexp(1.0f, -11), false), 0x3C00);
    EXPECT_EQ(sdp_out_fp(65520.0f, false), 0x7C00);
    // INT8 out: halves to even, then saturation.
    EXPECT_EQ(sdp_out_fp(2.5f, true), 2);
    EXPECT_EQ(sdp_out_fp(3.5f, true), 4);
    EXPECT_EQ(sdp_out_fp(-2.5f, true), -2);
    EXPECT_EQ(sdp_out_fp(-0.51f, true), -1);
    EXPECT_EQ(sdp_out_fp(200.0f, true), 127);
    EXPECT_EQ(sdp_out_fp(-1e9f, true), -128);
    EXPECT_EQ(sdp_out_fp(std::nanf(""), true), 0);
}

TEST(Fp16MathTest, PdpFp16AveragesWithFp17Reciprocals)
{
    // The driver's fp17 1/3: exponent field 31 - 2 = 29, mantissa floor(((4-3)*2048 + 3) / 6) = 341,
    // value (1 + 341/1024) / 4 = 1365/4096 = 0.333251953125.
    const uint32_t third = (29u << 10) | 341u, one = 31u << 10;
    EXPECT_EQ(pdp_fp17_to_float(third), 1365.0f / 4096.0f);
    EXPECT_EQ(pdp_fp17_to_float(one), 1.0f);
    // Row (1, 2, 4), 3x1 AVG with pad_left 1 (pad +0) at ox = 0: sum (0 + 1 + 2) = 3, times 1365/4096
    // = 4095/4096 = 1 - 2^-12, half-way between 0x3BFF (1 - 2^-11) and 0x3C00: ties to even, 1.0.
    const std::vector<int32_t> row = {0x3C00, 0x4000, 0x4400};
    PoolParams p;
    p.fp16 = true;
    p.method = PoolMethod::kAvg;
    p.kernel_w = 3;
    p.kernel_h = 1;
    p.pad_left = 1;
    p.recip_w = third;
    p.recip_h = one;
    EXPECT_EQ(pool_point_fp16(row.data(), 3, 1, p, 0, 0), 0x3C00);
    // Excluding padding: (1 + 2) / 2 = 1.5 = 0x3E00.
    p.exclude_pad = true;
    EXPECT_EQ(pool_point_fp16(row.data(), 3, 1, p, 0, 0), 0x3E00);
    // MAX over (-0, +0): equal values, the first stays (-0 = 0x8000); padding never takes part.
    const std::vector<int32_t> zeros = {0x8000, 0x0000};
    PoolParams m;
    m.fp16 = true;
    m.method = PoolMethod::kMax;
    m.kernel_w = 3;
    m.kernel_h = 1;
    m.pad_left = 1;
    m.pad_value = 0x7C00; // +Inf padding would win if padding took part
    EXPECT_EQ(pool_point_fp16(zeros.data(), 2, 1, m, 0, 0), 0x8000);
}
