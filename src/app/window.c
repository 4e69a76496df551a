/* The window and its main loop (in the style of raylib's examples and
 * Chocolate Doom's loop): input -> update(dt) -> app_draw -> panel -> present.
 * Animation time advances by the measured dt, so what is on screen does not
 * depend on the frame rate. Keys and the mouse are input.c's, the lesson
 * picker picker.c's. */
#define _POSIX_C_SOURCE 200809L
#include "window.h"
#include "window_app.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

#include "png.h"
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
};

geometry window_layout(window_app *a) {
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

void window_update_sizes(window_app *a) {
    int ww = 1, wh = 1;
    SDL_GetWindowSize(a->window, &ww, &wh);
    if (SDL_GetRendererOutputSize(a->renderer, &a->out_w, &a->out_h) != 0) {
        a->out_w = ww;
        a->out_h = wh;
    }
    a->scale_x = ww > 0 ? (float)a->out_w / (float)ww : 1.0f;
    a->scale_y = wh > 0 ? (float)a->out_h / (float)wh : 1.0f;
}

void window_say(window_app *a, bool error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->s.message, sizeof a->s.message, fmt, ap);
    va_end(ap);
    a->s.message_is_error = error;
}

/* ---- screenshots ------------------------------------------------------------------ */

/* Whether path is a folder. */
static bool is_folder(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* attnviz-YYYYMMDD-HHMMSS.png in $ATTNVIZ_SCREENSHOT_DIR, else in
 * ~/Pictures when there is one (where a desktop keeps screenshots, not the
 * folder the app was started from, which may be a source tree), else in
 * the current folder; a suffix -2, -3, ... when one was saved in the same
 * second. */
static void screenshot_path(char *path, size_t len) {
    const char *dir = getenv("ATTNVIZ_SCREENSHOT_DIR");
    char pictures[1024];
    if (!dir || !*dir) {
        const char *home = getenv("HOME");
        dir = ".";
        if (home && *home && (size_t)snprintf(pictures, sizeof pictures, "%s/Pictures", home) <
                                 sizeof pictures &&
            is_folder(pictures))
            dir = pictures;
    }
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
        window_say(a, true, "screenshot failed: %s", SDL_GetError());
        return;
    }
    /* The one checked writer: a temporary file renamed into place only when
     * whole, so a file with the final name is always a whole PNG (a viewer
     * or a script watching the folder never reads half of one), and a failed
     * write leaves nothing. */
    char err[1400];
    if (SDL_RenderReadPixels(a->renderer, NULL, SDL_PIXELFORMAT_RGB24, surf->pixels, surf->pitch) != 0) {
        window_say(a, true, "screenshot failed: cannot read the frame (%s)", SDL_GetError());
    } else if (app_save_png(surf, path, err, sizeof err) != ATTN_OK) {
        window_say(a, true, "%s: set ATTNVIZ_SCREENSHOT_DIR to a folder you can write", err);
    } else {
        printf("%s\n", path);
        fflush(stdout);
#ifdef __EMSCRIPTEN__
        /* the page hands the file over as a download (loader.js reads the
         * path printed above): the browser's downloads, not this path */
        window_say(a, false, "downloaded %s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
#else
        window_say(a, false, "saved %s", path);
#endif
    }
    SDL_FreeSurface(surf);
}

#ifndef __EMSCRIPTEN__ /* the browser paces its loop itself (web_tick) */
/* Waits up to ms milliseconds for an event, in steps of at most 10 ms.
 * Not SDL_WaitEventTimeout: on X11 it wakes itself by sending an event to
 * the window over a second X connection, and when the X server is busy
 * that event can be handled after the window is destroyed at quit; Xlib
 * then ends the program with BadWindow and status 1. A short sleep between
 * polls keeps an idle window idle (about 100 wake-ups a second) and a key
 * shows within 10 ms, well inside a frame. */
static bool wait_event(SDL_Event *ev, int ms) {
    Uint32 start = SDL_GetTicks();
    for (;;) {
        if (SDL_PollEvent(ev)) return true;
        Uint32 spent = SDL_GetTicks() - start;
        if (spent >= (Uint32)ms) return false;
        Uint32 left = (Uint32)ms - spent;
        SDL_Delay(left < 10 ? left : 10);
    }
}
#endif

/* A GPT-2 takes seconds to map and prepare: the window says so rather than
 * stay black until the first frame. */
static void loading_frame(window_app *a, const state_settings *settings) {
    if (settings->source != STATE_SOURCE_TRAINED || !state_model_is_gpt2(settings->model_path))
        return;
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {} /* the window mapped: the X server shows it */
    const theme *th = theme_dark();
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(a->renderer, &w, &h);
    SDL_SetRenderDrawColor(a->renderer, th->background.r, th->background.g, th->background.b, 255);
    SDL_RenderClear(a->renderer);
    char line[STATE_PATH_MAX + 64];
    snprintf(line, sizeof line, "reading GPT-2 from %s \xE2\x80\xA6", settings->model_path);
    int px = app_type_px(h, 1.0f);
    text_draw(a->text, line, px, th->text, w / 2, h / 2, TEXT_CENTER | TEXT_MIDDLE);
    SDL_RenderPresent(a->renderer);
}

#ifdef __EMSCRIPTEN__
/* The page puts files the user picked in /uploads/N/ (loader.js): a
 * message names them as the user knows them, by their names alone. */
static void drop_upload_folders(char *m) {
    static const char prefix[] = "/uploads/";
    char *at;
    while ((at = strstr(m, prefix)) != NULL) {
        char *p = at + sizeof prefix - 1;
        while (*p >= '0' && *p <= '9') p++;
        if (*p != '/' || p == at + sizeof prefix - 1) return; /* not a folder the page made */
        memmove(at, p + 1, strlen(p + 1) + 1);
    }
}
#endif

/* ---- update and draw ----------------------------------------------------------------- */

static void update(window_app *a, float dt) {
    app_state *s = &a->s;
    bool was_playing = s->playing;
    app_model_poll(s); /* a GPT-2's run on its thread, when it ends */
    /* its stage replays once, as after any new setting (window_on_event) */
    if (!was_playing && s->playing) a->stop_at_end = true;
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
    geometry g = window_layout(a);
    s->hover_head = s->hover_i = s->hover_j = -1;
    s->hover_x = a->mouse_x;
    s->hover_y = a->mouse_y;
    if (!a->mouse_in) s->hover_x = s->hover_y = -1; /* the overview reads these alone */
    bool over_ui = s->show_settings ? in_rect(a->mouse_x, a->mouse_y, g.panel)
                                    : g.gear_shown && in_rect(a->mouse_x, a->mouse_y, g.gear);
    /* a map is n rows (queries) × nk columns (keys: the other sentence's in cross-attention) */
    size_t n = s->model.n, nk = s->model.n_keys ? s->model.n_keys : n;
    if (a->mouse_in && !over_ui && n > 0) {
        size_t grids = s->layout.n_grids < ATTN_HEADS_MAX ? s->layout.n_grids : ATTN_HEADS_MAX;
        for (size_t k = 0; k < grids; k++) {
            const app_cell_map *m = &s->layout.grids[k];
            if (m->head < 0 || m->rect.w <= 0 || m->rect.h <= 0) continue;
            if (!in_rect(a->mouse_x, a->mouse_y, m->rect)) continue;
            long j = (long)(a->mouse_x - m->rect.x) * (long)nk / m->rect.w;
            long i = (long)(a->mouse_y - m->rect.y) * (long)n / m->rect.h;
            s->hover_head = m->head;
            s->hover_i = (int)(i < (long)n ? i : (long)n - 1);
            s->hover_j = (int)(j < (long)nk ? j : (long)nk - 1);
            break;
        }
    }

    /* status messages fade out after a while; errors stay longer */
    Uint32 now = SDL_GetTicks();
#ifdef __EMSCRIPTEN__
    drop_upload_folders(s->message);
#endif
    if (strcmp(s->message, a->seen_message) != 0) {
        snprintf(a->seen_message, sizeof a->seen_message, "%s", s->message);
        a->message_at = now;
#ifdef __EMSCRIPTEN__
        /* The page's console shows what the status line says (its tests read it too). */
        if (s->message[0]) fprintf(stderr, "attnviz: %s\n", s->message);
#endif
    } else if (s->message[0] &&
               now - a->message_at > (Uint32)(s->message_is_error ? ERROR_MS : MESSAGE_MS)) {
        s->message[0] = '\0';
        s->message_is_error = false;
        a->seen_message[0] = '\0';
    }
}

static void draw(window_app *a) {
    window_update_sizes(a);
    geometry g = window_layout(a);
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
    a->drawn_at = SDL_GetPerformanceCounter();
    SDL_RenderPresent(r);
}

/* ---- the main loop ---------------------------------------------------------------------- */

/* How long an idle window waits for input before it draws anyway: the
 * timeouts keep a caret blinking and let a message fade. */
static int idle_wait_ms(window_app *a) {
    if (a->open_later) return 0;
    return app_overview_busy(&a->s) ? 30 : ui_typing(&a->ui) ? 100 : a->s.message[0] ? 250 : 1000;
}

/* The events that came, then update and draw; returns the frame's time in
 * milliseconds (update, draw and present). */
static double frame(window_app *a) {
    SDL_Event ev;
    while (!a->quit && SDL_PollEvent(&ev)) window_on_event(a, &ev);
    if (a->quit) return 0.0;

    Uint64 freq = SDL_GetPerformanceFrequency(), now = SDL_GetPerformanceCounter();
    float dt = (float)((double)(now - a->prev) / (double)freq);
    a->prev = now;
    if (dt > 0.1f) dt = 0.1f; /* after a stall (a drag, a sleep) do not jump ahead */
    update(a, dt);
    draw(a);
    a->drawn = true;
    a->idle_since = SDL_GetTicks();
    window_open_later(a);

    Uint64 end = SDL_GetPerformanceCounter();
    double frame_ms = (double)(end - now) * 1000.0 / (double)freq;
    if (a->stats_each) /* update and draw, then with the present (which may wait) */
        fprintf(stderr, "attnviz: frame %.3f ms drawn, %.3f ms presented\n",
                (double)(a->drawn_at - now) * 1000.0 / (double)freq, frame_ms);
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
    return frame_ms;
}

/* Stops live training, frees the window's state and closes SDL. */
static void window_close(window_app *a) {
    app_overview_free(&a->s); /* stops and joins live training first */
    free(a->open_later);
    ui_free(&a->ui);
    text_cache_destroy(a->text);
    draw_pool_free(&a->pool); /* the frame's textures belong to this renderer */
    app_state_free(&a->s);
    if (a->renderer) SDL_DestroyRenderer(a->renderer);
    if (a->window) SDL_DestroyWindow(a->window);
    bool img = a->img, ttf = a->ttf;
    free(a);
    if (img) IMG_Quit();
    if (ttf) TTF_Quit();
    SDL_Quit();
}

#ifdef __EMSCRIPTEN__
/* One display frame in the browser, which paces the loop itself (no
 * sleeping inside the program, so it needs no ASYNCIFY). Idle, it draws as
 * the desktop's loop does: when input came or the idle wait is over. */
static void web_tick(void *arg) {
    window_app *a = arg;
    if (!a->s.playing && a->drawn) {
        SDL_Event ev;
        if (SDL_PollEvent(&ev)) window_on_event(a, &ev);
        else if (SDL_GetTicks() - a->idle_since < (Uint32)idle_wait_ms(a)) return;
    }
    if (!a->quit) frame(a);
    if (a->quit) {
        emscripten_cancel_main_loop();
        window_close(a);
        exit(0);
    }
}
#endif

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

int app_window_run(const state_settings *settings, const theme *t, bool present,
                   const char *lesson_path, int stage, char *err, size_t err_len) {
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
    a->ttf = true;
    a->img = (IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) != 0; /* IMG_SavePNG works without it too */
    if (text_find_font(font, sizeof font, err, err_len) != 0) goto done;
    a->text = text_cache_create(a->renderer, font, err, err_len);
    if (!a->text) goto done;
    loading_frame(a, settings);
    if (app_state_init(&a->s, settings, err, err_len) != 0) goto done;
    if (t) a->s.theme = t;
    if (stage >= 0 && stage < STATE_STAGE_COUNT) a->s.stage = (state_stage)stage;
    a->s.present = present;
    if (lesson_path) {
        if (app_lesson_open(&a->s, lesson_path, err, err_len) != 0) goto done;
        a->stop_at_end = true; /* the first step's stage plays once */
    }
    ui_init(&a->ui, a->renderer, a->text, font);
    settings_panel_init(&a->panel, &a->s);
    SDL_StopTextInput(); /* typing is on only while a text field is edited */
    window_update_sizes(a);
    const char *stats = getenv("ATTNVIZ_FRAME_STATS");
    a->stats = stats && *stats == '1';
    a->stats_each = stats && strcmp(stats, "each") == 0;
    a->stats_at = SDL_GetTicks();

    a->prev = SDL_GetPerformanceCounter();
#ifdef __EMSCRIPTEN__
    /* The browser calls web_tick once per display frame; this call does not
     * return (the teardown runs when the app quits, in web_tick). */
    emscripten_set_main_loop_arg(web_tick, a, 0, 1);
#else
    while (!a->quit) {
        /* Nothing moves: sleep until input comes (a laptop in a classroom
         * runs on battery). */
        SDL_Event ev;
        if (!a->s.playing && a->drawn && wait_event(&ev, idle_wait_ms(a))) window_on_event(a, &ev);
        double frame_ms = frame(a);
        if (a->quit) break;
        if (!a->vsync && frame_ms < FRAME_MS) SDL_Delay((Uint32)(FRAME_MS - frame_ms));
    }
#endif
    rc = 0;

done:
    window_close(a);
    return rc;
}
