/* The stages of attention as plain loops, each reading like its formula.
 * These are the reference implementation (attn_forward_reference); the fast
 * path in attn_forward must agree with them. Sizes come last; strides say how
 * far apart two rows are, so that head h is an offset (h * d_head) into Q, K
 * and V, never a copy. */
#ifndef ATTNVIZ_STAGES_H
#define ATTNVIZ_STAGES_H

#include <stddef.h>

/* out (n, m) = a (n, k) · b (k, m) + bias (m); bias may be NULL. */
void attn_matmul(float *out, const float *a, const float *b, const float *bias, size_t n, size_t k,
                 size_t m);

/* scores (n, m) = q_h · k_gᵀ, where q_h is n rows of d_head floats taken
 * q_stride apart and k_g is m rows likewise k_stride apart (m == n in
 * self-attention; the other sequence's length in cross-attention). */
void attn_scores(float *scores, const float *q, size_t q_stride, const float *k, size_t k_stride,
                 size_t n, size_t m, size_t d_head);

/* out = in / divisor, elementwise over count floats. */
void attn_scale(float *out, const float *in, float divisor, size_t count);

/* out (n, m) = in, with -inf where j > i when causal. */
void attn_mask(float *out, const float *in, int causal, size_t n, size_t m);

/* out = softmax of each row of in (rows, cols): exp(x - max) / sum.
 * Stable for any finite input; -inf entries get weight 0; a row that is
 * entirely -inf gets all zeros (never NaN); +inf entries share the row. */
void attn_softmax_rows(float *out, const float *in, size_t rows, size_t cols);

/* out (n, d_head) = weights (n, m) · v_g, v_g being m rows taken v_stride
 * apart; out rows are out_stride apart. */
void attn_weighted_sum(float *out, size_t out_stride, const float *weights, const float *v,
                       size_t v_stride, size_t n, size_t m, size_t d_head);

#endif
