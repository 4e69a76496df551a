/* The narration panel of a lesson: the lesson's title, "step k / N", the
 * step's title, its narration (paragraphs word-wrapped, "- " lists, the
 * Markdown markers dropped), the live values substituted, and its
 * question with numbered choices; after an answer the choice taken is
 * marked ✓ or ✗ in words as well as colour, and the explanation follows.
 *
 * Layout is the costly part (every word measured), so it is done when the
 * step, the answer, the size or the model change, and kept in the lesson;
 * a steady frame only draws cached strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "lesson_panel.h"

enum {
    LINE_TITLE,   /* the lesson's title */
    LINE_META,    /* "step k / N" */
    LINE_HEADING, /* the step's title */
    LINE_TEXT,    /* narration */
    LINE_ASK,     /* the question */
    LINE_CHOICE,  /* a choice, not (yet) marked */
    LINE_RIGHT,   /* the choice taken, right; or the right one after a wrong answer */
    LINE_WRONG,   /* the choice taken, wrong */
    LINE_VERDICT, /* "✓ Right." / "✗ Not quite" */
    LINE_GAP,     /* half a line of space */
    LINE_SLIDER,  /* a value prediction's slider */
    LINE_RIGHT_VERDICT, /* a prediction's verdict, right */
    LINE_WRONG_VERDICT, /* a prediction's verdict, wrong */
};

SDL_Rect app_lesson_panel_rect(int w, int h, int px) {
    /* Beside the heatmaps when the frame keeps a useful width, else below. */
    if (w >= 560) {
        int pw = w * 32 / 100;
        if (pw < 17 * px) pw = 17 * px;
        if (pw > w * 45 / 100) pw = w * 45 / 100;
        return (SDL_Rect){w - pw, 0, pw, h};
    }
    int ph = h * 48 / 100;
    return (SDL_Rect){0, h - ph, w, ph};
}

/* ---- text: Markdown to plain blocks ------------------------------------------------ */

static bool text_reserve(app_lesson *l, size_t more) {
    if (l->text_len + more + 1 <= l->text_cap) return true;
    size_t cap = l->text_cap ? l->text_cap : 4096;
    while (cap < l->text_len + more + 1) cap *= 2;
    char *t = realloc(l->text, cap);
    if (!t) return false;
    l->text = t;
    l->text_cap = cap;
    return true;
}

/* Drops the emphasis, strong and code markers: the panel shows the words. A
 * '*' between spaces (a product) stays. */
static void strip_markers(char *s) {
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '`') continue;
        if (s[i] == '*') {
            bool before_space = i == 0 || s[i - 1] == ' ';
            bool after_space = s[i + 1] == '\0' || s[i + 1] == ' ';
            if (!(before_space && after_space)) continue;
        }
        s[o++] = s[i];
    }
    s[o] = '\0';
}

/* ---- wrapping ---------------------------------------------------------------------------- */

typedef struct layout_ctx {
    app_lesson *l;
    text_cache *tc;
    int width; /* text width */
    int total_h;
    bool full;
} layout_ctx;

static void add_line(layout_ctx *c, const char *s, size_t len, int kind, int indent, int choice,
                     int px) {
    app_lesson *l = c->l;
    if (l->n_lines >= APP_LESSON_LINES_MAX || !text_reserve(l, len)) {
        c->full = true;
        return;
    }
    app_lesson_line *ln = &l->lines[l->n_lines++];
    ln->off = l->text_len;
    memcpy(l->text + l->text_len, s, len);
    l->text_len += len;
    l->text[l->text_len++] = '\0';
    ln->kind = kind;
    ln->indent = indent;
    ln->choice = choice;
    ln->px = px;
    ln->h = kind == LINE_GAP ? px / 2 : kind == LINE_SLIDER ? px * 2 : px * 4 / 3;
    c->total_h += ln->h;
}

static int word_width(text_cache *tc, const char *s, size_t len, int px) {
    char buf[256];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int w = 0;
    text_measure(tc, buf, px, &w, NULL);
    return w;
}

/* Wraps s at spaces into lines of c->width; the first line starts with
 * prefix, the following ones are indented by its width (hanging lists). */
