// DRAM, SRAM and MCIF arbitration (timing rules in memory_system.h).
#include "memory_system.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <stdexcept>

namespace dlasim::hw {

namespace {

constexpr const char *kClientNames[kNumMcifClients] = {"cdma_dat", "cdma_wt", "sdp_m", "sdp_b", "sdp_n",
                                                       "sdp_e",    "sdp_w",   "pdp_r", "pdp_w"};

sc_core::sc_time ns(double v)
{
    return sc_core::sc_time(v * 1000.0, sc_core::SC_PS);
}

} // namespace

const char *mcif_client_name(int client)
{
    return client >= 0 && client < kNumMcifClients ? kClientNames[client] : "unknown";
}

bool mcif_client_writes(int client)
{
    return client == kClientSdpW || client == kClientPdpW;
}

DramParams DramParams::from_config(const dla_config &cfg, const dla_power_mode &mode, const AddressWindow &window)
{
    DramParams p;
    p.window = window;
    p.bytes_per_ns = mode.dram_bandwidth_gbps * cfg.memory.dram_efficiency; // GB/s == bytes/ns
    p.latency_ns = cfg.memory.dram_latency_ns;
    p.burst_bytes = static_cast<uint32_t>(std::max(1, cfg.memory.dram_burst_bytes));
    if (!(p.bytes_per_ns > 0))
        throw std::invalid_argument("DRAM bandwidth x efficiency must be positive");
    return p;
}

SramParams SramParams::from_config(const dla_config &cfg, const AddressWindow &window)
{
    SramParams p;
    p.window = window;
    p.bytes_per_ns = cfg.memory.sram_bandwidth_gbps;
    p.latency_cycles = static_cast<uint32_t>(std::max(0, cfg.memory.sram_latency_cycles));
    if (window.size > 0 && !(p.bytes_per_ns > 0))
        throw std::invalid_argument("memory.sram.bandwidth_gbps must be positive when the SRAM exists");
    return p;
}

McifParams McifParams::from_config(const dla_config &cfg)
{
    McifParams p;
    p.read_bytes_per_cycle = static_cast<uint32_t>(cfg.core.dma_read_bytes_per_cycle);
    p.write_bytes_per_cycle = static_cast<uint32_t>(cfg.core.dma_write_bytes_per_cycle);
    p.dram_share = cfg.memory.dla_dram_share;
    if (p.read_bytes_per_cycle == 0 || p.write_bytes_per_cycle == 0 || !(p.dram_share > 0) || p.dram_share > 1)
        throw std::invalid_argument("MCIF: port widths must be positive and dla_dram_share in (0, 1]");
    return p;
}

Dram::Dram(const DramParams &params, StatsRegistry &stats)
    : params_(params), read_bytes_(stats.declare("dram.read_bytes", "bytes", "bytes read from DRAM (all cores)")),
      write_bytes_(stats.declare("dram.write_bytes", "bytes", "bytes written to DRAM (all cores)")),
      busy_ps_(stats.declare("dram.busy_ps", "ps", "time the DRAM spent transferring"))
{}

uint64_t Dram::burst_rounded(uint64_t bytes) const
{
    uint64_t b = params_.burst_bytes;
    return (bytes + b - 1) / b * b;
}

Sram::Sram(const SramParams &params, StatsRegistry &stats, const std::string &stats_prefix)
    : params_(params),
      read_bytes_(stats.declare(stats_prefix + ".sram.read_bytes", "bytes", "bytes read from on-chip SRAM")),
      write_bytes_(stats.declare(stats_prefix + ".sram.write_bytes", "bytes", "bytes written to on-chip SRAM"))
{}

Mcif::Mcif(sc_core::sc_module_name name, const McifParams &params, const CoreClock &clock, Dram &dram, Sram *sram,
           StatsRegistry &stats, const std::string &stats_prefix)
    : sc_core::sc_module(name), params_(params), clock_(clock), dram_(dram), sram_(sram), prefix_(stats_prefix)
{
    read_.bytes_per_cycle = params.read_bytes_per_cycle;
    write_.bytes_per_cycle = params.write_bytes_per_cycle;
    for (int c = 0; c < kNumMcifClients; ++c) {
        ports_[c] = std::make_unique<Port>(*this, c);
        std::string base = stats_prefix + ".mcif." + kClientNames[c];
        dram_bytes_[c] = &stats.declare(base + ".dram_bytes", "bytes", "DRAM bytes moved for this client");
        sram_bytes_[c] = &stats.declare(base + ".sram_bytes", "bytes", "SRAM bytes moved for this client");
    }
    SC_THREAD(read_arbiter);
    SC_THREAD(write_arbiter);
}

MemoryPort &Mcif::port(int client)
{
    if (client < 0 || client >= kNumMcifClients)
        throw std::out_of_range("MCIF: no client " + std::to_string(client));
    return *ports_[client];
}

sc_core::sc_time Mcif::access(int client, const MemAccess &req, void *data)
{
    Request r;
    r.req = req;
    r.req.client = client;
    if (req.bytes == 0)
        return sc_core::sc_time_stamp();
    if (sram_ && sram_->params().window.contains(req.addr, req.bytes)) {
        r.to_sram = true;
    } else if (!dram_.params().window.contains(req.addr, req.bytes)) {
        char msg[256];
        std::snprintf(msg, sizeof msg, "%s: %s %s of %u bytes at 0x%" PRIx64 " is outside DRAM and SRAM",
                      prefix_.c_str(), kClientNames[client], req.write ? "write" : "read", req.bytes, req.addr);
        throw std::runtime_error(msg);
    }
    Direction &dir = req.write ? write_ : read_;
    dir.queues[client].push_back(&r);
    dir.kick.notify(sc_core::SC_ZERO_TIME);
    while (!r.granted)
        sc_core::wait(grant_events_[client]);
    if (data) {
        SparseStore &store = r.to_sram ? sram_->store() : dram_.store();
        if (req.write)
            store.write(req.addr, data, req.bytes);
        else
            store.read(req.addr, data, req.bytes);
    }
    return r.done;
}

sc_core::sc_time Mcif::path_free(const Request &r) const
{
    if (r.to_sram)
        return sram_->next_free_;
    return std::max(share_next_free_, dram_.next_free_);
}

// Acceptance happens on core clock edges: the first edge at or after t.
sc_core::sc_time Mcif::edge(const sc_core::sc_time &t) const
{
    uint64_t p = clock_.period().value(), v = t.value();
    return sc_core::sc_time::from_value((v + p - 1) / p * p);
}

void Mcif::arbitrate(Direction &dir)
{
    for (;;) {
        sc_core::sc_time now = sc_core::sc_time_stamp();
        bool any = false;
        sc_core::sc_time earliest = sc_core::sc_max_time();
        Request *pick = nullptr;
        for (int i = 1; i <= kNumMcifClients && !pick; ++i) {
            int c = (dir.last_granted + i) % kNumMcifClients;
            if (dir.queues[c].empty())
                continue;
            any = true;
            Request *head = dir.queues[c].front();
            sc_core::sc_time ready = edge(std::max(dir.next_free, path_free(*head)));
            if (ready <= now) {
                pick = head;
                dir.queues[c].pop_front();
                dir.last_granted = c;
            } else {
                earliest = std::min(earliest, ready);
            }
        }
        if (pick) {
            grant(dir, *pick);
            continue;
        }
        if (!any)
            sc_core::wait(dir.kick);
        else
            sc_core::wait(earliest - now, dir.kick);
    }
}

void Mcif::grant(Direction &dir, Request &r)
{
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const MemAccess &q = r.req;
    sc_core::sc_time t_port = clock_.period() * (static_cast<double>(q.bytes) / dir.bytes_per_cycle);
    sc_core::sc_time t_path, latency;
    if (r.to_sram) {
        t_path = ns(q.bytes / sram_->params_.bytes_per_ns);
        latency = clock_.cycles(sram_->params_.latency_cycles);
        sram_->next_free_ = now + t_path;
        (q.write ? sram_->write_bytes_ : sram_->read_bytes_) += q.bytes;
        *sram_bytes_[q.client] += q.bytes;
    } else {
        double b = static_cast<double>(dram_.burst_rounded(q.bytes));
        sc_core::sc_time t_dram = ns(b / dram_.params_.bytes_per_ns);
        t_path = std::max(t_dram, ns(b / (dram_.params_.bytes_per_ns * params_.dram_share)));
        latency = ns(dram_.params_.latency_ns);
        share_next_free_ = now + t_path;
        dram_.next_free_ = now + t_dram;
        dram_.busy_ps_ += static_cast<uint64_t>(t_dram.to_seconds() * 1e12 + 0.5);
        (q.write ? dram_.write_bytes_ : dram_.read_bytes_) += q.bytes;
        *dram_bytes_[q.client] += q.bytes;
    }
    dir.next_free = now + t_port;
    r.done = now + latency + std::max(t_port, t_path);
    r.granted = true;
    grant_events_[q.client].notify(sc_core::SC_ZERO_TIME);
}

} // namespace dlasim::hw
