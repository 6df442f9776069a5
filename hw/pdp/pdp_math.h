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

} // namespace dlasim::hw
