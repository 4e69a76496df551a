/* Stage 8 for one token: its row of weights in A_h, the rows of V_h that
 * row mixes, each drawn in proportion to its weight, and the row of O_h
 * they make, so the weighted sum is read off the picture. */
#include <math.h>

#include "stage.h"

void stage_mix(const stage_ctx *c, size_t h, size_t i, SDL_Rect ar, SDL_Rect vr, SDL_Rect orr,
               int gap) {
    /* A_h is n × m, V_h m × d_k (m keys: the other sentence's in cross-attention) */
    size_t n = c->n, m = c->n_keys, dk = c->d_head;
    if (i >= n || vr.w <= 0 || orr.w <= 0) return;
    SDL_Color hc = c->th->highlight;
    int thick = ar.h / (int)n >= 12 ? 2 : 1;
    stage_mark(c, ar, n, m, (int)i, -1, "weights", (int)h, hc, thick);
    /* A bar left of each V row as long as its weight, and a line from the
     * row to O's row i, as opaque as the weight. */
    const float *w = c->t->weights + (h * n + i) * m;
    int room = gap - 6 > 2 ? gap - 6 : 2;
    /* The largest weight of the row takes the whole room, so the bars stay
     * readable where attention is spread thin (random weights: all near
     * 1/n); each bar is still in proportion to its weight. */
    float top = 0.0f;
    for (size_t j = 0; j < m; j++)
        if (w[j] > top) top = w[j];
    if (!(top > 0.0f)) return;
    SDL_Rect oi = stage_cell_rect(orr, n, 1, i, 0);
    for (size_t j = 0; j < m; j++) {
        float a = w[j];
        if (!(a > 0.0f)) continue; /* masked: exp(−∞) mixes nothing in */
        SDL_Rect vj = stage_cell_rect(vr, m, 1, j, 0);
        float f = a / top;
        int len = (int)lroundf(f * (float)room);
        SDL_Rect bar = {vr.x - 2 - len, vj.y + (vj.h > 4 ? 1 : 0), len, vj.h > 4 ? vj.h - 2 : vj.h};
        if (len > 0) draw_fill(c->r, bar, hc);
        if (c->pool && c->pool->record) layout_highlight(c->pool->record, "V", (int)h, (int)j, -1, bar);
        SDL_Color lc = hc;
        lc.a = (Uint8)lroundf(20.0f + 235.0f * fminf(f, 1.0f));
        if (f >= 0.02f)
            draw_lines_add(c->pool, (float)(vr.x + vr.w + 2), (float)vj.y + (float)vj.h / 2.0f,
                           (float)(orr.x - 2), (float)oi.y + (float)oi.h / 2.0f,
                           1.0f + 2.0f * f, lc);
    }
    draw_lines_flush(c->pool, c->r);
    stage_mark(c, orr, n, dk, (int)i, -1, "O", (int)h, hc, 2);
}
