// GLB: NVDLA's global block of one core. HW_VERSION (read-only), S_INTR_MASK, S_INTR_SET (write 1
// to raise a bit by software) and S_INTR_STATUS (write 1 to clear). Units raise their done bits
// through InterruptSink; the level IRQ line is STATUS & ~MASK != 0, and irq_event() is notified
// whenever that line rises.
#pragma once

#include <array>

#include <cstdint>
#include <systemc>

#include "common/interfaces.h"

namespace dlasim::hw {

class Glb : public CsbTarget, public InterruptSink {
  public:
    Glb();
    uint32_t csb_base() const override;
    void csb_write(uint32_t addr, uint32_t value) override;
    uint32_t csb_read(uint32_t addr) override;
    void raise_interrupt(unsigned bit) override;

    bool irq_line() const { return (status_ & ~mask_) != 0; }
    uint32_t status() const { return status_; }
    uint32_t mask() const { return mask_; }
    sc_core::sc_event &irq_event() { return irq_event_; }
    // Notified whenever a unit raises a status bit, masked or not (a bench watching done wires).
    sc_core::sc_event &raise_event() { return raise_event_; }
    // Simulated time bit was last raised (SC_ZERO_TIME if never).
    sc_core::sc_time raised_at(unsigned bit) const { return bit < 32 ? raised_at_[bit] : sc_core::SC_ZERO_TIME; }

  private:
    void update();
    uint32_t mask_ = 0, status_ = 0;
    bool line_ = false;
    sc_core::sc_event irq_event_;
    sc_core::sc_event raise_event_;
    std::array<sc_core::sc_time, 32> raised_at_{};
};

} // namespace dlasim::hw
