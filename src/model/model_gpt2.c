/* Reading Hugging Face GPT-2 checkpoints (gpt2.h) into the model of
 * model.h. Everything in the file is checked before a parameter is kept,
 * so a bad file never half-loads; each message is one line naming the file
 * and the tensor. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* madvise's MADV_DONTNEED (Linux, the BSDs) */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h> /* sysconf */

#include "attnviz/gpt2.h"
#include "attnviz/open_read.h"
#include "model_private.h"

#define NAME_CAP 64
#define PREFIX "transformer."
#define PREFIX_LEN 12
#define CONFIG_MAX ((size_t)1 << 20) /* bytes of config.json read */

static void full_name(char out[NAME_CAP], int prefixed, size_t i, size_t layer) {
    const char *pre = prefixed ? PREFIX : "";
    if (model_tensor_per_layer(i)) snprintf(out, NAME_CAP, "%sh.%zu.%s", pre, layer, model_tensor_name(i));
    else snprintf(out, NAME_CAP, "%s%s", pre, model_tensor_name(i));
}

static void shape_text(char *out, size_t cap, const size_t *shape, size_t n_dims) {
    size_t o = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < n_dims && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%zu", i ? ", " : "", shape[i]);
    if (o < cap) snprintf(out + o, cap - o, "]");
}

/* How many bytes of s to show in a message: at most max, not cutting a
 * UTF-8 sequence in two. */
static int shown(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n <= max) return (int)n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return (int)max;
}

size_t model_gpt2_family_heads(size_t d_model) {
    switch (d_model) {
    case 768: return 12;  /* gpt2, distilgpt2 */
    case 1024: return 16; /* gpt2-medium */
    case 1280: return 20; /* gpt2-large */
    case 1600: return 25; /* gpt2-xl */
    default: return 0;
    }
}

const char *model_gpt2_heads_from_name(model_gpt2_heads_from f) {
    switch (f) {
    case MODEL_GPT2_HEADS_CONFIG: return "config.json";
    case MODEL_GPT2_HEADS_FAMILY: return "the GPT-2 family size for this d_model";
    default: return "given";
    }
}

/* ---- names -------------------------------------------------------------- */

enum kind { K_PARAM, K_BUFFER, K_LM_HEAD, K_UNKNOWN };

/* What the name (prefix removed) is: K_PARAM with *i (model_params order)
 * and *layer, a causal-mask buffer, lm_head, or unknown. A layer number is
 * decimal with no leading zero; past 999999 it is unknown. */
static enum kind classify(const char *name, size_t *i, size_t *layer) {
    *layer = 0;
    if (strcmp(name, "lm_head.weight") == 0) return K_LM_HEAD;
    for (size_t k = 0; k < MODEL_PARAM_TENSORS; k++)
        if (!model_tensor_per_layer(k) && strcmp(name, model_tensor_name(k)) == 0) {
            *i = k;
            return K_PARAM;
        }
    if (strncmp(name, "h.", 2) != 0) return K_UNKNOWN;
    const char *p = name + 2;
    if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9')) return K_UNKNOWN;
    size_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (size_t)(*p - '0');
        if (n > 999999) return K_UNKNOWN;
    }
    if (*p++ != '.') return K_UNKNOWN;
    *layer = n;
    if (strcmp(p, "attn.bias") == 0 || strcmp(p, "attn.masked_bias") == 0) return K_BUFFER;
    for (size_t k = 2; k <= 13; k++)
        if (strcmp(p, model_tensor_name(k)) == 0) {
            *i = k;
            return K_PARAM;
        }
    return K_UNKNOWN;
}

/* ---- values ------------------------------------------------------------- */

