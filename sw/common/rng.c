/* Deterministic pseudo-random numbers (xorshift64*), for synthetic inputs and calibration data:
 * the same seed gives the same numbers on every machine. */
#include "dla/rng.h"

uint64_t dla_rng_next(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull; /* zero is a fixed point of xorshift */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

void dla_rng_fill_uniform(float *dst, size_t count, uint64_t seed, float lo, float hi)
{
    uint64_t state = seed;
    for (size_t i = 0; i < count; ++i) {
        /* 24 high bits -> [0, 1) exactly representable in binary32 */
        float u = (float)(dla_rng_next(&state) >> 40) / 16777216.0f;
        dst[i] = lo + (hi - lo) * u;
    }
}
