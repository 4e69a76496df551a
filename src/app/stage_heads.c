/* The per-head stages 4–8 (scores, scale, mask, softmax, weighted sum) as
 * heatmaps: every head side by side (VIEW_HEADS) or one head large
 * (VIEW_FOCUS). Each head's n×n grid is recorded in s->layout for the
 * mouse, with the token labels around it. */
#include <cglm/cglm.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stage_heads.h"

/* ---- what a head's grid shows ---------------------------------------------------- */

/* Stage 5 shrinks the values under stage 4's colour scale and keeps it to
 * the end: the paler picture is the lesson (a bar that followed the values
 * would end with the same picture as stage 4). Stage 6 and the rows of
 * stage 7 not yet through softmax show the same scaled scores, so they keep
 * that scale too: the mask changes no value but the masked ones, and a new
 * scale there would look as if it had; and the pale rows going into softmax
 * are why its weights come out softer. */
#define SCALE_SHRINK_END 0.7f

/* With the maps per row (C), the scores are drawn with each row's mean
 * taken away: softmax gives the same weights for a row plus a constant,
 * and a trained model's rows differ by large constants (±114 where the
 * pattern within a row spans ±20), which would set the colours and hide
 * the pattern. The range is then that of the centred scores. */
static float scores_range(const stage_ctx *c) {
    return app_scores_centred(c->s) ? c->m->scores_centred_absmax : c->m->scores_absmax;
}

/* Scores of head h (scores, scaled or masked: v) as drawn: centred per
 * row over the cells the mask keeps when the maps are per row. */
static draw_values score_values(const stage_ctx *c, const float *v, size_t h) {
    /* a map's row is n_keys long: the keys (another sentence's in cross-attention) */
    draw_values dv = draw_values_rows(v, c->n_keys, DRAW_DIVERGING, scores_range(c));
    if (app_scores_centred(c->s)) {
        dv.centred = true;
        dv.centre_over = c->t->masked + h * c->n * c->n_keys;
    }
    return dv;
}

static int scores_bar_flags(const stage_ctx *c) {
    return app_scores_centred(c->s) ? DRAW_BAR_PER_ROW : 0;
}

/* The bar title of those scores: which scale they are drawn on. */
static const char *scaled_bar_title(const stage_ctx *c) {
    if (app_scores_centred(c->s))
        return c->c->scale ? "stage 4's scale, each row minus its mean\nrow − mean, stage 4's "
                             "scale\nrow − mean\n− mean"
                           : "each row minus its mean\nrow − mean\n− mean";
    return c->c->scale ? "scale of stage 4's scores\nstage 4's scale\nscaled" : "scores";
}

static const char *scores_bar_title(const stage_ctx *c) {
    return app_scores_centred(c->s) ? "scores, each row minus its mean\nrow − mean\n− mean" : "scores";
}

/* The attention weights: on the absolute 0–1 scale, or each row stretched
 * to its own maximum (app_state.maps_per_row, a key in the window). */
static draw_values weights_values(const stage_ctx *c, const float *weights) {
    draw_values v = draw_values_rows(weights, c->n_keys, DRAW_SEQUENTIAL, 1.0f);
    v.per_row = c->s->maps_per_row;
    return v;
}

static stage_bar weights_bar(const stage_ctx *c) {
    if (c->s->maps_per_row)
        return (stage_bar){DRAW_SEQUENTIAL, 1.0f,
                           "per row: each row's max = full colour\nper row: max = full\nper row",
                           DRAW_BAR_PER_ROW};
    return (stage_bar){DRAW_SEQUENTIAL, 1.0f, "weights", 0};
}

/* Row sweep of stages 6 and 7: rows before `row` are done, row `row` is
 * t of the way. */
static void sweep(const stage_ctx *c, size_t *row, float *t) {
    float pos = c->e * (float)c->n;
    if (c->e >= 1.0f || pos >= (float)c->n) {
        *row = c->n;
        *t = 0.0f;
        return;
    }
    *row = (size_t)pos;
    *t = pos - (float)*row;
}

draw_matrix_desc stage_head_desc(const stage_ctx *c, size_t h) {
    /* n rows (queries) × m columns (keys; m = n but in cross-attention) */
    size_t n = c->n, m = c->n_keys, nn = n * m;
    const attn_trace *t = c->t;
    const float *scores = t->scores + h * nn, *scaled = t->scaled + h * nn;
    const float *masked = t->masked + h * nn, *weights = t->weights + h * nn;
    draw_matrix_desc d;
    switch (c->s->stage) {
    case STAGE_SCORES:
        d = draw_matrix_plain(n, m, score_values(c, scores, h), c->th);
        d.visible = stage_cells_shown(c->e, n, m);
        break;
    case STAGE_SCALE:
        d = draw_matrix_plain(n, m, score_values(c, scores, h), c->th);
        d.b = score_values(c, scaled, h);
        d.blend = DRAW_BLEND_VALUES;
        d.t = stage_ease_part(c->p, 0.0f, SCALE_SHRINK_END);
        break;
    case STAGE_MASK:
        if (!c->c->causal) {
            d = draw_matrix_plain(n, m, score_values(c, masked, h), c->th);
            break;
        }
        d = draw_matrix_plain(n, m, score_values(c, scaled, h), c->th);
        d.b = score_values(c, masked, h);
        d.blend = DRAW_BLEND_ROWS;
        sweep(c, &d.row, &d.t);
        break;
    case STAGE_SOFTMAX:
        d = draw_matrix_plain(n, m, score_values(c, masked, h), c->th);
        d.b = weights_values(c, weights);
        d.blend = DRAW_BLEND_ROWS;
        sweep(c, &d.row, &d.t);
        if (c->c->causal) {
            d.mask = masked;
            d.mask_stride = m;
        }
        break;
    case STAGE_WEIGHTED:
    default:
        d = draw_matrix_plain(n, m, weights_values(c, weights), c->th);
        if (c->c->causal) {
            d.mask = masked;
            d.mask_stride = m;
        }
        break;
    }
    static const char *const map_names[] = {[STAGE_SCORES] = "scores", [STAGE_SCALE] = "scaled",
                                            [STAGE_MASK] = "masked", [STAGE_SOFTMAX] = "weights"};
    bool named = (size_t)c->s->stage < sizeof map_names / sizeof *map_names && map_names[c->s->stage];
    return draw_matrix_named(d, named ? map_names[c->s->stage] : "weights", (int)h);
}

