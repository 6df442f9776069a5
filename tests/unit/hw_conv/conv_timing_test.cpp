// Cycle counts of the convolution core, derived by hand from the model's rules:
//  - memory (harness): a request of n bytes occupies the interface ceil(n/bw) cycles, its data
//    arrives `latency` cycles later; requests are cut at dma_request_bytes boundaries; CDMA data
//    and weights have separate interfaces unless stated.
//  - CBUF: data usable write latency (3) after it arrived.
//  - CSC: a stripe starts when its kernel group's weights and its input rows are in CBUF and a
//    delivery credit is free; each of its R*S*ceil(C/AtomC) steps takes max(L, AtomK) cycles
//    (weight load), except a one-step stripe of the same group as the previous one: L cycles.
//  - a stripe's output reaches the SDP channel 6 (CBUF read) + 4 (CSC) + 9 (CMAC) + 11 (CACC)
//    = 30 cycles after its issue ends; CACC's done interrupt is raised when the layer's last chunk
//    has been accepted by the channel (depth 1 here); the sink takes ceil(elements/rate) cycles
//    per chunk.
#include <gtest/gtest.h>

#include <string>
#include <systemc>

#include "common/half.h"
#include "conv_harness.h"

using namespace convtest;
using dlasim::hw::kIrqCacc;
using dlasim::hw::kIrqCdmaData;
using dlasim::hw::kIrqCdmaWeight;

namespace {

ConvSpec conv(uint32_t w, uint32_t h, uint32_t c, uint32_t k, uint32_t rs)
{
    ConvSpec s;
    s.in_w = w;
    s.in_h = h;
    s.in_c = c;
    s.k = k;
    s.r = s.s = rs;
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
    return o;
}

} // namespace

TEST(ConvTimingTest, NvSmallComputeBoundIsFirstFetchPlusStripesPlusPipeline)
{
    // 16x4x8 input, 3x3x8x8 kernel -> 14x2 = 28 points: stripes 8, 8, 12 (28 > 15 -> 8; 20 -> 8; 12).
    // Weights 8*9*8 = 576 -> 640 B = 20 requests of 32 B: arrive 20 + 20 + 3 = 43.
    // Rows are 128 B = 4 requests; row h usable at 4h + 4 + 20 + 3: rows 0..3 by 39 (< 43).
    // Stripes: 9 steps x max(8, 8) = 72, 72, 9 x 12 = 108 -> 43 + 252 = 295; output at 325.
    dla_config cfg = nv_small_like();
    ConvSpec c = conv(16, 4, 8, 8, 3);
    ConvBench b("bench", cfg, timing(32, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCdmaData), 39u);
    EXPECT_EQ(b.irq.cycle(kIrqCdmaWeight), 43u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 325u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 252u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_MEM), 43u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_OUT), 0u);
    EXPECT_EQ(b.ext(NVDLA_CDMA_BASE, 0, DLASIM_EXT_PERF_DRAM_READ), 4u * 128 + 640);
    EXPECT_EQ(b.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_END_CYCLE), 325u);
    EXPECT_EQ(b.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS), 28u * 8 * 8 * 9);
    // 28 points x 9 steps atomic ops, each 8 channels x 8 kernels.
    EXPECT_EQ(b.stat("dla0.cmac.mac_ops"), 28u * 9 * 8 * 8);
    EXPECT_EQ(b.stat("dla0.cbuf.write_bytes"), 4u * 128 + 640);
    // Data: one 8 B atom per atomic op (252); weights: 27 step loads x 8 kernels x 8 B.
    EXPECT_EQ(b.stat("dla0.cbuf.read_bytes"), 252u * 8 + 27 * 64);
    EXPECT_EQ(b.stat("dla0.csc.stripes"), 3u);
}

