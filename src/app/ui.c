/* The widget set and the settings panel (see ui.h). Sizes follow the type
 * size px, so the panel grows with Ctrl + and with the window. */
#include "ui.h"

#include "trained.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- small helpers --------------------------------------------------------------- */

static uint32_t hash_id(const char *id) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = id; *c; c++) h = (h ^ (unsigned char)*c) * 16777619u;
    return h ? h : 1; /* 0 means "no widget" */
}

static int pad(const ui_context *ui) { return ui->px / 2 > 2 ? ui->px / 2 : 2; }
static int gap(const ui_context *ui) { return ui->px / 3 > 2 ? ui->px / 3 : 2; }
static int row_height(const ui_context *ui) { return ui->px * 9 / 5; }

static void fill(SDL_Renderer *r, SDL_Rect rect, SDL_Color c) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(r, &rect);
}

/* An outline t pixels thick, inside rect. */
static void outline(SDL_Renderer *r, SDL_Rect rect, SDL_Color c, int t) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    for (int i = 0; i < t && rect.w > 2 * i && rect.h > 2 * i; i++) {
        SDL_Rect o = {rect.x + i, rect.y + i, rect.w - 2 * i, rect.h - 2 * i};
        SDL_RenderDrawRect(r, &o);
    }
}

static bool inside(int x, int y, SDL_Rect r) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static TTF_Font *measuring_font(ui_context *ui) {
    for (int i = 0; i < UI_FONT_SIZES; i++)
        if (ui->fonts[i] && ui->font_px[i] == ui->px) return ui->fonts[i];
    int slot = ui->next_font; /* round robin: sizes change rarely */
    ui->next_font = (ui->next_font + 1) % UI_FONT_SIZES;
    if (ui->fonts[slot]) TTF_CloseFont(ui->fonts[slot]);
    ui->fonts[slot] = TTF_OpenFont(ui->font_path, ui->px);
    ui->font_px[slot] = ui->px;
    return ui->fonts[slot];
}

/* Width in pixels of the first len bytes of s at the current size. */
static int measure(ui_context *ui, const char *s, size_t len) {
    char buf[STATE_SENTENCE_MAX];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int w = 0, h = 0;
    TTF_Font *f = measuring_font(ui);
    if (!f || TTF_SizeUTF8(f, buf, &w, &h) != 0) w = (int)len * ui->px / 2;
    return w;
}

static int measure_str(ui_context *ui, const char *s) { return measure(ui, s, strlen(s)); }

/* The text cache keeps at most 512 bytes of a string: stay under it, on a
 * code point boundary. */
static size_t drawable_len(const char *s, size_t len) {
    if (len <= 500) return len;
    len = 500;
    while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) len--;
    return len;
}

static void text_at(ui_context *ui, const char *s, size_t len, SDL_Color c, int x, int y,
                    int align) {
    if (len) text_draw_n(ui->text, s, drawable_len(s, len), ui->px, c, x, y, align);
}

/* ---- UTF-8 ---------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..len), or 0 when it is not one
 * (overlong forms, surrogates and values past U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *s, size_t len) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
    else return 0;
    if (len < n) return 0;
    unsigned cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* Byte offset of the first invalid sequence in s[0..len), or len. */
static size_t utf8_invalid_at(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(u + i, len - i);
        if (!n) return i;
        i += n;
    }
    return len;
}

/* The code point boundary after / before byte offset i. A stray byte counts
 * as one, so the caret never gets stuck. */
static size_t next_cp(const char *s, size_t len, size_t i) {
    if (i >= len) return len;
    size_t n = utf8_seq((const unsigned char *)s + i, len - i);
    return i + (n ? n : 1);
}

static size_t prev_cp(const char *s, size_t i) {
    if (i == 0) return 0;
    size_t j = i - 1;
    while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80) j--;
    return j;
}

/* ---- context and passes ------------------------------------------------------- */

void ui_init(ui_context *ui, SDL_Renderer *r, text_cache *tc, const char *font_path) {
    memset(ui, 0, sizeof *ui);
    ui->renderer = r;
    ui->text = tc;
    snprintf(ui->font_path, sizeof ui->font_path, "%s", font_path);
    ui->px = 16;
}

void ui_free(ui_context *ui) {
    if (!ui) return;
    for (int i = 0; i < UI_FONT_SIZES; i++) {
        if (ui->fonts[i]) TTF_CloseFont(ui->fonts[i]);
        ui->fonts[i] = NULL;
    }
    if (ui->editing) SDL_StopTextInput();
    ui->editing = false;
}

static void stop_editing(ui_context *ui) {
    if (ui->editing) SDL_StopTextInput();
    ui->editing = false;
}

void ui_clear_focus(ui_context *ui) {
    stop_editing(ui);
    ui->focus = 0;
    ui->active = 0;
}

bool ui_typing(const ui_context *ui) { return ui->editing; }

void ui_focus(ui_context *ui, const char *id) {
    stop_editing(ui);
    ui->focus = hash_id(id);
}

void ui_skip_focus(ui_context *ui) { ui->skip_focus = true; }

void ui_begin(ui_context *ui, const SDL_Event *ev, const theme *t, int px, SDL_Rect area,
              unsigned flags) {
    ui->event = ev;
    ui->consumed = false;
    ui->theme = t;
    ui->px = px < 6 ? 6 : px;
    ui->area = area;
    ui->flags = flags;
    ui->keyboard = (flags & UI_KEYBOARD) != 0;
    ui->label_w = ui->px * 7;
    ui->n_focus = 0;
    ui->row_y = area.y + pad(ui);
    ui->row_h = 0;
    ui->last_right = area.x;
    ui->same_line = false;
    ui->skip_focus = false;
    if (!(flags & UI_SCROLL)) ui->scroll = 0;
    if (ev && ev->type == SDL_MOUSEMOTION) ui->mouse_x = ev->motion.x, ui->mouse_y = ev->motion.y;
    if (ev && (ev->type == SDL_MOUSEBUTTONDOWN || ev->type == SDL_MOUSEBUTTONUP))
        ui->mouse_x = ev->button.x, ui->mouse_y = ev->button.y;
    if (!ev) {
        SDL_RenderSetClipRect(ui->renderer, &area);
        if (flags & UI_BACKGROUND) {
            fill(ui->renderer, area, t->panel);
            SDL_Rect edge = {area.x, area.y, px / 8 > 2 ? px / 8 : 2, area.h};
            fill(ui->renderer, edge, t->panel_border);
        }
    }
}

static int max_scroll(const ui_context *ui) {
    int m = ui->last_content_h - ui->area.h;
    return m > 0 ? m : 0;
}

static void clamp_scroll(ui_context *ui) {
    if (ui->scroll > max_scroll(ui)) ui->scroll = max_scroll(ui);
    if (ui->scroll < 0) ui->scroll = 0;
}

/* Moves the focus by step (+1 next, -1 previous) through this pass's
 * widgets and scrolls it into view. */
