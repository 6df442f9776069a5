// PReLU, Max, Min, Sub and Abs on the SDP (sw/compiler/sdp_ops.c, docs/compiler.md "PReLU, Max, Min,
// Sub and Abs on the SDP"): slope quantisation (hand-derived values), canonicalisation, fusion, the
// stage settings each mapping emits, and the float reference.
#include <cmath>
#include <cstdlib>

#include "test_support.h"

using namespace dlatest;

namespace {

// conv 4->8 3x3 on 1x4x8x8 ("c"), then the tail built by `tail` from "c" (and "x") to output "y".
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

struct Compiled {
    dla_loadable *ld = nullptr;
    ~Compiled() { dla_loadable_destroy(ld); }
};

dla_status compile(const std::string &p, Compiled *out, dla_error *err, dla_precision prec = DLA_PRECISION_INT8)
{
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg, prec);
    return dla_compile_onnx(p.c_str(), &o, &out->ld, err);
}

int16_t blob16(const dla_loadable *ld, uint64_t off)
{
    const uint8_t *p = ld->blob + ld->regions[0].blob_offset + off;
    return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

float out_scale(const dla_loadable *ld)
{
    for (uint32_t i = 0; i < ld->num_tensors; i++)
        if (ld->tensors[i].role == DLA_TENSOR_OUTPUT)
            return ld->tensors[i].scale;
    return 0.0f;
}

// Two convs of x ("a": 3x3, "b": 1x1, both 8 channels) and `op` of them in the order given.
std::string two_convs(ScratchDir &dir, const char *file, const char *op, const char *ins)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "ca", "x", "a", 8, 4, 3, 3, 1, 1, w_small);
    add_conv(m, "cb", "x", "b", 8, 4, 1, 1, 1, 0, w_small);
    tb_node(m, op, "op", ins, "y");
    tb_output(m, "y");
    return save(dir, m, file);
}

} // namespace

// ---- slope quantisation: q / 2^shift ~ slope with |q| <= 32767, the shift of smallest max error ------

TEST(SdpOpsTest, SlopeQuantizationPicksTheSmallestShiftThatIsExactForDyadicSlopes)
{
    int16_t q[2];
    int shift = -1;
    double e = 1;
    const float quarter[1] = {0.25f}; // 0.25 = 1 / 2^2: exact from shift 2 on, the first is kept
    ASSERT_TRUE(ir_prelu_slope_quantize(quarter, 1, 48, q, &shift, &e));
    EXPECT_EQ(shift, 2);
    EXPECT_EQ(q[0], 1);
    EXPECT_EQ(e, 0.0);
    const float two[2] = {0.5f, -1.5f}; // 1 / 2^1 and -3 / 2^1
    ASSERT_TRUE(ir_prelu_slope_quantize(two, 2, 48, q, &shift, &e));
    EXPECT_EQ(shift, 1);
    EXPECT_EQ(q[0], 1);
    EXPECT_EQ(q[1], -3);
}

TEST(SdpOpsTest, SlopeQuantizationUsesTheFinestShiftTheLargestSlopeAllows)
{
    int16_t q[2];
    int shift = -1;
    double e = 1;
    // 0.3 * 2^16 = 19660.8 -> 19661 (error 0.2 / 2^16 = 3.05e-6, plus 0.3f's own 1.2e-8); 2^17 gives
    // 39321.6 > 32767; 2^15 and 2^14 err by 0.4 / 2^15 and 0.2 / 2^14 = 1.22e-5.
    const float s03[1] = {0.3f};
    ASSERT_TRUE(ir_prelu_slope_quantize(s03, 1, 48, q, &shift, &e));
    EXPECT_EQ(shift, 16);
    EXPECT_EQ(q[0], 19661);
    EXPECT_NEAR(e, 19661.0 / 65536.0 - (double)0.3f, 1e-15);
    EXPECT_LE(e, 0.5 / 65536.0);
    // Per channel, one shift: 3.0 * 2^13 = 24576 fits, 2^14 does not; 0.1 * 2^13 = 819.2 -> 819.
    const float mixed[2] = {3.0f, 0.1f};
    ASSERT_TRUE(ir_prelu_slope_quantize(mixed, 2, 48, q, &shift, &e));
    EXPECT_EQ(shift, 13);
    EXPECT_EQ(q[0], 24576);
    EXPECT_EQ(q[1], 819);
    // The shift limit: 0.3 at most 2^4: 4.8 -> 5 (error 0.0125) beats 2^3 (2.4 -> 2, 0.05).
    ASSERT_TRUE(ir_prelu_slope_quantize(s03, 1, 4, q, &shift, &e));
    EXPECT_EQ(shift, 4);
    EXPECT_EQ(q[0], 5);
}

