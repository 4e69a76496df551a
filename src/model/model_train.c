/* Training: backward through every operation of model_forward.c, and AdamW.
 *
 * Each sequence of the batch runs forward and then backward at once, while
 * its activations are still in cache; its weight gradients are added to its
 * half's buffer. The two halves of the batch run on two threads (or one
 * after the other) and their gradients are added in a fixed order, so the
 * result does not depend on the thread count or timing. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/checked.h"
#include "fast.h"
#include "model_private.h"

/* The shipped model's optimiser settings: model_recipe_default (train.h)
 * takes them from here. */
model_train_config model_train_config_default(void) {
    model_train_config c = {
        .batch = 32,
        .seq = 64,
        .steps = 6000,
        .warmup = 100,
        .lr = 3e-3f,
        .lr_min = 3e-4f,
        .beta1 = 0.9f,
        .beta2 = 0.95f,
        .eps = 1e-8f,
        .weight_decay = 0.1f,
        .grad_clip = 1.0f,
        .threads = 2,
    };
    return c;
}

/* Writes which setting to change, then fails with the message. */
#define FAIL_SETTING(which, ...) (*bad = (which), model_fail(ATTN_ERR_CONFIG, err, err_len, __VA_ARGS__))

attn_status model_train_config_check(const model_train_config *c, const model_config *mc,
                                     model_setting *bad, char *err, size_t err_len) {
    model_setting unused;
    if (!bad) bad = &unused;
    *bad = MODEL_SETTING_NONE;
    if (c->batch < 2 || c->batch > 4096)
        return FAIL_SETTING(MODEL_SETTING_BATCH, "batch %zu is out of range: use 2 to 4096",
                            c->batch);
    if (c->seq < 1 || c->seq > mc->n_ctx)
        return FAIL_SETTING(MODEL_SETTING_SEQ,
                            "sequence length %zu is out of range: use 1 to the context (%zu)",
                            c->seq, mc->n_ctx);
    if (c->steps < 1 || c->steps > 100000000)
        return FAIL_SETTING(MODEL_SETTING_STEPS, "steps %zu is out of range: use 1 to 1e8",
                            c->steps);
    if (c->warmup > c->steps)
        return FAIL_SETTING(MODEL_SETTING_WARMUP,
                            "warmup %zu is more than the steps (%zu): give %zu or fewer (the "
                            "default is %zu)",
                            c->warmup, c->steps, c->steps, model_train_config_default().warmup);
    if (!(c->lr > 0.0f && c->lr <= 1.0f))
        return FAIL_SETTING(MODEL_SETTING_LR, "learning rate %g is out of range: use (0, 1]",
                            (double)c->lr);
    if (!(c->lr_min >= 0.0f && c->lr_min <= c->lr))
        return FAIL_SETTING(MODEL_SETTING_LR_MIN,
                            "minimum learning rate %g is out of range: use 0 to the learning "
                            "rate (%g)",
                            (double)c->lr_min, (double)c->lr);
    if (!(c->beta1 >= 0.0f && c->beta1 < 1.0f && c->beta2 >= 0.0f && c->beta2 < 1.0f))
        return model_fail(ATTN_ERR_CONFIG, err, err_len, "Adam's betas must be in [0, 1)");
    if (!(c->eps > 0.0f && c->eps < 1.0f))
        return model_fail(ATTN_ERR_CONFIG, err, err_len, "Adam's eps must be in (0, 1)");
    if (!(c->weight_decay >= 0.0f && c->weight_decay <= 10.0f))
        return FAIL_SETTING(MODEL_SETTING_WEIGHT_DECAY,
                            "weight decay %g is out of range: use 0 to 10",
                            (double)c->weight_decay);
    if (!(c->grad_clip >= 0.0f && c->grad_clip <= 1e6f))
        return FAIL_SETTING(MODEL_SETTING_GRAD_CLIP,
                            "gradient clip %g is out of range: use 0 (off) to 1e6",
                            (double)c->grad_clip);
    if (c->threads < 1 || c->threads > 2)
        return FAIL_SETTING(MODEL_SETTING_THREADS, "threads %zu is out of range: use 1 or 2",
                            c->threads);
    return ATTN_OK;
}
#undef FAIL_SETTING

