// GPU fallback partitioning (sw/compiler/partition.c): DLA subgraphs between GPU layers, the
// offender list without --allowGPUFallback, TensorRT's 16-subgraph limit, and the loadable's
// segment table surviving a write/read round trip.
#include <cmath>
#include <cstdlib>

#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

// x (1x8x4x4) -> conv0 -> [op_i -> conv_i] x n: n + 1 DLA convs separated by n nodes of type op.
std::string chain(ScratchDir &dir, int n, const char *op, const char *file)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 8, 4, 4};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv0", "x", "c0", 8, 8, 3, 3, 1, 1, w_small);
    std::string prev = "c0";
    for (int i = 1; i <= n; i++) {
        std::string g = "g" + std::to_string(i), c = "c" + std::to_string(i);
        std::string opn = std::string(op) + std::to_string(i), cn = "conv" + std::to_string(i);
        tb_node(m, op, opn.c_str(), prev.c_str(), g.c_str());
        add_conv(m, cn.c_str(), g.c_str(), c.c_str(), 8, 8, 3, 3, 1, 1, w_small);
        prev = c;
    }
    tb_output(m, prev.c_str());
    std::string p = dir.file(file);
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    return p;
}

} // namespace

TEST(PartitionTest, GpuLayerBetweenConvsSplitsTheNetworkIntoTwoDlaSubgraphs)
{
    ScratchDir dir;
    std::string p = chain(dir, 1, "Sigmoid", "split.onnx");
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg, DLA_PRECISION_FP16); // FP16: no calibration of the GPU layer
    o.allow_gpu_fallback = true;
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_compile_onnx(p.c_str(), &o, &ld, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ld->num_segments, 3u);
    EXPECT_EQ(ld->segments[0].kind, (uint32_t)DLA_SEGMENT_DLA);
    EXPECT_STREQ(ld->segments[0].name, "{ForeignNode[conv0]}");
    EXPECT_EQ(ld->segments[1].kind, (uint32_t)DLA_SEGMENT_GPU);
    EXPECT_STREQ(ld->segments[2].name, "{ForeignNode[conv1]}");
    ASSERT_EQ(ld->num_gpu_layers, 1u);
    EXPECT_STREQ(ld->gpu_layers[0].name, "Sigmoid1");
    EXPECT_STREQ(ld->gpu_layers[0].op_type, "Sigmoid");
    // Each boundary reformats the 1x8x4x4 tensor crossing it: 128 elements x 2 B (FP16) = 256 B.
    EXPECT_EQ(ld->segments[1].boundary_bytes, 256u);
    EXPECT_EQ(ld->segments[2].boundary_bytes, 256u);
    EXPECT_EQ(ld->segments[0].boundary_bytes, 0u);
    // The DLA subgraphs partition the ops: the second starts where the first ends.
    EXPECT_EQ(ld->segments[0].first, 0u);
    EXPECT_EQ(ld->segments[2].first, ld->segments[0].count);
    EXPECT_EQ(ld->segments[2].first + ld->segments[2].count, ld->num_ops);
    EXPECT_EQ(dla_loadable_dla_segments(ld), 2u);

    // Round trip through the 1.1 byte format keeps the table.
    std::string f = dir.file("split.dlal");
    ASSERT_EQ(dla_loadable_write_file(ld, f.c_str(), &err), DLA_OK) << err.msg;
    dla_loadable *back = nullptr;
    ASSERT_EQ(dla_loadable_read_file(f.c_str(), &back, &err), DLA_OK) << err.msg;
    ASSERT_EQ(back->num_segments, 3u);
    EXPECT_STREQ(back->segments[1].name, ld->segments[1].name);
    EXPECT_EQ(back->gpu_layers[0].write_bytes, ld->gpu_layers[0].write_bytes);
    EXPECT_EQ(back->gpu_layers[0].out_dims[1], 8u);

    // A segment that does not start where the previous one of its device ended is refused.
    back->segments[2].first += 1;
    EXPECT_EQ(dla_loadable_validate(back, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("segment 2"), std::string::npos) << err.msg;
    dla_loadable_destroy(back);
    dla_loadable_destroy(ld);
}

