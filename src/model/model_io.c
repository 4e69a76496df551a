/* Model files: safetensors with GPT-2's tensor names and layouts, sizes and
 * vocabulary in the metadata. Everything in a file is checked before the
 * model is built, so a bad file never half-loads:
 *   - metadata: attnviz.n_layers, n_heads, d_model, n_ctx, n_vocab (decimal
 *     strings) present and passing model_config_check; attnviz.vocab a JSON
 *     list of n_vocab strings that model_vocab_init accepts;
 *   - tensors: every one of GPT-2's present (the first missing is named),
 *     F32, with the shape the metadata implies; no others but GPT-2's
 *     attention-mask buffers h.N.attn.bias / h.N.attn.masked_bias, which
 *     are ignored; every value finite (the first NaN or Inf is named).
 * Other metadata keys are the caller's (model_save_meta / model_load_meta). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attnviz/model.h"
#include "attnviz/open_read.h"
#include "model_private.h"
#include "attnviz/safetensors.h"
#include "attnviz/tokenize.h"

#define MODEL_FILE_MAX ((size_t)2 << 30) /* 2 GiB */
#define NAME_CAP 48                      /* "h.47.attn.c_attn.weight" and the like */

/* The 16 tensors in model_params order: GPT-2 name (without "h.N." for
 * the per-layer ones), and the slot in model_params. */
static const struct {
    const char *name;
    int per_layer;
    size_t slot;
} TENSORS[MODEL_PARAM_TENSORS] = {
    {"wte.weight", 0, offsetof(model_params, wte)},
    {"wpe.weight", 0, offsetof(model_params, wpe)},
    {"ln_1.weight", 1, offsetof(model_params, ln1_w)},
    {"ln_1.bias", 1, offsetof(model_params, ln1_b)},
    {"attn.c_attn.weight", 1, offsetof(model_params, attn_w)},
    {"attn.c_attn.bias", 1, offsetof(model_params, attn_b)},
    {"attn.c_proj.weight", 1, offsetof(model_params, proj_w)},
    {"attn.c_proj.bias", 1, offsetof(model_params, proj_b)},
    {"ln_2.weight", 1, offsetof(model_params, ln2_w)},
    {"ln_2.bias", 1, offsetof(model_params, ln2_b)},
    {"mlp.c_fc.weight", 1, offsetof(model_params, fc_w)},
    {"mlp.c_fc.bias", 1, offsetof(model_params, fc_b)},
    {"mlp.c_proj.weight", 1, offsetof(model_params, fcproj_w)},
    {"mlp.c_proj.bias", 1, offsetof(model_params, fcproj_b)},
    {"ln_f.weight", 0, offsetof(model_params, lnf_w)},
    {"ln_f.bias", 0, offsetof(model_params, lnf_b)},
};

/* The metadata keys this file owns; every other key is the caller's. */
static const char *const KEY_N_LAYERS = "attnviz.n_layers", *const KEY_N_HEADS = "attnviz.n_heads",
                  *const KEY_D_MODEL = "attnviz.d_model", *const KEY_N_CTX = "attnviz.n_ctx",
                  *const KEY_N_VOCAB = "attnviz.n_vocab", *const KEY_VOCAB = "attnviz.vocab",
                  *const KEY_FORMAT = "format";

static int reserved_key(const char *k) {
    const char *const keys[] = {KEY_N_LAYERS, KEY_N_HEADS, KEY_D_MODEL, KEY_N_CTX,
                                KEY_N_VOCAB,  KEY_VOCAB,   KEY_FORMAT};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(k, keys[i]) == 0) return 1;
    return 0;
}

static float *slot(const model_params *p, size_t i) {
    return *(float *const *)((const char *)p + TENSORS[i].slot);
}

float *model_tensor_slot(const model_params *p, size_t i) { return slot(p, i); }
const char *model_tensor_name(size_t i) { return TENSORS[i].name; }
int model_tensor_per_layer(size_t i) { return TENSORS[i].per_layer; }

