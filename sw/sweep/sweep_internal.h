/* Internal to the sweep library: the parsed spec, its points and jobs, the journal record format and
 * the coordinator shared by the local worker pool and the MPI driver. */
#ifndef DLA_SWEEP_INTERNAL_H
#define DLA_SWEEP_INTERNAL_H

#include <sys/types.h>

#include "dla/sweep.h"

enum {
    SWEEP_VALUE_MAX = 64, /* one axis value as text */
    SWEEP_MAX_VALUES = 4096,
    SWEEP_MAX_POINTS = 1000000,      /* points, and jobs (points x networks) */
    SWEEP_MAX_AXIS_VALUES = 1 << 22, /* points x axes: 256 MiB of SWEEP_VALUE_MAX-byte values */
    SWEEP_MAX_CONSTRAINTS = 16,
    SWEEP_MAX_METRICS = 16,
};

typedef enum sweep_axis_kind {
    SWEEP_AXIS_CONFIG,     /* a config key, passed as --set key=value */
    SWEEP_AXIS_POWER_MODE, /* run options */
    SWEEP_AXIS_PRECISION,
    SWEEP_AXIS_SPARSITY,
    SWEEP_AXIS_BATCH,
} sweep_axis_kind;

typedef struct sweep_axis {
    char key[96];
    sweep_axis_kind kind;
    bool numeric;      /* every value is a number (the /points column is a double) */
    bool continuous;   /* "uniform": sampled in [lo, hi] (random / lhs only) */
    bool integer;      /* continuous values rounded to integers */
    double lo, hi;     /* continuous bounds */
    size_t num_values; /* discrete values */
    char (*values)[SWEEP_VALUE_MAX];
} sweep_axis;

typedef struct sweep_network {
    char name[64];
    char onnx[1024];
} sweep_network;

typedef enum sweep_method {
    SWEEP_GRID,
    SWEEP_RANDOM,
    SWEEP_LHS
} sweep_method;

typedef struct sweep_point {
    char (*values)[SWEEP_VALUE_MAX]; /* one per axis */
    uint64_t config_hash;
} sweep_point;

/* The metric columns a spec may keep (docs/sweeps.md "Results"). */
typedef enum sweep_metric {
    SWEEP_M_CYCLES,
    SWEEP_M_LATENCY_MS,
    SWEEP_M_IMAGES_PER_S,
    SWEEP_M_TOPS,
    SWEEP_M_MAC_UTILIZATION,
    SWEEP_M_DRAM_READ_BYTES,
    SWEEP_M_DRAM_WRITE_BYTES,
    SWEEP_M_DRAM_BYTES,
    SWEEP_M_ENERGY_MJ,
    SWEEP_M_AVG_POWER_W,
    SWEEP_M_PERF_PER_W,
    SWEEP_M_AREA_MM2,
    SWEEP_M_COUNT
} sweep_metric;

extern const char *const sweep_metric_names[SWEEP_M_COUNT];
double sweep_metric_value(const dla_sweep_metrics *m, sweep_metric which);

struct dla_sweep_spec {
    char label[512]; /* the spec file, for messages */
    char name[64];
    char *text;    /* canonical JSON of the spec (stored in the results) */
    uint64_t hash; /* FNV-1a 64 of text: a journal belongs to one spec */
    char config[512];
    char power_mode[64];
    dla_precision precision;
    int batch;
    dla_sparsity sparsity;
    char base_sets[DLA_SWEEP_MAX_SETS][160];
    int num_base_sets;
    size_t num_networks;
    sweep_network networks[DLA_SWEEP_MAX_NETWORKS];
    size_t num_axes;
    sweep_axis axes[DLA_SWEEP_MAX_AXES];
    sweep_method method;
    size_t samples;
    uint64_t seed;
    size_t num_constraints;
    char constraints[SWEEP_MAX_CONSTRAINTS][256];
    size_t num_metrics;
    sweep_metric metrics[SWEEP_M_COUNT];
    size_t num_points;
    sweep_point *points;
    uint64_t *compile_keys; /* per job */
    uint64_t *job_keys;     /* per job */
    size_t num_compile_keys;
};

uint64_t sweep_fnv1a(uint64_t h, const void *data, size_t n);
#define SWEEP_FNV_OFFSET 0xcbf29ce484222325ull

/* One journal line (and the child-to-parent message): a job's identity and metrics as JSON. */
typedef struct sweep_record {
    uint32_t index;
    uint64_t job_key;
    dla_sweep_metrics m;
    bool compiled; /* this job compiled (cache miss) */
    double cpu_s;  /* host CPU seconds (user + sys) of the job's process; journal only, NaN if unknown */
} sweep_record;

/* malloc'd JSON text without newline. */
char *sweep_record_format(const sweep_record *r);
/* false when text is not a complete record (a torn last line). */
bool sweep_record_parse(const char *text, sweep_record *r);

/* ---- running one job in a forked child ---- */

typedef struct sweep_child {
    pid_t pid;
    int fd; /* read end: the child's stdout+stderr, ending in "@@RESULT <json>" */
    uint32_t job;
    char *buf; /* everything read so far */
    size_t len, cap;
} sweep_child;

/* Forks a child that runs fn on job; its stdout and stderr go to the pipe. */
dla_status sweep_child_spawn(const dla_sweep_job *job, dla_sweep_job_fn fn, void *user, sweep_child *c, dla_error *err);
/* Reads what is available; returns true at EOF. */
bool sweep_child_read(sweep_child *c);
/* After EOF: reaps the child and fills *r (a crash or a missing result becomes an error row). */
void sweep_child_finish(sweep_child *c, sweep_record *r);

/* ---- the coordinator: journal, scheduling with loadable reuse, progress, results file ---- */

typedef struct sweep_coord sweep_coord;

dla_status sweep_coord_open(const dla_sweep_spec *spec, const dla_sweep_run_opts *opts, sweep_coord **out,
                            dla_error *err);
/* Next job to start: its index, or -1 when none can start now (a compile it needs is in flight,
 * or every job is dispatched). */
long sweep_coord_next(sweep_coord *c, dla_sweep_job *job);
bool sweep_coord_all_done(const sweep_coord *c);
/* An error met while recording jobs inside sweep_coord_next (they are recorded, not run, when their
 * compile already failed); DLA_OK otherwise. */
dla_status sweep_coord_status(const sweep_coord *c, dla_error *err);
/* A finished job: appended to the journal (flushed), scheduling and progress updated, results
 * file refreshed now and then. */
dla_status sweep_coord_finish(sweep_coord *c, const sweep_record *r, dla_error *err);
/* Writes RESULTS.h5 from the journal, prints the summary, fills stats, frees c. */
dla_status sweep_coord_close(sweep_coord *c, dla_sweep_run_stats *stats, dla_error *err);
void sweep_coord_abort(sweep_coord *c);

/* RESULTS.h5 from the records of one spec (index-ordered; missing jobs are left out), written to
 * a temporary file then renamed over path. */
dla_status sweep_h5_write(const char *path, const dla_sweep_spec *spec, const sweep_record *const *records, bool traces,
                          const char *trace_dir, dla_error *err);

#endif
