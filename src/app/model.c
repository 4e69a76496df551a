/* Settings -> model: tokenize, make weights, embed, run the core, and take
 * the statistics the views need. Everything is built aside and swapped in
 * only when all of it succeeded, so a bad setting never half-applies. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "attnviz/embed.h"
#include "lesson_player.h"

#define DEFAULT_SENTENCE "The robot sat on the floor because it was tired."

void app_settings_default(app_settings *s) {
    memset(s, 0, sizeof *s);
    snprintf(s->sentence, sizeof s->sentence, "%s", DEFAULT_SENTENCE);
    s->config = attn_config_default();
    s->seed = 42;
    s->max_tokens = ATTN_TOKENS_DEFAULT;
}

static float absmax(const float *v, size_t count) {
    float m = 0.0f;
    for (size_t i = 0; i < count; i++) {
        float a = fabsf(v[i]);
        if (a > m && a != INFINITY) m = a;
    }
    return m;
}

static float spread(const float *v, size_t count) {
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < count; i++) sum += v[i];
    double mean = sum / (double)count;
    for (size_t i = 0; i < count; i++) sq += (v[i] - mean) * (v[i] - mean);
    return (float)sqrt(sq / (double)count);
}

static void take_stats(app_model *m) {
    const attn_trace *t = &m->trace;
    const attn_config *c = &m->settings.config;
    size_t n = m->n, d = c->d_model, d_kv = attn_d_kv(c), nn = n * n;
    m->x_absmax = absmax(t->x, n * d);
    float q = absmax(t->q, n * d), k = absmax(t->k, n * d_kv), v = absmax(t->v, n * d_kv);
    m->qkv_absmax = fmaxf(q, fmaxf(k, v));
    m->out_absmax = absmax(t->head_out, n * d);
    m->output_absmax = absmax(t->output, n * d);
    m->scores_absmax = absmax(t->scores, c->n_heads * nn);
    m->scaled_absmax = absmax(t->scaled, c->n_heads * nn);
    for (size_t h = 0; h < c->n_heads; h++) {
        m->spread_scores[h] = spread(t->scores + h * nn, nn);
        m->spread_scaled[h] = spread(t->scaled + h * nn, nn);
    }
}

typedef struct xavier_job {
    attn_weights *weights;
    uint64_t seed;
} xavier_job;

static void *run_xavier(void *arg) {
    xavier_job *job = arg;
    attn_weights_xavier(job->weights, job->seed);
    return NULL;
}

int app_model_apply(app_model *m, const app_settings *s, char *err, size_t err_len) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char msg[APP_ERR_LEN];
    if (s->max_tokens < 1 || s->max_tokens > APP_TOKENS_MAX) {
        snprintf(err, err_len, "the app shows at most %d tokens: lower --max-tokens",
                 APP_TOKENS_MAX);
        return 2;
    }
    if (attn_config_check(&s->config, err, err_len) != ATTN_OK) return 2;

    app_model next = *m; /* the parts that stay are shared until the swap */
    next.settings = *s;
    next.tokens = malloc(s->max_tokens * sizeof *next.tokens);
    if (!next.tokens) {
        snprintf(err, err_len, "out of memory for %zu tokens", s->max_tokens);
        return 2;
    }
    attn_status st = attn_tokenize(next.tokens, s->max_tokens, &next.n, next.settings.sentence,
                                   strlen(next.settings.sentence), msg, sizeof msg);
    if (st != ATTN_OK) {
        snprintf(err, err_len, "sentence: %s", msg);
        free(next.tokens);
        return 2;
    }

    /* A new trace when the old one is too small, new weights when their
     * shapes change: both are made aside first, because making them can
     * fail. Each weight tensor depends only on its shape and the seed, so a
     * change of heads that keeps d_model and the width of K and V keeps the
     * weights, and a change of seed alone refills them in place (after the
     * last step that can fail). */
    const attn_config *c = &s->config;
    int same_shapes = m->weights.block && m->weights.config.d_model == c->d_model &&
                      attn_d_kv(&m->weights.config) == attn_d_kv(c);
    int new_trace = !m->trace.block || next.n > m->trace.n_max ||
                    c->d_model > m->trace.d_model_max || c->n_heads > m->trace.n_heads_max;
    if (new_trace) {
        /* room to grow: at least 64 tokens, the widest width and most heads so far */
        size_t n_cap = next.n > 64 ? next.n : 64;
        size_t d_cap = c->d_model > m->trace.d_model_max ? c->d_model : m->trace.d_model_max;
        size_t h_cap = c->n_heads > m->trace.n_heads_max ? c->n_heads : m->trace.n_heads_max;
        if (attn_trace_init(&next.trace, n_cap, d_cap, h_cap, err, err_len) != ATTN_OK) {
            free(next.tokens);
            return 2;
        }
        next.trace.threads = 2; /* a change of setting shows on the next frame */
    }
    if (!same_shapes) {
        if (attn_weights_init(&next.weights, c, err, err_len) != ATTN_OK) {
            if (new_trace) attn_trace_free(&next.trace);
            free(next.tokens);
            return 2;
        }
    } else {
        next.weights.config = *c;
    }
    /* Same sentence, seed and shapes: X, Q, K and V are as they were, so only
     * stages 4-10 run again (causal, scale, temperature, heads). */
    int same_qkv = !new_trace && same_shapes && m->n == next.n && m->settings.seed == s->seed &&
                   strcmp(m->settings.sentence, s->sentence) == 0;
    attn_status st_fwd;
    if (same_qkv) {
        st_fwd = attn_forward_heads(&next.trace, c, &next.weights, err, err_len);
    } else {
        /* New weights (when the shapes or the seed changed) and the new X do
         * not depend on each other: make them on two threads at once. */
        xavier_job job = {&next.weights, s->seed};
        int need_weights = !same_shapes || m->settings.seed != s->seed;
        pthread_t thread;
        int threaded = need_weights && pthread_create(&thread, NULL, run_xavier, &job) == 0;
        if (need_weights && !threaded) run_xavier(&job);
        attn_embed(next.trace.x, next.settings.sentence, next.tokens, next.n, c->d_model, s->seed);
        if (threaded) pthread_join(thread, NULL);
        st_fwd = attn_forward(&next.trace, c, &next.weights, next.trace.x, next.n, err, err_len);
    }
    if (st_fwd != ATTN_OK) {
        /* not reached: the settings and sizes were checked above */
        if (!same_shapes) attn_weights_free(&next.weights);
        if (new_trace) attn_trace_free(&next.trace);
        free(next.tokens);
        return 2;
    }

    /* Success: release what was replaced, keep the rest. */
    if (!same_shapes) attn_weights_free(&m->weights);
    if (new_trace) attn_trace_free(&m->trace);
    free(m->tokens);
    next.version = m->version + 1;
    *m = next;
    take_stats(m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    m->build_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
    return 0;
}

