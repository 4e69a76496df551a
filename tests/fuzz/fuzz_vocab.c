/* libFuzzer target for turning a sentence into a trained model's token ids
 * against a vocabulary from outside (a model file's "attnviz.vocab"): the
 * same model_vocab_init the loader runs and the model_vocab_encode the app
 * runs on its sentence (trained.c). The input's last line is the sentence;
 * the lines before it are the vocabulary, one word a line. The sentence is
 * also encoded with the corpus's own vocabulary (what the shipped model
 * has). It aborts when:
 *   - a status is not one of the documented ones, or a failure's message is
 *     not one clean line (valid UTF-8, no control characters);
 *   - an accepted vocabulary does not find each of its words at its own id;
 *   - an encoding is not <|endoftext|> then one id per core token, every id
 *     below the vocabulary size, with spans in the sentence; a token's id is
 *     the word whose text is the token lowercased (ASCII), found by a plain
 *     search, else MODEL_TOKEN_UNK;
 *   - a room of max ids refuses exactly the sentences of more than max - 1
 *     tokens, and leaves nothing encoded when it refuses. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz_vocab"
#include "fuzz_check.h"

#include "attnviz/corpus.h"
#include "attnviz/model.h"

#define WORDS_MAX 512
#define IDS_MAX 65 /* the shipped model: a context of 64 */

static int status_ok(attn_status st) {
    return st == ATTN_OK || st == ATTN_ERR_INPUT || st == ATTN_ERR_LIMIT || st == ATTN_ERR_NOMEM;
}

/* The id a plain search gives the token text[0..len): the first word equal
 * to it lowercased, or MODEL_TOKEN_UNK. */
static int32_t reference_id(const char *const *words, size_t n, const char *text, size_t len) {
    char low[MODEL_WORD_MAX + 1];
    if (len > MODEL_WORD_MAX) return MODEL_TOKEN_UNK;
    for (size_t k = 0; k < len; k++) low[k] = (char)tolower((unsigned char)text[k]);
    for (size_t i = 0; i < n; i++)
        if (strlen(words[i]) == len && memcmp(words[i], low, len) == 0) return (int32_t)i;
    return MODEL_TOKEN_UNK;
}

static void check_encode(const model_vocab *v, const char *const *words, const char *sentence,
                         size_t max_ids) {
    int32_t ids[IDS_MAX];
    attn_token spans[IDS_MAX];
    size_t n = 12345;
    char err[256];
    memset(err, 'X', sizeof err);
    attn_status st = model_vocab_encode(v, sentence, ids, spans, max_ids, &n, err, sizeof err);
    REQUIRE(status_ok(st));

    /* the core's count of tokens, for the limit */
    size_t len = strlen(sentence), count = 0;
    attn_token tok[IDS_MAX];
    attn_status core = attn_tokenize(tok, IDS_MAX, &count, sentence, len, NULL, 0);
    if (st != ATTN_OK) {
        REQUIRE(n == 0);
        REQUIRE_MESSAGE(err, sizeof err);
        if (st == ATTN_ERR_LIMIT) REQUIRE(core != ATTN_ERR_INPUT && count > max_ids - 1);
        else REQUIRE(core == st);
        return;
    }
    REQUIRE(core == ATTN_OK || core == ATTN_ERR_LIMIT);
    REQUIRE(count <= max_ids - 1 && n == count + 1);
    REQUIRE(ids[0] == MODEL_TOKEN_EOT && spans[0].offset == 0 && spans[0].len == 0);
    for (size_t i = 1; i < n; i++) {
        REQUIRE(ids[i] >= 0 && (size_t)ids[i] < v->n);
        REQUIRE(spans[i].offset == tok[i - 1].offset && spans[i].len == tok[i - 1].len);
        REQUIRE(spans[i].offset + spans[i].len <= len);
        REQUIRE(ids[i] == reference_id(words, v->n, sentence + spans[i].offset, spans[i].len));
    }
}

static void check_vocab(const model_vocab *v, const char *const *words) {
    for (size_t i = 0; i < v->n; i++) {
        REQUIRE(strcmp(v->words[i], words[i]) == 0);
        REQUIRE(model_vocab_find(v, words[i], strlen(words[i])) == (int32_t)i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static model_vocab corpus;
    static const char *const *corpus_words;
    if (!corpus.n) {
        size_t n = model_corpus_vocab(&corpus_words);
        REQUIRE(model_vocab_init(&corpus, corpus_words, n, NULL, 0) == ATTN_OK);
        REQUIRE(corpus.n >= 3);
        check_vocab(&corpus, corpus_words);
    }
    if (size > 1 << 16) return 0;

    /* Lines, each NUL-terminated where its '\n' was (a NUL inside a line
     * ends the word or the sentence there, as in a C string). */
    char *text = malloc(size + 1);
    const char **words = malloc(WORDS_MAX * sizeof *words);
    REQUIRE(text && words);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t n_words = 0;
    char *line = text, *end = text + size;
    for (char *nl; n_words < WORDS_MAX && (nl = memchr(line, '\n', (size_t)(end - line)));) {
        *nl = '\0';
        words[n_words++] = line;
        line = nl + 1;
    }
    const char *sentence = line;

    check_encode(&corpus, corpus_words, sentence, IDS_MAX);
    check_encode(&corpus, corpus_words, sentence, 4);

    model_vocab v;
    char err[256];
    memset(err, 'X', sizeof err);
    attn_status st = model_vocab_init(&v, words, n_words, err, sizeof err);
    REQUIRE(status_ok(st));
    if (st != ATTN_OK) {
        REQUIRE_MESSAGE(err, sizeof err);
        REQUIRE(v.n == 0 && v.words == NULL);
    } else {
        check_vocab(&v, words);
        check_encode(&v, words, sentence, IDS_MAX);
        check_encode(&v, words, sentence, 2);
        model_vocab_free(&v);
    }
    free(words);
    free(text);
    return 0;
}
