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
    model_vocab vocab;
    model model;
    model_trainer trainer;
    model_corpus corpus;
    bool have_vocab, have_model, have_trainer;
    int32_t *batch;   /* B × (T + 1) */
    int32_t *inputs;  /* B × T, then the targets */
    int32_t *targets;

    published shared;

    /* the main thread's copies, handed out by poll */
    train_live_state state;
    double *f_step, *f_train, *f_heldout;
    float *f_params;
    uint64_t f_params_version;
    model_heads_report f_roles;
    uint64_t f_roles_version;
};

static int fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return 2;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

train_live_config train_live_config_default(const model_config *sizes) {
    train_live_config c;
    memset(&c, 0, sizeof c);
    c.model = *sizes;
    const char *const *words;
    c.model.n_vocab = model_corpus_vocab(&words);
    c.train = model_train_config_default();
    c.train.seq = c.model.n_ctx;
    c.seed = 1; /* attnviz train's default: the live run retraces the shipped model's start */
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

/* Frees the run and every buffer (the thread must be joined). */
static void free_run(train_live *t) {
    if (t->have_trainer) model_trainer_free(&t->trainer);
    if (t->have_model) model_free(&t->model);
    if (t->have_vocab) model_vocab_free(&t->vocab);
    t->have_trainer = t->have_model = t->have_vocab = false;
    free(t->batch);
    free(t->inputs);
    t->batch = t->inputs = t->targets = NULL;
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
    if (model_config_check(&c->model, err, err_len) != ATTN_OK) return ATTN_ERR_CONFIG;
    if (c->model.n_vocab != vocab) {
        fail(err, err_len,
             "live training needs the corpus's vocabulary of %zu words, not %zu: train the model "
             "with attnviz train",
             vocab, c->model.n_vocab);
        return ATTN_ERR_CONFIG;
    }
    if (model_train_config_check(&c->train, &c->model, err, err_len) != ATTN_OK)
        return ATTN_ERR_CONFIG;
    if (c->train.steps > TRAIN_LIVE_STEPS_MAX) {
        fail(err, err_len, "live training takes at most %d steps, not %zu", TRAIN_LIVE_STEPS_MAX,
             c->train.steps);
        return ATTN_ERR_CONFIG;
    }
    if (c->publish_every < 1 || c->measure_sequences < 1) {
        fail(err, err_len, "live training needs publish_every and measure_sequences of 1 or more");
        return ATTN_ERR_CONFIG;
    }
    if (c->seed == MODEL_HELDOUT_SEED) {
        fail(err, err_len, "seed %llu is the held-out text's own: pick another",
             (unsigned long long)c->seed);
        return ATTN_ERR_CONFIG;
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

/* Copies the parameters (and the report, taken over: *rep is left with the
 * old one, for the caller to free) into `shared` and appends the loss
 * entry. Under the lock. */
static void publish(train_live *t, size_t step, double train_loss, double heldout,
                    bool params, model_heads_report *rep, double tokens_per_s) {
    published *p = &t->shared;
    pthread_mutex_lock(&t->lock);
    if (p->n_loss <= t->config.train.steps) {
        p->loss_step[p->n_loss] = (double)step;
        p->loss_train[p->n_loss] = train_loss;
        p->loss_heldout[p->n_loss] = heldout;
        p->n_loss++;
    }
    if (params) {
        memcpy(p->params, t->model.block, t->model.n_params * sizeof *p->params);
        p->params_step = step;
        p->params_version++;
    }
    if (rep && rep->score) {
        model_heads_report old = p->roles;
        p->roles = *rep;
        *rep = old;
        p->roles_step = step;
        p->roles_version++;
    }
    p->step = step;
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

static void *run(void *arg) {
    train_live *t = arg;
    lower_priority();
    const train_live_config *c = &t->config;
    size_t B = c->train.batch, T = c->train.seq, steps = c->train.steps;
    char err[256] = "";
    model_heads_report rep;

    /* step 0: the untrained model, its heads and its held-out loss */
    if (model_heads_measure(&t->model, c->measure_sequences, NULL, 0, &rep, err, sizeof err) !=
        ATTN_OK) {
        finish(t, TRAIN_LIVE_FAILED, err);
        return NULL;
    }
    publish(t, 0, NAN, rep.heldout_loss, true, &rep, 0.0);
    model_heads_report_free(&rep);

    double start = now_seconds();
    size_t done = 0, published_step = 0;
    while (done < steps && !atomic_load(&t->stop)) {
        model_corpus_batch(&t->corpus, t->batch, B, T, t->inputs, t->targets);
        double loss;
        if (model_trainer_grad(&t->trainer, &t->model, t->inputs, t->targets, &loss, err,
                               sizeof err) != ATTN_OK) {
            finish(t, TRAIN_LIVE_FAILED, err);
            return NULL;
        }
        if (!isfinite(loss)) {
            snprintf(err, sizeof err,
                     "the loss became %g at step %zu: training diverged (lower the learning "
                     "rate, now %g)",
                     loss, done + 1, (double)c->train.lr);
            finish(t, TRAIN_LIVE_FAILED, err);
            return NULL;
        }
        model_trainer_update(&t->trainer, &t->model);
        done++;
        bool last = done == steps;
        bool measure = last || (c->measure_every && done % c->measure_every == 0);
        double heldout = NAN;
        memset(&rep, 0, sizeof rep);
        if (measure) {
            if (model_heads_measure(&t->model, c->measure_sequences, NULL, 0, &rep, err,
                                    sizeof err) != ATTN_OK) {
                finish(t, TRAIN_LIVE_FAILED, err);
                return NULL;
            }
            heldout = rep.heldout_loss;
        }
        bool params = measure || done % c->publish_every == 0;
        double elapsed = now_seconds() - start;
        double tok_s = elapsed > 0 ? (double)(done * B * T) / elapsed : 0.0;
        publish(t, done, loss, heldout, params, measure ? &rep : NULL, tok_s);
        model_heads_report_free(&rep);
        if (params) published_step = done;
    }
    if (done < steps) { /* stopped: what was trained so far is what the class keeps */
        if (published_step != done) {
            pthread_mutex_lock(&t->lock);
            memcpy(t->shared.params, t->model.block, t->model.n_params * sizeof(float));
            t->shared.params_step = done;
            t->shared.params_version++;
            pthread_mutex_unlock(&t->lock);
        }
        finish(t, TRAIN_LIVE_STOPPED, NULL);
    } else {
        finish(t, TRAIN_LIVE_DONE, NULL);
    }
    return NULL;
}

/* ---- the main thread's side ----------------------------------------------------------- */

static void join(train_live *t) {
    if (!t->joinable) return;
    pthread_join(t->thread, NULL);
    t->joinable = false;
}

int train_live_start(train_live *t, const train_live_config *c, char *err, size_t err_len) {
    if (!t) return fail(err, err_len, "no live trainer");
    if (train_live_running(t))
        return fail(err, err_len, "training is already running: stop it first");
    join(t); /* a run that ended by itself */
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    if (check_config(c, V, err, err_len) != ATTN_OK) return 2;

    free_run(t);
    t->config = *c;
    size_t steps = c->train.steps, B = c->train.batch, T = c->train.seq;
    size_t L = c->model.n_layers, H = c->model.n_heads;
    if (model_vocab_init(&t->vocab, words, V, err, err_len) != ATTN_OK) goto failed;
    t->have_vocab = true;
    if (model_init(&t->model, &c->model, &t->vocab, err, err_len) != ATTN_OK) goto failed;
    t->have_model = true;
    model_init_gpt2(&t->model, c->seed);
    if (model_trainer_init(&t->trainer, &t->model, &c->train, err, err_len) != ATTN_OK)
        goto failed;
    t->have_trainer = true;
    if (model_corpus_init(&t->corpus, c->seed, NULL, err, err_len) != ATTN_OK) goto failed;

    size_t n_params = t->model.n_params, entries = steps + 1, scores = L * H * MODEL_ROLES;
    published *p = &t->shared;
    t->batch = malloc(B * (T + 1) * sizeof *t->batch);
    t->inputs = malloc(2 * B * T * sizeof *t->inputs);
    p->loss_step = malloc(entries * sizeof(double));
    p->loss_train = malloc(entries * sizeof(double));
    p->loss_heldout = malloc(entries * sizeof(double));
    p->params = malloc(n_params * sizeof(float));
    t->f_step = malloc(entries * sizeof(double));
    t->f_train = malloc(entries * sizeof(double));
    t->f_heldout = malloc(entries * sizeof(double));
    t->f_params = malloc(n_params * sizeof(float));
    t->f_roles.score = calloc(scores, sizeof(float));
    if (!t->batch || !t->inputs || !p->loss_step || !p->loss_train || !p->loss_heldout ||
        !p->params || !t->f_step || !t->f_train || !t->f_heldout || !t->f_params ||
        !t->f_roles.score) {
        fail(err, err_len, "out of memory for live training (%zu parameters, %zu steps)",
             n_params, steps);
        goto failed;
    }
    t->targets = t->inputs + B * T;
    t->f_roles.n_layers = L;
    t->f_roles.n_heads = H;
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
        fail(err, err_len, "cannot start the training thread");
        goto failed;
    }
    t->joinable = true;
    return 0;

failed:
    free_run(t);
    memset(&t->state, 0, sizeof t->state);
    t->state.phase = TRAIN_LIVE_IDLE;
    return 2;
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
    if (p->roles_version != t->f_roles_version && p->roles.score) {
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
