/* The model overview (VIEW_MODEL) drawn offscreen on a small model made and
 * trained here, saved with the corpus's vocabulary and opened as the
 * trained source: one box per head in layers × heads; labels with text
 * pixels; a head switched off is veiled and crossed and the predictions
 * change; the prediction bars are ordered by probability; it stays legible
 * at 800×600; the held-out loss of the pruning is measured in the
 * background; live training applies its weights and stops; the model's own
 * weights come back. With mechanics the overview explains what it needs.
 *
 * Set ATTNVIZ_TEST_PNG_DIR=/some/dir to also save the frames as PNGs. */
#define _POSIX_C_SOURCE 200809L
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "attnviz/corpus.h"
#include "check.h"
#include "draw.h"
#include "overview.h"
#include "render.h"
#include "trained.h"
#include "view_model.h"

static char model_path[256];

/* ---- a small model, trained a little so its heads differ ---------------------------------- */

static int make_model(const char *path) {
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    char err[256];
    model_vocab vocab;
    model m;
    model_trainer tr;
    model_corpus corpus;
    model_config c = {.n_layers = 3, .n_heads = 4, .d_model = 32, .n_ctx = 32, .n_vocab = V};
    if (model_vocab_init(&vocab, words, V, err, sizeof err) != ATTN_OK ||
        model_init(&m, &c, &vocab, err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "model: %s\n", err);
        return 1;
    }
    model_init_gpt2(&m, 7);
    model_train_config tc = model_train_config_default();
    tc.batch = 8;
    tc.seq = 32;
    tc.steps = 60;
    tc.warmup = 5;
    tc.lr = 1e-2f;
    model_trainer_init(&tr, &m, &tc, err, sizeof err);
    model_corpus_init(&corpus, 7, NULL, err, sizeof err);
    int32_t seq[33], in[2 * 8 * 32];
    for (size_t step = 0; step < tc.steps; step++) {
        for (size_t b = 0; b < 8; b++) {
            model_corpus_sequence(&corpus, seq, NULL, 33);
            memcpy(in + b * 32, seq, 32 * sizeof *seq);
            memcpy(in + 8 * 32 + b * 32, seq + 1, 32 * sizeof *seq);
        }
        double loss;
        model_trainer_grad(&tr, &m, in, in + 8 * 32, &loss, err, sizeof err);
        model_trainer_update(&tr, &m);
    }
    int rc = model_save_meta(&m, path, NULL, NULL, 0, err, sizeof err) == ATTN_OK ? 0 : 1;
    if (rc) fprintf(stderr, "save: %s\n", err);
    model_trainer_free(&tr);
    model_free(&m);
    model_vocab_free(&vocab);
    return rc;
}

static int open_trained(app_state *s) {
    state_settings set;
    state_settings_default(&set);
    set.source = STATE_SOURCE_TRAINED;
    snprintf(set.model_path, sizeof set.model_path, "%s", model_path);
    char err[APP_ERR_LEN];
    int rc = app_state_init(s, &set, err, sizeof err);
    if (rc) fprintf(stderr, "app_state_init: %s\n", err);
    return rc;
}

/* ---- pixels --------------------------------------------------------------------------------- */

static SDL_Color pixel(const app_offscreen *o, int x, int y) {
    SDL_Color c = {0, 0, 0, 0};
    SDL_Surface *sf = o->surface;
    if (x < 0 || y < 0 || x >= sf->w || y >= sf->h) return c;
    const uint8_t *row = (const uint8_t *)sf->pixels + (size_t)y * (size_t)sf->pitch;
    SDL_GetRGBA(((const uint32_t *)row)[x], sf->format, &c.r, &c.g, &c.b, &c.a);
    return c;
}

static bool near(SDL_Color a, SDL_Color b, int tol) {
    return abs(a.r - b.r) <= tol && abs(a.g - b.g) <= tol && abs(a.b - b.b) <= tol;
}

static int count_near(const app_offscreen *o, SDL_Rect rc, SDL_Color col, int tol) {
    int n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++) n += near(pixel(o, x, y), col, tol);
    return n;
}

/* Pixels of rc that are neither the background nor within tol of it. */
static int count_ink(const app_offscreen *o, SDL_Rect rc, SDL_Color bg) {
    return rc.w * rc.h - count_near(o, rc, bg, 40);
}

