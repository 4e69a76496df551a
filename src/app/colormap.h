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
/* Values beyond the scale (|t| > 1): a colour past the end of the map,
 * darker than the diverging map's ends (sign < 0 blue, else red), lighter
 * than the sequential map's top, so a clipped cell never passes for a
 * value on the bar. */
SDL_Color colormap_clipped(float sign, int sequential);

#endif
