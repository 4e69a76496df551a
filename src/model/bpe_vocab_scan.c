/* A quick reader for the one shape of JSON a vocabulary file has: a flat
 * object of "token": id, ids whole numbers. jansson builds a tree with an
 * allocation per key and value, which takes most of a GPT-2 load (about
 * 60 ms for 50257 tokens); this reads the same object in a few. It accepts
 * only valid JSON of that shape; on anything else bpe_load.c reads the file
 * with jansson again, which then gives the message (or, for valid JSON this
 * does not take, the same tokens: the fuzz target checks they agree). */
#include <string.h>

#include "bpe_private.h"

typedef struct scan {
    const unsigned char *s;
    size_t len, at;
} scan;

static void skip_space(scan *c) {
    while (c->at < c->len && (c->s[c->at] == ' ' || c->s[c->at] == '\t' ||
                              c->s[c->at] == '\n' || c->s[c->at] == '\r'))
        c->at++;
}

static int hex4(const unsigned char *s) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = s[i], d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(unsigned char *o, uint32_t cp) {
    if (cp < 0x80) return o[0] = (unsigned char)cp, 1;
    if (cp < 0x800) return o[0] = (unsigned char)(0xC0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 63)), 2;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
        o[2] = (unsigned char)(0x80 | (cp & 63));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 63));
    o[3] = (unsigned char)(0x80 | (cp & 63));
    return 4;
}

/* A string at c->at (its opening quote), unescaped into out (room for as
 * many bytes as the string has in the file). Its length, or -1. A NUL
 * (jansson refuses it in a key) and a lone surrogate are refused. */
static long read_string(scan *c, unsigned char *out) {
    if (c->at >= c->len || c->s[c->at] != '"') return -1;
    c->at++;
    size_t n = 0;
    while (c->at < c->len) {
        unsigned char ch = c->s[c->at];
        if (ch == '"') {
            c->at++;
            return (long)n;
        }
        if (ch < 0x20) return -1;
        if (ch != '\\') {
            uint32_t cp;
            size_t k = bpe_utf8_decode(c->s + c->at, c->len - c->at, &cp);
            if (!k) return -1;
            memcpy(out + n, c->s + c->at, k);
            n += k;
            c->at += k;
            continue;
        }
        if (c->at + 1 >= c->len) return -1;
        unsigned char e = c->s[c->at + 1];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char value[] = "\"\\/\b\f\n\r\t";
            out[n++] = (unsigned char)value[simple - "\"\\/bfnrt"];
            c->at += 2;
            continue;
        }
        if (e != 'u' || c->len - c->at < 6) return -1;
        int v = hex4(c->s + c->at + 2);
        c->at += 6;
        if (v <= 0 || (v >= 0xDC00 && v <= 0xDFFF)) return -1;
        uint32_t cp = (uint32_t)v;
        if (v >= 0xD800 && v <= 0xDBFF) { /* a high surrogate: its low one must follow */
            if (c->len - c->at < 6 || c->s[c->at] != '\\' || c->s[c->at + 1] != 'u') return -1;
            int lo = hex4(c->s + c->at + 2);
            if (lo < 0xDC00 || lo > 0xDFFF) return -1;
            cp = 0x10000 + ((uint32_t)(v - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
            c->at += 6;
        }
        n += put_utf8(out + n, cp); /* at most 4 bytes from at least 6 */
    }
    return -1;
}

/* A whole number of at most 9 digits, no sign, no leading zero. */
static long read_id(scan *c) {
    size_t start = c->at;
    long v = 0;
    while (c->at < c->len && c->s[c->at] >= '0' && c->s[c->at] <= '9' && c->at - start < 10)
        v = v * 10 + (c->s[c->at++] - '0');
    size_t digits = c->at - start;
    if (digits == 0 || digits > 9 || (digits > 1 && c->s[start] == '0')) return -1;
    /* a fraction or exponent would make it a real number */
    if (c->at < c->len && (c->s[c->at] == '.' || c->s[c->at] == 'e' || c->s[c->at] == 'E'))
        return -1;
    return v;
}

long bpe_vocab_scan(const char *text, size_t len, unsigned char *key_buf, bpe_vocab_entry_fn fn,
                    void *ctx) {
    scan c = {(const unsigned char *)text, len, 0};
    skip_space(&c);
    if (c.at >= len || c.s[c.at] != '{') return -1;
    c.at++;
    skip_space(&c);
    long n = 0;
    if (c.at < len && c.s[c.at] == '}') {
        c.at++;
    } else {
        for (;;) {
            skip_space(&c);
            long klen = read_string(&c, key_buf);
            if (klen < 0) return -1;
            skip_space(&c);
            if (c.at >= len || c.s[c.at] != ':') return -1;
            c.at++;
            skip_space(&c);
            long id = read_id(&c);
            if (id < 0) return -1;
            if (fn && !fn(ctx, key_buf, (size_t)klen, id)) return -2;
            n++;
            skip_space(&c);
            if (c.at < len && c.s[c.at] == ',') {
                c.at++;
                continue;
            }
            if (c.at < len && c.s[c.at] == '}') {
                c.at++;
                break;
            }
            return -1;
        }
    }
    skip_space(&c);
    return c.at == len ? n : -1;
}
