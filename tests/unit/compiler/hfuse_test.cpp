// Horizontal fusion (sw/compiler/hfuse.c, docs/compiler.md "Horizontal fusion"): which siblings merge,
// the merged conv's K, weight and bias layout and slice offsets (derived by hand), the refusals with
// their reasons, the cost decision, and the per-channel INT8 requantisation of merged slices.
#include <cmath>

#include "test_support.h"

using namespace dlatest;

namespace {

// Sibling k's weight: w[k][c][0][0] = (100 * (sibling + 1) + k + c / 100) / 1000, distinct everywhere.
float w_sib0(int k, int c, int, int)
{
    return (100.0f + (float)k + (float)c / 100.0f) / 1000.0f;
}
float w_sib1(int k, int c, int, int)
{
    return (200.0f + (float)k + (float)c / 100.0f) / 1000.0f;
}
float w_sib2(int k, int c, int, int)
{
    return (300.0f + (float)k + (float)c / 100.0f) / 1000.0f;
}
float (*const sib_w[3])(int, int, int, int) = {w_sib0, w_sib1, w_sib2};

struct Sibling {
    int k;
    int stride;
    bool relu;
    int head_stride = 1; // of the 1x1 conv reading the sibling
    bool leaky = false;  // LeakyRelu(0.1) instead of the ReLU (sdp_ops.c: BN's PReLU)
};

// x (1 x C x H x W) -> sibling i: conv 1x1 (K_i, bias b_i[k] = i + k / 1000, ReLU if asked) -> a 1x1
// conv to 8 channels each; the 8-channel results are summed into the output (so no sibling output is a network
// output and every sibling has a reader of its own).
std::string siblings_net(ScratchDir &dir, const char *file, int C, int H, int W, const std::vector<Sibling> &sibs)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, C, H, W};
    tb_input(m, "x", 4, in);
    std::string acc;
    for (size_t i = 0; i < sibs.size(); i++) {
        std::vector<float> bias((size_t)sibs[i].k);
        for (int k = 0; k < sibs[i].k; k++)
            bias[(size_t)k] = (float)i + (float)k / 1000.0f;
        std::string s = "s" + std::to_string(i), c = "c" + std::to_string(i), r = "r" + std::to_string(i);
        std::string h = "h" + std::to_string(i), hn = "head" + std::to_string(i);
        bool act = sibs[i].relu || sibs[i].leaky;
        add_conv(m, s.c_str(), "x", act ? c.c_str() : r.c_str(), sibs[i].k, C, 1, 1, sibs[i].stride, 0, sib_w[i],
                 bias.data());
        if (sibs[i].relu)
            tb_node(m, "Relu", ("relu" + std::to_string(i)).c_str(), c.c_str(), r.c_str());
        else if (sibs[i].leaky)
            tb_attr_float(m, tb_node(m, "LeakyRelu", ("leaky" + std::to_string(i)).c_str(), c.c_str(), r.c_str()),
                          "alpha", 0.1f);
        add_conv(m, hn.c_str(), r.c_str(), h.c_str(), 8, sibs[i].k, 1, 1, sibs[i].head_stride, 0, w_small);
        if (acc.empty()) {
            acc = h;
        } else {
            std::string sum = "sum" + std::to_string(i);
            tb_node(m, "Add", ("add" + std::to_string(i)).c_str(), (acc + "," + h).c_str(), sum.c_str());
            acc = sum;
        }
    }
    tb_output(m, acc.c_str());
    std::string p = dir.file(file);
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    return p;
}

dla_config orin_hfuse()
{
    dla_config c = orin_like();
    c.core.dma_read_bytes_per_cycle = 64;
    c.core.dma_write_bytes_per_cycle = 64;
    return c;
}

// Import .. fusion, then hfuse with its report captured.
ir_graph *fuse_and_hfuse(const std::string &p, const dla_config &cfg, std::string *report, bool off = false)
{
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    EXPECT_NE(g, nullptr) << err.msg;
    if (!g)
        return nullptr;
    dla_compile_opts o = opts_for(&cfg);
    o.no_hfuse = off;
    char *buf = nullptr;
    size_t len = 0;
    o.report = open_memstream(&buf, &len);
    EXPECT_EQ(ir_check_layer_precision(g, &o, &err), DLA_OK) << err.msg;
    EXPECT_EQ(ir_hfuse(g, &o, &err), DLA_OK) << err.msg;
    std::fclose(o.report);
    if (report)
        *report = buf ? buf : "";
    std::free(buf);
    return g;
}

const ir_layer *merged_layer(const ir_graph *g)
{
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i].n_hslices > 0)
            return &g->layers[i];
    return nullptr;
}

