/* SplitMix64: see attnviz/rng.h for why this generator. */
#include "attnviz/rng.h"


attn_rng attn_rng_stream(uint64_t seed, uint64_t stream) {
    attn_rng r = {seed ^ (stream * 0xD1B54A32D192ED03ull)};
    return r;
}

uint64_t attn_rng_next(attn_rng *r) {
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

float attn_rng_float(attn_rng *r) {
    /* 24 bits fit a float's significand exactly: no rounding, same everywhere. */
    return (float)(attn_rng_next(r) >> 40) * 0x1p-24f;
}

float attn_rng_symmetric(attn_rng *r, float a) {
    float u = attn_rng_float(r);
    return (2.0f * u - 1.0f) * a; /* 2u - 1 is exact; one rounding in the product */
}
