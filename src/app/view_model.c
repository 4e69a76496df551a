/* VIEW_MODEL, after BertViz's model view: a grid of small multiples, one
 * heatmap per head (rows: layers, columns: heads) of its attention weights
 * on the sentence, read from the trained model's run (every layer's trace,
 * as the model computed it, pruning included). Each is labelled
 * "layer.head" and with the role it plays best; a head switched off is
 * veiled and crossed. Grids too many for a title per map (GPT-2 small's
 * 12 × 12) number the layers down the left and the heads across the top
 * instead (heads_compact). At the right (view_model_side.c): the next word
 * the model predicts, now and with every head on, the held-out loss, and
 * live training with its loss curve. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "overview.h"
#include "trained.h"
#include "view_lens.h"
#include "view_model.h"

/* A colour per role, with the role's name always beside it (never colour
 * alone); mixed heads in the dim text colour. */
static SDL_Color role_color(const theme *th, int role) {
    static const int pick[MODEL_ROLES] = {1, 8, 5, 0, 3, 2};
    return role >= 0 && role < MODEL_ROLES ? th->head[pick[role]] : th->text_dim;
}

/* Head (l, h)'s name by heads.h's one rule (the roles it wins); none when
 * unmeasured. */
static void head_name(const state_trained *t, size_t l, size_t h, model_head_name *nm) {
    memset(nm, 0, sizeof *nm);
    if (!t->have_roles || !t->roles.score || l >= t->roles.n_layers || h >= t->roles.n_heads)
        return;
    model_heads_name(&t->roles, l, h, nm);
}

/* The first role of head (l, h)'s name (its colour), -1 for no clear role
 * or unmeasured. */
static int best_role(const state_trained *t, size_t l, size_t h, float *score) {
    model_head_name nm;
    head_name(t, l, h, &nm);
    *score = nm.n ? nm.score[0] : 0.0f;
    return nm.n ? (int)nm.role[0] : -1;
}

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

