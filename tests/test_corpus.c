/* Tests of the generated corpus (corpus.h): the vocabulary, determinism,
 * that every truth index points at a token of the right kind (checked from
 * the tokens, not from the generator's choices), that nothing is written
 * past n, the mix of sentence kinds, that the four seed sentences come out,
 * and that the grammar pays a head for looking back: the word after
 * "PRONOUN was" (after the verb) is far more predictable from the antecedent
 * (the subject) than without it. Prints a few samples. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/corpus.h"
#include "check.h"

static const char *const *words;
static size_t n_words;

static int32_t id_of(const char *w) {
    for (size_t i = 0; i < n_words; i++)
        if (strcmp(words[i], w) == 0) return (int32_t)i;
    return -1;
}

static model_word_info info(int32_t id) { return model_corpus_word_info(id); }
static int is_copula(int32_t id) {
    return id == id_of("was") || id == id_of("were") || id == id_of("is") || id == id_of("are");
}

static model_corpus make(uint64_t seed, const model_corpus_mix *mix) {
    model_corpus c;
    char err[200];
    attn_status st = model_corpus_init(&c, seed, mix, err, sizeof err);
    CHECKF(st == ATTN_OK, "init: %s", err);
    return c;
}

static void print_sample(const char *title, const int32_t *ids, size_t n) {
    char buf[8192];
    model_corpus_text(buf, sizeof buf, ids, n);
    printf("%s\n  %s\n", title, buf);
}

/* ---- vocabulary ------------------------------------------------------------ */

static void test_vocab(void) {
    n_words = model_corpus_vocab(&words);
    CHECKF(n_words >= 200 && n_words <= 300, "vocabulary of %zu words", n_words);
    CHECK(strcmp(words[0], "<|endoftext|>") == 0);
    CHECK(strcmp(words[1], "<unk>") == 0);
    CHECK(strcmp(words[2], ".") == 0 && strcmp(words[3], ",") == 0);
    CHECK(MODEL_CORPUS_EOT == 0 && MODEL_CORPUS_UNK == 1 && MODEL_CORPUS_DOT == 2 &&
          MODEL_CORPUS_COMMA == 3);
    const char *const *again;
    CHECK(model_corpus_vocab(&again) == n_words && again == words);
    CHECK(model_corpus_vocab(NULL) == n_words);
    int bad = 0, dup = 0;
    for (size_t i = 4; i < n_words; i++) {
        size_t len = strlen(words[i]);
        if (len == 0) bad++;
        for (size_t j = 0; j < len; j++)
            if (words[i][j] < 'a' || words[i][j] > 'z') bad++;
        for (size_t j = 0; j < i; j++)
            if (strcmp(words[i], words[j]) == 0) dup++;
    }
    CHECKF(bad == 0, "%d words not plain lowercase ASCII", bad);
    CHECKF(dup == 0, "%d duplicate words", dup);

    /* The word information, spot-checked against plain English. */
    CHECK(info(0).kind == MODEL_WORD_SPECIAL && info(1).kind == MODEL_WORD_SPECIAL);
    CHECK(info(-5).kind == MODEL_WORD_SPECIAL && info((int32_t)n_words).kind == MODEL_WORD_SPECIAL);
    CHECK(info(2).kind == MODEL_WORD_PUNCT && info(3).kind == MODEL_WORD_PUNCT);
    const char *prons[4] = {"he", "she", "it", "they"};
    for (int k = 0; k < 4; k++) {
        model_word_info w = info(id_of(prons[k]));
        CHECKF(w.kind == MODEL_WORD_PRONOUN && (int)w.pron == MODEL_PRON_HE + k &&
                   w.number == (k == 3 ? 2 : 1),
               "%s", prons[k]);
    }
    struct { const char *w; model_pron p; } ns[] = {
        {"robot", MODEL_PRON_IT}, {"floor", MODEL_PRON_IT}, {"girl", MODEL_PRON_SHE},
        {"queen", MODEL_PRON_SHE}, {"boy", MODEL_PRON_HE}, {"king", MODEL_PRON_HE},
        {"keys", MODEL_PRON_THEY}, {"children", MODEL_PRON_THEY}, {"bank", MODEL_PRON_IT},
        {"cat", MODEL_PRON_IT}, {"cabinets", MODEL_PRON_THEY}, {"river", MODEL_PRON_IT}};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        model_word_info w = info(id_of(ns[k].w));
        CHECKF(w.kind == MODEL_WORD_NOUN && w.pron == ns[k].p &&
                   w.number == (ns[k].p == MODEL_PRON_THEY ? 2 : 1),
               "%s", ns[k].w);
    }
    CHECK(info(id_of("was")).kind == MODEL_WORD_VERB && info(id_of("was")).number == 1);
    CHECK(info(id_of("is")).number == 1 && info(id_of("were")).number == 2 &&
          info(id_of("are")).number == 2);
    CHECK(info(id_of("sat")).kind == MODEL_WORD_VERB && info(id_of("sat")).number == 0);
    CHECK(info(id_of("tired")).kind == MODEL_WORD_ADJECTIVE);
    CHECK(info(id_of("monday")).kind == MODEL_WORD_TIME);
    CHECK(info(id_of("the")).kind == MODEL_WORD_FUNCTION);
    int nouns = 0;
    for (size_t i = 0; i < n_words; i++) {
        model_word_info w = info((int32_t)i);
        if (w.kind == MODEL_WORD_NOUN) nouns++;
        CHECKF((w.kind == MODEL_WORD_NOUN || w.kind == MODEL_WORD_PRONOUN) ==
                   (w.pron != MODEL_PRON_NONE),
               "%s: pronoun class on a word that is not a noun or pronoun", words[i]);
    }
    printf("vocabulary: %zu words, %d nouns\n", n_words, nouns);
}

