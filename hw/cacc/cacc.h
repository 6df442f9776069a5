// CACC: the accumulator. Assembles each stripe's partial sums (latency_cycles of read-modify-
// write after CMAC), truncates and saturates them to 32 bits (D_CLIP_CFG), and delivers them to
// SDP as an OutputChunk; the bounded SDP channel blocks it when SDP is slower, and a stripe's
// delivery credit returns to the CSC only once SDP has accepted the chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <systemc>

#include "common/clock.h"
#include "common/interfaces.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "common/streams.h"
#include "conv/conv_layer.h"
#include "conv/conv_stream.h"
#include "dla/config.h"

namespace dlasim::hw {

struct CaccParams {
    uint32_t latency_cycles = 0;
    uint32_t delivery_stripes = 0; // delivery-buffer capacity (credits given to the CSC)
    static CaccParams from_config(const dla_core_params &core);
};

// docs/datapath.md: rshr_away (halves away from zero, as NVDLA) then saturate to int32.
int32_t cacc_truncate(int64_t acc, uint32_t clip_truncate);

class Cacc : public sc_core::sc_module {
  public:
    Cacc(sc_core::sc_module_name name, const CaccParams &params, bool functional, const CoreClock &clock,
         sc_core::sc_fifo<StripeOp> &from_cmac, CreditPool &credits, sc_core::sc_fifo<OutputChunk> &to_sdp,
         InterruptSink &irq, StatsRegistry &stats, const std::string &stats_prefix);

    RegisterFile regs;
    sc_core::sc_fifo<LayerPtr> layer_in;
    uint64_t layers_done() const { return done_; }
    const sc_core::sc_event &done_event() const { return done_event_; }
    // CACC's done interrupt ends the whole conv layer: before raising it, wait (SC_THREAD) until
    // the upstream units have completed the layer too, so software may reprogram the group.
    void set_upstream_wait(std::function<void(const ConvLayer &)> wait) { upstream_wait_ = std::move(wait); }

  private:
    void run();

    CaccParams p_;
    bool functional_;
    const CoreClock &clock_;
    sc_core::sc_fifo<StripeOp> &in_;
    CreditPool &credits_;
    sc_core::sc_fifo<OutputChunk> &to_sdp_;
    InterruptSink &irq_;
    Counter &busy_cycles_, &stall_out_cycles_, &elements_;
    std::function<void(const ConvLayer &)> upstream_wait_;
    uint64_t done_ = 0;
    sc_core::sc_event done_event_;
};

} // namespace dlasim::hw
