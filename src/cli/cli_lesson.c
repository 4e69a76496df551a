/* `attnviz lesson list` and `attnviz lesson check FILE...` (no window
 * needed; `lesson render` is in cli_lesson_render.c). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/lesson.h"
#include "attnviz/tokenize.h"
#include "cli.h"
#include "lesson_player.h"
#include "paths.h"
#include "trained.h"

/* A path as short as it can be said: relative to the working directory
 * when the lessons are under it. */
static const char *shorter(const char *path, const char *cwd) {
    size_t n = strlen(cwd);
    if (n > 0 && strncmp(path, cwd, n) == 0 && path[n] == '/') return path + n + 1;
    return path;
}

int cli_lesson_list(FILE *out, char *err, size_t err_len) {
    enum { MAX_LESSONS = 1000 };
    char dir[STATE_PATH_MAX];
    if (state_lessons_dir(dir, sizeof dir, err, err_len) != 0) return 2;
    char (*paths)[STATE_LESSON_PATH] = malloc(MAX_LESSONS * sizeof *paths);
    if (!paths) {
        snprintf(err, err_len, "out of memory listing the lessons");
        return 2;
    }
    int n = state_lesson_files(dir, paths, MAX_LESSONS);
    if (n < 0) {
        snprintf(err, err_len, "cannot open the lessons folder '%s': set ATTNVIZ_DATA_DIR to attnviz's "
                 "data folder, or reinstall attnviz", dir);
        free(paths);
        return 2;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
    if (n == 0) fprintf(out, "no lessons in %s\n", dir);
    lesson_model_shape shape;
    const lesson_model_shape *trained = state_trained_lesson_shape(&shape);
    for (int i = 0; i < n; i++) {
        const char *path = shorter(paths[i], cwd);
        lesson l;
        if (lesson_load(&l, paths[i], trained, NULL, NULL) == 0) {
            fprintf(out, "%s  %s  (%zu step%s)\n", path, l.title, l.n_steps,
                    l.n_steps == 1 ? "" : "s");
            lesson_free(&l);
        } else {
            fprintf(out, "%s  (has errors: run attnviz lesson check %s)\n", path, path);
        }
    }
    free(paths);
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, err_len, "could not write the list to standard output");
        return 2;
    }
    return 0;
}

/* Each error on its own line, as it comes. */
static void print_error(void *ctx, const char *error) {
    char line[2048];
    snprintf(line, sizeof line, "%s", error);
    attn_clean_line(line);
    fprintf((FILE *)ctx, "%s\n", line);
}

int cli_lesson_check(FILE *out, FILE *errs, char **files, int n, char *err, size_t err_len) {
    lesson_model_shape shape;
    const lesson_model_shape *trained = state_trained_lesson_shape(&shape);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        /* lessons/README.md describes the format and TEACHING.md is the
         * teacher's page: `lesson check` on every .md names them too, and
         * they are no lessons (as in `lesson list`). */
        if (lesson_path_is_guide(files[i])) {
            fprintf(out, "%s: skipped, a guide (README.md, TEACHING.md) is not a lesson\n",
                    files[i]);
            fflush(out);
            continue;
        }
        lesson l;
        if (lesson_load(&l, files[i], trained, print_error, errs) == 0) {
            fprintf(out, "%s: ok, %zu step%s\n", files[i], l.n_steps, l.n_steps == 1 ? "" : "s");
            lesson_free(&l);
        } else {
            bad++;
        }
        fflush(out); /* so that, on one terminal, the lines come in file order */
    }
    if (bad) {
        if (n == 1) snprintf(err, err_len, "lesson check: %s has errors", files[0]);
        else snprintf(err, err_len, "lesson check: %d of %d files have errors", bad, n);
        return 2;
    }
    return 0;
}

int cli_lesson_parses(const char *path, char *err, size_t err_len) {
    state_lesson *l = malloc(sizeof *l);
    if (!l) return cli_fail(err, err_len, "out of memory for the lesson %s", path);
    int rc = state_lesson_load(l, path, err, err_len);
    if (rc == 0) state_lesson_free(l);
    free(l);
    return rc;
}
