// Sampled activity (/samples, dla_samples) in the HDF5 trace and the timeline: exact round trip, old
// traces without it, a malformed /samples named in the error, and the timeline's counter events for a
// hand-built series (busy % with the excess moved back, GB/s from bytes and the window's time).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "dla/trace.h"
#include "sample_result.h"
#include "trace_test_util.h"

namespace fs = std::filesystem;

namespace {

fs::path test_dir()
{
    return fresh_test_dir("trace_samples_tmp");
}

// Windows of 100 cycles in a 250-cycle run: [0,100) [100,200) [200,250). Series (malloc'ed: the
// result owns them): dla0 CMAC busy 40, 150, 10; dla0 DRAM read 1000, 0, 500 B; dla1 CMAC busy 0, 0, 0.
void add_samples(dla_run_result *r)
{
    dla_samples &s = r->samples;
    s.window_cycles = 100;
    s.num_series = 3;
    s.num_windows = 3;
    s.series = static_cast<dla_sample_series *>(std::calloc(3, sizeof *s.series));
    s.end_cycle = static_cast<uint64_t *>(std::calloc(3, sizeof *s.end_cycle));
    s.values = static_cast<uint64_t *>(std::calloc(9, sizeof *s.values));
    std::strcpy(s.series[0].name, "dla0.cmac.busy_cycles");
    std::strcpy(s.series[0].unit, "cycles");
    std::strcpy(s.series[1].name, "dla0.dram_read_bytes");
    std::strcpy(s.series[1].unit, "bytes");
    std::strcpy(s.series[2].name, "dla1.cmac.busy_cycles");
    std::strcpy(s.series[2].unit, "cycles");
    const uint64_t ends[3] = {100, 200, 250};
    const uint64_t values[9] = {40, 1000, 0, 150, 0, 0, 10, 500, 0};
    std::memcpy(s.end_cycle, ends, sizeof ends);
    std::memcpy(s.values, values, sizeof values);
    r->summary.total_cycles = 250;
    r->summary.clock_mhz = 1000.0; // 1 cycle = 1 ns
}

void write_ok(const fs::path &p, const dla_run_result *r)
{
    dla_error err{};
    ASSERT_EQ(dla_trace_write(p.c_str(), r, &err), DLA_OK) << err.msg;
}

} // namespace

TEST(TraceSamplesTest, SamplesRoundTripExactly)
{
    fs::path p = test_dir() / "s.h5";
    ResultPtr in(make_sample_result());
    add_samples(in.r);
    write_ok(p, in.r);
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;
    const dla_samples &a = in.r->samples, &b = out.r->samples;
    EXPECT_EQ(b.window_cycles, 100u);
    ASSERT_EQ(b.num_series, 3u);
    ASSERT_EQ(b.num_windows, 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_STREQ(b.series[i].name, a.series[i].name);
        EXPECT_STREQ(b.series[i].unit, a.series[i].unit);
        EXPECT_EQ(b.end_cycle[i], a.end_cycle[i]);
    }
    EXPECT_EQ(std::vector<uint64_t>(b.values, b.values + 9), std::vector<uint64_t>(a.values, a.values + 9));
}

TEST(TraceSamplesTest, UnsampledResultWritesNoSamplesAndReadsBackUnsampled)
{
    // Traces from before /samples (and runs with --sample-cycles 0) have no /samples group.
    fs::path p = test_dir() / "old.h5";
    ResultPtr in(make_sample_result());
    write_ok(p, in.r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    EXPECT_EQ(H5Lexists(f, "samples", H5P_DEFAULT), 0);
    H5Fclose(f);
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;
    EXPECT_EQ(out.r->samples.window_cycles, 0u);
    EXPECT_EQ(out.r->samples.num_windows, 0u);
    EXPECT_EQ(out.r->samples.values, nullptr);
}

TEST(TraceSamplesTest, ValuesOfTheWrongShapeAreRejectedNamingTheDataset)
{
    fs::path p = test_dir() / "bad.h5";
    ResultPtr in(make_sample_result());
    add_samples(in.r);
    write_ok(p, in.r);
    // Replace /samples/values (3 x 3) by a 2 x 3 array.
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "/samples/values", H5P_DEFAULT), 0);
    hsize_t dims[2] = {2, 3};
    hid_t space = H5Screate_simple(2, dims, nullptr);
    hid_t d = H5Dcreate2(f, "/samples/values", H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    uint64_t zeros[6] = {};
    H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros);
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(f);
    ResultPtr out;
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_ERR_FORMAT);
    EXPECT_EQ(out.r, nullptr);
    EXPECT_NE(std::strstr(err.msg, "bad.h5"), nullptr) << err.msg;
    EXPECT_NE(std::strstr(err.msg, "/samples/values"), nullptr) << err.msg;
    EXPECT_NE(std::strstr(err.msg, "(3, 3)"), nullptr) << err.msg;
}

