/* The training recipe (train.h): the shipped model's numbers, once, and
 * the loop every training in attnviz runs. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attnviz/train.h"
#include "fast.h"
#include "model_private.h"

model_recipe model_recipe_default(void) {
    model_recipe r;
    memset(&r, 0, sizeof r);
    const char *const *words;
    r.model = (model_config){.n_layers = 2, .n_heads = 4, .d_model = 128, .n_ctx = 64,
                             .n_vocab = model_corpus_vocab(&words)};
    r.train = model_train_config_default(); /* batch 32, 6000 steps, lr 3e-3 → 3e-4, ... */
    r.train.seq = r.model.n_ctx;
    r.seed = 1;
    r.mix = model_corpus_mix_default();
    r.pos_sinusoid = 0.0f;
    return r;
}

attn_status model_recipe_check(const model_recipe *r, model_setting *bad, char *err,
                               size_t err_len) {
    model_setting unused;
    if (!bad) bad = &unused;
    attn_status st = model_config_check(&r->model, bad, err, err_len);
    if (st != ATTN_OK) return st;
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    if (r->model.n_vocab != V)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "a vocabulary of %zu words is not the corpus's %zu: the model learns "
                          "the corpus's words",
                          r->model.n_vocab, V);
    st = model_train_config_check(&r->train, &r->model, bad, err, err_len);
    if (st != ATTN_OK) return st;
    if (r->seed == MODEL_HELDOUT_SEED) {
        *bad = MODEL_SETTING_SEED;
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "seed %llu is the held-out text's own: pick another",
                          (unsigned long long)r->seed);
    }
    if (!(r->pos_sinusoid >= 0.0f && r->pos_sinusoid <= 10.0f))
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "a sinusoid scale of %g is out of range: use 0 (off) to 10",
                          (double)r->pos_sinusoid);
    model_corpus corpus; /* the mix is checked where it is used */
    return model_corpus_init(&corpus, r->seed, &r->mix, err, err_len);
}

/* ---- the loop ------------------------------------------------------------------- */

/* Everything one run holds; freed by run_free whatever happened. */
typedef struct run_state {
    model_vocab vocab;
    model_trainer trainer;
    model_corpus corpus;
    int32_t *batch;  /* B × (T + 1) */
    int32_t *inputs; /* B × T, then the targets */
    bool have_vocab, have_model, have_trainer;
} run_state;

static void run_free(run_state *s, model *m, bool keep_model) {
    if (s->have_trainer) model_trainer_free(&s->trainer);
    if (s->have_model && !keep_model) model_free(m);
    if (s->have_vocab) model_vocab_free(&s->vocab);
    free(s->batch);
    free(s->inputs);
}

/* The hook's answer: 0 go on, 1 stop, 2 failed (its message in err). */
static int call(const model_train_hooks *h, const model_train_progress *p, char *err,
                size_t err_len) {
    if (!h || !h->progress) return 0;
    int rc = h->progress(h->user, p, err, err_len);
    return rc == 1 || rc == 2 ? rc : 0;
}

/* Measures the heads into *roles (replacing what was there) and reports
 * them: 0, 1 (stop) or 2 with err set (*st says why). */
static int measure(const model_train_hooks *h, model_train_progress *p, const model *m,
                   model_heads_report *roles, attn_status *st, char *err, size_t err_len) {
    model_heads_report_free(roles);
    *st = model_heads_measure(m, h->roles_sequences, NULL, 0, roles, err, err_len);
    if (*st != ATTN_OK) return 2;
    p->roles = roles;
    p->roles_next = false;
    p->heldout = roles->heldout_loss;
    int rc = call(h, p, err, err_len);
    if (rc == 2) *st = ATTN_ERR_INPUT;
    return rc;
}