/* ---- init and its errors -------------------------------------------------------- */

static void test_init(void) {
    model_corpus c;
    char err[200];
    model_corpus_mix d = model_corpus_mix_default();
    CHECK(d.pronoun > 0 && d.subject > 0 && d.place_time > 0 && d.repeat > 0);
    strcpy(err, "stale");
    CHECK(model_corpus_init(&c, 1, NULL, err, sizeof err) == ATTN_OK && err[0] == '\0');
    CHECK(memcmp(&c.mix, &d, sizeof d) == 0);
    model_corpus_mix bad[4] = {{-1, 1, 1, 1}, {1, NAN, 1, 1}, {1, 1, INFINITY, 1}, {0, 0, 0, 0}};
    const char *names[4] = {"pronoun", "subject", "place_time", "every weight"};
    for (int k = 0; k < 4; k++) {
        attn_status st = model_corpus_init(&c, 1, &bad[k], err, sizeof err);
        CHECKF(st == ATTN_ERR_CONFIG, "bad mix %d accepted", k);
        CHECK_STR_CONTAINS(err, names[k]);
        CHECK(memcmp(&c.mix, &d, sizeof d) == 0); /* still usable: the default */
    }
    CHECK(model_corpus_init(&c, 1, &bad[0], NULL, 0) == ATTN_ERR_CONFIG);
    int32_t ids[16];
    model_corpus_sequence(&c, ids, NULL, 16);
    CHECK(ids[0] == 0);
}

/* ---- determinism ---------------------------------------------------------------- */

#define DET_N 200
static void test_determinism(void) {
    static int32_t a[DET_N], b[DET_N];
    static model_truth ta[DET_N], tb[DET_N];
    model_corpus c1 = make(42, NULL), c2 = make(42, NULL), c3 = make(43, NULL);
    int same = 1, differ = 0;
    for (int k = 0; k < 20; k++) {
        model_corpus_sequence(&c1, a, ta, DET_N);
        model_corpus_sequence(&c2, b, tb, DET_N);
        same &= memcmp(a, b, sizeof a) == 0 && memcmp(ta, tb, sizeof ta) == 0;
        model_corpus_sequence(&c3, b, tb, DET_N);
        differ += memcmp(a, b, sizeof a) != 0;
    }
    CHECKF(same, "same seed, different sequences");
    CHECKF(differ == 20, "seeds 42 and 43 gave %d equal sequences of 20", 20 - differ);
    /* truth NULL gives the same ids. */
    c1 = make(42, NULL);
    c2 = make(42, NULL);
    model_corpus_sequence(&c1, a, ta, DET_N);
    model_corpus_sequence(&c2, b, NULL, DET_N);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* A fixed value, so the text never changes by accident: trained models
     * and their head scores depend on it. A deliberate change of the grammar
     * updates this line. */
    c1 = make(1, NULL);
    model_corpus_sequence(&c1, a, NULL, 24);
    char buf[512];
    model_corpus_text(buf, sizeof buf, a, 24);
    CHECKF(strcmp(buf, "<|endoftext|> the cabinets behind the book with the children behind the "
                       "flowers are crooked . the king with the apples with the boy was") == 0,
           "seed 1 begins: %s", buf);
}

