/* The model against PyTorch: forward (logits, each layer's LN_1 output and
 * attention weights), the loss, every parameter's gradient and two AdamW
 * steps, read from fixtures that tests/torch/make_model_fixtures.py wrote
 * with float64 autograd (tests/torch/README.md). Usage:
 *   test_model_torch FIXTURES_DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/model.h"
#include "attnviz/safetensors.h"
#include "check.h"

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static size_t meta_size(const model_st_file *f, const char *key) {
    const char *v = model_st_meta_get(f, key);
    CHECKF(v != NULL, "metadata %s is missing", key);
    return v ? (size_t)strtoull(v, NULL, 10) : 0;
}

static double meta_float(const model_st_file *f, const char *key) {
    const char *v = model_st_meta_get(f, key);
    CHECKF(v != NULL, "metadata %s is missing", key);
    return v ? strtod(v, NULL) : 0.0;
}

/* Element i of a fixture tensor as double (F32 or F64; data may be unaligned). */
static double element(const model_st_tensor *t, size_t i) {
    if (t->dtype == MODEL_ST_F64) {
        double v;
        memcpy(&v, (const char *)t->data + 8 * i, 8);
        return v;
    }
    float v;
    memcpy(&v, (const char *)t->data + 4 * i, 4);
    return v;
}

static int32_t element_i32(const model_st_tensor *t, size_t i) {
    int32_t v;
    memcpy(&v, (const char *)t->data + 4 * i, 4);
    return v;
}

static const model_st_tensor *need(const model_st_file *f, const char *name) {
    const model_st_tensor *t = model_st_find(f, name);
    CHECKF(t != NULL, "fixture tensor %s is missing", name);
    return t;
}

