// HDF5 traces: write/read round trip (the optional /ops table included), determinism (byte-identical
// tables), atomic write (no temp file left on failure, old file kept) and clear errors on bad input files.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "dla/trace.h"
#include "sample_result.h"
#include "trace_test_util.h"

namespace fs = std::filesystem;

namespace {

fs::path test_dir()
{
    return fresh_test_dir("traces_tmp");
}

std::vector<std::string> temp_files(const fs::path &dir)
{
    std::vector<std::string> out;
    for (const auto &e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(".tmp.") != std::string::npos)
            out.push_back(e.path().filename().string());
    return out;
}

// The stored bytes of a dataset, read in its own file type (no conversion).
std::string raw_dataset(const fs::path &file, const char *name)
{
    hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    std::string bytes(H5Tget_size(t) * static_cast<size_t>(H5Sget_simple_extent_npoints(s)), '\0');
    EXPECT_GE(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0);
    H5Sclose(s);
    H5Tclose(t);
    H5Dclose(d);
    H5Fclose(f);
    return bytes;
}

// Every attribute of a group as "name=<stored bytes>" in creation order.
std::string raw_attributes(const fs::path &file, const char *group)
{
    hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    H5O_info_t info;
    H5Oget_info(g, &info);
    std::string out;
    for (hsize_t i = 0; i < info.num_attrs; i++) {
        hid_t a = H5Aopen_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_NATIVE, i, H5P_DEFAULT, H5P_DEFAULT);
        char name[128] = "";
        H5Aget_name(a, sizeof name, name);
        hid_t t = H5Aget_type(a);
        std::string bytes(H5Tget_size(t), '\0');
        H5Aread(a, t, bytes.data());
        out += std::string(name) + "=" + bytes + ";";
        H5Tclose(t);
        H5Aclose(a);
    }
    H5Gclose(g);
    H5Fclose(f);
    return out;
}

// Three op records on two cores with distinct values in every column (a swapped column shows up).
void add_ops(dla_run_result *r)
{
    r->num_ops = 3;
    r->ops = static_cast<dla_op_record *>(std::calloc(3, sizeof(dla_op_record)));
    const char *layer[3] = {"conv1", "conv1", "layer1.0/conv2+add"}, *kind[3] = {"conv", "sdp", "pdp"};
    for (uint64_t i = 0; i < 3; i++) {
        dla_op_record &o = r->ops[i];
        o.op_index = 10 + i;
        o.layer_index = 20 + i;
        std::strcpy(o.layer, layer[i]);
        std::strcpy(o.kind, kind[i]);
        o.core = i == 2 ? 1 : 0;
        std::snprintf(o.engine, sizeof o.engine, "DLA%u", unsigned(o.core));
        o.batch_index = 30 + i;
        o.start_cycle = 1000 * i + 1;
        o.end_cycle = 1000 * i + 502;
        o.dram_read_bytes = 40 + i;
        o.dram_write_bytes = 50 + i;
        o.macs = 60 + i;
    }
}

void write_ok(const fs::path &p, const dla_run_result *r)
{
    dla_error err{};
    ASSERT_EQ(dla_trace_write(p.c_str(), r, &err), DLA_OK) << err.msg;
}

} // namespace

