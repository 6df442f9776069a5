// Sweep specs (validation, point generation, constraints, loadable-reuse keys), the area estimate, and
// the local worker pool's journal/resume semantics with a stand-in job function (no SystemC here: the
// real simulation per point is covered by tests/system/sweep.cmake). Expected values are derived in
// comments.
#include <gtest/gtest.h>

#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "dla/area.h"
#include "dla/config.h"
#include "dla/sweep.h"
}

namespace {

std::string scratch_dir;

void remove_scratch()
{
    if (!scratch_dir.empty())
        std::system(("rm -rf '" + scratch_dir + "'").c_str());
}

// A scratch directory per process (each TEST runs in its own process under ctest), removed at exit;
// forked workers leave with _exit and do not remove it.
std::string scratch()
{
    if (scratch_dir.empty()) {
        char tmpl[] = "/tmp/dlasim_sweep_test_XXXXXX";
        scratch_dir = mkdtemp(tmpl);
        std::ofstream(scratch_dir + "/net.onnx") << "stand-in: the spec only checks that the file exists\n";
        std::atexit(remove_scratch);
    }
    return scratch_dir;
}

std::string spec_text(const std::string &axes, const std::string &extra = "")
{
    return "{\"version\": 1, \"name\": \"t\", \"base\": {\"config\": \"orin-agx-64gb\", \"power_mode\": \"MAXN\"},"
           " \"networks\": [{\"name\": \"net\", \"onnx\": \"net.onnx\"}], \"axes\": [" +
           axes + "]" + extra + "}";
}

struct Parsed {
    dla_sweep_spec *spec = nullptr;
    dla_status st = DLA_OK;
    dla_error err{};
    ~Parsed() { dla_sweep_spec_destroy(spec); }
};

void parse(const std::string &text, Parsed &p)
{
    p.st = dla_sweep_spec_parse(text.c_str(), "spec.json", scratch().c_str(), &p.spec, &p.err);
}

// The spec is refused as invalid with every needle in the message.
void expect_invalid(const std::string &text, std::initializer_list<const char *> needles)
{
    Parsed p;
    parse(text, p);
    EXPECT_EQ(p.st, DLA_ERR_INVALID);
    for (const char *n : needles)
        EXPECT_NE(std::strstr(p.err.msg, n), nullptr) << p.err.msg;
}

// ---- validation ----

TEST(SweepSpecTest, UnknownTopLevelKeyIsNamedWithTheAllowedKeys)
{
    expect_invalid(spec_text("{\"key\": \"core.atomic_k\", \"values\": [32]}", ", \"axis\": []"),
                   {"spec.json", "unknown key 'axis'", "axes"});
}

TEST(SweepSpecTest, UnknownConfigKeyOnAnAxisIsRejectedByTheConfigSchema)
{
    expect_invalid(spec_text("{\"key\": \"core.atomic_kk\", \"values\": [32]}"), {"axes[0] 'core.atomic_kk'"});
}

TEST(SweepSpecTest, AxisValueOutsideTheConfigRangeIsNamed)
{
    // atomic_k must be a power of two
    expect_invalid(spec_text("{\"key\": \"core.atomic_k\", \"values\": [32, 48]}"), {"value 48"});
}

TEST(SweepSpecTest, RangeWithStopBelowStartIsABadRange)
{
    expect_invalid(spec_text("{\"key\": \"core.atomic_k\", \"range\": {\"start\": 64, \"stop\": 32, \"factor\": 2}}"),
                   {"axes[0].range", "bad range"});
}

TEST(SweepSpecTest, RangeWithZeroStepIsABadRange)
{
    expect_invalid(
        spec_text("{\"key\": \"memory.dram.latency_ns\", \"range\": {\"start\": 100, \"stop\": 200, \"step\": 0}}"),
        {"step must be > 0"});
}

TEST(SweepSpecTest, ImpossibleConstraintIsReportedWithTheCandidateCount)
{
    // atomic_c is 64 in the preset: 64 x {32, 64} = 2048, 4096, both > 1000
    expect_invalid(spec_text("{\"key\": \"core.atomic_k\", \"values\": [32, 64]}",
                             ", \"constraints\": [\"core.atomic_c * core.atomic_k <= 1000\"]"),
                   {"impossible constraint", "2 candidate points"});
}

TEST(SweepSpecTest, ConstraintNamingAnUnknownKeyIsAnError)
{
    expect_invalid(
        spec_text("{\"key\": \"core.atomic_k\", \"values\": [32]}", ", \"constraints\": [\"core.nope < 3\"]"),
        {"constraints[0]", "unknown name 'core.nope'"});
}

TEST(SweepSpecTest, UnknownPowerModeOnAnAxisIsRejected)
{
    expect_invalid(spec_text("{\"key\": \"power_mode\", \"values\": [\"MAXN\", \"TURBO\"]}"), {"'TURBO'"});
}

TEST(SweepSpecTest, UnknownMetricListsTheKnownOnes)
{
    expect_invalid(spec_text("{\"key\": \"core.atomic_k\", \"values\": [32]}", ", \"metrics\": [\"latency\"]"),
                   {"unknown metric 'latency'", "latency_ms"});
}

TEST(SweepSpecTest, UniformAxisNeedsRandomOrLhsSampling)
{
    expect_invalid(spec_text("{\"key\": \"memory.dram.latency_ns\", \"uniform\": {\"min\": 100, \"max\": 300}}"),
                   {"grid sampling"});
}

TEST(SweepSpecTest, NetworkThatIsNotARegularFileIsRefusedWithoutOpeningIt)
{
    // Opening a FIFO would wait for a writer forever; /dev/zero is a device.
    std::string fifo = scratch() + "/fifo.onnx";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    for (const std::string &net : {fifo, std::string("/dev/zero")})
        expect_invalid("{\"version\": 1, \"base\": {\"config\": \"orin-agx-64gb\"}, \"networks\": [{\"name\": "
                       "\"n\", \"onnx\": \"" +
                           net + "\"}], \"axes\": [{\"key\": \"core.atomic_k\", \"values\": [32]}]}",
                       {"networks[0]", "is not a regular file"});
}

// ---- points ----

TEST(SweepPointsTest, GridIsTheProductInSpecOrderMinusConstrainedPoints)
{
    Parsed p; // 3 x 2 = 6 candidates; atomic_c 64 x atomic_k 256 = 16384 > 8192 drops the 2 points with k = 256
    parse(spec_text("{\"key\": \"core.atomic_k\", \"range\": {\"start\": 64, \"stop\": 256, \"factor\": 2}},"
                    "{\"key\": \"power_mode\", \"values\": [\"MAXN\", \"15W\"]}",
                    ", \"constraints\": [\"core.atomic_c * core.atomic_k <= 8192 && power_mode != \\\"30W\\\"\"]"),
          p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    ASSERT_EQ(dla_sweep_num_points(p.spec), 4u);
    // first axis slowest: (64, MAXN) (64, 15W) (128, MAXN) (128, 15W)
    EXPECT_STREQ(dla_sweep_point_value(p.spec, 0, 0), "64");
    EXPECT_STREQ(dla_sweep_point_value(p.spec, 1, 1), "15W");
    EXPECT_STREQ(dla_sweep_point_value(p.spec, 2, 0), "128");
    dla_sweep_job job;
    dla_sweep_job_get(p.spec, 3, &job);
    EXPECT_STREQ(job.power_mode, "15W");
    ASSERT_EQ(job.num_sets, 1);
    EXPECT_STREQ(job.sets[0], "core.atomic_k=128");
}

TEST(SweepPointsTest, ArithmeticRangeIncludesStopDespiteRounding)
{
    Parsed p; // 51.2 + 3 x 51.2 = 204.8 must be the 4th value although 51.2 is not exact in binary
    parse(spec_text("{\"key\": \"power_modes.MAXN.dram_bandwidth_gbps\", \"range\": {\"start\": 51.2, \"stop\": "
                    "204.8, \"step\": 51.2}}"),
          p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    ASSERT_EQ(dla_sweep_num_points(p.spec), 4u);
    EXPECT_STREQ(dla_sweep_point_value(p.spec, 3, 0), "204.8");
}

TEST(SweepPointsTest, OnlyCompileAffectingKeysSplitTheLoadableCache)
{
    Parsed p; // 2 atomic_k x 3 DRAM bandwidths x 2 power modes = 12 points, compiled once per atomic_k
    parse(spec_text("{\"key\": \"core.atomic_k\", \"values\": [32, 64]},"
                    "{\"key\": \"power_modes.MAXN.dram_bandwidth_gbps\", \"values\": [50, 100, 200]},"
                    "{\"key\": \"power_mode\", \"values\": [\"MAXN\", \"50W\"]}"),
          p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    EXPECT_EQ(dla_sweep_num_points(p.spec), 12u);
    EXPECT_EQ(dla_sweep_num_compile_keys(p.spec), 2u);
    dla_sweep_job a, b, c;
    dla_sweep_job_get(p.spec, 0, &a); // k=32, 50 GB/s, MAXN
    dla_sweep_job_get(p.spec, 5, &b); // k=32, 200 GB/s, 50W
    dla_sweep_job_get(p.spec, 6, &c); // k=64, 50 GB/s, MAXN
    EXPECT_EQ(a.compile_key, b.compile_key);
    EXPECT_NE(a.compile_key, c.compile_key);
    EXPECT_NE(a.config_hash, b.config_hash); // the full config differs (bandwidth)
    EXPECT_NE(a.job_key, b.job_key);
}

TEST(SweepPointsTest, SramSizeSplitsTheLoadableCacheItsBandwidthDoesNot)
{
    // The default SRAM pool is memory.sram.size_bytes (sram_plan.c), so the size changes the loadable;
    // the SRAM bandwidth only changes timing: 2 sizes x 2 bandwidths = 4 points, 2 compiles.
    Parsed p;
    parse(spec_text("{\"key\": \"memory.sram.size_bytes\", \"values\": [524288, 1048576]},"
                    "{\"key\": \"memory.sram.bandwidth_gbps\", \"values\": [51.2, 102.4]}"),
          p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    EXPECT_EQ(dla_sweep_num_points(p.spec), 4u);
    EXPECT_EQ(dla_sweep_num_compile_keys(p.spec), 2u);
}

TEST(SweepPointsTest, LatinHypercubeHitsEveryStratumOfEachAxisOnce)
{
    // 10 samples: on each axis, sample i lies in stratum [lo + s (hi-lo)/10, lo + (s+1) (hi-lo)/10) for a
    // distinct s, so the 10 strata are each hit once
    Parsed q;
    parse(spec_text("{\"key\": \"memory.dram.latency_ns\", \"uniform\": {\"min\": 100, \"max\": 200}},"
                    "{\"key\": \"memory.dram.efficiency\", \"uniform\": {\"min\": 0.5, \"max\": 1.0}}",
                    ", \"sampling\": {\"method\": \"lhs\", \"samples\": 10, \"seed\": 7}"),
          q);
    ASSERT_EQ(q.st, DLA_OK) << q.err.msg;
    ASSERT_EQ(dla_sweep_num_points(q.spec), 10u);
    std::set<int> lat, eff;
    for (size_t i = 0; i < 10; i++) {
        lat.insert((int)std::floor((std::atof(dla_sweep_point_value(q.spec, i, 0)) - 100.0) / 10.0));
        eff.insert((int)std::floor((std::atof(dla_sweep_point_value(q.spec, i, 1)) - 0.5) / 0.05));
    }
    EXPECT_EQ(lat.size(), 10u);
    EXPECT_EQ(eff.size(), 10u);
    EXPECT_EQ(*lat.begin(), 0);
    EXPECT_EQ(*lat.rbegin(), 9);
}

TEST(SweepPointsTest, RandomSamplingIsReproducibleFromTheSeedAndDropsRepeats)
{
    const std::string axes = "{\"key\": \"core.atomic_k\", \"values\": [32, 64]},"
                             "{\"key\": \"power_mode\", \"values\": [\"MAXN\", \"50W\"]}";
    Parsed a, b;
    parse(spec_text(axes, ", \"sampling\": {\"method\": \"random\", \"samples\": 50, \"seed\": 3}"), a);
    parse(spec_text(axes, ", \"sampling\": {\"method\": \"random\", \"samples\": 50, \"seed\": 3}"), b);
    ASSERT_EQ(a.st, DLA_OK) << a.err.msg;
    // 50 draws from 4 combinations: at most 4 distinct points survive
    EXPECT_LE(dla_sweep_num_points(a.spec), 4u);
    ASSERT_EQ(dla_sweep_num_points(a.spec), dla_sweep_num_points(b.spec));
    for (size_t i = 0; i < dla_sweep_num_points(a.spec); i++)
        EXPECT_STREQ(dla_sweep_point_value(a.spec, i, 1), dla_sweep_point_value(b.spec, i, 1));
}

// Every point keeps one job per network and its axis values in memory: a sweep past the limits is
// refused before one point is generated (each point loads a config, so generating first would take hours).
TEST(SweepLimitsTest, MoreThanAMillionJobsAreRefusedBeforeGeneratingPoints)
{
    // 600000 samples x 2 networks = 1200000 jobs > 1000000
    const std::string text =
        "{\"version\": 1, \"base\": {\"config\": \"orin-agx-64gb\"}, \"networks\": [{\"name\": \"a\", \"onnx\": "
        "\"net.onnx\"}, {\"name\": \"b\", \"onnx\": \"net.onnx\"}], \"axes\": [{\"key\": \"memory.dram.latency_ns\", "
        "\"uniform\": {\"min\": 100, \"max\": 500}}], \"sampling\": {\"method\": \"random\", \"samples\": 600000}}";
    Parsed p;
    parse(text, p);
    EXPECT_EQ(p.st, DLA_ERR_LIMIT);
    EXPECT_STREQ(p.err.msg,
                 "spec.json: networks: 600000 points x 2 networks = 1200000 jobs, more than the limit of 1000000");
}

TEST(SweepLimitsTest, PointsTimesAxesBeyondTheValueBudgetAreRefused)
{
    // 1000000 samples x 5 axes = 5000000 values of 64 bytes > 4194304 (256 MiB); a grid of 2 x 2 x 2 x 2 x 2
    // = 32 points over the same axes is fine.
    const std::string axes = "{\"key\": \"core.atomic_k\", \"values\": [32, 64]},"
                             "{\"key\": \"power_mode\", \"values\": [\"MAXN\", \"50W\"]},"
                             "{\"key\": \"memory.dram.latency_ns\", \"values\": [100, 200]},"
                             "{\"key\": \"batch\", \"values\": [1, 2]},"
                             "{\"key\": \"precision\", \"values\": [\"int8\", \"fp16\"]}";
    Parsed big, grid;
    parse(spec_text(axes, ", \"sampling\": {\"method\": \"lhs\", \"samples\": 1000000}"), big);
    EXPECT_EQ(big.st, DLA_ERR_LIMIT);
    EXPECT_STREQ(big.err.msg, "spec.json: axes: 1000000 points x 5 axes = 5000000 axis values (64 bytes each), more "
                              "than the limit of 4194304");
    parse(spec_text(axes), grid);
    ASSERT_EQ(grid.st, DLA_OK) << grid.err.msg;
    EXPECT_EQ(dla_sweep_num_points(grid.spec), 32u);
}

// ---- constraint expressions ----

bool lookup(const char *name, void *, double *num, const char **str)
{
    if (std::strcmp(name, "a.b") == 0) {
        *num = 6;
        return true;
    }
    if (std::strcmp(name, "mode") == 0) {
        *str = "MAXN";
        return true;
    }
    return false;
}

double eval(const char *e)
{
    double v = -1;
    dla_error err{};
    EXPECT_EQ(dla_sweep_expr_eval(e, lookup, nullptr, &v, &err), DLA_OK) << e << ": " << err.msg;
    return v;
}

TEST(SweepExprTest, PrecedenceFollowsC)
{
    EXPECT_EQ(eval("1 + 2 * 3"), 7); // * before +
    EXPECT_EQ(eval("(1 + 2) * 3"), 9);
    EXPECT_EQ(eval("a.b * 4 <= 24"), 1); // 24 <= 24
    EXPECT_EQ(eval("a.b * 4 < 24"), 0);
    EXPECT_EQ(eval("1 || 0 && 0"), 1);     // && binds tighter: 1 || (0 && 0)
    EXPECT_EQ(eval("!(a.b % 4 == 2)"), 0); // 6 % 4 = 2
    EXPECT_EQ(eval("-a.b + 10 / 4"), -3.5);
    EXPECT_EQ(eval("mode == \"MAXN\" && mode != \"15W\""), 1);
}

TEST(SweepExprTest, ErrorsNameTheExpressionAndTheProblem)
{
    double v;
    dla_error err{};
    EXPECT_EQ(dla_sweep_expr_eval("a.b / 0", lookup, nullptr, &v, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::strstr(err.msg, "division by zero"), nullptr) << err.msg;
    EXPECT_EQ(dla_sweep_expr_eval("a.b <= 3 3", lookup, nullptr, &v, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::strstr(err.msg, "unexpected text"), nullptr) << err.msg;
    EXPECT_EQ(dla_sweep_expr_eval("mode < 3", lookup, nullptr, &v, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::strstr(err.msg, "cannot compare a string"), nullptr) << err.msg;
    EXPECT_EQ(dla_sweep_expr_eval("(a.b", lookup, nullptr, &v, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::strstr(err.msg, "expected ')'"), nullptr) << err.msg;
    EXPECT_NE(std::strstr(err.msg, "'(a.b'"), nullptr) << err.msg;
}

// ---- area ----

TEST(AreaTest, NvFullReproducesThePrimersTwentyEightNanometreArea)
{
    dla_config *cfg = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_config_load("nv_full", nullptr, 0, &cfg, &err), DLA_OK) << err.msg;
    dla_area_estimate a;
    ASSERT_EQ(dla_area_estimate_core(cfg, &a, &err), DLA_OK) << err.msg;
    // published (nvdla-reference §6): 2048 MACs / 512 KiB CBUF at 28 nm = 5.5 mm2. The config's
    // coefficients are fitted to it: 2048 x 0.001703 + 512 x 0.002 + 128 x 0.004 + 0.4755 = 5.4991
    EXPECT_NEAR(a.total_mm2, 5.5, 0.01);
    EXPECT_NEAR(a.cbuf_mm2, 1.024, 1e-9);
    dla_config_destroy(cfg);
}

TEST(AreaTest, OrinCoreScalesTheTwentyEightNanometreSumByTheNodeFactor)
{
    dla_config *cfg = nullptr;
    dla_error err{};
    ASSERT_EQ(dla_config_load("orin-agx-64gb", nullptr, 0, &cfg, &err), DLA_OK) << err.msg;
    dla_area_estimate a;
    ASSERT_EQ(dla_area_estimate_core(cfg, &a, &err), DLA_OK) << err.msg;
    // 8192 MACs x 0.001703 = 13.950976; CBUF 32 x 512 x 64 B = 1024 KiB x 0.002 = 2.048; SRAM 1024 KiB
    // x 0.002 = 2.048; DMA 64 + 64 B/cycle x 0.004 = 0.512; fixed 0.4755: 19.034476 at 28 nm, x 0.25
    EXPECT_NEAR(a.total_mm2, 19.034476 * 0.25, 1e-6);
    EXPECT_NEAR(a.sram_mm2, 2.048 * 0.25, 1e-9);
    dla_config_destroy(cfg);
}

TEST(AreaTest, ConfigWithoutAreaSectionIsUnsupported)
{
    dla_config cfg{};
    std::snprintf(cfg.name, sizeof cfg.name, "bare");
    dla_area_estimate a;
    dla_error err{};
    EXPECT_EQ(dla_area_estimate_core(&cfg, &a, &err), DLA_ERR_UNSUPPORTED);
    EXPECT_NE(std::strstr(err.msg, "'bare'"), nullptr) << err.msg;
}

// ---- local runs with a stand-in job function ----

// cycles = 1000 + job index, so a row's value says which job produced it.
dla_status fake_job(const dla_sweep_job *job, void *, dla_sweep_metrics *m, dla_error *)
{
    m->ok = true;
    m->cycles = 1000 + job->index;
    m->latency_ms = job->index * 0.5;
    m->area_mm2 = NAN;
    return DLA_OK;
}

dla_status crashing_job(const dla_sweep_job *job, void *, dla_sweep_metrics *m, dla_error *err)
{
    if (job->index == 1)
        raise(SIGKILL); // a worker that dies mid-job (OOM killer, a crash the sanitizer cannot catch)
    if (job->index == 2)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED, "layer 'x' does not fit");
    return fake_job(job, nullptr, m, err);
}

std::vector<std::string> journal_records(const std::string &out)
{
    std::ifstream in(out + ".d/journal.jsonl");
    std::vector<std::string> lines;
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

// Options of a quiet local run writing out (which must outlive the run) with the stand-in job fn.
dla_sweep_run_opts quiet_run(const std::string &out, int workers, dla_sweep_job_fn fn)
{
    dla_sweep_run_opts o{};
    o.output = out.c_str();
    o.workers = workers;
    o.quiet = true;
    o.fn = fn;
    return o;
}

const std::string kFourPoints = "{\"key\": \"core.atomic_k\", \"values\": [32, 64]},"
                                "{\"key\": \"power_mode\", \"values\": [\"MAXN\", \"50W\"]}";

TEST(SweepRunTest, ResumeSkipsJournalledJobsAndDropsATornLastLine)
{
    Parsed p;
    parse(spec_text(kFourPoints), p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    std::string out = scratch() + "/r.h5";
    dla_sweep_run_opts o = quiet_run(out, 2, fake_job);
    dla_sweep_run_stats st{};
    dla_error err{};
    ASSERT_EQ(dla_sweep_run_local(p.spec, &o, &st, &err), DLA_OK) << err.msg;
    EXPECT_EQ(st.ran, 4u);
    // What a kill -9 leaves: the header, two complete records and half of a third line.
    std::vector<std::string> recs = journal_records(out);
    ASSERT_EQ(recs.size(), 4u);
    std::ifstream in(out + ".d/journal.jsonl");
    std::string header;
    std::getline(in, header);
    in.close();
    std::ofstream(out + ".d/journal.jsonl", std::ios::trunc) << header << "\n"
                                                             << recs[0] << "\n"
                                                             << recs[1] << "\n"
                                                             << recs[2].substr(0, recs[2].size() / 2);
    ASSERT_EQ(dla_sweep_run_local(p.spec, &o, &st, &err), DLA_OK) << err.msg;
    EXPECT_EQ(st.skipped, 2u);
    EXPECT_EQ(st.ran, 2u);
    // every job exactly once, and the torn line is gone
    std::vector<std::string> after = journal_records(out);
    ASSERT_EQ(after.size(), 4u);
    std::set<std::string> indices;
    for (const std::string &l : after) {
        size_t at = l.find("\"index\":");
        ASSERT_NE(at, std::string::npos) << l;
        indices.insert(l.substr(at, l.find(',', at) - at));
    }
    EXPECT_EQ(indices.size(), 4u);
    // a third run has nothing left to do
    ASSERT_EQ(dla_sweep_run_local(p.spec, &o, &st, &err), DLA_OK) << err.msg;
    EXPECT_EQ(st.ran, 0u);
    EXPECT_EQ(st.skipped, 4u);
}

TEST(SweepRunTest, JournalOfAnotherSpecIsRefused)
{
    Parsed a, b;
    parse(spec_text(kFourPoints), a);
    parse(spec_text("{\"key\": \"core.atomic_k\", \"values\": [32, 128]}"), b);
    ASSERT_EQ(a.st, DLA_OK) << a.err.msg;
    ASSERT_EQ(b.st, DLA_OK) << b.err.msg;
    std::string out = scratch() + "/other.h5";
    dla_sweep_run_opts o = quiet_run(out, 1, fake_job);
    dla_sweep_run_stats st{};
    dla_error err{};
    ASSERT_EQ(dla_sweep_run_local(a.spec, &o, &st, &err), DLA_OK) << err.msg;
    EXPECT_EQ(dla_sweep_run_local(b.spec, &o, &st, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::strstr(err.msg, "different sweep spec"), nullptr) << err.msg;
}

TEST(SweepRunTest, CrashedAndFailedJobsBecomeErrorRowsAndOnlyCrashesAreRetried)
{
    Parsed p;
    parse(spec_text(kFourPoints), p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    std::string out = scratch() + "/crash.h5";
    dla_sweep_run_opts o = quiet_run(out, 2, crashing_job);
    dla_sweep_run_stats st{};
    dla_error err{};
    ASSERT_EQ(dla_sweep_run_local(p.spec, &o, &st, &err), DLA_OK) << err.msg;
    // jobs: 0 (k32 MAXN) 1 (k32 50W) 2 (k64 MAXN) 3 (k64 50W); 1 crashes, 2 fails without caching a
    // loadable, so 3 (same compile inputs as 2) is recorded with 2's error without running
    EXPECT_EQ(st.ran, 3u);
    EXPECT_EQ(st.failed, 3u);
    EXPECT_EQ(st.inferred, 1u);
    std::vector<std::string> recs = journal_records(out);
    std::string all;
    for (const std::string &l : recs)
        all += l + "\n";
    EXPECT_NE(all.find("worker killed by signal 9"), std::string::npos) << all;
    size_t first = all.find("layer 'x' does not fit");
    ASSERT_NE(first, std::string::npos) << all;
    EXPECT_NE(all.find("layer 'x' does not fit", first + 1), std::string::npos) << "job 3 not recorded: " << all;
    // resume: the crashed job 1 runs again (it may have been the sweep being killed); the deterministic
    // errors of jobs 2 and 3 are final
    o.fn = fake_job;
    ASSERT_EQ(dla_sweep_run_local(p.spec, &o, &st, &err), DLA_OK) << err.msg;
    EXPECT_EQ(st.ran, 1u);
    EXPECT_EQ(st.skipped, 3u);
}

TEST(SweepRunTest, ExistingResultsWithoutAJournalAreNotOverwritten)
{
    Parsed p;
    parse(spec_text(kFourPoints), p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    std::string out = scratch() + "/foreign.h5";
    std::ofstream(out) << "someone else's file";
    dla_sweep_run_opts o = quiet_run(out, 1, fake_job);
    dla_sweep_run_stats st{};
    dla_error err{};
    EXPECT_EQ(dla_sweep_run_local(p.spec, &o, &st, &err), DLA_ERR_INVALID);
    EXPECT_NE(std::strstr(err.msg, "not overwriting"), nullptr) << err.msg;
    std::ifstream in(out);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "someone else's file");
}

} // namespace
