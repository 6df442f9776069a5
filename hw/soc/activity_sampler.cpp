// Activity sampler (see activity_sampler.h).
#include "activity_sampler.h"

#include <stdexcept>

namespace dlasim::hw {

namespace {
bool starts_with(const std::string &s, const std::string &p)
{
    return s.compare(0, p.size(), p) == 0;
}
bool ends_with(const std::string &s, const std::string &x)
{
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}
} // namespace

ActivitySampler::ActivitySampler(StatsRegistry &stats, int num_cores, const CoreClock &clock, uint64_t window_cycles)
    : clock_(clock), window_cycles_(window_cycles)
{
    if (window_cycles == 0)
        throw std::invalid_argument("activity sampler: window_cycles must be at least 1");
    std::vector<dla_stat> all;
    stats.snapshot(all);
    for (int c = 0; c < num_cores; ++c) {
        const std::string core = "dla" + std::to_string(c) + ".";
        // Busy cycles: every unit of the core that declares <unit>.busy_cycles, in declaration order.
        for (const dla_stat &s : all) {
            const std::string name = s.name;
            if (starts_with(name, core) && ends_with(name, ".busy_cycles") && std::string(s.unit) == "cycles")
                series_.push_back(Series{name, "cycles", {stats.find(name)}});
        }
        // Memory traffic: DRAM as the run summary counts it (the DMA engines' .dram_* counters, issue
        // side), SRAM from the SRAM model.
        Series dram_rd{core + "dram_read_bytes", "bytes", {}}, dram_wr{core + "dram_write_bytes", "bytes", {}};
        Series sram_rd{core + "sram_read_bytes", "bytes", {}}, sram_wr{core + "sram_write_bytes", "bytes", {}};
        for (const dla_stat &s : all) {
            const std::string name = s.name;
            if (!starts_with(name, core))
                continue;
            Series *to = ends_with(name, ".dram_read_bytes")    ? &dram_rd
                         : ends_with(name, ".dram_write_bytes") ? &dram_wr
                         : name == core + "sram.read_bytes"     ? &sram_rd
                         : name == core + "sram.write_bytes"    ? &sram_wr
                                                                : nullptr;
            if (to)
                to->counters.push_back(stats.find(name));
        }
        for (Series *s : {&dram_rd, &dram_wr, &sram_rd, &sram_wr})
            if (!s->counters.empty())
                series_.push_back(*s);
    }
    for (const Series &s : series_)
        for (Counter *c : s.counters) {
            if (c->observer && c->observer != this)
                throw std::logic_error("activity sampler: a counter of " + s.name + " is already watched");
            c->observer = this;
        }
}

ActivitySampler::~ActivitySampler()
{
    for (const Series &s : series_)
        for (Counter *c : s.counters)
            c->observer = nullptr;
}

std::vector<uint64_t> ActivitySampler::read() const
{
    std::vector<uint64_t> v(series_.size(), 0);
    for (size_t s = 0; s < series_.size(); ++s)
        for (const Counter *c : series_[s].counters)
            v[s] += c->value;
    return v;
}

void ActivitySampler::begin()
{
    start_ = sc_core::sc_time_stamp();
    next_ = 1;
    next_edge_ = edge(next_);
    last_ = read();
    end_cycles_.clear();
    values_.clear();
    running_ = true;
}

void ActivitySampler::close_window(uint64_t end_cycle)
{
    std::vector<uint64_t> now = read();
    for (size_t s = 0; s < now.size(); ++s)
        values_.push_back(now[s] - last_[s]);
    end_cycles_.push_back(end_cycle);
    last_ = now;
}

void ActivitySampler::before_change()
{
    // A change at time t belongs to the window holding t: close every window that ended at or
    // before t first (the counters have not moved since the last change, so this reads them as
    // they were at those edges).
    if (!running_ || sc_core::sc_time_stamp() < next_edge_)
        return;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (next_edge_ <= now) {
        close_window(next_ * window_cycles_);
        next_edge_ = edge(++next_);
    }
}

void ActivitySampler::finish(uint64_t end_cycle)
{
    if (!running_)
        return;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (next_edge_ < now && next_ * window_cycles_ < end_cycle) {
        close_window(next_ * window_cycles_);
        next_edge_ = edge(++next_);
    }
    running_ = false;
    const size_t n = series_.size();
    if (!end_cycles_.empty() && end_cycles_.back() >= end_cycle) {
        // Changes made at the very end of a run that ends on a window edge join the last window.
        std::vector<uint64_t> now_values = read();
        uint64_t *row = &values_[values_.size() - n];
        for (size_t s = 0; s < n; ++s)
            row[s] += now_values[s] - last_[s];
        last_ = now_values;
        return;
    }
    if (end_cycle == 0 && read() == last_)
        return; // an empty run has no window
    close_window(end_cycle);
}

} // namespace dlasim::hw
