// Work items exchanged between units on on-the-fly paths (bounded sc_fifo channels):
// CACC -> SDP and SDP -> PDP. A chunk is a run of consecutive output points (in W-then-H order
// of the layer's output cube) for a range of kernels/channels; functional payload optional.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

namespace dlasim::hw {

struct OutputChunk {
    uint32_t k0 = 0;      // first channel (kernel) of the chunk
    uint32_t k_count = 0; // channels in the chunk (<= atomic_k for conv)
    uint32_t p0 = 0;      // first output point: p = y * out_width + x
    uint32_t p_count = 0; // consecutive points
    bool last = false;    // last chunk of the op
    uint32_t image = 0;   // batch mode: image of the chunk (its cube is image x D_DST_BATCH_STRIDE further)
    // Functional mode: values[i * k_count + k] for point p0+i and channel k0+k (int32 from CACC,
    // int32 holding the converted output from SDP; FP16 layers: the bits of the binary32 sum from
    // CACC, the zero-extended binary16 bits of SDP's FP16 output). Empty in timing-only mode.
    std::shared_ptr<std::vector<int32_t>> values;
    bool fp32 = false; // values are binary32 bits (CACC of an FP16 conv)
    uint64_t elements() const { return static_cast<uint64_t>(k_count) * p_count; }
};

// sc_fifo requires operator<< for tracing support.
inline std::ostream &operator<<(std::ostream &os, const OutputChunk &c)
{
    return os << "OutputChunk(k0=" << c.k0 << ",k=" << c.k_count << ",p0=" << c.p0 << ",p=" << c.p_count << ")";
}

} // namespace dlasim::hw
