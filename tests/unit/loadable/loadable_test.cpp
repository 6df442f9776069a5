// Loadable: byte format (header fields at documented offsets), round trip, reader refusals
// (truncation, CRC, magic, version) and semantic validation.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dla/loadable.h"
#include "sw/loadable/loadable_internal.h"

namespace {

namespace fs = std::filesystem;

uint32_t rd32(const std::vector<uint8_t> &b, size_t o)
{
    return uint32_t(b[o]) | uint32_t(b[o + 1]) << 8 | uint32_t(b[o + 2]) << 16 | uint32_t(b[o + 3]) << 24;
}
uint64_t rd64(const std::vector<uint8_t> &b, size_t o)
{
    return uint64_t(rd32(b, o + 4)) << 32 | rd32(b, o);
}

dla_lsurface mem_surface(int32_t region, uint64_t offset, uint32_t w, uint32_t h, uint32_t c, uint32_t atom)
{
    dla_lsurface s{};
    s.region = region;
    s.offset = offset;
    s.width = w;
    s.height = h;
    s.channels = c;
    s.line_stride = w * atom;
    s.surface_stride = h * w * atom;
    s.precision = DLA_PRECISION_INT8;
    return s;
}

dla_lsurface fly(uint32_t w, uint32_t h, uint32_t c)
{
    dla_lsurface s{};
    s.region = -1;
    s.width = w;
    s.height = h;
    s.channels = c;
    s.precision = DLA_PRECISION_INT8;
    return s;
}

// nv_small-like target (atom 8 B): input 8x8x8 INT8 -> 3x3 conv, pad 1, 16 kernels -> SDP (bias+scale+relu
// per kernel) -> 2x2/2 max pool -> 4x4x16 output. Blob: 1152 B of weights (16 x 3x3x8) + 64 B of SDP
// operands (16 x {int16, int16}).
struct Chain {
    dla_loadable *l = dla_loadable_create();
    ~Chain() { dla_loadable_destroy(l); }

