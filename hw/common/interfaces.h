// Small interfaces every unit sees: memory access, interrupts and CSB register targets.
// The memory system (hw/memory), GLB (hw/glb) and CSB (hw/csb) implement them.
#pragma once

#include <cstdint>
#include <systemc>

namespace dlasim::hw {

// NVDLA GLB interrupt bits (group 0; group 1 is +1).
enum InterruptBit : unsigned {
    kIrqSdp = 0,
    kIrqCdp = 2,
    kIrqPdp = 4,
    kIrqBdma = 6,
    kIrqRubik = 8,
    kIrqCdmaData = 16,
    kIrqCdmaWeight = 18,
    kIrqCacc = 20,
};

class InterruptSink {
  public:
    virtual ~InterruptSink() = default;
    virtual void raise_interrupt(unsigned bit) = 0;
};

// One memory request of a DMA client.
struct MemAccess {
    uint64_t addr = 0;
    uint32_t bytes = 0;
    bool write = false;
    int client = 0; // MCIF client id (for arbitration and per-client stats)
};

class MemoryPort {
  public:
    virtual ~MemoryPort() = default;
    // Call from an SC_THREAD. Blocks (wait()) until the interface accepts the request, copies the
    // data (functional mode: data != nullptr; read fills it, write consumes it), and returns the
    // simulation time at which the read data has fully arrived / the write is done.
    virtual sc_core::sc_time access(const MemAccess &req, void *data) = 0;
    // Whether [addr, addr+bytes) is the core's on-chip SRAM (CVIF) rather than DRAM: DMA engines
    // count the two apart (DRAM traffic and energy must not include SRAM bytes).
    virtual bool on_chip(uint64_t addr, uint64_t bytes) const
    {
        (void)addr;
        (void)bytes;
        return false;
    }
};

// A block of registers on CSB (one per unit).
class CsbTarget {
  public:
    virtual ~CsbTarget() = default;
    virtual uint32_t csb_base() const = 0;                     // absolute byte address of the unit window
    virtual void csb_write(uint32_t addr, uint32_t value) = 0; // absolute address
    virtual uint32_t csb_read(uint32_t addr) = 0;
};

} // namespace dlasim::hw
