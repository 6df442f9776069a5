// Convolution-core benches for fully-connected layers and NVDLA batch mode, and for weights that do
// not fit the CBUF. Cycles derived by hand from the rules in conv_timing_test.cpp (memory: n bytes
// occupy the interface ceil(n/bw) cycles, data arrives `latency` later, +3 CBUF write latency; a CSC
// step takes max(atomics, weight_load) cycles; stripe output 30 cycles after its issue ends) plus:
//  - FC (1x1 input, 1x1 kernel): one output point, so a stripe is 1 atomic op per step against a
//    weight load of AtomK cycles: MAC efficiency 1/AtomK (nvdla-reference §3: 6.25 % on v1).
//  - batch B: a stripe is n points x B atomic ops sharing each step's weights (n in
//    [ceil(min/B), max(1, floor(max/B))]), so a batched FC step takes max(B, AtomK) cycles for B
//    atomics: B times the unbatched efficiency until B reaches AtomK, then 100 %.
#include <gtest/gtest.h>

#include <string>
#include <systemc>

#include "conv_harness.h"

using namespace convtest;
using dlasim::hw::kIrqCacc;

namespace {

ConvSpec fc(uint32_t c, uint32_t k, uint32_t batch)
{
    ConvSpec s;
    s.in_w = s.in_h = 1;
    s.in_c = c;
    s.k = k;
    s.batch = batch;
    s.in_addr = 0x10000;
    s.weight_addr = 0x100000;
    return s;
}

BenchOptions timing(uint32_t bytes_per_cycle, uint32_t latency)
{
    BenchOptions o;
    o.functional = false;
    o.bytes_per_cycle = bytes_per_cycle;
    o.mem_latency = latency;
    o.sdp_fifo_depth = 64; // CACC's per-image chunks never wait for the sink
    return o;
}

dla_config with_batch(dla_config cfg)
{
    cfg.core.features.max_batch = 32; // NVDLA v1 (nv_full) limit
    return cfg;
}

// MACs the array could have done in `busy` cycles.
double efficiency(const dla_config &cfg, uint64_t useful_macs, uint64_t busy)
{
    return static_cast<double>(useful_macs) / (static_cast<double>(busy) * cfg.core.atomic_c * cfg.core.atomic_k);
}

} // namespace

TEST(ConvBatchTest, OrinFcWithoutBatchingRunsAtOneOverAtomKMacEfficiency)
{
    // Orin-like (AtomC 64, AtomK 128): FC 1024 -> 128. One output point, 1024/64 = 16 steps, each
    // one atomic op waiting for its 128-cycle weight load: busy 16 x 128 = 2048 cycles for 16
    // atomic ops. Useful MACs 1024 x 128 = 131072 = 2048 x 8192 / 128: efficiency 1/128.
    // Weights 131072 B at 64 B/cycle: usable at 2048 + 20 + 3 = 2071; output at 2071 + 2048 + 30.
    dla_config cfg = orin_like();
    ConvSpec c = fc(1024, 128, 1);
    c.weight_banks = 8; // 2048 entries of 64 B
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    const uint64_t busy = b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY);
    EXPECT_EQ(busy, 16u * 128);
    EXPECT_EQ(b.stat("dla0.csc.atomic_ops"), 16u);
    EXPECT_EQ(b.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS), 1024u * 128);
    EXPECT_DOUBLE_EQ(efficiency(cfg, 1024u * 128, busy), 1.0 / 128);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 2071u + 2048 + 30);
}

TEST(ConvBatchTest, OrinFcWithBatch8IsEightTimesAsEfficientForTheSameWeightLoad)
{
    // The same FC with D_BATCH_NUMBER = 7: each of the 16 steps issues 8 atomic ops (one per image)
    // against one weight load: max(8, 128) = 128 cycles, so busy stays 2048 while the useful MACs
    // are 8 x 131072: efficiency 8/128. Weights are fetched once (131072 B), inputs 8 x 1024 B
    // (usable at 8192/64 + 23 = 151, before the weights). Output at 2071 + 2048 + 30 as above.
    dla_config cfg = with_batch(orin_like());
    ConvSpec c = fc(1024, 128, 8);
    c.weight_banks = 8;
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    const uint64_t busy = b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY);
    EXPECT_EQ(busy, 16u * 128);
    EXPECT_EQ(b.stat("dla0.csc.atomic_ops"), 16u * 8);
    EXPECT_EQ(b.stat("dla0.csc.stripes"), 1u);
    EXPECT_EQ(b.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS), 8u * 1024 * 128);
    EXPECT_DOUBLE_EQ(efficiency(cfg, 8u * 1024 * 128, busy), 8.0 / 128);
    EXPECT_EQ(b.stat("dla0.cdma.wt.dram_read_bytes"), 131072u);
    EXPECT_EQ(b.stat("dla0.cdma.dat.dram_read_bytes"), 8u * 1024);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 2071u + 2048 + 30);
    // CACC delivers each image separately: 8 chunks of 128 kernels.
    EXPECT_EQ(b.out.at(0).chunks, 8u);
}

