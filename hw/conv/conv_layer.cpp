// Decoding of a conv hardware layer from the NVDLA D_* registers (field meanings per the NVDLA
// register spec: most sizes are value-1, D_BANK holds banks-1), with cross-unit consistency checks.
#include "conv_layer.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/register_file.h"
#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_pixel.h"
#include "dla/nvdla_regs.h"

namespace dlasim::hw {

namespace {

#define FIELD(rf, UNIT, REG, F)                                                                                        \
    ((rf.get(group, NVDLA_##UNIT##_##REG) >> NVDLA_##UNIT##_##REG##_##F##_SHIFT) & NVDLA_##UNIT##_##REG##_##F##_MASK)

[[noreturn]] void fail(int group, const std::string &what)
{
    throw std::invalid_argument("conv layer (register group " + std::to_string(group) + "): " + what);
}

void expect_equal(int group, const char *a_name, uint64_t a, const char *b_name, uint64_t b)
{
    if (a != b) {
        std::ostringstream os;
        os << a_name << " = " << a << " but " << b_name << " = " << b << "; expected them to agree";
        fail(group, os.str());
    }
}

uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

// Image-input registers: supported pixel formats (dla/nvdla_pixel.h), signed 8-bit pixels, no
// mean subtraction or converter, no post-extension; other values are refused by name.
void decode_pixel_format(const dla_core_params &core, const RegisterFile &cdma, const RegisterFile &csc, int group,
                         ConvLayer &l)
{
    if (!core.features.image_input)
        fail(group, "D_DATAIN_FORMAT.DATAIN_FORMAT = 1 (pixel/image input) but the config has no image-input support "
                    "(features.image_input)");
    if (l.precision != ConvPrecision::kInt8 || l.sparse)
        fail(group, "image input is modelled for dense INT8 only (D_MISC_CFG.PROC_PRECISION = 0, no 2:4 sparsity)");
    l.pixel_format = FIELD(cdma, CDMA, D_DATAIN_FORMAT, PIXEL_FORMAT);
    l.pixel_bytes = dla_pixel_bytes(l.pixel_format);
    if (l.pixel_bytes == 0)
        fail(group,
             "CDMA.D_DATAIN_FORMAT.PIXEL_FORMAT = " + std::to_string(l.pixel_format) +
                 " is not supported; expected 0 (T_R8) or 12..19 (8-bit 4-component packed, e.g. 12 T_A8B8G8R8)");
    for (uint32_t c = 0; c < 4; ++c)
        l.channel_byte[c] = dla_pixel_channel_byte(l.pixel_format, c);
    if (FIELD(cdma, CDMA, D_DATAIN_FORMAT, PIXEL_MAPPING))
        fail(group, "CDMA.D_DATAIN_FORMAT.PIXEL_MAPPING = 1 is reserved; expected 0 (pitch linear)");
    if (!FIELD(cdma, CDMA, D_DATAIN_FORMAT, PIXEL_SIGN_OVERRIDE))
        fail(group, "CDMA.D_DATAIN_FORMAT.PIXEL_SIGN_OVERRIDE = 0 (unsigned pixels) needs the CDMA input converter, "
                    "which is not modelled; expected 1 (signed INT8 pixels)");
    if (FIELD(cdma, CDMA, D_MEAN_FORMAT, MEAN_FORMAT))
        fail(group, "CDMA.D_MEAN_FORMAT.MEAN_FORMAT = 1 (mean subtraction) is not modelled; expected 0");
    if (FIELD(cdma, CDMA, D_CVT_CFG, CVT_EN))
        fail(group, "CDMA.D_CVT_CFG.CVT_EN = 1 (input converter) is not modelled; expected 0");
    if (FIELD(cdma, CDMA, D_PIXEL_OFFSET, PIXEL_Y_OFFSET))
        fail(group, "CDMA.D_PIXEL_OFFSET.PIXEL_Y_OFFSET = " +
                        std::to_string(FIELD(cdma, CDMA, D_PIXEL_OFFSET, PIXEL_Y_OFFSET)) +
                        " (semi-planar formats only); expected 0");
    if (FIELD(csc, CSC, D_POST_Y_EXTENSION, Y_EXTENSION))
        fail(group, "CSC.D_POST_Y_EXTENSION.Y_EXTENSION = " +
                        std::to_string(FIELD(csc, CSC, D_POST_Y_EXTENSION, Y_EXTENSION)) +
                        " (post-extension) is not modelled; expected 0");
    l.pixel_x_offset = FIELD(cdma, CDMA, D_PIXEL_OFFSET, PIXEL_X_OFFSET);
}

// Batch mode (nvdla-reference §3): CDMA, CSC and CACC must agree on D_BATCH_NUMBER; more than one
// image needs the config's hardware batch (features.max_batch) and direct (feature-data) input.
void decode_batch(const dla_core_params &core, const RegisterFile &cdma, const RegisterFile &csc,
                  const RegisterFile &cacc, int group, ConvLayer &l)
{
    const uint32_t batches = FIELD(cdma, CDMA, D_BATCH_NUMBER, BATCHES);
    expect_equal(group, "CSC.D_BATCH_NUMBER.BATCHES", FIELD(csc, CSC, D_BATCH_NUMBER, BATCHES),
                 "CDMA.D_BATCH_NUMBER.BATCHES", batches);
    expect_equal(group, "CACC.D_BATCH_NUMBER.BATCHES", FIELD(cacc, CACC, D_BATCH_NUMBER, BATCHES),
                 "CDMA.D_BATCH_NUMBER.BATCHES", batches);
    l.batch = batches + 1;
    if (l.batch == 1)
        return;
    if (static_cast<int>(l.batch) > core.features.max_batch)
        fail(group, "CDMA.D_BATCH_NUMBER.BATCHES = " + std::to_string(batches) + " (batch " + std::to_string(l.batch) +
                        ") exceeds the config's hardware batch (features.max_batch = " +
                        std::to_string(core.features.max_batch) + ")");
    if (l.image)
        fail(group, "CDMA.D_BATCH_NUMBER.BATCHES = " + std::to_string(batches) +
                        " with image input; NVDLA's batch mode is direct convolution only (expected 0)");
    l.batch_stride = cdma.get(group, NVDLA_CDMA_D_BATCH_STRIDE);
}

} // namespace

ConvLayer decode_conv_layer(const dla_core_params &core, const RegisterFile &cdma, const RegisterFile &csc,
                            const RegisterFile &cmac_a, const RegisterFile &cmac_b, const RegisterFile &cacc, int group,
                            bool functional)
{
    ConvLayer l;
    l.group = group;

    // Mode and precision: every stage must agree (the driver programs each unit separately).
    uint32_t prec = FIELD(cdma, CDMA, D_MISC_CFG, PROC_PRECISION);
    expect_equal(group, "CDMA.D_MISC_CFG.IN_PRECISION", FIELD(cdma, CDMA, D_MISC_CFG, IN_PRECISION),
                 "CDMA.D_MISC_CFG.PROC_PRECISION", prec);
    expect_equal(group, "CSC.D_MISC_CFG.PROC_PRECISION", FIELD(csc, CSC, D_MISC_CFG, PROC_PRECISION),
                 "CDMA.D_MISC_CFG.PROC_PRECISION", prec);
    expect_equal(group, "CMAC_A.D_MISC_CFG.PROC_PRECISION", FIELD(cmac_a, CMAC_A, D_MISC_CFG, PROC_PRECISION),
                 "CDMA.D_MISC_CFG.PROC_PRECISION", prec);
    expect_equal(group, "CMAC_B.D_MISC_CFG.PROC_PRECISION", FIELD(cmac_b, CMAC_B, D_MISC_CFG, PROC_PRECISION),
                 "CDMA.D_MISC_CFG.PROC_PRECISION", prec);
    expect_equal(group, "CACC.D_MISC_CFG.PROC_PRECISION", FIELD(cacc, CACC, D_MISC_CFG, PROC_PRECISION),
                 "CDMA.D_MISC_CFG.PROC_PRECISION", prec);
    if (prec == 0) {
        l.precision = ConvPrecision::kInt8;
        l.bpe = 1;
        if (!core.features.int8)
            fail(group, "INT8 convolution (D_MISC_CFG.PROC_PRECISION = 0) but the config has no INT8 support");
    } else if (prec == 2) {
        l.precision = ConvPrecision::kFp16;
        l.bpe = 2;
        if (!core.features.fp16 || core.fp16_macs_per_cycle <= 0)
            fail(group, "FP16 convolution (D_MISC_CFG.PROC_PRECISION = 2) but the config has no FP16 support");
    } else {
        fail(group, "D_MISC_CFG.PROC_PRECISION = " + std::to_string(prec) +
                        " (INT16) is not supported; expected 0 (INT8) or 2 (FP16)");
    }
    if (FIELD(cdma, CDMA, D_MISC_CFG, CONV_MODE) || FIELD(csc, CSC, D_MISC_CFG, CONV_MODE) ||
        FIELD(cacc, CACC, D_MISC_CFG, CONV_MODE) || FIELD(cmac_a, CMAC_A, D_MISC_CFG, CONV_MODE) ||
        FIELD(cmac_b, CMAC_B, D_MISC_CFG, CONV_MODE))
        fail(group, "D_MISC_CFG.CONV_MODE = 1 (Winograd) is not supported; expected 0 (direct)");
    expect_equal(group, "CSC.D_DATAIN_FORMAT.DATAIN_FORMAT", FIELD(csc, CSC, D_DATAIN_FORMAT, DATAIN_FORMAT),
                 "CDMA.D_DATAIN_FORMAT.DATAIN_FORMAT", FIELD(cdma, CDMA, D_DATAIN_FORMAT, DATAIN_FORMAT));
    l.image = FIELD(cdma, CDMA, D_DATAIN_FORMAT, DATAIN_FORMAT) == DLA_DATA_PIXEL;
    if (FIELD(cdma, CDMA, D_WEIGHT_FORMAT, WEIGHT_FORMAT) || FIELD(csc, CSC, D_WEIGHT_FORMAT, WEIGHT_FORMAT))
        fail(group, "D_WEIGHT_FORMAT = 1 (compressed weights) is not supported; expected 0 (uncompressed)");
    decode_batch(core, cdma, csc, cacc, group, l);

    uint32_t sparse_cdma = cdma.get_ext(NVDLA_CDMA_BASE + DLASIM_EXT_SPARSE_CFG) & 1u;
    uint32_t sparse_csc = csc.get_ext(NVDLA_CSC_BASE + DLASIM_EXT_SPARSE_CFG) & 1u;
    expect_equal(group, "CDMA.DLASIM_EXT_SPARSE_CFG", sparse_cdma, "CSC.DLASIM_EXT_SPARSE_CFG", sparse_csc);
    l.sparse = sparse_cdma != 0;
    if (l.sparse && !core.features.sparsity_2_4)
        fail(group, "DLASIM_EXT_SPARSE_CFG = 1 but the config has no 2:4 sparsity support");
    if (l.sparse && functional)
        fail(group, "2:4 sparse weights in functional mode are not supported by the conv core model (timing only)");

    if (l.image)
        decode_pixel_format(core, cdma, csc, group, l);

    // Input cube
    l.in_w = FIELD(cdma, CDMA, D_DATAIN_SIZE_0, DATAIN_WIDTH) + 1;
    l.in_h = FIELD(cdma, CDMA, D_DATAIN_SIZE_0, DATAIN_HEIGHT) + 1;
    l.in_c = FIELD(cdma, CDMA, D_DATAIN_SIZE_1, DATAIN_CHANNEL) + 1;
    expect_equal(group, "CSC.D_DATAIN_SIZE_EXT_0.DATAIN_WIDTH_EXT+1",
                 FIELD(csc, CSC, D_DATAIN_SIZE_EXT_0, DATAIN_WIDTH_EXT) + 1, "CDMA.D_DATAIN_SIZE_0.DATAIN_WIDTH+1",
                 l.in_w);
    expect_equal(group, "CSC.D_DATAIN_SIZE_EXT_0.DATAIN_HEIGHT_EXT+1",
                 FIELD(csc, CSC, D_DATAIN_SIZE_EXT_0, DATAIN_HEIGHT_EXT) + 1, "CDMA.D_DATAIN_SIZE_0.DATAIN_HEIGHT+1",
                 l.in_h);
    expect_equal(group, "CSC.D_DATAIN_SIZE_EXT_1.DATAIN_CHANNEL_EXT+1",
                 FIELD(csc, CSC, D_DATAIN_SIZE_EXT_1, DATAIN_CHANNEL_EXT) + 1, "CDMA.D_DATAIN_SIZE_1.DATAIN_CHANNEL+1",
                 l.in_c);
    l.in_addr = (static_cast<uint64_t>(cdma.get(group, NVDLA_CDMA_D_DAIN_ADDR_HIGH_0)) << 32) |
                cdma.get(group, NVDLA_CDMA_D_DAIN_ADDR_LOW_0);
    l.line_stride = cdma.get(group, NVDLA_CDMA_D_LINE_STRIDE);
    l.surf_stride = cdma.get(group, NVDLA_CDMA_D_SURF_STRIDE);
    l.atom_bytes = static_cast<uint32_t>(core.memory_atomic_bytes);
    if (l.image) {
        // One plane: a slice is the line's pixels back to back; CDMA reads whole atoms from the
        // line start, the first pixel PIXEL_X_OFFSET pixels in.
        if (l.in_c > l.pixel_bytes)
            fail(group, "CDMA.D_DATAIN_SIZE_1.DATAIN_CHANNEL+1 = " + std::to_string(l.in_c) + " exceeds the " +
                            std::to_string(l.pixel_bytes) + " channels of PIXEL_FORMAT " +
                            std::to_string(l.pixel_format));
        l.surfaces = 1;
        l.slice_bytes = l.in_w * l.pixel_bytes;
        const uint64_t line_bytes = static_cast<uint64_t>(l.pixel_x_offset + l.in_w) * l.pixel_bytes;
        l.fetch_row_bytes = ceil_div(line_bytes, l.atom_bytes) * l.atom_bytes;
        if (l.in_addr % l.atom_bytes || l.line_stride % l.atom_bytes)
            fail(group, "CDMA input address/LINE_STRIDE must be multiples of the memory atom (" +
                            std::to_string(l.atom_bytes) + " B); PIXEL_X_OFFSET places the first pixel");
        if (l.line_stride < line_bytes)
            fail(group, "CDMA.D_LINE_STRIDE = " + std::to_string(l.line_stride) +
                            " is less than (PIXEL_X_OFFSET + width) x pixel bytes = " + std::to_string(line_bytes));
    } else {
        l.surfaces = static_cast<uint32_t>(ceil_div(static_cast<uint64_t>(l.in_c) * l.bpe, l.atom_bytes));
        l.slice_bytes = l.surfaces * l.in_w * l.atom_bytes;
    }
    if (!l.image && (l.in_addr % l.atom_bytes || l.line_stride % l.atom_bytes || l.surf_stride % l.atom_bytes))
        fail(group, "CDMA input address/LINE_STRIDE/SURF_STRIDE must be multiples of the memory atom (" +
                        std::to_string(l.atom_bytes) + " B)");
    if (!l.image && l.line_stride < static_cast<uint64_t>(l.in_w) * l.atom_bytes)
        fail(group, "CDMA.D_LINE_STRIDE = " + std::to_string(l.line_stride) +
                        " is less than width x atom = " + std::to_string(l.in_w * l.atom_bytes));
    if (l.surfaces > 1 && l.surf_stride < l.line_stride * l.in_h)
        fail(group, "CDMA.D_SURF_STRIDE = " + std::to_string(l.surf_stride) +
                        " is less than height x line stride = " + std::to_string(l.line_stride * l.in_h));
    if (l.batch > 1) {
        const uint64_t cube = l.surfaces > 1 ? l.surf_stride * l.surfaces : l.line_stride * l.in_h;
        if (l.batch_stride % l.atom_bytes || l.batch_stride < cube)
            fail(group, "CDMA.D_BATCH_STRIDE = " + std::to_string(l.batch_stride) +
                            "; expected a multiple of the memory atom (" + std::to_string(l.atom_bytes) +
                            " B) of at least one input cube (" + std::to_string(cube) + " B)");
    }
    l.entry_per_slice = FIELD(cdma, CDMA, D_ENTRY_PER_SLICE, ENTRIES) + 1;
    expect_equal(group, "CSC.D_ENTRY_PER_SLICE+1", FIELD(csc, CSC, D_ENTRY_PER_SLICE, ENTRIES) + 1,
                 "CDMA.D_ENTRY_PER_SLICE+1", l.entry_per_slice);
    uint64_t min_eps = ceil_div(l.slice_bytes, static_cast<uint64_t>(core.cbuf_entry_bytes));
    if (l.entry_per_slice < min_eps)
        fail(group, "D_ENTRY_PER_SLICE+1 = " + std::to_string(l.entry_per_slice) +
                        " entries cannot hold one input row (" + std::to_string(l.slice_bytes) +
                        (l.image ? " B = W x pixel bytes" : " B = ceil(C*bpe/atom) x W x atom") +
                        "); expected >= " + std::to_string(min_eps));
    l.fetch_grain = FIELD(cdma, CDMA, D_FETCH_GRAIN, GRAINS) + 1;

    // Weights
    l.kernel_w = FIELD(csc, CSC, D_WEIGHT_SIZE_EXT_0, WEIGHT_WIDTH_EXT) + 1;
    l.kernel_h = FIELD(csc, CSC, D_WEIGHT_SIZE_EXT_0, WEIGHT_HEIGHT_EXT) + 1;
    if (l.image) {
        // CSC holds the channel-extended kernel: 1 x R x (S * pixel bytes).
        l.ext_channels = FIELD(csc, CSC, D_WEIGHT_SIZE_EXT_1, WEIGHT_CHANNEL_EXT) + 1;
        if (l.kernel_w != 1 || l.ext_channels % l.pixel_bytes)
            fail(group, "image input: CSC.D_WEIGHT_SIZE_EXT_0.WEIGHT_WIDTH_EXT+1 = " + std::to_string(l.kernel_w) +
                            " and WEIGHT_CHANNEL_EXT+1 = " + std::to_string(l.ext_channels) +
                            "; expected the channel-extended kernel: width 1, channels S x " +
                            std::to_string(l.pixel_bytes) + " (pixel bytes)");
        l.kernel_w = l.ext_channels / l.pixel_bytes;
    } else {
        expect_equal(group, "CSC.D_WEIGHT_SIZE_EXT_1.WEIGHT_CHANNEL_EXT+1",
                     FIELD(csc, CSC, D_WEIGHT_SIZE_EXT_1, WEIGHT_CHANNEL_EXT) + 1, "input channels", l.in_c);
    }
    l.kernels = FIELD(csc, CSC, D_WEIGHT_SIZE_EXT_1, WEIGHT_KERNEL) + 1;
    expect_equal(group, "CDMA.D_WEIGHT_SIZE_1.WEIGHT_KERNEL+1", FIELD(cdma, CDMA, D_WEIGHT_SIZE_1, WEIGHT_KERNEL) + 1,
                 "CSC.D_WEIGHT_SIZE_EXT_1.WEIGHT_KERNEL+1", l.kernels);
    {
        // NVDLA's DC layout (docs/datapath.md) stores each kernel as C*R*S*bpe bytes, no padding.
        // Image input counts the extended kernel: R x (S * pixel bytes) x bpe.
        const uint64_t bpk = FIELD(cdma, CDMA, D_WEIGHT_SIZE_0, BYTE_PER_KERNEL) + 1;
        const uint64_t rs_bytes = static_cast<uint64_t>(l.kernel_h) * (l.image ? 1u : l.kernel_w) * l.bpe;
        const uint64_t kc = l.image ? l.ext_channels : l.in_c;
        if (bpk != kc * rs_bytes)
            fail(group, "CDMA.D_WEIGHT_SIZE_0.BYTE_PER_KERNEL+1 = " + std::to_string(bpk) +
                            "; expected R*S*C*bpe = " + std::to_string(kc * rs_bytes));
    }
    l.weight_addr = (static_cast<uint64_t>(cdma.get(group, NVDLA_CDMA_D_WEIGHT_ADDR_HIGH)) << 32) |
                    cdma.get(group, NVDLA_CDMA_D_WEIGHT_ADDR_LOW);
    l.weight_bytes = cdma.get(group, NVDLA_CDMA_D_WEIGHT_BYTES);
    expect_equal(group, "CSC.D_WEIGHT_BYTES", csc.get(group, NVDLA_CSC_D_WEIGHT_BYTES), "CDMA.D_WEIGHT_BYTES",
                 l.weight_bytes);

    // Geometry
    l.stride_x = FIELD(cdma, CDMA, D_CONV_STRIDE, CONV_X_STRIDE) + 1;
    l.stride_y = FIELD(cdma, CDMA, D_CONV_STRIDE, CONV_Y_STRIDE) + 1;
    expect_equal(group, "CSC.D_CONV_STRIDE_EXT.CONV_X_STRIDE_EXT+1",
                 FIELD(csc, CSC, D_CONV_STRIDE_EXT, CONV_X_STRIDE_EXT) + 1, "CDMA.D_CONV_STRIDE.CONV_X_STRIDE+1",
                 l.stride_x);
    expect_equal(group, "CSC.D_CONV_STRIDE_EXT.CONV_Y_STRIDE_EXT+1",
                 FIELD(csc, CSC, D_CONV_STRIDE_EXT, CONV_Y_STRIDE_EXT) + 1, "CDMA.D_CONV_STRIDE.CONV_Y_STRIDE+1",
                 l.stride_y);
    l.dilation_x = FIELD(csc, CSC, D_DILATION_EXT, X_DILATION_EXT) + 1;
    l.dilation_y = FIELD(csc, CSC, D_DILATION_EXT, Y_DILATION_EXT) + 1;
    if (l.image && l.dilation_x != 1)
        fail(group, "image input with CSC.D_DILATION_EXT.X_DILATION_EXT+1 = " + std::to_string(l.dilation_x) +
                        "; channel extension needs adjacent kernel columns (expected 1)");
    l.pad_left = FIELD(cdma, CDMA, D_ZERO_PADDING, PAD_LEFT);
    l.pad_right = FIELD(cdma, CDMA, D_ZERO_PADDING, PAD_RIGHT);
    l.pad_top = FIELD(cdma, CDMA, D_ZERO_PADDING, PAD_TOP);
    l.pad_bottom = FIELD(cdma, CDMA, D_ZERO_PADDING, PAD_BOTTOM);
    expect_equal(group, "CSC.D_ZERO_PADDING.PAD_LEFT", FIELD(csc, CSC, D_ZERO_PADDING, PAD_LEFT),
                 "CDMA.D_ZERO_PADDING.PAD_LEFT", l.pad_left);
    expect_equal(group, "CSC.D_ZERO_PADDING.PAD_TOP", FIELD(csc, CSC, D_ZERO_PADDING, PAD_TOP),
                 "CDMA.D_ZERO_PADDING.PAD_TOP", l.pad_top);
    uint32_t pad_raw = FIELD(csc, CSC, D_ZERO_PADDING_VALUE, PAD_VALUE);
    // "PAD_VALUE in CSC is always signed": [7:0] for INT8, [15:0] for FP16 (bits of a binary16).
    l.pad_value =
        l.precision == ConvPrecision::kInt8 ? static_cast<int8_t>(pad_raw & 0xffu) : static_cast<int32_t>(pad_raw);

    l.out_w = FIELD(csc, CSC, D_DATAOUT_SIZE_0, DATAOUT_WIDTH) + 1;
    l.out_h = FIELD(csc, CSC, D_DATAOUT_SIZE_0, DATAOUT_HEIGHT) + 1;
    expect_equal(group, "CACC.D_DATAOUT_SIZE_0.DATAOUT_WIDTH+1", FIELD(cacc, CACC, D_DATAOUT_SIZE_0, DATAOUT_WIDTH) + 1,
                 "CSC.D_DATAOUT_SIZE_0.DATAOUT_WIDTH+1", l.out_w);
    expect_equal(group, "CACC.D_DATAOUT_SIZE_0.DATAOUT_HEIGHT+1",
                 FIELD(cacc, CACC, D_DATAOUT_SIZE_0, DATAOUT_HEIGHT) + 1, "CSC.D_DATAOUT_SIZE_0.DATAOUT_HEIGHT+1",
                 l.out_h);
    expect_equal(group, "CSC.D_DATAOUT_SIZE_1.DATAOUT_CHANNEL+1",
                 FIELD(csc, CSC, D_DATAOUT_SIZE_1, DATAOUT_CHANNEL) + 1, "kernels", l.kernels);
    expect_equal(group, "CACC.D_DATAOUT_SIZE_1.DATAOUT_CHANNEL+1",
                 FIELD(cacc, CACC, D_DATAOUT_SIZE_1, DATAOUT_CHANNEL) + 1, "kernels", l.kernels);
    expect_equal(group, "CSC.D_ATOMICS+1", FIELD(csc, CSC, D_ATOMICS, ATOMICS) + 1, "output width x height",
                 l.out_points());
    int64_t span_x = static_cast<int64_t>(l.kernel_w - 1) * l.dilation_x + 1;
    int64_t span_y = static_cast<int64_t>(l.kernel_h - 1) * l.dilation_y + 1;
    int64_t exp_w = (static_cast<int64_t>(l.in_w) + l.pad_left + l.pad_right - span_x) / l.stride_x + 1;
    int64_t exp_h = (static_cast<int64_t>(l.in_h) + l.pad_top + l.pad_bottom - span_y) / l.stride_y + 1;
    if (exp_w != l.out_w || exp_h != l.out_h) {
        std::ostringstream os;
        os << "CSC.D_DATAOUT_SIZE_0 gives output " << l.out_w << "x" << l.out_h << " but input " << l.in_w << "x"
           << l.in_h << ", kernel " << l.kernel_w << "x" << l.kernel_h << ", padding l" << l.pad_left << " r"
           << l.pad_right << " t" << l.pad_top << " b" << l.pad_bottom << ", stride " << l.stride_x << "x" << l.stride_y
           << ", dilation " << l.dilation_x << "x" << l.dilation_y << " give " << exp_w << "x" << exp_h;
        fail(group, os.str());
    }
    l.clip_truncate = FIELD(cacc, CACC, D_CLIP_CFG, CLIP_TRUNCATE);

    // CBUF partition and reuse
    l.data_banks = FIELD(cdma, CDMA, D_BANK, DATA_BANK) + 1;
    l.weight_banks = FIELD(cdma, CDMA, D_BANK, WEIGHT_BANK) + 1;
    expect_equal(group, "CSC.D_BANK.DATA_BANK+1", FIELD(csc, CSC, D_BANK, DATA_BANK) + 1, "CDMA.D_BANK.DATA_BANK+1",
                 l.data_banks);
    expect_equal(group, "CSC.D_BANK.WEIGHT_BANK+1", FIELD(csc, CSC, D_BANK, WEIGHT_BANK) + 1,
                 "CDMA.D_BANK.WEIGHT_BANK+1", l.weight_banks);
    if (l.data_banks + l.weight_banks > static_cast<uint32_t>(core.cbuf_banks))
        fail(group, "D_BANK: " + std::to_string(l.data_banks) + " data + " + std::to_string(l.weight_banks) +
                        " weight banks exceed the CBUF's " + std::to_string(core.cbuf_banks));
    l.data_reuse = FIELD(cdma, CDMA, D_MISC_CFG, DATA_REUSE);
    l.weight_reuse = FIELD(cdma, CDMA, D_MISC_CFG, WEIGHT_REUSE);
    l.skip_data_release = FIELD(csc, CSC, D_MISC_CFG, SKIP_DATA_RLS);
    l.skip_weight_release = FIELD(csc, CSC, D_MISC_CFG, SKIP_WEIGHT_RLS);
    expect_equal(group, "CSC.D_MISC_CFG.DATA_REUSE", FIELD(csc, CSC, D_MISC_CFG, DATA_REUSE),
                 "CDMA.D_MISC_CFG.DATA_REUSE", l.data_reuse);
    expect_equal(group, "CSC.D_MISC_CFG.WEIGHT_REUSE", FIELD(csc, CSC, D_MISC_CFG, WEIGHT_REUSE),
                 "CDMA.D_MISC_CFG.WEIGHT_REUSE", l.weight_reuse);
    if (l.batch > 1 && (l.data_reuse || l.skip_data_release))
        fail(group, "batch mode with D_MISC_CFG.DATA_REUSE or SKIP_DATA_RLS is not modelled; expected both 0");
    l.release_slices = FIELD(csc, CSC, D_RELEASE, RLS_SLICES) + 1;
    // A partial release (fewer slices than the input height) keeps the last rows in CBUF for a next
    // layer with DATA_REUSE; the model releases them all at the end of the layer, which changes
    // nothing for this layer's result or timing (NVDLA's single-layer dc trace tests use it). A next
    // layer reusing the kept rows is refused by the CBUF (DATA_REUSE needs SKIP_DATA_RLS there).

    // Compute organisation
    l.atomic_c = static_cast<uint32_t>(core.atomic_c) * (l.sparse ? 2u : 1u);
    l.channel_blocks = static_cast<uint32_t>(ceil_div(l.image ? l.ext_channels : l.in_c, l.atomic_c));
    l.kernels_per_group =
        static_cast<uint32_t>(l.precision == ConvPrecision::kInt8 ? core.atomic_k : core.atomic_k / 2);
    l.groups = static_cast<uint32_t>(ceil_div(l.kernels, l.kernels_per_group));
    if (l.precision == ConvPrecision::kFp16)
        l.cycles_per_atomic = static_cast<uint32_t>(
            std::max<uint64_t>(1, ceil_div(static_cast<uint64_t>(core.atomic_c) * l.kernels_per_group,
                                           static_cast<uint64_t>(core.fp16_macs_per_cycle))));
    // Point split (core.cmac.point_split, docs/units/csc.md): a layer whose kernels fill at most
    // 1/n of the MAC cells (one kernel group of <= kernels_per_group / n) runs the array as n parts
    // that hold the same weights and each take their own output point, so a cycle issues n points.
    // The CACC buffer then holds n times the points, so the stripe bounds grow by n as well. Batch
    // mode already fills the stripe with the batch's images, so a batched layer is not split.
    const uint32_t max_split = core.cmac_point_split > 1 ? static_cast<uint32_t>(core.cmac_point_split) : 1u;
    l.point_split = 1;
    while (l.groups == 1 && l.batch == 1 && l.point_split * 2 <= max_split &&
           static_cast<uint64_t>(l.kernels) * l.point_split * 2 <= l.kernels_per_group)
        l.point_split *= 2;
    l.stripe_min = static_cast<uint32_t>(core.csc_stripe_min) * l.point_split;
    l.stripe_max = (static_cast<uint32_t>(core.csc_stripe_max) + 1) * l.point_split - 1;
    if (l.batch > 1) {
        // Batch: a stripe is n points x batch atomics ("batch 4: 4x4 to 8x4" for v1's 16..32), so
        // n runs from ceil(min / batch) to floor(max / batch), at least one point.
        l.stripe_min = std::max<uint32_t>(1, static_cast<uint32_t>(ceil_div(l.stripe_min, l.batch)));
        l.stripe_max = std::max<uint32_t>(l.stripe_min, l.stripe_max / l.batch);
    }

    // Weight bytes per kernel group in NVDLA's DC layout (docs/datapath.md): R x S x C elements per
    // kernel, the last channel block unpadded; a sparse layer fetches the compressed D_WEIGHT_BYTES,
    // shared among the groups in proportion to their dense size. Image input: the DC layout of the
    // channel-extended 1 x R x (S * pixel bytes) kernel.
    uint64_t per_kernel =
        static_cast<uint64_t>(l.image ? l.ext_channels : l.in_c) * l.kernel_h * (l.image ? 1u : l.kernel_w) * l.bpe;
    uint64_t dense_total = per_kernel * l.kernels;
    if (!l.sparse && l.weight_bytes < dense_total)
        fail(group, "D_WEIGHT_BYTES = " + std::to_string(l.weight_bytes) + " is less than the " +
                        (l.image ? "image-mode" : "DC") + " weight size " + std::to_string(dense_total) +
                        (l.image ? " (K x S*pixel bytes x R x bpe)" : " (K x C x R x S x bpe)"));
    if (l.weight_bytes == 0)
        fail(group, "D_WEIGHT_BYTES = 0; expected the size of the weights");
    uint64_t assigned = 0;
    for (uint32_t g = 0; g < l.groups; ++g) {
        uint64_t dense = per_kernel * l.kernels_in_group(g);
        uint64_t b = l.sparse ? dense * l.weight_bytes / dense_total : dense;
        if (g + 1 == l.groups)
            b = l.weight_bytes - assigned;
        l.group_bytes.push_back(b);
        assigned += b;
    }
    const uint64_t entry = static_cast<uint64_t>(core.cbuf_entry_bytes);
    const uint64_t weight_cap = static_cast<uint64_t>(l.weight_banks) * core.cbuf_entries_per_bank * entry;
    uint64_t total_entries_bytes = 0, max_group = 0;
    for (uint64_t b : l.group_bytes) {
        total_entries_bytes += ceil_div(b, entry) * entry;
        max_group = std::max(max_group, ceil_div(b, entry) * entry);
    }
    l.weights_fit = total_entries_bytes <= weight_cap;
    if (max_group > weight_cap)
        fail(group, "one kernel group's weights (" + std::to_string(max_group) + " B) exceed the " +
                        std::to_string(l.weight_banks) + " weight banks (" + std::to_string(weight_cap) + " B)");
    if (l.weight_reuse && !l.weights_fit)
        fail(group, "WEIGHT_REUSE with weights larger than the weight banks; expected all weights resident");

    // If the input does not fit the data ring, the ring must hold what the CSC keeps: all rows
    // when every kernel group rereads them (impossible), else a stripe's rows plus a fetch grain.
    const uint64_t data_cap = static_cast<uint64_t>(l.data_banks) * core.cbuf_entries_per_bank;
    const uint64_t input_entries = l.slices() * l.entry_per_slice;
    if (input_entries > data_cap) {
        if (l.groups > 1 || l.skip_data_release || l.data_reuse)
            fail(group, "the input (" + std::to_string(input_entries) + " CBUF entries) must fit the " +
                            std::to_string(l.data_banks) + " data banks (" + std::to_string(data_cap) +
                            " entries) when it is read by several kernel groups or kept");
        uint64_t span = 0;
        for (const StripeSpan &s : plan_stripes(l))
            if (s.row_hi >= s.row_lo)
                span = std::max<uint64_t>(span, static_cast<uint64_t>(s.row_hi - s.row_lo + 1));
        const uint64_t grain = std::min<uint64_t>(l.fetch_grain, l.in_h);
        if ((span + grain - 1) * l.batch * l.entry_per_slice > data_cap)
            fail(group, "data banks (" + std::to_string(data_cap) + " entries) cannot hold a stripe's " +
                            std::to_string(span) + " input rows plus a fetch grain of " + std::to_string(grain) +
                            " slices (x" + std::to_string(l.entry_per_slice) + " entries)");
    }
    return l;
}

} // namespace dlasim::hw