static void move_focus(ui_context *ui, int step) {
    if (ui->n_focus == 0) return;
    int at = -1;
    for (size_t i = 0; i < ui->n_focus; i++)
        if (ui->focus_ids[i] == ui->focus) at = (int)i;
    int n = (int)ui->n_focus;
    at = at < 0 ? (step > 0 ? 0 : n - 1) : ((at + step) % n + n) % n;
    ui->focus = ui->focus_ids[at];
    SDL_Rect r = ui->focus_rects[at]; /* scrolled coordinates */
    if (r.y < ui->area.y) ui->scroll -= ui->area.y - r.y + pad(ui);
    else if (r.y + r.h > ui->area.y + ui->area.h)
        ui->scroll += r.y + r.h - (ui->area.y + ui->area.h) + pad(ui);
    if (at == 0) ui->scroll = 0; /* the first widget: show the top, title included */
}

bool ui_end(ui_context *ui) {
    const SDL_Event *e = ui->event;
    ui->last_content_h = ui->row_y + ui->row_h + pad(ui) - ui->area.y;
    if (ui->keyboard && ui->focus) { /* the focused widget went away */
        bool found = false;
        for (size_t i = 0; i < ui->n_focus; i++) found |= ui->focus_ids[i] == ui->focus;
        if (!found) ui_clear_focus(ui);
    }
    if (e && !ui->consumed && ui->keyboard && e->type == SDL_KEYDOWN) {
        SDL_Keycode k = e->key.keysym.sym;
        bool shift = (e->key.keysym.mod & KMOD_SHIFT) != 0;
        if (k == SDLK_TAB || k == SDLK_DOWN || k == SDLK_UP) {
            move_focus(ui, k == SDLK_UP || (k == SDLK_TAB && shift) ? -1 : 1);
            ui->consumed = true;
        } else if (k == SDLK_PAGEDOWN || k == SDLK_PAGEUP) {
            ui->scroll += (k == SDLK_PAGEDOWN ? 1 : -1) * ui->area.h * 3 / 4;
            ui->consumed = true;
        }
    }
    if (e && (ui->flags & UI_SCROLL) && e->type == SDL_MOUSEWHEEL &&
        inside(ui->mouse_x, ui->mouse_y, ui->area)) {
        ui->scroll -= e->wheel.y * row_height(ui);
        ui->consumed = true;
    }
    /* The area is opaque to clicks: a click on its background is not a
     * click on the frame under it. */
    if (e && e->type == SDL_MOUSEBUTTONDOWN && inside(e->button.x, e->button.y, ui->area))
        ui->consumed = true;
    if (e && e->type == SDL_MOUSEBUTTONUP) ui->active = 0;
    clamp_scroll(ui);
    if (!e) {
        if ((ui->flags & UI_SCROLL) && max_scroll(ui) > 0) { /* a scroll bar: there is more */
            int bar_w = ui->px / 4 > 3 ? ui->px / 4 : 3;
            int track = ui->area.h;
            int thumb_h = track * ui->area.h / ui->last_content_h;
            if (thumb_h < ui->px) thumb_h = ui->px;
            int thumb_y = ui->area.y + (track - thumb_h) * ui->scroll / max_scroll(ui);
            SDL_Rect thumb = {ui->area.x + ui->area.w - bar_w - 1, thumb_y, bar_w, thumb_h};
            fill(ui->renderer, thumb, ui->theme->text_dim);
        }
        SDL_RenderSetClipRect(ui->renderer, NULL);
    }
    return ui->consumed;
}

/* ---- layout --------------------------------------------------------------------- */

void ui_same_line(ui_context *ui) { ui->same_line = true; }

void ui_space(ui_context *ui, float frac) {
    ui->row_y += ui->row_h + (int)((float)ui->px * frac);
    ui->row_h = 0;
    ui->last_right = ui->area.x;
}

static int inner_w(const ui_context *ui) {
    int w = ui->area.w - 2 * pad(ui);
    return w > 1 ? w : 1;
}

/* The rectangle of the next widget, w×h, in scrolled coordinates. */
static SDL_Rect place(ui_context *ui, int w, int h) {
    int left = ui->area.x + pad(ui), right = ui->area.x + ui->area.w - pad(ui);
    SDL_Rect r;
    if (ui->same_line && ui->row_h > 0 && ui->last_right + gap(ui) + w <= right) {
        r = (SDL_Rect){ui->last_right + gap(ui), ui->row_y, w, h};
        if (h > ui->row_h) ui->row_h = h;
    } else {
        if (ui->row_h > 0) ui->row_y += ui->row_h + gap(ui);
        r = (SDL_Rect){left, ui->row_y, w, h};
        ui->row_h = h;
    }
    ui->same_line = false;
    ui->last_right = r.x + r.w;
    r.y -= ui->scroll;
    return r;
}

/* Registers a focusable widget; true when it has the focus. */
static bool focusable(ui_context *ui, uint32_t id, SDL_Rect r) {
    bool skip = ui->skip_focus;
    ui->skip_focus = false;
    if (!ui->keyboard || skip) return false;
    if (ui->n_focus < UI_FOCUS_MAX) {
        ui->focus_ids[ui->n_focus] = id;
        ui->focus_rects[ui->n_focus] = r;
        ui->n_focus++;
    }
    return ui->focus == id;
}

/* The key pressed on the focused widget id in this event pass, or 0. */
static SDL_Keycode key_for(const ui_context *ui, uint32_t id) {
    const SDL_Event *e = ui->event;
    if (!e || ui->consumed || !ui->keyboard || ui->focus != id || e->type != SDL_KEYDOWN) return 0;
    return e->key.keysym.sym;
}

/* A left click inside r (and inside the visible area) in this event pass. */
static bool clicked_in(ui_context *ui, SDL_Rect r) {
    const SDL_Event *e = ui->event;
    return e && !ui->consumed && e->type == SDL_MOUSEBUTTONDOWN &&
           e->button.button == SDL_BUTTON_LEFT && inside(e->button.x, e->button.y, r) &&
           inside(e->button.x, e->button.y, ui->area);
}

/* Takes the click for widget id: it gets the focus, if it takes focus. */
static void take_click(ui_context *ui, uint32_t id) {
    ui->consumed = true;
    for (size_t i = 0; i < ui->n_focus; i++)
        if (ui->focus_ids[i] == id) ui->focus = id;
}

static bool hovered(const ui_context *ui, SDL_Rect r) {
    return inside(ui->mouse_x, ui->mouse_y, r) && inside(ui->mouse_x, ui->mouse_y, ui->area);
}

static bool drawing(const ui_context *ui) { return ui->event == NULL; }

/* A framed box: fill, then an outline whose thickness says focus. */
static void box(ui_context *ui, SDL_Rect r, SDL_Color bg, bool focused, bool hot) {
    const theme *t = ui->theme;
    fill(ui->renderer, r, bg);
    int thick = ui->px / 8 > 2 ? ui->px / 8 : 2;
    if (focused) outline(ui->renderer, r, t->accent, thick + 1);
    else outline(ui->renderer, r, hot ? t->text_dim : t->panel_border, hot ? 2 : 1);
}

/* A row's label in r: a ▶ before it when focused (a marker besides the
 * colour), clipped to r. */
