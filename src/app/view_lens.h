/* The lens panel of the model overview: for the token the model predicts
 * after the sentence, the heads that pushed it most (each head's direct
 * contribution to its logit, "2.4 +1.8" with a signed bar) and the logit
 * lens as a table (layer → its top token and probability). */
#ifndef ATTNVIZ_APP_VIEW_LENS_H
#define ATTNVIZ_APP_VIEW_LENS_H

#include <SDL.h>

#include "stage.h"
#include "trained.h"

/* Draws the panel into area for t's last run; returns the height used. */
int view_lens_draw(stage_ctx *c, const state_trained *t, SDL_Rect area);

/* A probability in percent with the digits it needs: "42%", "4.2%",
 * "0.42%", "<0.01%" (the predictions and the logit lens alike). */
void view_percent(char *buf, size_t len, float p);

#endif
