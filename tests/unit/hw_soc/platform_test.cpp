// The C platform boundary end to end (without the conv core): a controller program that programs
// one offline PDP op with NVDLA register encodings over CSB, waits for the interrupt, clears it and
// checks the units are idle; single creation per process; hang detection; controller time costs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_regs.h"
#include "dla/platform.h"
#include "tests/unit/hw_support/test_configs.h"

namespace {

constexpr uint32_t W = 8, H = 4, C = 16, kAtom = 8, OW = 4, OH = 2; // AVG 2x2 s2

struct Job {
    uint64_t src, dst;
    uint32_t intr_status_after = 0xffffffffu, pdp_status_after = 0xffffffffu, glb_status_seen = 0;
};

dla_status pdp_program(dla_controller *ctl, void *user)
{
    Job *j = static_cast<Job *>(user);
    auto w = [&](uint32_t a, uint32_t v) { return dla_ctl_csb_write(ctl, a, v); };
    w(NVDLA_PDP_RDMA_D_DATA_CUBE_IN_WIDTH, W - 1);
    w(NVDLA_PDP_RDMA_D_DATA_CUBE_IN_HEIGHT, H - 1);
    w(NVDLA_PDP_RDMA_D_DATA_CUBE_IN_CHANNEL, C - 1);
    w(NVDLA_PDP_RDMA_D_FLYING_MODE, 1);
    w(NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_LOW, uint32_t(j->src));
    w(NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_HIGH, uint32_t(j->src >> 32));
    w(NVDLA_PDP_RDMA_D_SRC_LINE_STRIDE, W * kAtom);
    w(NVDLA_PDP_RDMA_D_SRC_SURFACE_STRIDE, H * W * kAtom);
    w(NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, W - 1);
    w(NVDLA_PDP_D_DATA_CUBE_IN_HEIGHT, H - 1);
    w(NVDLA_PDP_D_DATA_CUBE_IN_CHANNEL, C - 1);
    w(NVDLA_PDP_D_DATA_CUBE_OUT_WIDTH, OW - 1);
    w(NVDLA_PDP_D_DATA_CUBE_OUT_HEIGHT, OH - 1);
    w(NVDLA_PDP_D_DATA_CUBE_OUT_CHANNEL, C - 1);
    w(NVDLA_PDP_D_OPERATION_MODE_CFG, 0u | (1u << 4));                           // AVERAGE, offline
    w(NVDLA_PDP_D_POOLING_KERNEL_CFG, 1u | (1u << 8) | (1u << 16) | (1u << 20)); // 2x2, stride 2x2
    w(NVDLA_PDP_D_POOLING_PADDING_CFG, 0);
    w(NVDLA_PDP_D_RECIP_KERNEL_WIDTH, 0x8000); // 1/2 as 2^16 / 2
    w(NVDLA_PDP_D_RECIP_KERNEL_HEIGHT, 0x8000);
    w(NVDLA_PDP_D_DST_BASE_ADDR_LOW, uint32_t(j->dst));
    w(NVDLA_PDP_D_DST_BASE_ADDR_HIGH, uint32_t(j->dst >> 32));
    w(NVDLA_PDP_D_DST_LINE_STRIDE, OW * kAtom);
    w(NVDLA_PDP_D_DST_SURFACE_STRIDE, OH * OW * kAtom);
    w(NVDLA_PDP_D_DATA_FORMAT, 0);
    w(NVDLA_PDP_D_OP_ENABLE, 1); // downstream first, as NVDLA firmware does
    w(NVDLA_PDP_RDMA_D_OP_ENABLE, 1);
    dla_status st = dla_ctl_wait_irq(ctl);
    if (st != DLA_OK)
        return st;
    dla_ctl_csb_read(ctl, NVDLA_GLB_S_INTR_STATUS, &j->glb_status_seen);
    w(NVDLA_GLB_S_INTR_STATUS, j->glb_status_seen); // write 1 to clear
    dla_ctl_csb_read(ctl, NVDLA_GLB_S_INTR_STATUS, &j->intr_status_after);
    dla_ctl_csb_read(ctl, NVDLA_PDP_S_STATUS, &j->pdp_status_after);
    return DLA_OK;
}

dla_status wait_forever(dla_controller *ctl, void *)
{
    return dla_ctl_wait_irq(ctl);
}

dla_status enable_pdp_without_rdma(dla_controller *ctl, void *)
{
    dla_ctl_csb_write(ctl, NVDLA_PDP_D_OPERATION_MODE_CFG, 1u << 4); // offline: needs PDP_RDMA too
    dla_ctl_csb_write(ctl, NVDLA_PDP_D_OP_ENABLE, 1);
    return dla_ctl_wait_irq(ctl);
}

// Offline SDP (all stages bypassed, identity converter) streaming to PDP on the fly (MAX 2x2 s2).
dla_status sdp_to_pdp_program(dla_controller *ctl, void *user)
{
    Job *j = static_cast<Job *>(user);
    auto w = [&](uint32_t a, uint32_t v) { return dla_ctl_csb_write(ctl, a, v); };
    w(NVDLA_SDP_RDMA_D_DATA_CUBE_WIDTH, W - 1);
    w(NVDLA_SDP_RDMA_D_DATA_CUBE_HEIGHT, H - 1);
    w(NVDLA_SDP_RDMA_D_DATA_CUBE_CHANNEL, C - 1);
    w(NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_LOW, uint32_t(j->src));
    w(NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_HIGH, uint32_t(j->src >> 32));
    w(NVDLA_SDP_RDMA_D_SRC_LINE_STRIDE, W * kAtom);
    w(NVDLA_SDP_RDMA_D_SRC_SURFACE_STRIDE, H * W * kAtom);
    w(NVDLA_SDP_RDMA_D_BRDMA_CFG, 1);
    w(NVDLA_SDP_RDMA_D_NRDMA_CFG, 1);
    w(NVDLA_SDP_RDMA_D_ERDMA_CFG, 1);
    w(NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, 0);
    w(NVDLA_SDP_D_DATA_CUBE_WIDTH, W - 1);
    w(NVDLA_SDP_D_DATA_CUBE_HEIGHT, H - 1);
    w(NVDLA_SDP_D_DATA_CUBE_CHANNEL, C - 1);
    w(NVDLA_SDP_D_DP_BS_CFG, 1);
    w(NVDLA_SDP_D_DP_BN_CFG, 1);
    w(NVDLA_SDP_D_DP_EW_CFG, 1u | (1u << 6));
    w(NVDLA_SDP_D_FEATURE_MODE_CFG, 1u << 1); // offline input, output to PDP
    w(NVDLA_SDP_D_CVT_SCALE, 1);
    w(NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, W - 1);
    w(NVDLA_PDP_D_DATA_CUBE_IN_HEIGHT, H - 1);
    w(NVDLA_PDP_D_DATA_CUBE_IN_CHANNEL, C - 1);
    w(NVDLA_PDP_D_DATA_CUBE_OUT_WIDTH, OW - 1);
    w(NVDLA_PDP_D_DATA_CUBE_OUT_HEIGHT, OH - 1);
    w(NVDLA_PDP_D_DATA_CUBE_OUT_CHANNEL, C - 1);
    w(NVDLA_PDP_D_OPERATION_MODE_CFG, 1u); // MAX, on the fly
    w(NVDLA_PDP_D_POOLING_KERNEL_CFG, 1u | (1u << 8) | (1u << 16) | (1u << 20));
    w(NVDLA_PDP_D_DST_BASE_ADDR_LOW, uint32_t(j->dst));
    w(NVDLA_PDP_D_DST_BASE_ADDR_HIGH, uint32_t(j->dst >> 32));
    w(NVDLA_PDP_D_DST_LINE_STRIDE, OW * kAtom);
    w(NVDLA_PDP_D_DST_SURFACE_STRIDE, OH * OW * kAtom);
    w(NVDLA_PDP_D_OP_ENABLE, 1);
    w(NVDLA_SDP_D_OP_ENABLE, 1);
    w(NVDLA_SDP_RDMA_D_OP_ENABLE, 1);
    uint32_t seen = 0;
    while (!(seen & (1u << 4))) { // PDP done (SDP done, bit 0, comes first)
        dla_ctl_wait_irq(ctl);
        uint32_t s = 0;
        dla_ctl_csb_read(ctl, NVDLA_GLB_S_INTR_STATUS, &s);
        w(NVDLA_GLB_S_INTR_STATUS, s);
        seen |= s;
    }
    j->glb_status_seen = seen;
    return DLA_OK;
}

dla_status poll_forever(dla_controller *ctl, void *)
{
    for (;;) {
        uint32_t s = 0;
        dla_ctl_csb_read(ctl, NVDLA_GLB_S_INTR_STATUS, &s);
        if (s)
            return DLA_OK;
    }
}

struct Clock {
    uint64_t after_write = 0, after_falcon = 0;
    int core = -1;
};

dla_status time_costs(dla_controller *ctl, void *user)
{
    Clock *c = static_cast<Clock *>(user);
    c->core = dla_ctl_core(ctl);
    dla_ctl_csb_write(ctl, NVDLA_GLB_S_INTR_MASK, 0);
    c->after_write = dla_ctl_now_cycles(ctl);
    dla_ctl_spend_falcon_cycles(ctl, 100);
    c->after_falcon = dla_ctl_now_cycles(ctl);
    return DLA_OK;
}

dla_platform *create(const dla_config &cfg)
{
    dla_platform_opts opts{};
    opts.functional = true;
    opts.timeout_cycles = 1000000;
    dla_platform *p = nullptr;
    dla_error err{};
    dla_status st = dla_platform_create(&cfg, &cfg.power_modes[0], &opts, &p, &err);
    EXPECT_EQ(st, DLA_OK) << err.msg;
    return p;
}

} // namespace

