/* Private to the model overview (predict.c keeps it, view_model.c reads
 * it): the background work behind VIEW_MODEL. */
#ifndef ATTNVIZ_APP_OVERVIEW_H
#define ATTNVIZ_APP_OVERVIEW_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "attnviz/model.h"
#include "train_live.h"
#include "trained.h"

/* The held-out loss of the model with and without its pruning, measured on
 * a thread of its own over a copy of the model (model_heads_loss takes
 * ~0.1 s: far too long for a frame). */
typedef struct overview_loss {
    pthread_t thread;
    bool joinable;      /* a thread was started and not joined */
    atomic_bool busy;   /* it still runs */
    model m;            /* the copy measured */
    bool have_model;
    uint64_t gen;       /* the weights' generation the copy holds */
    uint8_t off[APP_PRUNE_MAX];
    /* results, read after the join */
    double loss_on, loss_off;
    uint64_t on_gen, off_gen; /* generations they are for, 0: none */
    uint8_t off_done[APP_PRUNE_MAX];
    attn_status status;
    char err[256];
    /* a request that could not start, not to retry every frame */
    uint64_t failed_gen;
    uint8_t failed_off[APP_PRUNE_MAX];
} overview_loss;

typedef struct app_overview {
    /* the model the rest is about: another one means start afresh */
    const app_trained *trained;
    const void *block;
    char path[APP_PATH_MAX];
    uint64_t gen; /* bumped whenever the weights change */
    overview_loss loss;
    /* live training and what it replaced */
    train_live *live;
    train_live_phase last_phase;
    bool live_weights; /* the model shows live training's weights */
    float *saved_params;
    size_t n_saved;
    float *saved_scores;
    bool saved_have_roles;
    double saved_heldout;
    char saved_note[320];
} app_overview;

typedef app_overview overview;

/* s->overview, or NULL before anything needed it. */
const app_overview *app_overview_state(const app_state *s);

/* The held-out loss with every head on and with the current pruning, when
 * measured for the weights and pruning on screen (true); else false, and
 * *measuring says whether a measurement is under way. */
bool app_overview_loss(const app_state *s, double *all_on, double *pruned, bool *measuring);

#endif
