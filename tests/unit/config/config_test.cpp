// Hardware-description loading: the presets carry the published numbers, base inheritance and
// --set behave as documented in docs/config.md, and bad input is rejected naming file and path.
#include <gtest/gtest.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dla/config.h"

namespace fs = std::filesystem;

namespace {

// A small but complete config with bare values; tests derive broken variants from it.
const char *const kMini = R"({
  "version": 1, "cores": 1,
  "core": {"atomic_c": 8, "atomic_k": 8, "memory_atomic_bytes": 8,
    "cbuf": {"banks": 32, "entries_per_bank": 512, "entry_bytes": 8, "read_latency_cycles": 6, "write_latency_cycles": 3},
    "csc": {"latency_cycles": 4, "sg_flush_cycles": 48},
    "cmac": {"latency_cycles": 9},
    "cacc": {"latency_cycles": 11, "delivery_stripes": 2},
    "sdp": {"bs_throughput": 1, "bn_throughput": 1, "ew_throughput": 1, "latency_cycles": 4},
    "pdp": {"throughput": 1, "line_buffer_bytes": 7168, "latency_cycles": 4},
    "cdp": {"throughput": 1, "latency_cycles": 4},
    "dma": {"read_bytes_per_cycle": 8, "write_bytes_per_cycle": 8, "max_outstanding": 256, "request_bytes": 8},
    "csb": {"write_cycles": 1, "irq_latency_cycles": 0},
    "controller": {"cycles_per_reg_write": 1, "cycles_per_op": 1, "cycles_per_irq": 1},
    "features": {"int8": true, "fp16": false, "winograd": false, "image_input": false, "weight_compression": false,
                 "sparsity_2_4": false, "sdp_lut": false, "sdp_ew": false, "pdp": true, "cdp": true, "bdma": false,
                 "rubik": false, "sramif": false}},
  "memory": {"dram": {"bandwidth_gbps": 10, "latency_ns": 100, "burst_bytes": 64, "efficiency": 1}},
  "power_modes": [
    {"name": "A", "dla_clock_mhz": 500, "energy": {"mac_int8_pj": 1, "mac_fp16_pj": 1, "cbuf_read_byte_pj": 1,
      "cbuf_write_byte_pj": 1, "dram_byte_pj": 1, "sram_byte_pj": 1, "sdp_element_pj": 1, "pdp_element_pj": 1,
      "cdp_element_pj": 1, "csb_write_pj": 1, "static_power_w": 1}},
    {"name": "B", "dla_clock_mhz": 250, "dram_bandwidth_gbps": 5, "energy": {"mac_int8_pj": 1, "mac_fp16_pj": 1,
      "cbuf_read_byte_pj": 1, "cbuf_write_byte_pj": 1, "dram_byte_pj": 1, "sram_byte_pj": 1, "sdp_element_pj": 1,
      "pdp_element_pj": 1, "cdp_element_pj": 1, "csb_write_pj": 1, "static_power_w": 1}}]
})";

// kMini with one exact piece of text replaced (the piece must exist, so the test cannot go stale).
std::string mini_with(const std::string &piece, const std::string &replacement)
{
    std::string s = kMini;
    size_t at = s.find(piece);
    EXPECT_NE(at, std::string::npos) << piece;
    if (at != std::string::npos)
        s.replace(at, piece.size(), replacement);
    return s;
}

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/dlasim_config_test_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        dla_config_destroy(cfg_);
        fs::remove_all(dir_);
    }
    std::string write(const std::string &name, const std::string &text)
    {
        std::string path = dir_ + "/" + name;
        std::ofstream(path) << text;
        return path;
    }
    dla_status load(const std::string &what, std::vector<const char *> sets = {})
    {
        dla_config_destroy(cfg_);
        cfg_ = nullptr;
        err_.msg[0] = '\0';
        return dla_config_load(what.c_str(), sets.data(), (int)sets.size(), &cfg_, &err_);
    }
    std::string msg() const { return err_.msg; }

    std::string dir_;
    dla_config *cfg_ = nullptr;
    dla_error err_{};
};