TEST(PlatformTest, ControllerRunsOfflinePdpOpThroughCsbAndInterrupt)
{
    dla_config cfg = hwsoc_test::nv_small_like();
    dla_platform *p = create(cfg);
    ASSERT_NE(p, nullptr);
    Job job;
    job.src = dla_platform_dram_base(p) + 0x1000;
    job.dst = dla_platform_dram_base(p) + 0x8000;
    // Input value of (c, y, x) = (c * 7 + y * 13 + x * 5) % 251 - 125, in feature format.
    std::vector<int8_t> img(size_t(C / kAtom) * H * W * kAtom);
    auto val = [](uint32_t c, uint32_t y, uint32_t x) { return int((c * 7 + y * 13 + x * 5) % 251) - 125; };
    for (uint32_t c = 0; c < C; ++c)
        for (uint32_t y = 0; y < H; ++y)
            for (uint32_t x = 0; x < W; ++x)
                img[(c / kAtom) * H * W * kAtom + (y * W + x) * kAtom + c % kAtom] = int8_t(val(c, y, x));
    dla_error err{};
    ASSERT_EQ(dla_platform_mem_write(p, job.src, img.data(), img.size(), &err), DLA_OK) << err.msg;

    int core = 0;
    dla_controller_fn fn = pdp_program;
    void *user = &job;
    ASSERT_EQ(dla_platform_run(p, 1, &core, &fn, &user, &err), DLA_OK) << err.msg;

    EXPECT_EQ(job.glb_status_seen, 1u << 4); // PDP done, group 0
    EXPECT_EQ(job.intr_status_after, 0u);
    EXPECT_EQ(job.pdp_status_after, 0u); // both groups IDLE
    std::vector<int8_t> out(size_t(C / kAtom) * OH * OW * kAtom);
    ASSERT_EQ(dla_platform_mem_read(p, job.dst, out.data(), out.size(), &err), DLA_OK) << err.msg;
    for (uint32_t c = 0; c < C; ++c)
        for (uint32_t oy = 0; oy < OH; ++oy)
            for (uint32_t ox = 0; ox < OW; ++ox) {
                int sum = 0;
                for (uint32_t r = 0; r < 2; ++r)
                    for (uint32_t s = 0; s < 2; ++s)
                        sum += val(c, 2 * oy + r, 2 * ox + s);
                // NVDLA AVG with RECIP 0x8000 (1/2) twice: t = sum * 2^15 >> 16 and t * 2^15 >> 16, each
                // rounding halves away from zero (docs/datapath.md step 6): t = away(sum / 2),
                // want = away(t / 2).
                auto away_half = [](int x) { return x >= 0 ? (x + 1) / 2 : -((-x + 1) / 2); };
                int want = away_half(away_half(sum));
                EXPECT_EQ(out[(c / kAtom) * OH * OW * kAtom + (oy * OW + ox) * kAtom + c % kAtom], want)
                    << "c=" << c << " oy=" << oy << " ox=" << ox;
            }
    EXPECT_GT(dla_platform_total_cycles(p), 0u);
    dla_stat *stats = nullptr;
    size_t n = 0;
    ASSERT_EQ(dla_platform_stats(p, &stats, &n, &err), DLA_OK);
    uint64_t pdp_ops = 0, dram_read = 0;
    for (size_t i = 0; i < n; ++i) {
        if (std::strcmp(stats[i].name, "dla0.pdp.ops") == 0)
            pdp_ops = stats[i].value;
        if (std::strcmp(stats[i].name, "dram.read_bytes") == 0)
            dram_read = stats[i].value;
    }
    std::free(stats);
    EXPECT_EQ(pdp_ops, 1u);
    EXPECT_EQ(dram_read, img.size());
    dla_platform_destroy(p);
}

