/* Sweep specs (docs/sweeps.md): JSON → validated axes, networks, sampling, constraints and metrics,
 * then the points (grid, seeded random or Latin hypercube), each checked by loading its config with
 * the same --set overrides a user would type, hashed, and keyed for loadable reuse. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dla/config.h"
#include "dla/input_file.h"
#include "dla/rng.h"
#include "sweep_internal.h"

#ifndef DLASIM_DEFAULT_MODELS_DIR
#define DLASIM_DEFAULT_MODELS_DIR "models"
#endif

const char *const sweep_metric_names[SWEEP_M_COUNT] = {
    "cycles",           "latency_ms", "images_per_s", "tops",        "mac_utilization", "dram_read_bytes",
    "dram_write_bytes", "dram_bytes", "energy_mj",    "avg_power_w", "perf_per_w",      "area_mm2",
};

double sweep_metric_value(const dla_sweep_metrics *m, sweep_metric which)
{
    switch (which) {
    case SWEEP_M_CYCLES: return (double)m->cycles;
    case SWEEP_M_LATENCY_MS: return m->latency_ms;
    case SWEEP_M_IMAGES_PER_S: return m->images_per_s;
    case SWEEP_M_TOPS: return m->tops;
    case SWEEP_M_MAC_UTILIZATION: return m->mac_utilization;
    case SWEEP_M_DRAM_READ_BYTES: return (double)m->dram_read_bytes;
    case SWEEP_M_DRAM_WRITE_BYTES: return (double)m->dram_write_bytes;
    case SWEEP_M_DRAM_BYTES: return (double)(m->dram_read_bytes + m->dram_write_bytes);
    case SWEEP_M_ENERGY_MJ: return m->energy_mj;
    case SWEEP_M_AVG_POWER_W: return m->avg_power_w;
    case SWEEP_M_PERF_PER_W: return m->perf_per_w;
    case SWEEP_M_AREA_MM2: return m->area_mm2;
    case SWEEP_M_COUNT: break;
    }
    return NAN;
}

uint64_t sweep_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return sweep_fnv1a(h, s, strlen(s) + 1); /* the NUL separates fields */
}

static uint64_t hash_i64(uint64_t h, int64_t v)
{
    return sweep_fnv1a(h, &v, sizeof v);
}

/* Open-addressing index of 64-bit hashes, each with the index of its first owner: duplicate checks over
 * up to a million points or jobs stay linear (pairwise comparison would take hours at that size). */
typedef struct hash_index {
    uint64_t *hash;
    size_t *owner; /* SIZE_MAX: empty slot */
    size_t mask;
} hash_index;

static bool hash_index_init(hash_index *h, size_t entries)
{
    size_t cap = 16;
    while (cap < 2 * entries)
        cap *= 2;
    h->mask = cap - 1;
    h->hash = malloc(cap * sizeof *h->hash);
    h->owner = malloc(cap * sizeof *h->owner);
    if (h->owner)
        memset(h->owner, 0xff, cap * sizeof *h->owner);
    return h->hash && h->owner;
}

static void hash_index_free(hash_index *h)
{
    free(h->hash);
    free(h->owner);
}

/* The first owner of hash for which same(user, owner) holds (any owner when same is NULL), or SIZE_MAX. */
static size_t hash_index_find(const hash_index *h, uint64_t hash, bool (*same)(const void *, size_t), const void *user)
{
    for (size_t i = hash & h->mask; h->owner[i] != SIZE_MAX; i = (i + 1) & h->mask)
        if (h->hash[i] == hash && (!same || same(user, h->owner[i])))
            return h->owner[i];
    return SIZE_MAX;
}

/* The caller sized the index for every entry it adds (at most half full), so a free slot exists. */
static void hash_index_add(hash_index *h, uint64_t hash, size_t owner)
{
    size_t i = hash & h->mask;
    while (h->owner[i] != SIZE_MAX)
        i = (i + 1) & h->mask;
    h->hash[i] = hash;
    h->owner[i] = owner;
}

/* ---- JSON helpers: every message names the spec file and the JSON path ---- */

typedef struct ctx {
    dla_sweep_spec *s;
    dla_error *err;
} ctx;

static dla_status bad(ctx *c, const char *path, const char *fmt, const char *detail)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, detail);
    return dla_error_set(c->err, DLA_ERR_INVALID, "%s: %s: %s", c->s->label, path, msg);
}

/* Unknown keys are errors (a typo must not silently sweep nothing). */
static dla_status check_keys(ctx *c, json_object *obj, const char *path, const char *const *allowed)
{
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        bool ok = strcmp(key, "comment") == 0;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char list[400] = "";
            for (size_t i = 0; allowed[i]; i++) {
                strncat(list, allowed[i], sizeof list - strlen(list) - 1);
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            strncat(list, "comment", sizeof list - strlen(list) - 1);
            char msg[600];
            snprintf(msg, sizeof msg, "unknown key '%.100s' (expected one of: %s)", key, list);
            return dla_error_set(c->err, DLA_ERR_INVALID, "%s: %s: %s", c->s->label, path, msg);
        }
    }
    return DLA_OK;
}

static dla_status get_string(ctx *c, json_object *obj, const char *key, const char *path, char *dst, size_t size,
                             bool required)
{
    json_object *v;
    char full[256];
    snprintf(full, sizeof full, "%s.%s", path, key);
    if (!json_object_object_get_ex(obj, key, &v)) {
        if (required)
            return bad(c, full, "%s", "missing (a string is required)");
        return DLA_OK;
    }
    if (!json_object_is_type(v, json_type_string))
        return bad(c, full, "expected a string, got %s", json_object_to_json_string(v));
    const char *s = json_object_get_string(v);
    if (strlen(s) >= size || !s[0])
        return bad(c, full, "expected a non-empty string shorter than its limit, got \"%.200s\"", s);
    snprintf(dst, size, "%s", s);
    return DLA_OK;
}

static bool get_number(json_object *v, double *out)
{
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return false;
    *out = json_object_get_double(v);
    return isfinite(*out);
}

static void format_number(char *dst, size_t size, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(dst, size, "%.0f", v);
    else
        snprintf(dst, size, "%.10g", v);
}

/* ---- run options: the same words as the CLI ---- */

static bool parse_precision(const char *s, dla_precision *p)
{
    if (strcmp(s, "int8") == 0)
        *p = DLA_PRECISION_INT8;
    else if (strcmp(s, "fp16") == 0)
        *p = DLA_PRECISION_FP16;
    else
        return false;
    return true;
}