/* Saturation proxy: mean of max(r,g,b) − min(r,g,b) over rc. */
static double chroma(const app_offscreen *o, SDL_Rect rc) {
    double sum = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++) {
            SDL_Color p = pixel(o, x, y);
            int mx = p.r > p.g ? (p.r > p.b ? p.r : p.b) : (p.g > p.b ? p.g : p.b);
            int mn = p.r < p.g ? (p.r < p.b ? p.r : p.b) : (p.g < p.b ? p.g : p.b);
            sum += mx - mn;
        }
    return rc.w > 0 && rc.h > 0 ? sum / (rc.w * rc.h) : 0;
}

static void save_png(const app_offscreen *o, const char *name) {
    const char *dir = getenv("ATTNVIZ_TEST_PNG_DIR");
    if (!dir || !*dir) return;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    if (IMG_SavePNG(o->surface, path) != 0) fprintf(stderr, "could not save %s\n", path);
}

static void draw(app_offscreen *o, app_state *s) {
    app_draw(o->renderer, o->text, &o->pool, s, o->surface->w, o->surface->h);
    SDL_RenderFlush(o->renderer);
}

/* The middle third of a head's box: the heatmap, away from its labels. */
static SDL_Rect map_core(SDL_Rect box) {
    return (SDL_Rect){box.x + box.w / 3, box.y + box.h * 2 / 5, box.w / 3, box.h / 5};
}

/* A part of the heatmap left of its middle, between the arms of the "off"
 * cross: the early columns of the middle rows. */
static SDL_Rect map_left(SDL_Rect box) {
    return (SDL_Rect){box.x + box.w / 10, box.y + box.h * 45 / 100, box.w / 5, box.h / 10};
}

/* The bars of the predictions panel: rows with the accent colour right of
 * the heads and above the training button (nothing else there is drawn
 * in it), grouped into bars. Returns how many; their widths in w[]. */
static int find_bars(const app_offscreen *o, const app_state *s, SDL_Color accent, int *w,
                     int max) {
    SDL_Rect b = s->layout.overview_button;
    int count = 0, in_bar = 0, widest = 0;
    for (int y = 0; y < b.y - 2; y++) {
        int run = 0, best = 0;
        for (int x = b.x; x < o->surface->w; x++) {
            run = near(pixel(o, x, y), accent, 2) ? run + 1 : 0;
            if (run > best) best = run;
        }
        if (best > 0) {
            if (!in_bar) widest = 0;
            in_bar = 1;
            if (best > widest) widest = best;
        } else if (in_bar) {
            if (count < max) w[count] = widest;
            count++;
            in_bar = 0;
        }
    }
    return count;
}

/* ---- the tests ------------------------------------------------------------------------------ */

static void test_mechanics_refuses(void) {
    app_state s;
    state_settings set;
    state_settings_default(&set);
    char err[APP_ERR_LEN];
    if (app_state_init(&s, &set, err, sizeof err) != 0) return;
    CHECK(!app_overview_available(&s));
    CHECK(app_overview_toggle(&s) != ATTN_OK);
    CHECK(s.view != VIEW_MODEL);
    CHECK_STR_CONTAINS(s.message, "needs the trained model");
    CHECK_STR_CONTAINS(s.message, "P \xE2\x86\x92 weights");
    CHECK(s.message_is_error);
    CHECK(app_overview_toggle_head(&s, 0, 0) != 0);
    CHECK(app_overview_train(&s) != ATTN_OK);
    /* a frame asked for the overview with mechanics shows the stages instead */
    app_offscreen o;
    if (app_offscreen_init(&o, 640, 400, err, sizeof err) == 0) {
        s.view = VIEW_MODEL;
        draw(&o, &s);
        CHECK(s.view == VIEW_HEADS);
        CHECK(s.layout.n_overview_heads == 0);
        app_offscreen_free(&o);
    }
    app_overview_free(&s);
    app_state_free(&s);
}

