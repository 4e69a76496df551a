/* attnviz lessons: Markdown files the app plays step by step.
 *
 * The format is lessons/README.md; this header is what a program gets from a
 * lesson file once it is parsed and checked: a title, a summary and up to
 * LESSON_STEPS_MAX steps, each with its narration (Markdown, minus the
 * blocks), the directives its ```attnviz block gives, its check question,
 * and the settings in effect for it (what carried over plus what it changed).
 *
 * How settings carry over (lessons/README.md, "Directives"):
 *   - the first step starts from the built-in example: attn_config_default(),
 *     the robot sentence, seed 42, mechanics weights, stage 1 (embed), the
 *     heads view, head 1, no highlights;
 *   - a step changes only what its block names, with three rules:
 *       * a block that sets heads without kv_heads makes kv_heads = heads
 *         (every head its own keys and values, as on the command line);
 *       * a new sentence clears the highlights (they pointed at the old
 *         sentence's tokens); highlights otherwise carry over, and
 *         "highlight: none" clears them;
 *       * progress does not carry over: each step's stage plays from 0
 *         unless its block says otherwise.
 *   - the effective settings of every step are checked (attn_config_check,
 *     the head in focus, the highlights against the sentence), and an error
 *     is reported at the line that made them invalid, e.g.
 *     "heads 3 does not divide d_model 32" at the `heads: 3` line.
 *
 * Layers: this module uses the core's types (attn_config, attn_tokenize) and
 * libc only. Errors are values: nothing here exits or aborts on input.
 * Time is linear in the size of the file and memory is bounded by it (a file
 * is at most LESSON_FILE_MAX bytes); nothing recurses on the input.
 */
#ifndef ATTNVIZ_LESSON_H
#define ATTNVIZ_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/attn.h"

#define LESSON_FILE_MAX ((size_t)1 << 20) /* 1 MB: larger files are refused */
#define LESSON_STEPS_MAX 200
#define LESSON_CHOICES_MIN 2
#define LESSON_CHOICES_MAX 6               /* the player numbers them 1-6 */
#define LESSON_HIGHLIGHTS_MAX 16           /* per step */
#define LESSON_TOKENS_MAX ATTN_TOKENS_DEFAULT /* tokens in a lesson's sentence */
#define LESSON_ERRORS_MAX 100              /* errors kept per file; the rest are counted */
#define LESSON_SEED_MAX 9007199254740991ull /* 2^53 - 1, as on the command line */
#define LESSON_KV_CACHE_ARG_MAX 1000000    /* each argument of {{kv_cache L G D B}} */

/* The directives of an ```attnviz block, in the order of the README's table. */
typedef enum lesson_key {
    LESSON_KEY_SENTENCE,
    LESSON_KEY_HEADS,
    LESSON_KEY_D_MODEL,
    LESSON_KEY_KV_HEADS,
    LESSON_KEY_CAUSAL,
    LESSON_KEY_SCALE,
    LESSON_KEY_TEMPERATURE,
    LESSON_KEY_SEED,
    LESSON_KEY_WEIGHTS,
    LESSON_KEY_STAGE,
    LESSON_KEY_PROGRESS,
    LESSON_KEY_VIEW,
    LESSON_KEY_HEAD,
    LESSON_KEY_HIGHLIGHT,
    LESSON_KEY_LAYER, /* trained weights: the layer on screen */
    LESSON_KEY_PRUNE, /* trained weights: heads switched off */
    LESSON_KEY_POSITIONS, /* mechanics: the sinusoidal positions added to X, on or off */
    LESSON_KEY_MODEL,     /* trained weights: the shipped model, or a GPT-2 checkpoint by name */
    LESSON_KEY_CROSS,     /* mechanics: cross-attention's other sentence (keys, values), or off */
    LESSON_KEY_COUNT
} lesson_key;

/* "sentence", "heads", ... as written in a lesson. */
const char *lesson_key_name(lesson_key k);

typedef enum lesson_weights {
    LESSON_WEIGHTS_MECHANICS, /* random weights from the seed (attn_weights_xavier) */
    LESSON_WEIGHTS_TRAINED,   /* the shipped trained model (attnviz train) */
} lesson_weights;

/* The GPT-2 checkpoints a lesson may name ("model: gpt2"), with their
 * published sizes: gpt2, distilgpt2, gpt2-medium, gpt2-large. A step
 * naming one is checked against these sizes without the weights, which
 * attnviz does not ship; the player loads them as `--model NAME` does and,
 * when they are absent, refuses the lesson with a message that says so. */
