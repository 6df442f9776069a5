// BDMA of one core: NVDLA's bridge DMA, copying 1-D/2-D/3-D blocks between DRAM (MCIF) and the
// on-chip SRAM (CVIF), driven by its CSB registers (NVDLA_BDMA.rdl) and raising GLB BDMA_DONE.
//
// Programming model (as NVDLA firmware uses it): software fills CFG_SRC/DST_ADDR_*, CFG_LINE (line
// size in 32-byte units - 1), CFG_CMD (SRC/DST_RAM_TYPE: 0 CVSRAM, 1 MC), CFG_LINE_REPEAT (lines - 1),
// CFG_SRC/DST_LINE (line strides), CFG_SURF_REPEAT (surfaces - 1), CFG_SRC/DST_SURF (surface strides),
// then writes CFG_OP.EN = 1, which copies the operation into one of kSlots slots; CFG_LAUNCH0 (or 1)
// launches every operation queued since the last launch as group 0 (or 1). STATUS reports the free
// slots, IDLE and which groups are busy. Addresses and strides are 32-byte aligned (low 5 bits ignored).
//
// Timing rules (the unit bench tests/unit/hw_bdma derives its cycles from them):
// - Groups run in launch order, operations in queue order, lines surface by surface.
// - A read thread fetches every line through the read DmaEngine (client bdma_rd, requests of
//   core.dma.request_bytes, core.dma.max_outstanding in flight), back to back, never waiting for the
//   writes; the memory system decides when each request is accepted and done (memory_system.h).
// - A write thread writes each line through the write DmaEngine (client bdma_wr) starting at the edge
//   at or after the line's last read completes (the data has arrived), lines in order.
// - A group is done when its last write has completed: the BDMA raises GLB bit kIrqBdma + group on
//   that edge and frees the group's slots.
// So a copy is bound by the slower of source and destination: reading L lines of B bytes from a source
// of bandwidth S and writing them to a destination of bandwidth D takes about L x B / min(S, D) plus
// one read and one write latency.
// - An operation whose addresses do not lie in the memory its RAM type names (MC: DRAM, CVSRAM: this
//   core's SRAM) stops the simulation with an error naming the register values; writes of CFG_OP.EN
//   with no free slot are dropped and counted (<prefix>.bdma.dropped_ops), as NVDLA drops them.
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
#include "memory/memory_system.h"

namespace dlasim::hw {

struct BdmaParams {
    uint32_t request_bytes = 64;
    uint32_t max_outstanding = 256;
    AddressWindow dram; // what RAM type MC reaches
    AddressWindow sram; // what RAM type CVSRAM reaches (size 0: no SRAM)
    static BdmaParams from_config(const dla_config &cfg, const AddressWindow &dram, const AddressWindow &sram);
};

class Bdma : public sc_core::sc_module, public CsbTarget {
  public:
    static constexpr uint32_t kSlots = 20; // cached operations (nvdla-reference: 20 slots)
    Bdma(sc_core::sc_module_name name, const BdmaParams &params, bool functional, const CoreClock &clock,
         MemoryPort &read_port, MemoryPort &write_port, InterruptSink &irq, StatsRegistry &stats,
         const std::string &stats_prefix);
    SC_HAS_PROCESS(Bdma);

    uint32_t csb_base() const override { return regs_.csb_base(); }
    void csb_write(uint32_t addr, uint32_t value) override;
    uint32_t csb_read(uint32_t addr) override;
    bool idle() const { return queued_ == 0 && !group_busy_[0] && !group_busy_[1]; }

  private:
    struct Op {
        uint64_t src = 0, dst = 0;
        uint64_t line_bytes = 0, lines = 0, surfaces = 0;
        uint64_t src_line_stride = 0, dst_line_stride = 0, src_surf_stride = 0, dst_surf_stride = 0;
        bool src_mc = true, dst_mc = true;
    };
    struct Group {
        int id = 0;
        std::vector<Op> ops;
    };
    struct Line {
        uint64_t dst = 0, bytes = 0;
        sc_core::sc_time arrived;
        std::vector<uint8_t> data;  // functional mode only
        bool last_of_group = false; // a marker closing the group, no data
        uint32_t group_ops = 0;     // on the marker: operations in the group
        int group = 0;
    };

    Op decode() const;
    void check_window(const Op &op, bool src) const;
    void reader();
    void writer();

    BdmaParams params_;
    bool functional_;
    const CoreClock &clock_;
    InterruptSink &irq_;
    RegisterFile regs_;
    DmaEngine rd_, wr_;
    std::string prefix_;
    std::vector<Op> pending_;  // queued since the last launch
    std::deque<Group> groups_; // launched, not yet read
    std::deque<Line> lines_;   // read (or being read), not yet written
    uint32_t queued_ = 0;      // slots in use (pending + launched, not yet done)
    bool group_busy_[2] = {false, false};
    sc_core::sc_event launched_, line_ready_;
    Counter &ops_, &dropped_;
};

} // namespace dlasim::hw