void app_model_free(app_model *m) {
    if (!m) return;
    attn_weights_free(&m->weights);
    attn_trace_free(&m->trace);
    free(m->tokens);
    memset(m, 0, sizeof *m);
}

/* ---- state ------------------------------------------------------------------ */

static const char *const stage_names[APP_STAGE_COUNT] = {
    "embed", "project", "split", "scores", "scale", "mask", "softmax", "weighted", "concat",
    "output",
};
static const char *const view_names[VIEW_COUNT] = {"heads", "focus", "arcs"};

const char *app_stage_name(app_stage st) {
    return (unsigned)st < APP_STAGE_COUNT ? stage_names[st] : "?";
}

int app_stage_parse(const char *s) {
    for (int i = 0; i < APP_STAGE_COUNT; i++)
        if (strcmp(s, stage_names[i]) == 0) return i;
    if (s[0] >= '1' && s[0] <= '9' && (s[1] == '\0' || (s[0] == '1' && s[1] == '0' && !s[2])))
        return s[1] ? 9 : s[0] - '1';
    return -1;
}

const char *app_view_name(app_view v) { return (unsigned)v < VIEW_COUNT ? view_names[v] : "?"; }

int app_view_parse(const char *s) {
    for (int i = 0; i < VIEW_COUNT; i++)
        if (strcmp(s, view_names[i]) == 0) return i;
    return -1;
}

int app_state_init(app_state *s, const app_settings *settings, char *err, size_t err_len) {
    memset(s, 0, sizeof *s);
    s->stage = STAGE_EMBED;
    s->progress = 1.0f;
    s->speed = 1.0f;
    s->view = VIEW_HEADS;
    s->theme = theme_dark();
    s->type_scale = 1.0f;
    s->selected_token = -1;
    s->hover_head = s->hover_i = s->hover_j = -1;
    return app_model_apply(&s->model, settings, err, err_len);
}

void app_state_free(app_state *s) {
    if (!s) return;
    app_lesson_close(s);
    app_model_free(&s->model);
}

int app_type_px(int h, float type_scale) {
    int px = (int)((float)h / 40.0f * type_scale + 0.5f); /* 20 px at 800, 15 px at 600 */
    return px < 10 ? 10 : px > 96 ? 96 : px;
}
