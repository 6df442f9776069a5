// The DLA rules of docs/dla-rules.md that no other suite names (issue 4 audit): each refusal names the
// node, the rule and the values; rules with a numeric limit are checked at the limit (accepted) and one
// past it (refused). tests/check_rule_coverage.py keeps the table and the tests in step.
#include <functional>

#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

// DLA 2 (Orin) rules apply where the target has 2:4 sparsity (legality.c); RUBIK for deconvolutions.
dla_config orin_rules()
{
    dla_config c = orin_like();
    c.core.features.sparsity_2_4 = true;
    c.core.features.sdp_lut = true;
    c.core.features.rubik = true;
    return c;
}

// Builds a model with `build`, runs import..legality on cfg; the status, and the message in msg.
dla_status verdict(const dla_config &cfg, const std::function<void(tb_model *)> &build, std::string &msg,
                   int64_t opset = 17)
{
    ScratchDir dir;
    tb_model *m = tb_create(opset);
    build(m);
    std::string p = dir.file("rule.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_error err{};
    dla_status st;
    ir_graph *g = run_passes(p, &cfg, 3, &err, &st);
    ir_graph_destroy(g);
    msg = err.msg;
    return st;
}

void accepted(const dla_config &cfg, const std::function<void(tb_model *)> &build, int64_t opset = 17)
{
    std::string msg;
    EXPECT_EQ(verdict(cfg, build, msg, opset), DLA_OK) << msg;
}

// Refused naming node `node`, the rule and (when given) the values.
void refused(const dla_config &cfg, const std::function<void(tb_model *)> &build, const char *node, const char *rule,
             const char *values = nullptr, int64_t opset = 17)
{
    std::string msg;
    EXPECT_EQ(verdict(cfg, build, msg, opset), DLA_ERR_UNSUPPORTED) << rule;
    EXPECT_NE(msg.find(std::string("node '") + node + "'"), std::string::npos) << rule << ": " << msg;
    EXPECT_NE(msg.find(std::string("(rule ") + rule + ")"), std::string::npos) << msg;
    if (values) {
        EXPECT_NE(msg.find(values), std::string::npos) << rule << ": " << msg;
    }
}

const int64_t kCube[4] = {1, 4, 6, 6};

void input_cube(tb_model *m)
{
    tb_input(m, "x", 4, kCube);
}

void scalar(tb_model *m, const char *name, float v)
{
    const int64_t d[1] = {1};
    tb_init_f32(m, name, 0, d, &v, true);
}

// ConvTranspose x (1 x c x 4 x 4) -> y with weights c x k x kh x kw and strides s.
void deconv(tb_model *m, int c, int k, int kh, int kw, int s, bool const_w = true)
{
    const int64_t in[4] = {1, c, 4, 4}, wd[4] = {c, k, kh, kw};
    tb_input(m, "x", 4, in);
    if (const_w) {
        std::vector<float> w((size_t)(c * k * kh * kw), 0.25f);
        tb_init_f32(m, "w", 4, wd, w.data(), true);
    } else {
        tb_input(m, "w", 4, wd);
    }
    int n = tb_node(m, "ConvTranspose", "up", "x,w", "y");
    const int64_t ks[2] = {kh, kw}, st[2] = {s, s};
    tb_attr_ints(m, n, "kernel_shape", 2, ks);
    tb_attr_ints(m, n, "strides", 2, st);
    tb_output(m, "y");
}

} // namespace

// conv.weights: weights that are a network input (not a build-time constant) keep the Conv an ONNX op.
TEST(AuditRulesTest, ConvWithRuntimeWeightsIsRefusedByConvWeights)
{
    dla_config cfg = orin_rules();
    refused(
        cfg,
        [](tb_model *m) {
            input_cube(m);
            const int64_t wd[4] = {4, 4, 1, 1};
            tb_input(m, "w", 4, wd);
            tb_node(m, "Conv", "dyn_conv", "x,w", "y");
            tb_output(m, "y");
        },
        "dyn_conv", "conv.weights", "constant weights");
}

// pool.attributes: a dilated MaxPool (opset 10+) has no PDP equivalent.
TEST(AuditRulesTest, DilatedMaxPoolIsRefusedByPoolAttributes)
{
    dla_config cfg = orin_rules();
    auto pool = [](int64_t dil) {
        return [dil](tb_model *m) {
            input_cube(m);
            int n = tb_node(m, "MaxPool", "pool", "x", "y");
            const int64_t ks[2] = {2, 2}, dl[2] = {dil, dil};
            tb_attr_ints(m, n, "kernel_shape", 2, ks);
            tb_attr_ints(m, n, "dilations", 2, dl);
            tb_output(m, "y");
        };
    };
    accepted(cfg, pool(1));
    refused(cfg, pool(2), "pool", "pool.attributes", "dilation");
}

