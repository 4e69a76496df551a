/* The model's forward pass on one sequence, every activation kept (for the
 * views, and for backward in model_backward.c). The attention of each block
 * is the core's attn_forward, so layer l's trace is what the walkthrough
 * shows with X = LN_1 of the stream entering block l. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/checked.h"
#include "fast.h"
#include "model_private.h"

/* ---- the element-wise operations ---------------------------------------- */

void model_layernorm(float *out, float *mean, float *rstd, const float *x, const float *w,
                     const float *b, size_t rows, size_t d) {
    for (size_t i = 0; i < rows; i++) {
        const float *xi = x + i * d;
        float *oi = out + i * d;
        // pass 1: mean; pass 2: variance about it (two passes: no cancellation)
        float m = 0.0f;
        for (size_t k = 0; k < d; k++) m += xi[k];
        m /= (float)d;
        float var = 0.0f;
        for (size_t k = 0; k < d; k++) var += (xi[k] - m) * (xi[k] - m);
        var /= (float)d;
        float r = 1.0f / sqrtf(var + MODEL_LN_EPS);
        // pass 3: normalise, then gain and offset
        for (size_t k = 0; k < d; k++) oi[k] = (xi[k] - m) * r * w[k] + b[k];
        mean[i] = m;
        rstd[i] = r;
    }
}

/* With x̂ = (x - mean)·rstd and g = dout·w:
 *   dx = rstd · (g - mean(g) - x̂ · mean(g·x̂)),  dw += dout·x̂,  db += dout. */
void model_layernorm_backward(float *dx, float *dw, float *db, const float *dout,
                              const float *x, const float *mean, const float *rstd,
                              const float *w, size_t rows, size_t d) {
    for (size_t i = 0; i < rows; i++) {
        const float *xi = x + i * d, *gi = dout + i * d;
        float *dxi = dx + i * d;
        float m = mean[i], r = rstd[i];
        float g_mean = 0.0f, gx_mean = 0.0f;
        for (size_t k = 0; k < d; k++) {
            float xhat = (xi[k] - m) * r, g = gi[k] * w[k];
            g_mean += g;
            gx_mean += g * xhat;
            dw[k] += gi[k] * xhat;
            db[k] += gi[k];
        }
        g_mean /= (float)d;
        gx_mean /= (float)d;
        for (size_t k = 0; k < d; k++) {
            float xhat = (xi[k] - m) * r, g = gi[k] * w[k];
            dxi[k] += r * (g - g_mean - xhat * gx_mean);
        }
    }
}

/* tanh(u) for a chunk, from the core's exponential (fast.h):
 * tanh|u| = (1 − e^(−2|u|)) / (1 + e^(−2|u|)), with the sign of u put back.
 * libm's tanhf took a fifth of a training step; this is within 2e-7 of it
 * in absolute terms, far below what the GELU's output can show. */
enum { CHUNK = 256 };
static void tanh_chunk(float *t, const float *u, size_t count) {
    float neg[CHUNK] = {0}; /* all written below; zeroed for gcc -O1's warning */
    for (size_t i = 0; i < count; i++) neg[i] = -2.0f * fabsf(u[i]);
    attn_exp_fast(t, neg, count);
    for (size_t i = 0; i < count; i++) {
        float r = (1.0f - t[i]) / (1.0f + t[i]);
        t[i] = u[i] < 0.0f ? -r : r;
    }
}

void model_gelu(float *out, const float *x, size_t count) {
    float u[CHUNK], t[CHUNK];
    for (size_t i0 = 0; i0 < count; i0 += CHUNK) {
        size_t m = count - i0 < CHUNK ? count - i0 : CHUNK;
        const float *xs = x + i0;
        for (size_t i = 0; i < m; i++) u[i] = MODEL_GELU_K * (xs[i] + MODEL_GELU_C * xs[i] * xs[i] * xs[i]);
        tanh_chunk(t, u, m);
        for (size_t i = 0; i < m; i++) out[i0 + i] = 0.5f * xs[i] * (1.0f + t[i]);
    }
}

/* d/dx of 0.5·x·(1 + tanh u), u = k(x + c x³):
 *   0.5·(1 + tanh u) + 0.5·x·(1 - tanh² u)·k(1 + 3c x²) */
