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
 *        test_overview_grid --write DIR LAYERS HEADS   (only writes a model, to look at) */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>

#include "app.h"
#include "attnviz/safetensors.h"
#include "check.h"
#include "layout_json.h"
#include "layout_record.h"
#include "render.h"
#include "view_model.h"

enum { V = 50257, C = 64, L = 12, H = 12 };

/* xorshift: the same weights on every run */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static float uniform(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0) * 2.0f - 1.0f;
}

/* GPT-2's tensors in HF's layout (Conv1D: [in, out]); LayerNorm weights
 * near 1, the rest small, the queries and keys larger so the maps differ. */
static bool write_model(const char *dir, int L_, int H_) {
    const size_t D = (size_t)H_ * 2; /* d_head 2: the maps differ, the file stays small */
    static const char *const names[] = {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight",
                                        "attn.c_attn.bias", "attn.c_proj.weight",
                                        "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                        "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight",
                                        "mlp.c_proj.bias"};
    const size_t rows[] = {D, D, D, 3 * D, D, D, D, D, D, 4 * D, 4 * D, D};
    const size_t cols[] = {0, 0, 3 * D, 0, D, 0, 0, 0, 4 * D, 0, D, 0};
    enum { PER = sizeof names / sizeof names[0], N = 2 + 24 * PER + 2 };
    if (L_ > 24) return false;
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
    ADD("wte.weight", (size_t)V, D, 0.5f, 0.0f);
    ADD("wpe.weight", (size_t)C, D, 0.3f, 0.0f);
    for (int l = 0; l < L_; l++)
        for (int k = 0; k < PER; k++) {
            char key[48];
            snprintf(key, sizeof key, "h.%d.%s", l, names[k]);
            bool ln_w = strstr(names[k], "ln_") && strstr(names[k], "weight");
            float scale = k == 2 ? 1.2f : 0.3f;
            ADD(key, rows[k], cols[k], ln_w ? 0.1f : scale, ln_w ? 1.0f : 0.0f);
        }
    ADD("ln_f.weight", D, (size_t)0, 0.1f, 1.0f);
    ADD("ln_f.bias", D, (size_t)0, 0.1f, 0.0f);
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
            H_, L_, (int)D, C, V);
    return fclose(f) == 0 && ok;
}

