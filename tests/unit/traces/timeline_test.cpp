// Chrome trace-event timeline (dla_trace_write_timeline): the exact JSON of a hand-built result
// with times derived by hand from cycles and the clock, determinism, and errors without output.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "dla/trace.h"
#include "trace_test_util.h"

namespace fs = std::filesystem;

namespace {

fs::path test_dir()
{
    return fresh_test_dir("timeline_tmp");
}

bool has_temp_file(const fs::path &dir)
{
    for (const auto &e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(".tmp.") != std::string::npos)
            return true;
    return false;
}

// The result lives on the stack; its arrays are owned here, not by dla_run_result_destroy.
struct Sample {
    dla_layer_record layers[2] = {};
    dla_op_record ops[3] = {};
    dla_run_result r = {};
    Sample()
    {
        std::strcpy(r.meta.tool_version, "0.1.0");
        std::strcpy(r.meta.config_name, "orin-agx-64gb");
        std::strcpy(r.meta.power_mode, "MAXN");
        std::strcpy(r.meta.network, "tiny");
        std::strcpy(r.meta.precision, "int8");
        r.meta.batch = 2;
        r.meta.cores = 2;
        r.summary.clock_mhz = 1000.0; // 1 cycle = 1 ns = 0.001 us
        r.summary.total_cycles = 4250;
        layer(layers[0], "conv1", "conv", "DLA0", 1000, 3500, 64000, 2048, 512, 0.5, "compute");
        // A quote in the name checks JSON escaping.
        layer(layers[1], "pool \"1\"", "pool", "DLA1", 3500, 4250, 0, 512, 128, 0.0, "memory");
        op(ops[0], 0, 0, "conv1", "conv", 0, 0, 1000, 3000, 2000, 0, 64000);
        op(ops[1], 1, 0, "conv1", "sdp", 0, 0, 900, 3500, 48, 512, 0);
        op(ops[2], 2, 1, "pool \"1\"", "pdp", 1, 1, 3500, 4250, 512, 128, 0);
        r.layers = layers;
        r.num_layers = 2;
        r.ops = ops;
        r.num_ops = 3;
    }
    static void layer(dla_layer_record &l, const char *name, const char *kind, const char *engine, uint64_t start,
                      uint64_t end, uint64_t macs, uint64_t rd, uint64_t wr, double util, const char *bound)
    {
        std::strcpy(l.name, name);
        std::strcpy(l.op, kind);
        std::strcpy(l.engine, engine);
        l.start_cycle = start;
        l.end_cycle = end;
        l.cycles = end - start;
        l.macs = macs;
        l.dram_read_bytes = rd;
        l.dram_write_bytes = wr;
        l.mac_utilization = util;
        std::strcpy(l.bound, bound);
    }
    static void op(dla_op_record &o, uint64_t index, uint64_t layer_index, const char *layer, const char *kind,
                   uint64_t core, uint64_t batch, uint64_t start, uint64_t end, uint64_t rd, uint64_t wr, uint64_t macs)
    {
        o.op_index = index;
        o.layer_index = layer_index;
        std::strcpy(o.layer, layer);
        std::strcpy(o.kind, kind);
        std::snprintf(o.engine, sizeof o.engine, "DLA%u", unsigned(core));
        o.core = core;
        o.batch_index = batch;
        o.start_cycle = start;
        o.end_cycle = end;
        o.dram_read_bytes = rd;
        o.dram_write_bytes = wr;
        o.macs = macs;
    }
};

} // namespace