/* GPT-2's shape of tensor i (one layer's part of the stacked ones). */
size_t model_tensor_shape(const model_config *c, size_t i, size_t shape[2]) {
    size_t d = c->d_model;
    switch (i) {
    case 0: shape[0] = c->n_vocab, shape[1] = d; return 2;
    case 1: shape[0] = c->n_ctx, shape[1] = d; return 2;
    case 4: shape[0] = d, shape[1] = 3 * d; return 2;
    case 5: shape[0] = 3 * d; return 1;
    case 6: shape[0] = d, shape[1] = d; return 2;
    case 10: shape[0] = d, shape[1] = 4 * d; return 2;
    case 11: shape[0] = 4 * d; return 1;
    case 12: shape[0] = 4 * d, shape[1] = d; return 2;
    default: shape[0] = d; return 1;
    }
}

static size_t shape_count(const size_t *shape, size_t n_dims) {
    size_t n = 1;
    for (size_t i = 0; i < n_dims; i++) n *= shape[i];
    return n;
}

static void tensor_name(char out[NAME_CAP], size_t i, size_t layer) {
    if (TENSORS[i].per_layer) snprintf(out, NAME_CAP, "h.%zu.%s", layer, TENSORS[i].name);
    else snprintf(out, NAME_CAP, "%s", TENSORS[i].name);
}

/* The first NaN or Inf of p[0..n) as a message tail, or 0 if all finite. */
static int first_nonfinite(const float *p, size_t n, const size_t *shape, size_t n_dims,
                           char *out, size_t out_len) {
    for (size_t k = 0; k < n; k++) {
        if (isfinite(p[k])) continue;
        const char *what = isnan(p[k]) ? "NaN" : p[k] > 0 ? "+Inf" : "-Inf";
        if (n_dims == 2)
            snprintf(out, out_len, "%s at index %zu (row %zu, column %zu)", what, k,
                     k / shape[1], k % shape[1]);
        else snprintf(out, out_len, "%s at index %zu", what, k);
        return 1;
    }
    return 0;
}

/* How many bytes of s to show in a message: at most max, not cutting a
 * UTF-8 sequence in two. */
static int shown(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n <= max) return (int)n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return (int)max;
}

/* ---- saving ------------------------------------------------------------ */

/* The 4 + 12·L tensors of m in GPT-2's names and layout, pointing into its
 * parameters (names[k] holds tensor k's name). Refuses a NaN or Inf, naming
 * the tensor, since the file could not be read back. */
static attn_status fill_tensors(const model *m, const char *path, model_st_tensor *t,
                                char (*names)[NAME_CAP], char *err, size_t err_len) {
    const model_config *c = &m->config;
    char msg[160];
    /* Tensors in GPT-2's order (the writer sorts them by name anyway). */
    size_t k = 0;
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++) {
        size_t layers = TENSORS[i].per_layer ? c->n_layers : 1;
        for (size_t l = 0; l < layers; l++, k++) {
            tensor_name(names[k], i, l);
            t[k].name = names[k];
            t[k].dtype = MODEL_ST_F32;
            t[k].n_dims = model_tensor_shape(c, i, t[k].shape);
            size_t count = shape_count(t[k].shape, t[k].n_dims);
            const float *data = slot(&m->params, i) + l * count;
            t[k].data = data;
            /* A file written here is one the loaders read. */
            if (first_nonfinite(data, count, t[k].shape, t[k].n_dims, msg, sizeof msg))
                return model_fail(ATTN_ERR_INPUT, err, err_len,
                                  "%s: not saved: tensor \"%s\" has %s: the parameters diverged",
                                  path, names[k], msg);
        }
    }
    return ATTN_OK;
}

attn_status model_save_gpt2(const model *m, const char *path, char *err, size_t err_len) {
    const model_config *c = &m->config;
    char msg[512];
    if (!path) return model_fail(ATTN_ERR_INPUT, err, err_len, "no path to save the model to");
    if (model_config_check(c, NULL, msg, sizeof msg) != ATTN_OK || !m->block)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "%s: not saved: the model has no parameters or invalid sizes", path);
    size_t n_tensors = 4 + 12 * c->n_layers;
    model_st_tensor *t = calloc(n_tensors, sizeof *t);
    char(*names)[NAME_CAP] = calloc(n_tensors, NAME_CAP);
    attn_status st;
    if (!t || !names) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: not saved: out of memory", path);
    } else {
        const model_st_meta meta[1] = {{KEY_FORMAT, "pt"}};
        st = fill_tensors(m, path, t, names, err, err_len);
        if (st == ATTN_OK) st = model_st_save(path, t, n_tensors, meta, 1, err, err_len);
    }
    free(names);
    free(t);
    return st;
}

attn_status model_save(const model *m, const char *path, char *err, size_t err_len) {
    return model_save_meta(m, path, NULL, NULL, 0, err, err_len);
}

