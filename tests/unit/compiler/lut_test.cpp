// Lookup-table activations and element-wise Mul (sw/compiler/lut.c, docs/compiler.md "Lookup-table
// activations"): canonicalisation (Sigmoid/Tanh, SiLU = Mul(x, Sigmoid(x)), Mul of two activations),
// fusion, legality with rule names, and the INT8 table geometry.
#include <cmath>

#include "test_support.h"

using namespace dlatest;

namespace {

// conv 4->8 3x3 on 1x4x8x8, then the tail built by `tail` from the conv output "c" to output "y".
template <typename F> std::string conv_then(ScratchDir &dir, const char *file, F tail)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 8, 4, 3, 3, 1, 1, w_small);
    tail(m);
    tb_output(m, "y");
    return save(dir, m, file);
}

dla_status compile(const std::string &p, const dla_config &cfg, dla_loadable **ld, dla_error *err,
                   dla_precision prec = DLA_PRECISION_INT8, bool fallback = false)
{
    dla_compile_opts o = opts_for(&cfg, prec);
    o.allow_gpu_fallback = fallback;
    return dla_compile_onnx(p.c_str(), &o, ld, err);
}

dla_config orin_lut()
{
    dla_config c = orin_like();
    c.core.features.sdp_lut = true;
    return c;
}

} // namespace

TEST(LutTest, SiluAfterAConvIsOneSdpPassWithALutAndNoEwOperand)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "silu.onnx", [](tb_model *m) {
        tb_node(m, "Sigmoid", "sig", "c", "s");
        tb_node(m, "Mul", "mul", "c,s", "y");
    });
    dla_config cfg = orin_lut();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    // conv + its fused SDP, nothing else; the SDP carries the LUT and reads no EW operand.
    ASSERT_EQ(ld->num_ops, 2u);
    EXPECT_EQ(ld->ops[1].kind, uint32_t(DLA_OP_SDP));
    EXPECT_EQ(ld->ops[1].u.sdp.ew.enable, 0u);
    ASSERT_EQ(ld->num_luts, 1u);
    EXPECT_EQ(ld->luts[0].op, 1u);
    EXPECT_STREQ(ld->layers[0].type, "conv+silu");
    EXPECT_STREQ(ld->layers[0].name, "conv + sig + mul");
    // Geometry (docs/compiler.md): R = 8, h = R/128 = 1/16, F = 8: LO [-128, 128] * 2^8 with select 8,
    // LE 4x wider with select 12; LO wins when both hit, LE when both under/overflow.
    const dla_llut &t = ld->luts[0];
    EXPECT_EQ(t.lo_start, -32768);
    EXPECT_EQ(t.lo_end, 32768);
    EXPECT_EQ(t.lo_index_select, 8);
    EXPECT_EQ(t.le_start, -131072);
    EXPECT_EQ(t.le_index_select, 12);
    EXPECT_EQ(t.le_function, 1u);
    EXPECT_EQ(t.hybrid_priority, 1u);
    EXPECT_EQ(t.uflow_priority + t.oflow_priority, 0u);
    // Table units s_t = silu(32) / 32767 (the largest |f| on the grid): LE[64] = 32767, LO[128] = silu(0)
    // = 0, LO[256] = silu(8) / s_t = 7.99732 * 32767 / 32 = 8188.9 -> 8189; LE overflow slope 1 in
    // table units per input unit: (1/4096) / (32/32767) = 0.24999 -> 8192 >> 15 after rounding.
    EXPECT_EQ(t.le[64], 32767);
    EXPECT_EQ(t.lo[128], 0);
    EXPECT_EQ(t.lo[256], 8189);
    EXPECT_EQ(t.le_oflow_scale, 8192);
    EXPECT_EQ(t.le_oflow_shift, 15);
    dla_loadable_destroy(ld);
}

TEST(LutTest, SigmoidWhoseInputHasASecondReaderIsAnOfflineSdpOp)
{
    ScratchDir dir;
    // c feeds the Sigmoid and the Add: the conv's SDP must write c, the sigmoid runs offline.
    std::string p = conv_then(dir, "two.onnx", [](tb_model *m) {
        tb_node(m, "Sigmoid", "sig", "c", "s");
        tb_node(m, "Add", "add", "c,s", "y");
    });
    dla_config cfg = orin_lut();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ld->num_layers, 3u);
    EXPECT_STREQ(ld->layers[1].type, "sigmoid");
    ASSERT_EQ(ld->num_luts, 1u);
    EXPECT_EQ(ld->ops[ld->luts[0].op].u.sdp.src.region >= 0, true); // offline: reads memory
    dla_loadable_destroy(ld);
}

