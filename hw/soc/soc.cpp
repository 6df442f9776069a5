// SoC wiring (see soc.h).
#include "soc.h"

#include <stdexcept>
#include <string>

namespace dlasim::hw {

Soc::Soc(sc_core::sc_module_name name, const dla_config &cfg, const dla_power_mode &mode, bool functional,
         const SocAddressMap &map)
    : sc_core::sc_module(name), dram_(DramParams::from_config(cfg, mode, map.dram), stats_)
{
    if (cfg.num_cores < 1 || cfg.num_cores > DLA_MAX_CORES)
        throw std::invalid_argument("num_cores = " + std::to_string(cfg.num_cores) + ", expected 1.." +
                                    std::to_string(DLA_MAX_CORES));
    for (int i = 0; i < cfg.num_cores; ++i)
        cores_.push_back(std::make_unique<DlaCore>(("dla" + std::to_string(i)).c_str(), cfg, mode, functional, i, dram_,
                                                   map.sram, stats_));
}

Soc::~Soc() = default;

} // namespace dlasim::hw
