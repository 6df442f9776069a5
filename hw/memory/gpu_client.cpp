// The GPU's DRAM client and the GPU's occupancy (rules in gpu_client.h).
#include "gpu_client.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dlasim::hw {

GpuClientParams GpuClientParams::from_config(const dla_config &cfg, const dla_power_mode &mode)
{
    GpuClientParams p;
    const double efficiency = mode.dram_efficiency > 0 ? mode.dram_efficiency : cfg.memory.dram_efficiency;
    p.bytes_per_ns = mode.dram_bandwidth_gbps * efficiency;
    p.request_bytes = cfg.gpu.dram_request_bytes > 0 ? static_cast<uint32_t>(cfg.gpu.dram_request_bytes) : 0;
    return p;
}

GpuDramClient::GpuDramClient(const GpuClientParams &params, Dram &dram, const sc_core::sc_time &period,
                             StatsRegistry &stats)
    : params_(params), dram_(dram),
      read_bytes_(stats.declare("gpu.dram_read_bytes", "bytes",
                                "DRAM bytes read by GPU-fallback layers and reformats (GPU model)")),
      write_bytes_(stats.declare("gpu.dram_write_bytes", "bytes",
                                 "DRAM bytes written by GPU-fallback layers and reformats (GPU model)")),
      busy_ps_(stats.declare("gpu.busy_ps", "ps", "time the GPU held GPU-fallback work")),
      wait_ps_(stats.declare("gpu.wait_ps", "ps", "time GPU work waited for the GPU (held by another core's work)"))
{
    fs_per_unit_ = static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e15));
    period_fs_ = period.value() * fs_per_unit_;
    if (fs_per_unit_ == 0 || period_fs_ == 0)
        throw std::invalid_argument("GPU client: clock period and time resolution must be positive");
    if (!(params_.bytes_per_ns > 0))
        throw std::invalid_argument("GPU client: DRAM bandwidth x efficiency must be positive");
}

uint64_t GpuDramClient::now_fs() const
{
    return sc_core::sc_time_stamp().value() * fs_per_unit_;
}

void GpuDramClient::wait_until_fs(uint64_t t_fs)
{
    const uint64_t now = now_fs();
    if (t_fs > now) // rounded up to the SystemC resolution
        sc_core::wait(sc_core::sc_time::from_value((t_fs - now + fs_per_unit_ - 1) / fs_per_unit_));
}

uint64_t GpuDramClient::book(uint64_t bytes)
{
    if (core_ < 0)
        core_ = dram_.attach();
    const uint64_t occupancy =
        static_cast<uint64_t>(std::llround(double(dram_.burst_rounded(bytes)) / params_.bytes_per_ns * 1e6));
    for (;;) {
        DramBid b;
        b.core = core_;
        b.edge_fs = now_fs();
        b.period_fs = period_fs_;
        b.occupancy_fs = occupancy;
        if (dram_.bid(b))
            return b.end_fs;
        // Lost: the DRAM frees up within the cycle starting at its ready edge; retry then (at least one
        // resolution step later, so the loop always advances).
        wait_until_fs(std::max(dram_.server_.ready_edge(period_fs_), b.edge_fs + fs_per_unit_));
    }
}

sc_core::sc_time GpuDramClient::run(const sc_core::sc_time &duration, uint64_t read_bytes, uint64_t write_bytes)
{
    const uint64_t ticket = next_ticket_++;
    const uint64_t arrived = now_fs();
    while (serving_ != ticket)
        sc_core::wait(released_);
    const uint64_t t0 = now_fs();
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const uint64_t total = read_bytes + write_bytes, window = duration.value() * fs_per_unit_;
    uint64_t end = t0 + window;
    if (total > 0 && params_.request_bytes == 0)
        throw std::invalid_argument("GPU client: gpu.dram_request_bytes must be positive to issue GPU traffic");
    const uint64_t n = total ? (total + params_.request_bytes - 1) / params_.request_bytes : 0;
    for (uint64_t k = 0; k < n; ++k) {
        // Release k at t0 + k T / n (exact in 128 bits, rounded down to a femtosecond).
        wait_until_fs(t0 + static_cast<uint64_t>((unsigned __int128)window * k / n));
        const uint64_t first = k * params_.request_bytes;
        const uint64_t bytes = std::min<uint64_t>(params_.request_bytes, total - first);
        end = std::max(end, book(bytes));
        // Reads first, then writes: split this request's bytes at the read/write boundary.
        const uint64_t rd = first < read_bytes ? std::min(bytes, read_bytes - first) : 0;
        read_bytes_ += rd;
        write_bytes_ += bytes - rd;
    }
    wait_until_fs(end);
    busy_ps_ += (now_fs() - t0) / 1000;
    wait_ps_ += (t0 - arrived) / 1000;
    ++serving_;
    released_.notify(sc_core::SC_ZERO_TIME);
    return start;
}

} // namespace dlasim::hw
