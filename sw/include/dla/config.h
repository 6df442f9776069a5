/* The one parsed hardware description (configs/ JSON files), read by compiler, driver and hw alike.
 * Units are in the field names. Loading validates keys, types, ranges and required fields and
 * reports the file and JSON path of any problem. See docs/config.md for the schema. */
#ifndef DLA_CONFIG_H
#define DLA_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLA_NAME_MAX 64
#define DLA_MAX_POWER_MODES 8
#define DLA_MAX_CORES 2

/* Energy per action and static power; counts x this table = energy (Accelergy style). */
typedef struct dla_energy_table {
    double mac_int8_pj;        /* one INT8 multiply-accumulate */
    double mac_fp16_pj;        /* one FP16 multiply-accumulate */
    double cbuf_read_byte_pj;  /* CBUF read, per byte */
    double cbuf_write_byte_pj; /* CBUF write, per byte */
    double dram_byte_pj;       /* DRAM access incl. interface, per byte */
    double sram_byte_pj;       /* on-chip SRAM access, per byte */
    double sdp_element_pj;     /* one element through SDP */
    double pdp_element_pj;     /* one input element through PDP */
    double cdp_element_pj;     /* one element through CDP */
    double csb_write_pj;       /* one register write */
    double static_power_w;     /* leakage + clock tree of one DLA core while powered */
} dla_energy_table;

typedef struct dla_power_mode {
    char name[DLA_NAME_MAX];    /* "MAXN", "50W", ... */
    double dla_clock_mhz;       /* DLA core clock */
    double falcon_clock_mhz;    /* controller (firmware) clock */
    double emc_clock_mhz;       /* memory controller clock */
    double dram_bandwidth_gbps; /* peak DRAM bandwidth of the SoC, GB/s (1e9 B/s) */
    double gpu_clock_mhz;       /* GPU clock (fallback timing) */
    dla_energy_table energy;
    double dram_latency_ns; /* this mode's DRAM latency (default memory.dram.latency_ns; 0 = that default) */
    double dram_efficiency; /* this mode's sustained / peak (default memory.dram.efficiency; 0 = that default) */
} dla_power_mode;

typedef struct dla_core_features {
    bool int8;
    bool fp16;
    bool winograd;
    bool image_input;
    bool weight_compression;
    bool sparsity_2_4; /* Orin: 2:4 structured sparse weights */
    bool sdp_lut;
    bool sdp_ew; /* element-wise (Y) stage */
    bool pdp;
    bool cdp;
    bool bdma;
    bool rubik;
    bool sramif;   /* on-chip SRAM interface (CVIF) */
    int max_batch; /* hardware batch (1 = none) */
} dla_core_features;

typedef struct dla_core_params {
    int atomic_c;            /* input channels per atomic op */
    int atomic_k;            /* kernels (MAC cells) per atomic op; INT8 */
    int fp16_macs_per_cycle; /* FP16 MACs per cycle of the whole array */
    int memory_atomic_bytes; /* feature-data atom in memory (channels per surface = this / bpe) */
    int cbuf_banks;
    int cbuf_entries_per_bank;
    int cbuf_entry_bytes;
    int cbuf_read_latency_cycles;
    int cbuf_write_latency_cycles;
    int csc_stripe_min;         /* atomic ops per stripe, lower bound (normally atomic_k) */
    int csc_stripe_max;         /* upper bound (normally 2 * atomic_k - 1) */
    int csc_weight_load_cycles; /* cycles to load one kernel group's weights per block step */
    int csc_latency_cycles;     /* CBUF read to CMAC issue */
    int csc_sg_flush_cycles;    /* stripe-generator flush at end of a layer */
    int cmac_latency_cycles;
    int cmac_point_split;    /* output points per cycle when a kernel group fills <= atomic_k/split cells (1 = NVDLA) */
    int cacc_latency_cycles; /* assembly read-modify-write latency */
    int cacc_delivery_stripes; /* delivery-buffer capacity, in stripes (credits to CSC) */
    int sdp_bs_throughput;     /* elements per cycle */
    int sdp_bn_throughput;
    int sdp_ew_throughput;
    int sdp_latency_cycles;
    int pdp_throughput; /* elements per cycle */
    int pdp_line_buffer_bytes;
    int pdp_latency_cycles;
    int cdp_throughput;
    int cdp_latency_cycles;
    int rubik_bytes_per_cycle;    /* RUBIK datapath: output bytes per cycle (required with features.rubik) */
    int rubik_request_bytes;      /* size of one RUBIK memory request (required with features.rubik) */
    int dma_read_bytes_per_cycle; /* read data bus width of the core's memory interface */
    int dma_write_bytes_per_cycle;
    int dma_max_outstanding;         /* read requests in flight per core (MCIF outstanding count) */
    int dma_request_bytes;           /* size of one memory request */
    int csb_write_cycles;            /* core cycles per CSB register access */
    int irq_latency_cycles;          /* interrupt raise to controller notice, core cycles */
    int falcon_cycles_per_reg_write; /* controller cycles spent per register write */
    int falcon_cycles_per_op;        /* controller cycles of bookkeeping per hardware op */
    int falcon_cycles_per_irq;       /* controller cycles to service one interrupt */
    dla_core_features features;
} dla_core_params;

