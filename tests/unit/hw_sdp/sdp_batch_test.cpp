// SDP in NVDLA batch mode: chunks from a batched conv (CACC tags each with its image) are written
// to D_DST_BASE_ADDR + image x D_DST_BATCH_STRIDE; batch settings SDP cannot honour are refused by
// register name. Expected bytes come from the docs/datapath.md formulas written out here.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "dla/nvdla_regs.h"
#include "glb/glb.h"
#include "memory/memory_system.h"
#include "sdp/sdp.h"
#include "tests/unit/hw_support/test_configs.h"

using namespace dlasim::hw;

namespace {

// An FC-like output: 1 x 1 x 10 per image (two 8-channel surfaces on nv_small), 3 images.
constexpr uint32_t C = 10, kBatch = 3, kAtom = 8;
constexpr uint64_t kDst = 0x80020000ull;
constexpr uint32_t kLine = 8, kSurf = 8, kBatchStride = 64; // one atom per line/surface; 2 surfaces = 16 B

int32_t acc_of(uint32_t image, uint32_t k)
{
    return static_cast<int32_t>(image * 41 + k * 29) - 150;
}

SC_MODULE(SdpBatchHarness)
{
    dla_config cfg = hwsoc_test::nv_small_like();
    CoreClock clk{1000.0};
    StatsRegistry stats;
    Dram dram;
    Mcif mcif;
    Glb glb;
    sc_core::sc_fifo<OutputChunk> from_cacc{"from_cacc", 4};
    Sdp sdp;
    uint32_t mode = (1u << NVDLA_SDP_D_FEATURE_MODE_CFG_FLYING_MODE_SHIFT) |
                    ((kBatch - 1) << NVDLA_SDP_D_FEATURE_MODE_CFG_BATCH_NUMBER_SHIFT);
    uint32_t batch_stride = kBatchStride;
    bool done = false;
    SC_HAS_PROCESS(SdpBatchHarness);
    explicit SdpBatchHarness(sc_core::sc_module_name n)
        : sc_core::sc_module(n), dram(DramParams::from_config(cfg, cfg.power_modes[0], {kDst, 1ull << 30}), stats),
          mcif("mcif", McifParams::from_config(cfg), clk, dram, nullptr, stats, "dla0"),
          sdp("sdp", SdpParams::from_config(cfg), true, clk,
              SdpPorts{mcif.port(kClientSdpM), mcif.port(kClientSdpB), mcif.port(kClientSdpN), mcif.port(kClientSdpE),
                       mcif.port(kClientSdpW)},
              glb, stats, "dla0", &from_cacc, nullptr)
    {
        SC_THREAD(controller);
        SC_THREAD(cacc);
    }
    void controller()
    {
        RegisterFile &s = sdp.regs();
        s.csb_write(NVDLA_SDP_D_DATA_CUBE_WIDTH, 0);
        s.csb_write(NVDLA_SDP_D_DATA_CUBE_HEIGHT, 0);
        s.csb_write(NVDLA_SDP_D_DATA_CUBE_CHANNEL, C - 1);
        s.csb_write(NVDLA_SDP_D_DST_BASE_ADDR_LOW, uint32_t(kDst));
        s.csb_write(NVDLA_SDP_D_DST_BASE_ADDR_HIGH, uint32_t(kDst >> 32));
        s.csb_write(NVDLA_SDP_D_DST_LINE_STRIDE, kLine);
        s.csb_write(NVDLA_SDP_D_DST_SURFACE_STRIDE, kSurf);
        s.csb_write(NVDLA_SDP_D_DST_BATCH_STRIDE, batch_stride);
        // BS: ALU SUM with the register operand 5 (no MUL, no ReLU); BN and EW bypassed.
        s.csb_write(NVDLA_SDP_D_DP_BS_CFG, (2u << 2) | (1u << 4) | (1u << 6));
        s.csb_write(NVDLA_SDP_D_DP_BS_ALU_CFG, 0);
        s.csb_write(NVDLA_SDP_D_DP_BS_ALU_SRC_VALUE, 5);
        s.csb_write(NVDLA_SDP_D_DP_BN_CFG, 1);
        s.csb_write(NVDLA_SDP_D_DP_EW_CFG, 1);
        s.csb_write(NVDLA_SDP_D_FEATURE_MODE_CFG, mode);
        s.csb_write(NVDLA_SDP_D_DATA_FORMAT, 0);
        s.csb_write(NVDLA_SDP_D_CVT_OFFSET, 0);
        s.csb_write(NVDLA_SDP_D_CVT_SCALE, 1);
        s.csb_write(NVDLA_SDP_D_CVT_SHIFT, 0);
        s.csb_write(NVDLA_SDP_D_OP_ENABLE, 1);
        if (!(mode & 1u)) // offline: the op starts once SDP_RDMA is enabled too
            sdp.rdma_regs().csb_write(NVDLA_SDP_RDMA_D_OP_ENABLE, 1);
        while (!glb.irq_line())
            sc_core::wait(glb.irq_event());
        done = true;
    }
    // One chunk per image, the way CACC delivers a batched FC stripe.
    void cacc()
    {
        for (uint32_t b = 0; b < kBatch; ++b) {
            OutputChunk c;
            c.k0 = 0;
            c.k_count = C;
            c.p0 = 0;
            c.p_count = 1;
            c.image = b;
            c.last = b + 1 == kBatch;
            auto v = std::make_shared<std::vector<int32_t>>(C);
            for (uint32_t k = 0; k < C; ++k)
                (*v)[k] = acc_of(b, k);
            c.values = v;
            from_cacc.write(c);
        }
    }
};

int8_t sat8(int64_t v)
{
    return static_cast<int8_t>(v > 127 ? 127 : (v < -128 ? -128 : v));
}

} // namespace

