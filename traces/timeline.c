/* `dlasim trace timeline`: a run result as Chrome trace-event JSON (chrome://tracing, Perfetto), so
 * users see what each DLA engine did when, Nsight-style: op and layer slices, and from the sampled
 * activity (/samples) a busy-% counter per unit and DRAM/SRAM GB/s counters per core and for all
 * cores. Times are SIMULATED: cycles / clock_mhz.
 * Output depends only on the result (fixed formats, record order), so one trace gives one file. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dla/output_file.h"
#include "dla/trace.h"

/* Track (thread id) of each op kind inside its engine's process; tid 0 is the Layers track. */
static const struct {
    const char *kind;
    const char *track;
} op_tracks[] = {{"conv", "CONV"}, {"sdp", "SDP"}, {"pdp", "PDP"}};
enum {
    NUM_OP_TRACKS = sizeof op_tracks / sizeof op_tracks[0],
    LAYERS_TID = 0,
    /* GPU fallback: the DLA<->GPU boundaries (sync + reformat) on the GPU process, and the driver's
     * DLA subgraph submissions on each DLA process. */
    REFORMAT_TID = NUM_OP_TRACKS + 1,
    SUBGRAPH_TID = NUM_OP_TRACKS + 2,
    /* Engines not named DLA<n> (e.g. "GPU" layers) get pids from here on, in order of appearance. */
    OTHER_PID_BASE = 100,
    /* The DRAM traffic of all DLA cores together (counters only). */
    MEMORY_PID = OTHER_PID_BASE - 1
};

typedef struct engine {
    char name[24];
    long pid;
    int has_layers;
    int has_track[NUM_OP_TRACKS];
    int has_reformat, has_subgraphs;
} engine;

static int is_reformat(const dla_layer_record *l)
{
    return strcmp(l->op, "reformat") == 0;
}

static int track_of(const char *kind)
{
    for (int t = 0; t < NUM_OP_TRACKS; ++t)
        if (strcmp(kind, op_tracks[t].kind) == 0)
            return t;
    return -1;
}

/* "DLA<n>" -> n, otherwise -1. */
static long dla_core_of(const char *engine_name)
{
    if (strncmp(engine_name, "DLA", 3) != 0 || engine_name[3] < '0' || engine_name[3] > '9')
        return -1;
    char *end;
    long n = strtol(engine_name + 3, &end, 10);
    return *end == '\0' && n < OTHER_PID_BASE ? n : -1;
}

