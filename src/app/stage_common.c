/* Helpers shared by the stage views: token labels, fitted text, matrix
 * panels, and the layout records the mouse reads. */
#include <cglm/cglm.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stage.h"

float stage_ease_part(float p, float from, float to) {
    if (to <= from) return p >= to ? 1.0f : 0.0f;
    return glm_ease_cubic_inout(glm_clamp_zo((p - from) / (to - from)));
}

size_t stage_cells_shown(float e, size_t rows, size_t cols) {
    size_t total = rows * cols;
    if (e >= 1.0f) return total;
    if (e <= 0.0f) return 0;
    size_t k = (size_t)(e * (float)total);
    return k > total ? total : k;
}

const char *stage_token(const stage_ctx *c, size_t i, size_t *len) {
    if (c->m->label_text) { /* trained: "⟨start⟩", "word*" for an unknown word */
        const attn_token *tk = &c->m->labels[i];
        *len = tk->len;
        return c->m->label_text + tk->offset;
    }
    const attn_token *tk = &c->m->tokens[i];
    *len = tk->len;
    return c->m->text + tk->offset;
}

const char *stage_key_token(const stage_ctx *c, size_t j, size_t *len) {
    if (c->cross) return state_model_key_token(c->m, j, len);
    return stage_token(c, j, len);
}

/* Start of the UTF-8 code point that contains byte k of s (k <= len). */
static size_t utf8_floor(const char *s, size_t k) {
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    return k;
}

int stage_fit(const stage_ctx *c, const char *s, size_t len, int px, int max_w, char *buf,
              size_t cap) {
    if (cap == 0) return 0;
    buf[0] = '\0';
    if (max_w <= 0 || cap < 8) return 0;
    size_t n = len < cap - 1 ? len : cap - 1;
    n = n < len ? utf8_floor(s, n) : n;
    memcpy(buf, s, n);
    buf[n] = '\0';
    int w = 0;
    text_measure(c->tc, buf, px, &w, NULL);
    if (w <= max_w && n == len) return w;
    /* Too wide: keep a prefix and "…". Guess the length from the width, then
     * step down; each try is measured once and cached. */
    size_t keep = w > 0 ? (size_t)((double)n * max_w / w) : n;
    if (keep >= n) keep = n > 0 ? n - 1 : 0;
    for (int tries = 0; tries < 12; tries++) {
        keep = utf8_floor(s, keep < cap - 4 ? keep : cap - 4);
        memcpy(buf, s, keep);
        memcpy(buf + keep, "…", 4); /* three bytes and the NUL */
        text_measure(c->tc, buf, px, &w, NULL);
        if (w <= max_w) {
            text_cache_note_cut(c->tc, buf); /* the layout marks it cut when drawn */
            return w;
        }
        if (keep == 0) break;
        keep--;
    }
    buf[0] = '\0';
    return 0;
}

int stage_text_fit(const stage_ctx *c, const char *s, int px, SDL_Color col, int x, int y,
                   int align, int max_w) {
    char buf[512];
    if (stage_fit(c, s, strlen(s), px, max_w, buf, sizeof buf) == 0) return 0;
    return text_draw(c->tc, buf, px, col, x, y, align);
}

int stage_text_wrap(const stage_ctx *c, const char *s, int px, SDL_Color col, int x, int y,
                    int max_w, int line_h, int max_lines) {
    int lines = 0;
    while (*s == ' ') s++;
    while (*s && lines < max_lines) {
        /* the longest run of whole words that fits; a word longer than the
         * line is cut with "…" rather than overflow */
        size_t end = 0, fit = 0;
        char buf[512];
        for (;;) {
            size_t next = end;
            while (s[next] && s[next] != ' ') next++;
            if (next >= sizeof buf) break;
            memcpy(buf, s, next);
            buf[next] = '\0';
            int w = 0;
            text_measure(c->tc, buf, px, &w, NULL);
            if (w > max_w) break;
            fit = next;
            if (!s[next]) break;
            end = next + 1;
        }
        bool last = lines + 1 == max_lines;
        if (fit == 0 || (last && s[fit])) { /* one word too long, or no line left */
            stage_text_fit(c, s, px, col, x, y + lines * line_h, TEXT_LEFT | TEXT_MIDDLE, max_w);
            return lines + 1;
        }
        memcpy(buf, s, fit);
        buf[fit] = '\0';
        text_draw(c->tc, buf, px, col, x, y + lines * line_h, TEXT_LEFT | TEXT_MIDDLE);
        lines++;
        s += fit;
        while (*s == ' ') s++;
    }
    return lines;
}

