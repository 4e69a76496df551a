/* VIEW_ARCS, after BertViz's head view: the tokens in two columns, the
 * querying token i on the left and the attended token j on the right, and a
 * line for each weight A_h[i, j], as wide and as opaque as the weight,
 * coloured by head. The head in focus is drawn last and strongest; a
 * selected token keeps only its own lines strong. */
#include <math.h>
#include <stdio.h>

#include "stage.h"

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

/* A swatch and a name per head; "head 1 … head 8" when it fits the line,
 * else "heads 1 2 3 …", so every head keeps its number. */
static void legend(const stage_ctx *c, int x, int y, int max_w) {
    int spx = c->spx, sw = spx * 3 / 4, right = x + max_w;
    bool short_form = legend_width(c, false) > max_w;
    char buf[64];
    if (short_form)
        x += text_draw(c->tc, "heads", spx, c->th->text_dim, x, y, TEXT_LEFT | TEXT_MIDDLE) +
             spx / 2;
    for (size_t h = 0; h < c->n_heads && h < LEGEND_MAX; h++) {
        bool focus = h == c->focus;
        legend_name(c, h, short_form, buf, sizeof buf);
        int w = 0;
        text_measure(c->tc, buf, spx, &w, NULL);
        if (x + sw + spx / 3 + w > right) {
            text_draw(c->tc, "…", spx, c->th->text_dim, x, y, TEXT_LEFT | TEXT_MIDDLE);
            return;
        }
        SDL_Rect sq = {x, y - sw / 2, sw, sw};
        draw_fill(c->r, sq, theme_head_color(c->th, h));
        if (focus)
            draw_outline(c->r, (SDL_Rect){sq.x - 2, sq.y - 2, sq.w + 4, sq.h + 4}, c->th->highlight,
                         2);
        text_draw(c->tc, buf, spx, focus ? c->th->text : c->th->text_dim, x + sw + spx / 3, y,
                  TEXT_LEFT | TEXT_MIDDLE);
        x += sw + spx / 3 + w + (short_form ? spx / 2 : spx);
    }
    if (c->n_heads > LEGEND_MAX) {
        snprintf(buf, sizeof buf, "+%zu more", c->n_heads - LEGEND_MAX);
        stage_text_fit(c, buf, spx, c->th->text_dim, x, y, TEXT_LEFT | TEXT_MIDDLE, right - x);
    }
}

