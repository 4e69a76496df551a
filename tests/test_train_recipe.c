/* The training recipe, its loop and what a trained file records (train.h):
 * the loop on a tiny recipe gives the same bits on one thread and two and
 * as a hand-written loop, calls its hook at the steps it promises, stops
 * and fails when the hook says so, refuses a bad recipe; the record saved
 * with a model reads back the same (recipe and head roles), in the JSON
 * the app reads, and a malformed one is refused naming its key. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/train.h"
#include "check.h"

static char dir[] = "/tmp/test_train_recipe.XXXXXX";

/* A recipe small enough for a few hundred steps a second. */
static model_recipe tiny(size_t steps) {
    model_recipe r = model_recipe_default();
    r.model.n_layers = 1;
    r.model.n_heads = 2;
    r.model.d_model = 16;
    r.model.n_ctx = 16;
    r.train.seq = 16;
    r.train.batch = 4;
    r.train.steps = steps;
    r.train.warmup = 5;
    r.seed = 7;
    return r;
}

/* What the hook saw, and when to stop or fail. */
typedef struct seen {
    size_t calls, heldout_at[16], n_heldout, roles_at[16], n_roles, announced[16], n_announced;
    size_t stop_at, fail_at; /* 0: never */
    bool steps_in_order;
    size_t last_step;
} seen;

static int hook(void *user, const model_train_progress *p, char *err, size_t err_len) {
    seen *s = user;
    s->calls++;
    if (p->step < s->last_step) s->steps_in_order = false;
    s->last_step = p->step;
    if (p->roles && s->n_roles < 16) s->roles_at[s->n_roles++] = p->step;
    if (p->roles_next && s->n_announced < 16) s->announced[s->n_announced++] = p->step;
    if (!p->roles && isfinite(p->heldout) && s->n_heldout < 16)
        s->heldout_at[s->n_heldout++] = p->step;
    if (s->fail_at && p->step == s->fail_at) {
        snprintf(err, err_len, "the hook gave up at step %zu", p->step);
        return 2;
    }
    return s->stop_at && p->step == s->stop_at ? 1 : 0;
}

