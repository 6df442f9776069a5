/* Loading a hardware description: find the file (path or preset name), parse it with json-c,
 * follow "base" inheritance (deep merge, child wins), apply --set overrides, then hand the final
 * document to the schema walker (config_schema.c). Public API of dla/config.h. */
#define _XOPEN_SOURCE 700

#include "config_schema.h"
#include "dla/config.h"
#include "dla/input_file.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    BASE_MAX_DEPTH = 8,
    CONFIG_MAX_FILE_BYTES = 16 << 20 /* presets are a few KiB */
};

/* Files on the current base chain (cycle detection); index = depth. */
typedef struct chain {
    char real[BASE_MAX_DEPTH + 1][PATH_MAX];
    char shown[BASE_MAX_DEPTH + 1][PATH_MAX];
} chain;

const char *dla_config_builtin_dir(void)
{
    return DLASIM_CONFIG_DIR;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* "x.json", "dir/x" and "/abs" are paths; a bare word is a preset name. */
static bool is_path(const char *s)
{
    return strchr(s, '/') || ends_with(s, ".json");
}

/* "a, b, c": the presets in dir, sorted, for "no such preset" messages. */
static void list_presets(const char *dir, char *buf, size_t size)
{
    char names[32][DLA_NAME_MAX];
    int n = 0;
    DIR *d = opendir(dir);
    buf[0] = '\0';
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) && n < 32;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && len - 5 < DLA_NAME_MAX && ends_with(e->d_name, ".json")) {
            snprintf(names[n], DLA_NAME_MAX, "%.*s", (int)(len - 5), e->d_name);
            for (int j = n++; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) { /* insertion sort */
                char t[DLA_NAME_MAX];
                memcpy(t, names[j], sizeof t);
                memcpy(names[j], names[j - 1], sizeof t);
                memcpy(names[j - 1], t, sizeof t);
            }
        }
    }
    closedir(d);
    size_t used = 0;
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

/* Turn a name or path into a file to open. from: the including file (relative bases resolve
 * against its folder), or NULL for the top-level argument (relative to the working directory). */
static dla_status resolve(const char *ref, const char *from, char *out, size_t size, dla_error *err)
{
    if (is_path(ref)) {
        const char *slash = from ? strrchr(from, '/') : NULL;
        if (ref[0] == '/' || !slash)
            snprintf(out, size, "%s", ref);
        else
            snprintf(out, size, "%.*s/%s", (int)(slash - from), from, ref);
        return DLA_OK;
    }
    const char *env = getenv("DLASIM_CONFIG_DIR");
    const char *dirs[2] = {env && env[0] ? env : NULL, dla_config_builtin_dir()};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i])
            continue;
        snprintf(out, size, "%s/%s.json", dirs[i], ref);
        if (access(out, R_OK) == 0)
            return DLA_OK;
    }
    char avail[512];
    list_presets(dla_config_builtin_dir(), avail, sizeof avail);
    return dla_error_set(err, DLA_ERR_IO, "no preset named '%s' (looked for %s.json in %s%s%s; built-in presets: %s)",
                         ref, ref, dirs[0] ? dirs[0] : "", dirs[0] ? " and " : "", dirs[1], avail);
}

static dla_status parse_file(const char *path, json_object **out, dla_error *err)
{
    json_tokener *tok = NULL;
    *out = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    /* Presets are a few KiB; the limit keeps a huge or endless input (a FIFO, /dev/zero) out of memory. */
    dla_status st = dla_input_read(path, "config", CONFIG_MAX_FILE_BYTES, &data, &len, err);
    if (st != DLA_OK)
        return st;
    char *text = (char *)data;
    tok = json_tokener_new();
    if (!tok) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, len);
        goto fail;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);      /* configs are plain JSON; "comment" keys carry notes */
    *out = json_tokener_parse_ex(tok, text, (int)len + 1); /* the NUL ends a bare top-level number */
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    const char *what = NULL;
    if (!*out || jerr != json_tokener_success)
        what = jerr == json_tokener_continue ? "unexpected end of file" : json_tokener_error_desc(jerr);
    else if (text[end + strspn(text + end, " \t\r\n")] != '\0')
        what = "unexpected text after the top-level value";
    if (what) {
        int line = 1, col = 1;
        for (size_t i = 0; i < end && text[i]; i++, col++)
            if (text[i] == '\n')
                line++, col = 0;
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: not valid JSON: %s at line %d, column %d", path, what, line, col);
        json_object_put(*out);
        *out = NULL;
    }
