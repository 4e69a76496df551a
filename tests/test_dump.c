/* `attnviz dump` against the trace: run the binary, parse its JSON with
 * jansson, and check every key, every shape, and that every number reads
 * back as exactly the float32 the core computed (masked cells are null);
 * `attnviz dump --model FILE` likewise against model_forward's run on a
 * tiny model made here: every layer, the logits, tokens, ids and words;
 * a GPT-2's "contributions" and "logit_lens" against lens.h in process.
 *
 * usage: test_dump PATH_TO_ATTNVIZ */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/corpus.h"
#include "attnviz/gpt2.h"
#include "attnviz/lens.h"
#include "attnviz/model.h"
#include "check.h"
#include "attnviz/embed.h"
#include "cli.h"
#include "cli_commands.h"

/* Every entry of a rows×cols JSON matrix equals m (row-major); null where m is -inf. */
static int matrix_equals(json_t *j, const float *m, size_t rows, size_t cols) {
    if (!json_is_array(j) || json_array_size(j) != rows) return 0;
    for (size_t i = 0; i < rows; i++) {
        json_t *row = json_array_get(j, i);
        if (!json_is_array(row) || json_array_size(row) != cols) return 0;
        for (size_t k = 0; k < cols; k++) {
            json_t *v = json_array_get(row, k);
            float want = m[i * cols + k];
            if (isinf(want)) {
                if (!json_is_null(v)) return 0;
            } else if (!json_is_number(v) || (float)json_number_value(v) != want) {
                return 0;
            }
        }
    }
    return 1;
}

static int vector_equals(json_t *j, const float *v, size_t len) {
    json_t *wrap = json_array();
    json_array_append(wrap, j);
    int ok = matrix_equals(wrap, v, 1, len);
    json_decref(wrap);
    return ok;
}

/* The dump's numbers computed here straight from the core, apart from the
 * app's settings -> model path the binary takes (state_model_apply). */
static int compute(const cli_options *o, attn_token *tokens, size_t *n, attn_token *keys,
                   size_t *m, attn_trace *t, attn_weights *w) {
    memset(t, 0, sizeof *t);
    memset(w, 0, sizeof *w);
    if (attn_tokenize(tokens, o->max_tokens, n, o->sentence, strlen(o->sentence), NULL, 0) !=
        ATTN_OK)
        return 2;
    /* --cross: the keys and values from the other sentence */
    *m = *n;
    if (o->cross_sentence && attn_tokenize(keys, o->max_tokens, m, o->cross_sentence,
                                           strlen(o->cross_sentence), NULL, 0) != ATTN_OK)
        return 2;
    size_t rows = *n > *m ? *n : *m;
    attn_status s = attn_trace_init_cross(t, rows, o->config.d_model, o->config.n_heads, NULL, 0);
    if (s == ATTN_OK) s = attn_weights_init(w, &o->config, NULL, 0);
    if (s == ATTN_OK) {
        attn_weights_xavier(w, o->seed);
        attn_embed(t->x, o->sentence, tokens, *n, o->config.d_model, o->seed);
        if (o->cross_sentence) {
            attn_embed(t->x_kv, o->cross_sentence, keys, *m, o->config.d_model, o->seed);
            s = attn_forward_cross(t, &o->config, w, t->x, *n, t->x_kv, *m, NULL, 0);
        } else {
            s = attn_forward(t, &o->config, w, t->x, *n, NULL, 0);
        }
    }
    return s == ATTN_OK ? 0 : 2;
}

static size_t c_dm(const cli_options *o) { return o->config.d_model; }

