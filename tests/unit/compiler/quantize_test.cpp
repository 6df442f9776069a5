// INT8 quantisation parameters of hand-computed tiny cases (docs/datapath.md "Quantisation"),
// FP16 operands, calibration determinism, and the FP32 reference executor against naive loops.
#include <cmath>
#include <cstring>

#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

ir_graph *fused(const std::string &p, const dla_config *cfg)
{
    dla_error err{};
    ir_graph *g = run_passes(p, cfg, 4, &err);
    EXPECT_NE(g, nullptr) << err.msg;
    return g;
}

void set_absmax(ir_graph *g, const char *tensor, float v)
{
    int t = ir_tensor_find(g, tensor);
    ASSERT_GE(t, 0) << tensor;
    g->tensors[t].absmax = v;
}

// 1x1 conv, 2 -> k kernels, weights given per kernel.
std::string tiny_conv(ScratchDir &dir, int k, const float *w, const float *bias, bool add_input, bool relu)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 1, 1}, wd[4] = {k, 2, 1, 1}, bd[1] = {k};
    tb_input(m, "x", 4, in);
    tb_init_f32(m, "w", 4, wd, w, true);
    tb_init_f32(m, "b", 1, bd, bias, true);
    tb_node(m, "Conv", "conv", "x,w,b", "c");
    std::string last = "c";
    if (add_input) {
        tb_node(m, "Add", "add", "c,x", "s");
        last = "s";
    }
    if (relu) {
        tb_node(m, "Relu", "relu", last.c_str(), "r");
        last = "r";
    }
    tb_output(m, last.c_str());
    return save(dir, m, "tiny.onnx");
}

} // namespace

TEST(QuantizeTest, WeightMax127HundredthsGivesScaleOneHundredthAndHandComputedOperands)
{
    ScratchDir dir;
    const float w[4] = {1.27f, 0.5f, -0.635f, 0.2f}, b[2] = {0.3f, -0.1f};
    std::string p = tiny_conv(dir, 2, w, b, false, false);
    dla_config cfg = orin_like();
    ir_graph *g = fused(p, &cfg);
    ASSERT_NE(g, nullptr);
    set_absmax(g, "x", 1.27f); // s_x = 0.01
    set_absmax(g, "c", 2.54f); // s_y = 0.02
    dla_compile_opts o = opts_for(&cfg);
    dla_error err{};
    ASSERT_EQ(ir_quantize(g, &o, &err), DLA_OK) << err.msg;
    const ir_layer *l = &g->layers[0];
    EXPECT_FLOAT_EQ(g->tensors[ir_tensor_find(g, "x")].scale, 0.01f);
    EXPECT_FLOAT_EQ(g->tensors[ir_tensor_find(g, "c")].scale, 0.02f);
    // s_w = [1.27 / 127, 0.635 / 127] = [0.01, 0.005]: q = [127, 50 | -127, 40]
    const int8_t *q = (const int8_t *)l->qweights;
    EXPECT_EQ(q[0], 127);
    EXPECT_EQ(q[1], 50);
    EXPECT_EQ(q[2], -127);
    EXPECT_EQ(q[3], 40);
    // M = s_x s_w / s_y = [0.005, 0.0025]; F = 8; m = M * 2^(mul_shift + F), the largest shift
    // with |m| <= 32767: 0.005 * 2^(14 + 8) = 20971.52 -> 20972 fits, 2^23 would give 41943 -> 14.
    EXPECT_EQ(l->sdp.bs.mul_shift, 14u);
    EXPECT_EQ(l->operands[1], 20972);
    EXPECT_EQ(l->operands[3], 10486); // 0.0025 * 2^22 = 10485.76
    // bias / (s_x s_w) = [0.3 / 1e-4, -0.1 / 5e-5] = [3000, -2000]: fits int16, alu_shift 0
    EXPECT_EQ(l->sdp.bs.alu_shift, 0u);
    EXPECT_EQ(l->operands[0], 3000);
    EXPECT_EQ(l->operands[2], -2000);
    EXPECT_EQ(l->sdp.bs.alu_src, (uint32_t)DLA_OPERAND_PER_KERNEL);
    EXPECT_EQ(l->sdp.bs.mul_src, (uint32_t)DLA_OPERAND_PER_KERNEL);
    EXPECT_EQ(l->sdp.bs.relu, 0u);
    // the output converter removes the F fractional bits
    EXPECT_EQ(l->sdp.out_cvt_scale, 1);
    EXPECT_EQ(l->sdp.out_cvt_shift, 8u);
    EXPECT_EQ(l->sdp.out_cvt_offset, 0);
    ir_graph_destroy(g);
}