// feature.pdp: a target without a PDP refuses every pooling (the rule is a config feature flag).
TEST(AuditRulesTest, PoolingOnATargetWithoutPdpIsRefusedByFeaturePdp)
{
    dla_config cfg = orin_rules();
    auto pool = [](tb_model *m) {
        input_cube(m);
        int n = tb_node(m, "AveragePool", "avg", "x", "y");
        const int64_t ks[2] = {2, 2}, st[2] = {2, 2};
        tb_attr_ints(m, n, "kernel_shape", 2, ks);
        tb_attr_ints(m, n, "strides", 2, st);
        tb_output(m, "y");
    };
    accepted(cfg, pool);
    cfg.core.features.pdp = false;
    refused(cfg, pool, "avg", "feature.pdp", "no PDP");
}

// clip.range: Clip(0, max) is a ReLU plus the SDP clip; a negative lower bound is not. Opset 6 carries
// the bounds as attributes, opset 11+ as constant inputs: both forms are read.
TEST(AuditRulesTest, ClipBoundsFromOpset6AttributesAndOpset11InputsAndClipRange)
{
    dla_config cfg = orin_rules();
    auto attrs = [](float lo) {
        return [lo](tb_model *m) {
            input_cube(m);
            int n = tb_node(m, "Clip", "clip", "x", "y");
            tb_attr_float(m, n, "min", lo);
            tb_attr_float(m, n, "max", 6.0f);
            tb_output(m, "y");
        };
    };
    auto inputs = [](float lo) {
        return [lo](tb_model *m) {
            input_cube(m);
            scalar(m, "lo", lo);
            scalar(m, "hi", 6.0f);
            tb_node(m, "Clip", "clip", "x,lo,hi", "y");
            tb_output(m, "y");
        };
    };
    accepted(cfg, attrs(0.0f), 10); // Clip-6 (attributes) is the Clip of opsets 6..10
    refused(cfg, attrs(-1.0f), "clip", "clip.range", "Clip(0, max)", 10);
    accepted(cfg, inputs(0.0f), 11);
    refused(cfg, inputs(-1.0f), "clip", "clip.range", "Clip(0, max)", 11);
    // A bound computed at run time is not a constant.
    refused(
        cfg,
        [](tb_model *m) {
            input_cube(m);
            const int64_t d[1] = {1};
            tb_input(m, "hi", 1, d);
            scalar(m, "lo", 0.0f);
            tb_node(m, "Clip", "clip", "x,lo,hi", "y");
            tb_output(m, "y");
        },
        "clip", "clip.range", "constant bounds", 11);
}

// tensor.rank: an SDP layer (ReLU) on a 3-D activation has no NCHW / NxC view.
TEST(AuditRulesTest, ReluOfAThreeDimensionalTensorIsRefusedByTensorRank)
{
    dla_config cfg = orin_rules();
    refused(
        cfg,
        [](tb_model *m) {
            const int64_t d[3] = {1, 4, 6};
            tb_input(m, "x", 3, d);
            tb_node(m, "Relu", "relu3d", "x", "y");
            tb_output(m, "y");
        },
        "relu3d", "tensor.rank", "not a 4-D or N x C");
}

// act.rank: Sigmoid is a LUT op on N x C x H x W or N x C cubes only.
TEST(AuditRulesTest, SigmoidOfAThreeDimensionalTensorIsRefusedByActRank)
{
    dla_config cfg = orin_rules();
    refused(
        cfg,
        [](tb_model *m) {
            const int64_t d[3] = {1, 4, 6};
            tb_input(m, "x", 3, d);
            tb_node(m, "Sigmoid", "sig3d", "x", "y");
            tb_output(m, "y");
        },
        "sig3d", "act.rank", "N x C x H x W");
}

// compare.unit: Equal on DLA 1 and 2, Greater/Less on DLA 2 only (TensorRT), not modelled by dlasim;
// Greater on DLA 1 is TensorRT's plain op.unsupported.
TEST(AuditRulesTest, ComparisonsAreRefusedByCompareUnitOrAsUnsupportedOnXavier)
{
    auto cmp = [](const char *op) {
        return [op](tb_model *m) {
            input_cube(m);
            tb_input(m, "z", 4, kCube);
            tb_node(m, op, "cmp", "x,z", "y");
            tb_output(m, "y");
        };
    };
    dla_config orin = orin_rules(), xavier = orin_rules();
    xavier.core.features.sparsity_2_4 = false;
    refused(orin, cmp("Equal"), "cmp", "compare.unit", "Equal");
    refused(orin, cmp("Greater"), "cmp", "compare.unit", "Greater");
    refused(xavier, cmp("Equal"), "cmp", "compare.unit", "Equal");
    refused(xavier, cmp("Less"), "cmp", "op.unsupported", "Less");
}