static void label_in(ui_context *ui, SDL_Rect r, const char *label, bool focused) {
    if (!drawing(ui) || !label || !*label) return;
    if (focused)
        text_at(ui, "\xE2\x96\xB6", 3, ui->theme->accent, r.x, r.y + r.h / 2, TEXT_LEFT | TEXT_MIDDLE);
    int x = r.x + ui->px;
    SDL_Rect clip = {x, r.y, r.w - ui->px - gap(ui), r.h}, old, both;
    SDL_RenderGetClipRect(ui->renderer, &old);
    if (SDL_IntersectRect(&clip, &old, &both)) {
        SDL_RenderSetClipRect(ui->renderer, &both);
        text_at(ui, label, strlen(label), focused ? ui->theme->text : ui->theme->text_dim, x,
                r.y + r.h / 2, TEXT_LEFT | TEXT_MIDDLE);
        SDL_RenderSetClipRect(ui->renderer, &old);
    }
}

/* The width of the label column in a row w wide. */
static int label_width(const ui_context *ui, int w) {
    return ui->label_w < w / 2 ? ui->label_w : w / 2;
}

/* A label in the label column of a row; returns the control's rectangle. */
static SDL_Rect label_column(ui_context *ui, SDL_Rect row, const char *label, bool focused) {
    if (!label || !*label) return row;
    int lw = label_width(ui, row.w);
    label_in(ui, (SDL_Rect){row.x, row.y, lw, row.h}, label, focused);
    return (SDL_Rect){row.x + lw, row.y, row.w - lw, row.h};
}

/* ---- widgets ------------------------------------------------------------------- */

/* Splits text into lines no wider than max_w; calls back per line (or
 * counts when draw is false). Returns the number of lines. */
static int wrap(ui_context *ui, const char *text, int max_w, SDL_Color c, int x, int y,
                int line_h, bool draw) {
    size_t len = strlen(text), start = 0;
    int lines = 0;
    while (start < len) {
        while (start < len && text[start] == ' ') start++;
        if (start >= len) break;
        size_t best = 0; /* end of the longest piece that fits, at a space */
        for (size_t i = start; i <= len; i++) {
            if (i < len && text[i] != ' ') continue;
            if (measure(ui, text + start, i - start) <= max_w) best = i;
            else break;
        }
        if (best == 0) { /* one word longer than the line: break it by code points */
            best = next_cp(text, len, start);
            for (size_t i = best; i < len; i = next_cp(text, len, i)) {
                if (measure(ui, text + start, next_cp(text, len, i) - start) > max_w) break;
                best = next_cp(text, len, i);
            }
        }
        if (draw) text_at(ui, text + start, best - start, c, x, y + lines * line_h, TEXT_LEFT);
        lines++;
        start = best;
    }
    return lines;
}

void ui_label(ui_context *ui, const char *text, SDL_Color c) {
    int line_h = ui->px * 5 / 4;
    int w = measure_str(ui, text);
    if (w <= inner_w(ui)) {
        SDL_Rect r = place(ui, w, line_h);
        if (drawing(ui)) text_at(ui, text, strlen(text), c, r.x, r.y, TEXT_LEFT);
        return;
    }
    int lines = wrap(ui, text, inner_w(ui), c, 0, 0, line_h, false);
    SDL_Rect r = place(ui, inner_w(ui), lines * line_h);
    if (drawing(ui)) wrap(ui, text, inner_w(ui), c, r.x, r.y, line_h, true);
}

void ui_heading(ui_context *ui, const char *text) {
    int px = ui->px;
    ui->px = px * 6 / 5;
    int w = measure_str(ui, text);
    SDL_Rect r = place(ui, w < inner_w(ui) ? w : inner_w(ui), row_height(ui));
    if (drawing(ui))
        text_at(ui, text, strlen(text), ui->theme->text, r.x, r.y + r.h / 2, TEXT_LEFT | TEXT_MIDDLE);
    ui->px = px;
}

bool ui_button(ui_context *ui, const char *id, const char *label) {
    uint32_t uid = hash_id(id);
    int w = measure_str(ui, label) + 2 * pad(ui) + 2;
    if (w > inner_w(ui)) w = inner_w(ui);
    SDL_Rect r = place(ui, w, row_height(ui));
    bool focused = focusable(ui, uid, r);
    bool pressed = false;
    if (clicked_in(ui, r)) {
        take_click(ui, uid);
        pressed = true;
    }
    SDL_Keycode k = key_for(ui, uid);
    if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
        ui->consumed = true;
        pressed = true;
    }
    if (drawing(ui)) {
        box(ui, r, hovered(ui, r) ? ui->theme->tooltip : ui->theme->background, focused,
            hovered(ui, r));
        text_at(ui, label, strlen(label), ui->theme->text, r.x + r.w / 2, r.y + r.h / 2,
                TEXT_CENTER | TEXT_MIDDLE);
    }
    return pressed;
}

bool ui_toggle(ui_context *ui, const char *id, const char *label, bool *value) {
    uint32_t uid = hash_id(id);
    SDL_Rect row = place(ui, inner_w(ui), row_height(ui));
    bool focused = focusable(ui, uid, row);
    bool old = *value;
    if (clicked_in(ui, row)) {
        take_click(ui, uid);
        *value = !*value;
    }
    SDL_Keycode k = key_for(ui, uid);
    if (k == SDLK_RETURN || k == SDLK_KP_ENTER) *value = !*value, ui->consumed = true;
    if (k == SDLK_LEFT) *value = false, ui->consumed = true;
    if (k == SDLK_RIGHT) *value = true, ui->consumed = true;
    SDL_Rect c = label_column(ui, row, label, focused);
    if (drawing(ui)) {
        const theme *t = ui->theme;
        int side = row.h - 2 * gap(ui);
        SDL_Rect check = {c.x, row.y + gap(ui), side, side};
        box(ui, check, *value ? t->accent : t->background, focused, hovered(ui, row));
        if (*value) /* a check mark drawn as text: shape, not only colour */
            text_at(ui, "\xE2\x9C\x93", 3, t->background, check.x + side / 2, check.y + side / 2,
                    TEXT_CENTER | TEXT_MIDDLE);
        const char *word = *value ? "on" : "off";
        text_at(ui, word, strlen(word), t->text, check.x + side + gap(ui), row.y + row.h / 2,
                TEXT_LEFT | TEXT_MIDDLE);
    }
    return *value != old;
}

