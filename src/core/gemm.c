/* attn_gemm: a cache-blocked single-precision matrix product.
 *
 *     c (m, n) = a (m, k) · op(b) (k, n) + bias (n)
 *
 * The scheme is the one of Goto's GotoBLAS and of BLIS. A naive triple loop
 * spends its time waiting for memory; here every float brought into a cache
 * is used many times before it leaves:
 *
 *   for jc in steps of NC over the columns of c
 *     for pc in steps of KC over k
 *       pack the KC x NC block of op(b)          -> stays in L3 (and L2)
 *       for ic in steps of MC over the rows of c
 *         pack the MC x KC block of a            -> stays in L2
 *         for jr in steps of NR inside the block
 *           for ir in steps of MR inside the block
 *             micro-kernel: an MR x NR tile of c held in registers,
 *             updated kc times by a column of a times a row of b
 *
 * Packing copies a block into the order the micro-kernel reads it, so that
 * the kernel walks memory strictly forwards (one contiguous stream for a, one
 * for b), whatever lda/ldb and b_trans are. Tiles that stick out of c (m or n
 * not a multiple of MR or NR) are packed with zeros, computed by the same
 * kernel into a small buffer, and only their valid part is copied to c.
 *
 * Determinism: every element of c is
 *     c = ((bias + S_0) + S_1) + ...      (bias left out when NULL)
 * where S_p is the sum, from 0 and in increasing k, of the products of
 * k-block p (KC values of k), each product rounded and then added (no FMA).
 * That order depends only on k and KC, never on the CPU. The kernels are
 * written with GCC/clang vector extensions: a vector of floats is independent
 * lanes, each doing exactly the scalar operation. The file is compiled
 * twice (see the end): with AVX2 (vectors of 8 floats) and for plain x86-64
 * (SSE2, vectors of 4). Both do the same operations on every element of c in
 * the same order, so they give the same bits; the AVX2 one is about three
 * times faster.
 *
 * Products of fewer than SMALL_WORK multiply-adds skip the blocking (see
 * "small products"): they sum in the order of the plain loops instead. */
#include "fast.h"

/* No fused multiply-add, even if this file is built for a CPU that has one
 * (e.g. -march=native): the build already says -ffp-contract=off, and GCC in
 * ISO C mode (-std=c11) never contracts; clang also obeys the pragma. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include <stdbool.h>
#include <string.h>

/* ---- block sizes ------------------------------------------------------------
 * MR x NR: the register tile. 6 x 16 floats = 12 vectors of 8 accumulators;
 * with the two vectors of b and a broadcast of a that fills the 16 vector
 * registers of x86-64. 12 independent sums also hide the 3-cycle latency of
 * the additions on two add units (needs at least 6 in flight).
 * KC: the depth of one rank-KC update. A micro-panel of b (KC x NR = 16 KiB)
 * stays in a 32 KiB L1 while the kernel sweeps the panels of a.
 * MC: a packed block of a (MC x KC = 144 KiB) stays in a 512 KiB L2.
 * NC: a packed block of b (KC x NC = 2 MiB) stays in the shared L3; 2048
 * columns cover every product of a forward pass in one block.
 * (Cache sizes of current x86-64 cores, e.g. AMD Zen 3. The constants are
 * fixed, never chosen at run time: KC decides the order of the sums, so it
 * must be the same on every machine. Measured on Zen 3, KC 128..384 and MC
 * 72..288 all run within a few percent of each other.) */
enum {
    MR = 6,
    NR = 16,
    KC = 256,
    MC = 144, /* a multiple of MR */
    NC = 2048, /* a multiple of NR */
    /* At most this many rows of a read b in place, unpacked (gemm_body). */
    DIRECT_ROWS = 4 * MR
};

size_t attn_gemm_scratch_floats(void) { return (size_t)MC * KC + (size_t)KC * NC; }

/* Vectors of 8 floats (one AVX register) and of 4 floats (one SSE2
 * register). Operations on them act on each lane separately, exactly like the
 * scalar operation. They are moved in and out of memory with memcpy, so that
 * no float pointer is ever assumed to be aligned; compilers turn these into
 * single unaligned vector moves. (The vectors are never passed to or returned
 * from a function: with 32-byte vectors that would depend on the ABI.) */
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

#define ALWAYS_INLINE inline __attribute__((always_inline))

static inline size_t min_size(size_t x, size_t y) { return x < y ? x : y; }

