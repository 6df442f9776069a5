// Convolution layer cycles on the real presets (nv_small, orin-agx-64gb), through the driver and the
// whole SystemC platform, against counts derived by hand from the documented timing rules:
//
//  M1 memory_system.h: a request of B bytes occupies the core's read (or write) port
//     B / dma.*_bytes_per_cycle cycles, the core's DRAM share B' / (bw x efficiency x dla_share) and the
//     DRAM B' / (bw x efficiency), B' = B rounded up to the burst. It is accepted at the first core clock
//     edge e at which its port is free and the share and DRAM free up before e + 1 cycle; each then
//     moves to max(free, e) + occupancy (fractions carry over), and the request completes latency after
//     the latest of those ends (when all were free at e: e + latency + max(occupancies)). A backlogged
//     share of occupancy t >= 1 cycle accepts its n-th request at cycle floor(n t) and ends it at (n+1) t.
//     Completions are rounded up to whole picoseconds.
//  M2 dma_engine.h: transfers are cut at request_bytes boundaries; an engine issues its next request
//     as soon as the previous one is accepted, unless max_outstanding (256) of its requests are in
//     flight: then it waits for the edge at or after the oldest one's completion; two engines of one
//     direction are granted round robin.
//  C1 cdma.h: the input is fetched row by row in fetch grains (here one grain: the whole cube), then
//     the weights kernel group by kernel group, on two engines; a grain or group is usable in CBUF
//     cbuf.write_latency_cycles after its last request completed.
//  C2 csc.h / conv_layer.h: the CSC starts a stripe once its group's weights and rows are in CBUF
//     (the wait is stall_mem); stripes take the remaining points if <= stripe_max, else stripe_min;
//     a stripe is R*S*ceil(C/AtomC) steps of max(points, weight_load_cycles) cycles (busy).
//  C3 a stripe's results reach SDP cbuf.read_latency + csc.latency + cmac.latency + cacc.latency
//     cycles after its issue ends (6 + 4 + 9 + 11 = 30 on both presets).
//  S1 sdp.h: a chunk of E elements takes ceil(E / bs_throughput) cycles (all stages bypassed), leaves
//     sdp.latency_cycles later and is written as whole atoms per line run; the op ends when the last
//     write has completed.
//  D  docs/driver.md: layer cycles = last op end - head op start (CACC start: the edge on which the
//     last conv unit was enabled); bound "memory" if CSC stall_mem exceeds busy and stall_out.
//  A wait for a completion that falls between clock edges resumes at the next edge (CoreClock).
// All times below are core cycles after the layer start. Reads all complete before the first output
// write in every case, so no read competes with a write for the DRAM share.
#include <gtest/gtest.h>

#include <string>

#include "assumed_timing.h"
#include "cycles_rig.h"

using cycles::ConvLayerSpec;
using cycles::CyclesRig;

namespace {

// nv_small, 3x3 conv, pad 1, 16x16x32 input, 16 kernels (2 kernel groups of AtomK 8).
//  Bytes: input 4 surfaces x 16 lines x 16 atoms x 8 B = 8192 B (1024 requests of 8 B); DC weights
//   16 x 32 x 9 = 4608 B (576 requests, 2 groups of 2304 B); output 2 surfaces x 16 x 16 x 8 B = 4096 B.
//  M1: 1 GB/s x 1.0 x 1.0 = 1 B/ns at 1 GHz: an 8-B request holds the share 8 ns (port 1 cycle), so
//   one is accepted every 8 cycles and completes 64 + 8 = 72 cycles later.
//  M2/C1: data and weight requests alternate, then data alone: 1600 requests at 8i, the last one
//   (i = 1599, data) at 12792, done 12864; the input is in CBUF at 12864 + 3 = 12867 (weights earlier).
//  C2: 256 points = 32 stripes of 8; 3*3*4 = 36 steps x max(8, 8) = 288 cycles; 2 groups: 64 stripes,
//   busy = 18432. The CSC waits from 0 to 12867 (stall_mem 12867 < busy 18432: compute-bound; the
//   memory term is 12800 B at 1 B/cycle = 12800 cycles, the compute term 18432). After that no stall:
//   per stripe SDP needs 64 cycles (8 points x 8 kernels at 1/cycle) and 8 writes x 8 cycles = 64 < 288.
//  Tail: last issue ends 12867 + 18432 = 31299; C3 +30 = 31329; S1 +64 = 31393, +16 = 31409; 8 writes
//   accepted at 31409 + 8j, the last at 31465, done 31465 + 72 = 31537.
TEST(ConvCyclesTest, NvSmallComputeBound3x3ConvIsWholeFetchPlusStripeIssueCycles)
{
    CyclesRig rig("nv_small", nullptr);
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kNvSmall), "");
    rig.add_conv_layer(ConvLayerSpec{16, 16, 32, 16, 3, 1});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 31537u);
    EXPECT_STREQ(r->bound, "compute");
    EXPECT_EQ(r->dram_read_bytes, 8192u + 4608u);
    EXPECT_EQ(r->dram_write_bytes, 4096u);
    EXPECT_EQ(r->macs, 256u * 16 * 32 * 9);
}