attn_status model_save_meta(const model *m, const char *path, const char *const *keys,
                            const char *const *values, size_t n_extra, char *err,
                            size_t err_len) {
    const model_config *c = &m->config;
    char msg[512];
    if (!path) return model_fail(ATTN_ERR_INPUT, err, err_len, "no path to save the model to");
    if (model_config_check(c, NULL, msg, sizeof msg) != ATTN_OK)
        return model_fail(ATTN_ERR_CONFIG, err, err_len, "%s: not saved: the model's sizes: %s", path,
                    msg);
    if (m->block && m->vocab.n == 0)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "%s: not saved: the model has no word vocabulary (token ids only, e.g. "
                          "a GPT-2 checkpoint): attnviz's model files carry one",
                          path);
    if (!m->block || m->vocab.n != c->n_vocab)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                    "%s: not saved: the model has no parameters or a vocabulary of %zu words "
                    "for n_vocab %zu",
                    path, m->vocab.n, c->n_vocab);
    for (size_t i = 0; i < n_extra; i++) {
        if (!keys || !values || !keys[i] || !values[i])
            return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: not saved: extra metadata %zu is NULL",
                        path, i);
        if (reserved_key(keys[i]))
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: not saved: metadata key \"%s\" is the model's own: pick another "
                        "name",
                        path, keys[i]);
    }

    size_t L = c->n_layers, n_tensors = 4 + 12 * L;
    model_st_tensor *t = calloc(n_tensors, sizeof *t);
    char(*names)[NAME_CAP] = calloc(n_tensors, NAME_CAP);
    model_st_meta *meta = calloc(7 + n_extra, sizeof *meta);
    json_t *vocab = json_array();
    char *vocab_text = NULL;
    char nums[5][24];
    attn_status st = ATTN_OK;
    if (!t || !names || !meta || !vocab) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: not saved: out of memory", path);
        goto done;
    }

    st = fill_tensors(m, path, t, names, err, err_len);
    if (st != ATTN_OK) goto done;

    for (size_t w = 0; w < m->vocab.n; w++) {
        json_t *s = json_string(m->vocab.words[w]);
        if (!s || json_array_append_new(vocab, s) != 0) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                      "%s: not saved: vocabulary word %zu is not valid UTF-8", path, w);
            goto done;
        }
    }
    vocab_text = json_dumps(vocab, JSON_COMPACT);
    if (!vocab_text) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: not saved: out of memory", path);
        goto done;
    }
    const size_t sizes[5] = {c->n_layers, c->n_heads, c->d_model, c->n_ctx, c->n_vocab};
    const char *const size_keys[5] = {KEY_N_LAYERS, KEY_N_HEADS, KEY_D_MODEL, KEY_N_CTX,
                                      KEY_N_VOCAB};
    size_t n_meta = 0;
    meta[n_meta++] = (model_st_meta){KEY_FORMAT, "pt"};
    for (int i = 0; i < 5; i++) {
        snprintf(nums[i], sizeof nums[i], "%zu", sizes[i]);
        meta[n_meta++] = (model_st_meta){size_keys[i], nums[i]};
    }
    meta[n_meta++] = (model_st_meta){KEY_VOCAB, vocab_text};
    for (size_t i = 0; i < n_extra; i++) meta[n_meta++] = (model_st_meta){keys[i], values[i]};
    st = model_st_save(path, t, n_tensors, meta, n_meta, err, err_len);

done:
    free(vocab_text);
    json_decref(vocab);
    free(meta);
    free(names);
    free(t);
    return st;
}

/* ---- loading ------------------------------------------------------------ */

/* A metadata size: decimal digits only, no sign or spaces, no overflow. */
static attn_status meta_size(const model_st_file *f, const char *key, const char *file,
                             size_t *out, char *err, size_t err_len) {
    const char *s = model_st_meta_get(f, key);
    if (!s)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: metadata \"%s\" is missing: not an attnviz model file (attnviz train "
                    "writes one)",
                    file, key);
    size_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (SIZE_MAX - 9) / 10) break;
        v = v * 10 + (size_t)(*p - '0');
    }
    if (p == s || *p)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: metadata \"%s\" is \"%.*s\", not a whole number in decimal", file, key,
                    shown(s, 40), s);
    *out = v;
    return ATTN_OK;
}