static void add_wrapped(layout_ctx *c, const char *prefix, const char *s, int kind, int choice,
                        int px) {
    int space = word_width(c->tc, "x x", 3, px) - word_width(c->tc, "xx", 2, px);
    if (space < 1) space = px / 4 + 1;
    int indent = prefix[0] ? word_width(c->tc, prefix, strlen(prefix), px) : 0;
    char line[2048];
    size_t ll = snprintf(line, sizeof line, "%s", prefix);
    int x = indent;
    bool first_word = true, first_line = true;
    for (const char *p = s; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *e = p;
        while (*e && *e != ' ') e++;
        size_t wl = (size_t)(e - p);
        int ww = word_width(c->tc, p, wl, px);
        if (!first_word && (x + space + ww > c->width || ll + wl + 2 >= sizeof line)) {
            add_line(c, line, ll, kind, first_line ? 0 : indent, choice, px);
            first_line = false;
            ll = 0;
            x = indent;
            first_word = true;
        }
        if (!first_word) {
            line[ll++] = ' ';
            x += space;
        }
        if (wl > sizeof line - ll - 1) wl = sizeof line - ll - 1;
        memcpy(line + ll, p, wl);
        ll += wl;
        line[ll] = '\0';
        x += ww;
        first_word = false;
        p = e;
    }
    if (ll > 0) add_line(c, line, ll, kind, first_line ? 0 : indent, choice, px);
}

/* The narration after substitution: paragraphs and "- " items, each
 * wrapped; a blank line between paragraphs is half a line. */
static void add_narration(layout_ctx *c, const char *text, int px) {
    size_t len = strlen(text);
    char *block = malloc(len + 1);
    if (!block) return;
    size_t bl = 0;
    bool item = false;
    const char *p = text;
    for (;;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *ln = p;
        while (n > 0 && (*ln == ' ' || *ln == '\t')) ln++, n--;
        bool blank = n == 0, starts_item = n >= 2 && (ln[0] == '-' || ln[0] == '*') && ln[1] == ' ';
        bool heading = n > 0 && ln[0] == '#';
        if (blank || starts_item || heading) {
            if (bl > 0) {
                block[bl] = '\0';
                strip_markers(block);
                add_wrapped(c, item ? "•  " : "", block, LINE_TEXT, -1, px);
                bl = 0;
            }
            if (blank && c->l->n_lines > 0) add_line(c, "", 0, LINE_GAP, 0, -1, px);
            item = starts_item;
            if (starts_item) ln += 2, n -= 2;
            if (heading) {
                while (n > 0 && *ln == '#') ln++, n--;
                while (n > 0 && *ln == ' ') ln++, n--;
            }
        }
        if (!blank) {
            if (bl > 0) block[bl++] = ' ';
            memcpy(block + bl, ln, n);
            bl += n;
        }
        if (heading && bl > 0) { /* a heading stands alone */
            block[bl] = '\0';
            strip_markers(block);
            add_wrapped(c, "", block, LINE_ASK, -1, px);
            bl = 0;
        }
        if (!e) break;
        p = e + 1;
    }
    if (bl > 0) {
        block[bl] = '\0';
        strip_markers(block);
        add_wrapped(c, item ? "•  " : "", block, LINE_TEXT, -1, px);
    }
    free(block);
}

/* Substitutes the live values of text into a fresh buffer (caller frees). */
static char *values(app_state *s, const char *text, size_t *unknown) {
    size_t cap = strlen(text) * 2 + 1024;
    char *out = malloc(cap);
    if (!out) return NULL;
    *unknown += state_lesson_substitute(&s->model, text, out, cap);
    return out;
}

/* The step's prediction: the ask; while it waits, the pick under the
 * cursor (or the slider and its value) and how to answer; once made, the
 * verdict graded on the live model and the explanation. */
