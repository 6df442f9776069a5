/* HDF5 trace reader (dla_trace_read): the inverse of trace_write.c. Every missing or mistyped
 * object is reported with the file and the object's path; files from a newer schema are refused. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dla/trace.h"
#include "trace_internal.h"

typedef struct reader {
    const char *path;
    hid_t file;
    dla_error *err;
} reader;

static const char *kind_name(dla_trace_kind kind)
{
    switch (kind) {
    case DLA_TRACE_STR: return "a string";
    case DLA_TRACE_U64: return "an integer";
    case DLA_TRACE_F64: return "a float";
    }
    return "?";
}

static int class_matches(hid_t type, dla_trace_kind kind)
{
    H5T_class_t c = H5Tget_class(type);
    switch (kind) {
    case DLA_TRACE_STR: return c == H5T_STRING;
    case DLA_TRACE_U64: return c == H5T_INTEGER;
    case DLA_TRACE_F64: return c == H5T_FLOAT;
    }
    return 0;
}

/* Open a scalar attribute of the expected class; returns the attribute id or a negative id. */
static hid_t open_attr(reader *rd, hid_t obj, const char *obj_name, const char *name, dla_trace_kind kind)
{
    htri_t exists = H5Aexists(obj, name);
    if (exists <= 0) {
        dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: %s: missing attribute '%s'", rd->path, obj_name, name);
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) {
        dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, obj_name, "cannot open attribute");
        return -1;
    }
    hid_t space = H5Aget_space(attr), type = H5Aget_type(attr);
    int ok = space >= 0 && type >= 0 && H5Sget_simple_extent_type(space) == H5S_SCALAR && class_matches(type, kind);
    if (ok && kind == DLA_TRACE_STR)
        ok = H5Tis_variable_str(type) > 0;
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (!ok) {
        dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: %s: attribute '%s' is not %s scalar%s", rd->path, obj_name, name,
                      kind_name(kind), kind == DLA_TRACE_STR ? " (variable-length)" : "");
        H5Aclose(attr);
        return -1;
    }
    return attr;
}

static dla_status get_num(reader *rd, hid_t obj, const char *obj_name, const char *name, dla_trace_kind kind,
                          hid_t mem_type, void *out)
{
    hid_t attr = open_attr(rd, obj, obj_name, name, kind);
    if (attr < 0)
        return DLA_ERR_FORMAT;
    dla_status st = DLA_OK;
    if (H5Aread(attr, mem_type, out) < 0) {
        char what[128];
        snprintf(what, sizeof what, "cannot read attribute '%s'", name);
        st = dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, obj_name, what);
    }
    H5Aclose(attr);
    return st;
}

/* *out is malloc'ed (caller frees). */
static dla_status get_str(reader *rd, hid_t obj, const char *obj_name, const char *name, char **out)
{
    *out = NULL;
    hid_t attr = open_attr(rd, obj, obj_name, name, DLA_TRACE_STR);
    if (attr < 0)
        return DLA_ERR_FORMAT;
    dla_status st = DLA_OK;
    hid_t t = dla_trace_vlstr_type();
    char *v = NULL;
    if (t < 0 || H5Aread(attr, t, &v) < 0) {
        char what[128];
        snprintf(what, sizeof what, "cannot read attribute '%s'", name);
        st = dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, obj_name, what);
    } else {
        *out = strdup(v ? v : "");
        if (!*out)
            st = dla_error_set(rd->err, DLA_ERR_NOMEM, "%s: %s: out of memory reading '%s'", rd->path, obj_name, name);
    }
    if (v)
        H5free_memory(v);
    if (t >= 0)
        H5Tclose(t);
    H5Aclose(attr);
    return st;
}

