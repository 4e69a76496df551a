/* The four projections of one attention layer, in one allocation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/attn.h"
#include "attnviz/checked.h"
#include "attnviz/embed.h"
#include "attnviz/rng.h"

attn_status attn_weights_init(attn_weights *w, const attn_config *c, char *err, size_t err_len) {
    memset(w, 0, sizeof *w);
    attn_status s = attn_config_check(c, NULL, err, err_len);
    if (s != ATTN_OK) return s;
    size_t d = c->d_model, d_kv = attn_d_kv(c);
    /* W_Q and W_O (d, d), W_K and W_V (d, d_kv), and their biases. Within the
     * checked ranges this is at most 2^26 floats; checked all the same, so
     * the sum is right whatever the ranges become. */
    size_t total = 0;
    if (!attn_size_add_mul(&total, 2 * d, d) || !attn_size_add_mul(&total, 2 * d, d_kv) ||
        !attn_size_add_mul(&total, 2, d + d_kv)) {
        if (err && err_len)
            snprintf(err, err_len,
                     "weights of d_model %zu with %zu key/value heads are more floats than a "
                     "%d-bit size can count: use a smaller d_model",
                     d, c->n_kv_heads, ATTN_SIZE_BITS);
        return ATTN_ERR_LIMIT;
    }
    float *p = calloc(total, sizeof *p);
    if (!p) {
        if (err && err_len) snprintf(err, err_len, "out of memory for weights of d_model %zu", d);
        return ATTN_ERR_NOMEM;
    }
    w->config = *c;
    w->block = p;
    w->w_q = p, p += d * d;
    w->b_q = p, p += d;
    w->w_k = p, p += d * d_kv;
    w->b_k = p, p += d_kv;
    w->w_v = p, p += d * d_kv;
    w->b_v = p, p += d_kv;
    w->w_o = p, p += d * d;
    w->b_o = p;
    return ATTN_OK;
}

void attn_weights_free(attn_weights *w) {
    if (!w) return;
    free(w->block);
    memset(w, 0, sizeof *w);
}

/* w (fan_in, fan_out) ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)). */
static void xavier(float *w, size_t fan_in, size_t fan_out, uint64_t seed, uint64_t stream) {
    attn_rng r = attn_rng_stream(seed, stream);
    float a = sqrtf(6.0f / (float)(fan_in + fan_out));
    for (size_t i = 0; i < fan_in * fan_out; i++) w[i] = attn_rng_symmetric(&r, a);
}

/* b (fan_out) ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch.nn.Linear does. */
static void bias(float *b, size_t fan_in, size_t fan_out, uint64_t seed, uint64_t stream) {
    attn_rng r = attn_rng_stream(seed, stream);
    float a = 1.0f / sqrtf((float)fan_in);
    for (size_t i = 0; i < fan_out; i++) b[i] = attn_rng_symmetric(&r, a);
}

void attn_weights_xavier(attn_weights *w, uint64_t seed) {
    size_t d = w->config.d_model, d_kv = attn_d_kv(&w->config);
    xavier(w->w_q, d, d, seed, ATTN_STREAM_W_Q);
    bias(w->b_q, d, d, seed, ATTN_STREAM_B_Q);
    xavier(w->w_k, d, d_kv, seed, ATTN_STREAM_W_K);
    bias(w->b_k, d, d_kv, seed, ATTN_STREAM_B_K);
    xavier(w->w_v, d, d_kv, seed, ATTN_STREAM_W_V);
    bias(w->b_v, d, d_kv, seed, ATTN_STREAM_B_V);
    xavier(w->w_o, d, d, seed, ATTN_STREAM_W_O);
    bias(w->b_o, d, d, seed, ATTN_STREAM_B_O);
}
