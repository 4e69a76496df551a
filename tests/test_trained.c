/* The trained-model weight source (src/app/trained.h) and the app's model
 * on it: load a tiny model this test makes itself (never the shipped file),
 * run it, flag unknown words, switch heads off, take the top predictions,
 * swap parameters, refuse bad files by path and by metadata key; then
 * state_model_apply with the trained source (config from the model, the
 * trace bit for bit the run's, layers, nothing half-applied) and an
 * offscreen frame whose pixels mean something.
 *
 * Set ATTNVIZ_TEST_PNG_DIR=/some/dir to also save the frames as PNGs. */
#define _POSIX_C_SOURCE 200809L
#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "attnviz/corpus.h"
#include "attnviz/heads.h"
#include "attnviz/model.h"
#include "check.h"
#include "colormap.h"
#include "draw.h"
#include "stage.h"
#include "render.h"
#include "trained.h"
#include "settings_panel.h"

#define L_TEST 2
#define H_TEST 2

static char dir[64];
static char path_plain[256], path_roles[256];

/* A tiny model on the corpus vocabulary, its attention made sharper than
 * GPT-2's initialisation leaves it (c_attn ×8), so a head switched off
 * changes the prediction visibly. */
static int make_model(model *m, uint64_t seed) {
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    model_vocab vocab;
    char err[512];
    model_config c = {L_TEST, H_TEST, 16, 16, V};
    if (model_vocab_init(&vocab, words, V, err, sizeof err) != ATTN_OK ||
        model_init(m, &c, &vocab, err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "make_model: %s\n", err);
        return 1;
    }
    model_vocab_free(&vocab);
    model_init_gpt2(m, seed);
    size_t per = c.d_model * 3 * c.d_model;
    for (size_t i = 0; i < L_TEST * per; i++) m->params.attn_w[i] *= 8.0f;
    return 0;
}

static int save(const model *m, const char *path, const char *heads_json) {
    char err[512];
    const char *keys[1] = {"attnviz.heads"}, *values[1] = {heads_json};
    if (model_save_meta(m, path, keys, values, heads_json ? 1 : 0, err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "save %s: %s\n", path, err);
        return 1;
    }
    return 0;
}

/* "attnviz.heads" for L_TEST × H_TEST heads (previous_token 0.1, 0.2, ...
 * by head, subject 1), entry (0, 0) replaced by first_entry when given,
 * the last one left out with skip_last. */
static void heads_json(char *buf, size_t len, const char *first_entry, int skip_last) {
    size_t at = (size_t)snprintf(buf, len, "[");
    for (int l = 0; l < L_TEST; l++)
        for (int h = 0; h < H_TEST; h++) {
            if (skip_last && l == L_TEST - 1 && h == H_TEST - 1) continue;
            if (l == 0 && h == 0 && first_entry) {
                at += (size_t)snprintf(buf + at, len - at, "%s", first_entry);
                continue;
            }
            at += (size_t)snprintf(buf + at, len - at,
                                   "%s{\"layer\":%d,\"head\":%d,\"scores\":{\"previous_token\":0.%d,"
                                   "\"first_token\":0.5,\"current_token\":0.1,\"induction\":0.0,"
                                   "\"antecedent\":0.25,\"subject\":1}}",
                                   at > 1 ? "," : "", l, h, 1 + l * H_TEST + h);
        }
    snprintf(buf + at, len - at, "]");
}

