// Linear Resize on the DLA (sw/compiler/resize_linear.c, docs/compiler.md "Linear Resize"): the lowered
// graph (exclusive-mean pools, phase convolutions summed by the SDP, RUBIK contract), run by the C
// reference executor, must equal bilinear Resize computed here from the ONNX definition (coordinate
// transform, clamp to the border, interpolate between the two neighbours), with exact border clamping.
#include <cmath>
#include <vector>

#include "tests/unit/compiler/test_support.h"

extern "C" {
#include "sw/compiler/graph.h"
}

using namespace dlatest;

namespace {

// Orin-like DLA 2 target (TensorRT runs linear Resize on DLA 2 only: 2:4 sparsity marks it) with RUBIK.
dla_config dla2_rubik()
{
    dla_config c = orin_like();
    c.core.features.sparsity_2_4 = true;
    c.core.features.rubik = true;
    return c;
}

std::string build(ScratchDir &dir, int C, int H, int W, int sy, int sx, const char *ctm)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, C, H, W}, sd[1] = {4};
    tb_input(m, "x", 4, in);
    const float sc[4] = {1, 1, (float)sy, (float)sx};
    tb_init_f32(m, "scales", 1, sd, sc, true);
    int n = tb_node(m, "Resize", "up", "x,,scales", "y");
    tb_attr_string(m, n, "mode", "linear");
    tb_attr_string(m, n, "coordinate_transformation_mode", ctm);
    tb_output(m, "y");
    std::string p = dir.file("linear.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    return p;
}

// ONNX: input coordinate of output o; clamped to [0, n - 1]; interpolated between floor and floor + 1.
double coord(int o, int s, int n, bool half)
{
    double c = half ? (o + 0.5) / s - 0.5 : (double)o / s;
    return std::fmin(std::fmax(c, 0.0), (double)(n - 1));
}

void check_against_onnx_definition(int C, int H, int W, int sy, int sx, const char *ctm)
{
    ScratchDir dir;
    dla_config cfg = dla2_rubik();
    dla_error err{};
    ir_graph *g = run_passes(build(dir, C, H, W, sy, sx, ctm), &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(g->nodes[find_node(g, "up")].kind, IR_OP_RUBIK);
    std::vector<float> x((size_t)C * H * W);
    for (size_t i = 0; i < x.size(); i++)
        x[i] = (float)((i * 104729) % 2003) / 1001.0f - 1.0f;
    const float *inputs[1] = {x.data()};
    float *outs[1] = {nullptr};
    ASSERT_EQ(ir_reference_forward(g, inputs, false, outs, &err), DLA_OK) << err.msg;
    const bool half = std::strcmp(ctm, "asymmetric") != 0;
    const int OH = H * sy, OW = W * sx;
    size_t differ = 0;
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                double cy = coord(oy, sy, H, half), cx = coord(ox, sx, W, half);
                int y0 = (int)std::floor(cy), x0 = (int)std::floor(cx);
                int y1 = std::min(y0 + 1, H - 1), x1 = std::min(x0 + 1, W - 1);
                double fy = cy - y0, fx = cx - x0;
                auto at = [&](int yy, int xx) { return (double)x[(size_t)((c * H + yy) * W + xx)]; };
                double want = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
                              fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
                double got = outs[0][(size_t)((c * OH + oy) * OW + ox)];
                if (std::fabs(got - want) > 1e-5 && ++differ <= 5)
                    ADD_FAILURE() << ctm << " c " << c << " y " << oy << " x " << ox << ": " << got << " vs " << want;
            }
    EXPECT_EQ(differ, 0u);
    std::free(outs[0]);
    ir_graph_destroy(g);
}

} // namespace

TEST(ResizeLinearLoweringTest, HalfPixelTimesTwoEqualsTheOnnxDefinitionBordersIncluded)
{
    check_against_onnx_definition(3, 5, 4, 2, 2, "half_pixel");
}

TEST(ResizeLinearLoweringTest, AsymmetricAndPytorchHalfPixelEqualTheOnnxDefinition)
{
    check_against_onnx_definition(2, 4, 5, 2, 2, "asymmetric");
    check_against_onnx_definition(2, 3, 4, 3, 2, "pytorch_half_pixel");
}

TEST(ResizeLinearLoweringTest, ScaleFourAndScaleOneOnAnAxisEqualTheOnnxDefinition)
{
    check_against_onnx_definition(2, 3, 3, 4, 4, "half_pixel");
    check_against_onnx_definition(2, 1, 4, 4, 1, "asymmetric"); // one input row: both borders at once
}

// half_pixel x2: phases d = -1/4, +1/4 -> (alpha, beta, e) = (1/2, 1/2, 0) and (1/2, 1/2, 1): four terms
// (x, row mean, column mean, 2x2 mean) with weights 1/4 each; the row mean pools 2x1 with one padding row
// on both sides and the padding left out of the count.
TEST(ResizeLinearLoweringTest, HalfPixelTimesTwoUsesThreeExclusiveMeansAndQuarterWeights)
{
    ScratchDir dir;
    dla_config cfg = dla2_rubik();
    dla_error err{};
    ir_graph *g = run_passes(build(dir, 1, 4, 4, 2, 2, "half_pixel"), &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_node &my = g->nodes[find_node(g, "up:mean_y")];
    EXPECT_EQ(my.kind, IR_OP_POOL);
    EXPECT_EQ(my.pool.kh, 2);
    EXPECT_EQ(my.pool.kw, 1);
    EXPECT_EQ(my.pool.pt, 1);
    EXPECT_EQ(my.pool.pb, 1);
    EXPECT_FALSE(my.pool.count_include_pad);
    EXPECT_EQ(g->tensors[my.out[0]].dims[2], 5);
    const ir_node &pm = g->nodes[find_node(g, "up:phase_mean_yx")];
    EXPECT_EQ(pm.conv.kh, 2);
    const float *wf = g->tensors[pm.conv.weight].f;
    // phase (1, 1) (channel (1*2+1)*32 + 0) reads the 2x2 mean at (q + 1, q + 1): tap (1, 1) = 1/4
    EXPECT_EQ(wf[((3 * 32 + 0) * 1 + 0) * 4 + 1 * 2 + 1], 0.25f);
    EXPECT_EQ(wf[((3 * 32 + 0) * 1 + 0) * 4 + 0], 0.0f);
    // phase (0, 0) reads it at (q, q)
    EXPECT_EQ(wf[0], 0.25f);
    ir_graph_destroy(g);
}
