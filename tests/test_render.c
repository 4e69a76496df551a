/* Offscreen render tests: app_draw on SDL's software renderer over a
 * surface, as `attnviz render` does, and pixels with a meaning checked:
 * the largest weight of a row is drawn in its colour, masked cells are
 * drawn masked (never through a colour map), every stage looks different,
 * text is where labels are, themes differ, tiny and odd sizes survive, a
 * steady frame rasterises no new strings, the tooltip shows up; and what
 * a visual review fixed: every colour has its bar, the head outputs keep
 * one scale, values keep off cell edges, the key matrices get the room,
 * shared K/V groups sit under their heads, a selection reaches every
 * matrix.
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

#include "app.h"
#include "check.h"
#include "colormap.h"
#include "draw.h"
#include "scale.h"

/* ---- an offscreen target ------------------------------------------------------------ */

typedef struct target {
    SDL_Surface *surface;
    SDL_Renderer *renderer;
    text_cache *text;
    draw_pool pool;
    int w, h;
} target;

static char font_path[1024];

/* A target that cannot be made is a failed check, never a silent skip: the
 * test that needed it returns early and the run exits non-zero. */
static int target_open(target *t, int w, int h) {
    char err[512] = "";
    memset(t, 0, sizeof *t);
    draw_pool_init(&t->pool);
    t->w = w;
    t->h = h;
    t->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    t->renderer = t->surface ? SDL_CreateSoftwareRenderer(t->surface) : NULL;
    t->text = t->renderer ? text_cache_create(t->renderer, font_path, err, sizeof err) : NULL;
    CHECKF(t->text != NULL, "cannot make a %d×%d target: %s %s", w, h, SDL_GetError(), err);
    if (!t->text) {
        if (t->renderer) SDL_DestroyRenderer(t->renderer);
        if (t->surface) SDL_FreeSurface(t->surface);
        memset(t, 0, sizeof *t);
        return 1;
    }
    return 0;
}

/* Closes t without a word to the pool its frames were drawn with (a shared
 * one, as a caller that forgets draw_pool_free would leave it). */
static void target_close_keep_pool(target *t) {
    text_cache_destroy(t->text);
    if (t->renderer) SDL_DestroyRenderer(t->renderer);
    if (t->surface) SDL_FreeSurface(t->surface);
    memset(t, 0, sizeof *t);
}

static void target_close(target *t) {
    draw_pool_free(&t->pool); /* the pool's textures belong to this renderer */
    text_cache_destroy(t->text);
    if (t->renderer) SDL_DestroyRenderer(t->renderer);
    if (t->surface) SDL_FreeSurface(t->surface);
    memset(t, 0, sizeof *t);
}

static void frame_with(target *t, draw_pool *pool, app_state *s) {
    app_draw(t->renderer, t->text, pool, s, t->w, t->h);
    SDL_RenderFlush(t->renderer);
}

static void frame(target *t, app_state *s) { frame_with(t, &t->pool, s); }

static SDL_Color pixel(const target *t, int x, int y) {
    SDL_Color c = {0, 0, 0, 0};
    if (x < 0 || y < 0 || x >= t->w || y >= t->h) return c;
    const uint8_t *row =
        (const uint8_t *)t->surface->pixels + (size_t)y * (size_t)t->surface->pitch;
    uint32_t p = ((const uint32_t *)row)[x];
    SDL_GetRGBA(p, t->surface->format, &c.r, &c.g, &c.b, &c.a);
    return c;
}

static bool near(SDL_Color a, SDL_Color b, int tol) {
    return abs(a.r - b.r) <= tol && abs(a.g - b.g) <= tol && abs(a.b - b.b) <= tol;
}

/* Pixels of rc within tol of col. */
static int count_near(const target *t, SDL_Rect rc, SDL_Color col, int tol) {
    int n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++)
            if (near(pixel(t, x, y), col, tol)) n++;
    return n;
}

/* FNV-1a of the pixels of rc. */
static uint64_t hash_rect(const target *t, SDL_Rect rc) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++) {
            SDL_Color c = pixel(t, x, y);
            uint32_t v = (uint32_t)c.r | (uint32_t)c.g << 8 | (uint32_t)c.b << 16;
            for (int k = 0; k < 3; k++) {
                h ^= (v >> (8 * k)) & 0xFF;
                h *= 0x100000001B3ull;
            }
        }
    return h;
}

static void save_png(const target *t, const char *name) {
    const char *dir = getenv("ATTNVIZ_TEST_PNG_DIR");
    if (!dir || !*dir) return;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    if (IMG_SavePNG(t->surface, path) != 0)
        fprintf(stderr, "could not save %s: %s\n", path, IMG_GetError());
}

/* ---- states ---------------------------------------------------------------------------- */

static int state_for(app_state *s, size_t heads, size_t kv, size_t d_model, bool causal,
                     const char *sentence) {
    state_settings set;
    state_settings_default(&set);
    set.config.n_heads = heads;
    set.config.n_kv_heads = kv;
    set.config.d_model = d_model;
    set.config.causal = causal;
    set.max_tokens = APP_TOKENS_MAX;
    if (sentence) snprintf(set.sentence, sizeof set.sentence, "%s", sentence);
    char err[APP_ERR_LEN] = "";
    int rc = app_state_init(s, &set, err, sizeof err);
    CHECKF(rc == 0, "app_state_init: %s", err); /* a failed set-up is a failed check */
    /* these tests check each score's colour against its value: the scores
     * as computed (test_scales checks them centred per row) */
    s->scores_view = STATE_SCORES_RAW;
    return rc;
}

static void show(app_state *s, state_stage st, float progress, state_view v, const theme *th) {
    s->stage = st;
    s->progress = progress;
    s->view = v;
    s->theme = th;
}

/* The centre of cell (i, j) of grid g (n×n) and a point near its top-left
 * corner, away from a printed value and the gap line. */
static SDL_Rect cell_rect(SDL_Rect g, size_t n, size_t i, size_t j) {
    int x0 = g.x + (int)((size_t)g.w * j / n), x1 = g.x + (int)((size_t)g.w * (j + 1) / n);
    int y0 = g.y + (int)((size_t)g.h * i / n), y1 = g.y + (int)((size_t)g.h * (i + 1) / n);
    return (SDL_Rect){x0, y0, x1 - x0, y1 - y0};
}

static const app_cell_map *grid_of_head(const app_state *s, int head) {
    for (size_t k = 0; k < s->layout.n_grids; k++)
        if (s->layout.grids[k].head == head) return &s->layout.grids[k];
    return NULL;
}

/* ---- the tests -------------------------------------------------------------------------- */

/* Softmax at progress 1: each row's largest weight is drawn in
 * colormap_sequential(weight), in the all-heads and the focus view. */
