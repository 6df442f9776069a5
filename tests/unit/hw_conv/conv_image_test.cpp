// Image-input (pixel) convolution: functional results against the independent NCHW reference for
// each supported pixel layout, cycle counts derived by hand from the same rules as
// conv_timing_test.cpp (memory, CBUF and pipeline latencies are described there), and the
// registers the model refuses. Channel extension: a stripe takes R x ceil(S * pixel_bytes / AtomC)
// steps instead of R x S x ceil(C / AtomC).
#include <gtest/gtest.h>

#include <string>
#include <systemc>

#include "conv_harness.h"

using namespace convtest;
using dlasim::hw::kIrqCacc;
using dlasim::hw::kIrqCdmaData;
using dlasim::hw::kIrqCdmaWeight;

namespace {

ConvSpec image(uint32_t w, uint32_t h, uint32_t c, uint32_t k, uint32_t rs, uint32_t pixel_format)
{
    ConvSpec s;
    s.in_w = w;
    s.in_h = h;
    s.in_c = c;
    s.k = k;
    s.r = s.s = rs;
    s.image = true;
    s.pixel_format = pixel_format;
    s.in_addr = 0x10000;
    s.weight_addr = 0x100000;
    return s;
}

void run_and_compare(const dla_config &cfg, ConvSpec c, uint32_t seed)
{
    auto input = random_int8(static_cast<size_t>(c.in_c) * c.in_h * c.in_w, seed);
    auto weights = random_int8(static_cast<size_t>(c.k) * c.in_c * c.r * c.s, seed + 1);
    ConvBench bench("bench", cfg, BenchOptions{}, {c});
    write_input(cfg, c, input, bench.dram);
    write_weights(cfg, c, weights, bench.dram);
    sc_core::sc_start();
    auto expect = reference_conv(c, input, weights);
    const SinkLayer &o = bench.out.at(0);
    ASSERT_EQ(o.values.size(), expect.size());
    size_t wrong = 0;
    for (size_t i = 0; i < expect.size(); ++i) {
        EXPECT_EQ(o.writes[i], 1) << "output " << i;
        if (o.values[i] != expect[i] && ++wrong <= 5)
            ADD_FAILURE() << "output [k][p] index " << i << ": got " << o.values[i] << ", reference " << expect[i];
    }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(bench.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS),
              static_cast<uint64_t>(c.out_w()) * c.out_h() * c.k * c.in_c * c.r * c.s);
}

// Runs a layer the model must refuse and returns the error message.
std::string refusal(const dla_config &cfg, const ConvSpec &c)
{
    BenchOptions opt;
    opt.functional = false;
    ConvBench bench("bench", cfg, opt, {c});
    try {
        sc_core::sc_start();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(ConvImageTest, OrinRgbx7x7Stride2Pad3WithPadValueMatchesReference)
{
    // conv1-like: 3 channels in T_A8B8G8R8 (4-byte pixels), S*4 = 28 extended channels <= AtomC 64.
    ConvSpec c = image(21, 13, 3, 20, 7, 12);
    c.stride_x = c.stride_y = 2;
    c.pad_l = c.pad_r = c.pad_t = c.pad_b = 3;
    c.pad_value = -5;
    c.weight_banks = 2;
    run_and_compare(orin_like(), c, 11);
}

TEST(ConvImageTest, NvSmallRgbaWithPixelXOffsetSpansTwoExtendedChannelBlocks)
{
    // 4 channels in T_R8G8B8A8 (byte order A B G R), lines start 1 pixel into the atom; S*4 = 12
    // extended channels -> 2 blocks of AtomC 8; 11 kernels = one full and one ragged group of 8.
    ConvSpec c = image(9, 6, 4, 11, 3, 15);
    c.pixel_x_offset = 1;
    c.stride_x = 2;
    c.pad_l = 1;
    c.pad_t = c.pad_b = 1;
    run_and_compare(nv_small_like(), c, 21);
}

TEST(ConvImageTest, NvSmallGreyscaleR8MatchesReference)
{
    // T_R8: 1-byte pixels, 5x5 kernel -> 5 extended channels in one block.
    ConvSpec c = image(12, 7, 1, 8, 5, 0);
    c.pad_l = c.pad_r = 2;
    c.pad_value = 7;
    run_and_compare(nv_small_like(), c, 31);
}

TEST(ConvImageTest, NvSmallStripeTakesRTimesExtendedBlocksSteps)
{
    // 16x4x3 T_A8B8G8R8, 3x3x3x8 -> 14x2 = 28 points: stripes 8, 8, 12.
    // Extended channels 3 x 4 = 12 -> 2 blocks of AtomC 8: 3 x 2 = 6 steps per stripe (direct
    // convolution would take 3 x 3 x 1 = 9).
    // Weights (NVDLA's DC layout, last block 12 mod 8 = 4 channels unpadded): 8 kernels x 12 extended
    // channels x R 3 = 288 B, padded to 384 B = 12 requests of 32 B: arrive 12 + 20 + 3 = 35.
    // A line is 16 x 4 = 64 B = 2 requests: line h usable at 2h + 2 + 20 + 3, line 3 at 31.
    // CSC starts at 35 (stall_mem 35): 6 x max(8, 8) + 6 x 8 + 6 x 12 = 168 -> 203; output at 233.
    dla_config cfg = nv_small_like();
    BenchOptions opt;
    opt.functional = false;
    ConvBench b("bench", cfg, opt, {image(16, 4, 3, 8, 3, 12)});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCdmaData), 31u);
    EXPECT_EQ(b.irq.cycle(kIrqCdmaWeight), 35u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 233u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 168u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_MEM), 35u);
    EXPECT_EQ(b.ext(NVDLA_CDMA_BASE, 0, DLASIM_EXT_PERF_DRAM_READ), 4u * 64 + 384);
    // Useful MACs: 28 points x 8 kernels x 3 channels x 9; issued: 28 x 6 atomic ops x 8 x 8.
    EXPECT_EQ(b.ext(NVDLA_CACC_BASE, 0, DLASIM_EXT_PERF_MACS), 28u * 8 * 3 * 9);
    EXPECT_EQ(b.stat("dla0.cmac.mac_ops"), 28u * 6 * 8 * 8);
    EXPECT_EQ(b.stat("dla0.csc.atomic_ops"), 28u * 6);
    // CBUF: 4 slices of 64 B + 384 B of weights written; read one 8-B atom per atomic op plus
    // 18 step loads (6 per stripe) x 8 kernels x 8 B.
    EXPECT_EQ(b.stat("dla0.cbuf.write_bytes"), 4u * 64 + 384);
    EXPECT_EQ(b.stat("dla0.cbuf.read_bytes"), 168u * 8 + 18 * 64);
}

