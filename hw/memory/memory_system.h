// The memory system: one DRAM shared by every core, an on-chip SRAM per core, and per core an MCIF
// that gives each DMA client a MemoryPort and arbitrates between them.
//
// Timing rules (all deterministic; times are exact SystemC times at 1 ps resolution):
// - Three kinds of server, each with a next-free time: the core's port (one for reads, one for
//   writes; width core.dma.read/write_bytes_per_cycle), the core's share of DRAM
//   (memory.dla_dram_share of the DRAM bandwidth, shared by reads and writes), the DRAM itself
//   (dram_bandwidth_gbps x memory.dram_efficiency, shared by all cores), and each core's SRAM
//   (memory.sram.bandwidth_gbps).
// - A request of B bytes occupies the port for B / port_bytes_per_cycle core cycles. A DRAM request
//   occupies B' / (bw x share) of the core share and B' / bw of the DRAM, B' = B rounded up to
//   memory.dram.burst_bytes; an SRAM request occupies B / sram_bw of the SRAM.
// - Acceptance: a request is accepted at the first core clock edge a at which its port and its path
//   (share and DRAM, or SRAM) are all free; among clients waiting at that time the MCIF grants round-robin
//   (starting after the last granted client; reads and writes arbitrate separately).
//   MemoryPort::access() waits until acceptance.
// - Completion: a + latency + max(occupancies of the request), latency = memory.dram.latency_ns
//   for DRAM, memory.sram.latency_cycles core cycles for SRAM.
// Example: one client, 64 B requests, port 8 B/cycle at 1 GHz, DRAM 32 GB/s x share 0.5 ->
// port 8 ns, share 4 ns, DRAM 2 ns: requests are accepted every 8 ns, each done 8 ns + latency later.
#pragma once

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

// The DRAM shared by every core: backing store, next-free time and SoC-level counters.
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
    sc_core::sc_time next_free_ = sc_core::SC_ZERO_TIME;
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
    sc_core::sc_time next_free_ = sc_core::SC_ZERO_TIME;
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
    struct Direction {
        uint32_t bytes_per_cycle = 0;
        sc_core::sc_time next_free = sc_core::SC_ZERO_TIME;
        std::array<std::deque<Request *>, kNumMcifClients> queues;
        int last_granted = kNumMcifClients - 1;
        sc_core::sc_event kick;
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
    void read_arbiter() { arbitrate(read_); }
    void write_arbiter() { arbitrate(write_); }
    void arbitrate(Direction &dir);
    sc_core::sc_time path_free(const Request &r) const;
    sc_core::sc_time edge(const sc_core::sc_time &t) const;
    void grant(Direction &dir, Request &r);

    McifParams params_;
    const CoreClock &clock_;
    Dram &dram_;
    Sram *sram_;
    std::string prefix_;
    Direction read_, write_;
    sc_core::sc_time share_next_free_ = sc_core::SC_ZERO_TIME;
    std::array<std::unique_ptr<Port>, kNumMcifClients> ports_;
    std::array<Counter *, kNumMcifClients> dram_bytes_{}, sram_bytes_{};
    std::array<sc_core::sc_event, kNumMcifClients> grant_events_; // per client: no event per request
};

} // namespace dlasim::hw
