/* Internals of the driver shared by its files: the per-op register program computed at create time
 * (program_*.c), the driver handle, and the units it talks to. Not a public contract. */
#ifndef DLA_DRIVER_INTERNAL_H
#define DLA_DRIVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dla/driver.h"
#include "dla/nvdla_regs.h"

/* Hardware units the driver programs, each a 4 KiB CSB block with its own S_POINTER and D_OP_ENABLE. */
typedef enum drv_unit {
    U_CDMA,
    U_CSC,
    U_CMAC_A,
    U_CMAC_B,
    U_CACC,
    U_SDP_RDMA,
    U_SDP,
    U_PDP_RDMA,
    U_PDP,
    U_RBK,
    U_CDP_RDMA,
    U_CDP,
    U_COUNT
} drv_unit;

typedef struct drv_unit_info {
    const char *name;
    uint32_t base, s_pointer, d_op_enable;
} drv_unit_info;
extern const drv_unit_info drv_units[U_COUNT];
/* Unit owning a CSB address, or U_COUNT. */
drv_unit drv_unit_of(uint32_t addr);

typedef struct drv_reg {
    uint32_t addr, value;
} drv_reg;

/* What programming one op means, precomputed so that every encoding error surfaces in
 * dla_driver_create, before any simulation. */
typedef struct drv_op {
    drv_reg *regs; /* D_* registers, grouped by unit in programming order */
    uint32_t nregs;
    drv_reg *ext; /* dlasim extension registers, written just before the op's enables */
    uint32_t next;
    drv_unit enables[5]; /* units to enable, downstream first */
    uint32_t nenables;
    bool rdma; /* the op uses its engine's RDMA (SDP_RDMA / PDP_RDMA / CDP_RDMA) */
} drv_op;

/* Register-list builder with field range checks. The first error sticks; later calls are no-ops. */
typedef struct drv_builder {
    drv_reg *regs;
    uint32_t n, cap;
    dla_status st;
    char msg[512];
} drv_builder;

void drv_emit(drv_builder *b, uint32_t addr, uint32_t value);
/* Field value checked against the field's width (unsigned), or signed two's complement of that width. */
uint32_t drv_field(drv_builder *b, uint32_t mask, uint32_t shift, uint64_t v, const char *name);
uint32_t drv_sfield(drv_builder *b, uint32_t mask, uint32_t shift, int64_t v, const char *name);
/* Field holding "value - 1": value must be >= 1. */
uint32_t drv_field_m1(drv_builder *b, uint32_t mask, uint32_t shift, uint64_t v, const char *name);
#define FLD(b, reg, field, v)                                                                                          \
    drv_field((b), reg##_##field##_MASK, reg##_##field##_SHIFT, (uint64_t)(v), #reg "." #field)
#define SFLD(b, reg, field, v)                                                                                         \
    drv_sfield((b), reg##_##field##_MASK, reg##_##field##_SHIFT, (int64_t)(v), #reg "." #field)
#define FLD_M1(b, reg, field, v)                                                                                       \
    drv_field_m1((b), reg##_##field##_MASK, reg##_##field##_SHIFT, (uint64_t)(v), #reg "." #field)

struct dla_driver {
    const dla_config *cfg;
    const dla_loadable *l;
    dla_platform *p;
    dla_driver_opts opts;
    uint64_t *region_addr; /* platform address of each region */
    drv_op *ops;
    dla_layer_record *records;
    size_t num_records;
    dla_op_record *op_records;
    size_t num_op_records;
    /* GPU fallback: what the runtime did between DLA subgraphs (GPU layers, reformat+sync), appended
     * to the records after the run (scheduler.c). */
    dla_layer_record *gpu_records;
    size_t num_gpu_records;
    /* Repeated inferences (opts.inferences, at least 1): per-inference records of the last run. */
    uint32_t inferences;
    dla_inference_record *inference_records;
    /* Cross-inference hazards (computed at create): op pairs (i, j) such that op j of inference k+1
     * must wait for op i of inference k (j writes what i reads or writes, or reads what i writes). */
    uint32_t (*hazards)[2];
    size_t num_hazards;
    /* End of this driver's allocations (several loadables per core: the next one starts there). */
    uint64_t alloc_end[2];
    bool ran;
    char errmsg[1024];
};

/* Address of a memory surface (region >= 0) and the RAM type of its region (1 = MC/DRAM, 0 = CV/SRAM). */
uint64_t drv_surface_addr(const dla_driver *d, const dla_lsurface *s);
uint32_t drv_ram_type(const dla_driver *d, int32_t region);
/* NVDLA precision encoding: INT8 0, INT16 1, FP16 2. */
uint32_t drv_precision(uint32_t loadable_precision);
/* Emit LOW/HIGH address halves. */
void drv_emit_addr(drv_builder *b, uint32_t low_reg, uint32_t high_reg, uint64_t addr);

/* A unit's S_LUT_* registers (SDP and CDP share the field layouts). */
typedef struct drv_lut_regs {
    uint32_t access_cfg, access_data, cfg, info;
    uint32_t bounds[4];      /* LE start, LE end, LO start, LO end (CDP: the LOW halves) */
    uint32_t bounds_high[4]; /* CDP: the HIGH halves of its 38-bit fields; 0 for SDP's 32-bit ones */
    uint32_t slope_scale[2]; /* LE, LO */
    uint32_t slope_shift[2]; /* LE, LO */
    bool unsigned_shifts;    /* CDP: unsigned 5-bit slope shifts (SDP: signed) */
} drv_lut_regs;
/* NVDLA firmware's update_lut: S_LUT_ACCESS_CFG (LE, WRITE, address 0) and 65 S_LUT_ACCESS_DATA
 * writes (the address auto-increments), the same for LO (1 + 257), then S_LUT_CFG, S_LUT_INFO, the
 * start/end registers (4, or 8 halves) and the four slope registers. */
void drv_emit_lut(drv_builder *b, const drv_lut_regs *r, const dla_llut *t);

/* Per-engine programming (program_conv.c, program_sdp.c, program_pdp.c): fill op's register list. */
dla_status drv_program_conv(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op);
dla_status drv_program_sdp(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op);
dla_status drv_program_pdp(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op);
dla_status drv_program_rubik(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op);
dla_status drv_program_cdp(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op);

/* Host-side conversions (convert.c). */
uint16_t drv_f32_to_f16(float f);
float drv_f16_to_f32(uint16_t h);

#endif
