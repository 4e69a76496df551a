/* The window and its main loop (in the style of raylib's examples and
 * Chocolate Doom's loop): input -> update(dt) -> app_draw -> panel -> present.
 * Animation time advances by the measured dt, so what is on screen does not
 * depend on the frame rate. */
#define _POSIX_C_SOURCE 200809L
#include "window.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "draw.h"
#include "lesson_panel.h"
#include "paths.h"
#include "settings_panel.h"
#include "view_model.h"

#define NO_DISPLAY_FIX                                                                             \
    "run attnviz in a desktop session, or draw frames without one: attnviz render --stage 7 "     \
    "--out frame.png"

enum {
    DEFAULT_W = 1280,
    DEFAULT_H = 800,
    MIN_W = 200,
    MIN_H = 150,
    FRAME_MS = 16,          /* pacing when the renderer has no vsync */
    MESSAGE_MS = 4000,      /* a status message stays this long */
    ERROR_MS = 10000,       /* an error longer: it needs reading */
    REFLOW_MIN_W = 400,     /* the frame moves aside for the panel when this much is left */
    PICKER_MAX = 64,        /* lessons the picker lists */
};

/* The lesson picker (L): the lessons of lessons/, each with its title, or
 * its first error when it does not parse (shown inline, never opened). */
typedef struct lesson_picker {
    bool open;
    size_t n, sel;
    char path[PICKER_MAX][STATE_LESSON_PATH];
    char label[PICKER_MAX][APP_ERR_LEN];
    bool bad[PICKER_MAX];
    /* where the last frame drew the rows and the list, for the mouse */
    SDL_Rect row[PICKER_MAX];
    size_t row_of[PICKER_MAX], n_rows;
    SDL_Rect panel;
} lesson_picker;

#define SPEED_STEP 1.5f
#define SPEED_MIN 0.25f
#define SPEED_MAX 8.0f
#define TYPE_STEP 1.15f
#define TYPE_MIN 0.6f
#define TYPE_MAX 3.0f
#define GEAR_LABEL "\xE2\x9A\x99 Settings (P)"

typedef struct window_app {
    SDL_Window *window;
    SDL_Renderer *renderer;
    text_cache *text;
    draw_pool pool; /* the frame's textures: freed before the renderer */
    bool vsync;
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
    bool play_through; /* set by Space and Home for on_event */
    int out_w, out_h;         /* renderer output, pixels */
    float scale_x, scale_y;   /* output pixels per window coordinate (HiDPI) */
    int mouse_x, mouse_y;     /* output pixels */
    bool mouse_in;
    int windowed_w, windowed_h; /* the size before fullscreen */
    char seen_message[APP_ERR_LEN];
    Uint32 message_at;
    bool stats; /* ATTNVIZ_FRAME_STATS */
    double stats_draw_ms;
    int stats_frames;
    Uint32 stats_at;
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

static geometry layout(window_app *a) {
    geometry g;
    g.px = app_type_px(a->out_h, a->s.type_scale);
    g.frame_w = a->out_w;
    g.panel = (SDL_Rect){a->out_w, 0, 0, a->out_h};
    if (a->s.show_settings) {
        int pw = settings_panel_width(a->out_w, g.px);
        g.panel = (SDL_Rect){a->out_w - pw, 0, pw, a->out_h};
        /* Side by side when the frame keeps a useful width, else over it. */
        if (a->out_w - pw >= REFLOW_MIN_W) g.frame_w = a->out_w - pw;
    }
    /* The gear button sits in the frame's status line, left of its
     * "paused" / "playing ×1.5" (sizes as frame.c draws that line), so it
     * hides no part of a stage. */
    int spx = g.px * 4 / 5 > 10 ? g.px * 4 / 5 : (g.px < 10 ? g.px : 10);
    int status_h = spx * 2, pad = spx / 2 > 2 ? spx / 2 : 2;
    int label_w = 0, state_w = 0;
    text_measure(a->text, GEAR_LABEL, spx, &label_w, NULL);
    text_measure(a->text, "playing \xC3\x97" "0.00", spx, &state_w, NULL);
    int bw = label_w + 2 * pad + 2, bh = spx * 9 / 5;
    int bx = g.frame_w - g.px / 2 - state_w - spx - bw, by = a->out_h - status_h + (status_h - bh) / 2;
    g.gear_px = spx;
    g.gear = (SDL_Rect){bx - pad, by - pad, bw + 2 * pad, bh + 2 * pad};
    /* Where it would cover most of the line or a message that needs the
     * room, and under the help, the button gives way (P still opens the
     * panel). */
    g.gear_shown = bx > g.frame_w / 3 && by > a->out_h / 2 && !a->s.show_help && !a->s.lesson;
    if (g.gear_shown && a->s.message[0]) {
        int msg_w = 0;
        text_measure(a->text, a->s.message, spx, &msg_w, NULL);
        g.gear_shown = g.px / 2 + msg_w + spx < bx;
    }
    return g;
}

static void update_sizes(window_app *a);

/* ---- messages and state changes ----------------------------------------------- */

__attribute__((format(printf, 3, 4))) static void say(window_app *a, bool error, const char *fmt,
                                                    ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->s.message, sizeof a->s.message, fmt, ap);
    va_end(ap);
    a->s.message_is_error = error;
}

