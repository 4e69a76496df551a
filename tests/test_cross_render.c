/* Cross-attention on screen, through `attnviz render --layout`: every
 * head's map is a rectangle of the queries' tokens (rows) by the other
 * sentence's tokens (columns), its cells as wide as tall within the
 * layout's rules, with the queries' words beside the rows and the other
 * sentence's words above the columns, at stage 7 in both views; stage 1
 * draws X and X_kv, stage 2 K and V with a row per key, stage 6 says there
 * is no causal mask across sentences, the arcs view says it is for
 * self-attention; and a bad other sentence is refused with exit status 2.
 * usage: test_cross_render PATH_TO_ATTNVIZ */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "layout_json.h"

static const char *exe;
static char dir[] = "/tmp/test_cross_render.XXXXXX";

#define ARGS "--weights mechanics --sentence 'The cat sat on the mat.' " \
             "--cross 'Le chat est assis sur le tapis ce matin.' "
static const char *const queries[] = {"The", "cat", "sat", "on", "the", "mat", "."};
static const char *const keys[] = {"Le", "chat", "est", "assis", "sur",
                                   "le", "tapis", "ce", "matin", "."};

/* Heatmaps called name (any head), up to max, into out; returns the count. */
static size_t heatmaps(const json_t *root, const char *name, const json_t **out, size_t max) {
    const json_t *items = json_object_get(root, "items");
    size_t count = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *nm = json_string_value(json_object_get(it, "name"));
        if (layout_is_kind(it, "heatmap") && nm && strcmp(nm, name) == 0) {
            if (count < max) out[count] = it;
            count++;
        }
    }
    return count;
}

/* A text run spelling word whose box's centre lies in [x0, x1) × [y0, y1). */
static bool text_in(const json_t *root, const char *word, int x0, int x1, int y0, int y1) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *tx = json_string_value(json_object_get(it, "text"));
        if (!layout_is_kind(it, "text") || !tx || strcmp(tx, word) != 0) continue;
        int cx = layout_int(it, "x") + layout_int(it, "w") / 2;
        int cy = layout_int(it, "y") + layout_int(it, "h") / 2;
        if (cx >= x0 && cx < x1 && cy >= y0 && cy < y1) return true;
    }
    return false;
}

/* Some text run containing part. */
static bool text_has(const json_t *root, const char *part) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *tx = json_string_value(json_object_get(json_array_get(items, i), "text"));
        if (tx && strstr(tx, part)) return true;
    }
    return false;
}

/* The map m: 7 rows by 10 columns, cells wider than tall by at most the
 * layout's rules (as wide as tall up to 2×), the queries' words left of
 * the rows (each at its row), the keys' words above the columns (each over
 * its column). */
static void check_map(const json_t *root, const json_t *m, const char *what) {
    int x = layout_int(m, "x"), y = layout_int(m, "y"), w = layout_int(m, "w"),
        h = layout_int(m, "h");
    CHECKF(layout_int(m, "rows") == 7 && layout_int(m, "cols") == 10,
           "%s: a %d × %d map, want 7 × 10", what, layout_int(m, "rows"), layout_int(m, "cols"));
    double cw = w / 10.0, ch = h / 7.0;
    CHECKF(cw > 0 && ch > 0 && cw <= 2.5 * ch && ch <= 2.5 * cw,
           "%s: cells %.1f × %.1f are not near square: the map is not the rectangle it holds",
           what, cw, ch);
    CHECKF(w > h, "%s: %d × %d, want wider than tall (10 columns, 7 rows)", what, w, h);
    for (int i = 0; i < 7; i++) {
        int top = y + (int)(ch * i), bottom = y + (int)(ch * (i + 1));
        CHECKF(text_in(root, queries[i], x - 8 * (int)ch - 200, x, top, bottom + 1),
               "%s: row %d's label '%s' is not left of its row", what, i + 1, queries[i]);
    }
    for (int j = 0; j < 10; j++) {
        int left = x + (int)(cw * j) - 1, right = x + (int)(cw * (j + 1)) + 1;
        CHECKF(text_in(root, keys[j], left, right, y - 200, y),
               "%s: column %d's label '%s' is not above its column", what, j + 1, keys[j]);
    }
}

