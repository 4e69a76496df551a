/* The model overview of a GPT-2-shaped model of 12 layers × 12 heads (GPT-2
 * small's grid; random weights, GPT-2's 50257 tokens so the shipped
 * tokenizer applies, d_model 24), written here in Hugging Face's layout and
 * read back from `attnviz render --model DIR --view model --layout`: 144
 * heatmaps, none overlapping another or a text, each at least 55 px at
 * 1920x1080; the layer numbers down the left and the head numbers across the
 * top, at least 14 px (20 in presenter mode), one per row and column, in
 * line with their maps; the predictions' words read as GPT-2's pieces,
 * never "?". At 1280x800 the 144 maps still do not overlap.
 * usage: test_overview_grid PATH_TO_ATTNVIZ
 *        test_overview_grid --write DIR   (only writes the model, to look at) */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attnviz/safetensors.h"
#include "check.h"
#include "layout_json.h"

enum { V = 50257, D = 24, L = 12, H = 12, C = 64 };

/* xorshift: the same weights on every run */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static float uniform(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0) * 2.0f - 1.0f;
}

/* GPT-2's tensors in HF's layout (Conv1D: [in, out]); LayerNorm weights
 * near 1, the rest small, the queries and keys larger so the maps differ. */
static bool write_model(const char *dir) {
    static const char *const names[] = {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight",
                                        "attn.c_attn.bias", "attn.c_proj.weight",
                                        "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                        "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight",
                                        "mlp.c_proj.bias"};
    static const size_t rows[] = {D, D, D, 3 * D, D, D, D, D, D, 4 * D, 4 * D, D};
    static const size_t cols[] = {0, 0, 3 * D, 0, D, 0, 0, 0, 4 * D, 0, D, 0};
    enum { PER = sizeof names / sizeof names[0], N = 2 + L * PER + 2 };
    model_st_tensor t[N];
    char keys[N][48];
    float *data[N];
    size_t n = 0;
    bool ok = true;
#define ADD(key, r, c, scale, base)                                                               \
    do {                                                                                           \
        snprintf(keys[n], sizeof keys[n], "%s", key);                                              \
        size_t count = (r) * ((c) ? (c) : 1);                                                      \
        data[n] = malloc(count * sizeof(float));                                                   \
        ok = ok && data[n];                                                                        \
        for (size_t e = 0; data[n] && e < count; e++) data[n][e] = (base) + (scale) * uniform();   \
        t[n] = (model_st_tensor){.name = keys[n], .dtype = MODEL_ST_F32, .n_dims = (c) ? 2 : 1,   \
                                 .shape = {(r), (c)}, .data = data[n]};                           \
        n++;                                                                                       \
    } while (0)
    ADD("wte.weight", (size_t)V, (size_t)D, 0.5f, 0.0f);
    ADD("wpe.weight", (size_t)C, (size_t)D, 0.3f, 0.0f);
    for (int l = 0; l < L; l++)
        for (int k = 0; k < PER; k++) {
            char key[48];
            snprintf(key, sizeof key, "h.%d.%s", l, names[k]);
            bool ln_w = strstr(names[k], "ln_") && strstr(names[k], "weight");
            float scale = k == 2 ? 1.2f : 0.3f;
            ADD(key, rows[k], cols[k], ln_w ? 0.1f : scale, ln_w ? 1.0f : 0.0f);
        }
    ADD("ln_f.weight", (size_t)D, (size_t)0, 0.1f, 1.0f);
    ADD("ln_f.bias", (size_t)D, (size_t)0, 0.1f, 0.0f);
#undef ADD
    char path[1024], err[512];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (ok) ok = model_st_save(path, t, n, NULL, 0, err, sizeof err) == ATTN_OK;
    if (!ok) fprintf(stderr, "writing %s failed: %s\n", path, err);
    for (size_t k = 0; k < n; k++) free(data[k]);
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f,
            "{\"model_type\": \"gpt2\", \"n_head\": %d, \"n_layer\": %d, \"n_embd\": %d, "
            "\"n_positions\": %d, \"vocab_size\": %d}\n",
            H, L, D, C, V);
    return fclose(f) == 0 && ok;
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static bool overlap(const json_t *a, const json_t *b) {
    int ox = imin(layout_int(a, "x") + layout_int(a, "w"), layout_int(b, "x") + layout_int(b, "w")) -
             imax(layout_int(a, "x"), layout_int(b, "x"));
    int oy = imin(layout_int(a, "y") + layout_int(a, "h"), layout_int(b, "y") + layout_int(b, "h")) -
             imax(layout_int(a, "y"), layout_int(b, "y"));
    return ox > 0 && oy > 0;
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* The distinct values of xs (sorted), their count. */
static int distinct(int *xs, int n) {
    qsort(xs, (size_t)n, sizeof *xs, cmp_int);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (k == 0 || xs[k - 1] != xs[i]) xs[k++] = xs[i];
    return k;
}

/* The text run reading exactly s whose middle is within tol of (x, y)
 * along the axis asked (row: y; column: x) and on the other side of the
 * grid's edge at; NULL when none. */
static const json_t *number_at(const json_t *items, const char *s, bool row, int mid, int edge) {
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *t = json_array_get(items, i);
        const char *ts = json_string_value(json_object_get(t, "text"));
        if (!layout_is_kind(t, "text") || !ts || strcmp(ts, s) != 0) continue;
        int x = layout_int(t, "x"), y = layout_int(t, "y"), w = layout_int(t, "w"),
            h = layout_int(t, "h");
        if (row && x + w <= edge && y <= mid && mid < y + h) return t;
        if (!row && y + h <= edge && x <= mid && mid < x + w) return t;
    }
    return NULL;
}

