/* libFuzzer target for the command line: the input, split at NUL bytes, is
 * argv. Parsing must never crash; when it accepts, computing the trace must
 * succeed or fail with a message, and never produce NaN. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    enum { MAX_ARGS = 24 };
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_ARGS + 1] = {"attnviz"};
    int argc = 1;
    char *p = copy, *end = copy + size;
    while (p <= end && argc < MAX_ARGS) {
        argv[argc++] = p;
        p += strlen(p) + 1;
    }

    cli_options o;
    char err[CLI_ERR_LEN];
    int rc = cli_parse(&o, argc, argv, err, sizeof err);
    if (rc != 0 && (rc != 2 || err[0] == '\0')) abort(); /* a refusal always says why */
    /* Keep each run fast: compute only modest sizes. */
    if (rc == 0 && o.command == CLI_DUMP && o.config.d_model <= 128 && o.max_tokens <= 256) {
        attn_token *tokens = malloc(o.max_tokens * sizeof *tokens);
        size_t n = 0;
        attn_trace t;
        attn_weights w;
        if (cli_compute(&o, tokens, &n, &t, &w, err, sizeof err) == 0) {
            for (size_t i = 0; i < n * o.config.d_model; i++)
                if (t.output[i] != t.output[i]) abort(); /* NaN */
            attn_trace_free(&t);
            attn_weights_free(&w);
        } else if (err[0] == '\0') {
            abort();
        }
        free(tokens);
    }
    free(copy);
    return 0;
}
