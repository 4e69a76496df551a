/* Tokenizer: UTF-8 text -> word and punctuation tokens (see tokenize.h).
 *
 * One pass over the bytes. Each step decodes one code point (refusing
 * invalid UTF-8 on the spot), looks up its class, and either extends the
 * open token or closes it and opens a new one. Only the first max_tokens
 * tokens are stored; counting goes on to the end so the limit message can say
 * how many there are. Lookahead is at most one code point, so the whole scan
 * is linear in the length of the text. Nothing is allocated.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attnviz/tokenize.h"

/* ---- classes of code points ----------------------------------------------- */

/* What a code point does to the tokens around it. */
typedef enum cp_class {
    CL_WORD,     /* letters and digits of any script: runs of them make a word */
    CL_PUNCT,    /* punctuation and symbols: one token per code point */
    CL_IDEO,     /* CJK ideographs and kana: one token each (CJK has no spaces) */
    CL_EMOJI,    /* emoji and pictographs: one token each, sequences kept whole */
    CL_RI,       /* regional indicator letters: two of them are one flag */
    CL_MODIFIER, /* emoji skin tones: part of the emoji before them */
    CL_MARK,     /* combining marks: part of the token before them */
    CL_FORMAT,   /* invisible: joiners, variation selectors, tags, bidi marks */
    CL_SPACE,    /* separates tokens and is dropped */
    CL_CONTROL,  /* control characters: not text, refused */
} cp_class;

typedef struct cp_range {
    uint32_t lo, hi; /* inclusive */
    cp_class cls;
} cp_range;

/* Classes of code points from U+0080 up, sorted and not overlapping. This is
 * not the Unicode database: it is the short list of ranges a sentence needs.
 * Anything not listed is a letter (CL_WORD), which is right for the letters
 * of every alphabetic script (é, ß, Cyrillic, Greek, Arabic, Hangul, ...) and
 * harmless for the rest: an unlisted symbol only sticks to a neighbouring
 * word instead of standing alone.
 * Known simplifications: Thai, Lao, Khmer and Myanmar text (no spaces) comes
 * out as one word per space-separated run, since splitting it needs a
 * dictionary; Hangul is letters because Korean puts spaces between words. */
