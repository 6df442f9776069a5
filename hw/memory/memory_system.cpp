// DRAM, SRAM and MCIF arbitration (timing rules in memory_system.h).
#include "memory_system.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <string>

#include "dla/nvdla_regs.h"

namespace dlasim::hw {

namespace {

constexpr const char *kClientNames[kNumMcifClients] = {"cdma_dat", "cdma_wt", "sdp_m", "sdp_b", "sdp_n",
                                                       "sdp_e",    "sdp_w",   "pdp_r", "pdp_w", "bdma_rd",
                                                       "bdma_wr",  "rbk_rd",  "rbk_wr"};

// Where each client's weight sits in NVDLA's MCIF registers (register, field shift; 8-bit fields).
struct WeightField {
    uint32_t reg, shift;
};
constexpr WeightField kWeightFields[kNumMcifClients] = {
    {NVDLA_MCIF_CFG_RD_WEIGHT_1, NVDLA_MCIF_CFG_RD_WEIGHT_1_RD_WEIGHT_CDMA_DAT_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_2, NVDLA_MCIF_CFG_RD_WEIGHT_2_RD_WEIGHT_CDMA_WT_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_0, NVDLA_MCIF_CFG_RD_WEIGHT_0_RD_WEIGHT_SDP_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_1, NVDLA_MCIF_CFG_RD_WEIGHT_1_RD_WEIGHT_SDP_B_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_1, NVDLA_MCIF_CFG_RD_WEIGHT_1_RD_WEIGHT_SDP_N_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_1, NVDLA_MCIF_CFG_RD_WEIGHT_1_RD_WEIGHT_SDP_E_SHIFT},
    {NVDLA_MCIF_CFG_WR_WEIGHT_0, NVDLA_MCIF_CFG_WR_WEIGHT_0_WR_WEIGHT_SDP_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_0, NVDLA_MCIF_CFG_RD_WEIGHT_0_RD_WEIGHT_PDP_SHIFT},
    {NVDLA_MCIF_CFG_WR_WEIGHT_0, NVDLA_MCIF_CFG_WR_WEIGHT_0_WR_WEIGHT_PDP_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_0, NVDLA_MCIF_CFG_RD_WEIGHT_0_RD_WEIGHT_BDMA_SHIFT},
    {NVDLA_MCIF_CFG_WR_WEIGHT_0, NVDLA_MCIF_CFG_WR_WEIGHT_0_WR_WEIGHT_BDMA_SHIFT},
    {NVDLA_MCIF_CFG_RD_WEIGHT_2, NVDLA_MCIF_CFG_RD_WEIGHT_2_RD_WEIGHT_RBK_SHIFT},
    {NVDLA_MCIF_CFG_WR_WEIGHT_1, NVDLA_MCIF_CFG_WR_WEIGHT_1_WR_WEIGHT_RBK_SHIFT},
};

uint64_t ns_to_fs(double ns)
{
    return static_cast<uint64_t>(std::llround(ns * 1e6));
}

} // namespace

const char *mcif_client_name(int client)
{
    return client >= 0 && client < kNumMcifClients ? kClientNames[client] : "unknown";
}

bool mcif_client_writes(int client)
{
    return client == kClientSdpW || client == kClientPdpW || client == kClientBdmaWrite || client == kClientRubikWrite;
}

DramParams DramParams::from_config(const dla_config &cfg, const dla_power_mode &mode, const AddressWindow &window)
{
    DramParams p;
    p.window = window;
    const double background = cfg.memory.dram_background_share;
    if (!(background >= 0 && background < 1))
        throw std::invalid_argument("memory.dram.background_share must be in [0, 1), got " +
                                    std::to_string(background));
    // A mode may set its own latency and efficiency (0: the memory.dram values).
    const double efficiency = mode.dram_efficiency > 0 ? mode.dram_efficiency : cfg.memory.dram_efficiency;
    // GB/s == bytes/ns; the background share is the GPU/CPU traffic the DLAs never get.
    p.bytes_per_ns = mode.dram_bandwidth_gbps * efficiency * (1.0 - background);
    p.latency_ns = mode.dram_latency_ns > 0 ? mode.dram_latency_ns : cfg.memory.dram_latency_ns;
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
    if (p.read_bytes_per_cycle == 0 || p.write_bytes_per_cycle == 0)
        throw std::invalid_argument("MCIF: core.dma.read/write_bytes_per_cycle must be positive");
    // CFG_OUTSTANDING_CNT holds the limit minus one in 8 bits.
    if (cfg.core.dma_max_outstanding < 1 || cfg.core.dma_max_outstanding > 256)
        throw std::invalid_argument("MCIF: core.dma.max_outstanding = " + std::to_string(cfg.core.dma_max_outstanding) +
                                    ", expected 1..256 (MCIF CFG_OUTSTANDING_CNT is 8 bits, limit - 1)");
    p.max_outstanding = static_cast<uint32_t>(cfg.core.dma_max_outstanding);
    return p;
}

Dram::Dram(const DramParams &params, StatsRegistry &stats)
    : params_(params), read_bytes_(stats.declare("dram.read_bytes", "bytes", "bytes read from DRAM (all cores)")),
      write_bytes_(stats.declare("dram.write_bytes", "bytes", "bytes written to DRAM (all cores)")),
      busy_ps_(stats.declare("dram.busy_ps", "ps", "time the DRAM spent transferring DLA data"))
{}

uint64_t Dram::burst_rounded(uint64_t bytes) const
{
    uint64_t b = params_.burst_bytes;
    return (bytes + b - 1) / b * b;
}

bool Dram::bid(DramBid &b)
{
    if (attached_ <= 1) {
        decide(b);
        return b.won;
    }
    bids_.push_back(&b);
    sc_core::wait(sc_core::SC_ZERO_TIME); // every MCIF bidding at this edge and delta has bid by now
    if (!b.decided) {
        const int n = attached_, last = last_core_;
        auto rank = [n, last](const DramBid *x) { return (x->core - last - 1 + 2 * n) % n; };
        if (bids_.size() > 1)
            std::stable_sort(bids_.begin(), bids_.end(),
                             [&rank](const DramBid *x, const DramBid *y) { return rank(x) < rank(y); });
        round_.swap(bids_); // both keep their capacity: no allocation per request
        bids_.clear();
        for (DramBid *x : round_)
            decide(*x);
        round_.clear();
    }
    return b.won;
}

void Dram::decide(DramBid &b)
{
    b.decided = true;
    b.won = server_.ready_edge(b.period_fs) <= b.edge_fs;
    if (!b.won)
        return;
    b.end_fs = server_.book(b.edge_fs, b.occupancy_fs);
    last_core_ = b.core;
    const uint64_t busy_ps_before = (busy_fs_ + 500) / 1000;
    busy_fs_ += b.occupancy_fs;
    busy_ps_ += (busy_fs_ + 500) / 1000 - busy_ps_before;
}

Sram::Sram(const SramParams &params, StatsRegistry &stats, const std::string &stats_prefix)
    : params_(params),
      read_bytes_(stats.declare(stats_prefix + ".sram.read_bytes", "bytes", "bytes read from on-chip SRAM")),
      write_bytes_(stats.declare(stats_prefix + ".sram.write_bytes", "bytes", "bytes written to on-chip SRAM"))
{}

Mcif::Mcif(sc_core::sc_module_name name, const McifParams &params, const CoreClock &clock, Dram &dram, Sram *sram,
           StatsRegistry &stats, const std::string &stats_prefix)
    : sc_core::sc_module(name), params_(params), clock_(clock), dram_(dram), sram_(sram), prefix_(stats_prefix),
      regs_("MCIF", NVDLA_MCIF_BASE)
{
    fs_per_unit_ = static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e15));
    if (fs_per_unit_ == 0)
        throw std::invalid_argument("MCIF: SystemC time resolution finer than 1 fs is not supported");
    period_fs_ = to_fs(clock.period());
    if (period_fs_ == 0)
        throw std::invalid_argument("MCIF: core clock period must be positive");
    if (params_.read_bytes_per_cycle == 0 || params_.write_bytes_per_cycle == 0)
        throw std::invalid_argument("MCIF: port widths must be positive");
    if (params_.max_outstanding < 1 || params_.max_outstanding > 256)
        throw std::invalid_argument("MCIF: max_outstanding must be in 1..256");
    // Reset values: every weight 1 (NVDLA_MCIF.rdl), outstanding count from the config.
    for (uint32_t reg : {NVDLA_MCIF_CFG_RD_WEIGHT_0, NVDLA_MCIF_CFG_RD_WEIGHT_1, NVDLA_MCIF_CFG_RD_WEIGHT_2,
                         NVDLA_MCIF_CFG_WR_WEIGHT_0, NVDLA_MCIF_CFG_WR_WEIGHT_1})
        csb_.csb_write(reg, 0x01010101u);
    const uint32_t os = params_.max_outstanding - 1;
    csb_.csb_write(NVDLA_MCIF_CFG_OUTSTANDING_CNT, (os << NVDLA_MCIF_CFG_OUTSTANDING_CNT_RD_OS_CNT_SHIFT) |
                                                       (os << NVDLA_MCIF_CFG_OUTSTANDING_CNT_WR_OS_CNT_SHIFT));
    core_ = dram_.attach();
    dram_latency_fs_ = ns_to_fs(dram_.params_.latency_ns);
    for (int c = 0; c < kNumMcifClients; ++c) {
        ports_[c] = std::make_unique<Port>(*this, c);
        std::string base = stats_prefix + ".mcif." + kClientNames[c];
        dram_bytes_[c] = &stats.declare(base + ".dram_bytes", "bytes", "DRAM bytes moved for this client");
        sram_bytes_[c] = &stats.declare(base + ".sram_bytes", "bytes", "SRAM bytes moved for this client");
    }
    slot_waits_ = &stats.declare(stats_prefix + ".mcif.outstanding_waits", "requests",
                                 "DRAM requests whose acceptance waited for an outstanding slot (CFG_OUTSTANDING_CNT)");
    SC_THREAD(arbiter);
}

