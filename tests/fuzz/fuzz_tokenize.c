/* libFuzzer target for attn_tokenize. Beyond "no crash, no overflow" it
 * aborts when an invariant breaks:
 *   - the status is OK, INPUT or LIMIT; a message is written, terminated and
 *     fits the buffer; *n_out is 0 on INPUT, 1..max on OK, > max on LIMIT;
 *   - stored spans are in bounds, in order, non-empty, not overlapping, and
 *     start and end on code point boundaries;
 *   - every ASCII byte outside the spans is whitespace (nothing is lost);
 *   - invalid UTF-8 is refused exactly when an independent validator (the
 *     byte ranges of Unicode Table 3-7) says so, at the same byte offset;
 *   - the limit changes only how many tokens are stored: max 8 and max 64
 *     give the same count, and the same first tokens.
 * The token array is allocated at exactly max_tokens so that AddressSanitizer
 * catches a write past it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/tokenize.h"

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_tokenize: invariant failed: %s (line %d)\n", #cond, __LINE__);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Offset of the first invalid UTF-8 sequence, or size if the text is valid.
 * Written from the table of well-formed byte sequences, not from the
 * tokenizer's decoder, so the two check each other. */
static size_t first_invalid(const uint8_t *s, size_t size) {
    size_t i = 0;
    while (i < size) {
        uint8_t b = s[i];
        size_t n;
        uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (b <= 0x7F) n = 1;
        else if (b >= 0xC2 && b <= 0xDF) n = 2;
        else if (b == 0xE0) n = 3, lo = 0xA0;
        else if (b >= 0xE1 && b <= 0xEC) n = 3;
        else if (b == 0xED) n = 3, hi = 0x9F;
        else if (b >= 0xEE && b <= 0xEF) n = 3;
        else if (b == 0xF0) n = 4, lo = 0x90;
        else if (b >= 0xF1 && b <= 0xF3) n = 4;
        else if (b == 0xF4) n = 4, hi = 0x8F;
        else return i;
        if (n > 1) {
            if (i + n > size) return i;
            if (s[i + 1] < lo || s[i + 1] > hi) return i;
            for (size_t k = 2; k < n; k++)
                if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
        }
        i += n;
    }
    return size;
}

/* Offset of the first control character other than ASCII whitespace (C0,
 * DEL, C1 but U+0085), or size. Valid UTF-8 assumed up to limit. */
static size_t first_control(const uint8_t *s, size_t limit) {
    for (size_t i = 0; i < limit; i++) {
        uint8_t b = s[i];
        if ((b < 0x20 && !(b == ' ' || (b >= '\t' && b <= '\r'))) || b == 0x7F) return i;
        if (b == 0xC2 && i + 1 < limit && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F &&
            s[i + 1] != 0x85)
            return i;
    }
    return limit;
}

static int is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

