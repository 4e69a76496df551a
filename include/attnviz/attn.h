/* attnviz core: multi-head attention, every stage kept.
 *
 * Row vectors throughout (Q = X·W_Q + b_Q), float32, row-major.
 * Shapes use these names:
 *   n        tokens in the sentence
 *   d_model  width of X, Q and the output
 *   n_heads  query heads; d_head = d_model / n_heads
 *   n_kv     key/value heads (groups): n_kv == n_heads is multi-head,
 *            1 < n_kv < n_heads grouped-query, n_kv == 1 multi-query
 *   d_kv     n_kv · d_head, width of K and V
 * Head h reads K/V group g = h / (n_heads / n_kv).
 *
 * The core uses libc and libm only. Errors are values: a function that can
 * fail returns an attn_status and writes a one-line message (naming the
 * input and the fix) into err[err_len]; err may be NULL. Messages name
 * settings in plain words ("heads 3 does not divide d_model 32"), never by
 * a front end's names for them (a command-line option, a panel's field).
 */
#ifndef ATTNVIZ_ATTN_H
#define ATTNVIZ_ATTN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTN_VERSION "0.1.0"

/* Largest sizes the core accepts; larger values are refused with a message. */
#define ATTN_D_MODEL_MAX 4096
#define ATTN_HEADS_MAX 256
#define ATTN_TOKENS_MAX 65536
#define ATTN_TEMPERATURE_MIN 0.01f
#define ATTN_TEMPERATURE_MAX 100.0f
/* The trace keeps four n×n matrices per head; refuse sizes past this:
 * 4 GiB, or where size_t is 32 bits (the browser) half of what it can count,
 * 2 GiB - 1. Written with #if so the limit is never (size_t)4 << 30, which is
 * 0 in 32 bits and would refuse every trace. */
#if SIZE_MAX > 0xFFFFFFFFu
#define ATTN_TRACE_BYTES_MAX ((size_t)4 << 30)
#else
#define ATTN_TRACE_BYTES_MAX (SIZE_MAX / 2)
#endif
#define ATTN_THREADS_MAX 2

typedef enum attn_status {
    ATTN_OK = 0,
    ATTN_ERR_CONFIG, /* a setting is out of range or inconsistent */
    ATTN_ERR_INPUT,  /* the text or other outside input is malformed */
    ATTN_ERR_LIMIT,  /* the input is valid but larger than the limit */
    ATTN_ERR_NOMEM,  /* an allocation failed */
    ATTN_ERR_IO,     /* the system refused: a file, a display, a font, a thread */
} attn_status;

/* The settings of attention a message can be about. A check that fails
 * says which setting to change, so each front end names it its own way:
 * the command line as its option (--heads), the settings panel as its
 * field, a lesson as its directive. A message about one setting's value
 * starts with the setting's plain name (attn_setting_name) and the value:
 * "heads 3 does not divide d_model 32: pick a head count that divides it". */
typedef enum attn_setting {
    ATTN_SETTING_NONE,
    ATTN_SETTING_SENTENCE,
    ATTN_SETTING_D_MODEL,
    ATTN_SETTING_HEADS,
    ATTN_SETTING_KV_HEADS,
    ATTN_SETTING_TEMPERATURE,
    ATTN_SETTING_MAX_TOKENS,
    ATTN_SETTING_CROSS, /* cross-attention's other sentence (keys and values) */
    ATTN_SETTING_COUNT,
} attn_setting;

/* "sentence", "d_model", "heads", "kv_heads", "temperature", "max_tokens",
 * "cross_sentence"; "" for ATTN_SETTING_NONE. */
const char *attn_setting_name(attn_setting s);

typedef struct attn_config {
    size_t d_model;
    size_t n_heads;
    size_t n_kv_heads;
    bool causal;       /* position i may not look at j > i */
    bool scale;        /* divide scores by sqrt(d_head) */
    float temperature; /* divide scores by this too; 1 leaves them */
} attn_config;

/* The built-in example every front end opens on (the app, dump, render, a
 * lesson's first step): this sentence, this seed, and attn_config_default's
 * settings: d_model 32, 4 heads, 4 kv heads, not causal, scaled,
 * temperature 1. */
#define ATTN_EXAMPLE_SENTENCE "The robot sat on the floor because it was tired."
#define ATTN_EXAMPLE_SEED 42
attn_config attn_config_default(void);

/* Checks ranges and divisibility. On failure *bad (may be NULL) is the
 * setting to change and the message starts with its name, e.g. "heads 3
 * does not divide d_model 32: pick a head count that divides it". */
attn_status attn_config_check(const attn_config *c, attn_setting *bad, char *err, size_t err_len);

size_t attn_d_head(const attn_config *c); /* d_model / n_heads */
size_t attn_d_kv(const attn_config *c);   /* n_kv_heads * d_head */
/* Which K/V group head h reads. */
size_t attn_kv_group(const attn_config *c, size_t h);

/* ---- weights -------------------------------------------------------- */

