/* The colour scales of the wide signed matrices (X, the weights, Q/K/V,
 * the head outputs, the output): robust ranges (scale.h), so one large
 * value does not leave the rest of a 128- or 512-wide matrix near white.
 * Worked out once per model build, not per frame. */
#include <string.h>

#include "stage.h"

enum { CACHE = 16 };

scale_range stage_scale_of(const stage_ctx *c, const float *v, size_t count) {
    /* Keyed on the model's version and the array: a rebuild bumps the
     * version, and first value guards an array reused at the same address. */
    static struct {
        uint64_t version;
        const float *p;
        size_t count;
        float first;
        scale_range s;
    } cache[CACHE];
    static size_t next;
    if (!v || count == 0) return (scale_range){1.0f, false, 0.0f};
    for (size_t k = 0; k < CACHE; k++)
        if (cache[k].p == v && cache[k].version == c->m->version && cache[k].count == count &&
            memcmp(&cache[k].first, v, sizeof *v) == 0)
            return cache[k].s;
    size_t k = next++ % CACHE;
    cache[k].version = c->m->version;
    cache[k].p = v;
    cache[k].count = count;
    cache[k].first = v[0];
    cache[k].s = scale_robust(v, count);
    return cache[k].s;
}

/* One scale for two sets of values: the larger range, clipped when either
 * set has a value beyond it. */
static scale_range joint(scale_range a, scale_range b) {
    scale_range s = a.range >= b.range ? a : b;
    s.absmax = a.absmax > b.absmax ? a.absmax : b.absmax;
    s.clipped = s.absmax > s.range * 1.0001f;
    return s;
}

scale_range stage_qk_scale(const stage_ctx *c) {
    return joint(stage_scale_of(c, c->t->q, c->n * c->d_model),
                 stage_scale_of(c, c->t->k, c->n_keys * c->d_kv)); /* K: a row per key */
}

scale_range stage_v_scale(const stage_ctx *c) {
    return stage_scale_of(c, c->t->v, c->n_keys * c->d_kv); /* V: a row per key */
}

int stage_bar_flags(scale_range s) { return s.clipped ? DRAW_BAR_CLIPPED : 0; }
