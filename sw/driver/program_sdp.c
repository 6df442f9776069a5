/* Register program of an SDP op: SDP_RDMA (offline input, per-kernel BS/BN operands, EW operand) and
 * SDP (X1 = BS, X2 = BN, Y = EW, output converter, destination). docs/register-map.md lists every field. */
#include "dla/dlasim_ext_regs.h"
#include "driver_internal.h"

/* BS and BN registers share one layout (BN = BS + 0x14); the code below relies on it. */
_Static_assert(NVDLA_SDP_D_DP_BN_CFG - NVDLA_SDP_D_DP_BS_CFG == 0x14, "BS/BN register stride");
_Static_assert(NVDLA_SDP_D_DP_BN_MUL_SRC_VALUE - NVDLA_SDP_D_DP_BS_MUL_SRC_VALUE == 0x14, "BS/BN register stride");
_Static_assert(NVDLA_SDP_D_DP_BN_CFG_BN_RELU_BYPASS_SHIFT == NVDLA_SDP_D_DP_BS_CFG_BS_RELU_BYPASS_SHIFT,
               "BS/BN fields");
_Static_assert(NVDLA_SDP_D_DP_BN_MUL_CFG_BN_MUL_SHIFT_VALUE_SHIFT == NVDLA_SDP_D_DP_BS_MUL_CFG_BS_MUL_SHIFT_VALUE_SHIFT,
               "BS/BN fields");
/* BRDMA and NRDMA likewise (NRDMA = BRDMA + 0x18). */
_Static_assert(NVDLA_SDP_RDMA_D_NRDMA_CFG - NVDLA_SDP_RDMA_D_BRDMA_CFG == 0x18, "B/N RDMA register stride");
_Static_assert(NVDLA_SDP_RDMA_D_BN_BASE_ADDR_LOW - NVDLA_SDP_RDMA_D_BS_BASE_ADDR_LOW == 0x18, "B/N RDMA stride");

static bool stage_per_kernel(const dla_lsdp_stage *s)
{
    return s->enable && ((s->alu_enable && s->alu_src == DLA_OPERAND_PER_KERNEL) ||
                         (s->mul_enable && s->mul_src == DLA_OPERAND_PER_KERNEL));
}

/* X1 (delta 0) or X2 (delta 0x14). Field masks/shifts are BS's, identical for BN (asserted above). */
static void emit_stage(drv_builder *b, uint32_t delta, const dla_lsdp_stage *s)
{
    bool on = s->enable != 0, alu = on && s->alu_enable, mul = on && s->mul_enable;
    bool alu_mem = alu && s->alu_src == DLA_OPERAND_PER_KERNEL, mul_mem = mul && s->mul_src == DLA_OPERAND_PER_KERNEL;
    drv_emit(b, NVDLA_SDP_D_DP_BS_CFG + delta,
             FLD(b, NVDLA_SDP_D_DP_BS_CFG, BS_BYPASS, !on) | FLD(b, NVDLA_SDP_D_DP_BS_CFG, BS_ALU_BYPASS, !alu) |
                 FLD(b, NVDLA_SDP_D_DP_BS_CFG, BS_ALU_ALGO, alu ? s->alu_op : 0) |
                 FLD(b, NVDLA_SDP_D_DP_BS_CFG, BS_MUL_BYPASS, !mul) |
                 FLD(b, NVDLA_SDP_D_DP_BS_CFG, BS_MUL_PRELU, mul && s->mul_prelu) |
                 FLD(b, NVDLA_SDP_D_DP_BS_CFG, BS_RELU_BYPASS, !(on && s->relu)));
    drv_emit(b, NVDLA_SDP_D_DP_BS_ALU_CFG + delta,
             FLD(b, NVDLA_SDP_D_DP_BS_ALU_CFG, BS_ALU_SRC, alu_mem) |
                 FLD(b, NVDLA_SDP_D_DP_BS_ALU_CFG, BS_ALU_SHIFT_VALUE, alu ? s->alu_shift : 0));
    drv_emit(b, NVDLA_SDP_D_DP_BS_ALU_SRC_VALUE + delta,
             SFLD(b, NVDLA_SDP_D_DP_BS_ALU_SRC_VALUE, BS_ALU_OPERAND, alu && !alu_mem ? s->alu_operand : 0));
    drv_emit(b, NVDLA_SDP_D_DP_BS_MUL_CFG + delta,
             FLD(b, NVDLA_SDP_D_DP_BS_MUL_CFG, BS_MUL_SRC, mul_mem) |
                 FLD(b, NVDLA_SDP_D_DP_BS_MUL_CFG, BS_MUL_SHIFT_VALUE, mul ? s->mul_shift : 0));
    drv_emit(b, NVDLA_SDP_D_DP_BS_MUL_SRC_VALUE + delta,
             SFLD(b, NVDLA_SDP_D_DP_BS_MUL_SRC_VALUE, BS_MUL_OPERAND, mul && !mul_mem ? s->mul_operand : 0));
}