static void add_prediction(app_state *s, layout_ctx *c, const lesson_predict *p, int px, int spx) {
    app_lesson *l = s->lesson;
    const state_lesson *pl = &l->player;
    add_line(c, "", 0, LINE_GAP, 0, -1, px);
    char *t = values(s, p->ask, &l->unknown_values);
    if (t) {
        strip_markers(t);
        add_wrapped(c, "Predict: ", t, LINE_ASK, -1, px);
    }
    free(t);
    char line[512], name[128];
    if (state_lesson_awaits_prediction(pl)) {
        if (p->kind == LESSON_PREDICT_VALUE) {
            add_line(c, "", 0, LINE_SLIDER, 0, -1, px);
            snprintf(line, sizeof line, "your value: %.3g  (%.3g to %.3g)", pl->slider, p->lo, p->hi);
            add_wrapped(c, "", line, LINE_TEXT, -1, px);
            add_wrapped(c, "", "←/→ move it, ↑/↓ faster, or drag the slider; Enter answers.",
                        LINE_META, -1, spx);
        } else {
            state_predict_option_name(&s->model, p, pl->cursor, name, sizeof name);
            snprintf(line, sizeof line, "your pick: %s", name);
            add_wrapped(c, "", line, LINE_TEXT, -1, px);
            const char *how = p->kind == LESSON_PREDICT_KEY
                                  ? "←/→ move along the row, Enter answers; or click a cell."
                              : p->measure == LESSON_MEASURE_PRUNE
                                  ? "←/→ and ↑/↓ move over the heads, Enter answers; or click one."
                                  : "←/→ move over the heads, Enter answers; or click a map.";
            add_wrapped(c, "", how, LINE_META, -1, spx);
        }
        return;
    }
    const state_prediction *r = &pl->predicted[pl->step];
    state_predict_verdict(&s->model, p, r, line, sizeof line);
    add_line(c, "", 0, LINE_GAP, 0, -1, px);
    add_wrapped(c, "", line, r->right ? LINE_RIGHT_VERDICT : LINE_WRONG_VERDICT, -1, px);
    t = values(s, p->explain, &l->unknown_values);
    if (t) {
        strip_markers(t);
        add_wrapped(c, "", t, LINE_TEXT, -1, px);
    }
    free(t);
}

static void lay_out(app_state *s, text_cache *tc, int width, int px, int spx) {
    app_lesson *l = s->lesson;
    const lesson_step *st = &l->player.lesson.steps[l->player.step];
    layout_ctx c = {l, tc, width, 0, false};
    l->n_lines = 0;
    l->text_len = 0;
    l->unknown_values = 0;
    char meta[64];
    add_wrapped(&c, "", l->player.lesson.title, LINE_TITLE, -1, spx);
    snprintf(meta, sizeof meta, "step %zu / %zu", l->player.step + 1, l->player.lesson.n_steps);
    add_line(&c, meta, strlen(meta), LINE_META, 0, -1, spx);
    add_line(&c, "", 0, LINE_GAP, 0, -1, px);
    add_wrapped(&c, "", st->title, LINE_HEADING, -1, px * 6 / 5);
    add_line(&c, "", 0, LINE_GAP, 0, -1, px);
    /* A prediction comes before the narration, which often says the answer:
     * the narration shows once the prediction is made. */
    bool predicting = state_lesson_awaits_prediction(&l->player);
    char *t = predicting ? NULL : values(s, st->narration, &l->unknown_values);
    if (t) add_narration(&c, t, px);
    free(t);

    if (st->predict.line) add_prediction(s, &c, &st->predict, px, spx);
    const lesson_question *q = &st->question;
    if (q->line == 0) return;
    add_line(&c, "", 0, LINE_GAP, 0, -1, px);
    t = values(s, q->ask, &l->unknown_values);
    if (t) {
        strip_markers(t);
        add_wrapped(&c, "", t, LINE_ASK, -1, px);
    }
    free(t);
    int answer = l->player.answer[l->player.step];
    for (size_t k = 0; k < q->n_choices; k++) {
        char prefix[32];
        int kind = LINE_CHOICE;
        if (answer >= 0 && (size_t)answer == k) kind = k == q->right ? LINE_RIGHT : LINE_WRONG;
        else if (answer >= 0 && k == q->right) kind = LINE_RIGHT;
        snprintf(prefix, sizeof prefix, "%s%zu  ",
                 kind == LINE_RIGHT ? "✓ " : kind == LINE_WRONG ? "✗ " : "", k + 1);
        t = values(s, q->choices[k], &l->unknown_values);
        if (t) {
            strip_markers(t);
            add_wrapped(&c, prefix, t, kind, (int)k, px);
        }
        free(t);
    }
    if (answer >= 0) {
        char verdict[128];
        if ((size_t)answer == q->right)
            snprintf(verdict, sizeof verdict, "✓ Right: %d is the answer.", answer + 1);
        else
            snprintf(verdict, sizeof verdict, "✗ Not %d: the answer is %zu.", answer + 1,
                     q->right + 1);
        add_line(&c, "", 0, LINE_GAP, 0, -1, px);
        add_wrapped(&c, "", verdict, LINE_VERDICT, -1, px);
        t = values(s, q->explain, &l->unknown_values);
        if (t) {
            strip_markers(t);
            add_wrapped(&c, "", t, LINE_TEXT, -1, px);
        }
        free(t);
    } else {
        add_line(&c, "", 0, LINE_GAP, 0, -1, px);
        char how[64];
        snprintf(how, sizeof how, "Answer with 1–%zu or a click.", q->n_choices);
        add_wrapped(&c, "", how, LINE_META, -1, spx);
    }
}

