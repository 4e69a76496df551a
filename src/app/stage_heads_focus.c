/* Stages 4–8 with one head large (VIEW_FOCUS): Q_h and K_hᵀ around the
 * scores, the map through scale, mask and softmax, then A_h · V_h → O_h. */
#include <stdio.h>

#include "stage_heads.h"

/* ---- one head, large ------------------------------------------------------------------ */

/* Stage 4 in focus: Q_h at the left, K_hᵀ above, the scores where they
 * meet, so row i of Q_h and column j of K_hᵀ frame the cell they make. */
static void focus_scores(stage_ctx *c, size_t h, SDL_Rect a, int bars_w) {
    int spx = c->spx, title_h = stage_title_h(c), gap = spx;
    size_t n = c->n, dk = c->d_head, g = attn_kv_group(c->c, h);
    int label_w = stage_token_width(c, spx, 6 * spx) + spx / 2;
    int top_lab = 2 * (spx + spx / 4) + spx / 4;
    int avail_w = a.w - bars_w - label_w - gap - spx;
    int avail_h = a.h - title_h * 2 - top_lab - gap - spx;
    /* Square cells on the factors' d_k side; the scores' columns and rows
     * (shared with K_hᵀ's columns and Q_h's rows) then take the room left. */
    double sq = heads_snap_cell(
        fmin((double)avail_w / (double)(dk + n), (double)avail_h / (double)(dk + n)), 4.0 * c->px);
    int dk_px = heads_span(dk, sq);
    /* A wide head (d_k much larger than n) would leave the scores a dot: the
     * factors' d_k side gets at most a third of the room, and their columns
     * are then drawn narrower than a pixel (the title gives the shape). */
    int dk_cap = (avail_w < avail_h ? avail_w : avail_h) / 3;
    if (dk_px > dk_cap && dk_cap > 0) dk_px = dk_cap;
    double cw, ch;
    heads_cell_size((double)(avail_w - dk_px) / (double)n, (double)(avail_h - dk_px) / (double)n,
              4.0 * c->px, &cw, &ch);
    int nw = heads_span(n, cw), nh = heads_span(n, ch);
    int slack = avail_w - (dk_px + nw);
    int x_q = a.x + label_w + (slack > 0 ? slack / 2 : 0), x_s = x_q + dk_px + gap;
    int y_k = a.y + title_h + top_lab, y_s = y_k + dk_px + gap + title_h;
    SDL_Rect qr = {x_q, y_s, dk_px, nh}, kr = {x_s, y_k, nw, dk_px}, sr = {x_s, y_s, nw, nh};
    float qkv = stage_qk_scale(c).range;
    draw_matrix_desc qd = draw_matrix_plain(
        n, dk, draw_values_rows(c->t->q + h * dk, c->d_model, DRAW_DIVERGING, qkv), c->th);
    draw_matrix_desc kd = draw_matrix_plain(
        dk, n, (draw_values){c->t->k + g * dk, 1, (ptrdiff_t)c->d_kv, DRAW_DIVERGING, qkv, false},
        c->th);
    qd = draw_matrix_named(qd, "Q", (int)h);
    kd = draw_matrix_named(kd, "K", (int)h);
    char tq[80], tk[64], ts[80], hn[24], kn[24];
    app_head_name(c->s, h, hn, sizeof hn); /* K's is the head's, or its kv group's when shared */
    if (c->n_kv < c->n_heads) snprintf(kn, sizeof kn, "%zu", g + 1);
    else snprintf(kn, sizeof kn, "%s", hn);
    snprintf(tq, sizeof tq, "Q_%s  %zu×%zu\nQ_%s", hn, n, dk, hn);
    snprintf(tk, sizeof tk, "K_%sᵀ  %zu×%zu%s", kn, dk, n, c->n_kv < c->n_heads ? " (shared)" : "");
    snprintf(ts, sizeof ts, "S = Q_%s·K_%sᵀ  %zu×%zu", hn, kn, n, n);
    /* Q's title ends at Q's right edge: Q is narrow, and the scores' title
     * starts just right of it */
    stage_matrix(c, qr, &qd, NULL, c->th->text, 0);
    stage_text_alts(c, tq, spx, c->th->text, qr.x + qr.w, qr.y - spx * 3 / 4 - 2,
                    TEXT_RIGHT | TEXT_MIDDLE, label_w + dk_px);
    stage_matrix(c, kr, &kd, NULL, c->th->text, nw);
    stage_text_fit(c, tk, spx, c->th->text, kr.x, a.y + title_h / 2, TEXT_LEFT | TEXT_MIDDLE,
                   a.x + a.w - bars_w - kr.x);
    /* the keys' tokens label K_hᵀ's columns, which are the scores' columns */
    stage_col_labels(c, kr, n, top_lab, heads_label_px(c, cw));
    stage_text_fit(c, ts, spx, c->th->text, sr.x, sr.y - spx * 3 / 4 - 2, TEXT_LEFT | TEXT_MIDDLE,
                   a.x + a.w - bars_w - sr.x);
    heads_grid(c, h, sr, 0, 0, spx);
    stage_row_labels(c, qr, n, label_w - spx / 2, heads_label_px(c, ch));
    size_t shown = stage_cells_shown(c->e, n, n);
    if (shown > 0 && shown < n * n) {
        size_t i = (shown - 1) / n, j = (shown - 1) % n;
        stage_outline_row(c, qr, n, i, c->th->accent, 2);
        stage_outline_col(c, kr, n, j, c->th->accent, 2);
    }
    int sel = c->s->selected_token;
    if (sel >= 0 && (size_t)sel < n) { /* its query row and its key column */
        stage_outline_row(c, qr, n, (size_t)sel, c->th->highlight, 2);
        stage_outline_col(c, kr, n, (size_t)sel, c->th->highlight, 2);
    }
    heads_title(c, h, x_q - label_w, a.y + title_h / 2, label_w + dk_px, spx, NULL);
}

