/* Tests of the fast kernels (src/core/fast.h) against plain loops:
 * attn_gemm against a naive triple loop in double, for many shapes, strides
 * and edge cases; attn_softmax_rows_fast against a softmax in double,
 * including the special rows (-inf, +inf, huge values); our exp against
 * exp() in double. Also: results are bitwise reproducible, and the AVX2 and
 * plain x86-64 builds of each kernel give the same bits. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "attnviz/stages.h"
#include "fast.h"

/* ---- helpers --------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* Uniform in [lo, hi): xorshift64*, deterministic across runs. */
static float uniform(float lo, float hi) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t bits = (rng_state * 0x2545F4914F6CDD1Du) >> 40; /* 24 bits */
    return lo + (hi - lo) * ((float)bits / 16777216.0f);
}

static float *random_floats(size_t count) {
    float *p = malloc((count ? count : 1) * sizeof *p);
    for (size_t i = 0; i < count; i++) p[i] = uniform(-1.0f, 1.0f);
    return p;
}

static float *new_scratch(void) {
    size_t bytes = attn_gemm_scratch_floats() * sizeof(float);
    return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

static const float SENTINEL = 12345.0f; /* fills c outside the m x n view */

/* ---- attn_gemm --------------------------------------------------------------- */

/* want (m, n) = a · op(b) + bias, in double, by the definition; scale (m, n)
 * = |bias| + sum |a·op(b)|, the size of the terms (may be NULL). */
static void naive_gemm(double *want, double *scale, const float *a, size_t lda, const float *b,
                       size_t ldb, int b_trans, const float *bias, size_t m, size_t n, size_t k) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double sum = bias ? bias[j] : 0.0, size = fabs(sum);
            for (size_t p = 0; p < k; p++) {
                double term = (double)a[i * lda + p] * (b_trans ? b[j * ldb + p] : b[p * ldb + j]);
                sum += term;
                size += fabs(term);
            }
            want[i * n + j] = sum;
            if (scale) scale[i * n + j] = size;
        }
}

/* Float results may differ from the exact ones by a few roundings of the
 * partial sums, whose size is that of the terms, not of the result: with
 * random signs the result can cancel to near 0 while the rounding errors of
 * a sum of 512 terms of size ~1 stay near 1e-5. So the tolerance is relative
 * to the terms: |got - want| <= 1e-5 + 1e-5·(|bias| + sum |a·op(b)|). */
static int gemm_close(float got, double want, double scale) {
    return fabs(got - want) <= 1e-5 + 1e-5 * scale;
}

/* One product of an m x k view of a with a k x n view of op(b) into an m x n
 * view of c; each view has `pad` extra floats per row. Checks the values,
 * that nothing outside the view of c is written, and that a second call gives
 * the same bits. */
static void check_gemm_shape(size_t m, size_t n, size_t k, int b_trans, int with_bias, size_t pad,
                             float *scratch) {
    size_t lda = k + pad, ldc = n + pad;
    size_t ldb = (b_trans ? k : n) + pad;
    size_t b_rows = b_trans ? n : k;
    float *a = random_floats(m * lda);
    float *b = random_floats(b_rows * ldb);
    float *bias = with_bias ? random_floats(n) : NULL;
    float *c = malloc((m * ldc + 1) * sizeof *c);
    float *c_again = malloc((m * ldc + 1) * sizeof *c);
    double *want = malloc((m * n + 1) * sizeof *want);
    double *scale = malloc((m * n + 1) * sizeof *scale);
    for (size_t i = 0; i < m * ldc; i++) c[i] = c_again[i] = SENTINEL;

    attn_gemm(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch);
    naive_gemm(want, scale, a, lda, b, ldb, b_trans, bias, m, n, k);

    size_t wrong = 0, outside = 0;
    double worst = 0.0;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double got = c[i * ldc + j], w = want[i * n + j];
            double err = fabs(got - w), allowed = 1e-5 + 1e-5 * scale[i * n + j];
            if (!gemm_close(c[i * ldc + j], w, scale[i * n + j])) wrong++;
            if (err / allowed > worst) worst = err / allowed;
        }
        for (size_t j = n; j < ldc; j++) outside += c[i * ldc + j] != SENTINEL;
    }
    CHECKF(wrong == 0,
           "gemm %zux%zux%zu b_trans=%d bias=%d pad=%zu: %zu of %zu wrong (worst %.3g x tolerance)",
           m, n, k, b_trans, with_bias, pad, wrong, m * n, worst);
    CHECKF(outside == 0, "gemm %zux%zux%zu pad=%zu: wrote %zu floats outside the view of c", m, n,
           k, pad, outside);

    attn_gemm(c_again, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch);
    CHECKF(memcmp(c, c_again, m * ldc * sizeof *c) == 0, "gemm %zux%zux%zu not reproducible", m, n,
           k);

    free(a);
    free(b);
    free(bias);
    free(c);
    free(c_again);
    free(want);
    free(scale);
}