static const cp_range ranges[] = {
    {0x0080, 0x0084, CL_CONTROL},   /* C1 controls */
    {0x0085, 0x0085, CL_SPACE},     /* next line (NEL), Unicode whitespace */
    {0x0086, 0x009F, CL_CONTROL},   /* C1 controls */
    {0x00A0, 0x00A0, CL_SPACE},     /* no-break space */
    {0x00A1, 0x00A9, CL_PUNCT},     /* ¡ ¢ £ ¤ ¥ ¦ § ¨ © */
    {0x00AB, 0x00AC, CL_PUNCT},     /* « ¬  (ª is a letter) */
    {0x00AD, 0x00AD, CL_FORMAT},    /* soft hyphen: invisible, inside words */
    {0x00AE, 0x00B1, CL_PUNCT},     /* ® ¯ ° ± */
    {0x00B4, 0x00B4, CL_PUNCT},     /* ´  (² ³ are digits) */
    {0x00B6, 0x00B8, CL_PUNCT},     /* ¶ · ¸  (µ is a letter) */
    {0x00BB, 0x00BF, CL_PUNCT},     /* » ¼ ½ ¾ ¿  (¹ º are letters/digits) */
    {0x00D7, 0x00D7, CL_PUNCT},     /* × */
    {0x00F7, 0x00F7, CL_PUNCT},     /* ÷ */
    {0x0300, 0x036F, CL_MARK},      /* combining diacritical marks */
    {0x037E, 0x037E, CL_PUNCT},     /* Greek question mark */
    {0x0387, 0x0387, CL_PUNCT},     /* Greek ano teleia */
    {0x0483, 0x0489, CL_MARK},      /* combining Cyrillic marks */
    {0x060C, 0x060C, CL_PUNCT},     /* Arabic comma */
    {0x061B, 0x061B, CL_PUNCT},     /* Arabic semicolon */
    {0x061C, 0x061C, CL_FORMAT},    /* Arabic letter mark (bidi) */
    {0x061F, 0x061F, CL_PUNCT},     /* Arabic question mark */
    {0x06D4, 0x06D4, CL_PUNCT},     /* Arabic full stop */
    {0x0964, 0x0965, CL_PUNCT},     /* Devanagari danda, double danda */
    {0x1680, 0x1680, CL_SPACE},     /* Ogham space mark */
    {0x180E, 0x180E, CL_FORMAT},    /* Mongolian vowel separator */
    {0x1AB0, 0x1AFF, CL_MARK},      /* combining diacritical marks extended */
    {0x1DC0, 0x1DFF, CL_MARK},      /* combining diacritical marks supplement */
    {0x2000, 0x200B, CL_SPACE},     /* en quad .. hair space, zero-width space */
    {0x200C, 0x200F, CL_FORMAT},    /* ZWNJ, ZWJ, left-to-right/right-to-left marks */
    {0x2010, 0x2027, CL_PUNCT},     /* hyphens, dashes, quotes, bullets, … */
    {0x2028, 0x2029, CL_SPACE},     /* line and paragraph separators */
    {0x202A, 0x202E, CL_FORMAT},    /* bidi embeddings and overrides */
    {0x202F, 0x202F, CL_SPACE},     /* narrow no-break space */
    {0x2030, 0x205E, CL_PUNCT},     /* ‰ ′ ‹ › ‼ ⁇ ⁉ … */
    {0x205F, 0x205F, CL_SPACE},     /* medium mathematical space */
    {0x2060, 0x206F, CL_FORMAT},    /* word joiner, invisible operators, bidi isolates */
    {0x20A0, 0x20CF, CL_PUNCT},     /* currency signs: € ₹ ₿ ... */
    {0x20D0, 0x20FF, CL_MARK},      /* combining marks for symbols, keycap U+20E3 */
    {0x2190, 0x21FF, CL_EMOJI},     /* arrows (↔ ↩ are emoji) */
    {0x2200, 0x22FF, CL_PUNCT},     /* mathematical operators */
    {0x2300, 0x23FF, CL_EMOJI},     /* miscellaneous technical: ⌚ ⌛ ⏰ ⏳ */
    {0x2460, 0x24FF, CL_EMOJI},     /* enclosed alphanumerics: ① Ⓜ */
    {0x2500, 0x25FF, CL_EMOJI},     /* box drawing, blocks, geometric shapes: ▶ ◻ */
    {0x2600, 0x27BF, CL_EMOJI},     /* miscellaneous symbols, dingbats: ☀ ♀ ❤ ✈ */
    {0x27C0, 0x27FF, CL_PUNCT},     /* mathematical symbols and arrows: ⟨ ⟩ */
    {0x2900, 0x297F, CL_EMOJI},     /* supplemental arrows: ⤴ ⤵ */
    {0x2980, 0x2AFF, CL_PUNCT},     /* mathematical symbols and operators */
    {0x2B00, 0x2BFF, CL_EMOJI},     /* miscellaneous symbols and arrows: ⬛ ⭐ ⭕ */
    {0x2E00, 0x2E7F, CL_PUNCT},     /* supplemental punctuation */
    {0x2E80, 0x2FDF, CL_IDEO},      /* CJK radicals, Kangxi radicals */
    {0x2FF0, 0x2FFF, CL_PUNCT},     /* ideographic description characters */
    {0x3000, 0x3000, CL_SPACE},     /* ideographic space */
    {0x3001, 0x303F, CL_PUNCT},     /* CJK symbols and punctuation: 、 。 「 」 */
    {0x3040, 0x3098, CL_IDEO},      /* hiragana */
    {0x3099, 0x309A, CL_MARK},      /* combining kana voiced sound marks */
    {0x309B, 0x30FF, CL_IDEO},      /* hiragana (rest), katakana */
    {0x3100, 0x312F, CL_IDEO},      /* bopomofo */
    {0x3190, 0x31FF, CL_IDEO},      /* kanbun, bopomofo extended, strokes, katakana ext. */
    {0x3200, 0x32FF, CL_EMOJI},     /* enclosed CJK letters and months: ㊗ ㊙ */
    {0x3300, 0x33FF, CL_IDEO},      /* CJK compatibility: ㌀ ㍿ */
    {0x3400, 0x4DBF, CL_IDEO},      /* CJK unified ideographs extension A */
    {0x4DC0, 0x4DFF, CL_PUNCT},     /* Yijing hexagram symbols */
    {0x4E00, 0x9FFF, CL_IDEO},      /* CJK unified ideographs */
    {0xF900, 0xFAFF, CL_IDEO},      /* CJK compatibility ideographs */
    {0xFE00, 0xFE0F, CL_FORMAT},    /* variation selectors (U+FE0F: emoji style) */
    {0xFE10, 0xFE1F, CL_PUNCT},     /* vertical forms */
    {0xFE20, 0xFE2F, CL_MARK},      /* combining half marks */
    {0xFE30, 0xFE6F, CL_PUNCT},     /* CJK compatibility forms, small form variants */
    {0xFEFF, 0xFEFF, CL_FORMAT},    /* byte order mark / zero-width no-break space */
    {0xFF01, 0xFF0F, CL_PUNCT},     /* fullwidth ！ ＂ ＃ ... ／ */
    {0xFF1A, 0xFF20, CL_PUNCT},     /* fullwidth ： ； ＜ ＝ ＞ ？ ＠ */
    {0xFF3B, 0xFF40, CL_PUNCT},     /* fullwidth ［ ＼ ］ ＾ ＿ ｀ */
    {0xFF5B, 0xFF65, CL_PUNCT},     /* fullwidth ｛ ｜ ｝ ～, halfwidth ｡ ｢ ｣ ､ ･ */
    {0xFF66, 0xFF9F, CL_IDEO},      /* halfwidth katakana */
    {0xFFE0, 0xFFEE, CL_PUNCT},     /* fullwidth ￠ ￡ ￥, halfwidth symbols */
    {0xFFF9, 0xFFFB, CL_FORMAT},    /* interlinear annotation marks */
    {0xFFFC, 0xFFFD, CL_PUNCT},     /* object replacement, replacement character */
    {0x1B000, 0x1B16F, CL_IDEO},    /* kana supplement and extensions */
    {0x1F000, 0x1F1E5, CL_EMOJI},   /* mahjong, dominoes, cards, enclosed alphanumerics */
    {0x1F1E6, 0x1F1FF, CL_RI},      /* regional indicators A..Z */
    {0x1F200, 0x1F3FA, CL_EMOJI},   /* enclosed ideographs, pictographs: 🈁 🌈 🏳 */
    {0x1F3FB, 0x1F3FF, CL_MODIFIER}, /* skin tones 🏻 .. 🏿 */
    {0x1F400, 0x1FBFF, CL_EMOJI},   /* pictographs, emoticons, transport, ... 🫶 */
    {0x20000, 0x3FFFD, CL_IDEO},    /* CJK extensions B..H, compatibility supplement */
    {0xE0000, 0xE007F, CL_FORMAT},  /* tags (subdivision flags 🏴󠁧󠁢󠁳󠁣󠁴󠁿) */
    {0xE0100, 0xE01EF, CL_FORMAT},  /* variation selectors supplement */
};

