// Fake platform for driver unit tests (see fake_platform.h): implements every function of
// dla/platform.h without a hardware model.
#include "fake_platform.h"

#include <cstring>
#include <map>
#include <new>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_regs.h"

struct dla_platform {
    std::map<uint64_t, uint8_t> mem;
    std::vector<FakeAccess> log;
    std::map<uint32_t, uint32_t> read_values;
    std::map<uint32_t, int> producer, consumer; // by unit base
    uint32_t intr_status = 0, intr_mask = 0;
    uint64_t falcon = 0, cycles = 0;
    double falcon_mhz = 1000;
    std::vector<FakeGpuWork> gpu;
    uint64_t sram_size = 0; // the config's memory.sram_size_bytes (the real platform's SRAM window)
};

struct dla_controller {
    dla_platform *p;
    int core;
};

namespace {

// GLB done bit (group 0) raised when this unit's op is enabled.
int done_bit(uint32_t base)
{
    switch (base) {
    case NVDLA_CACC_BASE: return 20;
    case NVDLA_SDP_BASE: return 0;
    case NVDLA_PDP_BASE: return 4;
    case NVDLA_CDP_BASE: return 2;
    default: return -1;
    }
}

bool is_op_enable(uint32_t addr)
{
    const uint32_t regs[] = {NVDLA_CDMA_D_OP_ENABLE,     NVDLA_CSC_D_OP_ENABLE,      NVDLA_CMAC_A_D_OP_ENABLE,
                             NVDLA_CMAC_B_D_OP_ENABLE,   NVDLA_CACC_D_OP_ENABLE,     NVDLA_SDP_RDMA_D_OP_ENABLE,
                             NVDLA_SDP_D_OP_ENABLE,      NVDLA_PDP_RDMA_D_OP_ENABLE, NVDLA_PDP_D_OP_ENABLE,
                             NVDLA_CDP_RDMA_D_OP_ENABLE, NVDLA_CDP_D_OP_ENABLE};
    for (uint32_t r : regs)
        if (r == addr)
            return true;
    return false;
}

} // namespace

const std::vector<FakeGpuWork> &fake_gpu_work(const dla_platform *p)
{
    return p->gpu;
}
const std::vector<FakeAccess> &fake_log(const dla_platform *p)
{
    return p->log;
}
void fake_set_reg(dla_platform *p, uint32_t addr, uint32_t value)
{
    p->read_values[addr] = value;
}
void fake_set_ext64(dla_platform *p, uint32_t unit_base, int group, uint32_t perf_offset, uint64_t value)
{
    uint32_t a = unit_base + DLASIM_EXT_WINDOW + uint32_t(group) * DLASIM_EXT_GROUP_STRIDE + perf_offset;
    p->read_values[a] = uint32_t(value);
    p->read_values[a + 4] = uint32_t(value >> 32);
}
uint64_t fake_falcon_cycles(const dla_platform *p)
{
    return p->falcon;
}

