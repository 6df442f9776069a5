/* Host-side data conversion: FP32 <-> binary16 (round to nearest even), done bit by bit so the result
 * does not depend on the compiler's or CPU's half-precision support. */
#include <string.h>

#include "driver_internal.h"

uint16_t drv_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u, exp = (x >> 23) & 0xffu, mant = x & 0x7fffffu;
    if (exp == 0xffu) /* Inf stays Inf; NaN stays a quiet NaN */
        return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0u));
    int32_t e = (int32_t)exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u); /* overflow: Inf */
    if (e <= 0) {                          /* binary16 subnormal (or zero) */
        if (e < -10)
            return (uint16_t)sign; /* below half the smallest subnormal: rounds to zero */
        mant |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (h & 1u)))
            ++h; /* may carry into the exponent field: the smallest normal, as it should */
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        ++h; /* a carry out of the mantissa bumps the exponent; out of the exponent gives Inf */
    return (uint16_t)(sign | h);
}

float drv_f16_to_f32(uint16_t hv)
{
    uint32_t sign = (uint32_t)(hv & 0x8000u) << 16, exp = (hv >> 10) & 0x1fu, mant = hv & 0x3ffu, x;
    if (exp == 0x1fu)
        x = sign | 0x7f800000u | (mant << 13);
    else if (exp != 0)
        x = sign | ((exp - 15u + 127u) << 23) | (mant << 13);
    else if (mant == 0)
        x = sign;
    else { /* subnormal: normalise */
        int32_t e = -14;
        while (!(mant & 0x400u)) {
            mant <<= 1;
            --e;
        }
        x = sign | ((uint32_t)(e + 127) << 23) | ((mant & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}
