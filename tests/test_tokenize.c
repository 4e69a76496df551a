/* Tests of attn_tokenize: words and punctuation in several scripts, emoji
 * sequences, combining marks, Unicode spaces, every kind of invalid UTF-8
 * (with its byte offset), empty input, the token limit, 10 MB inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attnviz/tokenize.h"
#include "check.h"

#define ROOM 256
static attn_token toks[ROOM];

/* Every span in bounds, non-empty, after the one before, and starting and
 * ending on code point boundaries (never on a continuation byte 10xxxxxx). */
static int spans_ok(const char *text, size_t len, const attn_token *t, size_t n, int line) {
    const unsigned char *p = (const unsigned char *)text;
    size_t prev_end = 0;
    for (size_t k = 0; k < n; k++) {
        size_t a = t[k].offset, b = t[k].offset + t[k].len;
        const char *bad = NULL;
        if (t[k].len == 0) bad = "empty";
        else if (a < prev_end) bad = "overlaps the token before";
        else if (b > len || b < a) bad = "out of bounds";
        else if ((p[a] & 0xC0) == 0x80) bad = "starts on a continuation byte";
        else if (b < len && (p[b] & 0xC0) == 0x80) bad = "ends inside a code point";
        if (bad) {
            fprintf(stderr, "line %d: token %zu (%zu, %zu) %s\n", line, k, t[k].offset, t[k].len,
                    bad);
            return 0;
        }
        prev_end = b;
    }
    return 1;
}

static void print_tokens(const char *text, const attn_token *t, size_t n) {
    fprintf(stderr, "  tokens:");
    for (size_t k = 0; k < n && k < ROOM; k++)
        fprintf(stderr, " [%.*s]", (int)t[k].len, text + t[k].offset);
    fputc('\n', stderr);
}

/* text must split into exactly want[0..n_want), spelled as in the text. */
static void expect_tokens(int line, const char *text, const char *const *want, size_t n_want) {
    size_t len = strlen(text), n = 999;
    char err[256] = "unset";
    attn_status st = attn_tokenize(toks, ROOM, &n, text, len, err, sizeof err);
    CHECKF(st == ATTN_OK, "line %d: \"%s\": status %d: %s", line, text, (int)st, err);
    if (st != ATTN_OK) return;
    CHECKF(err[0] == '\0', "line %d: err not cleared on success: %s", line, err);
    CHECKF(spans_ok(text, len, toks, n, line), "line %d: \"%s\": bad spans", line, text);
    int same = n == n_want;
    for (size_t k = 0; same && k < n; k++)
        same = toks[k].len == strlen(want[k]) &&
               memcmp(text + toks[k].offset, want[k], toks[k].len) == 0;
    CHECKF(same, "line %d: \"%s\": %zu tokens, want %zu", line, text, n, n_want);
    if (!same) print_tokens(text, toks, n);
}

#define TOKENS(...) (const char *const[]){__VA_ARGS__}
#define EXPECT(text, ...)                                                                          \
    expect_tokens(__LINE__, text, TOKENS(__VA_ARGS__),                                             \
                  sizeof TOKENS(__VA_ARGS__) / sizeof(const char *))

#define STR_(x) #x
#define STR(x) STR_(x)
#define HERE "line " STR(__LINE__)

/* text[0..len) must fail with status want and a message containing both
 * needles (needle2 may be NULL). */
static void expect_error(const char *where, const char *text, size_t len, size_t max,
                         attn_status want, const char *needle1, const char *needle2) {
    size_t n = 999;
    char err[256] = "unset";
    attn_status st = attn_tokenize(toks, max, &n, text, len, err, sizeof err);
    CHECKF(st == want, "%s: status %d, want %d (%s)", where, (int)st, (int)want, err);
    if (want != ATTN_ERR_LIMIT) CHECKF(n == 0, "%s: n_out %zu on error, want 0", where, n);
    CHECKF(strstr(err, needle1) != NULL, "%s: \"%s\" lacks \"%s\"", where, err, needle1);
    if (needle2)
        CHECKF(strstr(err, needle2) != NULL, "%s: \"%s\" lacks \"%s\"", where, err, needle2);
}

