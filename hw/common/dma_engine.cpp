// DMA engine (see dma_engine.h).
#include "dma_engine.h"

#include <algorithm>
#include <stdexcept>

namespace dlasim::hw {

DmaEngine::DmaEngine(const std::string &stats_prefix, MemoryPort &port, const CoreClock &clock, const DmaParams &params,
                     StatsRegistry &stats)
    : port_(port), clock_(clock), params_(params),
      read_bytes_(stats.declare(stats_prefix + ".dram_read_bytes", "bytes", "bytes read from memory")),
      write_bytes_(stats.declare(stats_prefix + ".dram_write_bytes", "bytes", "bytes written to memory")),
      onchip_read_bytes_(
          stats.declare(stats_prefix + ".onchip_read_bytes", "bytes", "bytes read from the core's on-chip SRAM")),
      onchip_write_bytes_(
          stats.declare(stats_prefix + ".onchip_write_bytes", "bytes", "bytes written to the core's on-chip SRAM")),
      requests_(stats.declare(stats_prefix + ".requests", "requests", "memory requests issued")),
      stall_cycles_(
          stats.declare(stats_prefix + ".stall_cycles", "cycles", "cycles blocked on outstanding limit or interface"))
{
    if (params_.request_bytes == 0 || params_.max_outstanding == 0)
        throw std::invalid_argument(stats_prefix + ": request_bytes and max_outstanding must be positive");
}

sc_core::sc_time DmaEngine::read(uint64_t addr, uint64_t bytes, void *dst)
{
    return transfer(false, addr, bytes, static_cast<uint8_t *>(dst));
}

sc_core::sc_time DmaEngine::write(uint64_t addr, uint64_t bytes, const void *src)
{
    // The memory port never modifies write data; the cast only shares the transfer loop.
    return transfer(true, addr, bytes, const_cast<uint8_t *>(static_cast<const uint8_t *>(src)));
}

sc_core::sc_time DmaEngine::transfer(bool write, uint64_t addr, uint64_t bytes, uint8_t *data)
{
    uint64_t done = 0;
    while (done < bytes) {
        // Requests do not cross a request_bytes boundary, like aligned AXI bursts.
        uint64_t a = addr + done;
        uint64_t room = params_.request_bytes - (a % params_.request_bytes);
        uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(room, bytes - done));
        sc_core::sc_time t0 = sc_core::sc_time_stamp();
        while (!in_flight_.empty() && in_flight_.front() <= sc_core::sc_time_stamp())
            in_flight_.pop_front();
        if (in_flight_.size() >= params_.max_outstanding) {
            clock_.wait_until(in_flight_.front());
            in_flight_.pop_front();
        }
        MemAccess req;
        req.addr = a;
        req.bytes = n;
        req.write = write;
        req.client = params_.client;
        sc_core::sc_time t = port_.access(req, data ? data + done : nullptr);
        uint64_t stalled = clock_.to_cycles(sc_core::sc_time_stamp() - t0);
        stall_cycles_ += stalled;
        op_stall_cycles_ += stalled;
        in_flight_.push_back(t);
        last_done_ = std::max(last_done_, t);
        requests_ += 1;
        if (port_.on_chip(a, n)) {
            (write ? onchip_write_bytes_ : onchip_read_bytes_) += n;
        } else if (write) {
            write_bytes_ += n;
            op_write_bytes_ += n;
        } else {
            read_bytes_ += n;
            op_read_bytes_ += n;
        }
        done += n;
    }
    return last_done_;
}

uint64_t DmaEngine::drain()
{
    uint64_t n = clock_.cycles_until(last_done_);
    clock_.wait_until(last_done_);
    in_flight_.clear();
    return n;
}

void DmaEngine::reset_op_counters()
{
    op_read_bytes_ = 0;
    op_write_bytes_ = 0;
    op_stall_cycles_ = 0;
}

} // namespace dlasim::hw
