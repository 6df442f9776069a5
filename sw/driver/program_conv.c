/* Register program of a convolution (direct, or image input for a pixel-format network input): CDMA,
 * CSC, CMAC_A, CMAC_B, CACC (docs/register-map.md).
 * Field encodings follow the NVDLA register descriptions (most sizes are value - 1). Every op writes
 * the same register set, so nothing stale survives from the previous op of a register group; image
 * layers add the pixel registers, which the hardware reads only in image mode. */
#include <stdio.h>

#include "dla/dlasim_ext_regs.h"
#include "driver_internal.h"

/* D_MISC_CFG is laid out identically in CDMA and CSC. */
#define MISC(unit, b, c, prec)                                                                                         \
    (FLD(b, NVDLA_##unit##_D_MISC_CFG, CONV_MODE, 0) | FLD(b, NVDLA_##unit##_D_MISC_CFG, IN_PRECISION, prec) |         \
     FLD(b, NVDLA_##unit##_D_MISC_CFG, PROC_PRECISION, prec) |                                                         \
     FLD(b, NVDLA_##unit##_D_MISC_CFG, DATA_REUSE, (c)->data_reuse) |                                                  \
     FLD(b, NVDLA_##unit##_D_MISC_CFG, WEIGHT_REUSE, (c)->weight_reuse) |                                              \
     FLD(b, NVDLA_##unit##_D_MISC_CFG, SKIP_DATA_RLS, (c)->skip_data_release) |                                        \
     FLD(b, NVDLA_##unit##_D_MISC_CFG, SKIP_WEIGHT_RLS, (c)->skip_weight_release))

dla_status drv_program_conv(const dla_driver *d, uint32_t index, drv_builder *b, drv_builder *ext, drv_op *op)
{
    const dla_loadable *l = d->l;
    const dla_lconv *c = &l->ops[index].u.conv;
    const dla_lsurface *in = &c->src;
    uint32_t atom = (uint32_t)d->cfg->core.memory_atomic_bytes;
    uint32_t bpe = c->precision == DLA_PRECISION_INT8 ? 1u : 2u;
    uint32_t prec = drv_precision(c->precision);
    uint64_t in_addr = drv_surface_addr(d, in);
    uint64_t w_addr = d->region_addr[c->weight_region] + c->weight_offset;
    int sparse = c->weight_format == DLA_WEIGHT_SPARSE_2_4;
    uint64_t meta_addr = sparse ? d->region_addr[c->weight_region] + c->sparse_meta_offset : 0;
    uint64_t meta_bytes = sparse ? c->sparse_meta_bytes : 0;
    /* BYTE_PER_KERNEL as NVDLA defines it (its trace tests: 3x3x192 INT8 -> 1727): R*S*C*bpe, one
     * kernel of the DC layout (D_WEIGHT_BYTES carries the stored total, padded to 128 B). */
    uint64_t bytes_per_kernel = (uint64_t)c->kernel_w * c->kernel_h * c->kernel_c * bpe;
    /* Image input (docs/datapath.md "Image input"): CDMA reads packed pixels; CSC sees the kernel
     * channel-extended to 1 x R x (S * bytes per pixel), its registers carry that extended shape. */
    int image = c->data_format == DLA_DATA_PIXEL;
    uint32_t pixel_bytes = image ? dla_pixel_bytes(c->pixel_format) : atom;
    uint32_t csc_kernel_w = image ? 1u : c->kernel_w;
    uint32_t csc_kernel_c = image ? c->kernel_w * pixel_bytes : c->kernel_c;
    uint32_t pixel_x_offset = 0;
    if (image) {
        if (pixel_bytes == 0 || bpe != 1) {
            b->st = DLA_ERR_INVALID;
            snprintf(b->msg, sizeof b->msg, "image input: pixel_format %u with %s data is not supported",
                     c->pixel_format, dla_precision_name(c->precision));
            return b->st;
        }
        bytes_per_kernel = (uint64_t)c->kernel_h * csc_kernel_c * bpe;
        /* CDMA fetches from an atom boundary; a pixel cube starting inside an atom says where. */
        pixel_x_offset = (uint32_t)(in_addr % atom) / pixel_bytes;
        in_addr -= in_addr % atom;
    }
    /* The SDP fused after this conv: the conv+SDP layer's output cube (CACC D_DATAOUT_*). */
    const dla_lsdp *sdp = NULL;
    for (uint32_t j = index + 1; j < l->num_ops && !sdp; ++j)
        if (l->ops[j].fused_parent == (int32_t)index)
            sdp = &l->ops[j].u.sdp;
    uint64_t out_addr = 0;
    uint64_t out_line = (uint64_t)c->out_w * atom, out_surf = out_line * c->out_h;
    if (sdp && sdp->dst.region >= 0) {
        out_addr = drv_surface_addr(d, &sdp->dst);
        out_line = sdp->dst.line_stride;
        out_surf = sdp->dst.surface_stride;
    }
    if (!c->skip_data_release && c->release_slices == 0) {
        b->st = DLA_ERR_INVALID;
        snprintf(b->msg, sizeof b->msg,
                 "release_slices is 0 but skip_data_release is off (CSC.D_RELEASE holds "
                 "slices - 1)");
        return b->st;
    }
    /* NVDLA batch mode (loadable 1.2): D_BATCH_NUMBER holds images - 1 in CDMA, CSC and CACC. */
    uint32_t batch = c->batch > 1 ? c->batch : 1u;
    if (batch > 1 && (int64_t)batch > d->cfg->core.features.max_batch) {
        b->st = DLA_ERR_INVALID;
        snprintf(b->msg, sizeof b->msg, "conv batch %u exceeds the config's hardware batch (features.max_batch = %d)",
                 batch, d->cfg->core.features.max_batch);
        return b->st;
    }
    if (c->precision == DLA_PRECISION_INT8 && (c->pad_value < -128 || c->pad_value > 127)) {
        b->st = DLA_ERR_INVALID;
        snprintf(b->msg, sizeof b->msg, "INT8 pad_value %d outside -128..127", c->pad_value);
        return b->st;
    }

    /* CDMA */
    drv_emit(b, NVDLA_CDMA_D_MISC_CFG, MISC(CDMA, b, c, prec));
    /* Pixel data is signed INT8 here (the driver quantises the input), hence SIGN_OVERRIDE. */
    drv_emit(b, NVDLA_CDMA_D_DATAIN_FORMAT,
             FLD(b, NVDLA_CDMA_D_DATAIN_FORMAT, DATAIN_FORMAT, (uint32_t)image) |
                 FLD(b, NVDLA_CDMA_D_DATAIN_FORMAT, PIXEL_FORMAT, image ? c->pixel_format : 0u) |
                 FLD(b, NVDLA_CDMA_D_DATAIN_FORMAT, PIXEL_SIGN_OVERRIDE, (uint32_t)image));
    if (image) { /* written only for image layers: feature layers leave the pixel registers unread */
        drv_emit(b, NVDLA_CDMA_D_PIXEL_OFFSET, FLD(b, NVDLA_CDMA_D_PIXEL_OFFSET, PIXEL_X_OFFSET, pixel_x_offset));
        drv_emit(b, NVDLA_CDMA_D_LINE_UV_STRIDE, 0);
        drv_emit(b, NVDLA_CDMA_D_MEAN_FORMAT, 0);
        drv_emit(b, NVDLA_CDMA_D_CVT_CFG, 0);
    }
    uint32_t size0 = FLD_M1(b, NVDLA_CDMA_D_DATAIN_SIZE_0, DATAIN_WIDTH, in->width) |
                     FLD_M1(b, NVDLA_CDMA_D_DATAIN_SIZE_0, DATAIN_HEIGHT, in->height);
    drv_emit(b, NVDLA_CDMA_D_DATAIN_SIZE_0, size0);
    drv_emit(b, NVDLA_CDMA_D_DATAIN_SIZE_1, FLD_M1(b, NVDLA_CDMA_D_DATAIN_SIZE_1, DATAIN_CHANNEL, in->channels));
    drv_emit(b, NVDLA_CDMA_D_DATAIN_SIZE_EXT_0,
             FLD_M1(b, NVDLA_CDMA_D_DATAIN_SIZE_EXT_0, DATAIN_WIDTH_EXT, in->width) |
                 FLD_M1(b, NVDLA_CDMA_D_DATAIN_SIZE_EXT_0, DATAIN_HEIGHT_EXT, in->height));
    drv_emit(b, NVDLA_CDMA_D_DAIN_RAM_TYPE, drv_ram_type(d, in->region));
    drv_emit_addr(b, NVDLA_CDMA_D_DAIN_ADDR_LOW_0, NVDLA_CDMA_D_DAIN_ADDR_HIGH_0, in_addr);
    drv_emit(b, NVDLA_CDMA_D_LINE_STRIDE, in->line_stride);
    drv_emit(b, NVDLA_CDMA_D_SURF_STRIDE, in->surface_stride);
    drv_emit(
        b, NVDLA_CDMA_D_DAIN_MAP,
        FLD(b, NVDLA_CDMA_D_DAIN_MAP, LINE_PACKED, in->line_stride == (uint64_t)in->width * pixel_bytes) |
            FLD(b, NVDLA_CDMA_D_DAIN_MAP, SURF_PACKED, in->surface_stride == (uint64_t)in->height * in->line_stride));
    drv_emit(b, NVDLA_CDMA_D_BATCH_NUMBER, FLD(b, NVDLA_CDMA_D_BATCH_NUMBER, BATCHES, batch - 1));
    if (batch > 1)
        drv_emit(b, NVDLA_CDMA_D_BATCH_STRIDE, FLD(b, NVDLA_CDMA_D_BATCH_STRIDE, BATCH_STRIDE, c->src_batch_stride));
    drv_emit(b, NVDLA_CDMA_D_ENTRY_PER_SLICE, FLD_M1(b, NVDLA_CDMA_D_ENTRY_PER_SLICE, ENTRIES, c->entry_per_slice));
    drv_emit(b, NVDLA_CDMA_D_FETCH_GRAIN, FLD_M1(b, NVDLA_CDMA_D_FETCH_GRAIN, GRAINS, c->fetch_grain));
    drv_emit(b, NVDLA_CDMA_D_WEIGHT_FORMAT, FLD(b, NVDLA_CDMA_D_WEIGHT_FORMAT, WEIGHT_FORMAT, 0));
    drv_emit(b, NVDLA_CDMA_D_WEIGHT_SIZE_0, FLD_M1(b, NVDLA_CDMA_D_WEIGHT_SIZE_0, BYTE_PER_KERNEL, bytes_per_kernel));
    drv_emit(b, NVDLA_CDMA_D_WEIGHT_SIZE_1, FLD_M1(b, NVDLA_CDMA_D_WEIGHT_SIZE_1, WEIGHT_KERNEL, c->kernel_k));
    drv_emit(b, NVDLA_CDMA_D_WEIGHT_RAM_TYPE, drv_ram_type(d, (int32_t)c->weight_region));
    drv_emit_addr(b, NVDLA_CDMA_D_WEIGHT_ADDR_LOW, NVDLA_CDMA_D_WEIGHT_ADDR_HIGH, w_addr);
    drv_emit(b, NVDLA_CDMA_D_WEIGHT_BYTES, FLD(b, NVDLA_CDMA_D_WEIGHT_BYTES, WEIGHT_BYTES, c->weight_bytes));
    drv_emit_addr(b, NVDLA_CDMA_D_WMB_ADDR_LOW, NVDLA_CDMA_D_WMB_ADDR_HIGH, meta_addr);
    drv_emit(b, NVDLA_CDMA_D_WMB_BYTES, FLD(b, NVDLA_CDMA_D_WMB_BYTES, WMB_BYTES, meta_bytes));
    uint32_t stride = FLD_M1(b, NVDLA_CDMA_D_CONV_STRIDE, CONV_X_STRIDE, c->stride_x) |
                      FLD_M1(b, NVDLA_CDMA_D_CONV_STRIDE, CONV_Y_STRIDE, c->stride_y);
    drv_emit(b, NVDLA_CDMA_D_CONV_STRIDE, stride);
    drv_emit(b, NVDLA_CDMA_D_ZERO_PADDING,
             FLD(b, NVDLA_CDMA_D_ZERO_PADDING, PAD_LEFT, c->pad_left) |
                 FLD(b, NVDLA_CDMA_D_ZERO_PADDING, PAD_RIGHT, c->pad_right) |
                 FLD(b, NVDLA_CDMA_D_ZERO_PADDING, PAD_TOP, c->pad_top) |
                 FLD(b, NVDLA_CDMA_D_ZERO_PADDING, PAD_BOTTOM, c->pad_bottom));
    uint32_t pad_value = SFLD(b, NVDLA_CDMA_D_ZERO_PADDING_VALUE, PAD_VALUE, c->pad_value);
    drv_emit(b, NVDLA_CDMA_D_ZERO_PADDING_VALUE, pad_value);
    uint32_t bank = FLD_M1(b, NVDLA_CDMA_D_BANK, DATA_BANK, c->data_banks) |
                    FLD_M1(b, NVDLA_CDMA_D_BANK, WEIGHT_BANK, c->weight_banks);
    drv_emit(b, NVDLA_CDMA_D_BANK, bank);

    /* CSC */
    drv_emit(b, NVDLA_CSC_D_MISC_CFG, MISC(CSC, b, c, prec));
    drv_emit(b, NVDLA_CSC_D_DATAIN_FORMAT, FLD(b, NVDLA_CSC_D_DATAIN_FORMAT, DATAIN_FORMAT, (uint32_t)image));
    if (image)
        drv_emit(b, NVDLA_CSC_D_POST_Y_EXTENSION, 0);
    drv_emit(b, NVDLA_CSC_D_DATAIN_SIZE_EXT_0, size0);
    drv_emit(b, NVDLA_CSC_D_DATAIN_SIZE_EXT_1,
             FLD_M1(b, NVDLA_CSC_D_DATAIN_SIZE_EXT_1, DATAIN_CHANNEL_EXT, in->channels));
    drv_emit(b, NVDLA_CSC_D_BATCH_NUMBER, FLD(b, NVDLA_CSC_D_BATCH_NUMBER, BATCHES, batch - 1));
    drv_emit(b, NVDLA_CSC_D_ENTRY_PER_SLICE, FLD_M1(b, NVDLA_CSC_D_ENTRY_PER_SLICE, ENTRIES, c->entry_per_slice));
    drv_emit(b, NVDLA_CSC_D_WEIGHT_FORMAT, FLD(b, NVDLA_CSC_D_WEIGHT_FORMAT, WEIGHT_FORMAT, 0));
    drv_emit(b, NVDLA_CSC_D_WEIGHT_SIZE_EXT_0,
             FLD_M1(b, NVDLA_CSC_D_WEIGHT_SIZE_EXT_0, WEIGHT_WIDTH_EXT, csc_kernel_w) |
                 FLD_M1(b, NVDLA_CSC_D_WEIGHT_SIZE_EXT_0, WEIGHT_HEIGHT_EXT, c->kernel_h));
    drv_emit(b, NVDLA_CSC_D_WEIGHT_SIZE_EXT_1,
             FLD_M1(b, NVDLA_CSC_D_WEIGHT_SIZE_EXT_1, WEIGHT_CHANNEL_EXT, csc_kernel_c) |
                 FLD_M1(b, NVDLA_CSC_D_WEIGHT_SIZE_EXT_1, WEIGHT_KERNEL, c->kernel_k));
    drv_emit(b, NVDLA_CSC_D_WEIGHT_BYTES, FLD(b, NVDLA_CSC_D_WEIGHT_BYTES, WEIGHT_BYTES, c->weight_bytes));
    drv_emit(b, NVDLA_CSC_D_WMB_BYTES, FLD(b, NVDLA_CSC_D_WMB_BYTES, WMB_BYTES, meta_bytes));
    uint32_t out0 = FLD_M1(b, NVDLA_CSC_D_DATAOUT_SIZE_0, DATAOUT_WIDTH, c->out_w) |
                    FLD_M1(b, NVDLA_CSC_D_DATAOUT_SIZE_0, DATAOUT_HEIGHT, c->out_h);
    uint32_t out1 = FLD_M1(b, NVDLA_CSC_D_DATAOUT_SIZE_1, DATAOUT_CHANNEL, c->kernel_k);
    drv_emit(b, NVDLA_CSC_D_DATAOUT_SIZE_0, out0);
    drv_emit(b, NVDLA_CSC_D_DATAOUT_SIZE_1, out1);
    drv_emit(b, NVDLA_CSC_D_ATOMICS, FLD_M1(b, NVDLA_CSC_D_ATOMICS, ATOMICS, (uint64_t)c->out_w * c->out_h));
    drv_emit(b, NVDLA_CSC_D_RELEASE,
             c->release_slices ? FLD_M1(b, NVDLA_CSC_D_RELEASE, RLS_SLICES, c->release_slices) : 0u);
    drv_emit(b, NVDLA_CSC_D_CONV_STRIDE_EXT, stride); /* same layout as CDMA.D_CONV_STRIDE */
    drv_emit(b, NVDLA_CSC_D_DILATION_EXT,
             FLD_M1(b, NVDLA_CSC_D_DILATION_EXT, X_DILATION_EXT, c->dilation_x) |
                 FLD_M1(b, NVDLA_CSC_D_DILATION_EXT, Y_DILATION_EXT, c->dilation_y));
    drv_emit(b, NVDLA_CSC_D_ZERO_PADDING,
             FLD(b, NVDLA_CSC_D_ZERO_PADDING, PAD_LEFT, c->pad_left) |
                 FLD(b, NVDLA_CSC_D_ZERO_PADDING, PAD_TOP, c->pad_top));
    drv_emit(b, NVDLA_CSC_D_ZERO_PADDING_VALUE, pad_value);
    drv_emit(b, NVDLA_CSC_D_BANK, bank);

    /* CMAC_A, CMAC_B */
    uint32_t cmac =
        FLD(b, NVDLA_CMAC_A_D_MISC_CFG, CONV_MODE, 0) | FLD(b, NVDLA_CMAC_A_D_MISC_CFG, PROC_PRECISION, prec);
    drv_emit(b, NVDLA_CMAC_A_D_MISC_CFG, cmac);
    drv_emit(b, NVDLA_CMAC_B_D_MISC_CFG, cmac);

    /* CACC */
    drv_emit(b, NVDLA_CACC_D_MISC_CFG,
             FLD(b, NVDLA_CACC_D_MISC_CFG, CONV_MODE, 0) | FLD(b, NVDLA_CACC_D_MISC_CFG, PROC_PRECISION, prec));
    drv_emit(b, NVDLA_CACC_D_DATAOUT_SIZE_0, out0);
    drv_emit(b, NVDLA_CACC_D_DATAOUT_SIZE_1, out1);
    drv_emit(b, NVDLA_CACC_D_DATAOUT_ADDR, (uint32_t)out_addr);
    drv_emit(b, NVDLA_CACC_D_BATCH_NUMBER, FLD(b, NVDLA_CACC_D_BATCH_NUMBER, BATCHES, batch - 1));
    drv_emit(b, NVDLA_CACC_D_LINE_STRIDE, FLD(b, NVDLA_CACC_D_LINE_STRIDE, LINE_STRIDE, out_line));
    drv_emit(b, NVDLA_CACC_D_SURF_STRIDE, FLD(b, NVDLA_CACC_D_SURF_STRIDE, SURF_STRIDE, out_surf));
    drv_emit(b, NVDLA_CACC_D_DATAOUT_MAP,
             FLD(b, NVDLA_CACC_D_DATAOUT_MAP, LINE_PACKED, out_line == (uint64_t)c->out_w * atom) |
                 FLD(b, NVDLA_CACC_D_DATAOUT_MAP, SURF_PACKED, out_surf == out_line * c->out_h));
    drv_emit(b, NVDLA_CACC_D_CLIP_CFG, FLD(b, NVDLA_CACC_D_CLIP_CFG, CLIP_TRUNCATE, c->clip_truncate));

    drv_emit(ext, NVDLA_CDMA_BASE + DLASIM_EXT_SPARSE_CFG, (uint32_t)sparse);
    drv_emit(ext, NVDLA_CSC_BASE + DLASIM_EXT_SPARSE_CFG, (uint32_t)sparse);

    /* Downstream first, as NVDLA's own conv traces do. */
    op->enables[0] = U_CACC;
    op->enables[1] = U_CMAC_A;
    op->enables[2] = U_CMAC_B;
    op->enables[3] = U_CSC;
    op->enables[4] = U_CDMA;
    op->nenables = 5;
    op->rdma = false;
    return b->st;
}