/* For "h.N<rest>" with N < L written as model_save would write it (no
 * leading zero), <rest>; else NULL. */
static const char *after_layer(const char *name, size_t L) {
    if (strncmp(name, "h.", 2) != 0) return NULL;
    const char *p = name + 2;
    if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9')) return NULL;
    size_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (size_t)(*p - '0');
        if (n >= L) return NULL;
    }
    return p;
}

/* "h.N.attn.bias" / "h.N.attn.masked_bias" with N < L: GPT-2's causal-mask
 * buffers, not parameters. */
static int ignored_buffer(const char *name, size_t L) {
    const char *p = after_layer(name, L);
    return p && (strcmp(p, ".attn.bias") == 0 || strcmp(p, ".attn.masked_bias") == 0);
}

/* Whether name is one of the tensors a model of L layers has. */
static int expected_tensor(const char *name, size_t L) {
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++) {
        if (TENSORS[i].per_layer) continue;
        if (strcmp(name, TENSORS[i].name) == 0) return 1;
    }
    const char *p = after_layer(name, L);
    if (!p || *p++ != '.') return 0;
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++)
        if (TENSORS[i].per_layer && strcmp(p, TENSORS[i].name) == 0) return 1;
    return 0;
}

static void shape_text(char *out, size_t cap, const size_t *shape, size_t n_dims) {
    size_t o = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < n_dims && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%zu", i ? ", " : "", shape[i]);
    if (o < cap) snprintf(out + o, cap - o, "]");
}

static attn_status read_vocab(const model_st_file *f, size_t n_vocab, const char *file,
                              model_vocab *v, char *err, size_t err_len) {
    const char *text = model_st_meta_get(f, KEY_VOCAB);
    if (!text)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: metadata \"%s\" is missing: the model needs its vocabulary", file,
                    KEY_VOCAB);
    json_error_t jerr;
    json_t *list = json_loads(text, 0, &jerr);
    if (!list)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: metadata \"%s\" is not valid JSON: column %d: %s", file, KEY_VOCAB,
                    jerr.column, jerr.text);
    attn_status st = ATTN_OK;
    const char **words = NULL;
    if (!json_is_array(list)) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                  "%s: metadata \"%s\" is not a JSON list of words", file, KEY_VOCAB);
        goto done;
    }
    size_t n = json_array_size(list);
    if (n != n_vocab) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                  "%s: metadata \"%s\" lists %zu words but \"%s\" says %zu", file, KEY_VOCAB, n,
                  KEY_N_VOCAB, n_vocab);
        goto done;
    }
    words = malloc((n ? n : 1) * sizeof *words);
    if (!words) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory for %zu words", file, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *w = json_array_get(list, i);
        if (!json_is_string(w)) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                      "%s: metadata \"%s\": word %zu is not a string", file, KEY_VOCAB, i);
            goto done;
        }
        words[i] = json_string_value(w);
    }
    char msg[512];
    st = model_vocab_init(v, words, n, msg, sizeof msg);
    if (st != ATTN_OK) model_fail(st, err, err_len, "%s: metadata \"%s\": %s", file, KEY_VOCAB, msg);
done:
    free(words);
    json_decref(list);
    return st;
}

/* The caller's metadata: every key but the model's own. */
static attn_status copy_extra(const model_st_file *f, model_meta *meta, const char *file,
                              char *err, size_t err_len) {
    size_t n = 0, chars = 0;
    for (size_t i = 0; i < f->n_meta; i++) {
        if (reserved_key(f->meta[i].key)) continue;
        n++;
        chars += strlen(f->meta[i].key) + strlen(f->meta[i].value) + 2;
    }
    if (!n) return ATTN_OK;
    meta->keys = calloc(n, sizeof *meta->keys);
    meta->values = calloc(n, sizeof *meta->values);
    meta->storage = malloc(chars);
    if (!meta->keys || !meta->values || !meta->storage) {
        model_meta_free(meta);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory for the metadata", file);
    }
    char *p = meta->storage;
    for (size_t i = 0; i < f->n_meta; i++) {
        if (reserved_key(f->meta[i].key)) continue;
        size_t kl = strlen(f->meta[i].key) + 1, vl = strlen(f->meta[i].value) + 1;
        meta->keys[meta->n] = memcpy(p, f->meta[i].key, kl);
        p += kl;
        meta->values[meta->n] = memcpy(p, f->meta[i].value, vl);
        p += vl;
        meta->n++;
    }
    return ATTN_OK;
}

