/* `dlasim trtexec` output: trtexec's performance summary, per-layer profile and per-iteration
 * times, built from one simulated inference (the simulated DLA is deterministic, so every
 * iteration trtexec would time takes exactly as long as that one). Formats: docs/trtexec.md. */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dla/output_file.h"
#include "trtexec.h"

/* ceil() that does not turn 3000 / 3.0 = 1000.0000000001 into 1001. */
static double ceil_tolerant(double x)
{
    return ceil(x - 1e-9 * fabs(x));
}

int trt_timing_derive(const trt_args *a, const dla_run_result *r, trt_timing *t)
{
    double l = r->summary.latency_ms;
    if (!(l > 0)) {
        cli_error(&a->o, "simulated latency is %g ms, expected > 0", l);
        return CLI_EXIT_ERROR;
    }
    double warmup = a->warmup_ms > 0 ? ceil_tolerant(a->warmup_ms / l) : 0.0;
    /* trtexec stops once both --iterations and --duration are reached. */
    double queries = ceil_tolerant(a->duration_s * 1e3 / l);
    if (queries < a->iterations)
        queries = a->iterations;
    if (queries > 1e12 || warmup > 1e12) {
        cli_error(&a->o, "--duration/--warmUp: %g ms per inference would need more than 1e12 queries", l);
        return CLI_EXIT_ERROR;
    }
    t->latency_ms = l;
    t->warmup_queries = (uint64_t)warmup;
    t->queries = (uint64_t)queries;
    return CLI_EXIT_OK;
}

typedef struct layer_end {
    uint64_t end;
    size_t index;
} layer_end;

