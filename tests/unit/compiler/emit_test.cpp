// Emission: op order per layer and image, fused pipelines, dependencies (per image, and write-
// after-read for reused memory), surfaces in NVDLA feature format, and the DC weight layout.
#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

struct Loadable {
    dla_loadable *ld = nullptr;
    ~Loadable() { dla_loadable_destroy(ld); }
};

dla_status compile_model(ScratchDir &dir, tb_model *m, const dla_config *cfg, dla_precision prec, Loadable *out,
                         dla_error *err)
{
    std::string p = dir.file("model.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_compile_opts o = opts_for(cfg, prec);
    return dla_compile_onnx(p.c_str(), &o, &out->ld, err);
}

std::vector<uint32_t> deps(const dla_lop &op)
{
    return std::vector<uint32_t>(op.deps, op.deps + op.num_deps);
}

uint16_t blob16(const dla_loadable *ld, uint64_t off)
{
    const dla_lregion &w = ld->regions[0];
    const uint8_t *p = ld->blob + w.blob_offset + off;
    return (uint16_t)(p[0] | p[1] << 8);
}

} // namespace

TEST(EmitTest, ImagesOfALayerAreConsecutiveAndDependOnlyOnTheirOwnImage)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {2, 3, 8, 8};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "c", 16, 3, 3, 3, 1, 1, w_small);
    tb_node(m, "Relu", "relu", "c", "r");
    int mp = tb_node(m, "MaxPool", "pool", "r", "y");
    const int64_t k2[2] = {2, 2};
    tb_attr_ints(m, mp, "kernel_shape", 2, k2);
    tb_attr_ints(m, mp, "strides", 2, k2);
    tb_output(m, "y");
    dla_config cfg = orin_like();
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_model(dir, m, &cfg, DLA_PRECISION_INT8, &L, &err), DLA_OK) << err.msg;
    const dla_loadable *ld = L.ld;
    ASSERT_EQ(ld->num_layers, 2u);
    ASSERT_EQ(ld->num_ops, 6u);
    // conv0 sdp0 conv1 sdp1 | pdp0 pdp1
    const uint32_t kinds[6] = {DLA_OP_CONV, DLA_OP_SDP, DLA_OP_CONV, DLA_OP_SDP, DLA_OP_PDP, DLA_OP_PDP};
    const uint32_t images[6] = {0, 0, 1, 1, 0, 1};
    for (int i = 0; i < 6; i++) {
        EXPECT_EQ(ld->ops[i].kind, kinds[i]) << i;
        EXPECT_EQ(ld->ops[i].batch_index, images[i]) << i;
    }
    EXPECT_EQ(ld->ops[1].fused_parent, 0);
    EXPECT_EQ(ld->ops[3].fused_parent, 2);
    EXPECT_EQ(ld->ops[1].u.sdp.src.region, -1);
    EXPECT_TRUE(deps(ld->ops[0]).empty()); // reads the network input
    EXPECT_TRUE(deps(ld->ops[2]).empty());
    EXPECT_EQ(deps(ld->ops[4]), std::vector<uint32_t>{1}); // image 0's pool waits for image 0's SDP only
    EXPECT_EQ(deps(ld->ops[5]), std::vector<uint32_t>{3});
    // Feature format: 16 INT8 channels fit one 32-B atom surface: line 8 x 32, surface 8 lines,
    // batch stride 1 surface; image 1 starts one batch stride later.
    const dla_lsurface &d0 = ld->ops[1].u.sdp.dst, &d1 = ld->ops[3].u.sdp.dst;
    EXPECT_EQ(d0.line_stride, 8u * 32);
    EXPECT_EQ(d0.surface_stride, 8u * 8 * 32);
    EXPECT_EQ(d1.offset - d0.offset, 8u * 8 * 32);
    EXPECT_EQ(ld->ops[4].u.pdp.src.offset, d0.offset);
    EXPECT_EQ(ld->ops[4].u.pdp.pad_value, -128);
    // Input tensor: 3 channels in one surface of 8 x 8 atoms, scale from calibration.
    const dla_ltensor *x = &ld->tensors[0];
    EXPECT_EQ(x->role, (uint32_t)DLA_TENSOR_INPUT);
    EXPECT_EQ(x->line_stride, 8u * 32);
    EXPECT_EQ(x->batch_stride, 8u * 8 * 32);
    EXPECT_GT(x->scale, 0.0f);
    EXPECT_LE(x->scale, 1.0f / 127.0f);
    EXPECT_EQ(ld->regions[x->region].kind, (uint32_t)DLA_REGION_INPUT);
    EXPECT_EQ(ld->layers[0].macs, 2ull * 8 * 8 * 16 * 3 * 9);
    EXPECT_EQ(ld->ops[0].macs, 8ull * 8 * 16 * 3 * 9);
}

