// Convolution core wrapper (see conv_core.h): builds CBUF, CDMA, CSC, CMAC and CACC, the channels
// between them, and the sequencer that starts a hardware layer once all five register files have
// its group enabled, decoding the registers once into a ConvLayer shared by every stage.
#include "conv_core.h"

#include <algorithm>
#include <stdexcept>

#include "cacc/cacc.h"
#include "cbuf/cbuf.h"
#include "cdma/cdma.h"
#include "cmac/cmac.h"
#include "conv/conv_layer.h"
#include "conv/conv_stream.h"
#include "csc/csc.h"

namespace dlasim::hw {

namespace {

// Starts layer n (register group n % 2) once every unit has that group enabled and every unit has
// finished layer n-2, which used the same group.
class ConvSequencer : public sc_core::sc_module {
  public:
    ConvSequencer(sc_core::sc_module_name name, const dla_core_params &core, bool functional, Cdma &cdma, Csc &csc,
                  Cmac &cmac, Cacc &cacc)
        : sc_module(name), core_(core), functional_(functional), cdma_(cdma), csc_(csc), cmac_(cmac), cacc_(cacc)
    {
        SC_HAS_PROCESS(ConvSequencer);
        SC_THREAD(run);
    }

  private:
    uint64_t min_done() const
    {
        return std::min({cdma_.layers_done(), csc_.layers_done(), cmac_.layers_done(), cacc_.layers_done()});
    }
    bool all_enabled(int g) const
    {
        return cdma_.regs.enabled(g) && csc_.regs.enabled(g) && cmac_.regs_a.enabled(g) && cmac_.regs_b.enabled(g) &&
               cacc_.regs.enabled(g);
    }
    void run()
    {
        sc_core::sc_event_or_list &any = wake_;
        for (RegisterFile *rf : {&cdma_.regs, &csc_.regs, &cmac_.regs_a, &cmac_.regs_b, &cacc_.regs})
            any |= rf->enable_event();
        any |= cdma_.done_event();
        any |= csc_.done_event();
        any |= cmac_.done_event();
        any |= cacc_.done_event();
        for (uint64_t n = 0;; ++n) {
            const int g = static_cast<int>(n & 1u);
            while (!(all_enabled(g) && (n < 2 || min_done() >= n - 1)))
                sc_core::wait(any);
            auto layer = std::make_shared<ConvLayer>(decode_conv_layer(core_, cdma_.regs, csc_.regs, cmac_.regs_a,
                                                                       cmac_.regs_b, cacc_.regs, g, functional_));
            layer->seq = n;
            LayerPtr shared = layer;
            cacc_.layer_in.write(shared);
            cmac_.layer_in.write(shared);
            csc_.layer_in.write(shared);
            cdma_.layer_in.write(shared);
        }
    }

    dla_core_params core_;
    bool functional_;
    sc_core::sc_event_or_list wake_; // a member: run() never returns
    Cdma &cdma_;
    Csc &csc_;
    Cmac &cmac_;
    Cacc &cacc_;
};

uint32_t delivery_stripes(const dla_core_params &core)
{
    if (core.cacc_delivery_stripes <= 0)
        throw std::invalid_argument(
            "config core.cacc_delivery_stripes = " + std::to_string(core.cacc_delivery_stripes) + "; expected >= 1");
    return static_cast<uint32_t>(core.cacc_delivery_stripes);
}

} // namespace

struct ConvCore::Impl {
    Impl(const dla_config &cfg, bool functional, const CoreClock &clock, MemoryPort &data_port, MemoryPort &weight_port,
         InterruptSink &irq, StatsRegistry &stats, const std::string &prefix, sc_core::sc_fifo<OutputChunk> &to_sdp)
        : credits(delivery_stripes(cfg.core)),
          // Credits bound the stripes between CSC and CACC delivery, so these never fill.
          csc_to_cmac("csc_to_cmac", static_cast<int>(delivery_stripes(cfg.core))),
          cmac_to_cacc("cmac_to_cacc", static_cast<int>(delivery_stripes(cfg.core))),
          cbuf(CbufParams::from_config(cfg.core), functional, clock, stats, prefix + ".cbuf"),
          cdma("cdma", CdmaParams::from_config(cfg.core), functional, clock, cbuf, data_port, weight_port, irq, stats,
               prefix + ".cdma"),
          csc("csc", CscParams::from_config(cfg.core), functional, clock, cbuf, credits, csc_to_cmac, stats,
              prefix + ".csc"),
          cmac("cmac", CmacParams::from_config(cfg.core), functional, clock, csc_to_cmac, cmac_to_cacc, stats,
               prefix + ".cmac"),
          cacc("cacc", CaccParams::from_config(cfg.core), functional, clock, cmac_to_cacc, credits, to_sdp, irq, stats,
               prefix + ".cacc"),
          sequencer("sequencer", cfg.core, functional, cdma, csc, cmac, cacc)
    {
        upstream_done |= cdma.done_event();
        upstream_done |= csc.done_event();
        upstream_done |= cmac.done_event();
        cacc.set_upstream_wait([this](const ConvLayer &l) {
            while (cdma.layers_done() <= l.seq || csc.layers_done() <= l.seq || cmac.layers_done() <= l.seq)
                sc_core::wait(upstream_done);
        });
    }
    CreditPool credits;
    sc_core::sc_fifo<StripeOp> csc_to_cmac, cmac_to_cacc;
    Cbuf cbuf;
    Cdma cdma;
    Csc csc;
    Cmac cmac;
    Cacc cacc;
    ConvSequencer sequencer;
    sc_core::sc_event_or_list upstream_done;
};

ConvCore::ConvCore(sc_core::sc_module_name name, const dla_config &cfg, bool functional, const CoreClock &clock,
                   MemoryPort &data_port, MemoryPort &weight_port, InterruptSink &irq, StatsRegistry &stats,
                   const std::string &stats_prefix, sc_core::sc_fifo<OutputChunk> &to_sdp)
    : sc_module(name)
{
    const dla_core_params &c = cfg.core;
    if (c.atomic_c <= 0 || c.atomic_k <= 0 || c.memory_atomic_bytes <= 0 || c.csc_stripe_min <= 0 ||
        c.csc_stripe_max < c.csc_stripe_min || c.dma_request_bytes <= 0 || c.dma_max_outstanding <= 0)
        throw std::invalid_argument(std::string(cfg.name) +
                                    ": conv core needs positive atomic_c/atomic_k/memory_atomic_bytes/dma sizes and "
                                    "0 < csc_stripe_min <= csc_stripe_max");
    impl_ = std::make_unique<Impl>(cfg, functional, clock, data_port, weight_port, irq, stats, stats_prefix, to_sdp);
}

ConvCore::~ConvCore() = default;

std::vector<CsbTarget *> ConvCore::csb_targets()
{
    return {&impl_->cdma.regs, &impl_->csc.regs, &impl_->cmac.regs_a, &impl_->cmac.regs_b, &impl_->cacc.regs};
}

} // namespace dlasim::hw