/* IEEE half to float: sign, 5 exponent bits (bias 15), 10 mantissa bits. */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (e == 0) { /* zero or subnormal: man · 2^-24 */
        float v = ldexpf((float)man, -24);
        return sign ? -v : v;
    }
    if (e == 31) bits = sign | 0x7f800000u | (man << 13); /* Inf, NaN */
    else bits = sign | ((e + 112u) << 23) | (man << 13);  /* rebias 15 → 127 */
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* bfloat16 is the top half of a float. */
static float bf16_to_float(uint16_t b) {
    uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static int readable_dtype(model_st_dtype t) {
    return t == MODEL_ST_F32 || t == MODEL_ST_F16 || t == MODEL_ST_BF16;
}

/* dst[0..n) from the tensor's bytes (maybe unaligned: memcpy). */
static void convert(float *dst, const model_st_tensor *t) {
    const uint8_t *src = t->data;
    size_t n = t->n_elements;
    if (t->dtype == MODEL_ST_F32) {
        memcpy(dst, src, n * sizeof(float));
        return;
    }
    for (size_t k = 0; k < n; k++) {
        uint16_t v;
        memcpy(&v, src + 2 * k, 2);
        dst[k] = t->dtype == MODEL_ST_F16 ? half_to_float(v) : bf16_to_float(v);
    }
}

/* Gives back the pages of a memory-mapped tensor once converted: they are
 * the file's, read again if touched, so the peak stays near the model's
 * floats instead of floats plus file. */
static void release_pages(const model_st_tensor *t) {
#ifdef MADV_DONTNEED
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return;
    uintptr_t a = (uintptr_t)t->data, b = a + t->nbytes, P = (uintptr_t)page;
    uintptr_t from = (a + P - 1) / P * P, to = b / P * P;
    if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
#else
    (void)t;
#endif
}

/* ---- loading ------------------------------------------------------------ */

static attn_status load(model *m, const uint8_t *bytes, size_t len, const char *file,
                        size_t n_heads, model_gpt2_heads_from heads_from, int mapped,
                        model_gpt2_info *info, char *err, size_t err_len) {
    /* m NULL: every name, shape and dtype checked, no value read (a peek) */
    if (m) memset(m, 0, sizeof *m);
    model_st_file f;
    attn_status st = model_st_parse(&f, bytes, len, file, err, err_len);
    if (st != ATTN_OK) return st;
    char tname[NAME_CAP], got[120], want[120];

    // which key style: "wte.weight" or "transformer.wte.weight"
    int prefixed = 0;
    if (!model_st_find(&f, "wte.weight")) {
        if (model_st_find(&f, PREFIX "wte.weight")) prefixed = 1;
        else {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "%s: tensor \"wte.weight\" is missing: not a GPT-2 checkpoint (its "
                            "tensors are wte.weight, wpe.weight, h.N.*, ln_f.*)",
                            file);
            goto fail;
        }
    }

    // every tensor known; the layers counted from the names
    size_t L = 0, buffers = 0, n_unknown = 0, o = 0;
    const model_st_tensor *lm_head = NULL;
    char list[300] = "";
    for (size_t k = 0; k < f.n_tensors; k++) {
        const char *tn = f.tensors[k].name, *bare = tn;
        size_t i = 0, layer = 0;
        enum kind kind = K_UNKNOWN;
        if (prefixed && strncmp(tn, PREFIX, PREFIX_LEN) == 0) bare = tn + PREFIX_LEN;
        if (!prefixed || bare != tn || strcmp(tn, "lm_head.weight") == 0)
            kind = classify(bare, &i, &layer);
        if (kind == K_BUFFER) buffers++;
        if (kind == K_LM_HEAD) lm_head = &f.tensors[k];
        int in_layer = (kind == K_PARAM && model_tensor_per_layer(i)) || kind == K_BUFFER;
        if (in_layer && layer >= MODEL_LAYERS_MAX) {
            st = model_fail(ATTN_ERR_LIMIT, err, err_len,
                            "%s: tensor \"%.*s\" is in layer %zu: attnviz reads models of at "
                            "most %d layers",
                            file, shown(tn, 80), tn, layer, MODEL_LAYERS_MAX);
            goto fail;
        }
        if (in_layer && layer + 1 > L) L = layer + 1;
        if (kind != K_UNKNOWN) continue;
        if (n_unknown < 3 && o < sizeof list)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%.*s\"", n_unknown ? ", " : "",
                                  shown(tn, 60), tn);
        n_unknown++;
    }
    if (n_unknown) {
        if (n_unknown > 3 && o < sizeof list)
            snprintf(list + o, sizeof list - o, " and %zu more", n_unknown - 3);
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: unknown tensor%s %s: a GPT-2 checkpoint holds only %swte.weight, "
                        "wpe.weight, h.N.* and ln_f.*",
                        file, n_unknown > 1 ? "s" : "", list, prefixed ? "transformer." : "");
        goto fail;
    }

    // sizes from wte (vocab, d) and wpe (n_ctx, d)
    const model_st_tensor *wte = model_st_find(&f, prefixed ? PREFIX "wte.weight" : "wte.weight");
    full_name(tname, prefixed, 1, 0);
    const model_st_tensor *wpe = model_st_find(&f, tname);
    if (wte->n_dims != 2 || wte->shape[0] < 1 || wte->shape[1] < 1) {
        shape_text(got, sizeof got, wte->shape, wte->n_dims);
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: tensor \"%s\" has shape %s, expected [vocabulary, d_model]", file,
                        wte->name, got);
        goto fail;
    }
    model_config c = {.n_layers = L, .d_model = wte->shape[1], .n_vocab = wte->shape[0]};
    if (!wpe) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: tensor \"%s\" is missing", file, tname);
        goto fail;
    }
    if (wpe->n_dims != 2 || wpe->shape[1] != c.d_model) {
        shape_text(got, sizeof got, wpe->shape, wpe->n_dims);
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: tensor \"%s\" has shape %s, expected [context, %zu] (d_model %zu "
                        "from wte.weight)",
                        file, tname, got, c.d_model, c.d_model);
        goto fail;
    }
    c.n_ctx = wpe->shape[0];
    if (c.n_vocab > MODEL_VOCAB_MAX) {
        st = model_fail(ATTN_ERR_LIMIT, err, err_len,
                        "%s: tensor \"%s\" has %zu rows: a vocabulary of %zu is over attnviz's "
                        "limit of %d",
                        file, wte->name, c.n_vocab, c.n_vocab, MODEL_VOCAB_MAX);
        goto fail;
    }
    if (c.n_ctx > MODEL_CTX_MAX) {
        st = model_fail(ATTN_ERR_LIMIT, err, err_len,
                        "%s: tensor \"%s\" has %zu rows: a context of %zu is over attnviz's "
                        "limit of %d",
                        file, tname, c.n_ctx, c.n_ctx, MODEL_CTX_MAX);
        goto fail;
    }
    if (L == 0) {
        full_name(tname, prefixed, 2, 0);
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: tensor \"%s\" is missing: the file has no layers", file, tname);
        goto fail;
    }
    if (n_heads == 0) {
        n_heads = model_gpt2_family_heads(c.d_model);
        heads_from = MODEL_GPT2_HEADS_FAMILY;
        if (n_heads == 0) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "%s: d_model %zu (from wte.weight) is not a GPT-2 family size (768, "
                            "1024, 1280, 1600), so the number of heads is unknown: put the "
                            "model's config.json (with \"n_head\") beside the file",
                            file, c.d_model);
            goto fail;
        }
    }
    c.n_heads = n_heads;
    char msg[256];
    if (model_config_check(&c, NULL, msg, sizeof msg) != ATTN_OK) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: the sizes from the tensors (%zu heads "
                        "from %s): %s", file, n_heads, model_gpt2_heads_from_name(heads_from), msg);
        goto fail;
    }
    size_t sizes[MODEL_PARAM_TENSORS], total = model_param_sizes(&c, sizes);
    if (total > MODEL_PARAMS_MAX_RUN) {
        st = model_fail(ATTN_ERR_LIMIT, err, err_len,
                        "%s: %zu layers of d_model %zu have %zu parameters, more than attnviz's "
                        "limit of %zu (%s)",
                        file, L, c.d_model, total, MODEL_PARAMS_MAX_RUN, MODEL_PARAMS_MAX_GPT2);
        goto fail;
    }

    // every tensor present, readable and GPT-2-shaped, in the file's order
    for (size_t part = 0; part < 3; part++) {
        size_t from = part == 0 ? 0 : part == 1 ? 2 : 14, to = part == 0 ? 2 : part == 1 ? 14 : 16;
        for (size_t l = 0; l < (part == 1 ? L : 1); l++)
            for (size_t i = from; i < to; i++) {
                full_name(tname, prefixed, i, l);
                const model_st_tensor *t = model_st_find(&f, tname);
                if (!t) {
                    st = model_fail(ATTN_ERR_INPUT, err, err_len,
                                    "%s: tensor \"%s\" is missing (a GPT-2 of %zu layers has "
                                    "%zu tensors)",
                                    file, tname, L, 4 + 12 * L);
                    goto fail;
                }
                if (!readable_dtype(t->dtype)) {
                    st = model_fail(ATTN_ERR_INPUT, err, err_len,
                                    "%s: tensor \"%s\" is %s: only F32, F16 and BF16 tensors "
                                    "are read",
                                    file, tname, model_st_dtype_name(t->dtype));
                    goto fail;
                }
                size_t shape[2], n_dims = model_tensor_shape(&c, i, shape);
                int same = t->n_dims == n_dims;
                for (size_t d = 0; same && d < n_dims; d++) same = t->shape[d] == shape[d];
                if (!same) {
                    shape_text(got, sizeof got, t->shape, t->n_dims);
                    shape_text(want, sizeof want, shape, n_dims);
                    st = model_fail(ATTN_ERR_INPUT, err, err_len,
                                    "%s: tensor \"%s\" has shape %s, expected %s (d_model %zu "
                                    "from wte.weight)",
                                    file, tname, got, want, c.d_model);
                    goto fail;
                }
            }
    }
    if (lm_head && (lm_head->dtype != wte->dtype || lm_head->nbytes != wte->nbytes ||
                    memcmp(lm_head->data, wte->data, wte->nbytes) != 0)) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: tensor \"lm_head.weight\" is not a copy of wte.weight: attnviz "
                        "reads GPT-2 with the unembedding tied to wte",
                        file);
        goto fail;
    }
    if (!m) {
        if (info)
            *info = (model_gpt2_info){.config = c, .heads_from = heads_from, .dtype = wte->dtype,
                                      .prefixed = prefixed, .buffers_skipped = buffers,
                                      .file_bytes = len};
        model_st_free(&f);
        return ATTN_OK;
    }

    st = model_init_run_only(m, &c, NULL, msg, sizeof msg);
    if (st != ATTN_OK) {
        model_fail(st, err, err_len, "%s: %s", file, msg);
        goto fail;
    }
    for (size_t i = 0; i < MODEL_PARAM_TENSORS; i++)
        for (size_t l = 0; l < (model_tensor_per_layer(i) ? L : 1); l++) {
            full_name(tname, prefixed, i, l);
            const model_st_tensor *t = model_st_find(&f, tname);
            float *dst = model_tensor_slot(&m->params, i) + l * t->n_elements;
            convert(dst, t);
            if (mapped) release_pages(t);
            for (size_t k = 0; k < t->n_elements; k++) {
                if (isfinite(dst[k])) continue;
                st = model_fail(ATTN_ERR_INPUT, err, err_len,
                                "%s: tensor \"%s\" has %s at index %zu: the file holds a "
                                "corrupt model",
                                file, tname, isnan(dst[k]) ? "NaN" : "Inf", k);
                goto fail;
            }
        }
    if (info) {
        *info = (model_gpt2_info){.config = c, .heads_from = heads_from, .dtype = wte->dtype,
                                  .prefixed = prefixed, .buffers_skipped = buffers,
                                  .file_bytes = len};
    }
    model_st_free(&f);
    return ATTN_OK;

