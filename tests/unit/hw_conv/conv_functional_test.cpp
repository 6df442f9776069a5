// Functional convolution through CDMA -> CBUF -> CSC -> CMAC -> CACC: every output of small INT8
// convolutions (strides, padding with a non-zero pad value, dilation, ragged C and K, CBUF ring
// wraps, ping-pong weight banks, CACC truncation) equals an independent NCHW reference.
#include <gtest/gtest.h>

#include <systemc>

#include "cacc/cacc.h"
#include "conv_harness.h"

using namespace convtest;

namespace {

// Runs one layer functionally and compares every output point with reference_conv.
void run_and_compare(const dla_config &cfg, ConvSpec c, uint32_t seed, BenchOptions opt = BenchOptions{})
{
    c.in_addr = 0x1000;
    c.weight_addr = c.in_addr + (input_bytes(cfg, c) + 0xfff) / 0x1000 * 0x1000;
    auto input = random_int8(static_cast<size_t>(c.in_c) * c.in_h * c.in_w, seed);
    auto weights = random_int8(static_cast<size_t>(c.k) * c.in_c * c.r * c.s, seed + 1);
    ConvBench bench("bench", cfg, opt, {c});
    write_input(cfg, c, input, bench.dram);
    write_weights(cfg, c, weights, bench.dram);
    sc_core::sc_start();
    auto expect = reference_conv(c, input, weights);
    const SinkLayer &o = bench.out.at(0);
    ASSERT_EQ(o.values.size(), expect.size());
    size_t wrong = 0;
    for (size_t i = 0; i < expect.size(); ++i) {
        EXPECT_EQ(o.writes[i], 1) << "output " << i << " delivered " << o.writes[i] << " times";
        if (o.values[i] != expect[i] && ++wrong <= 5)
            ADD_FAILURE() << "output [k][p] index " << i << ": got " << o.values[i] << ", reference " << expect[i];
    }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(bench.irq.count(dlasim::hw::kIrqCacc), 1u);
    // CACC latches the useful MACs: out_w * out_h * K * C * R * S.
    EXPECT_EQ(bench.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS),
              static_cast<uint64_t>(c.out_w()) * c.out_h() * c.k * c.in_c * c.r * c.s);
}

ConvSpec small(uint32_t stride, uint32_t pad, uint32_t dil)
{
    ConvSpec c;
    c.in_w = c.in_h = 5;
    c.in_c = 8;
    c.k = 8;
    c.r = c.s = 3;
    c.stride_x = c.stride_y = stride;
    c.pad_l = c.pad_r = c.pad_t = c.pad_b = pad;
    c.dil_x = c.dil_y = dil;
    return c;
}

} // namespace

TEST(ConvFunctionalTest, NvSmall3x3Stride1MatchesReference)
{
    run_and_compare(nv_small_like(), small(1, 0, 1), 1);
}

TEST(ConvFunctionalTest, NvSmallStride2Padding1UsesPadValue)
{
    ConvSpec c = small(2, 1, 1);
    c.pad_value = -3;
    run_and_compare(nv_small_like(), c, 2);
}

TEST(ConvFunctionalTest, NvSmallDilation2MatchesReference)
{
    ConvSpec c = small(1, 1, 2);
    c.in_w = 7;
    run_and_compare(nv_small_like(), c, 3);
}

TEST(ConvFunctionalTest, NvSmallRaggedChannelsAndKernels)
{
    // C = 11: two channel blocks of AtomC 8 and two surfaces; K = 13: kernel groups of 8 and 5.
    ConvSpec c = small(1, 1, 1);
    c.in_c = 11;
    c.k = 13;
    c.in_w = 6;
    c.clip = 3;
    run_and_compare(nv_small_like(), c, 4);
}

TEST(ConvFunctionalTest, NvSmallInputWrapsDataRingSeveralTimes)
{
    // One data bank of 512 entries holds 32 slices of 16 entries; 100 rows wrap the ring 3 times,
    // so only the CSC's row releases let CDMA continue (one kernel group, grain 4).
    ConvSpec c;
    c.in_w = 16;
    c.in_h = 100;
    c.in_c = 8;
    c.k = 8;
    c.r = c.s = 3;
    c.pad_t = c.pad_b = 1;
    c.fetch_grain = 4;
    c.clip = 2;
    run_and_compare(nv_small_like(), c, 5);
}