static bool parse_sparsity(const char *s, dla_sparsity *p)
{
    if (strcmp(s, "disable") == 0)
        *p = DLA_SPARSITY_DISABLE;
    else if (strcmp(s, "enable") == 0)
        *p = DLA_SPARSITY_ENABLE;
    else if (strcmp(s, "force") == 0)
        *p = DLA_SPARSITY_FORCE;
    else
        return false;
    return true;
}

static bool parse_batch(const char *s, int *b)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 4096)
        return false;
    *b = (int)v;
    return true;
}

/* ---- sections ---- */

static dla_status parse_base(ctx *c, json_object *root)
{
    dla_sweep_spec *s = c->s;
    json_object *b;
    if (!json_object_object_get_ex(root, "base", &b) || !json_object_is_type(b, json_type_object))
        return bad(c, "base", "%s", "missing or not an object (expected {\"config\": NAME, ...})");
    static const char *const keys[] = {"config", "power_mode", "precision", "batch", "sparsity", "set", NULL};
    dla_status st = check_keys(c, b, "base", keys);
    if (st == DLA_OK)
        st = get_string(c, b, "config", "base", s->config, sizeof s->config, true);
    if (st == DLA_OK)
        st = get_string(c, b, "power_mode", "base", s->power_mode, sizeof s->power_mode, false);
    char word[32] = "int8";
    if (st == DLA_OK)
        st = get_string(c, b, "precision", "base", word, sizeof word, false);
    if (st == DLA_OK && !parse_precision(word, &s->precision))
        return bad(c, "base.precision", "expected \"int8\" or \"fp16\", got \"%s\"", word);
    snprintf(word, sizeof word, "disable");
    if (st == DLA_OK)
        st = get_string(c, b, "sparsity", "base", word, sizeof word, false);
    if (st == DLA_OK && !parse_sparsity(word, &s->sparsity))
        return bad(c, "base.sparsity", "expected \"disable\", \"enable\" or \"force\", got \"%s\"", word);
    json_object *v;
    if (st == DLA_OK && json_object_object_get_ex(b, "batch", &v)) {
        double d;
        if (!get_number(v, &d) || d != floor(d) || d < 0 || d > 4096)
            return bad(c, "base.batch", "expected an integer 0..4096 (0: the model's), got %s",
                       json_object_to_json_string(v));
        s->batch = (int)d;
    }
    if (st == DLA_OK && json_object_object_get_ex(b, "set", &v)) {
        if (!json_object_is_type(v, json_type_array))
            return bad(c, "base.set", "expected an array of \"key=value\" strings, got %s",
                       json_object_to_json_string(v));
        size_t n = json_object_array_length(v);
        if (n > DLA_SWEEP_MAX_SETS / 2)
            return bad(c, "base.set", "%s", "too many overrides (at most 24)");
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            const char *t = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
            if (!t || !strchr(t, '=') || strlen(t) >= sizeof s->base_sets[0])
                return bad(c, "base.set", "expected \"key=value\" strings, got %s", json_object_to_json_string(e));
            snprintf(s->base_sets[s->num_base_sets++], sizeof s->base_sets[0], "%s", t);
        }
    }
    return st;
}

static dla_status parse_networks(ctx *c, json_object *root, const char *base_dir)
{
    dla_sweep_spec *s = c->s;
    json_object *a;
    if (!json_object_object_get_ex(root, "networks", &a) || !json_object_is_type(a, json_type_array) ||
        json_object_array_length(a) == 0)
        return bad(c, "networks", "%s", "missing or empty (expected [{\"name\": N, \"onnx\": PATH}, ...])");
    size_t n = json_object_array_length(a);
    if (n > DLA_SWEEP_MAX_NETWORKS)
        return bad(c, "networks", "%s", "too many networks (at most 16)");
    static const char *const keys[] = {"name", "onnx", NULL};
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        char path[64];
        snprintf(path, sizeof path, "networks[%zu]", i);
        if (!json_object_is_type(e, json_type_object))
            return bad(c, path, "%s", "expected an object {\"name\": N, \"onnx\": PATH}");
        sweep_network *net = &s->networks[i];
        char onnx[1024];
        dla_status st = check_keys(c, e, path, keys);
        if (st == DLA_OK)
            st = get_string(c, e, "name", path, net->name, sizeof net->name, true);
        if (st == DLA_OK)
            st = get_string(c, e, "onnx", path, onnx, sizeof onnx, true);
        if (st != DLA_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->networks[j].name, net->name) == 0)
                return bad(c, path, "duplicate network name '%s'", net->name);
        /* "@models/x.onnx": the zoo built by the `zoo` target ($DLASIM_MODELS_DIR overrides). */
        const char *dir = "", *file = onnx;
        if (strncmp(onnx, "@models/", 8) == 0) {
            dir = getenv("DLASIM_MODELS_DIR");
            dir = dir && dir[0] ? dir : DLASIM_DEFAULT_MODELS_DIR;
            file = onnx + 8;
        } else if (onnx[0] != '/' && base_dir && base_dir[0]) {
            dir = base_dir;
        }
        if (strlen(dir) + strlen(file) + 2 > sizeof net->onnx)
            return bad(c, path, "path too long: %.200s", onnx);
        strcpy(net->onnx, dir);
        if (dir[0])
            strcat(net->onnx, "/");
        strcat(net->onnx, file);
        /* stat and access, not a probing open: opening a FIFO would wait for a writer */
        struct stat sb;
        if (stat(net->onnx, &sb) != 0 || access(net->onnx, R_OK) != 0)
            return bad(c, path, "cannot open the ONNX file '%s' (build the zoo: cmake --build build --target zoo)",
                       net->onnx);
        if (!S_ISREG(sb.st_mode))
            return bad(c, path, "the ONNX file '%s' is not a regular file", net->onnx);
    }
    s->num_networks = n;
    return DLA_OK;
}

static const char *kind_words(sweep_axis_kind k)
{
    switch (k) {
    case SWEEP_AXIS_POWER_MODE: return "a power mode of the base config";
    case SWEEP_AXIS_PRECISION: return "\"int8\" or \"fp16\"";
    case SWEEP_AXIS_SPARSITY: return "\"disable\", \"enable\" or \"force\"";
    case SWEEP_AXIS_BATCH: return "an integer batch 1..4096";
    case SWEEP_AXIS_CONFIG: break;
    }
    return "a value of the config key";
}

static dla_status add_value(ctx *c, sweep_axis *ax, const char *path, const char *text, bool numeric)
{
    if (ax->num_values >= SWEEP_MAX_VALUES)
        return bad(c, path, "%s", "too many values on one axis (at most 4096)");
    if (strlen(text) >= SWEEP_VALUE_MAX)
        return bad(c, path, "value \"%.100s\" is too long", text);
    for (size_t i = 0; i < ax->num_values; i++)
        if (strcmp(ax->values[i], text) == 0)
            return bad(c, path, "duplicate value %s", text);
    snprintf(ax->values[ax->num_values++], SWEEP_VALUE_MAX, "%s", text);
    if (!numeric)
        ax->numeric = false;
    return DLA_OK;
}