    Chain()
    {
        std::strcpy(l->target_config, "nv_small");
        l->atomic_c = 8;
        l->atomic_k = 8;
        l->memory_atomic_bytes = 8;
        l->cbuf_banks = 32;
        l->cbuf_entries_per_bank = 512;
        l->cbuf_entry_bytes = 8;
        std::strcpy(l->network, "chain");
        l->precision = DLA_PRECISION_INT8;
        l->batch = 1;

        std::vector<uint8_t> weights(1152), operands(64);
        for (size_t i = 0; i < weights.size(); ++i)
            weights[i] = uint8_t(i * 7 + 1);
        for (size_t i = 0; i < operands.size(); ++i)
            operands[i] = uint8_t(i + 100);
        uint64_t off = 0;
        EXPECT_EQ(dla_loadable_append_blob(l, weights.data(), weights.size(), 128, &off), DLA_OK);
        EXPECT_EQ(off, 0u);
        EXPECT_EQ(dla_loadable_append_blob(l, operands.data(), operands.size(), 64, &off), DLA_OK);
        EXPECT_EQ(off, 1152u);

        dla_lregion r{};
        r.kind = DLA_REGION_WEIGHTS;
        r.size = 1216;
        r.alignment = 128;
        r.blob_size = 1216;
        add_region(r);
        r = {};
        r.kind = DLA_REGION_INPUT;
        r.size = 512; // 8x8x8 INT8, one surface of 8 lines x 64 B
        r.alignment = 64;
        add_region(r);
        r.kind = DLA_REGION_OUTPUT;
        r.size = 256; // 4x4x16: 2 surfaces of 4 lines x 32 B
        add_region(r);

        dla_ltensor t{};
        std::strcpy(t.name, "input");
        t.role = DLA_TENSOR_INPUT;
        t.n = 1, t.c = 8, t.h = 8, t.w = 8;
        t.precision = DLA_PRECISION_INT8;
        t.region = 1;
        t.line_stride = 64;
        t.surface_stride = 512;
        t.batch_stride = 512;
        t.scale = 0.5f;
        uint32_t idx;
        EXPECT_EQ(dla_loadable_add_tensor(l, &t, &idx), DLA_OK);
        std::strcpy(t.name, "output");
        t.role = DLA_TENSOR_OUTPUT;
        t.c = 16, t.h = 4, t.w = 4;
        t.region = 2;
        t.line_stride = 32;
        t.surface_stride = 128;
        t.batch_stride = 256;
        t.scale = 0.25f;
        EXPECT_EQ(dla_loadable_add_tensor(l, &t, &idx), DLA_OK);

        dla_llayer layer{};
        std::strcpy(layer.name, "Conv_0 + Relu_1 + MaxPool_2");
        std::strcpy(layer.type, "conv");
        layer.macs = 8 * 8 * 16 * 9 * 8;
        EXPECT_EQ(dla_loadable_add_layer(l, &layer, &idx), DLA_OK);

        dla_lop op{};
        op.kind = DLA_OP_CONV;
        op.fused_parent = -1;
        op.macs = layer.macs;
        dla_lconv &c = op.u.conv;
        c.src = mem_surface(1, 0, 8, 8, 8, 8);
        c.weight_region = 0;
        c.weight_bytes = 1152;
        c.kernel_w = c.kernel_h = 3;
        c.kernel_c = 8;
        c.kernel_k = 16;
        c.stride_x = c.stride_y = c.dilation_x = c.dilation_y = 1;
        c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = 1;
        c.pad_value = -3;
        c.out_w = c.out_h = 8;
        c.data_banks = 1;
        c.weight_banks = 1;
        c.entry_per_slice = 8;
        c.fetch_grain = 1;
        c.release_slices = 8;
        c.clip_truncate = 4;
        add_op(op);

        op = {};
        op.kind = DLA_OP_SDP;
        op.fused_parent = 0;
        dla_lsdp &s = op.u.sdp;
        s.src = fly(8, 8, 16);
        s.dst = fly(8, 8, 16);
        s.bs.enable = s.bs.alu_enable = s.bs.mul_enable = s.bs.relu = 1;
        s.bs.alu_op = DLA_ALU_SUM;
        s.bs.alu_src = s.bs.mul_src = DLA_OPERAND_PER_KERNEL;
        s.bs.alu_shift = 3;
        s.bs.mul_shift = 15;
        s.bs.operand_region = 0;
        s.bs.operand_offset = 1152;
        s.bn.operand_region = -1;
        s.ew.operand.region = -1;
        s.out_cvt_scale = 1;
        s.out_cvt_shift = 2;
        s.out_cvt_offset = -7;
        add_op(op);

        op = {};
        op.kind = DLA_OP_PDP;
        op.fused_parent = 1;
        dla_lpdp &p = op.u.pdp;
        p.src = fly(8, 8, 16);
        p.dst = mem_surface(2, 0, 4, 4, 16, 8);
        p.method = DLA_POOL_MAX;
        p.kernel_w = p.kernel_h = p.stride_x = p.stride_y = 2;
        p.pad_value = -128;
        p.count_include_pad = 1;
        p.split_num = 1;
        add_op(op);
    }
    void add_region(const dla_lregion &r)
    {
        uint32_t i;
        EXPECT_EQ(dla_loadable_add_region(l, &r, &i), DLA_OK);
    }
    void add_op(const dla_lop &op)
    {
        uint32_t i;
        EXPECT_EQ(dla_loadable_add_op(l, &op, &i), DLA_OK);
    }
};

struct TempDir {
    fs::path path;
    TempDir()
    {
        path = fs::temp_directory_path() /
               ("dlasim_loadable_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::vector<uint8_t> serialize(const dla_loadable *l)
{
    uint8_t *buf = nullptr;
    size_t size = 0;
    dla_error err{};
    EXPECT_EQ(dla_loadable_serialize(l, &buf, &size, &err), DLA_OK) << err.msg;
    std::vector<uint8_t> v(buf, buf + size);
    free(buf);
    return v;
}

// Record sizes from the field lists of docs/loadable-format.md (natural sizes, no padding):
//   TARGET  = 64 + 6*4 + 128 + 4 + 4                                   = 224
//   REGION  = 4 + 4 + 8 + 4 + 8 + 8                                    = 36
//   TENSOR  = 128 + 7*4 + 8 + 4 + 4 + 8 + 4 + 2*4 (1.1: data/pixel format) = 192
//   LAYER   = 128 + 32 + 8                                             = 168
//   SURFACE = 4 + 8 + 6*4 = 36; SDP stage = 56; EW = 72; SDP = 2*36 + 8 + 2*56 + 72 + 12
//             + 2*4 (1.3: bs/bn mul_prelu)                             = 284 (largest)
//   OP      = 5*4 + 8*4 + 8 + 284                                      = 344
TEST(LoadableTest, RecordSizesMatchTheDocumentedFieldLists)
{
    EXPECT_EQ(dla_loadable_record_bytes(1), 224u);
    EXPECT_EQ(dla_loadable_record_bytes(2), 36u);
    EXPECT_EQ(dla_loadable_record_bytes(3), 192u);
    EXPECT_EQ(dla_loadable_record_bytes(4), 168u);
    EXPECT_EQ(dla_loadable_record_bytes(5), 344u);
}

TEST(LoadableTest, Crc32MatchesTheStandardCheckValue)
{
    // The IEEE CRC-32 check value of "123456789" is 0xCBF43926 (zlib, PNG, Ethernet).
    EXPECT_EQ(dla_loadable_crc32("123456789", 9), 0xCBF43926u);
}

// Bit-at-a-time CRC-32 (reflected 0xEDB88320), the definition the table-driven version must match.
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

TEST(LoadableTest, Crc32SlicedMatchesBitwiseDefinitionAtEveryLengthAndAlignment)
{
    // Every length 0..80 at every start offset 0..7 exercises the 8-byte steps, the byte tail and
    // unaligned starts. zlib.crc32(bytes((i * 7 + 3) & 0xff for i in range(1001))) == 0xb1133f7e.
    std::vector<uint8_t> d(1001);
    for (size_t i = 0; i < d.size(); ++i)
        d[i] = static_cast<uint8_t>(i * 7 + 3);
    EXPECT_EQ(dla_loadable_crc32(d.data(), d.size()), 0xb1133f7eu);
    for (size_t off = 0; off < 8; ++off)
        for (size_t n = 0; n <= 80; ++n)
            ASSERT_EQ(dla_loadable_crc32(d.data() + off, n), crc32_bitwise(d.data() + off, n)) << off << " " << n;
}

TEST(LoadableTest, HeaderFieldsAtDocumentedOffsets)
{
    Chain c;
    std::vector<uint8_t> b = serialize(c.l);
    // Layout: header 64 + table 6*24 = 208; TARGET [208,432); REGIONS 3*36 = 108 -> [432,540), next at 544;
    // TENSORS 2*192 = 384 -> [544,928); LAYERS 168 -> [928,1096); OPS 3*344 = 1032 -> [1096,2128);
    // BLOB 1216 -> [2128,3344).
    const uint64_t file_size = 3344;
    ASSERT_EQ(b.size(), file_size);
    EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "DLAL");
    EXPECT_EQ(rd32(b, 0), 0x4C414C44u);
    EXPECT_EQ(b[4] | b[5] << 8, 1); // version_major
    EXPECT_EQ(b[6] | b[7] << 8, 3); // version_minor (1.3; a DLA-only loadable keeps 1.0's 6 sections)
    EXPECT_EQ(rd32(b, 8), 64u);     // header_bytes
    EXPECT_EQ(rd32(b, 12), 0u);     // flags
    EXPECT_EQ(rd64(b, 16), file_size);
    EXPECT_EQ(rd32(b, 24), dla_loadable_crc32(b.data() + 64, b.size() - 64));
    EXPECT_EQ(rd32(b, 28), 6u);  // section_count
    EXPECT_EQ(rd64(b, 32), 64u); // section_table_offset
    for (size_t i = 40; i < 64; ++i)
        EXPECT_EQ(b[i], 0) << "reserved header byte " << i;
    const uint64_t expect[6][3] = {// count, offset, size
                                   {1, 208, 224}, {3, 432, 108},   {2, 544, 384},
                                   {1, 928, 168}, {3, 1096, 1032}, {1216, 2128, 1216}};
    for (int s = 0; s < 6; ++s) {
        size_t e = 64 + 24 * s;
        EXPECT_EQ(rd32(b, e), uint32_t(s + 1)) << "section " << s;
        EXPECT_EQ(rd32(b, e + 4), expect[s][0]) << "section " << s;
        EXPECT_EQ(rd64(b, e + 8), expect[s][1]) << "section " << s;
        EXPECT_EQ(rd64(b, e + 16), expect[s][2]) << "section " << s;
    }
    // Fields inside records: TARGET atomic_c at 208+64; region 0 size (u64) at 432+8;
    // op 1 fused_parent (i32) at 1096+344+12; op 2 (PDP) pad_value: 60 common + 2*36 surfaces + 9*4 = +168.
    EXPECT_EQ(rd32(b, 208 + 64), 8u);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(&b[208])), "nv_small");
    EXPECT_EQ(rd64(b, 432 + 8), 1216u);
    EXPECT_EQ(rd32(b, 1096 + 344 + 12), 0u);
    EXPECT_EQ(rd32(b, 1096 + 2 * 344 + 168), uint32_t(-128));
    EXPECT_EQ(b[2128 + 5], uint8_t(5 * 7 + 1)); // blob copied verbatim
}

TEST(LoadableTest, RoundTripPreservesEveryField)
{
    Chain c;
    TempDir dir;
    std::string path = (dir.path / "chain.dlal").string();
    dla_error err{};
    ASSERT_EQ(dla_loadable_write_file(c.l, path.c_str(), &err), DLA_OK) << err.msg;
    dla_loadable *r = nullptr;
    ASSERT_EQ(dla_loadable_read_file(path.c_str(), &r, &err), DLA_OK) << err.msg;
    EXPECT_STREQ(r->target_config, "nv_small");
    EXPECT_STREQ(r->network, "chain");
    EXPECT_EQ(r->atomic_c, 8u);
    EXPECT_EQ(r->cbuf_entries_per_bank, 512u);
    EXPECT_EQ(r->batch, 1u);
    ASSERT_EQ(r->num_regions, 3u);
    ASSERT_EQ(r->num_tensors, 2u);
    ASSERT_EQ(r->num_layers, 1u);
    ASSERT_EQ(r->num_ops, 3u);
    ASSERT_EQ(r->blob_size, 1216u);
    // Both sides are zero-initialised structs (padding included), so a byte comparison covers every field.
    EXPECT_EQ(std::memcmp(r->regions, c.l->regions, 3 * sizeof(dla_lregion)), 0);
    EXPECT_EQ(std::memcmp(r->tensors, c.l->tensors, 2 * sizeof(dla_ltensor)), 0);
    EXPECT_EQ(std::memcmp(r->layers, c.l->layers, sizeof(dla_llayer)), 0);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(std::memcmp(&r->ops[i], &c.l->ops[i], sizeof(dla_lop)), 0) << "op " << i;
    EXPECT_EQ(std::memcmp(r->blob, c.l->blob, 1216), 0);
    // A few fields spelled out, so a failure says which.
    EXPECT_EQ(r->ops[0].u.conv.pad_value, -3);
    EXPECT_EQ(r->ops[0].u.conv.clip_truncate, 4u);
    EXPECT_EQ(r->ops[1].u.sdp.bs.operand_offset, 1152u);
    EXPECT_EQ(r->ops[1].u.sdp.out_cvt_offset, -7);
    EXPECT_EQ(r->ops[2].u.pdp.dst.surface_stride, 32u * 4);
    EXPECT_FLOAT_EQ(r->tensors[1].scale, 0.25f);
    dla_loadable_destroy(r);
}

TEST(LoadableTest, WriteLeavesNoTemporaryFile)
{
    Chain c;
    TempDir dir;
    dla_error err{};
    std::string path = (dir.path / "net.dlal").string();
    ASSERT_EQ(dla_loadable_write_file(c.l, path.c_str(), &err), DLA_OK) << err.msg;
    ASSERT_EQ(dla_loadable_write_file(c.l, path.c_str(), &err), DLA_OK) << err.msg; // overwrite in place
    std::vector<std::string> names;
    for (auto &e : fs::directory_iterator(dir.path))
        names.push_back(e.path().filename().string());
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], "net.dlal");
    // A failing write (directory missing) creates nothing and names the path.
    std::string bad = (dir.path / "missing" / "x.dlal").string();
    EXPECT_EQ(dla_loadable_write_file(c.l, bad.c_str(), &err), DLA_ERR_IO);
    EXPECT_NE(std::string(err.msg).find(bad), std::string::npos) << err.msg;
    EXPECT_FALSE(fs::exists(dir.path / "missing"));
}

