// Hand-filled hardware descriptions for the SDP, PDP and platform benches (no JSON loader involved), so every
// expected cycle count below can be derived from the numbers written here.
#pragma once

#include <cstring>

#include "dla/config.h"

namespace hwsoc_test {

// nv_small-like: 8-byte atoms, SDP/PDP 1 element/cycle, 8 B/cycle memory port, 1 GHz.
inline dla_config nv_small_like()
{
    dla_config c{};
    c.version = 1;
    std::strcpy(c.name, "nv_small_like");
    std::strcpy(c.path, "test:nv_small_like");
    c.num_cores = 1;
    dla_core_params &k = c.core;
    k.atomic_c = 8;
    k.atomic_k = 8;
    k.memory_atomic_bytes = 8;
    k.cbuf_banks = 32;
    k.cbuf_entries_per_bank = 512;
    k.cbuf_entry_bytes = 8;
    k.csc_stripe_min = 8;
    k.csc_stripe_max = 15;
    k.cacc_delivery_stripes = 2;
    k.sdp_bs_throughput = 1;
    k.sdp_bn_throughput = 1;
    k.sdp_ew_throughput = 1;
    k.sdp_latency_cycles = 6;
    k.pdp_throughput = 1;
    k.pdp_line_buffer_bytes = 1024;
    k.pdp_latency_cycles = 10;
    k.cdp_throughput = 1;
    k.dma_read_bytes_per_cycle = 8;
    k.dma_write_bytes_per_cycle = 8;
    k.dma_max_outstanding = 8;
    k.dma_request_bytes = 64;
    k.csb_write_cycles = 4;
    k.irq_latency_cycles = 3;
    k.features.int8 = true;
    k.features.pdp = true;
    k.features.sdp_ew = true;
    c.memory.dram_latency_ns = 50;
    c.memory.dram_burst_bytes = 32;
    c.memory.dram_efficiency = 1.0;
    c.num_power_modes = 1;
    dla_power_mode &m = c.power_modes[0];
    std::strcpy(m.name, "test");
    m.dla_clock_mhz = 1000;
    m.falcon_clock_mhz = 500;
    m.emc_clock_mhz = 1000;
    m.dram_bandwidth_gbps = 1000; // effectively unlimited: the 8 B/cycle port binds
    return c;
}

// Orin-like: 32-byte atoms, PDP 8 elements/cycle, 64 B/cycle port, 1250 MHz (800 ps), DRAM
// 204.8 GB/s x 0.8 efficiency, 200 ns latency, 512-byte PDP line buffer.
inline dla_config orin_like()
{
    dla_config c = nv_small_like();
    std::strcpy(c.name, "orin_like");
    std::strcpy(c.path, "test:orin_like");
    dla_core_params &k = c.core;
    k.atomic_c = 64;
    k.atomic_k = 32;
    k.memory_atomic_bytes = 32;
    k.sdp_bs_throughput = 16;
    k.sdp_bn_throughput = 16;
    k.sdp_ew_throughput = 4;
    k.pdp_throughput = 8;
    k.pdp_line_buffer_bytes = 512;
    k.pdp_latency_cycles = 8;
    k.dma_read_bytes_per_cycle = 64;
    k.dma_write_bytes_per_cycle = 64;
    k.dma_max_outstanding = 256;
    k.dma_request_bytes = 64;
    c.memory.dram_latency_ns = 200;
    c.memory.dram_burst_bytes = 64;
    c.memory.dram_efficiency = 0.8;
    c.power_modes[0].dla_clock_mhz = 1250;
    c.power_modes[0].dram_bandwidth_gbps = 204.8;
    return c;
}

} // namespace hwsoc_test