#define LESSON_GPT2_MODELS 4
extern const char *const lesson_gpt2_names[LESSON_GPT2_MODELS];

/* The trained model's sizes, which steps with "weights: trained" are
 * checked against: its heads and d_model become the step's config (causal,
 * scaled, temperature 1), "layer:" and "prune:" must name layers and heads
 * it has, and its context bounds the sentence (counting the start token).
 * The program reads them from the shipped model and passes them to the
 * parser (lesson_parse's `trained`); with NULL a trained step is an error
 * that says the model could not be read. */
typedef struct lesson_model_shape {
    size_t n_layers, n_heads, d_model, n_ctx;
} lesson_model_shape;

/* The published sizes of the GPT-2 checkpoint called name (one of
 * lesson_gpt2_names), or NULL. */
const lesson_model_shape *lesson_gpt2_shape(const char *name);

#define LESSON_PRUNE_MAX 64 /* heads a step may switch off */

/* One head switched off, from 0. */
typedef struct lesson_head_ref {
    size_t layer, head;
} lesson_head_ref;

typedef enum lesson_view {
    LESSON_VIEW_HEADS, /* every head side by side */
    LESSON_VIEW_FOCUS, /* one head, large */
    LESSON_VIEW_ARCS,  /* weights drawn as arcs between tokens */
    LESSON_VIEW_MODEL, /* trained weights: every layer's heads, with their roles */
} lesson_view;

/* A view's name as a lesson writes it: "heads", "focus", "arcs", "model"
 * ("?" for anything else). */
const char *lesson_view_name(lesson_view v);

/* The ten stages as a lesson names them; index 0 is stage 1 ("embed"). */
#define LESSON_STAGES 10
const char *lesson_stage_name(int stage);

typedef enum lesson_highlight_kind {
    LESSON_HIGHLIGHT_TOKEN,  /* token i (given as a number or as a word) */
    LESSON_HIGHLIGHT_ROW,    /* row i of every heatmap (the query i) */
    LESSON_HIGHLIGHT_COLUMN, /* column j (the key j) */
    LESSON_HIGHLIGHT_CELL,   /* cell (i, j) of one head */
} lesson_highlight_kind;

/* One highlight, with every index counted from 0 (the file counts from 1).
 * "token WORD" is resolved to the index of the word's first occurrence
 * (byte-for-byte equal to the token as written). */
typedef struct lesson_highlight {
    lesson_highlight_kind kind;
    size_t head; /* CELL */
    size_t i;    /* TOKEN, ROW, CELL: a token, a row */
    size_t j;    /* COLUMN, CELL: a column */
    size_t line; /* where it is written */
} lesson_highlight;

/* The ```question block. line is 0 when the step has none; on a parsed
 * lesson a question always has ask, explain, 2-6 choices and one right one. */
typedef struct lesson_question {
    size_t line;                              /* the ```question line */
    char *ask;
    size_t ask_line;
    char *choices[LESSON_CHOICES_MAX];        /* in the file's order */
    size_t choice_lines[LESSON_CHOICES_MAX];
    size_t n_choices;
    size_t right;                             /* index of the choice* */
    char *explain;
    size_t explain_line;
} lesson_question;

/* The ```predict block: the student predicts on the live picture before the
 * stage plays, and the answer is graded against the trace the step built
 * (never a stored answer: src/state/lesson_predict.c grades it). line is 0
 * when the step has none; on a parsed lesson a prediction has ask, explain
 * and one kind, with its numbers checked against the step's settings. */
typedef enum lesson_predict_kind {
    LESSON_PREDICT_KEY,   /* pick: key H I: the key row I of head H weights most */
    LESSON_PREDICT_HEAD,  /* pick: head MEASURE: the head a measure ranks first */
    LESSON_PREDICT_VALUE, /* value: NAME ARGS: a live value, on a slider */
} lesson_predict_kind;

typedef enum lesson_head_measure {
    LESSON_MEASURE_WEIGHT, /* pick: head weight I J: the most weight in cell (I, J) */
    LESSON_MEASURE_PRUNE,  /* pick: head prune: switching it off changes the next word's
                              probability most (trained weights) */
} lesson_head_measure;

#define LESSON_PREDICT_ARGS 4    /* = LESSON_VALUE_ARGS_MAX, checked below */
#define LESSON_PREDICT_TIE 0.01 /* a key or head within this of the best is right too */