// nv_small, 1x1 conv, 16x8x64 input, 8 kernels (one group): input bytes dwarf the MACs.
//  Bytes: input 8 surfaces x 8 lines x 16 atoms x 8 B = 8192 B (1024 requests); weights 8 x 64 = 512 B
//   (64 requests); output 1 surface x 8 x 16 x 8 B = 1024 B.
//  M1/M2/C1: 1088 requests at 8i; the last (data) at 8696, done 8768, input in CBUF at 8771.
//  C2: 128 points = 16 stripes of 8; 8 steps x 8 = 64 cycles; busy 1024 < stall_mem 8771: memory-bound
//   (memory term 8704 cycles, compute term 1024).
//  Then CSC (64 cycles/stripe), SDP (64 elements = 64 cycles/chunk) and writes (8 x 8 = 64 cycles/chunk)
//   run in lockstep: chunk i's writes start at 8771 + 64i + 174, its last is accepted 56 later and the
//   share is free again exactly when chunk i+1's writes start.
//  Tail: last issue ends 8771 + 1024 = 9795; +30 = 9825; +64 = 9889; +16 = 9905; last write accepted
//   9905 + 56 = 9961, done 9961 + 72 = 10033.
TEST(ConvCyclesTest, NvSmallDramBound1x1ConvWaitsForOneBytePerCycleFetch)
{
    CyclesRig rig("nv_small", nullptr);
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kNvSmall), "");
    rig.add_conv_layer(ConvLayerSpec{16, 8, 64, 8, 1, 0});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 10033u);
    EXPECT_STREQ(r->bound, "memory");
    EXPECT_EQ(r->dram_read_bytes, 8192u + 512u);
    EXPECT_EQ(r->dram_write_bytes, 1024u);
    EXPECT_EQ(r->macs, 128u * 8 * 64);
}

// orin-agx-64gb MAXN, 3x3 conv, pad 1, 32x32x64 input, 128 kernels (one group of AtomK 128).
//  Bytes: input 2 surfaces x 32 lines x 32 atoms x 32 B = 65536 B (1024 requests of 64 B); weights
//   128 x 64 x 9 = 73728 B (1152 requests); output 4 surfaces x 32 x 32 x 32 B = 131072 B.
//  M1: a 64-B request holds the port 625 ps (1 cycle at 1.6 GHz), the share 64 / (204.8 x 0.8 x 0.5)
//   = 781.25 ps = 1.25 cycles and the DRAM 390.625 ps: the share binds; one backlogged stream's request
//   n is accepted at cycle floor(1.25 n), ends at 1.25 (n + 1) and is done 400 cycles (250 ns) later.
//  M2/C1: 2176 requests as one stream, data and weights alternating (data first: data n = 0, 2, ..,
//   2046), then 128 weight requests alone (n = 2048..2175). In flight per engine at most 225 (weights
//   at n = 2175: odd n 1853..2047 and 2048..2174 are not done yet): the limit 256 is not reached.
//   Last data done 1.25 x 2047 + 400 = 2958.75; last weights (n = 2175) 1.25 x 2176 + 400 = 3120:
//   in CBUF at 3123, when the CSC starts.
//  C2: 1024 points = 8 stripes of 128; 9 steps x max(128, 128) = 1152 cycles; busy 9216 > stall_mem 3123:
//   compute-bound (memory 139264 B at 51.2 B/cycle = 2720 cycles). Per stripe SDP needs 128 x 128 / 32
//   = 512 cycles and its 256 writes 320 cycles, both < 1152.
//  Tail: last issue ends 3123 + 9216 = 12339; +30 = 12369; +512 = 12881; +16 = 12897; 256 writes
//   (4 surfaces x 4 lines x 1024 B) from 12897 on an idle share: the last (n = 255) ends
//   12897 + 1.25 x 256 = 13217, done 13617.
TEST(ConvCyclesTest, OrinMaxnComputeBound3x3ConvIsWholeFetchPlusStripeIssueCycles)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    rig.add_conv_layer(ConvLayerSpec{32, 32, 64, 128, 3, 1});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 13617u);
    EXPECT_STREQ(r->bound, "compute");
    EXPECT_EQ(r->dram_read_bytes, 65536u + 73728u);
    EXPECT_EQ(r->dram_write_bytes, 131072u);
    EXPECT_EQ(r->macs, 1024u * 128 * 64 * 9);
}

