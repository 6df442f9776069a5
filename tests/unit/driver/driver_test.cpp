// Driver against a fake platform: exact register values (hand-encoded from the NVDLA rdl field
// descriptions), ping-pong groups, enable order, dependency handling, host quantise/pack, target checks
// and per-layer and per-op records.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "dla/dlasim_ext_regs.h"
#include "dla/driver.h"
#include "dla/nvdla_regs.h"
#include "fake_platform.h"

namespace {

// nv_small-like core: AtomC 8, AtomK 8, 8-byte memory atoms, CBUF 32 x 512 x 8 B.
dla_config small_config()
{
    dla_config c{};
    c.version = 1;
    std::strcpy(c.name, "test_small");
    c.num_cores = 1;
    c.core.atomic_c = 8;
    c.core.atomic_k = 8;
    c.core.fp16_macs_per_cycle = 32;
    c.core.memory_atomic_bytes = 8;
    c.core.cbuf_banks = 32;
    c.core.cbuf_entries_per_bank = 512;
    c.core.cbuf_entry_bytes = 8;
    c.core.falcon_cycles_per_op = 100;
    c.core.falcon_cycles_per_irq = 40;
    c.core.features.int8 = c.core.features.fp16 = c.core.features.pdp = c.core.features.sdp_ew = true;
    return c;
}

dla_lsurface mem(int32_t region, uint64_t offset, uint32_t w, uint32_t h, uint32_t c, uint32_t line, uint32_t surf)
{
    dla_lsurface s{};
    s.region = region;
    s.offset = offset;
    s.width = w;
    s.height = h;
    s.channels = c;
    s.line_stride = line;
    s.surface_stride = surf;
    s.precision = DLA_PRECISION_INT8;
    return s;
}

dla_lsurface fly(uint32_t w, uint32_t h, uint32_t c)
{
    dla_lsurface s{};
    s.region = -1;
    s.width = w;
    s.height = h;
    s.channels = c;
    s.precision = DLA_PRECISION_INT8;
    return s;
}

struct Net {
    dla_loadable *l = dla_loadable_create();
    Net()
    {
        std::strcpy(l->target_config, "test_small");
        std::strcpy(l->network, "net");
        l->atomic_c = l->atomic_k = l->memory_atomic_bytes = 8;
        l->cbuf_banks = 32;
        l->cbuf_entries_per_bank = 512;
        l->cbuf_entry_bytes = 8;
        l->batch = 1;
    }
    ~Net() { dla_loadable_destroy(l); }
    uint32_t region(uint32_t kind, uint64_t size, uint64_t blob_offset = 0, uint64_t blob_size = 0)
    {
        dla_lregion r{};
        r.kind = kind;
        r.size = size;
        r.alignment = 256;
        r.blob_offset = blob_offset;
        r.blob_size = blob_size;
        uint32_t i;
        EXPECT_EQ(dla_loadable_add_region(l, &r, &i), DLA_OK);
        return i;
    }
    uint32_t layer(const char *name)
    {
        dla_llayer y{};
        std::strcpy(y.name, name);
        std::strcpy(y.type, "conv");
        uint32_t i;
        EXPECT_EQ(dla_loadable_add_layer(l, &y, &i), DLA_OK);
        return i;
    }
    uint32_t op(const dla_lop &o)
    {
        uint32_t i;
        EXPECT_EQ(dla_loadable_add_op(l, &o, &i), DLA_OK);
        return i;
    }
    void blob(size_t n)
    {
        std::vector<uint8_t> b(n, 0x11);
        uint64_t off;
        EXPECT_EQ(dla_loadable_append_blob(l, b.data(), n, 1, &off), DLA_OK);
    }
};

// A 3x3 conv (stride 2x1, pad 1) on an 8x6x12 INT8 input, 16 kernels -> 4x6x16, fused with an SDP
// (BS: per-kernel SUM operand << 2, per-layer MUL 300 >> 9, ReLU; output cvt (v-3)*5>>6) writing memory.
// Regions (alignment 256, DRAM base 0x80000000): 0 weights 2304 + operands 64 = 2368 B at 0x80000000;
// 1 input 2 surfaces x 6 lines x 64 B = 768 B at 0x80000A00; 2 output 2 x 6 x 32 = 384 B at 0x80000D00.
dla_lop conv_op(uint32_t layer, uint32_t in_region, uint32_t weight_region)
{
    dla_lop op{};
    op.kind = DLA_OP_CONV;
    op.layer = layer;
    op.fused_parent = -1;
    dla_lconv &c = op.u.conv;
    c.src = mem(int32_t(in_region), 0, 8, 6, 12, 64, 384);
    c.weight_region = weight_region;
    c.weight_bytes = 2304;
    c.kernel_w = c.kernel_h = 3;
    c.kernel_c = 12;
    c.kernel_k = 16;
    c.stride_x = 2;
    c.stride_y = 1;
    c.dilation_x = c.dilation_y = 1;
    c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = 1;
    c.pad_value = -5;
    c.out_w = 4;
    c.out_h = 6;
    c.precision = DLA_PRECISION_INT8;
    c.data_banks = 2;
    c.weight_banks = 3;
    c.entry_per_slice = 16;
    c.fetch_grain = 2;
    c.release_slices = 6;
    c.clip_truncate = 7;
    op.macs = 4 * 6 * 16 * 9 * 12;
    return op;
}

dla_lop sdp_op(uint32_t layer, uint32_t parent, dla_lsurface dst, int32_t operand_region)
{
    dla_lop op{};
    op.kind = DLA_OP_SDP;
    op.layer = layer;
    op.fused_parent = int32_t(parent);
    dla_lsdp &s = op.u.sdp;
    s.src = fly(4, 6, 16);
    s.dst = dst;
    s.in_precision = s.out_precision = DLA_PRECISION_INT8;
    s.bs.enable = s.bs.alu_enable = s.bs.mul_enable = s.bs.relu = 1;
    s.bs.alu_op = DLA_ALU_SUM;
    s.bs.alu_src = operand_region >= 0 ? DLA_OPERAND_PER_KERNEL : DLA_OPERAND_PER_LAYER;
    s.bs.alu_operand = 17;
    s.bs.alu_shift = 2;
    s.bs.mul_src = DLA_OPERAND_PER_LAYER;
    s.bs.mul_operand = 300;
    s.bs.mul_shift = 9;
    s.bs.operand_region = operand_region;
    s.bs.operand_offset = 2304;
    s.bn.operand_region = -1;
    s.ew.operand.region = -1;
    s.out_cvt_offset = 3;
    s.out_cvt_scale = 5;
    s.out_cvt_shift = 6;
    return op;
}

struct Rig {
    dla_config cfg = small_config();
    dla_platform *p = nullptr;
    dla_driver *d = nullptr;
    Rig() { EXPECT_EQ(dla_platform_create(&cfg, nullptr, nullptr, &p, nullptr), DLA_OK); }
    ~Rig()
    {
        dla_driver_destroy(d);
        dla_platform_destroy(p);
    }
    void load(const dla_loadable *l)
    {
        dla_error err{};
        ASSERT_EQ(dla_driver_create(&cfg, l, p, nullptr, &d, &err), DLA_OK) << err.msg;
    }
    void run()
    {
        dla_error err{};
        ASSERT_EQ(dla_driver_run(d, &err), DLA_OK) << err.msg << " / " << dla_driver_errmsg(d);
    }
    const std::vector<FakeAccess> &log() const { return fake_log(p); }
    // Index of the first access matching, at or after `from`; -1 if none.
    long find(char kind, uint32_t addr, uint32_t value, long from = 0, bool any_value = false) const
    {
        const auto &lg = log();
        for (size_t i = size_t(from); i < lg.size(); ++i)
            if (lg[i].kind == kind && lg[i].addr == addr && (any_value || lg[i].value == value))
                return long(i);
        return -1;
    }
    // The value last written to addr before position `before` (or anywhere), -1 if never written.
    int64_t written(uint32_t addr) const
    {
        int64_t v = -1;
        for (const auto &a : log())
            if (a.kind == 'W' && a.addr == addr)
                v = a.value;
        return v;
    }
};

void conv_sdp_net(Net &n, bool per_kernel_operand)
{
    n.blob(2368);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2368, 0, 2368);
    uint32_t in = n.region(DLA_REGION_INPUT, 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 384);
    uint32_t y = n.layer("Conv_0 + Relu_1");
    uint32_t c = n.op(conv_op(y, in, w));
    n.op(sdp_op(y, c, mem(int32_t(out), 0, 4, 6, 16, 32, 192), per_kernel_operand ? int32_t(w) : -1));
}