static bool inside(int x, int y, SDL_Rect r) {
    return r.w > 0 && x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* ---- the caption ------------------------------------------------------------------------ */

void view_model_caption(stage_ctx *c, SDL_Rect bar) {
    const theme *th = c->th;
    const state_trained *t = c->s->model.trained;
    int px = c->px, tpx = px * 6 / 5, pad = px / 2;
    draw_fill(c->r, bar, th->panel);
    draw_line(c->r, bar.x, bar.y + bar.h - 1, bar.x + bar.w, bar.y + bar.h - 1, th->panel_border);
    int x = bar.x + pad, right = bar.x + bar.w - pad;
    int y1 = bar.y + pad + tpx * 5 / 8, y2 = y1 + tpx * 5 / 8 + px * 5 / 8 + px / 4;
    const char *hint = "M or Tab: back to the stages";
    int hint_w = 0;
    text_measure(c->tc, hint, px, &hint_w, NULL);
    bool show_hint = hint_w < (right - x) / 3;
    if (show_hint) text_draw(c->tc, hint, px, th->text_dim, right, y1, TEXT_RIGHT | TEXT_MIDDLE);
    int limit = right - (show_hint ? hint_w + px : 0);
    x += stage_text_fit(c, "Model overview", tpx, th->accent, x, y1, TEXT_LEFT | TEXT_MIDDLE,
                        limit - x) +
         px;
    if (limit - x > 3 * px)
        stage_text_alts(c,
                        "every head of every layer, attending over this sentence\n"
                        "every head, on this sentence\n",
                        tpx, th->text, x, y1, TEXT_LEFT | TEXT_MIDDLE, limit - x);
    if (!t) return;
    const model_config *mc = &t->model.config;
    size_t off = app_overview_heads_off(c->s);
    char buf[512], offs[64] = "";
    if (off) snprintf(offs, sizeof offs, " · %zu head%s off", off, app_plural(off));
    const char *base = strrchr(t->path, '/');
    base = base ? base + 1 : t->path;
    const state_overview *ov = app_overview_state(c->s);
    snprintf(buf, sizeof buf,
             "%zu layer%s × %zu head%s · d_model %zu · %zu token%s%s · weights: %.200s\n"
             "%zu layer%s × %zu head%s · d_model %zu · %zu token%s%s\n"
             "%zu × %zu head%s%s",
             mc->n_layers, app_plural(mc->n_layers), mc->n_heads, app_plural(mc->n_heads),
             mc->d_model, c->n, app_plural(c->n), offs,
             ov && ov->live_weights ? "live training" : base, mc->n_layers,
             app_plural(mc->n_layers), mc->n_heads, app_plural(mc->n_heads), mc->d_model, c->n,
             app_plural(c->n), offs, mc->n_layers, mc->n_heads, app_plural(mc->n_heads), offs);
    stage_text_alts(c, buf, px, th->text_dim, bar.x + pad, y2, TEXT_LEFT | TEXT_MIDDLE,
                    bar.w - 2 * pad);
}

/* ---- one head ---------------------------------------------------------------------------- */

/* The "off" mark over a head's map: a veil, a cross and the word. */
static void off_mark(stage_ctx *c, SDL_Rect map) {
    const theme *th = c->th;
    SDL_Color veil = th->background;
    veil.a = 200;
    draw_fill(c->r, map, veil);
    float thick = (float)imax(2, map.w / 28);
    SDL_Color x = th->error;
    x.a = 220;
    draw_lines_add(c->pool, (float)map.x + 3, (float)map.y + 3, (float)(map.x + map.w - 4),
                   (float)(map.y + map.h - 4), thick, x);
    draw_lines_add(c->pool, (float)(map.x + map.w - 4), (float)map.y + 3, (float)map.x + 3,
                   (float)(map.y + map.h - 4), thick, x);
    draw_lines_flush(c->pool, c->r);
    int opx = imax(10, imin(c->px, map.h / 3));
    int w = 0;
    text_measure(c->tc, "off", opx, &w, NULL);
    SDL_Rect pill = {map.x + map.w / 2 - w / 2 - opx / 2, map.y + map.h / 2 - opx * 3 / 4,
                     w + opx, opx * 3 / 2};
    draw_fill(c->r, pill, th->background);
    draw_outline(c->r, pill, th->error, 2);
    text_draw(c->tc, "off", opx, th->error, map.x + map.w / 2, map.y + map.h / 2,
              TEXT_CENTER | TEXT_MIDDLE);
}

typedef struct hover_info {
    int head;  /* layer·H + head under the mouse, -1 */
    int i, j;  /* the cell, -1 when over the labels */
    SDL_Rect box;
} hover_info;

/* The forms of role k of a head's name, longest first, one per line, for
 * stage_text_alts: "subject 0.97 (tied)", "subj. 0.97 tied", "subj. tied";
 * the score written as everywhere else on screen (two decimals, a leading
 * zero); the name shortens first, a tie is never dropped. With more > 0
 * the roles after it are counted: "induction 0.89 +2", "ind. +2". */
static void role_forms(const model_head_name *nm, size_t k, size_t more, char *buf, size_t len) {
    static const char *const tiny_name[MODEL_ROLES] = {"prev.", "first", "curr.",
                                                       "ind.",  "ant.",  "subj."};
    model_role r = nm->role[k];
    const char *full = model_role_label(r), *tiny = tiny_name[r];
    double s = nm->score[k];
    char plus[32] = "";
    if (more) snprintf(plus, sizeof plus, " +%zu", more);
    if (nm->tied[k])
        snprintf(buf, len, "%s %.2f (tied)%s\n%s %.2f tied%s\n%s tied%s", full, s, plus, tiny, s,
                 plus, tiny, plus);
    else
        snprintf(buf, len, "%s %.2f%s\n%s %.2f%s\n%s%s", full, s, plus, tiny, s, plus, tiny, plus);
}

/* Which heads are off as the class asked: a GPT-2's pruned run may still
 * be under way (state_model_apply_async), but the click shows at once. */
static const uint8_t *wanted_off(const stage_ctx *c) {
    return state_model_wanted(&c->s->model)->head_off;
}

/* How many lines the roles under a head's map take: one per role its name
 * holds (one for no clear role), at most max_lines. */
static int role_lines_of(const state_trained *t, size_t l, size_t h, int max_lines) {
    model_head_name nm;
    head_name(t, l, h, &nm);
    int n = nm.n ? (int)nm.n : 1;
    return n < max_lines ? n : max_lines;
}

/* Head (l, h)'s name: a square of each role's colour and the role with its
 * score ("induction 0.89", shorter when narrow), one role a line from y
 * (the middle of the first line) down, at most max_lines (the last counts
 * the rest: "+2"); "no clear role" in the dim colour. In max_w. */
static void role_tag(stage_ctx *c, const state_trained *t, size_t l, size_t h, int x, int y,
                     int max_w, int max_lines) {
    const theme *th = c->th;
    int spx = c->spx, sw = spx * 2 / 3, lx = x + sw + spx / 3;
    bool off = wanted_off(c)[l * t->model.config.n_heads + h] != 0;
    if (!t->have_roles || !t->roles.score) return;
    model_head_name nm;
    head_name(t, l, h, &nm);
    if (nm.n == 0) {
        stage_text_alts(c, "no clear role\nno role", spx, off ? th->text_dim : th->text, x, y,
                        TEXT_LEFT | TEXT_MIDDLE, max_w);
        return;
    }
    size_t lines = nm.n < (size_t)max_lines ? nm.n : (size_t)(max_lines > 0 ? max_lines : 1);
    for (size_t k = 0; k < lines; k++) {
        int ly = y + (int)k * (spx * 5 / 4);
        SDL_Color rc = role_color(th, (int)nm.role[k]);
        if (off) rc = draw_mix(rc, th->background, 0.6f);
        draw_fill(c->r, (SDL_Rect){x, ly - sw / 2, sw, sw}, rc);
        char forms[200];
        role_forms(&nm, k, k + 1 == lines ? nm.n - lines : 0, forms, sizeof forms);
        stage_text_alts(c, forms, spx, off ? th->text_dim : th->text, lx, ly,
                        TEXT_LEFT | TEXT_MIDDLE, max_w - (lx - x));
    }
}

static void head_hit(stage_ctx *c, size_t k, SDL_Rect map, SDL_Rect hit, SDL_Rect whole,
                     hover_info *hv);

/* Head (l, h)'s weights at map: row i is where token i looks, as in the
 * stage views; veiled and crossed when it is off. */
static void head_map(stage_ctx *c, const state_trained *t, size_t l, size_t h, SDL_Rect map) {
    size_t n = t->n;
    const attn_trace *tr = &t->run.trace[l];
    draw_matrix_desc d = draw_matrix_plain(
        n, n, draw_values_rows(tr->weights + h * n * n, n, DRAW_SEQUENTIAL, 1.0f), c->th);
    d.mask = tr->masked + h * n * n;
    d.mask_stride = n;
    d = draw_matrix_named(d, "weights", (int)h);
    draw_matrix(c->pool, c->r, map, &d);
    if (wanted_off(c)[l * t->model.config.n_heads + h]) off_mark(c, map);
}

static void draw_head(stage_ctx *c, const state_trained *t, size_t l, size_t h, SDL_Rect box,
                      int side, int map_top, int gap, int role_lines, hover_info *hv) {
    const theme *th = c->th;
    size_t H = t->model.config.n_heads, k = l * H + h;
    bool off = wanted_off(c)[k] != 0;
    int px = c->px, spx = c->spx;
    SDL_Rect map = {box.x + (box.w - side) / 2, map_top, side, side};
    head_map(c, t, l, h, map);

    /* "2.3" above, the role under it; "off" in words too */
    char title[64];
    snprintf(title, sizeof title, off ? "%zu.%zu off" : "%zu.%zu", l + 1, h + 1);
    text_draw(c->tc, title, px, off ? th->error : th->text, map.x, box.y + px * 3 / 4 - 1,
              TEXT_LEFT | TEXT_MIDDLE);
    role_tag(c, t, l, h, map.x, map.y + map.h + spx * 3 / 4 + 1,
             box.x + box.w + gap - spx / 2 - map.x, role_lines);

    /* the keyboard cursor and the mouse: the head's box is its title's
     * height, the map and the role; not the first row's column labels,
     * whose clicks pick a token */
    int hit_y = map.y - px * 3 / 2;
    /* down to its own last role line (rows leave room for the most lines) */
    int unused = role_lines - role_lines_of(t, l, h, role_lines);
    SDL_Rect hit = {box.x, hit_y, box.w, box.y + box.h - hit_y - unused * (spx * 5 / 4)};
    head_hit(c, k, map, hit, (SDL_Rect){map.x - 4, hit.y, map.w + 8, hit.h}, hv);
}

/* The keyboard cursor and the mouse over head k drawn at map: hit is where
 * a click or the pointer counts as on it, whole what its tooltip avoids. */
static void head_hit(stage_ctx *c, size_t k, SDL_Rect map, SDL_Rect hit, SDL_Rect whole,
                     hover_info *hv) {
    const theme *th = c->th;
    app_state *s = c->s;
    size_t n = c->n;
    int px = c->px;
    bool hovered = inside(s->hover_x, s->hover_y, hit);
    if (s->overview_cursor == k)
        draw_outline(c->r, (SDL_Rect){map.x - 4, map.y - 4, map.w + 8, map.h + 8}, th->accent,
                     imax(2, px / 7));
    else if (hovered)
        draw_outline(c->r, (SDL_Rect){map.x - 3, map.y - 3, map.w + 6, map.h + 6}, th->highlight,
                     2);
    if (hovered) {
        hv->head = (int)k;
        hv->box = whole;
        hv->i = hv->j = -1;
        if (inside(s->hover_x, s->hover_y, map) && n > 0) {
            hv->i = (int)((long)(s->hover_y - map.y) * (long)n / map.h);
            hv->j = (int)((long)(s->hover_x - map.x) * (long)n / map.w);
        }
    }
    app_layout *lay = &s->layout;
    if (k < APP_OVERVIEW_HEADS_MAX) {
        lay->overview_heads[k] = hit;
        if (lay->n_overview_heads < k + 1) lay->n_overview_heads = k + 1;
    }
}

/* What the hovered head does: every role's score, and the cell's weight. */
static void head_tooltip(stage_ctx *c, const state_trained *t, const hover_info *hv) {
    if (hv->head < 0) return;
    const theme *th = c->th;
    size_t H = t->model.config.n_heads, l = (size_t)hv->head / H, h = (size_t)hv->head % H;
    size_t n = t->n;
    char lines[MODEL_ROLES + 4][160];
    bool won[MODEL_ROLES + 4] = {false};
    int count = 0;
    snprintf(lines[count++], sizeof lines[0], "head %zu.%zu: layer %zu, head %zu%s", l + 1, h + 1,
             l + 1, h + 1, wanted_off(c)[hv->head] ? " (off)" : "");
    if (hv->i >= 0 && hv->j >= 0 && (size_t)hv->i < n && (size_t)hv->j < n) {
        size_t li, lj;
        const char *si = stage_token(c, (size_t)hv->i, &li), *sj = stage_token(c, (size_t)hv->j, &lj);
        const attn_trace *tr = &t->run.trace[l];
        size_t at = (h * n + (size_t)hv->i) * n + (size_t)hv->j;
        char v[32];
        if (isinf(tr->masked[at]))
            snprintf(v, sizeof v, "masked (a later token)");
        else
            draw_format_exact(v, sizeof v, tr->weights[at]);
        snprintf(lines[count++], sizeof lines[0], "“%.*s” (%d) looks at “%.*s” (%d): %s",
                 (int)(li > 40 ? 40 : li), si, hv->i + 1, (int)(lj > 40 ? 40 : lj), sj, hv->j + 1,
                 v);
    }
    if (t->have_detect && l < t->detect.n_layers && h < t->detect.n_heads) /* GPT-2 */
        snprintf(lines[count++], sizeof lines[0], "duplicate token  %.2f (on random tokens)",
                 (double)model_detect_score(&t->detect, l, h, MODEL_DETECT_DUPLICATE));
    if (t->have_roles && t->roles.score) {
        model_head_name nm; /* the roles it wins: in the accent colour */
        head_name(t, l, h, &nm);
        for (int r = 0; r < MODEL_ROLES; r++) {
            for (size_t k = 0; k < nm.n; k++)
                if ((int)nm.role[k] == r) won[count] = true;
            /* GPT-2's detectors measure no current, antecedent or subject */
            bool none = t->have_detect && r != MODEL_ROLE_PREVIOUS && r != MODEL_ROLE_FIRST &&
                        r != MODEL_ROLE_INDUCTION;
            if (none)
                snprintf(lines[count++], sizeof lines[0], "%s  not measured",
                         model_role_label((model_role)r));
            else
                snprintf(lines[count++], sizeof lines[0], "%s  %.2f",
                         model_role_label((model_role)r),
                         (double)model_heads_score(&t->roles, l, h, (model_role)r));
        }
    }
    snprintf(lines[count++], sizeof lines[0], wanted_off(c)[hv->head] ? "click: switch it on again"
                                                                      : "click: switch it off");
    int px = c->spx, line = px * 3 / 2, pad = px / 2, box_w = 0;
    for (int k = 0; k < count; k++) {
        int w;
        text_measure(c->tc, lines[k], px, &w, NULL);
        box_w = imax(box_w, w);
    }
    box_w += 2 * pad + px;
    SDL_Rect area = c->area;
    box_w = imin(box_w, area.w - 4);
    int box_h = count * line + 2 * pad - line / 4;
    int x = c->s->hover_x + 18, y = c->s->hover_y + 20;
    if (x + box_w > area.x + area.w - 2) x = c->s->hover_x - 14 - box_w;
    if (x < area.x + 2) x = area.x + 2;
    if (y + box_h > area.y + area.h - 2) y = c->s->hover_y - 14 - box_h;
    if (y < area.y + 2) y = area.y + 2;
    draw_fill(c->r, (SDL_Rect){x + 3, y + 3, box_w, box_h}, (SDL_Color){0, 0, 0, 60});
    draw_fill(c->r, (SDL_Rect){x, y, box_w, box_h}, th->tooltip);
    draw_outline(c->r, (SDL_Rect){x, y, box_w, box_h}, th->accent, 2);
    for (int k = 0; k < count; k++) {
        int ty = y + pad + k * line + line / 2 - px / 8;
        int tx = x + pad;
        if (t->have_roles && k >= count - 1 - MODEL_ROLES && k < count - 1) {
            int r = k - (count - 1 - MODEL_ROLES);
            int sw = px * 2 / 3;
            draw_fill(c->r, (SDL_Rect){tx, ty - sw / 2, sw, sw}, role_color(th, r));
            tx += sw + px / 3;
        }
        stage_text_fit(c, lines[k], px, won[k] ? th->accent : th->text, tx, ty,
                       TEXT_LEFT | TEXT_MIDDLE, box_w - (tx - x) - pad);
    }
}

/* Row labels for rows under 8 px (stage_row_labels draws none there):
 * every k-th token, right-aligned before x, so labels never overlap. */
static void token_labels(stage_ctx *c, SDL_Rect map, int x, int max_w, int lpx) {
    size_t n = c->n;
    if (n == 0 || max_w < lpx) return;
    int step = 1;
    while ((long)step * map.h < (long)n * (lpx * 9 / 8) && (size_t)step < n) step++;
    for (size_t i = 0; i < n; i += (size_t)step) {
        size_t len;
        const char *tok = stage_token(c, i, &len);
        char buf[256];
        if (stage_fit(c, tok, len, lpx, max_w, buf, sizeof buf) == 0) continue;
        int y = map.y + (int)(((long)map.h * (long)(2 * i + 1)) / (long)(2 * n));
        text_draw(c->tc, buf, lpx, c->th->text_dim, x, y, TEXT_RIGHT | TEXT_MIDDLE);
    }
}

/* The side of the maps when each of L rows of H maps gets title_h above
 * and role_h below it, the first row top_h more for the column labels,
 * in g (label column already taken off). */
static int map_side(SDL_Rect g, size_t L, size_t H, int gap, int title_h, int role_h, int top_h) {
    int cw = (g.w - (int)(H - 1) * gap) / (int)H;
    int ch = (g.h - top_h - (int)(L - 1) * gap) / (int)L;
    return imin(cw - 8, ch - title_h - role_h);
}

/* The maps' side for row labels at lpx, column labels at cpx: *lab_w the row labels' column,
 * *top_h the column labels' band (asked twice as the map shrinks by the
 * band; turned up when the words are wider than the columns, up to 5 em). */
static int grid_fit(const stage_ctx *c, SDL_Rect g, size_t L, size_t H, int gap, int title_h,
                    int role_h, int lpx, int cpx, int *lab_w, int *top_h) {
    size_t n = c->n;
    *lab_w = stage_token_width(c, lpx, imin(lpx * 7, g.w / 6));
    if (*lab_w > 0) *lab_w += lpx / 2;
    g.w -= *lab_w;
    int side = map_side(g, L, H, gap, title_h, role_h, 0);
    *top_h = 0;
    for (int pass = 0; pass < 2 && side > 0 && n > 0; pass++) {
        *top_h = stage_col_labels_height(c, side, n, cpx, g.h / 4);
        side = map_side(g, L, H, gap, title_h, role_h, *top_h);
    }
    /* none when they do not fit, nor in columns narrower than the type
     * (turned-up words there would touch their neighbours) */
    if (side > 0 && n > 0 &&
        (stage_col_labels_height(c, side, n, cpx, g.h / 4) > *top_h || side < cpx * (int)n))
        *top_h = 0, side = map_side(g, L, H, gap, title_h, role_h, 0);
    return side;
}

/* The grid for many heads (GPT-2 small's 12 × 12, gpt2-medium's 24 × 16):
 * no title per map but the layer numbers down the left and the head
 * numbers across the top, at the small type (14 px at 1080 lines, 20 in
 * presenter mode), the hovered head's pair in the accent colour. Under each
 * map its role as a tag when a type line fits under maps of at least
 * 3 em, else as a bar of the role's colour in the gap (the tooltip names
 * it, and the tokens of the cell under the mouse); no token labels, which
 * would not fit beside maps of a few pixels a row. */
static hover_info heads_compact(stage_ctx *c, const state_trained *t, SDL_Rect g) {
    hover_info hv = {-1, -1, -1, {0, 0, 0, 0}};
    const theme *th = c->th;
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads;
    int spx = c->spx, npx = spx, gap = imax(6, c->px * 3 / 10);
    char widest[24];
    snprintf(widest, sizeof widest, "%zu", L > H ? L : H);
    int num_w = 0;
    text_measure(c->tc, widest, npx, &num_w, NULL);
    int lab_w = num_w + npx / 2, top_h = npx * 5 / 4, tag_h = spx * 3 / 2;
    /* the roles the heads play, for the legend under the grid */
    bool present[MODEL_ROLES] = {false};
    int legend_h = 0;
    for (size_t k = 0; k < L * H; k++) {
        float score;
        int role = best_role(t, k / H, k % H, &score);
        if (role >= 0) present[role] = true, legend_h = spx * 3 / 2;
    }
    /* a tall grid (many layers) leaves room at its left: the legend goes
     * there as a column instead of taking a line from every map */
    int legend_col_w = 0;
    for (int r = 0; r < MODEL_ROLES; r++) {
        int w = 0;
        if (present[r]) text_measure(c->tc, model_role_label((model_role)r), spx, &w, NULL);
        legend_col_w = imax(legend_col_w, w ? w + spx * 2 / 3 + spx / 3 : 0);
    }
    int cw = (g.w - lab_w - (int)(H - 1) * gap) / (int)H;
    int ch0 = (g.h - top_h - (int)(L - 1) * gap) / (int)L;
    int side0 = imin(cw, ch0);
    int margin0 = (g.w - lab_w - (int)H * (imin(cw, side0 + side0 / 6) + gap)) / 2;
    bool legend_left = legend_h > 0 && legend_col_w + spx <= margin0 && ch0 - side0 < tag_h;
    if (legend_left) legend_h = 0;
    int ch = (g.h - top_h - legend_h - (int)(L - 1) * gap) / (int)L;
    bool tags = t->have_roles && imin(cw, ch - tag_h) >= 3 * c->px;
    int side = imin(cw, ch - (tags ? tag_h : 0));
    if (side < 6) {
        stage_note(c, "too little room for the heads: enlarge the window or Ctrl − for smaller type",
                   g.x, g.y, g.w, th->text_dim);
        return hv;
    }
    /* square maps; the width to spare parts the columns a little (a
     * layer's row reads as one line), or gives the tags room */
    int pitch_x = (tags ? cw : imin(cw, side + side / 6)) + gap;
    int pitch_y = side + (tags ? tag_h : 0) + gap;
    int total_w = (int)H * pitch_x - gap, total_h = top_h + (int)L * pitch_y - gap + legend_h;
    /* what the numbers count, in the corner left of the head numbers: the
     * first form the width to spare takes */
    static const char *const axes[] = {"layer ↓  head →", "L ↓ H →"};
    const char *axis = NULL;
    for (size_t a = 0; a < sizeof axes / sizeof axes[0] && !axis; a++) {
        int w = 0;
        text_measure(c->tc, axes[a], npx, &w, NULL);
        if (w + npx / 2 + total_w <= g.w) axis = axes[a], lab_w = imax(lab_w, w + npx / 2);
    }
    int x0 = g.x + lab_w + (g.w - lab_w - total_w) / 2, y0 = g.y + top_h + imax(0, (g.h - total_h) / 2);
    int bar = imax(2, gap / 2);
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++) {
            size_t k = l * H + h;
            SDL_Rect map = {x0 + (int)h * pitch_x, y0 + (int)l * pitch_y, side, side};
            head_map(c, t, l, h, map);
            if (tags) {
                role_tag(c, t, l, h, map.x, map.y + side + tag_h / 2, pitch_x - gap / 2, 1);
            } else {
                float score;
                int role = best_role(t, l, h, &score);
                SDL_Color rc = role_color(th, role);
                if (wanted_off(c)[k]) rc = draw_mix(rc, th->background, 0.6f);
                if (role >= 0) draw_fill(c->r, (SDL_Rect){map.x, map.y + side + 1, side, bar}, rc);
            }
            SDL_Rect hit = {map.x - gap / 2, map.y - gap / 2, pitch_x, pitch_y};
            head_hit(c, k, map, hit, (SDL_Rect){map.x - 4, map.y - 4, side + 8, pitch_y}, &hv);
        }
    /* the numbers, after the maps so the hovered head's are known */
    size_t cur = c->s->overview_cursor;
    int hl = hv.head >= 0 ? (int)((size_t)hv.head / H) : (int)(cur / H);
    int hh = hv.head >= 0 ? (int)((size_t)hv.head % H) : (int)(cur % H);
    char num[24];
    for (size_t l = 0; l < L; l++) {
        snprintf(num, sizeof num, "%zu", l + 1);
        text_draw(c->tc, num, npx, (int)l == hl ? th->accent : th->text_dim, x0 - npx / 2,
                  y0 + (int)l * pitch_y + side / 2, TEXT_RIGHT | TEXT_MIDDLE);
    }
    for (size_t h = 0; h < H; h++) {
        snprintf(num, sizeof num, "%zu", h + 1);
        text_draw(c->tc, num, npx, (int)h == hh ? th->accent : th->text_dim,
                  x0 + (int)h * pitch_x + side / 2, y0 - gap / 2 - top_h / 2,
                  TEXT_CENTER | TEXT_MIDDLE);
    }
    if (axis)
        text_draw(c->tc, axis, npx, th->text_dim, x0 - npx / 2, y0 - gap / 2 - top_h / 2,
                  TEXT_RIGHT | TEXT_MIDDLE);
    /* the legend of the bars' colours (the tags name their roles): a
     * column at the grid's lower left, else a line under it */
    int sw = spx * 2 / 3;
    if (legend_left && !tags) {
        int rows = 0;
        for (int r = 0; r < MODEL_ROLES; r++) rows += present[r];
        int ly = y0 + (int)L * pitch_y - gap - rows * spx * 3 / 2 + spx * 3 / 4;
        for (int r = 0; r < MODEL_ROLES; r++) {
            if (!present[r]) continue;
            draw_fill(c->r, (SDL_Rect){g.x, ly - imax(2, gap / 2) / 2, sw, imax(2, gap / 2)},
                      role_color(th, r));
            text_draw(c->tc, model_role_label((model_role)r), spx, th->text_dim,
                      g.x + sw + spx / 3, ly, TEXT_LEFT | TEXT_MIDDLE);
            ly += spx * 3 / 2;
        }
    }
    int lx = x0, ly = y0 + (int)L * pitch_y - gap / 2 + legend_h / 2;
    for (int r = 0; r < MODEL_ROLES && !tags && legend_h > 0; r++) {
        if (!present[r]) continue;
        const char *name = model_role_label((model_role)r);
        int w = 0;
        text_measure(c->tc, name, spx, &w, NULL);
        if (lx + sw + spx / 3 + w > x0 + total_w) break;
        draw_fill(c->r, (SDL_Rect){lx, ly - imax(2, gap / 2) / 2, sw, imax(2, gap / 2)},
                  role_color(th, r));
        lx += sw + spx / 3;
        lx += text_draw(c->tc, name, spx, th->text_dim, lx, ly, TEXT_LEFT | TEXT_MIDDLE) + spx;
    }
    return hv;
}