float model_train_lr(const model_train_config *c, size_t step) {
    if (step < c->warmup) return c->lr * (float)(step + 1) / (float)c->warmup;
    size_t decay = c->steps - c->warmup;
    double progress = decay > 1 ? (double)(step - c->warmup) / (double)(decay - 1) : 1.0;
    if (progress > 1.0) progress = 1.0;
    double cosine = 0.5 * (1.0 + cos(3.14159265358979323846 * progress));
    return (float)(c->lr_min + (c->lr - c->lr_min) * cosine);
}

/* ---- one half of the batch ---------------------------------------------- */

struct model_worker {
    model_run run;
    float *grad;     /* this half's gradient, the model's layout */
    float *dlogits;  /* (T, V) */
    float *dresid;   /* (T, d) gradient of the stream entering the current block */
    float *dmid;     /* (T, d) gradient of the stream after its attention */
    float *dln;      /* (T, d) gradient of a LayerNorm output */
    float *dfc;      /* (T, 4d) */
    model_grad_scratch gs; /* the attention's and the weight gradients' work space */
    float *block;
    /* the job */
    const model *m;
    const attn_weights *attn;
    const int32_t *inputs, *targets;
    size_t first, end, T;
    float scale; /* 1 / (batch · T): the loss is a mean */
    double loss;
    attn_status status;
    char err[256];
};

static void worker_free(model_worker *w) {
    if (!w) return;
    model_run_free(&w->run);
    free(w->block);
    free(w);
}

/* A worker for sequences of T tokens in *out; on failure *out is NULL and
 * the message in err says what failed. */
static attn_status worker_create(model_worker **out, const model *m, attn_weights *attn, size_t T,
                                 char *err, size_t err_len) {
    *out = NULL;
    model_worker *w = calloc(1, sizeof *w);
    if (!w) return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for a training worker");
    attn_status s = model_run_init_shared(&w->run, m, T, attn, err, err_len);
    if (s != ATTN_OK) {
        free(w);
        return s;
    }
    /* The run above fits, so T·d and T·V do; the gradient, the transposes
     * and one weight gradient (V·d or 4d²) are checked here. */
    size_t d = m->config.d_model, V = m->config.n_vocab;
    size_t tcols = V > 4 * d ? V : 4 * d;
    if (T > tcols) tcols = T;
    size_t vd, dd4, floats = m->n_params, bytes;
    bool fits = attn_size_mul(&vd, V, d) && attn_size_mul3(&dd4, 4, d, d) &&
                attn_size_add_mul(&floats, T, V) &&     /* dlogits */
                attn_size_add_mul(&floats, 4 * T, d) && /* dresid, dmid, dln, dconcat */
                attn_size_add_mul(&floats, 7 * T, d) && /* dqkv (T, 3d), dfc (T, 4d) */
                attn_size_add_mul(&floats, T, T) &&     /* dp */
                attn_size_add_mul(&floats, tcols, T) && /* tbuf */
                attn_size_add(&floats, floats, vd > dd4 ? vd : dd4) && /* tmp */
                attn_size_mul(&bytes, floats, sizeof(float));
    if (!fits) {
        worker_free(w);
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "training on sequences of %zu tokens with d_model %zu and %zu words "
                          "needs more bytes than a %d-bit size can count: use a shorter "
                          "sequence or a smaller model",
                          T, d, V, ATTN_SIZE_BITS);
    }
    w->block = calloc(floats, sizeof(float));
    if (!w->block) {
        worker_free(w);
        return model_fail(ATTN_ERR_NOMEM, err, err_len,
                          "out of memory for a training worker (%.0f MiB)",
                          (double)bytes / (1 << 20));
    }
    float *p = w->block;
    w->grad = p, p += m->n_params;
    w->dlogits = p, p += T * V;
    w->dresid = p, p += T * d;
    w->dmid = p, p += T * d;
    w->dln = p, p += T * d;
    w->gs.dconcat = p, p += T * d;
    w->gs.dqkv = p, p += T * 3 * d;
    w->dfc = p, p += T * 4 * d;
    w->gs.dp = p, p += T * T;
    w->gs.tbuf = p, p += tcols * T;
    w->gs.tmp = p;
    w->gs.gemm = w->run.scratch;
    *out = w;
    return ATTN_OK;
}

