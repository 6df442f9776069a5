// What a power mode's DRAM bandwidth and clock do to a layer, through the driver and the whole platform:
// a DRAM-bound layer's cycles fall with more bandwidth, a compute-bound layer's cycles stay (so its time
// scales with the clock). Rules M1-M3, C1-C3, S1, D, A as in conv_cycles_test.cpp; each expected count is
// derived by hand below, from the preset values checked first (with the one override applied).
#include <gtest/gtest.h>

#include <string>

#include "assumed_timing.h"
#include "cycles_rig.h"

using cycles::ConvLayerSpec;
using cycles::CyclesRig;

namespace {

// nv_small 1x1 conv, 16x8x64 input, 8 kernels (NvSmallDramBound1x1ConvWaitsForOneBytePerCycleFetch:
// 10033 cycles at 1 GB/s), now with the NOMINAL mode's DRAM at 2 GB/s.
//  Bytes as there: 1024 data + 64 weight requests of 8 B, output 1024 B.
//  M1: an 8-B request holds the DRAM 4 ns (port 1 cycle at 1 GHz): one accepted every 4 cycles,
//   done 64 + 4 = 68 cycles later. 1088 requests at 4i; the last (data) at 4348, done 4416, input in
//   CBUF at 4419.
//  C2: busy 1024 < stall_mem 4419: still memory-bound (memory 8704 B at 2 B/cycle = 4352 cycles).
//  CSC and SDP run in lockstep at 64 cycles per chunk; a chunk's 8 writes take 8 x 4 = 32 < 64.
//  Tail: last issue ends 4419 + 1024 = 5443; +30 = 5473; SDP +64 = 5537; +16 = 5553; the 8 writes
//   accepted at 5553 + 4j, the last at 5581, done 5581 + 68 = 5649.
// Twice the bandwidth: 10033 -> 5649 cycles (the fetch, 8768 -> 4416, halves; compute and tail stay).
TEST(ScalingCyclesTest, NvSmallDramBoundLayerNeedsFewerCyclesWithTwiceTheDramBandwidth)
{
    CyclesRig rig("nv_small", nullptr, {"power_modes.NOMINAL.dram_bandwidth_gbps=2"});
    ASSERT_EQ(rig.error(), "");
    cycles::AssumedTiming t = cycles::kNvSmall;
    t.dram_bandwidth_gbps = 2.0;
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), t), "");
    rig.add_conv_layer(ConvLayerSpec{16, 8, 64, 8, 1, 0});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 5649u);
    EXPECT_STREQ(r->bound, "memory");
}

// orin-agx-64gb MAXN's compute-bound 3x3 conv (OrinMaxnComputeBound3x3ConvIsWholeFetchPlusStripeIssueCycles:
// 14169 cycles = 8.856 us at 1600 MHz), with the DLA clock at 800 MHz (P = 1250 ps), DRAM unchanged.
//  M1: a 64-B request holds the port 1250 ps, the DRAM 390.625 ps: the port binds; done 250 ns + 1250 ps
//   = 201 cycles after acceptance, so at most 201 of the 256 read slots are held: request n accepted at
//   n. 2176 requests; the last (weights, n = 2175) done 2376: in CBUF at 2379, when the CSC starts.
//  C2: busy 9216 cycles, the same count as at 1600 MHz (compute-bound: stall_mem 2379 < 9216).
//  Tail: issue ends 2379 + 9216 = 11595; +30 = 11625; SDP +512 = 12137; +16 = 12153; 256 writes one per
//   cycle, the last accepted at 12408, done 12408 + 201 = 12609.
// 12609 cycles = 15.761 us: the compute (9216 cycles) took twice the time at half the clock; only the
// fetch, held by the outstanding limit at 1600 MHz, shrank in cycles.
TEST(ScalingCyclesTest, OrinComputeBoundLayerKeepsItsComputeCyclesAtHalfTheClock)
{
    CyclesRig rig("orin-agx-64gb", "MAXN", {"power_modes.MAXN.dla_clock_mhz=800"});
    ASSERT_EQ(rig.error(), "");
    cycles::AssumedTiming t = cycles::kOrinMaxn;
    t.dla_clock_mhz = 800.0;
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), t), "");
    rig.add_conv_layer(ConvLayerSpec{32, 32, 64, 128, 3, 1});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 12609u);
    EXPECT_STREQ(r->bound, "compute");
}

} // namespace
