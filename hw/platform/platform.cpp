// The C platform boundary (sw/include/dla/platform.h) implemented on the SystemC SoC model.
// Address map: DRAM at 0x80000000 (64 GiB window, sparse), SRAM at 0x40000000 (per core, size from
// memory.sram_size_bytes; the host backdoor reaches core 0's SRAM). Controllers run as SystemC
// threads; a run ends when all return, or on a hang: simulated time beyond timeout_cycles, or no
// pending event while a controller still waits (DLA_ERR_TIMEOUT names the core, what it waited
// for and the units' S_STATUS). After a hang or a model error the platform refuses further runs.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn for the controller threads
#include "dla/platform.h"

#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "dla/nvdla_regs.h"
#include "memory/gpu_client.h"
#include "soc/activity_sampler.h"
#include "soc/soc.h"

using namespace dlasim::hw;

namespace {
constexpr uint64_t kDramBase = 0x80000000ull;
constexpr uint64_t kDramSize = 64ull << 30;
constexpr uint64_t kSramBase = 0x40000000ull;
constexpr uint64_t kSramMax = 0x40000000ull; // the SRAM window must end below DRAM
constexpr uint64_t kDefaultTimeoutCycles = 2000000000ull;

std::string hex(uint64_t v)
{
    char b[32];
    std::snprintf(b, sizeof b, "0x%" PRIx64, v);
    return b;
}
} // namespace

struct dla_controller {
    dla_platform *platform = nullptr;
    DlaCore *core = nullptr;
    dla_controller_fn fn = nullptr;
    void *user = nullptr;
    dla_status status = DLA_OK;
    bool done = false;
    bool waiting_irq = false;
    uint64_t wait_since = 0;
};

struct dla_platform {
    dla_config cfg{};
    dla_power_mode mode{};
    dla_platform_opts opts{};
    SocAddressMap map;
    std::unique_ptr<Soc> soc;
    std::unique_ptr<ActivitySampler> sampler; // null when opts.sample_cycles is 0; after soc: destroyed first
    std::unique_ptr<GpuDramClient> gpu;       // created at the first GPU work (runs without any stay unchanged)
    sc_core::sc_time run_start = sc_core::SC_ZERO_TIME;
    uint64_t total_cycles = 0;
    std::vector<std::unique_ptr<dla_controller>> controllers; // of the last run (threads may still hold them)
    int pending = 0;                                          // controllers of the current run still running
    std::string broken;                                       // why further runs are refused
};