fail:
    if (tok)
        json_tokener_free(tok);
    free(text);
    return st;
}

/* Deep merge src into dst: groups merge key by key, leaves and power_modes are replaced whole. */
static dla_status merge_into(json_object *dst, json_object *src, const char *rel, dla_error *err)
{
    json_object_object_foreach(src, key, val)
    {
        char rel_key[128];
        snprintf(rel_key, sizeof rel_key, "%s%s%s", rel, rel[0] ? "." : "", key);
        if (!rel[0] && strcmp(key, "base") == 0)
            continue;
        json_object *d;
        if (json_object_object_get_ex(dst, key, &d) && json_object_is_type(d, json_type_object) &&
            json_object_is_type(val, json_type_object) && !cfg_find_field(cfg_top_fields, cfg_n_top_fields, rel_key) &&
            cfg_is_group(cfg_top_fields, cfg_n_top_fields, rel_key)) {
            dla_status st = merge_into(d, val, rel_key, err);
            if (st != DLA_OK)
                return st;
            continue;
        }
        json_object *copy = NULL;
        if (json_object_deep_copy(val, &copy, NULL) != 0 || json_object_object_add(dst, key, copy) != 0) {
            json_object_put(copy);
            return dla_error_set(err, DLA_ERR_NOMEM, "out of memory merging '%s'", rel_key);
        }
    }
    return DLA_OK;
}

/* Parse path, validate it on its own, and merge it over its base chain. from = including file. */
static dla_status load_tree(chain *c, const char *path, const char *from, int depth, json_object **out, dla_error *err)
{
    json_object *obj = NULL, *merged = NULL, *base;
    dla_status st;
    *out = NULL;
    if (!realpath(path, c->real[depth]))
        return dla_error_set(err, DLA_ERR_IO, "%s%s%s: cannot open: %s", from ? from : "", from ? ": base: " : "", path,
                             strerror(errno));
    snprintf(c->shown[depth], PATH_MAX, "%s", path);
    for (int i = 0; i < depth; i++) {
        if (strcmp(c->real[i], c->real[depth]) != 0)
            continue;
        char cycle[768] = "";
        size_t used = 0;
        for (int j = i; j <= depth && used < sizeof cycle; j++)
            used += (size_t)snprintf(cycle + used, sizeof cycle - used, "%s%s", j > i ? " -> " : "", c->shown[j]);
        return dla_error_set(err, DLA_ERR_INVALID, "%s: base: inheritance cycle: %s", from, cycle);
    }
    st = parse_file(path, &obj, err);
    if (st == DLA_OK)
        st = cfg_walk(obj, path, NULL, NULL, err);
    if (st != DLA_OK || !json_object_object_get_ex(obj, "base", &base)) {
        if (st != DLA_OK)
            json_object_put(obj);
        else
            *out = obj;
        return st;
    }
    if (depth == BASE_MAX_DEPTH) {
        st = dla_error_set(err, DLA_ERR_LIMIT, "%s: base: inheritance deeper than %d levels", path, BASE_MAX_DEPTH);
        goto fail;
    }
    char base_path[PATH_MAX];
    st = resolve(json_object_get_string(cfg_leaf_value(base)), path, base_path, sizeof base_path, err);
    if (st != DLA_OK) {
        dla_error_prefix(err, "%s: base", path);
        goto fail;
    }
    st = load_tree(c, base_path, path, depth + 1, &merged, err);
    if (st == DLA_OK)
        st = merge_into(merged, obj, "", err);
    if (st == DLA_OK) {
        *out = merged;
        merged = NULL;
    }
fail:
    json_object_put(merged);
    json_object_put(obj);
    return st;
}