/* ---- pieces ------------------------------------------------------------------------- */

static SDL_Rect inflate(SDL_Rect r, int k) {
    return (SDL_Rect){r.x - k, r.y - k, r.w + 2 * k, r.h + 2 * k};
}

/* A cell size in pixels: whole pixels once cells are big enough to show
 * gaps (so every gap is alike), fractional below (128 tokens in 200 pixels
 * should use the 200), never above cap, never zero or negative. */
double heads_snap_cell(double cell, double cap) {
    if (cell > cap) cell = cap;
    if (cell >= 6.0) cell = floor(cell);
    return cell > 0.05 ? cell : 0.05;
}

/* Pixels of count cells, at least one. */
int heads_span(size_t count, double cell) {
    int v = (int)((double)count * cell);
    return v > 0 ? v : 1;
}

/* Cells may be up to CELL_WIDE wider than tall, or CELL_ASPECT taller
 * than wide: a grid then fills a room of another shape, and its labels and
 * values grow, while its cells still read as cells. Wider than 1.25 a map
 * stops reading as square (a row of 11 cells 45 px wide, 30 px tall looks
 * like a table, not a matrix); taller cells are what lets every row take
 * its label whole (heads_cells goes up to CELL_TALL for that). */
#define CELL_ASPECT 1.5
#define CELL_WIDE 1.25
#define CELL_PRESENT_WIDE 1.5

/* Cell width and height for room_w × room_h pixels per cell: at most
 * CELL_WIDE times as wide as tall and CELL_ASPECT times as tall as wide,
 * snapped and capped as snap_cell does. */
void heads_cell_size(double room_w, double room_h, double cap, double *cw, double *ch) {
    heads_cell_size_wide(room_w, room_h, cap, CELL_WIDE, cw, ch);
}

/* The same with cells up to wide times as wide as tall. */
void heads_cell_size_wide(double room_w, double room_h, double cap, double wide, double *cw,
                          double *ch) {
    *cw = heads_snap_cell(fmin(room_w, wide * room_h), cap);
    *ch = heads_snap_cell(fmin(room_h, CELL_ASPECT * room_w), cap);
}

/* Label type for rows of cell pixels: at most the small type, at least 9
 * and the frame's smallest type (text_cache_set_min_px: 14 px at 1080, 20
 * in presenter mode). */
int heads_label_px(const stage_ctx *c, double cell) {
    int px = (int)fmin(cell * 0.8, (double)c->spx), least = text_cache_min_px(c->tc);
    if (px < least) px = least;
    return px < 9 ? 9 : px;
}

/* "■ head 3 · kv 2" at (x, y) (vertical centre), fitted to max_w. */
void heads_title(const stage_ctx *c, size_t h, int x, int y, int max_w, int px,
                       const char *extra) {
    int sw = px * 3 / 4;
    SDL_Color hc = theme_head_color(c->th, h);
    if (max_w < sw + 2 * px) { /* too narrow for a swatch: the number alone */
        char only[24];
        app_head_name(c->s, h, only, sizeof only);
        stage_text_fit(c, only, px, c->th->text, x, y, TEXT_LEFT | TEXT_MIDDLE, max_w);
        return;
    }
    draw_fill(c->r, (SDL_Rect){x, y - sw / 2, sw, sw}, hc);
    draw_outline(c->r, (SDL_Rect){x, y - sw / 2, sw, sw}, c->th->panel_border, 1);
    /* The longest that fits: with the kv group and the extra, without
     * them, "head 3", or at least the number (colours repeat after 16). */
    char buf[400], name[64], num[32];
    app_head_name(c->s, h, num, sizeof num);
    if (c->n_kv < c->n_heads)
        snprintf(name, sizeof name, "head %s · kv %zu", num, attn_kv_group(c->c, h) + 1);
    else
        snprintf(name, sizeof name, "head %s", num);
    snprintf(buf, sizeof buf, "%s%s%s\n%s\nhead %s\n%s", name, extra ? "  " : "",
             extra ? extra : "", name, num, num);
    stage_text_alts(c, buf, px, c->th->text, x + sw + px / 3, y, TEXT_LEFT | TEXT_MIDDLE,
                    max_w - sw - px / 3);
}

/* The values in the cells of d drawn at g, when the cells are big enough
 * to read them (about 3.2 characters of at least 10 pixels). */