TEST(TimelineTest, EventsHaveHandDerivedTimesOnPerCoreEngineTracks)
{
    fs::path p = test_dir() / "t.json";
    Sample s;
    dla_error err{};
    ASSERT_EQ(dla_trace_write_timeline(&s.r, p.c_str(), &err), DLA_OK) << err.msg;
    // At 1000 MHz, t_us = cycles / 1000: layer conv1 1000..3500 -> ts 1.0, dur 2.5; layer pool 3500..4250
    // -> ts 3.5, dur 0.75; conv op 1000..3000 -> 1.0 + 2.0; sdp op 900..3500 -> 0.9 + 2.6; pdp op
    // 3500..4250 -> 3.5 + 0.75. Processes: DLA0 = pid 0 with Layers (tid 0), CONV (1) and SDP (2)
    // tracks; DLA1 = pid 1 with Layers and PDP (3) only, since only those carry events there.
    const std::string want =
        "{\"traceEvents\": [\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 0, \"name\": \"process_name\", \"args\": {\"name\": \"DLA0\"}},\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 0, \"name\": \"process_sort_index\", \"args\": {\"sort_index\": 0}},\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 0, \"name\": \"thread_name\", \"args\": {\"name\": \"Layers\"}},\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 0, \"name\": \"thread_sort_index\", \"args\": {\"sort_index\": 0}},\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 1, \"name\": \"thread_name\", \"args\": {\"name\": \"CONV\"}},\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 1, \"name\": \"thread_sort_index\", \"args\": {\"sort_index\": 1}},\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 2, \"name\": \"thread_name\", \"args\": {\"name\": \"SDP\"}},\n"
        "{\"ph\": \"M\", \"pid\": 0, \"tid\": 2, \"name\": \"thread_sort_index\", \"args\": {\"sort_index\": 2}},\n"
        "{\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": \"process_name\", \"args\": {\"name\": \"DLA1\"}},\n"
        "{\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": \"process_sort_index\", \"args\": {\"sort_index\": 1}},\n"
        "{\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": \"thread_name\", \"args\": {\"name\": \"Layers\"}},\n"
        "{\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": \"thread_sort_index\", \"args\": {\"sort_index\": 0}},\n"
        "{\"ph\": \"M\", \"pid\": 1, \"tid\": 3, \"name\": \"thread_name\", \"args\": {\"name\": \"PDP\"}},\n"
        "{\"ph\": \"M\", \"pid\": 1, \"tid\": 3, \"name\": \"thread_sort_index\", \"args\": {\"sort_index\": 3}},\n"
        "{\"ph\": \"X\", \"name\": \"conv1\", \"cat\": \"layer\", \"pid\": 0, \"tid\": 0, \"ts\": 1.000000, "
        "\"dur\": 2.500000, \"args\": {\"start_cycle\": 1000, \"end_cycle\": 3500, \"cycles\": 2500, \"op\": \"conv\", "
        "\"macs\": 64000, \"dram_read_bytes\": 2048, \"dram_write_bytes\": 512, \"mac_utilization\": 0.5, "
        "\"bound\": \"compute\"}},\n"
        "{\"ph\": \"X\", \"name\": \"pool \\\"1\\\"\", \"cat\": \"layer\", \"pid\": 1, \"tid\": 0, \"ts\": 3.500000, "
        "\"dur\": 0.750000, \"args\": {\"start_cycle\": 3500, \"end_cycle\": 4250, \"cycles\": 750, \"op\": \"pool\", "
        "\"macs\": 0, \"dram_read_bytes\": 512, \"dram_write_bytes\": 128, \"mac_utilization\": 0, "
        "\"bound\": \"memory\"}},\n"
        "{\"ph\": \"X\", \"name\": \"conv1\", \"cat\": \"conv\", \"pid\": 0, \"tid\": 1, \"ts\": 1.000000, "
        "\"dur\": 2.000000, \"args\": {\"start_cycle\": 1000, \"end_cycle\": 3000, \"cycles\": 2000, "
        "\"layer\": \"conv1\", \"op_index\": 0, \"layer_index\": 0, \"batch_index\": 0, \"dram_read_bytes\": 2000, "
        "\"dram_write_bytes\": 0, \"macs\": 64000}},\n"
        "{\"ph\": \"X\", \"name\": \"conv1\", \"cat\": \"sdp\", \"pid\": 0, \"tid\": 2, \"ts\": 0.900000, "
        "\"dur\": 2.600000, \"args\": {\"start_cycle\": 900, \"end_cycle\": 3500, \"cycles\": 2600, "
        "\"layer\": \"conv1\", \"op_index\": 1, \"layer_index\": 0, \"batch_index\": 0, \"dram_read_bytes\": 48, "
        "\"dram_write_bytes\": 512, \"macs\": 0}},\n"
        "{\"ph\": \"X\", \"name\": \"pool \\\"1\\\"\", \"cat\": \"pdp\", \"pid\": 1, \"tid\": 3, \"ts\": 3.500000, "
        "\"dur\": 0.750000, \"args\": {\"start_cycle\": 3500, \"end_cycle\": 4250, \"cycles\": 750, "
        "\"layer\": \"pool \\\"1\\\"\", \"op_index\": 2, \"layer_index\": 1, \"batch_index\": 1, "
        "\"dram_read_bytes\": 512, \"dram_write_bytes\": 128, \"macs\": 0}}\n"
        "],\n"
        "\"displayTimeUnit\": \"ns\",\n"
        "\"otherData\": {\"time_base\": \"SIMULATED: ts and dur are simulated microseconds (cycles / clock_mhz), not "
        "host time\", \"clock_mhz\": 1000, \"total_cycles\": 4250, \"config\": \"orin-agx-64gb\", \"power_mode\": "
        "\"MAXN\", \"network\": \"tiny\", \"precision\": \"int8\", \"batch\": 2, \"cores\": 2, \"tool_version\": "
        "\"0.1.0\"}}\n";
    EXPECT_EQ(slurp(p), want);
}

