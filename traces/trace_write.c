/* HDF5 trace writer (dla_trace_write, schema in docs/trace-format.md). Writes PATH.tmp.<pid> and
 * renames it into place, so readers never see a half-written file. Object times are not tracked and
 * wall-clock facts live only in /meta/provenance: the same result gives the same datasets. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dla/output_file.h"
#include "dla/trace.h"
#include "trace_internal.h"

typedef struct writer {
    const char *path; /* the final path, named in messages */
    hid_t file;
    hid_t gcpl; /* group creation: no object times */
    hid_t dcpl; /* dataset creation: no object times */
    dla_error *err;
} writer;

/* One scalar attribute; file_type is how it is stored, mem_type how buf holds it. */
static dla_status put_attr(writer *w, hid_t obj, const char *obj_name, const char *name, hid_t file_type,
                           hid_t mem_type, const void *buf)
{
    dla_status st = DLA_OK;
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = space < 0 ? -1 : H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, mem_type, buf) < 0) {
        char what[128];
        snprintf(what, sizeof what, "cannot write attribute '%s'", name);
        st = dla_trace_h5_error(w->err, DLA_ERR_IO, w->path, obj_name, what);
    }
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

static dla_status put_str(writer *w, hid_t obj, const char *obj_name, const char *name, const char *value)
{
    hid_t t = dla_trace_vlstr_type();
    if (t < 0)
        return dla_trace_h5_error(w->err, DLA_ERR_INTERNAL, w->path, obj_name, "cannot build string type");
    const char *v = value ? value : "";
    dla_status st = put_attr(w, obj, obj_name, name, t, t, &v);
    H5Tclose(t);
    return st;
}

static dla_status put_int(writer *w, hid_t obj, const char *obj_name, const char *name, int value)
{
    return put_attr(w, obj, obj_name, name, H5T_STD_I32LE, H5T_NATIVE_INT, &value);
}

static hid_t make_group(writer *w, const char *name)
{
    hid_t g = H5Gcreate2(w->file, name, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
    if (g < 0)
        dla_trace_h5_error(w->err, DLA_ERR_IO, w->path, name, "cannot create group");
    return g;
}

/* SOURCE_DATE_EPOCH (the reproducible-builds convention) pins the timestamp for golden files. */
static void utc_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == '\0' && v >= 0)
            now = (time_t)v;
    }
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "unknown");
}

static dla_status write_meta(writer *w, const dla_run_meta *m)
{
    dla_status st = DLA_ERR_IO;
    hid_t prov = -1;
    hid_t meta = make_group(w, "/meta");
    if (meta < 0)
        return DLA_ERR_IO;
    if ((st = put_int(w, meta, "/meta", "schema_version", DLA_TRACE_SCHEMA_VERSION)) != DLA_OK ||
        (st = put_str(w, meta, "/meta", "tool_version", m->tool_version)) != DLA_OK ||
        (st = put_str(w, meta, "/meta", "config_name", m->config_name)) != DLA_OK ||
        (st = put_str(w, meta, "/meta", "config_json", m->config_json)) != DLA_OK ||
        (st = put_str(w, meta, "/meta", "power_mode", m->power_mode)) != DLA_OK ||
        (st = put_str(w, meta, "/meta", "network", m->network)) != DLA_OK ||
        (st = put_str(w, meta, "/meta", "precision", m->precision)) != DLA_OK ||
        (st = put_int(w, meta, "/meta", "batch", m->batch)) != DLA_OK ||
        (st = put_int(w, meta, "/meta", "cores", m->cores)) != DLA_OK ||
        (st = put_int(w, meta, "/meta", "functional", m->functional ? 1 : 0)) != DLA_OK)
        goto done;
    st = DLA_ERR_IO;
    prov = make_group(w, "/meta/provenance");
    if (prov < 0)
        goto done;
    char created[32], host[256] = "unknown";
    utc_now(created, sizeof created);
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    if ((st = put_str(w, prov, "/meta/provenance", "created_utc", created)) != DLA_OK ||
        (st = put_str(w, prov, "/meta/provenance", "host", host)) != DLA_OK)
        goto done;
done:
    if (prov >= 0)
        H5Gclose(prov);
    H5Gclose(meta);
    return st;
}

