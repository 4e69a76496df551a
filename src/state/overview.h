/* The model overview's state and background work, without SDL: pruning
 * heads through the settings, the held-out loss of the pruned model on a
 * thread of its own, and live training (train_live.h) applied to the model.
 * The app's overview (src/app/view_model.h) draws it and turns keys and
 * clicks into these calls; a test drives it without a display. */
#ifndef ATTNVIZ_STATE_OVERVIEW_H
#define ATTNVIZ_STATE_OVERVIEW_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "attnviz/model.h"
#include "state.h"
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
    uint8_t off[STATE_PRUNE_MAX];
    /* results, read after the join */
    double loss_on, loss_off;
    uint64_t on_gen, off_gen; /* generations they are for, 0: none */
    uint8_t off_done[STATE_PRUNE_MAX];
    attn_status status;
    char err[256];
    /* a request that could not start, not to retry every frame */
    uint64_t failed_gen;
    uint8_t failed_off[STATE_PRUNE_MAX];
} overview_loss;

typedef struct state_overview {
    /* the model the rest is about: another one means start afresh */
    const state_trained *trained;
    const void *block;
    char path[STATE_PATH_MAX];
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
} state_overview;

/* Below this score a head is not named for a role (heads.h's rule). */
#define STATE_ROLE_MIN MODEL_ROLE_MIN
/* Held-out sequences the loss of a pruned model is measured on. */
#define STATE_PRUNE_LOSS_SEQUENCES 32
/* Why there is no overview with the mechanics source. */
#define STATE_OVERVIEW_NEEDS_TRAINED \
    "the model overview needs the trained model: P \xE2\x86\x92 weights"

/* A line for the user: what happened, or why nothing did. */
typedef struct state_note {
    char text[STATE_ERR_LEN];
    bool is_error;
} state_note;

/* An overview with nothing measured or trained yet; NULL when out of memory. */
state_overview *state_overview_create(void);
/* Stops the threads (joins them) and frees everything. Accepts NULL. */
void state_overview_destroy(state_overview *ov);

/* The name of head (l, h) by heads.h's one rule (model_heads_name):
 * "induction 0.89, antecedent 0.82, subject 0.97 (tied)", "no clear role",
 * "" without roles. */
void state_overview_role_text(const state_model *m, size_t l, size_t h, char *buf, size_t len);

/* Heads of m switched off now. */
size_t state_overview_heads_off(const state_model *m);
/* Switches head (layer, head) off or on and reruns the model at once
 * (state_model_apply with the settings' head_off). Returns ATTN_OK, or a failure;
 * the note says what happened or why nothing did. */
attn_status state_overview_toggle_head(state_model *m, size_t layer, size_t head, state_note *note);
/* Every head back on. Returns ATTN_OK or a failure. */
attn_status state_overview_all_on(state_model *m, state_note *note);

/* Whether live training runs. */
bool state_overview_training(const state_overview *ov);
/* Starts live training (a fresh model of m's sizes), or stops it when it
 * runs. Returns ATTN_OK, or a failure with the reason
 * in note. */
attn_status state_overview_train(state_overview *ov, state_model *m, state_note *note);
/* Puts back the weights (and head roles) m had before live training.
 * Returns ATTN_OK, or ATTN_ERR_CONFIG when there is nothing to restore. */
attn_status state_overview_restore(state_overview *ov, state_model *m, state_note *note);

/* Once a frame: takes what live training published (new weights applied
 * to m, roles) and, with measure_loss, starts measuring the held-out loss
 * of the current pruning in the background when it is out of date. Cheap
 * when nothing is new; note is written only when something happened. */
void state_overview_update(state_overview *ov, state_model *m, bool measure_loss,
                           state_note *note);
/* Whether background work is under way (the window then keeps drawing). */
bool state_overview_busy(const state_overview *ov);

/* The held-out loss with every head on and with the current pruning, when
 * measured for the weights and pruning of m (true); else false, and
 * *measuring says whether a measurement is under way. Never measured on a
 * GPT-2 (the held-out text is attnviz's generated grammar): false, not
 * measuring. */
bool state_overview_loss(const state_overview *ov, const state_model *m, double *all_on,
                         double *pruned, bool *measuring);

#endif
