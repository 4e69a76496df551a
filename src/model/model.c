/* The model's settings, vocabulary and parameters (allocation and
 * initialisation). The forward pass is in model_forward.c, training in
 * model_backward.c and model_train.c, files in model_io.c. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/checked.h"
#include "attnviz/embed.h"
#include "attnviz/model.h"
#include "model_private.h"
#include "attnviz/rng.h"
#include "attnviz/tokenize.h"

static const char *const setting_names[MODEL_SETTING_COUNT] = {
    "",      "layers",       "heads",         "d_model",       "context",
    "batch", "sequence length", "steps",     "warmup",        "learning rate",
    "minimum learning rate", "weight decay", "gradient clip", "threads", "seed",
};

const char *model_setting_name(model_setting s) {
    return (unsigned)s < MODEL_SETTING_COUNT ? setting_names[s] : "";
}

attn_status model_config_check(const model_config *c, model_setting *bad, char *err,
                               size_t err_len) {
    model_setting unused;
    if (!bad) bad = &unused;
    *bad = MODEL_SETTING_NONE;
    if (c->n_layers < 1 || c->n_layers > MODEL_LAYERS_MAX) {
        *bad = MODEL_SETTING_LAYERS;
        return model_fail(ATTN_ERR_CONFIG, err, err_len, "layers %zu is out of range: use 1 to %d",
                          c->n_layers, MODEL_LAYERS_MAX);
    }
    if (c->n_ctx < 2 || c->n_ctx > MODEL_CTX_MAX) {
        *bad = MODEL_SETTING_CONTEXT;
        return model_fail(ATTN_ERR_CONFIG, err, err_len, "context %zu is out of range: use 2 to %d",
                          c->n_ctx, MODEL_CTX_MAX);
    }
    if (c->n_vocab < 3 || c->n_vocab > MODEL_VOCAB_MAX)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                    "a vocabulary of %zu words is out of range: use 3 to %d", c->n_vocab,
                    MODEL_VOCAB_MAX);
    attn_config a = model_attn_config(c);
    attn_setting which;
    attn_status st = attn_config_check(&a, &which, err, err_len);
    *bad = which == ATTN_SETTING_HEADS     ? MODEL_SETTING_HEADS
           : which == ATTN_SETTING_D_MODEL ? MODEL_SETTING_D_MODEL
                                           : MODEL_SETTING_NONE;
    return st;
}

attn_config model_attn_config(const model_config *c) {
    attn_config a = {
        .d_model = c->d_model,
        .n_heads = c->n_heads,
        .n_kv_heads = c->n_heads,
        .causal = true,
        .scale = true,
        .temperature = 1.0f,
    };
    return a;
}

/* ---- vocabulary ------------------------------------------------------- */

