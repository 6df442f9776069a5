// Memory system bench: bandwidth servers (sustained rates, fractional occupancies carried over), the
// MCIF's weighted round-robin and outstanding limit (programmed through its NVDLA registers), two cores
// sharing one DRAM, background traffic, latency, burst rounding, the SRAM path and the sparse store.
// Every expected cycle is derived by hand from the rules in hw/memory/memory_system.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <systemc>
#include <vector>

#include "common/dma_engine.h"
#include "dla/config.h"
#include "dla/nvdla_regs.h"
#include "memory/memory_system.h"

using namespace dlasim::hw;

namespace {

struct MemSetup {
    double dram_gbps = 32; // peak; x efficiency x (1 - background) is what the DLA gets
    double efficiency = 1.0;
    double background = 0.0;
    double latency_ns = 100;
    uint32_t burst = 32;
    uint32_t port_bytes = 8; // per cycle, read and write
    uint64_t sram_size = 0;
    double sram_gbps = 64;
    uint32_t sram_latency = 10;
    double clock_mhz = 1000;
    uint32_t outstanding = 16;       // per DmaEngine
    uint32_t mcif_outstanding = 256; // per core and direction (CFG_OUTSTANDING_CNT + 1)
    bool second_writes = false;      // the second client is PDP W writing instead of PDP R reading
};

// Orin AGX MAXN memory (configs/orin-agx-64gb.json): 1600 MHz (P = 625 ps), DRAM 204.8 GB/s x 0.8
// = 163.84 GB/s, 64-B bursts, 64 B/cycle ports. A 64-B request holds the port 625 ps and the DRAM
// 390.625 ps. Latency 100 ns here (not the preset's 250) so that the 256 outstanding slots never bind.
MemSetup orin_maxn()
{
    MemSetup s;
    s.dram_gbps = 204.8;
    s.efficiency = 0.8;
    s.latency_ns = 100;
    s.burst = 64;
    s.port_bytes = 64;
    s.clock_mhz = 1600;
    s.outstanding = 1000;
    return s;
}

constexpr uint64_t kDram = 0x80000000ull, kSram = 0x40000000ull;

// Through DramParams::from_config, so the background knob is exercised as the config sets it.
DramParams make_dram(const MemSetup &s)
{
    dla_config c{};
    c.memory.dram_latency_ns = s.latency_ns;
    c.memory.dram_burst_bytes = static_cast<int>(s.burst);
    c.memory.dram_efficiency = s.efficiency;
    c.memory.dram_background_share = s.background;
    dla_power_mode m{};
    m.dram_bandwidth_gbps = s.dram_gbps;
    return DramParams::from_config(c, m, AddressWindow{kDram, 1ull << 32});
}

McifParams make_mcif(const MemSetup &s)
{
    return McifParams{s.port_bytes, s.port_bytes, s.mcif_outstanding};
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
          mcif("mcif", make_mcif(s), clk, dram, sram.get(), stats, "dla0"),
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

// Two cores (an MCIF each: own ports, own outstanding slots) on one DRAM; PDP R of each reads `bytes`
// from t = 0 through a DmaEngine; records when each drained.
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
          mcif0("mcif0", make_mcif(s), clk, dram, nullptr, stats, "dla0"),
          mcif1("mcif1", make_mcif(s), clk, dram, nullptr, stats, "dla1"),
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
    // 1024 B = 16 requests of 64 B. Port 8 B/cycle -> 8 cycles each; DRAM 32 B/ns -> 2 ns.
    // Accepted every 8 ns: a_i = 8i; done_i = a_i + 100 + max(8, 2) = 8i + 108.
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

TEST(MemoryTest, SingleClientIsBoundByDramBandwidth)
{
    // Port 64 B/cycle -> 1 cycle per request; the DRAM (32 B/ns) -> 2 ns: a_i = 2i,
    // done_i = 2i + 100 + 2. Last (i = 15): 30 + 102 = 132. In flight at most 16 (the engine's 16th
    // request, i = 15, is issued with 15 in flight: done_0 = 102 > 30).
    MemSetup s;
    s.port_bytes = 64;
    MemHarness h("h", s);
    h.bytes[0] = 1024;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 132u);
}

TEST(MemoryTest, TwoClientsWithEqualWeightsAlternate)
{
    // Both read 512 B (8 requests) from t = 0; the DRAM (2 ns per request) binds, so together they are
    // one stream n accepted at 2n, done 2(n + 1) + 100. Reset weights are all 1: plain round-robin,
    // SDP M (lower id) first: A has n = 0, 2, .., 14, B n = 1, .., 15.
    // A done: 2 x 15 + 100 = 130; B: 132. (Alone, A would finish at 2 x 8 + 100 = 116.)
    MemSetup s;
    s.port_bytes = 64;
    MemHarness h("h", s);
    h.bytes[0] = 512;
    h.bytes[1] = 512;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 130u);
    EXPECT_EQ(h.done[1], 132u);
    EXPECT_EQ(h.stat("dla0.mcif.sdp_m.dram_bytes"), 512u);
    EXPECT_EQ(h.stat("dla0.mcif.pdp_r.dram_bytes"), 512u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 1024u);
}