void heads_cell_values(const stage_ctx *c, const draw_matrix_desc *d, SDL_Rect g) {
    if (d->rows == 0 || d->cols == 0) return;
    double cw = (double)g.w / (double)d->cols, ch = (double)g.h / (double)d->rows;
    int vpx = (int)fmin(ch * 0.42, (double)c->spx);
    /* The widest label keeps a margin on both sides, so the values of
     * neighbouring cells never run together (3 px, so antialiased edges
     * stay inside too): "−0.00", or "0.00" for
     * weights, which are never negative. */
    int vw = 0;
    bool weights = d->a.map == DRAW_SEQUENTIAL && d->blend == DRAW_BLEND_NONE;
    const char *widest = weights ? "0.00" : "−0.00";
    /* values under the frame's smallest type are left out, not drawn larger
     * than their cells */
    int least = text_cache_min_px(c->tc) > 10 ? text_cache_min_px(c->tc) : 10;
    if (vpx >= least) text_measure(c->tc, widest, vpx, &vw, NULL);
    if (vw > 0 && vw > cw - 6.0) vpx = (int)((double)vpx * (cw - 6.0) / (double)vw);
    if (vpx < least) return;
    char buf[32];
    for (size_t i = 0; i < d->rows; i++)
        for (size_t j = 0; j < d->cols; j++) {
            draw_cell cell = draw_matrix_cell(d, i, j);
            if (!cell.visible) continue;
            SDL_Rect rc = stage_cell_rect(g, d->rows, d->cols, i, j);
            int cx = rc.x + rc.w / 2, cy = rc.y + rc.h / 2;
            draw_format_value(buf, sizeof buf, cell.value);
            if (cell.masked && cell.value == 0.0f) snprintf(buf, sizeof buf, "0"); /* exp(−∞) */
            if (cell.masked) {
                /* On the hatch, a solid patch keeps the label legible: "−∞"
                 * before softmax, the weight 0 after it. */
                int bw = 0;
                text_measure(c->tc, buf, vpx, &bw, NULL);
                bw += vpx / 2;
                int bh = vpx + 2;
                draw_fill(c->r, (SDL_Rect){cx - bw / 2, cy - bh / 2, bw, bh}, c->th->masked);
                text_draw(c->tc, buf, vpx, draw_ink_on(c->th->masked), cx, cy,
                          TEXT_CENTER | TEXT_MIDDLE);
                continue;
            }
            SDL_Color bg = draw_value_color(cell.map, cell.range, cell.shade, c->th->masked);
            text_draw(c->tc, buf, vpx, draw_ink_on(bg), cx, cy, TEXT_CENTER | TEXT_MIDDLE);
        }
}

/* Sum of row i of head h's weights, as the trace holds them. */
static float row_sum(const stage_ctx *c, size_t h, size_t i) {
    const float *w = c->t->weights + (h * c->n + i) * c->n_keys;
    double s = 0.0;
    for (size_t j = 0; j < c->n_keys; j++) s += w[j];
    return (float)s;
}

/* Rows of the softmax stage that are done (their Σ can be shown); the row
 * under way says which step it is in instead. */
static size_t rows_done(const stage_ctx *c) {
    if (c->s->stage == STAGE_WEIGHTED) return c->n;
    if (c->s->stage != STAGE_SOFTMAX) return 0;
    size_t row;
    float t;
    sweep(c, &row, &t);
    return row;
}


/* "every row Σ=1.000" (or "row sums 0.999–1.000"): one note a map, not a
 * Σ beside each row (the tooltip gives a row's own); "" until every row
 * is done. */
void heads_sums_summary(const stage_ctx *c, size_t h, char *buf, size_t len) {
    buf[0] = '\0';
    if (rows_done(c) < c->n || c->s->stage != STAGE_SOFTMAX) return;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        float v = row_sum(c, h, i);
        lo = fminf(lo, v);
        hi = fmaxf(hi, v);
    }
    char a[16], b[16];
    snprintf(a, sizeof a, "%.3f", (double)lo);
    snprintf(b, sizeof b, "%.3f", (double)hi);
    if (strcmp(a, b) == 0 && c->s->present && strcmp(a, "1.000") == 0)
        snprintf(buf, len, "each row sums to 1"); /* one note a map, in words */
    else if (strcmp(a, b) == 0)
        snprintf(buf, len, "every row Σ=%s", a);
    else
        snprintf(buf, len, "row sums %s–%s", a, b);
}

/* Head h's grid at g with everything on it: the cells, the head's frame,
 * labels (left_w / top_h of room, 0: none), values, the row or cell being
 * worked on, the selected token and the hovered cell. */
