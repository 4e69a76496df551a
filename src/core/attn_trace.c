/* The trace: every stage's tensor in one block, sized once (llm.c's
 * activation slab), so a forward call never allocates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/attn.h"
#include "fast.h"

/* Each array starts on a 64-byte boundary (16 floats) for the vector kernels. */
static size_t round16(size_t floats) { return (floats + 15) / 16 * 16; }

/* Floats of the stages, for the limits (n, d, h). */
static size_t stage_floats(size_t n, size_t d, size_t h) {
    size_t rows = round16(n * d);     /* x, q, k, v, head_out, concat, output */
    size_t per_head = round16(h * n * n); /* scores, scaled, masked, weights */
    return 7 * rows + 4 * per_head;
}

size_t attn_trace_scratch_floats(void) { return round16(attn_gemm_scratch_floats()); }

size_t attn_trace_bytes(size_t n_max, size_t d_model_max, size_t n_heads_max) {
    return (stage_floats(n_max, d_model_max, n_heads_max) +
            ATTN_THREADS_MAX * attn_trace_scratch_floats()) *
           sizeof(float);
}

static attn_status trace_init(attn_trace *t, size_t n_max, size_t d_model_max,
                              size_t n_heads_max, float *shared_scratch, char *err,
                              size_t err_len);

attn_status attn_trace_init(attn_trace *t, size_t n_max, size_t d_model_max, size_t n_heads_max,
                            char *err, size_t err_len) {
    return trace_init(t, n_max, d_model_max, n_heads_max, NULL, err, err_len);
}

attn_status attn_trace_init_shared(attn_trace *t, size_t n_max, size_t d_model_max,
                                   size_t n_heads_max, float *scratch, char *err,
                                   size_t err_len) {
    return trace_init(t, n_max, d_model_max, n_heads_max, scratch, err, err_len);
}

static attn_status trace_init(attn_trace *t, size_t n_max, size_t d_model_max,
                              size_t n_heads_max, float *shared_scratch, char *err,
                              size_t err_len) {
    memset(t, 0, sizeof *t);
    if (n_max < 1 || n_max > ATTN_TOKENS_MAX || d_model_max < 1 ||
        d_model_max > ATTN_D_MODEL_MAX || n_heads_max < 1 || n_heads_max > ATTN_HEADS_MAX) {
        if (err && err_len)
            snprintf(err, err_len,
                     "trace limits out of range: tokens 1..%d, d_model 1..%d, heads 1..%d",
                     ATTN_TOKENS_MAX, ATTN_D_MODEL_MAX, ATTN_HEADS_MAX);
        return ATTN_ERR_CONFIG;
    }
    size_t bytes = attn_trace_bytes(n_max, d_model_max, n_heads_max);
    if (shared_scratch) bytes = stage_floats(n_max, d_model_max, n_heads_max) * sizeof(float);
    if (bytes > ATTN_TRACE_BYTES_MAX) {
        if (err && err_len)
            snprintf(err, err_len,
                     "%zu tokens with %zu heads need %.1f GiB for the trace (four %zu×%zu "
                     "matrices per head), more than the %.0f GiB limit: use fewer tokens or heads",
                     n_max, n_heads_max, (double)bytes / (1u << 30), n_max, n_max,
                     (double)ATTN_TRACE_BYTES_MAX / (1u << 30));
        return ATTN_ERR_LIMIT;
    }
    float *p = aligned_alloc(64, bytes); /* bytes is a multiple of 64 */
    if (!p) {
        if (err && err_len)
            snprintf(err, err_len, "out of memory: the trace needs %.1f MiB",
                     (double)bytes / (1u << 20));
        return ATTN_ERR_NOMEM;
    }
    memset(p, 0, bytes);
    t->block = p;
    t->n_max = n_max;
    t->d_model_max = d_model_max;
    t->n_heads_max = n_heads_max;
    size_t rows = round16(n_max * d_model_max);
    size_t per_head = round16(n_heads_max * n_max * n_max);
    t->x = p, p += rows;
    t->q = p, p += rows;
    t->k = p, p += rows;
    t->v = p, p += rows;
    t->head_out = p, p += rows;
    t->concat = p, p += rows;
    t->output = p, p += rows;
    t->scores = p, p += per_head;
    t->scaled = p, p += per_head;
    t->masked = p, p += per_head;
    t->weights = p, p += per_head;
    /* ATTN_THREADS_MAX parts of attn_trace_scratch_floats(), or the caller's one part */
    t->scratch = shared_scratch ? shared_scratch : p;
    t->scratch_floats = attn_gemm_scratch_floats();
    t->threads = 1;
    t->shared_scratch = shared_scratch != NULL;
    return ATTN_OK;
}

void attn_trace_free(attn_trace *t) {
    if (!t) return;
    free(t->block);
    memset(t, 0, sizeof *t);
}