TEST(TraceTest, RoundTripPreservesEveryField)
{
    fs::path p = test_dir() / "run.h5";
    ResultPtr in(make_sample_result());
    write_ok(p, in.r);
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;

    const dla_run_meta &a = in.r->meta, &b = out.r->meta;
    EXPECT_STREQ(b.tool_version, a.tool_version);
    EXPECT_STREQ(b.config_name, a.config_name);
    EXPECT_STREQ(b.config_json, a.config_json);
    EXPECT_STREQ(b.power_mode, a.power_mode);
    EXPECT_STREQ(b.network, a.network);
    EXPECT_STREQ(b.precision, a.precision);
    EXPECT_EQ(b.batch, a.batch);
    EXPECT_EQ(b.cores, a.cores);
    EXPECT_EQ(b.functional, a.functional);

    ASSERT_EQ(out.r->num_layers, 3u);
    for (size_t i = 0; i < 3; i++) {
        const dla_layer_record &x = in.r->layers[i], &y = out.r->layers[i];
        SCOPED_TRACE(x.name);
        EXPECT_STREQ(y.name, x.name);
        EXPECT_STREQ(y.op, x.op);
        EXPECT_STREQ(y.engine, x.engine);
        EXPECT_EQ(y.start_cycle, x.start_cycle);
        EXPECT_EQ(y.end_cycle, x.end_cycle);
        EXPECT_EQ(y.cycles, x.cycles);
        EXPECT_EQ(y.macs, x.macs);
        EXPECT_EQ(y.dram_read_bytes, x.dram_read_bytes);
        EXPECT_EQ(y.dram_write_bytes, x.dram_write_bytes);
        EXPECT_EQ(y.mac_utilization, x.mac_utilization); // f64 stored as f64: exact
        EXPECT_STREQ(y.bound, x.bound);
    }

    const dla_run_summary &s = in.r->summary, &t = out.r->summary;
    EXPECT_EQ(t.clock_mhz, s.clock_mhz);
    EXPECT_EQ(t.total_cycles, s.total_cycles);
    EXPECT_EQ(t.latency_ms, s.latency_ms);
    EXPECT_EQ(t.images_per_s, s.images_per_s);
    EXPECT_EQ(t.tops, s.tops);
    EXPECT_EQ(t.mac_utilization, s.mac_utilization);
    EXPECT_EQ(t.macs, s.macs);
    EXPECT_EQ(t.dram_read_bytes, s.dram_read_bytes);
    EXPECT_EQ(t.dram_write_bytes, s.dram_write_bytes);
    EXPECT_EQ(t.energy_mj, s.energy_mj);
    EXPECT_EQ(t.dynamic_energy_mj, s.dynamic_energy_mj);
    EXPECT_EQ(t.static_energy_mj, s.static_energy_mj);
    EXPECT_EQ(t.avg_power_w, s.avg_power_w);
    EXPECT_EQ(t.images_per_joule, s.images_per_joule);

    ASSERT_EQ(out.r->num_stats, 3u);
    for (size_t i = 0; i < 3; i++) {
        EXPECT_STREQ(out.r->stats[i].name, in.r->stats[i].name);
        EXPECT_STREQ(out.r->stats[i].unit, in.r->stats[i].unit);
        EXPECT_EQ(out.r->stats[i].value, in.r->stats[i].value);
        EXPECT_STREQ(out.r->stats[i].description, in.r->stats[i].description);
    }
}

TEST(TraceTest, EmptyResultRoundTripsWithNoRowsAndEmptyConfigJson)
{
    fs::path p = test_dir() / "empty.h5";
    ResultPtr in(static_cast<dla_run_result *>(std::calloc(1, sizeof(dla_run_result))));
    write_ok(p, in.r);
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;
    EXPECT_EQ(out.r->num_layers, 0u);
    EXPECT_EQ(out.r->num_stats, 0u);
    ASSERT_NE(out.r->meta.config_json, nullptr);
    EXPECT_STREQ(out.r->meta.config_json, "");
}

TEST(TraceTest, LargeConfigJsonSurvivesBeyondAttributeHeaderLimit)
{
    // Object headers hold at most 64 KiB of attribute data; a variable-length string lives in the
    // global heap, so a 200 KB resolved config must still round-trip.
    fs::path p = test_dir() / "big.h5";
    ResultPtr in(make_sample_result());
    std::string big = "{\"pad\": \"" + std::string(200000, 'x') + "\"}";
    std::free(in.r->meta.config_json);
    in.r->meta.config_json = strdup(big.c_str());
    write_ok(p, in.r);
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;
    EXPECT_EQ(std::string(out.r->meta.config_json), big);
}

