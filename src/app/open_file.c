/* A file dropped on the window (or, in the browser, picked or dropped on the
 * page and copied into its file system, platform_web.c): a lesson (.md)
 * opens as L's picker opens one; any other file is taken as a model and
 * applied as the settings panel applies a typed "model file path", so it is
 * checked by the same code and refused with the same message. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "window_app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A model file this large takes seconds to read (GPT-2 small's 500 MB:
 * a second on the desktop, several in a browser, where the window cannot
 * draw meanwhile): the status line says so on a frame of its own first. */
#define OPEN_LATER_BYTES (64ll << 20)

static bool ends_with(const char *s, const char *end) {
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

static void open_model(window_app *a, const char *path) {
    settings_panel *p = &a->panel;
    p->draft.source = STATE_SOURCE_TRAINED;
    snprintf(p->draft.model_path, sizeof p->draft.model_path, "%s", path);
    settings_panel_apply(p, &a->s); /* says what applied, or why not */
}

void window_open_file(window_app *a, const char *path) {
    if (ends_with(path, ".md")) {
        char err[APP_ERR_LEN];
        if (app_lesson_open(&a->s, path, err, sizeof err) != 0) {
            window_say(a, true, "%s", err);
            return;
        }
        a->picker.open = false;
        a->s.show_settings = false;
        a->stop_at_end = true;
        window_say(a, false, "lesson: %s", a->s.lesson->player.lesson.title);
        return;
    }
    struct stat sb;
    if (!a->open_later && stat(path, &sb) == 0 && (long long)sb.st_size >= OPEN_LATER_BYTES) {
        a->open_later = strdup(path);
        if (a->open_later) {
            const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
            a->open_later_shown = false;
            window_say(a, false, "reading %s (%lld MB) \xE2\x80\xA6", name,
                       (long long)sb.st_size >> 20);
            return;
        }
    }
    open_model(a, path); /* small, or no memory to put it off: at once */
}

void window_open_later(window_app *a) {
    if (!a->open_later) return;
    if (!a->open_later_shown) { /* this frame said so: the next one reads */
        a->open_later_shown = true;
        return;
    }
    char *path = a->open_later;
    a->open_later = NULL;
    bool was_playing = a->s.playing;
    open_model(a, path);
    free(path);
    /* as after a setting applied by a key (window_on_event): play started
     * from pause shows this stage once, then the class looks */
    if (!was_playing && a->s.playing) a->stop_at_end = true;
}
