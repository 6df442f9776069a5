// The SoC: cfg->num_cores DLA cores sharing one DRAM (and its bandwidth), each with its own SRAM,
// and one statistics registry ("dram.*", "dla0.*", "dla1.*").
#pragma once

#include <memory>
#include <systemc>
#include <vector>

#include "common/stats.h"
#include "dla/config.h"
#include "dla_core.h"
#include "memory/memory_system.h"

namespace dlasim::hw {

struct SocAddressMap {
    AddressWindow dram;
    AddressWindow sram; // the same window in every core, each core reaching its own SRAM
};

class Soc : public sc_core::sc_module {
  public:
    Soc(sc_core::sc_module_name name, const dla_config &cfg, const dla_power_mode &mode, bool functional,
        const SocAddressMap &map);
    ~Soc() override;
    StatsRegistry &stats() { return stats_; }
    Dram &dram() { return dram_; }
    int num_cores() const { return static_cast<int>(cores_.size()); }
    DlaCore &core(int i) { return *cores_.at(static_cast<size_t>(i)); }

  private:
    StatsRegistry stats_;
    Dram dram_;
    std::vector<std::unique_ptr<DlaCore>> cores_;
};

} // namespace dlasim::hw