/* out (cols, rows) = inᵀ, in being (rows, cols) with rows ld floats apart. */
static void transpose(float *out, const float *in, size_t ld, size_t rows, size_t cols) {
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) out[j * rows + i] = in[i * ld + j];
}

/* grad (p, q) += aᵀ · b for a (T, p) and b (T, q): the gradient of a weight
 * W in y = a·W is aᵀ·dy. */
static void add_at_b(const model_grad_scratch *gs, float *grad, const float *a, size_t lda,
                     const float *b, size_t ldb, size_t T, size_t p, size_t q) {
    transpose(gs->tbuf, a, lda, T, p);
    attn_gemm(gs->tmp, q, gs->tbuf, T, b, ldb, 0, NULL, p, q, T, gs->gemm);
    for (size_t i = 0; i < p * q; i++) grad[i] += gs->tmp[i];
}

/* db (q) += column sums of dy (T, q): the gradient of a bias. */
static void add_colsum(float *db, const float *dy, size_t ld, size_t T, size_t q) {
    for (size_t i = 0; i < T; i++)
        for (size_t j = 0; j < q; j++) db[j] += dy[i * ld + j];
}

void model_attention_backward(const attn_trace *t, const attn_weights *aw, const float *c_attn_w,
                              const float *dout, float *dx, float *g_attn_w, float *g_attn_b,
                              float *g_proj_w, float *g_proj_b, const model_grad_scratch *gs) {
    size_t T = t->n, d = t->config.d_model, H = t->config.n_heads, dh = d / H;
    float *s = gs->gemm;
    float divisor = sqrtf((float)dh); /* the core's scale: scores / √d_head */
    // output = concat·W_O + b_O
    attn_gemm(gs->dconcat, d, dout, d, aw->w_o, d, 1, NULL, T, d, d, s);
    add_at_b(gs, g_proj_w, t->concat, d, dout, d, T, d, d);
    add_colsum(g_proj_b, dout, d, T, d);
    float *dq = gs->dqkv, *dk = gs->dqkv + d, *dv = gs->dqkv + 2 * d;
    for (size_t h = 0; h < H; h++) {
        const float *P = t->weights + h * T * T;
        const float *q = t->q + h * dh, *k = t->k + h * dh, *v = t->v + h * dh;
        const float *dO = gs->dconcat + h * dh;
        // out_h = P·V_h: dP = dO·V_hᵀ, dV_h = Pᵀ·dO
        attn_gemm(gs->dp, T, dO, d, v, d, 1, NULL, T, T, dh, s);
        transpose(gs->tbuf, P, T, T, T);
        attn_gemm(dv + h * dh, 3 * d, gs->tbuf, T, dO, d, 0, NULL, T, dh, T, s);
        // P = softmax(S / divisor): dS = P ⊙ (dP − Σ_j dP·P) / divisor.
        // Masked entries have P = 0, so their gradient is 0.
        for (size_t i = 0; i < T; i++) {
            float *row = gs->dp + i * T;
            const float *pr = P + i * T;
            float dot = 0.0f;
            for (size_t j = 0; j < T; j++) dot += row[j] * pr[j];
            for (size_t j = 0; j < T; j++) row[j] = pr[j] * (row[j] - dot) / divisor;
        }
        // S = Q_h·K_hᵀ: dQ_h = dS·K_h, dK_h = dSᵀ·Q_h
        attn_gemm(dq + h * dh, 3 * d, gs->dp, T, k, d, 0, NULL, T, dh, T, s);
        transpose(gs->tbuf, gs->dp, T, T, T);
        attn_gemm(dk + h * dh, 3 * d, gs->tbuf, T, q, d, 0, NULL, T, dh, T, s);
    }
    // [Q K V] = X·c_attn + b
    add_at_b(gs, g_attn_w, t->x, d, gs->dqkv, 3 * d, T, d, 3 * d);
    add_colsum(g_attn_b, gs->dqkv, 3 * d, T, 3 * d);
    attn_gemm(dx, d, gs->dqkv, 3 * d, c_attn_w, 3 * d, 1, NULL, T, d, 3 * d, s);
}