/* Polls as the window does once a frame until a pending run is applied. */
static void settle(app_state *s) {
    for (int i = 0; i < 10000 && s->model.pending; i++) {
        app_model_poll(s);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
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

static const char sentence[] = "The animal didn't cross the street because it was too tired";

/* Renders the model in dir/name (nl layers × nh heads) and checks its grid. */
static void check_grid(const char *exe, const char *dir, const char *name, int nl, int nh,
                       const char *size, bool present, int min_side, int min_px) {
    char args[1200], what[96];
    snprintf(args, sizeof args, "--model '%s/%s' --view model --size %s%s --sentence \"%s\"", dir,
             name, size, present ? " --present" : "", sentence);
    snprintf(what, sizeof what, "%dx%d at %s%s", nl, nh, size, present ? " presenter" : "");
    json_t *root = layout_render(exe, dir, args);
    if (!root) return;
    const json_t *items = json_object_get(root, "items");
    int maps = 0, xs[24 * 16], ys[24 * 16], side = 1 << 30;
    const json_t *map[24 * 16];
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        if (!layout_is_kind(it, "heatmap")) continue;
        if (maps < 24 * 16) {
            map[maps] = it;
            xs[maps] = layout_int(it, "x"), ys[maps] = layout_int(it, "y");
            side = imin(side, imin(layout_int(it, "w"), layout_int(it, "h")));
        }
        maps++;
    }
    CHECKF(maps == nl * nh, "%s: %d maps, want %d", what, maps, nl * nh);
    if (maps != nl * nh) {
        json_decref(root);
        return;
    }
    CHECKF(side >= min_side, "%s: maps of %d px, want at least %d", what, side, min_side);
    int fw = layout_int(json_object_get(root, "frame"), "w");
    int fh = layout_int(json_object_get(root, "frame"), "h");
    for (int a = 0; a < maps; a++) {
        const json_t *m = map[a];
        CHECKF(layout_int(m, "x") >= 0 && layout_int(m, "y") >= 0 &&
                   layout_int(m, "x") + layout_int(m, "w") <= fw &&
                   layout_int(m, "y") + layout_int(m, "h") <= fh,
               "%s: map %d outside the frame", what, a);
        for (int b = a + 1; b < maps; b++)
            CHECKF(!overlap(m, map[b]), "%s: maps %d and %d overlap", what, a, b);
        for (size_t i = 0; i < json_array_size(items); i++) {
            const json_t *t = json_array_get(items, i);
            if (layout_is_kind(t, "text") && overlap(m, t))
                CHECKF(false, "%s: text \"%s\" over map %d", what,
                       json_string_value(json_object_get(t, "text")), a);
        }
    }
    int n_cols = distinct(xs, maps), n_rows = distinct(ys, maps);
    CHECKF(n_cols == nh && n_rows == nl, "%s: maps in %d columns and %d rows, want %d x %d", what,
           n_cols, n_rows, nh, nl);
    /* the numbers: "1".. left of each row, above each column, and what they count */
    int left = xs[0], top = ys[0], mh = layout_int(map[0], "h"), mw = layout_int(map[0], "w");
    for (int k = 0; k < (nl > nh ? nl : nh) && min_px > 0; k++) {
        char num[8];
        snprintf(num, sizeof num, "%d", k + 1);
        const json_t *r = k < nl ? number_at(items, num, true, ys[k] + mh / 2, left) : NULL;
        CHECKF(k >= nl || r != NULL, "%s: no layer number %s left of its row", what, num);
        if (r)
            CHECKF(layout_int(r, "px") >= min_px, "%s: layer number %s is %d px, want %d", what,
                   num, layout_int(r, "px"), min_px);
        const json_t *c = k < nh ? number_at(items, num, false, xs[k] + mw / 2, top) : NULL;
        CHECKF(k >= nh || c != NULL, "%s: no head number %s above its column", what, num);
        if (c)
            CHECKF(layout_int(c, "px") >= min_px, "%s: head number %s is %d px, want %d", what,
                   num, layout_int(c, "px"), min_px);
    }
    bool axes = false, words = false;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *t = json_array_get(items, i);
        const char *ts = json_string_value(json_object_get(t, "text"));
        if (!layout_is_kind(t, "text") || !ts) continue;
        /* the predictions: GPT-2's pieces, never "?" */
        CHECKF(strcmp(ts, "?") != 0, "%s: a text reads \"?\"", what);
        if (strstr(ts, "layer") && strstr(ts, "head") && layout_int(t, "y") < top) axes = true;
        if (strncmp(ts, "\xC2\xB7", 2) == 0 && layout_int(t, "x") > xs[maps - 1]) words = true;
    }
    if (min_px > 0) CHECKF(axes, "%s: no \"layer ↓ head →\" over the numbers", what);
    CHECKF(words, "%s: no prediction reads as a GPT-2 piece (\"·word\")", what);
    json_decref(root);
}

/* In the window: the mouse finds every head where it was drawn, its
 * tooltip names the head and the tokens of the cell, and a click switches
 * it off (veiled, "off" over it) and on again. */
