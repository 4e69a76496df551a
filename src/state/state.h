/* The state layer: what the app shows, without SDL. The settings a user
 * chose, the model computed for them (mechanics or the trained model), the
 * stage and view on screen, and the lesson player's, the overview's and
 * live training's state (lesson_player.h, overview.h, train_live.h).
 *
 *   state_settings  what the user chose (sentence, sizes, flags, seed, source)
 *   state_model     what the core computed for them: tokens, weights, trace,
 *                   and the few statistics the views need (ranges, spreads)
 *
 * The app (src/app) draws this and turns keys into changes; the command
 * line builds it for `dump`, `heads` and lessons. Nothing here draws,
 * exits or names a command-line option. */
#ifndef ATTNVIZ_STATE_H
#define ATTNVIZ_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/attn.h"
#include "attnviz/lesson.h"
#include "attnviz/tokenize.h"

#define STATE_SENTENCE_MAX 4096 /* bytes, with the terminating NUL */
#define STATE_ERR_LEN 512 /* room for a message, with its NUL */

/* ---- settings and model --------------------------------------------------- */

/* Where the weights come from. */
typedef enum state_source {
    STATE_SOURCE_MECHANICS, /* random weights from the seed, any size (how attention computes) */
    STATE_SOURCE_TRAINED,   /* a small GPT-2 attnviz trained (what trained heads do) */
} state_source;

typedef struct state_settings {
    char sentence[STATE_SENTENCE_MAX];
    attn_config config; /* trained: the model's own, read-only */
    uint64_t seed;
    size_t max_tokens;
    state_source source;
    char model_path[1024];  /* trained: a model file; "" for the shipped one */
    size_t layer;           /* trained: the layer on screen, from 0 */
    uint8_t head_off[1024]; /* trained: heads switched off, index layer·H + head */
    /* trained: the mechanics sizes and flags the user had, restored when the
     * source goes back to mechanics (config then holds the model's own) */
    attn_config mechanics_config;
    /* mechanics: X without the sinusoidal positions (a lesson's "positions:
     * off"); false, the default, adds them */
    bool positions_off;
    /* mechanics: cross-attention (Vaswani et al. 2017, section 3.2.3): the
     * queries come from sentence, the keys and values from cross_sentence,
     * and the maps are n x n_keys. False, the default, is self-attention;
     * cross_sentence is then kept (the panel shows it) but not used. Causal
     * and the trained source are refused with it. */
    bool cross;
    char cross_sentence[STATE_SENTENCE_MAX];
} state_settings;

/* The other sentence cross-attention opens on: the French of
 * STATE_CROSS_QUERY_EXAMPLE, word for word but for "est assis", so a
 * student can check which word a query finds. */
#define STATE_CROSS_EXAMPLE "Le chat est assis sur le tapis."
#define STATE_CROSS_QUERY_EXAMPLE "The cat sat on the mat."

/* Writes the printf-style message into err (err may be NULL), on one line
 * (control characters become '?'), and returns status: the state layer's
 * one way to fail. */