static void test_gemm_shapes(float *scratch) {
    static const size_t shapes[][3] = {
        {1, 1, 1},    {7, 5, 3},      {13, 17, 19}, {64, 64, 64},  {100, 33, 257}, {6, 16, 1},
        {5, 15, 2},   {1, 40, 9},     {40, 1, 9},   {12, 32, 256}, {18, 48, 513},  {145, 20, 31},
        {2, 3, 1000}, {200, 70, 300}, {12, 31, 7},  {6, 47, 3},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int b_trans = 0; b_trans <= 1; b_trans++)
            for (int with_bias = 0; with_bias <= 1; with_bias++)
                for (size_t pad = 0; pad <= 3; pad += 3)
                    check_gemm_shape(shapes[s][0], shapes[s][1], shapes[s][2], b_trans, with_bias,
                                     pad, scratch);

    /* Past every block size at once: m > MC, n > NC, k > KC. */
    check_gemm_shape(150, 2053, 260, 0, 1, 1, scratch);
    check_gemm_shape(150, 2053, 260, 1, 0, 0, scratch);
}

/* k = 0: c = bias, or zeros. m = 0 or n = 0: nothing written. */
static void test_gemm_empty(float *scratch) {
    float a[1] = {1.0f}, b[1] = {1.0f}, bias[3] = {1.5f, -2.0f, 0.25f};
    float c[2 * 4];
    for (int i = 0; i < 8; i++) c[i] = SENTINEL;
    attn_gemm(c, 4, a, 1, b, 3, 0, bias, 2, 3, 0, scratch);
    CHECK(c[0] == 1.5f && c[1] == -2.0f && c[2] == 0.25f && c[3] == SENTINEL);
    CHECK(c[4] == 1.5f && c[5] == -2.0f && c[6] == 0.25f && c[7] == SENTINEL);
    attn_gemm(c, 4, a, 1, b, 3, 1, NULL, 2, 3, 0, scratch);
    CHECK(c[0] == 0.0f && c[2] == 0.0f && c[4] == 0.0f && c[6] == 0.0f && c[7] == SENTINEL);

    for (int i = 0; i < 8; i++) c[i] = SENTINEL;
    attn_gemm(c, 4, a, 1, b, 1, 0, bias, 0, 3, 1, scratch);
    attn_gemm(c, 4, a, 1, b, 1, 0, bias, 2, 0, 1, scratch);
    int untouched = 1;
    for (int i = 0; i < 8; i++) untouched &= c[i] == SENTINEL;
    CHECK(untouched);
}

/* The products of one forward pass at n = 512, d_model = 512, 8 heads, on
 * column slabs of Q, K, V (lda = d_model, offset h·d_head), as attn_forward
 * calls them: scores_h = Q_h·K_hᵀ and out_h = weights_h·V_h. */
