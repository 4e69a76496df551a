/* The lesson player's state: load a lesson, go to a step (its settings in
 * effect applied to the model), answer its question; and the shipped
 * lessons' folder. */
#define _POSIX_C_SOURCE 200809L
#include "lesson_player.h"
#include "trained.h"
#include "attnviz/gpt2.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first error of a lesson that does not parse, as the parser says it. */
typedef struct first_error {
    char *err;
    size_t len;
} first_error;

static void keep_first(void *ctx, const char *error) {
    first_error *f = ctx;
    if (f->err[0] == '\0') snprintf(f->err, f->len, "%s", error);
}

attn_status state_lesson_load(state_lesson *l, const char *path, char *err, size_t err_len) {
    memset(l, 0, sizeof *l);
    char first[STATE_ERR_LEN] = "";
    first_error f = {first, sizeof first};
    lesson_model_shape shape;
    const lesson_model_shape *trained = state_trained_lesson_shape(&shape);
    if (lesson_load(&l->lesson, path, trained, keep_first, &f) != 0) {
        snprintf(err, err_len, "%s", first[0] ? first : "the lesson does not parse");
        return ATTN_ERR_INPUT;
    }
    snprintf(l->path, sizeof l->path, "%s", path);
    for (size_t k = 0; k < LESSON_STEPS_MAX; k++) l->answer[k] = STATE_LESSON_UNANSWERED;
    return ATTN_OK;
}

void state_lesson_free(state_lesson *l) {
    if (!l) return;
    lesson_free(&l->lesson);
    memset(l, 0, sizeof *l);
}

void state_lesson_step_settings(const state_lesson *l, size_t k, const state_settings *now,
                                state_settings *out) {
    const lesson_settings *ls = &l->lesson.steps[k].settings;
    *out = *now;
    snprintf(out->sentence, sizeof out->sentence, "%s", ls->sentence);
    out->config = ls->config;
    out->seed = ls->seed;
    out->positions_off = !ls->positions;
    /* cross-attention: the other sentence, or self-attention (the text a
     * step leaves off stays in the settings, as the panel keeps it) */
    out->cross = ls->cross_sentence != NULL;
    if (ls->cross_sentence)
        snprintf(out->cross_sentence, sizeof out->cross_sentence, "%s", ls->cross_sentence);
    if (out->max_tokens < LESSON_TOKENS_MAX) out->max_tokens = LESSON_TOKENS_MAX;
    /* The weights: a trained step shows the shipped model, its layer and its
     * pruned heads; a mechanics step the seed's random weights. */
    out->source = ls->weights == LESSON_WEIGHTS_TRAINED ? STATE_SOURCE_TRAINED
                                                        : STATE_SOURCE_MECHANICS;
    /* a GPT-2 checkpoint by name, found as --model finds it; "" the shipped model */
    snprintf(out->model_path, sizeof out->model_path, "%s", ls->model ? ls->model : "");
    out->layer = ls->layer;
    memset(out->head_off, 0, sizeof out->head_off);
    for (size_t p = 0; p < ls->n_prune; p++) {
        size_t at = ls->prune[p].layer * ls->config.n_heads + ls->prune[p].head;
        if (at < sizeof out->head_off) out->head_off[at] = 1;
    }
}

/* What step k shows besides the model. */
static void step_view(const lesson_settings *ls, state_step_view *v) {
    memset(v, 0, sizeof *v);
    v->stage = (state_stage)ls->stage;
    v->progress = ls->progress;
    v->playing = ls->progress < 1.0f; /* from 0: the stage's animation plays once */
    v->view = (state_view)ls->view;   /* the same values: state.h checks it */
    v->head = ls->head;
    v->selected_token = -1;
    for (size_t k = 0; k < ls->n_highlights; k++) {
        const lesson_highlight *h = &ls->highlights[k];
        if (h->kind == LESSON_HIGHLIGHT_TOKEN) {
            /* The first token is selected (its row and column light up
             * everywhere, as a click does); each further one becomes a row
             * and a column outline, so none is dropped. */
            if (v->selected_token < 0) {
                v->selected_token = (int)h->i;
            } else {
                v->highlights[v->n_highlights++] =
                    (state_highlight){STATE_HIGHLIGHT_ROW, -1, (int)h->i, 0};
                v->highlights[v->n_highlights++] =
                    (state_highlight){STATE_HIGHLIGHT_COLUMN, -1, 0, (int)h->i};
            }
            continue;
        }
        state_highlight *a = &v->highlights[v->n_highlights++];
        a->kind = h->kind == LESSON_HIGHLIGHT_ROW      ? STATE_HIGHLIGHT_ROW
                  : h->kind == LESSON_HIGHLIGHT_COLUMN ? STATE_HIGHLIGHT_COLUMN
                                                       : STATE_HIGHLIGHT_CELL;
        a->head = h->kind == LESSON_HIGHLIGHT_CELL ? (int)h->head : -1;
        a->i = (int)h->i;
        a->j = (int)h->j;
    }
}