static void test_grid_and_labels(void) {
    app_state s;
    app_offscreen o;
    char err[512];
    if (open_trained(&s)) return;
    if (app_offscreen_init(&o, 1280, 800, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        app_state_free(&s);
        return;
    }
    const state_trained *t = s.model.trained;
    CHECK(t != NULL);
    if (!t) goto done;
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads;
    CHECK(app_overview_available(&s));
    CHECK(app_overview_toggle(&s) == 0 && s.view == VIEW_MODEL);
    const theme *th = theme_dark();
    s.theme = th;
    draw(&o, &s);
    save_png(&o, "overview_dark");

    /* one box per head, laid out as layers (rows) × heads (columns) */
    CHECKF(s.layout.n_overview_heads == L * H, "%zu boxes for %zu heads",
           s.layout.n_overview_heads, L * H);
    bool rows_ok = true, inside = true, ink = true, titles = true, roles = true;
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++) {
            SDL_Rect b = s.layout.overview_heads[l * H + h];
            SDL_Rect first = s.layout.overview_heads[l * H];
            if (b.y != first.y || (h > 0 && b.x <= s.layout.overview_heads[l * H + h - 1].x + b.w / 2))
                rows_ok = false;
            if (l > 0 && b.y <= s.layout.overview_heads[(l - 1) * H + h].y + b.h / 2) rows_ok = false;
            if (b.x < 0 || b.y < 0 || b.x + b.w > 1280 || b.y + b.h > 800 || b.w < 60) inside = false;
            /* the heatmap has ink; the label strips above and below have text */
            if (count_ink(&o, map_core(b), th->background) < map_core(b).w * map_core(b).h / 2)
                ink = false;
            SDL_Rect title = {b.x, b.y, b.w, b.h / 8};
            SDL_Rect role = {b.x, b.y + b.h - b.h / 8, b.w, b.h / 8};
            if (count_near(&o, title, th->text, 60) < 15) titles = false;
            if (count_near(&o, role, th->text, 60) < 15) roles = false;
        }
    CHECK(rows_ok);
    CHECK(inside);
    CHECK(ink);
    CHECK(titles);
    CHECKF(roles, "role labels: have_roles %d (%s)", t->have_roles, t->roles_note);
    CHECK(s.layout.overview_button.w > 0);

    /* the mouse finds the heads where they were drawn */
    SDL_Rect b5 = s.layout.overview_heads[5];
    CHECK(app_overview_head_at(&s, b5.x + b5.w / 2, b5.y + b5.h / 2) == 5);
    CHECK(app_overview_head_at(&s, 1, 1) == -1);

    /* the prediction bars: five, longest first */
    int w[8], nb = find_bars(&o, &s, th->accent, w, 8);
    CHECKF(nb == 5, "%d bars", nb);
    bool ordered = true;
    for (int k = 1; k < nb && k < 8; k++)
        if (w[k] > w[k - 1]) ordered = false;
    CHECKF(ordered, "bars %d %d %d %d %d", w[0], w[1], w[2], w[3], w[4]);
    int32_t ids[5];
    float p[5];
    size_t got = state_trained_top(t, false, 5, ids, p);
    CHECK(got == 5);
    for (size_t k = 1; k < got; k++) CHECK(p[k] <= p[k - 1]);

    /* the cursor moves within the grid */
    s.overview_cursor = 0;
    app_overview_move(&s, -1, -1);
    CHECK(s.overview_cursor == 0);
    app_overview_move(&s, 1, 2);
    CHECK(s.overview_cursor == H + 2);
    app_overview_move(&s, 99, 99);
    CHECK(s.overview_cursor == L * H - 1);

    /* light theme and 800×600: every label still there */
    app_offscreen_free(&o);
    if (app_offscreen_init(&o, 800, 600, err, sizeof err)) goto done;
    th = theme_light();
    s.theme = th;
    draw(&o, &s);
    save_png(&o, "overview_800_light");
    CHECK(s.layout.n_overview_heads == L * H);
    titles = roles = inside = true;
    for (size_t k = 0; k < L * H; k++) {
        SDL_Rect b = s.layout.overview_heads[k];
        if (b.x < 0 || b.y < 0 || b.x + b.w > 800 || b.y + b.h > 600 || b.w < 60) inside = false;
        if (count_near(&o, (SDL_Rect){b.x, b.y, b.w, b.h / 8}, th->text, 60) < 10) titles = false;
        if (count_near(&o, (SDL_Rect){b.x, b.y + b.h - b.h / 8, b.w, b.h / 8}, th->text, 60) < 10)
            roles = false;
    }
    CHECK(inside && titles && roles);
    nb = find_bars(&o, &s, th->accent, w, 8);
    CHECKF(nb == 5, "800×600: %d bars", nb);
done:
    app_offscreen_free(&o);
    app_overview_free(&s);
    app_state_free(&s);
}