static void test_heads(void) {
    json_t *root = layout_render(exe, dir, ARGS "--stage softmax --size 1280x800");
    if (!root) return;
    const json_t *maps[8];
    size_t n = heatmaps(root, "weights", maps, 8);
    CHECKF(n == 4, "%zu weight maps, want one per head (4)", n);
    for (size_t h = 0; h < n && h < 8; h++) {
        char what[32];
        snprintf(what, sizeof what, "heads view, map %zu", h + 1);
        check_map(root, maps[h], what);
    }
    CHECK(text_has(root, "cross: 10 keys"));
    CHECK(text_has(root, "over the 10 keys"));
    json_decref(root);
}

static void test_focus(void) {
    json_t *root = layout_render(exe, dir, ARGS "--stage softmax --view focus --head 2");
    if (!root) return;
    const json_t *maps[2];
    CHECK(heatmaps(root, "weights", maps, 2) == 1);
    check_map(root, maps[0], "focus view");
    json_decref(root);
    /* stage 4 in focus: K_hᵀ has a column per key */
    root = layout_render(exe, dir, ARGS "--stage scores --view focus");
    if (!root) return;
    const json_t *k[2];
    CHECK(heatmaps(root, "K", k, 2) == 1 && layout_int(k[0], "cols") == 10 &&
          layout_int(k[0], "rows") == 8);
    CHECK(heatmaps(root, "scores", k, 2) == 1 && layout_int(k[0], "rows") == 7 &&
          layout_int(k[0], "cols") == 10);
    json_decref(root);
}

static void test_stages(void) {
    /* 1: X (7 rows) and X_kv (10 rows), each with its own words */
    json_t *root = layout_render(exe, dir, ARGS "--stage embed");
    if (!root) return;
    const json_t *x[2], *xk[2];
    bool both = heatmaps(root, "X", x, 2) == 1 && heatmaps(root, "X_kv", xk, 2) == 1;
    CHECKF(both, "stage 1 draws X and X_kv once each");
    if (!both) {
        json_decref(root);
        return;
    }
    CHECK(layout_int(x[0], "rows") == 7 && layout_int(xk[0], "rows") == 10);
    int ky = layout_int(xk[0], "y"), kh = layout_int(xk[0], "h");
    CHECK(text_in(root, "assis", 0, layout_int(xk[0], "x"), ky, ky + kh));
    json_decref(root);
    /* 2: Q from X, K and V from X_kv */
    root = layout_render(exe, dir, ARGS "--stage project");
    if (!root) return;
    const json_t *q[2], *kk[2], *v[2];
    CHECK(heatmaps(root, "Q", q, 2) == 1 && layout_int(q[0], "rows") == 7);
    CHECK(heatmaps(root, "K", kk, 2) == 1 && layout_int(kk[0], "rows") == 10);
    CHECK(heatmaps(root, "V", v, 2) == 1 && layout_int(v[0], "rows") == 10);
    json_decref(root);
    /* 6: no mask across two sentences, said */
    root = layout_render(exe, dir, ARGS "--stage mask");
    if (!root) return;
    CHECK(text_has(root, "no causal mask across two sentences"));
    const json_t *m[8];
    CHECK(heatmaps(root, "masked", m, 8) == 4 && layout_int(m[0], "cols") == 10);
    json_decref(root);
    /* the arcs view: said to be for self-attention, the maps drawn instead */
    root = layout_render(exe, dir, ARGS "--stage softmax --view arcs");
    if (!root) return;
    CHECK(text_has(root, "self-attention"));
    CHECK(heatmaps(root, "weights", m, 8) == 4);
    json_decref(root);
}

/* Exit status of `attnviz render ARGS` (its messages to dir/log). */
static int status_of(const char *args) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "SDL_VIDEODRIVER=dummy '%s' render %s --out '%s/bad.png' >'%s/log' 2>&1",
             exe, args, dir, dir);
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool log_has(const char *part) {
    char path[512], buf[2048] = "";
    snprintf(path, sizeof path, "%s/log", dir);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    buf[got] = '\0';
    fclose(f);
    return strstr(buf, part) != NULL;
}

static void test_refused(void) {
    CHECK(status_of("--weights mechanics --cross ''") == 2 && log_has("is empty"));
    CHECK(status_of("--weights mechanics --cross 'Le chat' --causal") == 2 &&
          log_has("causal"));
    CHECK(status_of("--weights trained --cross 'Le chat'") == 2 &&
          log_has("does not apply to a trained model"));
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_heads();
    test_focus();
    test_stages();
    test_refused();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_cross_render");
}