static void open_panel(window_app *a) {
    a->s.show_settings = true;
    int example = a->panel.example;
    settings_panel_init(&a->panel, &a->s); /* show what is applied */
    if (example >= 0 &&
        strcmp(settings_panel_example((size_t)example), a->panel.draft.sentence) == 0)
        a->panel.example = example;
    ui_clear_focus(&a->ui);
    ui_focus(&a->ui, "heads"); /* the most used setting: arrows change it at once */
}

static void close_panel(window_app *a) {
    a->s.show_settings = false;
    ui_clear_focus(&a->ui);
}

static void next_stage(window_app *a) {
    app_state *s = &a->s;
    if ((int)s->stage + 1 < STATE_STAGE_COUNT) {
        s->stage = (state_stage)(s->stage + 1);
        s->progress = 0.0f; /* forward: the new stage's animation plays */
        s->playing = true;
    } else {
        say(a, false, "stage 10 (output) is the last: Home starts again");
    }
}

static void previous_stage(window_app *a) {
    app_state *s = &a->s;
    if (s->stage > 0) s->stage = (state_stage)(s->stage - 1);
    s->progress = 1.0f; /* back: the stage finished, to look at */
    s->playing = false;
}

static void play_pause(window_app *a) {
    app_state *s = &a->s;
    if (s->playing) {
        s->playing = false;
        say(a, false, "paused: Space plays");
        return;
    }
    if (s->progress >= 1.0f) { /* a finished stage: on to the next one */
        if ((int)s->stage + 1 >= STATE_STAGE_COUNT) {
            say(a, false, "stage 10 (output) is the last: Home starts again");
            return;
        }
        s->stage = (state_stage)(s->stage + 1);
        s->progress = 0.0f;
    }
    s->playing = true;
    a->play_through = true;
}

static void change_speed(window_app *a, float factor) {
    float v = a->s.speed * factor;
    a->s.speed = v < SPEED_MIN ? SPEED_MIN : v > SPEED_MAX ? SPEED_MAX : v;
    say(a, false, "speed \xC3\x97%.3g (a stage takes %.1f s)", (double)a->s.speed,
        (double)(APP_STAGE_SECONDS / a->s.speed));
}

static void change_type(window_app *a, float factor) {
    float v = factor == 0.0f ? 1.0f : a->s.type_scale * factor;
    a->s.type_scale = v < TYPE_MIN ? TYPE_MIN : v > TYPE_MAX ? TYPE_MAX : v;
    say(a, false, "type size \xC3\x97%.2f", (double)a->s.type_scale);
}

static void pick_head(window_app *a, int head) {
    size_t heads = a->s.model.settings.config.n_heads;
    if ((size_t)head > heads) {
        say(a, true, "head %d does not exist: this model has %zu head%s (1-%zu); P changes Heads",
            head, heads, heads == 1 ? "" : "s", heads);
        return;
    }
    a->s.focus_head = (size_t)head - 1;
    a->s.view = VIEW_FOCUS;
    say(a, false, "head %d of %zu in focus", head, heads);
}

static void next_example(window_app *a) {
    settings_panel *p = &a->panel;
    size_t count = settings_panel_example_count();
    size_t next = p->example < 0 ? 0 : ((size_t)p->example + 1) % count;
    if (p->example < 0 && strcmp(settings_panel_example(0), a->s.model.settings.sentence) == 0)
        next = 1;
    p->draft = a->s.model.settings; /* the example, on what is applied */
    snprintf(p->draft.sentence, sizeof p->draft.sentence, "%s", settings_panel_example(next));
    if (settings_panel_apply(p, &a->s) == 0) {
        p->example = (int)next;
        say(a, false, "example %zu of %zu: %s", next + 1, count, settings_panel_example(next));
    }
}

static void toggle_fullscreen(window_app *a) {
    bool full = (SDL_GetWindowFlags(a->window) & SDL_WINDOW_FULLSCREEN_DESKTOP) != 0;
    if (!full) SDL_GetWindowSize(a->window, &a->windowed_w, &a->windowed_h);
    if (SDL_SetWindowFullscreen(a->window, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP) != 0) {
        say(a, true, "fullscreen failed: %s", SDL_GetError());
        return;
    }
    /* Back to the size it had: without a window manager to confirm the
     * change, SDL would keep believing in the fullscreen size. */
    if (full && a->windowed_w > 0) SDL_SetWindowSize(a->window, a->windowed_w, a->windowed_h);
    update_sizes(a);
}

/* ---- screenshots ------------------------------------------------------------------ */

/* ./attnviz-YYYYMMDD-HHMMSS.png, or in $ATTNVIZ_SCREENSHOT_DIR; a suffix
 * -2, -3, ... when one was saved in the same second. */
static void screenshot_path(char *path, size_t len) {
    const char *dir = getenv("ATTNVIZ_SCREENSHOT_DIR");
    if (!dir || !*dir) dir = ".";
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, len, "%s/attnviz-%s.png", dir, stamp);
    for (int k = 2; k < 100 && access(path, F_OK) == 0; k++)
        snprintf(path, len, "%s/attnviz-%s-%d.png", dir, stamp, k);
}