TEST(PlatformTest, SecondCreateInOneProcessIsRefused)
{
    dla_config cfg = hwsoc_test::nv_small_like();
    dla_platform *p = create(cfg);
    ASSERT_NE(p, nullptr);
    dla_platform *q = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_platform_create(&cfg, &cfg.power_modes[0], nullptr, &q, &err), DLA_ERR_INVALID);
    EXPECT_EQ(q, nullptr);
    EXPECT_NE(std::string(err.msg).find("once per process"), std::string::npos) << err.msg;
    dla_platform_destroy(p);
}

TEST(PlatformTest, WaitingForAnInterruptThatNeverComesTimesOut)
{
    dla_config cfg = hwsoc_test::nv_small_like();
    dla_platform *p = create(cfg);
    ASSERT_NE(p, nullptr);
    int core = 0;
    dla_controller_fn fn = wait_forever;
    void *user = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_platform_run(p, 1, &core, &fn, &user, &err), DLA_ERR_TIMEOUT);
    std::string msg = err.msg;
    EXPECT_NE(msg.find("core 0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("waited for an interrupt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no unit is running or pending"), std::string::npos) << msg;
    EXPECT_EQ(dla_platform_run(p, 1, &core, &fn, &user, &err), DLA_ERR_INVALID); // refuses to go on
    dla_platform_destroy(p);
}

TEST(PlatformTest, HangReportNamesTheStuckUnit)
{
    // PDP offline is enabled but PDP_RDMA never is: PDP waits forever; the report says so.
    dla_config cfg = hwsoc_test::nv_small_like();
    dla_platform *p = create(cfg);
    ASSERT_NE(p, nullptr);
    int core = 0;
    dla_controller_fn fn = enable_pdp_without_rdma;
    void *user = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_platform_run(p, 1, &core, &fn, &user, &err), DLA_ERR_TIMEOUT);
    EXPECT_NE(std::string(err.msg).find("PDP group0 RUNNING"), std::string::npos) << err.msg;
    dla_platform_destroy(p);
}

