/* VIEW_ARCS, after BertViz's head view: the tokens in two columns, the
 * querying token i on the left and the attended token j on the right, and a
 * line for the largest weights A_h[i, j] of each row (arcs_select.h says
 * which, and so does a line on screen), as wide as the weight up to a cap in
 * pixels, coloured by head. The head in focus is drawn last and strongest;
 * the mouse over a head's name in the legend shows that head alone; a
 * selected token keeps only its own lines strong. Stage 8 shows the value
 * flow instead: the value rows one token mixes into its output. Stages
 * without weights say so in words (view_arcs returns false). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "arcs_select.h"
#include "stage.h"

/* Line widths in pixels whatever the type size: WIDTH_PER_WEIGHT pixels
 * per unit of weight, capped at ARC_WIDTH_MAX (wider lines turn into
 * ribbons that cover each other). */
#define ARC_WIDTH_PER_WEIGHT 14.0f
#define ARC_WIDTH_MAX 6.0f

enum { LEGEND_MAX = 16 }; /* heads named in the legend; more are summarised */

/* Rows whose weights exist at this point of the stage, and how far the
 * last one is (its lines fade in). */
static size_t rows_shown(const stage_ctx *c, float *last_alpha) {
    *last_alpha = 1.0f;
    if (c->s->stage != STAGE_SOFTMAX) return c->n;
    float pos = c->e * (float)c->n;
    if (pos >= (float)c->n) return c->n;
    size_t row = (size_t)pos;
    *last_alpha = pos - (float)row;
    return row + 1;
}

/* One legend entry's text: "head 3", or in the short form "3" (after a
 * "heads" prefix), with " (focus)" on the head in focus. */
static void legend_name(const stage_ctx *c, size_t h, bool short_form, char *buf, size_t len) {
    const char *focus = h == c->focus ? " (focus)" : "";
    char hn[24];
    app_head_name(c->s, h, hn, sizeof hn);
    if (short_form)
        snprintf(buf, len, "%s%s", hn, focus);
    else
        snprintf(buf, len, "head %s%s", hn, focus);
}

/* Width of the whole legend in one form. */
static int legend_width(const stage_ctx *c, bool short_form) {
    int spx = c->spx, sw = spx * 3 / 4, total = 0;
    char buf[64];
    if (short_form) {
        text_measure(c->tc, "heads", spx, &total, NULL);
        total += spx / 2;
    }
    for (size_t h = 0; h < c->n_heads && h < LEGEND_MAX; h++) {
        int w = 0;
        legend_name(c, h, short_form, buf, sizeof buf);
        text_measure(c->tc, buf, spx, &w, NULL);
        total += sw + spx / 3 + w + (short_form ? spx / 2 : spx);
    }
    return total;
}

static bool mouse_in(const stage_ctx *c, SDL_Rect r) {
    int mx = c->s->hover_x, my = c->s->hover_y;
    return mx >= r.x && mx < r.x + r.w && my >= r.y && my < r.y + r.h;
}

/* A swatch and a name per head; "head 1 … head 8" when it fits the line,
 * else "heads 1 2 3 …", so every head keeps its number. With draw false it
 * only lays the entries out. Returns the head whose entry the mouse is
 * over, or -1; alone >= 0 fades every other entry. */