TEST(DriverTest, ConvSdpRegisterValuesFollowTheRdlEncoding)
{
    Net n;
    conv_sdp_net(n, true);
    Rig r;
    r.load(n.l);
    r.run();
    // Each expected value encoded by hand from the field descriptions in NVDLA_<UNIT>.rdl.
    const std::vector<std::pair<uint32_t, uint32_t>> expect = {
        // CDMA
        {NVDLA_CDMA_D_MISC_CFG, 0x0},             // DIRECT, INT8 in/proc, no reuse, releases
        {NVDLA_CDMA_D_DATAIN_FORMAT, 0x0},        // FEATURE
        {NVDLA_CDMA_D_DATAIN_SIZE_0, 0x00050007}, // (h-1)<<16 | (w-1) = 5<<16 | 7
        {NVDLA_CDMA_D_DATAIN_SIZE_1, 11},         // c-1
        {NVDLA_CDMA_D_DATAIN_SIZE_EXT_0, 0x00050007},
        {NVDLA_CDMA_D_DAIN_RAM_TYPE, 1},            // MCIF
        {NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x80000A00}, // region 1: 0x80000000 + 2368 rounded up to 256
        {NVDLA_CDMA_D_DAIN_ADDR_HIGH_0, 0},
        {NVDLA_CDMA_D_LINE_STRIDE, 64},
        {NVDLA_CDMA_D_SURF_STRIDE, 384},
        {NVDLA_CDMA_D_DAIN_MAP, 0x00010001}, // line packed (64 = 8 x 8), surface packed (384 = 6 x 64)
        {NVDLA_CDMA_D_BATCH_NUMBER, 0},
        {NVDLA_CDMA_D_ENTRY_PER_SLICE, 15}, // entries-1
        {NVDLA_CDMA_D_FETCH_GRAIN, 1},      // slices-1
        {NVDLA_CDMA_D_WEIGHT_FORMAT, 0},    // UNCOMPRESSED
        {NVDLA_CDMA_D_WEIGHT_SIZE_0, 107},  // R*S*C*bpe = 3*3*12*1 = 108 bytes per kernel, -1
        {NVDLA_CDMA_D_WEIGHT_SIZE_1, 15},   // 16 kernels - 1
        {NVDLA_CDMA_D_WEIGHT_RAM_TYPE, 1},
        {NVDLA_CDMA_D_WEIGHT_ADDR_LOW, 0x80000000},
        {NVDLA_CDMA_D_WEIGHT_ADDR_HIGH, 0},
        {NVDLA_CDMA_D_WEIGHT_BYTES, 2304},
        {NVDLA_CDMA_D_WMB_BYTES, 0},
        {NVDLA_CDMA_D_CONV_STRIDE, 0x00000001},    // (sy-1)<<16 | (sx-1) = 0<<16 | 1
        {NVDLA_CDMA_D_ZERO_PADDING, 0x01010101},   // left 1 [4:0], right 1 [13:8], top 1 [20:16], bottom 1 [29:24]
        {NVDLA_CDMA_D_ZERO_PADDING_VALUE, 0xFFFB}, // -5 in 16-bit two's complement
        {NVDLA_CDMA_D_BANK, 0x00020001},           // (weight banks 3 - 1)<<16 | (data banks 2 - 1)
        // CSC
        {NVDLA_CSC_D_MISC_CFG, 0x0},
        {NVDLA_CSC_D_DATAIN_FORMAT, 0x0},
        {NVDLA_CSC_D_DATAIN_SIZE_EXT_0, 0x00050007},
        {NVDLA_CSC_D_DATAIN_SIZE_EXT_1, 11},
        {NVDLA_CSC_D_BATCH_NUMBER, 0},
        {NVDLA_CSC_D_ENTRY_PER_SLICE, 15},
        {NVDLA_CSC_D_WEIGHT_FORMAT, 0},
        {NVDLA_CSC_D_WEIGHT_SIZE_EXT_0, 0x00020002}, // (r-1)<<16 | (s-1)
        {NVDLA_CSC_D_WEIGHT_SIZE_EXT_1, 0x000F000B}, // (k-1)<<16 | (c-1)
        {NVDLA_CSC_D_WEIGHT_BYTES, 2304},
        {NVDLA_CSC_D_WMB_BYTES, 0},
        {NVDLA_CSC_D_DATAOUT_SIZE_0, 0x00050003}, // out h 6, w 4
        {NVDLA_CSC_D_DATAOUT_SIZE_1, 15},
        {NVDLA_CSC_D_ATOMICS, 23}, // 4*6 - 1
        {NVDLA_CSC_D_RELEASE, 5},  // 6 slices - 1
        {NVDLA_CSC_D_CONV_STRIDE_EXT, 0x00000001},
        {NVDLA_CSC_D_DILATION_EXT, 0},
        {NVDLA_CSC_D_ZERO_PADDING, 0x00010001}, // left [4:0], top [20:16]
        {NVDLA_CSC_D_ZERO_PADDING_VALUE, 0xFFFB},
        {NVDLA_CSC_D_BANK, 0x00020001},
        // CMAC
        {NVDLA_CMAC_A_D_MISC_CFG, 0},
        {NVDLA_CMAC_B_D_MISC_CFG, 0},
        // CACC: the conv+SDP layer's output cube (region 2 at 0x80000A00 + 768 = 0x80000D00)
        {NVDLA_CACC_D_MISC_CFG, 0},
        {NVDLA_CACC_D_DATAOUT_SIZE_0, 0x00050003},
        {NVDLA_CACC_D_DATAOUT_SIZE_1, 15},
        {NVDLA_CACC_D_DATAOUT_ADDR, 0x80000D00},
        {NVDLA_CACC_D_BATCH_NUMBER, 0},
        {NVDLA_CACC_D_LINE_STRIDE, 32},
        {NVDLA_CACC_D_SURF_STRIDE, 192},
        {NVDLA_CACC_D_DATAOUT_MAP, 0x00010001},
        {NVDLA_CACC_D_CLIP_CFG, 7},
        // SDP_RDMA: needed for the per-kernel BS operand
        {NVDLA_SDP_RDMA_D_DATA_CUBE_WIDTH, 3},
        {NVDLA_SDP_RDMA_D_DATA_CUBE_HEIGHT, 5},
        {NVDLA_SDP_RDMA_D_DATA_CUBE_CHANNEL, 15},
        {NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_LOW, 0},
        {NVDLA_SDP_RDMA_D_BRDMA_CFG, 0x2C}, // enabled, use BOTH (2<<1), TWO_BYTE (1<<3), PER_KERNEL, MC (1<<5)
        {NVDLA_SDP_RDMA_D_BS_BASE_ADDR_LOW, 0x80000900}, // weights region + 2304
        {NVDLA_SDP_RDMA_D_BS_BASE_ADDR_HIGH, 0},
        {NVDLA_SDP_RDMA_D_NRDMA_CFG, 1}, // BRDMA/NRDMA/ERDMA_DISABLE = YES
        {NVDLA_SDP_RDMA_D_ERDMA_CFG, 1},
        {NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, 0x1}, // flying mode ON, INT8 everywhere
        // SDP
        {NVDLA_SDP_D_DATA_CUBE_WIDTH, 3},
        {NVDLA_SDP_D_DATA_CUBE_HEIGHT, 5},
        {NVDLA_SDP_D_DATA_CUBE_CHANNEL, 15},
        {NVDLA_SDP_D_DST_BASE_ADDR_LOW, 0x80000D00},
        {NVDLA_SDP_D_DST_BASE_ADDR_HIGH, 0},
        {NVDLA_SDP_D_DST_LINE_STRIDE, 32},
        {NVDLA_SDP_D_DST_SURFACE_STRIDE, 192},
        {NVDLA_SDP_D_DP_BS_CFG, 0x08},      // nothing bypassed, ALU_ALGO SUM (2<<2), PRELU off
        {NVDLA_SDP_D_DP_BS_ALU_CFG, 0x201}, // SRC MEM, SHIFT_VALUE 2 at [13:8]
        {NVDLA_SDP_D_DP_BS_ALU_SRC_VALUE, 0},
        {NVDLA_SDP_D_DP_BS_MUL_CFG, 0x900}, // SRC REG, SHIFT_VALUE 9 at [15:8]
        {NVDLA_SDP_D_DP_BS_MUL_SRC_VALUE, 300},
        {NVDLA_SDP_D_DP_BN_CFG, 0x53},       // BYPASS | ALU_BYPASS | MUL_BYPASS | RELU_BYPASS
        {NVDLA_SDP_D_DP_EW_CFG, 0x53},       // BYPASS | ALU_BYPASS | MUL_BYPASS | LUT_BYPASS (bit 6)
        {NVDLA_SDP_D_DP_EW_ALU_CFG, 0x2},    // ALU_CVT_BYPASS
        {NVDLA_SDP_D_DP_EW_MUL_CFG, 0x2},    // MUL_CVT_BYPASS
        {NVDLA_SDP_D_FEATURE_MODE_CFG, 0x1}, // FLYING_MODE ON, OUTPUT_DST MEM
        {NVDLA_SDP_D_DST_DMA_CFG, 1},        // MC
        {NVDLA_SDP_D_DATA_FORMAT, 0},
        {NVDLA_SDP_D_CVT_OFFSET, 3},
        {NVDLA_SDP_D_CVT_SCALE, 5},
        {NVDLA_SDP_D_CVT_SHIFT, 6},
    };
    for (const auto &[addr, value] : expect)
        EXPECT_EQ(r.written(addr), int64_t(value)) << "register 0x" << std::hex << addr;
    // Everything went to group 0 and the sparse flag is off.
    for (uint32_t ptr : {NVDLA_CDMA_S_POINTER, NVDLA_CSC_S_POINTER, NVDLA_CACC_S_POINTER, NVDLA_SDP_S_POINTER,
                         NVDLA_SDP_RDMA_S_POINTER})
        EXPECT_EQ(r.written(ptr), 0) << std::hex << ptr;
    EXPECT_EQ(r.written(NVDLA_CDMA_BASE + DLASIM_EXT_SPARSE_CFG), 0);
    EXPECT_EQ(r.written(NVDLA_CSC_BASE + DLASIM_EXT_SPARSE_CFG), 0);
    EXPECT_EQ(r.written(NVDLA_SDP_BASE + DLASIM_EXT_SDP_CFG), 0); // no EW ReLU
    // GLB mask: 1 masks; CACC (20,21), SDP (0,1), PDP (4,5) left enabled of the 0x3f03ff defined bits.
    EXPECT_EQ(r.written(NVDLA_GLB_S_INTR_MASK), 0x0f03cc);
    // Bookkeeping: 2 ops programmed x 100 + 1 or 2 interrupts x 40 (SDP and CACC bits may come together).
    EXPECT_GE(fake_falcon_cycles(r.p), 240u);
}

TEST(DriverTest, ConsecutiveConvLayersUseGroupZeroThenOneAndPreprogram)
{
    // Layer 0: conv+SDP -> region 3 (8x6x12 written by the SDP, the next layer's input); layer 1 reads it.
    Net n;
    n.blob(2368);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2368, 0, 2368);
    uint32_t in = n.region(DLA_REGION_INPUT, 768);
    uint32_t act = n.region(DLA_REGION_ACTIVATIONS, 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 384);
    uint32_t y0 = n.layer("conv0"), y1 = n.layer("conv1");
    // First layer: a 3x3 pad-1 stride-1 conv keeps 8x6 and produces 12 channels.
    dla_lop c0 = conv_op(y0, in, w);
    c0.u.conv.stride_x = 1;
    c0.u.conv.out_w = 8;
    c0.u.conv.kernel_k = 12;
    c0.u.conv.weight_bytes = 12 * 144;
    uint32_t i0 = n.op(c0);
    dla_lop s0 = sdp_op(y0, i0, mem(int32_t(act), 0, 8, 6, 12, 64, 384), -1);
    s0.u.sdp.src = fly(8, 6, 12);
    uint32_t i1 = n.op(s0);
    dla_lop c1 = conv_op(y1, act, w);
    c1.num_deps = 1;
    c1.deps[0] = i1; // reads layer 0's output
    uint32_t i2 = n.op(c1);
    n.op(sdp_op(y1, i2, mem(int32_t(out), 0, 4, 6, 16, 32, 192), -1));
    Rig r;
    r.load(n.l);
    r.run();
    long p0 = r.find('W', NVDLA_CDMA_S_POINTER, 0);
    long p1 = r.find('W', NVDLA_CDMA_S_POINTER, 1);
    ASSERT_GE(p0, 0);
    ASSERT_GE(p1, 0);
    EXPECT_LT(p0, p1) << "first conv in group 0, second in group 1";
    // The second conv's registers (its CDMA input address, region 2 at 0x80000D00) are written right
    // after S_POINTER=1, before the first interrupt status is read.
    long addr1 = r.find('W', NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x80000D00, p1);
    long first_status = r.find('R', NVDLA_GLB_S_INTR_STATUS, 0, 0, true);
    ASSERT_GE(addr1, 0);
    ASSERT_GE(first_status, 0);
    EXPECT_LT(addr1, first_status) << "second conv must be pre-programmed while the first runs";
    // Its CACC is enabled in group 1 only after a status read that reports SDP group 0 done (bit 0).
    long en = -1;
    for (long i = 0; i < long(r.log().size()); ++i)
        if (r.log()[i].kind == 'W' && r.log()[i].addr == NVDLA_CACC_D_OP_ENABLE && i > p1)
            en = i;
    ASSERT_GE(en, 0);
    long sdp_done = -1;
    for (long i = 0; i < en; ++i)
        if (r.log()[i].kind == 'R' && r.log()[i].addr == NVDLA_GLB_S_INTR_STATUS && (r.log()[i].value & 1u))
            sdp_done = i;
    EXPECT_GE(sdp_done, 0) << "CACC of the dependent conv enabled before its dependency's SDP done interrupt";
    // And the CACC pointer in force at that enable is group 1.
    int64_t ptr = -1;
    for (long i = 0; i < en; ++i)
        if (r.log()[i].kind == 'W' && r.log()[i].addr == NVDLA_CACC_S_POINTER)
            ptr = r.log()[i].value;
    EXPECT_EQ(ptr, 1);
}

