/* Helpers shared by the per-engine programming files: the unit table, the register-list builder with
 * field range checks (a value that does not fit its NVDLA field is an error, never silently masked),
 * addresses and encodings. */
#include <stdio.h>
#include <stdlib.h>

#include "driver_internal.h"

const drv_unit_info drv_units[U_COUNT] = {
    [U_CDMA] = {"CDMA", NVDLA_CDMA_BASE, NVDLA_CDMA_S_POINTER, NVDLA_CDMA_D_OP_ENABLE},
    [U_CSC] = {"CSC", NVDLA_CSC_BASE, NVDLA_CSC_S_POINTER, NVDLA_CSC_D_OP_ENABLE},
    [U_CMAC_A] = {"CMAC_A", NVDLA_CMAC_A_BASE, NVDLA_CMAC_A_S_POINTER, NVDLA_CMAC_A_D_OP_ENABLE},
    [U_CMAC_B] = {"CMAC_B", NVDLA_CMAC_B_BASE, NVDLA_CMAC_B_S_POINTER, NVDLA_CMAC_B_D_OP_ENABLE},
    [U_CACC] = {"CACC", NVDLA_CACC_BASE, NVDLA_CACC_S_POINTER, NVDLA_CACC_D_OP_ENABLE},
    [U_SDP_RDMA] = {"SDP_RDMA", NVDLA_SDP_RDMA_BASE, NVDLA_SDP_RDMA_S_POINTER, NVDLA_SDP_RDMA_D_OP_ENABLE},
    [U_SDP] = {"SDP", NVDLA_SDP_BASE, NVDLA_SDP_S_POINTER, NVDLA_SDP_D_OP_ENABLE},
    [U_PDP_RDMA] = {"PDP_RDMA", NVDLA_PDP_RDMA_BASE, NVDLA_PDP_RDMA_S_POINTER, NVDLA_PDP_RDMA_D_OP_ENABLE},
    [U_PDP] = {"PDP", NVDLA_PDP_BASE, NVDLA_PDP_S_POINTER, NVDLA_PDP_D_OP_ENABLE},
    [U_RBK] = {"RBK", NVDLA_RBK_BASE, NVDLA_RBK_S_POINTER, NVDLA_RBK_D_OP_ENABLE},
    [U_CDP_RDMA] = {"CDP_RDMA", NVDLA_CDP_RDMA_BASE, NVDLA_CDP_RDMA_S_POINTER, NVDLA_CDP_RDMA_D_OP_ENABLE},
    [U_CDP] = {"CDP", NVDLA_CDP_BASE, NVDLA_CDP_S_POINTER, NVDLA_CDP_D_OP_ENABLE},
};

drv_unit drv_unit_of(uint32_t addr)
{
    for (int u = 0; u < U_COUNT; ++u)
        if ((addr & ~0xfffu) == drv_units[u].base)
            return (drv_unit)u;
    return U_COUNT;
}

void drv_emit(drv_builder *b, uint32_t addr, uint32_t value)
{
    if (b->st != DLA_OK)
        return;
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 64;
        drv_reg *p = realloc(b->regs, cap * sizeof *p);
        if (!p) {
            b->st = DLA_ERR_NOMEM;
            snprintf(b->msg, sizeof b->msg, "out of memory building the register program");
            return;
        }
        b->regs = p;
        b->cap = cap;
    }
    b->regs[b->n++] = (drv_reg){addr, value};
}

/* "NVDLA_CDMA_D_BANK.DATA_BANK" -> "CDMA.D_BANK.DATA_BANK" */
static const char *short_name(const char *name)
{
    return name + 6;
}

uint32_t drv_field(drv_builder *b, uint32_t mask, uint32_t shift, uint64_t v, const char *name)
{
    if (v > mask && b->st == DLA_OK) {
        b->st = DLA_ERR_UNSUPPORTED;
        snprintf(b->msg, sizeof b->msg, "value %llu does not fit register field %s (max %u)", (unsigned long long)v,
                 short_name(name), mask);
    }
    return ((uint32_t)v & mask) << shift;
}

