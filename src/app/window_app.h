/* Private to the window: the state the main loop (window.c), the keys and
 * the mouse (input.c) and the lesson picker (picker.c) share. */
#ifndef ATTNVIZ_APP_WINDOW_APP_H
#define ATTNVIZ_APP_WINDOW_APP_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "draw.h"
#include "lesson_panel.h"
#include "settings_panel.h"
#include "ui.h"

enum { PICKER_MAX = 64 }; /* lessons the picker lists */

#define GEAR_LABEL "\xE2\x9A\x99 Settings (P)"

/* The lesson picker (L): the lessons of lessons/, each with its title, or
 * its first error when it does not parse (shown inline, never opened). */
typedef struct lesson_picker {
    bool open;
    size_t n, sel;
    char path[PICKER_MAX][STATE_LESSON_PATH];
    char label[PICKER_MAX][APP_ERR_LEN];
    bool bad[PICKER_MAX];
    char why[PICKER_MAX][APP_ERR_LEN]; /* a bad lesson's reason, wrapped under the list */
    /* where the last frame drew the rows and the list, for the mouse */
    SDL_Rect row[PICKER_MAX];
    size_t row_of[PICKER_MAX], n_rows;
    SDL_Rect panel;
} lesson_picker;

typedef struct window_app {
    SDL_Window *window;
    SDL_Renderer *renderer;
    text_cache *text;
    draw_pool pool; /* the frame's textures: freed before the renderer */
    bool vsync;
    bool ttf, img; /* SDL_ttf and SDL_image started: closed with the window */
    app_state s;
    ui_context ui;
    settings_panel panel;
    lesson_picker picker;
    bool quit;
    bool shot_pending;
    /* Started from pause by a step (→, a new setting): play this stage's
     * animation and stop at its end, so the class can look at it. Space
     * and Home play on through the stages. */
    bool stop_at_end;
    bool play_through; /* set by Space and Home for window_on_event */
    int out_w, out_h;         /* renderer output, pixels */
    float scale_x, scale_y;   /* output pixels per window coordinate (HiDPI) */
    int mouse_x, mouse_y;     /* output pixels */
    bool mouse_in;
    int windowed_w, windowed_h; /* the size before fullscreen */
    char seen_message[APP_ERR_LEN];
    Uint32 message_at;
    Uint64 prev;        /* the last frame's start, for its dt */
    bool drawn;         /* the first frame comes at once, whether or not an event does */
    Uint32 idle_since;  /* when the last frame was drawn (SDL_GetTicks) */
    bool stats;       /* ATTNVIZ_FRAME_STATS */
    bool stats_each;  /* ATTNVIZ_FRAME_STATS=each: every frame's time, to take percentiles */
    Uint64 drawn_at;  /* when the frame was drawn, before it was presented */
    double stats_draw_ms;
    int stats_frames;
    Uint32 stats_at;
    /* A large model file, opened once a frame has said it is being read
     * (open_file.c): reading it holds the window for seconds. */
    char *open_later;
    bool open_later_shown;
} window_app;

/* Where the frame, the panel and the gear button go this frame. */
typedef struct geometry {
    int px;
    int frame_w;   /* app_draw's width: all of it, or what the panel leaves */
    SDL_Rect panel; /* w = 0: closed */
    SDL_Rect gear;  /* the area of the Settings button */
    int gear_px;    /* its type size: the status line's */
    bool gear_shown;
} geometry;

static inline bool in_rect(int x, int y, SDL_Rect r) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* ---- window.c ------------------------------------------------------------------------- */

/* Where the frame, the panel and the gear button go at the current size. */
geometry window_layout(window_app *a);
/* Reads the window's and the renderer's sizes again (a resize, fullscreen). */
void window_update_sizes(window_app *a);
/* Sets the status line to the formatted message; error keeps it longer. */
__attribute__((format(printf, 3, 4))) void window_say(window_app *a, bool error,
                                                      const char *fmt, ...);

/* ---- input.c -------------------------------------------------------------------------- */

/* One event: the picker, the panel, the lesson, the overview or the
 * frame's keys take it, in that order. */
void window_on_event(window_app *a, const SDL_Event *ev);
/* A lesson (.md) or a model file dropped on the window (open_file.c). */
void window_open_file(window_app *a, const char *path);
/* After each frame is presented: opens the large file window_open_file put
 * off, on the frame after the one that said so. */
void window_open_later(window_app *a);

/* ---- picker.c ------------------------------------------------------------------------- */

/* L: lists the lessons of lessons/ (afresh each time) and opens the picker,
 * or says why there are none. */
void picker_open(window_app *a);
/* A key or a left click while the picker is open. */
void picker_key(window_app *a, SDL_Keycode k);
void picker_click(window_app *a, int x, int y);
/* The picker over the frame at type size px; records where its rows went. */
void picker_draw(window_app *a, int px);

#endif