static dla_status parse_range(ctx *c, sweep_axis *ax, json_object *r, const char *path)
{
    static const char *const keys[] = {"start", "stop", "step", "factor", NULL};
    dla_status st = check_keys(c, r, path, keys);
    if (st != DLA_OK)
        return st;
    json_object *v;
    double start, stop, step = 0, factor = 0;
    if (!json_object_object_get_ex(r, "start", &v) || !get_number(v, &start))
        return bad(c, path, "%s", "start: expected a number");
    if (!json_object_object_get_ex(r, "stop", &v) || !get_number(v, &stop))
        return bad(c, path, "%s", "stop: expected a number");
    bool has_step = json_object_object_get_ex(r, "step", &v) && get_number(v, &step);
    bool has_factor = json_object_object_get_ex(r, "factor", &v) && get_number(v, &factor);
    if (has_step == has_factor)
        return bad(c, path, "%s", "expected exactly one of step (arithmetic) or factor (geometric)");
    if (stop < start)
        return bad(c, path, "%s", "bad range: stop < start (ranges count up from start to stop inclusive)");
    if (has_step && !(step > 0))
        return bad(c, path, "%s", "bad range: step must be > 0");
    if (has_factor && (!(factor > 1) || !(start > 0)))
        return bad(c, path, "%s", "bad range: factor must be > 1 and start > 0");
    double tol = 1e-9 * fmax(fabs(stop), 1.0);
    for (size_t i = 0;; i++) {
        double x = has_step ? start + (double)i * step : start * pow(factor, (double)i);
        if (x > stop + tol)
            break;
        if (i >= SWEEP_MAX_VALUES)
            return bad(c, path, "%s", "bad range: more than 4096 values");
        char text[SWEEP_VALUE_MAX];
        format_number(text, sizeof text, x);
        if ((st = add_value(c, ax, path, text, true)) != DLA_OK)
            return st;
    }
    return DLA_OK;
}

static dla_status parse_axis(ctx *c, json_object *e, size_t i, sweep_axis *ax)
{
    char path[64];
    snprintf(path, sizeof path, "axes[%zu]", i);
    if (!json_object_is_type(e, json_type_object))
        return bad(c, path, "%s", "expected an object {\"key\": K, \"values\"|\"range\"|\"uniform\": ...}");
    static const char *const keys[] = {"key", "values", "range", "uniform", "integer", NULL};
    dla_status st = check_keys(c, e, path, keys);
    if (st == DLA_OK)
        st = get_string(c, e, "key", path, ax->key, sizeof ax->key, true);
    if (st != DLA_OK)
        return st;
    ax->kind = strcmp(ax->key, "power_mode") == 0  ? SWEEP_AXIS_POWER_MODE
               : strcmp(ax->key, "precision") == 0 ? SWEEP_AXIS_PRECISION
               : strcmp(ax->key, "sparsity") == 0  ? SWEEP_AXIS_SPARSITY
               : strcmp(ax->key, "batch") == 0     ? SWEEP_AXIS_BATCH
                                                   : SWEEP_AXIS_CONFIG;
    ax->numeric = true;
    ax->values = calloc(SWEEP_MAX_VALUES, sizeof *ax->values);
    if (!ax->values)
        return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory", c->s->label);
    json_object *vals = NULL, *range = NULL, *uni = NULL, *v;
    json_object_object_get_ex(e, "values", &vals);
    json_object_object_get_ex(e, "range", &range);
    json_object_object_get_ex(e, "uniform", &uni);
    if ((vals != NULL) + (range != NULL) + (uni != NULL) != 1)
        return bad(c, path, "%s", "expected exactly one of values, range or uniform");
    char sub[96];
    if (vals) {
        snprintf(sub, sizeof sub, "%s.values", path);
        if (!json_object_is_type(vals, json_type_array) || json_object_array_length(vals) == 0)
            return bad(c, sub, "%s", "expected a non-empty array");
        for (size_t j = 0; j < json_object_array_length(vals) && st == DLA_OK; j++) {
            json_object *x = json_object_array_get_idx(vals, j);
            double d;
            char text[SWEEP_VALUE_MAX];
            if (get_number(x, &d)) {
                format_number(text, sizeof text, d);
                st = add_value(c, ax, sub, text, true);
            } else if (json_object_is_type(x, json_type_string)) {
                st = add_value(c, ax, sub, json_object_get_string(x), false);
            } else if (json_object_is_type(x, json_type_boolean)) {
                st = add_value(c, ax, sub, json_object_get_boolean(x) ? "true" : "false", false);
            } else {
                return bad(c, sub, "expected numbers, strings or booleans, got %s", json_object_to_json_string(x));
            }
        }
    } else if (range) {
        snprintf(sub, sizeof sub, "%s.range", path);
        if (!json_object_is_type(range, json_type_object))
            return bad(c, sub, "%s", "expected {\"start\", \"stop\", \"step\" | \"factor\"}");
        st = parse_range(c, ax, range, sub);
    } else {
        snprintf(sub, sizeof sub, "%s.uniform", path);
        static const char *const ukeys[] = {"min", "max", NULL};
        if (!json_object_is_type(uni, json_type_object))
            return bad(c, sub, "%s", "expected {\"min\": A, \"max\": B}");
        if ((st = check_keys(c, uni, sub, ukeys)) != DLA_OK)
            return st;
        if (!json_object_object_get_ex(uni, "min", &v) || !get_number(v, &ax->lo) ||
            !json_object_object_get_ex(uni, "max", &v) || !get_number(v, &ax->hi))
            return bad(c, sub, "%s", "min and max: expected numbers");
        if (!(ax->hi > ax->lo))
            return bad(c, sub, "%s", "bad range: max must be > min");
        ax->continuous = true;
        if (ax->kind != SWEEP_AXIS_CONFIG)
            return bad(c, sub, "'%s' takes discrete values, not a uniform range", ax->key);
        /* the bounds are checked against the config like discrete values */
        char text[SWEEP_VALUE_MAX];
        format_number(text, sizeof text, ax->lo);
        add_value(c, ax, sub, text, true);
        format_number(text, sizeof text, ax->hi);
        add_value(c, ax, sub, text, true);
    }
    if (st == DLA_OK && json_object_object_get_ex(e, "integer", &v)) {
        if (!json_object_is_type(v, json_type_boolean))
            return bad(c, path, "integer: expected true or false, got %s", json_object_to_json_string(v));
        ax->integer = json_object_get_boolean(v);
    }
    return st;
}

