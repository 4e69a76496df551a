/* The trained source on a GPT-2 checkpoint (src/state/trained.h), without
 * a window: which paths are taken for GPT-2, the sentence through GPT-2's
 * BPE after <|endoftext|>, every layer's trace and the last position's
 * probabilities exactly those of the model layer's own forward on the same
 * ids (which test_gpt2 checks against PyTorch), the attention rows, the top
 * predictions, the shown pieces, a sentence over the context refused with
 * its count, state_model_apply walking the layers, the overview measuring
 * no held-out loss and refusing live training; on a model of
 * context 200 written here, the run growing with the sentence; the head
 * roles measured on their own thread while the runs go on, polled without
 * waiting, equal to the detectors' own figures, kept across sentences.
 *
 * usage: test_trained_gpt2 FIXTURES_GPT2_DIR (tests/torch/fixtures/gpt2) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attnviz/bpe.h"
#include "attnviz/safetensors.h"
#include "attnviz/gpt2.h"
#include "check.h"
#include "overview.h"
#include "paths.h"
#include "state.h"
#include "trained.h"

static const char *const SENTENCE = "The animal didn't cross the street because it was tired";

/* Every row of every head of every layer: a distribution over j ≤ i. */
static void check_rows(const state_trained *t) {
    const model_config *c = &t->model.config;
    size_t n = t->n, bad = 0;
    for (size_t l = 0; l < c->n_layers; l++) {
        const float *w = t->run.trace[l].weights;
        for (size_t h = 0; h < c->n_heads; h++)
            for (size_t i = 0; i < n; i++) {
                double sum = 0.0;
                for (size_t j = 0; j < n; j++) {
                    float v = w[(h * n + i) * n + j];
                    if (j > i && v != 0.0f) bad++;
                    sum += v;
                }
                if (fabs(sum - 1.0) > 1e-5) bad++;
            }
    }
    CHECKF(bad == 0, "%zu attention rows are not causal distributions", bad);
}

/* A GPT-2 of 1 layer, 2 heads, d 8, context 200 and GPT-2's 50257 tokens
 * in GPT-2's names, written to folder/model.safetensors with a config.json
 * (d 8 is no GPT-2 family size, so the heads come from it). */
