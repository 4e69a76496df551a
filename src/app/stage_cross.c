/* Stages 1 and 2 with cross-attention (Vaswani et al. 2017, section 3.2.3):
 * two sentences, so two inputs. The queries' sentence gives X (n rows), the
 * other sentence X_kv (n_keys rows); Q is made from X, K and V from X_kv.
 * Each matrix has its own sentence's tokens beside its rows. The maps of
 * stages 4–8 (stage_heads.c) are then n × n_keys. */
#include <stdio.h>

#include "stage.h"

/* A matrix title: "X = token vector + position  7×32  ±2.1", then shorter. */
static void title_of(char *buf, size_t len, const char *name, const char *short_name,
                     size_t rows, size_t cols, float range) {
    char v[24];
    draw_format_value(v, sizeof v, range);
    snprintf(buf, len, "%s  %zu×%zu  ±%s\n%s  %zu×%zu\n%s", name, rows, cols, v, short_name, rows,
             cols, short_name);
}


static int label_px(const stage_ctx *c, double row_h) {
    int px = (int)(row_h * 0.8);
    return px > c->spx ? c->spx : px < 9 ? 9 : px;
}

/* A rows × cols matrix of v (row stride stride) at (x, y) with its title
 * above and its sentence's tokens beside its rows (keys: the other
 * sentence's). Returns the rectangle drawn. */
static SDL_Rect panel(stage_ctx *c, int x, int y, double cw, double ch, const float *v,
                      size_t rows, size_t cols, size_t stride, float range, const char *name,
                      const char *title, bool keys, int label_w, int title_w) {
    SDL_Rect r = {x + label_w, y + stage_title_h(c), stage_px_of((double)cols, cw),
                  stage_px_of((double)rows, ch)};
    draw_matrix_desc d =
        draw_matrix_plain(rows, cols, draw_values_rows(v, stride, DRAW_DIVERGING, range), c->th);
    d.visible = stage_cells_shown(c->e, rows, cols);
    d.name = name;
    stage_matrix(c, r, &d, title, c->th->text, title_w);
    if (keys) stage_key_row_labels(c, r, rows, label_w - c->spx / 2, label_px(c, ch));
    else {
        stage_row_labels(c, r, rows, label_w - c->spx / 2, label_px(c, ch));
        stage_mark_lit_rows(c, r, rows, 2, name, -1);
    }
    return r;
}

/* A line of the two sentences' roles above the matrices. */
static int roles_line(stage_ctx *c, const char *s) {
    stage_note(c, s, c->area.x, c->area.y + c->spx / 2, c->area.w, c->th->text_dim);
    return c->spx * 2;
}

void stage_embed_cross(stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx, cb_w = stage_colorbar_w(c), gap = spx + spx / 2;
    size_t n = c->n, m = c->n_keys, d = c->d_model;
    int top = a.y + roles_line(c, "two sentences: the queries come from the first (X), the "
                                  "keys and values from the other (X_kv), each with its own "
                                  "positions from 0\nqueries from X, keys and values from X_kv");
    int label_w = stage_token_width(c, spx, 7 * spx) + spx / 2;
    int avail_w = a.w - label_w - cb_w - spx;
    int avail_h = a.y + a.h - top - 2 * stage_title_h(c) - gap - spx;
    double cw, ch;
    stage_fit_cells(avail_w, avail_h, (double)d, (double)(n + m), 4.0 * c->px, &cw, &ch);
    scale_range xs = stage_scale_of(c, c->t->x, n * d), ks = stage_scale_of(c, c->t->x_kv, m * d);
    float range = xs.range > ks.range ? xs.range : ks.range;
    char tx[256], tk[256];
    title_of(tx, sizeof tx, "X = token vector + position (queries' sentence)", "X", n, d, range);
    title_of(tk, sizeof tk, "X_kv = token vector + position (the other sentence: keys, values)",
             "X_kv", m, d, range);
    SDL_Rect xr = panel(c, a.x, top, cw, ch, c->t->x, n, d, d, range, "X", tx, false, label_w,
                        a.w - label_w - cb_w);
    SDL_Rect kr = panel(c, a.x, xr.y + xr.h + gap, cw, ch, c->t->x_kv, m, d, d, range, "X_kv",
                        tk, true, label_w, a.w - label_w - cb_w);
    SDL_Rect col = {a.x + a.w - cb_w + spx / 2, xr.y, cb_w - spx / 2,
                    kr.y + kr.h - xr.y > 8 * spx ? kr.y + kr.h - xr.y : 8 * spx};
    stage_colorbars(c, col, &(stage_bar){DRAW_DIVERGING, range, "X, X_kv", 0}, 1, NULL);
}

