/* The app layer: SDL2, SDL2_ttf, SDL2_image and cglm on top of the core.
 *
 *   app_settings  what the user chose (sentence, sizes, flags, seed)
 *   app_model     what the core computed for them: tokens, weights, trace,
 *                 and the few statistics the views need (ranges, spreads)
 *   app_state     the model plus everything on screen: stage, animation
 *                 progress, view, head in focus, theme, hover, panels
 *   app_draw      one frame of app_state on any SDL_Renderer: the window
 *                 and `attnviz render` (software renderer -> PNG) call it
 *
 * Views never recompute attention: they read the trace. A change of
 * setting rebuilds the model (app_model_apply) and replays the stage. */
#ifndef ATTNVIZ_APP_H
#define ATTNVIZ_APP_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/attn.h"
#include "attnviz/lesson.h"
#include "attnviz/tokenize.h"
#include "text.h"
#include "theme.h"

#define APP_SENTENCE_MAX 4096 /* bytes, with the terminating NUL */
#define APP_TOKENS_MAX 256    /* the app's own limit on --max-tokens */
#define APP_ERR_LEN 512
#define APP_OVERVIEW_HEADS_MAX 256 /* heads the model overview draws */

/* ---- settings and model --------------------------------------------------- */

/* Where the weights come from. */
typedef enum app_source {
    APP_SOURCE_MECHANICS, /* random weights from the seed, any size (how attention computes) */
    APP_SOURCE_TRAINED,   /* a small GPT-2 attnviz trained (what trained heads do) */
} app_source;

typedef struct app_settings {
    char sentence[APP_SENTENCE_MAX];
    attn_config config; /* trained: the model's own, read-only */
    uint64_t seed;
    size_t max_tokens;
    app_source source;
    char model_path[1024];  /* trained: a model file; "" for the shipped one */
    size_t layer;           /* trained: the layer on screen, from 0 */
    uint8_t head_off[1024]; /* trained: heads switched off, index layer·H + head */
    /* trained: the mechanics sizes and flags the user had, restored when the
     * source goes back to mechanics (config then holds the model's own) */
    attn_config mechanics_config;
} app_settings;

/* The built-in example: the default sentence and attn_config_default(). */
void app_settings_default(app_settings *s);

/* How a token is shown (app_model.token_kind). */
typedef enum app_token_kind {
    APP_TOKEN_WORD,    /* a span of the sentence */
    APP_TOKEN_START,   /* trained: the start token <|endoftext|>, shown "⟨start⟩" */
    APP_TOKEN_UNKNOWN, /* trained: a word the vocabulary lacks (run as <unk>), shown "word*" */
} app_token_kind;

#define APP_START_LABEL "\xE2\x9F\xA8start\xE2\x9F\xA9" /* ⟨start⟩ */
#define APP_UNKNOWN_MARK "*"                                /* after an unknown word */

typedef struct app_model {
    app_settings settings; /* what this model was built from */
    attn_token *tokens;    /* n spans of settings.sentence */
    size_t n;
    attn_weights weights;
    attn_trace trace;
    uint64_t version; /* bumped by every successful apply: views cache on it */
    /* Ranges for colour scales, computed once per build (not per frame). */
    float x_absmax, qkv_absmax, out_absmax, output_absmax;
    float scores_absmax, scaled_absmax; /* over all heads */
    float spread_scores[ATTN_HEADS_MAX]; /* standard deviation of each head's */
    float spread_scaled[ATTN_HEADS_MAX]; /* scores before and after scaling */
    double build_ms;                     /* time of the last apply */
    /* The trained source's model, run and head roles (trained.h); NULL with
     * mechanics. The trace and weights above are then the chosen layer's,
     * borrowed from the run (app_model_free leaves them to it), and tokens
     * are spans of the sentence with tokens[0] the empty span of the start
     * token. */
    struct app_trained *trained;
    /* What the views write for each token (n spans of label_text) and what
     * kind it is; NULL with mechanics, where labels are the sentence's spans. */
    attn_token *labels;
    char *label_text;
    uint8_t *token_kind; /* app_token_kind */
    size_t n_unknown;    /* tokens of kind APP_TOKEN_UNKNOWN */
} app_model;

/* Builds the model for s. Returns 0, or 2 with a message naming the setting
 * and the fix; on failure m is left as it was (apply never half-applies).
 * m must be zeroed before its first apply. */
int app_model_apply(app_model *m, const app_settings *s, char *err, size_t err_len);
void app_model_free(app_model *m);

/* With the trained source, after the run changed in place (new parameters
 * from app_trained_set_params): takes the ranges again and bumps version,
 * so the views redraw. Nothing with mechanics. */
void app_model_refresh(app_model *m);