TEST(ConvTimingTest, OrinComputeBoundIsFirstFetchPlusStripesPlusPipeline)
{
    // 18x22x64 input, 3x3x64x128 kernel -> 16x20 = 320 points: stripes 128, 192.
    // Weights 128*9*64 = 73728 B = 1152 requests of 64 B: usable at 1152 + 20 + 3 = 1175.
    // A row is 2 surfaces x 576 B = 18 requests; row 21 usable at 18*22 + 23 = 419 (< 1175).
    // Stripes: 9 x max(128, 128) = 1152, 9 x 192 = 1728 -> 1175 + 2880 = 4055; output at 4085.
    dla_config cfg = orin_like();
    ConvSpec c = conv(18, 22, 64, 128, 3);
    c.data_banks = 2;   // 22 rows x 18 entries
    c.weight_banks = 5; // 1152 entries
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCdmaWeight), 1175u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 4085u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 2880u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_MEM), 1175u);
}

TEST(ConvTimingTest, OrinPointSplitIssuesTwoPointsPerCycleForHalfTheKernels)
{
    // core.cmac.point_split = 2, 18x22x64 input, 3x3x64x64 kernel (K = 64 <= 128 / 2) -> split 2:
    // stripe bounds 2 x 128 = 256 .. 2 x 256 - 1 = 511, so the 16x20 = 320 points are one stripe.
    // Weights 64*9*64 = 36864 B = 576 requests of 64 B: usable at 576 + 20 + 3 = 599; row 21 at
    // 18*22 + 23 = 419 (< 599). Each of the 9 steps: issue ceil(320 / 2) = 160, max(160, 128) = 160
    // -> 1440 cycles (without the split: stripes 128 + 192, 9 x 320 = 2880); 599 + 1440 = 2039;
    // output at 2039 + 30 = 2069.
    dla_config cfg = orin_like();
    cfg.core.cmac_point_split = 2;
    ConvSpec c = conv(18, 22, 64, 64, 3);
    c.data_banks = 2;   // 22 rows x 18 entries
    c.weight_banks = 3; // 576 entries
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCdmaWeight), 599u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 1440u);
    EXPECT_EQ(b.stat("dla0.csc.stripes"), 1u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 2069u);
}

TEST(ConvTimingTest, OrinPointSplitIsNotUsedWhenKernelsFillMoreThanHalfTheCells)
{
    // As OrinComputeBoundIsFirstFetchPlusStripesPlusPipeline (K = 128 fills every kernel cell):
    // point_split = 2 must change nothing: stripes 128, 192, 9 x 320 = 2880 busy cycles.
    dla_config cfg = orin_like();
    cfg.core.cmac_point_split = 2;
    ConvSpec c = conv(18, 22, 64, 128, 3);
    c.data_banks = 2;
    c.weight_banks = 5;
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 2880u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 4085u);
}

TEST(ConvTimingTest, NvSmallDramBoundIsBytesOverBandwidth)
{
    // 1 B/cycle, latency 10. 16x8x8 input, 1x1x8x8 kernel: 128 points = 16 stripes of 8, 2 per row,
    // each 8 cycles (one step: the first loads weights, max(8, 8); the others reuse them).
    // Row y (128 B) is usable at 128(y+1) + 10 + 3; weights (128 B) at 141 as well.
    // The last row arrives at 1024/1 + 13 = 1037; its two stripes end at 1053; output at 1083.
    dla_config cfg = nv_small_like();
    ConvSpec c = conv(16, 8, 8, 8, 1);
    ConvBench b("bench", cfg, timing(1, 10), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCdmaData), 1037u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 1024u + 10 + 3 + 2 * 8 + 30);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 16u * 8);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_MEM), 1053u - 128);
}

TEST(ConvTimingTest, OrinDramBoundIsBytesOverBandwidth)
{
    // 8 B/cycle, latency 10. 16x16x64 input, 1x1x64x128 kernel: 256 points = 2 stripes of 128
    // (8 rows each). Rows are 1024 B: row y usable at 128(y+1) + 13; weights 8192 B at 1037.
    // Stripe 0 at 1037 (row 7 and weights) -> 1165; stripe 1 waits for row 15 at 2048 + 13 =
    // 2061, takes 128 (weights kept) -> 2189; output at 2219.
    dla_config cfg = orin_like();
    ConvSpec c = conv(16, 16, 64, 128, 1);
    ConvBench b("bench", cfg, timing(8, 10), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 16384u / 8 + 10 + 3 + 128 + 30);
}