static int by_end(const void *pa, const void *pb)
{
    const layer_end *a = pa, *b = pb;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

void trt_layer_shares(const dla_run_result *r, uint64_t *cycles)
{
    size_t n = r->num_layers;
    if (n == 0)
        return;
    layer_end *order = malloc(n * sizeof *order);
    uint64_t total = r->summary.total_cycles, prev = 0;
    if (!order) { /* keep the sum exact without the sort: the whole run on the last layer */
        memset(cycles, 0, n * sizeof *cycles);
        cycles[n - 1] = total;
        return;
    }
    for (size_t i = 0; i < n; ++i)
        order[i] = (layer_end){r->layers[i].end_cycle < total ? r->layers[i].end_cycle : total, i};
    qsort(order, n, sizeof *order, by_end);
    for (size_t k = 0; k < n; ++k) {
        cycles[order[k].index] = order[k].end - prev;
        prev = order[k].end;
    }
    cycles[order[n - 1].index] += total - prev; /* completion interrupt after the last layer */
    free(order);
}

/* The ONNX node a fused layer name ("Conv_0 + BatchNormalization_1 + Relu_2") starts or ends with. */
static void node_at(const char *layer, bool last, char *dst, size_t size)
{
    const char *sep = " + ";
    const char *begin = layer, *end = layer + strlen(layer);
    if (last) {
        for (const char *p = strstr(layer, sep); p; p = strstr(p + 1, sep))
            begin = p + strlen(sep);
    } else {
        const char *p = strstr(layer, sep);
        if (p)
            end = p;
    }
    snprintf(dst, size, "%.*s", (int)(end - begin), begin);
}

void trt_print_layer_blocks(const dla_loadable *l, FILE *out)
{
    fprintf(out, "[I] [TRT] ---------- Layers Running on DLA ----------\n");
    if (l->num_segments) { /* GPU fallback: the compiler named the subgraphs */
        for (uint32_t i = 0; i < l->num_segments; ++i)
            if (l->segments[i].kind == DLA_SEGMENT_DLA)
                fprintf(out, "[I] [TRT] [DlaLayer] %s\n", l->segments[i].name);
        fprintf(out, "[I] [TRT] ---------- Layers Running on GPU ----------\n");
        for (uint32_t i = 0; i < l->num_gpu_layers; ++i)
            fprintf(out, "[I] [TRT] [GpuLayer] %s\n", l->gpu_layers[i].name);
        return;
    }
    if (l->num_layers > 0) {
        char first[DLA_LNAME_MAX], last[DLA_LNAME_MAX];
        node_at(l->layers[0].name, false, first, sizeof first);
        node_at(l->layers[l->num_layers - 1].name, true, last, sizeof last);
        /* One DLA subgraph (no GPU layers). */
        if (l->num_layers == 1 && strcmp(first, last) == 0)
            fprintf(out, "[I] [TRT] [DlaLayer] {ForeignNode[%s]}\n", first);
        else
            fprintf(out, "[I] [TRT] [DlaLayer] {ForeignNode[%s...%s]}\n", first, last);
    }
    fprintf(out, "[I] [TRT] ---------- Layers Running on GPU ----------\n");
}

/* trtexec's "min = .. ms, max = .., mean = .., median = .., percentile(90%) = .." with one value. */
static void stats_line(FILE *out, const char *what, double ms)
{
    fprintf(out,
            "[I] %s: min = %g ms, max = %g ms, mean = %g ms, median = %g ms, percentile(90%%) = %g ms, "
            "percentile(95%%) = %g ms, percentile(99%%) = %g ms\n",
            what, ms, ms, ms, ms, ms, ms, ms);
}

static double cycles_ms(uint64_t cycles, double clock_mhz);

void trt_print_summary(const trt_args *a, const dla_run_result *r, const trt_timing *t, double wall_s, FILE *out)
{
    const dla_run_summary *s = &r->summary;
    double l = t->latency_ms, bench_ms = (double)t->queries * l;
    fprintf(out,
            "[I] dlasim: one inference simulated: %llu cycles at %.1f MHz = %g ms for a batch of %d on DLA core %d "
            "(%.2f s of host time)\n",
            (unsigned long long)s->total_cycles, s->clock_mhz, l, r->meta.batch, a->o.core, wall_s);
    fprintf(out, "[I] dlasim: the simulated DLA is deterministic, so every query takes exactly this long; the queries "
                 "below are that inference repeated back to back (iterations only scale the totals)\n");
    fprintf(out, "[I] Warmup completed %llu queries over %g ms\n", (unsigned long long)t->warmup_queries, a->warmup_ms);
    fprintf(out, "[I] Timing trace has %llu queries over %g s\n", (unsigned long long)t->queries, bench_ms / 1e3);
    fprintf(out, "[I] \n[I] === Performance summary ===\n");
    fprintf(out, "[I] Throughput: %g qps\n", (double)t->queries / (bench_ms / 1e3));
    stats_line(out, "Latency", l);
    stats_line(out, "Enqueue Time", 0.0);
    stats_line(out, "H2D Latency", 0.0);
    stats_line(out, "GPU Compute Time", l);
    stats_line(out, "D2H Latency", 0.0);
    fprintf(out, "[I] Total Host Walltime: %g s\n", bench_ms / 1e3);
    fprintf(out, "[I] Total GPU Compute Time: %g s\n", bench_ms / 1e3);
    fprintf(out,
            "[I] dlasim: a query is one inference of the whole batch: %.1f images/s (%d images per query, 1 DLA "
            "core), the figure `dlasim run` reports\n",
            s->images_per_s, r->meta.batch);
    fprintf(out,
            "[I] dlasim: \"GPU Compute Time\" is the SIMULATED DLA time of one query; enqueue, H2D and D2H are not "
            "modelled (0 ms), so Latency = GPU Compute Time and Total Host Walltime = Total GPU Compute Time\n");
    /* GPU fallback: where the query's time went (GPU records are sequential with the DLA subgraphs). */
    uint64_t gpu = 0, boundary = 0;
    int gpu_layers = 0, boundaries = 0;
    for (size_t i = 0; i < r->num_layers; ++i) {
        const dla_layer_record *y = &r->layers[i];
        if (strcmp(y->engine, "GPU") != 0)
            continue;
        if (strcmp(y->op, "reformat") == 0) {
            boundary += y->cycles;
            boundaries++;
        } else {
            gpu += y->cycles;
            gpu_layers++;
        }
    }
    if (gpu_layers || boundaries) {
        uint64_t dla = s->total_cycles > gpu + boundary ? s->total_cycles - gpu - boundary : 0;
        fprintf(out,
                "[I] dlasim: GPU fallback: of the %g ms, DLA subgraphs (and driver) %g ms, %d GPU layer(s) %g ms, %d "
                "DLA<->GPU "
                "boundaries (sync + reformat) %g ms (SIMULATED; GPU times from the GPU model, docs/runtime.md)\n",
                l, cycles_ms(dla, s->clock_mhz), gpu_layers, cycles_ms(gpu, s->clock_mhz), boundaries,
                cycles_ms(boundary, s->clock_mhz));
    }
}

static double cycles_ms(uint64_t cycles, double clock_mhz)
{
    return (double)cycles / (clock_mhz * 1e3);
}

void trt_print_profile(const dla_run_result *r, const trt_timing *t, const uint64_t *shares, FILE *out)
{
    const char *name_hdr = "Layer", *time_hdr = "   Time (ms)", *avg_hdr = "   Avg. Time (ms)",
               *med_hdr = "   Median Time (ms)", *pct_hdr = "   Time %";
    int name_w = (int)strlen(name_hdr);
    for (size_t i = 0; i < r->num_layers; ++i) {
        int n = (int)strnlen(r->layers[i].name, sizeof r->layers[i].name) + 1;
        if (n > name_w)
            name_w = n;
    }
    int time_w = (int)strlen(time_hdr), avg_w = (int)strlen(avg_hdr), med_w = (int)strlen(med_hdr),
        pct_w = (int)strlen(pct_hdr);
    double q = (double)t->queries, clock = r->summary.clock_mhz, total = (double)r->summary.total_cycles;
    fprintf(out, "[I] \n[I] === Profile (%llu iterations ) ===\n", (unsigned long long)t->queries);
    fprintf(out, "[I] %*s%s%s%s%s\n", name_w, name_hdr, time_hdr, avg_hdr, med_hdr, pct_hdr);
    for (size_t i = 0; i < r->num_layers; ++i) {
        double ms = cycles_ms(shares[i], clock);
        fprintf(out, "[I] %*.*s%*.2f%*.4f%*.4f%*.1f\n", name_w, (int)sizeof r->layers[i].name, r->layers[i].name,
                time_w, ms * q, avg_w, ms, med_w, ms, pct_w, (double)shares[i] / total * 100.0);
    }
    fprintf(out, "[I] %*s%*.2f%*.4f%*.4f%*.1f\n", name_w, "Total", time_w, t->latency_ms * q, avg_w, t->latency_ms,
            med_w, t->latency_ms, pct_w, 100.0);
}

typedef void (*emit_fn)(FILE *f, const void *ctx);

static dla_status write_atomic(const char *path, emit_fn emit, const void *ctx, dla_error *err)
{
    dla_output out;
    dla_status st = dla_output_begin(&out, path, err);
    if (st != DLA_OK)
        return st;
    FILE *f = dla_output_fopen(&out, "w", err);
    if (!f) {
        dla_output_abort(&out);
        return DLA_ERR_IO;
    }
    emit(f, ctx);
    int bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        dla_output_abort(&out);
        return dla_error_set(err, DLA_ERR_IO, "%s: write failed", path);
    }
    return dla_output_commit(&out, err);
}

