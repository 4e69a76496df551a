/* The note above the maps at stages 7 and 8 with random weights (the
 * mechanics): why every row is near uniform, with this model's numbers. */
#include <stdio.h>

#include "lesson_panel.h"
#include "stage.h"

bool stage_mechanics_note(const stage_ctx *c, char *buf, size_t len) {
    if (c->m->settings.source != STATE_SOURCE_MECHANICS || c->n < 2 ||
        (c->s->stage != STAGE_SOFTMAX && c->s->stage != STAGE_WEIGHTED))
        return false;
    /* a lesson's prediction waiting: the largest weight would be its answer */
    if (app_lesson_awaits_prediction(c->s)) return false;
    /* The last row sees all m keys, causal or not: its largest weight in
     * any head against 1/m; and the widest spread of the scores it came
     * from. m is n but in cross-attention, where the keys are the other
     * sentence's. */
    size_t n = c->n, m = c->n_keys;
    bool causal = c->m->settings.config.causal && !c->cross;
    /* The row furthest from an even spread, in any head: its largest
     * weight against its even share 1/k, where k is the keys the row sees
     * (m, or i + 1 in row i of a causal map; m is the other sentence's
     * length in cross-attention). */
    float top = 0.0f, spread = 0.0f, over = 0.0f;
    size_t k_top = m, row_top = n - 1;
    bool near_uniform = true;
    for (size_t h = 0; h < c->n_heads; h++) {
        if (c->m->spread_scaled[h] > spread) spread = c->m->spread_scaled[h];
        for (size_t i = 0; i < n; i++) {
            size_t keys = causal ? i + 1 : m;
            if (keys < 2) continue; /* one key: 1.00 is its even share */
            /* "near uniform" only where it holds: no row gives a key more
             * than twice its even share (or half of all, in rows of a few
             * keys). At a low temperature (or with wide heads) the same
             * random scores spread enough for softmax to pick one key, and
             * the note names the row furthest over. */
            double limit = 2.0 / (double)keys > 0.5 ? 2.0 / (double)keys : 0.5;
            const float *w = c->t->weights + h * n * m + i * m;
            for (size_t j = 0; j < keys; j++) {
                bool beyond = w[j] > limit;
                bool further = near_uniform ? (beyond || (double)w[j] * (double)keys >
                                                             (double)top * (double)k_top)
                                            : beyond && w[j] - (float)limit > over;
                if (!further) continue;
                if (beyond) near_uniform = false, over = w[j] - (float)limit;
                top = w[j], k_top = keys, row_top = i;
            }
        }
    }
    double uniform = 1.0 / (double)k_top;
    char un_buf[64];
    if (causal) /* the rows see different numbers of keys: name the row */
        snprintf(un_buf, sizeof un_buf, "1/%zu (row %zu's even share)", k_top, row_top + 1);
    else snprintf(un_buf, sizeof un_buf, "%s", c->cross ? "1/n_keys" : "1/n");
    const char *un = un_buf;
    if (!near_uniform && c->s->stage == STAGE_SOFTMAX)
        snprintf(buf, len,
                 "random weights, before any learning: the scores spread %.2f after \303\267\342\210\232"
                 "d_k and T, enough for softmax to pick one key in some rows (largest %.2f, against %s = "
                 "%.2f)\nrandom weights: scores spread %.2f, largest weight %.2f against %s = %.2f",
                 (double)spread, (double)top, un, uniform, (double)spread, (double)top, un,
                 uniform);
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
                 "random weights: near-equal scores, so weights near %s = %.2f",
                 (double)spread, un, uniform, (double)top, un, uniform);
    else
        snprintf(buf, len,
                 "random weights, before any learning: weights near %s = %.2f (largest %.2f), so "
                 "each row of O_h is near the average of V_h's rows\n"
                 "random weights: each row of O_h is near the average of V_h's rows",
                 un, uniform, (double)top);
    return true;
}
