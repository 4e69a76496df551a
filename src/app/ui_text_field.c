/* The text field of the widget set (see ui.h): editing UTF-8 text in place,
 * with a caret, clipboard paste and a notice for what is refused. */
#include "ui.h"
#include "ui_private.h"

#include <stdio.h>
#include <string.h>

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
size_t ui_next_cp(const char *s, size_t len, size_t i) {
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

/* ---- the text field ------------------------------------------------------------- */

static void start_editing(ui_context *ui, uint32_t id, const char *buf, SDL_Rect r) {
    ui->focus = id;
    ui->editing = true;
    snprintf(ui->before_edit, sizeof ui->before_edit, "%s", buf);
    ui->cursor = strlen(buf);
    ui->all_selected = false;
    ui->scroll_text = 0;
    ui->blink_start = SDL_GetTicks();
    SDL_StartTextInput();
    SDL_SetTextInputRect(&r);
}

void ui_keep_editing(ui_context *ui, const char *id) {
    ui->focus = hash_id(id);
    if (!ui->editing) SDL_StartTextInput();
    ui->editing = true;
    ui->all_selected = false;
    ui->blink_start = SDL_GetTicks();
}

/* Ctrl+A's selection goes: replaced (the text emptied) when replace. */
static void drop_selection(ui_context *ui, char *buf, bool replace) {
    if (ui->all_selected && replace) buf[0] = '\0', ui->cursor = 0;
    ui->all_selected = false;
}

/* Inserts text at the caret: control characters (a pasted newline) become
 * spaces; invalid UTF-8 or text that does not fit is refused whole, with
 * a notice. */
static bool insert(ui_context *ui, const char *name, char *buf, size_t cap, const char *text) {
    size_t add = strlen(text), len = strlen(buf);
    size_t bad = utf8_invalid_at(text, add);
    if (bad < add) {
        snprintf(ui->notice, sizeof ui->notice,
                 "%s: the typed or pasted text is not valid UTF-8 (byte %zu): nothing was "
                 "inserted",
                 name, bad);
        return false;
    }
    if (len + add + 1 > cap) {
        snprintf(ui->notice, sizeof ui->notice,
                 "%s: at most %zu bytes fit; %zu more were refused: shorten the %s", name,
                 cap - 1, add, name);
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
        size_t n = ui_next_cp(buf, len, i);
        int w0 = ui_measure(ui, buf + from, i - from), w1 = ui_measure(ui, buf + from, n - from);
        if (x < (w0 + w1) / 2) break;
        best = i = n;
    }
    return best;
}

int ui_text_field(ui_context *ui, const char *id, const char *name, char *buf, size_t cap) {
    uint32_t uid = hash_id(id);
    SDL_Rect r = ui_place(ui, inner_w(ui), row_height(ui));
    bool focused = ui_focusable(ui, uid, r);
    bool editing = ui->editing && ui->focus == uid;
    int inner_x = r.x + pad(ui) / 2 + 2, field_w = r.w - pad(ui) - 4;
    const SDL_Event *e = ui->event;
    int flags = 0;
    size_t len = strlen(buf);
    /* the caret is the edited field's: another field's shorter text must
     * not move it (typing past a short model path would insert in place) */
    if (editing && ui->cursor > len) ui->cursor = len;

    if (e && e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        bool hit = inside(e->button.x, e->button.y, r) && inside(e->button.x, e->button.y, ui->area);
        if (hit && !ui->consumed) {
            ui->consumed = true;
            if (!editing) start_editing(ui, uid, buf, r);
            ui->cursor = offset_at(ui, buf, editing ? ui->scroll_text : 0, e->button.x - inner_x);
            ui->blink_start = SDL_GetTicks();
        } else if (editing && !hit) { /* a click elsewhere ends the edit and applies it */
            ui_stop_editing(ui);
            if (strcmp(buf, ui->before_edit) != 0) flags |= UI_TEXT_SUBMIT;
        }
    } else if (e && editing && e->type == SDL_TEXTINPUT && !ui->consumed) {
        ui->consumed = true;
        char kept[UI_TEXT_MAX];
        snprintf(kept, sizeof kept, "%s", buf);
        bool was_all = ui->all_selected;
        drop_selection(ui, buf, true);
        if (insert(ui, name, buf, cap, e->text.text)) flags |= UI_TEXT_CHANGED;
        else if (was_all) snprintf(buf, cap, "%s", kept), ui->cursor = strlen(buf); /* refused: keep */
        ui->blink_start = SDL_GetTicks();
    } else if (e && editing && e->type == SDL_KEYDOWN && !ui->consumed) {
        SDL_Keycode k = e->key.keysym.sym;
        bool ctrl = (e->key.keysym.mod & KMOD_CTRL) != 0;
        ui->consumed = true; /* keys type, they are not shortcuts */
        ui->blink_start = SDL_GetTicks();
        if (ui->all_selected) { /* the selection goes: replaced, or left with the caret */
            bool ctrl_only = ctrl && k != SDLK_v && k != SDLK_a;
            bool replace = (k == SDLK_BACKSPACE || k == SDLK_DELETE) && !ctrl_only;
            if (replace) {
                drop_selection(ui, buf, true);
                ui->consumed = true;
                return flags | UI_TEXT_CHANGED;
            }
            if (k == SDLK_LEFT || k == SDLK_HOME) ui->cursor = 0;
            if (k == SDLK_LEFT || k == SDLK_RIGHT) { /* just to its edge */
                ui->all_selected = false;
                return flags;
            }
            /* a typed character's key comes before its text (SDL_TEXTINPUT),
             * as does Shift's: the selection waits for the text to replace */
            if (k == SDLK_HOME || k == SDLK_END) drop_selection(ui, buf, false);
        }
        size_t at = ui->cursor;
        switch (k) {
        case SDLK_RETURN:
        case SDLK_KP_ENTER:
            ui_stop_editing(ui);
            flags |= UI_TEXT_SUBMIT;
            break;
        case SDLK_ESCAPE:
            if (strcmp(buf, ui->before_edit) != 0) flags |= UI_TEXT_DISCARDED;
            snprintf(buf, cap, "%s", ui->before_edit);
            ui_stop_editing(ui);
            flags |= UI_TEXT_CANCEL;
            break;
        case SDLK_TAB:
        case SDLK_UP:
        case SDLK_DOWN: /* leave the field, applying it; ui_end moves the focus */
            ui_stop_editing(ui);
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
                size_t n = ui_next_cp(buf, len, at);
                memmove(buf + at, buf + n, len - n + 1);
            }
            flags |= UI_TEXT_CHANGED;
            break;
        case SDLK_LEFT: ui->cursor = prev_cp(buf, at); break;
        case SDLK_RIGHT: ui->cursor = ui_next_cp(buf, len, at); break;
        case SDLK_HOME: ui->cursor = 0; break;
        case SDLK_END: ui->cursor = len; break;
        case SDLK_u: /* Ctrl+U clears, to type a new sentence quickly */
            if (ctrl) buf[0] = '\0', ui->cursor = 0, flags |= UI_TEXT_CHANGED;
            break;
        case SDLK_a: /* Ctrl+A selects the whole text, to type a new one over it */
            if (ctrl && len > 0) ui->all_selected = true, ui->cursor = len;
            break;
        case SDLK_v:
            if (ctrl && SDL_HasClipboardText()) {
                char *clip = SDL_GetClipboardText(), kept[UI_TEXT_MAX];
                snprintf(kept, sizeof kept, "%s", buf);
                bool was_all = ui->all_selected;
                drop_selection(ui, buf, true);
                if (clip && insert(ui, name, buf, cap, clip)) flags |= UI_TEXT_CHANGED;
                else if (was_all) snprintf(buf, cap, "%s", kept), ui->cursor = strlen(buf);
                SDL_free(clip);
            } else if (ctrl) {
                ui->all_selected = false;
            }
            break;
        default: break;
        }
    } else {
        SDL_Keycode k = ui_key_for(ui, uid);
        if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
            ui->consumed = true;
            start_editing(ui, uid, buf, r);
        }
    }
    editing = ui->editing && ui->focus == uid;
    len = strlen(buf);

    /* Keep the caret in view: scroll_text is the first byte shown. Text
     * that fits shows from its start; a long one scrolls no further than
     * the caret needs (after Ctrl+A and typing over a long text, the new
     * short text must not stay scrolled by the old one's offset). */
    size_t start = 0;
    if (editing) {
        if (ui->cursor > len) ui->cursor = len;
        if (ui->scroll_text > ui->cursor) ui->scroll_text = ui->cursor;
        while (ui->scroll_text < ui->cursor &&
               ui_measure(ui, buf + ui->scroll_text, ui->cursor - ui->scroll_text) > field_w - 2)
            ui->scroll_text = ui_next_cp(buf, len, ui->scroll_text);
        while (ui->scroll_text > 0) { /* scroll back while the caret stays in view */
            size_t back = prev_cp(buf, ui->scroll_text);
            if (ui_measure(ui, buf + back, ui->cursor - back) > field_w - 2) break;
            ui->scroll_text = back;
        }
        start = ui->scroll_text;
    }
    if (drawing(ui)) {
        const theme *t = ui->theme;
        ui_box(ui, r, t->background, focused || editing, hovered(ui, r));
        if (editing) outline(ui->renderer, r, t->accent, ui->px / 8 > 2 ? ui->px / 8 + 2 : 4);
        /* only the part that fits: a texture of the whole text could pass
         * the renderer's size limit */
        size_t end = start;
        while (end < len) {
            size_t n = ui_next_cp(buf, len, end);
            if (ui_measure(ui, buf + start, n - start) > field_w) break;
            end = n;
        }
        SDL_Rect clip = {inner_x, r.y, field_w, r.h}, old, both;
        SDL_RenderGetClipRect(ui->renderer, &old);
        if (SDL_IntersectRect(&clip, &old, &both)) {
            SDL_RenderSetClipRect(ui->renderer, &both);
            if (editing && ui->all_selected && end > start) { /* Ctrl+A's selection */
                SDL_Rect sel = {inner_x, r.y + r.h / 6, ui_measure(ui, buf + start, end - start),
                                r.h * 2 / 3};
                fill(ui->renderer, sel, t->panel_border);
            }
            if (len == 0 && !editing)
                ui_text_at(ui, "(empty: press Enter and type)", 29, t->text_dim, inner_x,
                           r.y + r.h / 2, TEXT_LEFT | TEXT_MIDDLE);
            ui_text_at(ui, buf + start, end - start, t->text, inner_x, r.y + r.h / 2,
                       TEXT_LEFT | TEXT_MIDDLE);
            if (editing && ((SDL_GetTicks() - ui->blink_start) / 530) % 2 == 0) {
                int cx = inner_x + ui_measure(ui, buf + start, ui->cursor - start);
                SDL_Rect caret = {cx, r.y + r.h / 6, ui->px / 8 > 2 ? ui->px / 8 : 2, r.h * 2 / 3};
                fill(ui->renderer, caret, t->text);
            }
            SDL_RenderSetClipRect(ui->renderer, &old);
        }
    }
    return flags;
}
