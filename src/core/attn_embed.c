/* Mechanics-mode inputs: a vector per word plus the sinusoidal position. */
#include <math.h>

#include "attnviz/embed.h"
#include "attnviz/rng.h"

/* FNV-1a over the word with ASCII letters lower-cased: "The" and "the" are
 * the same word. Other scripts are hashed as spelled. */
static uint64_t word_hash(const char *word, size_t len) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)word[i];
        if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch - 'A' + 'a');
        h ^= ch;
        h *= 0x100000001B3ull;
    }
    return h;
}

void attn_token_vector(float *out, const char *word, size_t len, size_t d_model, uint64_t seed) {
    attn_rng r = attn_rng_stream(seed ^ word_hash(word, len), ATTN_STREAM_TOKEN);
    for (size_t j = 0; j < d_model; j++) out[j] = attn_rng_symmetric(&r, 1.0f);
}

/* PE(pos, j) for column j of every position, added to (add = 1) or written
 * into out (n, d_model). Columns 2i and 2i+1 share the frequency
 * 1 / 10000^(2i/d_model), computed once per column; each value is computed
 * in double and rounded once to float. */
static void positional_columns(float *out, size_t n, size_t d_model, int add) {
    for (size_t j = 0; j < d_model; j++) {
        double wavelength = pow(10000.0, (double)(j - j % 2) / (double)d_model);
        for (size_t pos = 0; pos < n; pos++) {
            double angle = (double)pos / wavelength;
            float pe = (float)(j % 2 == 0 ? sin(angle) : cos(angle));
            float *cell = out + pos * d_model + j;
            *cell = add ? *cell + pe : pe;
        }
    }
}

void attn_positional(float *out, size_t n, size_t d_model) {
    positional_columns(out, n, d_model, 0);
}

void attn_embed_tokens(float *x, const char *text, const attn_token *tokens, size_t n,
                       size_t d_model, uint64_t seed) {
    for (size_t i = 0; i < n; i++)
        attn_token_vector(x + i * d_model, text + tokens[i].offset, tokens[i].len, d_model, seed);
}

void attn_embed(float *x, const char *text, const attn_token *tokens, size_t n, size_t d_model,
                uint64_t seed) {
    for (size_t i = 0; i < n; i++)
        attn_token_vector(x + i * d_model, text + tokens[i].offset, tokens[i].len, d_model, seed);
    positional_columns(x, n, d_model, 1);
}
