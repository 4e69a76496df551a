/* Stages 4–8 with one head large (VIEW_FOCUS): Q_h and K_hᵀ around the
 * scores, the map through scale, mask and softmax, then A_h · V_h → O_h. */
#include <math.h>
#include <stdio.h>

#include "stage_heads.h"

/* One layout for stages 4–8: the head's map keeps its place and size from
 * the scores to the weighted sum, so stepping from stage to stage changes
 * the colours only. Room is kept in every stage for what any of them draws
 * around the map: Q_h left of the row labels and K_hᵀ above the column
 * labels (stage 4; the head's line left of K_hᵀ, its title right of
 * it), V_h and O_h right of the map (stage 8; stage 7's row sums there
 * too). Elsewhere that room stays empty, so it is kept small: the
 * factors are colour strips (their numbers are stage 2's), the map takes
 * the rest. Stage 5's spread goes on the head's line, not under the map. */
typedef struct focus_layout {
    int x0, top;              /* left and top edge of it all: the head's title */
    int title_h;              /* the head's line, and the matrices' titles */
    int label_w, top_lab;     /* token labels beside and above the map */
    bool labels;              /* rows tall enough to label */
    int lpx;                  /* their type */
    int op_w;                 /* room of "·" and "→" */
    int side_w;               /* right of the map: V and O, or the row sums */
    SDL_Rect map, q, k, v, o; /* the map; Q_h, K_hᵀ, V_h and O_h beside it */
} focus_layout;

/* Tallest cells of the one head, in small type: its values reach the small
 * type in rows 2.4 of it (heads_cell_values draws them at 0.42 of the
 * row), labels need less; taller rows add only colour. Tied to the type,
 * so presenter mode's map (larger type) is not smaller than the normal
 * mode's where the room allows. */
#define FOCUS_ROW_CAP 2.5

/* The map's cells for column labels top_lab pixels high; the rest of the
 * layout from them. kh: K_hᵀ's height, qw: Q_h's width. */
static focus_layout focus_place(const stage_ctx *c, SDL_Rect a, int bars_w, int kh, int qw,
                                int top_lab) {
    int spx = c->spx, gap = spx / 2, foot_h = spx / 4;
    size_t n = c->n, m = c->n_keys, dk = c->d_head; /* the map: n rows × m columns */
    focus_layout l;
    l.title_h = stage_title_h(c);
    l.label_w = stage_token_width(c, spx, 6 * spx) + spx / 2;
    l.top_lab = top_lab;
    l.op_w = 2 * spx;
    int room_w = a.w - bars_w - spx;
    int avail_w = room_w - qw - gap - l.label_w - 2 * l.op_w;
    int avail_h = a.h - kh - gap - l.title_h - top_lab - foot_h;
    /* the map first; V_h and O_h (n × d_k) at least a sixth of its width
     * each (colour strips, as Q_h), then whatever is left up to square cells */
    double slab = fmin((double)dk, fmax((double)n / 6.0, 1.0));
    double cw, ch;
    double row = fmin((double)avail_h / (double)n, FOCUS_ROW_CAP * spx);
    /* and at most as wide as a value at the small type ("−52.7") and a
     * digit's margin */
    int value_w = 0;
    text_measure(c->tc, "−00.00", spx, &value_w, NULL);
    heads_cell_size((double)avail_w / ((double)m + 2.0 * slab), row, value_w + 6.0, &cw, &ch);
    int nw = heads_span(m, cw), nh = heads_span(n, ch);
    int sw = heads_span(dk, cw), left = (avail_w - nw) / 2;
    if (sw > left) sw = left > 1 ? left : 1;
    l.side_w = 2 * l.op_w + 2 * sw;
    l.labels = ch >= 8.0;
    l.lpx = heads_label_px(c, ch);
    int total_w = qw + gap + l.label_w + nw + l.side_w;
    l.x0 = a.x + (room_w - total_w) / 2;
    if (l.x0 < a.x) l.x0 = a.x;
    int mx = l.x0 + qw + gap + l.label_w;
    /* rows capped by the type leave room over: half of it above, so the
     * picture sits in the middle of the frame, not at its top */
    int spare = avail_h - nh;
    l.top = a.y + (spare > 0 ? spare / 2 : 0);
    int my = l.top + kh + gap + l.title_h + top_lab;
    l.map = (SDL_Rect){mx, my, nw, nh};
    l.q = (SDL_Rect){l.x0, my, qw, nh};
    l.k = (SDL_Rect){mx, l.top, nw, kh};
    l.v = (SDL_Rect){mx + nw + l.op_w, my, sw, nh};
    l.o = (SDL_Rect){l.v.x + sw + l.op_w, my, sw, nh};
    return l;
}

