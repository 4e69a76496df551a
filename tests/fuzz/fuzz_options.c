/* libFuzzer target for the command line: the input, split at NUL bytes, is
 * argv. Finding the command and parsing its options must never crash, and a
 * refusal always says why; a help it asks for prints; when it accepts dump
 * on modest settings, the trace must be built or refused with a message,
 * and never hold NaN; train's checks before a run (the recipe and its cost)
 * and heads' --prune list run on what they accept. Every message is one line of UTF-8 with no control
 * characters, whatever bytes the arguments hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/tokenize.h"
#include "cli.h"
#include "cli_commands.h"

/* A refusal says why, on one clean line: a message must not carry a newline
 * or a terminal escape from the input to the user's terminal. */
static void check_message(const char *err) {
    size_t len = strlen(err);
    if (len == 0) abort();
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f) abort();
    if (attn_utf8_first_invalid(err, len) != len) abort();
}

/* dump on the settings the options give, as `attnviz dump` runs it. */
static void run_dump(const cli_options *o) {
    state_settings s;
    char err[CLI_ERR_LEN] = "";
    if (cli_settings_any_length(o, &s, err, sizeof err) != 0) {
        check_message(err);
        return;
    }
    state_model m;
    memset(&m, 0, sizeof m);
    attn_setting bad;
    if (state_model_apply_text(&m, &s, o->sentence, &bad, err, sizeof err) != ATTN_OK) {
        check_message(err);
        return;
    }
    for (size_t i = 0; i < m.trace.n * m.trace.config.d_model; i++)
        if (m.trace.output[i] != m.trace.output[i]) abort(); /* NaN */
    state_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    enum { MAX_ARGS = 24 };
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
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

    cli_call call;
    char err[CLI_ERR_LEN];
    int rc = cli_parse(&call, argc, argv, err, sizeof err);
    if (rc != 0 && rc != 2) abort();
    if (rc != 0) check_message(err); /* a refusal always says why, on one clean line */
    if (rc == 0 && call.help) {
        if (sink && cli_print_help(sink, call.help) != 0) abort(); /* what it asks for exists */
    } else if (rc == 0 && strcmp(call.command->words, "train") == 0) {
        model_recipe recipe;
        double bytes = 0, flops = 0;
        if (cli_train_recipe(call.opts, &recipe, &bytes, &flops, err, sizeof err) != 0)
            check_message(err);
        else if (!(bytes > 0) || !(flops > 0)) /* an accepted run has a cost */
            abort();
    } else if (rc == 0 && strcmp(call.command->words, "heads") == 0) {
        /* --prune against a model of 3 layers of 4 heads, as the shipped one */
        const char *prune = cli_heads_prune(call.opts);
        uint8_t off[12] = {0};
        if (prune && cli_heads_parse_prune(prune, off, 3, 4, err, sizeof err) != 0)
            check_message(err);
    } else if (rc == 0 && strcmp(call.command->words, "dump") == 0) {
        const cli_options *o = call.opts;
        /* Keep each run fast: compute only modest sizes, never a model file. */
        if (o->source == STATE_SOURCE_MECHANICS && o->config.d_model <= 128 && o->max_tokens <= 256)
            run_dump(o);
    }
    cli_call_free(&call);
    free(copy);
    return 0;
}
