// 2:4 structured sparsity (docs/datapath.md "2:4 sparse weights"): which conv layers go sparse under
// --sparsity=enable / force, the magnitude pruning, and the compressed values + metadata emitted.
#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

struct Loadable {
    dla_loadable *ld = nullptr;
    ~Loadable() { dla_loadable_destroy(ld); }
};

dla_config orin_sparse()
{
    dla_config c = orin_like();
    c.core.features.sparsity_2_4 = true;
    return c;
}

// One K x C 1x1 conv on a 1 x C x 2 x 2 input, compiled for INT8 with the given sparsity.
dla_status compile_conv(int k, int c, float (*f)(int, int, int, int), const dla_config *cfg, dla_sparsity sp,
                        Loadable *out, dla_error *err, std::string *report = nullptr)
{
    ScratchDir dir;
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, c, 2, 2};
    tb_input(m, "x", 4, in);
    add_conv(m, "conv", "x", "y", k, c, 1, 1, 1, 0, f);
    tb_output(m, "y");
    std::string p = dir.file("model.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_compile_opts o = opts_for(cfg);
    o.sparsity = sp;
    char *buf = nullptr;
    size_t len = 0;
    o.report = report ? open_memstream(&buf, &len) : nullptr;
    dla_status st = dla_compile_onnx(p.c_str(), &o, &out->ld, err);
    if (o.report) {
        std::fclose(o.report);
        *report = buf ? buf : "";
        std::free(buf);
    }
    return st;
}

const uint8_t *weights(const dla_loadable *ld)
{
    return ld->blob + ld->regions[0].blob_offset;
}

// 2:4 along C: kernel 0 keeps channels 4j+1, 4j+3; kernel 1 keeps 4j+0, 4j+3. Value (127 - j) with a
// minus sign at position 3, so each kernel's max |w| is 127 and INT8 quantisation (q = w * 127 / max)
// gives back exactly +-(127 - j).
float w_2_4(int k, int c, int, int)
{
    int j = c / 4, p = c % 4;
    bool kept = k == 0 ? (p == 1 || p == 3) : (p == 0 || p == 3);
    return kept ? (p == 3 ? -1.0f : 1.0f) * (float)(127 - j) / 127.0f : 0.0f;
}

// Dense; per group of 4 the magnitudes are: even j {10, 40, 30, 20} (keep 1, 2), odd j {127, 5, 6, 60}
// (keep 0, 3), except j = 2: {7, 7, 7, 7} (tie: the lower channels 0, 1 are kept). Max 127: exact INT8.
const float kMag[3][4] = {{10, 40, -30, 20}, {127, 5, 6, 60}, {7, 7, 7, 7}};
float w_dense(int, int c, int, int)
{
    int j = c / 4, p = c % 4;
    return kMag[j == 2 ? 2 : j % 2][p] / 127.0f;
}

} // namespace

TEST(SparsityTest, EnableCompressesTwoFourWeightsIntoValuesAndMetadata)
{
    // Orin-like DC layout, K = 2, C = 128, 1x1: one kernel group; 2 channel blocks of 64; order cb, k,
    // 64 channels -> dense D = 2 x 2 x 64 = 256 B. Values V = D/2 = 128 B; metadata D/8 = 32 B,
    // rounded up to 128 B; weight_bytes = 256. Group q = (cb*2 + k)*16 + ci/4 covers channel group
    // j = cb*16 + ci/4. Nibbles: kernel 0 {1,3} = 1 | 3<<2 = 0xD, kernel 1 {0,3} = 0xC; a metadata
    // byte holds 2 groups of the same kernel: 0xDD / 0xCC.
    dla_config cfg = orin_sparse();
    Loadable L;
    dla_error err{};
    std::string report;
    ASSERT_EQ(compile_conv(2, 128, w_2_4, &cfg, DLA_SPARSITY_ENABLE, &L, &err, &report), DLA_OK) << err.msg;
    const dla_lconv &cv = L.ld->ops[0].u.conv;
    EXPECT_EQ(cv.weight_format, (uint32_t)DLA_WEIGHT_SPARSE_2_4);
    EXPECT_EQ(cv.weight_bytes, 256u);
    EXPECT_EQ(cv.sparse_meta_offset, cv.weight_offset + 128u);
    EXPECT_EQ(cv.sparse_meta_bytes, 128u);
    const uint8_t *v = weights(L.ld) + cv.weight_offset, *meta = weights(L.ld) + cv.sparse_meta_offset;
    for (int q = 0; q < 64; q++) {
        int cb = q / 32, j = cb * 16 + q % 16;
        ASSERT_EQ((int8_t)v[2 * q], 127 - j) << q;
        ASSERT_EQ((int8_t)v[2 * q + 1], -(127 - j)) << q;
    }
    for (int m = 0; m < 128; m++) {
        int k = (m / 8) % 2;
        ASSERT_EQ(meta[m], m < 32 ? (k == 0 ? 0xDD : 0xCC) : 0) << m;
    }
    EXPECT_NE(report.find("sparsity enable: 1 of 1 conv layers 2:4 sparse: conv"), std::string::npos) << report;
}

