/* libFuzzer target for GPT-2's tokenizer (bpe.h). The first byte picks:
 *
 *   even: the rest is text, encoded with the shipped vocabulary
 *         (assets/gpt2), with room for all its ids and for fewer;
 *   odd:  the rest is a vocabulary file, a NUL, a merges file, loaded from
 *         memory both through the quick JSON reader and through jansson
 *         alone; then a few texts are encoded with what loaded.
 *
 * It aborts when:
 *   - a status is not a documented one, or a failure's message is not one
 *     clean line (valid UTF-8, no control characters);
 *   - the two ways of reading a vocabulary disagree: on the status, the
 *     message, or (both loaded) any token's bytes, the merges' count or an
 *     encoding;
 *   - an encoding's ids are outside the vocabulary, its spans do not cover
 *     the text in order with each token's own bytes, or decoding it does not
 *     give the text back;
 *   - text that is not valid UTF-8 is accepted, or valid UTF-8 refused for
 *     anything but the room for ids; a room of max ids refuses exactly the
 *     texts of more than max tokens, leaving nothing encoded;
 *   - a token's display form is not clean UTF-8 without control characters,
 *     or its returned length is not what an unlimited buffer holds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz_bpe"
#include "fuzz_check.h"

#include "attnviz/bpe.h"
#include "bpe_private.h"

static int status_ok(attn_status st) {
    return st == ATTN_OK || st == ATTN_ERR_INPUT || st == ATTN_ERR_LIMIT || st == ATTN_ERR_NOMEM;
}

static void check_display(const model_bpe *b, int32_t id) {
    size_t len = 0;
    const unsigned char *t = model_bpe_token(b, id, &len);
    REQUIRE(t != NULL);
    char out[MODEL_BPE_TOKEN_BYTES_MAX * 8 + 1], small[7];
    size_t n = model_bpe_display(t, len, out, sizeof out);
    REQUIRE(n == strlen(out));
    REQUIRE(fuzz_clean_line(out, sizeof out));
    REQUIRE(model_bpe_display(t, len, small, sizeof small) == n);
    REQUIRE(strlen(small) <= n && memcmp(small, out, strlen(small)) == 0);
}

/* Encodes text with room for every id, then for one fewer; returns the count. */
static size_t check_encode(const model_bpe *b, const char *text, size_t len, int32_t *ids,
                           model_bpe_span *spans) {
    char err[256];
    size_t n = 999;
    memset(err, 'X', sizeof err);
    attn_status st = model_bpe_encode(b, text, len, ids, spans, len, &n, err, sizeof err);
    REQUIRE(status_ok(st));
    bool valid = attn_utf8_first_invalid(text, len) == len;
    /* blank text is valid UTF-8 (and malformed text never blank) */
    REQUIRE(!model_bpe_blank(text, len) || valid);
    if (!valid) {
        REQUIRE(st == ATTN_ERR_INPUT && n == 0);
        REQUIRE_MESSAGE(err, sizeof err);
        return 0;
    }
    REQUIRE(st == ATTN_OK); /* never more tokens than bytes */
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t tl = 0;
        const unsigned char *t = model_bpe_token(b, ids[i], &tl);
        REQUIRE(t != NULL);
        REQUIRE(spans[i].begin == at && spans[i].end - at == tl && memcmp(t, text + at, tl) == 0);
        at = spans[i].end;
    }
    REQUIRE(at == len);
    char *back = malloc(len + 1);
    size_t blen = 0;
    REQUIRE(back && model_bpe_decode(b, ids, n, back, len + 1, &blen, err, sizeof err) == ATTN_OK);
    REQUIRE(blen == len && memcmp(back, text, len) == 0);
    free(back);
    if (n > 0) {
        size_t m = 999;
        st = model_bpe_encode(b, text, len, ids, NULL, n - 1, &m, err, sizeof err);
        REQUIRE(st == ATTN_ERR_LIMIT && m == 0);
        REQUIRE_MESSAGE(err, sizeof err);
        /* the first run's ids again, for the caller */
        REQUIRE(model_bpe_encode(b, text, len, ids, spans, n, &m, err, sizeof err) == ATTN_OK &&
                m == n);
    }
    return n;
}

