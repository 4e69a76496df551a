/* The project's random generator: SplitMix64 (Steele, Lea & Flood 2014),
 * chosen because it is a few lines in any language, so the PyTorch fixture
 * script reproduces every weight and embedding bit for bit.
 *
 *   state += 0x9E3779B97F4A7C15
 *   z = state
 *   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *   return z ^ (z >> 31)
 *
 * A float in [0, 1) is the top 24 bits times 2^-24 (exact in float32). */
#ifndef ATTNVIZ_RNG_H
#define ATTNVIZ_RNG_H

#include <stdint.h>

typedef struct attn_rng {
    uint64_t state;
} attn_rng;

/* A stream for one purpose: state = seed ^ (stream · 0xD1B54A32D192ED03),
 * so the tensors of one seed are independent of each other. */
attn_rng attn_rng_stream(uint64_t seed, uint64_t stream);
uint64_t attn_rng_next(attn_rng *r);
/* Uniform in [0, 1). */
float attn_rng_float(attn_rng *r);
/* Uniform in [-a, a): (2u - 1) · a, in float32. */
float attn_rng_symmetric(attn_rng *r, float a);

#endif
