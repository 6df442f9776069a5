// Import coverage (--shapes, external data, opsets, cycles, ReduceMean) and TensorRT's DLA rules,
// each checked at its limit (accepted) and just past it (refused naming the rule and the values).
#include <fstream>
#include <functional>

#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

// TensorRT picks the DLA 2 (Orin) rules where the target has 2:4 sparsity (legality.c).
dla_config dla2_like()
{
    dla_config c = orin_like();
    c.core.features.sparsity_2_4 = true;
    c.core.features.sdp_lut = true;
    return c;
}

dla_config dla1_like()
{
    dla_config c = orin_like();
    c.core.features.sdp_lut = true;
    return c;
}

// Runs import..legality; returns the status and leaves the message in msg.
dla_status legality_of(const std::string &path, const dla_config &cfg, std::string &msg)
{
    dla_error err{};
    dla_status st;
    ir_graph *g = run_passes(path, &cfg, 3, &err, &st);
    ir_graph_destroy(g);
    msg = err.msg;
    return st;
}

// One single-node network: x (in_dims) -> op -> y, with the node's attributes set by `attrs`.
std::string one_node(ScratchDir &dir, const char *op, int rank, const int64_t *in_dims,
                     const std::function<void(tb_model *, int)> &attrs, const char *extra_inputs = "",
                     int64_t opset = 17)
{
    tb_model *m = tb_create(opset);
    tb_input(m, "x", rank, in_dims);
    std::string ins = std::string("x") + extra_inputs;
    int n = tb_node(m, op, "node", ins.c_str(), "y");
    attrs(m, n);
    tb_output(m, "y");
    return save(dir, m, "one.onnx");
}

// Conv with kernel kh x kw, stride, pad, dilation, k output maps and groups on an x of in_dims.
std::string conv_net(ScratchDir &dir, const int64_t *in_dims, int k, int kh, int kw, int stride, int pad, int dil,
                     int groups = 1)
{
    tb_model *m = tb_create(17);
    tb_input(m, "x", 4, in_dims);
    int64_t wd[4] = {k, in_dims[1] / groups, kh, kw};
    std::vector<float> w((size_t)(wd[0] * wd[1] * wd[2] * wd[3]), 0.5f);
    tb_init_f32(m, "w", 4, wd, w.data(), true);
    int n = tb_node(m, "Conv", "conv", "x,w", "y");
    int64_t ks[2] = {kh, kw}, st[2] = {stride, stride}, pd[4] = {pad, pad, pad, pad}, dl[2] = {dil, dil};
    tb_attr_ints(m, n, "kernel_shape", 2, ks);
    tb_attr_ints(m, n, "strides", 2, st);
    tb_attr_ints(m, n, "pads", 4, pd);
    tb_attr_ints(m, n, "dilations", 2, dl);
    tb_attr_int(m, n, "group", groups);
    tb_output(m, "y");
    return save(dir, m, "conv.onnx");
}

void expect_ok(const std::string &p, const dla_config &cfg)
{
    std::string msg;
    EXPECT_EQ(legality_of(p, cfg, msg), DLA_OK) << msg;
}

void expect_rule(const std::string &p, const dla_config &cfg, const char *rule, const char *values)
{
    std::string msg;
    EXPECT_EQ(legality_of(p, cfg, msg), DLA_ERR_UNSUPPORTED) << rule;
    EXPECT_NE(msg.find(std::string("(rule ") + rule + ")"), std::string::npos) << msg;
    EXPECT_NE(msg.find(values), std::string::npos) << msg;
    EXPECT_NE(msg.find("node '"), std::string::npos) << msg;
}

} // namespace

// ---- import ----

