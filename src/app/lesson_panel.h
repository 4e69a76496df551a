/* The lesson player in the window: the state layer's lesson player
 * (src/state/lesson_player.h: the lesson, its step and answers, the step's
 * settings applied to the model) plus what the app needs to show it: the
 * step's stage, view, head and highlights copied into app_state, and the
 * narration panel beside the heatmaps with the live values ({{n}},
 * {{weight 1 8 2}}, ...) evaluated from the model the step built.
 *
 * Ownership: app_lesson_open allocates the lesson and hangs it on
 * s->lesson; app_lesson_close (or app_state_free) frees it. Leaving a
 * lesson keeps its settings: free exploration goes on from them. */
#ifndef ATTNVIZ_APP_LESSON_PANEL_H
#define ATTNVIZ_APP_LESSON_PANEL_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "attnviz/lesson.h"
#include "lesson_player.h"

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
    state_lesson player; /* the lesson, its step and answers */
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
    int key_cursor;      /* the prediction's cursor, -1 once made */
    double key_slider;
    SDL_Rect slider;     /* a value prediction's slider in the last frame (clicks) */
} app_lesson;

/* Loads the lesson at path and goes to its first step. Returns ATTN_OK, or a failure with
 * the parser's "FILE:LINE: message" (or why step 1 did not apply) in err;
 * on failure s is unchanged and stays usable. */
attn_status app_lesson_open(app_state *s, const char *path, char *err, size_t err_len);

/* Applies step k (0-based) of the open lesson: its settings in effect go to
 * the model and the state; a stage that starts at progress 0 plays once
 * (s->playing). Returns ATTN_OK, or a failure with a message (s unchanged). */
attn_status app_lesson_goto(app_state *s, size_t step, char *err, size_t err_len);

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

/* ---- predictions (app_lesson.c; graded in src/state/lesson_predict.c) ------ */

/* True when the current step waits for a prediction (its stage is held). */
bool app_lesson_awaits_prediction(const app_state *s);

/* Moves the prediction's cursor by delta columns or heads, or its slider
 * by delta hundredths of its range. */
void app_lesson_predict_move(app_state *s, int delta);

/* Commits the cursor or slider: graded against the live model, then the
 * step's stage plays with the prediction marked on it. Returns 1 right, 0
 * wrong, -1 when none waits. */
int app_lesson_predict_commit(app_state *s);

/* A click at output pixel (x, y) while a prediction waits: a cell of the
 * asked row (pick: key), a head's map (pick: head weight) or an overview
 * box (pick: head prune) is picked and committed (1 right, 0 wrong); on
 * the slider it moves it there (2). -1: the click was not on an option. */
int app_lesson_predict_click(app_state *s, int x, int y);

/* The mouse moved with its button down: on a value prediction's slider,
 * the slider follows it (true); nothing else is picked by a drag. */
bool app_lesson_predict_drag(app_state *s, int x, int y);

/* The picture's marks of the prediction (lesson_marks.c): drawn after the
 * stage's heatmaps or the overview. */
struct stage_ctx;
void app_lesson_marks(struct stage_ctx *c);

/* Leaves the lesson; the settings it made stay in s. Safe without one. */
void app_lesson_close(app_state *s);

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
