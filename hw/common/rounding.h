// NVDLA's rounding right shift, shared by the units whose HLS/cmod arithmetic uses it (CACC
// truncation, PDP averages, CDP converters; SDP has a 128-bit twin in sdp/sdp_math.cpp).
#pragma once

#include <cstdint>

namespace dlasim::hw {

// floor(x / 2^s), plus one when the guide bit (bit s-1) is set and x >= 0 or any lower bit is set:
// halves round away from zero (ac_fixed AC_RND_INF, NVDLA's IntShiftRight). x unchanged if s == 0;
// s must be < 63.
int64_t rshr_away(int64_t x, unsigned s);

} // namespace dlasim::hw
