/* The trace schema as data (see trace_internal.h and docs/trace-format.md): which struct field is
 * stored under which name, and the HDF5 types built from that, plus HDF5 error capture. */
#include "trace_internal.h"

#include <stdio.h>
#include <string.h>

#define FIELD(type, member, kind)                                                                                      \
    {                                                                                                                  \
#member, kind, sizeof(((type *)0)->member), offsetof(type, member)                                             \
    }

const dla_trace_field dla_trace_layer_fields[] = {
    FIELD(dla_layer_record, name, DLA_TRACE_STR),
    FIELD(dla_layer_record, op, DLA_TRACE_STR),
    FIELD(dla_layer_record, engine, DLA_TRACE_STR),
    FIELD(dla_layer_record, start_cycle, DLA_TRACE_U64),
    FIELD(dla_layer_record, end_cycle, DLA_TRACE_U64),
    FIELD(dla_layer_record, cycles, DLA_TRACE_U64),
    FIELD(dla_layer_record, macs, DLA_TRACE_U64),
    FIELD(dla_layer_record, dram_read_bytes, DLA_TRACE_U64),
    FIELD(dla_layer_record, dram_write_bytes, DLA_TRACE_U64),
    FIELD(dla_layer_record, mac_utilization, DLA_TRACE_F64),
    FIELD(dla_layer_record, bound, DLA_TRACE_STR),
};
const size_t dla_trace_num_layer_fields = sizeof dla_trace_layer_fields / sizeof dla_trace_layer_fields[0];

const dla_trace_field dla_trace_stat_fields[] = {
    FIELD(dla_stat, name, DLA_TRACE_STR),
    FIELD(dla_stat, unit, DLA_TRACE_STR),
    FIELD(dla_stat, value, DLA_TRACE_U64),
    FIELD(dla_stat, description, DLA_TRACE_STR),
};
const size_t dla_trace_num_stat_fields = sizeof dla_trace_stat_fields / sizeof dla_trace_stat_fields[0];

/* /samples/series: the sampled activity series (dla_samples). */
const dla_trace_field dla_trace_sample_series_fields[] = {
    FIELD(dla_sample_series, name, DLA_TRACE_STR),
    FIELD(dla_sample_series, unit, DLA_TRACE_STR),
};
const size_t dla_trace_num_sample_series_fields =
    sizeof dla_trace_sample_series_fields / sizeof dla_trace_sample_series_fields[0];

const dla_trace_field dla_trace_op_fields[] = {
    FIELD(dla_op_record, op_index, DLA_TRACE_U64),
    FIELD(dla_op_record, layer_index, DLA_TRACE_U64),
    FIELD(dla_op_record, layer, DLA_TRACE_STR),
    FIELD(dla_op_record, kind, DLA_TRACE_STR),
    FIELD(dla_op_record, engine, DLA_TRACE_STR),
    FIELD(dla_op_record, core, DLA_TRACE_U64),
    FIELD(dla_op_record, batch_index, DLA_TRACE_U64),
    FIELD(dla_op_record, start_cycle, DLA_TRACE_U64),
    FIELD(dla_op_record, end_cycle, DLA_TRACE_U64),
    FIELD(dla_op_record, dram_read_bytes, DLA_TRACE_U64),
    FIELD(dla_op_record, dram_write_bytes, DLA_TRACE_U64),
    FIELD(dla_op_record, macs, DLA_TRACE_U64),
};
const size_t dla_trace_num_op_fields = sizeof dla_trace_op_fields / sizeof dla_trace_op_fields[0];

const dla_trace_field dla_trace_energy_fields[] = {
    FIELD(dla_energy_record, action, DLA_TRACE_STR),    FIELD(dla_energy_record, counters, DLA_TRACE_STR),
    FIELD(dla_energy_record, count, DLA_TRACE_U64),     FIELD(dla_energy_record, pj_per_action, DLA_TRACE_F64),
    FIELD(dla_energy_record, energy_mj, DLA_TRACE_F64),
};
const size_t dla_trace_num_energy_fields = sizeof dla_trace_energy_fields / sizeof dla_trace_energy_fields[0];

