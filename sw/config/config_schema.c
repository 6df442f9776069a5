/* The config schema (one table row per JSON leaf) and its walker: validates keys, types, ranges and
 * {"value","source","ref"} leaves, fills dla_config, then applies the documented defaults and
 * cross-field rules. docs/config.md is the human-readable twin of the tables below. */
#include "config_schema.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TOP(p, k, r, n, m)                                                                                             \
    {                                                                                                                  \
        p, k, r, n, offsetof(cfg_build, m), sizeof(((cfg_build *)0)->m)                                                \
    }
#define MODE(p, k, r, n, m)                                                                                            \
    {                                                                                                                  \
        p, k, r, n, offsetof(dla_power_mode, m), sizeof(((dla_power_mode *)0)->m)                                      \
    }
#define CORE_INT(p, r, n, m) TOP("core." p, CFG_INT, r, n, cfg.core.m)
#define FEATURE(p) TOP("core.features." #p, CFG_BOOL, CFG_ANY, CFG_REQUIRED, cfg.core.features.p)
#define ENERGY(p) MODE("energy." #p, CFG_DBL, CFG_NONNEG, CFG_REQUIRED, energy.p)

const cfg_field cfg_top_fields[] = {
    TOP("version", CFG_INT, CFG_VERSION, CFG_REQUIRED, cfg.version),
    TOP("name", CFG_STR, CFG_ANY, CFG_OPTIONAL, cfg.name),
    TOP("description", CFG_STR, CFG_ANY, CFG_OPTIONAL, cfg.description),
    {"base", CFG_BASE, CFG_ANY, CFG_OPTIONAL, 0, 0},
    TOP("cores", CFG_INT, CFG_CORES, CFG_REQUIRED, cfg.num_cores),
    CORE_INT("atomic_c", CFG_POW2, CFG_REQUIRED, atomic_c),
    CORE_INT("atomic_k", CFG_POW2, CFG_REQUIRED, atomic_k),
    CORE_INT("fp16_macs_per_cycle", CFG_POS, CFG_OPTIONAL, fp16_macs_per_cycle),
    CORE_INT("memory_atomic_bytes", CFG_POW2, CFG_REQUIRED, memory_atomic_bytes),
    CORE_INT("cbuf.banks", CFG_POS, CFG_REQUIRED, cbuf_banks),
    CORE_INT("cbuf.entries_per_bank", CFG_POS, CFG_REQUIRED, cbuf_entries_per_bank),
    CORE_INT("cbuf.entry_bytes", CFG_POW2, CFG_REQUIRED, cbuf_entry_bytes),
    CORE_INT("cbuf.read_latency_cycles", CFG_NONNEG, CFG_REQUIRED, cbuf_read_latency_cycles),
    CORE_INT("cbuf.write_latency_cycles", CFG_NONNEG, CFG_REQUIRED, cbuf_write_latency_cycles),
    CORE_INT("csc.stripe_min", CFG_POS, CFG_OPTIONAL, csc_stripe_min),
    CORE_INT("csc.stripe_max", CFG_POS, CFG_OPTIONAL, csc_stripe_max),
    CORE_INT("csc.weight_load_cycles", CFG_POS, CFG_OPTIONAL, csc_weight_load_cycles),
    CORE_INT("csc.latency_cycles", CFG_NONNEG, CFG_REQUIRED, csc_latency_cycles),
    CORE_INT("csc.sg_flush_cycles", CFG_NONNEG, CFG_REQUIRED, csc_sg_flush_cycles),
    CORE_INT("cmac.latency_cycles", CFG_NONNEG, CFG_REQUIRED, cmac_latency_cycles),
    CORE_INT("cmac.point_split", CFG_POW2, CFG_OPTIONAL, cmac_point_split),
    CORE_INT("cacc.latency_cycles", CFG_NONNEG, CFG_REQUIRED, cacc_latency_cycles),
    CORE_INT("cacc.delivery_stripes", CFG_POS, CFG_REQUIRED, cacc_delivery_stripes),
    CORE_INT("sdp.bs_throughput", CFG_POS, CFG_REQUIRED, sdp_bs_throughput),
    CORE_INT("sdp.bn_throughput", CFG_POS, CFG_REQUIRED, sdp_bn_throughput),
    CORE_INT("sdp.ew_throughput", CFG_POS, CFG_REQUIRED, sdp_ew_throughput),
    CORE_INT("sdp.latency_cycles", CFG_NONNEG, CFG_REQUIRED, sdp_latency_cycles),
    CORE_INT("pdp.throughput", CFG_POS, CFG_REQUIRED, pdp_throughput),
    CORE_INT("pdp.line_buffer_bytes", CFG_POS, CFG_REQUIRED, pdp_line_buffer_bytes),
    CORE_INT("pdp.latency_cycles", CFG_NONNEG, CFG_REQUIRED, pdp_latency_cycles),
    CORE_INT("cdp.throughput", CFG_POS, CFG_REQUIRED, cdp_throughput),
    CORE_INT("cdp.latency_cycles", CFG_NONNEG, CFG_REQUIRED, cdp_latency_cycles),
    CORE_INT("rubik.bytes_per_cycle", CFG_POS, CFG_OPTIONAL, rubik_bytes_per_cycle),
    CORE_INT("rubik.request_bytes", CFG_POW2, CFG_OPTIONAL, rubik_request_bytes),
    CORE_INT("dma.read_bytes_per_cycle", CFG_POS, CFG_REQUIRED, dma_read_bytes_per_cycle),
    CORE_INT("dma.write_bytes_per_cycle", CFG_POS, CFG_REQUIRED, dma_write_bytes_per_cycle),
    CORE_INT("dma.max_outstanding", CFG_POS, CFG_REQUIRED, dma_max_outstanding),
    CORE_INT("dma.request_bytes", CFG_POW2, CFG_REQUIRED, dma_request_bytes),
    CORE_INT("csb.write_cycles", CFG_POS, CFG_REQUIRED, csb_write_cycles),
    CORE_INT("csb.irq_latency_cycles", CFG_NONNEG, CFG_REQUIRED, irq_latency_cycles),
    CORE_INT("controller.cycles_per_reg_write", CFG_NONNEG, CFG_REQUIRED, falcon_cycles_per_reg_write),
    CORE_INT("controller.cycles_per_op", CFG_NONNEG, CFG_REQUIRED, falcon_cycles_per_op),
    CORE_INT("controller.cycles_per_irq", CFG_NONNEG, CFG_REQUIRED, falcon_cycles_per_irq),
    FEATURE(int8),
    FEATURE(fp16),
    FEATURE(winograd),
    FEATURE(image_input),
    FEATURE(weight_compression),
    FEATURE(sparsity_2_4),
    FEATURE(sdp_lut),
    FEATURE(sdp_ew),
    FEATURE(pdp),
    FEATURE(cdp),
    FEATURE(bdma),
    FEATURE(rubik),
    FEATURE(sramif),
    CORE_INT("features.max_batch", CFG_POS, CFG_OPTIONAL, features.max_batch),
    TOP("memory.dram.bandwidth_gbps", CFG_DBL, CFG_POS, CFG_OPTIONAL, dram_bandwidth_default_gbps),
    TOP("memory.dram.latency_ns", CFG_DBL, CFG_NONNEG, CFG_REQUIRED, cfg.memory.dram_latency_ns),
    TOP("memory.dram.burst_bytes", CFG_INT, CFG_POW2, CFG_REQUIRED, cfg.memory.dram_burst_bytes),
    TOP("memory.dram.efficiency", CFG_DBL, CFG_FRAC, CFG_REQUIRED, cfg.memory.dram_efficiency),
    TOP("memory.dram.background_share", CFG_DBL, CFG_FRAC0, CFG_OPTIONAL, cfg.memory.dram_background_share),
    TOP("memory.sram.size_bytes", CFG_I64, CFG_NONNEG, CFG_OPTIONAL, cfg.memory.sram_size_bytes),
    TOP("memory.sram.bandwidth_gbps", CFG_DBL, CFG_POS, CFG_IF_SRAM, cfg.memory.sram_bandwidth_gbps),
    TOP("memory.sram.latency_cycles", CFG_INT, CFG_NONNEG, CFG_IF_SRAM, cfg.memory.sram_latency_cycles),
    TOP("gpu.int8_tops", CFG_DBL, CFG_POS, CFG_IF_GPU, cfg.gpu.int8_tops),
    TOP("gpu.fp16_tflops", CFG_DBL, CFG_POS, CFG_IF_GPU, cfg.gpu.fp16_tflops),
    TOP("gpu.reference_clock_mhz", CFG_DBL, CFG_POS, CFG_IF_GPU, cfg.gpu.reference_clock_mhz),
    TOP("gpu.launch_latency_us", CFG_DBL, CFG_NONNEG, CFG_IF_GPU, cfg.gpu.launch_latency_us),
    TOP("gpu.dla_gpu_sync_us", CFG_DBL, CFG_NONNEG, CFG_IF_GPU, cfg.gpu.dla_gpu_sync_us),
    TOP("gpu.dram_request_bytes", CFG_INT, CFG_POW2, CFG_IF_GPU, cfg.gpu.dram_request_bytes),
    TOP("area.mac_mm2_per_int8_mac", CFG_DBL, CFG_NONNEG, CFG_OPTIONAL, cfg.area.mac_mm2_per_int8_mac),
    TOP("area.cbuf_mm2_per_kib", CFG_DBL, CFG_NONNEG, CFG_OPTIONAL, cfg.area.cbuf_mm2_per_kib),
    TOP("area.sram_mm2_per_kib", CFG_DBL, CFG_NONNEG, CFG_OPTIONAL, cfg.area.sram_mm2_per_kib),
    TOP("area.datapath_mm2_per_byte_per_cycle", CFG_DBL, CFG_NONNEG, CFG_OPTIONAL,
        cfg.area.datapath_mm2_per_byte_per_cycle),
    TOP("area.fixed_mm2", CFG_DBL, CFG_NONNEG, CFG_OPTIONAL, cfg.area.fixed_mm2),
    TOP("area.reference_node_nm", CFG_DBL, CFG_POS, CFG_OPTIONAL, cfg.area.reference_node_nm),
    TOP("area.node_nm", CFG_DBL, CFG_POS, CFG_OPTIONAL, cfg.area.node_nm),
    TOP("area.node_area_scale", CFG_DBL, CFG_POS, CFG_OPTIONAL, cfg.area.node_area_scale),
    {"power_modes", CFG_MODES, CFG_ANY, CFG_REQUIRED, 0, 0},
};

