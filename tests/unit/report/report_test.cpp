// Run summary (latency, throughput, TOPS, utilization, Accelergy-style energy) and the text report,
// on a hand-built result, config and power mode. Every expected value is derived in a comment.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "dla/report.h"

namespace {

void put(char *dst, size_t cap, const char *s)
{
    std::strncpy(dst, s, cap - 1);
    dst[cap - 1] = '\0';
}

// Peak: atomic_c 64 x atomic_k 32 = 2048 INT8 MACs/cycle per core; FP16 1024 MACs/cycle.
dla_config make_config()
{
    dla_config cfg{};
    put(cfg.name, sizeof cfg.name, "hand-built");
    cfg.num_cores = 2;
    cfg.core.atomic_c = 64;
    cfg.core.atomic_k = 32;
    cfg.core.fp16_macs_per_cycle = 1024;
    return cfg;
}

// 1000 MHz, so one cycle is exactly 1 ns.
dla_power_mode make_mode()
{
    dla_power_mode m{};
    put(m.name, sizeof m.name, "TEST");
    m.dla_clock_mhz = 1000.0;
    dla_energy_table &e = m.energy;
    e.mac_int8_pj = 0.5;
    e.mac_fp16_pj = 1.0;
    e.cbuf_read_byte_pj = 0.1;
    e.cbuf_write_byte_pj = 0.2;
    e.dram_byte_pj = 20.0;
    e.sram_byte_pj = 2.0;
    e.sdp_element_pj = 1.0;
    e.pdp_element_pj = 2.0;
    e.cdp_element_pj = 3.0;
    e.csb_write_pj = 10.0;
    e.static_power_w = 0.5;
    return m;
}

void layer(dla_layer_record &l, const char *name, const char *engine, uint64_t start, uint64_t cycles, uint64_t macs)
{
    put(l.name, sizeof l.name, name);
    put(l.op, sizeof l.op, "conv");
    put(l.engine, sizeof l.engine, engine);
    put(l.bound, sizeof l.bound, "compute");
    l.start_cycle = start;
    l.cycles = cycles;
    l.end_cycle = start + cycles;
    l.macs = macs;
}

struct Stat {
    const char *name;
    uint64_t value;
};

// Layers: 600e6 + 300e6 + 100e6 = 1e9 MACs, all on DLA0; batch 4, INT8, one core.
// Stats: the counted actions plus decoys that must not be counted.
dla_run_result *make_result()
{
    auto *r = static_cast<dla_run_result *>(std::calloc(1, sizeof(dla_run_result)));
    put(r->meta.config_name, sizeof r->meta.config_name, "hand-built");
    put(r->meta.power_mode, sizeof r->meta.power_mode, "TEST");
    put(r->meta.network, sizeof r->meta.network, "three-convs");
    put(r->meta.precision, sizeof r->meta.precision, "int8");
    r->meta.batch = 4;
    r->meta.cores = 1;
    r->num_layers = 3;
    r->layers = static_cast<dla_layer_record *>(std::calloc(3, sizeof(dla_layer_record)));
    layer(r->layers[0], "conv1", "DLA0", 0, 1200000, 600000000);
    layer(r->layers[1], "conv2", "DLA0", 1200000, 500000, 300000000);
    layer(r->layers[2], "conv3", "DLA0", 1700000, 300000, 100000000);
    static const Stat stats[] = {
        {"dla0.cmac_a.mac_ops", 600000000}, // MACs issued (incl. padding): 1.1e9 in all
        {"dla0.cmac_b.mac_ops", 500000000},
        {"dla0.cbuf.read_bytes", 200000000},
        {"dla0.cbuf.write_bytes", 50000000},
        {"dla0.cdma.dat.dram_read_bytes", 30000000}, // DRAM read 3e7 + 2e7 = 5e7
        {"dla0.cdma.wt.dram_read_bytes", 20000000},
        {"dla0.sdp.wdma.dram_write_bytes", 10000000}, // DRAM write 1e7
        {"dla0.sram.read_bytes", 1000000},            // on-chip SRAM (memory-model name)
        {"dla0.sdp.elements", 4000000},
        {"dla0.pdp.elements", 1000000},
        {"dla0.csb.writes", 1000},
        {"dla0.cdma.dat.requests", 12345}, // decoys: not actions with an energy
        {"dla0.cdma.dat.stall_cycles", 777},
        {"soc.mcif.read_bytes", 50000000}, // memory side: would double count DRAM
        {"dla0.sdp.rdma.elements_x", 999},
    };
    r->num_stats = sizeof stats / sizeof stats[0];
    r->stats = static_cast<dla_stat *>(std::calloc(r->num_stats, sizeof(dla_stat)));
    for (size_t i = 0; i < r->num_stats; i++) {
        put(r->stats[i].name, sizeof r->stats[i].name, stats[i].name);
        r->stats[i].value = stats[i].value;
    }
    return r;
}

struct ResultPtr {
    dla_run_result *r;
    ResultPtr() : r(make_result()) {}
    ~ResultPtr() { dla_run_result_destroy(r); }
};

std::string print(const dla_run_result *r)
{
    char *buf = nullptr;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    dla_report_print(r, f);
    std::fclose(f);
    std::string s(buf, size);
    std::free(buf);
    return s;
}

const uint64_t kCycles = 2000000;

} // namespace

