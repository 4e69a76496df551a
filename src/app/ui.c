/* The widget set (see ui.h). Sizes follow the type size px, so the widgets
 * grow with Ctrl + and with the window. */
#include "ui.h"
#include "ui_private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------------ */

static TTF_Font *measuring_font(ui_context *ui) {
    for (int i = 0; i < UI_FONT_SIZES; i++)
        if (ui->fonts[i] && ui->font_px[i] == ui->px) return ui->fonts[i];
    int slot = ui->next_font; /* round robin: sizes change rarely */
    ui->next_font = (ui->next_font + 1) % UI_FONT_SIZES;
    if (ui->fonts[slot]) TTF_CloseFont(ui->fonts[slot]);
    ui->fonts[slot] = ui->text ? text_open_font(ui->text, ui->px) : TTF_OpenFont(ui->font_path, ui->px);
    ui->font_px[slot] = ui->px;
    return ui->fonts[slot];
}

int ui_measure(ui_context *ui, const char *s, size_t len) {
    char buf[UI_TEXT_MAX];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int w = 0, h = 0;
    TTF_Font *f = measuring_font(ui);
    if (!f || TTF_SizeUTF8(f, buf, &w, &h) != 0) w = (int)len * ui->px / 2;
    return w;
}

static int measure_str(ui_context *ui, const char *s) { return ui_measure(ui, s, strlen(s)); }

int ui_text_width(ui_context *ui, const char *text) { return measure_str(ui, text); }

/* The text cache keeps at most 512 bytes of a string: stay under it, on a
 * code point boundary. */
static size_t drawable_len(const char *s, size_t len) {
    if (len <= 500) return len;
    len = 500;
    while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) len--;
    return len;
}

void ui_text_at(ui_context *ui, const char *s, size_t len, SDL_Color c, int x, int y, int align) {
    if (len) text_draw_n(ui->text, s, drawable_len(s, len), ui->px, c, x, y, align);
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

void ui_stop_editing(ui_context *ui) {
    if (ui->editing) SDL_StopTextInput();
    ui->editing = false;
    ui->all_selected = false;
}

void ui_clear_focus(ui_context *ui) {
    ui_stop_editing(ui);
    ui->focus = 0;
    ui->active = 0;
}

bool ui_typing(const ui_context *ui) { return ui->editing; }

bool ui_has_focus(const ui_context *ui) { return ui->focus != 0; }

bool ui_editing(const ui_context *ui, const char *id) {
    return ui->editing && ui->focus == hash_id(id);
}

void ui_focus(ui_context *ui, const char *id) {
    ui_stop_editing(ui);
    ui->focus = hash_id(id);
}

void ui_skip_focus(ui_context *ui) { ui->skip_focus = true; }
void ui_flag_next(ui_context *ui) { ui->flag_next = true; }

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
    ui->flag_next = false;
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

/* Height of the "more" tab, with its margin. */
static int more_tab_h(const ui_context *ui) { return ui->px * 3 / 2; }

/* Where the content goes on past the area's edge: the last lines fade
 * into the panel and a tab says "more ↓" (or "↑ more" at the top), so a
 * panel cut by a short window does not look whole. The thin scroll bar
 * alone went unseen. */
static void more_marks(ui_context *ui, int bar_w) {
    const theme *t = ui->theme;
    SDL_Rect a = ui->area;
    int fade_h = ui->px * 2, tab_h = more_tab_h(ui);
    SDL_SetRenderDrawBlendMode(ui->renderer, SDL_BLENDMODE_BLEND);
    for (int edge = 0; edge < 2; edge++) {
        bool below = edge == 0;
        if (below ? ui->scroll >= max_scroll(ui) : ui->scroll <= 0) continue;
        for (int i = 0; i < fade_h; i++) { /* opaque at the edge */
            SDL_Color c = t->panel;
            c.a = (Uint8)(255 * (i + 1) / fade_h);
            int y = below ? a.y + a.h - fade_h + i : a.y + fade_h - 1 - i;
            fill(ui->renderer, (SDL_Rect){a.x + 2, y, a.w - bar_w - 3, 1}, c);
        }
        const char *label = below ? "more \xE2\x86\x93" : "\xE2\x86\x91 more";
        int w = measure_str(ui, label) + ui->px;
        SDL_Rect tab = {a.x + a.w - bar_w - 4 - w, below ? a.y + a.h - tab_h - 2 : a.y + 2, w,
                        tab_h};
        fill(ui->renderer, tab, t->background);
        outline(ui->renderer, tab, t->accent, 2);
        ui_text_at(ui, label, strlen(label), t->text, tab.x + w / 2, tab.y + tab_h / 2,
                   TEXT_CENTER | TEXT_MIDDLE);
    }
}

bool ui_end(ui_context *ui) {
    const SDL_Event *e = ui->event;
    ui->last_content_h = ui->row_y + ui->row_h + pad(ui) - ui->area.y;
    /* Content that scrolls ends with room for the "more" tab (more_marks),
     * so that no line stays under it on the way down. */
    if ((ui->flags & UI_SCROLL) && ui->last_content_h > ui->area.h)
        ui->last_content_h += more_tab_h(ui) + pad(ui);
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
     * click on the frame under it. A click outside it takes the keyboard
     * away from its widgets (an edit there ended and applied above): the
     * keys are the caller's again. */
    if (e && e->type == SDL_MOUSEBUTTONDOWN) {
        if (inside(e->button.x, e->button.y, ui->area)) ui->consumed = true;
        else if (ui->keyboard) ui_clear_focus(ui);
    }
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
            more_marks(ui, bar_w);
        }
        SDL_RenderSetClipRect(ui->renderer, NULL);
    }
    return ui->consumed;
}

