/* Backward checked against finite differences: LayerNorm, GELU and the
 * attention layer (with respect to its input, c_attn, c_proj and their
 * biases) each on its own, then every parameter tensor of a whole tiny
 * model (which adds the linear layers of the MLP, the embeddings, the tied
 * unembedding and the cross-entropy), and the optimiser's rules.
 * The whole model's gradients are also checked against PyTorch autograd in
 * test_model_torch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/model.h"
#include "attnviz/rng.h"
#include "check.h"
#include "model_private.h"

static double normal(attn_rng *r) {
    double u1 = ((double)(attn_rng_next(r) >> 11) + 0.5) * 0x1p-53;
    double u2 = (double)(attn_rng_next(r) >> 11) * 0x1p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

static void fill(float *p, size_t n, double mean, double std, attn_rng *r) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(mean + std * normal(r));
}

/* ---- LayerNorm: L = Σ dout · LN(x) ------------------------------------------ */

static double ln_objective(const float *x, const float *w, const float *b, const float *dout,
                           size_t rows, size_t d) {
    float out[64], mean[8], rstd[8];
    model_layernorm(out, mean, rstd, x, w, b, rows, d);
    double s = 0.0;
    for (size_t i = 0; i < rows * d; i++) s += (double)dout[i] * out[i];
    return s;
}

static void test_layernorm(void) {
    enum { ROWS = 3, D = 7 };
    attn_rng r = attn_rng_stream(1, 1);
    float x[ROWS * D], w[D], b[D], dout[ROWS * D];
    fill(x, ROWS * D, 0.5, 2.0, &r);
    fill(w, D, 1.0, 0.3, &r);
    fill(b, D, 0.0, 0.3, &r);
    fill(dout, ROWS * D, 0.0, 1.0, &r);
    float out[ROWS * D], mean[ROWS], rstd[ROWS];
    model_layernorm(out, mean, rstd, x, w, b, ROWS, D);
    float dx[ROWS * D] = {0}, dw[D] = {0}, db[D] = {0};
    model_layernorm_backward(dx, dw, db, dout, x, mean, rstd, w, ROWS, D);
    const float h = 1e-2f;
    double worst = 0.0;
    struct { float *p, *g; size_t n; const char *name; } t[] = {
        {x, dx, ROWS * D, "x"}, {w, dw, D, "w"}, {b, db, D, "b"}};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < t[k].n; i++) {
            float keep = t[k].p[i];
            t[k].p[i] = keep + h;
            double up = ln_objective(x, w, b, dout, ROWS, D);
            t[k].p[i] = keep - h;
            double down = ln_objective(x, w, b, dout, ROWS, D);
            t[k].p[i] = keep;
            double fd = (up - down) / (2.0 * h), got = t[k].g[i];
            double e = fabs(fd - got) / (1e-2 + fabs(fd));
            if (e > worst) worst = e;
            CHECKF(e < 2e-2, "layernorm d%s[%zu]: backward %g, finite difference %g", t[k].name,
                   i, got, fd);
        }
    printf("  layernorm: worst relative error %.2e\n", worst);
    // the row statistics are what they claim
    for (size_t i = 0; i < ROWS; i++) {
        double m = 0, v = 0;
        for (size_t k = 0; k < D; k++) m += x[i * D + k];
        m /= D;
        for (size_t k = 0; k < D; k++) v += (x[i * D + k] - m) * (x[i * D + k] - m);
        v /= D;
        CHECK(fabs(mean[i] - m) < 1e-5);
        CHECK(fabs(rstd[i] - 1.0 / sqrt(v + 1e-5)) < 1e-4 * rstd[i]);
    }
}

/* ---- GELU ------------------------------------------------------------------- */

static double gelu_exact_tanh(double x) {
    return 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
}

static void test_gelu(void) {
    double worst = 0.0;
    for (int i = -60; i <= 60; i++) {
        float x = (float)i * 0.1f, y, g, one = 1.0f;
        model_gelu(&y, &x, 1);
        CHECKF(fabs(y - gelu_exact_tanh(x)) < 1e-6 + 1e-6 * fabs(y), "gelu(%g) = %g", x, y);
        model_gelu_backward(&g, &one, &x, 1);
        double hh = 1e-4;
        double fd = (gelu_exact_tanh(x + hh) - gelu_exact_tanh(x - hh)) / (2 * hh);
        double e = fabs(fd - g);
        if (e > worst) worst = e;
        CHECKF(e < 1e-5, "gelu'(%g): backward %g, finite difference %g", x, g, fd);
    }
    printf("  gelu: worst absolute error of the derivative %.2e\n", worst);
}

/* ---- attention on its own: L = Σ dout · attention(X) ------------------------------- */