typedef struct dla_memory_params {
    double dram_latency_ns;       /* request accepted -> first data */
    int dram_burst_bytes;         /* access granule */
    double dram_efficiency;       /* sustained fraction of peak bandwidth */
    double dram_background_share; /* fraction of sustained DRAM bandwidth taken by GPU/CPU traffic, [0, 1) */
    int64_t sram_size_bytes;      /* on-chip SRAM per core (0 = none) */
    double sram_bandwidth_gbps;
    int sram_latency_cycles;
} dla_memory_params;

typedef struct dla_gpu_params { /* used by GPU-fallback timing (runtime issue) */
    double int8_tops;           /* at gpu reference clock */
    double fp16_tflops;
    double reference_clock_mhz;
    double launch_latency_us;
    double dla_gpu_sync_us; /* one DLA<->GPU synchronisation */
    int dram_request_bytes; /* GPU traffic enters the DRAM model in requests of this size (power of 2) */
} dla_gpu_params;

/* Area estimate (sw/report/area.c, docs/sweeps.md "Area model"): a cost axis for exploration, not a
 * layout. Coefficients are at reference_node_nm; node_area_scale converts to the target node. All
 * zero when the config has no "area" section (the estimate then reports itself unavailable). */
typedef struct dla_area_params {
    double mac_mm2_per_int8_mac;            /* one INT8 MAC cell incl. its share of CMAC/CACC */
    double cbuf_mm2_per_kib;                /* convolution buffer SRAM, per KiB */
    double sram_mm2_per_kib;                /* on-chip SRAM (memory.sram.size_bytes), per KiB */
    double datapath_mm2_per_byte_per_cycle; /* DMA read+write bus width, per byte/cycle */
    double fixed_mm2;                       /* per core: SDP, PDP, CDP, CSB, GLB, control */
    double reference_node_nm;               /* node the coefficients above are given at */
    double node_nm;                         /* node of this config */
    double node_area_scale;                 /* area at node_nm / area at reference_node_nm */
} dla_area_params;

typedef struct dla_config {
    int version; /* schema version */
    char name[DLA_NAME_MAX];
    char description[256];
    char path[512]; /* file it was loaded from */
    int num_cores;
    dla_core_params core;
    dla_memory_params memory;
    dla_gpu_params gpu;
    dla_area_params area;
    int num_power_modes;
    dla_power_mode power_modes[DLA_MAX_POWER_MODES];
    char *resolved_json; /* full config after base inheritance and --set (owned) */
} dla_config;

/* Load a config by preset name ("orin-agx-64gb") or path ("configs/x.json", "my.json").
 * A name is looked up in the directory given by $DLASIM_CONFIG_DIR, then the built-in configs dir.
 * overrides: n strings "key.path=value" (the --set flag), applied after base inheritance.
 * On success *out is a new config owned by the caller (dla_config_destroy). */
dla_status dla_config_load(const char *name_or_path, const char *const *overrides, int n_overrides, dla_config **out,
                           dla_error *err);
void dla_config_destroy(dla_config *cfg);

/* The mode with this name (case-insensitive), or NULL. name NULL -> first mode. */
const dla_power_mode *dla_config_power_mode(const dla_config *cfg, const char *name);

/* Peak INT8 MACs per cycle of one core (atomic_c * atomic_k). */
int64_t dla_config_int8_macs_per_cycle(const dla_config *cfg);

/* The directory holding the built-in presets. */
const char *dla_config_builtin_dir(void);

#ifdef __cplusplus
}
#endif

#endif