static void test_gemm_head_views(float *scratch) {
    enum { N = 512, D = 512, D_HEAD = 64 };
    float *q = random_floats((size_t)N * D), *k = random_floats((size_t)N * D);
    float *v = random_floats((size_t)N * D), *weights = random_floats((size_t)N * N);
    float *scores = malloc((size_t)N * N * sizeof *scores);
    float *out = malloc((size_t)N * D * sizeof *out);
    double *want = malloc((size_t)N * N * sizeof *want);
    double *scale = malloc((size_t)N * N * sizeof *scale);
    for (size_t i = 0; i < (size_t)N * D; i++) out[i] = SENTINEL;

    for (int h = 3; h <= 7; h += 4) { /* two heads: one inside, the last */
        size_t off = (size_t)h * D_HEAD;
        attn_gemm(scores, N, q + off, D, k + off, D, 1, NULL, N, N, D_HEAD, scratch);
        naive_gemm(want, scale, q + off, D, k + off, D, 1, NULL, N, N, D_HEAD);
        size_t wrong = 0;
        for (size_t i = 0; i < (size_t)N * N; i++)
            wrong += !gemm_close(scores[i], want[i], scale[i]);
        CHECKF(wrong == 0, "scores of head %d: %zu wrong", h, wrong);

        attn_gemm(out + off, D, weights, N, v + off, D, 0, NULL, N, D_HEAD, N, scratch);
        naive_gemm(want, scale, weights, N, v + off, D, 0, NULL, N, D_HEAD, N);
        wrong = 0;
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < D_HEAD; j++)
                wrong +=
                    !gemm_close(out[i * D + off + j], want[i * D_HEAD + j], scale[i * D_HEAD + j]);
        CHECKF(wrong == 0, "weighted sum of head %d: %zu wrong", h, wrong);
    }
    /* Only the slabs of heads 3 and 7 were written. */
    size_t outside = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < D; j++) {
            int head = (int)(j / D_HEAD);
            if (head != 3 && head != 7) outside += out[i * D + j] != SENTINEL;
        }
    CHECK(outside == 0);

    free(q);
    free(k);
    free(v);
    free(weights);
    free(scores);
    free(out);
    free(want);
    free(scale);
}

/* The AVX2 and the plain x86-64 builds give the same bits. */
static void test_gemm_paths_agree(float *scratch) {
    int have_avx2 = attn_fast_allow_avx2(1);
    if (!have_avx2) {
        printf("test_kernels: no AVX2 on this machine; gemm paths compared with themselves\n");
    }
    static const size_t shapes[][3] = {{13, 17, 19}, {9, 32, 32}, {9, 9, 8}, {100, 33, 257},
                                       {150, 70, 600}, {7, 2060, 5}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        for (int b_trans = 0; b_trans <= 1; b_trans++) {
            size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            float *a = random_floats(m * k), *b = random_floats(k * n), *bias = random_floats(n);
            float *c_avx2 = malloc(m * n * sizeof *c_avx2),
                  *c_sse2 = malloc(m * n * sizeof *c_sse2);
            attn_fast_allow_avx2(1);
            attn_gemm(c_avx2, n, a, k, b, b_trans ? k : n, b_trans, bias, m, n, k, scratch);
            attn_fast_allow_avx2(0);
            attn_gemm(c_sse2, n, a, k, b, b_trans ? k : n, b_trans, bias, m, n, k, scratch);
            attn_fast_allow_avx2(1);
            CHECKF(memcmp(c_avx2, c_sse2, m * n * sizeof *c_avx2) == 0,
                   "gemm %zux%zux%zu b_trans=%d: AVX2 and SSE2 builds differ", m, n, k, b_trans);
            free(a);
            free(b);
            free(bias);
            free(c_avx2);
            free(c_sse2);
        }
    }
}

/* A product of one row (the one-row path) is the same bits as row 0 of the
 * same product with more rows (the blocked path), on AVX2 and SSE2, with and
 * without bias, b transposed or not: the last position's logits equal that
 * row of all the logits. */
static void test_gemm_one_row(float *scratch) {
    /* n past a multiple of 32 and k past a multiple of 8 reach the one-row
     * path's last columns and last values of k. */
    static const size_t shapes[][2] = {{2060, 600}, {37, 1000}, {4096, 256}, {8, 5000},
                                       {1123, 777}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int b_trans = 0; b_trans <= 1; b_trans++)
            for (int with_bias = 0; with_bias <= 1; with_bias++)
                for (int avx2 = 1; avx2 >= 0; avx2--) {
                    size_t m = 3, n = shapes[s][0], k = shapes[s][1];
                    float *a = random_floats(m * k), *b = random_floats(k * n);
                    float *bias = with_bias ? random_floats(n) : NULL;
                    float *all = malloc(m * n * sizeof *all), *one = malloc(n * sizeof *one);
                    attn_fast_allow_avx2(avx2);
                    attn_gemm(all, n, a, k, b, b_trans ? k : n, b_trans, bias, m, n, k, scratch);
                    attn_gemm(one, n, a, k, b, b_trans ? k : n, b_trans, bias, 1, n, k, scratch);
                    attn_fast_allow_avx2(1);
                    CHECKF(memcmp(all, one, n * sizeof *one) == 0,
                           "one row of %zux%zu b_trans=%d bias=%d avx2=%d differs from row 0", n,
                           k, b_trans, with_bias, avx2);
                    free(a), free(b), free(bias), free(all), free(one);
                }
}

