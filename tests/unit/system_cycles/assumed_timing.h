// The preset values the hand derivations in this suite rely on. Each test checks them first, so a
// changed preset fails with the name of the value instead of an unexplained cycle count.
#pragma once

#include <cmath>
#include <sstream>
#include <string>

#include "dla/config.h"

namespace cycles {

struct AssumedTiming {
    double dla_clock_mhz, dram_bandwidth_gbps, dram_efficiency, dram_background_share, dram_latency_ns;
    int dram_burst_bytes, dma_read_bytes_per_cycle, dma_write_bytes_per_cycle, dma_request_bytes, dma_max_outstanding;
    int atomic_c, atomic_k, memory_atomic_bytes, cbuf_read_latency_cycles, cbuf_write_latency_cycles;
    int csc_latency_cycles, csc_weight_load_cycles, csc_stripe_min, csc_stripe_max, cmac_latency_cycles;
    int cacc_latency_cycles, cacc_delivery_stripes, sdp_bs_throughput, sdp_latency_cycles;
    int pdp_throughput, pdp_line_buffer_bytes, pdp_latency_cycles;
};

// Values in the order of the struct's lines above (one source line per struct line).
// clang-format off
// configs/nv_small.json, mode NOMINAL (csc stripe/weight-load values are the schema defaults
// atomic_k, 2*atomic_k-1, atomic_k).
constexpr AssumedTiming kNvSmall{1000.0, 1.0, 1.0, 0.0, 64.0,
                                 8, 8, 8, 8, 256,
                                 8, 8, 8, 6, 3,
                                 4, 8, 8, 15, 9,
                                 11, 2, 1, 16,
                                 1, 7168, 8};
// configs/orin-agx-64gb.json, mode MAXN.
constexpr AssumedTiming kOrinMaxn{1600.0, 204.8, 0.8, 0.0, 250.0,
                                  64, 64, 64, 64, 256,
                                  64, 128, 32, 6, 3,
                                  4, 128, 128, 255, 9,
                                  11, 2, 32, 16,
                                  16, 14336, 8};
// configs/orin-agx-64gb.json, mode 15W: as MAXN but 614.4 MHz and 136.5 GB/s.
constexpr AssumedTiming kOrin15W{614.4, 136.5, 0.8, 0.0, 250.0,
                                 64, 64, 64, 64, 256,
                                 64, 128, 32, 6, 3,
                                 4, 128, 128, 255, 9,
                                 11, 2, 32, 16,
                                 16, 14336, 8};
// clang-format on

// "" when the config and mode hold exactly these values, else one line per difference.
inline std::string timing_mismatches(const dla_config &cfg, const dla_power_mode &mode, const AssumedTiming &a)
{
    std::ostringstream os;
    auto num = [&](const char *name, double have, double want) {
        if (std::fabs(have - want) > 1e-9 * std::fabs(want))
            os << name << " = " << have << ", the derivation assumes " << want << "\n";
    };
    const dla_core_params &k = cfg.core;
    num("mode.dla_clock_mhz", mode.dla_clock_mhz, a.dla_clock_mhz);
    num("mode.dram_bandwidth_gbps", mode.dram_bandwidth_gbps, a.dram_bandwidth_gbps);
    num("memory.dram.efficiency", cfg.memory.dram_efficiency, a.dram_efficiency);
    num("memory.dram.background_share", cfg.memory.dram_background_share, a.dram_background_share);
    num("memory.dram.latency_ns", cfg.memory.dram_latency_ns, a.dram_latency_ns);
    num("memory.dram.burst_bytes", cfg.memory.dram_burst_bytes, a.dram_burst_bytes);
    num("core.dma.read_bytes_per_cycle", k.dma_read_bytes_per_cycle, a.dma_read_bytes_per_cycle);
    num("core.dma.write_bytes_per_cycle", k.dma_write_bytes_per_cycle, a.dma_write_bytes_per_cycle);
    num("core.dma.request_bytes", k.dma_request_bytes, a.dma_request_bytes);
    num("core.dma.max_outstanding", k.dma_max_outstanding, a.dma_max_outstanding);
    num("core.atomic_c", k.atomic_c, a.atomic_c);
    num("core.atomic_k", k.atomic_k, a.atomic_k);
    num("core.memory_atomic_bytes", k.memory_atomic_bytes, a.memory_atomic_bytes);
    num("core.cbuf.read_latency_cycles", k.cbuf_read_latency_cycles, a.cbuf_read_latency_cycles);
    num("core.cbuf.write_latency_cycles", k.cbuf_write_latency_cycles, a.cbuf_write_latency_cycles);
    num("core.csc.latency_cycles", k.csc_latency_cycles, a.csc_latency_cycles);
    num("core.csc.weight_load_cycles", k.csc_weight_load_cycles, a.csc_weight_load_cycles);
    num("core.csc.stripe_min", k.csc_stripe_min, a.csc_stripe_min);
    num("core.csc.stripe_max", k.csc_stripe_max, a.csc_stripe_max);
    num("core.cmac.latency_cycles", k.cmac_latency_cycles, a.cmac_latency_cycles);
    num("core.cacc.latency_cycles", k.cacc_latency_cycles, a.cacc_latency_cycles);
    num("core.cacc.delivery_stripes", k.cacc_delivery_stripes, a.cacc_delivery_stripes);
    num("core.sdp.bs_throughput", k.sdp_bs_throughput, a.sdp_bs_throughput);
    num("core.sdp.latency_cycles", k.sdp_latency_cycles, a.sdp_latency_cycles);
    num("core.pdp.throughput", k.pdp_throughput, a.pdp_throughput);
    num("core.pdp.line_buffer_bytes", k.pdp_line_buffer_bytes, a.pdp_line_buffer_bytes);
    num("core.pdp.latency_cycles", k.pdp_latency_cycles, a.pdp_latency_cycles);
    return os.str();
}

} // namespace cycles