TEST(PartitionTest, WithoutTheFlagEveryIllegalLayerIsListedInOneError)
{
    ScratchDir dir;
    std::string p = chain(dir, 2, "Sigmoid", "two.onnx");
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg, DLA_PRECISION_FP16);
    dla_loadable *ld = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_compile_onnx(p.c_str(), &o, &ld, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_EQ(ld, nullptr);
    std::string msg = err.msg;
    EXPECT_NE(msg.find("2 layers cannot run on the DLA without GPU fallback (--allowGPUFallback)"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("node 'Sigmoid1' (Sigmoid)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("node 'Sigmoid2' (Sigmoid)"), std::string::npos) << msg;
}

TEST(PartitionTest, SeventeenDlaSubgraphsExceedTensorRTsLimitOf16)
{
    ScratchDir dir;
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg, DLA_PRECISION_FP16);
    o.allow_gpu_fallback = true;
    dla_error err{};
    dla_loadable *ld = nullptr;
    // 15 GPU layers: 16 DLA subgraphs, the most TensorRT allows per core.
    std::string ok = chain(dir, 15, "Sigmoid", "sixteen.onnx");
    ASSERT_EQ(dla_compile_onnx(ok.c_str(), &o, &ld, &err), DLA_OK) << err.msg;
    EXPECT_EQ(dla_loadable_dla_segments(ld), 16u);
    dla_loadable_destroy(ld);
    ld = nullptr;
    // 16 GPU layers: 17 subgraphs.
    std::string bad = chain(dir, 16, "Sigmoid", "seventeen.onnx");
    EXPECT_EQ(dla_compile_onnx(bad.c_str(), &o, &ld, &err), DLA_ERR_LIMIT);
    EXPECT_EQ(ld, nullptr);
    EXPECT_NE(std::string(err.msg).find("more than 16 DLA subgraphs (subgraph 17 is {ForeignNode[conv16]})"),
              std::string::npos)
        << err.msg;
}

TEST(PartitionTest, ElementwiseOnlyRegionBetweenGpuLayersStaysOnTheGpu)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 8, 4, 4};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv0", "x", "c0", 8, 8, 3, 3, 1, 1, w_small);
    tb_node(m, "Sigmoid", "sig1", "c0", "s1");
    tb_node(m, "Relu", "relu", "s1", "r");
    tb_node(m, "Sigmoid", "sig2", "r", "s2");
    add_conv(m, "conv1", "s2", "y", 8, 8, 3, 3, 1, 1, w_small);
    tb_output(m, "y");
    std::string p = dir.file("ew.onnx");
    ASSERT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg, DLA_PRECISION_FP16);
    o.allow_gpu_fallback = true;
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_compile_onnx(p.c_str(), &o, &ld, &err), DLA_OK) << err.msg;
    // The ReLU alone would be a third DLA subgraph with two reformats: it joins the GPU run.
    EXPECT_EQ(dla_loadable_dla_segments(ld), 2u);
    ASSERT_EQ(ld->num_gpu_layers, 3u);
    EXPECT_STREQ(ld->gpu_layers[1].name, "relu");
    dla_loadable_destroy(ld);
}

TEST(PartitionTest, CalibrationRunsGroupNormOnTheGpuSideAsInstanceNormOverGroups)
{
    // x (1x4x2x2) -> Reshape 1x2x8 -> InstanceNormalization(scale [1, 2], B [0, 1]) -> Reshape 1x4x2x2:
    // GroupNorm with 2 groups of 2 channels, as PyTorch exports it. All three nodes fall back.
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 2, 2}, d1[1] = {3}, d4[1] = {4}, d2[1] = {2};
    tb_input(m, "x", 4, in);
    const int64_t s3[3] = {1, 2, 8}, s4[4] = {1, 4, 2, 2};
    tb_init_i64(m, "shape3", 1, d1, s3, false);
    tb_init_i64(m, "shape4", 1, d4, s4, false);
    const float sc[2] = {1.0f, 2.0f}, bi[2] = {0.0f, 1.0f};
    tb_init_f32(m, "scale", 1, d2, sc, false);
    tb_init_f32(m, "bias", 1, d2, bi, false);
    tb_node(m, "Reshape", "r1", "x,shape3", "a");
    tb_node(m, "InstanceNormalization", "inorm", "a,scale,bias", "b");
    tb_node(m, "Reshape", "r2", "b,shape4", "y");
    tb_output(m, "y");
    std::string p = dir.file("gn.onnx");
    ASSERT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    o.allow_gpu_fallback = true;
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 2, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    g->gpu_fallback = true;
    ASSERT_EQ(ir_check_legality(g, &cfg, nullptr, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ir_partition(g, &o, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ir_fuse(g, &err), DLA_OK) << err.msg;
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i;
    const float *inputs[1] = {x};
    float *out[1] = {nullptr};
    ASSERT_EQ(ir_reference_forward(g, inputs, true, out, &err), DLA_OK) << err.msg;
    // Each group holds 8 consecutive values v..v+7: mean v + 3.5, variance 42/8 = 5.25, so element k of
    // a group normalises to (k - 3.5) / sqrt(5.25 + 1e-5); group 1 then scales by 2 and adds 1.
    for (int i = 0; i < 16; i++) {
        double z = ((i % 8) - 3.5) / std::sqrt(5.25 + 1e-5);
        double want = i < 8 ? z : 2.0 * z + 1.0;
        EXPECT_NEAR(out[0][i], want, 1e-5) << "element " << i;
    }
    free(out[0]);
    ir_graph_destroy(g);
}
