/* The lens (lens.h): each head's direct contribution to the predicted
 * token's logit and the logit lens, against a float64 PyTorch oracle
 * (tests/torch/make_lens_fixtures.py) for committed GPT-2 fixtures; the
 * parts summing to the real logit; the lens's last row being the model's
 * own prediction; a head switched off contributing nothing; the shipped
 * model; refusals. Usage:
 *   test_lens GPT2_FIXTURES_DIR LENS_FIXTURES_DIR SHIPPED_MODEL */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/gpt2.h"
#include "attnviz/lens.h"
#include "attnviz/model.h"
#include "attnviz/safetensors.h"
#include "check.h"
#include "trained_lens.h"

#define TOL 1e-4
#define K 5

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

static double f64(const model_st_file *f, const char *name, size_t i) {
    const model_st_tensor *t = model_st_find(f, name);
    if (!t || t->dtype != MODEL_ST_F64 || i >= t->n_elements) return NAN;
    double v;
    memcpy(&v, (const uint8_t *)t->data + i * 8, 8);
    return v;
}

static int32_t i32(const model_st_file *f, const char *name, size_t i) {
    const model_st_tensor *t = model_st_find(f, name);
    if (!t || t->dtype != MODEL_ST_I32 || i >= t->n_elements) return -1;
    int32_t v;
    memcpy(&v, (const uint8_t *)t->data + i * 4, 4);
    return v;
}

/* |got − want| within TOL of scale (the largest |value| of what it is
 * compared among: one near-zero term cannot hold float32's relative digits) */
static int near(double got, double want, double scale) {
    return fabs(got - want) <= TOL * fmax(scale, 1e-30);
}

/* The parts plus LN_f's bias: what must equal the logit. */
static double parts_sum(const float *heads, const model_logit_parts *pt, size_t L, size_t H) {
    double s = pt->embed + (double)pt->lnf_bias;
    for (size_t i = 0; i < L * H; i++) s += heads[i];
    for (size_t l = 0; l < L; l++) s += (double)pt->attn_bias[l] + pt->mlp[l];
    return s;
}

static size_t argmax(const float *p, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++) best = p[i] > p[best] ? i : best;
    return best;
}

/* The checks every model passes, oracle or not: the sum, the last lens row. */
static void self_checks(const char *name, const model_run *r, const model *m) {
    char err[256];
    size_t L = m->config.n_layers, H = m->config.n_heads, V = m->config.n_vocab;
    size_t pos = r->n - 1;
    const float *probs = r->probs + (r->logit_rows == 1 ? 0 : pos) * V;
    const float *logits = r->logits + (r->logit_rows == 1 ? 0 : pos) * V;
    int32_t top = (int32_t)argmax(probs, V);
    float heads[MODEL_LAYERS_MAX * 64];
    model_logit_parts pt;
    CHECKF(model_head_contributions(r, m, pos, top, heads, &pt, err, sizeof err) == ATTN_OK, "%s",
           err);
    double sum = parts_sum(heads, &pt, L, H);
    CHECKF(near(sum, logits[top], fabs(logits[top])),
           "%s: the parts sum to %.7g, the logit is %.7g", name, sum, logits[top]);
    CHECKF(near(pt.logit, logits[top], fabs(logits[top])), "%s: own logit %.7g, the run's %.7g",
           name, pt.logit, logits[top]);
    int32_t ids[(MODEL_LAYERS_MAX + 1) * K];
    float p[(MODEL_LAYERS_MAX + 1) * K];
    CHECKF(model_logit_lens(r, m, pos, K, ids, p, err, sizeof err) == ATTN_OK, "%s", err);
    CHECKF(ids[L * K] == top, "%s: the lens's last row says %d, the model %d", name,
           (int)ids[L * K], (int)top);
    for (size_t i = 0; i < K; i++)
        CHECKF(near(p[L * K + i], probs[ids[L * K + i]], probs[top]),
               "%s: last row, rank %zu: %.7g, the model %.7g", name, i, p[L * K + i],
               probs[ids[L * K + i]]);
    for (size_t r0 = 0; r0 <= L; r0++)
        for (size_t i = 1; i < K; i++) CHECK(p[r0 * K + i] <= p[r0 * K + i - 1]);
}