static engine *find_engine(engine *e, size_t n, const char *name)
{
    for (size_t i = 0; i < n; ++i)
        if (strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

static engine *add_engine(engine *e, size_t *n, const char *name)
{
    engine *x = find_engine(e, *n, name);
    if (x)
        return x;
    x = &e[(*n)++];
    memset(x, 0, sizeof *x);
    snprintf(x->name, sizeof x->name, "%s", name);
    long core = dla_core_of(name);
    x->pid = core >= 0 ? core : -1;
    return x;
}

static void put_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* Shortest of 15 or 17 significant digits that reads back as the same double (1331.2, not
 * 1331.2000000000001). JSON has no inf/nan. */
static void put_json_num(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, f);
}

/* Microseconds with picosecond resolution: finer than any DLA clock period, so no two distinct
 * cycle counts print the same, and the text is fixed for a given value. */
static void put_us(FILE *f, uint64_t cycles, double clock_mhz)
{
    fprintf(f, "%.6f", (double)cycles / clock_mhz);
}

static void put_meta(FILE *f, int *first, long pid, long tid, const char *what, const char *key, const char *str,
                     long num)
{
    fputs(*first ? "\n" : ",\n", f);
    *first = 0;
    fprintf(f, "{\"ph\": \"M\", \"pid\": %ld, \"tid\": %ld, \"name\": \"%s\", \"args\": {\"%s\": ", pid, tid, what,
            key);
    if (str)
        put_json_str(f, str);
    else
        fprintf(f, "%ld", num);
    fputs("}}", f);
}

static void put_metadata(FILE *f, int *first, const engine *e, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        put_meta(f, first, e[i].pid, 0, "process_name", "name", e[i].name, 0);
        put_meta(f, first, e[i].pid, 0, "process_sort_index", "sort_index", NULL, e[i].pid);
        if (e[i].has_layers) {
            put_meta(f, first, e[i].pid, LAYERS_TID, "thread_name", "name", "Layers", 0);
            put_meta(f, first, e[i].pid, LAYERS_TID, "thread_sort_index", "sort_index", NULL, LAYERS_TID);
        }
        for (int t = 0; t < NUM_OP_TRACKS; ++t)
            if (e[i].has_track[t]) {
                put_meta(f, first, e[i].pid, t + 1, "thread_name", "name", op_tracks[t].track, 0);
                put_meta(f, first, e[i].pid, t + 1, "thread_sort_index", "sort_index", NULL, t + 1);
            }
        if (e[i].has_reformat) {
            put_meta(f, first, e[i].pid, REFORMAT_TID, "thread_name", "name", "Reformat+sync", 0);
            put_meta(f, first, e[i].pid, REFORMAT_TID, "thread_sort_index", "sort_index", NULL, REFORMAT_TID);
        }
        if (e[i].has_subgraphs) {
            put_meta(f, first, e[i].pid, SUBGRAPH_TID, "thread_name", "name", "Driver: DLA subgraphs", 0);
            put_meta(f, first, e[i].pid, SUBGRAPH_TID, "thread_sort_index", "sort_index", NULL, SUBGRAPH_TID);
        }
    }
}

static void put_event_head(FILE *f, int *first, const char *name, const char *cat, long pid, long tid, uint64_t start,
                           uint64_t end, double clock_mhz)
{
    uint64_t cycles = end > start ? end - start : 0;
    fputs(*first ? "\n" : ",\n", f);
    *first = 0;
    fputs("{\"ph\": \"X\", \"name\": ", f);
    put_json_str(f, name);
    fprintf(f, ", \"cat\": \"%s\", \"pid\": %ld, \"tid\": %ld, \"ts\": ", cat, pid, tid);
    put_us(f, start, clock_mhz);
    fputs(", \"dur\": ", f);
    put_us(f, cycles, clock_mhz);
    fprintf(f, ", \"args\": {\"start_cycle\": %llu, \"end_cycle\": %llu, \"cycles\": %llu", (unsigned long long)start,
            (unsigned long long)end, (unsigned long long)cycles);
}

static void put_layer(FILE *f, int *first, const dla_layer_record *l, long pid, double clock_mhz)
{
    put_event_head(f, first, l->name, "layer", pid, is_reformat(l) ? REFORMAT_TID : LAYERS_TID, l->start_cycle,
                   l->end_cycle, clock_mhz);
    fputs(", \"op\": ", f);
    put_json_str(f, l->op);
    fprintf(f, ", \"macs\": %llu, \"dram_read_bytes\": %llu, \"dram_write_bytes\": %llu, \"mac_utilization\": ",
            (unsigned long long)l->macs, (unsigned long long)l->dram_read_bytes,
            (unsigned long long)l->dram_write_bytes);
    put_json_num(f, l->mac_utilization);
    fputs(", \"bound\": ", f);
    put_json_str(f, l->bound);
    fputs("}}", f);
}

static void put_op(FILE *f, int *first, const dla_op_record *o, long pid, int track, double clock_mhz)
{
    put_event_head(f, first, o->layer, op_tracks[track].kind, pid, track + 1, o->start_cycle, o->end_cycle, clock_mhz);
    fputs(", \"layer\": ", f);
    put_json_str(f, o->layer);
    fprintf(f,
            ", \"op_index\": %llu, \"layer_index\": %llu, \"batch_index\": %llu, \"dram_read_bytes\": %llu, "
            "\"dram_write_bytes\": %llu, \"macs\": %llu}}",
            (unsigned long long)o->op_index, (unsigned long long)o->layer_index, (unsigned long long)o->batch_index,
            (unsigned long long)o->dram_read_bytes, (unsigned long long)o->dram_write_bytes,
            (unsigned long long)o->macs);
}