static dla_status write_summary(writer *w, const dla_run_summary *s)
{
    hid_t g = make_group(w, "/summary");
    if (g < 0)
        return DLA_ERR_IO;
    dla_status st = DLA_OK;
    for (size_t i = 0; i < dla_trace_num_summary_fields && st == DLA_OK; i++) {
        const dla_trace_field *f = &dla_trace_summary_fields[i];
        hid_t ft = dla_trace_scalar_type(f->kind, 1), mt = dla_trace_scalar_type(f->kind, 0);
        if (ft < 0 || mt < 0)
            st = dla_trace_h5_error(w->err, DLA_ERR_INTERNAL, w->path, "/summary", "cannot build numeric type");
        else
            st = put_attr(w, g, "/summary", f->name, ft, mt, (const char *)s + f->offset);
        if (ft >= 0)
            H5Tclose(ft);
        if (mt >= 0)
            H5Tclose(mt);
    }
    H5Gclose(g);
    return st;
}

/* A one-dimensional compound dataset of n rows of struct_size bytes each. */
static dla_status write_table(writer *w, const char *name, const dla_trace_field *fields, size_t nfields,
                              size_t struct_size, const void *rows, size_t n)
{
    dla_status st = DLA_OK;
    hsize_t dims[1] = {(hsize_t)n};
    hid_t ft = dla_trace_compound_type(fields, nfields, struct_size, 1);
    hid_t mt = dla_trace_compound_type(fields, nfields, struct_size, 0);
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t ds = -1;
    if (ft < 0 || mt < 0 || space < 0) {
        st = dla_trace_h5_error(w->err, DLA_ERR_INTERNAL, w->path, name, "cannot build table type");
        goto done;
    }
    ds = H5Dcreate2(w->file, name, ft, space, H5P_DEFAULT, w->dcpl, H5P_DEFAULT);
    if (ds < 0) {
        st = dla_trace_h5_error(w->err, DLA_ERR_IO, w->path, name, "cannot create dataset");
        goto done;
    }
    if (n > 0 && H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
        st = dla_trace_h5_error(w->err, DLA_ERR_IO, w->path, name, "cannot write dataset");
done:
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    return st;
}

/* The unit a counter belongs to: "dla<N>.<unit>" for a core's units, else the first name component
 * ("dram"). Returns the prefix length. */
static size_t unit_prefix(const char *name)
{
    const char *dot = strchr(name, '.');
    if (!dot)
        return strlen(name);
    int core_unit = strncmp(name, "dla", 3) == 0 && dot > name + 3;
    for (const char *c = name + 3; core_unit && c < dot; c++)
        core_unit = *c >= '0' && *c <= '9';
    if (core_unit) {
        const char *second = strchr(dot + 1, '.');
        return second ? (size_t)(second - name) : strlen(name);
    }
    return (size_t)(dot - name);
}

static int cmp_u64_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] > y[1]) - (x[1] < y[1]);
}

/* The sampled activity timeline of the unit that reports ops of `kind` on `core`: the union of those
 * ops' [start, end) intervals, spread over DLA_TRACE_TIMELINE_SAMPLES equal bins of the run. */
