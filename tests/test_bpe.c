/* GPT-2's tokenizer (bpe.h): the shipped vocabulary gives the reference
 * encoder's ids for every string of tests/bpe/gpt2_reference.json, decodes
 * back to the same bytes, with spans that cover the text in order; the
 * display form; every refusal of a malformed vocabulary, merges file or
 * text with its message; load and encode times.
 *
 * Usage: test_bpe [VOCAB_DIR [FIXTURE]]
 *        (default assets/gpt2 and tests/bpe/gpt2_reference.json, from the source tree) */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attnviz/bpe.h"
#include "check.h"

static char err[1024];

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static const char *show(const model_bpe *b, int32_t id, char *out, size_t cap) {
    size_t len = 0;
    const unsigned char *t = model_bpe_token(b, id, &len);
    model_bpe_display(t, len, out, cap);
    return out;
}

/* ---- the reference ids ------------------------------------------------------------- */
static void test_reference(const model_bpe *b, const char *fixture) {
    json_error_t je;
    json_t *root = json_load_file(fixture, 0, &je);
    CHECKF(root != NULL, "%s: %s", fixture, je.text);
    if (!root) return;
    json_t *cases = json_object_get(root, "cases");
    CHECKF(json_array_size(cases) >= 400, "%s holds %zu cases", fixture, json_array_size(cases));
    size_t index, matched = 0;
    json_t *c;
    enum { MAX = 4096 };
    static int32_t ids[MAX];
    static model_bpe_span spans[MAX];
    static char back[MAX * 8];
    json_array_foreach(cases, index, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        size_t len = json_string_length(json_object_get(c, "text"));
        json_t *want = json_object_get(c, "ids");
        size_t n = 0;
        attn_status s = model_bpe_encode(b, text, len, ids, spans, MAX, &n, err, sizeof err);
        CHECKF(s == ATTN_OK, "case %zu: %s", index, err);
        bool same = s == ATTN_OK && n == json_array_size(want);
        for (size_t i = 0; same && i < n; i++)
            same = ids[i] == json_integer_value(json_array_get(want, i));
        CHECKF(same, "case %zu \"%s\": %zu ids, not the reference's %zu (first: %d vs %d)", index,
               text, n, json_array_size(want), n ? ids[0] : -1,
               (int)json_integer_value(json_array_get(want, 0)));
        matched += same;
        /* spans: in order, touching, covering the text; each the token's bytes */
        bool cover = n > 0 || len == 0;
        size_t at = 0;
        for (size_t i = 0; cover && i < n; i++) {
            size_t tl = 0;
            const unsigned char *t = model_bpe_token(b, ids[i], &tl);
            cover = spans[i].begin == at && spans[i].end > at && spans[i].end - at == tl &&
                    memcmp(t, text + at, tl) == 0;
            at = spans[i].end;
        }
        CHECKF(cover && at == len, "case %zu \"%s\": the spans do not cover the text", index,
               text);
        size_t blen = 0;
        s = model_bpe_decode(b, ids, n, back, sizeof back, &blen, err, sizeof err);
        CHECKF(s == ATTN_OK && blen == len && memcmp(back, text, len) == 0,
               "case %zu \"%s\": decode(encode(s)) != s", index, text);
    }
    printf("test_bpe: %zu of %zu reference strings give the reference ids\n", matched,
           json_array_size(cases));
    json_decref(root);
}

/* Where JavaScript's \s differs from Python's (U+0085 is space in Python,
 * U+FEFF in JavaScript), GPT-2's own encoder.py (Python's regex module) is
 * followed: ids from tests/bpe/check_with_python.py. The JavaScript reference
 * gives 64 1587 227 65 and 64 220 171 119 123 65 for the first two. */
static void test_python_spaces(const model_bpe *b) {
    static const struct {
        const char *text;
        int32_t ids[8];
        size_t n;
    } cases[] = {
        {"a \xC2\x85" "b", {64, 220, 126, 227, 65}, 5},
        {"a \xEF\xBB\xBF" "b", {64, 27332, 119, 123, 65}, 5},
        {"x\xC2\x85\xC2\x85" "y", {87, 126, 227, 126, 227, 88}, 6},
        {"\xEF\xBB\xBFHello", {171, 119, 123, 15496}, 4},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        int32_t ids[16];
        size_t n = 0;
        attn_status s = model_bpe_encode(b, cases[k].text, strlen(cases[k].text), ids, NULL, 16,
                                         &n, err, sizeof err);
        CHECKF(s == ATTN_OK && n == cases[k].n &&
                   memcmp(ids, cases[k].ids, n * sizeof *ids) == 0,
               "Python's \\s, case %zu: %zu ids", k, n);
    }
}

