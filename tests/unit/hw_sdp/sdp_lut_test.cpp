// NVDLA's SDP Y stage as pure functions (hw/sdp/sdp_lut.h, sdp_math.h): expected values derived by hand
// from the rules there (NVDLA's HLS sdp_y_core / sdp_y_idx / sdp_y_inp, cmod sdp_hls_wrapper).
#include <gtest/gtest.h>

#include "sdp/sdp_lut.h"
#include "sdp/sdp_math.h"
#include "tests/unit/hw_support/lut_fill.h"

using namespace dlasim::hw;
using luttest::fill;

namespace {

// LE linear from 0, 4 inputs per entry, T[i] = 100 i; LO linear from 10^6 (always underflows).
SdpLutConfig linear_le()
{
    SdpLutConfig c;
    c.le.start = 0;
    c.le.index_select = 2;
    c.le.end = 64 * 4;
    c.lo.start = 1000000;
    c.lo.end = 1000000 + 256;
    return c;
}

} // namespace

TEST(SdpLutTest, LinearHitInterpolatesWithAThirtyFiveBitFraction)
{
    // x = 6: index 1, 2 of 2 fraction bits = 2^34 of 2^35: (100 * 2^34 + 200 * 2^34) / 2^35 = 150.
    // x = 5: 1 of 4 = 2^33: (100 * 3 * 2^33 + 200 * 2^33) / 2^35 = 500 / 4 = 125.
    NvdlaLut lut;
    fill(lut, false, NvdlaLut::kLeEntries, [](int i) { return int16_t(100 * i); });
    const SdpLutConfig c = linear_le();
    EXPECT_EQ(sdp_lut(c, lut, 6), 150);
    EXPECT_EQ(sdp_lut(c, lut, 5), 125);
    // T[0] = 0, T[1] = -1: x = 2 is half way, -0.5 rounds away from zero to -1.
    fill(lut, false, 2, [](int i) { return int16_t(-i); });
    EXPECT_EQ(sdp_lut(c, lut, 2), -1);
}

TEST(SdpLutTest, UnderAndOverflowExtrapolateWithTheSelectedTablesSlope)
{
    // x = -10 <= start 0: both underflow, UFLOW_PRIORITY LE: T[0] + rnd((-10 - 0) * 3, 2) =
    // 0 + (-30 / 4 = -7.5 -> -8) = -8. x = 300 > LE range (index 75 >= 64): LE overflows, LO
    // underflows -> one under-, one overflows: HYBRID_PRIORITY (LE): T[64] + (300 - 256) * 1 =
    // 6400 + 44 = 6444 (oflow scale 1, shift 0).
    NvdlaLut lut;
    fill(lut, false, NvdlaLut::kLeEntries, [](int i) { return int16_t(100 * i); });
    SdpLutConfig c = linear_le();
    c.le.uflow_scale = 3;
    c.le.uflow_shift = 2;
    c.le.oflow_scale = 1;
    EXPECT_EQ(sdp_lut(c, lut, -10), -8);
    EXPECT_EQ(sdp_lut(c, lut, 300), 6444);
    // A negative (5-bit signed) shift multiplies: uflow shift -2 -> (-10 * 3) * 4 = -120.
    c.le.uflow_shift = -2;
    EXPECT_EQ(sdp_lut(c, lut, -10), -120);
}

TEST(SdpLutTest, ExponentTableAndItsUnderflowBias)
{
    // LE exponent from 0, index_offset 2, T[i] = 100 i. x = 12: e = 3, index 1, fraction 4 of 8 =
    // 2^34: (100 + 200) / 2 = 150. x = 3: e = 1 < 2 -> underflow, bias 2^2: T[0] + (3 - (0 + 4)) *
    // 10 = -10 (uflow scale 10, shift 0). LO (from 10^6) underflows; UFLOW_PRIORITY LE.
    NvdlaLut lut;
    fill(lut, false, NvdlaLut::kLeEntries, [](int i) { return int16_t(100 * i); });
    SdpLutConfig c = linear_le();
    c.le_exponent = true;
    c.le_index_offset = 2;
    c.le.uflow_scale = 10;
    c.le.uflow_shift = 0;
    EXPECT_EQ(sdp_lut(c, lut, 12), 150);
    EXPECT_EQ(sdp_lut(c, lut, 3), -10);
}

TEST(SdpLutTest, BothHittingChooseByHybridPriorityAndOneHittingWins)
{
    // LO linear from -8, one input per entry, T_LO[j] = 1000 + j. x = 6: LE hits (150) and LO hits
    // (index 14 -> 1014): HYBRID_PRIORITY LE -> 150, LO -> 1014. x = 0: LE underflows (x <= start),
    // LO hits at 8 -> 1008 whatever the priorities.
    NvdlaLut lut;
    fill(lut, false, NvdlaLut::kLeEntries, [](int i) { return int16_t(100 * i); });
    fill(lut, true, NvdlaLut::kLoEntries, [](int j) { return int16_t(1000 + j); });
    SdpLutConfig c = linear_le();
    c.lo.start = -8;
    c.lo.end = 248;
    c.lo.index_select = 0;
    EXPECT_EQ(sdp_lut(c, lut, 6), 150);
    EXPECT_EQ(sdp_lut(c, lut, 0), 1008);
    c.hybrid_lo = true;
    EXPECT_EQ(sdp_lut(c, lut, 6), 1014);
}

TEST(SdpYStageTest, MultipliesBeforeTheAluAndPreluPassesNonNegatives)
{
    // NVDLA's Y order (HLS sdp_y_core): MUL then ALU. v = 7, MUL 3 >> 1: 21 / 2 = 10.5 -> 11 (away from
    // zero), ALU SUM with the register operand 10 (not converted): 21. (ALU first would give
    // (7 + 10) * 3 / 2 = 25.5 -> 26.) PReLU: 7 >= 0 passes unmultiplied -> 17; -7 -> -10.5 -> -11,
    // + 10 = -1.
    SdpEwStage st;
    st.enable = true;
    st.cvt_enable = false;
    st.alu_enable = true;
    st.alu_op = SdpAlu::kSum;
    st.mul_enable = true;
    st.mul_shift = 1;
    EXPECT_EQ(sdp_ew_stage(7, st, 10, 3), 21);
    st.mul_prelu = true;
    EXPECT_EQ(sdp_ew_stage(7, st, 10, 3), 17);
    EXPECT_EQ(sdp_ew_stage(-7, st, 10, 3), -1);
    // A MUL operand from memory goes through its converter: (5 - 1) * 3 / 2 = 6; bypassed: 5.
    st.mul_cvt_enable = true;
    st.mul_cvt_offset = 1;
    st.mul_cvt_scale = 3;
    st.mul_cvt_shift = 1;
    EXPECT_EQ(sdp_ew_mul_cvt(5, st), 6);
    st.mul_cvt_enable = false;
    EXPECT_EQ(sdp_ew_mul_cvt(5, st), 5);
}