TEST(SdpOpsTest, SlopeQuantizationBreaksTiesTowardsTheSmallerShift)
{
    // 1e-6 * 2^34 = 17179.87 -> 17180 (2^35 overflows); 17180 = 4 * 4295 and 1e-6 * 2^32 = 4294.97 ->
    // 4295: the same value, hence the same error, at shift 32 (2^31: 2147.48 -> 2147 errs more).
    const float tiny[1] = {1e-6f};
    int16_t q[1];
    int shift = -1;
    ASSERT_TRUE(ir_prelu_slope_quantize(tiny, 1, 48, q, &shift, nullptr));
    EXPECT_EQ(shift, 32);
    EXPECT_EQ(q[0], 4295);
}

TEST(SdpOpsTest, SlopeQuantizationAcceptsPlusMinus32767AndRefusesOnePastAndNonFinite)
{
    int16_t q[1];
    int shift = -1;
    const float at[2] = {32767.0f, -32767.0f};
    for (float s : at) {
        ASSERT_TRUE(ir_prelu_slope_quantize(&s, 1, 48, q, &shift, nullptr)) << s;
        EXPECT_EQ(shift, 0);
        EXPECT_EQ(q[0], (int16_t)s);
    }
    const float past[4] = {32768.0f, -32768.0f, NAN, INFINITY};
    for (float s : past)
        EXPECT_FALSE(ir_prelu_slope_quantize(&s, 1, 48, q, &shift, nullptr)) << s;
    const float zero[1] = {0.0f};
    ASSERT_TRUE(ir_prelu_slope_quantize(zero, 1, 48, q, &shift, nullptr));
    EXPECT_EQ(shift, 0);
    EXPECT_EQ(q[0], 0);
}

// ---- mapping ----------------------------------------------------------------------------------------

TEST(SdpOpsTest, LeakyReluAfterAConvIsAPerLayerPreluMultiplierInTheConvsBnStage)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "leaky.onnx", [](tb_model *m) {
        int n = tb_node(m, "LeakyRelu", "leaky", "c", "y");
        tb_attr_float(m, n, "alpha", 0.3f);
    });
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile(p, &c, &err), DLA_OK) << err.msg;
    ASSERT_EQ(c.ld->num_ops, 2u); // conv + its on-the-fly SDP
    const dla_lsdp &s = c.ld->ops[1].u.sdp;
    EXPECT_EQ(s.bs.mul_prelu, 0u); // BS requantises every value
    EXPECT_EQ(s.bn.enable, 1u);
    EXPECT_EQ(s.bn.alu_enable, 0u);
    EXPECT_EQ(s.bn.mul_enable, 1u);
    EXPECT_EQ(s.bn.mul_prelu, 1u);
    EXPECT_EQ(s.bn.mul_src, uint32_t(DLA_OPERAND_PER_LAYER));
    EXPECT_EQ(s.bn.mul_operand, 19661); // 0.3 -> 19661 >> 16 (derived above)
    EXPECT_EQ(s.bn.mul_shift, 16u);
    EXPECT_EQ(s.ew.enable, 0u);
}

