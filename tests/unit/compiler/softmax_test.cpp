// Softmax on the DLA (sw/compiler/softmax.c, docs/compiler.md "Softmax"): the lowering into exp LUT
// -> all-ones 1x1 conv + -log LUT passes, the tables' geometry (lut.c), fusion, and what stays refused
// with its rule. Functional bit-exactness runs in tests/system/softmax.cmake.
#include <cmath>

#include "test_support.h"

using namespace dlatest;

namespace {

// conv 4->8 3x3 on 1x4x6x6, then Softmax over axis 1 (opset 17).
std::string conv_softmax(ScratchDir &dir)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 6, 6};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 8, 4, 3, 3, 1, 1, w_small);
    int n = tb_node(m, "Softmax", "sm", "c", "y");
    tb_attr_int(m, n, "axis", 1);
    tb_output(m, "y");
    return save(dir, m, "softmax.onnx");
}

// DLA 2 (TensorRT's Orin rules: 2:4 sparsity marks it) with the SDP LUT.
dla_config orin_softmax()
{
    dla_config c = orin_like();
    c.core.features.sdp_lut = true;
    c.core.features.sparsity_2_4 = true;
    return c;
}

dla_status compile(const std::string &p, const dla_config &cfg, dla_loadable **ld, dla_error *err,
                   dla_precision prec = DLA_PRECISION_INT8)
{
    dla_compile_opts o = opts_for(&cfg, prec);
    return dla_compile_onnx(p.c_str(), &o, ld, err);
}

const dla_llut *lut_of_layer(const dla_loadable *ld, uint32_t layer)
{
    for (uint32_t i = 0; i < ld->num_luts; i++)
        if (ld->ops[ld->luts[i].op].layer == layer)
            return &ld->luts[i];
    return nullptr;
}

} // namespace

TEST(SoftmaxTest, SoftmaxOverCIsFourLogSumExpPassesThenAnExpOfXPlusL)
{
    ScratchDir dir;
    std::string p = conv_softmax(dir);
    dla_config cfg = orin_softmax();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    // conv; pass 1: exp, conv+neglog; passes 2..4: add+exp (x + L), add+explo (its fine part), conv
    // (sum of the fine part), conv+add+neglog (sum of e, plus the fine sum, -log), add (L + l); the
    // output: add+exp. 1 + 2 + 3 * 5 + 1 = 19 layers, each LUT layer one op with its own table.
    ASSERT_EQ(ld->num_layers, 19u);
    const char *types[19] = {"conv",
                             "exp",
                             "conv+neglog",
                             "add",
                             "add",
                             "conv",
                             "conv+add+neglog",
                             "add",
                             "add",
                             "add",
                             "conv",
                             "conv+add+neglog",
                             "add",
                             "add",
                             "add",
                             "conv",
                             "conv+add+neglog",
                             "add",
                             "add"};
    for (uint32_t i = 0; i < 19; i++)
        EXPECT_STREQ(ld->layers[i].type, types[i]) << i << " " << ld->layers[i].name;
    EXPECT_STREQ(ld->layers[1].name, "sm:exp1");
    EXPECT_STREQ(ld->layers[2].name, "sm:sum1 + sm:neglog1");
    EXPECT_STREQ(ld->layers[3].name, "sm:exp2_in + sm:exp2");
    EXPECT_STREQ(ld->layers[4].name, "sm:explo2_in + sm:explo2");
    EXPECT_STREQ(ld->layers[6].name, "sm:sum2 + sm:sumall2 + sm:neglog2");
    EXPECT_STREQ(ld->layers[18].name, "sm:shift + sm");
    EXPECT_EQ(ld->num_luts, 12u); // 4 exp + 3 fine exp + 4 neglog + the output exp
    // The channel sum: a 1x1 conv with K = C = 8 outputs: 8 x 8 MACs per pixel, 36 pixels.
    EXPECT_EQ(ld->layers[2].macs, 8u * 8u * 36u);
    dla_loadable_destroy(ld);
}

