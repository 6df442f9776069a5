/* Register program of a RUBIK contract op (the depth-to-space step of a deconvolution): NVDLA's RBK
 * registers from the loadable's dla_lrubik (docs/units/rubik.md, docs/register-map.md). */
#include <stdio.h>

#include "driver_internal.h"

/* Address and stride fields drop the low 5 bits: a value that is not 32-byte aligned cannot be encoded. */
static uint32_t aligned32(drv_builder *b, uint64_t v, const char *name)
{
    if ((v & 31u) != 0 && b->st == DLA_OK) {
        b->st = DLA_ERR_UNSUPPORTED;
        snprintf(b->msg, sizeof b->msg, "RBK.%s = %llu is not a multiple of 32 bytes", name, (unsigned long long)v);
    }
    if (v > 0xffffffffu && b->st == DLA_OK) {
        b->st = DLA_ERR_UNSUPPORTED;
        snprintf(b->msg, sizeof b->msg, "RBK.%s = %llu does not fit 32 bits", name, (unsigned long long)v);
    }
    return (uint32_t)v;
}

dla_status drv_program_rubik(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op)
{
    const dla_lrubik *r = &d->l->ops[index].u.rubik;
    (void)ext;
    if (r->mode != DLA_RUBIK_CONTRACT) {
        b->st = DLA_ERR_UNSUPPORTED;
        snprintf(b->msg, sizeof b->msg, "RUBIK mode %u: the driver programs contract (0) only", r->mode);
        return b->st;
    }
    const uint32_t bpe = r->src.precision == DLA_PRECISION_INT8 ? 1u : 2u;
    const uint32_t cps = d->l->memory_atomic_bytes / bpe;
    const uint64_t out_surfaces = cps ? ((uint64_t)r->dst.channels + cps - 1) / cps : 0;
    drv_emit(b, NVDLA_RBK_D_MISC_CFG,
             FLD(b, NVDLA_RBK_D_MISC_CFG, RUBIK_MODE, r->mode) |
                 FLD(b, NVDLA_RBK_D_MISC_CFG, IN_PRECISION, drv_precision(r->src.precision)));
    drv_emit(b, NVDLA_RBK_D_DAIN_RAM_TYPE,
             FLD(b, NVDLA_RBK_D_DAIN_RAM_TYPE, DATAIN_RAM_TYPE, drv_ram_type(d, r->src.region)));
    drv_emit(b, NVDLA_RBK_D_DATAIN_SIZE_0,
             FLD_M1(b, NVDLA_RBK_D_DATAIN_SIZE_0, DATAIN_WIDTH, r->src.width) |
                 FLD_M1(b, NVDLA_RBK_D_DATAIN_SIZE_0, DATAIN_HEIGHT, r->src.height));
    drv_emit(b, NVDLA_RBK_D_DATAIN_SIZE_1, FLD_M1(b, NVDLA_RBK_D_DATAIN_SIZE_1, DATAIN_CHANNEL, r->src.channels));
    const uint64_t src = drv_surface_addr(d, &r->src), dst = drv_surface_addr(d, &r->dst);
    aligned32(b, src & 0xffffffffu, "D_DAIN_ADDR_LOW");
    drv_emit_addr(b, NVDLA_RBK_D_DAIN_ADDR_LOW, NVDLA_RBK_D_DAIN_ADDR_HIGH, src);
    drv_emit(b, NVDLA_RBK_D_DAIN_LINE_STRIDE, aligned32(b, r->src.line_stride, "D_DAIN_LINE_STRIDE"));
    drv_emit(b, NVDLA_RBK_D_DAIN_SURF_STRIDE, aligned32(b, r->src.surface_stride, "D_DAIN_SURF_STRIDE"));
    drv_emit(b, NVDLA_RBK_D_DAIN_PLANAR_STRIDE, 0);
    drv_emit(b, NVDLA_RBK_D_DAOUT_RAM_TYPE,
             FLD(b, NVDLA_RBK_D_DAOUT_RAM_TYPE, DATAOUT_RAM_TYPE, drv_ram_type(d, r->dst.region)));
    drv_emit(b, NVDLA_RBK_D_DATAOUT_SIZE_1, FLD_M1(b, NVDLA_RBK_D_DATAOUT_SIZE_1, DATAOUT_CHANNEL, r->dst.channels));
    aligned32(b, dst & 0xffffffffu, "D_DAOUT_ADDR_LOW");
    drv_emit_addr(b, NVDLA_RBK_D_DAOUT_ADDR_LOW, NVDLA_RBK_D_DAOUT_ADDR_HIGH, dst);
    drv_emit(b, NVDLA_RBK_D_DAOUT_LINE_STRIDE, aligned32(b, r->dst.line_stride, "D_DAOUT_LINE_STRIDE"));
    drv_emit(b, NVDLA_RBK_D_DAOUT_SURF_STRIDE, aligned32(b, r->dst.surface_stride, "D_DAOUT_SURF_STRIDE"));
    drv_emit(b, NVDLA_RBK_D_DAOUT_PLANAR_STRIDE, 0);
    /* NVDLA_RBK.rdl: CONTRACT_STRIDE_0 = output surfaces x DAIN_SURF_STRIDE (one stride group of the
     * input), CONTRACT_STRIDE_1 = DECONV_Y_STRIDE x DAOUT_LINE_STRIDE (one input row of the output). */
    drv_emit(b, NVDLA_RBK_D_CONTRACT_STRIDE_0,
             aligned32(b, out_surfaces * r->src.surface_stride, "D_CONTRACT_STRIDE_0"));
    drv_emit(b, NVDLA_RBK_D_CONTRACT_STRIDE_1,
             aligned32(b, (uint64_t)r->stride_y * r->dst.line_stride, "D_CONTRACT_STRIDE_1"));
    drv_emit(b, NVDLA_RBK_D_DECONV_STRIDE,
             FLD_M1(b, NVDLA_RBK_D_DECONV_STRIDE, DECONV_X_STRIDE, r->stride_x) |
                 FLD_M1(b, NVDLA_RBK_D_DECONV_STRIDE, DECONV_Y_STRIDE, r->stride_y));
    op->enables[0] = U_RBK;
    op->nenables = 1;
    return b->st;
}
