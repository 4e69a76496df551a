/* What a trained model's file records of its training (train.h): the
 * recipe as decimal strings, the losses, and the head roles as JSON, written
 * and read here and nowhere else. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/train.h"
#include "model_private.h"

#define KEY_SEED "attnviz.train.seed"
#define KEY_STEPS "attnviz.train.steps"
#define KEY_BATCH "attnviz.train.batch"
#define KEY_LR "attnviz.train.lr"
#define KEY_LR_MIN "attnviz.train.lr_min"
#define KEY_MIX "attnviz.train.mix"
#define KEY_HELDOUT "attnviz.heldout_loss"
#define KEY_UNIGRAM "attnviz.unigram_loss"
#define KEY_HEADS "attnviz.heads"

/* ---- writing --------------------------------------------------------------------- */

/* The roles as "attnviz.heads" JSON text (caller frees), or NULL when out
 * of memory. Each score is the number "%.4f" spells, so the file holds
 * four decimals whatever the float's last bits. */
static char *heads_json(const model_heads_report *r) {
    json_t *list = json_array();
    if (!list) return NULL;
    for (size_t l = 0; l < r->n_layers; l++)
        for (size_t h = 0; h < r->n_heads; h++) {
            json_t *entry = json_object(), *scores = json_object();
            /* append_new takes entry over, also when it fails */
            if (!entry || !scores || json_array_append_new(list, entry) != 0) {
                if (!scores) json_decref(entry);
                json_decref(scores);
                json_decref(list);
                return NULL;
            }
            int fails = json_object_set_new(entry, "layer", json_integer((json_int_t)l));
            fails |= json_object_set_new(entry, "head", json_integer((json_int_t)h));
            for (int k = 0; k < MODEL_ROLES; k++) {
                char four[32];
                snprintf(four, sizeof four, "%.4f",
                         (double)model_heads_score(r, l, h, (model_role)k));
                fails |= json_object_set_new(scores, model_role_key((model_role)k),
                                             json_real(strtod(four, NULL)));
            }
            fails |= json_object_set_new(entry, "scores", scores);
            if (fails) {
                json_decref(list);
                return NULL;
            }
        }
    /* four significant digits print a score below 1 with its four decimals,
     * without the trailing zeros */
    char *text = json_dumps(list, JSON_COMPACT | JSON_REAL_PRECISION(4));
    json_decref(list);
    return text;
}

attn_status model_save_trained(const model *m, const char *path, const model_recipe *r,
                               const model_heads_report *roles, char *err, size_t err_len) {
    if (roles->n_layers != m->config.n_layers || roles->n_heads != m->config.n_heads ||
        !roles->score)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s: not saved: the head roles are for %zu layers of %zu heads, the "
                          "model has %zu of %zu",
                          path ? path : "model", roles->n_layers, roles->n_heads,
                          m->config.n_layers, m->config.n_heads);
    char *heads = heads_json(roles);
    if (!heads)
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: not saved: out of memory",
                          path ? path : "model");
    enum { N = 9 };
    char v[N - 1][64];
    snprintf(v[0], sizeof v[0], "%llu", (unsigned long long)r->seed);
    snprintf(v[1], sizeof v[1], "%zu", r->train.steps);
    snprintf(v[2], sizeof v[2], "%zu", r->train.batch);
    snprintf(v[3], sizeof v[3], "%g", (double)r->train.lr);
    snprintf(v[4], sizeof v[4], "%g", (double)r->train.lr_min);
    snprintf(v[5], sizeof v[5], "%g,%g,%g,%g", (double)r->mix.pronoun, (double)r->mix.subject,
             (double)r->mix.place_time, (double)r->mix.repeat);
    snprintf(v[6], sizeof v[6], "%.6f", roles->heldout_loss);
    snprintf(v[7], sizeof v[7], "%.6f", roles->unigram_loss);
    const char *keys[N] = {KEY_SEED,   KEY_STEPS, KEY_BATCH,   KEY_LR,   KEY_LR_MIN,
                           KEY_MIX,    KEY_HELDOUT, KEY_UNIGRAM, KEY_HEADS};
    const char *values[N] = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], heads};
    attn_status st = model_save_meta(m, path, keys, values, N, err, err_len);
    free(heads);
    return st;
}

/* ---- reading the recipe ---------------------------------------------------------- */

/* A whole number in decimal (digits only), at most max. */
static bool parse_size(const char *s, unsigned long long max, unsigned long long *out) {
    unsigned long long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    if (p == s || *p) return false;
    *out = v;
    return true;
}

/* n numbers separated by commas, each finite as a float: strtod reads
 * "1e300" as a finite double that becomes an infinite float. */
static bool parse_floats(const char *s, float *out, int n) {
    for (int i = 0; i < n; i++) {
        char *end;
        double x = strtod(s, &end);
        if (end == s || !(fabs(x) <= FLT_MAX) || *s == ' ') return false;
        out[i] = (float)x;
        if (i + 1 < n) {
            if (*end != ',') return false;
            s = end + 1;
        } else if (*end) {
            return false;
        }
    }
    return true;
}