bool ui_choice(ui_context *ui, const char *id, const char *label, const char *const *options,
               int count, int *index) {
    uint32_t uid = hash_id(id);
    if (count <= 0) return false;
    int old = *index;

    /* Segments beside the label when every option fits there, else under
     * it, else one "◀ option ▶" beside it. */
    int seg_w[32], total = 0, n = count < 32 ? count : 32;
    for (int i = 0; i < n; i++) total += seg_w[i] = measure_str(ui, options[i]) + ui->px * 3 / 4;
    int beside = inner_w(ui) - (label && *label ? label_width(ui, inner_w(ui)) : 0);
    bool segmented = total <= inner_w(ui);
    bool below = segmented && total > beside;
    int rh = row_height(ui);
    SDL_Rect row = place(ui, inner_w(ui), below ? rh * 2 : rh);
    bool focused = focusable(ui, uid, row);
    SDL_Rect c;
    if (below) {
        label_in(ui, (SDL_Rect){row.x, row.y, row.w, rh}, label, focused);
        c = (SDL_Rect){row.x + ui->px, row.y + rh, row.w - ui->px, rh};
    } else {
        c = label_column(ui, row, label, focused);
    }
    int extra = segmented ? (c.w - total) / n : 0;
    if (extra < 0) extra = 0;

    if (segmented) {
        int x = c.x;
        for (int i = 0; i < n; i++) {
            SDL_Rect s = {x, c.y, seg_w[i] + extra, c.h};
            if (clicked_in(ui, s)) take_click(ui, uid), *index = i;
            x += s.w;
        }
    } else {
        SDL_Rect left = {c.x, c.y, c.h, c.h}, right = {c.x + c.w - c.h, c.y, c.h, c.h};
        if (clicked_in(ui, left)) take_click(ui, uid), *index = *index > 0 ? *index - 1 : 0;
        if (clicked_in(ui, right)) take_click(ui, uid), *index = *index < n - 1 ? *index + 1 : n - 1;
    }
    if (clicked_in(ui, row)) take_click(ui, uid); /* the label: focus only */
    SDL_Keycode k = key_for(ui, uid);
    if (k == SDLK_LEFT) *index = *index > 0 ? *index - 1 : 0, ui->consumed = true;
    if (k == SDLK_RIGHT) *index = *index < n - 1 ? *index + 1 : n - 1, ui->consumed = true;
    if (k == SDLK_HOME) *index = 0, ui->consumed = true;
    if (k == SDLK_END) *index = n - 1, ui->consumed = true;

    if (drawing(ui)) {
        const theme *t = ui->theme;
        if (segmented) {
            int x = c.x;
            for (int i = 0; i < n; i++) {
                SDL_Rect s = {x, c.y, seg_w[i] + extra, c.h};
                bool on = i == *index;
                fill(ui->renderer, s, on ? t->accent : t->background);
                outline(ui->renderer, s, on ? t->text : t->panel_border, on ? 2 : 1);
                text_at(ui, options[i], strlen(options[i]), on ? t->background : t->text,
                        s.x + s.w / 2, s.y + s.h / 2, TEXT_CENTER | TEXT_MIDDLE);
                x += s.w;
            }
            if (focused) {
                SDL_Rect o = {c.x - 3, c.y - 3, c.w + 6, c.h + 6};
                outline(ui->renderer, o, t->accent, ui->px / 8 > 2 ? ui->px / 8 + 1 : 3);
            }
        } else {
            box(ui, c, t->background, focused, hovered(ui, c));
            SDL_Color lc = *index > 0 ? t->text : t->panel_border;
            SDL_Color rc = *index < n - 1 ? t->text : t->panel_border;
            text_at(ui, "\xE2\x97\x80", 3, lc, c.x + c.h / 2, c.y + c.h / 2, TEXT_CENTER | TEXT_MIDDLE);
            text_at(ui, "\xE2\x96\xB6", 3, rc, c.x + c.w - c.h / 2, c.y + c.h / 2,
                    TEXT_CENTER | TEXT_MIDDLE);
            const char *o = options[*index];
            text_at(ui, o, strlen(o), t->text, c.x + c.w / 2, c.y + c.h / 2, TEXT_CENTER | TEXT_MIDDLE);
        }
    }
    return *index != old;
}

bool ui_stepper(ui_context *ui, const char *id, const char *label, uint64_t *value, uint64_t lo,
                uint64_t hi) {
    uint32_t uid = hash_id(id);
    SDL_Rect row = place(ui, inner_w(ui), row_height(ui));
    bool focused = focusable(ui, uid, row);
    SDL_Rect c = label_column(ui, row, label, focused);
    uint64_t old = *value;
    SDL_Rect minus = {c.x, c.y, c.h, c.h}, plus = {c.x + c.w - c.h, c.y, c.h, c.h};
    if (clicked_in(ui, minus)) take_click(ui, uid), *value = *value > lo ? *value - 1 : lo;
    if (clicked_in(ui, plus)) take_click(ui, uid), *value = *value < hi ? *value + 1 : hi;
    if (clicked_in(ui, row)) take_click(ui, uid);
    SDL_Keycode k = key_for(ui, uid);
    if (k == SDLK_LEFT || k == SDLK_MINUS || k == SDLK_KP_MINUS)
        *value = *value > lo ? *value - 1 : lo, ui->consumed = true;
    if (k == SDLK_RIGHT || k == SDLK_PLUS || k == SDLK_EQUALS || k == SDLK_KP_PLUS)
        *value = *value < hi ? *value + 1 : hi, ui->consumed = true;
    if (drawing(ui)) {
        const theme *t = ui->theme;
        box(ui, c, t->background, focused, hovered(ui, c));
        box(ui, minus, t->panel, false, hovered(ui, minus));
        box(ui, plus, t->panel, false, hovered(ui, plus));
        text_at(ui, "\xE2\x88\x92", 3, t->text, minus.x + minus.w / 2, minus.y + minus.h / 2,
                TEXT_CENTER | TEXT_MIDDLE);
        text_at(ui, "+", 1, t->text, plus.x + plus.w / 2, plus.y + plus.h / 2, TEXT_CENTER | TEXT_MIDDLE);
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)*value);
        text_at(ui, num, strlen(num), t->text, c.x + c.w / 2, c.y + c.h / 2, TEXT_CENTER | TEXT_MIDDLE);
    }
    return *value != old;
}

/* The log-scale grid: tenths of a decade, so keys land on 1, 1.26, 1.58,
 * 2, 2.51, ... which print as round numbers with two digits. */
static float log_step(float v, int dir, float lo, float hi) {
    float g = roundf(log10f(v) * 10.0f) + (float)dir;
    float out = powf(10.0f, g / 10.0f);
    return out < lo ? lo : out > hi ? hi : out;
}