attn_status model_load_bytes(model *m, const uint8_t *bytes, size_t len, const char *name,
                             char *err, size_t err_len) {
    return model_load_bytes_meta(m, bytes, len, name, NULL, err, err_len);
}

attn_status model_load_bytes_meta(model *m, const uint8_t *bytes, size_t len, const char *name,
                                  model_meta *meta, char *err, size_t err_len) {
    memset(m, 0, sizeof *m);
    if (meta) memset(meta, 0, sizeof *meta);
    if (err && err_len) err[0] = '\0';
    const char *file = name ? name : "model";
    model_st_file f;
    attn_status st = model_st_parse(&f, bytes, len, file, err, err_len);
    if (st != ATTN_OK) return st;

    model_config c;
    model_vocab vocab = {0};
    char msg[512], got[200], want[200];
    const char *const size_keys[5] = {KEY_N_LAYERS, KEY_N_HEADS, KEY_D_MODEL, KEY_N_CTX,
                                      KEY_N_VOCAB};
    size_t *const size_slots[5] = {&c.n_layers, &c.n_heads, &c.d_model, &c.n_ctx, &c.n_vocab};
    for (int i = 0; i < 5; i++) {
        st = meta_size(&f, size_keys[i], file, size_slots[i], err, err_len);
        if (st != ATTN_OK) goto fail;
    }
    if (model_config_check(&c, NULL, msg, sizeof msg) != ATTN_OK) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                  "%s: the sizes in the metadata are not a valid model: %s", file, msg);
        goto fail;
    }
    st = read_vocab(&f, c.n_vocab, file, &vocab, err, err_len);
    if (st != ATTN_OK) goto fail;

    /* Every tensor present, F32, shaped as the metadata says; the first
     * missing one in GPT-2's order is named. */
    size_t L = c.n_layers;
    for (size_t part = 0; part < 3; part++) {
        /* GPT-2's file order: wte, wpe; then layer by layer; then ln_f. */
        size_t from = part == 0 ? 0 : part == 1 ? 2 : 14, to = part == 0 ? 2 : part == 1 ? 14 : 16;
        size_t layers = part == 1 ? L : 1;
        for (size_t l = 0; l < layers; l++) {
            for (size_t i = from; i < to; i++) {
                char tname[NAME_CAP];
                tensor_name(tname, i, l);
                const model_st_tensor *t = model_st_find(&f, tname);
                if (!t) {
                    st = model_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s: tensor \"%s\" is missing (a model of %zu layers has %zu "
                              "tensors)",
                              file, tname, L, 4 + 12 * L);
                    goto fail;
                }
                if (t->dtype != MODEL_ST_F32) {
                    st = model_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s: tensor \"%s\" is %s: only F32 tensors are read", file, tname,
                              model_st_dtype_name(t->dtype));
                    goto fail;
                }
                size_t shape[2];
                size_t n_dims = model_tensor_shape(&c, i, shape);
                int same = t->n_dims == n_dims;
                for (size_t d = 0; same && d < n_dims; d++) same = t->shape[d] == shape[d];
                if (!same) {
                    shape_text(got, sizeof got, t->shape, t->n_dims);
                    shape_text(want, sizeof want, shape, n_dims);
                    st = model_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s: tensor \"%s\" has shape %s, expected %s from the metadata "
                              "(d_model %zu, n_ctx %zu, n_vocab %zu)",
                              file, tname, got, want, c.d_model, c.n_ctx, c.n_vocab);
                    goto fail;
                }
            }
        }
    }
    /* No others: name up to three unknown ones. */
    size_t n_unknown = 0;
    size_t o = 0;
    char list[400];
    list[0] = '\0';
    for (size_t k = 0; k < f.n_tensors; k++) {
        const char *tn = f.tensors[k].name;
        if (expected_tensor(tn, L) || ignored_buffer(tn, L)) continue;
        if (n_unknown < 3 && o < sizeof list)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%.*s\"", n_unknown ? ", " : "",
                                  shown(tn, 80), tn);
        n_unknown++;
    }
    if (n_unknown) {
        if (n_unknown > 3 && o < sizeof list)
            snprintf(list + o, sizeof list - o, " and %zu more", n_unknown - 3);
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                  "%s: unknown tensor%s %s: a model file holds only GPT-2's tensors for %zu "
                  "layers (wte.weight, wpe.weight, h.N.*, ln_f.*)",
                  file, n_unknown > 1 ? "s" : "", list, L);
        goto fail;
    }

    st = model_init(m, &c, &vocab, msg, sizeof msg);
    if (st != ATTN_OK) {
        model_fail(st, err, err_len, "%s: %s", file, msg);
        goto fail;
    }
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++) {
        size_t layers = TENSORS[i].per_layer ? L : 1;
        for (size_t l = 0; l < layers; l++) {
            char tname[NAME_CAP];
            tensor_name(tname, i, l);
            const model_st_tensor *t = model_st_find(&f, tname);
            float *dst = slot(&m->params, i) + l * t->n_elements;
            memcpy(dst, t->data, t->nbytes); /* the file's bytes may be unaligned */
            if (first_nonfinite(dst, t->n_elements, t->shape, t->n_dims, msg, sizeof msg)) {
                st = model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s: tensor \"%s\" has %s: the file holds a diverged or corrupt model",
                          file, tname, msg);
                goto fail;
            }
        }
    }
    if (meta) {
        st = copy_extra(&f, meta, file, err, err_len);
        if (st != ATTN_OK) goto fail;
    }
    model_vocab_free(&vocab);
    model_st_free(&f);
    return ATTN_OK;

