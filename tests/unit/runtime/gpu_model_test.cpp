// The GPU model of GPU-fallback segments (sw/driver/gpu_model.c) against its formula, by hand.
#include <gtest/gtest.h>

#include <cstring>

#include "dla/driver.h"

namespace {

dla_config gpu_config()
{
    dla_config c;
    std::memset(&c, 0, sizeof c);
    c.gpu.int8_tops = 80.0;
    c.gpu.fp16_tflops = 40.0;
    c.gpu.reference_clock_mhz = 1000.0;
    c.gpu.launch_latency_us = 5.0;
    c.gpu.dla_gpu_sync_us = 50.0;
    c.memory.dram_efficiency = 0.5;
    return c;
}

dla_power_mode half_clock_mode()
{
    dla_power_mode m;
    std::memset(&m, 0, sizeof m);
    m.gpu_clock_mhz = 500.0;       // half the reference clock: half the throughput
    m.dram_bandwidth_gbps = 100.0; // 100e9 B/s x 0.5 efficiency = 50e9 B/s sustained
    m.falcon_clock_mhz = 500.0;
    return m;
}

} // namespace

TEST(GpuModelTest, ComputeBoundLayerTakesLaunchPlusMacsAtTheScaledPeak)
{
    dla_config c = gpu_config();
    dla_power_mode m = half_clock_mode();
    dla_lgpu_layer y;
    std::memset(&y, 0, sizeof y);
    y.precision = DLA_PRECISION_FP16;
    y.macs = 1000000000ull; // 2e9 ops at 40e12 x 500/1000 = 20e12 ops/s: 100 us
    y.read_bytes = 1000000; // 2e6 B at 50e9 B/s: 40 us
    y.write_bytes = 1000000;
    const char *bound = nullptr;
    // 5 us launch + max(100 us, 40 us) = 105 us
    EXPECT_NEAR(dla_gpu_layer_ns(&c, &m, &y, &bound), 105000.0, 1e-6);
    EXPECT_STREQ(bound, "compute");
}

TEST(GpuModelTest, MemoryBoundInt8LayerTakesLaunchPlusBytesAtSustainedBandwidth)
{
    dla_config c = gpu_config();
    dla_power_mode m = half_clock_mode();
    dla_lgpu_layer y;
    std::memset(&y, 0, sizeof y);
    y.precision = DLA_PRECISION_INT8;
    y.macs = 1000000;       // 2e6 ops at 40e12 ops/s: 0.05 us
    y.read_bytes = 4000000; // 5e6 B at 50e9 B/s: 100 us
    y.write_bytes = 1000000;
    const char *bound = nullptr;
    EXPECT_NEAR(dla_gpu_layer_ns(&c, &m, &y, &bound), 105000.0, 1e-6);
    EXPECT_STREQ(bound, "memory");
}

TEST(GpuModelTest, BoundaryCostsSyncPlusReadAndWriteOfTheTensor)
{
    dla_config c = gpu_config();
    dla_power_mode m = half_clock_mode();
    // 50 us sync + 2 x 1e6 B / 50e9 B/s = 50 + 40 us
    EXPECT_NEAR(dla_gpu_boundary_ns(&c, &m, 1000000), 90000.0, 1e-6);
    EXPECT_NEAR(dla_gpu_boundary_ns(&c, &m, 0), 50000.0, 1e-6);
}