TEST(ReportTest, LatencyThroughputAndTopsFollowFromCyclesClockAndMacs)
{
    ResultPtr p;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    const dla_run_summary &s = p.r->summary;
    EXPECT_EQ(s.clock_mhz, 1000.0);
    EXPECT_EQ(s.total_cycles, kCycles);
    // 2e6 cycles / 1e9 Hz = 2e-3 s = 2 ms.
    EXPECT_NEAR(s.latency_ms, 2.0, 1e-12);
    // batch 4 / 2e-3 s = 2000 images/s.
    EXPECT_NEAR(s.images_per_s, 2000.0, 1e-9);
    EXPECT_EQ(s.macs, 1000000000u);
    // 2 ops x 1e9 MACs / 2e-3 s = 1e12 ops/s = 1 TOPS.
    EXPECT_NEAR(s.tops, 1.0, 1e-12);
    // 1e9 / (2e6 cycles x 2048 MACs/cycle x 1 core) = 1e9 / 4.096e9 = 0.244140625.
    EXPECT_NEAR(s.mac_utilization, 0.244140625, 1e-15);
    // DRAM from the DMA-engine counters only: read 3e7 + 2e7, write 1e7 (soc.mcif.* not counted).
    EXPECT_EQ(s.dram_read_bytes, 50000000u);
    EXPECT_EQ(s.dram_write_bytes, 10000000u);
}

TEST(ReportTest, EnergyIsActionCountsTimesTableplusStaticPower)
{
    ResultPtr p;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    const dla_run_summary &s = p.r->summary;
    // Dynamic, in pJ:
    //   MACs        1.1e9  x 0.5 = 5.5e8
    //   CBUF read   2e8    x 0.1 = 2e7
    //   CBUF write  5e7    x 0.2 = 1e7
    //   DRAM        6e7    x 20  = 1.2e9
    //   SRAM        1e6    x 2   = 2e6
    //   SDP         4e6    x 1   = 4e6
    //   PDP         1e6    x 2   = 2e6
    //   CSB writes  1e3    x 10  = 1e4
    //   total 1,788,010,000 pJ = 1.78801 mJ
    EXPECT_NEAR(s.dynamic_energy_mj, 1.78801, 1e-12);
    // Static: 0.5 W x 2e-3 s x 1 core = 1e-3 J = 1 mJ.
    EXPECT_NEAR(s.static_energy_mj, 1.0, 1e-12);
    EXPECT_NEAR(s.energy_mj, 2.78801, 1e-12);
    // 2.78801 mJ / 2 ms = 1.394005 W.
    EXPECT_NEAR(s.avg_power_w, 1.394005, 1e-12);
    // 4 images / 2.78801e-3 J = 1434.71508351... images/J (= images/s per W).
    EXPECT_NEAR(s.images_per_joule, 1434.715084, 1e-6);
}