static void test_load_and_run(void) {
    state_trained t;
    char err[512];
    CHECKF(state_trained_load(&t, path_plain, err, sizeof err) == 0, "%s", err);
    CHECK(t.model.config.n_layers == L_TEST && t.model.config.n_heads == H_TEST);
    CHECK(strcmp(t.path, path_plain) == 0);
    /* no "attnviz.heads": measured at load */
    CHECK(t.have_roles && t.roles.n_layers == L_TEST && t.roles.n_heads == H_TEST);
    CHECK_STR_CONTAINS(t.roles_note, "measured");
    for (size_t k = 0; k < L_TEST * H_TEST * MODEL_ROLES; k++)
        CHECK(t.roles.score[k] >= 0.0f && t.roles.score[k] <= 1.0f);

    /* a known sentence: the start token, then one id per word */
    CHECK(state_trained_run(&t, "The robot sat on the floor.", NULL, NULL, err, sizeof err) == 0);
    CHECK(t.n == 8 && t.ids[0] == MODEL_TOKEN_EOT && t.spans[0].len == 0);
    for (size_t i = 0; i < t.n; i++) CHECK(!t.unknown[i] && t.ids[i] != MODEL_TOKEN_UNK);
    CHECK(strcmp(state_trained_word(&t, 1), "the") == 0); /* lower-cased, as the model reads it */
    CHECK(strcmp(state_trained_word(&t, 0), "<|endoftext|>") == 0);
    uint64_t v0 = t.version;

    /* unknown words: run as <unk>, flagged, their spans kept */
    CHECK(state_trained_run(&t, "The zorblax sat on the Quux", NULL, NULL, err, sizeof err) == 0);
    CHECK(t.n == 7 && t.version == v0 + 1);
    CHECK(t.unknown[2] && t.ids[2] == MODEL_TOKEN_UNK && t.unknown[6]);
    CHECK(!t.unknown[0] && !t.unknown[1] && !t.unknown[3]);
    CHECK(t.spans[2].offset == 4 && t.spans[2].len == 7);
    CHECK(strcmp(state_trained_word(&t, 2), "<unk>") == 0);

    /* bit for bit the model's own forward pass on the same ids */
    model m;
    model_run r;
    CHECK(model_load(&m, path_plain, err, sizeof err) == ATTN_OK);
    CHECK(model_run_init(&r, &m, t.n, err, sizeof err) == ATTN_OK);
    CHECK(model_forward(&r, &m, t.ids, t.n, NULL, err, sizeof err) == ATTN_OK);
    size_t n = t.n, d = m.config.d_model, V = m.config.n_vocab;
    for (size_t l = 0; l < L_TEST; l++) {
        CHECK(memcmp(t.run.trace[l].x, r.trace[l].x, n * d * sizeof(float)) == 0);
        CHECK(memcmp(t.run.trace[l].weights, r.trace[l].weights, H_TEST * n * n * sizeof(float)) ==
              0);
        CHECK(memcmp(t.run.trace[l].output, r.trace[l].output, n * d * sizeof(float)) == 0);
    }
    CHECK(memcmp(t.run.logits, r.logits, n * V * sizeof(float)) == 0);
    CHECK(memcmp(t.probs_all_on, r.probs + (n - 1) * V, V * sizeof(float)) == 0);

    /* a sentence longer than the context is refused and changes nothing */
    char longer[512] = "";
    for (int i = 0; i < 20; i++) strcat(longer, "the cat ");
    CHECK(state_trained_run(&t, longer, NULL, NULL, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "sentence");
    CHECK_STR_CONTAINS(err, "shorten");
    CHECK(t.n == 7 && t.unknown[2] && t.version == v0 + 1);
    model_run_free(&r);
    model_free(&m);
    state_trained_free(&t);
    CHECK(t.model.block == NULL && t.probs_all_on == NULL); /* freed and zeroed */
}

static void test_prune_and_top(void) {
    state_trained t;
    char err[512];
    if (state_trained_load(&t, path_plain, err, sizeof err) != 0) {
        CHECKF(0, "%s", err);
        return;
    }
    const char *sentence = "the robot sat on the floor because it was";
    CHECK(state_trained_run(&t, sentence, NULL, NULL, err, sizeof err) == 0);
    size_t V = t.model.config.n_vocab, n = t.n;
    float *before = malloc(V * sizeof *before);
    memcpy(before, t.run.probs + (n - 1) * V, V * sizeof *before);
    CHECK(memcmp(before, t.probs_all_on, V * sizeof *before) == 0);

    /* top-k: most likely first, probabilities of distinct ids, summing to ≤ 1 */
    int32_t ids[300];
    float p[300];
    size_t k = state_trained_top(&t, false, 10, ids, p);
    CHECK(k == 10);
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        sum += p[i];
        CHECK(ids[i] >= 0 && (size_t)ids[i] < V && p[i] == before[ids[i]]);
        if (i) CHECK(p[i] <= p[i - 1]);
        for (size_t j = 0; j < i; j++) CHECK(ids[i] != ids[j]);
    }
    CHECK(sum <= 1.0 + 1e-6 && sum > 0.0);
    float best = 0;
    for (size_t j = 0; j < V; j++) best = before[j] > best ? before[j] : best;
    CHECK(p[0] == best);
    CHECK(state_trained_top(&t, false, 1000, ids, NULL) == V); /* no more than the vocabulary */
    CHECK(state_trained_top(&t, false, 0, ids, p) == 0);

    /* layer 1's heads off: the prediction moves, the all-on one stays */
    uint8_t off[STATE_PRUNE_MAX] = {0};
    off[0 * H_TEST + 0] = off[0 * H_TEST + 1] = 1;
    CHECK(state_trained_run(&t, sentence, off, NULL, err, sizeof err) == 0);
    CHECK(memcmp(t.probs_all_on, before, V * sizeof *before) == 0);
    CHECK(memcmp(t.run.probs + (n - 1) * V, before, V * sizeof *before) != 0);
    CHECK(t.head_off[0] == 1 && t.head_off[2] == 0);
    /* a head that is off adds zeros to the concat */
    const attn_trace *tr = &t.run.trace[0];
    size_t d = t.model.config.d_model;
    float zero_abs = 0.0f;
    for (size_t i = 0; i < n * d; i++) zero_abs += fabsf(tr->concat[i]);
    CHECK(zero_abs == 0.0f);
    int32_t ids_on[5], ids_off[5];
    float p_on[5], p_off[5];
    CHECK(state_trained_top(&t, true, 5, ids_on, p_on) == 5);
    CHECK(state_trained_top(&t, false, 5, ids_off, p_off) == 5);
    CHECK(ids_on[0] == ids[0] && p_on[0] == p[0]);
    CHECK(p_off[0] != p_on[0] || ids_off[0] != ids_on[0]);
    free(before);
    state_trained_free(&t);
}