static void test_softmax_colors(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    size_t n = s.model.n;
    for (int v = VIEW_HEADS; v <= VIEW_FOCUS; v++) {
        show(&s, STAGE_SOFTMAX, 1.0f, (state_view)v, theme_dark());
        s.focus_head = 2;
        frame(&t, &s);
        save_png(&t, v == VIEW_HEADS ? "softmax_heads" : "softmax_focus");
        CHECKF(s.layout.n_grids == (v == VIEW_HEADS ? 4u : 1u), "view %d: %zu grids", v,
               s.layout.n_grids);
        for (size_t k = 0; k < s.layout.n_grids; k++) {
            const app_cell_map *g = &s.layout.grids[k];
            CHECK(g->head >= 0 && g->head < 4);
            CHECK(g->rect.w >= (int)n && g->rect.h >= (int)n);
            if (v == VIEW_FOCUS) CHECK(g->head == 2);
            for (size_t i = 0; i < n; i++) {
                const float *row = s.model.trace.weights + ((size_t)g->head * n + i) * n;
                size_t best = 0;
                for (size_t j = 1; j < n; j++)
                    if (row[j] > row[best]) best = j;
                SDL_Rect rc = cell_rect(g->rect, n, i, best);
                SDL_Color want = colormap_sequential(row[best]);
                SDL_Color got = pixel(&t, rc.x + 2, rc.y + 2);
                CHECKF(near(got, want, 2), "view %d head %d row %zu: got %d,%d,%d want %d,%d,%d", v,
                       g->head, i, got.r, got.g, got.b, want.r, want.g, want.b);
            }
        }
    }
    app_state_free(&s);
    target_close(&t);
}

/* Mask with causal on, progress 1: every cell above the diagonal is drawn
 * masked (fill or hatch, nothing else), every cell on or below it in the
 * diverging colour of its scaled value. */
static void test_mask_cells(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 2, 32, true, NULL)) return;
    size_t n = s.model.n;
    const theme *th = theme_light();
    for (int v = VIEW_HEADS; v <= VIEW_FOCUS; v++) {
        show(&s, STAGE_MASK, 1.0f, (state_view)v, th);
        frame(&t, &s);
        save_png(&t, v == VIEW_HEADS ? "mask_heads_light" : "mask_focus_light");
        CHECK(s.layout.n_grids > 0);
        int bad_above = 0, bad_below = 0, hatch_seen = 0;
        for (size_t k = 0; k < s.layout.n_grids; k++) {
            const app_cell_map *g = &s.layout.grids[k];
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                    SDL_Rect rc = cell_rect(g->rect, n, i, j);
                    if (j > i) {
                        /* the cell's left and right sixths (a "−∞" label sits in
                         * the middle), minus the gap line */
                        for (int y = rc.y; y < rc.y + rc.h - 1; y++)
                            for (int x = rc.x; x < rc.x + rc.w - 1; x++) {
                                if (x >= rc.x + rc.w / 6 && x < rc.x + rc.w - rc.w / 6 - 1)
                                    continue;
                                SDL_Color p = pixel(&t, x, y);
                                bool ok = near(p, th->masked, 1) || near(p, th->masked_mark, 1);
                                if (!ok) bad_above++;
                                if (near(p, th->masked_mark, 1)) hatch_seen++;
                            }
                    } else {
                        float val = s.model.trace.scaled[((size_t)g->head * n + i) * n + j];
                        /* stage 6 keeps stage 4's (and 5's) scale */
                        SDL_Color want = draw_value_color(DRAW_DIVERGING, s.model.scores_absmax,
                                                          val, th->masked);
                        SDL_Color got = pixel(&t, rc.x + 2, rc.y + 2);
                        if (!near(got, want, 2) || near(got, th->masked, 1)) bad_below++;
                    }
                }
        }
        CHECKF(bad_above == 0, "view %d: %d pixels above the diagonal are not masked", v,
               bad_above);
        CHECKF(bad_below == 0, "view %d: %d cells below the diagonal are not their colour", v,
               bad_below);
        CHECKF(hatch_seen > 0, "view %d: no hatch in masked cells", v);
    }
    /* Causal off: no cell is masked, and the frame says so. */
    app_state_free(&s);
    if (state_for(&s, 4, 4, 32, false, NULL)) return;
    show(&s, STAGE_MASK, 1.0f, VIEW_HEADS, th);
    frame(&t, &s);
    int masked = 0;
    for (size_t k = 0; k < s.layout.n_grids; k++)
        masked += count_near(&t, s.layout.grids[k].rect, th->masked_mark, 0);
    CHECKF(masked == 0, "causal off: %d hatch pixels", masked);
    app_state_free(&s);
    target_close(&t);
}

/* Halfway through the mask stage, rows above the sweep are masked and rows
 * below it are not yet. */
static void test_mask_progress(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, true, NULL)) return;
    size_t n = s.model.n;
    const theme *th = theme_dark();
    show(&s, STAGE_MASK, 0.5f, VIEW_FOCUS, th);
    frame(&t, &s);
    save_png(&t, "mask_half");
    CHECK(s.layout.n_grids == 1);
    SDL_Rect g = s.layout.grids[0].rect;
    SDL_Rect top = cell_rect(g, n, 0, n - 1), bottom = cell_rect(g, n, n - 2, n - 1);
    CHECK(count_near(&t, top, th->masked_mark, 0) > 0);
    CHECK(count_near(&t, bottom, th->masked_mark, 0) == 0);
    app_state_free(&s);
    target_close(&t);
}

/* Every stage's picture differs from every other's (causal on, so the mask
 * and the scale stages differ too). */
static void test_stages_differ(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, true, NULL)) return;
    int px = app_type_px(800, 1.0f);
    SDL_Rect main_area = {0, 4 * px, 1280, 800 - 6 * px}; /* below the caption, above the status */
    uint64_t whole[STATE_STAGE_COUNT], body[STATE_STAGE_COUNT];
    const char *names[STATE_STAGE_COUNT] = {
        "s01_embed", "s02_project", "s03_split",    "s04_scores", "s05_scale",
        "s06_mask",  "s07_softmax", "s08_weighted", "s09_concat", "s10_output"};
    for (int st = 0; st < STATE_STAGE_COUNT; st++) {
        show(&s, (state_stage)st, 1.0f, VIEW_HEADS, theme_dark());
        frame(&t, &s);
        save_png(&t, names[st]);
        whole[st] = hash_rect(&t, (SDL_Rect){0, 0, 1280, 800});
        body[st] = hash_rect(&t, main_area);
    }
    for (int a = 0; a < STATE_STAGE_COUNT; a++)
        for (int b = a + 1; b < STATE_STAGE_COUNT; b++) {
            CHECKF(whole[a] != whole[b], "stages %d and %d look the same", a + 1, b + 1);
            CHECKF(body[a] != body[b], "stages %d and %d draw the same picture", a + 1, b + 1);
        }
    /* and within a stage, the animation moves */
    for (int st = 0; st < STATE_STAGE_COUNT; st++) {
        show(&s, (state_stage)st, 0.3f, VIEW_HEADS, theme_dark());
        frame(&t, &s);
        uint64_t early = hash_rect(&t, main_area);
        CHECKF(early != body[st], "stage %d: progress 0.3 looks like progress 1", st + 1);
    }
    app_state_free(&s);
    target_close(&t);
}