TEST(QuantizeTest, BiasBeyondInt16TakesTheSmallestAluShift)
{
    ScratchDir dir;
    const float w[2] = {0.127f, 0.0f}, b[1] = {10.0f};
    std::string p = tiny_conv(dir, 1, w, b, false, false);
    dla_config cfg = orin_like();
    ir_graph *g = fused(p, &cfg);
    ASSERT_NE(g, nullptr);
    set_absmax(g, "x", 1.27f);
    set_absmax(g, "c", 2.54f);
    dla_compile_opts o = opts_for(&cfg);
    dla_error err{};
    ASSERT_EQ(ir_quantize(g, &o, &err), DLA_OK) << err.msg;
    const ir_layer *l = &g->layers[0];
    // s_w = 0.001; bias 10 / (0.01 * 0.001) = 1e6; rshr by 4 = 62500 > 32767, by 5 = 31250 -> shift 5
    EXPECT_EQ(l->sdp.bs.alu_shift, 5u);
    EXPECT_EQ(l->operands[0], 31250);
    // M = 0.0005: 0.0005 * 2^(17 + 8) = 16777.2 fits, 2^26 gives 33554 -> mul_shift 17
    EXPECT_EQ(l->sdp.bs.mul_shift, 17u);
    EXPECT_EQ(l->operands[1], 16777);
    ir_graph_destroy(g);
}

TEST(QuantizeTest, ResidualOperandIsConvertedIntoOutputUnitsWithFFractionBits)
{
    ScratchDir dir;
    const float w[4] = {1, 0, 0, 1}, b[2] = {0, 0};
    std::string p = tiny_conv(dir, 2, w, b, true, true);
    dla_config cfg = orin_like();
    ir_graph *g = fused(p, &cfg);
    ASSERT_NE(g, nullptr);
    ASSERT_EQ(g->n_layers, 1);
    set_absmax(g, "x", 5.08f); // s_e = 0.04
    set_absmax(g, "r", 2.54f); // s_y = 0.02
    dla_compile_opts o = opts_for(&cfg);
    dla_error err{};
    ASSERT_EQ(ir_quantize(g, &o, &err), DLA_OK) << err.msg;
    const dla_lsdp &s = g->layers[0].sdp;
    // e' = e * s_e / s_y * 2^F = rshr(e * cvt_scale, cvt_shift), so cvt_scale = 2 * 2^(cvt_shift + 8);
    // the largest shift with cvt_scale <= 32767 is 5: 2 * 2^13 = 16384 (shift 6 would give 32768).
    EXPECT_EQ(s.ew.enable, 1u);
    EXPECT_EQ(s.ew.cvt_shift, 5u);
    EXPECT_EQ(s.ew.cvt_scale, 16384);
    EXPECT_EQ(s.ew.cvt_offset, 0);
    EXPECT_EQ(s.ew.alu_op, (uint32_t)DLA_ALU_SUM);
    EXPECT_EQ(s.ew.relu, 1u); // ReLU after the add
    EXPECT_EQ(s.bs.relu, 0u);
    ir_graph_destroy(g);
}