/* ---- truth ------------------------------------------------------------------------ */

typedef struct truth_stats {
    size_t pronouns, ambiguous, antecedents, subjects, far_subjects, copies, copy_runs;
    size_t ante_offsets[64], subj_offsets[64];
    size_t longest_sentence;
} truth_stats;

/* Start of the sentence that holds p: after the last "." before it, or 1. */
static size_t sentence_start(const int32_t *ids, size_t p) {
    while (p > 1 && ids[p - 1] != MODEL_CORPUS_DOT) p--;
    return p < 1 ? 1 : p;
}

/* Every claim of the truth checked from the tokens alone. Returns the number
 * of failures (reported once each through CHECKF by the caller). */
static size_t check_truth(const int32_t *ids, const model_truth *t, size_t n, truth_stats *st) {
    size_t fails = 0;
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (fails++ < 5) {                                                                         \
            fprintf(stderr, "  position %zu: ", p);                                                \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)
    size_t p = 0;
    if (ids[0] != MODEL_CORPUS_EOT) FAIL("ids[0] is %d, not <|endoftext|>", ids[0]);
    if (t[0].antecedent != -1 || t[0].subject != -1 || t[0].copy != -1) FAIL("truth at 0");
    size_t run = 0;
    for (p = 1; p < n; p++) {
        int32_t w = ids[p];
        if (w <= MODEL_CORPUS_UNK || w >= (int32_t)n_words) FAIL("id %d", w);
        model_word_info wi = info(w);
        size_t start = sentence_start(ids, p);
        run = ids[p] == MODEL_CORPUS_DOT ? 0 : run + 1;
        if (run > st->longest_sentence) st->longest_sentence = run;
        /* pronouns: the truth is the only earlier noun of its class in the
         * sentence, and -1 exactly when there are two or more */
        if (wi.kind == MODEL_WORD_PRONOUN) {
            st->pronouns++;
            size_t same = 0, last = 0;
            for (size_t q = start; q < p; q++)
                if (info(ids[q]).kind == MODEL_WORD_NOUN && info(ids[q]).pron == wi.pron) {
                    same++;
                    last = q;
                }
            if (same == 0) FAIL("pronoun %s with no noun of its class", words[w]);
            if (same == 1 && t[p].antecedent != (int32_t)last)
                FAIL("pronoun %s: antecedent %d, the only %s noun is at %zu", words[w],
                     t[p].antecedent, words[w], last);
            if (same >= 2 && t[p].antecedent != -1) FAIL("ambiguous pronoun with a truth");
            if (same >= 2) st->ambiguous++;
        }
        int32_t a = t[p].antecedent;
        if (a >= 0) {
            st->antecedents++;
            if (a >= (int32_t)p || (size_t)a < start) FAIL("antecedent %d outside the sentence", a);
            else if (wi.kind != MODEL_WORD_PRONOUN) FAIL("antecedent on %s", words[w]);
            else if (info(ids[a]).kind != MODEL_WORD_NOUN || info(ids[a]).pron != wi.pron)
                FAIL("%s -> %s", words[w], words[ids[a]]);
            else if (p - (size_t)a < 64) st->ante_offsets[p - (size_t)a]++;
        } else if (a != -1) FAIL("antecedent %d", a);
        int32_t s = t[p].subject;
        if (s >= 0) {
            st->subjects++;
            if (s >= (int32_t)p || (size_t)s < start) FAIL("subject %d outside the sentence", s);
            else if (wi.kind != MODEL_WORD_VERB) FAIL("subject truth on %s", words[w]);
            else if (info(ids[s]).kind != MODEL_WORD_NOUN) FAIL("subject %s", words[ids[s]]);
            else if (wi.number != 0 && wi.number != info(ids[s]).number)
                FAIL("%s %s: number", words[ids[s]], words[w]);
            else {
                if (p - (size_t)s > 1) st->far_subjects++;
                if (p - (size_t)s < 64) st->subj_offsets[p - (size_t)s]++;
            }
        } else if (s != -1) FAIL("subject %d", s);
        /* is/are/was/were always have a subject, except after a pronoun */
        if (is_copula(w) && s < 0 && info(ids[p - 1]).kind != MODEL_WORD_PRONOUN)
            FAIL("%s without a subject", words[w]);
        int32_t c = t[p].copy;
        if (c >= 0) {
            st->copies++;
            if (c >= (int32_t)p) FAIL("copy %d after its position", c);
            else if (ids[c] != w) FAIL("copy of %s points at %s", words[w], words[ids[c]]);
            int first = t[p - 1].copy < 0;
            if (!first && t[p - 1].copy != c - 1) FAIL("copy not aligned with the word before");
            if (first) {
                /* a run begins a sentence, and so does its source */
                st->copy_runs++;
                if (ids[p - 1] != MODEL_CORPUS_DOT) FAIL("second copy does not begin a sentence");
                if (c < 1 || (ids[c - 1] != MODEL_CORPUS_DOT && c != 1))
                    FAIL("first copy does not begin a sentence");
                size_t k = 0;
                while (p + k < n && t[p + k].copy >= 0) k++;
                /* the source is exactly k words then "." (the run's length),
                 * ends before the copy begins, and the copy ends with "." */
                if ((size_t)c + k >= p) FAIL("source and copy overlap");
                else if (p + k < n && ids[c + (int32_t)k] != MODEL_CORPUS_DOT)
                    FAIL("source longer than its copy");
                if (p + k < n && (ids[p + k] != MODEL_CORPUS_DOT || k < 6 || k > 14))
                    FAIL("copy of %zu words not ended by \".\"", k);
            }
        } else if (c != -1) FAIL("copy %d", c);
        if (w == MODEL_CORPUS_EOT) FAIL("<|endoftext|> inside");
    }
#undef FAIL
    return fails;
}