static void check_dump(const char *exe, char **args, int nargs) {
    /* The same options, in process. */
    char *argv[16] = {"attnviz", "dump"};
    for (int i = 0; i < nargs; i++) argv[2 + i] = args[i];
    cli_call call;
    char err[CLI_ERR_LEN];
    CHECKF(cli_parse(&call, 2 + nargs, argv, err, sizeof err) == 0, "%s", err);
    if (!call.opts) return;
    CHECK(strcmp(call.command->words, "dump") == 0);
    cli_options o = *(const cli_options *)call.opts;
    cli_call_free(&call);
    attn_token tokens[ATTN_TOKENS_DEFAULT], keys[ATTN_TOKENS_DEFAULT];
    size_t n = 0, m = 0;
    attn_trace t;
    attn_weights w;
    CHECK(compute(&o, tokens, &n, keys, &m, &t, &w) == 0);

    /* The binary. Arguments are simple words here, quoted for the shell. */
    char cmd[1024];
    int len = snprintf(cmd, sizeof cmd, "'%s' dump", exe);
    for (int i = 0; i < nargs; i++) len += snprintf(cmd + len, sizeof cmd - (size_t)len, " '%s'", args[i]);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    json_error_t jerr;
    json_t *root = json_loadf(p, 0, &jerr);
    CHECKF(pclose(p) == 0, "%s exited non-zero", cmd);
    CHECKF(root != NULL, "%s: invalid JSON: %s (line %d)", cmd, jerr.text, jerr.line);
    if (!root) return;

    const attn_config *c = &o.config;
    size_t d = c->d_model, dh = attn_d_head(c), dkv = attn_d_kv(c);
    json_t *jt = json_object_get(root, "tokens");
    CHECK(json_array_size(jt) == n);
    for (size_t i = 0; i < n && i < json_array_size(jt); i++) {
        const char *s = json_string_value(json_array_get(jt, i));
        CHECK(s && strlen(s) == tokens[i].len &&
              memcmp(s, o.sentence + tokens[i].offset, tokens[i].len) == 0);
    }
    json_t *jk = json_object_get(root, "key_tokens");
    CHECK(o.cross_sentence ? json_array_size(jk) == m : jk == NULL);
    for (size_t j = 0; o.cross_sentence && j < m && j < json_array_size(jk); j++) {
        const char *s = json_string_value(json_array_get(jk, j));
        CHECK(s && strlen(s) == keys[j].len &&
              memcmp(s, o.cross_sentence + keys[j].offset, keys[j].len) == 0);
    }
    if (o.cross_sentence) CHECK(matrix_equals(json_object_get(root, "X_kv"), t.x_kv, m, c_dm(&o)));
    else CHECK(json_object_get(root, "X_kv") == NULL);
    json_t *jc = json_object_get(root, "config");
    CHECK(json_integer_value(json_object_get(jc, "d_model")) == (json_int_t)d);
    CHECK(json_integer_value(json_object_get(jc, "n_heads")) == (json_int_t)c->n_heads);
    CHECK(json_integer_value(json_object_get(jc, "n_kv_heads")) == (json_int_t)c->n_kv_heads);
    CHECK(json_integer_value(json_object_get(jc, "d_head")) == (json_int_t)dh);
    CHECK(json_is_true(json_object_get(jc, "causal")) == c->causal);
    CHECK(json_is_true(json_object_get(jc, "scale")) == c->scale);
    CHECK((float)json_number_value(json_object_get(jc, "temperature")) == c->temperature);
    CHECK(json_integer_value(json_object_get(jc, "seed")) == (json_int_t)o.seed);

    CHECK(matrix_equals(json_object_get(root, "X"), t.x, n, d));
    CHECK(matrix_equals(json_object_get(root, "W_Q"), w.w_q, d, d));
    CHECK(vector_equals(json_object_get(root, "b_Q"), w.b_q, d));
    CHECK(matrix_equals(json_object_get(root, "W_K"), w.w_k, d, dkv));
    CHECK(vector_equals(json_object_get(root, "b_K"), w.b_k, dkv));
    CHECK(matrix_equals(json_object_get(root, "W_V"), w.w_v, d, dkv));
    CHECK(vector_equals(json_object_get(root, "b_V"), w.b_v, dkv));
    CHECK(matrix_equals(json_object_get(root, "W_O"), w.w_o, d, d));
    CHECK(vector_equals(json_object_get(root, "b_O"), w.b_o, d));
    CHECK(matrix_equals(json_object_get(root, "Q"), t.q, n, d));
    CHECK(matrix_equals(json_object_get(root, "K"), t.k, m, dkv));
    CHECK(matrix_equals(json_object_get(root, "V"), t.v, m, dkv));
    json_t *heads = json_object_get(root, "heads");
    CHECK(json_array_size(heads) == c->n_heads);
    for (size_t h = 0; h < c->n_heads && h < json_array_size(heads); h++) {
        json_t *jh = json_array_get(heads, h);
        size_t at = h * n * m; /* n rows, m columns (keys) */
        CHECK(json_integer_value(json_object_get(jh, "kv_head")) == (json_int_t)attn_kv_group(c, h));
        CHECK(matrix_equals(json_object_get(jh, "scores"), t.scores + at, n, m));
        CHECK(matrix_equals(json_object_get(jh, "scaled"), t.scaled + at, n, m));
        CHECK(matrix_equals(json_object_get(jh, "masked"), t.masked + at, n, m));
        CHECK(matrix_equals(json_object_get(jh, "weights"), t.weights + at, n, m));
        CHECK(matrix_equals(json_object_get(jh, "out"), t.head_out + h * n * dh, n, dh));
        if (c->causal && n > 1) /* the cell above the diagonal is null */
            CHECK(json_is_null(json_array_get(json_array_get(json_object_get(jh, "masked"), 0), 1)));
    }
    CHECK(matrix_equals(json_object_get(root, "concat"), t.concat, n, d));
    CHECK(matrix_equals(json_object_get(root, "output"), t.output, n, d));
    CHECK(json_object_size(root) == (o.cross_sentence ? 19u : 17u)); /* + key_tokens, X_kv */

    json_decref(root);
    attn_trace_free(&t);
    attn_weights_free(&w);
}

