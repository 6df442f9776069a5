/* Register program of a CDP (LRN) op: CDP_RDMA reads the cube, CDP computes the square sum, LUT,
 * multiply and converters and writes it (always offline; docs/register-map.md, docs/driver.md). */
#include <stdio.h>

#include "driver_internal.h"

/* NVDLA firmware's update_lut for the CDP (cdp.c / common.c), as for the SDP (program_sdp.c): the LE
 * table through S_LUT_ACCESS_CFG (table LE, WRITE, address 0) and 65 S_LUT_ACCESS_DATA writes (the
 * address auto-increments), the LO table the same way (1 + 257 writes), then S_LUT_CFG, S_LUT_INFO,
 * the eight 38-bit start/end halves (LOW, HIGH) and the four slope registers: 2 + 65 + 257 + 2 + 8 +
 * 4 = 338 CSB writes every time a CDP op is programmed. The S_LUT_* registers are single (not per
 * register group); the scheduler keeps two different tables from overlapping (scheduler.c). Unlike the
 * SDP's, the CDP's slope shifts are unsigned (NVDLA_CDP.rdl; the loadable validator refuses negative ones). */
static void emit_lut(drv_builder *b, const dla_llut *t)
{
    static const drv_lut_regs regs = {NVDLA_CDP_S_LUT_ACCESS_CFG,
                                      NVDLA_CDP_S_LUT_ACCESS_DATA,
                                      NVDLA_CDP_S_LUT_CFG,
                                      NVDLA_CDP_S_LUT_INFO,
                                      {NVDLA_CDP_S_LUT_LE_START_LOW, NVDLA_CDP_S_LUT_LE_END_LOW,
                                       NVDLA_CDP_S_LUT_LO_START_LOW, NVDLA_CDP_S_LUT_LO_END_LOW},
                                      {NVDLA_CDP_S_LUT_LE_START_HIGH, NVDLA_CDP_S_LUT_LE_END_HIGH,
                                       NVDLA_CDP_S_LUT_LO_START_HIGH, NVDLA_CDP_S_LUT_LO_END_HIGH},
                                      {NVDLA_CDP_S_LUT_LE_SLOPE_SCALE, NVDLA_CDP_S_LUT_LO_SLOPE_SCALE},
                                      {NVDLA_CDP_S_LUT_LE_SLOPE_SHIFT, NVDLA_CDP_S_LUT_LO_SLOPE_SHIFT},
                                      true};
    drv_emit_lut(b, &regs, t);
}

