/* The result of one simulation run: per-layer records, summary and unit statistics.
 * Produced by driver + CLI, written to HDF5 by traces/, read back by `dlasim trace show`. */
#ifndef DLA_RESULT_H
#define DLA_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "dla/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dla_layer_record {
    char name[128];
    char op[32];          /* "conv", "conv+add", "pool", "fc", ... */
    char engine[16];      /* "DLA0", "DLA1", "GPU" */
    uint64_t start_cycle; /* first op enabled */
    uint64_t end_cycle;   /* last op completed */
    uint64_t cycles;      /* end - start */
    uint64_t macs;
    uint64_t dram_read_bytes;
    uint64_t dram_write_bytes;
    double mac_utilization; /* macs / (cycles * peak MACs per cycle) */
    char bound[16];         /* what limited the layer: "compute", "memory", "output", "overhead" */
    /* Energy attributed to the layer by dla_result_summarize (docs/energy.md); 0 for GPU layers and
     * for results read back from a trace. */
    double energy_mj;   /* MAC + DRAM energy by the layer's own counts, the rest by its share of cycles */
    double avg_power_w; /* energy / the layer's time */
    double tops_per_w;  /* 2 x MACs / energy, in 1e12 ops per joule */
} dla_layer_record;

/* One hardware operation (a loadable op) as the driver read it back from the op's register-group perf
 * registers. Integers are 64-bit so the trace table stays one integer type. */
typedef struct dla_op_record {
    uint64_t op_index;    /* index into the loadable's ops */
    uint64_t layer_index; /* index into the loadable's layers */
    char layer[128];      /* that layer's name */
    char kind[8];         /* "conv", "sdp", "pdp" */
    char engine[16];      /* "DLA<core>" */
    uint64_t core;
    uint64_t batch_index;
    uint64_t start_cycle; /* the op's unit started (conv: CACC, else SDP/PDP) */
    uint64_t end_cycle;   /* the op's unit finished */
    uint64_t dram_read_bytes;
    uint64_t dram_write_bytes;
    uint64_t macs;
} dla_op_record;

typedef struct dla_run_summary {
    double clock_mhz;
    uint64_t total_cycles;
    double latency_ms;   /* one inference of the whole batch */
    double images_per_s; /* batch x cores / latency (each core runs a copy) */
    double tops;         /* achieved, 2 ops per MAC */
    double mac_utilization;
    uint64_t macs;
    uint64_t dram_read_bytes;
    uint64_t dram_write_bytes;
    double energy_mj; /* dynamic (from action counts) + static */
    double dynamic_energy_mj;
    double static_energy_mj;
    double avg_power_w;
    double images_per_joule; /* perf/W in images/s per W */
    double tops_per_w;       /* achieved TOPS / average power */
    double dram_peak_gbps;   /* the power mode's DRAM bandwidth (config value) */
    double dram_dla_gbps;    /* what the DLAs can use: peak x efficiency x (1 - background_share) */
} dla_run_summary;

/* One row of the energy breakdown (trace /energy): the dynamic energy of one kind of action, or the
 * static energy (action "static_power_w", count 0). Rows sum to dla_run_summary.energy_mj. */
typedef struct dla_energy_record {
    char action[32];   /* the dla_energy_table entry that prices it, e.g. "mac_int8_pj" */
    char counters[32]; /* suffix of the /stats counters summed, e.g. ".mac_ops" ("" for static) */
    uint64_t count;    /* actions counted over the run */
    double pj_per_action;
    double energy_mj;
} dla_energy_record;

/* Actions priced by dla_result_summarize (MAC, 10 memory/datapath kinds) plus the static row. */
#define DLA_MAX_ENERGY_RECORDS 16

typedef struct dla_run_meta {
    char tool_version[32];
    char config_name[64];
    char *config_json; /* owned */
    char power_mode[32];
    char network[128];
    char precision[8];
    int batch;
    int cores;
    int functional;
} dla_run_meta;

typedef struct dla_run_result {
    dla_run_meta meta;
    dla_layer_record *layers; /* owned */
    size_t num_layers;
    dla_run_summary summary;
    dla_stat *stats; /* owned */
    size_t num_stats;
    dla_op_record *ops; /* owned; every core's ops, core by core in op order */
    size_t num_ops;
    dla_energy_record energy[DLA_MAX_ENERGY_RECORDS]; /* filled with summary by dla_result_summarize */
    size_t num_energy;
    dla_samples samples; /* owned; measured activity per window (window_cycles 0: not sampled) */
} dla_run_result;

void dla_run_result_destroy(dla_run_result *r);

#ifdef __cplusplus
}
#endif

#endif
