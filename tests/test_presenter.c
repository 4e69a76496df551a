/* What a class sees, read back from `attnviz render --layout F.json`:
 * - one layout per view: through stages 4–8 every head's attention map
 *   keeps its place and size (4, 8, 16 heads; 9 and 22 tokens; 1280×800
 *   and 1920×1080), so before and after can be compared; one head large
 *   keeps its place through stages 5–7;
 * - presenter mode (--present) at 1920×1080: every text run at least 20 px,
 *   and with up to 16 tokens every token whole as a row label of each map
 *   and as a column label over each map's columns (above it, or above its
 *   column of maps); its maps at least as large as the normal mode's; the
 *   normal mode's token labels at least 14 px there;
 * - the trained model's 20-word sentence at 1920×1080: every map names
 *   every column and its cells are near square (at most 1.25:1);
 * - one head large, stage 7: no "Σ=" beside each row (one note a map).
 * usage: test_presenter PATH_TO_ATTNVIZ */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attnviz/attn.h"
#include "attnviz/tokenize.h"
#include "check.h"
#include "layout_json.h"

static const char *exe;
static char dir[] = "/tmp/test_presenter.XXXXXX";

/* The layout of one render with args on random weights, or NULL (a failed check). */
static json_t *layout_of(const char *args) {
    char all[2048];
    snprintf(all, sizeof all, "--weights mechanics %s", args);
    return layout_render(exe, dir, all);
}

static const char *const sentence9 = "the cat sat on the mat because it slept";
static const char *const sentence22 =
    "the old robot sat on the soft floor of the big room because it was very tired after the "
    "long busy day";

/* Head h's n×n attention map (whatever the stage calls it), or NULL; not
 * Q, K, V or O, which are n×n too when d_head equals n. */
static const json_t *head_map(const json_t *root, int h, int n) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *name = json_string_value(json_object_get(it, "name"));
        bool factor = name && strlen(name) == 1 && strchr("QKVO", name[0]);
        if (layout_is_kind(it, "heatmap") && !factor && layout_int(it, "head") == h &&
            layout_int(it, "rows") == n && layout_int(it, "cols") == n)
            return it;
    }
    return NULL;
}

static int count_tokens(const char *s) {
    char err[256];
    attn_token toks[64];
    size_t n = 0;
    if (attn_tokenize(toks, 64, &n, s, strlen(s), err, sizeof err) != ATTN_OK) return -1;
    return (int)n;
}

/* Stages 4–8 in the heads view: every head's map where stage 4 put it. */
static void check_steady(int w, int h, int heads, const char *sentence) {
    int n = count_tokens(sentence);
    int boxes[16][4];
    for (int stage = 4; stage <= 8; stage++) {
        char args[1024];
        snprintf(args, sizeof args, "--stage %d --size %dx%d --heads %d --d-model 64 --sentence '%s'",
                 stage, w, h, heads, sentence);
        json_t *root = layout_of(args);
        if (!root) return;
        for (int k = 0; k < heads; k++) {
            const json_t *m = head_map(root, k, n);
            CHECKF(m != NULL, "%dx%d, %d heads, %d tokens, stage %d: no map for head %d", w, h,
                   heads, n, stage, k + 1);
            if (!m) continue;
            int box[4] = {layout_int(m, "x"), layout_int(m, "y"), layout_int(m, "w"), layout_int(m, "h")};
            if (stage == 4) memcpy(boxes[k], box, sizeof box);
            else
                CHECKF(memcmp(boxes[k], box, sizeof box) == 0,
                       "%dx%d, %d heads, %d tokens: head %d's map is at %d,%d %dx%d in stage 4, "
                       "at %d,%d %dx%d in stage %d",
                       w, h, heads, n, k + 1, boxes[k][0], boxes[k][1], boxes[k][2], boxes[k][3],
                       box[0], box[1], box[2], box[3], stage);
        }
        json_decref(root);
    }
}

/* Every text run at least min px; with labels, every token of the sentence
 * whole left of each map (a row label) and above it (a column label). */