uint32_t drv_sfield(drv_builder *b, uint32_t mask, uint32_t shift, int64_t v, const char *name)
{
    /* A field of n bits holds [-2^(n-1), 2^(n-1) - 1] in two's complement; 32-bit fields take any int32. */
    int64_t half = ((int64_t)mask + 1) / 2;
    if ((v < -half || v > half - 1) && b->st == DLA_OK) {
        b->st = DLA_ERR_UNSUPPORTED;
        snprintf(b->msg, sizeof b->msg, "value %lld does not fit signed register field %s (range %lld..%lld)",
                 (long long)v, short_name(name), (long long)-half, (long long)(half - 1));
    }
    return ((uint32_t)(uint64_t)v & mask) << shift;
}

uint32_t drv_field_m1(drv_builder *b, uint32_t mask, uint32_t shift, uint64_t v, const char *name)
{
    if (v == 0 && b->st == DLA_OK) {
        b->st = DLA_ERR_INVALID;
        snprintf(b->msg, sizeof b->msg, "value 0 for register field %s, which holds value - 1", short_name(name));
        return 0;
    }
    return drv_field(b, mask, shift, v - 1, name);
}

uint64_t drv_surface_addr(const dla_driver *d, const dla_lsurface *s)
{
    return s->region < 0 ? 0 : d->region_addr[s->region] + s->offset;
}

uint32_t drv_ram_type(const dla_driver *d, int32_t region)
{
    return region >= 0 && d->l->regions[region].domain == DLA_DOMAIN_SRAM ? 0u : 1u;
}

uint32_t drv_precision(uint32_t p)
{
    switch (p) {
    case DLA_PRECISION_INT16: return 1;
    case DLA_PRECISION_FP16: return 2;
    default: return 0;
    }
}

void drv_emit_addr(drv_builder *b, uint32_t low_reg, uint32_t high_reg, uint64_t addr)
{
    drv_emit(b, low_reg, (uint32_t)addr);
    drv_emit(b, high_reg, (uint32_t)(addr >> 32));
}

/* SDP and CDP lay out their S_LUT_* fields alike (NVDLA_SDP.rdl, NVDLA_CDP.rdl): one encoder serves
 * both, with CDP's field names. */
