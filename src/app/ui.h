/* A small immediate-mode widget set (in the style of microui and Nuklear,
 * written for this app). It knows widgets only: the settings panel built
 * from it is settings_panel.h.
 *
 * Immediate mode: the caller describes the widgets every pass, in order,
 * and each call both handles input and draws. A pass is either
 *   - an event pass, ui_begin(ui, &event, ...): the widgets react to that one
 *     event (a click, a key, typed text) and draw nothing, or
 *   - a draw pass, ui_begin(ui, NULL, ...): the widgets draw themselves.
 * Running one pass per event keeps the order of fast input (xdotool, a
 * quick typist) exactly as it came, which one pass per frame would not.
 *
 * Widgets are named by a string id, unique within the pass. Keyboard
 * operation: Tab / Shift+Tab and Up / Down move the focus between widgets,
 * Left / Right change a choice, stepper, slider or toggle, Enter presses a
 * button, toggles a toggle, or starts and ends editing a text field.
 * Nothing depends on colour alone: focus is a thick outline, a chosen
 * segment is filled and outlined, a toggle says "on" or "off". */
#ifndef ATTNVIZ_APP_UI_H
#define ATTNVIZ_APP_UI_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"
#include "theme.h"

enum {
    UI_FOCUS_MAX = 64,    /* focusable widgets in one pass */
    UI_FONT_SIZES = 6,    /* measuring fonts kept open */
    UI_TEXT_MAX = 4096,   /* bytes a text field edits, with the NUL (Esc restores them) */
    UI_NOTICE_LEN = 512,  /* a notice, with the NUL */
};

typedef struct ui_context {
    SDL_Renderer *renderer;
    text_cache *text;
    char font_path[1024];
    /* Fonts for measuring substrings without rasterising them, by size
     * (opening one costs a file read and hinting: keep the few in use). */
    TTF_Font *fonts[UI_FONT_SIZES];
    int font_px[UI_FONT_SIZES];
    int next_font;

    /* this pass */
    const SDL_Event *event; /* NULL: a draw pass */
    bool consumed;          /* a widget used the event */
    const theme *theme;
    int px;             /* type size */
    SDL_Rect area;      /* where the widgets go */
    int row_h;          /* height of the current row */
    unsigned flags;     /* UI_* of this pass */
    bool keyboard;      /* flags & UI_KEYBOARD */
    int label_w;        /* width of the label column of labelled widgets */
    uint32_t focus_ids[UI_FOCUS_MAX];
    SDL_Rect focus_rects[UI_FOCUS_MAX];
    size_t n_focus;
    int row_y;        /* top of the current row, before scrolling */
    int last_right;   /* right edge of the last widget */
    bool same_line;   /* ui_same_line was called */
    bool skip_focus;  /* ui_skip_focus was called */
    bool flag_next;   /* ui_flag_next was called */

    /* kept between passes */
    int mouse_x, mouse_y; /* output pixels */
    uint32_t focus;       /* widget with keyboard focus, 0: none */
    uint32_t active;      /* widget the mouse is pressing (a dragged slider) */
    bool editing;         /* the focused text field takes typing */
    size_t cursor;        /* byte offset of the caret in the edited text */
    bool all_selected;    /* Ctrl+A: the whole text, replaced by what is typed next */
    size_t scroll_text;   /* first byte shown in the edited text */
    char before_edit[UI_TEXT_MAX]; /* restored by Esc */
    char number[24];      /* the digits typed into a stepper being edited */
    int scroll;           /* vertical scroll of the area's content */
    int last_content_h;   /* content height of the last pass */
    uint32_t blink_start; /* SDL_GetTicks() when the caret last moved */
    /* A refused edit (too long, invalid UTF-8), one line for the user; the
     * caller shows it where it likes and clears it. */
    char notice[UI_NOTICE_LEN];
} ui_context;

/* Sets ui up to draw with r and tc; measures text with the font at
 * font_path (the one the text cache uses). TTF_Init must have been called.
 * ui is caller-owned; ui_free closes the measuring font. */
void ui_init(ui_context *ui, SDL_Renderer *r, text_cache *tc, const char *font_path);
void ui_free(ui_context *ui);

/* What a pass may do (or-ed). */
enum {
    UI_KEYBOARD = 1,   /* widgets take focus and keys (Tab, arrows, Enter) */
    UI_SCROLL = 2,     /* content taller than the area scrolls (wheel, focus) */
    UI_BACKGROUND = 4, /* fill the area with the panel colour first */
};

/* Starts a pass over area (output pixels). ev: the event to react to, with
 * mouse positions in output pixels, or NULL to draw. flags: UI_*. */
void ui_begin(ui_context *ui, const SDL_Event *ev, const theme *t, int px, SDL_Rect area,
              unsigned flags);