TEST(EmitTest, ReusedActivationMemoryWaitsForTheReadersOfWhatItOverwrites)
{
    // x -> a -> b -> c -> y (1x1 convs, equal sizes): a and b are live together, then c takes a's
    // place. c's SDP (which writes) must wait for conv_b's CONV op (the last reader of a).
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 32, 4, 4};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv_a", "x", "a", 32, 32, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_b", "a", "b", 32, 32, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_c", "b", "c", 32, 32, 1, 1, 1, 0, w_small);
    add_conv(m, "conv_y", "c", "y", 32, 32, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    dla_config cfg = orin_like();
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_model(dir, m, &cfg, DLA_PRECISION_INT8, &L, &err), DLA_OK) << err.msg;
    const dla_loadable *ld = L.ld;
    ASSERT_EQ(ld->num_ops, 8u);
    // ops: 0/1 conv_a, 2/3 conv_b, 4/5 conv_c, 6/7 conv_y
    const dla_lsurface &a = ld->ops[1].u.sdp.dst, &b = ld->ops[3].u.sdp.dst, &c = ld->ops[5].u.sdp.dst;
    EXPECT_EQ(a.region, b.region);
    EXPECT_NE(a.offset, b.offset);
    EXPECT_EQ(c.offset, a.offset);                         // first fit reuses a's bytes
    EXPECT_EQ(deps(ld->ops[4]), std::vector<uint32_t>{3}); // RAW on b
    EXPECT_EQ(deps(ld->ops[5]), std::vector<uint32_t>{2}); // WAR: conv_b's CONV read a
    // 32 channels x 4 x 4 x 1 B = 512 B per tensor (one 32-B atom per pixel): two live at a time.
    uint32_t act = a.region;
    EXPECT_EQ(ld->regions[act].kind, (uint32_t)DLA_REGION_ACTIVATIONS);
    EXPECT_EQ(ld->regions[act].size, 2u * 512);
}

TEST(EmitTest, WeightsAreWrittenInDirectConvolutionOrder)
{
    // FP16 on Orin-like: kernels per group = 128 / 2 = 64, channel blocks of atomic_c = 64; NVDLA's DC
    // format does not pad the last block, so C = 3 gives one block 3 channels wide.
    // Element (k, c, r, s) of a 2 x 3 x 2 x 2 conv lies at ((r * 2 + s) * 2 + k) * 3 + c (x 2 bytes).
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 3, 4, 4};
    tb_input(m, "x", 4, in);
    auto wf = [](int k, int c, int r, int s) { return (float)(k * 8 + c * 4 + r * 2 + s) / 64.0f; };
    add_conv(m, "conv", "x", "y", 2, 3, 2, 2, 1, 0, wf);
    tb_output(m, "y");
    dla_config cfg = orin_like();
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_model(dir, m, &cfg, DLA_PRECISION_FP16, &L, &err), DLA_OK) << err.msg;
    const dla_lconv &cv = L.ld->ops[0].u.conv;
    // 2 kernels x 3 channels x 4 taps x 2 B = 48 B, padded to 128 B
    EXPECT_EQ(cv.weight_bytes, 128u);
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < 3; c++)
            for (int r = 0; r < 2; r++)
                for (int s = 0; s < 2; s++) {
                    uint16_t want = ir_f32_to_f16(wf(k, c, r, s));
                    uint64_t off = cv.weight_offset + 2ull * ((((uint64_t)r * 2 + s) * 2 + k) * 3 + c);
                    ASSERT_EQ(blob16(L.ld, off), want) << k << " " << c << " " << r << " " << s;
                }
}

TEST(EmitTest, DepthwiseSlicesCarryBlockDiagonalWeightsAndChannelOffsetSurfaces)
{
    // FP16 on Orin-like: slices of 64 kernels (kernels per group); slice 1 = kernels 64..127,
    // reading channels 64..127, i.e. from the 5th 16-channel surface of the input.
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 256, 4, 4};
    tb_input(m, "x", 4, in);
    auto wf = [](int k, int, int r, int s) { return (float)(1 + (k % 5) + r * 3 + s) / 16.0f; };
    add_conv(m, "dw", "x", "y", 256, 256, 3, 3, 1, 1, wf, nullptr, 256);
    tb_output(m, "y");
    dla_config cfg = orin_like();
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_model(dir, m, &cfg, DLA_PRECISION_FP16, &L, &err), DLA_OK) << err.msg;
    ASSERT_EQ(L.ld->num_ops, 8u); // 4 slices x (conv + sdp)
    const dla_lop &op = L.ld->ops[2];
    const dla_lconv &cv = op.u.conv;
    EXPECT_EQ(cv.kernel_k, 64u);
    EXPECT_EQ(cv.kernel_c, 64u);
    const dla_lsurface &in0 = L.ld->ops[0].u.conv.src;
    EXPECT_EQ(cv.src.offset - in0.offset, 4ull * in0.surface_stride); // channel 64 = surface 64 / 16
    EXPECT_EQ(L.ld->ops[3].u.sdp.dst.offset - L.ld->ops[1].u.sdp.dst.offset, 4ull * in0.surface_stride);
    EXPECT_EQ(op.macs, 4ull * 4 * 64 * 1 * 9); // useful MACs: one channel per kernel
    // kernel k (local) reads only channel k: ((r * 3 + s) * 64 + k) * 64 + c
    for (int k = 0; k < 64; k += 9)
        for (int c = 0; c < 64; c += 7) {
            uint64_t off = cv.weight_offset + 2ull * (((1 * 3 + 2) * 64 + (uint64_t)k) * 64 + c);
            uint16_t want = c == k ? ir_f32_to_f16(wf(64 + k, 0, 1, 2)) : 0;
            ASSERT_EQ(blob16(L.ld, off), want) << k << " " << c;
        }
}