fail:
    model_st_free(&f);
    if (m) model_free(m);
    return st;
}

attn_status model_load_gpt2_bytes(model *m, const uint8_t *bytes, size_t len, const char *name,
                                  size_t n_heads, model_gpt2_info *info, char *err,
                                  size_t err_len) {
    if (!name) name = "GPT-2 checkpoint";
    return load(m, bytes, len, name, n_heads, MODEL_GPT2_HEADS_GIVEN, 0, info, err, err_len);
}

attn_status model_gpt2_peek_bytes(const uint8_t *bytes, size_t len, const char *name,
                                  size_t n_heads, model_gpt2_info *info, char *err,
                                  size_t err_len) {
    if (!name) name = "GPT-2 checkpoint";
    return load(NULL, bytes, len, name, n_heads, MODEL_GPT2_HEADS_GIVEN, 0, info, err, err_len);
}

/* ---- config.json ------------------------------------------------------------ */

/* config.json in path's folder: *heads from "n_head" (0 when there is no
 * file); the sizes it gives beside, for a check after loading (0 when
 * absent). */
typedef struct hf_config {
    char path[MODEL_GPT2_PATH_MAX];
    size_t n_head, n_layer, n_embd, n_positions, vocab_size;
} hf_config;

static attn_status read_config(hf_config *hc, const char *weights, char *err, size_t err_len) {
    memset(hc, 0, sizeof *hc);
    const char *slash = strrchr(weights, '/');
    int dir_len = slash ? (int)(slash - weights) : 0;
    if (slash) snprintf(hc->path, sizeof hc->path, "%.*s/config.json", dir_len ? dir_len : 1,
                        dir_len ? weights : "/");
    else snprintf(hc->path, sizeof hc->path, "config.json");
    const char *kind;
    FILE *fp = attn_open_read(hc->path, &kind);
    if (!fp) return ATTN_OK; /* no config: the family sizes */
    char *text = malloc(CONFIG_MAX + 1);
    if (!text) {
        fclose(fp);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory", hc->path);
    }
    size_t n = fread(text, 1, CONFIG_MAX + 1, fp);
    fclose(fp);
    attn_status st = ATTN_OK;
    json_t *root = NULL;
    if (n > CONFIG_MAX) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: over 1 MiB: not a model's config.json",
                        hc->path);
        goto done;
    }
    json_error_t jerr;
    root = json_loadb(text, n, 0, &jerr);
    if (!root || !json_is_object(root)) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: not a JSON object%s%s (line %d): fix or remove it", hc->path,
                        root ? "" : ": ", root ? "" : jerr.text, jerr.line);
        goto done;
    }
    const char *keys[5] = {"n_head", "n_layer", "n_embd", "n_positions", "vocab_size"};
    size_t *slots[5] = {&hc->n_head, &hc->n_layer, &hc->n_embd, &hc->n_positions,
                        &hc->vocab_size};
    for (int i = 0; i < 5; i++) {
        json_t *v = json_object_get(root, keys[i]);
        if (!v) continue;
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000000) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                            "%s: \"%s\" is not a positive whole number", hc->path, keys[i]);
            goto done;
        }
        *slots[i] = (size_t)json_integer_value(v);
    }
    if (!hc->n_head)
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: \"n_head\" is missing: a GPT-2 config.json gives the number of heads",
                        hc->path);
