/* The app layer: SDL2, SDL2_ttf, SDL2_image and cglm on top of the state
 * layer (state.h: the settings and the model computed for them).
 *
 *   app_state     the model plus everything on screen: stage, animation
 *                 progress, view, head in focus, theme, hover, panels
 *   app_draw      one frame of app_state on any SDL_Renderer: the window
 *                 and `attnviz render` (software renderer -> PNG) call it
 *
 * Views never recompute attention: they read the trace. A change of
 * setting rebuilds the model (state_model_apply) and replays the stage. */
#ifndef ATTNVIZ_APP_H
#define ATTNVIZ_APP_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "trained_lens.h"
#include "text.h"
#include "theme.h"

#define APP_ERR_LEN 512
#define APP_TOKENS_MAX 256 /* the window draws at most this many tokens */
#define APP_OVERVIEW_HEADS_MAX 1024 /* heads the overview draws: as many as can be switched off
                                     (STATE_PRUNE_MAX), gpt2-large's 36 × 20 */

/* Where things were drawn in the last frame, for the mouse. */
typedef struct app_cell_map {
    SDL_Rect rect; /* the n×n grid of one head */
    int head;      /* -1: unused */
} app_cell_map;

typedef struct app_layout {
    app_cell_map grids[ATTN_HEADS_MAX];
    size_t n_grids;
    SDL_Rect token_labels[APP_TOKENS_MAX]; /* clickable token labels */
    int token_of_label[APP_TOKENS_MAX];
    size_t n_token_labels;
    /* The model overview: each head's box (index layer·H + head), the
     * training button (w = 0: not drawn). */
    SDL_Rect overview_heads[APP_OVERVIEW_HEADS_MAX];
    size_t n_overview_heads;
    SDL_Rect overview_button;
} app_layout;

struct app_lesson; /* lesson_panel.h */

typedef struct app_state {
    state_model model;
    state_stage stage;
    float progress; /* 0..1: how far the stage's animation is */
    bool playing;   /* the animation runs (and goes on to the next stage) */
    float speed;    /* 1 = a stage in STAGE_SECONDS */
    state_view view;
    size_t focus_head;
    const theme *theme;
    float type_scale; /* Ctrl +/−, multiplies the type size */
    int arcs_k;       /* the arcs view's lines per row (K): 0 its default (arcs_select.h) */
    bool present;     /* presenter mode (F5): type read from the back of a room */
    int selected_token;               /* -1: none; its row and column light up */
    bool follow; /* follow one token: the selected one, named stage by stage (O) */
    int hover_head, hover_i, hover_j; /* -1: none; the cell under the mouse */
    int hover_x, hover_y;             /* mouse position, for the tooltip */
    bool show_help;
    bool show_settings;
    /* The attention weights (stages 7, 8) with each row stretched to its
     * own maximum instead of the absolute 0–1 scale; the numbers shown stay
     * the true weights (C). */
    bool maps_per_row;
    /* The scores of stages 4–7: raw, each row minus its mean, or the
     * latter where the rows' constants dominate (Z; state.h). */
    state_scores_view scores_view;
    /* The overview's head contributions and logit lens for a GPT-2,
     * brought up to date after each run (trained_lens.h), not per frame. */
    state_lens lens;
    char message[APP_ERR_LEN]; /* a status line: a saved path, an error */
    bool message_is_error;
    state_highlight highlights[STATE_HIGHLIGHTS_MAX]; /* outlined on the heatmaps */
    size_t n_highlights;
    struct app_lesson *lesson; /* the lesson being played, NULL: free exploration */
    app_layout layout; /* written by app_draw */
    /* The model overview (view_model.h): the head under the keyboard cursor
     * (layer·H + head), the view to go back to, and the background work
     * (live training, held-out loss): NULL until first needed, freed by
     * app_overview_free. */
    size_t overview_cursor;
    state_view overview_back;
    struct state_overview *overview;
} app_state;

#define APP_STAGE_SECONDS 3.0f

/* Whether the window can show what settings build: at most APP_TOKENS_MAX
 * tokens. Returns ATTN_OK, or a failure with a message. */
attn_status app_settings_check(const state_settings *settings, char *err, size_t err_len);

/* A state on the built-in example, stage 1, paused, dark theme. Returns ATTN_OK or
 * a failure with a message (app_settings_check's, or the model's). */
attn_status app_state_init(app_state *s, const state_settings *settings, char *err, size_t err_len);
void app_state_free(app_state *s);

/* ] and [ in the window: the next (delta 1) or previous (-1) layer of a
 * trained model, applied at once (the stage replays). Writes what happened,
 * or why nothing did, to s->message. Returns ATTN_OK, or a failure when nothing changed. */
attn_status app_state_step_layer(app_state *s, int delta);

/* After the model on screen changed to new settings (at once, or when a
 * GPT-2's run on its thread ended): what every apply resets (hover, the
 * head and token chosen when they no longer exist; the stage replays) and,
 * for a trained model, the status line's "applied: …". */
void app_model_applied(app_state *s);
/* Once a frame: a GPT-2's pending run (state_model_apply_async) applied
 * when it ends, or its failure said in the status line. */
void app_model_poll(app_state *s);
/* The status line while a run is pending: "GPT-2 reads 23 tokens: layer
 * 5 of 12", and *fraction (may be NULL) how far it is, 0..1. False when
 * nothing is pending. */
bool app_model_progress(const app_state *s, char *buf, size_t len, float *fraction);

/* ---- drawing ------------------------------------------------------------------ */

struct draw_pool; /* draw.h */

/* Draws one frame of s into r, of size w×h pixels, and records where the
 * grids and token labels went (s->layout). pool is the caller's, kept with
 * r (draw.h). Reads the model; never computes attention. */
void app_draw(SDL_Renderer *r, text_cache *text, struct draw_pool *pool, app_state *s, int w,
              int h);

/* "s" after a count other than one, for every count put in words on screen:
 * "1 product", "2 products". */
static inline const char *app_plural(size_t n) { return n == 1 ? "" : "s"; }

/* Head h's name (h from 0), the one way heads are named on screen: with a
 * trained model "layer.head" from 1 ("2.4", as the model overview, `attnviz
 * heads` and the lessons say), else the head's number from 1 ("4"). Every
 * label, legend, subscript and message takes its head names from here. */
void app_head_name(const app_state *s, size_t h, char *buf, size_t len);

/* Whether stages 4–7 draw the scores minus each row's mean: asked for
 * (Z), or by default where the rows' constants, which softmax ignores,
 * outgrow the pattern within the rows. */
bool app_scores_centred(const app_state *s);
/* Whether the default would centre them (the rows' constants dominate). */
bool app_scores_rows_dominate(const app_state *s);

/* The base type size in pixels for a frame of height h at type_scale. */
int app_type_px(int h, float type_scale);

#endif