static dla_status write_timeline(writer *w, const char *group, const dla_run_result *r, const char *kind, uint64_t core)
{
    uint64_t total = r->summary.total_cycles;
    size_t n = 0;
    for (size_t i = 0; i < r->num_ops; i++)
        n += r->ops[i].core == core && strcmp(r->ops[i].kind, kind) == 0;
    if (n == 0 || total == 0)
        return DLA_OK;
    uint64_t *iv = malloc(2 * n * sizeof *iv);
    size_t bins = total < DLA_TRACE_TIMELINE_SAMPLES ? (size_t)total : DLA_TRACE_TIMELINE_SAMPLES;
    dla_trace_activity *rows = calloc(bins, sizeof *rows);
    if (!iv || !rows) {
        free(iv);
        free(rows);
        return dla_error_set(w->err, DLA_ERR_NOMEM, "%s: %s: out of memory", w->path, group);
    }
    size_t k = 0;
    for (size_t i = 0; i < r->num_ops; i++) {
        const dla_op_record *o = &r->ops[i];
        if (o->core == core && strcmp(o->kind, kind) == 0) {
            iv[2 * k] = o->start_cycle < total ? o->start_cycle : total;
            iv[2 * k + 1] = o->end_cycle < total ? o->end_cycle : total;
            k++;
        }
    }
    qsort(iv, n, 2 * sizeof *iv, cmp_u64_pair);
    for (size_t b = 0; b < bins; b++) {
        /* Bin edges floor(total x b / bins) in integer arithmetic without overflow: exact on every host. */
        rows[b].start_cycle = total / bins * b + total % bins * b / bins;
        rows[b].end_cycle = total / bins * (b + 1) + total % bins * (b + 1) / bins;
    }
    uint64_t *busy = calloc(bins, sizeof *busy);
    if (!busy) {
        free(iv);
        free(rows);
        return dla_error_set(w->err, DLA_ERR_NOMEM, "%s: %s: out of memory", w->path, group);
    }
    uint64_t cur_start = 0, cur_end = 0;
    for (size_t i = 0; i <= n; i++) {
        int flush = i == n || iv[2 * i] > cur_end;
        if (flush && cur_end > cur_start) {
            for (size_t b = 0; b < bins; b++) {
                uint64_t lo = rows[b].start_cycle > cur_start ? rows[b].start_cycle : cur_start;
                uint64_t hi = rows[b].end_cycle < cur_end ? rows[b].end_cycle : cur_end;
                if (hi > lo)
                    busy[b] += hi - lo;
            }
        }
        if (i == n)
            break;
        if (flush) {
            cur_start = iv[2 * i];
            cur_end = iv[2 * i + 1];
        } else if (iv[2 * i + 1] > cur_end) {
            cur_end = iv[2 * i + 1];
        }
    }
    for (size_t b = 0; b < bins; b++) {
        uint64_t width = rows[b].end_cycle - rows[b].start_cycle;
        rows[b].active_fraction = width ? (double)busy[b] / (double)width : 0.0;
    }
    char name[192];
    snprintf(name, sizeof name, "%.160s/timeline", group);
    dla_status st = write_table(w, name, dla_trace_activity_fields, dla_trace_num_activity_fields,
                                sizeof(dla_trace_activity), rows, bins);
    free(busy);
    free(rows);
    free(iv);
    return st;
}

/* /units/<unit>: each unit's counters (rows of /stats), busy and stall cycles, and for the units
 * that report ops (CACC for conv, SDP, PDP) a sampled activity timeline. */
static dla_status write_units(writer *w, const dla_run_result *r)
{
    hid_t units = make_group(w, "/units");
    if (units < 0)
        return DLA_ERR_IO;
    H5Gclose(units);
    dla_stat *rows = r->num_stats ? malloc(r->num_stats * sizeof *rows) : NULL;
    if (r->num_stats && !rows)
        return dla_error_set(w->err, DLA_ERR_NOMEM, "%s: /units: out of memory", w->path);
    dla_status st = DLA_OK;
    for (size_t i = 0; i < r->num_stats && st == DLA_OK; i++) {
        const char *name = r->stats[i].name;
        size_t len = unit_prefix(name);
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = unit_prefix(r->stats[j].name) == len && strncmp(r->stats[j].name, name, len) == 0;
        if (seen)
            continue;
        char group[160];
        snprintf(group, sizeof group, "/units/%.*s", (int)len, name);
        size_t n = 0;
        uint64_t busy = 0, stall = 0;
        for (size_t j = i; j < r->num_stats; j++) {
            const dla_stat *s = &r->stats[j];
            if (unit_prefix(s->name) != len || strncmp(s->name, name, len) != 0)
                continue;
            rows[n++] = *s;
            const char *last = strrchr(s->name, '.');
            last = last ? last + 1 : s->name;
            if (strcmp(s->name + len, ".busy_cycles") == 0)
                busy = s->value;
            else if (strcmp(s->unit, "cycles") == 0 && strstr(last, "stall"))
                stall += s->value;
        }
        hid_t g = make_group(w, group);
        if (g < 0) {
            st = DLA_ERR_IO;
            break;
        }
        if ((st = put_attr(w, g, group, "busy_cycles", H5T_STD_U64LE, H5T_NATIVE_UINT64, &busy)) == DLA_OK)
            st = put_attr(w, g, group, "stall_cycles", H5T_STD_U64LE, H5T_NATIVE_UINT64, &stall);
        H5Gclose(g);
        char counters[192];
        snprintf(counters, sizeof counters, "%.160s/counters", group);
        if (st == DLA_OK)
            st = write_table(w, counters, dla_trace_stat_fields, dla_trace_num_stat_fields, sizeof(dla_stat), rows, n);
        /* Which op kind a unit's activity comes from (docs/trace-format: /ops start/end are CACC for conv). */
        static const char *const kinds[][2] = {{".cacc", "conv"}, {".sdp", "sdp"}, {".pdp", "pdp"}};
        const char *dot = strchr(name, '.');
        for (size_t k = 0; st == DLA_OK && dot && k < sizeof kinds / sizeof kinds[0]; k++) {
            if ((size_t)(dot - name) + strlen(kinds[k][0]) == len &&
                strncmp(dot, kinds[k][0], strlen(kinds[k][0])) == 0)
                st = write_timeline(w, group, r, kinds[k][1], strtoull(name + 3, NULL, 10));
        }
    }
    free(rows);
    return st;
}