/* Few rows read b in place (gemm.c's DIRECT_ROWS, 24), more rows pack it
 * first: the same operations in the same order, so the first rows of a
 * product of 25 rows are the same bits as the product of those 24 alone,
 * over several blocks of k, on AVX2 and SSE2, with and without bias. */
static void test_gemm_direct(float *scratch) {
    static const size_t shapes[][2] = {{96, 600}, {2304, 300}, {48, 17}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int with_bias = 0; with_bias <= 1; with_bias++)
            for (int avx2 = 1; avx2 >= 0; avx2--) {
                size_t n = shapes[s][0], k = shapes[s][1], few = 24;
                float *a = random_floats((few + 1) * k), *b = random_floats(k * n);
                float *bias = with_bias ? random_floats(n) : NULL;
                float *packed = malloc((few + 1) * n * sizeof *packed);
                float *direct = malloc(few * n * sizeof *direct);
                attn_fast_allow_avx2(avx2);
                attn_gemm(packed, n, a, k, b, n, 0, bias, few + 1, n, k, scratch);
                attn_gemm(direct, n, a, k, b, n, 0, bias, few, n, k, scratch);
                attn_fast_allow_avx2(1);
                CHECKF(memcmp(packed, direct, few * n * sizeof *direct) == 0,
                       "%zu rows of %zux%zu bias=%d avx2=%d differ from the same rows of %zu", few,
                       n, k, with_bias, avx2, few + 1);
                free(a), free(b), free(bias), free(packed), free(direct);
            }
}

/* ---- exp ---------------------------------------------------------------------- */

static void test_exp(void) {
    /* Special values. */
    float in[] = {0.0f, -0.0f, -INFINITY, -87.34f, -88.0f, -1e30f, -FLT_MAX, -87.33f, -1.0f};
    float out[sizeof in / sizeof in[0]];
    attn_exp_fast(out, in, sizeof in / sizeof in[0]);
    CHECK(out[0] == 1.0f);
    CHECK(out[1] == 1.0f);
    CHECK(out[2] == 0.0f && !signbit(out[2]));
    CHECK(out[3] == 0.0f);
    CHECK(out[4] == 0.0f);
    CHECK(out[5] == 0.0f);
    CHECK(out[6] == 0.0f);
    CHECK(out[7] >= FLT_MIN); /* still a normal float */
    CHECK(check_close(out[8], (float)exp(-1.0), 0.0f, 2e-7f));

    /* A sweep over the bit patterns of [-87.3, 0]: every 61st float, so a
     * sample of every binade. Relative error < 2e-7 (measured over every
     * float: < 8.3e-8). */
    enum { CHUNK = 4096 };
    static float x[CHUNK], e[CHUNK];
    uint32_t first, last;
    float lo = -87.3f;
    memcpy(&last, &lo, sizeof last);
    first = 0x80000000u; /* -0.0f */
    double worst = 0.0;
    float worst_x = 0.0f;
    size_t count = 0, nonpositive_out = 0;
    for (uint64_t bits = first; bits <= last;) {
        size_t n = 0;
        for (; n < CHUNK && bits <= last; n++, bits += 61) {
            uint32_t u = (uint32_t)bits;
            memcpy(&x[n], &u, sizeof u);
        }
        attn_exp_fast(e, x, n);
        for (size_t i = 0; i < n; i++) {
            double want = exp((double)x[i]);
            double err = fabs(e[i] - want) / want;
            if (err > worst) {
                worst = err;
                worst_x = x[i];
            }
            nonpositive_out += !(e[i] > 0.0f);
        }
        count += n;
    }
    CHECKF(worst < 2e-7, "exp: relative error %.3g at x = %.9g", worst, worst_x);
    CHECKF(nonpositive_out == 0, "exp: %zu results <= 0 in [-87.3, 0]", nonpositive_out);
    CHECK(count > 10000000);

    /* The AVX2 and SSE2 builds agree, tails included. */
    float xs[1003], e_avx2[1003], e_sse2[1003];
    for (size_t i = 0; i < 1003; i++) xs[i] = uniform(-100.0f, 0.0f);
    xs[5] = -INFINITY;
    attn_fast_allow_avx2(1);
    attn_exp_fast(e_avx2, xs, 1003);
    attn_fast_allow_avx2(0);
    attn_exp_fast(e_sse2, xs, 1003);
    attn_fast_allow_avx2(1);
    CHECK(memcmp(e_avx2, e_sse2, sizeof e_avx2) == 0);
}