static void json_string(FILE *f, const char *s, size_t cap)
{
    fputc('"', f);
    for (size_t i = 0; i < cap && s[i]; ++i) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

typedef struct profile_ctx {
    const dla_run_result *r;
    const trt_timing *t;
    const uint64_t *shares;
} profile_ctx;

/* trtexec's exportJSONProfile layout: a {"count"} header entry, then one entry per layer. */
static void emit_profile(FILE *f, const void *pctx)
{
    const profile_ctx *c = pctx;
    double q = (double)c->t->queries, clock = c->r->summary.clock_mhz, total = (double)c->r->summary.total_cycles;
    fprintf(f, "[\n  { \"count\" : %llu }\n", (unsigned long long)c->t->queries);
    for (size_t i = 0; i < c->r->num_layers; ++i) {
        const dla_layer_record *l = &c->r->layers[i];
        double ms = cycles_ms(c->shares[i], clock);
        fprintf(f, ", { \"name\" : ");
        json_string(f, l->name, sizeof l->name);
        fprintf(f, ", \"timeMs\" : %.9g, \"averageMs\" : %.9g, \"medianMs\" : %.9g, \"percentage\" : %.9g }\n", ms * q,
                ms, ms, (double)c->shares[i] / total * 100.0);
    }
    fprintf(f, "]\n");
}

dla_status trt_write_profile(const char *path, const dla_run_result *r, const trt_timing *t, const uint64_t *shares,
                             dla_error *err)
{
    profile_ctx c = {r, t, shares};
    return write_atomic(path, emit_profile, &c, err);
}

/* trtexec's exportJSONTrace layout: one entry per timed query, times in ms from the first warm-up
 * query's start; enqueue, H2D and D2H take no time (not modelled). */
static void emit_times(FILE *f, const void *pctx)
{
    const trt_timing *t = pctx;
    double l = t->latency_ms;
    fprintf(f, "[\n");
    for (uint64_t k = 0; k < t->queries; ++k) {
        double start = (double)(t->warmup_queries + k) * l, end = start + l;
        fprintf(f,
                "%s{ \"startEnqMs\" : %.9g, \"endEnqMs\" : %.9g, \"startH2dMs\" : %.9g, \"endH2dMs\" : %.9g, "
                "\"startComputeMs\" : %.9g, \"endComputeMs\" : %.9g, \"startD2hMs\" : %.9g, \"endD2hMs\" : %.9g, "
                "\"h2dMs\" : 0, \"computeMs\" : %.9g, \"d2hMs\" : 0, \"latencyMs\" : %.9g, \"endToEndMs\" : %.9g }\n",
                k ? ", " : "  ", start, start, start, start, start, end, end, end, l, l, l);
    }
    fprintf(f, "]\n");
}

dla_status trt_times_fit(const trt_timing *t, dla_error *err)
{
    if (t->queries > TRT_MAX_EXPORTED_QUERIES)
        return dla_error_set(err, DLA_ERR_LIMIT,
                             "%llu timed queries, and one entry is written per query (as trtexec does), at most %llu; "
                             "lower --duration (e.g. --duration=0 --iterations=N)",
                             (unsigned long long)t->queries, TRT_MAX_EXPORTED_QUERIES);
    return DLA_OK;
}

dla_status trt_write_times(const char *path, const trt_timing *t, dla_error *err)
{
    dla_status st = trt_times_fit(t, err);
    if (st != DLA_OK) {
        dla_error_prefix(err, "%s", path);
        return st;
    }
    return write_atomic(path, emit_times, t, err);
}