/* Text where text belongs: the caption bar, and every recorded token label. */
static void test_text_present(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    const theme *themes[2] = {theme_dark(), theme_light()};
    for (int k = 0; k < 2; k++) {
        const theme *th = themes[k];
        for (int st = 0; st < STATE_STAGE_COUNT; st++) {
            show(&s, (state_stage)st, 1.0f, VIEW_HEADS, th);
            frame(&t, &s);
            int px = app_type_px(800, 1.0f);
            int caption = count_near(&t, (SDL_Rect){0, 0, 1280, 2 * px}, th->text, 40);
            CHECKF(caption > 200, "stage %d %s: %d text pixels in the caption", st + 1, th->name,
                   caption);
            /* the status line has its hint */
            int hint = count_near(&t, (SDL_Rect){0, 800 - px, 640, px}, th->text_dim, 40);
            CHECKF(hint > 50, "stage %d %s: %d hint pixels", st + 1, th->name, hint);
            if (st == STAGE_EMBED || st == STAGE_SCORES || st == STAGE_SOFTMAX)
                CHECKF(s.layout.n_token_labels > 0, "stage %d: no token labels recorded", st + 1);
            for (size_t l = 0; l < s.layout.n_token_labels; l++) {
                SDL_Rect rc = s.layout.token_labels[l];
                int tok = s.layout.token_of_label[l];
                CHECK(tok >= 0 && (size_t)tok < s.model.n);
                CHECK(rc.x >= 0 && rc.y >= 0 && rc.x + rc.w <= 1280 && rc.y + rc.h <= 800);
                int ink = count_near(&t, rc, th->text, 60) + count_near(&t, rc, th->accent, 60);
                /* a lone "." at 13 px is a grey dot: anything well off the background */
                if (ink == 0) ink = rc.w * rc.h - count_near(&t, rc, th->background, 60);
                CHECKF(ink > 0, "stage %d: label of token %d at %d,%d has no text", st + 1, tok,
                       rc.x, rc.y);
            }
        }
    }
    app_state_free(&s);
    target_close(&t);
}

static void test_themes_differ(void) {
    target t;
    app_state s;
    if (target_open(&t, 800, 600) || state_for(&s, 4, 4, 32, false, NULL)) return;
    SDL_Color bg[2];
    const theme *themes[2] = {theme_dark(), theme_light()};
    for (int k = 0; k < 2; k++) {
        show(&s, STAGE_SCORES, 1.0f, VIEW_HEADS, themes[k]);
        frame(&t, &s);
        save_png(&t, k ? "scores_800_light" : "scores_800_dark");
        bg[k] = pixel(&t, 2, 300); /* the margin left of the main area */
        CHECKF(near(bg[k], themes[k]->background, 0), "%s: background %d,%d,%d", themes[k]->name,
               bg[k].r, bg[k].g, bg[k].b);
    }
    CHECK(!near(bg[0], bg[1], 60));
    app_state_free(&s);
    target_close(&t);
}

/* Every stage, view, progress and theme at awkward sizes: no crash, no
 * write outside the frame (ASan), layouts inside the frame. */
static void test_sizes(void) {
    static const int sizes[][2] = {{1280, 800}, {800, 600},  {200, 150}, {120, 90},
                                   {1, 1},      {2000, 300}, {300, 1200}};
    static const float progresses[] = {0.0f, 0.37f, 1.0f};
    app_state s;
    if (state_for(&s, 4, 2, 32, true, NULL)) return;
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        target t;
        int w = sizes[z][0], h = sizes[z][1];
        if (target_open(&t, w, h)) continue;
        int drawn = 0;
        for (int st = 0; st < STATE_STAGE_COUNT; st++)
            for (int v = 0; v < VIEW_COUNT; v++)
                for (size_t p = 0; p < 3; p++) {
                    show(&s, (state_stage)st, progresses[p], (state_view)v,
                         p == 1 ? theme_light() : theme_dark());
                    s.selected_token = p == 2 ? 3 : -1;
                    s.show_help = st == 5 && p == 0;
                    frame(&t, &s);
                    drawn++;
                    for (size_t g = 0; g < s.layout.n_grids; g++) {
                        SDL_Rect rc = s.layout.grids[g].rect;
                        CHECKF(rc.w > 0 && rc.h > 0 && rc.x >= 0 && rc.y >= 0 && rc.x + rc.w <= w &&
                                   rc.y + rc.h <= h,
                               "%d×%d stage %d: grid at %d,%d %d×%d", w, h, st + 1, rc.x, rc.y,
                               rc.w, rc.h);
                    }
                }
        CHECK(drawn == STATE_STAGE_COUNT * VIEW_COUNT * 3);
        if (w == 200) {
            show(&s, STAGE_SOFTMAX, 1.0f, VIEW_HEADS, theme_dark());
            frame(&t, &s);
            save_png(&t, "softmax_200x150");
            /* something of the picture is there, not just the bars */
            CHECK(s.layout.n_grids == 4);
        }
        if (w == 800) {
            for (int st = 0; st < STATE_STAGE_COUNT; st++) {
                char name[64];
                show(&s, (state_stage)st, 1.0f, VIEW_FOCUS, theme_light());
                frame(&t, &s);
                snprintf(name, sizeof name, "800x600_focus_light_%02d", st + 1);
                save_png(&t, name);
            }
        }
        target_close(&t);
    }
    s.show_help = false;
    s.selected_token = -1;
    app_state_free(&s);
}

/* A second identical frame rasterises no string: glyphs are cached, and no
 * label changes from frame to frame when nothing moves. */
static void test_text_cached(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, true, NULL)) return;
    for (int st = 0; st < STATE_STAGE_COUNT; st++)
        for (int v = 0; v < VIEW_COUNT; v++) {
            show(&s, (state_stage)st, st % 2 ? 0.6f : 1.0f, (state_view)v, theme_dark());
            s.hover_head = 1;
            s.hover_i = 3;
            s.hover_j = 2;
            s.hover_x = 400;
            s.hover_y = 300;
            frame(&t, &s);
            size_t before = text_cache_renders(t.text);
            frame(&t, &s);
            CHECKF(text_cache_renders(t.text) == before, "stage %d view %d: %zu new strings",
                   st + 1, v, text_cache_renders(t.text) - before);
        }
    s.hover_head = s.hover_i = s.hover_j = -1;
    app_state_free(&s);
    target_close(&t);
}

/* A character the font has no glyph for is drawn as its code point (an
 * empty box would tell the class nothing); one it has is drawn as itself.
 * DejaVu Sans has U+1F600 (a smiley) but no U+1F355 (a pizza). */
static void test_missing_glyph_named(void) {
    target t;
    if (target_open(&t, 200, 100)) return;
    int w_pizza = 0, w_name = 0, w_smiley = 0, w_smiley_name = 0;
    text_measure(t.text, "\xF0\x9F\x8D\x95!", 20, &w_pizza, NULL);
    text_measure(t.text, "U+1F355!", 20, &w_name, NULL);
    text_measure(t.text, "\xF0\x9F\x98\x80", 20, &w_smiley, NULL);
    text_measure(t.text, "U+1F600", 20, &w_smiley_name, NULL);
    CHECKF(w_pizza == w_name && w_name > 0, "a glyph the font lacks: %d px, its name %d px",
           w_pizza, w_name);
    CHECKF(w_smiley > 0 && w_smiley < w_smiley_name, "a glyph the font has: %d px, its name %d px",
           w_smiley, w_smiley_name);
    target_close(&t);
}

