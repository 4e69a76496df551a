/* The core against PyTorch: every stage of every fixture case, for both the
 * fast path (attn_forward) and the plain loops (attn_forward_reference),
 * within |got - want| <= 1e-5 + 1e-5·|want|. The fixtures come from
 * tests/torch/make_fixtures.py, which rebuilds the inputs from the
 * documented recipe, so X and the weights are checked too.
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
    size_t n = t->n, d = c->d_model, d_kv = attn_d_kv(c), hnn = c->n_heads * n * n;
    struct { const char *name; const float *p; size_t count; } table[] = {
        {"X", t->x, n * d},          {"W_Q", w->w_q, d * d},      {"b_Q", w->b_q, d},
        {"W_K", w->w_k, d * d_kv},   {"b_K", w->b_k, d_kv},       {"W_V", w->w_v, d * d_kv},
        {"b_V", w->b_v, d_kv},       {"W_O", w->w_o, d * d},      {"b_O", w->b_o, d},
        {"Q", t->q, n * d},          {"K", t->k, n * d_kv},       {"V", t->v, n * d_kv},
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
    CHECKF(count >= 15, "found %zu fixtures, expected at least 15", count);
    for (size_t i = 0; i < count; i++) {
        run_case(paths[i]);
        free(paths[i]);
    }
    return check_done("test_torch");
}