extern "C" {

dla_status dla_platform_create(const dla_config *cfg, const dla_power_mode *mode, const dla_platform_opts *opts,
                               dla_platform **out, dla_error *err)
{
    // SystemC elaborates once per process: this flag mirrors that process-wide state.
    static std::atomic<bool> created{false};
    if (!cfg || !mode || !out)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_create: cfg, mode and out must not be NULL");
    *out = nullptr;
    if (created.exchange(true))
        return dla_error_set(err, DLA_ERR_INVALID,
                             "dla_platform_create: a platform was already created in this process; SystemC "
                             "elaborates once per process, so run each simulation in its own process");
    if (!(mode->dla_clock_mhz > 0) || !(mode->falcon_clock_mhz > 0) || !(mode->dram_bandwidth_gbps > 0)) {
        created = false;
        return dla_error_set(err, DLA_ERR_INVALID,
                             "power mode '%s': dla_clock_mhz %g, falcon_clock_mhz %g and dram_bandwidth_gbps %g must "
                             "all be positive",
                             mode->name, mode->dla_clock_mhz, mode->falcon_clock_mhz, mode->dram_bandwidth_gbps);
    }
    if (cfg->memory.sram_size_bytes < 0 || uint64_t(cfg->memory.sram_size_bytes) > kSramMax) {
        created = false;
        return dla_error_set(err, DLA_ERR_INVALID, "%s: memory.sram_size_bytes = %" PRId64 ", expected 0..%" PRIu64,
                             cfg->path, cfg->memory.sram_size_bytes, kSramMax);
    }
    try {
        sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    } catch (const std::exception &) {
        // Already fixed (by an earlier sc_time); acceptable only if it is 1 ps.
    }
    if (sc_core::sc_get_time_resolution() != sc_core::sc_time::from_value(1) ||
        sc_core::sc_get_time_resolution().to_seconds() != 1e-12)
        return dla_error_set(err, DLA_ERR_INTERNAL, "dla_platform_create: SystemC time resolution is not 1 ps");
    auto p = std::make_unique<dla_platform>();
    p->cfg = *cfg;
    p->cfg.resolved_json = nullptr; // owned by the caller's config
    p->mode = *mode;
    if (opts)
        p->opts = *opts;
    if (p->opts.timeout_cycles == 0)
        p->opts.timeout_cycles = kDefaultTimeoutCycles;
    p->map.dram = AddressWindow{kDramBase, kDramSize};
    p->map.sram = AddressWindow{kSramBase, uint64_t(cfg->memory.sram_size_bytes)};
    try {
        p->soc = std::make_unique<Soc>("soc", p->cfg, p->mode, p->opts.functional, p->map);
        if (p->opts.sample_cycles > 0)
            p->sampler = std::make_unique<ActivitySampler>(p->soc->stats(), p->soc->num_cores(),
                                                           p->soc->core(0).clock(), p->opts.sample_cycles);
    } catch (const std::exception &e) {
        return dla_error_set(err, DLA_ERR_INVALID, "%s: building the SoC model: %s", cfg->path, e.what());
    }
    *out = p.release();
    return DLA_OK;
}

void dla_platform_destroy(dla_platform *p)
{
    delete p;
}

uint64_t dla_platform_dram_base(const dla_platform *p)
{
    return p->map.dram.base;
}
uint64_t dla_platform_dram_size(const dla_platform *p)
{
    return p->map.dram.size;
}
uint64_t dla_platform_sram_base(const dla_platform *p)
{
    return p->map.sram.base;
}
uint64_t dla_platform_sram_size(const dla_platform *p)
{
    return p->map.sram.size;
}

static SparseStore *backdoor(dla_platform *p, uint64_t addr, size_t size, const char *what, dla_error *err)
{
    if (p->map.dram.contains(addr, size))
        return &p->soc->dram().store();
    if (p->map.sram.contains(addr, size))
        return &p->soc->core(0).sram()->store();
    dla_error_set(err, DLA_ERR_INVALID, "%s: [%s, +%zu bytes) is outside DRAM [%s, %s) and SRAM [%s, %s)", what,
                  hex(addr).c_str(), size, hex(p->map.dram.base).c_str(),
                  hex(p->map.dram.base + p->map.dram.size).c_str(), hex(p->map.sram.base).c_str(),
                  hex(p->map.sram.base + p->map.sram.size).c_str());
    return nullptr;
}

dla_status dla_platform_mem_write(dla_platform *p, uint64_t addr, const void *data, size_t size, dla_error *err)
{
    if (size == 0)
        return DLA_OK;
    if (!data)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_mem_write: data is NULL");
    SparseStore *s = backdoor(p, addr, size, "dla_platform_mem_write", err);
    if (!s)
        return DLA_ERR_INVALID;
    s->write(addr, data, size);
    return DLA_OK;
}

dla_status dla_platform_mem_read(dla_platform *p, uint64_t addr, void *data, size_t size, dla_error *err)
{
    if (size == 0)
        return DLA_OK;
    if (!data)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_mem_read: data is NULL");
    SparseStore *s = backdoor(p, addr, size, "dla_platform_mem_read", err);
    if (!s)
        return DLA_ERR_INVALID;
    s->read(addr, data, size);
    return DLA_OK;
}

static const char *group_state(uint32_t v)
{
    switch (v & 3u) {
    case 0: return "IDLE";
    case 1: return "RUNNING";
    case 2: return "PENDING";
    }
    return "?";
}

// "SDP group0 RUNNING, PDP_RDMA group1 PENDING" from the units' S_STATUS (untimed reads).
static std::string busy_units(DlaCore &core)
{
    std::string out;
    for (RegisterFile *rf : core.register_files()) {
        for (uint32_t i = 0; i < DLA_NVDLA_REG_COUNT; ++i) {
            const dla_nvdla_reg &r = dla_nvdla_reg_table[i];
            if (rf->unit() != r.unit || std::strcmp(r.name, "S_STATUS") != 0)
                continue;
            uint32_t st = rf->csb_read(r.address);
            for (int g = 0; g < 2; ++g) {
                uint32_t s = (st >> (16 * g)) & 3u;
                if (s != 0)
                    out += (out.empty() ? "" : ", ") + rf->unit() + " group" + std::to_string(g) + " " + group_state(s);
            }
        }
    }
    return out.empty() ? "no unit is running or pending" : out;
}

dla_status dla_platform_run(dla_platform *p, int n, const int *cores, const dla_controller_fn *fns, void *const *users,
                            dla_error *err)
{
    if (!p || n < 0 || (n > 0 && (!cores || !fns)))
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_run: bad arguments (n = %d)", n);
    if (!p->broken.empty())
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_run: the platform cannot run again: %s",
                             p->broken.c_str());
    std::vector<std::unique_ptr<dla_controller>> &ctls = p->controllers;
    ctls.clear();
    for (int i = 0; i < n; ++i) {
        if (cores[i] < 0 || cores[i] >= p->soc->num_cores())
            return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_run: core %d does not exist (%d cores)", cores[i],
                                 p->soc->num_cores());
        for (int j = 0; j < i; ++j)
            if (cores[j] == cores[i])
                return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_run: core %d listed twice", cores[i]);
        if (!fns[i])
            return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_run: controller %d is NULL", i);
        auto c = std::make_unique<dla_controller>();
        c->platform = p;
        c->core = &p->soc->core(cores[i]);
        c->fn = fns[i];
        c->user = users ? users[i] : nullptr;
        ctls.push_back(std::move(c));
    }
    p->run_start = sc_core::sc_time_stamp();
    p->total_cycles = 0;
    if (p->sampler)
        p->sampler->begin();
    if (n == 0)
        return DLA_OK;
    p->pending = n;
    for (auto &c : ctls) {
        dla_controller *ctl = c.get();
        sc_core::sc_spawn(
            [ctl]() {
                ctl->status = ctl->fn(ctl, ctl->user);
                ctl->done = true;
                if (--ctl->platform->pending == 0)
                    sc_core::sc_pause(); // hardware may still hold events (none matter to the run)
            },
            sc_core::sc_gen_unique_name("controller"));
    }
    const CoreClock &clk = p->soc->core(0).clock();
    const sc_core::sc_time limit = clk.cycles(p->opts.timeout_cycles);
    try {
        sc_core::sc_start(limit, sc_core::SC_EXIT_ON_STARVATION);
    } catch (const std::exception &e) {
        p->broken = std::string("the hardware model stopped with an error: ") + e.what();
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_run: %s", p->broken.c_str());
    }
    p->total_cycles = clk.to_cycles(sc_core::sc_time_stamp() - p->run_start);
    if (p->sampler)
        p->sampler->finish(p->total_cycles);
    for (auto &c : ctls) {
        if (c->done)
            continue;
        const char *why = sc_core::sc_pending_activity() ? "simulated time passed the limit"
                                                         : "the simulation starved (no pending hardware event)";
        std::string what = c->waiting_irq
                               ? "an interrupt (GLB INTR_STATUS " + hex(c->core->glb().status()) + ", INTR_MASK " +
                                     hex(c->core->glb().mask()) + ") since cycle " + std::to_string(c->wait_since)
                               : std::string("its own progress (it was not waiting for an interrupt)");
        p->broken = "core " + std::to_string(c->core->index()) + " hung at cycle " + std::to_string(p->total_cycles) +
                    ": " + why + " while the controller waited for " + what + "; unit status: " + busy_units(*c->core);
        // The controller threads stay suspended (never resumed); the platform must be destroyed.
        return dla_error_set(err, DLA_ERR_TIMEOUT, "dla_platform_run: %s (timeout %" PRIu64 " cycles)",
                             p->broken.c_str(), p->opts.timeout_cycles);
    }
    for (size_t i = 0; i < ctls.size(); ++i)
        if (ctls[i]->status != DLA_OK)
            return dla_error_set(err, ctls[i]->status, "dla_platform_run: the controller of core %d returned '%s'",
                                 ctls[i]->core->index(), dla_status_name(ctls[i]->status));
    return DLA_OK;
}

