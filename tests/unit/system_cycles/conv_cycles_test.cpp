// Convolution layer cycles on the real presets (nv_small, orin-agx-64gb), through the driver and the
// whole SystemC platform, against counts derived by hand from the documented timing rules:
//
//  M1 memory_system.h: a request of B bytes occupies the core's read (or write) port
//     B / dma.*_bytes_per_cycle cycles and the DRAM B' / (bw x efficiency x (1 - background_share)),
//     B' = B rounded up to the burst (background_share is 0 in the presets). It is accepted at the first
//     core clock edge e at which its port is free, one of the core's max_outstanding (256) read (or
//     write) slots is free and the DRAM frees up before e + 1 cycle; each server then moves to
//     max(free, e) + occupancy (fractions carry over), and the request completes latency after the
//     latest of those ends (when all were free at e: e + latency + max(occupancies)); its slot is held
//     until then. A backlogged server of occupancy t >= 1 cycle accepts its n-th request at cycle
//     floor(n t) and ends it at (n+1) t. Completions are rounded up to whole picoseconds.
//  M2 dma_engine.h: transfers are cut at request_bytes boundaries; an engine issues its next request
//     as soon as the previous one is accepted, unless max_outstanding (256) of its own requests are in
//     flight; two engines of one direction are granted round robin (MCIF weights all 1).
//  M3 Orin MAXN (used below): the 64 B/cycle port binds (DRAM 204.8 x 0.8 = 163.84 GB/s: 390.625 ps =
//     0.625 cycle per 64 B), and a request is done 250 ns + 625 ps = 401 cycles after its acceptance.
//     A backlogged read stream of one core is held by the 256 slots: request n = 256 q + r is accepted
//     at 401 q + r (request 256 + r waits for the slot request r frees at 401 + r) and done at
//     401 (q + 1) + r: 256 x 64 B per 401 cycles = 40.9 B/cycle = 65.4 GB/s.
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
// write in every case, so no read competes with a write for the DRAM.
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
//  M1: 1 GB/s x 1.0 = 1 B/ns at 1 GHz: an 8-B request holds the DRAM 8 ns (port 1 cycle), so
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
//   DRAM is free again exactly when chunk i+1's writes start.
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
//  M1/M3: one read stream held by the 256 slots: request n = 256 q + r accepted at 401 q + r, done
//   401 (q + 1) + r.
//  M2/C1: 2176 requests as one stream, data and weights alternating (data first: data n = 0, 2, ..,
//   2046), then 128 weight requests alone (n = 2048..2175; an engine never holds more than the
//   core's 256 slots, so only the core's limit binds).
//   Last data (n = 2046 = 256 x 7 + 254) done 401 x 8 + 254 = 3462; last weights (n = 2175 =
//   256 x 8 + 127) done 401 x 9 + 127 = 3736: in CBUF at 3739, when the CSC starts.
//  C2: 1024 points = 8 stripes of 128; 9 steps x max(128, 128) = 1152 cycles; busy 9216 > stall_mem 3739:
//   compute-bound (memory 139264 B at 40.9 B/cycle = 3406 cycles). Per stripe SDP needs 128 x 128 / 32
//   = 512 cycles and its 256 writes 256 cycles (one per cycle; all done 401 cycles later, long before the
//   next stripe's), both < 1152.
//  Tail: last issue ends 3739 + 9216 = 12955; +30 = 12985; +512 = 13497; +16 = 13513; 256 writes
//   (4 surfaces x 4 lines x 1024 B) from 13513, one per cycle on the idle write port (255 in flight when
//   the last is accepted: the write slots do not bind): the last accepted at 13768, done 14169.
TEST(ConvCyclesTest, OrinMaxnComputeBound3x3ConvIsWholeFetchPlusStripeIssueCycles)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    rig.add_conv_layer(ConvLayerSpec{32, 32, 64, 128, 3, 1});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 14169u);
    EXPECT_STREQ(r->bound, "compute");
    EXPECT_EQ(r->dram_read_bytes, 65536u + 73728u);
    EXPECT_EQ(r->dram_write_bytes, 131072u);
    EXPECT_EQ(r->macs, 1024u * 128 * 64 * 9);
}

