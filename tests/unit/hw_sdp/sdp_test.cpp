// SDP functional: an offline op (INT8 cube from memory, BS per-kernel bias + multiplier + ReLU, BN
// per-layer MAX, EW add of a second cube with its converter and multiplier and ReLU, output
// converter) against a reference written here from the docs/datapath.md formulas, on an odd-sized
// cube with two surfaces (11 channels, 8 per surface).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <systemc>
#include <vector>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_regs.h"
#include "glb/glb.h"
#include "memory/memory_system.h"
#include "sdp/sdp.h"
#include "tests/unit/hw_support/test_configs.h"

using namespace dlasim::hw;

namespace {

constexpr uint32_t W = 5, H = 3, C = 11, kAtom = 8;
constexpr uint64_t kSrc = 0x80000000ull, kEw = 0x80010000ull, kDst = 0x80020000ull, kOps = 0x80030000ull;
constexpr uint32_t kSrcLine = 48, kSrcSurf = 160, kEwLine = 40, kEwSurf = 128, kDstLine = 56, kDstSurf = 168;

// Reference arithmetic, written independently of hw/sdp/sdp_math.
// NVDLA's right shift rounds halves away from zero: sign(x) * floor((|x| + 2^(s-1)) / 2^s).
int64_t ref_rshr(int64_t x, unsigned s)
{
    if (s == 0)
        return x;
    int64_t d = int64_t(1) << s, m = ((x < 0 ? -x : x) + (d >> 1)) / d;
    return x < 0 ? -m : m;
}
int64_t ref_sat(int64_t x, int bits)
{
    int64_t hi = (int64_t(1) << (bits - 1)) - 1;
    return x > hi ? hi : (x < -hi - 1 ? -hi - 1 : x);
}
uint64_t off(uint32_t c, uint32_t y, uint32_t x, uint32_t line, uint32_t surf)
{
    return (c / kAtom) * surf + y * line + x * kAtom + c % kAtom;
}

SC_MODULE(SdpHarness)
{
    dla_config cfg = hwsoc_test::nv_small_like();
    CoreClock clk{1000.0};
    StatsRegistry stats;
    Dram dram;
    Mcif mcif;
    Glb glb;
    Sdp sdp;
    bool done = false;
    SC_HAS_PROCESS(SdpHarness);
    explicit SdpHarness(sc_core::sc_module_name n)
        : sc_core::sc_module(n), dram(DramParams::from_config(cfg, cfg.power_modes[0], {kSrc, 1ull << 30}), stats),
          mcif("mcif", McifParams::from_config(cfg), clk, dram, nullptr, stats, "dla0"),
          sdp("sdp", SdpParams::from_config(cfg), true, clk,
              SdpPorts{mcif.port(kClientSdpM), mcif.port(kClientSdpB), mcif.port(kClientSdpN), mcif.port(kClientSdpE),
                       mcif.port(kClientSdpW)},
              glb, stats, "dla0", nullptr, nullptr)
    {
        SC_THREAD(controller);
    }
    void controller()
    {
        RegisterFile &r = sdp.rdma_regs(), &s = sdp.regs();
        r.csb_write(NVDLA_SDP_RDMA_D_DATA_CUBE_WIDTH, W - 1);
        r.csb_write(NVDLA_SDP_RDMA_D_DATA_CUBE_HEIGHT, H - 1);
        r.csb_write(NVDLA_SDP_RDMA_D_DATA_CUBE_CHANNEL, C - 1);
        r.csb_write(NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_LOW, uint32_t(kSrc));
        r.csb_write(NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_HIGH, uint32_t(kSrc >> 32));
        r.csb_write(NVDLA_SDP_RDMA_D_SRC_LINE_STRIDE, kSrcLine);
        r.csb_write(NVDLA_SDP_RDMA_D_SRC_SURFACE_STRIDE, kSrcSurf);
        r.csb_write(NVDLA_SDP_RDMA_D_BRDMA_CFG, (2u << 1) | (1u << 3) | (1u << 5)); // BOTH, TWO_BYTE, PER_KERNEL, MC
        r.csb_write(NVDLA_SDP_RDMA_D_BS_BASE_ADDR_LOW, uint32_t(kOps));
        r.csb_write(NVDLA_SDP_RDMA_D_BS_BASE_ADDR_HIGH, uint32_t(kOps >> 32));
        r.csb_write(NVDLA_SDP_RDMA_D_NRDMA_CFG, 1u);                                // disabled
        r.csb_write(NVDLA_SDP_RDMA_D_ERDMA_CFG, (1u << 1) | (1u << 4) | (1u << 5)); // ALU, ONE_BYTE, PER_ELEMENT, MC
        r.csb_write(NVDLA_SDP_RDMA_D_EW_BASE_ADDR_LOW, uint32_t(kEw));
        r.csb_write(NVDLA_SDP_RDMA_D_EW_BASE_ADDR_HIGH, uint32_t(kEw >> 32));
        r.csb_write(NVDLA_SDP_RDMA_D_EW_LINE_STRIDE, kEwLine);
        r.csb_write(NVDLA_SDP_RDMA_D_EW_SURFACE_STRIDE, kEwSurf);
        r.csb_write(NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, 0); // offline, INT8 in/proc/out

        s.csb_write(NVDLA_SDP_D_DATA_CUBE_WIDTH, W - 1);
        s.csb_write(NVDLA_SDP_D_DATA_CUBE_HEIGHT, H - 1);
        s.csb_write(NVDLA_SDP_D_DATA_CUBE_CHANNEL, C - 1);
        s.csb_write(NVDLA_SDP_D_DST_BASE_ADDR_LOW, uint32_t(kDst));
        s.csb_write(NVDLA_SDP_D_DST_BASE_ADDR_HIGH, uint32_t(kDst >> 32));
        s.csb_write(NVDLA_SDP_D_DST_LINE_STRIDE, kDstLine);
        s.csb_write(NVDLA_SDP_D_DST_SURFACE_STRIDE, kDstSurf);
        s.csb_write(NVDLA_SDP_D_DP_BS_CFG, 2u << 2);                           // ALU SUM, MUL, ReLU on
        s.csb_write(NVDLA_SDP_D_DP_BS_ALU_CFG, 1u | (2u << 8));                // MEM, shift 2
        s.csb_write(NVDLA_SDP_D_DP_BS_MUL_CFG, 1u | (3u << 8));                // MEM, shift 3
        s.csb_write(NVDLA_SDP_D_DP_BN_CFG, (0u << 2) | (1u << 4) | (1u << 6)); // ALU MAX only
        s.csb_write(NVDLA_SDP_D_DP_BN_ALU_CFG, 0);                             // REG
        s.csb_write(NVDLA_SDP_D_DP_BN_ALU_SRC_VALUE, uint32_t(-20) & 0xffffu);
        s.csb_write(NVDLA_SDP_D_DP_EW_CFG, (2u << 2) | (1u << 6)); // ALU SUM, MUL on, LUT bypassed
        s.csb_write(NVDLA_SDP_D_DP_EW_ALU_CFG, 1u);                // MEM, converter on
        s.csb_write(NVDLA_SDP_D_DP_EW_ALU_CVT_OFFSET_VALUE, 3);
        s.csb_write(NVDLA_SDP_D_DP_EW_ALU_CVT_SCALE_VALUE, 5);
        s.csb_write(NVDLA_SDP_D_DP_EW_ALU_CVT_TRUNCATE_VALUE, 2);
        s.csb_write(NVDLA_SDP_D_DP_EW_MUL_CFG, 1u << 1); // REG
        s.csb_write(NVDLA_SDP_D_DP_EW_MUL_SRC_VALUE, 7);
        s.csb_write(NVDLA_SDP_D_DP_EW_TRUNCATE_VALUE, 1);
        s.csb_write(NVDLA_SDP_BASE + DLASIM_EXT_SDP_CFG, 1u); // EW ReLU
        s.csb_write(NVDLA_SDP_D_FEATURE_MODE_CFG, 0);         // offline, to memory
        s.csb_write(NVDLA_SDP_D_DATA_FORMAT, 0);
        s.csb_write(NVDLA_SDP_D_CVT_OFFSET, uint32_t(-4));
        s.csb_write(NVDLA_SDP_D_CVT_SCALE, 3);
        s.csb_write(NVDLA_SDP_D_CVT_SHIFT, 4);
        s.csb_write(NVDLA_SDP_D_OP_ENABLE, 1);
        r.csb_write(NVDLA_SDP_RDMA_D_OP_ENABLE, 1);
        while (!glb.irq_line())
            sc_core::wait(glb.irq_event());
        done = true;
    }
};

} // namespace

