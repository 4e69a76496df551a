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

#include "state.h"
#include "attnviz/embed.h"
#include "trained.h"


void state_settings_default(state_settings *s) {
    memset(s, 0, sizeof *s);
    snprintf(s->sentence, sizeof s->sentence, "%s", ATTN_EXAMPLE_SENTENCE);
    s->config = attn_config_default();
    s->seed = ATTN_EXAMPLE_SEED;
    s->max_tokens = ATTN_TOKENS_DEFAULT;
    s->source = STATE_SOURCE_MECHANICS;
    s->mechanics_config = s->config;
    snprintf(s->cross_sentence, sizeof s->cross_sentence, "%s", STATE_CROSS_EXAMPLE);
}

bool state_config_equal(const attn_config *a, const attn_config *b) {
    return a->d_model == b->d_model && a->n_heads == b->n_heads &&
           a->n_kv_heads == b->n_kv_heads && a->causal == b->causal && a->scale == b->scale &&
           a->temperature == b->temperature;
}

bool state_settings_equal(const state_settings *a, const state_settings *b) {
    if (a->source != b->source || strcmp(a->sentence, b->sentence) != 0) return false;
    /* the other sentence counts only while cross-attention is on */
    if (a->cross != b->cross || (a->cross && strcmp(a->cross_sentence, b->cross_sentence) != 0))
        return false;
    if (a->source == STATE_SOURCE_TRAINED) /* the model fixes the rest */
        return strcmp(state_trained_resolve(a->model_path),
                      state_trained_resolve(b->model_path)) == 0 &&
               a->layer == b->layer && memcmp(a->head_off, b->head_off, sizeof a->head_off) == 0;
    return state_config_equal(&a->config, &b->config) && a->seed == b->seed &&
           a->max_tokens == b->max_tokens && a->positions_off == b->positions_off;
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

/* Over every row of every head, the means of the cells the mask keeps:
 * the largest |score − its row's mean| (*centred) and the largest
 * difference between two rows' means of one head (*shift). */
static void row_stats(const float *scores, const float *masked, size_t heads, size_t n,
                      size_t m, float *centred, float *shift) {
    *centred = *shift = 0.0f;
    for (size_t h = 0; h < heads; h++) {
        float lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            const float *s = scores + (h * n + i) * m, *k = masked + (h * n + i) * m;
            double sum = 0.0;
            size_t count = 0;
            for (size_t j = 0; j < m; j++)
                if (isfinite(k[j]) && isfinite(s[j])) sum += s[j], count++;
            if (count == 0) continue;
            float mean = (float)(sum / (double)count);
            lo = fminf(lo, mean);
            hi = fmaxf(hi, mean);
            for (size_t j = 0; j < m; j++)
                if (isfinite(k[j]) && isfinite(s[j]) && fabsf(s[j] - mean) > *centred)
                    *centred = fabsf(s[j] - mean);
        }
        if (hi >= lo && hi - lo > *shift) *shift = hi - lo;
    }
}

static void take_stats(state_model *m) {
    const attn_trace *t = &m->trace;
    const attn_config *c = &m->settings.config;
    /* n query rows, nk key/value rows (nk == n but with cross-attention) */
    size_t n = m->n, nk = m->n_keys, d = c->d_model, d_kv = attn_d_kv(c), nn = n * nk;
    m->x_absmax = absmax(t->x, n * d);
    if (t->cross) m->x_absmax = fmaxf(m->x_absmax, absmax(t->x_kv, nk * d));
    float q = absmax(t->q, n * d), k = absmax(t->k, nk * d_kv), v = absmax(t->v, nk * d_kv);
    m->qkv_absmax = fmaxf(q, fmaxf(k, v));
    m->out_absmax = absmax(t->head_out, n * d);
    m->output_absmax = absmax(t->output, n * d);
    m->scores_absmax = absmax(t->scores, c->n_heads * nn);
    m->scaled_absmax = absmax(t->scaled, c->n_heads * nn);
    row_stats(t->scores, t->masked, c->n_heads, n, nk, &m->scores_centred_absmax,
              &m->scores_row_shift);
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
/* A copy of text[0..len) with its NUL, or NULL when out of memory. */
static char *copy_text(const char *text, size_t len) {
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, text, len);
        c[len] = '\0';
    }
    return c;
}

