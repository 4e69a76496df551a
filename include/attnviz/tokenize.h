/* Tokenizer: UTF-8 text -> word and punctuation tokens.
 *
 * A token is a span of the original text (its spelling is kept for display):
 *   - a word: a run of letters and digits (any script), with an
 *     apostrophe or hyphen inside it kept ("don't", "well-known");
 *   - punctuation or a symbol: one code point ("tired." -> "tired", ".");
 *   - a CJK ideograph or kana: one code point each (no spaces in CJK text);
 *   - an emoji: one token, with its skin tones, variation selectors,
 *     zero-width-joiner sequences, keycaps ("1️⃣") and flags (two regional
 *     indicators) kept together;
 *   - a combining mark belongs to the token before it ("e" + U+0301).
 * Whitespace (ASCII and Unicode spaces, and the zero-width space U+200B)
 * separates tokens and is dropped. Invisible format characters (ZWJ,
 * variation selectors, bidi marks, soft hyphen, BOM) belong to the token
 * before them, and are dropped when there is none.
 * A code point is never split. Time is linear in the length of the text.
 */
#ifndef ATTNVIZ_TOKENIZE_H
#define ATTNVIZ_TOKENIZE_H

#include <stddef.h>

#include "attnviz/attn.h"

#define ATTN_TOKENS_DEFAULT 64

typedef struct attn_token {
    size_t offset; /* byte offset of the token in the text */
    size_t len;    /* length in bytes */
} attn_token;

/* Splits text[0..len) into tokens, storing the first max_tokens of them in
 * out (caller-owned, room for max_tokens). On success *n_out is the count
 * (>= 1) and err, if err_len > 0, is "". Byte offsets in messages count from 0.
 * Errors (message in err; err may be NULL):
 *   ATTN_ERR_INPUT  invalid UTF-8 ("invalid UTF-8 at byte 12 of the sentence
 *                   (0xC3 0x28, ...)", the first bad sequence in the text,
 *                   even past the token limit), a NUL byte or other control
 *                   character (tab, newline, CR, VT, FF are whitespace), or
 *                   the text is empty or only whitespace; *n_out is 0;
 *   ATTN_ERR_LIMIT  valid text with more than max_tokens tokens: the message
 *                   says how many and to raise --max-tokens; *n_out is the
 *                   number found and out holds the first max_tokens. Counting
 *                   continues to the end, still linear;
 *   ATTN_ERR_CONFIG max_tokens is 0 or more than ATTN_TOKENS_MAX, or out,
 *                   n_out or text (with len > 0) is NULL; *n_out is 0. */
attn_status attn_tokenize(attn_token *out, size_t max_tokens, size_t *n_out, const char *text,
                          size_t len, char *err, size_t err_len);

/* The byte offset of the first invalid UTF-8 sequence in s[0..len), or len
 * when all of it is valid (the tokenizer's own rules: no overlong forms,
 * surrogates or values past U+10FFFF). */
size_t attn_utf8_first_invalid(const char *s, size_t len);

/* Makes the NUL-terminated message s one line of valid UTF-8 in place:
 * control characters (C0, DEL and C1: a newline, a terminal escape) and
 * bytes that are not UTF-8 become '?' (one for each). Messages quote what users typed and what files hold;
 * every layer's failure helper runs them through this. */
void attn_clean_line(char *s);

#endif
