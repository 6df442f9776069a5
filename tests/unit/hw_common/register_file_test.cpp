// NVDLA register-group semantics (ping-pong groups, op_enable, dropped writes, status).
#include <gtest/gtest.h>

#include <systemc>

#include "common/register_file.h"
#include "dla/nvdla_regs.h"

using dlasim::hw::RegisterFile;

TEST(RegisterFileTest, ProducerPointerSelectsGroupForWrites)
{
    RegisterFile rf("PDP", NVDLA_PDP_BASE);
    rf.csb_write(NVDLA_PDP_S_POINTER, 0);
    rf.csb_write(NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, 7);
    rf.csb_write(NVDLA_PDP_S_POINTER, 1);
    rf.csb_write(NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, 9);
    EXPECT_EQ(rf.get(0, NVDLA_PDP_D_DATA_CUBE_IN_WIDTH), 7u);
    EXPECT_EQ(rf.get(1, NVDLA_PDP_D_DATA_CUBE_IN_WIDTH), 9u);
    EXPECT_EQ(rf.csb_read(NVDLA_PDP_S_POINTER), 1u); // producer 1, consumer 0
}

TEST(RegisterFileTest, WritesToEnabledGroupAreDropped)
{
    RegisterFile rf("PDP", NVDLA_PDP_BASE);
    rf.csb_write(NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, 3);
    rf.csb_write(NVDLA_PDP_D_OP_ENABLE, 1);
    rf.csb_write(NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, 5);
    EXPECT_EQ(rf.get(0, NVDLA_PDP_D_DATA_CUBE_IN_WIDTH), 3u);
    EXPECT_TRUE(rf.enabled(0));
}

TEST(RegisterFileTest, StatusShowsRunningAndPendingAndCompleteAdvancesConsumer)
{
    RegisterFile rf("PDP", NVDLA_PDP_BASE);
    rf.csb_write(NVDLA_PDP_D_OP_ENABLE, 1);
    rf.csb_write(NVDLA_PDP_S_POINTER, 1);
    rf.csb_write(NVDLA_PDP_D_OP_ENABLE, 1);
    EXPECT_EQ(rf.csb_read(NVDLA_PDP_S_STATUS), 1u | (2u << 16)); // group0 RUNNING, group1 PENDING
    rf.complete();
    EXPECT_EQ(rf.consumer(), 1);
    EXPECT_FALSE(rf.enabled(0));
    EXPECT_EQ(rf.csb_read(NVDLA_PDP_S_STATUS), 1u << 16);
    EXPECT_EQ(rf.csb_read(NVDLA_PDP_S_POINTER), 1u | (1u << 16));
}

TEST(RegisterFileTest, ExtensionPerfRegistersReadBackAs64BitPairs)
{
    RegisterFile rf("CACC", NVDLA_CACC_BASE);
    rf.set_ext64(1, dlasim::hw::kExtMacs, 0x123456789ull);
    uint32_t lo = NVDLA_CACC_BASE + dlasim::hw::kExtWindow + dlasim::hw::kExtGroupStride + dlasim::hw::kExtMacs;
    EXPECT_EQ(rf.csb_read(lo), 0x23456789u);
    EXPECT_EQ(rf.csb_read(lo + 4), 0x1u);
}