TEST_F(ConfigTest, EveryPresetLoadsAndEveryHardwareNumberCarriesASource)
{
    for (const char *name :
         {"orin-agx-64gb", "orin-nx-16gb", "drive-orin", "xavier-agx", "nv_small", "nv_large", "nv_full"}) {
        ASSERT_EQ(load(name), DLA_OK) << name << ": " << msg();
        EXPECT_STREQ(cfg_->name, name);
        EXPECT_GE(cfg_->num_power_modes, 1) << name;
        // Walk the resolved document: every leaf except names/text must be {"value","source","ref"}.
        json_object *root = json_tokener_parse(cfg_->resolved_json);
        ASSERT_NE(root, nullptr) << name;
        std::vector<std::pair<json_object *, std::string>> todo{{root, ""}};
        int leaves = 0;
        while (!todo.empty()) {
            auto [obj, path] = todo.back();
            todo.pop_back();
            if (json_object_is_type(obj, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(obj); i++)
                    todo.push_back({json_object_array_get_idx(obj, i), path + "[]"});
                continue;
            }
            json_object_object_foreach(obj, key, val)
            {
                std::string p = path.empty() ? key : path + "." + key;
                std::string k = key;
                if (k == "version" || k == "name" || k == "description" || k == "comment")
                    continue;
                json_object *src = nullptr;
                if (json_object_is_type(val, json_type_object) && json_object_object_get_ex(val, "value", nullptr)) {
                    leaves++;
                    ASSERT_TRUE(json_object_object_get_ex(val, "source", &src)) << name << ": " << p;
                    EXPECT_TRUE(json_object_object_get_ex(val, "ref", nullptr)) << name << ": " << p;
                } else if (json_object_is_type(val, json_type_object) || json_object_is_type(val, json_type_array)) {
                    todo.push_back({val, p});
                } else {
                    ADD_FAILURE() << name << ": " << p << " is a bare value";
                }
            }
        }
        EXPECT_GT(leaves, 50) << name;
        json_object_put(root);
    }
}

TEST_F(ConfigTest, OrinAgx64gbHasPublishedCoresClocksAndBandwidth)
{
    ASSERT_EQ(load("orin-agx-64gb"), DLA_OK) << msg();
    EXPECT_EQ(cfg_->num_cores, 2);
    // 105e12 sparse TOPS / (2 DLA x 2 op/MAC x 2 sparse x 1.6e9) = 8203 -> 8192 = 64 x 128.
    EXPECT_EQ(dla_config_int8_macs_per_cycle(cfg_), 8192);
    EXPECT_EQ(cfg_->core.fp16_macs_per_cycle, 4096);
    EXPECT_EQ(cfg_->core.memory_atomic_bytes, 32);
    // CBUF 32 banks x 512 entries x 64 B = 1 MiB.
    EXPECT_EQ((int64_t)cfg_->core.cbuf_banks * cfg_->core.cbuf_entries_per_bank * cfg_->core.cbuf_entry_bytes, 1 << 20);
    // Defaults (not in the file): stripe atomic_k..2*atomic_k-1 = 128..255, weight load atomic_k.
    EXPECT_EQ(cfg_->core.csc_stripe_min, 128);
    EXPECT_EQ(cfg_->core.csc_stripe_max, 255);
    EXPECT_EQ(cfg_->core.csc_weight_load_cycles, 128);
    EXPECT_TRUE(cfg_->core.features.sparsity_2_4);
    EXPECT_EQ(cfg_->memory.sram_size_bytes, 1 << 20);
    ASSERT_EQ(cfg_->num_power_modes, 4);
    const char *names[] = {"MAXN", "50W", "30W", "15W"};
    const double dla[] = {1600, 1369.6, 1369.6, 614.4};
    const double emc[] = {3200, 3200, 3200, 2133};
    // 256 bit / 8 x 2 x EMC MHz / 1000: 204.8 at 3200 MHz, 136.5 (rounded) at 2133 MHz.
    const double bw[] = {204.8, 204.8, 204.8, 136.5};
    const double gpu[] = {1300, 816, 612, 408};
    for (int i = 0; i < 4; i++) {
        EXPECT_STREQ(cfg_->power_modes[i].name, names[i]);
        EXPECT_DOUBLE_EQ(cfg_->power_modes[i].dla_clock_mhz, dla[i]) << names[i];
        EXPECT_DOUBLE_EQ(cfg_->power_modes[i].emc_clock_mhz, emc[i]) << names[i];
        EXPECT_DOUBLE_EQ(cfg_->power_modes[i].dram_bandwidth_gbps, bw[i]) << names[i];
        EXPECT_DOUBLE_EQ(cfg_->power_modes[i].gpu_clock_mhz, gpu[i]) << names[i];
    }
    EXPECT_DOUBLE_EQ(cfg_->power_modes[3].falcon_clock_mhz, 294.4); // nvpmodel 15W falcon cap
    EXPECT_DOUBLE_EQ(cfg_->gpu.int8_tops, 85.5);                    // 171 sparse / 2
}

