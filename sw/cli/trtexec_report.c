/* `dlasim trtexec` output: trtexec's performance summary, per-layer profile and per-query times,
 * built from the simulated inferences (simulated timed queries keep their simulated times, the rest
 * are extrapolated at the steady-state period; trtexec.h). Formats: docs/trtexec.md. */
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

int trt_timing_derive(const trt_args *a, const cli_inference_stats *st, const dla_inference_record *rec,
                      double clock_mhz, trt_timing *t)
{
    memset(t, 0, sizeof *t);
    double p = st->period_ms;
    if (!(p > 0) || !(st->mean_ms > 0)) {
        cli_error(&a->o, "simulated steady-state period %g ms and mean latency %g ms, expected > 0", p, st->mean_ms);
        return CLI_EXIT_ERROR;
    }
    /* Warm-up: queries until --warmUp ms have passed (the simulated warm-up inference is the first). */
    double warmup = a->warmup_ms > 0 ? ceil_tolerant(a->warmup_ms / p) : 0.0;
    if (warmup < st->warmup)
        warmup = st->warmup;
    /* trtexec stops once both --iterations and --duration are reached. */
    double queries = ceil_tolerant(a->duration_s * 1e3 / p);
    if (queries < a->iterations)
        queries = a->iterations;
    if (queries < st->timed)
        queries = st->timed;
    if (queries > 1e12 || warmup > 1e12) {
        cli_error(&a->o, "--duration/--warmUp: %g ms per query would need more than 1e12 queries", p);
        return CLI_EXIT_ERROR;
    }
    t->st = st;
    t->rec = rec;
    t->clock_mhz = clock_mhz;
    t->latency_ms = st->mean_ms;
    t->period_ms = p;
    t->warmup_queries = (uint64_t)warmup;
    t->queries = (uint64_t)queries;
    t->simulated_inferences = st->simulated;
    return CLI_EXIT_OK;
}

