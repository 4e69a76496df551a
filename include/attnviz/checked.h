/* attnviz core: sizes computed without wrapping around.
 *
 * size_t is 64 bits on a desktop and 32 bits in the browser (wasm32). There,
 * 65,536 tokens × 16 heads × 65,536 is 2^36, which wraps around to 0: a size
 * check would pass and a buffer far too small would be allocated. Every size
 * computed from a setting or from a file's contents goes through these
 * helpers, which return false instead of a wrong number; the caller then
 * refuses the setting with a message.
 *
 * When a helper returns false, *out is SIZE_MAX, so a result that is only
 * compared with a limit afterwards is refused too. The checks are plain
 * divisions and subtractions, the same on every compiler.
 */
#ifndef ATTNVIZ_CHECKED_H
#define ATTNVIZ_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* *out = a + b, or false when the sum does not fit a size_t. */
static inline bool attn_size_add(size_t *out, size_t a, size_t b) {
    if (b > SIZE_MAX - a) {
        *out = SIZE_MAX;
        return false;
    }
    *out = a + b;
    return true;
}

/* *out = a · b, or false when the product does not fit a size_t. */
static inline bool attn_size_mul(size_t *out, size_t a, size_t b) {
    if (a != 0 && b > SIZE_MAX / a) {
        *out = SIZE_MAX;
        return false;
    }
    *out = a * b;
    return true;
}

/* *out = a · b · c, or false when the product does not fit a size_t. A zero
 * factor gives 0, whatever the others are. */
static inline bool attn_size_mul3(size_t *out, size_t a, size_t b, size_t c) {
    if (a == 0 || b == 0 || c == 0) {
        *out = 0;
        return true;
    }
    size_t ab;
    if (!attn_size_mul(&ab, a, b)) {
        *out = SIZE_MAX;
        return false;
    }
    return attn_size_mul(out, ab, c);
}

/* *sum += a · b, or false (and *sum = SIZE_MAX) when the product or the new
 * sum does not fit a size_t: for adding up the parts of one allocation. */
static inline bool attn_size_add_mul(size_t *sum, size_t a, size_t b) {
    size_t ab;
    if (!attn_size_mul(&ab, a, b)) {
        *sum = SIZE_MAX;
        return false;
    }
    return attn_size_add(sum, *sum, ab);
}

/* Bits in a size_t (64 or 32), for messages about a size that does not fit. */
#define ATTN_SIZE_BITS ((int)(sizeof(size_t) * 8))

#endif