TEST(TraceTest, SameResultGivesByteIdenticalTablesEvenWithJunkAfterTerminators)
{
    fs::path dir = test_dir();
    ResultPtr a(make_sample_result()), b(make_sample_result());
    // Bytes after a string's NUL are not part of the value and must not reach the file.
    std::memset(b.r->layers[0].name + 6, 'Z', sizeof b.r->layers[0].name - 7);
    std::memset(b.r->stats[1].description + std::strlen(b.r->stats[1].description) + 1, 'Q', 5);
    write_ok(dir / "a.h5", a.r);
    write_ok(dir / "b.h5", b.r);
    for (const char *ds : {"/layers", "/stats"}) {
        std::string x = raw_dataset(dir / "a.h5", ds), y = raw_dataset(dir / "b.h5", ds);
        EXPECT_FALSE(x.empty()) << ds;
        EXPECT_TRUE(x == y) << ds << " differs between two writes of the same result";
    }
    for (const char *g : {"/summary"}) {
        std::string x = raw_attributes(dir / "a.h5", g), y = raw_attributes(dir / "b.h5", g);
        EXPECT_NE(x.find("latency_ms="), std::string::npos);
        EXPECT_TRUE(x == y) << g;
    }
}

TEST(TraceTest, WholeFileIsByteIdenticalWhenProvenanceTimeIsPinned)
{
    // Only /meta/provenance carries wall-clock facts; with SOURCE_DATE_EPOCH fixed (same host) the
    // files must match byte for byte: no object timestamps anywhere.
    fs::path dir = test_dir();
    ASSERT_EQ(setenv("SOURCE_DATE_EPOCH", "1700000000", 1), 0);
    ResultPtr r(make_sample_result());
    write_ok(dir / "a.h5", r.r);
    write_ok(dir / "b.h5", r.r);
    std::string x = slurp(dir / "a.h5"), y = slurp(dir / "b.h5");
    ASSERT_FALSE(x.empty());
    EXPECT_TRUE(x == y);
    // And the pinned time is what provenance says: 1700000000 s = 2023-11-14T22:13:20Z.
    EXPECT_NE(x.find("2023-11-14T22:13:20Z"), std::string::npos);
    unsetenv("SOURCE_DATE_EPOCH");
}

TEST(TraceTest, WriteIntoMissingDirectoryFailsWithoutLeavingTempFile)
{
    fs::path dir = test_dir();
    fs::path p = dir / "no_such_dir" / "run.h5";
    ResultPtr r(make_sample_result());
    dla_error err{};
    EXPECT_EQ(dla_trace_write(p.c_str(), r.r, &err), DLA_ERR_IO);
    EXPECT_NE(std::string(err.msg).find("no_such_dir"), std::string::npos) << err.msg;
    EXPECT_FALSE(fs::exists(dir / "no_such_dir"));
    EXPECT_TRUE(temp_files(dir).empty());
}

TEST(TraceTest, FailedRenameRemovesTempFileAndKeepsTarget)
{
    // A non-empty directory takes the target's name after the writer checked the path (an existing
    // directory is refused up front, OutputFileTest) and created its temp file; the test commit delay
    // holds the rename back until it is there. The temp file gets written, then rename() must fail.
    fs::path dir = test_dir();
    fs::path target = dir / "run.h5";
    ResultPtr r(make_sample_result());
    ASSERT_EQ(setenv("DLASIM_TEST_COMMIT_DELAY_MS", "1000", 1), 0);
    std::thread blocker([&] {
        for (int ms = 0; ms < 20000 && temp_files(dir).empty(); ms++) /* bounded: never hangs */
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        fs::create_directories(target / "keep");
    });
    dla_error err{};
    dla_status st = dla_trace_write(target.c_str(), r.r, &err);
    blocker.join();
    unsetenv("DLASIM_TEST_COMMIT_DELAY_MS");
    EXPECT_EQ(st, DLA_ERR_IO);
    EXPECT_NE(std::string(err.msg).find("rename"), std::string::npos) << err.msg;
    EXPECT_TRUE(temp_files(dir).empty());
    EXPECT_TRUE(fs::is_directory(target / "keep"));
}

