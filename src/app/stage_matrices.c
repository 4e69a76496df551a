/* The whole-matrix stages: 1 embed, 2 project, 3 split, 9 concat,
 * 10 output. Products are laid out as in a Falk diagram: the left factor
 * beside the result, the right factor above it, so row i of the left meets
 * column j of the right at cell (i, j) of the result. */
#include <cglm/cglm.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/embed.h"
#include "stage.h"
#include "trained.h"

/* ---- sizes ----------------------------------------------------------------------- */


/* Rows a little short of a whole label of the frame's smallest type (14
 * px at 1080 lines, 20 in presenter mode) are labelled every other one
 * (stage_row_labels): where avail_h holds units_h rows that tall, the
 * rows are made that tall, taller than wide if need be. */
static double whole_label_rows(const stage_ctx *c, int avail_h, double units_h, double ch) {
    int least = text_cache_min_px(c->tc) > 9 ? text_cache_min_px(c->tc) : 9;
    double want = ceil((double)least * 1.15);
    if (ch >= want || units_h <= 0.0 || (double)avail_h / units_h < want) return ch;
    return want;
}


/* A matrix title with shorter alternatives for narrow matrices:
 * "Q = X·W_Q + b  11×32  ±3.2", then "Q  11×32  ±3.2", "Q  11×32", "Q". */
static void range_text(char *buf, size_t len, const char *name, const char *short_name, size_t rows,
                       size_t cols, float range) {
    char v[24];
    draw_format_value(v, sizeof v, range);
    if (!short_name) short_name = name;
    snprintf(buf, len, "%s  %zu×%zu  ±%s\n%s  %zu×%zu  ±%s\n%s  %zu×%zu\n%s", name, rows, cols, v,
             short_name, rows, cols, v, short_name, rows, cols, short_name);
}

/* Label font for rows of height row_h: never larger than the small type. */
static int label_px(const stage_ctx *c, double row_h) {
    int px = (int)(row_h * 0.8);
    return px > c->spx ? c->spx : px < 9 ? 9 : px;
}

/* The progress row in a row-by-row fill, and whether it is under way. */
static bool current_row(const stage_ctx *c, size_t rows, size_t cols, size_t *row) {
    size_t shown = stage_cells_shown(c->e, rows, cols);
    if (shown == 0 || shown >= rows * cols) return false;
    *row = shown / cols;
    return true;
}

/* ---- 1 embed ------------------------------------------------------------------------ */

/* The token whose sum stage 1 spells out: the row of X under the mouse,
 * else the selected token, else the first. */
static size_t embed_token(const stage_ctx *c, SDL_Rect xr) {
    size_t i, j;
    if (stage_hover_cell(c, xr, c->n, c->d_model, &i, &j)) return i;
    int sel = c->s->selected_token;
    return sel >= 0 && (size_t)sel < c->n ? (size_t)sel : 0;
}

/* Height of the sum strip under X: a title line and three rows. */
static int embed_sum_h(const stage_ctx *c) { return 3 * (c->spx + c->spx / 3) + 2 * c->spx; }

/* Token i's row of X as its two parts, "e('robot') + p(5) = x_5": the
 * word's vector (made from the seed, as the model made it), the position
 * (what X holds beyond the word's vector) and their sum, X's row, on X's
 * colour scale, in the strip at (x, y) w wide. */
static void embed_sum(const stage_ctx *c, size_t i, SDL_Rect xr, int x, int y, int w) {
    size_t d = c->d_model, len;
    int spx = c->spx, row_h = spx + spx / 3;
    float *e = malloc(2 * d * sizeof *e);
    if (!e || w < 8 * spx) {
        free(e);
        return;
    }
    float *p = e + d;
    const attn_token *tk = &c->m->tokens[i];
    attn_token_vector(e, c->m->text + tk->offset, tk->len, d, c->m->settings.seed);
    const float *xi = c->t->x + i * d;
    for (size_t k = 0; k < d; k++) p[k] = xi[k] - e[k];
    char word[64], lab[3][96];
    const char *s = stage_token(c, i, &len);
    stage_fit(c, s, len, spx, 6 * spx, word, sizeof word);
    snprintf(lab[0], sizeof lab[0], "e('%s')", word);
    snprintf(lab[1], sizeof lab[1], "+ p(%zu)", i + 1);
    snprintf(lab[2], sizeof lab[2], "= x_%zu", i + 1);
    char title[400];
    if (c->m->settings.positions_off)
        snprintf(title, sizeof title, "token %zu, '%s': positions off, p(%zu) = 0, so x_%zu = "
                 "e('%s')", i + 1, word, i + 1, i + 1, word);
    else
        snprintf(title, sizeof title, "token %zu, '%s': e('%s') + p(%zu) = x_%zu, row %zu of X",
                 i + 1, word, word, i + 1, i + 1, i + 1);
    stage_text_fit(c, title, spx, c->th->text, x, y + spx / 2, TEXT_LEFT | TEXT_MIDDLE, w);
    int lab_w = 0;
    for (int form = 0; form < 2; form++) {
        /* the short forms ("e", "+ p", "= x") when the long ones would push
         * the rows off X's columns: the title spells them out */
        if (form == 1) {
            snprintf(lab[0], sizeof lab[0], "e");
            snprintf(lab[1], sizeof lab[1], "+ p");
            snprintf(lab[2], sizeof lab[2], "= x");
        }
        lab_w = 0;
        for (int k = 0; k < 3; k++) {
            int lw = 0;
            text_measure(c->tc, lab[k], spx, &lw, NULL);
            if (lw > lab_w) lab_w = lw;
        }
        lab_w += spx / 2;
        if (xr.x - x >= lab_w) break;
    }
    /* under X's columns where the labels fit beside them, so column k of
     * the three rows and of X line up */
    int row_x = xr.x - x >= lab_w ? xr.x : x + lab_w;
    int row_w = xr.x + xr.w - row_x;
    if (row_w > x + w - row_x) row_w = x + w - row_x;
    lab_w = row_x - x;
    const float *rows[3] = {e, p, xi};
    const char *names[3] = {"e", "p", "x"};
    for (int k = 0; k < 3; k++) {
        int ry = y + spx + spx / 2 + k * row_h;
        text_draw(c->tc, lab[k], spx, k == 2 ? c->th->highlight : c->th->text, x + lab_w - spx / 2,
                  ry + (row_h - 2) / 2, TEXT_RIGHT | TEXT_MIDDLE);
        SDL_Rect rr = {x + lab_w, ry, row_w, row_h - 2};
        draw_matrix_desc dm = draw_matrix_plain(
            1, d, draw_values_rows(rows[k], d, DRAW_DIVERGING, c->m->x_absmax), c->th);
        dm.name = names[k];
        draw_matrix(c->pool, c->r, rr, &dm);
        draw_outline(c->r, (SDL_Rect){rr.x - 1, rr.y - 1, rr.w + 2, rr.h + 2},
                     k == 2 ? c->th->highlight : c->th->panel_border, k == 2 ? 2 : 1);
    }
    free(e);
}