/* Ends the pass: Tab and Up/Down that no widget used move the focus, the
 * wheel scrolls. Returns true when the event was used. */
bool ui_end(ui_context *ui);

/* True while a text field takes typing: keys belong to it, not shortcuts. */
bool ui_typing(const ui_context *ui);
/* True while a widget has the keyboard focus (a click outside the area
 * of a keyboard pass takes it away). */
bool ui_has_focus(const ui_context *ui);
/* True while the text field named id takes typing. */
bool ui_editing(const ui_context *ui, const char *id);
/* Drops keyboard focus (and editing, without applying). */
void ui_clear_focus(ui_context *ui);
/* Draws the next labelled widget's label as the one at fault (the error
 * colour and a cross, so not by colour alone): where a change that could
 * not apply must be mended. The focus stays where it is. */
void ui_flag_next(ui_context *ui);
/* Gives the keyboard focus to the widget named id. */
void ui_focus(ui_context *ui, const char *id);
/* The next widget is for the mouse only: Tab and the arrows skip it (for a
 * button a key of the caller's already does). */
void ui_skip_focus(ui_context *ui);

/* ---- layout ---------------------------------------------------------------- */

/* The next widget goes right of the previous one when it fits. */
void ui_same_line(ui_context *ui);
/* Vertical space of px * frac. */
void ui_space(ui_context *ui, float frac);
/* Makes the label column of labelled widgets fit the widest of labels at
 * this pass's type size (it starts 7 type sizes wide); after ui_begin. */
void ui_fit_labels(ui_context *ui, const char *const *labels, size_t count);
/* Width in pixels of text at this pass's type size. */
int ui_text_width(ui_context *ui, const char *text);

/* ---- widgets ------------------------------------------------------------------ */

/* Text wrapped to the area's width, in colour c. */
void ui_label(ui_context *ui, const char *text, SDL_Color c);
/* Like ui_label, larger and in the text colour. */
void ui_heading(ui_context *ui, const char *text);
/* A push button; true when clicked or Enter was pressed on it. A button
 * made while keyboard is off is mouse-only. */
bool ui_button(ui_context *ui, const char *id, const char *label);
/* "label  [✓ on]"; true when *value changed. */
bool ui_toggle(ui_context *ui, const char *id, const char *label, bool *value);
/* A segmented choice of count options; true when *index changed. When the
 * segments do not fit it draws as "◀ option ▶". */
bool ui_choice(ui_context *ui, const char *id, const char *label, const char *const *options,
               int count, int *index);
/* "label  [−] value [+]" over [lo, hi]; true when *value changed. The
 * value can be typed too: a digit key, Enter or a click on the value starts
 * editing it (digits and Backspace); Enter, Tab or a click elsewhere apply
 * it, Esc puts the old value back. A value outside [lo, hi] is refused with
 * a notice (ui->notice) naming the label. */
bool ui_stepper(ui_context *ui, const char *id, const char *label, uint64_t *value, uint64_t lo,
                uint64_t hi);
/* A slider over [lo, hi] on a log scale (both > 0); keys step by a tenth
 * of a decade on round values (1, 1.3, 1.6, 2, 2.5, ...). fmt formats the
 * value shown. True when *value changed (on release when dragged). */
bool ui_slider_log(ui_context *ui, const char *id, const char *label, float *value, float lo,
                   float hi, const char *fmt);
/* "label  value" for a value that cannot change here: framed, dimmed, not
 * focusable, lower than a control. */
void ui_readonly(ui_context *ui, const char *label, const char *value);

/* What a text field did in this pass. */
enum {
    UI_TEXT_CHANGED = 1, /* the text was edited */
    UI_TEXT_SUBMIT = 2,  /* Enter, or focus left after an edit: apply it */
    UI_TEXT_CANCEL = 4,  /* Esc: the text was restored */
    UI_TEXT_DISCARDED = 8, /* with UI_TEXT_CANCEL: Esc threw away an edit (the text differed) */
};
/* A one-line UTF-8 text field over buf[cap] (cap at most UI_TEXT_MAX).
 * Click or Enter starts editing; typing inserts at the caret,
 * Backspace/Delete remove a code point, Left/Right/Home/End move, Ctrl+V
 * pastes, Ctrl+A selects the whole text (typing, pasting, Backspace or
 * Delete then replace it). Text that is not valid UTF-8, or that does not
 * fit, is refused with a notice (ui->notice) that names the field by name
 * ("sentence"). Returns the UI_TEXT_* flags. */
int ui_text_field(ui_context *ui, const char *id, const char *name, char *buf, size_t cap);

/* Field id goes on being edited (its caret where it was): for a submitted
 * text the caller refused, so that the field that looks focused still
 * takes the keys and the text can be mended at once. */
void ui_keep_editing(ui_context *ui, const char *id);

#endif