bool ui_slider_log(ui_context *ui, const char *id, const char *label, float *value, float lo,
                   float hi, const char *fmt) {
    uint32_t uid = hash_id(id);
    SDL_Rect row = place(ui, inner_w(ui), row_height(ui));
    bool focused = focusable(ui, uid, row);
    SDL_Rect c = label_column(ui, row, label, focused);
    float old = *value;
    char num[32];
    snprintf(num, sizeof num, fmt, (double)*value);
    int num_w = measure_str(ui, "00.00") + ui->px / 2;
    SDL_Rect track = {c.x + ui->px / 2, c.y, c.w - num_w - ui->px, c.h};
    if (track.w < ui->px) track.w = ui->px;
    float llo = log10f(lo), lhi = log10f(hi);
    const SDL_Event *e = ui->event;
    int drag_x = -1;
    if (clicked_in(ui, track)) {
        take_click(ui, uid);
        ui->active = uid;
        drag_x = e->button.x;
    } else if (clicked_in(ui, row)) {
        take_click(ui, uid);
    } else if (e && e->type == SDL_MOUSEMOTION && ui->active == uid) {
        drag_x = e->motion.x;
        ui->consumed = true;
    }
    if (drag_x >= 0) {
        float f = (float)(drag_x - track.x) / (float)(track.w > 1 ? track.w : 1);
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        /* snap to the grid, so a drag gives the same round values as keys */
        float g = roundf((llo + f * (lhi - llo)) * 10.0f) / 10.0f;
        *value = powf(10.0f, g);
        if (*value < lo) *value = lo;
        if (*value > hi) *value = hi;
    }
    SDL_Keycode k = key_for(ui, uid);
    if (k == SDLK_LEFT) *value = log_step(*value, -1, lo, hi), ui->consumed = true;
    if (k == SDLK_RIGHT) *value = log_step(*value, +1, lo, hi), ui->consumed = true;
    if (k == SDLK_HOME) *value = lo, ui->consumed = true;
    if (k == SDLK_END) *value = hi, ui->consumed = true;
    if (drawing(ui)) {
        const theme *t = ui->theme;
        if (focused) outline(ui->renderer, c, t->accent, ui->px / 8 > 2 ? ui->px / 8 + 1 : 3);
        int line_h = ui->px / 5 > 2 ? ui->px / 5 : 2;
        SDL_Rect bar = {track.x, track.y + track.h / 2 - line_h / 2, track.w, line_h};
        fill(ui->renderer, bar, t->text_dim);
        float f = (log10f(*value) - llo) / (lhi - llo);
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        /* a mark at 1 (no change), the value a teacher compares against */
        if (lo < 1.0f && hi > 1.0f) {
            int x1 = track.x + (int)((0.0f - llo) / (lhi - llo) * (float)track.w);
            SDL_Rect tick = {x1 - 1, track.y + track.h / 4, 2, track.h / 2};
            fill(ui->renderer, tick, t->text_dim);
        }
        int kw = ui->px * 2 / 3, kx = track.x + (int)(f * (float)track.w) - kw / 2;
        SDL_Rect knob = {kx, track.y + track.h / 6, kw, track.h * 2 / 3};
        box(ui, knob, t->accent, false, hovered(ui, track));
        snprintf(num, sizeof num, fmt, (double)*value);
        text_at(ui, num, strlen(num), t->text, c.x + c.w, c.y + c.h / 2, TEXT_RIGHT | TEXT_MIDDLE);
    }
    return *value != old;
}

/* ---- the text field ------------------------------------------------------------- */

static void start_editing(ui_context *ui, uint32_t id, const char *buf, SDL_Rect r) {
    ui->focus = id;
    ui->editing = true;
    snprintf(ui->before_edit, sizeof ui->before_edit, "%s", buf);
    ui->cursor = strlen(buf);
    ui->scroll_text = 0;
    ui->blink_start = SDL_GetTicks();
    SDL_StartTextInput();
    SDL_SetTextInputRect(&r);
}

/* Inserts text at the caret: control characters (a pasted newline) become
 * spaces; invalid UTF-8 or text that does not fit is refused whole, with
 * a notice. */
static bool insert(ui_context *ui, char *buf, size_t cap, const char *text) {
    size_t add = strlen(text), len = strlen(buf);
    size_t bad = utf8_invalid_at(text, add);
    if (bad < add) {
        snprintf(ui->notice, sizeof ui->notice,
                 "sentence: the typed or pasted text is not valid UTF-8 (byte %zu): nothing was "
                 "inserted",
                 bad);
        return false;
    }
    if (len + add + 1 > cap) {
        snprintf(ui->notice, sizeof ui->notice,
                 "sentence: at most %zu bytes fit; %zu more were refused: shorten the sentence",
                 cap - 1, add);
        return false;
    }
    size_t at = ui->cursor > len ? len : ui->cursor;
    memmove(buf + at + add, buf + at, len - at + 1);
    for (size_t i = 0; i < add; i++) {
        unsigned char ch = (unsigned char)text[i];
        buf[at + i] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
    }
    ui->cursor = at + add;
    return true;
}

/* Byte offset in buf nearest to pixel x, for a click, counting from from. */
static size_t offset_at(ui_context *ui, const char *buf, size_t from, int x) {
    size_t len = strlen(buf), best = from;
    for (size_t i = from; i < len;) {
        size_t n = next_cp(buf, len, i);
        int w0 = measure(ui, buf + from, i - from), w1 = measure(ui, buf + from, n - from);
        if (x < (w0 + w1) / 2) break;
        best = i = n;
    }
    return best;
}

