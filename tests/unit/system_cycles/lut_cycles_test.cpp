// The cost of loading the SDP lookup table, through the real driver and SystemC platform: NVDLA
// firmware writes the LUT over CSB each time it programs an op that uses it (docs/driver.md).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "dla/config.h"
#include "dla/driver.h"
#include "dla/loadable.h"
#include "dla/platform.h"
#include "one_op_net.h"

namespace {

// An offline SDP on a 16 x 8 x 32 INT8 cube (one surface of 32 B atoms), all stages bypassed; with
// the LUT when lut is set.
dla_loadable *sdp_net(const dla_config &cfg, bool lut)
{
    const uint32_t W = 16, H = 8;
    dla_lop op{};
    op.kind = DLA_OP_SDP;
    op.fused_parent = -1;
    dla_lsdp &s = op.u.sdp;
    dla_loadable *l = cycles::one_op_net(cfg, "lut_cycles", "Sigmoid_0", "sigmoid", W, H, &s.src, &s.dst);
    s.in_precision = s.out_precision = DLA_PRECISION_INT8;
    s.bs.operand_region = s.bn.operand_region = -1;
    s.out_cvt_scale = 1;
    uint32_t idx = 0;
    EXPECT_EQ(dla_loadable_add_op(l, &op, &idx), DLA_OK);
    if (lut) {
        dla_llut t{};
        t.op = idx;
        t.le_function = 1;
        t.le_end = t.lo_end = 1 << 20;
        for (int i = 0; i < DLA_LUT_LO_ENTRIES; ++i)
            t.lo[i] = int16_t(i);
        EXPECT_EQ(dla_loadable_add_lut(l, &t, nullptr), DLA_OK);
    }
    return l;
}

// Orin MAXN: a register write costs the controller 20 falcon cycles at 844.8 MHz (23674.24 ps), then
// the CSB access of 4 core cycles (2500 ps at 1600 MHz), which completes on the next core clock edge.
// Each write starts on an edge (the previous one ended there), so it takes ceil((23674.24 + 2500) /
// 625) = ceil(41.88) = 42 core cycles. Loading the LUT adds 334 writes between the op's registers and
// its enable: the op starts 334 * 42 = 14028 cycles later. Runs A, A, B, B on one platform (layer
// cycles count from the platform's start, so each run's start is taken from the previous run's end):
// the second A and the second B both run in register group 1 after a run of the same op in group 0,
// so everything between the two but the LUT is the same.
TEST(LutCyclesTest, OrinMaxnLutLoadingDelaysTheOpBy334WritesOf42Cycles)
{
    dla_config *cfg = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_config_load("orin-agx-64gb", nullptr, 0, &cfg, &err), DLA_OK) << err.msg;
    const dla_power_mode *mode = dla_config_power_mode(cfg, "MAXN");
    ASSERT_NE(mode, nullptr);
    ASSERT_EQ(mode->dla_clock_mhz, 1600.0);
    ASSERT_EQ(mode->falcon_clock_mhz, 844.8);
    ASSERT_EQ(cfg->core.falcon_cycles_per_reg_write, 20);
    ASSERT_EQ(cfg->core.csb_write_cycles, 4);
    dla_platform_opts popts{};
    dla_platform *p = nullptr;
    ASSERT_EQ(dla_platform_create(cfg, mode, &popts, &p, &err), DLA_OK) << err.msg;
    dla_loadable *a = sdp_net(*cfg, false), *b = sdp_net(*cfg, true);
    uint64_t start[4] = {}, end[4] = {};
    for (int i = 0; i < 4; ++i) {
        dla_driver *d = nullptr;
        dla_driver_opts dopts{};
        ASSERT_EQ(dla_driver_create(cfg, i < 2 ? a : b, p, &dopts, &d, &err), DLA_OK) << err.msg;
        ASSERT_EQ(dla_driver_run(d, &err), DLA_OK) << err.msg << " / " << dla_driver_errmsg(d);
        size_t n = 0;
        const dla_layer_record *r = dla_driver_layers(d, &n);
        ASSERT_EQ(n, 1u);
        start[i] = r[0].start_cycle;
        end[i] = r[0].end_cycle;
        dla_driver_destroy(d);
    }
    EXPECT_EQ((start[3] - end[2]) - (start[1] - end[0]), 334u * 42u)
        << "run gaps " << start[1] - end[0] << " (A) and " << start[3] - end[2] << " (B)";
    dla_loadable_destroy(a);
    dla_loadable_destroy(b);
    dla_platform_destroy(p);
    dla_config_destroy(cfg);
}

} // namespace