/* ---- softmax ------------------------------------------------------------------ */

/* The softmax of one row in double, by the same contract. */
static void softmax_double(double *want, const float *in, size_t cols) {
    double max = -INFINITY;
    size_t inf_count = 0;
    for (size_t j = 0; j < cols; j++) {
        if (in[j] > max) max = in[j];
        inf_count += in[j] == INFINITY;
    }
    if (inf_count) {
        for (size_t j = 0; j < cols; j++) want[j] = in[j] == INFINITY ? 1.0 / inf_count : 0.0;
        return;
    }
    if (max == -INFINITY) {
        for (size_t j = 0; j < cols; j++) want[j] = 0.0;
        return;
    }
    double sum = 0.0;
    for (size_t j = 0; j < cols; j++) sum += want[j] = exp((double)in[j] - max);
    for (size_t j = 0; j < cols; j++) want[j] /= sum;
}

/* Softmax of rows x cols (given) against the double reference; also: no NaN,
 * rows sum to 1 (unless all -inf, then 0), in place gives the same bits. */
static void check_softmax(const char *what, const float *in, size_t rows, size_t cols) {
    float *out = malloc(rows * cols * sizeof *out);
    float *in_place = malloc(rows * cols * sizeof *in_place);
    double *want = malloc(cols * sizeof *want);
    attn_softmax_rows_fast(out, in, rows, cols);
    memcpy(in_place, in, rows * cols * sizeof *in);
    attn_softmax_rows_fast(in_place, in_place, rows, cols);

    size_t wrong = 0, nans = 0, bad_sums = 0;
    double worst = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *row = out + r * cols;
        softmax_double(want, in + r * cols, cols);
        double sum = 0.0, want_sum = 0.0;
        for (size_t j = 0; j < cols; j++) {
            nans += isnan(row[j]);
            double err = fabs(row[j] - want[j]);
            if (!(err <= 1e-7 + 1e-6 * want[j])) wrong++;
            if (err > worst) worst = err;
            sum += row[j];
            want_sum += want[j];
        }
        bad_sums += !(fabs(sum - want_sum) <= 1e-6);
    }
    CHECKF(wrong == 0, "softmax %s (%zux%zu): %zu wrong, worst error %.3g", what, rows, cols, wrong,
           worst);
    CHECKF(nans == 0, "softmax %s: %zu NaN", what, nans);
    CHECKF(bad_sums == 0, "softmax %s: %zu rows do not sum to 1", what, bad_sums);
    CHECKF(memcmp(out, in_place, rows * cols * sizeof *out) == 0, "softmax %s: in place differs",
           what);
    free(out);
    free(in_place);
    free(want);
}

static void test_softmax_random(void) {
    static const size_t widths[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 512, 2048};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t cols = widths[w], rows = 5;
        float *in = malloc(rows * cols * sizeof *in);
        for (size_t i = 0; i < rows * cols; i++) in[i] = uniform(-10.0f, 10.0f);
        check_softmax("random", in, rows, cols);
        for (size_t i = 0; i < rows * cols; i++) in[i] = uniform(-100.0f, 100.0f);
        check_softmax("wide range", in, rows, cols);
        free(in);
    }
}

