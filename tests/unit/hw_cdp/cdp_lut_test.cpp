// NVDLA's CDP converters and two-table LUT as pure functions (hw/cdp/cdp_math.h, hw/cdp/lut.h):
// expected values derived by hand from the rules in lut.h (NVDLA's cmod lookup_lut_int8 / cdp_icvt).
#include <gtest/gtest.h>

#include "cdp/cdp_math.h"
#include "cdp/lut.h"
#include "tests/unit/hw_support/lut_fill.h"

using namespace dlasim::hw;
using luttest::fill;

namespace {

LutTable linear(int64_t start, int32_t index_select, int entries)
{
    LutTable t;
    t.start = start;
    t.index_select = index_select;
    t.end = start + (int64_t(entries - 1) << index_select);
    return t;
}

} // namespace

TEST(CdpLutTest, InputConverterSaturatesToNineBitsAndRoundsHalvesAwayFromZero)
{
    // offset -128, scale 4: (100 + 128) * 4 = 912 -> 255 (9-bit max); (-100 + 128) * 4 = 112;
    // (-128 + 128) * 4 = 0. Scale 3, shift 1: -1 * 3 / 2 = -1.5 -> -2; 1 * 3 / 2 = 1.5 -> 2.
    CdpCvt c{-128, 4, 0, 9};
    EXPECT_EQ(cdp_cvt_in(100, c), 255);
    EXPECT_EQ(cdp_cvt_in(-100, c), 112);
    EXPECT_EQ(cdp_cvt_in(-128, c), 0);
    CdpCvt r{0, 3, 1, 9};
    EXPECT_EQ(cdp_cvt_in(-1, r), -2);
    EXPECT_EQ(cdp_cvt_in(1, r), 2);
    // offset 0, scale -300: 127 * -300 = -38100 -> -256 (9-bit min)
    EXPECT_EQ(cdp_cvt_in(127, CdpCvt{0, -300, 0, 9}), -256);
}

TEST(CdpLutTest, LinearHitInterpolatesWithASixteenBitFractionRoundedAwayFromZero)
{
    // LE linear, start 0, 4 inputs per entry (index_select 2), T[i] = 100 i. x = 6: index 1, fraction
    // 2 of 2 bits = 32768 / 65536: 100 + (100 * 32768) / 65536 = 150. LO (start 10^6) underflows, so
    // the one hitting table (LE) is used.
    NvdlaLut lut;
    fill(lut, false, NvdlaLut::kLeEntries, [](int i) { return int16_t(100 * i); });
    LutConfig cfg;
    cfg.le = linear(0, 2, NvdlaLut::kLeEntries);
    cfg.lo = linear(1000000, 0, NvdlaLut::kLoEntries);
    EXPECT_EQ(lut.lookup(cfg, 6), 150);
    // T[0] = 0, T[1] = -1 (index_select 1): x = 1 is half way, -0.5 rounds away from zero to -1
    // (round-half-up would give 0).
    fill(lut, false, 2, [](int i) { return int16_t(-i); });
    cfg.le = linear(0, 1, NvdlaLut::kLeEntries);
    EXPECT_EQ(lut.lookup(cfg, 1), -1);
}

TEST(CdpLutTest, InputEqualToStartUnderflowsSoTheOtherHittingTableIsChosen)
{
    // LE starts at 0 (T[0] = 7), LO starts at -8 with T[j] = 1000 + j, one input per entry. x = 0:
    // LE underflows (x <= start; value T[0] + 0 = 7), LO hits at index 8 -> 1008. One table hits, so
    // LO is used although HYBRID_PRIORITY selects LE.
    NvdlaLut lut;
    fill(lut, false, NvdlaLut::kLeEntries, [](int) { return int16_t(7); });
    fill(lut, true, NvdlaLut::kLoEntries, [](int j) { return int16_t(1000 + j); });
    LutConfig cfg;
    cfg.le = linear(0, 0, NvdlaLut::kLeEntries);
    cfg.lo = linear(-8, 0, NvdlaLut::kLoEntries);
    cfg.hybrid_lo = false;
    EXPECT_EQ(lut.lookup(cfg, 0), 1008);
    // x = 1: both hit (LE index 1 = 7, LO index 9 = 1009): HYBRID_PRIORITY LE -> 7, LO -> 1009.
    EXPECT_EQ(lut.lookup(cfg, 1), 7);
    cfg.hybrid_lo = true;
    EXPECT_EQ(lut.lookup(cfg, 1), 1009);
}

TEST(CdpLutTest, ExponentTableIndexesByLog2AndItsUnderflowSubtractsTwoToTheIndexOffset)
{
    // LE exponent, start 0, index_offset 2, T[i] = 100 i. x = 12: e = 3, index 1, fraction
    // 12 - 8 = 4 of 3 bits = 32768 / 65536: 100 + 50 = 150.
    // x = 3: e = 1, index -1 -> underflow: dx = 3 - 0 - 2^2 = -1, uflow scale 10, shift 1:
    // T[0] + (-10 / 2) = -5. LO (start 10^6) underflows too; UFLOW_PRIORITY = LE.
    NvdlaLut lut;
    fill(lut, false, NvdlaLut::kLeEntries, [](int i) { return int16_t(100 * i); });
    LutConfig cfg;
    cfg.le.exponent = true;
    cfg.le.index_offset = 2;
    cfg.le.end = int64_t(1) << 40;
    cfg.le.uflow_scale = 10;
    cfg.le.uflow_shift = 1;
    cfg.lo = linear(1000000, 0, NvdlaLut::kLoEntries);
    EXPECT_EQ(lut.lookup(cfg, 12), 150);
    EXPECT_EQ(lut.lookup(cfg, 3), -5);
    // x = 2^62: e = 62, index 60, fraction 0 -> T[60] = 6000. With index_offset -2 the same x has
    // index 64 = entries - 1 -> overflow: T[64] + (x - end) * 0 = 6400.
    EXPECT_EQ(lut.lookup(cfg, int64_t(1) << 62), 6000);
    cfg.le.index_offset = -2;
    EXPECT_EQ(lut.lookup(cfg, int64_t(1) << 62), 6400);
}