TEST(LoadableTest, TruncatedFileIsRejected)
{
    Chain c;
    std::vector<uint8_t> b = serialize(c.l);
    dla_loadable *r = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_loadable_read_buffer(b.data(), b.size() - 1, "t.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_EQ(r, nullptr);
    EXPECT_NE(std::string(err.msg).find("t.dlal: header says file_size 3344 but the file is 3343 bytes"),
              std::string::npos)
        << err.msg;
    EXPECT_EQ(dla_loadable_read_buffer(b.data(), 40, "t.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("shorter than the 64-byte header"), std::string::npos) << err.msg;
    // On disk too, and the message names the file.
    TempDir dir;
    std::string path = (dir.path / "short.dlal").string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), 1000);
    EXPECT_EQ(dla_loadable_read_file(path.c_str(), &r, &err), DLA_ERR_FORMAT);
    EXPECT_EQ(std::string(err.msg).rfind(path + ":", 0), 0u) << err.msg;
}

// /dev/zero used to be read until memory ran out; a file larger than format 1.0 can describe (4 GiB blob
// + 1 GiB of tables) is refused from its size alone (a sparse file: no disk, no reading).
TEST(LoadableTest, DeviceAndOversizedFilesAreRefusedBeforeReading)
{
    dla_loadable *r = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_loadable_read_file("/dev/zero", &r, &err), DLA_ERR_IO);
    EXPECT_STREQ(err.msg, "/dev/zero: not a regular file (a loadable must be a file)");
    TempDir dir;
    std::string big = (dir.path / "big.dlal").string();
    std::ofstream(big).close();
    fs::resize_file(big, (uintmax_t)5 << 30 | 1); // one byte over 5 GiB
    EXPECT_EQ(dla_loadable_read_file(big.c_str(), &r, &err), DLA_ERR_LIMIT);
    EXPECT_EQ(std::string(err.msg), big + ": 5368709121 bytes, larger than the 5368709120 byte limit for a loadable");
    EXPECT_EQ(r, nullptr);
}

