// PDP arithmetic (see pdp_math.h and docs/datapath.md).
#include "pdp_math.h"

#include <algorithm>

namespace dlasim::hw {

namespace {
int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
} // namespace

int32_t pool_point(const int32_t *plane, uint32_t width, uint32_t height, const PoolParams &p, uint32_t ox, uint32_t oy)
{
    int64_t best = 0, sum = 0, count = 0;
    bool first = true;
    const bool nvdla_avg = p.method == PoolMethod::kAvg && !p.exclude_pad;
    for (uint32_t r = 0; r < p.kernel_h; ++r) {
        int64_t y = int64_t(oy) * p.stride_y - p.pad_top + r;
        for (uint32_t s = 0; s < p.kernel_w; ++s) {
            int64_t x = int64_t(ox) * p.stride_x - p.pad_left + s;
            bool inside = y >= 0 && y < height && x >= 0 && x < width;
            int64_t v = inside ? plane[y * width + x] : p.pad_value;
            if (p.method == PoolMethod::kAvg) {
                if (inside || !p.exclude_pad) {
                    sum += v;
                    ++count;
                }
                continue;
            }
            if (!inside)
                continue; // NVDLA: padding takes no part in MAX/MIN
            if (first || (p.method == PoolMethod::kMax ? v > best : v < best))
                best = v;
            first = false;
        }
    }
    if (p.method != PoolMethod::kAvg)
        return static_cast<int32_t>(first ? p.pad_value : best);
    if (nvdla_avg) {
        int64_t t = rshr_away(sum * int64_t(p.recip_w), 16);
        return static_cast<int32_t>(std::clamp<int64_t>(rshr_away(t * int64_t(p.recip_h), 16), -128, 127));
    }
    if (count == 0)
        return 0;
    return static_cast<int32_t>(std::clamp<int64_t>(floor_div(2 * sum + count, 2 * count), -128, 127));
}

} // namespace dlasim::hw
