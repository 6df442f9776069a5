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
} dla_compile_opts;

/* Compile an ONNX file. Layers the DLA cannot run fail with an error naming each of them and the
 * rule, or with allow_gpu_fallback become GPU segments of the loadable. *out owned by the caller. */
dla_status dla_compile_onnx(const char *onnx_path, const dla_compile_opts *opts, dla_loadable **out, dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