TEST(LoadableTest, FlippedPayloadByteFailsTheChecksum)
{
    Chain c;
    std::vector<uint8_t> b = serialize(c.l);
    b[2128 + 100] ^= 0x01; // one bit of the weights
    dla_loadable *r = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "f.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("f.dlal: checksum mismatch"), std::string::npos) << err.msg;
}

TEST(LoadableTest, WrongMagicIsRejected)
{
    Chain c;
    std::vector<uint8_t> b = serialize(c.l);
    b[0] = 'X';
    dla_loadable *r = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "m.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("m.dlal: bad magic"), std::string::npos) << err.msg;
}

TEST(LoadableTest, FutureMajorVersionIsRejectedButHigherMinorAccepted)
{
    Chain c;
    std::vector<uint8_t> b = serialize(c.l);
    dla_loadable *r = nullptr;
    dla_error err{};
    std::vector<uint8_t> minor = b;
    minor[6] = DLA_LOADABLE_VERSION_MINOR + 1; // same major, newer minor: readable (the header is outside the CRC)
    EXPECT_EQ(dla_loadable_read_buffer(minor.data(), minor.size(), "v.dlal", &r, &err), DLA_OK) << err.msg;
    dla_loadable_destroy(r);
    r = nullptr;
    b[4] = 2;
    EXPECT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "v.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("unsupported format version 2." + std::to_string(DLA_LOADABLE_VERSION_MINOR)),
              std::string::npos)
        << err.msg;
    EXPECT_EQ(r, nullptr);
}