/* Hovering a cell shows a tooltip with where its value comes from. */
static void test_tooltip(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, true, NULL)) return;
    const theme *th = theme_light(); /* its tooltip colour is white: easy to find */
    show(&s, STAGE_SOFTMAX, 1.0f, VIEW_HEADS, th);
    frame(&t, &s);
    const app_cell_map *g = grid_of_head(&s, 1);
    CHECK(g != NULL);
    if (!g) goto done;
    SDL_Rect cell = cell_rect(g->rect, s.model.n, 5, 2);
    int mx = cell.x + cell.w / 2, my = cell.y + cell.h / 2;
    SDL_Rect box = {mx + 16, my + 20, 200, 3 * app_type_px(800, 1.0f)};
    int before = count_near(&t, box, th->tooltip, 0);
    s.hover_head = 1;
    s.hover_i = 5;
    s.hover_j = 2;
    s.hover_x = mx;
    s.hover_y = my;
    frame(&t, &s);
    save_png(&t, "tooltip_light");
    int after = count_near(&t, box, th->tooltip, 0);
    CHECKF(after > before + box.w * box.h / 4, "tooltip: %d → %d tooltip pixels", before, after);
    /* the hovered cell is outlined */
    CHECK(count_near(&t, (SDL_Rect){cell.x - 2, cell.y - 2, cell.w + 4, 2}, th->highlight, 0) > 0);
    /* near the right and bottom edges the tooltip stays inside the frame */
    s.hover_x = 1278;
    s.hover_y = 798;
    frame(&t, &s);
    CHECK(count_near(&t, (SDL_Rect){1280 - 220, 800 - 160, 200, 120}, th->tooltip, 0) > 1000);
    /* no tooltip outside the per-head stages */
    show(&s, STAGE_EMBED, 1.0f, VIEW_HEADS, th);
    s.hover_x = mx;
    s.hover_y = my;
    frame(&t, &s);
    CHECK(count_near(&t, box, th->tooltip, 0) < box.w * box.h / 4);
done:
    s.hover_head = s.hover_i = s.hover_j = -1;
    app_state_free(&s);
    target_close(&t);
}

/* A selected token lights up its row and column in every head. */
static void test_selection(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    const theme *th = theme_dark();
    show(&s, STAGE_SCORES, 1.0f, VIEW_HEADS, th);
    s.selected_token = 4;
    frame(&t, &s);
    save_png(&t, "selected");
    CHECK(s.layout.n_grids == 4);
    for (size_t k = 0; k < s.layout.n_grids; k++) {
        SDL_Rect g = s.layout.grids[k].rect;
        SDL_Rect row = cell_rect(g, s.model.n, 4, 0);
        SDL_Rect col = cell_rect(g, s.model.n, 0, 4);
        /* the outline sits just outside the row and column */
        int on_row = count_near(&t, (SDL_Rect){g.x, row.y - 1, g.w, 1}, th->highlight, 0);
        int on_col = count_near(&t, (SDL_Rect){col.x - 1, g.y, 1, g.h}, th->highlight, 0);
        CHECKF(on_row > g.w / 2 && on_col > g.h / 2, "head %d: row %d, column %d outline pixels",
               s.layout.grids[k].head, on_row, on_col);
    }
    s.selected_token = -1;
    app_state_free(&s);
    target_close(&t);
}

/* The arcs view: weights exist from softmax on; before, the heatmaps stand
 * in (and say so). */
static void test_arcs(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    show(&s, STAGE_SCORES, 1.0f, VIEW_ARCS, theme_dark());
    frame(&t, &s);
    CHECK(s.layout.n_grids == 4);
    show(&s, STAGE_SOFTMAX, 1.0f, VIEW_ARCS, theme_dark());
    frame(&t, &s);
    save_png(&t, "arcs");
    CHECK(s.layout.n_grids == 0);
    CHECK(s.layout.n_token_labels == 2 * s.model.n);
    /* the focus head's colour is on the lines between the columns */
    SDL_Color hc = theme_head_color(theme_dark(), 0);
    SDL_Rect mid = {560, 150, 160, 500};
    int lines = 0;
    for (int y = mid.y; y < mid.y + mid.h; y++)
        for (int x = mid.x; x < mid.x + mid.w; x++) {
            SDL_Color p = pixel(&t, x, y);
            if (p.r > p.b + 20 && abs(p.r - hc.r) < 200) lines++;
        }
    CHECK(lines > 500);
    /* a selected token keeps only its lines strong: the picture changes */
    uint64_t all = hash_rect(&t, mid);
    s.selected_token = 0;
    frame(&t, &s);
    CHECK(hash_rect(&t, mid) != all);
    s.selected_token = -1;
    app_state_free(&s);
    target_close(&t);
}

/* The help overlay lists the keys; an error message is drawn in red. */
static void test_help_and_status(void) {
    target t;
    app_state s;
    if (target_open(&t, 800, 600) || state_for(&s, 4, 4, 32, false, NULL)) return;
    const theme *th = theme_dark();
    show(&s, STAGE_SCORES, 1.0f, VIEW_HEADS, th);
    frame(&t, &s);
    uint64_t plain = hash_rect(&t, (SDL_Rect){0, 0, 800, 600});
    s.show_help = true;
    frame(&t, &s);
    save_png(&t, "help_800");
    CHECK(hash_rect(&t, (SDL_Rect){0, 0, 800, 600}) != plain);
    CHECK(count_near(&t, (SDL_Rect){100, 100, 600, 400}, th->accent, 0) > 100); /* its frame */
    CHECK(count_near(&t, (SDL_Rect){150, 150, 500, 300}, th->text, 30) > 500);  /* its keys */
    s.show_help = false;
    snprintf(s.message, sizeof s.message, "--heads 3 does not divide --d-model 32");
    s.message_is_error = true;
    frame(&t, &s);
    int px = app_type_px(600, 1.0f);
    CHECK(count_near(&t, (SDL_Rect){0, 600 - 2 * px, 600, 2 * px}, th->error, 40) > 50);
    s.message[0] = '\0';
    s.message_is_error = false;
    app_state_free(&s);
    target_close(&t);
}

/* Grouped-query, multi-query, one token, many tokens and heads: every stage
 * and view draws, with a grid per head where heads are shown. */
