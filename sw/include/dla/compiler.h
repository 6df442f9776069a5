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

typedef struct dla_compile_opts {
    const dla_config *cfg;   /* target hardware */
    dla_precision precision; /* DLA_PRECISION_INT8 or DLA_PRECISION_FP16 */
    int batch;               /* 0: the model's own batch dimension */
    int calibration_samples; /* synthetic calibration batches for INT8 (0: default) */
    unsigned calibration_seed;
    FILE *report; /* compile report (layer placement, fusion, tiling) or NULL */
} dla_compile_opts;

/* Compile an ONNX file. Unsupported layers (for now: anything the DLA cannot run, as GPU fallback
 * arrives later) fail with an error naming the layers and the rule. *out owned by the caller. */
dla_status dla_compile_onnx(const char *onnx_path, const dla_compile_opts *opts, dla_loadable **out, dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