/* The driver's DLA subgraph submissions of engine x: each maximal run of its layer records (in record
 * order, which is execution order for a GPU-fallback run) ended by a GPU record is one submission. */
static void put_subgraphs(FILE *f, int *first, const dla_run_result *r, const engine *x)
{
    int open = 0, k = 0;
    uint64_t s = 0, t = 0;
    for (size_t i = 0; i <= r->num_layers; ++i) {
        const dla_layer_record *l = i < r->num_layers ? &r->layers[i] : NULL;
        if (l && strcmp(l->engine, x->name) == 0) {
            s = open && s < l->start_cycle ? s : l->start_cycle;
            t = open && t > l->end_cycle ? t : l->end_cycle;
            open = 1;
            continue;
        }
        if (open && (!l || dla_core_of(l->engine) < 0)) {
            char name[48];
            snprintf(name, sizeof name, "DLA subgraph %d", k++);
            put_event_head(f, first, name, "subgraph", x->pid, SUBGRAPH_TID, s, t, r->summary.clock_mhz);
            fputs("}}", f);
            open = 0;
        }
    }
}

/* What a /samples series is drawn as (see dla_samples: "dla<N>.<unit>.busy_cycles", "dla<N>.dram_read_bytes", ...). */
typedef enum series_kind {
    SERIES_NONE, /* not drawn */
    SERIES_BUSY,
    SERIES_DRAM_READ,
    SERIES_DRAM_WRITE,
    SERIES_SRAM_READ,
    SERIES_SRAM_WRITE
} series_kind;

/* The kind of series s, its core and (busy series) its track name: "CMAC" for "dla0.cmac.busy_cycles". */
static series_kind classify(const dla_sample_series *s, long *core, char *track, size_t cap)
{
    static const char busy[] = ".busy_cycles";
    static const struct {
        const char *rest;
        series_kind kind;
        const char *track;
    } bytes[] = {{"dram_read_bytes", SERIES_DRAM_READ, "DRAM read"},
                 {"dram_write_bytes", SERIES_DRAM_WRITE, "DRAM write"},
                 {"sram_read_bytes", SERIES_SRAM_READ, "SRAM read"},
                 {"sram_write_bytes", SERIES_SRAM_WRITE, "SRAM write"}};
    if (strncmp(s->name, "dla", 3) != 0 || s->name[3] < '0' || s->name[3] > '9')
        return SERIES_NONE;
    char *end;
    *core = strtol(s->name + 3, &end, 10);
    if (*end != '.' || *core >= MEMORY_PID)
        return SERIES_NONE;
    const char *rest = end + 1;
    size_t n = strlen(rest);
    if (strcmp(s->unit, "cycles") == 0 && n > sizeof busy - 1 && strcmp(rest + n - (sizeof busy - 1), busy) == 0) {
        size_t k = 0;
        for (; k < n - (sizeof busy - 1) && k + 1 < cap; ++k)
            track[k] = rest[k] == '.' ? ' ' : (char)(rest[k] >= 'a' && rest[k] <= 'z' ? rest[k] - 'a' + 'A' : rest[k]);
        track[k] = '\0';
        return SERIES_BUSY;
    }
    for (size_t i = 0; strcmp(s->unit, "bytes") == 0 && i < sizeof bytes / sizeof bytes[0]; ++i)
        if (strcmp(rest, bytes[i].rest) == 0) {
            snprintf(track, cap, "%s", bytes[i].track);
            return bytes[i].kind;
        }
    return SERIES_NONE;
}

static void put_counter(FILE *f, int *first, const char *name, long pid, uint64_t cycle, double clock_mhz,
                        const char *arg, double value)
{
    fputs(*first ? "\n" : ",\n", f);
    *first = 0;
    fputs("{\"ph\": \"C\", \"name\": ", f);
    put_json_str(f, name);
    fprintf(f, ", \"pid\": %ld, \"ts\": ", pid);
    put_us(f, cycle, clock_mhz);
    fprintf(f, ", \"args\": {\"%s\": ", arg);
    put_json_num(f, value);
    fputs("}}", f);
}