/* The offset that occurs most, as a share of all. */
static double top_share(const size_t *offsets, size_t *top) {
    size_t sum = 0, best = 0;
    for (size_t i = 0; i < 64; i++) {
        sum += offsets[i];
        if (offsets[i] > offsets[best]) best = i;
    }
    *top = best;
    return sum ? (double)offsets[best] / (double)sum : 0.0;
}

static void test_truth(void) {
    static int32_t ids[1000];
    static model_truth t[1000];
    truth_stats st;
    memset(&st, 0, sizeof st);
    model_corpus c = make(7, NULL);
    size_t fails = 0;
    for (int k = 0; k < 3000; k++) {
        size_t n = k % 10 == 0 ? 1000 : 64;
        model_corpus_sequence(&c, ids, t, n);
        fails += check_truth(ids, t, n, &st);
    }
    CHECKF(fails == 0, "%zu wrong truths (the first are above)", fails);
    CHECK(st.antecedents > 1000 && st.far_subjects > 1000 && st.copy_runs > 500);
    double amb = (double)st.ambiguous / (double)st.pronouns;
    printf("truth: %zu pronouns (%.1f %% ambiguous), %zu antecedents, %zu subjects (%zu not "
           "adjacent), %zu copied words in %zu runs; longest stretch between two \".\" %zu "
           "tokens\n",
           st.pronouns, 100 * amb, st.antecedents, st.subjects, st.far_subjects, st.copies,
           st.copy_runs, st.longest_sentence);
    /* the generator builds a sentence in a 64-token buffer; its longest is 24 */
    CHECKF(st.longest_sentence <= 30, "%zu tokens between two \".\"", st.longest_sentence);
    CHECKF(amb >= 0.04 && amb <= 0.15, "%.3f of pronouns ambiguous, want about 0.1", amb);
    double unique = (double)st.antecedents / (double)st.pronouns;
    CHECKF(unique >= 0.85, "unique referents %.3f", unique);
    /* No fixed offset finds the antecedent or the distant subject. */
    size_t top;
    double share = top_share(st.ante_offsets, &top);
    printf("antecedent offsets: the commonest (%zu) is %.1f %% of them;", top, 100 * share);
    CHECKF(share < 0.4, "antecedent at offset %zu in %.2f of cases", top, share);
    st.subj_offsets[1] = 0; /* the adjacent ones are the previous-token head's */
    share = top_share(st.subj_offsets, &top);
    printf(" distant subjects: the commonest offset (%zu) is %.1f %%\n", top, 100 * share);
    CHECKF(share < 0.4, "subject at offset %zu in %.2f of cases", top, share);
}

