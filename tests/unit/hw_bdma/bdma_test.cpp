// BDMA bench: a DRAM -> SRAM copy bound by the source's bandwidth, an SRAM -> DRAM copy bound by the
// destination's, the data landing where the strides say, GLB BDMA_DONE, STATUS slots, and clear errors
// for a block outside the memory its RAM type names. Cycles derived by hand from hw/bdma/bdma.h and
// hw/memory/memory_system.h.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <systemc>
#include <vector>

#include "bdma/bdma.h"
#include "dla/nvdla_regs.h"
#include "glb/glb.h"
#include "memory/memory_system.h"

using namespace dlasim::hw;

namespace {

constexpr uint64_t kDram = 0x80000000ull, kSram = 0x40000000ull;

// 1 GHz core, 64 B/cycle ports, 64-B requests; DRAM dram_gbps with 100 ns latency; SRAM 64 GB/s
// (1 ns per 64 B) with a 10-cycle latency.
SC_MODULE(BdmaHarness)
{
    CoreClock clk{1000};
    StatsRegistry stats;
    Dram dram;
    Sram sram;
    Mcif mcif;
    Glb glb;
    Bdma bdma;
    uint64_t irq_cycle = 0;
    SC_HAS_PROCESS(BdmaHarness);
    static DramParams dram_params(double gbps)
    {
        DramParams p;
        p.window = {kDram, 1ull << 32};
        p.bytes_per_ns = gbps;
        p.latency_ns = 100;
        p.burst_bytes = 64;
        return p;
    }
    BdmaHarness(sc_core::sc_module_name n, double dram_gbps)
        : sc_core::sc_module(n), dram(dram_params(dram_gbps), stats),
          sram(SramParams{{kSram, 1 << 20}, 64.0, 10}, stats, "dla0"),
          mcif("mcif", McifParams{64, 64, 256}, clk, dram, &sram, stats, "dla0"),
          bdma("bdma", BdmaParams{64, 256, {kDram, 1ull << 32}, {kSram, 1 << 20}}, true, clk,
               mcif.port(kClientBdmaRead), mcif.port(kClientBdmaWrite), glb, stats, "dla0")
    {
        SC_THREAD(wait_irq);
    }
    void wait_irq()
    {
        sc_core::wait(glb.irq_event());
        irq_cycle = clk.now_cycles();
    }
    // One operation: `lines` lines of line_bytes, 1 surface; RAM type true = MC (DRAM).
    void program(uint64_t src, uint64_t dst, uint32_t line_bytes, uint32_t lines, uint32_t src_stride,
                 uint32_t dst_stride, bool src_mc, bool dst_mc)
    {
        bdma.csb_write(NVDLA_BDMA_CFG_SRC_ADDR_LOW, static_cast<uint32_t>(src));
        bdma.csb_write(NVDLA_BDMA_CFG_SRC_ADDR_HIGH, static_cast<uint32_t>(src >> 32));
        bdma.csb_write(NVDLA_BDMA_CFG_DST_ADDR_LOW, static_cast<uint32_t>(dst));
        bdma.csb_write(NVDLA_BDMA_CFG_DST_ADDR_HIGH, static_cast<uint32_t>(dst >> 32));
        bdma.csb_write(NVDLA_BDMA_CFG_LINE, line_bytes / 32 - 1);
        bdma.csb_write(NVDLA_BDMA_CFG_LINE_REPEAT, lines - 1);
        bdma.csb_write(NVDLA_BDMA_CFG_SRC_LINE, src_stride);
        bdma.csb_write(NVDLA_BDMA_CFG_DST_LINE, dst_stride);
        bdma.csb_write(NVDLA_BDMA_CFG_SURF_REPEAT, 0);
        bdma.csb_write(NVDLA_BDMA_CFG_CMD, (src_mc ? 1u : 0u) | (dst_mc ? 2u : 0u));
        bdma.csb_write(NVDLA_BDMA_CFG_OP, 1);
    }
    uint64_t stat(const char *name) const
    {
        return stats.sum_suffix(name);
    }
};

} // namespace