/* Every axis value must be one the config (or the run option) accepts; checked once per value so a
 * bad value is named before any point runs. */
static dla_status check_axis_values(ctx *c, size_t i)
{
    dla_sweep_spec *s = c->s;
    sweep_axis *ax = &s->axes[i];
    char path[160];
    snprintf(path, sizeof path, "axes[%zu] '%s'", i, ax->key);
    dla_config *cfg = NULL;
    dla_error e = {{0}};
    for (size_t j = 0; j < ax->num_values; j++) {
        const char *v = ax->values[j];
        bool ok = true;
        switch (ax->kind) {
        case SWEEP_AXIS_PRECISION: {
            dla_precision p;
            ok = parse_precision(v, &p);
        } break;
        case SWEEP_AXIS_SPARSITY: {
            dla_sparsity p;
            ok = parse_sparsity(v, &p);
        } break;
        case SWEEP_AXIS_BATCH: {
            int b;
            ok = parse_batch(v, &b);
        } break;
        case SWEEP_AXIS_POWER_MODE:
        case SWEEP_AXIS_CONFIG: {
            const char *sets[DLA_SWEEP_MAX_SETS];
            char one[160];
            int n = 0;
            for (int k = 0; k < s->num_base_sets; k++)
                sets[n++] = s->base_sets[k];
            if (ax->kind == SWEEP_AXIS_CONFIG) {
                snprintf(one, sizeof one, "%s=%s", ax->key, v);
                sets[n++] = one;
            }
            if (dla_config_load(s->config, sets, n, &cfg, &e) != DLA_OK)
                return dla_error_set(c->err, DLA_ERR_INVALID, "%s: %s: value %s: %s", s->label, path, v, e.msg);
            ok = ax->kind == SWEEP_AXIS_CONFIG || dla_config_power_mode(cfg, v) != NULL;
            dla_config_destroy(cfg);
            cfg = NULL;
        } break;
        }
        if (!ok)
            return dla_error_set(c->err, DLA_ERR_INVALID, "%s: %s: value '%s', expected %s", s->label, path, v,
                                 kind_words(ax->kind));
    }
    return DLA_OK;
}

static dla_status parse_sampling(ctx *c, json_object *root)
{
    dla_sweep_spec *s = c->s;
    s->method = SWEEP_GRID;
    json_object *o, *v;
    if (!json_object_object_get_ex(root, "sampling", &o))
        return DLA_OK;
    if (!json_object_is_type(o, json_type_object))
        return bad(c, "sampling", "%s", "expected {\"method\": \"grid\"|\"random\"|\"lhs\", ...}");
    static const char *const keys[] = {"method", "samples", "seed", NULL};
    char method[16] = "grid";
    dla_status st = check_keys(c, o, "sampling", keys);
    if (st == DLA_OK)
        st = get_string(c, o, "method", "sampling", method, sizeof method, false);
    if (st != DLA_OK)
        return st;
    if (strcmp(method, "grid") == 0)
        s->method = SWEEP_GRID;
    else if (strcmp(method, "random") == 0)
        s->method = SWEEP_RANDOM;
    else if (strcmp(method, "lhs") == 0)
        s->method = SWEEP_LHS;
    else
        return bad(c, "sampling.method", "expected \"grid\", \"random\" or \"lhs\", got \"%s\"", method);
    double d;
    if (json_object_object_get_ex(o, "samples", &v)) {
        if (s->method == SWEEP_GRID)
            return bad(c, "sampling.samples", "%s", "only random and lhs sampling take a sample count");
        if (!get_number(v, &d) || d != floor(d) || d < 1 || d > SWEEP_MAX_POINTS)
            return bad(c, "sampling.samples", "expected an integer 1..1000000, got %s", json_object_to_json_string(v));
        s->samples = (size_t)d;
    } else if (s->method != SWEEP_GRID) {
        return bad(c, "sampling.samples", "%s", "missing (random and lhs need a sample count)");
    }
    s->seed = 1;
    if (json_object_object_get_ex(o, "seed", &v)) {
        if (!get_number(v, &d) || d != floor(d) || d < 0 || d > 9007199254740992.0)
            return bad(c, "sampling.seed", "expected a non-negative integer, got %s", json_object_to_json_string(v));
        s->seed = (uint64_t)d;
    }
    return DLA_OK;
}

static dla_status parse_list(ctx *c, json_object *root, const char *key, bool metrics)
{
    dla_sweep_spec *s = c->s;
    json_object *a;
    if (!json_object_object_get_ex(root, key, &a)) {
        if (metrics)
            for (int m = 0; m < SWEEP_M_COUNT; m++)
                s->metrics[s->num_metrics++] = (sweep_metric)m;
        return DLA_OK;
    }
    if (!json_object_is_type(a, json_type_array))
        return bad(c, key, "%s", "expected an array of strings");
    size_t n = json_object_array_length(a);
    if (n > (metrics ? (size_t)SWEEP_M_COUNT : (size_t)SWEEP_MAX_CONSTRAINTS))
        return bad(c, key, "%s", "too many entries");
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        char path[64];
        snprintf(path, sizeof path, "%s[%zu]", key, i);
        const char *t = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
        if (!t || !t[0] || strlen(t) >= sizeof s->constraints[0])
            return bad(c, path, "expected a non-empty string, got %s", json_object_to_json_string(e));
        if (!metrics) {
            snprintf(s->constraints[s->num_constraints++], sizeof s->constraints[0], "%s", t);
            continue;
        }
        int found = -1;
        for (int m = 0; m < SWEEP_M_COUNT && found < 0; m++)
            if (strcmp(t, sweep_metric_names[m]) == 0)
                found = m;
        if (found < 0) {
            char list[400] = "";
            for (int m = 0; m < SWEEP_M_COUNT; m++) {
                strncat(list, sweep_metric_names[m], sizeof list - strlen(list) - 1);
                if (m + 1 < SWEEP_M_COUNT)
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            char msg[600];
            snprintf(msg, sizeof msg, "unknown metric '%.60s' (expected one of: %s)", t, list);
            return dla_error_set(c->err, DLA_ERR_INVALID, "%s: %s: %s", s->label, path, msg);
        }
        for (size_t j = 0; j < s->num_metrics; j++)
            if (s->metrics[j] == (sweep_metric)found)
                return bad(c, path, "duplicate metric '%s'", t);
        s->metrics[s->num_metrics++] = (sweep_metric)found;
    }
    return DLA_OK;
}

/* ---- points ---- */

typedef struct point_ctx {
    const dla_sweep_spec *s;
    char (*values)[SWEEP_VALUE_MAX];
    dla_config *cfg;        /* loaded lazily */
    json_object *resolved;  /* cfg->resolved_json parsed, lazily */
    dla_status load_status; /* of the lazy load */
    dla_error load_err;
} point_ctx;

