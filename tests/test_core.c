/* Unit tests of the core that need no fixture: settings checks, softmax
 * stability, masks, grouped-query reading, determinism, trace limits, and
 * the embedding recipe. */
#include <stdlib.h>
#include <string.h>

#include "attnviz/attn.h"
#include "attnviz/checked.h"
#include "attnviz/embed.h"
#include "attnviz/rng.h"
#include "attnviz/stages.h"
#include "attnviz/suggest.h"
#include "attnviz/tokenize.h"
#include "check.h"

static attn_config config(size_t d, size_t h, size_t g) {
    attn_config c = attn_config_default();
    c.d_model = d, c.n_heads = h, c.n_kv_heads = g;
    return c;
}

static void test_config_check(void) {
    char err[256];
    attn_config c = attn_config_default();
    CHECK(attn_config_check(&c, NULL, err, sizeof err) == ATTN_OK);
    CHECK(c.d_model == 32 && c.n_heads == 4 && c.n_kv_heads == 4 && c.scale && !c.causal);

    /* Each failure names the setting to change (for the front ends) and
     * starts its message with that setting's plain name, never a flag. */
    attn_setting bad = ATTN_SETTING_NONE;
    c = config(32, 3, 3);
    CHECK(attn_config_check(&c, &bad, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "heads 3 does not divide d_model 32");
    CHECK(bad == ATTN_SETTING_HEADS && strncmp(err, "heads ", 6) == 0);
    c = config(32, 0, 0);
    CHECK(attn_config_check(&c, &bad, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "heads 0 is out of range");
    CHECK(bad == ATTN_SETTING_HEADS);
    c = config(32, 8, 3);
    CHECK(attn_config_check(&c, &bad, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "kv_heads 3 does not divide heads 8");
    CHECK(bad == ATTN_SETTING_KV_HEADS && strncmp(err, "kv_heads ", 9) == 0);
    c = config(32, 4, 8);
    CHECK(attn_config_check(&c, &bad, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "kv_heads 8 is out of range");
    CHECK(bad == ATTN_SETTING_KV_HEADS);
    c = config(0, 1, 1);
    CHECK(attn_config_check(&c, &bad, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "d_model 0 is out of range");
    CHECK(bad == ATTN_SETTING_D_MODEL && strcmp(attn_setting_name(bad), "d_model") == 0);
    c = config(100000, 4, 4);
    CHECK(attn_config_check(&c, NULL, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK(strstr(err, "--") == NULL);
    float bad_t[] = {0.0f, -1.0f, NAN, INFINITY, 0.001f, 1000.0f};
    for (size_t i = 0; i < sizeof bad_t / sizeof *bad_t; i++) {
        c = attn_config_default();
        c.temperature = bad_t[i];
        CHECK(attn_config_check(&c, &bad, err, sizeof err) == ATTN_ERR_CONFIG);
        CHECK(bad == ATTN_SETTING_TEMPERATURE && strncmp(err, "temperature ", 12) == 0);
    }
    CHECK(attn_config_check(&(attn_config){32, 4, 4, false, true, 1.0f}, &bad, err, sizeof err) ==
              ATTN_OK &&
          bad == ATTN_SETTING_NONE);
    CHECK(strcmp(attn_setting_name(ATTN_SETTING_NONE), "") == 0 &&
          strcmp(attn_setting_name(ATTN_SETTING_COUNT), "") == 0);
    c = attn_config_default();
    CHECK(attn_config_check(&c, NULL, NULL, 0) == ATTN_OK); /* err may be NULL */
    c = config(32, 3, 3);
    CHECK(attn_config_check(&c, NULL, NULL, 0) == ATTN_ERR_CONFIG);

    c = config(64, 8, 2);
    CHECK(attn_d_head(&c) == 8 && attn_d_kv(&c) == 16);
    CHECK(attn_kv_group(&c, 0) == 0 && attn_kv_group(&c, 3) == 0 && attn_kv_group(&c, 4) == 1 &&
          attn_kv_group(&c, 7) == 1);
    c = config(64, 8, 1); /* multi-query: every head reads group 0 */
    for (size_t h = 0; h < 8; h++) CHECK(attn_kv_group(&c, h) == 0);
}

static int row_ok(const float *y, size_t cols) {
    double sum = 0;
    for (size_t j = 0; j < cols; j++) {
        if (!isfinite(y[j]) || y[j] < 0 || y[j] > 1) return 0;
        sum += y[j];
    }
    return fabs(sum - 1.0) < 1e-6;
}

static void test_softmax_stable(void) {
    float y[4];
    float huge[] = {1e30f, -1e30f, 0.0f, 1e30f};
    attn_softmax_rows(y, huge, 1, 4);
    CHECK(row_ok(y, 4) && y[0] == 0.5f && y[3] == 0.5f && y[1] == 0.0f);
    float neg[] = {-1e30f, -1e30f, -1e30f, -1e30f};
    attn_softmax_rows(y, neg, 1, 4);
    CHECK(row_ok(y, 4) && y[0] == 0.25f);
    float equal[] = {3.0f, 3.0f, 3.0f, 3.0f};
    attn_softmax_rows(y, equal, 1, 4);
    CHECK(row_ok(y, 4) && y[2] == 0.25f);
    float one[] = {-7.5f};
    attn_softmax_rows(y, one, 1, 1);
    CHECK(y[0] == 1.0f);
    float max_float[] = {3.4e38f, -3.4e38f, 0.0f, 3.4e38f};
    attn_softmax_rows(y, max_float, 1, 4);
    CHECK(row_ok(y, 4));
    float masked[] = {1.0f, -INFINITY, 2.0f, -INFINITY};
    attn_softmax_rows(y, masked, 1, 4);
    CHECK(row_ok(y, 4) && y[1] == 0.0f && y[3] == 0.0f && y[2] > y[0]);
    float all_masked[] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    attn_softmax_rows(y, all_masked, 1, 4);
    CHECK(y[0] == 0.0f && y[1] == 0.0f && y[2] == 0.0f && y[3] == 0.0f);
    float plus_inf[] = {INFINITY, 1.0f, INFINITY, -INFINITY};
    attn_softmax_rows(y, plus_inf, 1, 4);
    CHECK(y[0] == 0.5f && y[2] == 0.5f && y[1] == 0.0f && y[3] == 0.0f);
    /* exp(1) / (exp(0) + exp(1)), the textbook value */
    float two[] = {0.0f, 1.0f};
    attn_softmax_rows(y, two, 1, 2);
    CHECK(check_close(y[1], 0.7310585786f, 1e-7f, 1e-6f));
}

static void test_mask(void) {
    float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, out[9];
    attn_mask(out, in, 1, 3, 3);
    CHECK(out[0] == 1 && isinf(out[1]) && out[1] < 0 && isinf(out[2]) && out[3] == 4 &&
          out[4] == 5 && isinf(out[5]) && out[8] == 9);
    attn_mask(out, in, 0, 3, 3);
    CHECK(memcmp(out, in, sizeof in) == 0);
}

/* A full forward call on random inputs: no NaN, rows sum to 1, causal rows
 * put zero weight on the future, and grouped-query heads of one group share
 * K and V. Both paths agree closely and the fast path is deterministic. */
static void test_forward_properties(void) {
    char err[256];
    attn_config c = config(64, 8, 2);
    c.causal = true;
    size_t n = 37;
    attn_trace t, t2;
    attn_weights w;
    CHECK(attn_trace_init(&t, n, 64, 8, err, sizeof err) == ATTN_OK);
    CHECK(attn_trace_init(&t2, n, 64, 8, err, sizeof err) == ATTN_OK);
    CHECK(attn_weights_init(&w, &c, err, sizeof err) == ATTN_OK);
    attn_weights_xavier(&w, 123);
    attn_rng r = attn_rng_stream(5, 77);
    float *x = malloc(n * 64 * sizeof *x);
    for (size_t i = 0; i < n * 64; i++) x[i] = attn_rng_symmetric(&r, 2.0f);

    CHECK(attn_forward(&t, &c, &w, x, n, err, sizeof err) == ATTN_OK);
    int rows_ok = 1, future_zero = 1, finite = 1;
    for (size_t h = 0; h < 8; h++)
        for (size_t i = 0; i < n; i++) {
            const float *row = t.weights + (h * n + i) * n;
            rows_ok &= row_ok(row, n);
            for (size_t j = i + 1; j < n; j++) future_zero &= row[j] == 0.0f;
        }
    for (size_t i = 0; i < n * 64; i++) finite &= isfinite(t.output[i]) && isfinite(t.concat[i]);
    CHECK(rows_ok);
    CHECK(future_zero);
    CHECK(finite);
    CHECK(t.n == n && t.config.n_kv_heads == 2);

    /* fast and reference agree; fast is bit-for-bit repeatable */
    CHECK(attn_forward_reference(&t2, &c, &w, x, n, err, sizeof err) == ATTN_OK);
    int agree = 1;
    for (size_t i = 0; i < n * 64; i++) agree &= check_close(t.output[i], t2.output[i], 1e-5f, 1e-5f);
    CHECK(agree);
    float *first = malloc(n * 64 * sizeof *first);
    memcpy(first, t.output, n * 64 * sizeof *first);
    CHECK(attn_forward(&t, &c, &w, x, n, err, sizeof err) == ATTN_OK);
    CHECK(memcmp(first, t.output, n * 64 * sizeof *first) == 0);

    /* x may be the trace's own buffer */
    memcpy(t.x, x, n * 64 * sizeof *x);
    CHECK(attn_forward(&t, &c, &w, t.x, n, err, sizeof err) == ATTN_OK);
    CHECK(memcmp(first, t.output, n * 64 * sizeof *first) == 0);

    /* a smaller n reuses the same trace */
    CHECK(attn_forward(&t, &c, &w, x, 5, err, sizeof err) == ATTN_OK);
    CHECK(t.n == 5 && row_ok(t.weights + 4 * 5, 5));

    /* sizes that do not fit are refused, not written past the block */
    CHECK(attn_forward(&t, &c, &w, x, n + 1, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "do not fit");
    attn_config other = config(32, 4, 4);
    CHECK(attn_forward(&t, &other, &w, x, n, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "weights were made for");
    attn_config bad = config(64, 3, 3);
    CHECK(attn_forward(&t, &bad, &w, x, n, err, sizeof err) == ATTN_ERR_CONFIG);

    free(first);
    free(x);
    attn_weights_free(&w);
    attn_trace_free(&t);
    attn_trace_free(&t2);
    attn_trace_free(NULL);
    attn_weights_free(NULL);
}

/* Scaling off and temperature divide the scores exactly as documented. */
static void test_scaled(void) {
    char err[256];
    attn_config c = config(16, 2, 2);
    attn_trace t;
    attn_weights w;
    attn_trace_init(&t, 4, 16, 2, err, sizeof err);
    attn_weights_init(&w, &c, err, sizeof err);
    attn_weights_xavier(&w, 1);
    attn_rng r = attn_rng_stream(1, 2);
    for (size_t i = 0; i < 4 * 16; i++) t.x[i] = attn_rng_symmetric(&r, 1.0f);
    float temps[] = {1.0f, 0.5f, 2.0f};
    for (int scale = 0; scale <= 1; scale++)
        for (size_t k = 0; k < 3; k++) {
            c.scale = scale;
            c.temperature = temps[k];
            CHECK(attn_forward(&t, &c, &w, t.x, 4, err, sizeof err) == ATTN_OK);
            float divisor = (scale ? sqrtf(8.0f) : 1.0f) * temps[k];
            int ok = 1;
            for (size_t i = 0; i < 2 * 16; i++) ok &= t.scaled[i] == t.scores[i] / divisor;
            CHECKF(ok, "scale %d temperature %g", scale, (double)temps[k]);
        }
    attn_weights_free(&w);
    attn_trace_free(&t);
}

/* Two threads give the same bits as one, in every stage (large enough that
 * both the products and the heads are split; grouped-query, causal). */
static void test_threads_same_bits(void) {
    char err[256];
    attn_config c = config(256, 8, 2);
    c.causal = true;
    size_t n = 200;
    attn_trace one, two;
    attn_weights w;
    CHECK(attn_trace_init(&one, n, 256, 8, err, sizeof err) == ATTN_OK);
    CHECK(attn_trace_init(&two, n, 256, 8, err, sizeof err) == ATTN_OK);
    CHECK(one.threads == 1);
    two.threads = 2;
    CHECK(attn_weights_init(&w, &c, err, sizeof err) == ATTN_OK);
    attn_weights_xavier(&w, 9);
    attn_rng r = attn_rng_stream(3, 4);
    for (size_t i = 0; i < n * 256; i++) one.x[i] = attn_rng_symmetric(&r, 1.5f);
    CHECK(attn_forward(&one, &c, &w, one.x, n, err, sizeof err) == ATTN_OK);
    CHECK(attn_forward(&two, &c, &w, one.x, n, err, sizeof err) == ATTN_OK);
    size_t rows = n * 256 * sizeof(float), heads = 8 * n * n * sizeof(float);
    CHECK(memcmp(one.q, two.q, rows) == 0);
    CHECK(memcmp(one.k, two.k, n * 64 * sizeof(float)) == 0);
    CHECK(memcmp(one.v, two.v, n * 64 * sizeof(float)) == 0);
    CHECK(memcmp(one.scores, two.scores, heads) == 0);
    CHECK(memcmp(one.masked, two.masked, heads) == 0);
    CHECK(memcmp(one.weights, two.weights, heads) == 0);
    CHECK(memcmp(one.head_out, two.head_out, rows) == 0);
    CHECK(memcmp(one.output, two.output, rows) == 0);
    attn_weights_free(&w);
    attn_trace_free(&one);
    attn_trace_free(&two);
}

/* Stages 4-10 from the trace's Q, K, V equal a whole forward pass, for
 * changes of causal, temperature, scaling and heads at the same d_kv. */
static void test_forward_heads(void) {
    char err[256];
    attn_config c = config(64, 8, 8);
    size_t n = 70;
    attn_trace t, full;
    attn_weights w;
    CHECK(attn_trace_init(&t, n, 64, 16, err, sizeof err) == ATTN_OK);
    CHECK(attn_trace_init(&full, n, 64, 16, err, sizeof err) == ATTN_OK);
    t.threads = 2;
    CHECK(attn_weights_init(&w, &c, err, sizeof err) == ATTN_OK);
    attn_weights_xavier(&w, 5);
    attn_rng r = attn_rng_stream(8, 8);
    float *x = malloc(n * 64 * sizeof *x);
    for (size_t i = 0; i < n * 64; i++) x[i] = attn_rng_symmetric(&r, 1.0f);
    CHECK(attn_forward(&t, &c, &w, x, n, err, sizeof err) == ATTN_OK);

    attn_config changes[4] = {c, c, c, config(64, 16, 16)};
    changes[0].causal = true;
    changes[1].temperature = 0.5f;
    changes[2].scale = false;
    for (size_t k = 0; k < 4; k++) {
        attn_weights_free(&w); /* weights keep their values when d_kv is kept */
        CHECK(attn_weights_init(&w, &changes[k], err, sizeof err) == ATTN_OK);
        attn_weights_xavier(&w, 5);
        CHECK(attn_forward_heads(&t, &changes[k], &w, err, sizeof err) == ATTN_OK);
        CHECK(attn_forward(&full, &changes[k], &w, x, n, err, sizeof err) == ATTN_OK);
        size_t hnn = changes[k].n_heads * n * n * sizeof(float);
        CHECKF(memcmp(t.weights, full.weights, hnn) == 0, "change %zu: weights", k);
        CHECKF(memcmp(t.masked, full.masked, hnn) == 0, "change %zu: masked", k);
        CHECKF(memcmp(t.output, full.output, n * 64 * sizeof(float)) == 0, "change %zu: output", k);
        CHECK(t.config.n_heads == changes[k].n_heads && t.config.causal == changes[k].causal);
    }
    attn_config wider = config(64, 8, 2); /* d_kv 16, not 64: Q, K, V would be wrong */
    attn_weights w2;
    CHECK(attn_weights_init(&w2, &wider, err, sizeof err) == ATTN_OK);
    CHECK(attn_forward_heads(&t, &wider, &w2, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "run the whole forward pass");
    attn_weights_free(&w2);
    free(x);
    attn_weights_free(&w);
    attn_trace_free(&t);
    attn_trace_free(&full);
}

static void test_suggest(void) {
    const char *names[] = {"heads", "d_model", "kv_heads", "on", "n"};
    CHECK(attn_suggest("haeds", 5, names, 5) == names[0]);   /* two edits */
    CHECK(attn_suggest("d-model", 7, names, 5) == names[1]); /* one edit */
    CHECK(attn_suggest("kv_head", 7, names, 5) == names[2]);
    CHECK(attn_suggest("dog", 3, names, 5) == NULL);         /* two edits, but from "on" */
    CHECK(attn_suggest("xy", 2, names, 5) == NULL);
    /* one edit from both "on" and "n": the first of the closest wins */
    CHECK(attn_suggest("nn", 2, names, 5) == names[3]);
    CHECK(attn_suggest("frobnicate", 10, names, 5) == NULL);
    char longword[40];
    memset(longword, 'h', sizeof longword);
    CHECK(attn_suggest(longword, sizeof longword, names, 5) == NULL); /* past 32 bytes */
    CHECK(attn_suggest("heads", 5, names, 0) == NULL);
}

/* The checked helpers at the edges of size_t: the values are written from
 * SIZE_MAX, so the test means the same in 32 bits (the browser) as in 64. */
static void test_checked_sizes(void) {
    size_t r = 7;
    CHECK(attn_size_add(&r, SIZE_MAX - 1, 1) && r == SIZE_MAX);
    CHECK(!attn_size_add(&r, SIZE_MAX, 1) && r == SIZE_MAX);
    CHECK(!attn_size_add(&r, SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1) && r == SIZE_MAX);
    CHECK(attn_size_add(&r, 0, 0) && r == 0);

    size_t half = (size_t)1 << (sizeof(size_t) * 4); /* 2^16 or 2^32 */
    CHECK(attn_size_mul(&r, half - 1, half + 1) && r == SIZE_MAX); /* (2^k - 1)(2^k + 1) */
    CHECK(!attn_size_mul(&r, half, half) && r == SIZE_MAX);        /* SIZE_MAX + 1 */
    CHECK(attn_size_mul(&r, SIZE_MAX, 1) && r == SIZE_MAX);
    CHECK(!attn_size_mul(&r, SIZE_MAX, 2));
    CHECK(attn_size_mul(&r, SIZE_MAX / 2, 2) && r == SIZE_MAX - 1);
    CHECK(attn_size_mul(&r, 0, SIZE_MAX) && r == 0);
    CHECK(attn_size_mul(&r, SIZE_MAX, 0) && r == 0);

    CHECK(attn_size_mul3(&r, half - 1, 1, half + 1) && r == SIZE_MAX);
    CHECK(!attn_size_mul3(&r, half, 2, half / 2) && r == SIZE_MAX);
    CHECK(!attn_size_mul3(&r, SIZE_MAX, SIZE_MAX, 2) && r == SIZE_MAX); /* the first product */
    CHECK(attn_size_mul3(&r, SIZE_MAX, SIZE_MAX, 0) && r == 0);        /* zero wins */
    /* In 32 bits, 16 heads × 65536 × 65536 is 2^36: it must not come out as 0. */
    bool fits = attn_size_mul3(&r, 16, 65536, 65536);
    CHECK(sizeof(size_t) < 8 ? !fits && r == SIZE_MAX : fits && r == (size_t)1 << 36);

    r = SIZE_MAX - 10;
    CHECK(attn_size_add_mul(&r, 5, 2) && r == SIZE_MAX);
    r = SIZE_MAX - 10;
    CHECK(!attn_size_add_mul(&r, 11, 1) && r == SIZE_MAX);
    r = 0;
    CHECK(!attn_size_add_mul(&r, half, half) && r == SIZE_MAX);
    CHECK(ATTN_SIZE_BITS == (int)(sizeof(size_t) * 8));
}

static void test_trace_limits(void) {
    char err[256];
    attn_trace t;
    CHECK(attn_trace_init(&t, 65536, 512, 16, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "GiB");
    CHECK(attn_trace_init(&t, 0, 32, 4, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK(attn_trace_bytes(9, 32, 4) < attn_trace_bytes(10, 32, 4));

    /* The limit means something in 32 bits too: (size_t)4 << 30 is 0 there. */
    CHECK(ATTN_TRACE_BYTES_MAX > 0);
    CHECK(ATTN_TRACE_BYTES_MAX <= SIZE_MAX / 2 || sizeof(size_t) == 8);
    CHECK((uint64_t)ATTN_TRACE_BYTES_MAX <= (uint64_t)4 << 30);
    /* The built-in example's trace fits, wherever. */
    CHECK(attn_trace_check(64, 32, 4, false, err, sizeof err) == ATTN_OK);

    /* 65536 tokens × 16 heads: 1 TiB of scores, which wraps to a small
     * number in 32 bits if nothing checks. Refused, in plain words. */
    CHECK(attn_trace_init(&t, 65536, 64, 16, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK(t.block == NULL);
    CHECK_STR_CONTAINS(err, "65536 tokens with 16 heads need");
    CHECK_STR_CONTAINS(err, "use fewer tokens or heads");
    CHECK(strstr(err, "--") == NULL); /* no command-line flags below the command line */
    /* Sizes past what size_t can count give SIZE_MAX, never a wrapped size. */
    CHECK(attn_trace_bytes(SIZE_MAX / 2, 4, 4) == SIZE_MAX);
    CHECK(attn_trace_bytes(65536, 4096, 256) > ATTN_TRACE_BYTES_MAX);

    /* At the limit and one token past it (checked without allocating): the
     * largest n whose trace fits, by bisection. */
    for (int shared = 0; shared < 2; shared++) {
        size_t lo = 1, hi = ATTN_TOKENS_MAX; /* lo fits, hi does not */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (attn_trace_check(mid, 64, 16, shared, NULL, 0) == ATTN_OK) lo = mid;
            else hi = mid;
        }
        CHECK(attn_trace_check(lo, 64, 16, shared, err, sizeof err) == ATTN_OK);
        CHECK(attn_trace_check(lo + 1, 64, 16, shared, err, sizeof err) == ATTN_ERR_LIMIT);
        CHECK_STR_CONTAINS(err, "more than the");
        if (!shared) {
            CHECK(attn_trace_bytes(lo, 64, 16) <= ATTN_TRACE_BYTES_MAX);
            CHECK(attn_trace_bytes(lo + 1, 64, 16) > ATTN_TRACE_BYTES_MAX);
        }
        /* 16 heads × 4 matrices × n² floats ≈ the limit */
        double n_limit = sqrt((double)ATTN_TRACE_BYTES_MAX / (16.0 * 4 * 4));
        CHECKF(fabs((double)lo - n_limit) < 0.01 * n_limit, "largest n %zu, expected about %.0f",
               lo, n_limit);
    }
    CHECK(attn_trace_check(0, 64, 16, false, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK(attn_trace_check(ATTN_TOKENS_MAX + 1, 64, 16, false, err, sizeof err) ==
          ATTN_ERR_CONFIG);
}

static void test_rng_and_embedding(void) {
    /* SplitMix64 seeded with 0: first output is the published test value. */
    attn_rng r = {0};
    CHECK(attn_rng_next(&r) == 0xE220A8397B1DCDAFull);
    r = attn_rng_stream(9, 3);
    for (int i = 0; i < 1000; i++) {
        float u = attn_rng_float(&r);
        CHECK(u >= 0.0f && u < 1.0f);
    }
    /* the same word has the same vector wherever it is; case folds */
    float a[16], b[16], c[16];
    attn_token_vector(a, "the", 3, 16, 42);
    attn_token_vector(b, "The", 3, 16, 42);
    attn_token_vector(c, "cat", 3, 16, 42);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
    attn_token_vector(b, "the", 3, 16, 43);
    CHECK(memcmp(a, b, sizeof a) != 0); /* the seed matters */

    /* PE(0) = [0, 1, 0, 1, ...]; PE(pos, 0) = sin(pos) */
    float pe[3 * 8];
    attn_positional(pe, 3, 8);
    CHECK(pe[0] == 0.0f && pe[1] == 1.0f && pe[6] == 0.0f && pe[7] == 1.0f);
    CHECK(check_close(pe[2 * 8], sinf(2.0f), 1e-7f, 1e-6f));
    CHECK(check_close(pe[1 * 8 + 3], (float)cos(1.0 / pow(10000.0, 2.0 / 8.0)), 1e-7f, 1e-6f));

    /* X row = token vector + position: "the" at 0 and 4 differ only by PE */
    const char *text = "the cat sat on the mat";
    attn_token tok[8];
    size_t n = 0;
    CHECK(attn_tokenize(tok, 8, &n, text, strlen(text), NULL, 0) == ATTN_OK && n == 6);
    float x[6 * 8], pe6[6 * 8], tv[8];
    attn_embed(x, text, tok, n, 8, 42);
    attn_positional(pe6, 6, 8);
    attn_token_vector(tv, "the", 3, 8, 42);
    int ok = 1;
    for (size_t j = 0; j < 8; j++) ok &= x[4 * 8 + j] == tv[j] + pe6[4 * 8 + j];
    CHECK(ok);
}

int main(void) {
    test_config_check();
    test_softmax_stable();
    test_mask();
    test_forward_properties();
    test_scaled();
    test_threads_same_bits();
    test_forward_heads();
    test_suggest();
    test_checked_sizes();
    test_trace_limits();
    test_rng_and_embedding();
    return check_done("test_core");
}
