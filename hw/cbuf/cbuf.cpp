// Convolution buffer rings and storage (see cbuf.h).
#include "cbuf.h"

#include <algorithm>
#include <stdexcept>

namespace dlasim::hw {

CbufParams CbufParams::from_config(const dla_core_params &core)
{
    CbufParams p;
    p.banks = static_cast<uint32_t>(core.cbuf_banks);
    p.entries_per_bank = static_cast<uint32_t>(core.cbuf_entries_per_bank);
    p.entry_bytes = static_cast<uint32_t>(core.cbuf_entry_bytes);
    p.read_latency_cycles = static_cast<uint32_t>(core.cbuf_read_latency_cycles);
    p.write_latency_cycles = static_cast<uint32_t>(core.cbuf_write_latency_cycles);
    return p;
}

void TimedCounter::reset(uint64_t value)
{
    value_ = value;
    pending_.clear();
    added_.notify(sc_core::SC_ZERO_TIME);
}

void TimedCounter::add_at(uint64_t amount, const sc_core::sc_time &when)
{
    if (!pending_.empty() && when < pending_.back().first)
        throw std::logic_error("TimedCounter: arrivals must be in time order");
    pending_.emplace_back(when, amount);
    added_.notify(sc_core::SC_ZERO_TIME);
}

uint64_t TimedCounter::value()
{
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (!pending_.empty() && pending_.front().first <= now) {
        value_ += pending_.front().second;
        pending_.pop_front();
    }
    return value_;
}

void TimedCounter::wait_change()
{
    if (!pending_.empty())
        clock_.wait_until(pending_.front().first);
    else
        sc_core::wait(added_);
}

Cbuf::Cbuf(const CbufParams &params, bool functional, const CoreClock &clock, StatsRegistry &stats,
           const std::string &stats_prefix)
    : p_(params), functional_(functional), clock_(clock), data_avail_(clock), weight_avail_(clock),
      read_bytes_(
          stats.declare(stats_prefix + ".read_bytes", "bytes", "bytes read from CBUF by CSC (data and weights)")),
      write_bytes_(stats.declare(stats_prefix + ".write_bytes", "bytes", "bytes written to CBUF by CDMA"))
{
    if (p_.banks == 0 || p_.entries_per_bank == 0 || p_.entry_bytes == 0)
        throw std::invalid_argument(stats_prefix + ": CBUF banks, entries per bank and entry bytes must be positive");
    if (functional_)
        storage_.assign(static_cast<size_t>(p_.banks) * p_.entries_per_bank * p_.entry_bytes, 0);
}

void Cbuf::begin_layer(const ConvLayer &l)
{
    while (ended_ < begun_)
        sc_core::wait(layer_event_);
    const bool have_prev = begun_ > 0;
    data_reused_ = l.data_reuse;
    weights_reused_ = l.weight_reuse;
    if (l.data_reuse) {
        if (!have_prev || !prev_kept_data_ || prev_.entry_per_slice != l.entry_per_slice ||
            prev_.data_banks != l.data_banks || l.in_h > prev_.in_h)
            throw std::invalid_argument(
                "conv layer " + std::to_string(l.seq) +
                ": DATA_REUSE but the previous layer did not keep (SKIP_DATA_RLS) an input with the same "
                "D_ENTRY_PER_SLICE and data banks and at least as many rows");
    }
    if (l.weight_reuse) {
        // Kept weights stay in the banks the previous layer gave them; the new data banks must
        // not reach into them (NVDLA puts weights right after the data banks).
        if (!have_prev || !prev_kept_weights_ || prev_.group_bytes != l.group_bytes ||
            prev_.weight_banks != l.weight_banks ||
            static_cast<uint64_t>(l.data_banks) * p_.entries_per_bank > weight_base_)
            throw std::invalid_argument(
                "conv layer " + std::to_string(l.seq) +
                ": WEIGHT_REUSE but the previous layer did not keep (SKIP_WEIGHT_RLS) the same weights "
                "in as many weight banks, or the data banks now overlap them");
    }
    data_base_ = 0;
    data_entries_ = static_cast<uint64_t>(l.data_banks) * p_.entries_per_bank;
    if (!l.weight_reuse)
        weight_base_ = data_entries_;
    weight_entries_ = static_cast<uint64_t>(l.weight_banks) * p_.entries_per_bank;
    if (l.data_reuse) {
        data_reserved_ = l.in_h; // the rows stay where the previous layer put them
        data_released_ = 0;
        data_avail_.reset(l.in_h);
    } else {
        data_reserved_ = data_released_ = 0;
        data_avail_.reset(0);
    }
    if (l.weight_reuse) {
        weight_avail_.reset(l.groups);
    } else {
        weight_reserved_ = weight_released_ = 0;
        group_offset_.clear();
        weight_avail_.reset(0);
    }
    cur_ = l;
    ++begun_;
    layer_event_.notify(sc_core::SC_ZERO_TIME);
}

void Cbuf::wait_layer_begun(uint64_t seq)
{
    while (begun_ <= seq)
        sc_core::wait(layer_event_);
}

void Cbuf::end_layer()
{
    prev_ = cur_;
    prev_kept_data_ = cur_.skip_data_release;
    prev_kept_weights_ = cur_.skip_weight_release && cur_.weights_fit;
    ++ended_;
    layer_event_.notify(sc_core::SC_ZERO_TIME);
}

void Cbuf::wait_data_space(uint64_t slices)
{
    const uint64_t eps = cur_.entry_per_slice;
    // Once the CSC has ended the layer, rows no stripe reads need no room.
    while ((data_reserved_ - data_released_ + slices) * eps > data_entries_ && ended_ < begun_)
        sc_core::wait(released_);
    data_reserved_ += slices;
}

void Cbuf::ring_copy(bool to_ring, uint64_t ring_base_entry, uint64_t ring_entries, uint64_t ring_byte, uint8_t *buf,
                     uint64_t bytes) const
{
    const uint64_t ring_bytes = ring_entries * p_.entry_bytes;
    const uint64_t base = ring_base_entry * p_.entry_bytes;
    uint64_t pos = ring_byte % ring_bytes, done = 0;
    while (done < bytes) {
        uint64_t n = std::min(bytes - done, ring_bytes - pos);
        if (to_ring)
            std::copy(buf + done, buf + done + n, storage_.begin() + static_cast<std::ptrdiff_t>(base + pos));
        else
            std::copy(storage_.begin() + static_cast<std::ptrdiff_t>(base + pos),
                      storage_.begin() + static_cast<std::ptrdiff_t>(base + pos + n), buf + done);
        done += n;
        pos = 0;
    }
}

void Cbuf::write_data(uint64_t slice, uint64_t offset, const uint8_t *src, uint64_t bytes)
{
    write_bytes_ += bytes;
    if (functional_ && src)
        ring_copy(true, data_base_, data_entries_, slice * cur_.entry_per_slice * p_.entry_bytes + offset,
                  const_cast<uint8_t *>(src), bytes);
}

void Cbuf::data_arrive(uint64_t slices, const sc_core::sc_time &when)
{
    data_avail_.add_at(slices, when);
}

void Cbuf::read_data(uint64_t slice, uint8_t *dst, uint64_t bytes) const
{
    ring_copy(false, data_base_, data_entries_, slice * cur_.entry_per_slice * p_.entry_bytes, dst, bytes);
}

void Cbuf::release_data(uint64_t slices)
{
    if (data_released_ + slices > data_reserved_)
        throw std::logic_error("CBUF: release of data slices that were never written");
    data_released_ += slices;
    released_.notify(sc_core::SC_ZERO_TIME);
}

void Cbuf::wait_weight_space(uint64_t bytes)
{
    const uint64_t need = aligned(bytes);
    const uint64_t cap = weight_entries_ * p_.entry_bytes;
    while (weight_reserved_ - weight_released_ + need > cap)
        sc_core::wait(released_);
    group_offset_.push_back(weight_reserved_);
    weight_reserved_ += need;
}

void Cbuf::write_weights(uint32_t group, const uint8_t *src, uint64_t bytes)
{
    write_bytes_ += bytes;
    if (functional_ && src)
        ring_copy(true, weight_base_, weight_entries_, group_offset_.at(group), const_cast<uint8_t *>(src), bytes);
}

void Cbuf::weights_arrive(const sc_core::sc_time &when)
{
    weight_avail_.add_at(1, when);
}

void Cbuf::read_weights(uint32_t group, uint8_t *dst, uint64_t bytes) const
{
    ring_copy(false, weight_base_, weight_entries_, group_offset_.at(group), dst, bytes);
}

void Cbuf::release_weight_group(uint32_t group)
{
    weight_released_ += aligned(cur_.group_bytes.at(group));
    released_.notify(sc_core::SC_ZERO_TIME);
}

void Cbuf::release_all_weights()
{
    weight_released_ = weight_reserved_;
    released_.notify(sc_core::SC_ZERO_TIME);
}

} // namespace dlasim::hw