/* ---- the trained source: attnviz dump --model FILE ----------------------------- */

/* The keys of one attention layer (README's contract) against a trace and
 * its weights, bit for bit. */
static void check_layer(json_t *o, const attn_trace *t, const attn_weights *w, size_t n) {
    const attn_config *c = &t->config;
    size_t d = c->d_model, dh = attn_d_head(c);
    CHECK(matrix_equals(json_object_get(o, "X"), t->x, n, d));
    CHECK(matrix_equals(json_object_get(o, "W_Q"), w->w_q, d, d));
    CHECK(vector_equals(json_object_get(o, "b_Q"), w->b_q, d));
    CHECK(matrix_equals(json_object_get(o, "W_K"), w->w_k, d, d));
    CHECK(vector_equals(json_object_get(o, "b_K"), w->b_k, d));
    CHECK(matrix_equals(json_object_get(o, "W_V"), w->w_v, d, d));
    CHECK(vector_equals(json_object_get(o, "b_V"), w->b_v, d));
    CHECK(matrix_equals(json_object_get(o, "W_O"), w->w_o, d, d));
    CHECK(vector_equals(json_object_get(o, "b_O"), w->b_o, d));
    CHECK(matrix_equals(json_object_get(o, "Q"), t->q, n, d));
    CHECK(matrix_equals(json_object_get(o, "K"), t->k, n, d));
    CHECK(matrix_equals(json_object_get(o, "V"), t->v, n, d));
    json_t *heads = json_object_get(o, "heads");
    CHECK(json_array_size(heads) == c->n_heads);
    for (size_t h = 0; h < c->n_heads && h < json_array_size(heads); h++) {
        json_t *jh = json_array_get(heads, h);
        size_t at = h * n * n;
        CHECK(json_integer_value(json_object_get(jh, "kv_head")) == (json_int_t)h);
        CHECK(matrix_equals(json_object_get(jh, "scores"), t->scores + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "scaled"), t->scaled + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "masked"), t->masked + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "weights"), t->weights + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "out"), t->head_out + h * n * dh, n, dh));
        if (n > 1) /* causal: the cell above the diagonal is null */
            CHECK(json_is_null(json_array_get(json_array_get(json_object_get(jh, "masked"), 0), 1)));
    }
    CHECK(matrix_equals(json_object_get(o, "concat"), t->concat, n, d));
    CHECK(matrix_equals(json_object_get(o, "output"), t->output, n, d));
}