static void test_loop(void) {
    char err[256] = "";
    model_recipe r = tiny(20);
    seen s = {.steps_in_order = true};
    model_train_hooks h = {.eval_every = 8, .eval_sequences = 4, .roles_every = 10,
                           .roles_sequences = 4, .roles_at_start = true, .progress = hook,
                           .user = &s};
    model m1, m2;
    model_heads_report roles;
    size_t done = 0;
    r.train.threads = 1;
    CHECKF(model_train_run(&r, &h, &m1, &roles, &done, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(done == 20 && s.steps_in_order);
    /* evaluated at 8, 16 and the last; roles at the start, 10 and the last */
    CHECKF(s.n_heldout == 3 && s.heldout_at[0] == 8 && s.heldout_at[1] == 16 &&
               s.heldout_at[2] == 20,
           "held-out loss at %zu steps", s.n_heldout);
    CHECK(s.n_roles == 3 && s.roles_at[0] == 0 && s.roles_at[1] == 10 && s.roles_at[2] == 20);
    CHECK(s.n_announced == 3 && s.announced[0] == 0 && s.announced[1] == 10);
    /* a call per step (those at 10 and 20 announce the roles), one announcing
     * the roles at the start, and one per measurement */
    CHECK(s.calls == 20 + 1 + 3);
    CHECK(roles.n_layers == 1 && roles.n_heads == 2 && roles.score && roles.sequences == 4);
    model_heads_report_free(&roles);

    /* no hooks, two threads: the same bits */
    r.train.threads = 2;
    CHECKF(model_train_run(&r, NULL, &m2, &roles, &done, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(done == 20 && roles.score == NULL);
    CHECK(m1.n_params == m2.n_params &&
          memcmp(m1.block, m2.block, m1.n_params * sizeof(float)) == 0);
    model_free(&m2);

    /* the same as the steps written out by hand */
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    model_vocab vocab;
    model m3;
    model_trainer tr;
    model_corpus corpus;
    CHECK(model_vocab_init(&vocab, words, V, err, sizeof err) == ATTN_OK);
    CHECK(model_init(&m3, &r.model, &vocab, err, sizeof err) == ATTN_OK);
    model_init_gpt2(&m3, r.seed);
    CHECK(model_trainer_init(&tr, &m3, &r.train, err, sizeof err) == ATTN_OK);
    CHECK(model_corpus_init(&corpus, r.seed, &r.mix, err, sizeof err) == ATTN_OK);
    size_t B = r.train.batch, T = r.train.seq;
    int32_t *batch = malloc(B * (T + 1) * sizeof *batch), *in = malloc(2 * B * T * sizeof *in);
    for (size_t step = 0; batch && in && step < r.train.steps; step++) {
        double loss;
        model_corpus_batch(&corpus, batch, B, T, in, in + B * T);
        model_trainer_grad(&tr, &m3, in, in + B * T, &loss, err, sizeof err);
        model_trainer_update(&tr, &m3);
    }
    CHECK(memcmp(m1.block, m3.block, m1.n_params * sizeof(float)) == 0);
    free(batch), free(in);
    model_trainer_free(&tr);
    model_free(&m3);
    model_vocab_free(&vocab);
    model_free(&m1);

    /* the hook stops it: fewer steps, still a model */
    seen stop = {.stop_at = 7, .steps_in_order = true};
    h.user = &stop;
    CHECKF(model_train_run(&r, &h, &m1, &roles, &done, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(done == 7 && m1.block != NULL && stop.last_step == 7);
    model_heads_report_free(&roles);
    model_free(&m1);

    /* the hook fails: its message, nothing to free */
    seen fail = {.fail_at = 3, .steps_in_order = true};
    h.user = &fail;
    CHECK(model_train_run(&r, &h, &m1, &roles, &done, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "the hook gave up at step 3");
    CHECK(m1.block == NULL && roles.score == NULL);

    /* a recipe that does not check: refused before anything */
    model_recipe bad = tiny(20);
    bad.train.warmup = 50;
    CHECK(model_train_run(&bad, NULL, &m1, &roles, &done, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK(done == 0 && m1.block == NULL);
    bad = tiny(20);
    bad.seed = MODEL_HELDOUT_SEED;
    CHECK(model_recipe_check(&bad, NULL, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "held-out text's own");
    bad = tiny(20);
    bad.model.n_vocab = 10;
    CHECK(model_recipe_check(&bad, NULL, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "not the corpus's");
    bad = tiny(20);
    bad.mix = (model_corpus_mix){0, 0, 0, 0};
    CHECK(model_recipe_check(&bad, NULL, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECKF(strchr(err, '\n') == NULL, "more than one line: %s", err);
}

/* ---- the record in the file ------------------------------------------------------- */

static int trained_tiny(model *m, model_heads_report *roles, const model_recipe *r) {
    char err[256];
    size_t done;
    model_train_hooks h = {.roles_sequences = 4};
    if (model_train_run(r, &h, m, roles, &done, err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "train: %s\n", err);
        return 0;
    }
    return 1;
}

/* The file's "attnviz.heads" text. */
static const char *heads_text(const char *path, model_meta *meta, model *m) {
    char err[256];
    if (model_load_meta(m, path, meta, err, sizeof err) != ATTN_OK) return NULL;
    return model_meta_get(meta, "attnviz.heads");
}

static void test_record(void) {
    char err[256] = "", path[128], path2[128];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    snprintf(path2, sizeof path2, "%s/m2.safetensors", dir);
    model_recipe r = tiny(10);
    r.seed = 123456789012345ull;
    r.train.lr = 2.5e-3f;
    r.train.lr_min = 1e-4f;
    r.mix = (model_corpus_mix){0.5f, 0.25f, 0.125f, 1.75f};
    model m, back;
    model_heads_report roles, got;
    if (!trained_tiny(&m, &roles, &r)) return;
    /* scores with last bits, and the ends of the range */
    roles.score[0] = 0.83479998f;
    roles.score[1] = 0.0f;
    roles.score[2] = 1.0f;
    roles.score[3] = 0.0130f;
    roles.heldout_loss = 2.25;
    roles.unigram_loss = 4.5;
    CHECKF(model_save_trained(&m, path, &r, &roles, err, sizeof err) == ATTN_OK, "%s", err);

    model_meta meta;
    bool found = false;
    CHECKF(model_load_meta(&back, path, &meta, err, sizeof err) == ATTN_OK, "%s", err);
    model_recipe rb;
    CHECKF(model_meta_read_recipe(&meta, &back.config, path, &rb, &found, err, sizeof err) ==
               ATTN_OK,
           "%s", err);
    CHECK(found && rb.seed == r.seed && rb.train.steps == 10 && rb.train.batch == 4);
    CHECK(rb.train.lr == r.train.lr && rb.train.lr_min == r.train.lr_min);
    CHECK(rb.mix.pronoun == 0.5f && rb.mix.subject == 0.25f && rb.mix.place_time == 0.125f &&
          rb.mix.repeat == 1.75f);
    CHECK(rb.model.n_layers == 1 && rb.model.d_model == 16 && rb.train.seq == 16);
    CHECKF(model_meta_read_heads(&meta, &back.config, path, &got, &found, err, sizeof err) ==
               ATTN_OK,
           "%s", err);
    CHECK(found && got.n_layers == 1 && got.n_heads == 2);
    CHECK(got.heldout_loss == 2.25 && got.unigram_loss == 4.5);
    /* each score to four decimals: what "%.4f" spells */
    bool same = true;
    for (size_t k = 0; got.score && k < 2 * MODEL_ROLES; k++) {
        char four[32];
        snprintf(four, sizeof four, "%.4f", (double)roles.score[k]);
        if (got.score[k] != (float)strtod(four, NULL)) same = false;
    }
    CHECK(same);
    CHECK(got.score && got.score[0] == 0.8348f && got.score[1] == 0.0f && got.score[2] == 1.0f);
    /* the JSON the app and `attnviz heads --json` share */
    const char *text = model_meta_get(&meta, "attnviz.heads");
    const char *start = "[{\"layer\":0,\"head\":0,\"scores\":{\"previous_token\":0.8348,"
                        "\"first_token\":0.0,\"current_token\":1.0,\"induction\":0.013,";
    CHECKF(text && strncmp(text, start, strlen(start)) == 0, "%s", text ? text : "(none)");
    /* read back and saved again: the same bytes */
    CHECK(model_save_trained(&back, path2, &rb, &got, err, sizeof err) == ATTN_OK);
    model m2;
    model_meta meta2;
    const char *text2 = heads_text(path2, &meta2, &m2);
    CHECK(text && text2 && strcmp(text, text2) == 0);
    model_meta_free(&meta2);
    model_free(&m2);
    model_heads_report_free(&got);
    model_meta_free(&meta);
    model_free(&back);

    /* a file with no record: found false, the default recipe for its sizes */
    CHECK(model_save(&m, path2, err, sizeof err) == ATTN_OK);
    CHECK(model_load_meta(&back, path2, &meta, err, sizeof err) == ATTN_OK);
    found = true;
    CHECK(model_meta_read_recipe(&meta, &back.config, path2, &rb, &found, err, sizeof err) ==
              ATTN_OK &&
          !found && rb.seed == 1 && rb.train.steps == 6000 && rb.model.d_model == 16);
    found = true;
    CHECK(model_meta_read_heads(&meta, &back.config, path2, &got, &found, err, sizeof err) ==
              ATTN_OK &&
          !found && got.score == NULL);
    model_meta_free(&meta);
    model_free(&back);

    /* malformed records: refused with the file and the key */
    static const struct {
        const char *key, *value, *want;
    } bad[] = {
        {"attnviz.train.steps", "12x", "\"attnviz.train.steps\" is \"12x\", not a whole number"},
        {"attnviz.train.seed", "-1", "\"attnviz.train.seed\""},
        {"attnviz.train.lr", "nan", "\"attnviz.train.lr\" is \"nan\", not a number"},
        {"attnviz.train.mix", "1,2,3", "\"attnviz.train.mix\" is \"1,2,3\", not four numbers"},
        /* finite as a double, infinite as the float the recipe keeps */
        {"attnviz.train.lr", "1e300", "\"attnviz.train.lr\" is \"1e300\", not a number"},
        {"attnviz.train.lr_min", "-4e38", "\"attnviz.train.lr_min\" is \"-4e38\", not a number"},
        {"attnviz.train.mix", "1,1,1,1e39", "\"attnviz.train.mix\" is \"1,1,1,1e39\", not four"},
        {"attnviz.heads", "[{\"layer\":0,", "\"attnviz.heads\" is not valid JSON"},
        {"attnviz.heads", "{}", "\"attnviz.heads\" is not a JSON list of heads"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        /* the good record with one value replaced */
        CHECK(model_save_trained(&m, path, &r, &roles, err, sizeof err) == ATTN_OK);
        CHECK(model_load_meta(&back, path, &meta, err, sizeof err) == ATTN_OK);
        const char *values[16];
        for (size_t i = 0; i < meta.n && i < 16; i++)
            values[i] = strcmp(meta.keys[i], bad[k].key) == 0 ? bad[k].value : meta.values[i];
        CHECK(model_save_meta(&back, path2, (const char *const *)meta.keys, values, meta.n, err,
                              sizeof err) == ATTN_OK);
        model_meta_free(&meta);
        model_free(&back);
        CHECK(model_load_meta(&back, path2, &meta, err, sizeof err) == ATTN_OK);
        attn_status st = strcmp(bad[k].key, "attnviz.heads") == 0
                             ? model_meta_read_heads(&meta, &back.config, path2, &got, &found,
                                                     err, sizeof err)
                             : model_meta_read_recipe(&meta, &back.config, path2, &rb, &found,
                                                      err, sizeof err);
        CHECKF(st == ATTN_ERR_INPUT, "%s: %s", bad[k].key, bad[k].value);
        CHECK_STR_CONTAINS(err, path2);
        CHECK_STR_CONTAINS(err, bad[k].want);
        CHECKF(strchr(err, '\n') == NULL, "more than one line: %s", err);
        model_meta_free(&meta);
        model_free(&back);
    }
    /* roles of other sizes are not saved with the model */
    roles.n_heads = 3;
    CHECK(model_save_trained(&m, path2, &r, &roles, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "not saved");
    roles.n_heads = 2;
    model_heads_report_free(&roles);
    model_free(&m);
    remove(path);
    remove(path2);
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_loop();
    test_record();
    CHECKF(rmdir(dir) == 0, "%s left files behind", dir);
    return check_done("test_train_recipe");
}
