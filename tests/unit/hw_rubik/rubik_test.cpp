// RUBIK bench: one contract (deconvolution depth-to-space), one split, one merge and a contract bound
// by the DRAM: the bytes land where NVDLA's layout puts them, GLB RUBIK_DONE (bit 8 + group) is raised
// on the cycle derived by hand from hw/rubik/rubik.h and hw/memory/memory_system.h, and bad programming
// is a clear error.
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <systemc>
#include <vector>

#include "dla/nvdla_regs.h"
#include "glb/glb.h"
#include "memory/memory_system.h"
#include "rubik/rubik.h"

using namespace dlasim::hw;

namespace {

constexpr uint64_t kDram = 0x80000000ull;
constexpr uint64_t kIn = kDram + 0x10000, kOut = kDram + 0x80000;

// 1 GHz core, 64 B/cycle ports; DRAM dram_gbps (64: 1 ns per 64-B burst) with 100 ns latency; RUBIK
// requests of 64 B, datapath 32 B/cycle, 32-B atoms (INT8: 32 channels per surface).
SC_MODULE(RubikHarness)
{
    CoreClock clk{1000};
    StatsRegistry stats;
    Dram dram;
    Mcif mcif;
    Glb glb;
    Rubik rubik;
    uint64_t irq_cycle = 0;
    SC_HAS_PROCESS(RubikHarness);
    static DramParams dram_params(double gbps)
    {
        DramParams p;
        p.window = {kDram, 1ull << 32};
        p.bytes_per_ns = gbps;
        p.latency_ns = 100;
        p.burst_bytes = 64;
        return p;
    }
    RubikHarness(sc_core::sc_module_name n, double dram_gbps)
        : sc_core::sc_module(n), dram(dram_params(dram_gbps), stats),
          mcif("mcif", McifParams{64, 64, 256}, clk, dram, nullptr, stats, "dla0"),
          rubik("rubik", RubikParams{32, 64, 256, 32}, true, clk, mcif.port(kClientRubikRead),
                mcif.port(kClientRubikWrite), glb, stats, "dla0")
    {
        SC_THREAD(wait_irq);
    }
    void wait_irq()
    {
        sc_core::wait(glb.irq_event());
        irq_cycle = clk.now_cycles();
    }
    void w(uint32_t addr, uint64_t v)
    {
        rubik.regs().csb_write(addr, static_cast<uint32_t>(v));
    }
    // Mode, sizes (W, H, C in; C out), strides; then D_OP_ENABLE.
    void program(uint32_t mode, uint32_t wd, uint32_t ht, uint32_t cin, uint32_t cout, uint32_t sx, uint32_t sy,
                 uint32_t in_line, uint32_t in_surf, uint32_t in_planar, uint32_t out_line, uint32_t out_surf,
                 uint32_t out_planar, uint32_t c0, uint32_t c1)
    {
        w(NVDLA_RBK_D_MISC_CFG, mode);
        w(NVDLA_RBK_D_DAIN_RAM_TYPE, 1);
        w(NVDLA_RBK_D_DAOUT_RAM_TYPE, 1);
        w(NVDLA_RBK_D_DATAIN_SIZE_0, (wd - 1) | (ht - 1) << 16);
        w(NVDLA_RBK_D_DATAIN_SIZE_1, cin - 1);
        w(NVDLA_RBK_D_DATAOUT_SIZE_1, cout - 1);
        w(NVDLA_RBK_D_DAIN_ADDR_LOW, kIn & 0xffffffffu);
        w(NVDLA_RBK_D_DAIN_ADDR_HIGH, kIn >> 32);
        w(NVDLA_RBK_D_DAOUT_ADDR_LOW, kOut & 0xffffffffu);
        w(NVDLA_RBK_D_DAOUT_ADDR_HIGH, kOut >> 32);
        w(NVDLA_RBK_D_DAIN_LINE_STRIDE, in_line);
        w(NVDLA_RBK_D_DAIN_SURF_STRIDE, in_surf);
        w(NVDLA_RBK_D_DAIN_PLANAR_STRIDE, in_planar);
        w(NVDLA_RBK_D_DAOUT_LINE_STRIDE, out_line);
        w(NVDLA_RBK_D_DAOUT_SURF_STRIDE, out_surf);
        w(NVDLA_RBK_D_DAOUT_PLANAR_STRIDE, out_planar);
        w(NVDLA_RBK_D_CONTRACT_STRIDE_0, c0);
        w(NVDLA_RBK_D_CONTRACT_STRIDE_1, c1);
        w(NVDLA_RBK_D_DECONV_STRIDE, (sx - 1) | (sy - 1) << 16);
        w(NVDLA_RBK_D_OP_ENABLE, 1);
    }
    uint64_t stat(const char *name) const
    {
        return stats.sum_suffix(name);
    }
    uint64_t perf(uint32_t reg)
    {
        const uint32_t a = NVDLA_RBK_BASE + kExtWindow + reg;
        return rubik.regs().get_ext(a) | uint64_t{rubik.regs().get_ext(a + 4)} << 32;
    }
    std::vector<uint8_t> read(uint64_t addr, size_t n)
    {
        std::vector<uint8_t> v(n);
        dram.store().read(addr, v.data(), n);
        return v;
    }
};

std::vector<uint8_t> pattern(size_t n, int seed)
{
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = static_cast<uint8_t>(i * 7 + static_cast<size_t>(seed));
    return v;
}

} // namespace