dla_status dla_ctl_csb_write(dla_controller *ctl, uint32_t addr, uint32_t value)
{
    ctl->core->csb().write(addr, value);
    return DLA_OK;
}

dla_status dla_ctl_csb_read(dla_controller *ctl, uint32_t addr, uint32_t *value)
{
    uint32_t v = ctl->core->csb().read(addr);
    if (value)
        *value = v;
    return DLA_OK;
}

dla_status dla_ctl_wait_irq(dla_controller *ctl)
{
    Glb &glb = ctl->core->glb();
    ctl->waiting_irq = true;
    ctl->wait_since = dla_ctl_now_cycles(ctl);
    while (!glb.irq_line())
        sc_core::wait(glb.irq_event());
    ctl->waiting_irq = false;
    sc_core::wait(
        ctl->core->clock().cycles(static_cast<uint64_t>(std::max(0, ctl->platform->cfg.core.irq_latency_cycles))));
    return DLA_OK;
}

dla_status dla_ctl_wait_intr_status(dla_controller *ctl, uint32_t bits, uint64_t *raised_cycle)
{
    Glb &glb = ctl->core->glb();
    if (bits == 0)
        return DLA_ERR_INVALID;
    ctl->waiting_irq = true;
    ctl->wait_since = dla_ctl_now_cycles(ctl);
    while (!(glb.status() & bits))
        sc_core::wait(glb.raise_event());
    ctl->waiting_irq = false;
    if (raised_cycle) {
        unsigned bit = 0;
        while (!((glb.status() & bits) >> bit & 1u))
            ++bit;
        *raised_cycle = ctl->core->clock().to_cycles(glb.raised_at(bit) - ctl->platform->run_start);
    }
    return DLA_OK;
}

