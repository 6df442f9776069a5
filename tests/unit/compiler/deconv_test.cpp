// General ConvTranspose on the DLA (sw/compiler/deconv.c, docs/compiler.md "Deconvolution and Resize"):
// the lowered graph (phase convolution + RUBIK contract + crop), run by the C reference executor, must
// equal ConvTranspose computed here straight from the ONNX definition (every input pixel scattered
// through every kernel tap), for kernels that are and are not multiples of the stride, pads and
// output_padding; and the lowering's geometry, derived by hand below.
#include <cmath>
#include <vector>

#include "tests/unit/compiler/test_support.h"

extern "C" {
#include "sw/compiler/graph.h"
}

using namespace dlatest;

namespace {

struct DeconvCase {
    int C, K, H, W, kh, kw, s;
    int pt, pl, pb, pr, oph, opw;
};

int64_t out_extent(int in, int s, int k, int p0, int p1, int op)
{
    return (int64_t)(in - 1) * s + k - p0 - p1 + op; // ONNX ConvTranspose output size
}

std::string build(ScratchDir &dir, const DeconvCase &c, std::vector<float> &w, std::vector<float> &b)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, c.C, c.H, c.W}, wd[4] = {c.C, c.K, c.kh, c.kw}, bd[1] = {c.K};
    tb_input(m, "x", 4, in);
    w.resize((size_t)c.C * c.K * c.kh * c.kw);
    for (size_t i = 0; i < w.size(); i++)
        w[i] = (float)((i * 7919) % 61) / 30.0f - 1.0f;
    b.resize((size_t)c.K);
    for (int k = 0; k < c.K; k++)
        b[(size_t)k] = 0.1f * (float)(k % 5) - 0.2f;
    tb_init_f32(m, "w", 4, wd, w.data(), true);
    tb_init_f32(m, "b", 1, bd, b.data(), true);
    int n = tb_node(m, "ConvTranspose", "up", "x,w,b", "y");
    const int64_t st[2] = {c.s, c.s}, pd[4] = {c.pt, c.pl, c.pb, c.pr}, op[2] = {c.oph, c.opw};
    tb_attr_ints(m, n, "strides", 2, st);
    tb_attr_ints(m, n, "pads", 4, pd);
    tb_attr_ints(m, n, "output_padding", 2, op);
    tb_output(m, "y");
    std::string p = dir.file("deconv.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    return p;
}

void check_against_onnx_definition(const DeconvCase &c)
{
    ScratchDir dir;
    dla_config cfg = orin_like();
    cfg.core.features.rubik = true;
    std::vector<float> w, b;
    dla_error err{};
    ir_graph *g = run_passes(build(dir, c, w, b), &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(g->nodes[find_node(g, "up")].kind, IR_OP_RUBIK);
    const int64_t OH = out_extent(c.H, c.s, c.kh, c.pt, c.pb, c.oph),
                  OW = out_extent(c.W, c.s, c.kw, c.pl, c.pr, c.opw);
    std::vector<float> x((size_t)c.C * c.H * c.W);
    for (size_t i = 0; i < x.size(); i++)
        x[i] = (float)((i * 104729) % 2003) / 1001.0f - 1.0f;
    const float *inputs[1] = {x.data()};
    float *outs[1] = {nullptr};
    ASSERT_EQ(ir_reference_forward(g, inputs, false, outs, &err), DLA_OK) << err.msg;
    // ONNX: full[k][i*s + r][j*s + q] += x[c][i][j] * w[c][k][r][q] over the uncropped output
    // ((H-1)*s + kh + output_padding rows), then the pads cropped, plus the bias.
    const int64_t FH = (int64_t)(c.H - 1) * c.s + c.kh + c.oph, FW = (int64_t)(c.W - 1) * c.s + c.kw + c.opw;
    std::vector<double> full((size_t)(c.K * FH * FW), 0.0);
    for (int ci = 0; ci < c.C; ci++)
        for (int k = 0; k < c.K; k++)
            for (int i = 0; i < c.H; i++)
                for (int j = 0; j < c.W; j++)
                    for (int r = 0; r < c.kh; r++)
                        for (int q = 0; q < c.kw; q++)
                            full[(size_t)((k * FH + i * c.s + r) * FW + j * c.s + q)] +=
                                (double)x[(size_t)((ci * c.H + i) * c.W + j)] *
                                w[(size_t)(((ci * c.K + k) * c.kh + r) * c.kw + q)];
    size_t differ = 0;
    for (int k = 0; k < c.K; k++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double want = full[(size_t)((k * FH + oy + c.pt) * FW + ox + c.pl)] + b[(size_t)k];
                double got = outs[0][(size_t)((k * OH + oy) * OW + ox)];
                // float sums in another order: a few ulps of the largest partial sum (< 64 terms of |.| <= 1)
                if (std::fabs(got - want) > 1e-4 && ++differ <= 5)
                    ADD_FAILURE() << "k " << k << " y " << oy << " x " << ox << ": " << got << " vs " << want;
            }
    EXPECT_EQ(differ, 0u);
    std::free(outs[0]);
    ir_graph_destroy(g);
}

} // namespace