TEST(ConvImageTest, OrinConv1LikeLayerTakesSevenStepsInsteadOfFortyNine)
{
    // 32x8x3 T_A8B8G8R8, 7x7 stride 2 pad 3, 64 kernels -> 16x4 = 64 points: one stripe (<= 255).
    // Extended channels 7 x 4 = 28 <= AtomC 64: 7 steps x max(64, weight load 128) = 896 cycles
    // (direct convolution: 49 x 128 = 6272).
    // Weights (NVDLA's DC layout, the 28-channel block unpadded): 64 x 28 x 7 = 12544 B (a multiple
    // of 128) = 196 requests of 64 B at 64 B/cycle: arrive 196 + 20 + 3 = 219.
    // A line is 32 x 4 = 128 B = 2 requests: line 7 usable at 14 + 2 + 23 = 39.
    // CSC: stall_mem 219, issue 219 + 896 = 1115, output at 1145.
    dla_config cfg = orin_like();
    ConvSpec c = image(32, 8, 3, 64, 7, 12);
    c.stride_x = c.stride_y = 2;
    c.pad_l = c.pad_r = c.pad_t = c.pad_b = 3;
    c.weight_banks = 2; // more than the 12544 B need: the layout does not depend on spare banks
    BenchOptions opt;
    opt.functional = false;
    opt.bytes_per_cycle = 64;
    ConvBench b("bench", cfg, opt, {c});
    sc_core::sc_start();
    EXPECT_EQ(b.irq.cycle(kIrqCdmaData), 39u);
    EXPECT_EQ(b.irq.cycle(kIrqCdmaWeight), 219u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_BUSY), 896u);
    EXPECT_EQ(b.ext(NVDLA_CSC_BASE, 0, DLASIM_EXT_PERF_STALL_MEM), 219u);
    EXPECT_EQ(b.irq.cycle(kIrqCacc), 1145u);
    EXPECT_EQ(b.stat("dla0.csc.atomic_ops"), 64u * 7);
    // 448 atomic ops x 64 B + 7 step loads x 64 kernels x 64 B.
    EXPECT_EQ(b.stat("dla0.cbuf.read_bytes"), 448u * 64 + 7 * 64 * 64);
}

TEST(ConvImageTest, UnsupportedPixelFormatIsRefusedNamingTheRegister)
{
    ConvSpec c = image(8, 4, 3, 8, 3, 6); // T_A16B16G16R16
    std::string msg = refusal(nv_small_like(), c);
    EXPECT_NE(msg.find("D_DATAIN_FORMAT.PIXEL_FORMAT = 6"), std::string::npos) << msg;
}

TEST(ConvImageTest, UnsignedPixelsAreRefusedAsTheConverterIsNotModelled)
{
    ConvSpec c = image(8, 4, 3, 8, 3, 12);
    c.sign_override = 0;
    std::string msg = refusal(nv_small_like(), c);
    EXPECT_NE(msg.find("PIXEL_SIGN_OVERRIDE = 0"), std::string::npos) << msg;
}

TEST(ConvImageTest, ImageInputIsRefusedWithoutTheConfigFeature)
{
    dla_config cfg = nv_small_like();
    cfg.core.features.image_input = false;
    std::string msg = refusal(cfg, image(8, 4, 3, 8, 3, 12));
    EXPECT_NE(msg.find("features.image_input"), std::string::npos) << msg;
}

TEST(ConvImageTest, HorizontalDilationIsRefused)
{
    ConvSpec c = image(12, 4, 3, 8, 3, 12);
    c.dil_x = 2;
    std::string msg = refusal(nv_small_like(), c);
    EXPECT_NE(msg.find("X_DILATION_EXT+1 = 2"), std::string::npos) << msg;
}