static void test_ascii(void) {
    EXPECT("The robot sat on the floor because it was tired.", "The", "robot", "sat", "on", "the",
           "floor", "because", "it", "was", "tired", ".");
    EXPECT("Hello, world!", "Hello", ",", "world", "!");
    EXPECT("In 2017, 3.14 (pi) cost $5?!", "In", "2017", ",", "3", ".", "14", "(", "pi", ")",
           "cost", "$", "5", "?", "!");
    EXPECT("e.g. \"quoted\"", "e", ".", "g", ".", "\"", "quoted", "\"");
    EXPECT("x", "x");
    EXPECT("   padded\t", "padded");
    EXPECT("snake_case", "snake", "_", "case");
}

static void test_apostrophes_hyphens(void) {
    EXPECT("don't stop", "don't", "stop");
    EXPECT(u8"it’s fine", u8"it’s", "fine");
    EXPECT("a well-known state-of-the-art co-op", "a", "well-known", "state-of-the-art", "co-op");
    EXPECT("COVID-19 in the '90s", "COVID-19", "in", "the", "'", "90s");
    EXPECT("rock 'n' roll", "rock", "'", "n", "'", "roll");
    EXPECT("the students' books", "the", "students", "'", "books");
    EXPECT("'quoted'", "'", "quoted", "'");
    EXPECT("a - b", "a", "-", "b");
    EXPECT("end- -start", "end", "-", "-", "start");
    EXPECT("x--y", "x", "-", "-", "y");
    EXPECT("x''y", "x", "'", "'", "y");
    EXPECT(u8"non\u2011breaking hy\u2010phen", u8"non\u2011breaking", u8"hy\u2010phen");
    EXPECT(u8"1990–2000 — done", "1990", u8"–", "2000", u8"—", "done");
    EXPECT(u8"l’été d'où", u8"l’été", u8"d'où");
    EXPECT("won't.", "won't", ".");
}

static void test_scripts(void) {
    EXPECT(u8"café naïve", u8"café", u8"naïve");
    EXPECT(u8"Straße Ærø", u8"Straße", u8"Ærø");
    EXPECT(u8"Привет, мир!", u8"Привет", ",", u8"мир", "!");
    EXPECT(u8"Ελληνικά; γλώσσα", u8"Ελληνικά", ";", u8"γλώσσα");
    EXPECT(u8"Greek question\u037E", "Greek", "question", u8"\u037E");
    EXPECT(u8"«Bonjour» ¿Qué tal? ¡Hola!", u8"«", "Bonjour", u8"»", u8"¿", u8"Qué", "tal", "?",
           u8"¡", "Hola", "!");
    EXPECT(u8"m² µm 5×3 ·", u8"m²", u8"µm", "5", u8"×", "3", u8"·");
    EXPECT(u8"שלום עולם", u8"שלום", u8"עולם");
    EXPECT(u8"مرحبا، بالعالم؟", u8"مرحبا", u8"،", u8"بالعالم", u8"؟");
    EXPECT(u8"नमस्ते दुनिया।", u8"नमस्ते", u8"दुनिया", u8"।");
    EXPECT(u8"안녕하세요 세계", u8"안녕하세요", u8"세계");
    EXPECT(u8"１２３ ＡＢＣ！", u8"１２３", u8"ＡＢＣ", u8"！");
    EXPECT(u8"cost 5€ or ₹9", "cost", "5", u8"€", "or", u8"₹", "9");
}

static void test_cjk(void) {
    EXPECT(u8"我爱你", u8"我", u8"爱", u8"你");
    EXPECT(u8"I like 寿司.", "I", "like", u8"寿", u8"司", ".");
    EXPECT(u8"東京へ行きます。", u8"東", u8"京", u8"へ", u8"行", u8"き", u8"ま", u8"す", u8"。");
    EXPECT(u8"カタカナ", u8"カ", u8"タ", u8"カ", u8"ナ");
    EXPECT(u8"ｶﾀｶﾅ", u8"ｶ", u8"ﾀ", u8"ｶ", u8"ﾅ");
    EXPECT(u8"AI是未来", "AI", u8"是", u8"未", u8"来");
    EXPECT(u8"（笑）！「はい」、", u8"（", u8"笑", u8"）", u8"！", u8"「", u8"は", u8"い", u8"」",
           u8"、");
    EXPECT(u8"𠀀𪚥", u8"𠀀", u8"𪚥"); /* extension B, four bytes each */
    EXPECT(u8"か\u3099", u8"か\u3099"); /* combining voiced mark stays with its kana */
}

