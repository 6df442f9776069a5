// CDP arithmetic on INT8 data (docs/datapath.md step 7): the input and output converters of NVDLA's
// CDP; pure functions, called by the CDP model only in functional mode.
#pragma once

#include <cstdint>

#include "cdp_op.h"

namespace dlasim::hw {

// Input converter: rshr_away((v - offset) * scale, shift) (no saturation: the wide internal path).
int64_t cdp_cvt_in(int64_t v, const CdpCvt &c);
// Output converter: sat_8(rshr_away((v - offset) * scale, shift)); v is the converted input, or for
// LRN the converted input times the LUT result.
int32_t cdp_cvt_out(int64_t v, const CdpCvt &c);

} // namespace dlasim::hw
