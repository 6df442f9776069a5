// Core clock helpers (see clock.h). Time resolution is set by the platform to 1 ps.
#include "clock.h"

#include <cmath>

namespace dlasim::hw {

CoreClock::CoreClock(double clock_mhz) : mhz_(clock_mhz), period_(1e6 / clock_mhz, sc_core::SC_PS) {}

uint64_t CoreClock::now_cycles() const
{
    return to_cycles(sc_core::sc_time_stamp());
}

uint64_t CoreClock::to_cycles(const sc_core::sc_time &t) const
{
    return static_cast<uint64_t>(std::floor(t / period_ + 1e-9));
}

uint64_t CoreClock::cycles_until(const sc_core::sc_time &t) const
{
    sc_core::sc_time now = sc_core::sc_time_stamp();
    if (t <= now)
        return 0;
    return static_cast<uint64_t>(std::ceil((t - now) / period_ - 1e-9));
}

void CoreClock::wait_until(const sc_core::sc_time &t) const
{
    uint64_t n = cycles_until(t);
    if (n > 0)
        sc_core::wait(cycles(n));
}

} // namespace dlasim::hw
