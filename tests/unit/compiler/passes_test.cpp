// Folding/shape inference, canonicalisation, legality and fusion, each checked on its own on
// small models written by the test.
#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

const ir_layer *layer_named(const ir_graph *g, const std::string &name)
{
    for (int i = 0; i < g->n_layers; i++)
        if (name == g->layers[i].name)
            return &g->layers[i];
    return nullptr;
}

} // namespace

TEST(FoldShapesTest, PyTorchShapeChainBeforeGemmFoldsToAConstantReshape)
{
    // x.view(x.size(0), -1) as exported: Shape -> Gather(0) -> Unsqueeze -> Concat([n], [-1]) -> Reshape.
    ScratchDir dir;
    tb_model *m = tb_create(13);
    const int64_t in[4] = {2, 8, 1, 1}, one[1] = {1}, zero_d[1] = {1};
    tb_input(m, "x", 4, in);
    const int64_t idx0 = 0, minus1 = -1, axes0 = 0;
    tb_init_i64(m, "idx", 0, zero_d, &idx0, true);
    tb_init_i64(m, "minus1", 1, one, &minus1, false);
    tb_init_i64(m, "axes", 1, one, &axes0, true);
    tb_node(m, "Shape", "shape", "x", "s");
    tb_node(m, "Gather", "gather", "s,idx", "n");
    tb_node(m, "Unsqueeze", "unsq", "n,axes", "n1");
    int cat = tb_node(m, "Concat", "concat", "n1,minus1", "target");
    tb_attr_int(m, cat, "axis", 0);
    tb_node(m, "Reshape", "reshape", "x,target", "flat");
    std::vector<float> w(4 * 8, 0.5f);
    const int64_t wd[2] = {4, 8};
    tb_init_f32(m, "W", 2, wd, w.data(), true);
    int gm = tb_node(m, "Gemm", "gemm", "flat,W", "y");
    tb_attr_int(m, gm, "transB", 1);
    tb_output(m, "y");
    std::string p = save(dir, m, "chain.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 1, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_tensor *target = &g->tensors[ir_tensor_find(g, "target")];
    ASSERT_TRUE(target->is_const);
    ASSERT_EQ(target->rank, 1);
    EXPECT_EQ(target->i[0], 2);
    EXPECT_EQ(target->i[1], -1);
    const ir_tensor *flat = &g->tensors[ir_tensor_find(g, "flat")];
    EXPECT_EQ(flat->rank, 2);
    EXPECT_EQ(flat->dims[0], 2);
    EXPECT_EQ(flat->dims[1], 8);
    EXPECT_EQ(alive_nodes(g), 2); // reshape + gemm: the shape chain folded away
    ASSERT_EQ(ir_canonicalize(g, &err), DLA_OK) << err.msg;
    EXPECT_EQ(alive_nodes(g), 1); // the reshape is absorbed by the FC
    const ir_node *fc = &g->nodes[find_node(g, "gemm")];
    EXPECT_EQ(fc->kind, IR_OP_CONV);
    EXPECT_TRUE(fc->conv.fc);
    EXPECT_EQ(fc->in[0], ir_tensor_find(g, "x"));
    ir_graph_destroy(g);
}

TEST(FoldShapesTest, IdentityIsRemovedAndItsReadersRewired)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 3, 3};
    tb_input(m, "x", 4, in);
    tb_node(m, "Identity", "id", "x", "x2");
    tb_node(m, "Relu", "relu", "x2", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "identity.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 1, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(g->nodes[find_node(g, "id")].kind, IR_OP_DEAD);
    EXPECT_EQ(g->nodes[find_node(g, "relu")].in[0], ir_tensor_find(g, "x"));
    EXPECT_EQ(g->tensors[ir_tensor_find(g, "y")].dims[3], 3);
    ir_graph_destroy(g);
}

