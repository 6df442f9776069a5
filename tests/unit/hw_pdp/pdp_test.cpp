// PDP: functional pooling (MAX 3x3 s2 pad 1, AVG 2x2 s2, AVG with exclusive padding) against a
// reference written here from docs/datapath.md, and the cycle count of offline pooling layers on
// an nv_small-like and an Orin-like configuration, derived by hand from the rules in hw/pdp/pdp.h
// and hw/memory/memory_system.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <systemc>
#include <vector>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_regs.h"
#include "glb/glb.h"
#include "memory/memory_system.h"
#include "pdp/pdp.h"
#include "tests/unit/hw_support/test_configs.h"

using namespace dlasim::hw;

namespace {

constexpr uint64_t kSrc = 0x80000000ull, kDst = 0x80100000ull;

struct Pool {
    uint32_t w, h, c;
    uint32_t method; // 0 AVG, 1 MAX, 2 MIN
    uint32_t kw, kh, sx, sy, pl, pt, pr, pb;
    int pad_value;
    bool exclude_pad;
    uint32_t ow() const { return (w + pl + pr - kw) / sx + 1; }
    uint32_t oh() const { return (h + pt + pb - kh) / sy + 1; }
};

// Reference: explicit padded plane, then window reductions (independent of hw/pdp/pdp_math).
std::vector<int> ref_pool(const Pool &p, const std::vector<int> &in)
{
    const uint32_t PW = p.w + p.pl + p.pr + p.kw, PH = p.h + p.pt + p.pb + p.kh;
    std::vector<int> out(size_t(p.c) * p.oh() * p.ow());
    for (uint32_t c = 0; c < p.c; ++c) {
        std::vector<int> pad(size_t(PW) * PH, p.pad_value);
        std::vector<int> valid(size_t(PW) * PH, 0);
        for (uint32_t y = 0; y < p.h; ++y)
            for (uint32_t x = 0; x < p.w; ++x) {
                pad[(y + p.pt) * PW + x + p.pl] = in[(size_t(c) * p.h + y) * p.w + x];
                valid[(y + p.pt) * PW + x + p.pl] = 1;
            }
        for (uint32_t oy = 0; oy < p.oh(); ++oy)
            for (uint32_t ox = 0; ox < p.ow(); ++ox) {
                std::vector<int> win;
                long sum = 0, count = 0;
                for (uint32_t r = 0; r < p.kh; ++r)
                    for (uint32_t s = 0; s < p.kw; ++s) {
                        size_t i = (oy * p.sy + r) * PW + ox * p.sx + s;
                        if (valid[i])
                            win.push_back(pad[i]); // NVDLA: padding takes no part in MAX/MIN
                        if (!p.exclude_pad || valid[i]) {
                            sum += pad[i];
                            ++count;
                        }
                    }
                int v;
                if (p.method == 1)
                    v = *std::max_element(win.begin(), win.end());
                else if (p.method == 2)
                    v = *std::min_element(win.begin(), win.end());
                else if (p.exclude_pad) {
                    long num = 2 * sum + count, den = 2 * count; // floor division, round half up
                    long q = num / den - ((num % den != 0 && num < 0) ? 1 : 0);
                    v = int(std::clamp(q, -128L, 127L));
                } else {
                    // NVDLA: two multiplies by 1/k = 2^16 / k (integer), each shifted right by 16 with
                    // halves rounded away from zero (docs/datapath.md step 6).
                    auto away = [](long x) {
                        long m = x < 0 ? -x : x, q = (m + (1L << 15)) >> 16;
                        return x < 0 ? -q : q;
                    };
                    long t = away(sum * long(65536 / p.kw));
                    v = int(std::clamp(away(t * long(65536 / p.kh)), -128L, 127L));
                }
                out[(size_t(c) * p.oh() + oy) * p.ow() + ox] = v;
            }
    }
    return out;
}

SC_MODULE(PdpHarness)
{
    dla_config cfg;
    CoreClock clk;
    StatsRegistry stats;
    Dram dram;
    Mcif mcif;
    Glb glb;
    Pdp pdp;
    Pool pool{};
    uint32_t atom, in_line, in_surf, out_line, out_surf;
    bool done = false;
    SC_HAS_PROCESS(PdpHarness);
    PdpHarness(sc_core::sc_module_name n, const dla_config &c, bool functional, const Pool &p)
        : sc_core::sc_module(n), cfg(c), clk(c.power_modes[0].dla_clock_mhz),
          dram(DramParams::from_config(cfg, cfg.power_modes[0], {kSrc, 1ull << 30}), stats),
          mcif("mcif", McifParams::from_config(cfg), clk, dram, nullptr, stats, "dla0"),
          pdp("pdp", PdpParams::from_config(cfg), functional, clk,
              PdpPorts{mcif.port(kClientPdpR), mcif.port(kClientPdpW)}, glb, stats, "dla0", nullptr),
          pool(p), atom(uint32_t(c.core.memory_atomic_bytes)), in_line(p.w * atom), in_surf(p.h * in_line),
          out_line(p.ow() * atom), out_surf(p.oh() * out_line)
    {
        SC_THREAD(controller);
    }
    uint64_t in_addr(uint32_t c, uint32_t y, uint32_t x) const
    {
        return kSrc + (c / atom) * in_surf + y * in_line + x * atom + c % atom;
    }
    uint64_t out_addr(uint32_t c, uint32_t y, uint32_t x) const
    {
        return kDst + (c / atom) * out_surf + y * out_line + x * atom + c % atom;
    }
    void controller()
    {
        RegisterFile &r = pdp.rdma_regs(), &s = pdp.regs();
        const Pool &p = pool;
        r.csb_write(NVDLA_PDP_RDMA_D_DATA_CUBE_IN_WIDTH, p.w - 1);
        r.csb_write(NVDLA_PDP_RDMA_D_DATA_CUBE_IN_HEIGHT, p.h - 1);
        r.csb_write(NVDLA_PDP_RDMA_D_DATA_CUBE_IN_CHANNEL, p.c - 1);
        r.csb_write(NVDLA_PDP_RDMA_D_FLYING_MODE, 1); // OFF_FLYING
        r.csb_write(NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_LOW, uint32_t(kSrc));
        r.csb_write(NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_HIGH, uint32_t(kSrc >> 32));
        r.csb_write(NVDLA_PDP_RDMA_D_SRC_LINE_STRIDE, in_line);
        r.csb_write(NVDLA_PDP_RDMA_D_SRC_SURFACE_STRIDE, in_surf);
        s.csb_write(NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, p.w - 1);
        s.csb_write(NVDLA_PDP_D_DATA_CUBE_IN_HEIGHT, p.h - 1);
        s.csb_write(NVDLA_PDP_D_DATA_CUBE_IN_CHANNEL, p.c - 1);
        s.csb_write(NVDLA_PDP_D_DATA_CUBE_OUT_WIDTH, p.ow() - 1);
        s.csb_write(NVDLA_PDP_D_DATA_CUBE_OUT_HEIGHT, p.oh() - 1);
        s.csb_write(NVDLA_PDP_D_DATA_CUBE_OUT_CHANNEL, p.c - 1);
        s.csb_write(NVDLA_PDP_D_OPERATION_MODE_CFG, p.method | (1u << 4)); // offline
        s.csb_write(NVDLA_PDP_D_POOLING_KERNEL_CFG,
                    (p.kw - 1) | ((p.kh - 1) << 8) | ((p.sx - 1) << 16) | ((p.sy - 1) << 20));
        s.csb_write(NVDLA_PDP_D_POOLING_PADDING_CFG, p.pl | (p.pt << 4) | (p.pr << 8) | (p.pb << 12));
        s.csb_write(NVDLA_PDP_D_POOLING_PADDING_VALUE_1_CFG, uint32_t(p.pad_value) & 0x7ffffu);
        s.csb_write(NVDLA_PDP_D_RECIP_KERNEL_WIDTH, 65536u / p.kw); // 1/k as k * 2^16, as the driver writes
        s.csb_write(NVDLA_PDP_D_RECIP_KERNEL_HEIGHT, 65536u / p.kh);
        s.csb_write(NVDLA_PDP_D_DST_BASE_ADDR_LOW, uint32_t(kDst));
        s.csb_write(NVDLA_PDP_D_DST_BASE_ADDR_HIGH, uint32_t(kDst >> 32));
        s.csb_write(NVDLA_PDP_D_DST_LINE_STRIDE, out_line);
        s.csb_write(NVDLA_PDP_D_DST_SURFACE_STRIDE, out_surf);
        s.csb_write(NVDLA_PDP_D_DATA_FORMAT, 0);
        s.csb_write(NVDLA_PDP_BASE + DLASIM_EXT_POOL_CFG, p.exclude_pad ? 1u : 0u);
        s.csb_write(NVDLA_PDP_D_OP_ENABLE, 1);
        r.csb_write(NVDLA_PDP_RDMA_D_OP_ENABLE, 1);
        while (!glb.irq_line())
            sc_core::wait(glb.irq_event());
        done = true;
    }
    uint64_t ext(uint32_t o)
    {
        return pdp.regs().get_ext(NVDLA_PDP_BASE + kExtWindow + o);
    }
};

void run_functional(const Pool &p)
{
    PdpHarness h("h", hwsoc_test::nv_small_like(), true, p);
    std::vector<int> in(size_t(p.c) * p.h * p.w);
    uint32_t seed = 777;
    for (uint32_t c = 0; c < p.c; ++c)
        for (uint32_t y = 0; y < p.h; ++y)
            for (uint32_t x = 0; x < p.w; ++x) {
                seed = seed * 1103515245u + 12345u;
                int8_t v = int8_t(int((seed >> 8) % 256u) - 128);
                in[(size_t(c) * p.h + y) * p.w + x] = v;
                h.dram.store().write(h.in_addr(c, y, x), &v, 1);
            }
    sc_core::sc_start();
    ASSERT_TRUE(h.done);
    EXPECT_EQ(h.glb.status(), 1u << kIrqPdp);
    EXPECT_EQ(h.pdp.regs().csb_read(NVDLA_PDP_S_STATUS), 0u);
    std::vector<int> want = ref_pool(p, in);
    int bad = 0;
    for (uint32_t c = 0; c < p.c; ++c)
        for (uint32_t y = 0; y < p.oh(); ++y)
            for (uint32_t x = 0; x < p.ow(); ++x) {
                int8_t got = 0;
                h.dram.store().read(h.out_addr(c, y, x), &got, 1);
                int w = want[(size_t(c) * p.oh() + y) * p.ow() + x];
                if (got != w && ++bad < 10)
                    ADD_FAILURE() << "c=" << c << " oy=" << y << " ox=" << x << ": got " << int(got) << ", want " << w;
            }
    EXPECT_EQ(bad, 0);
}

} // namespace

