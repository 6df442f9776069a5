// binary16 conversions (see half.h).
#include "half.h"

#include <cmath>
#include <cstring>

namespace dlasim::hw {

uint32_t float_bits(float f)
{
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

float bits_float(uint32_t b)
{
    float f;
    std::memcpy(&f, &b, sizeof f);
    return f;
}

float half_to_float(uint16_t h)
{
    const float sign = (h & 0x8000u) ? -1.0f : 1.0f;
    const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0x1fu) // Inf / NaN: rebuild the bits so the payload survives
        return bits_float((static_cast<uint32_t>(h & 0x8000u) << 16) | 0x7f800000u | (mant << 13) |
                          (mant ? 0x400000u : 0u));
    if (exp == 0) // zero or subnormal: mant * 2^-24, exact in binary32
        return sign * std::ldexp(static_cast<float>(mant), -24);
    return sign * std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
}

uint16_t float_to_half(float f)
{
    const uint32_t x = float_bits(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) // Inf, or NaN made quiet
        return static_cast<uint16_t>(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u));
    if (ax >= 0x477ff000u) // >= 65520 = 65504 + half an ulp: rounds to Inf
        return static_cast<uint16_t>(sign | 0x7c00u);
    if (ax < 0x38800000u) { // below 2^-14: a subnormal count of 2^-24, rounded to even (1024 = 2^-14)
        const float scaled = bits_float(ax) * 16777216.0f; // exact: a power-of-two scaling
        return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(scaled)));
    }
    // Normal: rebias the exponent, keep 10 mantissa bits, round the 13 dropped bits to even; a
    // carry out of the mantissa correctly bumps the exponent.
    uint32_t h = (ax - 0x38000000u) >> 13;
    const uint32_t rest = ax & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
        ++h;
    return static_cast<uint16_t>(sign | h);
}

} // namespace dlasim::hw