void stage_project_cross(stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx, cb_w = stage_colorbar_w(c), gap = spx + spx / 2;
    size_t n = c->n, m = c->n_keys, d = c->d_model, dkv = c->d_kv;
    const attn_trace *t = c->t;
    int top = a.y + roles_line(c, "Q = X·W_Q from the queries' sentence; K = X_kv·W_K and "
                                  "V = X_kv·W_V from the other sentence: the same weights as "
                                  "self-attention, other rows\nQ from X; K, V from X_kv");
    int label_w = stage_token_width(c, spx, 7 * spx) + spx / 2;
    /* across: X or X_kv, then Q below X's row, K and V beside each other
     * below X_kv's: the widest row is X_kv, K, V */
    double units_w = (double)d + 2.0 * (double)dkv;
    int avail_w = a.w - 2 * label_w - cb_w - 3 * gap;
    int avail_h = a.y + a.h - top - 2 * stage_title_h(c) - gap - spx;
    double cw, ch;
    stage_fit_cells(avail_w, avail_h, units_w, (double)(n + m), 3.0 * c->px, &cw, &ch);
    scale_range xs = stage_scale_of(c, t->x, n * d), ks = stage_scale_of(c, t->x_kv, m * d);
    float xr_range = xs.range > ks.range ? xs.range : ks.range;
    scale_range qk = stage_qk_scale(c), vs = stage_v_scale(c);
    char title[256];
    int x = a.x, w_left = label_w + stage_px_of((double)d, cw);
    title_of(title, sizeof title, "X (queries' sentence)", "X", n, d, xr_range);
    SDL_Rect xr = panel(c, x, top, cw, ch, t->x, n, d, d, xr_range, "X", title, false, label_w,
                        w_left);
    int y2 = xr.y + xr.h + gap;
    title_of(title, sizeof title, "X_kv (the other sentence)", "X_kv", m, d, xr_range);
    panel(c, x, y2, cw, ch, t->x_kv, m, d, d, xr_range, "X_kv", title, true, label_w, w_left);
    int x2 = x + w_left + gap;
    title_of(title, sizeof title, "Q = X·W_Q + b", "Q", n, d, qk.range);
    panel(c, x2, top, cw, ch, t->q, n, d, d, qk.range, "Q", title, false, label_w,
          a.x + a.w - cb_w - x2 - label_w);
    title_of(title, sizeof title, "K = X_kv·W_K + b", "K", m, dkv, qk.range);
    SDL_Rect kr = panel(c, x2, y2, cw, ch, t->k, m, dkv, dkv, qk.range, "K", title, true,
                        label_w, stage_px_of((double)dkv, cw) + gap - spx / 2);
    title_of(title, sizeof title, "V = X_kv·W_V + b", "V", m, dkv, vs.range);
    SDL_Rect vr = panel(c, kr.x + kr.w + gap, y2, cw, ch, t->v, m, dkv, dkv, vs.range, "V", title,
                        true, 0, a.x + a.w - cb_w - (kr.x + kr.w + gap));
    SDL_Rect col = {a.x + a.w - cb_w + spx / 2, xr.y, cb_w - spx / 2,
                    vr.y + vr.h - xr.y > 16 * spx ? vr.y + vr.h - xr.y : 16 * spx};
    stage_bar bars[2] = {{DRAW_DIVERGING, qk.range, "Q, K", stage_bar_flags(qk)},
                         {DRAW_DIVERGING, vs.range, "V", stage_bar_flags(vs)}};
    stage_colorbars(c, col, bars, 2, NULL);
}