TEST(MemoryTest, WeightedRoundRobinSharesBandwidthByWeight)
{
    // As above, 24 requests each, but CFG_RD_WEIGHT_0 gives SDP 3 and PDP 1: while both are backlogged
    // the stream n (accepted at 2n, done 2(n + 1) + 100) goes M M M P M M M P ...: M has n = 4j + 0..2,
    // P n = 4j + 3. M's 24th request is n = 4 x 7 + 2 = 30: done 2 x 31 + 100 = 162. P has 8 requests by
    // n = 31 and its other 16 follow alone (n = 32..47): done 2 x 48 + 100 = 196. Over the first 64 ns
    // M moved 3/4 of the bytes. (With equal weights M would end at n = 46: 194.)
    // The engines allow 1000 in flight and the MCIF 256: at most 51 are ever in flight (100 ns / 2 ns + 1).
    MemSetup s;
    s.port_bytes = 64;
    s.outstanding = 1000;
    MemHarness h("h", s);
    const uint32_t w = (1u << NVDLA_MCIF_CFG_RD_WEIGHT_0_RD_WEIGHT_BDMA_SHIFT) |
                       (3u << NVDLA_MCIF_CFG_RD_WEIGHT_0_RD_WEIGHT_SDP_SHIFT) |
                       (1u << NVDLA_MCIF_CFG_RD_WEIGHT_0_RD_WEIGHT_PDP_SHIFT) |
                       (1u << NVDLA_MCIF_CFG_RD_WEIGHT_0_RD_WEIGHT_CDP_SHIFT);
    h.mcif.csb_target().csb_write(NVDLA_MCIF_CFG_RD_WEIGHT_0, w);
    ASSERT_EQ(h.mcif.weight(kClientSdpM), 3u);
    ASSERT_EQ(h.mcif.weight(kClientPdpR), 1u);
    h.bytes[0] = 24 * 64;
    h.bytes[1] = 24 * 64;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 162u);
    EXPECT_EQ(h.done[1], 196u);
}