TEST(TraceTest, InvalidResultIsRejectedAndOldFileKept)
{
    fs::path p = test_dir() / "run.h5";
    ResultPtr good(make_sample_result());
    write_ok(p, good.r);
    std::string before = slurp(p);

    ResultPtr bad(make_sample_result());
    std::memset(bad.r->layers[2].bound, 'x', sizeof bad.r->layers[2].bound); // no terminator
    dla_error err{};
    EXPECT_EQ(dla_trace_write(p.c_str(), bad.r, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("layer 2"), std::string::npos) << err.msg;
    EXPECT_TRUE(slurp(p) == before);
    EXPECT_TRUE(temp_files(p.parent_path()).empty());
}

TEST(TraceTest, ReadMissingFileNamesThePath)
{
    fs::path p = test_dir() / "absent.h5";
    dla_run_result *out = reinterpret_cast<dla_run_result *>(0x1);
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out, &err), DLA_ERR_IO);
    EXPECT_EQ(out, nullptr);
    EXPECT_NE(std::string(err.msg).find(p.string()), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("No such file"), std::string::npos) << err.msg;
}

TEST(TraceTest, ReadGarbageFileSaysNotHdf5)
{
    fs::path p = test_dir() / "garbage.h5";
    std::ofstream(p, std::ios::binary) << std::string(4096, '\x5a') << "not hdf5 at all";
    dla_run_result *out = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out, &err), DLA_ERR_FORMAT);
    EXPECT_EQ(out, nullptr);
    EXPECT_NE(std::string(err.msg).find("not an HDF5 file"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("garbage.h5"), std::string::npos) << err.msg;
}

TEST(TraceTest, ReadRefusesNewerSchemaVersion)
{
    fs::path p = test_dir() / "future.h5";
    ResultPtr r(make_sample_result());
    write_ok(p, r.r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "/meta", H5P_DEFAULT);
    hid_t a = H5Aopen(g, "schema_version", H5P_DEFAULT);
    int v = DLA_TRACE_SCHEMA_VERSION + 1;
    ASSERT_GE(H5Awrite(a, H5T_NATIVE_INT, &v), 0);
    H5Aclose(a);
    H5Gclose(g);
    H5Fclose(f);
    dla_run_result *out = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_EQ(out, nullptr);
    std::string want = "schema_version " + std::to_string(v) + " is newer";
    EXPECT_NE(std::string(err.msg).find(want), std::string::npos) << err.msg;
}

TEST(TraceTest, ReadNamesMissingDataset)
{
    fs::path p = test_dir() / "nostats.h5";
    ResultPtr r(make_sample_result());
    write_ok(p, r.r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "/stats", H5P_DEFAULT), 0);
    H5Fclose(f);
    dla_run_result *out = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("missing dataset /stats"), std::string::npos) << err.msg;
}

TEST(TraceTest, ReadNamesMissingSummaryAttribute)
{
    fs::path p = test_dir() / "notops.h5";
    ResultPtr r(make_sample_result());
    write_ok(p, r.r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Adelete_by_name(f, "/summary", "tops", H5P_DEFAULT), 0);
    H5Fclose(f);
    dla_run_result *out = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("/summary: missing attribute 'tops'"), std::string::npos) << err.msg;
}

TEST(TraceTest, ReadNamesMissingColumn)
{
    // A /layers table written by someone else without the 'macs' column.
    fs::path p = test_dir() / "nomacs.h5";
    ResultPtr r(make_sample_result());
    write_ok(p, r.r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "/layers", H5P_DEFAULT), 0);
    hid_t t = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(t, "cycles", 0, H5T_STD_U64LE);
    hsize_t n = 1;
    hid_t s = H5Screate_simple(1, &n, nullptr);
    hid_t d = H5Dcreate2(f, "/layers", t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(d, 0);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    H5Fclose(f);
    dla_run_result *out = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out, &err), DLA_ERR_FORMAT);
    EXPECT_NE(std::string(err.msg).find("/layers: missing column 'name'"), std::string::npos) << err.msg;
}