TEST(FoldShapesTest, ConstantOfShapeChainFoldsLikeTheExporterMeansIt)
{
    // The exporter's expand-shape idiom: c = ConstantOfShape([2]) = [1, 1]; m = c * -1 = [-1, -1];
    // e = Equal([4, -1], m) = [0, 1]; Where(e, c, [4, -1]) = [4, 1]; then Expand a constant to it.
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 1, 1, 1}, d1[1] = {1}, d2[1] = {2};
    tb_input(m, "x", 4, in);
    const int64_t two = 2, neg = -1, target[2] = {4, -1};
    tb_init_i64(m, "len", 1, d1, &two, true);
    tb_init_i64(m, "neg", 0, d1, &neg, true);
    tb_init_i64(m, "target", 1, d2, target, true);
    const float col[2] = {1.5f, -2.0f};
    const int64_t cd[2] = {1, 2};
    tb_init_f32(m, "row", 2, cd, col, true);
    int cos = tb_node(m, "ConstantOfShape", "cos", "len", "c");
    const int64_t one_v = 1;
    tb_attr_tensor_i64(m, cos, "value", 1, d1, &one_v);
    tb_node(m, "Mul", "mul", "c,neg", "mneg");
    tb_node(m, "Equal", "eq", "target,mneg", "e");
    tb_node(m, "Where", "where", "e,c,target", "shape");
    tb_node(m, "Expand", "expand", "row,shape", "expanded");
    tb_node(m, "Relu", "relu", "x", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "cos.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 1, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_tensor *shape = &g->tensors[ir_tensor_find(g, "shape")];
    ASSERT_TRUE(shape->is_const);
    EXPECT_EQ(shape->i[0], 4);
    EXPECT_EQ(shape->i[1], 1);
    const ir_tensor *ex = &g->tensors[ir_tensor_find(g, "expanded")];
    ASSERT_TRUE(ex->is_const);
    // [1,2] expanded against [4,1] broadcasts to [4,2], every row = [1.5, -2].
    ASSERT_EQ(ex->rank, 2);
    EXPECT_EQ(ex->dims[0], 4);
    EXPECT_EQ(ex->dims[1], 2);
    EXPECT_EQ(ex->f[6], 1.5f);
    EXPECT_EQ(ex->f[7], -2.0f);
    ir_graph_destroy(g);
}

TEST(FoldShapesTest, UnsqueezeAndSqueezeTakeAxesFromAttributeBeforeOpset13AndFromInputAfter)
{
    for (int64_t opset : {11, 13}) {
        ScratchDir dir;
        tb_model *m = tb_create(opset);
        const int64_t in[4] = {1, 1, 1, 1}, d1[1] = {1}, d3[1] = {3};
        tb_input(m, "x", 4, in);
        const int64_t v[3] = {5, 6, 7}, ax = 0;
        tb_init_i64(m, "v", 1, d3, v, true);
        int u, s;
        if (opset < 13) {
            u = tb_node(m, "Unsqueeze", "unsq", "v", "v2");
            tb_attr_ints(m, u, "axes", 1, &ax);
            s = tb_node(m, "Squeeze", "sq", "v2", "v3");
            tb_attr_ints(m, s, "axes", 1, &ax);
        } else {
            tb_init_i64(m, "ax", 1, d1, &ax, true);
            tb_node(m, "Unsqueeze", "unsq", "v,ax", "v2");
            tb_node(m, "Squeeze", "sq", "v2,ax", "v3");
        }
        tb_node(m, "Relu", "relu", "x", "y");
        tb_output(m, "y");
        std::string p = save(dir, m, "sq.onnx");
        dla_config cfg = orin_like();
        dla_error err{};
        ir_graph *g = run_passes(p, &cfg, 1, &err);
        ASSERT_NE(g, nullptr) << err.msg;
        const ir_tensor *v2 = &g->tensors[ir_tensor_find(g, "v2")], *v3 = &g->tensors[ir_tensor_find(g, "v3")];
        EXPECT_TRUE(v2->is_const && v3->is_const) << opset;
        EXPECT_EQ(v2->rank, 2) << opset;
        EXPECT_EQ(v2->dims[0], 1) << opset;
        EXPECT_EQ(v3->rank, 1) << opset;
        EXPECT_EQ(v3->i[2], 7) << opset;
        ir_graph_destroy(g);
    }
}

