/* Live training in a background thread (train_live.h).
 *
 * Three copies of what the class sees, so no one waits long for anyone:
 *   the thread's own model and trainer     (only the thread touches them)
 *   `shared`: what was published last      (under the mutex)
 *   `state` and its buffers                (only the main thread, after a poll)
 * The mutex is held for copies only (a few hundred kilobytes of parameters),
 * never for a training step or a measurement. */
#define _GNU_SOURCE /* syscall(SYS_gettid) for the thread's own priority */
#include "train_live.h"
#include "state.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attnviz/corpus.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* What the thread publishes; read and written under `lock`. */
typedef struct published {
    train_live_phase phase;
    size_t step;
    double *loss_step, *loss_train, *loss_heldout; /* steps + 1 entries */
    size_t n_loss;
    float *params;
    size_t params_step;
    uint64_t params_version;
    model_heads_report roles; /* score only; empty until the first measurement */
    size_t roles_step;
    uint64_t roles_version;
    double tokens_per_s;
    char error[256];
} published;

struct train_live {
    pthread_mutex_t lock;
    pthread_t thread;
    bool joinable;      /* main thread only: a thread was started and not joined */
    atomic_bool stop;   /* set by train_live_stop, read by the thread between steps */
    atomic_bool running;

    /* the run: set up by start, then the thread's alone until joined */
    train_live_config config;
    double started; /* when the first step began (the thread's clock) */

    published shared;

    /* the main thread's copies, handed out by poll */
    train_live_state state;
    double *f_step, *f_train, *f_heldout;
    float *f_params;
    uint64_t f_params_version;
    model_heads_report f_roles;
    uint64_t f_roles_version;
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

train_live_config train_live_config_default(const model_config *sizes) {
    train_live_config c;
    memset(&c, 0, sizeof c);
    /* attnviz train's recipe: the live run retraces the shipped model's start */
    c.recipe = model_recipe_default();
    size_t vocab = c.recipe.model.n_vocab;
    c.recipe.model = *sizes;
    c.recipe.model.n_vocab = vocab;
    c.recipe.train.seq = sizes->n_ctx;
    c.recipe.train.steps = TRAIN_LIVE_STEPS;
    c.publish_every = 10;
    c.measure_every = 100;
    c.measure_sequences = 24;
    return c;
}

train_live *train_live_create(void) {
    train_live *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return NULL;
    }
    atomic_init(&t->stop, false);
    atomic_init(&t->running, false);
    t->state.phase = TRAIN_LIVE_IDLE;
    return t;
}

bool train_live_running(const train_live *t) {
    return t && atomic_load(&((train_live *)t)->running);
}

/* Frees every buffer (the thread must be joined). */
static void free_run(train_live *t) {
    published *p = &t->shared;
    free(p->loss_step), free(p->loss_train), free(p->loss_heldout), free(p->params);
    model_heads_report_free(&p->roles);
    memset(p, 0, sizeof *p);
    free(t->f_step), free(t->f_train), free(t->f_heldout), free(t->f_params);
    model_heads_report_free(&t->f_roles);
    t->f_step = t->f_train = t->f_heldout = NULL;
    t->f_params = NULL;
    t->f_params_version = t->f_roles_version = 0;
}

static attn_status check_config(const train_live_config *c, size_t vocab, char *err,
                                size_t err_len) {
    const model_recipe *r = &c->recipe;
    if (model_config_check(&r->model, NULL, err, err_len) != ATTN_OK) return ATTN_ERR_CONFIG;
    if (r->model.n_vocab != vocab) {
        return state_fail(ATTN_ERR_CONFIG, err, err_len,
                          "live training needs the corpus's vocabulary of %zu words, not %zu: "
                          "train the model with attnviz train",
                          vocab, r->model.n_vocab);
    }
    if (model_recipe_check(r, NULL, err, err_len) != ATTN_OK) return ATTN_ERR_CONFIG;
    if (r->train.steps > TRAIN_LIVE_STEPS_MAX) {
        return state_fail(ATTN_ERR_CONFIG, err, err_len,
                          "live training takes at most %d steps, not %zu", TRAIN_LIVE_STEPS_MAX,
                          r->train.steps);
    }
    if (c->publish_every < 1 || c->measure_sequences < 1) {
        return state_fail(ATTN_ERR_CONFIG, err, err_len,
                          "live training needs publish_every and measure_sequences of 1 or more");
    }
    return ATTN_OK;
}

/* ---- the thread ------------------------------------------------------------------ */