/* A string attribute into a fixed C field of size cap (including the terminator). */
static dla_status get_fixed_str(reader *rd, hid_t obj, const char *obj_name, const char *name, char *dst, size_t cap)
{
    char *v;
    dla_status st = get_str(rd, obj, obj_name, name, &v);
    if (st != DLA_OK)
        return st;
    size_t len = strlen(v);
    if (len >= cap)
        st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: %s: attribute '%s' has %zu characters, at most %zu fit",
                           rd->path, obj_name, name, len, cap - 1);
    else
        memcpy(dst, v, len + 1);
    free(v);
    return st;
}

static hid_t open_group(reader *rd, const char *name)
{
    htri_t exists = H5Lexists(rd->file, name + 1, H5P_DEFAULT);
    if (exists <= 0) {
        H5Eclear2(H5E_DEFAULT);
        dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: missing group %s (not a dlasim trace? see docs/trace-format.md)",
                      rd->path, name);
        return -1;
    }
    hid_t g = H5Gopen2(rd->file, name, H5P_DEFAULT);
    if (g < 0)
        dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, name, "cannot open group");
    return g;
}

static dla_status read_meta(reader *rd, dla_run_meta *m)
{
    hid_t g = open_group(rd, "/meta");
    if (g < 0)
        return DLA_ERR_FORMAT;
    int version = 0, functional = 0;
    dla_status st = get_num(rd, g, "/meta", "schema_version", DLA_TRACE_U64, H5T_NATIVE_INT, &version);
    if (st == DLA_OK && version > DLA_TRACE_SCHEMA_VERSION)
        st = dla_error_set(rd->err, DLA_ERR_UNSUPPORTED,
                           "%s: /meta: schema_version %d is newer than this dlasim reads (%d); use a newer dlasim",
                           rd->path, version, DLA_TRACE_SCHEMA_VERSION);
    else if (st == DLA_OK && version < 1)
        st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: /meta: schema_version %d is invalid (expected 1..%d)",
                           rd->path, version, DLA_TRACE_SCHEMA_VERSION);
    if (st == DLA_OK)
        st = get_fixed_str(rd, g, "/meta", "tool_version", m->tool_version, sizeof m->tool_version);
    if (st == DLA_OK)
        st = get_fixed_str(rd, g, "/meta", "config_name", m->config_name, sizeof m->config_name);
    if (st == DLA_OK)
        st = get_str(rd, g, "/meta", "config_json", &m->config_json);
    if (st == DLA_OK)
        st = get_fixed_str(rd, g, "/meta", "power_mode", m->power_mode, sizeof m->power_mode);
    if (st == DLA_OK)
        st = get_fixed_str(rd, g, "/meta", "network", m->network, sizeof m->network);
    if (st == DLA_OK)
        st = get_fixed_str(rd, g, "/meta", "precision", m->precision, sizeof m->precision);
    if (st == DLA_OK)
        st = get_num(rd, g, "/meta", "batch", DLA_TRACE_U64, H5T_NATIVE_INT, &m->batch);
    if (st == DLA_OK)
        st = get_num(rd, g, "/meta", "cores", DLA_TRACE_U64, H5T_NATIVE_INT, &m->cores);
    if (st == DLA_OK)
        st = get_num(rd, g, "/meta", "functional", DLA_TRACE_U64, H5T_NATIVE_INT, &functional);
    m->functional = functional != 0;
    H5Gclose(g);
    return st;
}

static dla_status read_summary(reader *rd, dla_run_summary *s)
{
    hid_t g = open_group(rd, "/summary");
    if (g < 0)
        return DLA_ERR_FORMAT;
    dla_status st = DLA_OK;
    for (size_t i = 0; i < dla_trace_num_summary_fields && st == DLA_OK; i++) {
        const dla_trace_field *f = &dla_trace_summary_fields[i];
        hid_t mt = dla_trace_scalar_type(f->kind, 0);
        st = mt < 0 ? dla_trace_h5_error(rd->err, DLA_ERR_INTERNAL, rd->path, "/summary", "cannot build numeric type")
                    : get_num(rd, g, "/summary", f->name, f->kind, mt, (char *)s + f->offset);
        if (mt >= 0)
            H5Tclose(mt);
    }
    H5Gclose(g);
    return st;
}

