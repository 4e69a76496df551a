/* The lesson player in the window: the state layer plays the lesson
 * (lesson_player.h); this copies each step's stage, view, head and
 * highlights into app_state and keeps the panel's scroll and clicks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_panel.h"

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