TEST(SdpOpsTest, PerChannelPreluAfterAConvReadsItsOwnBnTableAfterBsTable)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 8, 4, 3, 3, 1, 1, w_small);
    float sl[8];
    for (int k = 0; k < 8; k++)
        sl[k] = 0.25f * (float)k - 1.0f; // -1 .. 0.75: all k / 4 - 1, exact at shift 2 (q = k - 4)
    const int64_t d[3] = {8, 1, 1};
    tb_init_f32(m, "slope", 3, d, sl, true);
    tb_node(m, "PRelu", "prelu", "c,slope", "p");
    tb_node(m, "Relu", "relu", "p", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "prelu_relu.onnx");
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile(p, &c, &err), DLA_OK) << err.msg;
    ASSERT_EQ(c.ld->num_ops, 2u);
    const dla_lsdp &s = c.ld->ops[1].u.sdp;
    EXPECT_EQ(s.bs.mul_src, uint32_t(DLA_OPERAND_PER_KERNEL)); // BS: per-kernel requantisation
    EXPECT_EQ(s.bn.mul_prelu, 1u);
    EXPECT_EQ(s.bn.mul_src, uint32_t(DLA_OPERAND_PER_KERNEL));
    EXPECT_EQ(s.bn.mul_shift, 2u);
    // The ReLU after the PReLU runs after BN's multiplier, not in BS before it.
    EXPECT_EQ(s.bs.relu, 0u);
    EXPECT_EQ(s.bn.relu, 1u);
    // BN's table: 8 {alu, mul} pairs right after BS's 8 pairs (32 bytes); mul halves k - 4.
    ASSERT_EQ(s.bn.operand_region, s.bs.operand_region);
    EXPECT_EQ(s.bn.operand_offset, s.bs.operand_offset + 8 * 4);
    for (int k = 0; k < 8; k++) {
        EXPECT_EQ(blob16(c.ld, s.bn.operand_offset + 4 * (uint64_t)k), 0) << k;
        EXPECT_EQ(blob16(c.ld, s.bn.operand_offset + 4 * (uint64_t)k + 2), k - 4) << k;
    }
}

TEST(SdpOpsTest, PreluAfterAReluIsNotFusedIntoTheSamePass)
{
    // relu then prelu: BN's PReLU would have to run after BS's ReLU, and fusion keeps a ReLU before
    // a PReLU out of the pass (the PReLU becomes an SDP op of its own).
    ScratchDir dir;
    std::string p = conv_then(dir, "relu_leaky.onnx", [](tb_model *m) {
        tb_node(m, "Relu", "relu", "c", "r");
        int n = tb_node(m, "LeakyRelu", "leaky", "r", "y");
        tb_attr_float(m, n, "alpha", -0.5f);
    });
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    ASSERT_EQ(g->n_layers, 2);
    EXPECT_TRUE(g->layers[0].relu);
    EXPECT_FALSE(g->layers[0].prelu);
    EXPECT_TRUE(g->layers[1].prelu);
    EXPECT_EQ(g->layers[1].kind, IR_LAYER_SDP);
    ir_graph_destroy(g);
}

TEST(SdpOpsTest, MaxMinOfTwoConvsFuseIntoTheLaterConvWithTheEwAluOp)
{
    ScratchDir dir;
    const struct {
        const char *op, *ins;
        uint32_t alu;
    } cases[] = {{"Max", "a,b", DLA_ALU_MAX}, {"Min", "b,a", DLA_ALU_MIN}};
    for (const auto &k : cases) {
        std::string p = two_convs(dir, (std::string(k.op) + ".onnx").c_str(), k.op, k.ins);
        Compiled c;
        dla_error err{};
        ASSERT_EQ(compile(p, &c, &err), DLA_OK) << err.msg;
        ASSERT_EQ(c.ld->num_ops, 4u) << k.op; // two convs, each with its SDP: the op rides on the second
        const dla_lsdp &s = c.ld->ops[3].u.sdp;
        EXPECT_EQ(s.ew.enable, 1u) << k.op;
        EXPECT_EQ(s.ew.alu_op, k.alu) << k.op;
        EXPECT_GT(s.ew.cvt_scale, 0) << k.op;
    }
}

