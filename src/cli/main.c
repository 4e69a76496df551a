/* attnviz: the one binary. Finds the command in the table of commands
 * (cli_commands.c), parses its options, runs it, and turns an error into
 * exit status 2 with one line on stderr. */
#include <stdio.h>

#include "cli_commands.h"
#include "attnviz/tokenize.h"
#include "cli.h"

int main(int argc, char **argv) {
    char err[CLI_ERR_LEN] = "";
    cli_call call;
    int rc = cli_parse(&call, argc, argv, err, sizeof err);
    if (rc == 0) rc = cli_run(&call, err, sizeof err);
    cli_call_free(&call);
    if (rc != 0) {
        attn_clean_line(err); /* also what a command wrote without cli_fail */
        fprintf(stderr, "attnviz: %s\n", err);
        return 2;
    }
    return 0;
}