static cp_class classify(uint32_t cp) {
    if (cp < 0x80) {
        if (cp == ' ' || (cp >= '\t' && cp <= '\r')) return CL_SPACE;
        if (cp < 0x20 || cp == 0x7F) return CL_CONTROL;
        if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
            return CL_WORD;
        return CL_PUNCT;
    }
    size_t lo = 0, hi = sizeof ranges / sizeof ranges[0];
    while (lo < hi) { /* binary search: first range with ranges[mid].hi >= cp */
        size_t mid = lo + (hi - lo) / 2;
        if (ranges[mid].hi < cp) lo = mid + 1;
        else hi = mid;
    }
    if (lo < sizeof ranges / sizeof ranges[0] && ranges[lo].lo <= cp) return ranges[lo].cls;
    return CL_WORD;
}

/* Apostrophes and hyphens that stay inside a word when a letter or digit is
 * on both sides: "don't", "it’s", "well-known". U+2010 is the hyphen, U+2011
 * the non-breaking hyphen. Dashes (– —) are not joiners: "1990–2000". */
static bool is_inner_joiner(uint32_t cp) {
    return cp == '\'' || cp == 0x2019 || cp == '-' || cp == 0x2010 || cp == 0x2011;
}

/* ---- UTF-8 decoding ------------------------------------------------------- */

