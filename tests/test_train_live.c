/* Live training (src/app/train_live.c) without a display: a tiny model
 * trained in the background thread, polled as the window would, must
 * publish snapshots, fall in loss, measure its heads, match the same run
 * done in the foreground bit for bit, stop on request (and when destroyed
 * while running), refuse a second start and a bad config, and start again
 * after a stop. Run under ASan as well: no leaks, no races on the buffers
 * the poll hands out. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attnviz/corpus.h"
#include "check.h"
#include "train_live.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A model small enough to take ~100 steps in a second or two. */
static train_live_config tiny(size_t steps) {
    model_config sizes = {.n_layers = 2, .n_heads = 2, .d_model = 16, .n_ctx = 16};
    train_live_config c = train_live_config_default(&sizes);
    c.recipe.train.batch = 8;
    c.recipe.train.seq = 16;
    c.recipe.train.steps = steps;
    c.recipe.train.warmup = 10;
    c.recipe.train.lr = 1e-2f;
    c.recipe.train.lr_min = 1e-3f;
    c.recipe.train.threads = 1;
    c.publish_every = 10;
    c.measure_every = 50;
    c.measure_sequences = 4;
    return c;
}

/* Field by field (memcmp would compare padding too). */
static bool same_recipe(const model_recipe *a, const model_recipe *b) {
    const model_config *x = &a->model, *y = &b->model;
    const model_train_config *s = &a->train, *t = &b->train;
    return x->n_layers == y->n_layers && x->n_heads == y->n_heads && x->d_model == y->d_model &&
           x->n_ctx == y->n_ctx && x->n_vocab == y->n_vocab && s->batch == t->batch &&
           s->seq == t->seq && s->steps == t->steps && s->warmup == t->warmup &&
           s->lr == t->lr && s->lr_min == t->lr_min && s->beta1 == t->beta1 &&
           s->beta2 == t->beta2 && s->eps == t->eps && s->weight_decay == t->weight_decay &&
           s->grad_clip == t->grad_clip && s->threads == t->threads && a->seed == b->seed &&
           a->mix.pronoun == b->mix.pronoun && a->mix.subject == b->mix.subject &&
           a->mix.place_time == b->mix.place_time && a->mix.repeat == b->mix.repeat &&
           a->pos_sinusoid == b->pos_sinusoid;
}

/* Live training runs the shipped recipe, shortened: every number but the
 * steps (and the sizes, the model's own) is model_recipe_default's, which
 * `attnviz train` takes its defaults from. */
static void test_defaults(void) {
    model_recipe shipped = model_recipe_default();
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    /* the shipped model's recipe, as README "The shipped model" gives it */
    CHECK(shipped.model.n_layers == 2 && shipped.model.n_heads == 4);
    CHECK(shipped.model.d_model == 128 && shipped.model.n_ctx == 64 && shipped.model.n_vocab == V);
    CHECK(shipped.train.batch == 32 && shipped.train.seq == 64 && shipped.train.steps == 6000);
    CHECK(shipped.train.warmup == 100 && shipped.train.lr == 3e-3f);
    CHECK(shipped.train.lr_min == 3e-4f);
    CHECK(shipped.train.weight_decay == 0.1f && shipped.train.grad_clip == 1.0f);
    CHECK(shipped.train.threads == 2 && shipped.seed == 1 && shipped.pos_sinusoid == 0.0f);
    model_corpus_mix mix = model_corpus_mix_default();
    CHECK(shipped.mix.pronoun == mix.pronoun && shipped.mix.subject == mix.subject &&
          shipped.mix.place_time == mix.place_time && shipped.mix.repeat == mix.repeat);
    char err[256] = "";
    CHECKF(model_recipe_check(&shipped, NULL, err, sizeof err) == ATTN_OK, "%s", err);

    /* live = the same recipe with TRAIN_LIVE_STEPS steps */
    train_live_config live = train_live_config_default(&shipped.model);
    model_recipe want = shipped;
    want.train.steps = TRAIN_LIVE_STEPS;
    CHECK(TRAIN_LIVE_STEPS == 2000);
    CHECK(same_recipe(&live.recipe, &want));
    CHECK(live.publish_every >= 1 && live.measure_every == 100 && live.measure_sequences == 24);

    /* for a model of other sizes: those sizes, the corpus's vocabulary, the rest the same */
    model_config sizes = {.n_layers = 3, .n_heads = 4, .d_model = 64, .n_ctx = 32, .n_vocab = 7};
    train_live_config c = train_live_config_default(&sizes);
    CHECK(c.recipe.model.n_vocab == V); /* the corpus's, whatever was given */
    CHECK(c.recipe.model.n_layers == 3 && c.recipe.model.n_heads == 4);
    CHECK(c.recipe.model.d_model == 64 && c.recipe.model.n_ctx == 32);
    CHECK(c.recipe.train.seq == 32);
    want.model = c.recipe.model;
    want.train.seq = 32;
    CHECK(same_recipe(&c.recipe, &want));
}

