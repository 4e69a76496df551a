/* The lesson player's state: a parsed lesson (include/attnviz/lesson.h),
 * the step on screen and the answers given. Going to a step applies its
 * settings in effect to the model (state_model_apply) and says what the
 * step puts on screen besides (stage, view, head, highlights); the app
 * copies that into its own state and draws the narration panel.
 *
 * Ownership: the caller owns the state_lesson; state_lesson_load fills it,
 * state_lesson_free empties it. */
#ifndef ATTNVIZ_STATE_LESSON_PLAYER_H
#define ATTNVIZ_STATE_LESSON_PLAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "attnviz/lesson.h"
#include "state.h"

/* A step's question: not answered yet, or the choice taken (0-based). */
#define STATE_LESSON_UNANSWERED (-1)

/* A step's prediction (lesson.h's lesson_predict), made and graded against
 * the model the step built: never a stored answer. */
typedef struct state_prediction {
    bool answered;
    bool right;
    int pick;      /* KEY: the column; HEAD: the head (prune: layer·H + head) */
    double value;  /* VALUE: where the slider was */
    int best;      /* KEY, HEAD: the best one (the first of a tie) */
    int ties;      /* KEY, HEAD: how many are within the tolerance of the best */
    double truth;  /* VALUE: the live value; KEY, HEAD: the best one's weight or measure */
    double picked; /* KEY, HEAD: the picked one's weight or measure */
} state_prediction;

typedef struct state_lesson {
    lesson lesson;
    char path[1024];
    size_t step;                  /* 0-based, < lesson.n_steps */
    int answer[LESSON_STEPS_MAX]; /* per step: STATE_LESSON_UNANSWERED or the choice */
    state_prediction predicted[LESSON_STEPS_MAX]; /* per step */
    /* The prediction being made on the current step: the cursor's column or
     * head, the slider's value. Set by state_lesson_goto. */
    int cursor;
    double slider;
} state_lesson;

/* What a step shows besides the model. */
typedef struct state_step_view {
    state_stage stage;
    float progress; /* 0: the stage plays once (playing); 1: shown finished */
    bool playing;
    state_view view;
    size_t head;        /* in focus, from 0 */
    int selected_token; /* the first token highlight, -1: none */
    state_highlight highlights[STATE_HIGHLIGHTS_MAX];
    size_t n_highlights;
} state_step_view;

/* Parses the lesson at path into l (every answer unanswered, step 0, no
 * setting applied yet). Returns ATTN_OK, or ATTN_ERR_INPUT with the
 * parser's first "FILE:LINE: message" in err. */
attn_status state_lesson_load(state_lesson *l, const char *path, char *err, size_t err_len);
void state_lesson_free(state_lesson *l);

/* The settings step k (0-based) puts in effect, starting from now (the
 * sentence, sizes, seed, weights, layer and pruning the step names; the
 * rest of now stays). */
void state_lesson_step_settings(const state_lesson *l, size_t k, const state_settings *now,
                                state_settings *out);

/* Goes to step k: applies its settings to m (only when they differ from
 * m's) and writes what the step shows besides into v. Returns ATTN_OK, or
 * a failure with a message, l, m and v unchanged. */
attn_status state_lesson_goto(state_lesson *l, state_model *m, size_t k, state_step_view *v, char *err,
                      size_t err_len);

/* What the current step shows besides the model, as state_lesson_goto
 * says it: with a prediction still to make, its hold stage (or the step's
 * own) at progress 0, paused; once made, the step's stage playing. */
void state_lesson_view(const state_lesson *l, state_step_view *v);

/* True when the current step has a question not yet answered. */
bool state_lesson_awaits_answer(const state_lesson *l);

/* Answers the current step's question with choice k (0-based). Returns 1
 * when it was right, 0 when wrong, -1 when there is no question, it was
 * answered already, or k is not a choice. */
int state_lesson_answer(state_lesson *l, size_t k);

