// Accumulator and delivery to SDP (see cacc.h).
#include "cacc.h"

#include <limits>

#include "common/half.h"
#include "common/rounding.h"
#include "dla/nvdla_regs.h"

namespace dlasim::hw {

CaccParams CaccParams::from_config(const dla_core_params &core)
{
    CaccParams p;
    p.latency_cycles = static_cast<uint32_t>(core.cacc_latency_cycles);
    p.delivery_stripes = static_cast<uint32_t>(core.cacc_delivery_stripes);
    return p;
}

int32_t cacc_truncate(int64_t acc, uint32_t clip_truncate)
{
    int64_t v = acc;
    if (clip_truncate > 0) {
        // NVDLA rounds halves away from zero (bit-exact on its dc trace tests with CLIP_TRUNCATE > 0).
        v = rshr_away(acc, clip_truncate);
    }
    if (v > std::numeric_limits<int32_t>::max())
        return std::numeric_limits<int32_t>::max();
    if (v < std::numeric_limits<int32_t>::min())
        return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(v);
}

Cacc::Cacc(sc_core::sc_module_name name, const CaccParams &params, bool functional, const CoreClock &clock,
           sc_core::sc_fifo<StripeOp> &from_cmac, CreditPool &credits, sc_core::sc_fifo<OutputChunk> &to_sdp,
           InterruptSink &irq, StatsRegistry &stats, const std::string &stats_prefix)
    : sc_module(name), regs("CACC", NVDLA_CACC_BASE), layer_in("layer_in", 2), p_(params), functional_(functional),
      clock_(clock), in_(from_cmac), credits_(credits), to_sdp_(to_sdp), irq_(irq),
      busy_cycles_(stats.declare(stats_prefix + ".busy_cycles", "cycles", "cycles assembling partial sums")),
      stall_out_cycles_(
          stats.declare(stats_prefix + ".stall_out_cycles", "cycles", "cycles waiting for SDP to accept output")),
      elements_(stats.declare(stats_prefix + ".out_elements", "elements", "output elements delivered to SDP"))
{
    SC_HAS_PROCESS(Cacc);
    SC_THREAD(run);
}

void Cacc::run()
{
    for (;;) {
        LayerPtr layer = layer_in.read();
        const ConvLayer &l = *layer;
        const uint64_t start = clock_.now_cycles();
        uint64_t busy = 0, stall = 0;
        StripeOp op;
        do {
            op = in_.read();
            clock_.wait_until(op.ready + clock_.cycles(p_.latency_cycles));
            // Batch mode: the stripe holds every image's points; deliver them image by image (NVDLA
            // CACC's batch remap), each to its own output cube.
            for (uint32_t b = 0; b < l.batch; ++b) {
                OutputChunk chunk;
                chunk.k0 = op.group * l.kernels_per_group;
                chunk.k_count = l.kernels_in_group(op.group);
                chunk.p0 = op.p0;
                chunk.p_count = op.p_count;
                chunk.image = b;
                chunk.last = op.last && b + 1 == l.batch;
                if (functional_) {
                    const size_t n = chunk.elements(), first = b * n;
                    auto values = std::make_shared<std::vector<int32_t>>(n);
                    if (l.precision == ConvPrecision::kFp16) {
                        // FP16: the binary32 sums go to SDP unchanged, as their bits (CLIP_TRUNCATE is
                        // an integer-pipeline setting; docs/datapath.md "FP16 arithmetic").
                        for (size_t i = 0; i < n; ++i)
                            (*values)[i] = static_cast<int32_t>(float_bits((*op.partial_fp)[first + i]));
                        chunk.fp32 = true;
                    } else {
                        for (size_t i = 0; i < n; ++i)
                            (*values)[i] = cacc_truncate((*op.partial)[first + i], l.clip_truncate);
                    }
                    chunk.values = values;
                }
                const uint64_t t0 = clock_.now_cycles();
                to_sdp_.write(chunk);
                stall += clock_.now_cycles() - t0;
                elements_ += chunk.elements();
            }
            credits_.release();
            busy += op.cycles;
        } while (!op.last);
        if (upstream_wait_)
            upstream_wait_(l);
        busy_cycles_ += busy;
        stall_out_cycles_ += stall;
        regs.set_ext64(l.group, kExtStartCycle, start);
        regs.set_ext64(l.group, kExtEndCycle, clock_.now_cycles());
        regs.set_ext64(l.group, kExtMacs, l.useful_macs());
        regs.set_ext64(l.group, kExtBusy, busy);
        regs.set_ext64(l.group, kExtStallOut, stall);
        regs.complete();
        irq_.raise_interrupt(kIrqCacc + static_cast<unsigned>(l.group));
        ++done_;
        done_event_.notify(sc_core::SC_ZERO_TIME);
    }
}

} // namespace dlasim::hw
