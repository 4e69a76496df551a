/* What trained.c shares with the other files of the trained source
 * (trained_job.c, trained_lens.c): the run of a sentence, apart from the
 * state_trained it belongs to, so a thread can fill a run the window does
 * not read. */
#ifndef ATTNVIZ_STATE_TRAINED_PRIVATE_H
#define ATTNVIZ_STATE_TRAINED_PRIVATE_H

#include "trained.h"

/* The largest run a GPT-2 is given: the app's limit or its context. */
size_t state_gpt2_limit(const model_config *c);

/* A run of t's model for n_max tokens, in out: reading t->attn when t has
 * shared weights (a GPT-2), else with weights of its own; on two threads. */
attn_status state_trained_make_run(const state_trained *t, model_run *out, size_t n_max, char *err,
                                   size_t err_len);

/* Runs ids[0..n) on r with the heads in head_off (STATE_PRUNE_MAX flags,
 * may be NULL) off: first with every head on, whose next-token
 * probabilities go to probs_all_on (n_vocab floats), then as asked when
 * some head is off. all_on_known: probs_all_on already holds them (the
 * same sentence, only the pruning changed), so a pruned run is one pass.
 * Reads t's model and path only. */
attn_status state_trained_forward(const state_trained *t, model_run *r, const int32_t *ids,
                                  size_t n, const uint8_t *head_off, float *probs_all_on,
                                  bool all_on_known, char *err, size_t err_len);

/* The probabilities after the last token of r's last forward (V words). */
const float *state_run_last_probs(const model_run *r, size_t V);

/* Each of a GPT-2's tokens ids[0..n) as shown (state_gpt2_shown), NUL after
 * each, token i at (*shown) + shown_at[i]; *shown is the caller's to free. */
attn_status state_gpt2_shown_all(const state_trained *t, const int32_t *ids, size_t n,
                                 char **shown, size_t *shown_at, char *err, size_t err_len);

#endif
