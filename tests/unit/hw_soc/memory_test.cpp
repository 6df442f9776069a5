// Memory system: bandwidth servers, round-robin sharing, latency, burst rounding, SRAM path and the
// sparse store. Every expected cycle is derived by hand from the rules in memory_system.h.
#include <gtest/gtest.h>

#include <cstring>
#include <systemc>
#include <vector>

#include "common/dma_engine.h"
#include "memory/memory_system.h"

using namespace dlasim::hw;

namespace {

struct MemSetup {
    double dram_gbps = 32; // x efficiency 1.0
    double share = 0.5;
    double latency_ns = 100;
    uint32_t burst = 32;
    uint32_t port_bytes = 8; // per cycle, read and write
    uint64_t sram_size = 0;
    double sram_gbps = 64;
    uint32_t sram_latency = 10;
};

constexpr uint64_t kDram = 0x80000000ull, kSram = 0x40000000ull;

// Two clients (SDP M and PDP R) each reading `bytes[i]` at addr[i] from t = 0 through a DmaEngine
// (64-byte requests, 16 outstanding); records when each drained.
SC_MODULE(MemHarness)
{
    CoreClock clk{1000.0};
    StatsRegistry stats;
    Dram dram;
    std::unique_ptr<Sram> sram;
    Mcif mcif;
    DmaEngine a, b;
    uint64_t bytes[2] = {0, 0}, addr[2] = {kDram, kDram + 0x10000};
    uint64_t done[2] = {0, 0};
    SC_HAS_PROCESS(MemHarness);
    MemHarness(sc_core::sc_module_name n, const MemSetup &s)
        : sc_core::sc_module(n), dram(make_dram(s), stats),
          sram(s.sram_size ? std::make_unique<Sram>(SramParams{{kSram, s.sram_size}, s.sram_gbps, s.sram_latency},
                                                    stats, "dla0")
                           : nullptr),
          mcif("mcif", McifParams{s.port_bytes, s.port_bytes, s.share}, clk, dram, sram.get(), stats, "dla0"),
          a("dla0.sdp.rdma_m", mcif.port(kClientSdpM), clk, DmaParams{64, 16, kClientSdpM}, stats),
          b("dla0.pdp.rdma", mcif.port(kClientPdpR), clk, DmaParams{64, 16, kClientPdpR}, stats)
    {
        SC_THREAD(run_a);
        SC_THREAD(run_b);
    }
    static DramParams make_dram(const MemSetup &s)
    {
        DramParams p;
        p.window = {kDram, 1ull << 32};
        p.bytes_per_ns = s.dram_gbps;
        p.latency_ns = s.latency_ns;
        p.burst_bytes = s.burst;
        return p;
    }
    void run(DmaEngine & d, int i)
    {
        if (bytes[i] == 0)
            return;
        d.read(addr[i], bytes[i], nullptr);
        d.drain();
        done[i] = clk.now_cycles();
    }
    void run_a()
    {
        run(a, 0);
    }
    void run_b()
    {
        run(b, 1);
    }
    uint64_t stat(const char *name) const
    {
        return stats.sum_suffix(name);
    }
};

} // namespace

TEST(MemoryTest, SingleClientIsBoundByPortWidth)
{
    // 1024 B = 16 requests of 64 B. Port 8 B/cycle -> 8 cycles each; share 32 x 0.5 = 16 B/ns -> 4 ns;
    // DRAM 2 ns. Accepted every 8 ns: a_i = 8i; done_i = a_i + 100 + max(8, 4, 2) = 8i + 108.
    // Last (i = 15): 120 + 108 = 228 cycles (1 GHz). 16 outstanding: never throttles.
    MemSetup s;
    MemHarness h("h", s);
    h.bytes[0] = 1024;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 228u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 1024u);
    EXPECT_EQ(h.stat("dla0.mcif.sdp_m.dram_bytes"), 1024u);
    EXPECT_EQ(h.stat("dram.busy_ps"), 16u * 2000u); // 64 B / 32 B/ns = 2 ns each
}

TEST(MemoryTest, SingleClientIsBoundByDramShare)
{
    // Port 64 B/cycle -> 1 cycle per request; the core's share (16 B/ns) -> 4 ns: a_i = 4i,
    // done_i = 4i + 100 + 4. Last: 60 + 104 = 164.
    MemSetup s;
    s.port_bytes = 64;
    MemHarness h("h", s);
    h.bytes[0] = 1024;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 164u);
}

