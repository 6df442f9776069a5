// CDP arithmetic (see cdp_math.h); rshr_away is NVDLA's rounding shift (common/rounding.h).
#include "cdp_math.h"

#include <algorithm>

#include "common/rounding.h"

namespace dlasim::hw {

int64_t cdp_cvt_in(int64_t v, const CdpCvt &c)
{
    const int64_t r = rshr_away((v - c.offset) * c.scale, c.shift);
    if (c.sat_bits == 0)
        return r;
    const int64_t hi = (int64_t(1) << (c.sat_bits - 1)) - 1;
    return std::clamp<int64_t>(r, -hi - 1, hi);
}

int32_t cdp_cvt_out(int64_t v, const CdpCvt &c)
{
    // |v - offset| < 2^34 and |scale| <= 2^15: the product fits in 64 bits.
    return static_cast<int32_t>(std::clamp<int64_t>(rshr_away((v - c.offset) * c.scale, c.shift), -128, 127));
}

} // namespace dlasim::hw
