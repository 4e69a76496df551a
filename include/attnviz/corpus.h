/* attnviz corpus: generated English-like text whose relations are known, to
 * train the small GPT-2 of model.h on and then to measure which heads do
 * what. Every token comes with its ground truth (model_truth), so a head's
 * score is a plain average: how much of its attention, at the positions
 * where a relation exists, goes to the token the relation names.
 *
 * Why generated text: in real text nobody knows which noun a pronoun refers
 * to without annotating it; here the generator chose it. And the grammar is
 * built so that looking at that token is what lowers the loss: the word
 * after "PRONOUN was" is one of the antecedent's own adjectives, the word
 * after a verb one of its subject's. A head that learns the relation is the
 * cheapest way to predict those words, so it is likely to appear.
 *
 * The grammar: a sequence is <|endoftext|> and then sentences, each of one
 * of four kinds, drawn with the weights of model_corpus_mix. Every noun has
 * a pronoun class (he, she, it, they = plural), a few adjectives of its own
 * ("states"; robot: tired, rusty; floor: wet, dirty; girl: happy, hungry,
 * curious; no two nouns share one), and, depending on what it is, actions
 * (dog: barked), verbs with objects (bank: approved the loan), a motion verb
 * and a preposition (floor: on, river: by).
 *
 * 1. pronoun: two or three nouns, then a pronoun and what it says about one
 *    of them (A an agent: a person, an animal, the robot, ...):
 *      the A POSE PREP the B [PREP the C] [TIME] because|when PRON PRED .
 *      after the A met the B [..] [TIME] , PRON PRED .          (B an agent)
 *      when the A saw the B [..] [TIME] , PRON PRED .           (B any noun)
 *      the A VERB the O [TIME] , and|but PRON PRED .            (A's verb, O its object)
 *    where POSE is sat|stood|slept|waited, B a place with its preposition,
 *    C an optional third noun (a distractor). PRED is was|were + a state of
 *    the referent, or (for agents) one of the referent's actions. The
 *    referent is A or B, half each, so neither "the first noun" nor a fixed
 *    offset finds it. In about 90 % of
 *    sentences no other noun in the sentence shares the referent's pronoun
 *    class, so agreement makes it unique and truth.antecedent is set at the
 *    pronoun; in the rest it is ambiguous by agreement ("the robot sat on
 *    the floor because it was tired": only "tired" decides) and the truth
 *    is -1, since nothing at the pronoun tells which.
 * 2. subject: a noun, one to three prepositional phrases with other nouns
 *    (70 % of the other number), then the verb agreeing with the subject and
 *    a state of the subject:
 *      [TIME] the S PREP the N [PREP the M [PREP the O]] was|were|is|are|seemed STATE .
 *    ("the bank by the river was closed due to flooding ."). truth.subject is
 *    set at the verb.
 * 3. place and time: subject, noun-specific verb and object, places, days:
 *      [TIME] the S VERB the O [TIME] .         the bank approved the loan yesterday .
 *      [TIME] the S MOVE to the PLACE [TIME] .  on monday the girl walked to the park .
 *      [TIME] the S POSE PREP the PLACE [TIME] . the cat sat on the mat .
 *    truth.subject is set at the verb, which follows its subject directly.
 * 4. repeat: 4-12 words drawn uniformly from the content words (nouns,
 *    adjectives, verbs, days and times), ".", half the time one place-and-
 *    time sentence, then the same words again and ".". truth.copy at each
 *    word of the second copy is the index of the aligned word of the first
 *    (never of another occurrence of the same word), so an induction head
 *    should attend from position p to truth[p].copy + 1.
 * Nouns may take one of five generic adjectives (big, small, old, little,
 * new), and TIME is "on monday", "in the morning", "at night", "yesterday",
 * ...; both vary the distances. Verbs are in the past tense, but kind 2 also
 * uses is/are; "seemed" and the past tenses agree with either number.
 * The example sentences of the seed documents are sentences of this grammar
 * ("the robot sat on the floor because it was tired .", "the cat sat on the
 * mat ...", "the bank approved the loan yesterday .", "the bank by the river
 * was closed due to flooding ."); test_corpus finds each.
 *
 * Measuring heads (the positions to average over, per relation):
 *   previous-token: every p >= 1, target p - 1
 *   first-token:    every p >= 1, target 0
 *   induction:      p with truth[p].copy >= 0, target truth[p].copy + 1
 *   antecedent:     p with truth[p].antecedent >= 0, target that index,
 *                   from p (the pronoun) or p + 1 (was/were or an action)
 *   subject:        p with truth[p].subject >= 0, target that index, from p
 *                   (the verb) or p + 1. Kinds 1 and 3 set it at verbs right
 *                   after their subject, which a previous-token head covers
 *                   too: to measure only distant subjects, keep
 *                   p - truth[p].subject > 1 (kind 2 alone).
 * A sentence cut at the end of a sequence keeps its truth (every index
 * points before its position, so it is always inside the sequence).
 *
 * Deterministic: the same seed and the same calls give the same tokens on
 * every machine (SplitMix64 and integer arithmetic; the only float arithmetic
 * is single IEEE operations on 24-bit draws and the mix weights). No
 * allocation, no globals: a model_corpus per thread is safe. */