#define SAME_FIELD(reg, field)                                                                                         \
    _Static_assert(NVDLA_SDP_##reg##_##field##_SHIFT == NVDLA_CDP_##reg##_##field##_SHIFT &&                           \
                       NVDLA_SDP_##reg##_##field##_MASK == NVDLA_CDP_##reg##_##field##_MASK,                           \
                   "SDP and CDP " #reg "." #field " differ")
SAME_FIELD(S_LUT_ACCESS_CFG, LUT_ADDR);
SAME_FIELD(S_LUT_ACCESS_CFG, LUT_TABLE_ID);
SAME_FIELD(S_LUT_ACCESS_CFG, LUT_ACCESS_TYPE);
SAME_FIELD(S_LUT_ACCESS_DATA, LUT_DATA);
SAME_FIELD(S_LUT_CFG, LUT_LE_FUNCTION);
SAME_FIELD(S_LUT_CFG, LUT_UFLOW_PRIORITY);
SAME_FIELD(S_LUT_CFG, LUT_OFLOW_PRIORITY);
SAME_FIELD(S_LUT_CFG, LUT_HYBRID_PRIORITY);
SAME_FIELD(S_LUT_INFO, LUT_LE_INDEX_OFFSET);
SAME_FIELD(S_LUT_INFO, LUT_LE_INDEX_SELECT);
SAME_FIELD(S_LUT_INFO, LUT_LO_INDEX_SELECT);
SAME_FIELD(S_LUT_LE_SLOPE_SCALE, LUT_LE_SLOPE_UFLOW_SCALE);
SAME_FIELD(S_LUT_LE_SLOPE_SCALE, LUT_LE_SLOPE_OFLOW_SCALE);
SAME_FIELD(S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_UFLOW_SHIFT);
SAME_FIELD(S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_OFLOW_SHIFT);
#undef SAME_FIELD

void drv_emit_lut(drv_builder *b, const drv_lut_regs *r, const dla_llut *t)
{
    for (int lo = 0; lo < 2; ++lo) {
        drv_emit(b, r->access_cfg,
                 FLD(b, NVDLA_CDP_S_LUT_ACCESS_CFG, LUT_ADDR, 0) |
                     FLD(b, NVDLA_CDP_S_LUT_ACCESS_CFG, LUT_TABLE_ID, lo) |
                     FLD(b, NVDLA_CDP_S_LUT_ACCESS_CFG, LUT_ACCESS_TYPE, 1));
        const int16_t *v = lo ? t->lo : t->le;
        int n = lo ? DLA_LUT_LO_ENTRIES : DLA_LUT_LE_ENTRIES;
        for (int i = 0; i < n; ++i)
            drv_emit(b, r->access_data, SFLD(b, NVDLA_CDP_S_LUT_ACCESS_DATA, LUT_DATA, v[i]));
    }
    drv_emit(b, r->cfg,
             FLD(b, NVDLA_CDP_S_LUT_CFG, LUT_LE_FUNCTION, t->le_function) |
                 FLD(b, NVDLA_CDP_S_LUT_CFG, LUT_UFLOW_PRIORITY, t->uflow_priority) |
                 FLD(b, NVDLA_CDP_S_LUT_CFG, LUT_OFLOW_PRIORITY, t->oflow_priority) |
                 FLD(b, NVDLA_CDP_S_LUT_CFG, LUT_HYBRID_PRIORITY, t->hybrid_priority));
    drv_emit(b, r->info,
             SFLD(b, NVDLA_CDP_S_LUT_INFO, LUT_LE_INDEX_OFFSET, t->le_function ? 0 : t->le_index_offset) |
                 SFLD(b, NVDLA_CDP_S_LUT_INFO, LUT_LE_INDEX_SELECT, t->le_function ? t->le_index_select : 0) |
                 SFLD(b, NVDLA_CDP_S_LUT_INFO, LUT_LO_INDEX_SELECT, t->lo_index_select));
    const int32_t bounds[4] = {t->le_start, t->le_end, t->lo_start, t->lo_end};
    for (int k = 0; k < 4; ++k) {
        drv_emit(b, r->bounds[k], (uint32_t)bounds[k]);
        if (r->bounds_high[k]) /* the int32 sign-extended into the 6 HIGH bits of a 38-bit field */
            drv_emit(b, r->bounds_high[k], bounds[k] < 0 ? NVDLA_CDP_S_LUT_LE_START_HIGH_LUT_LE_START_HIGH_MASK : 0u);
    }
    const int32_t scales[2][2] = {{t->le_uflow_scale, t->le_oflow_scale}, {t->lo_uflow_scale, t->lo_oflow_scale}};
    const int32_t shifts[2][2] = {{t->le_uflow_shift, t->le_oflow_shift}, {t->lo_uflow_shift, t->lo_oflow_shift}};
    for (int lo = 0; lo < 2; ++lo) {
        drv_emit(b, r->slope_scale[lo],
                 SFLD(b, NVDLA_CDP_S_LUT_LE_SLOPE_SCALE, LUT_LE_SLOPE_UFLOW_SCALE, scales[lo][0]) |
                     SFLD(b, NVDLA_CDP_S_LUT_LE_SLOPE_SCALE, LUT_LE_SLOPE_OFLOW_SCALE, scales[lo][1]));
        drv_emit(b, r->slope_shift[lo],
                 r->unsigned_shifts
                     ? FLD(b, NVDLA_CDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_UFLOW_SHIFT, shifts[lo][0]) |
                           FLD(b, NVDLA_CDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_OFLOW_SHIFT, shifts[lo][1])
                     : SFLD(b, NVDLA_CDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_UFLOW_SHIFT, shifts[lo][0]) |
                           SFLD(b, NVDLA_CDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_OFLOW_SHIFT, shifts[lo][1]));
    }
}
