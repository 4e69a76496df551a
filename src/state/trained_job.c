/* A GPT-2's run on a thread (trained.h): GPT-2 small takes a tenth of a
 * second to a second on a sentence, so the window goes on drawing the last
 * sentence, with a progress mark, while the thread fills t->spare.
 *
 * The thread reads t's model and path (neither changes while it runs: the
 * weights change only after state_trained_run_stop) and writes only its
 * job and t->spare, which the window does not read. The window reads the
 * layer count (atomics) and, after the join, everything else. */
#define _GNU_SOURCE /* syscall(SYS_gettid): the thread's own priority */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "trained.h"
#include "trained_lens.h"
#include "trained_private.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

struct state_run_job {
    pthread_t thread;
    const state_trained *t;
    model_run *run; /* t->spare, the thread's alone until the join */
    model_watch watch;
    int passes; /* 2 when heads are off: every head on first */
    bool all_on_known; /* the same sentence as t's run: its every-head-on
                          probabilities are known, one pass does */
    atomic_bool busy;
    /* the sentence, encoded on the window's thread */
    int32_t ids[STATE_TRAINED_TOKENS_MAX];
    attn_token spans[STATE_TRAINED_TOKENS_MAX];
    size_t n;
    uint8_t head_off[STATE_PRUNE_MAX];
    char *sentence;
    char *shown;
    size_t shown_at[STATE_TRAINED_TOKENS_MAX];
    /* the thread's results, read after the join */
    float *probs_all_on;
    state_lens lens;
    attn_status status;
    char err[STATE_ERR_LEN];
};

static void job_free(struct state_run_job *j) {
    free(j->sentence);
    free(j->shown);
    free(j->probs_all_on);
    free(j);
}

static void *job_run(void *arg) {
    struct state_run_job *j = arg;
#ifdef __linux__
    /* frames first; the forward's second thread inherits this */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
#endif
    const state_trained *t = j->t;
    model_run *r = j->run;
    j->status = state_trained_forward(t, r, j->ids, j->n, j->head_off, j->probs_all_on,
                                      j->all_on_known, j->err, sizeof j->err);
    /* the lens reads the run just made: computed here, not in a frame */
    if (j->status == ATTN_OK) {
        char msg[STATE_ERR_LEN];
        if (state_lens_compute(&t->model, r, &j->lens, msg, sizeof msg) != ATTN_OK)
            j->lens.valid = false; /* the panel computes it, and says why not */
    }
    atomic_store(&j->busy, false);
    return NULL;
}

attn_status state_trained_run_start(state_trained *t, const char *sentence, const uint8_t *head_off,
                                    attn_setting *bad, char *err, size_t err_len) {
    if (bad) *bad = ATTN_SETTING_NONE;
    if (!t->model.block || !t->gpt2)
        return state_fail(ATTN_ERR_CONFIG, err, err_len,
                          "only a loaded GPT-2 runs on a thread: run the model directly");
    state_trained_run_stop(t); /* a newer sentence replaces an older one */
    const model_config *c = &t->model.config;
    struct state_run_job *j = calloc(1, sizeof *j);
    if (!j) return state_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory to run the model");
    char msg[256];
    attn_status st = state_gpt2_encode(t, sentence, state_gpt2_limit(c), j->ids, j->spans, &j->n,
                                       msg, sizeof msg);
    if (st != ATTN_OK) {
        job_free(j);
        if (bad) *bad = ATTN_SETTING_SENTENCE;
        return state_fail(st, err, err_len, "%s", msg);
    }
    if (head_off) memcpy(j->head_off, head_off, sizeof j->head_off);
    size_t LH = c->n_layers * c->n_heads;
    /* only the pruning changed: the every-head-on probabilities of t's
     * run are this sentence's too (t's run is every head on, or computed
     * them first) */
    j->all_on_known = t->sentence && t->n > 0 && strcmp(t->sentence, sentence) == 0;
    j->passes = 1;
    for (size_t k = 0; k < LH; k++)
        if (j->head_off[k] && !j->all_on_known) j->passes = 2;
    /* room: the spare run grows by doubling like the run on screen */
    if (j->n > t->spare.n_max) {
        size_t want = t->run.n_max > t->spare.n_max ? t->run.n_max : t->spare.n_max;
        size_t limit = state_gpt2_limit(c);
        if (want == 0) want = j->n;
        while (want < j->n) want *= 2;
        if (want > limit) want = limit;
        model_run r;
        st = state_trained_make_run(t, &r, want, err, err_len);
        if (st != ATTN_OK) {
            job_free(j);
            return st;
        }
        model_run_free(&t->spare);
        t->spare = r;
    }
    j->sentence = strdup(sentence);
    j->probs_all_on = malloc(c->n_vocab * sizeof *j->probs_all_on);
    if (!j->sentence || !j->probs_all_on) {
        job_free(j);
        return state_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory to run the model");
    }
    if (j->all_on_known)
        memcpy(j->probs_all_on, t->probs_all_on, c->n_vocab * sizeof *j->probs_all_on);
    st = state_gpt2_shown_all(t, j->ids, j->n, &j->shown, j->shown_at, err, err_len);
    if (st != ATTN_OK) {
        job_free(j);
        return st;
    }
    j->t = t;
    j->run = &t->spare;
    atomic_init(&j->watch.forwards, 0);
    atomic_init(&j->watch.layers_done, 0);
    atomic_init(&j->watch.stop, false);
    atomic_init(&j->busy, true);
    t->spare.watch = &j->watch;
    if (pthread_create(&j->thread, NULL, job_run, j) != 0) {
        t->spare.watch = NULL;
        job_free(j);
        return state_fail(ATTN_ERR_IO, err, err_len, "cannot start a thread to run the model");
    }
    t->run_job = j;
    return ATTN_OK;
}

