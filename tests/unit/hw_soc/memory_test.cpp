// Memory system: bandwidth servers (sustained rates, fractional occupancies carried over), round-robin
// sharing, two cores on one DRAM, latency, burst rounding, SRAM path and the sparse store. Every expected
// cycle is derived by hand from the rules in memory_system.h.
#include <gtest/gtest.h>

#include <algorithm>
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
    double clock_mhz = 1000;
    uint32_t outstanding = 16;  // per DmaEngine
    bool second_writes = false; // the second client is PDP W writing instead of PDP R reading
};

// Orin AGX MAXN memory (configs/orin-agx-64gb.json): 1600 MHz (P = 625 ps), DRAM 204.8 GB/s x 0.8
// = 163.84 GB/s, dla_share 0.5 -> 81.92 GB/s, 250 ns, 64-B bursts, 64 B/cycle ports. A 64-B request
// holds the port 625 ps, the share 64 / 81.92 = 781.25 ps and the DRAM 390.625 ps.
MemSetup orin_maxn()
{
    MemSetup s;
    s.dram_gbps = 204.8 * 0.8;
    s.share = 0.5;
    s.latency_ns = 250;
    s.burst = 64;
    s.port_bytes = 64;
    s.clock_mhz = 1600;
    s.outstanding = 1000;
    return s;
}

constexpr uint64_t kDram = 0x80000000ull, kSram = 0x40000000ull;

DramParams make_dram(const MemSetup &s)
{
    DramParams p;
    p.window = {kDram, 1ull << 32};
    p.bytes_per_ns = s.dram_gbps;
    p.latency_ns = s.latency_ns;
    p.burst_bytes = s.burst;
    return p;
}

