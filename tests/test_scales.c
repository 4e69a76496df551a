/* Colour scales that teach: the robust range of wide matrices (scale.h),
 * stage 5 kept on stage 4's scale, the per-row contrast of the attention
 * maps and its bar, and a wide matrix that is not washed out to white.
 * Frames are drawn offscreen as `attnviz render` draws them, with the
 * layout recorded. */
#define _POSIX_C_SOURCE 200809L
#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "check.h"
#include "colormap.h"
#include "draw.h"
#include "render.h"
#include "scale.h"

/* ---- the pure scale functions ----------------------------------------------------- */

static void test_robust(void) {
    enum { N = 2000 };
    static float v[N];
    /* a bell of values within ±1 (sums of uniforms), and one huge outlier */
    unsigned s = 7;
    for (int i = 0; i < N; i++) {
        float a = 0.0f;
        for (int k = 0; k < 4; k++) {
            s = s * 1103515245u + 12345u;
            a += (float)((s >> 8) & 0xFFFF) / 65535.0f - 0.5f;
        }
        v[i] = a * 0.5f;
    }
    scale_range plain = scale_robust(v, N);
    v[123] = 1000.0f;
    scale_range r = scale_robust(v, N);
    CHECKF(r.range <= 1.0f, "one outlier of 1000 set the range to %g", (double)r.range);
    CHECK(r.range > 0.3f && r.clipped && r.absmax == 1000.0f);
    /* the outlier moves the range by at most one value's rank */
    CHECKF(fabsf(r.range - plain.range) < 0.01f, "%g without the outlier, %g with it",
           (double)plain.range, (double)r.range);
    /* −∞ (masked), NaN and +∞ are not values of the scale */
    float odd[4] = {-INFINITY, NAN, INFINITY, -0.5f};
    scale_range o = scale_robust(odd, 4);
    CHECK(o.range == 0.5f && !o.clipped);
    scale_range none = scale_robust(odd, 3);
    CHECK(none.range == 1.0f && !none.clipped);
    /* uniform weights (random Xavier): the maximum, nothing clipped */
    for (int i = 0; i < N; i++) v[i] = (float)(i % 201 - 100) / 100.0f;
    scale_range u = scale_robust(v, N);
    CHECK(!u.clipped && u.range == 1.0f);

    float row[5] = {0.1f, -INFINITY, 0.4f, NAN, 0.2f};
    CHECK(scale_row_max(row, 1, 5) == 0.4f);
    CHECK(scale_row_max(row, 2, 2) == 0.4f); /* a strided view: 0.1 and 0.4 */
    float zeros[3] = {0.0f, 0.0f, -INFINITY};
    CHECK(scale_row_max(zeros, 1, 3) == 1.0f);
}

/* ---- frames ------------------------------------------------------------------------ */

static layout_record rec;
static app_offscreen off;

static void save_png(const char *name) {
    const char *out = getenv("ATTNVIZ_TEST_PNG_DIR");
    if (!out || !*out) return;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.png", out, name);
    if (IMG_SavePNG(off.surface, path) != 0) fprintf(stderr, "%s: %s\n", path, IMG_GetError());
}

static void draw(app_state *st, state_stage stage, float progress, const char *name) {
    state_frame r;
    state_frame_default(&r);
    r.stage = stage;
    r.progress = progress;
    r.per_row = st->maps_per_row; /* the frame's settings, as render --per-row and */
    r.scores = st->scores_view;   /* --scores give them */
    layout_clear(&rec);
    app_offscreen_draw(&off, st, &r);
    save_png(name);
}