static void check_type(const char *what, const json_t *root, int min, int heads,
                       const char *sentence, bool labels) {
    const json_t *items = json_object_get(root, "items");
    int small = 0, smallest = 1000;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        if (!layout_is_kind(it, "text")) continue;
        int px = layout_int(it, "px");
        if (px < min) small++;
        if (px < smallest) smallest = px;
    }
    CHECKF(small == 0, "%s: %d text runs under %d px (the smallest %d px)", what, small, min,
           smallest);
    if (!labels) return;
    char err[256];
    attn_token toks[64];
    size_t n = 0;
    CHECK(attn_tokenize(toks, 64, &n, sentence, strlen(sentence), err, sizeof err) == ATTN_OK);
    for (int h = 0; h < heads; h++) {
        const json_t *m = head_map(root, h, (int)n);
        CHECKF(m != NULL, "%s: no map for head %d", what, h + 1);
        if (!m) continue;
        int mx = layout_int(m, "x"), my = layout_int(m, "y"), mw = layout_int(m, "w"), mh = layout_int(m, "h");
        for (size_t t = 0; t < n; t++) {
            char word[128];
            snprintf(word, sizeof word, "%.*s", (int)toks[t].len, sentence + toks[t].offset);
            bool row = false, col = false;
            for (size_t i = 0; i < json_array_size(items); i++) {
                const json_t *it = json_array_get(items, i);
                const char *s = json_string_value(json_object_get(it, "text"));
                if (!layout_is_kind(it, "text") || !s || strcmp(s, word) != 0) continue;
                int x = layout_int(it, "x"), y = layout_int(it, "y"), iw = layout_int(it, "w"),
                    ih = layout_int(it, "h");
                /* a row label: left of the map, beside its rows; a column
                 * label: over its columns, above the map or above its
                 * column of maps (maps under one another share their
                 * tokens, so the first row of maps may name the columns
                 * for all: every column of every map is still named whole
                 * straight above it) */
                if (x + iw <= mx + 2 && x + iw >= mx - mw && y + ih / 2 >= my && y + ih / 2 <= my + mh)
                    row = true;
                if (y + ih <= my + 2 && x + iw / 2 >= mx && x + iw / 2 <= mx + mw) col = true;
            }
            CHECKF(row && col, "%s: head %d's map lacks \"%s\" whole as a %s label", what, h + 1,
                   word, row ? "column" : "row");
        }
    }
}

/* 8 heads × 20 tokens at 1920×1080 (maps of 180×280 with every other row
 * named in normal mode, 220×200 with 7 of 20 in presenter mode): each map
 * names at least min_rows of its rows beside them, each column it names
 * is over it (or over the map above it, the first row of maps naming the
 * columns for all), the maps are at least min_w × min_h, and no row
 * carries its own "Σ=1.000" (one note a map says it). */
static void check_many_heads(const char *extra, int min_w, int min_h, int min_rows) {
    static const char *const sentence20 =
        "The old teacher told the tired students that the long exam would start after lunch "
        "because the room was cold";
    char args[1024], err[256];
    snprintf(args, sizeof args,
             "--heads 8 --kv-heads 2 --causal --stage 7 --size 1920x1080 %s --sentence '%s'", extra,
             sentence20);
    attn_token toks[64];
    size_t n = 0;
    CHECK(attn_tokenize(toks, 64, &n, sentence20, strlen(sentence20), err, sizeof err) == ATTN_OK &&
          n == 20);
    json_t *root = layout_of(args);
    if (!root) return;
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *s = json_string_value(json_object_get(json_array_get(items, i), "text"));
        CHECKF(!s || strncmp(s, "Σ=", strlen("Σ=")) != 0, "%s: a row's own sum \"%s\"", args, s);
    }
    for (int h = 0; h < 8; h++) {
        const json_t *m = head_map(root, h, (int)n);
        CHECKF(m != NULL, "%s: no map for head %d", args, h + 1);
        if (!m) continue;
        int mx = layout_int(m, "x"), my = layout_int(m, "y"), mw = layout_int(m, "w"),
            mh = layout_int(m, "h");
        CHECKF(mw >= min_w && mh >= min_h, "%s: head %d's map %dx%d, under %dx%d", args, h + 1, mw,
               mh, min_w, min_h);
        int rows = 0, cols = 0;
        for (size_t t = 0; t < n; t++) {
            char word[128];
            snprintf(word, sizeof word, "%.*s", (int)toks[t].len, sentence20 + toks[t].offset);
            int row_top = my + (int)((size_t)mh * t / n), row_bottom = my + (int)((size_t)mh * (t + 1) / n);
            bool row = false, col = false;
            for (size_t i = 0; i < json_array_size(items); i++) {
                const json_t *it = json_array_get(items, i);
                const char *s = json_string_value(json_object_get(it, "text"));
                if (!layout_is_kind(it, "text") || !s || strcmp(s, word) != 0) continue;
                int x = layout_int(it, "x"), y = layout_int(it, "y"), iw = layout_int(it, "w"),
                    ih = layout_int(it, "h");
                /* beside its own row, left of the map */
                if (x + iw <= mx + 2 && x + iw >= mx - mw && y + ih / 2 >= row_top &&
                    y + ih / 2 <= row_bottom)
                    row = true;
                /* above the map, over its columns (turned-up labels are
                 * as tall as the word) */
                if (y + ih <= my + 2 && x + iw / 2 >= mx && x + iw / 2 <= mx + mw) col = true;
            }
            rows += row;
            cols += col;
        }
        CHECKF(rows >= min_rows, "%s: head %d names %d rows of %zu, under %d", args, h + 1, rows,
               n, min_rows);
        CHECKF(cols == 0 || cols == (int)n, "%s: head %d names %d columns of %zu", args, h + 1,
               cols, n);
    }
    json_decref(root);
}

