/* `dlasim trtexec` (docs/trtexec.md): trtexec's flags parsed into one struct, and the trtexec-style
 * report (performance summary, layer profile, per-query times) of the simulated inferences.
 * Internal to sw/cli. */
#ifndef DLASIM_CLI_TRTEXEC_H
#define DLASIM_CLI_TRTEXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "commands.h"

#define TRT_MAX_SHAPES CLI_MAX_INPUTS
#define TRT_MAX_FORMATS CLI_MAX_INPUTS
#define TRT_MAX_NOTES 32
#define TRT_NOTE_MAX 512

/* One --shapes entry: name:NxCxHxW (missing trailing dims are 1). */
typedef struct trt_shape {
    char name[DLA_LNAME_MAX];
    uint32_t dims[4];
    int ndims;
} trt_shape;

/* One --inputIOFormats / --outputIOFormats entry: type:layout[+layout...]. */
typedef struct trt_io_format {
    dla_precision type;
    bool only_hwc4; /* dla_hwc4 is the only layout allowed (it needs C <= 4) */
} trt_io_format;

typedef struct trt_args {
    cli_options o; /* command "trtexec"; config, power mode, sets, precision, batch, core, trace */
    const char *onnx, *load_engine, *save_engine, *export_profile, *export_times;
    bool int8, fp16, core_given, dump_profile;
    bool standalone; /* --buildDLAStandalone: refuse GPU layers */
    int iterations;
    int sim_iterations; /* --simIterations: timed inferences actually simulated (the rest extrapolated) */
    double warmup_ms, duration_s;
    trt_shape shapes[TRT_MAX_SHAPES];
    int num_shapes;
    trt_io_format in_formats[TRT_MAX_FORMATS], out_formats[TRT_MAX_FORMATS];
    int num_in_formats, num_out_formats;
    char notes[TRT_MAX_NOTES][TRT_NOTE_MAX]; /* "[V]" lines: accepted flags that change nothing */
    int num_notes;
} trt_args;

/* Parses argv[2..argc). Returns CLI_EXIT_OK, or CLI_EXIT_USAGE / CLI_EXIT_ERROR after printing one
 * error line (unknown flag or malformed value: usage; a well-formed value dlasim or the DLA does
 * not support: error). */
int trt_parse(int argc, char **argv, trt_args *a);

/* Adds a "[V] dlasim: ..." note printed in --verbose mode. */
void trt_note(trt_args *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Simulated inferences (dlasim's --simIterations): one warm-up inference when --warmUp > 0, then
 * min(--iterations, N) timed ones (N when --duration > 0: the query count is only known once the
 * steady-state period is), N = --simIterations (default 10). The rest of trtexec's queries are
 * extrapolated at the steady-state period. */
#define TRT_DEFAULT_SIM_ITERATIONS 10
#define TRT_MAX_SIM_ITERATIONS 1000

/* The queries trtexec would run, from the simulated inferences: warm-up queries until --warmUp ms
 * have passed, then queries until both --iterations and --duration are reached, one every
 * steady-state period. Simulated timed queries keep their simulated times; extrapolated ones end a
 * period apart after the last simulated one and take the simulated mean latency. */
typedef struct trt_timing {
    const cli_inference_stats *st; /* the simulated inferences (job 0) */
    const dla_inference_record *rec;
    double clock_mhz;
    double latency_ms; /* mean latency of the simulated timed queries */
    double period_ms;  /* steady state: one query per period */
    uint64_t warmup_queries;
    uint64_t queries; /* timed: st->timed simulated, the rest extrapolated */
    uint32_t simulated_inferences;
} trt_timing;

/* Start and end (ms from the first warm-up query's start) of timed query q. */
void trt_query_times(const trt_timing *t, uint64_t q, double *start_ms, double *end_ms);

int trt_timing_derive(const trt_args *a, const cli_inference_stats *st, const dla_inference_record *rec,
                      double clock_mhz, trt_timing *t);

/* Each layer's share of the inference, in cycles: the layers sorted by completion, each owns the
 * cycles since the previous completion (the first from cycle 0, the last up to total_cycles), so
 * overlapping layers are not counted twice and the shares add up to total_cycles exactly.
 * cycles[] has r->num_layers entries. */
void trt_layer_shares(const dla_run_result *r, uint64_t *cycles);

/* `[DlaLayer] {ForeignNode[first...last]}` block and the (empty) GPU block. */
void trt_print_layer_blocks(const dla_loadable *l, FILE *out);
/* Prolog, performance summary and the dlasim lines saying what is simulated; wall_s: host seconds
 * the simulation took. */
void trt_print_summary(const trt_args *a, const dla_run_result *r, const trt_timing *t, double wall_s, FILE *out);
/* --dumpProfile: trtexec's per-layer table. */
void trt_print_profile(const dla_run_result *r, const trt_timing *t, const uint64_t *shares, FILE *out);

/* Beyond this, --exportTimes (one entry per timed query, as trtexec writes) would be hundreds of MB;
 * trt_times_fit says so before any file is written. */
#define TRT_MAX_EXPORTED_QUERIES 1000000ull
dla_status trt_times_fit(const trt_timing *t, dla_error *err);

/* --exportProfile and --exportTimes, each written to PATH.tmp.<pid> and renamed into place. */
dla_status trt_write_profile(const char *path, const dla_run_result *r, const trt_timing *t, const uint64_t *shares,
                             dla_error *err);
dla_status trt_write_times(const char *path, const trt_timing *t, dla_error *err);

#endif
