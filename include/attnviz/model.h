/* attnviz model: a small GPT-2 (Radford et al. 2019) whose attention is the
 * core's attn_forward, so every layer has the trace the walkthrough shows.
 *
 *   x      = wte[ids] + wpe[0..n)                     (n, d)
 *   block l, for l = 0 .. L-1 (pre-LayerNorm):
 *     a    = LN_1(x)                                  the X of layer l's trace
 *     x   += attention(a)   causal, Q/K/V from c_attn, output through c_proj
 *     m    = LN_2(x)
 *     x   += GELU(m · c_fc + b) · mlp.c_proj + b
 *   y      = LN_f(x)
 *   logits = y · wteᵀ                                 (n, vocab), tied embedding
 *
 * Weights keep GPT-2's names and layouts (Conv1D: W is (in, out), y = x·W + b;
 * c_attn is (d, 3d) with Q, K, V side by side), so a GPT-2 checkpoint can be
 * read by the same code. LayerNorm uses eps 1e-5; GELU is the tanh
 * approximation GPT-2 used (Hendrycks & Gimpel 2016).
 *
 * Errors are values (attn_status plus a one-line message), as in the core. */
#ifndef ATTNVIZ_MODEL_H
#define ATTNVIZ_MODEL_H

#include "attnviz/attn.h"
#include "attnviz/tokenize.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define MODEL_LAYERS_MAX 48
#define MODEL_CTX_MAX 4096
#define MODEL_VOCAB_MAX 262144
#define MODEL_WORD_MAX 64 /* bytes in one vocabulary word, NUL excluded */
#define MODEL_LN_EPS 1e-5f
/* Parameters a model may have: 2^30 (4 GiB of floats), or where size_t is 32
 * bits (the browser) 2^26, so that the parameters, the trainer's three
 * buffers of the same size and the app's copies stay well inside the
 * addressable 4 GiB.
 * A GPT-2 checkpoint is only read and run: never trained, never copied whole.
 * In 32 bits it may have MODEL_PARAMS_MAX_RUN = 2^27 (GPT-2 small's 124
 * million): 512 MiB of floats, plus the file's copy while it is read (the
 * browser maps a file by copying it), inside wasm32's 2 GiB. */
#if SIZE_MAX > 0xFFFFFFFFu
#define MODEL_PARAMS_MAX ((size_t)1 << 30)
#define MODEL_PARAMS_MAX_RUN MODEL_PARAMS_MAX
/* which GPT-2s are over it, and what to do: for the message that refuses one */
#define MODEL_PARAMS_MAX_GPT2 "gpt2-xl is over it: use gpt2-large or a smaller model"
#else
#define MODEL_PARAMS_MAX ((size_t)1 << 26)
#define MODEL_PARAMS_MAX_RUN ((size_t)1 << 27)
#define MODEL_PARAMS_MAX_GPT2 \
    "in 32 bits, as in the browser, GPT-2 small fits and gpt2-medium is over it: open it " \
    "in the desktop app"
#endif

/* Token 0 starts every sequence (GPT-2's <|endoftext|>); token 1 stands for
 * a word the vocabulary lacks. */
#define MODEL_TOKEN_EOT 0
#define MODEL_TOKEN_UNK 1

typedef struct model_config {
    size_t n_layers;
    size_t n_heads;
    size_t d_model;
    size_t n_ctx;   /* longest sequence (rows of wpe) */
    size_t n_vocab; /* rows of wte */
} model_config;

/* The settings of a model and its training a message can be about (as
 * attn_setting is for attention): a check that fails says which one to
 * change, and its message starts with the setting's plain name
 * (model_setting_name) and the value, e.g. "learning rate 2 is out of
 * range: use (0, 1]". The command line names them by its options. */
typedef enum model_setting {
    MODEL_SETTING_NONE,
    MODEL_SETTING_LAYERS,
    MODEL_SETTING_HEADS,
    MODEL_SETTING_D_MODEL,
    MODEL_SETTING_CONTEXT,
    MODEL_SETTING_BATCH,
    MODEL_SETTING_SEQ,
    MODEL_SETTING_STEPS,
    MODEL_SETTING_WARMUP,
    MODEL_SETTING_LR,
    MODEL_SETTING_LR_MIN,
    MODEL_SETTING_WEIGHT_DECAY,
    MODEL_SETTING_GRAD_CLIP,
    MODEL_SETTING_THREADS,
    MODEL_SETTING_SEED,
    MODEL_SETTING_COUNT,
} model_setting;

