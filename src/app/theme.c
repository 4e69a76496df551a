#include "theme.h"

#include <string.h>

/* Head colours, safe for colour-blind eyes and apart up to 16 heads: the
 * Okabe-Ito set (orange, sky blue, bluish green, yellow, blue, vermillion,
 * reddish purple; its black would vanish on the dark theme), then nine
 * picked one by one as far as possible (CIE76) from those before and from
 * both themes' backgrounds and panels, at a mid lightness. tests/
 * test_palette.c checks every pair apart by a ΔE of 25 and every colour
 * 30 from the backgrounds. */
#define HEADS                                                                                      \
    {{230, 159, 0, 255},  {86, 180, 233, 255}, {0, 158, 115, 255},   {240, 228, 66, 255},          \
     {0, 114, 178, 255},  {213, 94, 0, 255},   {204, 121, 167, 255}, {119, 17, 255, 255},          \
     {0, 221, 0, 255},    {255, 0, 204, 255},  {255, 0, 102, 255},   {153, 119, 255, 255},         \
     {119, 102, 51, 255}, {85, 153, 17, 255},  {255, 170, 136, 255}, {187, 204, 136, 255}}

static const theme dark = {
    .name = "dark",
    .background = {22, 24, 29, 255},
    .panel = {33, 36, 43, 255},
    .panel_border = {62, 67, 78, 255},
    .text = {236, 238, 242, 255},
    .text_dim = {160, 166, 178, 255},
    .accent = {255, 196, 64, 255},
    .grid = {55, 59, 68, 255},
    .highlight = {255, 255, 255, 255},
    .masked = {12, 12, 14, 255},
    .masked_mark = {92, 96, 106, 255},
    .error = {255, 112, 96, 255},
    .right = {96, 224, 128, 255},
    .tooltip = {48, 52, 62, 255},
    .head = HEADS,
};

static const theme light = {
    .name = "light",
    .background = {250, 250, 247, 255},
    .panel = {238, 238, 233, 255},
    .panel_border = {196, 196, 188, 255},
    .text = {20, 22, 26, 255},
    .text_dim = {88, 92, 100, 255},
    .accent = {176, 92, 0, 255},
    .grid = {214, 214, 208, 255},
    .highlight = {0, 0, 0, 255},
    .masked = {60, 62, 68, 255},
    .masked_mark = {150, 152, 158, 255},
    .error = {190, 30, 20, 255},
    .right = {0, 130, 60, 255},
    .tooltip = {255, 255, 255, 255},
    .head = HEADS,
};

const theme *theme_dark(void) { return &dark; }
const theme *theme_light(void) { return &light; }

const theme *theme_for(state_theme t) { return t == STATE_THEME_LIGHT ? &light : &dark; }

SDL_Color theme_head_color(const theme *t, size_t h) { return t->head[h % THEME_HEAD_COLORS]; }