/* X for n tokens of text: token vectors, and positions unless s says off. */
static void embed(float *x, const char *text, const attn_token *tokens, size_t n, size_t d_model,
                  const state_settings *s) {
    if (s->positions_off) attn_embed_tokens(x, text, tokens, n, d_model, s->seed);
    else attn_embed(x, text, tokens, n, d_model, s->seed);
}

static void free_keys(state_model *m) {
    free(m->keys_text);
    free(m->keys_tokens);
    m->keys_text = NULL;
    m->keys_tokens = NULL;
}

/* Cross-attention's other sentence into next's keys_text, keys_tokens and
 * n_keys; on failure they are NULL and the message names the other
 * sentence (ATTN_SETTING_CROSS). */
static attn_status tokenize_keys(state_model *next, const state_settings *s, attn_setting *bad,
                                 char *err, size_t err_len) {
    char msg[STATE_ERR_LEN];
    size_t len = strnlen(s->cross_sentence, sizeof s->cross_sentence);
    *bad = ATTN_SETTING_CROSS;
    if (len == sizeof s->cross_sentence) {
        snprintf(err, err_len, "cross_sentence is longer than %d bytes: shorten it",
                 STATE_SENTENCE_MAX - 1);
        return ATTN_ERR_LIMIT;
    }
    next->keys_text = copy_text(s->cross_sentence, len);
    next->keys_tokens = malloc(s->max_tokens * sizeof *next->keys_tokens);
    if (!next->keys_text || !next->keys_tokens) {
        free_keys(next);
        snprintf(err, err_len, "out of memory for the other sentence's %zu tokens", s->max_tokens);
        return ATTN_ERR_NOMEM;
    }
    size_t found = 0;
    attn_status st = attn_tokenize(next->keys_tokens, s->max_tokens, &found, next->keys_text, len,
                                   msg, sizeof msg);
    if (st == ATTN_OK) {
        next->n_keys = found;
        return ATTN_OK;
    }
    free_keys(next);
    /* the tokenizer's message speaks of "the sentence": say which one */
    bool blank = true;
    for (size_t i = 0; i < len && blank; i++)
        blank = s->cross_sentence[i] == ' ' || (s->cross_sentence[i] >= '\t' &&
                                                s->cross_sentence[i] <= '\r');
    if (st == ATTN_ERR_INPUT && blank)
        snprintf(err, err_len,
                 "cross_sentence is empty: type the sentence the keys and values come from "
                 "(or turn cross-attention off)");
    else if (st == ATTN_ERR_LIMIT)
        snprintf(err, err_len,
                 "cross_sentence has %zu tokens, more than max_tokens %zu: shorten it or raise "
                 "max_tokens", found, s->max_tokens);
    else
        snprintf(err, err_len, "cross_sentence is not valid text (%s)", msg);
    return st;
}

