/* The core against PyTorch: every stage of every fixture case, for both the
 * fast path (attn_forward) and the plain loops (attn_forward_reference),
 * within |got - want| <= 1e-5 + 1e-5·|want|. The fixtures come from
 * tests/torch/make_fixtures.py, which rebuilds the inputs from the
 * documented recipe, so X and the weights are checked too. The cross_*
 * cases are cross-attention (queries from one sentence, keys and values
 * from another), checked the same way.
 *
 * usage: test_torch FIXTURE_DIR */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/attn.h"
#include "attnviz/embed.h"
#include "attnviz/tokenize.h"
#include "check.h"

#define ATOL 1e-5f
#define RTOL 1e-5f

typedef struct fixture {
    json_t *header;
    unsigned char *body;
    size_t body_len;
} fixture;

static int read_fixture(const char *path, fixture *fx) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *all = malloc((size_t)size);
    int ok = all && fread(all, 1, (size_t)size, f) == (size_t)size && size >= 12 &&
             memcmp(all, "ATVZFIX1", 8) == 0;
    fclose(f);
    if (!ok) {
        free(all);
        return 0;
    }
    uint32_t head_len = (uint32_t)all[8] | (uint32_t)all[9] << 8 | (uint32_t)all[10] << 16 |
                        (uint32_t)all[11] << 24;
    if (12 + (size_t)head_len > (size_t)size) {
        free(all);
        return 0;
    }
    json_error_t jerr;
    fx->header = json_loadb((const char *)all + 12, head_len, 0, &jerr);
    fx->body_len = (size_t)size - 12 - head_len;
    fx->body = malloc(fx->body_len + 1);
    memcpy(fx->body, all + 12 + head_len, fx->body_len);
    free(all);
    return fx->header != NULL;
}

/* The trace's tensor of this name: pointer and element count. */
static const float *tensor_of(const char *name, const attn_trace *t, const attn_weights *w,
                              size_t *count) {
    const attn_config *c = &t->config;
    /* n query rows, m key/value rows: m == n but in cross-attention */
    size_t n = t->n, m = t->n_keys, d = c->d_model, d_kv = attn_d_kv(c),
           hnn = c->n_heads * n * m;
    struct { const char *name; const float *p; size_t count; } table[] = {
        {"X", t->x, n * d},          {"W_Q", w->w_q, d * d},      {"b_Q", w->b_q, d},
        {"X_kv", t->cross ? t->x_kv : NULL, m * d},
        {"W_K", w->w_k, d * d_kv},   {"b_K", w->b_k, d_kv},       {"W_V", w->w_v, d * d_kv},
        {"b_V", w->b_v, d_kv},       {"W_O", w->w_o, d * d},      {"b_O", w->b_o, d},
        {"Q", t->q, n * d},          {"K", t->k, m * d_kv},       {"V", t->v, m * d_kv},
        {"scores", t->scores, hnn},  {"scaled", t->scaled, hnn},  {"masked", t->masked, hnn},
        {"weights", t->weights, hnn}, {"head_out", t->head_out, n * d},
        {"concat", t->concat, n * d}, {"output", t->output, n * d},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(table[i].name, name) == 0) {
            *count = table[i].count;
            return table[i].p;
        }
    return NULL;
}

/* Compares every tensor of the fixture with the trace; returns the worst
 * error relative to the tolerance (<= 1 passes). */
static double compare(const fixture *fx, const attn_trace *t, const attn_weights *w,
                      const char *path_name, const char *case_name) {
    json_t *tensors = json_object_get(fx->header, "tensors");
    size_t off = 0, i;
    json_t *entry;
    double worst = 0.0;
    json_array_foreach(tensors, i, entry) {
        const char *name = json_string_value(json_object_get(entry, "name"));
        size_t count = (size_t)json_integer_value(json_object_get(entry, "count"));
        int sampled = json_is_true(json_object_get(entry, "sampled"));
        const uint32_t *idx = NULL;
        if (sampled) {
            idx = (const uint32_t *)(fx->body + off); /* malloc'd: aligned */
            off += count * 4;
        }
        const float *want = (const float *)(fx->body + off);
        off += count * 4;
        CHECKF(off <= fx->body_len, "%s: fixture is truncated", case_name);
        if (off > fx->body_len) return 1e9;
        size_t have = 0;
        const float *got = tensor_of(name, t, w, &have);
        CHECKF(got != NULL, "%s: unknown tensor %s", case_name, name);
        if (!got) continue;
        size_t bad = 0, first_bad = 0;
        for (size_t k = 0; k < count; k++) {
            size_t at = sampled ? idx[k] : k;
            if (at >= have) { bad++; continue; }
            float g = got[at], e = want[k];
            if (!check_close(g, e, ATOL, RTOL)) {
                if (!bad) first_bad = at;
                bad++;
            } else if (!isinf(e)) {
                double r = fabs((double)g - e) / (ATOL + RTOL * fabs((double)e));
                if (r > worst) worst = r;
            }
        }
        CHECKF(bad == 0, "%s (%s): %zu of %zu entries of %s differ from PyTorch, first at %zu: "
               "got %.9g want %.9g", case_name, path_name, bad, count, name, first_bad,
               (double)got[first_bad], (double)want[sampled ? 0 : first_bad]);
        if (!sampled) CHECKF(count == have, "%s: %s has %zu entries, want %zu", case_name, name, have, count);
    }
    return worst;
}