TEST(LoadableTest, SectionOfWrongSizeIsRejected)
{
    Chain c;
    std::vector<uint8_t> b = serialize(c.l);
    // REGIONS entry (index 1) count 3 -> 2: size 108 no longer equals 2 x 36. Fix the CRC so only the
    // section check can object.
    b[64 + 24 + 4] = 2;
    uint32_t crc = dla_loadable_crc32(b.data() + 64, b.size() - 64);
    for (int i = 0; i < 4; ++i)
        b[24 + i] = uint8_t(crc >> (8 * i));
    dla_loadable *r = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "s.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("section REGIONS has size 108, expected 72"), std::string::npos) << err.msg;
}

TEST(LoadableTest, ValidateRejectsSurfaceOutsideItsRegion)
{
    Chain c;
    dla_error err{};
    ASSERT_EQ(dla_loadable_validate(c.l, &err), DLA_OK) << err.msg;
    // PDP output 4x4x16: 2 surfaces x 128 B = 256 B exactly fills region 2; moving it 8 B over by offset
    // makes it end at 264.
    c.l->ops[2].u.pdp.dst.offset = 8;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("op 2 (pdp"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("ends at byte 264, outside region 2 of 256 bytes"), std::string::npos)
        << err.msg;
}

TEST(LoadableTest, ValidateRejectsABatchedConvWhoseSdpFeedsPdpOrWhoseStrideIsTooSmall)
{
    Chain c;
    dla_error err{};
    // NVDLA has no batch on conv + PDP: the chain's SDP streams to PDP, so batch 2 is refused.
    c.l->ops[0].u.conv.batch = 2;
    c.l->ops[0].u.conv.src_batch_stride = 512;
    c.l->ops[0].u.conv.dst_batch_stride = 256;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("batch 2"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("output must go to memory"), std::string::npos) << err.msg;
    c.l->ops[0].u.conv.batch = 33; // D_BATCH_NUMBER has 5 bits
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("at most 32 images"), std::string::npos) << err.msg;
}

TEST(LoadableTest, ValidateRefusesPrecisionConversionsNvdlaCannotDo)
{
    // The chain is conv -> SDP (on the fly) -> PDP, all INT8 (docs/loadable-format.md 1.2 rules).
    dla_error err{};
    {
        Chain c; // the integer SDP pipeline cannot write FP16
        c.l->ops[1].u.sdp.out_precision = DLA_PRECISION_FP16;
        c.l->ops[1].u.sdp.dst.precision = DLA_PRECISION_FP16;
        EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
        EXPECT_NE(std::string(err.msg).find("the integer pipeline cannot write fp16"), std::string::npos) << err.msg;
    }
    {
        Chain c; // an FP16 pipeline fed on the fly by an INT8 conv (DC mode converts no precision)
        c.l->ops[1].u.sdp.in_precision = DLA_PRECISION_FP16;
        EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
        EXPECT_NE(std::string(err.msg).find("src.precision int8 differs from in_precision fp16"), std::string::npos)
            << err.msg;
    }
    {
        Chain c; // the PDP converts no precision
        c.l->ops[2].u.pdp.dst.precision = DLA_PRECISION_FP16;
        EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
        EXPECT_NE(std::string(err.msg).find("the PDP converts no precision"), std::string::npos) << err.msg;
    }
}

TEST(LoadableTest, ValidateRejectsDependencyOnLaterOp)
{
    Chain c;
    dla_error err{};
    c.l->ops[0].num_deps = 1;
    c.l->ops[0].deps[0] = 2;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("op 0 (conv"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("depends on op 2"), std::string::npos) << err.msg;
}

TEST(LoadableTest, ValidateRejectsConvWithoutSdpConsumerAndWrongFusedParentKind)
{
    Chain c;
    dla_error err{};
    c.l->ops[2].fused_parent = 0; // PDP fused to a conv: NVDLA pipelines are conv -> SDP -> PDP only
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("fused_parent op 0 is conv; a fused pdp needs a sdp parent"), std::string::npos)
        << err.msg;
    Chain d;
    d.l->num_ops = 1; // conv alone
    EXPECT_EQ(dla_loadable_validate(d.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("conv has no SDP consumer"), std::string::npos) << err.msg;
}