/* All eight tensors live in one block owned by the struct. */
typedef struct attn_weights {
    attn_config config; /* the sizes the tensors have */
    float *w_q;         /* (d_model, d_model) */
    float *b_q;         /* (d_model) */
    float *w_k;         /* (d_model, d_kv) */
    float *b_k;         /* (d_kv) */
    float *w_v;         /* (d_model, d_kv) */
    float *b_v;         /* (d_kv) */
    float *w_o;         /* (d_model, d_model) */
    float *b_o;         /* (d_model) */
    float *block;
} attn_weights;

/* Allocates zeroed tensors sized for c (which must pass attn_config_check). */
attn_status attn_weights_init(attn_weights *w, const attn_config *c, char *err, size_t err_len);
void attn_weights_free(attn_weights *w);

/* Mechanics-mode weights from a seed: each W is Xavier-uniform,
 * U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010),
 * each bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as in torch.nn.Linear.
 * Every tensor has its own random stream (attn_rng_stream), so changing
 * n_kv_heads does not change W_Q. Bit-identical on every machine. */
void attn_weights_xavier(attn_weights *w, uint64_t seed);

/* ---- the trace ------------------------------------------------------- */

/* Every stage of one forward call. The per-head arrays are packed for the
 * current sizes: element (h, i, j) of scores is scores[(h * n + i) * n_keys + j].
 * In self-attention n_keys == n and every map is square; in cross-attention
 * (attn_forward_cross) the n query rows come from one sequence (x) and the
 * n_keys key/value rows from another (x_kv), so the maps are n × n_keys.
 * All pointers point into one block, allocated once by attn_trace_init for
 * the largest sizes the caller will ask for; attn_forward never allocates. */
typedef struct attn_trace {
    size_t n_max, d_model_max, n_heads_max; /* capacity */
    size_t n;                               /* query rows (tokens) in the last forward */
    size_t n_keys;   /* key/value rows in the last forward: n, or the other sequence's */
    bool cross;      /* the last forward was cross-attention (K, V from x_kv) */
    attn_config config;                     /* settings of the last forward */
    float *x;        /* (n, d_model)          input rows (the queries' sequence) */
    /* (n_keys, d_model) the other sequence's rows, which K and V are made
     * from in cross-attention; NULL unless the trace was made with
     * attn_trace_init_cross. Self-attention reads x for K and V instead. */
    float *x_kv;
    float *q;        /* (n, d_model)          X·W_Q + b_Q */
    float *k;        /* (n_keys, d_kv)        X·W_K + b_K (X_kv in cross-attention) */
    float *v;        /* (n_keys, d_kv)        X·W_V + b_V (likewise) */
    float *scores;   /* (n_heads, n, n_keys)  Q_h·K_gᵀ */
    float *scaled;   /* (n_heads, n, n_keys)  scores / (sqrt(d_head)·T) */
    float *masked;   /* (n_heads, n, n_keys)  scaled, -inf where j > i if causal */
    float *weights;  /* (n_heads, n, n_keys)  softmax of each masked row */
    float *head_out; /* (n_heads, n, d_head)  weights_h·V_g */
    float *concat;   /* (n, d_model)          head outputs side by side */
    float *output;   /* (n, d_model)          concat·W_O + b_O */
    float *scratch;  /* packing space for the fast kernels, one part per thread */
    size_t scratch_floats;
    size_t threads;  /* threads attn_forward may use: 1 (the default) or 2 */
    bool shared_scratch; /* scratch belongs to the caller (attn_trace_init_shared) */
    size_t scratch_parts; /* parts of scratch: ATTN_THREADS_MAX, or the caller's count */
    float *block;
} attn_trace;

/* Bytes attn_trace_init would allocate for these limits; SIZE_MAX when the
 * count does not fit a size_t (checked.h). */
size_t attn_trace_bytes(size_t n_max, size_t d_model_max, size_t n_heads_max);

/* What attn_trace_init checks before it allocates (shared: as for
 * attn_trace_init_shared, whose scratch is the caller's): the ranges
 * (ATTN_ERR_CONFIG) and ATTN_TRACE_BYTES_MAX (ATTN_ERR_LIMIT, e.g. "65536
 * tokens with 16 heads need 1024.0 GiB for the trace ... use fewer tokens or
 * heads"). For asking whether settings would fit without allocating. */
attn_status attn_trace_check(size_t n_max, size_t d_model_max, size_t n_heads_max, bool shared,
                             char *err, size_t err_len);

/* The first value of the last forward that is not finite, other than a
 * causal mask's -inf (the only -inf a correct trace holds, where j > i in
 * "masked"): its stage in words ("attention scores", ...) and value, or false when
 * every value is finite. Overflow (weights too large for float32) shows
 * here, and must never be shown or written as if it were the mask. */
bool attn_trace_find_nonfinite(const attn_trace *t, const char **stage, float *value);

/* Sizes the trace for up to n_max tokens, d_model_max and n_heads_max.
 * Refuses (ATTN_ERR_LIMIT) past ATTN_TRACE_BYTES_MAX. */
attn_status attn_trace_init(attn_trace *t, size_t n_max, size_t d_model_max, size_t n_heads_max,
                            char *err, size_t err_len);