const cfg_field cfg_mode_fields[] = {
    MODE("name", CFG_STR, CFG_MODENAME, CFG_REQUIRED, name),
    MODE("dla_clock_mhz", CFG_DBL, CFG_POS, CFG_REQUIRED, dla_clock_mhz),
    MODE("falcon_clock_mhz", CFG_DBL, CFG_POS, CFG_OPTIONAL, falcon_clock_mhz),
    MODE("emc_clock_mhz", CFG_DBL, CFG_POS, CFG_OPTIONAL, emc_clock_mhz),
    MODE("dram_bandwidth_gbps", CFG_DBL, CFG_POS, CFG_OPTIONAL, dram_bandwidth_gbps),
    MODE("gpu_clock_mhz", CFG_DBL, CFG_POS, CFG_OPTIONAL, gpu_clock_mhz),
    MODE("dram_latency_ns", CFG_DBL, CFG_NONNEG, CFG_OPTIONAL, dram_latency_ns),
    MODE("dram_efficiency", CFG_DBL, CFG_FRAC, CFG_OPTIONAL, dram_efficiency),
    ENERGY(mac_int8_pj),
    ENERGY(mac_fp16_pj),
    ENERGY(cbuf_read_byte_pj),
    ENERGY(cbuf_write_byte_pj),
    ENERGY(dram_byte_pj),
    ENERGY(sram_byte_pj),
    ENERGY(sdp_element_pj),
    ENERGY(pdp_element_pj),
    ENERGY(cdp_element_pj),
    ENERGY(csb_write_pj),
    ENERGY(static_power_w),
};