TEST(RubikTest, ContractInterleavesTheStrideGroupsIntoOutputPixelsOnTheDerivedCycle)
{
    // Deconvolution 2x2: input W 2 x H 1 x 128 channels = 4 groups (g = j*2 + i) of one 32-channel
    // surface (CONTRACT_STRIDE_0 = 1 surface = 64 B); output 4 x 2 x 32 (line 128 B, CONTRACT_STRIDE_1 =
    // 2 x 128). Items (j = 0, 1) each read 2 lines of 64 B (1 request) and write 1 line of 128 B.
    // Reads n = 0..3 accepted at n (port and DRAM 1 cycle each), done n + 1 + 100. Item 0 arrives at
    // 102 (read 1), datapath 128 / 32 = 4 cycles -> 106; its 2 writes accepted 106, 107, done 207, 208.
    // Item 1 arrived at 104, datapath 107..111, writes accepted 111, 112, done 212, 213 = RUBIK_DONE.
    RubikHarness h("h", 64.0);
    const std::vector<uint8_t> in = pattern(4 * 64, 3);
    h.dram.store().write(kIn, in.data(), in.size());
    h.program(0, 2, 1, 128, 32, 2, 2, 64, 64, 0, 128, 256, 0, 64, 256);
    sc_core::sc_start();
    EXPECT_EQ(h.irq_cycle, 213u);
    EXPECT_EQ(h.glb.status(), 1u << kIrqRubik);
    // Output pixel (x = w*2 + i, y = j) is atom w of group j*2 + i.
    for (uint32_t j = 0; j < 2; ++j)
        for (uint32_t x = 0; x < 4; ++x) {
            const uint32_t g = j * 2 + x % 2, wi = x / 2;
            EXPECT_EQ(h.read(kOut + j * 128 + x * 32, 32),
                      std::vector<uint8_t>(in.begin() + g * 64 + wi * 32, in.begin() + g * 64 + wi * 32 + 32))
                << "pixel " << x << "," << j;
        }
    EXPECT_EQ(h.perf(kExtDramRead), 256u);
    EXPECT_EQ(h.perf(kExtDramWrite), 256u);
    EXPECT_EQ(h.perf(kExtEndCycle), 213u);
    EXPECT_EQ(h.perf(kExtBusy), 8u);
    EXPECT_EQ(h.stat("dla0.mcif.rbk_rd.dram_bytes"), 256u);
    EXPECT_EQ(h.stat("dla0.mcif.rbk_wr.dram_bytes"), 256u);
    EXPECT_EQ(h.stat("dla0.rubik.ops"), 1u);
}

TEST(RubikTest, SplitWritesOnePlanePerChannelOnTheDerivedCycle)
{
    // Split INT8 2 x 2 x 3 (one surface; line 64 B) into 3 planes of 2 lines x 2 B (line stride 32,
    // planar stride 64). Items y = 0, 1: read 64 B (accepted 0, 1; arrive 101, 102), write 3 lines of
    // 2 B (6 B: datapath 1 cycle). Item 0: 101 -> 102, writes one per edge 102, 103, 104 (each holds
    // a 64-B DRAM burst, 1 ns), done 203..205. Item 1: datapath 104 -> 105, writes 105..107, last done
    // 107 + 1 + 100 = 208.
    RubikHarness h("h", 64.0);
    const std::vector<uint8_t> in = pattern(2 * 64, 11);
    h.dram.store().write(kIn, in.data(), in.size());
    h.program(1, 2, 2, 3, 3, 1, 1, 64, 128, 0, 32, 0, 64, 0, 0);
    sc_core::sc_start();
    EXPECT_EQ(h.irq_cycle, 208u);
    for (uint32_t c = 0; c < 3; ++c)
        for (uint32_t y = 0; y < 2; ++y)
            for (uint32_t x = 0; x < 2; ++x)
                EXPECT_EQ(h.read(kOut + c * 64 + y * 32 + x, 1)[0], in[y * 64 + x * 32 + c])
                    << c << "," << y << "," << x;
}