/* ---- bounds ------------------------------------------------------------------------ */

static void test_bounds(void) {
    size_t sizes[] = {0, 1, 2, 3, 64, 1000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        int32_t *ids = malloc((n + 16) * sizeof *ids);
        model_truth *t = malloc((n + 16) * sizeof *t);
        for (size_t rep = 0; rep < 50; rep++) {
            for (size_t i = 0; i < n + 16; i++) {
                ids[i] = 0x5A5A5A5A;
                t[i] = (model_truth){0x5A5A5A5A, 0x5A5A5A5A, 0x5A5A5A5A};
            }
            model_corpus c = make(rep, NULL);
            model_corpus_sequence(&c, ids, rep % 2 ? t : NULL, n);
            int ok = 1;
            for (size_t i = n; i < n + 16; i++)
                ok &= ids[i] == 0x5A5A5A5A && t[i].antecedent == 0x5A5A5A5A &&
                      t[i].subject == 0x5A5A5A5A && t[i].copy == 0x5A5A5A5A;
            for (size_t i = 0; i < n; i++) ok &= ids[i] >= 0 && ids[i] < (int32_t)n_words;
            if (n > 0) ok &= ids[0] == MODEL_CORPUS_EOT;
            if (rep % 2 == 0)
                for (size_t i = 0; i < n; i++) ok &= t[i].antecedent == 0x5A5A5A5A;
            CHECKF(ok, "n = %zu, seed %zu: wrote past n, or a bad id", n, rep);
            if (!ok) break;
        }
        free(ids);
        free(t);
    }
}

/* ---- the mix of kinds ------------------------------------------------------------------ */

enum { K_PRONOUN, K_SUBJECT, K_PLACE, K_REPEAT, K_ODD };

/* Counts the kinds of the complete sentences of one sequence, from the
 * tokens and the truth: a pronoun makes kind 1, a subject before the verb's
 * previous word kind 2, a subject right before the verb alone kind 3; a
 * sentence without any truth is the first copy of a repeated passage, which
 * with what follows up to the second copy (truth.copy) is one kind-4 unit.
 * A unit still open at the end is not counted. */
static void count_kinds(const int32_t *ids, const model_truth *t, size_t n, size_t counts[5]) {
    int open = 0;
    size_t pending_place = 0;
    size_t start = 1;
    for (size_t p = 1; p < n; p++) {
        if (ids[p] != MODEL_CORPUS_DOT) continue;
        int pron = 0, copy = 0, far = 0, near = 0;
        for (size_t q = start; q < p; q++) {
            pron |= info(ids[q]).kind == MODEL_WORD_PRONOUN;
            copy |= t[q].copy >= 0;
            if (t[q].subject >= 0) {
                far |= q - (size_t)t[q].subject > 1;
                near |= q - (size_t)t[q].subject == 1;
            }
        }
        start = p + 1;
        if (copy) {
            counts[open ? K_REPEAT : K_ODD]++;
            if (pending_place > 1) counts[K_ODD]++; /* one sentence at most in between */
            open = 0;
            pending_place = 0;
        } else if (open) {
            if (pron || far || !near) counts[K_ODD]++;
            pending_place++;
        } else if (pron) counts[K_PRONOUN]++;
        else if (far) counts[K_SUBJECT]++;
        else if (near) counts[K_PLACE]++;
        else open = 1;
    }
}

