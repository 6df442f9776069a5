// The GPU as a DRAM client (hw/memory/gpu_client.h): GPU work ends at its model time when the DRAM keeps
// up, at the DRAM's pace when it does not, serialises on the one GPU in arrival order, and its
// bookings delay a DLA client's requests. Every expected time is derived by hand from the rules in
// hw/memory/gpu_client.h and hw/memory/memory_system.h.
#include <gtest/gtest.h>

#include <systemc>

#include "common/dma_engine.h"
#include "dla/config.h"
#include "memory/gpu_client.h"
#include "memory/memory_system.h"

using namespace dlasim::hw;

namespace {

constexpr uint64_t kDram = 0x80000000ull;

// DRAM 32 GB/s x efficiency 1 = 32 B/ns (no background share), 64-B bursts, 100 ns latency; a 1 GHz
// core clock (P = 1 ns); GPU requests of 4096 B, each 4096 / 32 = 128 ns of DRAM.
DramParams dram_params()
{
    dla_config c{};
    c.memory.dram_latency_ns = 100;
    c.memory.dram_burst_bytes = 64;
    c.memory.dram_efficiency = 1.0;
    dla_power_mode m{};
    m.dram_bandwidth_gbps = 32;
    return DramParams::from_config(c, m, AddressWindow{kDram, 1ull << 32});
}

GpuClientParams gpu_params()
{
    dla_config c{};
    c.memory.dram_efficiency = 1.0;
    c.gpu.dram_request_bytes = 4096;
    dla_power_mode m{};
    m.dram_bandwidth_gbps = 32;
    return GpuClientParams::from_config(c, m);
}

sc_core::sc_time ns(double v)
{
    return sc_core::sc_time(v, sc_core::SC_NS);
}

// Up to two pieces of GPU work (arriving at `arrive[i]`) and optionally a DLA client (SDP M through an
// MCIF with an 8 B/cycle port and a DmaEngine of 64-B requests, 16 outstanding) reading `dla_bytes`
// from t = 0.
SC_MODULE(GpuHarness)
{
    CoreClock clk;
    StatsRegistry stats;
    Dram dram;
    Mcif mcif;
    DmaEngine dla;
    GpuDramClient gpu;
    uint64_t dla_bytes = 0, dla_done = 0;
    struct Work {
        bool present = false;
        sc_core::sc_time arrive, duration, start, end;
        uint64_t read = 0, write = 0;
    } work[2];
    SC_HAS_PROCESS(GpuHarness);
    explicit GpuHarness(sc_core::sc_module_name n)
        : sc_core::sc_module(n), clk(1000), dram(dram_params(), stats),
          mcif("mcif", McifParams{8, 8, 256}, clk, dram, nullptr, stats, "dla0"),
          dla("dla0.sdp.rdma_m", mcif.port(kClientSdpM), clk, DmaParams{64, 16, kClientSdpM}, stats),
          gpu(gpu_params(), dram, clk.period(), stats)
    {
        SC_THREAD(run_dla);
        SC_THREAD(run_gpu0);
        SC_THREAD(run_gpu1);
    }
    void run_dla()
    {
        if (!dla_bytes)
            return;
        dla.read(kDram, dla_bytes, nullptr);
        dla.drain();
        dla_done = clk.now_cycles();
    }
    void run_gpu(Work & w)
    {
        if (!w.present)
            return;
        sc_core::wait(w.arrive);
        w.start = gpu.run(w.duration, w.read, w.write);
        w.end = sc_core::sc_time_stamp();
    }
    void run_gpu0()
    {
        run_gpu(work[0]);
    }
    void run_gpu1()
    {
        run_gpu(work[1]);
    }
    uint64_t stat(const char *name) const
    {
        return stats.sum_suffix(name);
    }
};

} // namespace

TEST(GpuClientTest, WorkTheDramKeepsUpWithEndsAtItsModelTime)
{
    // T = 10 us, B = 40960 read + 40960 written = 81920 B = 20 requests of 4096 B, released every
    // 10000 / 20 = 500 ns; each holds the DRAM 128 ns < 500 ns, so none falls behind: the last is
    // released at 9500 ns and booked until 9628 ns < 10000 ns. The work ends at t0 + T = 10 us.
    GpuHarness h("h");
    h.work[0] = {true, ns(0), ns(10000), {}, {}, 40960, 40960};
    sc_core::sc_start();
    EXPECT_EQ(h.work[0].start, ns(0));
    EXPECT_EQ(h.work[0].end, ns(10000));
    EXPECT_EQ(h.stat("gpu.dram_read_bytes"), 40960u);
    EXPECT_EQ(h.stat("gpu.dram_write_bytes"), 40960u);
    EXPECT_EQ(h.stat("gpu.busy_ps"), 10000000u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 0u) << "the DLAs' DRAM counters stay the DLAs'";
}

TEST(GpuClientTest, WorkFasterThanTheDramEndsAtTheDramsPace)
{
    // T = 0: all 20 requests are released at t0 = 0. Request 0 books [0, 128 ns); each next one loses
    // until the DRAM's ready edge (the edge at or before its free time, 128 k ns: whole ns) and books
    // from there: back to back, the 20th ends at 20 x 128 = 2560 ns = B / bw.
    GpuHarness h("h");
    h.work[0] = {true, ns(0), ns(0), {}, {}, 81920, 0};
    sc_core::sc_start();
    EXPECT_EQ(h.work[0].end, ns(2560));
}

TEST(GpuClientTest, TwoCoresShareOneGpuInArrivalOrder)
{
    // Work 0 arrives at 0 and holds the GPU 5 us; work 1 arrives at 1 us, gets the GPU when work 0
    // releases it (5 us) and ends 5 us later (10 us): 4 us of waiting.
    GpuHarness h("h");
    h.work[0] = {true, ns(0), ns(5000), {}, {}, 0, 0};
    h.work[1] = {true, ns(1000), ns(5000), {}, {}, 0, 0};
    sc_core::sc_start();
    EXPECT_EQ(h.work[0].end, ns(5000));
    EXPECT_EQ(h.work[1].start, ns(5000));
    EXPECT_EQ(h.work[1].end, ns(10000));
    EXPECT_EQ(h.stat("gpu.wait_ps"), 4000000u);
    EXPECT_EQ(h.stat("gpu.busy_ps"), 10000000u);
}

TEST(GpuClientTest, GpuBookingsDelayTheDlasRequests)
{
    // DLA alone (memory_test's SingleClientIsBoundByPortWidth): 16 requests of 64 B accepted every 8 ns
    // (port 8 B/cycle), each 2 ns of DRAM; done_i = 8i + 108, the last at 228 cycles.
    // With one GPU request of 4096 B at 50 ns (T = 0): requests 0..6 are accepted at 0..48 (the 7th
    // books the DRAM [48, 50)); at 50 the GPU bids alone, wins and books [50, 178). Request 7 arrives
    // at the port at 56, loses to the busy DRAM and is accepted at its ready edge, 178; requests 8..15
    // follow every 8 cycles (port bound): request 15 is accepted at 178 + 64 = 242 and completes at
    // 242 + max(port 8, DRAM 2) + 100 = 350. The GPU work ends when its booking does: 178 ns.
    GpuHarness h("h");
    h.dla_bytes = 1024;
    h.work[0] = {true, ns(50), ns(0), {}, {}, 4096, 0};
    sc_core::sc_start();
    EXPECT_EQ(h.work[0].end, ns(178));
    EXPECT_EQ(h.dla_done, 350u);
}
