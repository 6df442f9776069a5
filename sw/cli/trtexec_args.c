/* `dlasim trtexec` flag parsing: trtexec's spelling (--flag=value, also --flag value), values
 * checked for syntax here and against the DLA's published I/O formats (orin-facts §3). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trtexec.h"

typedef enum flag_id {
    F_HELP,
    F_ONNX,
    F_LOAD_ENGINE,
    F_SAVE_ENGINE,
    F_INT8,
    F_FP16,
    F_CORE,
    F_SHAPES,
    F_ITERATIONS,
    F_WARMUP,
    F_DURATION,
    F_EXPORT_PROFILE,
    F_EXPORT_TIMES,
    F_DUMP_PROFILE,
    F_MEMPOOL,
    F_IN_FORMATS,
    F_OUT_FORMATS,
    F_STANDALONE,
    F_SPIN_WAIT,
    F_SEPARATE_PROFILE,
    F_IDLE_TIME,
    F_AVG_RUNS,
    F_NO_TRANSFERS,
    F_WORKSPACE,
    F_VERBOSE,
    F_GPU_FALLBACK,
    F_GAP,
    F_SPARSITY,
    F_CALIB,
    F_LAYER_PRECISIONS,
    F_CONFIG,
    F_POWER_MODE,
    F_SET,
    F_TRACE,
    F_SIM_ITERATIONS
} flag_id;

typedef struct trt_flag {
    const char *name;
    flag_id id;
    bool takes_value;
} trt_flag;

static const trt_flag flags[] = {
    {"--help", F_HELP, false},
    {"-h", F_HELP, false},
    {"--onnx", F_ONNX, true},
    {"--loadEngine", F_LOAD_ENGINE, true},
    {"--saveEngine", F_SAVE_ENGINE, true},
    {"--int8", F_INT8, false},
    {"--fp16", F_FP16, false},
    {"--useDLACore", F_CORE, true},
    {"--shapes", F_SHAPES, true},
    {"--iterations", F_ITERATIONS, true},
    {"--warmUp", F_WARMUP, true},
    {"--duration", F_DURATION, true},
    {"--exportProfile", F_EXPORT_PROFILE, true},
    {"--exportTimes", F_EXPORT_TIMES, true},
    {"--dumpProfile", F_DUMP_PROFILE, false},
    {"--memPoolSize", F_MEMPOOL, true},
    {"--inputIOFormats", F_IN_FORMATS, true},
    {"--outputIOFormats", F_OUT_FORMATS, true},
    {"--buildDLAStandalone", F_STANDALONE, false},
    {"--useSpinWait", F_SPIN_WAIT, false},
    {"--separateProfileRun", F_SEPARATE_PROFILE, false},
    {"--idleTime", F_IDLE_TIME, true},
    {"--avgRuns", F_AVG_RUNS, true},
    {"--noDataTransfers", F_NO_TRANSFERS, false},
    {"--workspace", F_WORKSPACE, true},
    {"--verbose", F_VERBOSE, false},
    {"-v", F_VERBOSE, false},
    {"--allowGPUFallback", F_GPU_FALLBACK, false},
    {"--gap", F_GAP, true},
    {"--sparsity", F_SPARSITY, true},
    {"--calib", F_CALIB, true},
    {"--layerPrecisions", F_LAYER_PRECISIONS, true},
    {"--config", F_CONFIG, true},
    {"--power-mode", F_POWER_MODE, true},
    {"--set", F_SET, true},
    {"--trace", F_TRACE, true},
    {"--simIterations", F_SIM_ITERATIONS, true},
};

void trt_note(trt_args *a, const char *fmt, ...)
{
    if (a->num_notes == TRT_MAX_NOTES)
        return; /* notes only explain ignored flags; a repeated flag's note is not needed twice */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->notes[a->num_notes++], TRT_NOTE_MAX, fmt, ap);
    va_end(ap);
}