typedef enum utf8_problem {
    U8_STRAY_CONTINUATION, /* 0x80..0xBF where a code point should start */
    U8_BAD_BYTE,           /* 0xF8..0xFF never occur in UTF-8 */
    U8_TRUNCATED,          /* the text ends inside a code point */
    U8_MISSING_CONTINUATION,
    U8_OVERLONG,   /* e.g. 0xC0 0xAF for '/': a longer form than needed */
    U8_SURROGATE,  /* U+D800..U+DFFF are UTF-16 halves, not code points */
    U8_TOO_LARGE,  /* past U+10FFFF */
} utf8_problem;

typedef struct utf8_error {
    utf8_problem problem;
    size_t shown;   /* bytes worth showing in the message (1..4) */
    uint32_t value; /* the decoded value, for overlong/surrogate/too large */
} utf8_error;

/* Decodes the code point at s[0..avail), avail >= 1. Returns its length in
 * bytes (1..4) and stores it in *cp, or returns 0 and fills *e.
 * The lead byte says how many bytes follow; all of them are read before the
 * value is checked, so the message can show the whole bad sequence. */
static size_t decode(const unsigned char *s, size_t avail, uint32_t *cp, utf8_error *e) {
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (c < 0xC0) {
        *e = (utf8_error){U8_STRAY_CONTINUATION, 1, 0};
        return 0;
    } else if (c < 0xE0) { /* 110xxxxx */
        need = 2;
        v = c & 0x1Fu;
        min = 0x80; /* smaller values fit in fewer bytes: overlong */
    } else if (c < 0xF0) { /* 1110xxxx */
        need = 3;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c < 0xF8) { /* 11110xxx */
        need = 4;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        *e = (utf8_error){U8_BAD_BYTE, 1, 0};
        return 0;
    }
    for (size_t k = 1; k < need; k++) {
        if (k >= avail) {
            *e = (utf8_error){U8_TRUNCATED, k, 0};
            return 0;
        }
        if ((s[k] & 0xC0) != 0x80) {
            *e = (utf8_error){U8_MISSING_CONTINUATION, k + 1, 0};
            return 0;
        }
        v = (v << 6) | (s[k] & 0x3Fu);
    }
    if (v < min) {
        *e = (utf8_error){U8_OVERLONG, need, v};
        return 0;
    }
    if (v >= 0xD800 && v <= 0xDFFF) {
        *e = (utf8_error){U8_SURROGATE, need, v};
        return 0;
    }
    if (v > 0x10FFFF) {
        *e = (utf8_error){U8_TOO_LARGE, need, v};
        return 0;
    }
    *cp = v;
    return need;
}

/* ---- messages ----------------------------------------------------------------- */

/* Writes the message (if there is room for one) and returns st. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static attn_status fail(attn_status st, char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap); /* truncates and always terminates */
        va_end(ap);
    }
    return st;
}

static attn_status fail_utf8(const unsigned char *s, size_t at, const utf8_error *e, char *err,
                             size_t err_len) {
    char bytes[4 * 5 + 1] = ""; /* up to four "0xAB " */
    size_t used = 0;
    for (size_t k = 0; k < e->shown; k++)
        used += (size_t)snprintf(bytes + used, sizeof bytes - used, k ? " 0x%02X" : "0x%02X",
                                 (unsigned)s[at + k]);
    char why[80];
    switch (e->problem) {
    case U8_STRAY_CONTINUATION:
        snprintf(why, sizeof why, "a continuation byte with no lead byte");
        break;
    case U8_BAD_BYTE:
        snprintf(why, sizeof why, "a byte that never occurs in UTF-8");
        break;
    case U8_TRUNCATED:
        snprintf(why, sizeof why, "the text ends in the middle of a character");
        break;
    case U8_MISSING_CONTINUATION:
        snprintf(why, sizeof why, "a lead byte without its continuation bytes");
        break;
    case U8_OVERLONG:
        snprintf(why, sizeof why, "an overlong encoding of U+%04X", (unsigned)e->value);
        break;
    case U8_SURROGATE:
        snprintf(why, sizeof why, "the UTF-16 surrogate U+%04X", (unsigned)e->value);
        break;
    case U8_TOO_LARGE:
        snprintf(why, sizeof why, "U+%X, past the last code point U+10FFFF", (unsigned)e->value);
        break;
    }
    return fail(ATTN_ERR_INPUT, err, err_len,
                "invalid UTF-8 at byte %zu of the sentence (%s, %s): fix the encoding or retype "
                "the text",
                at, bytes, why);
}

