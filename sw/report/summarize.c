/* Run summary from layer records and action counts (dla_result_summarize, dla/report.h).
 * Energy follows Accelergy: dynamic = sum of action counts x the power mode's energy per action,
 * static = static power x latency x cores. The stat suffixes summed are listed in
 * docs/trace-format.md ("Summary and energy"); a counter that no unit declares counts as zero.
 * Per-layer energy is an attribution of the run's energy (docs/energy.md), summing to it exactly. */
#include "dla/report.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* One kind of action: every stat whose name ends with suffix, costed at the table entry at pj_offset. */
typedef struct energy_action {
    const char *suffix;
    size_t pj_offset;
    const char *entry; /* the table entry's name, recorded in the energy breakdown */
} energy_action;

#define PJ(field) offsetof(dla_energy_table, field), #field

/* Memory traffic is counted once, at the DMA engines that issue it (hw/common/dma_engine.cpp:
 * "<unit>.dram_read_bytes"); memory-side counters use other suffixes and are not summed. */
static const energy_action actions[] = {
    {".cbuf.read_bytes", PJ(cbuf_read_byte_pj)}, {".cbuf.write_bytes", PJ(cbuf_write_byte_pj)},
    {".dram_read_bytes", PJ(dram_byte_pj)},      {".dram_write_bytes", PJ(dram_byte_pj)},
    {".sram.read_bytes", PJ(sram_byte_pj)},      {".sram.write_bytes", PJ(sram_byte_pj)},
    {".sdp.elements", PJ(sdp_element_pj)},       {".pdp.elements", PJ(pdp_element_pj)},
    {".cdp.elements", PJ(cdp_element_pj)},       {".csb.writes", PJ(csb_write_pj)},
};

/* One row of the energy breakdown (result.h dla_energy_record). */
static void record_energy(dla_energy_record *rows, size_t *n, const char *entry, const char *suffix, uint64_t count,
                          double pj)
{
    dla_energy_record *e = &rows[(*n)++];
    memset(e, 0, sizeof *e);
    snprintf(e->action, sizeof e->action, "%s", entry);
    snprintf(e->counters, sizeof e->counters, "%s", suffix);
    e->count = count;
    e->pj_per_action = pj;
    e->energy_mj = (double)count * pj * 1e-9;
}

static int ends_with(const char *name, size_t cap, const char *suffix)
{
    const char *nul = memchr(name, '\0', cap);
    size_t n = nul ? (size_t)(nul - name) : cap, m = strlen(suffix);
    return n >= m && memcmp(name + n - m, suffix, m) == 0;
}

static dla_status sum_suffix(const dla_run_result *r, const char *suffix, uint64_t *total, dla_error *err)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < r->num_stats; i++) {
        const dla_stat *s = &r->stats[i];
        if (ends_with(s->name, sizeof s->name, suffix) && __builtin_add_overflow(sum, s->value, &sum))
            return dla_error_set(err, DLA_ERR_INVALID, "summary: sum of stats '*%s' overflows 64 bits at '%.96s'",
                                 suffix, s->name);
    }
    *total = sum;
    return DLA_OK;
}

static int same_ascii_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (char)(*a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : *a);
        char y = (char)(*b >= 'A' && *b <= 'Z' ? *b - 'A' + 'a' : *b);
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int is_gpu(const dla_layer_record *l)
{
    return strcmp(l->engine, "GPU") == 0;
}

/* Split the run's energy over its DLA layers: the MAC energy by each layer's MACs, the DRAM energy by
 * its DRAM bytes (both counted per op by the hardware), everything else (CBUF, SDP/PDP/CDP, CSB, SRAM,
 * static power) by its share of the DLA layers' cycles. Layer records carry no per-unit action counts,
 * so the last part is an attribution, not a measurement. */
static void attribute_layers(dla_run_result *r, double mac_mj, double dram_mj, double total_mj, double clock_mhz)
{
    double macs = 0, bytes = 0, cycles = 0;
    for (size_t i = 0; i < r->num_layers; i++) {
        const dla_layer_record *l = &r->layers[i];
        if (is_gpu(l))
            continue;
        macs += (double)l->macs;
        bytes += (double)l->dram_read_bytes + (double)l->dram_write_bytes;
        cycles += (double)l->cycles;
    }
    double rest = total_mj - (macs > 0 ? mac_mj : 0) - (bytes > 0 ? dram_mj : 0);
    for (size_t i = 0; i < r->num_layers; i++) {
        dla_layer_record *l = &r->layers[i];
        l->energy_mj = l->avg_power_w = l->tops_per_w = 0;
        if (is_gpu(l) || !(cycles > 0))
            continue;
        double e = rest * (double)l->cycles / cycles;
        if (macs > 0)
            e += mac_mj * (double)l->macs / macs;
        if (bytes > 0)
            e += dram_mj * ((double)l->dram_read_bytes + (double)l->dram_write_bytes) / bytes;
        l->energy_mj = e;
        double ms = (double)l->cycles / (clock_mhz * 1e3);
        l->avg_power_w = ms > 0 ? e / ms : 0; /* mJ / ms = W */
        l->tops_per_w = e > 0 ? 2.0 * (double)l->macs / (e * 1e-3) / 1e12 : 0;
    }
}

