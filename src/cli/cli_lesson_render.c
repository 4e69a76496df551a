/* `attnviz lesson render FILE --out DIR`: every step of a lesson drawn
 * finished, offscreen, as PNGs (the window build only). A step with a
 * prediction is drawn twice: step-NN.png as it opens (held, the cursor at
 * its start), and step-NN-answered.png once the cursor's starting pick (the
 * first key or head, the slider's middle) is committed: the right answer
 * marked, and that pick too when it is wrong. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_gui.h"
#include "lesson_panel.h"
#include "png.h"
#include "render.h"

int cli_lesson_render(FILE *out, const char *path, const state_frame *r, bool layouts, char *err,
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
    state_settings settings;
    state_settings_default(&settings);
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
    s.theme = theme_for(r->theme);
    s.present = r->present;
    layout_record rec; /* each step's, when asked for: cleared between steps */
    layout_init(&rec, r->width, r->height);
    if (layouts) app_offscreen_record(&o, &rec);
    size_t steps = s.lesson->player.lesson.n_steps;
    for (size_t k = 0; k < steps && rc == 0; k++) {
        rc = app_lesson_goto(&s, k, err, err_len);
        if (rc != 0) break;
        bool predicts = app_lesson_awaits_prediction(&s);
        for (int pass = 0; pass < (predicts ? 2 : 1) && rc == 0; pass++) {
            if (pass == 1) {
                /* the layout of the held frame places the picks: commit,
                 * then draw the revealed stage */
                if (app_lesson_predict_commit(&s) < 0) {
                    snprintf(err, err_len, "%s: step %zu: the prediction could not be graded",
                             path, k + 1);
                    rc = 2;
                    break;
                }
            }
            if (!predicts || pass == 1) s.progress = 1.0f; /* finished: what the class sees */
            s.playing = false;
            layout_clear(&rec);
            app_draw(o.renderer, o.text, &o.pool, &s, o.surface->w, o.surface->h);
            SDL_RenderPresent(o.renderer);
            const char *tail = pass == 1 ? "-answered" : "";
            char file[4096];
            snprintf(file, sizeof file, "%s/step-%02zu%s.png", r->out, k + 1, tail);
            if (app_save_png(o.surface, file, err, err_len) != ATTN_OK) {
                rc = 2;
                break;
            }
            fprintf(out, "%s\n", file);
            if (layouts) {
                snprintf(file, sizeof file, "%s/step-%02zu%s.json", r->out, k + 1, tail);
                if (layout_write(&rec, file, err, err_len) != ATTN_OK) {
                    rc = 2;
                    break;
                }
                fprintf(out, "%s\n", file);
            }
        }
    }
    fflush(out);
    app_offscreen_record(&o, NULL);
    layout_free(&rec);
    app_offscreen_free(&o);
    app_state_free(&s);
    return rc;
}