/* Random weights from the seed on text: m holds a mechanics model or nothing. */
static attn_status apply_mechanics(state_model *m, const state_settings *s, const char *text,
                           attn_setting *bad, char *err, size_t err_len) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char msg[STATE_ERR_LEN];
    if (s->max_tokens < 1 || s->max_tokens > ATTN_TOKENS_MAX) {
        *bad = ATTN_SETTING_MAX_TOKENS;
        snprintf(err, err_len, "max_tokens %zu is out of range: use 1 to %d", s->max_tokens,
                 ATTN_TOKENS_MAX);
        return ATTN_ERR_CONFIG;
    }
    attn_status st = attn_config_check(&s->config, bad, err, err_len);
    if (st != ATTN_OK) return st;
    if (s->cross && s->config.causal) {
        *bad = ATTN_SETTING_CROSS;
        snprintf(err, err_len,
                 "cross_sentence does not go with the causal mask, which hides a sentence's "
                 "later words from its earlier ones; across two sentences there is no later: "
                 "turn causal off for cross-attention");
        return ATTN_ERR_CONFIG;
    }

    state_model next = *m; /* the parts that stay are shared until the swap */
    next.settings = *s;
    size_t text_len = strlen(text);
    next.tokens = malloc(s->max_tokens * sizeof *next.tokens);
    next.text = copy_text(text, text_len);
    if (!next.tokens || !next.text) {
        snprintf(err, err_len, "out of memory for %zu tokens", s->max_tokens);
        free(next.tokens);
        free(next.text);
        return ATTN_ERR_NOMEM;
    }
    st = attn_tokenize(next.tokens, s->max_tokens, &next.n, next.text, text_len, msg, sizeof msg);
    if (st != ATTN_OK) {
        /* too many tokens: the limit is what to raise (or the text to shorten) */
        *bad = st == ATTN_ERR_LIMIT ? ATTN_SETTING_MAX_TOKENS : ATTN_SETTING_SENTENCE;
        snprintf(err, err_len, "%s", msg);
        free(next.tokens);
        free(next.text);
        return st;
    }
    next.keys_text = NULL;
    next.keys_tokens = NULL;
    next.n_keys = next.n;
    if (s->cross) {
        st = tokenize_keys(&next, s, bad, err, err_len);
        if (st != ATTN_OK) {
            free(next.tokens);
            free(next.text);
            return st;
        }
    }
    /* the trace holds the longer of the two sentences */
    size_t rows = next.n > next.n_keys ? next.n : next.n_keys;

    /* A new trace when the old one is too small, new weights when their
     * shapes change: both are made aside first, because making them can
     * fail. Each weight tensor depends only on its shape and the seed, so a
     * change of heads that keeps d_model and the width of K and V keeps the
     * weights, and a change of seed alone refills them in place (after the
     * last step that can fail). */
    const attn_config *c = &s->config;
    int same_shapes = m->weights.block && m->weights.config.d_model == c->d_model &&
                      attn_d_kv(&m->weights.config) == attn_d_kv(c);
    int new_trace = !m->trace.block || rows > m->trace.n_max ||
                    c->d_model > m->trace.d_model_max || c->n_heads > m->trace.n_heads_max;
    if (new_trace) {
        /* room to grow: at least 64 tokens, the widest width and most heads
         * so far, and room for cross-attention's second sentence */
        size_t n_cap = rows > 64 ? rows : 64;
        size_t d_cap = c->d_model > m->trace.d_model_max ? c->d_model : m->trace.d_model_max;
        size_t h_cap = c->n_heads > m->trace.n_heads_max ? c->n_heads : m->trace.n_heads_max;
        st = attn_trace_init_cross(&next.trace, n_cap, d_cap, h_cap, err, err_len);
        if (st != ATTN_OK) {
            free_keys(&next);
            free(next.tokens);
            free(next.text);
            return st;
        }
        next.trace.threads = 2; /* a change of setting shows on the next frame */
    }
    if (!same_shapes) {
        st = attn_weights_init(&next.weights, c, err, err_len);
        if (st != ATTN_OK) {
            if (new_trace) attn_trace_free(&next.trace);
            free_keys(&next);
            free(next.tokens);
            free(next.text);
            return st;
        }
    } else {
        next.weights.config = *c;
    }
    /* Same sentence, seed and shapes: X, Q, K and V are as they were, so only
     * stages 4-10 run again (causal, scale, temperature, heads). */
    int same_qkv = !new_trace && same_shapes && m->n == next.n && m->settings.seed == s->seed &&
                   m->settings.positions_off == s->positions_off && m->text &&
                   strcmp(m->text, text) == 0 && m->settings.cross == s->cross &&
                   (!s->cross || (m->keys_text && strcmp(m->keys_text, next.keys_text) == 0));
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
        embed(next.trace.x, next.text, next.tokens, next.n, c->d_model, s);
        /* each sentence has its own positions, from 0 (as an encoder's and
         * a decoder's inputs have) */
        if (s->cross)
            embed(next.trace.x_kv, next.keys_text, next.keys_tokens, next.n_keys, c->d_model, s);
        if (threaded) pthread_join(thread, NULL);
        st_fwd = s->cross ? attn_forward_cross(&next.trace, c, &next.weights, next.trace.x, next.n,
                                               next.trace.x_kv, next.n_keys, err, err_len)
                          : attn_forward(&next.trace, c, &next.weights, next.trace.x, next.n, err,
                                         err_len);
    }
    if (st_fwd != ATTN_OK) {
        /* not reached: the settings and sizes were checked above */
        if (!same_shapes) attn_weights_free(&next.weights);
        if (new_trace) attn_trace_free(&next.trace);
        free_keys(&next);
        free(next.tokens);
        free(next.text);
        return st_fwd;
    }

    /* Success: release what was replaced, keep the rest. */
    if (!same_shapes) attn_weights_free(&m->weights);
    if (new_trace) attn_trace_free(&m->trace);
    free_keys(m);
    free(m->tokens);
    free(m->text);
    next.version = m->version + 1;
    *m = next;
    take_stats(m);
    m->build_ms = ms_since(&t0);
    return ATTN_OK;
}