dla_status drv_program_cdp(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op)
{
    (void)ext;
    const dla_lcdp *c = &d->l->ops[index].u.cdp;
    const dla_llut *lut = dla_loadable_op_lut(d->l, index);
    if (!lut) { /* dla_loadable_validate requires it; a hand-built loadable may still lack it */
        b->st = DLA_ERR_INVALID;
        snprintf(b->msg, sizeof b->msg, "CDP op has no LUT (the LRN table is required)");
        return b->st;
    }
    const uint32_t prec = drv_precision(c->src.precision);
    /* CDP_RDMA: the input cube. */
    drv_emit(b, NVDLA_CDP_RDMA_D_DATA_CUBE_WIDTH, FLD_M1(b, NVDLA_CDP_RDMA_D_DATA_CUBE_WIDTH, WIDTH, c->src.width));
    drv_emit(b, NVDLA_CDP_RDMA_D_DATA_CUBE_HEIGHT, FLD_M1(b, NVDLA_CDP_RDMA_D_DATA_CUBE_HEIGHT, HEIGHT, c->src.height));
    drv_emit(b, NVDLA_CDP_RDMA_D_DATA_CUBE_CHANNEL,
             FLD_M1(b, NVDLA_CDP_RDMA_D_DATA_CUBE_CHANNEL, CHANNEL, c->src.channels));
    drv_emit_addr(b, NVDLA_CDP_RDMA_D_SRC_BASE_ADDR_LOW, NVDLA_CDP_RDMA_D_SRC_BASE_ADDR_HIGH,
                  drv_surface_addr(d, &c->src));
    drv_emit(b, NVDLA_CDP_RDMA_D_SRC_LINE_STRIDE, c->src.line_stride);
    drv_emit(b, NVDLA_CDP_RDMA_D_SRC_SURFACE_STRIDE, c->src.surface_stride);
    drv_emit(b, NVDLA_CDP_RDMA_D_SRC_DMA_CFG,
             FLD(b, NVDLA_CDP_RDMA_D_SRC_DMA_CFG, SRC_RAM_TYPE, drv_ram_type(d, c->src.region)));
    drv_emit(b, NVDLA_CDP_RDMA_D_SRC_COMPRESSION_EN, 0);
    drv_emit(b, NVDLA_CDP_RDMA_D_DATA_FORMAT, FLD(b, NVDLA_CDP_RDMA_D_DATA_FORMAT, INPUT_DATA, prec));

    /* CDP: LUT (single registers), then the group's LRN, converters and output. */
    emit_lut(b, lut);
    drv_emit(b, NVDLA_CDP_D_FUNC_BYPASS,
             FLD(b, NVDLA_CDP_D_FUNC_BYPASS, SQSUM_BYPASS, 0) | FLD(b, NVDLA_CDP_D_FUNC_BYPASS, MUL_BYPASS, 0));
    drv_emit_addr(b, NVDLA_CDP_D_DST_BASE_ADDR_LOW, NVDLA_CDP_D_DST_BASE_ADDR_HIGH, drv_surface_addr(d, &c->dst));
    drv_emit(b, NVDLA_CDP_D_DST_LINE_STRIDE, c->dst.line_stride);
    drv_emit(b, NVDLA_CDP_D_DST_SURFACE_STRIDE, c->dst.surface_stride);
    drv_emit(b, NVDLA_CDP_D_DST_DMA_CFG, FLD(b, NVDLA_CDP_D_DST_DMA_CFG, DST_RAM_TYPE, drv_ram_type(d, c->dst.region)));
    drv_emit(b, NVDLA_CDP_D_DST_COMPRESSION_EN, 0);
    drv_emit(b, NVDLA_CDP_D_DATA_FORMAT, FLD(b, NVDLA_CDP_D_DATA_FORMAT, INPUT_DATA_TYPE, prec));
    drv_emit(b, NVDLA_CDP_D_NAN_FLUSH_TO_ZERO, 0);
    /* NORMALZ_LEN 0..3 = 3, 5, 7, 9 channels (validated by the loadable reader). */
    drv_emit(b, NVDLA_CDP_D_LRN_CFG, FLD(b, NVDLA_CDP_D_LRN_CFG, NORMALZ_LEN, (c->local_size - 3u) / 2u));
    drv_emit(b, NVDLA_CDP_D_DATIN_OFFSET, SFLD(b, NVDLA_CDP_D_DATIN_OFFSET, DATIN_OFFSET, c->in_cvt_offset));
    drv_emit(b, NVDLA_CDP_D_DATIN_SCALE, SFLD(b, NVDLA_CDP_D_DATIN_SCALE, DATIN_SCALE, c->in_cvt_scale));
    drv_emit(b, NVDLA_CDP_D_DATIN_SHIFTER, FLD(b, NVDLA_CDP_D_DATIN_SHIFTER, DATIN_SHIFTER, c->in_cvt_shift));
    drv_emit(b, NVDLA_CDP_D_DATOUT_OFFSET, SFLD(b, NVDLA_CDP_D_DATOUT_OFFSET, DATOUT_OFFSET, c->out_cvt_offset));
    drv_emit(b, NVDLA_CDP_D_DATOUT_SCALE, SFLD(b, NVDLA_CDP_D_DATOUT_SCALE, DATOUT_SCALE, c->out_cvt_scale));
    drv_emit(b, NVDLA_CDP_D_DATOUT_SHIFTER, FLD(b, NVDLA_CDP_D_DATOUT_SHIFTER, DATOUT_SHIFTER, c->out_cvt_shift));

    op->rdma = true;
    op->enables[0] = U_CDP; /* downstream first */
    op->enables[1] = U_CDP_RDMA;
    op->nenables = 2;
    return b->st;
}