void heads_grid(stage_ctx *c, size_t h, SDL_Rect g, int left_w, int top_h, int lpx) {
    size_t n = c->n, m = c->n_keys; /* rows: queries; columns: keys */
    /* A grid cut by the edge would hide cells without saying so: a grid
     * that does not fit is left out (a tiny window shows what fits). */
    SDL_Rect a = c->area;
    if (g.w <= 0 || g.h <= 0 || g.x < a.x || g.y < a.y || g.x + g.w > a.x + a.w ||
        g.y + g.h > a.y + a.h)
        return;
    draw_matrix_desc d = stage_head_desc(c, h);
    draw_matrix(c->pool, c->r, g, &d);
    draw_outline(c->r, inflate(g, 2), theme_head_color(c->th, h), 2);
    stage_record_grid(c, g, h);
    if (left_w > 0) stage_row_labels(c, g, n, left_w, lpx);
    if (top_h > 0) stage_col_labels(c, g, m, top_h, lpx);
    heads_cell_values(c, &d, g);
    int thick = g.w / (int)m >= 12 ? 2 : 1;
    /* what the animation is working on */
    if (c->s->stage == STAGE_SCORES && d.visible > 0 && d.visible < n * m) {
        size_t k = d.visible - 1;
        draw_outline(c->r, inflate(stage_cell_rect(g, n, m, k / m, k % m), thick), c->th->accent,
                     thick);
    }
    if (d.blend == DRAW_BLEND_ROWS && d.row < n && c->e > 0.0f)
        stage_outline_row(c, g, n, d.row, c->th->accent, thick);
    int sel = c->s->selected_token;
    if (sel >= 0 && (size_t)sel < n) {
        stage_outline_row(c, g, n, (size_t)sel, c->th->highlight, thick);
        /* its column too, where the keys are the same tokens */
        if (!c->cross) stage_outline_col(c, g, m, (size_t)sel, c->th->highlight, thick);
    }
    if (c->s->hover_head == (int)h && c->s->hover_i >= 0 && c->s->hover_j >= 0 &&
        (size_t)c->s->hover_i < n && (size_t)c->s->hover_j < m) {
        SDL_Rect rc = stage_cell_rect(g, n, m, (size_t)c->s->hover_i, (size_t)c->s->hover_j);
        draw_outline(c->r, inflate(rc, 2), c->th->highlight, 2);
    }
}

/* ---- the stage's colour bars ----------------------------------------- */

/* Stage 4 in focus draws Q_h and K_hᵀ beside the scores, in their own
 * colours: they get a bar of their own. */
static bool focus_factors(const stage_ctx *c) {
    return c->s->stage == STAGE_SCORES && c->s->view == VIEW_FOCUS;
}

/* Colour bars of the stage in column (a strip at the right, as wide as
 * colorbars_width). Every colour on screen has its bar: the V and O slabs
 * of stage 8 share one, as O's rows are mixes of V's rows. */
void heads_colorbars(const stage_ctx *c, SDL_Rect column) {
    float rs = scores_range(c);
    bool causal = c->c->causal;
    scale_range qk = stage_qk_scale(c), vs = stage_v_scale(c);
    switch (c->s->stage) {
    case STAGE_SCORES: {
        stage_bar bars[2] = {{DRAW_DIVERGING, rs, scores_bar_title(c), scores_bar_flags(c)},
                             {DRAW_DIVERGING, qk.range, "Q, K", stage_bar_flags(qk)}};
        stage_colorbars(c, column, bars, focus_factors(c) ? 2 : 1, NULL);
        break;
    }
    case STAGE_SCALE:
        stage_colorbars(c, column,
                        &(stage_bar){DRAW_DIVERGING, rs, scaled_bar_title(c), scores_bar_flags(c)},
                        1, NULL);
        break;
    case STAGE_MASK:
        stage_colorbars(c, column,
                        &(stage_bar){DRAW_DIVERGING, rs, scaled_bar_title(c), scores_bar_flags(c)},
                        1, causal ? "−∞" : NULL);
        break;
    case STAGE_SOFTMAX: {
        /* rows not yet done still show the scaled scores (the unscaled ones
         * with scaling off): their bar goes once every row is weights;
         * masked cells are −∞ until their row is done, then weight 0 */
        stage_bar bars[2] = {{DRAW_DIVERGING, rs, scaled_bar_title(c), scores_bar_flags(c)},
                             weights_bar(c)};
        bool done = rows_done(c) >= c->n;
        stage_colorbars(c, column, done ? bars + 1 : bars, done ? 1 : 2,
                        causal ? (done ? "0" : "−∞ → 0") : NULL);
        break;
    }
    default: {
        stage_bar bars[2] = {weights_bar(c),
                             {DRAW_DIVERGING, vs.range, "V, O", stage_bar_flags(vs)}};
        stage_colorbars(c, column, bars, 2, causal ? "0" : NULL);
        break;
    }
    }
}

/* Two bars' room in every stage (4, 7 and 8 show two), so the picture
 * beside them keeps its place from stage to stage. */
int heads_colorbars_width(const stage_ctx *c) {
    /* the note line above the heads takes at most 2 lines of the height */
    return stage_colorbars_width(c, 2, c->area.w, c->area.h - 2 * c->spx);
}

/* "std 2.84 → 1.00" for head h (stage 5). */
void heads_spread_text(const stage_ctx *c, size_t h, char *buf, size_t len) {
    snprintf(buf, len, "std %.2f → %.2f", (double)c->m->spread_scores[h],
             (double)c->m->spread_scaled[h]);
}

/* The V_h (n_keys×d_head: a row per key) and O_h (n×d_head) slabs of head
 * h, for the weighted stage. */
draw_matrix_desc heads_v_desc(const stage_ctx *c, size_t h) {
    size_t g = attn_kv_group(c->c, h);
    draw_matrix_desc d = draw_matrix_plain(c->n_keys, c->d_head,
                             (draw_values){c->t->v + g * c->d_head, (ptrdiff_t)c->d_kv, 1,
                                           DRAW_DIVERGING, stage_v_scale(c).range, false, false, NULL},
                             c->th);
    return draw_matrix_named(d, "V", (int)h);
}