static void test_emoji(void) {
    EXPECT(u8"👍", u8"👍");
    EXPECT(u8"hi👋there", "hi", u8"👋", "there");
    EXPECT(u8"😀😀", u8"😀", u8"😀");
    EXPECT(u8"👋🏽 wave", u8"👋🏽", "wave");
    EXPECT(u8"🏽", u8"🏽");       /* a skin tone alone */
    EXPECT(u8"a🏽", "a", u8"🏽"); /* after a letter: alone too */
    /* man ZWJ woman ZWJ girl ZWJ boy */
    EXPECT(u8"👨\u200D👩\u200D👧\u200D👦 family", u8"👨\u200D👩\u200D👧\u200D👦",
           "family");
    EXPECT(u8"👩🏽\u200D💻!", u8"👩🏽\u200D💻", "!");
    EXPECT(u8"🏳\uFE0F\u200D🌈🏴\u200D☠\uFE0F", u8"🏳\uFE0F\u200D🌈", u8"🏴\u200D☠\uFE0F");
    EXPECT(u8"❤\uFE0F\u200D🔥 and 🐈\u200D⬛", u8"❤\uFE0F\u200D🔥", "and", u8"🐈\u200D⬛");
    EXPECT(u8"I ❤\uFE0F you!", "I", u8"❤\uFE0F", "you", "!");
    EXPECT(u8"🇺🇸", u8"🇺🇸");
    EXPECT(u8"🇺🇸🇫🇷🇯", u8"🇺🇸", u8"🇫🇷", u8"🇯"); /* pairs, then a lone indicator */
    EXPECT(u8"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
           u8"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"); /* Scotland */
    EXPECT(u8"1\uFE0F\u20E3", u8"1\uFE0F\u20E3");
    EXPECT(u8"1\u20E3 #\uFE0F\u20E3 *\uFE0F\u20E3", u8"1\u20E3", u8"#\uFE0F\u20E3",
           u8"*\uFE0F\u20E3");
    EXPECT(u8"11\uFE0F\u20E3", "1", u8"1\uFE0F\u20E3");
    EXPECT(u8"a-1\uFE0F\u20E3", "a", "-", u8"1\uFE0F\u20E3");
    EXPECT(u8"#1", "#", "1");
    EXPECT(u8"👍\u200Dok", u8"👍\u200D", "ok"); /* a ZWJ not followed by an emoji */
    EXPECT(u8"x\u200D👍", u8"x\u200D", u8"👍"); /* ZWJ joins emoji only after an emoji */
    EXPECT(u8"©\uFE0F ™ ⌚ ⭐", u8"©\uFE0F", u8"™", u8"⌚", u8"⭐");
}

static void test_marks_and_format(void) {
    EXPECT(u8"e\u0301", u8"e\u0301");
    EXPECT(u8"cafe\u0301 ok", u8"cafe\u0301", "ok");
    EXPECT(u8"\u0301", u8"\u0301"); /* a mark with nothing before it stands alone */
    EXPECT(u8"x \u0301\u0302", "x", u8"\u0301\u0302");
    EXPECT(u8"a\u0308\u0304b", u8"a\u0308\u0304b");
    EXPECT(u8"?\u0301", u8"?\u0301");
    EXPECT(u8"Й\u0483", u8"Й\u0483");
    EXPECT(u8"\uFEFFhello", "hello"); /* a byte order mark is not a token */
    EXPECT(u8"co\u00ADoperate", u8"co\u00ADoperate");
    EXPECT(u8"\u200Fשלום\u200E", u8"שלום\u200E");
    EXPECT(u8"\u200D \uFE0F x", "x");
    EXPECT(u8"क्\u200Dष", u8"क्\u200Dष");
}

