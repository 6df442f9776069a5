// CDMA data and weight engines (see cdma.h).
#include "cdma.h"

#include <algorithm>
#include <vector>

#include "dla/nvdla_regs.h"

namespace dlasim::hw {

CdmaParams CdmaParams::from_config(const dla_core_params &core)
{
    CdmaParams p;
    p.data_dma.request_bytes = static_cast<uint32_t>(core.dma_request_bytes);
    p.data_dma.max_outstanding = static_cast<uint32_t>(core.dma_max_outstanding);
    p.data_dma.client = kCdmaDataClient;
    p.weight_dma = p.data_dma;
    p.weight_dma.client = kCdmaWeightClient;
    p.cbuf_write_latency_cycles = static_cast<uint32_t>(core.cbuf_write_latency_cycles);
    return p;
}

Cdma::Cdma(sc_core::sc_module_name name, const CdmaParams &params, bool functional, const CoreClock &clock, Cbuf &cbuf,
           MemoryPort &data_port, MemoryPort &weight_port, InterruptSink &irq, StatsRegistry &stats,
           const std::string &stats_prefix)
    : sc_module(name), regs("CDMA", NVDLA_CDMA_BASE), layer_in("layer_in", 2), p_(params), functional_(functional),
      clock_(clock), cbuf_(cbuf), irq_(irq), data_dma_(stats_prefix + ".dat", data_port, clock, params.data_dma, stats),
      weight_dma_(stats_prefix + ".wt", weight_port, clock, params.weight_dma, stats), data_q_("data_q", 1),
      weight_q_("weight_q", 1), data_done_("data_done", 1), weight_done_("weight_done", 1),
      cbuf_wait_cycles_(stats.declare(stats_prefix + ".cbuf_full_cycles", "cycles",
                                      "cycles a CDMA engine waited for free CBUF entries"))
{
    // NVDLA flushes the CBUF after reset and then reads S_CBUF_FLUSH_STATUS.FLUSH_DONE = 1; software
    // (NVDLA's trace tests) polls it before the first conv. The model's CBUF starts empty.
    regs.set_read_only(NVDLA_CDMA_S_CBUF_FLUSH_STATUS, 1u);
    SC_HAS_PROCESS(Cdma);
    SC_THREAD(control);
    SC_THREAD(data_engine);
    SC_THREAD(weight_engine);
}

void Cdma::control()
{
    for (;;) {
        LayerPtr layer = layer_in.read();
        const uint64_t start = clock_.now_cycles();
        data_dma_.reset_op_counters();
        weight_dma_.reset_op_counters();
        // The CBUF is laid out afresh for each layer once the CSC has finished reading the last one.
        cbuf_.begin_layer(*layer);
        data_q_.write(layer);
        weight_q_.write(layer);
        data_done_.read();
        weight_done_.read();
        const int g = layer->group;
        regs.set_ext64(g, kExtStartCycle, start);
        regs.set_ext64(g, kExtEndCycle, clock_.now_cycles());
        regs.set_ext64(g, kExtDramRead, data_dma_.op_read_bytes() + weight_dma_.op_read_bytes());
        regs.set_ext64(g, kExtStallMem, data_dma_.op_stall_cycles() + weight_dma_.op_stall_cycles());
        regs.complete();
        ++done_;
        done_event_.notify(sc_core::SC_ZERO_TIME);
    }
}

void Cdma::data_engine()
{
    std::vector<uint8_t> &buf = data_buf_;
    for (;;) {
        LayerPtr layer = data_q_.read();
        const ConvLayer &l = *layer;
        sc_core::sc_time last = sc_core::sc_time_stamp();
        if (!cbuf_.data_reused()) {
            const uint64_t row_bytes = static_cast<uint64_t>(l.in_w) * l.atom_bytes;
            if (functional_)
                buf.resize(l.image ? l.fetch_row_bytes : l.slice_bytes);
            // Batch mode: a grain of n rows fetches those rows of every image (CBUF slice h * batch + b).
            for (uint32_t h0 = 0; h0 < l.in_h; h0 += l.fetch_grain) {
                const uint32_t n = std::min(l.fetch_grain, l.in_h - h0);
                const uint64_t t0 = clock_.now_cycles();
                cbuf_.wait_data_space(static_cast<uint64_t>(n) * l.batch);
                cbuf_wait_cycles_ += clock_.now_cycles() - t0;
                sc_core::sc_time done = sc_core::sc_time_stamp();
                for (uint64_t hb = static_cast<uint64_t>(h0) * l.batch; hb < static_cast<uint64_t>(h0 + n) * l.batch;
                     ++hb) {
                    const uint32_t h = static_cast<uint32_t>(hb / l.batch);
                    const uint64_t image_addr = l.in_addr + (hb % l.batch) * l.batch_stride;
                    if (l.image) {
                        // One pixel line: whole atoms from the line start; the CBUF slice keeps the
                        // in_w pixels from PIXEL_X_OFFSET on, back to back.
                        done = data_dma_.read(l.in_addr + h * l.line_stride, l.fetch_row_bytes,
                                              functional_ ? buf.data() : nullptr);
                        const uint64_t skip = static_cast<uint64_t>(l.pixel_x_offset) * l.pixel_bytes;
                        cbuf_.write_data(h, 0, functional_ ? buf.data() + skip : nullptr, l.slice_bytes);
                        continue;
                    }
                    // One slice: row h of every surface, laid out surface after surface in CBUF.
                    for (uint32_t s = 0; s < l.surfaces; ++s) {
                        uint8_t *dst = functional_ ? buf.data() + s * row_bytes : nullptr;
                        done = data_dma_.read(image_addr + s * l.surf_stride + h * l.line_stride, row_bytes, dst);
                    }
                    cbuf_.write_data(hb, 0, functional_ ? buf.data() : nullptr, l.slice_bytes);
                }
                last = done + clock_.cycles(p_.cbuf_write_latency_cycles);
                cbuf_.data_arrive(static_cast<uint64_t>(n) * l.batch, last);
            }
        }
        clock_.wait_until(last);
        irq_.raise_interrupt(kIrqCdmaData + static_cast<unsigned>(l.group));
        data_done_.write(true);
    }
}

void Cdma::weight_engine()
{
    std::vector<uint8_t> &buf = weight_buf_;
    for (;;) {
        LayerPtr layer = weight_q_.read();
        const ConvLayer &l = *layer;
        sc_core::sc_time last = sc_core::sc_time_stamp();
        if (!cbuf_.weights_reused()) {
            uint64_t offset = 0;
            for (uint32_t g = 0; g < l.groups; ++g) {
                const uint64_t bytes = l.group_bytes[g];
                const uint64_t t0 = clock_.now_cycles();
                cbuf_.wait_weight_space(bytes);
                cbuf_wait_cycles_ += clock_.now_cycles() - t0;
                if (functional_)
                    buf.resize(bytes);
                sc_core::sc_time done =
                    weight_dma_.read(l.weight_addr + offset, bytes, functional_ ? buf.data() : nullptr);
                cbuf_.write_weights(g, functional_ ? buf.data() : nullptr, bytes);
                last = done + clock_.cycles(p_.cbuf_write_latency_cycles);
                cbuf_.weights_arrive(last);
                offset += bytes;
            }
        }
        clock_.wait_until(last);
        irq_.raise_interrupt(kIrqCdmaWeight + static_cast<unsigned>(l.group));
        weight_done_.write(true);
    }
}

} // namespace dlasim::hw
