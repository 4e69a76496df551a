/* Fast kernels behind attn_forward (core-private). Each one has a plain
 * counterpart in attnviz/stages.h and is tested against it.
 *
 * Results are bit-identical on every x86-64 machine: the kernels use no FMA
 * (the build sets -ffp-contract=off), a fixed blocking and a fixed summation
 * order, so the SSE2 and AVX2 variants round the same way. */
#ifndef ATTNVIZ_FAST_H
#define ATTNVIZ_FAST_H

#include <stddef.h>

/* c (m, n) = a (m, k) · op(b) + bias (n), rows lda/ldb/ldc floats apart.
 * op(b) = b stored (k, n) when b_trans is 0, or bᵀ with b stored (n, k)
 * when b_trans is 1 (for Q_h·K_hᵀ). bias may be NULL. c must not overlap
 * a or b. scratch holds attn_gemm_scratch_floats() floats, 64-byte aligned. */
void attn_gemm(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
               int b_trans, const float *bias, size_t m, size_t n, size_t k, float *scratch);
size_t attn_gemm_scratch_floats(void);

/* Same contract as attn_softmax_rows (stages.h), vectorised, with an exp
 * of our own (relative error < 2e-7 over the range softmax uses). */
void attn_softmax_rows_fast(float *out, const float *in, size_t rows, size_t cols);

#endif
