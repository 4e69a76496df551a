/* The focus view at the whole-matrix stages: the head in focus is marked
 * on the matrices that hold its share (`attnviz render --layout`): its
 * columns of W_Q and Q (stage 2), its slabs (3, with grouped K/V the
 * group's), its O_h in concat (9), its rows of W_O (10), and its name drawn.
 * usage: test_focus_head PATH_TO_ATTNVIZ */
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
static char dir[] = "/tmp/test_focus_head.XXXXXX";

/* The layout of the focus view rendered with args, or NULL. */
static json_t *layout_of(const char *args) {
    char all[1024];
    snprintf(all, sizeof all, "--view focus %s", args);
    return layout_render(exe, dir, all);
}

/* The first item of kind named name of head (any head when head < -1). */
static const json_t *find(const json_t *root, const char *kind, const char *name, int head) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *k = json_string_value(json_object_get(it, "kind"));
        const char *nm = json_string_value(json_object_get(it, "name"));
        if (k && strcmp(k, kind) == 0 && nm && strcmp(nm, name) == 0 &&
            (head < -1 || layout_int(it, "head") == head))
            return it;
    }
    return NULL;
}

static bool has_text(const json_t *root, const char *s) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(items, i), "text"));
        if (t && strstr(t, s)) return true;
    }
    return false;
}

/* A highlight of name (head hl) spanning cells [first, first+count) of the
 * heatmap called name (head hm) along its columns (or rows), within 2 px. */
static void check_band(const json_t *root, const char *name, int hm, int hl, int first, int count,
                       bool by_rows, const char *what) {
    const json_t *m = find(root, "heatmap", name, hm), *b = find(root, "highlight", name, hl);
    CHECKF(m && b, "%s: no heatmap or highlight %s", what, name);
    if (!m || !b) return;
    const char *pos = by_rows ? "y" : "x", *len = by_rows ? "h" : "w";
    int cells = layout_int(m, by_rows ? "rows" : "cols");
    double px = (double)layout_int(m, len) / cells;
    int want0 = layout_int(m, pos) + (int)(first * px);
    int want1 = layout_int(m, pos) + (int)((first + count) * px);
    int got0 = layout_int(b, pos), got1 = got0 + layout_int(b, len);
    CHECKF(abs(got0 - want0) <= 2 && abs(got1 - want1) <= 2,
           "%s: %s band %d..%d px, want %d..%d", what, name, got0, got1, want0, want1);
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    if (!mkdtemp(dir)) return 1;
    /* the default, trained model: 4 heads of 32 over d_model 128; heads named "1.h" */
    const int dk = 32;
    for (int head = 2; head <= 3; head++) {
        char args[256], name[32];
        int h = head - 1;
        snprintf(name, sizeof name, "head 1.%d", head);
        snprintf(args, sizeof args, "--stage 2 --head %d", head);
        json_t *r = layout_of(args);
        if (r) {
            check_band(r, "W_Q", -1, h, h * dk, dk, false, args);
            check_band(r, "Q", -1, h, h * dk, dk, false, args);
            check_band(r, "V", -1, h, h * dk, dk, false, args);
            CHECKF(has_text(r, name), "%s: no \"%s\"", args, name);
            json_decref(r);
        }
        snprintf(args, sizeof args, "--stage 3 --head %d", head);
        if ((r = layout_of(args))) {
            check_band(r, "Q", h, h, 0, dk, false, args);
            check_band(r, "K", h, h, 0, dk, false, args);
            CHECKF(!find(r, "highlight", "Q", 0), "%s: head 1 marked too", args);
            CHECKF(has_text(r, name), "%s: no \"%s\"", args, name);
            json_decref(r);
        }
        snprintf(args, sizeof args, "--stage 9 --head %d", head);
        if ((r = layout_of(args))) {
            check_band(r, "O", h, h, 0, dk, false, args);
            CHECKF(has_text(r, name), "%s: no \"%s\"", args, name);
            json_decref(r);
        }
        snprintf(args, sizeof args, "--stage 10 --head %d", head);
        if ((r = layout_of(args))) {
            check_band(r, "concat", -1, h, h * dk, dk, false, args);
            check_band(r, "W_O", -1, h, h * dk, dk, true, args);
            CHECKF(has_text(r, name), "%s: no \"%s\"", args, name);
            CHECKF(has_text(r, "share of the output"), "%s: no caption", args);
            json_decref(r);
        }
    }
    /* grouped-query (mechanics, d_model 32, 4 heads of 8, 2 K/V groups): head 2
     * reads its own Q slab and group 1's K and V, which says whose they are */
    json_t *r = layout_of("--stage 3 --head 2 --kv-heads 2");
    if (r) {
        check_band(r, "Q", 1, 1, 0, 8, false, "kv-heads 2");
        check_band(r, "K", 0, 0, 0, 8, false, "kv-heads 2");
        check_band(r, "V", 0, 0, 0, 8, false, "kv-heads 2");
        CHECK(!find(r, "highlight", "K", 1));
        CHECK(has_text(r, "shared by heads 1–2"));
        json_decref(r);
    }
    r = layout_of("--stage 3 --head 3 --kv-heads 2");
    if (r) {
        check_band(r, "K", 1, 1, 0, 8, false, "kv-heads 2, head 3");
        json_decref(r);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_focus_head");
}