/* ---- the scan ----------------------------------------------------------------- */

/* The open token, if any. */
typedef enum tok_kind {
    TK_NONE,      /* no token open: start of text or after a space */
    TK_WORD,      /* letters and digits: the next one extends it */
    TK_SINGLE,    /* punctuation, ideograph or lone mark: only marks extend it */
    TK_EMOJI,     /* also extended by skin tones and by an emoji after a ZWJ */
    TK_FLAG_HALF, /* one regional indicator: the next one completes the flag */
} tok_kind;

typedef struct scan {
    attn_token *out;
    size_t max;   /* room in out */
    size_t count; /* tokens found so far, stored or not */
    tok_kind kind;
    size_t start, end; /* the open token's bytes */
} scan;

static void close_token(scan *s) {
    if (s->kind == TK_NONE) return;
    if (s->count < s->max) s->out[s->count] = (attn_token){s->start, s->end - s->start};
    s->count++;
    s->kind = TK_NONE;
}

static void open_token(scan *s, tok_kind kind, size_t start, size_t end) {
    close_token(s);
    s->kind = kind;
    s->start = start;
    s->end = end;
}

/* A keycap is 0-9, # or * followed by U+20E3, with an optional U+FE0F
 * between: "1️⃣". Checked by bytes; the main loop validates them later. */
static bool is_keycap_base(uint32_t cp) {
    return (cp >= '0' && cp <= '9') || cp == '#' || cp == '*';
}

static bool keycap_follows(const unsigned char *p, size_t at, size_t len) {
    if (len - at >= 3 && p[at] == 0xEF && p[at + 1] == 0xB8 && p[at + 2] == 0x8F) at += 3;
    return len - at >= 3 && p[at] == 0xE2 && p[at + 1] == 0x83 && p[at + 2] == 0xA3;
}

/* Does a letter or digit (not starting a keycap) start at p[at]? An invalid
 * byte there answers no; the main loop reports it on the next step. */
static bool word_follows(const unsigned char *p, size_t at, size_t len) {
    uint32_t cp;
    utf8_error e;
    if (at >= len) return false;
    size_t n = decode(p + at, len - at, &cp, &e);
    if (n == 0 || classify(cp) != CL_WORD) return false;
    return !(is_keycap_base(cp) && keycap_follows(p, at + n, len));
}