/* Head h's map in a render of the trained model (no --weights), any n. */
static const json_t *any_head_map(const json_t *root, int h) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        int n = layout_int(it, "rows");
        if (n > 1 && layout_int(it, "cols") == n && head_map(root, h, n) == it) return it;
    }
    return NULL;
}

/* Columns of map m named by a text run straight above them (over the map
 * or over its column of maps). */
static int columns_named(const json_t *root, const json_t *m) {
    const json_t *items = json_object_get(root, "items");
    int n = layout_int(m, "cols"), mx = layout_int(m, "x"), my = layout_int(m, "y"),
        mw = layout_int(m, "w"), named = 0;
    for (int j = 0; j < n; j++) {
        int left = mx + mw * j / n, right = mx + mw * (j + 1) / n;
        bool found = false;
        for (size_t i = 0; i < json_array_size(items) && !found; i++) {
            const json_t *it = json_array_get(items, i);
            if (!layout_is_kind(it, "text")) continue;
            int x = layout_int(it, "x"), y = layout_int(it, "y"), iw = layout_int(it, "w"),
                ih = layout_int(it, "h");
            found = y + ih <= my + 2 && x + iw / 2 >= left && x + iw / 2 < right;
        }
        named += found;
    }
    return named;
}

/* The reviewer's cases on the trained model (the default start): presenter
 * maps of 4 heads × 11 tokens at least the normal mode's (they were
 * 374×253 against 495×330); the 20-word sentence at 1920×1080 in a grid
 * that names every column of every map with near-square cells (it was one
 * row of 220×440 maps, columns unnamed, while 1280×800 named them); one
 * head large names no row's own Σ. */
static void check_trained(void) {
    static const char *const sentence20 =
        "The old teacher told the tired students that the long exam would start after lunch "
        "because the room was cold";
    json_t *normal = layout_render(exe, dir, "--stage 7 --size 1920x1080");
    json_t *present = layout_render(exe, dir, "--present --stage 7 --size 1920x1080");
    for (int h = 0; normal && present && h < 4; h++) {
        const json_t *a = any_head_map(normal, h), *b = any_head_map(present, h);
        CHECKF(a && b, "trained model: no map of head %d", h + 1);
        if (!a || !b) continue;
        long an = (long)layout_int(a, "w") * layout_int(a, "h");
        long bn = (long)layout_int(b, "w") * layout_int(b, "h");
        CHECKF(bn >= an, "trained model, stage 7: head %d's map %dx%d in presenter mode, %dx%d "
               "in normal mode", h + 1, layout_int(b, "w"), layout_int(b, "h"),
               layout_int(a, "w"), layout_int(a, "h"));
    }
    json_decref(normal);
    json_decref(present);

    char args[512];
    snprintf(args, sizeof args, "--stage 7 --size 1920x1080 --sentence '%s'", sentence20);
    json_t *root = layout_render(exe, dir, args);
    for (int h = 0; root && h < 4; h++) {
        const json_t *m = any_head_map(root, h);
        CHECKF(m != NULL, "%s: no map of head %d", args, h + 1);
        if (!m) continue;
        int n = layout_int(m, "rows");
        double cw = (double)layout_int(m, "w") / n, ch = (double)layout_int(m, "h") / n;
        CHECKF(cw <= 1.25 * ch + 0.01 && ch <= 1.25 * cw + 0.01,
               "%s: head %d's cells %.1f x %.1f, not near square", args, h + 1, cw, ch);
        int named = columns_named(root, m);
        CHECKF(named == n, "%s: head %d names %d of its %d columns", args, h + 1, named, n);
    }
    json_decref(root);

    root = layout_render(exe, dir, "--view focus --stage 7 --size 1920x1080");
    const json_t *items = root ? json_object_get(root, "items") : NULL;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *s = json_string_value(json_object_get(json_array_get(items, i), "text"));
        CHECKF(!s || strncmp(s, "Σ=", strlen("Σ=")) != 0, "focus view, stage 7: a row's own sum \"%s\"", s);
    }
    json_decref(root);
}