void model_gelu_backward(float *dx, const float *dout, const float *x, size_t count) {
    float u[CHUNK], t[CHUNK];
    for (size_t i0 = 0; i0 < count; i0 += CHUNK) {
        size_t m = count - i0 < CHUNK ? count - i0 : CHUNK;
        const float *xs = x + i0;
        for (size_t i = 0; i < m; i++) u[i] = MODEL_GELU_K * (xs[i] + MODEL_GELU_C * xs[i] * xs[i] * xs[i]);
        tanh_chunk(t, u, m);
        for (size_t i = 0; i < m; i++) {
            float v = xs[i];
            float du = MODEL_GELU_K * (1.0f + 3.0f * MODEL_GELU_C * v * v);
            dx[i0 + i] = dout[i0 + i] * (0.5f * (1.0f + t[i]) + 0.5f * v * (1.0f - t[i] * t[i]) * du);
        }
    }
}

/* ---- the run --------------------------------------------------------------- */

size_t model_scratch_floats(void) { return attn_trace_scratch_floats(); }

void model_attn_weights_sync(attn_weights *w, const model *m, size_t l) {
    size_t d = m->config.d_model;
    const float *cw = m->params.attn_w + l * d * 3 * d, *cb = m->params.attn_b + l * 3 * d;
    // c_attn row i is [W_Q row i | W_K row i | W_V row i]
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            w->w_q[i * d + j] = cw[i * 3 * d + j];
            w->w_k[i * d + j] = cw[i * 3 * d + d + j];
            w->w_v[i * d + j] = cw[i * 3 * d + 2 * d + j];
        }
    memcpy(w->b_q, cb, d * sizeof(float));
    memcpy(w->b_k, cb + d, d * sizeof(float));
    memcpy(w->b_v, cb + 2 * d, d * sizeof(float));
    memcpy(w->w_o, m->params.proj_w + l * d * d, d * d * sizeof(float));
    memcpy(w->b_o, m->params.proj_b + l * d, d * sizeof(float));
}

void model_run_sync(model_run *r, const model *m) {
    for (size_t l = 0; l < m->config.n_layers; l++) model_attn_weights_sync(&r->attn[l], m, l);
}