TEST(ImportShapesTest, ShapesResolveDynamicDimensionsAndStaticOnesMustAgree)
{
    ScratchDir dir;
    const int64_t dims[4] = {-1, 3, -1, -1};
    std::string p = one_node(dir, "Relu", 4, dims, [](tb_model *, int) {});
    ir_graph *g = nullptr;
    dla_error err{};
    ASSERT_EQ(ir_import_onnx_shapes(p.c_str(), 0, "x:2x3x8x6", &g, &err), DLA_OK) << err.msg;
    const ir_tensor *x = &g->tensors[g->inputs[0]];
    EXPECT_EQ(x->dims[0], 2);
    EXPECT_EQ(x->dims[2], 8);
    EXPECT_EQ(x->dims[3], 6);
    ir_graph_destroy(g);
    // trtexec quotes names that contain ':'; quotes work for any name.
    ASSERT_EQ(ir_import_onnx_shapes(p.c_str(), 0, "'x':1x3x4x4", &g, &err), DLA_OK) << err.msg;
    ir_graph_destroy(g);
    // Without --shapes: the error says how to give them.
    EXPECT_EQ(ir_import_onnx_shapes(p.c_str(), 0, nullptr, &g, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("--shapes=x:"), std::string::npos) << err.msg;
    // A static dimension that disagrees.
    EXPECT_EQ(ir_import_onnx_shapes(p.c_str(), 0, "x:2x4x8x8", &g, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("dimension 1 = 4, the model fixes it to 3"), std::string::npos) << err.msg;
    // Rank, unknown name, malformed shapes.
    EXPECT_EQ(ir_import_onnx_shapes(p.c_str(), 0, "x:2x3x8", &g, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("3 dimensions, the model 4"), std::string::npos) << err.msg;
    EXPECT_EQ(ir_import_onnx_shapes(p.c_str(), 0, "x:2x3x8x8,img:1x3x8x8", &g, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("'img', which is not a network input (inputs: 'x')"), std::string::npos)
        << err.msg;
    for (const char *bad : {"x:2x3xx8", "x:2x3x8x", "x:", "x2x3x8x8", "x:0x3x8x8", "x:2x3x8x8,x:2x3x8x8"}) {
        EXPECT_EQ(ir_import_onnx_shapes(p.c_str(), 0, bad, &g, &err), DLA_ERR_INVALID) << bad;
        EXPECT_NE(std::string(err.msg).find("--shapes"), std::string::npos) << bad << ": " << err.msg;
    }
    EXPECT_EQ(g, nullptr);
}

// --shapes values are checked as they are parsed: a dimension past 2^24 or past 64 bits is not a shape,
// and a product past 2^30 elements (2^24 x 3 x 2^24 x 2^24 = 3 x 2^72 would wrap 64 bits) is refused
// before any tensor is allocated.
TEST(ImportShapesTest, ShapesWhoseProductsOverflowAreRefusedBeforeAllocating)
{
    ScratchDir dir;
    const int64_t dims[4] = {-1, 3, -1, -1};
    std::string p = one_node(dir, "Relu", 4, dims, [](tb_model *, int) {});
    ir_graph *g = nullptr;
    dla_error err{};
    EXPECT_EQ(ir_import_onnx_shapes(p.c_str(), 0, "x:16777216x3x16777216x16777216", &g, &err), DLA_ERR_LIMIT);
    EXPECT_NE(std::string(err.msg).find("input 'x' has more than 1073741824 elements"), std::string::npos) << err.msg;
    for (const char *bad : {"x:16777217x3x8x8", "x:99999999999999999999x3x8x8"}) {
        EXPECT_EQ(ir_import_onnx_shapes(p.c_str(), 0, bad, &g, &err), DLA_ERR_INVALID) << bad;
        EXPECT_NE(std::string(err.msg).find("is not a shape; expected dimensions 1..16777216"), std::string::npos)
            << bad << ": " << err.msg;
    }
    EXPECT_EQ(g, nullptr);
}

TEST(ImportShapesTest, ExternalDataIsReadFromTheFileBesideTheModel)
{
    ScratchDir dir;
    // weights.bin: 16 bytes of header, then the 2 x 1 x 1 x 1 conv weights 0.5, -2 (little-endian FP32).
    std::string bin = dir.file("weights.bin");
    {
        std::ofstream f(bin, std::ios::binary);
        const char pad[16] = {};
        const float w[2] = {0.5f, -2.0f};
        f.write(pad, 16);
        f.write(reinterpret_cast<const char *>(w), sizeof w);
    }
    const int64_t in[4] = {1, 1, 2, 2}, wd[4] = {2, 1, 1, 1};
    auto build = [&](const char *loc, long long off, long long len) {
        tb_model *m = tb_create(17);
        tb_input(m, "x", 4, in);
        tb_init_external(m, "w", IR_ONNX_FLOAT, 4, wd, loc, off, len);
        tb_node(m, "Conv", "conv", "x,w", "y");
        tb_output(m, "y");
        return save(dir, m, "ext.onnx");
    };
    ir_graph *g = nullptr;
    dla_error err{};
    std::string p = build("weights.bin", 16, 8);
    ASSERT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_OK) << err.msg;
    const ir_tensor *w = &g->tensors[ir_tensor_find(g, "w")];
    ASSERT_TRUE(w->is_const && w->f);
    EXPECT_EQ(w->f[0], 0.5f);
    EXPECT_EQ(w->f[1], -2.0f);
    ir_graph_destroy(g);
    // Each way external data can be wrong is refused naming the tensor.
    struct {
        const char *loc;
        long long off, len;
        const char *expect;
    } bad[] = {{"missing.bin", 0, 8, "cannot open external data file"},
               {"../weights.bin", 0, 8, "must be a relative path inside the model's directory"},
               {"weights.bin", 20, 8, "the tensor needs 8 at offset 20"},
               // offset + 8 would overflow int64: the check must not add them
               {"weights.bin", 0x7ffffffffffffff8LL, 8, "the tensor needs 8 at offset 9223372036854775800"},
               {"weights.bin", 16, 12, "external data length 12, its shape needs 8 bytes"}};
    for (const auto &b : bad) {
        p = build(b.loc, b.off, b.len);
        EXPECT_NE(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_OK) << b.loc;
        EXPECT_NE(std::string(err.msg).find("'w'"), std::string::npos) << err.msg;
        EXPECT_NE(std::string(err.msg).find(b.expect), std::string::npos) << err.msg;
    }
}

TEST(ImportShapesTest, OpsetsOutsideSevenToTwentyOneAreRefused)
{
    ScratchDir dir;
    const int64_t dims[4] = {1, 1, 2, 2};
    for (int64_t opset : {6, 7, 21, 22}) {
        std::string p = one_node(
            dir, "Relu", 4, dims, [](tb_model *, int) {}, "", opset);
        ir_graph *g = nullptr;
        dla_error err{};
        dla_status st = ir_import_onnx(p.c_str(), 0, &g, &err);
        ir_graph_destroy(g);
        if (opset == 6 || opset == 22) {
            EXPECT_EQ(st, DLA_ERR_UNSUPPORTED) << opset;
            EXPECT_NE(
                std::string(err.msg).find("opset " + std::to_string(opset) + " is not supported (expected 7..21)"),
                std::string::npos)
                << err.msg;
        } else {
            EXPECT_EQ(st, DLA_OK) << err.msg;
        }
    }
}

TEST(ImportShapesTest, CyclicGraphIsRefused)
{
    ScratchDir dir;
    const int64_t dims[4] = {1, 1, 2, 2};
    tb_model *m = tb_create(17);
    tb_input(m, "x", 4, dims);
    tb_node(m, "Add", "a", "x,c", "b");
    tb_node(m, "Relu", "r", "b", "c"); // c feeds a, which produces b, which feeds r
    tb_output(m, "c");
    std::string p = save(dir, m, "cycle.onnx");
    dla_error err{};
    dla_status st;
    dla_config cfg = orin_like();
    EXPECT_EQ(run_passes(p, &cfg, 3, &err, &st), nullptr);
    EXPECT_NE(st, DLA_OK);
    EXPECT_NE(std::string(err.msg).find("cycle"), std::string::npos) << err.msg;
}

TEST(ImportShapesTest, MissingInitializerIsRefusedNamingNodeAndTensor)
{
    ScratchDir dir;
    const int64_t dims[4] = {1, 1, 2, 2};
    tb_model *m = tb_create(17);
    tb_input(m, "x", 4, dims);
    tb_node(m, "Conv", "conv", "x,conv.weight", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "noinit.onnx");
    ir_graph *g = nullptr;
    dla_error err{};
    EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("node 'conv' (Conv) reads 'conv.weight', which no node"), std::string::npos)
        << err.msg;
}

TEST(ImportShapesTest, ReduceMeanOverHeightAndWidthBecomesAGlobalAveragePool)
{
    ScratchDir dir;
    const int64_t dims[4] = {1, 8, 4, 6};
    dla_config cfg = orin_like();
    // Opset 17: axes attribute (keepdims 0, as torch.mean(x, (2, 3)) exports); opset 18: axes input.
    for (int64_t opset : {17, 18}) {
        tb_model *m = tb_create(opset);
        tb_input(m, "x", 4, dims);
        const int64_t axes[2] = {-1, 2}, ad[1] = {2};
        int n;
        if (opset == 18) {
            tb_init_i64(m, "axes", 1, ad, axes, true);
            n = tb_node(m, "ReduceMean", "mean", "x,axes", "y");
        } else {
            n = tb_node(m, "ReduceMean", "mean", "x", "y");
            tb_attr_ints(m, n, "axes", 2, axes);
        }
        tb_attr_int(m, n, "keepdims", 0);
        tb_output(m, "y");
        std::string p = save(dir, m, "mean.onnx");
        dla_error err{};
        ir_graph *g = run_passes(p, &cfg, 3, &err);
        ASSERT_NE(g, nullptr) << err.msg;
        // 4 x 6 -> one stage of a 4x6 window (both <= 8): an average pool, stride = window.
        int ni = find_node(g, "mean");
        ASSERT_GE(ni, 0);
        EXPECT_EQ(g->nodes[ni].kind, IR_OP_POOL) << opset;
        EXPECT_FALSE(g->nodes[ni].pool.max);
        EXPECT_EQ(g->nodes[ni].pool.kh, 4);
        EXPECT_EQ(g->nodes[ni].pool.kw, 6);
        ir_graph_destroy(g);
    }
    // Over C it is not a pool: refused as an operator the DLA does not run.
    std::string p = one_node(dir, "ReduceMean", 4, dims, [](tb_model *m, int n) {
        const int64_t axes[1] = {1};
        tb_attr_ints(m, n, "axes", 1, axes);
    });
    expect_rule(p, cfg, "op.unsupported", "ReduceMean");
}

// ---- TensorRT DLA rules, at the limit and just past it ----

TEST(DlaRulesTest, ConvKernelStrideDilationPaddingLimits)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    const int64_t big[4] = {1, 1, 40, 40}, huge[4] = {1, 1, 80, 80};
    expect_ok(conv_net(dir, big, 1, 32, 32, 1, 0, 1), cfg);
    expect_rule(conv_net(dir, big, 1, 33, 1, 1, 0, 1), cfg, "conv.kernel", "kernel 33x1");
    expect_ok(conv_net(dir, big, 1, 1, 1, 8, 0, 1), cfg);
    expect_rule(conv_net(dir, big, 1, 1, 1, 9, 0, 1), cfg, "conv.stride", "stride 9x9");
    expect_ok(conv_net(dir, huge, 1, 2, 2, 1, 0, 32), cfg);
    expect_rule(conv_net(dir, huge, 1, 2, 2, 1, 0, 33), cfg, "conv.dilation", "dilation 33x33");
    // Padding 0..31 and smaller than the kernel.
    expect_ok(conv_net(dir, big, 1, 32, 32, 1, 31, 1), cfg);
    expect_rule(conv_net(dir, big, 1, 32, 32, 1, 32, 1), cfg, "conv.pad", "padding 32,32,32,32");
    expect_ok(conv_net(dir, big, 1, 3, 3, 1, 2, 1), cfg);
    expect_rule(conv_net(dir, big, 1, 3, 3, 1, 3, 1), cfg, "conv.pad", "padding 3,3,3,3");
}

TEST(DlaRulesTest, ConvOutputMapsAndGroupsLimits)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    const int64_t one[4] = {1, 1, 1, 1}, wide[4] = {1, 8192, 1, 1}, wider[4] = {1, 8193, 1, 1};
    expect_ok(conv_net(dir, one, 8192, 1, 1, 1, 0, 1), cfg);
    expect_rule(conv_net(dir, one, 8193, 1, 1, 1, 0, 1), cfg, "conv.output_maps", "8193 output maps");
    expect_ok(conv_net(dir, wide, 8192, 1, 1, 1, 0, 1, 8192), cfg);
    expect_rule(conv_net(dir, wider, 8193, 1, 1, 1, 0, 1, 8193), cfg, "conv.groups", "8193 groups");
}

