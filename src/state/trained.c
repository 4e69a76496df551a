/* The trained-model weight source (trained.h): load a model file, read or
 * measure its head roles, run it on the app's sentence with some heads
 * switched off, and keep what the views and the panels read. */
#define _POSIX_C_SOURCE 200809L
#include "trained.h"
#include "state.h"
#include "attnviz/gpt2.h"
#include "attnviz/lesson.h"
#include "attnviz/train.h"
#include "paths.h"
#include "trained_lens.h"
#include "trained_private.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Sequences measured at load when the file has no "attnviz.heads": enough
 * for a stable ranking of the heads, and well under a second for the small
 * models attnviz trains. */
#define ROLES_SEQUENCES 64

/* A GPT-2's run starts with room for this many tokens and grows as
 * sentences need (up to STATE_TRAINED_TOKENS_MAX): GPT-2 small's trace of
 * 256 tokens is about 250 MB over its 12 layers, of 64 tokens 30 MB. */
#define GPT2_RUN_FIRST 64

const lesson_model_shape *state_trained_lesson_shape(lesson_model_shape *shape) {
    model_config c;
    if (state_trained_peek(NULL, &c, NULL, 0) != 0) return NULL;
    *shape = (lesson_model_shape){c.n_layers, c.n_heads, c.d_model, c.n_ctx};
    return shape;
}

const char *state_trained_shipped_path(void) {
    /* Callers keep the pointer and compare it, so the path lives here; it is
     * looked up afresh on each call (a few stat calls), never cached. A
     * missing model is reported by shipped_missing when it is opened. */
    static char path[STATE_PATH_MAX];
    state_shipped_model_path(path, sizeof path, NULL, 0);
    return path;
}

const char *state_trained_resolve(const char *path) {
    return path && *path ? path : state_trained_shipped_path();
}

/* The shipped model missing is a set-up problem, not a bad file: say how
 * to get one. */
static attn_status shipped_missing(const char *path, char *err, size_t err_len) {
    struct stat st;
    if (stat(path, &st) == 0) return ATTN_OK;
    return state_fail(ATTN_ERR_INPUT, err, err_len,
                "the shipped model %s is missing: set ATTNVIZ_DATA_DIR to attnviz's data folder "
                "or reinstall attnviz, or train a model (attnviz train) and open its file",
                path);
}

/* A --model that names nothing: neither a file or folder nor a GPT-2
 * family name (those were taken as GPT-2 before this): say what would do
 * rather than "cannot read". */
static attn_status nothing_named(const char *path, char *err, size_t err_len) {
    struct stat st;
    /* a path (with a folder in it) that is missing says so when it is read */
    if (strchr(path, '/') || stat(path, &st) == 0) return ATTN_OK;
    char names[160];
    model_gpt2_family_names(names, sizeof names);
    return state_fail(ATTN_ERR_INPUT, err, err_len,
                      "%s is no file or folder, and no model name attnviz looks up (%s): give a "
                      ".safetensors file or the folder holding it",
                      path, names);
}

/* Sizes the app can show: the core's limits on the attention of one layer,
 * and the pruning flags of state_settings. */
static attn_status check_sizes(const model_config *c, const char *path, char *err, size_t err_len) {
    attn_config ac = model_attn_config(c);
    char msg[256];
    if (attn_config_check(&ac, NULL, msg, sizeof msg) != ATTN_OK)
        return state_fail(ATTN_ERR_INPUT, err, err_len, "%s: the app cannot show this model's attention: %s", path, msg);
    if (c->n_layers * c->n_heads > STATE_PRUNE_MAX)
        return state_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: %zu layers of %zu heads are more than the %d heads the app can switch "
                    "off: use a smaller model",
                    path, c->n_layers, c->n_heads, STATE_PRUNE_MAX);
    return ATTN_OK;
}