/* An n-dimensional u64 array (row-major). */
static dla_status write_u64_array(writer *w, const char *name, int rank, const hsize_t *dims, const uint64_t *data)
{
    dla_status st = DLA_OK;
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t ds = space < 0 ? -1 : H5Dcreate2(w->file, name, H5T_STD_U64LE, space, H5P_DEFAULT, w->dcpl, H5P_DEFAULT);
    hsize_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (ds < 0)
        st = dla_trace_h5_error(w->err, DLA_ERR_IO, w->path, name, "cannot create dataset");
    else if (total > 0 && H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        st = dla_trace_h5_error(w->err, DLA_ERR_IO, w->path, name, "cannot write dataset");
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

/* /samples: the measured activity series, only when the run was sampled. */
static dla_status write_samples(writer *w, const dla_samples *s)
{
    if (s->window_cycles == 0)
        return DLA_OK;
    hid_t g = make_group(w, "/samples");
    if (g < 0)
        return DLA_ERR_IO;
    dla_status st = put_attr(w, g, "/samples", "window_cycles", H5T_STD_U64LE, H5T_NATIVE_UINT64, &s->window_cycles);
    H5Gclose(g);
    hsize_t windows[1] = {(hsize_t)s->num_windows};
    hsize_t values[2] = {(hsize_t)s->num_windows, (hsize_t)s->num_series};
    if (st == DLA_OK)
        st = write_table(w, "/samples/series", dla_trace_sample_series_fields, dla_trace_num_sample_series_fields,
                         sizeof(dla_sample_series), s->series, s->num_series);
    if (st == DLA_OK)
        st = write_u64_array(w, "/samples/end_cycle", 1, windows, s->end_cycle);
    if (st == DLA_OK)
        st = write_u64_array(w, "/samples/values", 2, values, s->values);
    return st;
}

static int terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

#define CHECK_STR(s, what, index)                                                                                      \
    do {                                                                                                               \
        if (!terminated((s), sizeof(s)))                                                                               \
            return dla_error_set(err, DLA_ERR_INVALID, "%s: %s %zu: string is not NUL-terminated within %zu bytes",    \
                                 path, what, (size_t)(index), sizeof(s));                                              \
    } while (0)

/* Catch a malformed result before any file exists, so nothing is left to clean up. */
static dla_status validate(const char *path, const dla_run_result *r, dla_error *err)
{
    if (r->num_energy > DLA_MAX_ENERGY_RECORDS)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: result has %zu energy records, at most %d", path, r->num_energy,
                             DLA_MAX_ENERGY_RECORDS);
    if ((r->num_layers > 0 && !r->layers) || (r->num_stats > 0 && !r->stats) || (r->num_ops > 0 && !r->ops))
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: result has %zu layers / %zu stats / %zu ops but no array for them", path,
                             r->num_layers, r->num_stats, r->num_ops);
    const dla_run_meta *m = &r->meta;
    CHECK_STR(m->tool_version, "meta field", 0);
    CHECK_STR(m->config_name, "meta field", 1);
    CHECK_STR(m->power_mode, "meta field", 2);
    CHECK_STR(m->network, "meta field", 3);
    CHECK_STR(m->precision, "meta field", 4);
    for (size_t i = 0; i < r->num_layers; i++) {
        CHECK_STR(r->layers[i].name, "layer", i);
        CHECK_STR(r->layers[i].op, "layer", i);
        CHECK_STR(r->layers[i].engine, "layer", i);
        CHECK_STR(r->layers[i].bound, "layer", i);
    }
    for (size_t i = 0; i < r->num_ops; i++) {
        CHECK_STR(r->ops[i].layer, "op", i);
        CHECK_STR(r->ops[i].kind, "op", i);
        CHECK_STR(r->ops[i].engine, "op", i);
    }
    for (size_t i = 0; i < r->num_energy; i++) {
        CHECK_STR(r->energy[i].action, "energy record", i);
        CHECK_STR(r->energy[i].counters, "energy record", i);
    }
    const dla_samples *sm = &r->samples;
    if (sm->window_cycles > 0 && ((sm->num_series > 0 && !sm->series) || (sm->num_windows > 0 && !sm->end_cycle) ||
                                  (sm->num_series * sm->num_windows > 0 && !sm->values)))
        return dla_error_set(err, DLA_ERR_INVALID, "%s: samples: %zu series x %zu windows but no array for them", path,
                             sm->num_series, sm->num_windows);
    for (size_t i = 0; sm->window_cycles > 0 && i < sm->num_series; i++) {
        CHECK_STR(sm->series[i].name, "sample series", i);
        CHECK_STR(sm->series[i].unit, "sample series", i);
    }
    for (size_t i = 0; i < r->num_stats; i++) {
        CHECK_STR(r->stats[i].name, "stat", i);
        CHECK_STR(r->stats[i].unit, "stat", i);
        CHECK_STR(r->stats[i].description, "stat", i);
    }
    return DLA_OK;
}

