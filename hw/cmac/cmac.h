// CMAC: the MAC array (halves A and B, each with its own register file, each computing half of a
// kernel group). It is a pipeline matched to the CSC issue rate, so a stripe's results leave it
// latency_cycles after the CSC delivered it; functional mode computes the stripe's partial sums.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>

#include "common/clock.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "conv/conv_layer.h"
#include "conv/conv_stream.h"
#include "dla/config.h"

namespace dlasim::hw {

struct CmacParams {
    uint32_t latency_cycles = 0;
    static CmacParams from_config(const dla_core_params &core);
};

// Exact INT8 partial sums of one stripe (docs/datapath.md step 1, before CACC's truncation):
// out[(b * p_count + i) * kg + k] for image b (0 unless batch mode), output point p0+i and kernel
// group*kpg+k, from the CBUF operands.
void conv_stripe_int8(const ConvLayer &layer, const StripeOperands &ops, uint32_t group, uint32_t p0, uint32_t p_count,
                      int64_t *out);

// FP16 partial sums of one stripe (docs/datapath.md "FP16 arithmetic"): each binary16 x binary16
// product is exact in binary32 and is added to a binary32 accumulator (round to nearest even) in
// the fixed order r, s, c; positions outside the input read the binary16 pad value.
void conv_stripe_fp16(const ConvLayer &layer, const StripeOperands &ops, uint32_t group, uint32_t p0, uint32_t p_count,
                      float *out);

class Cmac : public sc_core::sc_module {
  public:
    Cmac(sc_core::sc_module_name name, const CmacParams &params, bool functional, const CoreClock &clock,
         sc_core::sc_fifo<StripeOp> &from_csc, sc_core::sc_fifo<StripeOp> &to_cacc, StatsRegistry &stats,
         const std::string &stats_prefix);

    RegisterFile regs_a, regs_b;
    sc_core::sc_fifo<LayerPtr> layer_in;
    uint64_t layers_done() const { return done_; }
    const sc_core::sc_event &done_event() const { return done_event_; }

  private:
    void run();

    CmacParams p_;
    bool functional_;
    const CoreClock &clock_;
    sc_core::sc_fifo<StripeOp> &in_, &out_;
    Counter &mac_ops_, &busy_cycles_;
    uint64_t done_ = 0;
    sc_core::sc_event done_event_;
};

} // namespace dlasim::hw