static bool parse_int(const char *text, long lo, long hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static bool parse_double(const char *text, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

/* name:NxCxHxW[,name:...]; the name ends at the last ':' (ONNX names such as 'input_tensor:0' keep
 * theirs) and may be quoted with single quotes, as trtexec allows. */
static int parse_shapes(trt_args *a, const char *v)
{
    const char *p = v;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[2 * DLA_LNAME_MAX];
        if (len == 0 || len >= sizeof item) {
            cli_error(&a->o, "--shapes: expected name:NxCxHxW[,name:NxCxHxW...], got '%s'", v);
            return CLI_EXIT_USAGE;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        char *colon = strrchr(item, ':');
        if (!colon || colon == item || !colon[1]) {
            cli_error(&a->o, "--shapes: expected name:NxCxHxW, got '%s'", item);
            return CLI_EXIT_USAGE;
        }
        *colon = '\0';
        char *name = item, *dims = colon + 1;
        size_t nlen = strlen(name);
        if (nlen >= 2 && name[0] == '\'' && name[nlen - 1] == '\'') {
            name[nlen - 1] = '\0';
            name++;
        }
        if (!*name || strlen(name) >= DLA_LNAME_MAX) {
            cli_error(&a->o, "--shapes: bad input name in '%.*s'", (int)len, p);
            return CLI_EXIT_USAGE;
        }
        if (a->num_shapes == TRT_MAX_SHAPES) {
            cli_error(&a->o, "--shapes: too many inputs (at most %d)", TRT_MAX_SHAPES);
            return CLI_EXIT_USAGE;
        }
        for (int i = 0; i < a->num_shapes; ++i) {
            if (strcmp(a->shapes[i].name, name) == 0) {
                cli_error(&a->o, "--shapes: input '%s' is given twice", name);
                return CLI_EXIT_USAGE;
            }
        }
        trt_shape *s = &a->shapes[a->num_shapes];
        snprintf(s->name, sizeof s->name, "%s", name);
        s->ndims = 0;
        for (char *d = dims; d;) {
            char *x = strchr(d, 'x');
            if (x)
                *x = '\0';
            int dim = 0;
            if (!parse_int(d, 1, INT_MAX, &dim)) {
                cli_error(&a->o, "--shapes: input '%s': dimension '%s' is not a positive integer (expected NxCxHxW)",
                          name, d);
                return CLI_EXIT_USAGE;
            }
            if (s->ndims == 4) {
                cli_error(&a->o, "--shapes: input '%s' has more than 4 dimensions; dlasim's tensors are NCHW", name);
                return CLI_EXIT_ERROR;
            }
            s->dims[s->ndims++] = (uint32_t)dim;
            d = x ? x + 1 : NULL;
        }
        for (int i = s->ndims; i < 4; ++i)
            s->dims[i] = 1;
        a->num_shapes++;
        p = end ? end + 1 : p + len;
    }
    return CLI_EXIT_OK;
}

/* trtexec's IOfmt grammar (its --help): type ::= fp32|fp16|bf16|int32|int64|int8|uint8|bool,
 * fmt ::= chw|chw2|chw4|hwc8|chw16|chw32|dhwc8|cdhw32|hwc|dla_linear|dla_hwc4|hwc16|dhwc. */
static const char *const trt_types[] = {"fp32", "fp16", "bf16", "int32", "int64", "int8", "uint8", "bool"};
static const char *const trt_layouts[] = {"chw",    "chw2", "chw4",       "hwc8",     "chw16", "chw32", "dhwc8",
                                          "cdhw32", "hwc",  "dla_linear", "dla_hwc4", "hwc16", "dhwc"};

static bool in_list(const char *s, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; ++i)
        if (strlen(list[i]) == n && strncmp(s, list[i], n) == 0)
            return true;
    return false;
}

/* The DLA's I/O layouts (orin-facts §3, cuDLA): INT8 in dla_linear/dla_hwc4/chw32, FP16 in
 * dla_linear/chw16; INT8 out dla_linear/chw32, FP16 out dla_linear/chw16. */
static bool dla_layout_ok(bool input, bool int8, const char *s, size_t n)
{
    static const char *const in8[] = {"dla_linear", "dla_hwc4", "chw32"}, *const out8[] = {"dla_linear", "chw32"},
                             *const f16[] = {"dla_linear", "chw16"};
    if (!int8)
        return in_list(s, n, f16, 2);
    return input ? in_list(s, n, in8, 3) : in_list(s, n, out8, 2);
}

/* type:layout[+layout...][,type:layout...] */
static int parse_formats(trt_args *a, const char *flag, const char *v, bool input, trt_io_format *out, int *count)
{
    const char *dla = input ? "int8:dla_linear|dla_hwc4|chw32 or fp16:dla_linear|chw16"
                            : "int8:dla_linear|chw32 or fp16:dla_linear|chw16";
    const char *p = v;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (!colon || colon == p || colon + 1 == p + len) {
            cli_error(&a->o, "%s: expected type:format[,type:format...], got '%s'", flag, v);
            return CLI_EXIT_USAGE;
        }
        size_t tlen = (size_t)(colon - p);
        if (!in_list(p, tlen, trt_types, sizeof trt_types / sizeof *trt_types)) {
            cli_error(&a->o,
                      "%s: '%.*s' is not a TensorRT data type (fp32, fp16, bf16, int32, int64, int8, uint8, "
                      "bool)",
                      flag, (int)tlen, p);
            return CLI_EXIT_ERROR;
        }
        bool int8 = tlen == 4 && strncmp(p, "int8", 4) == 0, fp16 = tlen == 4 && strncmp(p, "fp16", 4) == 0;
        if (*count == TRT_MAX_FORMATS) {
            cli_error(&a->o, "%s: too many formats (at most %d)", flag, TRT_MAX_FORMATS);
            return CLI_EXIT_USAGE;
        }
        trt_io_format *f = &out[(*count)++];
        f->type = int8 ? DLA_PRECISION_INT8 : DLA_PRECISION_FP16;
        f->only_hwc4 = true;
        for (const char *l = colon + 1; l < p + len;) {
            const char *plus = memchr(l, '+', (size_t)(p + len - l));
            size_t llen = plus ? (size_t)(plus - l) : (size_t)(p + len - l);
            if (!in_list(l, llen, trt_layouts, sizeof trt_layouts / sizeof *trt_layouts)) {
                cli_error(&a->o,
                          "%s: '%.*s' in '%.*s' is not a TensorRT tensor format (chw, chw2, chw4, hwc8, chw16, "
                          "chw32, dhwc8, cdhw32, hwc, dla_linear, dla_hwc4, hwc16, dhwc)",
                          flag, (int)llen, l, (int)len, p);
                return CLI_EXIT_ERROR;
            }
            if (!(int8 || fp16) || !dla_layout_ok(input, int8, l, llen)) {
                cli_error(&a->o,
                          "%s: %.*s:%.*s is not a DLA %s format: the DLA takes %s (orin-facts §3); other formats "
                          "need GPU reformatting, which dlasim does not model",
                          flag, (int)tlen, p, (int)llen, l, input ? "input" : "output", dla);
                return CLI_EXIT_ERROR;
            }
            if (!(llen == 8 && strncmp(l, "dla_hwc4", 8) == 0))
                f->only_hwc4 = false;
            l = plus ? plus + 1 : p + len;
        }
        p = end ? end + 1 : p + len;
    }
    return CLI_EXIT_OK;
}

