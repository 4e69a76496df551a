/* GPT-2's tokenizer: byte-level byte-pair encoding (BPE), exactly as
 * OpenAI's encoder.py and Hugging Face's GPT2Tokenizer do it.
 *
 *   text (UTF-8)
 *     → pieces     the pre-split pattern, by hand (bpe_split.c):
 *                  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *                  with Unicode's letter (L*) and number (N*) categories
 *                  (utf8proc) and Unicode's White_Space property for \s
 *     → bytes      each piece's UTF-8 bytes, one symbol a byte
 *     → merges     the pair of neighbours with the lowest rank (its line in
 *                  merges.txt) is merged everywhere in the piece, left to
 *                  right, until no pair has a rank
 *     → ids        each symbol's id in vocab.json
 *
 * The files store tokens through GPT-2's byte-to-unicode map: every byte is
 * one printable character (bytes 33-126, 161-172 and 174-255 stand for
 * themselves; the other 68 are U+0100 onwards, so a space is "Ġ" U+0120).
 * Here tokens are kept as their raw bytes: the map is undone at load.
 *
 * Two layouts hold the same content: Hugging Face's vocab.json + merges.txt
 * and OpenAI's encoder.json + vocab.bpe. A merges file may open with a
 * "#version" line; each other line is "A B", two tokens and one space.
 * Loading refuses anything else with one line naming the file and what is
 * wrong, and needs every single byte, every merge's two tokens and its
 * result in the vocabulary (so any text can be encoded).
 *
 * \s differs between regex engines on two characters: U+0085 (Python's
 * regex module, which encoder.py uses, counts it as space; JavaScript does
 * not) and U+FEFF (JavaScript counts it; Python does not). This follows
 * Python (Unicode's White_Space).
 *
 * A loaded model_bpe is read-only: several threads may encode with it. */
#ifndef ATTNVIZ_BPE_H
#define ATTNVIZ_BPE_H

#include <stddef.h>
#include <stdint.h>

#include "attnviz/attn.h"

/* GPT-2's "<|endoftext|>", the token its training put between documents and
 * the usual start token. Encoding never produces it from text (it is not
 * reached by merges); the caller decides whether to put it first. */
#define MODEL_BPE_EOT_TEXT "<|endoftext|>"
#define MODEL_BPE_GPT2_EOT 50256
#define MODEL_BPE_GPT2_VOCAB 50257

/* Limits on what loading accepts (GPT-2 has 50257 tokens, 50000 merges). */
#define MODEL_BPE_TOKENS_MAX 1000000
#define MODEL_BPE_TOKEN_BYTES_MAX 1024
#define MODEL_BPE_FILE_MAX ((size_t)256 << 20) /* bytes of either file */

typedef struct model_bpe model_bpe;

/* A token's bytes in the text: [begin, end). A token may hold part of a
 * UTF-8 character; the spans of one encoding cover the text in order. */
typedef struct model_bpe_span {
    size_t begin, end;
} model_bpe_span;

/* From the vocabulary (vocab.json / encoder.json) and merges (merges.txt /
 * vocab.bpe) files. *out is NULL on failure. */
attn_status model_bpe_load_files(model_bpe **out, const char *vocab_path, const char *merges_path,
                                 char *err, size_t err_len);

/* From a folder holding vocab.json + merges.txt, or else encoder.json +
 * vocab.bpe; the message names the folder and the files it looked for. */
attn_status model_bpe_load_dir(model_bpe **out, const char *dir, char *err, size_t err_len);

/* From bytes in memory; vocab_name and merges_name name them in messages. */
attn_status model_bpe_load_memory(model_bpe **out, const char *vocab, size_t vocab_len,
                                  const char *vocab_name, const char *merges, size_t merges_len,
                                  const char *merges_name, char *err, size_t err_len);

/* Accepts NULL. */
void model_bpe_destroy(model_bpe *b);

/* Tokens in the vocabulary (ids are 0 to this − 1). */
size_t model_bpe_vocab_size(const model_bpe *b);
/* Merges (ranks are 0 to this − 1). */
size_t model_bpe_merges(const model_bpe *b);
/* The id of "<|endoftext|>", or -1 when the vocabulary has none. */
int32_t model_bpe_eot(const model_bpe *b);
/* A token's raw bytes (not NUL-terminated) and their count; NULL for an id
 * out of range. */
const unsigned char *model_bpe_token(const model_bpe *b, int32_t id, size_t *len);

/* Encodes text[0..len): at most max_ids ids into ids[], their byte spans
 * into spans[] (NULL: not wanted), their count into *n_ids. Refuses
 * malformed UTF-8 (ATTN_ERR_INPUT, naming the byte) and text of more than
 * max_ids tokens (ATTN_ERR_LIMIT). */
attn_status model_bpe_encode(const model_bpe *b, const char *text, size_t len, int32_t *ids,
                             model_bpe_span *spans, size_t max_ids, size_t *n_ids, char *err,
                             size_t err_len);

/* Whether text[0..len) is empty or only Unicode White_Space (spaces, tabs,
 * newlines, no-break and ideographic spaces): GPT-2 encodes it, but it has
 * no word to look at. Malformed UTF-8 is not blank. */
bool model_bpe_blank(const char *text, size_t len);

/* The bytes of ids[0..n) joined into out (cap bytes; a NUL is added when
 * there is room), their count into *out_len. Refuses an id out of range
 * (ATTN_ERR_INPUT) and an out too small (ATTN_ERR_LIMIT; *out_len then says
 * how many bytes were needed). The bytes may be any, not only UTF-8: a
 * token may hold part of a character. */
attn_status model_bpe_decode(const model_bpe *b, const int32_t *ids, size_t n, char *out,
                             size_t cap, size_t *out_len, char *err, size_t err_len);

/* A token as it is shown: valid UTF-8, one line. A space is "·" (U+00B7), a
 * newline "↵", a tab "→", another control byte and any byte that does not
 * complete a UTF-8 character within the token its hex, "<E2>" (never
 * U+FFFD; a U+FFFD that is really in the token, as in eight of GPT-2's, is
 * "<U+FFFD>"). Writes at most cap − 1 bytes and a NUL, like snprintf, cut only
 * between shown characters, and returns the length of the whole form. */
size_t model_bpe_display(const unsigned char *bytes, size_t len, char *out, size_t cap);

#endif
