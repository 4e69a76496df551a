/* attnviz's training, in one place: the recipe (sizes, schedule, seed,
 * corpus mix), the loop that follows it, and what a trained model's file
 * records of it. `attnviz train` and the app's live training both run
 * model_train_run on a model_recipe; they differ only in their hooks (a
 * progress bar and a loss log; publishing to the window) and in the steps.
 *
 *   model_recipe r = model_recipe_default();      the shipped model's
 *   r.train.steps = 30;                           any change
 *   model_train_hooks h = {.eval_every = 10, .eval_sequences = 128,
 *                          .roles_sequences = 400, .progress = cb, .user = me};
 *   model m; model_heads_report roles; size_t done;
 *   model_train_run(&r, &h, &m, &roles, &done, err, sizeof err);
 *   model_save_trained(&m, "m.safetensors", &r, &roles, err, sizeof err);
 *   model_heads_report_free(&roles); model_free(&m); */
#ifndef ATTNVIZ_TRAIN_H
#define ATTNVIZ_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/corpus.h"
#include "attnviz/heads.h"
#include "attnviz/model.h"

/* ---- the recipe ------------------------------------------------------------ */

typedef struct model_recipe {
    model_config model;       /* sizes; n_vocab must be the corpus vocabulary's */
    model_train_config train; /* batch, seq (≤ model.n_ctx), steps, schedule, threads */
    uint64_t seed;            /* of the initial weights and of the text */
    model_corpus_mix mix;     /* relative weights of the corpus's sentence kinds */
    float pos_sinusoid;       /* 0: GPT-2's random wpe; else sinusoids times this */
} model_recipe;

/* The recipe of the shipped model (assets/models/attnviz-heads.safetensors,
 * README "The shipped model"): 2 layers × 4 heads, d_model 128, context 64,
 * the corpus's vocabulary; batch 32 × 64, 6000 AdamW steps, lr 3e-3 after
 * 100 warm-up steps, cosine to 3e-4, weight decay 0.1, gradient norm
 * clipped at 1, two threads; seed 1; model_corpus_mix_default; GPT-2's
 * random position embeddings. */
model_recipe model_recipe_default(void);

/* Sizes, schedule and mix, with the messages of model_config_check,
 * model_train_config_check and model_corpus_init; also refuses a vocabulary
 * other than the corpus's and the held-out text's own seed. *bad (may be
 * NULL) as model_config_check's. */
attn_status model_recipe_check(const model_recipe *r, model_setting *bad, char *err,
                               size_t err_len);

/* What training on this recipe costs, from its sizes alone, before anything
 * is allocated: *bytes the peak memory (parameters, their gradient and
 * Adam's two moments, the batch, two workers' activations, traces and
 * gradients, and the held-out evaluation's two runs: model_train.c,
 * model_forward.c, model_heads.c; not the program's own code and
 * libraries, about 10 MB), *flops the floating-point
 * operations of one optimiser step (forward and backward, ≈ 3 forwards).
 * Refuses (ATTN_ERR_LIMIT) sizes whose per-layer trace passes
 * ATTN_TRACE_BYTES_MAX, with the figures and the fix. */
attn_status model_train_estimate(const model_recipe *r, double *bytes, double *flops, char *err,
                                 size_t err_len);
/* Floating-point operations per second of this machine's matrix product,
 * measured in a few milliseconds: with model_train_estimate's flops, a
 * lower bound on a step's time. */
double model_matmul_rate(void);

/* ---- the loop -------------------------------------------------------------- */

/* What the loop reports to its hook. */
typedef struct model_train_progress {
    size_t step;      /* optimiser steps taken: 0 before the first */
    size_t steps;     /* planned */
    float lr;         /* the learning rate of the last step (0 at step 0) */
    double loss;      /* the last step's training loss (NaN at step 0) */
    size_t tokens;    /* tokens trained on so far */
    /* With roles: their held-out loss; else the held-out loss evaluated
     * after this step (eval_every), or NaN. */
    double heldout;
    /* Head roles measured after this step, else NULL. */
    const model_heads_report *roles;
    /* Head roles are measured right after this call; the next call, for
     * the same step, carries them. */
    bool roles_next;
    const model *model; /* the parameters now */
} model_train_progress;