static int legend(const stage_ctx *c, int x, int y, int max_w, bool draw, int alone) {
    int spx = c->spx, sw = spx * 3 / 4, right = x + max_w, hovered = -1;
    bool short_form = legend_width(c, false) > max_w;
    char buf[64];
    if (short_form) {
        int w = 0;
        text_measure(c->tc, "heads", spx, &w, NULL);
        if (draw) text_draw(c->tc, "heads", spx, c->th->text_dim, x, y, TEXT_LEFT | TEXT_MIDDLE);
        x += w + spx / 2;
    }
    for (size_t h = 0; h < c->n_heads && h < LEGEND_MAX; h++) {
        bool focus = alone >= 0 ? (size_t)alone == h : h == c->focus;
        legend_name(c, h, short_form, buf, sizeof buf);
        int w = 0;
        text_measure(c->tc, buf, spx, &w, NULL);
        if (x + sw + spx / 3 + w > right) {
            if (draw) text_draw(c->tc, "…", spx, c->th->text_dim, x, y, TEXT_LEFT | TEXT_MIDDLE);
            return hovered;
        }
        SDL_Rect entry = {x - spx / 4, y - spx, sw + spx / 3 + w + spx / 2, 2 * spx};
        if (mouse_in(c, entry)) hovered = (int)h;
        x += sw + spx / 3 + w + (short_form ? spx / 2 : spx);
        if (!draw) continue;
        SDL_Rect sq = {entry.x + spx / 4, y - sw / 2, sw, sw};
        SDL_Color hc = theme_head_color(c->th, h);
        if (alone >= 0 && !focus) hc.a = 70; /* the others faded while one is shown alone */
        draw_fill(c->r, sq, hc);
        if (focus)
            draw_outline(c->r, (SDL_Rect){sq.x - 2, sq.y - 2, sq.w + 4, sq.h + 4}, c->th->highlight,
                         2);
        text_draw(c->tc, buf, spx, focus ? c->th->text : c->th->text_dim, sq.x + sw + spx / 3, y,
                  TEXT_LEFT | TEXT_MIDDLE);
    }
    if (c->n_heads > LEGEND_MAX) {
        snprintf(buf, sizeof buf, "+%zu more", c->n_heads - LEGEND_MAX);
        if (draw)
            stage_text_fit(c, buf, spx, c->th->text_dim, x, y, TEXT_LEFT | TEXT_MIDDLE, right - x);
    }
    return hovered;
}


/* Where the two token columns go, shared by stages 7 and 8. */
typedef struct arcs_geom {
    int top;         /* y of the first row's top */
    double rh;       /* row height */
    int xl, xr;      /* the two columns */
    int lpx, label_w;
    bool labels;
} arcs_geom;

static bool geometry(const stage_ctx *c, int top, arcs_geom *g) {
    SDL_Rect a = c->area;
    int spx = c->spx, bottom = a.y + a.h - spx / 2;
    size_t n = c->n;
    g->rh = n ? (double)(bottom - top) / (double)n : 0.0;
    if (g->rh > 2.6 * spx) g->rh = 2.6 * spx;
    if (g->rh <= 0.0) return false;
    /* Few tokens: the columns sit in the middle of the room, not at its top. */
    g->top = top + (int)(((double)(bottom - top) - g->rh * (double)n) / 2.0);
    g->lpx = (int)fmin(g->rh * 0.8, (double)spx);
    g->labels = g->rh >= 8.0 && g->lpx >= 8;
    g->label_w = g->labels ? stage_token_width(c, g->lpx, 8 * g->lpx) : 0;
    int span = a.w - 2 * g->label_w - 4 * spx;
    if (span > 30 * spx) span = 30 * spx;
    if (span < 2 * spx) span = 2 * spx;
    g->xl = a.x + a.w / 2 - span / 2;
    g->xr = a.x + a.w / 2 + span / 2;
    return true;
}

static float row_y(const arcs_geom *g, size_t i) {
    return (float)(g->top + g->rh * ((double)i + 0.5));
}

/* Line width for weight wt: proportional up to a cap in pixels, and never
 * wider than most of a row, so neighbours stay apart. */
static float arc_width(const arcs_geom *g, float wt) {
    float cap = fminf(ARC_WIDTH_MAX, fmaxf(1.0f, (float)g->rh * 0.6f));
    return fmaxf(1.0f, fminf(wt * ARC_WIDTH_PER_WEIGHT, cap));
}

/* The token labels of one column (left: right-aligned), clickable. */
static void column(const stage_ctx *c, const arcs_geom *g, int x, bool left, size_t only) {
    int sel = c->s->selected_token, spx = c->spx;
    for (size_t i = 0; i < c->n; i++) {
        if (only < c->n && i != only) continue;
        int y = (int)row_y(g, i);
        draw_fill(c->r, (SDL_Rect){x - 1, y - 1, 3, 3}, c->th->text_dim);
        if (!g->labels) continue;
        size_t len;
        const char *s = stage_token(c, i, &len);
        char buf[256];
        int w = stage_fit(c, s, len, g->lpx, g->label_w, buf, sizeof buf);
        if (w == 0) continue;
        SDL_Color col = sel == (int)i ? c->th->accent : c->th->text;
        int row_top = g->top + (int)(g->rh * (double)i), row_h = (int)g->rh;
        if (left) {
            text_draw(c->tc, buf, g->lpx, col, x - spx / 2, y, TEXT_RIGHT | TEXT_MIDDLE);
            stage_record_label(c, (SDL_Rect){x - spx / 2 - g->label_w, row_top, g->label_w, row_h}, i);
        } else {
            text_draw(c->tc, buf, g->lpx, col, x + spx / 2, y, TEXT_LEFT | TEXT_MIDDLE);
            stage_record_label(c, (SDL_Rect){x + spx / 2, row_top, g->label_w, row_h}, i);
        }
    }
}

