/* attn_softmax_rows_fast: softmax of each row, eight floats at a time.
 *
 * Same contract as attn_softmax_rows (stages.h): for each row,
 *     out_j = exp(x_j - max) / sum_i exp(x_i - max)
 * Stable for any finite input (every exponent is <= 0, and the largest entry
 * contributes exactly 1 to the sum); -inf entries get weight 0; a row that is
 * entirely -inf gives zeros; +inf entries share the row equally. out may be
 * the same array as in.
 *
 * The exponential is our own rather than libm's expf: expf is scalar, and
 * glibc picks an FMA or a non-FMA variant at run time, which can differ in
 * the last bit. Ours uses only +, -, *, comparisons and bit operations, with
 * no FMA, so every machine gets the same bits.
 *
 * As in gemm.c, the code is written with vectors of 8 floats (GCC/clang
 * vector extensions, each lane doing the scalar operation) and compiled twice:
 * for AVX2 and for plain x86-64 (SSE2, two halves of 4). The row sum is kept
 * as 8 partial sums added in a fixed order, so both give the same bits. */
#include "fast.h"

/* No fused multiply-add, even if this file is built for a CPU that has one
 * (e.g. -march=native): the build already says -ffp-contract=off, and GCC in
 * ISO C mode (-std=c11) never contracts; clang also obeys the pragma. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef float v8f __attribute__((vector_size(32)));
/* Bit patterns of 8 floats. A comparison gives all ones in a lane where it
 * holds, zeros elsewhere; casting between vectors of the same size keeps the
 * bits. */
typedef uint32_t v8u __attribute__((vector_size(32)));

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ---- exp ----------------------------------------------------------------------
 * exp(x) for x <= 0 (all that softmax needs, since x - max <= 0).
 *
 * Range reduction (Cody and Waite): x = k·ln2 + r with k = round(x / ln2), so
 * that |r| <= ln2/2 and exp(x) = 2^k · exp(r). ln2 is split into a short part
 * LN2_HI, whose product with any k here is exact, and the small rest LN2_LO;
 * r = (x - k·LN2_HI) - k·LN2_LO then keeps almost all its bits.
 *
 * exp(r) = 1 + r + r²·q(r), q a degree-5 polynomial (the coefficients of
 * Cephes' expf, fitted on [-ln2/2, ln2/2]). 2^k is built directly as the bits
 * of a float: exponent field k + 127, mantissa 0.
 *
 * Below EXP_MIN = ln(FLT_MIN) the result would be subnormal; we return 0
 * exactly (this includes -inf). exp(0) is exactly 1. Measured over every
 * float in [EXP_MIN, 0]: relative error < 8.3e-8 (tests/test_kernels.c asks
 * for < 2e-7 on a sample of them). */
static const float EXP_MIN = -87.33654475f; /* ln(2^-126) */
static const float LOG2E = 1.44269504089f;
static const float LN2_HI = 0.693359375f; /* 355/512: 9 significant bits */
static const float LN2_LO = -2.12194440e-4f;
/* 1.5·2^23: adding it to a float of magnitude < 2^22 rounds that float to an
 * integer (in the current rounding mode, nearest-even by default), and the
 * integer can be read from the low bits of the sum. */
static const float ROUND_MAGIC = 12582912.0f;
static const float Q0 = 5.0000001201e-1f, Q1 = 1.6666665459e-1f, Q2 = 4.1665795894e-2f,
                   Q3 = 8.3334519073e-3f, Q4 = 1.3981999507e-3f, Q5 = 1.9875691500e-4f;

/* Each lane of *v replaced by its exp. (Through a pointer: a 32-byte vector
 * passed by value would depend on whether AVX is enabled.) */
static ALWAYS_INLINE void exp_lanes(v8f *v) {
    const v8f zero = {0};
    v8f x = *v;
    v8u too_small = (v8u)(x < EXP_MIN); /* all ones where exp underflows */
    /* Those lanes (-inf included) compute exp(0) instead, and are set to 0 at
     * the end: that keeps the arithmetic in range, and away from subnormal
     * numbers, which cost some CPUs a hundred cycles per operation. */
    x = (v8f)((v8u)x & ~too_small);

    v8f shifted = x * LOG2E + ROUND_MAGIC; /* holds round(x / ln2) */
    v8f k = shifted - ROUND_MAGIC;         /* ... as a float: -126 .. 0 */
    v8f r = (x - k * LN2_HI) - k * LN2_LO;

    /* q(r) in Estrin's form: three independent pairs, combined with r².
     * Horner's form would be one chain of 10 dependent operations; this is
     * 6 deep, which lets the CPU overlap more lanes of work. */
    v8f r2 = r * r;
    v8f q = (Q0 + Q1 * r) + r2 * ((Q2 + Q3 * r) + r2 * (Q4 + Q5 * r));
    v8f exp_r = (q * r2 + r) + 1.0f;

    /* 2^k: k + 127 in the exponent field. The integer k is the difference of
     * the bit patterns of shifted and ROUND_MAGIC (both have exponent 23). */
    v8u k_bits = (v8u)shifted - (v8u)(zero + ROUND_MAGIC);
    v8f two_k = (v8f)((k_bits + 127u) << 23);

    *v = (v8f)((v8u)(exp_r * two_k) & ~too_small);
}

/* ---- softmax ------------------------------------------------------------------- */

/* Rows with +inf entries (x - max would be nan): each +inf entry gets
 * 1 / (number of them), every other entry 0. */
static void softmax_row_with_inf(float *out, const float *in, size_t cols) {
    size_t count = 0;
    for (size_t j = 0; j < cols; j++) count += in[j] == INFINITY;
    float share = 1.0f / (float)count;
    for (size_t j = 0; j < cols; j++) out[j] = in[j] == INFINITY ? share : 0.0f;
}

static ALWAYS_INLINE float row_max(const float *in, size_t cols) {
    v8f lane_max = (v8f){0} - INFINITY;
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
        v8f x;
        memcpy(&x, in + j, sizeof x);
        v8u bigger = (v8u)(x > lane_max);
        lane_max = (v8f)(((v8u)x & bigger) | ((v8u)lane_max & ~bigger));
    }
    float max = -INFINITY; /* the maximum is exact whatever the order */
    for (int lane = 0; lane < 8; lane++)
        if (lane_max[lane] > max) max = lane_max[lane];
    for (; j < cols; j++)
        if (in[j] > max) max = in[j];
    return max;
}