/* One counter track: value[w] from the start of window w, and 0 from the end of the run on. */
static void put_track(FILE *f, int *first, const dla_samples *sm, const char *name, long pid, const char *arg,
                      const double *value, double clock_mhz)
{
    for (size_t w = 0; w < sm->num_windows; ++w)
        put_counter(f, first, name, pid, w ? sm->end_cycle[w - 1] : 0, clock_mhz, arg, value[w]);
    put_counter(f, first, name, pid, sm->end_cycle[sm->num_windows - 1], clock_mhz, arg, 0.0);
}

/* GB/s of bytes moved in window w: bytes / (cycles / (clock_mhz x 1e6)) / 1e9. */
static double window_gbps(const dla_samples *sm, size_t w, uint64_t bytes, double clock_mhz)
{
    uint64_t len = sm->end_cycle[w] - (w ? sm->end_cycle[w - 1] : 0);
    return (double)bytes * clock_mhz / (double)len / 1e3;
}

/* The sampled activity as counter tracks: per core a busy-% track per unit and GB/s tracks per memory
 * and direction; with two or more cores, all cores' DRAM read and write GB/s on the MEMORY_PID process. value and total
 * hold num_windows entries each. */
static void put_samples(FILE *f, int *first, const dla_run_result *r, engine *e, size_t n, double *value,
                        uint64_t *total)
{
    const dla_samples *sm = &r->samples;
    const double mhz = r->summary.clock_mhz;
    const size_t nw = sm->num_windows, ns = sm->num_series;
    if (sm->window_cycles == 0 || nw == 0)
        return;
    long dram_cores = 0, last_dram_core = -1; /* cores with drawn DRAM series */
    for (size_t s = 0; s < ns; ++s) {
        long core;
        char track[96];
        series_kind kind = classify(&sm->series[s], &core, track, sizeof track);
        char engine_name[24];
        snprintf(engine_name, sizeof engine_name, "DLA%ld", core);
        if (kind == SERIES_NONE || !find_engine(e, n, engine_name))
            continue;
        if ((kind == SERIES_DRAM_READ || kind == SERIES_DRAM_WRITE) && core != last_dram_core) {
            dram_cores++;
            last_dram_core = core; /* a core's series are consecutive (dla_samples) */
        }
        if (kind == SERIES_BUSY) {
            /* CSC, CMAC and CACC count a layer's busy cycles when it ends, SDP/PDP/CDP a chunk's when it
             * is done: a window can hold more busy cycles than it is long. The excess happened earlier,
             * so it moves back to the preceding windows (from the last window to the first). */
            uint64_t carry = 0;
            for (size_t w = nw; w-- > 0;) {
                uint64_t len = sm->end_cycle[w] - (w ? sm->end_cycle[w - 1] : 0);
                uint64_t v = sm->values[w * ns + s] + carry;
                uint64_t shown = v < len ? v : len;
                carry = v - shown;
                value[w] = 100.0 * (double)shown / (double)len;
            }
            put_track(f, first, sm, track, core, "busy %", value, mhz);
        } else {
            for (size_t w = 0; w < nw; ++w)
                value[w] = window_gbps(sm, w, sm->values[w * ns + s], mhz);
            put_track(f, first, sm, track, core, "GB/s", value, mhz);
        }
    }
    if (dram_cores < 2)
        return; /* one core: its own DRAM tracks are the total */
    put_meta(f, first, MEMORY_PID, 0, "process_name", "name", "DRAM (all DLA cores)", 0);
    put_meta(f, first, MEMORY_PID, 0, "process_sort_index", "sort_index", NULL, MEMORY_PID);
    for (int dir = 0; dir < 2; ++dir) {
        series_kind want = dir ? SERIES_DRAM_WRITE : SERIES_DRAM_READ;
        memset(total, 0, nw * sizeof *total);
        for (size_t s = 0; s < ns; ++s) {
            long core;
            char track[96];
            if (classify(&sm->series[s], &core, track, sizeof track) == want)
                for (size_t w = 0; w < nw; ++w)
                    total[w] += sm->values[w * ns + s];
        }
        for (size_t w = 0; w < nw; ++w)
            value[w] = window_gbps(sm, w, total[w], mhz);
        put_track(f, first, sm, dir ? "DRAM write" : "DRAM read", MEMORY_PID, "GB/s", value, mhz);
    }
}