TEST(ReportTest, EnergyBreakdownHasOneRowPerActionAndSumsToEnergy)
{
    ResultPtr p;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    // MAC row, the 10 priced suffixes in the documented order (docs/trace-format.md), then static.
    ASSERT_EQ(p.r->num_energy, 12u);
    const dla_energy_record *e = p.r->energy;
    EXPECT_STREQ(e[0].action, "mac_int8_pj");
    EXPECT_STREQ(e[0].counters, ".mac_ops");
    EXPECT_EQ(e[0].count, 1100000000u); // cmac_a + cmac_b
    EXPECT_NEAR(e[0].energy_mj, 0.55, 1e-12);
    // DRAM reads: 3e7 + 2e7 = 5e7 bytes x 20 pJ = 1e9 pJ = 1 mJ; writes 1e7 x 20 pJ = 0.2 mJ.
    EXPECT_STREQ(e[3].action, "dram_byte_pj");
    EXPECT_STREQ(e[3].counters, ".dram_read_bytes");
    EXPECT_EQ(e[3].count, 50000000u);
    EXPECT_NEAR(e[3].energy_mj, 1.0, 1e-12);
    EXPECT_NEAR(e[4].energy_mj, 0.2, 1e-12);
    EXPECT_STREQ(e[11].action, "static_power_w");
    EXPECT_STREQ(e[11].counters, "");
    EXPECT_NEAR(e[11].energy_mj, 1.0, 1e-12); // 0.5 W x 2 ms
    double sum = 0;
    for (size_t i = 0; i < p.r->num_energy; i++)
        sum += e[i].energy_mj;
    EXPECT_NEAR(sum, 2.78801, 1e-12); // = energy_mj (previous test's derivation)
}

TEST(ReportTest, Fp16UsesFp16PeakAndFp16MacEnergy)
{
    ResultPtr p;
    put(p.r->meta.precision, sizeof p.r->meta.precision, "FP16");
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    // 1e9 / (2e6 x 1024) = 0.48828125.
    EXPECT_NEAR(p.r->summary.mac_utilization, 0.48828125, 1e-15);
    // MAC energy 1.1e9 x 1.0 pJ = 1.1e9 pJ instead of 5.5e8: dynamic 1.78801 + 0.55 = 2.33801 mJ.
    EXPECT_NEAR(p.r->summary.dynamic_energy_mj, 2.33801, 1e-12);
}

TEST(ReportTest, TwoCoresDoubleStaticEnergyAndPeak)
{
    ResultPtr p;
    p.r->meta.cores = 2;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    // 1e9 / (2e6 x 2048 x 2) = 0.1220703125; static 0.5 W x 2 ms x 2 = 2 mJ.
    EXPECT_NEAR(p.r->summary.mac_utilization, 0.1220703125, 1e-15);
    EXPECT_NEAR(p.r->summary.static_energy_mj, 2.0, 1e-12);
    // Each core runs a copy of the batch of 4: 8 images in 2 ms = 4000 images/s.
    EXPECT_NEAR(p.r->summary.images_per_s, 4000.0, 1e-9);
}

TEST(ReportTest, GpuFallbackLayersCountAsWorkButNotAsDlaUtilization)
{
    ResultPtr p;
    put(p.r->layers[2].engine, sizeof p.r->layers[2].engine, "GPU");
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    // TOPS still counts all 1e9 MACs; utilization only the DLA's 9e8: 9e8 / 4.096e9 = 0.2197265625.
    EXPECT_NEAR(p.r->summary.tops, 1.0, 1e-12);
    EXPECT_NEAR(p.r->summary.mac_utilization, 0.2197265625, 1e-15);
}