TEST(PlatformTest, CsbAndFalconCyclesAdvanceControllerTime)
{
    // One CSB write: 4 core cycles. 100 falcon cycles at 500 MHz = 200 ns = 200 core cycles (1 GHz).
    dla_config cfg = hwsoc_test::nv_small_like();
    dla_platform *p = create(cfg);
    ASSERT_NE(p, nullptr);
    Clock c;
    int core = 0;
    dla_controller_fn fn = time_costs;
    void *user = &c;
    dla_error err{};
    ASSERT_EQ(dla_platform_run(p, 1, &core, &fn, &user, &err), DLA_OK) << err.msg;
    EXPECT_EQ(c.core, 0);
    EXPECT_EQ(c.after_write, 4u);
    EXPECT_EQ(c.after_falcon, 204u);
    EXPECT_EQ(dla_platform_total_cycles(p), 204u);
    // Backdoor accesses outside both windows are refused with the window bounds in the message.
    uint8_t b = 0;
    EXPECT_EQ(dla_platform_mem_read(p, 0x1000, &b, 1, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("outside DRAM [0x80000000"), std::string::npos) << err.msg;
    dla_platform_destroy(p);
}

TEST(PlatformTest, SdpStreamsToPdpOnTheFly)
{
    dla_config cfg = hwsoc_test::nv_small_like();
    dla_platform *p = create(cfg);
    ASSERT_NE(p, nullptr);
    Job job;
    job.src = dla_platform_dram_base(p) + 0x1000;
    job.dst = dla_platform_dram_base(p) + 0x8000;
    auto val = [](uint32_t c, uint32_t y, uint32_t x) { return int((c * 11 + y * 29 + x * 3) % 241) - 120; };
    std::vector<int8_t> img(size_t(C / kAtom) * H * W * kAtom);
    for (uint32_t c = 0; c < C; ++c)
        for (uint32_t y = 0; y < H; ++y)
            for (uint32_t x = 0; x < W; ++x)
                img[(c / kAtom) * H * W * kAtom + (y * W + x) * kAtom + c % kAtom] = int8_t(val(c, y, x));
    dla_error err{};
    ASSERT_EQ(dla_platform_mem_write(p, job.src, img.data(), img.size(), &err), DLA_OK) << err.msg;
    int core = 0;
    dla_controller_fn fn = sdp_to_pdp_program;
    void *user = &job;
    ASSERT_EQ(dla_platform_run(p, 1, &core, &fn, &user, &err), DLA_OK) << err.msg;
    EXPECT_EQ(job.glb_status_seen, (1u << 0) | (1u << 4));
    std::vector<int8_t> out(size_t(C / kAtom) * OH * OW * kAtom);
    ASSERT_EQ(dla_platform_mem_read(p, job.dst, out.data(), out.size(), &err), DLA_OK) << err.msg;
    for (uint32_t c = 0; c < C; ++c)
        for (uint32_t oy = 0; oy < OH; ++oy)
            for (uint32_t ox = 0; ox < OW; ++ox) {
                int want = -128;
                for (uint32_t r = 0; r < 2; ++r)
                    for (uint32_t s = 0; s < 2; ++s)
                        want = std::max(want, val(c, 2 * oy + r, 2 * ox + s));
                EXPECT_EQ(out[(c / kAtom) * OH * OW * kAtom + (oy * OW + ox) * kAtom + c % kAtom], want)
                    << "c=" << c << " oy=" << oy << " ox=" << ox;
            }
    dla_platform_destroy(p);
}

TEST(PlatformTest, PollingPastTheCycleLimitTimesOut)
{
    // 1000-cycle limit, 4 cycles per CSB read: the loop never ends before the limit.
    dla_config cfg = hwsoc_test::nv_small_like();
    dla_platform_opts opts{};
    opts.timeout_cycles = 1000;
    dla_platform *p = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_platform_create(&cfg, &cfg.power_modes[0], &opts, &p, &err), DLA_OK) << err.msg;
    int core = 0;
    dla_controller_fn fn = poll_forever;
    void *user = nullptr;
    EXPECT_EQ(dla_platform_run(p, 1, &core, &fn, &user, &err), DLA_ERR_TIMEOUT);
    EXPECT_NE(std::string(err.msg).find("simulated time passed the limit"), std::string::npos) << err.msg;
    EXPECT_EQ(dla_platform_total_cycles(p), 1000u);
    dla_platform_destroy(p);
}