// orin-agx-64gb MAXN, 1x1 conv, 16x8x256 input, 128 kernels: input and weights of equal size.
//  Bytes: input 8 surfaces x 8 lines x 16 atoms x 32 B = 32768 B (512 requests); weights 128 x 256
//   = 32768 B (512 requests); output 4 surfaces x 8 x 16 x 32 B = 16384 B (256 requests).
//  M1/M2/C1 (share-bound as above): 1024 requests alternating, data at even n, weights at odd n (at most
//   161 in flight per engine); the last (weights, n = 1023) ends 1.25 x 1024 = 1280, done 1680, in CBUF
//   at 1683, when the CSC starts: the fetch ran at the share's 51.2 B/cycle = 81.92 GB/s.
//  C2: 128 points = 1 stripe; 4 steps x 128 = 512 cycles; busy 512 < stall_mem 1683: memory-bound
//   (memory 65536 B at 51.2 B/cycle = 1280 cycles, compute 512).
//  Tail: issue ends 1683 + 512 = 2195; +30 = 2225; SDP 16384 / 32 = 512: 2737; +16 = 2753; 256 writes
//   (4 surfaces x 8 lines x 512 B) from 2753 on an idle share: the last ends 2753 + 1.25 x 256 = 3073,
//   done 3473.
TEST(ConvCyclesTest, OrinMaxnDramBound1x1ConvFetchesAtTheDramShareRate)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    rig.add_conv_layer(ConvLayerSpec{16, 8, 256, 128, 1, 0});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 3473u);
    EXPECT_STREQ(r->bound, "memory");
    EXPECT_EQ(r->dram_read_bytes, 32768u + 32768u);
    EXPECT_EQ(r->dram_write_bytes, 16384u);
    EXPECT_EQ(r->macs, 128u * 128 * 256);
}