attn_status state_lesson_goto(state_lesson *l, state_model *m, size_t k, state_step_view *v, char *err,
                      size_t err_len) {
    if (k >= l->lesson.n_steps) {
        snprintf(err, err_len, "no step %zu in this lesson", k + 1);
        return ATTN_ERR_CONFIG;
    }
    state_settings next;
    state_lesson_step_settings(l, k, &m->settings, &next);
    /* A GPT-2 step needs weights attnviz does not ship: without them the
     * lesson says so, with where they were looked for and how to get them. */
    const char *gpt2 = l->lesson.steps[k].settings.model;
    if (gpt2) {
        model_gpt2_files files;
        char why[STATE_ERR_LEN];
        if (model_gpt2_find_env(gpt2, &files, why, sizeof why) != ATTN_OK) {
            snprintf(err, err_len, "%s needs the %s weights, which attnviz does not ship "
                     "(README, \"Real GPT-2\"); skipped: %s", l->path, gpt2, why);
            return ATTN_ERR_INPUT;
        }
    }
    /* Rebuild only when the model changes: most steps move the stage. */
    bool same = m->tokens && state_settings_equal(&m->settings, &next);
    if (!same) {
        attn_status st = state_model_apply(m, &next, err, err_len);
        if (st != ATTN_OK) return st;
    }
    l->step = k;
    const lesson_predict *p = &l->lesson.steps[k].predict;
    /* the cursor starts on the first option: for heads of the whole model,
     * the first head of the layer on screen */
    l->cursor = p->line && p->kind == LESSON_PREDICT_HEAD && p->measure == LESSON_MEASURE_PRUNE
                    ? (int)(m->settings.layer * m->settings.config.n_heads)
                    : 0;
    l->slider = p->line && p->kind == LESSON_PREDICT_VALUE ? lesson_predict_snap(p, (p->lo + p->hi) / 2.0)
                                                           : 0.0;
    state_lesson_view(l, v);
    return ATTN_OK;
}

void state_lesson_view(const state_lesson *l, state_step_view *v) {
    const lesson_step *st = &l->lesson.steps[l->step];
    step_view(&st->settings, v);
    if (state_lesson_awaits_prediction(l)) {
        /* held before the reveal: the hold stage finished, or the step's
         * own at its start, paused until the student has predicted */
        if (st->predict.hold >= 0) {
            v->stage = (state_stage)st->predict.hold;
            v->progress = 1.0f; /* the stage before, finished: what to predict from */
        } else {
            v->progress = 0.0f;
        }
        v->playing = false;
    }
}

bool state_lesson_awaits_answer(const state_lesson *l) {
    if (!l || l->step >= l->lesson.n_steps) return false;
    return l->lesson.steps[l->step].question.line != 0 &&
           l->answer[l->step] == STATE_LESSON_UNANSWERED;
}

int state_lesson_answer(state_lesson *l, size_t k) {
    if (!state_lesson_awaits_answer(l)) return -1;
    const lesson_question *q = &l->lesson.steps[l->step].question;
    if (k >= q->n_choices) return -1;
    l->answer[l->step] = (int)k;
    return k == q->right ? 1 : 0;
}

/* ---- the shipped lessons ------------------------------------------------------ */

static int by_path(const void *x, const void *y) { return strcmp((const char *)x, (const char *)y); }

/* lessons/README.md describes the format and TEACHING.md is the
 * teacher's page; they are no lessons. */
static bool is_lesson_name(const char *name) {
    size_t n = strlen(name);
    return name[0] != '.' && n > 3 && strcmp(name + n - 3, ".md") == 0 &&
           !lesson_path_is_guide(name);
}

int state_lesson_files(const char *dir, char (*paths)[STATE_LESSON_PATH], size_t max) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < max;) {
        if (!is_lesson_name(e->d_name)) continue;
        int w = snprintf(paths[n], STATE_LESSON_PATH, "%s/%s", dir, e->d_name);
        if (w > 0 && w < STATE_LESSON_PATH) n++; /* a path too long to keep is left out */
    }
    closedir(d);
    qsort(paths, n, sizeof *paths, by_path);
    return (int)n;
}