/* How the micro-kernel combines its sums with what c holds. */
enum tile_update {
    TILE_STORE,      /* c = sum            (first k-block, no bias) */
    TILE_STORE_BIAS, /* c = bias + sum     (first k-block, with bias) */
    TILE_ACCUMULATE  /* c = c + sum        (later k-blocks) */
};

/* ---- packing ----------------------------------------------------------------
 * Packed a: the block is cut into micro-panels of MR rows; within a panel,
 * column p of the MR rows is stored contiguously: panel[p * MR + i].
 * Rows past the end of a are zeros. */
static ALWAYS_INLINE void pack_a(float *packed, const float *a, size_t lda, size_t mc, size_t kc) {
    for (size_t ir = 0; ir < mc; ir += MR) {
        size_t rows = min_size(MR, mc - ir);
        for (size_t i = 0; i < MR; i++) {
            if (i < rows) {
                const float *row = a + (ir + i) * lda;
                for (size_t p = 0; p < kc; p++) packed[p * MR + i] = row[p];
            } else {
                for (size_t p = 0; p < kc; p++) packed[p * MR + i] = 0.0f;
            }
        }
        packed += MR * kc;
    }
}

/* Packed b: micro-panels of NR columns of op(b); row p of a panel is stored
 * contiguously: panel[p * NR + j]. Columns past the end are zeros.
 * b points at op(b)[0][0] of the block. */
static ALWAYS_INLINE void pack_b(float *packed, const float *b, size_t ldb, int b_trans, size_t kc,
                                 size_t nc) {
    for (size_t jr = 0; jr < nc; jr += NR) {
        size_t cols = min_size(NR, nc - jr);
        if (!b_trans) { /* op(b)[p][j] = b[p * ldb + j]: copy row pieces */
            for (size_t p = 0; p < kc; p++) {
                const float *src = b + p * ldb + jr;
                float *dst = packed + p * NR;
                size_t j = 0;
                for (; j < cols; j++) dst[j] = src[j];
                for (; j < NR; j++) dst[j] = 0.0f;
            }
        } else { /* op(b)[p][j] = b[j * ldb + p]: each column is a row of b */
            for (size_t j = 0; j < NR; j++) {
                if (j < cols) {
                    const float *src = b + (jr + j) * ldb;
                    for (size_t p = 0; p < kc; p++) packed[p * NR + j] = src[p];
                } else {
                    for (size_t p = 0; p < kc; p++) packed[p * NR + j] = 0.0f;
                }
            }
        }
        packed += NR * kc;
    }
}

/* ---- the micro-kernels ------------------------------------------------------
 * c (MR x NR, rows ldc apart) updated with the product of a packed panel of
 * a (MR x kc) and a packed panel of b (kc x NR). bias points at the NR floats
 * for these columns (only read for TILE_STORE_BIAS).
 *
 * The AVX2 kernel holds the tile in 12 vectors of 8 floats; with the two
 * vectors of b and the broadcast of a that fills the 16 ymm registers, and
 * 12 independent sums hide the 3-cycle latency of the two add units. */
static ALWAYS_INLINE void micro_kernel_v8(size_t kc, const float *a_panel, const float *b_panel,
                                          size_t ldbp, float *c, size_t ldc,
                                          enum tile_update update, const float *bias) {
    v8f sum[MR][2];
    for (int i = 0; i < MR; i++) sum[i][0] = sum[i][1] = (v8f){0};

    for (size_t p = 0; p < kc; p++) {
        v8f b0, b1;
        /* b read in place: its rows are far apart, so no hardware prefetcher
         * follows; ask for the piece of this row two panels on (a hint only:
         * past the end of b it does nothing). */
        if (ldbp != NR) __builtin_prefetch(b_panel + 2 * NR);
        memcpy(&b0, b_panel, sizeof b0);
        memcpy(&b1, b_panel + 8, sizeof b1);
        for (int i = 0; i < MR; i++) {
            float a_ip = a_panel[i]; /* broadcast to all lanes */
            sum[i][0] += a_ip * b0;  /* a rounded product, then a rounded sum */
            sum[i][1] += a_ip * b1;
        }
        a_panel += MR;
        b_panel += ldbp;
    }

    for (int i = 0; i < MR; i++) {
        float *row = c + i * ldc;
        v8f out0 = sum[i][0], out1 = sum[i][1], old0, old1;
        if (update != TILE_STORE) { /* bias + sum, or c + sum */
            const float *first = update == TILE_STORE_BIAS ? bias : row;
            memcpy(&old0, first, sizeof old0);
            memcpy(&old1, first + 8, sizeof old1);
            out0 = old0 + out0;
            out1 = old1 + out1;
        }
        memcpy(row, &out0, sizeof out0);
        memcpy(row + 8, &out1, sizeof out1);
    }
}

