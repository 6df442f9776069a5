// The memory system: one DRAM shared by every core, an on-chip SRAM per core, and per core an MCIF
// that gives each DMA client a MemoryPort and arbitrates between them (NVDLA MCIF: weighted round-robin
// and an outstanding-request limit, both programmable through its CSB registers).
//
// Timing rules (deterministic; the hand-derived tests in tests/unit/hw_memory, tests/unit/hw_soc and
// tests/unit/system_cycles rely on them). P is the core clock period, "edge" a core clock edge.
// - Bandwidth servers, each with a next-free time: the core's read port and its write port (width
//   core.dma.read/write_bytes_per_cycle), the DRAM (bw x memory.dram.efficiency x (1 - background_share),
//   shared by every core's reads and writes) and each core's SRAM (memory.sram.bandwidth_gbps);
//   bw = the power mode's dram_bandwidth_gbps. memory.dram.background_share is the part of the sustained
//   DRAM bandwidth the GPU/CPU keep busy: the DLAs never get it.
// - Occupancies of a request of B bytes: B / port_bytes_per_cycle cycles of its port; for DRAM,
//   B' / (bw x eff x (1 - background)) of the DRAM, B' = B rounded up to memory.dram.burst_bytes; for
//   SRAM, B / sram_bw of the SRAM.
// - Outstanding limit (MCIF CFG_OUTSTANDING_CNT: RD_OS_CNT + 1 reads, WR_OS_CNT + 1 writes; reset value
//   core.dma.max_outstanding - 1): a DRAM request holds one of its core's read (or write) slots from
//   acceptance until it completes; with every slot held, the next waits for the edge at or after the
//   earliest completion. So one core moves at most limit x B bytes per (latency + occupancy): Orin MAXN,
//   256 x 64 B per 250.625 ns = 65.4 GB/s of reads, below the port's 102.4 GB/s. SRAM requests (CVIF)
//   take no slot. (Each DmaEngine also keeps at most max_outstanding of its own in flight.)
// - Acceptance, on edges only: a request that has arrived is accepted at the first edge e at which its
//   port is free (port_free <= e), a slot is free (DRAM) and its budget (DRAM or SRAM) frees up before
//   the end of that cycle (budget_free < e + P). MemoryPort::access() returns at acceptance.
// - Arbitration inside a core, weighted round-robin (MCIF CFG_RD_WEIGHT_* for read clients,
//   CFG_WR_WEIGHT_* for write clients; reset 1 as in NVDLA; a weight of 0 counts as 1): the client
//   granted last keeps the grant for up to `weight` consecutive grants while it has a request ready at
//   the edge; otherwise the next ready client after it (by id, reads and writes alike) is granted.
// - Arbitration between cores (several MCIFs on one DRAM): the MCIFs that want the DRAM at the same edge
//   (and delta) bid; the bids are decided in round-robin core order starting after the core that won the
//   DRAM last, each winning while the DRAM frees up before the end of the cycle. A core that loses tries
//   again at the edge the DRAM frees up. With one core no bidding takes place.
// - Booking: every server the request uses moves to max(free, e) + its occupancy. A budget can thus be
//   booked up to one cycle ahead, and fractional occupancies carry over: a backlogged budget serves
//   requests back to back at exactly its configured rate. The port is never booked ahead: it starts at
//   most one request per edge, and back-to-back requests wider than it take whole cycles (data beats).
// - Completion: latency + the latest end, max(free, e) + occupancy, over the servers it booked, rounded
//   up to the SystemC resolution (1 ps); latency = memory.dram.latency_ns for DRAM,
//   memory.sram.latency_cycles core cycles for SRAM. When every server was free at e (no backlog) this is
//   e + latency + max(occupancies).
// - Server times are integer femtoseconds and occupancies are rounded to the nearest femtosecond, so
//   64 B at 163.84 GB/s is 390.625 ps exactly and no rounding error accumulates in practice.
// Consequence: one client streaming B-byte requests through a budget of occupancy t >= P (port and slots
// not binding): request n (n = 0, 1, ...) is accepted at the edge at or before n t, i.e. cycle
// floor(n t / P), and completes at (n + 1) t + latency. A stream held by the outstanding limit L with
// the port binding (t < P) accepts request n = L q + r at cycle q x C + r and completes it at
// (q + 1) x C + r, C = the cycles from acceptance to completion (latency + P, rounded up to an edge).
// Example, Orin MAXN (P = 625 ps, 64 B/cycle port, DRAM 204.8 x 0.8 = 163.84 GB/s, 250 ns, 256 slots):
// 64-B requests hold the port 625 ps and the DRAM 390.625 ps; the port binds (102.4 GB/s) until the 256
// slots are held: C = 401 cycles, 256 x 64 B per 401 cycles = 65.4 GB/s sustained by one core; two cores
// together ask 130.7 GB/s of the DRAM's 163.84 and contend only when more than that is asked.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>
#include <systemc>

