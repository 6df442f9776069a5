// CDP arithmetic on INT8 data (docs/datapath.md step 7): the input and output converters of NVDLA's
// CDP; pure functions, called by the CDP model only in functional mode.
#pragma once

#include <cstdint>

#include "cdp_op.h"

namespace dlasim::hw {

// Input converter: sat_{sat_bits}(rshr_away((v - offset) * scale, shift)); NVDLA saturates to 9 bits
// for INT8 data (sat_bits 0: not saturated).
int64_t cdp_cvt_in(int64_t v, const CdpCvt &c);
// Output converter: sat_8(rshr_away((v - offset) * scale, shift)); v is the converted input, or for
// LRN the converted input times the LUT result.
int32_t cdp_cvt_out(int64_t v, const CdpCvt &c);

} // namespace dlasim::hw