/* ---- loading ---------------------------------------------------------------------- */
static void copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
    if (in) fclose(in);
    if (out) fclose(out);
}

static void test_layouts(const char *dir) {
    char tmp[] = "/tmp/attnviz-bpe-XXXXXX", a[512], bpath[512];
    CHECK(mkdtemp(tmp) != NULL);
    model_bpe *b = NULL;
    /* an empty folder: the message names it and both layouts' files */
    CHECK(model_bpe_load_dir(&b, tmp, err, sizeof err) != ATTN_OK && b == NULL);
    CHECK_STR_CONTAINS(err, tmp);
    CHECK_STR_CONTAINS(err, "vocab.json + merges.txt");
    CHECK_STR_CONTAINS(err, "encoder.json + vocab.bpe");
    /* Hugging Face's names */
    /* the folder under test may have either layout */
    snprintf(a, sizeof a, "%s/encoder.json", dir);
    if (access(a, R_OK) != 0) snprintf(a, sizeof a, "%s/vocab.json", dir);
    snprintf(bpath, sizeof bpath, "%s/vocab.json", tmp);
    copy_file(a, bpath);
    /* the vocabulary alone: the missing merges file is named */
    CHECK(model_bpe_load_dir(&b, tmp, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "merges.txt");
    snprintf(a, sizeof a, "%s/vocab.bpe", dir);
    if (access(a, R_OK) != 0) snprintf(a, sizeof a, "%s/merges.txt", dir);
    char m[512];
    snprintf(m, sizeof m, "%s/merges.txt", tmp);
    copy_file(a, m);
    CHECKF(model_bpe_load_dir(&b, tmp, err, sizeof err) == ATTN_OK, "%s", err);
    if (b) {
        int32_t ids[8];
        size_t n = 0;
        CHECK(model_bpe_encode(b, "Hello, world", 12, ids, NULL, 8, &n, err, sizeof err) ==
                  ATTN_OK &&
              n == 3 && ids[0] == 15496 && ids[1] == 11 && ids[2] == 995);
    }
    model_bpe_destroy(b);
    unlink(bpath);
    unlink(m);
    rmdir(tmp);
    CHECK(model_bpe_load_files(&b, "/nonexistent/vocab.json", "/nonexistent/merges.txt", err,
                               sizeof err) == ATTN_ERR_IO);
    CHECK_STR_CONTAINS(err, "/nonexistent/vocab.json");
    CHECK(model_bpe_load_files(&b, "/tmp", "/tmp", err, sizeof err) == ATTN_ERR_IO);
    CHECK_STR_CONTAINS(err, "folder");
}

/* ---- a small vocabulary: the 256 bytes, then given tokens ------------------------- */
/* byte -> its character in the files (encoder.py's bytes_to_unicode) as UTF-8 */
static size_t byte_char(int byte, char *out) {
    bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || byte >= 174;
    unsigned cp = (unsigned)byte;
    if (!printable) {
        unsigned n = 0;
        for (int c = 0; c < byte; c++)
            n += !((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174);
        cp = 256 + n;
    }
    if (cp < 0x80) return out[0] = (char)cp, 1;
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 63));
    return 2;
}

/* {"<byte 0>": 0, ..., "<byte 255>": 255, extra...} with skip_byte left out
 * (-1: none) */
static char *small_vocab(const char *extra, int skip_byte) {
    size_t cap = 8192 + strlen(extra);
    char *v = malloc(cap), ch[4];
    size_t at = 0;
    v[at++] = '{';
    int id = 0;
    for (int byte = 0; byte < 256; byte++) {
        if (byte == skip_byte) continue;
        size_t n = byte_char(byte, ch);
        at += (size_t)snprintf(v + at, cap - at, "%s\"", id ? "," : "");
        if (ch[0] == '"' || ch[0] == '\\') v[at++] = '\\';
        memcpy(v + at, ch, n);
        at += n;
        at += (size_t)snprintf(v + at, cap - at, "\":%d", id++);
    }
    snprintf(v + at, cap - at, "%s}", extra);
    return v;
}