TEST(ReportTest, MissingCountersCountAsZeroEnergy)
{
    ResultPtr p;
    p.r->num_stats = 0;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    EXPECT_EQ(p.r->summary.dynamic_energy_mj, 0.0);
    EXPECT_EQ(p.r->summary.dram_read_bytes, 0u);
    EXPECT_NEAR(p.r->summary.energy_mj, 1.0, 1e-12); // static only
}

TEST(ReportTest, ImpossibleInputsAreRejectedAndSummaryUntouched)
{
    ResultPtr p;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    p.r->summary.tops = 42.0;
    EXPECT_EQ(dla_result_summarize(p.r, &cfg, &mode, 0, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("total_cycles is 0"), std::string::npos) << err.msg;
    p.r->meta.cores = 3;
    EXPECT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("cores 3, expected 1..2"), std::string::npos) << err.msg;
    p.r->meta.cores = 1;
    put(p.r->meta.precision, sizeof p.r->meta.precision, "int4");
    EXPECT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("'int4'"), std::string::npos) << err.msg;
    put(p.r->meta.precision, sizeof p.r->meta.precision, "int8");
    mode.dla_clock_mhz = 0;
    EXPECT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("dla_clock_mhz"), std::string::npos) << err.msg;
    EXPECT_EQ(p.r->summary.tops, 42.0);
}

TEST(ReportTest, PrintShowsSimulatedLabelAndHandComputedSummary)
{
    ResultPtr p;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    std::string out = print(p.r);
    // Summary values from the derivations above, in the printed formats.
    for (const char *want : {"SIMULATED", "config hand-built | power mode TEST | precision int8 | batch 4 | cores 1",
                             "latency            2.0000 ms for a batch of 4", "throughput         2000.0 images/s",
                             "achieved           1.000 TOPS", "MAC utilization    24.4 %",
                             "DRAM traffic       50.000 MB read, 10.000 MB written",
                             "energy             2.7880 mJ (dynamic 1.7880 mJ, static 1.0000 mJ)",
                             "average power      1.394 W", "efficiency         1434.7 images/s/W"})
        EXPECT_NE(out.find(want), std::string::npos) << "missing: " << want << "\n" << out;
    // Layer 1: conv2, 500000 cycles from 1200000, 3e8 MACs.
    EXPECT_NE(out.find("   1 conv2"), std::string::npos) << out;
    EXPECT_NE(out.find(" 500000     1200000      300000000 "), std::string::npos) << out;
}

TEST(ReportTest, PrintFitsIn120ColumnsAndKeepsBothEndsOfLongNames)
{
    ResultPtr p;
    put(p.r->layers[0].name, sizeof p.r->layers[0].name,
        "/backbone/stage4/block_23/very_long_onnx_node_name/Conv_1234");
    p.r->layers[0].cycles = 123456789012ull;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    std::string out = print(p.r);
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line))
        EXPECT_LE(line.size(), 120u) << line;
    // 24 columns: the first 11 and last 11 characters around "..".
    EXPECT_NE(out.find("/backbone/s..e/Conv_1234"), std::string::npos) << out;
}