TEST(TimelineTest, NonIntegerClockKeepsSubCycleResolution)
{
    // 1331.2 MHz: 1331 cycles = 1331 / 1331.2 us = 1 - 0.2/1331.2 = 0.99984976 us -> "0.999850".
    fs::path p = test_dir() / "t.json";
    Sample s;
    s.r.summary.clock_mhz = 1331.2;
    s.r.num_layers = 0;
    s.r.num_ops = 1;
    s.ops[0].start_cycle = 0;
    s.ops[0].end_cycle = 1331;
    dla_error err{};
    ASSERT_EQ(dla_trace_write_timeline(&s.r, p.c_str(), &err), DLA_OK) << err.msg;
    std::string text = slurp(p);
    EXPECT_NE(text.find("\"ts\": 0.000000, \"dur\": 0.999850, "), std::string::npos) << text;
    // Doubles print in the fewest digits (15 or 17) that read back exactly.
    EXPECT_NE(text.find("\"clock_mhz\": 1331.2, "), std::string::npos) << text;
}

TEST(TimelineTest, SameResultGivesByteIdenticalJson)
{
    fs::path d = test_dir();
    Sample s;
    dla_error err{};
    ASSERT_EQ(dla_trace_write_timeline(&s.r, (d / "a.json").c_str(), &err), DLA_OK) << err.msg;
    ASSERT_EQ(dla_trace_write_timeline(&s.r, (d / "b.json").c_str(), &err), DLA_OK) << err.msg;
    EXPECT_FALSE(slurp(d / "a.json").empty());
    EXPECT_EQ(slurp(d / "a.json"), slurp(d / "b.json"));
}

TEST(TimelineTest, ZeroClockIsRejectedWithoutWritingAFile)
{
    fs::path d = test_dir();
    Sample s;
    s.r.summary.clock_mhz = 0.0;
    dla_error err{};
    EXPECT_EQ(dla_trace_write_timeline(&s.r, (d / "t.json").c_str(), &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("clock_mhz is 0"), std::string::npos) << err.msg;
    EXPECT_FALSE(fs::exists(d / "t.json"));
    EXPECT_FALSE(has_temp_file(d));
}

TEST(TimelineTest, UnknownOpKindIsRejectedNamingTheOp)
{
    fs::path d = test_dir();
    Sample s;
    std::strcpy(s.ops[2].kind, "cdp");
    dla_error err{};
    EXPECT_EQ(dla_trace_write_timeline(&s.r, (d / "t.json").c_str(), &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err.msg).find("op 2 (layer 'pool \"1\"'): kind 'cdp'"), std::string::npos) << err.msg;
    EXPECT_FALSE(fs::exists(d / "t.json"));
}

TEST(TimelineTest, MissingDirectoryFailsWithoutLeavingTempFile)
{
    fs::path d = test_dir();
    Sample s;
    dla_error err{};
    fs::path p = d / "no_such_dir" / "t.json";
    EXPECT_EQ(dla_trace_write_timeline(&s.r, p.c_str(), &err), DLA_ERR_IO);
    EXPECT_NE(std::string(err.msg).find(p.string()), std::string::npos) << err.msg;
    EXPECT_FALSE(has_temp_file(d));
}
