/* The trace: every stage's tensor in one block, sized once (llm.c's
 * activation slab), so a forward call never allocates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/attn.h"
#include "attnviz/checked.h"
#include "fast.h"

_Static_assert(ATTN_TRACE_BYTES_MAX > 0, "the trace limit must not truncate to 0");

/* Each array starts on a 64-byte boundary (16 floats) for the vector kernels:
 * floats rounded up to a multiple of 16, or false past SIZE_MAX. */
static bool round16(size_t *floats) {
    if (!attn_size_add(floats, *floats, 15)) return false;
    *floats = *floats / 16 * 16;
    return true;
}

/* Floats of the stages for the limits (n, d, h); SIZE_MAX when the count
 * does not fit a size_t (in 32 bits, 65,536 tokens × 16 heads × 65,536 is
 * 2^36, which would wrap around to 0). */
static size_t stage_floats(size_t n, size_t d, size_t h) {
    size_t rows, per_head, total = 0;
    bool fits = attn_size_mul(&rows, n, d) && round16(&rows) &&
                attn_size_mul3(&per_head, h, n, n) && round16(&per_head) &&
                attn_size_add_mul(&total, 7, rows) &&   /* x, q, k, v, head_out, concat, output */
                attn_size_add_mul(&total, 4, per_head); /* scores, scaled, masked, weights */
    return fits ? total : SIZE_MAX;
}

size_t attn_trace_scratch_floats(void) {
    size_t floats = attn_gemm_scratch_floats();
    round16(&floats); /* a constant of a few hundred thousand */
    return floats;
}

/* Bytes of the trace with `parts` parts of scratch space (0: the caller's). */
static size_t trace_bytes(size_t n_max, size_t d_model_max, size_t n_heads_max, size_t parts) {
    size_t floats = stage_floats(n_max, d_model_max, n_heads_max), bytes;
    if (!attn_size_add_mul(&floats, parts, attn_trace_scratch_floats()) ||
        !attn_size_mul(&bytes, floats, sizeof(float)))
        return SIZE_MAX;
    return bytes;
}

size_t attn_trace_bytes(size_t n_max, size_t d_model_max, size_t n_heads_max) {
    return trace_bytes(n_max, d_model_max, n_heads_max, ATTN_THREADS_MAX);
}

attn_status attn_trace_check(size_t n_max, size_t d_model_max, size_t n_heads_max, bool shared,
                             char *err, size_t err_len) {
    if (n_max < 1 || n_max > ATTN_TOKENS_MAX || d_model_max < 1 ||
        d_model_max > ATTN_D_MODEL_MAX || n_heads_max < 1 || n_heads_max > ATTN_HEADS_MAX) {
        if (err && err_len)
            snprintf(err, err_len,
                     "trace limits out of range: tokens 1..%d, d_model 1..%d, heads 1..%d",
                     ATTN_TOKENS_MAX, ATTN_D_MODEL_MAX, ATTN_HEADS_MAX);
        return ATTN_ERR_CONFIG;
    }
    size_t bytes = trace_bytes(n_max, d_model_max, n_heads_max, shared ? 0 : ATTN_THREADS_MAX);
    if (bytes > ATTN_TRACE_BYTES_MAX) {
        /* The size in double for the message: bytes may have stopped at SIZE_MAX. */
        double n = (double)n_max, gib = 4.0 * (7.0 * n * (double)d_model_max +
                                               4.0 * (double)n_heads_max * n * n) / (1u << 30);
        if (err && err_len)
            snprintf(err, err_len,
                     "%zu tokens with %zu heads need %.1f GiB for the trace (four %zu×%zu "
                     "matrices per head), more than the %.0f GiB limit: use fewer tokens or heads",
                     n_max, n_heads_max, gib, n_max, n_max,
                     (double)ATTN_TRACE_BYTES_MAX / (1u << 30));
        return ATTN_ERR_LIMIT;
    }
    return ATTN_OK;
}

static attn_status trace_init(attn_trace *t, size_t n_max, size_t d_model_max,
                              size_t n_heads_max, float *shared_scratch, size_t parts, char *err,
                              size_t err_len);

attn_status attn_trace_init(attn_trace *t, size_t n_max, size_t d_model_max, size_t n_heads_max,
                            char *err, size_t err_len) {
    return trace_init(t, n_max, d_model_max, n_heads_max, NULL, ATTN_THREADS_MAX, err, err_len);
}

/* x_kv is a block of its own, so a self-attention trace's one block is
 * laid out (and sized) exactly as before cross-attention existed. */
attn_status attn_trace_init_cross(attn_trace *t, size_t n_max, size_t d_model_max,
                                  size_t n_heads_max, char *err, size_t err_len) {
    attn_status s = attn_trace_init(t, n_max, d_model_max, n_heads_max, err, err_len);
    if (s != ATTN_OK) return s;
    size_t floats; /* n_max · d_model_max fits: the trace above holds seven of them */
    attn_size_mul(&floats, n_max, d_model_max);
    t->x_kv = calloc(floats, sizeof(float));
    if (!t->x_kv) {
        attn_trace_free(t);
        if (err && err_len)
            snprintf(err, err_len, "out of memory: the second sequence needs %.1f MiB",
                     (double)floats * sizeof(float) / (1u << 20));
        return ATTN_ERR_NOMEM;
    }
    return ATTN_OK;
}