/* One --set "key.path=value": power modes are addressed by name (power_modes.MAXN.dla_clock_mhz). */
static dla_status apply_override(json_object *root, const char *spec, dla_error *err)
{
    char label[320], key[256], shown[256];
    snprintf(label, sizeof label, "--set '%.300s'", spec);
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof key)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: expected key.path=value", label);
    snprintf(key, sizeof key, "%.*s", (int)(eq - spec), spec);
    snprintf(shown, sizeof shown, "%s", key);

    const cfg_field *table = cfg_top_fields;
    size_t n = cfg_n_top_fields;
    json_object *node = root;
    char *rel = key;
    if (strncmp(key, "power_modes.", 12) == 0) {
        char *name = key + 12, *dot = strchr(name, '.');
        json_object *modes, *mode = NULL, *mname;
        if (dot)
            *dot = '\0';
        char names[256] = "";
        size_t used = 0;
        if (json_object_object_get_ex(root, "power_modes", &modes) && json_object_is_type(modes, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(modes); i++) {
                json_object *m = json_object_array_get_idx(modes, i);
                if (!json_object_object_get_ex(m, "name", &mname))
                    continue;
                const char *s = json_object_get_string(cfg_leaf_value(mname));
                if (!mode && cfg_name_equal(s, name))
                    mode = m;
                if (used < sizeof names)
                    used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", s);
            }
        }
        if (!mode)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: power_modes: no mode named '%s' (modes: %s)", label, name,
                                 names);
        if (!dot)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: expected power_modes.%s.<field>=value", label, name);
        table = cfg_mode_fields;
        n = cfg_n_mode_fields;
        node = mode;
        rel = dot + 1;
    }

    const cfg_field *f = cfg_find_field(table, n, rel);
    if (!f || f->kind == CFG_BASE || f->kind == CFG_MODES) {
        if (f && f->kind == CFG_BASE)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: base is resolved before --set and cannot be overridden",
                                 label);
        if (f)
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: power modes are overridden field by field: power_modes.NAME.field=value", label);
        char group[256], allowed[1024];
        snprintf(group, sizeof group, "%s", rel);
        for (char *dot; !cfg_is_group(table, n, group) && (dot = strrchr(group, '.'));)
            *dot = '\0';
        if (!cfg_is_group(table, n, group))
            group[0] = '\0';
        cfg_allowed_keys(table, n, group, allowed, sizeof allowed);
        char where[320]; /* the group as the user wrote it, "power_modes.NAME" included */
        if (table == cfg_mode_fields)
            snprintf(where, sizeof where, "%.*s%s%s", (int)(rel - key - 1), shown, group[0] ? "." : "", group);
        else
            snprintf(where, sizeof where, "%s", group);
        return dla_error_set(err, DLA_ERR_INVALID, "%s: %s: %s (allowed%s%s: %s)", label, shown,
                             cfg_is_group(table, n, rel) ? "names a group, not a value" : "unknown key",
                             where[0] ? " in " : " at top level", where, allowed);
    }

    /* The value: JSON (number, bool, quoted string), otherwise the bare word as a string. */
    const char *text = eq + 1;
    json_object *v = NULL;
    if (f->kind != CFG_STR) {
        json_tokener *tok = json_tokener_new();
        if (tok) {
            v = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1); /* + NUL: numbers end */
            if (v && json_tokener_get_parse_end(tok) != strlen(text)) {
                json_object_put(v);
                v = NULL;
            }
            json_tokener_free(tok);
        }
    }
    if (!v)
        v = json_object_new_string(text);
    if (!v)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", label);
    dla_status st = cfg_check_value(f, v, label, shown, err);
    if (st != DLA_OK) {
        json_object_put(v);
        return st;
    }

    /* Walk (creating missing groups) to the leaf's parent. */
    char path[256];
    snprintf(path, sizeof path, "%s", rel);
    char *part = path, *dot;
    while ((dot = strchr(part, '.'))) {
        *dot = '\0';
        json_object *next;
        if (!json_object_object_get_ex(node, part, &next)) {
            next = json_object_new_object();
            if (!next || json_object_object_add(node, part, next) != 0) {
                json_object_put(next);
                json_object_put(v);
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", label);
            }
        }
        node = next;
        part = dot + 1;
    }
    json_object *old;
    if (json_object_object_get_ex(node, part, &old) && json_object_is_type(old, json_type_object)) {
        /* Provenance form: keep the record honest about where the number now comes from. */
        json_object *old_src = NULL;
        json_object_object_get_ex(old, "source", &old_src);
        char ref[256];
        snprintf(ref, sizeof ref, "--set on the command line; was %.80s (%.20s)",
                 json_object_to_json_string(cfg_leaf_value(old)), old_src ? json_object_get_string(old_src) : "?");
        json_object_object_add(old, "ref", json_object_new_string(ref));
        json_object_object_add(old, "source", json_object_new_string("override"));
        json_object_object_add(old, "value", v);
    } else {
        json_object_object_add(node, part, v);
    }
    return DLA_OK;
}