draw_matrix_desc heads_o_desc(const stage_ctx *c, size_t h) {
    draw_matrix_desc d =
        draw_matrix_plain(c->n, c->d_head,
                          draw_values_rows(c->t->head_out + h * c->n * c->d_head, c->d_head,
                                           DRAW_DIVERGING, stage_v_scale(c).range),
                          c->th);
    d.visible = stage_cells_shown(c->e, c->n, c->d_head);
    return draw_matrix_named(d, "O", (int)h);
}

/* ---- all heads ---------------------------------------------------------------------- */

/* One layout for stages 4–8: every head's map keeps its place and size
 * from the scores to the weighted sum, so a class compares before and
 * after on the same spot. The room every stage may need is planned once,
 * from the sentence, the heads and the frame: stage 7's row sums and
 * stage 8's V and O right of the map (stage 5's spread is in the title). */
typedef struct heads_layout {
    int cols, rows;
    double cw, ch;          /* pixels per grid cell, across and down */
    int left_w, top_h, lpx; /* token labels, 0: none */
    bool cols_once;         /* column labels above the first row of maps only:
                             * every map below shares its columns */
    int right_w;            /* right of the grid: stage 8's V and O */
    int op_w;               /* stage 8: room of "·" and "→" between the maps */
    double slab;            /* columns of the grid V and O each take */
} heads_layout;

/* The room every stage of the heads view is planned with, the same for
 * stages 4–8. */
typedef struct heads_room {
    SDL_Rect ga;                  /* the heads' room (the note and bars outside) */
    int note_h, bars_w, gap, gap_x, title_h, op_w; /* gap between rows, gap_x across */
} heads_room;

static heads_room heads_room_of(const stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx;
    heads_room r;
    r.note_h = a.h >= 12 * spx ? spx + spx / 2 : 0; /* a tiny window keeps its room */
    r.bars_w = heads_colorbars_width(c);
    r.ga = (SDL_Rect){a.x, a.y + r.note_h, a.w - r.bars_w - spx / 2, a.h - r.note_h};
    /* between rows of maps, half a line: each map's title line already
     * keeps it apart from the map above; many heads: tight */
    r.gap = c->n_heads > 16 ? spx / 3 : spx / 2;
    r.gap_x = c->n_heads > 16 ? spx / 6 : spx / 2; /* stage 8's V and O already keep maps apart across */
    /* the title's line: its type's height and a little (text_draw's box of
     * spx type is about 1.2 spx high) */
    r.title_h = spx + spx / 4 + 2;
    r.op_w = spx; /* "·" and "→" with a little room each side */
    return r;
}

/* V_h and O_h are n × d_head: beside a grid of n columns each takes at
 * least a twelfth of its width and at most half (their columns then
 * narrower than the grid's), so a wide head does not shrink every stage's
 * map: stages 4–7 keep that room empty for stage 8, so it is kept small.
 * The maps are sized first, with V and O at the least; V and O then take
 * what the maps leave, up to the most. */
static double slab_least(const stage_ctx *c) {
    return fmin((double)c->d_head, fmax((double)c->n / 12.0, 1.0));
}

static double slab_most(const stage_ctx *c) {
    return fmin((double)c->d_head, fmax((double)c->n / 2.0, 1.0));
}

/* Cells may be taller than wide by up to this much where that lets every
 * row take its label whole (a thin column still reads as a cell; a row
 * label skipped is a token the class cannot name). */
#define CELL_TALL 2.0

/* Rows this tall take a label of px whole, one a row (stage_row_labels
 * labels every row from 1.15 em). */
static double whole_row_h(int px) { return ceil((double)px * 1.15); }

/* The height of a row of maps in layout l (rows set): the room shared
 * evenly, less the column labels once above the first row (cols_once). */
static int heads_row_h(const heads_room *R, const heads_layout *l) {
    int once = l->cols_once ? l->top_h : 0;
    return (R->ga.h - once - (l->rows - 1) * R->gap) / l->rows;
}

/* Cells of one candidate layout l (cols, labels set) in the room R: fills
 * l.rows, l.cw, l.ch (0 when nothing fits), l.slab and l.right_w. */
static void heads_cells(const stage_ctx *c, const heads_room *R, heads_layout *l) {
    size_t n = c->n, m = c->n_keys, H = c->n_heads; /* a map is n rows × m columns */
    SDL_Rect ga = R->ga;
    l->rows = ((int)H + l->cols - 1) / l->cols;
    int pw = (ga.w - (l->cols - 1) * R->gap_x) / l->cols;
    int ph = heads_row_h(R, l);
    int room_w = pw - l->left_w - 4;
    double least = slab_least(c);
    /* many heads or large type: the operators take at most a tenth of a
     * head's room, the maps keep the rest */
    l->op_w = R->op_w < pw / 10 ? R->op_w : pw / 10;
    /* the grid's n columns and the two slabs of stage 8 */
    double cell_w = (room_w - 2 * l->op_w) / ((double)m + 2.0 * least);
    double cell_h = (double)(ph - R->title_h - (l->cols_once ? 0 : l->top_h) - 4) / (double)n;
    l->cw = l->ch = 0.0;
    l->right_w = 0;
    l->slab = least;
    if (cell_w <= 0.0 || cell_h <= 0.0) return;
    /* presenter mode: cells up to 1.5 times as wide as tall, where the
     * larger type's column labels then fit across on two staggered lines
     * rather than turned up (a fifth of the map's height given back to
     * its rows) */
    heads_cell_size_wide(cell_w, cell_h, 4.0 * c->px, c->s->present ? CELL_PRESENT_WIDE : CELL_WIDE,
                         &l->cw, &l->ch);
    /* rows a little short of whole labels, in a room taller than that:
     * taller cells, so no row goes unnamed */
    double want = l->lpx > 0 ? whole_row_h(l->lpx) : 0.0;
    if (l->ch < want && cell_h >= want && want <= CELL_TALL * l->cw) l->ch = want;
    double left = (double)(room_w - 2 * l->op_w) / (2.0 * l->cw) - (double)m / 2.0;
    l->slab = fmax(least, fmin(slab_most(c), left));
    l->right_w = 2 * l->op_w + 2 * (int)(l->slab * l->cw);
}