TEST_F(ConfigTest, OpenNvdlaPresetsMatchTheSpecTable)
{
    ASSERT_EQ(load("nv_small"), DLA_OK) << msg();
    EXPECT_EQ(cfg_->num_cores, 1);
    EXPECT_EQ(cfg_->core.atomic_c, 8);
    EXPECT_EQ(cfg_->core.atomic_k, 8);
    EXPECT_EQ(cfg_->core.memory_atomic_bytes, 8);
    EXPECT_EQ(cfg_->core.cbuf_banks, 32);
    EXPECT_EQ(cfg_->core.cbuf_entries_per_bank, 512);
    EXPECT_EQ(cfg_->core.cbuf_entry_bytes, 8);
    EXPECT_EQ(cfg_->core.sdp_bs_throughput, 1);
    EXPECT_FALSE(cfg_->core.features.sdp_ew);
    EXPECT_FALSE(cfg_->core.features.sramif);
    EXPECT_EQ(cfg_->core.dma_read_bytes_per_cycle, 8);             // 64-bit interface
    EXPECT_EQ(cfg_->core.fp16_macs_per_cycle, 32);                 // default 8 x 8 / 2
    EXPECT_EQ(cfg_->core.csc_stripe_max, 15);                      // default 2 x 8 - 1
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].falcon_clock_mhz, 1000); // default: the DLA clock
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].gpu_clock_mhz, 0);       // no gpu group
    EXPECT_STREQ(dla_config_power_mode(cfg_, NULL)->name, "NOMINAL");

    ASSERT_EQ(load("nv_large"), DLA_OK) << msg();
    EXPECT_EQ(dla_config_int8_macs_per_cycle(cfg_), 2048);
    EXPECT_EQ(cfg_->core.cbuf_banks, 16);
    EXPECT_EQ(cfg_->core.cbuf_entry_bytes, 64);
    EXPECT_EQ(cfg_->core.sdp_ew_throughput, 4);
    EXPECT_EQ(cfg_->core.pdp_throughput, 8);
    EXPECT_EQ(cfg_->core.features.max_batch, 1);
    EXPECT_FALSE(cfg_->core.features.winograd);
    EXPECT_EQ(cfg_->core.dma_read_bytes_per_cycle, 32); // 256-bit interface

    ASSERT_EQ(load("nv_full"), DLA_OK) << msg();
    EXPECT_EQ(cfg_->core.fp16_macs_per_cycle, 1024); // 64 x 16
    EXPECT_TRUE(cfg_->core.features.winograd);
    EXPECT_TRUE(cfg_->core.features.weight_compression);
    EXPECT_EQ(cfg_->core.features.max_batch, 32);
    EXPECT_EQ(cfg_->core.cmac_latency_cycles, 7);
    EXPECT_EQ(cfg_->core.dma_read_bytes_per_cycle, 64); // 512-bit interface
}

