/* The GPU model of GPU-fallback segments (docs/runtime.md): a per-layer roofline from the GPU's
 * throughput at the power mode's GPU clock and the DRAM bandwidth, plus the kernel launch latency;
 * every DLA<->GPU boundary costs a synchronisation and a reformat of the tensors crossing it. */
#include <math.h>
#include <string.h>

#include "dla/driver.h"

/* Peak operations per second of the GPU at this mode (2 ops per MAC). FP32 runs at half the FP16
 * rate (assumed: Ampere's FP32 CUDA-core rate is well below its tensor-core FP16 rate). */
static double peak_ops_per_s(const dla_config *cfg, const dla_power_mode *mode, uint32_t precision)
{
    double clk = mode->gpu_clock_mhz > 0 ? mode->gpu_clock_mhz : cfg->gpu.reference_clock_mhz;
    double scale = cfg->gpu.reference_clock_mhz > 0 ? clk / cfg->gpu.reference_clock_mhz : 1.0;
    double tera = precision == DLA_PRECISION_INT8   ? cfg->gpu.int8_tops
                  : precision == DLA_PRECISION_FP16 ? cfg->gpu.fp16_tflops
                                                    : cfg->gpu.fp16_tflops / 2.0;
    return tera * 1e12 * scale;
}

/* Sustained DRAM bytes per second the GPU sees (it shares the SoC DRAM with the DLAs). */
static double dram_bytes_per_s(const dla_config *cfg, const dla_power_mode *mode)
{
    return mode->dram_bandwidth_gbps * 1e9 * cfg->memory.dram_efficiency;
}

bool dla_gpu_model_available(const dla_config *cfg)
{
    return cfg->gpu.int8_tops > 0 && cfg->gpu.fp16_tflops > 0 && cfg->gpu.reference_clock_mhz > 0;
}

double dla_gpu_layer_ns(const dla_config *cfg, const dla_power_mode *mode, const dla_lgpu_layer *y, const char **bound)
{
    double peak = peak_ops_per_s(cfg, mode, y->precision), bw = dram_bytes_per_s(cfg, mode);
    double compute_ns = peak > 0 ? 2.0 * (double)y->macs / peak * 1e9 : 0.0;
    double memory_ns = bw > 0 ? (double)(y->read_bytes + y->write_bytes) / bw * 1e9 : 0.0;
    double launch_ns = cfg->gpu.launch_latency_us * 1e3;
    if (bound)
        *bound = launch_ns >= compute_ns && launch_ns >= memory_ns ? "overhead"
                 : compute_ns >= memory_ns                         ? "compute"
                                                                   : "memory";
    return launch_ns + fmax(compute_ns, memory_ns);
}

double dla_gpu_boundary_ns(const dla_config *cfg, const dla_power_mode *mode, uint64_t bytes)
{
    double bw = dram_bytes_per_s(cfg, mode);
    /* The reformat reads the tensor in one layout and writes it in the other. */
    return cfg->gpu.dla_gpu_sync_us * 1e3 + (bw > 0 ? 2.0 * (double)bytes / bw * 1e9 : 0.0);
}
