/* One forward call of multi-head attention, every stage kept in the trace.
 *
 *   Q = X·W_Q + b_Q            (n, d_model)
 *   K = X·W_K + b_K            (m, d_kv)       likewise V
 *   for each head h, reading K/V group g:
 *     scores_h  = Q_h·K_gᵀ                    (n, m)
 *     scaled_h  = scores_h / (sqrt(d_head)·T)
 *     masked_h  = scaled_h, -inf where j > i when causal
 *     weights_h = softmax(masked_h), row by row
 *     out_h     = weights_h·V_g               (n, d_head)
 *   concat = [out_0 … out_{H-1}]              (n, d_model)
 *   output = concat·W_O + b_O
 *
 * Self-attention: K and V come from the same X as Q, and m = n.
 * Cross-attention: K and V come from another sequence's X_kv of m rows.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "attnviz/attn.h"
#include "attnviz/stages.h"
#include "fast.h"

/* Checks that the call can run without allocating: valid settings, weights
 * of the same sizes, and a trace large enough. */
static attn_status check_fits(const attn_trace *t, const attn_config *c, const attn_weights *w,
                              size_t n, size_t m, char *err, size_t err_len) {
    attn_status s = attn_config_check(c, NULL, err, err_len);
    if (s != ATTN_OK) return s;
    if (w->config.d_model != c->d_model || w->config.n_heads != c->n_heads ||
        w->config.n_kv_heads != c->n_kv_heads) {
        if (err && err_len)
            snprintf(err, err_len,
                     "weights were made for d_model %zu, %zu heads, %zu kv heads, not d_model "
                     "%zu, %zu heads, %zu kv heads: rebuild them for these settings",
                     w->config.d_model, w->config.n_heads, w->config.n_kv_heads, c->d_model,
                     c->n_heads, c->n_kv_heads);
        return ATTN_ERR_CONFIG;
    }
    if (n < 1 || n > t->n_max || c->d_model > t->d_model_max || c->n_heads > t->n_heads_max) {
        if (err && err_len)
            snprintf(err, err_len,
                     "%zu tokens, d_model %zu, %zu heads do not fit a trace made for up to %zu "
                     "tokens, d_model %zu, %zu heads: make a larger trace",
                     n, c->d_model, c->n_heads, t->n_max, t->d_model_max, t->n_heads_max);
        return ATTN_ERR_LIMIT;
    }
    if (m < 1 || m > t->n_max) {
        if (err && err_len)
            snprintf(err, err_len,
                     "%zu key/value tokens do not fit a trace made for up to %zu tokens: use "
                     "1 to %zu, or make a larger trace",
                     m, t->n_max, t->n_max);
        return ATTN_ERR_LIMIT;
    }
    return ATTN_OK;
}

static float score_divisor(const attn_config *c) {
    float d = c->scale ? sqrtf((float)attn_d_head(c)) : 1.0f;
    return d * c->temperature;
}

/* concat[i][h·d_head + p] = head_out[h][i][p]: the heads side by side again. */
static void concat_heads(float *concat, const float *head_out, size_t n, size_t n_heads,
                         size_t d_head) {
    size_t d_model = n_heads * d_head;
    for (size_t h = 0; h < n_heads; h++)
        for (size_t i = 0; i < n; i++) {
            float *dst = concat + i * d_model + h * d_head;
            const float *src = head_out + (h * n + i) * d_head;
            for (size_t p = 0; p < d_head; p++) dst[p] = src[p];
        }
}

static void begin(attn_trace *t, const attn_config *c, const float *x, size_t n) {
    t->n = n;
    t->n_keys = n;
    t->cross = false;
    t->config = *c;
    if (x != t->x) memmove(t->x, x, n * c->d_model * sizeof(float));
}

/* What cross-attention checks beyond check_fits: room for x_kv, no causal mask. */
static attn_status check_cross(const attn_trace *t, const attn_config *c, char *err,
                               size_t err_len) {
    if (!t->x_kv) {
        if (err && err_len)
            snprintf(err, err_len,
                     "this trace has no room for a second sequence: make it with "
                     "attn_trace_init_cross");
        return ATTN_ERR_CONFIG;
    }
    if (c->causal) {
        if (err && err_len)
            snprintf(err, err_len,
                     "causal masking hides a sequence's later positions from its earlier ones; "
                     "queries and keys come from two sequences here: turn causal off for "
                     "cross-attention");
        return ATTN_ERR_CONFIG;
    }
    return ATTN_OK;
}

/* begin() for cross-attention: n query rows in x, m key/value rows in x_kv. */
static void begin_cross(attn_trace *t, const attn_config *c, const float *x_q, size_t n,
                        const float *x_kv, size_t m) {
    begin(t, c, x_q, n);
    t->n_keys = m;
    t->cross = true;
    if (x_kv != t->x_kv) memmove(t->x_kv, x_kv, m * c->d_model * sizeof(float));
}

