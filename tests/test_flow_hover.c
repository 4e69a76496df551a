/* Where every number comes from, under the mouse: over a cell of a
 * product (stages 2 and 10) its two operands are lit, row i of the left
 * factor and column j of the right; over a row of the weights at stage 8,
 * the V rows it mixes get bars in proportion to their weights and O's row
 * is lit; over a row of X at stage 1, its sum is spelled out. Drawn
 * offscreen as `attnviz render` does, the outlines read from the layout
 * record. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "check.h"
#include "render.h"

enum { W = 1280, H = 800 };

static app_offscreen o;
static layout_record rec;
static app_state s;

static void draw(state_stage stage) {
    state_frame f;
    state_frame_default(&f);
    f.stage = stage;
    f.width = W;
    f.height = H;
    layout_clear(&rec);
    app_offscreen_draw(&o, &s, &f);
}

static const layout_item *find(layout_kind kind, const char *name, int head) {
    for (size_t k = 0; k < rec.n; k++)
        if (rec.items[k].kind == kind && strcmp(rec.items[k].text, name) == 0 &&
            rec.items[k].head == head)
            return &rec.items[k];
    return NULL;
}

static const layout_item *lit(const char *name, int head, int row, int col) {
    for (size_t k = 0; k < rec.n; k++) {
        const layout_item *it = &rec.items[k];
        if (it->kind == LAYOUT_HIGHLIGHT && strcmp(it->text, name) == 0 && it->head == head &&
            it->row == row && it->col == col)
            return it;
    }
    return NULL;
}

static bool text_with(const char *sub) {
    for (size_t k = 0; k < rec.n; k++)
        if (rec.items[k].kind == LAYOUT_TEXT && strstr(rec.items[k].text, sub)) return true;
    return false;
}

/* The mouse on the middle of cell (i, j) of the heatmap m. */
static void hover_cell(const layout_item *m, size_t i, size_t j) {
    s.hover_x = m->box.x + (int)((double)m->box.w * ((double)j + 0.5) / (double)m->cols);
    s.hover_y = m->box.y + (int)((double)m->box.h * ((double)i + 0.5) / (double)m->rows);
}

/* A product's stage: over cell (i, j) of result, row i of left and
 * column j of right lit, and the cell itself; nothing lit off it. */
