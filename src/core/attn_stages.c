/* The stages of attention as plain loops: the reference implementation.
 * Each function is one formula of attnviz/stages.h; read them next to it. */
#include <math.h>

#include "attnviz/stages.h"

void attn_matmul(float *out, const float *a, const float *b, const float *bias, size_t n, size_t k,
                 size_t m) {
    // out: (n, m) = a (n, k) · b (k, m) + bias (m)
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            float sum = bias ? bias[j] : 0.0f;
            for (size_t p = 0; p < k; p++) sum += a[i * k + p] * b[p * m + j];
            out[i * m + j] = sum;
        }
    }
}

void attn_scores(float *scores, const float *q, size_t q_stride, const float *k, size_t k_stride,
                 size_t n, size_t m, size_t d_head) {
    // scores: (n, m), scores[i][j] = q_i · k_j
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            float dot = 0.0f;
            for (size_t p = 0; p < d_head; p++) dot += q[i * q_stride + p] * k[j * k_stride + p];
            scores[i * m + j] = dot;
        }
    }
}

void attn_scale(float *out, const float *in, float divisor, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = in[i] / divisor;
}

void attn_mask(float *out, const float *in, int causal, size_t n, size_t m) {
    // position i may look at j <= i only: the future is -inf, so exp() makes it 0
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            out[i * m + j] = (causal && j > i) ? -INFINITY : in[i * m + j];
}

void attn_softmax_rows(float *out, const float *in, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = in + r * cols;
        float *y = out + r * cols;
        // pass 1: the row max, subtracted so that exp() never overflows
        float max = -INFINITY;
        for (size_t j = 0; j < cols; j++)
            if (x[j] > max) max = x[j];
        if (max == -INFINITY) { // everything masked: no weight anywhere, not NaN
            for (size_t j = 0; j < cols; j++) y[j] = 0.0f;
            continue;
        }
        if (max == INFINITY) { // the limit of softmax: the +inf entries share the row
            size_t count = 0;
            for (size_t j = 0; j < cols; j++) count += x[j] == INFINITY;
            for (size_t j = 0; j < cols; j++) y[j] = x[j] == INFINITY ? 1.0f / (float)count : 0.0f;
            continue;
        }
        // pass 2: exp and their sum (the max term is exp(0) = 1, so sum >= 1)
        float sum = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            y[j] = expf(x[j] - max);
            sum += y[j];
        }
        // pass 3: normalise so the row sums to 1
        for (size_t j = 0; j < cols; j++) y[j] /= sum;
    }
}

void attn_weighted_sum(float *out, size_t out_stride, const float *weights, const float *v,
                       size_t v_stride, size_t n, size_t m, size_t d_head) {
    // out: (n, d_head), out[i] = sum_j weights[i][j] · v_j over the m rows of v
    for (size_t i = 0; i < n; i++) {
        for (size_t p = 0; p < d_head; p++) {
            float sum = 0.0f;
            for (size_t j = 0; j < m; j++) sum += weights[i * m + j] * v[j * v_stride + p];
            out[i * out_stride + p] = sum;
        }
    }
}