#include "common/clock.h"
#include "common/interfaces.h"
#include "common/register_file.h"
#include "common/stats.h"
#include "dla/config.h"
#include "sparse_store.h"

namespace dlasim::hw {

// MCIF clients of one core (fixed ids so stats and arbitration order are stable).
enum McifClient : int {
    kClientCdmaData = 0,
    kClientCdmaWeight,
    kClientSdpM,
    kClientSdpB,
    kClientSdpN,
    kClientSdpE,
    kClientSdpW,
    kClientPdpR,
    kClientPdpW,
    kClientBdmaRead,
    kClientBdmaWrite,
    kClientRubikRead,
    kClientRubikWrite,
    kNumMcifClients
};
const char *mcif_client_name(int client); // "cdma_dat", "sdp_m", ...
bool mcif_client_writes(int client);

struct AddressWindow {
    uint64_t base = 0;
    uint64_t size = 0;
    bool contains(uint64_t addr, uint64_t bytes) const
    {
        return size > 0 && addr >= base && bytes <= size && addr - base <= size - bytes;
    }
};

struct DramParams {
    AddressWindow window;
    double bytes_per_ns = 0; // what the DLAs can use: peak GB/s x efficiency x (1 - background_share)
    double latency_ns = 0;
    uint32_t burst_bytes = 1;
    static DramParams from_config(const dla_config &cfg, const dla_power_mode &mode, const AddressWindow &window);
};

struct SramParams {
    AddressWindow window; // size 0: no SRAM
    double bytes_per_ns = 0;
    uint32_t latency_cycles = 0;
    static SramParams from_config(const dla_config &cfg, const AddressWindow &window);
};

struct McifParams {
    uint32_t read_bytes_per_cycle = 0;
    uint32_t write_bytes_per_cycle = 0;
    uint32_t max_outstanding = 256; // reset of CFG_OUTSTANDING_CNT (+1), reads and writes; 1..256
    static McifParams from_config(const dla_config &cfg);
};

// A bandwidth server's next-free time in femtoseconds (see "Booking" above).
struct BandwidthServer {
    uint64_t free_fs = 0;
    // Takes the server for occupancy_fs from max(free, edge_fs); returns the end.
    uint64_t book(uint64_t edge_fs, uint64_t occupancy_fs)
    {
        free_fs = std::max(free_fs, edge_fs) + occupancy_fs;
        return free_fs;
    }
    // The edge (period_fs grid) at or before free_fs: the first edge at which the server frees up
    // within the cycle.
    uint64_t ready_edge(uint64_t period_fs) const { return free_fs / period_fs * period_fs; }
};

// One MCIF's bid for the DRAM at an edge (see "Arbitration between cores").
struct DramBid {
    int core = 0;
    uint64_t edge_fs = 0, period_fs = 0, occupancy_fs = 0;
    bool decided = false, won = false;
    uint64_t end_fs = 0; // the DRAM's booked end when won
};

// The DRAM shared by every core: backing store, bandwidth server, inter-core arbitration and SoC-level
// counters.
class Dram {
  public:
    Dram(const DramParams &params, StatsRegistry &stats);
    const DramParams &params() const { return params_; }
    SparseStore &store() { return store_; }
    uint64_t burst_rounded(uint64_t bytes) const;

  private:
    friend class Mcif;
    friend class GpuDramClient;          // the GPU bids for the DRAM as one more client (gpu_client.h)
    int attach() { return attached_++; } // an MCIF joins; returns its core index for arbitration
    // Decide b (call from an SC_THREAD at b.edge_fs). Several MCIFs: waits one delta so every bid of the
    // edge is decided together, round-robin by core; one MCIF: decided at once.
    bool bid(DramBid &b);
    void decide(DramBid &b);
    DramParams params_;
    SparseStore store_;
    BandwidthServer server_;
    int attached_ = 0, last_core_ = -1;
    std::vector<DramBid *> bids_, round_;
    uint64_t busy_fs_ = 0; // exact; busy_ps_ is its rounding
    Counter &read_bytes_, &write_bytes_, &busy_ps_;
};

// One core's on-chip SRAM (its own window, store and bandwidth).
class Sram {
  public:
    Sram(const SramParams &params, StatsRegistry &stats, const std::string &stats_prefix);
    const SramParams &params() const { return params_; }
    SparseStore &store() { return store_; }

