/* The note above the maps at stages 7 and 8 with random weights (the
 * mechanics): why every row is near uniform, with this model's numbers. */
#include <stdio.h>

#include "stage.h"

bool stage_mechanics_note(const stage_ctx *c, char *buf, size_t len) {
    if (c->m->settings.source != STATE_SOURCE_MECHANICS || c->n < 2 ||
        (c->s->stage != STAGE_SOFTMAX && c->s->stage != STAGE_WEIGHTED))
        return false;
    /* The last row sees all m keys, causal or not: its largest weight in
     * any head against 1/m; and the widest spread of the scores it came
     * from. m is n but in cross-attention, where the keys are the other
     * sentence's. */
    size_t n = c->n, m = c->n_keys, last = (n - 1) * m;
    const char *un = c->cross ? "1/n_keys" : "1/n";
    float top = 0.0f, spread = 0.0f;
    for (size_t h = 0; h < c->n_heads; h++) {
        const float *row = c->t->weights + h * n * m + last;
        for (size_t j = 0; j < m; j++)
            if (row[j] > top) top = row[j];
        if (c->m->spread_scaled[h] > spread) spread = c->m->spread_scaled[h];
    }
    double uniform = 1.0 / (double)m;
    /* "near uniform" only where it holds: at a low temperature (or with
     * wide heads) the same random scores spread enough for softmax to
     * pick one key, and the note says that instead */
    bool near_uniform = top < 0.5f;
    if (!near_uniform && c->s->stage == STAGE_SOFTMAX)
        snprintf(buf, len,
                 "random weights, before any learning: the scores spread %.2f after \303\267\342\210\232"
                 "d_k and T, enough for softmax to pick one key in some rows (largest %.2f, against %s = "
                 "%.2f)\nrandom weights: scores spread %.2f, largest weight %.2f",
                 (double)spread, (double)top, un, uniform, (double)spread, (double)top);
    else if (!near_uniform)
        snprintf(buf, len,
                 "random weights, before any learning: some rows put most weight on one key "
                 "(largest %.2f, against %s = %.2f), so their row of O_h is near that key's "
                 "row of V_h\nrandom weights: largest weight %.2f, against %s = %.2f",
                 (double)top, un, uniform, (double)top, un, uniform);
    /* under 256 bytes in all: the note's buffer */
    else if (c->s->stage == STAGE_SOFTMAX)
        snprintf(buf, len,
                 "random weights, before any learning: random projections give similar scores "
                 "(spread %.2f); softmax of near-equal scores is near %s = %.2f (largest %.2f)\n"
                 "random weights: near-equal scores, so weights near 1/%zu = %.2f",
                 (double)spread, un, uniform, (double)top, m, uniform);
    else
        snprintf(buf, len,
                 "random weights, before any learning: weights near %s = %.2f (largest %.2f), so "
                 "each row of O_h is near the average of V_h's rows\n"
                 "random weights: each row of O_h is near the average of V_h's rows",
                 un, uniform, (double)top);
    return true;
}
