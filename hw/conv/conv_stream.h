// Work items and credits exchanged inside the convolution core: CSC -> CMAC -> CACC stripe
// operations (timestamped with when they leave the sending stage) and CACC's delivery credits.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <systemc>
#include <vector>

#include "conv/conv_layer.h"

namespace dlasim::hw {

// Operands of one stripe as the CSC read them from CBUF (functional mode only).
struct StripeOperands {
    int64_t row0 = 0; // first input row held in `rows`
    uint32_t row_count = 0;
    std::vector<uint8_t> rows;                           // row_count slices of layer.slice_bytes (CBUF slice layout)
    std::shared_ptr<const std::vector<uint8_t>> weights; // the kernel group's weights (DC layout)
};

struct StripeOp {
    LayerPtr layer;
    uint32_t group = 0;                             // kernel group
    uint32_t p0 = 0, p_count = 0;                   // output points
    uint64_t atomic_ops = 0;                        // atomic ops the CSC issued for the stripe
    uint64_t cycles = 0;                            // cycles the stripe occupied the CSC/CMAC issue slot
    sc_core::sc_time ready;                         // when the stripe's results leave the sending stage
    bool last = false;                              // last stripe of the layer
    std::shared_ptr<const StripeOperands> operands; // functional: CSC -> CMAC
    std::shared_ptr<std::vector<int64_t>> partial;  // functional: CMAC -> CACC, [i * k_count + k]
    std::shared_ptr<std::vector<float>> partial_fp; // functional FP16: binary32 partial sums, same layout
};

inline std::ostream &operator<<(std::ostream &os, const StripeOp &s)
{
    return os << "StripeOp(g=" << s.group << ",p0=" << s.p0 << ",p=" << s.p_count << ")";
}

// CACC delivery-buffer slots: the CSC takes one per stripe, CACC returns it once the stripe's
// output has been accepted by the SDP channel.
class CreditPool {
  public:
    explicit CreditPool(uint32_t credits) : free_(credits) {}
    void acquire()
    {
        while (free_ == 0)
            sc_core::wait(returned_);
        --free_;
    }
    void release()
    {
        ++free_;
        returned_.notify(sc_core::SC_ZERO_TIME);
    }

  private:
    uint32_t free_;
    sc_core::sc_event returned_;
};

} // namespace dlasim::hw