static attn_status load_small(model_bpe **b, const char *vocab, const char *merges) {
    return model_bpe_load_memory(b, vocab, strlen(vocab), "vocab.json", merges, strlen(merges),
                                 "merges.txt", err, sizeof err);
}

static void refused(const char *vocab, const char *merges, const char *want) {
    model_bpe *b = NULL;
    attn_status s = load_small(&b, vocab, merges);
    CHECKF(s != ATTN_OK && b == NULL, "accepted, expected \"%s\"", want);
    if (s != ATTN_OK) CHECK_STR_CONTAINS(err, want);
    CHECKF(strchr(err, '\n') == NULL, "message of more than one line: %s", err);
    model_bpe_destroy(b);
}

static void test_small(void) {
    char *v = small_vocab(",\"aa\":256,\"ab\":257,\"aab\":258,\"\\u0120a\":259", -1);
    model_bpe *b = NULL;
    const char *merges = "#version: 0.2\na a\na b\naa b\n\xC4\xA0 a\n";
    CHECKF(load_small(&b, v, merges) == ATTN_OK, "%s", err);
    if (b) {
        CHECK(model_bpe_vocab_size(b) == 260 && model_bpe_merges(b) == 4 && model_bpe_eot(b) == -1);
        int32_t ids[16];
        size_t n = 0;
        /* "aaab": (a a) first, left to right: aa a b; then (a b): aa ab */
        CHECK(model_bpe_encode(b, "aaab", 4, ids, NULL, 16, &n, err, sizeof err) == ATTN_OK);
        CHECK(n == 2 && ids[0] == 256 && ids[1] == 257);
        /* "aab": aa b -> aab (rank 2) */
        CHECK(model_bpe_encode(b, "aab", 3, ids, NULL, 16, &n, err, sizeof err) == ATTN_OK);
        CHECK(n == 1 && ids[0] == 258);
        /* " a" is one token through the space's character Ġ */
        CHECK(model_bpe_encode(b, " a", 2, ids, NULL, 16, &n, err, sizeof err) == ATTN_OK);
        CHECK(n == 1 && ids[0] == 259);
        /* 100 000 of one letter: one piece, merged in well under a second */
        size_t big = 100000;
        char *text = malloc(big);
        int32_t *many = malloc(big * sizeof *many);
        memset(text, 'a', big);
        double t0 = now_ms();
        CHECK(model_bpe_encode(b, text, big, many, NULL, big, &n, err, sizeof err) == ATTN_OK);
        CHECKF(now_ms() - t0 < 1000, "a 100000-letter word took %.0f ms", now_ms() - t0);
        CHECK(n == big / 2 && many[0] == 256 && many[n - 1] == 256);
        free(text);
        free(many);
    }
    model_bpe_destroy(b);
    /* the vocabulary file */
    refused("{", "", "vocab.json is not valid JSON");
    refused("[1, 2]", "", "vocab.json is not a vocabulary");
    refused("{}", "", "vocab.json is not a vocabulary");
    char *bad = small_vocab(",\"aa\":999", -1);
    refused(bad, "", "the id of token \"aa\" is not a whole number from 0 to 256");
    free(bad);
    bad = small_vocab(",\"aa\":-1", -1);
    refused(bad, "", "the id of token \"aa\"");
    free(bad);
    bad = small_vocab(",\"aa\":\"7\"", -1);
    refused(bad, "", "the id of token \"aa\"");
    free(bad);
    bad = small_vocab(",\"aa\":255", -1);
    refused(bad, "", "vocab.json: id 255 is given to two tokens");
    free(bad);
    bad = small_vocab(",\"a\":256", -1);
    refused(bad, "", "duplicate object key"); /* jansson's own words */
    free(bad);
    bad = small_vocab(",\"a b\":256", -1);
    refused(bad, "", "has a character outside GPT-2's byte alphabet");
    free(bad);
    bad = small_vocab(",\"\":256", -1);
    refused(bad, "", "token 256 is empty");
    free(bad);
    bad = small_vocab("", 'z');
    refused(bad, "", "vocab.json has no token for byte 0x7A");
    free(bad);
    /* the merges file */
    refused(v, "a a b\n", "merges.txt line 1 is not a merge");
    refused(v, "#version: 0.2\na a\naa\n", "merges.txt line 3 is not a merge");
    refused(v, "a  b\n", "merges.txt line 1 is not a merge");
    refused(v, "a b\na\xC8\x80 b\n", "merges.txt line 2 has a character outside");
    refused(v, "a b\nq aa\n", "merges.txt line 2 merges into a token that is not there");
    refused(v, "a b\nab qq\n", "merges.txt line 2 merges an unknown token: \"qq\"");
    refused(v, "a a\na b\na a\n", "merges.txt line 3 repeats an earlier merge (rank 0)");
    /* CRLF line ends and a trailing blank line are fine */
    CHECKF(load_small(&b, v, "#version: 0.2\r\na a\r\n\r\n") == ATTN_OK, "%s", err);
    model_bpe_destroy(b);
    free(v);
}

