/* The sentence above the per-head stages 4–8: what each cell of a head's
 * map is at this stage, in forms from the whole to the shortest. */
#include <stdio.h>

#include "stage.h"

void stage_heads_explain(const stage_ctx *c, char *buf, size_t len) {
    if (stage_mechanics_note(c, buf, len)) return;
    switch (c->s->stage) {
    case STAGE_SCORES:
        snprintf(buf, len,
                 "cell (i, j) = q_i · k_j: how well token i's query matches token j's key "
                 "(%zu product%s summed)\ncell (i, j) = q_i · k_j, %zu product%s summed",
                 c->d_head, app_plural(c->d_head), c->d_head, app_plural(c->d_head));
        break;
    case STAGE_SCALE:
        if (c->c->scale)
            snprintf(buf, len,
                     "÷ √%zu%s shrinks every score by the same factor: the spread (std, by "
                     "each head's name) drops, so softmax does not saturate\n"
                     "÷ √%zu%s: a smaller spread, so softmax does not saturate",
                     c->d_head, c->c->temperature != 1.0f ? " ÷ T" : "", c->d_head,
                     c->c->temperature != 1.0f ? " ÷ T" : "");
        else if (c->c->temperature != 1.0f)
            snprintf(buf, len, "scaling off: only ÷ T = %g", (double)c->c->temperature);
        else
            snprintf(buf, len, "scaling off and T = 1: the scores pass through unchanged");
        break;
    case STAGE_MASK:
        if (c->c->causal)
            snprintf(buf, len,
                     "causal: token i may not look at a later token j > i, so those "
                     "cells become −∞\ncausal: cells with j > i become −∞");
        else
            snprintf(buf, len,
                     "no mask (causal off): every token may look at every token; "
                     "the scaled scores pass through unchanged\n"
                     "no mask: the scores pass through unchanged");
        break;
    case STAGE_SOFTMAX:
        snprintf(buf, len,
                 "row by row: exp, then divide by the row's total, so each row is "
                 "≥ 0 and sums to 1%s\neach row: exp, ÷ its total, so it sums to 1",
                 c->c->causal ? " (−∞ → 0)" : "");
        break;
    default:
        snprintf(buf, len,
                 "row i of O_h = Σ_j A_h[i, j] · (row j of V_h): a mix of value rows, "
                 "weighted by attention\nrow i of O_h = Σ_j A_h[i, j] · row j of V_h");
        break;
    }
}