TEST(ConvTimingTest, StripeShorterThanAtomKWaitsForWeights)
{
    // nv_small: 4x4x8 input, 3x3 kernel -> 2x2 = 4 points: one stripe of 4 < AtomK = 8, so each of
    // its 9 steps waits for its 8-cycle weight load: 72 cycles, not 36. Weights at 43 (as above),
    // rows (4 x 32 B) at 27; output at 43 + 72 + 30 = 145.
    dla_config cfg = nv_small_like();
    ConvSpec c = conv(4, 4, 8, 8, 3);
    ConvBench b("bench", cfg, timing(32, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 9u * 8);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 145u);
}

TEST(ConvTimingTest, OrinStripeShorterThanAtomKWaitsForWeights)
{
    // Orin: 4x4x64 input, 3x3x64x128 -> 4 points; 9 steps x max(4, 128) = 1152 cycles.
    // Weights 73728 B at 1175; output at 1175 + 1152 + 30 = 2357.
    dla_config cfg = orin_like();
    ConvSpec c = conv(4, 4, 64, 128, 3);
    c.weight_banks = 5;
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 9u * 128);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 2357u);
}

TEST(ConvTimingTest, NvSmallOutputBoundBySlowSdp)
{
    // SDP sink 1 element/cycle. 16x8x8 input, 1x1x8x8: 16 stripes of 8 points x 8 kernels = 64
    // elements each. Weights (4 requests) and row 0 usable at 27; stripe 0 ends 35, its chunk
    // reaches SDP at 65; from then on the sink is the bottleneck (compute 8 cycles per stripe,
    // 4 credits): it reads chunk i at 65 + 64 i and ends at 65 + 16 x 64 = 1089. The last chunk is
    // accepted (channel depth 1) when the sink takes chunk 14: 65 + 14 x 64 = 961.
    dla_config cfg = nv_small_like();
    ConvSpec c = conv(16, 8, 8, 8, 1);
    BenchOptions o = timing(32, 20);
    o.sink_elements_per_cycle = 1;
    ConvBench b("bench", cfg, o, {c});
    sc_core::sc_start();
    EXPECT_EQ(b.out.at(0).end_cycle, 1089u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 961u);
    EXPECT_GT(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_OUT), 0u);
}

TEST(ConvTimingTest, OrinOutputBoundBySlowSdp)
{
    // SDP sink 16 elements/cycle. 16x32x64 input, 1x1x64x128: 4 stripes of 128 points (8 rows)
    // x 128 kernels = 16384 elements = 1024 sink cycles each. Weights (128 requests) usable at 151,
    // rows 0..7 (128 requests) at 151: stripe 0 151..279, output at 309. Stripes i end at
    // 279 + 128 i. The sink reads chunk i at 309 + 1024 i, ends at 309 + 4096 = 4405; the last
    // chunk is accepted when the sink takes chunk 2: 309 + 2048 = 2357.
    dla_config cfg = orin_like();
    ConvSpec c = conv(16, 32, 64, 128, 1);
    c.data_banks = 2;
    BenchOptions o = timing(64, 20);
    o.sink_elements_per_cycle = 16;
    ConvBench b("bench", cfg, o, {c});
    sc_core::sc_start();
    EXPECT_EQ(b.out.at(0).end_cycle, 4405u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 2357u);
}

TEST(ConvTimingTest, OrinFp16HalvesKernelsPerGroup)
{
    // FP16: 64 kernels per group, 2 B per element. 16x8x64 input (4 surfaces of 16 channels: a row
    // is 2048 B = 32 requests), 1x1x64x64: 128 points = one stripe, one step: max(128, 128).
    // Weights 64 x 64 x 2 = 8192 B at 128 + 23 = 151; rows 0..7 at 256 + 23 = 279.
    // Output at 279 + 128 + 30 = 437.
    dla_config cfg = orin_like();
    ConvSpec c = conv(16, 8, 64, 64, 1);
    c.fp16 = true;
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 437u);
    EXPECT_EQ(b.out.at(0).chunks, 1u);
}