/* ---- text the encoder refuses ---------------------------------------------------- */
static void test_text(const model_bpe *b) {
    int32_t ids[64];
    size_t n = 99;
    static const char *const bad[] = {"ok\xC3\x28", "\xED\xA0\x80", "\xC0\xAF", "x\xE2\x82",
                                      "\xF4\x90\x80\x80", "\xFF"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(model_bpe_encode(b, bad[i], strlen(bad[i]), ids, NULL, 64, &n, err, sizeof err) ==
              ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "not valid UTF-8");
        CHECK(n == 0);
    }
    CHECK(model_bpe_encode(b, "ok\xC3\x28", 4, ids, NULL, 64, &n, err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "byte 2 (0xC3)");
    CHECK(model_bpe_encode(b, "Hello, world", 12, ids, NULL, 2, &n, err, sizeof err) ==
          ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "more than 2 tokens");
    CHECK(model_bpe_encode(b, "", 0, ids, NULL, 0, &n, err, sizeof err) == ATTN_OK && n == 0);
    /* a NUL inside the text is a byte like any other */
    CHECK(model_bpe_encode(b, "a\0b", 3, ids, NULL, 64, &n, err, sizeof err) == ATTN_OK && n == 3);
    char out[8];
    size_t len = 0;
    int32_t two[2] = {15496, 50257};
    CHECK(model_bpe_decode(b, two, 2, out, sizeof out, &len, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "id 50257");
    two[1] = 15496; /* "HelloHello": 10 bytes */
    CHECK(model_bpe_decode(b, two, 2, out, sizeof out, &len, err, sizeof err) == ATTN_ERR_LIMIT &&
          len == 10);
    CHECK(model_bpe_token(b, -1, &len) == NULL && model_bpe_token(b, 50257, &len) == NULL);
    CHECK(model_bpe_eot(b) == MODEL_BPE_GPT2_EOT && model_bpe_vocab_size(b) == MODEL_BPE_GPT2_VOCAB);
}

/* ---- display ------------------------------------------------------------------------- */
/* Blank: empty or only White_Space, whatever the kind of space. */
static void test_blank(void) {
    CHECK(model_bpe_blank("", 0));
    CHECK(model_bpe_blank(" \t\n\r", 4));
    CHECK(model_bpe_blank("\xC2\xA0\xE3\x80\x80", 5)); /* no-break space, ideographic space */
    CHECK(!model_bpe_blank(" a ", 3));
    CHECK(!model_bpe_blank(" \xE2\x80\x8B", 4)); /* a zero-width space is not White_Space */
    CHECK(!model_bpe_blank(" \xFF", 2));          /* malformed */
}

static void test_display(const model_bpe *b) {
    char s[64];
    CHECK(strcmp(show(b, 5044, s, sizeof s), "\xC2\xB7" "animal") == 0); /* ·animal */
    CHECK(strcmp(show(b, 15496, s, sizeof s), "Hello") == 0);
    CHECK(strcmp(show(b, 628, s, sizeof s), "\xE2\x86\xB5\xE2\x86\xB5") == 0); /* ↵↵ */
    CHECK(strcmp(show(b, 38251, s, sizeof s), "\xC2\xB7\xC3\xA9") == 0);        /* ·é */
    CHECK(strcmp(show(b, 10545, s, sizeof s), "\xC2\xB7<E6>") == 0); /* a space and a lead byte */
    CHECK(strcmp(show(b, 245, s, sizeof s), "<97>") == 0);            /* a continuation byte */
    const unsigned char tab[] = "\tx\r\x7f";
    model_bpe_display(tab, 4, s, sizeof s);
    CHECK(strcmp(s, "\xE2\x86\x92x<0D><7F>") == 0); /* →x<0D><7F> */
    const unsigned char part[] = "\xE2\x82";         /* two of €'s three bytes */
    CHECK(model_bpe_display(part, 2, s, sizeof s) == 8 && strcmp(s, "<E2><82>") == 0);
    const unsigned char nel[] = "\xC2\x85";          /* a C1 control: hex, not shown as is */
    model_bpe_display(nel, 2, s, sizeof s);
    CHECK(strcmp(s, "<C2><85>") == 0);
    CHECK(strcmp(show(b, 20543, s, sizeof s), "\xC2\xB7<U+FFFD>") == 0); /* a real U+FFFD */
    /* cut only between shown characters, the length of the whole still returned */
    const unsigned char sp[] = " animal";
    CHECK(model_bpe_display(sp, 7, s, 2) == 8 && s[0] == '\0');
    CHECK(model_bpe_display(sp, 7, s, 4) == 8 && strcmp(s, "\xC2\xB7" "a") == 0);
    CHECK(model_bpe_display(sp, 7, NULL, 0) == 8);
    /* no token of the vocabulary shows U+FFFD or a raw control byte */
    size_t bad = 0;
    for (int32_t id = 0; id < (int32_t)model_bpe_vocab_size(b); id++) {
        char d[8192];
        show(b, id, d, sizeof d);
        for (const unsigned char *p = (const unsigned char *)d; *p; p++) bad += *p < 0x20 || *p == 0x7F;
        bad += strstr(d, "\xEF\xBF\xBD") != NULL;
    }
    CHECKF(bad == 0, "%zu tokens show a control byte or U+FFFD", bad);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "assets/gpt2";
    const char *fixture = argc > 2 ? argv[2] : "tests/bpe/gpt2_reference.json";
    model_bpe *b = NULL;
    double t0 = now_ms();
    attn_status s = model_bpe_load_dir(&b, dir, err, sizeof err);
    double load_ms = now_ms() - t0;
    CHECKF(s == ATTN_OK, "%s", err);
    if (!b) return check_done("test_bpe");
    CHECKF(load_ms < 1000, "loading GPT-2's vocabulary took %.0f ms", load_ms);
    test_reference(b, fixture);
    test_python_spaces(b);
    test_text(b);
    test_display(b);
    test_blank();
    test_layouts(dir);
    test_small();
    /* encode speed: the reference strings, 20 times over */
    json_t *root = json_load_file(fixture, 0, NULL);
    size_t total = 0, cap = 1 << 20, n = 0;
    char *text = malloc(cap);
    for (int rep = 0; rep < 20 && root; rep++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(root, "cases"), i, c) {
            json_t *t = json_object_get(c, "text");
            size_t l = json_string_length(t);
            if (total + l + 1 > cap) break;
            memcpy(text + total, json_string_value(t), l);
            total += l;
            text[total++] = '\n';
        }
    }
    json_decref(root);
    int32_t *ids = malloc(total * sizeof *ids);
    t0 = now_ms();
    s = model_bpe_encode(b, text, total, ids, NULL, total, &n, err, sizeof err);
    double enc_ms = now_ms() - t0;
    CHECKF(s == ATTN_OK, "%s", err);
    printf("test_bpe: load %.1f ms; encode %zu bytes -> %zu tokens in %.1f ms (%.0f tokens/ms)\n",
           load_ms, total, n, enc_ms, enc_ms > 0 ? (double)n / enc_ms : 0.0);
    free(ids);
    free(text);
    model_bpe_destroy(b);
    return check_done("test_bpe");
}
