// IEEE binary16 <-> binary32 conversions for the functional FP16 datapath (docs/datapath.md "FP16
// arithmetic"): exact widening, and narrowing with round-to-nearest-even, independent of the host's
// half-precision support.
#pragma once

#include <cstdint>

namespace dlasim::hw {

// binary16 bits -> binary32 (exact; NaN payloads kept, quiet).
float half_to_float(uint16_t h);
// binary32 -> binary16 bits, round to nearest even; overflow gives Inf, NaN stays NaN.
uint16_t float_to_half(float f);
// binary32 <-> its bits (the FP16 pipeline carries fp32 values in int32 payload slots).
uint32_t float_bits(float f);
float bits_float(uint32_t b);

} // namespace dlasim::hw