/* BRDMA (delta 0) or NRDMA (delta 0x18): K pairs {int16 alu, int16 mul}, so always BOTH and TWO_BYTE;
 * the SDP's *_SRC bits choose which half is used. */
static void emit_operand_rdma(const dla_driver *d, drv_builder *b, uint32_t delta, const dla_lsdp_stage *s)
{
    if (!stage_per_kernel(s)) {
        drv_emit(b, NVDLA_SDP_RDMA_D_BRDMA_CFG + delta, FLD(b, NVDLA_SDP_RDMA_D_BRDMA_CFG, BRDMA_DISABLE, 1));
        drv_emit_addr(b, NVDLA_SDP_RDMA_D_BS_BASE_ADDR_LOW + delta, NVDLA_SDP_RDMA_D_BS_BASE_ADDR_HIGH + delta, 0);
        return;
    }
    drv_emit(b, NVDLA_SDP_RDMA_D_BRDMA_CFG + delta,
             FLD(b, NVDLA_SDP_RDMA_D_BRDMA_CFG, BRDMA_DISABLE, 0) |
                 FLD(b, NVDLA_SDP_RDMA_D_BRDMA_CFG, BRDMA_DATA_USE, 2) |
                 FLD(b, NVDLA_SDP_RDMA_D_BRDMA_CFG, BRDMA_DATA_SIZE, 1) |
                 FLD(b, NVDLA_SDP_RDMA_D_BRDMA_CFG, BRDMA_DATA_MODE, 0) |
                 FLD(b, NVDLA_SDP_RDMA_D_BRDMA_CFG, BRDMA_RAM_TYPE, drv_ram_type(d, s->operand_region)));
    drv_emit_addr(b, NVDLA_SDP_RDMA_D_BS_BASE_ADDR_LOW + delta, NVDLA_SDP_RDMA_D_BS_BASE_ADDR_HIGH + delta,
                  d->region_addr[s->operand_region] + s->operand_offset);
}

/* NVDLA firmware's update_lut (sdp.c / common.c): the LE table through S_LUT_ACCESS_CFG (table LE,
 * WRITE, address 0) then 65 S_LUT_ACCESS_DATA writes (the address auto-increments), the LO table the
 * same way (257 writes), then S_LUT_CFG, S_LUT_INFO, the four start/end registers and the four slope
 * registers: 2 + 65 + 257 + 10 = 334 CSB writes, every time an op with a LUT is programmed. The S_LUT_*
 * registers are single (not per register group); the scheduler keeps two different tables from
 * overlapping (scheduler.c). */
static void emit_lut(drv_builder *b, const dla_llut *t)
{
    static const drv_lut_regs regs = {
        NVDLA_SDP_S_LUT_ACCESS_CFG,
        NVDLA_SDP_S_LUT_ACCESS_DATA,
        NVDLA_SDP_S_LUT_CFG,
        NVDLA_SDP_S_LUT_INFO,
        {NVDLA_SDP_S_LUT_LE_START, NVDLA_SDP_S_LUT_LE_END, NVDLA_SDP_S_LUT_LO_START, NVDLA_SDP_S_LUT_LO_END},
        {0, 0, 0, 0},
        {NVDLA_SDP_S_LUT_LE_SLOPE_SCALE, NVDLA_SDP_S_LUT_LO_SLOPE_SCALE},
        {NVDLA_SDP_S_LUT_LE_SLOPE_SHIFT, NVDLA_SDP_S_LUT_LO_SLOPE_SHIFT},
        false};
    drv_emit_lut(b, &regs, t);
}

