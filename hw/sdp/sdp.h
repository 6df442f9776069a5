// SDP (+ SDP_RDMA) of one core: per-element post-processing of convolution output (flying mode,
// from CACC) or of a cube read from memory (offline), X1 (BS), X2 (BN), Y (EW), output converter;
// output to memory through the write DMA or on-the-fly to PDP.
//
// Pipeline (three threads joined by bounded queues; every wait is counted):
// - input: per-kernel operands (B/N read DMAs, 4 bytes per kernel) first, then per work item the
//   input (offline: one line of one surface = W points x up to cps channels through the M read
//   DMA, whole atoms; flying: one OutputChunk from CACC) and its EW operand block (E read DMA).
//   Reads are issued ahead, bounded by the DMA outstanding limit and the queue depth
//   (max(2, dma_max_outstanding x dma_request_bytes / (W x atom)) items).
// - datapath: an item of E elements is processed when its data has arrived, taking
//   ceil(E / T) core cycles, T = min of the enabled stages' throughputs (core.sdp_bs/bn/ew_throughput;
//   bs if no stage is enabled). Waiting for data = stall_mem (offline, or E operand), waiting for
//   output space = stall_out.
// - output: an item leaves core.sdp_latency_cycles after the datapath finished it; it is written in
//   feature format (whole atoms per line run) through the write DMA or pushed to PDP (blocking).
// Completion: after the last item's write has completed (write DMA drained): SDP and SDP_RDMA
// groups complete, perf extension registers latched, interrupt kIrqSdp + group.
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
#include "sdp_op.h"

namespace dlasim::hw {

struct SdpParams {
    uint32_t bs_throughput = 1, bn_throughput = 1, ew_throughput = 1; // elements per cycle
    uint32_t latency_cycles = 0;
    uint32_t atom_bytes = 8;
    uint32_t request_bytes = 64;
    uint32_t max_outstanding = 8;
    static SdpParams from_config(const dla_config &cfg);
};

// The SDP's five MCIF clients.
struct SdpPorts {
    MemoryPort &m, &b, &n, &e, &w;
};

class Sdp : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(Sdp);
    // from_cacc / to_pdp may be null (no conv core / no PDP): an op needing them is rejected.
    Sdp(sc_core::sc_module_name name, const SdpParams &params, bool functional, const CoreClock &clock,
        const SdpPorts &ports, InterruptSink &irq, StatsRegistry &stats, const std::string &stats_prefix,
        sc_core::sc_fifo<OutputChunk> *from_cacc, sc_core::sc_fifo<OutputChunk> *to_pdp);
    RegisterFile &regs() { return regs_; }
    RegisterFile &rdma_regs() { return rdma_regs_; }
    std::vector<CsbTarget *> csb_targets() { return {&rdma_regs_, &regs_}; }

  private:
    struct Item {
        Block blk;
        sc_core::sc_time ready;
        std::shared_ptr<std::vector<int32_t>> values; // functional: input, then output
        std::shared_ptr<std::vector<int32_t>> ew;     // functional: EW operand
        std::shared_ptr<std::vector<int32_t>> bs, bn; // functional: per-element BS/BN operands
        bool last = false;
        uint32_t image = 0; // batch mode: image of the block
    };
    void control();
    void compute();
    void output();
    void run_input();
    sc_core::sc_time read_ew_mul(); // fills ew_mul_
    sc_core::sc_time read_operands(DmaEngine &dma, const SdpOp::Operands &ops, std::vector<int32_t> *alu,
                                   std::vector<int32_t> *mul);
    sc_core::sc_time fetch_ew(Item &item);
    // Per-element operands of one stage for the item's block (DATA_MODE = PER_ELEMENT).
    sc_core::sc_time fetch_elementwise(DmaEngine &dma, const SdpOp::Operands &ops, const Block &blk,
                                       std::shared_ptr<std::vector<int32_t>> &out);
    uint64_t cycles_since(const sc_core::sc_time &t) const;

    SdpParams params_;
    bool functional_;
    const CoreClock &clock_;
    InterruptSink &irq_;
    std::string name_;
    sc_core::sc_fifo<OutputChunk> *from_cacc_, *to_pdp_;
    RegisterFile rdma_regs_;
    SdpRegisterFile regs_;
    DmaEngine mdma_, bdma_, ndma_, edma_, wdma_;
    StageQueue<Item> in_q_, out_q_;

    // The op in progress (set by control() before any item flows).
    SdpOp op_;
    uint32_t throughput_ = 1;
    sc_core::sc_time op_start_;
    std::vector<int32_t> bs_alu_, bs_mul_, bn_alu_, bn_mul_;
    std::vector<int64_t> ew_mul_; // the EW MUL operand per channel (register or converted from memory)
    bool op_done_ = false;
    sc_core::sc_event done_event_;
    uint64_t op_busy_ = 0, op_stall_mem_ = 0, op_stall_out_ = 0;

    Counter &ops_, &elements_, &busy_, &stall_mem_, &stall_out_;
};

} // namespace dlasim::hw