void trt_query_times(const trt_timing *t, uint64_t q, double *start_ms, double *end_ms)
{
    const cli_inference_stats *st = t->st;
    /* Extrapolated warm-up queries come before the simulated timed ones. */
    double shift = (double)(t->warmup_queries - st->warmup) * t->period_ms;
    double ms = 1.0 / (t->clock_mhz * 1e3);
    if (q < st->timed) {
        const dla_inference_record *r = &t->rec[st->warmup + q];
        *start_ms = shift + (double)r->submit_cycle * ms;
        *end_ms = shift + (double)r->done_cycle * ms;
        return;
    }
    double last = shift + (double)t->rec[st->simulated - 1].done_cycle * ms;
    *end_ms = last + (double)(q - st->timed + 1) * t->period_ms;
    *start_ms = *end_ms - t->latency_ms;
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

/* Profile entries: the run's layers merged by name (each inference's copy of a layer is one entry),
 * in order of first appearance; cycles[e] = the merged shares, first[e] = a record of that name. */
static size_t profile_entries(const dla_run_result *r, const uint64_t *shares, size_t *first, uint64_t *cycles)
{
    size_t n = 0;
    for (size_t i = 0; i < r->num_layers; ++i) {
        size_t e = 0;
        while (e < n && strncmp(r->layers[first[e]].name, r->layers[i].name, sizeof r->layers[i].name) != 0)
            e++;
        if (e == n) {
            first[n] = i;
            cycles[n++] = 0;
        }
        cycles[e] += shares[i];
    }
    return n;
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

static void stats_line(FILE *out, const char *what, double min, double max, double mean, double median, double p90,
                       double p95, double p99)
{
    fprintf(out,
            "[I] %s: min = %g ms, max = %g ms, mean = %g ms, median = %g ms, percentile(90%%) = %g ms, "
            "percentile(95%%) = %g ms, percentile(99%%) = %g ms\n",
            what, min, max, mean, median, p90, p95, p99);
}

static void zero_line(FILE *out, const char *what)
{
    stats_line(out, what, 0, 0, 0, 0, 0, 0, 0);
}

static double cycles_ms(uint64_t cycles, double clock_mhz);

void trt_print_summary(const trt_args *a, const dla_run_result *r, const trt_timing *t, double wall_s, FILE *out)
{
    const dla_run_summary *s = &r->summary;
    const cli_inference_stats *st = t->st;
    double first_start, last_end, unused;
    trt_query_times(t, 0, &first_start, &unused);
    trt_query_times(t, t->queries - 1, &unused, &last_end);
    double host_ms = last_end - first_start, compute_ms = 0;
    for (uint64_t q = 0; q < t->queries; ++q) {
        double b, e;
        trt_query_times(t, q, &b, &e);
        compute_ms += e - b;
    }
    fprintf(out,
            "[I] dlasim: %u inferences simulated back to back (%u warm-up, %u timed): %llu cycles at %.1f MHz, a batch "
            "of %d each on DLA core %d (%.2f s of host time)\n",
            st->simulated, st->warmup, st->timed, (unsigned long long)s->total_cycles, s->clock_mhz, r->meta.batch,
            a->o.core, wall_s);
    fprintf(out,
            "[I] dlasim: first inference %g ms (nothing in flight before it); steady state one query every %g ms; "
            "the next inference's first ops are programmed while the previous one drains\n",
            st->first_ms, t->period_ms);
    if (t->queries > st->timed || t->warmup_queries > st->warmup)
        fprintf(out,
                "[I] dlasim: of the %llu warm-up and %llu timed queries, %u and %u were simulated; the others are "
                "extrapolated one per steady-state period (raise --simIterations to simulate more)\n",
                (unsigned long long)t->warmup_queries, (unsigned long long)t->queries, st->warmup, st->timed);
    if (st->min_ms == st->max_ms)
        fprintf(out, "[I] dlasim: every simulated timed query took the same time: nothing varied between them\n");
    fprintf(out, "[I] Warmup completed %llu queries over %g ms\n", (unsigned long long)t->warmup_queries, a->warmup_ms);
    fprintf(out, "[I] Timing trace has %llu queries over %g s\n", (unsigned long long)t->queries, host_ms / 1e3);
    fprintf(out, "[I] \n[I] === Performance summary ===\n");
    fprintf(out, "[I] Throughput: %g qps\n", 1e3 / t->period_ms);
    stats_line(out, "Latency", st->min_ms, st->max_ms, st->mean_ms, st->median_ms, st->p90_ms, st->p95_ms, st->p99_ms);
    zero_line(out, "Enqueue Time");
    zero_line(out, "H2D Latency");
    stats_line(out, "GPU Compute Time", st->min_ms, st->max_ms, st->mean_ms, st->median_ms, st->p90_ms, st->p95_ms,
               st->p99_ms);
    zero_line(out, "D2H Latency");
    fprintf(out, "[I] Total Host Walltime: %g s\n", host_ms / 1e3);
    fprintf(out, "[I] Total GPU Compute Time: %g s\n", compute_ms / 1e3);
    fprintf(out,
            "[I] dlasim: a query is one inference of the whole batch: %.1f images/s at the steady state (%d images per "
            "query, 1 DLA core)\n",
            1e3 / t->period_ms * r->meta.batch, r->meta.batch);
    fprintf(out, "[I] dlasim: Throughput = 1 / the steady-state period; Latency and \"GPU Compute Time\" are the "
                 "SIMULATED submission-to-completion times of the simulated timed queries; enqueue, H2D and D2H are "
                 "not modelled (0 ms)\n");
    /* GPU fallback: where an inference's time went (the GPU records are sequential with its subgraphs). */
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
        double n = st->simulated, per = cycles_ms(s->total_cycles, s->clock_mhz) / n;
        double g = cycles_ms(gpu, s->clock_mhz) / n, b = cycles_ms(boundary, s->clock_mhz) / n;
        fprintf(out,
                "[I] dlasim: GPU fallback, per simulated inference: of %g ms, DLA subgraphs (and driver) %g ms, %g GPU "
                "layer(s) %g ms, %g DLA<->GPU boundaries (sync + reformat) %g ms (SIMULATED; GPU times from the GPU "
                "model, docs/runtime.md)\n",
                per, per - g - b, gpu_layers / n, g, boundaries / n, b);
    }
}

static double cycles_ms(uint64_t cycles, double clock_mhz)
{
    return (double)cycles / (clock_mhz * 1e3);
}

void trt_print_profile(const dla_run_result *r, const trt_timing *t, const uint64_t *shares, FILE *out)
{
    size_t n = r->num_layers ? r->num_layers : 1;
    size_t *first = malloc(n * sizeof *first);
    uint64_t *cycles = malloc(n * sizeof *cycles);
    if (!first || !cycles) {
        free(first);
        free(cycles);
        fprintf(out, "[I] (profile: out of memory)\n");
        return;
    }
    size_t entries = profile_entries(r, shares, first, cycles);
    const char *name_hdr = "Layer", *time_hdr = "   Time (ms)", *avg_hdr = "   Avg. Time (ms)",
               *med_hdr = "   Median Time (ms)", *pct_hdr = "   Time %";
    int name_w = (int)strlen(name_hdr);
    for (size_t e = 0; e < entries; ++e) {
        int w = (int)strnlen(r->layers[first[e]].name, sizeof r->layers[first[e]].name) + 1;
        if (w > name_w)
            name_w = w;
    }
    int time_w = (int)strlen(time_hdr), avg_w = (int)strlen(avg_hdr), med_w = (int)strlen(med_hdr),
        pct_w = (int)strlen(pct_hdr);
    double q = (double)t->queries, clock = r->summary.clock_mhz, total = (double)r->summary.total_cycles;
    double per = t->simulated_inferences;
    fprintf(out, "[I] \n[I] === Profile (%llu iterations ) ===\n", (unsigned long long)t->queries);
    fprintf(out, "[I] %*s%s%s%s%s\n", name_w, name_hdr, time_hdr, avg_hdr, med_hdr, pct_hdr);
    for (size_t e = 0; e < entries; ++e) {
        const dla_layer_record *y = &r->layers[first[e]];
        double ms = cycles_ms(cycles[e], clock) / per;
        fprintf(out, "[I] %*.*s%*.2f%*.4f%*.4f%*.1f\n", name_w, (int)sizeof y->name, y->name, time_w, ms * q, avg_w, ms,
                med_w, ms, pct_w, (double)cycles[e] / total * 100.0);
    }
    double ms = cycles_ms(r->summary.total_cycles, clock) / per;
    fprintf(out, "[I] %*s%*.2f%*.4f%*.4f%*.1f\n", name_w, "Total", time_w, ms * q, avg_w, ms, med_w, ms, pct_w, 100.0);
    free(first);
    free(cycles);
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
    size_t *first;
    uint64_t *cycles;
    size_t entries;
} profile_ctx;

/* trtexec's exportJSONProfile layout: a {"count"} header entry, then one entry per layer: its share of
 * the simulated run per simulated inference (averageMs; the entries add up to the run's time per
 * inference), timeMs = averageMs x count. */
static void emit_profile(FILE *f, const void *pctx)
{
    const profile_ctx *c = pctx;
    const dla_run_result *r = c->r;
    double q = (double)c->t->queries, clock = r->summary.clock_mhz, total = (double)r->summary.total_cycles;
    double per = c->t->simulated_inferences;
    fprintf(f, "[\n  { \"count\" : %llu }\n", (unsigned long long)c->t->queries);
    for (size_t e = 0; e < c->entries; ++e) {
        const dla_layer_record *l = &r->layers[c->first[e]];
        double ms = cycles_ms(c->cycles[e], clock) / per;
        fprintf(f, ", { \"name\" : ");
        json_string(f, l->name, sizeof l->name);
        fprintf(f, ", \"timeMs\" : %.9g, \"averageMs\" : %.9g, \"medianMs\" : %.9g, \"percentage\" : %.9g }\n", ms * q,
                ms, ms, (double)c->cycles[e] / total * 100.0);
    }
    fprintf(f, "]\n");
}

dla_status trt_write_profile(const char *path, const dla_run_result *r, const trt_timing *t, const uint64_t *shares,
                             dla_error *err)
{
    size_t n = r->num_layers ? r->num_layers : 1;
    profile_ctx c = {r, t, malloc(n * sizeof(size_t)), malloc(n * sizeof(uint64_t)), 0};
    if (!c.first || !c.cycles) {
        free(c.first);
        free(c.cycles);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
    }
    c.entries = profile_entries(r, shares, c.first, c.cycles);
    dla_status st = write_atomic(path, emit_profile, &c, err);
    free(c.first);
    free(c.cycles);
    return st;
}

/* trtexec's exportJSONTrace layout: one entry per timed query, times in ms from the first warm-up
 * query's start; enqueue, H2D and D2H take no time (not modelled). */
static void emit_times(FILE *f, const void *pctx)
{
    const trt_timing *t = pctx;
    fprintf(f, "[\n");
    for (uint64_t k = 0; k < t->queries; ++k) {
        double start, end;
        trt_query_times(t, k, &start, &end);
        double l = end - start;
        fprintf(
            f,
            "%s{ \"startEnqMs\" : %.12g, \"endEnqMs\" : %.12g, \"startH2dMs\" : %.12g, \"endH2dMs\" : %.12g, "
            "\"startComputeMs\" : %.12g, \"endComputeMs\" : %.12g, \"startD2hMs\" : %.12g, \"endD2hMs\" : %.12g, "
            "\"h2dMs\" : 0, \"computeMs\" : %.12g, \"d2hMs\" : 0, \"latencyMs\" : %.12g, \"endToEndMs\" : %.12g }\n",
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
