// SDP pipeline (timing rules in sdp.h, register decode in sdp_op.h, arithmetic in sdp_math.h).
#include "sdp.h"

#include "common/half.h"

#include <algorithm>
#include <stdexcept>

#include "dla/nvdla_regs.h"
#include "memory/memory_system.h"

namespace dlasim::hw {

SdpParams SdpParams::from_config(const dla_config &cfg)
{
    SdpParams p;
    p.bs_throughput = static_cast<uint32_t>(cfg.core.sdp_bs_throughput);
    p.bn_throughput = static_cast<uint32_t>(cfg.core.sdp_bn_throughput);
    p.ew_throughput = static_cast<uint32_t>(cfg.core.sdp_ew_throughput);
    p.latency_cycles = static_cast<uint32_t>(cfg.core.sdp_latency_cycles);
    p.atom_bytes = static_cast<uint32_t>(cfg.core.memory_atomic_bytes);
    p.request_bytes = static_cast<uint32_t>(cfg.core.dma_request_bytes);
    p.max_outstanding = static_cast<uint32_t>(cfg.core.dma_max_outstanding);
    if (p.bs_throughput == 0 || p.bn_throughput == 0 || p.atom_bytes == 0)
        throw std::invalid_argument("SDP: core.sdp_bs/bn_throughput and core.memory_atomic_bytes must be positive");
    return p;
}

namespace {
DmaParams dma_params(const SdpParams &p, int client)
{
    return DmaParams{p.request_bytes, p.max_outstanding, client};
}
} // namespace

Sdp::Sdp(sc_core::sc_module_name name, const SdpParams &params, bool functional, const CoreClock &clock,
         const SdpPorts &ports, InterruptSink &irq, StatsRegistry &stats, const std::string &prefix,
         sc_core::sc_fifo<OutputChunk> *from_cacc, sc_core::sc_fifo<OutputChunk> *to_pdp)
    : sc_core::sc_module(name), params_(params), functional_(functional), clock_(clock), irq_(irq),
      name_(prefix + ".sdp"), from_cacc_(from_cacc), to_pdp_(to_pdp), rdma_regs_("SDP_RDMA", NVDLA_SDP_RDMA_BASE),
      regs_(), mdma_(name_ + ".rdma_m", ports.m, clock, dma_params(params, kClientSdpM), stats),
      bdma_(name_ + ".rdma_b", ports.b, clock, dma_params(params, kClientSdpB), stats),
      ndma_(name_ + ".rdma_n", ports.n, clock, dma_params(params, kClientSdpN), stats),
      edma_(name_ + ".rdma_e", ports.e, clock, dma_params(params, kClientSdpE), stats),
      wdma_(name_ + ".wdma", ports.w, clock, dma_params(params, kClientSdpW), stats),
      ops_(stats.declare(name_ + ".ops", "ops", "SDP operations completed")),
      elements_(stats.declare(name_ + ".elements", "elements", "elements through the SDP datapath")),
      busy_(stats.declare(name_ + ".busy_cycles", "cycles", "cycles the SDP datapath was processing")),
      stall_mem_(stats.declare(name_ + ".stall_mem_cycles", "cycles", "datapath cycles waiting for memory data")),
      stall_out_(stats.declare(name_ + ".stall_out_cycles", "cycles", "datapath cycles waiting for output space"))
{
    SC_THREAD(control);
    SC_THREAD(compute);
    SC_THREAD(output);
}

uint64_t Sdp::cycles_since(const sc_core::sc_time &t) const
{
    sc_core::sc_time now = sc_core::sc_time_stamp();
    return now > t ? clock_.to_cycles(now - t) : 0;
}

void Sdp::control()
{
    for (;;) {
        int g = regs_.wait_for_enabled_op();
        int rg = -1;
        if (sdp_needs_rdma(regs_, g))
            rg = rdma_regs_.wait_for_enabled_op();
        op_start_ = sc_core::sc_time_stamp();
        uint64_t start = clock_.now_cycles();
        try {
            op_ = decode_sdp_op(regs_, g, rdma_regs_, rg, params_.atom_bytes, functional_);
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument(name_ + ": " + e.what());
        }
        if (op_.flying && !from_cacc_)
            throw std::invalid_argument(name_ + ": flying mode but this core has no convolution pipeline");
        if (op_.to_pdp && !to_pdp_)
            throw std::invalid_argument(name_ + ": output to PDP but no PDP is connected");
        throughput_ = 0;
        auto take = [&](bool on, uint32_t t) {
            if (on)
                throughput_ = throughput_ ? std::min(throughput_, t) : t;
        };
        take(op_.bs.enable, params_.bs_throughput);
        take(op_.bn.enable, params_.bn_throughput);
        take(op_.ew_stage.enable, params_.ew_throughput);
        if (throughput_ == 0)
            throughput_ = params_.bs_throughput;
        uint64_t item_bytes = std::max<uint64_t>(1, uint64_t(op_.width) * params_.atom_bytes);
        size_t depth = std::max<uint64_t>(
            2, (uint64_t(params_.max_outstanding) * params_.request_bytes + item_bytes - 1) / item_bytes);
        in_q_.set_capacity(depth);
        out_q_.set_capacity(depth);
        for (DmaEngine *d : {&mdma_, &bdma_, &ndma_, &edma_, &wdma_})
            d->reset_op_counters();
        op_busy_ = op_stall_mem_ = op_stall_out_ = 0;
        op_done_ = false;

        run_input();
        while (!op_done_)
            sc_core::wait(done_event_);

        uint64_t end = clock_.now_cycles();
        uint64_t rd = mdma_.op_read_bytes() + bdma_.op_read_bytes() + ndma_.op_read_bytes() + edma_.op_read_bytes();
        regs_.set_ext64(g, kExtStartCycle, start);
        regs_.set_ext64(g, kExtEndCycle, end);
        regs_.set_ext64(g, kExtDramRead, rd);
        regs_.set_ext64(g, kExtDramWrite, wdma_.op_write_bytes());
        regs_.set_ext64(g, kExtStallMem, op_stall_mem_);
        regs_.set_ext64(g, kExtStallOut, op_stall_out_);
        regs_.set_ext64(g, kExtBusy, op_busy_);
        if (rg >= 0) {
            rdma_regs_.set_ext64(rg, kExtStartCycle, start);
            rdma_regs_.set_ext64(rg, kExtEndCycle, end);
            rdma_regs_.set_ext64(rg, kExtDramRead, rd);
            rdma_regs_.set_ext64(rg, kExtStallMem, op_stall_mem_);
            rdma_regs_.complete();
        }
        regs_.complete();
        ops_ += 1;
        irq_.raise_interrupt(kIrqSdp + static_cast<unsigned>(g));
    }
}

sc_core::sc_time Sdp::read_operands(DmaEngine &dma, const SdpOp::Operands &ops, std::vector<int32_t> *alu,
                                    std::vector<int32_t> *mul)
{
    alu->assign(op_.channels, ops.alu_reg);
    mul->assign(op_.channels, ops.mul_reg);
    if (!ops.from_mem() || ops.per_element) // per-element operands arrive with each block
        return sc_core::sc_time_stamp();
    std::vector<uint8_t> buf(functional_ ? uint64_t(op_.channels) * 4 : 0);
    sc_core::sc_time t = dma.read(ops.addr, uint64_t(op_.channels) * 4, functional_ ? buf.data() : nullptr);
    if (functional_) {
        for (uint32_t k = 0; k < op_.channels; ++k) {
            auto half = [&](int h) {
                return int32_t(int16_t(uint16_t(buf[4 * k + 2 * h] | (buf[4 * k + 2 * h + 1] << 8))));
            };
            if (ops.alu_mem)
                (*alu)[k] = half(0);
            if (ops.mul_mem)
                (*mul)[k] = half(1);
        }
    }
    return t;
}

sc_core::sc_time Sdp::read_ew_mul()
{
    ew_mul_.assign(op_.channels, op_.ew_stage.mul_operand);
    if (!op_.ew_mul_mem)
        return sc_core::sc_time_stamp();
    std::vector<int32_t> raw;
    const Block all{0, op_.channels, 0, 1}; // every channel of the single point
    sc_core::sc_time t = feature_read(edma_, op_.ew_mul, all, functional_ ? &raw : nullptr);
    if (functional_)
        for (uint32_t k = 0; k < op_.channels && k < raw.size(); ++k)
            ew_mul_[k] = sdp_ew_mul_cvt(raw[k], op_.ew_stage);
    return t;
}

sc_core::sc_time Sdp::fetch_ew(Item &item)
{
    if (!op_.ew_from_mem && !op_.ew_mul_elem)
        return sc_core::sc_time_stamp();
    if (functional_)
        item.ew = std::make_shared<std::vector<int32_t>>();
    return feature_read(edma_, op_.ew, item.blk, item.ew.get());
}

sc_core::sc_time Sdp::fetch_elementwise(DmaEngine &dma, const SdpOp::Operands &ops, const Block &blk,
                                        std::shared_ptr<std::vector<int32_t>> &out)
{
    if (!ops.per_element)
        return sc_core::sc_time_stamp();
    if (functional_)
        out = std::make_shared<std::vector<int32_t>>();
    return feature_read(dma, ops.cube, blk, out.get());
}

void Sdp::run_input()
{
    sc_core::sc_time operands_ready = std::max({read_operands(bdma_, op_.bs_ops, &bs_alu_, &bs_mul_),
                                                read_operands(ndma_, op_.bn_ops, &bn_alu_, &bn_mul_), read_ew_mul()});
    const uint64_t points = uint64_t(op_.width) * op_.height;
    if (op_.flying) {
        for (;;) {
            OutputChunk c = from_cacc_->read();
            if (c.k_count == 0 || c.p_count == 0 || c.k0 + uint64_t(c.k_count) > op_.channels ||
                c.p0 + uint64_t(c.p_count) > points || c.image >= op_.batch)
                throw std::runtime_error(name_ + ": chunk from CACC outside the " + std::to_string(op_.width) + "x" +
                                         std::to_string(op_.height) + "x" + std::to_string(op_.channels) +
                                         " cube (batch " + std::to_string(op_.batch) + ")");
            if (functional_ && (!c.values || c.values->size() != c.elements()))
                throw std::runtime_error(name_ + ": functional mode but a CACC chunk carries no values");
            if (functional_ && c.fp32 != op_.fp)
                throw std::runtime_error(name_ + ": D_DATA_FORMAT.PROC_PRECISION = " + (op_.fp ? "FP16" : "INT8") +
                                         " but the convolution delivers " + (c.fp32 ? "FP16" : "INT8") +
                                         " sums (DC mode converts no precision)");
            Item item;
            item.blk = Block{c.k0, c.k_count, c.p0, c.p_count};
            item.image = c.image;
            item.values = c.values;
            // The conv core delivers K kernels; NVDLA's SDP also computes the lanes of the last atom
            // above K, from zero accumulators (op_.channels is rounded up to the atom, sdp_op.h).
            const uint32_t kcount = c.k0 + c.k_count == op_.reg_channels ? op_.channels - c.k0 : c.k_count;
            if (kcount != c.k_count) {
                item.blk.k_count = kcount;
                if (functional_) {
                    auto wide = std::make_shared<std::vector<int32_t>>(uint64_t(kcount) * c.p_count, 0);
                    for (uint64_t p = 0; p < c.p_count; ++p)
                        for (uint32_t k = 0; k < c.k_count; ++k)
                            (*wide)[p * kcount + k] = (*c.values)[p * c.k_count + k];
                    item.values = wide;
                }
            }
            item.last = c.last;
            item.ready =
                std::max({operands_ready, fetch_ew(item), fetch_elementwise(bdma_, op_.bs_ops, item.blk, item.bs),
                          fetch_elementwise(ndma_, op_.bn_ops, item.blk, item.bn)});
            in_q_.put(item);
            if (c.last)
                return;
        }
    }
    const uint32_t cps = op_.src.cps(), surfaces = op_.src.surfaces();
    for (uint32_t s = 0; s < surfaces; ++s) {
        for (uint32_t y = 0; y < op_.height; ++y) {
            Item item;
            item.blk = Block{s * cps, std::min(cps, op_.channels - s * cps), y * op_.width, op_.width};
            if (functional_)
                item.values = std::make_shared<std::vector<int32_t>>();
            sc_core::sc_time t = feature_read(mdma_, op_.src, item.blk, item.values.get());
            item.ready =
                std::max({operands_ready, t, fetch_ew(item), fetch_elementwise(bdma_, op_.bs_ops, item.blk, item.bs),
                          fetch_elementwise(ndma_, op_.bn_ops, item.blk, item.bn)});
            item.last = s + 1 == surfaces && y + 1 == op_.height;
            in_q_.put(item);
        }
    }
}

void Sdp::compute()
{
    for (;;) {
        sc_core::sc_time asked = sc_core::sc_time_stamp();
        Item item = in_q_.get();
        // Offline, an empty queue means memory data is late; flying, it means CACC is (not a stall).
        sc_core::sc_time from = op_.flying ? sc_core::sc_time_stamp() : std::max(asked, op_start_);
        clock_.wait_until(item.ready);
        uint64_t stall = cycles_since(from);
        op_stall_mem_ += stall;
        stall_mem_ += stall;

        const uint64_t n = item.blk.elements();
        uint64_t cycles = (n + throughput_ - 1) / throughput_;
        sc_core::wait(clock_.cycles(cycles));
        op_busy_ += cycles;
        busy_ += cycles;
        elements_ += n;
        if (functional_) {
            auto out = std::make_shared<std::vector<int32_t>>(n);
            const uint32_t kc = item.blk.k_count;
            for (uint64_t i = 0; i < n && op_.fp; ++i) {
                // FP pipeline: binary32 from CACC, FP16 (or INT8) from memory.
                const uint32_t c = item.blk.k0 + static_cast<uint32_t>(i % kc);
                const int32_t raw = (*item.values)[i];
                float v = op_.flying         ? bits_float(static_cast<uint32_t>(raw))
                          : op_.src.bpe == 2 ? half_to_float(static_cast<uint16_t>(raw & 0xffff))
                                             : static_cast<float>(raw);
                v = sdp_x_stage_fp(v, op_.bs, static_cast<uint16_t>(bs_alu_[c] & 0xffff),
                                   static_cast<uint16_t>(bs_mul_[c] & 0xffff));
                v = sdp_x_stage_fp(v, op_.bn, static_cast<uint16_t>(bn_alu_[c] & 0xffff),
                                   static_cast<uint16_t>(bn_mul_[c] & 0xffff));
                const float e = op_.ew_from_mem ? half_to_float(static_cast<uint16_t>((*item.ew)[i] & 0xffff))
                                                : bits_float(static_cast<uint32_t>(op_.ew_reg_operand));
                v = sdp_ew_stage_fp(v, op_.ew_stage, e, bits_float(static_cast<uint32_t>(ew_mul_[c])));
                (*out)[i] = sdp_out_fp(v, op_.dst.bpe == 1);
            }
            for (uint64_t i = 0; i < n && !op_.fp; ++i) {
                uint32_t c = item.blk.k0 + static_cast<uint32_t>(i % kc);
                int64_t v = (*item.values)[i];
                // Per-element operands replace the per-kernel one of the part they feed.
                int32_t bs_alu = bs_alu_[c], bs_mul = bs_mul_[c], bn_alu = bn_alu_[c], bn_mul = bn_mul_[c];
                if (item.bs)
                    (op_.bs_ops.alu_mem ? bs_alu : bs_mul) = (*item.bs)[i];
                if (item.bn)
                    (op_.bn_ops.alu_mem ? bn_alu : bn_mul) = (*item.bn)[i];
                v = sdp_x_stage(v, op_.bs, bs_alu, bs_mul);
                v = sdp_x_stage(v, op_.bn, bn_alu, bn_mul);
                // A per-element MUL operand (ElementWise PROD) goes through the MUL converter.
                const int64_t mul = op_.ew_mul_elem ? sdp_ew_mul_cvt((*item.ew)[i], op_.ew_stage) : ew_mul_[c];
                v = sdp_ew_stage(v, op_.ew_stage, op_.ew_from_mem ? (*item.ew)[i] : op_.ew_reg_operand, mul);
                if (op_.lut)
                    v = sdp_lut(op_.lut_cfg, regs_.lut(), v);
                (*out)[i] = sdp_out_cvt(v, op_.out);
            }
            item.values = out;
            item.ew.reset();
            item.bs.reset();
            item.bn.reset();
        }
        item.ready = sc_core::sc_time_stamp() + clock_.cycles(params_.latency_cycles);
        sc_core::sc_time t0 = sc_core::sc_time_stamp();
        out_q_.put(item);
        uint64_t blocked = clock_.to_cycles(sc_core::sc_time_stamp() - t0);
        op_stall_out_ += blocked;
        stall_out_ += blocked;
    }
}

void Sdp::output()
{
    for (;;) {
        Item item = out_q_.get();
        clock_.wait_until(item.ready);
        if (op_.to_pdp) {
            OutputChunk c;
            c.k0 = item.blk.k0;
            c.k_count = item.blk.k_count;
            c.p0 = item.blk.p0;
            c.p_count = item.blk.p_count;
            c.last = item.last;
            c.values = item.values;
            to_pdp_->write(c);
        } else {
            FeatureCube dst = op_.dst;
            dst.base += item.image * op_.dst_batch_stride;
            feature_write(wdma_, dst, item.blk, item.values.get());
        }
        if (item.last) {
            wdma_.drain();
            op_done_ = true;
            done_event_.notify(sc_core::SC_ZERO_TIME);
        }
    }
}

} // namespace dlasim::hw