/* ---- layout --------------------------------------------------------------------- */

void ui_same_line(ui_context *ui) { ui->same_line = true; }

void ui_fit_labels(ui_context *ui, const char *const *labels, size_t count) {
    int lw = 0;
    for (size_t i = 0; i < count; i++) {
        int w = measure_str(ui, labels[i]);
        if (w > lw) lw = w;
    }
    ui->label_w = lw + ui->px + ui->px / 2; /* room for the focus marker and a gap */
}

void ui_space(ui_context *ui, float frac) {
    ui->row_y += ui->row_h + (int)((float)ui->px * frac);
    ui->row_h = 0;
    ui->last_right = ui->area.x;
}

/* The rectangle of the next widget, w×h, in scrolled coordinates. */
SDL_Rect ui_place(ui_context *ui, int w, int h) {
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
bool ui_focusable(ui_context *ui, uint32_t id, SDL_Rect r) {
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
SDL_Keycode ui_key_for(const ui_context *ui, uint32_t id) {
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

/* A framed box: fill, then an outline whose thickness says focus. */
void ui_box(ui_context *ui, SDL_Rect r, SDL_Color bg, bool focused, bool hot) {
    const theme *t = ui->theme;
    fill(ui->renderer, r, bg);
    int thick = ui->px / 8 > 2 ? ui->px / 8 : 2;
    if (focused) outline(ui->renderer, r, t->accent, thick + 1);
    else outline(ui->renderer, r, hot ? t->text_dim : t->panel_border, hot ? 2 : 1);
}

/* A row's label in r: a ▶ before it when focused (a marker besides the
 * colour), clipped to r. */
static void label_in(ui_context *ui, SDL_Rect r, const char *label, bool focused) {
    bool flagged = ui->flag_next;
    ui->flag_next = false;
    if (!drawing(ui) || !label || !*label) return;
    if (focused || flagged) /* ▶ the focus, ✗ the field at fault */
        ui_text_at(ui, flagged ? "\xE2\x9C\x97" : "\xE2\x96\xB6", 3,
                   flagged ? ui->theme->error : ui->theme->accent, r.x, r.y + r.h / 2,
                   TEXT_LEFT | TEXT_MIDDLE);
    int x = r.x + ui->px;
    SDL_Rect clip = {x, r.y, r.w - ui->px - gap(ui), r.h}, old, both;
    SDL_RenderGetClipRect(ui->renderer, &old);
    if (SDL_IntersectRect(&clip, &old, &both)) {
        SDL_RenderSetClipRect(ui->renderer, &both);
        SDL_Color c = flagged ? ui->theme->error : focused ? ui->theme->text : ui->theme->text_dim;
        ui_text_at(ui, label, strlen(label), c, x, r.y + r.h / 2, TEXT_LEFT | TEXT_MIDDLE);
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
            if (ui_measure(ui, text + start, i - start) <= max_w) best = i;
            else break;
        }
        if (best == 0) { /* one word longer than the line: break it by code points */
            best = ui_next_cp(text, len, start);
            for (size_t i = best; i < len; i = ui_next_cp(text, len, i)) {
                if (ui_measure(ui, text + start, ui_next_cp(text, len, i) - start) > max_w) break;
                best = ui_next_cp(text, len, i);
            }
        }
        if (draw) ui_text_at(ui, text + start, best - start, c, x, y + lines * line_h, TEXT_LEFT);
        lines++;
        start = best;
    }
    return lines;
}

void ui_label(ui_context *ui, const char *text, SDL_Color c) {
    int line_h = ui->px * 5 / 4;
    int w = measure_str(ui, text);
    if (w <= inner_w(ui)) {
        SDL_Rect r = ui_place(ui, w, line_h);
        if (drawing(ui)) ui_text_at(ui, text, strlen(text), c, r.x, r.y, TEXT_LEFT);
        return;
    }
    int lines = wrap(ui, text, inner_w(ui), c, 0, 0, line_h, false);
    SDL_Rect r = ui_place(ui, inner_w(ui), lines * line_h);
    if (drawing(ui)) wrap(ui, text, inner_w(ui), c, r.x, r.y, line_h, true);
}

void ui_heading(ui_context *ui, const char *text) {
    int px = ui->px;
    ui->px = px * 6 / 5;
    int w = measure_str(ui, text);
    SDL_Rect r = ui_place(ui, w < inner_w(ui) ? w : inner_w(ui), row_height(ui));
    if (drawing(ui))
        ui_text_at(ui, text, strlen(text), ui->theme->text, r.x, r.y + r.h / 2,
                   TEXT_LEFT | TEXT_MIDDLE);
    ui->px = px;
}

bool ui_button(ui_context *ui, const char *id, const char *label) {
    uint32_t uid = hash_id(id);
    int w = measure_str(ui, label) + 2 * pad(ui) + 2;
    if (w > inner_w(ui)) w = inner_w(ui);
    SDL_Rect r = ui_place(ui, w, row_height(ui));
    bool focused = ui_focusable(ui, uid, r);
    bool pressed = false;
    if (clicked_in(ui, r)) {
        take_click(ui, uid);
        pressed = true;
    }
    SDL_Keycode k = ui_key_for(ui, uid);
    if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
        ui->consumed = true;
        pressed = true;
    }
    if (drawing(ui)) {
        ui_box(ui, r, hovered(ui, r) ? ui->theme->tooltip : ui->theme->background, focused,
               hovered(ui, r));
        ui_text_at(ui, label, strlen(label), ui->theme->text, r.x + r.w / 2, r.y + r.h / 2,
                   TEXT_CENTER | TEXT_MIDDLE);
    }
    return pressed;
}

bool ui_toggle(ui_context *ui, const char *id, const char *label, bool *value) {
    uint32_t uid = hash_id(id);
    SDL_Rect row = ui_place(ui, inner_w(ui), row_height(ui));
    bool focused = ui_focusable(ui, uid, row);
    bool old = *value;
    if (clicked_in(ui, row)) {
        take_click(ui, uid);
        *value = !*value;
    }
    SDL_Keycode k = ui_key_for(ui, uid);
    if (k == SDLK_RETURN || k == SDLK_KP_ENTER) *value = !*value, ui->consumed = true;
    if (k == SDLK_LEFT) *value = false, ui->consumed = true;
    if (k == SDLK_RIGHT) *value = true, ui->consumed = true;
    SDL_Rect c = label_column(ui, row, label, focused);
    if (drawing(ui)) {
        const theme *t = ui->theme;
        int side = row.h - 2 * gap(ui);
        SDL_Rect check = {c.x, row.y + gap(ui), side, side};
        ui_box(ui, check, *value ? t->accent : t->background, focused, hovered(ui, row));
        if (*value) /* a check mark drawn as text: shape, not only colour */
            ui_text_at(ui, "\xE2\x9C\x93", 3, t->background, check.x + side / 2, check.y + side / 2,
                       TEXT_CENTER | TEXT_MIDDLE);
        const char *word = *value ? "on" : "off";
        ui_text_at(ui, word, strlen(word), t->text, check.x + side + gap(ui), row.y + row.h / 2,
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
    SDL_Rect row = ui_place(ui, inner_w(ui), below ? rh * 2 : rh);
    bool focused = ui_focusable(ui, uid, row);
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
    SDL_Keycode k = ui_key_for(ui, uid);
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
                ui_text_at(ui, options[i], strlen(options[i]), on ? t->background : t->text,
                           s.x + s.w / 2, s.y + s.h / 2, TEXT_CENTER | TEXT_MIDDLE);
                x += s.w;
            }
            if (focused) {
                SDL_Rect o = {c.x - 3, c.y - 3, c.w + 6, c.h + 6};
                outline(ui->renderer, o, t->accent, ui->px / 8 > 2 ? ui->px / 8 + 1 : 3);
            }
        } else {
            ui_box(ui, c, t->background, focused, hovered(ui, c));
            SDL_Color lc = *index > 0 ? t->text : t->panel_border;
            SDL_Color rc = *index < n - 1 ? t->text : t->panel_border;
            ui_text_at(ui, "\xE2\x97\x80", 3, lc, c.x + c.h / 2, c.y + c.h / 2,
                       TEXT_CENTER | TEXT_MIDDLE);
            ui_text_at(ui, "\xE2\x96\xB6", 3, rc, c.x + c.w - c.h / 2, c.y + c.h / 2,
                       TEXT_CENTER | TEXT_MIDDLE);
            const char *o = options[*index];
            ui_text_at(ui, o, strlen(o), t->text, c.x + c.w / 2, c.y + c.h / 2,
                       TEXT_CENTER | TEXT_MIDDLE);
        }
    }
    return *index != old;
}