/* A tiny model of n_layers on the corpus vocabulary with GPT-2's initial
 * weights; huge: 0 leaves them, 1 sets one c_attn weight of layer 1 to
 * 3e38, 2 sets every c_attn weight of layer 1 to ±1e30 (finite, but too
 * large for float32 products). Saved to path; 0 on success. */
static int save_tiny_model(const char *path, size_t n_layers, int huge) {
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    model_vocab vocab;
    model m;
    char err[512];
    model_config c = {n_layers, 2, 16, 16, V};
    if (model_vocab_init(&vocab, words, V, err, sizeof err) != ATTN_OK ||
        model_init(&m, &c, &vocab, err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    model_vocab_free(&vocab);
    model_init_gpt2(&m, 11);
    size_t per = c.d_model * 3 * c.d_model;
    if (huge == 1) m.params.attn_w[5] = 3e38f;
    if (huge == 2)
        for (size_t i = 0; i < per; i++) m.params.attn_w[i] = (i % 3) ? 1e30f : -1e30f;
    attn_status st = model_save(&m, path, err, sizeof err);
    if (st != ATTN_OK) fprintf(stderr, "%s\n", err);
    model_free(&m);
    return st != ATTN_OK;
}

/* A tiny model on the corpus vocabulary, saved to path. */
static int make_model(const char *path) { return save_tiny_model(path, 3, 0); }

/* A tiny model whose weights are finite but too large for float32 products:
 * one c_attn weight of 3e38 (huge 0), or every c_attn weight ±1e30 (huge 1). */
static int make_huge_model(const char *path, int huge) {
    return save_tiny_model(path, 2, huge + 1);
}

static void check_trained_dump(const char *exe, const char *path, const char *sentence,
                               size_t layer) {
    char cmd[1024], layer_opt[32] = ""; /* no --layer: the default, layer 1 */
    if (layer) snprintf(layer_opt, sizeof layer_opt, " --layer %zu", layer);
    snprintf(cmd, sizeof cmd, "'%s' dump --model '%s' --sentence '%s'%s", exe, path, sentence,
             layer_opt);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    json_error_t jerr;
    json_t *root = json_loadf(p, 0, &jerr);
    CHECKF(pclose(p) == 0, "%s exited non-zero", cmd);
    CHECKF(root != NULL, "%s: invalid JSON: %s (line %d)", cmd, jerr.text, jerr.line);
    if (!root) return;

    /* the same run in process, with the model's own API */
    model m;
    model_run r;
    char err[512];
    int32_t ids[64];
    attn_token spans[64];
    size_t n = 0;
    CHECK(model_load(&m, path, err, sizeof err) == ATTN_OK);
    CHECK(model_vocab_encode(&m.vocab, sentence, ids, spans, m.config.n_ctx, &n, err, sizeof err) ==
          ATTN_OK);
    CHECK(model_run_init(&r, &m, n, err, sizeof err) == ATTN_OK);
    CHECK(model_forward(&r, &m, ids, n, NULL, err, sizeof err) == ATTN_OK);
    size_t L = m.config.n_layers, V = m.config.n_vocab, d = m.config.d_model;
    size_t shown = layer ? layer - 1 : 0;

    /* tokens and words, as spelled and as the model reads them */
    json_t *jt = json_object_get(root, "tokens"), *jw = json_object_get(root, "words");
    json_t *jid = json_object_get(root, "token_ids");
    CHECK(json_array_size(jt) == n && json_array_size(jw) == n && json_array_size(jid) == n);
    CHECK(strcmp(json_string_value(json_array_get(jt, 0)), "<|endoftext|>") == 0);
    for (size_t i = 0; i < n && i < json_array_size(jt); i++) {
        CHECK(json_integer_value(json_array_get(jid, i)) == ids[i]);
        const char *w = json_string_value(json_array_get(jw, i));
        CHECK(w && strcmp(w, ids[i] == MODEL_TOKEN_UNK ? "<unk>" : m.vocab.words[ids[i]]) == 0);
        const char *s = json_string_value(json_array_get(jt, i));
        if (i > 0)
            CHECK(s && strlen(s) == spans[i].len &&
                  memcmp(s, sentence + spans[i].offset, spans[i].len) == 0);
    }
    CHECK(json_integer_value(json_object_get(root, "vocab_size")) == (json_int_t)V);
    CHECK(json_integer_value(json_object_get(root, "n_layers")) == (json_int_t)L);
    CHECK(json_integer_value(json_object_get(root, "layer")) == (json_int_t)(shown + 1));
    CHECK(strcmp(json_string_value(json_object_get(root, "source")), "trained") == 0);
    CHECK(strcmp(json_string_value(json_object_get(root, "model")), path) == 0);
    json_t *jc = json_object_get(root, "config");
    CHECK(json_integer_value(json_object_get(jc, "d_model")) == (json_int_t)d);
    CHECK(json_integer_value(json_object_get(jc, "n_heads")) == (json_int_t)m.config.n_heads);
    CHECK(json_is_true(json_object_get(jc, "causal")) && json_is_true(json_object_get(jc, "scale")));
    CHECK(json_number_value(json_object_get(jc, "temperature")) == 1.0);
    CHECK(json_is_null(json_object_get(jc, "seed")));

    /* the chosen layer at the top level, every layer in "layers" */
    check_layer(root, &r.trace[shown], &r.attn[shown], n);
    json_t *layers = json_object_get(root, "layers");
    CHECK(json_array_size(layers) == L);
    for (size_t l = 0; l < L && l < json_array_size(layers); l++) {
        json_t *jl = json_array_get(layers, l);
        CHECK(json_object_size(jl) == 15);
        check_layer(jl, &r.trace[l], &r.attn[l], n);
    }

    /* logits bit for bit; their softmax picks the model's most likely word */
    json_t *jlog = json_object_get(root, "logits");
    CHECK(matrix_equals(jlog, r.logits, n, V));
    for (size_t i = 0; i < n && i < json_array_size(jlog); i++) {
        json_t *row = json_array_get(jlog, i);
        double mx = -INFINITY, sum = 0.0;
        size_t arg = 0, arg_p = 0;
        for (size_t v = 0; v < V; v++) {
            double x = json_number_value(json_array_get(row, v));
            if (x > mx) mx = x, arg = v;
        }
        for (size_t v = 0; v < V; v++) sum += exp(json_number_value(json_array_get(row, v)) - mx);
        for (size_t v = 1; v < V; v++)
            if (r.probs[i * V + v] > r.probs[i * V + arg_p]) arg_p = v;
        CHECK(arg == arg_p);
        CHECK(fabs(1.0 / sum - r.probs[i * V + arg]) < 1e-5); /* softmax of the largest */
    }
    CHECK(json_object_size(root) == 17 + 10);
    json_decref(root);
    model_run_free(&r);
    model_free(&m);
}

/* A GPT-2's dump (a committed fixture) adds the lens of the predicted token:
 * the same numbers as lens.h gives in process, parts that sum to the
 * logit, and a logit lens whose last layer is the prediction. */
static void check_gpt2_lens_dump(const char *exe, const char *folder) {
    char cmd[1024], err[512];
    snprintf(cmd, sizeof cmd, "'%s' dump --model '%s' --sentence 'The cat sat on the' 2>/dev/null",
             exe, folder);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    json_error_t jerr;
    json_t *root = p ? json_loadf(p, 0, &jerr) : NULL;
    CHECKF(p && pclose(p) == 0, "%s exited non-zero", cmd);
    CHECKF(root != NULL, "%s: invalid JSON", cmd);
    if (!root) return;
    char file[1024];
    snprintf(file, sizeof file, "%s/model.safetensors", folder);
    model m;
    model_run r;
    CHECK(model_load_gpt2(&m, file, 0, NULL, err, sizeof err) == ATTN_OK);
    json_t *jid = json_object_get(root, "token_ids");
    size_t n = json_array_size(jid), L = m.config.n_layers, H = m.config.n_heads;
    int32_t ids[64];
    for (size_t i = 0; i < n && i < 64; i++)
        ids[i] = (int32_t)json_integer_value(json_array_get(jid, i));
    CHECK(n > 1 && n <= 64);
    CHECK(model_run_init_logits(&r, &m, n, MODEL_LOGITS_LAST, err, sizeof err) == ATTN_OK);
    CHECK(model_forward(&r, &m, ids, n, NULL, err, sizeof err) == ATTN_OK);
    size_t V = m.config.n_vocab, top = 0;
    for (size_t v = 1; v < V; v++) top = r.probs[v] > r.probs[top] ? v : top;

    json_t *jc = json_object_get(root, "contributions");
    CHECK(json_integer_value(json_object_get(jc, "token_id")) == (json_int_t)top);
    CHECK(json_integer_value(json_object_get(jc, "position")) == (json_int_t)(n - 1));
    CHECK(json_is_string(json_object_get(jc, "token")));
    float heads[64];
    model_logit_parts pt;
    CHECK(L * H <= 64 && model_head_contributions(&r, &m, n - 1, (int32_t)top, heads, &pt, err,
                                                  sizeof err) == ATTN_OK);
    CHECK(matrix_equals(json_object_get(jc, "heads"), heads, L, H));
    CHECK(vector_equals(json_object_get(jc, "mlp"), pt.mlp, L));
    CHECK(vector_equals(json_object_get(jc, "attention_bias"), pt.attn_bias, L));
    double sum = json_number_value(json_object_get(jc, "embeddings")) +
                 json_number_value(json_object_get(jc, "ln_f_bias"));
    json_t *jh = json_object_get(jc, "heads");
    for (size_t l = 0; l < L; l++) {
        for (size_t h = 0; h < H; h++)
            sum += json_number_value(json_array_get(json_array_get(jh, l), h));
        sum += json_number_value(json_array_get(json_object_get(jc, "mlp"), l)) +
               json_number_value(json_array_get(json_object_get(jc, "attention_bias"), l));
    }
    double logit = json_number_value(json_object_get(jc, "logit"));
    CHECKF(fabs(sum - r.logits[top]) <= 1e-4 * fabs(r.logits[top]), "parts %.7g, logit %.7g", sum,
           (double)r.logits[top]);
    CHECK(fabs(logit - r.logits[top]) <= 1e-5 * fabs(r.logits[top]));

    json_t *jl = json_object_get(root, "logit_lens");
    CHECK(json_array_size(jl) == L + 1);
    for (size_t i = 0; i <= L && i < json_array_size(jl); i++) {
        json_t *row = json_array_get(jl, i), *probs = json_object_get(row, "probs");
        CHECK(json_integer_value(json_object_get(row, "layer")) == (json_int_t)i);
        CHECK(json_array_size(json_object_get(row, "ids")) == 5 && json_array_size(probs) == 5 &&
              json_array_size(json_object_get(row, "tokens")) == 5);
        for (size_t k = 1; k < json_array_size(probs); k++)
            CHECK(json_number_value(json_array_get(probs, k)) <=
                  json_number_value(json_array_get(probs, k - 1)));
    }
    json_t *last = json_array_get(jl, L);
    CHECK(json_integer_value(json_array_get(json_object_get(last, "ids"), 0)) == (json_int_t)top);
    json_decref(root);
    model_run_free(&r);
    model_free(&m);
}

/* Runs cmd; its stdout and stderr, each up to len bytes; the exit status. */
static int run_capture(const char *cmd, char *out, char *errs, size_t len) {
    char full[1400], errpath[] = "/tmp/test_dump_err.XXXXXX";
    int fd = mkstemp(errpath);
    if (fd < 0) return -1;
    close(fd);
    snprintf(full, sizeof full, "%s 2>'%s'", cmd, errpath);
    FILE *p = popen(full, "r");
    size_t got = p ? fread(out, 1, len - 1, p) : 0;
    out[got] = '\0';
    int rc = p ? pclose(p) : -1;
    FILE *e = fopen(errpath, "r");
    got = e ? fread(errs, 1, len - 1, e) : 0;
    errs[got] = '\0';
    if (e) fclose(e);
    remove(errpath);
    return rc;
}

/* An overflowed score never passes for a masked one: the command line
 * (dump, heads), the trained source and the app's model all refuse the
 * model, naming it and the tensor, in one line; nothing is written. */
static void check_overflow(const char *exe, const char *path) {
    static char out[1 << 16], errs[4096];
    const char *cmds[] = {"dump --model '%s' --sentence 'the cat sat on the mat'",
                          "heads --model '%s' --sequences 8"};
    for (size_t k = 0; k < 2; k++) {
        char cmd[1024], args[600];
        snprintf(args, sizeof args, cmds[k], path);
        snprintf(cmd, sizeof cmd, "'%s' %s", exe, args);
        int rc = run_capture(cmd, out, errs, sizeof out < sizeof errs ? sizeof out : sizeof errs);
        CHECKF(rc != 0, "%s succeeded", cmd);
        CHECKF(out[0] == '\0', "%s wrote %.80s", cmd, out);
        CHECK_STR_CONTAINS(errs, path);
        CHECK_STR_CONTAINS(errs, "h.0.attn.c_attn.weight");
        CHECK_STR_CONTAINS(errs, "overflow");
        char *nl = strchr(errs, '\n');
        CHECKF(nl && nl[1] == '\0', "%s: not one line: %s", cmd, errs);
    }
    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    snprintf(s.model_path, sizeof s.model_path, "%s", path);
    snprintf(s.sentence, sizeof s.sentence, "the cat sat on the mat");
    state_model sm;
    memset(&sm, 0, sizeof sm);
    char err[512] = "";
    CHECKF(state_model_apply(&sm, &s, err, sizeof err) != ATTN_OK, "%s applied", path);
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, "h.0.attn.c_attn.weight");
    CHECKF(strchr(err, '\n') == NULL, "not one line: %s", err);
    CHECK(sm.trained == NULL);
    state_model_free(&sm);
}

int main(int argc, char **argv) {
    const char *exe = argc > 1 ? argv[1] : "build/attnviz";
    check_dump(exe, NULL, 0); /* the built-in example */
    char *gqa[] = {"--sentence", "Why do we scale by the square root?", "--d-model", "64",
                   "--heads", "8", "--kv-heads", "2", "--causal", "--temperature", "0.5",
                   "--seed", "9007199254740991"};
    check_dump(exe, gqa, 13);
    char *one[] = {"--sentence", "Hello", "--d-model", "8", "--heads", "1", "--no-scale"};
    check_dump(exe, one, 7);
    char *quotes[] = {"--sentence", "He said \"no\" \\ twice."};
    check_dump(exe, quotes, 2);
    char *cross[] = {"--sentence", "Why?", "--cross", "We scale by the square root of d.",
                     "--heads", "8", "--kv-heads", "2", "--temperature", "2"};
    check_dump(exe, cross, 10);

    char dir[] = "/tmp/test_dump.XXXXXX", path[128];
    if (mkdtemp(dir)) {
        snprintf(path, sizeof path, "%s/tiny.safetensors", dir);
        if (make_model(path) == 0) {
            check_trained_dump(exe, path, "The robot sat on the floor because it was tired.", 0);
            check_trained_dump(exe, path, "the zorblax saw the cat", 2);
            check_trained_dump(exe, path, "it", 3);
        }
        remove(path);
        for (int huge = 0; huge < 2; huge++) {
            snprintf(path, sizeof path, "%s/huge%d.safetensors", dir, huge);
            if (make_huge_model(path, huge) == 0) check_overflow(exe, path);
            remove(path);
        }
        rmdir(dir);
    }
    check_gpt2_lens_dump(exe, "tests/torch/fixtures/gpt2/v50257_d16_f16");
    return check_done("test_dump");
}