/* A one-dimensional compound dataset with at least the schema's columns; *rows malloc'ed. */
static dla_status read_table(reader *rd, const char *name, const dla_trace_field *fields, size_t nfields,
                             size_t struct_size, void **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    if (H5Lexists(rd->file, name + 1, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: missing dataset %s", rd->path, name);
    }
    dla_status st = DLA_OK;
    hid_t mt = -1, ft = -1, space = -1;
    hid_t ds = H5Dopen2(rd->file, name, H5P_DEFAULT);
    if (ds < 0) {
        st = dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, name, "cannot open dataset");
        goto done;
    }
    ft = H5Dget_type(ds);
    if (ft < 0 || H5Tget_class(ft) != H5T_COMPOUND) {
        st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: %s: expected a compound (table) dataset", rd->path, name);
        goto done;
    }
    for (size_t i = 0; i < nfields; i++) {
        int idx = H5Tget_member_index(ft, fields[i].name);
        hid_t m = idx < 0 ? -1 : H5Tget_member_type(ft, (unsigned)idx);
        int ok = m >= 0 && class_matches(m, fields[i].kind) &&
                 (fields[i].kind != DLA_TRACE_STR || H5Tis_variable_str(m) == 0);
        if (m >= 0)
            H5Tclose(m);
        if (!ok) {
            H5Eclear2(H5E_DEFAULT);
            st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: %s: %s column '%s' (expected %s%s)", rd->path, name,
                               idx < 0 ? "missing" : "mistyped", fields[i].name, kind_name(fields[i].kind),
                               fields[i].kind == DLA_TRACE_STR ? ", fixed length" : "");
            goto done;
        }
    }
    space = H5Dget_space(ds);
    hsize_t dims[1];
    if (space < 0 || H5Sget_simple_extent_ndims(space) != 1 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: %s: expected a one-dimensional table", rd->path, name);
        goto done;
    }
    if (dims[0] > SIZE_MAX / struct_size) {
        st = dla_error_set(rd->err, DLA_ERR_LIMIT, "%s: %s: %llu rows do not fit in memory", rd->path, name,
                           (unsigned long long)dims[0]);
        goto done;
    }
    *n = (size_t)dims[0];
    *rows = calloc(*n ? *n : 1, struct_size);
    if (!*rows) {
        st = dla_error_set(rd->err, DLA_ERR_NOMEM, "%s: %s: out of memory for %zu rows", rd->path, name, *n);
        goto done;
    }
    mt = dla_trace_compound_type(fields, nfields, struct_size, 0);
    if (mt < 0) {
        st = dla_trace_h5_error(rd->err, DLA_ERR_INTERNAL, rd->path, name, "cannot build table type");
        goto done;
    }
    if (*n > 0 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *rows) < 0)
        st = dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, name, "cannot read dataset");
done:
    if (st != DLA_OK) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    if (mt >= 0)
        H5Tclose(mt);
    if (space >= 0)
        H5Sclose(space);
    if (ft >= 0)
        H5Tclose(ft);
    if (ds >= 0)
        H5Dclose(ds);
    return st;
}