/* Whether a text run starting with prefix was drawn. */
static bool drew_text(const char *prefix) {
    for (size_t i = 0; i < rec.n; i++)
        if (rec.items[i].kind == LAYOUT_TEXT && rec.items[i].text &&
            strncmp(rec.items[i].text, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static const layout_item *heatmap(const char *name, int head) {
    for (size_t i = 0; i < rec.n; i++)
        if (rec.items[i].kind == LAYOUT_HEATMAP && rec.items[i].text &&
            strcmp(rec.items[i].text, name) == 0 && rec.items[i].head == head)
            return &rec.items[i];
    return NULL;
}

static SDL_Color pixel(int x, int y) {
    const SDL_Surface *sf = off.surface;
    Uint32 p = ((const Uint32 *)((const Uint8 *)sf->pixels + y * sf->pitch))[x];
    SDL_Color c;
    SDL_GetRGBA(p, sf->format, &c.r, &c.g, &c.b, &c.a);
    return c;
}

/* Mean distance (RGB, 0–441) of a box's pixels from colour c. */
static double mean_distance(SDL_Rect b, SDL_Color c) {
    double sum = 0.0;
    long count = 0;
    for (int y = b.y; y < b.y + b.h; y++)
        for (int x = b.x; x < b.x + b.w; x++) {
            SDL_Color p = pixel(x, y);
            double dr = p.r - c.r, dg = p.g - c.g, db = p.b - c.b;
            sum += sqrt(dr * dr + dg * dg + db * db);
            count++;
        }
    return count ? sum / (double)count : 0.0;
}

static void test_frames(void) {
    char err[APP_ERR_LEN];
    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED; /* the shipped model, as the app starts */
    s.model_path[0] = '\0';
    snprintf(s.sentence, sizeof s.sentence, "The girl met the robot because she was hungry.");
    app_state st;
    if (app_state_init(&st, &s, err, sizeof err) != 0) {
        CHECKF(0, "%s", err);
        return;
    }

    /* the scores as computed (Z): stage 5 ends on stage 4's scale, and its
     * bar says so */
    st.scores_view = STATE_SCORES_RAW;
    char want[40], v[24];
    draw_format_value(v, sizeof v, st.model.scores_absmax);
    snprintf(want, sizeof want, "+%s", v);
    draw(&st, STAGE_SCORES, 1.0f, "scales_stage4");
    CHECKF(drew_text(want), "stage 4's bar does not read %s", want);
    draw(&st, STAGE_SCALE, 1.0f, "scales_stage5");
    CHECKF(drew_text(want), "stage 5's bar does not keep stage 4's %s", want);
    CHECK(drew_text("scale of stage 4") || drew_text("stage 4"));
    draw(&st, STAGE_MASK, 1.0f, "scales_stage6");
    CHECKF(drew_text(want), "stage 6's bar does not keep stage 5's %s", want);

    /* attention maps per row: the bar says so, and each row's largest
     * weight is drawn at full colour */
    st.maps_per_row = true;
    draw(&st, STAGE_WEIGHTED, 1.0f, "scales_per_row");
    CHECK(drew_text("per row"));
    CHECK(drew_text("max"));
    const layout_item *w0 = heatmap("weights", 0);
    CHECK(w0 != NULL);
    if (w0) {
        size_t n = st.model.n;
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            const float *row = st.model.trace.weights + i * n;
            size_t best = 0;
            for (size_t j = 1; j < n; j++)
                if (row[j] > row[best]) best = j;
            int x = w0->box.x + (int)((best * 2 + 1) * (size_t)w0->box.w / (2 * n));
            int y = w0->box.y + (int)((i * 2 + 1) * (size_t)w0->box.h / (2 * n));
            SDL_Color p = pixel(x, y), f = colormap_sequential(1.0f);
            if (abs(p.r - f.r) > 2 || abs(p.g - f.g) > 2 || abs(p.b - f.b) > 2) bad++;
        }
        CHECKF(bad == 0, "%d rows' largest weight not at full colour", bad);
    }
    /* scores centred, by default on the trained model (its rows differ by
     * more than the pattern in them): each row drawn minus the mean of the
     * cells softmax sees, on the centred range; in every row the cell
     * nearest that mean is near the neutral colour, and the bar's middle
     * says "mean" */
    st.maps_per_row = false;
    st.scores_view = STATE_SCORES_AUTO;
    CHECK(app_scores_centred(&st));
    draw(&st, STAGE_SCORES, 1.0f, "scales_scores_per_row");
    CHECK(drew_text("mean"));
    CHECK(drew_text("cell (i, j) = q_i · k_j") || drew_text("cell (i, j)"));
    draw_format_value(v, sizeof v, st.model.scores_centred_absmax);
    snprintf(want, sizeof want, "+%s", v);
    CHECKF(drew_text(want), "stage 4's bar per row does not read %s", want);
    CHECKF(st.model.scores_centred_absmax < st.model.scores_absmax,
           "centring does not narrow the trained model's scores (%g vs %g)",
           (double)st.model.scores_centred_absmax, (double)st.model.scores_absmax);
    const layout_item *s0 = heatmap("scores", 0);
    CHECK(s0 != NULL);
    if (s0) {
        size_t n = st.model.n;
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            const float *row = st.model.trace.scores + i * n;
            const float *kept = st.model.trace.masked + i * n;
            double sum = 0.0;
            size_t count = 0;
            for (size_t j = 0; j < n; j++)
                if (isfinite(kept[j])) sum += row[j], count++;
            float mean = (float)(sum / (double)count);
            size_t near = 0;
            for (size_t j = 1; j < n; j++)
                if (fabsf(row[j] - mean) < fabsf(row[near] - mean)) near = j;
            float off = (row[near] - mean) / st.model.scores_centred_absmax;
            int x = s0->box.x + (int)((near * 2 + 1) * (size_t)s0->box.w / (2 * n));
            int y = s0->box.y + (int)((i * 2 + 1) * (size_t)s0->box.h / (2 * n));
            SDL_Color p = pixel(x, y), f = colormap_diverging(off);
            if (abs(p.r - f.r) > 3 || abs(p.g - f.g) > 3 || abs(p.b - f.b) > 3) bad++;
        }
        CHECKF(bad == 0, "%d rows' cell nearest the row mean not drawn as its centred value", bad);
    }
    st.scores_view = STATE_SCORES_RAW;
    draw(&st, STAGE_SCORES, 1.0f, "scales_scores_absolute");
    CHECK(!drew_text("mean"));
    /* the trained model's rows differ by more than the pattern in them:
     * the note says softmax ignores that, and how to take it away */
    CHECK(st.model.scores_row_shift > st.model.scores_centred_absmax);
    CHECK(drew_text("cell (i, j)"));
    {
        bool said = false;
        for (size_t k = 0; k < rec.n; k++)
            if (rec.items[k].kind == LAYOUT_TEXT && rec.items[k].text &&
                strstr(rec.items[k].text, "Z centres them"))
                said = true;
        CHECK(said);
    }
    draw(&st, STAGE_WEIGHTED, 1.0f, "scales_absolute");
    CHECK(!drew_text("per row"));

    /* X (11×128) on its robust scale: not mostly the neutral grey */
    draw(&st, STAGE_EMBED, 1.0f, "scales_x");
    const layout_item *x = heatmap("X", -1);
    CHECK(x != NULL);
    if (x) {
        double d = mean_distance(x->box, colormap_diverging(0.0f));
        CHECKF(d > 40.0, "X is mostly white: mean distance %.1f from the neutral colour", d);
    }
    app_state_free(&st);
}

/* In presenter mode at 1920x1080 the wide matrices of stage 2 are clipped,
 * so their bars get the "clipped" legend: it stays inside the stage area
 * with room to spare (it once ran into its right edge and was cut). */
static void test_legend_inside(void) {
    char err[APP_ERR_LEN];
    app_offscreen big;
    if (app_offscreen_init(&big, 1920, 1080, err, sizeof err) != 0) {
        CHECKF(0, "offscreen: %s", err);
        return;
    }
    layout_record lr;
    layout_init(&lr, 1920, 1080);
    app_offscreen_record(&big, &lr);
    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    s.model_path[0] = '\0';
    snprintf(s.sentence, sizeof s.sentence, "The girl met the robot because she was hungry.");
    app_state st;
    if (app_state_init(&st, &s, err, sizeof err) != 0) {
        CHECKF(0, "%s", err);
    } else {
        st.present = true;
        state_frame r;
        state_frame_default(&r);
        r.stage = STAGE_PROJECT;
        r.progress = 1.0f;
        r.present = true;
        app_offscreen_draw(&big, &st, &r);
        bool legend = false;
        for (size_t i = 0; i < lr.n; i++) {
            const layout_item *it = &lr.items[i];
            if (it->kind != LAYOUT_TEXT || !it->text) continue;
            if (strcmp(it->text, "clipped") != 0) continue;
            legend = true;
            /* the stage area ends px/2 before the frame's edge, and is
             * clipped there; a glyph may reach past its measured advance */
            int limit = 1920 - it->px / 2 - it->px / 4;
            CHECKF(it->box.x + it->box.w <= limit, "\"clipped\" ends at x %d, past %d",
                   it->box.x + it->box.w, limit);
        }
        CHECKF(legend, "stage 2 in presenter mode draws no \"clipped\" legend");
        app_state_free(&st);
    }
    app_offscreen_record(&big, NULL);
    layout_free(&lr);
    app_offscreen_free(&big);
}

int main(void) {
    test_robust();
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    char err[APP_ERR_LEN];
    if (app_offscreen_init(&off, 1280, 800, err, sizeof err) != 0) {
        CHECKF(0, "offscreen: %s", err);
        return check_done("test_scales");
    }
    layout_init(&rec, 1280, 800);
    app_offscreen_record(&off, &rec);
    test_frames();
    test_legend_inside();
    app_offscreen_record(&off, NULL);
    layout_free(&rec);
    app_offscreen_free(&off);
    return check_done("test_scales");
}
