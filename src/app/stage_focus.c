/* The focus view at the whole-matrix stages (1–3, 9, 10): which head's
 * share is lit and how it is named, so each stage marks the head in focus
 * alike. */
#include <stdio.h>

#include "stage.h"

/* Whether the focus view asks for one head's share of a whole-matrix stage. */
bool stage_focus_on(const stage_ctx *c) { return c->s->view == VIEW_FOCUS; }

/* The K/V group head h reads (its own slab when there are as many as heads). */
size_t stage_kv_group(const stage_ctx *c, size_t h) {
    size_t per = c->n_kv ? c->n_heads / c->n_kv : 1;
    return per ? h / per : h;
}

/* "head 1.2" */
void stage_head_label(const stage_ctx *c, size_t h, char *buf, size_t len) {
    char hn[24];
    app_head_name(c->s, h, hn, sizeof hn);
    snprintf(buf, len, "head %s", hn);
}

/* "kv 1, shared by heads 1.1–1.2": the group K/V slab g is, in words. */
void stage_group_label(const stage_ctx *c, size_t g, char *buf, size_t len) {
    size_t per = c->n_kv ? c->n_heads / c->n_kv : 1;
    char a[24], b[24];
    app_head_name(c->s, g * per, a, sizeof a);
    app_head_name(c->s, g * per + per - 1, b, sizeof b);
    snprintf(buf, len, "kv %zu, shared by heads %s–%s", g + 1, a, b);
}

/* Outlines the band of count columns from first (or rows, by_rows) of a
 * rows×cols matrix drawn at grid and notes it in the layout record as a
 * highlight of name (row or column: the band's first), so a test can see
 * which head's share is lit. Returns the band's rectangle. */
SDL_Rect stage_mark_band(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t cols,
                          size_t first, size_t count, bool by_rows, const char *name, int head,
                          SDL_Color col, int thick) {
    SDL_Rect band = grid;
    size_t span = by_rows ? rows : cols;
    if (count == 0 || first + count > span || rows == 0 || cols == 0) return (SDL_Rect){0, 0, 0, 0};
    if (by_rows) {
        SDL_Rect a = stage_cell_rect(grid, rows, cols, first, 0);
        SDL_Rect b = stage_cell_rect(grid, rows, cols, first + count - 1, 0);
        band.y = a.y, band.h = b.y + b.h - a.y;
    } else {
        SDL_Rect a = stage_cell_rect(grid, rows, cols, 0, first);
        SDL_Rect b = stage_cell_rect(grid, rows, cols, 0, first + count - 1);
        band.x = a.x, band.w = b.x + b.w - a.x;
    }
    /* a line of the background either side: the head's colour alone is
     * lost on a busy heatmap whose cells hold the same hues */
    draw_outline(c->r,
                 (SDL_Rect){band.x - thick - 1, band.y - thick - 1, band.w + 2 * thick + 2,
                            band.h + 2 * thick + 2},
                 c->th->background, thick + 2);
    draw_outline(c->r,
                 (SDL_Rect){band.x - thick, band.y - thick, band.w + 2 * thick, band.h + 2 * thick},
                 col, thick);
    if (c->pool && c->pool->record)
        layout_highlight(c->pool->record, name, head, by_rows ? (int)first : -1,
                         by_rows ? -1 : (int)first, band);
    return band;
}