int ui_text_field(ui_context *ui, const char *id, char *buf, size_t cap) {
    uint32_t uid = hash_id(id);
    SDL_Rect r = place(ui, inner_w(ui), row_height(ui));
    bool focused = focusable(ui, uid, r);
    bool editing = ui->editing && ui->focus == uid;
    int inner_x = r.x + pad(ui) / 2 + 2, field_w = r.w - pad(ui) - 4;
    const SDL_Event *e = ui->event;
    int flags = 0;
    size_t len = strlen(buf);
    if (ui->cursor > len) ui->cursor = len;

    if (e && e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        bool hit = inside(e->button.x, e->button.y, r) && inside(e->button.x, e->button.y, ui->area);
        if (hit && !ui->consumed) {
            ui->consumed = true;
            if (!editing) start_editing(ui, uid, buf, r);
            ui->cursor = offset_at(ui, buf, editing ? ui->scroll_text : 0, e->button.x - inner_x);
            ui->blink_start = SDL_GetTicks();
        } else if (editing && !hit) { /* a click elsewhere ends the edit and applies it */
            stop_editing(ui);
            if (strcmp(buf, ui->before_edit) != 0) flags |= UI_TEXT_SUBMIT;
        }
    } else if (e && editing && e->type == SDL_TEXTINPUT && !ui->consumed) {
        ui->consumed = true;
        if (insert(ui, buf, cap, e->text.text)) flags |= UI_TEXT_CHANGED;
        ui->blink_start = SDL_GetTicks();
    } else if (e && editing && e->type == SDL_KEYDOWN && !ui->consumed) {
        SDL_Keycode k = e->key.keysym.sym;
        bool ctrl = (e->key.keysym.mod & KMOD_CTRL) != 0;
        ui->consumed = true; /* keys type, they are not shortcuts */
        ui->blink_start = SDL_GetTicks();
        size_t at = ui->cursor;
        switch (k) {
        case SDLK_RETURN:
        case SDLK_KP_ENTER:
            stop_editing(ui);
            flags |= UI_TEXT_SUBMIT;
            break;
        case SDLK_ESCAPE:
            snprintf(buf, cap, "%s", ui->before_edit);
            stop_editing(ui);
            flags |= UI_TEXT_CANCEL;
            break;
        case SDLK_TAB:
        case SDLK_UP:
        case SDLK_DOWN: /* leave the field, applying it; ui_end moves the focus */
            stop_editing(ui);
            if (strcmp(buf, ui->before_edit) != 0) flags |= UI_TEXT_SUBMIT;
            ui->consumed = false;
            break;
        case SDLK_BACKSPACE:
            if (ctrl) { /* the word before the caret */
                size_t p = at;
                while (p > 0 && buf[p - 1] == ' ') p--;
                while (p > 0 && buf[p - 1] != ' ') p = prev_cp(buf, p);
                memmove(buf + p, buf + at, len - at + 1);
                ui->cursor = p;
            } else if (at > 0) {
                size_t p = prev_cp(buf, at);
                memmove(buf + p, buf + at, len - at + 1);
                ui->cursor = p;
            }
            flags |= UI_TEXT_CHANGED;
            break;
        case SDLK_DELETE:
            if (at < len) {
                size_t n = next_cp(buf, len, at);
                memmove(buf + at, buf + n, len - n + 1);
            }
            flags |= UI_TEXT_CHANGED;
            break;
        case SDLK_LEFT: ui->cursor = prev_cp(buf, at); break;
        case SDLK_RIGHT: ui->cursor = next_cp(buf, len, at); break;
        case SDLK_HOME: ui->cursor = 0; break;
        case SDLK_END: ui->cursor = len; break;
        case SDLK_u: /* Ctrl+U clears, to type a new sentence quickly */
            if (ctrl) buf[0] = '\0', ui->cursor = 0, flags |= UI_TEXT_CHANGED;
            break;
        case SDLK_v:
            if (ctrl && SDL_HasClipboardText()) {
                char *clip = SDL_GetClipboardText();
                if (clip && insert(ui, buf, cap, clip)) flags |= UI_TEXT_CHANGED;
                SDL_free(clip);
            }
            break;
        default: break;
        }
    } else {
        SDL_Keycode k = key_for(ui, uid);
        if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
            ui->consumed = true;
            start_editing(ui, uid, buf, r);
        }
    }
    editing = ui->editing && ui->focus == uid;
    len = strlen(buf);

    /* Keep the caret in view: scroll_text is the first byte shown. */
    size_t start = 0;
    if (editing) {
        if (ui->cursor > len) ui->cursor = len;
        if (ui->scroll_text > ui->cursor) ui->scroll_text = ui->cursor;
        while (ui->scroll_text < ui->cursor &&
               measure(ui, buf + ui->scroll_text, ui->cursor - ui->scroll_text) > field_w - 2)
            ui->scroll_text = next_cp(buf, len, ui->scroll_text);
        start = ui->scroll_text;
    }
    if (drawing(ui)) {
        const theme *t = ui->theme;
        box(ui, r, t->background, focused || editing, hovered(ui, r));
        if (editing) outline(ui->renderer, r, t->accent, ui->px / 8 > 2 ? ui->px / 8 + 2 : 4);
        /* only the part that fits: a texture of the whole text could pass
         * the renderer's size limit */
        size_t end = start;
        while (end < len) {
            size_t n = next_cp(buf, len, end);
            if (measure(ui, buf + start, n - start) > field_w) break;
            end = n;
        }
        SDL_Rect clip = {inner_x, r.y, field_w, r.h}, old, both;
        SDL_RenderGetClipRect(ui->renderer, &old);
        if (SDL_IntersectRect(&clip, &old, &both)) {
            SDL_RenderSetClipRect(ui->renderer, &both);
            if (len == 0 && !editing)
                text_at(ui, "(empty: press Enter and type)", 29, t->text_dim, inner_x,
                        r.y + r.h / 2, TEXT_LEFT | TEXT_MIDDLE);
            text_at(ui, buf + start, end - start, t->text, inner_x, r.y + r.h / 2,
                    TEXT_LEFT | TEXT_MIDDLE);
            if (editing && ((SDL_GetTicks() - ui->blink_start) / 530) % 2 == 0) {
                int cx = inner_x + measure(ui, buf + start, ui->cursor - start);
                SDL_Rect caret = {cx, r.y + r.h / 6, ui->px / 8 > 2 ? ui->px / 8 : 2, r.h * 2 / 3};
                fill(ui->renderer, caret, t->text);
            }
            SDL_RenderSetClipRect(ui->renderer, &old);
        }
    }
    return flags;
}

/* ---- the settings panel -------------------------------------------------------- */

/* The example sentences of the product's seed texts, with short names for
 * their buttons. */
static const char *const example_text[] = {
    "The robot sat on the floor because it was tired.",
    "The cat sat on the mat",
    "The bank approved the loan yesterday.",
    "The bank by the river was closed due to flooding.",
    "Why do we scale by the square root?",
};
static const char *const example_name[] = {"robot", "cat", "bank: loan", "bank: river",
                                           "\xE2\x88\x9A why?"};
enum { EXAMPLES = sizeof example_text / sizeof example_text[0] };

size_t ui_example_count(void) { return EXAMPLES; }
const char *ui_example(size_t i) { return i < EXAMPLES ? example_text[i] : example_text[0]; }

/* The model file field shows the path it opens: the shipped model's when
 * none was given. */
static void show_model_path(state_settings *d) {
    if (d->source == STATE_SOURCE_TRAINED && !d->model_path[0])
        snprintf(d->model_path, sizeof d->model_path, "%s", state_trained_shipped_path());
}

void ui_settings_init(ui_settings_panel *p, const app_state *s) {
    memset(p, 0, sizeof *p);
    p->draft = s->model.settings;
    show_model_path(&p->draft);
    p->example = -1;
    for (int i = 0; i < EXAMPLES; i++)
        if (strcmp(example_text[i], p->draft.sentence) == 0) p->example = i;
}

static bool same_settings(const state_settings *a, const state_settings *b) {
    if (a->source != b->source || strcmp(a->sentence, b->sentence) != 0) return false;
    if (a->source == STATE_SOURCE_TRAINED) /* the model fixes the rest */
        return strcmp(state_trained_resolve(a->model_path),
                      state_trained_resolve(b->model_path)) == 0 &&
               a->layer == b->layer && memcmp(a->head_off, b->head_off, sizeof a->head_off) == 0;
    return a->config.d_model == b->config.d_model &&
           a->config.n_heads == b->config.n_heads && a->config.n_kv_heads == b->config.n_kv_heads &&
           a->config.causal == b->config.causal && a->config.scale == b->config.scale &&
           a->config.temperature == b->config.temperature && a->seed == b->seed &&
           a->max_tokens == b->max_tokens;
}

static const char *kind_of(size_t heads, size_t kv) {
    return kv == heads ? "multi-head" : kv == 1 ? "multi-query" : "grouped-query";
}

int ui_settings_apply(ui_settings_panel *p, app_state *s) {
    char err[APP_ERR_LEN - 16]; /* room for "not applied: " in the status line */
    if (state_model_apply(&s->model, &p->draft, err, sizeof err) != 0) {
        snprintf(p->error, sizeof p->error, "%s", err);
        snprintf(s->message, sizeof s->message, "not applied: %s", err);
        s->message_is_error = true;
        return 2;
    }
    p->error[0] = '\0';
    /* What applied, as applied: a trained model sets the sizes itself. */
    p->draft = s->model.settings;
    show_model_path(&p->draft);
    const attn_config *c = &s->model.settings.config;
    if (s->focus_head >= c->n_heads) s->focus_head = 0;
    if (s->selected_token >= (int)s->model.n) s->selected_token = -1;
    s->hover_head = s->hover_i = s->hover_j = -1;
    s->progress = 0.0f; /* the stage replays on the new numbers */
    s->playing = true;
    s->message_is_error = false;
    if (s->model.trained) {
        const state_trained *t = s->model.trained;
        const char *base = strrchr(t->path, '/');
        char unknown[96] = "";
        if (s->model.n_unknown)
            snprintf(unknown, sizeof unknown, ", %zu word%s not in its vocabulary (marked %s)",
                     s->model.n_unknown, s->model.n_unknown == 1 ? "" : "s", STATE_UNKNOWN_MARK);
        snprintf(s->message, sizeof s->message,
                 "applied: trained model %.200s, layer %zu of %zu, %zu tokens%s",
                 base ? base + 1 : t->path,
                 s->model.settings.layer + 1, t->model.config.n_layers, s->model.n, unknown);
        return 0;
    }
    snprintf(s->message, sizeof s->message,
             "applied: %zu tokens, d_model %zu, %zu heads (%s), d_k %zu, %s, %s, T %.2g, seed %llu",
             s->model.n, c->d_model, c->n_heads, kind_of(c->n_heads, c->n_kv_heads), attn_d_head(c),
             c->causal ? "causal" : "not causal", c->scale ? "scaled" : "not scaled",
             (double)c->temperature, (unsigned long long)s->model.settings.seed);
    return 0;
}