/* FNV-1a: short words, few collisions, a few lines. */
static uint32_t word_hash(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

int32_t model_vocab_find(const model_vocab *v, const char *word, size_t len) {
    if (!v->table) return -1;
    size_t mask = v->table_size - 1;
    for (size_t i = word_hash(word, len) & mask;; i = (i + 1) & mask) {
        uint32_t e = v->table[i];
        if (e == 0) return -1;
        const char *w = v->words[e - 1];
        if (strlen(w) == len && memcmp(w, word, len) == 0) return (int32_t)(e - 1);
    }
}

attn_status model_vocab_init(model_vocab *v, const char *const *words, size_t n, char *err,
                             size_t err_len) {
    memset(v, 0, sizeof *v);
    /* At least ids 0 and 1: model_vocab_encode gives every unknown word
     * MODEL_TOKEN_UNK, which must be an id of the vocabulary. */
    if (n < 2 || n > MODEL_VOCAB_MAX)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "a vocabulary of %zu words is out of range: use 2 to %d (the start token, "
                    "the unknown word, ...)", n, MODEL_VOCAB_MAX);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        size_t len = 0;
        while (w && len <= MODEL_WORD_MAX && w[len]) len++;
        if (len == 0)
            return model_fail(ATTN_ERR_INPUT, err, err_len, "vocabulary word %zu is empty", i);
        if (len > MODEL_WORD_MAX)
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                        "vocabulary word %zu is longer than %d bytes", i, MODEL_WORD_MAX);
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)w[k] <= ' ' || w[k] == 0x7f)
                return model_fail(ATTN_ERR_INPUT, err, err_len,
                            "vocabulary word %zu (\"%.*s\") has a space or control character",
                            i, (int)len, w);
        if (attn_utf8_first_invalid(w, len) != len)
            return model_fail(ATTN_ERR_INPUT, err, err_len, "vocabulary word %zu is not valid UTF-8",
                        i);
        bytes += len + 1;
    }
    size_t table_size = 16;
    while (table_size < 2 * n) table_size *= 2;
    v->words = calloc(n, sizeof *v->words);
    v->table = calloc(table_size, sizeof *v->table);
    v->storage = malloc(bytes);
    if (!v->words || !v->table || !v->storage) {
        model_vocab_free(v);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for a vocabulary of %zu words",
                    n);
    }
    v->table_size = table_size;
    char *p = v->storage;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        if (model_vocab_find(v, words[i], len) >= 0) {
            attn_status s = model_fail(ATTN_ERR_INPUT, err, err_len,
                                 "vocabulary word %zu (\"%s\") appears twice", i, words[i]);
            model_vocab_free(v);
            return s;
        }
        memcpy(p, words[i], len + 1);
        v->words[i] = p;
        p += len + 1;
        size_t mask = table_size - 1, k = word_hash(words[i], len) & mask;
        while (v->table[k]) k = (k + 1) & mask;
        v->table[k] = (uint32_t)(i + 1);
        v->n = i + 1;
    }
    return ATTN_OK;
}

void model_vocab_free(model_vocab *v) {
    free(v->words);
    free(v->table);
    free(v->storage);
    memset(v, 0, sizeof *v);
}

attn_status model_vocab_encode(const model_vocab *v, const char *text, int32_t *ids,
                               attn_token *spans, size_t max_ids, size_t *n_out, char *err,
                               size_t err_len) {
    *n_out = 0;
    if (v->n == 0)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "this model has no word vocabulary (it reads token ids, e.g. a GPT-2 "
                          "checkpoint): encode the text with the model's own tokenizer");
    if (max_ids < 2)
        return model_fail(ATTN_ERR_CONFIG, err, err_len, "room for %zu tokens is too little: use 2 or more",
                    max_ids);
    size_t len = strlen(text), tok_bytes;
    if (!attn_size_mul(&tok_bytes, max_ids - 1, sizeof(attn_token)))
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "room for %zu tokens is more than a %d-bit size can count: ask for "
                          "fewer",
                          max_ids, ATTN_SIZE_BITS);
    attn_token *tok = malloc(tok_bytes);
    if (!tok) return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for %zu tokens", max_ids);
    size_t n = 0;
    attn_status s = attn_tokenize(tok, max_ids - 1, &n, text, len, err, err_len);
    if (s == ATTN_ERR_LIMIT) {
        /* The core's message speaks of --max-tokens; the model's limit is its context. */
        model_fail(s, err, err_len,
             "the sentence has %zu tokens and the model reads at most %zu (its context, "
             "counting the start token): shorten the sentence",
             n, max_ids - 1);
        free(tok);
        return s;
    }
    if (s != ATTN_OK) {
        free(tok);
        return s;
    }
    ids[0] = MODEL_TOKEN_EOT;
    if (spans) spans[0] = (attn_token){0, 0};
    for (size_t i = 0; i < n; i++) {
        char word[MODEL_WORD_MAX];
        size_t wl = tok[i].len;
        int32_t id = MODEL_TOKEN_UNK;
        if (wl <= MODEL_WORD_MAX) {
            for (size_t k = 0; k < wl; k++)
                word[k] = (char)tolower((unsigned char)text[tok[i].offset + k]);
            int32_t f = model_vocab_find(v, word, wl);
            if (f >= 0) id = f;
        }
        ids[i + 1] = id;
        if (spans) spans[i + 1] = tok[i];
    }
    free(tok);
    *n_out = n + 1;
    return ATTN_OK;
}

