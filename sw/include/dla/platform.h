/* The platform boundary between the driver (C) and the hardware model (SystemC, C++).
 * The driver sees registers over CSB, simulated memory, interrupts and the current cycle; it
 * never includes a SystemC header. hw/platform implements this for the SystemC model.
 *
 * SystemC elaborates once per process: one dla_platform may be created per process. */
#ifndef DLA_PLATFORM_H
#define DLA_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dla/config.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dla_platform dla_platform;
typedef struct dla_controller dla_controller; /* one core's controller (firmware) context */

typedef struct dla_platform_opts {
    bool functional;         /* compute real data (otherwise timing only) */
    uint64_t timeout_cycles; /* hang detection: give up after this many core cycles (0 = default) */
    /* Activity sampling (dla_platform_samples): every sample_cycles core cycles the model records
     * the deltas of its activity counters. 0: no sampling. Sampling never changes a simulated cycle. */
    uint64_t sample_cycles;
} dla_platform_opts;

/* Build the SoC model: cfg->num_cores cores sharing DRAM, clocks and bandwidth from mode. */
dla_status dla_platform_create(const dla_config *cfg, const dla_power_mode *mode, const dla_platform_opts *opts,
                               dla_platform **out, dla_error *err);
void dla_platform_destroy(dla_platform *p);

/* Simulated address space. DRAM is sparse (allocated on touch), so large bases are cheap. */
uint64_t dla_platform_dram_base(const dla_platform *p);
uint64_t dla_platform_dram_size(const dla_platform *p);
uint64_t dla_platform_sram_base(const dla_platform *p); /* per-core SRAM window; size 0 if none */
uint64_t dla_platform_sram_size(const dla_platform *p);

/* Host (backdoor) memory access, untimed: uploading weights/inputs, reading outputs. */
dla_status dla_platform_mem_write(dla_platform *p, uint64_t addr, const void *data, size_t size, dla_error *err);
dla_status dla_platform_mem_read(dla_platform *p, uint64_t addr, void *data, size_t size, dla_error *err);

/* A controller program: the firmware loop of one core, run in simulated time. */
typedef dla_status (*dla_controller_fn)(dla_controller *ctl, void *user);

/* Run one controller program per listed core, concurrently in simulated time, until all return.
 * Returns the first non-OK status of a program, or DLA_ERR_TIMEOUT on a hang. */
dla_status dla_platform_run(dla_platform *p, int n, const int *cores, const dla_controller_fn *fns, void *const *users,
                            dla_error *err);

/* Inside a controller program. Register access costs CSB time; waiting advances the model. */
dla_status dla_ctl_csb_write(dla_controller *ctl, uint32_t addr, uint32_t value);
dla_status dla_ctl_csb_read(dla_controller *ctl, uint32_t addr, uint32_t *value);
/* Block until this core's interrupt line is high (GLB INTR_STATUS & ~INTR_MASK != 0). */
dla_status dla_ctl_wait_irq(dla_controller *ctl);
/* Block until GLB S_INTR_STATUS & bits != 0 whatever S_INTR_MASK says (a test bench watching the
 * units' done wires, as NVDLA's trace player does); untimed. *raised_cycle (may be NULL) gets the
 * core cycle at which the lowest such bit was last raised. */
dla_status dla_ctl_wait_intr_status(dla_controller *ctl, uint32_t bits, uint64_t *raised_cycle);
/* Spend controller (falcon) cycles on bookkeeping. */
void dla_ctl_spend_falcon_cycles(dla_controller *ctl, uint64_t cycles);
/* Run GPU work (a GPU-fallback layer or a DLA<->GPU reformat, docs/runtime.md) on the SoC's one GPU,
 * shared by every core's controller: wait until the GPU is free (holders in arrival order), then hold
 * it for ns nanoseconds while read_bytes + write_bytes are issued into the shared DRAM model in
 * gpu.dram_request_bytes requests spread evenly over that window (arbitrated with the DLAs'
 * requests); returns once the time has passed and the last request was served. *start_cycle (may be
 * NULL) gets the core cycle at which this work got the GPU. */
dla_status dla_ctl_gpu_run(dla_controller *ctl, double ns, uint64_t read_bytes, uint64_t write_bytes,
                           uint64_t *start_cycle);
/* DLA core clock cycles since the start of the run. */
uint64_t dla_ctl_now_cycles(const dla_controller *ctl);
int dla_ctl_core(const dla_controller *ctl);

/* Action counts gathered by the hardware model (per unit, hierarchical names such as
 * "dla0.cmac.mac_ops"); energy is computed from these and the power mode's table. */
typedef struct dla_stat {
    char name[96];
    char unit[16]; /* "ops", "bytes", "cycles", "elements", "writes" */
    uint64_t value;
    char description[96];
} dla_stat;

/* Snapshot of every statistic; *stats is malloc'ed, caller frees. */
dla_status dla_platform_stats(const dla_platform *p, dla_stat **stats, size_t *count, dla_error *err);

/* Total simulated core cycles of the last run. */
uint64_t dla_platform_total_cycles(const dla_platform *p);

/* One sampled series: a busy-cycle counter of a unit ("dla0.cmac.busy_cycles", unit "cycles") or a
 * core's memory traffic ("dla0.dram_read_bytes": the sum of the core's DMA engines' .dram_read_bytes
 * counters, as the run summary counts DRAM; "dla0.sram_read_bytes": its SRAM's read bytes). */
typedef struct dla_sample_series {
    char name[96];
    char unit[16]; /* "cycles" or "bytes" */
} dla_sample_series;

/* The activity series of the last run (docs/trace-format.md /samples). Window w covers core cycles
 * [end_cycle[w-1], end_cycle[w]) (window 0 starts at cycle 0); every window is window_cycles long
 * but the last, which ends at the run's total cycles. values[w * num_series + s] is how much series
 * s grew during window w, so a series' values sum to its counter's growth over the whole run. */
typedef struct dla_samples {
    uint64_t window_cycles;    /* 0: the run was not sampled (the arrays are empty) */
    dla_sample_series *series; /* owned, num_series */
    size_t num_series;
    uint64_t *end_cycle; /* owned, num_windows */
    uint64_t *values;    /* owned, num_windows x num_series, row-major */
    size_t num_windows;
} dla_samples;

/* Copies the last run's samples into *out (zeroed when sampling is off); release with dla_samples_free. */
dla_status dla_platform_samples(const dla_platform *p, dla_samples *out, dla_error *err);
void dla_samples_free(dla_samples *s);

#ifdef __cplusplus
}
#endif

#endif