/* The trainer and the measurements start their own threads, which inherit
 * this one's priority: lowered, so the window's frames come first on a
 * laptop with two cores. Linux keeps a nice value per thread; elsewhere
 * nothing changes. */
static void lower_priority(void) {
#ifdef __linux__
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
#endif
}

/* Appends the loss entry and copies the parameters (when params) and the
 * head scores (when rep), under the lock. */
static void publish(train_live *t, const model_train_progress *pr, bool params,
                    double tokens_per_s) {
    published *p = &t->shared;
    const model_heads_report *rep = pr->roles;
    pthread_mutex_lock(&t->lock);
    if (p->n_loss <= t->config.recipe.train.steps) {
        p->loss_step[p->n_loss] = (double)pr->step;
        p->loss_train[p->n_loss] = pr->loss;
        p->loss_heldout[p->n_loss] = pr->heldout;
        p->n_loss++;
    }
    if (params) {
        memcpy(p->params, pr->model->block, pr->model->n_params * sizeof *p->params);
        p->params_step = pr->step;
        p->params_version++;
    }
    if (rep) {
        memcpy(p->roles.score, rep->score,
               p->roles.n_layers * p->roles.n_heads * MODEL_ROLES * sizeof *rep->score);
        p->roles.heldout_loss = rep->heldout_loss;
        p->roles.unigram_loss = rep->unigram_loss;
        p->roles.tokens = rep->tokens;
        p->roles.sequences = rep->sequences;
        p->roles_step = pr->step;
        p->roles_version++;
    }
    p->step = pr->step;
    p->tokens_per_s = tokens_per_s;
    pthread_mutex_unlock(&t->lock);
}

static void finish(train_live *t, train_live_phase phase, const char *error) {
    pthread_mutex_lock(&t->lock);
    t->shared.phase = phase;
    if (error) snprintf(t->shared.error, sizeof t->shared.error, "%s", error);
    pthread_mutex_unlock(&t->lock);
    atomic_store(&t->running, false);
}

/* The loop's hook: publish what the window shows, and stop when asked.
 * A step whose heads are measured next is published with them, one call
 * later, unless a stop is asked for: then it goes out now, parameters and
 * all, and the loop ends before measuring. */
static int on_progress(void *user, const model_train_progress *p, char *err, size_t err_len) {
    (void)err, (void)err_len;
    train_live *t = user;
    /* (the last step's heads are measured whatever: the run is over anyway) */
    bool stop = atomic_load(&t->stop) && p->step < p->steps;
    if (p->roles_next && !stop) return 0;
    if (p->step == 0) t->started = now_seconds(); /* the untrained model, measured */
    double elapsed = now_seconds() - t->started;
    double tok_s = p->step && elapsed > 0 ? (double)p->tokens / elapsed : 0.0;
    bool params = p->roles || stop || p->step % t->config.publish_every == 0;
    publish(t, p, params, tok_s);
    return stop ? 1 : 0;
}

static void *run(void *arg) {
    train_live *t = arg;
    lower_priority();
    const train_live_config *c = &t->config;
    model_train_hooks hooks = {.roles_every = c->measure_every,
                               .roles_sequences = c->measure_sequences,
                               .roles_at_start = true,
                               .progress = on_progress,
                               .user = t};
    char err[256] = "";
    model m;
    model_heads_report rep;
    size_t done = 0;
    if (model_train_run(&c->recipe, &hooks, &m, &rep, &done, err, sizeof err) != ATTN_OK) {
        finish(t, TRAIN_LIVE_FAILED, err);
        return NULL;
    }
    /* everything the class sees was published on the way */
    model_heads_report_free(&rep);
    model_free(&m);
    finish(t, done < c->recipe.train.steps ? TRAIN_LIVE_STOPPED : TRAIN_LIVE_DONE, NULL);
    return NULL;
}

/* ---- the main thread's side ----------------------------------------------------------- */

static void join(train_live *t) {
    if (!t->joinable) return;
    pthread_join(t->thread, NULL);
    t->joinable = false;
}

