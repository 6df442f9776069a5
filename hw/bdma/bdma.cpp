// BDMA: register decode, the read and write threads, group completion (timing rules in bdma.h).
#include "bdma.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <stdexcept>

#include "dla/nvdla_regs.h"

namespace dlasim::hw {

namespace {
constexpr uint64_t kAlignMask = ~uint64_t{0x1f}; // addresses and strides are in 32-byte units
constexpr uint64_t kLineUnitBytes = 32;          // CFG_LINE.SIZE counts 32-byte units, minus one
} // namespace

BdmaParams BdmaParams::from_config(const dla_config &cfg, const AddressWindow &dram, const AddressWindow &sram)
{
    BdmaParams p;
    if (cfg.core.dma_request_bytes < 1 || cfg.core.dma_max_outstanding < 1)
        throw std::invalid_argument("BDMA: core.dma.request_bytes and max_outstanding must be positive");
    p.request_bytes = static_cast<uint32_t>(cfg.core.dma_request_bytes);
    p.max_outstanding = static_cast<uint32_t>(cfg.core.dma_max_outstanding);
    p.dram = dram;
    p.sram = sram;
    return p;
}

Bdma::Bdma(sc_core::sc_module_name name, const BdmaParams &params, bool functional, const CoreClock &clock,
           MemoryPort &read_port, MemoryPort &write_port, InterruptSink &irq, StatsRegistry &stats,
           const std::string &stats_prefix)
    : sc_core::sc_module(name), params_(params), functional_(functional), clock_(clock), irq_(irq),
      regs_("BDMA", NVDLA_BDMA_BASE),
      rd_(stats_prefix + ".bdma.rd", read_port, clock,
          DmaParams{params.request_bytes, params.max_outstanding, kClientBdmaRead}, stats),
      wr_(stats_prefix + ".bdma.wr", write_port, clock,
          DmaParams{params.request_bytes, params.max_outstanding, kClientBdmaWrite}, stats),
      prefix_(stats_prefix + ".bdma"),
      ops_(stats.declare(stats_prefix + ".bdma.ops", "operations", "BDMA copy operations completed")),
      dropped_(stats.declare(stats_prefix + ".bdma.dropped_ops", "operations",
                             "CFG_OP.EN writes dropped because every slot was in use"))
{
    SC_THREAD(reader);
    SC_THREAD(writer);
}

Bdma::Op Bdma::decode() const
{
    auto reg = [this](uint32_t addr) { return static_cast<uint64_t>(regs_.get(0, addr)); };
    Op op;
    op.src = (reg(NVDLA_BDMA_CFG_SRC_ADDR_HIGH) << 32) | (reg(NVDLA_BDMA_CFG_SRC_ADDR_LOW) & kAlignMask & 0xffffffffu);
    op.dst = (reg(NVDLA_BDMA_CFG_DST_ADDR_HIGH) << 32) | (reg(NVDLA_BDMA_CFG_DST_ADDR_LOW) & kAlignMask & 0xffffffffu);
    op.line_bytes = ((reg(NVDLA_BDMA_CFG_LINE) >> NVDLA_BDMA_CFG_LINE_SIZE_SHIFT & NVDLA_BDMA_CFG_LINE_SIZE_MASK) + 1) *
                    kLineUnitBytes;
    op.lines = (reg(NVDLA_BDMA_CFG_LINE_REPEAT) & NVDLA_BDMA_CFG_LINE_REPEAT_NUMBER_MASK) + 1;
    op.surfaces = (reg(NVDLA_BDMA_CFG_SURF_REPEAT) & NVDLA_BDMA_CFG_SURF_REPEAT_NUMBER_MASK) + 1;
    op.src_line_stride = reg(NVDLA_BDMA_CFG_SRC_LINE) & kAlignMask & 0xffffffffu;
    op.dst_line_stride = reg(NVDLA_BDMA_CFG_DST_LINE) & kAlignMask & 0xffffffffu;
    op.src_surf_stride = reg(NVDLA_BDMA_CFG_SRC_SURF) & kAlignMask & 0xffffffffu;
    op.dst_surf_stride = reg(NVDLA_BDMA_CFG_DST_SURF) & kAlignMask & 0xffffffffu;
    const uint64_t cmd = reg(NVDLA_BDMA_CFG_CMD);
    op.src_mc = (cmd >> NVDLA_BDMA_CFG_CMD_SRC_RAM_TYPE_SHIFT & NVDLA_BDMA_CFG_CMD_SRC_RAM_TYPE_MASK) != 0;
    op.dst_mc = (cmd >> NVDLA_BDMA_CFG_CMD_DST_RAM_TYPE_SHIFT & NVDLA_BDMA_CFG_CMD_DST_RAM_TYPE_MASK) != 0;
    return op;
}

// The block an operation touches on one side must lie in the memory its RAM type names.
void Bdma::check_window(const Op &op, bool src) const
{
    const uint64_t base = src ? op.src : op.dst;
    const uint64_t extent = (op.surfaces - 1) * (src ? op.src_surf_stride : op.dst_surf_stride) +
                            (op.lines - 1) * (src ? op.src_line_stride : op.dst_line_stride) + op.line_bytes;
    const bool mc = src ? op.src_mc : op.dst_mc;
    const AddressWindow &w = mc ? params_.dram : params_.sram;
    if (w.contains(base, extent))
        return;
    char msg[320];
    std::snprintf(msg, sizeof msg,
                  "%s: CFG_OP: %s block at 0x%" PRIx64 " of %" PRIu64 " bytes (%" PRIu64 " surfaces x %" PRIu64
                  " lines x %" PRIu64 " B) is outside %s (CFG_CMD %s_RAM_TYPE = %s)",
                  prefix_.c_str(), src ? "source" : "destination", base, extent, op.surfaces, op.lines, op.line_bytes,
                  mc ? "DRAM" : (w.size ? "this core's SRAM" : "SRAM (this core has none)"), src ? "SRC" : "DST",
                  mc ? "MC" : "CVSRAM");
    throw std::runtime_error(msg);
}

void Bdma::csb_write(uint32_t addr, uint32_t value)
{
    regs_.csb_write(addr, value);
    if (addr == NVDLA_BDMA_CFG_OP && (value & NVDLA_BDMA_CFG_OP_EN_MASK)) {
        if (queued_ >= kSlots) {
            dropped_ += 1;
            return;
        }
        Op op = decode();
        check_window(op, true);
        check_window(op, false);
        pending_.push_back(op);
        ++queued_;
    } else if ((addr == NVDLA_BDMA_CFG_LAUNCH0 || addr == NVDLA_BDMA_CFG_LAUNCH1) && (value & 1u)) {
        Group g;
        g.id = addr == NVDLA_BDMA_CFG_LAUNCH0 ? 0 : 1;
        g.ops.swap(pending_);
        group_busy_[g.id] = true;
        groups_.push_back(std::move(g));
        launched_.notify(sc_core::SC_ZERO_TIME);
    }
}

uint32_t Bdma::csb_read(uint32_t addr)
{
    if (addr == NVDLA_BDMA_STATUS)
        return ((kSlots - queued_) << NVDLA_BDMA_STATUS_FREE_SLOT_SHIFT) |
               (static_cast<uint32_t>(idle()) << NVDLA_BDMA_STATUS_IDLE_SHIFT) |
               (static_cast<uint32_t>(group_busy_[0]) << NVDLA_BDMA_STATUS_GRP0_BUSY_SHIFT) |
               (static_cast<uint32_t>(group_busy_[1]) << NVDLA_BDMA_STATUS_GRP1_BUSY_SHIFT);
    return regs_.csb_read(addr);
}

void Bdma::reader()
{
    for (;;) {
        while (groups_.empty())
            sc_core::wait(launched_);
        Group g = std::move(groups_.front());
        groups_.pop_front();
        for (const Op &op : g.ops)
            for (uint64_t s = 0; s < op.surfaces; ++s)
                for (uint64_t l = 0; l < op.lines; ++l) {
                    Line line;
                    line.dst = op.dst + s * op.dst_surf_stride + l * op.dst_line_stride;
                    line.bytes = op.line_bytes;
                    line.group = g.id;
                    if (functional_)
                        line.data.resize(op.line_bytes);
                    line.arrived = rd_.read(op.src + s * op.src_surf_stride + l * op.src_line_stride, op.line_bytes,
                                            functional_ ? line.data.data() : nullptr);
                    lines_.push_back(std::move(line));
                    line_ready_.notify(sc_core::SC_ZERO_TIME);
                }
        // A marker closing the group (also for a group launched with no operation).
        Line end;
        end.group = g.id;
        end.last_of_group = true;
        end.arrived = sc_core::sc_time_stamp();
        end.group_ops = static_cast<uint32_t>(g.ops.size());
        lines_.push_back(std::move(end));
        line_ready_.notify(sc_core::SC_ZERO_TIME);
    }
}

void Bdma::writer()
{
    for (;;) {
        while (lines_.empty())
            sc_core::wait(line_ready_);
        Line line = std::move(lines_.front());
        lines_.pop_front();
        if (line.last_of_group) {
            wr_.drain(); // the group is done when its last write has completed
            const uint32_t n = line.group_ops;
            queued_ -= std::min(queued_, n);
            ops_ += n;
            group_busy_[line.group] = false;
            irq_.raise_interrupt(kIrqBdma + static_cast<unsigned>(line.group));
            continue;
        }
        clock_.wait_until(line.arrived); // the line's data has arrived
        wr_.write(line.dst, line.bytes, functional_ ? line.data.data() : nullptr);
    }
}

} // namespace dlasim::hw