TEST(LoadableTest, WriterRefusesAnInvalidLoadable)
{
    Chain c;
    TempDir dir;
    dla_error err{};
    c.l->ops[1].u.sdp.bs.alu_op = 7;
    std::string path = (dir.path / "bad.dlal").string();
    EXPECT_EQ(dla_loadable_write_file(c.l, path.c_str(), &err), DLA_ERR_INVALID);
    EXPECT_FALSE(fs::exists(path));
}

TEST(LoadableTest, AppendBlobAlignsAndZeroFillsTheGap)
{
    dla_loadable *l = dla_loadable_create();
    uint64_t off = 99;
    const uint8_t a[3] = {1, 2, 3}, b[2] = {9, 9};
    ASSERT_EQ(dla_loadable_append_blob(l, a, 3, 1, &off), DLA_OK);
    EXPECT_EQ(off, 0u);
    ASSERT_EQ(dla_loadable_append_blob(l, b, 2, 8, &off), DLA_OK);
    EXPECT_EQ(off, 8u); // 3 rounded up to a multiple of 8
    EXPECT_EQ(l->blob_size, 10u);
    for (int i = 3; i < 8; ++i)
        EXPECT_EQ(l->blob[i], 0);
    EXPECT_EQ(dla_loadable_append_blob(l, b, 2, 6, &off), DLA_ERR_INVALID); // not a power of two
    dla_loadable_destroy(l);
}

} // namespace

// GPU fallback (format 1.1): SEGMENTS and GPU_LAYERS sections.
TEST(LoadableTest, GpuSegmentsRoundTripAndBadOnesAreRejectedNamingTheSegment)
{
    Chain c;
    dla_lsegment d{}, g{};
    d.kind = DLA_SEGMENT_DLA;
    std::snprintf(d.name, sizeof d.name, "{ForeignNode[a...b]}");
    d.count = c.l->num_ops;
    g.kind = DLA_SEGMENT_GPU;
    std::snprintf(g.name, sizeof g.name, "gn");
    g.count = 1;
    g.boundary_bytes = 4096;
    dla_lgpu_layer y{};
    std::snprintf(y.name, sizeof y.name, "gn");
    std::snprintf(y.op_type, sizeof y.op_type, "InstanceNormalization");
    y.precision = DLA_PRECISION_FP16;
    for (int k = 0; k < 4; ++k)
        y.in_dims[k] = y.out_dims[k] = 2;
    y.read_bytes = y.write_bytes = 32;
    ASSERT_EQ(dla_loadable_add_segment(c.l, &d, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_add_segment(c.l, &g, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_add_gpu_layer(c.l, &y, nullptr), DLA_OK);
    std::vector<uint8_t> b = serialize(c.l);
    EXPECT_EQ(rd32(b, 28), 8u); // section_count: 6 + SEGMENTS + GPU_LAYERS
    dla_loadable *r = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "g.dlal", &r, &err), DLA_OK) << err.msg;
    ASSERT_EQ(r->num_segments, 2u);
    EXPECT_STREQ(r->segments[1].name, "gn");
    EXPECT_EQ(r->segments[1].boundary_bytes, 4096u);
    ASSERT_EQ(r->num_gpu_layers, 1u);
    EXPECT_STREQ(r->gpu_layers[0].op_type, "InstanceNormalization");
    EXPECT_EQ(dla_loadable_dla_segments(r), 1u);
    dla_loadable_destroy(r);
    r = nullptr;

    // A 1.0 reader's layout has 6 sections: 8 in a file that says 1.0 is refused.
    std::vector<uint8_t> old = b;
    old[6] = 0;
    EXPECT_EQ(dla_loadable_read_buffer(old.data(), old.size(), "g.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("8 sections, expected 6"), std::string::npos) << err.msg;

    // A GPU segment that claims a GPU layer the loadable does not have.
    c.l->segments[1].count = 2;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("segment 1 'gn': covers GPU layers [0, 2)"), std::string::npos) << err.msg;
    c.l->segments[1].count = 1;
    // Two DLA segments in a row.
    c.l->segments[1].kind = DLA_SEGMENT_DLA;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("follows a segment of the same device"), std::string::npos) << err.msg;
}

