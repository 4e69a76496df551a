/* `attnviz dump`: compute the trace for a sentence and write it as JSON.
 * Keys and shapes are a contract other tools read (README, "The dump"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/embed.h"
#include "attnviz/tokenize.h"
#include "cli.h"
#include "trained.h"
#include "trained_lens.h"

/* A JSON string: UTF-8 passes through; quotes, backslashes and control
 * characters are escaped. */
void cli_json_string(FILE *f, const char *s, size_t len) {
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
 * is null because JSON has no infinity. Nothing else can be non-finite:
 * the trace was checked before writing (attn_trace_find_nonfinite). */
static void put_number(FILE *f, float v) {
    if (v == -INFINITY) fputs("null", f);
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

/* rows × cols, rows `stride` floats apart, one row per line, each line
 * starting with indent. */
static void put_matrix_in(FILE *f, const float *m, size_t rows, size_t cols, size_t stride,
                          const char *indent) {
    fputc('[', f);
    for (size_t i = 0; i < rows; i++) {
        fputs(i ? ",\n" : "\n", f);
        fputs(indent, f);
        put_vector(f, m + i * stride, cols);
    }
    fputs("]", f);
}

static void put_matrix(FILE *f, const float *m, size_t rows, size_t cols, size_t stride) {
    put_matrix_in(f, m, rows, cols, stride, "    ");
}

/* sep "key": followed by a rows×cols matrix (or, with rows 0, a vector of
 * cols); sep is ",\n  " between keys. */
static void put_key(FILE *f, const char *sep, const char *key, const float *m, size_t rows,
                    size_t cols, const char *indent) {
    fprintf(f, "%s\"%s\": ", sep, key);
    if (rows == 0) put_vector(f, m, cols);
    else put_matrix_in(f, m, rows, cols, cols, indent);
}

/* The keys of one attention layer, "X" to "output" (the README's
 * contract), each after ",\n" and pad; the first after first_sep. */
static void put_layer(FILE *f, const attn_trace *t, const attn_weights *w, const char *first_sep,
                      const char *pad) {
    const attn_config *c = &t->config;
    /* n query rows, m key/value rows (cross-attention: the other sentence's) */
    size_t n = t->n, m = t->n_keys, d = c->d_model, dh = attn_d_head(c), d_kv = attn_d_kv(c);
    char sep[32], rows[40];
    snprintf(sep, sizeof sep, ",\n%s", pad);
    snprintf(rows, sizeof rows, "%s  ", pad);
    put_key(f, first_sep, "X", t->x, n, d, rows);
    if (t->cross) put_key(f, sep, "X_kv", t->x_kv, m, d, rows);
    put_key(f, sep, "W_Q", w->w_q, d, d, rows);
    put_key(f, sep, "b_Q", w->b_q, 0, d, rows);
    put_key(f, sep, "W_K", w->w_k, d, d_kv, rows);
    put_key(f, sep, "b_K", w->b_k, 0, d_kv, rows);
    put_key(f, sep, "W_V", w->w_v, d, d_kv, rows);
    put_key(f, sep, "b_V", w->b_v, 0, d_kv, rows);
    put_key(f, sep, "W_O", w->w_o, d, d, rows);
    put_key(f, sep, "b_O", w->b_o, 0, d, rows);
    put_key(f, sep, "Q", t->q, n, d, rows);
    put_key(f, sep, "K", t->k, m, d_kv, rows);
    put_key(f, sep, "V", t->v, m, d_kv, rows);

    fprintf(f, "%s\"heads\": [", sep);
    for (size_t h = 0; h < c->n_heads; h++) {
        size_t at = h * n * m;
        fprintf(f, "%s\n%s{\"kv_head\": %zu,\n%s \"scores\": ", h ? "," : "", pad,
                attn_kv_group(c, h), pad);
        put_matrix_in(f, t->scores + at, n, m, m, rows);
        fprintf(f, ",\n%s \"scaled\": ", pad);
        put_matrix_in(f, t->scaled + at, n, m, m, rows);
        fprintf(f, ",\n%s \"masked\": ", pad);
        put_matrix_in(f, t->masked + at, n, m, m, rows);
        fprintf(f, ",\n%s \"weights\": ", pad);
        put_matrix_in(f, t->weights + at, n, m, m, rows);
        fprintf(f, ",\n%s \"out\": ", pad);
        put_matrix_in(f, t->head_out + h * n * dh, n, dh, dh, rows);
        fputs("}", f);
    }
    fputs("]", f);
    put_key(f, sep, "concat", t->concat, n, d, rows);
    put_key(f, sep, "output", t->output, n, d, rows);
}

void cli_dump_json(FILE *f, const state_model *m) {
    const attn_trace *t = &m->trace;
    const attn_config *c = &t->config;
    size_t n = t->n, d = c->d_model, dh = attn_d_head(c);

    fputs("{\n  \"tokens\": [", f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        cli_json_string(f, m->text + m->tokens[i].offset, m->tokens[i].len);
    }
    /* cross-attention: the other sentence's tokens, the maps' columns */
    if (state_model_cross(m)) {
        fputs("],\n  \"key_tokens\": [", f);
        for (size_t j = 0; j < m->n_keys; j++) {
            size_t kl;
            const char *k = state_model_key_token(m, j, &kl);
            if (j) fputs(", ", f);
            cli_json_string(f, k, kl);
        }
    }
    fprintf(f,
            "],\n  \"config\": {\"d_model\": %zu, \"n_heads\": %zu, \"n_kv_heads\": %zu, "
            "\"d_head\": %zu, \"causal\": %s, \"scale\": %s, \"temperature\": %.9g, "
            "\"seed\": %llu}",
            d, c->n_heads, c->n_kv_heads, dh, c->causal ? "true" : "false",
            c->scale ? "true" : "false", (double)c->temperature,
            (unsigned long long)m->settings.seed);
    put_layer(f, t, &m->weights, ",\n  ", "  ");
    fputs("\n}\n", f);
}

/* ---- the trained model ------------------------------------------------------ */

static void put_token(FILE *f, const state_trained *t, int32_t id) {
    char text[256];
    state_trained_token_text(t, id, text, sizeof text);
    cli_json_string(f, text, strlen(text));
}

/* A GPT-2's lens (trained_lens.h) for the predicted token after the last
 * one: "contributions", each head's direct contribution to its logit
 * (rows: layers, columns: heads) with the rest of the logit, which the
 * parts sum to; "logit_lens", for the embeddings (layer 0) and after each
 * block, its 5 most likely tokens. */
static int put_lens(FILE *f, const state_trained *t, char *err, size_t err_len) {
    static state_lens lens; /* 10 kB: not on the stack */
    char msg[CLI_ERR_LEN];
    memset(&lens, 0, sizeof lens);
    if (state_trained_lens(t, &lens, msg, sizeof msg) != ATTN_OK)
        return cli_fail(err, err_len, "the lens: %s", msg);
    size_t L = lens.n_layers, H = lens.n_heads;
    fprintf(f, ",\n  \"contributions\": {\"position\": %zu, \"token_id\": %ld, \"token\": ",
            t->n - 1, (long)lens.token);
    put_token(f, t, lens.token);
    fputs(", \"probability\": ", f);
    put_number(f, lens.prob);
    fputs(", \"logit\": ", f);
    put_number(f, lens.parts.logit);
    fputs(",\n   \"heads\": ", f);
    put_matrix_in(f, lens.contrib, L, H, H, "    ");
    fputs(",\n   \"attention_bias\": ", f);
    put_vector(f, lens.parts.attn_bias, L);
    fputs(",\n   \"mlp\": ", f);
    put_vector(f, lens.parts.mlp, L);
    fputs(",\n   \"embeddings\": ", f);
    put_number(f, lens.parts.embed);
    fputs(", \"ln_f_bias\": ", f);
    put_number(f, lens.parts.lnf_bias);
    fputs("},\n  \"logit_lens\": [", f);
    for (size_t r = 0; r <= L; r++) {
        fprintf(f, "%s{\"layer\": %zu, \"ids\": [", r ? ",\n   " : "\n   ", r);
        for (size_t i = 0; i < STATE_LENS_K; i++)
            fprintf(f, "%s%ld", i ? ", " : "", (long)lens.lens_ids[r * STATE_LENS_K + i]);
        fputs("], \"tokens\": [", f);
        for (size_t i = 0; i < STATE_LENS_K; i++) {
            if (i) fputs(", ", f);
            put_token(f, t, lens.lens_ids[r * STATE_LENS_K + i]);
        }
        fputs("], \"probs\": ", f);
        put_vector(f, lens.lens_probs + r * STATE_LENS_K, STATE_LENS_K);
        fputs("}", f);
    }
    fputs("]", f);
    return 0;
}

int cli_dump_trained(FILE *f, const cli_options *o, const state_settings *s, char *err,
                     size_t err_len) {
    state_trained *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, err_len, "out of memory for the model");
        return 2;
    }
    char msg[CLI_ERR_LEN];
    /* the roles are not part of the dump: no need to measure them */
    unsigned flags = STATE_TRAINED_NO_ROLES | (o->all_logits ? STATE_TRAINED_ALL_LOGITS : 0);
    if (state_trained_load_ex(t, s->model_path, flags, msg, sizeof msg) != 0) {
        free(t);
        return cli_fail_model_file(err, err_len, o->model_path ? "--model" : "--weights trained:",
                                   msg);
    }
    attn_setting bad;
    if (state_trained_run(t, s->sentence, NULL, &bad, msg, sizeof msg) != 0) {
        cli_fail_setting(err, err_len, bad, msg);
        state_trained_free(t);
        free(t);
        return 2;
    }
    /* Words outside the vocabulary run as <unk>: the JSON says so in
     * "words"; say it on stderr too, so no one reads a silent swap. */
    size_t unknown = 0;
    for (size_t i = 1; i < t->n; i++) unknown += t->unknown[i];
    if (unknown) {
        /* Built whole, then cleaned: the words are the user's and may hold
         * a terminal escape. */
        char note[CLI_ERR_LEN * 2];
        size_t at = (size_t)snprintf(note, sizeof note,
                                     "note: %zu word%s not in the model's vocabulary, run as <unk>:",
                                     unknown, unknown == 1 ? " is" : "s are");
        for (size_t i = 1, shown = 0; i < t->n && shown < 8 && at < sizeof note; i++)
            if (t->unknown[i]) {
                at += (size_t)snprintf(note + at, sizeof note - at, "%s \"%.*s\"", shown ? "," : "",
                                       (int)t->spans[i].len, s->sentence + t->spans[i].offset);
                shown++;
            }
        if (unknown > 8 && at < sizeof note) snprintf(note + at, sizeof note - at, ", ...");
        attn_clean_line(note);
        fprintf(stderr, "attnviz: %s\n", note);
    }
    /* which tokenizer a GPT-2 got, when it is not its own files */
    if (t->gpt2 && t->tokenizer_shipped) {
        char note[sizeof t->tokenizer_note];
        snprintf(note, sizeof note, "%s", t->tokenizer_note);
        attn_clean_line(note);
        fprintf(stderr, "attnviz: note: %s\n", note);
    }
    const model_config *mc = &t->model.config;
    const attn_trace *lt = &t->run.trace[s->layer];
    const attn_config *c = &lt->config;
    size_t n = t->n, V = mc->n_vocab;

    /* "tokens" as spelled in the sentence (the start token as the model's
     * word for it), "words" as the model reads them */
    fputs("{\n  \"tokens\": [", f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        if (i == 0) {
            /* the start token as the model's word for it ("<|endoftext|>"
             * for a model without a word vocabulary, GPT-2's name) */
            const char *start = t->model.vocab.n ? t->model.vocab.words[0] : "<|endoftext|>";
            cli_json_string(f, start, strlen(start));
        }
        else if (t->gpt2 && attn_utf8_first_invalid(s->sentence + t->spans[i].offset,
                                                    t->spans[i].len) != t->spans[i].len) {
            /* part of a character (GPT-2 cuts some between tokens): its
             * shown form, as "words" has it, for JSON holds UTF-8 only */
            const char *w = state_trained_word(t, i);
            cli_json_string(f, w, strlen(w));
        } else cli_json_string(f, s->sentence + t->spans[i].offset, t->spans[i].len);
    }
    fprintf(f,
            "],\n  \"config\": {\"d_model\": %zu, \"n_heads\": %zu, \"n_kv_heads\": %zu, "
            "\"d_head\": %zu, \"causal\": %s, \"scale\": %s, \"temperature\": %.9g, "
            "\"seed\": null}",
            c->d_model, c->n_heads, c->n_kv_heads, attn_d_head(c), c->causal ? "true" : "false",
            c->scale ? "true" : "false", (double)c->temperature);
    put_layer(f, lt, &t->run.attn[s->layer], ",\n  ", "  ");

    fputs(",\n  \"source\": \"trained\",\n  \"model\": ", f);
    cli_json_string(f, t->path, strlen(t->path));
    if (t->gpt2) {
        fputs(",\n  \"model_kind\": \"gpt2\",\n  \"model_file\": ", f);
        cli_json_string(f, t->file, strlen(t->file));
        fputs(",\n  \"tokenizer\": ", f);
        cli_json_string(f, t->tokenizer_note, strlen(t->tokenizer_note));
    }
    fprintf(f, ",\n  \"layer\": %zu,\n  \"n_layers\": %zu,\n  \"n_ctx\": %zu,"
               "\n  \"vocab_size\": %zu",
            s->layer + 1, mc->n_layers, mc->n_ctx, V);
    fputs(",\n  \"token_ids\": [", f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%s%ld", i ? ", " : "", (long)t->ids[i]);
    fputs("],\n  \"words\": [", f);
    for (size_t i = 0; i < n; i++) {
        const char *w = state_trained_word(t, i);
        if (i) fputs(", ", f);
        cli_json_string(f, w, strlen(w));
    }
    fputs("],\n  \"layers\": [", f);
    for (size_t l = 0; l < mc->n_layers; l++) {
        fputs(l ? ",\n   {" : "\n   {", f);
        put_layer(f, &t->run.trace[l], &t->run.attn[l], "", "    ");
        fputs("}", f);
    }
    /* every position's logits, or (a GPT-2 without --all-logits) the last
     * one's: a GPT-2's "logits_from" is the position of the first row */
    size_t rows = t->run.logit_rows == 1 ? 1 : n;
    if (t->gpt2) fprintf(f, "],\n  \"logits_from\": %zu", n - rows);
    else fputs("]", f);
    fputs(",\n  \"logits\": ", f);
    put_matrix(f, t->run.logits, rows, V, V);
    if (t->gpt2 && put_lens(f, t, err, err_len) != 0) {
        state_trained_free(t);
        free(t);
        return 2;
    }
    fputs("\n}\n", f);
    state_trained_free(t);
    free(t);
    return 0;
}

/* ---- attnviz dump ----------------------------------------------------------- */

/* The trained source: the model's own dump (cli_dump_trained). */
static int run_dump_trained(const cli_options *o, char *err, size_t err_len) {
    state_settings s;
    if (cli_settings(o, &s, err, err_len) != 0) return 2;
    int rc = cli_dump_trained(stdout, o, &s, err, err_len);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
        rc = cli_fail(err, err_len, "could not write the dump to standard output");
    return rc;
}

int cli_run_dump(const cli_options *o, char *err, size_t err_len) {
    if (o->source == STATE_SOURCE_TRAINED) return run_dump_trained(o, err, err_len);
    if (o->all_logits)
        return cli_fail(err, err_len, "--all-logits applies to a trained model, which has "
                        "logits: add --model FILE|DIR|NAME (or --weights trained)");
    /* Mechanics: the same settings -> model path as the app (state_model_apply). */
    state_settings s;
    if (cli_settings_any_length(o, &s, err, err_len) != 0) return 2;
    state_model m;
    memset(&m, 0, sizeof m);
    char msg[CLI_ERR_LEN - 2];
    attn_setting bad;
    if (state_model_apply_text(&m, &s, o->sentence, &bad, msg, sizeof msg) != 0)
        return cli_fail_setting(err, err_len, bad, msg);
    /* an overflowed value must not be written as a masked cell (null) nor
     * as NaN, which is not JSON */
    const char *stage;
    float value;
    if (attn_trace_find_nonfinite(&m.trace, &stage, &value)) {
        state_model_free(&m);
        return cli_fail(err, err_len, "the %s overflow float32 (%s) on this sentence, so "
                        "nothing was written: try other settings", stage,
                        isnan(value) ? "NaN" : value > 0 ? "+inf" : "-inf");
    }
    cli_dump_json(stdout, &m);
    state_model_free(&m);
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_fail(err, err_len, "could not write the dump to standard output");
    return 0;
}