static void test_role_text(void) {
    app_state s;
    if (open_trained(&s)) return;
    state_trained *t = s.model.trained;
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads;
    model_heads_report_free(&t->roles);
    t->roles.n_layers = L;
    t->roles.n_heads = H;
    t->roles.score = calloc(L * H * MODEL_ROLES, sizeof(float));
    t->have_roles = true;
    for (size_t k = 0; k < L * H * MODEL_ROLES; k++) t->roles.score[k] = 0.1f;
    t->roles.score[(0 * H + 1) * MODEL_ROLES + MODEL_ROLE_INDUCTION] = 0.91f;
    t->roles.score[(1 * H + 0) * MODEL_ROLES + MODEL_ROLE_PREVIOUS] = 0.29f;
    char buf[96];
    state_overview_role_text(&s.model, 0, 1, buf, sizeof buf);
    CHECK(strcmp(buf, "induction 0.91") == 0);
    state_overview_role_text(&s.model, 1, 0, buf, sizeof buf);
    CHECK(strcmp(buf, "no clear role") == 0);
    t->have_roles = false;
    state_overview_role_text(&s.model, 0, 1, buf, sizeof buf);
    CHECK(buf[0] == '\0');
    app_state_free(&s);
}

/* Switching a head off: the model reruns at once, the predictions move,
 * the head is drawn veiled and crossed; 0 puts every head back. */