/* Frees what a mechanics model owns: its weights, trace, tokens and text. */
static void free_mechanics(state_model *m) {
    free_keys(m);
    attn_weights_free(&m->weights);
    attn_trace_free(&m->trace);
    free(m->tokens);
    free(m->text);
}

/* ---- the trained source ------------------------------------------------------- */

/* Frees what a trained model view owns: its labels and tokens, and the
 * trained model itself; the trace and weights are the run's. */
static void free_trained_view(state_model *m) {
    free(m->tokens);
    free(m->text);
    free(m->labels);
    free(m->label_text);
    free(m->token_kind);
    if (m->trained) {
        state_trained_free(m->trained);
        free(m->trained);
    }
}

/* Room for the labels of up to cap tokens of sentence: allocated before
 * the run, so that nothing can fail after it. Returns false when out of memory. */
static bool alloc_labels(state_model *next, size_t cap, const char *sentence) {
    /* a GPT-2 piece is shown in at most 4 bytes a byte ("<E2>" for a
     * byte of a character cut between tokens, "·" for a space) */
    size_t bytes = sizeof STATE_START_LABEL + 4 * strlen(sentence) +
                   cap * strlen(STATE_UNKNOWN_MARK) + 1;
    next->labels = malloc(cap * sizeof *next->labels);
    next->label_text = malloc(bytes);
    next->token_kind = malloc(cap);
    return next->labels && next->label_text && next->token_kind;
}

/* Labels of the n tokens of t's last run over sentence: "⟨start⟩" for the
 * start token, a word the vocabulary lacks with STATE_UNKNOWN_MARK after it
 * (shape, not only a dimmer colour, tells it on a projector), every other
 * word as spelled. */