TEST(QuantizeTest, ClipSetsTheOutputScaleAndPoolingKeepsItsInputScale)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 4, 4}, d1[1] = {1};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 2, 2, 3, 3, 1, 1, w_small);
    const float lo = 0.0f, hi = 6.0f;
    tb_init_f32(m, "lo", 0, d1, &lo, true);
    tb_init_f32(m, "hi", 0, d1, &hi, true);
    tb_node(m, "Clip", "clip", "c,lo,hi", "r");
    int mp = tb_node(m, "MaxPool", "pool", "r", "y");
    const int64_t k2[2] = {2, 2};
    tb_attr_ints(m, mp, "kernel_shape", 2, k2);
    tb_attr_ints(m, mp, "strides", 2, k2);
    tb_output(m, "y");
    std::string p = save(dir, m, "clip_pool.onnx");
    dla_config cfg = orin_like();
    ir_graph *g = fused(p, &cfg);
    ASSERT_NE(g, nullptr);
    dla_compile_opts o = opts_for(&cfg);
    dla_error err{};
    ASSERT_EQ(ir_calibrate(g, &o, &err), DLA_OK) << err.msg;
    set_absmax(g, "y", 0.001f); // ignored: PDP never rescales
    ASSERT_EQ(ir_quantize(g, &o, &err), DLA_OK) << err.msg;
    // Clip(0, 6) by the output range: 127 is 6.0 exactly, saturation is the clip.
    EXPECT_FLOAT_EQ(g->tensors[ir_tensor_find(g, "r")].scale, 6.0f / 127.0f);
    EXPECT_FLOAT_EQ(g->tensors[ir_tensor_find(g, "y")].scale, 6.0f / 127.0f);
    EXPECT_EQ(g->layers[0].sdp.bs.relu, 1u);
    ir_graph_destroy(g);
}

TEST(QuantizeTest, Fp16KeepsBinary16WeightsBiasAndClipOperands)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 1, 2, 2}, d1[1] = {1};
    tb_input(m, "x", 4, in);
    const float bias[1] = {0.5f};
    add_conv(
        m, "conv", "x", "c", 1, 1, 1, 1, 1, 0, [](int, int, int, int) { return 1.0f; }, bias);
    const float lo = 0.0f, hi = 6.0f;
    tb_init_f32(m, "lo", 0, d1, &lo, true);
    tb_init_f32(m, "hi", 0, d1, &hi, true);
    tb_node(m, "Clip", "clip", "c,lo,hi", "y");
    tb_output(m, "y");
    std::string p = save(dir, m, "fp16.onnx");
    dla_config cfg = orin_like();
    ir_graph *g = fused(p, &cfg);
    ASSERT_NE(g, nullptr);
    dla_compile_opts o = opts_for(&cfg, DLA_PRECISION_FP16);
    dla_error err{};
    ASSERT_EQ(ir_quantize(g, &o, &err), DLA_OK) << err.msg;
    const ir_layer *l = &g->layers[0];
    EXPECT_EQ(((const uint16_t *)l->qweights)[0], 0x3C00); // 1.0
    EXPECT_EQ((uint16_t)l->operands[0], 0x3800);           // bias 0.5
    EXPECT_EQ(l->sdp.bs.alu_enable, 1u);
    EXPECT_EQ(l->sdp.bs.mul_enable, 0u);
    // Clip(0, 6) = ReLU(min(v, 6)) in the BN stage with a per-layer binary16 6.0 = 0x4600
    EXPECT_EQ(l->sdp.bn.alu_op, (uint32_t)DLA_ALU_MIN);
    EXPECT_EQ(l->sdp.bn.alu_src, (uint32_t)DLA_OPERAND_PER_LAYER);
    EXPECT_EQ(l->sdp.bn.alu_operand, 0x4600);
    EXPECT_EQ(l->sdp.bn.relu, 1u);
    EXPECT_EQ(l->sdp.in_precision, (uint32_t)DLA_PRECISION_FP16);
    EXPECT_EQ(l->sdp.out_cvt_shift, 0u);
    ir_graph_destroy(g);
}

