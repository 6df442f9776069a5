// GLB: INTR_STATUS is write-1-to-clear, INTR_SET raises bits, INTR_MASK hides them from the IRQ
// line, HW_VERSION is read-only, and irq_event() fires when the line rises.
#include <gtest/gtest.h>

#include <systemc>

#include "dla/nvdla_regs.h"
#include "glb/glb.h"

using namespace dlasim::hw;

TEST(GlbTest, StatusBitsAreWriteOneToClear)
{
    Glb g;
    g.raise_interrupt(kIrqPdp);     // bit 4
    g.raise_interrupt(kIrqSdp + 1); // bit 1
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_INTR_STATUS), 0x12u);
    g.csb_write(NVDLA_GLB_S_INTR_STATUS, 0x10u);
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_INTR_STATUS), 0x02u);
    g.csb_write(NVDLA_GLB_S_INTR_STATUS, 0x0u); // writing 0 clears nothing
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_INTR_STATUS), 0x02u);
    g.csb_write(NVDLA_GLB_S_INTR_SET, 1u << 20); // software-set CACC done
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_INTR_STATUS), 0x02u | (1u << 20));
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_INTR_SET), 0u); // write-only
}

TEST(GlbTest, MaskedBitsDoNotRaiseTheLine)
{
    Glb g;
    g.csb_write(NVDLA_GLB_S_INTR_MASK, 1u << kIrqPdp);
    g.raise_interrupt(kIrqPdp);
    EXPECT_FALSE(g.irq_line());
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_INTR_STATUS), 1u << kIrqPdp); // status still records it
    g.raise_interrupt(kIrqSdp);
    EXPECT_TRUE(g.irq_line());
    g.csb_write(NVDLA_GLB_S_INTR_STATUS, 1u << kIrqSdp);
    EXPECT_FALSE(g.irq_line());
    g.csb_write(NVDLA_GLB_S_INTR_MASK, 0);
    EXPECT_TRUE(g.irq_line()); // unmasking a pending bit raises the line
}

TEST(GlbTest, HwVersionIsReadOnly)
{
    Glb g;
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_NVDLA_HW_VERSION), 0x303031u); // MAJOR '1', MINOR "00" (rdl reset)
    g.csb_write(NVDLA_GLB_S_NVDLA_HW_VERSION, 0);
    EXPECT_EQ(g.csb_read(NVDLA_GLB_S_NVDLA_HW_VERSION), 0x303031u);
}

namespace {
SC_MODULE(IrqHarness)
{
    Glb glb;
    sc_core::sc_time woke = sc_core::SC_ZERO_TIME;
    SC_CTOR(IrqHarness)
    {
        SC_THREAD(raiser);
        SC_THREAD(waiter);
    }
    void raiser()
    {
        glb.csb_write(NVDLA_GLB_S_INTR_MASK, 1u << kIrqPdp);
        sc_core::wait(10, sc_core::SC_NS);
        glb.raise_interrupt(kIrqPdp); // masked: no rise
        sc_core::wait(10, sc_core::SC_NS);
        glb.raise_interrupt(kIrqSdp); // rises at 20 ns
    }
    void waiter()
    {
        while (!glb.irq_line())
            sc_core::wait(glb.irq_event());
        woke = sc_core::sc_time_stamp();
    }
};
} // namespace

TEST(GlbTest, IrqEventFiresWhenTheUnmaskedLineRises)
{
    IrqHarness h("h");
    sc_core::sc_start();
    EXPECT_EQ(h.woke, sc_core::sc_time(20, sc_core::SC_NS));
}