/* A u64 dataset of exactly the given shape into data (room for the product of dims). */
static dla_status read_u64_array(reader *rd, const char *name, int rank, const hsize_t *want, uint64_t *data)
{
    if (H5Lexists(rd->file, name + 1, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: missing dataset %s", rd->path, name);
    }
    dla_status st = DLA_OK;
    hid_t ds = H5Dopen2(rd->file, name, H5P_DEFAULT);
    hid_t ft = ds < 0 ? -1 : H5Dget_type(ds);
    hid_t space = ds < 0 ? -1 : H5Dget_space(ds);
    hsize_t dims[2] = {0, 0};
    if (ds < 0 || ft < 0 || space < 0) {
        st = dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, name, "cannot open dataset");
    } else if (H5Tget_class(ft) != H5T_INTEGER || H5Tget_sign(ft) != H5T_SGN_NONE || H5Tget_size(ft) != 8) {
        st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: %s: expected unsigned 64-bit integers", rd->path, name);
    } else if (H5Sget_simple_extent_ndims(space) != rank || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
               dims[0] != want[0] || (rank == 2 && dims[1] != want[1])) {
        char shape[64];
        if (rank == 2)
            snprintf(shape, sizeof shape, "(%llu, %llu)", (unsigned long long)want[0], (unsigned long long)want[1]);
        else
            snprintf(shape, sizeof shape, "(%llu,)", (unsigned long long)want[0]);
        st = dla_error_set(rd->err, DLA_ERR_FORMAT,
                           "%s: %s: shape does not match /samples/series and end_cycle (expected %s)", rd->path, name,
                           shape);
    } else if (want[0] * (rank == 2 ? want[1] : 1) > 0 &&
               H5Dread(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        st = dla_trace_h5_error(rd->err, DLA_ERR_FORMAT, rd->path, name, "cannot read dataset");
    }
    if (space >= 0)
        H5Sclose(space);
    if (ft >= 0)
        H5Tclose(ft);
    if (ds >= 0)
        H5Dclose(ds);
    return st;
}

/* /samples (optional): window_cycles, series, end_cycle (windows, increasing) and values (windows x series). */
static dla_status read_samples(reader *rd, dla_samples *s)
{
    hid_t g = open_group(rd, "/samples");
    if (g < 0)
        return DLA_ERR_FORMAT;
    dla_status st = get_num(rd, g, "/samples", "window_cycles", DLA_TRACE_U64, H5T_NATIVE_UINT64, &s->window_cycles);
    H5Gclose(g);
    if (st == DLA_OK && s->window_cycles == 0)
        st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: /samples: window_cycles is 0, expected at least 1", rd->path);
    void *series = NULL;
    if (st == DLA_OK)
        st = read_table(rd, "/samples/series", dla_trace_sample_series_fields, dla_trace_num_sample_series_fields,
                        sizeof(dla_sample_series), &series, &s->num_series);
    s->series = series;
    hsize_t dims[2] = {0, (hsize_t)s->num_series};
    hid_t ds = -1, space = -1;
    if (st == DLA_OK) {
        ds = H5Lexists(rd->file, "samples/end_cycle", H5P_DEFAULT) > 0
                 ? H5Dopen2(rd->file, "/samples/end_cycle", H5P_DEFAULT)
                 : -1;
        space = ds < 0 ? -1 : H5Dget_space(ds);
        if (space < 0 || H5Sget_simple_extent_ndims(space) != 1 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
            H5Eclear2(H5E_DEFAULT);
            st = dla_error_set(rd->err, DLA_ERR_FORMAT, "%s: /samples/end_cycle: missing or not one-dimensional",
                               rd->path);
        } else if (dims[0] > SIZE_MAX / sizeof(uint64_t) / (s->num_series ? s->num_series : 1)) {
            st = dla_error_set(rd->err, DLA_ERR_LIMIT, "%s: /samples: %llu windows do not fit in memory", rd->path,
                               (unsigned long long)dims[0]);
        }
    }
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    if (st == DLA_OK) {
        s->num_windows = (size_t)dims[0];
        s->end_cycle = calloc(s->num_windows ? s->num_windows : 1, sizeof *s->end_cycle);
        s->values = calloc(s->num_windows * s->num_series > 0 ? s->num_windows * s->num_series : 1, sizeof *s->values);
        if (!s->end_cycle || !s->values)
            st = dla_error_set(rd->err, DLA_ERR_NOMEM, "%s: /samples: out of memory for %zu windows", rd->path,
                               s->num_windows);
    }
    if (st == DLA_OK)
        st = read_u64_array(rd, "/samples/end_cycle", 1, dims, s->end_cycle);
    if (st == DLA_OK)
        st = read_u64_array(rd, "/samples/values", 2, dims, s->values);
    for (size_t w = 1; st == DLA_OK && w < s->num_windows; w++)
        if (s->end_cycle[w] <= s->end_cycle[w - 1])
            st = dla_error_set(rd->err, DLA_ERR_FORMAT,
                               "%s: /samples/end_cycle[%zu] = %llu, expected more than end_cycle[%zu] = %llu", rd->path,
                               w, (unsigned long long)s->end_cycle[w], w - 1, (unsigned long long)s->end_cycle[w - 1]);
    if (st != DLA_OK)
        dla_samples_free(s);
    return st;
}

dla_status dla_trace_read(const char *path, dla_run_result **out, dla_error *err)
{
    if (!out)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_trace_read: out is required");
    *out = NULL;
    if (!path || !*path)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_trace_read: path is required");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot open trace: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return dla_error_set(err, DLA_ERR_IO, "%s: not a regular file", path);

    dla_trace_quiet quiet;
    dla_trace_quiet_begin(&quiet);
    dla_status st = DLA_OK;
    reader rd = {path, -1, err};
    dla_run_result *r = NULL;
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: not an HDF5 file (expected a dlasim trace, docs/trace-format.md)",
                           path);
        goto done;
    }
    rd.file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (rd.file < 0) {
        st = dla_trace_h5_error(err, DLA_ERR_IO, path, "/", "cannot open HDF5 file");
        goto done;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    void *layers = NULL, *stats = NULL, *ops = NULL;
    if ((st = read_meta(&rd, &r->meta)) == DLA_OK &&
        (st = read_table(&rd, "/layers", dla_trace_layer_fields, dla_trace_num_layer_fields, sizeof(dla_layer_record),
                         &layers, &r->num_layers)) == DLA_OK &&
        (st = read_summary(&rd, &r->summary)) == DLA_OK)
        st = read_table(&rd, "/stats", dla_trace_stat_fields, dla_trace_num_stat_fields, sizeof(dla_stat), &stats,
                        &r->num_stats);
    /* /ops came after schema 1's first files, and is optional: a trace without it has no op records. */
    if (st == DLA_OK && H5Lexists(rd.file, "ops", H5P_DEFAULT) > 0)
        st = read_table(&rd, "/ops", dla_trace_op_fields, dla_trace_num_op_fields, sizeof(dla_op_record), &ops,
                        &r->num_ops);
    /* /energy (the energy breakdown) is optional in the same way; at most DLA_MAX_ENERGY_RECORDS rows. */
    void *energy = NULL;
    size_t num_energy = 0;
    if (st == DLA_OK && H5Lexists(rd.file, "energy", H5P_DEFAULT) > 0)
        st = read_table(&rd, "/energy", dla_trace_energy_fields, dla_trace_num_energy_fields, sizeof(dla_energy_record),
                        &energy, &num_energy);
    if (st == DLA_OK && num_energy > DLA_MAX_ENERGY_RECORDS)
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: /energy: %zu rows, expected at most %d", path, num_energy,
                           DLA_MAX_ENERGY_RECORDS);
    if (st == DLA_OK && num_energy > 0) {
        memcpy(r->energy, energy, num_energy * sizeof r->energy[0]);
        r->num_energy = num_energy;
    }
    free(energy);
    /* /samples (measured activity) is optional too: a trace without it has window_cycles 0. */
    if (st == DLA_OK && H5Lexists(rd.file, "samples", H5P_DEFAULT) > 0)
        st = read_samples(&rd, &r->samples);
    H5Eclear2(H5E_DEFAULT);
    r->layers = layers;
    r->stats = stats;
    r->ops = ops;
done:
    if (rd.file >= 0)
        H5Fclose(rd.file);
    dla_trace_quiet_end(&quiet);
    if (st != DLA_OK) {
        dla_run_result_destroy(r);
        return st;
    }
    *out = r;
    return DLA_OK;
}
