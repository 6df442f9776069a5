// INT8 calibration sources: TensorRT calibration caches (hex = IEEE-754 bits of the scale), the
// percentile and entropy thresholds, and calibration over the user's tensors (--calib DIR).
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "dla/npy.h"
#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

// x (1x1x4x4) -> 1x1 conv with weight 1 ("conv", output "c") -> Relu ("y"): y = max(x, 0).
std::string identity_relu(ScratchDir &dir)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 1, 4, 4}, wd[4] = {1, 1, 1, 1};
    const float one = 1.0f;
    tb_input(m, "x", 4, in);
    tb_init_f32(m, "w", 4, wd, &one, true);
    tb_node(m, "Conv", "conv", "x,w", "c");
    tb_node(m, "Relu", "relu", "c", "y");
    tb_output(m, "y");
    std::string p = dir.file("net.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    return p;
}

const dla_ltensor *find_tensor(const dla_loadable *l, const char *name)
{
    for (uint32_t i = 0; i < l->num_tensors; i++)
        if (std::strcmp(l->tensors[i].name, name) == 0)
            return &l->tensors[i];
    return nullptr;
}

std::string slurp(const std::string &p)
{
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

} // namespace

TEST(CalibrationTest, CacheScalesAreTheBigEndianHexOfTheFloatBits)
{
    ScratchDir dir;
    std::string net = identity_relu(dir), cache = dir.file("net.cache");
    // By hand: 0.5 = 2^-1: sign 0, biased exponent 126 = 0x7E, mantissa 0 -> 0 01111110 0...0 = 0x3F000000.
    // 0.25 = 2^-2: exponent 125 -> 0x3E800000. 3.0 = 1.5 * 2^1: exponent 128, mantissa .1 -> 0x40400000.
    std::ofstream(cache) << "TRT-8502-EntropyCalibration2\nx: 3f000000\nc: 40400000\ny: 3e800000\n";
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    o.calib_cache = cache.c_str();
    dla_loadable *l = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_OK) << err.msg;
    const dla_ltensor *x = find_tensor(l, "x"), *y = find_tensor(l, "y");
    ASSERT_TRUE(x && y);
    EXPECT_EQ(x->scale, 0.5f);
    EXPECT_EQ(y->scale, 0.25f);
    dla_loadable_destroy(l);
}

TEST(CalibrationTest, WrittenCacheHasTheHeaderAndOneHexLinePerActivation)
{
    ScratchDir dir;
    std::string net = identity_relu(dir), cache = dir.file("out.cache");
    dla_config cfg = orin_like();
    ir_graph *g = nullptr;
    dla_error err{};
    ASSERT_EQ(ir_import_onnx(net.c_str(), 0, &g, &err), DLA_OK);
    g->tensors[ir_tensor_find(g, "x")].calib_scale = 1.0f;  // 0x3F800000
    g->tensors[ir_tensor_find(g, "y")].calib_scale = -0.0f; // not set: not written
    g->tensors[ir_tensor_find(g, "c")].calib_scale = 2.0f;  // 0x40000000
    ASSERT_EQ(ir_calib_cache_write(g, cache.c_str(), "EntropyCalibration2", &err), DLA_OK) << err.msg;
    ir_graph_destroy(g);
    EXPECT_EQ(slurp(cache), "TRT-8502-EntropyCalibration2\nx: 3f800000\nc: 40000000\n");
    (void)cfg;
}

TEST(CalibrationTest, SecondCompileFromTheWrittenCacheGivesTheSameLoadable)
{
    ScratchDir dir;
    std::string net = identity_relu(dir), cache = dir.file("rt.cache");
    std::string a = dir.file("a.dlal"), b = dir.file("b.dlal");
    dla_config cfg = orin_like();
    dla_error err{};
    for (int pass = 0; pass < 2; pass++) {
        dla_compile_opts o = opts_for(&cfg);
        // Pass 0: the cache does not exist: calibrate (entropy) and write it. Pass 1: read it.
        o.calib_cache = cache.c_str();
        o.calib_algo = DLA_CALIB_ENTROPY;
        o.calibration_seed = pass == 0 ? 7 : 99; // a different seed cannot matter once the cache is read
        dla_loadable *l = nullptr;
        ASSERT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_OK) << err.msg;
        ASSERT_EQ(dla_loadable_write_file(l, (pass == 0 ? a : b).c_str(), &err), DLA_OK) << err.msg;
        dla_loadable_destroy(l);
        if (pass == 0) {
            EXPECT_EQ(slurp(cache).rfind("TRT-8502-EntropyCalibration2\n", 0), 0u) << slurp(cache);
        }
    }
    EXPECT_EQ(slurp(a), slurp(b));
}