/* The options of a point: the spec's base, overridden by its run-option axes. */
static void point_options(const dla_sweep_spec *s, char (*values)[SWEEP_VALUE_MAX], const char **mode,
                          dla_precision *prec, int *batch, dla_sparsity *sp)
{
    *mode = s->power_mode[0] ? s->power_mode : NULL;
    *prec = s->precision;
    *batch = s->batch;
    *sp = s->sparsity;
    for (size_t a = 0; a < s->num_axes; a++) {
        switch (s->axes[a].kind) {
        case SWEEP_AXIS_POWER_MODE: *mode = values[a]; break;
        case SWEEP_AXIS_PRECISION: parse_precision(values[a], prec); break;
        case SWEEP_AXIS_BATCH: parse_batch(values[a], batch); break;
        case SWEEP_AXIS_SPARSITY: parse_sparsity(values[a], sp); break;
        case SWEEP_AXIS_CONFIG: break;
        }
    }
}

static int point_sets(const dla_sweep_spec *s, char (*values)[SWEEP_VALUE_MAX], char (*buf)[160], const char **sets)
{
    int n = 0;
    for (int k = 0; k < s->num_base_sets; k++)
        sets[n++] = s->base_sets[k];
    for (size_t a = 0; a < s->num_axes; a++) {
        if (s->axes[a].kind != SWEEP_AXIS_CONFIG)
            continue;
        snprintf(buf[a], 160, "%s=%s", s->axes[a].key, values[a]);
        sets[n++] = buf[a];
    }
    return n;
}

static dla_status point_load(point_ctx *p)
{
    if (p->cfg || p->load_status != DLA_OK)
        return p->load_status;
    char buf[DLA_SWEEP_MAX_AXES][160];
    const char *sets[DLA_SWEEP_MAX_SETS];
    int n = point_sets(p->s, p->values, buf, sets);
    p->load_status = dla_config_load(p->s->config, sets, n, &p->cfg, &p->load_err);
    if (p->load_status == DLA_OK && p->cfg->resolved_json)
        p->resolved = json_tokener_parse(p->cfg->resolved_json);
    return p->load_status;
}

static bool point_lookup(const char *name, void *user, double *num, const char **str)
{
    point_ctx *p = user;
    const dla_sweep_spec *s = p->s;
    for (size_t a = 0; a < s->num_axes; a++) {
        if (strcmp(s->axes[a].key, name) != 0)
            continue;
        char *end = NULL;
        double d = strtod(p->values[a], &end);
        if (end != p->values[a] && !*end)
            *num = d;
        else
            *str = p->values[a];
        return true;
    }
    const char *mode;
    dla_precision prec;
    int batch;
    dla_sparsity sp;
    point_options(s, p->values, &mode, &prec, &batch, &sp);
    if (strcmp(name, "power_mode") == 0) {
        if (!mode && point_load(p) == DLA_OK)
            mode = dla_config_power_mode(p->cfg, NULL)->name;
        *str = mode ? mode : "";
        return true;
    }
    if (strcmp(name, "precision") == 0) {
        *str = prec == DLA_PRECISION_FP16 ? "fp16" : "int8";
        return true;
    }
    if (strcmp(name, "sparsity") == 0) {
        *str = sp == DLA_SPARSITY_FORCE ? "force" : sp == DLA_SPARSITY_ENABLE ? "enable" : "disable";
        return true;
    }
    if (strcmp(name, "batch") == 0) {
        *num = batch;
        return true;
    }
    /* any numeric leaf of the point's resolved config */
    if (point_load(p) != DLA_OK || !p->resolved)
        return false;
    json_object *o = p->resolved;
    char key[128];
    snprintf(key, sizeof key, "%s", name);
    for (char *tok = key, *dot; tok; tok = dot ? dot + 1 : NULL) {
        dot = strchr(tok, '.');
        if (dot)
            *dot = '\0';
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, tok, &o))
            return false;
    }
    json_object *inner;
    if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "value", &inner))
        o = inner;
    if (json_object_is_type(o, json_type_boolean)) {
        *num = json_object_get_boolean(o);
        return true;
    }
    return get_number(o, num);
}

static void point_ctx_free(point_ctx *p)
{
    json_object_put(p->resolved);
    dla_config_destroy(p->cfg);
    p->resolved = NULL;
    p->cfg = NULL;
    p->load_status = DLA_OK;
}

static void point_label(const dla_sweep_spec *s, char (*values)[SWEEP_VALUE_MAX], char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < s->num_axes && used + 1 < size; a++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", a ? " " : "", s->axes[a].key, values[a]);
}

/* The inputs the compiler reads (derived from sw/compiler, docs/sweeps.md "Loadable reuse"): the
 * network and compile options, the core geometry the tiler and weight packer use, the feature flags
 * the legality and precision passes test, and the config name stamped into the loadable. */
static uint64_t compile_key(const dla_config *cfg, const char *onnx, dla_precision prec, int batch, dla_sparsity sp)
{
    const dla_core_params *c = &cfg->core;
    const dla_core_features *f = &c->features;
    uint64_t h = hash_str(SWEEP_FNV_OFFSET, onnx);
    h = hash_str(h, cfg->name);
    int64_t v[] = {prec,
                   batch,
                   sp,
                   c->atomic_c,
                   c->atomic_k,
                   c->memory_atomic_bytes,
                   c->cbuf_banks,
                   c->cbuf_entries_per_bank,
                   c->cbuf_entry_bytes,
                   f->int8,
                   f->fp16,
                   f->pdp,
                   f->sdp_ew,
                   f->sparsity_2_4,
                   f->image_input,
                   f->sdp_lut,
                   f->cdp,
                   f->rubik,
                   f->max_batch,
                   c->cmac_point_split,
                   cfg->memory.sram_size_bytes}; /* the default SRAM pool (sram_plan.c) */
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        h = hash_i64(h, v[i]);
    return h;
}

/* The inputs INT8 calibration reads: compile_key() less the core geometry. The passes before
 * calibration (import, legality, partition, fusion, layer precision, sparsity selection) test only the
 * feature flags, and calibration runs the FP32 reference on the graph they leave: a cache computed for
 * one geometry gives the loadable of another bit for bit (tests/system/sweep.cmake checks it). */
static uint64_t calib_key(const dla_config *cfg, const char *onnx, dla_precision prec, int batch, dla_sparsity sp)
{
    const dla_core_features *f = &cfg->core.features;
    uint64_t h = hash_str(SWEEP_FNV_OFFSET, "calibration");
    h = hash_str(h, onnx);
    h = hash_str(h, cfg->name);
    int64_t v[] = {prec,           batch,      sp,     f->int8, f->fp16, f->pdp, f->sdp_ew, f->sparsity_2_4,
                   f->image_input, f->sdp_lut, f->cdp, f->rubik};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        h = hash_i64(h, v[i]);
    return h;
}

