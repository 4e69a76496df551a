/* The "trained model" weight source: a small GPT-2 trained by attnviz
 * (model.h), or a real GPT-2 checkpoint (gpt2.h: a safetensors file, a
 * folder, or a family name found in the Hugging Face cache), loaded and
 * run on the app's sentence. The
 * walkthrough shows one layer's attention: X is that layer's LN_1 output,
 * so every stage on screen is the model's real computation. */
#ifndef ATTNVIZ_APP_TRAINED_H
#define ATTNVIZ_APP_TRAINED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/bpe.h"
#include "attnviz/detect.h"
#include "attnviz/heads.h"
#include "attnviz/lesson.h"
#include "attnviz/model.h"
#include "paths.h"

#define STATE_TRAINED_TOKENS_MAX 256 /* bounded by the model's context anyway */
#define STATE_PRUNE_MAX 1024         /* layers × heads the pruning flags cover */

typedef struct state_trained {
    char path[STATE_PATH_MAX]; /* what was asked for: a file, a folder or a name */
    char file[STATE_PATH_MAX]; /* the weights file read */
    bool gpt2;                 /* a GPT-2 checkpoint (else a model attnviz saved) */
    /* GPT-2: its tokenizer (the files beside the model, else the shipped
     * GPT-2 vocabulary for a model of 50257 tokens) and where it came from;
     * NULL and "" for an attnviz model, whose words are its own. */
    model_bpe *bpe;
    char tokenizer_note[STATE_PATH_MAX + 96];
    bool tokenizer_shipped; /* the shipped copy, none being beside the model */
    unsigned flags;       /* of state_trained_load_ex */
    model model;          /* weights (and an attnviz model's vocabulary) */
    model_meta meta;      /* the file's own metadata (training settings, head roles) */
    /* What each head does: from the file's "attnviz.heads" metadata (written
     * by attnviz train), else measured when loaded. */
    model_heads_report roles;
    bool have_roles;
    char roles_note[320]; /* where the roles came from, or why there are none */
    /* GPT-2: the detectors' own scores (detect.h), duplicate-token
     * included, which roles has no place for; and the measurement on its
     * thread while it runs (trained_roles.c). */
    model_detect_report detect;
    bool have_detect;
    struct state_roles_job *roles_job;
    /* The current sentence: ids[0] is <|endoftext|> (as in training), then
     * one id per word; unknown[i] marks a word the vocabulary lacks (run as
     * <unk>, shown as the word itself, marked). */
    model_run run;
    /* GPT-2: every layer's attention weights in the core's layout, read by
     * run and spare alike (model_attn_make); NULL for an attnviz model,
     * whose run holds its own. */
    attn_weights *attn;
    /* GPT-2: the run a new sentence is computed in on a thread while run
     * stays on screen (trained_job.c); the two trade places when it ends. */
    model_run spare;
    struct state_run_job *run_job;
    char *sentence; /* what run was run on (NULL before the first run) */
    /* GPT-2: the lens (trained_lens.h) the thread computed with its run,
     * so the window never computes it; NULL until then. */
    struct state_lens *lens_ready;
    int32_t ids[STATE_TRAINED_TOKENS_MAX];
    attn_token spans[STATE_TRAINED_TOKENS_MAX];
    bool unknown[STATE_TRAINED_TOKENS_MAX];
    size_t n;
    /* GPT-2: each token's shown form ("·animal", model_bpe_display), NUL
     * after each, token i at shown + shown_at[i]. */
    char *shown;
    size_t shown_at[STATE_TRAINED_TOKENS_MAX];
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

/* Loads path ("" or NULL: the shipped model). Returns ATTN_OK, or a failure with the
 * loader's message (file, tensor and problem). t is zeroed on failure.
 * Head roles come from the file's "attnviz.heads" (a malformed one refuses
 * the file, naming the key), else they are measured on 64 held-out
 * sequences; a model trained on other text loads without roles
 * (have_roles false, roles_note says why). */
attn_status state_trained_load(state_trained *t, const char *path, char *err, size_t err_len);
/* The same with flags: STATE_TRAINED_NO_ROLES skips the roles (the dump);
 * STATE_TRAINED_ALL_LOGITS keeps every position's logits (a GPT-2 keeps the
 * last position's only, unless asked: 50257 floats a token).
 *
 * path may name a GPT-2 (state_model_is_gpt2): its sentence is then
 * encoded with GPT-2's BPE after <|endoftext|>, its tokens shown as
 * model_bpe_display shows them, its run sized for the sentence (grown up to
 * STATE_TRAINED_TOKENS_MAX as sentences need) and its head roles
 * measured on a thread (state_trained_roles_poll takes them; not with
 * STATE_TRAINED_NO_ROLES). */
enum { STATE_TRAINED_NO_ROLES = 1, STATE_TRAINED_ALL_LOGITS = 2 };
attn_status state_trained_load_ex(state_trained *t, const char *path, unsigned flags, char *err,
                        size_t err_len);
void state_trained_free(state_trained *t);

/* The sizes of the model at path ("" or NULL: shipped; a GPT-2 from its
 * file's header only), checked as state_trained_load would, without keeping it: for the command line, which
 * checks --layer and --head before it opens anything. Returns ATTN_OK or a failure. */
attn_status state_trained_peek(const char *path, model_config *c, char *err, size_t err_len);

/* Encodes sentence with the model's vocabulary and runs the model with the
 * heads in head_off (STATE_PRUNE_MAX flags, may be NULL) switched off. A
 * sentence that does not encode, or is longer than the context, is refused
 * with a message and *bad (may be NULL) ATTN_SETTING_SENTENCE. */
attn_status state_trained_run(state_trained *t, const char *sentence, const uint8_t *head_off,
                      attn_setting *bad, char *err, size_t err_len);

/* The k most likely next tokens after the last one (with pruning as run,
 * or all_on for every head on): ids and probabilities, most likely first.
 * Returns how many were written (≤ k, ≤ vocabulary). */
size_t state_trained_top(const state_trained *t, bool all_on, size_t k, int32_t *ids, float *p);

/* New parameters (live training: the same sizes) and a rerun on the same
 * sentence and pruning. Returns ATTN_OK or a failure. */
attn_status state_trained_set_params(state_trained *t, const float *params, size_t n_params, char *err,
                           size_t err_len);

/* Token i of the last run as the model sees it: its vocabulary word
 * ("<|endoftext|>", "the", "<unk>" for an unknown word), or a GPT-2's piece
 * as shown ("·animal"; "<|endoftext|>" for the start token). */
const char *state_trained_word(const state_trained *t, size_t i);

/* Token id as text, for predictions: the vocabulary word, or a GPT-2's
 * piece as shown; "#id" for an id neither has. Like snprintf: returns the
 * length of the whole text. */
size_t state_trained_token_text(const state_trained *t, int32_t id, char *out, size_t cap);

/* The row of probabilities after the last token of the last run (the run
 * may keep the last position's logits only). NULL before a run. */
const float *state_trained_last_probs(const state_trained *t);

/* ---- a GPT-2's run on a thread (trained_job.c) ------------------------------- */

/* GPT-2 small reads a sentence in a tenth of a second to a second: too long
 * for a frame. state_trained_run_start encodes the sentence at once (a
 * sentence that does not encode is refused here, *bad (may be NULL)
 * ATTN_SETTING_SENTENCE) and runs the model on a thread into t->spare, with
 * the heads in head_off (may be NULL) switched off, and the lens of its
 * prediction; t's run, tokens and version stay as they were until
 * state_trained_run_poll takes the result. A run already under way is
 * stopped first. Only for a GPT-2 (ATTN_ERR_CONFIG otherwise). */
attn_status state_trained_run_start(state_trained *t, const char *sentence, const uint8_t *head_off,
                                    attn_setting *bad, char *err, size_t err_len);
/* Whether the run under way is on this sentence with these heads off
 * (head_off may be NULL: none). */
bool state_trained_run_is_on(const state_trained *t, const char *sentence,
                             const uint8_t *head_off);
/* How a run on a thread stands: whether one runs, layers done of total
 * (two passes of the layers when heads are off: every head on first). */
typedef struct state_run_status {
    bool running;
    size_t done, total;
    size_t tokens; /* the tokens it reads, start token included */
} state_run_status;
state_run_status state_trained_run_status(const state_trained *t);
/* Once a frame (cheap): when the run has ended, takes its result: on
 * success t's run, tokens, pruning and lens become the new sentence's and
 * version is bumped. Returns false when nothing ended (running or none),
 * true when this call took an ended run, with *result ATTN_OK or the
 * failure (err says why; t is then as before the start). */
bool state_trained_run_poll(state_trained *t, attn_status *result, char *err, size_t err_len);
/* Stops a run under way (after the layer it is in) and waits for it;
 * nothing of it is taken. Nothing when none runs. */
void state_trained_run_stop(state_trained *t);

/* ---- GPT-2's head roles, on a thread (trained_roles.c) ---------------------- */

/* A GPT-2's roles come from the standard detectors (detect.h: random tokens
 * repeated twice), seconds of work for GPT-2 small: state_trained_load_ex
 * starts them on a thread of their own (not with STATE_TRAINED_NO_ROLES),
 * once per loaded checkpoint; sentences and pruning do not touch them. */
#define STATE_ROLES_METHOD "random tokens repeated twice (Olsson et al. 2022)"

/* Starts the measurement when t is a GPT-2 without roles and none runs.
 * Returns ATTN_OK (also when there is nothing to do) or a failure (no
 * thread), which roles_note then says too. */
attn_status state_trained_roles_start(state_trained *t, char *err, size_t err_len);
/* Once a frame (cheap): while the measurement runs, roles_note says how far
 * it is ("measuring head roles on random repeated tokens: 3/8") and the
 * answer is true; when it has ended, takes its results (roles, have_roles,
 * detect, roles_note saying how they were measured, or why not) and
 * answers false. *finished (may be NULL) is set when this call took them. */
bool state_trained_roles_poll(state_trained *t, bool *finished);
/* Asks the measurement to stop and waits for it (at most one sequence's
 * work); roles_note then says it was stopped. Nothing when none runs. */
void state_trained_roles_stop(state_trained *t);

/* ---- GPT-2 (trained_gpt2.c) ----------------------------------------------- */

/* Whether what names a GPT-2 rather than a model file attnviz saved: a
 * folder, a family name (gpt2, distilgpt2, gpt2-medium, gpt2-large) that is
 * not a path, or a safetensors file without attnviz's metadata that holds
 * wte.weight. "" or NULL (the shipped model): false. */
bool state_model_is_gpt2(const char *what);

/* The sizes of the GPT-2 what names, from its file's header (nothing is
 * loaded), and the weights file found (weights may be NULL). The message
 * of a name not in the cache says where it looked and how to get it. */
attn_status state_gpt2_peek(const char *what, model_config *c, char *weights, size_t weights_len,
                            char *err, size_t err_len);

/* What state_model_apply would refuse in s (a GPT-2 named by
 * s->model_path) without loading its weights: the file's header, the
 * layer, the tokenizer, the sentence within the context. *bad is the
 * setting a failure is about. For the command line, before a window opens
 * and loads the model once. */
struct state_settings;
attn_status state_gpt2_check(const struct state_settings *s, attn_setting *bad, char *err,
                             size_t err_len);

/* The tokenizer of the GPT-2 whose weights file is weights: vocab.json +
 * merges.txt or encoder.json + vocab.bpe beside it, else the shipped
 * GPT-2 vocabulary when the model has 50257 tokens (*shipped true), else
 * refused. note (may be NULL) says which was taken, in words. A tokenizer with more tokens than
 * the model, or without <|endoftext|>, is refused. */
attn_status state_gpt2_tokenizer(const char *weights, size_t n_vocab, model_bpe **out,
                                 bool *shipped, char *note, size_t note_len, char *err,
                                 size_t err_len);
/* The same from what the user typed (state_gpt2_peek's what). */
attn_status state_gpt2_open_tokenizer(const char *what, model_bpe **out, bool *shipped,
                                      char *note, size_t note_len, char *err, size_t err_len);

/* t's sentence through its BPE: ids[0] <|endoftext|>, then the pieces;
 * spans[i] their bytes in sentence (spans[0] empty). Refuses more than
 * limit ids with the count and the limit, and malformed UTF-8. */
attn_status state_gpt2_encode(const state_trained *t, const char *sentence, size_t limit,
                              int32_t *ids, attn_token *spans, size_t *n_out, char *err,
                              size_t err_len);
/* Token id's shown form (model_bpe_display; "<|endoftext|>" for it), like
 * snprintf. */
size_t state_gpt2_shown(const state_trained *t, int32_t id, char *out, size_t cap);

#endif
