// Import pass: malformed files are refused with a message naming the file; initializers decode the
// same from every encoding; Constant nodes, attribute tensors and static input shapes.
#include <cmath>
#include <fstream>

#include "dla/rng.h"
#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

std::string write_conv_relu(ScratchDir &dir, const char *name, const int64_t *in_dims)
{
    tb_model *m = tb_create(17);
    tb_input(m, "x", 4, in_dims);
    add_conv(m, "conv", "x", "c", 4, 3, 3, 3, 1, 1, w_small);
    tb_node(m, "Relu", "relu", "c", "y");
    tb_output(m, "y");
    std::string p = dir.file(name);
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    return p;
}

} // namespace

TEST(OnnxImportTest, NotAnOnnxFileIsRefusedNamingTheFile)
{
    ScratchDir dir;
    std::string p = dir.file("notes.onnx");
    std::ofstream(p) << "this is plainly not a protobuf model, just text\n";
    ir_graph *g = nullptr;
    dla_error err{};
    EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_ERR_FORMAT);
    EXPECT_EQ(g, nullptr);
    EXPECT_NE(std::string(err.msg).find(p), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("not an ONNX model"), std::string::npos) << err.msg;
}

TEST(OnnxImportTest, EveryTruncationOfAValidModelIsRefusedWithoutCrashing)
{
    ScratchDir dir;
    const int64_t dims[4] = {1, 3, 8, 8};
    std::string good = write_conv_relu(dir, "good.onnx", dims);
    std::ifstream in(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 100u);
    std::string cut = dir.file("cut.onnx");
    // Every prefix must fail cleanly (format error or a later consistency error), never crash.
    int refused = 0;
    for (size_t len = 0; len < bytes.size(); len += 7) {
        std::ofstream(cut, std::ios::binary).write(bytes.data(), (std::streamsize)len);
        ir_graph *g = nullptr;
        dla_error err{};
        dla_status st = ir_import_onnx(cut.c_str(), 0, &g, &err);
        if (st == DLA_OK) {
            ir_graph_destroy(g); // a prefix that ends exactly at a field boundary may still be a model
            continue;
        }
        refused++;
        EXPECT_NE(std::string(err.msg).find("cut.onnx"), std::string::npos) << err.msg;
    }
    EXPECT_GT(refused, 0);
    // The common case: cut in the middle of the weights.
    std::ofstream(cut, std::ios::binary).write(bytes.data(), (std::streamsize)(bytes.size() / 2));
    ir_graph *g = nullptr;
    dla_error err{};
    EXPECT_NE(ir_import_onnx(cut.c_str(), 0, &g, &err), DLA_OK);
    EXPECT_NE(std::string(err.msg).find("truncated"), std::string::npos) << err.msg;
}

TEST(OnnxImportTest, DynamicInputDimensionIsRefusedNamingTheInput)
{
    ScratchDir dir;
    const int64_t dims[4] = {-1, 3, 8, 8};
    std::string p = write_conv_relu(dir, "dyn.onnx", dims);
    ir_graph *g = nullptr;
    dla_error err{};
    EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_ERR_UNSUPPORTED);
    std::string msg = err.msg;
    EXPECT_NE(msg.find("dyn.onnx"), std::string::npos) << msg;
    EXPECT_NE(msg.find("input 'x'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dynamic dimension 0"), std::string::npos) << msg;
    // An explicit batch resolves a dynamic batch dimension.
    ASSERT_EQ(ir_import_onnx(p.c_str(), 3, &g, &err), DLA_OK) << err.msg;
    EXPECT_EQ(g->tensors[g->inputs[0]].dims[0], 3);
    ir_graph_destroy(g);
}