TEST(DlaRulesTest, PoolingWindowStridePaddingLimits)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    const int64_t in[4] = {1, 1, 40, 40};
    auto pool = [&](int k, int s, int pad) {
        return one_node(dir, "MaxPool", 4, in, [=](tb_model *m, int n) {
            const int64_t ks[2] = {k, k}, st[2] = {s, s}, pd[4] = {pad, pad, pad, pad};
            tb_attr_ints(m, n, "kernel_shape", 2, ks);
            tb_attr_ints(m, n, "strides", 2, st);
            tb_attr_ints(m, n, "pads", 4, pd);
        });
    };
    expect_ok(pool(8, 1, 0), cfg);
    expect_rule(pool(9, 1, 0), cfg, "pool.window", "window 9x9");
    expect_ok(pool(2, 16, 0), cfg);
    expect_rule(pool(2, 17, 0), cfg, "pool.stride", "stride 17x17");
    expect_ok(pool(8, 1, 7), cfg);
    expect_rule(pool(8, 1, 8), cfg, "pool.pad", "padding 8,8,8,8");
}

TEST(DlaRulesTest, TensorBatchAndDimensionLimits)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    auto relu = [&](int64_t n, int64_t w) {
        const int64_t d[4] = {n, 1, 1, w};
        return one_node(dir, "Relu", 4, d, [](tb_model *, int) {});
    };
    expect_ok(relu(4096, 1), cfg);
    expect_rule(relu(4097, 1), cfg, "tensor.dims", "batch 4096");
    expect_ok(relu(1, 8192), cfg);
    expect_rule(relu(1, 8193), cfg, "tensor.dims", "others 8192");
}

TEST(DlaRulesTest, XavierAveragePoolingCountsPaddingOnly)
{
    ScratchDir dir;
    const int64_t in[4] = {1, 1, 8, 8};
    auto avg = [&](int include) {
        return one_node(dir, "AveragePool", 4, in, [=](tb_model *m, int n) {
            const int64_t ks[2] = {3, 3}, pd[4] = {1, 1, 1, 1};
            tb_attr_ints(m, n, "kernel_shape", 2, ks);
            tb_attr_ints(m, n, "pads", 4, pd);
            tb_attr_int(m, n, "count_include_pad", include);
        });
    };
    expect_ok(avg(0), dla2_like());
    expect_ok(avg(1), dla1_like());
    expect_rule(avg(0), dla1_like(), "pool.xavier_inclusive_pad", "DLA 1 (Xavier)");
}

