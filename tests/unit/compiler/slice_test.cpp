// Slice and Split (sw/compiler/slice.c, docs/compiler.md "Slice and Split"): views emit no op and read
// at the window's offset with the holder's strides; copies (one-hot 1x1 conv, SDP pass-through) are
// exact; the holder lives as long as a view reader; each remaining limit names its rule.
#include <cstdint>

#include "tests/unit/compiler/test_support.h"

extern "C" {
#include "dla/loadable.h"
}

using namespace dlatest;

namespace {

struct Loadable {
    dla_loadable *ld = nullptr;
    ~Loadable() { dla_loadable_destroy(ld); }
};

const int64_t kIn[4] = {1, 8, 12, 12};

// x (1x8x12x12) -> conv3x3 8->64 pad 1 -> "a" (1x64x12x12). INT8 on the Orin-like target (32 B
// atom, 32 channels per surface): line stride 12 x 32 = 384 B, surface stride 12 x 384 = 4608 B.
tb_model *base(int64_t opset = 13, const int64_t *in = kIn)
{
    tb_model *m = tb_create(opset);
    tb_input(m, "x", 4, in);
    add_conv(m, "conv_a", "x", "a", 64, 8, 3, 3, 1, 1, w_small);
    return m;
}

void ints(tb_model *m, const char *name, std::vector<int64_t> v)
{
    const int64_t d[1] = {(int64_t)v.size()};
    tb_init_i64(m, name, 1, d, v.data(), true);
}

// Slice(in, starts, ends, axes) -> out, opset 10+ form.
void add_slice(tb_model *m, const char *name, const char *in, const char *out, std::vector<int64_t> starts,
               std::vector<int64_t> ends, std::vector<int64_t> axes, std::vector<int64_t> steps = {})
{
    std::string p = name;
    ints(m, (p + ".starts").c_str(), starts);
    ints(m, (p + ".ends").c_str(), ends);
    ints(m, (p + ".axes").c_str(), axes);
    std::string ins = std::string(in) + "," + p + ".starts," + p + ".ends," + p + ".axes";
    if (!steps.empty()) {
        ints(m, (p + ".steps").c_str(), steps);
        ins += "," + p + ".steps";
    }
    tb_node(m, "Slice", name, ins.c_str(), out);
}

dla_status compile(ScratchDir &dir, tb_model *m, Loadable *out, dla_error *err, const dla_config *cfg,
                   bool gpu_fallback = false)
{
    std::string p = dir.file("model.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_compile_opts o = opts_for(cfg);
    o.allow_gpu_fallback = gpu_fallback;
    return dla_compile_onnx(p.c_str(), &o, &out->ld, err);
}

// The compiler's pipeline (compiler.c) up to the memory plan, keeping the IR.
ir_graph *plan(ScratchDir &dir, tb_model *m, const dla_config *cfg, dla_error *err)
{
    std::string p = dir.file("model.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_compile_opts o = opts_for(cfg);
    ir_graph *g = nullptr;
    dla_status st = ir_import_onnx(p.c_str(), 0, &g, err);
    if (st == DLA_OK && (st = ir_fold_shapes(g, err)) == DLA_OK && (st = ir_canonicalize(g, err)) == DLA_OK &&
        (st = ir_check_legality(g, cfg, nullptr, err)) == DLA_OK &&
        (st = ir_lower_slices(g, cfg, DLA_PRECISION_INT8, err)) == DLA_OK &&
        (st = ir_partition(g, &o, err)) == DLA_OK && (st = ir_fuse(g, err)) == DLA_OK &&
        (st = ir_check_layer_precision(g, &o, err)) == DLA_OK && (st = ir_calibration(g, &o, err)) == DLA_OK &&
        (st = ir_quantize(g, &o, err)) == DLA_OK && (st = ir_tile(g, cfg, DLA_PRECISION_INT8, err)) == DLA_OK)
        st = ir_memory_plan(g, cfg, DLA_PRECISION_INT8, err);
    if (st != DLA_OK) {
        ir_graph_destroy(g);
        return nullptr;
    }
    return g;
}

int layer_named(const dla_loadable *ld, const char *name)
{
    for (uint32_t i = 0; i < ld->num_layers; i++)
        if (std::strcmp(ld->layers[i].name, name) == 0)
            return (int)i;
    return -1;
}

const dla_lop *op_of(const dla_loadable *ld, int layer, uint32_t kind)
{
    for (uint32_t i = 0; i < ld->num_ops; i++)
        if ((int)ld->ops[i].layer == layer && ld->ops[i].kind == kind)
            return &ld->ops[i];
    return nullptr;
}

// NVDLA's rounding right shift (docs/datapath.md "INT8 arithmetic").
int64_t rshr(int64_t x, uint32_t s)
{
    if (s == 0)
        return x;
    int64_t f = x >> s;
    bool guide = (x >> (s - 1)) & 1, sticky = (x & ((INT64_C(1) << (s - 1)) - 1)) != 0;
    return f + (guide && (x >= 0 || sticky) ? 1 : 0);
}

int16_t blob16(const dla_loadable *ld, uint64_t off)
{
    const uint8_t *p = ld->blob + ld->regions[0].blob_offset + off;
    return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

std::string compile_error(tb_model *m, const dla_config *cfg)
{
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_status st = compile(dir, m, &L, &err, cfg);
    return st == DLA_OK ? std::string("compiled") : std::string(err.msg);
}

} // namespace

TEST(SliceTest, RowWindowIsAViewAtRowTimesLineStrideWithNoOp)
{
    tb_model *m = base();
    add_slice(m, "rows", "a", "s", {2}, {-2}, {2}); // rows [2, 10)
    add_conv(m, "conv_b", "s", "y", 16, 64, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
    ASSERT_EQ(L.ld->num_layers, 2u); // conv_a, conv_b: the slice is no layer
    ASSERT_EQ(L.ld->num_ops, 4u);    // two conv + fused SDP pairs
    const dla_lsurface &a = L.ld->ops[1].u.sdp.dst, &s = L.ld->ops[2].u.conv.src;
    EXPECT_EQ(s.region, a.region);
    EXPECT_EQ(s.offset, a.offset + 2 * 384); // row 2 x line stride 384
    EXPECT_EQ(s.line_stride, 384u);
    EXPECT_EQ(s.surface_stride, 4608u);
    EXPECT_EQ(s.height, 8u);
    EXPECT_EQ(s.width, 12u);
    EXPECT_EQ(s.channels, 64u);
}

TEST(SliceTest, ColumnWindowFromNegativeStartToInt64MaxIsAViewAtColumnTimesAtom)
{
    tb_model *m = base();
    add_slice(m, "cols", "a", "s", {-9}, {INT64_MAX}, {3}); // columns [3, 12), as PyTorch exports x[..., 3:]
    add_conv(m, "conv_b", "s", "y", 16, 64, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
    ASSERT_EQ(L.ld->num_ops, 4u);
    const dla_lsurface &a = L.ld->ops[1].u.sdp.dst, &s = L.ld->ops[2].u.conv.src;
    EXPECT_EQ(s.offset, a.offset + 3 * 32); // column 3 x one 32 B atom
    EXPECT_EQ(s.line_stride, 384u);         // the holder's lines, not 9 x 32
    EXPECT_EQ(s.width, 9u);
    EXPECT_EQ(s.height, 12u);
}

TEST(SliceTest, AlignedChannelSplitIsTwoViewsOneSurfaceApart)
{
    tb_model *m = base();
    ints(m, "sizes", {32, 32});
    int sp = tb_node(m, "Split", "split", "a,sizes", "p,q");
    tb_attr_int(m, sp, "axis", 1);
    add_conv(m, "conv_p", "p", "yp", 16, 32, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_q", "q", "yq", 16, 32, 1, 1, 1, 0, w_small);
    tb_node(m, "Add", "add", "yp,yq", "y");
    tb_output(m, "y");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
    ASSERT_EQ(L.ld->num_layers, 3u); // conv_a, conv_p, conv_q + add
    const dla_lsurface &a = L.ld->ops[1].u.sdp.dst;
    const dla_lop *p = op_of(L.ld, layer_named(L.ld, "conv_p"), DLA_OP_CONV);
    const dla_lop *q = op_of(L.ld, layer_named(L.ld, "conv_q + add"), DLA_OP_CONV);
    ASSERT_TRUE(p && q);
    EXPECT_EQ(p->u.conv.src.offset, a.offset);        // channels [0, 32): surface 0
    EXPECT_EQ(q->u.conv.src.offset, a.offset + 4608); // channels [32, 64): surface 1, 4608 B on
    EXPECT_EQ(q->u.conv.src.channels, 32u);
    EXPECT_EQ(q->u.conv.src.surface_stride, 4608u);
}

// Channels [5, 21) start inside surface 0: a 1x1 conv over that surface (32 channels) with one-hot
// weights. Exact: each weight 1.0 quantises to 127 (scale max|w| / 127 = 1/127), the output keeps the
// input's scale, so M = s_x (1/127) / s_x = 1/127 and the copy computes rshr(rshr(127 x m, shift), F)
// with m = round(2^(shift+F) / 127); checked below for every INT8 value.
TEST(SliceTest, ChannelWindowOffASurfaceIsAnExactOneHotConvCopy)
{
    tb_model *m = base();
    add_slice(m, "chan", "a", "s", {5}, {21}, {1});
    add_conv(m, "conv_b", "s", "y", 16, 16, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
    int copy = layer_named(L.ld, "chan:copy");
    ASSERT_GE(copy, 0);
    ASSERT_EQ(L.ld->num_layers, 3u);
    const dla_lop *cv = op_of(L.ld, copy, DLA_OP_CONV), *sdp = op_of(L.ld, copy, DLA_OP_SDP);
    ASSERT_TRUE(cv && sdp);
    EXPECT_EQ(cv->u.conv.src.channels, 32u); // the surface holding channels 5..20
    EXPECT_EQ(cv->u.conv.src.offset, L.ld->ops[1].u.sdp.dst.offset);
    EXPECT_EQ(cv->u.conv.kernel_k, 16u);
    EXPECT_EQ(cv->u.conv.kernel_w * cv->u.conv.kernel_h, 1u);
    const dla_lsdp &s = sdp->u.sdp;
    EXPECT_FALSE(s.bs.alu_enable); // no bias
    for (int k = 0; k < 16; k++) {
        int64_t mul = blob16(L.ld, s.bs.operand_offset + 4 * (uint64_t)k + 2);
        for (int64_t x = -128; x <= 127; x++) {
            int64_t v = rshr(127 * x * mul, s.bs.mul_shift);
            int64_t out = rshr((v - s.out_cvt_offset) * s.out_cvt_scale, s.out_cvt_shift);
            ASSERT_EQ(out, x) << "kernel " << k << " operand " << mul << " shift " << s.bs.mul_shift;
        }
    }
}

// A window that is a network output needs dense bytes of its own: an SDP pass-through with multiplier
// 1 (equal input and output scales), exact for every INT8 value; the conv reading it stays a view.
TEST(SliceTest, WindowThatIsANetworkOutputIsAnExactSdpCopy)
{
    tb_model *m = base();
    add_slice(m, "win", "a", "s", {32, 0}, {64, 6}, {1, 2});
    add_conv(m, "conv_b", "s", "y", 16, 32, 1, 1, 1, 0, w_small);
    tb_output(m, "s");
    tb_output(m, "y");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
    int copy = layer_named(L.ld, "win:copy");
    ASSERT_GE(copy, 0);
    const dla_lop *sdp = op_of(L.ld, copy, DLA_OP_SDP);
    ASSERT_TRUE(sdp);
    EXPECT_EQ(op_of(L.ld, copy, DLA_OP_CONV), nullptr);
    const dla_lsdp &s = sdp->u.sdp;
    EXPECT_EQ(s.src.offset, L.ld->ops[1].u.sdp.dst.offset + 4608); // surface 1, row 0
    EXPECT_EQ(s.src.height, 6u);
    ASSERT_EQ(s.bs.mul_src, (uint32_t)DLA_OPERAND_PER_LAYER);
    for (int64_t x = -128; x <= 127; x++) {
        int64_t v = rshr(x * s.bs.mul_operand, s.bs.mul_shift);
        ASSERT_EQ(rshr((v - s.out_cvt_offset) * s.out_cvt_scale, s.out_cvt_shift), x);
    }
    const dla_lop *b = op_of(L.ld, layer_named(L.ld, "conv_b"), DLA_OP_CONV);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->u.conv.src.offset, s.src.offset); // the conv reads the holder, not the copy
}

// A GPU layer (GPU fallback) reads dense bytes: an aligned window feeding one gets an SDP copy; the
// DLA conv reading the same window reads it in place.
TEST(SliceTest, WindowReadByAGpuLayerIsAnSdpCopy)
{
    tb_model *m = base();
    add_slice(m, "win", "a", "s", {32}, {64}, {1});
    tb_node(m, "Abs", "abs", "s", "g"); // rule unary.abs: a GPU layer under fallback
    add_conv(m, "conv_b", "s", "y", 16, 32, 1, 1, 1, 0, w_small);
    tb_output(m, "g");
    tb_output(m, "y");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg, true), DLA_OK) << err.msg;
    int copy = layer_named(L.ld, "win:copy");
    ASSERT_GE(copy, 0);
    EXPECT_NE(op_of(L.ld, copy, DLA_OP_SDP), nullptr);
    EXPECT_EQ(op_of(L.ld, copy, DLA_OP_CONV), nullptr);
    const dla_lop *b = op_of(L.ld, layer_named(L.ld, "conv_b"), DLA_OP_CONV);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->u.conv.src.offset, L.ld->ops[1].u.sdp.dst.offset + 4608); // surface 1 of a, in place
}

// A network input that a view reads stays in the feature format: its direct conv reader does not run
// in image-input mode (which would store the input as pixels under the view).
TEST(SliceTest, InputReadThroughAViewIsNotStoredAsPixels)
{
    const int64_t in3[4] = {1, 3, 12, 12};
    tb_model *m = tb_create(13);
    tb_input(m, "x", 4, in3);
    add_conv(m, "conv_a", "x", "a", 16, 3, 3, 3, 1, 1, w_small);
    add_slice(m, "rows", "x", "s", {4}, {12}, {2});
    add_conv(m, "conv_b", "s", "b", 16, 3, 1, 1, 1, 0, w_small);
    tb_output(m, "a");
    tb_output(m, "b");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    cfg.core.features.image_input = true;
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
    const dla_lop *a = op_of(L.ld, layer_named(L.ld, "conv_a"), DLA_OP_CONV);
    const dla_lop *b = op_of(L.ld, layer_named(L.ld, "conv_b"), DLA_OP_CONV);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->u.conv.src.line_stride, 12u * 32u); // feature format: W x atom, not packed pixels
    EXPECT_EQ(b->u.conv.src.offset, a->u.conv.src.offset + 4 * 384);
}

// View or copy at the surface boundary (32 channels per INT8 surface): [32, 64) ends at the holder's
// end and [32, 63) ends inside a surface; [31, 63) starts inside one.
TEST(SliceTest, ChannelWindowIsAViewOnlyOnSurfaceBoundaries)
{
    struct Case {
        int64_t c0, c1;
        bool view;
    } cases[] = {{32, 64, true}, {32, 63, false}, {31, 63, false}, {0, 32, true}, {0, 31, false}};
    for (const Case &c : cases) {
        tb_model *m = base();
        add_slice(m, "chan", "a", "s", {c.c0}, {c.c1}, {1});
        add_conv(m, "conv_b", "s", "y", 16, (int)(c.c1 - c.c0), 1, 1, 1, 0, w_small);
        tb_output(m, "y");
        ScratchDir dir;
        Loadable L;
        dla_error err{};
        dla_config cfg = orin_like();
        ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
        EXPECT_EQ(L.ld->num_layers, c.view ? 2u : 3u) << "channels [" << c.c0 << ", " << c.c1 << ")";
    }
}

TEST(SliceTest, UnequalSplitOfRowsGivesEachPartItsOwnOffset)
{
    tb_model *m = base(11); // opset 11: sizes in the split attribute
    int sp = tb_node(m, "Split", "split", "a", "p,q");
    const int64_t sizes[2] = {3, 9};
    tb_attr_ints(m, sp, "split", 2, sizes);
    tb_attr_int(m, sp, "axis", 2);
    add_conv(m, "conv_p", "p", "yp", 16, 64, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_q", "q", "yq", 16, 64, 1, 1, 1, 0, w_small);
    tb_output(m, "yp");
    tb_output(m, "yq");
    ScratchDir dir;
    Loadable L;
    dla_error err{};
    dla_config cfg = orin_like();
    ASSERT_EQ(compile(dir, m, &L, &err, &cfg), DLA_OK) << err.msg;
    ASSERT_EQ(L.ld->num_layers, 3u);
    const uint64_t a = L.ld->ops[1].u.sdp.dst.offset;
    const dla_lop *p = op_of(L.ld, layer_named(L.ld, "conv_p"), DLA_OP_CONV);
    const dla_lop *q = op_of(L.ld, layer_named(L.ld, "conv_q"), DLA_OP_CONV);
    ASSERT_TRUE(p && q);
    EXPECT_EQ(p->u.conv.src.offset, a);
    EXPECT_EQ(p->u.conv.src.height, 3u);
    EXPECT_EQ(q->u.conv.src.offset, a + 3 * 384);
    EXPECT_EQ(q->u.conv.src.height, 9u);
}

// Opset 18 num_outputs: parts of ceil(10 / 3) = 4 rows, the last 2.
TEST(SliceTest, SplitNumOutputsGivesCeilPartsAndASmallerLast)
{
    tb_model *m = tb_create(18);
    const int64_t in[4] = {1, 8, 10, 6};
    tb_input(m, "x", 4, in);
    int sp = tb_node(m, "Split", "split", "x", "p,q,r");
    tb_attr_int(m, sp, "axis", 2);
    tb_attr_int(m, sp, "num_outputs", 3);
    tb_output(m, "p");
    tb_output(m, "q");
    tb_output(m, "r");
    ScratchDir dir;
    std::string path = dir.file("m.onnx");
    ASSERT_EQ(tb_save(m, path.c_str()), 0);
    tb_destroy(m);
    dla_error err{};
    ir_graph *g = run_passes(path, nullptr, 1, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    int n = find_node(g, "split");
    ASSERT_GE(n, 0);
    const int64_t want[3][2] = {{0, 4}, {4, 4}, {8, 2}};
    for (int k = 0; k < 3; k++) {
        int64_t start[IR_MAX_RANK], len[IR_MAX_RANK];
        const char *why;
        ASSERT_EQ(ir_slice_window(g, &g->nodes[n], k, start, len, &why), DLA_OK);
        EXPECT_EQ(start[2], want[k][0]);
        EXPECT_EQ(len[2], want[k][1]);
        EXPECT_EQ(g->tensors[g->nodes[n].out[k]].dims[2], want[k][1]);
    }
    ir_graph_destroy(g);
}

// The holder's bytes stay reserved until the last layer reading a view of it: a is read through the
// view only by the last layer, after two layers whose outputs could otherwise reuse a's bytes.
TEST(SliceTest, HolderLivesUntilTheLastViewReader)
{
    tb_model *m = base();
    add_slice(m, "rows", "a", "s", {0}, {6}, {2});
    add_conv(m, "conv_b", "a", "b", 64, 64, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_c", "b", "c", 64, 64, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_d", "s", "d", 64, 64, 1, 1, 1, 0, w_small);
    ScratchDir dir;
    dla_error err{};
    dla_config cfg = orin_like();
    tb_output(m, "c");
    tb_output(m, "d");
    ir_graph *g = plan(dir, m, &cfg, &err);
    ASSERT_NE(g, nullptr) << err.msg;
    int a = ir_tensor_find(g, "a"), s = ir_tensor_find(g, "s"), d_layer = -1;
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i].in == s)
            d_layer = i;
    ASSERT_GE(d_layer, 0);
    EXPECT_EQ(g->tensors[s].view_of, a);
    EXPECT_GE(g->tensors[a].last_layer, d_layer);
    // nothing placed in the activation region while a lives overlaps it
    for (int t = 0; t < g->n_tensors; t++) {
        const ir_tensor *x = &g->tensors[t];
        if (t == a || x->view_of >= 0 || x->region != g->tensors[a].region || x->first_layer < 0 ||
            x->first_layer > g->tensors[a].last_layer)
            continue;
        bool disjoint = x->offset + (uint64_t)x->bytes <= g->tensors[a].offset ||
                        g->tensors[a].offset + (uint64_t)g->tensors[a].bytes <= x->offset;
        EXPECT_TRUE(disjoint) << x->name;
    }
    ir_graph_destroy(g);
}

// Each remaining limit: at the limit it compiles, one past it names its rule.
TEST(SliceTest, StepOneRunsStepTwoNamesRuleSliceStep)
{
    dla_config cfg = orin_like();
    for (int64_t step : {1, 2}) {
        tb_model *m = base();
        add_slice(m, "rows", "a", "s", {0}, {12}, {2}, {step});
        add_conv(m, "conv_b", "s", "y", 16, 64, 1, 1, 1, 0, w_small);
        tb_output(m, "y");
        std::string msg = compile_error(m, &cfg);
        if (step == 1) {
            EXPECT_EQ(msg, "compiled");
        } else {
            EXPECT_NE(msg.find("node 'rows' (Slice): step 2: the DLA slices with step 1 only (rule slice.step)"),
                      std::string::npos)
                << msg;
        }
    }
}

TEST(SliceTest, WholeBatchRunsPartOfTheBatchNamesRuleSliceAxis)
{
    dla_config cfg = orin_like();
    const int64_t in2[4] = {2, 8, 12, 12};
    for (int64_t end : {2, 1}) {
        tb_model *m = base(13, in2);
        add_slice(m, "batch", "a", "s", {0}, {end}, {0});
        add_conv(m, "conv_b", "s", "y", 16, 64, 1, 1, 1, 0, w_small);
        tb_output(m, "y");
        std::string msg = compile_error(m, &cfg);
        if (end == 2) {
            EXPECT_EQ(msg, "compiled");
        } else {
            EXPECT_NE(msg.find("(rule slice.axis)"), std::string::npos) << msg;
        }
    }
}

TEST(SliceTest, OneColumnRunsAnEmptyWindowNamesRuleSliceEmpty)
{
    dla_config cfg = orin_like();
    for (int64_t end : {6, 5}) {
        tb_model *m = base();
        add_slice(m, "cols", "a", "s", {5}, {end}, {3});
        add_conv(m, "conv_b", "s", "y", 16, 64, 1, 1, 1, 0, w_small);
        tb_output(m, "y");
        std::string msg = compile_error(m, &cfg);
        if (end == 6) {
            EXPECT_EQ(msg, "compiled");
        } else {
            EXPECT_NE(msg.find("node 'cols' (Slice): output 's' is empty (0 along axis 3)"), std::string::npos) << msg;
            EXPECT_NE(msg.find("(rule slice.empty)"), std::string::npos) << msg;
        }
    }
}

TEST(SliceTest, FourDRunsThreeDNamesRuleSliceRank)
{
    dla_config cfg = orin_like();
    tb_model *m = base();
    ints(m, "shape3", {1, 64, 144});
    tb_node(m, "Reshape", "flat", "a,shape3", "r");
    add_slice(m, "cols", "r", "s", {0}, {10}, {2});
    tb_output(m, "s");
    std::string msg = compile_error(m, &cfg);
    EXPECT_NE(msg.find("node 'cols' (Slice): the DLA slices 4-D tensors only (rule slice.rank)"), std::string::npos)
        << msg;
}

TEST(SliceTest, ComputedEndsNameRuleSliceParams)
{
    dla_config cfg = orin_like();
    tb_model *m = base();
    // ends = int64(max over x), computed from the activation at run time
    int r = tb_node(m, "ReduceMax", "rmax", "x", "mx");
    tb_attr_int(m, r, "keepdims", 0);
    ints(m, "one", {1});
    tb_node(m, "Reshape", "to1", "mx,one", "mx1");
    int c = tb_node(m, "Cast", "cast", "mx1", "end");
    tb_attr_int(m, c, "to", 7);
    ints(m, "st", {0});
    ints(m, "ax", {3});
    tb_node(m, "Slice", "cols", "a,st,end,ax", "s");
    add_conv(m, "conv_b", "s", "y", 16, 64, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    std::string msg = compile_error(m, &cfg);
    EXPECT_NE(msg.find("node 'cols' (Slice): starts, ends, axes and steps must be constants (rule slice.params)"),
              std::string::npos)
        << msg;
}