TEST(DriverTest, FusedPipelineIsEnabledDownstreamFirst)
{
    Net n;
    n.blob(2304);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2304, 0, 2304);
    uint32_t in = n.region(DLA_REGION_INPUT, 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 128); // 2x3x16 pooled: 2 surfaces x 3 lines x 16 B... see below
    uint32_t y = n.layer("conv+pool");
    uint32_t c = n.op(conv_op(y, in, w));
    dla_lop s = sdp_op(y, c, fly(4, 6, 16), -1); // per-layer operands only: no SDP_RDMA
    uint32_t si = n.op(s);
    dla_lop p{};
    p.kind = DLA_OP_PDP;
    p.layer = y;
    p.fused_parent = int32_t(si);
    p.u.pdp.src = fly(4, 6, 16);
    // 2x2 stride 2 max pool: 4x6 -> 2x3; 2 surfaces of 3 lines x 16 B = 96 B within 128.
    p.u.pdp.dst = mem(int32_t(out), 0, 2, 3, 16, 16, 48);
    p.u.pdp.method = DLA_POOL_MAX;
    p.u.pdp.kernel_w = p.u.pdp.kernel_h = p.u.pdp.stride_x = p.u.pdp.stride_y = 2;
    p.u.pdp.count_include_pad = 1;
    p.u.pdp.split_num = 1;
    n.op(p);
    Rig r;
    r.load(n.l);
    r.run();
    std::vector<uint32_t> enables;
    for (const auto &a : r.log())
        if (a.kind == 'W' && (a.addr & 0xfffu) == (NVDLA_CDMA_D_OP_ENABLE & 0xfffu) && a.addr == NVDLA_CDMA_D_OP_ENABLE)
            enables.push_back(a.addr);
        else if (a.kind == 'W' && (a.addr == NVDLA_PDP_D_OP_ENABLE || a.addr == NVDLA_SDP_D_OP_ENABLE ||
                                   a.addr == NVDLA_CACC_D_OP_ENABLE || a.addr == NVDLA_CMAC_A_D_OP_ENABLE ||
                                   a.addr == NVDLA_CMAC_B_D_OP_ENABLE || a.addr == NVDLA_CSC_D_OP_ENABLE ||
                                   a.addr == NVDLA_SDP_RDMA_D_OP_ENABLE || a.addr == NVDLA_PDP_RDMA_D_OP_ENABLE))
            enables.push_back(a.addr);
    const std::vector<uint32_t> want = {NVDLA_PDP_D_OP_ENABLE,    NVDLA_SDP_D_OP_ENABLE,    NVDLA_CACC_D_OP_ENABLE,
                                        NVDLA_CMAC_A_D_OP_ENABLE, NVDLA_CMAC_B_D_OP_ENABLE, NVDLA_CSC_D_OP_ENABLE,
                                        NVDLA_CDMA_D_OP_ENABLE};
    EXPECT_EQ(enables, want);
    // PDP on the fly from SDP: OPERATION_MODE = MAX (1) | FLYING_MODE ON_FLYING (0 at bit 4);
    // kernel cfg (kw-1) | (kh-1)<<8 | (sx-1)<<16 | (sy-1)<<20 = 0x110101; SDP OUTPUT_DST = PDP (bit 1).
    EXPECT_EQ(r.written(NVDLA_PDP_D_OPERATION_MODE_CFG), 0x1);
    EXPECT_EQ(r.written(NVDLA_PDP_D_POOLING_KERNEL_CFG), 0x110101);
    EXPECT_EQ(r.written(NVDLA_PDP_D_RECIP_KERNEL_WIDTH), 0x8000); // 2^16 / 2
    EXPECT_EQ(r.written(NVDLA_SDP_D_FEATURE_MODE_CFG), 0x3);
    EXPECT_EQ(r.written(NVDLA_PDP_BASE + DLASIM_EXT_POOL_CFG), 0); // count_include_pad = 1
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_OP_ENABLE), -1);          // never used
}

