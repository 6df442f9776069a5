/* HDF5 traces (schema: docs/trace-format.md). One file per run: /meta attributes, /layers
 * compound table, /summary attributes, /stats table, optional /ops table, /units/<unit> groups
 * (counters, busy/stall cycles, sampled activity) and the /energy breakdown. */
#ifndef DLA_TRACE_H
#define DLA_TRACE_H

#include <stdio.h>

#include "dla/result.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLA_TRACE_SCHEMA_VERSION 1

/* Written to PATH.tmp.<pid> and renamed into place: never a half-written file. */
dla_status dla_trace_write(const char *path, const dla_run_result *r, dla_error *err);
/* *out owned by the caller (dla_run_result_destroy). */
dla_status dla_trace_read(const char *path, dla_run_result **out, dla_error *err);

/* Chrome trace-event JSON (chrome://tracing, ui.perfetto.dev) of a result's op and layer records:
 * one process per engine ("DLA0", ...), tracks Layers/CONV/SDP/PDP, times in simulated
 * microseconds from cycles / summary.clock_mhz. Deterministic; written to PATH.tmp.<pid> and renamed. */
dla_status dla_trace_write_timeline(const dla_run_result *r, const char *path, dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
