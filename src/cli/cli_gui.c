/* The commands that draw: the app, a lesson in the window and `render`. */
#include <stdio.h>
#include <string.h>

#include "cli_gui.h"
#include "render.h"
#include "window.h"

int cli_run_app(const cli_options *o, char *err, size_t err_len) {
    state_settings s;
    if (cli_settings(o, &s, err, err_len) != 0) return 2;
    /* The settings are built once before any window, so a bad sentence or
     * model file is reported as such, with or without a display. */
    if (app_settings_check(&s, err, err_len) != 0) return 2;
    char msg[CLI_ERR_LEN - 2];
    attn_setting bad;
    /* a GPT-2 (hundreds of MB) is checked without loading it twice */
    if (s.source == STATE_SOURCE_TRAINED && state_model_is_gpt2(s.model_path)) {
        if (state_gpt2_check(&s, &bad, msg, sizeof msg) != ATTN_OK)
            return cli_fail_setting(err, err_len, bad, msg);
        return app_window_run(&s, theme_for(o->render.theme), o->render.present, NULL,
                              (int)o->render.stage, err, err_len);
    }
    state_model m;
    memset(&m, 0, sizeof m);
    if (state_model_apply_text(&m, &s, s.sentence, &bad, msg, sizeof msg) != 0)
        return cli_fail_setting(err, err_len, bad, msg);
    state_model_free(&m);
    return app_window_run(&s, theme_for(o->render.theme), o->render.present, NULL,
                          (int)o->render.stage, err, err_len);
}

int cli_run_lesson(const cli_options *o, const char *path, char *err, size_t err_len) {
    if (cli_lesson_parses(path, err, err_len) != 0) return 2;
    state_settings s;
    state_settings_default(&s);
    return app_window_run(&s, theme_for(o->render.theme), o->render.present, path, -1, err,
                          err_len);
}

int cli_run_render(const cli_options *o, char *err, size_t err_len) {
    state_settings s;
    if (cli_settings(o, &s, err, err_len) != 0) return 2;
    int rc = app_render_png(&s, &o->render, err, err_len);
    if (rc == 0) printf("%s\n", o->render.out);
    return rc;
}