/* ---- predictions (lesson_predict.c) ----------------------------------------- */

/* The current step's prediction, or NULL when it has none. */
const lesson_predict *state_lesson_prediction(const state_lesson *l);

/* True when the current step has a prediction not yet made: the stage is
 * held (state_step_view) until it is. */
bool state_lesson_awaits_prediction(const state_lesson *l);

/* How many things the student picks from: KEY the row's columns (n), HEAD
 * the layer's heads (weight) or every head of the model (prune); 0 for
 * VALUE or without a prediction. */
size_t state_predict_options(const lesson_predict *p, const state_model *m);

/* Moves the cursor by delta columns or heads (kept in range), or the
 * slider by delta hundredths of its range. */
void state_lesson_predict_move(state_lesson *l, const state_model *m, int delta);

/* Grades pick (KEY, HEAD) or value (VALUE) against the model the step
 * built: KEY right when the picked column's weight is within the
 * tolerance (default LESSON_PREDICT_TIE) of the row's largest, HEAD when
 * the picked head's measure is within LESSON_PREDICT_TIE of the best's (a
 * tie counts as right), VALUE when |value − live| ≤ tolerance (relative:
 * tolerance·|live|). HEAD prune runs the model once per head and puts the
 * step's run back (m's version changes). ATTN_OK with out filled, or
 * ATTN_ERR_CONFIG when the model cannot answer it (no trained model). */
attn_status state_predict_grade(state_model *m, const lesson_predict *p, int pick, double value,
                                state_prediction *out);

/* Commits the cursor (or the slider) as the current step's prediction.
 * Returns 1 right, 0 wrong, -1 when none awaits or it cannot be graded. */
int state_lesson_predict_commit(state_lesson *l, state_model *m);

/* One line on a graded prediction, in words and with the live numbers:
 * "✓ Right: “robot” gets the most weight, 0.41." */
void state_predict_verdict(const state_model *m, const lesson_predict *p,
                           const state_prediction *r, char *buf, size_t len);

/* The name of option k (a token as written, "head 3", "head 2.4"). */
void state_predict_option_name(const state_model *m, const lesson_predict *p, int k, char *buf,
                               size_t len);

/* A live value as a number (lesson_value_is_number): a count, bytes, a
 * weight, a score; next_prob in percent, as the narration shows it.
 * ATTN_OK, or ATTN_ERR_CONFIG when it cannot be evaluated. */
attn_status state_lesson_number(const state_model *m, const lesson_placeholder *ph, double *out);

/* ---- the shipped lessons ------------------------------------------------------ */

enum { STATE_LESSON_PATH = 512 };

/* The shipped lessons' folder is paths.h's state_lessons_dir. */
/* The lesson files of dir (*.md, not README.md, not hidden), sorted by name,
 * written as "dir/name" into paths[0..max). Returns how many were found (at
 * most max), or -1 when dir cannot be opened. */
int state_lesson_files(const char *dir, char (*paths)[STATE_LESSON_PATH], size_t max);

/* ---- live values (lesson_values.c) ---------------------------------------- */

/* Formats ph evaluated on model m into buf ("9", "4.2 KiB", "0.281",
 * "“it”"). Returns ATTN_OK, or ATTN_ERR_CONFIG with "?" in buf when the
 * value cannot be evaluated (arguments out of range for the model). */
attn_status state_lesson_value(const state_model *m, const lesson_placeholder *ph, char *buf,
                               size_t len);

/* Copies text with every {{...}} replaced by its value into out (always
 * NUL-terminated, cut short when cap is too small). Returns how many live
 * values could not be evaluated (malformed, unknown or out of range: each
 * shown as "?"). */
size_t state_lesson_substitute(const state_model *m, const char *text, char *out, size_t cap);

/* Formats a byte count with its unit: "512 B", "4.5 KiB", "1.25 MiB". */
void state_format_bytes(double bytes, char *buf, size_t len);

#endif