/* The plain x86-64 kernel: SSE2 registers hold 4 floats, so the same work is
 * done on half the tile (MR x 8, 12 vectors of 4) and called twice per tile.
 * Each element of c still gets the same operations in the same order, so the
 * results are the same bits as with AVX2. */
static ALWAYS_INLINE void micro_kernel_v4(size_t kc, const float *a_panel, const float *b_panel,
                                          size_t ldbp, float *c, size_t ldc,
                                          enum tile_update update, const float *bias) {
    v4f sum[MR][2];
    for (int i = 0; i < MR; i++) sum[i][0] = sum[i][1] = (v4f){0};

    for (size_t p = 0; p < kc; p++) {
        v4f b0, b1;
        memcpy(&b0, b_panel, sizeof b0);
        memcpy(&b1, b_panel + 4, sizeof b1);
        for (int i = 0; i < MR; i++) {
            float a_ip = a_panel[i];
            sum[i][0] += a_ip * b0;
            sum[i][1] += a_ip * b1;
        }
        a_panel += MR;
        b_panel += ldbp; /* the panel is NR wide (or b's rows); this call uses 8 columns */
    }

    for (int i = 0; i < MR; i++) {
        float *row = c + i * ldc;
        v4f out0 = sum[i][0], out1 = sum[i][1], old0, old1;
        if (update != TILE_STORE) { /* bias + sum, or c + sum */
            const float *first = update == TILE_STORE_BIAS ? bias : row;
            memcpy(&old0, first, sizeof old0);
            memcpy(&old1, first + 4, sizeof old1);
            out0 = old0 + out0;
            out1 = old1 + out1;
        }
        memcpy(row, &out0, sizeof out0);
        memcpy(row + 4, &out1, sizeof out1);
    }
}

/* Which kernel gemm_body is instantiated with. */
enum kernel_isa { KERNEL_SSE2, KERNEL_AVX2 };

/* One MR x NR tile of c. */
static ALWAYS_INLINE void tile_kernel(enum kernel_isa isa, size_t kc, const float *a_panel,
                                      const float *b_panel, size_t ldbp, float *c, size_t ldc,
                                      enum tile_update update, const float *bias) {
    if (isa == KERNEL_AVX2) {
        micro_kernel_v8(kc, a_panel, b_panel, ldbp, c, ldc, update, bias);
    } else {
        micro_kernel_v4(kc, a_panel, b_panel, ldbp, c, ldc, update, bias);
        micro_kernel_v4(kc, a_panel, b_panel + 8, ldbp, c + 8, ldc, update, bias ? bias + 8 : NULL);
    }
}

/* ---- the macro-kernel -------------------------------------------------------
 * c (mc, nc) updated with packed a (mc x kc) times b (kc x nc): packed (ldbp
 * NR: panel jr at b + jr·kc), or b's own rows when few rows of a read each
 * panel (ldbp ldb: panel jr at b + jr; nc a multiple of NR). */
static ALWAYS_INLINE void macro_kernel(float *c, size_t ldc, const float *a_packed,
                                       const float *b, size_t ldbp, const float *bias,
                                       enum tile_update update, size_t mc, size_t nc, size_t kc,
                                       enum kernel_isa isa) {
    for (size_t jr = 0; jr < nc; jr += NR) {
        const float *b_panel = ldbp == NR ? b + jr * kc : b + jr;
        size_t cols = min_size(NR, nc - jr);
        for (size_t ir = 0; ir < mc; ir += MR) {
            const float *a_panel = a_packed + ir * kc;
            size_t rows = min_size(MR, mc - ir);
            float *c_tile = c + ir * ldc + jr;
            if (rows == MR && cols == NR) {
                tile_kernel(isa, kc, a_panel, b_panel, ldbp, c_tile, ldc, update,
                            bias ? bias + jr : NULL);
                continue;
            }
            /* An edge tile: the same kernel into a buffer, then the same
             * additions, one float at a time, for the part inside c. */
            float tile[MR * NR];
            tile_kernel(isa, kc, a_panel, b_panel, ldbp, tile, NR, TILE_STORE, NULL);
            for (size_t i = 0; i < rows; i++) {
                float *row = c_tile + i * ldc;
                const float *sum = tile + i * NR;
                for (size_t j = 0; j < cols; j++) {
                    if (update == TILE_STORE)
                        row[j] = sum[j];
                    else if (update == TILE_STORE_BIAS)
                        row[j] = bias[jr + j] + sum[j];
                    else
                        row[j] = row[j] + sum[j];
                }
            }
        }
    }
}