TEST(QuantizeTest, CalibrationIsDeterministicPerSeedAndInputsLieInMinusOneToOne)
{
    ScratchDir dir;
    const float w[4] = {1, 0, 0, 1}, b[2] = {0, 0};
    std::string p = tiny_conv(dir, 2, w, b, false, false);
    dla_config cfg = orin_like();
    float seen[3];
    for (int run = 0; run < 3; run++) {
        ir_graph *g = fused(p, &cfg);
        ASSERT_NE(g, nullptr);
        dla_compile_opts o = opts_for(&cfg);
        o.calibration_samples = 50;
        o.calibration_seed = run < 2 ? 7u : 8u;
        dla_error err{};
        ASSERT_EQ(ir_calibrate(g, &o, &err), DLA_OK) << err.msg;
        seen[run] = g->tensors[ir_tensor_find(g, "x")].absmax;
        // identity weights: the output range is the input range
        EXPECT_EQ(g->tensors[ir_tensor_find(g, "c")].absmax, seen[run]);
        ir_graph_destroy(g);
    }
    EXPECT_EQ(seen[0], seen[1]);
    EXPECT_NE(seen[0], seen[2]);
    EXPECT_LE(seen[0], 1.0f);
    EXPECT_GT(seen[0], 0.9f); // 100 uniform samples in [-1, 1): max |x| below 0.9 has odds 0.9^100
}

TEST(ReferenceExecTest, GroupedStridedDilatedConvAndPoolingMatchNaiveLoops)
{
    ScratchDir dir;
    const int N = 2, C = 4, H = 9, W = 11, K = 6, G = 2, R = 3, S = 3, sy = 2, sx = 2, dy = 2, dx = 1, pad = 1;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {N, C, H, W};
    tb_input(m, "x", 4, in);
    auto wf = [](int k, int c, int r, int s) { return 0.1f * (float)((k * 5 + c * 3 + r * 2 + s) % 7) - 0.3f; };
    std::vector<float> w((size_t)K * (C / G) * R * S), bias(K);
    for (int k = 0; k < K; k++) {
        bias[k] = 0.05f * (float)k;
        for (int c = 0; c < C / G; c++)
            for (int r = 0; r < R; r++)
                for (int s = 0; s < S; s++)
                    w[((k * (C / G) + c) * R + r) * S + s] = wf(k, c, r, s);
    }
    const int64_t wd[4] = {K, C / G, R, S}, bd[1] = {K};
    tb_init_f32(m, "w", 4, wd, w.data(), true);
    tb_init_f32(m, "b", 1, bd, bias.data(), true);
    int cv = tb_node(m, "Conv", "conv", "x,w,b", "c");
    const int64_t ks[2] = {R, S}, st[2] = {sy, sx}, dl[2] = {dy, dx}, pd[4] = {pad, pad, pad, pad};
    tb_attr_ints(m, cv, "kernel_shape", 2, ks);
    tb_attr_ints(m, cv, "strides", 2, st);
    tb_attr_ints(m, cv, "dilations", 2, dl);
    tb_attr_ints(m, cv, "pads", 4, pd);
    tb_attr_int(m, cv, "group", G);
    int ap = tb_node(m, "AveragePool", "pool", "c", "y");
    const int64_t k2[2] = {2, 2}, p1[4] = {1, 1, 1, 1};
    tb_attr_ints(m, ap, "kernel_shape", 2, k2);
    tb_attr_ints(m, ap, "strides", 2, k2);
    tb_attr_ints(m, ap, "pads", 4, p1);
    tb_output(m, "y");
    std::string p = save(dir, m, "ref.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 2, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    std::vector<float> x((size_t)N * C * H * W);
    for (size_t i = 0; i < x.size(); i++)
        x[i] = (float)((i * 37) % 23) / 11.0f - 1.0f;
    const float *inputs[1] = {x.data()};
    float *outs[1] = {nullptr};
    ASSERT_EQ(ir_reference_forward(g, inputs, false, outs, &err), DLA_OK) << err.msg;
    // naive conv: OH = (9 + 2 - 5) / 2 + 1 = 4, OW = (11 + 2 - 3) / 2 + 1 = 6
    const int OH = 4, OW = 6;
    std::vector<double> conv((size_t)N * K * OH * OW);
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    double acc = bias[k];
                    int grp = k / (K / G);
                    for (int c = 0; c < C / G; c++)
                        for (int r = 0; r < R; r++)
                            for (int s = 0; s < S; s++) {
                                int iy = oy * sy - pad + r * dy, ix = ox * sx - pad + s * dx;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                acc += (double)wf(k, c, r, s) * x[((n * C + grp * (C / G) + c) * H + iy) * W + ix];
                            }
                    conv[((n * K + k) * OH + oy) * OW + ox] = acc;
                }
    // average pool 2x2/2 with padding 1, padding not counted: out 3x4
    const int PH = 3, PW = 4;
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            for (int py = 0; py < PH; py++)
                for (int px = 0; px < PW; px++) {
                    double sum = 0;
                    int cnt = 0;
                    for (int r = 0; r < 2; r++)
                        for (int s = 0; s < 2; s++) {
                            int iy = py * 2 - 1 + r, ix = px * 2 - 1 + s;
                            if (iy < 0 || iy >= OH || ix < 0 || ix >= OW)
                                continue;
                            sum += conv[((n * K + k) * OH + iy) * OW + ix];
                            cnt++;
                        }
                    EXPECT_NEAR(outs[0][((n * K + k) * PH + py) * PW + px], sum / cnt, 1e-5)
                        << n << " " << k << " " << py << " " << px;
                }
    std::free(outs[0]);
    ir_graph_destroy(g);
}

