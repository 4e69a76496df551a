/* Mechanics-mode inputs: X = token vector + sinusoidal position.
 *
 * token vector: d_model floats U(-1, 1) from the stream
 *   attn_rng_stream(seed ^ hash(word), ATTN_STREAM_TOKEN), hash being FNV-1a
 *   of the word with ASCII letters lower-cased, so "The" and "the" share it.
 * position (Vaswani et al. 2017, section 3.5):
 *   PE(pos, 2i) = sin(pos / 10000^(2i/d_model)),
 *   PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model)).
 */
#ifndef ATTNVIZ_EMBED_H
#define ATTNVIZ_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "attnviz/tokenize.h"

/* Stream numbers of attn_rng_stream, one per purpose. */
enum {
    ATTN_STREAM_TOKEN = 1,
    ATTN_STREAM_W_Q = 2,
    ATTN_STREAM_B_Q,
    ATTN_STREAM_W_K,
    ATTN_STREAM_B_K,
    ATTN_STREAM_W_V,
    ATTN_STREAM_B_V,
    ATTN_STREAM_W_O,
    ATTN_STREAM_B_O,
};

/* out (d_model) = the vector of one word. */
void attn_token_vector(float *out, const char *word, size_t len, size_t d_model, uint64_t seed);

/* out (n, d_model) = the positional encoding of positions 0..n-1. */
void attn_positional(float *out, size_t n, size_t d_model);

/* x (n, d_model) = token vector + position, for n tokens of text. */
void attn_embed(float *x, const char *text, const attn_token *tokens, size_t n, size_t d_model,
                uint64_t seed);

/* x (n, d_model) = the token vectors alone, no position: what attention
 * sees when nothing tells it where a token stands (a lesson's "positions:
 * off"). Permuting the tokens then only permutes the rows of x. */
void attn_embed_tokens(float *x, const char *text, const attn_token *tokens, size_t n,
                       size_t d_model, uint64_t seed);

#endif