/* Saves what was drawn (before present: after it the back buffer is gone). */
static void save_screenshot(window_app *a) {
    char path[1200];
    screenshot_path(path, sizeof path);
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, a->out_w, a->out_h, 24, SDL_PIXELFORMAT_RGB24);
    if (!surf) {
        say(a, true, "screenshot failed: %s", SDL_GetError());
        return;
    }
    /* Written under a temporary name and renamed: a file with the final
     * name is always a whole PNG (a viewer or a script watching the folder
     * never reads half of one), and a failed write leaves nothing. */
    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    if (SDL_RenderReadPixels(a->renderer, NULL, SDL_PIXELFORMAT_RGB24, surf->pixels, surf->pitch) != 0) {
        say(a, true, "screenshot failed: cannot read the frame (%s)", SDL_GetError());
    } else if (IMG_SavePNG(surf, tmp) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        say(a, true, "could not save %s (%s): set ATTNVIZ_SCREENSHOT_DIR to a folder you can write",
            path, IMG_GetError());
    } else {
        printf("%s\n", path);
        fflush(stdout);
        say(a, false, "saved %s", path);
    }
    SDL_FreeSurface(surf);
}

/* ---- input ------------------------------------------------------------------------- */

/* One event through the panel (open) or the gear button (closed). Returns
 * true when the widgets used it. */
static bool route_ui(window_app *a, const SDL_Event *ev) {
    geometry g = layout(a);
    bool used;
    if (a->s.show_settings) {
        ui_begin(&a->ui, ev, a->s.theme, g.px, g.panel, UI_KEYBOARD | UI_SCROLL | UI_BACKGROUND);
        bool close = settings_panel_run(&a->panel, &a->ui, &a->s);
        used = ui_end(&a->ui);
        if (close) close_panel(a);
    } else if (g.gear_shown) {
        ui_begin(&a->ui, ev, a->s.theme, g.gear_px, g.gear, 0);
        bool open = ui_button(&a->ui, "gear", GEAR_LABEL);
        used = ui_end(&a->ui);
        if (open) open_panel(a);
    } else {
        used = false;
    }
    return used;
}

/* Keys the open panel takes (moving between fields, changing them). */
static bool panel_key(SDL_Keycode k) {
    return k == SDLK_TAB || k == SDLK_UP || k == SDLK_DOWN || k == SDLK_LEFT || k == SDLK_RIGHT ||
           k == SDLK_RETURN || k == SDLK_KP_ENTER || k == SDLK_PAGEUP || k == SDLK_PAGEDOWN;
}

static int digit_of(SDL_Keycode k) {
    if (k >= SDLK_0 && k <= SDLK_9) return (int)(k - SDLK_0);
    if (k >= SDLK_KP_1 && k <= SDLK_KP_9) return (int)(k - SDLK_KP_1) + 1;
    if (k == SDLK_KP_0) return 0;
    return -1;
}

/* ---- the lesson being played ------------------------------------------------------ */

/* A step of the lesson: its settings apply, its stage plays once. */
static void lesson_move(window_app *a, int delta) {
    app_lesson *l = a->s.lesson;
    long to = (long)l->player.step + delta;
    if (to < 0) {
        say(a, false, "step 1 is the first: \xE2\x86\x92 goes on");
        return;
    }
    if (to >= (long)l->player.lesson.n_steps) {
        say(a, false, "the last step: Esc leaves the lesson and keeps its settings");
        return;
    }
    char err[APP_ERR_LEN];
    if (app_lesson_goto(&a->s, (size_t)to, err, sizeof err) != 0) {
        say(a, true, "%s", err);
        return;
    }
    a->stop_at_end = true; /* the step's stage plays once, then the class looks */
    a->play_through = false;
    a->s.message[0] = '\0';
}

static void lesson_answer(window_app *a, int k) {
    int right = app_lesson_answer(&a->s, (size_t)k);
    if (right == 1) say(a, false, "\xE2\x9C\x93 %d is right", k + 1);
    else if (right == 0) say(a, false, "\xE2\x9C\x97 %d is not it: see the explanation", k + 1);
}

static void lesson_leave(window_app *a) {
    app_lesson_close(&a->s);
    say(a, false, "left the lesson: its settings stay, explore from here (L opens a lesson)");
}

static void keep_first(void *ctx, const char *error) {
    char *err = ctx;
    if (err[0] == '\0') snprintf(err, APP_ERR_LEN, "%s", error);
}

/* Lists the lessons afresh each time: a teacher may fix one and press L. */
static void picker_open(window_app *a) {
    lesson_picker *p = &a->picker;
    char dir[STATE_PATH_MAX], why[APP_ERR_LEN - 16];
    p->n = 0;
    p->sel = 0;
    if (state_lessons_dir(dir, sizeof dir, why, sizeof why) != 0) {
        say(a, true, "%s", why);
        return;
    }
    int found = state_lesson_files(dir, p->path, PICKER_MAX);
    if (found < 0) {
        say(a, true, "no lessons folder '%s': set ATTNVIZ_DATA_DIR or reinstall attnviz", dir);
        return;
    }
    p->n = (size_t)found;
    lesson_model_shape shape;
    const lesson_model_shape *trained = state_trained_lesson_shape(&shape);
    for (size_t i = 0; i < p->n; i++) {
        lesson l;
        char first[APP_ERR_LEN] = "";
        const char *base = strrchr(p->path[i], '/');
        base = base ? base + 1 : p->path[i];
        p->bad[i] = lesson_load(&l, p->path[i], trained, keep_first, first) != 0;
        if (p->bad[i]) {
            snprintf(p->label[i], sizeof p->label[0], "%s", first);
        } else {
            snprintf(p->label[i], sizeof p->label[0], "%.40s  %.300s  (%zu step%s)", base, l.title,
                     l.n_steps, l.n_steps == 1 ? "" : "s");
            lesson_free(&l);
        }
    }
    if (p->n == 0) say(a, true, "no lessons in %s", dir);
    else p->open = true;
}