TEST(FoldShapesTest, ConvAndPoolShapesFollowPadsStridesAndCeilMode)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 3, 32, 32};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 8, 3, 3, 3, 2, 1, w_small); // (32 + 2 - 3) / 2 + 1 = 16
    int mp = tb_node(m, "MaxPool", "pool", "c", "y");         // ceil((16 - 3) / 2) + 1 = 8 (floor gives 7)
    const int64_t k3[2] = {3, 3}, s2[2] = {2, 2};
    tb_attr_ints(m, mp, "kernel_shape", 2, k3);
    tb_attr_ints(m, mp, "strides", 2, s2);
    tb_attr_int(m, mp, "ceil_mode", 1);
    tb_output(m, "y");
    std::string p = save(dir, m, "shapes.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 2, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    const ir_tensor *c = &g->tensors[ir_tensor_find(g, "c")], *y = &g->tensors[ir_tensor_find(g, "y")];
    EXPECT_EQ(c->dims[1], 8);
    EXPECT_EQ(c->dims[2], 16);
    EXPECT_EQ(y->dims[2], 8);
    // ceil_mode becomes explicit bottom/right padding: (8 - 1) * 2 + 3 - 16 = 1.
    const ir_node *pool = &g->nodes[find_node(g, "pool")];
    EXPECT_EQ(pool->kind, IR_OP_POOL);
    EXPECT_EQ(pool->pool.pb, 1);
    EXPECT_EQ(pool->pool.pr, 1);
    EXPECT_EQ(pool->pool.pt, 0);
    ir_graph_destroy(g);
}

TEST(CanonicalizeTest, BatchNormFoldsIntoThePrecedingConvWeightsAndBias)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 1, 2, 2}, d2[1] = {2};
    tb_input(m, "x", 4, in);
    const float bias[2] = {0.5f, -1.0f};
    add_conv(
        m, "conv", "x", "c", 2, 1, 1, 1, 1, 0, [](int k, int, int, int) { return k == 0 ? 2.0f : 3.0f; }, bias);
    const float scale[2] = {3.0f, 0.5f}, b[2] = {0.1f, 0.2f}, mean[2] = {1.0f, 0.0f}, var[2] = {4.0f, 1.0f};
    tb_init_f32(m, "s", 1, d2, scale, true);
    tb_init_f32(m, "b", 1, d2, b, true);
    tb_init_f32(m, "mean", 1, d2, mean, true);
    tb_init_f32(m, "var", 1, d2, var, true);
    int bn = tb_node(m, "BatchNormalization", "bn", "c,s,b,mean,var", "y");
    tb_attr_float(m, bn, "epsilon", 0.0f);
    tb_output(m, "y");
    std::string p = save(dir, m, "bn.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 2, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(alive_nodes(g), 1);
    const ir_node *conv = &g->nodes[find_node(g, "conv")];
    ASSERT_EQ(conv->kind, IR_OP_CONV);
    EXPECT_EQ(conv->out[0], ir_tensor_find(g, "y"));
    EXPECT_STREQ(conv->merged, "conv + bn");
    // a = scale / sqrt(var) = [1.5, 0.5]; shift = b - mean * a = [-1.4, 0.2]
    // w' = w * a = [3, 1.5]; bias' = bias * a + shift = [0.75 - 1.4, -0.5 + 0.2] = [-0.65, -0.3]
    const float *w = g->tensors[conv->conv.weight].f, *bb = g->tensors[conv->conv.bias].f;
    EXPECT_FLOAT_EQ(w[0], 3.0f);
    EXPECT_FLOAT_EQ(w[1], 1.5f);
    EXPECT_FLOAT_EQ(bb[0], -0.65f);
    EXPECT_FLOAT_EQ(bb[1], -0.3f);
    // the original (possibly shared) initializer is untouched
    EXPECT_EQ(g->tensors[ir_tensor_find(g, "conv.w")].f[0], 2.0f);
    ir_graph_destroy(g);
}

TEST(CanonicalizeTest, BatchNormWithoutConvBecomesAnSdpScaleLayer)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 4, 4}, d2[1] = {2};
    tb_input(m, "x", 4, in);
    const float scale[2] = {2.0f, 1.0f}, b[2] = {0.0f, 1.0f}, mean[2] = {0.0f, 0.0f}, var[2] = {1.0f, 1.0f};
    tb_init_f32(m, "s", 1, d2, scale, true);
    tb_init_f32(m, "b", 1, d2, b, true);
    tb_init_f32(m, "mean", 1, d2, mean, true);
    tb_init_f32(m, "var", 1, d2, var, true);
    int bn = tb_node(m, "BatchNormalization", "bn", "x,s,b,mean,var", "t");
    tb_attr_float(m, bn, "epsilon", 0.0f);
    tb_node(m, "Relu", "relu", "t", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "bn_alone.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(g->n_layers, 1);
    const ir_layer *l = &g->layers[0];
    EXPECT_EQ(l->kind, IR_LAYER_SDP);
    EXPECT_STREQ(l->type, "scale");
    EXPECT_STREQ(l->name, "bn + relu");
    EXPECT_TRUE(l->relu);
    EXPECT_EQ(g->tensors[l->scale_mul].f[0], 2.0f);
    EXPECT_EQ(g->tensors[l->scale_add].f[1], 1.0f);
    ir_graph_destroy(g);
}

