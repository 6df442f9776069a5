// Core clock helpers (see clock.h). Time resolution is set by the platform to 1 ps.
#include "clock.h"

#include <stdexcept>

namespace dlasim::hw {

CoreClock::CoreClock(double clock_mhz) : mhz_(clock_mhz), period_(1e6 / clock_mhz, sc_core::SC_PS)
{
    if (period_.value() == 0)
        throw std::invalid_argument("CoreClock: the clock period rounds to zero time units");
}

uint64_t CoreClock::now_cycles() const
{
    return to_cycles(sc_core::sc_time_stamp());
}

// Integer arithmetic on the resolution units: t and the period are whole units, so t / period needs no
// epsilon and these are exactly the floor / ceiling of the real quotient (hot: every DMA request).
uint64_t CoreClock::to_cycles(const sc_core::sc_time &t) const
{
    return t.value() / period_.value();
}

uint64_t CoreClock::cycles_until(const sc_core::sc_time &t) const
{
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (t <= now)
        return 0;
    const uint64_t p = period_.value();
    return ((t - now).value() + p - 1) / p;
}

void CoreClock::wait_until(const sc_core::sc_time &t) const
{
    uint64_t n = cycles_until(t);
    if (n > 0)
        sc_core::wait(cycles(n));
}

} // namespace dlasim::hw
