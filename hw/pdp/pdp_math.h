// PDP arithmetic, exactly as docs/datapath.md step 6: MAX/MIN/AVG pooling of INT8 data with
// padding values. Pure functions, called by the PDP model only in functional mode.
#pragma once

#include <cstdint>

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
    bool exclude_pad = false; // AVG: count only positions inside the input
};

// One output point (ox, oy) of one channel plane (plane[y * width + x]). Window positions outside
// the input take pad_value (MAX/MIN, and AVG unless exclude_pad). AVG divides by the window area or
// by the number of valid positions: sat_8(floor((2*sum + count) / (2*count))). A window with no
// valid position under exclude_pad yields 0 (the decoder rejects such configurations).
int32_t pool_point(const int32_t *plane, uint32_t width, uint32_t height, const PoolParams &p, uint32_t ox,
                   uint32_t oy);

} // namespace dlasim::hw
