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
#include "view_model.h"
#include "attnviz/embed.h"
#include "lesson_player.h"
#include "trained.h"

#define DEFAULT_SENTENCE "The robot sat on the floor because it was tired."

void app_settings_default(app_settings *s) {
    memset(s, 0, sizeof *s);
    snprintf(s->sentence, sizeof s->sentence, "%s", DEFAULT_SENTENCE);
    s->config = attn_config_default();
    s->seed = 42;
    s->max_tokens = ATTN_TOKENS_DEFAULT;
    s->source = APP_SOURCE_MECHANICS;
    s->mechanics_config = s->config;
}

const char *app_source_name(app_source src) {
    return src == APP_SOURCE_TRAINED ? "trained model" : "mechanics";
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

static double ms_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-6;
}

/* Random weights from the seed: m holds a mechanics model or nothing. */
static int apply_mechanics(app_model *m, const app_settings *s, char *err, size_t err_len) {
    struct timespec t0;
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
    m->build_ms = ms_since(&t0);
    return 0;
}

/* ---- the trained source ------------------------------------------------------- */

/* Frees what a trained model view owns: its labels and tokens, and the
 * trained model itself; the trace and weights are the run's. */
static void free_trained_view(app_model *m) {
    free(m->tokens);
    free(m->labels);
    free(m->label_text);
    free(m->token_kind);
    if (m->trained) {
        app_trained_free(m->trained);
        free(m->trained);
    }
}

/* Room for the labels of up to cap tokens of sentence: allocated before
 * the run, so that nothing can fail after it. Returns 0, or 2. */
static int alloc_labels(app_model *next, size_t cap, const char *sentence) {
    size_t bytes = sizeof APP_START_LABEL + strlen(sentence) + cap * strlen(APP_UNKNOWN_MARK) + 1;
    next->labels = malloc(cap * sizeof *next->labels);
    next->label_text = malloc(bytes);
    next->token_kind = malloc(cap);
    return next->labels && next->label_text && next->token_kind ? 0 : 2;
}

/* Labels of the n tokens of t's last run over sentence: "⟨start⟩" for the
 * start token, a word the vocabulary lacks with APP_UNKNOWN_MARK after it
 * (shape, not only a dimmer colour, tells it on a projector), every other
 * word as spelled. */
static void make_labels(app_model *next, const app_trained *t, const char *sentence) {
    size_t at = 0, mark = strlen(APP_UNKNOWN_MARK);
    next->n_unknown = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t start = at;
        if (i == 0) {
            memcpy(next->label_text + at, APP_START_LABEL, sizeof APP_START_LABEL - 1);
            at += sizeof APP_START_LABEL - 1;
            next->token_kind[i] = APP_TOKEN_START;
        } else {
            memcpy(next->label_text + at, sentence + t->spans[i].offset, t->spans[i].len);
            at += t->spans[i].len;
            next->token_kind[i] = t->unknown[i] ? APP_TOKEN_UNKNOWN : APP_TOKEN_WORD;
            if (t->unknown[i]) {
                memcpy(next->label_text + at, APP_UNKNOWN_MARK, mark);
                at += mark;
                next->n_unknown++;
            }
        }
        next->labels[i] = (attn_token){start, at - start};
    }
    next->label_text[at] = '\0';
}

/* A trained model on s->sentence, layer s->layer on screen. The model is
 * loaded only when the path changes; a new one is loaded aside, and a
 * kept one is run only after every check that can fail, so a failure
 * leaves m as it was. */