dla_status dla_trace_write(const char *path, const dla_run_result *r, dla_error *err)
{
    if (!path || !*path || !r)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_trace_write: path and result are required");
    dla_status st = validate(path, r, err);
    if (st != DLA_OK)
        return st;

    dla_output out;
    if ((st = dla_output_begin(&out, path, err)) != DLA_OK)
        return st;
    const char *tmp = out.tmp;
    int committed = 0;

    dla_trace_quiet quiet;
    dla_trace_quiet_begin(&quiet);
    writer w = {path, -1, -1, -1, err};
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    w.gcpl = H5Pcreate(H5P_GROUP_CREATE);
    w.dcpl = H5Pcreate(H5P_DATASET_CREATE);
    /* The root group takes its creation properties from the file creation list. */
    if (fcpl < 0 || w.gcpl < 0 || w.dcpl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_obj_track_times(w.gcpl, 0) < 0 || H5Pset_obj_track_times(w.dcpl, 0) < 0) {
        st = dla_trace_h5_error(err, DLA_ERR_INTERNAL, path, "/", "cannot set up property lists");
        goto fail;
    }
    w.file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    if (w.file < 0) {
        st = dla_trace_h5_error(err, DLA_ERR_IO, path, tmp, "cannot create temporary file");
        goto fail;
    }
    if ((st = write_meta(&w, &r->meta)) != DLA_OK ||
        (st = write_table(&w, "/layers", dla_trace_layer_fields, dla_trace_num_layer_fields, sizeof(dla_layer_record),
                          r->layers, r->num_layers)) != DLA_OK ||
        (st = write_summary(&w, &r->summary)) != DLA_OK ||
        (st = write_table(&w, "/stats", dla_trace_stat_fields, dla_trace_num_stat_fields, sizeof(dla_stat), r->stats,
                          r->num_stats)) != DLA_OK ||
        (st = write_table(&w, "/ops", dla_trace_op_fields, dla_trace_num_op_fields, sizeof(dla_op_record), r->ops,
                          r->num_ops)) != DLA_OK ||
        (st = write_units(&w, r)) != DLA_OK || (st = write_samples(&w, &r->samples)) != DLA_OK ||
        (st = write_table(&w, "/energy", dla_trace_energy_fields, dla_trace_num_energy_fields,
                          sizeof(dla_energy_record), r->energy, r->num_energy)) != DLA_OK)
        goto fail;
    hid_t file = w.file;
    w.file = -1;
    if (H5Fclose(file) < 0) {
        st = dla_trace_h5_error(err, DLA_ERR_IO, tmp, "/", "cannot flush and close file");
        goto fail;
    }
    committed = 1; /* the commit renames, or removes the temporary file when it cannot */
    st = dla_output_commit(&out, err);
fail:
    if (w.file >= 0)
        H5Fclose(w.file);
    if (!committed)
        dla_output_abort(&out);
    if (w.dcpl >= 0)
        H5Pclose(w.dcpl);
    if (w.gcpl >= 0)
        H5Pclose(w.gcpl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    dla_trace_quiet_end(&quiet);
    return st;
}