TEST(MemoryTest, OutstandingLimitTimesLatencyCapsBandwidth)
{
    // CFG_OUTSTANDING_CNT = 3 (reads and writes): 4 DRAM requests in flight per core. Port 64 B/cycle
    // (1 cycle), DRAM 64 GB/s (1 ns), latency 100 ns: a request completes 101 cycles after acceptance.
    // Requests 0..3 are accepted at 0..3; request 4 waits for the slot request 0 frees at 101, and so
    // on: request n = 4q + r is accepted at 101q + r. Last (n = 15): 303 + 3 = 306, done 407:
    // 4 x 64 B per 101 ns = 2.53 GB/s, whatever the port (64 GB/s) or DRAM could do.
    // outstanding_waits: requests 4, 8, 12 waited for a slot (5..7 etc. find their slot free when the
    // port frees, one cycle after their predecessor).
    MemSetup s;
    s.port_bytes = 64;
    s.dram_gbps = 64;
    s.outstanding = 1000;
    MemHarness h("h", s);
    h.mcif.csb_target().csb_write(NVDLA_MCIF_CFG_OUTSTANDING_CNT, 3u | (3u << 8));
    ASSERT_EQ(h.mcif.outstanding_limit(false), 4u);
    h.bytes[0] = 16 * 64;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 407u);
    EXPECT_EQ(h.stat("dla0.mcif.outstanding_waits"), 3u);
}

TEST(MemoryTest, SustainedRateEqualsConfiguredBandwidth)
{
    // Orin MAXN with half the DRAM taken by background traffic: 163.84 x (1 - 0.5) = 81.92 GB/s left, a
    // 64-B request holds it 781.25 ps > P = 625 ps, so it binds. One client, 1000 back-to-back requests.
    // Request n is accepted at the first edge k after request n-1's (port) at which the DRAM, free at
    // n x 781.25 ps, frees up within the cycle: n x 781.25 < (k + 1) x 625, i.e. k = floor(1.25 n)
    // (cycles 0, 1, 2, 3, 5, 6, 7, 8, 10, ...: 4 requests per 5 cycles). The DRAM never idles
    // (n x 781.25 >= k x 625), so request n ends at (n + 1) x 781.25 ps.
    // Last (n = 999): accepted at cycle floor(1248.75) = 1248, ends 1000 x 781.25 ps = 781.25 ns, done
    // 781.25 + 100 = 881.25 ns = 1410 cycles exactly: 64000 B in 781.25 ns = 81.92 GB/s, the configured
    // rate. (Booked from its edge, each request would wait for the edge after 781 ps: one per 2 cycles.)
    // In flight at most 129 (100 ns / 781.25 ps + 1) < 256 slots.
    // The engine is blocked from each request's issue (the previous acceptance) to its acceptance, so
    // its stall cycles add up to the last acceptance, 1248. DRAM busy: 1000 x 781.25 ps.
    MemSetup s = orin_maxn();
    s.background = 0.5;
    MemHarness h("h", s);
    h.bytes[0] = 64000;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 1410u);
    EXPECT_EQ(h.stat("dla0.sdp.rdma_m.stall_cycles"), 1248u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 64000u);
    EXPECT_EQ(h.stat("dram.busy_ps"), 781250u);
}

TEST(MemoryTest, BackgroundTrafficTakesItsShare)
{
    // Orin MAXN, one client, 1000 requests. Without background traffic the port binds (the DRAM's
    // 390.625 ps < 625 ps): accepted at n, done n + 1 + 160 (100 ns + 625 ps = 161 cycles): last 1160.
    // With background_share 0.75 the DLA keeps 163.84 x 0.25 = 40.96 GB/s: 1562.5 ps per request, so
    // request n is accepted at floor(2.5 n) and ends (n + 1) x 1562.5 ps; last ends 1562.5 ns, done
    // 1662.5 ns = 2660 cycles: the GPU/CPU took three quarters and the DLA's stream slowed to 40.96 GB/s.
    MemSetup s = orin_maxn();
    s.background = 0.75;
    MemHarness h("h", s);
    h.bytes[0] = 64000;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 2660u);
}

