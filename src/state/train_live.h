/* Live training for the model overview: a fresh small GPT-2 (model.h)
 * trained on the generated corpus (corpus.h) in a background thread, so the
 * window stays responsive while the class watches the loss fall and the
 * heads specialise.
 *
 * The thread owns its model and trainer and never touches the app's state.
 * It runs model_train_run (train.h), the loop `attnviz train` runs too.
 * Every `publish_every` steps it publishes, under a mutex, the step, the
 * loss history and a copy of the parameters; every `measure_every` steps
 * (and before the first and after the last) a head-role measurement
 * (model_heads_measure) and its held-out loss. The main thread calls
 * train_live_poll once a frame: it copies what is new into buffers only the
 * main thread reads, so the caller can hand the parameters to
 * state_trained_set_params at leisure while training goes on.
 *
 * No SDL here: tests/test_train_live.c drives it without a display.
 *
 *   train_live *t = train_live_create();
 *   train_live_config c = train_live_config_default(&shipped.config);
 *   train_live_start(t, &c, err, sizeof err);
 *   each frame:  const train_live_state *s = train_live_poll(t);
 *                if (s->new_params) state_trained_set_params(..., s->params, s->n_params, ...);
 *   train_live_stop(t);      (asks the thread to end after its step, joins)
 *   train_live_destroy(t);   (stops first; accepts NULL) */
#ifndef ATTNVIZ_APP_TRAIN_LIVE_H
#define ATTNVIZ_APP_TRAIN_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/heads.h"
#include "attnviz/model.h"
#include "attnviz/train.h"

#define TRAIN_LIVE_STEPS_MAX 100000 /* the loss history is kept whole */
/* The shipped recipe shortened to this many steps: about 2½ minutes with
 * the window open, enough for the induction, antecedent and subject heads
 * (the previous-token head needs the full run). */
#define TRAIN_LIVE_STEPS 2000

typedef struct train_live_config {
    model_recipe recipe;      /* sizes, schedule, seed, mix (train.h); n_vocab the corpus's */
    size_t publish_every;     /* steps between published parameters (≥ 1) */
    size_t measure_every;     /* steps between head-role measurements; 0: first and last only */
    size_t measure_sequences; /* held-out sequences a measurement averages over (≥ 1) */
} train_live_config;

/* The shipped model's recipe (model_recipe_default) for a model of the
 * sizes given (n_vocab is set to the corpus's), shortened to
 * TRAIN_LIVE_STEPS steps, publishing every 10 steps and measuring the
 * heads every 100 steps on 24 sequences. The trainer runs on the recipe's
 * 2 threads at a lower scheduling priority than the window. */
train_live_config train_live_config_default(const model_config *sizes);

typedef enum train_live_phase {
    TRAIN_LIVE_IDLE,    /* never started */
    TRAIN_LIVE_RUNNING, /* the thread trains */
    TRAIN_LIVE_DONE,    /* every step taken */
    TRAIN_LIVE_STOPPED, /* train_live_stop ended it early */
    TRAIN_LIVE_FAILED,  /* the loss diverged or a measurement failed: see error */
} train_live_phase;

/* What the main thread sees after a poll. Pointers are into buffers owned
 * by the train_live and valid until the next poll, start or destroy. */
typedef struct train_live_state {
    train_live_phase phase;
    size_t step, steps;  /* optimiser steps taken, planned */
    /* The loss history, one entry per step: step number (from 1), the
     * training batch's loss and the held-out loss (NaN but where the heads
     * were measured). */
    const double *loss_step, *loss_train, *loss_heldout;
    size_t n_loss;
    /* The last published parameters (model_params_point layout) and the
     * step they are from; new_params: they changed in this poll. */
    const float *params;
    size_t n_params;
    size_t params_step;
    bool new_params;
    /* The last head-role measurement (NULL before the first) and its step;
     * new_roles: it changed in this poll. */
    const model_heads_report *roles;
    size_t roles_step;
    bool new_roles;
    double tokens_per_s; /* training throughput so far */
    char error[256];     /* FAILED: why, one line */
} train_live_state;

typedef struct train_live train_live;

/* An idle trainer (no thread yet); NULL when out of memory. */
train_live *train_live_create(void);

/* Makes a fresh model for c (model_init_gpt2 with c->seed) and starts the
 * thread. Refuses (2, with a message) while a run is going on, and a
 * config that does not check (sizes, schedule, more than
 * TRAIN_LIVE_STEPS_MAX steps). A finished run is joined and replaced. */
int train_live_start(train_live *t, const train_live_config *c, char *err, size_t err_len);

/* Copies what the thread published since the last poll. Cheap when nothing
 * is new (a lock and a few compares): call it every frame. */
const train_live_state *train_live_poll(train_live *t);

/* What the last poll returned, without polling (for drawing: a poll is
 * the one place new_params and new_roles are seen). */
const train_live_state *train_live_last(const train_live *t);

/* Whether the thread is training (no lock needed: an atomic read). */
bool train_live_running(const train_live *t);

/* Asks the thread to end after its current step (at most a step and a
 * measurement: well under a second) and joins it. Safe when idle or
 * finished; what was published stays readable through the next poll. */
void train_live_stop(train_live *t);

/* Stops and frees everything. Accepts NULL. */
void train_live_destroy(train_live *t);

#endif
