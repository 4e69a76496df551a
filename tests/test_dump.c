/* `attnviz dump` against the trace: run the binary, parse its JSON with
 * jansson, and check every key, every shape, and that every number reads
 * back as exactly the float32 the core computed (masked cells are null).
 *
 * usage: test_dump PATH_TO_ATTNVIZ */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"

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

static void check_dump(const char *exe, char **args, int nargs) {
    /* The same options, in process. */
    char *argv[16] = {"attnviz", "dump"};
    for (int i = 0; i < nargs; i++) argv[2 + i] = args[i];
    cli_options o;
    char err[CLI_ERR_LEN];
    CHECK(cli_parse(&o, 2 + nargs, argv, err, sizeof err) == 0);
    attn_token tokens[ATTN_TOKENS_DEFAULT];
    size_t n = 0;
    attn_trace t;
    attn_weights w;
    CHECK(cli_compute(&o, tokens, &n, &t, &w, err, sizeof err) == 0);

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
    CHECK(matrix_equals(json_object_get(root, "K"), t.k, n, dkv));
    CHECK(matrix_equals(json_object_get(root, "V"), t.v, n, dkv));
    json_t *heads = json_object_get(root, "heads");
    CHECK(json_array_size(heads) == c->n_heads);
    for (size_t h = 0; h < c->n_heads && h < json_array_size(heads); h++) {
        json_t *jh = json_array_get(heads, h);
        size_t at = h * n * n;
        CHECK(json_integer_value(json_object_get(jh, "kv_head")) == (json_int_t)attn_kv_group(c, h));
        CHECK(matrix_equals(json_object_get(jh, "scores"), t.scores + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "scaled"), t.scaled + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "masked"), t.masked + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "weights"), t.weights + at, n, n));
        CHECK(matrix_equals(json_object_get(jh, "out"), t.head_out + h * n * dh, n, dh));
        if (c->causal && n > 1) /* the cell above the diagonal is null */
            CHECK(json_is_null(json_array_get(json_array_get(json_object_get(jh, "masked"), 0), 1)));
    }
    CHECK(matrix_equals(json_object_get(root, "concat"), t.concat, n, d));
    CHECK(matrix_equals(json_object_get(root, "output"), t.output, n, d));
    CHECK(json_object_size(root) == 17);

    json_decref(root);
    attn_trace_free(&t);
    attn_weights_free(&w);
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
    return check_done("test_dump");
}