/* Stage 8 in focus: A_h · V_h → O_h side by side, O filling row by row. */
static void focus_weighted(stage_ctx *c, size_t h, SDL_Rect a, int bars_w) {
    int spx = c->spx, title_h = stage_title_h(c), op_w = 2 * spx;
    size_t n = c->n, dk = c->d_head;
    int label_w = stage_token_width(c, spx, 6 * spx) + spx / 2;
    int top_lab = 2 * (spx + spx / 4) + spx / 4;
    int avail_w = a.w - bars_w - label_w - 2 * op_w - spx;
    int avail_h = a.h - title_h * 2 - top_lab - spx;
    double cw, ch;
    heads_cell_size((double)avail_w / (double)(n + 2 * dk), (double)avail_h / (double)n, 4.0 * c->px,
              &cw, &ch);
    int n_w = heads_span(n, cw), n_h = heads_span(n, ch), dk_w = heads_span(dk, cw);
    int y = a.y + 2 * title_h + top_lab;
    SDL_Rect ar = {a.x + label_w, y, n_w, n_h};
    SDL_Rect vr = {ar.x + n_w + op_w, y, dk_w, n_h};
    SDL_Rect orr = {vr.x + dk_w + op_w, y, dk_w, n_h};
    heads_title(c, h, a.x, a.y + title_h / 2, a.w - bars_w, spx, NULL);
    char ta[64], tv[64], to[64], hn[24], vn[24];
    size_t g = attn_kv_group(c->c, h);
    app_head_name(c->s, h, hn, sizeof hn); /* V's is the head's, or its kv group's when shared */
    if (c->n_kv < c->n_heads) snprintf(vn, sizeof vn, "%zu", g + 1);
    else snprintf(vn, sizeof vn, "%s", hn);
    snprintf(ta, sizeof ta, "A_%s  %zu×%zu", hn, n, n);
    snprintf(tv, sizeof tv, "V_%s  %zu×%zu%s", vn, n, dk, c->n_kv < c->n_heads ? " (shared)" : "");
    snprintf(to, sizeof to, "O_%s  %zu×%zu", hn, n, dk);
    bool labels = ch >= 8.0;
    int lpx = heads_label_px(c, ch);
    heads_grid(c, h, ar, labels ? label_w - spx / 2 : 0, labels ? top_lab : 0, lpx);
    /* the three titles on one line, above A's column labels */
    int ty = ar.y - top_lab - spx * 3 / 4 - 2;
    stage_text_fit(c, ta, spx, c->th->text, ar.x, ty, TEXT_LEFT | TEXT_MIDDLE, ar.w + op_w / 2);
    draw_matrix_desc vd = heads_v_desc(c, h), od = heads_o_desc(c, h);
    stage_matrix(c, vr, &vd, NULL, c->th->text, 0);
    stage_matrix(c, orr, &od, NULL, c->th->text, 0);
    stage_text_alts(c, tv, spx, c->th->text, vr.x, ty, TEXT_LEFT | TEXT_MIDDLE, dk_w + op_w / 2);
    stage_text_fit(c, to, spx, theme_head_color(c->th, h), orr.x, ty, TEXT_LEFT | TEXT_MIDDLE,
                   a.x + a.w - bars_w - orr.x);
    heads_cell_values(c, &vd, vr);
    heads_cell_values(c, &od, orr);
    text_draw(c->tc, "·", c->px * 3 / 2, c->th->text, ar.x + ar.w + op_w / 2, y + n_h / 2,
              TEXT_CENTER | TEXT_MIDDLE);
    text_draw(c->tc, "→", c->px, c->th->text, vr.x + vr.w + op_w / 2, y + n_h / 2,
              TEXT_CENTER | TEXT_MIDDLE);
    size_t shown = od.visible;
    if (shown > 0 && shown < n * dk) {
        size_t r = shown / dk;
        stage_outline_row(c, ar, n, r, c->th->accent, 2);
        stage_outline_row(c, orr, n, r, c->th->accent, 2);
    }
    /* the row under the mouse, else the selected token's: what it mixes */
    int mi = c->s->hover_head == (int)h ? c->s->hover_i : c->s->selected_token;
    if (mi >= 0) stage_mix(c, h, (size_t)mi, ar, vr, orr, op_w);
    stage_outline_step_rows(c, vr, n);
    stage_outline_step_rows(c, orr, n);
}