/* The maps' side and their labels' type for role_h under each map
 * (heads_grid). */
typedef struct grid_labels {
    int lpx, lab_w, top_h, side, cpx;
} grid_labels;

static void grid_labels_fit(const stage_ctx *c, SDL_Rect g, size_t L, size_t H, int gap,
                            int title_h, int role_h, grid_labels *f) {
    size_t n = c->n;
    int spx = c->spx, least = imin(spx, text_cache_min_px(c->tc));
    int lpx, lab_w, top_h, side, cpx;
    /* stage_row_labels' rule: a label a row when rows are 1.15 type tall;
     * tried at the smallest type first, so many tokens cost one try */
    lpx = least, lab_w = 0, top_h = 0;
    side = grid_fit(c, g, L, H, gap, title_h, role_h, lpx, lpx, &lab_w, &top_h);
    if (n > 0 && (double)side / (double)n < lpx * 1.15) {
        lpx = spx;
        side = grid_fit(c, g, L, H, gap, title_h, role_h, lpx, lpx, &lab_w, &top_h);
    } else {
        for (int try_px = spx; try_px > least; try_px--) {
            int try_lab, try_top;
            int try_side =
                grid_fit(c, g, L, H, gap, title_h, role_h, try_px, try_px, &try_lab, &try_top);
            if (n == 0 || (double)try_side / (double)n >= try_px * 1.15) {
                lpx = try_px, side = try_side, lab_w = try_lab, top_h = try_top;
                break;
            }
        }
    }
    /* column labels that do not fit at the rows' type may at a smaller one */
    cpx = lpx;
    for (int try_px = lpx - 1; top_h == 0 && n > 0 && try_px >= least; try_px--) {
        int try_lab, try_top;
        int try_side = grid_fit(c, g, L, H, gap, title_h, role_h, lpx, try_px, &try_lab, &try_top);
        if (try_top > 0) cpx = try_px, side = try_side, lab_w = try_lab, top_h = try_top;
    }
    *f = (grid_labels){lpx, lab_w, top_h, side, cpx};
}

