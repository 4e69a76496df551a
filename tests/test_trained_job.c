/* A GPT-2's run on a thread (trained_job.c, state_model_apply_async), on
 * the GPT-2-format fixture (GPT-2's 50257 tokens, random weights): the
 * model on screen stays as it was while the run goes on; when it ends the
 * new sentence's traces, probabilities (pruned and every head on) and lens
 * are bit for bit those of the same sentence run directly; a newer request
 * replaces an older one; one on the sentence already under way does not
 * start it again; a sentence that does not fit is refused at once; a
 * direct apply drops the pending one; freeing while it runs stops it. And
 * the model layer's watch: a forward stopped after a layer, as asked.
 *
 * usage: test_trained_job FIXTURES_GPT2_DIR (tests/torch/fixtures/gpt2) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "state.h"
#include "trained.h"
#include "trained_lens.h"

static const char *const FIRST = "The animal didn't cross the street because it was tired";
static const char *const SECOND = "When Mary and John went to the store, John gave a drink to";

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Polls as a window would, once a "frame", until the run ends (10 s at most). */
static state_poll settle(state_model *m, char *err, size_t err_len, size_t *running_polls) {
    double start = now();
    state_poll p;
    *running_polls = 0;
    while ((p = state_model_poll(m, err, err_len)) == STATE_POLL_RUNNING && now() - start < 10.0) {
        size_t done = 99, total = 0, tokens = 0;
        state_model_progress(m, &done, &total, &tokens);
        CHECK(total >= 1 && done <= total && tokens >= 2);
        (*running_polls)++;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return p;
}

/* t2 is a GPT-2 run directly on the same sentence and pruning: every
 * layer's trace and the probabilities must be the very same bits. */
static void check_same(const state_trained *t, const state_trained *t2) {
    const model_config *c = &t->model.config;
    size_t n = t->n, H = c->n_heads, d = c->d_model, V = c->n_vocab;
    CHECK(n == t2->n && memcmp(t->ids, t2->ids, n * sizeof *t->ids) == 0);
    for (size_t l = 0; l < c->n_layers; l++) {
        CHECKF(memcmp(t->run.trace[l].weights, t2->run.trace[l].weights,
                      H * n * n * sizeof(float)) == 0,
               "layer %zu's weights", l);
        CHECKF(memcmp(t->run.trace[l].output, t2->run.trace[l].output, n * d * sizeof(float)) == 0,
               "layer %zu's output", l);
    }
    CHECK(memcmp(state_trained_last_probs(t), state_trained_last_probs(t2), V * sizeof(float)) == 0);
    CHECK(memcmp(t->probs_all_on, t2->probs_all_on, V * sizeof(float)) == 0);
    for (size_t i = 0; i < n; i++)
        CHECK(strcmp(state_trained_word(t, i), state_trained_word(t2, i)) == 0);
    // the lens came with the run (on the thread, and with the direct run
    // too), the same as one computed from the direct run's trace
    state_lens a = {0}, b = {0};
    char err[STATE_ERR_LEN];
    CHECK(t->lens_ready && t->lens_ready->valid && t->lens_ready->version == t->version);
    CHECK(t2->lens_ready && t2->lens_ready->valid && t2->lens_ready->version == t2->version);
    CHECKF(state_trained_lens(t, &a, err, sizeof err) == ATTN_OK, "%s", err);
    CHECKF(state_lens_compute(&t2->model, &t2->run, &b, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(a.token == b.token && a.prob == b.prob);
    CHECK(memcmp(a.contrib, b.contrib, sizeof a.contrib) == 0);
    CHECK(memcmp(a.lens_ids, b.lens_ids, sizeof a.lens_ids) == 0);
}

/* The model layer: a watched forward counts its layers and stops when asked. */
static void check_watch(const char *dir) {
    state_trained t;
    char err[STATE_ERR_LEN];
    CHECKF(state_trained_load_ex(&t, dir, STATE_TRAINED_NO_ROLES, err, sizeof err) == ATTN_OK,
           "%s", err);
    if (!t.model.block) return;
    int32_t ids[4] = {50256, 464, 5044, 750};
    model_watch w;
    atomic_init(&w.forwards, 0);
    atomic_init(&w.layers_done, 0);
    atomic_init(&w.stop, false);
    t.run.watch = &w;
    CHECK(model_forward(&t.run, &t.model, ids, 4, NULL, err, sizeof err) == ATTN_OK);
    CHECK(atomic_load(&w.forwards) == 1 && atomic_load(&w.layers_done) == t.model.config.n_layers);
    atomic_store(&w.stop, true);
    CHECK(model_forward(&t.run, &t.model, ids, 4, NULL, err, sizeof err) == ATTN_ERR_IO);
    CHECK_STR_CONTAINS(err, "stopped after layer 1 of 2, as asked");
    CHECK(atomic_load(&w.forwards) == 2 && atomic_load(&w.layers_done) == 1);
    t.run.watch = NULL;
    state_trained_free(&t);
}

int main(int argc, char **argv) {
    const char *fixtures = argc > 1 ? argv[1] : "tests/torch/fixtures/gpt2";
    char dir[1024], err[STATE_ERR_LEN];
    snprintf(dir, sizeof dir, "%s/v50257_d16_f16", fixtures);
    check_watch(dir);

    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    snprintf(s.model_path, sizeof s.model_path, "%s", dir);
    snprintf(s.sentence, sizeof s.sentence, "%s", FIRST);
    s.layer = 1;
    state_model sm;
    memset(&sm, 0, sizeof sm);
    CHECKF(state_model_apply(&sm, &s, err, sizeof err) == ATTN_OK, "%s", err);
    if (!sm.trained) return check_done("test_trained_job");
    state_trained *t = sm.trained;
    CHECK(t->gpt2 && t->attn && t->run.attn == t->attn); /* one copy of the weights */
    CHECK(!sm.pending && state_model_poll(&sm, err, sizeof err) == STATE_POLL_IDLE);
    size_t n_first = sm.n;
    uint64_t version = sm.version;

    // a new sentence: pending, the model on screen as it was
    state_settings next = s;
    snprintf(next.sentence, sizeof next.sentence, "%s", SECOND);
    CHECKF(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(sm.pending && t->run_job && sm.n == n_first && sm.version == version);
    CHECK(strcmp(sm.settings.sentence, FIRST) == 0);
    CHECK(strcmp(state_model_wanted(&sm)->sentence, SECOND) == 0);
    CHECK(t->spare.attn == t->attn);
    size_t polls = 0;
    CHECK(settle(&sm, err, sizeof err, &polls) == STATE_POLL_APPLIED);
    CHECK(!sm.pending && !t->run_job && sm.trained == t && sm.version > version);
    CHECK(strcmp(sm.settings.sentence, SECOND) == 0 && sm.n != n_first);
    CHECK(sm.trace.weights == t->run.trace[1].weights && sm.settings.layer == 1);

    state_trained twin;
    CHECKF(state_trained_load_ex(&twin, dir, STATE_TRAINED_NO_ROLES, err, sizeof err) == ATTN_OK,
           "%s", err);
    CHECKF(state_trained_run(&twin, SECOND, NULL, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    check_same(t, &twin);

    // a head off on the same sentence: one pass (its every-head-on
    // probabilities are known), the same bits as direct
    next.head_off[1 * 4 + 2] = 1;
    CHECKF(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    size_t done, total, tokens;
    state_model_progress(&sm, &done, &total, &tokens);
    CHECK(total == 2 && tokens == sm.n); /* 2 layers, once */
    CHECK(settle(&sm, err, sizeof err, &polls) == STATE_POLL_APPLIED);
    CHECK(sm.settings.head_off[6] == 1 && t->head_off[6] == 1);
    CHECKF(state_trained_run(&twin, SECOND, next.head_off, NULL, err, sizeof err) == ATTN_OK, "%s",
           err);
    check_same(t, &twin);

    // a new sentence with a head off: two passes, every head on first
    snprintf(next.sentence, sizeof next.sentence, "%s", FIRST);
    CHECKF(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    state_model_progress(&sm, &done, &total, &tokens);
    CHECK(total == 4); /* 2 layers, twice */
    CHECK(settle(&sm, err, sizeof err, &polls) == STATE_POLL_APPLIED);
    CHECKF(state_trained_run(&twin, FIRST, next.head_off, NULL, err, sizeof err) == ATTN_OK, "%s",
           err);
    check_same(t, &twin);

    // a newer request replaces an older one: the last asked is shown
    memset(next.head_off, 0, sizeof next.head_off);
    snprintf(next.sentence, sizeof next.sentence, "one two three");
    CHECK(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK);
    snprintf(next.sentence, sizeof next.sentence, "%s", FIRST);
    CHECK(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK);
    // the same again with the other layer: the run under way goes on
    const void *job = t->run_job;
    next.layer = 0;
    CHECK(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK);
    CHECK(t->run_job == job && sm.pending && sm.pending_settings.layer == 0);
    CHECK(settle(&sm, err, sizeof err, &polls) == STATE_POLL_APPLIED);
    CHECK(strcmp(sm.settings.sentence, FIRST) == 0 && strcmp(t->sentence, FIRST) == 0);
    CHECK(sm.n == n_first && sm.settings.layer == 0 && sm.trace.weights == t->run.trace[0].weights);
    CHECKF(state_trained_run(&twin, FIRST, NULL, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    check_same(t, &twin);

    // the sentence on screen again: applied at once, nothing pending
    next.layer = 1;
    CHECK(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK);
    CHECK(!sm.pending && sm.settings.layer == 1 && !t->run_job);

    // over the context (32 tokens): refused at once, naming the sentence
    char longer[512] = "";
    for (int k = 0; k < 40; k++) strcat(longer, " word");
    snprintf(next.sentence, sizeof next.sentence, "%s", longer);
    attn_setting bad = ATTN_SETTING_NONE;
    CHECK(state_model_apply_async(&sm, &next, &bad, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK(bad == ATTN_SETTING_SENTENCE && !sm.pending && sm.n == n_first);

    // a direct apply drops a pending run: the direct one is what shows
    snprintf(next.sentence, sizeof next.sentence, "%s", SECOND);
    CHECK(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK && sm.pending);
    state_settings direct = next;
    snprintf(direct.sentence, sizeof direct.sentence, "a b c");
    CHECKF(state_model_apply(&sm, &direct, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(!sm.pending && !t->run_job && strcmp(sm.settings.sentence, "a b c") == 0);
    CHECK(state_model_poll(&sm, err, sizeof err) == STATE_POLL_IDLE);

    // random weights (W) keep the model aside, running or not; W back shows
    // the very same model, not read again, on its sentence
    CHECK(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK && sm.pending);
    state_settings mech;
    state_settings_default(&mech);
    mech.source = STATE_SOURCE_MECHANICS;
    snprintf(mech.sentence, sizeof mech.sentence, "the cat sat");
    CHECKF(state_model_apply(&sm, &mech, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(!sm.trained && sm.parked == t && !t->run_job && !sm.pending);
    CHECKF(state_model_apply(&sm, &mech, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(sm.parked == t); /* mechanics to mechanics: still kept */
    CHECKF(state_model_apply(&sm, &direct, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(sm.trained == t && !sm.parked && strcmp(sm.settings.sentence, "a b c") == 0);
    CHECK(sm.n == t->n && sm.trace.weights == t->run.trace[direct.layer].weights);
    CHECKF(state_model_apply(&sm, &mech, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(sm.parked == t);
    CHECKF(state_model_apply(&sm, &direct, err, sizeof err) == ATTN_OK, "%s", err);

    // freed while running: stopped and joined (ASan sees no leak, no race)
    CHECK(state_model_apply_async(&sm, &next, NULL, err, sizeof err) == ATTN_OK && sm.pending);
    state_model_free(&sm);
    CHECK(!sm.pending && !sm.trained);
    state_trained_free(&twin);
    return check_done("test_trained_job");
}