void dla_ctl_spend_falcon_cycles(dla_controller *ctl, uint64_t cycles)
{
    if (cycles > 0)
        sc_core::wait(sc_core::sc_time(double(cycles) * 1e6 / ctl->platform->mode.falcon_clock_mhz, sc_core::SC_PS));
}

dla_status dla_ctl_gpu_run(dla_controller *ctl, double ns, uint64_t read_bytes, uint64_t write_bytes,
                           uint64_t *start_cycle)
{
    dla_platform *p = ctl->platform;
    if (!(ns >= 0) || !(p->cfg.gpu.int8_tops > 0) ||
        (read_bytes + write_bytes > 0 && p->cfg.gpu.dram_request_bytes <= 0))
        return DLA_ERR_INVALID; // no gpu section (the driver refuses GPU layers before this), a bad time, or
                                // GPU bytes without gpu.dram_request_bytes (the schema requires it with gpu)
    if (!p->gpu)
        p->gpu = std::make_unique<GpuDramClient>(GpuClientParams::from_config(p->cfg, p->mode), p->soc->dram(),
                                                 p->soc->core(0).clock().period(), p->soc->stats());
    const sc_core::sc_time start =
        p->gpu->run(sc_core::sc_time::from_value(static_cast<uint64_t>(std::ceil(ns * 1e3))), read_bytes, write_bytes);
    if (start_cycle)
        *start_cycle = ctl->core->clock().to_cycles(start - p->run_start);
    return DLA_OK;
}

uint64_t dla_ctl_now_cycles(const dla_controller *ctl)
{
    return ctl->core->clock().to_cycles(sc_core::sc_time_stamp() - ctl->platform->run_start);
}

int dla_ctl_core(const dla_controller *ctl)
{
    return ctl->core->index();
}

dla_status dla_platform_stats(const dla_platform *p, dla_stat **stats, size_t *count, dla_error *err)
{
    if (!p || !stats || !count)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_stats: NULL argument");
    std::vector<dla_stat> all;
    p->soc->stats().snapshot(all);
    *count = all.size();
    *stats = static_cast<dla_stat *>(std::malloc(all.empty() ? 1 : all.size() * sizeof(dla_stat)));
    if (!*stats)
        return dla_error_set(err, DLA_ERR_NOMEM, "dla_platform_stats: out of memory for %zu statistics", all.size());
    if (!all.empty())
        std::memcpy(*stats, all.data(), all.size() * sizeof(dla_stat));
    return DLA_OK;
}

uint64_t dla_platform_total_cycles(const dla_platform *p)
{
    return p->total_cycles;
}

dla_status dla_platform_samples(const dla_platform *p, dla_samples *out, dla_error *err)
{
    if (!p || !out)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_platform_samples: NULL argument");
    std::memset(out, 0, sizeof *out);
    if (!p->sampler)
        return DLA_OK;
    const ActivitySampler &s = *p->sampler;
    const size_t ns = s.series().size(), nw = s.end_cycles().size();
    out->series = static_cast<dla_sample_series *>(std::calloc(ns ? ns : 1, sizeof *out->series));
    out->end_cycle = static_cast<uint64_t *>(std::calloc(nw ? nw : 1, sizeof *out->end_cycle));
    out->values = static_cast<uint64_t *>(std::calloc(ns * nw > 0 ? ns * nw : 1, sizeof *out->values));
    if (!out->series || !out->end_cycle || !out->values) {
        dla_samples_free(out);
        return dla_error_set(err, DLA_ERR_NOMEM, "dla_platform_samples: out of memory for %zu windows x %zu series", nw,
                             ns);
    }
    out->window_cycles = s.window_cycles();
    out->num_series = ns;
    out->num_windows = nw;
    for (size_t i = 0; i < ns; ++i) {
        std::snprintf(out->series[i].name, sizeof out->series[i].name, "%s", s.series()[i].name.c_str());
        std::snprintf(out->series[i].unit, sizeof out->series[i].unit, "%s", s.series()[i].unit.c_str());
    }
    if (nw) {
        std::memcpy(out->end_cycle, s.end_cycles().data(), nw * sizeof *out->end_cycle);
        if (ns)
            std::memcpy(out->values, s.values().data(), nw * ns * sizeof *out->values);
    }
    return DLA_OK;
}

} // extern "C"