void stage_embed(stage_ctx *c) {
    if (c->cross) { /* two sentences: stage_cross.c */
        stage_embed_cross(c);
        return;
    }
    SDL_Rect a = c->area;
    int spx = c->spx, title_h = stage_title_h(c);
    int cb_w = stage_colorbar_w(c);
    size_t n = c->n, d = c->d_model;

    /* The sentence as tokens: chips along the top, one per token, numbered. */
    int chip_h = spx + spx / 2, chips_y = a.y + spx / 2, x = a.x;
    text_draw(c->tc, "tokens:", spx, c->th->text_dim, x, chips_y + chip_h / 2,
              TEXT_LEFT | TEXT_MIDDLE);
    x += spx * 4 + spx / 2;
    char buf[256];
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *s = stage_token(c, i, &len);
        int w = stage_fit(c, s, len, spx, 8 * spx, buf, sizeof buf);
        int right_limit = a.x + a.w - cb_w;
        if (x + w + spx > right_limit) {
            text_draw(c->tc, "…", spx, c->th->text_dim, x, chips_y + chip_h / 2,
                      TEXT_LEFT | TEXT_MIDDLE);
            break;
        }
        SDL_Rect chip = {x, chips_y, w + spx * 2 / 3, chip_h};
        bool sel = stage_token_lit(c, i);
        bool unknown = c->m->token_kind && c->m->token_kind[i] == STATE_TOKEN_UNKNOWN;
        draw_fill(c->r, chip, c->th->panel);
        draw_outline(c->r, chip, sel ? c->th->accent : c->th->panel_border, sel ? 2 : 1);
        text_draw(c->tc, buf, spx, sel ? c->th->accent : unknown ? c->th->text_dim : c->th->text,
                  chip.x + spx / 3, chip.y + chip_h / 2, TEXT_LEFT | TEXT_MIDDLE);
        stage_record_label(c, chip, i);
        x += chip.w + spx / 3;
    }

    /* A trained model reads the sentence as its own words: say what the
     * start token is and what a marked word means. */
    int top = chips_y + chip_h + spx + title_h;
    if (c->m->trained) {
        char note[256];
        if (c->m->n_unknown > 0)
            snprintf(note, sizeof note,
                     "%s starts every sequence (<|endoftext|>)   ·   word%s: not in the model's "
                     "vocabulary, read as <unk>",
                     STATE_START_LABEL, STATE_UNKNOWN_MARK);
        else
            snprintf(note, sizeof note,
                     "%s starts every sequence (<|endoftext|>), as in training", STATE_START_LABEL);
        stage_note(c, note, a.x, chips_y + chip_h + spx / 3, a.w - cb_w, c->th->text_dim);
        top += spx + spx / 2;
    }

    /* X with the tokens beside its rows. */
    int label_w = stage_token_width(c, spx, 7 * spx) + spx / 2;
    int avail_w = a.w - label_w - cb_w - spx, avail_h = a.y + a.h - top - spx;
    /* Mechanics: a strip under X spells one row out as its two parts (a
     * trained model's X is a layer's normalised input, no such sum). */
    int sum_h = !c->m->trained && avail_h > 4 * embed_sum_h(c) ? embed_sum_h(c) : 0;
    avail_h -= sum_h;
    if (stage_focus_on(c)) avail_h -= 2 * c->spx; /* the line saying X is not per head */
    double cw, ch;
    stage_fit_cells(avail_w, avail_h, (double)d, (double)n, 4.0 * c->px, &cw, &ch);
    /* A wide X (GPT-2's 768 columns) would be a thin strip of rows twice
     * as tall as its 1-px columns: its rows get the height of their token
     * labels at the stage's type, or as tall as the room holds them. */
    double row_want = ceil(spx * 1.3), row_room = floor((double)avail_h / (double)n);
    if (ch < row_want) ch = fmax(ch, fmin(row_want, row_room));
    SDL_Rect xr = {a.x + label_w, top, stage_px_of((double)d, cw), stage_px_of((double)n, ch)};
    scale_range xs = stage_scale_of(c, c->t->x, n * d);
    draw_matrix_desc dx =
        draw_matrix_plain(n, d, draw_values_rows(c->t->x, d, DRAW_DIVERGING, xs.range), c->th);
    dx.visible = stage_cells_shown(c->e, n, d);
    dx.name = "X";
    char title[512];
    if (c->m->trained) {
        /* the walkthrough starts inside the model: layer l's input, normalised */
        char name[96], short_name[48];
        snprintf(name, sizeof name, "X = LN\xE2\x82\x81 output of layer %zu (of %zu)",
                 c->m->settings.layer + 1, c->m->trained->model.config.n_layers);
        snprintf(short_name, sizeof short_name, "X (layer %zu)", c->m->settings.layer + 1);
        range_text(title, sizeof title, name, short_name, n, d, xs.range);
    } else {
        /* a lesson's "positions: off" leaves the token vectors alone */
        range_text(title, sizeof title,
                   c->m->settings.positions_off ? "X = token vector (positions off)"
                                                : "X = token vector + position",
                   "X", n, d, xs.range);
    }
    stage_matrix(c, xr, &dx, title, c->th->text, 0);
    stage_row_labels(c, xr, n, label_w - spx / 2, label_px(c, ch));
    size_t row;
    if (current_row(c, n, d, &row)) stage_outline_row(c, xr, n, row, c->th->accent, 2);
    stage_mark_lit_rows(c, xr, n, 2, "X", -1);
    if (sum_h > 0) {
        size_t i = embed_token(c, xr);
        stage_mark(c, xr, n, d, (int)i, -1, "X", -1, c->th->highlight, 2);
        embed_sum(c, i, xr, a.x, xr.y + xr.h + spx, a.w - cb_w);
    }
    int note_y = xr.y + xr.h + (sum_h > 0 ? sum_h + 2 * spx : spx + spx / 2);
    if (stage_focus_on(c) && note_y + spx < a.y + a.h) {
        char hl[40], note[200];
        stage_head_label(c, c->focus, hl, sizeof hl);
        snprintf(note, sizeof note,
                 "not per head: every head, %s too, reads all of X\nnot per head: every head "
                 "reads all of X\nnot per head",
                 hl);
        stage_note(c, note, a.x, note_y, a.w - cb_w, theme_head_color(c->th, c->focus));
    }

    SDL_Rect col = {a.x + a.w - cb_w + spx / 2, top, cb_w - spx / 2,
                    xr.h > 8 * spx ? xr.h : 8 * spx};
    stage_colorbars(c, col, &(stage_bar){DRAW_DIVERGING, xs.range, "X", stage_bar_flags(xs)}, 1,
                    NULL);
}