TEST(DlaRulesTest, SoftmaxRunsOnOrinOnlyWithinItsSizeLimits)
{
    ScratchDir dir;
    auto softmax = [&](int64_t c, int64_t w) {
        const int64_t d[4] = {1, c, 1, w};
        return one_node(dir, "Softmax", 4, d, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 1); });
    };
    expect_rule(softmax(10, 1), dla1_like(), "softmax.target", "the target is DLA 1 (Xavier)");
    // Other non-batch dims 1: axis up to 8192; else up to 1024. Within them softmax.c maps it.
    expect_ok(softmax(8192, 1), dla2_like());
    expect_rule(softmax(8193, 1), dla2_like(), "softmax.size", "8193 elements exceeds the DLA limit 8192");
    expect_ok(softmax(1024, 2), dla2_like());
    expect_rule(softmax(1025, 2), dla2_like(), "softmax.size", "1025 elements exceeds the DLA limit 1024");
}

TEST(DlaRulesTest, SoftmaxOverASpatialAxisOrFlattenedOrNot4DStaysRefusedWithItsDlasimRule)
{
    ScratchDir dir;
    const int64_t d[4] = {1, 16, 4, 8};
    // TensorRT runs a softmax over W; dlasim maps C only.
    expect_rule(one_node(dir, "Softmax", 4, d, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 3); }), dla2_like(),
                "softmax.spatial", "softmax over spatial axis 3");
    // Opset 11, axis 1 on C x 4 x 8: one softmax over all 512 values (the input flattened from the axis).
    expect_rule(one_node(
                    dir, "Softmax", 4, d, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 1); }, "", 11),
                dla2_like(), "softmax.flatten", "opset 11 Softmax with axis 1");
    // Opset 11 with H = W = 1: the flattened softmax is the one over C.
    const int64_t head[4] = {2, 1000, 1, 1};
    expect_ok(one_node(
                  dir, "Softmax", 4, head, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 1); }, "", 11),
              dla2_like());
    // Opset 13 default axis -1 of a 4-D tensor is W.
    expect_rule(one_node(
                    dir, "Softmax", 4, d, [](tb_model *, int) {}, "", 13),
                dla2_like(), "softmax.spatial", "spatial axis 3");
    // Axis 0 is the batch: TensorRT's DLA softmax runs over C or a spatial axis only.
    expect_rule(one_node(dir, "Softmax", 4, d, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 0); }), dla2_like(),
                "softmax.axis", "axis 0: the DLA's softmax runs over C or a spatial axis");
    const int64_t d3[3] = {1, 16, 8};
    expect_rule(one_node(dir, "Softmax", 3, d3, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 1); }), dla2_like(),
                "softmax.rank", "the input is 3-D");
}

TEST(DlaRulesTest, ResizeScalesNearestIntegerUpTo32LinearUpTo4)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    const int64_t in[4] = {1, 2, 4, 4};
    auto resize = [&](const char *mode, float sn, float sh, const char *ctm = nullptr) {
        tb_model *m = tb_create(17);
        tb_input(m, "x", 4, in);
        const float sc[4] = {sn, 1, sh, sh};
        const int64_t d[1] = {4};
        tb_init_f32(m, "scales", 1, d, sc, true);
        int n = tb_node(m, "Resize", "up", "x,,scales", "y");
        tb_attr_string(m, n, "mode", mode);
        if (ctm)
            tb_attr_string(m, n, "coordinate_transformation_mode", ctm);
        tb_output(m, "y");
        return save(dir, m, "resize.onnx");
    };
    // Within TensorRT's limits: a target without RUBIK cannot lower nearest; dlasim lowers no linear.
    expect_rule(resize("nearest", 1, 32), cfg, "feature.rubik", "lacks");
    expect_rule(resize("nearest", 1, 33), cfg, "resize.nearest_scale", "nearest scale 33");
    expect_rule(resize("nearest", 1, 2.5f), cfg, "resize.nearest_scale", "nearest scale 2.5");
    // Linear: integer scales 1..4 lower (exclusive means + phase convs + contract) where RUBIK exists;
    // non-integer scales within TensorRT's limit and align_corners stay dlasim gaps.
    expect_rule(resize("linear", 1, 4), cfg, "feature.rubik", "lacks one of them");
    dla_config rubik = cfg;
    rubik.core.features.rubik = true;
    expect_ok(resize("linear", 1, 4), rubik);
    expect_ok(resize("linear", 1, 4, "asymmetric"), rubik);
    expect_rule(resize("linear", 1, 2.5f), rubik, "resize.linear_unit", "integer H/W scales only");
    expect_rule(resize("linear", 1, 2, "align_corners"), rubik, "resize.linear_coordinates",
                "coordinate mode 'align_corners'");
    expect_rule(resize("linear", 1, 2), dla1_like(), "resize.xavier_linear", "nearest only");
    expect_rule(resize("linear", 1, 4.5f), cfg, "resize.linear_scale", "linear scale 4.5");
    expect_rule(resize("cubic", 1, 2), cfg, "resize.mode", "mode 'cubic'");
    expect_rule(resize("nearest", 2, 2), cfg, "resize.scales", "only H and W may be scaled");
}