static void make_labels(state_model *next, const state_trained *t, const char *sentence) {
    size_t at = 0, mark = strlen(STATE_UNKNOWN_MARK);
    next->n_unknown = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t start = at;
        if (i == 0) {
            memcpy(next->label_text + at, STATE_START_LABEL, sizeof STATE_START_LABEL - 1);
            at += sizeof STATE_START_LABEL - 1;
            next->token_kind[i] = STATE_TOKEN_START;
        } else if (t->gpt2) {
            /* the piece as GPT-2 reads it: "·animal", a cut character's bytes */
            const char *w = state_trained_word(t, i);
            memcpy(next->label_text + at, w, strlen(w));
            at += strlen(w);
            next->token_kind[i] = STATE_TOKEN_WORD;
        } else {
            memcpy(next->label_text + at, sentence + t->spans[i].offset, t->spans[i].len);
            at += t->spans[i].len;
            next->token_kind[i] = t->unknown[i] ? STATE_TOKEN_UNKNOWN : STATE_TOKEN_WORD;
            if (t->unknown[i]) {
                memcpy(next->label_text + at, STATE_UNKNOWN_MARK, mark);
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
static attn_status apply_trained(state_model *m, const state_settings *s, attn_setting *bad, char *err,
                         size_t err_len, bool *deferred) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char msg[STATE_ERR_LEN];
    const char *path = state_trained_resolve(s->model_path);
    state_trained *t = m->trained;
    bool loaded = false;
    /* back from random weights to the model they replaced: it is still
     * here (m->parked), no need to read it again */
    bool unparked = !t && m->parked && strcmp(m->parked->path, path) == 0;
    if (unparked) t = m->parked;
    if (!t || strcmp(t->path, path) != 0) {
        t = calloc(1, sizeof *t);
        if (!t) {
            snprintf(err, err_len, "out of memory for the model %s", path);
            return ATTN_ERR_NOMEM;
        }
        attn_status ls = state_trained_load(t, path, msg, sizeof msg);
        if (ls != ATTN_OK) {
            snprintf(err, err_len, "model: %s", msg);
            free(t);
            return ls;
        }
        loaded = true;
    }
    const model_config *mc = &t->model.config;
    state_model next;
    memset(&next, 0, sizeof next);
    attn_status rc = ATTN_OK;
    if (s->layer >= mc->n_layers) {
        snprintf(err, err_len, "layer %zu does not exist: the model has %zu layer%s (1 to %zu)",
                 s->layer + 1, mc->n_layers, mc->n_layers == 1 ? "" : "s", mc->n_layers);
        rc = ATTN_ERR_CONFIG;
    }
    /* Everything that can fail comes before the run, which changes a kept
     * model in place: the sentence is encoded there before anything else
     * (a sentence that does not fit changes nothing), and the memory for
     * tokens and labels is taken here. */
    /* a GPT-2's run grows with the sentence: room for the most it may hold */
    size_t cap = t->gpt2 ? STATE_TRAINED_TOKENS_MAX : t->run.n_max;
    if (rc == ATTN_OK) {
        next.tokens = malloc(cap * sizeof *next.tokens);
        next.text = copy_text(s->sentence, strlen(s->sentence));
        if (!next.tokens || !next.text || !alloc_labels(&next, cap, s->sentence)) {
            snprintf(err, err_len, "out of memory for %zu tokens", cap);
            rc = ATTN_ERR_NOMEM;
        }
    }
    /* Another layer of the same run (the [ and ] keys) needs no new run: a
     * GPT-2's forward is the slow part, and it would give the same bits. */
    bool same_run = !loaded && m->trained == t && t->n > 0 && t->run.n == t->n && t->sentence &&
                    strcmp(t->sentence, s->sentence) == 0 &&
                    memcmp(t->head_off, s->head_off, sizeof s->head_off) == 0;
    const attn_trace *traces_before = t->run.trace;
    /* A kept GPT-2 runs on a thread when asked: m stays as it is, pending,
     * until state_model_poll finds the run ended (the run under way, when
     * it is on this sentence and pruning already, goes on). */
    if (rc == ATTN_OK && !same_run && deferred && !loaded && !unparked && t->gpt2) {
        attn_status started =
            state_trained_run_is_on(t, s->sentence, s->head_off)
                ? ATTN_OK
                : state_trained_run_start(t, s->sentence, s->head_off, bad, err, err_len);
        /* ATTN_ERR_IO: no thread to be had (a browser without them): the
         * run is done here, below */
        if (started != ATTN_ERR_IO) {
            free(next.tokens);
            free(next.text);
            free(next.labels);
            free(next.label_text);
            free(next.token_kind);
            if (started != ATTN_OK) return started;
            m->pending = true;
            m->pending_settings = *s;
            *deferred = true;
            return ATTN_OK;
        }
    }
    if (rc == ATTN_OK && !same_run)
        rc = state_trained_run(t, s->sentence, s->head_off, bad, err, err_len);
    if (rc != ATTN_OK) {
        free(next.tokens);
        free(next.text);
        free(next.labels);
        free(next.label_text);
        free(next.token_kind);
        if (loaded) {
            state_trained_free(t);
            free(t);
        } else if (m->trained == t && t->run.trace != traces_before) {
            /* a GPT-2's run may have grown before the failure: what is on
             * screen borrows the new one */
            state_model_refresh(m);
        }
        return rc;
    }
    next.n = t->n;
    next.n_keys = t->n; /* a trained model attends within its sentence */
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
    state_trained *parked = m->parked;
    if (m->trained) {
        if (m->trained == t) m->trained = NULL; /* kept: not freed below */
        free_trained_view(m);
    } else {
        free_mechanics(m);
    }
    if (parked && parked != t) { /* another model was loaded: the parked one goes */
        state_trained_free(parked);
        free(parked);
    }
    *m = next; /* next.parked is NULL: t, if it was parked, is shown again */
    take_stats(m);
    m->build_ms = ms_since(&t0);
    return ATTN_OK;
}

attn_status state_model_apply(state_model *m, const state_settings *s, char *err,
                              size_t err_len) {
    return state_model_apply_text(m, s, s->sentence, NULL, err, err_len);
}

/* A pending run is dropped by any apply: the newer settings win. */
static void drop_pending(state_model *m) {
    if (m->trained) state_trained_run_stop(m->trained);
    m->pending = false;
}

static attn_status apply_any(state_model *m, const state_settings *s, const char *text,
                             attn_setting *bad, char *err, size_t err_len, bool async) {
    attn_setting unused;
    if (!bad) bad = &unused;
    *bad = ATTN_SETTING_NONE;
    if (!async) drop_pending(m);
    if (s->source == STATE_SOURCE_TRAINED && s->cross) {
        *bad = ATTN_SETTING_CROSS;
        snprintf(err, err_len,
                 "cross_sentence needs the mechanics (random weights): the trained model is a "
                 "decoder that attends within one sentence; switch to the mechanics or turn "
                 "cross-attention off");
        return ATTN_ERR_CONFIG;
    }
    if (s->source == STATE_SOURCE_TRAINED) {
        /* a failed async apply leaves an earlier pending run to end; one
         * that applied at once replaces it */
        bool deferred = false;
        attn_status st = apply_trained(m, s, bad, err, err_len, async ? &deferred : NULL);
        if (async && st == ATTN_OK && !deferred) drop_pending(m);
        return st;
    }
    drop_pending(m);
    if (!m->trained) return apply_mechanics(m, s, text, bad, err, err_len);
    /* From trained to mechanics: the trace and weights were the run's, so
     * the mechanics model is built from nothing, then the trained one goes. */
    state_model fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.version = m->version;
    attn_status st = apply_mechanics(&fresh, s, text, bad, err, err_len);
    if (st != ATTN_OK) return st;
    /* the trained model is kept aside (a run of it on a thread stopped), so
     * that W brings it back at once */
    state_trained *keep = m->trained;
    state_trained_run_stop(keep);
    m->trained = NULL;
    free_trained_view(m);
    if (m->parked) {
        state_trained_free(m->parked);
        free(m->parked);
    }
    fresh.parked = keep;
    *m = fresh;
    return ATTN_OK;
}

attn_status state_model_apply_text(state_model *m, const state_settings *s, const char *text,
                                   attn_setting *bad, char *err, size_t err_len) {
    return apply_any(m, s, text, bad, err, err_len, false);
}

attn_status state_model_apply_async(state_model *m, const state_settings *s, attn_setting *bad,
                                    char *err, size_t err_len) {
    return apply_any(m, s, s->sentence, bad, err, err_len, true);
}

state_poll state_model_poll(state_model *m, char *err, size_t err_len) {
    if (!m->pending) return STATE_POLL_IDLE;
    state_trained *t = m->trained;
    attn_status result;
    if (t && !state_trained_run_poll(t, &result, err, err_len)) {
        if (t->run_job) return STATE_POLL_RUNNING;
        result = ATTN_ERR_IO; /* stopped from elsewhere: nothing to take */
        snprintf(err, err_len, "the run was stopped before it ended");
    }
    m->pending = false;
    if (!t || result != ATTN_OK) return STATE_POLL_FAILED;
    /* the run is the pending settings' now: applying them builds the view
     * without another run */
    state_settings s = m->pending_settings;
    if (apply_trained(m, &s, NULL, err, err_len, NULL) != ATTN_OK) return STATE_POLL_FAILED;
    return STATE_POLL_APPLIED;
}

const state_settings *state_model_wanted(const state_model *m) {
    return m->pending ? &m->pending_settings : &m->settings;
}

void state_model_progress(const state_model *m, size_t *done, size_t *total, size_t *tokens) {
    state_run_status st = {0};
    if (m->pending && m->trained) st = state_trained_run_status(m->trained);
    if (done) *done = st.done;
    if (total) *total = st.total;
    if (tokens) *tokens = st.tokens;
}

void state_model_refresh(state_model *m) {
    if (!m->trained) return;
    const state_trained *t = m->trained;
    m->trace = t->run.trace[m->settings.layer];
    m->weights = t->run.attn[m->settings.layer];
    take_stats(m);
    m->version++;
}

const char *state_model_key_token(const state_model *m, size_t j, size_t *len) {
    const attn_token *tk = m->keys_tokens ? &m->keys_tokens[j] : &m->tokens[j];
    *len = tk->len;
    return (m->keys_tokens ? m->keys_text : m->text) + tk->offset;
}

void state_model_free(state_model *m) {
    if (!m) return;
    if (m->trained) free_trained_view(m);
    else free_mechanics(m);
    if (m->parked) {
        state_trained_free(m->parked);
        free(m->parked);
    }
    memset(m, 0, sizeof *m);
}

/* ---- names of stages and views ---------------------------------------------- */

state_stage state_opening_stage(state_source source) {
    return source == STATE_SOURCE_TRAINED ? STAGE_SOFTMAX : STAGE_EMBED;
}

int state_stage_parse(const char *s) {
    for (int i = 0; i < STATE_STAGE_COUNT; i++)
        if (strcmp(s, lesson_stage_name(i)) == 0) return i;
    if (s[0] >= '1' && s[0] <= '9' && (s[1] == '\0' || (s[0] == '1' && s[1] == '0' && !s[2])))
        return s[1] ? 9 : s[0] - '1';
    return -1;
}

const char *state_view_name(state_view v) { return lesson_view_name((lesson_view)v); }

int state_view_parse(const char *s) {
    for (int i = 0; i <= VIEW_MODEL; i++)
        if (strcmp(s, state_view_name((state_view)i)) == 0) return i;
    return -1;
}

static const char *const theme_names[] = {"dark", "light"};

int state_theme_parse(const char *s) {
    for (int i = 0; i < (int)(sizeof theme_names / sizeof theme_names[0]); i++)
        if (strcmp(s, theme_names[i]) == 0) return i;
    return -1;
}

void state_frame_default(state_frame *f) {
    memset(f, 0, sizeof *f);
    f->stage = STAGE_EMBED;
    f->progress = 1.0f;
    f->view = VIEW_HEADS;
    f->width = 1280;
    f->height = 800;
    f->theme = STATE_THEME_DARK;
}
