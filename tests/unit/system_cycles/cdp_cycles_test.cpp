// An LRN on the CDP through the real driver and SystemC platform (orin-agx-64gb MAXN, timing only),
// against cycles derived by hand from the documented rules:
//  M1 memory_system.h / dma_engine.h (see pool_cycles_test.cpp): on Orin MAXN a 64-B request holds the
//     64 B/cycle port one cycle and the DRAM (204.8 x 0.8 GB/s) 0.625 cycle, so a backlogged engine's
//     request n is accepted at cycle n and done 250 ns + 0.625 cycle = 401 cycles later.
//  C1 cdp.h: the read DMA fetches item (y, s) = the W atoms of surface s at row y, in row order; the
//     datapath takes item (y, s) once it and item (y, min(S-1, s + ceil(((window-1)/2) / cps))) have
//     arrived, for ceil(W x cps / core.cdp.throughput) cycles; the item is written
//     core.cdp.latency_cycles later (whole atoms); the op ends when the last write has completed.
//  D  docs/driver.md: layer cycles = CDP end - CDP start (the CDP_RDMA enable edge); bound "memory" if
//     stall_mem > busy, else "compute".
#include <gtest/gtest.h>

#include <cstdio>

#include "assumed_timing.h"
#include "one_op_net.h"
#include "dla/config.h"
#include "dla/driver.h"
#include "dla/loadable.h"
#include "dla/platform.h"

namespace {

// A W x H x 32 INT8 LRN (one 32-channel surface of 32-B atoms) from DRAM to DRAM, with a LUT.
dla_loadable *cdp_net(const dla_config &cfg, uint32_t W, uint32_t H, uint32_t window)
{
    dla_lop op{};
    op.kind = DLA_OP_CDP;
    op.fused_parent = -1;
    dla_lcdp &c = op.u.cdp;
    dla_loadable *l = cycles::one_op_net(cfg, "cdp_cycles", "LRN_0", "lrn", W, H, &c.src, &c.dst);
    c.local_size = window;
    c.in_cvt_scale = c.out_cvt_scale = 1;
    uint32_t idx = 0;
    EXPECT_EQ(dla_loadable_add_op(l, &op, &idx), DLA_OK);
    dla_llut t{};
    t.op = idx;
    t.le_function = 1;
    t.le_index_select = t.lo_index_select = 10;
    t.le_end = 64 << 10;
    t.lo_end = 256 << 10;
    t.uflow_priority = t.hybrid_priority = 1;
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; ++i)
        t.lo[i] = int16_t(16384 - 32 * i);
    EXPECT_EQ(dla_loadable_add_lut(l, &t, nullptr), DLA_OK);
    return l;
}

// Orin MAXN, window 5 on a 16 x 8 x 32 cube: 8 items (rows) of 16 atoms = 512 B = 8 requests each.
//  M1: the 64 read requests are accepted at cycles 0..63; row y's last (8y + 7) is done at 8y + 408.
//  C1: reach = ceil(2 / 32) = 1 surface, but there is one surface: each row needs only itself. A row is
//   16 x 32 / 16 = 32 cycles; row 0 starts at 408 and rows arrive every 8 cycles, faster than the
//   datapath: row y is done at 408 + 32 (y + 1), ready for writing 20 cycles later, 460 + 32 y.
//  M1: its 8 write requests are accepted at 460 + 32 y .. 467 + 32 y (the write port is idle between
//   rows; the reads ended long before, so no DRAM contention). The last row (y = 7): 684 .. 691, the
//   last write done at 691 + 401 = 1092.
//  D: 1092 cycles; busy 8 x 32 = 256 < stall_mem 408 (row 0's wait; later rows never wait): "memory";
//   DRAM 8 x 512 = 4096 B read and written.
TEST(CdpCyclesTest, OrinMaxnLrnWaitsForTheFirstRowThenRunsAtTheDatapathRate)
{
    dla_config *cfg = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_config_load("orin-agx-64gb", nullptr, 0, &cfg, &err), DLA_OK) << err.msg;
    const dla_power_mode *mode = dla_config_power_mode(cfg, "MAXN");
    ASSERT_NE(mode, nullptr);
    ASSERT_EQ(cycles::timing_mismatches(*cfg, *mode, cycles::kOrinMaxn), "");
    ASSERT_EQ(cfg->core.cdp_throughput, 16);
    ASSERT_EQ(cfg->core.cdp_latency_cycles, 20);
    dla_platform_opts popts{};
    dla_platform *p = nullptr;
    ASSERT_EQ(dla_platform_create(cfg, mode, &popts, &p, &err), DLA_OK) << err.msg;
    dla_loadable *l = cdp_net(*cfg, 16, 8, 5);
    ASSERT_EQ(dla_loadable_validate(l, &err), DLA_OK) << err.msg;
    dla_driver *d = nullptr;
    dla_driver_opts dopts{};
    ASSERT_EQ(dla_driver_create(cfg, l, p, &dopts, &d, &err), DLA_OK) << err.msg;
    ASSERT_EQ(dla_driver_run(d, &err), DLA_OK) << err.msg << " / " << dla_driver_errmsg(d);
    size_t n = 0;
    const dla_layer_record *r = dla_driver_layers(d, &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(r[0].cycles, 1092u);
    EXPECT_STREQ(r[0].bound, "memory");
    EXPECT_EQ(r[0].dram_read_bytes, 4096u);
    EXPECT_EQ(r[0].dram_write_bytes, 4096u);
    dla_driver_destroy(d);
    dla_loadable_destroy(l);
    dla_platform_destroy(p);
    dla_config_destroy(cfg);
}

} // namespace