extern "C" {

dla_status dla_platform_create(const dla_config *cfg, const dla_power_mode *mode, const dla_platform_opts *,
                               dla_platform **out, dla_error *)
{
    *out = new (std::nothrow) dla_platform();
    if (*out && mode && mode->falcon_clock_mhz > 0)
        (*out)->falcon_mhz = mode->falcon_clock_mhz;
    if (*out && cfg && cfg->memory.sram_size_bytes > 0)
        (*out)->sram_size = uint64_t(cfg->memory.sram_size_bytes);
    return *out ? DLA_OK : DLA_ERR_NOMEM;
}
void dla_platform_destroy(dla_platform *p)
{
    delete p;
}
uint64_t dla_platform_dram_base(const dla_platform *)
{
    return kFakeDramBase;
}
uint64_t dla_platform_dram_size(const dla_platform *)
{
    return kFakeDramSize;
}
uint64_t dla_platform_sram_base(const dla_platform *)
{
    return 0x40000000ull;
}
uint64_t dla_platform_sram_size(const dla_platform *p)
{
    return p->sram_size;
}

dla_status dla_platform_mem_write(dla_platform *p, uint64_t addr, const void *data, size_t size, dla_error *err)
{
    if (addr < kFakeDramBase || addr + size > kFakeDramBase + kFakeDramSize)
        return dla_error_set(err, DLA_ERR_INVALID, "fake: write outside DRAM at 0x%llx", (unsigned long long)addr);
    const uint8_t *b = static_cast<const uint8_t *>(data);
    for (size_t i = 0; i < size; ++i)
        p->mem[addr + i] = b[i];
    return DLA_OK;
}

dla_status dla_platform_mem_read(dla_platform *p, uint64_t addr, void *data, size_t size, dla_error *err)
{
    if (addr < kFakeDramBase || addr + size > kFakeDramBase + kFakeDramSize)
        return dla_error_set(err, DLA_ERR_INVALID, "fake: read outside DRAM at 0x%llx", (unsigned long long)addr);
    uint8_t *b = static_cast<uint8_t *>(data);
    for (size_t i = 0; i < size; ++i) {
        auto it = p->mem.find(addr + i);
        b[i] = it == p->mem.end() ? 0 : it->second;
    }
    return DLA_OK;
}

dla_status dla_platform_run(dla_platform *p, int n, const int *cores, const dla_controller_fn *fns, void *const *users,
                            dla_error *err)
{
    for (int i = 0; i < n; ++i) {
        dla_controller ctl{p, cores[i]};
        dla_status st = fns[i](&ctl, users[i]);
        if (st != DLA_OK)
            return dla_error_set(err, st, "fake: controller of core %d failed", cores[i]);
    }
    return DLA_OK;
}

dla_status dla_ctl_csb_write(dla_controller *ctl, uint32_t addr, uint32_t value)
{
    dla_platform *p = ctl->p;
    p->log.push_back({'W', addr, value});
    p->cycles++;
    uint32_t base = addr & ~0xfffu;
    if (addr == NVDLA_GLB_S_INTR_STATUS)
        p->intr_status &= ~value; // write 1 to clear
    else if (addr == NVDLA_GLB_S_INTR_MASK)
        p->intr_mask = value;
    else if (addr == base + 4 && base != NVDLA_GLB_BASE) // S_POINTER of a unit
        p->producer[base] = int(value & 1u);
    else if (is_op_enable(addr) && (value & 1u)) {
        int bit = done_bit(base);
        if (bit >= 0)
            p->intr_status |= 1u << (bit + p->producer[base]);
        p->consumer[base] ^= 1; // the op completes at once
    }
    return DLA_OK;
}

dla_status dla_ctl_csb_read(dla_controller *ctl, uint32_t addr, uint32_t *value)
{
    dla_platform *p = ctl->p;
    uint32_t base = addr & ~0xfffu;
    if (addr == NVDLA_GLB_S_INTR_STATUS)
        *value = p->intr_status;
    else if (addr == base + 4 && base != NVDLA_GLB_BASE)
        *value = uint32_t(p->producer[base]) | uint32_t(p->consumer[base]) << 16;
    else {
        auto it = p->read_values.find(addr);
        *value = it == p->read_values.end() ? 0 : it->second;
    }
    p->log.push_back({'R', addr, *value});
    p->cycles++;
    return DLA_OK;
}

dla_status dla_ctl_wait_irq(dla_controller *ctl)
{
    dla_platform *p = ctl->p;
    if (!(p->intr_status & ~p->intr_mask))
        return DLA_ERR_TIMEOUT; // nothing can raise it later: the fake has no running hardware
    p->log.push_back({'I', 0, p->intr_status});
    return DLA_OK;
}

void dla_ctl_spend_falcon_cycles(dla_controller *ctl, uint64_t cycles)
{
    ctl->p->falcon += cycles;
}
dla_status dla_ctl_gpu_run(dla_controller *ctl, double ns, uint64_t read_bytes, uint64_t write_bytes,
                           uint64_t *start_cycle)
{
    dla_platform *p = ctl->p;
    if (start_cycle)
        *start_cycle = p->cycles;
    p->gpu.push_back({ns, read_bytes, write_bytes});
    // The GPU's time passes as controller time, whole falcon cycles rounded up (the fake has one clock).
    double c = ns * p->falcon_mhz / 1000.0;
    p->falcon += static_cast<uint64_t>(c);
    if (static_cast<double>(static_cast<uint64_t>(c)) < c)
        p->falcon++;
    return DLA_OK;
}
uint64_t dla_ctl_now_cycles(const dla_controller *ctl)
{
    return ctl->p->cycles;
}
int dla_ctl_core(const dla_controller *ctl)
{
    return ctl->core;
}

dla_status dla_platform_stats(const dla_platform *, dla_stat **stats, size_t *count, dla_error *)
{
    *stats = nullptr;
    *count = 0;
    return DLA_OK;
}
uint64_t dla_platform_total_cycles(const dla_platform *p)
{
    return p->cycles;
}

} // extern "C"
