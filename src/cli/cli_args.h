/* A small table-driven option parser for the model commands (train, heads,
 * corpus, bench train): "--name value" or "--name=value", strict numbers,
 * a "did you mean" for a mistyped option, --help printing the command's
 * usage. */
#ifndef ATTNVIZ_CLI_ARGS_H
#define ATTNVIZ_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_arg_kind {
    CLI_ARG_SIZE,   /* size_t in [lo, hi] */
    CLI_ARG_FLOAT,  /* float in [lo, hi] */
    CLI_ARG_SEED,   /* uint64_t, 0 to 2^53-1 */
    CLI_ARG_STRING, /* const char *, not empty */
    CLI_ARG_FLAG,   /* int set to 1 */
} cli_arg_kind;

typedef struct cli_arg {
    const char *name;
    cli_arg_kind kind;
    void *target;
    double lo, hi;
} cli_arg;

/* Applies argv[first..argc) to the table's targets. Returns 0, 1 when
 * --help was asked (usage printed on stdout), or 2 with a message. */
int cli_args_parse(const char *command, const char *usage, const cli_arg *args, size_t n_args,
                   int argc, char **argv, int first, char *err, size_t err_len);

#endif