/* The options of a size choice: the usual values plus the current one when
 * the command line chose another. Returns the count; *at is the current. */
static int size_options(const size_t *usual, int n_usual, size_t current, size_t *out,
                        char (*names)[24], int *at) {
    int n = 0;
    bool placed = false;
    for (int i = 0; i < n_usual; i++) {
        if (!placed && current <= usual[i]) {
            if (current != usual[i]) out[n++] = current;
            placed = true;
        }
        out[n++] = usual[i];
    }
    if (!placed) out[n++] = current;
    for (int i = 0; i < n; i++) {
        snprintf(names[i], 24, "%zu", out[i]);
        if (out[i] == current) *at = i;
    }
    return n;
}

int ui_settings_width(int w, int px) {
    int want = px * 23;
    return want < w ? want : w;
}

/* Keeps the kind of key/value sharing when the head count changes. */
static size_t kv_for(size_t old_heads, size_t old_kv, size_t heads) {
    if (old_kv == old_heads) return heads; /* multi-head stays multi-head */
    if (old_kv == 1) return 1;             /* multi-query stays multi-query */
    size_t group = old_heads / old_kv;     /* grouped: keep the group size if it fits */
    if (group < heads && heads % group == 0) return heads / group;
    return heads >= 4 ? heads / 2 : heads;
}

/* A setting the trained model fixes: its label and value, dimmed, not
 * focusable (nothing to change). */
static void fixed_row(ui_context *ui, const char *label, const char *value) {
    SDL_Rect row = place(ui, inner_w(ui), ui->px * 3 / 2); /* lower than a control's */
    SDL_Rect c = label_column(ui, row, label, false);
    if (drawing(ui)) {
        const theme *t = ui->theme;
        SDL_Rect box_r = {c.x, row.y + gap(ui) / 2, c.w, row.h - gap(ui)};
        outline(ui->renderer, box_r, t->panel_border, 1);
        text_at(ui, value, strlen(value), t->text_dim, box_r.x + pad(ui), row.y + row.h / 2,
                TEXT_LEFT | TEXT_MIDDLE);
    }
}

/* The trained source's part of the panel: the model file, the layer, and
 * what the model fixes. Returns true when a change should apply. */
static bool trained_widgets(ui_context *ui, ui_settings_panel *p, app_state *s) {
    const theme *t = ui->theme;
    state_settings *d = &p->draft;
    bool changed = false;
    ui_label(ui, ui->editing && ui->focus == hash_id("model_file")
                     ? "Model file: Enter opens it, Esc cancels"
                     : "Model file (Enter or click to edit)",
             t->text_dim);
    if (ui_text_field(ui, "model_file", d->model_path, sizeof d->model_path) & UI_TEXT_SUBMIT)
        changed = true;
    if (ui->notice[0]) {
        snprintf(p->error, sizeof p->error, "%s", ui->notice);
        ui->notice[0] = '\0';
    }
    if (strcmp(state_trained_resolve(d->model_path), state_trained_shipped_path()) == 0)
        ui_label(ui, "the shipped model", t->text_dim);

    /* The model on screen, when it is the one the draft names: its sizes
     * bound the layer and fill the fixed rows. */
    const state_trained *m = s->model.trained;
    if (m && strcmp(m->path, state_trained_resolve(d->model_path)) != 0) m = NULL;
    uint64_t layer = d->layer + 1, layers = m ? m->model.config.n_layers : MODEL_LAYERS_MAX;
    /* "heads": the id the window gives the focus when it opens the panel;
     * with a trained model the layer is what one steps through most. */
    if (ui_stepper(ui, "heads", "Layer", &layer, 1, layers)) {
        d->layer = (size_t)layer - 1;
        changed = true;
    }
    if (m) {
        char line[160];
        snprintf(line, sizeof line, "of %zu layers ([ and ] in the frame too)",
                 m->model.config.n_layers);
        ui_label(ui, line, t->text_dim);
        const attn_config *c = &s->model.settings.config;
        char v[64];
        ui_space(ui, 0.3f);
        ui_label(ui, "Set by the trained model:", t->text_dim);
        snprintf(v, sizeof v, "%zu", c->d_model);
        fixed_row(ui, "d_model", v);
        snprintf(v, sizeof v, "%zu (d_k %zu)", c->n_heads, attn_d_head(c));
        fixed_row(ui, "Heads", v);
        snprintf(v, sizeof v, "%zu, multi-head", c->n_kv_heads);
        fixed_row(ui, "K/V heads", v);
        fixed_row(ui, "Causal mask", c->causal ? "on" : "off");
        fixed_row(ui, "Scale \303\267\342\210\232d_k", c->scale ? "on" : "off");
        snprintf(v, sizeof v, "%g", (double)c->temperature);
        fixed_row(ui, "Temperature", v);
        snprintf(v, sizeof v, "%zu tokens", m->run.n_max);
        fixed_row(ui, "Context", v);
        char roles[400];
        snprintf(roles, sizeof roles, "Head roles: %s", m->roles_note);
        ui_label(ui, roles, t->text_dim);
    }
    return changed;
}

/* The mechanics source's sizes and flags. Returns true when a change
 * should apply. */
