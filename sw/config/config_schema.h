/* Internal to dla_config: the schema of configs/ JSON files as a table of leaves, and the walker that
 * validates one JSON document against it (and, on the final merged document, fills dla_config).
 * config_load.c owns files, base inheritance and --set; this part owns keys, types and ranges. */
#ifndef DLA_CONFIG_SCHEMA_H
#define DLA_CONFIG_SCHEMA_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "dla/config.h"

typedef enum cfg_kind {
    CFG_INT, /* int field */
    CFG_I64, /* int64_t field */
    CFG_DBL, /* double field (JSON int or double) */
    CFG_BOOL,
    CFG_STR,   /* char[size] field */
    CFG_BASE,  /* "base": a string, consumed by the loader, not stored */
    CFG_MODES, /* "power_modes": array of mode objects (schema cfg_mode_fields) */
} cfg_kind;

typedef enum cfg_rule {
    CFG_ANY,
    CFG_POS,     /* > 0 */
    CFG_NONNEG,  /* >= 0 */
    CFG_POW2,    /* positive power of two */
    CFG_FRAC,    /* (0, 1] */
    CFG_FRAC0,   /* [0, 1) */
    CFG_CORES,   /* 1..DLA_MAX_CORES */
    CFG_VERSION, /* == 1 */
    CFG_MODENAME /* non-empty, no '.' or '=' (--set addresses modes by name) */
} cfg_rule;

typedef enum cfg_need {
    CFG_REQUIRED, /* must be present after base inheritance */
    CFG_OPTIONAL, /* documented default, applied in cfg_finish() */
    CFG_IF_GPU,   /* required when the gpu group is present */
    CFG_IF_SRAM,  /* required when memory.sram.size_bytes > 0 */
} cfg_need;

typedef struct cfg_field {
    const char *path; /* dotted path relative to the table root ("core.cbuf.banks") */
    cfg_kind kind;
    cfg_rule rule;
    cfg_need need;
    size_t offset; /* into cfg_build (top table) or dla_power_mode (mode table); unused for BASE */
    size_t size;   /* CFG_STR capacity */
} cfg_field;

/* What the walker fills: the public struct plus values that only feed defaults. */
typedef struct cfg_build {
    dla_config cfg;
    double dram_bandwidth_default_gbps; /* memory.dram.bandwidth_gbps */
} cfg_build;

enum {
    CFG_MAX_FIELDS = 128
};

typedef struct cfg_seen {
    bool top[CFG_MAX_FIELDS];
    bool mode[DLA_MAX_POWER_MODES][CFG_MAX_FIELDS];
} cfg_seen;

extern const cfg_field cfg_top_fields[];
extern const size_t cfg_n_top_fields;
extern const cfg_field cfg_mode_fields[];
extern const size_t cfg_n_mode_fields;

/* Validate a whole document (keys, types, ranges, source objects, power_modes array).
 * file labels messages. out/seen NULL = check only; otherwise values are stored and marked. */
dla_status cfg_walk(json_object *root, const char *file, cfg_build *out, cfg_seen *seen, dla_error *err);

/* After cfg_walk(out) of the final document: required fields, defaults, cross-field rules. */
dla_status cfg_finish(cfg_build *b, const cfg_seen *seen, const char *file, dla_error *err);

/* Leaf lookup for --set: the field at a table-relative path, or NULL. */
const cfg_field *cfg_find_field(const cfg_field *table, size_t n, const char *path);
/* True if path names a group (an object holding leaves) of the table. */
bool cfg_is_group(const cfg_field *table, size_t n, const char *path);

/* "a, b, c, comment": the keys the group at path may hold (for unknown-key messages). */
void cfg_allowed_keys(const cfg_field *table, size_t n, const char *path, char *buf, size_t size);

/* Check one bare value against a leaf (type and range); shown is the path used in messages. */
dla_status cfg_check_value(const cfg_field *f, json_object *v, const char *file, const char *shown, dla_error *err);

/* ASCII case-insensitive equality (power-mode names). */
bool cfg_name_equal(const char *a, const char *b);

/* A leaf in {"value", "source", "ref"} form returns its "value"; anything else returns v. */
json_object *cfg_leaf_value(json_object *v);

#endif
