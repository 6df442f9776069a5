// DMA engine: request splitting and the outstanding limit, against a fixed-latency memory whose
// interface accepts one request per cycle. Expected times are derived by hand below.
#include <gtest/gtest.h>

#include <systemc>

#include "common/clock.h"
#include "common/dma_engine.h"

using namespace dlasim::hw;

namespace {

// Accepts one request per cycle; data arrives `latency` cycles after acceptance.
class FixedLatencyMemory : public MemoryPort {
  public:
    FixedLatencyMemory(const CoreClock &clk, uint64_t latency) : clk_(clk), latency_(latency) {}
    sc_core::sc_time access(const MemAccess &, void *) override
    {
        sc_core::sc_time now = sc_core::sc_time_stamp();
        if (next_free_ > now)
            sc_core::wait(next_free_ - now);
        next_free_ = sc_core::sc_time_stamp() + clk_.period();
        return sc_core::sc_time_stamp() + clk_.cycles(latency_);
    }

  private:
    const CoreClock &clk_;
    uint64_t latency_;
    sc_core::sc_time next_free_ = sc_core::SC_ZERO_TIME;
};

SC_MODULE(DmaHarness)
{
    CoreClock clk{1000.0};
    StatsRegistry stats;
    FixedLatencyMemory mem{clk, 32};
    DmaEngine dma;
    uint64_t done_cycle = 0;
    SC_CTOR(DmaHarness) : dma("t.dma", mem, clk, DmaParams{64, 4, 0}, stats)
    {
        SC_THREAD(run);
    }
    void run()
    {
        dma.read(0, 64 * 10, nullptr);
        dma.drain();
        done_cycle = clk.now_cycles();
    }
};

} // namespace

TEST(DmaEngineTest, OutstandingLimitThrottlesIssue)
{
    // 10 requests, 4 outstanding, 1/cycle acceptance, latency 32:
    // requests 0-3 issue at cycles 0..3 and complete at 32..35; request 4 waits for #0 (32),
    // #5 for #1 (33), ... so request i (i >= 4) issues at 32*(i/4) + i%4 ... request 8 issues
    // when #4 completes at 64, request 9 at 65, completing at 97.
    DmaHarness h("h");
    sc_core::sc_start();
    EXPECT_EQ(h.done_cycle, 97u);
    EXPECT_EQ(h.dma.op_read_bytes(), 640u);
}

namespace {

// Reports [0x40000000, 0x40010000) as the core's on-chip SRAM (as the MCIF does for its SRAM window).
class SplitMemory : public FixedLatencyMemory {
  public:
    using FixedLatencyMemory::FixedLatencyMemory;
    bool on_chip(uint64_t addr, uint64_t bytes) const override
    {
        return addr >= 0x40000000u && addr + bytes <= 0x40010000u;
    }
};

SC_MODULE(SplitHarness)
{
    CoreClock clk{1000.0};
    StatsRegistry stats;
    SplitMemory mem{clk, 32};
    DmaEngine dma;
    SC_CTOR(SplitHarness) : dma("t.dma", mem, clk, DmaParams{64, 4, 0}, stats)
    {
        SC_THREAD(run);
    }
    void run()
    {
        dma.read(0x80000000u, 640, nullptr);  // DRAM
        dma.write(0x40000000u, 256, nullptr); // SRAM
        dma.read(0x40000100u, 128, nullptr);  // SRAM
        dma.write(0x80001000u, 64, nullptr);  // DRAM
        dma.drain();
    }
};

} // namespace

TEST(DmaEngineTest, SramBytesAreCountedApartFromDramBytes)
{
    // DRAM: 640 B read, 64 B written; SRAM: 128 B read, 256 B written. The per-op counters (the
    // perf registers' DRAM bytes) hold DRAM bytes only.
    SplitHarness h("h");
    sc_core::sc_start();
    EXPECT_EQ(h.stats.find("t.dma.dram_read_bytes")->value, 640u);
    EXPECT_EQ(h.stats.find("t.dma.dram_write_bytes")->value, 64u);
    EXPECT_EQ(h.stats.find("t.dma.onchip_read_bytes")->value, 128u);
    EXPECT_EQ(h.stats.find("t.dma.onchip_write_bytes")->value, 256u);
    EXPECT_EQ(h.dma.op_read_bytes(), 640u);
    EXPECT_EQ(h.dma.op_write_bytes(), 64u);
}