static void test_configs(void) {
    static const struct {
        size_t heads, kv, d;
        bool causal;
        const char *sentence;
        int w, h;
    } cases[] = {
        {8, 2, 64, true, NULL, 1280, 800},
        {8, 1, 64, false, NULL, 800, 600},
        {1, 1, 8, true, "Hi", 1280, 800},
        {12, 12, 768, true, NULL, 1280, 800}, /* the sentence is made long below */
        {16, 4, 64, false, "東京 is big 🙂 — naïve café, isn't it?", 800, 600},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char sentence[STATE_SENTENCE_MAX];
        const char *text = cases[k].sentence;
        if (cases[k].d == 768) { /* 128 tokens */
            static const char *const words[] = {"the", "robot", "sat",   "on",  "floor", "because",
                                                "it",  "was",   "tired", "and", "slept", "."};
            sentence[0] = '\0';
            for (int i = 0; i < 128; i++) {
                strcat(sentence, words[i % 12]);
                strcat(sentence, " ");
            }
            text = sentence;
        }
        target t;
        app_state s;
        if (target_open(&t, cases[k].w, cases[k].h)) continue;
        if (state_for(&s, cases[k].heads, cases[k].kv, cases[k].d, cases[k].causal, text)) {
            target_close(&t);
            continue;
        }
        if (cases[k].d == 768) CHECK(s.model.n == 128);
        for (int st = 0; st < STATE_STAGE_COUNT; st++)
            for (int v = 0; v < VIEW_COUNT; v++) {
                show(&s, (state_stage)st, 1.0f, (state_view)v, theme_dark());
                s.focus_head = cases[k].heads - 1;
                frame(&t, &s);
                bool per_head = st >= STAGE_SCORES && st <= STAGE_WEIGHTED;
                size_t want = !per_head                               ? 0
                              : v == VIEW_FOCUS                       ? 1
                              : v == VIEW_ARCS && st >= STAGE_SOFTMAX ? 0
                                                                      : cases[k].heads;
                CHECKF(s.layout.n_grids == want, "case %zu stage %d view %d: %zu grids, want %zu",
                       k, st + 1, v, s.layout.n_grids, want);
                if (v == VIEW_FOCUS && want == 1)
                    CHECK(s.layout.grids[0].head == (int)cases[k].heads - 1);
                if (k == 3 && v == VIEW_HEADS && (st == STAGE_SOFTMAX || st == STAGE_WEIGHTED))
                    save_png(&t, st == STAGE_SOFTMAX ? "big_softmax" : "big_weighted");
                if (k == 0 && v == VIEW_HEADS && st == STAGE_SPLIT) save_png(&t, "gqa_split");
            }
        app_state_free(&s);
        target_close(&t);
    }
}

/* Offscreen targets made and dropped one after another, all drawn with
 * one pool that is not freed in between (as a caller may forget): each new
 * renderer, even at a recycled address, gets fresh textures and a right
 * picture. */
static void test_targets_in_a_row(void) {
    app_state s;
    if (state_for(&s, 4, 4, 32, false, NULL)) return;
    size_t n = s.model.n;
    draw_pool shared;
    draw_pool_init(&shared);
    for (int round = 0; round < 6; round++) {
        target t;
        if (target_open(&t, round % 2 ? 800 : 640, 480)) break;
        show(&s, STAGE_SOFTMAX, 1.0f, VIEW_FOCUS, theme_dark());
        s.focus_head = (size_t)round % 4;
        frame_with(&t, &shared, &s);
        CHECK(s.layout.n_grids == 1);
        if (s.layout.n_grids == 1) {
            const app_cell_map *g = &s.layout.grids[0];
            const float *row = s.model.trace.weights + ((size_t)g->head * n + 0) * n;
            size_t best = 0;
            for (size_t j = 1; j < n; j++)
                if (row[j] > row[best]) best = j;
            SDL_Rect rc = cell_rect(g->rect, n, 0, best);
            CHECKF(near(pixel(&t, rc.x + 2, rc.y + 2), colormap_sequential(row[best]), 2),
                   "round %d: the largest weight is not its colour", round);
        }
        if (round < 5) {
            target_close_keep_pool(&t);
        } else {
            draw_pool_free(&shared); /* the last one releases, while its renderer lives */
            target_close(&t);
        }
    }
    draw_pool_free(&shared); /* a pool once freed is empty: freeing it again is fine */
    app_state_free(&s);
}

/* The pieces: value labels, matrix cells in a blend, colours. */
static void test_pieces(void) {
    char buf[32];
    draw_format_value(buf, sizeof buf, -INFINITY);
    CHECK(strcmp(buf, "−∞") == 0);
    draw_format_value(buf, sizeof buf, -0.5f);
    CHECK(strcmp(buf, "−0.50") == 0);
    draw_format_value(buf, sizeof buf, -0.001f);
    CHECK(strcmp(buf, "0.00") == 0); /* no sign on what rounds to zero */
    draw_format_value(buf, sizeof buf, 12.34f);
    CHECK(strcmp(buf, "12.3") == 0);
    draw_format_value(buf, sizeof buf, 1234.0f);
    CHECK(strcmp(buf, "1234") == 0);
    draw_format_exact(buf, sizeof buf, -15.03125f);
    CHECK(strcmp(buf, "−15.03") == 0);
    draw_format_exact(buf, sizeof buf, 0.0067123f);
    CHECK(strcmp(buf, "0.006712") == 0);

    const theme *th = theme_dark();
    float a[4] = {1.0f, 2.0f, 3.0f, 4.0f}, b[4] = {0.5f, -INFINITY, 1.5f, 2.0f};
    draw_matrix_desc d = draw_matrix_plain(2, 2, draw_values_rows(a, 2, DRAW_DIVERGING, 4.0f), th);
    d.b = draw_values_rows(b, 2, DRAW_DIVERGING, 4.0f);
    d.blend = DRAW_BLEND_ROWS;
    d.row = 1;
    d.t = 0.25f;
    draw_cell c = draw_matrix_cell(&d, 0, 1);
    CHECK(c.masked && c.visible); /* row 0 is done: b, which is −∞ there */
    c = draw_matrix_cell(&d, 1, 0);
    CHECK(!c.masked && c.value == 3.0f); /* row 1 a quarter of the way: still a */
    d.blend = DRAW_BLEND_VALUES;
    d.t = 0.75f;
    c = draw_matrix_cell(&d, 1, 1);
    CHECK(c.value == 2.0f); /* labels show the end point they are nearer */
    d.blend = DRAW_BLEND_NONE;
    d.visible = 3;
    CHECK(!draw_matrix_cell(&d, 1, 1).visible && draw_matrix_cell(&d, 1, 0).visible);
    SDL_Color m = draw_value_color(DRAW_SEQUENTIAL, 1.0f, -INFINITY, th->masked);
    CHECK(near(m, th->masked, 0));
    CHECK(near(draw_value_color(DRAW_SEQUENTIAL, 1.0f, 0.25f, th->masked),
               colormap_sequential(0.25f), 0));
    CHECK(near(draw_value_color(DRAW_DIVERGING, 2.0f, -1.0f, th->masked), colormap_diverging(-0.5f),
               0));
    CHECK(draw_ink_on((SDL_Color){250, 250, 250, 255}).r == 0);
    CHECK(draw_ink_on((SDL_Color){10, 10, 30, 255}).r == 255);
    int px = app_type_px(800, 1.0f);
    CHECK(px == 20);
}


/* ---- what the review fixed ----------------------------------------------------------- */

