/* Text report of a run (dla_report_print, dla/report.h): a header naming what was simulated, the
 * per-layer table and the summary block. Every number is a simulator output, and says so. */
#include "dla/report.h"

#include <string.h>

#define NAME_WIDTH 24
#define OP_WIDTH 9
#define ENGINE_WIDTH 4
#define BOUND_WIDTH 8

/* Long layer names keep their head and tail (ONNX names differ mostly at the end). */
static void fit(char *dst, const char *src, size_t src_cap, size_t width)
{
    const char *nul = memchr(src, '\0', src_cap);
    size_t n = nul ? (size_t)(nul - src) : src_cap;
    if (n <= width) {
        memcpy(dst, src, n);
        dst[n] = '\0';
        return;
    }
    size_t tail = (width - 2) / 2, head = width - 2 - tail;
    memcpy(dst, src, head);
    memcpy(dst + head, "..", 2);
    memcpy(dst + head + 2, src + n - tail, tail);
    dst[width] = '\0';
}

static void print_layers(const dla_run_result *r, FILE *out)
{
    fprintf(out, "%4s %-*s %-*s %-*s %11s %11s %14s %6s %8s %8s %s\n", "#", NAME_WIDTH, "layer", OP_WIDTH, "op",
            ENGINE_WIDTH, "eng", "cycles", "start", "MACs", "util%", "rd MB", "wr MB", "bound");
    if (r->num_layers == 0)
        fprintf(out, "     (no layers)\n");
    for (size_t i = 0; i < r->num_layers; i++) {
        const dla_layer_record *l = &r->layers[i];
        char name[NAME_WIDTH + 1], op[OP_WIDTH + 1], engine[ENGINE_WIDTH + 1], bound[BOUND_WIDTH + 1];
        fit(name, l->name, sizeof l->name, NAME_WIDTH);
        fit(op, l->op, sizeof l->op, OP_WIDTH);
        fit(engine, l->engine, sizeof l->engine, ENGINE_WIDTH);
        fit(bound, l->bound, sizeof l->bound, BOUND_WIDTH);
        fprintf(out, "%4zu %-*s %-*s %-*s %11llu %11llu %14llu %6.1f %8.3f %8.3f %s\n", i, NAME_WIDTH, name, OP_WIDTH,
                op, ENGINE_WIDTH, engine, (unsigned long long)l->cycles, (unsigned long long)l->start_cycle,
                (unsigned long long)l->macs, l->mac_utilization * 100.0, (double)l->dram_read_bytes / 1e6,
                (double)l->dram_write_bytes / 1e6, bound);
    }
}

/* Per-layer energy, power and perf/W (dla_result_summarize's attribution); skipped when no layer has
 * any (e.g. a result read back from a trace, which does not store them). */
static void print_layer_energy(const dla_run_result *r, FILE *out)
{
    int any = 0;
    for (size_t i = 0; i < r->num_layers; i++)
        any = any || r->layers[i].energy_mj > 0;
    if (!any)
        return;
    fprintf(out, "\nPer-layer energy (SIMULATED; MAC and DRAM energy from the layer's own counts, the rest of the\n"
                 "dynamic and static energy by its share of cycles; see docs/energy.md)\n");
    fprintf(out, "%4s %-*s %-*s %11s %11s %9s %9s\n", "#", NAME_WIDTH, "layer", ENGINE_WIDTH, "eng", "time us",
            "energy mJ", "power W", "TOPS/W");
    const double mhz = r->summary.clock_mhz;
    for (size_t i = 0; i < r->num_layers; i++) {
        const dla_layer_record *l = &r->layers[i];
        char name[NAME_WIDTH + 1], engine[ENGINE_WIDTH + 1];
        fit(name, l->name, sizeof l->name, NAME_WIDTH);
        fit(engine, l->engine, sizeof l->engine, ENGINE_WIDTH);
        fprintf(out, "%4zu %-*s %-*s %11.3f %11.5f %9.3f %9.3f\n", i, NAME_WIDTH, name, ENGINE_WIDTH, engine,
                mhz > 0 ? (double)l->cycles / mhz : 0.0, l->energy_mj, l->avg_power_w, l->tops_per_w);
    }
}

void dla_report_print(const dla_run_result *r, FILE *out)
{
    if (!r || !out)
        return;
    const dla_run_meta *m = &r->meta;
    const dla_run_summary *s = &r->summary;
    fprintf(out, "dlasim report: all numbers below are SIMULATED (cycle-level model; not measured, not published)\n");
    fprintf(out, "config %.64s | power mode %.32s | precision %.8s | batch %d | cores %d | %s\n", m->config_name,
            m->power_mode, m->precision, m->batch, m->cores, m->functional ? "functional" : "timing only");
    fprintf(out, "network %.128s\n", m->network);
    fprintf(out, "\n");
    print_layers(r, out);
    print_layer_energy(r, out);
    fprintf(out, "\nSummary (SIMULATED)\n");
    fprintf(out, "  %-18s %.1f MHz\n", "clock", s->clock_mhz);
    fprintf(out, "  %-18s %llu\n", "total cycles", (unsigned long long)s->total_cycles);
    if (m->cores > 1)
        fprintf(out, "  %-18s %.4f ms for a batch of %d on each of %d cores\n", "latency", s->latency_ms, m->batch,
                m->cores);
    else
        fprintf(out, "  %-18s %.4f ms for a batch of %d\n", "latency", s->latency_ms, m->batch);
    fprintf(out, "  %-18s %.1f images/s\n", "throughput", s->images_per_s);
    fprintf(out, "  %-18s %.3f TOPS (2 ops per MAC, %llu MACs)\n", "achieved", s->tops, (unsigned long long)s->macs);
    fprintf(out, "  %-18s %.1f %%\n", "MAC utilization", s->mac_utilization * 100.0);
    if (s->dram_peak_gbps > 0)
        fprintf(out, "  %-18s %.1f GB/s peak, %.2f GB/s for the DLAs (config values of the power mode)\n",
                "DRAM bandwidth", s->dram_peak_gbps, s->dram_dla_gbps);
    fprintf(out, "  %-18s %.3f MB read, %.3f MB written (1 MB = 1e6 bytes)\n", "DRAM traffic",
            (double)s->dram_read_bytes / 1e6, (double)s->dram_write_bytes / 1e6);
    fprintf(out, "  %-18s %.4f mJ (dynamic %.4f mJ, static %.4f mJ)\n", "energy", s->energy_mj, s->dynamic_energy_mj,
            s->static_energy_mj);
    fprintf(out, "  %-18s %.3f W\n", "average power", s->avg_power_w);
    /* A summary read back from a trace has no TOPS/W (not stored): print what is known. */
    if (s->tops_per_w > 0)
        fprintf(out, "  %-18s %.1f images/s/W, %.3f TOPS/W\n", "efficiency", s->images_per_joule, s->tops_per_w);
    else
        fprintf(out, "  %-18s %.1f images/s/W\n", "efficiency", s->images_per_joule);
}
