// The convolution core of one DLA: CDMA -> CBUF -> CSC -> CMAC_A/B -> CACC, wired together and
// delivering output chunks to SDP over a bounded channel. Each stage is its own module in
// hw/<unit>/; this wrapper only builds and connects them and exposes their register files.
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "common/clock.h"
#include "common/interfaces.h"
#include "common/stats.h"
#include "common/streams.h"
#include "dla/config.h"

namespace dlasim::hw {

class ConvCore : public sc_core::sc_module {
  public:
    // stats_prefix: hierarchical stats name of the core ("dla0"); functional: compute real data.
    // data_port / weight_port: the CDMA's two MCIF clients. to_sdp: bounded CACC -> SDP channel.
    ConvCore(sc_core::sc_module_name name, const dla_config &cfg, bool functional, const CoreClock &clock,
             MemoryPort &data_port, MemoryPort &weight_port, InterruptSink &irq, StatsRegistry &stats,
             const std::string &stats_prefix, sc_core::sc_fifo<OutputChunk> &to_sdp);
    ~ConvCore() override;
    // Register files of CDMA, CSC, CMAC_A, CMAC_B and CACC, for the CSB decoder.
    std::vector<CsbTarget *> csb_targets();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dlasim::hw