/* The grid of heads in g; returns what is under the mouse. Row i of every
 * map in a layer's row is where token i looks, so one column of token
 * labels left of the row serves the whole row; column j is the same token
 * in every map of a column, so labels above the first layer's maps serve
 * the maps below (BertViz's small multiples). The labels take the largest
 * type from the small one down to the frame's smallest (14 px at 1080
 * lines, 20 in presenter mode) at which every row has its label; when none
 * does (many tokens), the small type, every k-th row. */
static hover_info heads_grid(stage_ctx *c, const state_trained *t, SDL_Rect g) {
    hover_info hv = {-1, -1, -1, {0, 0, 0, 0}};
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads, n = c->n;
    int px = c->px, spx = c->spx;
    int gap = imax(4, px * 3 / 4);
    /* a line under each map for each role its head wins (up to three: the
     * last counts the rest), as many for every head so the rows align */
    int lines = 1;
    for (size_t k = 0; k < L * H; k++) lines = imax(lines, role_lines_of(t, k / H, k % H, 3));
    int title_h = px * 3 / 2, role_h = spx * 3 / 2 + 2 + (lines - 1) * (spx * 5 / 4);
    /* maps under 4 em with a title each: the numbered grid instead */
    if (map_side(g, L, H, gap, title_h, role_h, 0) < 4 * px) return heads_compact(c, t, g);
    /* a role line more under every map only where it costs the maps and
     * their labels nothing (else the last line counts the rest, "+2") */
    grid_labels one, fit;
    grid_labels_fit(c, g, L, H, gap, title_h, spx * 3 / 2 + 2, &one);
    fit = one;
    for (int k = lines; k > 1; k--) {
        grid_labels_fit(c, g, L, H, gap, title_h, spx * 3 / 2 + 2 + (k - 1) * (spx * 5 / 4), &fit);
        if (memcmp(&fit, &one, sizeof fit) == 0) break;
        fit = one;
        lines = k - 1;
    }
    role_h = spx * 3 / 2 + 2 + (lines - 1) * (spx * 5 / 4);
    int lpx = fit.lpx, lab_w = fit.lab_w, top_h = fit.top_h, side = fit.side, cpx = fit.cpx;
    g.x += lab_w;
    g.w -= lab_w;
    if (side < 6) {
        stage_note(c, "too little room for the heads: enlarge the window or Ctrl − for smaller type",
                   g.x, g.y, g.w, c->th->text_dim);
        return hv;
    }
    int cw = (g.w - (int)(H - 1) * gap) / (int)H;
    /* columns as wide as they need, the block centred in g */
    int col_w = imin(cw, side + 8 + imax(0, (cw - side - 8) / 2));
    int row_h = side + title_h + role_h;
    int total_w = (int)H * col_w + (int)(H - 1) * gap;
    int total_h = top_h + (int)L * row_h + (int)(L - 1) * gap;
    int x0 = g.x + (g.w - total_w) / 2, y0 = g.y + imax(0, (g.h - total_h) / 2);
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++) {
            /* the first row is top_h taller: its title, the labels, the map */
            int y = y0 + (l > 0 ? top_h : 0) + (int)l * (row_h + gap);
            SDL_Rect box = {x0 + (int)h * (col_w + gap), y, col_w, row_h + (l == 0 ? top_h : 0)};
            int map_top = box.y + title_h + (l == 0 ? top_h : 0);
            draw_head(c, t, l, h, box, side, map_top, gap, lines, &hv);
            SDL_Rect map = {box.x + (box.w - side) / 2, map_top, side, side};
            if (h == 0 && lab_w > 0) {
                if (map.h >= 8 * (int)n) stage_row_labels(c, map, n, lab_w - lpx / 3, lpx);
                else token_labels(c, map, map.x - lpx / 3, lab_w - lpx / 3, lpx);
            }
            if (l == 0 && top_h > 0) stage_col_labels(c, map, n, top_h, cpx);
        }
    return hv;
}

