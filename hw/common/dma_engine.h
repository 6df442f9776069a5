// A DMA engine: splits transfers into memory requests of the configured size, keeps up to
// max_outstanding of them in flight on a MemoryPort, and counts bytes and stall cycles.
// Shared by CDMA, the SDP/PDP/CDP read DMAs and the write DMAs (never a copy per unit).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <systemc>

#include "clock.h"
#include "interfaces.h"
#include "stats.h"

namespace dlasim::hw {

struct DmaParams {
    uint32_t request_bytes = 64;   // one memory request
    uint32_t max_outstanding = 32; // requests in flight
    int client = 0;                // MCIF client id
};

class DmaEngine {
  public:
    // stats_prefix: e.g. "dla0.cdma.dat"; declares <prefix>.dram_read_bytes/.dram_write_bytes/.requests/.stall_cycles
    // and <prefix>.onchip_read_bytes/.onchip_write_bytes (requests to the core's SRAM: MemoryPort::on_chip)
    DmaEngine(const std::string &stats_prefix, MemoryPort &port, const CoreClock &clock, const DmaParams &params,
              StatsRegistry &stats);

    // Issue a read of [addr, addr+bytes) (call from an SC_THREAD); dst may be null (timing only).
    // Returns the time when all of its data has arrived. Blocks only while the outstanding limit
    // or the memory interface holds it back (that time is counted as stall).
    sc_core::sc_time read(uint64_t addr, uint64_t bytes, void *dst);
    // Same for a write; src may be null.
    sc_core::sc_time write(uint64_t addr, uint64_t bytes, const void *src);
    // Wait until every issued request has completed; returns cycles waited.
    uint64_t drain();

    // Per-op counters (reset by the unit at op start); bytes are DRAM bytes (SRAM ones are not counted).
    void reset_op_counters();
    uint64_t op_read_bytes() const { return op_read_bytes_; }
    uint64_t op_write_bytes() const { return op_write_bytes_; }
    uint64_t op_stall_cycles() const { return op_stall_cycles_; }

  private:
    sc_core::sc_time transfer(bool write, uint64_t addr, uint64_t bytes, uint8_t *data);

    MemoryPort &port_;
    const CoreClock &clock_;
    DmaParams params_;
    std::deque<sc_core::sc_time> in_flight_; // completion times, in issue order
    sc_core::sc_time last_done_ = sc_core::SC_ZERO_TIME;
    Counter &read_bytes_;
    Counter &write_bytes_;
    Counter &onchip_read_bytes_;
    Counter &onchip_write_bytes_;
    Counter &requests_;
    Counter &stall_cycles_;
    uint64_t op_read_bytes_ = 0, op_write_bytes_ = 0, op_stall_cycles_ = 0;
};

} // namespace dlasim::hw