/* Stage 8, A_h·V_h: one query token's output is the sum of the value rows
 * v_j, each times its weight. Lines from every value row it mixes (on the
 * left) into its one output (on the right), as wide as the weight, the
 * largest with their weight written beside them. */
static void value_flow(stage_ctx *c, int top, size_t h) {
    SDL_Rect a = c->area;
    int spx = c->spx, line_h = spx + spx / 2;
    size_t n = c->n;
    size_t q = c->s->selected_token >= 0 && (size_t)c->s->selected_token < n
                   ? (size_t)c->s->selected_token
                   : n - 1;
    size_t len;
    const char *tok = stage_token(c, q, &len);
    char buf[320], hn[24];
    app_head_name(c->s, h, hn, sizeof hn);
    snprintf(buf, sizeof buf,
             "value flow, head %s: the output of \"%.*s\" is the sum of the value rows v_j, each "
             "times its weight A[i, j] (line width); click a token to follow another\n"
             "head %s: output of \"%.*s\" = sum of weight \xC3\x97 value row (line width = "
             "weight)\nhead %s: output = \xCE\xA3 A[i, j]\xC2\xB7v_j",
             hn, (int)len, tok, hn, (int)len, tok, hn);
    stage_note(c, buf, a.x, a.y + line_h, a.w, c->th->text);
    arcs_geom g;
    if (!geometry(c, top, &g)) return;
    text_draw(c->tc, "value rows v_j", spx, c->th->text_dim, g.xl, g.top - line_h / 2 - 2,
              TEXT_RIGHT | TEXT_MIDDLE);
    snprintf(buf, sizeof buf, "output of \"%.*s\"", (int)len, tok);
    text_draw(c->tc, buf, spx, c->th->text_dim, g.xr, g.top - line_h / 2 - 2,
              TEXT_LEFT | TEXT_MIDDLE);
    const float *w = c->t->weights + h * n * n + q * n;
    const float *m = c->t->masked + h * n * n + q * n;
    SDL_Color hc = theme_head_color(c->th, h);
    float yq = row_y(&g, q), grow = stage_ease_part(c->p, 0.0f, 0.6f);
    /* the weights written between the value rows and their lines */
    bool numbers = g.rh >= 8.0;
    int nw = 0;
    if (numbers) text_measure(c->tc, "0.00", g.lpx, &nw, NULL);
    float start = (float)g.xl + (numbers ? (float)(nw + spx) : 4.0f);
    /* every weight of the row: it is one row, so the thin ones do not
     * crowd, and the sum shows whole */
    for (size_t j = 0; j < n; j++) {
        if (isinf(m[j]) || !(w[j] > 0.005f)) continue;
        SDL_Color col = hc;
        col.a = (Uint8)(90.0f + 165.0f * fminf(1.0f, 2.0f * w[j]));
        float x0 = start, y0 = row_y(&g, j);
        float x1 = x0 + ((float)g.xr - 4.0f - x0) * grow, y1 = y0 + (yq - y0) * grow;
        draw_lines_add(c->pool, x0, y0, x1, y1, arc_width(&g, w[j]), col);
    }
    draw_lines_flush(c->pool, c->r);
    /* the output's dot, as large as the widest line can reach */
    int d = (int)ARC_WIDTH_MAX + 4;
    draw_fill(c->r, (SDL_Rect){g.xr - d / 2, (int)yq - d / 2, d, d}, hc);
    column(c, &g, g.xl, true, n);
    column(c, &g, g.xr, false, q);
    if (numbers)
        for (size_t j = 0; j < n; j++) {
            if (isinf(m[j])) continue;
            snprintf(buf, sizeof buf, "%.2f", (double)w[j]);
            text_draw(c->tc, buf, g.lpx, w[j] >= 0.10f ? c->th->text : c->th->text_dim,
                      g.xl + spx / 2, (int)row_y(&g, j), TEXT_LEFT | TEXT_MIDDLE);
        }
}