TEST(DlaRulesTest, DeconvolutionKernelStridePaddingGroups)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    const int64_t in[4] = {1, 2, 4, 4};
    // pads {top, left, bottom, right} = {pad, pad, pad_end, pad_end}; output_padding op on both axes.
    auto deconv = [&](int kh, int kw, int stride, int pad, int groups, int op = 0, int pad_end = -1) {
        tb_model *m = tb_create(17);
        tb_input(m, "x", 4, in);
        const int64_t wd[4] = {2, 2 / groups, kh, kw};
        std::vector<float> w((size_t)(2 * (2 / groups) * kh * kw), 0.25f);
        tb_init_f32(m, "w", 4, wd, w.data(), true);
        int n = tb_node(m, "ConvTranspose", "up", "x,w", "y");
        const int pe = pad_end < 0 ? pad : pad_end;
        const int64_t st[2] = {stride, stride}, pd[4] = {pad, pad, pe, pe}, opd[2] = {op, op};
        tb_attr_ints(m, n, "strides", 2, st);
        tb_attr_ints(m, n, "pads", 4, pd);
        if (op)
            tb_attr_ints(m, n, "output_padding", 2, opd);
        tb_attr_int(m, n, "group", groups);
        tb_output(m, "y");
        return save(dir, m, "deconv.onnx");
    };
    expect_rule(deconv(32, 32, 32, 0, 1), cfg, "feature.rubik", "needs a RUBIK contract");
    expect_rule(deconv(33, 1, 1, 0, 1), cfg, "deconv.kernel", "kernel 33x1");
    dla_config rubik = cfg;
    rubik.core.features.rubik = true;
    expect_ok(deconv(2, 2, 2, 0, 1), rubik);
    // The phase conv has Kp * sx * sy output maps (Kp = 32: K rounded up to a surface): stride 16 gives
    // 32 * 256 = 8192, the conv.output_maps limit; stride 32 gives 32768.
    expect_ok(deconv(16, 16, 16, 0, 1), rubik);
    expect_rule(deconv(32, 32, 32, 0, 1), rubik, "conv.output_maps", "32768 output maps");
    expect_rule(deconv(2, 2, 33, 0, 1), cfg, "deconv.stride", "stride 33x33");
    // Stride 64 x 1 is within TensorRT's limits; the contract takes strides up to 32.
    {
        tb_model *m = tb_create(17);
        tb_input(m, "x", 4, in);
        const int64_t wd[4] = {2, 2, 64, 1};
        std::vector<float> w(2 * 2 * 64, 0.25f);
        tb_init_f32(m, "w", 4, wd, w.data(), true);
        int n = tb_node(m, "ConvTranspose", "up", "x,w", "y");
        const int64_t st[2] = {64, 1};
        tb_attr_ints(m, n, "strides", 2, st);
        tb_output(m, "y");
        expect_rule(save(dir, m, "deconv64s.onnx"), rubik, "deconv.phase_kernel", "stride 64");
    }
    // Any kernel: k 3 stride 2 (not a multiple) and k 4 stride 2 pad 1 (the DCGAN form) lower.
    expect_ok(deconv(3, 3, 2, 0, 1), rubik);
    expect_ok(deconv(4, 4, 2, 1, 1), rubik);
    // Pads up to kernel - 1 (kernel 3: 2 passes, 3 fails).
    expect_ok(deconv(3, 3, 1, 2, 1, 0, 0), rubik);
    expect_rule(deconv(3, 3, 1, 3, 1, 0, 0), rubik, "deconv.pad", "pads 3/0 with kernel 3");
    // output_padding up to stride - 1 (stride 2: 1 passes, 2 fails).
    expect_ok(deconv(2, 2, 2, 0, 1, 1), rubik);
    expect_rule(deconv(2, 2, 2, 0, 1, 2), rubik, "deconv.output_padding", "output_padding 2 with stride 2");
    // The phase convolution's kernel ceil(k / s) + shift stays <= 32: kernel 32 stride 1 (phase kernel 32,
    // padding 31) passes; kernel 64 x 1 stride 1 (TensorRT's 64 x 1 form) needs 64 and fails.
    expect_ok(deconv(32, 32, 1, 0, 1), rubik);
    expect_rule(deconv(64, 1, 1, 0, 1), rubik, "deconv.phase_kernel", "phase convolution would need kernel 64");
    expect_rule(deconv(2, 2, 2, 0, 2), cfg, "deconv.groups", "groups 2");
    // output_shape: 4x4 at kernel 2 stride 2 gives 8x8; asking for 8x8 passes, 9x9 (implicit pads) fails.
    for (int64_t os : {8, 9}) {
        tb_model *m = tb_create(17);
        tb_input(m, "x", 4, in);
        const int64_t wd[4] = {2, 2, 2, 2}, st[2] = {2, 2}, osh[2] = {os, os};
        std::vector<float> w(16, 0.25f);
        tb_init_f32(m, "w", 4, wd, w.data(), true);
        int n = tb_node(m, "ConvTranspose", "up", "x,w", "y");
        tb_attr_ints(m, n, "strides", 2, st);
        tb_attr_ints(m, n, "output_shape", 2, osh);
        tb_output(m, "y");
        std::string p = save(dir, m, "deconv_os.onnx");
        if (os == 8)
            expect_ok(p, rubik);
        else
            expect_rule(p, rubik, "deconv.output_shape", "output extent 9 differs");
    }
}