/* Forward and backward of one sequence; adds its gradient to w->grad and
 * its summed loss to w->loss. */
static attn_status sequence(model_worker *w, const int32_t *ids, const int32_t *targets) {
    const model *m = w->m;
    const model_config *c = &m->config;
    model_run *r = &w->run;
    size_t T = w->T, L = c->n_layers, d = c->d_model, V = c->n_vocab, N = r->n_max;
    float *s = r->scratch;
    for (size_t i = 0; i < T; i++)
        if (targets[i] < 0 || (size_t)targets[i] >= V)
            return model_fail(ATTN_ERR_INPUT, w->err, sizeof w->err,
                        "target %zu has id %ld, outside the vocabulary of %zu words", i,
                        (long)targets[i], V);
    attn_status st = model_forward(r, m, ids, T, NULL, w->err, sizeof w->err);
    if (st != ATTN_OK) return st;
    model_params g;
    model_params_point(&g, c, w->grad);
    const model_params *p = &m->params;

    // loss = mean -log softmax(logits)[target]; dlogits = (probs - onehot)·scale
    for (size_t i = 0; i < T; i++) {
        w->loss += model_token_loss(r->logits + i * V, V, targets[i]);
        const float *pr = r->probs + i * V;
        float *dl = w->dlogits + i * V;
        for (size_t j = 0; j < V; j++) dl[j] = pr[j] * w->scale;
        dl[targets[i]] -= w->scale;
    }
    // logits = y·wteᵀ: dy = dlogits·wte, dwte += dlogitsᵀ·y
    attn_gemm(w->dln, d, w->dlogits, V, p->wte, d, 0, NULL, T, d, V, s);
    add_at_b(&w->gs, g.wte, w->dlogits, V, r->lnf, d, T, V, d);
    // y = LN_f(x_L)
    memset(w->dresid, 0, T * d * sizeof(float));
    model_layernorm_backward(w->dresid, g.lnf_w, g.lnf_b, w->dln, r->resid + L * N * d,
                             r->lnf_mean, r->lnf_rstd, p->lnf_w, T, d);
    for (size_t l = L; l-- > 0;) {
        const float *x = r->resid + l * N * d, *mid = r->mid + l * N * d;
        const float *ln2 = r->ln2 + l * N * d, *fc = r->fc + l * N * 4 * d;
        const float *gelu = r->gelu + l * N * 4 * d;
        // next = mid + GELU(fc)·W_proj + b: the stream's gradient passes to mid as is
        memcpy(w->dmid, w->dresid, T * d * sizeof(float));
        attn_gemm(w->dfc, 4 * d, w->dresid, d, p->fcproj_w + l * 4 * d * d, d, 1, NULL, T, 4 * d,
                  d, s);
        add_at_b(&w->gs, g.fcproj_w + l * 4 * d * d, gelu, 4 * d, w->dresid, d, T, 4 * d, d);
        add_colsum(g.fcproj_b + l * d, w->dresid, d, T, d);
        model_gelu_backward(w->dfc, w->dfc, fc, T * 4 * d);
        // fc = LN_2(mid)·W_fc + b
        attn_gemm(w->dln, d, w->dfc, 4 * d, p->fc_w + l * d * 4 * d, 4 * d, 1, NULL, T, d, 4 * d,
                  s);
        add_at_b(&w->gs, g.fc_w + l * d * 4 * d, ln2, d, w->dfc, 4 * d, T, d, 4 * d);
        add_colsum(g.fc_b + l * 4 * d, w->dfc, 4 * d, T, 4 * d);
        model_layernorm_backward(w->dmid, g.ln2_w + l * d, g.ln2_b + l * d, w->dln, mid,
                                 r->ln2_mean + l * N, r->ln2_rstd + l * N, p->ln2_w + l * d, T,
                                 d);
        // mid = x + attention(LN_1(x))
        memcpy(w->dresid, w->dmid, T * d * sizeof(float));
        model_attention_backward(&r->trace[l], &w->attn[l], p->attn_w + l * d * 3 * d, w->dmid,
                                 w->dln, g.attn_w + l * d * 3 * d, g.attn_b + l * 3 * d,
                                 g.proj_w + l * d * d, g.proj_b + l * d, &w->gs);
        model_layernorm_backward(w->dresid, g.ln1_w + l * d, g.ln1_b + l * d, w->dln, x,
                                 r->ln1_mean + l * N, r->ln1_rstd + l * N, p->ln1_w + l * d, T,
                                 d);
    }
    // x = wte[ids] + wpe[positions]
    for (size_t i = 0; i < T; i++) {
        float *te = g.wte + (size_t)ids[i] * d, *pe = g.wpe + i * d;
        const float *dx = w->dresid + i * d;
        for (size_t k = 0; k < d; k++) {
            te[k] += dx[k];
            pe[k] += dx[k];
        }
    }
    return ATTN_OK;
}

