// The trace's /units groups (counters per unit, busy/stall cycles, sampled activity timeline built
// from the op records) and the /energy table (round trip). Expected values are derived by hand in
// the comments from the hand-built inputs below.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "dla/trace.h"
#include "sample_result.h"

namespace fs = std::filesystem;

namespace {

fs::path test_dir()
{
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    fs::path d = fs::temp_directory_path() / (std::string("dlasim_units_") + info->name());
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

void put(char *dst, size_t cap, const char *s)
{
    std::strncpy(dst, s, cap - 1);
    dst[cap - 1] = '\0';
}

void set_stats(dla_run_result *r, const std::vector<std::tuple<const char *, const char *, uint64_t>> &rows)
{
    std::free(r->stats);
    r->num_stats = rows.size();
    r->stats = static_cast<dla_stat *>(std::calloc(rows.size(), sizeof(dla_stat)));
    for (size_t i = 0; i < rows.size(); i++) {
        put(r->stats[i].name, sizeof r->stats[i].name, std::get<0>(rows[i]));
        put(r->stats[i].unit, sizeof r->stats[i].unit, std::get<1>(rows[i]));
        r->stats[i].value = std::get<2>(rows[i]);
        put(r->stats[i].description, sizeof r->stats[i].description, "test counter");
    }
}

void add_op(dla_run_result *r, const char *kind, uint64_t core, uint64_t start, uint64_t end)
{
    r->ops = static_cast<dla_op_record *>(std::realloc(r->ops, (r->num_ops + 1) * sizeof(dla_op_record)));
    dla_op_record &o = r->ops[r->num_ops++];
    std::memset(&o, 0, sizeof o);
    put(o.kind, sizeof o.kind, kind);
    put(o.engine, sizeof o.engine, core ? "DLA1" : "DLA0");
    put(o.layer, sizeof o.layer, "layer");
    o.core = core;
    o.start_cycle = start;
    o.end_cycle = end;
}

uint64_t read_u64_attr(hid_t f, const char *obj, const char *name)
{
    uint64_t v = ~0ull;
    hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(a, 0) << obj << " " << name;
    if (a >= 0) {
        H5Aread(a, H5T_NATIVE_UINT64, &v);
        H5Aclose(a);
    }
    return v;
}

struct Sample {
    uint64_t start, end;
    double active;
};

std::vector<Sample> read_timeline(hid_t f, const char *path)
{
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
    EXPECT_GE(ds, 0) << path;
    if (ds < 0)
        return {};
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(Sample));
    H5Tinsert(t, "start_cycle", offsetof(Sample, start), H5T_NATIVE_UINT64);
    H5Tinsert(t, "end_cycle", offsetof(Sample, end), H5T_NATIVE_UINT64);
    H5Tinsert(t, "active_fraction", offsetof(Sample, active), H5T_NATIVE_DOUBLE);
    hid_t space = H5Dget_space(ds);
    std::vector<Sample> rows(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
    if (!rows.empty())
        H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data());
    H5Sclose(space);
    H5Tclose(t);
    H5Dclose(ds);
    return rows;
}

hsize_t rows_of(hid_t f, const char *path)
{
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
    EXPECT_GE(ds, 0) << path;
    if (ds < 0)
        return 0;
    hid_t space = H5Dget_space(ds);
    hsize_t n = static_cast<hsize_t>(H5Sget_simple_extent_npoints(space));
    H5Sclose(space);
    H5Dclose(ds);
    return n;
}

} // namespace

