// The memory system: one DRAM shared by every core, an on-chip SRAM per core, and per core an MCIF
// that gives each DMA client a MemoryPort and arbitrates between them.
//
// Timing rules (deterministic; the hand-derived tests in tests/unit/hw_soc and tests/unit/system_cycles
// rely on them). P is the core clock period, "edge" a core clock edge.
// - Bandwidth servers, each with a next-free time: the core's read port and its write port (width
//   core.dma.read/write_bytes_per_cycle), the core's share of DRAM (bw x memory.dram_efficiency x
//   memory.dla_dram_share, used by its reads and writes), the DRAM itself (bw x dram_efficiency, used by
//   every core) and each core's SRAM (memory.sram.bandwidth_gbps); bw = the mode's dram_bandwidth_gbps.
// - Occupancies of a request of B bytes: B / port_bytes_per_cycle cycles of its port; for DRAM,
//   B' / (bw x eff x share) of the share and B' / (bw x eff) of the DRAM, B' = B rounded up to
//   memory.dram.burst_bytes; for SRAM, B / sram_bw of the SRAM.
// - Acceptance, on edges only: a request that has arrived is accepted at the first edge e at which its
//   port is free (port_free <= e) and every budget on its path (share and DRAM, or SRAM) frees up before
//   the end of that cycle (budget_free < e + P). The MCIF grants its clients (reads and writes alike)
//   round-robin, starting after the last client it granted; MemoryPort::access() returns at acceptance.
// - Booking: every server the request uses moves to max(free, e) + its occupancy. A budget can thus be
//   booked up to one cycle ahead, and fractional occupancies carry over: a backlogged budget serves
//   requests back to back at exactly its configured rate. The port is never booked ahead: it starts at
//   most one request per edge, and back-to-back requests wider than it take whole cycles (data beats).
// - Completion: latency + the latest end, max(free, e) + occupancy, over the servers it booked, rounded
//   up to the SystemC resolution (1 ps); latency = memory.dram.latency_ns for DRAM,
//   memory.sram.latency_cycles core cycles for SRAM. When every server was free at e (no backlog) this is
//   e + latency + max(occupancies).
// - Server times are integer femtoseconds and occupancies are rounded to the nearest femtosecond, so
//   64 B at 81.92 GB/s is 781.25 ps exactly and no rounding error accumulates in practice.
// - The MCIFs of different cores share the DRAM; at a common edge they book it in SystemC's process
//   order (reproducible, not round-robin). With the presets' dla_dram_share x cores <= 1 the DRAM never
//   binds in the long run, only the per-core share does.
// Consequence: one client streaming B-byte requests through a budget of occupancy t >= P (port not
// binding): request n (n = 0, 1, ...) is accepted at the edge at or before n t, i.e. cycle
// floor(n t / P), and completes at (n + 1) t + latency.
// Example, Orin MAXN (P = 625 ps, 64 B/cycle port, share 204.8 x 0.8 x 0.5 = 81.92 GB/s, 250 ns):
// 64-B requests hold the port 625 ps, the share 781.25 ps and the DRAM 390.625 ps; request n is accepted
// at cycle floor(1.25 n) and done at (n + 1) x 781.25 ps + 250 ns: 81.92 GB/s sustained.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>

#include "common/clock.h"
#include "common/interfaces.h"
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
    double bytes_per_ns = 0; // sustained: peak GB/s x efficiency
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
    double dram_share = 1.0;
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
};

// The DRAM shared by every core: backing store, bandwidth server and SoC-level counters.
class Dram {
  public:
    Dram(const DramParams &params, StatsRegistry &stats);
    const DramParams &params() const { return params_; }
    SparseStore &store() { return store_; }
    uint64_t burst_rounded(uint64_t bytes) const;

  private:
    friend class Mcif;
    DramParams params_;
    SparseStore store_;
    BandwidthServer server_;
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

  private:
    struct Request {
        MemAccess req;
        bool to_sram = false;
        bool granted = false;
        sc_core::sc_time done;
    };
    class Port : public MemoryPort {
      public:
        Port(Mcif &mcif, int client) : mcif_(mcif), client_(client) {}
        sc_core::sc_time access(const MemAccess &req, void *data) override { return mcif_.access(client_, req, data); }

      private:
        Mcif &mcif_;
        int client_;
    };

    sc_core::sc_time access(int client, const MemAccess &req, void *data);
    void arbiter();
    uint64_t ready_edge(const Request &r) const; // fs
    void grant(Request &r, uint64_t edge_fs);
    uint64_t to_fs(const sc_core::sc_time &t) const { return t.value() * fs_per_unit_; }

    McifParams params_;
    const CoreClock &clock_;
    Dram &dram_;
    Sram *sram_;
    std::string prefix_;
    uint64_t fs_per_unit_ = 0, period_fs_ = 0; // SystemC resolution and clock period in fs
    BandwidthServer read_port_, write_port_, share_;
    std::array<std::deque<Request *>, kNumMcifClients> queues_;
    int last_granted_ = kNumMcifClients - 1;
    sc_core::sc_event kick_;
    std::array<std::unique_ptr<Port>, kNumMcifClients> ports_;
    std::array<Counter *, kNumMcifClients> dram_bytes_{}, sram_bytes_{};
    std::array<sc_core::sc_event, kNumMcifClients> grant_events_; // per client: no event per request
};

} // namespace dlasim::hw
