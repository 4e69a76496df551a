/* One head large (the focus view, stages 4–8) uses the frame, read back
 * from `attnviz render --layout F.json` on the default trained model:
 * - presenter mode at 1920×1080: the map at least 55% of the frame's
 *   height, a value in every cell at 20 px or more;
 * - every row and column label whole (no "…"), with the 11 tokens of the
 *   default sentence and with a 20-word sentence (column labels too wide
 *   to stand across its columns are turned up, not cut);
 * - presenter mode's map at least as large as the normal mode's (as tall
 *   at 1280×800).
 * usage: test_focus_room PATH_TO_ATTNVIZ */
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
static char dir[] = "/tmp/test_focus_room.XXXXXX";

static const char *const sentence20 =
    "The old teacher told the tired students that the long exam would start after lunch "
    "because the room was cold";

typedef struct map {
    int x, y, w, h, n; /* n 0: none found */
} map;

/* Head 1's n×n map: a heatmap of head 0 as tall as wide in cells, not one
 * of the factors Q, K, V, O. */
static map head_map(const json_t *root) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *name = json_string_value(json_object_get(it, "name"));
        bool factor = name && strlen(name) == 1 && strchr("QKVO", name[0]);
        if (layout_is_kind(it, "heatmap") && !factor && layout_int(it, "head") == 0 &&
            layout_int(it, "rows") == layout_int(it, "cols") && layout_int(it, "rows") > 1)
            return (map){layout_int(it, "x"), layout_int(it, "y"), layout_int(it, "w"),
                         layout_int(it, "h"), layout_int(it, "rows")};
    }
    return (map){0, 0, 0, 0, 0};
}

static json_t *render(const char *args) {
    return layout_render(exe, dir, args);
}

/* Whether s is a cell's value as heads_cell_values writes it: "0", "0.78",
 * "−52.7", "114". */
static bool is_value(const char *s) {
    if (strncmp(s, "−", strlen("−")) == 0) s += strlen("−");
    else if (*s == '-') s++;
    if (!*s) return false;
    for (; *s; s++)
        if (!(*s >= '0' && *s <= '9') && *s != '.') return false;
    return true;
}

/* Values drawn inside the map (count, and their smallest type). */
static void cell_values(const json_t *root, map m, int *count, int *least_px) {
    const json_t *items = json_object_get(root, "items");
    *count = 0;
    *least_px = 1000;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *t = json_string_value(json_object_get(it, "text"));
        if (!layout_is_kind(it, "text") || !t || !is_value(t)) continue;
        int cx = layout_int(it, "x") + layout_int(it, "w") / 2;
        int cy = layout_int(it, "y") + layout_int(it, "h") / 2;
        if (cx < m.x || cx > m.x + m.w || cy < m.y || cy > m.y + m.h) continue;
        (*count)++;
        if (layout_int(it, "px") < *least_px) *least_px = layout_int(it, "px");
    }
}

/* The row labels (left of the map, level with its rows) all there and whole,
 * and a column label above the map with each one's text. */
static void check_labels(const char *args, const json_t *root, map m) {
    const json_t *items = json_object_get(root, "items");
    const char *rows[64];
    int n_rows = 0;
    size_t n_items = json_array_size(items);
    bool *used = calloc(n_items + 1, sizeof *used);
    if (!used) return;
    for (size_t i = 0; i < n_items; i++) {
        const json_t *it = json_array_get(items, i);
        const char *t = json_string_value(json_object_get(it, "text"));
        int cy = layout_int(it, "y") + layout_int(it, "h") / 2;
        if (!layout_is_kind(it, "text") || !t) continue;
        if (layout_int(it, "x") + layout_int(it, "w") <= m.x && cy > m.y && cy < m.y + m.h &&
            layout_int(it, "x") + layout_int(it, "w") >= m.x - 3 * layout_int(it, "px")) {
            CHECKF(strstr(t, "…") == NULL, "%s: row label \"%s\" cut", args, t);
            if (n_rows < 64) rows[n_rows++] = t;
        }
    }
    CHECKF(n_rows == m.n, "%s: %d row labels for %d rows", args, n_rows, m.n);
    for (int r = 0; r < n_rows; r++) {
        bool found = false;
        for (size_t i = 0; i < n_items && !found; i++) {
            const json_t *it = json_array_get(items, i);
            const char *t = json_string_value(json_object_get(it, "text"));
            int cx = layout_int(it, "x") + layout_int(it, "w") / 2;
            int bottom = layout_int(it, "y") + layout_int(it, "h");
            if (used[i] || !layout_is_kind(it, "text") || !t || strcmp(t, rows[r]) != 0) continue;
            if (cx > m.x && cx < m.x + m.w && bottom <= m.y && bottom > m.y - 400)
                found = used[i] = true;
        }
        CHECKF(found, "%s: no whole column label \"%s\" above the map", args, rows[r]);
    }
    free(used);
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char args[1024];

    /* presenter mode at 1920×1080, the default sentence: a large map with
     * its numbers at 20 px (it was 594×396 with none) */
    for (int stage = 4; stage <= 8; stage += 2) {
        int s = stage == 6 ? 7 : stage;
        snprintf(args, sizeof args, "--present --view focus --stage %d --size 1920x1080", s);
        json_t *root = render(args);
        map m = root ? head_map(root) : (map){0};
        CHECKF(m.n == 11, "%s: no 11×11 map of head 1", args);
        CHECKF(m.h * 100 >= 55 * 1080, "%s: the map %dx%d, under 55%% of 1080", args, m.w, m.h);
        int count = 0, least = 0;
        if (root) cell_values(root, m, &count, &least);
        CHECKF(count >= m.n * m.n && m.n > 0, "%s: %d values in %d cells", args, count, m.n * m.n);
        CHECKF(least >= 20, "%s: values at %d px", args, least);
        if (root && m.n > 0) check_labels(args, root, m);
        json_decref(root);
    }

    /* the 20-word sentence: every label whole in presenter mode at 1920×1080
     * and in the normal mode at 1280×800 ("teac…", "stud…", "beca…") */
    const char *sizes[] = {"--present --size 1920x1080", "--size 1280x800"};
    for (int z = 0; z < 2; z++)
        for (int stage = 4; stage <= 8; stage += 4) {
            snprintf(args, sizeof args, "%s --view focus --stage %d --sentence '%s'", sizes[z],
                     stage, sentence20);
            json_t *root = render(args);
            map m = root ? head_map(root) : (map){0};
            CHECKF(m.n == 21, "%s: no 21×21 map of head 1 (%d)", args, m.n);
            if (root && m.n > 0) check_labels(args, root, m);
            json_decref(root);
        }

    /* presenter mode's map is at least the normal mode's: as large at
     * 1920×1080, as tall at 1280×800 (where its wider labels and colour
     * bars leave less width) */
    const char *frames[] = {"1920x1080", "1280x800"};
    for (int z = 0; z < 2; z++) {
        map both[2];
        for (int present = 0; present < 2; present++) {
            snprintf(args, sizeof args, "%s--view focus --stage 7 --size %s",
                     present ? "--present " : "", frames[z]);
            json_t *root = render(args);
            both[present] = root ? head_map(root) : (map){0};
            json_decref(root);
        }
        CHECKF(both[1].n > 0 && (z == 1 || both[1].w >= both[0].w) && both[1].h >= both[0].h,
               "%s: presenter mode's map %dx%d, the normal mode's %dx%d", frames[z], both[1].w,
               both[1].h, both[0].w, both[0].h);
    }

    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_focus_room");
}