attn_status model_meta_read_recipe(const model_meta *meta, const model_config *c,
                                   const char *file, model_recipe *r, bool *found, char *err,
                                   size_t err_len) {
    if (!file) file = "model";
    *r = model_recipe_default();
    r->model = *c;
    r->train.seq = c->n_ctx;
    *found = false;
    const char *keys[6] = {KEY_SEED, KEY_STEPS, KEY_BATCH, KEY_LR, KEY_LR_MIN, KEY_MIX};
    const char *v[6];
    int present = 0;
    for (int i = 0; i < 6; i++) present += (v[i] = model_meta_get(meta, keys[i])) != NULL;
    if (!present) return ATTN_OK;
    for (int i = 0; i < 6; i++)
        if (!v[i])
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s: metadata \"%s\" is missing: the file records only part of "
                              "its recipe",
                              file, keys[i]);
    unsigned long long seed, steps, batch;
    float lr, lr_min, mix[4];
    const char *const a_number = "a number (at most 3.4e38 in size)";
    const char *bad = NULL, *want = NULL;
    if (!parse_size(v[0], UINT64_MAX, &seed)) bad = keys[0], want = "a whole number in decimal";
    else if (!parse_size(v[1], SIZE_MAX, &steps)) bad = keys[1], want = "a whole number in decimal";
    else if (!parse_size(v[2], SIZE_MAX, &batch)) bad = keys[2], want = "a whole number in decimal";
    else if (!parse_floats(v[3], &lr, 1)) bad = keys[3], want = a_number;
    else if (!parse_floats(v[4], &lr_min, 1)) bad = keys[4], want = a_number;
    else if (!parse_floats(v[5], mix, 4)) bad = keys[5], want = "four numbers separated by commas";
    if (bad)
        return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: metadata \"%s\" is \"%.40s\", not %s",
                          file, bad, model_meta_get(meta, bad), want);
    r->seed = (uint64_t)seed;
    r->train.steps = (size_t)steps;
    r->train.batch = (size_t)batch;
    r->train.lr = lr;
    r->train.lr_min = lr_min;
    r->mix = (model_corpus_mix){mix[0], mix[1], mix[2], mix[3]};
    *found = true;
    return ATTN_OK;
}

/* ---- reading the head roles ------------------------------------------------------ */

/* A loss the trainer wrote ("2.960656"), or 0 when absent or not a number. */
static double meta_number(const model_meta *meta, const char *key) {
    const char *s = model_meta_get(meta, key);
    if (!s) return 0.0;
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(v) ? v : 0.0;
}

attn_status model_meta_read_heads(const model_meta *meta, const model_config *c,
                                  const char *file, model_heads_report *r, bool *found,
                                  char *err, size_t err_len) {
    const char *path = file ? file : "model";
    memset(r, 0, sizeof *r);
    *found = false;
    const char *text = model_meta_get(meta, KEY_HEADS);
    if (!text) return ATTN_OK;
    size_t L = c->n_layers, H = c->n_heads;
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s: metadata \"%s\" is not valid JSON: column %d: %s", path,
                          KEY_HEADS, jerr.column, jerr.text);
    attn_status st = ATTN_OK;
    uint8_t *seen = calloc(L * H, 1);
    float *score = calloc(L * H * MODEL_ROLES, sizeof *score);
    if (!seen || !score) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory for the head roles",
                        path);
        goto done;
    }
    if (!json_is_array(root)) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: metadata \"%s\" is not a JSON list of heads", path, KEY_HEADS);
        goto done;
    }
    for (size_t k = 0; k < json_array_size(root); k++) {
        json_t *e = json_array_get(root, k);
        json_t *jl = json_object_get(e, "layer"), *jh = json_object_get(e, "head");
        json_t *js = json_object_get(e, "scores");
        if (!json_is_object(e) || !json_is_integer(jl) || !json_is_integer(jh) ||
            !json_is_object(js)) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "%s: metadata \"%s\": entry %zu needs \"layer\", \"head\" (whole "
                            "numbers) and \"scores\" (an object)",
                            path, KEY_HEADS, k + 1);
            goto done;
        }
        json_int_t l = json_integer_value(jl), h = json_integer_value(jh);
        if (l < 0 || (size_t)l >= L || h < 0 || (size_t)h >= H) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "%s: metadata \"%s\": entry %zu names layer %lld head %lld, but the "
                            "model has layers 0 to %zu and heads 0 to %zu",
                            path, KEY_HEADS, k + 1, (long long)l, (long long)h, L - 1, H - 1);
            goto done;
        }
        size_t at = (size_t)l * H + (size_t)h;
        if (seen[at]) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "%s: metadata \"%s\": layer %lld head %lld is listed twice", path,
                            KEY_HEADS, (long long)l, (long long)h);
            goto done;
        }
        seen[at] = 1;
        for (int role = 0; role < MODEL_ROLES; role++) {
            const char *key = model_role_key((model_role)role);
            json_t *v = json_object_get(js, key);
            double x = json_is_number(v) ? json_number_value(v) : NAN;
            if (!(x >= 0.0 && x <= 1.0)) { /* also NaN and a missing or non-number value */
                st = model_fail(ATTN_ERR_INPUT, err, err_len,
                                "%s: metadata \"%s\": layer %lld head %lld: \"scores.%s\" must "
                                "be a number from 0 to 1",
                                path, KEY_HEADS, (long long)l, (long long)h, key);
                goto done;
            }
            score[at * MODEL_ROLES + (size_t)role] = (float)x;
        }
    }
    for (size_t at = 0; at < L * H; at++)
        if (!seen[at]) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "%s: metadata \"%s\" has no entry for layer %zu head %zu", path,
                            KEY_HEADS, at / H, at % H);
            goto done;
        }
    r->n_layers = L;
    r->n_heads = H;
    r->score = score;
    score = NULL;
    r->heldout_loss = meta_number(meta, KEY_HELDOUT);
    r->unigram_loss = meta_number(meta, KEY_UNIGRAM);
    *found = true;
done:
    free(score);
    free(seen);
    json_decref(root);
    return st;
}
