// PDP arithmetic (see pdp_math.h and docs/datapath.md).
#include "pdp_math.h"

#include <algorithm>
#include <cmath>

#include "common/half.h"

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

float pdp_fp17_to_float(uint32_t bits)
{
    const uint32_t exp = (bits >> 10) & 0x3fu, mant = bits & 0x3ffu;
    if (exp == 0)
        return 0.0f;
    const float v = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 31 - 10);
    return (bits >> 16) & 1u ? -v : v;
}

int32_t pool_point_fp16(const int32_t *plane, uint32_t width, uint32_t height, const PoolParams &p, uint32_t ox,
                        uint32_t oy)
{
    const auto half = [](int32_t b) { return half_to_float(static_cast<uint16_t>(b & 0xffff)); };
    const float pad = half(p.pad_value);
    float best = 0.0f, sum = 0.0f;
    uint16_t best_bits = 0;
    uint32_t count = 0;
    bool first = true;
    for (uint32_t r = 0; r < p.kernel_h; ++r) {
        const int64_t y = int64_t(oy) * p.stride_y - p.pad_top + r;
        for (uint32_t s = 0; s < p.kernel_w; ++s) {
            const int64_t x = int64_t(ox) * p.stride_x - p.pad_left + s;
            const bool inside = y >= 0 && y < height && x >= 0 && x < width;
            if (p.method == PoolMethod::kAvg) {
                if (inside || !p.exclude_pad) {
                    sum = sum + (inside ? half(plane[y * width + x]) : pad);
                    ++count;
                }
                continue;
            }
            if (!inside)
                continue;
            const int32_t bits = plane[y * width + x];
            const float v = half(bits);
            if (first || (p.method == PoolMethod::kMax ? v > best : v < best)) {
                best = v;
                best_bits = static_cast<uint16_t>(bits & 0xffff);
            }
            first = false;
        }
    }
    if (p.method != PoolMethod::kAvg)
        return first ? (p.pad_value & 0xffff) : best_bits;
    if (!p.exclude_pad) {
        const float t = sum * pdp_fp17_to_float(p.recip_w);
        return float_to_half(t * pdp_fp17_to_float(p.recip_h));
    }
    return count == 0 ? 0 : float_to_half(sum / static_cast<float>(count));
}

} // namespace dlasim::hw