static void test_softmax_special_rows(void) {
    const float inf = INFINITY;
    {
        float in[] = {1e30f, -1e30f, 1e30f, 0.0f, -1e30f, 1e30f, 5.0f, -5.0f, 1e30f, 3.0f};
        check_softmax("+-1e30", in, 1, 10);
        float out[10];
        attn_softmax_rows_fast(out, in, 1, 10);
        CHECK(out[0] == 0.25f && out[1] == 0.0f && out[3] == 0.0f && out[8] == 0.25f);
    }
    {
        float in[] = {FLT_MAX, -FLT_MAX, 0.0f}; /* x - max overflows to -inf */
        check_softmax("+-FLT_MAX", in, 1, 3);
        float out[3];
        attn_softmax_rows_fast(out, in, 1, 3);
        CHECK(out[0] == 1.0f && out[1] == 0.0f && out[2] == 0.0f);
    }
    {
        float in[3 * 11];
        for (size_t i = 0; i < 33; i++) in[i] = i < 11 ? 3.7f : i < 22 ? -1e20f : 0.0f;
        check_softmax("equal values", in, 3, 11);
        float out[33];
        attn_softmax_rows_fast(out, in, 3, 11);
        CHECK(check_close(out[0], 1.0f / 11.0f, 0.0f, 1e-6f) && out[0] == out[10]);
        CHECK(out[0] == out[11] && out[0] == out[32]);
    }
    {
        float in[] = {0.5f, -1e30f, inf, -inf, 88.0f, -88.0f};
        float out[6];
        attn_softmax_rows_fast(out, in, 6, 1); /* one column */
        CHECK(out[0] == 1.0f && out[1] == 1.0f && out[2] == 1.0f && out[3] == 0.0f);
        CHECK(out[4] == 1.0f && out[5] == 1.0f);
        check_softmax("one column", in, 6, 1);
    }
    {
        /* -inf entries (a causal mask): weight 0, the rest as without them. */
        float in[2 * 12], out[2 * 12];
        for (size_t i = 0; i < 24; i++) in[i] = uniform(-3.0f, 3.0f);
        for (size_t j = 5; j < 12; j++) in[j] = -inf;
        in[12] = -inf;
        in[20] = -inf;
        check_softmax("-inf entries", in, 2, 12);
        attn_softmax_rows_fast(out, in, 2, 12);
        int zeros = 1;
        for (size_t j = 5; j < 12; j++) zeros &= out[j] == 0.0f;
        CHECK(zeros && out[12] == 0.0f && out[20] == 0.0f);
    }
    {
        float in[2 * 19], out[2 * 19];
        for (size_t i = 0; i < 38; i++) in[i] = -inf;
        attn_softmax_rows_fast(out, in, 2, 19);
        int zeros = 1;
        for (size_t i = 0; i < 38; i++) zeros &= out[i] == 0.0f && !signbit(out[i]);
        CHECK(zeros);
        check_softmax("all -inf", in, 2, 19);
    }
    {
        float in[] = {inf, 1.0f, inf, -inf, 1e30f, inf, 0.0f, 2.0f, 3.0f, 4.0f};
        float out[10];
        attn_softmax_rows_fast(out, in, 1, 10);
        CHECK(check_close(out[0], 1.0f / 3.0f, 0.0f, 1e-7f) && out[0] == out[2] &&
              out[0] == out[5]);
        CHECK(out[1] == 0.0f && out[3] == 0.0f && out[4] == 0.0f && out[9] == 0.0f);
        check_softmax("+inf entries", in, 1, 10);
    }
    {
        /* Values so far below the maximum that their exp underflows. */
        float in[] = {0.0f, -87.0f, -87.5f, -100.0f, -1e6f, -20.0f, -87.3f, -86.0f, -88.0f};
        check_softmax("underflow", in, 1, 9);
    }
    {
        /* Short rows (one exp over a run of rows): ordinary rows around an
         * all -inf row, a row with +inf and a causal-looking row. */
        float in[5 * 9], out[5 * 9];
        for (size_t i = 0; i < 45; i++) in[i] = uniform(-5.0f, 5.0f);
        for (size_t j = 0; j < 9; j++) in[9 + j] = -inf;
        in[3 * 9 + 4] = inf;
        for (size_t j = 3; j < 9; j++) in[4 * 9 + j] = -inf;
        check_softmax("short rows, mixed", in, 5, 9);
        attn_softmax_rows_fast(out, in, 5, 9);
        int masked_zero = 1;
        for (size_t j = 0; j < 9; j++) masked_zero &= out[9 + j] == 0.0f;
        CHECK(masked_zero && out[3 * 9 + 4] == 1.0f && out[3 * 9] == 0.0f && out[4 * 9 + 5] == 0.0f);
    }
    CHECK(1); /* rows = 0 or cols = 0: nothing to do, nothing read */
    attn_softmax_rows_fast(NULL, NULL, 0, 5);
    attn_softmax_rows_fast(NULL, NULL, 3, 0);
}