typedef struct attn_case {
    size_t T, d, H;
    attn_config c;
    attn_weights w;
    float *c_attn, *b_attn; /* (d, 3d), (3d): W_Q | W_K | W_V side by side, as GPT-2 keeps them */
    float *x, *dout;
    attn_trace t;
} attn_case;

/* The core's weights from c_attn (and its bias), as model_attn_weights_sync does. */
static void attn_case_sync(attn_case *a) {
    size_t d = a->d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            a->w.w_q[i * d + j] = a->c_attn[i * 3 * d + j];
            a->w.w_k[i * d + j] = a->c_attn[i * 3 * d + d + j];
            a->w.w_v[i * d + j] = a->c_attn[i * 3 * d + 2 * d + j];
        }
    memcpy(a->w.b_q, a->b_attn, d * sizeof(float));
    memcpy(a->w.b_k, a->b_attn + d, d * sizeof(float));
    memcpy(a->w.b_v, a->b_attn + 2 * d, d * sizeof(float));
}

static double attn_objective(attn_case *a) {
    attn_case_sync(a);
    CHECK(attn_forward(&a->t, &a->c, &a->w, a->x, a->T, NULL, 0) == ATTN_OK);
    double s = 0.0;
    for (size_t i = 0; i < a->T * a->d; i++) s += (double)a->dout[i] * a->t.output[i];
    return s;
}

static void test_attention(void) {
    attn_case a = {.T = 6, .d = 8, .H = 2};
    a.c = (attn_config){.d_model = 8, .n_heads = 2, .n_kv_heads = 2, .causal = true, .scale = true,
                        .temperature = 1.0f};
    size_t T = a.T, d = a.d;
    CHECK(attn_weights_init(&a.w, &a.c, NULL, 0) == ATTN_OK);
    CHECK(attn_trace_init(&a.t, T, d, a.H, NULL, 0) == ATTN_OK);
    float *block = calloc(d * 3 * d + 3 * d + 2 * T * d, sizeof(float));
    a.c_attn = block;
    a.b_attn = a.c_attn + d * 3 * d;
    a.x = a.b_attn + 3 * d;
    a.dout = a.x + T * d;
    attn_rng r = attn_rng_stream(11, 4);
    fill(a.c_attn, d * 3 * d, 0.0, 0.5, &r);
    fill(a.b_attn, 3 * d, 0.0, 0.3, &r);
    fill(a.w.w_o, d * d, 0.0, 0.5, &r);
    fill(a.w.b_o, d, 0.0, 0.3, &r);
    fill(a.x, T * d, 0.0, 1.0, &r);
    fill(a.dout, T * d, 0.0, 1.0, &r);
    attn_objective(&a);
    // backward from the trace of that forward
    float *g = calloc(T * d + d * 3 * d + 3 * d + d * d + d, sizeof(float));
    float *dx = g, *g_attn = dx + T * d, *g_battn = g_attn + d * 3 * d, *g_proj = g_battn + 3 * d;
    float *g_bproj = g_proj + d * d;
    float *work = calloc(T * d + T * 3 * d + T * T + 3 * d * T + 3 * d * d +
                             attn_trace_scratch_floats(),
                         sizeof(float));
    model_grad_scratch gs = {.dconcat = work};
    gs.dqkv = gs.dconcat + T * d;
    gs.dp = gs.dqkv + T * 3 * d;
    gs.tbuf = gs.dp + T * T;
    gs.tmp = gs.tbuf + 3 * d * T;
    gs.gemm = gs.tmp + 3 * d * d;
    model_attention_backward(&a.t, &a.w, a.c_attn, a.dout, dx, g_attn, g_battn, g_proj, g_bproj,
                             &gs);
    struct { float *p, *g; size_t n; const char *name; } t[] = {
        {a.x, dx, T * d, "X"},          {a.c_attn, g_attn, d * 3 * d, "c_attn"},
        {a.b_attn, g_battn, 3 * d, "c_attn bias"}, {a.w.w_o, g_proj, d * d, "c_proj"},
        {a.w.b_o, g_bproj, d, "c_proj bias"}};
    const float h = 1e-2f;
    for (size_t k = 0; k < 5; k++) {
        double worst = 0.0;
        for (size_t i = 0; i < t[k].n; i++) {
            float keep = t[k].p[i];
            t[k].p[i] = keep + h;
            double up = attn_objective(&a);
            t[k].p[i] = keep - h;
            double down = attn_objective(&a);
            t[k].p[i] = keep;
            double fd = (up - down) / (2.0 * h), got = t[k].g[i];
            double e = fabs(fd - got) / (1e-3 + fabs(fd));
            if (e > worst) worst = e;
            CHECKF(fabs(fd - got) <= 2e-4 + 2e-2 * fabs(fd),
                   "attention d%s[%zu]: backward %.7g, finite difference %.7g", t[k].name, i, got,
                   fd);
        }
        printf("  attention d%-12s %3zu elements, worst relative error %.2e\n", t[k].name,
               t[k].n, worst);
    }
    free(work);
    free(g);
    free(block);
    attn_trace_free(&a.t);
    attn_weights_free(&a.w);
}