/* ---- small products ----------------------------------------------------------
 * Below SMALL_WORK multiply-adds (the built-in example's products are 648 to
 * 9216) packing and tiling cost more than they save. op(b) is copied once as
 * (k, n8) rows, n8 = n rounded up to 8 with zero columns (unless b already
 * is such rows), and c is computed in tiles of 4 registers of 8 columns:
 *     c_i = bias + a_i0·b_0 + a_i1·b_1 + ...   in increasing k,
 * the order of the plain loops in attn_stages.c, so these results equal the
 * reference bit for bit. The choice depends on the shape only, never on the
 * CPU, and lanes are independent columns, so AVX2 and SSE2 agree. */
enum { SMALL_WORK = 32768 };

/* The two tiles of the small path, each four independent sums in flight (one
 * chain would wait on every add), kept in named registers.
 * b_rows: op(b) as rows ldr apart, zero-padded to a multiple of 8 columns;
 * start: the bias (or zeros), padded likewise. */

/* Two rows of c from i0, 32 columns from j0 (all inside c): eight sums in
 * flight. A second row past m repeats row m-1 and is not stored. */
static ALWAYS_INLINE void small_rows2x32(float *c, size_t ldc, const float *a, size_t lda,
                                         const float *b_rows, size_t ldr, const float *start,
                                         size_t m, size_t k, size_t i0) {
    const float *a0 = a + i0 * lda;
    const float *a1 = a + min_size(i0 + 1, m - 1) * lda;
    v8f s00, s01, s02, s03, s10, s11, s12, s13;
    memcpy(&s00, start, sizeof s00);
    memcpy(&s01, start + 8, sizeof s01);
    memcpy(&s02, start + 16, sizeof s02);
    memcpy(&s03, start + 24, sizeof s03);
    s10 = s00, s11 = s01, s12 = s02, s13 = s03;
    for (size_t p = 0; p < k; p++, b_rows += ldr) {
        v8f b0, b1, b2, b3;
        memcpy(&b0, b_rows, sizeof b0);
        memcpy(&b1, b_rows + 8, sizeof b1);
        memcpy(&b2, b_rows + 16, sizeof b2);
        memcpy(&b3, b_rows + 24, sizeof b3);
        float x0 = a0[p], x1 = a1[p];
        s00 += x0 * b0; /* a rounded product, then a rounded sum */
        s01 += x0 * b1;
        s02 += x0 * b2;
        s03 += x0 * b3;
        s10 += x1 * b0;
        s11 += x1 * b1;
        s12 += x1 * b2;
        s13 += x1 * b3;
    }
    float *c0 = c + i0 * ldc;
    memcpy(c0, &s00, sizeof s00);
    memcpy(c0 + 8, &s01, sizeof s01);
    memcpy(c0 + 16, &s02, sizeof s02);
    memcpy(c0 + 24, &s03, sizeof s03);
    if (i0 + 1 < m) {
        float *c1 = c0 + ldc;
        memcpy(c1, &s10, sizeof s10);
        memcpy(c1 + 8, &s11, sizeof s11);
        memcpy(c1 + 16, &s12, sizeof s12);
        memcpy(c1 + 24, &s13, sizeof s13);
    }
}

/* Four rows of c from i0, 8 columns from j0; rows past m repeat row m-1 and
 * are not stored, columns past n are not stored. */
