/* Real GPT-2 checkpoints (Radford et al. 2019) in the model layer: the
 * Hugging Face safetensors files of gpt2, distilgpt2, gpt2-medium,
 * gpt2-large and fine-tunes of the same layout, read into the model of
 * model.h, whose forward then runs them with the full per-layer trace.
 *
 * A loaded GPT-2 has no word vocabulary (m->vocab.n == 0): it reads and
 * gives token ids only; GPT-2's BPE turns text into those ids.
 *
 * The file's tensors (each optionally prefixed "transformer.", all or none):
 *   wte.weight (vocab, d)  wpe.weight (n_ctx, d)  ln_f.weight/bias (d)
 *   h.N.ln_1.weight/bias, h.N.ln_2.weight/bias (d)
 *   h.N.attn.c_attn.weight (d, 3d) + bias (3d)   Conv1D: y = x·W + b
 *   h.N.attn.c_proj.weight (d, d) + bias (d)
 *   h.N.mlp.c_fc.weight (d, 4d) + bias (4d), h.N.mlp.c_proj.weight (4d, d) + bias (d)
 * h.N.attn.bias / h.N.attn.masked_bias (the causal-mask buffers) are
 * skipped; lm_head.weight is accepted only when it is wte (tied). F32, F16
 * and BF16 values are converted to float once, at load. Sizes come from the
 * shapes; the number of heads from config.json beside the file ("n_head"),
 * or else GPT-2's family sizes (d 768: 12, 1024: 16, 1280: 20, 1600: 25). */
#ifndef ATTNVIZ_GPT2_H
#define ATTNVIZ_GPT2_H

#include "attnviz/model.h"
#include "attnviz/safetensors.h"

#define MODEL_GPT2_PATH_MAX 4096

/* Where the number of heads came from. */
typedef enum model_gpt2_heads_from {
    MODEL_GPT2_HEADS_GIVEN,  /* the caller's n_heads */
    MODEL_GPT2_HEADS_CONFIG, /* config.json's "n_head" */
    MODEL_GPT2_HEADS_FAMILY, /* GPT-2's size for this d_model */
} model_gpt2_heads_from;

/* What a load found, for the user to see. */
typedef struct model_gpt2_info {
    model_config config;
    model_gpt2_heads_from heads_from;
    model_st_dtype dtype;   /* of wte.weight (the others may differ) */
    int prefixed;           /* keys carried "transformer." */
    size_t buffers_skipped; /* h.N.attn.bias / masked_bias seen */
    size_t file_bytes;
} model_gpt2_info;

/* "config.json", "the GPT-2 family size for d_model D" (as a phrase), or
 * "given". */
const char *model_gpt2_heads_from_name(model_gpt2_heads_from f);

/* The number of heads GPT-2's family uses for d_model d, or 0. */
size_t model_gpt2_family_heads(size_t d_model);

/* Reads a GPT-2 checkpoint from bytes[0..len) (name starts every message).
 * n_heads 0: the family size for the file's d_model (refused, asking for
 * config.json, when d_model is not one of GPT-2's). info may be NULL.
 * Every problem is refused before anything is kept, in one line naming the
 * file and the tensor: a missing tensor (also a layer gap), a shape that
 * disagrees with the one expected (given in the message), a dtype other
 * than F32/F16/BF16, a NaN or Inf value, unknown tensors, a vocabulary over
 * MODEL_VOCAB_MAX, a context over MODEL_CTX_MAX, more than MODEL_LAYERS_MAX
 * layers, parameters over MODEL_PARAMS_MAX_RUN (gpt2-xl; in 32 bits gpt2-medium). On failure *m is
 * zeroed. */
attn_status model_load_gpt2_bytes(model *m, const uint8_t *bytes, size_t len, const char *name,
                                  size_t n_heads, model_gpt2_info *info, char *err,
                                  size_t err_len);

/* The same from the file at path (a folder: its model.safetensors),
 * memory-mapped read-only while its values
 * are converted (pages already converted are given back), so the peak
 * memory is about the model's floats plus one tensor's pages. The heads:
 * n_heads if not 0, else config.json in the file's folder when there is
 * one (a malformed one, or one whose sizes disagree with the tensors, is
 * refused by name), else the family size. */
attn_status model_load_gpt2(model *m, const char *path, size_t n_heads, model_gpt2_info *info,
                            char *err, size_t err_len);

/* What model_load_gpt2 would find in the file at path, without reading a
 * value: the file is parsed and every tensor's name, shape and dtype
 * checked as a load checks them (and config.json beside it), so a caller
 * can learn the sizes of a 3 GB checkpoint before deciding to load it.
 * NaN or Inf values are found only by the load. */
attn_status model_gpt2_peek(const char *path, size_t n_heads, model_gpt2_info *info, char *err,
                            size_t err_len);
/* The same on bytes in memory (as model_load_gpt2_bytes; the fuzz target's
 * entry): ATTN_OK whenever that load would succeed, with its sizes. */
attn_status model_gpt2_peek_bytes(const uint8_t *bytes, size_t len, const char *name,
                                  size_t n_heads, model_gpt2_info *info, char *err,
                                  size_t err_len);

/* ---- finding a checkpoint ------------------------------------------------ */

/* The files of one checkpoint. Empty strings for files that are not there
 * (only weights is always set on success). */
typedef struct model_gpt2_files {
    char weights[MODEL_GPT2_PATH_MAX]; /* model.safetensors (or the file given) */
    char config[MODEL_GPT2_PATH_MAX];  /* config.json */
    char vocab[MODEL_GPT2_PATH_MAX];   /* vocab.json */
    char merges[MODEL_GPT2_PATH_MAX];  /* merges.txt */
    int from_cache;                    /* found in the Hugging Face cache */
} model_gpt2_files;

/* Whether name is one of GPT-2's family: gpt2, distilgpt2, gpt2-medium,
 * gpt2-large, gpt2-xl. */
/* The family names model_gpt2_find looks up, as "gpt2, distilgpt2, …",
 * for a message; like snprintf, the length of the whole. */
size_t model_gpt2_family_names(char *buf, size_t len);
int model_gpt2_is_family(const char *name);

/* Finds a checkpoint from what the user typed: a safetensors file, a folder
 * holding model.safetensors (and maybe config.json, vocab.json,
 * merges.txt), or a family name looked up in the Hugging Face cache:
 * <hf_home>/hub when hf_home is set (not NULL or ""), else
 * <home>/.cache/huggingface/hub; in it models--<name> and
 * models--<org>--<name> (openai-community, or distilbert for distilgpt2),
 * the snapshot refs/main names, else the newest snapshot folder holding
 * model.safetensors. When nothing is found the message names every place
 * looked at and the huggingface-cli line that downloads the files. The
 * environment is the caller's: model_gpt2_find_env passes getenv's. */
attn_status model_gpt2_find(const char *what, const char *hf_home, const char *home,
                            model_gpt2_files *out, char *err, size_t err_len);
/* model_gpt2_find with HF_HOME and HOME from the environment. */
attn_status model_gpt2_find_env(const char *what, model_gpt2_files *out, char *err,
                                size_t err_len);

#endif