static focus_layout focus_layout_of(const stage_ctx *c, SDL_Rect a, int bars_w) {
    int spx = c->spx;
    size_t n = c->n, dk = c->d_head;
    int room_w = a.w - bars_w - spx;
    int fixed_h = stage_title_h(c) + spx / 2 + spx / 4;
    int room_h = a.h - fixed_h;
    /* K_hᵀ's height: square cells on its d_k side at most, at most a tenth
     * of the room (a wide head would leave the map a dot; its title gives
     * the shape), at least the head's line, which is beside it */
    double sq = heads_snap_cell((double)(room_w < room_h ? room_w : room_h) / (double)(dk + n),
                                4.0 * c->px);
    int kh = heads_span(dk, sq);
    if (kh > room_h / 10) kh = room_h / 10;
    if (kh < stage_title_h(c)) kh = stage_title_h(c);
    /* Q_h's width: the same, at most a fourteenth across (the map's
     * columns need the width more) */
    int qw = heads_span(dk, sq);
    if (qw > room_w / 14) qw = room_w / 14;
    if (qw < spx) qw = spx;
    /* the column labels: two staggered lines at first; then as much as the
     * map's columns need (one line, or turned up when words do not fit
     * across), which changes the map and so its columns: again, growing
     * only, until it holds */
    int top_lab = 2 * (spx + spx / 4) + spx / 4;
    focus_layout l = focus_place(c, a, bars_w, kh, qw, top_lab);
    for (int round = 0; round < 3 && l.labels; round++) {
        int up_room = stage_token_width(c, l.lpx, 5 * l.lpx) + l.lpx;
        int need = stage_col_labels_height(c, l.map.w, c->n_keys, l.lpx, up_room);
        if (need == top_lab || (round > 0 && need < top_lab)) break;
        top_lab = need;
        l = focus_place(c, a, bars_w, kh, qw, top_lab);
    }
    return l;
}

/* The map's labels: room kept either way, drawn when rows are tall enough. */
static void focus_map(stage_ctx *c, size_t h, const focus_layout *l) {
    heads_grid(c, h, l->map, l->labels ? l->label_w - c->spx / 2 : 0, l->labels ? l->top_lab : 0,
               l->lpx);
}

/* y of the matrices' titles: the line above the column labels. */
static int titles_y(const focus_layout *l) {
    return l->map.y - l->top_lab - l->title_h / 2;
}

/* Stage 4: Q_h at the left, K_hᵀ above, the scores where they meet, so row
 * i of Q_h and column j of K_hᵀ frame the cell they make. */