#ifndef ATTNVIZ_CORPUS_H
#define ATTNVIZ_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "attnviz/attn.h"
#include "attnviz/rng.h"

/* Fixed ids: <|endoftext|> and <unk> as model.h's MODEL_TOKEN_EOT/UNK. */
#define MODEL_CORPUS_EOT 0
#define MODEL_CORPUS_UNK 1
#define MODEL_CORPUS_DOT 2
#define MODEL_CORPUS_COMMA 3

/* The attn_rng_stream number of the corpus: "corpus" in ASCII, far from the
 * small numbers of embed.h, so a model seeded with the same number does not
 * share draws with its data. */
#define MODEL_CORPUS_STREAM 0x636F72707573ull

/* Ground truth for one token; -1 where it does not apply. */
typedef struct model_truth {
    int32_t antecedent; /* at a pronoun whose referent the text makes unique:
                           index of the antecedent noun */
    int32_t subject;    /* at a verb: index of its subject noun (the noun, not "the") */
    int32_t copy;       /* in the second copy of a repeated passage: index of this
                           word's earlier occurrence (the aligned one) */
} model_truth;

/* Relative weights of the sentence kinds: each sentence (a whole repeated
 * passage counts as one) is of kind k with probability weight_k / sum. */
typedef struct model_corpus_mix {
    float pronoun, subject, place_time, repeat;
} model_corpus_mix;

/* pronoun 0.35, subject 0.3, place_time 0.15, repeat 0.2: most sentences
 * teach a relation the heads are measured on; place and time sentences are
 * the plain text around them. */
model_corpus_mix model_corpus_mix_default(void);

/* ---- vocabulary ------------------------------------------------------- */

/* The vocabulary: id i is words[i]. words[0] = "<|endoftext|>" (starts every
 * sequence, as in GPT-2), words[1] = "<unk>" (never generated; for text from
 * elsewhere), then "." and ",", then the grammar's words, all lowercase
 * ASCII, no spaces. The same list every run; returns its length. */
size_t model_corpus_vocab(const char *const **words);

typedef enum model_word_kind {
    MODEL_WORD_SPECIAL,   /* <|endoftext|>, <unk> */
    MODEL_WORD_PUNCT,     /* . , */
    MODEL_WORD_FUNCTION,  /* the, prepositions, conjunctions, "due to flooding" */
    MODEL_WORD_PRONOUN,   /* he she it they */
    MODEL_WORD_NOUN,
    MODEL_WORD_VERB,      /* was were is are seemed and every other verb */
    MODEL_WORD_ADJECTIVE, /* the nouns' states and the generic big, small, ... */
    MODEL_WORD_TIME,      /* days, morning, evening, night, yesterday, today */
} model_word_kind;

typedef enum model_pron {
    MODEL_PRON_NONE,
    MODEL_PRON_HE,
    MODEL_PRON_SHE,
    MODEL_PRON_IT,
    MODEL_PRON_THEY,
} model_pron;

typedef struct model_word_info {
    model_word_kind kind;
    model_pron pron; /* nouns: the pronoun that refers to them; pronouns: themselves */
    int number;      /* 1 singular, 2 plural, 0 either or none: nouns, pronouns, verbs
                        (was/is 1, were/are 2, every other verb 0) */
} model_word_info;

/* What the grammar knows about word id; an id out of range is <unk>. For the
 * tests and for grouping head scores by word kind. */
model_word_info model_corpus_word_info(int32_t id);

/* ---- generating ------------------------------------------------------- */

typedef struct model_corpus {
    attn_rng rng;
    model_corpus_mix mix;
} model_corpus;

/* The stream attn_rng_stream(seed, MODEL_CORPUS_STREAM) and the mix (NULL:
 * the default). Refuses (ATTN_ERR_CONFIG) a weight that is negative or not
 * finite, or all weights 0, naming the weight; c is then initialised with
 * the default mix, so it is still safe to use. */
attn_status model_corpus_init(model_corpus *c, uint64_t seed, const model_corpus_mix *mix,
                              char *err, size_t err_len);

/* Exactly n token ids (nothing when n = 0): ids[0] = MODEL_CORPUS_EOT, then
 * whole sentences, the last one cut at n. truth (n entries) may be NULL.
 * Deterministic for the seed and the calls before. Never writes past n. */
void model_corpus_sequence(model_corpus *c, int32_t *ids, model_truth *truth, size_t n);

/* One training batch: `batch` sequences of seq + 1 tokens each, drawn in
 * order into seqs (batch × (seq + 1), the caller's), then split into what
 * the model reads, inputs[b] = seqs[b][0..seq), and what it should
 * predict, targets[b] = seqs[b][1..seq] (batch × seq each). */
void model_corpus_batch(model_corpus *c, int32_t *seqs, size_t batch, size_t seq, int32_t *inputs,
                        int32_t *targets);

/* Text of ids joined by single spaces, for printing samples (ids out of
 * range print as <unk>): writes at most len bytes including the NUL
 * (nothing if len is 0) and returns the length it needed, NUL excluded,
 * like snprintf. */
size_t model_corpus_text(char *out, size_t len, const int32_t *ids, size_t n);

#endif
