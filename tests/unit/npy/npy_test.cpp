// Tests of the .npy reader/writer: numpy-written files of every dtype, byte order and format version,
// a round trip checked by numpy itself, and each malformed header refused with a message naming the
// file and the problem. Expected values are the literals handed to numpy.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "dla/npy.h"

namespace {

class NpyTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::string(DLASIM_BUILD_DIR) + "/tests/npy_tmp/" + info->name();
        ASSERT_EQ(std::system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str()), 0);
    }
    void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

    std::string path(const std::string &name) const { return dir_ + "/" + name; }

    // Runs a Python snippet with numpy imported as np and D bound to the test's directory.
    void python(const std::string &code) const
    {
        std::string script = path("gen.py");
        std::ofstream(script) << "import numpy as np, numpy.lib.format as fmt\nD = '" << dir_ << "'\n" << code << "\n";
        ASSERT_EQ(std::system((std::string(DLASIM_PYTHON) + " " + script).c_str()), 0) << code;
    }

    // A version 1.0 file with the given header dictionary text and raw data bytes.
    std::string hand_written(const std::string &name, const std::string &dict, const std::string &data,
                             const std::string &preamble = std::string("\x93NUMPY\x01\x00", 8)) const
    {
        std::string header = dict + "\n";
        std::string bytes = preamble;
        if (preamble.size() == 8) {
            bytes += static_cast<char>(header.size() & 0xff);
            bytes += static_cast<char>(header.size() >> 8);
        }
        bytes += header + data;
        std::ofstream(path(name), std::ios::binary) << bytes;
        return path(name);
    }

    void expect_refused(const std::string &file, dla_status status, const std::string &needle) const
    {
        dla_npy *a = nullptr;
        dla_error err{};
        EXPECT_EQ(dla_npy_read(file.c_str(), &a, &err), status) << err.msg;
        EXPECT_EQ(a, nullptr);
        EXPECT_NE(std::string(err.msg).find(file), std::string::npos) << err.msg;
        EXPECT_NE(std::string(err.msg).find(needle), std::string::npos) << "message: " << err.msg;
    }

    std::string dir_;
};

struct DtypeCase {
    const char *dtype;
    const char *values; // Python list literal
    std::vector<double> expected;
};

TEST_F(NpyTest, ReadsEveryDtypeInBothByteOrdersAsFloat)
{
    const std::vector<DtypeCase> cases = {
        {"f4", "[0.5, -1.25, 3e38, -7.0, 1e-45, 2.0]", {0.5, -1.25, 3e38, -7.0, 1e-45, 2.0}},
        {"f8", "[0.1, -2.5, 1e300, 4.0, -0.0, 9.0]", {0.1, -2.5, INFINITY, 4.0, -0.0, 9.0}},
        {"i1", "[0, 1, -1, 127, -128, 5]", {0, 1, -1, 127, -128, 5}},
        {"u1", "[0, 1, 128, 255, 7, 9]", {0, 1, 128, 255, 7, 9}},
        {"i2", "[0, -32768, 32767, -1, 300, -300]", {0, -32768, 32767, -1, 300, -300}},
        {"u2", "[0, 65535, 32768, 1, 2, 3]", {0, 65535, 32768, 1, 2, 3}},
        {"i4", "[-2147483648, 2147483647, -1, 0, 70000, -70000]", {-2147483648.0, 2147483647.0, -1, 0, 70000, -70000}},
        {"u4", "[4294967295, 0, 1, 2147483648, 5, 6]", {4294967295.0, 0, 1, 2147483648.0, 5, 6}},
        {"i8", "[-1099511627776, 1, -1, 0, 123456789, -5]", {-1099511627776.0, 1, -1, 0, 123456789, -5}},
        {"u8", "[18446744073709551615, 0, 1, 2, 3, 4]", {18446744073709551615.0, 0, 1, 2, 3, 4}},
    };
    std::string code;
    for (const auto &c : cases)
        for (const char *order : {"<", ">"})
            code += std::string("np.save(D + '/") + c.dtype + (order[0] == '<' ? "_le" : "_be") + ".npy', np.array(" +
                    c.values + ", dtype='" + order + c.dtype + "').reshape(2, 3))\n";
    code += "np.save(D + '/bool.npy', np.array([[True, False, True], [False, False, True]]))\n";
    python(code);
    for (const auto &c : cases) {
        for (const char *suffix : {"_le", "_be"}) {
            std::string file = path(std::string(c.dtype) + suffix + ".npy");
            dla_npy *a = nullptr;
            dla_error err{};
            ASSERT_EQ(dla_npy_read(file.c_str(), &a, &err), DLA_OK) << err.msg;
            ASSERT_EQ(a->ndim, 2);
            EXPECT_EQ(a->shape[0], 2);
            EXPECT_EQ(a->shape[1], 3);
            ASSERT_EQ(a->count, 6u);
            for (size_t i = 0; i < 6; i++)
                EXPECT_EQ(a->data[i], static_cast<float>(c.expected[i])) << file << " element " << i;
            dla_npy_destroy(a);
        }
    }
    dla_npy *b = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_npy_read(path("bool.npy").c_str(), &b, &err), DLA_OK) << err.msg;
    const float bools[] = {1, 0, 1, 0, 0, 1};
    for (size_t i = 0; i < 6; i++)
        EXPECT_EQ(b->data[i], bools[i]);
    dla_npy_destroy(b);
}

