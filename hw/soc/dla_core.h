// One DLA core: its clock (power mode dla_clock_mhz), GLB, CSB decoder, MCIF (+ SRAM, its registers on
// CSB), BDMA (when core.features.bdma), the convolution core, SDP, PDP, (with core.features.cdp) CDP and (with
// core.features.rubik) RUBIK, wired as NVDLA's pipeline: CACC -> SDP over a bounded channel of
// core.cacc_delivery_stripes chunks, SDP -> PDP over one of the same depth. Stats are named "dla<i>.<unit>...".
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "cdp/cdp.h"
#include "common/clock.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "common/streams.h"
#include "bdma/bdma.h"
#include "csb/csb.h"
#include "dla/config.h"
#include "glb/glb.h"
#include "memory/memory_system.h"
#include "pdp/pdp.h"
#include "rubik/rubik.h"
#include "sdp/sdp.h"

namespace dlasim::hw {

class ConvCore;

class DlaCore : public sc_core::sc_module {
  public:
    // sram_window.size 0: no SRAM.
    DlaCore(sc_core::sc_module_name name, const dla_config &cfg, const dla_power_mode &mode, bool functional, int index,
            Dram &dram, const AddressWindow &sram_window, StatsRegistry &stats);
    ~DlaCore() override;
    int index() const { return index_; }
    const CoreClock &clock() const { return clock_; }
    Glb &glb() { return glb_; }
    Csb &csb() { return csb_; }
    Mcif &mcif() { return mcif_; }
    Sram *sram() { return sram_.get(); }
    Bdma *bdma() { return bdma_.get(); } // null without core.features.bdma
    Sdp &sdp() { return sdp_; }
    Pdp &pdp() { return pdp_; }
    Cdp *cdp() { return cdp_.get(); }       // null when core.features.cdp is false
    Rubik *rubik() { return rubik_.get(); } // null when core.features.rubik is false
    bool has_conv() const { return conv_ != nullptr; }
    // Every unit register file on CSB (conv stages, SDP, PDP and their RDMAs), for diagnostics.
    std::vector<RegisterFile *> register_files();

  private:
    int index_;
    std::string prefix_;
    CoreClock clock_;
    Glb glb_;
    Csb csb_;
    std::unique_ptr<Sram> sram_;
    Mcif mcif_;
    std::unique_ptr<Bdma> bdma_;
    sc_core::sc_fifo<OutputChunk> cacc_to_sdp_, sdp_to_pdp_;
    std::unique_ptr<ConvCore> conv_;
    Sdp sdp_;
    Pdp pdp_;
    std::unique_ptr<Cdp> cdp_;
    std::unique_ptr<Rubik> rubik_;
};

} // namespace dlasim::hw
