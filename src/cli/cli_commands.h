/* The table of commands (cli_commands.c): every command attnviz has, its
 * options and the function that runs it. main() finds the command, parses
 * its options and runs it through these three. The table names the
 * commands that draw, so it sits on top of both command-line libraries. */
#ifndef ATTNVIZ_CLI_COMMANDS_H
#define ATTNVIZ_CLI_COMMANDS_H

#include <stdio.h>

#include "cli_args.h"

/* argv's command and its options (cli_args_parse on the table). Returns 0
 * (free call with cli_call_free), or 2 with a one-line message. */
int cli_parse(cli_call *call, int argc, char **argv, char *err, size_t err_len);

/* Runs what call asks for: its help, or the command. A command that draws
 * in a build without the window says so. Returns 0, or 2 with a message. */
int cli_run(const cli_call *call, char *err, size_t err_len);

/* attnviz --help (what ""), or one command's or group's help ("dump",
 * "bench"). Returns 0, or 2 when there is no such command. */
int cli_print_help(FILE *f, const char *what);

#endif