TEST_F(ConfigTest, XavierIsTwoNvFullLikeCoresWithoutSparsity)
{
    ASSERT_EQ(load("xavier-agx"), DLA_OK) << msg();
    EXPECT_EQ(cfg_->num_cores, 2);
    // 11.4e12 / (2 DLA x 2 op/MAC x 1.3952e9) = 2043 -> 2048 = 64 x 32.
    EXPECT_EQ(dla_config_int8_macs_per_cycle(cfg_), 2048);
    EXPECT_FALSE(cfg_->core.features.sparsity_2_4);
    EXPECT_DOUBLE_EQ(dla_config_power_mode(cfg_, "maxn")->dla_clock_mhz, 1395.2);
}

TEST_F(ConfigTest, PresetBaseInheritsCoreAndChildReplacesPowerModes)
{
    ASSERT_EQ(load("orin-nx-16gb"), DLA_OK) << msg();
    EXPECT_EQ(dla_config_int8_macs_per_cycle(cfg_), 8192); // inherited from orin-agx-64gb
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].dram_bandwidth_gbps, 102.4);
    EXPECT_DOUBLE_EQ(dla_config_power_mode(cfg_, "15W")->dla_clock_mhz, 614.4);
    EXPECT_EQ(dla_config_power_mode(cfg_, "50W"), nullptr); // the child's array replaced the base's
    // gpu merged key by key: int8_tops from the child, launch latency from the base.
    EXPECT_DOUBLE_EQ(cfg_->gpu.int8_tops, 29.85);
    EXPECT_DOUBLE_EQ(cfg_->gpu.launch_latency_us, 5.0);

    ASSERT_EQ(load("drive-orin"), DLA_OK) << msg();
    ASSERT_EQ(cfg_->num_power_modes, 1);
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].dla_clock_mhz, 1331);
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].emc_clock_mhz, 3200);
    EXPECT_EQ(cfg_->num_cores, 2);
}

TEST_F(ConfigTest, RelativeBaseResolvesAgainstTheIncludingFileAndChildWins)
{
    fs::create_directory(dir_ + "/sub");
    write("parent.json", kMini);
    std::string child = write("sub/child.json", R"({"version": 1, "base": "../parent.json", "name": "kid",
        "core": {"cbuf": {"banks": 16}}})");
    ASSERT_EQ(load(child), DLA_OK) << msg();
    EXPECT_STREQ(cfg_->name, "kid");
    EXPECT_EQ(cfg_->core.cbuf_banks, 16);             // child
    EXPECT_EQ(cfg_->core.cbuf_entries_per_bank, 512); // parent, same group
    EXPECT_EQ(cfg_->num_power_modes, 2);              // parent
    EXPECT_EQ(std::string(cfg_->resolved_json).find("\"base\""), std::string::npos);
}

TEST_F(ConfigTest, OptionalFieldsGetDocumentedDefaults)
{
    std::string path = write("mini.json", kMini);
    ASSERT_EQ(load(path), DLA_OK) << msg();
    EXPECT_STREQ(cfg_->name, "mini"); // file name without .json
    EXPECT_EQ(cfg_->core.fp16_macs_per_cycle, 32);
    EXPECT_EQ(cfg_->core.csc_stripe_min, 8);
    EXPECT_EQ(cfg_->core.csc_stripe_max, 15);
    EXPECT_EQ(cfg_->core.csc_weight_load_cycles, 8);
    EXPECT_EQ(cfg_->core.features.max_batch, 1);
    EXPECT_EQ(cfg_->core.cmac_point_split, 1); // NVDLA: one output point per atomic op
    EXPECT_EQ(cfg_->memory.sram_size_bytes, 0);
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].dram_bandwidth_gbps, 10); // memory.dram.bandwidth_gbps
    EXPECT_DOUBLE_EQ(cfg_->power_modes[1].dram_bandwidth_gbps, 5);  // its own
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].falcon_clock_mhz, 500);
    EXPECT_DOUBLE_EQ(cfg_->power_modes[1].falcon_clock_mhz, 250);
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].emc_clock_mhz, 0);
    EXPECT_NE(std::string(cfg_->path).find("mini.json"), std::string::npos);
}