/* GPT-2's per-layer names in model_params order (tensors 2 .. 13). */
static const char *const layer_names[12] = {
    "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
    "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
    "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};

/* Calls fn(name, floats of the model's tensor, count) for each parameter. */
typedef void (*param_fn)(void *ctx, const char *name, float *p, size_t count);

static void each_param(const model_config *c, float *block, param_fn fn, void *ctx) {
    size_t sizes[MODEL_PARAM_TENSORS];
    model_param_sizes(c, sizes);
    float *start[MODEL_PARAM_TENSORS];
    float *p = block;
    for (size_t k = 0; k < MODEL_PARAM_TENSORS; k++) start[k] = p, p += sizes[k];
    fn(ctx, "wte.weight", start[0], sizes[0]);
    fn(ctx, "wpe.weight", start[1], sizes[1]);
    for (size_t l = 0; l < c->n_layers; l++)
        for (size_t k = 0; k < 12; k++) {
            char name[64];
            snprintf(name, sizeof name, "h.%zu.%s", l, layer_names[k]);
            size_t per = sizes[2 + k] / c->n_layers;
            fn(ctx, name, start[2 + k] + l * per, per);
        }
    fn(ctx, "ln_f.weight", start[14], sizes[14]);
    fn(ctx, "ln_f.bias", start[15], sizes[15]);
}

typedef struct compare_ctx {
    const model_st_file *f;
    const char *prefix; /* "" to load, "grad." / "adamw1." to compare */
    double atol, rtol, worst;
    char worst_name[96];
    int load;
    size_t noisy;
    /* AdamW: where PyTorch's gradient is below float32's noise (the key
     * bias: adding a constant to every score of a row changes no softmax,
     * so its exact gradient is 0), Adam's normalised step has a random sign
     * in float32. There the step is only checked to be at most `noise_step`. */
    double noise_step;
} compare_ctx;

static void visit(void *vctx, const char *name, float *p, size_t count) {
    compare_ctx *c = vctx;
    char full[96];
    snprintf(full, sizeof full, "%s%s", c->prefix, name);
    const model_st_tensor *t = need(c->f, full);
    if (!t) return;
    CHECKF(t->n_elements == count, "%s has %zu elements, the model %zu", full, t->n_elements,
           count);
    if (t->n_elements != count) return;
    for (size_t i = 0; i < count; i++) {
        double want = element(t, i);
        if (c->load) {
            p[i] = (float)want;
            continue;
        }
        double e = fabs(p[i] - want), limit = c->atol + c->rtol * fabs(want);
        if (c->noise_step > 0) {
            char gname[96];
            snprintf(gname, sizeof gname, "grad.%s", name);
            const model_st_tensor *g = model_st_find(c->f, gname);
            if (g && fabs(element(g, i)) < 1e-7) {
                c->noisy++;
                limit = c->noise_step;
            }
        }
        if (e / limit > c->worst) {
            c->worst = e / limit;
            snprintf(c->worst_name, sizeof c->worst_name, "%s[%zu]", name, i);
        }
        CHECKF(e <= limit, "%s[%zu]: got %.9g, PyTorch %.9g", full, i, (double)p[i], want);
    }
}

static void compare_rows(const char *what, const float *got, const model_st_tensor *t,
                         size_t offset, size_t count, double atol, double rtol, double *worst) {
    for (size_t i = 0; i < count; i++) {
        double want = element(t, offset + i), e = fabs(got[i] - want);
        double limit = atol + rtol * fabs(want);
        if (e / limit > *worst) *worst = e / limit;
        CHECKF(e <= limit, "%s[%zu]: got %.9g, PyTorch %.9g", what, offset + i, (double)got[i],
               want);
    }
}

static void run_fixture(const char *dir, const char *file) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    CHECKF(bytes != NULL, "cannot read %s", path);
    if (!bytes) return;
    model_st_file f;
    char err[512];
    attn_status s = model_st_parse(&f, bytes, len, path, err, sizeof err);
    CHECKF(s == ATTN_OK, "%s", err);
    if (s != ATTN_OK) {
        free(bytes);
        return;
    }
    model_config c = {meta_size(&f, "n_layers"), meta_size(&f, "n_heads"), meta_size(&f, "d_model"),
                      meta_size(&f, "n_ctx"), meta_size(&f, "n_vocab")};
    size_t B = meta_size(&f, "batch"), T = meta_size(&f, "seq"), V = c.n_vocab;
    char (*store)[24] = calloc(V, sizeof *store);
    const char **words = calloc(V, sizeof *words);
    for (size_t i = 0; i < V; i++) snprintf(store[i], 24, "w%zu", i), words[i] = store[i];
    model_vocab vocab;
    CHECK(model_vocab_init(&vocab, words, V, err, sizeof err) == ATTN_OK);
    model m;
    s = model_init(&m, &c, &vocab, err, sizeof err);
    CHECKF(s == ATTN_OK, "%s", err);
    compare_ctx load = {&f, "", 0, 0, 0, "", 1, 0, 0};
    each_param(&c, m.block, visit, &load);

    const model_st_tensor *tokens = need(&f, "tokens"), *targets = need(&f, "targets");
    int32_t *in = malloc(2 * B * T * sizeof *in), *tg = in + B * T;
    for (size_t i = 0; i < B * T; i++) in[i] = element_i32(tokens, i), tg[i] = element_i32(targets, i);

    // forward, one sequence at a time, every layer's trace against PyTorch's
    model_run run;
    CHECK(model_run_init(&run, &m, T, err, sizeof err) == ATTN_OK);
    double worst_logits = 0, worst_attn = 0, worst_ln = 0;
    size_t H = c.n_heads, d = c.d_model;
    for (size_t b = 0; b < B; b++) {
        CHECK(model_forward(&run, &m, in + b * T, T, NULL, err, sizeof err) == ATTN_OK);
        compare_rows("logits", run.logits, need(&f, "logits"), b * T * V, T * V, 1e-5, 1e-4,
                     &worst_logits);
        for (size_t l = 0; l < c.n_layers; l++) {
            char name[64];
            snprintf(name, sizeof name, "attn.%zu.weights", l);
            compare_rows(name, run.trace[l].weights, need(&f, name), b * H * T * T, H * T * T,
                         1e-6, 1e-4, &worst_attn);
            snprintf(name, sizeof name, "attn.%zu.ln_1", l);
            compare_rows(name, run.trace[l].x, need(&f, name), b * T * d, T * d, 1e-5, 1e-4,
                         &worst_ln);
        }
    }
    model_run_free(&run);

    // the loss and every gradient
    model_train_config tc = model_train_config_default();
    tc.batch = B;
    tc.seq = T;
    tc.steps = 2;
    tc.warmup = 0;
    tc.lr = tc.lr_min = (float)meta_float(&f, "lr");
    tc.beta1 = (float)meta_float(&f, "beta1");
    tc.beta2 = (float)meta_float(&f, "beta2");
    tc.eps = (float)meta_float(&f, "eps");
    tc.weight_decay = (float)meta_float(&f, "weight_decay");
    tc.grad_clip = 0.0f; /* PyTorch's fixture does not clip */
    model_trainer t;
    s = model_trainer_init(&t, &m, &tc, err, sizeof err);
    CHECKF(s == ATTN_OK, "%s", err);
    double loss = 0;
    CHECK(model_trainer_grad(&t, &m, in, tg, &loss, err, sizeof err) == ATTN_OK);
    double want_loss = element(need(&f, "loss"), 0), first_loss = loss;
    CHECKF(fabs(loss - want_loss) <= 1e-5 * fabs(want_loss), "loss %.9g, PyTorch %.9g", loss,
           want_loss);
    compare_ctx grad = {&f, "grad.", 2e-6, 1e-3, 0, "", 0, 0, 0};
    each_param(&c, t.grad, visit, &grad);
    // two AdamW steps, the second from the gradient at the new parameters
    model_trainer_update(&t, &m);
    compare_ctx step1 = {&f, "adamw1.", 1e-6, 1e-5, 0, "", 0, 0, 2.05 * tc.lr};
    each_param(&c, m.block, visit, &step1);
    CHECK(model_trainer_grad(&t, &m, in, tg, &loss, err, sizeof err) == ATTN_OK);
    model_trainer_update(&t, &m);
    compare_ctx step2 = {&f, "adamw2.", 1e-6, 1e-5, 0, "", 0, 0, 4.1 * tc.lr};
    each_param(&c, m.block, visit, &step2);
    printf("  %s: L%zu H%zu d%zu ctx%zu V%zu, batch %zu × %zu: loss %.7f (PyTorch %.7f)\n", file,
           c.n_layers, H, d, c.n_ctx, V, B, T, first_loss, want_loss);
    printf("    %zu parameters with a zero gradient in exact arithmetic (key biases): AdamW "
           "step only bounded\n", step1.noisy);
    printf("    worst error / tolerance: logits %.2f, attention %.2f, LN_1 %.2f, gradients %.2f "
           "(%s), AdamW %.2f, %.2f\n",
           worst_logits, worst_attn, worst_ln, grad.worst, grad.worst_name,
           step1.worst, step2.worst);
    model_trainer_free(&t);
    free(in);
    model_free(&m);
    model_vocab_free(&vocab);
    free(words);
    free(store);
    model_st_free(&f);
    free(bytes);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/torch/fixtures";
    run_fixture(dir, "model_tiny.safetensors");
    run_fixture(dir, "model_small.safetensors");
    return check_done("test_model_torch");
}
