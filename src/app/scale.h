/* Colour scales chosen from the values they show, pure functions with no
 * SDL: a robust range for wide signed matrices, so one large value does not
 * wash the rest out, and the row maximum for the per-row contrast of the
 * attention maps. */
#ifndef ATTNVIZ_APP_SCALE_H
#define ATTNVIZ_APP_SCALE_H

#include <stdbool.h>
#include <stddef.h>

/* A colour scale for a set of values: the value drawn at full colour and
 * whether some values lie beyond it (drawn in the clipped end colour). */
typedef struct scale_range {
    float range;  /* > 0 */
    bool clipped; /* some |v| > range */
    float absmax; /* the largest finite |v| (0 for none) */
} scale_range;

/* Fraction of the values a robust range keeps at full scale or below. */
#define SCALE_ROBUST_QUANTILE 0.99f
/* The robust range is used only when the largest |v| is more than this
 * many times the quantile: below that the plain maximum leaves every
 * value readable and nothing needs clipping. */
#define SCALE_ROBUST_FACTOR 1.25f

/* The range of count values: the 99th percentile of |v| (to 1/4096 of
 * the maximum, by histogram, no allocation) when the maximum is over
 * SCALE_ROBUST_FACTOR times that, else the maximum. −∞, +∞ and NaN are
 * left out. No finite values (or all zero): range 1, nothing clipped. */
scale_range scale_robust(const float *v, size_t count);

/* The largest finite value of row i of a view like draw_values (element j
 * at v[j * col_stride]), over cols values; 1 when there is none above 0
 * (a row of zeros or masked cells then draws as zeros). */
float scale_row_max(const float *v, ptrdiff_t col_stride, size_t cols);

#endif
