/* The arcs view under the mouse: over a head's name in the legend, that
 * head's lines alone are drawn, in full colour, and the head in focus's
 * lines go; away from the legend, the head in focus is back on top. Drawn
 * offscreen with app_draw, as `attnviz render` does. */
#define _POSIX_C_SOURCE 200809L
#include <SDL.h>
#include <SDL_ttf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "check.h"
#include "draw.h"

enum { W = 1280, H = 800 };

static SDL_Surface *surface;

static SDL_Color pixel(int x, int y) {
    SDL_Color c = {0, 0, 0, 0};
    const uint8_t *row = (const uint8_t *)surface->pixels + (size_t)y * (size_t)surface->pitch;
    SDL_GetRGBA(((const uint32_t *)row)[x], surface->format, &c.r, &c.g, &c.b, &c.a);
    return c;
}

static bool near(SDL_Color a, SDL_Color b, int tol) {
    return abs(a.r - b.r) <= tol && abs(a.g - b.g) <= tol && abs(a.b - b.b) <= tol;
}

static SDL_Color background;

/* Whether p is col laid over the background at 40 % opacity or more (the
 * lines are blended; a faded head's are at most 30 %). */
static bool tinted(SDL_Color p, SDL_Color col) {
    int d[3] = {col.r - background.r, col.g - background.g, col.b - background.b};
    int q[3] = {p.r - background.r, p.g - background.g, p.b - background.b};
    int k = 0;
    for (int c = 1; c < 3; c++)
        if (abs(d[c]) > abs(d[k])) k = c;
    if (d[k] == 0) return false;
    double t = (double)q[k] / (double)d[k];
    if (t < 0.4 || t > 1.05) return false;
    for (int c = 0; c < 3; c++)
        if (abs(q[c] - (int)(t * d[c])) > 20) return false;
    return true;
}

/* Pixels between the two token columns drawn in col. */
static int lines_in(SDL_Color col) {
    int n = 0;
    for (int y = 200; y < 700; y++)
        for (int x = 500; x < 780; x++) n += tinted(pixel(x, y), col);
    return n;
}

/* The legend swatch of a head: its colour exactly, in the top band. */
static bool swatch(SDL_Color col, int *sx, int *sy) {
    for (int y = 90; y < 200; y++)
        for (int x = 0; x < W / 2; x++)
            if (near(pixel(x, y), col, 0) && near(pixel(x + 2, y + 2), col, 0)) {
                *sx = x + 2, *sy = y + 2;
                return true;
            }
    return false;
}

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    char err[APP_ERR_LEN] = "", font[1024];
    if (TTF_Init() != 0 || text_find_font(font, sizeof font, err, sizeof err) != 0) {
        fprintf(stderr, "test_arcs_hover: no font: %s\n", err);
        return 1;
    }
    surface = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = surface ? SDL_CreateSoftwareRenderer(surface) : NULL;
    text_cache *tc = r ? text_cache_create(r, font, err, sizeof err) : NULL;
    state_settings set;
    state_settings_default(&set);
    app_state s;
    if (!tc || app_state_init(&s, &set, err, sizeof err) != 0) {
        fprintf(stderr, "test_arcs_hover: cannot draw offscreen: %s %s\n", SDL_GetError(), err);
        return 1;
    }
    draw_pool pool;
    draw_pool_init(&pool);
    s.stage = STAGE_SOFTMAX;
    s.progress = 1.0f;
    s.view = VIEW_ARCS;
    s.theme = theme_dark();
    s.hover_x = s.hover_y = -1;
    SDL_Color h1 = theme_head_color(s.theme, 0), h2 = theme_head_color(s.theme, 1);
    background = s.theme->background;

    app_draw(r, tc, &pool, &s, W, H);
    SDL_RenderFlush(r);
    int focus_before = lines_in(h1), other_before = lines_in(h2);
    CHECKF(focus_before > 300, "head 1 in focus: %d pixels of its colour", focus_before);
    int sx = 0, sy = 0;
    CHECK(swatch(h2, &sx, &sy));

    s.hover_x = sx, s.hover_y = sy; /* the mouse on head 2's name */
    app_draw(r, tc, &pool, &s, W, H);
    SDL_RenderFlush(r);
    int focus_alone = lines_in(h1), other_alone = lines_in(h2);
    CHECKF(focus_alone == 0, "head 1's lines still drawn (%d pixels) with head 2 alone",
           focus_alone);
    CHECKF(other_alone > 300 && other_alone > 3 * (other_before + 1),
           "head 2 alone: %d pixels of its colour, %d before", other_alone, other_before);

    s.hover_x = s.hover_y = -1; /* the mouse gone: as before */
    app_draw(r, tc, &pool, &s, W, H);
    SDL_RenderFlush(r);
    CHECK(lines_in(h1) == focus_before);

    app_state_free(&s);
    draw_pool_free(&pool);
    text_cache_destroy(tc);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(surface);
    TTF_Quit();
    return check_done("test_arcs_hover");
}