/* pool:size[,pool:size]; size in MiB, or with a base-2 suffix B, K, M, G (as trtexec accepts). */
static int check_mem_pools(trt_args *a, const char *v)
{
    static const char *const pools[] = {"workspace", "dlaSRAM", "dlaLocalDRAM", "dlaGlobalDRAM", "tacticSharedMem"};
    const char *p = v;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        char size[64];
        if (!colon || !in_list(p, (size_t)(colon - p), pools, sizeof pools / sizeof *pools) ||
            (size_t)(p + len - colon - 1) >= sizeof size) {
            cli_error(&a->o,
                      "--memPoolSize: expected pool:sizeMiB with pool workspace, dlaSRAM, dlaLocalDRAM, "
                      "dlaGlobalDRAM or tacticSharedMem, got '%.*s'",
                      (int)len, p);
            return CLI_EXIT_USAGE;
        }
        size_t slen = (size_t)(p + len - colon - 1);
        memcpy(size, colon + 1, slen);
        size[slen] = '\0';
        double unit = 1024.0 * 1024.0; /* MiB without a suffix */
        if (slen > 0 && strchr("BKMG", size[slen - 1])) {
            char u = size[slen - 1];
            unit = u == 'B' ? 1.0 : u == 'K' ? 1024.0 : u == 'M' ? 1024.0 * 1024.0 : 1024.0 * 1024.0 * 1024.0;
            size[slen - 1] = '\0';
        }
        double mib = 0;
        if (!parse_double(size, 0, 1e9, &mib) || mib <= 0) {
            cli_error(&a->o, "--memPoolSize: size '%.*s' is not a positive number of MiB (or with B, K, M, G)",
                      (int)slen, colon + 1);
            return CLI_EXIT_USAGE;
        }
        if ((size_t)(colon - p) == strlen("dlaSRAM") && strncmp(p, "dlaSRAM", 7) == 0) {
            /* the managed SRAM pool the compiler plans (docs/trtexec.md); TensorRT documents a power of
             * two of at least 4 KiB (orin-facts §3) */
            double bytes = mib * unit;
            uint64_t b = bytes >= 1.0 && bytes <= (double)(1ull << 40) ? (uint64_t)bytes : 0;
            if ((double)b != bytes || b < 4096 || (b & (b - 1)) != 0) {
                cli_error(&a->o,
                          "--memPoolSize=dlaSRAM:%.*s: the managed SRAM pool must be a power of two of at least 4 KiB "
                          "(TensorRT's rule), got %.0f bytes",
                          (int)slen, colon + 1, bytes);
                return CLI_EXIT_ERROR;
            }
            a->o.sram_pool_bytes = (int64_t)b;
            a->o.sram_pool_given = true;
        }
        p = end ? end + 1 : p + len;
    }
    return CLI_EXIT_OK;
}