dla_status dla_config_load(const char *name_or_path, const char *const *overrides, int n_overrides, dla_config **out,
                           dla_error *err)
{
    if (!name_or_path || !name_or_path[0] || !out || n_overrides < 0 || (n_overrides > 0 && !overrides))
        return dla_error_set(err, DLA_ERR_INVALID, "dla_config_load: needs a config name or path and an output");
    *out = NULL;
    char path[PATH_MAX];
    dla_status st = resolve(name_or_path, NULL, path, sizeof path, err);
    if (st != DLA_OK)
        return st;

    json_object *root = NULL;
    cfg_build *b = NULL;
    cfg_seen *seen = NULL;
    dla_config *cfg = NULL;
    chain *c = calloc(1, sizeof *c);
    if (!c) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    st = load_tree(c, path, NULL, 0, &root, err);
    for (int i = 0; st == DLA_OK && i < n_overrides; i++)
        st = apply_override(root, overrides[i], err);
    if (st != DLA_OK)
        goto fail;
    json_object_object_del(root, "base");

    b = calloc(1, sizeof *b);
    seen = calloc(1, sizeof *seen);
    cfg = malloc(sizeof *cfg);
    if (!b || !seen || !cfg) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    st = cfg_walk(root, path, b, seen, err);
    if (st == DLA_OK)
        st = cfg_finish(b, seen, path, err);
    if (st != DLA_OK)
        goto fail;
    snprintf(b->cfg.path, sizeof b->cfg.path, "%.*s", (int)sizeof b->cfg.path - 1, path);
    const char *json = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE);
    b->cfg.resolved_json = json ? strdup(json) : NULL;
    if (!b->cfg.resolved_json) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    *cfg = b->cfg;
    *out = cfg;
    cfg = NULL;
fail:
    free(cfg);
    free(seen);
    free(b);
    json_object_put(root);
    free(c);
    return st;
}

void dla_config_destroy(dla_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->resolved_json);
    free(cfg);
}

const dla_power_mode *dla_config_power_mode(const dla_config *cfg, const char *name)
{
    if (!cfg || cfg->num_power_modes <= 0)
        return NULL;
    if (!name)
        return &cfg->power_modes[0];
    for (int i = 0; i < cfg->num_power_modes; i++)
        if (cfg_name_equal(cfg->power_modes[i].name, name))
            return &cfg->power_modes[i];
    return NULL;
}

int64_t dla_config_int8_macs_per_cycle(const dla_config *cfg)
{
    return cfg ? (int64_t)cfg->core.atomic_c * cfg->core.atomic_k : 0;
}