TEST(TraceSamplesTest, TimelineDrawsHandDerivedCounterTracks)
{
    fs::path p = test_dir() / "t.json";
    ResultPtr r(static_cast<dla_run_result *>(std::calloc(1, sizeof(dla_run_result))));
    add_samples(r.r);
    dla_error err{};
    ASSERT_EQ(dla_trace_write_timeline(r.r, p.c_str(), &err), DLA_OK) << err.msg;
    std::string j = slurp(p);
    // CMAC busy 40, 150, 10 in windows of 100, 100, 50 cycles. From the last window back: w2 10 of 50
    // = 20 %; w1 150 > 100: 100 %, 50 carried back; w0 40 + 50 = 90 of 100 = 90 %. Then 0 at the end
    // (cycle 250 = 0.25 us at 1000 MHz).
    EXPECT_NE(j.find(R"({"ph": "C", "name": "CMAC", "pid": 0, "ts": 0.000000, "args": {"busy %": 90}})"),
              std::string::npos)
        << j;
    EXPECT_NE(j.find(R"({"ph": "C", "name": "CMAC", "pid": 0, "ts": 0.100000, "args": {"busy %": 100}})"),
              std::string::npos);
    EXPECT_NE(j.find(R"({"ph": "C", "name": "CMAC", "pid": 0, "ts": 0.200000, "args": {"busy %": 20}})"),
              std::string::npos);
    EXPECT_NE(j.find(R"({"ph": "C", "name": "CMAC", "pid": 0, "ts": 0.250000, "args": {"busy %": 0}})"),
              std::string::npos);
    // DRAM read: 1000 B in 100 ns = 10 GB/s; 0; 500 B in 50 ns = 10 GB/s.
    for (const char *pid : {"0"}) {
        const std::string head = std::string(R"({"ph": "C", "name": "DRAM read", "pid": )") + pid + R"(, "ts": )";
        EXPECT_NE(j.find(head + R"(0.000000, "args": {"GB/s": 10}})"), std::string::npos) << pid;
        EXPECT_NE(j.find(head + R"(0.100000, "args": {"GB/s": 0}})"), std::string::npos) << pid;
        EXPECT_NE(j.find(head + R"(0.200000, "args": {"GB/s": 10}})"), std::string::npos) << pid;
    }
    // Core 1 did nothing: no DLA1 process, no tracks, and no all-core DRAM process (it would repeat core 0's).
    EXPECT_EQ(j.find("DRAM (all DLA cores)"), std::string::npos);
    EXPECT_EQ(j.find("DLA1"), std::string::npos);
    EXPECT_EQ(j.find(R"("pid": 1,)"), std::string::npos);
    EXPECT_NE(j.find(R"("sample_window_cycles": 100, "sample_windows": 3)"), std::string::npos);
}

TEST(TraceSamplesTest, TimelineRejectsWindowsBeyondTheRunWithoutWritingAFile)
{
    fs::path p = test_dir() / "t.json";
    ResultPtr r(static_cast<dla_run_result *>(std::calloc(1, sizeof(dla_run_result))));
    add_samples(r.r);
    r.r->samples.end_cycle[2] = 300; // the run has 250 cycles
    dla_error err{};
    EXPECT_EQ(dla_trace_write_timeline(r.r, p.c_str(), &err), DLA_ERR_INVALID);
    EXPECT_NE(std::strstr(err.msg, "window 2 ends at cycle 300"), nullptr) << err.msg;
    EXPECT_FALSE(fs::exists(p));
}
