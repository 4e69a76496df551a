/* attnviz heads: what each head of a trained model does, measured on
 * held-out generated text (corpus.h), and what the model loses without it.
 *
 * A head's score for a relation is the mean attention weight, over the
 * positions where the relation exists, on the token the relation names:
 *   previous_token  from p ≥ 1 to p − 1
 *   first_token     from p ≥ 1 to 0 (the <|endoftext|> every sequence starts with)
 *   current_token   from p ≥ 1 to p
 *   induction       from a word of a repeated passage's second copy to the
 *                   word after its earlier occurrence (Olsson et al. 2022)
 *   antecedent      to a pronoun's antecedent, from the pronoun or from the
 *                   token after it (where the next word depends on the
 *                   referent): the larger of the two means
 *   subject         to a verb's subject across at least one other token,
 *                   from the verb or the token after it: the larger mean
 * Each score is in [0, 1]: 1 means all of the head's attention goes there.
 *
 * Pruning (Michel et al. 2019): a head switched off adds zeros to the
 * concat; its importance is the rise in held-out loss when it alone is off. */
#ifndef ATTNVIZ_HEADS_H
#define ATTNVIZ_HEADS_H

#include "attnviz/model.h"

typedef enum model_role {
    MODEL_ROLE_PREVIOUS,
    MODEL_ROLE_FIRST,
    MODEL_ROLE_CURRENT,
    MODEL_ROLE_INDUCTION,
    MODEL_ROLE_ANTECEDENT,
    MODEL_ROLE_SUBJECT,
    MODEL_ROLES
} model_role;

/* "previous_token", "first_token", "current_token", "induction",
 * "antecedent", "subject": the JSON keys. */
const char *model_role_key(model_role r);
/* For people: "previous token", … */
const char *model_role_label(model_role r);

/* The held-out text: its own seed, never a training seed's stream. */
#define MODEL_HELDOUT_SEED 0x48454C444F5554ull /* "HELDOUT" */

typedef struct model_heads_report {
    size_t n_layers, n_heads;
    float *score;          /* (L, H, MODEL_ROLES) */
    float *importance;     /* (L, H): held-out loss rise with the head off; NULL unless asked */
    double heldout_loss;   /* mean cross-entropy (nats) on the held-out text */
    double unigram_loss;   /* the same for word frequencies alone (the baseline) */
    size_t tokens;         /* predictions the losses average */
    size_t sequences;
} model_heads_report;

/* Generates `sequences` held-out sequences of m's context length, runs the
 * model (with head_off, L·H entries or NULL) and fills the report, which
 * the caller frees with model_heads_report_free. With importance, also runs
 * once per head with that head off (L·H more runs). Uses two threads. */
attn_status model_heads_measure(const model *m, size_t sequences, const uint8_t *head_off,
                                int importance, model_heads_report *out, char *err,
                                size_t err_len);
void model_heads_report_free(model_heads_report *r);

/* Score of (l, h) for a role. */
static inline float model_heads_score(const model_heads_report *r, size_t l, size_t h,
                                      model_role role) {
    return r->score[(l * r->n_heads + h) * MODEL_ROLES + role];
}
/* The role a head scores highest on, and that score. */
model_role model_heads_best_role(const model_heads_report *r, size_t l, size_t h, float *score);

/* ---- naming a head: the one rule the overview, `attnviz heads` and the
 * lessons' {{role L H}} and {{best_*}} all use ----
 *
 * A head wins a role when its score on it is the model's highest, a tie
 * counting for every head within MODEL_ROLE_TIE of the highest, and is at
 * least MODEL_ROLE_MIN. A head is named by every role it wins, the one it
 * leads the runner-up by most first (ties last); one head can win several
 * roles. A head that wins none has no clear role (its highest score is
 * still printed beside it, never as its name). */
#define MODEL_ROLE_TIE 0.005f
#define MODEL_ROLE_MIN 0.3f

typedef struct model_head_name {
    size_t n;                      /* roles won; 0: no clear role */
    model_role role[MODEL_ROLES];  /* the largest lead first */
    float score[MODEL_ROLES];
    bool tied[MODEL_ROLES];        /* another head is within MODEL_ROLE_TIE */
} model_head_name;

/* The heads that score highest on role, ties included: their indices
 * (layer · n_heads + head) in order into idx (up to cap), their count
 * returned; *top the highest score. */
size_t model_heads_role_winners(const model_heads_report *r, model_role role, size_t *idx,
                                size_t cap, float *top);
/* The name of head (l, h) by the rule above. */
void model_heads_name(const model_heads_report *r, size_t l, size_t h, model_head_name *out);
/* A name as text: "induction 0.89, antecedent 0.82, subject 0.97 (tied)",
 * or "no clear role". */
void model_heads_name_text(const model_head_name *nm, char *buf, size_t len);
/* The heads that win role as text: "1.1 (0.83)", "2.1 and 2.4 (0.97,
 * tied)" (layer.head from 1). */
void model_heads_winners_text(const model_heads_report *r, model_role role, char *buf,
                              size_t len);

/* A GPT-2's detector labels (detect.h, model_detect_label) name a head for
 * a relation it leads every other head on by at least this much. */
#define MODEL_LABEL_LEAD 0.1f

/* Held-out loss with head_off (L·H entries, may be NULL) on `sequences`
 * sequences, two threads. */
attn_status model_heads_loss(const model *m, size_t sequences, const uint8_t *head_off,
                             double *loss, char *err, size_t err_len);

#endif