_Static_assert(sizeof cfg_top_fields / sizeof cfg_top_fields[0] <= CFG_MAX_FIELDS, "raise CFG_MAX_FIELDS");
_Static_assert(sizeof cfg_mode_fields / sizeof cfg_mode_fields[0] <= CFG_MAX_FIELDS, "raise CFG_MAX_FIELDS");

const size_t cfg_n_top_fields = sizeof cfg_top_fields / sizeof cfg_top_fields[0];
const size_t cfg_n_mode_fields = sizeof cfg_mode_fields / sizeof cfg_mode_fields[0];

/* ---- table lookups ---- */

bool cfg_name_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

const cfg_field *cfg_find_field(const cfg_field *table, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].path, path) == 0)
            return &table[i];
    return NULL;
}

bool cfg_is_group(const cfg_field *table, size_t n, const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < n; i++)
        if (len == 0 || (strncmp(table[i].path, path, len) == 0 && table[i].path[len] == '.'))
            return true;
    return false;
}

void cfg_allowed_keys(const cfg_field *table, size_t n, const char *path, char *buf, size_t size)
{
    size_t len = strlen(path), used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *p = table[i].path;
        if (len > 0) {
            if (strncmp(p, path, len) != 0 || p[len] != '.')
                continue;
            p += len + 1;
        }
        size_t klen = strcspn(p, ".");
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) { /* same key already listed by an earlier row? */
            const char *q = table[j].path;
            if (len > 0) {
                if (strncmp(q, path, len) != 0 || q[len] != '.')
                    continue;
                q += len + 1;
            }
            dup = strcspn(q, ".") == klen && strncmp(p, q, klen) == 0;
        }
        if (!dup && used + klen + 3 < size) {
            used += (size_t)snprintf(buf + used, size - used, "%.*s, ", (int)klen, p);
        }
    }
    snprintf(buf + used, size - used, "comment");
}