/* Stages 2-10 with the plain loops; K and V from x_kv's m rows. */
static void reference_stages(attn_trace *t, const attn_config *c, const attn_weights *w,
                             const float *x_kv) {
    size_t n = t->n, m = t->n_keys, d = c->d_model, d_head = attn_d_head(c), d_kv = attn_d_kv(c);

    // stage 2: projections
    attn_matmul(t->q, t->x, w->w_q, w->b_q, n, d, d);
    attn_matmul(t->k, x_kv, w->w_k, w->b_k, m, d, d_kv);
    attn_matmul(t->v, x_kv, w->w_v, w->b_v, m, d, d_kv);

    // stages 3-8, one head at a time; head h is an offset into Q, K, V
    float divisor = score_divisor(c);
    for (size_t h = 0; h < c->n_heads; h++) {
        size_t g = attn_kv_group(c, h);
        float *scores = t->scores + h * n * m, *scaled = t->scaled + h * n * m;
        float *masked = t->masked + h * n * m, *weights = t->weights + h * n * m;
        attn_scores(scores, t->q + h * d_head, d, t->k + g * d_head, d_kv, n, m, d_head);
        attn_scale(scaled, scores, divisor, n * m);
        attn_mask(masked, scaled, c->causal, n, m);
        attn_softmax_rows(weights, masked, n, m);
        attn_weighted_sum(t->head_out + h * n * d_head, d_head, weights, t->v + g * d_head, d_kv,
                          n, m, d_head);
    }

    // stages 9-10: concat and output projection
    concat_heads(t->concat, t->head_out, n, c->n_heads, d_head);
    attn_matmul(t->output, t->concat, w->w_o, w->b_o, n, d, d);
}

attn_status attn_forward_reference(attn_trace *t, const attn_config *c, const attn_weights *w,
                                   const float *x, size_t n, char *err, size_t err_len) {
    attn_status s = check_fits(t, c, w, n, n, err, err_len);
    if (s != ATTN_OK) return s;
    begin(t, c, x, n);
    reference_stages(t, c, w, t->x);
    return ATTN_OK;
}

attn_status attn_forward_cross_reference(attn_trace *t, const attn_config *c,
                                         const attn_weights *w, const float *x_q, size_t n_q,
                                         const float *x_kv, size_t n_kv, char *err,
                                         size_t err_len) {
    attn_status s = check_fits(t, c, w, n_q, n_kv, err, err_len);
    if (s == ATTN_OK) s = check_cross(t, c, err, err_len);
    if (s != ATTN_OK) return s;
    begin_cross(t, c, x_q, n_q, x_kv, n_kv);
    reference_stages(t, c, w, t->x_kv);
    return ATTN_OK;
}

/* ---- the fast path, on one or two threads -------------------------------------
 * Splitting work between threads never changes a result: a product's columns
 * are computed independently (each element is summed in the same order in
 * whichever part it lands, fast.h), and so are the heads. Small work stays
 * on one thread, where starting another would cost more than it saves. */
enum { PARALLEL_WORK = 1 << 22 }; /* multiply-adds: about a millisecond */

/* A trace with the caller's scratch may have one part only (attn_trace_init_shared). */
static int two_threads(const attn_trace *t) { return t->threads > 1 && t->scratch_parts > 1; }

static float *scratch_part(const attn_trace *t, size_t part) {
    return t->scratch + part * ((t->scratch_floats + 15) / 16 * 16);
}

/* c (m, n) = a · op(b) + bias, as attn_gemm; the right half of the columns
 * on a second thread when the trace allows two and the product is large. */
static void gemm(const attn_trace *t, float *c, size_t ldc, const float *a, size_t lda,
                 const float *b, size_t ldb, int b_trans, const float *bias, size_t m, size_t n,
                 size_t k) {
    attn_gemm_split(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch_part(t, 0),
                    two_threads(t) ? scratch_part(t, 1) : NULL, two_threads(t) ? 2 : 1);
}

typedef struct heads_job {
    attn_trace *t;
    size_t first, end; /* heads first .. end-1 */
    float *scratch;
} heads_job;

/* Stages 4-8 for heads first .. end-1: scores, scale, mask, softmax, and
 * the weighted sum. Reads t->q, t->k, t->v and t->config. */
