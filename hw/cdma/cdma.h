// CDMA: fetches a conv layer's input cube (slice by slice, in fetch grains, as the data ring frees)
// and its weights (kernel group by kernel group, as the weight ring frees) into CBUF through two
// DMA engines, tells CSC what has arrived, and raises the CDMA data/weight done interrupts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <systemc>

#include "cbuf/cbuf.h"
#include "common/clock.h"
#include "common/dma_engine.h"
#include "common/interfaces.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "conv/conv_layer.h"
#include "dla/config.h"

namespace dlasim::hw {

// MCIF client ids of the two CDMA read engines (the ports passed in already tell them apart).
enum CdmaClient : int {
    kCdmaDataClient = 0,
    kCdmaWeightClient = 1
};

struct CdmaParams {
    DmaParams data_dma;
    DmaParams weight_dma;
    uint32_t cbuf_write_latency_cycles = 0;
    static CdmaParams from_config(const dla_core_params &core);
};

class Cdma : public sc_core::sc_module {
  public:
    Cdma(sc_core::sc_module_name name, const CdmaParams &params, bool functional, const CoreClock &clock, Cbuf &cbuf,
         MemoryPort &data_port, MemoryPort &weight_port, InterruptSink &irq, StatsRegistry &stats,
         const std::string &stats_prefix);

    RegisterFile regs;
    sc_core::sc_fifo<LayerPtr> layer_in; // decoded layers, in order
    uint64_t layers_done() const { return done_; }
    const sc_core::sc_event &done_event() const { return done_event_; }

  private:
    void control();
    void data_engine();
    void weight_engine();

    CdmaParams p_;
    bool functional_;
    const CoreClock &clock_;
    Cbuf &cbuf_;
    InterruptSink &irq_;
    DmaEngine data_dma_, weight_dma_;
    sc_core::sc_fifo<LayerPtr> data_q_, weight_q_;
    sc_core::sc_fifo<bool> data_done_, weight_done_;
    Counter &cbuf_wait_cycles_;
    // Functional staging buffers (members: the engine threads never return, so their locals
    // would never be destroyed).
    std::vector<uint8_t> data_buf_, weight_buf_;
    uint64_t done_ = 0;
    sc_core::sc_event done_event_;
};

} // namespace dlasim::hw