TEST_F(NpyTest, HalfPrecisionDecodesSubnormalsAndSpecials)
{
    // Bit patterns: 0x3c00 = 1.0, 0xc100 = -2.5, 0x7bff = 65504 (max), 0x0001 = 2^-24 (smallest subnormal),
    // 0x03ff = 1023 * 2^-24 (largest subnormal), 0xfc00 = -inf, 0x7e00 = NaN, 0x8000 = -0.0.
    python("np.save(D + '/h_le.npy', np.array([0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0xfc00, 0x7e00, 0x8000],"
           " dtype='<u2').view('<f2'))\n"
           "np.save(D + '/h_be.npy', np.load(D + '/h_le.npy').astype('>f2'))\n");
    for (const char *name : {"h_le.npy", "h_be.npy"}) {
        dla_npy *a = nullptr;
        dla_error err{};
        ASSERT_EQ(dla_npy_read(path(name).c_str(), &a, &err), DLA_OK) << err.msg;
        ASSERT_EQ(a->count, 8u);
        EXPECT_EQ(a->data[0], 1.0f);
        EXPECT_EQ(a->data[1], -2.5f);
        EXPECT_EQ(a->data[2], 65504.0f);
        EXPECT_EQ(a->data[3], std::ldexp(1.0f, -24));
        EXPECT_EQ(a->data[4], 1023.0f * std::ldexp(1.0f, -24));
        EXPECT_TRUE(std::isinf(a->data[5]) && a->data[5] < 0);
        EXPECT_TRUE(std::isnan(a->data[6]));
        EXPECT_TRUE(a->data[7] == 0.0f && std::signbit(a->data[7]));
        dla_npy_destroy(a);
    }
}

TEST_F(NpyTest, ReadsFormatVersions2And3AndEdgeShapes)
{
    python("a = np.arange(24, dtype='<f4').reshape(2, 3, 4)\n"
           "for v in ((2, 0), (3, 0)):\n"
           "    with open(D + '/v%d.npy' % v[0], 'wb') as f: fmt.write_array(f, a, version=v)\n"
           "np.save(D + '/scalar.npy', np.float32(4.5))\n"
           "np.save(D + '/empty.npy', np.zeros((0, 3), dtype='<f4'))\n"
           "np.save(D + '/rank8.npy', np.ones((1, 2, 1, 2, 1, 2, 1, 2), dtype='<i2'))\n");
    for (const char *name : {"v2.npy", "v3.npy"}) {
        dla_npy *a = nullptr;
        dla_error err{};
        ASSERT_EQ(dla_npy_read(path(name).c_str(), &a, &err), DLA_OK) << err.msg;
        ASSERT_EQ(a->ndim, 3);
        ASSERT_EQ(a->count, 24u);
        for (size_t i = 0; i < 24; i++)
            EXPECT_EQ(a->data[i], static_cast<float>(i));
        dla_npy_destroy(a);
    }
    dla_npy *a = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_npy_read(path("scalar.npy").c_str(), &a, &err), DLA_OK) << err.msg;
    EXPECT_EQ(a->ndim, 0);
    ASSERT_EQ(a->count, 1u);
    EXPECT_EQ(a->data[0], 4.5f);
    dla_npy_destroy(a);
    ASSERT_EQ(dla_npy_read(path("empty.npy").c_str(), &a, &err), DLA_OK) << err.msg;
    EXPECT_EQ(a->ndim, 2);
    EXPECT_EQ(a->count, 0u);
    dla_npy_destroy(a);
    ASSERT_EQ(dla_npy_read(path("rank8.npy").c_str(), &a, &err), DLA_OK) << err.msg;
    EXPECT_EQ(a->ndim, 8);
    EXPECT_EQ(a->count, 16u);
    EXPECT_EQ(a->data[15], 1.0f);
    dla_npy_destroy(a);
}