static void *worker_run(void *arg) {
    model_worker *w = arg;
    memset(w->grad, 0, w->m->n_params * sizeof(float));
    w->loss = 0.0;
    w->status = ATTN_OK;
    for (size_t b = w->first; b < w->end && w->status == ATTN_OK; b++)
        w->status = sequence(w, w->inputs + b * w->T, w->targets + b * w->T);
    return NULL;
}

/* ---- the trainer ---------------------------------------------------------- */

attn_status model_trainer_init(model_trainer *t, const model *m, const model_train_config *c,
                               char *err, size_t err_len) {
    memset(t, 0, sizeof *t);
    attn_status s = model_train_config_check(c, &m->config, NULL, err, err_len);
    if (s != ATTN_OK) return s;
    size_t n = m->n_params, L = m->config.n_layers, bytes;
    /* a model only read and run (model_init_run_only) may be larger */
    if (n > MODEL_PARAMS_MAX)
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "training %zu parameters is over the limit of %zu for a model that "
                          "trains: use a smaller model",
                          n, MODEL_PARAMS_MAX);
    /* The gradient and Adam's two moments: three floats per parameter. */
    if (!attn_size_mul3(&bytes, 3, n, sizeof(float)))
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "training %zu parameters needs more bytes than a %d-bit size can "
                          "count: use a smaller model",
                          n, ATTN_SIZE_BITS);
    t->block = calloc(3 * n, sizeof(float));
    t->attn = calloc(L, sizeof *t->attn);
    if (!t->block || !t->attn) {
        model_trainer_free(t);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for training state");
    }
    t->config = *c;
    t->n_params = n;
    t->n_layers = L;
    t->grad = t->block;
    t->adam_m = t->block + n;
    t->adam_v = t->block + 2 * n;
    attn_config ac = model_attn_config(&m->config);
    for (size_t l = 0; l < L; l++) {
        s = attn_weights_init(&t->attn[l], &ac, err, err_len);
        if (s != ATTN_OK) {
            model_trainer_free(t);
            return s;
        }
    }
    for (int k = 0; k < 2; k++) {
        s = worker_create(&t->worker[k], m, t->attn, c->seq, err, err_len);
        if (s != ATTN_OK) {
            model_trainer_free(t);
            return s;
        }
    }
    return ATTN_OK;
}