int count_conv_layers(const ir_graph *g)
{
    int n = 0;
    for (int i = 0; i < g->n_layers; i++)
        n += g->layers[i].kind == IR_LAYER_CONV;
    return n;
}

} // namespace

TEST(HfuseTest, UnalignedSiblingIsPaddedToTheNextSurfaceWithZeroKernels)
{
    ScratchDir dir;
    // K = 24 and 40 on INT8 with a 32-B atom: cps = 32, so sibling 0 is padded to 32 kernels and sibling
    // 1 starts at channel 32; K = 32 + 40 = 72, 8 of them zero padding.
    std::string p = siblings_net(dir, "pad.onnx", 32, 6, 6, {{24, 1, true}, {40, 1, true}});
    dla_config cfg = orin_hfuse();
    std::string rep;
    ir_graph *g = fuse_and_hfuse(p, cfg, &rep);
    ASSERT_NE(g, nullptr);
    const ir_layer *l = merged_layer(g);
    ASSERT_NE(l, nullptr) << rep;
    const ir_conv *c = &g->nodes[l->conv_node].conv;
    EXPECT_EQ(c->k, 72);
    EXPECT_EQ(c->c, 32);
    EXPECT_EQ(g->tensors[l->out].dims[1], 72);
    EXPECT_STREQ(l->name, "s0 + relu0 + s1 + relu1");
    EXPECT_TRUE(l->relu);
    ASSERT_EQ(l->n_hslices, 2);
    EXPECT_STREQ(g->tensors[l->hslices[0]].name, "r0");
    EXPECT_EQ(g->tensors[l->hslices[0]].concat_c0, 0);
    EXPECT_EQ(g->tensors[l->hslices[1]].concat_c0, 32);
    EXPECT_EQ(g->tensors[l->hslices[1]].concat_of, l->out);
    // weights K x C x 1 x 1: kernel k < 24 is sibling 0's k, 24..31 zero, 32..71 sibling 1's k - 32
    const float *w = g->tensors[c->weight].f;
    const float *b = g->tensors[c->bias].f;
    for (int k = 0; k < 72; k++)
        for (int ch = 0; ch < 32; ch += 7) {
            float want = k < 24 ? w_sib0(k, ch, 0, 0) : k < 32 ? 0.0f : w_sib1(k - 32, ch, 0, 0);
            EXPECT_EQ(w[k * 32 + ch], want) << "k " << k << " c " << ch;
        }
    EXPECT_EQ(b[23], 0.023f);
    EXPECT_EQ(b[24], 0.0f);
    EXPECT_EQ(b[31], 0.0f);
    EXPECT_EQ(b[32], 1.0f);
    EXPECT_EQ(b[71], 1.039f);
    // the slices map back: channel 30 is padding
    EXPECT_EQ(ir_hfuse_slice_of(g, l, 23), l->hslices[0]);
    EXPECT_EQ(ir_hfuse_slice_of(g, l, 30), -1);
    EXPECT_EQ(ir_hfuse_slice_of(g, l, 32), l->hslices[1]);
    // 5 conv layers before (2 siblings + 3 readers... 2 heads), 1 merged + 2 heads after
    EXPECT_EQ(count_conv_layers(g), 3);
    EXPECT_NE(rep.find("hfuse: merged 's0 + relu0' and 's1 + relu1' into one conv of 72 kernels (8 padding), slices "
                       "at channels 0, 32"),
              std::string::npos)
        << rep;
    ir_graph_destroy(g);
}

TEST(HfuseTest, ThreeSiblingsGetOffsetsOfWholeSurfacesAndTheLastIsNotPadded)
{
    ScratchDir dir;
    // K = 16, 32, 8, cps 32: offsets 0, 32 (16 padded), 64 (32 is aligned); K = 64 + 8 = 72.
    std::string p = siblings_net(dir, "three.onnx", 32, 6, 6, {{16, 1, true}, {32, 1, true}, {8, 1, true}});
    dla_config cfg = orin_hfuse();
    ir_graph *g = fuse_and_hfuse(p, cfg, nullptr);
    ASSERT_NE(g, nullptr);
    const ir_layer *l = merged_layer(g);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(g->nodes[l->conv_node].conv.k, 72);
    ASSERT_EQ(l->n_hslices, 3);
    EXPECT_EQ(g->tensors[l->hslices[0]].concat_c0, 0);
    EXPECT_EQ(g->tensors[l->hslices[1]].concat_c0, 32);
    EXPECT_EQ(g->tensors[l->hslices[2]].concat_c0, 64);
    const float *w = g->tensors[g->nodes[l->conv_node].conv.weight].f;
    EXPECT_EQ(w[(64 + 7) * 32 + 5], w_sib2(7, 5, 0, 0));
    EXPECT_EQ(w[(32 + 31) * 32 + 0], w_sib1(31, 0, 0, 0));
    EXPECT_EQ(w[20 * 32 + 3], 0.0f);
    // MACs stay the useful ones: (16 + 32 + 8) kernels x 32 channels x 36 points
    EXPECT_EQ(l->macs, 56u * 32u * 36u);
    EXPECT_EQ(count_conv_layers(g), 4);
    ir_graph_destroy(g);
}