static void test_refusals(void) {
    train_live *t = train_live_create();
    CHECK(t != NULL);
    if (!t) return;
    char err[256];
    train_live_config c = tiny(10);
    c.recipe.model.n_vocab = 50;
    err[0] = '\0';
    CHECK(train_live_start(t, &c, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "vocabulary");
    c = tiny(TRAIN_LIVE_STEPS_MAX + 1);
    CHECK(train_live_start(t, &c, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "at most");
    c = tiny(10);
    c.publish_every = 0;
    CHECK(train_live_start(t, &c, err, sizeof err) == 2);
    c = tiny(10);
    c.recipe.train.seq = 17; /* longer than the context */
    CHECK(train_live_start(t, &c, err, sizeof err) == 2);
    CHECK(!train_live_running(t));
    const train_live_state *s = train_live_poll(t);
    CHECK(s && s->phase == TRAIN_LIVE_IDLE && s->n_loss == 0 && !s->new_params);
    train_live_stop(t); /* idle: nothing to stop */
    train_live_destroy(t);
    train_live_destroy(NULL);
    CHECK(train_live_poll(NULL) == NULL);
    CHECK(!train_live_running(NULL));
}

/* The same run in the foreground: the parameters after `steps` steps. */
static float *train_here(const train_live_config *c, size_t *n_params) {
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    char err[256];
    model_vocab vocab;
    model m;
    model_trainer tr;
    model_corpus corpus;
    if (model_vocab_init(&vocab, words, V, err, sizeof err) != ATTN_OK) return NULL;
    const model_recipe *r = &c->recipe;
    if (model_init(&m, &r->model, &vocab, err, sizeof err) != ATTN_OK) return NULL;
    model_init_gpt2(&m, r->seed);
    model_trainer_init(&tr, &m, &r->train, err, sizeof err);
    model_corpus_init(&corpus, r->seed, NULL, err, sizeof err);
    size_t B = r->train.batch, T = r->train.seq;
    int32_t *seq = malloc((T + 1) * sizeof *seq), *in = malloc(2 * B * T * sizeof *in);
    for (size_t step = 0; step < r->train.steps; step++) {
        for (size_t b = 0; b < B; b++) {
            model_corpus_sequence(&corpus, seq, NULL, T + 1);
            memcpy(in + b * T, seq, T * sizeof *seq);
            memcpy(in + B * T + b * T, seq + 1, T * sizeof *seq);
        }
        double loss;
        model_trainer_grad(&tr, &m, in, in + B * T, &loss, err, sizeof err);
        model_trainer_update(&tr, &m);
    }
    float *out = malloc(m.n_params * sizeof *out);
    memcpy(out, m.block, m.n_params * sizeof *out);
    *n_params = m.n_params;
    free(seq), free(in);
    model_trainer_free(&tr);
    model_free(&m);
    model_vocab_free(&vocab);
    return out;
}

static void test_full_run(void) {
    train_live *t = train_live_create();
    if (!t) return;
    train_live_config c = tiny(120);
    char err[256] = "";
    int rc = train_live_start(t, &c, err, sizeof err);
    CHECKF(rc == 0, "start: %s", err);
    if (rc != 0) {
        train_live_destroy(t);
        return;
    }
    CHECK(train_live_running(t));
    /* Poll as a window would, until done (or 120 s on a very busy machine). */
    int snapshots = 0, measurements = 0, polls = 0;
    bool steps_ordered = true, params_on_grid = true;
    size_t last_params_step = 0;
    double t0 = now_seconds();
    const train_live_state *s = train_live_poll(t);
    while (s->phase == TRAIN_LIVE_RUNNING && now_seconds() - t0 < 120) {
        sleep_ms(5);
        s = train_live_poll(t);
        polls++;
        if (s->new_params) {
            snapshots++;
            if (s->params_step < last_params_step) steps_ordered = false;
            if (s->params_step % c.publish_every != 0 && s->params_step != c.recipe.train.steps)
                params_on_grid = false;
            last_params_step = s->params_step;
        }
        if (s->new_roles) measurements++;
    }
    s = train_live_poll(t); /* whatever came with the end */
    if (s->new_params) snapshots++;
    if (s->new_roles) measurements++;
    CHECKF(s->phase == TRAIN_LIVE_DONE, "phase %d: %s", (int)s->phase, s->error);
    CHECK(!train_live_running(t));
    CHECK(s->step == 120 && s->steps == 120);
    CHECKF(snapshots >= 3, "%d snapshots in %d polls", snapshots, polls);
    CHECK(steps_ordered && params_on_grid);
    CHECK(s->params_step == 120 && s->params && s->n_params > 0);
    CHECKF(measurements >= 2, "%d measurements", measurements);
    CHECK(s->roles != NULL && s->roles_step == 120);
    CHECK(s->tokens_per_s > 0);

    /* the history: step 0 (untrained, held-out only), then one entry per step */
    CHECK(s->n_loss == 121);
    if (s->n_loss == 121) {
        CHECK(s->loss_step[0] == 0 && isnan(s->loss_train[0]) && isfinite(s->loss_heldout[0]));
        bool steps_ok = true, finite = true;
        size_t measured = 0;
        for (size_t i = 1; i < s->n_loss; i++) {
            if (s->loss_step[i] != (double)i) steps_ok = false;
            if (!isfinite(s->loss_train[i])) finite = false;
            if (isfinite(s->loss_heldout[i])) measured++;
        }
        CHECK(steps_ok && finite);
        CHECKF(measured == 3, "held-out loss at %zu steps (want 50, 100, 120)", measured);
        CHECK(isfinite(s->loss_heldout[50]) && isfinite(s->loss_heldout[100]) &&
              isfinite(s->loss_heldout[120]));
        /* the loss falls: the untrained model is near log(vocab) */
        double first = 0, last = 0;
        for (size_t i = 1; i <= 10; i++) first += s->loss_train[i] / 10;
        for (size_t i = 111; i <= 120; i++) last += s->loss_train[i] / 10;
        CHECKF(last < first - 0.5, "training loss %.3f -> %.3f", first, last);
        CHECKF(s->loss_heldout[120] < s->loss_heldout[0] - 0.5, "held-out %.3f -> %.3f",
               s->loss_heldout[0], s->loss_heldout[120]);
        CHECK(fabs(s->roles->heldout_loss - s->loss_heldout[120]) < 1e-12);
    }
    if (s->roles) {
        const model_heads_report *r = s->roles;
        CHECK(r->n_layers == 2 && r->n_heads == 2 && r->sequences == 4);
        bool in_range = true;
        for (size_t k = 0; k < 2 * 2 * MODEL_ROLES; k++)
            if (!(r->score[k] >= 0.0f && r->score[k] <= 1.0f)) in_range = false;
        CHECK(in_range);
    }

    /* the thread trained exactly what the foreground loop trains */
    size_t n_here = 0;
    float *here = train_here(&c, &n_here);
    CHECK(here != NULL && n_here == s->n_params);
    if (here && n_here == s->n_params)
        CHECK(memcmp(here, s->params, n_here * sizeof *here) == 0);
    free(here);

    /* a second poll has nothing new, and the data stays */
    s = train_live_poll(t);
    CHECK(!s->new_params && !s->new_roles && s->n_loss == 121 && s->params != NULL);
    train_live_destroy(t);
}

static void test_stop_and_restart(void) {
    train_live *t = train_live_create();
    if (!t) return;
    train_live_config c = tiny(TRAIN_LIVE_STEPS_MAX);
    c.measure_every = 0;
    char err[256] = "";
    int rc = train_live_start(t, &c, err, sizeof err);
    CHECKF(rc == 0, "start: %s", err);
    if (rc != 0) {
        train_live_destroy(t);
        return;
    }
    /* a second start while the first runs is refused, and harms nothing */
    err[0] = '\0';
    CHECK(train_live_start(t, &c, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "already running");
    CHECK(train_live_running(t));

    /* let it take some steps, then stop it in the middle */
    double t0 = now_seconds();
    const train_live_state *s = train_live_poll(t);
    while (s->step < 15 && now_seconds() - t0 < 60) {
        sleep_ms(5);
        s = train_live_poll(t);
    }
    double before = now_seconds();
    train_live_stop(t);
    double took = now_seconds() - before;
    CHECKF(took < 5.0, "stop took %.2f s", took);
    CHECK(!train_live_running(t));
    s = train_live_poll(t);
    CHECKF(s->phase == TRAIN_LIVE_STOPPED, "phase %d", (int)s->phase);
    CHECK(s->step >= 15 && s->step < c.recipe.train.steps);
    CHECK(s->params_step == s->step); /* the last step's parameters, published at the stop */
    CHECK(s->n_loss == s->step + 1);
    train_live_stop(t); /* again: nothing happens */

    /* start again after a stop: a fresh run from step 0 */
    c = tiny(30);
    rc = train_live_start(t, &c, err, sizeof err);
    CHECKF(rc == 0, "restart: %s", err);
    s = train_live_poll(t);
    CHECK(s->steps == 30 && s->n_loss <= 31);
    t0 = now_seconds();
    while (s->phase == TRAIN_LIVE_RUNNING && now_seconds() - t0 < 60) {
        sleep_ms(5);
        s = train_live_poll(t);
    }
    CHECK(s->phase == TRAIN_LIVE_DONE && s->step == 30 && s->n_loss == 31);

    /* destroyed while running: the thread is stopped and joined */
    c = tiny(TRAIN_LIVE_STEPS_MAX);
    rc = train_live_start(t, &c, err, sizeof err);
    CHECKF(rc == 0, "third start: %s", err);
    sleep_ms(50);
    before = now_seconds();
    train_live_destroy(t);
    took = now_seconds() - before;
    CHECKF(took < 5.0, "destroy took %.2f s", took);
}

int main(void) {
    test_defaults();
    test_refusals();
    test_full_run();
    test_stop_and_restart();
    return check_done("test_train_live");
}