static void test_spaces(void) {
    EXPECT(u8"a\u00A0b\u1680c\u2000d\u2005e\u200Af\u2028g\u2029h\u202Fi\u205Fj\u3000k", "a", "b",
           "c", "d", "e", "f", "g", "h", "i", "j", "k");
    EXPECT("\t a \r\n b \v\f", "a", "b");
    EXPECT("a\xC2\x85" "b", "a", "b"); /* next line (NEL); \u0085 is not allowed in C */
    EXPECT(u8"a\u200Bb", "a", "b"); /* zero-width space: a word break */
    EXPECT(u8"\u3000我\u3000", u8"我");
}

typedef struct bad_case {
    const char *bytes;
    size_t len;
    size_t at;         /* byte offset of the bad sequence */
    const char *shown; /* the bytes the message shows */
    const char *why;
} bad_case;

#define BAD(s, at, shown, why) {s, sizeof s - 1, at, shown, why}

static void test_invalid_utf8(void) {
    static const bad_case cases[] = {
        BAD("ab \x80 cd", 3, "(0x80,", "continuation byte with no lead"),
        BAD("ok \xBF", 3, "(0xBF,", "continuation byte with no lead"),
        BAD("abc\xFF", 3, "(0xFF,", "never occurs"),
        BAD("\xF8\x88\x80\x80\x80", 0, "(0xF8,", "never occurs"),
        BAD("\xFE", 0, "(0xFE,", "never occurs"),
        BAD("caf\xC3", 3, "(0xC3,", "ends in the middle"),
        BAD("x \xE2\x82", 2, "(0xE2 0x82,", "ends in the middle"),
        BAD("\xF0\x9F\x98", 0, "(0xF0 0x9F 0x98,", "ends in the middle"),
        BAD("x\xC3\x28y", 1, "(0xC3 0x28,", "without its continuation"),
        BAD("ab\xE2\x28\xA1", 2, "(0xE2 0x28,", "without its continuation"),
        BAD("\xE2\x82 x", 0, "(0xE2 0x82 0x20,", "without its continuation"),
        BAD("\xF0\x9F\x98 ", 0, "(0xF0 0x9F 0x98 0x20,", "without its continuation"),
        BAD("\xC3\xC3\xA9", 0, "(0xC3 0xC3,", "without its continuation"),
        BAD("a/\xC0\xAF", 2, "(0xC0 0xAF,", "overlong encoding of U+002F"),
        BAD("\xC1\xBF", 0, "(0xC1 0xBF,", "overlong encoding of U+007F"),
        BAD("\xE0\x80\xAF", 0, "(0xE0 0x80 0xAF,", "overlong encoding of U+002F"),
        BAD("\xE0\x9F\xBF", 0, "(0xE0 0x9F 0xBF,", "overlong encoding of U+07FF"),
        BAD("\xF0\x80\x80\xAF", 0, "(0xF0 0x80 0x80 0xAF,", "overlong encoding of U+002F"),
        BAD("\xF0\x8F\xBF\xBF", 0, "(0xF0 0x8F 0xBF 0xBF,", "overlong encoding of U+FFFF"),
        BAD("hi \xED\xA0\x80", 3, "(0xED 0xA0 0x80,", "surrogate U+D800"),
        BAD("\xED\xBF\xBF", 0, "(0xED 0xBF 0xBF,", "surrogate U+DFFF"),
        BAD("\xF4\x90\x80\x80", 0, "(0xF4 0x90 0x80 0x80,", "U+110000, past"),
        BAD("\xF5\x80\x80\x80", 0, "(0xF5 0x80 0x80 0x80,", "U+140000, past"),
        BAD("\xF7\xBF\xBF\xBF", 0, "(0xF7 0xBF 0xBF 0xBF,", "U+1FFFFF, past"),
        /* the first problem in text order is the one reported */
        BAD("good \xC3\x28 then \xFF", 5, "(0xC3 0x28,", "without its continuation"),
        /* after valid multi-byte code points the offset is still in bytes */
        BAD(u8"café 👍 \x80", 11, "(0x80,", "continuation byte"),
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char at[64];
        snprintf(at, sizeof at, "invalid UTF-8 at byte %zu of the sentence ", cases[c].at);
        char where[32];
        snprintf(where, sizeof where, "invalid UTF-8 case %zu", c);
        expect_error(where, cases[c].bytes, cases[c].len, 64, ATTN_ERR_INPUT, at, cases[c].shown);
        expect_error(where, cases[c].bytes, cases[c].len, 64, ATTN_ERR_INPUT, cases[c].why,
                     "fix the encoding or retype the text");
    }
    /* The limits of each length are valid. */
    EXPECT("\xC2\xA1 \xDF\xBF \xE0\xA0\x80 \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBD \xF0\x90\x80\x80",
           "\xC2\xA1", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBD",
           "\xF0\x90\x80\x80");
    EXPECT("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF");
    /* Invalid UTF-8 past the token limit is still reported as invalid. */
    expect_error(HERE, "a b c d \xFF", 9, 2, ATTN_ERR_INPUT, "at byte 8", "(0xFF,");
}

