/* The HDF5 table of NVDLA trace-test results written by `dlasim nvdla-trace` (schema in
 * docs/nvdla-conformance.md): one row per test with pass/fail, cycle counts and the failure reason. */
#ifndef DLA_NVDLA_TRACE_TABLE_H
#define DLA_NVDLA_TRACE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dla_nt_row {
    char test[128];
    int32_t pass;          /* 1 pass, 0 fail */
    uint64_t op_cycles;    /* SIMULATED: last D_OP_ENABLE write -> completion interrupt */
    uint64_t total_cycles; /* SIMULATED: first register write -> completion interrupt */
    uint64_t reg_writes;
    char reason[512]; /* "" on pass */
} dla_nt_row;

/* Writes /nvdla_trace (compound table) with attributes config and schema_version on the root;
 * written to PATH.tmp.<pid> and renamed: never a half-written file. */
dla_status dla_nt_table_write(const char *path, const char *config_name, const dla_nt_row *rows, size_t count,
                              dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