/* Labels of l at px: the row labels' width, and the column labels' height
 * (on one or two lines, or turned up the columns: those take at most a
 * quarter of a head's room, a third in presenter mode, where words are
 * turned up whole rather than cut). The cells the labels leave may want
 * another kind of column label again: a few rounds settle it. */
static void heads_labels_at(const stage_ctx *c, const heads_room *R, heads_layout *l, int px) {
    size_t n = c->n_keys; /* the columns labelled: the keys */
    l->lpx = px;
    l->left_w = stage_token_width(c, px, 5 * px) + px / 2;
    l->top_h = 2 * (px + px / 4) + px / 4;
    heads_cells(c, R, l);
    int ph = (R->ga.h - (l->rows - 1) * R->gap) / l->rows;
    if (l->cols_once) ph = R->ga.h;
    int line_h = 0;
    text_measure(c->tc, "Ag", px, NULL, &line_h);
    for (int k = 0; k < 4 && l->cw > 0.0; k++) {
        int need = stage_col_labels_height(c, heads_span(n, l->cw), n, px,
                                           c->s->present ? ph / 3 : ph / 4);
        /* labels turned up the columns stand a line apart: columns
         * narrower than a line would run them into each other */
        if (need > 2 * (px + px / 4) + px / 4 && heads_span(n, l->cw) < (int)n * (line_h - 2))
            need = 0;
        if (need == l->top_h) break;
        l->top_h = need;
        heads_cells(c, R, l);
    }
}

/* Whether layout a reads better than b: every row named first (unless
 * that shrinks the maps under WHOLE_ROWS_AREA of the other's), then the
 * columns named, then the largest maps with the largest type (area times
 * label size, so larger type, Ctrl +, keeps its grid while it can). So a
 * bigger screen or bigger type never names fewer tokens for larger maps.
 * Column labels once above the first row of maps weigh 0.8 of labels over
 * every map: the once-above grid wins only where it makes the maps clearly
 * larger (large type, presenter mode, long sentences). */
#define WHOLE_ROWS_AREA 0.6

/* Whether rows of l take their labels whole: one a row, none skipped. */
static bool rows_whole(const heads_layout *l) {
    return l->lpx > 0 && l->ch >= whole_row_h(l->lpx);
}

/* Map area times label size, times the share of rows labelled (rows too
 * thin for their label are labelled every step-th, stage_row_labels). */
static double heads_score(const heads_layout *l) {
    if (l->lpx <= 0) return l->cw * l->ch;
    double step = l->ch > 0.0 ? ceil(whole_row_h(l->lpx) / l->ch) : 1.0;
    step = step > 1.0 ? step : 1.0;
    return l->cw * l->ch * l->lpx / (step * step) * (l->cols_once ? 0.8 : 1.0);
}

static bool heads_better(const heads_layout *a, const heads_layout *b) {
    bool ar = rows_whole(a), br = rows_whole(b);
    double area_a = a->cw * a->ch, area_b = b->cw * b->ch;
    if (ar && !br) return area_a >= WHOLE_ROWS_AREA * area_b;
    if (br && !ar) return area_b < WHOLE_ROWS_AREA * area_a;
    bool ac = a->top_h > 0, bc = b->top_h > 0;
    if (ac != bc) return ac;
    return heads_score(a) > heads_score(b);
}

/* The heads view's layout, the same in stages 4–8: every number of
 * columns (the last row of the grid may be short), with token labels from
 * the stage's type down to the frame's smallest, kept by heads_better.
 * Rows too thin for labels even at the smallest go without them. */
static heads_layout heads_layout_of(const stage_ctx *c, const heads_room *R) {
    size_t H = c->n_heads;
    heads_layout best = {.cols = 1, .rows = (int)H};
    for (int cols = 1; cols <= (int)H; cols++) {
        heads_layout l = {.cols = cols};
        heads_cells(c, R, &l);
        if (l.cw * l.ch > best.cw * best.ch) best = l;
    }
    if (best.ch < 8.0) return best;
    heads_layout no_labels = best;
    int least = text_cache_min_px(c->tc) > 9 ? text_cache_min_px(c->tc) : 9;
    int most = c->spx > least ? c->spx : least;
    bool any = false;
    for (int cols = 1; cols <= (int)H; cols++) {
        int rows = ((int)H + cols - 1) / cols;
        /* the column labels over every map, or once above the first row
         * of maps where the rows of every map need their room */
        for (int once = 0; once < (rows > 1 ? 2 : 1); once++)
            for (int px = most; px >= least; px -= px - least > 4 ? 2 : 1) {
                heads_layout l = {.cols = cols, .cols_once = once == 1};
                heads_labels_at(c, R, &l, px);
                if (l.ch < 8.0) continue;
                if (!any || heads_better(&l, &best)) best = l;
                any = true;
                /* smaller type where that names every row and column, or
                 * lets the column labels lie across on two lines rather
                 * than stand turned up (their room given to the maps);
                 * heads_score weighs the smaller type against the maps */
                if (rows_whole(&l) && l.top_h > 0 && l.top_h <= 2 * (px + px / 4) + px / 4)
                    break;
            }
    }
    if (!any) best = no_labels; /* rows too thin for labels after all */
    return best;
}