/* The source's name for people: "mechanics" or "trained model". */
const char *app_source_name(app_source src);

/* ---- what is on screen ------------------------------------------------------ */

enum { APP_STAGE_COUNT = 10 };

typedef enum app_stage {
    STAGE_EMBED,    /* 1 tokens and embeddings X */
    STAGE_PROJECT,  /* 2 Q = X·W_Q, K, V */
    STAGE_SPLIT,    /* 3 heads: column slabs of Q, K, V */
    STAGE_SCORES,   /* 4 Q_h·K_hᵀ */
    STAGE_SCALE,    /* 5 ÷ √d_k (and T) */
    STAGE_MASK,     /* 6 causal mask */
    STAGE_SOFTMAX,  /* 7 row-wise softmax */
    STAGE_WEIGHTED, /* 8 A_h·V_h */
    STAGE_CONCAT,   /* 9 heads side by side */
    STAGE_OUTPUT,   /* 10 concat·W_O */
} app_stage;

typedef enum app_view {
    VIEW_HEADS, /* all heads side by side */
    VIEW_FOCUS, /* one head, large */
    VIEW_ARCS,  /* tokens in two columns, lines weighted by attention */
    VIEW_COUNT,
    /* Outside the stage views' range (their tables stop at VIEW_COUNT): the
     * model overview, every layer's heads at once, with the trained source
     * only (view_model.h). */
    VIEW_MODEL = 16,
} app_view;

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

/* An outline a lesson step asks for on every heatmap (rows, columns) or on
 * one head's (cells); the first token highlight uses selected_token. */
typedef enum app_highlight_kind {
    APP_HIGHLIGHT_ROW,
    APP_HIGHLIGHT_COLUMN,
    APP_HIGHLIGHT_CELL,
} app_highlight_kind;

typedef struct app_highlight {
    app_highlight_kind kind;
    int head; /* CELL: the head, from 0; else -1 */
    int i, j; /* row, column, from 0 */
} app_highlight;

/* Room for every highlight a step may have: a token after the first takes
 * two outlines (its row and its column). */
#define APP_HIGHLIGHTS_MAX (2 * LESSON_HIGHLIGHTS_MAX)

struct app_lesson; /* lesson_player.h */

typedef struct app_state {
    app_model model;
    app_stage stage;
    float progress; /* 0..1: how far the stage's animation is */
    bool playing;   /* the animation runs (and goes on to the next stage) */
    float speed;    /* 1 = a stage in STAGE_SECONDS */
    app_view view;
    size_t focus_head;
    const theme *theme;
    float type_scale; /* Ctrl +/−, multiplies the type size */
    int selected_token;               /* -1: none; its row and column light up */
    int hover_head, hover_i, hover_j; /* -1: none; the cell under the mouse */
    int hover_x, hover_y;             /* mouse position, for the tooltip */
    bool show_help;
    bool show_settings;
    char message[APP_ERR_LEN]; /* a status line: a saved path, an error */
    bool message_is_error;
    app_highlight highlights[APP_HIGHLIGHTS_MAX]; /* outlined on the heatmaps */
    size_t n_highlights;
    struct app_lesson *lesson; /* the lesson being played, NULL: free exploration */
    app_layout layout; /* written by app_draw */
    /* The model overview (view_model.h): the head under the keyboard cursor
     * (layer·H + head), the view to go back to, and the background work
     * (live training, held-out loss): NULL until first needed, freed by
     * app_overview_free. */
    size_t overview_cursor;
    app_view overview_back;
    struct app_overview *overview;
} app_state;

#define APP_STAGE_SECONDS 3.0f

/* A state on the built-in example, stage 1, paused, dark theme. Returns 0 or
 * 2 with a message. */
int app_state_init(app_state *s, const app_settings *settings, char *err, size_t err_len);
void app_state_free(app_state *s);

/* ] and [ in the window: the next (delta 1) or previous (-1) layer of a
 * trained model, applied at once (the stage replays). Writes what happened,
 * or why nothing did, to s->message. Returns 0, or 2 when nothing changed. */
int app_state_step_layer(app_state *s, int delta);

/* Name of a stage ("scores") and its number from 1; stage by name or number
 * ("softmax" or "7"): returns -1 when unknown. */
const char *app_stage_name(app_stage st);
int app_stage_parse(const char *s);
const char *app_view_name(app_view v);
int app_view_parse(const char *s);

/* ---- drawing ------------------------------------------------------------------ */

/* Draws one frame of s into r, of size w×h pixels, and records where the
 * grids and token labels went (s->layout). Reads the model; never computes
 * attention. */
void app_draw(SDL_Renderer *r, text_cache *text, app_state *s, int w, int h);

/* The base type size in pixels for a frame of height h at type_scale. */
int app_type_px(int h, float type_scale);

#endif
