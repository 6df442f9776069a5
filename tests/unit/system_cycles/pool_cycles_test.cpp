// Offline pooling layer cycles on the real presets, through the driver and the SystemC platform,
// against counts derived by hand from the documented rules:
//  M1/M2 memory_system.h, dma_engine.h (see conv_cycles_test.cpp): acceptance on clock edges when the
//     port is free, an outstanding slot is free and the DRAM frees up within the cycle, servers booked
//     back to back (a backlogged one accepts request n at cycle floor(n t) and ends it at (n + 1) t),
//     completion latency after the latest booked end; one engine's requests back to back.
//  P1 pdp.h: the line buffer holds L = ceil(kernel_h / stride_y) partial lines of out_w x cps x 2 B,
//     which decides the width segments (one segment in both cases below); the read DMA fetches each
//     input row (whole atoms) in order; the datapath takes a row when it has arrived, for
//     ceil(W x channels / pdp.throughput) cycles (waiting = stall_mem, working = busy); output row oy
//     is emitted when input row min(H-1, oy*sy + kernel_h - 1) is done and written pdp.latency_cycles
//     later; the op ends when the last write has completed.
//  D  docs/driver.md: cycles = PDP end - PDP start (the PDP_RDMA enable edge); bound "memory" if
//     stall_mem > busy, else "compute".
// Times are core cycles after the layer start. In both cases the last read is accepted before the
// first write, so reads and writes never compete for the DRAM.
#include <gtest/gtest.h>

#include "assumed_timing.h"
#include "cycles_rig.h"

using cycles::CyclesRig;
using cycles::PoolLayerSpec;

namespace {

// nv_small, average pooling 8x8 stride 8 on a 16x8x8 cube -> 2x1x8 (a global pool of each half).
//  Bytes: input 1 surface x 8 lines x 16 atoms x 8 B = 1024 B (128 requests of 8 B); output 2 atoms.
//  P1: L = 1, 1 x 8 x 2 = 16 B per output column: one segment, whole rows.
//  M1: one 8-B request per 8 cycles (1 B/ns DRAM), done 72 cycles after acceptance. Row y is requests
//   16y .. 16y+15; its last is accepted at 128y + 120 and arrives at 128y + 192.
//  P1: a row is 16 x 8 elements at 1/cycle = 128 cycles. Row 0 starts at 192 (stall_mem 192); every
//   next row arrives exactly when the previous one is done (reads 1 B/cycle = pooling 1 INT8 element
//   /cycle), so rows run back to back: all 8 done at 192 + 8 x 128 = 1216. busy 1024 > stall_mem 192:
//   "compute" (the two rates are equal; only the first row's fetch latency shows).
//  The output row needs input rows 0..7: emitted at 1216, written from 1224 as one run of 2 atoms
//   (2 requests, accepted at 1224 and 1232), done 1232 + 72 = 1304.
TEST(PoolCyclesTest, NvSmallAvgPoolPoolsEachRowAsItArrives)
{
    CyclesRig rig("nv_small", nullptr);
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kNvSmall), "");
    PoolLayerSpec s;
    s.w = 16;
    s.h = 8;
    s.c = 8;
    s.method = DLA_POOL_AVG;
    s.kernel_w = s.kernel_h = 8;
    s.stride_x = s.stride_y = 8;
    rig.add_pool_layer(s);
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 1304u);
    EXPECT_STREQ(r->bound, "compute");
    EXPECT_EQ(r->dram_read_bytes, 1024u);
    EXPECT_EQ(r->dram_write_bytes, 16u);
}

// orin-agx-64gb MAXN, MAX pooling 2x2 stride 2 on a 32x16x32 cube (one 32-channel surface) -> 16x8x32.
//  Bytes: input 16 lines x 32 atoms x 32 B = 16384 B (256 requests of 64 B); output 8 x 16 x 32 B = 4096 B.
//  P1: L = 1, 1 x 32 x 2 = 64 B per output column, 14336 / 64 = 224 >= 16: one segment, whole rows.
//  M1: the 64 B/cycle port binds (the DRAM, 204.8 x 0.8 = 163.84 GB/s, takes 390.625 ps = 0.625 cycle
//   per 64-B request): request n is accepted at n and done 250 ns + 625 ps = 401 cycles later (256
//   requests: the 256 outstanding slots are never all held before one frees). Row y's last request
//   (16y + 15) arrives at 16y + 416.
//  P1: a row is 32 x 32 elements at 16/cycle = 64 cycles; row 0 starts at 416 (stall_mem 416); rows
//   arrive every 16 cycles, faster than they are pooled, so no further stall: row y done at
//   416 + 64(y+1); busy 1024 > stall_mem 416: "compute" (pooling 16 B/cycle vs the port's 64 B/cycle).
//  Output row oy after input row 2oy+1: at 544 + 128 oy, written from 552 + 128 oy: 16 atoms = 512 B =
//   8 requests, one per cycle on the idle write port (the first write, at 552, follows the last read,
//   accepted at 255).
//  The last row (oy = 7): emitted 1440, writes from 1448, the last (j = 7) accepted at 1455, done
//   1455 + 401 = 1856.
TEST(PoolCyclesTest, OrinMaxnMaxPool2x2IsBoundByPoolingRateAfterFirstRowLatency)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    PoolLayerSpec s;
    s.w = 32;
    s.h = 16;
    s.c = 32;
    s.method = DLA_POOL_MAX;
    s.kernel_w = s.kernel_h = 2;
    s.stride_x = s.stride_y = 2;
    rig.add_pool_layer(s);
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 1856u);
    EXPECT_STREQ(r->bound, "compute");
    EXPECT_EQ(r->dram_read_bytes, 16384u);
    EXPECT_EQ(r->dram_write_bytes, 4096u);
}

} // namespace
