/* Internal to dla_trace: the trace schema as tables (columns of /layers, /ops and /stats, attributes of
 * /summary) shared by writer and reader, the HDF5 types built from them, and HDF5 error capture.
 * docs/trace-format.md is the prose form of these tables; keep the two in step. */
#ifndef DLA_TRACE_INTERNAL_H
#define DLA_TRACE_INTERNAL_H

#include <hdf5.h>
#include <stddef.h>

#include "dla/result.h"
#include "dla/status.h"

typedef enum dla_trace_kind {
    DLA_TRACE_STR,
    DLA_TRACE_U64,
    DLA_TRACE_F64
} dla_trace_kind;

/* One column of a compound table or one attribute of /summary: name in the file, kind, size of
 * the C field (strings: the char array, stored as a fixed string of that size) and its offset. */
typedef struct dla_trace_field {
    const char *name;
    dla_trace_kind kind;
    size_t size;
    size_t offset;
} dla_trace_field;

extern const dla_trace_field dla_trace_layer_fields[];
extern const size_t dla_trace_num_layer_fields;
extern const dla_trace_field dla_trace_op_fields[];
extern const size_t dla_trace_num_op_fields;
extern const dla_trace_field dla_trace_stat_fields[];
extern const size_t dla_trace_num_stat_fields;
extern const dla_trace_field dla_trace_energy_fields[];
extern const size_t dla_trace_num_energy_fields;
extern const dla_trace_field dla_trace_sample_series_fields[];
extern const size_t dla_trace_num_sample_series_fields;
extern const dla_trace_field dla_trace_summary_fields[];
extern const size_t dla_trace_num_summary_fields;

/* /units: samples of each unit's activity timeline (docs/trace-format.md). */
#define DLA_TRACE_TIMELINE_SAMPLES 256

/* One sample of a unit's activity timeline: the cycles [start_cycle, end_cycle) and the fraction of
 * them in which the unit had an op running (from the /ops records). */
typedef struct dla_trace_activity {
    uint64_t start_cycle;
    uint64_t end_cycle;
    double active_fraction;
} dla_trace_activity;
extern const dla_trace_field dla_trace_activity_fields[];
extern const size_t dla_trace_num_activity_fields;

/* Compound type of a table: in_file = 0 gives the C struct layout (strings NUL-terminated),
 * in_file = 1 the packed little-endian layout stored in the file (strings NUL-padded).
 * Returns a type id to close with H5Tclose, or a negative id on failure. */
hid_t dla_trace_compound_type(const dla_trace_field *fields, size_t n, size_t struct_size, int in_file);
/* Scalar type of one field as stored in the file / as read into memory; close with H5Tclose. */
hid_t dla_trace_scalar_type(dla_trace_kind kind, int in_file);
/* Variable-length UTF-8 string type (attributes); close with H5Tclose. */
hid_t dla_trace_vlstr_type(void);

/* HDF5 prints its error stack to stderr by default; a library must not. Saved and restored around
 * every public call so the caller's own HDF5 settings are untouched. */
typedef struct dla_trace_quiet {
    H5E_auto2_t func;
    void *data;
} dla_trace_quiet;
void dla_trace_quiet_begin(dla_trace_quiet *q);
void dla_trace_quiet_end(const dla_trace_quiet *q);

/* Fill err with "FILE: OBJECT: WHAT (HDF5: innermost message)" and clear HDF5's error stack. */
dla_status dla_trace_h5_error(dla_error *err, dla_status status, const char *file, const char *object,
                              const char *what);

#endif
