// The GPU as a client of the shared DRAM (GPU-fallback layers and DLA<->GPU reformats, docs/runtime.md):
// one GPU for the whole SoC, held by one piece of GPU work at a time, whose bytes compete with the DLAs'
// requests for the DRAM's bandwidth server.
//
// Timing rules (the hand-derived tests in tests/unit/runtime rely on them):
// - A work item (duration T from the GPU model, B = read + write bytes) waits for the GPU (holders in
//   arrival order), then, from the time t0 it got it, issues n = ceil(B / R) requests of R =
//   gpu.dram_request_bytes (the last one the remainder); request k is released at t0 + k T / n.
// - A released request bids for the DRAM like one more core (Dram::bid: round-robin with the MCIFs that
//   bid at the same time) and, when it wins, books the DRAM for burst_rounded(bytes) / bw_gpu, bw_gpu =
//   the mode's dram_bandwidth_gbps x efficiency (the rate the GPU model's memory term assumes; the
//   DLAs' background_share is other traffic). A request that loses retries at the edge the DRAM frees up.
// - The work ends at max(t0 + T, end of the last request's booking). Alone on the DRAM, the requests of
//   a work item whose T >= B / bw_gpu (always true of the GPU model's T) never fall behind, so it ends at
//   t0 + T exactly; DLA traffic on the DRAM can stretch it, and its bookings delay the DLAs' requests.
// The client joins the DRAM's arbitration at its first request, so runs without GPU work are unchanged.
#pragma once

#include <cstdint>
#include <systemc>

#include "common/stats.h"
#include "dla/config.h"
#include "memory_system.h"

namespace dlasim::hw {

struct GpuClientParams {
    double bytes_per_ns = 0;    // bw_gpu: dram_bandwidth_gbps x efficiency
    uint32_t request_bytes = 0; // gpu.dram_request_bytes
    static GpuClientParams from_config(const dla_config &cfg, const dla_power_mode &mode);
};

class GpuDramClient {
  public:
    // period: the clock whose edges the DRAM arbitration uses (DLA core 0's).
    GpuDramClient(const GpuClientParams &params, Dram &dram, const sc_core::sc_time &period, StatsRegistry &stats);
    // Call from an SC_THREAD. Returns the time the work got the GPU.
    sc_core::sc_time run(const sc_core::sc_time &duration, uint64_t read_bytes, uint64_t write_bytes);
    const GpuClientParams &params() const { return params_; }

  private:
    uint64_t now_fs() const;
    void wait_until_fs(uint64_t t_fs);
    uint64_t book(uint64_t bytes); // one request: bids until it wins; returns the end of its booking (fs)

    GpuClientParams params_;
    Dram &dram_;
    uint64_t period_fs_ = 0, fs_per_unit_ = 0;
    int core_ = -1;                          // index in the DRAM's arbitration, -1 until the first request
    uint64_t next_ticket_ = 0, serving_ = 0; // arrival order on the GPU
    sc_core::sc_event released_;
    Counter &read_bytes_, &write_bytes_, &busy_ps_, &wait_ps_;
};

} // namespace dlasim::hw