static void focus_scores(stage_ctx *c, size_t h, SDL_Rect a, int bars_w, const focus_layout *l) {
    int spx = c->spx;
    size_t n = c->n, m = c->n_keys, dk = c->d_head, g = attn_kv_group(c->c, h);
    SDL_Rect qr = l->q, kr = l->k, sr = l->map;
    float qkv = stage_qk_scale(c).range;
    draw_matrix_desc qd = draw_matrix_plain(
        n, dk, draw_values_rows(c->t->q + h * dk, c->d_model, DRAW_DIVERGING, qkv), c->th);
    draw_matrix_desc kd = draw_matrix_plain(
        dk, m, (draw_values){c->t->k + g * dk, 1, (ptrdiff_t)c->d_kv, DRAW_DIVERGING, qkv, false, false, NULL},
        c->th);
    qd = draw_matrix_named(qd, "Q", (int)h);
    kd = draw_matrix_named(kd, "K", (int)h);
    char tq[80], tk[160], ts[80], hn[24], kn[24];
    app_head_name(c->s, h, hn, sizeof hn); /* K's is the head's, or its kv group's when shared */
    if (c->n_kv < c->n_heads) snprintf(kn, sizeof kn, "%zu", g + 1);
    else snprintf(kn, sizeof kn, "%s", hn);
    snprintf(tq, sizeof tq, "Q_%s  %zu×%zu\nQ_%s", hn, n, dk, hn);
    snprintf(tk, sizeof tk, "K_%sᵀ  %zu×%zu%s%s\nK_%sᵀ", kn, dk, m,
             c->n_kv < c->n_heads ? " (shared)" : "", c->cross ? " from the other sentence" : "",
             kn);
    snprintf(ts, sizeof ts, "S = Q_%s·K_%sᵀ  %zu×%zu", hn, kn, n, m);
    int right = a.x + a.w - bars_w;
    stage_matrix(c, qr, &qd, NULL, c->th->text, 0);
    stage_text_alts(c, tq, spx, c->th->text, qr.x, titles_y(l), TEXT_LEFT | TEXT_MIDDLE,
                    sr.x - qr.x - spx / 2);
    stage_matrix(c, kr, &kd, NULL, c->th->text, sr.w);
    /* K_hᵀ's title right of it, where stage 8's V_h and O_h go */
    stage_text_alts(c, tk, spx, c->th->text, kr.x + kr.w + spx / 2, kr.y + kr.h / 2,
                    TEXT_LEFT | TEXT_MIDDLE, right - kr.x - kr.w - spx / 2);
    stage_text_fit(c, ts, spx, c->th->text, sr.x, titles_y(l), TEXT_LEFT | TEXT_MIDDLE,
                   right - sr.x);
    /* the token labels between the factors and the scores label both */
    focus_map(c, h, l);
    size_t shown = stage_cells_shown(c->e, n, m);
    if (shown > 0 && shown < n * m) {
        size_t i = (shown - 1) / m, j = (shown - 1) % m;
        stage_outline_row(c, qr, n, i, c->th->accent, 2);
        stage_outline_col(c, kr, m, j, c->th->accent, 2);
    }
    int sel = c->s->selected_token;
    if (sel >= 0 && (size_t)sel < n) { /* its query row and (self-attention) its key column */
        stage_outline_row(c, qr, n, (size_t)sel, c->th->highlight, 2);
        if (!c->cross) stage_outline_col(c, kr, m, (size_t)sel, c->th->highlight, 2);
    }
    heads_title(c, h, l->x0, l->top + l->title_h / 2, kr.x - l->x0 - spx / 2, spx, NULL);
}

