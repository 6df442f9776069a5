// CSB decoder of one core: routes absolute register addresses to the unit owning their 4 KiB
// window (NVDLA v2 map). Each access costs core.csb_write_cycles core cycles, spent by the calling
// thread (the controller) before the access takes effect on the next core clock edge. Unmapped addresses read 0 and
// drop writes, as on NVDLA; they are counted in <prefix>.csb.unmapped.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/clock.h"
#include "common/interfaces.h"
#include "common/stats.h"

namespace dlasim::hw {

class Csb {
  public:
    static constexpr uint32_t kWindowBytes = 0x1000;
    Csb(const CoreClock &clock, uint32_t access_cycles, StatsRegistry &stats, const std::string &stats_prefix);
    // The target's window is csb_base() .. +4 KiB; throws std::logic_error if already mapped.
    void map(CsbTarget &target);
    // Timed accesses (call from an SC_THREAD).
    void write(uint32_t addr, uint32_t value);
    uint32_t read(uint32_t addr);
    // Untimed lookup (diagnostics); null when unmapped.
    CsbTarget *target(uint32_t addr) const;
    const std::map<uint32_t, CsbTarget *> &targets() const { return targets_; }

  private:
    void spend_access_time() const;
    const CoreClock &clock_;
    uint32_t access_cycles_;
    std::map<uint32_t, CsbTarget *> targets_; // by window index (addr / 4 KiB)
    Counter &writes_, &reads_, &unmapped_;
};

} // namespace dlasim::hw