TEST(DriverTest, InputIsQuantisedAndPackedIntoFeatureFormat)
{
    // Input 3 wide, 2 high, 10 channels, INT8 scale 0.5; atom 8 -> 8 channels per surface, 2 surfaces.
    // line_stride 32 (> 3 x 8, leaving a gap of 8 B per line), surface_stride 64.
    // Byte of (c, h, w) = (c / 8) * 64 + h * 32 + w * 8 + c % 8 from the region start 0x80000000.
    Net n;
    uint32_t in = n.region(DLA_REGION_INPUT, 128);
    dla_ltensor t{};
    std::strcpy(t.name, "x");
    t.role = DLA_TENSOR_INPUT;
    t.n = 1, t.c = 10, t.h = 2, t.w = 3;
    t.precision = DLA_PRECISION_INT8;
    t.region = in;
    t.line_stride = 32;
    t.surface_stride = 64;
    t.batch_stride = 128;
    t.scale = 0.5f;
    uint32_t idx;
    ASSERT_EQ(dla_loadable_add_tensor(n.l, &t, &idx), DLA_OK);
    Rig r;
    r.load(n.l);
    // Gap bytes must stay as they were: pre-fill the region with 0xAA.
    std::vector<uint8_t> fill(128, 0xAA);
    ASSERT_EQ(dla_platform_mem_write(r.p, kFakeDramBase, fill.data(), fill.size(), nullptr), DLA_OK);
    std::vector<float> x(60, 0.0f);
    auto at = [](int c, int h, int w) { return (c * 2 + h) * 3 + w; };
    x[at(9, 1, 2)] = 0.75f;  // 1.5 + 0.5 -> floor 2
    x[at(0, 0, 0)] = -0.25f; // -0.5 + 0.5 = 0 -> 0
    x[at(7, 1, 0)] = -0.26f; // -0.52 + 0.5 = -0.02 -> floor -1 = 0xFF
    x[at(8, 0, 2)] = 100.f;  // 200 -> clamp 127
    x[at(3, 0, 1)] = -100.f; // -200 -> clamp -128 = 0x80
    x[at(1, 1, 1)] = 1.24f;  // 2.48 + 0.5 = 2.98 -> 2
    dla_error err{};
    ASSERT_EQ(dla_driver_set_input(r.d, "x", x.data(), x.size(), &err), DLA_OK) << err.msg;
    std::vector<uint8_t> m(128);
    ASSERT_EQ(dla_platform_mem_read(r.p, kFakeDramBase, m.data(), m.size(), nullptr), DLA_OK);
    EXPECT_EQ(m[64 + 32 + 16 + 1], 2);   // (9,1,2)
    EXPECT_EQ(m[0], 0);                  // (0,0,0)
    EXPECT_EQ(m[32 + 7], 0xFF);          // (7,1,0)
    EXPECT_EQ(m[64 + 16 + 0], 127);      // (8,0,2)
    EXPECT_EQ(m[8 + 3], 0x80);           // (3,0,1)
    EXPECT_EQ(m[32 + 8 + 1], 2);         // (1,1,1)
    for (int line = 0; line < 4; ++line) // gap bytes 24..31 of every line untouched
        for (int b = 24; b < 32; ++b)
            EXPECT_EQ(m[line * 32 + b], 0xAA) << "line " << line << " byte " << b;
    for (int h = 0; h < 2; ++h) // channels 10..15 of surface 1 are padding: zero
        for (int w = 0; w < 3; ++w)
            for (int k = 2; k < 8; ++k)
                EXPECT_EQ(m[64 + h * 32 + w * 8 + k], 0) << h << "," << w << "," << k;
    EXPECT_EQ(dla_driver_set_input(r.d, "x", x.data(), 59, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("59 values given, expected n*c*h*w = 1x10x2x3 = 60"), std::string::npos)
        << err.msg;
    EXPECT_EQ(dla_driver_set_input(r.d, "y", x.data(), 60, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("no input tensor 'y' (its inputs: 'x')"), std::string::npos) << err.msg;
}

TEST(DriverTest, Fp16InputRoundsToNearestEvenAndOutputDequantises)
{
    Net n;
    uint32_t in = n.region(DLA_REGION_INPUT, 64);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 64);
    dla_ltensor t{};
    std::strcpy(t.name, "h");
    t.role = DLA_TENSOR_INPUT;
    t.n = t.h = 1;
    t.c = 4;
    t.w = 1; // one atom: 4 FP16 channels in 8 bytes
    t.precision = DLA_PRECISION_FP16;
    t.region = in;
    t.line_stride = 8;
    t.surface_stride = 8;
    t.batch_stride = 8;
    t.scale = 1.0f;
    uint32_t idx;
    ASSERT_EQ(dla_loadable_add_tensor(n.l, &t, &idx), DLA_OK);
    std::strcpy(t.name, "q");
    t.role = DLA_TENSOR_OUTPUT;
    t.precision = DLA_PRECISION_INT8;
    t.region = out;
    t.scale = 0.25f;
    ASSERT_EQ(dla_loadable_add_tensor(n.l, &t, &idx), DLA_OK);
    Rig r;
    r.load(n.l);
    // 1 + 2^-11 lies halfway between 1.0 (0x3C00) and 1 + 2^-10 (0x3C01): ties to even 0x3C00.
    // 1 + 3*2^-11 lies halfway between 0x3C01 and 0x3C02: ties to even 0x3C02.
    // 65520 lies halfway between 65504 (0x7BFF) and 2^16 (overflow): ties to even -> Inf 0x7C00.
    // -2.0 = 0xC000.
    const float x[4] = {1.0f + std::ldexp(1.0f, -11), 1.0f + 3 * std::ldexp(1.0f, -11), 65520.0f, -2.0f};
    dla_error err{};
    ASSERT_EQ(dla_driver_set_input(r.d, "h", x, 4, &err), DLA_OK) << err.msg;
    uint8_t m[8];
    ASSERT_EQ(dla_platform_mem_read(r.p, kFakeDramBase, m, 8, nullptr), DLA_OK);
    const uint16_t want[4] = {0x3C00, 0x3C02, 0x7C00, 0xC000};
    for (int c = 0; c < 4; ++c)
        EXPECT_EQ(m[2 * c] | m[2 * c + 1] << 8, want[c]) << "channel " << c;
    // Output region (0x80000100): INT8 bytes -3, 127 at channels 0 and 1 -> -0.75, 31.75.
    const uint8_t q[2] = {0xFD, 0x7F};
    ASSERT_EQ(dla_platform_mem_write(r.p, kFakeDramBase + 256, q, 2, nullptr), DLA_OK);
    float y[4];
    ASSERT_EQ(dla_driver_get_output(r.d, "q", y, 4, &err), DLA_OK) << err.msg;
    EXPECT_FLOAT_EQ(y[0], -0.75f);
    EXPECT_FLOAT_EQ(y[1], 31.75f);
    EXPECT_FLOAT_EQ(y[2], 0.0f);
}

TEST(DriverTest, TargetMismatchNamesBothValues)
{
    Net n;
    conv_sdp_net(n, false);
    n.l->atomic_k = 16;
    Rig r;
    dla_error err{};
    EXPECT_EQ(dla_driver_create(&r.cfg, n.l, r.p, nullptr, &r.d, &err), DLA_ERR_INVALID);
    EXPECT_EQ(r.d, nullptr);
    EXPECT_NE(std::string(err.msg).find("with atomic_k 16, but config 'test_small' has core.atomic_k 8"),
              std::string::npos)
        << err.msg;
}

TEST(DriverTest, FieldOverflowIsRejectedAtCreate)
{
    // CDMA D_CONV_STRIDE.CONV_X_STRIDE is 3 bits (stride - 1 <= 7): stride 9 cannot be programmed.
    Net n;
    conv_sdp_net(n, false);
    dla_lconv &c = n.l->ops[0].u.conv;
    c.stride_x = 9;
    c.pad_left = 8;
    c.pad_right = 8; // (8 + 16 - 3) / 9 + 1 = 3 outputs
    c.out_w = 3;
    n.l->ops[1].u.sdp.src.width = 3;
    n.l->ops[1].u.sdp.dst.width = 3;
    n.l->ops[1].u.sdp.dst.line_stride = 24;
    n.l->ops[1].u.sdp.dst.surface_stride = 144;
    Rig r;
    dla_error err{};
    EXPECT_EQ(dla_driver_create(&r.cfg, n.l, r.p, nullptr, &r.d, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("value 8 does not fit register field CDMA_D_CONV_STRIDE.CONV_X_STRIDE"),
              std::string::npos)
        << err.msg;
}

TEST(DriverTest, PoolingWindowAboveEightIsRejectedAtCreate)
{
    // NVDLA's PDP pools 1..8 per dimension, although its 4-bit kernel field could encode 9: a 9x9
    // window must be refused before any simulation, naming the limit.
    Net n;
    // atom 8 B: 9x9x16 = 2 surfaces of 9 lines of 9 x 8 B (line 72, surface 648) = 1296 B.
    uint32_t a = n.region(DLA_REGION_ACTIVATIONS, 1296), b = n.region(DLA_REGION_ACTIVATIONS, 16);
    uint32_t y = n.layer("pool");
    dla_lop p{};
    p.kind = DLA_OP_PDP;
    p.layer = y;
    p.fused_parent = -1;
    p.u.pdp.src = mem(int32_t(a), 0, 9, 9, 16, 72, 648);
    p.u.pdp.dst = mem(int32_t(b), 0, 1, 1, 16, 8, 8);
    p.u.pdp.method = DLA_POOL_MAX;
    p.u.pdp.kernel_w = p.u.pdp.kernel_h = p.u.pdp.stride_x = p.u.pdp.stride_y = 9;
    p.u.pdp.count_include_pad = 1;
    p.u.pdp.split_num = 1;
    n.op(p);
    Rig r;
    dla_error err{};
    EXPECT_EQ(dla_driver_create(&r.cfg, n.l, r.p, nullptr, &r.d, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("pooling window 9x9 exceeds the PDP's 8x8"), std::string::npos) << err.msg;
}

TEST(DriverTest, LayerRecordAggregatesExtensionPerfRegisters)
{
    Net n;
    conv_sdp_net(n, false);
    Rig r;
    // conv (CACC group 0): cycles 1000..3000, 147456 MACs; CDMA read 5000 B; CSC stall_mem 1500 >
    // stall_out 100 and busy 400 -> "memory". SDP group 0: 900..3100, writes 384 B. The SDP is
    // enabled before the conv (downstream first) and idles until data flows, so the layer starts
    // when its head op, the conv, starts (1000) and ends when the last op ends (3100).
    fake_set_ext64(r.p, NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_START_CYCLE, 1000);
    fake_set_ext64(r.p, NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_END_CYCLE, 3000);
    fake_set_ext64(r.p, NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS, 147456);
    fake_set_ext64(r.p, NVDLA_CDMA_BASE, 0, DLASIM_EXT_PERF_DRAM_READ, 5000);
    fake_set_ext64(r.p, NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_MEM, 1500);
    fake_set_ext64(r.p, NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_OUT, 100);
    fake_set_ext64(r.p, NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY, 400);
    fake_set_ext64(r.p, NVDLA_SDP_BASE, 0, DLASIM_EXT_PERF_START_CYCLE, 900);
    fake_set_ext64(r.p, NVDLA_SDP_BASE, 0, DLASIM_EXT_PERF_END_CYCLE, 3100);
    fake_set_ext64(r.p, NVDLA_SDP_BASE, 0, DLASIM_EXT_PERF_DRAM_WRITE, 384);
    r.load(n.l);
    r.run();
    size_t count = 0;
    const dla_layer_record *rec = dla_driver_layers(r.d, &count);
    ASSERT_EQ(count, 1u);
    EXPECT_STREQ(rec[0].name, "Conv_0 + Relu_1");
    EXPECT_STREQ(rec[0].engine, "DLA0");
    EXPECT_EQ(rec[0].start_cycle, 1000u);
    EXPECT_EQ(rec[0].end_cycle, 3100u);
    EXPECT_EQ(rec[0].cycles, 2100u);
    EXPECT_EQ(rec[0].macs, 147456u);
    EXPECT_EQ(rec[0].dram_read_bytes, 5000u);
    EXPECT_EQ(rec[0].dram_write_bytes, 384u);
    // 147456 / (2100 cycles x 64 MACs/cycle) = 147456 / 134400
    EXPECT_DOUBLE_EQ(rec[0].mac_utilization, 147456.0 / 134400.0);
    EXPECT_STREQ(rec[0].bound, "memory");
}

TEST(DriverTest, OpRecordsCarryEachOpsOwnGroupPerfRegisters)
{
    // Two conv+SDP layers (as in ConsecutiveConvLayersUseGroupZeroThenOneAndPreprogram): ops 0 (conv)
    // and 1 (SDP) run in group 0, ops 2 (conv) and 3 (SDP) in group 1. Each group's perf registers
    // get distinct values, so every record shows whether it was read from its own op's group and
    // unit: conv from CACC (cycles, MACs) + CDMA (reads), SDP from SDP (cycles, reads, writes).
    Net n;
    n.l->batch = 2;
    n.blob(2368);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2368, 0, 2368);
    uint32_t in = n.region(DLA_REGION_INPUT, 768);
    uint32_t act = n.region(DLA_REGION_ACTIVATIONS, 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 384);
    uint32_t y0 = n.layer("conv0"), y1 = n.layer("conv1");
    dla_lop c0 = conv_op(y0, in, w);
    c0.u.conv.stride_x = 1;
    c0.u.conv.out_w = 8;
    c0.u.conv.kernel_k = 12;
    c0.u.conv.weight_bytes = 12 * 144;
    uint32_t i0 = n.op(c0);
    dla_lop s0 = sdp_op(y0, i0, mem(int32_t(act), 0, 8, 6, 12, 64, 384), -1);
    s0.u.sdp.src = fly(8, 6, 12);
    uint32_t i1 = n.op(s0);
    dla_lop c1 = conv_op(y1, act, w);
    c1.num_deps = 1;
    c1.deps[0] = i1;
    c1.batch_index = 1;
    uint32_t i2 = n.op(c1);
    dla_lop s1 = sdp_op(y1, i2, mem(int32_t(out), 0, 4, 6, 16, 32, 192), -1);
    s1.batch_index = 1;
    n.op(s1);
    Rig r;
    for (int g = 0; g < 2; ++g) {
        uint64_t base = g ? 10000 : 0;
        fake_set_ext64(r.p, NVDLA_CACC_BASE, g, DLASIM_EXT_PERF_START_CYCLE, base + 100);
        fake_set_ext64(r.p, NVDLA_CACC_BASE, g, DLASIM_EXT_PERF_END_CYCLE, base + 700);
        fake_set_ext64(r.p, NVDLA_CACC_BASE, g, DLASIM_EXT_PERF_MACS, base + 11);
        fake_set_ext64(r.p, NVDLA_CDMA_BASE, g, DLASIM_EXT_PERF_DRAM_READ, base + 22);
        fake_set_ext64(r.p, NVDLA_SDP_BASE, g, DLASIM_EXT_PERF_START_CYCLE, base + 50);
        fake_set_ext64(r.p, NVDLA_SDP_BASE, g, DLASIM_EXT_PERF_END_CYCLE, base + 800);
        fake_set_ext64(r.p, NVDLA_SDP_BASE, g, DLASIM_EXT_PERF_DRAM_READ, base + 33);
        fake_set_ext64(r.p, NVDLA_SDP_BASE, g, DLASIM_EXT_PERF_DRAM_WRITE, base + 44);
    }
    r.load(n.l);
    r.run();
    size_t count = 0;
    const dla_op_record *ops = dla_driver_ops(r.d, &count);
    ASSERT_EQ(count, 4u);
    struct Want {
        const char *layer, *kind;
        uint64_t layer_index, batch, start, end, read, write, macs;
    } want[4] = {
        {"conv0", "conv", 0, 0, 100, 700, 22, 0, 11},
        {"conv0", "sdp", 0, 0, 50, 800, 33, 44, 0},
        {"conv1", "conv", 1, 1, 10100, 10700, 10022, 0, 10011},
        {"conv1", "sdp", 1, 1, 10050, 10800, 10033, 10044, 0},
    };
    for (size_t i = 0; i < 4; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(ops[i].op_index, i);
        EXPECT_EQ(ops[i].layer_index, want[i].layer_index);
        EXPECT_STREQ(ops[i].layer, want[i].layer);
        EXPECT_STREQ(ops[i].kind, want[i].kind);
        EXPECT_STREQ(ops[i].engine, "DLA0");
        EXPECT_EQ(ops[i].core, 0u);
        EXPECT_EQ(ops[i].batch_index, want[i].batch);
        EXPECT_EQ(ops[i].start_cycle, want[i].start);
        EXPECT_EQ(ops[i].end_cycle, want[i].end);
        EXPECT_EQ(ops[i].dram_read_bytes, want[i].read);
        EXPECT_EQ(ops[i].dram_write_bytes, want[i].write);
        EXPECT_EQ(ops[i].macs, want[i].macs);
    }
}

TEST(DriverTest, OpRecordsNameTheCoreTheDriverRunsOn)
{
    Net n;
    conv_sdp_net(n, false);
    dla_config cfg = small_config();
    cfg.num_cores = 2;
    dla_platform *p = nullptr;
    ASSERT_EQ(dla_platform_create(&cfg, nullptr, nullptr, &p, nullptr), DLA_OK);
    dla_driver *d = nullptr;
    dla_driver_opts opts{};
    opts.core = 1;
    dla_error err{};
    ASSERT_EQ(dla_driver_create(&cfg, n.l, p, &opts, &d, &err), DLA_OK) << err.msg;
    size_t count = 99;
    dla_driver_ops(d, &count);
    EXPECT_EQ(count, 0u) << "no records before a run";
    EXPECT_EQ(dla_driver_run(d, &err), DLA_OK) << err.msg;
    const dla_op_record *ops = dla_driver_ops(d, &count);
    ASSERT_EQ(count, 2u);
    for (size_t i = 0; i < count; ++i) {
        EXPECT_STREQ(ops[i].engine, "DLA1");
        EXPECT_EQ(ops[i].core, 1u);
    }
    dla_driver_destroy(d);
    dla_platform_destroy(p);
}

TEST(DriverTest, SecondRunStartsAtTheGroupsTheHardwareIsOn)
{
    // One conv+SDP layer run twice on the same platform: the second run must use group 1, which the
    // hardware's CONSUMER pointers moved to.
    Net n;
    conv_sdp_net(n, false);
    Rig r;
    r.load(n.l);
    r.run();
    size_t before = r.log().size();
    r.run();
    long p = r.find('W', NVDLA_CDMA_S_POINTER, 1, long(before));
    EXPECT_GE(p, 0);
    EXPECT_EQ(r.find('W', NVDLA_CDMA_S_POINTER, 0, long(before)), -1);
}

TEST(DriverTest, OfflineSdpWithEwReluProgramsRdmaAndExtensionRegister)
{
    // Offline SDP on a 4x6x16 INT8 cube (2 surfaces x 6 lines x 32 B = 384 B per region): Y stage adds
    // an element-wise operand ((e + 2) * 3 >> 1), then ReLU; X1/X2 off. Regions at 0x80000000,
    // 0x80000200 (operand; 384 rounded up to 256), 0x80000400 (output).
    Net n;
    uint32_t a = n.region(DLA_REGION_INPUT, 384), e = n.region(DLA_REGION_INPUT, 384);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 384);
    uint32_t y = n.layer("Add_0 + Relu_1");
    dla_lop op{};
    op.kind = DLA_OP_SDP;
    op.layer = y;
    op.fused_parent = -1;
    dla_lsdp &s = op.u.sdp;
    s.src = mem(int32_t(a), 0, 4, 6, 16, 32, 192);
    s.dst = mem(int32_t(out), 0, 4, 6, 16, 32, 192);
    s.in_precision = s.out_precision = DLA_PRECISION_INT8;
    s.bs.operand_region = s.bn.operand_region = -1;
    s.ew.enable = 1;
    s.ew.operand = mem(int32_t(e), 0, 4, 6, 16, 32, 192);
    s.ew.cvt_offset = -2;
    s.ew.cvt_scale = 3;
    s.ew.cvt_shift = 1;
    s.ew.alu_op = DLA_ALU_SUM;
    s.ew.relu = 1;
    s.out_cvt_scale = 1;
    n.op(op);
    Rig r;
    r.load(n.l);
    r.run();
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG), 0); // FLYING_MODE OFF
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_LOW), 0x80000000);
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_SRC_LINE_STRIDE), 32);
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_SRC_SURFACE_STRIDE), 192);
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_BRDMA_CFG), 1);    // disabled
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_ERDMA_CFG), 0x32); // use ALU (1<<1), ONE_BYTE, PER_ELEMENT (1<<4), MC (1<<5)
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_EW_BASE_ADDR_LOW), 0x80000200);
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_EW_LINE_STRIDE), 32);
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_EW_SURFACE_STRIDE), 192);
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_CFG), 0x58);    // SUM (2<<2), MUL_BYPASS (1<<4), LUT_BYPASS (1<<6)
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_ALU_CFG), 0x1); // SRC MEM, CVT not bypassed
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_ALU_CVT_OFFSET_VALUE), 0xFFFFFFFE);
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_ALU_CVT_SCALE_VALUE), 3);
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_ALU_CVT_TRUNCATE_VALUE), 1);
    EXPECT_EQ(r.written(NVDLA_SDP_D_FEATURE_MODE_CFG), 0); // offline in, memory out
    EXPECT_EQ(r.written(NVDLA_SDP_D_DST_BASE_ADDR_LOW), 0x80000400);
    // ReLU through the extension register, written before the enables; SDP enabled before SDP_RDMA.
    long ext = r.find('W', NVDLA_SDP_BASE + DLASIM_EXT_SDP_CFG, 1);
    long en_sdp = r.find('W', NVDLA_SDP_D_OP_ENABLE, 1);
    long en_rdma = r.find('W', NVDLA_SDP_RDMA_D_OP_ENABLE, 1);
    ASSERT_GE(ext, 0);
    ASSERT_GE(en_sdp, 0);
    ASSERT_GE(en_rdma, 0);
    EXPECT_LT(ext, en_sdp);
    EXPECT_LT(en_sdp, en_rdma);
}

