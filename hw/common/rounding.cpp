// NVDLA's rounding right shift (see rounding.h).
#include "rounding.h"

namespace dlasim::hw {

int64_t rshr_away(int64_t x, unsigned s)
{
    if (s == 0)
        return x;
    const bool guide = (x >> (s - 1)) & 1, sticky = (x & ((int64_t(1) << (s - 1)) - 1)) != 0;
    return (x >> s) + ((guide && (x >= 0 || sticky)) ? 1 : 0);
}

} // namespace dlasim::hw