TEST(OnnxImportTest, InitializersDecodeIdenticallyFromRawAndTypedFields)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 1, 1, 1}, d3[1] = {3};
    tb_input(m, "x", 4, in);
    const float f[3] = {1.5f, -2.25f, 3.0f};
    const int64_t i64[3] = {7, -8, 1LL << 40};
    const int32_t i32[3] = {5, -6, 70000};
    const int32_t i8[3] = {-128, 0, 127};
    const int32_t u8[3] = {0, 200, 255};
    const int32_t h[3] = {0x3C00, 0xC000, 0x3555}; // binary16 1.0, -2.0, 0.33325195
    const double dd[3] = {0.5, -1e-3, 12345.0};
    tb_init_f32(m, "f_raw", 1, d3, f, true);
    tb_init_f32(m, "f_typed", 1, d3, f, false);
    tb_init_i64(m, "i64_raw", 1, d3, i64, true);
    tb_init_i64(m, "i64_typed", 1, d3, i64, false);
    tb_init_i32_field(m, "i32", IR_ONNX_INT32, 1, d3, i32);
    tb_init_i32_field(m, "i8", IR_ONNX_INT8, 1, d3, i8);
    tb_init_i32_field(m, "u8", IR_ONNX_UINT8, 1, d3, u8);
    tb_init_i32_field(m, "h", IR_ONNX_FLOAT16, 1, d3, h);
    tb_init_f64(m, "d", 1, d3, dd);
    tb_node(m, "Relu", "relu", "x", "y");
    tb_output(m, "y");
    std::string p = dir.file("typed.onnx");
    ASSERT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    ir_graph *g = nullptr;
    dla_error err{};
    ASSERT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_OK) << err.msg;
    auto T = [&](const char *n) { return &g->tensors[ir_tensor_find(g, n)]; };
    for (int k = 0; k < 3; k++) {
        EXPECT_EQ(T("f_raw")->f[k], f[k]);
        EXPECT_EQ(T("f_typed")->f[k], f[k]);
        EXPECT_EQ(T("i64_raw")->i[k], i64[k]);
        EXPECT_EQ(T("i64_typed")->i[k], i64[k]);
        EXPECT_EQ(T("i32")->i[k], i32[k]);
        EXPECT_EQ(T("i8")->i[k], i8[k]);
        EXPECT_EQ(T("u8")->i[k], u8[k]);
        EXPECT_FLOAT_EQ(T("d")->f[k], (float)dd[k]);
    }
    EXPECT_EQ(T("h")->f[0], 1.0f);
    EXPECT_EQ(T("h")->f[1], -2.0f);
    EXPECT_FLOAT_EQ(T("h")->f[2], 1365.0f / 4096.0f); // 0x3555: (1 + 341/1024) * 2^-2
    ir_graph_destroy(g);
}

TEST(OnnxImportTest, ConstantNodesAndInitializerInputsBecomeConstants)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 1, 1}, d2[1] = {2};
    tb_input(m, "x", 4, in);
    tb_input(m, "w_as_input", 1, d2); // also an initializer: a constant, not a network input
    const float w[2] = {3, 4};
    tb_init_f32(m, "w_as_input", 1, d2, w, true);
    int c1 = tb_node(m, "Constant", "c_floats", "", "cf");
    const float fl[2] = {0.5f, 0.25f};
    tb_attr_floats(m, c1, "value_floats", 2, fl);
    int c2 = tb_node(m, "Constant", "c_int", "", "ci");
    tb_attr_int(m, c2, "value_int", 42);
    int c3 = tb_node(m, "Constant", "c_tensor", "", "ct");
    const int64_t shp[2] = {1, 2};
    tb_attr_tensor_i64(m, c3, "value", 1, d2, shp);
    tb_node(m, "Relu", "relu", "x", "y");
    tb_output(m, "y");
    std::string p = dir.file("consts.onnx");
    ASSERT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    ir_graph *g = nullptr;
    dla_error err{};
    ASSERT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_OK) << err.msg;
    EXPECT_EQ(g->n_inputs, 1);
    EXPECT_STREQ(g->tensors[g->inputs[0]].name, "x");
    const ir_tensor *cf = &g->tensors[ir_tensor_find(g, "cf")];
    ASSERT_TRUE(cf->is_const);
    EXPECT_EQ(cf->f[1], 0.25f);
    const ir_tensor *ci = &g->tensors[ir_tensor_find(g, "ci")];
    EXPECT_EQ(ci->rank, 0);
    EXPECT_EQ(ci->i[0], 42);
    const ir_tensor *ct = &g->tensors[ir_tensor_find(g, "ct")];
    EXPECT_EQ(ct->i[1], 2);
    EXPECT_TRUE(g->tensors[ir_tensor_find(g, "w_as_input")].is_const);
    ir_graph_destroy(g);
}

TEST(OnnxImportTest, AbsurdShapesAndInconsistentDataAreRefusedBeforeAllocating)
{
    ScratchDir dir;
    const int64_t in[4] = {1, 1, 1, 1};
    {
        tb_model *m = tb_create(17);
        tb_input(m, "x", 4, in);
        const int64_t huge[2] = {1LL << 20, 1LL << 20}; // 2^40 elements, 4 bytes of data
        const float one = 1.0f;
        tb_init_raw(m, "big", IR_ONNX_FLOAT, 2, huge, &one, sizeof one);
        tb_node(m, "Relu", "relu", "x", "y");
        tb_output(m, "y");
        std::string p = dir.file("huge.onnx");
        ASSERT_EQ(tb_save(m, p.c_str()), 0);
        tb_destroy(m);
        ir_graph *g = nullptr;
        dla_error err{};
        EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_ERR_LIMIT);
        EXPECT_NE(std::string(err.msg).find("'big'"), std::string::npos) << err.msg;
    }
    {
        tb_model *m = tb_create(17);
        tb_input(m, "x", 4, in);
        const int64_t d4[1] = {4};
        const float three[3] = {1, 2, 3};
        tb_init_raw(m, "short", IR_ONNX_FLOAT, 1, d4, three, sizeof three); // 12 bytes for 4 floats
        tb_node(m, "Relu", "relu", "x", "y");
        tb_output(m, "y");
        std::string p = dir.file("short.onnx");
        ASSERT_EQ(tb_save(m, p.c_str()), 0);
        tb_destroy(m);
        ir_graph *g = nullptr;
        dla_error err{};
        EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_ERR_FORMAT);
        EXPECT_NE(std::string(err.msg).find("raw_data has 12 bytes, expected 16"), std::string::npos) << err.msg;
    }
}

