/* The compiler: ONNX -> graph IR -> passes -> loadable (docs/compiler.md). */
#ifndef DLA_COMPILER_H
#define DLA_COMPILER_H

#include <stdbool.h>
#include <stdio.h>

#include "dla/config.h"
#include "dla/loadable.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2:4 structured-sparse weights (docs/datapath.md "2:4 sparse weights"), as TensorRT's --sparsity. */
typedef enum dla_sparsity {
    DLA_SPARSITY_DISABLE = 0, /* all weights dense */
    DLA_SPARSITY_ENABLE = 1,  /* INT8 convs whose weights already are 2:4 along C (C > 64) go sparse */
    DLA_SPARSITY_FORCE = 2    /* prune INT8 convs with C > 64 to 2:4 by magnitude; needs sparsity_2_4 */
} dla_sparsity;

/* INT8 calibration algorithm over the calibration data (docs/compiler.md "Calibration"). */
typedef enum dla_calib_algo {
    DLA_CALIB_MINMAX = 0,     /* scale = max|x| / 127 (the default; TensorRT's MINMAX_CALIBRATION) */
    DLA_CALIB_PERCENTILE = 1, /* scale = the calib_percentile-th percentile of |x| / 127 */
    DLA_CALIB_ENTROPY = 2     /* KL-divergence threshold (TensorRT's ENTROPY_CALIBRATION_2) */
} dla_calib_algo;

typedef struct dla_compile_opts {
    const dla_config *cfg;   /* target hardware */
    dla_precision precision; /* DLA_PRECISION_INT8 or DLA_PRECISION_FP16 */
    int batch;               /* 0: the model's own batch dimension */
    int calibration_samples; /* synthetic calibration batches for INT8 (0: default) */
    unsigned calibration_seed;
    FILE *report;          /* compile report (layer placement, fusion, tiling) or NULL */
    dla_sparsity sparsity; /* DLA_SPARSITY_DISABLE when zero-initialised */
    /* GPU fallback (docs/runtime.md): layers the DLA cannot run become GPU layers of the loadable
     * instead of an error (TensorRT's --allowGPUFallback). */
    bool allow_gpu_fallback;
    /* Keep GlobalAveragePool as a GPU layer, as TensorRT 8.4 did in the jetson_dla_tutorial (needs
     * allow_gpu_fallback). Default (false): rewritten to DLA AveragePool(s) of window <= 8. */
    bool gap_on_gpu;
    /* Input shapes for dynamic dimensions, trtexec syntax "name:2x3x224x224,name2:1x3x8x8" (NULL: none). */
    const char *shapes;
    /* INT8 calibration (docs/compiler.md "Calibration"); all NULL / 0: synthetic data, min-max. */
    const char *calib_dir;       /* directory of .npy or raw FP32 input tensors (NULL: synthetic inputs) */
    dla_calib_algo calib_algo;   /* DLA_CALIB_MINMAX when zero-initialised */
    double calib_percentile;     /* DLA_CALIB_PERCENTILE: in (0, 100], 0 means 99.99 */
    const char *calib_cache;     /* TensorRT calibration cache to read when the file exists (skips calibration) */
    const char *calib_cache_out; /* write the scales in TensorRT's cache format after calibration */
    /* Per-layer precision overrides "onnx_node:fp16,onnx_node2:int8" (NULL: none); a layer is named by
     * any ONNX node fused into it. An INT8 network may run FP16 layers (docs/compiler.md "Mixed
     * precision"); int8 entries need an INT8 network. */
    const char *layer_precision;
    /* On-chip SRAM pool (TensorRT's --memPoolSize=dlaSRAM:N; docs/compiler.md "On-chip SRAM"): bytes of
     * the core's SRAM the compiler may place intermediate activations in. 0 (zero-initialised): none,
     * everything in DRAM; DLA_SRAM_POOL_CONFIG: the target's memory.sram.size_bytes (the CLI default);
     * more than memory.sram.size_bytes is refused. */
    int64_t sram_pool_bytes;
    /* Turn off horizontal fusion of sibling convolutions (docs/compiler.md "Horizontal fusion"; CLI
     * --no-hfuse), for A/B comparisons. */
    bool no_hfuse;
} dla_compile_opts;

#define DLA_SRAM_POOL_CONFIG (-1)

/* Compile an ONNX file. Layers the DLA cannot run fail with an error naming each of them and the
 * rule, or with allow_gpu_fallback become GPU segments of the loadable. *out owned by the caller. */
dla_status dla_compile_onnx(const char *onnx_path, const dla_compile_opts *opts, dla_loadable **out, dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