/* x positions (left edges) of the runs of at least min_run pixels of col
 * on row y. Returns how many, up to cap. */
static int runs_of(const target *t, int y, int x0, int x1, SDL_Color col, int tol, int min_run,
                   int *lefts, int cap) {
    int count = 0, run = 0;
    for (int x = x0; x <= x1; x++) {
        bool on = x < x1 && near(pixel(t, x, y), col, tol);
        if (on) {
            run++;
            continue;
        }
        if (run >= min_run && count < cap) lefts[count++] = x - run;
        run = 0;
    }
    return count;
}

/* Scores in focus draw Q_h and K_hᵀ in their own colours: a second colour
 * bar says which (the all-heads view, with scores only, keeps one). */
static void test_focus_scores_bars(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    for (int v = VIEW_HEADS; v <= VIEW_FOCUS; v++) {
        show(&s, STAGE_SCORES, 1.0f, (state_view)v, theme_dark());
        frame(&t, &s);
        if (v == VIEW_FOCUS) save_png(&t, "scores_focus_bars");
        int right = 0;
        for (size_t k = 0; k < s.layout.n_grids; k++) {
            SDL_Rect g = s.layout.grids[k].rect;
            if (g.x + g.w > right) right = g.x + g.w;
        }
        /* the top of a diverging bar is colormap_diverging(+1): count the
         * bars on each row of the strip right of the grids */
        int most = 0, lefts[8];
        for (int y = 100; y < 760; y++) {
            int bars = runs_of(&t, y, right + 4, 1280, colormap_diverging(1.0f), 8, 6, lefts, 8);
            if (bars > most) most = bars;
        }
        CHECKF(most == (v == VIEW_FOCUS ? 2 : 1), "view %d: %d colour bars", v, most);
    }
    app_state_free(&s);
    target_close(&t);
}

/* The head outputs keep V's colour scale in stages 8, 9 and 10: concat's
 * largest value is drawn at value / V's range, not saturated. */
static void test_concat_scale(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    size_t n = s.model.n, d = s.model.settings.config.d_model;
    float big = 0.0f;
    for (size_t k = 0; k < n * d; k++)
        if (fabsf(s.model.trace.concat[k]) > fabsf(big)) big = s.model.trace.concat[k];
    float range = scale_robust(s.model.trace.v, n * attn_d_kv(&s.model.settings.config)).range;
    CHECK(fabsf(big) < range * 0.9f); /* else this test could not tell the scales apart */
    SDL_Color want = colormap_diverging(big / range);
    SDL_Color saturated = colormap_diverging(big > 0 ? 1.0f : -1.0f);
    int px = app_type_px(800, 1.0f);
    SDL_Rect body = {0, 5 * px, 1280 - 6 * px, 800 - 7 * px}; /* not the colour bar */
    for (int st = STAGE_CONCAT; st <= STAGE_OUTPUT; st++) {
        show(&s, (state_stage)st, 1.0f, VIEW_HEADS, theme_dark());
        frame(&t, &s);
        int cell = count_near(&t, body, want, 1);
        CHECKF(cell >= 30, "stage %d: %d pixels of concat's largest value", st + 1, cell);
        if (st == STAGE_CONCAT)
            CHECKF(count_near(&t, body, saturated, 1) == 0, "stage 9: %d saturated pixels",
                   count_near(&t, body, saturated, 1));
    }
    app_state_free(&s);
    target_close(&t);
}

/* Cell values keep a margin inside their cells: the pixels next to each
 * cell's left and right edges are the cell's own colour, never a glyph of
 * its value or its neighbour's. */
static void test_values_margin(void) {
    static const int sizes[][2] = {{1280, 800}, {800, 600}, {1024, 768}};
    app_state s;
    if (state_for(&s, 4, 4, 32, false, NULL)) return;
    size_t n = s.model.n;
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        target t;
        if (target_open(&t, sizes[z][0], sizes[z][1])) continue;
        show(&s, STAGE_SCALE, 1.0f, VIEW_FOCUS, theme_light());
        frame(&t, &s);
        CHECK(s.layout.n_grids == 1);
        if (s.layout.n_grids != 1) {
            target_close(&t);
            continue;
        }
        SDL_Rect g = s.layout.grids[0].rect;
        int bad = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                SDL_Rect rc = cell_rect(g, n, i, j);
                float v = s.model.trace.scaled[(0 * n + i) * n + j];
                SDL_Color want = draw_value_color(DRAW_DIVERGING, s.model.scores_absmax, v,
                                                  theme_light()->masked);
                for (int y = rc.y + 1; y < rc.y + rc.h - 2; y++)
                    if (!near(pixel(&t, rc.x + 1, y), want, 3) ||
                        !near(pixel(&t, rc.x + rc.w - 3, y), want, 3))
                        bad++;
            }
        CHECKF(bad == 0, "%d×%d: %d edge pixels of cells are not the cell's colour", sizes[z][0],
               sizes[z][1], bad);
        target_close(&t);
    }
    app_state_free(&s);
}

/* The key content is not small: result rows of the products (stages 2
 * and 10) are at least the small type tall, the grids of stage 8 too, and
 * every row of every head is labelled (eight heads, no thinning). */
static void test_room(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    int spx = app_type_px(800, 1.0f) * 4 / 5;
    state_stage products[2] = {STAGE_PROJECT, STAGE_OUTPUT};
    for (int k = 0; k < 2; k++) {
        show(&s, products[k], 1.0f, VIEW_HEADS, theme_dark());
        frame(&t, &s);
        CHECK(s.layout.n_token_labels == s.model.n);
        for (size_t l = 0; l < s.layout.n_token_labels; l++)
            CHECKF(s.layout.token_labels[l].h >= spx, "stage %d: a row %d px tall",
                   products[k] + 1, s.layout.token_labels[l].h);
    }
    show(&s, STAGE_WEIGHTED, 1.0f, VIEW_HEADS, theme_dark());
    frame(&t, &s);
    CHECK(s.layout.n_grids == 4);
    for (size_t k = 0; k < s.layout.n_grids; k++)
        CHECKF(s.layout.grids[k].rect.h >= spx * (int)s.model.n, "stage 8: grid %d px tall",
               s.layout.grids[k].rect.h);
    app_state_free(&s);
    if (state_for(&s, 8, 2, 32, false, NULL)) return;
    show(&s, STAGE_SCORES, 1.0f, VIEW_HEADS, theme_dark());
    frame(&t, &s);
    save_png(&t, "gqa_scores_labels");
    size_t n = s.model.n, rows_labelled = 0;
    for (size_t l = 0; l < s.layout.n_token_labels; l++)
        for (size_t k = 0; k < s.layout.n_grids; k++) {
            SDL_Rect g = s.layout.grids[k].rect, rc = s.layout.token_labels[l];
            if (rc.x + rc.w <= g.x && rc.x + rc.w > g.x - 20 && rc.y >= g.y && rc.y < g.y + g.h)
                rows_labelled++;
        }
    CHECKF(rows_labelled == 8 * n, "%zu of %zu rows labelled", rows_labelled, 8 * n);
    app_state_free(&s);
    target_close(&t);
}