TEST(CalibrationTest, MalformedOrForeignCachesAreRefusedWithoutOutput)
{
    ScratchDir dir;
    std::string net = identity_relu(dir), cache = dir.file("bad.cache");
    dla_config cfg = orin_like();
    struct {
        const char *text, *expect;
    } bad[] = {
        {"TRT-8502-EntropyCalibration2\nx: 3f000000\nc: 3f000000\ny: 3f000000\nfoo: 3f000000\n",
         "tensor of the calibration cache is not in net.onnx (first: 'foo' (line 5))"},
        {"not a cache\n", "is not a TensorRT calibration cache header"},
        {"TRT-8502-EntropyCalibration2\nx 3f000000\n", ":2: 'x 3f000000': expected 'tensor_name: <8 hex digits>'"},
        {"TRT-8502-EntropyCalibration2\nx: 3g000000\n", "expected 'tensor_name: <8 hex digits>'"},
        {"TRT-8502-EntropyCalibration2\nx: bf000000\n", "tensor 'x' has scale -0.5, expected a finite value > 0"},
        {"TRT-8502-EntropyCalibration2\nx: 3f000000\n", "has no scale for tensor 'y'"},
    };
    for (const auto &c : bad) {
        std::ofstream(cache) << c.text;
        dla_compile_opts o = opts_for(&cfg);
        o.calib_cache = cache.c_str();
        dla_loadable *l = nullptr;
        dla_error err{};
        EXPECT_NE(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_OK) << c.text;
        EXPECT_EQ(l, nullptr);
        EXPECT_NE(std::string(err.msg).find(c.expect), std::string::npos) << err.msg;
        EXPECT_NE(std::string(err.msg).find("bad.cache"), std::string::npos) << err.msg;
    }
}

TEST(CalibrationTest, PercentileThresholdIsTheUpperEdgeOfTheBinReachingIt)
{
    // 100 bins of width 0.5 holding one value each: 50% of the 100 values is reached in bin 49 (upper
    // edge 50 * 0.5 = 25), 99% in bin 98 (49.5), 100% in bin 99 (50).
    std::vector<uint64_t> h(100, 1);
    EXPECT_DOUBLE_EQ(ir_calib_percentile_threshold(h.data(), 100, 0.5, 50.0), 25.0);
    EXPECT_DOUBLE_EQ(ir_calib_percentile_threshold(h.data(), 100, 0.5, 99.0), 49.5);
    EXPECT_DOUBLE_EQ(ir_calib_percentile_threshold(h.data(), 100, 0.5, 100.0), 50.0);
    std::vector<uint64_t> empty(100, 0);
    EXPECT_EQ(ir_calib_percentile_threshold(empty.data(), 100, 0.5, 99.0), 0.0);
}

TEST(CalibrationTest, EntropyThresholdKeepsWhatQuantisesExactlyAndClipsNothingItNeeds)
{
    const int bins = 2048;
    const double w = 0.01;
    // Uniform over all 2048 bins: at i = 2048 nothing is clipped and 16 equal bins merge per level, so Q
    // equals P (KL 0); any i < 2048 piles the clipped tail onto bin i-1 of P, which Q (built from the
    // unclipped bins) does not have (KL > 0). Threshold: 2048 bins = 20.48.
    std::vector<uint64_t> uni(bins, 10);
    EXPECT_NEAR(ir_calib_entropy_threshold(uni.data(), bins, w), 2048 * w, 1e-9);
    // All values in the first 100 bins, equal counts: every i >= 128 clips nothing and every level merges
    // equal (or empty) bins, so KL is 0 for all i; the first minimum, i = 128, wins: 1.28.
    std::vector<uint64_t> low(bins, 0);
    for (int b = 0; b < 100; b++)
        low[b] = 5;
    EXPECT_NEAR(ir_calib_entropy_threshold(low.data(), bins, w), 128 * w, 1e-9);
}