static void test_mix(void) {
    static int32_t ids[1000];
    static model_truth t[1000];
    const char *names[4] = {"pronoun", "subject", "place_time", "repeat"};
    /* one kind alone */
    for (int k = 0; k < 4; k++) {
        float w[4] = {0, 0, 0, 0};
        w[k] = 1;
        model_corpus_mix mix = {w[0], w[1], w[2], w[3]};
        model_corpus c = make(100 + (uint64_t)k, &mix);
        size_t counts[5] = {0};
        for (int s = 0; s < 200; s++) {
            model_corpus_sequence(&c, ids, t, 256);
            count_kinds(ids, t, 256, counts);
        }
        size_t others = 0;
        for (int j = 0; j < 5; j++)
            if (j != k) others += counts[j];
        CHECKF(counts[k] > 500 && others == 0, "%s alone: %zu of it, %zu of others", names[k],
               counts[k], others);
    }
    /* proportions */
    model_corpus_mix mixes[2] = {model_corpus_mix_default(), {0.1f, 0.2f, 0.3f, 0.4f}};
    for (int m = 0; m < 2; m++) {
        model_corpus c = make(200 + (uint64_t)m, &mixes[m]);
        size_t counts[5] = {0}, total = 0;
        for (int s = 0; s < 300; s++) {
            model_corpus_sequence(&c, ids, t, 1000);
            count_kinds(ids, t, 1000, counts);
        }
        CHECKF(counts[K_ODD] == 0, "%zu sentences of no kind", counts[K_ODD]);
        for (int j = 0; j < 4; j++) total += counts[j];
        float w[4] = {mixes[m].pronoun, mixes[m].subject, mixes[m].place_time, mixes[m].repeat};
        float sum = w[0] + w[1] + w[2] + w[3];
        printf("mix %d over %zu sentences:", m, total);
        for (int j = 0; j < 4; j++) {
            double got = (double)counts[j] / (double)total, want = w[j] / sum;
            printf(" %s %.3f (asked %.3f)", names[j], got, want);
            CHECKF(fabs(got - want) < 0.02, "%s: %.3f, asked %.3f", names[j], got, want);
        }
        printf("\n");
    }
}

/* ---- the seed sentences ------------------------------------------------------------------ */

static void test_seed_sentences(void) {
    const char *seeds[4] = {"the robot sat on the floor because it was tired .",
                            "the cat sat on the mat", /* the start of a sentence */
                            "the bank approved the loan yesterday .",
                            "the bank by the river was closed due to flooding ."};
    int32_t want[4][16];
    size_t want_n[4];
    for (int k = 0; k < 4; k++) {
        char buf[128];
        strcpy(buf, seeds[k]);
        want_n[k] = 0;
        for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
            want[k][want_n[k]] = id_of(w);
            CHECKF(want[k][want_n[k]] >= 0, "\"%s\" is not in the vocabulary", w);
            want_n[k]++;
        }
    }
    static int32_t ids[1024];
    model_corpus c = make(2024, NULL);
    size_t found[4] = {0, 0, 0, 0}, sentences = 0, left = 4;
    const size_t limit = 2000000;
    while (left > 0 && sentences < limit) {
        model_corpus_sequence(&c, ids, NULL, 1024);
        for (size_t p = 1; p < 1024; p++) {
            if (p > 1 && ids[p - 1] != MODEL_CORPUS_DOT) continue; /* sentence starts only */
            sentences++;
            for (int k = 0; k < 4; k++) {
                if (found[k] || p + want_n[k] > 1024) continue;
                if (memcmp(ids + p, want[k], want_n[k] * sizeof(int32_t)) == 0) {
                    found[k] = sentences;
                    left--;
                }
            }
        }
    }
    for (int k = 0; k < 4; k++) {
        CHECKF(found[k] > 0, "\"%s\" not among %zu sentences", seeds[k], sentences);
        printf("seed sentence \"%s\": sentence %zu\n", seeds[k], found[k]);
    }
}

/* ---- looking back pays ---------------------------------------------------------------------- */

/* Entropies (bits) of the target word, alone and given a conditioning word,
 * from counts over pairs (cond, target). */
typedef struct pairs {
    size_t *joint; /* (words, words) */
    size_t total;
} pairs;

static void pairs_add(pairs *s, int32_t cond, int32_t target) {
    s->joint[(size_t)cond * n_words + (size_t)target]++;
    s->total++;
}