TEST(ReferenceExecTest, ConvIsBitExactToBlockedInOrderFloatAccumulation)
{
    // The calibration executor's GEMM (SSE or AVX micro kernel, whichever the CPU has) must give the
    // same bits as this loop: per output, start from the bias; per block of 256 consecutive
    // q = (c, r, s), sum w*x in float from 0 in q order (padding contributes w*0), then add the block
    // sum. C = 40 x 3 x 3 = 360 = 2 blocks; K = 6 and 7x7 = 49 pixels leave partial 4x8 tiles.
    ScratchDir dir;
    const int C = 40, H = 7, W = 7, K = 6, R = 3, S = 3, KC = 256;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, C, H, W};
    tb_input(m, "x", 4, in);
    std::vector<float> w((size_t)K * C * R * S), bias(K);
    for (size_t i = 0; i < w.size(); i++)
        w[i] = (float)((i * 7919) % 1013) / 977.0f - 0.51f; // irregular, never exactly zero
    for (int k = 0; k < K; k++)
        bias[k] = 0.013f * (float)(k + 1);
    const int64_t wd[4] = {K, C, R, S}, bd[1] = {K};
    tb_init_f32(m, "w", 4, wd, w.data(), true);
    tb_init_f32(m, "b", 1, bd, bias.data(), true);
    int cv = tb_node(m, "Conv", "conv", "x,w,b", "y");
    const int64_t ks[2] = {R, S}, pd[4] = {1, 1, 1, 1};
    tb_attr_ints(m, cv, "kernel_shape", 2, ks);
    tb_attr_ints(m, cv, "pads", 4, pd);
    tb_output(m, "y");
    std::string p = save(dir, m, "bits.onnx");
    dla_config cfg = orin_like();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 2, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    std::vector<float> x((size_t)C * H * W);
    for (size_t i = 0; i < x.size(); i++)
        x[i] = (float)((i * 104729) % 2003) / 1001.0f - 1.0f;
    const float *inputs[1] = {x.data()};
    float *outs[1] = {nullptr};
    ASSERT_EQ(ir_reference_forward(g, inputs, false, outs, &err), DLA_OK) << err.msg;
    size_t differ = 0;
    for (int k = 0; k < K; k++)
        for (int oy = 0; oy < H; oy++)
            for (int ox = 0; ox < W; ox++) {
                float out = bias[k];
                for (int q0 = 0; q0 < C * R * S; q0 += KC) {
                    float acc = 0.0f;
                    for (int q = q0; q < C * R * S && q < q0 + KC; q++) {
                        int c = q / (R * S), r = q / S % R, s = q % S;
                        int iy = oy - 1 + r, ix = ox - 1 + s;
                        float v = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[((size_t)c * H + iy) * W + ix] : 0.0f;
                        float prod = w[(size_t)k * C * R * S + q] * v;
                        acc = acc + prod;
                    }
                    out = out + acc;
                }
                float got = outs[0][((size_t)k * H + oy) * W + ox];
                if (std::memcmp(&got, &out, sizeof got) != 0 && ++differ <= 5)
                    ADD_FAILURE() << "k " << k << " y " << oy << " x " << ox << ": " << got << " vs " << out;
            }
    EXPECT_EQ(differ, 0u);
    std::free(outs[0]);
    ir_graph_destroy(g);
}
