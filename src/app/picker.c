/* The lesson picker (L in the window): the lessons of lessons/ with their
 * titles, or the first error of one that does not parse; Enter or a click
 * opens one. */
#include "window_app.h"

#include <stdio.h>
#include <string.h>

#include "paths.h"
#include "trained.h"

static void keep_first(void *ctx, const char *error) {
    char *err = ctx;
    if (err[0] == '\0') snprintf(err, APP_ERR_LEN, "%s", error);
}

/* Lists the lessons afresh each time: a teacher may fix one and press L. */
void picker_open(window_app *a) {
    lesson_picker *p = &a->picker;
    char dir[STATE_PATH_MAX], why[APP_ERR_LEN - 16];
    p->n = 0;
    p->sel = 0;
    if (state_lessons_dir(dir, sizeof dir, why, sizeof why) != 0) {
        window_say(a, true, "%s", why);
        return;
    }
    int found = state_lesson_files(dir, p->path, PICKER_MAX);
    if (found < 0) {
        window_say(a, true, "no lessons folder '%s': set ATTNVIZ_DATA_DIR or reinstall attnviz",
                   dir);
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
            snprintf(p->label[i], sizeof p->label[0], "%.40s  cannot be opened (the reason is below "
                     "when it is chosen)", base);
            snprintf(p->why[i], sizeof p->why[0], "%s", first);
        } else {
            snprintf(p->label[i], sizeof p->label[0], "%.40s  %.300s  (%zu step%s)", base, l.title,
                     l.n_steps, l.n_steps == 1 ? "" : "s");
            lesson_free(&l);
        }
    }
    if (p->n == 0) window_say(a, true, "no lessons in %s", dir);
    else p->open = true;
}

static void picker_choose(window_app *a) {
    lesson_picker *p = &a->picker;
    if (p->sel >= p->n) return;
    if (p->bad[p->sel]) {
        window_say(a, true, "%s", p->why[p->sel]);
        return; /* stays open: the reason is there to read, in full */
    }
    char err[APP_ERR_LEN];
    if (app_lesson_open(&a->s, p->path[p->sel], err, sizeof err) != 0) {
        /* the title stays; the reason goes under the list, wrapped */
        snprintf(p->why[p->sel], sizeof p->why[0], "%s", err);
        p->bad[p->sel] = true;
        window_say(a, true, "%s", err);
        return;
    }
    p->open = false;
    a->s.show_settings = false;
    a->stop_at_end = true;
    window_say(a, false, "lesson: %s", a->s.lesson->player.lesson.title);
}

void picker_key(window_app *a, SDL_Keycode k) {
    lesson_picker *p = &a->picker;
    if (k == SDLK_DOWN && p->sel + 1 < p->n) p->sel++;
    else if (k == SDLK_UP && p->sel > 0) p->sel--;
    else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) picker_choose(a);
    else if (k == SDLK_ESCAPE || k == SDLK_l) p->open = false;
    else if (k == SDLK_q) a->quit = true;
}

/* A click on a lesson opens it; a click outside the list closes the picker. */
void picker_click(window_app *a, int x, int y) {
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

/* s wrapped into lines of at most max_w at px, drawn from y down (at most
 * max_lines; the last one cut with "…" if the text goes on). */
static void draw_wrapped(window_app *a, const char *s, int px, SDL_Color col, int x, int y,
                         int max_w, int line, int max_lines) {
    char buf[APP_ERR_LEN];
    for (int l = 0; l < max_lines && *s; l++) {
        while (*s == ' ') s++;
        size_t fit = 0, end = 0, len = strlen(s);
        for (;;) { /* the longest run of whole words that fits */
            while (end < len && s[end] != ' ') end++;
            if (end >= sizeof buf) break;
            memcpy(buf, s, end);
            buf[end] = '\0';
            int tw = 0;
            text_measure(a->text, buf, px, &tw, NULL);
            if (tw > max_w && fit > 0) break;
            fit = end;
            if (tw > max_w || end >= len) break;
            end++;
        }
        bool cut = l + 1 == max_lines && fit < len; /* no line left: say it goes on */
        if (cut && fit > 0) /* room for the "…" */
            while (fit > 0 && s[fit - 1] != ' ') fit--;
        memcpy(buf, s, fit);
        snprintf(buf + fit, sizeof buf - fit, "%s", cut ? "\xE2\x80\xA6" : "");
        text_draw(a->text, buf, px, col, x, y + l * line, TEXT_LEFT | TEXT_MIDDLE);
        s += fit;
    }
}

/* The picker over the frame: one line per lesson, the chosen one outlined;
 * under the list, the reason the chosen one cannot be opened. */
void picker_draw(window_app *a, int px) {
    lesson_picker *p = &a->picker;
    p->n_rows = 0;
    const theme *th = a->s.theme ? a->s.theme : theme_dark();
    int line = px * 3 / 2, w = a->out_w, h = a->out_h;
    int pw = w - 2 * px > 60 * px ? 60 * px : w - 2 * px;
    enum { WHY_LINES = 5 };
    bool why = p->sel < p->n && p->bad[p->sel];
    int rows = (int)p->n + (why ? WHY_LINES : 0), ph = (rows + 3) * line;
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
    int fit = (ph - 2 * line) / line - (why ? WHY_LINES : 0);
    size_t first = fit > 0 && p->sel >= (size_t)fit ? p->sel - (size_t)fit + 1 : 0;
    int last_y = y - line;
    for (size_t i = first; i < p->n && y < panel.y + ph; i++, y += line) {
        last_y = y;
        SDL_Rect row = {panel.x + px / 2, y - line / 2, pw - px, line};
        p->row[p->n_rows] = row;
        p->row_of[p->n_rows++] = i;
        if (i == p->sel) draw_outline(a->renderer, row, th->accent, 2);
        text_draw(a->text, p->label[i], px, p->bad[i] ? th->error : th->text, x, y,
                  TEXT_LEFT | TEXT_MIDDLE);
        if (fit > 0 && (int)(i - first) + 1 >= fit) break;
    }
    if (why)
        draw_wrapped(a, p->why[p->sel], px, th->error, x, last_y + line + line / 3, pw - 2 * px,
                     line, WHY_LINES);
    SDL_RenderSetClipRect(a->renderer, NULL);
}
