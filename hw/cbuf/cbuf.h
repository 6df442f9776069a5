// The convolution buffer: banks x entries x entry_bytes, split per layer (D_BANK) into a data ring
// (banks [0, data_banks)) and a weight ring (the banks after it). It keeps the rings' occupancy
// (what CDMA reserved and wrote, when it arrives, what CSC released) and, in functional mode, the
// bytes, so a wrong fetch, wrap or release shows up as wrong numbers.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <vector>

#include "common/clock.h"
#include "common/stats.h"
#include "conv/conv_layer.h"
#include "dla/config.h"

namespace dlasim::hw {

struct CbufParams {
    uint32_t banks = 0;
    uint32_t entries_per_bank = 0;
    uint32_t entry_bytes = 0;
    uint32_t read_latency_cycles = 0;
    uint32_t write_latency_cycles = 0;
    static CbufParams from_config(const dla_core_params &core);
};

// A count that grows at given (non-decreasing) future times: CDMA adds what is in flight with
// its arrival time; CSC reads what has arrived by now, or waits for the next arrival.
class TimedCounter {
  public:
    explicit TimedCounter(const CoreClock &clock) : clock_(clock) {}
    void reset(uint64_t value);
    void add_at(uint64_t amount, const sc_core::sc_time &when);
    uint64_t value();
    // Wait (SC_THREAD) until the value may have changed: the next arrival, or a new add_at.
    void wait_change();

  private:
    const CoreClock &clock_;
    uint64_t value_ = 0;
    std::deque<std::pair<sc_core::sc_time, uint64_t>> pending_;
    sc_core::sc_event added_;
};

class Cbuf {
  public:
    Cbuf(const CbufParams &params, bool functional, const CoreClock &clock, StatsRegistry &stats,
         const std::string &stats_prefix);

    const CbufParams &params() const { return p_; }

    // Layer ownership. CDMA calls begin_layer (blocks until the CSC has ended the previous layer,
    // then lays out the rings; keeps the previous contents if the layer reuses them); the CSC
    // waits for it, reads, and calls end_layer once it no longer reads the CBUF.
    void begin_layer(const ConvLayer &layer);
    void wait_layer_begun(uint64_t seq);
    void end_layer();
    bool data_reused() const { return data_reused_; }
    bool weights_reused() const { return weights_reused_; }

    // Data ring, in slices of the current layer (slice i = input row i).
    void wait_data_space(uint64_t slices);                                                // CDMA; reserves them
    void write_data(uint64_t slice, uint64_t offset, const uint8_t *src, uint64_t bytes); // src may be null
    void data_arrive(uint64_t slices, const sc_core::sc_time &when);                      // available at `when`
    uint64_t data_available() { return data_avail_.value(); }
    void wait_data_change() { data_avail_.wait_change(); }
    void read_data(uint64_t slice, uint8_t *dst, uint64_t bytes) const; // functional
    void release_data(uint64_t slices);

    // Weight ring, in kernel groups (entry-aligned).
    void wait_weight_space(uint64_t bytes);                                 // CDMA; reserves them
    void write_weights(uint32_t group, const uint8_t *src, uint64_t bytes); // src may be null
    void weights_arrive(const sc_core::sc_time &when);                      // next group available at `when`
    uint64_t weight_groups_available() { return weight_avail_.value(); }
    void wait_weight_change() { weight_avail_.wait_change(); }
    void read_weights(uint32_t group, uint8_t *dst, uint64_t bytes) const; // functional
    void release_weight_group(uint32_t group);
    void release_all_weights();

    void count_read(uint64_t bytes) { read_bytes_ += bytes; }

  private:
    uint64_t entry_bytes() const { return p_.entry_bytes; }
    void ring_copy(bool to_ring, uint64_t ring_base_entry, uint64_t ring_entries, uint64_t ring_byte, uint8_t *buf,
                   uint64_t bytes) const;
    uint64_t aligned(uint64_t bytes) const { return (bytes + p_.entry_bytes - 1) / p_.entry_bytes * p_.entry_bytes; }

    CbufParams p_;
    bool functional_;
    const CoreClock &clock_;
    mutable std::vector<uint8_t> storage_; // functional: banks x entries x entry_bytes

    // Current layout
    ConvLayer cur_;
    uint64_t begun_ = 0, ended_ = 0; // layers begun by CDMA / ended by CSC
    sc_core::sc_event layer_event_;
    bool data_reused_ = false, weights_reused_ = false;
    bool prev_kept_data_ = false, prev_kept_weights_ = false;
    ConvLayer prev_;                            // geometry of the previous layer (reuse checks)
    uint64_t data_base_ = 0, data_entries_ = 0; // ring in entries
    uint64_t weight_base_ = 0, weight_entries_ = 0;

    uint64_t data_reserved_ = 0, data_released_ = 0;     // slices
    uint64_t weight_reserved_ = 0, weight_released_ = 0; // bytes (entry-aligned)
    std::vector<uint64_t> group_offset_;                 // ring byte offset of each group
    TimedCounter data_avail_, weight_avail_;
    sc_core::sc_event released_;

    Counter &read_bytes_;
    Counter &write_bytes_;
};

} // namespace dlasim::hw