static const trt_flag *find_flag(const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    for (size_t i = 0; i < sizeof flags / sizeof *flags; ++i)
        if (strlen(flags[i].name) == n && strncmp(arg, flags[i].name, n) == 0)
            return &flags[i];
    return NULL;
}

static int handle(trt_args *a, const trt_flag *f, const char *v)
{
    cli_options *o = &a->o;
    int rc = CLI_EXIT_OK;
    switch (f->id) {
    case F_HELP: o->help = true; break;
    case F_ONNX: a->onnx = v; break;
    case F_LOAD_ENGINE: a->load_engine = v; break;
    case F_SAVE_ENGINE: a->save_engine = v; break;
    case F_INT8: a->int8 = true; break;
    case F_FP16: a->fp16 = true; break;
    case F_EXPORT_PROFILE: a->export_profile = v; break;
    case F_EXPORT_TIMES: a->export_times = v; break;
    case F_DUMP_PROFILE: a->dump_profile = true; break;
    case F_VERBOSE: o->verbose = true; break;
    case F_CONFIG: o->config = v; break;
    case F_POWER_MODE: o->power_mode = v; break;
    case F_TRACE: o->trace = v; break;
    case F_SIM_ITERATIONS:
        if (!parse_int(v, 1, TRT_MAX_SIM_ITERATIONS, &a->sim_iterations)) {
            cli_error(o, "--simIterations: expected the timed inferences to simulate, 1..%d, got '%s'",
                      TRT_MAX_SIM_ITERATIONS, v);
            return CLI_EXIT_USAGE;
        }
        break;
    case F_SHAPES:
        o->shapes = v; /* the importer resolves dynamic dimensions from the same text */
        rc = parse_shapes(a, v);
        break;
    case F_CALIB: o->calib_cache = v; break; /* TensorRT's calibration cache: read if present, else written */
    case F_LAYER_PRECISIONS: o->layer_precision = v; break;
    case F_CORE:
        if (!parse_int(v, 0, DLA_MAX_CORES - 1, &o->core)) {
            cli_error(o, "--useDLACore: expected a DLA core number 0..%d, got '%s'", DLA_MAX_CORES - 1, v);
            return CLI_EXIT_USAGE;
        }
        a->core_given = true;
        break;
    case F_SET:
        if (o->num_sets == CLI_MAX_SETS) {
            cli_error(o, "too many --set options (at most %d)", CLI_MAX_SETS);
            return CLI_EXIT_USAGE;
        }
        o->sets[o->num_sets++] = v;
        break;
    case F_ITERATIONS:
        if (!parse_int(v, 1, INT_MAX, &a->iterations)) {
            cli_error(o, "--iterations: expected an integer >= 1, got '%s'", v);
            return CLI_EXIT_USAGE;
        }
        break;
    case F_WARMUP:
        if (!parse_double(v, 0, 1e7, &a->warmup_ms)) {
            cli_error(o, "--warmUp: expected milliseconds in [0, 1e7], got '%s'", v);
            return CLI_EXIT_USAGE;
        }
        break;
    case F_DURATION:
        if (!parse_double(v, 0, 1e6, &a->duration_s)) {
            cli_error(o, "--duration: expected seconds in [0, 1e6] (no run-forever mode), got '%s'", v);
            return CLI_EXIT_USAGE;
        }
        break;
    case F_IN_FORMATS:
    case F_OUT_FORMATS: {
        bool in = f->id == F_IN_FORMATS;
        rc = parse_formats(a, f->name, v, in, in ? a->in_formats : a->out_formats,
                           in ? &a->num_in_formats : &a->num_out_formats);
        if (rc == CLI_EXIT_OK)
            trt_note(a,
                     "%s=%s: checked against the DLA's I/O formats, not modelled: tensors stay in dlasim's "
                     "feature format (docs/datapath.md) and no reformatting time is simulated",
                     f->name, v);
        break;
    }
    case F_MEMPOOL:
        rc = check_mem_pools(a, v);
        if (rc == CLI_EXIT_OK)
            trt_note(a,
                     "--memPoolSize=%s: the dlaSRAM pool (if given) bounds the on-chip SRAM the compiler plans; the "
                     "other pools are ignored (dlasim plans DRAM itself)",
                     v);
        break;
    case F_WORKSPACE: {
        double mib = 0;
        if (!parse_double(v, 0, 1e9, &mib) || mib <= 0) {
            cli_error(o, "--workspace: expected a positive number of MiB, got '%s'", v);
            return CLI_EXIT_USAGE;
        }
        trt_note(a, "--workspace=%s: ignored: GPU workspace, and no GPU is modelled", v);
        break;
    }
    case F_IDLE_TIME:
    case F_AVG_RUNS: {
        int n = 0;
        if (!parse_int(v, f->id == F_AVG_RUNS ? 1 : 0, INT_MAX, &n)) {
            cli_error(o, "%s: expected an integer >= %d, got '%s'", f->name, f->id == F_AVG_RUNS ? 1 : 0, v);
            return CLI_EXIT_USAGE;
        }
        trt_note(a, "%s=%s: ignored: host-side timing option; the simulated DLA time does not depend on it", f->name,
                 v);
        break;
    }
    case F_SPIN_WAIT:
    case F_SEPARATE_PROFILE:
        trt_note(a, "%s: ignored: host-side timing option; the simulated DLA time does not depend on it", f->name);
        break;
    case F_NO_TRANSFERS:
        trt_note(a, "--noDataTransfers: ignored: host<->device transfers are never modelled (always 0 ms)");
        break;
    case F_STANDALONE: a->standalone = true; break;
    case F_GPU_FALLBACK: o->allow_gpu_fallback = true; break;
    case F_GAP:
        if (strcmp(v, "dla") != 0 && strcmp(v, "gpu") != 0) {
            cli_error(o, "--gap: expected dla (rewrite to AveragePool) or gpu (keep on the GPU), got '%s'", v);
            return CLI_EXIT_USAGE;
        }
        o->gap_on_gpu = strcmp(v, "gpu") == 0;
        break;
    case F_SPARSITY:
        if (!cli_parse_sparsity(v, &o->sparsity)) {
            cli_error(o, "--sparsity: expected disable, enable or force, got '%s'", v);
            return CLI_EXIT_USAGE;
        }
        break;
    }
    return rc;
}

