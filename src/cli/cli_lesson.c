/* `attnviz lesson list`, `attnviz lesson check FILE...` and
 * `attnviz lesson render FILE --out DIR`. */
#define _POSIX_C_SOURCE 200809L
#include <SDL_image.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/lesson.h"
#include "cli.h"
#include "lesson_player.h"

/* A path as short as it can be said: relative to the working directory
 * when the lessons are under it. */
static const char *shorter(const char *path, const char *cwd) {
    size_t n = strlen(cwd);
    if (n > 0 && strncmp(path, cwd, n) == 0 && path[n] == '/') return path + n + 1;
    return path;
}

int cli_lesson_list(FILE *out, char *err, size_t err_len) {
    enum { MAX_LESSONS = 1000 };
    const char *dir = app_lessons_dir();
    char (*paths)[APP_LESSON_PATH] = malloc(MAX_LESSONS * sizeof *paths);
    if (!paths) {
        snprintf(err, err_len, "out of memory listing the lessons");
        return 2;
    }
    int n = app_lesson_files(dir, paths, MAX_LESSONS);
    if (n < 0) {
        snprintf(err, err_len, "cannot open the lessons folder '%s': set ATTNVIZ_DATA_DIR to attnviz's "
                 "data folder, or reinstall attnviz", dir);
        free(paths);
        return 2;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
    if (n == 0) fprintf(out, "no lessons in %s\n", dir);
    for (int i = 0; i < n; i++) {
        const char *path = shorter(paths[i], cwd);
        lesson l;
        if (lesson_load(&l, paths[i], NULL, NULL) == 0) {
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
    fprintf((FILE *)ctx, "%s\n", error);
}

int cli_lesson_check(FILE *out, FILE *errs, char **files, int n, char *err, size_t err_len) {
    int bad = 0;
    for (int i = 0; i < n; i++) {
        /* lessons/README.md describes the format: `lesson check` on every .md
         * names it too, and it is no lesson (as in `lesson list`). */
        const char *base = strrchr(files[i], '/');
        if (strcmp(base ? base + 1 : files[i], "README.md") == 0) {
            fprintf(out, "%s: skipped, a README is not a lesson\n", files[i]);
            fflush(out);
            continue;
        }
        lesson l;
        if (lesson_load(&l, files[i], print_error, errs) == 0) {
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

int cli_lesson_render(FILE *out, const char *path, const app_render_options *r, char *err,
                      size_t err_len) {
    /* The folder first: a typo costs nothing, and no half set of frames. */
    struct stat st;
    if (stat(r->out, &st) != 0) {
        snprintf(err, err_len, "--out %s is not a folder: create it first (mkdir -p %s)", r->out,
                 r->out);
        return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "--out %s is a file, not a folder: give a folder for the frames",
                 r->out);
        return 2;
    }
    if (access(r->out, W_OK) != 0) {
        snprintf(err, err_len, "--out %s is a folder that cannot be written: choose another",
                 r->out);
        return 2;
    }
    app_settings settings;
    app_settings_default(&settings);
    app_state s;
    int rc = app_state_init(&s, &settings, err, err_len);
    if (rc != 0) return rc;
    rc = app_lesson_open(&s, path, err, err_len);
    app_offscreen o;
    if (rc == 0) rc = app_offscreen_init(&o, r->width, r->height, err, err_len);
    if (rc != 0) {
        app_state_free(&s);
        return rc;
    }
    s.theme = r->theme ? r->theme : theme_dark();
    size_t steps = s.lesson->lesson.n_steps;
    for (size_t k = 0; k < steps && rc == 0; k++) {
        rc = app_lesson_goto(&s, k, err, err_len);
        if (rc != 0) break;
        s.progress = 1.0f; /* the step finished: what the class looks at */
        s.playing = false;
        app_draw(o.renderer, o.text, &s, o.surface->w, o.surface->h);
        SDL_RenderPresent(o.renderer);
        char file[4096];
        snprintf(file, sizeof file, "%s/step-%02zu.png", r->out, k + 1);
        if (IMG_SavePNG(o.surface, file) != 0) {
            snprintf(err, err_len, "%s could not be written: %s", file, IMG_GetError());
            rc = 2;
            break;
        }
        fprintf(out, "%s\n", file);
    }
    fflush(out);
    app_offscreen_free(&o);
    app_state_free(&s);
    return rc;
}
