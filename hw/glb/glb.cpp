// GLB interrupt registers (see glb.h); field layout from NVDLA_GLB.rdl.
#include "glb.h"

#include "dla/nvdla_regs.h"

namespace dlasim::hw {

namespace {
// Done bits of SDP, CDP, PDP, BDMA, RUBIK (bits 0-9) and CDMA data/weight, CACC (bits 16-21).
constexpr uint32_t kIrqBits = 0x003f03ffu;
// HW_VERSION reset value: MAJOR 0x31 ('1'), MINOR 0x3030 ("00").
constexpr uint32_t kHwVersion = 0x31u | (0x3030u << NVDLA_GLB_S_NVDLA_HW_VERSION_MINOR_SHIFT);
} // namespace

Glb::Glb() = default;

uint32_t Glb::csb_base() const
{
    return NVDLA_GLB_BASE;
}

void Glb::csb_write(uint32_t addr, uint32_t value)
{
    switch (addr) {
    case NVDLA_GLB_S_INTR_MASK: mask_ = value & kIrqBits; break;
    case NVDLA_GLB_S_INTR_SET: status_ |= value & kIrqBits; break;
    case NVDLA_GLB_S_INTR_STATUS:
        status_ &= ~(value & kIrqBits); // write 1 to clear
        break;
    default: return; // HW_VERSION is read-only; other addresses are unmapped
    }
    update();
}

uint32_t Glb::csb_read(uint32_t addr)
{
    switch (addr) {
    case NVDLA_GLB_S_NVDLA_HW_VERSION: return kHwVersion;
    case NVDLA_GLB_S_INTR_MASK: return mask_;
    case NVDLA_GLB_S_INTR_STATUS: return status_;
    default: return 0; // INTR_SET is write-only
    }
}

void Glb::raise_interrupt(unsigned bit)
{
    if (bit < 32 && ((1u << bit) & kIrqBits)) {
        raised_at_[bit] = sc_core::sc_time_stamp();
        raise_event_.notify(sc_core::SC_ZERO_TIME);
    }
    status_ |= (1u << bit) & kIrqBits;
    update();
}

void Glb::update()
{
    bool line = irq_line();
    if (line && !line_)
        irq_event_.notify(sc_core::SC_ZERO_TIME);
    line_ = line;
}

} // namespace dlasim::hw
