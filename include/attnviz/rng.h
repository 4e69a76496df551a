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

/* Inline: weights and embeddings draw millions of numbers when a setting
 * changes, and a call per number cost more than the number. */

/* A stream for one purpose: state = seed ^ (stream · 0xD1B54A32D192ED03),
 * so the tensors of one seed are independent of each other. */
static inline attn_rng attn_rng_stream(uint64_t seed, uint64_t stream) {
    attn_rng r = {seed ^ (stream * 0xD1B54A32D192ED03ull)};
    return r;
}

static inline uint64_t attn_rng_next(attn_rng *r) {
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1): 24 bits fit a float's significand exactly, so there is
 * no rounding and the value is the same everywhere. */
static inline float attn_rng_float(attn_rng *r) {
    /* through int32_t: a 64-bit unsigned to float conversion takes a slow
     * path on x86-64; the value (< 2^24) is the same either way */
    return (float)(int32_t)(attn_rng_next(r) >> 40) * 0x1p-24f;
}

/* Uniform in [-a, a): (2u - 1) · a; 2u - 1 is exact, one rounding in the product. */
static inline float attn_rng_symmetric(attn_rng *r, float a) {
    return (2.0f * attn_rng_float(r) - 1.0f) * a;
}

#endif