/* ---- parameters ------------------------------------------------------- */

size_t model_param_sizes(const model_config *c, size_t s[MODEL_PARAM_TENSORS]) {
    size_t L = c->n_layers, d = c->d_model, dd, Ld;
    /* Each size a checked product: in 32 bits 48 layers of d_model 4096
     * have 3.2e9 MLP weights, which would wrap around. `&=` rather than
     * `&&`, so every size is filled in (SIZE_MAX where it does not fit). */
    bool ok = attn_size_mul(&dd, d, d);
    ok &= attn_size_mul(&Ld, L, d);
    ok &= attn_size_mul(&s[0], c->n_vocab, d); /* wte */
    ok &= attn_size_mul(&s[1], c->n_ctx, d);   /* wpe */
    s[2] = Ld;                                 /* ln1_w */
    s[3] = Ld;                                 /* ln1_b */
    ok &= attn_size_mul3(&s[4], L, 3, dd);     /* attn_w (d, 3d) */
    ok &= attn_size_mul(&s[5], 3, Ld);         /* attn_b */
    ok &= attn_size_mul(&s[6], L, dd);         /* proj_w */
    s[7] = Ld;                                 /* proj_b */
    s[8] = Ld;                                 /* ln2_w */
    s[9] = Ld;                                 /* ln2_b */
    ok &= attn_size_mul3(&s[10], L, 4, dd);    /* fc_w (d, 4d) */
    ok &= attn_size_mul(&s[11], 4, Ld);        /* fc_b */
    ok &= attn_size_mul3(&s[12], L, 4, dd);    /* fcproj_w (4d, d) */
    s[13] = Ld;                                /* fcproj_b */
    s[14] = d;                                 /* lnf_w */
    s[15] = d;                                 /* lnf_b */
    size_t total = 0;
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++) ok &= attn_size_add(&total, total, s[i]);
    return ok ? total : SIZE_MAX;
}

void model_params_point(model_params *p, const model_config *c, float *block) {
    size_t s[MODEL_PARAM_TENSORS];
    model_param_sizes(c, s);
    float **slot[MODEL_PARAM_TENSORS] = {
        &p->wte,   &p->wpe,   &p->ln1_w,  &p->ln1_b, &p->attn_w,   &p->attn_b,
        &p->proj_w, &p->proj_b, &p->ln2_w, &p->ln2_b, &p->fc_w,     &p->fc_b,
        &p->fcproj_w, &p->fcproj_b, &p->lnf_w, &p->lnf_b,
    };
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++) {
        *slot[i] = block;
        block += s[i];
    }
}

int model_param_is_matrix(size_t i) {
    return i == 0 || i == 1 || i == 4 || i == 6 || i == 10 || i == 12;
}

static attn_status init_limit(model *m, const model_config *c, const model_vocab *vocab,
                              size_t limit, bool zeroed, char *err, size_t err_len) {
    memset(m, 0, sizeof *m);
    attn_status s = model_config_check(c, NULL, err, err_len);
    if (s != ATTN_OK) return s;
    /* No vocabulary (NULL or 0 words): a model of token ids only, e.g. a
     * GPT-2 checkpoint, whose tokenizer is GPT-2's BPE, not a word list. */
    size_t n_words = vocab ? vocab->n : 0;
    if (n_words != 0 && n_words != c->n_vocab)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                    "the vocabulary has %zu words but the model expects %zu", n_words,
                    c->n_vocab);
    size_t sizes[MODEL_PARAM_TENSORS];
    size_t total = model_param_sizes(c, sizes);
    if (total > limit) {
        char count[48];
        if (total == SIZE_MAX) snprintf(count, sizeof count, "more than %zu", SIZE_MAX);
        else snprintf(count, sizeof count, "%zu", total);
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "%zu layers of d_model %zu with %zu words and a context of %zu would "
                          "have %s parameters, more than the limit of %zu: use fewer layers, a "
                          "smaller d_model or a smaller vocabulary",
                          c->n_layers, c->d_model, c->n_vocab, c->n_ctx, count,
                          limit);
    }
    /* total <= limit <= 2^30: the bytes fit a size_t */
    m->block = zeroed ? calloc(total, sizeof(float)) : malloc(total * sizeof(float));
    if (!m->block)
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for %zu parameters", total);
    if (n_words) s = model_vocab_init(&m->vocab, (const char *const *)vocab->words, n_words, err, err_len);
    if (s != ATTN_OK) {
        free(m->block);
        memset(m, 0, sizeof *m);
        return s;
    }
    m->config = *c;
    m->n_params = total;
    model_params_point(&m->params, c, m->block);
    return ATTN_OK;
}

