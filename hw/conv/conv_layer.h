// One convolution hardware layer as the CDMA/CSC/CMAC/CACC registers describe it, decoded once
// (decode_conv_layer) and shared read-only by every stage; plus the stripe plan the CSC walks.
// The struct is header-only so the unit libraries can use it without linking dla_hw_conv.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dla/config.h"

namespace dlasim::hw {

class RegisterFile;

enum class ConvPrecision {
    kInt8,
    kFp16
};

struct ConvLayer {
    uint64_t seq = 0; // hardware layer number since reset (0, 1, ...)
    int group = 0;    // register group (ping-pong) the layer was programmed in

    ConvPrecision precision = ConvPrecision::kInt8;
    uint32_t bpe = 1;    // bytes per element
    bool sparse = false; // 2:4 structured sparse weights (DLASIM_EXT_SPARSE_CFG)

    // Input cube (NVDLA feature format, docs/datapath.md)
    uint32_t in_w = 0, in_h = 0, in_c = 0;
    uint64_t in_addr = 0, line_stride = 0, surf_stride = 0;
    uint32_t atom_bytes = 0;      // memory atom
    uint32_t surfaces = 0;        // ceil(in_c * bpe / atom)
    uint32_t slice_bytes = 0;     // one input row of all channels in CBUF: surfaces * in_w * atom
    uint32_t entry_per_slice = 0; // CBUF entries one slice occupies
    uint32_t fetch_grain = 0;     // slices per CDMA fetch grain

    // NVDLA batch mode (D_BATCH_NUMBER + 1 images, direct conv only; nvdla-reference §3): image b's
    // input cube starts batch_stride bytes after image b-1's (CDMA D_BATCH_STRIDE). CBUF slices are
    // interleaved by image (slice h * batch + b holds row h of image b), so the data ring counts
    // in_h * batch slices; a stripe of n points is n x batch atomic ops sharing one weight load.
    uint32_t batch = 1;
    uint64_t batch_stride = 0;

    // Image input (D_DATAIN_FORMAT.DATAIN_FORMAT = pixel; docs/datapath.md "Image input"): one plane of
    // packed pixels; a CBUF slice is the row's in_w pixels back to back; the CSC extends channels
    // along the kernel width, so one atomic op covers S kernel columns x the pixel's bytes.
    bool image = false;
    uint32_t pixel_format = 0;     // D_DATAIN_FORMAT.PIXEL_FORMAT
    uint32_t pixel_bytes = 0;      // bytes per pixel
    uint32_t pixel_x_offset = 0;   // D_PIXEL_OFFSET.PIXEL_X_OFFSET: first pixel of each line, in pixels
    uint32_t channel_byte[4] = {}; // byte of channel c inside a pixel
    uint64_t fetch_row_bytes = 0;  // bytes CDMA reads per input line (atom aligned)
    uint32_t ext_channels = 0;     // S * pixel_bytes: the depth of the channel-extended 1 x R kernel

    // Weights (DC format)
    uint64_t weight_addr = 0, weight_bytes = 0;
    uint32_t kernel_h = 0, kernel_w = 0; // R, S
    uint32_t kernels = 0;                // K

    // Output cube and geometry
    uint32_t out_w = 0, out_h = 0;
    uint32_t stride_x = 1, stride_y = 1, dilation_x = 1, dilation_y = 1;
    uint32_t pad_left = 0, pad_right = 0, pad_top = 0, pad_bottom = 0;
    int32_t pad_value = 0;
    uint32_t clip_truncate = 0;

    // CBUF use
    uint32_t data_banks = 0, weight_banks = 0;
    bool data_reuse = false, weight_reuse = false, skip_data_release = false, skip_weight_release = false;
    uint32_t release_slices = 0; // D_RELEASE + 1 (validated, see docs: only full release is modelled)

    // Derived by the decoder from the config
    uint32_t atomic_c = 0;                   // channels per atomic op (x2 when sparse)
    uint32_t channel_blocks = 0;             // ceil(in_c / atomic_c)
    uint32_t kernels_per_group = 0;          // AtomK (INT8) or AtomK/2 (FP16)
    uint32_t groups = 0;                     // ceil(K / kernels_per_group)
    uint32_t cycles_per_atomic = 1;          // CMAC cycles per atomic op
    std::vector<uint64_t> group_bytes;       // bytes CDMA fetches per kernel group (last one includes tail padding)
    bool weights_fit = false;                // all groups fit the weight banks at once (else ping-pong by group)
    uint32_t stripe_min = 0, stripe_max = 0; // in output points (the config's bounds x point_split)
    uint32_t point_split = 1;                // output points per atomic-op cycle (core.cmac.point_split)

    uint32_t kernels_in_group(uint32_t g) const
    {
        return g + 1 < groups ? kernels_per_group : kernels - g * kernels_per_group;
    }
    uint64_t out_points() const { return static_cast<uint64_t>(out_w) * out_h; }
    uint64_t slices() const { return static_cast<uint64_t>(in_h) * batch; } // CBUF data slices of the layer
    // Image input: the kernel is 1 x R after channel extension.
    uint32_t steps_per_stripe() const { return kernel_h * (image ? 1u : kernel_w) * channel_blocks; }
    uint64_t useful_macs() const
    {
        return out_points() * batch * kernels * static_cast<uint64_t>(in_c) * kernel_h * kernel_w;
    }
};

using LayerPtr = std::shared_ptr<const ConvLayer>;

// One stripe of output points p0 .. p0+len-1 and the input rows [row_lo, row_hi] it reads
// (row_hi < row_lo when it reads only padding).
struct StripeSpan {
    uint32_t p0 = 0, len = 0;
    int64_t row_lo = 0, row_hi = -1;
};

// NVDLA stripe rule: a stripe takes the remaining points if they are <= stripe_max, else stripe_min
// (in batch mode the decoder has already divided both by the batch: a stripe is n x batch atomics).
inline std::vector<StripeSpan> plan_stripes(const ConvLayer &l)
{
    std::vector<StripeSpan> out;
    const uint64_t total = l.out_points();
    const int64_t in_h = l.in_h;
    for (uint64_t p = 0; p < total;) {
        uint64_t left = total - p;
        StripeSpan s;
        s.p0 = static_cast<uint32_t>(p);
        s.len = static_cast<uint32_t>(left <= l.stripe_max ? left : l.stripe_min);
        int64_t y0 = static_cast<int64_t>(p / l.out_w), y1 = static_cast<int64_t>((p + s.len - 1) / l.out_w);
        int64_t lo = y0 * l.stride_y - static_cast<int64_t>(l.pad_top);
        int64_t hi =
            y1 * l.stride_y - static_cast<int64_t>(l.pad_top) + static_cast<int64_t>(l.kernel_h - 1) * l.dilation_y;
        s.row_lo = lo < 0 ? 0 : lo;
        s.row_hi = hi >= in_h ? in_h - 1 : hi;
        out.push_back(s);
        p += s.len;
    }
    return out;
}

// Decode the layer programmed in register group `group` of the five conv units, validating every
// field against the others and against the config. Throws std::invalid_argument naming the
// register, the value and what was expected.
ConvLayer decode_conv_layer(const dla_core_params &core, const RegisterFile &cdma, const RegisterFile &csc,
                            const RegisterFile &cmac_a, const RegisterFile &cmac_b, const RegisterFile &cacc, int group,
                            bool functional);

} // namespace dlasim::hw