TEST(ConvBatchTest, NvSmallFcWithBatch4RunsAtHalfTheArray)
{
    // nv_small-like (AtomC 8, AtomK 8, stripes 8..15): FC 64 -> 8, batch 4: 8 steps of 4 atomics,
    // each max(4, 8) = 8 cycles: busy 64 for 4 x 512 useful MACs = 2048 / (64 x 64): 4/8.
    dla_config cfg = with_batch(nv_small_like());
    ConvSpec c = fc(64, 8, 4);
    ConvBench b("bench", cfg, timing(32, 20), {c});
    sc_core::sc_start();
    const uint64_t busy = b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY);
    EXPECT_EQ(busy, 8u * 8);
    EXPECT_DOUBLE_EQ(efficiency(cfg, 4u * 64 * 8, busy), 0.5);
}

TEST(ConvBatchTest, NvSmallFcWithBatch16IsCappedAtFullEfficiency)
{
    // Batch 16 >= AtomK: each step's 16 atomics take 16 cycles, longer than the 8-cycle weight load,
    // so the array is never idle: busy 8 x 16 = 128 for 16 x 512 MACs = 8192 / (128 x 64) = 1.
    // The stripe rule gives one point per stripe (ceil(8/16) = 1 = max(1, floor(15/16))).
    dla_config cfg = with_batch(nv_small_like());
    ConvSpec c = fc(64, 8, 16);
    ConvBench b("bench", cfg, timing(32, 20), {c});
    sc_core::sc_start();
    const uint64_t busy = b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY);
    EXPECT_EQ(busy, 8u * 16);
    EXPECT_EQ(b.stat("dla0.csc.stripes"), 1u);
    EXPECT_DOUBLE_EQ(efficiency(cfg, 16u * 64 * 8, busy), 1.0);
}

TEST(ConvBatchTest, NvSmallBatchedSpatialConvSplitsStripesIntoPointsTimesBatch)
{
    // 4x4x8 input, 1x1x8x8 kernel, batch 4: 16 points per image. Stripe points n in
    // [ceil(8/4), floor(15/4)] = [2, 3]: 16 > 3 -> 2 each: 8 stripes of 2 points x 4 images = 8
    // atomics, one step each: the first loads weights (max(8, 8) = 8), the others reuse them (8).
    // Busy 8 x 8 = 64 for 64 atomic ops: 100 % (unbatched it would be 2 stripes of 8 too).
    dla_config cfg = with_batch(nv_small_like());
    ConvSpec c = fc(8, 8, 4);
    c.in_w = c.in_h = 4;
    ConvBench b("bench", cfg, timing(32, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.stat("dla0.csc.stripes"), 8u);
    EXPECT_EQ(b.stat("dla0.csc.atomic_ops"), 64u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 64u);
}

TEST(ConvBatchTest, BatchedConvIsBitExactPerImage)
{
    // 3x3 conv with padding over 6x5x12 inputs (ragged channel block), K = 11, batch 3 with a
    // batch stride larger than the cube: every image's output equals the reference of that image.
    dla_config cfg = with_batch(nv_small_like());
    ConvSpec c;
    c.in_w = 6;
    c.in_h = 5;
    c.in_c = 12;
    c.k = 11;
    c.r = c.s = 3;
    c.pad_l = c.pad_r = c.pad_t = c.pad_b = 1;
    c.pad_value = -3;
    c.batch = 3;
    c.in_addr = 0x1000;
    c.batch_stride = input_bytes(cfg, c) + 64;
    c.weight_addr = 0x10000;
    c.data_banks = 2;
    c.weight_banks = 2;
    const size_t image = static_cast<size_t>(c.in_c) * c.in_h * c.in_w;
    auto input = random_int8(image * c.batch, 71);
    auto weights = random_int8(static_cast<size_t>(c.k) * c.in_c * c.r * c.s, 72);
    BenchOptions o;
    ConvBench bench("bench", cfg, o, {c});
    write_input(cfg, c, input, bench.dram);
    write_weights(cfg, c, weights, bench.dram);
    sc_core::sc_start();
    const SinkLayer &out = bench.out.at(0);
    const size_t per_image = static_cast<size_t>(c.k) * c.out_w() * c.out_h();
    ASSERT_EQ(out.values.size(), per_image * c.batch);
    size_t wrong = 0;
    for (uint32_t n = 0; n < c.batch; ++n) {
        std::vector<int8_t> one(input.begin() + static_cast<long>(n * image),
                                input.begin() + static_cast<long>((n + 1) * image));
        auto expect = reference_conv(c, one, weights);
        for (size_t i = 0; i < per_image; ++i) {
            EXPECT_EQ(out.writes[n * per_image + i], 1);
            if (out.values[n * per_image + i] != expect[i] && ++wrong <= 5)
                ADD_FAILURE() << "image " << n << " output " << i << ": got " << out.values[n * per_image + i]
                              << ", reference " << expect[i];
        }
    }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(bench.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS),
              3u * c.out_w() * c.out_h() * c.k * c.in_c * c.r * c.s);
}

