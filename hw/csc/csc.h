// CSC: the convolution sequence controller. Walks a layer kernel group by kernel group, stripe by
// stripe (W then H), each stripe R*S*ceil(C/AtomC) steps; waits for the CBUF data and weights the
// stripe needs (stall_mem) and for a CACC delivery credit (stall_out); occupies the exact issue
// cycles; sends the stripe to CMAC; releases input rows no longer needed; flushes at layer end.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>

#include "cbuf/cbuf.h"
#include "common/clock.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "conv/conv_layer.h"
#include "conv/conv_stream.h"
#include "dla/config.h"

namespace dlasim::hw {

struct CscParams {
    uint32_t weight_load_cycles = 0; // loading one step's weights of a kernel group into CMAC
    uint32_t latency_cycles = 0;     // CSC pipeline (after the CBUF read) to CMAC
    uint32_t cbuf_read_latency_cycles = 0;
    uint32_t sg_flush_cycles = 0; // stripe generator flush at the end of a layer
    static CscParams from_config(const dla_core_params &core);
};

class Csc : public sc_core::sc_module {
  public:
    Csc(sc_core::sc_module_name name, const CscParams &params, bool functional, const CoreClock &clock, Cbuf &cbuf,
        CreditPool &credits, sc_core::sc_fifo<StripeOp> &to_cmac, StatsRegistry &stats,
        const std::string &stats_prefix);

    RegisterFile regs;
    sc_core::sc_fifo<LayerPtr> layer_in;
    uint64_t layers_done() const { return done_; }
    const sc_core::sc_event &done_event() const { return done_event_; }

  private:
    void run();

    CscParams p_;
    bool functional_;
    const CoreClock &clock_;
    Cbuf &cbuf_;
    CreditPool &credits_;
    sc_core::sc_fifo<StripeOp> &to_cmac_;
    Counter &busy_cycles_, &stall_mem_cycles_, &stall_out_cycles_, &stripes_, &atomic_ops_;
    uint64_t done_ = 0;
    sc_core::sc_event done_event_;
};

} // namespace dlasim::hw