TEST(MemoryTest, TwoClientsShareBandwidthRoundRobin)
{
    // Both read 512 B (8 requests) from t = 0; the share (4 ns per request) binds. Round-robin
    // alternates, SDP M (lower id) first: A accepted at 0, 8, ..., 56; B at 4, 12, ..., 60.
    // A done: 56 + 104 = 160; B: 60 + 104 = 164. (Alone, A would finish at 7*4 + 104 = 132.)
    MemSetup s;
    s.port_bytes = 64;
    MemHarness h("h", s);
    h.bytes[0] = 512;
    h.bytes[1] = 512;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 160u);
    EXPECT_EQ(h.done[1], 164u);
    EXPECT_EQ(h.stat("dla0.mcif.sdp_m.dram_bytes"), 512u);
    EXPECT_EQ(h.stat("dla0.mcif.pdp_r.dram_bytes"), 512u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 1024u);
}

TEST(MemoryTest, LatencyAddsOncePerRequest)
{
    // One 64-byte request, latency 250 ns, port 8 B/cycle: done = 0 + 250 + 8 = 258.
    MemSetup s;
    s.latency_ns = 250;
    MemHarness h("h", s);
    h.bytes[0] = 64;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 258u);
}

TEST(MemoryTest, BurstGranularityRoundsDramOccupancy)
{
    // 40 bytes with 32-byte bursts occupy DRAM for 64 B: share 1.0 of 8 GB/s -> 8 ns, port
    // 64 B/cycle -> 0.625 cycle. done = 100 + 8 = 108 (unrounded it would be 100 + 5 = 105).
    MemSetup s;
    s.dram_gbps = 8;
    s.share = 1.0;
    s.port_bytes = 64;
    MemHarness h("h", s);
    h.bytes[0] = 40;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 108u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 40u);
}

TEST(MemoryTest, SramWindowUsesSramBandwidthAndLatency)
{
    // SRAM 64 GB/s, 10-cycle latency; 128 B = 2 requests; port 8 B/cycle -> 8 cycles each:
    // a = 0, 8; done = 8 + 10 + 8 = 26. No DRAM traffic.
    MemSetup s;
    s.sram_size = 1 << 20;
    MemHarness h("h", s);
    h.addr[0] = kSram + 256;
    h.bytes[0] = 128;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 26u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 0u);
    EXPECT_EQ(h.stat("dla0.sram.read_bytes"), 128u);
    EXPECT_EQ(h.stat("dla0.mcif.sdp_m.sram_bytes"), 128u);
}

TEST(MemoryTest, AccessOutsideEveryWindowStopsWithAClearError)
{
    MemSetup s;
    MemHarness h("h", s);
    h.addr[0] = 0x1000;
    h.bytes[0] = 64;
    try {
        sc_core::sc_start();
        FAIL() << "expected an error";
    } catch (const std::exception &e) {
        EXPECT_NE(std::string(e.what()).find("sdp_m read of 64 bytes at 0x1000 is outside DRAM and SRAM"),
                  std::string::npos)
            << e.what();
    }
}

TEST(SparseStoreTest, UntouchedBytesReadZeroAndWritesCrossPages)
{
    SparseStore st;
    std::vector<uint8_t> buf(100, 0xff);
    st.read(0x123456789ull, buf.data(), buf.size());
    for (uint8_t b : buf)
        EXPECT_EQ(b, 0u);
    EXPECT_EQ(st.pages(), 0u);
    std::vector<uint8_t> data(300);
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<uint8_t>(i * 7 + 1);
    uint64_t addr = SparseStore::kPageBytes * 5 - 100; // straddles pages 4 and 5
    st.write(addr, data.data(), data.size());
    EXPECT_EQ(st.pages(), 2u);
    std::vector<uint8_t> back(302);
    st.read(addr - 1, back.data(), back.size());
    EXPECT_EQ(back[0], 0u);
    EXPECT_EQ(back[301], 0u);
    EXPECT_EQ(0, std::memcmp(back.data() + 1, data.data(), data.size()));
}
