// One DLA core's wiring (see dla_core.h).
#include "dla_core.h"

#include <algorithm>
#include <stdexcept>

#ifdef DLASIM_HAVE_CONV
#include "conv/conv_core.h"
#endif

namespace dlasim::hw {

namespace {
int fifo_depth(const dla_config &cfg)
{
    if (cfg.core.cacc_delivery_stripes < 1)
        throw std::invalid_argument("core.cacc_delivery_stripes must be at least 1");
    return cfg.core.cacc_delivery_stripes;
}
} // namespace

#ifndef DLASIM_HAVE_CONV
// Built without hw/conv: the core has no convolution pipeline (its CSB windows are unmapped).
class ConvCore : public sc_core::sc_module {};
#endif

DlaCore::DlaCore(sc_core::sc_module_name name, const dla_config &cfg, const dla_power_mode &mode, bool functional,
                 int index, Dram &dram, const AddressWindow &sram_window, StatsRegistry &stats)
    : sc_core::sc_module(name), index_(index), prefix_("dla" + std::to_string(index)), clock_(mode.dla_clock_mhz),
      csb_(clock_, static_cast<uint32_t>(std::max(0, cfg.core.csb_write_cycles)), stats, prefix_),
      sram_(sram_window.size > 0 ? std::make_unique<Sram>(SramParams::from_config(cfg, sram_window), stats, prefix_)
                                 : nullptr),
      mcif_("mcif", McifParams::from_config(cfg), clock_, dram, sram_.get(), stats, prefix_),
      bdma_(cfg.core.features.bdma
                ? std::make_unique<Bdma>("bdma", BdmaParams::from_config(cfg, dram.params().window, sram_window),
                                         functional, clock_, mcif_.port(kClientBdmaRead), mcif_.port(kClientBdmaWrite),
                                         glb_, stats, prefix_)
                : nullptr),
      cacc_to_sdp_("cacc_to_sdp", fifo_depth(cfg)), sdp_to_pdp_("sdp_to_pdp", fifo_depth(cfg)),
#ifdef DLASIM_HAVE_CONV
      conv_(std::make_unique<ConvCore>("conv", cfg, functional, clock_, mcif_.port(kClientCdmaData),
                                       mcif_.port(kClientCdmaWeight), glb_, stats, prefix_, cacc_to_sdp_)),
#endif
      sdp_("sdp", SdpParams::from_config(cfg), functional, clock_,
           SdpPorts{mcif_.port(kClientSdpM), mcif_.port(kClientSdpB), mcif_.port(kClientSdpN), mcif_.port(kClientSdpE),
                    mcif_.port(kClientSdpW)},
           glb_, stats, prefix_, conv_ ? &cacc_to_sdp_ : nullptr, &sdp_to_pdp_),
      pdp_("pdp", PdpParams::from_config(cfg), functional, clock_,
           PdpPorts{mcif_.port(kClientPdpR), mcif_.port(kClientPdpW)}, glb_, stats, prefix_, &sdp_to_pdp_),
      // CDP shares the PDP's MCIF client ports (hw/cdp/cdp.h says why).
      cdp_(cfg.core.features.cdp
               ? std::make_unique<Cdp>("cdp", CdpParams::from_config(cfg), functional, clock_,
                                       CdpPorts{mcif_.port(kClientPdpR), mcif_.port(kClientPdpW)}, glb_, stats, prefix_)
               : nullptr),
      rubik_(cfg.core.features.rubik ? std::make_unique<Rubik>("rubik", RubikParams::from_config(cfg), functional,
                                                               clock_, mcif_.port(kClientRubikRead),
                                                               mcif_.port(kClientRubikWrite), glb_, stats, prefix_)
                                     : nullptr)
{
    if (!(mode.dla_clock_mhz > 0))
        throw std::invalid_argument("power mode " + std::string(mode.name) + ": dla_clock_mhz must be positive");
    csb_.map(glb_);
    csb_.map(mcif_.csb_target());
    if (bdma_)
        csb_.map(*bdma_);
#ifdef DLASIM_HAVE_CONV
    for (CsbTarget *t : conv_->csb_targets())
        csb_.map(*t);
#endif
    for (CsbTarget *t : sdp_.csb_targets())
        csb_.map(*t);
    for (CsbTarget *t : pdp_.csb_targets())
        csb_.map(*t);
    if (cdp_)
        for (CsbTarget *t : cdp_->csb_targets())
            csb_.map(*t);
    if (rubik_)
        for (CsbTarget *t : rubik_->csb_targets())
            csb_.map(*t);
}

DlaCore::~DlaCore() = default;

std::vector<RegisterFile *> DlaCore::register_files()
{
    std::vector<RegisterFile *> out;
    for (const auto &entry : csb_.targets())
        if (auto *rf = dynamic_cast<RegisterFile *>(entry.second))
            out.push_back(rf);
    return out;
}

} // namespace dlasim::hw