/* ---- the whole model ---------------------------------------------------------- */

static const char *const tensor_name[MODEL_PARAM_TENSORS] = {
    "wte", "wpe", "ln_1.weight", "ln_1.bias", "c_attn.weight", "c_attn.bias", "attn.c_proj.weight",
    "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "c_fc.weight", "c_fc.bias",
    "mlp.c_proj.weight", "mlp.c_proj.bias", "ln_f.weight", "ln_f.bias"};

static void make_vocab(model_vocab *v, size_t n) {
    char buf[64][8];
    const char *words[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "w%zu", i);
        words[i] = buf[i];
    }
    CHECK(model_vocab_init(v, words, n, NULL, 0) == ATTN_OK);
}

static double batch_loss(model_trainer *t, model *m, const int32_t *in, const int32_t *tg) {
    double loss = 0.0;
    CHECK(model_trainer_grad(t, m, in, tg, &loss, NULL, 0) == ATTN_OK);
    return loss;
}

static void test_model(size_t threads) {
    model_config c = {.n_layers = 2, .n_heads = 2, .d_model = 8, .n_ctx = 8, .n_vocab = 11};
    model_vocab v;
    make_vocab(&v, c.n_vocab);
    model m;
    char err[256];
    CHECKF(model_init(&m, &c, &v, err, sizeof err) == ATTN_OK, "%s", err);
    attn_rng r = attn_rng_stream(7, 3);
    fill(m.block, m.n_params, 0.0, 0.3, &r);
    model_train_config tc = model_train_config_default();
    tc.batch = 3;
    tc.seq = 6;
    tc.threads = threads;
    model_trainer t;
    CHECKF(model_trainer_init(&t, &m, &tc, err, sizeof err) == ATTN_OK, "%s", err);
    int32_t in[18], tg[18];
    for (size_t i = 0; i < 18; i++) {
        in[i] = (int32_t)(attn_rng_next(&r) % c.n_vocab);
        tg[i] = (int32_t)(attn_rng_next(&r) % c.n_vocab);
    }
    batch_loss(&t, &m, in, tg);
    float *grad = malloc(m.n_params * sizeof *grad);
    memcpy(grad, t.grad, m.n_params * sizeof *grad);
    size_t sizes[MODEL_PARAM_TENSORS], off = 0;
    model_param_sizes(&c, sizes);
    const float h = 1e-2f;
    for (size_t k = 0; k < MODEL_PARAM_TENSORS; k++) {
        double worst = 0.0;
        size_t checked = 0;
        // every element of small tensors, a spread of large ones
        size_t stride = sizes[k] > 64 ? sizes[k] / 61 : 1;
        for (size_t i = 0; i < sizes[k]; i += stride) {
            float *p = m.block + off + i, keep = *p;
            *p = keep + h;
            double up = batch_loss(&t, &m, in, tg);
            *p = keep - h;
            double down = batch_loss(&t, &m, in, tg);
            *p = keep;
            double fd = (up - down) / (2.0 * h), got = grad[off + i];
            double e = fabs(fd - got) / (1e-3 + fabs(fd));
            if (e > worst) worst = e;
            CHECKF(fabs(fd - got) <= 2e-4 + 2e-2 * fabs(fd),
                   "%s[%zu]: backward %.7g, finite difference %.7g", tensor_name[k], i, got, fd);
            checked++;
        }
        if (threads == 2)
            printf("  %-19s %4zu elements, worst relative error %.2e\n", tensor_name[k], checked,
                   worst);
        off += sizes[k];
    }
    free(grad);
    model_trainer_free(&t);
    model_free(&m);
    model_vocab_free(&v);
}