TEST_F(NpyTest, WrittenFileIsLittleEndianF4ThatNumpyLoadsIdentically)
{
    const int64_t shape[] = {2, 1, 3};
    const float data[] = {0.0f, -1.5f, 3.25f, 1e-40f /* subnormal */, -65536.0f, 7.0f};
    dla_error err{};
    std::string file = path("out.npy");
    ASSERT_EQ(dla_npy_write_f32(file.c_str(), shape, 3, data, &err), DLA_OK) << err.msg;
    EXPECT_FALSE(std::ifstream(file + ".tmp").good()) << "temporary file left behind";
    python("a = np.load(D + '/out.npy')\n"
           "assert a.dtype.str == '<f4' and a.shape == (2, 1, 3) and a.flags.c_contiguous, (a.dtype, a.shape)\n"
           "exp = np.array([0.0, -1.5, 3.25, 1e-40, -65536.0, 7.0], dtype='<f4').reshape(2, 1, 3)\n"
           "assert a.tobytes() == exp.tobytes(), a\n"
           "assert (10 + int.from_bytes(open(D + '/out.npy', 'rb').read()[8:10], 'little')) % 64 == 0\n");
    dla_npy *a = nullptr;
    ASSERT_EQ(dla_npy_read(file.c_str(), &a, &err), DLA_OK) << err.msg;
    ASSERT_EQ(a->count, 6u);
    for (size_t i = 0; i < 6; i++)
        EXPECT_EQ(a->data[i], data[i]);
    dla_npy_destroy(a);
}

TEST_F(NpyTest, WritesRank0And1ShapesNumpyAccepts)
{
    const int64_t five[] = {5};
    const float data[] = {1, 2, 3, 4, 5};
    dla_error err{};
    ASSERT_EQ(dla_npy_write_f32(path("r1.npy").c_str(), five, 1, data, &err), DLA_OK) << err.msg;
    ASSERT_EQ(dla_npy_write_f32(path("r0.npy").c_str(), nullptr, 0, data, &err), DLA_OK) << err.msg;
    python("a = np.load(D + '/r1.npy'); assert a.shape == (5,) and list(a) == [1, 2, 3, 4, 5], a\n"
           "b = np.load(D + '/r0.npy'); assert b.shape == () and b == 1, b\n");
}

TEST_F(NpyTest, WriteRejectsNegativeDimensionAndUnwritableDirectory)
{
    const int64_t bad[] = {2, -1};
    const float data[] = {0, 0};
    dla_error err{};
    EXPECT_EQ(dla_npy_write_f32(path("bad.npy").c_str(), bad, 2, data, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("dimension 1 is -1"), std::string::npos) << err.msg;
    const int64_t two[] = {2};
    std::string missing = path("no/such/dir/x.npy");
    EXPECT_EQ(dla_npy_write_f32(missing.c_str(), two, 1, data, &err), DLA_ERR_IO);
    EXPECT_NE(std::string(err.msg).find("cannot create temporary file"), std::string::npos) << err.msg;
}

const std::string kF4x2 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
const std::string kTwoFloats("\0\0\x80\x3f\0\0\0\x40", 8); // 1.0f, 2.0f little-endian

TEST_F(NpyTest, HandWrittenHeaderIsAccepted)
{
    // Guards the malformed cases below: the same writer with a valid header must be readable.
    dla_npy *a = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_npy_read(hand_written("ok.npy", kF4x2, kTwoFloats).c_str(), &a, &err), DLA_OK) << err.msg;
    ASSERT_EQ(a->count, 2u);
    EXPECT_EQ(a->data[0], 1.0f);
    EXPECT_EQ(a->data[1], 2.0f);
    dla_npy_destroy(a);
}

TEST_F(NpyTest, MissingFileIsAnIoError)
{
    expect_refused(path("absent.npy"), DLA_ERR_IO, "cannot open");
}

