// RUBIK: register decode, work-item planning, the read and write threads (timing rules in rubik.h).
#include "rubik.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "dla/nvdla_regs.h"
#include "memory/memory_system.h"

namespace dlasim::hw {

namespace {
constexpr uint64_t kAlignMask = ~uint64_t{0x1f}; // address and stride fields hold 32-byte units
constexpr uint32_t kMaxDim = 8192;               // 13-bit size fields (value - 1)
} // namespace

RubikParams RubikParams::from_config(const dla_config &cfg)
{
    RubikParams p;
    if (cfg.core.rubik_bytes_per_cycle < 1 || cfg.core.rubik_request_bytes < 1)
        throw std::invalid_argument("RUBIK: core.rubik.bytes_per_cycle and core.rubik.request_bytes must be positive "
                                    "when core.features.rubik is true");
    p.bytes_per_cycle = static_cast<uint32_t>(cfg.core.rubik_bytes_per_cycle);
    p.request_bytes = static_cast<uint32_t>(cfg.core.rubik_request_bytes);
    p.max_outstanding = static_cast<uint32_t>(std::max(1, cfg.core.dma_max_outstanding));
    p.atom_bytes = static_cast<uint32_t>(cfg.core.memory_atomic_bytes);
    return p;
}

RubikOp decode_rubik_op(const RegisterFile &regs, int g, uint32_t atom_bytes)
{
    auto reg = [&](uint32_t addr) { return regs.get(g, addr); };
    auto addr = [&](uint32_t low, uint32_t high) {
        return (uint64_t{reg(high)} << 32) | (uint64_t{reg(low)} & kAlignMask & 0xffffffffu);
    };
    auto stride = [&](uint32_t r) { return uint64_t{reg(r)} & kAlignMask & 0xffffffffu; };
    RubikOp op;
    const uint32_t misc = reg(NVDLA_RBK_D_MISC_CFG);
    const uint32_t mode = NVDLA_GET(NVDLA_RBK_D_MISC_CFG, RUBIK_MODE, misc);
    if (mode > 2)
        throw std::invalid_argument("D_MISC_CFG.RUBIK_MODE " + std::to_string(mode) +
                                    " is reserved (0 contract, 1 split, 2 merge)");
    op.mode = static_cast<RubikMode>(mode);
    const uint32_t prec = NVDLA_GET(NVDLA_RBK_D_MISC_CFG, IN_PRECISION, misc);
    if (prec > 2)
        throw std::invalid_argument("D_MISC_CFG.IN_PRECISION " + std::to_string(prec) +
                                    " is reserved (0 INT8, 1 INT16, 2 FP16)");
    op.bpe = prec == 0 ? 1 : 2;
    const uint32_t s0 = reg(NVDLA_RBK_D_DATAIN_SIZE_0);
    op.in_w = NVDLA_GET(NVDLA_RBK_D_DATAIN_SIZE_0, DATAIN_WIDTH, s0) + 1;
    op.in_h = NVDLA_GET(NVDLA_RBK_D_DATAIN_SIZE_0, DATAIN_HEIGHT, s0) + 1;
    op.in_c = NVDLA_GET(NVDLA_RBK_D_DATAIN_SIZE_1, DATAIN_CHANNEL, reg(NVDLA_RBK_D_DATAIN_SIZE_1)) + 1;
    op.out_c = NVDLA_GET(NVDLA_RBK_D_DATAOUT_SIZE_1, DATAOUT_CHANNEL, reg(NVDLA_RBK_D_DATAOUT_SIZE_1)) + 1;
    const uint32_t ds = reg(NVDLA_RBK_D_DECONV_STRIDE);
    op.sx = NVDLA_GET(NVDLA_RBK_D_DECONV_STRIDE, DECONV_X_STRIDE, ds) + 1;
    op.sy = NVDLA_GET(NVDLA_RBK_D_DECONV_STRIDE, DECONV_Y_STRIDE, ds) + 1;
    op.dain = addr(NVDLA_RBK_D_DAIN_ADDR_LOW, NVDLA_RBK_D_DAIN_ADDR_HIGH);
    op.daout = addr(NVDLA_RBK_D_DAOUT_ADDR_LOW, NVDLA_RBK_D_DAOUT_ADDR_HIGH);
    op.dain_line = stride(NVDLA_RBK_D_DAIN_LINE_STRIDE);
    op.dain_surf = stride(NVDLA_RBK_D_DAIN_SURF_STRIDE);
    op.dain_planar = stride(NVDLA_RBK_D_DAIN_PLANAR_STRIDE);
    op.daout_line = stride(NVDLA_RBK_D_DAOUT_LINE_STRIDE);
    op.daout_surf = stride(NVDLA_RBK_D_DAOUT_SURF_STRIDE);
    op.daout_planar = stride(NVDLA_RBK_D_DAOUT_PLANAR_STRIDE);
    op.contract0 = stride(NVDLA_RBK_D_CONTRACT_STRIDE_0);
    op.contract1 = stride(NVDLA_RBK_D_CONTRACT_STRIDE_1);
    const uint32_t cps = atom_bytes / op.bpe;
    if (op.mode == RubikMode::kContract) {
        const uint64_t so = (op.out_c + cps - 1) / cps;
        const uint64_t groups = uint64_t(op.sx) * op.sy;
        if ((op.in_c + cps - 1) / cps != groups * so)
            throw std::invalid_argument(
                "contract: DATAIN_CHANNEL + 1 = " + std::to_string(op.in_c) + " must fill DECONV_X_STRIDE x " +
                "DECONV_Y_STRIDE = " + std::to_string(groups) + " groups of ceil((DATAOUT_CHANNEL + 1) / " +
                std::to_string(cps) + ") = " + std::to_string(so) + " surfaces");
        if (uint64_t(op.in_w) * op.sx > kMaxDim || uint64_t(op.in_h) * op.sy > kMaxDim)
            throw std::invalid_argument("contract: output " + std::to_string(uint64_t(op.in_w) * op.sx) + " x " +
                                        std::to_string(uint64_t(op.in_h) * op.sy) + " exceeds 8192");
        if ((groups > 1 && op.contract0 == 0) || (op.in_h > 1 && op.contract1 == 0) ||
            (op.sy > 1 && op.daout_line == 0) || (so > 1 && (op.dain_surf == 0 || op.daout_surf == 0)))
            throw std::invalid_argument("contract: CONTRACT_STRIDE_0/1, DAOUT_LINE_STRIDE and the surface strides "
                                        "must be non-zero where more than one group, row or surface is moved");
    } else {
        if (op.mode == RubikMode::kSplit && op.in_c > 1 && op.daout_planar == 0)
            throw std::invalid_argument("split: DAOUT_PLANAR_STRIDE must be non-zero for more than one channel");
        if (op.mode == RubikMode::kMerge && op.in_c > 1 && op.dain_planar == 0)
            throw std::invalid_argument("merge: DAIN_PLANAR_STRIDE must be non-zero for more than one channel");
    }
    return op;
}

Rubik::Rubik(sc_core::sc_module_name name, const RubikParams &params, bool functional, const CoreClock &clock,
             MemoryPort &read_port, MemoryPort &write_port, InterruptSink &irq, StatsRegistry &stats,
             const std::string &stats_prefix)
    : sc_core::sc_module(name), params_(params), functional_(functional), clock_(clock), irq_(irq),
      name_(stats_prefix + ".rubik"), regs_("RBK", NVDLA_RBK_BASE),
      rd_(name_ + ".rd", read_port, clock, DmaParams{params.request_bytes, params.max_outstanding, kClientRubikRead},
          stats),
      wr_(name_ + ".wr", write_port, clock, DmaParams{params.request_bytes, params.max_outstanding, kClientRubikWrite},
          stats),
      ops_(stats.declare(name_ + ".ops", "ops", "RUBIK operations completed")),
      bytes_(stats.declare(name_ + ".bytes", "bytes", "bytes through the RUBIK datapath")),
      busy_(stats.declare(name_ + ".busy_cycles", "cycles", "cycles the RUBIK datapath was processing")),
      stall_mem_(stats.declare(name_ + ".stall_mem_cycles", "cycles", "datapath cycles waiting for read data"))
{
    if (params_.bytes_per_cycle == 0 || params_.request_bytes == 0 || params_.atom_bytes == 0)
        throw std::invalid_argument(name_ + ": bytes_per_cycle, request_bytes and atom_bytes must be positive");
    SC_THREAD(reader);
    SC_THREAD(writer);
}

// The work items of an op, in the order of the timing rules.
void Rubik::plan(const RubikOp &op)
{
    items_.clear();
    const uint32_t cps = params_.atom_bytes / op.bpe;
    const uint64_t atom = params_.atom_bytes;
    if (op.mode == RubikMode::kContract) {
        const uint32_t so = (op.out_c + cps - 1) / cps;
        for (uint32_t s = 0; s < so; ++s)
            for (uint32_t h = 0; h < op.in_h; ++h)
                for (uint32_t j = 0; j < op.sy; ++j) {
                    Item it;
                    for (uint32_t i = 0; i < op.sx; ++i)
                        it.reads.push_back(
                            {op.dain + (uint64_t(j) * op.sx + i) * op.contract0 + s * op.dain_surf + h * op.dain_line,
                             op.in_w * atom});
                    it.writes.push_back({op.daout + s * op.daout_surf + h * op.contract1 + j * op.daout_line,
                                         uint64_t(op.in_w) * op.sx * atom});
                    items_.push_back(std::move(it));
                }
    } else {
        const uint32_t surfaces = (op.in_c + cps - 1) / cps;
        for (uint32_t s = 0; s < surfaces; ++s)
            for (uint32_t y = 0; y < op.in_h; ++y) {
                Item it;
                const uint32_t n = std::min(cps, op.in_c - s * cps);
                const Line feature{(op.mode == RubikMode::kSplit ? op.dain : op.daout) +
                                       s * (op.mode == RubikMode::kSplit ? op.dain_surf : op.daout_surf) +
                                       y * (op.mode == RubikMode::kSplit ? op.dain_line : op.daout_line),
                                   op.in_w * atom};
                std::vector<Line> planes;
                for (uint32_t k = 0; k < n; ++k) {
                    const uint64_t c = uint64_t(s) * cps + k;
                    planes.push_back(
                        op.mode == RubikMode::kSplit
                            ? Line{op.daout + c * op.daout_planar + y * op.daout_line, uint64_t(op.in_w) * op.bpe}
                            : Line{op.dain + c * op.dain_planar + y * op.dain_line, uint64_t(op.in_w) * op.bpe});
                }
                if (op.mode == RubikMode::kSplit) {
                    it.reads.push_back(feature);
                    it.writes = std::move(planes);
                } else {
                    it.reads = std::move(planes);
                    it.writes.push_back(feature);
                }
                items_.push_back(std::move(it));
            }
    }
    if (!items_.empty())
        items_.back().last = true;
}

// Functional mode: the bytes an item writes (its write lines concatenated) from the bytes it read.
void Rubik::shuffle(const RubikOp &op, Item &it) const
{
    const uint64_t atom = params_.atom_bytes, w = op.in_w, bpe = op.bpe;
    uint64_t out_bytes = 0;
    for (const Line &l : it.writes)
        out_bytes += l.bytes;
    it.out.assign(out_bytes, 0);
    if (op.mode == RubikMode::kContract) {
        // Output atom x = w * sx + i comes from atom w of input line i.
        for (uint64_t i = 0; i < op.sx; ++i)
            for (uint64_t x = 0; x < w; ++x)
                std::memcpy(&it.out[(x * op.sx + i) * atom], &it.in[(i * w + x) * atom], atom);
    } else if (op.mode == RubikMode::kSplit) {
        for (uint64_t k = 0; k < it.writes.size(); ++k)
            for (uint64_t x = 0; x < w; ++x)
                std::memcpy(&it.out[(k * w + x) * bpe], &it.in[x * atom + k * bpe], bpe);
    } else {
        for (uint64_t k = 0; k < it.reads.size(); ++k)
            for (uint64_t x = 0; x < w; ++x)
                std::memcpy(&it.out[x * atom + k * bpe], &it.in[(k * w + x) * bpe], bpe);
    }
}

void Rubik::reader()
{
    for (;;) {
        const int g = regs_.wait_for_enabled_op();
        const uint64_t start = clock_.now_cycles();
        try {
            op_ = decode_rubik_op(regs_, g, params_.atom_bytes);
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument(name_ + ": register group " + std::to_string(g) + ": " + e.what());
        }
        plan(op_);
        rd_.reset_op_counters();
        wr_.reset_op_counters();
        op_busy_ = op_stall_mem_ = 0;
        done_ = false;
        read_next_ = 0;
        for (Item &it : items_) {
            uint64_t in_bytes = 0;
            for (const Line &l : it.reads)
                in_bytes += l.bytes;
            if (functional_)
                it.in.assign(in_bytes, 0);
            uint64_t at = 0;
            sc_core::sc_time arrived = sc_core::sc_time_stamp();
            for (const Line &l : it.reads) {
                arrived = std::max(arrived, rd_.read(l.addr, l.bytes, functional_ ? &it.in[at] : nullptr));
                at += l.bytes;
            }
            it.arrived = arrived;
            ++read_next_;
            item_read_.notify(sc_core::SC_ZERO_TIME);
        }
        while (!done_)
            sc_core::wait(op_done_);
        const uint64_t end = clock_.now_cycles();
        const std::pair<uint32_t, uint64_t> perf[] = {{kExtStartCycle, start},
                                                      {kExtEndCycle, end},
                                                      {kExtDramRead, rd_.op_read_bytes()},
                                                      {kExtDramWrite, wr_.op_write_bytes()},
                                                      {kExtStallMem, op_stall_mem_},
                                                      {kExtBusy, op_busy_}};
        for (const auto &p : perf) // the group's perf registers, read by the driver after the interrupt
            regs_.set_ext64(g, p.first, p.second);
        regs_.complete();
        ops_ += 1;
        irq_.raise_interrupt(kIrqRubik + static_cast<unsigned>(g));
    }
}

void Rubik::writer()
{
    size_t next = 0;
    for (;;) {
        while (next >= read_next_)
            sc_core::wait(item_read_);
        Item &it = items_[next];
        const sc_core::sc_time asked = sc_core::sc_time_stamp();
        clock_.wait_until(it.arrived);
        const uint64_t stall = clock_.to_cycles(sc_core::sc_time_stamp() - asked);
        op_stall_mem_ += stall;
        stall_mem_ += stall;
        uint64_t out_bytes = 0;
        for (const Line &l : it.writes)
            out_bytes += l.bytes;
        const uint64_t cycles = (out_bytes + params_.bytes_per_cycle - 1) / params_.bytes_per_cycle;
        sc_core::wait(clock_.cycles(cycles));
        op_busy_ += cycles;
        busy_ += cycles;
        bytes_ += out_bytes;
        if (functional_)
            shuffle(op_, it);
        uint64_t at = 0;
        for (const Line &l : it.writes) {
            wr_.write(l.addr, l.bytes, functional_ ? &it.out[at] : nullptr);
            at += l.bytes;
        }
        if (functional_) {
            std::vector<uint8_t>().swap(it.in);
            std::vector<uint8_t>().swap(it.out);
        }
        ++next;
        if (it.last) {
            wr_.drain(); // the op is done when its last write has completed
            next = 0;
            read_next_ = 0; // the reader waits for done_: the next op's items count from 0
            done_ = true;
            op_done_.notify(sc_core::SC_ZERO_TIME);
        }
    }
}

} // namespace dlasim::hw