// LUTS (format 1.2): record = 2 u32 + 15 i32 + 3 u32 = 80 bytes, then 65 + 257 int16 = 644: 724.
// With LUTS the file has all 9 sections (SEGMENTS and GPU_LAYERS empty for a DLA-only network).
TEST(LoadableTest, LutsRoundTripAndBadOnesAreRejectedNamingTheLut)
{
    EXPECT_EQ(dla_loadable_record_bytes(9), 724u);
    Chain c;
    dla_llut t{};
    t.op = 1; // the chain's SDP
    t.le_function = 1;
    t.le_index_select = 12;
    t.lo_index_select = -3;
    t.le_start = -131072;
    t.le_end = 131072;
    t.lo_start = -5;
    t.lo_end = 7;
    t.lo_oflow_scale = -32768;
    t.le_uflow_shift = -16;
    t.hybrid_priority = 1;
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; ++i)
        t.le[i] = int16_t(i * 511 - 16000);
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; ++i)
        t.lo[i] = int16_t(32767 - i * 255);
    ASSERT_EQ(dla_loadable_add_lut(c.l, &t, nullptr), DLA_OK);
    std::vector<uint8_t> b = serialize(c.l);
    EXPECT_EQ(rd32(b, 28), 9u);
    dla_loadable *r = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "l.dlal", &r, &err), DLA_OK) << err.msg;
    ASSERT_EQ(r->num_luts, 1u);
    EXPECT_EQ(std::memcmp(&r->luts[0], &t, sizeof t), 0);
    EXPECT_EQ(r->num_segments, 0u);
    EXPECT_EQ(dla_loadable_dla_segments(r), 1u);
    EXPECT_EQ(dla_loadable_op_lut(r, 1), &r->luts[0]);
    EXPECT_EQ(dla_loadable_op_lut(r, 0), nullptr);
    dla_loadable_destroy(r);
    r = nullptr;

    // A 1.1 file cannot carry LUTS.
    std::vector<uint8_t> old = b;
    old[6] = 1;
    EXPECT_EQ(dla_loadable_read_buffer(old.data(), old.size(), "l.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("9 sections, expected 6 or 8"), std::string::npos) << err.msg;

    // On a PDP op, a second LUT for the same op, a shift beyond 5 signed bits.
    c.l->luts[0].op = 2;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("lut 0: op 2 is not an SDP op"), std::string::npos) << err.msg;
    c.l->luts[0].op = 1;
    ASSERT_EQ(dla_loadable_add_lut(c.l, &t, nullptr), DLA_OK);
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("lut 1: op 1 already has lut 0"), std::string::npos) << err.msg;
    c.l->num_luts = 1;
    c.l->luts[0].lo_oflow_shift = 16;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("slope shift 16 outside the signed 5-bit field"), std::string::npos) << err.msg;
}

// RUBIK contract (format 1.2) after the chain: its 4x4x16 output (atom 8 B: 8 channels per surface) as
// 2 x 1 stride groups of Kp = 8 channels -> an 8x4x8 cube (1 surface of 8 x 4 x 8 B = 256 B).
TEST(LoadableTest, RubikContractRoundTripsAndItsShapeAndFormatVersionAreChecked)
{
    Chain c;
    dla_lregion reg{};
    reg.kind = DLA_REGION_ACTIVATIONS;
    reg.size = 256;
    reg.alignment = 32;
    uint32_t idx;
    ASSERT_EQ(dla_loadable_add_region(c.l, &reg, &idx), DLA_OK);
    dla_lop op{};
    op.kind = DLA_OP_RUBIK;
    op.fused_parent = -1;
    op.num_deps = 1;
    op.deps[0] = 2;
    op.u.rubik.src = mem_surface(2, 0, 4, 4, 16, 8);
    op.u.rubik.dst = mem_surface(static_cast<int32_t>(idx), 0, 8, 4, 8, 8);
    op.u.rubik.mode = DLA_RUBIK_CONTRACT;
    op.u.rubik.stride_x = 2;
    op.u.rubik.stride_y = 1;
    ASSERT_EQ(dla_loadable_add_op(c.l, &op, &idx), DLA_OK);
    dla_error err{};
    ASSERT_EQ(dla_loadable_validate(c.l, &err), DLA_OK) << err.msg;
    std::vector<uint8_t> b = serialize(c.l);
    EXPECT_EQ(b[6] | b[7] << 8, 3); // format 1.3
    dla_loadable *r = nullptr;
    ASSERT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "r.dlal", &r, &err), DLA_OK) << err.msg;
    ASSERT_EQ(r->num_ops, 4u);
    EXPECT_EQ(r->ops[3].kind, static_cast<uint32_t>(DLA_OP_RUBIK));
    EXPECT_EQ(r->ops[3].u.rubik.stride_x, 2u);
    EXPECT_EQ(r->ops[3].u.rubik.stride_y, 1u);
    EXPECT_EQ(r->ops[3].u.rubik.dst.width, 8u);
    EXPECT_EQ(r->ops[3].u.rubik.src.channels, 16u);
    dla_loadable_destroy(r);
    r = nullptr;
    // A 1.1 reader does not know the kind: the same bytes labelled 1.1 are refused (header outside the CRC).
    std::vector<uint8_t> old = b;
    old[6] = 1;
    EXPECT_EQ(dla_loadable_read_buffer(old.data(), old.size(), "old.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("op 3: kind 4 (rubik) needs format 1.2"), std::string::npos) << err.msg;
    // Stride 2 x 2 needs 4 groups of 8 channels (32), the source has 16.
    c.l->ops[3].u.rubik.stride_y = 2;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("contract src has 16 channels, expected 32"), std::string::npos) << err.msg;
    c.l->ops[3].u.rubik.stride_y = 1;
    c.l->ops[3].u.rubik.mode = DLA_RUBIK_SPLIT;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("RUBIK mode 1"), std::string::npos) << err.msg;
}