static void *run_heads(void *arg) {
    heads_job *job = arg;
    attn_trace *t = job->t;
    const attn_config *c = &t->config;
    // n query rows, m key/value rows (m == n in self-attention)
    size_t n = t->n, m = t->n_keys, d = c->d_model, d_head = attn_d_head(c), d_kv = attn_d_kv(c);
    float divisor = score_divisor(c);
    for (size_t h = job->first; h < job->end; h++) {
        size_t g = attn_kv_group(c, h);
        float *scores = t->scores + h * n * m, *scaled = t->scaled + h * n * m;
        float *masked = t->masked + h * n * m, *weights = t->weights + h * n * m;
        attn_gemm(scores, m, t->q + h * d_head, d, t->k + g * d_head, d_kv, 1, NULL, n, m, d_head,
                  job->scratch);
        // scale, mask and softmax a block of rows at a time, while it is in
        // L1: a short head whole, a long one row by row
        size_t block = n <= 64 ? n : 1;
        for (size_t i0 = 0; i0 < n; i0 += block) {
            attn_scale(scaled + i0 * m, scores + i0 * m, divisor, block * m);
            for (size_t i = i0; i < i0 + block; i++) {
                size_t row = i * m, visible = c->causal ? i + 1 : m;
                for (size_t j = 0; j < m; j++)
                    masked[row + j] = j < visible ? scaled[row + j] : -INFINITY;
            }
            attn_softmax_rows_fast(weights + i0 * m, masked + i0 * m, block, m);
        }
        attn_gemm(t->head_out + h * n * d_head, d_head, weights, m, t->v + g * d_head, d_kv, 0,
                  NULL, n, d_head, m, job->scratch);
    }
    return NULL;
}

/* Stages 4-10 on t, whose Q, K, V, n and config are set. */
static void heads_and_output(attn_trace *t, const attn_weights *w) {
    const attn_config *c = &t->config;
    size_t n = t->n, d = c->d_model, d_head = attn_d_head(c);

    // the heads, in two halves when there are two threads and enough work
    size_t half = c->n_heads / 2;
    double head_work = 2.0 * (double)n * (double)t->n_keys * d_head * (double)c->n_heads;
    heads_job first = {t, 0, c->n_heads, scratch_part(t, 0)};
    pthread_t thread;
    if (two_threads(t) && half > 0 && head_work >= PARALLEL_WORK) {
        heads_job second = {t, half, c->n_heads, scratch_part(t, 1)};
        if (pthread_create(&thread, NULL, run_heads, &second) == 0) {
            first.end = half;
            run_heads(&first);
            pthread_join(thread, NULL);
        } else {
            run_heads(&first);
        }
    } else {
        run_heads(&first);
    }

    concat_heads(t->concat, t->head_out, n, c->n_heads, d_head);
    gemm(t, t->output, d, t->concat, d, w->w_o, d, 0, w->b_o, n, d, d);
}

/* Stages 2-10 on the fast path; K and V from x_kv's t->n_keys rows. */
static void fast_stages(attn_trace *t, const attn_config *c, const attn_weights *w,
                        const float *x_kv) {
    size_t n = t->n, m = t->n_keys, d = c->d_model, d_kv = attn_d_kv(c);
    gemm(t, t->q, d, t->x, d, w->w_q, d, 0, w->b_q, n, d, d);
    gemm(t, t->k, d_kv, x_kv, d, w->w_k, d_kv, 0, w->b_k, m, d_kv, d);
    gemm(t, t->v, d_kv, x_kv, d, w->w_v, d_kv, 0, w->b_v, m, d_kv, d);
    heads_and_output(t, w);
}

attn_status attn_forward(attn_trace *t, const attn_config *c, const attn_weights *w,
                         const float *x, size_t n, char *err, size_t err_len) {
    attn_status s = check_fits(t, c, w, n, n, err, err_len);
    if (s != ATTN_OK) return s;
    begin(t, c, x, n);
    fast_stages(t, c, w, t->x);
    return ATTN_OK;
}

attn_status attn_forward_cross(attn_trace *t, const attn_config *c, const attn_weights *w,
                               const float *x_q, size_t n_q, const float *x_kv, size_t n_kv,
                               char *err, size_t err_len) {
    attn_status s = check_fits(t, c, w, n_q, n_kv, err, err_len);
    if (s == ATTN_OK) s = check_cross(t, c, err, err_len);
    if (s != ATTN_OK) return s;
    begin_cross(t, c, x_q, n_q, x_kv, n_kv);
    fast_stages(t, c, w, t->x_kv);
    return ATTN_OK;
}

attn_status attn_forward_heads(attn_trace *t, const attn_config *c, const attn_weights *w,
                               char *err, size_t err_len) {
    attn_status s = check_fits(t, c, w, t->n, t->n_keys, err, err_len);
    if (s == ATTN_OK && t->cross) s = check_cross(t, c, err, err_len);
    if (s != ATTN_OK) return s;
    if (c->d_model != t->config.d_model || attn_d_kv(c) != attn_d_kv(&t->config)) {
        if (err && err_len)
            snprintf(err, err_len,
                     "Q, K and V in the trace are for d_model %zu and K/V width %zu, not %zu and "
                     "%zu: run the whole forward pass",
                     t->config.d_model, attn_d_kv(&t->config), c->d_model, attn_d_kv(c));
        return ATTN_ERR_CONFIG;
    }
    t->config = *c;
    heads_and_output(t, w);
    return ATTN_OK;
}
