// CDP pipeline (timing rules in cdp.h, register decode in cdp_op.h, arithmetic in cdp_math.h).
#include "cdp.h"

#include <algorithm>
#include <stdexcept>

#include "cdp_math.h"
#include "dla/nvdla_regs.h"
#include "memory/memory_system.h"

namespace dlasim::hw {

CdpParams CdpParams::from_config(const dla_config &cfg)
{
    CdpParams p;
    p.throughput = static_cast<uint32_t>(cfg.core.cdp_throughput);
    p.latency_cycles = static_cast<uint32_t>(std::max(0, cfg.core.cdp_latency_cycles));
    p.atom_bytes = static_cast<uint32_t>(cfg.core.memory_atomic_bytes);
    p.request_bytes = static_cast<uint32_t>(cfg.core.dma_request_bytes);
    p.max_outstanding = static_cast<uint32_t>(cfg.core.dma_max_outstanding);
    if (p.throughput == 0 || p.atom_bytes == 0)
        throw std::invalid_argument("CDP: core.cdp.throughput and core.memory_atomic_bytes must be positive");
    return p;
}

Cdp::Cdp(sc_core::sc_module_name name, const CdpParams &params, bool functional, const CoreClock &clock,
         const CdpPorts &ports, InterruptSink &irq, StatsRegistry &stats, const std::string &prefix)
    : sc_core::sc_module(name), params_(params), functional_(functional), clock_(clock), irq_(irq),
      name_(prefix + ".cdp"), rdma_regs_("CDP_RDMA", NVDLA_CDP_RDMA_BASE),
      rdma_(name_ + ".rdma", ports.r, clock, DmaParams{params.request_bytes, params.max_outstanding, kClientPdpR},
            stats),
      wdma_(name_ + ".wdma", ports.w, clock, DmaParams{params.request_bytes, params.max_outstanding, kClientPdpW},
            stats),
      ops_(stats.declare(name_ + ".ops", "ops", "CDP operations completed")),
      elements_(stats.declare(name_ + ".elements", "elements", "elements through the CDP datapath")),
      busy_(stats.declare(name_ + ".busy_cycles", "cycles", "cycles the CDP datapath was processing")),
      stall_mem_(stats.declare(name_ + ".stall_mem_cycles", "cycles", "datapath cycles waiting for memory data")),
      stall_out_(stats.declare(name_ + ".stall_out_cycles", "cycles", "datapath cycles waiting for output space"))
{
    SC_THREAD(control);
    SC_THREAD(compute);
    SC_THREAD(output);
}

void Cdp::control()
{
    for (;;) {
        int g = regs_.wait_for_enabled_op();
        int rg = rdma_regs_.wait_for_enabled_op(); // CDP is always offline
        op_start_ = sc_core::sc_time_stamp();
        uint64_t start = clock_.now_cycles();
        try {
            op_ = decode_cdp_op(regs_, g, rdma_regs_, rg, params_.atom_bytes, functional_);
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument(name_ + ": " + e.what());
        }
        const FeatureCube &in = op_.src;
        const uint32_t surfaces = in.surfaces(), cps = in.cps();
        arrived_.assign(uint64_t(surfaces) * in.height, sc_core::SC_ZERO_TIME);
        const uint64_t plane = uint64_t(in.width) * in.height;
        if (functional_)
            input_.assign(uint64_t(in.channels) * plane, 0);
        uint64_t item_bytes = std::max<uint64_t>(1, uint64_t(in.width) * params_.atom_bytes);
        // Deep enough for the LRN look-ahead (items of the next surfaces of the same row) and the DMA.
        size_t depth = std::max<uint64_t>(
            surfaces + 2, (uint64_t(params_.max_outstanding) * params_.request_bytes + item_bytes - 1) / item_bytes);
        in_q_.set_capacity(depth);
        out_q_.set_capacity(depth);
        rdma_.reset_op_counters();
        wdma_.reset_op_counters();
        op_busy_ = op_stall_mem_ = op_stall_out_ = 0;
        op_done_ = false;

        for (uint32_t y = 0; y < in.height; ++y) {
            for (uint32_t s = 0; s < surfaces; ++s) {
                Item item;
                item.y = y;
                item.s = s;
                item.blk = Block{s * cps, cps, y * in.width, in.width};
                if (functional_)
                    item.values = std::make_shared<std::vector<int32_t>>();
                item.ready = feature_read(rdma_, in, item.blk, item.values.get());
                if (functional_) // the converted input, for the LRN window across surfaces
                    for (uint32_t x = 0; x < in.width; ++x)
                        for (uint32_t k = 0; k < cps; ++k)
                            input_[(uint64_t(s) * cps + k) * plane + uint64_t(y) * in.width + x] =
                                static_cast<int32_t>(cdp_cvt_in((*item.values)[uint64_t(x) * cps + k], op_.in));
                arrived_[uint64_t(y) * surfaces + s] = item.ready;
                item.last = y + 1 == in.height && s + 1 == surfaces;
                in_q_.put(item);
            }
        }
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
        rdma_regs_.set_ext64(rg, kExtStartCycle, start);
        rdma_regs_.set_ext64(rg, kExtEndCycle, end);
        rdma_regs_.set_ext64(rg, kExtDramRead, rdma_.op_read_bytes());
        rdma_regs_.set_ext64(rg, kExtStallMem, op_stall_mem_);
        rdma_regs_.complete();
        regs_.complete();
        ops_ += 1;
        irq_.raise_interrupt(kIrqCdp + static_cast<unsigned>(g));
    }
}

void Cdp::compute()
{
    for (;;) {
        sc_core::sc_time asked = sc_core::sc_time_stamp();
        Item item = in_q_.get();
        const uint32_t surfaces = op_.src.surfaces(), cps = op_.src.cps();
        uint32_t reach = op_.sqsum_bypass ? 0 : ((op_.window - 1) / 2 + cps - 1) / cps;
        uint32_t s_need = std::min(surfaces - 1, item.s + reach);
        // The look-ahead item was read before this one was taken only if the queue got that far.
        while (arrived_[uint64_t(item.y) * surfaces + s_need] == sc_core::SC_ZERO_TIME && s_need > item.s)
            sc_core::wait(clock_.cycles(1));
        sc_core::sc_time ready = std::max(item.ready, arrived_[uint64_t(item.y) * surfaces + s_need]);
        sc_core::sc_time from = std::max(asked, op_start_);
        clock_.wait_until(ready);
        uint64_t stall = clock_.to_cycles(sc_core::sc_time_stamp() - std::min(from, sc_core::sc_time_stamp()));
        op_stall_mem_ += stall;
        stall_mem_ += stall;

        const uint64_t n = item.blk.elements();
        uint64_t cycles = (n + params_.throughput - 1) / params_.throughput;
        sc_core::wait(clock_.cycles(cycles));
        op_busy_ += cycles;
        busy_ += cycles;
        elements_ += n;
        if (functional_) {
            const FeatureCube &in = op_.src;
            const uint64_t plane = uint64_t(in.width) * in.height;
            const int64_t half = op_.window / 2;
            for (uint32_t x = 0; x < in.width; ++x) {
                for (uint32_t k = 0; k < cps; ++k) {
                    const int64_t c = int64_t(item.s) * cps + k;
                    const uint64_t at = uint64_t(item.y) * in.width + x;
                    const int64_t v = input_[uint64_t(c) * plane + at];
                    // NVDLA (cmod lookup_lut_int8): the LUT always runs, on the square sum or, with
                    // SQSUM bypassed, on the converted input itself; MUL bypassed outputs the LUT
                    // result, else the converted input times it.
                    int64_t sq = v;
                    if (!op_.sqsum_bypass) {
                        sq = 0;
                        for (int64_t cc = std::max<int64_t>(0, c - half);
                             cc <= std::min<int64_t>(int64_t(in.channels) - 1, c + half); ++cc) {
                            const int64_t u = input_[uint64_t(cc) * plane + at];
                            sq += u * u;
                        }
                    }
                    const int64_t lut = regs_.lut().lookup(op_.lut, sq);
                    const int64_t r = op_.mul_bypass ? lut : v * lut;
                    (*item.values)[uint64_t(x) * cps + k] = cdp_cvt_out(r, op_.out);
                }
            }
        }
        item.ready = sc_core::sc_time_stamp() + clock_.cycles(params_.latency_cycles);
        sc_core::sc_time t0 = sc_core::sc_time_stamp();
        out_q_.put(item);
        uint64_t blocked = clock_.to_cycles(sc_core::sc_time_stamp() - t0);
        op_stall_out_ += blocked;
        stall_out_ += blocked;
    }
}

void Cdp::output()
{
    for (;;) {
        Item item = out_q_.get();
        clock_.wait_until(item.ready);
        feature_write(wdma_, op_.dst, item.blk, item.values.get());
        if (item.last) {
            wdma_.drain();
            op_done_ = true;
            done_event_.notify(sc_core::SC_ZERO_TIME);
        }
    }
}

} // namespace dlasim::hw