static void picker_choose(window_app *a) {
    lesson_picker *p = &a->picker;
    if (p->sel >= p->n) return;
    if (p->bad[p->sel]) {
        say(a, true, "%s", p->label[p->sel]);
        return; /* stays open: the error is there to read */
    }
    char err[APP_ERR_LEN];
    if (app_lesson_open(&a->s, p->path[p->sel], err, sizeof err) != 0) {
        snprintf(p->label[p->sel], sizeof p->label[0], "%s", err);
        p->bad[p->sel] = true;
        say(a, true, "%s", err);
        return;
    }
    p->open = false;
    a->s.show_settings = false;
    a->stop_at_end = true;
    say(a, false, "lesson: %s", a->s.lesson->player.lesson.title);
}

static void picker_key(window_app *a, SDL_Keycode k) {
    lesson_picker *p = &a->picker;
    if (k == SDLK_DOWN && p->sel + 1 < p->n) p->sel++;
    else if (k == SDLK_UP && p->sel > 0) p->sel--;
    else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) picker_choose(a);
    else if (k == SDLK_ESCAPE || k == SDLK_l) p->open = false;
    else if (k == SDLK_q) a->quit = true;
}

static bool in_rect(int x, int y, SDL_Rect r) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* A click on a lesson opens it; a click outside the list closes the picker. */
static void picker_click(window_app *a, int x, int y) {
    lesson_picker *p = &a->picker;
    for (size_t r = 0; r < p->n_rows; r++) {
        if (in_rect(x, y, p->row[r])) {
            p->sel = p->row_of[r];
            picker_choose(a);
            return;
        }
    }
    if (!in_rect(x, y, p->panel)) p->open = false;
}

/* The picker over the frame: one line per lesson, the chosen one outlined. */
static void picker_draw(window_app *a, int px) {
    lesson_picker *p = &a->picker;
    p->n_rows = 0;
    const theme *th = a->s.theme ? a->s.theme : theme_dark();
    int line = px * 3 / 2, w = a->out_w, h = a->out_h;
    int pw = w - 2 * px > 60 * px ? 60 * px : w - 2 * px;
    int rows = (int)p->n, ph = (rows + 3) * line;
    if (ph > h - 2 * px) ph = h - 2 * px;
    if (pw <= 0 || ph <= 0) return;
    SDL_Color veil = th->background;
    veil.a = 210;
    draw_fill(a->renderer, (SDL_Rect){0, 0, w, h}, veil);
    SDL_Rect panel = {(w - pw) / 2, (h - ph) / 2, pw, ph};
    p->panel = panel;
    draw_panel(a->renderer, panel, th);
    draw_outline(a->renderer, panel, th->accent, 2);
    SDL_RenderSetClipRect(a->renderer, &panel);
    int x = panel.x + px, y = panel.y + line / 2 + px / 2;
    text_draw(a->text, "Lessons   \xE2\x86\x91/\xE2\x86\x93 or click   Enter open   Esc close", px,
              th->accent, x, y, TEXT_LEFT | TEXT_MIDDLE);
    y += line + line / 2;
    /* keep the chosen one in view when the list is taller than the panel */
    int fit = (ph - 2 * line) / line;
    size_t first = fit > 0 && p->sel >= (size_t)fit ? p->sel - (size_t)fit + 1 : 0;
    for (size_t i = first; i < p->n && y < panel.y + ph; i++, y += line) {
        SDL_Rect row = {panel.x + px / 2, y - line / 2, pw - px, line};
        p->row[p->n_rows] = row;
        p->row_of[p->n_rows++] = i;
        if (i == p->sel) draw_outline(a->renderer, row, th->accent, 2);
        text_draw(a->text, p->label[i], px, p->bad[i] ? th->error : th->text, x, y,
                  TEXT_LEFT | TEXT_MIDDLE);
    }
    SDL_RenderSetClipRect(a->renderer, NULL);
}

/* ---- the model overview (view_model.h) ---------------------------------------------------- */

/* The pruning changed: the open settings panel shows (and would apply) it. */
static void overview_sync_panel(window_app *a) {
    memcpy(a->panel.draft.head_off, a->s.model.settings.head_off, sizeof a->panel.draft.head_off);
}

/* M anywhere; in the overview the arrows move the cursor, Space or Enter
 * switches its head off or on, 0 or Backspace every head on, R trains live
 * (and stops), Shift+R puts the model's own weights back, Esc stops the
 * training or leaves the overview. True when the key was used. */
