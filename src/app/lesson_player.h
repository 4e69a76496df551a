/* The lesson player: a parsed lesson (include/attnviz/lesson.h) driving the
 * app step by step. Each step applies its settings in effect (sentence,
 * sizes, seed through app_model_apply; stage, progress, view, head,
 * highlights on the state), and the frame shows a narration panel beside
 * the heatmaps with the live values ({{n}}, {{weight 1 8 2}}, ...)
 * evaluated from the model the step built.
 *
 * Ownership: app_lesson_open allocates the lesson and hangs it on
 * s->lesson; app_lesson_close (or app_state_free) frees it. Leaving a
 * lesson keeps its settings: free exploration goes on from them. */
#ifndef ATTNVIZ_APP_LESSON_PLAYER_H
#define ATTNVIZ_APP_LESSON_PLAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "attnviz/lesson.h"

/* A step's question: not answered yet, or the choice taken (0-based). */
#define APP_LESSON_UNANSWERED (-1)

/* One laid-out line of the narration panel (lesson_panel.c). */
typedef struct app_lesson_line {
    size_t off;  /* into app_lesson.text, NUL-terminated */
    int kind;    /* lesson_panel.c's line kinds */
    int indent;  /* pixels from the panel's text edge */
    int choice;  /* the choice this line belongs to, -1: none */
    int px;      /* type size */
    int h;       /* line height */
} app_lesson_line;

enum { APP_LESSON_LINES_MAX = 600 };

typedef struct app_lesson {
    lesson lesson;
    char path[1024];
    size_t step;                    /* 0-based, < lesson.n_steps */
    int answer[LESSON_STEPS_MAX];   /* per step: APP_LESSON_UNANSWERED or the choice */
    SDL_Rect choice_rects[LESSON_CHOICES_MAX]; /* where the choices were drawn (clicks) */
    size_t n_choice_rects;
    SDL_Rect panel;                 /* the narration panel of the last frame */
    /* The panel's lines, laid out again only when what they show changes
     * (step, answer, width, type size, model): a steady frame measures
     * and wraps nothing. */
    char *text;
    size_t text_len, text_cap;
    app_lesson_line lines[APP_LESSON_LINES_MAX];
    size_t n_lines;
    size_t unknown_values; /* live values of this step that did not evaluate */
    /* A step longer than the panel scrolls (PgUp/PgDn, the wheel) rather
     * than being cut off: scroll is how many pixels of its text are above
     * the panel's top, content_h and view_h the text's height and the room
     * for it in the last frame. */
    int scroll, content_h, view_h;
    bool laid_out;
    size_t key_step;
    int key_answer, key_w, key_h, key_px;
    uint64_t key_version;
} app_lesson;

/* Loads the lesson at path and goes to its first step. Returns 0, or 2 with
 * the parser's "FILE:LINE: message" (or why step 1 did not apply) in err;
 * on failure s is unchanged and stays usable. */
int app_lesson_open(app_state *s, const char *path, char *err, size_t err_len);

/* Applies step k (0-based) of the open lesson: its settings in effect go to
 * the model and the state; a stage that starts at progress 0 plays once
 * (s->playing). Returns 0, or 2 with a message (s unchanged). */
int app_lesson_goto(app_state *s, size_t step, char *err, size_t err_len);

/* Answers the current step's question with choice k (0-based). Returns 1
 * when it was right, 0 when wrong, -1 when there is no question, it was
 * answered already, or k is not a choice. */
int app_lesson_answer(app_state *s, size_t k);

/* Scrolls the narration panel by dy pixels (down when positive), kept
 * between the top and the point where the last line shows. Returns true
 * when the panel moved. */
bool app_lesson_scroll(app_state *s, int dy);

/* True when the current step has a question not yet answered. */
bool app_lesson_awaits_answer(const app_state *s);

/* Leaves the lesson; the settings it made stay in s. Safe without one. */
void app_lesson_close(app_state *s);

/* ---- the shipped lessons ------------------------------------------------------ */

enum { APP_LESSON_PATH = 512 };

/* The folder of the shipped lessons: DATA/lessons, DATA being the data folder
 * of state_data_dir (paths.h). Valid until the next call. */
const char *app_lessons_dir(void);

/* The lesson files of dir (*.md, not README.md, not hidden), sorted by name,
 * written as "dir/name" into paths[0..max). Returns how many were found (at
 * most max), or -1 when dir cannot be opened. */
int app_lesson_files(const char *dir, char (*paths)[APP_LESSON_PATH], size_t max);

/* ---- live values (lesson_values.c) ---------------------------------------- */

/* Formats ph evaluated on model m into buf ("9", "4.2 KiB", "0.281",
 * "“it”"). Returns 0, or 2 with "?" in buf when the value cannot be
 * evaluated (arguments out of range for the model). */
int app_lesson_value(const app_model *m, const lesson_placeholder *ph, char *buf, size_t len);

/* Copies text with every {{...}} replaced by its value into out (always
 * NUL-terminated, cut short when cap is too small). Returns how many live
 * values could not be evaluated (malformed, unknown or out of range: each
 * shown as "?"). */
size_t app_lesson_substitute(const app_model *m, const char *text, char *out, size_t cap);

/* Formats a byte count with its unit: "512 B", "4.5 KiB", "1.25 MiB". */
void app_format_bytes(double bytes, char *buf, size_t len);

/* ---- drawing (lesson_panel.c) ---------------------------------------------- */

/* The panel rectangle a lesson takes in a w×h frame at type size px: a
 * right-hand column, or a bottom band when the frame is narrow. */
SDL_Rect app_lesson_panel_rect(int w, int h, int px);

/* Draws the narration panel of s's lesson in rc and records the choice
 * rectangles for clicks. */
void app_lesson_draw(SDL_Renderer *r, text_cache *tc, app_state *s, SDL_Rect rc, int px);

/* The choice under output pixel (x, y) in the last frame, or -1. */
int app_lesson_choice_at(const app_state *s, int x, int y);

#endif