/* The widest of the queries' tokens, and with cross-attention of the
 * keys' too: one width serves the rows and the columns of every map. */
int stage_token_width(const stage_ctx *c, int px, int cap) {
    int best = 0;
    char buf[256];
    for (size_t i = 0; i < c->n && best < cap; i++) {
        size_t len;
        const char *s = stage_token(c, i, &len);
        int w = stage_fit(c, s, len, px, cap, buf, sizeof buf);
        if (w > best) best = w;
    }
    for (size_t j = 0; c->cross && j < c->n_keys && best < cap; j++) {
        size_t len;
        const char *s = stage_key_token(c, j, &len);
        int w = stage_fit(c, s, len, px, cap, buf, sizeof buf);
        if (w > best) best = w;
    }
    return best < cap ? best : cap;
}

void stage_record_label(const stage_ctx *c, SDL_Rect rc, size_t token) {
    app_layout *l = &c->s->layout;
    if (l->n_token_labels >= APP_TOKENS_MAX || rc.w <= 0 || rc.h <= 0) return;
    l->token_labels[l->n_token_labels] = rc;
    l->token_of_label[l->n_token_labels] = (int)token;
    l->n_token_labels++;
}

void stage_record_grid(const stage_ctx *c, SDL_Rect rc, size_t head) {
    app_layout *l = &c->s->layout;
    if (l->n_grids >= ATTN_HEADS_MAX) return;
    l->grids[l->n_grids].rect = rc;
    l->grids[l->n_grids].head = (int)head;
    l->n_grids++;
}

/* A lit token (selected, or named by the lesson step) in the accent colour;
 * a word the trained model does not know dimmed (its label also carries a
 * mark, so colour is not alone). */
static SDL_Color label_color(const stage_ctx *c, size_t i) {
    if (stage_token_lit(c, i)) return c->th->accent;
    if (c->m->token_kind && i < c->n && c->m->token_kind[i] == STATE_TOKEN_UNKNOWN)
        return c->th->text_dim;
    return c->th->text;
}

/* A column's label colour: with cross-attention a key is another
 * sentence's token, never the selected (query) one. */
static SDL_Color key_color(const stage_ctx *c, size_t j) {
    return c->cross ? c->th->text : label_color(c, j);
}

void stage_key_row_labels(const stage_ctx *c, SDL_Rect grid, size_t rows, int max_w, int px) {
    if (!c->cross) {
        stage_row_labels(c, grid, rows, max_w, px);
        return;
    }
    if (rows == 0 || grid.h < 8 * (int)rows || max_w < px) return;
    int right = grid.x - px / 3;
    char buf[256];
    double row_h = (double)grid.h / (double)rows;
    int drawn_px = px > text_cache_min_px(c->tc) ? px : text_cache_min_px(c->tc);
    size_t step = (size_t)ceil(drawn_px * 1.15 / row_h);
    if (step < 1) step = 1;
    for (size_t j = 0; j < rows && j < c->n_keys; j += step) {
        int top = grid.y + (int)((size_t)grid.h * j / rows);
        int bottom = grid.y + (int)((size_t)grid.h * (j + 1) / rows);
        size_t len;
        const char *s = stage_key_token(c, j, &len);
        if (stage_fit(c, s, len, px, max_w, buf, sizeof buf) == 0) continue;
        text_draw(c->tc, buf, px, c->th->text, right, (top + bottom) / 2,
                  TEXT_RIGHT | TEXT_MIDDLE);
    }
}