  private:
    friend class Mcif;
    SramParams params_;
    SparseStore store_;
    BandwidthServer server_;
    Counter &read_bytes_, &write_bytes_;
};

class Mcif : public sc_core::sc_module {
  public:
    // sram may be null (no SRAM). stats_prefix: "dla0" -> "dla0.mcif.<client>.dram_bytes".
    Mcif(sc_core::sc_module_name name, const McifParams &params, const CoreClock &clock, Dram &dram, Sram *sram,
         StatsRegistry &stats, const std::string &stats_prefix);
    SC_HAS_PROCESS(Mcif);
    MemoryPort &port(int client);
    // NVDLA's MCIF registers (weights, outstanding count) on CSB.
    CsbTarget &csb_target() { return csb_; }
    // Arbitration weight of a client (1..255) and the outstanding limits, as the registers hold them now.
    uint32_t weight(int client) const { return weights_[client]; }
    uint32_t outstanding_limit(bool write) const { return limits_[write ? 1 : 0]; }

  private:
    struct Request {
        MemAccess req;
        bool to_sram = false;
        bool granted = false;
        bool slot_limited = false; // its acceptance waited for an outstanding slot
        sc_core::sc_time done;
    };
    // The CSB side of regs_: every write refreshes weights_ and limits_, so the arbiter reads plain
    // fields per request instead of decoding registers (same values: they change only by CSB writes).
    class Csb : public CsbTarget {
      public:
        explicit Csb(Mcif &mcif) : mcif_(mcif) {}
        uint32_t csb_base() const override { return mcif_.regs_.csb_base(); }
        void csb_write(uint32_t addr, uint32_t value) override
        {
            mcif_.regs_.csb_write(addr, value);
            mcif_.refresh_registers();
        }
        uint32_t csb_read(uint32_t addr) override { return mcif_.regs_.csb_read(addr); }

      private:
        Mcif &mcif_;
    };
    class Port : public MemoryPort {
      public:
        Port(Mcif &mcif, int client) : mcif_(mcif), client_(client) {}
        sc_core::sc_time access(const MemAccess &req, void *data) override { return mcif_.access(client_, req, data); }
        bool on_chip(uint64_t addr, uint64_t bytes) const override
        {
            return mcif_.sram_ && mcif_.sram_->params().window.contains(addr, bytes);
        }

      private:
        Mcif &mcif_;
        int client_;
    };

    sc_core::sc_time access(int client, const MemAccess &req, void *data);
    void arbiter();
    uint64_t ready_edge(const Request &r, bool *slot_bound) const; // fs
    Request *pick_ready(uint64_t now_fs, uint64_t *earliest_fs, bool *kept);
    void grant(Request &r, uint64_t edge_fs, uint64_t dram_end_fs);
    uint64_t to_fs(const sc_core::sc_time &t) const { return t.value() * fs_per_unit_; }
    void refresh_registers();
    void hold_slot(bool write, uint64_t done_fs);
    uint64_t dram_occupancy_fs(uint32_t bytes); // ns_to_fs of the burst-rounded size, cached per size

    McifParams params_;
    const CoreClock &clock_;
    Dram &dram_;
    Sram *sram_;
    std::string prefix_;
    RegisterFile regs_;
    Csb csb_{*this};
    std::array<uint32_t, kNumMcifClients> weights_{}; // decoded from regs_ (refresh_registers)
    std::array<uint32_t, 2> limits_{};                // outstanding limit: [write]
    int core_ = 0;                                    // index among the MCIFs on the DRAM
    uint64_t fs_per_unit_ = 0, period_fs_ = 0;        // SystemC resolution and clock period in fs
    uint64_t dram_latency_fs_ = 0;
    uint32_t occupancy_bytes_ = 0; // dram_occupancy_fs's cache: request size and its occupancy
    uint64_t occupancy_fs_ = 0;
    BandwidthServer read_port_, write_port_;
    // DRAM completions (fs) holding a slot: [write], sorted ascending. Completions arrive almost always in
    // order (ports and DRAM are booked monotonically), so a deque with an ordered insert beats a multiset.
    std::array<std::deque<uint64_t>, 2> in_flight_;
    std::array<std::deque<Request *>, kNumMcifClients> queues_;
    uint32_t waiting_ = 0; // bit c: queues_[c] is not empty (the pick skips idle clients cheaply)
    int last_granted_ = kNumMcifClients - 1;
    uint32_t grants_left_ = 0; // further consecutive grants the last granted client may take
    sc_core::sc_event kick_;
    std::array<std::unique_ptr<Port>, kNumMcifClients> ports_;
    std::array<Counter *, kNumMcifClients> dram_bytes_{}, sram_bytes_{};
    Counter *slot_waits_ = nullptr; // requests whose acceptance the outstanding limit delayed
    std::array<sc_core::sc_event, kNumMcifClients> grant_events_; // per client: no event per request
};

} // namespace dlasim::hw