void view_model(stage_ctx *c) {
    app_state *s = c->s;
    s->layout.n_overview_heads = 0;
    s->layout.overview_button = (SDL_Rect){0, 0, 0, 0};
    const state_trained *t = s->model.trained;
    SDL_Rect a = c->area;
    if (!t) {
        stage_note(c, STATE_OVERVIEW_NEEDS_TRAINED, a.x, a.y, a.w, c->th->error);
        return;
    }
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads;
    if (L * H > APP_OVERVIEW_HEADS_MAX) {
        char buf[160];
        snprintf(buf, sizeof buf, "%zu heads are more than the overview shows (%d): use the stage "
                 "views, [ and ] for the layers", L * H, APP_OVERVIEW_HEADS_MAX);
        stage_note(c, buf, a.x, a.y, a.w, c->th->text_dim);
        return;
    }
    int px = c->px;
    /* the side panel takes under a third (the maps want the room), never
     * less than the predictions need */
    int panel_w = imin(imax(a.w * 3 / 10, 15 * px), 24 * px);
    SDL_Rect grid = {a.x, a.y, a.w - panel_w - px, a.h};
    if (grid.w < 8 * px) { /* narrow: the heads take it all */
        grid.w = a.w;
        panel_w = 0;
    }
    hover_info hv = heads_grid(c, t, grid);
    if (panel_w > 0) {
        SDL_Rect side = {a.x + a.w - panel_w, a.y, panel_w, a.h};
        int used = view_model_predictions(c, t, side);
        SDL_Rect below = {side.x, side.y + used, side.w, side.h - used};
        if (t->gpt2) view_lens_draw(c, t, below); /* no live training for a GPT-2 */
        else view_model_live(c, t, below);
    }
    if (!s->show_help) head_tooltip(c, t, &hv);
}