static void join(char *out, size_t size, const char *prefix, const char *key)
{
    if (prefix[0])
        snprintf(out, size, "%s.%s", prefix, key);
    else
        snprintf(out, size, "%s", key);
}

/* ---- leaves ---- */

json_object *cfg_leaf_value(json_object *v)
{
    json_object *inner;
    if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "value", &inner))
        return inner;
    return v;
}

static const char *expected_text(const cfg_field *f, char *buf, size_t size)
{
    switch (f->kind) {
    case CFG_INT:
    case CFG_I64:
        switch (f->rule) {
        case CFG_POS: return "a positive integer";
        case CFG_NONNEG: return "a non-negative integer";
        case CFG_POW2: return "a positive power of two";
        case CFG_CORES: snprintf(buf, size, "an integer in 1..%d", DLA_MAX_CORES); return buf;
        case CFG_VERSION: return "1 (the only schema version)";
        default: return "an integer";
        }
    case CFG_DBL:
        switch (f->rule) {
        case CFG_POS: return "a number > 0";
        case CFG_NONNEG: return "a number >= 0";
        case CFG_FRAC: return "a number in (0, 1]";
        case CFG_FRAC0: return "a number in [0, 1)";
        default: return "a number";
        }
    case CFG_BOOL: return "true or false";
    case CFG_STR:
        if (f->rule == CFG_MODENAME)
            snprintf(buf, size, "a non-empty name of at most %zu characters without '.' or '='", f->size - 1);
        else
            snprintf(buf, size, "a string of at most %zu characters", f->size - 1);
        return buf;
    case CFG_BASE: return "a file path or preset name (string)";
    case CFG_MODES: return "an array of power-mode objects";
    }
    return "?";
}

static const char *json_text(json_object *v)
{
    return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "nothing";
}

