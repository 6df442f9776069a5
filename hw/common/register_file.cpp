// NVDLA ping-pong register groups (see register_file.h).
#include "register_file.h"

#include <stdexcept>

#include "dla/nvdla_regs.h"

namespace dlasim::hw {

RegisterFile::RegisterFile(const std::string &unit, uint32_t base) : unit_(unit), base_(base)
{
    for (uint32_t i = 0; i < DLA_NVDLA_REG_COUNT; ++i) {
        const dla_nvdla_reg &r = dla_nvdla_reg_table[i];
        if (unit != r.unit)
            continue;
        std::string name = r.name;
        Reg reg{};
        reg.dual = name.rfind("D_", 0) == 0;
        regs_[r.address] = reg;
        if (name == "S_POINTER")
            pointer_addr_ = r.address;
        else if (name == "S_STATUS")
            status_addr_ = r.address;
        else if (name == "D_OP_ENABLE")
            op_enable_addr_ = r.address;
    }
    if (regs_.empty())
        throw std::invalid_argument("no NVDLA registers for unit " + unit);
}

void RegisterFile::csb_write(uint32_t addr, uint32_t value)
{
    if (pointer_addr_ && addr == pointer_addr_) {
        producer_ = static_cast<int>(value & 1u);
        return;
    }
    if ((status_addr_ && addr == status_addr_) || read_only_.count(addr))
        return; // read-only
    auto it = regs_.find(addr);
    if (it == regs_.end()) {
        if (addr >= base_ + kExtWindow)
            ext_[addr] = value;
        return; // unmapped: ignored, as on CSB
    }
    Reg &reg = it->second;
    if (!reg.dual) {
        reg.value[0] = value;
        return;
    }
    if (enable_[producer_])
        return; // NVDLA drops writes to a group whose op is enabled
    reg.value[producer_] = value;
    if (addr == op_enable_addr_ && (value & 1u)) {
        enable_[producer_] = true;
        enable_event_.notify(sc_core::SC_ZERO_TIME);
    }
}

uint32_t RegisterFile::csb_read(uint32_t addr)
{
    if (pointer_addr_ && addr == pointer_addr_)
        return static_cast<uint32_t>(producer_) | (static_cast<uint32_t>(consumer_) << 16);
    if (status_addr_ && addr == status_addr_) {
        uint32_t status = 0;
        for (int g = 0; g < 2; ++g) {
            uint32_t s = 0;
            if (enable_[g])
                s = (g == consumer_) ? 1u : 2u; // RUNNING : PENDING
            status |= s << (16 * g);
        }
        return status;
    }
    if (auto ro = read_only_.find(addr); ro != read_only_.end())
        return ro->second;
    auto it = regs_.find(addr);
    if (it == regs_.end())
        return get_ext(addr);
    if (addr == op_enable_addr_)
        return enable_[producer_] ? 1u : 0u;
    return it->second.dual ? it->second.value[producer_] : it->second.value[0];
}

uint32_t RegisterFile::get(int group, uint32_t addr) const
{
    auto it = regs_.find(addr);
    if (it == regs_.end())
        throw std::logic_error(unit_ + ": read of unknown register");
    return it->second.dual ? it->second.value[group & 1] : it->second.value[0];
}

int RegisterFile::wait_for_enabled_op()
{
    while (!enable_[consumer_])
        sc_core::wait(enable_event_);
    return consumer_;
}

void RegisterFile::complete()
{
    enable_[consumer_] = false;
    consumer_ ^= 1;
    if (enable_[consumer_])
        enable_event_.notify(sc_core::SC_ZERO_TIME);
}

void RegisterFile::set_ext64(int group, uint32_t perf_offset, uint64_t value)
{
    uint32_t addr = base_ + kExtWindow + static_cast<uint32_t>(group) * kExtGroupStride + perf_offset;
    ext_[addr] = static_cast<uint32_t>(value);
    ext_[addr + 4] = static_cast<uint32_t>(value >> 32);
}

uint32_t RegisterFile::get_ext(uint32_t addr) const
{
    auto it = ext_.find(addr);
    return it == ext_.end() ? 0u : it->second;
}

} // namespace dlasim::hw
