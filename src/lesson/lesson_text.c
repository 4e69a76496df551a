/* Small text helpers for the lesson parser: spans of the file's text,
 * numbers, "did you mean", UTF-8 checking and a growing string. Each one
 * looks at every byte a bounded number of times, which keeps the parser
 * linear in the size of the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/checked.h"
#include "attnviz/suggest.h"

#include "lesson_internal.h"

span span_make(const char *s, size_t len) {
    span x = {s, len};
    return x;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

span span_trim(span x) {
    while (x.len > 0 && is_space(x.s[0])) x.s++, x.len--;
    while (x.len > 0 && is_space(x.s[x.len - 1])) x.len--;
    return x;
}

bool span_is(span x, const char *word) {
    size_t n = strlen(word);
    return x.len == n && memcmp(x.s, word, n) == 0;
}

bool span_starts(span x, const char *prefix) {
    size_t n = strlen(prefix);
    return x.len >= n && memcmp(x.s, prefix, n) == 0;
}

/* The needles are short constants ("-->", "{{"), so this is linear. */
bool span_has(span x, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= x.len; i++)
        if (memcmp(x.s + i, needle, n) == 0) return true;
    return false;
}

span span_after(span x, size_t n) {
    if (n > x.len) n = x.len;
    return span_make(x.s + n, x.len - n);
}

span span_word(span *rest) {
    span r = span_trim(*rest);
    size_t n = 0;
    while (n < r.len && !is_space(r.s[n])) n++;
    *rest = span_trim(span_after(r, n));
    return span_make(r.s, n);
}

char *span_dup(span x) {
    char *s = malloc(x.len + 1);
    if (!s) return NULL;
    if (x.len) memcpy(s, x.s, x.len);
    s[x.len] = '\0';
    return s;
}

const char *shown(span x, char buf[SHOWN_LEN]) {
    size_t n = x.len;
    bool cut = false;
    if (n > 40) {
        n = 40;
        /* Never cut a UTF-8 sequence: back up to the start of a code point. */
        while (n > 0 && ((unsigned char)x.s[n] & 0xC0) == 0x80) n--;
        cut = true;
    }
    memcpy(buf, x.s, n);
    if (cut) memcpy(buf + n, "...", 3), n += 3;
    buf[n] = '\0';
    return buf;
}

const char *closest_name(span x, const char *const *names, size_t n) {
    return attn_suggest(x.s, x.len, names, n);
}

int parse_whole(span x, uint64_t max, uint64_t *out) {
    if (x.len == 0) return -1;
    uint64_t v = 0;
    bool too_big = false;
    for (size_t i = 0; i < x.len; i++) {
        char c = x.s[i];
        if (c < '0' || c > '9') return -1;
        if (v > (UINT64_MAX - 9) / 10) too_big = true; /* keep reading: it may not be a number */
        else v = v * 10 + (uint64_t)(c - '0');
    }
    if (too_big || v > max) return 1;
    *out = v;
    return 0;
}

int parse_real(span x, double *out) {
    /* Check the shape first, so strtod sees only "-123.45": no hex, no
     * "inf" or "nan", no exponent, no leading spaces. */
    size_t i = 0, digits = 0, dots = 0;
    if (x.len > 0 && x.s[0] == '-') i = 1;
    for (; i < x.len; i++) {
        if (x.s[i] >= '0' && x.s[i] <= '9') digits++;
        else if (x.s[i] == '.') dots++;
        else return -1;
    }
    if (digits == 0 || dots > 1 || x.len > 40) return -1;
    char buf[48];
    memcpy(buf, x.s, x.len);
    buf[x.len] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}

bool strbuf_add(strbuf *b, const char *s, size_t n) {
    /* A lesson is at most LESSON_FILE_MAX bytes, so none of this can wrap
     * around; checked all the same, as every size in the project is. */
    size_t need;
    if (!attn_size_add(&need, b->len, n) || !attn_size_add(&need, need, 1)) return false;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need) /* doubling keeps appends linear; past SIZE_MAX / 2, just enough */
            if (!attn_size_mul(&cap, cap, 2)) cap = need;
        char *grown = realloc(b->s, cap);
        if (!grown) return false;
        b->s = grown;
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return true;
}

void strbuf_free(strbuf *b) {
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

bool split_key(span line, span *key, span *value) {
    for (size_t i = 0; i < line.len; i++) {
        if (line.s[i] == ':') {
            *key = span_trim(span_make(line.s, i));
            *value = span_trim(span_after(line, i + 1));
            return true;
        }
    }
    return false;
}