void stage_row_labels(const stage_ctx *c, SDL_Rect grid, size_t rows, int max_w, int px) {
    if (rows == 0 || grid.h < 8 * (int)rows || max_w < px) return;
    int right = grid.x - px / 3;
    char buf[256];
    /* Rows a little shorter than the type: label every step-th, so labels
     * never run into each other; the type drawn is never under the frame's
     * smallest (text.c), whatever px asks for. */
    double row_h = (double)grid.h / (double)rows;
    int drawn_px = px > text_cache_min_px(c->tc) ? px : text_cache_min_px(c->tc);
    size_t step = (size_t)ceil(drawn_px * 1.15 / row_h);
    if (step < 1) step = 1;
    for (size_t i = 0; i < rows && i < c->n; i += step) {
        int top = grid.y + (int)((size_t)grid.h * i / rows);
        int bottom = grid.y + (int)((size_t)grid.h * (i + 1) / rows);
        size_t len;
        const char *s = stage_token(c, i, &len);
        if (stage_fit(c, s, len, px, max_w, buf, sizeof buf) == 0) continue;
        text_draw(c->tc, buf, px, label_color(c, i), right, (top + bottom) / 2,
                  TEXT_RIGHT | TEXT_MIDDLE);
        stage_record_label(c, (SDL_Rect){right - max_w, top, max_w, bottom - top}, i);
    }
}

/* How column labels fit: 0 not at all, 1 one line, 2 staggered on two
 * lines, COL_LABELS_UP turned up the column (a column at least 4/5 of the
 * type wide, where staggered words would be cut: whole words up to 5 em,
 * where the caller's max_h allows); *height is the room that takes. */
enum { COL_LABELS_UP = 3 };

static int col_label_lines(const stage_ctx *c, int w, size_t cols, int px, int max_h,
                           int *height) {
    int lines = 0, up = 0;
    int cw = cols > 0 && w > 0 ? w / (int)cols : 0;
    if (cw >= 8) {
        /* measured whole, then capped: a word cut to fit 4 em is as wide
         * as 4 em, not as its shorter cut form */
        int widest = stage_token_width(c, px, 1000 * px);
        if (widest > 4 * px) widest = 4 * px;
        if (widest <= cw - 2) lines = 1;
        else if (widest <= 2 * cw - 4) lines = 2;
        else if (5 * cw >= 4 * px && (up = stage_token_width(c, px, 5 * px) + px / 2) <= max_h)
            lines = COL_LABELS_UP;
        else if (2 * cw - 4 >= 2 * px) lines = 2; /* room for two letters and "…" at least */
    }
    *height = lines == COL_LABELS_UP ? up : lines == 0 ? 0 : lines * (px + px / 4) + px / 4;
    return lines;
}

int stage_col_labels_height(const stage_ctx *c, int w, size_t cols, int px, int max_h) {
    int height;
    col_label_lines(c, w, cols, px, max_h, &height);
    return height;
}

/* A column label a little too wide for its room ("because" over two
 * staggered columns) is drawn a little smaller rather than cut, down to
 * the frame's smallest type (14 px at 1080 lines, 20 in presenter mode);
 * only a word that does not fit even then is cut. */
static int whole_px(const stage_ctx *c, const char *s, size_t len, int px, int max_w) {
    char buf[256];
    if (len >= sizeof buf) return px;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int w = 0, least = text_cache_min_px(c->tc);
    text_measure(c->tc, buf, px, &w, NULL);
    if (w <= max_w || w <= 0) return px;
    int smaller = (int)((double)px * (double)max_w / (double)w);
    if (smaller < least || smaller < 9) return px;
    /* glyph widths do not scale exactly with the size: step down until whole */
    while (smaller >= least && smaller >= 9) {
        text_measure(c->tc, buf, smaller, &w, NULL);
        if (w <= max_w) return smaller;
        smaller--;
    }
    return px;
}