TEST(RubikTest, MergePacksPlanesIntoAFeatureCubeWithZeroPaddingOnTheDerivedCycle)
{
    // Merge 3 planes (2 x 2, line 32 B, planar 64 B) into a 2 x 2 x 3 INT8 feature cube (line 64 B).
    // Items y = 0, 1 each read 3 lines of 2 B, one per edge: accepted 0..5, done 101..106. Item 0
    // arrives 103, datapath 64 / 32 = 2 cycles -> 105, write accepted 105 (done 206); item 1 arrives
    // 106, datapath -> 108, write done 108 + 1 + 100 = 209.
    RubikHarness h("h", 64.0);
    const std::vector<uint8_t> in = pattern(3 * 64, 5);
    h.dram.store().write(kIn, in.data(), in.size());
    std::vector<uint8_t> junk(128, 0xee); // the padding channels must be written as zeros
    h.dram.store().write(kOut, junk.data(), junk.size());
    h.program(2, 2, 2, 3, 3, 1, 1, 32, 0, 64, 64, 128, 0, 0, 0);
    sc_core::sc_start();
    EXPECT_EQ(h.irq_cycle, 209u);
    const std::vector<uint8_t> out = h.read(kOut, 128);
    for (uint32_t y = 0; y < 2; ++y)
        for (uint32_t x = 0; x < 2; ++x)
            for (uint32_t c = 0; c < 32; ++c)
                EXPECT_EQ(out[y * 64 + x * 32 + c], c < 3 ? in[c * 64 + y * 32 + x] : 0) << c << "," << y << "," << x;
}

TEST(RubikTest, ContractBoundByTheDramSerialisesOnItsBursts)
{
    // DRAM 16 GB/s: 4 ns per 64-B request. Contract 2x2 of W 8 x H 2 x 128 channels (input line 256 B,
    // surface 512 B; output 16 x 4 x 32, line 512 B). 4 items (h, j), each 2 input lines (8 reads) and one
    // 512-B output line (8 writes). Reads n = 0..31 accepted at 4n, done 4n + 104; item k arrives with read
    // 8k + 7: 132, 164, 196, 228. Item 0: datapath 512 / 32 = 16 cycles, 132 -> 148; writes accepted
    // 148 + 4m (the DRAM binds; all reads were booked by 128), the thread leaves at 176. Item 1 (arrived)
    // 176 -> 192, writes to 220; item 2 220 -> 236, writes to 264; item 3 264 -> 280, writes accepted
    // 280..308, the last done 308 + 4 + 100 = 412.
    RubikHarness h("h", 16.0);
    h.program(0, 8, 2, 128, 32, 2, 2, 256, 512, 0, 512, 2048, 0, 512, 1024);
    sc_core::sc_start();
    EXPECT_EQ(h.irq_cycle, 412u);
    EXPECT_EQ(h.perf(kExtDramRead), 2048u);
    EXPECT_EQ(h.perf(kExtDramWrite), 2048u);
    EXPECT_EQ(h.perf(kExtStallMem), 104u); // the writer waits from 28 (item 0 issued) to 132
}

TEST(RubikTest, ContractWhoseChannelsDoNotFillTheStrideGroupsIsAClearError)
{
    // 2x2 contract of 32 output channels needs 4 surfaces of input; 96 channels are 3.
    RubikHarness h("h", 64.0);
    h.program(0, 2, 1, 96, 32, 2, 2, 64, 64, 0, 128, 256, 0, 64, 256);
    try {
        sc_core::sc_start();
        FAIL() << "expected an error";
    } catch (const std::exception &e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("DATAIN_CHANNEL + 1 = 96"), std::string::npos) << msg;
        EXPECT_NE(msg.find("4 groups"), std::string::npos) << msg;
    }
}