/* exp of each of count floats (x <= 0). */
static ALWAYS_INLINE void exp_body(float *out, const float *in, size_t count) {
    size_t j = 0;
    for (; j + 8 <= count; j += 8) {
        v8f e;
        memcpy(&e, in + j, sizeof e);
        exp_lanes(&e);
        memcpy(out + j, &e, sizeof e);
    }
    if (j < count) {
        float tail[8] = {0};
        memcpy(tail, in + j, (count - j) * sizeof *tail);
        v8f e;
        memcpy(&e, tail, sizeof e);
        exp_lanes(&e);
        memcpy(tail, &e, sizeof e);
        memcpy(out + j, tail, (count - j) * sizeof *tail);
    }
}

static ALWAYS_INLINE void softmax_long_rows(float *out, const float *in, size_t rows, size_t cols) {
    for (size_t row = 0; row < rows; row++, in += cols, out += cols) {
        float max = row_max(in, cols);
        if (max == -INFINITY) { /* every entry -inf (or no entry is a number) */
            for (size_t j = 0; j < cols; j++) out[j] = 0.0f;
            continue;
        }
        if (max == INFINITY) {
            softmax_row_with_inf(out, in, cols);
            continue;
        }

        /* out = exp(x - max), summed in 8 lanes: lane l adds the entries
         * j = l, l + 8, l + 16, ... in order. */
        v8f lane_sum = {0};
        size_t j = 0;
        for (; j + 8 <= cols; j += 8) {
            v8f e;
            memcpy(&e, in + j, sizeof e);
            e = e - max;
            exp_lanes(&e);
            memcpy(out + j, &e, sizeof e);
            lane_sum += e;
        }
        if (j < cols) { /* the last few, padded with -inf (weight 0) */
            /* element loops, not memcpy: a libc call per short row costs more
             * than the row */
            size_t left = cols - j;
            float tail[8];
            for (size_t lane = 0; lane < 8; lane++) tail[lane] = lane < left ? in[j + lane] : -INFINITY;
            v8f e;
            memcpy(&e, tail, sizeof e);
            e = e - max;
            exp_lanes(&e);
            memcpy(tail, &e, sizeof e);
            for (size_t lane = 0; lane < left; lane++) out[j + lane] = tail[lane];
            lane_sum += e;
        }
        float sum = ((lane_sum[0] + lane_sum[1]) + (lane_sum[2] + lane_sum[3])) +
                    ((lane_sum[4] + lane_sum[5]) + (lane_sum[6] + lane_sum[7]));

        /* sum >= 1: the maximum itself contributes exp(0) = 1. */
        for (j = 0; j < cols; j++) out[j] = out[j] / sum;
    }
}