// With RUBIK, ConvTranspose 2x2 stride 2 (C 2 -> K 3) becomes a 1x1 conv of 2 x 2 groups of Kp = 32
// channels (K rounded up to the 32 INT8 channels of a surface) + a contract; output channel
// (j * 2 + i) * 32 + k of the conv holds deconvolution tap (j, i) of kernel k: W'[(j*2+i)*32 + k][c] =
// W[c][k][j][i], zero for k >= 3. A nearest Resize x2 is the same with W = identity (one-hot).
TEST(DlaRulesTest, DeconvAndNearestResizeLowerToAOneByOneConvAndARubikContract)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    cfg.core.features.rubik = true;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 4, 4}, wd[4] = {2, 3, 2, 2}, sd[1] = {4};
    tb_input(m, "x", 4, in);
    std::vector<float> w(2 * 3 * 2 * 2);
    for (size_t e = 0; e < w.size(); e++)
        w[e] = (float)e; // W[c][k][j][i] = ((c * 3 + k) * 2 + j) * 2 + i
    tb_init_f32(m, "w", 4, wd, w.data(), true);
    int n = tb_node(m, "ConvTranspose", "up", "x,w", "d");
    const int64_t st[2] = {2, 2};
    tb_attr_ints(m, n, "strides", 2, st);
    const float sc[4] = {1, 1, 2, 2};
    tb_init_f32(m, "scales", 1, sd, sc, true);
    n = tb_node(m, "Resize", "rs", "x,,scales", "r");
    tb_attr_string(m, n, "mode", "nearest");
    tb_attr_string(m, n, "coordinate_transformation_mode", "asymmetric");
    tb_attr_string(m, n, "nearest_mode", "floor");
    tb_output(m, "d");
    tb_output(m, "r");
    std::string p = save(dir, m, "lower.onnx");
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_node &up = g->nodes[find_node(g, "up")], &uc = g->nodes[find_node(g, "up:conv")];
    EXPECT_EQ(up.kind, IR_OP_RUBIK);
    EXPECT_EQ(up.rubik_sx, 2);
    EXPECT_EQ(up.rubik_sy, 2);
    EXPECT_EQ(up.rubik_kp, 32);
    ASSERT_EQ(uc.kind, IR_OP_CONV);
    EXPECT_EQ(uc.conv.k, 128);
    EXPECT_EQ(uc.conv.kh, 1);
    EXPECT_EQ(uc.out[0], up.in[0]);
    const float *wf = g->tensors[uc.conv.weight].f;
    // W'[(j*2+i)*32 + k][c] (C = 2): tap (j 1, i 0) of kernel 2 from channel 1 = W[1][2][1][0] = 22.
    EXPECT_EQ(wf[((1 * 2 + 0) * 32 + 2) * 2 + 1], 22.0f);
    // tap (0, 1) of kernel 0 from channel 0 = W[0][0][0][1] = 1; padding kernel 3 is zero.
    EXPECT_EQ(wf[((0 * 2 + 1) * 32 + 0) * 2 + 0], 1.0f);
    EXPECT_EQ(wf[((0 * 2 + 1) * 32 + 3) * 2 + 0], 0.0f);
    const ir_node &rs = g->nodes[find_node(g, "rs")], &rc = g->nodes[find_node(g, "rs:conv")];
    EXPECT_EQ(rs.kind, IR_OP_RUBIK);
    const float *rw = g->tensors[rc.conv.weight].f;
    // Group (j 1, i 1), kernel 1: one-hot on channel 1.
    EXPECT_EQ(rw[((1 * 2 + 1) * 32 + 1) * 2 + 1], 1.0f);
    EXPECT_EQ(rw[((1 * 2 + 1) * 32 + 1) * 2 + 0], 0.0f);
    int contracts = 0;
    for (int i = 0; i < g->n_layers; i++)
        contracts += g->layers[i].kind == IR_LAYER_RUBIK;
    EXPECT_EQ(contracts, 2);
    ir_graph_destroy(g);
}

TEST(DlaRulesTest, LrnWindowsAndConcatAxisAndOtherVerdicts)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    const int64_t in[4] = {1, 4, 4, 4};
    // LRN runs on the CDP (lrn.c): windows 3 and 9 over a whole 32-channel atom are legal; 11 is not,
    // and 4 channels leave padding lanes in the window's atom (lrn.channels); no CDP: feature.cdp.
    const int64_t in32[4] = {1, 32, 4, 4}, in33[4] = {1, 33, 4, 4};
    for (int size : {3, 9})
        expect_ok(one_node(dir, "LRN", 4, in32, [=](tb_model *m, int n) { tb_attr_int(m, n, "size", size); }), cfg);
    expect_rule(one_node(dir, "LRN", 4, in32, [](tb_model *m, int n) { tb_attr_int(m, n, "size", 11); }), cfg,
                "lrn.window", "LRN window 11");
    for (const int64_t *d : {in, in33})
        expect_rule(one_node(dir, "LRN", 4, d, [](tb_model *m, int n) { tb_attr_int(m, n, "size", 5); }), cfg,
                    "lrn.channels", "channels");
    dla_config no_cdp = cfg;
    no_cdp.core.features.cdp = false;
    expect_rule(one_node(dir, "LRN", 4, in32, [](tb_model *m, int n) { tb_attr_int(m, n, "size", 5); }), no_cdp,
                "feature.cdp", "LRN needs the CDP");
    expect_rule(one_node(dir, "LRN", 4, in32,
                         [](tb_model *m, int n) {
                             tb_attr_int(m, n, "size", 5);
                             tb_attr_float(m, n, "alpha", -1.0f);
                         }),
                cfg, "lrn.params", "alpha -1");
    expect_rule(one_node(
                    dir, "Concat", 4, in, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 1); }, ",x"),
                cfg, "concat.producer", "input 'x' is a network input"); // in place: DLA-computed inputs only
    expect_rule(one_node(
                    dir, "Concat", 4, in, [](tb_model *m, int n) { tb_attr_int(m, n, "axis", 2); }, ",x"),
                cfg, "concat.axis", "axis 2");
    expect_ok(one_node(dir, "Sigmoid", 4, in, [](tb_model *, int) {}), cfg); // an SDP LUT op (lut.c)
    dla_config no_lut = cfg;
    no_lut.core.features.sdp_lut = false;
    expect_rule(one_node(dir, "Sigmoid", 4, in, [](tb_model *, int) {}), no_lut, "feature.sdp_lut",
                "Sigmoid needs the SDP lookup table");
    expect_rule(one_node(
                    dir, "Div", 4, in, [](tb_model *, int) {}, ",x"),
                dla1_like(), "eltwise.div", "DLA 1 (Xavier)");
    expect_rule(one_node(dir, "Erf", 4, in, [](tb_model *, int) {}), cfg, "op.unsupported", "operator Erf");
}

// ---- QDQ models ----

namespace {

// x (1x2x4x4) -> Q/DQ (scale 0.05, zero point zp_act of type zp_type) -> Conv with weights DQ(int8 q, per
// output channel scales 0.5 / 0.25, axis 0) -> Relu -> y.
std::string qdq_net(ScratchDir &dir, int32_t zp_act, int zp_type, bool per_axis_act)
{
    tb_model *m = tb_create(13);
    const int64_t in[4] = {1, 2, 4, 4}, wd[4] = {2, 2, 1, 1}, two[1] = {2};
    tb_input(m, "x", 4, in);
    const float s_act = 0.05f, s_act2[2] = {0.05f, 0.05f};
    if (per_axis_act)
        tb_init_f32(m, "s_act", 1, two, s_act2, true);
    else
        tb_init_f32(m, "s_act", 0, nullptr, &s_act, true);
    const int32_t zp[2] = {zp_act, zp_act};
    tb_init_i32_field(m, "zp_act", zp_type, per_axis_act ? 1 : 0, two, zp);
    tb_node(m, "QuantizeLinear", "q_x", "x,s_act,zp_act", "x_q");
    tb_node(m, "DequantizeLinear", "dq_x", "x_q,s_act,zp_act", "x_dq");
    const int32_t wq[4] = {10, -20, 127, -128};
    tb_init_i32_field(m, "wq", IR_ONNX_INT8, 4, wd, wq);
    const float s_w[2] = {0.5f, 0.25f};
    tb_init_f32(m, "s_w", 1, two, s_w, true);
    int dq = tb_node(m, "DequantizeLinear", "dq_w", "wq,s_w", "w");
    tb_attr_int(m, dq, "axis", 0);
    tb_node(m, "Conv", "conv", "x_dq,w", "c");
    tb_node(m, "Relu", "relu", "c", "y");
    tb_output(m, "y");
    return save(dir, m, "qdq.onnx");
}

} // namespace