// resize.coordinates: nearest Resize with align_corners has no DLA equivalent.
TEST(AuditRulesTest, NearestResizeWithAlignCornersIsRefusedByResizeCoordinates)
{
    dla_config cfg = orin_rules();
    auto resize = [](const char *ctm) {
        return [ctm](tb_model *m) {
            input_cube(m);
            const int64_t d4[1] = {4};
            const float sc[4] = {1, 1, 2, 2};
            tb_init_f32(m, "scales", 1, d4, sc, true);
            int n = tb_node(m, "Resize", "up", "x,,scales", "y");
            tb_attr_string(m, n, "mode", "nearest");
            tb_attr_string(m, n, "coordinate_transformation_mode", ctm);
            tb_attr_string(m, n, "nearest_mode", "floor");
            tb_output(m, "y");
        };
    };
    accepted(cfg, resize("asymmetric"));
    refused(cfg, resize("align_corners"), "up", "resize.coordinates", "asymmetric+floor");
}

// deconv.output_maps: 1..8192 output maps. A kernel == stride deconvolution is lowered to a conv first
// (deconv.c), so the rule is seen on one that is not (3x3, stride 1): at 8192 the refusal, if any, is
// dlasim's lowering gap (deconv.kernel_stride), not the limit; at 8193 it is the limit, with the value.
TEST(AuditRulesTest, DeconvOutputMapsAtAndPastTheLimitOf8192)
{
    dla_config cfg = orin_rules();
    std::string msg;
    verdict(
        cfg, [](tb_model *m) { deconv(m, 1, 8192, 3, 3, 1); }, msg);
    EXPECT_EQ(msg.find("deconv.output_maps"), std::string::npos) << msg;
    refused(
        cfg, [](tb_model *m) { deconv(m, 1, 8193, 3, 3, 1); }, "up", "deconv.output_maps", "8193 output maps");
}

// deconv.weights and deconv.dilation.
TEST(AuditRulesTest, DeconvWithRuntimeWeightsOrDilationIsRefused)
{
    dla_config cfg = orin_rules();
    refused(
        cfg, [](tb_model *m) { deconv(m, 2, 2, 2, 2, 2, false); }, "up", "deconv.weights", "constant");
    refused(
        cfg,
        [](tb_model *m) {
            deconv(m, 2, 2, 2, 2, 2);
            // the builder's last node is the ConvTranspose (node 0)
            const int64_t dl[2] = {2, 2};
            tb_attr_ints(m, 0, "dilations", 2, dl);
        },
        "up", "deconv.dilation", "dilation");
}

// concat.inputs: a constant operand cannot be concatenated in place (only activations).
TEST(AuditRulesTest, ConcatOfAnActivationAndAConstantIsRefusedByConcatInputs)
{
    dla_config cfg = orin_rules();
    refused(
        cfg,
        [](tb_model *m) {
            input_cube(m);
            std::vector<float> k(4 * 36, 1.0f);
            tb_init_f32(m, "k", 4, kCube, k.data(), true);
            tb_node(m, "Relu", "r", "x", "a");
            tb_node(m, "Concat", "cat", "a,k", "y");
            tb_attr_int(m, 1, "axis", 1);
            tb_output(m, "y");
        },
        "cat", "concat.inputs", "activations");
}

// concat.nested and concat.shared: an in-place concat input must be written once, by a DLA layer, into
// this concat only.
TEST(AuditRulesTest, InPlaceConcatOfAConcatOrOfOneTensorTwiceIsRefused)
{
    dla_config cfg = orin_rules();
    refused(
        cfg,
        [](tb_model *m) {
            input_cube(m);
            tb_node(m, "Relu", "r1", "x", "a");
            tb_node(m, "Sigmoid", "s1", "x", "b");
            int c1 = tb_node(m, "Concat", "inner", "a,b", "ab");
            tb_attr_int(m, c1, "axis", 1);
            tb_node(m, "Tanh", "t1", "x", "c");
            int c2 = tb_node(m, "Concat", "outer", "ab,c", "y");
            tb_attr_int(m, c2, "axis", 1);
            tb_output(m, "y");
        },
        "outer", "concat.nested", "input 'ab'");
    refused(
        cfg,
        [](tb_model *m) {
            input_cube(m);
            tb_node(m, "Relu", "r1", "x", "a");
            int c = tb_node(m, "Concat", "twice", "a,a", "y");
            tb_attr_int(m, c, "axis", 1);
            tb_output(m, "y");
        },
        "twice", "concat.shared", "concatenated twice");
    refused(
        cfg,
        [](tb_model *m) {
            input_cube(m);
            tb_node(m, "Relu", "r1", "x", "a");
            tb_node(m, "Sigmoid", "s1", "x", "b");
            tb_node(m, "Tanh", "t1", "x", "c");
            int c1 = tb_node(m, "Concat", "left", "a,b", "y1");
            tb_attr_int(m, c1, "axis", 1);
            int c2 = tb_node(m, "Concat", "right", "b,c", "y2");
            tb_attr_int(m, c2, "axis", 1);
            tb_output(m, "y1");
            tb_output(m, "y2");
        },
        "right", "concat.shared", "also feeds concat");
}