TEST(CanonicalizeTest, GemmAfterFlattenBecomesAConvWithTheWholeCubeAsKernel)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 2, 2}, wd[2] = {3, 16}, d3[1] = {3};
    tb_input(m, "x", 4, in);
    std::vector<float> W(48);
    for (int i = 0; i < 48; i++)
        W[i] = (float)i;
    const float bias[3] = {1, 2, 3};
    tb_init_f32(m, "W", 2, wd, W.data(), true);
    tb_init_f32(m, "B", 1, d3, bias, true);
    tb_node(m, "Flatten", "flatten", "x", "f");
    int gm = tb_node(m, "Gemm", "fc", "f,W,B", "y");
    tb_attr_int(m, gm, "transB", 1);
    tb_attr_float(m, gm, "alpha", 2.0f);
    tb_output(m, "y");
    std::string p = save(dir, m, "fc.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(g->n_layers, 1);
    const ir_node *fc = &g->nodes[g->layers[0].conv_node];
    EXPECT_EQ(fc->conv.kh, 2);
    EXPECT_EQ(fc->conv.kw, 2);
    EXPECT_EQ(fc->conv.c, 4);
    EXPECT_EQ(fc->conv.k, 3);
    EXPECT_STREQ(g->layers[0].type, "fc");
    EXPECT_STREQ(g->layers[0].name, "flatten + fc");
    // NCHW flatten order: W[k][c*4 + h*2 + w] is kernel k, channel c, row h, column w (times alpha 2).
    const float *w = g->tensors[fc->conv.weight].f;
    EXPECT_EQ(w[((2 * 4 + 3) * 2 + 1) * 2 + 0], 2.0f * W[2 * 16 + 3 * 4 + 1 * 2 + 0]);
    EXPECT_EQ(g->tensors[fc->conv.bias].f[2], 3.0f);
    ir_graph_destroy(g);
}

TEST(CanonicalizeTest, GlobalAveragePoolLargerThan8SplitsIntoLegalWindows)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 8, 10, 10};
    tb_input(m, "x", 4, in);
    tb_node(m, "GlobalAveragePool", "gap", "x", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "gap.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err); // legality passes: every window <= 8
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(g->n_layers, 2);
    // 10 = 5 x 2: a 5x5 stride-5 average to 2x2, then 2x2 to 1x1 (each stage averages equal blocks).
    const ir_pool *p1 = &g->nodes[g->layers[0].pool_node].pool, *p2 = &g->nodes[g->layers[1].pool_node].pool;
    EXPECT_EQ(p1->kh, 5);
    EXPECT_EQ(p1->sx, 5);
    EXPECT_EQ(p2->kw, 2);
    EXPECT_FALSE(p1->max);
    EXPECT_EQ(g->tensors[g->layers[0].out].dims[2], 2);
    EXPECT_EQ(g->layers[1].out, ir_tensor_find(g, "y"));
    EXPECT_STREQ(g->layers[1].name, "gap#2");
    ir_graph_destroy(g);
}