void dla_sweep_calib_cache_path(const dla_sweep_job *job, const dla_config *cfg, char *dst, size_t size)
{
    if (size == 0)
        return;
    dst[0] = '\0';
    const char *slash = strrchr(job->loadable_cache, '/');
    if (!job->loadable_cache[0] || !cfg)
        return;
    int dir = slash ? (int)(slash - job->loadable_cache) : 1;
    const char *dir_text = slash ? job->loadable_cache : ".";
    int n = snprintf(dst, size, "%.*s/calib_%016" PRIx64 ".cache", dir, dir_text,
                     calib_key(cfg, job->onnx_path, job->precision, job->batch, job->sparsity));
    if (n < 0 || (size_t)n >= size)
        dst[0] = '\0'; /* too long: no cache rather than a truncated name */
}

static dla_status accept_point(ctx *c, char (*values)[SWEEP_VALUE_MAX], size_t *cap)
{
    dla_sweep_spec *s = c->s;
    point_ctx p = {.s = s, .values = values};
    dla_status st = DLA_OK;
    for (size_t k = 0; k < s->num_constraints && st == DLA_OK; k++) {
        double r = 0;
        dla_error e = {{0}};
        if (dla_sweep_expr_eval(s->constraints[k], point_lookup, &p, &r, &e) != DLA_OK) {
            char lbl[512];
            point_label(s, values, lbl, sizeof lbl);
            if (p.load_status != DLA_OK)
                st = dla_error_set(c->err, DLA_ERR_INVALID, "%s: point (%s): %s", s->label, lbl, p.load_err.msg);
            else
                st = dla_error_set(c->err, DLA_ERR_INVALID, "%s: constraints[%zu]: %s", s->label, k, e.msg);
            point_ctx_free(&p);
            return st;
        }
        if (r == 0) {
            point_ctx_free(&p);
            return DLA_OK; /* rejected */
        }
    }
    if (point_load(&p) != DLA_OK) {
        char lbl[512];
        point_label(s, values, lbl, sizeof lbl);
        st = dla_error_set(c->err, DLA_ERR_INVALID, "%s: point (%s): %s", s->label, lbl, p.load_err.msg);
        point_ctx_free(&p);
        return st;
    }
    const char *mode;
    dla_precision prec;
    int batch;
    dla_sparsity sp;
    point_options(s, values, &mode, &prec, &batch, &sp);
    if (s->num_points == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        sweep_point *np = realloc(s->points, ncap * sizeof *np);
        uint64_t *ck = realloc(s->compile_keys, ncap * s->num_networks * sizeof *ck);
        if (np)
            s->points = np;
        if (ck)
            s->compile_keys = ck;
        if (!np || !ck) {
            point_ctx_free(&p);
            return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory for points", s->label);
        }
        *cap = ncap;
    }
    sweep_point *pt = &s->points[s->num_points];
    pt->values = malloc(s->num_axes ? s->num_axes * sizeof *pt->values : 1);
    if (!pt->values) {
        point_ctx_free(&p);
        return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory for points", s->label);
    }
    memcpy(pt->values, values, s->num_axes * sizeof *pt->values);
    const char *json = p.cfg->resolved_json ? p.cfg->resolved_json : "";
    pt->config_hash = hash_str(SWEEP_FNV_OFFSET, json);
    for (size_t n = 0; n < s->num_networks; n++)
        s->compile_keys[s->num_points * s->num_networks + n] = compile_key(p.cfg, s->networks[n].onnx, prec, batch, sp);
    s->num_points++;
    point_ctx_free(&p);
    return DLA_OK;
}

