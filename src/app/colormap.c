/* Colour maps computed once into 256-entry tables. Lightness rises linearly
 * in OKLab, so the sequential map is perceptually ordered; the hue turns
 * from violet to yellow as in viridis, and chroma is reduced where a colour
 * would fall outside sRGB. */
#include "colormap.h"

#include <cglm/cglm.h>
#include <math.h>

enum { LUT_SIZE = 256 };

/* Constant tables, filled on first use: a pure function of the index, the
 * same for every caller, so not hidden state. Drawing happens on one
 * thread (the window's, or the one rendering offscreen). */
static SDL_Color sequential_lut[LUT_SIZE], diverging_lut[LUT_SIZE];
static SDL_Color clipped_low, clipped_high, clipped_top;
static int luts_ready;

/* linear-light sRGB component -> 8-bit gamma-encoded */
static Uint8 encode(float c) {
    c = c <= 0.0031308f ? 12.92f * c : 1.055f * powf(c, 1.0f / 2.4f) - 0.055f;
    return (Uint8)lroundf(glm_clamp_zo(c) * 255.0f);
}

/* OKLab (L, a, b) -> linear sRGB (Ottosson's matrices). */
static void oklab_to_linear(const vec3 lab, vec3 rgb) {
    float l = lab[0] + 0.3963377774f * lab[1] + 0.2158037573f * lab[2];
    float m = lab[0] - 0.1055613458f * lab[1] - 0.0638541728f * lab[2];
    float s = lab[0] - 0.0894841775f * lab[1] - 1.2914855480f * lab[2];
    l = l * l * l, m = m * m * m, s = s * s * s;
    rgb[0] = 4.0767416621f * l - 3.3077115913f * m + 0.2309699292f * s;
    rgb[1] = -1.2684380046f * l + 2.6097574011f * m - 0.3413193965f * s;
    rgb[2] = -0.0041960863f * l - 0.7034186147f * m + 1.7076147010f * s;
}

/* OKLCh -> sRGB, lowering chroma until the colour is inside the gamut. */
static SDL_Color lch_color(float L, float C, float h_degrees) {
    float h = glm_rad(h_degrees);
    vec3 rgb;
    for (int step = 0; step < 64; step++, C *= 0.95f) {
        vec3 lab = {L, C * cosf(h), C * sinf(h)};
        oklab_to_linear(lab, rgb);
        if (rgb[0] >= 0.0f && rgb[0] <= 1.0f && rgb[1] >= 0.0f && rgb[1] <= 1.0f &&
            rgb[2] >= 0.0f && rgb[2] <= 1.0f)
            break;
    }
    return (SDL_Color){encode(rgb[0]), encode(rgb[1]), encode(rgb[2]), 255};
}

static void build_luts(void) {
    for (int i = 0; i < LUT_SIZE; i++) {
        float t = (float)i / (LUT_SIZE - 1);
        /* sequential: L 0.28 -> 0.93, hue 300 (violet) -> 100 (yellow) */
        float L = 0.28f + 0.65f * t;
        float C = 0.10f + 0.08f * t;
        float hue = 300.0f - 200.0f * t;
        sequential_lut[i] = lch_color(L, C, hue);
        /* diverging: |u| sets lightness and chroma, the sign the hue */
        float u = 2.0f * t - 1.0f, a = fabsf(u);
        diverging_lut[i] = lch_color(0.95f - 0.50f * a, 0.16f * a, u < 0 ? 255.0f : 30.0f);
    }
    /* one step of lightness past the ends: the diverging ends are L 0.45 */
    clipped_low = lch_color(0.30f, 0.12f, 255.0f);
    clipped_high = lch_color(0.30f, 0.12f, 30.0f);
    clipped_top = lch_color(0.99f, 0.03f, 100.0f);
    luts_ready = 1;
}

/* Called per cell of every matrix drawn: no libm call here. */
static int index_of(float t) {
    if (!(t >= 0.0f)) return t != t ? LUT_SIZE / 2 : 0; /* NaN (never expected): the middle */
    if (t >= 1.0f) return LUT_SIZE - 1;
    return (int)(t * (LUT_SIZE - 1) + 0.5f);
}

SDL_Color colormap_sequential(float t) {
    if (!luts_ready) build_luts();
    return sequential_lut[index_of(t)];
}

SDL_Color colormap_diverging(float t) {
    if (!luts_ready) build_luts();
    return diverging_lut[index_of(0.5f * (t + 1.0f))];
}

SDL_Color colormap_clipped(float sign, int sequential) {
    if (!luts_ready) build_luts();
    if (sequential) return clipped_top;
    return sign < 0.0f ? clipped_low : clipped_high;
}