static void check_grid(const char *exe, const char *dir, const char *size, bool present,
                       int min_side, int min_px) {
    char args[1200];
    snprintf(args, sizeof args,
             "--model '%s/model' --view model --size %s%s --sentence \"The animal didn't cross "
             "the street because it was too tired\"",
             dir, size, present ? " --present" : "");
    json_t *root = layout_render(exe, dir, args);
    if (!root) return;
    const json_t *items = json_object_get(root, "items");
    int maps = 0, xs[L * H], ys[L * H], side = 1 << 30;
    const json_t *map[L * H];
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        if (!layout_is_kind(it, "heatmap")) continue;
        if (maps < L * H) {
            map[maps] = it;
            xs[maps] = layout_int(it, "x"), ys[maps] = layout_int(it, "y");
            side = imin(side, imin(layout_int(it, "w"), layout_int(it, "h")));
        }
        maps++;
    }
    CHECKF(maps == L * H, "%s: %d maps, want %d", size, maps, L * H);
    if (maps != L * H) {
        json_decref(root);
        return;
    }
    CHECKF(side >= min_side, "%s%s: maps of %d px, want at least %d", size,
           present ? " presenter" : "", side, min_side);
    for (int a = 0; a < maps; a++) {
        for (int b = a + 1; b < maps; b++)
            CHECKF(!overlap(map[a], map[b]), "%s: maps %d and %d overlap", size, a, b);
        for (size_t i = 0; i < json_array_size(items); i++) {
            const json_t *t = json_array_get(items, i);
            if (layout_is_kind(t, "text") && overlap(map[a], t))
                CHECKF(false, "%s: text \"%s\" over map %d", size,
                       json_string_value(json_object_get(t, "text")), a);
        }
    }
    int n_cols = distinct(xs, maps), n_rows = distinct(ys, maps);
    CHECKF(n_cols == H && n_rows == L, "%s: maps in %d columns and %d rows, want %d x %d", size,
           n_cols, n_rows, H, L);
    /* the numbers: "1".."12" left of each row, above each column */
    int left = xs[0], top = ys[0], mh = layout_int(map[0], "h"), mw = layout_int(map[0], "w");
    for (int k = 0; k < L && min_px > 0; k++) {
        char s[8];
        snprintf(s, sizeof s, "%d", k + 1);
        const json_t *r = number_at(items, s, true, ys[k] + mh / 2, left);
        CHECKF(r != NULL, "%s%s: no layer number %s left of its row", size,
               present ? " presenter" : "", s);
        if (r)
            CHECKF(layout_int(r, "px") >= min_px, "%s: layer number %s is %d px, want %d", size,
                   s, layout_int(r, "px"), min_px);
        const json_t *c = number_at(items, s, false, xs[k] + mw / 2, top);
        CHECKF(c != NULL, "%s%s: no head number %s above its column", size,
               present ? " presenter" : "", s);
        if (c)
            CHECKF(layout_int(c, "px") >= min_px, "%s: head number %s is %d px, want %d", size,
                   s, layout_int(c, "px"), min_px);
    }
    /* the predictions: GPT-2's pieces, never "?" */
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *t = json_array_get(items, i);
        const char *s = json_string_value(json_object_get(t, "text"));
        if (layout_is_kind(t, "text") && s)
            CHECKF(strcmp(s, "?") != 0, "%s: a text reads \"?\"", size);
    }
    json_decref(root);
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "--write") == 0) return write_model(argv[2]) ? 0 : 1;
    const char *exe = argc > 1 ? argv[1] : "build/attnviz";
    char dir[] = "/tmp/test_overview_grid.XXXXXX", model_dir[1100];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(model_dir, sizeof model_dir, "%s/model", dir);
    CHECK(write_model(model_dir));
    check_grid(exe, dir, "1920x1080", false, 55, 14);
    check_grid(exe, dir, "1920x1080", true, 55, 20);
    check_grid(exe, dir, "1280x800", false, 20, 0);
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done("test_overview_grid");
}