/* ---- products: 2 project and 10 output --------------------------------------------- */

typedef struct product {
    draw_matrix_desc right, result; /* the right factor (above) and the result */
    char right_title[256], result_title[256];
    SDL_Color color;
} product;

/* left (rows×k) at the left, each product's right factor above its result
 * (rows×cols). Results fill row by row with the progress. */
/* concat · W_O as a sum over heads (stage 10, all-heads view): head h's
 * d_head columns of the concat (lr, rows × k) and the band of d_head rows
 * of W_O they meet (rr, k × cols), outlined in the head's colour, the band
 * named beside W_O where its rows are tall enough. */
static void head_bands(const stage_ctx *c, SDL_Rect lr, size_t rows, SDL_Rect rr, size_t cols,
                       size_t k) {
    size_t H = c->n_heads, dh = c->d_head;
    if (H < 2 || dh * H != k || rows == 0 || cols == 0) return;
    for (size_t h = 0; h < H; h++) {
        SDL_Color hc = theme_head_color(c->th, h);
        SDL_Rect a = stage_cell_rect(lr, rows, k, 0, h * dh);
        SDL_Rect b = stage_cell_rect(lr, rows, k, 0, (h + 1) * dh - 1);
        draw_outline(c->r, (SDL_Rect){a.x, lr.y, b.x + b.w - a.x, lr.h}, hc, 2);
        a = stage_cell_rect(rr, k, cols, h * dh, 0);
        b = stage_cell_rect(rr, k, cols, (h + 1) * dh - 1, 0);
        SDL_Rect band = {rr.x, a.y, rr.w, b.y + b.h - a.y};
        draw_outline(c->r, band, hc, 2);
        if (band.h >= c->spx) {
            char name[40], hn[24];
            app_head_name(c->s, h, hn, sizeof hn);
            snprintf(name, sizeof name, "head %s", hn);
            stage_text_fit(c, name, c->spx, hc, rr.x + rr.w + c->spx / 2, band.y + band.h / 2,
                           TEXT_LEFT | TEXT_MIDDLE, c->area.x + c->area.w - (rr.x + rr.w) - c->spx);
        }
    }
}

/* The focus view at stages 2 and 10: the head's share of the products.
 * Stage 2: its columns of W_Q and Q (and its group's of W_K, K, W_V, V),
 * named under the results. Stage 10: its columns of concat (O_h) and the
 * rows of W_O they meet, with a line saying those rows are its share. */