static bool overview_key(window_app *a, SDL_Keycode k, bool shift, bool again) {
    app_state *s = &a->s;
    if (k == SDLK_m) {
        if (!again) app_overview_toggle(s);
        return true;
    }
    if (s->view != VIEW_MODEL || s->show_help || (k == SDLK_ESCAPE && s->show_settings))
        return false;
    size_t H = s->model.settings.config.n_heads ? s->model.settings.config.n_heads : 1;
    switch (k) {
    case SDLK_LEFT: app_overview_move(s, 0, -1); return true;
    case SDLK_RIGHT: app_overview_move(s, 0, 1); return true;
    case SDLK_UP: app_overview_move(s, -1, 0); return true;
    case SDLK_DOWN: app_overview_move(s, 1, 0); return true;
    case SDLK_SPACE:
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        if (!again && app_overview_toggle_head(s, s->overview_cursor / H, s->overview_cursor % H) == 0)
            overview_sync_panel(a);
        return true;
    case SDLK_0:
    case SDLK_KP_0:
    case SDLK_BACKSPACE:
        if (!again && app_overview_all_on(s) == 0) overview_sync_panel(a);
        return true;
    case SDLK_r:
        if (!again) shift ? app_overview_restore(s) : app_overview_train(s);
        return true;
    case SDLK_ESCAPE:
        if (again) return true;
        if (app_overview_training(s)) app_overview_train(s); /* stops it */
        else app_overview_toggle(s);                         /* leaves */
        return true;
    default: return false;
    }
}

/* A click in the overview: the training button, or a head. True when used. */
static bool overview_click(window_app *a, int x, int y) {
    app_state *s = &a->s;
    if (s->view != VIEW_MODEL) return false;
    SDL_Rect b = s->layout.overview_button;
    if (b.w > 0 && in_rect(x, y, b)) {
        app_overview_train(s);
        return true;
    }
    int k = app_overview_head_at(s, x, y);
    size_t H = s->model.settings.config.n_heads ? s->model.settings.config.n_heads : 1;
    if (k < 0) return false;
    if (app_overview_toggle_head(s, (size_t)k / H, (size_t)k % H) == 0) overview_sync_panel(a);
    return true;
}

static void on_key(window_app *a, const SDL_KeyboardEvent *e) {
    app_state *s = &a->s;
    SDL_Keycode k = e->keysym.sym;
    bool ctrl = (e->keysym.mod & KMOD_CTRL) != 0, shift = (e->keysym.mod & KMOD_SHIFT) != 0;
    bool again = e->repeat != 0; /* held keys repeat only where that helps */
    int digit = digit_of(k);

    if (!ctrl && overview_key(a, k, shift, again)) return;
    if (ctrl) {
        if (k == SDLK_PLUS || k == SDLK_EQUALS || k == SDLK_KP_PLUS) change_type(a, TYPE_STEP);
        else if (k == SDLK_MINUS || k == SDLK_KP_MINUS) change_type(a, 1.0f / TYPE_STEP);
        else if (k == SDLK_0 || k == SDLK_KP_0) change_type(a, 0.0f);
        else if (k == SDLK_q && !again) a->quit = true;
        return;
    }
    if (digit >= 1 && digit <= LESSON_CHOICES_MAX && app_lesson_awaits_answer(s)) {
        /* a question waiting: the digits answer it, else they pick heads */
        const app_lesson *l = s->lesson;
        size_t choices = l->player.lesson.steps[l->player.step].question.n_choices;
        if (again) return;
        if ((size_t)digit <= choices) lesson_answer(a, digit - 1);
        else say(a, true, "this question has choices 1-%zu", choices);
        return;
    }
    if (digit >= 0) {
        if (!again) pick_head(a, digit == 0 ? 10 : digit);
        return;
    }
    if (s->lesson && (k == SDLK_RIGHT || k == SDLK_LEFT)) {
        lesson_move(a, k == SDLK_RIGHT ? 1 : -1);
        return;
    }
    if (s->lesson && (k == SDLK_PAGEDOWN || k == SDLK_PAGEUP)) {
        /* a step longer than its panel: three quarters of a panel at a time */
        int page = s->lesson->view_h * 3 / 4;
        app_lesson_scroll(s, k == SDLK_PAGEDOWN ? page : -page);
        return;
    }
    switch (k) {
    case SDLK_SPACE: if (!again) play_pause(a); break;
    case SDLK_RIGHT: next_stage(a); break;
    case SDLK_LEFT: previous_stage(a); break;
    case SDLK_UP: change_speed(a, SPEED_STEP); break;
    case SDLK_DOWN: change_speed(a, 1.0f / SPEED_STEP); break;
    case SDLK_HOME:
        s->stage = STAGE_EMBED;
        s->progress = 0.0f;
        s->playing = true;
        a->play_through = true;
        break;
    case SDLK_TAB: {
        /* the stage views, then the model overview when the model is trained */
        int count = VIEW_COUNT + (app_overview_available(s) ? 1 : 0);
        int cur = s->view == VIEW_MODEL ? VIEW_COUNT : (int)s->view;
        int next = (cur + (shift ? count - 1 : 1)) % count;
        if (next == VIEW_COUNT) {
            app_overview_toggle(s);
            break;
        }
        s->view = (state_view)next;
        say(a, false, "view: %s (Tab changes it)", state_view_name(s->view));
        break;
    }
    case SDLK_f: if (!again) toggle_fullscreen(a); break;
    case SDLK_s: if (!again) a->shot_pending = true; break;
    case SDLK_t:
        if (again) break;
        s->theme = s->theme == theme_light() ? theme_dark() : theme_light();
        say(a, false, "%s theme (T changes it)", s->theme->name);
        break;
    case SDLK_p:
        if (again) break;
        if (s->show_settings) close_panel(a);
        else open_panel(a);
        break;
    case SDLK_e: if (!again) next_example(a); break;
    case SDLK_LEFTBRACKET: /* the layer of a trained model; the open panel follows */
    case SDLK_RIGHTBRACKET:
        if (app_state_step_layer(s, k == SDLK_RIGHTBRACKET ? 1 : -1) == 0)
            a->panel.draft.layer = s->model.settings.layer;
        break;
    case SDLK_l:
        if (!again) picker_open(a);
        break;
    case SDLK_h:
    case SDLK_QUESTION:
        if (!again) s->show_help = !s->show_help;
        break;
    case SDLK_SLASH:
        if (shift && !again) s->show_help = !s->show_help; /* "?" on most layouts */
        break;
    case SDLK_ESCAPE:
        if (again) break;
        if (s->show_help) s->show_help = false;
        else if (s->show_settings) close_panel(a);
        else if (s->lesson) lesson_leave(a);
        else a->quit = true;
        break;
    case SDLK_q: if (!again) a->quit = true; break;
    default: break;
    }
}

