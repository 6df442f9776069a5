// NVDLA's SDP Y-stage LUT on INT data (after the EW MUL/ALU): index the LE (65 entries, linear or
// exponent) and LO (257, linear) tables, choose one, interpolate or extrapolate; rules from NVDLA's
// HLS sdp_y_idx / sdp_y_inp and the cmod sdp_hls_wrapper (docs/units/sdp.md).
#pragma once

#include <cstdint>

#include "cdp/lut.h" // NvdlaLut: the LE/LO RAM and its S_LUT_ACCESS_* programming, shared with CDP

namespace dlasim::hw {

struct SdpLutTable {
    int32_t start = 0, end = 0;               // S_LUT_LE/LO_START, _END (signed 32-bit)
    int32_t uflow_scale = 0, oflow_scale = 0; // int16
    int32_t uflow_shift = 0, oflow_shift = 0; // signed 5-bit: a negative shift multiplies
    int32_t index_select = 0;                 // signed 8-bit
};

struct SdpLutConfig {
    SdpLutTable le, lo;
    bool le_exponent = false;
    int32_t le_index_offset = 0;                                // signed 8-bit, exponent table
    bool uflow_lo = false, oflow_lo = false, hybrid_lo = false; // priorities: true = LO
};

// y for a Y-core output x (int32), saturated to int32:
// - LE exponent: underflow if x <= start or e = floor(log2(x - start)) < index_offset; index =
//   e - index_offset (overflow if >= 64), fraction = (x - start - 2^e) / 2^e in 35 bits.
// - Linear (LE, LO): underflow if x <= start; index = (x - start) >> index_select (toward zero,
//   a negative select shifts left), overflow if >= entries - 1; fraction = the bits shifted out,
//   in 35 bits.
// - Choice: both underflow: UFLOW_PRIORITY; both overflow: OFLOW_PRIORITY; both hit, or one under-
//   and one overflows: HYBRID_PRIORITY; else the one that hits.
// - Hit: rnd(T[i] * (2^35 - f) + T[i+1] * f, 35). Under/overflow: T[first/last] +
//   rnd((x - (start/end + bias)) * scale, shift) with bias = 2^index_offset for the LE exponent
//   table's underflow (index_offset > 0), else 0. rnd rounds halves away from zero and saturates
//   to int32.
int64_t sdp_lut(const SdpLutConfig &cfg, const NvdlaLut &tables, int64_t x);

} // namespace dlasim::hw