TEST(DriverTest, EngineOpsAreEnabledInQueueOrder)
{
    // op 0: offline PDP (1x1 pool, a copy) r0 -> r1; op 1: offline SDP r1 -> r2, depends on op 0;
    // op 2: offline SDP r0 -> r3, no dependency. Op 2 is ready first, but SDP runs its groups in order
    // (op 1 in group 0, op 2 in group 1), so op 2 may only be enabled after op 1.
    Net n;
    uint32_t r[4];
    for (uint32_t &x : r)
        x = n.region(DLA_REGION_ACTIVATIONS, 384);
    uint32_t y = n.layer("chain");
    dla_lop p{};
    p.kind = DLA_OP_PDP;
    p.layer = y;
    p.fused_parent = -1;
    p.u.pdp.src = mem(int32_t(r[0]), 0, 4, 6, 16, 32, 192);
    p.u.pdp.dst = mem(int32_t(r[1]), 0, 4, 6, 16, 32, 192);
    p.u.pdp.method = DLA_POOL_MAX;
    p.u.pdp.kernel_w = p.u.pdp.kernel_h = p.u.pdp.stride_x = p.u.pdp.stride_y = 1;
    p.u.pdp.count_include_pad = 1;
    p.u.pdp.split_num = 1;
    uint32_t i0 = n.op(p);
    for (int k = 0; k < 2; ++k) {
        dla_lop s{};
        s.kind = DLA_OP_SDP;
        s.layer = y;
        s.fused_parent = -1;
        s.u.sdp.src = mem(int32_t(k == 0 ? r[1] : r[0]), 0, 4, 6, 16, 32, 192);
        s.u.sdp.dst = mem(int32_t(k == 0 ? r[2] : r[3]), 0, 4, 6, 16, 32, 192);
        s.u.sdp.bs.operand_region = s.u.sdp.bn.operand_region = s.u.sdp.ew.operand.region = -1;
        s.u.sdp.out_cvt_scale = 1;
        if (k == 0) {
            s.num_deps = 1;
            s.deps[0] = i0;
        }
        n.op(s);
    }
    Rig rig;
    rig.load(n.l);
    rig.run();
    // Track SDP's producer pointer to see which group each SDP enable went to.
    std::vector<int> enabled_groups;
    int ptr = -1;
    long pdp_done = -1, first_sdp_enable = -1;
    for (long i = 0; i < long(rig.log().size()); ++i) {
        const FakeAccess &a = rig.log()[i];
        if (a.kind == 'W' && a.addr == NVDLA_SDP_S_POINTER)
            ptr = int(a.value);
        if (a.kind == 'W' && a.addr == NVDLA_SDP_D_OP_ENABLE) {
            enabled_groups.push_back(ptr);
            if (first_sdp_enable < 0)
                first_sdp_enable = i;
        }
        if (a.kind == 'R' && a.addr == NVDLA_GLB_S_INTR_STATUS && (a.value & (1u << 4)) && pdp_done < 0)
            pdp_done = i;
    }
    EXPECT_EQ(enabled_groups, (std::vector<int>{0, 1}));
    ASSERT_GE(pdp_done, 0);
    EXPECT_GT(first_sdp_enable, pdp_done) << "op 1 waits for op 0's PDP done; op 2 waits for op 1";
}

TEST(DriverTest, StallIsReportedNamingTheOp)
{
    // A dependency cycle cannot come from a valid loadable; it is injected after create (the loadable
    // is borrowed, and the scheduler reads deps at run time) to exercise the stall detector:
    // op 0 (conv) then waits for its own completion and nothing is ever running.
    Net n;
    conv_sdp_net(n, false);
    Rig r;
    r.load(n.l);
    n.l->ops[0].num_deps = 1;
    n.l->ops[0].deps[0] = 0;
    dla_error err{};
    EXPECT_EQ(dla_driver_run(r.d, &err), DLA_ERR_INTERNAL);
    std::string msg = dla_driver_errmsg(r.d);
    EXPECT_NE(msg.find("scheduler stall: op 0 (conv, layer 'Conv_0 + Relu_1') can never run"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("op 0 not completed"), std::string::npos) << msg;
}

} // namespace

// ---- GPU fallback segments (scheduler.c, docs/driver.md) ----

namespace {

// Two conv+SDP layers like ConsecutiveConvLayersUseGroupZeroThenOneAndPreprogram's, the second
// reading region 2 (0x80000D00) without a dependency on the first unless `dependent`.
void two_conv_net(Net &n, bool dependent)
{
    n.blob(2368);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2368, 0, 2368);
    uint32_t in = n.region(DLA_REGION_INPUT, 768);
    uint32_t act = n.region(DLA_REGION_ACTIVATIONS, 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 384);
    uint32_t y0 = n.layer("conv0"), y1 = n.layer("conv1");
    dla_lop c0 = conv_op(y0, in, w);
    c0.u.conv.stride_x = 1;
    c0.u.conv.out_w = 8;
    c0.u.conv.kernel_k = 12;
    c0.u.conv.weight_bytes = 12 * 144;
    uint32_t i0 = n.op(c0);
    dla_lop s0 = sdp_op(y0, i0, mem(int32_t(act), 0, 8, 6, 12, 64, 384), -1);
    s0.u.sdp.src = fly(8, 6, 12);
    uint32_t i1 = n.op(s0);
    dla_lop c1 = conv_op(y1, act, w);
    if (dependent) {
        c1.num_deps = 1;
        c1.deps[0] = i1;
    }
    uint32_t i2 = n.op(c1);
    n.op(sdp_op(y1, i2, mem(int32_t(out), 0, 4, 6, 16, 32, 192), -1));
}

} // namespace