TEST(PdpTest, Max3x3Stride2Pad1MatchesReference)
{
    // 7x5x11 (two surfaces of 8): out 4x3; padded positions read -128 (the compiler's MAX padding).
    run_functional(Pool{7, 5, 11, 1, 3, 3, 2, 2, 1, 1, 1, 1, -128, false});
}

TEST(PdpTest, Avg2x2Stride2MatchesReference)
{
    run_functional(Pool{7, 5, 11, 0, 2, 2, 2, 2, 0, 0, 0, 0, 0, false});
}

TEST(PdpTest, AvgExclusivePaddingCountsOnlyValidPositions)
{
    // 3x3 s2 pad 1 with pad value 9: excluded, the value must not leak into any output.
    run_functional(Pool{7, 5, 11, 0, 3, 3, 2, 2, 1, 1, 1, 1, 9, true});
}

TEST(PdpTest, AvgInclusivePaddingAddsPadValue)
{
    run_functional(Pool{6, 4, 9, 0, 3, 3, 2, 2, 1, 1, 1, 1, -7, false});
}

TEST(PdpTest, OfflineMax2x2CyclesOnNvSmallLikeConfig)
{
    // Config: 1 GHz, atom 8 B, PDP 1 element/cycle, latency 10, port 8 B/cycle, DRAM latency 50 ns,
    // DRAM/share fast (not binding), 64-byte requests. Layer 8x4x8 (one surface), 2x2 s2 -> 4x2.
    // Line buffer: L = ceil(2/2) = 1 line of 4 x 8 x 2 B = 64 B <= 1024: one segment.
    // Reads: one 64-byte request per row (8 atoms), accepted every 8 cycles (port): a_y = 8y,
    //   arrival = a_y + 50 + 8 = 58 + 8y.
    // Datapath: 64 elements per row = 64 cycles: rows 0..3 run 58-122, 122-186, 186-250, 250-314
    //   (each row arrived before the previous one finished).
    // Output row 0 (needs rows 0-1) emitted at 186, written at 196: 32 B -> port 4 cycles,
    //   done 196 + 50 + 4 = 250. Row 1 emitted at 314, written at 324, done 378 = op end.
    Pool p{8, 4, 8, 1, 2, 2, 2, 2, 0, 0, 0, 0, -128, false};
    PdpHarness h("h", hwsoc_test::nv_small_like(), false, p);
    sc_core::sc_start();
    ASSERT_TRUE(h.done);
    EXPECT_EQ(h.ext(kExtStartCycle), 0u);
    EXPECT_EQ(h.ext(kExtEndCycle), 378u);
    EXPECT_EQ(h.ext(kExtBusy), 256u);
    EXPECT_EQ(h.ext(kExtStallMem), 58u);
    EXPECT_EQ(h.ext(kExtDramRead), 256u);
    EXPECT_EQ(h.ext(kExtDramWrite), 64u);
    EXPECT_EQ(h.clk.now_cycles(), 378u);
}