TEST(ConvFunctionalTest, NvSmallWeightsPingPongThroughTwoBanks)
{
    // 3 kernel groups of 8 x 64 x 9 = 4608 B do not fit 2 weight banks (8 KiB) together: CDMA
    // streams them group by group into the wrapping weight ring as the CSC releases them.
    ConvSpec c;
    c.in_w = c.in_h = 6;
    c.in_c = 64;
    c.k = 24;
    c.r = c.s = 3;
    c.pad_l = c.pad_r = c.pad_t = c.pad_b = 1;
    c.weight_banks = 2;
    c.fetch_grain = 2;
    c.clip = 4;
    run_and_compare(nv_small_like(), c, 6);
}

TEST(ConvFunctionalTest, OrinRaggedChannelsAndKernels)
{
    // C = 70: channel blocks 64 + 6, 3 surfaces of 32; K = 130: kernel groups 128 + 2.
    ConvSpec c = small(1, 1, 1);
    c.in_c = 70;
    c.k = 130;
    c.weight_banks = 12; // group 0: 128 x 2 blocks x 64 x 9 B = 2304 entries (9 banks), group 1: 36 entries
    c.clip = 5;
    run_and_compare(orin_like(), c, 7);
}

TEST(ConvFunctionalTest, OrinStride2Dilation2PadValue)
{
    ConvSpec c = small(2, 2, 2);
    c.in_w = c.in_h = 9;
    c.in_c = 40;
    c.k = 20;
    c.pad_value = 5;
    c.weight_banks = 2;
    run_and_compare(orin_like(), c, 8);
}

TEST(ConvFunctionalTest, OrinInputWrapsDataRing)
{
    // Two data banks of 256 entries x 64 B; a 64-wide, 64-channel row is 2 surfaces x 64 x 32 B =
    // 64 entries, so the ring holds 8 rows (a 255-point stripe needs 6 plus a grain of 1) and 24
    // rows wrap it 3 times.
    ConvSpec c;
    c.in_w = 64;
    c.in_h = 24;
    c.in_c = 64;
    c.k = 16;
    c.r = c.s = 3;
    c.fetch_grain = 1;
    c.data_banks = 2;
    c.weight_banks = 1;
    run_and_compare(orin_like(), c, 9);
}

TEST(ConvFunctionalTest, SlowSdpDoesNotChangeResults)
{
    BenchOptions opt;
    opt.sink_elements_per_cycle = 1;
    opt.bytes_per_cycle = 1;
    run_and_compare(nv_small_like(), small(1, 1, 1), 10, opt);
}

TEST(ConvFunctionalTest, CaccTruncationRoundsHalvesAwayFromZero)
{
    // NVDLA's CLIP_TRUNCATE shift (ac_fixed AC_RND_INF; the dc trace tests with CLIP_TRUNCATE > 0 pass
    // bit-exact only so). By hand: -3 / 2 = -1.5 -> -2 (round-half-up would give -1), 3 / 2 -> 2,
    // -5 / 4 = -1.25 -> -1, -6 / 4 = -1.5 -> -2, -7 / 4 = -1.75 -> -2, 2^40 / 2 saturates to INT32_MAX,
    // -2^40 / 2 to INT32_MIN; shift 0 passes the value through.
    EXPECT_EQ(dlasim::hw::cacc_truncate(-3, 1), -2);
    EXPECT_EQ(dlasim::hw::cacc_truncate(3, 1), 2);
    EXPECT_EQ(dlasim::hw::cacc_truncate(-5, 2), -1);
    EXPECT_EQ(dlasim::hw::cacc_truncate(-6, 2), -2);
    EXPECT_EQ(dlasim::hw::cacc_truncate(-7, 2), -2);
    EXPECT_EQ(dlasim::hw::cacc_truncate(int64_t{1} << 40, 1), 2147483647);
    EXPECT_EQ(dlasim::hw::cacc_truncate(-(int64_t{1} << 40), 1), -2147483647 - 1);
    EXPECT_EQ(dlasim::hw::cacc_truncate(-3, 0), -3);
}

TEST(ConvFunctionalTest, OrinPointSplitTwoPointsPerCycleDoesNotChangeResults)
{
    // core.cmac.point_split = 2 and K = 20 <= 128 / 2: the array issues two points per cycle and
    // stripes hold up to 511 points (here the whole 17 x 17 = 289-point output is one stripe);
    // every output must still equal the reference.
    dla_config cfg = orin_like();
    cfg.core.cmac_point_split = 2;
    ConvSpec c = small(1, 1, 1);
    c.in_w = c.in_h = 17;
    c.in_c = 40;
    c.k = 20;
    c.data_banks = 2; // 17 rows x 17 entries
    run_and_compare(cfg, c, 12);
}