/* One thread or two: the same bits. */
static void test_threads_same_bits(void) {
    model_config c = {.n_layers = 2, .n_heads = 4, .d_model = 16, .n_ctx = 16, .n_vocab = 20};
    model_vocab v;
    make_vocab(&v, c.n_vocab);
    model m1, m2;
    CHECK(model_init(&m1, &c, &v, NULL, 0) == ATTN_OK);
    CHECK(model_init(&m2, &c, &v, NULL, 0) == ATTN_OK);
    model_init_gpt2(&m1, 5);
    model_init_gpt2(&m2, 5);
    CHECK(memcmp(m1.block, m2.block, m1.n_params * sizeof(float)) == 0);
    model_train_config tc = model_train_config_default();
    tc.batch = 6;
    tc.seq = 16;
    tc.steps = 5;
    tc.warmup = 1;
    model_trainer t1, t2;
    tc.threads = 1;
    CHECK(model_trainer_init(&t1, &m1, &tc, NULL, 0) == ATTN_OK);
    tc.threads = 2;
    CHECK(model_trainer_init(&t2, &m2, &tc, NULL, 0) == ATTN_OK);
    attn_rng r = attn_rng_stream(9, 9);
    int32_t in[96], tg[96];
    double first = 0, last = 0;
    for (int step = 0; step < 5; step++) {
        for (size_t i = 0; i < 96; i++) {
            in[i] = (int32_t)(attn_rng_next(&r) % 5); /* a small alphabet: learnable */
            tg[i] = (in[i] + 1) % 5;
        }
        double l1 = batch_loss(&t1, &m1, in, tg), l2 = batch_loss(&t2, &m2, in, tg);
        CHECK(l1 == l2);
        model_trainer_update(&t1, &m1);
        model_trainer_update(&t2, &m2);
        if (step == 0) first = l1;
        last = l1;
    }
    CHECK(memcmp(m1.block, m2.block, m1.n_params * sizeof(float)) == 0);
    CHECKF(last < first, "loss fell over 5 steps: %g -> %g", first, last);
    model_trainer_free(&t1);
    model_trainer_free(&t2);
    model_free(&m1);
    model_free(&m2);
    model_vocab_free(&v);
}

static void test_schedule(void) {
    model_train_config c = model_train_config_default();
    c.steps = 100;
    c.warmup = 10;
    c.lr = 1e-2f;
    c.lr_min = 1e-3f;
    CHECK(fabsf(model_train_lr(&c, 0) - 1e-3f) < 1e-9f);
    CHECK(fabsf(model_train_lr(&c, 9) - 1e-2f) < 1e-9f);
    CHECK(fabsf(model_train_lr(&c, 10) - 1e-2f) < 1e-9f);
    CHECK(fabsf(model_train_lr(&c, 99) - 1e-3f) < 1e-8f);
    for (size_t s = 11; s < 100; s++) CHECK(model_train_lr(&c, s) <= model_train_lr(&c, s - 1));
    char err[256];
    c.warmup = 200;
    c.seq = 8;
    CHECK(model_train_config_check(&c, &(model_config){1, 1, 8, 8, 8}, NULL, err, sizeof err) ==
          ATTN_ERR_CONFIG);
    CHECK(strncmp(err, "warmup ", 7) == 0);
}

/* Parameter counts are checked products: the largest settings give the exact
 * count (or SIZE_MAX where it does not fit a size_t) and model_init refuses
 * them in plain words before allocating anything. */
static void test_model_sizes(void) {
    model_config big = {.n_layers = MODEL_LAYERS_MAX, .n_heads = 256, .d_model = 4096,
                        .n_ctx = MODEL_CTX_MAX, .n_vocab = MODEL_VOCAB_MAX};
    size_t s[MODEL_PARAM_TENSORS];
    uint64_t L = big.n_layers, d = big.d_model;
    uint64_t want = L * (12 * d * d + 13 * d) + (big.n_vocab + big.n_ctx) * d + 2 * d;
    size_t got = model_param_sizes(&big, s);
    CHECKF(want > SIZE_MAX ? got == SIZE_MAX : got == want, "%zu parameters, want %llu", got,
           (unsigned long long)want);
    CHECK(got > MODEL_PARAMS_MAX);

    model_config c = big;
    c.n_vocab = 64;
    model_vocab v;
    make_vocab(&v, c.n_vocab);
    model m;
    char err[512];
    CHECK(model_init(&m, &c, &v, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK(m.block == NULL);
    CHECK_STR_CONTAINS(err, "48 layers of d_model 4096");
    CHECK_STR_CONTAINS(err, "more than the limit of");
    CHECK(strstr(err, "--") == NULL); /* no command-line flags below the command line */
    CHECK(strchr(err, '\n') == NULL);
    model_vocab_free(&v);
    /* The limit itself is meaningful with a 32-bit size_t too. */
    CHECK(MODEL_PARAMS_MAX > 0 && (uint64_t)MODEL_PARAMS_MAX * sizeof(float) < SIZE_MAX);
}

int main(void) {
    test_layernorm();
    test_gelu();
    test_attention();
    test_model(2);
    test_model(1);
    test_threads_same_bits();
    test_schedule();
    test_model_sizes();
    return check_done("test_model_grad");
}