/* "layers", "heads", "d_model", "context", "batch", "sequence length",
 * "steps", "warmup", "learning rate", "minimum learning rate", "weight
 * decay", "gradient clip", "threads", "seed"; "" for MODEL_SETTING_NONE. */
const char *model_setting_name(model_setting s);

/* Ranges and divisibility; on failure *bad (may be NULL) is the setting to
 * change, and the message names it and the fix. */
attn_status model_config_check(const model_config *c, model_setting *bad, char *err,
                               size_t err_len);

/* The core config of one attention layer: causal, scaled, temperature 1,
 * n_kv_heads = n_heads. */
attn_config model_attn_config(const model_config *c);

/* ---- vocabulary ------------------------------------------------------- */

/* n == 0 (every field zero) is "no word vocabulary": a model that reads
 * and gives token ids only, like a GPT-2 checkpoint (model_gpt2.h), whose
 * text goes through GPT-2's BPE instead. model_vocab_find finds nothing in
 * it and model_vocab_encode refuses it; callers that show words check n. */
typedef struct model_vocab {
    size_t n;
    char **words;       /* words[id], NUL-terminated */
    uint32_t *table;    /* open-addressing hash of ids + 1 (0 = empty) */
    size_t table_size;  /* a power of two, at least 2n */
    char *storage;      /* the words' bytes */
} model_vocab;

/* Copies n words (2 or more: ids MODEL_TOKEN_EOT and MODEL_TOKEN_UNK).
 * Refuses an empty or too long word, one with a space or a control
 * character, and duplicates, naming the word. */
attn_status model_vocab_init(model_vocab *v, const char *const *words, size_t n, char *err,
                             size_t err_len);
void model_vocab_free(model_vocab *v);
/* Id of the word (exact bytes, len of them), or -1. */
int32_t model_vocab_find(const model_vocab *v, const char *word, size_t len);

/* Splits text with the core tokenizer, lowercases ASCII letters and looks
 * each token up: ids[0] = MODEL_TOKEN_EOT (as in training), then one id per
 * token, MODEL_TOKEN_UNK for unknown words. spans (may be NULL) get the
 * tokens' byte ranges in text, spans[0] an empty span at 0. *n_out counts
 * ids, EOT included. Refuses more than max_ids ids (the message gives the
 * count and the limit) and malformed UTF-8. */
attn_status model_vocab_encode(const model_vocab *v, const char *text, int32_t *ids,
                               attn_token *spans, size_t max_ids, size_t *n_out, char *err,
                               size_t err_len);

/* ---- parameters ------------------------------------------------------- */

/* Tensors of all layers are stacked: layer l of ln1_w is ln1_w + l·d. */
typedef struct model_params {
    float *wte;      /* (vocab, d) */
    float *wpe;      /* (ctx, d) */
    float *ln1_w;    /* (L, d) */
    float *ln1_b;    /* (L, d) */
    float *attn_w;   /* (L, d, 3d)  h.l.attn.c_attn.weight */
    float *attn_b;   /* (L, 3d) */
    float *proj_w;   /* (L, d, d)   h.l.attn.c_proj.weight */
    float *proj_b;   /* (L, d) */
    float *ln2_w;    /* (L, d) */
    float *ln2_b;    /* (L, d) */
    float *fc_w;     /* (L, d, 4d)  h.l.mlp.c_fc.weight */
    float *fc_b;     /* (L, 4d) */
    float *fcproj_w; /* (L, 4d, d)  h.l.mlp.c_proj.weight */
    float *fcproj_b; /* (L, d) */
    float *lnf_w;    /* (d) */
    float *lnf_b;    /* (d) */
} model_params;

#define MODEL_PARAM_TENSORS 16

/* Floats in each of the 16 tensors, in model_params order; returns the sum.
 * A size or the sum that does not fit a size_t is SIZE_MAX (checked.h), which
 * model_init refuses as more than MODEL_PARAMS_MAX. */
size_t model_param_sizes(const model_config *c, size_t sizes[MODEL_PARAM_TENSORS]);
/* Points the 16 tensors into block (model_param_sizes' sum of floats). */
void model_params_point(model_params *p, const model_config *c, float *block);
/* Whether tensor i (model_params order) is a matrix (weight decay applies). */
int model_param_is_matrix(size_t i);