/* A cross-attention case: queries from sentence, keys and values from the
 * header's "source" sentence, on the fast path and the plain loops; then
 * the same trace runs self-attention again and must give attn_forward's
 * bits on a trace without cross room (self-attention is unchanged). */
static void run_cross(const fixture *fx, const char *name, const char *sentence,
                      const attn_token *tokens, size_t n, uint64_t seed, const attn_config *c) {
    const char *source = json_string_value(json_object_get(fx->header, "source"));
    size_t m_want = (size_t)json_integer_value(json_object_get(fx->header, "n_kv"));
    CHECKF(source != NULL, "%s: a cross case without its source sentence", name);
    if (!source) return;
    attn_token *kv_tokens = malloc((m_want + 1) * sizeof *kv_tokens);
    size_t m = 0;
    char err[256];
    attn_status s = attn_tokenize(kv_tokens, m_want + 1, &m, source, strlen(source), err,
                                  sizeof err);
    CHECKF(s == ATTN_OK && m == m_want, "%s: source tokenized to %zu tokens, want %zu", name, m,
           m_want);
    size_t cap = n > m ? n : m;
    attn_trace t, plain;
    attn_weights w;
    CHECK(attn_trace_init_cross(&t, cap, c->d_model, c->n_heads, err, sizeof err) == ATTN_OK);
    CHECK(attn_trace_init(&plain, cap, c->d_model, c->n_heads, err, sizeof err) == ATTN_OK);
    CHECK(attn_weights_init(&w, c, err, sizeof err) == ATTN_OK);
    attn_weights_xavier(&w, seed);

    float *x_q = malloc(n * c->d_model * sizeof *x_q), *x_kv = malloc(m * c->d_model * sizeof *x_kv);
    attn_embed(x_q, sentence, tokens, n, c->d_model, seed);
    attn_embed(x_kv, source, kv_tokens, m, c->d_model, seed);
    CHECK(attn_forward_cross(&t, c, &w, x_q, n, x_kv, m, err, sizeof err) == ATTN_OK);
    CHECKF(t.cross && t.n == n && t.n_keys == m, "%s: trace says %zu × %zu, want %zu × %zu",
           name, t.n, t.n_keys, n, m);
    double fast = compare(fx, &t, &w, "fast", name);
    CHECK(attn_forward_cross_reference(&t, c, &w, x_q, n, x_kv, m, err, sizeof err) == ATTN_OK);
    double ref = compare(fx, &t, &w, "reference", name);

    /* self-attention on the same trace: not cross any more, the same bits as
     * a trace that never had room for a second sequence */
    CHECK(attn_forward(&t, c, &w, x_q, n, err, sizeof err) == ATTN_OK);
    CHECK(attn_forward(&plain, c, &w, x_q, n, err, sizeof err) == ATTN_OK);
    CHECK(!t.cross && t.n_keys == n);
    CHECKF(memcmp(t.weights, plain.weights, c->n_heads * n * n * sizeof(float)) == 0 &&
               memcmp(t.output, plain.output, n * c->d_model * sizeof(float)) == 0,
           "%s: self-attention on a cross trace differs from a plain trace", name);
    /* cross-attention of a sequence with itself is self-attention, bit for bit */
    CHECK(attn_forward_cross(&t, c, &w, x_q, n, x_q, n, err, sizeof err) == ATTN_OK);
    CHECKF(memcmp(t.weights, plain.weights, c->n_heads * n * n * sizeof(float)) == 0 &&
               memcmp(t.output, plain.output, n * c->d_model * sizeof(float)) == 0,
           "%s: cross-attention of X with itself differs from self-attention", name);
    /* causal across two sequences is refused, and a trace without room too */
    attn_config causal = *c;
    causal.causal = true;
    err[0] = '\0';
    CHECK(attn_forward_cross(&t, &causal, &w, x_q, n, x_kv, m, err, sizeof err) ==
              ATTN_ERR_CONFIG &&
          strstr(err, "causal") != NULL);
    CHECK(attn_forward_cross(&plain, c, &w, x_q, n, x_kv, m, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK(attn_forward_cross(&t, c, &w, x_q, n, x_kv, cap + 1, err, sizeof err) ==
          ATTN_ERR_LIMIT);

    printf("%-18s n=%-4zu n_kv=%-3zu d_model=%-3zu heads=%-2zu kv=%-2zu worst error / "
           "tolerance: fast %.3f, reference %.3f\n",
           name, n, m, c->d_model, c->n_heads, c->n_kv_heads, fast, ref);
    free(x_q);
    free(x_kv);
    free(kv_tokens);
    attn_trace_free(&t);
    attn_trace_free(&plain);
    attn_weights_free(&w);
}

static void run_case(const char *path) {
    fixture fx = {0};
    CHECKF(read_fixture(path, &fx), "cannot read fixture %s", path);
    if (!fx.header) return;
    const char *name = json_string_value(json_object_get(fx.header, "name"));
    const char *sentence = json_string_value(json_object_get(fx.header, "sentence"));
    size_t n_want = (size_t)json_integer_value(json_object_get(fx.header, "n"));
    uint64_t seed = (uint64_t)json_integer_value(json_object_get(fx.header, "seed"));
    json_t *jc = json_object_get(fx.header, "config");
    attn_config c = {
        .d_model = (size_t)json_integer_value(json_object_get(jc, "d_model")),
        .n_heads = (size_t)json_integer_value(json_object_get(jc, "n_heads")),
        .n_kv_heads = (size_t)json_integer_value(json_object_get(jc, "n_kv_heads")),
        .causal = json_is_true(json_object_get(jc, "causal")),
        .scale = json_is_true(json_object_get(jc, "scale")),
        .temperature = (float)json_number_value(json_object_get(jc, "temperature")),
    };

    attn_token *tokens = malloc((n_want + 1) * sizeof *tokens);
    size_t n = 0;
    char err[256];
    attn_status s = attn_tokenize(tokens, n_want + 1, &n, sentence, strlen(sentence), err, sizeof err);
    CHECKF(s == ATTN_OK && n == n_want, "%s: tokenized to %zu tokens, want %zu (%s)", name, n,
           n_want, s ? err : "ok");
    if (json_is_true(json_object_get(fx.header, "cross"))) {
        run_cross(&fx, name, sentence, tokens, n, seed, &c);
        free(tokens);
        free(fx.body);
        json_decref(fx.header);
        return;
    }
    attn_trace t;
    attn_weights w;
    CHECK(attn_trace_init(&t, n, c.d_model, c.n_heads, err, sizeof err) == ATTN_OK);
    CHECK(attn_weights_init(&w, &c, err, sizeof err) == ATTN_OK);
    attn_weights_xavier(&w, seed);

    attn_embed(t.x, sentence, tokens, n, c.d_model, seed);
    CHECK(attn_forward(&t, &c, &w, t.x, n, err, sizeof err) == ATTN_OK);
    double fast = compare(&fx, &t, &w, "fast", name);

    attn_embed(t.x, sentence, tokens, n, c.d_model, seed);
    CHECK(attn_forward_reference(&t, &c, &w, t.x, n, err, sizeof err) == ATTN_OK);
    double ref = compare(&fx, &t, &w, "reference", name);

    printf("%-18s n=%-4zu d_model=%-3zu heads=%-2zu kv=%-2zu worst error / tolerance: "
           "fast %.3f, reference %.3f\n", name, n, c.d_model, c.n_heads, c.n_kv_heads, fast, ref);
    attn_trace_free(&t);
    attn_weights_free(&w);
    free(tokens);
    free(fx.body);
    json_decref(fx.header);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/torch/fixtures";
    DIR *dp = opendir(dir);
    CHECKF(dp != NULL, "cannot open fixture directory %s", dir);
    if (!dp) return check_done("test_torch");
    char *paths[256];
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && count < 256) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".bin") == 0) {
            paths[count] = malloc(strlen(dir) + len + 2);
            sprintf(paths[count++], "%s/%s", dir, de->d_name);
        }
    }
    closedir(dp);
    qsort(paths, count, sizeof *paths, by_name);
    CHECKF(count >= 18, "found %zu fixtures, expected at least 18 (3 of cross-attention)", count);
    for (size_t i = 0; i < count; i++) {
        run_case(paths[i]);
        free(paths[i]);
    }
    return check_done("test_torch");
}