static ALWAYS_INLINE void small_rows4(float *c, size_t ldc, const float *a, size_t lda,
                                      const float *b_rows, size_t ldr, const float *start,
                                      size_t m, size_t n, size_t k, size_t i0, size_t j0) {
    const float *a0 = a + i0 * lda;
    const float *a1 = a + min_size(i0 + 1, m - 1) * lda;
    const float *a2 = a + min_size(i0 + 2, m - 1) * lda;
    const float *a3 = a + min_size(i0 + 3, m - 1) * lda;
    v8f s0, s1, s2, s3;
    memcpy(&s0, start + j0, sizeof s0);
    memcpy(&s1, start + j0, sizeof s1);
    memcpy(&s2, start + j0, sizeof s2);
    memcpy(&s3, start + j0, sizeof s3);
    const float *b_p = b_rows + j0;
    for (size_t p = 0; p < k; p++, b_p += ldr) {
        v8f b_v;
        memcpy(&b_v, b_p, sizeof b_v);
        s0 += a0[p] * b_v;
        s1 += a1[p] * b_v;
        s2 += a2[p] * b_v;
        s3 += a3[p] * b_v;
    }
    /* Read back by subscript: taking the address of a sum (memcpy) made the
     * compiler keep it in memory through the whole loop. */
    const v8f out[4] = {s0, s1, s2, s3};
    size_t cols = min_size(8, n - j0);
    for (size_t r = 0; r < 4 && i0 + r < m; r++)
        for (size_t j = 0; j < cols; j++) c[(i0 + r) * ldc + j0 + j] = out[r][j];
}

static ALWAYS_INLINE void small_body(float *c, size_t ldc, const float *a, size_t lda,
                                     const float *b, size_t ldb, int b_trans, const float *bias,
                                     size_t m, size_t n, size_t k, float *scratch) {
    size_t n8 = (n + 7) / 8 * 8;
    /* op(b) as rows of n8 floats: b itself when it already is, else a copy */
    const float *b_rows = b;
    size_t ldr = ldb;
    if (b_trans || n != n8) {
        float *dst = scratch;
        for (size_t p = 0; p < k; p++, dst += n8) {
            for (size_t j = 0; j < n; j++) dst[j] = b_trans ? b[j * ldb + p] : b[p * ldb + j];
            for (size_t j = n; j < n8; j++) dst[j] = 0.0f;
        }
        b_rows = scratch;
        ldr = n8;
        scratch += k * n8;
    }
    const float *start = bias;
    if (!bias || n != n8) {
        for (size_t j = 0; j < n; j++) scratch[j] = bias ? bias[j] : 0.0f;
        for (size_t j = n; j < n8; j++) scratch[j] = 0.0f;
        start = scratch;
        scratch += n8;
    }

    /* The tile depends on n only: 2 rows x 32 columns when n allows, else
     * 4 rows x 8 columns. */
    if (n % 32 == 0) {
        for (size_t i0 = 0; i0 < m; i0 += 2)
            for (size_t j0 = 0; j0 < n; j0 += 32)
                small_rows2x32(c + j0, ldc, a, lda, b_rows + j0, ldr, start + j0, m, k, i0);
    } else {
        for (size_t i0 = 0; i0 < m; i0 += 4)
            for (size_t j0 = 0; j0 < n; j0 += 8)
                small_rows4(c, ldc, a, lda, b_rows, ldr, start, m, n, k, i0, j0);
    }
}

static void small_portable(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                           size_t ldb, int b_trans, const float *bias, size_t m, size_t n,
                           size_t k, float *scratch) {
    small_body(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch);
}

/* ---- one row -----------------------------------------------------------------
 * c (1, n): the last position's logits (wte is 50257 x 768, op(b) = wteᵀ).
 * The blocked path would pack all of b and compute MR rows of which one is
 * used. Here each column is summed straight from b in the blocked path's
 * order: c = ((bias + S_0) + S_1) + ..., S_p summed from 0 in increasing k
 * over k-block p (KC values), so the result is the same bits as row 0 of
 * any blocked product, on one thread or two. Eight columns at a time, one
 * per lane.
 *
 * When b is transposed (the logits), column j of op(b) is row j of b: lane
 * jj needs b[j0 + jj][p] for each p in turn. Eight rows' next eight values
 * are loaded as eight vectors and transposed in registers (transpose8), so
 * wte is read once, in order, at the speed of memory. Four groups of eight
 * columns are summed side by side: four independent chains of additions
 * keep the adder busy instead of waiting for the previous sum. */

/* Rows r[0..7] of an 8 x 8 block in, its columns out: r[q][jj] becomes
 * r[jj][q] (three rounds of shuffles, as in a textbook AVX transpose). */
