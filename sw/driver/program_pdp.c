/* Register program of a PDP op: PDP_RDMA (offline input only) and PDP (docs/register-map.md). */
#include <stdio.h>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_limits.h"
#include "driver_internal.h"

/* D_RECIP_KERNEL_*: 1/k as k * 2^16 rounded down for INT8/INT16; for FP16 as NVDLA's fp17
 * (1 sign, 6 exponent bits biased by 31, 10 mantissa bits, mantissa rounded half up). */
static uint32_t recip_kernel(uint32_t k, uint32_t precision)
{
    if (precision != DLA_PRECISION_FP16)
        return 65536u / k;
    uint32_t p = 0;
    while ((1u << p) < k)
        ++p; /* 1/k in [2^-p, 2^-(p-1)) */
    uint32_t mant = (uint32_t)((((uint64_t)(1u << p) - k) * 2048u + k) / (2u * k));
    return ((31u - p) << 10) | mant;
}

dla_status drv_program_pdp(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op)
{
    const dla_lpdp *p = &d->l->ops[index].u.pdp;
    bool flying = p->src.region < 0;
    if (p->kernel_w > DLA_NVDLA_PDP_MAX_KERNEL || p->kernel_h > DLA_NVDLA_PDP_MAX_KERNEL) {
        b->st = DLA_ERR_UNSUPPORTED;
        snprintf(b->msg, sizeof b->msg, "pooling window %ux%u exceeds the PDP's %ux%u", p->kernel_w, p->kernel_h,
                 DLA_NVDLA_PDP_MAX_KERNEL, DLA_NVDLA_PDP_MAX_KERNEL);
        return b->st;
    }
    uint32_t prec = drv_precision(p->src.precision);
    if (p->split_num != 1) {
        b->st = DLA_ERR_UNSUPPORTED;
        snprintf(b->msg, sizeof b->msg,
                 "PDP width split (split_num %u) needs partial widths, which loadable format 1.0 does not carry",
                 p->split_num);
        return b->st;
    }
    uint32_t kernel = FLD_M1(b, NVDLA_PDP_D_POOLING_KERNEL_CFG, KERNEL_WIDTH, p->kernel_w) |
                      FLD_M1(b, NVDLA_PDP_D_POOLING_KERNEL_CFG, KERNEL_HEIGHT, p->kernel_h) |
                      FLD_M1(b, NVDLA_PDP_D_POOLING_KERNEL_CFG, KERNEL_STRIDE_WIDTH, p->stride_x) |
                      FLD_M1(b, NVDLA_PDP_D_POOLING_KERNEL_CFG, KERNEL_STRIDE_HEIGHT, p->stride_y);
    op->rdma = !flying;
    if (op->rdma) {
        drv_emit(b, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_WIDTH,
                 FLD_M1(b, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_WIDTH, CUBE_IN_WIDTH, p->src.width));
        drv_emit(b, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_HEIGHT,
                 FLD_M1(b, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_HEIGHT, CUBE_IN_HEIGHT, p->src.height));
        drv_emit(b, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_CHANNEL,
                 FLD_M1(b, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_CHANNEL, CUBE_IN_CHANNEL, p->src.channels));
        drv_emit(b, NVDLA_PDP_RDMA_D_FLYING_MODE, FLD(b, NVDLA_PDP_RDMA_D_FLYING_MODE, FLYING_MODE, 1));
        drv_emit_addr(b, NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_LOW, NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_HIGH,
                      drv_surface_addr(d, &p->src));
        drv_emit(b, NVDLA_PDP_RDMA_D_SRC_LINE_STRIDE, p->src.line_stride);
        drv_emit(b, NVDLA_PDP_RDMA_D_SRC_SURFACE_STRIDE, p->src.surface_stride);
        drv_emit(b, NVDLA_PDP_RDMA_D_SRC_RAM_CFG,
                 FLD(b, NVDLA_PDP_RDMA_D_SRC_RAM_CFG, SRC_RAM_TYPE, drv_ram_type(d, p->src.region)));
        drv_emit(b, NVDLA_PDP_RDMA_D_DATA_FORMAT, FLD(b, NVDLA_PDP_RDMA_D_DATA_FORMAT, INPUT_DATA, prec));
        drv_emit(b, NVDLA_PDP_RDMA_D_OPERATION_MODE_CFG, FLD(b, NVDLA_PDP_RDMA_D_OPERATION_MODE_CFG, SPLIT_NUM, 0));
        drv_emit(b, NVDLA_PDP_RDMA_D_POOLING_KERNEL_CFG,
                 FLD_M1(b, NVDLA_PDP_RDMA_D_POOLING_KERNEL_CFG, KERNEL_WIDTH, p->kernel_w) |
                     FLD_M1(b, NVDLA_PDP_RDMA_D_POOLING_KERNEL_CFG, KERNEL_STRIDE_WIDTH, p->stride_x));
        drv_emit(b, NVDLA_PDP_RDMA_D_POOLING_PADDING_CFG,
                 FLD(b, NVDLA_PDP_RDMA_D_POOLING_PADDING_CFG, PAD_WIDTH, p->pad_left));
        drv_emit(b, NVDLA_PDP_RDMA_D_PARTIAL_WIDTH_IN, 0);
    }

    drv_emit(b, NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, FLD_M1(b, NVDLA_PDP_D_DATA_CUBE_IN_WIDTH, CUBE_IN_WIDTH, p->src.width));
    drv_emit(b, NVDLA_PDP_D_DATA_CUBE_IN_HEIGHT,
             FLD_M1(b, NVDLA_PDP_D_DATA_CUBE_IN_HEIGHT, CUBE_IN_HEIGHT, p->src.height));
    drv_emit(b, NVDLA_PDP_D_DATA_CUBE_IN_CHANNEL,
             FLD_M1(b, NVDLA_PDP_D_DATA_CUBE_IN_CHANNEL, CUBE_IN_CHANNEL, p->src.channels));
    drv_emit(b, NVDLA_PDP_D_DATA_CUBE_OUT_WIDTH,
             FLD_M1(b, NVDLA_PDP_D_DATA_CUBE_OUT_WIDTH, CUBE_OUT_WIDTH, p->dst.width));
    drv_emit(b, NVDLA_PDP_D_DATA_CUBE_OUT_HEIGHT,
             FLD_M1(b, NVDLA_PDP_D_DATA_CUBE_OUT_HEIGHT, CUBE_OUT_HEIGHT, p->dst.height));
    drv_emit(b, NVDLA_PDP_D_DATA_CUBE_OUT_CHANNEL,
             FLD_M1(b, NVDLA_PDP_D_DATA_CUBE_OUT_CHANNEL, CUBE_OUT_CHANNEL, p->dst.channels));
    drv_emit(b, NVDLA_PDP_D_OPERATION_MODE_CFG,
             FLD(b, NVDLA_PDP_D_OPERATION_MODE_CFG, POOLING_METHOD, p->method) |
                 FLD(b, NVDLA_PDP_D_OPERATION_MODE_CFG, FLYING_MODE, !flying) |
                 FLD(b, NVDLA_PDP_D_OPERATION_MODE_CFG, SPLIT_NUM, 0));
    drv_emit(b, NVDLA_PDP_D_PARTIAL_WIDTH_IN, 0);
    drv_emit(b, NVDLA_PDP_D_PARTIAL_WIDTH_OUT, 0);
    drv_emit(b, NVDLA_PDP_D_POOLING_KERNEL_CFG, kernel);
    drv_emit(b, NVDLA_PDP_D_RECIP_KERNEL_WIDTH,
             FLD(b, NVDLA_PDP_D_RECIP_KERNEL_WIDTH, RECIP_KERNEL_WIDTH, recip_kernel(p->kernel_w, p->src.precision)));
    drv_emit(b, NVDLA_PDP_D_RECIP_KERNEL_HEIGHT,
             FLD(b, NVDLA_PDP_D_RECIP_KERNEL_HEIGHT, RECIP_KERNEL_HEIGHT, recip_kernel(p->kernel_h, p->src.precision)));
    drv_emit(b, NVDLA_PDP_D_POOLING_PADDING_CFG,
             FLD(b, NVDLA_PDP_D_POOLING_PADDING_CFG, PAD_LEFT, p->pad_left) |
                 FLD(b, NVDLA_PDP_D_POOLING_PADDING_CFG, PAD_TOP, p->pad_top) |
                 FLD(b, NVDLA_PDP_D_POOLING_PADDING_CFG, PAD_RIGHT, p->pad_right) |
                 FLD(b, NVDLA_PDP_D_POOLING_PADDING_CFG, PAD_BOTTOM, p->pad_bottom));
    /* PAD_VALUE_nX: the sum contributed by n padded positions, n * pad_value (19-bit signed). An
     * FP16 pad value is a binary16 bit pattern that cannot be multiplied in integers: every
     * register carries the pattern itself (FP16 runs are timing-only in this version). */
    const uint32_t pad_regs[7] = {NVDLA_PDP_D_POOLING_PADDING_VALUE_1_CFG, NVDLA_PDP_D_POOLING_PADDING_VALUE_2_CFG,
                                  NVDLA_PDP_D_POOLING_PADDING_VALUE_3_CFG, NVDLA_PDP_D_POOLING_PADDING_VALUE_4_CFG,
                                  NVDLA_PDP_D_POOLING_PADDING_VALUE_5_CFG, NVDLA_PDP_D_POOLING_PADDING_VALUE_6_CFG,
                                  NVDLA_PDP_D_POOLING_PADDING_VALUE_7_CFG};
    bool fp16 = p->src.precision == DLA_PRECISION_FP16;
    for (int n = 1; n <= 7; ++n)
        drv_emit(b, pad_regs[n - 1],
                 fp16 ? FLD(b, NVDLA_PDP_D_POOLING_PADDING_VALUE_1_CFG, PAD_VALUE_1X, (uint16_t)p->pad_value)
                      : SFLD(b, NVDLA_PDP_D_POOLING_PADDING_VALUE_1_CFG, PAD_VALUE_1X, (int64_t)n * p->pad_value));
    drv_emit_addr(b, NVDLA_PDP_D_SRC_BASE_ADDR_LOW, NVDLA_PDP_D_SRC_BASE_ADDR_HIGH, drv_surface_addr(d, &p->src));
    drv_emit(b, NVDLA_PDP_D_SRC_LINE_STRIDE, flying ? 0 : p->src.line_stride);
    drv_emit(b, NVDLA_PDP_D_SRC_SURFACE_STRIDE, flying ? 0 : p->src.surface_stride);
    drv_emit_addr(b, NVDLA_PDP_D_DST_BASE_ADDR_LOW, NVDLA_PDP_D_DST_BASE_ADDR_HIGH, drv_surface_addr(d, &p->dst));
    drv_emit(b, NVDLA_PDP_D_DST_LINE_STRIDE, p->dst.line_stride);
    drv_emit(b, NVDLA_PDP_D_DST_SURFACE_STRIDE, p->dst.surface_stride);
    drv_emit(b, NVDLA_PDP_D_DST_RAM_CFG, FLD(b, NVDLA_PDP_D_DST_RAM_CFG, DST_RAM_TYPE, drv_ram_type(d, p->dst.region)));
    drv_emit(b, NVDLA_PDP_D_DATA_FORMAT, FLD(b, NVDLA_PDP_D_DATA_FORMAT, INPUT_DATA, prec));

    drv_emit(ext, NVDLA_PDP_BASE + DLASIM_EXT_POOL_CFG, p->count_include_pad ? 0u : 1u);

    op->enables[0] = U_PDP;
    op->nenables = 1;
    if (op->rdma)
        op->enables[op->nenables++] = U_PDP_RDMA;
    return b->st;
}