static attn_status run_init(model_run *r, const model *m, size_t n_max, model_logits which,
                            attn_weights *attn, size_t parts, char *err, size_t err_len) {
    memset(r, 0, sizeof *r);
    const model_config *c = &m->config;
    if (n_max < 1 || n_max > c->n_ctx)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                    "a run of %zu tokens does not fit the model's context of %zu", n_max,
                    c->n_ctx);
    size_t L = c->n_layers, d = c->d_model, V = c->n_vocab, n = n_max;
    /* Rows of logits and probabilities: GPT-2's 50257 words × 1024 tokens
     * would be 400 MB for the two, when a class looks at the last row. */
    size_t rows = which == MODEL_LOGITS_LAST ? 1 : n;
    /* Every part a checked product: in 32 bits, 4096 tokens × 262,144 words
     * of logits and probabilities alone would wrap around. L ≤ 48 (the
     * model's config check), so 8 · L cannot. */
    size_t nd, nV, floats = 0, bytes;
    bool fits = attn_size_mul(&nd, n, d) && attn_size_mul(&nV, rows, V) &&
                attn_size_add_mul(&floats, L + 1, nd) && /* resid */
                attn_size_add_mul(&floats, L, nd) &&     /* mid */
                attn_size_add_mul(&floats, 4 * L, n) &&  /* ln1, ln2 statistics */
                attn_size_add_mul(&floats, L, nd) &&     /* ln2 */
                attn_size_add_mul(&floats, 8 * L, nd) && /* fc, gelu: (n, 4d) each */
                attn_size_add_mul(&floats, 1, nd) &&     /* lnf */
                attn_size_add_mul(&floats, 2, n) &&      /* lnf statistics */
                attn_size_add_mul(&floats, 2, nV) &&     /* logits, probs */
                attn_size_add_mul(&floats, parts, model_scratch_floats()) &&
                attn_size_add(&floats, floats, 16) &&
                attn_size_mul(&bytes, floats, sizeof(float));
    if (!fits)
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "a run of %zu tokens through %zu layers of d_model %zu with %zu words "
                          "needs more bytes than a %d-bit size can count: use a shorter "
                          "context, fewer layers or a smaller vocabulary",
                          n, L, d, V, ATTN_SIZE_BITS);
    r->block = calloc(floats, sizeof(float));
    r->trace = calloc(L, sizeof *r->trace);
    if (!r->block || !r->trace) {
        model_run_free(r);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for a run of %zu tokens", n);
    }
    float *p = r->block;
    r->resid = p, p += (L + 1) * n * d;
    r->mid = p, p += L * n * d;
    r->ln1_mean = p, p += L * n;
    r->ln1_rstd = p, p += L * n;
    r->ln2 = p, p += L * n * d;
    r->ln2_mean = p, p += L * n;
    r->ln2_rstd = p, p += L * n;
    r->fc = p, p += L * n * 4 * d;
    r->gelu = p, p += L * n * 4 * d;
    r->lnf = p, p += n * d;
    r->lnf_mean = p, p += n;
    r->lnf_rstd = p, p += n;
    r->logits = p, p += rows * V;
    r->probs = p, p += rows * V;
    r->logit_rows = rows;
    r->scratch = p;
    r->scratch_parts = parts;
    r->threads = 1;
    r->n_max = n;
    r->n_layers = L;
    r->config = *c;
    for (size_t l = 0; l < L; l++) {
        attn_status s =
            attn_trace_init_shared_parts(&r->trace[l], n, d, c->n_heads, r->scratch, parts, err,
                                         err_len);
        if (s != ATTN_OK) {
            model_run_free(r);
            return s;
        }
    }
    if (attn) {
        r->attn = attn;
        return ATTN_OK;
    }
    r->attn = calloc(L, sizeof *r->attn);
    if (!r->attn) {
        model_run_free(r);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for the attention weights");
    }
    r->owns_attn = 1;
    attn_config ac = model_attn_config(c);
    for (size_t l = 0; l < L; l++) {
        attn_status s = attn_weights_init(&r->attn[l], &ac, err, err_len);
        if (s != ATTN_OK) {
            model_run_free(r);
            return s;
        }
    }
    model_run_sync(r, m);
    return ATTN_OK;
}

/* A run of its own may use two threads (two parts of packing space); runs
 * sharing the trainer's or the detector's weights are each one thread of a
 * batch; a run reading shared weights alone (model_run_init_reading) may
 * use two. */
attn_status model_run_init_shared(model_run *r, const model *m, size_t n_max,
                                  attn_weights *attn, char *err, size_t err_len) {
    return run_init(r, m, n_max, MODEL_LOGITS_ALL, attn, attn ? 1 : ATTN_THREADS_MAX, err,
                    err_len);
}

attn_status model_run_init_shared_logits(model_run *r, const model *m, size_t n_max,
                                         model_logits which, attn_weights *attn, char *err,
                                         size_t err_len) {
    return run_init(r, m, n_max, which, attn, attn ? 1 : ATTN_THREADS_MAX, err, err_len);
}

attn_status model_run_init_reading(model_run *r, const model *m, size_t n_max, model_logits which,
                                   attn_weights *attn, char *err, size_t err_len) {
    if (!attn)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "a run reading shared attention weights needs them: make them first");
    return run_init(r, m, n_max, which, attn, ATTN_THREADS_MAX, err, err_len);
}

attn_status model_run_init(model_run *r, const model *m, size_t n_max, char *err, size_t err_len) {
    return run_init(r, m, n_max, MODEL_LOGITS_ALL, NULL, ATTN_THREADS_MAX, err, err_len);
}

attn_status model_run_init_logits(model_run *r, const model *m, size_t n_max, model_logits which,
                                  char *err, size_t err_len) {
    return run_init(r, m, n_max, which, NULL, ATTN_THREADS_MAX, err, err_len);
}