static ALWAYS_INLINE void transpose8(v8f r[8]) {
    v8f t[8], u[8];
    for (int i = 0; i < 8; i += 2) { /* interleave pairs of rows */
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) { /* pairs of pairs */
        u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 1] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int q = 0; q < 4; q++) { /* halves: rows 0-3 beside rows 4-7 */
        r[q] = __builtin_shufflevector(u[q], u[q + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        r[q + 4] = __builtin_shufflevector(u[q], u[q + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

enum { ROW_GROUPS = 4 }; /* groups of eight columns summed side by side */

/* Columns j0 .. j0 + 8·ROW_GROUPS - 1 of one k-block of a transposed b:
 * sum[g] lane jj = sum over p < kc, in increasing p, of a[p] · b[j][p],
 * with j = j0 + 8g + jj. */
static ALWAYS_INLINE void row_block_trans(v8f sum[ROW_GROUPS], const float *a, const float *b,
                                          size_t ldb, size_t j0, size_t kc) {
    for (int g = 0; g < ROW_GROUPS; g++) sum[g] = (v8f){0};
    size_t kc8 = kc / 8 * 8;
    for (size_t p = 0; p < kc8; p += 8) {
        v8f col[ROW_GROUPS][8];
        for (int g = 0; g < ROW_GROUPS; g++) {
            for (size_t jj = 0; jj < 8; jj++) {
                const float *row = b + (j0 + 8 * g + jj) * ldb + p;
                if (p % 16 == 0) __builtin_prefetch(row + 128);
                memcpy(&col[g][jj], row, sizeof(v8f));
            }
            transpose8(col[g]);
        }
        for (size_t q = 0; q < 8; q++)
            for (int g = 0; g < ROW_GROUPS; g++)
                sum[g] += a[p + q] * col[g][q]; /* a rounded product, then a rounded sum */
    }
    for (size_t p = kc8; p < kc; p++) /* the last values of k, gathered */
        for (int g = 0; g < ROW_GROUPS; g++) {
            v8f col;
            for (size_t jj = 0; jj < 8; jj++) col[jj] = b[(j0 + 8 * g + jj) * ldb + p];
            sum[g] += a[p] * col;
        }
}

/* One k-block's sum of eight columns of b (not transposed) from j0. */
static ALWAYS_INLINE void row_block(v8f *sum, const float *a, const float *b, size_t ldb,
                                    size_t j0, size_t kc) {
    *sum = (v8f){0};
    for (size_t p = 0; p < kc; p++) {
        v8f b_v;
        memcpy(&b_v, b + p * ldb + j0, sizeof b_v);
        *sum += a[p] * b_v; /* a rounded product, then a rounded sum */
    }
}

/* c = ((bias + S_0) + S_1) + ... for one vector of columns. */
static ALWAYS_INLINE void row_add_block(v8f *total, const v8f *sum, const float *bias,
                                        size_t pc) {
    if (pc > 0) {
        *total += *sum;
    } else if (bias) {
        v8f start;
        memcpy(&start, bias, sizeof start);
        *total = start + *sum;
    } else {
        *total = *sum;
    }
}

static ALWAYS_INLINE void row_body(float *c, const float *a, const float *b, size_t ldb,
                                   int b_trans, const float *bias, size_t n, size_t k) {
    size_t step = b_trans ? 8 * ROW_GROUPS : 8, n_vec = n / step * step;
    for (size_t j0 = 0; j0 < n_vec; j0 += step) {
        v8f total[ROW_GROUPS];
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = min_size(KC, k - pc);
            if (b_trans) {
                v8f sum[ROW_GROUPS];
                row_block_trans(sum, a + pc, b + pc, ldb, j0, kc);
                for (int g = 0; g < ROW_GROUPS; g++)
                    row_add_block(&total[g], &sum[g], bias ? bias + j0 + 8 * g : NULL, pc);
            } else {
                v8f sum;
                row_block(&sum, a + pc, b + pc * ldb, ldb, j0, kc);
                row_add_block(&total[0], &sum, bias ? bias + j0 : NULL, pc);
            }
        }
        for (size_t g = 0; g < step / 8; g++) memcpy(c + j0 + 8 * g, &total[g], sizeof(v8f));
    }
    for (size_t j = n_vec; j < n; j++) { /* the last columns, one at a time */
        float total = 0.0f;
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = min_size(KC, k - pc);
            float sum = 0.0f;
            for (size_t p = 0; p < kc; p++)
                sum += a[pc + p] * (b_trans ? b[j * ldb + pc + p] : b[(pc + p) * ldb + j]);
            total = pc == 0 ? (bias ? bias[j] + sum : sum) : total + sum;
        }
        c[j] = total;
    }
}

static void row_portable(float *c, const float *a, const float *b, size_t ldb, int b_trans,
                         const float *bias, size_t n, size_t k) {
    row_body(c, a, b, ldb, b_trans, bias, n, k);
}

/* ---- the driver --------------------------------------------------------------
 * Compiled twice (below): once for AVX2 and once for plain x86-64. */
static ALWAYS_INLINE void gemm_body(float *c, size_t ldc, const float *a, size_t lda,
                                    const float *b, size_t ldb, int b_trans, const float *bias,
                                    size_t m, size_t n, size_t k, float *scratch,
                                    enum kernel_isa isa) {
    float *b_packed = scratch;                   /* KC x NC */
    float *a_packed = scratch + (size_t)KC * NC; /* MC x KC */

    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = min_size(NC, n - jc);
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = min_size(KC, k - pc);
            const float *b_block = b_trans ? b + jc * ldb + pc : b + pc * ldb + jc;
            /* Few rows (a GPT-2 reading a short sentence) use each panel of
             * b a few times only: copying it first costs more than reading
             * b's rows in place, which needs whole panels. The kernels do
             * the same operations either way: the same bits. */
            bool direct = !b_trans && m <= DIRECT_ROWS && nc % NR == 0;
            if (!direct) pack_b(b_packed, b_block, ldb, b_trans, kc, nc);

            enum tile_update update = pc > 0 ? TILE_ACCUMULATE
                                      : bias ? TILE_STORE_BIAS
                                             : TILE_STORE;
            for (size_t ic = 0; ic < m; ic += MC) {
                size_t mc = min_size(MC, m - ic);
                pack_a(a_packed, a + ic * lda + pc, lda, mc, kc);
                macro_kernel(c + ic * ldc + jc, ldc, a_packed, direct ? b_block : b_packed,
                             direct ? ldb : NR, bias ? bias + jc : NULL, update, mc, nc, kc, isa);
            }
        }
    }
}

static void gemm_portable(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                          size_t ldb, int b_trans, const float *bias, size_t m, size_t n, size_t k,
                          float *scratch) {
    gemm_body(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch, KERNEL_SSE2);
}

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_AVX2_PATH 1
/* Only "avx2", never "fma": a fused multiply-add rounds once instead of
 * twice and would change the results. */
__attribute__((target("avx2"))) static void gemm_avx2(float *c, size_t ldc, const float *a,
                                                      size_t lda, const float *b, size_t ldb,
                                                      int b_trans, const float *bias, size_t m,
                                                      size_t n, size_t k, float *scratch) {
    gemm_body(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch, KERNEL_AVX2);
}

__attribute__((target("avx2"))) static void small_avx2(float *c, size_t ldc, const float *a,
                                                       size_t lda, const float *b, size_t ldb,
                                                       int b_trans, const float *bias, size_t m,
                                                       size_t n, size_t k, float *scratch) {
    small_body(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch);
}

__attribute__((target("avx2"))) static void row_avx2(float *c, const float *a, const float *b,
                                                     size_t ldb, int b_trans, const float *bias,
                                                     size_t n, size_t k) {
    row_body(c, a, b, ldb, b_trans, bias, n, k);
}
#else
#define HAVE_AVX2_PATH 0
#endif


void attn_gemm(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
               int b_trans, const float *bias, size_t m, size_t n, size_t k, float *scratch) {
    if (m == 0 || n == 0) return;
    if (k == 0) { /* an empty sum: c = bias, or zeros */
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) c[i * ldc + j] = bias ? bias[j] : 0.0f;
        return;
    }
    int small = m * n * k <= SMALL_WORK;
    if (m == 1 && !small) { /* one row: no packing (see "one row") */
#if HAVE_AVX2_PATH
        if (attn_fast_use_avx2()) {
            row_avx2(c, a, b, ldb, b_trans, bias, n, k);
            return;
        }
#endif
        row_portable(c, a, b, ldb, b_trans, bias, n, k);
        return;
    }
#if HAVE_AVX2_PATH
    if (attn_fast_use_avx2()) {
        (small ? small_avx2 : gemm_avx2)(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch);
        return;
    }
#endif
    (small ? small_portable : gemm_portable)(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k,
                                             scratch);
}