static int apply_trained(app_model *m, const app_settings *s, char *err, size_t err_len) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char msg[APP_ERR_LEN];
    const char *path = app_trained_resolve(s->model_path);
    app_trained *t = m->trained;
    bool loaded = false;
    if (!t || strcmp(t->path, path) != 0) {
        t = calloc(1, sizeof *t);
        if (!t) {
            snprintf(err, err_len, "out of memory for the model %s", path);
            return 2;
        }
        if (app_trained_load(t, path, msg, sizeof msg) != 0) {
            snprintf(err, err_len, "model: %s", msg);
            free(t);
            return 2;
        }
        loaded = true;
    }
    const model_config *mc = &t->model.config;
    app_model next;
    memset(&next, 0, sizeof next);
    int rc = 0;
    if (s->layer >= mc->n_layers) {
        snprintf(err, err_len, "layer %zu does not exist: the model has %zu layer%s (1 to %zu)",
                 s->layer + 1, mc->n_layers, mc->n_layers == 1 ? "" : "s", mc->n_layers);
        rc = 2;
    }
    /* Everything that can fail comes before the run, which changes a kept
     * model in place: the sentence is encoded there before anything else
     * (a sentence that does not fit changes nothing), and the memory for
     * tokens and labels is taken here. */
    size_t cap = t->run.n_max;
    if (rc == 0) {
        next.tokens = malloc(cap * sizeof *next.tokens);
        if (!next.tokens || alloc_labels(&next, cap, s->sentence) != 0) {
            snprintf(err, err_len, "out of memory for %zu tokens", cap);
            rc = 2;
        }
    }
    if (rc == 0 && app_trained_run(t, s->sentence, s->head_off, err, err_len) != 0) rc = 2;
    if (rc != 0) {
        free(next.tokens);
        free(next.labels);
        free(next.label_text);
        free(next.token_kind);
        if (loaded) {
            app_trained_free(t);
            free(t);
        }
        return 2;
    }
    next.n = t->n;
    memcpy(next.tokens, t->spans, next.n * sizeof *next.tokens);
    make_labels(&next, t, s->sentence);
    next.settings = *s;
    next.settings.config = model_attn_config(mc);
    next.trace = t->run.trace[s->layer];
    next.weights = t->run.attn[s->layer];
    next.trained = t;
    next.version = m->version + 1;

    /* Success: release what was shown before (a mechanics model, or the
     * labels of this one), keep the trained model when it stays. */
    if (m->trained) {
        if (m->trained == t) m->trained = NULL; /* kept: not freed below */
        free_trained_view(m);
    } else {
        attn_weights_free(&m->weights);
        attn_trace_free(&m->trace);
        free(m->tokens);
    }
    *m = next;
    take_stats(m);
    m->build_ms = ms_since(&t0);
    return 0;
}

int app_model_apply(app_model *m, const app_settings *s, char *err, size_t err_len) {
    if (s->source == APP_SOURCE_TRAINED) return apply_trained(m, s, err, err_len);
    if (!m->trained) return apply_mechanics(m, s, err, err_len);
    /* From trained to mechanics: the trace and weights were the run's, so
     * the mechanics model is built from nothing, then the trained one goes. */
    app_model fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.version = m->version;
    if (apply_mechanics(&fresh, s, err, err_len) != 0) return 2;
    free_trained_view(m);
    *m = fresh;
    return 0;
}

void app_model_refresh(app_model *m) {
    if (!m->trained) return;
    const app_trained *t = m->trained;
    m->trace = t->run.trace[m->settings.layer];
    m->weights = t->run.attn[m->settings.layer];
    take_stats(m);
    m->version++;
}

void app_model_free(app_model *m) {
    if (!m) return;
    if (m->trained) {
        free_trained_view(m);
    } else {
        attn_weights_free(&m->weights);
        attn_trace_free(&m->trace);
        free(m->tokens);
    }
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

const char *app_view_name(app_view v) {
    if (v == VIEW_MODEL) return "model";
    return (unsigned)v < VIEW_COUNT ? view_names[v] : "?";
}

int app_view_parse(const char *s) {
    for (int i = 0; i < VIEW_COUNT; i++)
        if (strcmp(s, view_names[i]) == 0) return i;
    if (strcmp(s, "model") == 0) return VIEW_MODEL; /* the overview: trained model only */
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

int app_state_step_layer(app_state *s, int delta) {
    const app_settings *now = &s->model.settings;
    s->message_is_error = true;
    if (now->source != APP_SOURCE_TRAINED || !s->model.trained) {
        snprintf(s->message, sizeof s->message,
                 "[ and ] step through the layers of a trained model: P, then Weights: trained "
                 "model");
        return 2;
    }
    size_t L = s->model.trained->model.config.n_layers;
    if ((delta < 0 && now->layer == 0) || (delta > 0 && now->layer + 1 >= L)) {
        snprintf(s->message, sizeof s->message, "layer %zu is the %s of %zu: %s goes %s",
                 now->layer + 1, delta < 0 ? "first" : "last", L, delta < 0 ? "]" : "[",
                 delta < 0 ? "on" : "back");
        s->message_is_error = false;
        return 2;
    }
    app_settings next = *now;
    next.layer = delta < 0 ? now->layer - 1 : now->layer + 1;
    char err[APP_ERR_LEN - 16];
    if (app_model_apply(&s->model, &next, err, sizeof err) != 0) {
        snprintf(s->message, sizeof s->message, "not applied: %s", err);
        return 2;
    }
    s->hover_head = s->hover_i = s->hover_j = -1;
    s->progress = 0.0f; /* the stage replays on the new layer's numbers */
    s->playing = true;
    snprintf(s->message, sizeof s->message, "layer %zu of %zu ([ and ] change it)",
             next.layer + 1, L);
    s->message_is_error = false;
    return 0;
}

void app_state_free(app_state *s) {
    if (!s) return;
    app_overview_free(s); /* joins the overview's background threads first */
    app_lesson_close(s);
    app_model_free(&s->model);
}

int app_type_px(int h, float type_scale) {
    int px = (int)((float)h / 40.0f * type_scale + 0.5f); /* 20 px at 800, 15 px at 600 */
    return px < 10 ? 10 : px > 96 ? 96 : px;
}