// Two clients (SDP M and PDP R, or PDP W with s.second_writes) each moving `bytes[i]` at addr[i] from
// t = 0 through a DmaEngine (64-byte requests, s.outstanding outstanding); records when each drained.
SC_MODULE(MemHarness)
{
    CoreClock clk;
    StatsRegistry stats;
    Dram dram;
    std::unique_ptr<Sram> sram;
    Mcif mcif;
    DmaEngine a, b;
    bool b_writes;
    uint64_t bytes[2] = {0, 0}, addr[2] = {kDram, kDram + 0x10000};
    uint64_t done[2] = {0, 0};
    SC_HAS_PROCESS(MemHarness);
    static int client_b(const MemSetup &s)
    {
        return s.second_writes ? kClientPdpW : kClientPdpR;
    }
    MemHarness(sc_core::sc_module_name n, const MemSetup &s)
        : sc_core::sc_module(n), clk(s.clock_mhz), dram(make_dram(s), stats),
          sram(s.sram_size ? std::make_unique<Sram>(SramParams{{kSram, s.sram_size}, s.sram_gbps, s.sram_latency},
                                                    stats, "dla0")
                           : nullptr),
          mcif("mcif", McifParams{s.port_bytes, s.port_bytes, s.share}, clk, dram, sram.get(), stats, "dla0"),
          a("dla0.sdp.rdma_m", mcif.port(kClientSdpM), clk, DmaParams{64, s.outstanding, kClientSdpM}, stats),
          b(s.second_writes ? "dla0.pdp.wdma" : "dla0.pdp.rdma", mcif.port(client_b(s)), clk,
            DmaParams{64, s.outstanding, client_b(s)}, stats),
          b_writes(s.second_writes)
    {
        SC_THREAD(run_a);
        SC_THREAD(run_b);
    }
    void run(DmaEngine & d, int i)
    {
        if (bytes[i] == 0)
            return;
        if (i == 1 && b_writes)
            d.write(addr[i], bytes[i], nullptr);
        else
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

// Two cores (an MCIF each: own ports and DRAM share) on one DRAM; PDP R of each reads `bytes` from
// t = 0 through a DmaEngine; records when each drained.
SC_MODULE(TwoCoreHarness)
{
    CoreClock clk;
    StatsRegistry stats;
    Dram dram;
    Mcif mcif0, mcif1;
    DmaEngine d0, d1;
    uint64_t bytes = 0;
    uint64_t done[2] = {0, 0};
    SC_HAS_PROCESS(TwoCoreHarness);
    TwoCoreHarness(sc_core::sc_module_name n, const MemSetup &s)
        : sc_core::sc_module(n), clk(s.clock_mhz), dram(make_dram(s), stats),
          mcif0("mcif0", McifParams{s.port_bytes, s.port_bytes, s.share}, clk, dram, nullptr, stats, "dla0"),
          mcif1("mcif1", McifParams{s.port_bytes, s.port_bytes, s.share}, clk, dram, nullptr, stats, "dla1"),
          d0("dla0.pdp.rdma", mcif0.port(kClientPdpR), clk, DmaParams{64, s.outstanding, kClientPdpR}, stats),
          d1("dla1.pdp.rdma", mcif1.port(kClientPdpR), clk, DmaParams{64, s.outstanding, kClientPdpR}, stats)
    {
        SC_THREAD(run0);
        SC_THREAD(run1);
    }
    void run(DmaEngine & d, int i, uint64_t addr)
    {
        d.read(addr, bytes, nullptr);
        d.drain();
        done[i] = clk.now_cycles();
    }
    void run0()
    {
        run(d0, 0, kDram);
    }
    void run1()
    {
        run(d1, 1, kDram + 0x100000);
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

TEST(MemoryTest, SustainedRateEqualsConfiguredBandwidth)
{
    // Orin MAXN, one client, 1000 back-to-back 64-B requests (1000 outstanding allowed). The share
    // (781.25 ps > P = 625 ps) binds. Request n is accepted at the first edge k after request n-1's
    // (port) at which the share, free at n x 781.25 ps, frees up within the cycle: n x 781.25 < (k + 1) x 625,
    // i.e. k = floor(1.25 n) (cycles 0, 1, 2, 3, 5, 6, 7, 8, 10, ...: 4 requests per 5 cycles). The share
    // never idles (n x 781.25 >= k x 625), so request n ends at (n + 1) x 781.25 ps.
    // Last (n = 999): accepted at cycle floor(1248.75) = 1248, ends 1000 x 781.25 ps = 781.25 ns, done
    // 781.25 + 250 = 1031.25 ns = 1650 cycles exactly: 64000 B in 781.25 ns = 81.92 GB/s, the configured
    // share. (Booked from its edge, each request would wait for the edge after 781 ps: one per 2 cycles,
    // 51.2 GB/s, done 2 x 999 + 400 + 1.25 -> 2400.)
    // The engine is blocked from each request's issue (the previous acceptance) to its acceptance, so
    // its stall cycles add up to the last acceptance, 1248. DRAM busy: 1000 x 390.625 ps.
    MemSetup s = orin_maxn();
    MemHarness h("h", s);
    h.bytes[0] = 64000;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 1650u);
    EXPECT_EQ(h.stat("dla0.sdp.rdma_m.stall_cycles"), 1248u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 64000u);
    EXPECT_EQ(h.stat("dram.busy_ps"), 390625u);
}

TEST(MemoryTest, TwoClientsShareTheBudgetAtItsFullRate)
{
    // Orin MAXN, SDP M and PDP R each read 500 x 64 B from t = 0 through the one read port and share.
    // Together they are one backlogged stream n = 0..999 as in SustainedRateEqualsConfiguredBandwidth
    // (accepted at cycle floor(1.25 n), ends (n + 1) x 781.25 ps), and round-robin alternates, SDP M
    // (lower id) first: SDP M has the even n, PDP R the odd.
    // SDP M's last (n = 998): ends 999 x 781.25 = 780468.75 ps, done 1030468.75 ps, rounded up to
    // 1030469 ps = 1648.75 cycles: drained at the edge 1649. PDP R's last (n = 999): 1031.25 ns = 1650.
    // Stall = last acceptance: SDP M floor(1.25 x 998) = 1247, PDP R floor(1.25 x 999) = 1248.
    // Together 64000 B in 781.25 ns: the full 81.92 GB/s, half each.
    MemSetup s = orin_maxn();
    MemHarness h("h", s);
    h.bytes[0] = 32000;
    h.bytes[1] = 32000;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 1649u);
    EXPECT_EQ(h.done[1], 1650u);
    EXPECT_EQ(h.stat("dla0.sdp.rdma_m.stall_cycles"), 1247u);
    EXPECT_EQ(h.stat("dla0.pdp.rdma.stall_cycles"), 1248u);
    EXPECT_EQ(h.stat("dla0.mcif.sdp_m.dram_bytes"), 32000u);
    EXPECT_EQ(h.stat("dla0.mcif.pdp_r.dram_bytes"), 32000u);
}

TEST(MemoryTest, ReadsAndWritesShareTheBudgetRoundRobin)
{
    // As TwoClientsShareTheBudgetAtItsFullRate, but PDP W writes its 500 x 64 B: its own port, the same
    // share. The share binds as before; a second request at an edge would need the share free at
    // (n + 1) x 781.25 < (floor(1.25 n) + 1) x 625, never true while it is backlogged, so one request per
    // edge is accepted (floor(1.25 n)) and round-robin over all clients alternates SDP M (id 2, first)
    // and PDP W (id 8): the same times, 1649 and 1650, and stalls 1247 and 1248.
    MemSetup s = orin_maxn();
    s.second_writes = true;
    MemHarness h("h", s);
    h.bytes[0] = 32000;
    h.bytes[1] = 32000;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 1649u);
    EXPECT_EQ(h.done[1], 1650u);
    EXPECT_EQ(h.stat("dla0.sdp.rdma_m.stall_cycles"), 1247u);
    EXPECT_EQ(h.stat("dla0.pdp.wdma.stall_cycles"), 1248u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 32000u);
    EXPECT_EQ(h.stat("dram.write_bytes"), 32000u);
}

TEST(MemoryTest, TwoCoresSharingDramEachSustainTheirShare)
{
    // Orin MAXN, two cores (share 0.5 each: together exactly the DRAM), each reading 400 x 64 B from
    // t = 0. At a common edge the two MCIFs book the DRAM one after the other; call the first X.
    // X: its share is never later than the DRAM's, so it runs as alone: request n accepted at floor(1.25 n),
    //  ends (n + 1) x 781.25 ps; last (n = 399) ends 312500 ps, done 562500 ps = 900 cycles.
    // Y (ps after each edge's bookings; X share / Y share / DRAM):
    //  edge 0: X 781.25 / DRAM 390.625; Y: DRAM 390.625 < 625 ok -> Y 781.25, DRAM 781.25.
    //  edge 1 (625): X 1562.5, DRAM 1171.875 < 1250 ok -> Y 1562.5, DRAM 1562.5.
    //  edge 2 (1250): X 2343.75, DRAM 1953.125 >= 1875: Y waits.
    //  edge 3 (1875): X 3125, DRAM 2343.75; Y ok: Y max(1562.5, 1875) + 781.25 = 2656.25, DRAM 2734.375.
    //  edge 4 (2500): X waits (3125 >= 3125); Y 3437.5, DRAM 3125.
    //  edge 5 (3125): X 3906.25, DRAM 3515.625; Y 4218.75, DRAM 3906.25.
    //  edge 6 (3750): X 4687.5, DRAM 4296.875; Y 5000, DRAM 4687.5.
    //  edge 7 (4375): X 5468.75, DRAM 5078.125; Y waits (5000 >= 5000).
    //  edge 8 (5000): X 6250, DRAM 5468.75; Y 5781.25, DRAM 5859.375 = edge 3's state + 3125 ps.
    //  So from edge 3 on every 5 cycles repeat: Y's requests n = 2 + 4j + r end (latest booked end) at
    //  2734.375 (DRAM), 3437.5, 4218.75, 5000 ps (r = 0..3) + 3125 j. Last n = 399 = 3 + 4 x 99:
    //  3437.5 + 309375 = 312812.5 ps, done 562812.5 ps -> 562813 ps = 900.5 cycles: drained at 901.
    // Each core moves 25600 B in 312.5 ns (+ 0.3125 ns for Y): 81.92 GB/s each, 163.84 GB/s of DRAM.
    MemSetup s = orin_maxn();
    TwoCoreHarness h("h", s);
    h.bytes = 400 * 64;
    sc_core::sc_start();
    EXPECT_EQ(std::min(h.done[0], h.done[1]), 900u);
    EXPECT_EQ(std::max(h.done[0], h.done[1]), 901u);
    EXPECT_EQ(h.stats.sum_suffix("dram.read_bytes"), 2u * 25600u);
    EXPECT_EQ(h.stats.sum_suffix("dla1.mcif.pdp_r.dram_bytes"), 25600u);
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