TEST(CanonicalizeTest, ClipZeroToSixBecomesReluPlusClipAndPadFoldsIntoConv)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 6, 6}, d8[1] = {8}, d1[1] = {1};
    tb_input(m, "x", 4, in);
    const int64_t pads[8] = {0, 0, 1, 2, 0, 0, 1, 2};
    tb_init_i64(m, "pads", 1, d8, pads, true);
    tb_node(m, "Pad", "pad", "x,pads", "xp");
    add_conv(m, "conv", "xp", "c", 2, 2, 3, 3, 1, 0, w_small);
    const float lo = 0.0f, hi = 6.0f;
    tb_init_f32(m, "lo", 0, d1, &lo, true);
    tb_init_f32(m, "hi", 0, d1, &hi, true);
    tb_node(m, "Clip", "clip", "c,lo,hi", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "clip.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(g->nodes[find_node(g, "pad")].kind, IR_OP_DEAD);
    const ir_node *conv = &g->nodes[find_node(g, "conv")];
    EXPECT_EQ(conv->in[0], ir_tensor_find(g, "x"));
    EXPECT_EQ(conv->conv.pt, 1);
    EXPECT_EQ(conv->conv.pl, 2);
    EXPECT_EQ(conv->conv.pb, 1);
    EXPECT_EQ(conv->conv.pr, 2);
    ASSERT_EQ(g->n_layers, 1);
    EXPECT_TRUE(g->layers[0].relu);
    EXPECT_TRUE(g->layers[0].clip);
    EXPECT_EQ(g->layers[0].clip_hi, 6.0f);
    EXPECT_STREQ(g->layers[0].name, "pad + conv + clip");
    ir_graph_destroy(g);
}

// NVDLA's PDP leaves padded positions out of MAX (docs/datapath.md step 6, checked by NVDLA's
// pdp_28x28x8_2x2_max trace test), so zeros from a Pad cannot become the pool's padding: the Pad stays
// a node of its own, which the DLA cannot run, and the error names it.
TEST(CanonicalizeTest, ZeroPadBeforeMaxPoolIsNotFoldedBecauseNvdlaMaxIgnoresPadding)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 4, 4}, d8[1] = {8};
    tb_input(m, "x", 4, in);
    const int64_t pads[8] = {0, 0, 1, 1, 0, 0, 1, 1};
    tb_init_i64(m, "pads", 1, d8, pads, true);
    tb_node(m, "Pad", "pad", "x,pads", "xp");
    int mp = tb_node(m, "MaxPool", "pool", "xp", "y");
    const int64_t k3[2] = {3, 3}, s1[2] = {1, 1};
    tb_attr_ints(m, mp, "kernel_shape", 2, k3);
    tb_attr_ints(m, mp, "strides", 2, s1);
    tb_output(m, "y");
    std::string p = save(dir, m, "padpool.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    EXPECT_EQ(g, nullptr);
    EXPECT_NE(std::string(err.msg).find("node 'pad' (Pad)"), std::string::npos) << err.msg;
    ir_graph_destroy(g);
}

TEST(LegalityTest, ConvKernel33IsRejectedNamingTheNodeAndRuleConvKernel)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 1, 40, 40};
    tb_input(m, "x", 4, in);
    add_conv(m, "big_conv", "x", "y", 1, 1, 33, 33, 1, 0, w_small);
    tb_output(m, "y");
    std::string p = save(dir, m, "k33.onnx");
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    dla_loadable *ld = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_compile_onnx(p.c_str(), &o, &ld, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_EQ(ld, nullptr);
    EXPECT_STREQ(err.msg, "k33.onnx: 1 layer cannot run on the DLA without GPU fallback (--allowGPUFallback): node "
                          "'big_conv' (Conv): kernel 33x33 exceeds DLA limit 32 (rule conv.kernel)");
}

TEST(LegalityTest, ElementwiseAddNeedsTheSdpEwStageAndOtherRulesAreListedTogether)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 8, 16, 16};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 8, 8, 3, 3, 1, 1, w_small);
    tb_node(m, "Add", "add", "c,x", "s");
    tb_node(m, "Sigmoid", "sig", "s", "t");
    int mp = tb_node(m, "MaxPool", "pool", "t", "y");
    const int64_t k9[2] = {9, 9};
    tb_attr_ints(m, mp, "kernel_shape", 2, k9);
    tb_output(m, "y");
    std::string p = save(dir, m, "rules.onnx");
    dla_config cfg = nv_small_like();
    dla_error err{};
    dla_status st;
    EXPECT_EQ(run_passes(p, &cfg, 3, &err, &st), nullptr);
    EXPECT_EQ(st, DLA_ERR_UNSUPPORTED);
    EXPECT_STREQ(
        err.msg,
        "rules.onnx: 3 layers cannot run on the DLA without GPU fallback (--allowGPUFallback): "
        "node 'add' (Add): the target's SDP has no element-wise stage (rule feature.sdp_ew); "
        "node 'sig' (Sigmoid): Sigmoid needs the SDP lookup table, which the target lacks (rule feature.sdp_lut); "
        "node 'pool' (MaxPool): window 9x9 exceeds DLA limit 8 (rule pool.window)");
}