/* A slab's name ("V_2", "O_2") at x, y in max_w: at the stage's type, or
 * smaller down to the frame's smallest, else its letter alone. */
static void heads_slab_name(const stage_ctx *c, const char *s, SDL_Color col, int x, int y,
                            int max_w) {
    int px = c->spx, least = text_cache_min_px(c->tc), w = 0;
    if (max_w <= 0) return;
    for (; px > least && px > 9; px--) {
        text_measure(c->tc, s, px, &w, NULL);
        if (w <= max_w) break;
    }
    /* too narrow for "O_2": the letter alone, the title names the head */
    char letter[2] = {s[0], '\0'};
    text_measure(c->tc, s, px, &w, NULL);
    stage_text_fit(c, w <= max_w ? s : letter, px, col, x, y, TEXT_LEFT | TEXT_MIDDLE, max_w);
}

/* Stage 7 under way: "exp …" or "÷ Σ …" right of the row being worked on,
 * in the room stage 8's V and O take (right_w wide, empty in stage 7),
 * at px down to the frame's smallest type; left out where even that does
 * not fit whole, so it never runs into the next head. */
void heads_step_note(const stage_ctx *c, SDL_Rect g, int room_w, int px) {
    size_t row;
    float t;
    sweep(c, &row, &t);
    if (row >= c->n || c->e <= 0.0f) return;
    const char *s = t < 0.5f ? "exp …" : "÷ Σ …";
    int least = text_cache_min_px(c->tc), w = 0, gap = px / 2;
    for (; px >= least && px >= 9; px--) {
        gap = px / 2;
        text_measure(c->tc, s, px, &w, NULL);
        if (gap + w + 2 <= room_w) break;
    }
    if (px < least || px < 9 || gap + w + 2 > room_w) return;
    SDL_Rect rc = stage_cell_rect(g, c->n, 1, row, 0);
    text_draw(c->tc, s, px, c->th->accent, g.x + g.w + gap, rc.y + rc.h / 2,
              TEXT_LEFT | TEXT_MIDDLE);
}

