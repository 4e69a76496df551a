/* Colour maps for values, built in OKLab (Ottosson 2020), where equal steps
 * of lightness look equal: a sequential map for weights (dark violet ->
 * blue -> green -> yellow, like viridis) and a diverging map for signed values
 * (blue - light grey - red), symmetric in lightness. */
#ifndef ATTNVIZ_APP_COLORMAP_H
#define ATTNVIZ_APP_COLORMAP_H

#include <SDL.h>

/* t in [0, 1] (clamped); NaN gives the middle. */
SDL_Color colormap_sequential(float t);
/* t in [-1, 1] (clamped): -1 blue, 0 light grey, +1 red. */
SDL_Color colormap_diverging(float t);

#endif
