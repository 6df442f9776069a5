/* Architecture-exploration sweeps (docs/sweeps.md): a JSON spec of axes over config keys and run
 * options expands into points; each (point, network) job is simulated in its own process (local
 * workers or MPI ranks) and its row lands in a journal, folded into RESULTS.h5's /points table.
 * The library does not simulate: the caller passes the function that runs one job. */
#ifndef DLA_SWEEP_H
#define DLA_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dla/compiler.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLA_SWEEP_MAX_AXES 16
#define DLA_SWEEP_MAX_NETWORKS 16
#define DLA_SWEEP_MAX_SETS 48

typedef struct dla_sweep_spec dla_sweep_spec;

/* Everything one worker needs to simulate one (point, network); strings point into the spec. */
typedef struct dla_sweep_job {
    uint32_t index; /* point * num_networks + network */
    uint32_t point;
    uint32_t network;
    const char *network_name;
    const char *onnx_path;
    const char *config;     /* base preset name or path */
    const char *power_mode; /* never NULL: the spec's or the axis value */
    dla_precision precision;
    int batch; /* 0: the model's */
    dla_sparsity sparsity;
    char sets[DLA_SWEEP_MAX_SETS][160]; /* "key=value" --set overrides: base sets, then axes */
    int num_sets;
    uint64_t config_hash;      /* FNV-1a 64 of the resolved config JSON */
    uint64_t compile_key;      /* the inputs the compiler reads (docs/sweeps.md "Loadable reuse") */
    uint64_t job_key;          /* config_hash + network + run options: the resume key with index */
    char loadable_cache[1024]; /* cached loadable for compile_key ("" = none) */
    char trace_path[1024];     /* "" = no trace */
} dla_sweep_job;

/* What one job produced. ok false: message says why (the row's status is "error"). */
typedef struct dla_sweep_metrics {
    bool ok;
    char message[512];
    uint64_t cycles;
    double latency_ms;
    double images_per_s;
    double tops;
    double mac_utilization;
    uint64_t dram_read_bytes;
    uint64_t dram_write_bytes;
    double energy_mj;
    double avg_power_w;
    double perf_per_w; /* images/s per W */
    double area_mm2;   /* estimate (dla/area.h); NaN when the config has no area model */
    double wall_s;     /* host seconds of the job (journal only: not deterministic) */
} dla_sweep_metrics;

/* Runs one job in the calling process, which is a fresh child that has not elaborated SystemC.
 * Returns DLA_OK with out->ok set, or an error (then out->message is taken from err). */
typedef dla_status (*dla_sweep_job_fn)(const dla_sweep_job *job, void *user, dla_sweep_metrics *out, dla_error *err);

/* Reads and validates a spec (unknown keys, ranges, axis keys against the base config, every
 * point's config, constraints). Messages name the spec file and JSON path. */
dla_status dla_sweep_spec_load(const char *path, dla_sweep_spec **out, dla_error *err);
/* The same from text; label names it in messages, base_dir resolves relative network paths. */
dla_status dla_sweep_spec_parse(const char *text, const char *label, const char *base_dir, dla_sweep_spec **out,
                                dla_error *err);
void dla_sweep_spec_destroy(dla_sweep_spec *spec);

size_t dla_sweep_num_points(const dla_sweep_spec *spec);
size_t dla_sweep_num_networks(const dla_sweep_spec *spec);
size_t dla_sweep_num_jobs(const dla_sweep_spec *spec);
size_t dla_sweep_num_axes(const dla_sweep_spec *spec);
const char *dla_sweep_axis_key(const dla_sweep_spec *spec, size_t axis);
/* The axis value of a point as passed to --set ("64", "MAXN"). */
const char *dla_sweep_point_value(const dla_sweep_spec *spec, size_t point, size_t axis);
/* Distinct compile keys over all jobs (how many compilations a cold sweep does). */
size_t dla_sweep_num_compile_keys(const dla_sweep_spec *spec);
/* Fills *job for job index i (< dla_sweep_num_jobs); the cache and trace paths stay empty. */
void dla_sweep_job_get(const dla_sweep_spec *spec, size_t i, dla_sweep_job *job);
/* The TensorRT-format INT8 calibration cache a job's compile reads (or writes when it does not exist
 * yet): next to job->loadable_cache, named by what calibration depends on (the compile key less the
 * MAC-array and CBUF geometry, docs/sweeps.md "Calibration reuse"), so points that differ only in
 * geometry calibrate once. cfg is the job's loaded config. dst = "" when the job has no cache. */
void dla_sweep_calib_cache_path(const dla_sweep_job *job, const dla_config *cfg, char *dst, size_t size);

/* Evaluates a constraint expression (docs/sweeps.md "Constraints"): numbers, "strings", names
 * looked up through lookup, + - * / %, comparisons, ! && ||, parentheses. lookup returns false for an
 * unknown name; otherwise sets *num or *str. *out is the value (comparisons give 1 or 0). */
typedef bool (*dla_sweep_lookup_fn)(const char *name, void *user, double *num, const char **str);
dla_status dla_sweep_expr_eval(const char *expr, dla_sweep_lookup_fn lookup, void *user, double *out, dla_error *err);

typedef struct dla_sweep_run_opts {
    const char *output; /* RESULTS.h5; side files live in RESULTS.h5.d/ */
    int workers;        /* local worker processes (>= 1) */
    bool quiet;         /* no progress bar and no summary line */
    bool traces;        /* keep each job's full trace in RESULTS.h5.d/traces/ */
    dla_sweep_job_fn fn;
    void *user;
} dla_sweep_run_opts;

typedef struct dla_sweep_run_stats {
    size_t jobs;    /* in the spec */
    size_t skipped; /* already in the journal (resume) */
    size_t ran;
    size_t failed;   /* rows with status error (this time) */
    size_t inferred; /* of those, not run: a job with the same compile inputs had failed to compile */
    size_t compiles; /* jobs that compiled (cache misses) */
    double wall_s;   /* host seconds of this invocation */
    bool is_root;    /* false on MPI worker ranks (nothing else is filled there) */
} dla_sweep_run_stats;

/* Runs every job not yet in the journal on opts->workers local processes, then writes RESULTS.h5. */
dla_status dla_sweep_run_local(const dla_sweep_spec *spec, const dla_sweep_run_opts *opts, dla_sweep_run_stats *stats,
                               dla_error *err);
/* The same over MPI (rank 0 schedules and writes; the other ranks simulate). Initialises and
 * finalises MPI. DLA_ERR_UNSUPPORTED when dlasim was built without MPI. */
dla_status dla_sweep_run_mpi(int *argc, char ***argv, const dla_sweep_spec *spec, const dla_sweep_run_opts *opts,
                             dla_sweep_run_stats *stats, dla_error *err);
/* True when this build has MPI support. */
bool dla_sweep_have_mpi(void);

#ifdef __cplusplus
}
#endif

#endif