static bool rule_ok_int(cfg_rule r, int64_t x)
{
    switch (r) {
    case CFG_POS: return x > 0;
    case CFG_NONNEG: return x >= 0;
    case CFG_POW2: return x > 0 && (x & (x - 1)) == 0;
    case CFG_CORES: return x >= 1 && x <= DLA_MAX_CORES;
    case CFG_VERSION: return x == 1;
    default: return true;
    }
}

static bool rule_ok_dbl(cfg_rule r, double x)
{
    if (!isfinite(x))
        return false;
    switch (r) {
    case CFG_POS: return x > 0;
    case CFG_NONNEG: return x >= 0;
    case CFG_FRAC: return x > 0 && x <= 1;
    case CFG_FRAC0: return x >= 0 && x < 1;
    default: return true;
    }
}

dla_status cfg_check_value(const cfg_field *f, json_object *v, const char *file, const char *shown, dla_error *err)
{
    bool ok = false;
    switch (f->kind) {
    case CFG_INT:
    case CFG_I64:
        if (json_object_is_type(v, json_type_int)) {
            int64_t x = json_object_get_int64(v);
            ok = rule_ok_int(f->rule, x) && (f->kind == CFG_I64 || (x >= INT_MIN && x <= INT_MAX));
        }
        break;
    case CFG_DBL:
        ok = (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) &&
             rule_ok_dbl(f->rule, json_object_get_double(v));
        break;
    case CFG_BOOL: ok = json_object_is_type(v, json_type_boolean); break;
    case CFG_STR:
        if (json_object_is_type(v, json_type_string)) {
            const char *s = json_object_get_string(v);
            ok = strlen(s) < f->size;
            if (f->rule == CFG_MODENAME)
                ok = ok && s[0] && !strpbrk(s, ".=");
        }
        break;
    case CFG_BASE: ok = json_object_is_type(v, json_type_string) && json_object_get_string(v)[0]; break;
    case CFG_MODES: ok = json_object_is_type(v, json_type_array); break;
    }
    if (ok)
        return DLA_OK;
    char buf[96];
    return dla_error_set(err, DLA_ERR_INVALID, "%s: %s: expected %s, got %.120s", file, shown,
                         expected_text(f, buf, sizeof buf), json_text(v));
}

static void store(const cfg_field *f, json_object *v, char *base)
{
    void *p = base + f->offset;
    switch (f->kind) {
    case CFG_INT: *(int *)p = (int)json_object_get_int64(v); break;
    case CFG_I64: *(int64_t *)p = json_object_get_int64(v); break;
    case CFG_DBL: *(double *)p = json_object_get_double(v); break;
    case CFG_BOOL: *(bool *)p = json_object_get_boolean(v); break;
    case CFG_STR: snprintf((char *)p, f->size, "%s", json_object_get_string(v)); break;
    case CFG_BASE:
    case CFG_MODES: break;
    }
}

/* ---- walker ---- */

typedef struct walker {
    const char *file;
    cfg_build *out; /* NULL: check only */
    cfg_seen *seen;
    dla_error *err;
} walker;

static dla_status walk_group(walker *w, json_object *obj, const cfg_field *t, size_t n, const char *rel,
                             const char *shown, char *base, bool *seen);

static const char *const sources[] = {"published", "derived", "assumed", "override"};