/* Small products (the built-in example's sizes) sum in the order of the
 * plain loops, so they equal them bit for bit. */
static void test_gemm_small_is_reference(float *scratch) {
    enum { N = 9, D = 32, DH = 8 };
    static float x[N * D], w[D * D], bias[D], fast[N * D], ref[N * D];
    for (size_t i = 0; i < N * D; i++) x[i] = uniform(-1.0f, 1.0f);
    for (size_t i = 0; i < D * D; i++) w[i] = uniform(-0.3f, 0.3f);
    for (size_t i = 0; i < D; i++) bias[i] = uniform(-0.2f, 0.2f);
    attn_gemm(fast, D, x, D, w, D, 0, bias, N, D, D, scratch);
    attn_matmul(ref, x, w, bias, N, D, D);
    CHECK(memcmp(fast, ref, sizeof fast) == 0);
    /* scores of head 1: q and k are column slabs of x, k transposed */
    attn_gemm(fast, N, x + DH, D, x + 2 * DH, D, 1, NULL, N, N, DH, scratch);
    attn_scores(ref, x + DH, D, x + 2 * DH, D, N, N, DH);
    CHECK(memcmp(fast, ref, N * N * sizeof *fast) == 0);
    /* 12 columns: the four-row tiles with a partial last strip */
    attn_gemm(fast, 12, x, D, w, D, 0, bias, N, 12, D, scratch);
    float w12[D * 12];
    for (size_t p = 0; p < D; p++)
        for (size_t j = 0; j < 12; j++) w12[p * 12 + j] = w[p * D + j];
    attn_matmul(ref, x, w12, bias, N, D, 12);
    CHECK(memcmp(fast, ref, N * 12 * sizeof *fast) == 0);
}

/* The AVX2 and SSE2 builds give the same bits. */
static void test_softmax_paths_agree(void) {
    enum { ROWS = 7, COLS = 203 };
    static float in[ROWS * COLS], out_avx2[ROWS * COLS], out_sse2[ROWS * COLS];
    for (size_t i = 0; i < ROWS * COLS; i++) in[i] = uniform(-30.0f, 30.0f);
    in[3] = -INFINITY;
    in[COLS + 7] = INFINITY;
    attn_fast_allow_avx2(1);
    attn_softmax_rows_fast(out_avx2, in, ROWS, COLS);
    attn_fast_allow_avx2(0);
    attn_softmax_rows_fast(out_sse2, in, ROWS, COLS);
    attn_fast_allow_avx2(1);
    CHECK(memcmp(out_avx2, out_sse2, sizeof out_avx2) == 0);

    float again[ROWS * COLS];
    attn_softmax_rows_fast(again, in, ROWS, COLS);
    CHECK(memcmp(out_avx2, again, sizeof again) == 0);
    /* short rows take the other path */
    attn_fast_allow_avx2(1);
    attn_softmax_rows_fast(out_avx2, in, ROWS * 29, 7);
    attn_fast_allow_avx2(0);
    attn_softmax_rows_fast(out_sse2, in, ROWS * 29, 7);
    attn_fast_allow_avx2(1);
    CHECK(memcmp(out_avx2, out_sse2, sizeof out_avx2) == 0);
}

int main(void) {
    float *scratch = new_scratch();
    test_gemm_shapes(scratch);
    test_gemm_empty(scratch);
    test_gemm_head_views(scratch);
    test_gemm_paths_agree(scratch);
    test_gemm_small_is_reference(scratch);
    test_gemm_one_row(scratch);
    test_gemm_direct(scratch);
    free(scratch);

    test_exp();
    test_softmax_random();
    test_softmax_special_rows();
    test_softmax_paths_agree();
    return check_done("test_kernels");
}