dla_status drv_program_sdp(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op)
{
    const dla_lsdp *s = &d->l->ops[index].u.sdp;
    const dla_lsdp_ew *ew = &s->ew;
    bool flying = s->src.region < 0, to_pdp = s->dst.region < 0;
    bool ew_on = ew->enable != 0;
    bool prod = ew_on && ew->alu_op == DLA_ALU_PROD; /* the operand feeds the EW MUL, the ALU is bypassed */
    bool alu_on = ew_on && !prod;
    const dla_llut *lut = dla_loadable_op_lut(d->l, index);
    uint32_t in_prec = drv_precision(s->in_precision), out_prec = drv_precision(s->out_precision);
    /* in_precision is the pipeline's (PROC_PRECISION); an offline source may be stored in another
     * (an INT8 -> FP16 conversion, docs/datapath.md "FP16 arithmetic"). */
    uint32_t src_prec = flying ? in_prec : drv_precision(s->src.precision);
    op->rdma = !flying || stage_per_kernel(&s->bs) || stage_per_kernel(&s->bn) || ew_on;
    /* Batch mode: an on-the-fly SDP takes the batch of its conv (loadable 1.2, dla_lconv.batch). */
    const int32_t parent = d->l->ops[index].fused_parent;
    const dla_lconv *pc =
        flying && parent >= 0 && d->l->ops[parent].kind == DLA_OP_CONV ? &d->l->ops[parent].u.conv : NULL;
    uint32_t batch = pc && pc->batch > 1 ? pc->batch : 1u;

    if (op->rdma) {
        drv_emit(b, NVDLA_SDP_RDMA_D_DATA_CUBE_WIDTH, FLD_M1(b, NVDLA_SDP_RDMA_D_DATA_CUBE_WIDTH, WIDTH, s->src.width));
        drv_emit(b, NVDLA_SDP_RDMA_D_DATA_CUBE_HEIGHT,
                 FLD_M1(b, NVDLA_SDP_RDMA_D_DATA_CUBE_HEIGHT, HEIGHT, s->src.height));
        drv_emit(b, NVDLA_SDP_RDMA_D_DATA_CUBE_CHANNEL,
                 FLD_M1(b, NVDLA_SDP_RDMA_D_DATA_CUBE_CHANNEL, CHANNEL, s->src.channels));
        drv_emit_addr(b, NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_LOW, NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_HIGH,
                      drv_surface_addr(d, &s->src));
        drv_emit(b, NVDLA_SDP_RDMA_D_SRC_LINE_STRIDE, flying ? 0 : s->src.line_stride);
        drv_emit(b, NVDLA_SDP_RDMA_D_SRC_SURFACE_STRIDE, flying ? 0 : s->src.surface_stride);
        emit_operand_rdma(d, b, 0, &s->bs);
        emit_operand_rdma(d, b, NVDLA_SDP_RDMA_D_NRDMA_CFG - NVDLA_SDP_RDMA_D_BRDMA_CFG, &s->bn);
        if (ew_on)
            drv_emit(
                b, NVDLA_SDP_RDMA_D_ERDMA_CFG,
                FLD(b, NVDLA_SDP_RDMA_D_ERDMA_CFG, ERDMA_DISABLE, 0) |
                    FLD(b, NVDLA_SDP_RDMA_D_ERDMA_CFG, ERDMA_DATA_USE, prod ? 0 : 1) | /* MUL 0, ALU 1 */
                    FLD(b, NVDLA_SDP_RDMA_D_ERDMA_CFG, ERDMA_DATA_SIZE, ew->operand.precision != DLA_PRECISION_INT8) |
                    FLD(b, NVDLA_SDP_RDMA_D_ERDMA_CFG, ERDMA_DATA_MODE, 1) |
                    FLD(b, NVDLA_SDP_RDMA_D_ERDMA_CFG, ERDMA_RAM_TYPE, drv_ram_type(d, ew->operand.region)));
        else
            drv_emit(b, NVDLA_SDP_RDMA_D_ERDMA_CFG, FLD(b, NVDLA_SDP_RDMA_D_ERDMA_CFG, ERDMA_DISABLE, 1));
        drv_emit_addr(b, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_LOW, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_HIGH,
                      ew_on ? drv_surface_addr(d, &ew->operand) : 0);
        drv_emit(b, NVDLA_SDP_RDMA_D_EW_LINE_STRIDE, ew_on ? ew->operand.line_stride : 0);
        drv_emit(b, NVDLA_SDP_RDMA_D_EW_SURFACE_STRIDE, ew_on ? ew->operand.surface_stride : 0);
        drv_emit(b, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG,
                 FLD(b, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, FLYING_MODE, flying) |
                     FLD(b, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, WINOGRAD, 0) |
                     FLD(b, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, IN_PRECISION, src_prec) |
                     FLD(b, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, PROC_PRECISION, in_prec) |
                     FLD(b, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, OUT_PRECISION, out_prec) |
                     FLD(b, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG, BATCH_NUMBER, batch - 1));
        drv_emit(b, NVDLA_SDP_RDMA_D_SRC_DMA_CFG,
                 FLD(b, NVDLA_SDP_RDMA_D_SRC_DMA_CFG, SRC_RAM_TYPE, drv_ram_type(d, s->src.region)));
    }

    drv_emit(b, NVDLA_SDP_D_DATA_CUBE_WIDTH, FLD_M1(b, NVDLA_SDP_D_DATA_CUBE_WIDTH, WIDTH, s->src.width));
    drv_emit(b, NVDLA_SDP_D_DATA_CUBE_HEIGHT, FLD_M1(b, NVDLA_SDP_D_DATA_CUBE_HEIGHT, HEIGHT, s->src.height));
    drv_emit(b, NVDLA_SDP_D_DATA_CUBE_CHANNEL, FLD_M1(b, NVDLA_SDP_D_DATA_CUBE_CHANNEL, CHANNEL, s->src.channels));
    drv_emit_addr(b, NVDLA_SDP_D_DST_BASE_ADDR_LOW, NVDLA_SDP_D_DST_BASE_ADDR_HIGH, drv_surface_addr(d, &s->dst));
    drv_emit(b, NVDLA_SDP_D_DST_LINE_STRIDE, to_pdp ? 0 : s->dst.line_stride);
    drv_emit(b, NVDLA_SDP_D_DST_SURFACE_STRIDE, to_pdp ? 0 : s->dst.surface_stride);
    emit_stage(b, 0, &s->bs);
    emit_stage(b, NVDLA_SDP_D_DP_BN_CFG - NVDLA_SDP_D_DP_BS_CFG, &s->bn);

    /* The LUT sits at the end of the Y stage: with it the Y stage is on even without an EW operand. */
    bool y_on = ew_on || lut;
    drv_emit(b, NVDLA_SDP_D_DP_EW_CFG,
             FLD(b, NVDLA_SDP_D_DP_EW_CFG, EW_BYPASS, !y_on) | FLD(b, NVDLA_SDP_D_DP_EW_CFG, EW_ALU_BYPASS, !alu_on) |
                 FLD(b, NVDLA_SDP_D_DP_EW_CFG, EW_ALU_ALGO, alu_on ? ew->alu_op : 0) |
                 FLD(b, NVDLA_SDP_D_DP_EW_CFG, EW_MUL_BYPASS, !(ew_on && ew->mul_enable)) |
                 FLD(b, NVDLA_SDP_D_DP_EW_CFG, EW_MUL_PRELU, 0) | FLD(b, NVDLA_SDP_D_DP_EW_CFG, EW_LUT_BYPASS, !lut));
    drv_emit(b, NVDLA_SDP_D_DP_EW_ALU_CFG,
             FLD(b, NVDLA_SDP_D_DP_EW_ALU_CFG, EW_ALU_SRC, alu_on) |
                 FLD(b, NVDLA_SDP_D_DP_EW_ALU_CFG, EW_ALU_CVT_BYPASS, !alu_on));
    drv_emit(b, NVDLA_SDP_D_DP_EW_ALU_SRC_VALUE, 0);
    drv_emit(b, NVDLA_SDP_D_DP_EW_ALU_CVT_OFFSET_VALUE,
             SFLD(b, NVDLA_SDP_D_DP_EW_ALU_CVT_OFFSET_VALUE, EW_ALU_CVT_OFFSET, alu_on ? ew->cvt_offset : 0));
    drv_emit(b, NVDLA_SDP_D_DP_EW_ALU_CVT_SCALE_VALUE,
             SFLD(b, NVDLA_SDP_D_DP_EW_ALU_CVT_SCALE_VALUE, EW_ALU_CVT_SCALE, alu_on ? ew->cvt_scale : 0));
    drv_emit(b, NVDLA_SDP_D_DP_EW_ALU_CVT_TRUNCATE_VALUE,
             FLD(b, NVDLA_SDP_D_DP_EW_ALU_CVT_TRUNCATE_VALUE, EW_ALU_CVT_TRUNCATE, alu_on ? ew->cvt_shift : 0));
    drv_emit(b, NVDLA_SDP_D_DP_EW_MUL_CFG,
             FLD(b, NVDLA_SDP_D_DP_EW_MUL_CFG, EW_MUL_SRC, prod) |
                 FLD(b, NVDLA_SDP_D_DP_EW_MUL_CFG, EW_MUL_CVT_BYPASS, !prod));
    if (prod) { /* written only when used, so ops without a multiply keep their register count */
        drv_emit(b, NVDLA_SDP_D_DP_EW_MUL_CVT_OFFSET_VALUE,
                 SFLD(b, NVDLA_SDP_D_DP_EW_MUL_CVT_OFFSET_VALUE, EW_MUL_CVT_OFFSET, ew->cvt_offset));
        drv_emit(b, NVDLA_SDP_D_DP_EW_MUL_CVT_SCALE_VALUE,
                 SFLD(b, NVDLA_SDP_D_DP_EW_MUL_CVT_SCALE_VALUE, EW_MUL_CVT_SCALE, ew->cvt_scale));
        drv_emit(b, NVDLA_SDP_D_DP_EW_MUL_CVT_TRUNCATE_VALUE,
                 FLD(b, NVDLA_SDP_D_DP_EW_MUL_CVT_TRUNCATE_VALUE, EW_MUL_CVT_TRUNCATE, ew->cvt_shift));
    }
    bool ew_mul = ew_on && ew->mul_enable;
    drv_emit(b, NVDLA_SDP_D_DP_EW_MUL_SRC_VALUE,
             SFLD(b, NVDLA_SDP_D_DP_EW_MUL_SRC_VALUE, EW_MUL_OPERAND, ew_mul && !prod ? ew->mul_operand : 0));
    drv_emit(b, NVDLA_SDP_D_DP_EW_TRUNCATE_VALUE,
             FLD(b, NVDLA_SDP_D_DP_EW_TRUNCATE_VALUE, EW_TRUNCATE, ew_mul ? ew->mul_shift : 0));

    drv_emit(b, NVDLA_SDP_D_FEATURE_MODE_CFG,
             FLD(b, NVDLA_SDP_D_FEATURE_MODE_CFG, FLYING_MODE, flying) |
                 FLD(b, NVDLA_SDP_D_FEATURE_MODE_CFG, OUTPUT_DST, to_pdp) |
                 FLD(b, NVDLA_SDP_D_FEATURE_MODE_CFG, WINOGRAD, 0) |
                 FLD(b, NVDLA_SDP_D_FEATURE_MODE_CFG, NAN_TO_ZERO, 0) |
                 FLD(b, NVDLA_SDP_D_FEATURE_MODE_CFG, BATCH_NUMBER, batch - 1));
    if (batch > 1)
        drv_emit(b, NVDLA_SDP_D_DST_BATCH_STRIDE,
                 FLD(b, NVDLA_SDP_D_DST_BATCH_STRIDE, DST_BATCH_STRIDE, pc->dst_batch_stride));
    drv_emit(b, NVDLA_SDP_D_DST_DMA_CFG, FLD(b, NVDLA_SDP_D_DST_DMA_CFG, DST_RAM_TYPE, drv_ram_type(d, s->dst.region)));
    drv_emit(b, NVDLA_SDP_D_DATA_FORMAT,
             FLD(b, NVDLA_SDP_D_DATA_FORMAT, PROC_PRECISION, in_prec) |
                 FLD(b, NVDLA_SDP_D_DATA_FORMAT, OUT_PRECISION, out_prec));
    drv_emit(b, NVDLA_SDP_D_CVT_OFFSET, SFLD(b, NVDLA_SDP_D_CVT_OFFSET, CVT_OFFSET, s->out_cvt_offset));
    drv_emit(b, NVDLA_SDP_D_CVT_SCALE, SFLD(b, NVDLA_SDP_D_CVT_SCALE, CVT_SCALE, s->out_cvt_scale));
    drv_emit(b, NVDLA_SDP_D_CVT_SHIFT, FLD(b, NVDLA_SDP_D_CVT_SHIFT, CVT_SHIFT, s->out_cvt_shift));
    if (lut)
        emit_lut(b, lut);

    /* NVDLA's Y stage has no ReLU field: dlasim's extension register carries it. */
    drv_emit(ext, NVDLA_SDP_BASE + DLASIM_EXT_SDP_CFG, ew_on && ew->relu ? 1u : 0u);

    op->enables[0] = U_SDP;
    op->nenables = 1;
    if (op->rdma)
        op->enables[op->nenables++] = U_SDP_RDMA;
    return b->st;
}