// orin-agx-64gb MAXN, 1x1 conv, 16x8x256 input, 128 kernels: input and weights of equal size.
//  Bytes: input 8 surfaces x 8 lines x 16 atoms x 32 B = 32768 B (512 requests); weights 128 x 256
//   = 32768 B (512 requests); output 4 surfaces x 8 x 16 x 32 B = 16384 B (256 requests).
//  M1/M2/C1/M3: 1024 requests alternating, data at even n, weights at odd n, held by the core's 256
//   read slots: the last (weights, n = 1023 = 256 x 3 + 255) accepted at 401 x 3 + 255 = 1458, done
//   1859, in CBUF at 1862, when the CSC starts: the fetch ran at 256 x 64 B per 401 cycles = 65.4 GB/s.
//  C2: 128 points = 1 stripe; 4 steps x 128 = 512 cycles; busy 512 < stall_mem 1862: memory-bound
//   (memory 65536 B at 40.9 B/cycle = 1604 cycles, compute 512).
//  Tail: issue ends 1862 + 512 = 2374; +30 = 2404; SDP 16384 / 32 = 512: 2916; +16 = 2932; 256 writes
//   (4 surfaces x 8 lines x 512 B) from 2932, one per cycle: the last accepted at 3187, done 3588.
TEST(ConvCyclesTest, OrinMaxnDramBound1x1ConvFetchesAtTheOutstandingLimitRate)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    rig.add_conv_layer(ConvLayerSpec{16, 8, 256, 128, 1, 0});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 3588u);
    EXPECT_STREQ(r->bound, "memory");
    EXPECT_EQ(r->dram_read_bytes, 32768u + 32768u);
    EXPECT_EQ(r->dram_write_bytes, 16384u);
    EXPECT_EQ(r->macs, 128u * 128 * 256);
}

// orin-agx-64gb MAXN, 1x1 conv, 32x16x256 input, 128 kernels: a long fetch, which the core's 256
// outstanding read slots (256 x 64 B per 401 cycles = 40.9 B/cycle) keep below the port's 64 B/cycle.
//  Bytes: input 8 surfaces x 16 lines x 32 atoms x 32 B = 131072 B (2048 data requests); weights
//   128 x 256 = 32768 B (512 requests); output 4 surfaces x 16 x 32 x 32 B = 65536 B.
//  M1/M2/C1/M3: 2560 requests as one stream (data and weights alternating for n < 1024, then data
//   alone; the data engine's own 256 never binds before the core's 256 slots do). The last (data,
//   n = 2559 = 256 x 9 + 255) is accepted at 401 x 9 + 255 = 3864 and done 4265: in CBUF 4268, when
//   the CSC starts.
//  C2: 512 points = 4 stripes of 128; 4 steps x 128 = 512 cycles; busy 2048 < stall_mem 4268: memory.
//  CSC (512/stripe) and SDP (16384 / 32 = 512/chunk) run in lockstep; a chunk's 256 writes take 256
//   cycles, one per cycle (when the next chunk's start, 512 cycles later, 144 of them are still in
//   flight and retire one per cycle as the new ones issue: the 256 write slots do not bind).
//  Tail: last issue ends 4268 + 2048 = 6316; +30 = 6346; +512 = 6858; +16 = 6874; the last write is
//   accepted at 6874 + 255 = 7129, done 7530.
TEST(ConvCyclesTest, OrinMaxnDramBound1x1ConvLongFetchIsCappedByOutstandingRequests)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    rig.add_conv_layer(ConvLayerSpec{32, 16, 256, 128, 1, 0});
    const dla_layer_record *r = rig.run();
    ASSERT_NE(r, nullptr) << rig.error();
    EXPECT_EQ(r->cycles, 7530u);
    EXPECT_STREQ(r->bound, "memory");
    EXPECT_EQ(r->dram_read_bytes, 131072u + 32768u);
    EXPECT_EQ(r->dram_write_bytes, 65536u);
    EXPECT_EQ(r->macs, 512u * 128 * 256);
}

// orin-agx-64gb 15W (614.4 MHz, 136.5 GB/s), the same 32x16x256 1x1 layer as above.
//  The period 1e6 / 614.4 = 1627.60 ps is held as 1628 ps (SystemC 1-ps resolution).
//  M1: a 64-B request holds the port 1628 ps and the DRAM 64 / (136.5 x 0.8) = 586.08 ps: the port
//   binds (the DRAM is free again at every edge), one request per cycle; done 250 ns + 1628 ps =
//   251628 ps = 154.56 cycles later, so at most 155 of the core's 256 read slots are ever held.
//  M2/C1: 2560 requests at i, the last (data) at 2559, in CBUF at
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
