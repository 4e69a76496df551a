/* The lens of the trained model's last run, cached (trained_lens.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "trained_lens.h"
#include "trained_private.h"

attn_status state_lens_compute(const model *m, const model_run *run, state_lens *lens, char *err,
                               size_t err_len) {
    lens->valid = false;
    const model_config *c = &m->config;
    if (run->n == 0) {
        return state_fail(ATTN_ERR_INPUT, err, err_len, "the model has not run on a sentence yet");
    }
    if (c->n_layers * c->n_heads > STATE_PRUNE_MAX) {
        return state_fail(ATTN_ERR_LIMIT, err, err_len,
                          "%zu heads are more than the lens shows (%d)", c->n_layers * c->n_heads,
                          STATE_PRUNE_MAX);
    }
    /* the predicted token: the most likely, the smaller id on a tie (as
     * state_trained_top orders them) */
    const float *p = state_run_last_probs(run, c->n_vocab);
    if (!p) return state_fail(ATTN_ERR_INPUT, err, err_len, "the model has no prediction yet");
    int32_t token = 0;
    for (size_t j = 1; j < c->n_vocab; j++)
        if (p[j] > p[token]) token = (int32_t)j;
    size_t pos = run->n - 1;
    attn_status s = model_head_contributions(run, m, pos, token, lens->contrib, &lens->parts, err,
                                             err_len);
    if (s == ATTN_OK)
        s = model_logit_lens(run, m, pos, STATE_LENS_K, lens->lens_ids, lens->lens_probs, err,
                             err_len);
    if (s != ATTN_OK) return s;
    lens->n = run->n;
    lens->token = token;
    lens->prob = p[token];
    lens->n_layers = c->n_layers;
    lens->n_heads = c->n_heads;
    lens->valid = true;
    return ATTN_OK;
}

attn_status state_trained_lens(const state_trained *t, state_lens *lens, char *err,
                               size_t err_len) {
    if (lens->valid && lens->of == t && lens->block == t->model.block &&
        lens->version == t->version && lens->n == t->n)
        return ATTN_OK;
    /* a GPT-2's run on a thread computed it already (trained_job.c) */
    const state_lens *ready = t->lens_ready;
    if (ready && ready->valid && ready->version == t->version && ready->n == t->n &&
        ready->block == t->model.block) {
        *lens = *ready;
        lens->of = t;
        return ATTN_OK;
    }
    /* no run yet: state_lens_compute says so */
    attn_status s = state_lens_compute(&t->model, &t->run, lens, err, err_len);
    if (s != ATTN_OK) return s;
    lens->of = t;
    lens->block = t->model.block;
    lens->version = t->version;
    return ATTN_OK;
}

size_t state_lens_top_heads(const state_lens *lens, size_t k, size_t *order) {
    if (!lens->valid) return 0;
    size_t total = lens->n_layers * lens->n_heads, have = 0;
    if (k > total) k = total;
    // insertion into a sorted list of k: the list is short, the heads few
    for (size_t i = 0; i < total && k > 0; i++) {
        float a = fabsf(lens->contrib[i]);
        if (have == k && !(a > fabsf(lens->contrib[order[k - 1]]))) continue;
        size_t at = have < k ? have++ : k - 1;
        while (at > 0 && a > fabsf(lens->contrib[order[at - 1]])) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    return have;
}
