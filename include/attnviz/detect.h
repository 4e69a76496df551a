/* attnviz detect: the standard head detectors, run on any model (a real
 * GPT-2 as well as the shipped one) with no text of its own: sequences of
 * random tokens repeated twice.
 *
 * Each sequence is
 *     start | t_1 … t_T | t_1 … t_T        (n = 1 + 2T positions)
 * with start the model's <|endoftext|> and t_1 … t_T distinct random ids.
 * Random tokens carry no meaning and no grammar, so a head that attends in
 * a fixed pattern on them does so by mechanism, not by content. Per head,
 * the mean attention weight on the position the pattern names, over the
 * positions where it exists:
 *   previous_token   from p ≥ 1 to p − 1
 *   duplicate_token  from p in the second copy to p − T (the same token, earlier)
 *   induction        from p in the second copy to p − T + 1 (the token that
 *                    followed the same token earlier: "[A][B] … [A] → [B]")
 *   first_token      from p ≥ 1 to 0 (the start token; a head resting there
 *                    is "not doing anything", the attention sink)
 * Each is in [0, 1]; a head that puts all its weight on the pattern scores 1.
 *
 * Induction on repeated random tokens is the method of Olsson et al. 2022,
 * "In-context Learning and Induction Heads" (Anthropic); previous-token
 * and duplicate-token are the patterns of TransformerLens's head detector
 * (transformer_lens.head_detector; duplicate-token heads were named in Wang
 * et al. 2022's indirect-object circuit). TransformerLens divides by every row, so there a
 * perfect duplicate head scores about one half; here, as in heads.h, the mean
 * is over the rows where the pattern has a target, so a perfect head scores 1.
 *
 * The keys "previous_token", "induction" and "first_token" are heads.h's
 * role keys (the same relation, measured on random tokens instead of
 * generated text); "duplicate_token" has no model_role: heads.h's roles are
 * the ones the shipped model's file stores, read back by name. */
#ifndef ATTNVIZ_DETECT_H
#define ATTNVIZ_DETECT_H

#include "attnviz/heads.h"
#include "attnviz/model.h"

typedef enum model_detector {
    MODEL_DETECT_PREVIOUS,
    MODEL_DETECT_DUPLICATE,
    MODEL_DETECT_INDUCTION,
    MODEL_DETECT_FIRST,
    MODEL_DETECTORS
} model_detector;

/* "previous_token", "duplicate_token", "induction", "first_token". */
const char *model_detector_key(model_detector d);
/* For people: "previous token", "duplicate token", "induction", "first token". */
const char *model_detector_label(model_detector d);
/* The heads.h role that measures the same relation, or -1 (duplicate). */
int model_detector_role(model_detector d);

/* Default block length T: Olsson et al. use longer runs; 50 is TransformerLens's
 * demo length and enough for every pattern to show, bounded by the context. */
#define MODEL_DETECT_BLOCK 50
#define MODEL_DETECT_SEQUENCES 8
#define MODEL_DETECT_SEED 0x5245504541545344ull /* "REPEATSD" */

typedef struct model_detect_config {
    size_t sequences;   /* random sequences averaged, at least 1 */
    size_t block;       /* T: 1 + 2T tokens must fit the context */
    int32_t start_id;   /* the token every sequence starts with */
    int32_t id_lo;      /* random ids are drawn uniformly from [id_lo, id_hi), */
    int32_t id_hi;      /* distinct within a block: at least T of them */
    uint64_t seed;      /* the same seed gives the same sequences and scores */
} model_detect_config;

/* The defaults for m:
 *  - a model with a word vocabulary (the shipped kind): start MODEL_TOKEN_EOT,
 *    ids [MODEL_TOKEN_UNK + 1, n_vocab): every word but the two specials;
 *  - a model without one and GPT-2's 50257 tokens: start <|endoftext|> 50256,
 *    ids [1000, 50000): past the single bytes and rare pieces at the start
 *    and clear of the rarely trained tokens at the end;
 *  - any other model without one (small GPT-2-format files): start
 *    n_vocab − 1 (GPT-2's place for <|endoftext|>), ids [0, n_vocab − 1).
 * Block MODEL_DETECT_BLOCK, or (n_ctx − 1) / 2 when the context is shorter;
 * MODEL_DETECT_SEQUENCES sequences; MODEL_DETECT_SEED. */
model_detect_config model_detect_defaults(const model *m);

typedef struct model_detect_report {
    size_t n_layers, n_heads;
    float *score;              /* (L, H, MODEL_DETECTORS) */
    model_detect_config config; /* what was run */
} model_detect_report;

/* Runs m on c->sequences random repeated sequences (two threads, the same
 * figures either way) and fills out (free with model_detect_report_free).
 * Refuses (ATTN_ERR_CONFIG, naming the setting) a block that does not fit the
 * context, a start id or id range outside the vocabulary, fewer than T ids
 * in the range, zero sequences or more than a million. */
attn_status model_heads_detect(const model *m, const model_detect_config *c,
                               model_detect_report *out, char *err, size_t err_len);

/* Told after each sequence how many of how many are done (from either of
 * the two threads, one call at a time, done rising by one each call), for
 * a progress line; returns nonzero to stop early. */
typedef int (*model_detect_progress_fn)(void *user, size_t done, size_t total);
/* model_heads_detect with progress (may be NULL): a stop asked for by
 * progress returns ATTN_ERR_IO ("stopped before the end"), out empty. */
attn_status model_heads_detect_watched(const model *m, const model_detect_config *c,
                                       model_detect_progress_fn progress, void *user,
                                       model_detect_report *out, char *err, size_t err_len);
void model_detect_report_free(model_detect_report *r);

static inline float model_detect_score(const model_detect_report *r, size_t l, size_t h,
                                       model_detector d) {
    return r->score[(l * r->n_heads + h) * MODEL_DETECTORS + d];
}

/* The scores of one head on one sequence, from its attention weights
 * (n × n row-major, row p = query p, n = 1 + 2·block): what
 * model_heads_detect averages. Exposed so a pattern built by hand can be
 * checked against the formula. */
void model_detect_head_scores(const float *weights, size_t block,
                              float scores[MODEL_DETECTORS]);

/* The detector's pattern to name head (l, h) by, heads.h's rule: of the
 * patterns where its score is at least min_score and it leads every other
 * head by MODEL_LABEL_LEAD, the one it leads by the most; else its highest. */
model_detector model_detect_label(const model_detect_report *r, size_t l, size_t h,
                                  float min_score, float *score);

/* The detector's scores as a heads.h report, so what shows the trained
 * model's roles can show these: previous_token, first_token and induction
 * copied, the roles with no detector (current token, antecedent, subject)
 * 0, no importance and no losses (NAN). The duplicate-token score has no
 * place there: show it from the detect report. Free with
 * model_heads_report_free. */
attn_status model_detect_as_roles(const model_detect_report *d, model_heads_report *out,
                                  char *err, size_t err_len);

#endif