static int total_height(const app_lesson *l) {
    int h = 0;
    for (size_t k = 0; k < l->n_lines; k++) h += l->lines[k].h;
    return h;
}

void app_lesson_draw(SDL_Renderer *r, text_cache *tc, app_state *s, SDL_Rect rc, int px) {
    app_lesson *l = s->lesson;
    if (!l || rc.w <= 0 || rc.h <= 0 || l->player.step >= l->player.lesson.n_steps) return;
    const theme *th = s->theme ? s->theme : theme_dark();
    l->panel = rc;
    l->n_choice_rects = 0;
    draw_fill(r, rc, th->panel);
    if (rc.x > 0) draw_line(r, rc.x, rc.y, rc.x, rc.y + rc.h, th->panel_border);
    else draw_line(r, rc.x, rc.y, rc.x + rc.w, rc.y, th->panel_border);
    int pad = px * 3 / 4;
    int spx = px * 4 / 5 > 10 ? px * 4 / 5 : (px < 10 ? px : 10);
    int hint_h = spx * 2;
    int width = rc.w - 2 * pad, avail = rc.h - 2 * pad - hint_h;
    if (width < 4 * px || avail < px) return;

    /* Lay out at the frame's type size, smaller when the step is long. */
    int answer = l->player.answer[l->player.step];
    /* a prediction made counts as an answer: the panel scrolls to its verdict */
    bool predicting = state_lesson_awaits_prediction(&l->player);
    if (state_lesson_prediction(&l->player) && !predicting) answer = 0;
    int cursor = predicting ? l->player.cursor : -1;
    double slider = predicting ? l->player.slider : 0.0;
    l->slider = (SDL_Rect){0, 0, 0, 0};
    if (!l->laid_out || l->key_step != l->player.step || l->key_answer != answer || l->key_w != rc.w ||
        l->key_h != rc.h || l->key_px != px || l->key_version != s->model.version ||
        l->key_cursor != cursor || l->key_slider != slider) {
        int min_px = px * 2 / 3 > 10 ? px * 2 / 3 : 10;
        for (int sz = px;; sz--) {
            int ssz = sz * 4 / 5 > 10 ? sz * 4 / 5 : (sz < 10 ? sz : 10);
            lay_out(s, tc, width, sz, ssz);
            if (total_height(l) <= avail || sz <= min_px) break;
        }
        /* Still too long at the smallest type: the panel scrolls. A new
         * step starts at its top; an answer scrolls to the verdict and the
         * explanation, which come last. */
        l->content_h = total_height(l);
        l->view_h = avail;
        if (!l->laid_out || l->key_step != l->player.step) l->scroll = 0;
        else if (l->key_answer != answer) l->scroll = l->content_h;
        l->laid_out = true;
        l->key_step = l->player.step;
        l->key_answer = answer;
        l->key_w = rc.w;
        l->key_h = rc.h;
        l->key_px = px;
        l->key_version = s->model.version;
        l->key_cursor = cursor;
        l->key_slider = slider;
    }

    bool scrolls = l->content_h > l->view_h;
    app_lesson_scroll(s, 0); /* kept in range after a resize */
    SDL_Rect clip = {rc.x, rc.y, rc.w, rc.h - hint_h};
    SDL_RenderSetClipRect(r, &clip);
    int x = rc.x + pad, y = rc.y + pad - l->scroll;
    for (size_t k = 0; k < l->n_lines; k++) {
        const app_lesson_line *ln = &l->lines[k];
        SDL_Color col = th->text;
        switch (ln->kind) {
        case LINE_TITLE: col = th->accent; break;
        case LINE_META: col = th->text_dim; break;
        case LINE_WRONG: col = th->error; break;
        case LINE_VERDICT: col = th->accent; break;
        case LINE_RIGHT_VERDICT: col = th->right; break;
        case LINE_WRONG_VERDICT: col = th->error; break;
        default: break;
        }
        if (ln->kind == LINE_SLIDER) {
            /* the track, the knob at the value; its rectangle takes clicks */
            const lesson_predict *p = state_lesson_prediction(&l->player);
            int tw = width - px, tx = x + px / 2, ty = y + ln->h / 2;
            draw_fill(r, (SDL_Rect){tx, ty - 2, tw, 4}, th->panel_border);
            double f = p && p->hi > p->lo ? (l->player.slider - p->lo) / (p->hi - p->lo) : 0.5;
            int kx = tx + (int)(f * (tw - 1) + 0.5);
            draw_fill(r, (SDL_Rect){kx - px / 4, ty - px / 2, px / 2, px}, th->highlight);
            l->slider = (SDL_Rect){tx, ty - px / 2, tw, px};
        }
        if (ln->choice >= 0 && ln->choice < LESSON_CHOICES_MAX) {
            /* a choice's lines make its click area */
            SDL_Rect cr = {rc.x + pad / 2, y, rc.w - pad, ln->h};
            size_t ch = (size_t)ln->choice;
            if (ch >= l->n_choice_rects) {
                l->n_choice_rects = ch + 1;
                l->choice_rects[ch] = cr;
            } else {
                l->choice_rects[ch].h = y + ln->h - l->choice_rects[ch].y;
            }
            if (ln->kind == LINE_RIGHT || ln->kind == LINE_WRONG)
                draw_fill(r, cr, (SDL_Color){col.r, col.g, col.b, 40});
        }
        if (ln->kind != LINE_GAP && l->text[ln->off])
            text_draw(tc, l->text + ln->off, ln->px, col, x + ln->indent, y + ln->h / 2,
                      TEXT_LEFT | TEXT_MIDDLE);
        y += ln->h;
    }
    for (size_t k = 0; k < l->n_choice_rects; k++) {
        /* a choice half scrolled out is clicked only where it shows */
        SDL_Rect cr = l->choice_rects[k], shown;
        if (!SDL_IntersectRect(&cr, &clip, &shown)) shown = (SDL_Rect){0, 0, 0, 0};
        l->choice_rects[k] = shown;
        if (shown.w > 0 && answer == STATE_LESSON_UNANSWERED)
            draw_outline(r, cr, th->panel_border, 1);
    }
    SDL_RenderSetClipRect(r, NULL);
    if (scrolls) { /* where the view is in the step: a thin bar at the right edge */
        int track_y = rc.y + pad, track_h = l->view_h, bar_w = px / 5 > 3 ? px / 5 : 3;
        int thumb_h = track_h * l->view_h / l->content_h;
        int thumb_y = track_y + (track_h - thumb_h) * l->scroll / (l->content_h - l->view_h);
        SDL_Rect track = {rc.x + rc.w - bar_w - 2, track_y, bar_w, track_h};
        draw_fill(r, track, th->panel_border);
        draw_fill(r, (SDL_Rect){track.x, thumb_y, bar_w, thumb_h}, th->text_dim);
    }
    /* the keys, at the foot of the panel: the answer keys only while a
     * question waits (as many as it has choices), the scroll keys only
     * when the step is longer than the panel; longest form that fits */
    const lesson_question *q = &l->player.lesson.steps[l->player.step].question;
    char keys[32] = "", more[32] = "", forms[3][128];
    if (q->line && answer == STATE_LESSON_UNANSWERED)
        snprintf(keys, sizeof keys, "1–%zu answer", q->n_choices);
    if (predicting) snprintf(keys, sizeof keys, "←/→ pick  Enter");
    const char *step = predicting ? "Shift+→/← step" : "→/← step";
    if (scrolls) snprintf(more, sizeof more, "PgUp/PgDn more");
    snprintf(forms[0], sizeof forms[0], "%s   %s%s%s%sEsc leave lesson", step, keys,
             *keys ? "   " : "", more, *more ? "   " : "");
    snprintf(forms[1], sizeof forms[1], "%s  %s%s%s%sEsc", step, keys, *keys ? "  " : "", more,
             *more ? "  " : "");
    snprintf(forms[2], sizeof forms[2], "%s%sEsc", *more ? more : predicting ? keys : step, "  ");
    const char *hint = forms[2];
    for (size_t k = 0; k < 3; k++) {
        int w = 0;
        text_measure(tc, forms[k], spx, &w, NULL);
        if (w <= width) {
            hint = forms[k];
            break;
        }
    }
    SDL_Rect foot = {rc.x, rc.y + rc.h - hint_h, rc.w, hint_h};
    draw_line(r, foot.x, foot.y, foot.x + foot.w, foot.y, th->panel_border);
    text_draw(tc, hint, spx, th->text_dim, x, foot.y + hint_h / 2, TEXT_LEFT | TEXT_MIDDLE);
}