TEST(DeconvLoweringTest, KernelFourStrideTwoPadOneEqualsTheOnnxDefinition)
{
    check_against_onnx_definition({3, 5, 5, 4, 4, 4, 2, 1, 1, 1, 1, 0, 0});
}

TEST(DeconvLoweringTest, KernelThreeStrideOnePadOneEqualsTheOnnxDefinition)
{
    check_against_onnx_definition({4, 3, 6, 5, 3, 3, 1, 1, 1, 1, 1, 0, 0});
}

TEST(DeconvLoweringTest, KernelTwoStrideTwoOutputPaddingOneEqualsTheOnnxDefinition)
{
    check_against_onnx_definition({2, 3, 5, 4, 2, 2, 2, 0, 0, 0, 0, 1, 1});
}

TEST(DeconvLoweringTest, KernelsNotAMultipleOfTheStrideWithAsymmetricPadsEqualTheOnnxDefinition)
{
    check_against_onnx_definition({3, 4, 5, 6, 3, 5, 2, 1, 2, 0, 1, 1, 0});
    check_against_onnx_definition({2, 3, 4, 5, 5, 5, 3, 2, 1, 3, 0, 2, 1});
    check_against_onnx_definition({2, 2, 4, 3, 1, 1, 3, 0, 0, 0, 0, 2, 1}); // kernel smaller than stride
}

// k 4, s 2, pad 1 (H 5): T = ceil(4/2) = 2 taps per phase; phase p reads shift c = (p + 1) div 2, so
// c in {0, 1}: phase kernel 2 + 1 = 3, top padding T - 1 - c_min = 1. Output 2*4 + 4 - 2 = 10 = 5 * 2
// rows: the phase conv gives 5 rows (5 + 1 - 3 + 1 = 4 naturally, so bottom padding 1), no crop.
// Phase 0 (output row 2q) = w[3] x[q-1] + w[1] x[q]: kernel rows u 0, 1 hold taps 3, 1, row 2 zero.
// k 2, s 2, output_padding 1 (H 5): 11 rows = 6 stride groups minus 1: one row of crop (pad_h 1).
TEST(DeconvLoweringTest, PhaseConvolutionGeometryAndCropFollowTheDerivation)
{
    ScratchDir dir;
    dla_config cfg = orin_like();
    cfg.core.features.rubik = true;
    std::vector<float> w, b;
    dla_error err{};
    ir_graph *g = run_passes(build(dir, {1, 1, 5, 5, 4, 4, 2, 1, 1, 1, 1, 0, 0}, w, b), &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_node &cv = g->nodes[find_node(g, "up:conv")];
    EXPECT_EQ(cv.conv.kh, 3);
    EXPECT_EQ(cv.conv.kw, 3);
    EXPECT_EQ(cv.conv.pt, 1);
    EXPECT_EQ(cv.conv.pb, 1);
    EXPECT_EQ(cv.conv.k, 32 * 4); // Kp 32 (one INT8 surface) x 2 x 2 phases
    EXPECT_EQ(g->tensors[cv.out[0]].dims[2], 5);
    EXPECT_EQ(g->tensors[ir_tensor_find(g, "y")].pad_h, 0);
    const float *wf = g->tensors[cv.conv.weight].f;
    // phase (0, 0), kernel 0, channel 0: W'[u][v] = w[tap(u)][tap(v)] with taps {3, 1, none}
    EXPECT_EQ(wf[0 * 3 + 0], w[3 * 4 + 3]);
    EXPECT_EQ(wf[1 * 3 + 1], w[1 * 4 + 1]);
    EXPECT_EQ(wf[0 * 3 + 1], w[3 * 4 + 1]);
    EXPECT_EQ(wf[2 * 3 + 0], 0.0f);
    ir_graph_destroy(g);

    ScratchDir dir2;
    g = run_passes(build(dir2, {1, 1, 5, 5, 2, 2, 2, 0, 0, 0, 0, 1, 1}, w, b), &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_tensor &y = g->tensors[ir_tensor_find(g, "y")];
    EXPECT_EQ(y.dims[2], 11);
    EXPECT_EQ(y.pad_h, 1);
    EXPECT_EQ(y.pad_w, 1);
    ir_graph_destroy(g);
}