static void focus_products(const stage_ctx *c, SDL_Rect lr, size_t rows, size_t k,
                           const SDL_Rect *rights, const SDL_Rect *results, const product *parts,
                           int n_parts) {
    size_t h = c->focus, dh = c->d_head, g = stage_kv_group(c, h);
    int spx = c->spx, bottom = lr.y + lr.h;
    SDL_Rect a = c->area;
    int right_edge = a.x + a.w - stage_colorbar_w(c);
    SDL_Color hc = theme_head_color(c->th, h);
    char hl[40], hn[24], note[512];
    stage_head_label(c, h, hl, sizeof hl);
    app_head_name(c->s, h, hn, sizeof hn);
    if (c->s->stage == STAGE_PROJECT) {
        bool grouped = c->n_kv < c->n_heads;
        for (int p = 0; p < n_parts && p < 3; p++) {
            size_t cols = parts[p].result.cols, first = (p == 0 ? h : g) * dh;
            stage_mark_band(c, rights[p], k, cols, first, dh, false, parts[p].right.name, (int)h,
                            hc, 2);
            SDL_Rect b = stage_mark_band(c, results[p], rows, cols, first, dh, false,
                                   parts[p].result.name, (int)h, hc, 2);
            char lab[80];
            if (p > 0 && grouped)
                snprintf(lab, sizeof lab, "kv %zu (%s's group)\nkv %zu", g + 1, hl, g + 1);
            else
                snprintf(lab, sizeof lab, "%s\n%s", hl, hn);
            if (b.w > 0 && bottom + 2 * spx < a.y + a.h)
                stage_text_alts(c, lab, spx, hc, b.x, bottom + spx, TEXT_LEFT | TEXT_MIDDLE,
                                results[p].x + results[p].w - b.x);
        }
        if (grouped) {
            char gl[80];
            stage_group_label(c, g, gl, sizeof gl);
            snprintf(note, sizeof note,
                     "%s: columns %zu–%zu of Q are its own; its K and V columns %zu–%zu are "
                     "its group's (%s)\n%s: its Q columns %zu–%zu; K, V: group kv %zu\n%s",
                     hl, h * dh + 1, (h + 1) * dh, g * dh + 1, (g + 1) * dh, gl, hl, h * dh + 1,
                     (h + 1) * dh, g + 1, hl);
        } else {
            snprintf(note, sizeof note,
                     "%s: its columns %zu–%zu of W_Q, W_K, W_V make its columns of Q, K, V\n"
                     "%s: columns %zu–%zu\n%s",
                     hl, h * dh + 1, (h + 1) * dh, hl, h * dh + 1, (h + 1) * dh, hl);
        }
    } else {
        stage_mark_band(c, lr, rows, k, h * dh, dh, false, "concat", (int)h, hc, 2);
        SDL_Rect b = stage_mark_band(c, rights[0], k, parts[0].result.cols, h * dh, dh, true, "W_O",
                               (int)h, hc, 2);
        if (b.h > 0) /* named left of W_O, in the corner: its right is the colour bars' */
            stage_text_fit(c, hl, spx, hc, rights[0].x - spx / 2, b.y + b.h / 2,
                           TEXT_RIGHT | TEXT_MIDDLE, rights[0].x - a.x - spx);
        /* the corner above concat holds the sentence when it is tall enough */
        int corner_w = lr.x + lr.w - a.x - spx;
        if (rights[0].h > 10 * spx && corner_w > 10 * spx) {
            char l[3][160];
            snprintf(l[0], sizeof l[0], "rows %zu–%zu of W_O (outlined)", h * dh + 1,
                     (h + 1) * dh);
            snprintf(l[1], sizeof l[1], "are %s's share of the output:", hl);
            snprintf(l[2], sizeof l[2], "they multiply O_%s, its columns of concat", hn);
            for (int i = 0; i < 3; i++)
                stage_text_fit(c, l[i], spx, hc, a.x, rights[0].y + spx + i * (spx + spx / 3),
                               TEXT_LEFT | TEXT_MIDDLE, corner_w);
            return;
        }
        snprintf(note, sizeof note,
                 "rows %zu–%zu of W_O are %s's share of the output: they multiply O_%s, its "
                 "columns of concat\nrows %zu–%zu of W_O: %s's share of the output\n%s's share "
                 "of the output",
                 h * dh + 1, (h + 1) * dh, hl, hn, h * dh + 1, (h + 1) * dh, hl, hl);
    }
    int y = bottom + 2 * spx + spx / 2;
    if (y + spx < a.y + a.h) stage_text_alts(c, note, spx, hc, a.x, y, TEXT_LEFT | TEXT_MIDDLE,
                                             right_edge - a.x);
}

