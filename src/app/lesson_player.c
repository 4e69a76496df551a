/* The lesson player's state: open a lesson, go to a step (its settings in
 * effect applied to the model and the state), answer its question, leave. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_player.h"
#include "paths.h"

#include <dirent.h>

/* The first error of a lesson that does not parse, as the parser says it. */
static void keep_first(void *ctx, const char *error) {
    char *err = ctx;
    if (err[0] == '\0') snprintf(err, APP_ERR_LEN, "%s", error);
}

int app_lesson_open(app_state *s, const char *path, char *err, size_t err_len) {
    app_lesson *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, err_len, "out of memory for the lesson %s", path);
        return 2;
    }
    char first[APP_ERR_LEN] = "";
    if (lesson_load(&l->lesson, path, keep_first, first) != 0) {
        snprintf(err, err_len, "%s", first[0] ? first : "the lesson does not parse");
        free(l);
        return 2;
    }
    snprintf(l->path, sizeof l->path, "%s", path);
    for (size_t k = 0; k < LESSON_STEPS_MAX; k++) l->answer[k] = APP_LESSON_UNANSWERED;
    app_lesson *before = s->lesson;
    s->lesson = l;
    if (app_lesson_goto(s, 0, err, err_len) != 0) {
        s->lesson = before;
        lesson_free(&l->lesson);
        free(l);
        return 2;
    }
    if (before) { /* a lesson opened from another one replaces it */
        lesson_free(&before->lesson);
        free(before->text);
        free(before);
    }
    return 0;
}

int app_lesson_goto(app_state *s, size_t step, char *err, size_t err_len) {
    app_lesson *l = s->lesson;
    if (!l || step >= l->lesson.n_steps) {
        snprintf(err, err_len, "no step %zu in this lesson", step + 1);
        return 2;
    }
    const lesson_settings *ls = &l->lesson.steps[step].settings;
    app_settings as = s->model.settings;
    snprintf(as.sentence, sizeof as.sentence, "%s", ls->sentence);
    as.config = ls->config;
    as.seed = ls->seed;
    if (as.max_tokens < LESSON_TOKENS_MAX) as.max_tokens = LESSON_TOKENS_MAX;
    /* The weights: a trained step shows the shipped model, its layer and its
     * pruned heads; a mechanics step the seed's random weights. */
    as.source = ls->weights == LESSON_WEIGHTS_TRAINED ? APP_SOURCE_TRAINED : APP_SOURCE_MECHANICS;
    as.model_path[0] = '\0';
    as.layer = ls->layer;
    memset(as.head_off, 0, sizeof as.head_off);
    for (size_t k = 0; k < ls->n_prune; k++) {
        size_t at = ls->prune[k].layer * ls->config.n_heads + ls->prune[k].head;
        if (at < sizeof as.head_off) as.head_off[at] = 1;
    }
    /* Rebuild only when the model changes: most steps move the stage. */
    const app_settings *now = &s->model.settings;
    bool same = s->model.tokens && strcmp(now->sentence, as.sentence) == 0 &&
                memcmp(&now->config, &as.config, sizeof as.config) == 0 && now->seed == as.seed &&
                now->source == as.source && now->layer == as.layer &&
                strcmp(now->model_path, as.model_path) == 0 &&
                memcmp(now->head_off, as.head_off, sizeof as.head_off) == 0;
    if (!same && app_model_apply(&s->model, &as, err, err_len) != 0) return 2;

    l->step = step;
    s->stage = (app_stage)ls->stage;
    s->progress = ls->progress;
    s->playing = ls->progress < 1.0f; /* from 0: the stage's animation plays once */
    s->view = ls->view == LESSON_VIEW_FOCUS   ? VIEW_FOCUS
              : ls->view == LESSON_VIEW_ARCS  ? VIEW_ARCS
              : ls->view == LESSON_VIEW_MODEL ? VIEW_MODEL
                                              : VIEW_HEADS;
    s->focus_head = ls->head;
    s->selected_token = -1;
    s->n_highlights = 0;
    for (size_t k = 0; k < ls->n_highlights; k++) {
        const lesson_highlight *h = &ls->highlights[k];
        if (h->kind == LESSON_HIGHLIGHT_TOKEN) {
            /* The first token is selected (its row and column light up
             * everywhere, as a click does); each further one becomes a row
             * and a column outline, so none is dropped. */
            if (s->selected_token < 0) {
                s->selected_token = (int)h->i;
            } else {
                s->highlights[s->n_highlights++] =
                    (app_highlight){APP_HIGHLIGHT_ROW, -1, (int)h->i, 0};
                s->highlights[s->n_highlights++] =
                    (app_highlight){APP_HIGHLIGHT_COLUMN, -1, 0, (int)h->i};
            }
            continue;
        }
        app_highlight *a = &s->highlights[s->n_highlights++];
        a->kind = h->kind == LESSON_HIGHLIGHT_ROW      ? APP_HIGHLIGHT_ROW
                  : h->kind == LESSON_HIGHLIGHT_COLUMN ? APP_HIGHLIGHT_COLUMN
                                                       : APP_HIGHLIGHT_CELL;
        a->head = h->kind == LESSON_HIGHLIGHT_CELL ? (int)h->head : -1;
        a->i = (int)h->i;
        a->j = (int)h->j;
    }
    return 0;
}

bool app_lesson_awaits_answer(const app_state *s) {
    const app_lesson *l = s->lesson;
    if (!l || l->step >= l->lesson.n_steps) return false;
    return l->lesson.steps[l->step].question.line != 0 &&
           l->answer[l->step] == APP_LESSON_UNANSWERED;
}

int app_lesson_answer(app_state *s, size_t k) {
    if (!app_lesson_awaits_answer(s)) return -1;
    app_lesson *l = s->lesson;
    const lesson_question *q = &l->lesson.steps[l->step].question;
    if (k >= q->n_choices) return -1;
    l->answer[l->step] = (int)k;
    return k == q->right ? 1 : 0;
}

void app_lesson_close(app_state *s) {
    if (!s || !s->lesson) return;
    lesson_free(&s->lesson->lesson);
    free(s->lesson->text);
    free(s->lesson);
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

/* ---- the shipped lessons ------------------------------------------------------ */

const char *app_lessons_dir(void) {
    /* Callers keep the pointer, so the path lives here; it is looked up
     * afresh on each call (a few stat calls), never cached. */
    static char dir[STATE_PATH_MAX];
    state_lessons_dir(dir, sizeof dir, NULL, 0);
    return dir;
}

static int by_path(const void *x, const void *y) { return strcmp((const char *)x, (const char *)y); }

/* lessons/README.md describes the format; it is no lesson. */
static bool is_lesson_name(const char *name) {
    size_t n = strlen(name);
    return name[0] != '.' && n > 3 && strcmp(name + n - 3, ".md") == 0 &&
           strcmp(name, "README.md") != 0;
}

int app_lesson_files(const char *dir, char (*paths)[APP_LESSON_PATH], size_t max) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < max;) {
        if (!is_lesson_name(e->d_name)) continue;
        int w = snprintf(paths[n], APP_LESSON_PATH, "%s/%s", dir, e->d_name);
        if (w > 0 && w < APP_LESSON_PATH) n++; /* a path too long to keep is left out */
    }
    closedir(d);
    qsort(paths, n, sizeof *paths, by_path);
    return (int)n;
}