static void put_other_data(FILE *f, const dla_run_result *r)
{
    const dla_run_meta *m = &r->meta;
    fputs("\"otherData\": {\"time_base\": \"SIMULATED: ts and dur are simulated microseconds (cycles / clock_mhz), "
          "not host time\", \"clock_mhz\": ",
          f);
    put_json_num(f, r->summary.clock_mhz);
    fprintf(f, ", \"total_cycles\": %llu, \"config\": ", (unsigned long long)r->summary.total_cycles);
    put_json_str(f, m->config_name);
    fputs(", \"power_mode\": ", f);
    put_json_str(f, m->power_mode);
    fputs(", \"network\": ", f);
    put_json_str(f, m->network);
    fputs(", \"precision\": ", f);
    put_json_str(f, m->precision);
    fprintf(f, ", \"batch\": %d, \"cores\": %d, \"tool_version\": ", m->batch, m->cores);
    put_json_str(f, m->tool_version);
    if (r->samples.window_cycles > 0)
        fprintf(f, ", \"sample_window_cycles\": %llu, \"sample_windows\": %zu",
                (unsigned long long)r->samples.window_cycles, r->samples.num_windows);
    fputs("}", f);
}

/* Check the result and assign each engine its process before any file exists. */
static dla_status plan(const dla_run_result *r, const char *path, engine *e, size_t *n, dla_error *err)
{
    double mhz = r->summary.clock_mhz;
    if (!isfinite(mhz) || mhz <= 0)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: summary clock_mhz is %g; cycles need a positive clock", path,
                             mhz);
    if ((r->num_ops && !r->ops) || (r->num_layers && !r->layers))
        return dla_error_set(err, DLA_ERR_INVALID, "%s: result has %zu ops / %zu layers but no array for them", path,
                             r->num_ops, r->num_layers);
    *n = 0;
    for (size_t i = 0; i < r->num_ops; ++i) {
        const dla_op_record *o = &r->ops[i];
        int t = track_of(o->kind);
        if (t < 0)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: op %zu (layer '%s'): kind '%s' has no timeline track (expected conv, sdp or pdp)",
                                 path, i, o->layer, o->kind);
        if (dla_core_of(o->engine) < 0)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: op %zu (layer '%s'): engine '%s' is not DLA<core>", path, i,
                                 o->layer, o->engine);
        add_engine(e, n, o->engine)->has_track[t] = 1;
    }
    int any_gpu = 0;
    for (size_t i = 0; i < r->num_layers; ++i) {
        engine *x = add_engine(e, n, r->layers[i].engine);
        if (is_reformat(&r->layers[i]))
            x->has_reformat = 1;
        else
            x->has_layers = 1;
        any_gpu |= dla_core_of(r->layers[i].engine) < 0;
    }
    for (size_t i = 0; i < *n && any_gpu; ++i)
        e[i].has_subgraphs = dla_core_of(e[i].name) >= 0 && e[i].has_layers;
    const dla_samples *sm = &r->samples;
    if (sm->window_cycles > 0) {
        if ((sm->num_series && !sm->series) || (sm->num_windows && (!sm->end_cycle || (sm->num_series && !sm->values))))
            return dla_error_set(err, DLA_ERR_INVALID, "%s: samples: %zu series x %zu windows but no array for them",
                                 path, sm->num_series, sm->num_windows);
        for (size_t w = 0; w < sm->num_windows; ++w)
            if (sm->end_cycle[w] <= (w ? sm->end_cycle[w - 1] : 0) || sm->end_cycle[w] > r->summary.total_cycles)
                return dla_error_set(err, DLA_ERR_INVALID,
                                     "%s: samples: window %zu ends at cycle %llu, expected after the previous window "
                                     "and at most total_cycles %llu",
                                     path, w, (unsigned long long)sm->end_cycle[w],
                                     (unsigned long long)r->summary.total_cycles);
        for (size_t s = 0; s < sm->num_series; ++s) {
            long core;
            char track[96], name[24];
            if (!memchr(sm->series[s].name, '\0', sizeof sm->series[s].name) ||
                !memchr(sm->series[s].unit, '\0', sizeof sm->series[s].unit))
                return dla_error_set(err, DLA_ERR_INVALID, "%s: sample series %zu: name or unit is not NUL-terminated",
                                     path, s);
            if (classify(&sm->series[s], &core, track, sizeof track) == SERIES_NONE)
                continue;
            /* A core that ran nothing (a one-core run on a two-core SoC) gets no process of zeros. */
            int active = 0;
            for (size_t w = 0; w < sm->num_windows && !active; ++w)
                active = sm->values[w * sm->num_series + s] != 0;
            snprintf(name, sizeof name, "DLA%ld", core);
            if (active && !find_engine(e, *n, name))
                add_engine(e, n, name);
        }
    }
    long next = OTHER_PID_BASE;
    for (size_t i = 0; i < *n; ++i)
        if (e[i].pid < 0)
            e[i].pid = next++;
    return DLA_OK;
}