TEST(LutTest, MulOfTwoActivationsIsAnEwProdAndBroadcastMulIsRefusedWithItsRule)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "mul.onnx", [](tb_model *m) {
        tb_node(m, "Relu", "relu", "c", "r");
        tb_node(m, "Mul", "mul", "r,c", "y");
    });
    dla_config cfg = orin_lut();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    const dla_lsdp &s = ld->ops[ld->num_ops - 1].u.sdp;
    EXPECT_EQ(s.ew.enable, 1u);
    EXPECT_EQ(s.ew.alu_op, uint32_t(DLA_ALU_PROD));
    EXPECT_EQ(s.ew.mul_enable, 1u);
    // cvt_scale / 2^mul_shift = the operand's scale, cvt_scale with 15 significant bits.
    EXPECT_GE(s.ew.cvt_scale, 16384);
    EXPECT_LE(s.ew.cvt_scale, 32767);
    dla_loadable_destroy(ld);
    ld = nullptr;

    // x (1x8x8x8) times a 1x1x8x8 activation: not an element-wise product of equal shapes.
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 8, 4, 3, 3, 1, 1, w_small);
    add_conv(m, "conv1", "x", "d", 1, 4, 3, 3, 1, 1, w_small);
    tb_node(m, "Mul", "bmul", "c,d", "y");
    tb_output(m, "y");
    std::string pb = save(dir, m, "bmul.onnx");
    EXPECT_EQ(compile(pb, cfg, &ld, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("node 'bmul' (Mul): only Sum or Mul of two equal-shaped activations"),
              std::string::npos)
        << err.msg;
    EXPECT_NE(std::string(err.msg).find("(rule eltwise.operands)"), std::string::npos) << err.msg;
}

TEST(LutTest, TargetsWithoutTheLutOrEwStageRefuseNamingTheRuleAndFallbackMovesThemToTheGpu)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "tanh.onnx", [](tb_model *m) { tb_node(m, "Tanh", "th", "c", "y"); });
    dla_config cfg = orin_like(); // sdp_lut false
    dla_loadable *ld = nullptr;
    dla_error err{};
    EXPECT_EQ(compile(p, cfg, &ld, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("node 'th' (Tanh): Tanh needs the SDP lookup table, which the target lacks "
                                        "(rule feature.sdp_lut)"),
              std::string::npos)
        << err.msg;
    ASSERT_EQ(compile(p, cfg, &ld, &err, DLA_PRECISION_INT8, true), DLA_OK) << err.msg;
    EXPECT_EQ(ld->num_luts, 0u);
    EXPECT_EQ(ld->num_gpu_layers, 1u);
    dla_loadable_destroy(ld);
    ld = nullptr;
    // SiLU with the LUT but without the EW stage: TensorRT's Sigmoid + ElementWise PROD needs both.
    std::string ps = conv_then(dir, "silu2.onnx", [](tb_model *m) {
        tb_node(m, "Sigmoid", "sig", "c", "s");
        tb_node(m, "Mul", "mul", "s,c", "y");
    });
    dla_config no_ew = orin_lut();
    no_ew.core.features.sdp_ew = false;
    EXPECT_EQ(compile(ps, no_ew, &ld, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("node 'mul' (Mul): TensorRT runs SiLU as Sigmoid + ElementWise PROD"),
              std::string::npos)
        << err.msg;
}

TEST(LutTest, SigmoidWhoseOutputIsAlsoANetworkOutputIsNotFusedIntoASilu)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "so.onnx", [](tb_model *m) {
        tb_node(m, "Sigmoid", "sig", "c", "s");
        tb_node(m, "Mul", "mul", "c,s", "y");
        tb_output(m, "s");
    });
    dla_config cfg = orin_lut();
    dla_loadable *ld = nullptr;
    dla_error err{};
    ASSERT_EQ(compile(p, cfg, &ld, &err), DLA_OK) << err.msg;
    // Sigmoid (a LUT op of its own, it is read twice) and the Mul (EW prod of c and s).
    EXPECT_EQ(ld->num_luts, 1u);
    bool prod = false;
    for (uint32_t i = 0; i < ld->num_ops; ++i)
        prod = prod || (ld->ops[i].kind == DLA_OP_SDP && ld->ops[i].u.sdp.ew.alu_op == DLA_ALU_PROD);
    EXPECT_TRUE(prod);
    dla_loadable_destroy(ld);
}

TEST(LutTest, Fp16LutLayerIsRefusedNamingTheLayer)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "sig16.onnx", [](tb_model *m) { tb_node(m, "Sigmoid", "sig", "c", "y"); });
    dla_config cfg = orin_lut();
    dla_loadable *ld = nullptr;
    dla_error err{};
    EXPECT_EQ(compile(p, cfg, &ld, &err, DLA_PRECISION_FP16), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("layer 'conv + sig': sigmoid in FP16"), std::string::npos) << err.msg;
    EXPECT_EQ(ld, nullptr);
}