void attn_trace_free(attn_trace *t);
/* Like attn_trace_init, with room for a second input x_kv (n_max rows of
 * d_model_max) for cross-attention: up to n_max query rows and n_max
 * key/value rows. Self-attention runs on it unchanged. */
attn_status attn_trace_init_cross(attn_trace *t, size_t n_max, size_t d_model_max,
                                  size_t n_heads_max, char *err, size_t err_len);
/* Floats of packing space one thread of attn_forward needs. */
size_t attn_trace_scratch_floats(void);
/* Like attn_trace_init, but the trace packs into the caller's scratch
 * (attn_trace_scratch_floats() floats, kept alive while the trace is used)
 * and runs on one thread only: for many traces used one at a time by one
 * thread, such as the layers of a model or the sequences of a training
 * batch, which would otherwise each keep megabytes of packing space. */
attn_status attn_trace_init_shared(attn_trace *t, size_t n_max, size_t d_model_max,
                                   size_t n_heads_max, float *scratch, char *err,
                                   size_t err_len);
/* The same with parts (1 to ATTN_THREADS_MAX) parts of
 * attn_trace_scratch_floats() floats each in scratch: with two, the trace
 * may run on two threads (t->threads = 2), e.g. the layers of one model run
 * used one at a time by one caller that wants both cores. */
attn_status attn_trace_init_shared_parts(attn_trace *t, size_t n_max, size_t d_model_max,
                                         size_t n_heads_max, float *scratch, size_t parts,
                                         char *err, size_t err_len);

/* ---- forward --------------------------------------------------------- */

/* Runs every stage for n input rows x (n, d_model) and keeps them in t.
 * x may be t->x itself (the embedding can write there directly).
 * Allocates nothing. Fails only when the sizes do not fit the trace or the
 * weights, or the config is invalid. Uses the fast kernels; with
 * t->threads = 2, large products and the heads are split between two
 * threads, with the same bits as on one. */
attn_status attn_forward(attn_trace *t, const attn_config *c, const attn_weights *w, const float *x,
                         size_t n, char *err, size_t err_len);

/* Cross-attention (Vaswani et al. 2017, section 3.2.3, "encoder-decoder
 * attention"): queries from n_q rows x_q (n_q, d_model), keys and values
 * from n_kv rows of another sequence x_kv (n_kv, d_model), through the same
 * weights and stages as attn_forward:
 *   Q = X_q·W_Q + b_Q (n_q, d_model), K = X_kv·W_K + b_K (n_kv, d_kv), V likewise,
 *   scores_h (n_q, n_kv), scaled, masked, weights_h, out_h = weights_h·V_g (n_q, d_head),
 *   concat (n_q, d_model), output = concat·W_O + b_O.
 * No causal mask: "j > i" compares positions of one sequence, and across two
 * there is no later; a config with causal set is refused (ATTN_ERR_CONFIG),
 * and masked equals scaled. The trace must come from attn_trace_init_cross
 * (it keeps x_kv); x_q may be t->x and x_kv may be t->x_kv. Sets t->cross
 * and t->n_keys = n_kv. With x_q == x_kv and n_q == n_kv the stages are
 * the same bits as attn_forward's. */
attn_status attn_forward_cross(attn_trace *t, const attn_config *c, const attn_weights *w,
                               const float *x_q, size_t n_q, const float *x_kv, size_t n_kv,
                               char *err, size_t err_len);

/* The same stages with the plain loops of attn_stages.c (the reference the
 * fast path is tested against, as attn_forward_reference). */
attn_status attn_forward_cross_reference(attn_trace *t, const attn_config *c,
                                         const attn_weights *w, const float *x_q, size_t n_q,
                                         const float *x_kv, size_t n_kv, char *err,
                                         size_t err_len);

/* Stages 4-10 only, from the Q, K and V already in t (for its t->n tokens):
 * for a change of causal, scale, temperature or heads that keeps d_model and
 * d_kv, none of which changes X, Q, K or V. The result is the same bits as a
 * full attn_forward. Refuses (ATTN_ERR_CONFIG) a config whose d_model or
 * d_kv differ from the trace's. */
attn_status attn_forward_heads(attn_trace *t, const attn_config *c, const attn_weights *w,
                               char *err, size_t err_len);

/* The same stages with the plain loops of attn_stages.c, one formula per
 * function: the reference the lessons point at and the fast path is tested
 * against. */
attn_status attn_forward_reference(attn_trace *t, const attn_config *c, const attn_weights *w,
                                   const float *x, size_t n, char *err, size_t err_len);

/* Floating-point operations of the matrix products of one forward call
 * (multiply-add = 2): the four projections and each head's scores and
 * weighted sum. Scaling, masking and softmax (h·n² element-wise each) are
 * not counted: this is the figure that stays the same for any head count. */
double attn_forward_flops(const attn_config *c, size_t n);
/* The same for cross-attention of n_q queries over n_kv keys and values:
 * Q and W_O on n_q rows, K and V on n_kv rows, each head's products n_q × n_kv.
 * attn_forward_flops(c, n) == attn_forward_flops_cross(c, n, n). */
double attn_forward_flops_cross(const attn_config *c, size_t n_q, size_t n_kv);

#endif