TEST(SdpOpsTest, SubNegatesExactlyTheConverterScaleAnAddWouldUse)
{
    ScratchDir dir;
    Compiled add, sub;
    dla_error err{};
    ASSERT_EQ(compile(two_convs(dir, "add.onnx", "Add", "b,a"), &add, &err), DLA_OK) << err.msg;
    ASSERT_EQ(compile(two_convs(dir, "sub.onnx", "Sub", "b,a"), &sub, &err), DLA_OK) << err.msg;
    ASSERT_EQ(add.ld->num_ops, 4u);
    ASSERT_EQ(sub.ld->num_ops, 4u); // b - a: b is the later conv's output, a the EW operand
    const dla_lsdp_ew &ea = add.ld->ops[3].u.sdp.ew, &es = sub.ld->ops[3].u.sdp.ew;
    EXPECT_EQ(es.alu_op, uint32_t(DLA_ALU_SUM));
    // The Sub's output scale differs from the Add's (calibrated on b - a, not b + a), so compare the
    // converter's magnitude with the ratio s_a / s_y itself: |cvt_scale| / 2^(cvt_shift + F) ~ s_a / s_y.
    EXPECT_LT(es.cvt_scale, 0);
    EXPECT_GT(ea.cvt_scale, 0);
    EXPECT_GE(-es.cvt_scale, 16384); // 15 significant bits, like the Add's
    EXPECT_LE(-es.cvt_scale, 32767);
}

TEST(SdpOpsTest, SubWhoseSubtrahendIsTheLaterConvIsAnOfflineSdpOp)
{
    ScratchDir dir;
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile(two_convs(dir, "sub_a_b.onnx", "Sub", "a,b"), &c, &err), DLA_OK) << err.msg;
    ASSERT_EQ(c.ld->num_ops, 5u); // conv a, conv b (with their SDPs), then the Sub's own SDP op
    const dla_lsdp &s = c.ld->ops[4].u.sdp;
    EXPECT_GE(s.src.region, 0); // reads a from memory
    EXPECT_EQ(s.ew.alu_op, uint32_t(DLA_ALU_SUM));
    EXPECT_LT(s.ew.cvt_scale, 0);
}

TEST(SdpOpsTest, AbsReadsItsInputTwiceAndConvertsTheOperandWithTheNegatedBsMultiplier)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "abs.onnx", [](tb_model *m) { tb_node(m, "Abs", "abs", "c", "y"); });
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile(p, &c, &err), DLA_OK) << err.msg;
    ASSERT_EQ(c.ld->num_ops, 3u);
    const dla_lsdp &s = c.ld->ops[2].u.sdp;
    // Same bytes as source and EW operand.
    EXPECT_EQ(s.ew.operand.region, s.src.region);
    EXPECT_EQ(s.ew.operand.offset, s.src.offset);
    EXPECT_EQ(s.ew.alu_op, uint32_t(DLA_ALU_MAX));
    // rshr(x * -m, s) = -rshr(x * m, s) (halves round away from zero): e' = -v exactly.
    EXPECT_EQ(s.bs.mul_src, uint32_t(DLA_OPERAND_PER_LAYER));
    EXPECT_EQ(s.ew.cvt_scale, -s.bs.mul_operand);
    EXPECT_EQ(s.ew.cvt_shift, s.bs.mul_shift);
    EXPECT_EQ(s.ew.cvt_offset, 0);
}

TEST(SdpOpsTest, Fp16AbsNegatesInBsAndSubAfterAConvIsRefusedNamingTheRule)
{
    ScratchDir dir;
    std::string p = conv_then(dir, "abs16.onnx", [](tb_model *m) { tb_node(m, "Abs", "abs", "c", "y"); });
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile(p, &c, &err, DLA_PRECISION_FP16), DLA_OK) << err.msg;
    const dla_lsdp &s = c.ld->ops[2].u.sdp;
    EXPECT_EQ(s.bs.mul_enable, 1u);
    EXPECT_EQ((uint16_t)s.bs.mul_operand, 0xBC00u); // binary16 -1.0
    EXPECT_EQ(s.ew.alu_op, uint32_t(DLA_ALU_MAX));  // max(-x, x)

    Compiled d;
    EXPECT_EQ(compile(two_convs(dir, "sub16.onnx", "Sub", "b,a"), &d, &err, DLA_PRECISION_FP16), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("rule eltwise.sub_fp16"), std::string::npos) << err.msg;
}