/* Short rows (fewer than SHORT_COLS): per-row vector passes would be mostly
 * padded tails, so each run of ordinary rows gets x - max written out and
 * one exp over the whole run, then its sums, each row in order of j (as the
 * reference does). Rows with infinities are finished on their own. */
enum { SHORT_COLS = 16 };

static ALWAYS_INLINE void softmax_short_rows(float *out, const float *in, size_t rows,
                                             size_t cols) {
    size_t run = 0; /* first row of the pending run of ordinary rows */
    for (size_t row = 0; row <= rows; row++) {
        int special = 0;
        if (row < rows) {
            const float *x = in + row * cols;
            float *y = out + row * cols;
            float max = -INFINITY;
            for (size_t j = 0; j < cols; j++)
                if (x[j] > max) max = x[j];
            special = max == -INFINITY || max == INFINITY;
            if (!special) {
                for (size_t j = 0; j < cols; j++) y[j] = x[j] - max;
                continue;
            }
        }
        /* finish the run before this row (or the end) */
        float *block = out + run * cols;
        exp_body(block, block, (row - run) * cols);
        for (size_t r = run; r < row; r++) {
            float *y = out + r * cols;
            float sum = 0.0f;
            for (size_t j = 0; j < cols; j++) sum += y[j];
            for (size_t j = 0; j < cols; j++) y[j] = y[j] / sum; /* sum >= 1 */
        }
        run = row + 1;
        if (special) {
            const float *x = in + row * cols;
            float *y = out + row * cols;
            if (row_max(x, cols) == -INFINITY)
                for (size_t j = 0; j < cols; j++) y[j] = 0.0f;
            else
                softmax_row_with_inf(y, x, cols);
        }
    }
}

static ALWAYS_INLINE void softmax_body(float *out, const float *in, size_t rows, size_t cols) {
    if (cols < SHORT_COLS)
        softmax_short_rows(out, in, rows, cols);
    else
        softmax_long_rows(out, in, rows, cols);
}

/* ---- the two builds and the choice between them ---------------------------------- */

static void softmax_portable(float *out, const float *in, size_t rows, size_t cols) {
    softmax_body(out, in, rows, cols);
}

static void exp_portable(float *out, const float *in, size_t count) { exp_body(out, in, count); }

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_AVX2_PATH 1
/* "avx2" only, never "fma" (see the top of gemm.c). */
__attribute__((target("avx2"))) static void softmax_avx2(float *out, const float *in, size_t rows,
                                                         size_t cols) {
    softmax_body(out, in, rows, cols);
}

__attribute__((target("avx2"))) static void exp_avx2(float *out, const float *in, size_t count) {
    exp_body(out, in, count);
}
#else
#define HAVE_AVX2_PATH 0
#endif

/* exp: see fast.h. */

void attn_exp_fast(float *out, const float *in, size_t count) {
#if HAVE_AVX2_PATH
    if (attn_fast_use_avx2()) {
        exp_avx2(out, in, count);
        return;
    }
#endif
    exp_portable(out, in, count);
}

void attn_softmax_rows_fast(float *out, const float *in, size_t rows, size_t cols) {
    if (rows == 0 || cols == 0) return;
#if HAVE_AVX2_PATH
    if (attn_fast_use_avx2()) {
        softmax_avx2(out, in, rows, cols);
        return;
    }
#endif
    softmax_portable(out, in, rows, cols);
}
