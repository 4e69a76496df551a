/* Reading what `attnviz render --layout F.json` says a frame drew, for the
 * tests that check layout and words through it (test_texts, test_presenter,
 * test_focus_head, ...). Header-only like check.h: include it after it. */
#ifndef ATTNVIZ_TESTS_LAYOUT_JSON_H
#define ATTNVIZ_TESTS_LAYOUT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Runs `exe render ARGS` into dir (frame.png, frame.json, log) and returns
 * the layout, or NULL after a failed check (the render failed, or its
 * layout does not parse). The caller frees it with json_decref. */
static inline json_t *layout_render(const char *exe, const char *dir, const char *args) {
    char cmd[4096], path[1024];
    snprintf(path, sizeof path, "%s/frame.json", dir);
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' render %s --out '%s/frame.png' --layout '%s' "
             ">'%s/log' 2>&1",
             exe, args, dir, path, dir);
    int rc = system(cmd);
    rc = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    CHECKF(rc == 0, "render %s exited %d", args, rc);
    if (rc != 0) return NULL;
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    CHECKF(root != NULL, "%s: %s (line %d)", path, e.text, e.line);
    return root;
}

/* An item's integer field (x, y, w, h, px, rows, cols, head). */
static inline int layout_int(const json_t *o, const char *key) {
    return (int)json_integer_value(json_object_get(o, key));
}

/* Whether an item is of kind ("heatmap", "text", "highlight"). */
static inline bool layout_is_kind(const json_t *it, const char *kind) {
    const char *k = json_string_value(json_object_get(it, "kind"));
    return k && strcmp(k, kind) == 0;
}

#endif
