/* What the three parts of the BPE tokenizer share: the loaded tables
 * (bpe_load.c), the pre-split (bpe_split.c) and the merges (bpe_encode.c). */
#ifndef ATTNVIZ_BPE_PRIVATE_H
#define ATTNVIZ_BPE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/bpe.h"

/* A merge as the encoder looks it up: the pair (left, right) of ids. */
typedef struct bpe_merge {
    uint64_t pair;  /* (uint64_t)left << 32 | right; BPE_EMPTY_PAIR in a free slot */
    uint32_t rank;  /* its line among the merges, from 0: lower merges first */
    int32_t result; /* the id of left's bytes followed by right's */
} bpe_merge;

#define BPE_EMPTY_PAIR UINT64_MAX

struct model_bpe {
    size_t n_tokens;
    unsigned char *blob;  /* every token's bytes, one after another */
    uint32_t *tok_start;  /* of token id in blob */
    uint32_t *tok_len;
    int32_t *slots;       /* open addressing: bytes -> id, -1 free */
    size_t n_slots;       /* a power of two, at least twice n_tokens */
    int32_t byte_id[256]; /* the token of each single byte */
    bpe_merge *merges;    /* open addressing on the pair */
    size_t n_merge_slots; /* a power of two, at least twice n_merges */
    size_t n_merges;
    int32_t eot;
};

/* The id of bytes[0..len), or -1. */
int32_t bpe_lookup(const model_bpe *b, const unsigned char *bytes, size_t len);
/* The merge of (left, right), or NULL when they do not merge. */
const bpe_merge *bpe_merge_find(const model_bpe *b, int32_t left, int32_t right);
static inline uint64_t bpe_pair(int32_t left, int32_t right) {
    return (uint64_t)(uint32_t)left << 32 | (uint32_t)right;
}

/* Decodes one UTF-8 character at s[0..len) strictly (no overlong forms, no
 * surrogates, at most U+10FFFF): its length (1-4), or 0 when malformed. */
size_t bpe_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* The end of the piece of the pre-split pattern that starts at text[at]
 * (at < len; the text is valid UTF-8). */
size_t bpe_split_next(const unsigned char *text, size_t len, size_t at);

/* Called for each "key": id of a vocabulary file, key unescaped (UTF-8);
 * false stops the scan. */
typedef bool (*bpe_vocab_entry_fn)(void *ctx, const unsigned char *key, size_t len, long id);
/* Reads text[0..len) as a flat JSON object of string keys and whole-number
 * values (bpe_vocab_scan.c), calling fn (may be NULL) for each entry with the
 * key unescaped into key_buf (room for len bytes). Returns the number of
 * entries; -1 when the text is not of that shape (it may still be JSON: ask
 * jansson), -2 when fn said stop. */
long bpe_vocab_scan(const char *text, size_t len, unsigned char *key_buf, bpe_vocab_entry_fn fn,
                    void *ctx);

/* model_bpe_load_memory with the quick reader (quick) or jansson alone:
 * the fuzz target checks both give the same. */
attn_status bpe_load_memory_by(model_bpe **out, bool quick, const char *vocab, size_t vocab_len,
                               const char *vocab_name, const char *merges, size_t merges_len,
                               const char *merges_name, char *err, size_t err_len);

/* Unicode classes of the pattern. */
bool bpe_is_letter(uint32_t cp);
bool bpe_is_number(uint32_t cp);
bool bpe_is_space(uint32_t cp);

#endif