attn_status model_attn_make(const model *m, attn_weights **out, char *err, size_t err_len) {
    size_t L = m->config.n_layers;
    attn_weights *attn = calloc(L, sizeof *attn);
    if (!attn) return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for the attention weights");
    attn_config ac = model_attn_config(&m->config);
    for (size_t l = 0; l < L; l++) {
        attn_status s = attn_weights_init(&attn[l], &ac, err, err_len);
        if (s != ATTN_OK) {
            model_attn_free(attn, l);
            return s;
        }
        model_attn_weights_sync(&attn[l], m, l);
    }
    *out = attn;
    return ATTN_OK;
}

void model_attn_free(attn_weights *attn, size_t n_layers) {
    if (!attn) return;
    for (size_t l = 0; l < n_layers; l++) attn_weights_free(&attn[l]);
    free(attn);
}

void model_run_free(model_run *r) {
    if (!r) return;
    if (r->trace)
        for (size_t l = 0; l < r->n_layers; l++) attn_trace_free(&r->trace[l]);
    if (r->owns_attn && r->attn)
        for (size_t l = 0; l < r->n_layers; l++) attn_weights_free(&r->attn[l]);
    if (r->owns_attn) free(r->attn);
    free(r->trace);
    free(r->block);
    memset(r, 0, sizeof *r);
}

/* The run's second part of packing space when it may use two threads. */
static float *second_scratch(const model_run *r) {
    return r->threads > 1 && r->scratch_parts > 1 ? r->scratch + model_scratch_floats() : NULL;
}

/* c (n, out) = a (n, in) · W (in, out) + b: one Conv1D layer of GPT-2, its
 * columns split between the run's threads (the same bits on one or two). */
static void linear(const model_run *r, float *c, const float *a, const float *w, const float *b,
                   size_t n, size_t in, size_t out) {
    attn_gemm_split(c, out, a, in, w, out, 0, b, n, out, in, r->scratch, second_scratch(r),
                    r->threads);
}

attn_status model_forward(model_run *r, const model *m, const int32_t *ids, size_t n,
                          const uint8_t *head_off, char *err, size_t err_len) {
    const model_config *c = &m->config;
    if (memcmp(c, &r->config, sizeof *c) != 0)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                    "this run was made for another model's sizes: make a new run");
    if (n < 1 || n > r->n_max)
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                    "%zu tokens do not fit: the model reads 1 to %zu at a time", n, r->n_max);
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || (size_t)ids[i] >= c->n_vocab)
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                        "token %zu has id %ld, outside the vocabulary of %zu words", i,
                        (long)ids[i], c->n_vocab);
    const model_params *p = &m->params;
    size_t L = c->n_layers, d = c->d_model, V = c->n_vocab, N = r->n_max;
    size_t H = c->n_heads, d_head = d / H;
    attn_config ac = model_attn_config(c);
    r->n = n;
    if (r->watch) {
        atomic_store(&r->watch->layers_done, 0);
        atomic_fetch_add(&r->watch->forwards, 1);
    }

    // x = wte[ids] + wpe[positions]
    for (size_t i = 0; i < n; i++) {
        const float *te = p->wte + (size_t)ids[i] * d, *pe = p->wpe + i * d;
        float *x = r->resid + i * d;
        for (size_t k = 0; k < d; k++) x[k] = te[k] + pe[k];
    }
    for (size_t l = 0; l < L; l++) {
        float *x = r->resid + l * N * d, *mid = r->mid + l * N * d;
        float *next = r->resid + (l + 1) * N * d;
        attn_trace *t = &r->trace[l];
        t->threads = r->threads;
        // a = LN_1(x), written straight into the trace's X
        model_layernorm(t->x, r->ln1_mean + l * N, r->ln1_rstd + l * N, x, p->ln1_w + l * d,
                        p->ln1_b + l * d, n, d);
        attn_status s = attn_forward(t, &ac, &r->attn[l], t->x, n, err, err_len);
        if (s != ATTN_OK) return s;
        const uint8_t *off = head_off ? head_off + l * H : NULL;
        int any_off = 0;
        for (size_t h = 0; off && h < H; h++) any_off |= off[h];
        if (any_off) {
            // a head that is off adds nothing: zero its columns of the concat
            for (size_t i = 0; i < n; i++)
                for (size_t h = 0; h < H; h++)
                    if (off[h]) memset(t->concat + i * d + h * d_head, 0, d_head * sizeof(float));
            linear(r, t->output, t->concat, r->attn[l].w_o, r->attn[l].b_o, n, d, d);
        }
        for (size_t i = 0; i < n * d; i++) mid[i] = x[i] + t->output[i];
        // the MLP: m = LN_2(mid); next = mid + GELU(m·W_fc + b)·W_proj + b
        float *ln2 = r->ln2 + l * N * d, *fc = r->fc + l * N * 4 * d;
        float *gelu = r->gelu + l * N * 4 * d;
        model_layernorm(ln2, r->ln2_mean + l * N, r->ln2_rstd + l * N, mid, p->ln2_w + l * d,
                        p->ln2_b + l * d, n, d);
        linear(r, fc, ln2, p->fc_w + l * d * 4 * d, p->fc_b + l * 4 * d, n, d, 4 * d);
        model_gelu(gelu, fc, n * 4 * d);
        linear(r, next, gelu, p->fcproj_w + l * 4 * d * d, p->fcproj_b + l * d, n, 4 * d, d);
        for (size_t i = 0; i < n * d; i++) next[i] += mid[i];
        if (r->watch) {
            atomic_store(&r->watch->layers_done, l + 1);
            if (atomic_load(&r->watch->stop))
                return model_fail(ATTN_ERR_IO, err, err_len,
                                  "the forward stopped after layer %zu of %zu, as asked", l + 1, L);
        }
    }
    model_layernorm(r->lnf, r->lnf_mean, r->lnf_rstd, r->resid + L * N * d, p->lnf_w, p->lnf_b,
                    n, d);
    // logits = y · wteᵀ (the embedding is tied), then a softmax per row;
    // a run of one logit row reads out the last position only
    size_t first = r->logit_rows == 1 ? n - 1 : 0, rows = n - first;
    attn_gemm_split(r->logits, V, r->lnf + first * d, d, p->wte, d, 1, NULL, rows, V, d,
                    r->scratch, second_scratch(r), r->threads);
    attn_softmax_rows_fast(r->probs, r->logits, rows, V);
    return ATTN_OK;
}