static void draw_products(stage_ctx *c, draw_matrix_desc *left, const char *left_title,
                          product *parts, int n_parts, const stage_bar *bars, int n_bars,
                          const char *left_name, const char *right_name, const char *result_name) {
    SDL_Rect a = c->area;
    int spx = c->spx, title_h = stage_title_h(c), gap = spx + spx / 2;
    int cb_w = stage_colorbar_w(c);
    size_t rows = left->rows, k = left->cols;
    double units_w = (double)k, units_h = (double)k + (double)rows;
    for (int p = 0; p < n_parts; p++) units_w += (double)parts[p].result.cols;
    int label_w = stage_token_width(c, spx, 6 * spx) + spx / 2;
    int avail_w = a.w - label_w - cb_w - gap * n_parts - spx;
    int avail_h = a.h - 2 * title_h - gap - spx;
    /* the focus view names the head's columns under the results, and says whose they are */
    if (stage_focus_on(c) && c->s->stage == STAGE_PROJECT) avail_h -= 4 * spx;
    double cw, ch;
    stage_fit_cells(avail_w, avail_h, units_w, units_h, 3.0 * c->px, &cw, &ch);
    /* The results (and the left factor) are what the stage is about, and
     * their rows carry the token labels; the right factors are weights,
     * usually with more rows than there are tokens. So the weights' cells
     * are never taller than wide (a square W is drawn square), squeezed
     * down to half that when the results' rows need the room for readable
     * labels, and the results' rows take what is left, up to three times
     * the cell width. */
    double ch_right = fmin(ch, cw), ch_res = ch;
    if (rows > 0 && k > 0) {
        /* A wide matrix (d_model 128 in 250 pixels) has cells a pixel or
         * two wide; its rows are still tokens, and read as labelled bars
         * when they are as tall as the label type. */
        double want = 1.3 * spx, max_res = fmin(fmax(3.0 * cw, want), 3.0 * c->px);
        if (want > max_res) want = max_res;
        double room = avail_h - (double)k * ch_right;
        if (room < want * (double)rows)
            ch_right = fmax(0.5 * cw, (avail_h - want * (double)rows) / (double)k);
        if (ch_right > ch) ch_right = ch;
        ch_res = fmin(max_res, (avail_h - (double)k * ch_right) / (double)rows);
        if (ch_res < ch) ch_res = ch;
    }

    int top_h = stage_px_of((double)k, ch_right); /* the right factors' height */
    int y_right = a.y + title_h + spx / 2;
    int y_res = y_right + top_h + gap + title_h;
    SDL_Rect lr = {a.x + label_w, y_res, stage_px_of((double)k, cw), stage_px_of((double)rows, ch_res)};

    size_t row = 0;
    bool moving = current_row(c, rows, parts[0].result.cols, &row);
    stage_matrix(c, lr, left, left_title, c->th->text, 0);
    stage_row_labels(c, lr, rows, label_w - spx / 2, label_px(c, ch_res));
    int x = lr.x + lr.w + gap;
    SDL_Rect first_right = {0, 0, 0, 0};
    SDL_Rect rights[3], results[3];
    for (int p = 0; p < n_parts; p++) {
        product *pp = &parts[p];
        size_t cols = pp->result.cols;
        SDL_Rect rr = {x, y_right, stage_px_of((double)cols, cw), top_h};
        if (p == 0) first_right = rr;
        SDL_Rect res = {x, y_res, rr.w, lr.h};
        int title_w = p + 1 < n_parts ? rr.w + gap - spx / 2 : a.x + a.w - cb_w - x;
        stage_matrix(c, rr, &pp->right, pp->right_title, c->th->text, title_w);
        pp->result.visible = stage_cells_shown(c->e, rows, cols);
        stage_matrix(c, res, &pp->result, pp->result_title, pp->color, title_w);
        if (moving) stage_outline_row(c, res, rows, row, c->th->accent, 2);
        /* the tokens' rows in every result */
        stage_mark_lit_rows(c, res, rows, 2, pp->result.name, -1);
        if (p < 3) rights[p] = rr, results[p] = res;
        x += rr.w + gap;
    }
    if (moving) stage_outline_row(c, lr, rows, row, c->th->accent, 2);
    stage_mark_lit_rows(c, lr, rows, 2, left->name, -1);
    /* The cell under the mouse and the two it comes from: row i of the
     * left factor and column j of the right one. */
    int hp = -1;
    size_t hi = 0, hj = 0;
    for (int p = 0; p < n_parts && p < 3 && hp < 0; p++)
        if (stage_hover_cell(c, results[p], rows, parts[p].result.cols, &hi, &hj) &&
            draw_matrix_cell(&parts[p].result, hi, hj).visible) /* a cell made already */
            hp = p;
    if (hp >= 0) {
        product *pp = &parts[hp];
        SDL_Color hc = c->th->highlight;
        stage_mark(c, lr, rows, k, (int)hi, -1, left->name, -1, hc, 2);
        stage_mark(c, rights[hp], k, pp->result.cols, -1, (int)hj, pp->right.name, -1, hc, 2);
        stage_mark(c, results[hp], rows, pp->result.cols, (int)hi, (int)hj, pp->result.name, -1,
                   hc, 2);
        left_name = left->name, right_name = pp->right.name, result_name = pp->result.name;
    }
    if (c->s->stage == STAGE_OUTPUT && c->s->view == VIEW_HEADS && n_parts == 1)
        head_bands(c, lr, rows, first_right, parts[0].result.cols, k);
    if (stage_focus_on(c) && (c->s->stage == STAGE_PROJECT || c->s->stage == STAGE_OUTPUT))
        focus_products(c, lr, rows, k, rights, results, parts, n_parts);

    /* The empty corner above the left factor says how to read the picture. */
    int corner_w = label_w + lr.w - spx;
    if (corner_w > 6 * spx && top_h > 4 * spx) {
        char l1[96], l2[96], l3[96];
        snprintf(l1, sizeof l1, "row i of %s", left_name);
        snprintf(l2, sizeof l2, "· column j of %s", right_name);
        snprintf(l3, sizeof l3, "= cell (i, j) of %s", result_name);
        if (hp >= 0) { /* the cell under the mouse, in numbers */
            char v[24], word[64];
            size_t len;
            const char *s = stage_token(c, hi, &len);
            stage_fit(c, s, len, spx, 5 * spx, word, sizeof word);
            draw_cell cell = draw_matrix_cell(&parts[hp].result, hi, hj);
            draw_format_value(v, sizeof v, cell.value);
            snprintf(l1, sizeof l1, "row %zu of %s ('%s')", hi + 1, left_name, word);
            snprintf(l2, sizeof l2, "· column %zu of %s", hj + 1, right_name);
            snprintf(l3, sizeof l3, "+ b = %s[%zu, %zu] = %s", result_name, hi + 1, hj + 1, v);
        }
        const char *lines[3] = {l1, l2, l3};
        int line_h = spx + spx / 3, y0 = y_right + top_h / 2 - line_h;
        for (int k = 0; k < 3; k++)
            stage_text_fit(c, lines[k], spx, c->th->text_dim, a.x, y0 + k * line_h,
                           TEXT_LEFT | TEXT_MIDDLE, corner_w);
    }

    /* stacked bars need room for each one's title and labels */
    int col_h = lr.h > 8 * spx * n_bars ? lr.h : 8 * spx * n_bars;
    SDL_Rect col = {a.x + a.w - cb_w + spx / 2, y_res, cb_w - spx / 2, col_h};
    if (col.y + col.h > a.y + a.h) col.y = a.y + a.h - col.h;
    if (col.y < a.y) col.y = a.y;
    stage_colorbars(c, col, bars, n_bars, NULL);
}

void stage_project(stage_ctx *c) {
    if (c->cross) { /* Q from one sentence, K and V from the other: stage_cross.c */
        stage_project_cross(c);
        return;
    }
    const attn_trace *t = c->t;
    const attn_weights *w = &c->m->weights;
    size_t n = c->n, d = c->d_model, dkv = c->d_kv;
    scale_range qk = stage_qk_scale(c), vs = stage_v_scale(c), xs = stage_scale_of(c, t->x, n * d);
    draw_matrix_desc left =
        draw_matrix_plain(n, d, draw_values_rows(t->x, d, DRAW_DIVERGING, xs.range), c->th);
    left.name = "X";
    char left_title[256];
    range_text(left_title, sizeof left_title, "X", NULL, n, d, xs.range);
    product parts[3];
    const float *ws[3] = {w->w_q, w->w_k, w->w_v};
    const float *rs[3] = {t->q, t->k, t->v};
    size_t widths[3] = {d, dkv, dkv};
    const char *names[3] = {"Q", "K", "V"}, *w_names[3] = {"W_Q", "W_K", "W_V"};
    for (int p = 0; p < 3; p++) {
        float qkv = p < 2 ? qk.range : vs.range;
        float wr = stage_scale_of(c, ws[p], d * widths[p]).range;
        parts[p].right = draw_matrix_plain(
            d, widths[p], draw_values_rows(ws[p], widths[p], DRAW_DIVERGING, wr), c->th);
        parts[p].result = draw_matrix_plain(
            n, widths[p], draw_values_rows(rs[p], widths[p], DRAW_DIVERGING, qkv), c->th);
        parts[p].right.name = w_names[p];
        parts[p].result.name = names[p];
        char wname[16], rname[32];
        snprintf(wname, sizeof wname, "W_%s", names[p]);
        range_text(parts[p].right_title, sizeof parts[p].right_title, wname, NULL, d, widths[p],
                   wr);
        snprintf(rname, sizeof rname, "%s = X·W_%s + b", names[p], names[p]);
        range_text(parts[p].result_title, sizeof parts[p].result_title, rname, names[p], n,
                   widths[p], qkv);
        parts[p].color = c->th->text;
    }
    stage_bar bars[2] = {{DRAW_DIVERGING, qk.range, "Q, K", stage_bar_flags(qk)},
                         {DRAW_DIVERGING, vs.range, "V", stage_bar_flags(vs)}};
    draw_products(c, &left, left_title, parts, 3, bars, 2, "X", "W_Q", "Q");
}

