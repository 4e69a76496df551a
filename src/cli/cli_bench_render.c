/* `attnviz bench render`: frames drawn offscreen with SDL's software
 * renderer, as `attnviz render` draws them: at 1280×800, and in presenter
 * mode at 1920×1080. Speed is measured here, never in a timed test. One line
 * per case: "NAME: median X ms, p99 Y ms". */
#define _POSIX_C_SOURCE 200809L
#include <SDL_ttf.h>
#include <stdlib.h>
#include <string.h>

#include "cli_gui.h"
#include "lesson_panel.h"
#include "paths.h"
#include "render.h"
#include "trained.h"

enum { WIDTH = 1280, HEIGHT = 800, FRAMES = 400, CHANGES = 60, LAUNCHES = 15 };
/* A projector's frame, in presenter mode. */
enum { PRESENT_WIDTH = 1920, PRESENT_HEIGHT = 1080 };

static double now_ms(void) { return cli_now_seconds() * 1e3; }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(FILE *f, const char *name, double *ms, size_t count, const char *what) {
    qsort(ms, count, sizeof *ms, cmp_double);
    size_t p99 = (size_t)((double)(count - 1) * 0.99 + 0.5);
    fprintf(f, "%s: median %.3f ms, p99 %.3f ms (%s)\n", name, ms[count / 2], ms[p99], what);
    fflush(f);
}

/* Frames of every stage at mid-animation, in the all-heads view, at r0's
 * size and mode. */
static int frames_as(FILE *f, const char *name, const state_settings *settings,
                     const state_frame *r0, const char *what, char *err, size_t err_len) {
    app_state s;
    app_offscreen o;
    if (app_state_init(&s, settings, err, err_len) != 0) return 2;
    if (app_offscreen_init(&o, r0->width, r0->height, err, err_len) != 0) {
        app_state_free(&s);
        return 2;
    }
    state_frame r = *r0;
    r.progress = 0.5f;
    double ms[FRAMES];
    for (int i = -STATE_STAGE_COUNT; i < FRAMES; i++) { /* the first round warms the caches */
        r.stage = (state_stage)((i + STATE_STAGE_COUNT) % STATE_STAGE_COUNT);
        double t0 = now_ms();
        app_offscreen_draw(&o, &s, &r);
        if (i >= 0) ms[i] = now_ms() - t0;
    }
    report(f, name, ms, FRAMES, what);
    app_offscreen_free(&o);
    app_state_free(&s);
    return 0;
}

static int frames(FILE *f, const char *name, const state_settings *settings, const char *what,
                  char *err, size_t err_len) {
    state_frame r;
    state_frame_default(&r);
    r.width = WIDTH;
    r.height = HEIGHT;
    return frames_as(f, name, settings, &r, what, err, err_len);
}

/* Presenter mode at 1920×1080, as `attnviz render --present --size 1920x1080`. */
static int present_frames(FILE *f, const char *name, const state_settings *settings,
                          const char *what, char *err, size_t err_len) {
    state_frame r;
    state_frame_default(&r);
    r.width = PRESENT_WIDTH;
    r.height = PRESENT_HEIGHT;
    r.present = true;
    return frames_as(f, name, settings, &r, what, err, err_len);
}

/* What the app and render open on: the shipped trained model, layer 1, on
 * its start sentence (as the command line builds it). */
static int start_settings(state_settings *s, char *err, size_t err_len) {
    state_settings_default(s);
    model_config mc;
    if (state_trained_peek("", &mc, err, err_len) != ATTN_OK) return 2;
    snprintf(s->sentence, sizeof s->sentence, "%s", STATE_START_SENTENCE);
    s->source = STATE_SOURCE_TRAINED;
    s->model_path[0] = '\0';
    s->layer = 0;
    s->config = model_attn_config(&mc);
    return 0;
}

/* Frames of a lesson: the narration panel beside the stage, every step in
 * turn at mid-animation (the step is applied outside the timing; its
 * panel is laid out on its first frame, which is timed). */
static int lesson_frames(FILE *f, char *err, size_t err_len) {
    char dir[STATE_PATH_MAX], path[STATE_PATH_MAX + 32];
    state_lessons_dir(dir, sizeof dir, NULL, 0); /* a missing one is reported as skipped below */
    snprintf(path, sizeof path, "%s/03-why-scale.md", dir);
    state_settings demo;
    state_settings_default(&demo);
    app_state s;
    app_offscreen o;
    if (app_state_init(&s, &demo, err, err_len) != 0) return 2;
    if (app_lesson_open(&s, path, err, err_len) != 0) { /* no lessons here: nothing to time */
        fprintf(f, "lesson: skipped (%s)\n", err);
        app_state_free(&s);
        return 0;
    }
    if (app_offscreen_init(&o, WIDTH, HEIGHT, err, err_len) != 0) {
        app_state_free(&s);
        return 2;
    }
    size_t steps = s.lesson->player.lesson.n_steps;
    double ms[FRAMES];
    for (int i = -(int)steps; i < FRAMES; i++) {
        size_t step = (size_t)(i + (int)steps) % steps;
        if (i < 0 || (size_t)i % 10 == 0) app_lesson_goto(&s, step, err, err_len);
        s.progress = 0.5f;
        double t0 = now_ms();
        app_draw(o.renderer, o.text, &o.pool, &s, o.surface->w, o.surface->h);
        SDL_RenderPresent(o.renderer);
        if (i >= 0) ms[i] = now_ms() - t0;
    }
    report(f, "lesson", ms, FRAMES, "lessons/03-why-scale.md, narration panel, steps at 0.5");
    app_offscreen_free(&o);
    app_state_free(&s);
    return 0;
}