/* {"value": v, "source": "...", "ref": "..."}: the documented provenance form of a leaf. */
static dla_status check_source_object(walker *w, json_object *obj, const char *shown)
{
    json_object_object_foreach(obj, key, val)
    {
        if (strcmp(key, "value") == 0)
            continue;
        if (strcmp(key, "source") == 0) {
            bool ok = false;
            for (size_t i = 0; json_object_is_type(val, json_type_string) && i < 4; i++)
                ok = ok || strcmp(json_object_get_string(val), sources[i]) == 0;
            if (!ok)
                return dla_error_set(w->err, DLA_ERR_INVALID,
                                     "%s: %s.source: expected one of published, derived, assumed, override, got %.80s",
                                     w->file, shown, json_text(val));
        } else if (strcmp(key, "ref") == 0) {
            if (!json_object_is_type(val, json_type_string))
                return dla_error_set(w->err, DLA_ERR_INVALID, "%s: %s.ref: expected a string, got %.80s", w->file,
                                     shown, json_text(val));
        } else {
            return dla_error_set(w->err, DLA_ERR_INVALID,
                                 "%s: %s.%s: unknown key in a value object (allowed: value, source, ref)", w->file,
                                 shown, key);
        }
    }
    if (!json_object_object_get_ex(obj, "value", NULL))
        return dla_error_set(w->err, DLA_ERR_INVALID, "%s: %s: value object has no \"value\" key", w->file, shown);
    if (!json_object_object_get_ex(obj, "source", NULL))
        return dla_error_set(w->err, DLA_ERR_INVALID,
                             "%s: %s: value object has no \"source\" key (published, derived or assumed)", w->file,
                             shown);
    return DLA_OK;
}

static dla_status walk_modes(walker *w, json_object *arr, const char *shown)
{
    size_t n = json_object_array_length(arr);
    if (n == 0)
        return dla_error_set(w->err, DLA_ERR_INVALID, "%s: %s: empty array, at least one power mode is required",
                             w->file, shown);
    if (n > DLA_MAX_POWER_MODES)
        return dla_error_set(w->err, DLA_ERR_LIMIT, "%s: %s: %zu modes, at most %d are supported", w->file, shown, n,
                             DLA_MAX_POWER_MODES);
    for (size_t i = 0; i < n; i++) {
        json_object *mode = json_object_array_get_idx(arr, i);
        char at[192];
        snprintf(at, sizeof at, "%s[%zu]", shown, i);
        if (!json_object_is_type(mode, json_type_object))
            return dla_error_set(w->err, DLA_ERR_INVALID, "%s: %s: expected a power-mode object, got %.80s", w->file,
                                 at, json_text(mode));
        char *base = w->out ? (char *)&w->out->cfg.power_modes[i] : NULL;
        dla_status st =
            walk_group(w, mode, cfg_mode_fields, cfg_n_mode_fields, "", at, base, w->seen ? w->seen->mode[i] : NULL);
        if (st != DLA_OK)
            return st;
        json_object *name, *other;
        if (!json_object_object_get_ex(mode, "name", &name))
            continue; /* reported as missing after base inheritance */
        for (size_t j = 0; j < i; j++) {
            if (!json_object_object_get_ex(json_object_array_get_idx(arr, j), "name", &other))
                continue;
            const char *a = json_object_get_string(cfg_leaf_value(name));
            const char *b = json_object_get_string(cfg_leaf_value(other));
            if (cfg_name_equal(a, b)) /* case-insensitive, as dla_config_power_mode() looks them up */
                return dla_error_set(w->err, DLA_ERR_INVALID, "%s: %s.name: duplicate mode name \"%s\" (also %s[%zu])",
                                     w->file, at, a, shown, j);
        }
    }
    if (w->out)
        w->out->cfg.num_power_modes = (int)n;
    return DLA_OK;
}

static dla_status walk_leaf(walker *w, const cfg_field *f, json_object *v, const char *shown, char *base, bool *seen)
{
    if (f->kind != CFG_MODES && json_object_is_type(v, json_type_object)) {
        dla_status st = check_source_object(w, v, shown);
        if (st != DLA_OK)
            return st;
        v = cfg_leaf_value(v);
    }
    dla_status st = cfg_check_value(f, v, w->file, shown, w->err);
    if (st == DLA_OK && f->kind == CFG_MODES)
        st = walk_modes(w, v, shown);
    if (st != DLA_OK)
        return st;
    if (base)
        store(f, v, base);
    if (seen)
        *seen = true;
    return DLA_OK;
}