TEST_F(ConfigTest, SetReplacesAPlainLeaf)
{
    std::string path = write("mini.json", kMini);
    ASSERT_EQ(load(path, {"core.cbuf.banks=64", "name=renamed", "core.features.fp16=true"}), DLA_OK) << msg();
    EXPECT_EQ(cfg_->core.cbuf_banks, 64);
    EXPECT_STREQ(cfg_->name, "renamed");
    EXPECT_TRUE(cfg_->core.features.fp16);
}

TEST_F(ConfigTest, SetOnASourceObjectMarksItOverrideAndDefaultsFollow)
{
    ASSERT_EQ(load("nv_small", {"core.atomic_k=16"}), DLA_OK) << msg();
    EXPECT_EQ(cfg_->core.atomic_k, 16);
    EXPECT_EQ(cfg_->core.csc_stripe_max, 31); // default 2 x 16 - 1 follows the override
    json_object *root = json_tokener_parse(cfg_->resolved_json), *core, *k, *src, *val;
    ASSERT_TRUE(json_object_object_get_ex(root, "core", &core));
    ASSERT_TRUE(json_object_object_get_ex(core, "atomic_k", &k));
    ASSERT_TRUE(json_object_object_get_ex(k, "source", &src));
    ASSERT_TRUE(json_object_object_get_ex(k, "value", &val));
    EXPECT_STREQ(json_object_get_string(src), "override");
    EXPECT_EQ(json_object_get_int(val), 16);
    json_object_put(root);
}

TEST_F(ConfigTest, SetAddressesPowerModesByNameCaseInsensitively)
{
    ASSERT_EQ(load("orin-agx-64gb", {"power_modes.maxn.dla_clock_mhz=1000", "power_modes.15W.energy.static_power_w=0"}),
              DLA_OK)
        << msg();
    EXPECT_DOUBLE_EQ(cfg_->power_modes[0].dla_clock_mhz, 1000);
    EXPECT_DOUBLE_EQ(cfg_->power_modes[1].dla_clock_mhz, 1369.6); // untouched
    EXPECT_DOUBLE_EQ(cfg_->power_modes[3].energy.static_power_w, 0);
}

TEST_F(ConfigTest, SetCanAddAnOptionalLeafTheFileOmits)
{
    ASSERT_EQ(load("nv_small", {"core.csc.stripe_max=12"}), DLA_OK) << msg();
    EXPECT_EQ(cfg_->core.csc_stripe_max, 12);
}

TEST_F(ConfigTest, PowerModeLookupIsCaseInsensitiveAndNullMeansFirst)
{
    ASSERT_EQ(load("orin-agx-64gb"), DLA_OK) << msg();
    EXPECT_EQ(dla_config_power_mode(cfg_, NULL), &cfg_->power_modes[0]);
    EXPECT_EQ(dla_config_power_mode(cfg_, "15w"), &cfg_->power_modes[3]);
    EXPECT_EQ(dla_config_power_mode(cfg_, "Maxn"), &cfg_->power_modes[0]);
    EXPECT_EQ(dla_config_power_mode(cfg_, "TURBO"), nullptr);
    EXPECT_EQ(dla_config_power_mode(NULL, "MAXN"), nullptr);
}

TEST_F(ConfigTest, EnvConfigDirIsSearchedBeforeBuiltins)
{
    write("nv_small.json", mini_with("\"version\": 1,", "\"version\": 1, \"name\": \"shadow\","));
    const char *old = getenv("DLASIM_CONFIG_DIR");
    std::string saved = old ? old : "";
    setenv("DLASIM_CONFIG_DIR", dir_.c_str(), 1);
    dla_status st = load("nv_small");
    if (old)
        setenv("DLASIM_CONFIG_DIR", saved.c_str(), 1);
    else
        unsetenv("DLASIM_CONFIG_DIR");
    ASSERT_EQ(st, DLA_OK) << msg();
    EXPECT_STREQ(cfg_->name, "shadow");
}