attn_status train_live_start(train_live *t, const train_live_config *c, char *err,
                             size_t err_len) {
    if (!t) return state_fail(ATTN_ERR_CONFIG, err, err_len, "no live trainer");
    if (train_live_running(t))
        return state_fail(ATTN_ERR_CONFIG, err, err_len,
                          "training is already running: stop it first");
    join(t); /* a run that ended by itself */
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    attn_status st = check_config(c, V, err, err_len);
    if (st != ATTN_OK) return st;

    free_run(t);
    t->config = *c;
    const model_recipe *r = &c->recipe;
    size_t steps = r->train.steps, L = r->model.n_layers, H = r->model.n_heads;
    size_t sizes[MODEL_PARAM_TENSORS];
    size_t n_params = model_param_sizes(&r->model, sizes), entries = steps + 1;
    size_t scores = L * H * MODEL_ROLES;
    published *p = &t->shared;
    p->loss_step = malloc(entries * sizeof(double));
    p->loss_train = malloc(entries * sizeof(double));
    p->loss_heldout = malloc(entries * sizeof(double));
    p->params = malloc(n_params * sizeof(float));
    p->roles.score = calloc(scores, sizeof(float));
    t->f_step = malloc(entries * sizeof(double));
    t->f_train = malloc(entries * sizeof(double));
    t->f_heldout = malloc(entries * sizeof(double));
    t->f_params = malloc(n_params * sizeof(float));
    t->f_roles.score = calloc(scores, sizeof(float));
    if (!p->loss_step || !p->loss_train || !p->loss_heldout || !p->params || !p->roles.score ||
        !t->f_step || !t->f_train || !t->f_heldout || !t->f_params || !t->f_roles.score) {
        st = state_fail(ATTN_ERR_NOMEM, err, err_len,
                        "out of memory for live training (%zu parameters, %zu steps)", n_params,
                        steps);
        goto failed;
    }
    p->roles.n_layers = t->f_roles.n_layers = L;
    p->roles.n_heads = t->f_roles.n_heads = H;
    p->phase = TRAIN_LIVE_RUNNING;

    memset(&t->state, 0, sizeof t->state);
    t->state.phase = TRAIN_LIVE_RUNNING;
    t->state.steps = steps;
    t->state.loss_step = t->f_step;
    t->state.loss_train = t->f_train;
    t->state.loss_heldout = t->f_heldout;
    t->state.n_params = n_params;

    atomic_store(&t->stop, false);
    atomic_store(&t->running, true);
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        atomic_store(&t->running, false);
        st = state_fail(ATTN_ERR_IO, err, err_len, "cannot start the training thread%s",
                        STATE_NO_THREAD_FIX);
        goto failed;
    }
    t->joinable = true;
    return ATTN_OK;

failed:
    free_run(t);
    memset(&t->state, 0, sizeof t->state);
    t->state.phase = TRAIN_LIVE_IDLE;
    return st;
}

const train_live_state *train_live_poll(train_live *t) {
    if (!t) return NULL;
    train_live_state *s = &t->state;
    s->new_params = s->new_roles = false;
    if (!t->shared.loss_step) return s; /* never started (or the start failed) */
    published *p = &t->shared;
    pthread_mutex_lock(&t->lock);
    s->phase = p->phase;
    s->step = p->step;
    s->tokens_per_s = p->tokens_per_s;
    snprintf(s->error, sizeof s->error, "%s", p->error);
    if (p->n_loss > s->n_loss) {
        size_t from = s->n_loss, k = p->n_loss - from;
        memcpy(t->f_step + from, p->loss_step + from, k * sizeof(double));
        memcpy(t->f_train + from, p->loss_train + from, k * sizeof(double));
        memcpy(t->f_heldout + from, p->loss_heldout + from, k * sizeof(double));
        s->n_loss = p->n_loss;
    }
    if (p->params_version != t->f_params_version) {
        memcpy(t->f_params, p->params, s->n_params * sizeof(float));
        t->f_params_version = p->params_version;
        s->params = t->f_params;
        s->params_step = p->params_step;
        s->new_params = true;
    }
    if (p->roles_version != t->f_roles_version) {
        model_heads_report *f = &t->f_roles;
        memcpy(f->score, p->roles.score,
               f->n_layers * f->n_heads * MODEL_ROLES * sizeof *f->score);
        f->heldout_loss = p->roles.heldout_loss;
        f->unigram_loss = p->roles.unigram_loss;
        f->tokens = p->roles.tokens;
        f->sequences = p->roles.sequences;
        t->f_roles_version = p->roles_version;
        s->roles = f;
        s->roles_step = p->roles_step;
        s->new_roles = true;
    }
    pthread_mutex_unlock(&t->lock);
    return s;
}

const train_live_state *train_live_last(const train_live *t) { return t ? &t->state : NULL; }

void train_live_stop(train_live *t) {
    if (!t) return;
    atomic_store(&t->stop, true);
    join(t);
}

void train_live_destroy(train_live *t) {
    if (!t) return;
    train_live_stop(t);
    free_run(t);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
