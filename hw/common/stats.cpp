// Statistics registry (see stats.h).
#include "stats.h"

#include <cstring>
#include <stdexcept>

namespace dlasim::hw {

Counter &StatsRegistry::declare(const std::string &hier_name, const char *unit, const char *description)
{
    for (const Entry &e : entries_)
        if (e.name == hier_name)
            throw std::logic_error("statistic declared twice: " + hier_name);
    entries_.push_back(Entry{hier_name, unit, description, Counter{}});
    return entries_.back().counter;
}

void StatsRegistry::snapshot(std::vector<dla_stat> &out) const
{
    for (const Entry &e : entries_) {
        dla_stat s{};
        std::strncpy(s.name, e.name.c_str(), sizeof s.name - 1);
        std::strncpy(s.unit, e.unit.c_str(), sizeof s.unit - 1);
        std::strncpy(s.description, e.description.c_str(), sizeof s.description - 1);
        s.value = e.counter.value;
        out.push_back(s);
    }
}

Counter *StatsRegistry::find(const std::string &hier_name)
{
    for (Entry &e : entries_)
        if (e.name == hier_name)
            return &e.counter;
    return nullptr;
}

uint64_t StatsRegistry::sum_suffix(const std::string &suffix) const
{
    uint64_t total = 0;
    for (const Entry &e : entries_)
        if (e.name.size() >= suffix.size() && e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0)
            total += e.counter.value;
    return total;
}

} // namespace dlasim::hw