static double entropy_of(const size_t *counts, size_t n, size_t total) {
    double h = 0;
    for (size_t i = 0; i < n; i++) {
        double q = (double)counts[i] / (double)total;
        if (counts[i]) h -= q * log2(q);
    }
    return h;
}

/* H(target) and H(target | cond) = H(cond, target) - H(cond). */
static void pairs_entropy(const pairs *s, double *h, double *h_given) {
    size_t *cond = calloc(n_words, sizeof *cond), *target = calloc(n_words, sizeof *target);
    for (size_t i = 0; i < n_words; i++)
        for (size_t j = 0; j < n_words; j++) {
            cond[i] += s->joint[i * n_words + j];
            target[j] += s->joint[i * n_words + j];
        }
    *h = entropy_of(target, n_words, s->total);
    *h_given = entropy_of(s->joint, n_words * n_words, s->total) -
               entropy_of(cond, n_words, s->total);
    free(cond);
    free(target);
}

/* Target words seen with more than one conditioning word: 0 when every state
 * and action belongs to one noun, as the grammar promises. */
static size_t shared_targets(const pairs *s) {
    size_t shared = 0;
    for (size_t j = 0; j < n_words; j++) {
        size_t conds = 0;
        for (size_t i = 0; i < n_words; i++) conds += s->joint[i * n_words + j] > 0;
        if (conds > 1) {
            if (shared++ < 5) fprintf(stderr, "  \"%s\" follows several nouns\n", words[j]);
        }
    }
    return shared;
}

static void test_entropy(void) {
    enum { N = 64, SEQS = 20000 };
    /* pronoun: the word after the pronoun, or after its was/were, given the
     * antecedent; given the sentence's first noun and given the nearest noun
     * before the pronoun (the shortcuts a head might try instead) */
    pairs ante = {calloc(n_words * n_words, sizeof(size_t)), 0};
    pairs ante_first = {calloc(n_words * n_words, sizeof(size_t)), 0};
    pairs ante_near = {calloc(n_words * n_words, sizeof(size_t)), 0};
    /* subject: the word after the verb given the subject (distant ones, kind 2,
     * and all of them) and given the noun right before the verb */
    pairs subj = {calloc(n_words * n_words, sizeof(size_t)), 0};
    pairs subj_all = {calloc(n_words * n_words, sizeof(size_t)), 0};
    pairs subj_near = {calloc(n_words * n_words, sizeof(size_t)), 0};
    int32_t ids[N];
    model_truth t[N];
    model_corpus c = make(99, NULL);
    for (int k = 0; k < SEQS; k++) {
        model_corpus_sequence(&c, ids, t, N);
        for (size_t p = 1; p + 2 < N; p++) {
            if (t[p].antecedent >= 0) {
                int32_t target = is_copula(ids[p + 1]) ? ids[p + 2] : ids[p + 1];
                size_t start = sentence_start(ids, p), first = 0, near = 0;
                for (size_t q = start; q < p; q++)
                    if (info(ids[q]).kind == MODEL_WORD_NOUN) {
                        if (!first) first = q;
                        near = q;
                    }
                pairs_add(&ante, ids[t[p].antecedent], target);
                pairs_add(&ante_first, ids[first], target);
                pairs_add(&ante_near, ids[near], target);
            }
            if (t[p].subject >= 0) {
                pairs_add(&subj_all, ids[t[p].subject], ids[p + 1]);
                if (p - (size_t)t[p].subject > 1) {
                    pairs_add(&subj, ids[t[p].subject], ids[p + 1]);
                    size_t near = p - 1;
                    while (info(ids[near]).kind != MODEL_WORD_NOUN) near--;
                    pairs_add(&subj_near, ids[near], ids[p + 1]);
                }
            }
        }
    }
    CHECKF(shared_targets(&ante) == 0, "a state or action of two nouns after a pronoun");
    CHECKF(shared_targets(&subj) == 0, "a state of two nouns after a verb");
    double h, hg, h2, hg2;
    pairs_entropy(&ante, &h, &hg);
    printf("after a pronoun (%zu): H(word) = %.2f bits, H(word | antecedent) = %.2f", ante.total,
           h, hg);
    CHECKF(h - hg >= 1.0, "the antecedent saves only %.2f bits", h - hg);
    pairs_entropy(&ante_first, &h2, &hg2);
    printf(", | first noun %.2f", hg2);
    CHECKF(hg2 - hg >= 1.0, "the sentence's first noun predicts nearly as well");
    pairs_entropy(&ante_near, &h2, &hg2);
    printf(", | nearest noun %.2f\n", hg2);
    CHECKF(hg2 - hg >= 1.0, "the nearest noun predicts nearly as well");

    pairs_entropy(&subj, &h, &hg);
    printf("after a verb with a distant subject (%zu): H(word) = %.2f bits, H(word | subject) = "
           "%.2f",
           subj.total, h, hg);
    CHECKF(h - hg >= 1.0, "the subject saves only %.2f bits", h - hg);
    pairs_entropy(&subj_near, &h2, &hg2);
    printf(", | noun before the verb %.2f", hg2);
    CHECKF(hg2 - hg >= 1.0, "the noun before the verb predicts nearly as well");
    pairs_entropy(&subj_all, &h2, &hg2);
    printf("; every verb (%zu): %.2f, | subject %.2f\n", subj_all.total, h2, hg2);
    free(ante.joint);
    free(ante_first.joint);
    free(ante_near.joint);
    free(subj.joint);
    free(subj_all.joint);
    free(subj_near.joint);
}