typedef struct model {
    model_config config;
    model_vocab vocab;
    model_params params;
    float *block;    /* every parameter, one allocation */
    size_t n_params; /* floats in block */
} model;

/* Allocates zeroed parameters and copies the vocabulary (vocab->n must equal
 * c->n_vocab; vocab NULL or with n 0 makes a model without a word
 * vocabulary, m->vocab.n == 0). Refuses (ATTN_ERR_LIMIT) more than MODEL_PARAMS_MAX
 * parameters. */
attn_status model_init(model *m, const model_config *c, const model_vocab *vocab, char *err,
                       size_t err_len);
/* The same for a model that is only read and run (a GPT-2 checkpoint): up to
 * MODEL_PARAMS_MAX_RUN parameters, not zeroed: the caller writes every one
 * (zeroing GPT-2 small's 500 MB takes the browser seconds). Train or copy it
 * whole only where n_params <= MODEL_PARAMS_MAX. */
attn_status model_init_run_only(model *m, const model_config *c, const model_vocab *vocab,
                                char *err, size_t err_len);
void model_free(model *m);
/* The largest |parameter|: what to name when finite weights overflow. */
float model_largest_weight(const model *m);
/* The file's name of the tensor holding the largest |parameter|
 * ("h.0.attn.c_attn.weight"), written into name; returns that |parameter|. */
float model_largest_tensor(const model *m, char *name, size_t name_len);
/* GPT-2's initialisation, deterministic for the seed: weights N(0, 0.02²)
 * (wpe 0.01², as in GPT-2's code), the two projections into the residual
 * stream (c_proj) N(0, (0.02/√(2L))²),
 * biases 0, LayerNorm gains 1 and offsets 0. */
void model_init_gpt2(model *m, uint64_t seed);

/* Replaces wpe by the sinusoidal positions of Vaswani et al. 2017 (§3.5)
 * times scale: still learned, but starting from a structure in which "the
 * position before this one" is a fixed linear map of this one, so a
 * previous-token head is within one step of gradient descent instead of
 * having to be found. (GPT-2 starts wpe at random, and so does the shipped
 * recipe; a model_recipe's pos_sinusoid asks for this start.) */
void model_init_positions_sinusoid(model *m, float scale);

/* ---- inference: one sequence, every stage kept -------------------------- */

/* A forward watched from another thread: model_forward counts the
 * forwards it began and stores how many layers of the latest it has
 * finished, and when stop is set it ends after the layer
 * under way with ATTN_ERR_IO ("stopped as asked"). The app runs a GPT-2 on
 * a thread this way: a progress mark while it works, and a newer sentence
 * need not wait for an older one. */
typedef struct model_watch {
    atomic_size_t forwards;
    atomic_size_t layers_done;
    atomic_bool stop;
} model_watch;

/* Every activation of one sequence, kept for the views and for backward.
 * Per-layer arrays are stacked: layer l of ln2 is ln2 + l·n_max·d. */
typedef struct model_run {
    size_t n_max;            /* capacity in tokens */
    size_t n;                /* tokens of the last forward */
    size_t n_layers;
    model_config config;     /* sizes of the model it was made for */
    attn_trace *trace;       /* one per layer; trace[l].x is layer l's LN_1 output */
    attn_weights *attn;      /* per layer, c_attn / c_proj in the core's layout */
    int owns_attn;           /* 0 when attn is shared with other runs (training) */
    float *resid;            /* (L+1, n_max, d): the stream entering each block, then after the last */
    float *mid;              /* (L, n_max, d): the stream after each block's attention */
    float *ln1_mean, *ln1_rstd; /* (L, n_max) LayerNorm statistics, for backward */
    float *ln2;              /* (L, n_max, d) LN_2 output */
    float *ln2_mean, *ln2_rstd; /* (L, n_max) */
    float *fc;               /* (L, n_max, 4d) c_fc output before GELU */
    float *gelu;             /* (L, n_max, 4d) GELU output */
    float *lnf;              /* (n_max, d) LN_f output */
    float *lnf_mean, *lnf_rstd; /* (n_max) */
    float *logits;           /* (logit_rows, vocab) */
    float *probs;            /* (logit_rows, vocab) softmax of logits */
    size_t logit_rows;       /* n_max, or 1: the last position's row only (MODEL_LOGITS_LAST) */
    float *scratch;          /* GEMM packing: scratch_parts parts */
    size_t scratch_parts;    /* 2 for a run of its own, 1 for one sharing attn (training) */
    size_t threads;          /* 1 (the default) or 2: model_forward's large products and the
                                heads on two threads, with the same bits as on one */
    model_watch *watch;      /* NULL, or where model_forward reports (model_watch) */
    float *block;
} model_run;