/* The digit a key stands for (the top row or the keypad), or -1. */
static int key_digit(SDL_Keycode k) {
    if (k >= SDLK_0 && k <= SDLK_9) return (int)(k - SDLK_0);
    if (k >= SDLK_KP_1 && k <= SDLK_KP_9) return (int)(k - SDLK_KP_1) + 1;
    if (k == SDLK_KP_0) return 0;
    return -1;
}

/* Starts typing a stepper's value: its digits, all selected (the first
 * digit typed replaces them), or, when a digit key started it, that digit. */
static void start_number(ui_context *ui, uint32_t id, uint64_t value, int digit) {
    ui->focus = id;
    ui->editing = true;
    ui->blink_start = SDL_GetTicks();
    if (digit >= 0) {
        snprintf(ui->number, sizeof ui->number, "%d", digit);
        ui->all_selected = false;
    } else {
        snprintf(ui->number, sizeof ui->number, "%llu", (unsigned long long)value);
        ui->all_selected = true;
    }
}

/* The typed digits as a number in [lo, hi] into *out; false (and a
 * notice naming label) when they are none or out of range. */
static bool typed_number(ui_context *ui, const char *label, uint64_t lo, uint64_t hi,
                         uint64_t *out) {
    uint64_t v = 0;
    bool over = false;
    for (const char *c = ui->number; *c; c++) {
        unsigned d = (unsigned)(*c - '0');
        if (v > (UINT64_MAX - d) / 10) over = true;
        else v = v * 10 + d;
    }
    if (!ui->number[0]) return false; /* nothing typed: the value stays */
    if (over || v < lo || v > hi) {
        snprintf(ui->notice, sizeof ui->notice, "%s: %s is out of range: type %llu to %llu",
                 label, ui->number, (unsigned long long)lo, (unsigned long long)hi);
        return false;
    }
    *out = v;
    return true;
}

