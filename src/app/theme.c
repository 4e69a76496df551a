#include "theme.h"

#include <string.h>

/* Head colours: twelve hues evenly spaced around the wheel at similar
 * lightness, then four darker ones; readable on both backgrounds. */
#define HEADS                                                                                      \
    {{230, 97, 63, 255},  {64, 152, 222, 255}, {92, 178, 82, 255},  {204, 121, 200, 255},          \
     {222, 170, 44, 255}, {48, 181, 170, 255}, {236, 92, 128, 255}, {137, 130, 230, 255},          \
     {160, 160, 60, 255}, {88, 140, 180, 255}, {200, 110, 90, 255}, {90, 170, 130, 255},           \
     {170, 90, 160, 255}, {120, 120, 120, 255}, {190, 140, 100, 255}, {100, 110, 200, 255}}

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
    .tooltip = {255, 255, 255, 255},
    .head = HEADS,
};

const theme *theme_dark(void) { return &dark; }
const theme *theme_light(void) { return &light; }

const theme *theme_for(state_theme t) { return t == STATE_THEME_LIGHT ? &light : &dark; }

SDL_Color theme_head_color(const theme *t, size_t h) { return t->head[h % THEME_HEAD_COLORS]; }