/* Grouped-query split: each shared K group sits under the first query
 * head that reads it (head 5's colour starts at the same x in the Q and
 * the K band's strips), so the sharing is visible. */
static void test_gqa_split_aligned(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 8, 2, 32, false, NULL)) return;
    show(&s, STAGE_SPLIT, 1.0f, VIEW_HEADS, theme_dark());
    frame(&t, &s);
    SDL_Color h5 = theme_head_color(theme_dark(), 4);
    int first[2] = {-1, -1}, bands = 0;
    for (int y = 90; y < 760 && bands < 2; y++) {
        /* a strip: a run of the head's colour at least 8 px wide on three
         * rows in a row (the slabs' one-pixel outlines are not strips) */
        int a0[4], a1[4], a2[4];
        if (runs_of(&t, y, 0, 1280, h5, 0, 8, a0, 4) == 0 ||
            runs_of(&t, y + 1, 0, 1280, h5, 0, 8, a1, 4) == 0 ||
            runs_of(&t, y + 2, 0, 1280, h5, 0, 8, a2, 4) == 0 || a0[0] != a1[0] || a1[0] != a2[0])
            continue;
        first[bands++] = a0[0];
        y += 20; /* past this strip */
    }
    CHECKF(bands == 2 && abs(first[0] - first[1]) <= 2, "head 5 at x %d (Q) and %d (K)", first[0],
           first[1]);
    app_state_free(&s);
    target_close(&t);
}

/* A selected token's row lights up in the products' results too, not only
 * in the left factor. */
static void test_selection_products(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    const theme *th = theme_dark();
    SDL_Rect all = {0, 0, 1280, 800};
    show(&s, STAGE_PROJECT, 1.0f, VIEW_HEADS, th);
    frame(&t, &s);
    int before = count_near(&t, all, th->highlight, 0);
    s.selected_token = 4;
    frame(&t, &s);
    save_png(&t, "selected_project");
    int after = count_near(&t, all, th->highlight, 0);
    /* X and Q, K, V: four outlines, each twice a matrix (over 200 px) wide */
    CHECKF(after - before > 4 * 2 * 200, "%d → %d highlight pixels", before, after);
    s.selected_token = -1;
    app_state_free(&s);
    target_close(&t);
}

/* A lesson step that names two tokens lights both in the stages whose rows
 * are tokens (X, the projections, the split), not only the first: the
 * second adds its own row outline. */
static void test_second_token_lit(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    const theme *th = theme_dark();
    const state_stage stages[] = {STAGE_EMBED, STAGE_PROJECT, STAGE_SPLIT};
    for (size_t k = 0; k < sizeof stages / sizeof stages[0]; k++) {
        show(&s, stages[k], 1.0f, VIEW_HEADS, th);
        s.selected_token = 0;
        s.n_highlights = 0;
        frame(&t, &s);
        int one = count_near(&t, (SDL_Rect){0, 0, t.w, t.h}, th->highlight, 0);
        s.highlights[s.n_highlights++] = (state_highlight){STATE_HIGHLIGHT_ROW, -1, 4, 0};
        s.highlights[s.n_highlights++] = (state_highlight){STATE_HIGHLIGHT_COLUMN, -1, 0, 4};
        frame(&t, &s);
        int two = count_near(&t, (SDL_Rect){0, 0, t.w, t.h}, th->highlight, 0);
        CHECKF(two > one + 100, "stage %d: %d highlight pixels for one token, %d for two",
               stages[k] + 1, one, two);
    }
    s.selected_token = -1;
    s.n_highlights = 0;
    app_state_free(&s);
    target_close(&t);
}

/* "highlight: row 8" in stage 8 marks row 8 of V_h and of O_h too (the
 * lesson compares them), in one head and in all heads. */
static void test_step_row_on_values(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    const theme *th = theme_dark();
    for (int v = 0; v < 2; v++) {
        show(&s, STAGE_WEIGHTED, 1.0f, v ? VIEW_FOCUS : VIEW_HEADS, th);
        s.n_highlights = 0;
        frame(&t, &s);
        CHECK(s.layout.n_grids > 0);
        if (s.layout.n_grids == 0) break;
        SDL_Rect g = s.layout.grids[0].rect;
        /* right of head 1's map, on its rows: where its V and O are */
        SDL_Rect beside = {g.x + g.w + 4, g.y - 8, t.w - (g.x + g.w + 4), g.h + 16};
        if (!v) beside.w = g.w * 2; /* all heads: stay within head 1's cell */
        int before = count_near(&t, beside, th->accent, 0);
        s.highlights[s.n_highlights++] = (state_highlight){STATE_HIGHLIGHT_ROW, -1, 7, 0};
        frame(&t, &s);
        int after = count_near(&t, beside, th->accent, 0);
        CHECKF(after > before + 2 * (g.w / 2), "%s: %d accent pixels beside A, %d with row 8",
               v ? "focus" : "all heads", before, after);
    }
    s.n_highlights = 0;
    app_state_free(&s);
    target_close(&t);
}

/* Stage 10 in the all-heads view shows concat·W_O as a sum over heads: each
 * head's band of W_O and its columns of the concat outlined in the head's
 * colour and named; the one-head view has no bands. */
static void test_output_head_bands(void) {
    target t;
    app_state s;
    if (target_open(&t, 1280, 800) || state_for(&s, 4, 4, 32, false, NULL)) return;
    const theme *th = theme_dark();
    int count[2];
    for (int v = 0; v < 2; v++) {
        show(&s, STAGE_OUTPUT, 1.0f, v ? VIEW_HEADS : VIEW_FOCUS, th);
        frame(&t, &s);
        count[v] = count_near(&t, (SDL_Rect){0, 0, t.w, t.h}, theme_head_color(th, 3), 0);
    }
    save_png(&t, "output_head_bands");
    CHECKF(count[1] > count[0] + 200, "head 4's colour: %d px in one head, %d in all heads",
           count[0], count[1]);
    CHECK(text_cache_count(t.text, "head 4", NULL) > 0);
    app_state_free(&s);
    target_close(&t);
}

/* The softmax stage's legend names what is on screen: "scaled" (or
 * "scores" with scaling off) only while rows still show them, "weights"
 * once every row is done. */
