// Statistics registry: every unit declares its action counters once (name, unit, description);
// the platform dumps them under hierarchical names ("dla0.cmac.mac_ops") for energy and traces.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "dla/platform.h"

namespace dlasim::hw {

// Told before a watched counter changes (ActivitySampler: attributes the change to a time window
// without scheduling any event, so watching cannot change the simulation).
class CounterObserver {
  public:
    virtual void before_change() = 0;

  protected:
    ~CounterObserver() = default;
};

struct Counter {
    uint64_t value = 0;
    CounterObserver *observer = nullptr;
    Counter &operator+=(uint64_t v)
    {
        if (observer)
            observer->before_change();
        value += v;
        return *this;
    }
};

class StatsRegistry {
  public:
    // The returned reference stays valid for the registry's lifetime.
    Counter &declare(const std::string &hier_name, const char *unit, const char *description);
    void snapshot(std::vector<dla_stat> &out) const;
    // Sum of every counter whose name ends with suffix (e.g. ".dram_read_bytes").
    uint64_t sum_suffix(const std::string &suffix) const;
    // The counter declared as hier_name, or null (for observers such as ActivitySampler).
    Counter *find(const std::string &hier_name);

  private:
    struct Entry {
        std::string name;
        std::string unit;
        std::string description;
        Counter counter;
    };
    std::deque<Entry> entries_; // deque: stable addresses
};

} // namespace dlasim::hw
