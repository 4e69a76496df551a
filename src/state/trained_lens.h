/* The lens of the trained model's last run (lens.h), for the predicted
 * token: which heads pushed it (each head's direct contribution to its
 * logit) and how the answer forms layer by layer (the logit lens). A
 * cache: state_trained_lens recomputes only after a new run. */
#ifndef ATTNVIZ_STATE_TRAINED_LENS_H
#define ATTNVIZ_STATE_TRAINED_LENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/lens.h"
#include "trained.h"

#define STATE_LENS_K 5 /* tokens the logit lens keeps per layer */

typedef struct state_lens {
    /* what it was computed for: the model, its run (version) and length */
    const state_trained *of;
    const float *block;
    uint64_t version;
    size_t n;
    bool valid;
    /* the predicted token: top-1 after the last token, with pruning as run */
    int32_t token;
    float prob;
    size_t n_layers, n_heads;
    float contrib[STATE_PRUNE_MAX]; /* (layer · H + head): its direct contribution */
    model_logit_parts parts;        /* the rest of the logit (lens.h) */
    /* the logit lens: row r = 0 the embeddings, r = l + 1 after block l */
    int32_t lens_ids[(MODEL_LAYERS_MAX + 1) * STATE_LENS_K];
    float lens_probs[(MODEL_LAYERS_MAX + 1) * STATE_LENS_K];
} state_lens;

/* Brings lens up to date with t's last run (nothing to do when it is: the
 * cost is one matrix product of (layers + 1) × d by the vocabulary, so
 * call it freely once a frame). lens starts zeroed; it holds no memory.
 * Returns ATTN_OK, or a failure with the reason (no run yet, more heads
 * than STATE_PRUNE_MAX, out of memory); lens->valid says which. */
attn_status state_trained_lens(const state_trained *t, state_lens *lens, char *err,
                               size_t err_len);

/* The lens of run (m's, after a forward), into lens: everything but of,
 * block and version, which say what it belongs to. For a run on a thread
 * (trained_job.c). */
attn_status state_lens_compute(const model *m, const model_run *run, state_lens *lens, char *err,
                               size_t err_len);

/* The heads ordered by |contribution|, largest first (ties: lower index):
 * up to k indices (layer · H + head) into order. Returns how many. */
size_t state_lens_top_heads(const state_lens *lens, size_t k, size_t *order);

#endif