/* Stage 8: A_h · V_h → O_h side by side, O filling row by row. */
static void focus_weighted(stage_ctx *c, size_t h, SDL_Rect a, int bars_w, const focus_layout *l) {
    int spx = c->spx, op_w = l->op_w;
    size_t n = c->n, m = c->n_keys, dk = c->d_head;
    SDL_Rect ar = l->map, vr = l->v, orr = l->o;
    heads_title(c, h, l->x0, l->top + l->title_h / 2, a.x + a.w - bars_w - l->x0, spx, NULL);
    char ta[64], tv[96], to[64], hn[24], vn[24];
    size_t g = attn_kv_group(c->c, h);
    app_head_name(c->s, h, hn, sizeof hn); /* V's is the head's, or its kv group's when shared */
    if (c->n_kv < c->n_heads) snprintf(vn, sizeof vn, "%zu", g + 1);
    else snprintf(vn, sizeof vn, "%s", hn);
    snprintf(ta, sizeof ta, "A_%s  %zu×%zu", hn, n, m);
    snprintf(tv, sizeof tv, "V_%s  %zu×%zu%s\nV_%s", vn, m, dk,
             c->n_kv < c->n_heads ? " (shared)" : "", vn);
    snprintf(to, sizeof to, "O_%s  %zu×%zu\nO_%s", hn, n, dk, hn);
    focus_map(c, h, l);
    /* the three titles on one line, above A's column labels */
    int ty = titles_y(l);
    stage_text_fit(c, ta, spx, c->th->text, ar.x, ty, TEXT_LEFT | TEXT_MIDDLE, ar.w + op_w / 2);
    draw_matrix_desc vd = heads_v_desc(c, h), od = heads_o_desc(c, h);
    stage_matrix(c, vr, &vd, NULL, c->th->text, 0);
    stage_matrix(c, orr, &od, NULL, c->th->text, 0);
    stage_text_alts(c, tv, spx, c->th->text, vr.x, ty, TEXT_LEFT | TEXT_MIDDLE, vr.w + op_w / 2);
    stage_text_alts(c, to, spx, theme_head_color(c->th, h), orr.x, ty, TEXT_LEFT | TEXT_MIDDLE,
                    a.x + a.w - bars_w - orr.x);
    heads_cell_values(c, &vd, vr);
    heads_cell_values(c, &od, orr);
    text_draw(c->tc, "·", c->px * 3 / 2, c->th->text, ar.x + ar.w + op_w / 2, ar.y + ar.h / 2,
              TEXT_CENTER | TEXT_MIDDLE);
    text_draw(c->tc, "→", c->px, c->th->text, vr.x + vr.w + op_w / 2, ar.y + ar.h / 2,
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
    if (!c->cross) stage_outline_step_rows(c, vr, n); /* V's rows are keys */
    stage_outline_step_rows(c, orr, n);
}

/* Stages 5–7: the map, stage 5's spread on the head's line, stage 7's
 * "every row Σ=1.000" there too: one note for the map, not a column of the
 * same Σ beside every row (the tooltip gives a row's own sum); right of the
 * map only the step of the row under way ("exp …", "÷ Σ …"). */
static void focus_grid(stage_ctx *c, size_t h, SDL_Rect a, int bars_w, const focus_layout *l) {
    SDL_Rect g = l->map;
    char extra[160] = "";
    if (c->s->stage == STAGE_SOFTMAX) heads_sums_summary(c, h, extra, sizeof extra);
    if (c->s->stage == STAGE_SCALE) heads_spread_text(c, h, extra, sizeof extra);
    heads_title(c, h, l->x0, l->top + l->title_h / 2, a.x + a.w - bars_w - l->x0, c->spx,
                extra[0] ? extra : NULL);
    focus_map(c, h, l);
    if (c->s->stage == STAGE_SOFTMAX)
        heads_step_note(c, g, a.x + a.w - bars_w - (g.x + g.w), l->lpx > 0 ? l->lpx : c->spx);
}

void stage_heads_focus(stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx, note_h = a.h >= 12 * spx ? spx + spx / 2 : 0;
    int bars_w = heads_colorbars_width(c);
    char note[768];
    stage_heads_explain(c, note, sizeof note);
    if (note_h > 0) stage_note(c, note, a.x, a.y, a.w, c->th->text_dim);
    SDL_Rect body = {a.x, a.y + note_h, a.w, a.h - note_h};
    size_t h = c->focus;
    focus_layout l = focus_layout_of(c, body, bars_w);
    switch (c->s->stage) {
    case STAGE_SCORES: focus_scores(c, h, body, bars_w, &l); break;
    case STAGE_WEIGHTED: focus_weighted(c, h, body, bars_w, &l); break;
    default: focus_grid(c, h, body, bars_w, &l); break;
    }
    SDL_Rect column = {a.x + a.w - bars_w, body.y, bars_w, body.h};
    heads_colorbars(c, column);
}