// ---- errors: status plus a message naming the file and the JSON path ----

TEST_F(ConfigTest, OutOfRangeValueNamesFilePathValueAndExpectation)
{
    std::string path = write("foo.json", mini_with("\"banks\": 32", "\"banks\": -3"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": core.cbuf.banks: expected a positive integer, got -3");
    EXPECT_EQ(cfg_, nullptr);
}

TEST_F(ConfigTest, UnknownKeyIsRejectedListingTheAllowedKeys)
{
    std::string path = write("bad.json", mini_with("\"banks\": 32", "\"bankz\": 32"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_NE(msg().find(path + ": core.cbuf.bankz: unknown key"), std::string::npos) << msg();
    EXPECT_NE(msg().find("banks, entries_per_bank, entry_bytes"), std::string::npos) << msg();
}

TEST_F(ConfigTest, WrongTypeIsRejected)
{
    std::string path = write("bad.json", mini_with("\"atomic_c\": 8", "\"atomic_c\": \"8\""));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": core.atomic_c: expected a positive power of two, got \"8\"");
}

TEST_F(ConfigTest, AtomicSizesMustBePowersOfTwo)
{
    std::string path = write("bad.json", mini_with("\"atomic_k\": 8", "\"atomic_k\": 48"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": core.atomic_k: expected a positive power of two, got 48");
}

TEST_F(ConfigTest, EfficiencyMustBeAFractionInZeroOne)
{
    std::string path = write("bad.json", mini_with("\"efficiency\": 1", "\"efficiency\": 1.5"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": memory.dram.efficiency: expected a number in (0, 1], got 1.5");
}

TEST_F(ConfigTest, CoresOutsideOneToMaxCoresAreRejected)
{
    std::string path = write("bad.json", mini_with("\"cores\": 1", "\"cores\": 3"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": cores: expected an integer in 1..2, got 3");
}

TEST_F(ConfigTest, InvalidSourceStringIsRejected)
{
    std::string path = write("bad.json", mini_with("\"banks\": 32", R"("banks": {"value": 32, "source": "guess"})"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_NE(msg().find(path + ": core.cbuf.banks.source: expected one of published, derived, assumed"),
              std::string::npos)
        << msg();
}

TEST_F(ConfigTest, MissingRequiredFieldIsNamed)
{
    std::string path = write("bad.json", mini_with(R"("cdp": {"throughput": 1, "latency_cycles": 4},)", ""));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": core.cdp.throughput: missing required field");
}

TEST_F(ConfigTest, MissingModeEnergyIsNamedWithModeIndex)
{
    std::string path = write("bad.json", mini_with(R"("dram_bandwidth_gbps": 5, "energy": {"mac_int8_pj": 1, )",
                                                   R"("dram_bandwidth_gbps": 5, "energy": {)"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": power_modes[1].energy.mac_int8_pj: missing required field");
}

TEST_F(ConfigTest, NotJsonGivesTheParseErrorWithFileAndLine)
{
    std::string path = write("broken.json", "{\n  \"version\": 1,\n  \"cores\": ,\n}\n");
    EXPECT_EQ(load(path), DLA_ERR_FORMAT);
    EXPECT_NE(msg().find(path + ": not valid JSON"), std::string::npos) << msg();
    EXPECT_NE(msg().find("line 3"), std::string::npos) << msg();
}

TEST_F(ConfigTest, MissingFileIsAnIoError)
{
    EXPECT_EQ(load(dir_ + "/nope.json"), DLA_ERR_IO);
    EXPECT_NE(msg().find("nope.json"), std::string::npos) << msg();
    EXPECT_EQ(load("no-such-preset"), DLA_ERR_IO);
    EXPECT_NE(msg().find("orin-agx-64gb"), std::string::npos) << msg(); // lists the built-in presets
}

TEST_F(ConfigTest, BaseCycleIsDetected)
{
    std::string a = write("a.json", R"({"version": 1, "base": "b.json"})");
    write("b.json", R"({"version": 1, "base": "a.json"})");
    EXPECT_EQ(load(a), DLA_ERR_INVALID);
    EXPECT_NE(msg().find("b.json: base: inheritance cycle"), std::string::npos) << msg();
    EXPECT_NE(msg().find("a.json -> "), std::string::npos) << msg();
}

TEST_F(ConfigTest, BaseChainDeeperThanEightIsRejected)
{
    write("c0.json", kMini);
    for (int i = 1; i <= 9; i++)
        write("c" + std::to_string(i) + ".json", "{\"version\": 1, \"base\": \"c" + std::to_string(i - 1) + ".json\"}");
    EXPECT_EQ(load(dir_ + "/c8.json"), DLA_OK) << msg(); // c8 -> ... -> c0: 8 levels of base
    EXPECT_EQ(load(dir_ + "/c9.json"), DLA_ERR_LIMIT);
    EXPECT_NE(msg().find("c1.json: base: inheritance deeper than 8"), std::string::npos) << msg();
}

TEST_F(ConfigTest, MissingBaseFileNamesTheIncludingFile)
{
    std::string path = write("child.json", R"({"version": 1, "base": "gone.json"})");
    EXPECT_EQ(load(path), DLA_ERR_IO);
    EXPECT_NE(msg().find(path + ": base: "), std::string::npos) << msg();
    EXPECT_NE(msg().find("gone.json"), std::string::npos) << msg();
}

TEST_F(ConfigTest, ErrorInAChildOfAPresetNamesTheChild)
{
    std::string path = write("child.json", R"({"version": 1, "base": "nv_small", "core": {"pdp": {"throughput": 0}}})");
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": core.pdp.throughput: expected a positive integer, got 0");
}

TEST_F(ConfigTest, PowerModesMustBeNonEmptyBoundedAndUniquelyNamed)
{
    std::string empty = write("empty.json", R"({"version": 1, "base": "nv_small", "power_modes": []})");
    EXPECT_EQ(load(empty), DLA_ERR_INVALID);
    EXPECT_NE(msg().find(empty + ": power_modes: empty"), std::string::npos) << msg();

    std::string dup = write("dup.json", mini_with("{\"name\": \"B\"", "{\"name\": \"a\""));
    EXPECT_EQ(load(dup), DLA_ERR_INVALID);
    EXPECT_NE(msg().find(dup + ": power_modes[1].name: duplicate mode name \"a\""), std::string::npos) << msg();

    std::string nine = "[";
    for (int i = 0; i < 9; i++)
        nine += std::string(i ? "," : "") + "{\"name\": \"M" + std::to_string(i) + "\"}";
    std::string many = write("many.json", R"({"version": 1, "base": "nv_small", "power_modes": )" + nine + "]}");
    EXPECT_EQ(load(many), DLA_ERR_LIMIT);
    EXPECT_NE(msg().find(many + ": power_modes: 9 modes, at most 8"), std::string::npos) << msg();
}

TEST_F(ConfigTest, StripeMinAboveStripeMaxIsRejected)
{
    std::string path = write("bad.json", mini_with("\"csc\": {", "\"csc\": {\"stripe_min\": 20, "));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": core.csc.stripe_min: 20 exceeds core.csc.stripe_max 15");
}

TEST_F(ConfigTest, PointSplitAboveAtomicKIsRejected)
{
    // mini has atomic_k 8: a split into 16 parts would leave no kernel cell per part.
    std::string path = write("bad.json", mini_with("\"cmac\": {", "\"cmac\": {\"point_split\": 16, "));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": core.cmac.point_split: 16 exceeds core.atomic_k 8");
}

TEST_F(ConfigTest, SramNeedsTheSramInterface)
{
    std::string path = write("bad.json", mini_with("\"efficiency\": 1}", R"("efficiency": 1},
        "sram": {"size_bytes": 1024, "bandwidth_gbps": 10, "latency_cycles": 8})"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_NE(msg().find(path + ": memory.sram.size_bytes: 1024 bytes of SRAM need core.features.sramif"),
              std::string::npos)
        << msg();
}

TEST_F(ConfigTest, RubikNeedsItsRateAndRequestSize)
{
    std::string no_keys = write("bad.json", mini_with("\"rubik\": false", "\"rubik\": true"));
    EXPECT_EQ(load(no_keys), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), no_keys + ": core.rubik: core.features.rubik = true needs core.rubik.bytes_per_cycle and "
                               "core.rubik.request_bytes");
    std::string text = mini_with("\"rubik\": false", "\"rubik\": true");
    text.insert(text.find("\"dma\": {"), "\"rubik\": {\"bytes_per_cycle\": 32, \"request_bytes\": 256}, ");
    std::string ok = write("ok.json", text);
    ASSERT_EQ(load(ok), DLA_OK) << msg();
    EXPECT_EQ(cfg_->core.rubik_bytes_per_cycle, 32);
    EXPECT_EQ(cfg_->core.rubik_request_bytes, 256);
}

TEST_F(ConfigTest, PartialGpuGroupIsIncomplete)
{
    std::string path = write("bad.json", mini_with("\"memory\":", R"("gpu": {"int8_tops": 10}, "memory":)"));
    EXPECT_EQ(load(path), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), path + ": gpu.fp16_tflops: missing required field (the gpu group is present)");
}

TEST_F(ConfigTest, BadOverridesNameTheOverride)
{
    EXPECT_EQ(load("nv_small", {"core.cbuf.bankz=3"}), DLA_ERR_INVALID);
    EXPECT_NE(msg().find("--set 'core.cbuf.bankz=3': core.cbuf.bankz: unknown key (allowed in core.cbuf: banks"),
              std::string::npos)
        << msg();

    EXPECT_EQ(load("nv_small", {"core.cbuf.banks"}), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), "--set 'core.cbuf.banks': expected key.path=value");

    EXPECT_EQ(load("nv_small", {"core.cbuf.banks=lots"}), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), "--set 'core.cbuf.banks=lots': core.cbuf.banks: expected a positive integer, got \"lots\"");

    EXPECT_EQ(load("nv_small", {"core.cbuf=3"}), DLA_ERR_INVALID);
    EXPECT_NE(msg().find("core.cbuf: names a group, not a value"), std::string::npos) << msg();

    EXPECT_EQ(load("orin-agx-64gb", {"power_modes.TURBO.dla_clock_mhz=1"}), DLA_ERR_INVALID);
    EXPECT_NE(msg().find("no mode named 'TURBO' (modes: MAXN, 50W, 30W, 15W)"), std::string::npos) << msg();

    EXPECT_EQ(load("orin-agx-64gb", {"power_modes.MAXN.dla_clock_mhz=-5"}), DLA_ERR_INVALID);
    EXPECT_EQ(msg(), "--set 'power_modes.MAXN.dla_clock_mhz=-5': power_modes.MAXN.dla_clock_mhz: "
                     "expected a number > 0, got -5");
}

} // namespace

// A FIFO given as --config used to block in open() forever; /dev/zero is a device, not a config.
TEST_F(ConfigTest, FifoOrDeviceAsConfigIsRefusedWithoutBlocking)
{
    std::string fifo = dir_ + "/c.json";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(load(fifo), DLA_ERR_IO);
    EXPECT_EQ(msg(), fifo + ": not a regular file (a config must be a file)");
    EXPECT_EQ(load("/dev/zero"), DLA_ERR_IO);
    EXPECT_EQ(msg(), "/dev/zero: not a regular file (a config must be a file)");
}