attn_status attn_trace_init_shared(attn_trace *t, size_t n_max, size_t d_model_max,
                                   size_t n_heads_max, float *scratch, char *err,
                                   size_t err_len) {
    return trace_init(t, n_max, d_model_max, n_heads_max, scratch, 1, err, err_len);
}

attn_status attn_trace_init_shared_parts(attn_trace *t, size_t n_max, size_t d_model_max,
                                         size_t n_heads_max, float *scratch, size_t parts,
                                         char *err, size_t err_len) {
    if (parts < 1 || parts > ATTN_THREADS_MAX) parts = 1;
    return trace_init(t, n_max, d_model_max, n_heads_max, scratch, parts, err, err_len);
}

static attn_status trace_init(attn_trace *t, size_t n_max, size_t d_model_max,
                              size_t n_heads_max, float *shared_scratch, size_t parts, char *err,
                              size_t err_len) {
    memset(t, 0, sizeof *t);
    attn_status s = attn_trace_check(n_max, d_model_max, n_heads_max, shared_scratch != NULL,
                                     err, err_len);
    if (s != ATTN_OK) return s;
    /* Within the limit, so none of the sizes below wraps around. */
    size_t bytes = trace_bytes(n_max, d_model_max, n_heads_max,
                               shared_scratch ? 0 : ATTN_THREADS_MAX);
    float *p = aligned_alloc(64, bytes); /* bytes is a multiple of 64 */
    if (!p) {
        if (err && err_len)
            snprintf(err, err_len, "out of memory: the trace needs %.1f MiB",
                     (double)bytes / (1u << 20));
        return ATTN_ERR_NOMEM;
    }
    /* The stages start zeroed. The scratch space after them is not: attn_gemm
     * writes every float of it it reads (packing pads with zeros itself), and
     * zeroing its megabytes cost more than a small model's whole forward pass
     * (in the browser it also touched every page of it at start). */
    memset(p, 0, stage_floats(n_max, d_model_max, n_heads_max) * sizeof(float));
    t->block = p;
    t->n_max = n_max;
    t->d_model_max = d_model_max;
    t->n_heads_max = n_heads_max;
    size_t rows = n_max * d_model_max, per_head = n_heads_max * n_max * n_max;
    round16(&rows);
    round16(&per_head);
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
    t->scratch_parts = parts;
    return ATTN_OK;
}

void attn_trace_free(attn_trace *t) {
    if (!t) return;
    free(t->x_kv);
    free(t->block);
    memset(t, 0, sizeof *t);
}

/* The first non-finite of p[0..count), or false. */
static bool first_bad(const float *p, size_t count, float *value) {
    for (size_t i = 0; i < count; i++)
        if (!isfinite(p[i])) {
            *value = p[i];
            return true;
        }
    return false;
}

bool attn_trace_find_nonfinite(const attn_trace *t, const char **stage, float *value) {
    const attn_config *c = &t->config;
    size_t n = t->n, m = t->n_keys, d = c->d_model, d_kv = attn_d_kv(c), H = c->n_heads,
           dh = attn_d_head(c);
    const struct {
        const char *name;
        const float *p;
        size_t count;
    } plain[] = {
        {"inputs (X)", t->x, n * d},
        {"the other sequence's inputs (X_kv)", t->cross ? t->x_kv : t->x, t->cross ? m * d : 0},
        {"queries (Q)", t->q, n * d},
        {"keys (K)", t->k, m * d_kv},        {"values (V)", t->v, m * d_kv},
        {"attention scores", t->scores, H * n * m}, {"scaled scores", t->scaled, H * n * m},
    };
    for (size_t s = 0; s < sizeof plain / sizeof plain[0]; s++)
        if (first_bad(plain[s].p, plain[s].count, value)) {
            *stage = plain[s].name;
            return true;
        }
    /* masked: exactly the mask's -inf above the diagonal, finite elsewhere */
    for (size_t h = 0; h < H; h++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++) {
                float v = t->masked[(h * n + i) * m + j];
                bool mask = c->causal && j > i;
                if (mask ? v == -INFINITY : isfinite(v)) continue;
                *stage = "masked scores";
                *value = v;
                return true;
            }
    const struct {
        const char *name;
        const float *p;
        size_t count;
    } after[] = {
        {"attention weights", t->weights, H * n * m}, {"head outputs", t->head_out, H * n * dh},
        {"concatenated heads", t->concat, n * d},       {"attention outputs", t->output, n * d},
    };
    for (size_t s = 0; s < sizeof after / sizeof after[0]; s++)
        if (first_bad(after[s].p, after[s].count, value)) {
            *stage = after[s].name;
            return true;
        }
    return false;
}