TEST(SdpOpsTest, MaxWithAPerElementConstantIsRefusedNamingTheRule)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 4, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "ca", "x", "a", 8, 4, 3, 3, 1, 1, w_small);
    std::vector<float> v(8 * 8 * 8, 0.25f);
    const int64_t d[4] = {1, 8, 8, 8}; // one value per element, not per channel
    tb_init_f32(m, "floor", 4, d, v.data(), true);
    tb_node(m, "Max", "maxc", "a,floor", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "maxc.onnx");
    Compiled c;
    dla_error err{};
    EXPECT_EQ(compile(p, &c, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("node 'maxc' (Max): only Max of two equal-shaped activations"),
              std::string::npos)
        << err.msg;
    EXPECT_NE(std::string(err.msg).find("(rule eltwise.maxmin_operands)"), std::string::npos) << err.msg;
}

TEST(SdpOpsTest, MaxWithAConstantIsBnAluMaxInOutputUnitsBeforeAPrelu)
{
    // Max(conv, 0.5) then LeakyRelu(0.25): BN's ALU MAX with a per-layer operand of 0.5 in the pass's
    // units (output scale / 2^F, F = 8), then BN's PReLU MUL (0.25 = 1 >> 2). Per-channel constants
    // use BN's own table (alu halves) after BS's.
    ScratchDir dir;
    std::string p = conv_then(dir, "maxc.onnx", [](tb_model *m) {
        const float half[1] = {0.5f};
        tb_init_f32(m, "half", 0, nullptr, half, true);
        tb_node(m, "Max", "maxc", "half,c", "mx");
        int n = tb_node(m, "LeakyRelu", "leaky", "mx", "y");
        tb_attr_float(m, n, "alpha", 0.25f);
    });
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile(p, &c, &err), DLA_OK) << err.msg;
    ASSERT_EQ(c.ld->num_ops, 2u);
    const dla_lsdp &s = c.ld->ops[1].u.sdp;
    EXPECT_EQ(s.bn.alu_enable, 1u);
    EXPECT_EQ(s.bn.alu_op, uint32_t(DLA_ALU_MAX));
    EXPECT_EQ(s.bn.alu_src, uint32_t(DLA_OPERAND_PER_LAYER));
    EXPECT_EQ(s.bn.mul_prelu, 1u);
    EXPECT_EQ(s.bn.mul_operand, 1);
    EXPECT_EQ(s.bn.mul_shift, 2u);
    const float sy = out_scale(c.ld);
    ASSERT_GT(sy, 0.0f);
    // operand << alu_shift is 0.5 / sy * 2^8 rounded (to a multiple of 2^alu_shift)
    double real = std::ldexp((double)s.bn.alu_operand, (int)s.bn.alu_shift) / 256.0 * sy;
    EXPECT_NEAR(real, 0.5, std::ldexp((double)sy / 512.0, (int)s.bn.alu_shift));

    std::string pc = conv_then(dir, "maxcc.onnx", [](tb_model *m) {
        const float fl[8] = {-4, -3, -2, -1, 0, 1, 2, 3};
        const int64_t d[4] = {1, 8, 1, 1};
        tb_init_f32(m, "fl", 4, d, fl, true);
        tb_node(m, "Min", "minc", "c,fl", "y");
    });
    Compiled cc;
    ASSERT_EQ(compile(pc, &cc, &err), DLA_OK) << err.msg;
    const dla_lsdp &t = cc.ld->ops[1].u.sdp;
    EXPECT_EQ(t.bn.alu_op, uint32_t(DLA_ALU_MIN));
    EXPECT_EQ(t.bn.alu_src, uint32_t(DLA_OPERAND_PER_KERNEL));
    EXPECT_EQ(t.bn.mul_enable, 0u);
    EXPECT_EQ(t.bn.operand_offset, t.bs.operand_offset + 8 * 4);
    const float ty = out_scale(cc.ld);
    for (int k = 0; k < 8; k++) {
        double want = (k - 4) / (double)ty * 256.0;
        double got = std::ldexp((double)blob16(cc.ld, t.bn.operand_offset + 4 * (uint64_t)k), (int)t.bn.alu_shift);
        EXPECT_NEAR(got, want, std::ldexp(0.5, (int)t.bn.alu_shift)) << k;
    }
}