TEST(SoftmaxTest, ExpTablesSpanEightBelowTheirShiftAndSaturateAtOneAbove)
{
    ScratchDir dir;
    std::string p = conv_softmax(dir);
    dla_config cfg = orin_softmax();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    // Input step h = 8 / 256 = 1/32, F = 8: LO select 8, 256 steps = 65536 input units; LE 16 steps per
    // entry (select 12), 1024 steps = 262144 units. The later passes' shift m2 = ceil(32 log 1.5) / 32 =
    // 13/32 -> 13 * 256 = 3328; the output's shift is 0.
    const dla_llut *e2 = lut_of_layer(ld, 3), *out = lut_of_layer(ld, 18);
    ASSERT_NE(e2, nullptr);
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(e2->lo_end, 3328);
    EXPECT_EQ(e2->lo_start, 3328 - 65536);
    EXPECT_EQ(e2->le_start, 3328 - 262144);
    EXPECT_EQ(out->lo_end, 0);
    EXPECT_EQ(out->lo_start, -65536);
    for (const dla_llut *t : {e2, out}) {
        EXPECT_EQ(t->lo_index_select, 8);
        EXPECT_EQ(t->le_index_select, 12);
        // LO[i] = exp((i - 256) / 32) * 32767: LO[256] = 32767, LO[224] = e^-1 * 32767 = 12054.2, LO[0] =
        // e^-8 * 32767 = 10.99; LE[0] = e^-32 * 32767 = 0.
        EXPECT_EQ(t->lo[256], 32767);
        EXPECT_EQ(t->lo[224], 12054);
        EXPECT_EQ(t->lo[0], 11);
        EXPECT_EQ(t->le[0], 0);
        EXPECT_EQ(t->le[64], 32767);
        // Above the shift both tables overflow: LO's last entry (1) with slope 0; below LE: 0.
        EXPECT_EQ(t->oflow_priority, 1u);
        EXPECT_EQ(t->uflow_priority, 0u);
        EXPECT_EQ(t->lo_oflow_scale, 0);
        EXPECT_EQ(t->le_uflow_scale, 0);
    }
    // The fine part: exp(v - m2) where 127 exp(v - m2) < 1/2, i.e. v < t0 = m2 + log(0.5 / 127) =
    // 0.40625 - 5.53733 = -5.13108 = -164.19 steps -> -165 steps (-42240 units); LO the 256 steps below,
    // LE from 512 steps below to 512 above, 0 from t0 on; LO[256] (t0) is the table maximum.
    const dla_llut *lo = lut_of_layer(ld, 4);
    ASSERT_NE(lo, nullptr);
    EXPECT_EQ(lo->lo_end, -42240);
    EXPECT_EQ(lo->lo_start, -42240 - 65536);
    EXPECT_EQ(lo->le_start, -42240 - 131072);
    EXPECT_EQ(lo->le_end, -42240 + 131072);
    EXPECT_EQ(lo->lo[256], 32767);
    EXPECT_EQ(lo->le[32], 0);     // t0
    EXPECT_EQ(lo->le[31], 19874); // t0 - 1/2: e^-0.5 * 32767 = 19874.1
    EXPECT_EQ(lo->le[64], 0);
    EXPECT_EQ(lo->oflow_priority, 0u); // above LE's end: its last entry, 0
    // The first pass's shift m1 = 127 s_x rounded up to a step: above any representable x.
    const dla_llut *e1 = lut_of_layer(ld, 1);
    ASSERT_NE(e1, nullptr);
    EXPECT_GT(e1->lo_end, 0);
    EXPECT_EQ(e1->lo_end % 256, 0);
    EXPECT_EQ(e1->lo_end - e1->lo_start, 65536);
    dla_loadable_destroy(ld);
}

TEST(SoftmaxTest, NeglogTablesHoldMinusLogOfEveryIntegerSum)
{
    ScratchDir dir;
    std::string p = conv_softmax(dir);
    dla_config cfg = orin_softmax();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    const dla_llut *first = lut_of_layer(ld, 2), *last = lut_of_layer(ld, 16);
    ASSERT_NE(first, nullptr);
    ASSERT_NE(last, nullptr);
    for (const dla_llut *t : {first, last}) {
        // LUT input v = n * 2^8 for a sum of n e-units: LO entry i at n = i.
        EXPECT_EQ(t->lo_start, 0);
        EXPECT_EQ(t->lo_end, 65536);
        EXPECT_EQ(t->lo_index_select, 8);
        // C = 8: n <= 127 * 8 = 1016; a linear LE of 64 steps of 16 units covers it (select 8 + 4) and
        // interpolates log within 16^2 / (8 * 240^2) = 5.6e-4 from n = 240 on (an exponent table: 0.06).
        EXPECT_EQ(t->le_function, 1u);
        EXPECT_EQ(t->le_index_select, 12);
        EXPECT_EQ(t->le_end, 262144);
        EXPECT_EQ(t->hybrid_priority, 1u);
        // -log(n s_e) - m, n = 0 read as 1/2: equal steps of log 2 from n = 0 to 1, 1 to 2, 2 to 4 (table
        // rounding: 1 unit), and lo[85] - lo[170] : lo[170] - lo[255] = log 2 : log 1.5.
        EXPECT_NEAR(t->lo[0] - t->lo[1], t->lo[1] - t->lo[2], 1);
        EXPECT_NEAR(t->lo[2] - t->lo[4], t->lo[1] - t->lo[2], 1);
        EXPECT_GT(t->lo[1] - t->lo[2], 0);
        EXPECT_NEAR((double)(t->lo[85] - t->lo[170]) / (t->lo[170] - t->lo[255]),
                    std::log(170.0 / 85) / std::log(255.0 / 170), 0.01);
    }
    dla_loadable_destroy(ld);
}

TEST(SoftmaxTest, SoftmaxOfAGemmIsFcSumPassesOnTheNxCTensor)
{
    ScratchDir dir;
    tb_model *m = tb_create(13);
    const int64_t in[2] = {2, 16}, wd[2] = {10, 16};
    tb_input(m, "x", 2, in);
    std::vector<float> w(160);
    for (int i = 0; i < 160; i++)
        w[(size_t)i] = 0.05f * (float)((i * 7) % 11 - 5);
    tb_init_f32(m, "w", 2, wd, w.data(), true);
    int g = tb_node(m, "Gemm", "fc", "x,w", "z");
    tb_attr_int(m, g, "transB", 1);
    tb_node(m, "Softmax", "sm", "z", "y"); // opset 13: axis -1 = 1 of N x C
    tb_output(m, "y");
    std::string p = save(dir, m, "gemm.onnx");
    dla_config cfg = orin_softmax();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ld->num_layers, 19u);
    EXPECT_STREQ(ld->layers[2].type, "fc+neglog");
    EXPECT_EQ(ld->layers[2].macs, 2u * 10u * 10u); // 2 images, K = C = 10
    dla_loadable_destroy(ld);
}

TEST(SoftmaxTest, Fp16SoftmaxIsRefusedNamingTheLutPrecisionRule)
{
    ScratchDir dir;
    std::string p = conv_softmax(dir);
    dla_config cfg = orin_softmax();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err, DLA_PRECISION_FP16), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("rule act.lut_precision"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("layer 'sm:exp1'"), std::string::npos) << err.msg;
    EXPECT_EQ(ld, nullptr);
}
