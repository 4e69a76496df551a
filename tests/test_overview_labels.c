/* The model overview's token labels, read from `attnviz render --view model
 * --layout`: beside the first map of every layer's row, each label inside
 * its map's rows (its middle within the map's height), right of the frame's
 * edge and left of the map, legible (at least 12 px; 14 px at 1920x1080,
 * 20 in presenter mode), and no two labels nor a label and a map
 * overlapping. At 1920x1080 (normal and presenter mode) every row has its
 * label, and every column of the first layer's maps has its label above
 * the map, whole (the start sentence has 11 tokens).
 * usage: test_overview_labels PATH_TO_ATTNVIZ */
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

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

/* More than the boxes' slack (as test_texts: a text box is a little
 * taller and wider than its glyphs), or any overlap with a map. */
static bool overlap(const json_t *a, const json_t *b) {
    int ox = imin(layout_int(a, "x") + layout_int(a, "w"), layout_int(b, "x") + layout_int(b, "w")) -
             imax(layout_int(a, "x"), layout_int(b, "x"));
    int oy = imin(layout_int(a, "y") + layout_int(a, "h"), layout_int(b, "y") + layout_int(b, "h")) -
             imax(layout_int(a, "y"), layout_int(b, "y"));
    bool texts = layout_is_kind(a, "text") && layout_is_kind(b, "text");
    return texts ? ox > 2 && oy > 4 : ox > 0 && oy > 0;
}

/* The words of the start sentence a label may read (unknown words end in
 * '*', the start token is its own label). */
static bool is_token(const char *s) {
    static const char *const words[] = {"girl", "met", "the", "robot", "because", "she",
                                        "was", "hungry", ".", "The"};
    if (strstr(s, "start")) return true;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(s, words[i]) == 0) return true;
    return false;
}

/* Token labels above map (their middle over its width, their bottom at
 * most half a map above it), each checked for size and overlaps. */
static int column_labels(const json_t *items, const json_t *map, const char *size, int min_px) {
    int mx = layout_int(map, "x"), my = layout_int(map, "y"), mw = layout_int(map, "w");
    int labels = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *t = json_array_get(items, i);
        const char *s = json_string_value(json_object_get(t, "text"));
        if (!layout_is_kind(t, "text") || !s || !is_token(s)) continue;
        int mid = layout_int(t, "x") + layout_int(t, "w") / 2;
        int bottom = layout_int(t, "y") + layout_int(t, "h");
        if (mid < mx || mid >= mx + mw || bottom > my || bottom < my - mw / 2) continue;
        labels++;
        CHECKF(layout_int(t, "px") >= min_px, "%s: column label \"%s\" is %d px, want %d", size,
               s, layout_int(t, "px"), min_px);
        for (size_t j = 0; j < json_array_size(items); j++) {
            const json_t *o = json_array_get(items, j);
            const char *os = json_string_value(json_object_get(o, "text"));
            if (j == i || !(layout_is_kind(o, "heatmap") || (layout_is_kind(o, "text") && os)))
                continue;
            CHECKF(!overlap(t, o), "%s: column label \"%s\" overlaps %s", size, s,
                   os ? os : "a map");
        }
    }
    return labels;
}

static void check_size(const char *size, bool present, int min_px, bool every_token) {
    char path[] = "/tmp/test_overview_labels.XXXXXX", cmd[1024], json[64];
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    snprintf(json, sizeof json, "%s", path);
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' render --view model --size %s%s --out '%s.png' "
             "--layout '%s' >/dev/null 2>&1",
             exe, size, present ? " --present" : "", path, json);
    int rc = system(cmd);
    CHECKF(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "render --view model --size %s", size);
    json_error_t e;
    json_t *root = json_load_file(json, 0, &e);
    CHECKF(root != NULL, "%s: %s", json, e.text);
    if (!root) return;
    const json_t *items = json_object_get(root, "items");
    /* the first column of maps: the smallest x of the attention maps */
    int first_x = 1 << 30, maps = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        if (layout_is_kind(it, "heatmap")) maps++, first_x = layout_int(it, "x") < first_x ? layout_int(it, "x") : first_x;
    }
    CHECKF(maps == 8, "%s: %d maps, want 2 layers x 4 heads", size, maps);
    int rows_labelled = 0;
    for (size_t m = 0; m < json_array_size(items); m++) {
        const json_t *map = json_array_get(items, m);
        if (!layout_is_kind(map, "heatmap") || layout_int(map, "x") != first_x) continue;
        int my = layout_int(map, "y"), mh = layout_int(map, "h"), n = layout_int(map, "rows"), labels = 0;
        for (size_t i = 0; i < json_array_size(items); i++) {
            const json_t *t = json_array_get(items, i);
            const char *s = json_string_value(json_object_get(t, "text"));
            if (!layout_is_kind(t, "text") || !s || !is_token(s)) continue;
            int x = layout_int(t, "x"), w = layout_int(t, "w"), mid = layout_int(t, "y") + layout_int(t, "h") / 2;
            if (x + w > first_x || mid < my || mid >= my + mh) continue;
            labels++;
            CHECKF(x >= 0, "%s: label \"%s\" starts left of the frame (%d)", size, s, x);
            CHECKF(layout_int(t, "px") >= min_px, "%s: label \"%s\" is %d px, want %d", size, s,
                   layout_int(t, "px"), min_px);
            for (size_t j = 0; j < json_array_size(items); j++) {
                const json_t *o = json_array_get(items, j);
                if (j == i) continue;
                const char *os = json_string_value(json_object_get(o, "text"));
                bool other_label = layout_is_kind(o, "text") && os && is_token(os);
                CHECKF(!((layout_is_kind(o, "heatmap") || other_label) && overlap(t, o)),
                       "%s: label \"%s\" overlaps %s", size, s, os ? os : "a map");
            }
        }
        /* every row, or every k-th when rows are shorter than the type */
        CHECKF(labels >= (n + 2) / 3, "%s: %d labels beside a map of %d rows", size, labels, n);
        if (every_token)
            CHECKF(labels == n, "%s%s: %d labels beside a map of %d rows, want one a row", size,
                   present ? " presenter" : "", labels, n);
        rows_labelled++;
    }
    CHECKF(rows_labelled == 2, "%s: %d layers' rows labelled, want 2", size, rows_labelled);
    /* the first layer's maps: the smallest y of the maps */
    int top_y = 1 << 30;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        if (layout_is_kind(it, "heatmap") && layout_int(it, "y") < top_y) top_y = layout_int(it, "y");
    }
    for (size_t m = 0; every_token && m < json_array_size(items); m++) {
        const json_t *map = json_array_get(items, m);
        if (!layout_is_kind(map, "heatmap") || layout_int(map, "y") != top_y) continue;
        int n = layout_int(map, "cols"), labels = column_labels(items, map, size, min_px);
        CHECKF(labels == n, "%s%s: %d labels above a map of %d columns, want one a column", size,
               present ? " presenter" : "", labels, n);
    }
    json_decref(root);
    char png[96];
    snprintf(png, sizeof png, "%s.png", path);
    remove(png);
    remove(path);
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    check_size("1280x800", false, 12, false);
    check_size("1920x1080", false, 14, true);
    check_size("1920x1080", true, 20, true);
    return check_done("test_overview_labels");
}