static void check_window(const char *dir) {
    app_state s;
    state_settings set;
    state_settings_default(&set);
    set.source = STATE_SOURCE_TRAINED;
    snprintf(set.model_path, sizeof set.model_path, "%s/model", dir);
    snprintf(set.sentence, sizeof set.sentence, "%s", sentence);
    char err[APP_ERR_LEN];
    if (app_state_init(&s, &set, err, sizeof err) != ATTN_OK) {
        CHECKF(false, "app_state_init: %s", err);
        return;
    }
    app_offscreen o;
    layout_record rec;
    if (app_offscreen_init(&o, 1920, 1080, err, sizeof err) != ATTN_OK) {
        CHECKF(false, "offscreen: %s", err);
        app_state_free(&s);
        return;
    }
    layout_init(&rec, 1920, 1080);
    app_offscreen_record(&o, &rec);
    CHECK(app_overview_toggle(&s) == ATTN_OK && s.view == VIEW_MODEL);
    app_draw(o.renderer, o.text, &o.pool, &s, 1920, 1080);
    CHECKF(s.layout.n_overview_heads == L * H, "%zu heads' boxes, want %d",
           s.layout.n_overview_heads, L * H);
    bool found = true, apart = true;
    for (size_t k = 0; k < s.layout.n_overview_heads && k < L * H; k++) {
        SDL_Rect b = s.layout.overview_heads[k];
        if (app_overview_head_at(&s, b.x + b.w / 2, b.y + b.h / 2) != (int)k) found = false;
        for (size_t j = k + 1; j < L * H; j++) {
            SDL_Rect c = s.layout.overview_heads[j];
            if (b.x < c.x + c.w && c.x < b.x + b.w && b.y < c.y + c.h && c.y < b.y + b.h)
                apart = false;
        }
    }
    CHECK(found);
    CHECK(apart);
    /* the mouse over head 5.8, on the cell of row 3 ("·animal" looks at ...) */
    size_t k = 4 * H + 7;
    SDL_Rect map = {0, 0, 0, 0};
    /* the maps are drawn in order: the k-th heatmap is head k */
    size_t seen = 0;
    for (size_t i = 0; i < rec.n && map.w == 0; i++)
        if (rec.items[i].kind == LAYOUT_HEATMAP && seen++ == k) map = rec.items[i].box;
    CHECK(map.w > 0);
    int n = (int)s.model.trained->n;
    s.hover_x = map.x + map.w / 2;
    s.hover_y = map.y + (2 * 2 + 1) * map.h / (2 * n);
    layout_clear(&rec);
    app_draw(o.renderer, o.text, &o.pool, &s, 1920, 1080);
    bool named = false, cell = false;
    for (size_t i = 0; i < rec.n; i++) {
        if (rec.items[i].kind != LAYOUT_TEXT) continue;
        if (strstr(rec.items[i].text, "head 5.8: layer 5, head 8")) named = true;
        if (strstr(rec.items[i].text, "\xC2\xB7" "animal") && strstr(rec.items[i].text, "looks at"))
            cell = true;
    }
    CHECK(named);
    CHECKF(cell, "the tooltip names the tokens of the cell");
    /* a click on it: off, then on again */
    int at = app_overview_head_at(&s, s.hover_x, s.hover_y);
    CHECK(at == (int)k);
    CHECK(app_overview_toggle_head(&s, (size_t)at / H, (size_t)at % H) == ATTN_OK);
    /* a GPT-2 runs the pruned model on a thread; the next frame marks the
     * head off already */
    CHECK(s.model.pending);
    s.hover_x = s.hover_y = -1;
    layout_clear(&rec);
    app_draw(o.renderer, o.text, &o.pool, &s, 1920, 1080);
    bool off = false;
    for (size_t i = 0; i < rec.n; i++)
        if (rec.items[i].kind == LAYOUT_TEXT && strcmp(rec.items[i].text, "off") == 0 &&
            rec.items[i].box.x >= map.x && rec.items[i].box.x < map.x + map.w &&
            rec.items[i].box.y >= map.y && rec.items[i].box.y < map.y + map.h)
            off = true;
    CHECKF(off, "\"off\" over the head switched off");
    settle(&s);
    CHECK(!s.model.pending && s.model.trained->head_off[k] == 1);
    CHECK(app_overview_toggle_head(&s, (size_t)at / H, (size_t)at % H) == ATTN_OK);
    settle(&s);
    CHECK(s.model.trained->head_off[k] == 0);
    app_offscreen_record(&o, NULL);
    layout_free(&rec);
    app_offscreen_free(&o);
    app_overview_free(&s);
    app_state_free(&s);
}

int main(int argc, char **argv) {
    if (argc > 4 && strcmp(argv[1], "--write") == 0)
        return write_model(argv[2], atoi(argv[3]), atoi(argv[4])) ? 0 : 1;
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    const char *exe = argc > 1 ? argv[1] : "build/attnviz";
    char dir[] = "/tmp/test_overview_grid.XXXXXX", model_dir[1100];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(model_dir, sizeof model_dir, "%s/model", dir);
    CHECK(write_model(model_dir, L, H));
    check_grid(exe, dir, "model", L, H, "1920x1080", false, 55, 14);
    check_grid(exe, dir, "model", L, H, "1920x1080", true, 55, 20);
    check_grid(exe, dir, "model", L, H, "1280x800", false, 40, 0);
    check_window(dir);
    /* gpt2-medium's grid: 24 layers × 16 heads */
    snprintf(model_dir, sizeof model_dir, "%s/medium", dir);
    CHECK(write_model(model_dir, 24, 16));
    check_grid(exe, dir, "medium", 24, 16, "1920x1080", false, 28, 14);
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    FcFini();
    return check_done("test_overview_grid");
}
