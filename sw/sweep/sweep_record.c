/* One job's result as a JSON line: the journal's record format and the message a worker child sends
 * its parent (docs/sweeps.md "Resume"). Integers travel as JSON integers, doubles with 17
 * significant digits, so a record read back is bit-identical to the one written. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

static void add_u64(json_object *o, const char *k, uint64_t v)
{
    json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

/* NaN (no area model) is not JSON: it travels as null. */
static void add_dbl(json_object *o, const char *k, double v)
{
    if (!isfinite(v)) {
        json_object_object_add(o, k, NULL);
        return;
    }
    char txt[40];
    snprintf(txt, sizeof txt, "%.17g", v);
    json_object_object_add(o, k, json_object_new_double_s(v, txt));
}

char *sweep_record_format(const sweep_record *r)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    char key[24];
    snprintf(key, sizeof key, "%016" PRIx64, r->job_key);
    add_u64(o, "index", r->index);
    json_object_object_add(o, "key", json_object_new_string(key));
    json_object_object_add(o, "ok", json_object_new_boolean(r->m.ok));
    json_object_object_add(o, "message", json_object_new_string(r->m.message));
    json_object_object_add(o, "compiled", json_object_new_boolean(r->compiled));
    add_u64(o, "cycles", r->m.cycles);
    add_dbl(o, "latency_ms", r->m.latency_ms);
    add_dbl(o, "images_per_s", r->m.images_per_s);
    add_dbl(o, "tops", r->m.tops);
    add_dbl(o, "mac_utilization", r->m.mac_utilization);
    add_u64(o, "dram_read_bytes", r->m.dram_read_bytes);
    add_u64(o, "dram_write_bytes", r->m.dram_write_bytes);
    add_dbl(o, "energy_mj", r->m.energy_mj);
    add_dbl(o, "avg_power_w", r->m.avg_power_w);
    add_dbl(o, "perf_per_w", r->m.perf_per_w);
    add_dbl(o, "area_mm2", r->m.area_mm2);
    add_dbl(o, "wall_s", r->m.wall_s);
    add_dbl(o, "cpu_s", r->cpu_s);
    char *t = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return t;
}

static bool get(json_object *o, const char *k, json_type type, json_object **v)
{
    return json_object_object_get_ex(o, k, v) && json_object_is_type(*v, type);
}

static bool get_dbl(json_object *o, const char *k, double *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        return false;
    if (!v) {
        *out = NAN;
        return true;
    }
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
        return false;
    *out = json_object_get_double(v);
    return true;
}

static bool get_u64(json_object *o, const char *k, uint64_t *out)
{
    json_object *v;
    if (!get(o, k, json_type_int, &v))
        return false;
    *out = (uint64_t)json_object_get_int64(v);
    return true;
}

bool sweep_record_parse(const char *text, sweep_record *r)
{
    memset(r, 0, sizeof *r);
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return false;
    json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text));
    bool ok = o && json_tokener_get_error(tok) == json_tokener_success && json_object_is_type(o, json_type_object);
    json_tokener_free(tok);
    json_object *v;
    uint64_t index = 0;
    ok = ok && get_u64(o, "index", &index) && index <= UINT32_MAX;
    r->index = (uint32_t)index;
    if (ok && get(o, "key", json_type_string, &v)) {
        char *end = NULL;
        r->job_key = strtoull(json_object_get_string(v), &end, 16);
        ok = end && *end == '\0';
    } else {
        ok = false;
    }
    if (ok && get(o, "ok", json_type_boolean, &v))
        r->m.ok = json_object_get_boolean(v);
    else
        ok = false;
    if (ok && get(o, "message", json_type_string, &v))
        snprintf(r->m.message, sizeof r->m.message, "%s", json_object_get_string(v));
    else
        ok = false;
    if (ok && get(o, "compiled", json_type_boolean, &v))
        r->compiled = json_object_get_boolean(v);
    else
        ok = false;
    ok = ok && get_u64(o, "cycles", &r->m.cycles) && get_dbl(o, "latency_ms", &r->m.latency_ms) &&
         get_dbl(o, "images_per_s", &r->m.images_per_s) && get_dbl(o, "tops", &r->m.tops) &&
         get_dbl(o, "mac_utilization", &r->m.mac_utilization) && get_u64(o, "dram_read_bytes", &r->m.dram_read_bytes) &&
         get_u64(o, "dram_write_bytes", &r->m.dram_write_bytes) && get_dbl(o, "energy_mj", &r->m.energy_mj) &&
         get_dbl(o, "avg_power_w", &r->m.avg_power_w) && get_dbl(o, "perf_per_w", &r->m.perf_per_w) &&
         get_dbl(o, "area_mm2", &r->m.area_mm2) && get_dbl(o, "wall_s", &r->m.wall_s);
    if (ok && !get_dbl(o, "cpu_s", &r->cpu_s)) /* journals written before cpu_s existed */
        r->cpu_s = NAN;
    json_object_put(o);
    return ok;
}