TEST(TraceUnitsTest, CountersGroupByCoreUnitWithBusyAndSummedStallCycles)
{
    dla_run_result *r = make_sample_result();
    set_stats(r, {{"dram.read_bytes", "bytes", 9},
                  {"dla0.csc.busy_cycles", "cycles", 100},
                  {"dla0.csc.stall_mem_cycles", "cycles", 30},
                  {"dla0.csc.stall_out_cycles", "cycles", 12},
                  {"dla0.csc.stripes", "ops", 5},
                  {"dla0.cdma.dat.stall_cycles", "cycles", 7},
                  {"dla0.cdma.wt.stall_cycles", "cycles", 8},
                  {"dla0.cdma.cbuf_full_cycles", "cycles", 99},
                  {"dla1.csc.busy_cycles", "cycles", 40}});
    fs::path p = test_dir() / "units.h5";
    dla_error err{};
    ASSERT_EQ(dla_trace_write(p.c_str(), r, &err), DLA_OK) << err.msg;
    dla_run_result_destroy(r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    // dla0.csc: busy = its busy_cycles counter (100); stall = 30 + 12 (the "stall" cycle counters).
    EXPECT_EQ(read_u64_attr(f, "/units/dla0.csc", "busy_cycles"), 100u);
    EXPECT_EQ(read_u64_attr(f, "/units/dla0.csc", "stall_cycles"), 42u);
    EXPECT_EQ(rows_of(f, "/units/dla0.csc/counters"), 4u);
    // dla0.cdma: no busy counter (0); stall 7 + 8 (cbuf_full_cycles is not named stall); 3 counters.
    EXPECT_EQ(read_u64_attr(f, "/units/dla0.cdma", "busy_cycles"), 0u);
    EXPECT_EQ(read_u64_attr(f, "/units/dla0.cdma", "stall_cycles"), 15u);
    EXPECT_EQ(rows_of(f, "/units/dla0.cdma/counters"), 3u);
    // Core 1's CSC is its own unit; "dram" (not a core unit) groups by its first component.
    EXPECT_EQ(read_u64_attr(f, "/units/dla1.csc", "busy_cycles"), 40u);
    EXPECT_EQ(rows_of(f, "/units/dram/counters"), 1u);
    H5Fclose(f);
}

TEST(TraceUnitsTest, TimelineSamplesTheUnionOfEachUnitsOps)
{
    dla_run_result *r = make_sample_result();
    set_stats(r, {{"dla0.cacc.busy_cycles", "cycles", 1}, {"dla0.sdp.busy_cycles", "cycles", 1}});
    r->summary.total_cycles = 512; // 256 samples of 2 cycles each
    add_op(r, "conv", 0, 0, 100);
    add_op(r, "conv", 0, 50, 150); // overlaps the first: the union is [0, 150)
    add_op(r, "conv", 1, 0, 512);  // another core: not dla0's
    add_op(r, "sdp", 0, 101, 104); // sample 50 = [100, 102) half active, sample 51 = [102, 104) fully
    fs::path p = test_dir() / "timeline.h5";
    dla_error err{};
    ASSERT_EQ(dla_trace_write(p.c_str(), r, &err), DLA_OK) << err.msg;
    dla_run_result_destroy(r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    std::vector<Sample> cacc = read_timeline(f, "/units/dla0.cacc/timeline");
    ASSERT_EQ(cacc.size(), 256u);
    EXPECT_EQ(cacc[0].start, 0u);
    EXPECT_EQ(cacc[0].end, 2u);
    EXPECT_EQ(cacc[255].end, 512u);
    EXPECT_DOUBLE_EQ(cacc[74].active, 1.0); // [148, 150)
    EXPECT_DOUBLE_EQ(cacc[75].active, 0.0); // [150, 152)
    std::vector<Sample> sdp = read_timeline(f, "/units/dla0.sdp/timeline");
    ASSERT_EQ(sdp.size(), 256u);
    EXPECT_DOUBLE_EQ(sdp[49].active, 0.0);
    EXPECT_DOUBLE_EQ(sdp[50].active, 0.5);
    EXPECT_DOUBLE_EQ(sdp[51].active, 1.0);
    EXPECT_DOUBLE_EQ(sdp[52].active, 0.0);
    H5Fclose(f);
}

TEST(TraceUnitsTest, EnergyBreakdownRoundTripsAndOldFilesReadWithoutIt)
{
    dla_run_result *r = make_sample_result();
    r->num_energy = 2;
    put(r->energy[0].action, sizeof r->energy[0].action, "mac_int8_pj");
    put(r->energy[0].counters, sizeof r->energy[0].counters, ".mac_ops");
    r->energy[0].count = 1000;
    r->energy[0].pj_per_action = 0.2;
    r->energy[0].energy_mj = 2e-7; // 1000 x 0.2 pJ
    put(r->energy[1].action, sizeof r->energy[1].action, "static_power_w");
    r->energy[1].energy_mj = 0.25;
    fs::path p = test_dir() / "energy.h5";
    dla_error err{};
    ASSERT_EQ(dla_trace_write(p.c_str(), r, &err), DLA_OK) << err.msg;
    dla_run_result *back = nullptr;
    ASSERT_EQ(dla_trace_read(p.c_str(), &back, &err), DLA_OK) << err.msg;
    ASSERT_EQ(back->num_energy, 2u);
    EXPECT_STREQ(back->energy[0].action, "mac_int8_pj");
    EXPECT_STREQ(back->energy[0].counters, ".mac_ops");
    EXPECT_EQ(back->energy[0].count, 1000u);
    EXPECT_DOUBLE_EQ(back->energy[0].pj_per_action, 0.2);
    EXPECT_DOUBLE_EQ(back->energy[1].energy_mj, 0.25);
    EXPECT_STREQ(back->energy[1].counters, "");
    dla_run_result_destroy(back);
    // A file from before /energy existed (the dataset deleted) reads with no energy rows.
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "/energy", H5P_DEFAULT), 0);
    H5Fclose(f);
    back = nullptr;
    ASSERT_EQ(dla_trace_read(p.c_str(), &back, &err), DLA_OK) << err.msg;
    EXPECT_EQ(back->num_energy, 0u);
    dla_run_result_destroy(back);
    dla_run_result_destroy(r);
}
