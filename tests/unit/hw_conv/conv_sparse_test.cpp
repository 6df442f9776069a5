// 2:4 structured sparsity on the convolution core (Orin-like, AtomC 64 -> 128 channels per sparse
// atomic op): a compute-bound layer runs about twice as fast, a memory-bound one barely changes.
// Dense and sparse run side by side in one simulation (two independent benches), so the test can
// state the ratio as well as each cycle count. Rules as in conv_timing_test.cpp; compressed weights
// are the dense bytes / 2 (values) + dense / 16 (index metadata), as the compiler stores them.
#include <gtest/gtest.h>

#include <systemc>

#include "conv_harness.h"

using namespace convtest;
using dlasim::hw::kIrqCacc;

namespace {

ConvSpec layer(uint32_t w, uint32_t h, uint32_t rs, bool sparse)
{
    ConvSpec c;
    c.in_w = w;
    c.in_h = h;
    c.in_c = 128;
    c.k = 128;
    c.r = c.s = rs;
    c.sparse = sparse;
    c.in_addr = 0x10000;
    c.weight_addr = 0x200000;
    if (sparse) { // dense 128 x 128 x R x S bytes
        const uint64_t dense = 128ull * 128 * rs * rs;
        c.weight_bytes = dense / 2 + dense / 16;
    }
    return c;
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

TEST(ConvSparseTest, OrinComputeBoundSparseLayerRunsAboutTwiceAsFast)
{
    // 34x34x128 input, 3x3 -> 128: 32x32 = 1024 points = 8 stripes of 128. 64 B/cycle, latency 20.
    // Dense: 9 x 2 channel blocks = 18 steps x 128 = 2304 cycles per stripe, 18432 in all; weights
    //   147456 B = 2304 requests, usable at 2327 (rows come sooner: row y at 68(y+1) + 23).
    //   Output at 2327 + 18432 + 30 = 20789.
    // Sparse: 9 steps x 128 = 1152 per stripe, 9216 in all; weights 73728 + 9216 = 82944 B = 1296
    //   requests, usable at 1319. Output at 1319 + 9216 + 30 = 10565: 20789 / 10565 = 1.97x.
    dla_config cfg = orin_like();
    ConvSpec d = layer(34, 34, 3, false), s = layer(34, 34, 3, true);
    d.data_banks = s.data_banks = 10; // 34 rows x 68 entries
    d.weight_banks = s.weight_banks = 9;
    ConvBench dense("dense", cfg, timing(64, 20), {d});
    ConvBench sparse("sparse", cfg, timing(64, 20), {s});
    sc_core::sc_start();
    EXPECT_EQ(dense.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 18432u);
    EXPECT_EQ(sparse.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 9216u);
    const uint64_t td = dense.irq.cycle(kIrqCacc), ts = sparse.irq.cycle(kIrqCacc);
    EXPECT_EQ(td, 20789u);
    EXPECT_EQ(ts, 10565u);
    EXPECT_GT(static_cast<double>(td) / static_cast<double>(ts), 1.9);
}

TEST(ConvSparseTest, OrinMemoryBoundSparseLayerBarelyChanges)
{
    // 32x8x128 input, 1x1 -> 128: 256 points = 2 stripes of 128 (4 rows each). 8 B/cycle, latency 10:
    // a row is 4 surfaces x 32 x 32 B = 4096 B = 512 cycles, usable at 512(y+1) + 13.
    // Dense: weights 16384 B usable at 2061 (= rows 0..3); stripe 0 (2 steps x 128) 2061..2317;
    //   stripe 1 waits for row 7 at 4109, ends 4365; output at 4395.
    // Sparse: weights 8192 + 1024 B at 1165; stripe 0 (1 step) 2061..2189; stripe 1 4109..4237;
    //   output at 4267: 4395 / 4267 = 1.03x, the input fetch sets the time.
    dla_config cfg = orin_like();
    ConvSpec d = layer(32, 8, 1, false), s = layer(32, 8, 1, true);
    d.data_banks = s.data_banks = 2; // 8 rows x 64 entries
    ConvBench dense("dense", cfg, timing(8, 10), {d});
    ConvBench sparse("sparse", cfg, timing(8, 10), {s});
    sc_core::sc_start();
    const uint64_t td = dense.irq.cycle(kIrqCacc), ts = sparse.irq.cycle(kIrqCacc);
    EXPECT_EQ(td, 4395u);
    EXPECT_EQ(ts, 4267u);
    EXPECT_LT(static_cast<double>(td) / static_cast<double>(ts), 1.05);
}