TEST_F(NpyTest, BadMagicIsRefused)
{
    expect_refused(hand_written("m.npy", kF4x2, kTwoFloats, std::string("\x93NUMPX\x01\x00", 8)), DLA_ERR_FORMAT,
                   "magic");
}

TEST_F(NpyTest, ShortFileIsRefused)
{
    std::ofstream(path("s.npy"), std::ios::binary) << "\x93NUM";
    expect_refused(path("s.npy"), DLA_ERR_FORMAT, "shorter than the 10-byte preamble");
}

TEST_F(NpyTest, UnknownMajorVersionIsRefused)
{
    expect_refused(hand_written("v.npy", kF4x2, kTwoFloats, std::string("\x93NUMPY\x04\x00", 8)), DLA_ERR_UNSUPPORTED,
                   "version 4.0");
}

TEST_F(NpyTest, HeaderLengthOutOfBoundsIsRefused)
{
    // Version 2 with a declared header of 0x00100000 bytes (1 MiB > the 64 KiB bound).
    std::string bytes = std::string("\x93NUMPY\x02\x00", 8) + std::string("\x00\x00\x10\x00", 4) + kF4x2;
    std::ofstream(path("h.npy"), std::ios::binary) << bytes;
    expect_refused(path("h.npy"), DLA_ERR_FORMAT, "header length 1048576 out of range");
}

TEST_F(NpyTest, TruncatedHeaderIsRefused)
{
    std::string bytes = std::string("\x93NUMPY\x01\x00\x80\x00", 10) + "{'descr': '<f4'";
    std::ofstream(path("t.npy"), std::ios::binary) << bytes;
    expect_refused(path("t.npy"), DLA_ERR_FORMAT, "header truncated (declared 128 bytes)");
}

TEST_F(NpyTest, FortranOrderIsRefused)
{
    expect_refused(hand_written("f.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", kTwoFloats),
                   DLA_ERR_UNSUPPORTED, "Fortran order");
}

TEST_F(NpyTest, UnknownDtypeIsRefused)
{
    expect_refused(hand_written("c.npy", "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", kTwoFloats),
                   DLA_ERR_UNSUPPORTED, "dtype '<c8' is not supported");
    expect_refused(hand_written("p.npy", "{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", kTwoFloats),
                   DLA_ERR_UNSUPPORTED, "dtype '|f4'");
}

TEST_F(NpyTest, MissingUnknownAndRepeatedKeysAreRefused)
{
    expect_refused(hand_written("k1.npy", "{'descr': '<f4', 'shape': (2,), }", kTwoFloats), DLA_ERR_FORMAT,
                   "lacks 'fortran_order'");
    expect_refused(
        hand_written("k2.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", kTwoFloats),
        DLA_ERR_FORMAT, "unknown key 'x'");
    expect_refused(
        hand_written("k3.npy", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", kTwoFloats),
        DLA_ERR_FORMAT, "repeats key 'descr'");
}

TEST_F(NpyTest, NonIntegerShapeIsRefused)
{
    expect_refused(hand_written("n.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }", kTwoFloats),
                   DLA_ERR_FORMAT, "expected ',' or ')' in shape");
    expect_refused(hand_written("m.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", kTwoFloats),
                   DLA_ERR_FORMAT, "non-negative integers");
}

TEST_F(NpyTest, ShapeProductOverflowAndLimitAreRefused)
{
    // 2^32 * 2^32 overflows 64 bits; 2^31 elements exceed the 2^30 limit without overflowing.
    expect_refused(hand_written("o.npy",
                                "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                                kTwoFloats),
                   DLA_ERR_LIMIT, "more than 1073741824 elements");
    expect_refused(
        hand_written("l.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (2147483648,), }", kTwoFloats),
        DLA_ERR_LIMIT, "more than 1073741824 elements");
    expect_refused(
        hand_written("d.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", kTwoFloats),
        DLA_ERR_LIMIT, "more than 8 dimensions");
}

TEST_F(NpyTest, DataShorterOrLongerThanDeclaredIsRefused)
{
    // shape (3,) of f4 needs 12 bytes; 8 are present.
    expect_refused(hand_written("short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", kTwoFloats),
                   DLA_ERR_FORMAT, "data is 8 bytes, shape and dtype need 12");
    expect_refused(hand_written("long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", kTwoFloats),
                   DLA_ERR_FORMAT, "4 bytes after the 4 data bytes");
}

} // namespace
