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

typedef struct state_lesson {
    lesson lesson;
    char path[1024];
    size_t step;                  /* 0-based, < lesson.n_steps */
    int answer[LESSON_STEPS_MAX]; /* per step: STATE_LESSON_UNANSWERED or the choice */
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

/* True when the current step has a question not yet answered. */
bool state_lesson_awaits_answer(const state_lesson *l);

/* Answers the current step's question with choice k (0-based). Returns 1
 * when it was right, 0 when wrong, -1 when there is no question, it was
 * answered already, or k is not a choice. */
int state_lesson_answer(state_lesson *l, size_t k);

/* ---- the shipped lessons ------------------------------------------------------ */

enum { STATE_LESSON_PATH = 512 };

/* The shipped lessons' folder is paths.h's state_lessons_dir. */
/* The lesson files of dir (*.md, not README.md, not hidden), sorted by name,
 * written as "dir/name" into paths[0..max). Returns how many were found (at
 * most max), or -1 when dir cannot be opened. */
int state_lesson_files(const char *dir, char (*paths)[STATE_LESSON_PATH], size_t max);

/* ---- live values (lesson_values.c) ---------------------------------------- */

/* Formats ph evaluated on model m into buf ("9", "4.2 KiB", "0.281",
 * "“it”"). Returns 0, or 2 with "?" in buf when the value cannot be
 * evaluated (arguments out of range for the model). */
int state_lesson_value(const state_model *m, const lesson_placeholder *ph, char *buf, size_t len);

/* Copies text with every {{...}} replaced by its value into out (always
 * NUL-terminated, cut short when cap is too small). Returns how many live
 * values could not be evaluated (malformed, unknown or out of range: each
 * shown as "?"). */
size_t state_lesson_substitute(const state_model *m, const char *text, char *out, size_t cap);

/* Formats a byte count with its unit: "512 B", "4.5 KiB", "1.25 MiB". */
void state_format_bytes(double bytes, char *buf, size_t len);

#endif