int stage_col_labels(const stage_ctx *c, SDL_Rect grid, size_t cols, int max_h, int px) {
    int need;
    int lines = col_label_lines(c, grid.w, cols, px, max_h, &need);
    if (lines == 0 || need > max_h) return 0;
    int line_h = px + px / 4;
    char buf[256];
    if (lines == COL_LABELS_UP) {
        for (size_t j = 0; j < cols && j < c->n_keys; j++) {
            int left = grid.x + (int)((size_t)grid.w * j / cols);
            int right = grid.x + (int)((size_t)grid.w * (j + 1) / cols);
            size_t len;
            const char *s = stage_key_token(c, j, &len);
            int w = stage_fit(c, s, len, px, need - px / 2, buf, sizeof buf);
            if (w == 0) continue;
            int bottom = grid.y - px / 4;
            text_draw_up(c->tc, buf, px, key_color(c, j), (left + right) / 2, bottom);
            /* a click on a label selects a query: another sentence's key is none */
            if (!c->cross) stage_record_label(c, (SDL_Rect){left, bottom - w, right - left, w}, j);
        }
        return need;
    }
    for (size_t j = 0; j < cols && j < c->n_keys; j++) {
        int left = grid.x + (int)((size_t)grid.w * j / cols);
        int right = grid.x + (int)((size_t)grid.w * (j + 1) / cols);
        int cw = right - left, max_w = lines == 1 ? cw - 2 : 2 * cw - 4;
        /* staggered: even columns on the upper line, odd on the lower */
        int line = lines == 2 && j % 2 == 0 ? 1 : 0;
        int cy = grid.y - px / 4 - line * line_h - line_h / 2;
        size_t len;
        const char *s = stage_key_token(c, j, &len);
        int lpx = whole_px(c, s, len, px, max_w);
        int w = stage_fit(c, s, len, lpx, max_w, buf, sizeof buf);
        if (w == 0) continue;
        text_draw(c->tc, buf, lpx, key_color(c, j), (left + right) / 2, cy,
                  TEXT_CENTER | TEXT_MIDDLE);
        if (line == 1) /* a tick down past the lower line, so the column is clear */
            draw_line(c->r, (left + right) / 2, cy + px / 2 + 1, (left + right) / 2, grid.y - 2,
                      c->th->grid);
        int lw = w > cw ? w : cw;
        if (!c->cross)
            stage_record_label(c, (SDL_Rect){(left + right) / 2 - lw / 2, cy - line_h / 2, lw,
                                             line_h},
                               j);
    }
    return need;
}

SDL_Rect stage_cell_rect(SDL_Rect grid, size_t rows, size_t cols, size_t i, size_t j) {
    if (rows == 0 || cols == 0) return (SDL_Rect){grid.x, grid.y, 0, 0};
    int x0 = grid.x + (int)((size_t)grid.w * j / cols);
    int x1 = grid.x + (int)((size_t)grid.w * (j + 1) / cols);
    int y0 = grid.y + (int)((size_t)grid.h * i / rows);
    int y1 = grid.y + (int)((size_t)grid.h * (i + 1) / rows);
    return (SDL_Rect){x0, y0, x1 - x0, y1 - y0};
}

void stage_outline_row(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t i, SDL_Color col,
                       int thick) {
    if (i >= rows) return;
    SDL_Rect rc = stage_cell_rect(grid, rows, 1, i, 0);
    rc.x -= thick;
    rc.y -= thick;
    rc.w += 2 * thick;
    rc.h += 2 * thick;
    draw_outline(c->r, rc, col, thick);
}

bool stage_token_lit(const stage_ctx *c, size_t i) {
    const app_state *s = c->s;
    if (s->selected_token >= 0 && (size_t)s->selected_token == i) return true;
    for (size_t k = 0; k < s->n_highlights && k < STATE_HIGHLIGHTS_MAX; k++)
        if (s->highlights[k].kind == STATE_HIGHLIGHT_ROW && s->highlights[k].i == (int)i) return true;
    return false;
}

void stage_outline_lit_rows(const stage_ctx *c, SDL_Rect m, size_t rows, int thick) {
    for (size_t i = 0; i < rows; i++)
        if (stage_token_lit(c, i)) stage_outline_row(c, m, rows, i, c->th->highlight, thick);
}

void stage_mark(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t cols, int i, int j,
                const char *name, int head, SDL_Color col, int thick) {
    if ((i < 0 && j < 0) || (i >= 0 && (size_t)i >= rows) || (j >= 0 && (size_t)j >= cols)) return;
    SDL_Rect rc;
    if (i >= 0 && j >= 0)
        rc = stage_cell_rect(grid, rows, cols, (size_t)i, (size_t)j);
    else if (i >= 0)
        rc = stage_cell_rect(grid, rows, 1, (size_t)i, 0);
    else
        rc = stage_cell_rect(grid, 1, cols, 0, (size_t)j);
    draw_outline(c->r, (SDL_Rect){rc.x - thick, rc.y - thick, rc.w + 2 * thick, rc.h + 2 * thick},
                 col, thick);
    if (c->pool && c->pool->record) layout_highlight(c->pool->record, name, head, i, j, rc);
}

