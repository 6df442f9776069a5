// RUBIK of one core: NVDLA's data-reshape engine (NVDLA_RBK.rdl) in its three modes: contract (the
// depth-to-space step of a deconvolution), split (feature cube -> planes) and merge (planes -> feature
// cube), programmed through ping-pong register groups and raising GLB RUBIK_DONE (bits 8/9).
//
// Layouts (docs/units/rubik.md; element (c, y, x) of a feature cube at
// base + (c / cps) * surf_stride + y * line_stride + x * atom + (c % cps) * bpe, cps = atom / bpe; of a
// planar cube at base + c * planar_stride + y * line_stride + x * bpe):
// - Contract: input W x H x Cin feature cube, output (W * sx) x (H * sy) x Cout. The input holds sx * sy
//   groups of So = ceil(Cout / cps) surfaces; group g = j * sx + i (i < sx, j < sy) starts at
//   DAIN_ADDR + g * CONTRACT_STRIDE_0 and carries output pixel (w * sx + i, h * sy + j). Output row
//   h * sy + j starts at DAOUT_ADDR + h * CONTRACT_STRIDE_1 + j * DAOUT_LINE_STRIDE (the RDL gives
//   CONTRACT_STRIDE_0 = So * DAIN_SURF_STRIDE and CONTRACT_STRIDE_1 = sy * DAOUT_LINE_STRIDE).
// - Split: feature input W x H x C -> C planes (DAOUT_PLANAR_STRIDE apart) of H lines of W * bpe bytes.
// - Merge: C planes (DAIN_PLANAR_STRIDE apart) -> feature output W x H x C (padding channels zero).
//
// Timing rules (the unit bench tests/unit/hw_rubik derives its cycles from them):
// - The op is cut into work items, each one output line of one surface (contract: item (s, h, j), its
//   sx input lines of W atoms -> one output line of W * sx atoms; split: item (s, y), one input line of
//   W atoms -> min(cps, C - s * cps) plane lines of W * bpe bytes; merge: item (s, y), those plane lines
//   -> one feature line of W atoms), in the order surface, row, (j).
// - The read thread issues every item's lines through the read DmaEngine (client rbk_rd, requests of
//   core.rubik.request_bytes, core.dma.max_outstanding in flight) back to back, never waiting for writes.
// - The write thread takes items in order: at the edge at or after both the item's last read data has
//   arrived and the datapath is free, the datapath spends ceil(item bytes / core.rubik.bytes_per_cycle)
//   cycles on it (item bytes = the bytes it writes), then the item's lines are written through the write
//   DmaEngine (client rbk_wr), issued back to back from that edge.
// - The op is done when its last write has completed: perf extension registers latched, the group
//   completed, GLB bit kIrqRubik + group raised.
// So a contract moves its bytes at about min(memory bandwidth, bytes_per_cycle) plus one read and one
// write latency. Bad programming (sizes that do not match the mode, a zero stride) stops the simulation
// with an error naming the registers.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <vector>

#include "common/clock.h"
#include "common/dma_engine.h"
#include "common/interfaces.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "dla/config.h"

namespace dlasim::hw {

struct RubikParams {
    uint32_t bytes_per_cycle = 64; // datapath: output bytes per cycle
    uint32_t request_bytes = 256;  // one memory request of its DMAs
    uint32_t max_outstanding = 256;
    uint32_t atom_bytes = 32; // core.memory_atomic_bytes
    static RubikParams from_config(const dla_config &cfg);
};

enum class RubikMode : uint32_t {
    kContract = 0,
    kSplit = 1,
    kMerge = 2
};

// One op decoded from a register group (addresses and strides with their low 5 bits cleared).
struct RubikOp {
    RubikMode mode = RubikMode::kContract;
    uint32_t bpe = 1;
    uint32_t in_w = 0, in_h = 0, in_c = 0, out_c = 0;
    uint32_t sx = 1, sy = 1;
    uint64_t dain = 0, dain_line = 0, dain_surf = 0, dain_planar = 0;
    uint64_t daout = 0, daout_line = 0, daout_surf = 0, daout_planar = 0;
    uint64_t contract0 = 0, contract1 = 0;
};
// Decode and check group g of regs (throws std::invalid_argument naming the register).
RubikOp decode_rubik_op(const RegisterFile &regs, int group, uint32_t atom_bytes);

class Rubik : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(Rubik);
    Rubik(sc_core::sc_module_name name, const RubikParams &params, bool functional, const CoreClock &clock,
          MemoryPort &read_port, MemoryPort &write_port, InterruptSink &irq, StatsRegistry &stats,
          const std::string &stats_prefix);
    RegisterFile &regs() { return regs_; }
    std::vector<CsbTarget *> csb_targets() { return {&regs_}; }

  private:
    struct Line {
        uint64_t addr = 0, bytes = 0;
    };
    struct Item {
        std::vector<Line> reads, writes;
        sc_core::sc_time arrived;
        std::vector<uint8_t> in, out; // functional mode: the read bytes (concatenated), the bytes to write
        bool last = false;
    };
    void plan(const RubikOp &op);
    void shuffle(const RubikOp &op, Item &item) const;
    void reader();
    void writer();

    RubikParams params_;
    bool functional_;
    const CoreClock &clock_;
    InterruptSink &irq_;
    std::string name_;
    RegisterFile regs_;
    DmaEngine rd_, wr_;
    RubikOp op_;
    std::vector<Item> items_; // the current op's work items (read thread fills arrivals)
    size_t read_next_ = 0;
    sc_core::sc_event item_read_, op_done_;
    bool done_ = false;
    uint64_t op_busy_ = 0, op_stall_mem_ = 0;
    Counter &ops_, &bytes_, &busy_, &stall_mem_;
};

} // namespace dlasim::hw