static void oracle_case(const char *gpt2_dir, const char *lens_dir, const char *name) {
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/%s/model.safetensors", gpt2_dir, name);
    model m;
    CHECKF(model_load_gpt2(&m, path, 0, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    snprintf(path, sizeof path, "%s/%s.safetensors", lens_dir, name);
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    model_st_file f;
    CHECKF(bytes && model_st_parse(&f, bytes, len, path, err, sizeof err) == ATTN_OK, "%s: %s",
           path, bytes ? err : "cannot read");
    if (!bytes || !model_st_find(&f, "ids")) {
        free(bytes);
        model_free(&m);
        return;
    }
    size_t n = model_st_find(&f, "ids")->n_elements, L = m.config.n_layers, H = m.config.n_heads;
    int32_t ids[256];
    for (size_t i = 0; i < n && i < 256; i++) ids[i] = i32(&f, "ids", i);
    model_run r;
    CHECKF(model_run_init_logits(&r, &m, n, MODEL_LOGITS_LAST, err, sizeof err) == ATTN_OK, "%s",
           err);
    CHECKF(model_forward(&r, &m, ids, n, NULL, err, sizeof err) == ATTN_OK, "%s", err);

    int32_t token = i32(&f, "token", 0);
    CHECKF((size_t)token == argmax(r.probs, m.config.n_vocab), "%s: the oracle's token %d", name,
           (int)token);
    float heads[MODEL_LAYERS_MAX * 64];
    model_logit_parts pt;
    CHECKF(model_head_contributions(&r, &m, n - 1, token, heads, &pt, err, sizeof err) == ATTN_OK,
           "%s", err);
    /* one scale for every term: the largest of them */
    double scale = fabs(f64(&f, "logit", 0));
    for (size_t i = 0; i < L * H; i++) scale = fmax(scale, fabs(f64(&f, "contrib", i)));
    for (size_t l = 0; l < L; l++)
        scale = fmax(scale, fmax(fabs(f64(&f, "mlp", l)), fabs(f64(&f, "attn_bias", l))));
    for (size_t i = 0; i < L * H; i++)
        CHECKF(near(heads[i], f64(&f, "contrib", i), scale), "%s: head %zu.%zu: %.7g, torch %.7g",
               name, i / H + 1, i % H + 1, heads[i], f64(&f, "contrib", i));
    for (size_t l = 0; l < L; l++) {
        CHECKF(near(pt.mlp[l], f64(&f, "mlp", l), scale), "%s: MLP %zu: %.7g, torch %.7g", name,
               l + 1, pt.mlp[l], f64(&f, "mlp", l));
        CHECKF(near(pt.attn_bias[l], f64(&f, "attn_bias", l), scale),
               "%s: attention bias %zu: %.7g, torch %.7g", name, l + 1, pt.attn_bias[l],
               f64(&f, "attn_bias", l));
    }
    CHECKF(near(pt.embed, f64(&f, "embed", 0), scale), "%s: embeddings %.7g, torch %.7g", name,
           pt.embed, f64(&f, "embed", 0));
    CHECKF(near(pt.lnf_bias, f64(&f, "lnf_bias", 0), scale), "%s: ln_f bias %.7g, torch %.7g",
           name, pt.lnf_bias, f64(&f, "lnf_bias", 0));
    CHECKF(near(pt.logit, f64(&f, "logit", 0), fabs(f64(&f, "logit", 0))),
           "%s: logit %.7g, torch %.7g", name, pt.logit, f64(&f, "logit", 0));

    int32_t lid[(MODEL_LAYERS_MAX + 1) * K];
    float lp[(MODEL_LAYERS_MAX + 1) * K];
    CHECKF(model_logit_lens(&r, &m, n - 1, K, lid, lp, err, sizeof err) == ATTN_OK, "%s", err);
    for (size_t i = 0; i < (L + 1) * K; i++) {
        CHECKF(lid[i] == i32(&f, "lens_ids", i), "%s: lens row %zu rank %zu: id %d, torch %d",
               name, i / K, i % K, (int)lid[i], (int)i32(&f, "lens_ids", i));
        CHECKF(near(lp[i], f64(&f, "lens_probs", i), f64(&f, "lens_probs", i / K * K)),
               "%s: lens row %zu rank %zu: p %.7g, torch %.7g", name, i / K, i % K, lp[i],
               f64(&f, "lens_probs", i));
    }
    self_checks(name, &r, &m);

    /* a head switched off writes nothing, and the parts still sum */
    uint8_t off[MODEL_LAYERS_MAX * 64] = {0};
    off[L * H - 1] = 1;
    CHECKF(model_forward(&r, &m, ids, n, off, err, sizeof err) == ATTN_OK, "%s", err);
    CHECKF(model_head_contributions(&r, &m, n - 1, token, heads, &pt, err, sizeof err) == ATTN_OK,
           "%s", err);
    CHECK(heads[L * H - 1] == 0.0f);
    self_checks(name, &r, &m);

    /* refusals, in words */
    CHECK(model_head_contributions(&r, &m, n, token, heads, NULL, err, sizeof err) ==
          ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "outside the last run");
    CHECK(model_head_contributions(&r, &m, 0, (int32_t)m.config.n_vocab, heads, NULL, err,
                                   sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "outside the vocabulary");
    CHECK(model_logit_lens(&r, &m, 0, 0, lid, lp, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "ask for 1 to");
    /* the lens at an earlier position works too (every stream row is kept) */
    CHECK(model_logit_lens(&r, &m, 0, K, lid, lp, err, sizeof err) == ATTN_OK);

    model_run_free(&r);
    model_st_free(&f);
    free(bytes);
    model_free(&m);
}

/* The shipped model: the same architecture with a word vocabulary. */
static void shipped(const char *path) {
    char err[256];
    model m;
    CHECKF(model_load(&m, path, err, sizeof err) == ATTN_OK, "%s", err);
    int32_t ids[12] = {MODEL_TOKEN_EOT};
    size_t n = 1;
    const char *words[] = {"the", "cat", "sat", "on", "the", "mat", "and", "the", "cat"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        int32_t id = model_vocab_find(&m.vocab, words[i], strlen(words[i]));
        ids[n++] = id >= 0 ? id : MODEL_TOKEN_UNK;
    }
    model_run r;
    CHECKF(model_run_init(&r, &m, n, err, sizeof err) == ATTN_OK, "%s", err);
    CHECKF(model_forward(&r, &m, ids, n, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    self_checks("shipped", &r, &m);
    model_run_free(&r);
    model_free(&m);
}

/* The state layer's cache: computed for the predicted token, kept until the
 * next run, the heads ordered by |contribution|. */
static void state_cache(const char *path) {
    char err[256];
    static state_trained t;
    CHECKF(state_trained_load_ex(&t, path, STATE_TRAINED_NO_ROLES, err, sizeof err) == ATTN_OK,
           "%s", err);
    static state_lens lens;
    CHECK(state_trained_lens(&t, &lens, err, sizeof err) == ATTN_ERR_INPUT); /* no run yet */
    CHECK(!lens.valid);
    CHECKF(state_trained_run(&t, "the cat sat on the mat and the cat", NULL, NULL, err,
                             sizeof err) == ATTN_OK, "%s", err);
    CHECKF(state_trained_lens(&t, &lens, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(lens.valid);
    int32_t top;
    float p;
    CHECK(state_trained_top(&t, false, 1, &top, &p) == 1 && lens.token == top && lens.prob == p);
    CHECK(lens.lens_ids[t.model.config.n_layers * STATE_LENS_K] == top);
    size_t L = t.model.config.n_layers, H = t.model.config.n_heads, order[8];
    float heads[MODEL_LAYERS_MAX * 64];
    CHECK(model_head_contributions(&t.run, &t.model, t.n - 1, top, heads, NULL, err, sizeof err) ==
          ATTN_OK);
    for (size_t i = 0; i < L * H; i++) CHECK(heads[i] == lens.contrib[i]);
    size_t k = state_lens_top_heads(&lens, 8, order);
    CHECK(k == (L * H < 8 ? L * H : 8));
    for (size_t i = 1; i < k; i++)
        CHECK(fabsf(lens.contrib[order[i]]) <= fabsf(lens.contrib[order[i - 1]]));
    for (size_t i = 0; i < L * H; i++) /* nothing left out beats the last kept */
        CHECK(fabsf(lens.contrib[i]) <= fabsf(lens.contrib[order[0]]));
    /* kept while the run is the same; recomputed after a new one */
    lens.contrib[0] = 1e9f;
    CHECK(state_trained_lens(&t, &lens, err, sizeof err) == ATTN_OK && lens.contrib[0] == 1e9f);
    uint8_t off[STATE_PRUNE_MAX] = {0};
    off[0] = 1;
    CHECKF(state_trained_run(&t, "the cat sat on the mat and the cat", off, NULL, err,
                             sizeof err) == ATTN_OK, "%s", err);
    CHECK(state_trained_lens(&t, &lens, err, sizeof err) == ATTN_OK && lens.contrib[0] == 0.0f);
    state_trained_free(&t);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: test_lens GPT2_FIXTURES_DIR LENS_FIXTURES_DIR SHIPPED_MODEL\n");
        return 2;
    }
    oracle_case(argv[1], argv[2], "v64_d64_f32");
    oracle_case(argv[1], argv[2], "v50257_d16_f16");
    shipped(argv[3]);
    state_cache(argv[3]);
    return check_done("test_lens");
}
