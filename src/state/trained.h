/* The "trained model" weight source: a small GPT-2 trained by attnviz
 * (model.h), loaded from safetensors, run on the app's sentence. The
 * walkthrough shows one layer's attention: X is that layer's LN_1 output,
 * so every stage on screen is the model's real computation. */
#ifndef ATTNVIZ_APP_TRAINED_H
#define ATTNVIZ_APP_TRAINED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/heads.h"
#include "attnviz/lesson.h"
#include "attnviz/model.h"
#include "paths.h"

#define STATE_TRAINED_TOKENS_MAX 256 /* bounded by the model's context anyway */
#define STATE_PRUNE_MAX 1024         /* layers × heads the pruning flags cover */

typedef struct state_trained {
    char path[STATE_PATH_MAX];
    model model;          /* weights and vocabulary */
    model_meta meta;      /* the file's own metadata (training settings, head roles) */
    /* What each head does: from the file's "attnviz.heads" metadata (written
     * by attnviz train), else measured when loaded. */
    model_heads_report roles;
    bool have_roles;
    char roles_note[320]; /* where the roles came from, or why there are none */
    /* The current sentence: ids[0] is <|endoftext|> (as in training), then
     * one id per word; unknown[i] marks a word the vocabulary lacks (run as
     * <unk>, shown as the word itself, marked). */
    model_run run;
    int32_t ids[STATE_TRAINED_TOKENS_MAX];
    attn_token spans[STATE_TRAINED_TOKENS_MAX];
    bool unknown[STATE_TRAINED_TOKENS_MAX];
    size_t n;
    uint8_t head_off[STATE_PRUNE_MAX]; /* (layer · H + head): 1 = switched off */
    /* The next-token distribution after the last token with every head on,
     * to compare a pruned run with (n_vocab floats). */
    float *probs_all_on;
    uint64_t version; /* bumped by every successful run */
} state_trained;

/* The shipped model: DATA/assets/models/attnviz-heads.safetensors, DATA being
 * the data folder of state_data_dir (paths.h). Valid until the next call. */
const char *state_trained_shipped_path(void);

/* path itself, or the shipped model's path for "" or NULL. */
const char *state_trained_resolve(const char *path);

/* The shipped model's sizes for the lesson parser (lesson_parse's
 * `trained`), written to *shape: shape, or NULL when the model cannot be
 * read (lessons' "weights: trained" steps are then errors that say so).
 * Reads the file: ask once for a batch of lessons. */
const lesson_model_shape *state_trained_lesson_shape(lesson_model_shape *shape);

/* Loads path ("" or NULL: the shipped model). Returns 0, or 2 with the
 * loader's message (file, tensor and problem). t is zeroed on failure.
 * Head roles come from the file's "attnviz.heads" (a malformed one refuses
 * the file, naming the key), else they are measured on 64 held-out
 * sequences; a model trained on other text loads without roles
 * (have_roles false, roles_note says why). */
int state_trained_load(state_trained *t, const char *path, char *err, size_t err_len);
/* The same; flags STATE_TRAINED_NO_ROLES skips the roles (the dump). */
enum { STATE_TRAINED_NO_ROLES = 1 };
int state_trained_load_ex(state_trained *t, const char *path, unsigned flags, char *err,
                        size_t err_len);
void state_trained_free(state_trained *t);

/* The sizes of the model at path ("" or NULL: shipped), checked as
 * state_trained_load would, without keeping it: for the command line, which
 * checks --layer and --head before it opens anything. Returns 0 or 2. */
int state_trained_peek(const char *path, model_config *c, char *err, size_t err_len);

/* Encodes sentence with the model's vocabulary and runs the model with the
 * heads in head_off (STATE_PRUNE_MAX flags, may be NULL) switched off. A
 * sentence that does not encode, or is longer than the context, is refused
 * with a message and *bad (may be NULL) ATTN_SETTING_SENTENCE. */
int state_trained_run(state_trained *t, const char *sentence, const uint8_t *head_off,
                      attn_setting *bad, char *err, size_t err_len);

/* The k most likely next tokens after the last one (with pruning as run,
 * or all_on for every head on): ids and probabilities, most likely first.
 * Returns how many were written (≤ k, ≤ vocabulary). */
size_t state_trained_top(const state_trained *t, bool all_on, size_t k, int32_t *ids, float *p);

/* New parameters (live training: the same sizes) and a rerun on the same
 * sentence and pruning. Returns 0 or 2. */
int state_trained_set_params(state_trained *t, const float *params, size_t n_params, char *err,
                           size_t err_len);

/* Token i of the last run as the model sees it: its vocabulary word
 * ("<|endoftext|>", "the", "<unk>" for an unknown word). */
const char *state_trained_word(const state_trained *t, size_t i);

#endif