/* Mouse events come in window coordinates; the frame is drawn in output
 * pixels, which differ on a HiDPI screen. */
static SDL_Event to_output(const window_app *a, const SDL_Event *ev) {
    SDL_Event e = *ev;
    if (e.type == SDL_MOUSEMOTION) {
        e.motion.x = (Sint32)((float)e.motion.x * a->scale_x);
        e.motion.y = (Sint32)((float)e.motion.y * a->scale_y);
    } else if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP) {
        e.button.x = (Sint32)((float)e.button.x * a->scale_x);
        e.button.y = (Sint32)((float)e.button.y * a->scale_y);
    }
    return e;
}


/* A click on the frame: a token label toggles its selection, anything else
 * clears it. */
static void click_frame(window_app *a, int x, int y) {
    app_state *s = &a->s;
    const app_layout *l = &s->layout;
    size_t n = l->n_token_labels < APP_TOKENS_MAX ? l->n_token_labels : APP_TOKENS_MAX;
    for (size_t i = 0; i < n; i++) {
        if (in_rect(x, y, l->token_labels[i])) {
            int t = l->token_of_label[i];
            s->selected_token = s->selected_token == t ? -1 : t;
            return;
        }
    }
    s->selected_token = -1;
}

static void update_sizes(window_app *a) {
    int ww = 1, wh = 1;
    SDL_GetWindowSize(a->window, &ww, &wh);
    if (SDL_GetRendererOutputSize(a->renderer, &a->out_w, &a->out_h) != 0) {
        a->out_w = ww;
        a->out_h = wh;
    }
    a->scale_x = ww > 0 ? (float)a->out_w / (float)ww : 1.0f;
    a->scale_y = wh > 0 ? (float)a->out_h / (float)wh : 1.0f;
}

static void handle(window_app *a, const SDL_Event *ev);

static void on_event(window_app *a, const SDL_Event *ev) {
    bool was_playing = a->s.playing;
    a->play_through = false;
    handle(a, ev);
    /* Play started from pause by a step or a new setting: this stage only. */
    if (a->play_through) a->stop_at_end = false;
    else if (!was_playing && a->s.playing) a->stop_at_end = true;
    if (!a->s.playing) a->stop_at_end = false;
}

static void handle(window_app *a, const SDL_Event *ev) {
    switch (ev->type) {
    case SDL_QUIT: a->quit = true; break;
    case SDL_WINDOWEVENT:
        if (ev->window.event == SDL_WINDOWEVENT_LEAVE) a->mouse_in = false;
        if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) update_sizes(a);
        break;
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEWHEEL: {
        SDL_Event e = to_output(a, ev);
        if (e.type == SDL_MOUSEMOTION) {
            a->mouse_x = e.motion.x, a->mouse_y = e.motion.y;
            a->mouse_in = true;
        }
        if (a->picker.open) { /* the picker takes the mouse while it is open */
            if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT)
                picker_click(a, e.button.x, e.button.y);
            break;
        }
        bool used = route_ui(a, &e);
        if (!used && e.type == SDL_MOUSEWHEEL && a->s.lesson &&
            in_rect(a->mouse_x, a->mouse_y, a->s.lesson->panel)) {
            int line = a->s.lesson->view_h / 12 > 8 ? a->s.lesson->view_h / 12 : 8;
            app_lesson_scroll(&a->s, -e.wheel.y * line);
            used = true;
        }
        if (!used && e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT &&
            overview_click(a, e.button.x, e.button.y))
            used = true;
        if (!used && e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT) {
            int choice = app_lesson_choice_at(&a->s, e.button.x, e.button.y);
            if (choice >= 0 && app_lesson_awaits_answer(&a->s)) lesson_answer(a, choice);
            else if (!a->s.lesson || !in_rect(e.button.x, e.button.y, a->s.lesson->panel))
                click_frame(a, e.button.x, e.button.y);
        }
        break;
    }
    case SDL_KEYDOWN:
        if (a->picker.open) { /* the picker takes the keys while it is open */
            if (!ev->key.repeat || ev->key.keysym.sym == SDLK_UP ||
                ev->key.keysym.sym == SDLK_DOWN)
                picker_key(a, ev->key.keysym.sym);
            break;
        }
        if (ui_typing(&a->ui)) { /* keys type into the field */
            route_ui(a, ev);
            break;
        }
        if (a->s.show_settings && panel_key(ev->key.keysym.sym)) {
            route_ui(a, ev);
            break;
        }
        on_key(a, &ev->key);
        break;
    case SDL_TEXTINPUT:
        if (ui_typing(&a->ui)) route_ui(a, ev);
        break;
    default: break;
    }
}

