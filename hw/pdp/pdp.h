// PDP (+ PDP_RDMA) of one core: MAX/MIN/AVG pooling, input offline from memory (read DMA) or
// on-the-fly from SDP, output to memory through the write DMA.
//
// Timing rules (three threads joined by bounded queues, like SDP):
// - Width split: the line buffer (core.pdp_line_buffer_bytes) holds the partial output lines in
//   progress, L = ceil(kernel_h / stride_y) lines of out_w x cps partial results of 2 x bpe bytes.
//   Max output width per segment M = line_buffer_bytes / (L x cps x 2 x bpe); the width is split
//   into ceil(out_w / M) segments; a segment reads input columns
//   [max(0, ox0*sx - pad_left), min(W, (ox1-1)*sx - pad_left + kernel_w)) (overlaps are re-read).
//   On-the-fly input cannot be re-read: it must fit one segment.
// - Offline order: for each surface, each segment, each input row: the read DMA fetches the row
//   segment (whole atoms); the datapath processes it when it has arrived, taking
//   ceil(columns x channels_in_surface / core.pdp_throughput) cycles. On-the-fly: each chunk from
//   SDP takes ceil(elements / throughput) cycles.
// - Output row oy (of a segment) is emitted when the datapath finishes input row
//   min(H-1, oy*sy - pad_top + kernel_h - 1); it is written core.pdp_latency_cycles later (whole
//   atoms, ox1-ox0 of them) through the write DMA.
// - Completion after the last write completes: PDP (and PDP_RDMA) groups complete, perf extension
//   registers latched, interrupt kIrqPdp + group.
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "common/clock.h"
#include "common/dma_engine.h"
#include "common/interfaces.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "common/streams.h"
#include "dla/config.h"
#include "memory/feature_dma.h"
#include "pdp_op.h"

namespace dlasim::hw {

struct PdpParams {
    uint32_t throughput = 1; // input elements per cycle
    uint32_t line_buffer_bytes = 0;
    uint32_t latency_cycles = 0;
    uint32_t atom_bytes = 8;
    uint32_t request_bytes = 64;
    uint32_t max_outstanding = 8;
    static PdpParams from_config(const dla_config &cfg);
};

struct PdpPorts {
    MemoryPort &r, &w;
};

// One width segment: output columns [ox0, ox1), input columns [ix0, ix1).
struct PdpSegment {
    uint32_t ox0, ox1, ix0, ix1;
};
// The width split rule above (throws std::invalid_argument if one output column does not fit).
std::vector<PdpSegment> pdp_segments(const PdpOp &op, uint32_t line_buffer_bytes);

class Pdp : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(Pdp);
    // from_sdp may be null (on-the-fly ops are then rejected).
    Pdp(sc_core::sc_module_name name, const PdpParams &params, bool functional, const CoreClock &clock,
        const PdpPorts &ports, InterruptSink &irq, StatsRegistry &stats, const std::string &stats_prefix,
        sc_core::sc_fifo<OutputChunk> *from_sdp);
    RegisterFile &regs() { return regs_; }
    RegisterFile &rdma_regs() { return rdma_regs_; }
    std::vector<CsbTarget *> csb_targets() { return {&rdma_regs_, &regs_}; }

  private:
    struct InItem {
        uint32_t s = 0, seg = 0, y = 0; // offline
        Block blk;                      // on-the-fly chunk
        uint64_t elements = 0;
        sc_core::sc_time ready;
    };
    struct OutItem {
        Block blk; // in the output cube
        std::shared_ptr<std::vector<int32_t>> values;
        sc_core::sc_time ready;
        bool last = false;
    };
    void control();
    void compute();
    void output();
    void run_input();
    void emit_rows(uint32_t s, const PdpSegment &seg, uint32_t &next_oy, uint32_t rows_done);
    uint32_t last_row(uint32_t oy) const;

    PdpParams params_;
    bool functional_;
    const CoreClock &clock_;
    InterruptSink &irq_;
    std::string name_;
    sc_core::sc_fifo<OutputChunk> *from_sdp_;
    RegisterFile rdma_regs_, regs_;
    DmaEngine rdma_, wdma_;
    StageQueue<InItem> in_q_;
    StageQueue<OutItem> out_q_;

    PdpOp op_;
    std::vector<PdpSegment> segments_;
    std::vector<int32_t> input_;                // functional: the whole input cube, [c][y][x]
    std::vector<uint32_t> next_oy_, rows_done_; // on-the-fly, per surface
    std::vector<uint64_t> row_fill_;            // on-the-fly, per surface x row: elements received
    uint64_t rows_emitted_ = 0, rows_total_ = 0;
    sc_core::sc_time op_start_;
    bool op_done_ = false;
    sc_core::sc_event done_event_;
    uint64_t op_busy_ = 0, op_stall_mem_ = 0, op_stall_out_ = 0;

    Counter &ops_, &elements_, &busy_, &stall_mem_, &stall_out_;
};

} // namespace dlasim::hw
