// The core clock of one DLA: converts between cycles and SystemC time. Every unit of a core
// shares one CoreClock; the period comes from the power mode's DLA clock.
#pragma once

#include <cstdint>
#include <systemc>

namespace dlasim::hw {

class CoreClock {
  public:
    explicit CoreClock(double clock_mhz);
    sc_core::sc_time period() const { return period_; }
    sc_core::sc_time cycles(uint64_t n) const { return period_ * static_cast<double>(n); }
    // Whole cycles elapsed at the current simulation time (rounded down).
    uint64_t now_cycles() const;
    uint64_t to_cycles(const sc_core::sc_time &t) const;
    // Cycles from now until t, rounded up (0 if t is not in the future).
    uint64_t cycles_until(const sc_core::sc_time &t) const;
    // wait() until the next clock edge at or after t (call from an SC_THREAD).
    void wait_until(const sc_core::sc_time &t) const;
    double mhz() const { return mhz_; }

  private:
    double mhz_;
    sc_core::sc_time period_;
};

} // namespace dlasim::hw