TEST(QdqImportTest, WeightsDequantiseAndActivationPairsLeaveTheirScale)
{
    ScratchDir dir;
    dla_config cfg = orin_like();
    std::string p = qdq_net(dir, 0, IR_ONNX_INT8, false);
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    // Weights: (q - 0) * s[k]: kernel 0 = {10, -20} * 0.5, kernel 1 = {127, -128} * 0.25.
    int ci = find_node(g, "conv");
    ASSERT_GE(ci, 0);
    ASSERT_EQ(g->nodes[ci].kind, IR_OP_CONV);
    const ir_tensor *w = &g->tensors[g->nodes[ci].conv.weight];
    ASSERT_TRUE(w->is_const && w->f);
    EXPECT_EQ(w->f[0], 5.0f);
    EXPECT_EQ(w->f[1], -10.0f);
    EXPECT_EQ(w->f[2], 31.75f);
    EXPECT_EQ(w->f[3], -32.0f);
    // The conv reads x itself, whose INT8 scale is the pair's.
    EXPECT_EQ(g->nodes[ci].in[0], g->inputs[0]);
    EXPECT_EQ(g->tensors[g->inputs[0]].calib_scale, 0.05f);
    EXPECT_EQ(alive_nodes(g), 2); // conv, relu
    ir_graph_destroy(g);
    // Compiled: the loadable's input scale is the QDQ scale (calibration does not replace it).
    dla_compile_opts o = opts_for(&cfg);
    dla_loadable *l = nullptr;
    ASSERT_EQ(dla_compile_onnx(p.c_str(), &o, &l, &err), DLA_OK) << err.msg;
    bool found = false;
    for (uint32_t i = 0; i < l->num_tensors; i++)
        if (!std::strcmp(l->tensors[i].name, "x")) {
            EXPECT_EQ(l->tensors[i].scale, 0.05f);
            found = true;
        }
    EXPECT_TRUE(found);
    dla_loadable_destroy(l);
}

TEST(QdqImportTest, AsymmetricOrPerChannelActivationQuantisationIsRefused)
{
    ScratchDir dir;
    dla_config cfg = orin_like();
    struct {
        int32_t zp;
        int type;
        bool per_axis;
        const char *expect;
    } bad[] = {{3, IR_ONNX_INT8, false, "non-zero zero point: the DLA quantises symmetrically (rule qdq.zero_point)"},
               {128, IR_ONNX_UINT8, false, "the zero point is not INT8"},
               {0, IR_ONNX_INT8, true, "one scale per tensor on the DLA (rule qdq.per_tensor)"}};
    for (const auto &b : bad) {
        std::string p = qdq_net(dir, b.zp, b.type, b.per_axis);
        dla_error err{};
        dla_status st;
        EXPECT_EQ(run_passes(p, &cfg, 1, &err, &st), nullptr);
        EXPECT_EQ(st, DLA_ERR_UNSUPPORTED);
        EXPECT_NE(std::string(err.msg).find("node 'q_x' (QuantizeLinear)"), std::string::npos) << err.msg;
        EXPECT_NE(std::string(err.msg).find(b.expect), std::string::npos) << err.msg;
    }
}

// ---- Concat in place ----

namespace {

// x (1x3x4x4) -> 1x1 convs a (3 -> ka) and b (3 -> 32) -> Concat(a, b) -> 1x1 conv (-> 8) -> y.
std::string concat_net(ScratchDir &dir, int ka)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 3, 4, 4};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv_a", "x", "a", ka, 3, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_b", "x", "b", 32, 3, 1, 1, 1, 0, w_small);
    int cat = tb_node(m, "Concat", "cat", "a,b", "ab");
    tb_attr_int(m, cat, "axis", 1);
    add_conv(m, "conv_c", "ab", "y", 8, ka + 32, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    return save(dir, m, "concat.onnx");
}

dla_status plan(ir_graph *g, const dla_config *cfg, dla_error *err)
{
    dla_compile_opts o = opts_for(cfg);
    dla_status st = ir_calibration(g, &o, err);
    if (st == DLA_OK)
        st = ir_quantize(g, &o, err);
    if (st == DLA_OK)
        st = ir_tile(g, cfg, o.precision, err);
    if (st == DLA_OK)
        st = ir_memory_plan(g, cfg, o.precision, err);
    return st;
}

} // namespace