/* Which positions' logits a run keeps. */
typedef enum model_logits {
    MODEL_LOGITS_ALL,  /* every position: (n_max, vocab); training and the shipped model */
    MODEL_LOGITS_LAST, /* the last position of each forward only: (1, vocab), row 0 */
} model_logits;

/* A run keeping every position's logits (MODEL_LOGITS_ALL). */
attn_status model_run_init(model_run *r, const model *m, size_t n_max, char *err, size_t err_len);
/* The same, choosing the logits kept: MODEL_LOGITS_LAST for a large
 * vocabulary (GPT-2's 50257) saves n_max − 1 rows of logits and of
 * probabilities; model_run_loss then gives 0 (it needs every row). */
attn_status model_run_init_logits(model_run *r, const model *m, size_t n_max, model_logits which,
                                  char *err, size_t err_len);
void model_run_free(model_run *r);
/* Every layer's attention weights in the core's layout (c_attn split into
 * W_Q, W_K, W_V; c_proj as W_O), made once for runs that share them:
 * GPT-2 small's are 113 MB, which two runs of one model need not hold
 * twice. *out is an array of n_layers, freed by model_attn_free. */
attn_status model_attn_make(const model *m, attn_weights **out, char *err, size_t err_len);
void model_attn_free(attn_weights *attn, size_t n_layers);
/* A run reading attn (model_attn_make's, which must outlive it) instead of
 * a copy of its own; like a run of its own it may use two threads.
 * model_run_sync on it writes the shared weights. */
attn_status model_run_init_reading(model_run *r, const model *m, size_t n_max, model_logits which,
                                   attn_weights *attn, char *err, size_t err_len);
/* Copies c_attn and c_proj into the core's per-layer weights. Call after
 * the parameters change (model_forward does not, to stay cheap). */
void model_run_sync(model_run *r, const model *m);
/* Runs the model on ids[0..n). head_off (L·H entries, may be NULL) switches
 * heads off: a head that is off contributes zeros to the concat before
 * c_proj (Michel et al. 2019's head masking). */
attn_status model_forward(model_run *r, const model *m, const int32_t *ids, size_t n,
                          const uint8_t *head_off, char *err, size_t err_len);
/* Mean cross-entropy (nats) of the last forward predicting ids[1..n) from
 * positions 0..n-2. */
double model_run_loss(const model_run *r, const model *m, const int32_t *ids, size_t n);
/* Refuses (ATTN_ERR_INPUT) a last forward holding a value that is not
 * finite, other than the causal mask's -inf: finite weights too large for
 * float32 overflow, and an overflowed score must never pass for a masked
 * one. The message names the layer, the stage and the tensor with the
 * largest weight, e.g. "the attention scores of layer 1 overflow float32
 * (-inf) on this text: the weights are too large (h.0.attn.c_attn.weight
 * holds 3e+38); retrain the model". */
attn_status model_run_check(const model_run *r, const model *m, char *err, size_t err_len);

/* ---- training ------------------------------------------------------------ */

typedef struct model_train_config {
    size_t batch;        /* sequences per step */
    size_t seq;          /* tokens each sequence predicts (≤ n_ctx) */
    size_t steps;        /* optimiser steps in all (for the schedule) */
    size_t warmup;       /* steps of linear warm-up */
    float lr;            /* peak learning rate */
    float lr_min;        /* where the cosine decay ends */
    float beta1, beta2, eps;
    float weight_decay;  /* decoupled (AdamW), matrices and embeddings only */
    float grad_clip;     /* clip the global gradient norm to this; 0: never */
    size_t threads;      /* 1 or 2: the result is the same bits either way */
} model_train_config;

/* The shipped recipe's (train.h): batch 32 × 64, 6000 steps, 100 of
 * warm-up, lr 3e-3 to 3e-4, betas 0.9 and 0.95, eps 1e-8, weight decay
 * 0.1, clip 1, two threads. */