static void test_controls(void) {
    expect_error(HERE, "ab\0cd", 5, 64, ATTN_ERR_INPUT, "NUL byte at byte 2", "remove it");
    expect_error(HERE, "\0", 1, 64, ATTN_ERR_INPUT, "NUL byte at byte 0", NULL);
    expect_error(HERE, "red \x1b[31m", 9, 64, ATTN_ERR_INPUT,
                 "control character U+001B at byte 4", NULL);
    expect_error(HERE, "del\x7f", 4, 64, ATTN_ERR_INPUT, "U+007F at byte 3", NULL);
    expect_error(HERE, "c1 \xC2\x9B", 5, 64, ATTN_ERR_INPUT, "U+009B at byte 3", NULL);
    /* The NUL ends the C string but not the text: len says where it ends. */
    expect_error(HERE, "ok\0", 3, 64, ATTN_ERR_INPUT, "NUL byte at byte 2", NULL);
}

static void test_empty(void) {
    expect_error(HERE, "", 0, 64, ATTN_ERR_INPUT, "the sentence is empty",
                 "give at least one word");
    expect_error(HERE, NULL, 0, 64, ATTN_ERR_INPUT, "the sentence is empty", NULL);
    expect_error(HERE, " \t\r\n", 4, 64, ATTN_ERR_INPUT, "the sentence is only whitespace",
                 "give at least one word");
    const char *u = u8"\u00A0\u3000\u2028 ";
    expect_error(HERE, u, strlen(u), 64, ATTN_ERR_INPUT, "only whitespace", NULL);
    const char *inv = u8"\uFEFF \u200D";
    expect_error(HERE, inv, strlen(inv), 64, ATTN_ERR_INPUT, "invisible formatting", NULL);
}