TEST(ConcatInPlaceTest, InputsAreSlicesOfTheConcatSurfaceAtTheirChannelOffsets)
{
    ScratchDir dir;
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(concat_net(dir, 32), &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(plan(g, &cfg, &err), DLA_OK) << err.msg;
    EXPECT_EQ(g->n_layers, 3); // conv_a, conv_b, conv_c: the concat is no layer
    const ir_tensor *ab = &g->tensors[ir_tensor_find(g, "ab")], *a = &g->tensors[ir_tensor_find(g, "a")],
                    *b = &g->tensors[ir_tensor_find(g, "b")];
    // INT8 on a 32-B atom: 32 channels per surface. ab = 1x64x4x4: line 4 * 32 = 128 B, surface 4 * 128
    // = 512 B, batch 2 surfaces = 1024 B. a is surface 0 of ab, b surface 1 (+512 B); both keep ab's strides.
    EXPECT_EQ(ab->line_stride, 128u);
    EXPECT_EQ(ab->surface_stride, 512u);
    EXPECT_EQ(ab->batch_stride, 1024u);
    EXPECT_EQ(a->region, ab->region);
    EXPECT_EQ(b->region, ab->region);
    EXPECT_EQ(a->offset, ab->offset);
    EXPECT_EQ(b->offset, ab->offset + 512u);
    EXPECT_EQ(b->surface_stride, 512u);
    EXPECT_EQ(b->batch_stride, 1024u);
    // One INT8 scale for the whole concat (TensorRT: equal ranges).
    EXPECT_EQ(a->scale, ab->scale);
    EXPECT_EQ(b->scale, ab->scale);
    ir_graph_destroy(g);
}

TEST(ConcatInPlaceTest, InputNotStartingASurfaceIsRefused)
{
    ScratchDir dir;
    dla_config cfg = orin_like();
    dla_error err{};
    // a has 13 channels: b would start at channel 13, inside a 32-channel surface.
    ir_graph *g = run_passes(concat_net(dir, 13), &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(plan(g, &cfg, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("concat 'cat': input 'b' starts at channel 13, not a multiple of the 32 "
                                        "channels per surface"),
              std::string::npos)
        << err.msg;
    EXPECT_NE(std::string(err.msg).find("(rule concat.align)"), std::string::npos) << err.msg;
    ir_graph_destroy(g);
}

TEST(ImportShapesTest, ResizeAndConvTransposeShapesAreInferredSoLaterLayersKeepTheirShapes)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 5, 7}, sd[1] = {4}, wd[4] = {2, 3, 3, 3};
    tb_input(m, "x", 4, in);
    const float sc[4] = {1, 1, 2, 3};
    tb_init_f32(m, "scales", 1, sd, sc, true);
    tb_node(m, "Resize", "up", "x,,scales", "r");
    std::vector<float> w(2 * 3 * 3 * 3, 0.1f);
    tb_init_f32(m, "w", 4, wd, w.data(), true);
    int n = tb_node(m, "ConvTranspose", "deconv", "x,w", "d");
    const int64_t st[2] = {2, 2}, pd[4] = {1, 0, 1, 0};
    tb_attr_ints(m, n, "strides", 2, st);
    tb_attr_ints(m, n, "pads", 4, pd);
    tb_output(m, "r");
    tb_output(m, "d");
    std::string p = save(dir, m, "shapes.onnx");
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 1, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    // Resize: floor(5 * 2) = 10, floor(7 * 3) = 21.
    const ir_tensor *r = &g->tensors[ir_tensor_find(g, "r")];
    ASSERT_EQ(r->rank, 4);
    EXPECT_EQ(r->dims[2], 10);
    EXPECT_EQ(r->dims[3], 21);
    // ConvTranspose: K = 3 (weights C x K/groups x R x S); pads {1, 0, 1, 0} are (H begin, W begin,
    // H end, W end): H = (5 - 1) * 2 - (1 + 1) + (3 - 1) + 1 = 9, W = (7 - 1) * 2 - 0 + 2 + 1 = 15.
    const ir_tensor *d = &g->tensors[ir_tensor_find(g, "d")];
    ASSERT_EQ(d->rank, 4);
    EXPECT_EQ(d->dims[1], 3);
    EXPECT_EQ(d->dims[2], 9);
    EXPECT_EQ(d->dims[3], 15);
    ir_graph_destroy(g);
}

TEST(ImportShapesTest, SumOfTwoActivationsIsAnAdd)
{
    ScratchDir dir;
    dla_config cfg = dla2_like();
    const int64_t in[4] = {1, 2, 3, 3};
    std::string p = one_node(
        dir, "Sum", 4, in, [](tb_model *, int) {}, ",x");
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 3, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(g->nodes[find_node(g, "node")].kind, IR_OP_ADD);
    ir_graph_destroy(g);
}

TEST(ImportShapesTest, LayerPrecisionNamesALayerAndRunsItInThatPrecision)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 3, 4, 4};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 4, 3, 3, 3, 1, 1, w_small);
    tb_node(m, "Relu", "relu", "c", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "lp.onnx");
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    dla_loadable *l = nullptr;
    dla_error err{};
    o.layer_precision = "relu:int8"; // the fused conv + relu layer, in the network's precision: accepted
    ASSERT_EQ(dla_compile_onnx(p.c_str(), &o, &l, &err), DLA_OK) << err.msg;
    dla_loadable_destroy(l);
    l = nullptr;
    // An INT8 network with an FP16 layer (docs/compiler.md "Mixed precision"): the conv runs in FP16,
    // its input is converted from the INT8 network input by an SDP op and so is the network output.
    o.layer_precision = "conv:fp16";
    ASSERT_EQ(dla_compile_onnx(p.c_str(), &o, &l, &err), DLA_OK) << err.msg;
    bool fp16_conv = false;
    for (uint32_t i = 0; i < l->num_ops; ++i)
        if (l->ops[i].kind == DLA_OP_CONV)
            fp16_conv = l->ops[i].u.conv.precision == DLA_PRECISION_FP16;
    EXPECT_TRUE(fp16_conv);
    for (uint32_t i = 0; i < l->num_tensors; ++i) // the input is stored as its FP16 reader computes
        EXPECT_EQ(l->tensors[i].precision, (uint32_t)DLA_PRECISION_FP16) << l->tensors[i].name;
    dla_loadable_destroy(l);
    l = nullptr;
    // INT8 layers need an INT8 network's scales.
    dla_compile_opts o16 = o;
    o16.precision = DLA_PRECISION_FP16;
    o16.layer_precision = "relu:int8";
    EXPECT_NE(dla_compile_onnx(p.c_str(), &o16, &l, &err), DLA_OK);
    EXPECT_NE(std::string(err.msg).find("asks for int8 in an fp16 network"), std::string::npos) << err.msg;
    struct {
        const char *spec, *expect;
    } bad[] = {{"nope:int8", "names 'nope', which is no node of a DLA layer"},
               {"conv:fp32", "'fp32' is not a DLA precision"},
               {"conv", "expected layer_name:fp16 or layer_name:int8"}};
    for (const auto &b : bad) {
        o.layer_precision = b.spec;
        EXPECT_NE(dla_compile_onnx(p.c_str(), &o, &l, &err), DLA_OK) << b.spec;
        EXPECT_EQ(l, nullptr);
        EXPECT_NE(std::string(err.msg).find(b.expect), std::string::npos) << err.msg;
    }
}