/* Stages with no attention weights: a line in plain words saying so, above
 * what the stage draws instead (the caller draws it below). */
static void no_arcs(stage_ctx *c) {
    static const char *const why[STATE_STAGE_COUNT] = {
        [STAGE_SCORES] = "no arcs yet: arcs are attention weights, which come at stage 7 "
                         "(softmax); until then, every head's scores as heatmaps\n"
                         "no arcs yet: weights come at stage 7; here every head's scores",
        [STAGE_SCALE] = "no arcs yet: arcs are attention weights, which come at stage 7 "
                        "(softmax); until then, every head's scores as heatmaps\n"
                        "no arcs yet: weights come at stage 7; here every head's scores",
        [STAGE_MASK] = "no arcs yet: arcs are attention weights, which come at stage 7 "
                       "(softmax); until then, every head's scores as heatmaps\n"
                       "no arcs yet: weights come at stage 7; here every head's scores",
    };
    const char *s = why[c->s->stage];
    if (c->cross) /* the arcs join one sentence to itself: both columns are its tokens */
        s = "arcs are for self-attention, a sentence reading itself; with cross-attention the "
            "queries and the keys are two sentences: the heatmaps show them, queries down the "
            "rows, the other sentence's keys along the columns\n"
            "arcs: self-attention only; here the maps, queries × the other sentence's keys\n"
            "arcs: self-attention only";
    else if (!s)
        s = c->s->stage < STAGE_SCORES
                ? "no arcs at this stage: arcs are attention weights, made at stage 7 "
                  "(softmax); this stage builds the matrices they come from\n"
                  "no arcs here: weights come at stage 7; these are the matrices before"
                : "no arcs at this stage: the heads' outputs are joined and mixed here; the "
                  "arcs are at stages 7 and 8 (\xE2\x86\x90 goes back)\n"
                  "no arcs here: they are at stages 7 and 8 (\xE2\x86\x90 goes back)";
    int line = c->spx + c->spx / 2;
    stage_note(c, s, c->area.x, c->area.y, c->area.w, c->th->accent);
    c->area.y += line;
    c->area.h -= line;
    SDL_RenderSetClipRect(c->r, &c->area);
}