attn_status state_trained_peek(const char *path, model_config *c, char *err, size_t err_len) {
    path = state_trained_resolve(path);
    if (state_model_is_gpt2(path)) {
        if (state_gpt2_peek(path, c, NULL, 0, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
        return check_sizes(c, path, err, err_len);
    }
    if (strcmp(path, state_trained_shipped_path()) == 0 && shipped_missing(path, err, err_len))
        return ATTN_ERR_INPUT;
    if (nothing_named(path, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
    model m;
    attn_status st = model_load(&m, path, err, err_len);
    if (st != ATTN_OK) return st;
    *c = m.config;
    model_free(&m);
    return check_sizes(c, path, err, err_len);
}

/* ---- load, run, free ------------------------------------------------------ */

size_t state_gpt2_limit(const model_config *c) {
    return c->n_ctx < STATE_TRAINED_TOKENS_MAX ? c->n_ctx : STATE_TRAINED_TOKENS_MAX;
}

attn_status state_trained_make_run(const state_trained *t, model_run *out, size_t n_max, char *err,
                                   size_t err_len) {
    model_run r;
    model_logits which = t->flags & STATE_TRAINED_ALL_LOGITS ? MODEL_LOGITS_ALL : MODEL_LOGITS_LAST;
    char msg[STATE_ERR_LEN];
    attn_status st = t->attn ? model_run_init_reading(&r, &t->model, n_max, which, t->attn, msg,
                                                      sizeof msg)
                             : model_run_init_logits(&r, &t->model, n_max, which, msg, sizeof msg);
    if (st != ATTN_OK)
        return state_fail(st, err, err_len, "%s: room for %zu tokens: %s", t->path, n_max, msg);
    /* GPT-2's large products split over two threads, with the same bits as
     * one (model.h): a sentence edit shows sooner */
    r.threads = 2;
    *out = r;
    return ATTN_OK;
}

/* t's run made for n_max tokens, aside: the old one stays on failure. */
static attn_status size_run(state_trained *t, size_t n_max, char *err, size_t err_len) {
    model_run r;
    attn_status st = state_trained_make_run(t, &r, n_max, err, err_len);
    if (st != ATTN_OK) return st;
    model_run_free(&t->run);
    t->run = r;
    return ATTN_OK;
}

/* A GPT-2 checkpoint (gpt2.h) and its tokenizer; roles not measured. */
static attn_status load_gpt2(state_trained *t, const char *what, char *err, size_t err_len) {
    model_gpt2_files files;
    attn_status rc = model_gpt2_find_env(what, &files, err, err_len);
    if (rc == ATTN_OK) {
        snprintf(t->file, sizeof t->file, "%s", files.weights);
        rc = model_load_gpt2(&t->model, files.weights, 0, NULL, err, err_len);
    }
    const model_config *c = &t->model.config;
    if (rc == ATTN_OK) rc = check_sizes(c, what, err, err_len);
    /* one copy of the attention weights for the run on screen and the one
     * a new sentence is computed in */
    if (rc == ATTN_OK) rc = model_attn_make(&t->model, &t->attn, err, err_len);
    if (rc == ATTN_OK)
        rc = state_gpt2_tokenizer(files.weights, c->n_vocab, &t->bpe, &t->tokenizer_shipped,
                                  t->tokenizer_note, sizeof t->tokenizer_note, err, err_len);
    size_t first = state_gpt2_limit(c) < GPT2_RUN_FIRST ? state_gpt2_limit(c) : GPT2_RUN_FIRST;
    if (rc == ATTN_OK) rc = size_run(t, first, err, err_len);
    if (rc == ATTN_OK) {
        t->probs_all_on = calloc(c->n_vocab, sizeof *t->probs_all_on);
        if (!t->probs_all_on) rc = state_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory for the model", what);
    }
    if (rc != ATTN_OK) {
        state_trained_free(t);
        return rc;
    }
    t->gpt2 = true;
    /* The shipped model's detectors read its generated grammar; GPT-2's
     * own (previous-token, duplicate, induction on random tokens repeated
     * twice) run on a thread: seconds for GPT-2 small. */
    if (t->flags & STATE_TRAINED_NO_ROLES)
        snprintf(t->roles_note, sizeof t->roles_note, "not measured: not asked for");
    else
        (void)state_trained_roles_start(t, NULL, 0); /* a failure is in roles_note */
    return ATTN_OK;
}

attn_status state_trained_load_ex(state_trained *t, const char *path, unsigned flags, char *err,
                                  size_t err_len) {
    memset(t, 0, sizeof *t);
    path = state_trained_resolve(path);
    if (strlen(path) >= sizeof t->path)
        return state_fail(ATTN_ERR_INPUT, err, err_len, "the model path is longer than %zu bytes: move the file",
                    sizeof t->path - 1);
    if (strcmp(path, state_trained_shipped_path()) == 0 && shipped_missing(path, err, err_len))
        return ATTN_ERR_INPUT;
    snprintf(t->path, sizeof t->path, "%s", path);
    snprintf(t->file, sizeof t->file, "%s", path);
    t->flags = flags;
    if (state_model_is_gpt2(path)) return load_gpt2(t, path, err, err_len);
    if (nothing_named(path, err, err_len) != ATTN_OK) {
        memset(t, 0, sizeof *t);
        return ATTN_ERR_INPUT;
    }
    attn_status rc = model_load_meta(&t->model, path, &t->meta, err, err_len);
    if (rc != ATTN_OK) {
        memset(t, 0, sizeof *t);
        return rc;
    }
    const model_config *c = &t->model.config;
    rc = check_sizes(c, path, err, err_len);
    size_t n_max = c->n_ctx < STATE_TRAINED_TOKENS_MAX ? c->n_ctx : STATE_TRAINED_TOKENS_MAX;
    if (rc == ATTN_OK) rc = model_run_init(&t->run, &t->model, n_max, err, err_len);
    if (rc == ATTN_OK) {
        t->probs_all_on = calloc(c->n_vocab, sizeof *t->probs_all_on);
        if (!t->probs_all_on) rc = state_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory for the model", path);
    }
    if (rc == ATTN_OK && !(flags & STATE_TRAINED_NO_ROLES)) {
        bool found = false;
        rc = model_meta_read_heads(&t->meta, c, path, &t->roles, &found, err, err_len);
        if (rc == ATTN_OK && found) {
            t->have_roles = true;
            snprintf(t->roles_note, sizeof t->roles_note, "from the model file");
        } else if (rc == ATTN_OK) {
            /* Not a reason to refuse the model: a model trained on other
             * text has attention to show but no roles to measure. */
            char msg[256];
            if (model_heads_measure(&t->model, ROLES_SEQUENCES, NULL, 0, &t->roles, msg,
                                    sizeof msg) == ATTN_OK) {
                t->have_roles = true;
                snprintf(t->roles_note, sizeof t->roles_note,
                         "measured at load on %d held-out sequences", ROLES_SEQUENCES);
            } else {
                snprintf(t->roles_note, sizeof t->roles_note, "not measured: %s", msg);
            }
        }
    }
    if (rc != ATTN_OK) {
        state_trained_free(t);
        return rc;
    }
    return ATTN_OK;
}

attn_status state_trained_load(state_trained *t, const char *path, char *err, size_t err_len) {
    return state_trained_load_ex(t, path, 0, err, err_len);
}

void state_trained_free(state_trained *t) {
    if (!t) return;
    state_trained_roles_stop(t); /* it reads the model */
    state_trained_run_stop(t);   /* it reads the model and writes the spare run */
    model_detect_report_free(&t->detect);
    model_run_free(&t->run);
    model_run_free(&t->spare);
    model_attn_free(t->attn, t->model.config.n_layers); /* after the runs reading it */
    free(t->sentence);
    free(t->lens_ready);
    model_free(&t->model);
    model_meta_free(&t->meta);
    model_heads_report_free(&t->roles);
    model_bpe_destroy(t->bpe);
    free(t->shown);
    free(t->probs_all_on);
    memset(t, 0, sizeof *t);
}

const float *state_run_last_probs(const model_run *r, size_t V) {
    if (!r->probs || r->n == 0) return NULL;
    size_t row = r->logit_rows == 1 ? 0 : r->n - 1;
    return r->probs + row * V;
}

/* A forward's result checked: finite weights can still overflow (a file
 * edited by hand, a run that diverged): refuse rather than show an
 * overflowed score as the mask, or write NaN. */
static attn_status checked_forward(const state_trained *t, model_run *r, const int32_t *ids,
                                   size_t n, const uint8_t *head_off, char *err, size_t err_len) {
    attn_status st = model_forward(r, &t->model, ids, n, head_off, err, err_len);
    if (st != ATTN_OK) return st;
    char msg[256];
    if (model_run_check(r, &t->model, msg, sizeof msg) != ATTN_OK)
        return state_fail(ATTN_ERR_INPUT, err, err_len, "%s: %s", t->path, msg);
    return ATTN_OK;
}

attn_status state_trained_forward(const state_trained *t, model_run *r, const int32_t *ids,
                                  size_t n, const uint8_t *head_off, float *probs_all_on,
                                  bool all_on_known, char *err, size_t err_len) {
    const model_config *c = &t->model.config;
    size_t LH = c->n_layers * c->n_heads, V = c->n_vocab;
    bool any_off = false;
    for (size_t k = 0; head_off && k < LH; k++) any_off |= head_off[k] != 0;
    if (any_off && all_on_known) return checked_forward(t, r, ids, n, head_off, err, err_len);
    attn_status st = checked_forward(t, r, ids, n, NULL, err, err_len);
    if (st != ATTN_OK) return st;
    memcpy(probs_all_on, state_run_last_probs(r, V), V * sizeof *probs_all_on);
    if (any_off) st = checked_forward(t, r, ids, n, head_off, err, err_len);
    return st;
}

/* Runs t->ids with t->head_off into t's own run. The ids were checked, so
 * model_forward cannot fail on them. */
static attn_status forward(state_trained *t, char *err, size_t err_len) {
    attn_status st = state_trained_forward(t, &t->run, t->ids, t->n, t->head_off, t->probs_all_on,
                                           false, err, err_len);
    if (st != ATTN_OK) return st;
    t->version++;
    /* A GPT-2's lens reads 50257 words per layer (about 0.3 s): made now,
     * with the run (at load, under the loading frame), so that opening the
     * lens view never holds a frame. A run on a thread brings its own
     * (trained_job.c); the shipped model's is quick enough to make when
     * asked. */
    free(t->lens_ready);
    t->lens_ready = NULL;
    if (t->gpt2) {
        state_lens *lens = calloc(1, sizeof *lens);
        char msg[256];
        if (lens && state_lens_compute(&t->model, &t->run, lens, msg, sizeof msg) == ATTN_OK) {
            lens->block = t->model.block;
            lens->version = t->version;
            t->lens_ready = lens;
        } else {
            free(lens); /* the view computes it when shown, and says why if it cannot */
        }
    }
    return ATTN_OK;
}

attn_status state_gpt2_shown_all(const state_trained *t, const int32_t *ids, size_t n,
                                 char **shown_out, size_t *shown_at, char *err, size_t err_len) {
    size_t bytes = 0;
    char one[8];
    for (size_t i = 0; i < n; i++) bytes += state_gpt2_shown(t, ids[i], one, sizeof one) + 1;
    char *shown = malloc(bytes);
    if (!shown) return state_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for the tokens");
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        shown_at[i] = at;
        at += state_gpt2_shown(t, ids[i], shown + at, bytes - at) + 1;
    }
    *shown_out = shown;
    return ATTN_OK;
}

/* A GPT-2 before a run on ids[0..n): a run large enough (grown by
 * doubling, so a sentence typed a letter at a time grows it a few times)
 * and the tokens' shown forms. Fails before anything of t changes but the
 * run's room. */
static attn_status gpt2_prepare(state_trained *t, const int32_t *ids, size_t n, char *err,
                                size_t err_len) {
    if (n > t->run.n_max) {
        size_t want = t->run.n_max, limit = state_gpt2_limit(&t->model.config);
        while (want < n) want *= 2;
        if (want > limit) want = limit;
        attn_status st = size_run(t, want, err, err_len);
        if (st != ATTN_OK) return st;
    }
    char *shown;
    attn_status st = state_gpt2_shown_all(t, ids, n, &shown, t->shown_at, err, err_len);
    if (st != ATTN_OK) return st;
    free(t->shown);
    t->shown = shown;
    return ATTN_OK;
}

attn_status state_trained_run(state_trained *t, const char *sentence, const uint8_t *head_off,
                      attn_setting *bad, char *err, size_t err_len) {
    if (bad) *bad = ATTN_SETTING_NONE;
    if (!t->model.block) return state_fail(ATTN_ERR_CONFIG, err, err_len, "no model is loaded");
    state_trained_run_stop(t); /* this run replaces any under way */
    int32_t ids[STATE_TRAINED_TOKENS_MAX];
    attn_token spans[STATE_TRAINED_TOKENS_MAX];
    size_t n = 0;
    char msg[256];
    /* Encoded aside: a sentence that does not fit changes nothing. */
    attn_status st;
    if (t->gpt2) st = state_gpt2_encode(t, sentence, state_gpt2_limit(&t->model.config), ids, spans, &n,
                                        msg, sizeof msg);
    else st = model_vocab_encode(&t->model.vocab, sentence, ids, spans, t->run.n_max, &n, msg,
                                 sizeof msg);
    if (st != ATTN_OK) {
        if (bad) *bad = ATTN_SETTING_SENTENCE;
        return state_fail(st, err, err_len, "%s", msg);
    }
    if (t->gpt2 && (st = gpt2_prepare(t, ids, n, err, err_len)) != ATTN_OK) return st;
    memcpy(t->ids, ids, n * sizeof *ids);
    memcpy(t->spans, spans, n * sizeof *spans);
    for (size_t i = 0; i < n; i++) t->unknown[i] = i > 0 && ids[i] == MODEL_TOKEN_UNK;
    t->n = n;
    if (head_off) memcpy(t->head_off, head_off, sizeof t->head_off);
    else memset(t->head_off, 0, sizeof t->head_off);
    /* what the run is on, so a view of another layer needs no new run */
    free(t->sentence);
    t->sentence = strdup(sentence);
    st = forward(t, err, err_len);
    if (st != ATTN_OK || !t->sentence) {
        free(t->sentence);
        t->sentence = NULL; /* no run to reuse */
    }
    return st;
}

/* Indices of the k largest of p[0..V), largest first; ties by smaller id. */
static size_t top_k(const float *p, size_t V, size_t k, int32_t *ids, float *out) {
    if (k > V) k = V;
    if (k == 0) return 0;
    /* one pass, ids[0..have) kept sorted: GPT-2's 50257 each frame */
    size_t have = 0;
    for (size_t j = 0; j < V; j++) {
        if (have == k && !(p[j] > p[ids[k - 1]])) continue; /* ties: the smaller id stays */
        size_t at = have < k ? have++ : k - 1;
        while (at > 0 && p[j] > p[ids[at - 1]]) {
            ids[at] = ids[at - 1];
            at--;
        }
        ids[at] = (int32_t)j;
    }
    for (size_t r = 0; out && r < k; r++) out[r] = p[ids[r]];
    return k;
}

size_t state_trained_top(const state_trained *t, bool all_on, size_t k, int32_t *ids, float *p) {
    if (!t || !t->model.block || t->n == 0 || k == 0) return 0;
    size_t V = t->model.config.n_vocab;
    const float *probs = all_on ? t->probs_all_on : state_trained_last_probs(t);
    return top_k(probs, V, k, ids, p);
}

const float *state_trained_last_probs(const state_trained *t) {
    return t ? state_run_last_probs(&t->run, t->model.config.n_vocab) : NULL;
}

size_t state_trained_token_text(const state_trained *t, int32_t id, char *out, size_t cap) {
    if (t && t->gpt2) return state_gpt2_shown(t, id, out, cap);
    if (t && id >= 0 && (size_t)id < t->model.vocab.n)
        return (size_t)snprintf(out, cap, "%s", t->model.vocab.words[id]);
    return (size_t)snprintf(out, cap, "#%ld", (long)id);
}

attn_status state_trained_set_params(state_trained *t, const float *params, size_t n_params, char *err,
                           size_t err_len) {
    if (!t->model.block) return state_fail(ATTN_ERR_CONFIG, err, err_len, "no model is loaded");
    if (n_params != t->model.n_params)
        return state_fail(ATTN_ERR_INPUT, err, err_len,
                    "%zu parameters do not fit the model's %zu: the sizes must stay the same",
                    n_params, t->model.n_params);
    state_trained_roles_stop(t); /* it reads the weights being replaced */
    state_trained_run_stop(t);
    memcpy(t->model.block, params, n_params * sizeof *params);
    model_run_sync(&t->run, &t->model);
    if (t->n == 0) {
        t->version++;
        return ATTN_OK;
    }
    return forward(t, err, err_len);
}

const char *state_trained_word(const state_trained *t, size_t i) {
    if (!t || i >= t->n) return "";
    if (t->gpt2) return t->shown ? t->shown + t->shown_at[i] : "";
    int32_t id = t->ids[i];
    return id >= 0 && (size_t)id < t->model.vocab.n ? t->model.vocab.words[id] : "<unk>";
}