TEST(HfuseTest, ReluOnOneSiblingOnlyIsNotMerged)
{
    ScratchDir dir;
    std::string p = siblings_net(dir, "relu.onnx", 32, 6, 6, {{32, 1, true}, {32, 1, false}});
    dla_config cfg = orin_hfuse();
    std::string rep;
    ir_graph *g = fuse_and_hfuse(p, cfg, &rep);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(merged_layer(g), nullptr);
    EXPECT_EQ(count_conv_layers(g), 4);
    EXPECT_NE(rep.find("hfuse: not merged 's0 + relu0' and 's1' (siblings on 'x'): a ReLU on one only"),
              std::string::npos)
        << rep;
    ir_graph_destroy(g);
}

TEST(HfuseTest, SiblingsWithAPreluInTheirBnStageAreNotMerged)
{
    // Both siblings end in LeakyRelu(0.1): equal epilogues, but sdp_ops.c puts the PReLU in the BN
    // stage with per-layer settings, which one merged SDP pass cannot give each slice.
    ScratchDir dir;
    Sibling a{32, 1, false}, b{32, 1, false};
    a.leaky = b.leaky = true;
    std::string p = siblings_net(dir, "leaky.onnx", 32, 6, 6, {a, b});
    dla_config cfg = orin_hfuse();
    std::string rep;
    ir_graph *g = fuse_and_hfuse(p, cfg, &rep);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(merged_layer(g), nullptr);
    EXPECT_EQ(count_conv_layers(g), 4);
    EXPECT_NE(rep.find("(rule hfuse.bn_stage)"), std::string::npos) << rep;
    ir_graph_destroy(g);
}

TEST(HfuseTest, DifferentStridesAreNotMerged)
{
    ScratchDir dir;
    std::string p = siblings_net(dir, "stride.onnx", 32, 6, 6, {{32, 1, true, 2}, {32, 2, true}});
    dla_config cfg = orin_hfuse();
    std::string rep;
    ir_graph *g = fuse_and_hfuse(p, cfg, &rep);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(merged_layer(g), nullptr);
    EXPECT_NE(rep.find("different strides"), std::string::npos) << rep;
    ir_graph_destroy(g);
}

TEST(HfuseTest, NoHfuseOptionLeavesTheSiblingsApart)
{
    ScratchDir dir;
    std::string p = siblings_net(dir, "off.onnx", 32, 6, 6, {{32, 1, true}, {32, 1, true}});
    dla_config cfg = orin_hfuse();
    std::string rep;
    ir_graph *g = fuse_and_hfuse(p, cfg, &rep, true);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(merged_layer(g), nullptr);
    EXPECT_EQ(count_conv_layers(g), 4);
    EXPECT_NE(rep.find("hfuse: off (--no-hfuse)"), std::string::npos) << rep;
    ir_graph_destroy(g);
}

TEST(HfuseTest, PaddingThatCostsMoreMacCyclesThanTheReadItSavesIsNotMerged)
{
    ScratchDir dir;
    // nv_full-like array (atomic_c 64, atomic_k 16), 32-B atom (cps 32), a port of 1024 B/cycle so the
    // MAC array bounds every layer, a CMAC pipeline of 9 cycles every hardware layer pays. Siblings K =
    // 16 and 16 on 64 x 16 x 16: apart 2 x (256 points x 1 kernel group x 1 channel block + 9) = 530
    // cycles; merged K = 32 (16 padded) + 16 = 48 = 3 kernel groups: 768 + 9 = 777 cycles. Reads: 2
    // surfaces x 256 x 32 B = 16 KiB input, 16 cycles at 1024 B/cycle: hidden.
    std::string p = siblings_net(dir, "cost.onnx", 64, 16, 16, {{16, 1, true}, {16, 1, true}});
    dla_config cfg = orin_hfuse();
    cfg.core.atomic_k = 16;
    cfg.core.dma_read_bytes_per_cycle = cfg.core.dma_write_bytes_per_cycle = 1024;
    cfg.core.cmac_latency_cycles = 9;
    std::string rep;
    ir_graph *g = fuse_and_hfuse(p, cfg, &rep);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(merged_layer(g), nullptr);
    EXPECT_NE(rep.find("hfuse: not merged 's0 + relu0' and 's1 + relu1': modelled 777 cycles per image merged (16 "
                       "padding kernels), 530 apart"),
              std::string::npos)
        << rep;
    ir_graph_destroy(g);
    // Siblings of 32 need no padding: 4 kernel groups either way (1024 cycles), so the one pipeline fill
    // saved decides: 1033 merged, 1042 apart.
    std::string q = siblings_net(dir, "cost32.onnx", 64, 16, 16, {{32, 1, true}, {32, 1, true}});
    g = fuse_and_hfuse(q, cfg, &rep);
    ASSERT_NE(g, nullptr);
    EXPECT_NE(merged_layer(g), nullptr) << rep;
    EXPECT_NE(rep.find("(0 padding), slices at channels 0, 32; modelled 1033 cycles per image, 1042 apart"),
              std::string::npos)
        << rep;
    ir_graph_destroy(g);
}