static bool same_values(const dla_sweep_spec *s, char (*a)[SWEEP_VALUE_MAX], char (*b)[SWEEP_VALUE_MAX])
{
    for (size_t i = 0; i < s->num_axes; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

static double rng_unit(uint64_t *state)
{
    return (double)(dla_rng_next(state) >> 11) * (1.0 / 9007199254740992.0); /* 53-bit fraction in [0,1) */
}

static void sample_value(const sweep_axis *ax, double u, char *dst)
{
    if (ax->continuous) {
        double x = ax->lo + u * (ax->hi - ax->lo);
        if (ax->integer)
            x = round(x);
        format_number(dst, SWEEP_VALUE_MAX, x);
    } else {
        size_t k = (size_t)(u * (double)ax->num_values);
        snprintf(dst, SWEEP_VALUE_MAX, "%s", ax->values[k < ax->num_values ? k : ax->num_values - 1]);
    }
}

static uint64_t values_hash(const dla_sweep_spec *s, char (*values)[SWEEP_VALUE_MAX])
{
    uint64_t h = SWEEP_FNV_OFFSET;
    for (size_t a = 0; a < s->num_axes; a++)
        h = hash_str(h, values[a]);
    return h;
}

typedef struct same_ctx {
    const dla_sweep_spec *s;
    char (*values)[SWEEP_VALUE_MAX];
} same_ctx;

static bool same_point(const void *user, size_t point)
{
    const same_ctx *sc = user;
    return same_values(sc->s, sc->s->points[point].values, sc->values);
}

/* Every point keeps its axis values and one job per network in memory (and in /points): refuse, before
 * generating anything, sweeps whose points x networks or points x axes exceed the limits (docs/sweeps.md). */
static dla_status check_point_budget(ctx *c, double points)
{
    const dla_sweep_spec *s = c->s;
    double jobs = points * (double)s->num_networks;
    if (jobs > SWEEP_MAX_POINTS)
        return dla_error_set(c->err, DLA_ERR_LIMIT,
                             "%s: networks: %.0f points x %zu networks = %.0f jobs, more than the limit of %d",
                             s->label, points, s->num_networks, jobs, SWEEP_MAX_POINTS);
    double cells = points * (double)s->num_axes;
    if (cells > SWEEP_MAX_AXIS_VALUES)
        return dla_error_set(c->err, DLA_ERR_LIMIT,
                             "%s: axes: %.0f points x %zu axes = %.0f axis values (%d bytes each), more than the "
                             "limit of %d",
                             s->label, points, s->num_axes, cells, SWEEP_VALUE_MAX, SWEEP_MAX_AXIS_VALUES);
    return DLA_OK;
}

static dla_status generate(ctx *c)
{
    dla_sweep_spec *s = c->s;
    size_t cap = 0, na = s->num_axes;
    char(*values)[SWEEP_VALUE_MAX] = calloc(na ? na : 1, SWEEP_VALUE_MAX);
    if (!values)
        return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory", s->label);
    dla_status st = DLA_OK;
    size_t candidates = 0;
    if (s->method == SWEEP_GRID) {
        double total = 1;
        for (size_t a = 0; a < na; a++) {
            if (s->axes[a].continuous) {
                free(values);
                return bad(c, "sampling", "axis '%s' is a uniform range: grid sampling needs values or a range",
                           s->axes[a].key);
            }
            total *= (double)s->axes[a].num_values;
        }
        if (total > SWEEP_MAX_POINTS) {
            free(values);
            return bad(c, "axes", "%s", "the grid has more than 1000000 points (use random or lhs sampling)");
        }
        if ((st = check_point_budget(c, total)) != DLA_OK) {
            free(values);
            return st;
        }
        size_t idx[DLA_SWEEP_MAX_AXES] = {0};
        for (size_t i = 0; i < (size_t)total && st == DLA_OK; i++) {
            /* first axis varies slowest: rows read like nested loops in spec order */
            for (size_t a = 0; a < na; a++)
                snprintf(values[a], SWEEP_VALUE_MAX, "%s", s->axes[a].values[idx[a]]);
            candidates++;
            st = accept_point(c, values, &cap);
            for (size_t a = na; a-- > 0;) {
                if (++idx[a] < s->axes[a].num_values)
                    break;
                idx[a] = 0;
            }
        }
    } else {
        uint64_t state = s->seed ^ 0x5eedf00dull;
        size_t n = s->samples;
        size_t *perm = NULL;
        hash_index seen;
        if ((st = check_point_budget(c, (double)n)) != DLA_OK) {
            free(values);
            return st;
        }
        if (!hash_index_init(&seen, n)) {
            hash_index_free(&seen);
            free(values);
            return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory", s->label);
        }
        if (s->method == SWEEP_LHS) {
            perm = malloc((na ? na : 1) * n * sizeof *perm);
            if (!perm) {
                hash_index_free(&seen);
                free(values);
                return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory", s->label);
            }
            for (size_t a = 0; a < na; a++) { /* one stratum per sample on every axis, shuffled */
                size_t *p = perm + a * n;
                for (size_t i = 0; i < n; i++)
                    p[i] = i;
                for (size_t i = n; i > 1; i--) {
                    size_t j = (size_t)(dla_rng_next(&state) % i);
                    size_t t = p[i - 1];
                    p[i - 1] = p[j];
                    p[j] = t;
                }
            }
        }
        for (size_t i = 0; i < n && st == DLA_OK; i++) {
            for (size_t a = 0; a < na; a++) {
                double u = rng_unit(&state);
                if (perm)
                    u = ((double)perm[a * n + i] + u) / (double)n;
                sample_value(&s->axes[a], u, values[a]);
            }
            candidates++;
            /* repeated samples would simulate the same point twice */
            uint64_t h = values_hash(s, values);
            same_ctx sc = {s, values};
            if (hash_index_find(&seen, h, same_point, &sc) != SIZE_MAX)
                continue;
            size_t before = s->num_points;
            st = accept_point(c, values, &cap);
            if (st == DLA_OK && s->num_points > before)
                hash_index_add(&seen, h, before);
        }
        free(perm);
        hash_index_free(&seen);
    }
    free(values);
    if (st == DLA_OK && s->num_points == 0) {
        char list[600] = "";
        for (size_t k = 0; k < s->num_constraints; k++) {
            strncat(list, k ? "', '" : "'", sizeof list - strlen(list) - 1);
            strncat(list, s->constraints[k], sizeof list - strlen(list) - 1);
        }
        strncat(list, "'", sizeof list - strlen(list) - 1);
        return dla_error_set(c->err, DLA_ERR_INVALID,
                             "%s: constraints: no point satisfies %s (%zu candidate points): impossible constraint",
                             s->label, list, candidates);
    }
    return st;
}

static dla_status finish_keys(ctx *c)
{
    dla_sweep_spec *s = c->s;
    size_t jobs = s->num_points * s->num_networks;
    s->job_keys = malloc(jobs * sizeof *s->job_keys);
    if (!s->job_keys)
        return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory", s->label);
    hash_index seen;
    if (!hash_index_init(&seen, jobs)) {
        hash_index_free(&seen);
        return dla_error_set(c->err, DLA_ERR_NOMEM, "%s: out of memory", s->label);
    }
    for (size_t j = 0; j < jobs; j++) {
        dla_sweep_job job;
        dla_sweep_job_get(s, j, &job);
        uint64_t h = hash_i64(SWEEP_FNV_OFFSET, (int64_t)job.config_hash);
        h = hash_str(h, job.onnx_path);
        h = hash_str(h, job.power_mode);
        h = hash_i64(h, job.precision);
        h = hash_i64(h, job.batch);
        h = hash_i64(h, job.sparsity);
        s->job_keys[j] = h;
        if (hash_index_find(&seen, s->compile_keys[j], NULL, NULL) == SIZE_MAX) {
            hash_index_add(&seen, s->compile_keys[j], j);
            s->num_compile_keys++;
        }
    }
    hash_index_free(&seen);
    return DLA_OK;
}

dla_status dla_sweep_spec_parse(const char *text, const char *label, const char *base_dir, dla_sweep_spec **out,
                                dla_error *err)
{
    if (!text || !out)
        return dla_error_set(err, DLA_ERR_INVALID, "sweep spec: text and output are required");
    *out = NULL;
    dla_sweep_spec *s = calloc(1, sizeof *s);
    if (!s)
        return dla_error_set(err, DLA_ERR_NOMEM, "sweep spec: out of memory");
    snprintf(s->label, sizeof s->label, "%s", label ? label : "sweep spec");
    ctx c = {.s = s, .err = err};
    json_tokener *tok = json_tokener_new();
    json_object *root = tok ? json_tokener_parse_ex(tok, text, (int)strlen(text)) : NULL;
    dla_status st = DLA_OK;
    if (!root || json_tokener_get_error(tok) != json_tokener_success) {
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: not valid JSON (%s)", s->label,
                           tok ? json_tokener_error_desc(json_tokener_get_error(tok)) : "out of memory");
    } else if (!json_object_is_type(root, json_type_object)) {
        st = bad(&c, "(top level)", "%s", "expected an object");
    }
    static const char *const keys[] = {"version", "name",     "description", "base",    "networks",
                                       "axes",    "sampling", "constraints", "metrics", NULL};
    if (st == DLA_OK)
        st = check_keys(&c, root, "(top level)", keys);
    json_object *v;
    if (st == DLA_OK && (!json_object_object_get_ex(root, "version", &v) || !json_object_is_type(v, json_type_int) ||
                         json_object_get_int(v) != 1))
        st = bad(&c, "version", "%s", "missing or unsupported (expected 1)");
    snprintf(s->name, sizeof s->name, "sweep");
    if (st == DLA_OK)
        st = get_string(&c, root, "name", "(top level)", s->name, sizeof s->name, false);
    if (st == DLA_OK)
        st = parse_base(&c, root);
    if (st == DLA_OK)
        st = parse_networks(&c, root, base_dir);
    if (st == DLA_OK) {
        dla_config *cfg = NULL;
        dla_error e = {{0}};
        const char *sets[DLA_SWEEP_MAX_SETS];
        for (int k = 0; k < s->num_base_sets; k++)
            sets[k] = s->base_sets[k];
        if (dla_config_load(s->config, sets, s->num_base_sets, &cfg, &e) != DLA_OK)
            st = dla_error_set(err, DLA_ERR_INVALID, "%s: base: %s", s->label, e.msg);
        else if (s->power_mode[0] && !dla_config_power_mode(cfg, s->power_mode))
            st = bad(&c, "base.power_mode", "config has no power mode '%s'", s->power_mode);
        else if (!s->power_mode[0])
            snprintf(s->power_mode, sizeof s->power_mode, "%s", dla_config_power_mode(cfg, NULL)->name);
        dla_config_destroy(cfg);
    }
    json_object *axes = NULL;
    if (st == DLA_OK &&
        (!json_object_object_get_ex(root, "axes", &axes) || !json_object_is_type(axes, json_type_array)))
        st = bad(&c, "axes", "%s", "missing or not an array");
    if (st == DLA_OK && json_object_array_length(axes) > DLA_SWEEP_MAX_AXES)
        st = bad(&c, "axes", "%s", "too many axes (at most 16)");
    for (size_t i = 0; st == DLA_OK && i < json_object_array_length(axes); i++) {
        st = parse_axis(&c, json_object_array_get_idx(axes, i), i, &s->axes[i]);
        s->num_axes = i + 1;
        for (size_t j = 0; st == DLA_OK && j < i; j++)
            if (strcmp(s->axes[j].key, s->axes[i].key) == 0) {
                char path[32];
                snprintf(path, sizeof path, "axes[%zu]", i);
                st = bad(&c, path, "key '%s' is already an axis", s->axes[i].key);
            }
        if (st == DLA_OK)
            st = check_axis_values(&c, i);
    }
    int sets_needed = s->num_base_sets;
    for (size_t a = 0; a < s->num_axes; a++)
        sets_needed += s->axes[a].kind == SWEEP_AXIS_CONFIG;
    if (st == DLA_OK && sets_needed > DLA_SWEEP_MAX_SETS)
        st = bad(&c, "axes", "%s", "base.set plus config axes exceed 48 overrides");
    if (st == DLA_OK)
        st = parse_sampling(&c, root);
    if (st == DLA_OK)
        st = parse_list(&c, root, "constraints", false);
    if (st == DLA_OK)
        st = parse_list(&c, root, "metrics", true);
    if (st == DLA_OK) {
        const char *t = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
        s->text = strdup(t);
        if (!s->text)
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", s->label);
        else
            s->hash = hash_str(SWEEP_FNV_OFFSET, s->text);
    }
    if (st == DLA_OK)
        st = generate(&c);
    if (st == DLA_OK)
        st = finish_keys(&c);
    json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    if (st != DLA_OK) {
        dla_sweep_spec_destroy(s);
        return st;
    }
    *out = s;
    return DLA_OK;
}

dla_status dla_sweep_spec_load(const char *path, dla_sweep_spec **out, dla_error *err)
{
    if (!path || !out)
        return dla_error_set(err, DLA_ERR_INVALID, "sweep spec: path and output are required");
    uint8_t *data = NULL;
    size_t len = 0;
    dla_status st = dla_input_read(path, "sweep spec", 64u << 20, &data, &len, err);
    if (st != DLA_OK)
        return st;
    char *text = (char *)data;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    st = dla_sweep_spec_parse(text, path, dir, out, err);
    free(text);
    return st;
}

void dla_sweep_spec_destroy(dla_sweep_spec *s)
{
    if (!s)
        return;
    for (size_t a = 0; a < DLA_SWEEP_MAX_AXES; a++)
        free(s->axes[a].values);
    for (size_t p = 0; p < s->num_points; p++)
        free(s->points[p].values);
    free(s->points);
    free(s->compile_keys);
    free(s->job_keys);
    free(s->text);
    free(s);
}

size_t dla_sweep_num_points(const dla_sweep_spec *s)
{
    return s->num_points;
}
size_t dla_sweep_num_networks(const dla_sweep_spec *s)
{
    return s->num_networks;
}
size_t dla_sweep_num_jobs(const dla_sweep_spec *s)
{
    return s->num_points * s->num_networks;
}
size_t dla_sweep_num_axes(const dla_sweep_spec *s)
{
    return s->num_axes;
}
const char *dla_sweep_axis_key(const dla_sweep_spec *s, size_t axis)
{
    return axis < s->num_axes ? s->axes[axis].key : NULL;
}
const char *dla_sweep_point_value(const dla_sweep_spec *s, size_t point, size_t axis)
{
    return point < s->num_points && axis < s->num_axes ? s->points[point].values[axis] : NULL;
}
size_t dla_sweep_num_compile_keys(const dla_sweep_spec *s)
{
    return s->num_compile_keys;
}

void dla_sweep_job_get(const dla_sweep_spec *s, size_t i, dla_sweep_job *job)
{
    memset(job, 0, sizeof *job);
    size_t point = i / s->num_networks, net = i % s->num_networks;
    job->index = (uint32_t)i;
    job->point = (uint32_t)point;
    job->network = (uint32_t)net;
    job->network_name = s->networks[net].name;
    job->onnx_path = s->networks[net].onnx;
    job->config = s->config;
    char(*values)[SWEEP_VALUE_MAX] = s->points[point].values;
    const char *mode;
    point_options(s, values, &mode, &job->precision, &job->batch, &job->sparsity);
    job->power_mode = mode ? mode : s->power_mode;
    for (int k = 0; k < s->num_base_sets; k++)
        snprintf(job->sets[job->num_sets++], sizeof job->sets[0], "%s", s->base_sets[k]);
    for (size_t a = 0; a < s->num_axes; a++)
        if (s->axes[a].kind == SWEEP_AXIS_CONFIG)
            snprintf(job->sets[job->num_sets++], sizeof job->sets[0], "%s=%s", s->axes[a].key, values[a]);
    job->config_hash = s->points[point].config_hash;
    job->compile_key = s->compile_keys[i];
    job->job_key = s->job_keys ? s->job_keys[i] : 0;
}