// pad.fold: only a zero H/W Pad before a Conv or pooling folds; a reflect Pad or one before a ReLU stays.
TEST(AuditRulesTest, PadThatCannotFoldIsRefusedByPadFold)
{
    dla_config cfg = orin_rules();
    auto pad = [](const char *mode, bool conv) {
        return [mode, conv](tb_model *m) {
            input_cube(m);
            const int64_t d8[1] = {8}, pads[8] = {0, 0, 1, 1, 0, 0, 1, 1};
            tb_init_i64(m, "pads", 1, d8, pads, true);
            int n = tb_node(m, "Pad", "pad", "x,pads", "xp");
            tb_attr_string(m, n, "mode", mode);
            if (conv)
                add_conv(m, "conv", "xp", "y", 4, 4, 3, 3, 1, 0, w_small);
            else
                tb_node(m, "Relu", "relu", "xp", "y");
            tb_output(m, "y");
        };
    };
    accepted(cfg, pad("constant", true));
    refused(cfg, pad("reflect", true), "pad", "pad.fold", "folded into the following Conv");
    refused(cfg, pad("constant", false), "pad", "pad.fold", "folded into the following Conv");
}

// concat.dims: equal N, H and W (inputs of different heights along the channel axis).
TEST(AuditRulesTest, ConcatOfDifferentHeightsIsRefusedByConcatDims)
{
    dla_config cfg = orin_rules();
    refused(
        cfg,
        [](tb_model *m) {
            input_cube(m);
            const int64_t shorter[4] = {1, 4, 5, 6};
            tb_input(m, "z", 4, shorter);
            tb_node(m, "Relu", "r1", "x", "a");
            tb_node(m, "Relu", "r2", "z", "b");
            int c = tb_node(m, "Concat", "cat", "a,b", "y");
            tb_attr_int(m, c, "axis", 1);
            tb_output(m, "y");
        },
        "cat", "concat.dims", "equal N, H and W");
}

// cbuf.fit at its limit. nv_small-like (32 banks x 512 entries of 8 B), 8 INT8 channels: one entry per
// pixel, so an input row of W pixels is W entries. The 3x3 weights (8 x 8 x 9 = 576 B) take 1 bank;
// one output row needs 3 input rows in the other 31 banks = 15872 entries: W = 5290 gives 15870
// (fits, partial-H), W = 5291 gives 15873 (refused, naming the rows, entries and banks).
TEST(AuditRulesTest, CbufFitAtTheLastInputRowWidthThatFitsAndOnePast)
{
    dla_config cfg = nv_small_like();
    auto compile = [&](int64_t w, std::string &msg) {
        ScratchDir dir;
        tb_model *m = tb_create(17);
        const int64_t in[4] = {1, 8, 4, w};
        tb_input(m, "x", 4, in);
        add_conv(m, "wide", "x", "y", 8, 8, 3, 3, 1, 1, w_small);
        tb_output(m, "y");
        std::string p = dir.file("wide.onnx");
        EXPECT_EQ(tb_save(m, p.c_str()), 0);
        tb_destroy(m);
        dla_compile_opts o = opts_for(&cfg);
        dla_loadable *ld = nullptr;
        dla_error err{};
        dla_status st = dla_compile_onnx(p.c_str(), &o, &ld, &err);
        dla_loadable_destroy(ld);
        msg = err.msg;
        return st;
    };
    std::string msg;
    EXPECT_EQ(compile(5290, msg), DLA_OK) << msg;
    EXPECT_EQ(compile(5291, msg), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(msg.find("layer 'wide': 3 input rows of 5291 CBUF entries each do not fit next to the smallest weight "
                       "set (1 banks) in 32 banks of 512 entries (rule cbuf.fit)"),
              std::string::npos)
        << msg;
}
