// Hand-built run result for the trace tests (see sample_result.h). The Python tests in
// trace_tools_test.py check the same values independently.
#include "sample_result.h"

#include <cstdlib>
#include <cstring>

namespace {

void put(char *dst, size_t cap, const char *s)
{
    std::strncpy(dst, s, cap - 1);
    dst[cap - 1] = '\0';
}

void layer(dla_layer_record &l, const char *name, const char *op, const char *engine, uint64_t start, uint64_t end,
           uint64_t macs, uint64_t rd, uint64_t wr, double util, const char *bound)
{
    put(l.name, sizeof l.name, name);
    put(l.op, sizeof l.op, op);
    put(l.engine, sizeof l.engine, engine);
    l.start_cycle = start;
    l.end_cycle = end;
    l.cycles = end - start;
    l.macs = macs;
    l.dram_read_bytes = rd;
    l.dram_write_bytes = wr;
    l.mac_utilization = util;
    put(l.bound, sizeof l.bound, bound);
}

void stat(dla_stat &s, const char *name, const char *unit, uint64_t value, const char *description)
{
    put(s.name, sizeof s.name, name);
    put(s.unit, sizeof s.unit, unit);
    s.value = value;
    put(s.description, sizeof s.description, description);
}

} // namespace

dla_run_result *make_sample_result(bool perturbed)
{
    auto *r = static_cast<dla_run_result *>(std::calloc(1, sizeof(dla_run_result)));
    dla_run_meta &m = r->meta;
    put(m.tool_version, sizeof m.tool_version, "0.1.0");
    put(m.config_name, sizeof m.config_name, "orin-agx-64gb");
    const char *json = "{\"name\": \"orin-agx-64gb\", \"num_cores\": 2}";
    m.config_json = static_cast<char *>(std::malloc(std::strlen(json) + 1));
    std::strcpy(m.config_json, json);
    put(m.power_mode, sizeof m.power_mode, "MAXN");
    put(m.network, sizeof m.network, "resnet50");
    put(m.precision, sizeof m.precision, "int8");
    m.batch = 2;
    m.cores = 1;
    m.functional = 1;

    r->num_layers = 3;
    r->layers = static_cast<dla_layer_record *>(std::calloc(3, sizeof(dla_layer_record)));
    uint64_t extra = perturbed ? 10 : 0;
    layer(r->layers[0], "conv1", "conv", "DLA0", 0, 1000, 118013952, 200000, 100000, 0.5, "compute");
    layer(r->layers[1], "layer1.0/conv2+add", "conv+add", "DLA0", 1000, 3500 + extra, 5000000, 300000, 150000, 0.25,
          "memory");
    layer(r->layers[2], "fc", "fc", "GPU", 3500 + extra, 3600 + extra, 2048000, 4096000, 4000, 0.0, "overhead");

    dla_run_summary &s = r->summary;
    s.clock_mhz = 1331.2;
    s.total_cycles = 3600 + extra;
    s.latency_ms = 0.0027;
    s.images_per_s = 740.5;
    s.tops = 0.125;
    s.mac_utilization = 0.3;
    s.macs = 125061952;
    s.dram_read_bytes = 4596000;
    s.dram_write_bytes = 254000;
    s.energy_mj = 1.75;
    s.dynamic_energy_mj = 1.5;
    s.static_energy_mj = 0.25;
    s.avg_power_w = 648.1;
    s.images_per_joule = 1142.9;

    r->num_stats = 3;
    r->stats = static_cast<dla_stat *>(std::calloc(3, sizeof(dla_stat)));
    stat(r->stats[0], "dla0.cmac_a.mac_ops", "ops", 123456789, "MACs issued");
    stat(r->stats[1], "dla0.cdma.dat.dram_read_bytes", "bytes", 500000, "bytes read from memory");
    stat(r->stats[2], "dla0.sdp.elements", "elements", 77777, "elements through SDP");
    return r;
}