typedef struct lesson_predict {
    size_t line; /* the ```predict line */
    char *ask;
    size_t ask_line;
    char *explain;
    size_t explain_line;
    lesson_predict_kind kind;
    size_t kind_line; /* the pick: or value: line, 0 until one is read */
    /* KEY: head and row (0-based, the layer on screen with trained weights);
     * HEAD with WEIGHT: row and col (0-based). */
    lesson_head_measure measure;
    size_t head, row, col;
    uint64_t raw[3]; /* the numbers as written (from 1), checked at the step's end */
    /* VALUE: the live value (a lesson_value, its numbers as written:
     * lesson_predict_value gives it as a placeholder), its slider's ends,
     * and how close is right: within tolerance of it (relative:
     * tolerance·|value|). */
    int value;
    size_t value_n_args;
    uint64_t value_args[LESSON_PREDICT_ARGS];
    double lo, hi;
    size_t range_line;
    /* The slider moves in steps of this from lo (step: S; default a
     * hundredth of the range): whole numbers for a count. */
    double step;
    size_t step_line;
    double tolerance;
    bool relative;
    size_t tolerance_line;
    /* The stage shown, paused at its start, until the answer: 0..9, or -1
     * for the step's own stage. */
    int hold;
    size_t hold_line;
} lesson_predict;

/* Everything a step shows, after carrying over (see the top of this file). */
typedef struct lesson_settings {
    attn_config config;
    uint64_t seed;
    const char *sentence; /* a step's sentence (owned by the lesson) or the built-in one */
    size_t n_tokens;      /* tokens of the sentence (attn_tokenize), 1..LESSON_TOKENS_MAX */
    lesson_weights weights;
    int stage;            /* 0..9 (stage 1..10) */
    float progress;       /* 0..1; not carried over */
    lesson_view view;
    size_t head;          /* the head in focus, 0-based, < config.n_heads */
    lesson_highlight highlights[LESSON_HIGHLIGHTS_MAX];
    size_t n_highlights;  /* 0: nothing highlighted */
    /* Trained weights only (0 otherwise). With them, token 1 (index 0) is
     * the start token the model reads first, as on screen: n_tokens counts
     * it, and "highlight: token WORD" finds the word after it. */
    size_t layer;         /* 0-based */
    lesson_head_ref prune[LESSON_PRUNE_MAX];
    size_t n_prune;       /* carried over; "prune: none" clears */
    /* Mechanics only: false when X is the token vectors alone, without the
     * sinusoidal positions ("positions: off"); carried over, true by default. */
    bool positions;
    /* Trained weights: NULL for the shipped model, else one of
     * lesson_gpt2_names (static: never freed); carried over. A GPT-2 step
     * shows GPT-2's pieces, which the lesson cannot count without the
     * tokenizer, so it has no highlights and no live values of a token. */
    const char *model;
    /* Mechanics only: cross-attention's other sentence, which the keys and
     * values come from ("cross: TEXT"; owned by the lesson), or NULL for
     * self-attention ("cross: off", the default); carried over. Its
     * n_cross_tokens tokens are the maps' columns: a column, a cell's J and
     * {{weight H I J}}'s J count them, rows count the sentence's. */
    const char *cross_sentence;
    size_t n_cross_tokens;
} lesson_settings;

/* The maps' columns of a step: the other sentence's tokens with
 * cross-attention, else the sentence's. */
static inline size_t lesson_settings_keys(const lesson_settings *s) {
    return s->cross_sentence ? s->n_cross_tokens : s->n_tokens;
}

/* The settings of the built-in example, where the first step starts. */
lesson_settings lesson_settings_default(void);

typedef struct lesson_step {
    char *title;     /* the text of its "## " heading */
    size_t line;     /* the heading's line */
    char *narration; /* the Markdown under the heading, verbatim except: the
                        attnviz and question blocks and comment lines are
                        taken out, CRLF becomes LF, runs of blank lines left
                        by them become one, and leading and trailing blank
                        lines are dropped. May hold {{live values}}. */

    /* What this step's ```attnviz block says. key_line[k] is the line of
     * directive k, or 0 when the block does not give it (or there is no
     * block): it is the "has" flag of each field below. */
    size_t block_line; /* the ```attnviz line; 0 without a block */
    size_t key_line[LESSON_KEY_COUNT];
    char *sentence;
    size_t heads, d_model, kv_heads;
    bool causal, scale;
    float temperature;
    uint64_t seed;
    lesson_weights weights;
    int stage;
    float progress;
    lesson_view view;
    size_t head; /* 0-based */
    lesson_highlight highlights[LESSON_HIGHLIGHTS_MAX]; /* "highlight: none" gives 0 */
    size_t n_highlights;
    size_t layer; /* 0-based */
    lesson_head_ref prune[LESSON_PRUNE_MAX]; /* "prune: none" gives 0 */
    size_t n_prune;
    bool positions;
    const char *model; /* "model: NAME": a lesson_gpt2_names entry, NULL for "shipped" */
    char *cross_sentence; /* "cross: TEXT"; NULL with "cross: off" */
    size_t n_cross_tokens;

    lesson_question question;
    lesson_predict predict;   /* predict.line 0: none; a step has a question or a prediction */

    lesson_settings settings; /* in effect for this step */
} lesson_step;