TEST(MemoryTest, TwoClientsShareTheBudgetAtItsFullRate)
{
    // As SustainedRateEqualsConfiguredBandwidth (81.92 GB/s left), SDP M and PDP R each reading 500 x 64 B
    // from t = 0: together one backlogged stream n = 0..999 (accepted at cycle floor(1.25 n), ends
    // (n + 1) x 781.25 ps), round-robin alternating, SDP M (lower id) first: SDP M has the even n.
    // SDP M's last (n = 998): ends 999 x 781.25 = 780468.75 ps, done 880468.75 ps, rounded up to
    // 880469 ps = 1408.75 cycles: drained at the edge 1409. PDP R's last (n = 999): 881.25 ns = 1410.
    // Stall = last acceptance: SDP M floor(1.25 x 998) = 1247, PDP R floor(1.25 x 999) = 1248.
    MemSetup s = orin_maxn();
    s.background = 0.5;
    MemHarness h("h", s);
    h.bytes[0] = 32000;
    h.bytes[1] = 32000;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 1409u);
    EXPECT_EQ(h.done[1], 1410u);
    EXPECT_EQ(h.stat("dla0.sdp.rdma_m.stall_cycles"), 1247u);
    EXPECT_EQ(h.stat("dla0.pdp.rdma.stall_cycles"), 1248u);
    EXPECT_EQ(h.stat("dla0.mcif.sdp_m.dram_bytes"), 32000u);
    EXPECT_EQ(h.stat("dla0.mcif.pdp_r.dram_bytes"), 32000u);
}

TEST(MemoryTest, ReadsAndWritesShareTheBudgetRoundRobin)
{
    // As TwoClientsShareTheBudgetAtItsFullRate, but PDP W writes its 500 x 64 B: its own port, the same
    // DRAM. The DRAM binds as before; a second request at an edge would need it free at
    // (n + 1) x 781.25 < (floor(1.25 n) + 1) x 625, never true while it is backlogged, so one request per
    // edge is accepted (floor(1.25 n)) and round-robin over all clients alternates SDP M (id 2, first)
    // and PDP W (id 8): the same times, 1409 and 1410, and stalls 1247 and 1248.
    MemSetup s = orin_maxn();
    s.background = 0.5;
    s.second_writes = true;
    MemHarness h("h", s);
    h.bytes[0] = 32000;
    h.bytes[1] = 32000;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 1409u);
    EXPECT_EQ(h.done[1], 1410u);
    EXPECT_EQ(h.stat("dla0.sdp.rdma_m.stall_cycles"), 1247u);
    EXPECT_EQ(h.stat("dla0.pdp.wdma.stall_cycles"), 1248u);
    EXPECT_EQ(h.stat("dram.read_bytes"), 32000u);
    EXPECT_EQ(h.stat("dram.write_bytes"), 32000u);
}