static dla_status walk_group(walker *w, json_object *obj, const cfg_field *t, size_t n, const char *rel,
                             const char *shown, char *base, bool *seen)
{
    json_object_object_foreach(obj, key, val)
    {
        char rel_key[128], shown_key[160];
        join(rel_key, sizeof rel_key, rel, key);
        join(shown_key, sizeof shown_key, shown, key);
        if (strcmp(key, "comment") == 0) {
            if (!json_object_is_type(val, json_type_string))
                return dla_error_set(w->err, DLA_ERR_INVALID, "%s: %s: expected a string, got %.80s", w->file,
                                     shown_key, json_text(val));
            continue;
        }
        const cfg_field *f = cfg_find_field(t, n, rel_key);
        dla_status st;
        if (f) {
            st = walk_leaf(w, f, val, shown_key, base, seen ? &seen[f - t] : NULL);
        } else if (cfg_is_group(t, n, rel_key)) {
            if (!json_object_is_type(val, json_type_object))
                return dla_error_set(w->err, DLA_ERR_INVALID,
                                     "%s: %s: expected an object (a group of settings), got %.80s", w->file, shown_key,
                                     json_text(val));
            st = walk_group(w, val, t, n, rel_key, shown_key, base, seen);
        } else {
            char allowed[1024];
            cfg_allowed_keys(t, n, rel, allowed, sizeof allowed);
            return dla_error_set(w->err, DLA_ERR_INVALID, "%s: %s: unknown key (allowed%s%s: %s)", w->file, shown_key,
                                 shown[0] ? " in " : " at top level", shown, allowed);
        }
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}

dla_status cfg_walk(json_object *root, const char *file, cfg_build *out, cfg_seen *seen, dla_error *err)
{
    walker w = {file, out, seen, err};
    if (!json_object_is_type(root, json_type_object))
        return dla_error_set(err, DLA_ERR_INVALID, "%s: expected a JSON object at top level, got %.40s", file,
                             json_text(root));
    return walk_group(&w, root, cfg_top_fields, cfg_n_top_fields, "", "", out ? (char *)out : NULL,
                      seen ? seen->top : NULL);
}

/* ---- after the final walk: required fields, defaults, cross-field rules ---- */

static bool top_seen(const cfg_seen *seen, const char *path)
{
    const cfg_field *f = cfg_find_field(cfg_top_fields, cfg_n_top_fields, path);
    return f && seen->top[f - cfg_top_fields];
}

static dla_status finish_mode(cfg_build *b, const cfg_seen *seen, int i, const char *file, dla_error *err)
{
    dla_power_mode *m = &b->cfg.power_modes[i];
    const bool *ms = seen->mode[i];
    for (size_t j = 0; j < cfg_n_mode_fields; j++)
        if (cfg_mode_fields[j].need == CFG_REQUIRED && !ms[j])
            return dla_error_set(err, DLA_ERR_INVALID, "%s: power_modes[%d].%s: missing required field", file, i,
                                 cfg_mode_fields[j].path);
#define MODE_SEEN(p) ms[cfg_find_field(cfg_mode_fields, cfg_n_mode_fields, p) - cfg_mode_fields]
    if (!MODE_SEEN("falcon_clock_mhz"))
        m->falcon_clock_mhz = m->dla_clock_mhz;
    if (!MODE_SEEN("dram_bandwidth_gbps")) {
        if (!top_seen(seen, "memory.dram.bandwidth_gbps"))
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: power_modes[%d].dram_bandwidth_gbps: missing required field "
                                 "(and no memory.dram.bandwidth_gbps default)",
                                 file, i);
        m->dram_bandwidth_gbps = b->dram_bandwidth_default_gbps;
    }
    if (!MODE_SEEN("gpu_clock_mhz"))
        m->gpu_clock_mhz = b->cfg.gpu.reference_clock_mhz;
    if (!MODE_SEEN("dram_latency_ns"))
        m->dram_latency_ns = b->cfg.memory.dram_latency_ns;
    if (!MODE_SEEN("dram_efficiency"))
        m->dram_efficiency = b->cfg.memory.dram_efficiency;
#undef MODE_SEEN
    return DLA_OK;
}

