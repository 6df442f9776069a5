// PDP arithmetic, exactly as docs/datapath.md step 6: MAX/MIN/AVG pooling of INT8 data with
// padding values. Pure functions, called by the PDP model only in functional mode.
#pragma once

#include <cstdint>

#include "common/rounding.h" // rshr_away

namespace dlasim::hw {

enum class PoolMethod : uint8_t {
    kAvg = 0,
    kMax = 1,
    kMin = 2
}; // NVDLA POOLING_METHOD encodings

struct PoolParams {
    PoolMethod method = PoolMethod::kMax;
    uint32_t kernel_w = 1, kernel_h = 1;
    uint32_t stride_x = 1, stride_y = 1;
    uint32_t pad_left = 0, pad_top = 0;
    int32_t pad_value = 0;
    bool exclude_pad = false;                  // AVG: count only positions inside the input
    uint32_t recip_w = 65536, recip_h = 65536; // D_RECIP_KERNEL_WIDTH/HEIGHT: 1/k as k * 2^16
    bool fp16 = false;                         // D_DATA_FORMAT.INPUT_DATA = FP16: pool_point_fp16
};

// One output point (ox, oy) of one channel plane (plane[y * width + x]), as NVDLA's PDP computes it:
// - MAX/MIN over the window positions inside the input (padded positions never win; a window with
//   none inside yields pad_value).
// - AVG (NVDLA): sum over the window, padded positions adding pad_value, then two fixed-point
//   multiplies by the reciprocal registers (1/k as k * 2^16): t = rshr_away(sum * recip_w, 16),
//   out = sat_8(rshr_away(t * recip_h, 16)); rshr_away rounds halves away from zero (NVDLA's HLS
//   right shift: floor, plus one when the guide bit is set and the value is positive or sticky).
// - AVG with exclude_pad (dlasim extension, docs/register-map.md): count only positions inside the
//   input, sat_8(floor((2*sum + count) / (2*count))); a window with none inside yields 0.

int32_t pool_point(const int32_t *plane, uint32_t width, uint32_t height, const PoolParams &p, uint32_t ox,
                   uint32_t oy);

// NVDLA's fp17 reciprocal register (1 sign bit, 6 exponent bits biased by 31, 10 mantissa bits) as a
// binary32 (exact); 0 for a zero exponent field.
float pdp_fp17_to_float(uint32_t bits);

// FP16 (docs/datapath.md "FP16 arithmetic"): plane holds binary16 bits; the result is binary16 bits.
// MAX/MIN compare the binary16 values of the window positions inside the input (first kept on
// ties; no position inside: pad_value's bits). AVG: a binary32 sum in window order (r, then s;
// padded positions add the binary16 pad value), then t = sum * recip_w, out = fp16(t * recip_h)
// with the fp17 reciprocals, every step rounded to nearest even; exclude_pad: fp16(sum / count) over
// the positions inside (count 0 gives +0).
int32_t pool_point_fp16(const int32_t *plane, uint32_t width, uint32_t height, const PoolParams &p, uint32_t ox,
                        uint32_t oy);

} // namespace dlasim::hw
