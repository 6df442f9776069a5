/* Deterministic pseudo-random numbers (xorshift64*) for synthetic inputs and calibration. */
#ifndef DLA_RNG_H
#define DLA_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Next 64-bit value; *state is updated (a zero state is replaced by a fixed non-zero one). */
uint64_t dla_rng_next(uint64_t *state);
/* count values uniform in [lo, hi), from 24-bit fractions: reproducible bit for bit. */
void dla_rng_fill_uniform(float *dst, size_t count, uint64_t seed, float lo, float hi);

#ifdef __cplusplus
}
#endif

#endif