TEST(SdpOpsTest, PreluWithAnActivationAsSlopeIsRefusedNamingTheRule)
{
    // PRelu(a, b) with b computed by a conv: the SDP's PReLU multiplier is a per-layer or per-kernel
    // operand fixed at build time, so a slope that changes per inference has no mapping.
    ScratchDir dir;
    Compiled c;
    dla_error err{};
    EXPECT_EQ(compile(two_convs(dir, "preluvar.onnx", "PRelu", "a,b"), &c, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("node 'op' (PRelu)"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("(rule prelu.slope)"), std::string::npos) << err.msg;
}

TEST(SdpOpsTest, Fp16ClipAfterAPreluInTheSamePassIsRefusedNamingTheBnStageRule)
{
    // FP16: the PReLU takes BN's MUL and the Clip(0, 6) needs BN's ALU MIN after it (FP16 has no
    // output-converter clamp), but NVDLA's BN order is ALU then MUL: no single pass computes
    // min(prelu(v), 6), so the layer is refused with the rule.
    ScratchDir dir;
    std::string p = conv_then(dir, "preluclip.onnx", [](tb_model *m) {
        int n = tb_node(m, "LeakyRelu", "leaky", "c", "l");
        tb_attr_float(m, n, "alpha", 0.25f);
        const float lo[1] = {0.0f}, hi[1] = {6.0f};
        tb_init_f32(m, "lo", 0, nullptr, lo, true);
        tb_init_f32(m, "hi", 0, nullptr, hi, true);
        tb_node(m, "Clip", "clip", "l,lo,hi", "y");
    });
    Compiled c;
    dla_error err{};
    EXPECT_EQ(compile(p, &c, &err, DLA_PRECISION_FP16), DLA_ERR_UNSUPPORTED) << err.msg;
    EXPECT_NE(std::string(err.msg).find("(rule sdp.bn_stage)"), std::string::npos) << err.msg;
}

// ---- float reference ----------------------------------------------------------------------------------

TEST(SdpOpsTest, ReferenceExecutorComputesPreluPerChannelAndAbs)
{
    // x 1x2x1x2 = {-1, 2 | -3, 4}; PRelu slopes {0.5, -2}: {-0.5, 2 | 6, 4}; Abs of that: the same
    // magnitudes {0.5, 2 | 6, 4}; Sub(prelu, abs): {-1, 0 | 0, 0}; Min(prelu, sub): {-1, 0 | 0, 0}.
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 1, 2};
    tb_input(m, "x", 4, in);
    const float sl[2] = {0.5f, -2.0f};
    const int64_t sd[3] = {2, 1, 1};
    tb_init_f32(m, "slope", 3, sd, sl, true);
    tb_node(m, "PRelu", "prelu", "x,slope", "p");
    tb_node(m, "Abs", "abs", "p", "a");
    tb_node(m, "Sub", "sub", "p,a", "s");
    tb_node(m, "Min", "min", "p,s", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "ref.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 2, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    EXPECT_EQ(g->nodes[find_node(g, "prelu")].kind, IR_OP_PRELU);
    EXPECT_EQ(g->nodes[find_node(g, "abs")].ew_fn, IR_EW_ABS);
    EXPECT_EQ(g->nodes[find_node(g, "sub")].ew_fn, IR_EW_SUB);
    EXPECT_EQ(g->nodes[find_node(g, "min")].ew_fn, IR_EW_MIN);
    const float x[4] = {-1, 2, -3, 4};
    const float *inputs[1] = {x};
    float *outs[1] = {nullptr};
    ASSERT_EQ(ir_reference_forward(g, inputs, false, outs, &err), DLA_OK) << err.msg;
    const float want[4] = {-1, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(outs[0][i], want[i]) << i;
    free(outs[0]);
    ir_graph_destroy(g);
}