static int write_long_context(model *m, const char *folder) {
    char err[STATE_ERR_LEN], path[600];
    model_config c = {1, 2, 8, 200, MODEL_BPE_GPT2_VOCAB};
    if (model_init(m, &c, NULL, err, sizeof err) != ATTN_OK) return 1;
    model_init_gpt2(m, 7);
    static const char *const names[MODEL_PARAM_TENSORS] = {
        "wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias",
        "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight",
        "h.0.attn.c_proj.bias", "h.0.ln_2.weight", "h.0.ln_2.bias", "h.0.mlp.c_fc.weight",
        "h.0.mlp.c_fc.bias", "h.0.mlp.c_proj.weight", "h.0.mlp.c_proj.bias", "ln_f.weight",
        "ln_f.bias"};
    const size_t d = c.d_model;
    const size_t shapes[MODEL_PARAM_TENSORS][2] = {
        {c.n_vocab, d}, {c.n_ctx, d}, {d, 0}, {d, 0}, {d, 3 * d}, {3 * d, 0}, {d, d}, {d, 0},
        {d, 0}, {d, 0}, {d, 4 * d}, {4 * d, 0}, {4 * d, d}, {d, 0}, {d, 0}, {d, 0}};
    const float *data[MODEL_PARAM_TENSORS] = {
        m->params.wte,  m->params.wpe,    m->params.ln1_w, m->params.ln1_b,
        m->params.attn_w, m->params.attn_b, m->params.proj_w, m->params.proj_b,
        m->params.ln2_w, m->params.ln2_b, m->params.fc_w,  m->params.fc_b,
        m->params.fcproj_w, m->params.fcproj_b, m->params.lnf_w, m->params.lnf_b};
    model_st_tensor t[MODEL_PARAM_TENSORS];
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++)
        t[i] = (model_st_tensor){.name = names[i], .dtype = MODEL_ST_F32,
                                 .n_dims = shapes[i][1] ? 2 : 1,
                                 .shape = {shapes[i][0], shapes[i][1]}, .data = data[i]};
    snprintf(path, sizeof path, "%s/model.safetensors", folder);
    if (model_st_save(path, t, MODEL_PARAM_TENSORS, NULL, 0, err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/config.json", folder);
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    fputs("{\"n_head\": 2, \"n_layer\": 1, \"n_embd\": 8, \"n_positions\": 200}\n", f);
    return fclose(f) != 0;
}

/* Sentences of 10, 100, 150, 20 and 199 tokens on the long-context model:
 * the run grows (64 → 128 → 200), never shrinks, and each layer on screen
 * is model_forward's on the same ids; 201 tokens are refused. */
static void check_growth(void) {
    char folder[] = "/tmp/attnviz-gpt2-XXXXXX", err[STATE_ERR_LEN];
    if (!mkdtemp(folder)) {
        CHECK(0);
        return;
    }
    model m;
    CHECK(write_long_context(&m, folder) == 0);
    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    snprintf(s.model_path, sizeof s.model_path, "%s", folder);
    state_model sm;
    memset(&sm, 0, sizeof sm);
    model_run r;
    CHECK(model_run_init(&r, &m, 200, err, sizeof err) == ATTN_OK);
    const size_t words[] = {9, 99, 149, 19, 198};
    const size_t rooms[] = {64, 128, 200, 200, 200};
    for (size_t k = 0; k < 5; k++) {
        s.sentence[0] = '\0';
        for (size_t w = 0; w < words[k]; w++) strcat(s.sentence, w ? " cat" : "cat");
        CHECKF(state_model_apply(&sm, &s, err, sizeof err) == ATTN_OK, "%s", err);
        if (!sm.trained) break;
        const state_trained *t = sm.trained;
        CHECKF(t->n == words[k] + 1 && t->run.n_max == rooms[k], "%zu tokens, room %zu", t->n,
               t->run.n_max);
        size_t n = t->n, H = 2;
        CHECK(model_forward(&r, &m, t->ids, n, NULL, err, sizeof err) == ATTN_OK);
        CHECK(sm.trace.weights == t->run.trace[0].weights && sm.n == n);
        CHECK(memcmp(sm.trace.weights, r.trace[0].weights, H * n * n * sizeof(float)) == 0);
        CHECK(memcmp(state_trained_last_probs(t), r.probs + (n - 1) * MODEL_BPE_GPT2_VOCAB,
                     MODEL_BPE_GPT2_VOCAB * sizeof(float)) == 0);
    }
    strcat(s.sentence, " cat cat"); /* 201 tokens */
    CHECK(state_model_apply(&sm, &s, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "201 tokens with the start token, more than the 200 of the model's context");
    CHECK(sm.n == 199); /* as it was */
    state_model_free(&sm);
    model_run_free(&r);
    model_free(&m);
    char path[600];
    snprintf(path, sizeof path, "%s/model.safetensors", folder);
    remove(path);
    snprintf(path, sizeof path, "%s/config.json", folder);
    remove(path);
    rmdir(folder);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* t's roles, measured on their thread: polled (each poll at once) until
 * they are in, then the detectors' own figures on the same model m, the
 * note saying how, duplicate-token kept, nothing measured again by a run. */
static void roles_check(state_trained *t, const model *m) {
    double start = now(), slowest = 0.0;
    bool measuring = true, finished = false, any = false;
    while (measuring && now() - start < 60.0) {
        double t0 = now();
        measuring = state_trained_roles_poll(t, &finished);
        double took = now() - t0;
        if (took > slowest) slowest = took;
        any |= finished;
        if (measuring) {
            CHECK_STR_CONTAINS(t->roles_note, "measuring head roles on random repeated tokens: ");
            CHECK_STR_CONTAINS(t->roles_note, "/8");
            nanosleep(&(struct timespec){0, 2000000}, NULL);
        }
    }
    CHECKF(!measuring, "the roles were not measured in 60 s: %s", t->roles_note);
    CHECKF(slowest < 0.05, "a poll took %.3f s: it must not wait for the thread", slowest);
    CHECK(any && t->roles_job == NULL && t->have_roles && t->have_detect);
    if (!t->have_roles || !t->have_detect) return;
    CHECK_STR_CONTAINS(t->roles_note, "measured on 8 sequences of 15 random tokens repeated "
                                      "twice (Olsson et al. 2022)");
    model_detect_config c = model_detect_defaults(m);
    model_detect_report want;
    char err[STATE_ERR_LEN];
    CHECKF(model_heads_detect(m, &c, &want, err, sizeof err) == ATTN_OK, "%s", err);
    size_t L = want.n_layers, H = want.n_heads;
    CHECK(t->detect.n_layers == L && t->detect.n_heads == H && t->roles.n_layers == L &&
          t->roles.n_heads == H && t->detect.config.sequences == 8);
    CHECK(memcmp(t->detect.score, want.score, L * H * MODEL_DETECTORS * sizeof(float)) == 0);
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++) {
            CHECK(model_heads_score(&t->roles, l, h, MODEL_ROLE_INDUCTION) ==
                  model_detect_score(&want, l, h, MODEL_DETECT_INDUCTION));
            CHECK(model_heads_score(&t->roles, l, h, MODEL_ROLE_PREVIOUS) ==
                  model_detect_score(&want, l, h, MODEL_DETECT_PREVIOUS));
            CHECK(model_heads_score(&t->roles, l, h, MODEL_ROLE_SUBJECT) == 0.0f);
        }
    model_detect_report_free(&want);
    // a sentence edit measures nothing again
    const float *scores = t->roles.score;
    CHECK(state_trained_run(t, "Another sentence", NULL, NULL, err, sizeof err) == ATTN_OK);
    CHECK(!state_trained_roles_poll(t, &finished) && !finished && t->roles_job == NULL);
    CHECK(t->roles.score == scores && t->have_roles);
}

int main(int argc, char **argv) {
    const char *fixtures = argc > 1 ? argv[1] : "tests/torch/fixtures/gpt2";
    char dir[1024], file[1100], err[STATE_ERR_LEN];
    snprintf(dir, sizeof dir, "%s/v50257_d16_f16", fixtures);
    snprintf(file, sizeof file, "%s/model.safetensors", dir);

    // which kind: GPT-2 by its file's header, never by its name
    CHECK(state_model_is_gpt2(dir));
    CHECK(state_model_is_gpt2(file));
    CHECK(state_model_is_gpt2("gpt2") && state_model_is_gpt2("distilgpt2"));
    CHECK(!state_model_is_gpt2("no-such-model.safetensors"));
    CHECK(!state_model_is_gpt2("") && !state_model_is_gpt2(NULL));
    CHECK(!state_model_is_gpt2(state_trained_shipped_path()));
    char attnviz_dir[] = "/tmp/attnviz-gpt2-XXXXXX"; /* a folder holding an attnviz model */
    if (mkdtemp(attnviz_dir)) {
        char inside[64];
        snprintf(inside, sizeof inside, "%s/model.safetensors", attnviz_dir);
        CHECK(symlink(state_trained_shipped_path(), inside) == 0);
        CHECK(!state_model_is_gpt2(attnviz_dir));
        remove(inside);
        rmdir(attnviz_dir);
    }
    char expected[1100];
    snprintf(expected, sizeof expected, "%s/expected.safetensors", dir); /* no wte.weight */
    CHECK(!state_model_is_gpt2(expected));

    // peek: the sizes from the header, as a load finds them
    model_config pc;
    CHECKF(state_trained_peek(dir, &pc, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(pc.n_layers == 2 && pc.n_heads == 4 && pc.d_model == 16 && pc.n_ctx == 32 &&
          pc.n_vocab == MODEL_BPE_GPT2_VOCAB);

    state_trained t;
    CHECKF(state_trained_load(&t, dir, err, sizeof err) == ATTN_OK, "%s", err);
    if (!t.model.block) return check_done("test_trained_gpt2");
    CHECK(t.gpt2 && t.bpe && strcmp(t.file, file) == 0 && strcmp(t.path, dir) == 0);
    // head roles: measured on a thread started by the load, the runs below
    // going on meanwhile; taken by state_trained_roles_poll (roles_check)
    CHECK(!t.have_roles && t.roles_job != NULL);
    CHECK_STR_CONTAINS(t.roles_note, "measuring head roles on random repeated tokens: 0/8");
    CHECK(t.tokenizer_shipped && strstr(t.tokenizer_note, "GPT-2's own vocabulary") != NULL);
    CHECK(t.run.logit_rows == 1 && t.run.n_max == 32);

    CHECKF(state_trained_run(&t, SENTENCE, NULL, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    // the ids: <|endoftext|>, then GPT-2's BPE of the sentence
    char vocab_dir[STATE_PATH_MAX];
    model_bpe *b = NULL;
    int32_t want[64];
    size_t nw = 0;
    CHECK(state_gpt2_vocab_dir(vocab_dir, sizeof vocab_dir, err, sizeof err) == ATTN_OK);
    CHECKF(model_bpe_load_dir(&b, vocab_dir, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(model_bpe_encode(b, SENTENCE, strlen(SENTENCE), want + 1, NULL, 63, &nw, err,
                           sizeof err) == ATTN_OK);
    want[0] = MODEL_BPE_GPT2_EOT;
    CHECK(t.n == nw + 1 && memcmp(t.ids, want, t.n * sizeof *want) == 0);
    CHECK(t.ids[2] == 5044); /* " animal" */
    CHECK(strcmp(state_trained_word(&t, 0), MODEL_BPE_EOT_TEXT) == 0);
    CHECK(strcmp(state_trained_word(&t, 2), "\xC2\xB7" "animal") == 0);
    CHECK(t.spans[2].offset == 3 && t.spans[2].len == 7 && !t.unknown[2]);
    check_rows(&t);

    // the same as the model layer's own forward on those ids, bit for bit
    model m;
    model_run r;
    CHECKF(model_load_gpt2(&m, file, 0, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(model_run_init(&r, &m, t.n, err, sizeof err) == ATTN_OK);
    CHECK(model_forward(&r, &m, t.ids, t.n, NULL, err, sizeof err) == ATTN_OK);
    size_t n = t.n, H = m.config.n_heads, V = m.config.n_vocab, d = m.config.d_model;
    for (size_t l = 0; l < m.config.n_layers; l++) {
        CHECKF(memcmp(t.run.trace[l].weights, r.trace[l].weights, H * n * n * sizeof(float)) == 0,
               "layer %zu's weights", l);
        CHECKF(memcmp(t.run.trace[l].output, r.trace[l].output, n * d * sizeof(float)) == 0,
               "layer %zu's output", l);
    }
    const float *last = state_trained_last_probs(&t);
    CHECK(last && memcmp(last, r.probs + (n - 1) * V, V * sizeof *last) == 0);

    // top 5: the most likely first, and really the largest
    int32_t ids[5];
    float p[5];
    CHECK(state_trained_top(&t, false, 5, ids, p) == 5);
    size_t above = 0;
    for (size_t j = 0; j < V; j++) above += last[j] > p[4];
    CHECK(above == 4 && p[0] >= p[1] && p[3] >= p[4] && p[0] == last[ids[0]]);
    char text[64];
    state_trained_token_text(&t, 5044, text, sizeof text);
    CHECK(strcmp(text, "\xC2\xB7" "animal") == 0);

    // a head off changes the run; all-on stays what it was
    uint8_t off[STATE_PRUNE_MAX] = {0};
    off[1 * H + 2] = 1;
    CHECK(state_trained_run(&t, SENTENCE, off, NULL, err, sizeof err) == ATTN_OK);
    float on0;
    int32_t on_id;
    CHECK(state_trained_top(&t, true, 1, &on_id, &on0) == 1 && on_id == ids[0] && on0 == p[0]);
    CHECK(memcmp(state_trained_last_probs(&t), r.probs + (n - 1) * V, V * sizeof(float)) != 0);

    // over the context (32): refused with the count, nothing changed
    char longer[512] = "";
    for (int k = 0; k < 40; k++) strcat(longer, " word");
    attn_setting bad = ATTN_SETTING_NONE;
    CHECK(state_trained_run(&t, longer, NULL, &bad, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "41 tokens with the start token, more than the 32 of the model's context");
    CHECK(bad == ATTN_SETTING_SENTENCE && t.n == n);
    roles_check(&t, &m);
    model_run_free(&r);
    model_free(&m);
    model_bpe_destroy(b);
    state_trained_free(&t);

    // the app's path: the layer on screen is the run's, labels as pieces
    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    snprintf(s.model_path, sizeof s.model_path, "%s", dir);
    snprintf(s.sentence, sizeof s.sentence, "%s", SENTENCE);
    state_model sm;
    memset(&sm, 0, sizeof sm);
    for (size_t l = 0; l < 2; l++) {
        s.layer = l;
        CHECKF(state_model_apply(&sm, &s, err, sizeof err) == ATTN_OK, "%s", err);
        CHECK(sm.trained && sm.trace.weights == sm.trained->run.trace[l].weights);
        CHECK(sm.settings.config.n_heads == 4 && sm.n == nw + 1);
    }
    CHECK(sm.token_kind[0] == STATE_TOKEN_START && sm.n_unknown == 0);
    // the overview: no held-out loss (attnviz's text) and no live training on GPT-2
    state_overview *ov = state_overview_create();
    state_note note = {0};
    double on = 0, pruned = 0;
    bool measuring = true;
    state_overview_update(ov, &sm, true, &note);
    CHECK(!state_overview_busy(ov));
    CHECK(!state_overview_loss(ov, &sm, &on, &pruned, &measuring) && !measuring);
    CHECK(state_overview_train(ov, &sm, &note) == ATTN_ERR_CONFIG && note.is_error);
    CHECK_STR_CONTAINS(note.text, "GPT-2 is shown with its own weights");
    state_overview_destroy(ov);
    const attn_token *lab = &sm.labels[2];
    CHECK(lab->len == 8 && memcmp(sm.label_text + lab->offset, "\xC2\xB7" "animal", 8) == 0);
    s.layer = 2;
    CHECK(state_model_apply(&sm, &s, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "layer 3 does not exist");
    CHECK(sm.settings.layer == 1); /* as it was */
    state_model_free(&sm);

    // without roles asked for: no thread; freed at once while measuring:
    // stopped and joined
    CHECKF(state_trained_load_ex(&t, dir, STATE_TRAINED_NO_ROLES, err, sizeof err) == ATTN_OK,
           "%s", err);
    CHECK(t.roles_job == NULL && !t.have_roles);
    CHECK_STR_CONTAINS(t.roles_note, "not measured");
    state_trained_free(&t);
    CHECKF(state_trained_load(&t, dir, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(t.roles_job != NULL);
    state_trained_free(&t);
    CHECK(t.roles_job == NULL);

    // a model of another vocabulary without its tokenizer is refused plainly
    snprintf(dir, sizeof dir, "%s/v64_d64_f32", fixtures);
    CHECK(state_trained_load(&t, dir, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "are not GPT-2's 50257");

    check_growth();
    return check_done("test_trained_gpt2");
}