/* A key while the stepper's value is typed: the digits come from the keys,
 * not from SDL's text input, which may be off when the first digit starts
 * the edit. Returns true when the typed value is to apply. */
static bool number_key(ui_context *ui, const SDL_KeyboardEvent *e, const char *label) {
    SDL_Keycode k = e->keysym.sym;
    size_t len = strlen(ui->number);
    int d = key_digit(k);
    ui->consumed = true; /* keys type, they are not shortcuts */
    ui->blink_start = SDL_GetTicks();
    if (d >= 0 && !(e->keysym.mod & (KMOD_CTRL | KMOD_ALT))) {
        if (ui->all_selected) ui->number[0] = '\0', len = 0, ui->all_selected = false;
        if (len + 1 < sizeof ui->number - 4) ui->number[len] = (char)('0' + d), ui->number[len + 1] = '\0';
        return false;
    }
    switch (k) {
    case SDLK_BACKSPACE:
    case SDLK_DELETE:
        if (ui->all_selected || (e->keysym.mod & KMOD_CTRL)) ui->number[0] = '\0';
        else if (len > 0) ui->number[len - 1] = '\0';
        ui->all_selected = false;
        return false;
    case SDLK_u:
        if (e->keysym.mod & KMOD_CTRL) ui->number[0] = '\0', ui->all_selected = false;
        return false;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: ui_stop_editing(ui); return true;
    case SDLK_ESCAPE: ui_stop_editing(ui); return false; /* the value was not touched */
    case SDLK_TAB:
    case SDLK_UP:
    case SDLK_DOWN: /* leave, applying it; ui_end moves the focus */
        ui_stop_editing(ui);
        ui->consumed = false;
        return true;
    default:
        /* a letter or sign: say what the field takes, rather than nothing */
        if (k >= SDLK_SPACE && k < 127 && !(e->keysym.mod & (KMOD_CTRL | KMOD_ALT)))
            snprintf(ui->notice, sizeof ui->notice,
                     "%s takes digits 0-9: Enter applies them, Esc keeps the value it had", label);
        return false;
    }
}

