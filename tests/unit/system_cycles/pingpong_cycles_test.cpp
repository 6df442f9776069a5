// NVDLA's two register groups per unit, through the real driver and platform: the controller programs
// the next layer into the idle group while the current layer runs (docs/driver.md), so consecutive
// layers are separated by less than the time it takes to program one.
#include <gtest/gtest.h>

#include "assumed_timing.h"
#include "cycles_rig.h"

using cycles::CyclesRig;
using cycles::PoolLayerSpec;

namespace {

// Two independent copies of PoolCyclesTest's Orin MAXN max-pool (1856 cycles each, derived there).
//  Layer 0 starts (its PDP_RDMA enable edge) once the controller has programmed it from idle: start0
//  cycles of programming, the cost of one layer's register writes and bookkeeping at the falcon clock.
//  With one register group the controller could write layer 1's registers only after layer 0 completed,
//  so layer 1 would start at least start0 cycles after end0. With two, it programs layer 1 into group 1
//  from start0 on, while layer 0 runs, and enables it when done: start1 - end0 < start0.
//  Each layer's own cycles are the single-layer 1856: the two never run at the same time (the PDP takes
//  group 1 only after group 0), so neither slows the other.
TEST(PingPongCyclesTest, NextLayerIsProgrammedWhileTheCurrentOneRuns)
{
    CyclesRig rig("orin-agx-64gb", "MAXN");
    ASSERT_EQ(rig.error(), "");
    ASSERT_EQ(cycles::timing_mismatches(rig.config(), rig.mode(), cycles::kOrinMaxn), "");
    PoolLayerSpec s;
    s.w = 32;
    s.h = 16;
    s.c = 32;
    s.method = DLA_POOL_MAX;
    s.kernel_w = s.kernel_h = 2;
    s.stride_x = s.stride_y = 2;
    rig.add_pool_layer(s);
    rig.add_pool_layer(s);
    size_t n = 0;
    const dla_layer_record *r = rig.run_layers(&n);
    ASSERT_NE(r, nullptr) << rig.error();
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(r[0].cycles, 1856u);
    EXPECT_EQ(r[1].cycles, 1856u);
    ASSERT_GT(r[0].start_cycle, 0u);
    EXPECT_LT(r[1].start_cycle - r[0].end_cycle, r[0].start_cycle)
        << "layer 1 started " << r[1].start_cycle - r[0].end_cycle << " cycles after layer 0 ended; programming one "
        << "layer from idle took " << r[0].start_cycle;
}

} // namespace
