/* Reading a lesson from a file: the bytes, then lesson_parse_report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/lesson.h"
#include "attnviz/open_read.h"

bool lesson_path_is_guide(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strcmp(base, "README.md") == 0 || strcmp(base, "TEACHING.md") == 0;
}

static void cannot_read(const char *path, const char *why, lesson_error_fn report, void *ctx) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s: cannot read: %s", path, why);
    if (report) report(ctx, msg);
}

attn_status lesson_load(lesson *out, const char *path, const lesson_model_shape *trained,
                        lesson_error_fn report, void *ctx) {
    memset(out, 0, sizeof *out);
    const char *kind;
    FILE *f = attn_open_read(path, &kind);
    if (!f && kind) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s is not a regular file (%s): give a lesson file", path, kind);
        if (report) report(ctx, msg);
        return ATTN_ERR_IO;
    }
    if (!f) {
        cannot_read(path, strerror(errno), report, ctx);
        return ATTN_ERR_IO;
    }
    /* One byte more than the limit: enough to know the file is too large
     * without reading a huge one to its end. */
    size_t cap = LESSON_FILE_MAX + 1;
    char *text = malloc(cap);
    if (!text) {
        fclose(f);
        cannot_read(path, "out of memory", report, ctx);
        return ATTN_ERR_NOMEM;
    }
    size_t len = fread(text, 1, cap, f);
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(text);
        cannot_read(path, saved ? strerror(saved) : "read error", report, ctx);
        return ATTN_ERR_IO;
    }
    attn_status rc = lesson_parse_report(out, text, len, path, trained, report, ctx);
    free(text);
    return rc;
}