bool state_trained_run_is_on(const state_trained *t, const char *sentence,
                             const uint8_t *head_off) {
    if (!t || !t->run_job) return false;
    const struct state_run_job *j = t->run_job;
    static const uint8_t none[STATE_PRUNE_MAX];
    return strcmp(j->sentence, sentence) == 0 &&
           memcmp(j->head_off, head_off ? head_off : none, sizeof j->head_off) == 0;
}

state_run_status state_trained_run_status(const state_trained *t) {
    state_run_status s = {0};
    if (!t || !t->run_job) return s;
    struct state_run_job *j = t->run_job;
    size_t L = t->model.config.n_layers;
    s.running = true;
    s.tokens = j->n;
    s.total = (size_t)j->passes * L;
    size_t began = atomic_load(&j->watch.forwards);
    s.done = (began > 0 ? began - 1 : 0) * L + atomic_load(&j->watch.layers_done);
    if (s.done > s.total) s.done = s.total;
    return s;
}

/* Joins the thread: the job is then the window's alone. */
static struct state_run_job *join(state_trained *t) {
    struct state_run_job *j = t->run_job;
    pthread_join(j->thread, NULL);
    t->run_job = NULL;
    t->spare.watch = NULL;
    return j;
}

/* The ended job's run becomes t's: the two runs trade places (both read
 * t->attn), and the tokens, pruning and lens follow. */
static void take(state_trained *t, struct state_run_job *j) {
    model_run shown = t->run;
    t->run = t->spare;
    t->spare = shown;
    memcpy(t->ids, j->ids, j->n * sizeof *j->ids);
    memcpy(t->spans, j->spans, j->n * sizeof *j->spans);
    for (size_t i = 0; i < j->n; i++) t->unknown[i] = false; /* GPT-2 encodes any text */
    t->n = j->n;
    memcpy(t->head_off, j->head_off, sizeof t->head_off);
    free(t->shown);
    t->shown = j->shown;
    j->shown = NULL;
    memcpy(t->shown_at, j->shown_at, j->n * sizeof *j->shown_at);
    free(t->sentence);
    t->sentence = j->sentence;
    j->sentence = NULL;
    memcpy(t->probs_all_on, j->probs_all_on, t->model.config.n_vocab * sizeof *t->probs_all_on);
    t->version++;
    free(t->lens_ready);
    t->lens_ready = NULL;
    if (j->lens.valid) {
        t->lens_ready = malloc(sizeof *t->lens_ready);
        if (t->lens_ready) {
            *t->lens_ready = j->lens;
            t->lens_ready->block = t->model.block;
            t->lens_ready->version = t->version;
        }
    }
}

bool state_trained_run_poll(state_trained *t, attn_status *result, char *err, size_t err_len) {
    if (result) *result = ATTN_OK;
    if (!t || !t->run_job || atomic_load(&t->run_job->busy)) return false;
    struct state_run_job *j = join(t);
    attn_status st = j->status;
    if (st == ATTN_OK) take(t, j);
    else state_fail(st, err, err_len, "%s", j->err);
    job_free(j);
    if (result) *result = st;
    return true;
}

void state_trained_run_stop(state_trained *t) {
    if (!t || !t->run_job) return;
    atomic_store(&t->run_job->watch.stop, true);
    job_free(join(t)); /* the join waits for the layer under way */
}