static void test_set_params(void) {
    state_trained t;
    char err[512];
    if (state_trained_load(&t, path_plain, err, sizeof err) != 0) {
        CHECKF(0, "%s", err);
        return;
    }
    CHECK(state_trained_run(&t, "the cat sat on the mat", NULL, NULL, err, sizeof err) == 0);
    size_t P = t.model.n_params, n = t.n, V = t.model.config.n_vocab;
    float *orig = malloc(P * sizeof *orig), *scaled = malloc(P * sizeof *scaled);
    float *logits = malloc(n * V * sizeof *logits);
    memcpy(orig, t.model.block, P * sizeof *orig);
    memcpy(logits, t.run.logits, n * V * sizeof *logits);
    for (size_t i = 0; i < P; i++) scaled[i] = orig[i] * 1.5f;
    uint64_t v = t.version;
    CHECK(state_trained_set_params(&t, scaled, P, err, sizeof err) == 0);
    CHECK(t.version == v + 1 && t.n == n);
    CHECK(memcmp(t.run.logits, logits, n * V * sizeof *logits) != 0);
    /* the core weights follow c_attn (model_run_sync) */
    CHECK(t.run.attn[0].w_q[0] == scaled[t.model.params.attn_w - t.model.block]);
    CHECK(state_trained_set_params(&t, orig, P, err, sizeof err) == 0);
    CHECK(memcmp(t.run.logits, logits, n * V * sizeof *logits) == 0);
    CHECK(state_trained_set_params(&t, orig, P - 1, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "sizes must stay the same");
    free(orig);
    free(scaled);
    free(logits);
    state_trained_free(&t);
}

/* Writes the first len bytes of src to dst. */
static int copy_prefix(const char *src, const char *dst, long len) {
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    if (!in || !out) {
        if (in) fclose(in);
        if (out) fclose(out);
        return 1;
    }
    for (long i = 0; i < len; i++) {
        int ch = fgetc(in);
        if (ch == EOF) break;
        fputc(ch, out);
    }
    fclose(in);
    fclose(out);
    return 0;
}

static void expect_refused(const char *path, const char *want1, const char *want2) {
    state_trained t;
    char err[512] = "";
    int rc = state_trained_load(&t, path, err, sizeof err);
    CHECKF(rc != ATTN_OK, "%s loaded", path);
    CHECK(t.model.block == NULL && t.run.block == NULL); /* zeroed on failure */
    CHECK_STR_CONTAINS(err, path);
    if (want1) CHECK_STR_CONTAINS(err, want1);
    if (want2) CHECK_STR_CONTAINS(err, want2);
    CHECKF(strchr(err, '\n') == NULL, "a message of more than one line: %s", err);
}

static void test_bad_files(void) {
    char path[300], json[4096];
    snprintf(path, sizeof path, "%s/missing.safetensors", dir);
    expect_refused(path, "cannot read", NULL);

    snprintf(path, sizeof path, "%s/truncated.safetensors", dir);
    copy_prefix(path_plain, path, 5000);
    expect_refused(path, NULL, NULL);
    copy_prefix(path_plain, path, 4);
    expect_refused(path, NULL, NULL);

    model m;
    if (make_model(&m, 3)) return;
    static const struct {
        const char *first; /* entry 0, or NULL */
        int skip_last;
        const char *want;
    } bad[] = {
        {"{\"layer\":0,\"head\":0,\"scores\":{\"previous_token\":0.1,\"first_token\":0.5,"
         "\"current_token\":0.1,\"induction\":1.5,\"antecedent\":0.2,\"subject\":0.3}}",
         0, "scores.induction"},
        {"{\"layer\":0,\"head\":0,\"scores\":{\"previous_token\":0.1,\"first_token\":0.5,"
         "\"current_token\":0.1,\"induction\":0.5,\"antecedent\":\"x\",\"subject\":0.3}}",
         0, "scores.antecedent"},
        {"{\"layer\":0,\"head\":0,\"scores\":{\"first_token\":0.5,"
         "\"current_token\":0.1,\"induction\":0.5,\"antecedent\":0.1,\"subject\":0.3}}",
         0, "scores.previous_token"},
        {"{\"layer\":5,\"head\":0,\"scores\":{}}", 0, "layer 5 head 0"},
        {"{\"layer\":0,\"head\":-1,\"scores\":{}}", 0, "layer 0 head -1"},
        {"{\"layer\":1,\"head\":1,\"scores\":{\"previous_token\":0.1,\"first_token\":0.5,"
         "\"current_token\":0.1,\"induction\":0.5,\"antecedent\":0.1,\"subject\":0.3}}",
         0, "listed twice"},
        {"{\"head\":0,\"scores\":{}}", 0, "entry 1"},
        {NULL, 1, "no entry for layer 1 head 1"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        heads_json(json, sizeof json, bad[k].first, bad[k].skip_last);
        snprintf(path, sizeof path, "%s/bad-heads-%zu.safetensors", dir, k);
        if (save(&m, path, json)) continue;
        expect_refused(path, "attnviz.heads", bad[k].want);
    }
    snprintf(path, sizeof path, "%s/bad-heads-json.safetensors", dir);
    if (save(&m, path, "[{\"layer\":0,") == 0) expect_refused(path, "attnviz.heads", "not valid JSON");
    snprintf(path, sizeof path, "%s/bad-heads-obj.safetensors", dir);
    if (save(&m, path, "{\"layer\":0}") == 0) expect_refused(path, "attnviz.heads", "list");
    model_free(&m);

    /* the roles from a good "attnviz.heads", as written */
    state_trained t;
    char err[512];
    CHECKF(state_trained_load(&t, path_roles, err, sizeof err) == 0, "%s", err);
    CHECK(t.have_roles);
    CHECK_STR_CONTAINS(t.roles_note, "from the model file");
    CHECK(model_heads_score(&t.roles, 1, 0, MODEL_ROLE_PREVIOUS) == 0.3f);
    CHECK(model_heads_score(&t.roles, 0, 1, MODEL_ROLE_SUBJECT) == 1.0f);
    CHECK(model_heads_score(&t.roles, 0, 1, MODEL_ROLE_ANTECEDENT) == 0.25f);
    size_t best_l = 1;
    float sc = 0;
    CHECK(model_heads_best_role(&t.roles, best_l, 1, &sc) == MODEL_ROLE_SUBJECT && sc == 1.0f);
    state_trained_free(&t);
}

/* heads.h's one rule for naming a head, on the shipped model's pattern: 2.4
 * (here 1.1) wins induction and antecedent and ties 2.1 (here 1.0) on
 * subject, 0.9730 against 0.9724, within MODEL_ROLE_TIE: both are named
 * for it, "tied". A head that wins nothing, or only below MODEL_ROLE_MIN,
 * has no clear role; a head that leads by a hair still wins. */
static void test_head_name(void) {
    enum { L = 2, H = 2 };
    float score[L * H * MODEL_ROLES] = {0};
#define S(l, h, role) score[((l) * H + (h)) * MODEL_ROLES + (role)]
    S(1, 1, MODEL_ROLE_INDUCTION) = 0.89f; /* the induction head */
    S(1, 1, MODEL_ROLE_SUBJECT) = 0.9730f;
    S(1, 1, MODEL_ROLE_ANTECEDENT) = 0.82f;
    S(1, 0, MODEL_ROLE_SUBJECT) = 0.9724f; /* ties it on subject */
    S(1, 0, MODEL_ROLE_ANTECEDENT) = 0.71f;
    S(1, 0, MODEL_ROLE_INDUCTION) = 0.44f;
    S(0, 0, MODEL_ROLE_PREVIOUS) = 0.83f;
    S(0, 1, MODEL_ROLE_FIRST) = 0.2f; /* best at first token, but below the minimum */
    S(0, 1, MODEL_ROLE_CURRENT) = 0.1f;
    S(0, 1, MODEL_ROLE_ANTECEDENT) = 0.56f; /* its highest, beaten by 0.26: not its name */
    S(1, 0, MODEL_ROLE_CURRENT) = 0.33f; /* leads on current token, by 0.07 */
    S(0, 0, MODEL_ROLE_CURRENT) = 0.26f;
#undef S
    model_heads_report r = {.n_layers = L, .n_heads = H, .score = score};
    model_head_name nm;
    char text[256];
    model_heads_name(&r, 1, 1, &nm);
    CHECK(nm.n == 3);
    CHECK(nm.role[0] == MODEL_ROLE_INDUCTION && !nm.tied[0]); /* leads by 0.45 */
    CHECK(nm.role[1] == MODEL_ROLE_ANTECEDENT && !nm.tied[1]); /* by 0.11 */
    CHECK(nm.role[2] == MODEL_ROLE_SUBJECT && nm.tied[2]);
    model_heads_name_text(&nm, text, sizeof text);
    CHECK_STR_EQ(text, "induction 0.89, antecedent 0.82, subject 0.97 (tied)");
    model_heads_name(&r, 1, 0, &nm);
    model_heads_name_text(&nm, text, sizeof text);
    CHECK_STR_EQ(text, "current token 0.33, subject 0.97 (tied)");
    model_heads_name(&r, 0, 0, &nm);
    model_heads_name_text(&nm, text, sizeof text);
    CHECK_STR_EQ(text, "previous token 0.83");
    model_heads_name(&r, 0, 1, &nm);
    CHECK(nm.n == 0);
    model_heads_name_text(&nm, text, sizeof text);
    CHECK_STR_EQ(text, "no clear role");
    /* the winners of a role: a tie is named as a tie */
    model_heads_winners_text(&r, MODEL_ROLE_SUBJECT, text, sizeof text);
    CHECK_STR_EQ(text, "2.1 and 2.2 (0.97, tied)");
    model_heads_winners_text(&r, MODEL_ROLE_INDUCTION, text, sizeof text);
    CHECK_STR_EQ(text, "2.2 (0.89)");
    /* just outside the tolerance it is no tie: one winner */
    score[((1 * H) + 0) * MODEL_ROLES + MODEL_ROLE_SUBJECT] = 0.9730f - 2 * MODEL_ROLE_TIE;
    model_heads_winners_text(&r, MODEL_ROLE_SUBJECT, text, sizeof text);
    CHECK_STR_EQ(text, "2.2 (0.97)");
    model_heads_name(&r, 1, 1, &nm);
    CHECK(nm.n == 3 && !nm.tied[2]);
}

/* ---- the app's model ------------------------------------------------------------ */

static void trained_settings(state_settings *s, const char *path, size_t layer, const char *sentence) {
    state_settings_default(s);
    s->source = STATE_SOURCE_TRAINED;
    snprintf(s->model_path, sizeof s->model_path, "%s", path);
    s->layer = layer;
    if (sentence) snprintf(s->sentence, sizeof s->sentence, "%s", sentence);
}

static void test_apply(void) {
    state_model m;
    memset(&m, 0, sizeof m);
    char err[APP_ERR_LEN];
    state_settings s;
    trained_settings(&s, path_roles, 1, "The zorblax sat on the floor.");
    s.config.n_heads = 8; /* a trained model ignores the mechanics sizes */
    CHECKF(state_model_apply(&m, &s, err, sizeof err) == 0, "%s", err);
    if (!m.trained) return;
    const state_trained *t = m.trained;
    attn_config want = model_attn_config(&t->model.config);
    CHECK(m.settings.config.d_model == want.d_model && m.settings.config.n_heads == want.n_heads);
    CHECK(m.settings.config.d_model == 16 && m.settings.config.n_heads == H_TEST &&
          m.settings.config.n_kv_heads == H_TEST && m.settings.config.causal &&
          m.settings.config.scale && m.settings.config.temperature == 1.0f);
    CHECK(m.n == 8 && m.n == t->n);

    /* the trace is layer 1's, bit for bit the model's forward pass */
    model mm;
    model_run r;
    CHECK(model_load(&mm, path_roles, err, sizeof err) == ATTN_OK);
    CHECK(model_run_init(&r, &mm, m.n, err, sizeof err) == ATTN_OK);
    CHECK(model_forward(&r, &mm, t->ids, m.n, NULL, err, sizeof err) == ATTN_OK);
    size_t n = m.n, d = 16;
    const attn_trace *a = &m.trace, *b = &r.trace[1];
    CHECK(a->n == n);
    CHECK(memcmp(a->x, b->x, n * d * sizeof(float)) == 0);
    CHECK(memcmp(a->q, b->q, n * d * sizeof(float)) == 0);
    CHECK(memcmp(a->k, b->k, n * d * sizeof(float)) == 0);
    CHECK(memcmp(a->v, b->v, n * d * sizeof(float)) == 0);
    CHECK(memcmp(a->scores, b->scores, H_TEST * n * n * sizeof(float)) == 0);
    CHECK(memcmp(a->scaled, b->scaled, H_TEST * n * n * sizeof(float)) == 0);
    CHECK(memcmp(a->masked, b->masked, H_TEST * n * n * sizeof(float)) == 0);
    CHECK(memcmp(a->weights, b->weights, H_TEST * n * n * sizeof(float)) == 0);
    CHECK(memcmp(a->head_out, b->head_out, n * d * sizeof(float)) == 0);
    CHECK(memcmp(a->concat, b->concat, n * d * sizeof(float)) == 0);
    CHECK(memcmp(a->output, b->output, n * d * sizeof(float)) == 0);
    CHECK(isinf(a->masked[0 * n + 1]) && a->weights[0 * n + 1] == 0.0f); /* causal */
    CHECK(memcmp(m.weights.w_q, r.attn[1].w_q, d * d * sizeof(float)) == 0);
    CHECK(memcmp(m.weights.b_o, r.attn[1].b_o, d * sizeof(float)) == 0);
    CHECK(m.x_absmax > 0.0f && m.scaled_absmax > 0.0f);

    /* tokens: spans of the sentence; labels: ⟨start⟩ and the marked word */
    CHECK(m.tokens[0].len == 0 && m.tokens[2].offset == 4 && m.tokens[2].len == 7);
    CHECK(m.token_kind[0] == STATE_TOKEN_START && m.token_kind[1] == STATE_TOKEN_WORD &&
          m.token_kind[2] == STATE_TOKEN_UNKNOWN && m.n_unknown == 1);
    CHECK(m.labels[0].len == strlen(STATE_START_LABEL) &&
          memcmp(m.label_text + m.labels[0].offset, STATE_START_LABEL, m.labels[0].len) == 0);
    CHECK(m.labels[2].len == 8 && memcmp(m.label_text + m.labels[2].offset, "zorblax*", 8) == 0);
    CHECK(m.labels[1].len == 3 && memcmp(m.label_text + m.labels[1].offset, "The", 3) == 0);

    /* another layer: the same model (no reload), the other trace */
    const state_trained *kept = m.trained;
    uint64_t v = m.version;
    s.layer = 0;
    CHECK(state_model_apply(&m, &s, err, sizeof err) == 0);
    CHECK(m.trained == kept && m.version == v + 1 && m.settings.layer == 0);
    CHECK(m.trace.x == kept->run.trace[0].x && m.weights.w_q == kept->run.attn[0].w_q);
    CHECK(memcmp(m.trace.x, r.trace[0].x, n * d * sizeof(float)) == 0);

    /* failures change nothing: a layer that does not exist, a sentence
     * longer than the context, a file that is not there */
    state_settings bad = s;
    bad.layer = 2;
    v = m.version;
    CHECK(state_model_apply(&m, &bad, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "layer 3 does not exist: the model has 2 layers (1 to 2)");
    bad = s;
    bad.sentence[0] = '\0';
    for (int i = 0; i < 20; i++) strcat(bad.sentence, "the dog ");
    CHECK(state_model_apply(&m, &bad, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "shorten the sentence");
    bad = s;
    snprintf(bad.model_path, sizeof bad.model_path, "%s/nothere.safetensors", dir);
    CHECK(state_model_apply(&m, &bad, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, bad.model_path);
    CHECK(m.version == v && m.trained == kept && m.settings.layer == 0 && m.n == 8);
    CHECK(memcmp(m.trace.x, r.trace[0].x, n * d * sizeof(float)) == 0);
    CHECK(m.token_kind[2] == STATE_TOKEN_UNKNOWN);

    /* heads off: the run is pruned, the model's flags follow */
    s.head_off[0] = 1;
    CHECK(state_model_apply(&m, &s, err, sizeof err) == 0);
    CHECK(m.trained == kept && kept->head_off[0] == 1);
    s.head_off[0] = 0;

    /* another file: loaded aside, then the first one goes */
    s.layer = 1;
    snprintf(s.model_path, sizeof s.model_path, "%s", path_plain);
    CHECK(state_model_apply(&m, &s, err, sizeof err) == 0);
    CHECK(m.trained && strcmp(m.trained->path, path_plain) == 0);

    /* back to mechanics: the sizes given, no trained model left */
    state_settings mech = s;
    mech.source = STATE_SOURCE_MECHANICS;
    mech.config = attn_config_default();
    mech.config.n_heads = mech.config.n_kv_heads = 8;
    CHECK(state_model_apply(&m, &mech, err, sizeof err) == 0);
    CHECK(m.trained == NULL && m.label_text == NULL && m.token_kind == NULL);
    CHECK(m.settings.config.n_heads == 8 && m.n == 7 && m.trace.block != NULL);
    /* and to trained again, from a mechanics model */
    CHECK(state_model_apply(&m, &s, err, sizeof err) == 0);
    CHECK(m.trained && m.trace.x == m.trained->run.trace[1].x);
    state_model_free(&m);
    CHECK(m.trained == NULL && m.tokens == NULL);
    model_run_free(&r);
    model_free(&mm);
}

static void test_step_layer(void) {
    app_state st;
    state_settings s;
    char err[APP_ERR_LEN];
    state_settings_default(&s);
    CHECK(app_state_init(&st, &s, err, sizeof err) == 0);
    CHECK(app_state_step_layer(&st, 1) != ATTN_OK && st.message_is_error);
    CHECK_STR_CONTAINS(st.message, "trained model");
    app_state_free(&st);

    trained_settings(&s, path_roles, 0, NULL);
    CHECKF(app_state_init(&st, &s, err, sizeof err) == 0, "%s", err);
    CHECK(app_state_step_layer(&st, -1) != ATTN_OK && st.model.settings.layer == 0);
    CHECK_STR_CONTAINS(st.message, "layer 1 is the first of 2");
    CHECK(app_state_step_layer(&st, 1) == 0 && st.model.settings.layer == 1);
    CHECK_STR_CONTAINS(st.message, "layer 2 of 2");
    CHECK(!st.message_is_error && st.playing && st.progress == 0.0f);
    CHECK(app_state_step_layer(&st, 1) != ATTN_OK && st.model.settings.layer == 1);
    CHECK_STR_CONTAINS(st.message, "layer 2 is the last of 2");
    app_state_free(&st);
}

/* ---- a frame -------------------------------------------------------------------- */

static bool near(SDL_Color a, SDL_Color b, int tol) {
    return abs(a.r - b.r) <= tol && abs(a.g - b.g) <= tol && abs(a.b - b.b) <= tol;
}

static SDL_Color pixel(const SDL_Surface *sf, int x, int y) {
    SDL_Color c = {0, 0, 0, 0};
    if (x < 0 || y < 0 || x >= sf->w || y >= sf->h) return c;
    const uint8_t *row = (const uint8_t *)sf->pixels + (size_t)y * (size_t)sf->pitch;
    SDL_GetRGBA(((const uint32_t *)row)[x], sf->format, &c.r, &c.g, &c.b, &c.a);
    return c;
}

static int count_near(const SDL_Surface *sf, SDL_Rect rc, SDL_Color col, int tol) {
    int n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++)
            if (near(pixel(sf, x, y), col, tol)) n++;
    return n;
}

static void save_png(const SDL_Surface *sf, const char *name) {
    const char *out = getenv("ATTNVIZ_TEST_PNG_DIR");
    if (!out || !*out) return;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.png", out, name);
    if (IMG_SavePNG((SDL_Surface *)sf, path) != 0) fprintf(stderr, "%s: %s\n", path, IMG_GetError());
}

static void test_render(void) {
    app_offscreen o;
    app_state st;
    state_settings s;
    char err[APP_ERR_LEN];
    trained_settings(&s, path_roles, 0, "The zorblax sat on the floor because it was tired.");
    if (app_offscreen_init(&o, 1280, 800, err, sizeof err) != 0) {
        CHECKF(0, "offscreen: %s", err);
        return;
    }
    CHECKF(app_state_init(&st, &s, err, sizeof err) == 0, "%s", err);
    size_t n = st.model.n;
    state_frame r;
    state_frame_default(&r);
    r.theme = STATE_THEME_LIGHT;
    /* each cell against its scaled value's colour: the scores as computed
     * (test_scales checks them centred per row, the trained model's default) */
    r.scores = STATE_SCORES_RAW;
    const theme *th = theme_for(r.theme);

    /* stage 6: every cell above the diagonal drawn masked (fill or hatch),
     * every other in the diverging colour of its scaled value */
    r.stage = STAGE_MASK;
    app_offscreen_draw(&o, &st, &r);
    save_png(o.surface, "trained_mask");
    CHECK(st.layout.n_grids == H_TEST);
    int bad_above = 0, bad_below = 0, hatch = 0;
    for (size_t g = 0; g < st.layout.n_grids; g++) {
        SDL_Rect gr = st.layout.grids[g].rect;
        int head = st.layout.grids[g].head;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                SDL_Rect rc = stage_cell_rect(gr, n, n, i, j);
                if (j > i) {
                    for (int y = rc.y; y < rc.y + rc.h - 1; y++)
                        for (int x = rc.x; x < rc.x + rc.w / 6; x++) {
                            SDL_Color p = pixel(o.surface, x, y);
                            if (near(p, th->masked_mark, 1)) hatch++;
                            else if (!near(p, th->masked, 1)) bad_above++;
                        }
                } else {
                    float v = st.model.trace.scaled[((size_t)head * n + i) * n + j];
                    SDL_Color want =
                        draw_value_color(DRAW_DIVERGING, st.model.scores_absmax, v, th->masked);
                    if (!near(pixel(o.surface, rc.x + 2, rc.y + 2), want, 2)) bad_below++;
                }
            }
    }
    CHECKF(bad_above == 0, "%d pixels above the diagonal are not masked", bad_above);
    CHECKF(bad_below == 0, "%d cells on or below the diagonal are not their colour", bad_below);
    CHECK(hatch > 0);

    /* token labels: the start token's and the unknown word's have text,
     * the unknown one dimmed */
    r.stage = STAGE_EMBED;
    app_offscreen_draw(&o, &st, &r);
    save_png(o.surface, "trained_embed");
    bool seen_start = false, seen_unknown = false;
    for (size_t k = 0; k < st.layout.n_token_labels; k++) {
        SDL_Rect rc = st.layout.token_labels[k];
        int tok = st.layout.token_of_label[k];
        int ink = count_near(o.surface, rc, th->text, 60);
        int dim = count_near(o.surface, rc, th->text_dim, 30);
        if (tok == 0 && ink > 20) seen_start = true;
        if (tok == 2 && dim > 20) seen_unknown = true;
        CHECKF(tok != 2 || ink < dim, "the unknown word's label is not dimmed (%d ink, %d dim)",
               ink, dim);
    }
    CHECK(seen_start && seen_unknown);

    /* layer 2 at softmax: each row's largest weight in its colour */
    CHECK(app_state_step_layer(&st, 1) == 0);
    r.stage = STAGE_SOFTMAX;
    app_offscreen_draw(&o, &st, &r);
    save_png(o.surface, "trained_softmax_layer2");
    CHECK(st.model.trace.weights == st.model.trained->run.trace[1].weights);
    int bad = 0;
    for (size_t g = 0; g < st.layout.n_grids; g++) {
        SDL_Rect gr = st.layout.grids[g].rect;
        for (size_t i = 0; i < n; i++) {
            const float *row = st.model.trace.weights + ((size_t)st.layout.grids[g].head * n + i) * n;
            size_t best = 0;
            for (size_t j = 1; j < n; j++)
                if (row[j] > row[best]) best = j;
            SDL_Rect rc = stage_cell_rect(gr, n, n, i, best);
            if (!near(pixel(o.surface, rc.x + 2, rc.y + 2), colormap_sequential(row[best]), 2)) bad++;
        }
    }
    CHECKF(bad == 0, "%d rows' largest weight not in its colour", bad);
    app_state_free(&st);
    app_offscreen_free(&o);
}

/* ---- the settings panel --------------------------------------------------------- */

/* One event pass of the panel (a key on the focused widget), then a draw
 * pass, as the window runs them. */
static void panel_key(ui_context *ui, settings_panel *p, app_state *st, SDL_Keycode k) {
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SDL_KEYDOWN;
    ev.key.keysym.sym = k;
    SDL_Rect area = {800, 0, 480, 800};
    unsigned flags = UI_KEYBOARD | UI_SCROLL | UI_BACKGROUND;
    ui_begin(ui, &ev, theme_dark(), 20, area, flags);
    settings_panel_run(p, ui, st);
    ui_end(ui);
    ui_begin(ui, NULL, theme_dark(), 20, area, flags);
    settings_panel_run(p, ui, st);
    ui_end(ui);
}

static void test_panel(void) {
    app_offscreen o;
    app_state st;
    state_settings s;
    char err[APP_ERR_LEN], font[1024];
    if (app_offscreen_init(&o, 1280, 800, err, sizeof err) != 0 ||
        text_find_font(font, sizeof font, err, sizeof err) != 0) {
        CHECKF(0, "%s", err);
        return;
    }
    state_settings_default(&s);
    s.config.d_model = 64;
    s.config.n_heads = s.config.n_kv_heads = 8;
    s.config.causal = false;
    s.config.temperature = 2.0f;
    CHECK(app_state_init(&st, &s, err, sizeof err) == 0);
    ui_context ui;
    settings_panel p;
    ui_init(&ui, o.renderer, o.text, font);
    settings_panel_init(&p, &st);

    /* Weights → trained model: the model's sizes; the user's are kept */
    snprintf(p.draft.model_path, sizeof p.draft.model_path, "%s", path_roles);
    ui_focus(&ui, "weights");
    panel_key(&ui, &p, &st, SDLK_RIGHT);
    CHECKF(st.model.settings.source == STATE_SOURCE_TRAINED && st.model.trained, "%s", p.error);
    CHECK(st.model.settings.config.d_model == 16 && st.model.settings.config.n_heads == H_TEST &&
          st.model.settings.config.causal && st.model.settings.config.temperature == 1.0f);
    CHECK(st.model.settings.mechanics_config.d_model == 64 &&
          st.model.settings.mechanics_config.n_heads == 8);
    CHECK(p.error[0] == '\0' && p.draft.source == STATE_SOURCE_TRAINED);
    CHECK_STR_CONTAINS(st.message, "trained model");

    /* the layer stepper (the widget the window focuses first) */
    ui_focus(&ui, "heads");
    panel_key(&ui, &p, &st, SDLK_RIGHT);
    CHECK(st.model.settings.layer == 1 && p.draft.layer == 1);
    panel_key(&ui, &p, &st, SDLK_RIGHT); /* layer 2 is the last: stays */
    CHECK(st.model.settings.layer == 1);

    /* a model file that is not there: said in the panel, nothing changes */
    uint64_t v = st.model.version;
    snprintf(p.draft.model_path, sizeof p.draft.model_path, "%s/nothere.safetensors", dir);
    ui_focus(&ui, "heads");
    panel_key(&ui, &p, &st, SDLK_LEFT);
    CHECK(st.model.version == v && st.model.settings.layer == 1);
    CHECK_STR_CONTAINS(p.error, "nothere.safetensors");
    snprintf(p.draft.model_path, sizeof p.draft.model_path, "%s", path_roles);
    p.draft.layer = 1;
    p.error[0] = '\0';

    /* back to mechanics: the sizes and flags the user had */
    ui_focus(&ui, "weights");
    panel_key(&ui, &p, &st, SDLK_LEFT);
    CHECK(st.model.settings.source == STATE_SOURCE_MECHANICS && !st.model.trained);
    CHECK(st.model.settings.config.d_model == 64 && st.model.settings.config.n_heads == 8 &&
          !st.model.settings.config.causal && st.model.settings.config.temperature == 2.0f);
    ui_free(&ui);
    app_state_free(&st);
    app_offscreen_free(&o);
}

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    snprintf(dir, sizeof dir, "/tmp/test_trained.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path_plain, sizeof path_plain, "%s/plain.safetensors", dir);
    snprintf(path_roles, sizeof path_roles, "%s/roles.safetensors", dir);
    model m;
    char json[4096];
    heads_json(json, sizeof json, NULL, 0);
    if (make_model(&m, 7) || save(&m, path_plain, NULL) || save(&m, path_roles, json)) return 1;
    model_free(&m);

    test_head_name();
    test_load_and_run();
    test_prune_and_top();
    test_set_params();
    test_bad_files();
    test_apply();
    test_step_layer();
    test_render();
    test_panel();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_trained");
}