/* The head outputs O_h are drawn on V's colour scale in stage 8 (each of
 * their rows is a weighted mean of V's rows, so they fade where attention
 * is spread); concat holds the same numbers, so stages 9 and 10 keep that
 * scale and the colours do not jump from one stage to the next. */
static float o_range(const stage_ctx *c) { return stage_v_scale(c).range; }

void stage_output(stage_ctx *c) {
    const attn_trace *t = c->t;
    size_t n = c->n, d = c->d_model;
    float wr = stage_scale_of(c, c->m->weights.w_o, d * d).range;
    scale_range out = stage_scale_of(c, t->output, n * d);
    draw_matrix_desc left = draw_matrix_plain(
        n, d, draw_values_rows(t->concat, d, DRAW_DIVERGING, o_range(c)), c->th);
    char left_title[256];
    range_text(left_title, sizeof left_title, "concat", NULL, n, d, o_range(c));
    product part;
    part.right =
        draw_matrix_plain(d, d, draw_values_rows(c->m->weights.w_o, d, DRAW_DIVERGING, wr), c->th);
    part.result = draw_matrix_plain(
        n, d, draw_values_rows(t->output, d, DRAW_DIVERGING, out.range), c->th);
    left.name = "concat";
    part.right.name = "W_O";
    part.result.name = "output";
    range_text(part.right_title, sizeof part.right_title, "W_O", NULL, d, d, wr);
    range_text(part.result_title, sizeof part.result_title, "output = concat·W_O + b_O", "output",
               n, d, out.range);
    part.color = c->th->text;
    draw_products(c, &left, left_title, &part, 1,
                  &(stage_bar){DRAW_DIVERGING, out.range, "output", stage_bar_flags(out)}, 1, "concat", "W_O",
                  "output");
}

/* ---- slabs: 3 split and 9 concat ------------------------------------------------------ */

/* Slab k's label in one of four forms, longest first: "head 3", "h3", "3",
 * or for a shared K/V group "kv 2 · heads 3–4", "kv 2 · h3–4", "kv 2", "2". */
enum { SLAB_FORMS = 4 };
static void slab_label(const stage_ctx *c, char *buf, size_t len, size_t k, bool kv, int form) {
    if (!kv || c->n_kv == c->n_heads) {
        char hn[24];
        app_head_name(c->s, k, hn, sizeof hn);
        if (form == 0)
            snprintf(buf, len, "head %s", hn);
        else if (form == 1)
            snprintf(buf, len, "h%s", hn);
        else
            snprintf(buf, len, "%s", hn);
        return;
    }
    size_t per = c->n_heads / c->n_kv, first = k * per + 1, last = (k + 1) * per;
    if (form == 0 && per == 1)
        snprintf(buf, len, "kv %zu · head %zu", k + 1, first);
    else if (form == 0)
        snprintf(buf, len, "kv %zu · heads %zu–%zu", k + 1, first, last);
    else if (form == 1 && per == 1)
        snprintf(buf, len, "kv %zu · h%zu", k + 1, first);
    else if (form == 1)
        snprintf(buf, len, "kv %zu · h%zu–%zu", k + 1, first, last);
    else if (form == 2)
        snprintf(buf, len, "kv %zu", k + 1);
    else
        snprintf(buf, len, "%zu", k + 1);
}

/* The longest form in which every slab's label fits max_w, so the heads
 * of one band are all named alike ("head 9", "head 10", not "head 9",
 * "hea…"). */
static int slab_form(const stage_ctx *c, size_t slabs, bool kv, int max_w) {
    char lab[64];
    for (int form = 0; form < SLAB_FORMS - 1; form++) {
        bool fits = true;
        for (size_t k = 0; k < slabs && fits; k++) {
            int w = 0;
            slab_label(c, lab, sizeof lab, k, kv, form);
            text_measure(c->tc, lab, c->spx, &w, NULL);
            fits = w <= max_w;
        }
        if (fits) return form;
    }
    return SLAB_FORMS - 1;
}

/* One band: a rows×(slabs·d_head) matrix v (row stride `stride`) drawn as
 * `slabs` column slabs of d_head with gap pixels between them, each with a
 * coloured strip and label above. A shared K/V group (kv, fewer groups
 * than heads) sits under the first of the query heads that read it, so the
 * picture shows which heads share it. The band's title goes on a line of
 * its own, or when name is set, name goes in the token-label column on the
 * line of the slab labels (a band fewer: larger rows). Returns the band's
 * bottom. */
