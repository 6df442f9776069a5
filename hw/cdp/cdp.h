// CDP (+ CDP_RDMA) of one core: NVDLA's cross-channel data processor (local response
// normalisation), offline from memory to memory. Functional mode computes the converter path
// (SQSUM and MUL bypassed) and LRN (square sum, LUT, multiply), docs/datapath.md step 7.
//
// Timing rules (three threads joined by bounded queues, like PDP):
// - The read DMA fetches the cube row by row, and within a row surface by surface (whole atoms):
//   item (y, s) = width atoms of surface s at row y.
// - The datapath processes item (y, s) once it and item (y, min(S-1, s + ceil(((window-1)/2) / cps)))
//   have arrived (the LRN window reaches (window-1)/2 channels into the next surfaces; with SQSUM
//   bypassed the item itself suffices), taking ceil(width x cps / core.cdp_throughput) cycles.
// - Its output is written core.cdp_latency_cycles later through the write DMA (whole atoms).
// - Completion after the last write completes: CDP and CDP_RDMA groups complete, perf extension
//   registers latched, interrupt kIrqCdp + group.
// The CDP's read and write DMAs use the PDP's MCIF client ports (NVDLA gives CDP its own clients;
// hw/memory is being reworked, so no clients were added): CDP traffic counts under pdp_r / pdp_w.
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "cdp_op.h"
#include "common/clock.h"
#include "common/dma_engine.h"
#include "common/interfaces.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "dla/config.h"
#include "memory/feature_dma.h"

namespace dlasim::hw {

struct CdpParams {
    uint32_t throughput = 1; // elements per cycle
    uint32_t latency_cycles = 0;
    uint32_t atom_bytes = 8;
    uint32_t request_bytes = 64;
    uint32_t max_outstanding = 8;
    static CdpParams from_config(const dla_config &cfg);
};

struct CdpPorts {
    MemoryPort &r, &w;
};

class Cdp : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(Cdp);
    Cdp(sc_core::sc_module_name name, const CdpParams &params, bool functional, const CoreClock &clock,
        const CdpPorts &ports, InterruptSink &irq, StatsRegistry &stats, const std::string &stats_prefix);
    std::vector<CsbTarget *> csb_targets() { return {&rdma_regs_, &regs_}; }

  private:
    struct Item {
        Block blk; // channels of one surface at one row
        uint32_t y = 0, s = 0;
        std::shared_ptr<std::vector<int32_t>> values; // functional: input, then output
        sc_core::sc_time ready;
        bool last = false;
    };
    void control();
    void compute();
    void output();

    CdpParams params_;
    bool functional_;
    const CoreClock &clock_;
    InterruptSink &irq_;
    std::string name_;
    RegisterFile rdma_regs_;
    CdpRegisterFile regs_;
    DmaEngine rdma_, wdma_;
    StageQueue<Item> in_q_, out_q_;

    CdpOp op_;
    std::vector<sc_core::sc_time> arrived_; // per (y, s): when the item's data arrived
    std::vector<int32_t> input_;            // functional: converted input, [c][y][x]
    sc_core::sc_time op_start_;
    bool op_done_ = false;
    sc_core::sc_event done_event_;
    uint64_t op_busy_ = 0, op_stall_mem_ = 0, op_stall_out_ = 0;

    Counter &ops_, &elements_, &busy_, &stall_mem_, &stall_out_;
};

} // namespace dlasim::hw