static model_bpe *gpt2(void) {
    static model_bpe *b;
    static int tried;
    if (!tried) {
        tried = 1;
        char err[512];
        if (model_bpe_load_dir(&b, ATTNVIZ_SOURCE_DIR "/assets/gpt2", err, sizeof err) != ATTN_OK) {
            fprintf(stderr, "fuzz_bpe: %s\n", err);
            abort();
        }
    }
    return b;
}

static void fuzz_text(const char *text, size_t len) {
    const model_bpe *b = gpt2();
    int32_t *ids = malloc((len + 1) * sizeof *ids);
    model_bpe_span *spans = malloc((len + 1) * sizeof *spans);
    REQUIRE(ids && spans);
    size_t n = check_encode(b, text, len, ids, spans);
    for (size_t i = 0; i < n && i < 64; i++) check_display(b, ids[i]);
    free(ids);
    free(spans);
}

static void fuzz_files(const char *data, size_t len) {
    const char *nul = memchr(data, '\0', len);
    size_t vlen = nul ? (size_t)(nul - data) : len;
    const char *merges = nul ? nul + 1 : "";
    size_t mlen = nul ? len - vlen - 1 : 0;
    model_bpe *quick = NULL, *slow = NULL;
    char e1[256], e2[256];
    attn_status s1 = bpe_load_memory_by(&quick, true, data, vlen, "v", merges, mlen, "m", e1,
                                        sizeof e1);
    attn_status s2 = bpe_load_memory_by(&slow, false, data, vlen, "v", merges, mlen, "m", e2,
                                        sizeof e2);
    REQUIRE(status_ok(s1) && s1 == s2);
    REQUIRE((s1 == ATTN_OK) == (quick != NULL) && (s2 == ATTN_OK) == (slow != NULL));
    if (s1 != ATTN_OK) {
        REQUIRE_MESSAGE(e1, sizeof e1);
        REQUIRE(strcmp(e1, e2) == 0);
        return;
    }
    size_t n = model_bpe_vocab_size(quick);
    REQUIRE(n == model_bpe_vocab_size(slow) && n >= 256);
    REQUIRE(model_bpe_merges(quick) == model_bpe_merges(slow));
    REQUIRE(model_bpe_eot(quick) == model_bpe_eot(slow));
    for (int32_t id = 0; id < (int32_t)n; id++) {
        size_t l1 = 0, l2 = 0;
        const unsigned char *t1 = model_bpe_token(quick, id, &l1);
        const unsigned char *t2 = model_bpe_token(slow, id, &l2);
        REQUIRE(t1 && t2 && l1 == l2 && memcmp(t1, t2, l1) == 0);
        if (id < 300) check_display(quick, id);
    }
    static const char *const texts[] = {"Hello, world", "aaaaabababab  x\n\n y", "don't 'S 12",
                                        "\xC3\xA9\xE6\x97\xA5 \xF0\x9F\x99\x82"};
    int32_t ids[64], ids2[64];
    model_bpe_span spans[64];
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        size_t len_k = strlen(texts[k]);
        size_t n1 = check_encode(quick, texts[k], len_k, ids, spans);
        size_t n2 = check_encode(slow, texts[k], len_k, ids2, spans);
        REQUIRE(n1 == n2 && memcmp(ids, ids2, n1 * sizeof *ids) == 0);
    }
    model_bpe_destroy(quick);
    model_bpe_destroy(slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    if (data[0] % 2 == 0) fuzz_text((const char *)data + 1, size - 1);
    else fuzz_files((const char *)data + 1, size - 1);
    return 0;
}