static void check_presenter(int stage, int heads, const char *sentence, bool labels) {
    char args[1024], what[128];
    snprintf(args, sizeof args,
             "--present --stage %d --size 1920x1080 --heads %d --d-model 64 --sentence '%s'", stage,
             heads, sentence);
    snprintf(what, sizeof what, "presenter, stage %d, %d heads, %d tokens", stage, heads,
             count_tokens(sentence));
    json_t *root = layout_of(args);
    if (root) check_type(what, root, 20, heads, sentence, labels);
    json_decref(root);
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    CHECK(count_tokens(sentence9) == 9 && count_tokens(sentence22) == 22);

    check_trained();
    check_many_heads("", 220, 340, 20);
    check_many_heads("--present", 170, 260, 9);

    static const int sizes[][2] = {{1280, 800}, {1920, 1080}};
    static const int head_counts[] = {4, 8, 16};
    const char *sentences[] = {sentence9, sentence22};
    for (size_t s = 0; s < 2; s++)
        for (size_t k = 0; k < 3; k++)
            for (size_t t = 0; t < 2; t++)
                check_steady(sizes[s][0], sizes[s][1], head_counts[k], sentences[t]);

    /* one head large: stages 4–8 keep the map in place too, in either
     * mode (Q_h and K_hᵀ at 4, V_h and O_h at 8 in room kept for them) */
    for (size_t z = 0; z < 2; z++)
        for (int present = 0; present < 2; present++) {
            int box[4] = {0, 0, 0, 0};
            for (int stage = 4; stage <= 8; stage++) {
                char args[512];
                snprintf(args, sizeof args, "%s--view focus --stage %d --size %dx%d",
                         present ? "--present " : "", stage, sizes[z][0], sizes[z][1]);
                json_t *root = layout_of(args);
                const json_t *m = root ? head_map(root, 0, count_tokens(ATTN_EXAMPLE_SENTENCE)) : NULL;
                CHECKF(m != NULL, "%s: no map of head 1", args);
                if (m) {
                    int b2[4] = {layout_int(m, "x"), layout_int(m, "y"), layout_int(m, "w"), layout_int(m, "h")};
                    if (stage == 4) memcpy(box, b2, sizeof box);
                    else
                        CHECKF(memcmp(box, b2, sizeof box) == 0,
                               "%s: head 1 at %d,%d %dx%d, at %d,%d %dx%d in stage 4", args, b2[0],
                               b2[1], b2[2], b2[3], box[0], box[1], box[2], box[3]);
                }
                json_decref(root);
            }
        }

    /* presenter mode: 20 px everywhere; whole labels where a class counts
     * tokens (4 heads: maps large enough to label) */
    for (int stage = 4; stage <= 8; stage++) check_presenter(stage, 4, sentence9, true);
    check_presenter(7, 4, ATTN_EXAMPLE_SENTENCE, true);
    check_presenter(7, 8, sentence22, false);
    check_presenter(6, 16, sentence9, false);

    /* the default start in presenter mode: V and O take the room the maps
     * leave, so each of the four maps is wider than a sixth of the window
     * (it was 297 of 1920 px while V and O kept half of every head's room) */
    for (int stage = 4; stage <= 8; stage += 4) {
        char args[512];
        snprintf(args, sizeof args, "--present --stage %d --size 1920x1080", stage);
        json_t *root = layout_of(args);
        for (int k = 0; root && k < 4; k++) {
            const json_t *m = head_map(root, k, count_tokens(ATTN_EXAMPLE_SENTENCE));
            CHECKF(m && layout_int(m, "w") > 1920 / 6, "%s: head %d's map %d px wide", args, k + 1,
                   m ? layout_int(m, "w") : 0);
        }
        json_decref(root);
    }

    /* the normal mode at 1920×1080: token labels at least 14 px */
    for (int stage = 4; stage <= 8; stage += 2) {
        char args[512];
        snprintf(args, sizeof args, "--stage %d --size 1920x1080 --sentence '%s'", stage, sentence9);
        json_t *root = layout_of(args);
        if (root) check_type("normal mode, 1920x1080", root, 14, 4, sentence9, false);
        json_decref(root);
    }

    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_presenter");
}
