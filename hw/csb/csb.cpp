// CSB address decoding and access cost (see csb.h).
#include "csb.h"

#include <stdexcept>

namespace dlasim::hw {

Csb::Csb(const CoreClock &clock, uint32_t access_cycles, StatsRegistry &stats, const std::string &stats_prefix)
    : clock_(clock), access_cycles_(access_cycles),
      writes_(stats.declare(stats_prefix + ".csb.writes", "writes", "register writes over CSB")),
      reads_(stats.declare(stats_prefix + ".csb.reads", "ops", "register reads over CSB")),
      unmapped_(stats.declare(stats_prefix + ".csb.unmapped", "ops", "CSB accesses to unmapped addresses"))
{}

void Csb::map(CsbTarget &target)
{
    uint32_t w = target.csb_base() / kWindowBytes;
    if (!targets_.emplace(w, &target).second)
        throw std::logic_error("CSB window 0x" + std::to_string(target.csb_base()) + " mapped twice");
}

CsbTarget *Csb::target(uint32_t addr) const
{
    auto it = targets_.find(addr / kWindowBytes);
    return it == targets_.end() ? nullptr : it->second;
}

// The access takes effect on the first core clock edge at or after access_cycles from now, so the
// hardware it starts stays on the core clock even when the controller runs on another clock.
void Csb::spend_access_time() const
{
    uint64_t p = clock_.period().value();
    uint64_t t = (sc_core::sc_time_stamp() + clock_.cycles(access_cycles_)).value();
    sc_core::wait(sc_core::sc_time::from_value((t + p - 1) / p * p) - sc_core::sc_time_stamp());
}

void Csb::write(uint32_t addr, uint32_t value)
{
    spend_access_time();
    writes_ += 1;
    if (CsbTarget *t = target(addr))
        t->csb_write(addr, value);
    else
        unmapped_ += 1;
}

uint32_t Csb::read(uint32_t addr)
{
    spend_access_time();
    reads_ += 1;
    if (CsbTarget *t = target(addr))
        return t->csb_read(addr);
    unmapped_ += 1;
    return 0;
}

} // namespace dlasim::hw
