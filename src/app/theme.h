/* Light and dark themes for a projector: high contrast text, a distinct
 * colour per head (and a label, so nothing depends on colour alone). */
#ifndef ATTNVIZ_APP_THEME_H
#define ATTNVIZ_APP_THEME_H

#include <SDL.h>

#include "state.h"

enum { THEME_HEAD_COLORS = 16 };

typedef struct theme {
    const char *name;
    SDL_Color background, panel, panel_border, text, text_dim, accent, grid, highlight;
    SDL_Color masked, masked_mark; /* −∞ cells: a fill and a hatch */
    SDL_Color error, tooltip;
    SDL_Color right; /* a prediction's right answer (the wrong pick is error) */
    SDL_Color head[THEME_HEAD_COLORS];
} theme;

const theme *theme_dark(void);
const theme *theme_light(void);
/* The theme a state_theme names. */
const theme *theme_for(state_theme t);

/* The colour of head h (cycles past 16). */
SDL_Color theme_head_color(const theme *t, size_t h);

#endif