TEST(PdpTest, OfflineMax3x3CyclesOnOrinLikeConfigWithWidthSplit)
{
    // Config: 1250 MHz (0.8 ns), atom 32 B, PDP 8 elements/cycle, latency 8, port 64 B/cycle,
    // DRAM 204.8 x 0.8 x share 0.5 = 81.92 B/ns (64 B = 0.78 ns < 1 cycle: the port binds, one
    // request per cycle), latency 200 ns = 250 cycles, 256 outstanding, 512-byte line buffer.
    // Layer 16x6x64 (two surfaces), 3x3 s2 pad 1 -> 8x3.
    // Split: L = ceil(3/2) = 2 lines x 32 ch x 2 B = 128 B per output column -> 4 columns per
    //   segment: seg0 out 0-3 reads input columns [0, 8) (8 atoms = 4 requests),
    //   seg1 out 4-7 reads [7, 16) (9 atoms at byte 224: 32 B + 4 x 64 B = 5 requests).
    // Order s0/seg0 rows 0-5, s0/seg1, s1/seg0, s1/seg1: 6x4 + 6x5 + 6x4 + 6x5 = 108 requests,
    //   accepted at cycles 0..107; an item arrives at (its last request's cycle) + 251.
    //   First item: request 3 -> 254. Later items always arrive before the datapath is free.
    // Datapath: seg0 rows 8 x 32 / 8 = 32 cycles, seg1 rows 9 x 32 / 8 = 36 cycles;
    //   12 x 32 + 12 x 36 = 816 busy cycles from 254 -> last row done at 1070.
    // Last output row (s1, seg1, oy 2: needs input rows up to min(5, 2*2 - 1 + 2) = 5) emitted at
    //   1070, written at 1078: 4 atoms = 128 B at byte 128 of the line = 2 requests accepted at
    //   1078 and 1079; done 1079 + 250 + 1 = 1330 = op end.
    Pool p{16, 6, 64, 1, 3, 3, 2, 2, 1, 1, 1, 1, -128, false};
    PdpHarness h("h", hwsoc_test::orin_like(), false, p);
    sc_core::sc_start();
    ASSERT_TRUE(h.done);
    EXPECT_EQ(h.ext(kExtEndCycle), 1330u);
    EXPECT_EQ(h.ext(kExtBusy), 816u);
    EXPECT_EQ(h.ext(kExtStallMem), 254u);
    EXPECT_EQ(h.ext(kExtDramRead), 12u * (256u + 288u));  // overlap column 7 is read twice
    EXPECT_EQ(h.ext(kExtDramWrite), 2u * 3u * 2u * 128u); // surfaces x rows x segments x 4 atoms
    EXPECT_EQ(h.stats.sum_suffix("dla0.pdp.elements"), 12u * 256u + 12u * 288u);
}