/* ---- update and draw ----------------------------------------------------------------- */

static void update(window_app *a, float dt) {
    app_state *s = &a->s;
    app_overview_update(s); /* live training's weights, the pruned model's loss */
    if (s->playing) {
        s->progress += dt * s->speed / APP_STAGE_SECONDS;
        if (s->progress >= 1.0f) {
            if (a->stop_at_end) {
                s->progress = 1.0f;
                s->playing = false;
                a->stop_at_end = false;
            } else if ((int)s->stage + 1 < STATE_STAGE_COUNT) {
                s->stage = (state_stage)(s->stage + 1);
                s->progress = 0.0f;
            } else {
                s->progress = 1.0f; /* the last stage stays, finished */
                s->playing = false;
            }
        }
    }

    /* the cell under the mouse, from where the last frame put the grids */
    geometry g = layout(a);
    s->hover_head = s->hover_i = s->hover_j = -1;
    s->hover_x = a->mouse_x;
    s->hover_y = a->mouse_y;
    if (!a->mouse_in) s->hover_x = s->hover_y = -1; /* the overview reads these alone */
    bool over_ui = s->show_settings ? in_rect(a->mouse_x, a->mouse_y, g.panel)
                                    : g.gear_shown && in_rect(a->mouse_x, a->mouse_y, g.gear);
    size_t n = s->model.n;
    if (a->mouse_in && !over_ui && n > 0) {
        size_t grids = s->layout.n_grids < ATTN_HEADS_MAX ? s->layout.n_grids : ATTN_HEADS_MAX;
        for (size_t k = 0; k < grids; k++) {
            const app_cell_map *m = &s->layout.grids[k];
            if (m->head < 0 || m->rect.w <= 0 || m->rect.h <= 0) continue;
            if (!in_rect(a->mouse_x, a->mouse_y, m->rect)) continue;
            long j = (long)(a->mouse_x - m->rect.x) * (long)n / m->rect.w;
            long i = (long)(a->mouse_y - m->rect.y) * (long)n / m->rect.h;
            s->hover_head = m->head;
            s->hover_i = (int)(i < (long)n ? i : (long)n - 1);
            s->hover_j = (int)(j < (long)n ? j : (long)n - 1);
            break;
        }
    }

    /* status messages fade out after a while; errors stay longer */
    Uint32 now = SDL_GetTicks();
    if (strcmp(s->message, a->seen_message) != 0) {
        snprintf(a->seen_message, sizeof a->seen_message, "%s", s->message);
        a->message_at = now;
    } else if (s->message[0] &&
               now - a->message_at > (Uint32)(s->message_is_error ? ERROR_MS : MESSAGE_MS)) {
        s->message[0] = '\0';
        s->message_is_error = false;
        a->seen_message[0] = '\0';
    }
}

static void draw(window_app *a) {
    update_sizes(a);
    geometry g = layout(a);
    SDL_Renderer *r = a->renderer;
    app_draw(r, a->text, &a->pool, &a->s, g.frame_w, a->out_h);
    /* whatever app_draw left set, the panel draws on the whole output */
    SDL_RenderSetViewport(r, NULL);
    SDL_RenderSetClipRect(r, NULL);
    SDL_RenderSetScale(r, 1.0f, 1.0f);
    if (a->s.show_settings) {
        ui_begin(&a->ui, NULL, a->s.theme, g.px, g.panel, UI_KEYBOARD | UI_SCROLL | UI_BACKGROUND);
        settings_panel_run(&a->panel, &a->ui, &a->s);
        ui_end(&a->ui);
    } else if (g.gear_shown) {
        ui_begin(&a->ui, NULL, a->s.theme, g.gear_px, g.gear, 0);
        ui_button(&a->ui, "gear", GEAR_LABEL);
        ui_end(&a->ui);
    }
    if (a->picker.open) picker_draw(a, g.px);
    if (a->shot_pending) {
        a->shot_pending = false;
        save_screenshot(a);
    }
    SDL_RenderPresent(r);
}

/* ---- set-up ---------------------------------------------------------------------------- */

static SDL_Renderer *make_renderer(SDL_Window *w, bool *vsync) {
    /* SDL_CreateRenderer honours SDL_RENDER_DRIVER (the hint) by itself. */
    SDL_Renderer *r = SDL_CreateRenderer(w, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!r) r = SDL_CreateRenderer(w, -1, SDL_RENDERER_ACCELERATED);
    if (!r) r = SDL_CreateRenderer(w, -1, SDL_RENDERER_SOFTWARE);
    SDL_RendererInfo info;
    *vsync = r && SDL_GetRendererInfo(r, &info) == 0 && (info.flags & SDL_RENDERER_PRESENTVSYNC) &&
             strcmp(info.name, "software") != 0; /* software does not wait for vsync */
    return r;
}

static int fail(char *err, size_t err_len, const char *what) {
    snprintf(err, err_len, "no display available (SDL: %s): " NO_DISPLAY_FIX, what);
    return 2;
}