TEST(SegmentsTest, SubgraphAfterAGpuSegmentWaitsForItAndTheGpuTimeIsTheModels)
{
    // Two independent conv+SDP layers: without segments the second would be pre-programmed.
    Net n;
    two_conv_net(n, /*dependent=*/false);
    dla_lsegment s0{}, s1{}, s2{};
    s0.kind = DLA_SEGMENT_DLA;
    std::strcpy(s0.name, "{ForeignNode[conv0]}");
    s0.first = 0;
    s0.count = 2;
    s1.kind = DLA_SEGMENT_GPU;
    std::strcpy(s1.name, "gpu0");
    s1.first = 0;
    s1.count = 1;
    s1.boundary_bytes = 500;
    s2.kind = DLA_SEGMENT_DLA;
    std::strcpy(s2.name, "{ForeignNode[conv1]}");
    s2.first = 2;
    s2.count = 2;
    s2.boundary_bytes = 250;
    dla_lgpu_layer g{};
    std::strcpy(g.name, "gpu0");
    std::strcpy(g.op_type, "Sigmoid");
    g.precision = DLA_PRECISION_FP16;
    g.out_dims[0] = g.out_dims[1] = g.out_dims[2] = g.out_dims[3] = 1;
    g.read_bytes = 1000;
    g.write_bytes = 1000;
    ASSERT_EQ(dla_loadable_add_segment(n.l, &s0, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_add_segment(n.l, &s1, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_add_segment(n.l, &s2, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_add_gpu_layer(n.l, &g, nullptr), DLA_OK);

    Rig r;
    r.cfg.gpu.int8_tops = 80;
    r.cfg.gpu.fp16_tflops = 40;
    r.cfg.gpu.reference_clock_mhz = 1000;
    r.cfg.gpu.launch_latency_us = 5;
    r.cfg.gpu.dla_gpu_sync_us = 50;
    r.cfg.memory.dram_efficiency = 0.5;
    r.cfg.num_power_modes = 1;
    r.cfg.power_modes[0].falcon_clock_mhz = 1000; // 1 falcon cycle = 1 ns
    r.cfg.power_modes[0].gpu_clock_mhz = 1000;
    r.cfg.power_modes[0].dram_bandwidth_gbps = 100; // x 0.5 = 50 B/ns sustained
    r.load(n.l);
    r.run();

    // Gate: the second conv's input address (region 2) is written only after an interrupt status read.
    long first_status = r.find('R', NVDLA_GLB_S_INTR_STATUS, 0, 0, true);
    long addr1 = r.find('W', NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x80000D00);
    ASSERT_GE(first_status, 0);
    ASSERT_GE(addr1, 0);
    EXPECT_GT(addr1, first_status) << "the second DLA subgraph was submitted before the GPU segment";

    // Falcon time = 4 ops x 100 + interrupts x 40 + GPU model:
    //   boundary into the GPU: 50 us sync + 2 x 500 B / 50 B/ns = 50020 ns
    //   GPU layer: 5 us launch + max(0 MACs, 2000 B / 50 B/ns = 40 ns) = 5040 ns
    //   boundary into conv1: 50 us + 2 x 250 / 50 = 50010 ns          total 105070 cycles at 1 GHz
    uint64_t irqs = 0;
    for (const auto &a : r.log())
        irqs += a.kind == 'I';
    EXPECT_EQ(fake_falcon_cycles(r.p), 400u + 40u * irqs + 105070u);

    // Records: the two DLA layers, the GPU layer and both boundaries, named.
    size_t count = 0;
    const dla_layer_record *rec = dla_driver_layers(r.d, &count);
    ASSERT_EQ(count, 5u);
    int gpu = 0, reformat = 0;
    for (size_t i = 0; i < count; ++i) {
        if (!std::strcmp(rec[i].engine, "GPU") && !std::strcmp(rec[i].op, "reformat"))
            reformat++;
        else if (!std::strcmp(rec[i].engine, "GPU")) {
            gpu++;
            EXPECT_STREQ(rec[i].name, "gpu0");
            EXPECT_EQ(rec[i].dram_read_bytes, 1000u);
            EXPECT_STREQ(rec[i].bound, "overhead"); // 5 us launch > 40 ns of memory time
        }
    }
    EXPECT_EQ(gpu, 1);
    EXPECT_EQ(reformat, 2);
}

TEST(SegmentsTest, StandaloneRunRefusesGpuSegments)
{
    Net n;
    two_conv_net(n, false);
    dla_lsegment s0{}, s1{};
    s0.kind = DLA_SEGMENT_DLA;
    std::strcpy(s0.name, "{ForeignNode[conv0...conv1]}");
    s0.count = 4;
    s1.kind = DLA_SEGMENT_GPU;
    std::strcpy(s1.name, "gpu0");
    s1.count = 1;
    dla_lgpu_layer g{};
    std::strcpy(g.name, "gpu0");
    std::strcpy(g.op_type, "Sigmoid");
    g.precision = DLA_PRECISION_FP16;
    g.out_dims[0] = g.out_dims[1] = g.out_dims[2] = g.out_dims[3] = 1;
    g.write_bytes = 2;
    ASSERT_EQ(dla_loadable_add_segment(n.l, &s0, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_add_segment(n.l, &s1, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_add_gpu_layer(n.l, &g, nullptr), DLA_OK);
    Rig r;
    r.cfg.gpu.int8_tops = r.cfg.gpu.fp16_tflops = r.cfg.gpu.reference_clock_mhz = 1;
    dla_driver_opts o{};
    o.standalone = true;
    dla_driver *d = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_driver_create(&r.cfg, n.l, r.p, &o, &d, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("standalone"), std::string::npos) << err.msg;
    EXPECT_EQ(d, nullptr);
}

namespace {

// An offline SDP on a 4x6x16 INT8 cube with the Y-stage LUT (and nothing else), as lut.c emits it;
// with_lut = false leaves the LUT out. Tables: LE[i] = 100 + i, LO[i] = -i (recognisable values).
void lut_net(Net &n, bool with_lut, dla_llut *out = nullptr)
{
    uint32_t a = n.region(DLA_REGION_INPUT, 384), out_r = n.region(DLA_REGION_OUTPUT, 384);
    dla_lop op{};
    op.kind = DLA_OP_SDP;
    op.layer = n.layer("Sigmoid_0");
    op.fused_parent = -1;
    dla_lsdp &s = op.u.sdp;
    s.src = mem(int32_t(a), 0, 4, 6, 16, 32, 192);
    s.dst = mem(int32_t(out_r), 0, 4, 6, 16, 32, 192);
    s.in_precision = s.out_precision = DLA_PRECISION_INT8;
    s.bs.operand_region = s.bn.operand_region = -1;
    s.out_cvt_scale = 1;
    uint32_t idx = n.op(op);
    if (!with_lut)
        return;
    dla_llut t{};
    t.op = idx;
    t.le_function = 1;
    t.le_index_select = 12;
    t.lo_index_select = 8;
    t.le_start = -131072;
    t.le_end = 131072;
    t.lo_start = -32768;
    t.lo_end = 32768;
    t.le_oflow_scale = 8192;
    t.le_oflow_shift = 15;
    t.lo_uflow_scale = -3;
    t.lo_uflow_shift = -2;
    t.hybrid_priority = 1;
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; ++i)
        t.le[i] = int16_t(100 + i);
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; ++i)
        t.lo[i] = int16_t(-i);
    EXPECT_EQ(dla_loadable_add_lut(n.l, &t, nullptr), DLA_OK);
    if (out)
        *out = t;
}

} // namespace

// NVDLA firmware's update_lut order: ACCESS_CFG (LE, WRITE, addr 0) + 65 DATA, ACCESS_CFG (LO, WRITE)
// + 257 DATA, then CFG, INFO, LE/LO START/END and the four slope registers: 2 + 65 + 257 + 10 = 334
// register writes more than the same op without the LUT, each costing falcon_cycles_per_reg_write (7
// here): 334 * 7 = 2338 controller cycles.
TEST(DriverTest, LutIsProgrammedThroughAccessCfgAndDataIn334WritesLikeNvdlaFirmware)
{
    Net plain, lut;
    lut_net(plain, false);
    dla_llut t{};
    lut_net(lut, true, &t);
    Rig r0, r1;
    r0.cfg.core.falcon_cycles_per_reg_write = r1.cfg.core.falcon_cycles_per_reg_write = 7;
    r0.load(plain.l);
    r0.run();
    r1.load(lut.l);
    r1.run();
    auto writes = [](const Rig &r) {
        size_t w = 0;
        for (const auto &a : r.log())
            w += a.kind == 'W';
        return w;
    };
    EXPECT_EQ(writes(r1) - writes(r0), 334u);
    EXPECT_EQ(fake_falcon_cycles(r1.p) - fake_falcon_cycles(r0.p), 334u * 7u);
    // LE: table id 0, access type WRITE (bit 17), address 0; then the 65 entries in order.
    long le = r1.find('W', NVDLA_SDP_S_LUT_ACCESS_CFG, 1u << 17);
    ASSERT_GE(le, 0);
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; ++i) {
        EXPECT_EQ(r1.log()[size_t(le + 1 + i)].addr, NVDLA_SDP_S_LUT_ACCESS_DATA);
        EXPECT_EQ(r1.log()[size_t(le + 1 + i)].value, uint32_t(100 + i));
    }
    // LO: table id 1 (bit 16) right after; entries -i as 16-bit two's complement.
    const FakeAccess &lo = r1.log()[size_t(le + 1 + DLA_LUT_LE_ENTRIES)];
    EXPECT_EQ(lo.addr, NVDLA_SDP_S_LUT_ACCESS_CFG);
    EXPECT_EQ(lo.value, (1u << 17) | (1u << 16));
    EXPECT_EQ(r1.log()[size_t(le + 2 + DLA_LUT_LE_ENTRIES + 256)].value, uint32_t(uint16_t(-256)));
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_CFG), 0x41);                   // LE linear (1), hybrid LO (1 << 6)
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_INFO), (8 << 16) | (12 << 8)); // LO select 8, LE select 12
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_LE_START), 0xFFFE0000);        // -131072
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_LO_END), 32768);
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_LE_SLOPE_SCALE), 8192 << 16); // oflow 8192, uflow 0
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_LE_SLOPE_SHIFT), 15 << 5);
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_LO_SLOPE_SCALE), 0xFFFD); // uflow -3
    EXPECT_EQ(r1.written(NVDLA_SDP_S_LUT_LO_SLOPE_SHIFT), 0x1E);   // uflow shift -2 in 5 bits
    // The Y stage is on with only the LUT: EW_BYPASS 0, ALU and MUL bypassed, LUT_BYPASS 0.
    EXPECT_EQ(r1.written(NVDLA_SDP_D_DP_EW_CFG), 0x12); // ALU_BYPASS (1 << 1), MUL_BYPASS (1 << 4)
    EXPECT_EQ(r0.written(NVDLA_SDP_D_DP_EW_CFG), 0x53); // all bypassed, as before LUT support
}

// ElementWise PROD: the operand cube feeds the EW MUL through its converter (E-RDMA DATA_USE MUL,
// PER_ELEMENT), the ALU is bypassed; rshr(v * ((e - 0) * 3 >> 0), 5).
TEST(DriverTest, ElementWiseProdReadsTheOperandPerElementIntoTheEwMul)
{
    Net n;
    uint32_t a = n.region(DLA_REGION_INPUT, 384), e = n.region(DLA_REGION_INPUT, 384);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 384);
    dla_lop op{};
    op.kind = DLA_OP_SDP;
    op.layer = n.layer("Mul_0");
    op.fused_parent = -1;
    dla_lsdp &s = op.u.sdp;
    s.src = mem(int32_t(a), 0, 4, 6, 16, 32, 192);
    s.dst = mem(int32_t(out), 0, 4, 6, 16, 32, 192);
    s.in_precision = s.out_precision = DLA_PRECISION_INT8;
    s.bs.operand_region = s.bn.operand_region = -1;
    s.ew.enable = 1;
    s.ew.operand = mem(int32_t(e), 0, 4, 6, 16, 32, 192);
    s.ew.alu_op = DLA_ALU_PROD;
    s.ew.cvt_scale = 3;
    s.ew.mul_enable = 1;
    s.ew.mul_shift = 5;
    s.out_cvt_scale = 1;
    n.op(op);
    Rig r;
    r.load(n.l);
    r.run();
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_ERDMA_CFG), 0x30); // use MUL (0), ONE_BYTE, PER_ELEMENT (1<<4), MC (1<<5)
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_CFG), 0x42);      // ALU_BYPASS (1<<1), MUL on, LUT_BYPASS (1<<6)
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_MUL_CFG), 1);     // SRC MEM, CVT not bypassed
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_MUL_CVT_SCALE_VALUE), 3);
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_TRUNCATE_VALUE), 5);
    EXPECT_EQ(r.written(NVDLA_SDP_D_DP_EW_ALU_CFG), 2); // ALU source REG, converter bypassed
}

// The S_LUT_* registers and the LUT RAM are single: op 1's LUT (different entries) must not be
// written while op 0 holds a register group, so its programming waits for op 0's done interrupt. With
// equal tables op 1 is programmed into the other group at once, before any interrupt (ping-pong).
TEST(DriverTest, SdpOpWithOtherTablesWaitsForTheRunningLutOpEqualTablesOverlap)
{
    for (bool differ : {true, false}) {
        Net n;
        lut_net(n, true);
        lut_net(n, true);
        if (differ)
            n.l->luts[1].lo[5] = 1234;
        Rig r;
        r.load(n.l);
        r.run();
        long first = r.find('W', NVDLA_SDP_S_LUT_ACCESS_CFG, 1u << 17);
        ASSERT_GE(first, 0);
        long second = r.find('W', NVDLA_SDP_S_LUT_ACCESS_CFG, 1u << 17, first + 1);
        ASSERT_GE(second, 0);
        long irq = r.find('I', 0, 0, 0, true);
        ASSERT_GE(irq, 0);
        if (differ)
            EXPECT_GT(second, irq) << "second LUT written before op 0 completed";
        else
            EXPECT_LT(second, irq) << "equal tables: op 1 should be programmed while op 0 runs";
    }
}

