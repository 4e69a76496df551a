/* Direct logit attribution per head and the logit lens (lens.h), from the
 * activations a model_run keeps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/checked.h"
#include "attnviz/lens.h"
#include "fast.h"
#include "model_private.h"

static attn_status check_run(const model_run *run, const model *m, size_t pos, char *err,
                             size_t err_len) {
    if (memcmp(&m->config, &run->config, sizeof m->config) != 0)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "this run was made for another model's sizes: run this model first");
    if (run->n == 0 || pos >= run->n)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "position %zu is outside the last run of %zu tokens: pick 0 to %zu", pos,
                          run->n, run->n ? run->n - 1 : 0);
    return ATTN_OK;
}

static double dot(const float *a, const double *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

attn_status model_head_contributions(const model_run *run, const model *m, size_t pos,
                                     int32_t token, float *out, model_logit_parts *parts,
                                     char *err, size_t err_len) {
    attn_status s = check_run(run, m, pos, err, err_len);
    if (s != ATTN_OK) return s;
    const model_config *c = &m->config;
    if (token < 0 || (size_t)token >= c->n_vocab)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "token id %ld is outside the vocabulary of %zu words", (long)token,
                          c->n_vocab);
    const model_params *p = &m->params;
    size_t L = c->n_layers, H = c->n_heads, d = c->d_model, dh = d / H, N = run->n_max;
    double *v = malloc((4 * d + d) * sizeof *v);
    if (!v) return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for the lens");
    double *u = v + d; /* up to 4d: a weight matrix times v */

    // v = rstd · (g⊙w − mean(g⊙w)), w = wte[token]: the frozen LN_f and the
    // unembedding folded into one vector, so a part's term is part · v.
    // (Centring c and dotting with g⊙w equals dotting c with centred g⊙w.)
    const float *w = p->wte + (size_t)token * d;
    double mean = 0.0, rstd = run->lnf_rstd[pos];
    for (size_t k = 0; k < d; k++) mean += (double)p->lnf_w[k] * w[k];
    mean /= (double)d;
    for (size_t k = 0; k < d; k++) v[k] = rstd * ((double)p->lnf_w[k] * w[k] - mean);

    model_logit_parts local;
    model_logit_parts *pt = parts ? parts : &local;
    memset(pt, 0, sizeof *pt);
    for (size_t l = 0; l < L; l++) {
        // head h: concat_h · W_O[h rows] · v = concat_h · (W_O[h rows] · v)
        const float *wo = p->proj_w + l * d * d, *cat = run->trace[l].concat + pos * d;
        for (size_t i = 0; i < d; i++) u[i] = dot(wo + i * d, v, d);
        for (size_t h = 0; h < H; h++) {
            double sum = 0.0;
            for (size_t j = 0; j < dh; j++) sum += (double)cat[h * dh + j] * u[h * dh + j];
            out[l * H + h] = (float)sum;
        }
        pt->attn_bias[l] = (float)dot(p->proj_b + l * d, v, d);
        // the MLP's output, GELU(…) · W_proj + b, recomputed rather than taken
        // as a difference of two streams (which would round)
        const float *wp = p->fcproj_w + l * 4 * d * d, *g = run->gelu + (l * N + pos) * 4 * d;
        for (size_t i = 0; i < 4 * d; i++) u[i] = dot(wp + i * d, v, d);
        pt->mlp[l] = (float)(dot(g, u, 4 * d) + dot(p->fcproj_b + l * d, v, d));
    }
    pt->embed = (float)dot(run->resid + pos * d, v, d); /* wte[ids[pos]] + wpe[pos] */
    double b = 0.0, logit = 0.0;
    for (size_t k = 0; k < d; k++) {
        b += (double)p->lnf_b[k] * w[k];
        logit += (double)run->lnf[pos * d + k] * w[k];
    }
    pt->lnf_bias = (float)b;
    pt->logit = (float)logit;
    free(v);
    return ATTN_OK;
}

/* The k largest of p[0..V), most likely first, ties to the lower id. */
static void top_k(const float *p, size_t V, size_t k, int32_t *ids, float *probs) {
    size_t have = 0;
    for (size_t j = 0; j < V; j++) {
        if (have == k && !(p[j] > probs[k - 1])) continue;
        size_t at = have < k ? have++ : k - 1;
        while (at > 0 && p[j] > probs[at - 1]) {
            ids[at] = ids[at - 1], probs[at] = probs[at - 1];
            at--;
        }
        ids[at] = (int32_t)j, probs[at] = p[j];
    }
}

attn_status model_logit_lens(const model_run *run, const model *m, size_t pos, size_t k,
                             int32_t *ids, float *probs, char *err, size_t err_len) {
    attn_status s = check_run(run, m, pos, err, err_len);
    if (s != ATTN_OK) return s;
    const model_config *c = &m->config;
    size_t L = c->n_layers, d = c->d_model, V = c->n_vocab, N = run->n_max, R = L + 1;
    if (k < 1 || k > MODEL_LENS_K_MAX || k > V)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "the lens keeps %zu tokens a layer: ask for 1 to %zu", k,
                          V < MODEL_LENS_K_MAX ? V : (size_t)MODEL_LENS_K_MAX);
    size_t floats = 0;
    if (!(attn_size_add_mul(&floats, R, V) && attn_size_add_mul(&floats, R, d + 2) &&
          attn_size_add_mul(&floats, 1, attn_gemm_scratch_floats())))
        return model_fail(ATTN_ERR_LIMIT, err, err_len, "the lens of this model is too large");
    float *block = malloc(floats * sizeof *block);
    if (!block)
        return model_fail(ATTN_ERR_NOMEM, err, err_len,
                          "out of memory for the lens (%zu MB)", floats * sizeof *block >> 20);
    float *logits = block, *normed = logits + R * V, *mean = normed + R * d, *rstd = mean + R;
    float *scratch = rstd + R;
    // each point of the stream through LN_f with its own statistics ...
    for (size_t r = 0; r < R; r++)
        model_layernorm(normed + r * d, mean + r, rstd + r, run->resid + (r * N + pos) * d,
                        m->params.lnf_w, m->params.lnf_b, 1, d);
    // ... and all of them through the unembedding at once: wte is read once
    attn_gemm(logits, V, normed, d, m->params.wte, d, 1, NULL, R, V, d, scratch);
    attn_softmax_rows_fast(logits, logits, R, V);
    for (size_t r = 0; r < R; r++) top_k(logits + r * V, V, k, ids + r * k, probs + r * k);
    free(block);
    return ATTN_OK;
}