static int draw_slabs(stage_ctx *c, int x, int y, double cw, double ch, const float *v,
                      size_t stride, size_t slabs, float range, int gap, bool kv, const char *title,
                      const char *name, int label_w, int focus_slab, bool fade) {
    int spx = c->spx, strip = spx / 3 + 2;
    /* K and V (kv) have a row per key: the other sentence's tokens in cross-attention */
    size_t n = kv ? c->n_keys : c->n, dh = c->d_head;
    int slab_w = stage_px_of((double)dh, cw), h = stage_px_of((double)n, ch);
    int per = kv && c->n_kv ? (int)(c->n_heads / c->n_kv) : 1;
    int pitch = per * (slab_w + gap); /* from one slab's left edge to the next's */
    int right = c->area.x + c->area.w;
    int label_y = y + spx * 3 / 4;
    if (!name) { /* the title on its own line, then the slab labels */
        stage_text_fit(c, title, spx, c->th->text, x, label_y, TEXT_LEFT | TEXT_MIDDLE, right - x);
        label_y += spx + spx / 4;
    } else if (label_w > 0) {
        /* in the token labels' column, kept clear of the first slab label */
        stage_text_fit(c, name, spx, c->th->text, x - spx / 2, label_y, TEXT_RIGHT | TEXT_MIDDLE,
                       label_w - spx / 2);
    }
    int grid_y = label_y + spx * 3 / 4 + strip;
    int lab_w = slabs > 1 ? pitch - (gap > 0 ? spx / 3 : 2) : right - x;
    int form = slab_form(c, slabs, kv, lab_w);
    for (size_t k = 0; k < slabs; k++) {
        SDL_Rect sr = {x + (int)k * pitch, grid_y, slab_w, h};
        size_t head = kv ? k * (size_t)per : k;
        SDL_Color hc = theme_head_color(c->th, head);
        draw_matrix_desc d = draw_matrix_plain(
            n, dh, (draw_values){v + k * dh, (ptrdiff_t)stride, 1, DRAW_DIVERGING, range, false, false, NULL},
            c->th);
        d = draw_matrix_named(d, name ? name : "O", (int)k); /* a K/V slab: its group */
        draw_matrix(c->pool, c->r, sr, &d);
        draw_outline(c->r, (SDL_Rect){sr.x - 1, sr.y - 1, sr.w + 2, sr.h + 2}, c->th->panel_border,
                     1);
        /* The strip says which head(s) read this slab; with kv groups it
         * shows every head's colour, so sharing is visible. */
        int heads_here = kv ? per : 1;
        for (int q = 0; q < heads_here; q++) {
            int x0 = sr.x + sr.w * q / heads_here, x1 = sr.x + sr.w * (q + 1) / heads_here;
            draw_fill(c->r, (SDL_Rect){x0, grid_y - strip - 1, x1 - x0, strip},
                      theme_head_color(c->th, head + (size_t)q));
        }
        char lab[64];
        slab_label(c, lab, sizeof lab, k, kv, form);
        int max_w = k + 1 == slabs ? right - sr.x : lab_w;
        stage_text_fit(c, lab, spx, hc, sr.x, label_y, TEXT_LEFT | TEXT_MIDDLE, max_w);
        if (gap > 0) draw_outline(c->r, (SDL_Rect){sr.x - 2, sr.y - 2, sr.w + 4, sr.h + 4}, hc, 1);
        /* the focus view: the head's own slab outlined, the others faded */
        if (focus_slab >= 0 && (size_t)focus_slab == k) {
            stage_mark_band(c, sr, n, dh, 0, dh, false, name ? name : "O", (int)k,
                      theme_head_color(c->th, c->focus), 3);
        } else if (focus_slab >= 0 && fade) {
            SDL_Color bg = c->th->background;
            bg.a = 170;
            draw_fill(c->r, (SDL_Rect){sr.x - 1, sr.y - 1, sr.w + 2, sr.h + 2}, bg);
        }
    }
    if (label_w > 0) {
        SDL_Rect whole = {x, grid_y, (int)(slabs - 1) * pitch + slab_w, h};
        if (kv) stage_key_row_labels(c, whole, n, label_w - spx / 2, label_px(c, ch));
        else stage_row_labels(c, whole, n, label_w - spx / 2, label_px(c, ch));
        if (!(kv && c->cross)) stage_mark_lit_rows(c, whole, n, 2, name ? name : "concat", -1);
    }
    return grid_y + h;
}

/* Height of a band's head: the slab labels and the strip, and the title
 * line unless the band is named in the label column. */
static int band_head_h(const stage_ctx *c, bool title_line) {
    int spx = c->spx;
    return spx * 3 / 4 + (title_line ? spx + spx / 4 : 0) + spx * 3 / 4 + spx / 3 + 2;
}

