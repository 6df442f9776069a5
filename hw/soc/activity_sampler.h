// Activity sampler: cuts a run into windows of window_cycles core cycles and records how much each
// activity counter (each unit's busy cycles, each core's DRAM and SRAM bytes) grew in each window,
// so a timeline can show measured activity per unit. It watches the counters (CounterObserver)
// instead of waking at window edges: a timed event of its own would reorder same-time events of the
// model, so only a sampler that schedules nothing can leave every simulated cycle unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <vector>

#include "common/clock.h"
#include "common/stats.h"

namespace dlasim::hw {

class ActivitySampler final : public CounterObserver {
  public:
    struct Series {
        std::string name;
        std::string unit;
        std::vector<Counter *> counters; // summed (owned by the registry)
    };

    // Series are chosen from the counters declared so far (build the SoC first).
    ActivitySampler(StatsRegistry &stats, int num_cores, const CoreClock &clock, uint64_t window_cycles);
    ~ActivitySampler();
    ActivitySampler(const ActivitySampler &) = delete;
    ActivitySampler &operator=(const ActivitySampler &) = delete;

    // Starts a run at the current simulation time: forgets the previous run's windows.
    void begin();
    // After the run: closes the windows up to the current time; the last one ends at end_cycle.
    void finish(uint64_t end_cycle);
    void before_change() override;

    uint64_t window_cycles() const { return window_cycles_; }
    const std::vector<Series> &series() const { return series_; }
    const std::vector<uint64_t> &end_cycles() const { return end_cycles_; }
    const std::vector<uint64_t> &values() const { return values_; } // windows x series, row-major

  private:
    std::vector<uint64_t> read() const;
    void close_window(uint64_t end_cycle);
    sc_core::sc_time edge(uint64_t k) const { return start_ + clock_.cycles(k * window_cycles_); }

    const CoreClock &clock_;
    uint64_t window_cycles_;
    std::vector<Series> series_;
    bool running_ = false;
    sc_core::sc_time start_ = sc_core::SC_ZERO_TIME;
    uint64_t next_ = 1;                // the open window ends at edge(next_)
    sc_core::sc_time next_edge_;       // edge(next_), cached: before_change runs on every counted action
    std::vector<uint64_t> last_;       // series values when the open window began
    std::vector<uint64_t> end_cycles_; // per closed window
    std::vector<uint64_t> values_;
};

} // namespace dlasim::hw