bool view_arcs(stage_ctx *c) {
    if (c->cross || (c->s->stage != STAGE_SOFTMAX && c->s->stage != STAGE_WEIGHTED)) {
        no_arcs(c);
        return false;
    }
    SDL_Rect a = c->area;
    int spx = c->spx;
    size_t n = c->n;
    int line_h = spx + spx / 2;
    int top = a.y + 4 * line_h + spx / 2;
    /* the head under the mouse in the legend is shown alone */
    int alone = legend(c, a.x, a.y + 2 * line_h + line_h / 2, a.w, false, -1);
    size_t shown = alone >= 0 ? (size_t)alone : c->focus;

    if (c->s->stage == STAGE_WEIGHTED) {
        stage_note(c,
                   "stage 8 mixes the value rows: each token's output is the sum of the value "
                   "rows, weighted by its row of A\nstage 8: output = weights \xC3\x97 value rows",
                   a.x, a.y, a.w, c->th->text_dim);
        legend(c, a.x, a.y + 2 * line_h + line_h / 2, a.w, true, (int)shown);
        value_flow(c, top, shown);
        return true;
    }

    arcs_rule rule = arcs_rule_for(n, c->s->arcs_k);
    char rule_text[96];
    arcs_rule_text(rule, rule_text, sizeof rule_text);
    stage_note(c,
               "a line from token i (left) to the tokens j it attends to most (right): the wider, "
               "the larger the weight A[i, j]\na line from token i to the tokens j it attends to "
               "most\nlines: i attends to j",
               a.x, a.y, a.w, c->th->text_dim);

    arcs_geom g;
    if (!geometry(c, top, &g)) return true;
    /* With rows too thin to follow or too many of them (over 24 tokens a
     * head has a line a row already), or more heads than colours, the
     * other heads' lines would bury the focus head's (and cost 100 ms): it
     * is drawn alone, and the legend says so. */
    bool thin = g.rh < 8.0 || n > 24, many = c->n_heads > LEGEND_MAX;
    bool focus_only = alone >= 0 || ((thin || many) && c->n_heads > 1);
    if (focus_only && alone < 0) {
        char buf[128], hn[24];
        app_head_name(c->s, c->focus, hn, sizeof hn);
        snprintf(buf, sizeof buf,
                 "head %s only (1\xE2\x80\x93" "9 picks another; too many %s to overlay heads)",
                 hn, thin ? "rows" : "heads");
        SDL_Rect sq = {a.x, a.y + 2 * line_h + line_h / 2 - spx * 3 / 8, spx * 3 / 4,
                       spx * 3 / 4};
        draw_fill(c->r, sq, theme_head_color(c->th, c->focus));
        stage_text_fit(c, buf, spx, c->th->text, sq.x + sq.w + spx / 3,
                       a.y + 2 * line_h + line_h / 2, TEXT_LEFT | TEXT_MIDDLE, a.w - sq.w - spx);
    } else {
        legend(c, a.x, a.y + 2 * line_h + line_h / 2, a.w, true, alone);
    }

    text_draw(c->tc, "token i (query)", spx, c->th->text_dim, g.xl, g.top - line_h / 2 - 2,
              TEXT_RIGHT | TEXT_MIDDLE);
    text_draw(c->tc, "attends to token j (key)", spx, c->th->text_dim, g.xr,
              g.top - line_h / 2 - 2, TEXT_LEFT | TEXT_MIDDLE);

    /* Lines: other heads first and fainter, the head shown on top. */
    float last_alpha;
    size_t rows = rows_shown(c, &last_alpha);
    int sel = c->s->selected_token;
    unsigned char *keep = malloc(n > 0 ? n * n : 1);
    if (!keep) return true;
    size_t drawn_shown = 0;
    size_t first_pass = focus_only ? c->n_heads - 1 : 0;
    for (size_t pass = first_pass; pass < c->n_heads; pass++) {
        size_t h = pass + 1 == c->n_heads ? shown : (pass >= shown ? pass + 1 : pass);
        bool focus = h == shown;
        SDL_Color hc = theme_head_color(c->th, h);
        const float *w = c->t->weights + h * n * n;
        size_t kept = arcs_select(w, c->t->masked + h * n * n, n, rows, rule, keep);
        if (focus) drawn_shown = kept;
        for (size_t i = 0; i < rows; i++) {
            float row_alpha = i + 1 == rows ? last_alpha : 1.0f;
            if (!focus) row_alpha *= 0.3f;
            if (sel >= 0 && (size_t)sel != i) row_alpha *= 0.12f;
            float y0 = row_y(&g, i);
            for (size_t j = 0; j < n; j++) {
                if (!keep[i * n + j]) continue;
                float wt = w[i * n + j];
                /* every line drawn is a large weight: it reads at once,
                 * the largest fully opaque */
                float alpha = (0.45f + 0.55f * fminf(1.0f, wt)) * row_alpha;
                if (!(alpha * 255.0f >= 6.0f)) continue; /* invisible anyway */
                SDL_Color col = hc;
                col.a = (Uint8)fminf(255.0f, alpha * 255.0f);
                float thick = focus ? arc_width(&g, wt) : 1.0f; /* the head shown reads first */
                draw_lines_add(c->pool, (float)g.xl + 4.0f, y0, (float)g.xr - 4.0f,
                               row_y(&g, j), thick, col);
            }
        }
    }
    free(keep);
    draw_lines_flush(c->pool, c->r);

    /* The rule, and how many lines it left for the head shown. */
    char buf[200], hn[24];
    app_head_name(c->s, shown, hn, sizeof hn);
    snprintf(buf, sizeof buf, "%s: %zu of head %s's weights drawn (K changes how many per row)",
             rule_text, drawn_shown, hn);
    stage_text_fit(c, buf, spx, c->th->text, a.x, a.y + line_h + spx / 2, TEXT_LEFT | TEXT_MIDDLE,
                   a.w);

    column(c, &g, g.xl, true, n);
    column(c, &g, g.xr, false, n);
    return true;
}