// ---- repeated inferences (docs/runtime.md "Repeated inferences") ----

// conv0+SDP (input region 1 at 0x80000A00 -> activations region 2 at 0x80000D00), then conv1+SDP
// (activations -> output region 3); ops 0 c0, 1 s0, 2 c1 (deps s0), 3 s1.
void two_layer_net(Net &n)
{
    n.blob(2368);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2368, 0, 2368);
    uint32_t in = n.region(DLA_REGION_INPUT, 768);
    uint32_t act = n.region(DLA_REGION_ACTIVATIONS, 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 384);
    uint32_t y0 = n.layer("conv0"), y1 = n.layer("conv1");
    dla_lop c0 = conv_op(y0, in, w);
    c0.u.conv.stride_x = 1;
    c0.u.conv.out_w = 8;
    c0.u.conv.kernel_k = 12;
    c0.u.conv.weight_bytes = 12 * 144;
    uint32_t i0 = n.op(c0);
    dla_lop s0 = sdp_op(y0, i0, mem(int32_t(act), 0, 8, 6, 12, 64, 384), -1);
    s0.u.sdp.src = fly(8, 6, 12);
    uint32_t i1 = n.op(s0);
    dla_lop c1 = conv_op(y1, act, w);
    c1.num_deps = 1;
    c1.deps[0] = i1;
    uint32_t i2 = n.op(c1);
    n.op(sdp_op(y1, i2, mem(int32_t(out), 0, 4, 6, 16, 32, 192), -1));
}

TEST(InferencesTest, NextInferenceIsProgrammedWhilePreviousDrainsAndWaitsOnlyOnSharedBuffers)
{
    // Two inferences: ops 0-3, then 4 c0', 5 s0', 6 c1', 7 s1'. Hazards (inference 1 on inference 0):
    // s0' writes the activations c1 reads and s0 writes; c1' reads what s0 wrote; s1' writes what s1
    // wrote; c0' reads the input, which nobody writes: no hazard. The fake completes an op when its
    // last unit is enabled. Hand-derived run:
    //  pass 1: SDP s0 (g0), s1 (g1), conv c0 (g0) programmed and enabled (s0, s1, c0 done at once);
    //          c1 (g1) programmed, waits for s0's completion.
    //  irq 1:  c0, s0, s1 complete -> c1 enabled (CACC done g1). Groups g0 of SDP and conv are free:
    //          s0' (g0) and s1' (g1) and c0' (g0) are programmed now, while c1 runs; s0' waits for c1
    //          (it would overwrite c1's input), s1' behind s0' (queue order), c0' for its fused s0'.
    //  irq 2:  c1 completes -> s0' enabled, then s1', then c0' ...; inference 0 is done here.
    Net n;
    two_layer_net(n);
    Rig r;
    dla_driver_opts o{};
    o.inferences = 2;
    dla_error err{};
    ASSERT_EQ(dla_driver_create(&r.cfg, n.l, r.p, &o, &r.d, &err), DLA_OK) << err.msg;
    r.run();
    const auto &lg = r.log();
    // The status read that reports CACC group 1 done (bit 21): c1 of inference 0 completing.
    long c1_done = -1;
    for (long i = 0; i < long(lg.size()) && c1_done < 0; ++i)
        if (lg[i].kind == 'R' && lg[i].addr == NVDLA_GLB_S_INTR_STATUS && (lg[i].value >> 21 & 1u))
            c1_done = i;
    ASSERT_GE(c1_done, 0);
    // c0' (second write of the input address to CDMA) is programmed before c1 of inference 0 completes.
    long first_in = r.find('W', NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x80000A00);
    ASSERT_GE(first_in, 0);
    long second_in = r.find('W', NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x80000A00, first_in + 1);
    ASSERT_GE(second_in, 0);
    EXPECT_LT(second_in, c1_done) << "the next inference's first conv must be pre-programmed while the previous drains";
    // The third SDP enable is s0' (the first two are s0, s1): after c1's completion, not before.
    long sdp_enables = 0, third = -1;
    for (long i = 0; i < long(lg.size()) && third < 0; ++i)
        if (lg[i].kind == 'W' && lg[i].addr == NVDLA_SDP_D_OP_ENABLE && ++sdp_enables == 3)
            third = i;
    ASSERT_GE(third, 0);
    EXPECT_GT(third, c1_done) << "s0' overwrites c1's input: it must wait for c1 of the previous inference";
    // Records: 2 inferences; each layer and op once per inference; inference 1 submitted (s0' programmed,
    // after irq 1) before inference 0 is done (irq 2).
    size_t ni = 0, nl = 0, nop = 0;
    const dla_inference_record *inf = dla_driver_inferences(r.d, &ni);
    dla_driver_layers(r.d, &nl);
    const dla_op_record *ops = dla_driver_ops(r.d, &nop);
    ASSERT_EQ(ni, 2u);
    EXPECT_EQ(nl, 4u);
    ASSERT_EQ(nop, 8u);
    EXPECT_EQ(ops[4].op_index, 0u);
    EXPECT_EQ(ops[7].op_index, 3u);
    EXPECT_EQ(inf[0].submit_cycle, 0u);
    EXPECT_GT(inf[1].submit_cycle, 0u);
    EXPECT_LT(inf[1].submit_cycle, inf[0].done_cycle);
    EXPECT_LT(inf[0].done_cycle, inf[1].done_cycle);
}

TEST(InferencesTest, CountAboveTheLimitIsRefused)
{
    Net n;
    two_layer_net(n);
    Rig r;
    dla_driver_opts o{};
    o.inferences = DLA_MAX_INFERENCES + 1;
    dla_error err{};
    EXPECT_EQ(dla_driver_create(&r.cfg, n.l, r.p, &o, &r.d, &err), DLA_ERR_LIMIT);
    EXPECT_NE(std::string(err.msg).find("4097 inferences"), std::string::npos) << err.msg;
}

TEST(InferencesTest, SecondNetworkOnTheCoreIsPlacedAfterTheFirst)
{
    // Network A's regions end at 0x80000000 + 0x1000 (output) + 384 = 0x80001180; B's weights start
    // at the next 256-B boundary, 0x80001200, so its input (region 1) is at 0x80001200 + 0xA00.
    Net a, b;
    two_layer_net(a);
    two_layer_net(b);
    Rig r;
    r.load(a.l);
    dla_driver *second = nullptr;
    dla_driver_opts o{};
    o.after = r.d;
    dla_error err{};
    ASSERT_EQ(dla_driver_create(&r.cfg, b.l, r.p, &o, &second, &err), DLA_OK) << err.msg;
    dla_controller_fn fn = dla_driver_controller;
    void *user = second;
    int core = 0;
    ASSERT_EQ(dla_platform_run(r.p, 1, &core, &fn, &user, &err), DLA_OK) << err.msg;
    EXPECT_GE(r.find('W', NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x80001C00), 0);
    dla_driver_destroy(second);
}

TEST(DriverTest, BatchedConvProgramsBatchNumberAndStridesInEveryUnit)
{
    // The conv/SDP pair of conv_sdp_net over 2 images (loadable 1.2 batch): input cube 2 surfaces x
    // 384 B = 768 B per image, output 2 x 192 = 384 B per image.
    Net n;
    n.blob(2368);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2368, 0, 2368);
    uint32_t in = n.region(DLA_REGION_INPUT, 2 * 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 2 * 384);
    uint32_t y = n.layer("Gemm_0");
    dla_lop cv = conv_op(y, in, w);
    cv.u.conv.batch = 2;
    cv.u.conv.src_batch_stride = 768;
    cv.u.conv.dst_batch_stride = 384;
    uint32_t c = n.op(cv);
    n.op(sdp_op(y, c, mem(int32_t(out), 0, 4, 6, 16, 32, 192), int32_t(w)));
    Rig r;
    r.cfg.core.features.max_batch = 2;
    r.load(n.l);
    r.run();
    EXPECT_EQ(r.written(NVDLA_CDMA_D_BATCH_NUMBER), 1);
    EXPECT_EQ(r.written(NVDLA_CDMA_D_BATCH_STRIDE), 768);
    EXPECT_EQ(r.written(NVDLA_CSC_D_BATCH_NUMBER), 1);
    EXPECT_EQ(r.written(NVDLA_CACC_D_BATCH_NUMBER), 1);
    // SDP: FLYING_MODE 1 | BATCH_NUMBER 1 << 8; the RDMA (per-kernel operand) agrees.
    EXPECT_EQ(r.written(NVDLA_SDP_D_FEATURE_MODE_CFG), 0x101);
    EXPECT_EQ(r.written(NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG), 0x101);
    EXPECT_EQ(r.written(NVDLA_SDP_D_DST_BATCH_STRIDE), 384);
}

TEST(DriverTest, BatchAboveTheConfigsHardwareBatchIsRefused)
{
    Net n;
    n.blob(2368);
    uint32_t w = n.region(DLA_REGION_WEIGHTS, 2368, 0, 2368);
    uint32_t in = n.region(DLA_REGION_INPUT, 2 * 768);
    uint32_t out = n.region(DLA_REGION_OUTPUT, 2 * 384);
    uint32_t y = n.layer("Gemm_0");
    dla_lop cv = conv_op(y, in, w);
    cv.u.conv.batch = 2;
    cv.u.conv.src_batch_stride = 768;
    cv.u.conv.dst_batch_stride = 384;
    uint32_t c = n.op(cv);
    n.op(sdp_op(y, c, mem(int32_t(out), 0, 4, 6, 16, 32, 192), int32_t(w)));
    Rig r;
    r.cfg.core.features.max_batch = 1;
    dla_error err{};
    EXPECT_NE(dla_driver_create(&r.cfg, n.l, r.p, nullptr, &r.d, &err), DLA_OK);
    EXPECT_NE(std::string(err.msg).find("features.max_batch = 1"), std::string::npos) << err.msg;
}

namespace {

// A CDP LRN (window 5) on a 4x6x16 INT8 cube (two 8-channel surfaces of 8-B atoms) from the input to
// the output region, with converters (in (v-3)*5>>1, out (v+7)*-9>>40) and its LUT: LE[i] = 100 + i,
// LO[i] = -i (recognisable values), LE start -2 (negative: HIGH half all ones), LO end 2^20.
// lut_seed changes the tables (two ops with different tables).
uint32_t cdp_net(Net &n, uint32_t in_region, uint32_t out_region, int lut_seed = 0)
{
    dla_lop op{};
    op.kind = DLA_OP_CDP;
    op.layer = n.layer("LRN_0");
    op.fused_parent = -1;
    dla_lcdp &c = op.u.cdp;
    c.src = mem(int32_t(in_region), 0, 4, 6, 16, 32, 192);
    c.dst = mem(int32_t(out_region), 0, 4, 6, 16, 32, 192);
    c.local_size = 5;
    c.in_cvt_offset = 3;
    c.in_cvt_scale = 5;
    c.in_cvt_shift = 1;
    c.out_cvt_offset = -7;
    c.out_cvt_scale = -9;
    c.out_cvt_shift = 40;
    uint32_t idx = n.op(op);
    dla_llut t{};
    t.op = idx;
    t.le_function = 1;
    t.le_index_select = 14;
    t.lo_index_select = 12;
    t.le_start = -2;
    t.le_end = 1 << 20;
    t.lo_start = 0;
    t.lo_end = 1 << 20;
    t.uflow_priority = t.hybrid_priority = 1;
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; ++i)
        t.le[i] = int16_t(100 + i + lut_seed);
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; ++i)
        t.lo[i] = int16_t(-i - lut_seed);
    EXPECT_EQ(dla_loadable_add_lut(n.l, &t, nullptr), DLA_OK);
    return idx;
}