done:
    json_decref(root);
    free(text);
    return st;
}

/* A size config.json gives that the tensors contradict. */
static attn_status config_agrees(const hf_config *hc, const model_config *c, char *err,
                                 size_t err_len) {
    const char *keys[4] = {"n_layer", "n_embd", "n_positions", "vocab_size"};
    size_t said[4] = {hc->n_layer, hc->n_embd, hc->n_positions, hc->vocab_size};
    size_t found[4] = {c->n_layers, c->d_model, c->n_ctx, c->n_vocab};
    const char *from[4] = {"the h.N tensors", "wte.weight", "wpe.weight", "wte.weight"};
    for (int i = 0; i < 4; i++)
        if (said[i] && said[i] != found[i])
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s: \"%s\" is %zu but %s give%s %zu: the config belongs to "
                              "another model",
                              hc->path, keys[i], said[i], from[i], i ? "s" : "", found[i]);
    return ATTN_OK;
}

/* model_load_gpt2, or with m NULL model_gpt2_peek. */
/* A file's bytes, to read its tensors from, and whether they are a map (the
 * caller gives them back with file_bytes_free); NULL with errno set on
 * failure. fp is closed either way. The browser's file system maps a file by
 * zeroing fresh memory and copying the file in: there, reading it into
 * memory taken without zeroing is one pass over GPT-2 small's 500 MB less
 * (seconds in a page). */
