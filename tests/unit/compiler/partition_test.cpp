// GPU fallback partitioning (sw/compiler/partition.c): DLA subgraphs between GPU layers, the
// offender list without --allowGPUFallback, TensorRT's 16-subgraph limit, and the loadable's
// segment table surviving a write/read round trip.
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
