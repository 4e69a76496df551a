/* `attnviz dump`: compute the trace for a sentence and write it as JSON.
 * Keys and shapes are a contract other tools read (README, "The dump"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attnviz/embed.h"
#include "cli.h"

int cli_compute(const cli_options *o, attn_token *tokens, size_t *n, attn_trace *t, attn_weights *w,
                char *err, size_t err_len) {
    char msg[CLI_ERR_LEN];
    memset(t, 0, sizeof *t);
    memset(w, 0, sizeof *w);
    attn_status s = attn_tokenize(tokens, o->max_tokens, n, o->sentence, strlen(o->sentence), msg,
                                  sizeof msg);
    if (s != ATTN_OK) {
        snprintf(err, err_len, "--sentence: %s", msg);
        return 2;
    }
    s = attn_trace_init(t, *n, o->config.d_model, o->config.n_heads, err, err_len);
    if (s == ATTN_OK) s = attn_weights_init(w, &o->config, err, err_len);
    if (s == ATTN_OK) {
        attn_weights_xavier(w, o->seed);
        attn_embed(t->x, o->sentence, tokens, *n, o->config.d_model, o->seed);
        s = attn_forward(t, &o->config, w, t->x, *n, err, err_len);
    }
    if (s != ATTN_OK) {
        attn_trace_free(t);
        attn_weights_free(w);
        return 2;
    }
    return 0;
}

/* A JSON string: UTF-8 passes through; quotes, backslashes and control
 * characters are escaped. */
static void put_string(FILE *f, const char *s, size_t len) {
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

/* 9 significant digits read back as the same float32; -inf (a masked cell)
 * is null because JSON has no infinity. */
static void put_number(FILE *f, float v) {
    if (isinf(v)) fputs("null", f);
    else fprintf(f, "%.9g", (double)v);
}

static void put_vector(FILE *f, const float *v, size_t len) {
    fputc('[', f);
    for (size_t j = 0; j < len; j++) {
        if (j) fputc(',', f);
        put_number(f, v[j]);
    }
    fputc(']', f);
}

/* rows × cols, rows `stride` floats apart, one row per line. */
static void put_matrix(FILE *f, const float *m, size_t rows, size_t cols, size_t stride) {
    fputc('[', f);
    for (size_t i = 0; i < rows; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        put_vector(f, m + i * stride, cols);
    }
    fputs("]", f);
}

/* ,"key": followed by a rows×cols matrix (or, with rows 0, a vector of cols). */
static void put_field(FILE *f, const char *key, const float *m, size_t rows, size_t cols) {
    fprintf(f, ",\n  \"%s\": ", key);
    if (rows == 0) put_vector(f, m, cols);
    else put_matrix(f, m, rows, cols, cols);
}

void cli_dump_json(FILE *f, const cli_options *o, const attn_token *tokens, const attn_trace *t,
                   const attn_weights *w) {
    const attn_config *c = &t->config;
    size_t n = t->n, d = c->d_model, dh = attn_d_head(c), d_kv = attn_d_kv(c);

    fputs("{\n  \"tokens\": [", f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        put_string(f, o->sentence + tokens[i].offset, tokens[i].len);
    }
    fprintf(f,
            "],\n  \"config\": {\"d_model\": %zu, \"n_heads\": %zu, \"n_kv_heads\": %zu, "
            "\"d_head\": %zu, \"causal\": %s, \"scale\": %s, \"temperature\": %.9g, "
            "\"seed\": %llu}",
            d, c->n_heads, c->n_kv_heads, dh, c->causal ? "true" : "false",
            c->scale ? "true" : "false", (double)c->temperature, (unsigned long long)o->seed);

    put_field(f, "X", t->x, n, d);
    put_field(f, "W_Q", w->w_q, d, d);
    put_field(f, "b_Q", w->b_q, 0, d);
    put_field(f, "W_K", w->w_k, d, d_kv);
    put_field(f, "b_K", w->b_k, 0, d_kv);
    put_field(f, "W_V", w->w_v, d, d_kv);
    put_field(f, "b_V", w->b_v, 0, d_kv);
    put_field(f, "W_O", w->w_o, d, d);
    put_field(f, "b_O", w->b_o, 0, d);
    put_field(f, "Q", t->q, n, d);
    put_field(f, "K", t->k, n, d_kv);
    put_field(f, "V", t->v, n, d_kv);

    fputs(",\n  \"heads\": [", f);
    for (size_t h = 0; h < c->n_heads; h++) {
        size_t at = h * n * n;
        fprintf(f, "%s\n  {\"kv_head\": %zu,\n   \"scores\": ", h ? "," : "", attn_kv_group(c, h));
        put_matrix(f, t->scores + at, n, n, n);
        fputs(",\n   \"scaled\": ", f);
        put_matrix(f, t->scaled + at, n, n, n);
        fputs(",\n   \"masked\": ", f);
        put_matrix(f, t->masked + at, n, n, n);
        fputs(",\n   \"weights\": ", f);
        put_matrix(f, t->weights + at, n, n, n);
        fputs(",\n   \"out\": ", f);
        put_matrix(f, t->head_out + h * n * dh, n, dh, dh);
        fputs("}", f);
    }
    fputs("]", f);
    put_field(f, "concat", t->concat, n, d);
    put_field(f, "output", t->output, n, d);
    fputs("\n}\n", f);
}