static void check_spans(const uint8_t *s, size_t size, const attn_token *t, size_t n) {
    size_t prev_end = 0;
    for (size_t k = 0; k < n; k++) {
        REQUIRE(t[k].len > 0);
        REQUIRE(t[k].offset >= prev_end);
        REQUIRE(t[k].offset < size && t[k].len <= size - t[k].offset);
        size_t end = t[k].offset + t[k].len;
        REQUIRE(!is_continuation(s[t[k].offset]));
        REQUIRE(end == size || !is_continuation(s[end]));
        /* ASCII bytes between tokens can only be whitespace. */
        for (size_t i = prev_end; i < t[k].offset; i++)
            if (s[i] < 0x80) REQUIRE(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'));
        prev_end = end;
    }
}

typedef struct run {
    attn_status st;
    size_t n;
    attn_token *toks;
    char err[256];
} run;

static void tokenize(run *r, size_t max, const uint8_t *data, size_t size) {
    r->toks = malloc(max * sizeof *r->toks);
    REQUIRE(r->toks != NULL);
    r->n = 12345;
    memset(r->err, 'X', sizeof r->err);
    r->st = attn_tokenize(r->toks, max, &r->n, (const char *)data, size, r->err, sizeof r->err);
    REQUIRE(memchr(r->err, '\0', sizeof r->err) != NULL);
    switch (r->st) {
    case ATTN_OK:
        REQUIRE(r->n >= 1 && r->n <= max);
        REQUIRE(r->err[0] == '\0');
        check_spans(data, size, r->toks, r->n);
        /* Nothing non-space after the last token either. */
        for (size_t i = r->toks[r->n - 1].offset + r->toks[r->n - 1].len; i < size; i++)
            if (data[i] < 0x80) REQUIRE(data[i] == ' ' || (data[i] >= '\t' && data[i] <= '\r'));
        break;
    case ATTN_ERR_LIMIT:
        REQUIRE(r->n > max);
        REQUIRE(strstr(r->err, "tokens, more than the limit of") != NULL);
        check_spans(data, size, r->toks, max);
        break;
    case ATTN_ERR_INPUT:
        REQUIRE(r->n == 0);
        REQUIRE(r->err[0] != '\0');
        break;
    default:
        REQUIRE(!"unexpected status");
    }
}

/* Runs both limits over one text and checks everything above. */
static void check_text(const uint8_t *data, size_t size, run *small, run *big) {
    tokenize(small, 8, data, size);
    tokenize(big, ATTN_TOKENS_DEFAULT, data, size);

    /* Invalid UTF-8 and control characters against the reference. */
    size_t bad = first_invalid(data, size);
    size_t ctl = first_control(data, bad);
    if (ctl < bad) { /* a control character comes first */
        char want[64];
        snprintf(want, sizeof want, " at byte %zu of the sentence", ctl);
        REQUIRE(big->st == ATTN_ERR_INPUT && strstr(big->err, want) != NULL);
        REQUIRE(strstr(big->err, "invalid UTF-8") == NULL);
    } else if (bad < size) {
        char want[80];
        snprintf(want, sizeof want, "invalid UTF-8 at byte %zu of the sentence (0x%02X", bad,
                 (unsigned)data[bad]);
        REQUIRE(big->st == ATTN_ERR_INPUT && strstr(big->err, want) == big->err);
    } else if (big->st == ATTN_ERR_INPUT) { /* valid text: only emptiness is refused */
        REQUIRE(strstr(big->err, "the sentence is") == big->err);
        REQUIRE(strstr(big->err, "give at least one word") != NULL);
    }

    /* The limit changes what is stored, not what is found. */
    REQUIRE((small->st == ATTN_ERR_INPUT) == (big->st == ATTN_ERR_INPUT));
    if (big->st != ATTN_ERR_INPUT) {
        REQUIRE(small->n == big->n);
        REQUIRE((small->st == ATTN_OK) == (big->n <= 8));
        size_t stored = small->n < 8 ? small->n : 8;
        REQUIRE(memcmp(small->toks, big->toks, stored * sizeof *small->toks) == 0);
    } else {
        REQUIRE(strcmp(small->err, big->err) == 0);
    }

    /* err NULL or tiny changes nothing but the message. */
    size_t n = 0;
    attn_status st = attn_tokenize(big->toks, ATTN_TOKENS_DEFAULT, &n, (const char *)data, size,
                                   NULL, 0);
    REQUIRE(st == big->st && n == big->n);
    char *tiny = malloc(3);
    REQUIRE(tiny != NULL);
    st = attn_tokenize(big->toks, ATTN_TOKENS_DEFAULT, &n, (const char *)data, size, tiny, 3);
    REQUIRE(st == big->st && n == big->n && strlen(tiny) <= 2);
    free(tiny);
}

/* Random bytes are mostly invalid UTF-8, refused at the first bad byte. To
 * reach the token rules, each input byte also picks a code point from this
 * palette of the cases that matter, giving valid text. visible: the code
 * point must end up inside a token (spaces and invisible format characters
 * may be dropped). */
static const struct {
    uint32_t cp;
    int visible;
} palette[] = {
    {'a', 1},     {'Z', 1},     {'7', 1},     {'.', 1},     {'\'', 1},   {'-', 1},
    {'#', 1},     {'*', 1},     {' ', 0},     {'\n', 0},    {0xE9, 1},    {0x0436, 1},
    {0x00AB, 1},  {0x00A0, 0},  {0x00AD, 0},  {0x0301, 1},  {0x0483, 1},  {0x2019, 1},
    {0x2011, 1},  {0x2013, 1},  {0x2003, 0},  {0x200B, 0},  {0x200C, 0},  {0x200D, 0},
    {0x200F, 0},  {0x2028, 0},  {0x20AC, 1},  {0x20E3, 1},  {0x2122, 1},  {0x2620, 1},
    {0x2764, 1},  {0x2B1B, 1},  {0x3000, 0},  {0x3002, 1},  {0x3042, 1},  {0x3099, 1},
    {0x30AB, 1},  {0x4E00, 1},  {0xAC00, 1},  {0xFE0F, 0},  {0xFEFF, 0},  {0xFF01, 1},
    {0xFF76, 1},  {0x1F1E6, 1}, {0x1F1FA, 1}, {0x1F308, 1}, {0x1F3F3, 1}, {0x1F3FD, 1},
    {0x1F44D, 1}, {0x1F468, 1}, {0x1F469, 1}, {0x1F600, 1}, {0x20000, 1}, {0xE0067, 0},
    {0xE007F, 0}, {0x10FFFF, 1},
};

static size_t put_utf8(uint8_t *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run small, big;
    check_text(data, size, &small, &big);
    free(small.toks);
    free(big.toks);

    /* The same bytes as palette picks: valid text. */
    const size_t n_pal = sizeof palette / sizeof palette[0];
    uint8_t *text = malloc(size * 4 + 1);
    size_t *starts = malloc((size + 1) * sizeof *starts);
    REQUIRE(text != NULL && starts != NULL);
    size_t len = 0;
    for (size_t i = 0; i < size; i++) {
        starts[i] = len;
        len += put_utf8(text + len, palette[data[i] % n_pal].cp);
    }
    starts[size] = len;
    check_text(text, len, &small, &big);
    REQUIRE(big.st == ATTN_OK || big.st == ATTN_ERR_LIMIT ||
            strstr(big.err, "the sentence is") == big.err);
    /* Every visible code point is inside a stored token (up to the last one
     * stored), and nothing is lost before it. */
    if (big.st == ATTN_OK) {
        size_t k = 0;
        for (size_t i = 0; i < size; i++) {
            while (k < big.n && big.toks[k].offset + big.toks[k].len <= starts[i]) k++;
            int inside = k < big.n && big.toks[k].offset <= starts[i] &&
                         starts[i + 1] <= big.toks[k].offset + big.toks[k].len;
            if (palette[data[i] % n_pal].visible) REQUIRE(inside);
        }
    }
    free(small.toks);
    free(big.toks);
    free(starts);
    free(text);
    return 0;
}