/* -log p(target) from the logits, via log-sum-exp in double: the softmax's
 * float probability of a very unlikely token can round to 0. */
double model_token_loss(const float *logits, size_t V, int32_t target) {
    float mx = logits[0];
    for (size_t j = 1; j < V; j++) mx = logits[j] > mx ? logits[j] : mx;
    double sum = 0.0;
    for (size_t j = 0; j < V; j++) sum += exp((double)logits[j] - mx);
    return log(sum) + mx - logits[target];
}

double model_run_loss(const model_run *r, const model *m, const int32_t *ids, size_t n) {
    if (n < 2 || n > r->n || r->logit_rows < n) return 0.0;
    size_t V = m->config.n_vocab;
    double total = 0.0;
    for (size_t i = 0; i + 1 < n; i++) total += model_token_loss(r->logits + i * V, V, ids[i + 1]);
    return total / (double)(n - 1);
}

attn_status model_run_check(const model_run *r, const model *m, char *err, size_t err_len) {
    size_t n = r->n, V = m->config.n_vocab;
    const char *stage = NULL;
    float value = 0.0f;
    size_t layer = 0;
    for (; layer < m->config.n_layers; layer++)
        if (attn_trace_find_nonfinite(&r->trace[layer], &stage, &value)) break;
    if (!stage) {
        size_t rows = r->logit_rows == 1 ? 1 : n;
        for (size_t i = 0; i < rows * V && !stage; i++)
            if (!isfinite(r->logits[i]) || !isfinite(r->probs[i])) {
                stage = "outputs (logits)";
                value = isfinite(r->logits[i]) ? r->probs[i] : r->logits[i];
            }
        if (!stage) return ATTN_OK;
    }
    char where[48] = "";
    if (layer < m->config.n_layers) snprintf(where, sizeof where, " of layer %zu", layer + 1);
    char name[64];
    float most = model_largest_tensor(m, name, sizeof name);
    return model_fail(ATTN_ERR_INPUT, err, err_len,
                      "the %s%s overflow float32 (%s) on this text: the weights are too large "
                      "(%s holds %g); retrain the model",
                      stage, where, isnan(value) ? "NaN" : value > 0 ? "+inf" : "-inf", name,
                      (double)most);
}