// orin-agx-64gb MAXN, 1x1 conv, 32x16x256 input, 128 kernels: a long data-only fetch, which the 256
// outstanding requests of one engine (256 x 64 B per ~402 cycles = 40.8 B/cycle) cannot keep at the
// share's 51.2 B/cycle.
//  Bytes: input 8 surfaces x 16 lines x 32 atoms x 32 B = 131072 B (data d_0..d_2047); weights
//   128 x 256 = 32768 B (512 requests); output 4 surfaces x 16 x 32 x 32 B = 65536 B.
//  Stream n as above (accepted floor(1.25 n), done D = 1.25 (n + 1) + 400 while the share is backlogged).
//  m < 512: d_m (n = 2m) alternates with weights: D_m = 2.5m + 401.25; last weights (n = 1023) done 1680.
//  m = 512..701: data alone, n = m + 512: accepted floor(1.25m + 640), D_m = 1.25m + 1041.25.
//  M2: d_m must wait for the edge at or after D_{m-256} once that is later than d_{m-1}'s acceptance:
//   2.5m - 238.75 > floor(1.25m + 638.75), first at m = 702 (D_446 = 1516.25 > 1516).
//  m = 702..767: issued at ceil(D_{m-256}) (2.5m - 238.75 -> spacing 2.5). d_702 at 1517 (share free
//   1.25 x 1214 = 1517.5 < 1518) ends 1518.75, D_702 = 1918.75; then the share is idle at each issue:
//   D_m = ceil(D_{m-256}) + 401.25, e.g. D_767 = ceil(D_511 = 1678.75) + 401.25 = 2080.25.
//  m = 768..957: gated at ceil(D_{m-256}) = ceil(1.25m + 721.25). d_768 at 1682 on a free share (1680.25)
//   ends 1683.25; from m = 769 the gate is never after the share's free time 1.25m + 722, so the share
//   binds again: d_m ends 1.25m + 723.25, D_m = 1.25m + 1123.25 = D_{m-256} + 402.
//   m = 958: issued 1919, share 1919.5 < 1920, ends 1920.75, D = 2320.75 = D_702 + 402.
//   m = 959..1023: issued at ceil(D_{m-256}) = D_{m-256} + 0.75 (every D there ends in .25) on a free
//   share: D_m = D_{m-256} + 0.75 + 1.25 + 400 = D_{m-256} + 402.
//  So block 768..1023 is block 512..767 402 whole cycles later, share and engine state included; each
//   later block repeats it 402 cycles later again: D_m = D_{m-256} + 402 for m >= 768.
//  Last data d_2047 = d_767 + 5 x 256: D = 2080.25 + 5 x 402 = 4090.25; in CBUF 4093.25: CSC at 4094.
//  C2: 512 points = 4 stripes of 128; 4 steps x 128 = 512 cycles; busy 2048 < stall_mem 4094: memory.
//  CSC (512/stripe) and SDP (16384 / 32 = 512/chunk) run in lockstep; a chunk's 256 writes take 320
//   cycles (< 512; when the next chunk's start, 167 of them are in flight, done one per 1.25 cycles as
//   the new ones issue: the limit is not reached).
//  Tail: last issue ends 4094 + 2048 = 6142; +30 = 6172; +512 = 6684; +16 = 6700; the last write ends
//   6700 + 1.25 x 256 = 7020, done 7420.
TEST(ConvCyclesTest, OrinMaxnDramBound1x1ConvLongFetchIsCappedByOutstandingRequests)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    rig.add_conv_layer(ConvLayerSpec{32, 16, 256, 128, 1, 0});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 7420u);
    EXPECT_STREQ(r->bound, "memory");
    EXPECT_EQ(r->dram_read_bytes, 131072u + 32768u);
    EXPECT_EQ(r->dram_write_bytes, 65536u);
    EXPECT_EQ(r->macs, 512u * 128 * 256);
}

// orin-agx-64gb 15W (614.4 MHz, 136.5 GB/s), the same 32x16x256 1x1 layer as above.
//  The period 1e6 / 614.4 = 1627.60 ps is held as 1628 ps (SystemC 1-ps resolution).
//  M1: a 64-B request holds the port 1628 ps, the share 64 / (136.5 x 0.8 x 0.5) = 1172.16 ps, the DRAM
//   586.08 ps: the port binds (the share is free again at every edge), one request per cycle; done
//   250 ns + 1628 ps = 251628 ps = 154.56 cycles later.
//  M2/C1: 2560 requests at i (at most 155 of an engine in flight), the last (data) at 2559, in CBUF at
//   2559 + 154.56 + 3 = 2716.56: edge 2717.
//  C2: busy 2048 (as above) < stall_mem 2717: memory-bound, now by the 64 B/cycle port.
//  Per chunk SDP 512 cycles, writes 256 x 1 = 256 cycles.
//  Tail: last issue ends 2717 + 2048 = 4765; +30 = 4795; +512 = 5307; +16 = 5323; last write accepted
//   5323 + 255 = 5578, done 5578 + 154.56: edge 5733.
TEST(ConvCyclesTest, Orin15WDramBound1x1ConvIsPortBoundAtOneRequestPerCycle)
{
    CyclesRig rig("orin-agx-64gb", "15W");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrin15W), "");
    rig.add_conv_layer(ConvLayerSpec{32, 16, 256, 128, 1, 0});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 5733u);
    EXPECT_STREQ(r->bound, "memory");
    EXPECT_EQ(r->dram_read_bytes, 131072u + 32768u);
    EXPECT_EQ(r->dram_write_bytes, 65536u);
}

} // namespace
