/* GPT-2's pre-split, by hand: the text is cut into pieces by
 *
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *
 * matched again and again from where the last piece ended, the first
 * alternative that matches winning (a regex engine's leftmost-first rule).
 * Every character starts some alternative, so the pieces cover the text.
 * Letters and numbers are Unicode's general categories L* and N*
 * (utf8proc's tables); \s is Unicode's White_Space property. */
#include <utf8proc.h>

#include "bpe_private.h"

size_t bpe_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) n = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, v = c & 0x07, min = 0x10000;
    else return 0; /* a continuation byte, C0/C1 (overlong) or F5-FF */
    if (len < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return n;
}

bool bpe_is_letter(uint32_t cp) {
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return true;
    default: return false;
    }
}

bool bpe_is_number(uint32_t cp) {
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return true;
    default: return false;
    }
}

/* Unicode's White_Space: tab to carriage return, NEL, and the separators
 * (Zs, Zl, Zp: space, no-break space, the en/em spaces, line and paragraph
 * separators, ideographic space). */
bool bpe_is_space(uint32_t cp) {
    if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) return true;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: return true;
    default: return false;
    }
}

bool model_bpe_blank(const char *text, size_t len) {
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
    while (len > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t used = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
        if (used <= 0 || !bpe_is_space((uint32_t)cp)) return false;
        p += used;
        len -= (size_t)used;
    }
    return true;
}

enum cls { LETTER, NUMBER, SPACE, OTHER };

static enum cls class_of(uint32_t cp) {
    if (bpe_is_letter(cp)) return LETTER;
    if (bpe_is_number(cp)) return NUMBER;
    if (bpe_is_space(cp)) return SPACE;
    return OTHER;
}

/* The class of the character at text[at] and its length (the text is valid). */
static enum cls at_class(const unsigned char *text, size_t len, size_t at, size_t *n) {
    uint32_t cp = 0;
    *n = bpe_utf8_decode(text + at, len - at, &cp);
    if (*n == 0) *n = 1; /* cannot happen on checked text; keeps the scan moving */
    return class_of(cp);
}

/* 's 't 're 've 'm 'll 'd, lower case only (the pattern is case-sensitive):
 * their length, or 0. */
static size_t contraction(const unsigned char *t, size_t left) {
    if (left < 2 || t[0] != '\'') return 0;
    unsigned char a = t[1], b = left >= 3 ? t[2] : 0;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

size_t bpe_split_next(const unsigned char *text, size_t len, size_t at) {
    size_t k = contraction(text + at, len - at);
    if (k) return at + k;
    size_t n;
    enum cls first = at_class(text, len, at, &n);
    /* ' ?X+': an optional plain space, then a run of one class (the
     * "other" class being neither letter, number nor space) */
    size_t start = at;
    enum cls want = first;
    if (text[at] == ' ' && at + 1 < len) {
        size_t n2;
        enum cls next = at_class(text, len, at + 1, &n2);
        if (next != SPACE) {
            want = next;
            start = at + 1;
        }
    }
    if (want != SPACE) {
        size_t end = start;
        while (end < len && at_class(text, len, end, &n) == want) end += n;
        return end;
    }
    /* whitespace: '\s+(?!\S)' takes the run, but when a non-space follows,
     * gives its last character back so ' ?X+' can take it with the next
     * word; a run of one character before a non-space falls to '\s+'. */
    size_t end = at, last = at;
    while (end < len && at_class(text, len, end, &n) == SPACE) {
        last = end;
        end += n;
    }
    if (end == len) return end;
    return last > at ? last : end;
}