// CDP LRN (format 1.3) after the chain: its 4x4x16 output (2 surfaces of 8-B atoms: 2 x 4 x 4 x 8 =
// 256 B) normalised into a new region, with converters and its LUT (LUTS, keyed by the op index).
TEST(LoadableTest, CdpLrnRoundTripsWithItsLutAndWindowLutAndFormatVersionAreChecked)
{
    Chain c;
    dla_lregion reg{};
    reg.kind = DLA_REGION_ACTIVATIONS;
    reg.size = 256;
    reg.alignment = 32;
    uint32_t idx;
    ASSERT_EQ(dla_loadable_add_region(c.l, &reg, &idx), DLA_OK);
    dla_lop op{};
    op.kind = DLA_OP_CDP;
    op.fused_parent = -1;
    op.num_deps = 1;
    op.deps[0] = 2;
    op.u.cdp.src = mem_surface(2, 0, 4, 4, 16, 8);
    op.u.cdp.dst = mem_surface(static_cast<int32_t>(idx), 0, 4, 4, 16, 8);
    op.u.cdp.local_size = 7;
    op.u.cdp.in_cvt_offset = -5;
    op.u.cdp.in_cvt_scale = 3;
    op.u.cdp.in_cvt_shift = 2;
    op.u.cdp.out_cvt_offset = 11;
    op.u.cdp.out_cvt_scale = -300;
    op.u.cdp.out_cvt_shift = 45;
    op.u.cdp.src_scale = 0.25f;
    op.u.cdp.dst_scale = 0.125f;
    ASSERT_EQ(dla_loadable_add_op(c.l, &op, &idx), DLA_OK);
    dla_error err{};
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("CDP op 3 has no LUT"), std::string::npos) << err.msg;
    dla_llut t{};
    t.op = idx;
    t.le_function = 1;
    t.lo_end = t.le_end = 1 << 16;
    t.lo[5] = -77;
    ASSERT_EQ(dla_loadable_add_lut(c.l, &t, nullptr), DLA_OK);
    ASSERT_EQ(dla_loadable_validate(c.l, &err), DLA_OK) << err.msg;
    std::vector<uint8_t> b = serialize(c.l);
    EXPECT_EQ(b[6] | b[7] << 8, 3); // format 1.3
    dla_loadable *r = nullptr;
    ASSERT_EQ(dla_loadable_read_buffer(b.data(), b.size(), "r.dlal", &r, &err), DLA_OK) << err.msg;
    ASSERT_EQ(r->num_ops, 4u);
    const dla_lcdp &k = r->ops[3].u.cdp;
    EXPECT_EQ(k.local_size, 7u);
    EXPECT_EQ(k.in_cvt_offset, -5);
    EXPECT_EQ(k.in_cvt_scale, 3);
    EXPECT_EQ(k.in_cvt_shift, 2u);
    EXPECT_EQ(k.out_cvt_offset, 11);
    EXPECT_EQ(k.out_cvt_scale, -300);
    EXPECT_EQ(k.out_cvt_shift, 45u);
    EXPECT_EQ(k.src_scale, 0.25f);
    EXPECT_EQ(k.dst_scale, 0.125f);
    const dla_llut *rl = dla_loadable_op_lut(r, 3);
    ASSERT_NE(rl, nullptr);
    EXPECT_EQ(rl->lo[5], -77);
    dla_loadable_destroy(r);
    r = nullptr;
    // A 1.2 reader does not know CDP ops: the same bytes labelled 1.2 are refused.
    std::vector<uint8_t> old = b;
    old[6] = 2;
    EXPECT_EQ(dla_loadable_read_buffer(old.data(), old.size(), "old.dlal", &r, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("op 3: kind 3 (cdp) needs format 1.3"), std::string::npos) << err.msg;
    // NVDLA's window is 3, 5, 7 or 9 (NORMALZ_LEN 0..3): 9 is accepted, 11 and 4 are not.
    c.l->ops[3].u.cdp.local_size = 9;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_OK) << err.msg;
    for (uint32_t bad : {11u, 4u}) {
        c.l->ops[3].u.cdp.local_size = bad;
        EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
        EXPECT_NE(std::string(err.msg).find("local_size " + std::to_string(bad)), std::string::npos) << err.msg;
    }
    c.l->ops[3].u.cdp.local_size = 7;
    // DATIN_SHIFTER has 5 bits: 31 fits, 32 does not.
    c.l->ops[3].u.cdp.in_cvt_shift = 31;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_OK) << err.msg;
    c.l->ops[3].u.cdp.in_cvt_shift = 32;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("input converter"), std::string::npos) << err.msg;
    c.l->ops[3].u.cdp.in_cvt_shift = 2;
    // The CDP's LUT slope shifts are unsigned (the SDP's are signed 5-bit).
    c.l->luts[c.l->num_luts - 1].lo_uflow_shift = -1;
    EXPECT_EQ(dla_loadable_validate(c.l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("the CDP's slope shifts are unsigned"), std::string::npos) << err.msg;
}