MemoryPort &Mcif::port(int client)
{
    if (client < 0 || client >= kNumMcifClients)
        throw std::out_of_range("MCIF: no client " + std::to_string(client));
    return *ports_[client];
}

void Mcif::refresh_registers()
{
    for (int c = 0; c < kNumMcifClients; ++c) {
        const WeightField &f = kWeightFields[c];
        const uint32_t w = (regs_.get(0, f.reg) >> f.shift) & 0xffu;
        weights_[c] = w == 0 ? 1u : w; // 0 would starve the client: counted as 1
    }
    const uint32_t v = regs_.get(0, NVDLA_MCIF_CFG_OUTSTANDING_CNT);
    limits_[0] = ((v >> NVDLA_MCIF_CFG_OUTSTANDING_CNT_RD_OS_CNT_SHIFT) & 0xffu) + 1;
    limits_[1] = ((v >> NVDLA_MCIF_CFG_OUTSTANDING_CNT_WR_OS_CNT_SHIFT) & 0xffu) + 1;
}

uint64_t Mcif::dram_occupancy_fs(uint32_t bytes)
{
    if (bytes != occupancy_bytes_) { // requests are almost all of one size: the last value is reused
        occupancy_bytes_ = bytes;
        occupancy_fs_ = ns_to_fs(static_cast<double>(dram_.burst_rounded(bytes)) / dram_.params_.bytes_per_ns);
    }
    return occupancy_fs_;
}