/* ---- text ------------------------------------------------------------------------------------ */

static void test_text(void) {
    int32_t ids[4] = {0, id_of("the"), id_of("robot"), MODEL_CORPUS_DOT};
    char buf[64];
    const char *want = "<|endoftext|> the robot .";
    size_t len = strlen(want);
    CHECK(model_corpus_text(buf, sizeof buf, ids, 4) == len && strcmp(buf, want) == 0);
    memset(buf, 'x', sizeof buf);
    CHECK(model_corpus_text(buf, 10, ids, 4) == len && strcmp(buf, "<|endofte") == 0);
    CHECK(buf[10] == 'x');
    memset(buf, 'x', sizeof buf);
    CHECK(model_corpus_text(buf, len + 1, ids, 4) == len && strcmp(buf, want) == 0);
    CHECK(model_corpus_text(buf, len, ids, 4) == len && buf[len - 1] == '\0');
    buf[0] = 'x';
    CHECK(model_corpus_text(buf, 0, ids, 4) == len && buf[0] == 'x');
    CHECK(model_corpus_text(NULL, 0, ids, 4) == len);
    CHECK(model_corpus_text(buf, 1, ids, 4) == len && buf[0] == '\0');
    CHECK(model_corpus_text(buf, sizeof buf, ids, 0) == 0 && buf[0] == '\0');
    int32_t odd[3] = {-1, 999999, MODEL_CORPUS_COMMA};
    CHECK(model_corpus_text(buf, sizeof buf, odd, 3) == strlen("<unk> <unk> ,") &&
          strcmp(buf, "<unk> <unk> ,") == 0);
}

static void samples(void) {
    int32_t ids[64];
    model_truth t[64];
    model_corpus c = make(5, NULL);
    for (int k = 0; k < 4; k++) {
        model_corpus_sequence(&c, ids, t, 64);
        char title[32];
        snprintf(title, sizeof title, "sample %d:", k + 1);
        print_sample(title, ids, 64);
        printf("  truth:");
        for (size_t p = 0; p < 64; p++) {
            if (t[p].antecedent >= 0)
                printf(" %s@%zu->%s@%d", words[ids[p]], p, words[ids[t[p].antecedent]],
                       t[p].antecedent);
            if (t[p].subject >= 0 && p - (size_t)t[p].subject > 1)
                printf(" %s@%zu=>%s@%d", words[ids[p]], p, words[ids[t[p].subject]], t[p].subject);
            if (t[p].copy >= 0 && (p == 0 || t[p - 1].copy < 0))
                printf(" copy@%zu<-%d", p, t[p].copy);
        }
        printf("\n");
    }
    printf("  (-> antecedent, => distant subject, copy <- start of a second copy and its "
           "source)\n");
}

int main(void) {
    test_vocab();
    test_init();
    test_determinism();
    test_truth();
    test_bounds();
    test_mix();
    test_seed_sentences();
    test_entropy();
    test_text();
    samples();
    return check_done("test_corpus");
}