static uint8_t *file_bytes(FILE *fp, size_t len, int *mapped) {
#ifdef __EMSCRIPTEN__
    uint8_t *bytes = malloc(len);
    if (bytes && fread(bytes, 1, len, fp) != len) {
        if (!ferror(fp)) errno = EIO; /* shorter than when it was measured */
        free(bytes);
        bytes = NULL;
    }
    *mapped = 0;
#else
    uint8_t *bytes = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
    if (bytes == MAP_FAILED) bytes = NULL;
    *mapped = 1;
#endif
    int e = errno;
    fclose(fp); /* a mapping stays */
    errno = e;
    return bytes;
}

static void file_bytes_free(uint8_t *bytes, size_t len, int mapped) {
    if (mapped) munmap(bytes, len);
    else free(bytes);
}

static attn_status load_path(model *m, const char *path, size_t n_heads, model_gpt2_info *info,
                             char *err, size_t err_len) {
    if (m) memset(m, 0, sizeof *m);
    if (!path) return model_fail(ATTN_ERR_INPUT, err, err_len, "no GPT-2 checkpoint given");
    // a folder stands for its model.safetensors (Hugging Face's name)
    char inside[MODEL_GPT2_PATH_MAX];
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        int n = snprintf(inside, sizeof inside, "%s/model.safetensors", path);
        if (n < 0 || n >= (int)sizeof inside)
            return model_fail(ATTN_ERR_INPUT, err, err_len, "the folder's path is too long");
        path = inside;
    }
    hf_config hc;
    model_gpt2_heads_from from = MODEL_GPT2_HEADS_GIVEN;
    memset(&hc, 0, sizeof hc);
    if (n_heads == 0) {
        attn_status st = read_config(&hc, path, err, err_len);
        if (st != ATTN_OK) return st;
        if (hc.n_head) n_heads = hc.n_head, from = MODEL_GPT2_HEADS_CONFIG;
    }

    const char *kind;
    FILE *fp = attn_open_read(path, &kind); /* refuses FIFOs and devices before opening */
    if (!fp && kind)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s is not a regular file (%s): give a GPT-2 model.safetensors", path,
                          kind);
    if (!fp)
        return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: cannot read: %s", path,
                          strerror(errno));
    if (fstat(fileno(fp), &sb) != 0) {
        int e = errno;
        fclose(fp);
        return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: cannot read: %s", path, strerror(e));
    }
    if (sb.st_size < 8) {
        fclose(fp);
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s: %lld bytes, too short for a safetensors file", path,
                          (long long)sb.st_size);
    }
    if ((unsigned long long)sb.st_size > SIZE_MAX / 2) {
        fclose(fp);
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "%s: %lld bytes is more than this build can map", path,
                          (long long)sb.st_size);
    }
    size_t len = (size_t)sb.st_size;
    int mapped;
    uint8_t *map = file_bytes(fp, len, &mapped); /* closes fp */
    if (!map)
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: cannot read %zu bytes: %s", path,
                          len, strerror(errno));
    model_gpt2_info found;
    attn_status st = load(m, map, len, path, n_heads, from, mapped, &found, err, err_len);
    file_bytes_free(map, len, mapped);
    if (st == ATTN_OK && hc.n_head &&
        (st = config_agrees(&hc, &found.config, err, err_len)) != ATTN_OK && m)
        model_free(m);
    if (st == ATTN_OK && info) *info = found;
    return st;
}

attn_status model_load_gpt2(model *m, const char *path, size_t n_heads, model_gpt2_info *info,
                            char *err, size_t err_len) {
    if (!m) return model_fail(ATTN_ERR_INPUT, err, err_len, "no model to load into");
    return load_path(m, path, n_heads, info, err, err_len);
}

attn_status model_gpt2_peek(const char *path, size_t n_heads, model_gpt2_info *info, char *err,
                            size_t err_len) {
    return load_path(NULL, path, n_heads, info, err, err_len);
}