TEST(HfuseTest, Int8SlicesKeepTheirOwnScalesThroughPerKernelMultipliers)
{
    ScratchDir dir;
    // Sibling 1's weights are about twice sibling 0's (w_sib1 / w_sib0), so its output scale differs.
    std::string p = siblings_net(dir, "scales.onnx", 32, 6, 6, {{32, 1, true}, {32, 1, true}});
    dla_config cfg = orin_hfuse();
    dla_error err{};
    ir_graph *g = run_passes(p, &cfg, 4, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    dla_compile_opts o = opts_for(&cfg);
    ASSERT_EQ(ir_check_layer_precision(g, &o, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ir_calibration(g, &o, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ir_hfuse(g, &o, &err), DLA_OK) << err.msg;
    ASSERT_EQ(ir_quantize(g, &o, &err), DLA_OK) << err.msg;
    const ir_layer *l = merged_layer(g);
    ASSERT_NE(l, nullptr);
    const ir_tensor *s0 = &g->tensors[l->hslices[0]], *s1 = &g->tensors[l->hslices[1]];
    ASSERT_GT(s0->scale, 0.0f);
    EXPECT_GT(std::fabs(s1->scale / s0->scale - 1.0f), 0.2f); // really different scales
    // MUL operand of kernel k = round(s_x * s_w[k] / s_y(slice of k) * 2^(shift + F)), s_w[k] = max|w| / 127
    // over the kernel: w[k][31] (the weights grow with c).
    const int F = ir_fraction_bits();
    const double sx = g->tensors[l->in].scale;
    for (int k = 0; k < 64; k += 9) {
        double sw = (k < 32 ? w_sib0(k, 31, 0, 0) : w_sib1(k - 32, 31, 0, 0)) / 127.0;
        double sy = k < 32 ? s0->scale : s1->scale;
        double want = sx * sw / sy * std::ldexp(1.0, (int)l->sdp.bs.mul_shift + F);
        EXPECT_NEAR(l->operands[2 * k + 1], want, 0.5 + want * 1e-5) << "kernel " << k;
    }
    ir_graph_destroy(g);
}

TEST(HfuseTest, AMismatchingFirstSiblingDoesNotStandInForTheOthers)
{
    ScratchDir dir;
    // Sibling 0 has stride 2, siblings 1 and 2 stride 1 (their readers stride 2, so all sums are 3x3):
    // 1 and 2 merge (stride 1, slices r1 at 0 and r2 at 32), 0 stays a layer of its own.
    std::string p = siblings_net(dir, "first.onnx", 32, 6, 6, {{32, 2, true}, {32, 1, true, 2}, {32, 1, true, 2}});
    dla_config cfg = orin_hfuse();
    std::string rep;
    ir_graph *g = fuse_and_hfuse(p, cfg, &rep);
    ASSERT_NE(g, nullptr);
    const ir_layer *l = merged_layer(g);
    ASSERT_NE(l, nullptr) << rep;
    EXPECT_EQ(g->nodes[l->conv_node].conv.sy, 1);
    ASSERT_EQ(l->n_hslices, 2);
    EXPECT_STREQ(g->tensors[l->hslices[0]].name, "r1");
    EXPECT_STREQ(g->tensors[l->hslices[1]].name, "r2");
    EXPECT_EQ(count_conv_layers(g), 5); // s0, s1+s2, three heads
    EXPECT_NE(rep.find("hfuse: not merged 's0 + relu0' and 's2 + relu2' (siblings on 'x'): different strides"),
              std::string::npos)
        << rep;
    ir_graph_destroy(g);
}
