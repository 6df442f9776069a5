// DRAM, SRAM and MCIF arbitration (timing rules in memory_system.h).
#include "memory_system.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace dlasim::hw {

namespace {

constexpr const char *kClientNames[kNumMcifClients] = {"cdma_dat", "cdma_wt", "sdp_m", "sdp_b", "sdp_n",
                                                       "sdp_e",    "sdp_w",   "pdp_r", "pdp_w"};

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
    fs_per_unit_ = static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e15));
    if (fs_per_unit_ == 0)
        throw std::invalid_argument("MCIF: SystemC time resolution finer than 1 fs is not supported");
    period_fs_ = to_fs(clock.period());
    if (period_fs_ == 0)
        throw std::invalid_argument("MCIF: core clock period must be positive");
    for (int c = 0; c < kNumMcifClients; ++c) {
        ports_[c] = std::make_unique<Port>(*this, c);
        std::string base = stats_prefix + ".mcif." + kClientNames[c];
        dram_bytes_[c] = &stats.declare(base + ".dram_bytes", "bytes", "DRAM bytes moved for this client");
        sram_bytes_[c] = &stats.declare(base + ".sram_bytes", "bytes", "SRAM bytes moved for this client");
    }
    SC_THREAD(arbiter);
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
    queues_[client].push_back(&r);
    kick_.notify(sc_core::SC_ZERO_TIME);
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

// The first edge at which r's port is free (at or after port_free) and each of its budgets frees up
// within the cycle (the edge at or before budget_free).
uint64_t Mcif::ready_edge(const Request &r) const
{
    const uint64_t p = period_fs_;
    const BandwidthServer &port = r.req.write ? write_port_ : read_port_;
    uint64_t e = (port.free_fs + p - 1) / p * p;
    if (r.to_sram)
        return std::max(e, sram_->server_.free_fs / p * p);
    return std::max({e, share_.free_fs / p * p, dram_.server_.free_fs / p * p});
}

void Mcif::arbiter()
{
    for (;;) {
        const uint64_t now = to_fs(sc_core::sc_time_stamp());
        const uint64_t arrival = (now + period_fs_ - 1) / period_fs_ * period_fs_;
        uint64_t earliest = UINT64_MAX;
        Request *pick = nullptr;
        for (int i = 1; i <= kNumMcifClients && !pick; ++i) {
            int c = (last_granted_ + i) % kNumMcifClients;
            if (queues_[c].empty())
                continue;
            uint64_t e = std::max(arrival, ready_edge(*queues_[c].front()));
            if (e == now) {
                pick = queues_[c].front();
                queues_[c].pop_front();
                last_granted_ = c;
            } else {
                earliest = std::min(earliest, e);
            }
        }
        if (pick)
            grant(*pick, now);
        else if (earliest == UINT64_MAX)
            sc_core::wait(kick_);
        else
            sc_core::wait(sc_core::sc_time::from_value((earliest - now) / fs_per_unit_), kick_);
    }
}

void Mcif::grant(Request &r, uint64_t edge)
{
    auto fs = [](double ns) { return static_cast<uint64_t>(std::llround(ns * 1e6)); };
    const MemAccess &q = r.req;
    const uint32_t width = q.write ? params_.write_bytes_per_cycle : params_.read_bytes_per_cycle;
    uint64_t end = (q.write ? write_port_ : read_port_).book(edge, (q.bytes * period_fs_ + width / 2) / width);
    uint64_t latency = 0;
    if (r.to_sram) {
        end = std::max(end, sram_->server_.book(edge, fs(q.bytes / sram_->params_.bytes_per_ns)));
        latency = sram_->params_.latency_cycles * period_fs_;
        (q.write ? sram_->write_bytes_ : sram_->read_bytes_) += q.bytes;
        *sram_bytes_[q.client] += q.bytes;
    } else {
        const double b = static_cast<double>(dram_.burst_rounded(q.bytes));
        const uint64_t t_dram = fs(b / dram_.params_.bytes_per_ns);
        end = std::max({end, share_.book(edge, fs(b / (dram_.params_.bytes_per_ns * params_.dram_share))),
                        dram_.server_.book(edge, t_dram)});
        latency = fs(dram_.params_.latency_ns);
        const uint64_t busy_ps_before = (dram_.busy_fs_ + 500) / 1000;
        dram_.busy_fs_ += t_dram;
        dram_.busy_ps_ += (dram_.busy_fs_ + 500) / 1000 - busy_ps_before;
        (q.write ? dram_.write_bytes_ : dram_.read_bytes_) += q.bytes;
        *dram_bytes_[q.client] += q.bytes;
    }
    r.done = sc_core::sc_time::from_value((end + latency + fs_per_unit_ - 1) / fs_per_unit_);
    r.granted = true;
    grant_events_[q.client].notify(sc_core::SC_ZERO_TIME);
}

} // namespace dlasim::hw
