// PDP pipeline (timing rules in pdp.h, register decode in pdp_op.h, arithmetic in pdp_math.h).
#include "pdp.h"

#include <algorithm>
#include <stdexcept>

#include "dla/nvdla_regs.h"
#include "memory/memory_system.h"

namespace dlasim::hw {

PdpParams PdpParams::from_config(const dla_config &cfg)
{
    PdpParams p;
    p.throughput = static_cast<uint32_t>(cfg.core.pdp_throughput);
    p.line_buffer_bytes = static_cast<uint32_t>(cfg.core.pdp_line_buffer_bytes);
    p.latency_cycles = static_cast<uint32_t>(cfg.core.pdp_latency_cycles);
    p.atom_bytes = static_cast<uint32_t>(cfg.core.memory_atomic_bytes);
    p.request_bytes = static_cast<uint32_t>(cfg.core.dma_request_bytes);
    p.max_outstanding = static_cast<uint32_t>(cfg.core.dma_max_outstanding);
    if (p.throughput == 0 || p.atom_bytes == 0)
        throw std::invalid_argument("PDP: core.pdp_throughput and core.memory_atomic_bytes must be positive");
    return p;
}

std::vector<PdpSegment> pdp_segments(const PdpOp &op, uint32_t line_buffer_bytes)
{
    const PoolParams &p = op.pool;
    uint64_t lines = (p.kernel_h + p.stride_y - 1) / p.stride_y;
    uint64_t per_col = lines * op.dst.cps() * 2 * op.dst.bpe;
    uint64_t max_ow = line_buffer_bytes / per_col;
    if (max_ow == 0)
        throw std::invalid_argument("PDP: line buffer of " + std::to_string(line_buffer_bytes) +
                                    " bytes cannot hold one output column (" + std::to_string(per_col) + " bytes)");
    std::vector<PdpSegment> segs;
    const uint32_t ow = op.dst.width;
    for (uint32_t ox0 = 0; ox0 < ow; ox0 = static_cast<uint32_t>(std::min<uint64_t>(ow, ox0 + max_ow))) {
        uint32_t ox1 = static_cast<uint32_t>(std::min<uint64_t>(ow, ox0 + max_ow));
        int64_t ix0 = std::max<int64_t>(0, int64_t(ox0) * p.stride_x - p.pad_left);
        int64_t ix1 = std::min<int64_t>(op.src.width, int64_t(ox1 - 1) * p.stride_x - p.pad_left + p.kernel_w);
        ix1 = std::max(ix1, ix0);
        segs.push_back(
            PdpSegment{ox0, ox1, static_cast<uint32_t>(std::min<int64_t>(ix0, ix1)), static_cast<uint32_t>(ix1)});
    }
    return segs;
}

Pdp::Pdp(sc_core::sc_module_name name, const PdpParams &params, bool functional, const CoreClock &clock,
         const PdpPorts &ports, InterruptSink &irq, StatsRegistry &stats, const std::string &prefix,
         sc_core::sc_fifo<OutputChunk> *from_sdp)
    : sc_core::sc_module(name), params_(params), functional_(functional), clock_(clock), irq_(irq),
      name_(prefix + ".pdp"), from_sdp_(from_sdp), rdma_regs_("PDP_RDMA", NVDLA_PDP_RDMA_BASE),
      regs_("PDP", NVDLA_PDP_BASE), rdma_(name_ + ".rdma", ports.r, clock,
                                          DmaParams{params.request_bytes, params.max_outstanding, kClientPdpR}, stats),
      wdma_(name_ + ".wdma", ports.w, clock, DmaParams{params.request_bytes, params.max_outstanding, kClientPdpW},
            stats),
      ops_(stats.declare(name_ + ".ops", "ops", "PDP operations completed")),
      elements_(stats.declare(name_ + ".elements", "elements", "input elements through the PDP datapath")),
      busy_(stats.declare(name_ + ".busy_cycles", "cycles", "cycles the PDP datapath was processing")),
      stall_mem_(stats.declare(name_ + ".stall_mem_cycles", "cycles", "datapath cycles waiting for memory data")),
      stall_out_(stats.declare(name_ + ".stall_out_cycles", "cycles", "datapath cycles waiting for output space"))
{
    SC_THREAD(control);
    SC_THREAD(compute);
    SC_THREAD(output);
}

uint32_t Pdp::last_row(uint32_t oy) const
{
    int64_t r = int64_t(oy) * op_.pool.stride_y - op_.pool.pad_top + op_.pool.kernel_h - 1;
    return static_cast<uint32_t>(std::clamp<int64_t>(r, 0, op_.src.height - 1));
}

void Pdp::control()
{
    for (;;) {
        int g = regs_.wait_for_enabled_op();
        int rg = pdp_is_offline(regs_, g) ? rdma_regs_.wait_for_enabled_op() : -1;
        op_start_ = sc_core::sc_time_stamp();
        uint64_t start = clock_.now_cycles();
        try {
            op_ = decode_pdp_op(regs_, g, rdma_regs_, rg, params_.atom_bytes, functional_);
            segments_ = pdp_segments(op_, params_.line_buffer_bytes);
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument(name_ + ": " + e.what());
        }
        if (op_.flying && !from_sdp_)
            throw std::invalid_argument(name_ + ": on-the-fly input but no SDP is connected");
        if (op_.flying && segments_.size() > 1)
            throw std::invalid_argument(name_ + ": on-the-fly output width " + std::to_string(op_.dst.width) +
                                        " does not fit the line buffer (needs " + std::to_string(segments_.size()) +
                                        " width splits, only possible offline)");
        const uint32_t surfaces = op_.src.surfaces(), h = op_.src.height;
        if (functional_)
            input_.assign(uint64_t(op_.src.channels) * h * op_.src.width, 0);
        next_oy_.assign(surfaces, 0);
        rows_done_.assign(surfaces, 0);
        row_fill_.assign(uint64_t(surfaces) * h, 0);
        rows_emitted_ = 0;
        rows_total_ = uint64_t(surfaces) * segments_.size() * op_.dst.height;
        uint64_t item_bytes = std::max<uint64_t>(1, uint64_t(op_.src.width) * params_.atom_bytes);
        size_t depth = std::max<uint64_t>(
            2, (uint64_t(params_.max_outstanding) * params_.request_bytes + item_bytes - 1) / item_bytes);
        in_q_.set_capacity(depth);
        out_q_.set_capacity(depth);
        rdma_.reset_op_counters();
        wdma_.reset_op_counters();
        op_busy_ = op_stall_mem_ = op_stall_out_ = 0;
        op_done_ = false;

        run_input();
        while (!op_done_)
            sc_core::wait(done_event_);

        uint64_t end = clock_.now_cycles();
        regs_.set_ext64(g, kExtStartCycle, start);
        regs_.set_ext64(g, kExtEndCycle, end);
        regs_.set_ext64(g, kExtDramRead, rdma_.op_read_bytes());
        regs_.set_ext64(g, kExtDramWrite, wdma_.op_write_bytes());
        regs_.set_ext64(g, kExtStallMem, op_stall_mem_);
        regs_.set_ext64(g, kExtStallOut, op_stall_out_);
        regs_.set_ext64(g, kExtBusy, op_busy_);
        if (rg >= 0) {
            rdma_regs_.set_ext64(rg, kExtStartCycle, start);
            rdma_regs_.set_ext64(rg, kExtEndCycle, end);
            rdma_regs_.set_ext64(rg, kExtDramRead, rdma_.op_read_bytes());
            rdma_regs_.set_ext64(rg, kExtStallMem, op_stall_mem_);
            rdma_regs_.complete();
        }
        regs_.complete();
        ops_ += 1;
        irq_.raise_interrupt(kIrqPdp + static_cast<unsigned>(g));
    }
}

void Pdp::run_input()
{
    const FeatureCube &in = op_.src;
    const uint32_t cps = in.cps();
    const uint64_t plane = uint64_t(in.width) * in.height;
    // Functional: keep the block's values in the input cube (the line buffer's contents, in full).
    auto store = [&](const Block &b, const std::vector<int32_t> &v) {
        for (uint32_t i = 0; i < b.p_count; ++i)
            for (uint32_t k = 0; k < b.k_count; ++k)
                input_[(b.k0 + k) * plane + b.p0 + i] = v[uint64_t(i) * b.k_count + k];
    };
    if (op_.flying) {
        for (;;) {
            OutputChunk c = from_sdp_->read();
            if (c.k_count == 0 || c.p_count == 0 || c.k0 + uint64_t(c.k_count) > in.channels ||
                c.p0 + uint64_t(c.p_count) > plane)
                throw std::runtime_error(name_ + ": chunk from SDP outside the input cube");
            InItem item;
            item.blk = Block{c.k0, c.k_count, c.p0, c.p_count};
            item.elements = c.elements();
            item.ready = sc_core::sc_time_stamp();
            if (functional_) {
                if (!c.values || c.values->size() != c.elements())
                    throw std::runtime_error(name_ + ": functional mode but an SDP chunk carries no values");
                store(item.blk, *c.values);
            }
            in_q_.put(item);
            if (c.last)
                return;
        }
    }
    std::vector<int32_t> values;
    for (uint32_t s = 0; s < in.surfaces(); ++s) {
        uint32_t ch = std::min(cps, in.channels - s * cps);
        for (uint32_t j = 0; j < segments_.size(); ++j) {
            const PdpSegment &seg = segments_[j];
            for (uint32_t y = 0; y < in.height; ++y) {
                InItem item;
                item.s = s;
                item.seg = j;
                item.y = y;
                Block b{s * cps, ch, y * in.width + seg.ix0, seg.ix1 - seg.ix0};
                item.elements = b.elements();
                item.ready = sc_core::sc_time_stamp();
                if (b.p_count > 0) {
                    item.ready = feature_read(rdma_, in, b, functional_ ? &values : nullptr);
                    if (functional_)
                        store(b, values);
                }
                in_q_.put(item);
            }
        }
    }
}

void Pdp::emit_rows(uint32_t s, const PdpSegment &seg, uint32_t &next_oy, uint32_t rows_done)
{
    const uint32_t cps = op_.dst.cps(), ch = std::min(cps, op_.dst.channels - s * cps);
    const uint64_t plane = uint64_t(op_.src.width) * op_.src.height;
    while (next_oy < op_.dst.height && last_row(next_oy) < rows_done) {
        OutItem o;
        uint32_t oy = next_oy++;
        o.blk = Block{s * cps, ch, oy * op_.dst.width + seg.ox0, seg.ox1 - seg.ox0};
        if (functional_) {
            o.values = std::make_shared<std::vector<int32_t>>(o.blk.elements());
            for (uint32_t i = 0; i < o.blk.p_count; ++i)
                for (uint32_t k = 0; k < ch; ++k)
                    (*o.values)[uint64_t(i) * ch + k] = (op_.pool.fp16 ? pool_point_fp16 : pool_point)(
                        &input_[(s * cps + k) * plane], op_.src.width, op_.src.height, op_.pool, seg.ox0 + i, oy);
        }
        o.ready = sc_core::sc_time_stamp() + clock_.cycles(params_.latency_cycles);
        o.last = ++rows_emitted_ == rows_total_;
        sc_core::sc_time t0 = sc_core::sc_time_stamp();
        out_q_.put(o);
        uint64_t blocked = clock_.to_cycles(sc_core::sc_time_stamp() - t0);
        op_stall_out_ += blocked;
        stall_out_ += blocked;
    }
}

void Pdp::compute()
{
    uint32_t next_oy = 0;
    for (;;) {
        sc_core::sc_time asked = sc_core::sc_time_stamp();
        InItem item = in_q_.get();
        sc_core::sc_time from = op_.flying ? sc_core::sc_time_stamp() : std::max(asked, op_start_);
        clock_.wait_until(item.ready);
        sc_core::sc_time now = sc_core::sc_time_stamp();
        uint64_t stall = now > from ? clock_.to_cycles(now - from) : 0;
        op_stall_mem_ += stall;
        stall_mem_ += stall;

        uint64_t cycles = (item.elements + params_.throughput - 1) / params_.throughput;
        sc_core::wait(clock_.cycles(cycles));
        op_busy_ += cycles;
        busy_ += cycles;
        elements_ += item.elements;

        if (!op_.flying) {
            if (item.y == 0)
                next_oy = 0;
            emit_rows(item.s, segments_[item.seg], next_oy, item.y + 1);
            continue;
        }
        // On-the-fly: a row of a surface is complete once all its points and channels arrived.
        const FeatureCube &in = op_.src;
        const uint32_t cps = in.cps();
        const Block &b = item.blk;
        for (uint32_t s = b.k0 / cps; s <= (b.k0 + b.k_count - 1) / cps; ++s) {
            uint32_t c_lo = std::max(b.k0, s * cps), c_hi = std::min(b.k0 + b.k_count, (s + 1) * cps);
            uint32_t ch = std::min(cps, in.channels - s * cps);
            for (uint32_t p = b.p0; p < b.p0 + b.p_count;) {
                uint32_t y = p / in.width, n = std::min(in.width - p % in.width, b.p0 + b.p_count - p);
                row_fill_[uint64_t(s) * in.height + y] += uint64_t(n) * (c_hi - c_lo);
                p += n;
            }
            while (rows_done_[s] < in.height &&
                   row_fill_[uint64_t(s) * in.height + rows_done_[s]] == uint64_t(in.width) * ch)
                ++rows_done_[s];
            emit_rows(s, segments_[0], next_oy_[s], rows_done_[s]);
        }
    }
}

void Pdp::output()
{
    for (;;) {
        OutItem o = out_q_.get();
        clock_.wait_until(o.ready);
        feature_write(wdma_, op_.dst, o.blk, o.values.get());
        if (o.last) {
            wdma_.drain();
            op_done_ = true;
            done_event_.notify(sc_core::SC_ZERO_TIME);
        }
    }
}

} // namespace dlasim::hw