TEST(MemoryTest, TwoCoresOnOneDramEachRunSlowerThanOneAlone)
{
    // Orin MAXN (DRAM 163.84 GB/s: 390.625 ps per 64 B; ports 1 request per 625-ps cycle), each core
    // reading 400 x 64 B from t = 0. Alone a core is port-bound: request n accepted at n, done
    // n + 161 (100 ns + 625 ps): last 399 + 161 = 560. Two cores ask 2 x 390.625 = 781.25 ps of DRAM per
    // 625-ps cycle, so they bid for it; F = the DRAM's free time (ps), a bid wins if F < edge + 625, then
    // F = max(F, edge) + 390.625; bids are decided round-robin, starting after the last winner.
    //  edge 0 (0):    core 0 wins (F 390.625), core 1 wins (781.25).
    //  edge 1 (625):  order 0, 1: both win (1171.875, 1562.5).
    //  edge 2 (1250): 0 wins (1953.125); 1 loses (1953.125 >= 1875) and retries at edge 3.
    //  edge 3 (1875): order 1, 0: both win (2343.75, 2734.375).
    //  edge 4 (2500): 1 wins (3125); 0 loses.
    //  edge 5 (3125): order 0, 1: both (3515.625, 3906.25).   edge 6: 0, 1 both (4296.875, 4687.5).
    //  edge 7 (4375): 0 wins (5078.125), 1 loses.             edge 8: 1, 0 both (5468.75, 5859.375).
    //  edge 9 (5625): 1 wins (6250), 0 loses. Edge 10 is edge 5's state (F = edge, core 1 last) 3125 ps
    //  later: from edge 5 every 5 edges each core wins 4 (core 0 at offsets 0..3, core 1 at 0, 1, 3, 4).
    // Each core has 4 requests by edge 4; request 399 = 4 + 4 x 98 + 3, in the period from edge 495:
    //  core 0 at edge 498 (like edge 8, second): F = 5859.375 + 490 x 625 = 312109.375 ps > port end
    //  311875; done 412109.375 ps -> 412110 ps = 659.38 cycles: drained at edge 660.
    //  core 1 at edge 499 (like edge 9): F = 6250 + 306250 = 312500 = its port end; done 412500 ps = 660.
    // Both finish at 660 instead of 560: together they move 51200 B in 312.5 ns, the DRAM's 163.84 GB/s.
    MemSetup s = orin_maxn();
    TwoCoreHarness h("h", s);
    h.bytes = 400 * 64;
    sc_core::sc_start();
    EXPECT_EQ(h.done[0], 660u);
    EXPECT_EQ(h.done[1], 660u);
    EXPECT_EQ(h.stats.sum_suffix("dram.read_bytes"), 2u * 25600u);
    EXPECT_EQ(h.stats.sum_suffix("dla1.mcif.pdp_r.dram_bytes"), 25600u);
}

TEST(MemoryTest, PowerModesSetDramBandwidthLatencyAndEfficiencyFromTheConfig)
{
    // configs/orin-agx-64gb.json: MAXN 204.8 GB/s, 15W 136.5 GB/s, efficiency 0.8, latency 250 ns in
    // memory.dram (the modes inherit them); a mode may set its own: 15W given 300 ns and 0.7 here.
    // The DLAs get peak x efficiency x (1 - background): MAXN 163.84 GB/s; 15W 136.5 x 0.7 = 95.55;
    // with background_share 0.5 MAXN leaves 81.92.
    dla_config *cfg = nullptr;
    dla_error err{};
    const char *sets[] = {"power_modes.15W.dram_latency_ns=300", "power_modes.15W.dram_efficiency=0.7",
                          "memory.dram.background_share=0.5"};
    ASSERT_EQ(dla_config_load("orin-agx-64gb", sets, 2, &cfg, &err), DLA_OK) << err.msg;
    const AddressWindow w{kDram, 1ull << 32};
    DramParams maxn = DramParams::from_config(*cfg, *dla_config_power_mode(cfg, "MAXN"), w);
    DramParams w15 = DramParams::from_config(*cfg, *dla_config_power_mode(cfg, "15W"), w);
    EXPECT_DOUBLE_EQ(maxn.bytes_per_ns, 204.8 * 0.8);
    EXPECT_DOUBLE_EQ(maxn.latency_ns, 250.0);
    EXPECT_DOUBLE_EQ(w15.bytes_per_ns, 136.5 * 0.7);
    EXPECT_DOUBLE_EQ(w15.latency_ns, 300.0);
    dla_config_destroy(cfg);
    ASSERT_EQ(dla_config_load("orin-agx-64gb", sets, 3, &cfg, &err), DLA_OK) << err.msg;
    maxn = DramParams::from_config(*cfg, *dla_config_power_mode(cfg, "MAXN"), w);
    EXPECT_DOUBLE_EQ(maxn.bytes_per_ns, 204.8 * 0.8 * 0.5);
    dla_config_destroy(cfg);
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
    // 40 bytes with 32-byte bursts occupy DRAM for 64 B: 8 GB/s -> 8 ns, port
    // 64 B/cycle -> 0.625 cycle. done = 100 + 8 = 108 (unrounded it would be 100 + 5 = 105).
    MemSetup s;
    s.dram_gbps = 8;
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