const dla_trace_field dla_trace_activity_fields[] = {
    FIELD(dla_trace_activity, start_cycle, DLA_TRACE_U64),
    FIELD(dla_trace_activity, end_cycle, DLA_TRACE_U64),
    FIELD(dla_trace_activity, active_fraction, DLA_TRACE_F64),
};
const size_t dla_trace_num_activity_fields = sizeof dla_trace_activity_fields / sizeof dla_trace_activity_fields[0];

/* The struct's field names already carry their units (latency_ms, energy_mj, ...). */
const dla_trace_field dla_trace_summary_fields[] = {
    FIELD(dla_run_summary, clock_mhz, DLA_TRACE_F64),
    FIELD(dla_run_summary, total_cycles, DLA_TRACE_U64),
    FIELD(dla_run_summary, latency_ms, DLA_TRACE_F64),
    FIELD(dla_run_summary, images_per_s, DLA_TRACE_F64),
    FIELD(dla_run_summary, tops, DLA_TRACE_F64),
    FIELD(dla_run_summary, mac_utilization, DLA_TRACE_F64),
    FIELD(dla_run_summary, macs, DLA_TRACE_U64),
    FIELD(dla_run_summary, dram_read_bytes, DLA_TRACE_U64),
    FIELD(dla_run_summary, dram_write_bytes, DLA_TRACE_U64),
    FIELD(dla_run_summary, energy_mj, DLA_TRACE_F64),
    FIELD(dla_run_summary, dynamic_energy_mj, DLA_TRACE_F64),
    FIELD(dla_run_summary, static_energy_mj, DLA_TRACE_F64),
    FIELD(dla_run_summary, avg_power_w, DLA_TRACE_F64),
    FIELD(dla_run_summary, images_per_joule, DLA_TRACE_F64),
};
const size_t dla_trace_num_summary_fields = sizeof dla_trace_summary_fields / sizeof dla_trace_summary_fields[0];

hid_t dla_trace_scalar_type(dla_trace_kind kind, int in_file)
{
    switch (kind) {
    case DLA_TRACE_U64: return H5Tcopy(in_file ? H5T_STD_U64LE : H5T_NATIVE_UINT64);
    case DLA_TRACE_F64: return H5Tcopy(in_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE);
    case DLA_TRACE_STR: break;
    }
    return -1;
}

/* A fixed string of the C array's size. The file pads with NULs (numpy's 'S' convention), so bytes
 * after the terminator in the caller's struct never reach the file: identical results give
 * identical datasets. */
static hid_t fixed_string_type(size_t size, int in_file)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, in_file ? H5T_STR_NULLPAD : H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

hid_t dla_trace_vlstr_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

hid_t dla_trace_compound_type(const dla_trace_field *fields, size_t n, size_t struct_size, int in_file)
{
    size_t packed = 0;
    for (size_t i = 0; i < n; i++)
        packed += fields[i].size;
    hid_t t = H5Tcreate(H5T_COMPOUND, in_file ? packed : struct_size);
    if (t < 0)
        return -1;
    size_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        const dla_trace_field *f = &fields[i];
        hid_t m =
            f->kind == DLA_TRACE_STR ? fixed_string_type(f->size, in_file) : dla_trace_scalar_type(f->kind, in_file);
        herr_t rc = m < 0 ? -1 : H5Tinsert(t, f->name, in_file ? offset : f->offset, m);
        if (m >= 0)
            H5Tclose(m);
        if (rc < 0) {
            H5Tclose(t);
            return -1;
        }
        offset += f->size;
    }
    return t;
}

void dla_trace_quiet_begin(dla_trace_quiet *q)
{
    if (H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) < 0) {
        q->func = NULL;
        q->data = NULL;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void dla_trace_quiet_end(const dla_trace_quiet *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* Walking upward, entry 0 is where HDF5 detected the problem: the most specific message. */
static herr_t innermost(unsigned n, const H5E_error2_t *e, void *client)
{
    if (n == 0 && e->desc)
        snprintf((char *)client, 256, "%s", e->desc);
    return 0;
}

dla_status dla_trace_h5_error(dla_error *err, dla_status status, const char *file, const char *object, const char *what)
{
    char detail[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, detail);
    H5Eclear2(H5E_DEFAULT);
    if (detail[0])
        return dla_error_set(err, status, "%s: %s: %s (HDF5: %s)", file, object, what, detail);
    return dla_error_set(err, status, "%s: %s: %s", file, object, what);
}
