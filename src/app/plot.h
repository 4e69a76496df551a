/* The loss curve: drawn into any rectangle (the app's training view) or
 * saved as a PNG (attnviz train). */
#ifndef ATTNVIZ_APP_PLOT_H
#define ATTNVIZ_APP_PLOT_H

#include <SDL.h>
#include <stddef.h>

#include "draw.h"
#include "text.h"
#include "theme.h"

/* n points: step[i], the training loss train[i] and the held-out loss
 * heldout[i] (NaN where it was not measured). Draws axes with ticks, the
 * training loss as a line and the held-out loss as dots, and a legend.
 * baseline (NaN for none) is drawn as a dashed level, labelled. */
void plot_loss(draw_pool *pool, SDL_Renderer *r, text_cache *tc, SDL_Rect area,
               const theme *th, const double *step, const double *train, const double *heldout,
               size_t n, double baseline, const char *baseline_label);

/* The same with the type size px (the app passes its own, so the plot
 * reads like the text around it); plot_loss picks 13 or 16 by height. */
void plot_loss_px(draw_pool *pool, SDL_Renderer *r, text_cache *tc, SDL_Rect area,
                  const theme *th, const double *step, const double *train,
                  const double *heldout, size_t n, double baseline, const char *baseline_label,
                  int px);

/* The same at 960×540 on the light theme, written to path as PNG. Returns ATTN_OK,
 * or a failure with a message naming the path. */
attn_status app_plot_loss_png(const char *path, const double *step, const double *train,
                      const double *heldout, size_t n, char *err, size_t err_len);

#endif
