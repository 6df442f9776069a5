// NVDLA register groups of one unit: a single group (S_* registers) and two ping-pong groups
// (D_* registers) selected by S_POINTER.PRODUCER for CSB writes and by CONSUMER for the datapath.
// D_OP_ENABLE is set by software and cleared by hardware on completion; writes to an enabled
// group are dropped. Shared by every unit (and RDMA) so the semantics live in one place.
// Extension registers (docs/register-map.md) sit at offset 0x800 of the unit window.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <systemc>
#include <unordered_map>

#include "dla/dlasim_ext_regs.h"
#include "interfaces.h"

namespace dlasim::hw {

// Per-group performance registers dlasim adds to every unit (sw/include/dla/dlasim_ext_regs.h).
enum ExtPerf : uint32_t {
    kExtStartCycle = DLASIM_EXT_PERF_START_CYCLE,
    kExtEndCycle = DLASIM_EXT_PERF_END_CYCLE,
    kExtDramRead = DLASIM_EXT_PERF_DRAM_READ,
    kExtDramWrite = DLASIM_EXT_PERF_DRAM_WRITE,
    kExtMacs = DLASIM_EXT_PERF_MACS,
    kExtStallMem = DLASIM_EXT_PERF_STALL_MEM,
    kExtStallOut = DLASIM_EXT_PERF_STALL_OUT,
    kExtBusy = DLASIM_EXT_PERF_BUSY,
};
constexpr uint32_t kExtWindow = DLASIM_EXT_WINDOW;
constexpr uint32_t kExtGroupStride = DLASIM_EXT_GROUP_STRIDE;

class RegisterFile : public CsbTarget {
  public:
    // unit: name as in the NVDLA spec ("CDMA", "SDP_RDMA"); registers are taken from the generated
    // table (sw/include/dla/nvdla_regs.h). Throws std::invalid_argument for an unknown unit.
    RegisterFile(const std::string &unit, uint32_t base);

    // CSB side
    uint32_t csb_base() const override { return base_; }
    void csb_write(uint32_t addr, uint32_t value) override;
    uint32_t csb_read(uint32_t addr) override;

    // Datapath side
    int consumer() const { return consumer_; }
    bool enabled(int group) const { return enable_[group]; }
    // Value of a D_* register (absolute address) in a group, or an S_* register (group ignored).
    uint32_t get(int group, uint32_t addr) const;
    sc_core::sc_event &enable_event() { return enable_event_; }
    // Wait (SC_THREAD) until the consumer group is enabled; returns that group.
    int wait_for_enabled_op();
    // Finish the consumer group's op: clear its enable, advance CONSUMER. Caller raises the irq.
    void complete();
    // Extension registers (absolute address inside the unit's extension window).
    void set_ext64(int group, uint32_t perf_offset, uint64_t value);
    void set_ext(uint32_t addr, uint32_t value) { ext_[addr] = value; }
    uint32_t get_ext(uint32_t addr) const;
    const std::string &unit() const { return unit_; }
    // A read-only register (status the hardware drives): reads return value, CSB writes are dropped.
    void set_read_only(uint32_t addr, uint32_t value) { read_only_[addr] = value; }

  private:
    struct Reg {
        bool dual;
        std::array<uint32_t, 2> value{};
    };
    std::string unit_;
    uint32_t base_;
    uint32_t pointer_addr_ = 0, status_addr_ = 0, op_enable_addr_ = 0;
    int producer_ = 0, consumer_ = 0;
    std::array<bool, 2> enable_{};
    std::unordered_map<uint32_t, Reg> regs_;
    std::unordered_map<uint32_t, uint32_t> ext_;
    std::unordered_map<uint32_t, uint32_t> read_only_;
    sc_core::sc_event enable_event_;
};

} // namespace dlasim::hw