static void test_limit(void) {
    size_t n = 0;
    char err[256];
    CHECK(attn_tokenize(toks, 4, &n, "a b c d", 7, err, sizeof err) == ATTN_OK && n == 4);
    CHECK(attn_tokenize(toks, 1, &n, "one", 3, err, sizeof err) == ATTN_OK && n == 1);

    memset(toks, 0xAB, sizeof toks);
    attn_status st = attn_tokenize(toks, 3, &n, "a b c d", 7, err, sizeof err);
    CHECK(st == ATTN_ERR_LIMIT);
    CHECK(n == 4);
    CHECK_STR_CONTAINS(err, "the sentence has 4 tokens, more than the limit of 3");
    CHECK_STR_CONTAINS(err, "raise the token limit (up to 65536)");
    /* The first max_tokens are stored; nothing past them is written. */
    CHECK(toks[0].offset == 0 && toks[1].offset == 2 && toks[2].offset == 4 && toks[2].len == 1);
    unsigned char pattern[sizeof(attn_token)];
    memset(pattern, 0xAB, sizeof pattern);
    CHECK(memcmp(&toks[3], pattern, sizeof pattern) == 0);

    /* 80 tokens and the default limit. */
    char text[200] = "";
    for (int k = 0; k < 40; k++) strcat(text, "w, ");
    expect_error(HERE, text, strlen(text), ATTN_TOKENS_DEFAULT, ATTN_ERR_LIMIT,
                 "the sentence has 80 tokens, more than the limit of 64: shorten it or raise "
                 "the token limit (up to 65536)",
                 NULL);

    /* Limits out of range are the caller's error. */
    expect_error(HERE, "a", 1, 0, ATTN_ERR_CONFIG, "max_tokens 0 is out of range", NULL);
    expect_error(HERE, "a", 1, (size_t)ATTN_TOKENS_MAX + 1, ATTN_ERR_CONFIG, "65536", NULL);
    CHECK(attn_tokenize(NULL, 4, &n, "a", 1, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK(attn_tokenize(toks, 4, NULL, "a", 1, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK(attn_tokenize(toks, 4, &n, NULL, 3, err, sizeof err) == ATTN_ERR_CONFIG);
}

static void test_err_buffer(void) {
    size_t n = 0;
    /* err NULL: same results, nothing written. */
    CHECK(attn_tokenize(toks, 64, &n, "fine", 4, NULL, 0) == ATTN_OK && n == 1);
    CHECK(attn_tokenize(toks, 64, &n, "\xFF", 1, NULL, 0) == ATTN_ERR_INPUT && n == 0);
    CHECK(attn_tokenize(toks, 64, &n, "", 0, NULL, 100) == ATTN_ERR_INPUT);
    CHECK(attn_tokenize(toks, 1, &n, "a b", 3, NULL, 0) == ATTN_ERR_LIMIT && n == 2);
    CHECK(attn_tokenize(toks, 0, &n, "a", 1, NULL, 0) == ATTN_ERR_CONFIG);

    /* err_len 0: the buffer is not touched. */
    char buf[16];
    memset(buf, 'X', sizeof buf);
    CHECK(attn_tokenize(toks, 64, &n, "\xFF", 1, buf, 0) == ATTN_ERR_INPUT);
    CHECK(buf[0] == 'X');
    /* err_len 1: just the terminator. */
    CHECK(attn_tokenize(toks, 64, &n, "\xFF", 1, buf, 1) == ATTN_ERR_INPUT);
    CHECK(buf[0] == '\0' && buf[1] == 'X');
    /* Short buffer: truncated, terminated, nothing written past it. */
    memset(buf, 'X', sizeof buf);
    CHECK(attn_tokenize(toks, 64, &n, "\xFF", 1, buf, 10) == ATTN_ERR_INPUT);
    CHECK(strlen(buf) == 9 && buf[10] == 'X');
    CHECK(memcmp(buf, "invalid U", 9) == 0);
    /* Success clears the message. */
    CHECK(attn_tokenize(toks, 64, &n, "ok", 2, buf, sizeof buf) == ATTN_OK && buf[0] == '\0');
}

/* ---- 10 MB inputs: linear time, counting past the limit ---------------------- */

#define BIG ((size_t)10 << 20)

static double seconds_since(clock_t t0) { return (double)(clock() - t0) / CLOCKS_PER_SEC; }

/* Generous bound: a quadratic scan of 10 MB would take hours; a linear one
 * takes tens of milliseconds optimized, under a second with sanitizers. */
#define SLOW 5.0

static void test_big(void) {
    /* 10 tokens per repetition, mixing scripts, emoji and punctuation. */
    const char *unit = u8"The café, naïve 寿司 👍🏽 don't stop. ";
    EXPECT(unit, "The", u8"café", ",", u8"naïve", u8"寿", u8"司", u8"👍🏽", "don't", "stop", ".");
    size_t unit_len = strlen(unit), reps = BIG / unit_len + 1, len = reps * unit_len;
    char *text = malloc(len + 1);
    CHECK(text != NULL);
    if (!text) return;
    for (size_t r = 0; r < reps; r++) memcpy(text + r * unit_len, unit, unit_len);
    text[len] = '\0';

    static attn_token many[ATTN_TOKENS_MAX];
    size_t n = 0;
    char err[256], want[128];
    clock_t t0 = clock();
    attn_status st = attn_tokenize(many, ATTN_TOKENS_DEFAULT, &n, text, len, err, sizeof err);
    double secs = seconds_since(t0);
    printf("10 MB, %zu tokens: %.3f s\n", n, secs);
    CHECK(st == ATTN_ERR_LIMIT);
    CHECKF(n == reps * 10, "n %zu, want %zu", n, reps * 10);
    snprintf(want, sizeof want, "the sentence has %zu tokens, more than the limit of 64",
             reps * 10);
    CHECK_STR_CONTAINS(err, want);
    CHECK(spans_ok(text, len, many, ATTN_TOKENS_DEFAULT, __LINE__));
    CHECK(many[63].offset == 6 * unit_len + 11 && many[63].len == 6); /* "naïve" */
    CHECKF(secs < SLOW, "took %.2f s", secs);

    /* At the largest limit the message cannot suggest raising it. */
    st = attn_tokenize(many, ATTN_TOKENS_MAX, &n, text, len, err, sizeof err);
    CHECK(st == ATTN_ERR_LIMIT && n == reps * 10);
    CHECK_STR_CONTAINS(err, "more than the limit of 65536: shorten it");
    CHECK(strstr(err, "raise") == NULL);
    CHECK(spans_ok(text, len, many, ATTN_TOKENS_MAX, __LINE__));

    /* One bad byte at the very end: invalid UTF-8 wins over the limit. */
    text[len - 1] = (char)0xFF;
    t0 = clock();
    st = attn_tokenize(many, ATTN_TOKENS_DEFAULT, &n, text, len, err, sizeof err);
    secs = seconds_since(t0);
    printf("10 MB, invalid at the end: %.3f s\n", secs);
    CHECK(st == ATTN_ERR_INPUT && n == 0);
    snprintf(want, sizeof want, "invalid UTF-8 at byte %zu of the sentence (0xFF,", len - 1);
    CHECK_STR_CONTAINS(err, want);
    CHECKF(secs < SLOW, "took %.2f s", secs);

    /* Invalid at the start: refused at once. */
    text[0] = (char)0x80;
    CHECK(attn_tokenize(many, ATTN_TOKENS_DEFAULT, &n, text, len, err, sizeof err) ==
          ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "at byte 0 ");

    /* One 10 MB word: a single token. */
    memset(text, 'a', len);
    t0 = clock();
    st = attn_tokenize(many, ATTN_TOKENS_DEFAULT, &n, text, len, err, sizeof err);
    secs = seconds_since(t0);
    CHECK(st == ATTN_OK && n == 1 && many[0].offset == 0 && many[0].len == len);
    CHECKF(secs < SLOW, "took %.2f s", secs);

    /* 10 MB of ideographs: 3.5 M tokens. */
    for (size_t k = 0; k + 3 <= len; k += 3) memcpy(text + k, u8"字", 3);
    size_t ideo_len = len - len % 3;
    t0 = clock();
    st = attn_tokenize(many, ATTN_TOKENS_DEFAULT, &n, text, ideo_len, err, sizeof err);
    secs = seconds_since(t0);
    CHECK(st == ATTN_ERR_LIMIT && n == ideo_len / 3);
    CHECKF(secs < SLOW, "took %.2f s", secs);

    /* 10 MB of spaces. */
    memset(text, ' ', len);
    st = attn_tokenize(many, ATTN_TOKENS_DEFAULT, &n, text, len, err, sizeof err);
    CHECK(st == ATTN_ERR_INPUT && n == 0);
    CHECK_STR_CONTAINS(err, "only whitespace");
    free(text);
}

/* Messages quote file contents through attn_clean_line: one line of valid
 * UTF-8, every control character (C0, DEL, C1) and stray byte a '?'. */
static void test_clean_line(void) {
    char s[64];
    snprintf(s, sizeof s, "a\nb\x7f" "c\xff" "d");
    attn_clean_line(s);
    CHECKF(strcmp(s, "a?b?c?d") == 0, "%s", s);
    /* U+0085 (next line), U+009B (CSI) and U+0080 go; U+00A0 (the same
     * lead byte) and é stay */
    snprintf(s, sizeof s, "x\xc2\x85y\xc2\x9b[2Jz\xc2\x80\xc2\xa0\xc3\xa9");
    attn_clean_line(s);
    CHECKF(strcmp(s, "x?y?[2Jz?\xc2\xa0\xc3\xa9") == 0, "%s", s);
    /* a lone C2 at the end is not UTF-8 */
    snprintf(s, sizeof s, "end\xc2");
    attn_clean_line(s);
    CHECKF(strcmp(s, "end?") == 0, "%s", s);
}

int main(void) {
    test_clean_line();
    test_ascii();
    test_apostrophes_hyphens();
    test_scripts();
    test_cjk();
    test_emoji();
    test_marks_and_format();
    test_spaces();
    test_invalid_utf8();
    test_controls();
    test_empty();
    test_limit();
    test_err_buffer();
    test_big();
    return check_done("test_tokenize");
}