void stage_split(stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx, cb_w = stage_colorbar_w(c);
    size_t n = c->n, d = c->d_model;
    /* The label column also names the bands: "Q", "K", "V". */
    int label_w = stage_token_width(c, spx, 6 * spx) + spx / 2;
    int name_w = 0;
    text_measure(c->tc, "V", spx, &name_w, NULL);
    if (label_w < name_w + spx) label_w = name_w + spx;
    int max_gap = spx;
    if (c->n_heads > 1 && max_gap > a.w / (4 * (int)c->n_heads))
        max_gap = a.w / (4 * (int)c->n_heads);
    int band_gap = spx;
    int avail_w = a.w - label_w - cb_w - (int)(c->n_heads - 1) * max_gap - spx;
    int avail_h = a.h - 3 * band_head_h(c, false) - 2 * band_gap - spx / 2;
    bool focus = stage_focus_on(c);
    if (focus) avail_h -= 2 * spx; /* a line saying which slabs are the head's */
    double cw, ch;
    /* Q's n rows and K's and V's n_keys rows each */
    double rows = (double)n + 2.0 * (double)c->n_keys;
    stage_fit_cells(avail_w, avail_h, (double)d, rows, 3.0 * c->px, &cw, &ch);
    ch = whole_label_rows(c, avail_h, rows, ch);
    int fq = focus ? (int)c->focus : -1, fkv = focus ? (int)stage_kv_group(c, c->focus) : -1;
    /* The slabs move apart as the progress goes; K and V move with Q, so
     * a shared group stays under the heads that read it. */
    int gap = (int)lroundf(c->e * (float)max_gap);
    int x = a.x + label_w, y = a.y;
    scale_range qk = stage_qk_scale(c), vs = stage_v_scale(c);
    float r = qk.range;
    y = draw_slabs(c, x, y, cw, ch, c->t->q, d, c->n_heads, r, gap, false, NULL, "Q", label_w, fq,
                   true) +
        band_gap;
    y = draw_slabs(c, x, y, cw, ch, c->t->k, c->d_kv, c->n_kv, r, gap, true, NULL, "K", label_w,
                   fkv, true) +
        band_gap;
    y = draw_slabs(c, x, y, cw, ch, c->t->v, c->d_kv, c->n_kv, vs.range, gap, true, NULL, "V",
                   label_w, fkv, true);
    if (focus && y + spx < a.y + a.h) {
        char hl[40], gl[80], note[400];
        stage_head_label(c, c->focus, hl, sizeof hl);
        if (c->n_kv < c->n_heads) {
            stage_group_label(c, (size_t)fkv, gl, sizeof gl);
            snprintf(note, sizeof note,
                     "%s reads its own Q slab and its group's K and V slabs (%s); the rest are "
                     "faded\n%s: its Q slab, its group's K and V (%s)\n%s",
                     hl, gl, hl, gl, hl);
        } else {
            snprintf(note, sizeof note,
                     "%s reads only its own slabs of Q, K and V; the other heads' are faded\n"
                     "%s: its own slabs of Q, K, V\n%s",
                     hl, hl, hl);
        }
        stage_text_alts(c, note, spx, theme_head_color(c->th, c->focus), a.x, y + spx,
                        TEXT_LEFT | TEXT_MIDDLE, a.w - cb_w);
    }

    SDL_Rect col = {a.x + a.w - cb_w + spx / 2, a.y + band_head_h(c, false), cb_w - spx / 2,
                    a.h - band_head_h(c, false)};
    stage_bar bars[2] = {{DRAW_DIVERGING, r, "Q, K", stage_bar_flags(qk)},
                         {DRAW_DIVERGING, vs.range, "V", stage_bar_flags(vs)}};
    stage_colorbars(c, col, bars, 2, NULL);
}

void stage_concat(stage_ctx *c) {
    SDL_Rect a = c->area;
    int spx = c->spx, cb_w = stage_colorbar_w(c);
    size_t n = c->n, d = c->d_model;
    int label_w = stage_token_width(c, spx, 6 * spx) + spx / 2;
    int max_gap = 3 * spx;
    if (c->n_heads > 1 && max_gap > a.w / (4 * (int)c->n_heads))
        max_gap = a.w / (4 * (int)c->n_heads);
    int avail_w = a.w - label_w - cb_w - (int)(c->n_heads - 1) * max_gap - spx;
    int avail_h = a.h - band_head_h(c, true) - 4 * spx;
    double cw, ch;
    stage_fit_cells(avail_w, avail_h, (double)d, (double)n, 3.0 * c->px, &cw, &ch);
    ch = whole_label_rows(c, avail_h, (double)n, ch);
    /* The head outputs slide together as the progress goes. */
    int gap = (int)lroundf((1.0f - c->e) * (float)max_gap);
    char title[160], rv[16];
    draw_format_value(rv, sizeof rv, o_range(c));
    if (gap > 0)
        snprintf(title, sizeof title, "%zu head outputs O_h, %zu×%zu each  →  concat %zu×%zu   ±%s",
                 c->n_heads, n, c->d_head, n, d, rv);
    else {
        char h1[24], hl[24];
        app_head_name(c->s, 0, h1, sizeof h1);
        app_head_name(c->s, c->n_heads - 1, hl, sizeof hl);
        snprintf(title, sizeof title, "concat = [O_%s | … | O_%s]  %zu×%zu   ±%s", h1, hl, n, d,
                 rv);
    }
    int x = a.x + label_w;
    /* The outputs are read from the trace's concat, which holds head h's
     * O_h in columns h·d_head … (h+1)·d_head: the same numbers, moved. */
    bool focus = stage_focus_on(c);
    int bottom = draw_slabs(c, x, a.y, cw, ch, c->t->concat, d, c->n_heads, o_range(c), gap,
                            false, title, NULL, label_w, focus ? (int)c->focus : -1, false);
    if (focus && bottom + 2 * spx < a.y + a.h) {
        char hl[40], hn[24], note[300];
        stage_head_label(c, c->focus, hl, sizeof hl);
        app_head_name(c->s, c->focus, hn, sizeof hn);
        size_t dh = c->d_head, h = c->focus;
        snprintf(note, sizeof note,
                 "%s's output O_%s (outlined) becomes columns %zu–%zu of concat\nO_%s: columns "
                 "%zu–%zu of concat",
                 hl, hn, h * dh + 1, (h + 1) * dh, hn, h * dh + 1, (h + 1) * dh);
        stage_note(c, note, x, bottom + spx, a.w - label_w - cb_w, theme_head_color(c->th, h));
    } else if (bottom + 2 * spx < a.y + a.h) {
        const char *note = gap > 0 ? "each head's output keeps its own columns"
                                   : "no numbers change: the heads' columns sit side by side";
        stage_note(c, note, x, bottom + spx, a.w - label_w - cb_w, c->th->text_dim);
    }
    int bh = band_head_h(c, true);
    SDL_Rect col = {a.x + a.w - cb_w + spx / 2, a.y + bh, cb_w - spx / 2,
                    bottom - a.y - bh > 8 * spx ? bottom - a.y - bh : 8 * spx};
    stage_colorbars(c, col,
                    &(stage_bar){DRAW_DIVERGING, o_range(c), "O, concat",
                                 stage_scale_of(c, c->t->concat, n * d).absmax > o_range(c)
                                     ? DRAW_BAR_CLIPPED
                                     : 0},
                    1, NULL);
}