static bool mechanics_widgets(ui_context *ui, ui_settings_panel *p) {
    const theme *t = ui->theme;
    state_settings *d = &p->draft;
    bool changed = false;
    size_t opts[32];
    char names[32][24];
    const char *ptrs[32];
    static const size_t heads_usual[] = {1, 2, 4, 8, 16};
    static const size_t width_usual[] = {8, 16, 32, 64, 128, 256, 512};

    int at = 0, n = size_options(heads_usual, 5, d->config.n_heads, opts, names, &at);
    for (int i = 0; i < n; i++) ptrs[i] = names[i];
    if (ui_choice(ui, "heads", "Heads", ptrs, n, &at)) {
        d->config.n_kv_heads = kv_for(d->config.n_heads, d->config.n_kv_heads, opts[at]);
        d->config.n_heads = opts[at];
        changed = true;
    }

    n = size_options(width_usual, 7, d->config.d_model, opts, names, &at);
    for (int i = 0; i < n; i++) ptrs[i] = names[i];
    if (ui_choice(ui, "d_model", "d_model", ptrs, n, &at)) {
        d->config.d_model = opts[at];
        changed = true;
    }

    /* key/value heads: the divisors of the head count, largest first */
    n = 0;
    at = 0;
    for (size_t g = d->config.n_heads; g >= 1 && n < 32; g--) {
        if (d->config.n_heads % g) continue;
        opts[n] = g;
        snprintf(names[n], 24, "%zu", g);
        ptrs[n] = names[n];
        if (g == d->config.n_kv_heads) at = n;
        n++;
    }
    if (ui_choice(ui, "kv", "K/V heads", ptrs, n, &at)) {
        d->config.n_kv_heads = opts[at];
        changed = true;
    }
    {
        char line[160];
        size_t h = d->config.n_heads, g = d->config.n_kv_heads;
        if (g == h)
            snprintf(line, sizeof line, "multi-head: each head has its own K and V");
        else if (g == 1)
            snprintf(line, sizeof line, "multi-query: all %zu heads share one K and V", h);
        else if (g > 0 && h % g == 0)
            snprintf(line, sizeof line, "grouped-query: %zu groups of %zu heads share K and V", g,
                     h / g);
        else
            snprintf(line, sizeof line, "%zu K/V heads do not divide %zu heads", g, h);
        ui_label(ui, line, t->text_dim);
    }

    /* the token limit: the tokenizer's message names it (--max-tokens) */
    static const size_t tokens_usual[] = {64, 128, APP_TOKENS_MAX};
    n = size_options(tokens_usual, 3, d->max_tokens, opts, names, &at);
    for (int i = 0; i < n; i++) ptrs[i] = names[i];
    if (ui_choice(ui, "max_tokens", "Max tokens", ptrs, n, &at)) {
        d->max_tokens = opts[at];
        changed = true;
    }

    if (ui_toggle(ui, "causal", "Causal mask", &d->config.causal)) changed = true;
    if (ui_toggle(ui, "scale", "Scale \303\267\342\210\232d_k", &d->config.scale)) changed = true;
    float lo = 0.1f > ATTN_TEMPERATURE_MIN ? 0.1f : ATTN_TEMPERATURE_MIN;
    float hi = 10.0f < ATTN_TEMPERATURE_MAX ? 10.0f : ATTN_TEMPERATURE_MAX;
    if (d->config.temperature < lo) lo = d->config.temperature; /* the command line went further */
    if (d->config.temperature > hi) hi = d->config.temperature;
    if (ui_slider_log(ui, "temperature", "Temperature", &d->config.temperature, lo, hi, "%.2g"))
        changed = true;
    if (ui_stepper(ui, "seed", "Seed", &d->seed, 0, ((uint64_t)1 << 53) - 1)) changed = true;
    return changed;
}

bool ui_settings_panel_run(ui_context *ui, ui_settings_panel *p, app_state *s) {
    const theme *t = ui->theme;
    state_settings *d = &p->draft;
    const state_settings *applied = &s->model.settings;
    bool close = false, changed = false;

    /* the label column fits the longest label */
    /* "Scale ÷√d_k" (d_k, as the caption calls the head width): octal escapes
     * end after three digits, hex ones would eat the d */
    static const char *const labels[] = {"Heads", "d_model", "K/V heads", "Max tokens", "Causal mask",
                                         "Scale \303\267\342\210\232d_k", "Temperature", "Seed",
                                         "Weights", "Layer", "Context"};
    int lw = 0;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        int w = measure_str(ui, labels[i]);
        if (w > lw) lw = w;
    }
    ui->label_w = lw + ui->px + ui->px / 2;

    ui_heading(ui, "Settings");
    ui_same_line(ui);
    ui_skip_focus(ui); /* Esc and P close it from the keyboard */
    if (ui_button(ui, "close", "\xC3\x97 Close (P)")) close = true;

    /* Where the weights come from, first: random from the seed (any size,
     * to see how attention computes) or a trained model (what trained heads
     * do). Above the sentence, so Up from Heads still reaches the sentence. */
    static const char *const sources[] = {"mechanics", "trained model"};
    int src = d->source == STATE_SOURCE_TRAINED ? 1 : 0;
    if (ui_choice(ui, "weights", "Weights", sources, 2, &src)) {
        if (src == 1) { /* keep the mechanics sizes to come back to */
            d->mechanics_config = d->config;
            d->source = STATE_SOURCE_TRAINED;
            show_model_path(d);
        } else {
            d->config = d->mechanics_config;
            d->source = STATE_SOURCE_MECHANICS;
        }
        changed = true;
    }
    ui_label(ui, ui->editing ? "Sentence: Enter applies, Esc cancels, Ctrl+U clears"
                             : "Sentence (Enter or click to edit)",
             t->text_dim);
    int tf = ui_text_field(ui, "sentence", d->sentence, sizeof d->sentence);
    if (ui->notice[0]) { /* a refused edit: say so where the typing is */
        snprintf(p->error, sizeof p->error, "%s", ui->notice);
        snprintf(s->message, sizeof s->message, "%s", ui->notice);
        s->message_is_error = true;
        ui->notice[0] = '\0';
    }
    if (tf & UI_TEXT_SUBMIT) changed = true, p->example = -1;

    ui_label(ui, "Examples (E cycles):", t->text_dim);
    for (int i = 0; i < EXAMPLES; i++) {
        char id[16];
        snprintf(id, sizeof id, "example%d", i);
        ui_same_line(ui);
        ui_skip_focus(ui); /* E cycles them from the keyboard */
        if (ui_button(ui, id, example_name[i])) {
            snprintf(d->sentence, sizeof d->sentence, "%s", example_text[i]);
            p->example = i;
            changed = true;
        }
    }
    ui_space(ui, 0.4f);

    if (d->source == STATE_SOURCE_TRAINED) {
        if (trained_widgets(ui, p, s)) changed = true;
    } else if (mechanics_widgets(ui, p)) {
        changed = true;
    }

    if (changed) ui_settings_apply(p, s);

    /* Why a value was not applied, below the widgets so that nothing moves
     * under the mouse when it appears. */
    bool pending = !same_settings(d, applied);
    if (p->error[0] || pending) {
        char line[APP_ERR_LEN + 32];
        if (p->error[0]) snprintf(line, sizeof line, "\xE2\x9C\x97 Not applied: %s", p->error);
        else snprintf(line, sizeof line, "\xE2\x9C\x97 The values above are not applied yet.");
        ui_space(ui, 0.3f);
        ui_label(ui, line, t->error);
    }
    if (pending) {
        if (ui_button(ui, "revert", "Back to the applied settings")) {
            *d = *applied;
            show_model_path(d);
            p->error[0] = '\0';
            s->message[0] = '\0';
            ui_focus(ui, "heads"); /* the button goes away with the difference */
        }
    }
    ui_space(ui, 0.4f);
    char info[200];
    const attn_config *c = &s->model.settings.config;
    /* a no-break space (U+00A0) keeps "ms" with its number when the line wraps */
    snprintf(info, sizeof info, "Shown: %zu tokens, d_k %zu, built in %.2f\u00a0ms", s->model.n,
             attn_d_head(c), s->model.build_ms);
    ui_label(ui, info, t->text_dim);
    ui_label(ui,
             "Keys: \xE2\x86\x91\xE2\x86\x93 or Tab move, \xE2\x86\x90\xE2\x86\x92 change, "
             "Enter edits or presses, Esc closes",
             t->text_dim);
    return close;
}