typedef struct model_train_hooks {
    /* Held-out loss (model_heads_loss) every eval_every steps and after
     * the last (0: after the last only), on eval_sequences sequences (0:
     * never). */
    size_t eval_every, eval_sequences;
    /* Head roles (model_heads_measure) every roles_every steps and after
     * the last (0: after the last only), on roles_sequences sequences (0:
     * never); with roles_at_start also before the first step. */
    size_t roles_every, roles_sequences;
    bool roles_at_start;
    /* Called after every step, and once more after each head measurement
     * (also at step 0 with roles_at_start). Returns 0 to go on, 1 to stop
     * now (the loop returns ATTN_OK, fewer steps taken), or 2 to fail: the
     * loop returns ATTN_ERR_INPUT with the hook's message in err. May be
     * NULL. */
    int (*progress)(void *user, const model_train_progress *p, char *err, size_t err_len);
    void *user;
} model_train_hooks;

/* Trains a fresh model by the recipe: the corpus's vocabulary,
 * model_init_gpt2 with the seed (then the sinusoidal positions, when
 * asked), the corpus drawn with the seed and the mix, one AdamW step per
 * batch. The same recipe gives the same bits on one thread or two.
 * On ATTN_OK *m holds the trained model (model_free it), *roles the last
 * head measurement (zeroed when there was none; model_heads_report_free
 * it) and *steps_done the steps taken. On failure (a recipe that does not
 * check, a loss that is no longer finite, a failed measurement, a hook's
 * 2, out of memory) nothing is left to free and err says why. h may be
 * NULL (no hooks). */
attn_status model_train_run(const model_recipe *r, const model_train_hooks *h, model *m,
                            model_heads_report *roles, size_t *steps_done, char *err,
                            size_t err_len);

/* ---- what a trained model's file records ----------------------------------- */

/* The held-out sequences the head roles in a saved file are measured on. */
#define MODEL_TRAIN_ROLES_SEQUENCES 400

/* model_save_meta with the training record as metadata: the recipe's
 * seed, steps, batch, lr, lr_min and mix ("attnviz.train.*"; floats to six
 * significant digits), the held-out and unigram losses of roles
 * ("attnviz.heldout_loss", "attnviz.unigram_loss") and every head's scores
 * as JSON ("attnviz.heads": [{"layer": l, "head": h, "scores": {role:
 * score, ...}}, ...], layers and heads from 0, scores to four decimals).
 * No time or date: the same model and record give the same bytes. */
attn_status model_save_trained(const model *m, const char *path, const model_recipe *r,
                               const model_heads_report *roles, char *err, size_t err_len);

/* The recipe a file records, from model_load_meta's metadata: the sizes
 * are c's (the model's), seed, steps, batch, lr, lr_min and mix the
 * file's, everything else model_recipe_default's (a file does not record
 * it). *found is false, and r the default for c, when the file records no
 * recipe; a malformed or missing key is refused with the file and the key. */
attn_status model_meta_read_recipe(const model_meta *meta, const model_config *c,
                                   const char *file, model_recipe *r, bool *found, char *err,
                                   size_t err_len);

/* The head roles a file records ("attnviz.heads", and the losses: 0 when
 * absent), for a model of sizes c. Every (layer, head) exactly once, every
 * role a number from 0 to 1; unknown extra roles are ignored (a newer
 * file). *found is false, and r zeroed, when the file has no
 * "attnviz.heads"; a malformed one is refused with the file and the key.
 * Free r with model_heads_report_free. */
attn_status model_meta_read_heads(const model_meta *meta, const model_config *c,
                                  const char *file, model_heads_report *r, bool *found,
                                  char *err, size_t err_len);

#endif
