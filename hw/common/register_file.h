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

#include "interfaces.h"

namespace dlasim::hw {

// Per-group performance registers dlasim adds to every unit (extension window, per group g at
// 0x800 + g*0x40; each 64-bit value as LO/HI words).
enum ExtPerf : uint32_t {
    kExtStartCycle = 0x00, // core cycle when the op began running
    kExtEndCycle = 0x08,   // core cycle when it completed
    kExtDramRead = 0x10,   // bytes read from memory by this unit for the op
    kExtDramWrite = 0x18,  // bytes written
    kExtMacs = 0x20,       // MACs issued (CACC reports the conv layer's total)
    kExtStallMem = 0x28,   // cycles waiting for memory data
    kExtStallOut = 0x30,   // cycles waiting for downstream space/credits
    kExtBusy = 0x38,       // cycles doing work
};
constexpr uint32_t kExtWindow = 0x800;
constexpr uint32_t kExtGroupStride = 0x40;
constexpr uint32_t kExtSparseCfg = 0x880; // CDMA/CSC: bit0 = 2:4 sparse weights
constexpr uint32_t kExtUserBase = 0x900;  // unit-specific extension registers start here

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
    sc_core::sc_event enable_event_;
};

} // namespace dlasim::hw