fail:
    model_vocab_free(&vocab);
    model_st_free(&f);
    model_free(m);
    memset(m, 0, sizeof *m);
    if (meta) model_meta_free(meta);
    return st;
}

attn_status model_load(model *m, const char *path, char *err, size_t err_len) {
    return model_load_meta(m, path, NULL, err, err_len);
}

attn_status model_load_meta(model *m, const char *path, model_meta *meta, char *err,
                            size_t err_len) {
    memset(m, 0, sizeof *m);
    if (meta) memset(meta, 0, sizeof *meta);
    if (!path) return model_fail(ATTN_ERR_INPUT, err, err_len, "no model file given");
    const char *kind;
    FILE *fp = attn_open_read(path, &kind);
    if (!fp && kind)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s is not a regular file (%s): give a model file", path, kind);
    if (!fp) return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: cannot read: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0) {
        attn_status st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: cannot read: %s", path,
                              strerror(errno));
        fclose(fp);
        return st;
    }
    if ((unsigned long long)sb.st_size > MODEL_FILE_MAX) {
        fclose(fp);
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                    "%s: the file is %lld bytes; model files over 2 GiB (%zu bytes) are not read",
                    path, (long long)sb.st_size, MODEL_FILE_MAX);
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes) {
        fclose(fp);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory reading %zu bytes", path,
                    size);
    }
    errno = 0;
    size_t got = fread(bytes, 1, size, fp);
    int failed = ferror(fp), saved = errno;
    fclose(fp);
    if (failed || got != size) {
        free(bytes);
        return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: cannot read: %s", path,
                    failed && saved ? strerror(saved) : "the file changed while being read");
    }
    attn_status st = model_load_bytes_meta(m, bytes, size, path, meta, err, err_len);
    free(bytes);
    return st;
}

/* ---- the caller's metadata ------------------------------------------------ */

const char *model_meta_get(const model_meta *meta, const char *key) {
    for (size_t i = 0; i < meta->n; i++)
        if (strcmp(meta->keys[i], key) == 0) return meta->values[i];
    return NULL;
}

void model_meta_free(model_meta *meta) {
    if (!meta) return;
    free(meta->keys);
    free(meta->values);
    free(meta->storage);
    memset(meta, 0, sizeof *meta);
}

float model_largest_tensor(const model *m, char *name, size_t name_len) {
    float most = -1.0f;
    size_t best = 0, best_layer = 0;
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++) {
        size_t shape[2], dims = model_tensor_shape(&m->config, i, shape), count = shape_count(shape, dims);
        size_t layers = TENSORS[i].per_layer ? m->config.n_layers : 1;
        const float *p = slot(&m->params, i);
        for (size_t l = 0; l < layers; l++)
            for (size_t k = 0; k < count; k++)
                if (fabsf(p[l * count + k]) > most) {
                    most = fabsf(p[l * count + k]);
                    best = i, best_layer = l;
                }
    }
    char full[NAME_CAP];
    tensor_name(full, best, best_layer);
    if (name && name_len) snprintf(name, name_len, "%s", full);
    return most < 0.0f ? 0.0f : most;
}
