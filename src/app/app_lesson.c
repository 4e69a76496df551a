/* The lesson player in the window: the state layer plays the lesson
 * (lesson_player.h); this copies each step's stage, view, head and
 * highlights into app_state and keeps the panel's scroll and clicks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_panel.h"
#include "stage.h"

/* The step's view, as the window shows it. */
static void show_step(app_state *s, const state_step_view *v) {
    s->stage = v->stage;
    s->progress = v->progress;
    s->playing = v->playing;
    s->view = v->view;
    s->focus_head = v->head;
    s->selected_token = v->selected_token;
    memcpy(s->highlights, v->highlights, v->n_highlights * sizeof *v->highlights);
    s->n_highlights = v->n_highlights;
}

static void lesson_destroy(app_lesson *l) {
    if (!l) return;
    state_lesson_free(&l->player);
    free(l->text);
    free(l);
}

attn_status app_lesson_open(app_state *s, const char *path, char *err, size_t err_len) {
    app_lesson *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, err_len, "out of memory for the lesson %s", path);
        return ATTN_ERR_NOMEM;
    }
    attn_status st = state_lesson_load(&l->player, path, err, err_len);
    if (st != ATTN_OK) {
        free(l);
        return st;
    }
    state_step_view v;
    st = state_lesson_goto(&l->player, &s->model, 0, &v, err, err_len);
    if (st != ATTN_OK) {
        lesson_destroy(l);
        return st;
    }
    lesson_destroy(s->lesson); /* a lesson opened from another one replaces it */
    s->lesson = l;
    show_step(s, &v);
    return ATTN_OK;
}

attn_status app_lesson_goto(app_state *s, size_t step, char *err, size_t err_len) {
    if (!s->lesson) {
        snprintf(err, err_len, "no lesson is open");
        return ATTN_ERR_CONFIG;
    }
    state_step_view v;
    attn_status st = state_lesson_goto(&s->lesson->player, &s->model, step, &v, err, err_len);
    if (st != ATTN_OK) return st;
    show_step(s, &v);
    return ATTN_OK;
}

bool app_lesson_awaits_answer(const app_state *s) {
    return s->lesson && state_lesson_awaits_answer(&s->lesson->player);
}

int app_lesson_answer(app_state *s, size_t k) {
    return s->lesson ? state_lesson_answer(&s->lesson->player, k) : -1;
}

void app_lesson_close(app_state *s) {
    if (!s || !s->lesson) return;
    lesson_destroy(s->lesson);
    s->lesson = NULL;
    s->n_highlights = 0; /* the outlines belonged to the lesson's steps */
}

bool app_lesson_scroll(app_state *s, int dy) {
    app_lesson *l = s->lesson;
    if (!l) return false;
    int most = l->content_h > l->view_h ? l->content_h - l->view_h : 0;
    int to = l->scroll + dy;
    to = to < 0 ? 0 : to > most ? most : to;
    bool moved = to != l->scroll;
    l->scroll = to;
    return moved;
}

int app_lesson_choice_at(const app_state *s, int x, int y) {
    const app_lesson *l = s->lesson;
    if (!l) return -1;
    for (size_t k = 0; k < l->n_choice_rects; k++) {
        SDL_Rect r = l->choice_rects[k];
        if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) return (int)k;
    }
    return -1;
}

/* ---- predictions ------------------------------------------------------------------ */

bool app_lesson_awaits_prediction(const app_state *s) {
    return s->lesson && state_lesson_awaits_prediction(&s->lesson->player);
}

void app_lesson_predict_move(app_state *s, int delta) {
    if (s->lesson) state_lesson_predict_move(&s->lesson->player, &s->model, delta);
}

int app_lesson_predict_commit(app_state *s) {
    if (!app_lesson_awaits_prediction(s)) return -1;
    int right = state_lesson_predict_commit(&s->lesson->player, &s->model);
    if (right < 0) return -1;
    /* the reveal: the step's own stage plays, the prediction marked on it */
    state_step_view v;
    state_lesson_view(&s->lesson->player, &v);
    show_step(s, &v);
    return right;
}

static bool inside(SDL_Rect r, int x, int y) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

int app_lesson_predict_click(app_state *s, int x, int y) {
    if (!app_lesson_awaits_prediction(s)) return -1;
    state_lesson *pl = &s->lesson->player;
    const lesson_predict *p = state_lesson_prediction(pl);
    const app_layout *lay = &s->layout;
    size_t n = s->model.n, nk = s->model.n_keys; /* a map's rows and columns (keys) */
    int pick = -1;
    if (p->kind == LESSON_PREDICT_VALUE) {
        SDL_Rect sl = s->lesson->slider;
        if (sl.w <= 1 || !inside((SDL_Rect){sl.x, sl.y - sl.h, sl.w, 3 * sl.h}, x, y)) return -1;
        double f = (double)(x - sl.x) / (double)(sl.w - 1);
        pl->slider = lesson_predict_snap(p, p->lo + (f < 0 ? 0 : f > 1 ? 1 : f) * (p->hi - p->lo));
        return 2;
    }
    bool prune = p->kind == LESSON_PREDICT_HEAD && p->measure == LESSON_MEASURE_PRUNE;
    if (prune && s->view == VIEW_MODEL) {
        for (size_t k = 0; k < lay->n_overview_heads && pick < 0; k++)
            if (inside(lay->overview_heads[k], x, y)) pick = (int)k;
    } else if (prune) {
        /* the maps of the layer on screen: its heads, counted over the model */
        size_t H = s->model.settings.config.n_heads;
        for (size_t g = 0; g < lay->n_grids && g < ATTN_HEADS_MAX && pick < 0; g++)
            if (lay->grids[g].head >= 0 && inside(lay->grids[g].rect, x, y))
                pick = (int)(s->model.settings.layer * H + (size_t)lay->grids[g].head);
    } else {
        for (size_t g = 0; g < lay->n_grids && g < ATTN_HEADS_MAX && pick < 0 && n > 0; g++) {
            const app_cell_map *m = &lay->grids[g];
            if (m->head < 0 || !inside(m->rect, x, y)) continue;
            if (p->kind == LESSON_PREDICT_HEAD) {
                pick = m->head;
            } else if ((size_t)m->head == p->head) {
                /* any cell of the head's map names its column: the key */
                for (size_t j = 0; j < nk && pick < 0; j++) {
                    SDL_Rect c = stage_cell_rect(m->rect, n, nk, 0, j);
                    if (x >= c.x && x < c.x + c.w) pick = (int)j;
                }
            }
        }
    }
    if (pick < 0) return -1;
    pl->cursor = pick;
    return app_lesson_predict_commit(s);
}

bool app_lesson_predict_drag(app_state *s, int x, int y) {
    if (!app_lesson_awaits_prediction(s)) return false;
    const lesson_predict *p = state_lesson_prediction(&s->lesson->player);
    return p->kind == LESSON_PREDICT_VALUE && app_lesson_predict_click(s, x, y) == 2;
}