TEST(FuseTest, ConvReluIsOneConvLayerWithReluInTheSdp)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 3, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 4, 3, 3, 3, 1, 1, w_small);
    tb_node(m, "Relu", "relu", "c", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "conv_relu.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(g->n_layers, 1);
    EXPECT_EQ(g->layers[0].kind, IR_LAYER_CONV);
    EXPECT_STREQ(g->layers[0].name, "conv + relu");
    EXPECT_STREQ(g->layers[0].type, "conv");
    EXPECT_TRUE(g->layers[0].relu);
    EXPECT_EQ(g->layers[0].out, ir_tensor_find(g, "y"));
    // 8 x 8 outputs x 4 kernels x 3 channels x 9 taps
    EXPECT_EQ(g->layers[0].macs, 8u * 8 * 4 * 3 * 9);
    ir_graph_destroy(g);
}

TEST(FuseTest, ConvBnReluMaxpoolGemmIsConvPoolAndFc)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {2, 3, 8, 8}, d4[1] = {4};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 4, 3, 3, 3, 1, 1, w_small);
    const float s[4] = {1, 2, 3, 4}, z[4] = {0, 0, 0, 0}, o[4] = {1, 1, 1, 1};
    tb_init_f32(m, "s", 1, d4, s, true);
    tb_init_f32(m, "z", 1, d4, z, true);
    tb_init_f32(m, "o", 1, d4, o, true);
    tb_node(m, "BatchNormalization", "bn", "c,s,z,z,o", "b");
    tb_node(m, "Relu", "relu", "b", "r");
    int mp = tb_node(m, "MaxPool", "pool", "r", "pl");
    const int64_t k2[2] = {2, 2};
    tb_attr_ints(m, mp, "kernel_shape", 2, k2);
    tb_attr_ints(m, mp, "strides", 2, k2);
    tb_node(m, "Flatten", "flatten", "pl", "f");
    std::vector<float> W(10 * 64, 0.01f);
    const int64_t wd[2] = {10, 64};
    tb_init_f32(m, "W", 2, wd, W.data(), true);
    int gm = tb_node(m, "Gemm", "gemm", "f,W", "y");
    tb_attr_int(m, gm, "transB", 1);
    tb_output(m, "y");
    std::string p = save(dir, m, "cbrpg.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(g->n_layers, 3);
    EXPECT_STREQ(g->layers[0].name, "conv + bn + relu");
    EXPECT_STREQ(g->layers[1].type, "pool");
    EXPECT_STREQ(g->layers[2].type, "fc");
    EXPECT_STREQ(g->layers[2].name, "flatten + gemm");
    // the FC reads the pooled 4x4x4 cube with a 4x4 kernel
    EXPECT_EQ(g->layers[2].in, g->layers[1].out);
    EXPECT_EQ(g->nodes[g->layers[2].conv_node].conv.kh, 4);
    ir_graph_destroy(g);
}

TEST(FuseTest, ResidualAddFusesIntoTheConvComputedLastAsItsEwStage)
{
    // Downsample block: a = conv_a(x), b = conv_b(x), y = relu(a + b). conv_a comes first; when it is
    // fused, b does not exist yet, so the Add goes into conv_b's SDP reading a.
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 8, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv_a", "x", "a", 8, 8, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_b", "x", "b", 8, 8, 3, 3, 1, 1, w_small);
    tb_node(m, "Add", "add", "a,b", "s");
    tb_node(m, "Relu", "relu", "s", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "residual.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(g->n_layers, 2);
    const ir_layer *b = layer_named(g, "conv_b + add + relu");
    ASSERT_NE(b, nullptr);
    EXPECT_STREQ(b->type, "conv+add");
    EXPECT_EQ(b->ew_in, ir_tensor_find(g, "a"));
    EXPECT_TRUE(b->relu);
    EXPECT_FALSE(b->relu_before_ew);
    EXPECT_EQ(g->layers[0].ew_in, -1);
    ir_graph_destroy(g);
}
