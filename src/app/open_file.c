/* A file dropped on the window (or, in the browser, picked or dropped on the
 * page and copied into its file system, platform_web.c): a lesson (.md)
 * opens as L's picker opens one; any other file is taken as a model and
 * applied as the settings panel applies a typed "model file path", so it is
 * checked by the same code and refused with the same message. */
#include "window_app.h"

#include <stdio.h>
#include <string.h>

static bool ends_with(const char *s, const char *end) {
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
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
    settings_panel *p = &a->panel;
    p->draft.source = STATE_SOURCE_TRAINED;
    snprintf(p->draft.model_path, sizeof p->draft.model_path, "%s", path);
    settings_panel_apply(p, &a->s); /* says what applied, or why not */
}
