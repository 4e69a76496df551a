/* The model overview (VIEW_MODEL), after BertViz's model view: every head
 * of every layer of the trained model as a small heatmap of its attention
 * on the sentence, labelled "layer.head" with the role it was measured to
 * play; heads switched off (pruned) on a click; the next-word predictions
 * beside those with every head on; and a fresh model trained live in the
 * background, its heads specialising while the class watches.
 *
 * State lives in app_state (overview_cursor, overview_back, overview) and
 * its layout (where each head was drawn); the window calls the functions
 * below for keys, clicks and once a frame. Nothing here blocks a frame:
 * training and the held-out loss run on threads of their own. */
#ifndef ATTNVIZ_APP_VIEW_MODEL_H
#define ATTNVIZ_APP_VIEW_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "overview.h"
#include "stage.h"

/* Whether the overview can be shown: the weight source is a trained model. */
bool app_overview_available(const app_state *s);

/* Opens the overview (remembering the view to go back to), or closes it.
 * Returns ATTN_OK, or a failure with the reason in s->message (mechanics). */
attn_status app_overview_toggle(app_state *s);

/* The overview's calls below are the state layer's (overview.h) on s's
 * model, with what they say written to s->message. */

/* Switches head (layer, head) off or on and reruns the model at once,
 * and puts the keyboard cursor on it. Returns ATTN_OK, or a failure. */
attn_status app_overview_toggle_head(app_state *s, size_t layer, size_t head);
/* Every head back on. Returns ATTN_OK or a failure. */
attn_status app_overview_all_on(app_state *s);
/* Heads switched off now. */
size_t app_overview_heads_off(const app_state *s);

/* The head drawn at (x, y) in the last frame (layer·H + head), or -1. */
int app_overview_head_at(const app_state *s, int x, int y);
/* Moves the keyboard cursor by rows (layers) and columns (heads), clamped. */
void app_overview_move(app_state *s, int d_layer, int d_head);

/* Starts live training (a fresh model of the trained model's sizes), or
 * stops it when it runs. Returns ATTN_OK, or a failure with the reason in s->message. */
attn_status app_overview_train(app_state *s);
/* Whether live training runs. */
bool app_overview_training(const app_state *s);
/* Puts back the weights (and head roles) the model had before live
 * training. Returns ATTN_OK, or a failure when there is nothing to restore. */
attn_status app_overview_restore(app_state *s);

/* Once a frame: takes what live training published (new weights applied
 * with state_trained_set_params, roles) and the held-out loss of the
 * current pruning, measured in the background. Cheap when nothing is new. */
void app_overview_update(app_state *s);
/* Whether background work is under way (the window then keeps drawing). */
bool app_overview_busy(const app_state *s);

/* Stops the threads (joins them) and frees s->overview. Safe to call
 * twice and with nothing to free. */
void app_overview_free(app_state *s);

/* s->overview, or NULL before anything needed it. */
const state_overview *app_overview_state(const app_state *s);
/* The held-out loss of the model on screen (state_overview_loss). */
bool app_overview_loss(const app_state *s, double *all_on, double *pruned, bool *measuring);

/* ---- drawing (frame.c calls these for VIEW_MODEL) ------------------------------- */

/* The caption bar: title, the model's sizes, what is switched off. */
void view_model_caption(stage_ctx *c, SDL_Rect bar);
/* The main area: the heads, the predictions, live training. */
void view_model(stage_ctx *c);

/* The side panel's parts (view_model_side.c): the predictions at the top
 * of p (returns the height used), live training in p. */
int view_model_predictions(stage_ctx *c, const state_trained *t, SDL_Rect p);
void view_model_live(stage_ctx *c, const state_trained *t, SDL_Rect p);

#endif