TEST(SparsityTest, EnableKeepsAConvThatIsNotTwoFourDense)
{
    // w_small has 3+ non-zeros in some groups of 4: enable only uses weights already 2:4.
    // Dense DC: 2 kernels x 2 blocks x 64 = 256 B.
    dla_config cfg = orin_sparse();
    Loadable L;
    dla_error err{};
    ASSERT_EQ(compile_conv(2, 128, w_small, &cfg, DLA_SPARSITY_ENABLE, &L, &err), DLA_OK) << err.msg;
    const dla_lconv &cv = L.ld->ops[0].u.conv;
    EXPECT_EQ(cv.weight_format, (uint32_t)DLA_WEIGHT_DENSE);
    EXPECT_EQ(cv.weight_bytes, 256u);
    EXPECT_EQ(cv.sparse_meta_bytes, 0u);
}

TEST(SparsityTest, ForcePrunesEachGroupOfFourToItsTwoLargestMagnitudes)
{
    // K = 1, C = 128: D = 2 blocks x 64 = 128 B, V = 64 B, metadata 16 B -> 128 B, weight_bytes 192.
    // Group q = j. Kept: even j {1,2} -> values (40, -30), nibble 1 | 2<<2 = 9; odd j {0,3} -> (127, 60),
    // nibble 12; j = 2 {0,1} -> (7, 7), nibble 0 | 1<<2 = 4.
    dla_config cfg = orin_sparse();
    Loadable L;
    dla_error err{};
    std::string report;
    ASSERT_EQ(compile_conv(1, 128, w_dense, &cfg, DLA_SPARSITY_FORCE, &L, &err, &report), DLA_OK) << err.msg;
    const dla_lconv &cv = L.ld->ops[0].u.conv;
    ASSERT_EQ(cv.weight_format, (uint32_t)DLA_WEIGHT_SPARSE_2_4);
    EXPECT_EQ(cv.weight_bytes, 192u);
    EXPECT_EQ(cv.sparse_meta_offset, cv.weight_offset + 64u);
    EXPECT_EQ(cv.sparse_meta_bytes, 128u);
    const uint8_t *v = weights(L.ld) + cv.weight_offset, *meta = weights(L.ld) + cv.sparse_meta_offset;
    auto nibble = [](int j) { return j == 2 ? 4 : j % 2 ? 12 : 9; };
    for (int j = 0; j < 32; j++) {
        int a = j == 2 ? 7 : j % 2 ? 127 : 40, b = j == 2 ? 7 : j % 2 ? 60 : -30;
        ASSERT_EQ((int8_t)v[2 * j], a) << j;
        ASSERT_EQ((int8_t)v[2 * j + 1], b) << j;
        ASSERT_EQ((meta[j / 2] >> (j % 2 ? 4 : 0)) & 0xF, nibble(j)) << j;
    }
    for (int m = 16; m < 128; m++)
        ASSERT_EQ(meta[m], 0) << m;
    EXPECT_NE(report.find("sparsity force: 1 of 1 conv layers 2:4 sparse: conv"), std::string::npos) << report;
}

