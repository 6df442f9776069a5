// Test helper: programs an NvdlaLut table through its S_LUT_ACCESS_* interface (CDP and SDP tests).
#pragma once

#include "cdp/lut.h"

namespace luttest {

// Entries 0..n-1 of the LE (lo = false) or LO table get value(i).
inline void fill(dlasim::hw::NvdlaLut &lut, bool lo, int n, int16_t (*value)(int))
{
    lut.access_cfg(0, lo, true);
    for (int i = 0; i < n; ++i)
        lut.access_data_write(uint16_t(value(i)));
}

} // namespace luttest
