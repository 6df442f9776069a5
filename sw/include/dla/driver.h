/* The driver: loads a loadable into the simulated platform and runs it the way NVDLA firmware
 * does (per-engine queues, ping-pong register groups, dependency counts, interrupts). */
#ifndef DLA_DRIVER_H
#define DLA_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dla/config.h"
#include "dla/loadable.h"
#include "dla/platform.h"
#include "dla/result.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dla_driver dla_driver;

typedef struct dla_driver_opts {
    int core;     /* DLA core to run on */
    bool verbose; /* log register writes and events to stderr */
    /* Power mode of the run (GPU clock and DRAM bandwidth of the GPU model); NULL: the config's
     * first mode. Must be the platform's mode. */
    const dla_power_mode *mode;
    /* Standalone (cuDLA --buildDLAStandalone): refuse a loadable with GPU segments. */
    bool standalone;
    /* Inferences one run submits back to back (0 means 1; docs/runtime.md "Repeated inferences"): the
     * next inference's ops are programmed into idle register groups while the previous one drains,
     * ordered after it only through the buffers they share. At most DLA_MAX_INFERENCES. */
    uint32_t inferences;
    /* Another loadable's driver on the same core (several networks per core): this driver's regions
     * are placed after that one's, so both stay resident. NULL: from the start of the core's memory. */
    const struct dla_driver *after;
} dla_driver_opts;

#define DLA_MAX_INFERENCES 4096u

/* One inference of a run, in core cycles from the start of the run: submitted (the driver began
 * programming it; the first: when this driver's controller started), started (its first hardware op or GPU work began)
 * and done (the driver saw its last op complete, or its last GPU segment end). */
typedef struct dla_inference_record {
    uint64_t submit_cycle;
    uint64_t start_cycle;
    uint64_t done_cycle;
} dla_inference_record;

/* Validate the loadable against the config, allocate its regions in platform memory and upload
 * the constant content. Borrowing: cfg, loadable and platform must outlive the driver. */
dla_status dla_driver_create(const dla_config *cfg, const dla_loadable *loadable, dla_platform *platform,
                             const dla_driver_opts *opts, dla_driver **out, dla_error *err);
void dla_driver_destroy(dla_driver *d);

/* Bind an input from FP32 NCHW data (count must equal n*c*h*w): quantised with the tensor scale
 * and packed into the tensor's feature format in simulated memory. */
dla_status dla_driver_set_input(dla_driver *d, const char *tensor_name, const float *nchw, size_t count,
                                dla_error *err);

/* The controller program (pass to dla_platform_run with the driver as user data), or run it
 * directly on this driver's core: */
dla_status dla_driver_controller(dla_controller *ctl, void *driver);
dla_status dla_driver_run(dla_driver *d, dla_error *err);

/* After a run: per-layer records (owned by the driver) and outputs as FP32 NCHW. */
const dla_layer_record *dla_driver_layers(const dla_driver *d, size_t *count);
/* After a run: one record per inference (opts.inferences of them; owned by the driver). Layer and op
 * records hold every inference's, inference by inference. */
const dla_inference_record *dla_driver_inferences(const dla_driver *d, size_t *count);
/* After a run: one record per loadable op, in op order (owned by the driver). */
const dla_op_record *dla_driver_ops(const dla_driver *d, size_t *count);
dla_status dla_driver_get_output(dla_driver *d, const char *tensor_name, float *nchw, size_t count, dla_error *err);

/* GPU-fallback timing (docs/runtime.md "GPU model"): the time of one GPU layer (launch latency +
 * roofline of its MACs and DRAM bytes at the mode's GPU clock and bandwidth; *bound, if given, says
 * which term won: "overhead", "compute" or "memory"), and of one DLA<->GPU boundary (sync latency +
 * reformat of `bytes`, read and written at DRAM bandwidth). Nanoseconds. */
bool dla_gpu_model_available(const dla_config *cfg);
double dla_gpu_layer_ns(const dla_config *cfg, const dla_power_mode *mode, const dla_lgpu_layer *y, const char **bound);
double dla_gpu_boundary_ns(const dla_config *cfg, const dla_power_mode *mode, uint64_t bytes);

/* Last error message of this driver. */
const char *dla_driver_errmsg(const dla_driver *d);

#ifdef __cplusplus
}
#endif

#endif