dla_status dla_trace_write_timeline(const dla_run_result *r, const char *path, dla_error *err)
{
    if (!r || !path || !*path)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_trace_write_timeline: result and path are required");
    size_t max_engines = r->num_ops + r->num_layers + r->samples.num_series;
    size_t nw = r->samples.num_windows;
    engine *e = calloc(max_engines ? max_engines : 1, sizeof *e);
    double *value = calloc(nw ? nw : 1, sizeof *value);
    uint64_t *total = calloc(nw ? nw : 1, sizeof *total);
    dla_output out = {0};
    FILE *f = NULL;
    dla_status st = DLA_OK;
    if (!e || !value || !total) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    size_t n = 0;
    if ((st = plan(r, path, e, &n, err)) != DLA_OK)
        goto fail;
    if ((st = dla_output_begin(&out, path, err)) != DLA_OK)
        goto fail;
    if (!(f = dla_output_fopen(&out, "w", err))) {
        st = DLA_ERR_IO;
        goto fail;
    }
    int first = 1;
    fputs("{\"traceEvents\": [", f);
    put_metadata(f, &first, e, n);
    for (size_t i = 0; i < r->num_layers; ++i)
        put_layer(f, &first, &r->layers[i], find_engine(e, n, r->layers[i].engine)->pid, r->summary.clock_mhz);
    for (size_t i = 0; i < n; ++i)
        if (e[i].has_subgraphs)
            put_subgraphs(f, &first, r, &e[i]);
    for (size_t i = 0; i < r->num_ops; ++i)
        put_op(f, &first, &r->ops[i], find_engine(e, n, r->ops[i].engine)->pid, track_of(r->ops[i].kind),
               r->summary.clock_mhz);
    put_samples(f, &first, r, e, n, value, total);
    fputs("\n],\n\"displayTimeUnit\": \"ns\",\n", f);
    put_other_data(f, r);
    fputs("}\n", f);
    int bad = ferror(f);
    int close_rc = fclose(f);
    f = NULL;
    if (bad || close_rc != 0) {
        st = dla_error_set(err, DLA_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        goto fail;
    }
    free(e);
    free(value);
    free(total);
    return dla_output_commit(&out, err);
fail:
    if (f)
        fclose(f);
    dla_output_abort(&out);
    free(e);
    free(value);
    free(total);
    return st;
}
