// Moving blocks of a feature cube (docs/datapath.md feature format) through a DmaEngine, and a
// bounded queue between the pipeline stages of a unit. Used by the SDP and PDP DMAs.
#pragma once

#include <cstdint>
#include <deque>
#include <systemc>
#include <vector>

#include "common/dma_engine.h"

namespace dlasim::hw {

struct FeatureCube {
    uint64_t base = 0;
    uint64_t line_stride = 0;
    uint64_t surface_stride = 0;
    uint32_t width = 0, height = 0, channels = 0;
    uint32_t atom_bytes = 0; // core.memory_atomic_bytes
    uint32_t bpe = 1;        // bytes per element
    uint32_t cps() const { return atom_bytes / bpe; }
    uint32_t surfaces() const { return (channels + cps() - 1) / cps(); }
    uint64_t address(uint32_t c, uint32_t y, uint32_t x) const
    {
        return base + (c / cps()) * surface_stride + y * line_stride + uint64_t(x) * atom_bytes + (c % cps()) * bpe;
    }
};

// Channels [k0, k0 + k_count) at the points [p0, p0 + p_count), p = y * width + x (the geometry of
// an OutputChunk). Values, when present, are laid out values[i * k_count + k].
struct Block {
    uint32_t k0 = 0, k_count = 0, p0 = 0, p_count = 0;
    uint64_t elements() const { return uint64_t(k_count) * p_count; }
};

// Reads every atom the block touches, surface by surface, line run by line run (whole atoms, as
// NVDLA's DMAs move atoms). values: INT8 elements sign-extended, FP16 elements as their
// zero-extended binary16 bits. Returns the time when
// all the data has arrived.
sc_core::sc_time feature_read(DmaEngine &dma, const FeatureCube &cube, const Block &b, std::vector<int32_t> *values);
// Writes the block (values: INT8 range, already saturated; FP16: binary16 bits in the low 16 bits). A block covering
// every channel of a surface (up to C) is written as whole atoms, padding channels zero; otherwise only the block's
// bytes of each point. Returns the time when the last write is done.
sc_core::sc_time feature_write(DmaEngine &dma, const FeatureCube &cube, const Block &b,
                               const std::vector<int32_t> *values);

// Bounded FIFO between the stages of one unit; capacity may change between ops (unlike sc_fifo).
template <class T> class StageQueue {
  public:
    void set_capacity(size_t n) { capacity_ = n < 1 ? 1 : n; }
    void put(T v)
    {
        while (q_.size() >= capacity_)
            sc_core::wait(changed_);
        q_.push_back(std::move(v));
        changed_.notify(sc_core::SC_ZERO_TIME);
    }
    T get()
    {
        while (q_.empty())
            sc_core::wait(changed_);
        T v = std::move(q_.front());
        q_.pop_front();
        changed_.notify(sc_core::SC_ZERO_TIME);
        return v;
    }
    bool empty() const { return q_.empty(); }

  private:
    std::deque<T> q_;
    size_t capacity_ = 2;
    sc_core::sc_event changed_;
};

} // namespace dlasim::hw
