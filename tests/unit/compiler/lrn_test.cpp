// LRN on the CDP (sw/compiler/lrn.c, docs/compiler.md "LRN on the CDP"): canonicalisation to
// IR_OP_LRN, the float forward (ONNX semantics), and the INT8 table and converters it emits.
#include <cmath>

#include "test_support.h"

using namespace dlatest;

namespace {

// x (in) -> LRN(size, alpha, beta, bias) -> y, optionally behind a conv 4->32 3x3.
std::string lrn_net(ScratchDir &dir, const int64_t in[4], int size, float alpha, float beta, float bias,
                    bool conv = false)
{
    tb_model *m = tb_create(17);
    tb_input(m, "x", 4, in);
    if (conv)
        add_conv(m, "conv", "x", "c", 32, in[1], 3, 3, 1, 1, w_small);
    int n = tb_node(m, "LRN", "lrn", conv ? "c" : "x", "y");
    tb_attr_int(m, n, "size", size);
    tb_attr_float(m, n, "alpha", alpha);
    tb_attr_float(m, n, "beta", beta);
    tb_attr_float(m, n, "bias", bias);
    tb_output(m, "y");
    return save(dir, m, "lrn.onnx");
}

} // namespace

// x = (1, 2, 3) over 3 channels, size 3, alpha 3 (alpha / size = 1), beta 1, bias 1: square sums over
// the window clipped to the cube are 1+4 = 5, 1+4+9 = 14, 4+9 = 13, so y = 1/6, 2/15, 3/14.
TEST(LrnTest, FloatForwardSumsSquaresOverTheWindowInsideTheCube)
{
    ScratchDir dir;
    const int64_t in[4] = {1, 3, 1, 1};
    dla_error err{};
    ir_graph *g = run_passes(lrn_net(dir, in, 3, 3.0f, 1.0f, 1.0f), nullptr, 2, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_node *n = nullptr;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind == IR_OP_LRN)
            n = &g->nodes[i];
    ASSERT_NE(n, nullptr) << "LRN was not canonicalised";
    const float x[3] = {1, 2, 3};
    float y[3] = {};
    const int64_t d[4] = {1, 3, 1, 1};
    ir_lrn_forward(n, x, d, y);
    EXPECT_FLOAT_EQ(y[0], 1.0f / 6.0f);
    EXPECT_FLOAT_EQ(y[1], 2.0f / 15.0f);
    EXPECT_FLOAT_EQ(y[2], 3.0f / 14.0f);
    ir_graph_destroy(g);
}

// conv -> LRN(5, 1e-4, 0.75, bias 1) -> one CDP op. The table's largest value is g(0) = 1^-0.75 = 1, so
// F = floor(log2(32767 / 1)) = 14 and LO[0] = 2^14; both tables start at 0 and LE reaches the largest
// square sum 5 * 128^2 = 81920; the input converter is the identity and the output converter's
// scale * 2^-shift is s_in / (s_out * 2^14) to the converter's 15 bits.
TEST(LrnTest, Int8LrnIsOneCdpOpWithIdentityInputConverterAndATableScaledTo14FractionBits)
{
    ScratchDir dir;
    const int64_t in[4] = {1, 4, 8, 8};
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_compile_onnx(lrn_net(dir, in, 5, 1e-4f, 0.75f, 1.0f, true).c_str(), &o, &ld, &err), DLA_OK)
        << err.msg;
    int cdp = -1;
    for (uint32_t i = 0; i < ld->num_ops; i++)
        if (ld->ops[i].kind == DLA_OP_CDP) {
            EXPECT_EQ(cdp, -1) << "one CDP op";
            cdp = int(i);
        }
    ASSERT_GE(cdp, 0);
    const dla_lcdp &c = ld->ops[cdp].u.cdp;
    EXPECT_EQ(c.local_size, 5u);
    EXPECT_EQ(c.src.channels, 32u);
    EXPECT_EQ(c.in_cvt_offset, 0);
    EXPECT_EQ(c.in_cvt_scale, 1);
    EXPECT_EQ(c.in_cvt_shift, 0u);
    const dla_llut *t = dla_loadable_op_lut(ld, uint32_t(cdp));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->lo[0], 16384);
    EXPECT_EQ(t->lo_start, 0);
    EXPECT_EQ(t->le_function, 1u);
    EXPECT_GE(int64_t(t->le_end), 81920);
    EXPECT_LE(int64_t(t->le_start), int64_t(t->lo_end)); // no gap between the tables
    ASSERT_GT(c.src_scale, 0.0f);
    ASSERT_GT(c.dst_scale, 0.0f);
    const double want = double(c.src_scale) / (double(c.dst_scale) * 16384.0);
    const double have = std::ldexp(double(c.out_cvt_scale), -int(c.out_cvt_shift));
    EXPECT_GE(c.out_cvt_scale, 16384); // 15 significant bits
    EXPECT_NEAR(have / want, 1.0, 1.0 / 16384);
    dla_loadable_destroy(ld);
}