static void heads_view(stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx;
    size_t H = c->n_heads, n = c->n;
    bool weighted = c->s->stage == STAGE_WEIGHTED;
    heads_room R = heads_room_of(c);
    SDL_Rect ga = R.ga;
    int note_h = R.note_h, bars_w = R.bars_w, gap = R.gap, title_h = R.title_h;
    heads_layout best = heads_layout_of(c, &R);
    double cw = best.cw, ch = best.ch;
    int op_w = best.op_w;

    char note[768];
    stage_heads_explain(c, note, sizeof note);
    /* Maps too small to name their tokens: say where the names are, in the
     * first form of the note that fits (the note's own forms last). */
    char named[3 * sizeof note];
    const char *shown = note;
    if (best.left_w == 0 && best.top_h == 0 && H > 1 && n > 1) {
        int first = (int)strcspn(note, "\n");
        snprintf(named, sizeof named,
                 "%.*s \xC2\xB7 too many tokens to name here: 1\xE2\x80\x93%zu or a click shows "
                 "one head with its tokens\n%.*s \xC2\xB7 1\xE2\x80\x93%zu: one head, with its "
                 "tokens\n%s",
                 first, note, H < 9 ? H : (size_t)9, first, note, H < 9 ? H : (size_t)9, note);
        shown = named;
    }
    if (note_h > 0) stage_note(c, shown, a.x, a.y, a.w, c->th->text_dim);

    int pw = (ga.w - (best.cols - 1) * R.gap_x) / best.cols, ph = heads_row_h(&R, &best);
    int once = best.cols_once ? best.top_h : 0; /* column labels over the first row only */
    int grid_w = heads_span(c->n_keys, cw), grid_h = heads_span(n, ch);
    int content_w = best.left_w + grid_w + best.right_w;
    /* A title's extra (stage 5's spread, stage 7's sums) on every head or
     * on none: where "head 12.10" leaves no room for it, the other heads
     * leave it out too, so that the titles read alike. */
    bool extras = true;
    for (size_t h = 0; h < H && extras; h++) {
        char extra[96] = "", num[24], line[160];
        if (c->s->stage == STAGE_SCALE) heads_spread_text(c, h, extra, sizeof extra);
        if (c->s->stage == STAGE_SOFTMAX) heads_sums_summary(c, h, extra, sizeof extra);
        if (!extra[0] || weighted) continue;
        int col = (int)h % best.cols, x0 = ga.x + col * (pw + R.gap_x);
        int cx = x0 + (pw - content_w) / 2 > x0 ? x0 + (pw - content_w) / 2 : x0;
        app_head_name(c->s, h, num, sizeof num);
        if (c->n_kv < c->n_heads)
            snprintf(line, sizeof line, "head %s \xC2\xB7 kv %zu  %s", num,
                     attn_kv_group(c->c, h) + 1, extra);
        else snprintf(line, sizeof line, "head %s  %s", num, extra);
        int w = 0, sw = spx * 3 / 4;
        text_measure(c->tc, line, spx, &w, NULL);
        if (w > x0 + pw - cx - sw - spx / 3) extras = false;
    }
    for (size_t h = 0; h < H; h++) {
        int col = (int)h % best.cols, row = (int)h / best.cols;
        int x0 = ga.x + col * (pw + R.gap_x), y0 = ga.y + row * (ph + gap) + (row > 0 ? once : 0);
        int cx = x0 + (pw - content_w) / 2;
        if (cx < x0) cx = x0;
        int top_h = best.cols_once && row > 0 ? 0 : best.top_h;
        int slot_h = ph + (row == 0 ? once : 0), content_h = title_h + top_h + 2 + grid_h;
        if (slot_h > content_h) y0 += (slot_h - content_h) / 2; /* centred in its cell */
        char extra[96] = "";
        if (weighted) snprintf(extra, sizeof extra, "A · V → O");
        /* stage 5's spread in the title, not under the map: the map keeps
         * the room and place it has in the other stages */
        if (c->s->stage == STAGE_SCALE) heads_spread_text(c, h, extra, sizeof extra);
        /* stage 7: one note a map that its rows sum to 1 (the tooltip
         * gives a row's own sum), not a column of the same Σ beside every
         * row */
        if (c->s->stage == STAGE_SOFTMAX) heads_sums_summary(c, h, extra, sizeof extra);
        /* stage 8: the title stops short of V_h and O_h, named on its line */
        int title_w = weighted ? best.left_w + grid_w + op_w / 2 : x0 + pw - cx;
        if (!extras && !weighted) extra[0] = '\0';
        heads_title(c, h, cx, y0 + title_h / 2, title_w, spx, extra[0] ? extra : NULL);
        if (cw <= 0.0 || ch <= 0.0) continue;
        SDL_Rect g = {cx + best.left_w, y0 + title_h + top_h + 2, grid_w, grid_h};
        heads_grid(c, h, g, best.left_w, top_h, best.lpx);
        if (c->s->stage == STAGE_SOFTMAX)
            heads_step_note(c, g, x0 + pw - (g.x + g.w), best.lpx > 0 ? best.lpx : spx);
        if (weighted) {
            int sw = (int)(best.slab * cw) > 0 ? (int)(best.slab * cw) : 1;
            int vx = g.x + g.w + op_w;
            draw_matrix_desc vd = heads_v_desc(c, h), od = heads_o_desc(c, h);
            SDL_Rect vr = {vx, g.y, sw, g.h}, orr = {vx + sw + op_w, g.y, sw, g.h};
            draw_matrix(c->pool, c->r, vr, &vd);
            draw_outline(c->r, inflate(vr, 1), c->th->panel_border, 1);
            draw_matrix(c->pool, c->r, orr, &od);
            draw_outline(c->r, inflate(orr, 1), c->th->panel_border, 1);
            /* V's rows are the keys: a step's rows (queries) name them only
             * where the keys are the same tokens */
            if (!c->cross) stage_outline_step_rows(c, vr, n);
            stage_outline_step_rows(c, orr, n);
            {
                char nv[48], no[48], hn[24];
                size_t grp = attn_kv_group(c->c, h);
                app_head_name(c->s, h, hn, sizeof hn);
                if (c->n_kv < c->n_heads) snprintf(nv, sizeof nv, "V_%zu", grp + 1);
                else snprintf(nv, sizeof nv, "V_%s", hn);
                snprintf(no, sizeof no, "O_%s", hn);
                /* each name over its slab and the operator after it, a
                 * quarter em short of the next name and of the head's
                 * room, so "V_1" and "O_1" never run together or into
                 * the next head's title */
                int ty = y0 + title_h / 2, sp = spx / 4 > 2 ? spx / 4 : 2;
                int o_w = x0 + pw - orr.x;
                if (o_w > orr.w + op_w) o_w = orr.w + op_w;
                heads_slab_name(c, nv, c->th->text, vr.x, ty, vr.w + op_w - sp);
                heads_slab_name(c, no, theme_head_color(c->th, h), orr.x, ty, o_w - sp);
            }
            text_draw(c->tc, "·", spx, c->th->text, g.x + g.w + op_w / 2, g.y + g.h / 2,
                      TEXT_CENTER | TEXT_MIDDLE);
            text_draw(c->tc, "→", spx, c->th->text, vx + sw + op_w / 2, g.y + g.h / 2,
                      TEXT_CENTER | TEXT_MIDDLE);
            size_t r;
            size_t shown = od.visible;
            if (shown > 0 && shown < n * c->d_head) {
                r = shown / c->d_head;
                stage_outline_row(c, g, n, r, c->th->accent, 1);
                stage_outline_row(c, orr, n, r, c->th->accent, 1);
            }
            /* the row under the mouse, else the selected token's */
            int mi = c->s->hover_head == (int)h ? c->s->hover_i : c->s->selected_token;
            if (mi >= 0) stage_mix(c, h, (size_t)mi, g, vr, orr, op_w);
        }
    }
    SDL_Rect column = {a.x + a.w - bars_w, ga.y, bars_w, ga.h};
    heads_colorbars(c, column);
}

void stage_heads(stage_ctx *c, bool focus) {
    if (focus)
        stage_heads_focus(c);
    else
        heads_view(c);
}