TEST(BdmaTest, DramToSramCopyIsBoundByTheDramAndLandsAtTheDestinationStride)
{
    // 4 lines x 256 B (4 requests each) from DRAM (32 GB/s: 2 ns per 64 B, port 1 cycle) to SRAM.
    // Reads (the DRAM binds): request n accepted at 2n, done 2(n + 1) + 100; line l's last (n = 4l + 3)
    // arrives at 8l + 108. Writes of line l start there: one per cycle on the write port (SRAM 1 ns),
    // accepted at 8l + 108 + j, done + 1 + 10. Last line (l = 3), j = 3: 24 + 108 + 3 + 11 = 146, when
    // the group is done and GLB bit 6 (BDMA group 0) is raised. (Source bandwidth binds: 1024 B at
    // 32 B/cycle = 32 cycles plus one read latency 102 and one write 12.)
    BdmaHarness h("h", 32.0);
    std::vector<uint8_t> src(4 * 256);
    for (size_t i = 0; i < src.size(); ++i)
        src[i] = static_cast<uint8_t>(i * 13 + 5);
    h.dram.store().write(kDram + 0x1000, src.data(), src.size());
    h.program(kDram + 0x1000, kSram + 0x200, 256, 4, 256, 512, true, false);
    h.bdma.csb_write(NVDLA_BDMA_CFG_LAUNCH0, 1);
    EXPECT_EQ((h.bdma.csb_read(NVDLA_BDMA_STATUS) >> NVDLA_BDMA_STATUS_FREE_SLOT_SHIFT) & 0xffu, 19u);
    EXPECT_EQ((h.bdma.csb_read(NVDLA_BDMA_STATUS) >> NVDLA_BDMA_STATUS_GRP0_BUSY_SHIFT) & 1u, 1u);
    sc_core::sc_start();
    EXPECT_EQ(h.irq_cycle, 146u);
    EXPECT_EQ(h.glb.status(), 1u << kIrqBdma);
    const uint32_t status = h.bdma.csb_read(NVDLA_BDMA_STATUS);
    EXPECT_EQ((status >> NVDLA_BDMA_STATUS_FREE_SLOT_SHIFT) & 0xffu, 20u);
    EXPECT_EQ((status >> NVDLA_BDMA_STATUS_IDLE_SHIFT) & 1u, 1u);
    EXPECT_EQ(h.stat("dla0.bdma.rd.dram_read_bytes"), 1024u);
    EXPECT_EQ(h.stat("dla0.mcif.bdma_rd.dram_bytes"), 1024u);
    EXPECT_EQ(h.stat("dla0.mcif.bdma_wr.sram_bytes"), 1024u);
    EXPECT_EQ(h.stat("dla0.bdma.ops"), 1u);
    for (int l = 0; l < 4; ++l) {
        std::vector<uint8_t> got(256);
        h.sram.store().read(kSram + 0x200 + 512 * l, got.data(), got.size());
        EXPECT_EQ(0, std::memcmp(got.data(), src.data() + 256 * l, 256)) << "line " << l;
    }
}

TEST(BdmaTest, SramToDramCopyIsBoundByTheDram)
{
    // 4 lines x 256 B from SRAM to DRAM (16 GB/s: 4 ns per 64 B). Reads (port-bound): request n
    // accepted at n, done n + 1 + 10; line l arrives at 4l + 14. Writes: the first at 14 (DRAM ends
    // 18); each next one is accepted at the edge the DRAM frees (18, 22, ...): write m accepted at
    // 14 + 4m, ends 18 + 4m, done 118 + 4m; lines arrive faster than that, so the DRAM binds. Last
    // (m = 15): done 178, GLB bit 7 (launched as group 1).
    BdmaHarness h("h", 16.0);
    h.program(kSram, kDram + 0x4000, 256, 4, 256, 256, false, true);
    h.bdma.csb_write(NVDLA_BDMA_CFG_LAUNCH1, 1);
    sc_core::sc_start();
    EXPECT_EQ(h.irq_cycle, 178u);
    EXPECT_EQ(h.glb.status(), 1u << (kIrqBdma + 1));
    EXPECT_EQ(h.stat("dram.write_bytes"), 1024u);
    EXPECT_EQ(h.stat("dla0.sram.read_bytes"), 1024u);
}

TEST(BdmaTest, BlockOutsideTheMemoryItsRamTypeNamesIsAClearError)
{
    // SRC_RAM_TYPE = MC (DRAM) but the address is in the SRAM window.
    BdmaHarness h("h", 32.0);
    try {
        h.program(kSram, kDram, 64, 2, 64, 64, true, true);
        FAIL() << "expected an error";
    } catch (const std::runtime_error &e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("dla0.bdma: CFG_OP: source block at 0x40000000 of 128 bytes"), std::string::npos) << msg;
        EXPECT_NE(msg.find("outside DRAM (CFG_CMD SRC_RAM_TYPE = MC)"), std::string::npos) << msg;
    }
}

TEST(BdmaTest, OperationsBeyondTheTwentySlotsAreDroppedAndCounted)
{
    BdmaHarness h("h", 32.0);
    for (int i = 0; i < 21; ++i)
        h.program(kDram, kSram, 64, 1, 64, 64, true, false);
    EXPECT_EQ((h.bdma.csb_read(NVDLA_BDMA_STATUS) >> NVDLA_BDMA_STATUS_FREE_SLOT_SHIFT) & 0xffu, 0u);
    EXPECT_EQ(h.stat("dla0.bdma.dropped_ops"), 1u);
}