attn_status attn_tokenize(attn_token *out, size_t max_tokens, size_t *n_out, const char *text,
                          size_t len, char *err, size_t err_len) {
    if (n_out) *n_out = 0;
    if (max_tokens == 0)
        return fail(ATTN_ERR_CONFIG, err, err_len,
                    "max_tokens 0 is out of range: use 1 to %zu",
                    (size_t)ATTN_TOKENS_MAX);
    if (max_tokens > ATTN_TOKENS_MAX)
        return fail(ATTN_ERR_CONFIG, err, err_len,
                    "max_tokens %zu is out of range: use 1 to %zu", max_tokens,
                    (size_t)ATTN_TOKENS_MAX);
    if (!out || !n_out || (!text && len > 0))
        return fail(ATTN_ERR_CONFIG, err, err_len,
                    "attn_tokenize: out, n_out and text must not be NULL");
    if (len == 0)
        return fail(ATTN_ERR_INPUT, err, err_len, "the sentence is empty: give at least one word");

    const unsigned char *p = (const unsigned char *)text;
    scan s = {out, max_tokens, 0, TK_NONE, 0, 0};
    bool after_zwj = false; /* the last code point was a ZWJ inside an emoji */
    bool invisible = false; /* a format character stood alone (and was dropped) */

    for (size_t i = 0; i < len;) {
        uint32_t cp;
        utf8_error e;
        size_t n = decode(p + i, len - i, &cp, &e);
        if (n == 0) return fail_utf8(p, i, &e, err, err_len);
        size_t next = i + n;
        bool zwj = false;

        switch (classify(cp)) {
        case CL_CONTROL:
            if (cp == 0)
                return fail(ATTN_ERR_INPUT, err, err_len,
                            "a NUL byte at byte %zu of the sentence: a sentence is text, remove it",
                            i);
            return fail(ATTN_ERR_INPUT, err, err_len,
                        "control character U+%04X at byte %zu of the sentence: a sentence is "
                        "text, remove it",
                        (unsigned)cp, i);
        case CL_SPACE:
            close_token(&s);
            break;
        case CL_FORMAT: /* invisible: belongs to the token it follows, if any */
            if (s.kind == TK_NONE) {
                invisible = true;
            } else {
                s.end = next;
                zwj = cp == 0x200D && s.kind == TK_EMOJI;
            }
            break;
        case CL_MARK: /* visible, so a mark with nothing before it is shown alone */
            if (s.kind == TK_NONE) open_token(&s, TK_SINGLE, i, next);
            else s.end = next;
            break;
        case CL_MODIFIER:
            if (s.kind == TK_EMOJI) s.end = next;
            else open_token(&s, TK_EMOJI, i, next);
            break;
        case CL_RI:
            if (s.kind == TK_FLAG_HALF) {
                s.end = next;
                s.kind = TK_EMOJI;
            } else {
                open_token(&s, TK_FLAG_HALF, i, next);
            }
            break;
        case CL_EMOJI:
            if (s.kind == TK_EMOJI && after_zwj) s.end = next; /* 👨‍👩‍👧 */
            else open_token(&s, TK_EMOJI, i, next);
            break;
        case CL_IDEO:
            open_token(&s, TK_SINGLE, i, next);
            break;
        case CL_WORD:
            if (is_keycap_base(cp) && keycap_follows(p, next, len))
                open_token(&s, TK_EMOJI, i, next);
            else if (s.kind == TK_WORD) s.end = next;
            else open_token(&s, TK_WORD, i, next);
            break;
        case CL_PUNCT:
            if (is_keycap_base(cp) && keycap_follows(p, next, len))
                open_token(&s, TK_EMOJI, i, next);
            else if (s.kind == TK_WORD && is_inner_joiner(cp) && word_follows(p, next, len))
                s.end = next;
            else open_token(&s, TK_SINGLE, i, next);
            break;
        }
        after_zwj = zwj;
        i = next;
    }
    close_token(&s);

    *n_out = s.count;
    if (s.count == 0)
        return fail(ATTN_ERR_INPUT, err, err_len,
                    invisible ? "the sentence is only whitespace and invisible formatting "
                                "characters: give at least one word"
                              : "the sentence is only whitespace: give at least one word");
    if (s.count > max_tokens) {
        if (max_tokens < ATTN_TOKENS_MAX)
            return fail(ATTN_ERR_LIMIT, err, err_len,
                        "the sentence has %zu tokens, more than the limit of %zu: shorten it or "
                        "raise the token limit (up to %zu)",
                        s.count, max_tokens, (size_t)ATTN_TOKENS_MAX);
        return fail(ATTN_ERR_LIMIT, err, err_len,
                    "the sentence has %zu tokens, more than the limit of %zu: shorten it",
                    s.count, max_tokens);
    }
    if (err && err_len > 0) err[0] = '\0';
    return ATTN_OK;
}

void attn_clean_line(char *s) {
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) s[i] = '?';
    for (size_t i = 0; i < len;) {
        i += attn_utf8_first_invalid(s + i, len - i);
        if (i < len) s[i++] = '?';
    }
    /* C1 controls (U+0080..U+009F, now always the valid pair C2 80..9F):
     * U+0085 is a newline, U+009B a terminal escape. One '?' each, so the
     * text moves left. */
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F) {
            s[o++] = '?';
            i++;
        } else {
            s[o++] = s[i];
        }
    }
    s[o] = '\0';
}

size_t attn_utf8_first_invalid(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;
    utf8_error e;
    size_t i = 0;
    while (i < len) {
        size_t n = decode(u + i, len - i, &cp, &e);
        if (n == 0) return i;
        i += n;
    }
    return len;
}