TEST(ReportTest, LayerEnergyIsMacAndDramByCountsRestByCyclesAndSumsToTheRun)
{
    // Run energy (EnergyIsActionCountsTimesTableplusStaticPower): 2.78801 mJ in all (dynamic 1.78801
    // incl. 1000 CSB writes x 10 pJ = 0.00001 mJ), of which MACs 1.1e9 x 0.5 pJ = 0.55 mJ and DRAM
    // 6e7 B x 20 pJ = 1.2 mJ; the rest, 1.03801 mJ, goes by cycles
    // (1.2e6, 0.5e6, 0.3e6 of 2e6). Layer DRAM bytes 3e7, 2e7, 1e7; MACs 6e8, 3e8, 1e8 (of 1e9).
    //  conv1: 0.55 x 0.6 + 1.2 x 0.5 + 1.03801 x 0.6 = 0.33 + 0.6 + 0.622806 = 1.552806 mJ; 1.2 ms ->
    //         1.294005 W; 2 x 6e8 / 1.552806e-3 J = 0.7728e12 ops/J -> 0.7728 TOPS/W.
    //  conv2: 0.165 + 0.4 + 0.2595025 = 0.8245025 mJ; 0.5 ms -> 1.649005 W; 6e8 / 0.8245025e-3 -> 0.7277.
    //  conv3: 0.055 + 0.2 + 0.1557015 = 0.4107015 mJ; 0.3 ms -> 1.369005 W; 2e8 / 0.4107015e-3 -> 0.4870.
    //  Sum 2.78801 mJ = the run. Run perf/W: 1.000 TOPS / 1.394005 W = 0.7174 TOPS/W.
    ResultPtr p;
    p.r->layers[0].dram_read_bytes = 20000000;
    p.r->layers[0].dram_write_bytes = 10000000;
    p.r->layers[1].dram_read_bytes = 20000000;
    p.r->layers[2].dram_read_bytes = 10000000;
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    const dla_layer_record *l = p.r->layers;
    EXPECT_NEAR(l[0].energy_mj, 1.552806, 1e-9);
    EXPECT_NEAR(l[1].energy_mj, 0.8245025, 1e-9);
    EXPECT_NEAR(l[2].energy_mj, 0.4107015, 1e-9);
    EXPECT_NEAR(l[0].energy_mj + l[1].energy_mj + l[2].energy_mj, p.r->summary.energy_mj, 1e-9);
    EXPECT_NEAR(l[0].avg_power_w, 1.294005, 1e-9);
    EXPECT_NEAR(l[1].avg_power_w, 1.649005, 1e-9);
    EXPECT_NEAR(l[2].avg_power_w, 1.369005, 1e-9);
    EXPECT_NEAR(l[0].tops_per_w, 1.2e9 / 1.552806e-3 / 1e12, 1e-9);
    EXPECT_NEAR(l[2].tops_per_w, 2e8 / 0.4107015e-3 / 1e12, 1e-9);
    EXPECT_NEAR(p.r->summary.tops_per_w, 1.0 / 1.394005, 1e-9);
    std::string out = print(p.r);
    EXPECT_NE(out.find("Per-layer energy (SIMULATED"), std::string::npos) << out;
    // conv2: 500 us, 0.82450 mJ, 1.649 W, 0.728 TOPS/W (printed to 5, 3, 3 decimals).
    EXPECT_NE(out.find("   1 conv2                    DLA0     500.000     0.82450     1.649     0.728"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("1434.7 images/s/W, 0.717 TOPS/W"), std::string::npos) << out;
}

TEST(ReportTest, GpuLayersGetNoDlaEnergy)
{
    // conv2 ran on the GPU: the DLA's energy goes to conv1 and conv3 only (cycles 1.2e6 + 0.3e6, MACs
    // 6e8 + 1e8); GPU energy is not modelled, so conv2 shows 0 and the two DLA layers still sum to the run.
    ResultPtr p;
    put(p.r->layers[1].engine, sizeof p.r->layers[1].engine, "GPU");
    dla_config cfg = make_config();
    dla_power_mode mode = make_mode();
    dla_error err{};
    ASSERT_EQ(dla_result_summarize(p.r, &cfg, &mode, kCycles, &err), DLA_OK) << err.msg;
    const dla_layer_record *l = p.r->layers;
    EXPECT_EQ(l[1].energy_mj, 0.0);
    EXPECT_EQ(l[1].avg_power_w, 0.0);
    EXPECT_NEAR(l[0].energy_mj + l[2].energy_mj, p.r->summary.energy_mj, 1e-9);
    // No layer DRAM bytes here: MACs 0.55 mJ by MACs (6/7, 1/7), the other 2.23801 mJ by cycles (0.8, 0.2).
    EXPECT_NEAR(l[0].energy_mj, 0.55 * 6.0 / 7.0 + 2.23801 * 0.8, 1e-9);
}
