/* libFuzzer target for reading GPT-2 checkpoints (model_load_gpt2_bytes,
 * model_gpt2.c): the same code model_load_gpt2 runs on a mapped file.
 *
 * The first byte picks the mode:
 *   - even: the rest is the file's bytes as they are (the safetensors
 *     parser's refusals, and headers that happen to parse);
 *   - odd: the rest describes a GPT-2 built here, so the loader's own checks
 *     are reached: layers (1..3), d_model (4 or 8), vocabulary (3..10),
 *     context (2..5), "transformer." prefix or not, attention-mask buffers,
 *     then per tensor a dtype byte (F32, F16, BF16, sometimes I32 or F64),
 *     and a mutation (drop one tensor, change one dimension, add an unknown
 *     or lm_head tensor, or a layer past the others); the values come from
 *     the remaining bytes (so NaN and Inf appear).
 * It aborts when:
 *   - the status is not one of the documented ones, or a failure's message
 *     is not one clean line starting with the file's name, or *m is not
 *     zeroed on failure;
 *   - on success: the sizes disagree with the tensors (vocabulary, d_model,
 *     layers, context), the model has a word vocabulary, a parameter is not
 *     finite, or a forward of a few tokens fails other than by overflowing
 *     float32 (refused by model_run_check). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz_gpt2"
#include "fuzz_check.h"

#include "attnviz/gpt2.h"
#include "attnviz/model.h"
#include "attnviz/safetensors.h"

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t next(reader *r) {
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

enum { MAX_T = 4 + 12 * 4 + 4 };

static const char *const PER[12] = {
    "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
    "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
    "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};

static void check_loaded(const model *m, attn_status st, const char *err, size_t cap) {
    REQUIRE(st == ATTN_OK || st == ATTN_ERR_INPUT || st == ATTN_ERR_LIMIT ||
            st == ATTN_ERR_NOMEM);
    if (st != ATTN_OK) {
        REQUIRE_MESSAGE(err, cap);
        REQUIRE(strncmp(err, "g.st: ", 6) == 0);
        REQUIRE(m->block == NULL && m->n_params == 0 && m->config.n_layers == 0);
        return;
    }
    const model_config *c = &m->config;
    REQUIRE(m->vocab.n == 0 && m->block != NULL);
    REQUIRE(c->n_layers >= 1 && c->n_layers <= MODEL_LAYERS_MAX && c->d_model % c->n_heads == 0);
    for (size_t i = 0; i < m->n_params; i++) REQUIRE(isfinite(m->block[i]));
    model_run r;
    char e2[512];
    size_t n = c->n_ctx < 3 ? c->n_ctx : 3;
    int32_t ids[3] = {0, (int32_t)(c->n_vocab - 1), 1 % (int32_t)c->n_vocab};
    REQUIRE(model_run_init_logits(&r, m, n, MODEL_LOGITS_LAST, e2, sizeof e2) == ATTN_OK);
    REQUIRE(model_forward(&r, m, ids, n, NULL, e2, sizeof e2) == ATTN_OK);
    attn_status cs = model_run_check(&r, m, e2, sizeof e2);
    REQUIRE(cs == ATTN_OK || cs == ATTN_ERR_INPUT);
    model_run_free(&r);
}

static void built(reader *r) {
    size_t L = 1 + next(r) % 3, d = next(r) & 1 ? 8 : 4, V = 3 + next(r) % 8, C = 2 + next(r) % 4;
    uint8_t flags = next(r);
    int prefixed = flags & 1, buffers = flags & 2;
    const char *pre = prefixed ? "transformer." : "";
    model_st_tensor t[MAX_T];
    char names[MAX_T][64];
    size_t n = 0;
    static float zeros[8 * 32];
    // the tensors, in GPT-2's order
    for (size_t k = 0; k < 4 + 12 * L; k++) {
        size_t d0 = d, d1 = 0;
        if (k == 0) snprintf(names[n], 64, "%swte.weight", pre), d0 = V, d1 = d;
        else if (k == 1) snprintf(names[n], 64, "%swpe.weight", pre), d0 = C, d1 = d;
        else if (k == 2) snprintf(names[n], 64, "%sln_f.weight", pre);
        else if (k == 3) snprintf(names[n], 64, "%sln_f.bias", pre);
        else {
            size_t l = (k - 4) / 12, j = (k - 4) % 12;
            snprintf(names[n], 64, "%sh.%zu.%s", pre, l, PER[j]);
            const size_t s[12][2] = {{d, 0}, {d, 0}, {d, 3 * d}, {3 * d, 0}, {d, d}, {d, 0},
                                     {d, 0}, {d, 0}, {d, 4 * d}, {4 * d, 0}, {4 * d, d}, {d, 0}};
            d0 = s[j][0], d1 = s[j][1];
        }
        uint8_t db = next(r);
        model_st_dtype dt = db < 200 ? (model_st_dtype[]){MODEL_ST_F32, MODEL_ST_F16, MODEL_ST_BF16}[db % 3]
                            : db < 250 ? MODEL_ST_F32 : db & 1 ? MODEL_ST_I32 : MODEL_ST_F64;
        t[n] = (model_st_tensor){.name = names[n], .dtype = dt, .n_dims = d1 ? 2 : 1,
                                 .shape = {d0, d1}, .data = zeros};
        n++;
    }
    if (buffers) {
        for (size_t l = 0; l < L && n + 1 < MAX_T; l++) {
            snprintf(names[n], 64, "%sh.%zu.attn.bias", pre, l);
            t[n] = (model_st_tensor){.name = names[n], .dtype = MODEL_ST_F32, .n_dims = 2,
                                     .shape = {C, C}, .data = zeros};
            n++;
        }
    }
    // one mutation
    uint8_t mut = next(r), which = next(r);
    size_t k = which % n;
    switch (mut % 8) {
    case 0: t[k] = t[--n]; break;                                     /* drop one */
    case 1: t[k].shape[next(r) % t[k].n_dims] = next(r) % 40; break; /* change a dimension */
    case 2: snprintf(names[n], 64, "score.weight"); /* an unknown tensor */
        t[n] = (model_st_tensor){.name = names[n], .dtype = MODEL_ST_F32, .n_dims = 1,
                                 .shape = {2}, .data = zeros};
        n++;
        break;
    case 3: snprintf(names[n], 64, "lm_head.weight"); /* tied, or not */
        t[n] = t[0];
        t[n].name = names[n];
        n++;
        break;
    case 4: snprintf(names[n], 64, "%sh.%u.ln_1.weight", pre, next(r) % 60); /* a layer beyond */
        t[n] = (model_st_tensor){.name = names[n], .dtype = MODEL_ST_F32, .n_dims = 1,
                                 .shape = {d}, .data = zeros};
        n++;
        break;
    default: break; /* as built */
    }
    // values: the rest of the input, spread over the tensors' bytes
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t e = 1;
        for (size_t j = 0; j < t[i].n_dims; j++) e *= t[i].shape[j];
        total += e * model_st_dtype_size(t[i].dtype);
    }
    uint8_t *values = calloc(total ? total : 1, 1);
    REQUIRE(values != NULL);
    for (size_t i = 0; i < total; i++) values[i] = r->n ? next(r) : (uint8_t)(i * 37 % 61);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t e = 1;
        for (size_t j = 0; j < t[i].n_dims; j++) e *= t[i].shape[j];
        t[i].data = values + o;
        o += e * model_st_dtype_size(t[i].dtype);
    }
    char *buf = NULL, err[512] = "";
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    REQUIRE(mem != NULL);
    attn_status ws = model_st_write(mem, t, n, NULL, 0, "w", err, sizeof err);
    REQUIRE(fclose(mem) == 0);
    if (ws == ATTN_OK) {
        model m;
        size_t heads = next(r) % 3; /* 0: the family size (none for d 4 or 8) */
        attn_status st = model_load_gpt2_bytes(&m, (const uint8_t *)buf, len, "g.st", heads,
                                               NULL, err, sizeof err);
        check_loaded(&m, st, err, sizeof err);
        for (size_t i = 0; st == ATTN_OK && i < n; i++) {
            const char *nm = strstr(t[i].name, "wte.weight");
            if (nm && nm == t[i].name + strlen(pre) && t[i].n_dims == 2)
                REQUIRE(m.config.n_vocab == t[i].shape[0] && m.config.d_model == t[i].shape[1]);
        }
        (void)V;
        model_free(&m);
    }
    free(buf);
    free(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    reader r = {data + 1, size - 1};
    if (data[0] & 1) {
        built(&r);
        return 0;
    }
    model m;
    char err[512] = "";
    model_gpt2_info info;
    attn_status st = model_load_gpt2_bytes(&m, data + 1, size - 1, "g.st", data[0] >> 1 & 3,
                                           &info, err, sizeof err);
    check_loaded(&m, st, err, sizeof err);
    if (st == ATTN_OK) REQUIRE(info.config.n_vocab == m.config.n_vocab);
    /* the peek reads no value: it succeeds whenever the load does, with the
     * same sizes, and a file it refuses the load refuses the same way */
    model_gpt2_info peeked;
    char perr[512] = "";
    attn_status ps = model_gpt2_peek_bytes(data + 1, size - 1, "g.st", data[0] >> 1 & 3, &peeked,
                                           perr, sizeof perr);
    if (st == ATTN_OK)
        REQUIRE(ps == ATTN_OK && memcmp(&peeked.config, &m.config, sizeof m.config) == 0);
    if (ps != ATTN_OK) REQUIRE(st == ps && strcmp(perr, err) == 0);
    model_free(&m);
    return 0;
}