int app_window_run(const state_settings *settings, const theme *t, const char *lesson_path, char *err,
                   size_t err_len) {
    /* Clicking into the window also acts; a fullscreen lesson on a projector
     * does not minimise when the teacher clicks on the laptop's screen. */
    SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    /* With no display named at all, skip the Wayland probe: it only prints
     * a warning about XDG_RUNTIME_DIR before failing. */
    const char *asked = getenv("SDL_VIDEODRIVER");
    const char *x11 = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
    if (!(asked && *asked) && !(x11 && *x11) && !(wayland && *wayland))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11,kmsdrm");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) return fail(err, err_len, SDL_GetError());
    /* The offscreen and dummy drivers open "windows" no one can see: only
     * when asked for by name. */
    const char *driver = SDL_GetCurrentVideoDriver();
    if (driver && (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0) &&
        !(asked && *asked)) {
        char why[128];
        snprintf(why, sizeof why, "only the %s video driver is available", driver);
        SDL_Quit();
        return fail(err, err_len, why);
    }

    window_app *a = calloc(1, sizeof *a);
    if (!a) {
        SDL_Quit();
        snprintf(err, err_len, "out of memory for the window");
        return 2;
    }
    draw_pool_init(&a->pool);
    int rc = 2;
    bool ttf = false, img = false;
    char font[1024];

    SDL_Rect usable;
    int w = DEFAULT_W, h = DEFAULT_H;
    if (SDL_GetDisplayUsableBounds(0, &usable) == 0) { /* smaller on a small screen */
        if (usable.w < w) w = usable.w > MIN_W ? usable.w : MIN_W;
        if (usable.h < h) h = usable.h > MIN_H ? usable.h : MIN_H;
    }
    a->window = SDL_CreateWindow("attnviz", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                                 SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!a->window) {
        fail(err, err_len, SDL_GetError());
        goto done;
    }
    SDL_SetWindowMinimumSize(a->window, MIN_W, MIN_H);
    a->renderer = make_renderer(a->window, &a->vsync);
    if (!a->renderer) {
        snprintf(err, err_len, "cannot draw in the window (SDL: %s): try SDL_RENDER_DRIVER=software",
                 SDL_GetError());
        goto done;
    }
    if (TTF_Init() != 0) {
        snprintf(err, err_len, "cannot start SDL_ttf: %s", TTF_GetError());
        goto done;
    }
    ttf = true;
    img = (IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) != 0; /* IMG_SavePNG works without it too */
    if (text_find_font(font, sizeof font, err, err_len) != 0) goto done;
    a->text = text_cache_create(a->renderer, font, err, err_len);
    if (!a->text) goto done;
    if (app_state_init(&a->s, settings, err, err_len) != 0) goto done;
    if (t) a->s.theme = t;
    if (lesson_path) {
        if (app_lesson_open(&a->s, lesson_path, err, err_len) != 0) goto done;
        a->stop_at_end = true; /* the first step's stage plays once */
    }
    ui_init(&a->ui, a->renderer, a->text, font);
    settings_panel_init(&a->panel, &a->s);
    SDL_StopTextInput(); /* typing is on only while a text field is edited */
    update_sizes(a);
    a->stats = getenv("ATTNVIZ_FRAME_STATS") && *getenv("ATTNVIZ_FRAME_STATS") == '1';
    a->stats_at = SDL_GetTicks();

    Uint64 freq = SDL_GetPerformanceFrequency(), prev = SDL_GetPerformanceCounter();
    while (!a->quit) {
        /* Nothing moves: sleep until input comes (a laptop in a classroom
         * runs on battery). The timeouts keep a caret blinking and let a
         * message fade. */
        SDL_Event ev;
        if (!a->s.playing) {
            int wait = app_overview_busy(&a->s) ? 30 : ui_typing(&a->ui) ? 100
                                                     : a->s.message[0]  ? 250
                                                                        : 1000;
            if (SDL_WaitEventTimeout(&ev, wait)) on_event(a, &ev);
        }
        while (!a->quit && SDL_PollEvent(&ev)) on_event(a, &ev);
        if (a->quit) break;

        Uint64 now = SDL_GetPerformanceCounter();
        float dt = (float)((double)(now - prev) / (double)freq);
        prev = now;
        if (dt > 0.1f) dt = 0.1f; /* after a stall (a drag, a sleep) do not jump ahead */
        update(a, dt);
        draw(a);

        Uint64 end = SDL_GetPerformanceCounter();
        double frame_ms = (double)(end - now) * 1000.0 / (double)freq;
        if (a->stats) {
            a->stats_draw_ms += frame_ms;
            a->stats_frames++;
            if (SDL_GetTicks() - a->stats_at >= 2000) {
                fprintf(stderr, "attnviz: %d frames, update+draw+present %.2f ms mean, %dx%d\n",
                        a->stats_frames, a->stats_draw_ms / a->stats_frames, a->out_w, a->out_h);
                a->stats_draw_ms = 0;
                a->stats_frames = 0;
                a->stats_at = SDL_GetTicks();
            }
        }
        if (!a->vsync && frame_ms < FRAME_MS) SDL_Delay((Uint32)(FRAME_MS - frame_ms));
    }
    rc = 0;

done:
    app_overview_free(&a->s); /* stops and joins live training first */
    ui_free(&a->ui);
    text_cache_destroy(a->text);
    draw_pool_free(&a->pool); /* the frame's textures belong to this renderer */
    app_state_free(&a->s);
    if (a->renderer) SDL_DestroyRenderer(a->renderer);
    if (a->window) SDL_DestroyWindow(a->window);
    free(a);
    if (img) IMG_Quit();
    if (ttf) TTF_Quit();
    SDL_Quit();
    return rc;
}