bool ui_stepper(ui_context *ui, const char *id, const char *label, uint64_t *value, uint64_t lo,
                uint64_t hi) {
    uint32_t uid = hash_id(id);
    SDL_Rect row = ui_place(ui, inner_w(ui), row_height(ui));
    bool focused = ui_focusable(ui, uid, row);
    SDL_Rect c = label_column(ui, row, label, focused);
    uint64_t old = *value;
    SDL_Rect minus = {c.x, c.y, c.h, c.h}, plus = {c.x + c.w - c.h, c.y, c.h, c.h};
    SDL_Rect number = {c.x + c.h, c.y, c.w - 2 * c.h, c.h};
    const SDL_Event *e = ui->event;
    bool editing = ui->editing && ui->focus == uid, submit = false, by_enter = false;
    if (editing && e && e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT &&
        !(inside(e->button.x, e->button.y, number) && inside(e->button.x, e->button.y, ui->area))) {
        ui_stop_editing(ui); /* a click elsewhere applies the typed value, then does its own */
        submit = true;
    } else if (editing && e && e->type == SDL_TEXTINPUT && !ui->consumed) {
        ui->consumed = true; /* the digits came with their keys */
    } else if (editing && e && e->type == SDL_KEYDOWN && !ui->consumed) {
        SDL_Keycode k = e->key.keysym.sym;
        by_enter = k == SDLK_RETURN || k == SDLK_KP_ENTER;
        submit = number_key(ui, &e->key, label);
    } else if (!editing) {
        if (clicked_in(ui, minus)) take_click(ui, uid), *value = *value > lo ? *value - 1 : lo;
        if (clicked_in(ui, plus)) take_click(ui, uid), *value = *value < hi ? *value + 1 : hi;
        if (clicked_in(ui, number) && ui->keyboard) take_click(ui, uid), start_number(ui, uid, *value, -1);
        if (clicked_in(ui, row)) take_click(ui, uid);
        SDL_Keycode k = ui_key_for(ui, uid);
        bool plain = e && e->type == SDL_KEYDOWN && !(e->key.keysym.mod & (KMOD_CTRL | KMOD_ALT));
        if (plain && (k == SDLK_LEFT || k == SDLK_MINUS || k == SDLK_KP_MINUS))
            *value = *value > lo ? *value - 1 : lo, ui->consumed = true;
        if (plain && (k == SDLK_RIGHT || k == SDLK_PLUS || k == SDLK_EQUALS || k == SDLK_KP_PLUS))
            *value = *value < hi ? *value + 1 : hi, ui->consumed = true;
        if (plain && (k == SDLK_RETURN || k == SDLK_KP_ENTER))
            start_number(ui, uid, *value, -1), ui->consumed = true;
        if (plain && key_digit(k) >= 0) start_number(ui, uid, *value, key_digit(k)), ui->consumed = true;
    }
    if (submit) {
        uint64_t v;
        if (typed_number(ui, label, lo, hi, &v)) *value = v;
        else if (by_enter && ui->notice[0]) ui->focus = uid, ui->editing = true; /* mend it */
    }
    editing = ui->editing && ui->focus == uid;
    if (drawing(ui)) {
        const theme *t = ui->theme;
        ui_box(ui, c, t->background, focused || editing, hovered(ui, c));
        ui_box(ui, minus, t->panel, false, hovered(ui, minus));
        ui_box(ui, plus, t->panel, false, hovered(ui, plus));
        ui_text_at(ui, "\xE2\x88\x92", 3, t->text, minus.x + minus.w / 2, minus.y + minus.h / 2,
                   TEXT_CENTER | TEXT_MIDDLE);
        ui_text_at(ui, "+", 1, t->text, plus.x + plus.w / 2, plus.y + plus.h / 2,
                   TEXT_CENTER | TEXT_MIDDLE);
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)*value);
        const char *shown = editing ? ui->number : num;
        int w = measure_str(ui, shown), cx = number.x + number.w / 2;
        if (editing) { /* as the text field shows typing: a thick outline, a caret */
            outline(ui->renderer, c, t->accent, ui->px / 8 > 2 ? ui->px / 8 + 2 : 4);
            if (ui->all_selected && w > 0)
                fill(ui->renderer, (SDL_Rect){cx - w / 2, c.y + c.h / 6, w, c.h * 2 / 3},
                     t->panel_border);
        }
        ui_text_at(ui, shown, strlen(shown), t->text, cx, c.y + c.h / 2, TEXT_CENTER | TEXT_MIDDLE);
        if (editing && ((SDL_GetTicks() - ui->blink_start) / 530) % 2 == 0) {
            SDL_Rect caret = {cx + w / 2 + 1, c.y + c.h / 6, ui->px / 8 > 2 ? ui->px / 8 : 2,
                              c.h * 2 / 3};
            fill(ui->renderer, caret, t->text);
        }
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
    SDL_Rect row = ui_place(ui, inner_w(ui), row_height(ui));
    bool focused = ui_focusable(ui, uid, row);
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
    SDL_Keycode k = ui_key_for(ui, uid);
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
        ui_box(ui, knob, t->accent, false, hovered(ui, track));
        snprintf(num, sizeof num, fmt, (double)*value);
        ui_text_at(ui, num, strlen(num), t->text, c.x + c.w, c.y + c.h / 2,
                   TEXT_RIGHT | TEXT_MIDDLE);
    }
    return *value != old;
}

void ui_readonly(ui_context *ui, const char *label, const char *value) {
    SDL_Rect row = ui_place(ui, inner_w(ui), ui->px * 3 / 2); /* lower than a control's */
    SDL_Rect c = label_column(ui, row, label, false);
    if (drawing(ui)) {
        const theme *t = ui->theme;
        SDL_Rect box_r = {c.x, row.y + gap(ui) / 2, c.w, row.h - gap(ui)};
        outline(ui->renderer, box_r, t->panel_border, 1);
        ui_text_at(ui, value, strlen(value), t->text_dim, box_r.x + pad(ui), row.y + row.h / 2,
                   TEXT_LEFT | TEXT_MIDDLE);
    }
}