dla_status cfg_finish(cfg_build *b, const cfg_seen *seen, const char *file, dla_error *err)
{
    dla_config *c = &b->cfg;
    dla_core_params *k = &c->core;
    bool has_gpu = false;
    for (size_t i = 0; i < cfg_n_top_fields; i++)
        has_gpu = has_gpu || (cfg_top_fields[i].need == CFG_IF_GPU && seen->top[i]);
    for (size_t i = 0; i < cfg_n_top_fields; i++) {
        const cfg_field *f = &cfg_top_fields[i];
        const char *why = NULL;
        if (seen->top[i])
            continue;
        if (f->need == CFG_REQUIRED)
            why = "missing required field";
        else if (f->need == CFG_IF_GPU && has_gpu)
            why = "missing required field (the gpu group is present)";
        else if (f->need == CFG_IF_SRAM && c->memory.sram_size_bytes > 0)
            why = "missing required field (memory.sram.size_bytes > 0)";
        if (why)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: %s: %s", file, f->path, why);
    }

    if (!top_seen(seen, "name")) { /* default: the file name without folder and .json */
        const char *slash = strrchr(file, '/');
        const char *stem = slash ? slash + 1 : file;
        size_t len = strcspn(stem, ".");
        snprintf(c->name, sizeof c->name, "%.*s", (int)(len < sizeof c->name ? len : sizeof c->name - 1), stem);
    }

    int64_t macs = (int64_t)k->atomic_c * k->atomic_k;
    if (macs > INT_MAX)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: core.atomic_k: atomic_c x atomic_k = %lld exceeds %d", file,
                             (long long)macs, INT_MAX);
    if (!top_seen(seen, "core.fp16_macs_per_cycle"))
        k->fp16_macs_per_cycle = macs / 2 > 0 ? (int)(macs / 2) : 1;
    if (!top_seen(seen, "core.csc.stripe_min"))
        k->csc_stripe_min = k->atomic_k;
    if (!top_seen(seen, "core.csc.stripe_max"))
        k->csc_stripe_max = 2 * k->atomic_k - 1;
    if (!top_seen(seen, "core.csc.weight_load_cycles"))
        k->csc_weight_load_cycles = k->atomic_k;
    if (!top_seen(seen, "core.features.max_batch"))
        k->features.max_batch = 1;
    if (!top_seen(seen, "core.cmac.point_split"))
        k->cmac_point_split = 1; /* NVDLA: one output point per atomic op */
    if (k->cmac_point_split > k->atomic_k)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: core.cmac.point_split: %d exceeds core.atomic_k %d", file,
                             k->cmac_point_split, k->atomic_k);

    if (k->csc_stripe_min > k->csc_stripe_max)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: core.csc.stripe_min: %d exceeds core.csc.stripe_max %d", file,
                             k->csc_stripe_min, k->csc_stripe_max);
    if (k->features.max_batch > 32) /* NVDLA's D_BATCH_NUMBER is 5 bits (batch - 1) */
        return dla_error_set(err, DLA_ERR_INVALID, "%s: core.features.max_batch: %d exceeds NVDLA's 32 images", file,
                             k->features.max_batch);
    if (!k->features.int8 && !k->features.fp16)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: core.features: at least one of int8 and fp16 must be true",
                             file);
    if (k->features.rubik &&
        (!top_seen(seen, "core.rubik.bytes_per_cycle") || !top_seen(seen, "core.rubik.request_bytes")))
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: core.rubik: core.features.rubik = true needs core.rubik.bytes_per_cycle and "
                             "core.rubik.request_bytes",
                             file);
    if (c->memory.sram_size_bytes > 0 && !k->features.sramif)
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: memory.sram.size_bytes: %lld bytes of SRAM need core.features.sramif = true", file,
                             (long long)c->memory.sram_size_bytes);

    for (int i = 0; i < c->num_power_modes; i++) {
        dla_status st = finish_mode(b, seen, i, file, err);
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}