// A chain of 20001 Relus: one node past the limit is refused before the graph is built (the passes are
// quadratic in the node count; 20000 nodes compile in about 2 minutes, so that side is not run here).
TEST(OnnxImportTest, GraphsOfMoreThanTwentyThousandNodesAreRefused)
{
    ScratchDir dir;
    const int64_t in[4] = {1, 8, 4, 4};
    tb_model *m = tb_create(17);
    tb_input(m, "x", 4, in);
    std::string prev = "x";
    for (int i = 0; i < 20001; i++) {
        std::string name = "r" + std::to_string(i);
        tb_node(m, "Relu", name.c_str(), prev.c_str(), name.c_str());
        prev = name;
    }
    tb_output(m, prev.c_str());
    std::string p = dir.file("long.onnx");
    ASSERT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    ir_graph *g = nullptr;
    dla_error err{};
    EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_ERR_LIMIT);
    EXPECT_EQ(g, nullptr);
    EXPECT_EQ(std::string(err.msg), p + ": the graph has 20001 nodes, at most 20000 supported");
}

TEST(OnnxImportTest, ReadingAnUndefinedTensorIsRefusedNamingNodeAndTensor)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 1, 2, 2};
    tb_input(m, "x", 4, in);
    tb_node(m, "Add", "the_add", "x,ghost", "y");
    tb_output(m, "y");
    std::string p = dir.file("ghost.onnx");
    ASSERT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    ir_graph *g = nullptr;
    dla_error err{};
    EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("'the_add'"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("'ghost'"), std::string::npos) << err.msg;
}

TEST(OnnxImportTest, RandomlyCorruptedModelsFailCleanlyThroughTheWholeCompiler)
{
    // A conv -> relu -> maxpool -> flatten -> gemm model with bytes overwritten at pseudo-random
    // places: every compile must return (OK or an error with a message), never crash or leak.
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 3, 8, 8}, wd[2] = {4, 64};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 4, 3, 3, 3, 1, 1, w_small);
    tb_node(m, "Relu", "relu", "c", "r");
    int mp = tb_node(m, "MaxPool", "pool", "r", "p");
    const int64_t k2[2] = {2, 2};
    tb_attr_ints(m, mp, "kernel_shape", 2, k2);
    tb_attr_ints(m, mp, "strides", 2, k2);
    tb_node(m, "Flatten", "flatten", "p", "f");
    std::vector<float> W(4 * 64, 0.02f);
    tb_init_f32(m, "W", 2, wd, W.data(), false);
    int gm = tb_node(m, "Gemm", "fc", "f,W", "y");
    tb_attr_int(m, gm, "transB", 1);
    tb_output(m, "y");
    std::string good = dir.file("good.onnx");
    ASSERT_EQ(tb_save(m, good.c_str()), 0);
    tb_destroy(m);
    std::ifstream is(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    {
        dla_loadable *ld = nullptr;
        dla_error err{};
        ASSERT_EQ(dla_compile_onnx(good.c_str(), &o, &ld, &err), DLA_OK) << err.msg;
        dla_loadable_destroy(ld);
    }
    std::string bad = dir.file("bad.onnx");
    uint64_t state = 12345;
    int failed = 0;
    for (int trial = 0; trial < 300; trial++) {
        std::string b = bytes;
        int flips = 1 + (int)(dla_rng_next(&state) % 4);
        for (int f = 0; f < flips; f++)
            b[dla_rng_next(&state) % b.size()] = (char)(dla_rng_next(&state) & 0xFF);
        std::ofstream(bad, std::ios::binary).write(b.data(), (std::streamsize)b.size());
        dla_loadable *ld = nullptr;
        dla_error err{};
        dla_status st = dla_compile_onnx(bad.c_str(), &o, &ld, &err);
        if (st != DLA_OK) {
            failed++;
            EXPECT_EQ(ld, nullptr);
            EXPECT_GT(std::strlen(err.msg), 10u);
        }
        dla_loadable_destroy(ld);
    }
    EXPECT_GT(failed, 0);
}