void stage_mark_lit_rows(const stage_ctx *c, SDL_Rect m, size_t rows, int thick, const char *name,
                         int head) {
    for (size_t i = 0; i < rows; i++)
        if (stage_token_lit(c, i))
            stage_mark(c, m, rows, 1, (int)i, -1, name, head, c->th->highlight, thick);
}

bool stage_hover_cell(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t cols, size_t *i,
                      size_t *j) {
    int x = c->s->hover_x, y = c->s->hover_y;
    if (rows == 0 || cols == 0 || grid.w <= 0 || grid.h <= 0 || x < grid.x || y < grid.y ||
        x >= grid.x + grid.w || y >= grid.y + grid.h)
        return false;
    size_t a = (size_t)((long)(y - grid.y) * (long)rows / grid.h);
    size_t b = (size_t)((long)(x - grid.x) * (long)cols / grid.w);
    *i = a < rows ? a : rows - 1;
    *j = b < cols ? b : cols - 1;
    return true;
}

int stage_followed(const stage_ctx *c) {
    int t = c->s->selected_token;
    return c->s->follow && t >= 0 && (size_t)t < c->n ? t : -1;
}

void stage_outline_step_rows(const stage_ctx *c, SDL_Rect m, size_t rows) {
    const app_state *s = c->s;
    int thick = c->px / 8 > 2 ? c->px / 8 : 2;
    for (size_t k = 0; k < s->n_highlights && k < STATE_HIGHLIGHTS_MAX; k++) {
        const state_highlight *hl = &s->highlights[k];
        if (hl->kind == STATE_HIGHLIGHT_ROW && hl->i >= 0 && (size_t)hl->i < rows)
            stage_outline_row(c, m, rows, (size_t)hl->i, c->th->accent, thick);
    }
}

void stage_outline_col(const stage_ctx *c, SDL_Rect grid, size_t cols, size_t j, SDL_Color col,
                       int thick) {
    if (j >= cols) return;
    SDL_Rect rc = stage_cell_rect(grid, 1, cols, 0, j);
    rc.x -= thick;
    rc.y -= thick;
    rc.w += 2 * thick;
    rc.h += 2 * thick;
    draw_outline(c->r, rc, col, thick);
}

int stage_text_alts(const stage_ctx *c, const char *alts, int px, SDL_Color col, int x, int y,
                    int align, int max_w) {
    char buf[512];
    const char *s = alts;
    for (;;) {
        const char *end = strchr(s, '\n');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len >= sizeof buf) len = sizeof buf - 1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        int w = 0;
        text_measure(c->tc, buf, px, &w, NULL);
        if (w <= max_w) return text_draw(c->tc, buf, px, col, x, y, align);
        if (!end) return stage_text_fit(c, buf, px, col, x, y, align, max_w); /* the last, cut */
        s = end + 1;
    }
}

void stage_matrix(const stage_ctx *c, SDL_Rect dst, const draw_matrix_desc *d, const char *title,
                  SDL_Color title_color, int title_w) {
    if (dst.w <= 0 || dst.h <= 0) return;
    draw_matrix(c->pool, c->r, dst, d);
    draw_outline(c->r, (SDL_Rect){dst.x - 1, dst.y - 1, dst.w + 2, dst.h + 2}, c->th->panel_border,
                 1);
    if (title && *title) {
        int w = title_w > dst.w ? title_w : dst.w;
        stage_text_alts(c, title, c->spx, title_color, dst.x, dst.y - c->spx * 3 / 4 - 2,
                        TEXT_LEFT | TEXT_MIDDLE, w);
    }
}

void stage_note(const stage_ctx *c, const char *s, int x, int y, int max_w, SDL_Color col) {
    stage_text_alts(c, s, c->spx, col, x, y, TEXT_LEFT, max_w); /* forms one per line */
}

/* Height each of count stacked bars gets in a column of height h: what
 * stage_colorbars leaves after titles, gaps and a masked-cells legend. */
static int stacked_bar_h(int spx, int count, int h) {
    return (h - 3 * spx - 3 * spx - (count - 1) * 3 * spx) / count;
}