void model_trainer_free(model_trainer *t) {
    if (!t) return;
    for (int k = 0; k < 2; k++) worker_free(t->worker[k]);
    /* layers whose init failed or never ran are zeroed: freeing them is a no-op */
    for (size_t l = 0; t->attn && l < t->n_layers; l++) attn_weights_free(&t->attn[l]);
    free(t->attn);
    free(t->block);
    memset(t, 0, sizeof *t);
}

attn_status model_trainer_grad(model_trainer *t, const model *m, const int32_t *inputs,
                               const int32_t *targets, double *loss, char *err, size_t err_len) {
    const model_train_config *c = &t->config;
    for (size_t l = 0; l < m->config.n_layers; l++) model_attn_weights_sync(&t->attn[l], m, l);
    size_t half = c->batch / 2;
    for (int k = 0; k < 2; k++) {
        model_worker *w = t->worker[k];
        w->m = m;
        w->attn = t->attn;
        w->inputs = inputs;
        w->targets = targets;
        w->T = c->seq;
        w->first = k == 0 ? 0 : half;
        w->end = k == 0 ? half : c->batch;
        w->scale = 1.0f / (float)(c->batch * c->seq);
    }
    pthread_t thread;
    int threaded = c->threads > 1 && pthread_create(&thread, NULL, worker_run, t->worker[1]) == 0;
    worker_run(t->worker[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else
        worker_run(t->worker[1]);
    for (int k = 0; k < 2; k++)
        if (t->worker[k]->status != ATTN_OK) {
            if (err && err_len) snprintf(err, err_len, "%s", t->worker[k]->err);
            return t->worker[k]->status;
        }
    // the two halves, always in this order
    const float *g0 = t->worker[0]->grad, *g1 = t->worker[1]->grad;
    double norm = 0.0;
    for (size_t i = 0; i < t->n_params; i++) {
        t->grad[i] = g0[i] + g1[i];
        norm += (double)t->grad[i] * t->grad[i];
    }
    t->grad_norm = sqrt(norm);
    *loss = (t->worker[0]->loss + t->worker[1]->loss) / (double)(c->batch * c->seq);
    return ATTN_OK;
}

void model_trainer_update(model_trainer *t, model *m) {
    const model_train_config *c = &t->config;
    float lr = model_train_lr(c, t->step);
    t->step++;
    float clip = 1.0f;
    if (c->grad_clip > 0.0f && t->grad_norm > c->grad_clip)
        clip = (float)(c->grad_clip / t->grad_norm);
    // the bias corrections of Adam (Kingma & Ba 2015, Algorithm 1)
    float bc1 = 1.0f - powf(c->beta1, (float)t->step);
    float bc2 = 1.0f - powf(c->beta2, (float)t->step);
    float step_size = lr / bc1, bc2_sqrt = sqrtf(bc2);
    size_t sizes[MODEL_PARAM_TENSORS], offset = 0;
    model_param_sizes(&m->config, sizes);
    for (size_t k = 0; k < MODEL_PARAM_TENSORS; k++) {
        float decay = model_param_is_matrix(k) ? 1.0f - lr * c->weight_decay : 1.0f;
        float *p = m->block + offset, *g = t->grad + offset;
        float *mm = t->adam_m + offset, *vv = t->adam_v + offset;
        for (size_t i = 0; i < sizes[k]; i++) {
            float gi = g[i] * clip;
            mm[i] = c->beta1 * mm[i] + (1.0f - c->beta1) * gi;
            vv[i] = c->beta2 * vv[i] + (1.0f - c->beta2) * gi * gi;
            float denom = sqrtf(vv[i]) / bc2_sqrt + c->eps;
            p[i] = p[i] * decay - step_size * mm[i] / denom;
        }
        offset += sizes[k];
    }
}