int trt_parse(int argc, char **argv, trt_args *a)
{
    cli_options *o = &a->o;
    o->config = "orin-agx-64gb";
    a->iterations = 10; /* trtexec's defaults */
    a->warmup_ms = 200.0;
    a->duration_s = 3.0;
    a->sim_iterations = TRT_DEFAULT_SIM_ITERATIONS;
    for (int i = 2; i < argc; ++i) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            cli_error(o, "unexpected argument '%s' (trtexec takes --flags only, e.g. --onnx=MODEL.onnx)", arg);
            return CLI_EXIT_USAGE;
        }
        const trt_flag *f = find_flag(arg);
        if (!f) {
            const char *eq = strchr(arg, '=');
            cli_error(o, "unknown option '%.*s' (see dlasim trtexec --help)", eq ? (int)(eq - arg) : (int)strlen(arg),
                      arg);
            return CLI_EXIT_USAGE;
        }
        const char *eq = strchr(arg, '=');
        const char *v = NULL;
        if (f->takes_value) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            if (!v || !*v) {
                cli_error(o, "option '%s' needs a value (see dlasim trtexec --help)", f->name);
                return CLI_EXIT_USAGE;
            }
        } else if (eq) {
            cli_error(o, "option '%s' takes no value, got '%s'", f->name, arg);
            return CLI_EXIT_USAGE;
        }
        int rc = handle(a, f, v);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    return CLI_EXIT_OK;
}