static void check_product(state_stage stage, const char *left, const char *right,
                          const char *result, size_t i, size_t j, const char *says) {
    s.hover_x = s.hover_y = -1;
    draw(stage);
    CHECKF(!lit(right, -1, -1, (int)j), "%s's column %zu lit with no mouse", right, j);
    const layout_item *m = find(LAYOUT_HEATMAP, result, -1);
    CHECKF(m != NULL, "no heatmap %s", result);
    if (!m) return;
    hover_cell(m, i, j);
    draw(stage);
    CHECKF(lit(left, -1, (int)i, -1), "row %zu of %s not lit", i, left);
    CHECKF(lit(right, -1, -1, (int)j), "column %zu of %s not lit", j, right);
    CHECKF(lit(result, -1, (int)i, (int)j), "cell (%zu, %zu) of %s not lit", i, j, result);
    CHECKF(text_with(says), "no text reads \"%s\"", says);
    /* the row lit sits on row i of the left factor */
    const layout_item *lf = find(LAYOUT_HEATMAP, left, -1), *hl = lit(left, -1, (int)i, -1);
    if (lf && hl)
        CHECK(hl->box.y == lf->box.y + (int)((size_t)lf->box.h * i / lf->rows) &&
              hl->box.x == lf->box.x && hl->box.w == lf->box.w);
}

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    char err[APP_ERR_LEN] = "";
    state_settings set;
    state_settings_default(&set); /* mechanics: every stage has its sums */
    if (app_state_init(&s, &set, err, sizeof err) != ATTN_OK ||
        app_offscreen_init(&o, W, H, err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "test_flow_hover: cannot draw offscreen: %s\n", err);
        return 1;
    }
    layout_init(&rec, W, H);
    app_offscreen_record(&o, &rec);
    size_t n = s.model.n, H_ = s.model.settings.config.n_heads;
    CHECK(n > 6 && H_ > 1);

    check_product(STAGE_PROJECT, "X", "W_Q", "Q", 3, 5, "Q[4, 6] = ");
    check_product(STAGE_OUTPUT, "concat", "W_O", "output", 1, 7, "output[2, 8] = ");

    /* stage 8: the mouse on row 4 of head 2's weights */
    s.hover_x = s.hover_y = -1;
    s.hover_head = 1, s.hover_i = 4, s.hover_j = 0;
    draw(STAGE_WEIGHTED);
    CHECK(lit("weights", 1, 4, -1) != NULL);
    CHECK(lit("O", 1, 4, -1) != NULL);
    CHECK(lit("O", 0, 4, -1) == NULL); /* another head's row is not mixed */
    const float *w = s.model.trace.weights + (1 * n + 4) * n;
    float top = 0.0f;
    for (size_t j = 0; j < n; j++) top = fmaxf(top, w[j]);
    int longest = 0;
    for (size_t j = 0; j < n; j++) {
        const layout_item *bar = lit("V", 1, (int)j, -1);
        CHECKF(bar != NULL, "no bar beside V row %zu", j);
        if (bar && bar->box.w > longest) longest = bar->box.w;
    }
    CHECK(longest >= 4);
    for (size_t j = 0; j < n; j++) { /* each bar in proportion to its weight */
        const layout_item *bar = lit("V", 1, (int)j, -1);
        if (!bar) continue;
        double want = (double)w[j] / (double)top * (double)longest;
        CHECKF(fabs((double)bar->box.w - want) <= 1.0, "bar %zu: %d pixels for weight %.3f, want %.1f",
               j, bar->box.w, (double)w[j], want);
    }
    s.hover_head = s.hover_i = s.hover_j = -1;

    /* stage 8 with the mouse on a weight: the tooltip opens left of the
     * mouse, leaving the V rows and O's row it points to in view */
    const layout_item *wm = find(LAYOUT_HEATMAP, "weights", 1);
    CHECK(wm != NULL);
    if (wm) {
        layout_item m = *wm; /* rec is cleared by the next frame */
        hover_cell(&m, 4, 2);
        s.hover_head = 1, s.hover_i = 4, s.hover_j = 2;
        draw(STAGE_WEIGHTED);
        const layout_item *tip = NULL;
        for (size_t k = 0; k < rec.n; k++)
            if (rec.items[k].kind == LAYOUT_TEXT && strstr(rec.items[k].text, " takes "))
                tip = &rec.items[k];
        CHECKF(tip != NULL, "stage 8: no tooltip over head 2's weights");
        if (tip)
            CHECKF(tip->box.x + tip->box.w < s.hover_x, "stage 8: the tooltip (x %d to %d) is not "
                   "left of the mouse (x %d)", tip->box.x, tip->box.x + tip->box.w, s.hover_x);
        s.hover_x = s.hover_y = -1;
        s.hover_head = s.hover_i = s.hover_j = -1;
    }

    /* stage 1: the mouse on row 7 of X spells token 7's sum out */
    s.hover_x = s.hover_y = -1;
    draw(STAGE_EMBED);
    CHECK(text_with("+ p(1) = x_1")); /* no mouse, no selection: the first token */
    const layout_item *x = find(LAYOUT_HEATMAP, "X", -1);
    CHECK(x != NULL);
    if (x) {
        hover_cell(x, 6, 2);
        draw(STAGE_EMBED);
        CHECK(text_with("+ p(7) = x_7"));
        CHECK(lit("X", -1, 6, -1) != NULL);
        CHECK(find(LAYOUT_HEATMAP, "e", -1) && find(LAYOUT_HEATMAP, "p", -1));
    }

    app_offscreen_record(&o, NULL);
    layout_free(&rec);
    app_offscreen_free(&o);
    app_state_free(&s);
    return check_done("test_flow_hover");
}