bool view_arcs(stage_ctx *c) {
    if (c->s->stage != STAGE_SOFTMAX && c->s->stage != STAGE_WEIGHTED) return false;
    SDL_Rect a = c->area;
    int spx = c->spx;
    size_t n = c->n;
    int line_h = spx + spx / 2;
    stage_note(c,
               "a line from token i (left) to token j (right) for each weight A[i, j]: the larger, "
               "the wider and more opaque",
               a.x, a.y, a.w, c->th->text_dim);

    int top = a.y + 3 * line_h + spx / 2, bottom = a.y + a.h - spx / 2;
    double rh = n ? (double)(bottom - top) / (double)n : 0.0;
    if (rh > 2.6 * spx) rh = 2.6 * spx;
    if (rh <= 0.0) return true;
    /* Few tokens: the columns sit in the middle of the room, not at its top. */
    top += (int)(((double)(bottom - top) - rh * (double)n) / 2.0);
    int lpx = (int)fmin(rh * 0.8, (double)spx);
    bool labels = rh >= 8.0 && lpx >= 8;
    int label_w = labels ? stage_token_width(c, lpx, 8 * lpx) : 0;
    int span = a.w - 2 * label_w - 4 * spx;
    if (span > 30 * spx) span = 30 * spx;
    if (span < 2 * spx) span = 2 * spx;
    int xl = a.x + a.w / 2 - span / 2, xr = a.x + a.w / 2 + span / 2;
    /* With rows too thin to follow (long sentences) or more heads than
     * colours, the other heads' lines would bury the focus head's (and cost
     * 100 ms): it is drawn alone, and the legend says so. */
    bool thin = rh < 8.0, many = c->n_heads > LEGEND_MAX;
    bool focus_only = (thin || many) && c->n_heads > 1;
    if (focus_only) {
        char buf[120], hn[24];
        app_head_name(c->s, c->focus, hn, sizeof hn);
        snprintf(buf, sizeof buf,
                 "head %s only (1–9 picks another; too many %s to overlay heads)", hn,
                 thin ? "rows" : "heads");
        SDL_Rect sq = {a.x, a.y + line_h + line_h / 2 - spx * 3 / 8, spx * 3 / 4, spx * 3 / 4};
        draw_fill(c->r, sq, theme_head_color(c->th, c->focus));
        stage_text_fit(c, buf, spx, c->th->text, sq.x + sq.w + spx / 3, a.y + line_h + line_h / 2,
                       TEXT_LEFT | TEXT_MIDDLE, a.w - sq.w - spx);
    } else {
        legend(c, a.x, a.y + line_h + line_h / 2, a.w);
    }

    text_draw(c->tc, "token i (query)", spx, c->th->text_dim, xl, top - line_h / 2 - 2,
              TEXT_RIGHT | TEXT_MIDDLE);
    text_draw(c->tc, "attends to token j (key)", spx, c->th->text_dim, xr, top - line_h / 2 - 2,
              TEXT_LEFT | TEXT_MIDDLE);

    /* Lines: other heads first and fainter, the head in focus on top. */
    float last_alpha;
    size_t rows = rows_shown(c, &last_alpha);
    float thick_max = (float)fmax(2.0, fmin(rh * 0.7, 1.2 * spx));
    int sel = c->s->selected_token;
    size_t first_pass = focus_only ? c->n_heads - 1 : 0;
    for (size_t pass = first_pass; pass < c->n_heads; pass++) {
        size_t h = pass + 1 == c->n_heads ? c->focus : (pass >= c->focus ? pass + 1 : pass);
        bool focus = h == c->focus;
        SDL_Color hc = theme_head_color(c->th, h);
        const float *w = c->t->weights + h * n * n;
        const float *m = c->t->masked + h * n * n;
        for (size_t i = 0; i < rows; i++) {
            float row_alpha = i + 1 == rows ? last_alpha : 1.0f;
            if (!focus) row_alpha *= 0.3f;
            if (sel >= 0 && (size_t)sel != i) row_alpha *= 0.12f;
            float y0 = (float)(top + rh * ((double)i + 0.5));
            for (size_t j = 0; j < n; j++) {
                if (isinf(m[i * n + j])) continue; /* masked: no line at all */
                float wt = w[i * n + j];
                /* opacity is the weight, scaled up a little so a weight
                 * of 0.3 already reads on a projector */
                float alpha = fminf(1.0f, 1.6f * wt) * row_alpha;
                if (!(alpha * 255.0f >= 6.0f)) continue; /* invisible anyway */
                float y1 = (float)(top + rh * ((double)j + 0.5));
                SDL_Color col = hc;
                col.a = (Uint8)fminf(255.0f, alpha * 255.0f);
                /* the other heads thinner too: the head in focus reads first */
                float thick = 0.75f + wt * thick_max * (focus ? 1.0f : 0.5f);
                draw_lines_add(c->pool, (float)xl + 4.0f, y0, (float)xr - 4.0f, y1, thick, col);
            }
        }
    }
    draw_lines_flush(c->pool, c->r);

    /* Token columns; both are clickable. */
    for (size_t i = 0; i < n; i++) {
        int y = top + (int)(rh * ((double)i + 0.5));
        SDL_Color col = sel == (int)i ? c->th->accent : c->th->text;
        draw_fill(c->r, (SDL_Rect){xl - 1, y - 1, 3, 3}, c->th->text_dim);
        draw_fill(c->r, (SDL_Rect){xr - 1, y - 1, 3, 3}, c->th->text_dim);
        if (!labels) continue;
        size_t len;
        const char *s = stage_token(c, i, &len);
        char buf[256];
        int w = stage_fit(c, s, len, lpx, label_w, buf, sizeof buf);
        if (w == 0) continue;
        int row_top = top + (int)(rh * (double)i), row_h = (int)rh;
        text_draw(c->tc, buf, lpx, col, xl - spx / 2, y, TEXT_RIGHT | TEXT_MIDDLE);
        text_draw(c->tc, buf, lpx, col, xr + spx / 2, y, TEXT_LEFT | TEXT_MIDDLE);
        stage_record_label(c, (SDL_Rect){xl - spx / 2 - label_w, row_top, label_w, row_h}, i);
        stage_record_label(c, (SDL_Rect){xr + spx / 2, row_top, label_w, row_h}, i);
    }
    return true;
}