TEST(ConvTimingTest, OrinSparseDoublesChannelsPerAtomicOp)
{
    // 2:4 sparse: 128 channels per atomic op, so C = 128 is one step instead of two. Compressed
    // weights D_WEIGHT_BYTES = 9216 (144 requests) at 167; rows (2048 B each) 0..7 at 279.
    // One stripe of 128 points, one step: 128 cycles -> output at 279 + 128 + 30 = 437.
    dla_config cfg = orin_like();
    ConvSpec c = conv(16, 8, 128, 128, 1);
    c.sparse = true;
    c.weight_bytes = 9216;
    ConvBench b("bench", cfg, timing(64, 20), {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCdmaWeight), 167u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 128u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 437u);
    EXPECT_EQ(b.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS), 128u * 128 * 128);
}

TEST(ConvTimingTest, PingPongLayersRunBackToBack)
{
    // Two 4x4x8 3x3x8x8 layers in groups 0 and 1, both enabled at cycle 0. Layer 0 as in
    // StripeShorterThanAtomKWaitsForWeights: stripe 43..115, output 145. CDMA finishes layer 0 at
    // 43 but lays out CBUF for layer 1 only when the CSC stops reading it (115): weights at
    // 115 + 20 + 23 = 158, rows at 115 + 4 + 23 = 142. The CSC flushes 48 cycles (until 163),
    // then issues layer 1: 163..235, output 265. Both results are checked functionally.
    dla_config cfg = nv_small_like();
    ConvSpec a = conv(4, 4, 8, 8, 3), b2 = conv(4, 4, 8, 8, 3);
    b2.in_addr = 0x20000;
    b2.weight_addr = 0x200000;
    b2.clip = 2;
    b2.pad_l = b2.pad_r = 1; // 2-wide input padded to 4: output 2x2, again 9 x max(4, 8) = 72
    b2.in_w = 2;
    BenchOptions o = timing(32, 20);
    o.functional = true;
    ConvBench bench("bench", cfg, o, {a, b2});
    auto in_a = random_int8(8 * 16, 11), w_a = random_int8(8 * 8 * 9, 12);
    auto in_b = random_int8(8 * 8, 13), w_b = random_int8(8 * 8 * 9, 14);
    write_input(cfg, a, in_a, bench.dram);
    write_weights(cfg, a, w_a, bench.dram);
    write_input(cfg, b2, in_b, bench.dram);
    write_weights(cfg, b2, w_b, bench.dram);
    sc_core::sc_start();
    EXPECT_EQ(bench.irq.cycle(kIrqCacc), 145u);
    EXPECT_EQ(bench.irq.cycle(kIrqCacc + 1), 265u);
    EXPECT_EQ(bench.ext(NVDLA_CSC_BASE, 1, DLASIM_EXT_PERF_START_CYCLE), 163u);
    EXPECT_EQ(bench.ext(NVDLA_CSC_BASE, 1, DLASIM_EXT_PERF_STALL_MEM), 0u);
    EXPECT_EQ(bench.out.at(0).values, reference_conv(a, in_a, w_a));
    EXPECT_EQ(bench.out.at(1).values, reference_conv(b2, in_b, w_b));
    // Every unit's consumer pointer is back on group 0 after two completions.
    for (auto *t : bench.core().csb_targets())
        EXPECT_EQ(t->csb_read(t->csb_base() + 0x4) >> 16, 0u) << std::hex << t->csb_base();
}

TEST(ConvTimingTest, InconsistentRegistersAreRejectedWithTheField)
{
    dla_config cfg = nv_small_like();
    ConvSpec c = conv(4, 4, 8, 8, 3);
    c.weight_bytes = 128; // less than the 576 B of DC weights
    ConvBench b("bench", cfg, timing(32, 20), {c});
    try {
        sc_core::sc_start();
        FAIL() << "expected the layer to be rejected";
    } catch (const std::exception &e) {
        EXPECT_NE(std::string(e.what()).find("D_WEIGHT_BYTES = 128"), std::string::npos) << e.what();
    }
}