static void test_pruning(void) {
    app_state s;
    app_offscreen o;
    char err[512];
    if (open_trained(&s)) return;
    if (app_offscreen_init(&o, 1280, 800, err, sizeof err)) {
        app_state_free(&s);
        return;
    }
    state_trained *t = s.model.trained;
    size_t V = t->model.config.n_vocab, H = t->model.config.n_heads;
    const theme *th = theme_dark();
    s.theme = th;
    app_overview_toggle(&s);
    draw(&o, &s);
    SDL_Rect b = s.layout.overview_heads[1 * H + 2];
    int err_before = count_near(&o, b, th->error, 30);
    double chroma_before = chroma(&o, map_left(b));
    float *before = malloc(V * sizeof *before);
    memcpy(before, t->run.probs + (t->n - 1) * V, V * sizeof *before);
    uint64_t version = t->version;

    CHECK(app_overview_toggle_head(&s, 1, 2) == 0);
    CHECK(s.model.trained == t); /* the same model, rerun */
    CHECK(t->version > version);
    CHECK(s.model.settings.head_off[1 * H + 2] == 1 && t->head_off[1 * H + 2] == 1);
    CHECK(app_overview_heads_off(&s) == 1);
    CHECK_STR_CONTAINS(s.message, "head 2.3 off");
    const float *now = t->run.probs + (t->n - 1) * V;
    double diff = 0, diff_on = 0;
    for (size_t i = 0; i < V; i++) {
        diff = fmax(diff, fabs((double)now[i] - before[i]));
        diff_on = fmax(diff_on, fabs((double)t->probs_all_on[i] - before[i]));
    }
    CHECKF(diff > 1e-5, "switching head 2.3 off changed the predictions by %g", diff);
    CHECK(diff_on == 0); /* every head on: as before */

    draw(&o, &s);
    save_png(&o, "overview_pruned");
    int err_after = count_near(&o, b, th->error, 30);
    double chroma_after = chroma(&o, map_left(b));
    CHECKF(err_after > err_before + 100, "off mark: %d error pixels, %d before", err_after,
           err_before);
    CHECKF(chroma_after < chroma_before * 0.7, "greyed: chroma %.1f -> %.1f", chroma_before,
           chroma_after);
    /* the other heads have no such mark */
    int marks_elsewhere = 0;
    for (size_t k = 0; k < s.layout.n_overview_heads; k++)
        if (k != 1 * H + 2) marks_elsewhere += count_near(&o, s.layout.overview_heads[k], th->error, 30);
    CHECKF(marks_elsewhere < 20, "%d error pixels on heads that are on", marks_elsewhere);
    /* the bars: the legend swatch, then five, longest first */
    int w[8], nb = find_bars(&o, &s, th->accent, w, 8);
    CHECKF(nb == 6, "%d bars with a head off (legend + 5)", nb);
    bool ordered = true;
    for (int k = 2; k < nb && k < 8; k++)
        if (w[k] > w[k - 1]) ordered = false;
    CHECK(ordered);

    /* a second head, then all on again */
    CHECK(app_overview_toggle_head(&s, 0, 0) == 0);
    CHECK(app_overview_heads_off(&s) == 2);
    CHECK(app_overview_toggle_head(&s, 9, 0) != 0); /* no such layer */
    CHECK(app_overview_all_on(&s) == 0);
    CHECK(app_overview_heads_off(&s) == 0);
    CHECK(memcmp(t->run.probs + (t->n - 1) * V, before, V * sizeof *before) == 0);
    draw(&o, &s);
    CHECK(count_near(&o, b, th->error, 30) <= err_before + 5);
    free(before);
    app_offscreen_free(&o);
    app_overview_free(&s);
    app_state_free(&s);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The held-out loss of the pruned model comes from the background, never
 * from the frame. */
static void test_loss_in_background(void) {
    app_state s;
    if (open_trained(&s)) return;
    app_overview_toggle(&s);
    double on = NAN, pruned = NAN;
    bool measuring = false;
    app_overview_update(&s); /* starts the measurement */
    CHECK(app_overview_busy(&s));
    for (int i = 0; i < 600 && !app_overview_loss(&s, &on, &pruned, &measuring); i++) {
        sleep_ms(20);
        app_overview_update(&s);
    }
    CHECK(isfinite(on) && on > 0 && pruned == on);
    app_overview_toggle_head(&s, 0, 1);
    app_overview_update(&s);
    CHECK(!app_overview_loss(&s, &on, &pruned, &measuring) && measuring);
    for (int i = 0; i < 600 && !app_overview_loss(&s, &on, &pruned, &measuring); i++) {
        sleep_ms(20);
        app_overview_update(&s);
    }
    CHECKF(isfinite(pruned) && pruned != on, "all on %.4f, pruned %.4f", on, pruned);
    /* its number is on screen */
    app_offscreen o;
    char err[512];
    if (app_offscreen_init(&o, 1280, 800, err, sizeof err) == 0) {
        draw(&o, &s);
        save_png(&o, "overview_loss");
        app_offscreen_free(&o);
    }
    /* freed while a measurement runs: joined */
    app_overview_toggle_head(&s, 2, 3);
    app_overview_update(&s);
    app_overview_free(&s);
    app_overview_free(&s);
    CHECK(s.overview == NULL);
    app_state_free(&s);
}

/* Live training from the overview: weights and roles arrive, the frame
 * shows the curve, R stops, Shift+R (restore) puts the file's weights back. */
static void test_live(void) {
    app_state s;
    if (open_trained(&s)) return;
    state_trained *t = s.model.trained;
    size_t n_params = t->model.n_params;
    float *own = malloc(n_params * sizeof *own);
    memcpy(own, t->model.block, n_params * sizeof *own);
    app_overview_toggle(&s);
    CHECK(app_overview_restore(&s) != ATTN_OK); /* nothing to restore yet */
    CHECK(app_overview_train(&s) == 0);
    CHECK(app_overview_training(&s));
    CHECK(app_overview_busy(&s));
    const state_overview *ov = app_overview_state(&s);
    for (int i = 0; i < 1500; i++) {
        app_overview_update(&s);
        const train_live_state *st = train_live_last(ov->live);
        if (st->step >= 20 && st->roles) break;
        sleep_ms(20);
    }
    const train_live_state *st = train_live_last(ov->live);
    CHECK(ov->live_weights);
    CHECK(st->step >= 20);
    CHECK(memcmp(own, t->model.block, n_params * sizeof *own) != 0); /* fresh weights shown */
    CHECK(t->have_roles);
    CHECK_STR_CONTAINS(t->roles_note, "live training");
    app_offscreen o;
    char err[512];
    if (app_offscreen_init(&o, 1280, 800, err, sizeof err) == 0) {
        draw(&o, &s);
        save_png(&o, "overview_live");
        /* the loss curve: the training line's colour in the side panel */
        SDL_Rect below = {o.surface->w / 2, s.layout.overview_button.y + s.layout.overview_button.h,
                          o.surface->w / 2, o.surface->h / 3};
        CHECK(count_near(&o, below, s.theme->head[1], 10) > 50);
        app_offscreen_free(&o);
    }
    CHECK(app_overview_train(&s) == 0); /* stops */
    CHECK(!app_overview_training(&s));
    CHECK_STR_CONTAINS(s.message, "stopped at step");
    CHECK(app_overview_restore(&s) == 0);
    CHECK(memcmp(own, t->model.block, n_params * sizeof *own) == 0);
    CHECK(!ov->live_weights);
    /* started again and left running: freeing stops it */
    CHECK(app_overview_train(&s) == 0);
    sleep_ms(30);
    app_overview_free(&s);
    free(own);
    app_state_free(&s);
}

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    snprintf(model_path, sizeof model_path, "/tmp/attnviz-test-overview-%ld.safetensors",
             (long)getpid());
    if (make_model(model_path) != 0) return 1;
    test_mechanics_refuses();
    test_grid_and_labels();
    test_role_text();
    test_pruning();
    test_loss_in_background();
    test_live();
    remove(model_path);
    FcFini(); /* text_find_font asked fontconfig; let it go, for LeakSanitizer */
    return check_done("test_overview");
}
