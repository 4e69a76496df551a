/* attn_gemm_split: one product on one or two threads, the same bits either
 * way.
 *
 * The right part of c's columns goes to a second thread. Each element of c is
 * summed in the same order whichever part it lands in (gemm.c: the order
 * depends on k and KC only), and both parts take the same path (blocked or
 * small) since the split happens only for products far above the small
 * path's size. The cut is on whole register tiles (16 columns), so neither
 * part has more edge tiles than the whole. */
#include <pthread.h>

#include "fast.h"

/* Below this many multiply-adds (about a millisecond) starting a thread
 * costs more than it saves. */
enum { SPLIT_WORK = 1 << 22 };

typedef struct gemm_job {
    float *c;
    size_t ldc;
    const float *a;
    size_t lda;
    const float *b;
    size_t ldb;
    int b_trans;
    const float *bias;
    size_t m, n, k;
    float *scratch;
} gemm_job;

static void *run_job(void *arg) {
    gemm_job *j = arg;
    attn_gemm(j->c, j->ldc, j->a, j->lda, j->b, j->ldb, j->b_trans, j->bias, j->m, j->n, j->k,
              j->scratch);
    return NULL;
}

void attn_gemm_split(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                     int b_trans, const float *bias, size_t m, size_t n, size_t k, float *scratch,
                     float *scratch2, size_t threads) {
    size_t left = (n / 2 + 15) / 16 * 16; /* whole register tiles on each side */
    if (threads > 1 && scratch2 && (double)m * n * k >= SPLIT_WORK && left < n) {
        gemm_job right = {c + left, ldc, a, lda, b_trans ? b + left * ldb : b + left, ldb, b_trans,
                          bias ? bias + left : NULL, m, n - left, k, scratch2};
        pthread_t thread;
        if (pthread_create(&thread, NULL, run_job, &right) == 0) {
            attn_gemm(c, ldc, a, lda, b, ldb, b_trans, bias, m, left, k, scratch);
            pthread_join(thread, NULL);
            return;
        }
    }
    attn_gemm(c, ldc, a, lda, b, ldb, b_trans, bias, m, n, k, scratch);
}