static void test_softmax_legend(void) {
    const struct {
        float progress;
        bool scale;
        const char *want, *not;
    } cases[] = {{1.0f, true, "weights", "scaled"},
                 {0.4f, true, "scaled", NULL},
                 {0.4f, false, "scores", "scaled"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        target t;
        app_state s;
        if (target_open(&t, 1280, 800)) return;
        if (state_for(&s, 4, 4, 32, false, NULL)) {
            target_close(&t);
            return;
        }
        s.model.settings.config.scale = cases[k].scale;
        char err[256];
        CHECK(state_model_apply(&s.model, &s.model.settings, err, sizeof err) == 0);
        show(&s, STAGE_SOFTMAX, cases[k].progress, VIEW_FOCUS, theme_dark());
        frame(&t, &s);
        CHECKF(text_cache_count(t.text, cases[k].want, NULL) > 0, "case %zu: no \"%s\"", k,
               cases[k].want);
        if (cases[k].not)
            CHECKF(text_cache_count(t.text, cases[k].not, NULL) == 0, "case %zu: \"%s\" shown", k,
                   cases[k].not);
        app_state_free(&s);
        target_close(&t);
    }
}

/* Columns narrower than their words get the words turned up the column,
 * whole (they were cut to "ro…" or left out), so a key a lesson names can
 * be found; each is recorded as a tall clickable label. */
static void test_col_labels_up(void) {
    target t;
    app_state s;
    if (target_open(&t, 880, 800)) return;
    if (state_for(&s, 4, 4, 32, true, "The bank by the river was closed due to flooding.")) {
        target_close(&t);
        return;
    }
    show(&s, STAGE_SOFTMAX, 1.0f, VIEW_HEADS, theme_dark());
    frame(&t, &s);
    save_png(&t, "col_labels_up");
    /* one label per column over each map: one cell wide, ending above it */
    size_t above = 0;
    for (size_t g = 0; g < s.layout.n_grids; g++) {
        SDL_Rect gr = s.layout.grids[g].rect;
        int cw = gr.w / (int)s.model.n;
        for (size_t l = 0; l < s.layout.n_token_labels; l++) {
            SDL_Rect rc = s.layout.token_labels[l];
            above += rc.x >= gr.x - 1 && rc.x + rc.w <= gr.x + gr.w + 1 && rc.w <= cw + 1 &&
                     rc.y + rc.h <= gr.y && rc.y + rc.h >= gr.y - 12;
        }
    }
    CHECKF(above == 4 * s.model.n, "%zu column labels, for %zu columns", above, 4 * s.model.n);

    app_state_free(&s);
    target_close(&t);
}

/* The row sums of the softmax stage are said once in each head's title
 * ("every row Σ=1.000"), whole; never cut to "Σ=…" (they were, with 8
 * heads at 1280×800). Every head count and view, several sizes. */
static void test_row_sums_whole(void) {
    const int sizes[][2] = {{1280, 800}, {800, 600}, {1920, 1080}};
    const size_t heads[] = {1, 2, 4, 8, 16};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        for (size_t k = 0; k < sizeof heads / sizeof heads[0]; k++) {
            target t;
            app_state s;
            if (target_open(&t, sizes[z][0], sizes[z][1])) return;
            if (state_for(&s, heads[k], heads[k], 64, false, NULL)) {
                target_close(&t);
                return;
            }
            for (int v = 0; v < 2; v++) {
                show(&s, STAGE_SOFTMAX, 1.0f, v == 0 ? VIEW_HEADS : VIEW_FOCUS, theme_dark());
                frame(&t, &s);
            }
            /* one note a map on the head's line ("head 1  every row
             * Σ=1.000"), no longer a Σ beside each row: the tooltip gives a
             * row's own sum */
            size_t whole = text_cache_count(t.text, "", "every row Σ=1.000");
            size_t cut = text_cache_count(t.text, "", "Σ=…") + text_cache_count(t.text, "Σ=", "…");
            CHECKF(whole > 0 && cut == 0, "%d×%d, %zu heads: %zu whole, %zu cut", sizes[z][0],
                   sizes[z][1], heads[k], whole, cut);
            app_state_free(&s);
            target_close(&t);
        }
    }
}

/* A change of setting shows on the very next frame: after heads, causal,
 * sentence or seed change (as the settings panel applies them), one frame
 * drawn with the warm caches of the old settings equals a fresh state's
 * frame with the new ones (no stale map, layout or label). */
static void test_setting_next_frame(void) {
    target t, fresh;
    app_state s, want;
    if (target_open(&t, 1280, 800)) return;
    if (target_open(&fresh, 1280, 800)) {
        target_close(&t);
        return;
    }
    if (state_for(&s, 4, 4, 32, false, NULL) == 0) {
        SDL_Rect all = {0, 0, 1280, 800};
        for (int k = 0; k < 4; k++) {
            show(&s, STAGE_SOFTMAX, 1.0f, VIEW_HEADS, theme_dark());
            frame(&t, &s); /* the old settings' frame: caches warm */
            state_settings next = s.model.settings;
            switch (k) {
            case 0: next.config.n_heads = next.config.n_kv_heads = 8; break;
            case 1: next.config.causal = true; break;
            case 2: snprintf(next.sentence, sizeof next.sentence, "quiet cats sat on the mat"); break;
            case 3: next.seed++; break;
            }
            char err[APP_ERR_LEN] = "";
            CHECKF(state_model_apply(&s.model, &next, err, sizeof err) == 0, "case %d: %s", k, err);
            frame(&t, &s);
            if (app_state_init(&want, &next, err, sizeof err) != 0) {
                CHECKF(0, "case %d: %s", k, err);
                break;
            }
            show(&want, STAGE_SOFTMAX, 1.0f, VIEW_HEADS, theme_dark());
            frame(&fresh, &want);
            CHECKF(hash_rect(&t, all) == hash_rect(&fresh, all),
                   "case %d: the next frame after the change is not the new settings' frame", k);
            app_state_free(&want);
        }
        app_state_free(&s);
    }
    target_close(&fresh);
    target_close(&t);
}

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    if (TTF_Init() != 0) {
        fprintf(stderr, "test_render: TTF_Init: %s\n", TTF_GetError());
        return 1;
    }
    char err[512];
    if (text_find_font(font_path, sizeof font_path, err, sizeof err) != 0) {
        fprintf(stderr, "test_render: %s\n", err);
        return 1;
    }
    /* Everything below needs an offscreen target and a state: when they
     * cannot be made, say so once and fail, rather than 26 times. */
    target t;
    app_state s;
    if (target_open(&t, 64, 64) != 0) {
        fprintf(stderr, "test_render: cannot draw offscreen (see above)\n");
        return check_done("test_render");
    }
    if (state_for(&s, 4, 4, 32, false, NULL) != 0) {
        fprintf(stderr, "test_render: cannot build the default state (see above)\n");
        target_close(&t);
        return check_done("test_render");
    }
    app_state_free(&s);
    target_close(&t);
    test_pieces();
    test_setting_next_frame();
    test_softmax_colors();
    test_mask_cells();
    test_mask_progress();
    test_stages_differ();
    test_text_present();
    test_themes_differ();
    test_sizes();
    test_text_cached();
    test_missing_glyph_named();
    test_tooltip();
    test_selection();
    test_arcs();
    test_help_and_status();
    test_configs();
    test_targets_in_a_row();
    test_focus_scores_bars();
    test_concat_scale();
    test_values_margin();
    test_room();
    test_gqa_split_aligned();
    test_selection_products();
    test_row_sums_whole();
    test_second_token_lit();
    test_step_row_on_values();
    test_output_head_bands();
    test_softmax_legend();
    test_col_labels_up();
    TTF_Quit();
    FcFini(); /* text_find_font asked fontconfig; let it go, for LeakSanitizer */
    return check_done("test_render");
}