attn_status state_fail(attn_status status, char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Added to the message when a thread cannot start: the browser's single-thread
 * build has none and says which page has them (cmake/web.cmake); "" elsewhere. */
#ifndef STATE_NO_THREAD_FIX
#define STATE_NO_THREAD_FIX ""
#endif
/* This build starts no threads (the browser's single-thread page): what
 * needs one (live training) says so before it is tried. */
bool state_no_threads(void);

/* The sentence the app and render open on, with the trained model: every
 * word in its vocabulary, and its heads visibly differ on it (layer 1: head
 * 1 looks at the previous token, head 4 from "she" back to "girl"). */
#define STATE_START_SENTENCE "The girl met the robot because she was hungry."

/* The built-in example of the mechanics (random weights), which dump and
 * the lessons start from: ATTN_EXAMPLE_SENTENCE and attn_config_default(). */
void state_settings_default(state_settings *s);

/* Whether a and b build the same model, compared field by field (never
 * bytewise: padding and the text after a sentence's NUL do not count). With
 * the trained source the model fixes the sizes, so only the sentence, the
 * file, the layer and the pruning count. */
bool state_settings_equal(const state_settings *a, const state_settings *b);
bool state_config_equal(const attn_config *a, const attn_config *b);

/* How a token is shown (state_model.token_kind). */
typedef enum state_token_kind {
    STATE_TOKEN_WORD,    /* a span of the sentence */
    STATE_TOKEN_START,   /* trained: the start token <|endoftext|>, shown "⟨start⟩" */
    STATE_TOKEN_UNKNOWN, /* trained: a word the vocabulary lacks (run as <unk>), shown "word*" */
} state_token_kind;

#define STATE_START_LABEL "\xE2\x9F\xA8start\xE2\x9F\xA9" /* ⟨start⟩ */
#define STATE_UNKNOWN_MARK "*"                                /* after an unknown word */

typedef struct state_model {
    state_settings settings; /* what this model was built from */
    char *text;              /* the sentence it ran on (settings.sentence, or longer) */
    attn_token *tokens;      /* n spans of text */
    size_t n;
    attn_weights weights;
    attn_trace trace;
    /* The keys' and values' tokens, the maps' columns: with cross-attention
     * n_keys spans of keys_text (settings.cross_sentence), owned here; with
     * self-attention n_keys == n and keys_text and keys_tokens are NULL (the
     * columns are the rows' tokens: state_model_key_token reads either). */
    char *keys_text;
    attn_token *keys_tokens;
    size_t n_keys;
    uint64_t version; /* bumped by every successful apply: views cache on it */
    /* Ranges for colour scales, computed once per build (not per frame). */
    float x_absmax, qkv_absmax, out_absmax, output_absmax;
    float scores_absmax, scaled_absmax; /* over all heads */
    /* The same of the scores with each row's mean taken away (the mean of
     * the cells softmax sees, the mask's left out): the range of the maps
     * with rows centred, where a constant per row, which softmax ignores,
     * no longer sets the colours. */
    float scores_centred_absmax;
    /* The largest difference between two rows' means within a head: how
     * far the constants per row go, which softmax ignores. */
    float scores_row_shift;
    float spread_scores[ATTN_HEADS_MAX]; /* standard deviation of each head's */
    float spread_scaled[ATTN_HEADS_MAX]; /* scores before and after scaling */
    double build_ms;                     /* time of the last apply */
    /* The trained source's model, run and head roles (trained.h); NULL with
     * mechanics. The trace and weights above are then the chosen layer's,
     * borrowed from the run (state_model_free leaves them to it), and tokens
     * are spans of the sentence with tokens[0] the empty span of the start
     * token. */
    struct state_trained *trained;
    /* The trained model last shown, kept while random weights are shown, so
     * that switching back (W) needs no new load: a GPT-2 takes seconds to
     * read. NULL when none; state_model_free frees it. */
    struct state_trained *parked;
    /* What the views write for each token (n spans of label_text) and what
     * kind it is; NULL with mechanics, where labels are the sentence's spans. */
    attn_token *labels;
    char *label_text;
    uint8_t *token_kind; /* state_token_kind */
    size_t n_unknown;    /* tokens of kind STATE_TOKEN_UNKNOWN */
    /* A GPT-2's new sentence or pruning running on a thread
     * (state_model_apply_async): what will apply when it ends. Everything
     * above stays the model on screen until then. */
    bool pending;
    state_settings pending_settings;
} state_model;

/* Builds the model for s. Returns ATTN_OK, or a failure with a message
 * naming the setting and the fix; on failure m is left as it was (apply
 * never half-applies). m must be zeroed before its first apply. */
attn_status state_model_apply(state_model *m, const state_settings *s, char *err, size_t err_len);
/* The same on text instead of s->sentence (mechanics only; a trained model
 * reads s->sentence, so `dump` may run a text longer than the settings
 * hold), and with *bad (may be NULL) the setting a failure is about
 * (attn.h), ATTN_SETTING_NONE for a trained model's own errors. */
attn_status state_model_apply_text(state_model *m, const state_settings *s, const char *text,
                                   attn_setting *bad, char *err, size_t err_len);
void state_model_free(state_model *m);

/* Whether the model on screen is cross-attention (its maps' columns are
 * another sentence's tokens). */
static inline bool state_model_cross(const state_model *m) { return m->keys_tokens != NULL; }
/* The spelling of key (column) j, not NUL-terminated, *len bytes: the other
 * sentence's token j with cross-attention, else token j's span of text
 * (mechanics; the trained model's labels are the app's). */
const char *state_model_key_token(const state_model *m, size_t j, size_t *len);

/* The same as state_model_apply_text on s->sentence, except that a loaded
 * GPT-2's new sentence or pruning runs on a thread (its forward takes a
 * tenth of a second to a second): what can be checked at once is (a
 * sentence that does not encode, a layer that does not exist: a failure as
 * from state_model_apply), then m stays the model on screen with pending
 * set until state_model_poll applies the run. Anything else applies at
 * once, as state_model_apply does. A newer call replaces a pending one;
 * state_model_apply stops it. */
attn_status state_model_apply_async(state_model *m, const state_settings *s, attn_setting *bad,
                                    char *err, size_t err_len);

/* What state_model_poll found. */
typedef enum state_poll {
    STATE_POLL_IDLE,    /* nothing pending */
    STATE_POLL_RUNNING, /* still running: state_model_progress says how far */
    STATE_POLL_APPLIED, /* the run ended and m now shows pending_settings */
    STATE_POLL_FAILED,  /* the run failed (err says why); m is as it was */
} state_poll;
/* Once a frame (cheap until a run ends). */
state_poll state_model_poll(state_model *m, char *err, size_t err_len);
/* The settings the model will show: pending_settings while a run is
 * pending, else settings. A change made meanwhile (another head off, the
 * next layer) starts from these, so it is not lost when the run ends. */
const state_settings *state_model_wanted(const state_model *m);
/* A pending run's progress: layers done of total and tokens read; all 0
 * when nothing is pending. */
void state_model_progress(const state_model *m, size_t *done, size_t *total, size_t *tokens);

/* With the trained source, after the run changed in place (new parameters
 * from state_trained_set_params): takes the ranges again and bumps version,
 * so the views redraw. Nothing with mechanics. */
void state_model_refresh(state_model *m);

/* ---- what is on screen ------------------------------------------------------ */

enum { STATE_STAGE_COUNT = 10 };

typedef enum state_stage {
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
} state_stage;

typedef enum state_view {
    VIEW_HEADS, /* all heads side by side */
    VIEW_FOCUS, /* one head, large */
    VIEW_ARCS,  /* tokens in two columns, lines weighted by attention */
    VIEW_COUNT, /* the stage views above; their tables stop here */
    /* Outside the stage views' range: the model overview, every layer's
     * heads at once, with the trained source only (view_model.h). */
    VIEW_MODEL = VIEW_COUNT,
} state_view;

/* A lesson names the same views (lesson.h): one list, checked here. */
_Static_assert(VIEW_HEADS == (int)LESSON_VIEW_HEADS && VIEW_FOCUS == (int)LESSON_VIEW_FOCUS &&
                   VIEW_ARCS == (int)LESSON_VIEW_ARCS && VIEW_MODEL == (int)LESSON_VIEW_MODEL,
               "state_view and lesson_view must agree");
_Static_assert(STATE_STAGE_COUNT == LESSON_STAGES, "a lesson names every stage");

/* A stage by name ("softmax", lesson.h's names) or number from 1 ("7"), or
 * -1; a view's name ("heads", "focus", "arcs", "model") and the view by
 * name, or -1. */
int state_stage_parse(const char *s);

/* The stage the app and render open on: the trained model on its attention
 * weights (stage 7), where its heads visibly differ from the first frame;
 * random weights on the embeddings (stage 1), the start of the mechanics'
 * walk through every stage. */
state_stage state_opening_stage(state_source source);
const char *state_view_name(state_view v);
int state_view_parse(const char *s);

/* The colours for the room: the app's themes (src/app/theme.h) by name. */
typedef enum state_theme {
    STATE_THEME_DARK,
    STATE_THEME_LIGHT,
} state_theme;

/* The theme by name ("dark" or "light"), or -1. */
int state_theme_parse(const char *s);

/* One frame to draw without a window (`attnviz render`, a lesson's steps
 * as PNGs): what it shows and the picture's size. */
/* How the scores of stages 4–7 are coloured: as computed, or each row
 * minus its mean (softmax gives the same weights for a row plus any
 * constant), or the latter only where the rows' constants outgrow the
 * pattern within them (a trained model: rows ±114 apart, a row's own
 * pattern ±20), which is the default. */
typedef enum state_scores_view {
    STATE_SCORES_AUTO,
    STATE_SCORES_RAW,
    STATE_SCORES_CENTRED,
} state_scores_view;

typedef struct state_frame {
    state_stage stage;
    float progress; /* 0..1 */
    state_view view;
    size_t head; /* head in focus, from 0 */
    int width, height;
    state_theme theme;
    bool present; /* presenter mode: type for the back of a room */
    size_t follow; /* the token followed stage by stage, from 1; 0: none */
    bool per_row;  /* attention weights per row: each row's max at full colour (C) */
    state_scores_view scores; /* how stages 4–7 colour the scores (Z) */
    const char *out; /* the PNG's path (a folder for a lesson's steps) */
    const char *layout; /* NULL, or where to write what the frame drew, as JSON */
} state_frame;

/* Stage 1 finished, all heads, head 0, 1280×800, dark, no path. */
void state_frame_default(state_frame *f);

/* An outline a lesson step asks for on every heatmap (rows, columns) or on
 * one head's (cells); the first token highlight uses selected_token. */
typedef enum state_highlight_kind {
    STATE_HIGHLIGHT_ROW,
    STATE_HIGHLIGHT_COLUMN,
    STATE_HIGHLIGHT_CELL,
} state_highlight_kind;

typedef struct state_highlight {
    state_highlight_kind kind;
    int head; /* CELL: the head, from 0; else -1 */
    int i, j; /* row, column, from 0 */
} state_highlight;

/* Room for every highlight a step may have: a token after the first takes
 * two outlines (its row and its column). */
#define STATE_HIGHLIGHTS_MAX (2 * LESSON_HIGHLIGHTS_MAX)

#endif
