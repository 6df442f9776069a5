// ActivitySampler: which counters become series, how changes are attributed to windows (hand-placed
// increments at known cycles), and a DRAM-bound read whose sampled bytes per window equal the
// configured DRAM bandwidth; every expected value is derived by hand in the test's comment.
#include <gtest/gtest.h>

#include <string>
#include <systemc>
#include <vector>

#include "common/dma_engine.h"
#include "dla/config.h"
#include "memory/memory_system.h"
#include "soc/activity_sampler.h"

using namespace dlasim::hw;

namespace {

size_t series_index(const ActivitySampler &s, const std::string &name)
{
    for (size_t i = 0; i < s.series().size(); ++i)
        if (s.series()[i].name == name)
            return i;
    ADD_FAILURE() << "no series " << name;
    return 0;
}

std::vector<uint64_t> column(const ActivitySampler &s, const std::string &name)
{
    const size_t n = s.series().size(), k = series_index(s, name);
    std::vector<uint64_t> out;
    for (size_t w = 0; w * n < s.values().size(); ++w)
        out.push_back(s.values()[w * n + k]);
    return out;
}

// Bumps counters at fixed cycles: busy +5 at cycle 0, +7 at 10, +3 at 25; DRAM +64 at 0 and +128
// at 29 from two engines; an unrelated counter +1 at 12. Ends at cycle 29.
SC_MODULE(Bumper)
{
    CoreClock clk{1000};
    Counter &busy, &rd_a, &rd_b, &other;
    SC_HAS_PROCESS(Bumper);
    Bumper(sc_core::sc_module_name n, StatsRegistry & stats)
        : sc_core::sc_module(n), busy(stats.declare("dla0.cmac.busy_cycles", "cycles", "test")),
          rd_a(stats.declare("dla0.cdma.dat.dram_read_bytes", "bytes", "test")),
          rd_b(stats.declare("dla0.sdp.rdma.dram_read_bytes", "bytes", "test")),
          other(stats.declare("dla0.cmac.mac_ops", "ops", "test"))
    {
        SC_THREAD(run);
    }
    void run()
    {
        busy += 5;
        rd_a += 64;
        sc_core::wait(clk.cycles(10));
        busy += 7;
        sc_core::wait(clk.cycles(2));
        other += 1;
        sc_core::wait(clk.cycles(13));
        busy += 3;
        sc_core::wait(clk.cycles(4));
        rd_b += 128;
    }
};

} // namespace

TEST(ActivitySamplerTest, ChangesCountInTheWindowHoldingTheirCycleAndSumToTheCounters)
{
    // Windows of 10 cycles: [0,10) [10,20) [20,29) (the last ends with the run at cycle 29).
    // busy: +5 at 0 -> w0, +7 at 10 (an edge belongs to the window it opens) -> w1, +3 at 25 -> w2.
    // DRAM read: +64 at 0 -> w0, +128 at 29 (the run's last instant) -> w2.
    StatsRegistry stats;
    Bumper b("b", stats);
    ActivitySampler s(stats, 1, b.clk, 10);
    ASSERT_EQ(s.series().size(), 2u); // dla0.cmac.busy_cycles, dla0.dram_read_bytes (mac_ops is not activity)
    EXPECT_EQ(s.series()[0].name, "dla0.cmac.busy_cycles");
    EXPECT_EQ(s.series()[0].unit, "cycles");
    EXPECT_EQ(s.series()[1].name, "dla0.dram_read_bytes");
    EXPECT_EQ(s.series()[1].unit, "bytes");
    s.begin();
    sc_core::sc_start();
    s.finish(b.clk.to_cycles(sc_core::sc_time_stamp()));
    EXPECT_EQ(s.end_cycles(), (std::vector<uint64_t>{10, 20, 29}));
    EXPECT_EQ(column(s, "dla0.cmac.busy_cycles"), (std::vector<uint64_t>{5, 7, 3}));
    EXPECT_EQ(column(s, "dla0.dram_read_bytes"), (std::vector<uint64_t>{64, 0, 128}));
}