TEST(ConvTimingTest, Fp16FunctionalModeDeliversBinary32Sums)
{
    // 1x1 conv, C = 64 channels of 1.0 (0x3C00), K = 70 kernels (FP16: AtomK/2 = 64 per group, so two
    // groups) with every weight of kernel k = (k + 1) / 64. DC layout of a 1x1 kernel with one channel
    // block: element k * 64 + c. Each output of kernel k is 64 * (k + 1) / 64 = k + 1, exact in
    // binary32 at every partial sum; CACC hands the binary32 bits to SDP.
    dla_config cfg = orin_like();
    ConvSpec c = conv(4, 2, 64, 70, 1);
    c.fp16 = true;
    BenchOptions o = timing(64, 20);
    o.functional = true;
    ConvBench b("bench", cfg, o, {c});
    for (uint64_t a = 0; a < input_bytes(cfg, c); a += 2) {
        b.dram[c.in_addr + a] = 0x00;
        b.dram[c.in_addr + a + 1] = 0x3C;
    }
    for (uint32_t k = 0; k < c.k; ++k) {
        const uint16_t w = dlasim::hw::float_to_half(static_cast<float>(k + 1) / 64.0f);
        for (uint32_t ch = 0; ch < c.in_c; ++ch) {
            const uint64_t at = c.weight_addr + 2 * (uint64_t(k) * 64 + ch);
            b.dram[at] = static_cast<uint8_t>(w & 0xff);
            b.dram[at + 1] = static_cast<uint8_t>(w >> 8);
        }
    }
    sc_core::sc_start();
    const SinkLayer &out = b.out.at(0);
    const uint32_t points = c.out_w() * c.out_h();
    ASSERT_EQ(out.values.size(), size_t(c.k) * points);
    for (uint32_t k = 0; k < c.k; ++k)
        for (uint32_t p = 0; p < points; ++p)
            ASSERT_EQ(static_cast<uint32_t>(out.values[size_t(k) * points + p]),
                      dlasim::hw::float_bits(static_cast<float>(k + 1)))
                << "kernel " << k << " point " << p;
}

TEST(ConvTimingTest, WeightReuseSkipsTheWeightFetch)
{
    // Layer 0 keeps its weights (SKIP_WEIGHT_RLS); layer 1 (WEIGHT_REUSE) points at a zeroed weight
    // address, so correct results prove the CBUF weights were used, and CDMA reads only its input.
    dla_config cfg = nv_small_like();
    ConvSpec a = conv(4, 4, 8, 8, 3), b2 = conv(4, 4, 8, 8, 3);
    a.skip_weight_rls = true;
    a.data_banks = 2; // weights kept in bank 2; layer 1's single data bank leaves them alone
    b2.weight_reuse = true;
    b2.in_addr = 0x20000;
    b2.weight_addr = 0x200000;
    BenchOptions o = timing(32, 20);
    o.functional = true;
    ConvBench bench("bench", cfg, o, {a, b2});
    auto in_a = random_int8(8 * 16, 21), w = random_int8(8 * 8 * 9, 22), in_b = random_int8(8 * 16, 23);
    write_input(cfg, a, in_a, bench.dram);
    write_weights(cfg, a, w, bench.dram);
    write_input(cfg, b2, in_b, bench.dram);
    sc_core::sc_start();
    EXPECT_EQ(bench.out.at(1).values, reference_conv(b2, in_b, w));
    EXPECT_EQ(bench.ext(NVDLA_CDMA_BASE, 1, DLASIM_EXT_PERF_DRAM_READ), input_bytes(cfg, b2));
    // Layer 1's CDMA starts at CSC end of layer 0 (115); rows (4 requests) usable at 115 + 4 + 23 =
    // 142, but the CSC flushes until 163: 163 + 72 + 30 = 265.
    EXPECT_EQ(bench.irq.cycle(kIrqCacc + 1), 265u);
}