TEST(SdpTest, OfflineBsBnEwMatchesDatapathReference)
{
    SdpHarness h("h");
    // Deterministic pseudo-random inputs (LCG), operands and a pre-filled destination.
    uint32_t seed = 12345;
    auto rnd = [&](int lo, int hi) {
        seed = seed * 1103515245u + 12345u;
        return lo + int((seed >> 8) % uint32_t(hi - lo + 1));
    };
    std::vector<int8_t> src(C * H * W), ew(C * H * W);
    std::vector<int16_t> alu(C), mul(C);
    SparseStore &mem = h.dram.store();
    for (uint32_t c = 0; c < C; ++c)
        for (uint32_t y = 0; y < H; ++y)
            for (uint32_t x = 0; x < W; ++x) {
                size_t i = (c * H + y) * W + x;
                src[i] = int8_t(rnd(-128, 127));
                ew[i] = int8_t(rnd(-128, 127));
                mem.write(kSrc + off(c, y, x, kSrcLine, kSrcSurf), &src[i], 1);
                mem.write(kEw + off(c, y, x, kEwLine, kEwSurf), &ew[i], 1);
            }
    for (uint32_t c = 0; c < C; ++c) {
        alu[c] = int16_t(rnd(-300, 300));
        mul[c] = int16_t(rnd(-40, 90));
        uint8_t pair[4] = {uint8_t(alu[c]), uint8_t(uint16_t(alu[c]) >> 8), uint8_t(mul[c]),
                           uint8_t(uint16_t(mul[c]) >> 8)};
        mem.write(kOps + 4 * c, pair, 4);
    }
    std::vector<uint8_t> fill(2 * kDstSurf, 0x55);
    mem.write(kDst, fill.data(), fill.size());

    sc_core::sc_start();
    ASSERT_TRUE(h.done);
    EXPECT_EQ(h.glb.status(), 1u << kIrqSdp);
    EXPECT_EQ(h.sdp.regs().csb_read(NVDLA_SDP_S_STATUS), 0u);
    EXPECT_EQ(h.sdp.rdma_regs().csb_read(NVDLA_SDP_RDMA_S_STATUS), 0u);

    int mismatches = 0;
    std::vector<bool> seen(256, false);
    for (uint32_t c = 0; c < C; ++c)
        for (uint32_t y = 0; y < H; ++y)
            for (uint32_t x = 0; x < W; ++x) {
                size_t i = (c * H + y) * W + x;
                int64_t v = src[i];
                v = ref_rshr((v + int64_t(alu[c]) * 4) * mul[c], 3); // BS: ALU SUM, MUL
                v = ref_sat(v < 0 ? 0 : v, 32);                      // ReLU, sat_32
                v = ref_sat(v > -20 ? v : -20, 32);                  // BN: MAX with -20
                int64_t e = ref_rshr((int64_t(ew[i]) - 3) * 5, 2);   // EW converter
                v = ref_sat(ref_rshr(v * 7, 1), 32) + e;             // EW MUL, then ALU SUM (NVDLA's Y order)
                v = ref_sat(v < 0 ? 0 : v, 32);                      // EW ReLU, sat_32
                int64_t want = ref_sat(ref_rshr((v + 4) * 3, 4), 8); // output converter
                int8_t got = 0;
                mem.read(kDst + off(c, y, x, kDstLine, kDstSurf), &got, 1);
                seen[uint8_t(got)] = true;
                if (got != want && ++mismatches < 10)
                    ADD_FAILURE() << "c=" << c << " y=" << y << " x=" << x << ": got " << int(got) << ", want " << want;
            }
    EXPECT_EQ(mismatches, 0);
    EXPECT_GE(std::count(seen.begin(), seen.end(), true), 20); // not a degenerate (all-saturated) case
    // Channels 11..15 of the second surface are atom padding, computed as NVDLA does from the bytes
    // there (src 0, EW operand 0, operand pairs past the 11th 0 in the sparse store): BS (0 + 0)*0 >> 3
    // = 0, ReLU 0, BN max(0, -20) = 0, EW e = rshr((0 - 3) * 5, 2) = -15/4 -> -4, MUL rshr(0 * 7, 1) = 0,
    // ALU 0 + -4 = -4, ReLU 0, output rshr((0 + 4) * 3, 4) = 12/16 -> 1.
    // Line-stride gaps (bytes 40..55 of each line) are not touched.
    for (uint32_t y = 0; y < H; ++y)
        for (uint32_t x = 0; x < W; ++x)
            for (uint32_t c = C; c < 2 * kAtom; ++c) {
                int8_t b = 0;
                mem.read(kDst + off(c, y, x, kDstLine, kDstSurf), &b, 1);
                EXPECT_EQ(b, 1);
            }
    uint8_t gap = 0;
    mem.read(kDst + kDstLine + W * kAtom, &gap, 1);
    EXPECT_EQ(gap, 0x55u);
    // Perf registers: reads = input 2 surfaces x 3 lines x 40 B + EW operand the same + 16 x 4 B
    // operands (every lane of the 2 atoms has its kernel pair) = 544; writes = 240.
    auto ext = [&](uint32_t o) { return h.sdp.regs().get_ext(NVDLA_SDP_BASE + kExtWindow + o); };
    EXPECT_EQ(ext(kExtDramRead), 544u);
    EXPECT_EQ(ext(kExtDramWrite), 240u);
    // Every lane of both atoms goes through the datapath: 16 channels x H x W.
    EXPECT_EQ(h.stats.sum_suffix("dla0.sdp.elements"), uint64_t(2 * kAtom) * H * W);
}