void Mcif::hold_slot(bool write, uint64_t done_fs)
{
    std::deque<uint64_t> &held = in_flight_[write ? 1 : 0];
    if (held.empty() || held.back() <= done_fs)
        held.push_back(done_fs);
    else
        held.insert(std::upper_bound(held.begin(), held.end(), done_fs), done_fs);
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
    waiting_ |= 1u << client;
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

// The first edge at which r's port is free (at or after port_free), a DRAM slot is free and its budget
// frees up within the cycle. *slot_bound: the slot was the latest of these.
uint64_t Mcif::ready_edge(const Request &r, bool *slot_bound) const
{
    const uint64_t p = period_fs_;
    const BandwidthServer &port = r.req.write ? write_port_ : read_port_;
    uint64_t e = (port.free_fs + p - 1) / p * p;
    *slot_bound = false;
    if (r.to_sram)
        return std::max(e, sram_->server_.ready_edge(p));
    e = std::max(e, dram_.server_.ready_edge(p));
    const std::deque<uint64_t> &held = in_flight_[r.req.write ? 1 : 0];
    const uint32_t limit = outstanding_limit(r.req.write);
    if (held.size() >= limit) {
        const uint64_t freeing = held[held.size() - limit]; // this completion frees the slot needed
        const uint64_t slot = (freeing + p - 1) / p * p;
        if (slot > e) {
            *slot_bound = true;
            e = slot;
        }
    }
    return e;
}

// Weighted round-robin: the client granted last first while it has grants left, then the others in
// order after it. Returns a request ready at now (removed from its queue), or null with *earliest_fs
// the first edge at which one will be. *kept: the pick continues the last client's run of grants.
Mcif::Request *Mcif::pick_ready(uint64_t now, uint64_t *earliest_fs, bool *kept)
{
    const uint64_t arrival = (now + period_fs_ - 1) / period_fs_ * period_fs_;
    *earliest_fs = UINT64_MAX;
    if (waiting_ == 0)
        return nullptr;
    // ready_edge depends only on the request's direction and target (port, budget, slots), so it is
    // computed once per kind for this edge: [write][to_sram]; the pick order is unchanged.
    uint64_t edge[2][2];
    bool bound[2][2];
    bool known[2][2] = {{false, false}, {false, false}};
    for (int i = grants_left_ > 0 ? 0 : 1; i <= kNumMcifClients; ++i) {
        int c = last_granted_ + i;
        if (c >= kNumMcifClients)
            c -= kNumMcifClients;
        if (!(waiting_ & (1u << c)) || (i == kNumMcifClients && grants_left_ > 0))
            continue; // (i == N is the last client again: already tried first)
        Request *front = queues_[c].front();
        const int w = front->req.write ? 1 : 0, t = front->to_sram ? 1 : 0;
        if (!known[w][t]) {
            edge[w][t] = std::max(arrival, ready_edge(*front, &bound[w][t]));
            known[w][t] = true;
        }
        const uint64_t e = edge[w][t];
        if (e == now) {
            queues_[c].pop_front();
            if (queues_[c].empty())
                waiting_ &= ~(1u << c);
            *kept = (i == 0);
            return front;
        }
        front->slot_limited = front->slot_limited || bound[w][t];
        *earliest_fs = std::min(*earliest_fs, e);
    }
    return nullptr;
}

void Mcif::arbiter()
{
    for (;;) {
        const uint64_t now = to_fs(sc_core::sc_time_stamp());
        for (auto &held : in_flight_)
            while (!held.empty() && held.front() <= now)
                held.pop_front(); // slots freed at or before now
        uint64_t earliest = UINT64_MAX;
        bool kept = false;
        Request *pick = pick_ready(now, &earliest, &kept);
        if (!pick) {
            if (earliest == UINT64_MAX)
                sc_core::wait(kick_);
            else
                sc_core::wait(sc_core::sc_time::from_value((earliest - now) / fs_per_unit_), kick_);
            continue;
        }
        uint64_t dram_end = 0;
        if (!pick->to_sram) {
            DramBid b;
            b.core = core_;
            b.edge_fs = now;
            b.period_fs = period_fs_;
            b.occupancy_fs = dram_occupancy_fs(pick->req.bytes);
            if (!dram_.bid(b)) {
                // Another core took the DRAM for this edge: back to the head of its queue, try again later.
                queues_[pick->req.client].push_front(pick);
                waiting_ |= 1u << pick->req.client;
                continue;
            }
            dram_end = b.end_fs;
        }
        const int c = pick->req.client;
        if (kept) {
            --grants_left_;
        } else {
            last_granted_ = c;
            grants_left_ = weight(c) - 1;
        }
        grant(*pick, now, dram_end);
    }
}

void Mcif::grant(Request &r, uint64_t edge, uint64_t dram_end)
{
    const MemAccess &q = r.req;
    const uint32_t width = q.write ? params_.write_bytes_per_cycle : params_.read_bytes_per_cycle;
    uint64_t end = (q.write ? write_port_ : read_port_).book(edge, (q.bytes * period_fs_ + width / 2) / width);
    uint64_t latency = 0;
    if (r.to_sram) {
        end = std::max(end, sram_->server_.book(edge, ns_to_fs(q.bytes / sram_->params_.bytes_per_ns)));
        latency = sram_->params_.latency_cycles * period_fs_;
        (q.write ? sram_->write_bytes_ : sram_->read_bytes_) += q.bytes;
        *sram_bytes_[q.client] += q.bytes;
    } else {
        end = std::max(end, dram_end);
        latency = dram_latency_fs_;
        (q.write ? dram_.write_bytes_ : dram_.read_bytes_) += q.bytes;
        *dram_bytes_[q.client] += q.bytes;
        if (r.slot_limited)
            *slot_waits_ += 1;
    }
    const uint64_t done_units = (end + latency + fs_per_unit_ - 1) / fs_per_unit_;
    if (!r.to_sram)
        hold_slot(q.write, done_units * fs_per_unit_); // the slot frees when the request is done
    r.done = sc_core::sc_time::from_value(done_units);
    r.granted = true;
    grant_events_[q.client].notify(sc_core::SC_ZERO_TIME);
}

} // namespace dlasim::hw