/* A parsed lesson; caller-owned struct, filled by lesson_parse, emptied by
 * lesson_free. Strings are NUL-terminated UTF-8 owned by the lesson. */
typedef struct lesson {
    char *title;
    char *summary; /* the first paragraph after the title; "" when there is none */
    lesson_step *steps;
    size_t n_steps; /* 1..LESSON_STEPS_MAX on success */
} lesson;

/* Parses and checks text[0..len) (the contents of filename, which is only
 * used in messages and may be NULL), with trained the sizes of the model
 * "weights: trained" steps run on (NULL: none could be read, and such
 * steps are errors that say so). Returns ATTN_OK with *out filled, or a
 * failure (ATTN_ERR_INPUT for a lesson with errors) with
 * *out empty and err holding the first error (lowest line) as
 * "FILE:LINE: message", e.g.
 *   "lessons/03.md:14: unknown directive 'haeds' (did you mean 'heads'?)".
 * err may be NULL. */
attn_status lesson_parse(lesson *out, const char *text, size_t len, const char *filename,
                         const lesson_model_shape *trained, char *err, size_t err_len);

/* Receives each error as one line "FILE:LINE: message" (no newline). */
typedef void (*lesson_error_fn)(void *ctx, const char *error);

/* Like lesson_parse, but reports every error (for `attnviz lesson check`),
 * sorted by line, through report(ctx, error). Past LESSON_ERRORS_MAX errors
 * the rest are counted and the last report says how many were left out.
 * Returns as lesson_parse does. report may be NULL. */
attn_status lesson_parse_report(lesson *out, const char *text, size_t len,
                                const char *filename, const lesson_model_shape *trained,
                                lesson_error_fn report, void *ctx);

/* Reads the file at path (at most LESSON_FILE_MAX bytes plus one, so a huge
 * file is refused without reading it all) and parses it as above. A file
 * that cannot be read is one error, "PATH: cannot read: REASON". */
/* Whether path names one of the lessons folder's guides rather than a
 * lesson: README.md (the format) and TEACHING.md (the teacher's page), in
 * any folder. `lesson check`, `lesson list` and the app's list skip them. */
bool lesson_path_is_guide(const char *path);

attn_status lesson_load(lesson *out, const char *path, const lesson_model_shape *trained,
                        lesson_error_fn report, void *ctx);

/* Frees what the lesson owns and empties it; safe on an empty lesson. */
void lesson_free(lesson *l);

/* ---- live values: {{name ARGS}} in narration and questions -------------- */