/* A change of setting: rebuild the model and draw the next frame. The
 * changes cycle through what a teacher changes: heads, causal, temperature,
 * seed and a word of the sentence. */
static int setting_change(FILE *f, const char *name, const state_settings *base, const char *what,
                          char *err, size_t err_len) {
    app_state s;
    app_offscreen o;
    if (app_state_init(&s, base, err, err_len) != 0) return 2;
    if (app_offscreen_init(&o, WIDTH, HEIGHT, err, err_len) != 0) {
        app_state_free(&s);
        return 2;
    }
    state_frame r;
    state_frame_default(&r);
    r.stage = STAGE_SOFTMAX;
    app_offscreen_draw(&o, &s, &r);
    double ms[CHANGES];
    int rc = 0;
    for (int i = 0; i < CHANGES && rc == 0; i++) {
        state_settings next = s.model.settings;
        switch (i % 5) {
        case 0: /* heads: half or back */
            next.config.n_heads = next.config.n_kv_heads =
                next.config.n_heads == base->config.n_heads ? base->config.n_heads / 2
                                                            : base->config.n_heads;
            break;
        case 1: next.config.causal = !next.config.causal; break;
        case 2: next.config.temperature = next.config.temperature == 1.0f ? 2.0f : 1.0f; break;
        case 3: next.seed++; break;
        case 4: next.sentence[0] = next.sentence[0] == 'T' ? 'A' : 'T'; break;
        }
        double t0 = now_ms();
        rc = state_model_apply(&s.model, &next, err, err_len);
        app_offscreen_draw(&o, &s, &r);
        ms[i] = now_ms() - t0;
    }
    if (rc == 0) report(f, name, ms, CHANGES, what);
    app_offscreen_free(&o);
    app_state_free(&s);
    return rc;
}

/* From nothing to the first frame drawn: font, text cache, model, frame. */
static int first_frame(FILE *f, char *err, size_t err_len) {
    double ms[LAUNCHES];
    for (int i = 0; i < LAUNCHES; i++) {
        double t0 = now_ms();
        state_settings settings;
        state_settings_default(&settings);
        app_state s;
        app_offscreen o;
        if (app_state_init(&s, &settings, err, err_len) != 0) return 2;
        if (app_offscreen_init(&o, WIDTH, HEIGHT, err, err_len) != 0) {
            app_state_free(&s);
            return 2;
        }
        state_frame r;
        state_frame_default(&r);
        app_offscreen_draw(&o, &s, &r);
        ms[i] = now_ms() - t0;
        app_offscreen_free(&o);
        app_state_free(&s);
    }
    report(f, "first-frame", ms, LAUNCHES, "built-in example, from no font to a drawn frame");
    return 0;
}

/* A sentence of n words from the seed texts' examples. */
static void long_sentence(char *out, size_t len, size_t n) {
    static const char *const words[] = {"the", "bank", "by", "river", "was", "closed", "due",
                                        "to", "flooding", "robot", "sat", "on", "floor",
                                        "because", "it", "tired", "cat", "mat", "loan"};
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && at + 16 < len; i++)
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? " " : "",
                               words[i % (sizeof words / sizeof *words)]);
}

int cli_bench_render(FILE *f, char *err, size_t err_len) {
    state_settings demo, big, wide, start, n64;
    state_settings_default(&demo);
    /* 64 tokens × 12 heads: the largest picture a class is shown */
    state_settings_default(&n64);
    long_sentence(n64.sentence, sizeof n64.sentence, 64);
    n64.max_tokens = 64;
    n64.config.d_model = 96;
    n64.config.n_heads = n64.config.n_kv_heads = 12;
    state_settings_default(&big);
    long_sentence(big.sentence, sizeof big.sentence, 128);
    big.max_tokens = 128;
    big.config.d_model = 768;
    big.config.n_heads = big.config.n_kv_heads = 12;
    wide = big; /* the settings panel's widest model */
    wide.config.d_model = 512;
    wide.config.n_heads = wide.config.n_kv_heads = 8;
    if (frames(f, "demo", &demo, "built-in example, 4 heads, all heads, every stage at 0.5", err,
               err_len) != 0 ||
        frames(f, "n128-h12", &big, "128 tokens, 12 heads, d_model 768, every stage at 0.5", err,
               err_len) != 0 ||
        setting_change(f, "setting-change-demo", &demo,
                       "built-in example: heads, causal, temperature, seed, sentence", err,
                       err_len) != 0 ||
        setting_change(f, "setting-change-n128", &big,
                       "n=128, d_model=768: heads 12<->6, causal, temperature, seed, sentence",
                       err, err_len) != 0 ||
        setting_change(f, "setting-change-n128-d512", &wide,
                       "n=128, d_model=512: heads 8<->4, causal, temperature, seed, sentence",
                       err, err_len) != 0 ||
        first_frame(f, err, err_len) != 0 || lesson_frames(f, err, err_len) != 0)
        return 2;
    if (start_settings(&start, err, err_len) != 0) { /* no shipped model here: nothing to time */
        fprintf(f, "present-start: skipped (%s)\n", err);
    } else if (present_frames(f, "present-start", &start,
                              "presenter mode 1920x1080, trained model on its start sentence, "
                              "every stage at 0.5", err, err_len) != 0) {
        return 2;
    }
    if (present_frames(f, "present-n64-h12", &n64,
                       "presenter mode 1920x1080, 64 tokens, 12 heads, d_model 96, every stage "
                       "at 0.5", err, err_len) != 0)
        return 2;
    return 0;
}