model_train_config model_train_config_default(void);
/* On failure *bad (may be NULL) is the setting to change, and the message
 * names it and the fix. */
attn_status model_train_config_check(const model_train_config *c, const model_config *mc,
                                     model_setting *bad, char *err, size_t err_len);
/* Learning rate at step (0-based): linear warm-up to lr over `warmup`
 * steps, then a cosine from lr down to lr_min at the last step. */
float model_train_lr(const model_train_config *c, size_t step);

/* AdamW (Loshchilov & Hutter 2019) state, gradients and per-thread work
 * space. The batch is always split in the same two halves, whose gradients
 * are added in a fixed order, so one thread or two give the same bits. */
typedef struct model_worker model_worker; /* model_train.c */
typedef struct model_trainer {
    model_train_config config;
    size_t step;         /* optimiser steps taken */
    size_t n_params;
    size_t n_layers;
    float *grad;         /* d loss / d params, the model's layout (model_params_point) */
    float *adam_m;       /* first moments */
    float *adam_v;       /* second moments */
    double grad_norm;    /* of the last gradient, before clipping */
    attn_weights *attn;  /* the core layout of each layer's c_attn / c_proj */
    model_worker *worker[2];
    float *block;
} model_trainer;

attn_status model_trainer_init(model_trainer *t, const model *m, const model_train_config *c,
                               char *err, size_t err_len);
void model_trainer_free(model_trainer *t);
/* Forward and backward over inputs and targets (batch × seq ids each,
 * row-major): the mean cross-entropy in *loss (nats) and its gradient in
 * t->grad. */
attn_status model_trainer_grad(model_trainer *t, const model *m, const int32_t *inputs,
                               const int32_t *targets, double *loss, char *err, size_t err_len);
/* One AdamW step with the gradient in t->grad at model_train_lr(step). */
void model_trainer_update(model_trainer *t, model *m);

/* ---- files (safetensors, GPT-2 tensor names) ---------------------------- */

/* Writes the model: tensors "wte.weight", "wpe.weight", "h.N.ln_1.weight",
 * …, "ln_f.bias" as F32; sizes and the vocabulary in the metadata. Writes to
 * a temporary file and renames it, so a failure leaves nothing behind. */
attn_status model_save(const model *m, const char *path, char *err, size_t err_len);
/* Writes the weights alone as a Hugging Face GPT-2 checkpoint: the same F32
 * tensors and names, metadata {"format": "pt"} only, no vocabulary (so a
 * model without one, like a loaded GPT-2, can be written). model_load_gpt2
 * and any safetensors reader read it back. Atomic like model_save. */
attn_status model_save_gpt2(const model *m, const char *path, char *err, size_t err_len);
/* Reads a model written by model_save. Every problem is refused with the
 * tensor (or metadata key) and what is wrong: see model_io.c. */
attn_status model_load(model *m, const char *path, char *err, size_t err_len);
/* The same from bytes in memory (the fuzz target's entry). */
attn_status model_load_bytes(model *m, const uint8_t *bytes, size_t len, const char *name,
                             char *err, size_t err_len);

/* The caller's own metadata kept in a model file beside the model's (the
 * trainer's settings and seed, measured head roles, ...): every key but
 * "format" and attnviz.n_layers / n_heads / d_model / n_ctx / n_vocab /
 * vocab, which model_save writes itself. Sorted by key. */
typedef struct model_meta {
    size_t n;
    char **keys;
    char **values;
    char *storage;
} model_meta;

/* model_save plus n_extra key/value strings (valid UTF-8, keys unique and
 * none of the model's own, which are refused by name). Refuses a model with
 * a NaN or Inf parameter, naming the tensor and index, since model_load
 * would refuse the file. */
attn_status model_save_meta(const model *m, const char *path, const char *const *keys,
                            const char *const *values, size_t n_extra, char *err,
                            size_t err_len);
/* model_load / model_load_bytes that also return the caller's metadata in
 * *meta (may be NULL; empty on failure; free with model_meta_free). */
attn_status model_load_meta(model *m, const char *path, model_meta *meta, char *err,
                            size_t err_len);
attn_status model_load_bytes_meta(model *m, const uint8_t *bytes, size_t len, const char *name,
                                  model_meta *meta, char *err, size_t err_len);
/* The value of key, or NULL. */
const char *model_meta_get(const model_meta *meta, const char *key);
void model_meta_free(model_meta *meta);

#endif