TEST(TraceTest, OpsTableRoundTripsEveryColumn)
{
    fs::path p = test_dir() / "ops.h5";
    ResultPtr in(make_sample_result());
    add_ops(in.r);
    write_ok(p, in.r);
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;
    ASSERT_EQ(out.r->num_ops, 3u);
    for (size_t i = 0; i < 3; i++) {
        const dla_op_record &x = in.r->ops[i], &y = out.r->ops[i];
        SCOPED_TRACE(i);
        EXPECT_EQ(y.op_index, x.op_index);
        EXPECT_EQ(y.layer_index, x.layer_index);
        EXPECT_STREQ(y.layer, x.layer);
        EXPECT_STREQ(y.kind, x.kind);
        EXPECT_STREQ(y.engine, x.engine);
        EXPECT_EQ(y.core, x.core);
        EXPECT_EQ(y.batch_index, x.batch_index);
        EXPECT_EQ(y.start_cycle, x.start_cycle);
        EXPECT_EQ(y.end_cycle, x.end_cycle);
        EXPECT_EQ(y.dram_read_bytes, x.dram_read_bytes);
        EXPECT_EQ(y.dram_write_bytes, x.dram_write_bytes);
        EXPECT_EQ(y.macs, x.macs);
    }
    EXPECT_EQ(out.r->num_layers, 3u);
}

TEST(TraceTest, TraceWithoutOpsDatasetReadsAsZeroOps)
{
    // Files written before /ops existed have no such dataset: deleting it gives that old layout.
    fs::path p = test_dir() / "old_layout.h5";
    ResultPtr in(make_sample_result());
    add_ops(in.r);
    write_ok(p, in.r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "/ops", H5P_DEFAULT), 0);
    H5Fclose(f);
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;
    EXPECT_EQ(out.r->num_ops, 0u);
    EXPECT_EQ(out.r->ops, nullptr);
    EXPECT_EQ(out.r->num_layers, 3u);
    EXPECT_EQ(out.r->num_stats, 3u);
}

TEST(TraceTest, ResultWithoutOpsWritesAnEmptyOpsTable)
{
    fs::path p = test_dir() / "no_ops.h5";
    ResultPtr in(make_sample_result());
    write_ok(p, in.r);
    EXPECT_EQ(raw_dataset(p, "/ops"), "");
    ResultPtr out;
    dla_error err{};
    ASSERT_EQ(dla_trace_read(p.c_str(), &out.r, &err), DLA_OK) << err.msg;
    EXPECT_EQ(out.r->num_ops, 0u);
}

TEST(TraceTest, ReadNamesMissingOpsColumn)
{
    // An /ops table that is present must be complete: only a missing table means "no op records".
    fs::path p = test_dir() / "ops_nokind.h5";
    ResultPtr r(make_sample_result());
    write_ok(p, r.r);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "/ops", H5P_DEFAULT), 0);
    hid_t t = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(t, "op_index", 0, H5T_STD_U64LE);
    hsize_t n = 1;
    hid_t s = H5Screate_simple(1, &n, nullptr);
    hid_t d = H5Dcreate2(f, "/ops", t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(d, 0);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    H5Fclose(f);
    dla_run_result *out = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_trace_read(p.c_str(), &out, &err), DLA_ERR_FORMAT);
    EXPECT_EQ(out, nullptr);
    EXPECT_NE(std::string(err.msg).find("/ops: missing column 'layer_index'"), std::string::npos) << err.msg;
}

TEST(TraceTest, OpsCountWithoutArrayIsRejected)
{
    fs::path p = test_dir() / "bad_ops.h5";
    ResultPtr r(make_sample_result());
    r.r->num_ops = 2;
    dla_error err{};
    EXPECT_EQ(dla_trace_write(p.c_str(), r.r, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("2 ops"), std::string::npos) << err.msg;
    EXPECT_FALSE(fs::exists(p));
}
