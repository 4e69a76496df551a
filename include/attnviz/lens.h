/* Reading a model's answer apart, from one forward's kept activations
 * (model_run): which heads pushed the predicted token (direct logit
 * attribution, Elhage et al. 2021), and what the model would say if the
 * residual stream were read out after each block (the logit lens,
 * nostalgebraist 2020).
 *
 * Both use GPT-2's read-out, logits = LN_f(x) · wteᵀ, on the stream x at a
 * position. The stream after the last block is a sum of parts, each
 * written by one piece of the model:
 *
 *   x_L = (wte[ids[pos]] + wpe[pos])                    the embeddings
 *       + Σ_l Σ_h concat_h · W_O[rows of head h]        each head
 *       + Σ_l b_O                                       the attention biases
 *       + Σ_l MLP_l                                     each MLP (its bias in it)
 *
 * LN_f is (x − mean(x)) · rstd · g + b. With mean and rstd frozen at the
 * values the forward computed for x_L, it is linear in x, and centring a
 * sum is the sum of the centred parts, so the logit of token t splits
 * exactly into
 *
 *   logit_t = Σ_parts rstd · Σ_k (c_k − mean(c)) · g_k · wte[t]_k  +  b · wte[t]
 *
 * one term per part c. A head's term is its "direct contribution": what it
 * writes straight into the answer, not what it does through later layers. */
#ifndef ATTNVIZ_LENS_H
#define ATTNVIZ_LENS_H

#include "attnviz/model.h"

/* The parts of one logit that are not heads (model_head_contributions'
 * parts): with the heads' terms they sum to logit exactly (in real
 * arithmetic; in float to rounding):
 *   logit = Σ heads + embed + Σ_l attn_bias[l] + Σ_l mlp[l] + lnf_bias. */
typedef struct model_logit_parts {
    float embed;                        /* wte[ids[pos]] + wpe[pos] */
    float attn_bias[MODEL_LAYERS_MAX];  /* layer l's c_proj bias */
    float mlp[MODEL_LAYERS_MAX];        /* layer l's MLP output, bias included */
    float lnf_bias;                     /* ln_f.bias · wte[token] (no stream in it) */
    float logit;                        /* the model's own logit: LN_f(x_L) · wte[token] */
} model_logit_parts;

/* Each head's direct contribution to the logit of token at position pos
 * of run's last forward (as it ran: a head switched off contributes 0):
 * out[l·H + h], L·H floats. parts (may be NULL) gets the rest of the
 * logit. Refuses a pos outside the last forward or a token outside the
 * vocabulary. The run must be of m (same sizes). */
attn_status model_head_contributions(const model_run *run, const model *m, size_t pos,
                                     int32_t token, float *out, model_logit_parts *parts,
                                     char *err, size_t err_len);

#define MODEL_LENS_K_MAX 64

/* The logit lens at position pos: for each of the L+1 points of the
 * stream (r = 0 the embeddings, r = l+1 after block l), LN_f with that
 * stream's own statistics, the unembedding and a softmax; the k most
 * likely ids and their probabilities, most likely first (ties: lower id
 * first), in ids[r·k + i], probs[r·k + i]. Row L is the model's own
 * prediction. k from 1 to MODEL_LENS_K_MAX and at most the vocabulary.
 * One matrix product of (L+1, d) by wteᵀ; allocates (L+1)·vocab floats
 * for it (ATTN_ERR_NOMEM when that fails). */
attn_status model_logit_lens(const model_run *run, const model *m, size_t pos, size_t k,
                             int32_t *ids, float *probs, char *err, size_t err_len);

#endif
