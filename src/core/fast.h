/* Fast kernels behind attn_forward (core-private). Each one has a plain
 * counterpart in attnviz/stages.h and is tested against it.
 *
 * Results are bit-identical on every x86-64 machine: the kernels use no FMA
 * (-std=c11 and -ffp-contract=off for gcc, #pragma STDC FP_CONTRACT OFF for
 * clang), a fixed blocking and a fixed summation order, so the SSE2 and AVX2
 * variants round the same way. This assumes the default floating-point
 * environment (round to nearest, flush-to-zero off). The fast path is not
 * bit-identical to the plain loops (it adds the bias last and sums in
 * blocks of k); the two agree within rounding. */
#ifndef ATTNVIZ_FAST_H
#define ATTNVIZ_FAST_H

#include <stddef.h>

/* c (m, n) = a (m, k) · op(b) + bias (n), rows lda/ldb/ldc floats apart.
 * op(b) = b stored (k, n) when b_trans is 0, or bᵀ with b stored (n, k)
 * when b_trans is 1 (for Q_h·K_hᵀ). bias may be NULL. c must not overlap
 * a or b. scratch holds attn_gemm_scratch_floats() floats; 64-byte
 * alignment is for speed only. */
void attn_gemm(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
               int b_trans, const float *bias, size_t m, size_t n, size_t k, float *scratch);
size_t attn_gemm_scratch_floats(void);

/* attn_gemm with the right part of c's columns on a second thread when
 * threads is 2, scratch2 (a second attn_gemm_scratch_floats() floats) is
 * given and the product is large enough to pay for the thread; the same
 * bits as attn_gemm on one (gemm_split.c). */
void attn_gemm_split(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                     int b_trans, const float *bias, size_t m, size_t n, size_t k, float *scratch,
                     float *scratch2, size_t threads);

/* Same contract as attn_softmax_rows (stages.h), vectorised, with an exp
 * of our own (relative error < 2e-7 over the range softmax uses). out may
 * equal in. */
void attn_softmax_rows_fast(float *out, const float *in, size_t rows, size_t cols);

/* The exponential of the softmax, for x <= 0 (below -87.34 it is 0). */
void attn_exp_fast(float *out, const float *in, size_t count);

/* Whether the kernels use their AVX2 variant: the CPU has AVX2 and the
 * test hook allows it (cpu.c). */
int attn_fast_use_avx2(void);

/* Test hook: allow (1, the default) or forbid (0) the AVX2 variants, to
 * compare them with the SSE2 ones bit for bit. Returns whether AVX2 is now
 * in use. Not thread-safe. */
int attn_fast_allow_avx2(int allow);

#endif