attn_status model_init(model *m, const model_config *c, const model_vocab *vocab, char *err,
                       size_t err_len) {
    return init_limit(m, c, vocab, MODEL_PARAMS_MAX, true, err, err_len);
}

attn_status model_init_run_only(model *m, const model_config *c, const model_vocab *vocab,
                                char *err, size_t err_len) {
    return init_limit(m, c, vocab, MODEL_PARAMS_MAX_RUN, false, err, err_len);
}

void model_free(model *m) {
    if (!m) return;
    model_vocab_free(&m->vocab);
    free(m->block);
    memset(m, 0, sizeof *m);
}

/* A standard normal from two uniforms (Box & Muller 1958). u1 is moved off
 * zero so the log is finite. Double inside for accuracy; the result is
 * rounded once to float. */
static float normal(attn_rng *r) {
    double u1 = ((double)(attn_rng_next(r) >> 11) + 0.5) * 0x1p-53;
    double u2 = (double)(attn_rng_next(r) >> 11) * 0x1p-53;
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2));
}

static void fill_normal(float *p, size_t count, float std, uint64_t seed, uint64_t stream) {
    attn_rng r = attn_rng_stream(seed, stream);
    for (size_t i = 0; i < count; i++) p[i] = std * normal(&r);
}

static void fill(float *p, size_t count, float value) {
    for (size_t i = 0; i < count; i++) p[i] = value;
}

void model_init_gpt2(model *m, uint64_t seed) {
    size_t s[MODEL_PARAM_TENSORS];
    model_param_sizes(&m->config, s);
    model_params *p = &m->params;
    /* GPT-2 (Radford et al. 2019, §2.3) scales the weights of the residual
     * layers by 1/√N, N the number of residual layers (2 per block). */
    float resid_std = 0.02f / sqrtf(2.0f * (float)m->config.n_layers);
    fill_normal(p->wte, s[0], 0.02f, seed, 100);
    fill_normal(p->wpe, s[1], 0.01f, seed, 101);
    fill(p->ln1_w, s[2], 1.0f);
    fill(p->ln1_b, s[3], 0.0f);
    fill_normal(p->attn_w, s[4], 0.02f, seed, 104);
    fill(p->attn_b, s[5], 0.0f);
    fill_normal(p->proj_w, s[6], resid_std, seed, 106);
    fill(p->proj_b, s[7], 0.0f);
    fill(p->ln2_w, s[8], 1.0f);
    fill(p->ln2_b, s[9], 0.0f);
    fill_normal(p->fc_w, s[10], 0.02f, seed, 110);
    fill(p->fc_b, s[11], 0.0f);
    fill_normal(p->fcproj_w, s[12], resid_std, seed, 112);
    fill(p->fcproj_b, s[13], 0.0f);
    fill(p->lnf_w, s[14], 1.0f);
    fill(p->lnf_b, s[15], 0.0f);
}

void model_init_positions_sinusoid(model *m, float scale) {
    size_t n = m->config.n_ctx, d = m->config.d_model;
    attn_positional(m->params.wpe, n, d);
    for (size_t i = 0; i < n * d; i++) m->params.wpe[i] *= scale;
}

float model_largest_weight(const model *m) {
    float most = 0.0f;
    for (size_t i = 0; i < m->n_params; i++)
        if (fabsf(m->block[i]) > most) most = fabsf(m->block[i]);
    return most;
}