TEST(ActivitySamplerTest, RunEndingOnAWindowEdgeFoldsItsLastInstantIntoTheLastWindow)
{
    // Windows of 29 cycles: the run ends exactly at the first edge (cycle 29), so the +128 made at 29
    // joins window [0, 29) instead of opening an empty window: one window with every change.
    StatsRegistry stats;
    Bumper b("b", stats);
    ActivitySampler s(stats, 1, b.clk, 29);
    s.begin();
    sc_core::sc_start();
    s.finish(b.clk.to_cycles(sc_core::sc_time_stamp()));
    EXPECT_EQ(s.end_cycles(), (std::vector<uint64_t>{29}));
    EXPECT_EQ(column(s, "dla0.cmac.busy_cycles"), (std::vector<uint64_t>{15}));
    EXPECT_EQ(column(s, "dla0.dram_read_bytes"), (std::vector<uint64_t>{192}));
}

TEST(ActivitySamplerTest, ZeroWindowIsRejected)
{
    StatsRegistry stats;
    CoreClock clk(1000);
    EXPECT_THROW(ActivitySampler(stats, 1, clk, 0), std::invalid_argument);
}

namespace {

constexpr uint64_t kDram = 0x80000000ull;

// One PDP read DMA of core 0 on a DRAM of 32 GB/s (efficiency 1, no background), 1 GHz core clock,
// 64-B bursts and requests, MCIF ports of 64 B/cycle, latency 100 ns.
SC_MODULE(DramBoundRead)
{
    CoreClock clk{1000};
    StatsRegistry stats;
    Dram dram;
    Mcif mcif;
    DmaEngine dma;
    uint64_t bytes = 0, done = 0;
    SC_HAS_PROCESS(DramBoundRead);
    static DramParams dram_params()
    {
        dla_config c{};
        c.memory.dram_latency_ns = 100;
        c.memory.dram_burst_bytes = 64;
        c.memory.dram_efficiency = 1.0;
        c.memory.dram_background_share = 0.0;
        dla_power_mode m{};
        m.dram_bandwidth_gbps = 32;
        return DramParams::from_config(c, m, AddressWindow{kDram, 1ull << 32});
    }
    explicit DramBoundRead(sc_core::sc_module_name n)
        : sc_core::sc_module(n), dram(dram_params(), stats),
          mcif("mcif", McifParams{64, 64, 256}, clk, dram, nullptr, stats, "dla0"),
          dma("dla0.pdp.rdma", mcif.port(kClientPdpR), clk, DmaParams{64, 1000, kClientPdpR}, stats)
    {
        SC_THREAD(run);
    }
    void run()
    {
        dma.read(kDram, bytes, nullptr);
        dma.drain();
        done = clk.now_cycles();
    }
};

} // namespace

TEST(ActivitySamplerTest, DramBoundReadSamplesTheConfiguredBandwidthPerWindow)
{
    // 64 KiB = 1024 requests of 64 B. The DRAM (32 B/ns) takes 2 ns per request and the port (64 B per
    // cycle) 1 cycle, so requests are accepted (and counted) every 2 cycles: a_i = 2i; the MCIF's 256
    // outstanding slots never bind (256 x 2 = 512 cycles > latency 100 + 2). Each 100-cycle window
    // holds 50 requests = 3200 B = 32 B/cycle = 32 GB/s at 1 GHz, the configured bandwidth. The last
    // request is accepted at 2046 and done at 2046 + 100 + 2 = 2148 (the run's end): window
    // [2000, 2100) holds a_1000..a_1023 = 24 requests = 1536 B, window [2100, 2148) none.
    DramBoundRead h("h");
    h.bytes = 64 * 1024;
    ActivitySampler s(h.stats, 1, h.clk, 100);
    s.begin();
    sc_core::sc_start();
    ASSERT_EQ(h.done, 2148u);
    s.finish(h.done);
    std::vector<uint64_t> ends, want;
    for (uint64_t e = 100; e <= 2100; e += 100)
        ends.push_back(e);
    ends.push_back(2148);
    want.assign(20, 3200);
    want.push_back(1536);
    want.push_back(0);
    EXPECT_EQ(s.end_cycles(), ends);
    EXPECT_EQ(column(s, "dla0.dram_read_bytes"), want);
}
