// Convolution sequence controller (see csc.h).
#include "csc.h"

#include <algorithm>
#include <memory>

#include "dla/nvdla_regs.h"

namespace dlasim::hw {

CscParams CscParams::from_config(const dla_core_params &core)
{
    CscParams p;
    p.weight_load_cycles = static_cast<uint32_t>(core.csc_weight_load_cycles);
    p.latency_cycles = static_cast<uint32_t>(core.csc_latency_cycles);
    p.cbuf_read_latency_cycles = static_cast<uint32_t>(core.cbuf_read_latency_cycles);
    p.sg_flush_cycles = static_cast<uint32_t>(core.csc_sg_flush_cycles);
    return p;
}

Csc::Csc(sc_core::sc_module_name name, const CscParams &params, bool functional, const CoreClock &clock, Cbuf &cbuf,
         CreditPool &credits, sc_core::sc_fifo<StripeOp> &to_cmac, StatsRegistry &stats,
         const std::string &stats_prefix)
    : sc_module(name), regs("CSC", NVDLA_CSC_BASE), layer_in("layer_in", 2), p_(params), functional_(functional),
      clock_(clock), cbuf_(cbuf), credits_(credits), to_cmac_(to_cmac),
      busy_cycles_(
          stats.declare(stats_prefix + ".busy_cycles", "cycles", "cycles issuing atomic ops or loading weights")),
      stall_mem_cycles_(
          stats.declare(stats_prefix + ".stall_mem_cycles", "cycles", "cycles waiting for CBUF data or weights")),
      stall_out_cycles_(
          stats.declare(stats_prefix + ".stall_out_cycles", "cycles", "cycles waiting for CACC delivery credits")),
      stripes_(stats.declare(stats_prefix + ".stripes", "ops", "stripes issued")),
      atomic_ops_(stats.declare(stats_prefix + ".atomic_ops", "ops", "atomic ops issued"))
{
    SC_HAS_PROCESS(Csc);
    SC_THREAD(run);
}

void Csc::run()
{
    for (;;) {
        LayerPtr layer = layer_in.read();
        const ConvLayer &l = *layer;
        const uint64_t start = clock_.now_cycles();
        cbuf_.wait_layer_begun(l.seq);
        const std::vector<StripeSpan> stripes = plan_stripes(l);
        const uint32_t steps = l.steps_per_stripe();
        const uint64_t atom_bytes = static_cast<uint64_t>(l.atomic_c) * l.bpe;
        uint64_t busy = 0, stall_mem = 0, stall_out = 0;
        uint64_t released = 0; // CBUF slices released so far in this layer (batch mode: rows x batch)
        auto release_below = [&](int64_t row) {
            uint64_t target =
                std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(row, 0)) * l.batch, cbuf_.data_available());
            if (target > released) {
                cbuf_.release_data(target - released);
                released = target;
            }
        };
        bool weights_loaded = false; // the CMAC holds the weights of the current group's only step
        for (uint32_t g = 0; g < l.groups; ++g) {
            const uint32_t kg = l.kernels_in_group(g);
            // Rows are released only once the last kernel group has used them.
            const bool streaming_release = g + 1 == l.groups && !l.skip_data_release;
            uint64_t t0 = clock_.now_cycles();
            while (cbuf_.weight_groups_available() < g + 1)
                cbuf_.wait_weight_change();
            stall_mem += clock_.now_cycles() - t0;
            weights_loaded = false;
            std::shared_ptr<std::vector<uint8_t>> weights;
            if (functional_) {
                weights = std::make_shared<std::vector<uint8_t>>(l.group_bytes[g]);
                cbuf_.read_weights(g, weights->data(), weights->size());
            }
            for (size_t i = 0; i < stripes.size(); ++i) {
                const StripeSpan &s = stripes[i];
                const uint64_t need_rows = s.row_hi >= s.row_lo ? static_cast<uint64_t>(s.row_hi + 1) : 0;
                const uint64_t need = need_rows * l.batch; // slices: the rows of every image
                t0 = clock_.now_cycles();
                if (streaming_release)
                    release_below(s.row_lo);
                while (cbuf_.data_available() < need) {
                    cbuf_.wait_data_change();
                    if (streaming_release)
                        release_below(s.row_lo);
                }
                stall_mem += clock_.now_cycles() - t0;
                t0 = clock_.now_cycles();
                credits_.acquire();
                stall_out += clock_.now_cycles() - t0;

                // Each step (r, s, channel block) issues len atomic ops (len x batch in batch
                // mode: one per image and point, all sharing the step's weights); it must also load
                // that step's weights (weight_load_cycles, overlapping the issue) unless the CMAC
                // already holds them, which happens only for one-step stripes of the same group.
                // With a point split of n the array takes n points per cycle (conv_layer.cpp); a
                // batched stripe issues each point once per image (n is 1 then).
                const uint64_t atomics = static_cast<uint64_t>(s.len) * l.batch;
                const uint64_t issue =
                    (static_cast<uint64_t>(s.len) + l.point_split - 1) / l.point_split * l.batch * l.cycles_per_atomic;
                const uint64_t loaded = std::max<uint64_t>(issue, p_.weight_load_cycles);
                uint64_t cycles, loads;
                if (steps == 1) {
                    cycles = weights_loaded ? issue : loaded;
                    loads = weights_loaded ? 0 : 1;
                    weights_loaded = true;
                } else {
                    cycles = steps * loaded;
                    loads = steps;
                }
                StripeOp op;
                op.layer = layer;
                op.group = g;
                op.p0 = s.p0;
                op.p_count = s.len;
                op.atomic_ops = atomics * steps;
                op.cycles = cycles;
                op.last = g + 1 == l.groups && i + 1 == stripes.size();
                if (functional_) {
                    auto ops = std::make_shared<StripeOperands>();
                    ops->row0 = s.row_lo;
                    ops->row_count =
                        need_rows > static_cast<uint64_t>(s.row_lo) ? static_cast<uint32_t>(need_rows - s.row_lo) : 0;
                    // Slices row-major, images inside (the CBUF order): slice (r - row0) * batch + b.
                    const uint64_t n_slices = static_cast<uint64_t>(ops->row_count) * l.batch;
                    ops->rows.resize(static_cast<size_t>(n_slices) * l.slice_bytes);
                    for (uint64_t i = 0; i < n_slices; ++i)
                        cbuf_.read_data(static_cast<uint64_t>(s.row_lo) * l.batch + i,
                                        ops->rows.data() + static_cast<size_t>(i) * l.slice_bytes, l.slice_bytes);
                    ops->weights = weights;
                    op.operands = ops;
                }
                cbuf_.count_read(op.atomic_ops * atom_bytes + loads * kg * atom_bytes);
                sc_core::wait(clock_.cycles(cycles));
                busy += cycles;
                op.ready = sc_core::sc_time_stamp() + clock_.cycles(p_.cbuf_read_latency_cycles + p_.latency_cycles);
                to_cmac_.write(op);
                stripes_ += 1;
                atomic_ops_ += op.atomic_ops;
            }
            if (!l.weights_fit)
                cbuf_.release_weight_group(g);
        }
        if (!l.skip_data_release)
            release_below(l.in_h);
        if (l.weights_fit && !l.skip_weight_release)
            cbuf_.release_all_weights();
        cbuf_.end_layer();
        busy_cycles_ += busy;
        stall_mem_cycles_ += stall_mem;
        stall_out_cycles_ += stall_out;
        regs.set_ext64(l.group, kExtStartCycle, start);
        regs.set_ext64(l.group, kExtEndCycle, clock_.now_cycles());
        regs.set_ext64(l.group, kExtBusy, busy);
        regs.set_ext64(l.group, kExtStallMem, stall_mem);
        regs.set_ext64(l.group, kExtStallOut, stall_out);
        regs.complete();
        ++done_;
        done_event_.notify(sc_core::SC_ZERO_TIME);
        // The stripe generator flushes before it can start the next layer; the layer itself is
        // complete (every stripe issued), so CACC's done interrupt does not wait for this.
        sc_core::wait(clock_.cycles(p_.sg_flush_cycles));
    }
}

} // namespace dlasim::hw