TEST(SdpBatchTest, EachImageIsWrittenOneDstBatchStrideFurther)
{
    SdpBatchHarness h("h");
    SparseStore &mem = h.dram.store();
    std::vector<uint8_t> fill(kBatch * kBatchStride, 0x55);
    mem.write(kDst, fill.data(), fill.size());
    sc_core::sc_start();
    ASSERT_TRUE(h.done);
    for (uint32_t b = 0; b < kBatch; ++b) {
        for (uint32_t k = 0; k < 2 * kAtom; ++k) {
            // Lanes 10..15 of the second atom come from zero accumulators: sat8(0 + 5) = 5.
            const int8_t want = k < C ? sat8(acc_of(b, k) + 5) : 5;
            int8_t got = 0;
            mem.read(kDst + b * kBatchStride + (k / kAtom) * kSurf + k % kAtom, &got, 1);
            EXPECT_EQ(got, want) << "image " << b << " channel " << k;
        }
        // Bytes between one image's 16-B cube and the next stay untouched.
        uint8_t gap = 0;
        mem.read(kDst + b * kBatchStride + 2 * kSurf, &gap, 1);
        EXPECT_EQ(gap, 0x55u) << "image " << b;
    }
}

TEST(SdpBatchTest, BatchStrideSmallerThanTheOutputCubeIsRejected)
{
    SdpBatchHarness h("h");
    h.batch_stride = 8; // the cube is 2 surfaces x 8 B
    try {
        sc_core::sc_start();
        FAIL() << "expected D_DST_BATCH_STRIDE = 8 to be rejected";
    } catch (const std::exception &e) {
        EXPECT_NE(std::string(e.what()).find("D_DST_BATCH_STRIDE = 8"), std::string::npos) << e.what();
    }
}

TEST(SdpBatchTest, OfflineBatchIsRejectedNamingTheField)
{
    SdpBatchHarness h("h");
    h.mode = (kBatch - 1) << NVDLA_SDP_D_FEATURE_MODE_CFG_BATCH_NUMBER_SHIFT; // FLYING_MODE off
    try {
        sc_core::sc_start();
        FAIL() << "expected offline batch to be rejected";
    } catch (const std::exception &e) {
        EXPECT_NE(std::string(e.what()).find("D_FEATURE_MODE_CFG.BATCH_NUMBER = 2"), std::string::npos) << e.what();
    }
}