TEST(SparsityTest, ConvWithSixtyFourChannelsStaysDense)
{
    // TensorRT's rule: only C > 64 goes sparse, even when forced or already 2:4. Dense DC: 2 x 64 = 128 B.
    dla_config cfg = orin_sparse();
    for (dla_sparsity sp : {DLA_SPARSITY_ENABLE, DLA_SPARSITY_FORCE}) {
        Loadable L;
        dla_error err{};
        ASSERT_EQ(compile_conv(2, 64, w_2_4, &cfg, sp, &L, &err), DLA_OK) << err.msg;
        EXPECT_EQ(L.ld->ops[0].u.conv.weight_format, (uint32_t)DLA_WEIGHT_DENSE) << sp;
        EXPECT_EQ(L.ld->ops[0].u.conv.weight_bytes, 128u) << sp;
    }
}

TEST(SparsityTest, ForceIsRejectedOnTargetsWithoutTwoFourSupportAndEnableStaysDense)
{
    dla_config xavier = orin_like(); // sparsity_2_4 off, as Xavier
    dla_config small = nv_small_like();
    for (const dla_config *cfg : {&xavier, &small}) {
        Loadable L;
        dla_error err{};
        EXPECT_EQ(compile_conv(2, 128, w_2_4, cfg, DLA_SPARSITY_FORCE, &L, &err), DLA_ERR_UNSUPPORTED) << cfg->name;
        EXPECT_NE(std::strstr(err.msg, "sparsity_2_4 is off"), nullptr) << err.msg;
        EXPECT_NE(std::strstr(err.msg, cfg->name), nullptr) << err.msg;
        Loadable E;
        ASSERT_EQ(compile_conv(2, 128, w_2_4, cfg, DLA_SPARSITY_ENABLE, &E, &err), DLA_OK) << err.msg;
        EXPECT_EQ(E.ld->ops[0].u.conv.weight_format, (uint32_t)DLA_WEIGHT_DENSE) << cfg->name;
    }
}

TEST(SparsityTest, CompressionRefusesThreeNonZerosAndPadsSparseGroupsWithTheLowestZeros)
{
    // Group 0 {0, 0, 5, 0}: one non-zero at 2, completed with the lowest zero 0 -> {0, 2}, nibble 8,
    // values (0, 5). Group 1 all zero -> {0, 1}, nibble 4. Meta byte 0 = 8 | 4 << 4 = 0x48.
    uint8_t dense[8] = {0, 0, 5, 0, 0, 0, 0, 0}, values[4], meta[128];
    ASSERT_TRUE(ir_sparse_compress(dense, 8, values, meta));
    EXPECT_EQ(values[0], 0);
    EXPECT_EQ(values[1], 5);
    EXPECT_EQ(values[2], 0);
    EXPECT_EQ(values[3], 0);
    EXPECT_EQ(meta[0], 0x48);
    uint8_t three[4] = {1, 0, 2, 3};
    EXPECT_FALSE(ir_sparse_compress(three, 4, values, meta));
}

TEST(SparsityTest, ConvWhoseChannelsAreNotAMultipleOfFourStaysDense)
{
    // NVDLA's DC format does not pad the last channel block, so with C = 66 (not a multiple of 4) a
    // 4-byte group of the dense surface would mix channels of two kernels: the layer stays dense even
    // when forced. Dense DC: 2 kernels x 66 channels = 132 B, padded to 256 B.
    dla_config cfg = orin_sparse();
    for (dla_sparsity sp : {DLA_SPARSITY_ENABLE, DLA_SPARSITY_FORCE}) {
        Loadable L;
        dla_error err{};
        ASSERT_EQ(compile_conv(2, 66, w_2_4, &cfg, sp, &L, &err), DLA_OK) << err.msg;
        EXPECT_EQ(L.ld->ops[0].u.conv.weight_format, (uint32_t)DLA_WEIGHT_DENSE) << sp;
        EXPECT_EQ(L.ld->ops[0].u.conv.weight_bytes, 256u) << sp;
    }
}