TEST(EmitTest, FcLikeLayerRunsInNvdlaBatchChunksOfAtMostMaxBatchImages)
{
    // 5 images of 1x1x64 -> 1x1 conv to 16 (an FC): with features.max_batch = 4 the layer becomes a
    // batch-4 op (images 0..3) and a single-image op (image 4). Strides: the FC input is 2 surfaces
    // of one 32-B atom (64 INT8 channels) per image, its output 16 channels = one atom.
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {5, 64, 1, 1};
    tb_input(m, "x", 4, in);
    add_conv(m, "fc", "x", "y", 16, 64, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    dla_config cfg = orin_like();
    cfg.core.features.max_batch = 4;
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_model(dir, m, &cfg, DLA_PRECISION_INT8, &L, &err), DLA_OK) << err.msg;
    const dla_loadable *ld = L.ld;
    ASSERT_EQ(ld->num_ops, 4u); // conv(4 images) sdp conv(1) sdp
    const dla_lconv &b4 = ld->ops[0].u.conv, &b1 = ld->ops[2].u.conv;
    EXPECT_EQ(ld->ops[0].batch_index, 0u);
    EXPECT_EQ(b4.batch, 4u);
    EXPECT_EQ(b4.src_batch_stride, 2u * 32);
    EXPECT_EQ(b4.dst_batch_stride, 32u);
    EXPECT_EQ(ld->ops[2].batch_index, 4u);
    EXPECT_LE(b1.batch, 1u);
    EXPECT_EQ(ld->ops[0].macs, 4ull * 16 * 64);
    EXPECT_EQ(ld->ops[2].macs, 16ull * 64);
    // The input tensor of image 4 starts 4 batch strides in.
    EXPECT_EQ(b1.src.offset - b4.src.offset, 4u * 64);
    // The batch fields survive the file format (loadable 1.2).
    std::string path = dir.file("fc.dlal");
    ASSERT_EQ(dla_loadable_write_file(ld, path.c_str(), &err), DLA_OK) << err.msg;
    dla_loadable *back = nullptr;
    ASSERT_EQ(dla_loadable_read_file(path.c_str(), &back, &err), DLA_OK) << err.msg;
    EXPECT_EQ(back->ops[0].u.conv.batch, 4u);
    EXPECT_EQ(back->ops[0].u.conv.src_batch_stride, 64u);
    EXPECT_EQ(back->ops[0].u.conv.dst_batch_stride, 32u);
    dla_loadable_destroy(back);
}

TEST(EmitTest, WithoutHardwareBatchEveryImageHasItsOwnFcOp)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {3, 64, 1, 1};
    tb_input(m, "x", 4, in);
    add_conv(m, "fc", "x", "y", 16, 64, 1, 1, 1, 0, w_small);
    tb_output(m, "y");
    dla_config cfg = orin_like(); // max_batch 1
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_model(dir, m, &cfg, DLA_PRECISION_INT8, &L, &err), DLA_OK) << err.msg;
    ASSERT_EQ(L.ld->num_ops, 6u);
    for (uint32_t i = 0; i < 6; i += 2) {
        EXPECT_EQ(L.ld->ops[i].batch_index, i / 2);
        EXPECT_LE(L.ld->ops[i].u.conv.batch, 1u);
    }
}

TEST(EmitTest, SpatialConvIsNeverBatched)
{
    // A 3x3 conv with a 4x4 output keeps one op per image even with hardware batch: its stripes are
    // long enough already (NVDLA batch is meant for FC).
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {2, 8, 6, 6};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "y", 16, 8, 3, 3, 1, 0, w_small);
    tb_output(m, "y");
    dla_config cfg = orin_like();
    cfg.core.features.max_batch = 32;
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_model(dir, m, &cfg, DLA_PRECISION_INT8, &L, &err), DLA_OK) << err.msg;
    ASSERT_EQ(L.ld->num_ops, 4u);
    EXPECT_LE(L.ld->ops[0].u.conv.batch, 1u);
}
