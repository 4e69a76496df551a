/* Colour scales from values; see scale.h. */
#include "scale.h"

#include <math.h>

enum { BINS = 4096 };

scale_range scale_robust(const float *v, size_t count) {
    scale_range s = {1.0f, false, 0.0f};
    size_t finite = 0;
    float m = 0.0f;
    for (size_t i = 0; i < count; i++) {
        float a = fabsf(v[i]);
        if (!isfinite(a)) continue;
        finite++;
        if (a > m) m = a;
    }
    s.absmax = m;
    if (finite == 0 || m <= 0.0f) return s;
    s.range = m;
    /* Counts of |v| in BINS equal steps of the maximum find the bin where
     * the running count reaches the quantile; a second pass splits that bin
     * into BINS again (one outlier far out makes the first bins coarse).
     * The quantile is the top of the sub-bin: never below the true one. */
    size_t need = (size_t)ceil((double)SCALE_ROBUST_QUANTILE * (double)finite);
    double lo = 0.0, width = (double)m;
    size_t below = 0; /* values under lo */
    for (int pass = 0; pass < 2; pass++) {
        size_t hist[BINS] = {0}; /* 32 KB of stack: no allocation, no shared state */
        double to_bin = (double)BINS / width;
        for (size_t i = 0; i < count; i++) {
            double a = fabs((double)v[i]);
            if (!isfinite(a) || a < lo || a > lo + width) continue;
            size_t b = (size_t)((a - lo) * to_bin);
            hist[b < BINS ? b : BINS - 1]++;
        }
        size_t seen = below, b = 0;
        for (; b < BINS - 1 && seen + hist[b] < need; b++) seen += hist[b];
        below = seen;
        width /= BINS;
        lo += (double)b * width;
    }
    float q = (float)(lo + width);
    if (q > 0.0f && m > SCALE_ROBUST_FACTOR * q) {
        s.range = q;
        s.clipped = true;
    }
    return s;
}

float scale_row_max(const float *v, ptrdiff_t col_stride, size_t cols) {
    float m = 0.0f;
    for (size_t j = 0; j < cols; j++) {
        float x = v[(ptrdiff_t)j * col_stride];
        if (isfinite(x) && x > m) m = x;
    }
    return m > 0.0f ? m : 1.0f;
}