attn_status model_train_run(const model_recipe *r, const model_train_hooks *h, model *m,
                            model_heads_report *roles, size_t *steps_done, char *err,
                            size_t err_len) {
    memset(m, 0, sizeof *m);
    memset(roles, 0, sizeof *roles);
    *steps_done = 0;
    attn_status st = model_recipe_check(r, NULL, err, err_len);
    if (st != ATTN_OK) return st;

    run_state s;
    memset(&s, 0, sizeof s);
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    if ((st = model_vocab_init(&s.vocab, words, V, err, err_len)) != ATTN_OK) goto failed;
    s.have_vocab = true;
    if ((st = model_init(m, &r->model, &s.vocab, err, err_len)) != ATTN_OK) goto failed;
    s.have_model = true;
    model_init_gpt2(m, r->seed);
    if (r->pos_sinusoid > 0) model_init_positions_sinusoid(m, r->pos_sinusoid);
    if ((st = model_trainer_init(&s.trainer, m, &r->train, err, err_len)) != ATTN_OK) goto failed;
    s.have_trainer = true;
    if ((st = model_corpus_init(&s.corpus, r->seed, &r->mix, err, err_len)) != ATTN_OK)
        goto failed;
    size_t B = r->train.batch, T = r->train.seq, steps = r->train.steps;
    s.batch = malloc(B * (T + 1) * sizeof *s.batch);
    s.inputs = malloc(2 * B * T * sizeof *s.inputs);
    if (!s.batch || !s.inputs) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len,
                        "out of memory for a batch of %zu × %zu tokens", B, T);
        goto failed;
    }
    int32_t *targets = s.inputs + B * T;

    size_t eval_every = h ? h->eval_every : 0, eval_sequences = h ? h->eval_sequences : 0;
    size_t roles_every = h ? h->roles_every : 0, roles_sequences = h ? h->roles_sequences : 0;
    model_train_progress p = {.steps = steps, .loss = NAN, .heldout = NAN, .model = m};
    int rc = 0;
    if (roles_sequences && h->roles_at_start) { /* the untrained heads */
        p.roles_next = true;
        rc = call(h, &p, err, err_len);
        if (rc == 0) rc = measure(h, &p, m, roles, &st, err, err_len);
        if (rc == 2 && st == ATTN_OK) st = ATTN_ERR_INPUT;
    }
    for (size_t step = 0; rc == 0 && step < steps; step++) {
        model_corpus_batch(&s.corpus, s.batch, B, T, s.inputs, targets);
        double loss;
        st = model_trainer_grad(&s.trainer, m, s.inputs, targets, &loss, err, err_len);
        if (st != ATTN_OK) goto failed;
        if (!isfinite(loss)) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "the loss became %g at step %zu: training diverged (lower the "
                            "learning rate, now %g)",
                            loss, step + 1, (double)r->train.lr);
            goto failed;
        }
        float lr = model_train_lr(&r->train, step);
        model_trainer_update(&s.trainer, m);
        size_t done = step + 1;
        *steps_done = done;
        bool last = done == steps;
        p = (model_train_progress){.step = done, .steps = steps, .lr = lr, .loss = loss,
                                   .tokens = done * B * T, .heldout = NAN, .model = m};
        if (eval_sequences && (last || (eval_every && done % eval_every == 0))) {
            st = model_heads_loss(m, eval_sequences, NULL, &p.heldout, err, err_len);
            if (st != ATTN_OK) goto failed;
        }
        p.roles_next = roles_sequences && (last || (roles_every && done % roles_every == 0));
        rc = call(h, &p, err, err_len);
        if (rc == 0 && p.roles_next) rc = measure(h, &p, m, roles, &st, err, err_len);
        if (rc == 2 && st == ATTN_OK) st = ATTN_ERR_INPUT;
    }
    if (rc == 2) goto failed;
    run_free(&s, m, true);
    return ATTN_OK;

failed:
    run_free(&s, m, false);
    memset(m, 0, sizeof *m);
    model_heads_report_free(roles);
    memset(roles, 0, sizeof *roles);
    return st;
}

/* Floats of a model_run of T tokens with its per-layer traces sharing one
 * scratch (model_run_init_shared, attn_trace_init_shared). */
static double run_floats(double L, double d, double V, double H, double T) {
    double trace = 7.0 * T * d + 4.0 * H * T * T;
    return (3.0 * L + 1.0) * T * d + 8.0 * L * T * d + 4.0 * L * T + 3.0 * T * d + 2.0 * T * V +
           (double)model_scratch_floats() + L * trace;
}

attn_status model_train_estimate(const model_recipe *r, double *bytes, double *flops, char *err,
                                 size_t err_len) {
    const model_config *c = &r->model;
    size_t sizes[MODEL_PARAM_TENSORS];
    double P = (double)model_param_sizes(c, sizes);
    double L = (double)c->n_layers, d = (double)c->d_model, V = (double)c->n_vocab;
    double H = (double)c->n_heads, T = (double)r->train.seq, B = (double)r->train.batch;
    /* each worker keeps one sequence's trace per layer, sharing its scratch */
    char msg[256];
    if (attn_trace_check(r->train.seq, c->d_model, c->n_heads, true, msg, sizeof msg) != ATTN_OK)
        return model_fail(ATTN_ERR_LIMIT, err, err_len, "training cannot keep one layer's "
                          "trace: %s", msg);
    double run = run_floats(L, d, V, H, T);
    double tcols = V > 4.0 * d ? V : 4.0 * d;
    if (T > tcols) tcols = T;
    double work = P + T * V + 11.0 * T * d + T * T + tcols * T + (V * d > 4.0 * d * d ? V * d : 4.0 * d * d);
    /* the held-out evaluation runs two more on whole contexts (model_heads.c) */
    double floats = 4.0 * P + L * (4.0 * d * d + 4.0 * d) + 2.0 * (run + work) +
                    2.0 * run_floats(L, d, V, H, (double)c->n_ctx);
    *bytes = floats * sizeof(float) + B * (3.0 * T + 1.0) * sizeof(int32_t);
    /* per token: every weight matrix twice (multiply, add), the attention
     * 2·T·d for Q·Kᵀ and again for weights·V per layer; backward ≈ 2 forwards */
    double forward = 2.0 * (12.0 * L * d * d + d * V) + 4.0 * L * T * d;
    *flops = 3.0 * forward * B * T;
    return ATTN_OK;
}

double model_matmul_rate(void) {
    enum { N = 128, REPEAT = 8 };
    float *a = calloc(3 * N * N + model_scratch_floats(), sizeof(float));
    if (!a) return 1e9;
    float *b = a + N * N, *out = b + N * N, *scratch = out + N * N;
    for (size_t i = 0; i < 2 * N * N; i++) a[i] = (float)(i % 7) * 0.1f;
    attn_gemm(out, N, a, N, b, N, 0, NULL, N, N, N, scratch); /* warm: caches, clock */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < REPEAT; k++) attn_gemm(out, N, a, N, b, N, 0, NULL, N, N, N, scratch);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(a);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return s > 0 ? 2.0 * N * N * N * REPEAT / s : 1e9;
}