int stage_colorbars_width(const stage_ctx *c, int count, int area_w, int area_h) {
    int w = stage_colorbar_w(c), spx = c->spx;
    if (4 * count * w <= area_w) return count * w;
    if (count > 1 && stacked_bar_h(spx, count, area_h) >= 4 * spx) return w;
    if (2 * count * w <= area_w) return count * w;
    return 0;
}

/* Into buf, the first of the '\n'-separated forms in alts that fits max_w
 * at px, else the last one shortened with "…". */
static void fit_alts(const stage_ctx *c, const char *alts, int px, int max_w, char *buf,
                     size_t cap) {
    const char *s = alts;
    for (;;) {
        const char *end = strchr(s, '\n');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len >= cap) len = cap - 1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        int w = 0;
        text_measure(c->tc, buf, px, &w, NULL);
        if (w <= max_w) return;
        if (!end) {
            char whole[256];
            snprintf(whole, sizeof whole, "%s", buf);
            stage_fit(c, whole, strlen(whole), px, max_w, buf, cap);
            return;
        }
        s = end + 1;
    }
}

void stage_colorbars(const stage_ctx *c, SDL_Rect column, const stage_bar *bars, int count,
                     const char *masked) {
    int spx = c->spx, w = stage_colorbar_w(c);
    bool clipped = false;
    for (int k = 0; k < count; k++) clipped = clipped || (bars[k].flags & DRAW_BAR_CLIPPED);
    int legends = (masked ? 1 : 0) + (clipped ? 1 : 0);
    /* Side by side, or one above the other in a column one bar wide (a
     * narrow frame: large type, the lesson panel beside it). Between two
     * stacked bars: the lower one's title and the upper one's last label. */
    int across = column.w >= count * w ? count : 1;
    int down = count > 0 ? (count + across - 1) / across : 0, between = 3 * spx;
    int top = column.y + 2 * spx, bottom = column.y + column.h - spx - legends * 3 * spx;
    if (down < 1) return;
    int h = (bottom - top - (down - 1) * between) / down;
    if (h > 16 * spx) { /* a legend, centred on the column */
        top += (h - 16 * spx) * down / 2;
        h = 16 * spx;
    }
    if (h < 2 * spx || column.w < 3 * spx) return;
    for (int k = 0; k < count; k++) {
        SDL_Rect bar = {column.x + (k % across) * w, top + (k / across) * (h + between), spx, h};
        /* a title may hold shorter forms after '\n': the longest that fits
         * before the next bar (or the area's edge) */
        int last = k % across == across - 1 || k == count - 1;
        int max_w = last ? c->area.x + c->area.w - bar.x : w - spx / 2;
        char title[128];
        fit_alts(c, bars[k].title ? bars[k].title : "", spx, max_w, title, sizeof title);
        draw_colorbar(c->pool, c->r, c->tc, bar, bars[k].map, bars[k].range, title, spx, c->th,
                      bars[k].flags);
    }
    int y = top + down * h + (down - 1) * between + spx + spx / 2;
    if (masked) {
        draw_masked_legend(c->r, c->tc, column.x, y, spx, masked, c->th);
        y += 3 * spx;
    }
    /* one line when the area's edge allows, else two, as the masked legend */
    if (clipped)
        draw_clipped_legend(c->r, c->tc, column.x, y, spx, c->area.x + c->area.w - column.x, c->th);
}

/* Cell width and height so that units_w × units_h cells fit avail_w ×
 * avail_h. Cells may be up to twice as tall as wide (or wide as tall), so a
 * flat matrix still uses the room, and are capped at max (a one-token
 * sentence should not fill the screen). */
void stage_fit_cells(int avail_w, int avail_h, double units_w, double units_h, double max,
                     double *cw, double *ch) {
    double w = avail_w > 0 && units_w > 0 ? avail_w / units_w : 0.0;
    double h = avail_h > 0 && units_h > 0 ? avail_h / units_h : 0.0;
    if (w > max) w = max;
    if (h > max) h = max;
    if (h > 2.0 * w) h = 2.0 * w;
    if (w > 2.0 * h) w = 2.0 * h;
    *cw = w;
    *ch = h;
}

/* Pixels of cells cells of size each: at least 1 for a part of one. */
int stage_px_of(double cells, double size) {
    double v = cells * size;
    return v < 1.0 ? (v > 0.0 ? 1 : 0) : (int)v;
}
