/* Model-private helpers shared by the forward pass and training. */
#ifndef ATTNVIZ_MODEL_PRIVATE_H
#define ATTNVIZ_MODEL_PRIVATE_H

#include "attnviz/model.h"

/* Writes the printf-style message into err (one line of valid UTF-8) and
 * returns s: every error of the model layer goes through here. */
attn_status model_fail(attn_status s, char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The 16 tensors in model_params order, as GPT-2 names and shapes them
 * (model_io.c holds the one table; the GPT-2 loader reads it too): the
 * name ("ln_1.weight"; a per-layer one follows "h.N."), whether it is per
 * layer, one layer's shape (returns the number of dimensions), and where
 * its stacked floats start in p. */
const char *model_tensor_name(size_t i);
int model_tensor_per_layer(size_t i);
size_t model_tensor_shape(const model_config *c, size_t i, size_t shape[2]);
float *model_tensor_slot(const model_params *p, size_t i);

/* GELU's tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
#define MODEL_GELU_K 0.7978845608028654f /* √(2/π) */
#define MODEL_GELU_C 0.044715f

/* out[i] = (x[i] - mean) · rstd · w + b, row by row; keeps mean and rstd. */
void model_layernorm(float *out, float *mean, float *rstd, const float *x, const float *w,
                     const float *b, size_t rows, size_t d);
/* Backward of model_layernorm for rows of x: adds to dx, dw and db. */
void model_layernorm_backward(float *dx, float *dw, float *db, const float *dout,
                              const float *x, const float *mean, const float *rstd,
                              const float *w, size_t rows, size_t d);
void model_gelu(float *out, const float *x, size_t count);
/* dx = dout · GELU'(x) (overwrites dx). */
void model_gelu_backward(float *dx, const float *dout, const float *x, size_t count);

/* Work space for backward through attention and the weight gradients (the
 * caller owns it): dconcat (T, d), dqkv (T, 3d), dp (T, T), tbuf for
 * transposes (max(rows of a transposed input, T) × T floats: 3d·T covers
 * attention alone), tmp for one weight gradient (3d² for attention alone),
 * gemm packing (attn_trace_scratch_floats()). */
typedef struct model_grad_scratch {
    float *dconcat, *dqkv, *dp, *tbuf, *tmp, *gemm;
} model_grad_scratch;

/* Backward through one attention layer whose forward is in t (X, Q, K, V,
 * the weights, the concat; causal, scaled): from dout (T, d), the gradient
 * of its output, writes the gradient of X into dx (T, d) and adds to the
 * gradients of c_attn (d, 3d), its bias, c_proj (d, d) and its bias.
 * aw holds W_O as the forward used it; c_attn_w is the (d, 3d) matrix the
 * core's W_Q, W_K and W_V came from. */
void model_attention_backward(const attn_trace *t, const attn_weights *aw, const float *c_attn_w,
                              const float *dout, float *dx, float *g_attn_w, float *g_attn_b,
                              float *g_proj_w, float *g_proj_b, const model_grad_scratch *gs);

/* Like model_run_init, but the run reads the per-layer core weights attn
 * (owned by the caller) instead of its own copy. */
attn_status model_run_init_shared(model_run *r, const model *m, size_t n_max,
                                  attn_weights *attn, char *err, size_t err_len);
/* The same, choosing the logits kept (model_run_init_logits). */
attn_status model_run_init_shared_logits(model_run *r, const model *m, size_t n_max,
                                         model_logits which, attn_weights *attn, char *err,
                                         size_t err_len);
/* Copies layer l's c_attn and c_proj into the core's layout. */
void model_attn_weights_sync(attn_weights *w, const model *m, size_t l);
/* -log softmax(logits)[target], in double. */
double model_token_loss(const float *logits, size_t V, int32_t target);
/* Floats of GEMM packing space the run keeps. */
size_t model_scratch_floats(void);

#endif
