/* Private to the widget set: what ui.c (the context, passes, layout and
 * most widgets) and ui_text_field.c (the text field and its UTF-8) share.
 * Not for callers of ui.h. */
#ifndef ATTNVIZ_APP_UI_PRIVATE_H
#define ATTNVIZ_APP_UI_PRIVATE_H

#include "ui.h"

/* ---- small helpers ----------------------------------------------------------------- */

static inline uint32_t hash_id(const char *id) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = id; *c; c++) h = (h ^ (unsigned char)*c) * 16777619u;
    return h ? h : 1; /* 0 means "no widget" */
}

static inline int pad(const ui_context *ui) { return ui->px / 2 > 2 ? ui->px / 2 : 2; }
static inline int gap(const ui_context *ui) { return ui->px / 3 > 2 ? ui->px / 3 : 2; }
static inline int row_height(const ui_context *ui) { return ui->px * 9 / 5; }

static inline void fill(SDL_Renderer *r, SDL_Rect rect, SDL_Color c) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(r, &rect);
}

/* An outline t pixels thick, inside rect. */
static inline void outline(SDL_Renderer *r, SDL_Rect rect, SDL_Color c, int t) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    for (int i = 0; i < t && rect.w > 2 * i && rect.h > 2 * i; i++) {
        SDL_Rect o = {rect.x + i, rect.y + i, rect.w - 2 * i, rect.h - 2 * i};
        SDL_RenderDrawRect(r, &o);
    }
}

static inline bool inside(int x, int y, SDL_Rect r) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* Width of the area inside its padding, at least 1. */
static inline int inner_w(const ui_context *ui) {
    int w = ui->area.w - 2 * pad(ui);
    return w > 1 ? w : 1;
}

static inline bool hovered(const ui_context *ui, SDL_Rect r) {
    return inside(ui->mouse_x, ui->mouse_y, r) && inside(ui->mouse_x, ui->mouse_y, ui->area);
}

/* True in a draw pass, false in an event pass. */
static inline bool drawing(const ui_context *ui) { return ui->event == NULL; }

/* ---- ui.c ---------------------------------------------------------------------------- */

/* Width in pixels of the first len bytes of s at the current size. */
int ui_measure(ui_context *ui, const char *s, size_t len);
/* Draws the first len bytes of s at the current size (at most what the
 * text cache keeps, cut on a code point boundary). */
void ui_text_at(ui_context *ui, const char *s, size_t len, SDL_Color c, int x, int y, int align);
/* Ends editing a text field, without applying anything. */
void ui_stop_editing(ui_context *ui);
/* The rectangle of the next widget, w×h, in scrolled coordinates. */
SDL_Rect ui_place(ui_context *ui, int w, int h);
/* Registers a focusable widget; true when it has the focus. */
bool ui_focusable(ui_context *ui, uint32_t id, SDL_Rect r);
/* The key pressed on the focused widget id in this event pass, or 0. */
SDL_Keycode ui_key_for(const ui_context *ui, uint32_t id);
/* A framed box: fill, then an outline whose thickness says focus. */
void ui_box(ui_context *ui, SDL_Rect r, SDL_Color bg, bool focused, bool hot);

/* ---- ui_text_field.c ----------------------------------------------------------------- */

/* The code point boundary after byte offset i of s[0..len). A stray byte
 * counts as one, so the caret never gets stuck. */
size_t ui_next_cp(const char *s, size_t len, size_t i);

#endif