/* Stages 5–7 in focus: the grid large, labels on both axes. */
static void focus_grid(stage_ctx *c, size_t h, SDL_Rect a, int bars_w) {
    int spx = c->spx;
    size_t n = c->n;
    int title_h = spx + spx / 2 + 2;
    /* the room of stage 5's spread line and stage 7's row sums in each of
     * stages 5–7, so the grid keeps its place between them */
    int foot_h = 2 * spx;
    int label_w = stage_token_width(c, spx, 6 * spx) + spx / 2;
    int top_lab = 2 * (spx + spx / 4) + spx / 4;
    int side_w = c->s->present ? 0 : heads_sums_width(c, spx);
    int avail_h = a.h - title_h - top_lab - foot_h - spx / 2;
    double cw, ch;
    for (;;) {
        int avail_w = a.w - bars_w - label_w - side_w - spx;
        heads_cell_size((double)avail_w / (double)n, (double)avail_h / (double)n, 4.0 * c->px, &cw, &ch);
        /* cells smaller than the type: the row sums go to the title line
         * (as for thin rows) and the grid takes their room */
        if (side_w == 0 || ch >= (double)spx) break;
        side_w = 0;
    }
    int lpx = heads_label_px(c, ch);
    if (ch < 8.0) label_w = top_lab = 0;
    int g_w = heads_span(n, cw), g_h = heads_span(n, ch);
    int x0 = a.x + (a.w - bars_w - (label_w + g_w + side_w)) / 2;
    if (x0 < a.x) x0 = a.x;
    SDL_Rect g = {x0 + label_w, a.y + title_h + top_lab, g_w, g_h};
    char extra[96] = "";
    int sums_px = c->s->stage == STAGE_SOFTMAX ? heads_row_sums_px(c, g_h, n, side_w) : 0;
    if (c->s->stage == STAGE_SOFTMAX && sums_px == 0) heads_sums_summary(c, h, extra, sizeof extra);
    heads_title(c, h, x0, a.y + title_h / 2, a.w - bars_w - (x0 - a.x), spx,
               extra[0] ? extra : NULL);
    heads_grid(c, h, g, label_w > 0 ? label_w - spx / 2 : 0, top_lab, lpx);
    if (sums_px > 0) heads_row_sums(c, h, g, side_w, sums_px);
    if (c->s->stage == STAGE_SCALE) {
        char buf[160];
        heads_spread_text(c, h, buf, sizeof buf);
        stage_text_fit(c, buf, spx, c->th->text, g.x, g.y + g.h + spx, TEXT_LEFT | TEXT_MIDDLE,
                       a.w - bars_w - (g.x - a.x));
    }
}

void stage_heads_focus(stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx, note_h = a.h >= 12 * spx ? spx + spx / 2 : 0;
    int bars_w = heads_colorbars_width(c);
    char note[256];
    stage_heads_explain(c, note, sizeof note);
    if (note_h > 0) stage_note(c, note, a.x, a.y, a.w, c->th->text_dim);
    SDL_Rect body = {a.x, a.y + note_h, a.w, a.h - note_h};
    size_t h = c->focus;
    switch (c->s->stage) {
    case STAGE_SCORES: focus_scores(c, h, body, bars_w); break;
    case STAGE_WEIGHTED: focus_weighted(c, h, body, bars_w); break;
    default: focus_grid(c, h, body, bars_w); break;
    }
    SDL_Rect column = {a.x + a.w - bars_w, body.y, bars_w, body.h};
    heads_colorbars(c, column);
}