TEST(ConvBatchTest, OrinBatchedFcIsBitExactPerImage)
{
    // FC 200 -> 130 (two kernel groups, the last of 2; 4 channel blocks, the last of 8), batch 5.
    dla_config cfg = with_batch(orin_like());
    ConvSpec c = fc(200, 130, 5);
    c.weight_banks = 2; // 26000 B
    c.in_addr = 0x1000;
    c.weight_addr = 0x10000;
    const size_t image = 200;
    auto input = random_int8(image * c.batch, 81);
    auto weights = random_int8(static_cast<size_t>(c.k) * c.in_c, 82);
    ConvBench bench("bench", cfg, BenchOptions{}, {c});
    write_input(cfg, c, input, bench.dram);
    write_weights(cfg, c, weights, bench.dram);
    sc_core::sc_start();
    const SinkLayer &out = bench.out.at(0);
    ASSERT_EQ(out.values.size(), 130u * 5);
    for (uint32_t n = 0; n < c.batch; ++n) {
        std::vector<int8_t> one(input.begin() + static_cast<long>(n * image),
                                input.begin() + static_cast<long>((n + 1) * image));
        auto expect = reference_conv(c, one, weights);
        for (size_t k = 0; k < 130; ++k)
            EXPECT_EQ(out.values[n * 130 + k], expect[k]) << "image " << n << " kernel " << k;
    }
}

