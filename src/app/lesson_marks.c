/* A lesson step's prediction on the picture: while the student predicts,
 * the cursor (a cell of the asked row, a head's map, an overview box) is
 * outlined in the highlight colour; once graded (src/state/lesson_predict.c)
 * the pick stays outlined, in the error colour when wrong, and the right one
 * in the right colour, so the stage plays with the prediction on it. */
#include "lesson_panel.h"
#include "stage.h"

/* An outline thick enough to read from the back of a room, drawn around rc
 * (outside it, so the cell's colour stays visible). */
static void mark(const stage_ctx *c, SDL_Rect rc, SDL_Color col, int grow) {
    int thick = c->px / 7 > 2 ? c->px / 7 : 2;
    int g = thick * grow;
    rc.x -= g, rc.y -= g, rc.w += 2 * g, rc.h += 2 * g;
    draw_outline(c->r, rc, col, thick);
}

/* The head's whole map (HEAD weight): the pick is a head, so its map is
 * outlined besides the cell. */
static SDL_Rect grid_rect(const stage_ctx *c, int head) {
    const app_layout *lay = &c->s->layout;
    for (size_t g = 0; g < lay->n_grids && g < ATTN_HEADS_MAX; g++)
        if (lay->grids[g].head == head && lay->grids[g].rect.w > 0) return lay->grids[g].rect;
    return (SDL_Rect){0, 0, 0, 0};
}

/* The rectangle of option k on this frame: KEY a cell of the asked row in
 * the asked head's map, HEAD weight the asked cell in head k's map, HEAD
 * prune head k's box in the overview. w = 0 when it is not drawn. */
static SDL_Rect option_rect(const stage_ctx *c, const lesson_predict *p, int k, bool *cell) {
    const app_layout *lay = &c->s->layout;
    SDL_Rect none = {0, 0, 0, 0};
    *cell = false;
    if (k < 0) return none;
    if (p->kind == LESSON_PREDICT_HEAD && p->measure == LESSON_MEASURE_PRUNE) {
        if (c->s->view == VIEW_MODEL)
            return (size_t)k < lay->n_overview_heads ? lay->overview_heads[k] : none;
        /* the stage views show one layer: its heads' maps */
        size_t H = c->n_heads ? c->n_heads : 1;
        if ((size_t)k / H != c->m->settings.layer) return none;
        return grid_rect(c, (int)((size_t)k % H));
    }
    int head = p->kind == LESSON_PREDICT_KEY ? (int)p->head : k;
    size_t i = p->row, j = p->kind == LESSON_PREDICT_KEY ? (size_t)k : p->col;
    if (i >= c->n || j >= c->n_keys) return none; /* rows: queries; columns: keys */
    for (size_t g = 0; g < lay->n_grids && g < ATTN_HEADS_MAX; g++) {
        const app_cell_map *m = &lay->grids[g];
        if (m->head != head || m->rect.w <= 0) continue;
        *cell = true;
        return stage_cell_rect(m->rect, c->n, c->n_keys, i, j);
    }
    return none;
}

static void mark_option(const stage_ctx *c, const lesson_predict *p, int k, SDL_Color col,
                        int grow) {
    bool cell;
    SDL_Rect rc = option_rect(c, p, k, &cell);
    if (rc.w <= 0) return;
    mark(c, rc, col, grow);
    if (p->kind == LESSON_PREDICT_HEAD && p->measure == LESSON_MEASURE_WEIGHT) {
        SDL_Rect g = grid_rect(c, k);
        if (g.w > 0) mark(c, g, col, grow + 1);
    }
}

void app_lesson_marks(stage_ctx *c) {
    const app_state *s = c->s;
    if (!s->lesson) return;
    const state_lesson *l = &s->lesson->player;
    const lesson_predict *p = state_lesson_prediction(l);
    if (!p || p->kind == LESSON_PREDICT_VALUE) return;
    if (state_lesson_awaits_prediction(l)) {
        /* a dark ring around a light one: seen on pale and dark cells alike */
        mark_option(c, p, l->cursor, c->th->background, 2);
        mark_option(c, p, l->cursor, c->th->highlight, 1);
        return;
    }
    const state_prediction *r = &l->predicted[l->step];
    /* the right one first, the pick over it: a right pick is one outline */
    mark_option(c, p, r->best, c->th->right, 1);
    mark_option(c, p, r->pick, r->right ? c->th->right : c->th->error, r->right ? 1 : 2);
}
