/* RESULTS.h5 of a sweep (docs/sweeps.md "Results"): one compound /points table, a row per finished
 * (point, network) in job order, with every axis value, the run options, the config hash, the command
 * line that re-runs the row by hand, the kept metrics and the status. Written to PATH.tmp.<pid> and
 * renamed into place, so a reader (or a kill) never sees a half-written file. */
#define _POSIX_C_SOURCE 200809L
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dla/output_file.h"
#include "sweep_internal.h"

enum {
    COL_STR_SHORT = 32,
    COL_STR_NAME = 64,
    COL_STR_CMD = 2048,
    COL_STR_PATH = 1024,
    MAX_COLS = 64
};

typedef enum col_kind {
    COL_U32,
    COL_I32,
    COL_U64,
    COL_F64,
    COL_STR
} col_kind;

typedef struct column {
    char name[96];
    col_kind kind;
    size_t size; /* bytes in the row */
    size_t offset;
} column;

typedef struct table {
    column cols[MAX_COLS];
    size_t n, row_size;
} table;

static void add_col(table *t, const char *name, col_kind kind, size_t str_len)
{
    column *c = &t->cols[t->n++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->kind = kind;
    c->size = kind == COL_STR ? str_len : kind == COL_U32 || kind == COL_I32 ? 4 : 8;
    c->offset = t->row_size;
    t->row_size += c->size;
}

static hid_t col_type(const column *c)
{
    switch (c->kind) {
    case COL_U32: return H5Tcopy(H5T_NATIVE_UINT32);
    case COL_I32: return H5Tcopy(H5T_NATIVE_INT32);
    case COL_U64: return H5Tcopy(H5T_NATIVE_UINT64);
    case COL_F64: return H5Tcopy(H5T_NATIVE_DOUBLE);
    case COL_STR: {
        hid_t s = H5Tcopy(H5T_C_S1);
        H5Tset_size(s, c->size);
        H5Tset_strpad(s, H5T_STR_NULLTERM);
        return s;
    }
    }
    return -1;
}

static void put_str(unsigned char *row, const column *c, const char *s)
{
    snprintf((char *)row + c->offset, c->size, "%s", s);
}

static void put_num(unsigned char *row, const column *c, double v, uint64_t u)
{
    unsigned char *p = row + c->offset;
    switch (c->kind) {
    case COL_U32: {
        uint32_t x = (uint32_t)u;
        memcpy(p, &x, 4);
    } break;
    case COL_I32: {
        int32_t x = (int32_t)u;
        memcpy(p, &x, 4);
    } break;
    case COL_U64: memcpy(p, &u, 8); break;
    case COL_F64: memcpy(p, &v, 8); break;
    case COL_STR: break;
    }
}

static bool metric_is_count(sweep_metric m)
{
    return m == SWEEP_M_CYCLES || m == SWEEP_M_DRAM_READ_BYTES || m == SWEEP_M_DRAM_WRITE_BYTES ||
           m == SWEEP_M_DRAM_BYTES;
}

static const char *precision_word(dla_precision p)
{
    return p == DLA_PRECISION_FP16 ? "fp16" : "int8";
}

static const char *sparsity_word(dla_sparsity s)
{
    return s == DLA_SPARSITY_FORCE ? "force" : s == DLA_SPARSITY_ENABLE ? "enable" : "disable";
}

/* The `dlasim run` command line that reproduces a row (docs/sweeps.md). */
static void run_command(const dla_sweep_job *j, char *dst, size_t size)
{
    size_t used = (size_t)snprintf(dst, size, "dlasim run %s --config %s --power-mode %s --%s", j->onnx_path, j->config,
                                   j->power_mode, precision_word(j->precision));
    if (j->batch && used < size)
        used += (size_t)snprintf(dst + used, size - used, " --batch %d", j->batch);
    if (j->sparsity != DLA_SPARSITY_DISABLE && used < size)
        used += (size_t)snprintf(dst + used, size - used, " --sparsity=%s", sparsity_word(j->sparsity));
    for (int i = 0; i < j->num_sets && used < size; i++)
        used += (size_t)snprintf(dst + used, size - used, " --set %s", j->sets[i]);
}

static herr_t set_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t r = a < 0 ? -1 : H5Awrite(a, t, value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return r;
}

dla_status sweep_h5_write(const char *path, const dla_sweep_spec *spec, const sweep_record *const *records, bool traces,
                          const char *trace_dir, dla_error *err)
{
    /* string columns as wide as their longest value: rows stay small for large sweeps */
    size_t jobs = dla_sweep_num_jobs(spec), rows = 0, msg_len = 1, cmd_len = 1;
    dla_sweep_job *job = malloc(sizeof *job);
    char *cmd = malloc(COL_STR_CMD);
    if (!job || !cmd) {
        free(job);
        free(cmd);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
    }
    for (size_t j = 0; j < jobs; j++) {
        if (!records[j])
            continue;
        rows++;
        size_t m = strlen(records[j]->m.message);
        msg_len = m > msg_len ? m : msg_len;
        dla_sweep_job_get(spec, j, job);
        run_command(job, cmd, COL_STR_CMD);
        m = strlen(cmd);
        cmd_len = m > cmd_len ? m : cmd_len;
    }
    table t = {0};
    add_col(&t, "point", COL_U32, 0);
    add_col(&t, "network", COL_STR, COL_STR_NAME);
    add_col(&t, "status", COL_STR, 8);
    add_col(&t, "message", COL_STR, msg_len + 1);
    for (size_t a = 0; a < spec->num_axes; a++)
        add_col(&t, spec->axes[a].key, spec->axes[a].numeric ? COL_F64 : COL_STR, COL_STR_NAME);
    size_t first_opt = t.n;
    static const char *const opts[] = {"power_mode", "precision", "batch", "sparsity"};
    for (size_t i = 0; i < 4; i++) {
        bool is_axis = false; /* an axis already holds it */
        for (size_t a = 0; a < spec->num_axes; a++)
            is_axis |= strcmp(spec->axes[a].key, opts[i]) == 0;
        add_col(&t, is_axis ? "" : opts[i], i == 2 ? COL_I32 : COL_STR, COL_STR_SHORT);
    }
    add_col(&t, "config_hash", COL_STR, 17);
    add_col(&t, "run_command", COL_STR, cmd_len + 1);
    size_t first_metric = t.n;
    for (size_t m = 0; m < spec->num_metrics; m++)
        add_col(&t, sweep_metric_names[spec->metrics[m]], metric_is_count(spec->metrics[m]) ? COL_U64 : COL_F64, 0);
    if (traces)
        add_col(&t, "trace", COL_STR, COL_STR_PATH);

    unsigned char *data = calloc(rows ? rows : 1, t.row_size);
    if (!data) {
        free(job);
        free(cmd);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory for %zu rows", path, rows);
    }
    size_t r = 0;
    for (size_t j = 0; j < jobs; j++) {
        const sweep_record *rec = records[j];
        if (!rec)
            continue;
        unsigned char *row = data + r++ * t.row_size;
        dla_sweep_job_get(spec, j, job);
        put_num(row, &t.cols[0], 0, job->point);
        put_str(row, &t.cols[1], job->network_name);
        put_str(row, &t.cols[2], rec->m.ok ? "ok" : "error");
        put_str(row, &t.cols[3], rec->m.message);
        for (size_t a = 0; a < spec->num_axes; a++) {
            const column *c = &t.cols[4 + a];
            const char *v = spec->points[job->point].values[a];
            if (c->kind == COL_F64)
                put_num(row, c, strtod(v, NULL), 0);
            else
                put_str(row, c, v);
        }
        put_str(row, &t.cols[first_opt], job->power_mode);
        put_str(row, &t.cols[first_opt + 1], precision_word(job->precision));
        put_num(row, &t.cols[first_opt + 2], 0, (uint64_t)job->batch);
        put_str(row, &t.cols[first_opt + 3], sparsity_word(job->sparsity));
        char hash[24];
        snprintf(hash, sizeof hash, "%016" PRIx64, job->config_hash);
        put_str(row, &t.cols[first_opt + 4], hash);
        run_command(job, cmd, COL_STR_CMD);
        put_str(row, &t.cols[first_opt + 5], cmd);
        for (size_t m = 0; m < spec->num_metrics; m++) {
            const column *c = &t.cols[first_metric + m];
            double v = rec->m.ok ? sweep_metric_value(&rec->m, spec->metrics[m]) : NAN;
            put_num(row, c, v, rec->m.ok ? (uint64_t)v : 0);
        }
        if (traces && rec->m.ok) {
            char tp[COL_STR_PATH];
            snprintf(tp, sizeof tp, "%.900s/job%06zu_%.60s.h5", trace_dir, j, job->network_name);
            put_str(row, &t.cols[t.n - 1], tp);
        }
    }
    free(job);
    free(cmd);

    dla_output out;
    dla_status st = dla_output_begin(&out, path, err);
    if (st != DLA_OK) {
        free(data);
        return st;
    }
    const char *tmp = out.tmp;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through err, not printed by HDF5 */
    hid_t file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t type = H5Tcreate(H5T_COMPOUND, t.row_size);
    for (size_t i = 0; i < t.n; i++) {
        if (!t.cols[i].name[0])
            continue; /* a run option that is also an axis: the axis column holds it */
        hid_t ct = col_type(&t.cols[i]);
        H5Tinsert(type, t.cols[i].name, t.cols[i].offset, ct);
        H5Tclose(ct);
    }
    hsize_t dims[1] = {rows};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t ds = file < 0 ? -1 : H5Dcreate2(file, "points", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0 || ds < 0 || (rows && H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        st = dla_error_set(err, DLA_ERR_IO, "%s: cannot write the /points table (temporary file %s)", path, tmp);
    if (st == DLA_OK) {
        char hash[24];
        snprintf(hash, sizeof hash, "%016" PRIx64, spec->hash);
        if (set_str_attr(ds, "spec_name", spec->name) < 0 || set_str_attr(ds, "spec_hash", hash) < 0 ||
            set_str_attr(ds, "spec", spec->text) < 0 ||
            set_str_attr(ds, "note",
                         "metrics are SIMULATED by dlasim; area_mm2 is an ESTIMATE from the config's area model "
                         "(docs/sweeps.md); energy_mj per inference of the batch; perf_per_w in images/s per W") < 0 ||
            set_str_attr(file, "dlasim_sweep_version", "1") < 0)
            st = dla_error_set(err, DLA_ERR_IO, "%s: cannot write attributes (temporary file %s)", path, tmp);
    }
    free(data);
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(space);
    H5Tclose(type);
    if (file >= 0 && H5Fclose(file) < 0 && st == DLA_OK)
        st = dla_error_set(err, DLA_ERR_IO, "%s: cannot close the temporary file %s", path, tmp);
    if (st != DLA_OK) {
        dla_output_abort(&out);
        return st;
    }
    return dla_output_commit(&out, err);
}