dla_status dla_result_summarize(dla_run_result *r, const dla_config *cfg, const dla_power_mode *mode,
                                uint64_t total_cycles, dla_error *err)
{
    if (!r || !cfg || !mode)
        return dla_error_set(err, DLA_ERR_INVALID, "summary: result, config and power mode are required");
    if ((r->num_layers > 0 && !r->layers) || (r->num_stats > 0 && !r->stats))
        return dla_error_set(err, DLA_ERR_INVALID, "summary: %zu layers / %zu stats but no array for them",
                             r->num_layers, r->num_stats);
    if (!(mode->dla_clock_mhz > 0))
        return dla_error_set(err, DLA_ERR_INVALID, "summary: power mode '%s': dla_clock_mhz %g, expected > 0",
                             mode->name, mode->dla_clock_mhz);
    if (total_cycles == 0)
        return dla_error_set(err, DLA_ERR_INVALID, "summary: total_cycles is 0, expected a completed run");
    if (r->meta.batch < 1)
        return dla_error_set(err, DLA_ERR_INVALID, "summary: batch %d, expected >= 1", r->meta.batch);
    if (r->meta.cores < 1 || r->meta.cores > cfg->num_cores)
        return dla_error_set(err, DLA_ERR_INVALID, "summary: cores %d, expected 1..%d (config '%s')", r->meta.cores,
                             cfg->num_cores, cfg->name);

    int fp16 = same_ascii_nocase(r->meta.precision, "fp16");
    if (!fp16 && !same_ascii_nocase(r->meta.precision, "int8"))
        return dla_error_set(err, DLA_ERR_UNSUPPORTED, "summary: precision '%.8s', expected int8 or fp16",
                             r->meta.precision);
    double peak_per_core =
        fp16 ? (double)cfg->core.fp16_macs_per_cycle : (double)cfg->core.atomic_c * (double)cfg->core.atomic_k;
    if (!(peak_per_core > 0))
        return dla_error_set(err, DLA_ERR_INVALID, "summary: config '%s': peak %s MACs per cycle is %g, expected > 0",
                             cfg->name, fp16 ? "FP16" : "INT8", peak_per_core);

    dla_run_summary s = {0};
    uint64_t dla_macs = 0;
    for (size_t i = 0; i < r->num_layers; i++) {
        const dla_layer_record *l = &r->layers[i];
        if (__builtin_add_overflow(s.macs, l->macs, &s.macs))
            return dla_error_set(err, DLA_ERR_INVALID, "summary: layer MACs overflow 64 bits at layer %zu", i);
        /* GPU-fallback layers ran on the GPU: they are work done, not work of the DLA's MAC array. */
        if (strcmp(l->engine, "GPU") != 0)
            dla_macs += l->macs;
    }
    dla_status st;
    if ((st = sum_suffix(r, ".dram_read_bytes", &s.dram_read_bytes, err)) != DLA_OK ||
        (st = sum_suffix(r, ".dram_write_bytes", &s.dram_write_bytes, err)) != DLA_OK)
        return st;

    s.clock_mhz = mode->dla_clock_mhz;
    s.total_cycles = total_cycles;
    double latency_s = (double)total_cycles / (mode->dla_clock_mhz * 1e6);
    s.latency_ms = latency_s * 1e3;
    /* Each core runs its own copy of the batch (the published "2x DLA" figures do the same). */
    double images = (double)r->meta.batch * (double)r->meta.cores;
    s.images_per_s = images / latency_s;
    s.tops = 2.0 * (double)s.macs / latency_s / 1e12;
    s.mac_utilization = (double)dla_macs / ((double)total_cycles * peak_per_core * (double)r->meta.cores);

    uint64_t count;
    if ((st = sum_suffix(r, ".mac_ops", &count, err)) != DLA_OK)
        return st;
    dla_energy_record breakdown[DLA_MAX_ENERGY_RECORDS];
    size_t num_breakdown = 0;
    const double mac_pj_each = fp16 ? mode->energy.mac_fp16_pj : mode->energy.mac_int8_pj;
    record_energy(breakdown, &num_breakdown, fp16 ? "mac_fp16_pj" : "mac_int8_pj", ".mac_ops", count, mac_pj_each);
    const double mac_pj = (double)count * mac_pj_each;
    double dynamic_pj = mac_pj, dram_pj = 0;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if ((st = sum_suffix(r, actions[i].suffix, &count, err)) != DLA_OK)
            return st;
        double pj;
        memcpy(&pj, (const char *)&mode->energy + actions[i].pj_offset, sizeof pj);
        dynamic_pj += (double)count * pj;
        record_energy(breakdown, &num_breakdown, actions[i].entry, actions[i].suffix, count, pj);
        if (actions[i].pj_offset == offsetof(dla_energy_table, dram_byte_pj))
            dram_pj += (double)count * pj;
    }
    s.dynamic_energy_mj = dynamic_pj * 1e-9;
    s.static_energy_mj = mode->energy.static_power_w * latency_s * (double)r->meta.cores * 1e3;
    s.energy_mj = s.dynamic_energy_mj + s.static_energy_mj;
    s.avg_power_w = s.energy_mj / s.latency_ms; /* mJ / ms = W */
    s.images_per_joule = s.energy_mj > 0 ? images / (s.energy_mj * 1e-3) : 0.0;
    s.tops_per_w = s.avg_power_w > 0 ? s.tops / s.avg_power_w : 0.0;
    s.dram_peak_gbps = mode->dram_bandwidth_gbps;
    const double efficiency = mode->dram_efficiency > 0 ? mode->dram_efficiency : cfg->memory.dram_efficiency;
    s.dram_dla_gbps = mode->dram_bandwidth_gbps * efficiency * (1.0 - cfg->memory.dram_background_share);
    record_energy(breakdown, &num_breakdown, "static_power_w", "", 0, 0.0);
    breakdown[num_breakdown - 1].energy_mj = s.static_energy_mj;
    r->summary = s;
    memcpy(r->energy, breakdown, num_breakdown * sizeof breakdown[0]);
    r->num_energy = num_breakdown;
    attribute_layers(r, mac_pj * 1e-9, dram_pj * 1e-9, s.energy_mj, mode->dla_clock_mhz);
    return DLA_OK;
}