typedef enum lesson_value {
    LESSON_VALUE_N,
    LESSON_VALUE_D_MODEL,
    LESSON_VALUE_HEADS,
    LESSON_VALUE_KV_HEADS,
    LESSON_VALUE_D_HEAD,
    LESSON_VALUE_TEMPERATURE,
    LESSON_VALUE_PARAMS,
    LESSON_VALUE_PARAMS_ONE_HEAD,
    LESSON_VALUE_FLOPS,
    LESSON_VALUE_SCORE_BYTES,
    LESSON_VALUE_KV_BYTES_PER_TOKEN,
    LESSON_VALUE_SPREAD_BEFORE, /* H */
    LESSON_VALUE_SPREAD_AFTER,  /* H */
    LESSON_VALUE_WEIGHT,        /* H I J */
    LESSON_VALUE_SCORE,         /* H I J */
    LESSON_VALUE_ROW_MAX,       /* H I */
    LESSON_VALUE_ROW_ARGMAX,    /* H I */
    LESSON_VALUE_TOKEN,         /* I */
    LESSON_VALUE_KV_CACHE,      /* L G D B */
    LESSON_VALUE_FORWARD_MS,
    LESSON_VALUE_SCORE_RANK,    /* H: the rank of head H's score matrix Q_h·K_hᵀ */
    LESSON_VALUE_JACOBIAN_MAX,  /* H I: the largest |entry| of diag(p) − ppᵀ, p row I of head H */
    LESSON_VALUE_SCORE_SCALED,  /* H I J: after ÷√d_k and ÷ temperature */
    LESSON_VALUE_N_KEYS,        /* the maps' columns: the other sentence's tokens, or n */
    LESSON_VALUE_KEY_TOKEN,     /* J: key (column) J as written */
    /* trained weights only */
    LESSON_VALUE_LAYER,          /* the layer on screen, from 1 */
    LESSON_VALUE_LAYERS,
    LESSON_VALUE_ROLE,           /* L H: "induction 0.91" */
    LESSON_VALUE_BEST_PREVIOUS,  /* "1.3 (0.74)": the head that scores highest */
    LESSON_VALUE_BEST_INDUCTION,
    LESSON_VALUE_BEST_ANTECEDENT,
    LESSON_VALUE_BEST_SUBJECT,
    LESSON_VALUE_HELDOUT_LOSS,   /* nats per token */
    LESSON_VALUE_UNIGRAM_LOSS,
    LESSON_VALUE_NEXT_WORD,      /* the most likely next word, with the step's pruning */
    LESSON_VALUE_NEXT_PROB,      /* its probability */
    LESSON_VALUE_START_WEIGHT,   /* H: mean weight on the start token, rows 2..n, layer on screen */
    LESSON_VALUE_MOST_START,     /* "2.3 (0.41)": the head of any layer with the most of it */
    LESSON_VALUE_STREAM_NORM,    /* L: length of the last token's residual stream entering block L */
    LESSON_VALUE_ATTN_ADD,       /* L: length of what block L's attention adds to it */
    LESSON_VALUE_MLP_ADD,        /* L: length of what block L's MLP adds to it */
    LESSON_VALUE_VOCAB,          /* words the trained model knows (rows of its logits) */
    LESSON_VALUE_MOST_PREVIOUS,  /* "1.1 (0.83)": the head with the most weight on the previous token */
    LESSON_VALUE_MOST_INDUCTION, /* the head with the most weight where induction would look */
    LESSON_VALUE_COUNT
} lesson_value;

/* Whether v is one of the trained model's values (layer .. next_prob). */
bool lesson_value_needs_trained(lesson_value v);

#define LESSON_VALUE_ARGS_MAX 4

/* Whether v is a number a prediction may ask for: not a token, a role, a
 * head's name, the next word or a timing. */
bool lesson_value_is_number(lesson_value v);

/* "n", "weight", ... as written between the braces. */
const char *lesson_value_name(lesson_value v);

/* One {{...}} in a text. Arguments are as written: heads, rows and columns
 * count from 1, so {{weight 2 8 1}} is head index 1, row 7, column 0. */
typedef struct lesson_placeholder {
    size_t offset; /* of the "{{" */
    size_t len;    /* through the closing "}}" */
    lesson_value value;
    size_t n_args;
    uint64_t args[LESSON_VALUE_ARGS_MAX];
} lesson_placeholder;

/* Finds the next live value in text[*pos..len). Returns
 *   1  found: *ph filled, *pos just past its "}}";
 *   0  no "{{" left: *pos = len;
 *  -1  a malformed one (unterminated on its line, unknown name, wrong
 *      number of arguments, an argument that is not a whole number): err
 *      says why, *pos is past it (so a loop goes on to the next).
 * A live value lies on one line; there is no escape for a literal "{{".
 * To substitute: copy the text between live values, evaluate each. */
int lesson_placeholder_next(const char *text, size_t len, size_t *pos, lesson_placeholder *ph,
                            char *err, size_t err_len);

/* Checks the arguments against a step's settings: H <= heads, I and J <= n
 * tokens, L <= the trained model's layers (trained may be NULL: none),
 * kv_cache's four in 1..LESSON_KV_CACHE_ARG_MAX. ATTN_OK, or
 * ATTN_ERR_INPUT with err. */
attn_status lesson_placeholder_check(const lesson_placeholder *ph, const lesson_settings *s,
                             const lesson_model_shape *trained, char *err, size_t err_len);

/* Every well-formed live value of text (a NUL-terminated narration), the
 * first max of them stored in out. Returns how many there are. */
size_t lesson_placeholders(const char *text, lesson_placeholder *out, size_t max);

_Static_assert(LESSON_PREDICT_ARGS == LESSON_VALUE_ARGS_MAX, "a prediction's value has a live "
               "value's arguments");

/* v moved to the nearest of lo, lo + step, ... within [lo, hi]: where a
 * value prediction's slider can stand. */
double lesson_predict_snap(const lesson_predict *p, double v);

/* A value prediction's live value (p->kind LESSON_PREDICT_VALUE) as a
 * placeholder, for lesson_placeholder_check and the player; offset and len 0. */
lesson_placeholder lesson_predict_value(const lesson_predict *p);

#endif