TEST(ConvBatchTest, BatchBeyondTheConfigIsRejectedNamingTheField)
{
    dla_config cfg = nv_small_like(); // features.max_batch = 1
    ConvSpec c = fc(64, 8, 2);
    ConvBench b("bench", cfg, timing(32, 20), {c});
    try {
        sc_core::sc_start();
        FAIL() << "expected batch 2 to be rejected";
    } catch (const std::exception &e) {
        EXPECT_NE(std::string(e.what()).find("D_BATCH_NUMBER.BATCHES = 1 (batch 2) exceeds"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("features.max_batch = 1"), std::string::npos) << e.what();
    }
}

TEST(ConvBatchTest, BatchStrideSmallerThanTheInputCubeIsRejected)
{
    dla_config cfg = with_batch(nv_small_like());
    ConvSpec c = fc(64, 8, 2);
    c.in_w = 2;
    c.batch_stride = 64; // the cube is 8 surfaces x 2 x 8 B = 128 B
    ConvBench b("bench", cfg, timing(32, 20), {c});
    try {
        sc_core::sc_start();
        FAIL() << "expected the batch stride to be rejected";
    } catch (const std::exception &e) {
        EXPECT_NE(std::string(e.what()).find("CDMA.D_BATCH_STRIDE = 64"), std::string::npos) << e.what();
    }
}

TEST(ConvBatchTest, ImageInputWithBatchIsRejected)
{
    dla_config cfg = with_batch(nv_small_like());
    ConvSpec c;
    c.in_w = c.in_h = 4;
    c.in_c = 3;
    c.k = 8;
    c.r = c.s = 3;
    c.image = true;
    c.batch = 2;
    c.in_addr = 0x1000;
    c.weight_addr = 0x10000;
    ConvBench b("bench", cfg, timing(32, 20), {c});
    try {
        sc_core::sc_start();
        FAIL() << "expected image input with batch to be rejected";
    } catch (const std::exception &e) {
        EXPECT_NE(std::string(e.what()).find("direct convolution only"), std::string::npos) << e.what();
    }
}

// --- CBUF capacity: weights that do not fit are fetched again by every hardware layer ------------
//
// A 1x1 conv, C = 64, K = 128 (16 kernel groups of 8 x 64 = 512 B, 8192 B in all) over a 8x2 input
// split by height into two hardware layers of 8x1 (the compiler's partial-H split), on nv_small-like
// banks of 512 x 8 B = 4096 B, weight interface 4 B/cycle (a 32-B request occupies it 8 cycles),
// latency 20. Per layer: one stripe of 8 points per group, 8 channel-block steps x max(8, 8) =
// 64 cycles per group, 1024 per layer; the input row (512 B) is usable at 128 + 23 = 151.
//  - Layer A: group g (512 B = 128 cycles) is usable at 128(g+1) + 23, later than group g-1 ends
//    (64 cycles), so A is weight-bound: group 15 starts at 128 x 15 + 151 = 2071, ends at 2135;
//    A's output at 2165.
//  - Fit (2 weight banks): A keeps the weights (SKIP_WEIGHT_RLS), B reuses them (WEIGHT_REUSE).
//    B's CDMA starts when the CSC ends A (2135): its row is usable at 2135 + 151 = 2286 (the CSC's
//    48-cycle flush ends at 2183); B computes 1024 cycles: ends 3310, output at 3340.
//    Weights read from DRAM: 8192 B.
//  - Too small (1 weight bank = 8 groups): the ring holds 8 groups, freed group by group as the
//    CSC finishes them (A's timing is unchanged: group 8 is needed at 1175, fetched at 1024 into
//    the space group 0 freed at 215). WEIGHT_REUSE is impossible, so B fetches all 16 groups
//    again from 2135: group g usable at 2135 + 128(g+1) + 23 = 2286 + 128g; weight-bound again,
//    group 15 ends at 2286 + 1920 + 64 = 4270, output at 4300. Weights read: 2 x 8192 B.

namespace {

std::vector<ConvSpec> split_layer(uint32_t weight_banks, bool reuse)
{
    ConvSpec a;
    a.in_w = 8;
    a.in_h = 1;
    a.in_c = 64;
    a.k = 128;
    a.in_addr = 0x10000;
    a.weight_addr = 0x100000;
    a.weight_banks = weight_banks;
    ConvSpec b = a;
    b.in_addr = 0x20000;
    a.skip_weight_rls = reuse;
    b.weight_reuse = reuse;
    return {a, b};
}

BenchOptions slow_weights()
{
    BenchOptions o;
    o.functional = false;
    o.bytes_per_cycle = 4;
    o.mem_latency = 20;
    return o;
}

} // namespace

TEST(ConvCbufTest, WeightsThatFitAreFetchedOnceForTwoHeightHalves)
{
    dla_config cfg = nv_small_like();
    ConvBench b("bench", cfg, slow_weights(), split_layer(2, true));
    sc_core::sc_start();
    EXPECT_EQ(b.stat("dla0.cdma.wt.dram_read_bytes"), 8192u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc + 0), 2165u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc + 1), 3340u);
}

TEST(ConvCbufTest, CbufTooSmallForTheWeightsForcesARefetchPerHeightHalf)
{
    dla_config cfg = nv_small_like();
    ConvBench b("bench", cfg, slow_weights(), split_layer(1, false));
    sc_core::sc_start();
    EXPECT_EQ(b.stat("dla0.cdma.wt.dram_read_bytes"), 2u * 8192);
    EXPECT_EQ(b.irq.cycle(kIrqCacc + 0), 2165u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc + 1), 4300u);
}