dla_config cdp_config()
{
    dla_config c = small_config();
    c.core.features.cdp = true;
    c.core.falcon_cycles_per_reg_write = 7;
    return c;
}

size_t cdp_lut_writes(const std::vector<FakeAccess> &log, size_t from = 0, size_t to = SIZE_MAX)
{
    size_t w = 0;
    for (size_t i = from; i < log.size() && i < to; ++i)
        w += log[i].kind == 'W' && log[i].addr >= NVDLA_CDP_S_LUT_ACCESS_CFG &&
             log[i].addr <= NVDLA_CDP_S_LUT_LO_SLOPE_SHIFT;
    return w;
}

} // namespace

// NVDLA firmware's update_lut for the CDP: ACCESS_CFG (LE, WRITE, addr 0) + 65 DATA, ACCESS_CFG (LO,
// WRITE) + 257 DATA, then CFG, INFO, the eight LE/LO START/END LOW/HIGH halves (38-bit fields) and
// the four slope registers: 2 + 65 + 257 + 2 + 8 + 4 = 338 writes to S_LUT_*, each costing
// falcon_cycles_per_reg_write like every other register write.
TEST(DriverTest, CdpLutIsProgrammedIn338WritesThroughAccessCfgAndData)
{
    Net n;
    uint32_t in = n.region(DLA_REGION_INPUT, 384), out = n.region(DLA_REGION_OUTPUT, 384);
    cdp_net(n, in, out);
    ASSERT_EQ(dla_loadable_validate(n.l, nullptr), DLA_OK);
    Rig r;
    r.cfg = cdp_config();
    r.load(n.l);
    r.run();
    EXPECT_EQ(cdp_lut_writes(r.log()), 338u);
    long le = r.find('W', NVDLA_CDP_S_LUT_ACCESS_CFG, 1u << 17); // LE, WRITE, address 0
    ASSERT_GE(le, 0);
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; ++i) {
        EXPECT_EQ(r.log()[size_t(le + 1 + i)].addr, NVDLA_CDP_S_LUT_ACCESS_DATA);
        EXPECT_EQ(r.log()[size_t(le + 1 + i)].value, uint32_t(100 + i));
    }
    long lo = r.find('W', NVDLA_CDP_S_LUT_ACCESS_CFG, 1u << 17 | 1u << 16); // LO, WRITE, address 0
    ASSERT_EQ(lo, le + 1 + DLA_LUT_LE_ENTRIES);
    EXPECT_EQ(r.log()[size_t(lo + 1 + 256)].value, uint32_t(uint16_t(-256))); // int16 in the low 16 bits
    // LE_FUNCTION linear (bit 0), UFLOW (bit 4) and HYBRID (bit 6) priority LO.
    EXPECT_EQ(r.written(NVDLA_CDP_S_LUT_CFG), 0x51);
    // INFO: LE select 14 in bits 15:8, LO select 12 in bits 23:16.
    EXPECT_EQ(r.written(NVDLA_CDP_S_LUT_INFO), 14 << 8 | 12 << 16);
    EXPECT_EQ(r.written(NVDLA_CDP_S_LUT_LE_START_LOW), 0xfffffffe);
    EXPECT_EQ(r.written(NVDLA_CDP_S_LUT_LE_START_HIGH), 0x3f);
    EXPECT_EQ(r.written(NVDLA_CDP_S_LUT_LO_END_LOW), 1 << 20);
    EXPECT_EQ(r.written(NVDLA_CDP_S_LUT_LO_END_HIGH), 0);
    // LRN window 5 -> NORMALZ_LEN 1; SQSUM and MUL on; converters as two's complement fields.
    EXPECT_EQ(r.written(NVDLA_CDP_D_LRN_CFG), 1);
    EXPECT_EQ(r.written(NVDLA_CDP_D_FUNC_BYPASS), 0);
    EXPECT_EQ(r.written(NVDLA_CDP_D_DATIN_OFFSET), 3);
    EXPECT_EQ(r.written(NVDLA_CDP_D_DATIN_SCALE), 5);
    EXPECT_EQ(r.written(NVDLA_CDP_D_DATIN_SHIFTER), 1);
    EXPECT_EQ(r.written(NVDLA_CDP_D_DATOUT_OFFSET), 0xfffffff9);
    EXPECT_EQ(r.written(NVDLA_CDP_D_DATOUT_SCALE), 0xfff7);
    EXPECT_EQ(r.written(NVDLA_CDP_D_DATOUT_SHIFTER), 40);
    EXPECT_EQ(r.written(NVDLA_CDP_RDMA_D_DATA_CUBE_CHANNEL), 15);
    // Enabled downstream first: CDP, then CDP_RDMA; the CDP done bits (GLB 2/3) are unmasked.
    long e_cdp = r.find('W', NVDLA_CDP_D_OP_ENABLE, 1), e_rdma = r.find('W', NVDLA_CDP_RDMA_D_OP_ENABLE, 1);
    ASSERT_GE(e_cdp, 0);
    EXPECT_GT(e_rdma, e_cdp);
    EXPECT_EQ(r.written(NVDLA_GLB_S_INTR_MASK) & (3u << 2), 0u);
}

// The S_LUT_* registers are single: a second CDP op with a different table is programmed only after
// the first completes (its interrupt), one with the same table while the first runs (both groups).
TEST(DriverTest, CdpOpWithADifferentLutWaitsForTheRunningOneToComplete)
{
    for (int seed : {0, 1}) {
        Net n;
        uint32_t in = n.region(DLA_REGION_INPUT, 384), a = n.region(DLA_REGION_ACTIVATIONS, 384),
                 out = n.region(DLA_REGION_OUTPUT, 384);
        cdp_net(n, in, a);
        cdp_net(n, in, out, seed);
        ASSERT_EQ(dla_loadable_validate(n.l, nullptr), DLA_OK);
        Rig r;
        r.cfg = cdp_config();
        r.load(n.l);
        r.run();
        const auto &lg = r.log();
        long first_irq = r.find('I', 0, 0, 0, true);
        ASSERT_GE(first_irq, 0);
        EXPECT_EQ(cdp_lut_writes(lg), 2u * 338u) << "seed " << seed;
        // seed 0: both LUT loads before the first interrupt; seed 1: the second one after it.
        EXPECT_EQ(cdp_lut_writes(lg, 0, size_t(first_irq)), seed ? 338u : 676u) << "seed " << seed;
    }
}

// ---- on-chip SRAM regions (the compiler's SRAM pool, docs/compiler.md "On-chip SRAM") ----

// two_layer_net with its activations region (index 2) in SRAM, act_bytes long.
void two_layer_net_sram(Net &n, uint64_t act_bytes)
{
    two_layer_net(n);
    n.l->regions[2].domain = DLA_DOMAIN_SRAM;
    n.l->regions[2].size = act_bytes;
}

TEST(SramTest, SramRegionGoesToTheSramWindowAndItsSurfacesAreProgrammedAsCvif)
{
    // The activations region is the first (only) SRAM region: at the SRAM base 0x40000000 (the
    // fake platform's window, as hw/platform's). conv0's SDP writes it with DST_RAM_TYPE 0 (CV) and
    // conv1's CDMA reads it with DAIN_RAM_TYPE 0; the network input and output stay in DRAM (type 1).
    // DRAM regions skip it: weights 2368 B at 0x80000000, input at 0x80000A00, output at 0x80000D00.
    Net n;
    two_layer_net_sram(n, 768);
    Rig r;
    r.cfg.memory.sram_size_bytes = 4096;
    dla_platform_destroy(r.p);
    ASSERT_EQ(dla_platform_create(&r.cfg, nullptr, nullptr, &r.p, nullptr), DLA_OK);
    r.load(n.l);
    r.run();
    long s0 = r.find('W', NVDLA_SDP_D_DST_BASE_ADDR_LOW, 0x40000000);
    ASSERT_GE(s0, 0);
    EXPECT_GE(r.find('W', NVDLA_SDP_D_DST_DMA_CFG, 0), 0); // CV
    long c1 = r.find('W', NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x40000000);
    ASSERT_GE(c1, 0);
    EXPECT_GE(r.find('W', NVDLA_CDMA_D_DAIN_RAM_TYPE, 0), 0);             // conv1 reads SRAM
    EXPECT_GE(r.find('W', NVDLA_CDMA_D_DAIN_ADDR_LOW_0, 0x80000A00), 0);  // conv0 reads the DRAM input
    EXPECT_GE(r.find('W', NVDLA_SDP_D_DST_BASE_ADDR_LOW, 0x80000D00), 0); // conv1's SDP: DRAM output
    EXPECT_GE(r.find('W', NVDLA_SDP_D_DST_DMA_CFG, 1), 0);
}

// Network A holds 3072 B of a 4096-B SRAM; B's SRAM region starts at the next 256-B boundary, 3072:
// 1024 B fit exactly (ends at 4096), 1280 B are refused, naming B, the SRAM size, what is in use and A.
dla_status load_second(uint64_t second_bytes, dla_error *err)
{
    Net a, b;
    two_layer_net_sram(a, 3072);
    two_layer_net_sram(b, second_bytes);
    std::strcpy(a.l->network, "first");
    std::strcpy(b.l->network, "second");
    Rig r;
    r.cfg.memory.sram_size_bytes = 4096;
    dla_platform_destroy(r.p);
    EXPECT_EQ(dla_platform_create(&r.cfg, nullptr, nullptr, &r.p, nullptr), DLA_OK);
    r.load(a.l);
    dla_driver *second = nullptr;
    dla_driver_opts o{};
    o.after = r.d;
    dla_status st = dla_driver_create(&r.cfg, b.l, r.p, &o, &second, err);
    dla_driver_destroy(second);
    return st;
}

TEST(SramTest, SecondLoadableFillingTheSramExactlyIsAccepted)
{
    dla_error err{};
    EXPECT_EQ(load_second(1024, &err), DLA_OK) << err.msg;
}

TEST(SramTest, LoadablesOverflowingTheCoresSramAreRefusedNamingEach)
{
    dla_error err{};
    ASSERT_EQ(load_second(1280, &err), DLA_ERR_LIMIT);
    std::string m = err.msg;
    EXPECT_NE(m.find("network 'second'"), std::string::npos) << m;
    EXPECT_NE(m.find("1280 bytes of on-chip SRAM"), std::string::npos) << m;
    EXPECT_NE(m.find("4096-byte SRAM"), std::string::npos) << m;
    EXPECT_NE(m.find("3072 bytes are in use"), std::string::npos) << m;
    EXPECT_NE(m.find("'first' 3072 B"), std::string::npos) << m;
    EXPECT_NE(m.find("--sram-pool"), std::string::npos) << m;
}

TEST(SramTest, SramRegionOnAConfigWithoutSramIsRefused)
{
    Net n;
    two_layer_net_sram(n, 768);
    Rig r; // small_config(): memory.sram_size_bytes 0
    dla_error err{};
    EXPECT_EQ(dla_driver_create(&r.cfg, n.l, r.p, nullptr, &r.d, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("on-chip SRAM"), std::string::npos) << err.msg;
}