TEST(CalibrationTest, CalibrationDirectoryImagesSetTheMinMaxScales)
{
    ScratchDir dir;
    std::string net = identity_relu(dir);
    std::string cdir = dir.path() + "/calib";
    ASSERT_EQ(mkdir(cdir.c_str(), 0700), 0);
    // Two files of one 1x4x4 image each (C x H x W and N x C x H x W); max |x| = 3.5 (a negative value,
    // so the input scale sees it but the ReLU output does not), max positive value 2.25.
    std::vector<float> img1(16, 0.5f), img2(16, -1.0f);
    img1[3] = 2.25f;
    img2[7] = -3.5f;
    const int64_t s1[3] = {1, 4, 4}, s2[4] = {1, 1, 4, 4};
    std::string f1 = cdir + "/a.npy", f2 = cdir + "/b.npy";
    dla_error err{};
    ASSERT_EQ(dla_npy_write_f32(f1.c_str(), s1, 3, img1.data(), &err), DLA_OK) << err.msg;
    ASSERT_EQ(dla_npy_write_f32(f2.c_str(), s2, 4, img2.data(), &err), DLA_OK) << err.msg;
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    o.calib_dir = cdir.c_str();
    dla_loadable *l = nullptr;
    ASSERT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_OK) << err.msg;
    EXPECT_EQ(find_tensor(l, "x")->scale, 3.5f / 127.0f);
    EXPECT_EQ(find_tensor(l, "y")->scale, 2.25f / 127.0f);
    dla_loadable_destroy(l);
    // A file that is not a whole number of images is refused naming it.
    std::string f3 = cdir + "/c.raw";
    std::ofstream(f3, std::ios::binary).write("\0\0\0\0\0\0\0\0", 8);
    EXPECT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("c.raw: 2 values is not a whole number of images"), std::string::npos)
        << err.msg;
    std::remove(f1.c_str());
    std::remove(f2.c_str());
    std::remove(f3.c_str());
    // An empty directory.
    EXPECT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("no .npy, .raw or .bin tensor files"), std::string::npos) << err.msg;
    rmdir(cdir.c_str());
}

// --calib DIR reads every tensor file into memory: more than 1 GiB of files is refused from their sizes
// (a sparse file: no disk, no reading), and a FIFO named like a tensor file would block its read.
TEST(CalibrationTest, CalibrationFilesBeyondOneGiBOrNotRegularAreRefusedBeforeReading)
{
    ScratchDir dir;
    std::string net = identity_relu(dir);
    std::string cdir = dir.path() + "/calib";
    ASSERT_EQ(mkdir(cdir.c_str(), 0700), 0);
    // a.raw holds one 1x4x4 image (64 bytes); b.raw has 1 GiB - 63 bytes: 1 GiB + 1 in all.
    std::vector<float> img(16, 1.0f);
    std::ofstream(cdir + "/a.raw", std::ios::binary).write(reinterpret_cast<const char *>(img.data()), 64);
    std::ofstream(cdir + "/b.raw").close();
    ASSERT_EQ(truncate((cdir + "/b.raw").c_str(), (off_t)(1 << 30) - 63), 0);
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    o.calib_dir = cdir.c_str();
    dla_loadable *l = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_ERR_LIMIT);
    EXPECT_NE(std::string(err.msg).find("b.raw: the tensor files up to this one hold 1073741825 bytes, more than the "
                                        "1073741824-byte limit"),
              std::string::npos)
        << err.msg;
    std::remove((cdir + "/b.raw").c_str());
    ASSERT_EQ(mkfifo((cdir + "/c.raw").c_str(), 0600), 0);
    EXPECT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_ERR_IO);
    EXPECT_NE(std::string(err.msg).find("c.raw: not a regular file"), std::string::npos) << err.msg;
    EXPECT_EQ(l, nullptr);
    std::remove((cdir + "/a.raw").c_str());
    std::remove((cdir + "/c.raw").c_str());
    rmdir(cdir.c_str());
}

TEST(CalibrationTest, PercentileCalibrationOverUserDataPicksTheBinEdge)
{
    ScratchDir dir;
    std::string net = identity_relu(dir);
    std::string cdir = dir.path() + "/pct";
    ASSERT_EQ(mkdir(cdir.c_str(), 0700), 0);
    // One image holding 1, 2, ..., 16: absmax 16, 2048 bins of 16/2048 = 1/128. Value k falls in bin
    // 128k (16 in the last, 2047). 50 % of the 16 values is reached with the 8th, in bin 1024, whose
    // upper edge is 1025/128 = 8.0078125: scale = 8.0078125 / 127 (y = relu(x) = x has the same).
    std::vector<float> img(16);
    for (int k = 0; k < 16; k++)
        img[(size_t)k] = (float)(k + 1);
    const int64_t shape[4] = {1, 1, 4, 4};
    std::string f = cdir + "/img.npy";
    dla_error err{};
    ASSERT_EQ(dla_npy_write_f32(f.c_str(), shape, 4, img.data(), &err), DLA_OK) << err.msg;
    dla_config cfg = orin_like();
    dla_compile_opts o = opts_for(&cfg);
    o.calib_dir = cdir.c_str();
    o.calib_algo = DLA_CALIB_PERCENTILE;
    o.calib_percentile = 50.0;
    dla_loadable *l = nullptr;
    ASSERT_EQ(dla_compile_onnx(net.c_str(), &o, &l, &err), DLA_OK) << err.msg;
    EXPECT_EQ(find_tensor(l, "x")->scale, (float)(8.0078125 / 127.0));
    EXPECT_EQ(find_tensor(l, "y")->scale, (float)(8.0078125 / 127.0));
    dla_loadable_destroy(l);
    std::remove(f.c_str());
    rmdir(cdir.c_str());
}
