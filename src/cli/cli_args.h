/* The command line's one parser. Every command is a row of one table
 * (cli_commands.c) and describes its options as rows too: a name, a kind,
 * where the value goes in the command's options struct, a range or a parse
 * function, help. From these the parser reads "--name value" and
 * "--name=value", checks numbers strictly, never takes a value from the next
 * option, and names the option and the fix in every refusal; --help prints
 * the same rows. */
#ifndef ATTNVIZ_CLI_ARGS_H
#define ATTNVIZ_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attnviz/attn.h"

typedef enum cli_arg_kind {
    CLI_ARG_SIZE,   /* size_t in [lo, hi], digits only */
    CLI_ARG_FLOAT,  /* float in [lo, hi], finite */
    CLI_ARG_SEED,   /* uint64_t, 0 to 2^53-1 */
    CLI_ARG_TEXT,   /* const char *, as given, even empty (checked where it is used) */
    CLI_ARG_PATH,   /* const char *, a file or folder name: not empty */
    CLI_ARG_FLAG,   /* bool set to true; takes no value */
    CLI_ARG_CUSTOM, /* read by the row's parse function */
} cli_arg_kind;

typedef struct cli_arg cli_arg;

/* A CUSTOM row's reader: value into target (the row's field). Returns 0, or
 * 2 with a message that names the option and what it takes. */
typedef int (*cli_arg_parse_fn)(const cli_arg *a, const char *value, void *target, char *err,
                                size_t err_len);

struct cli_arg {
    const char *name;       /* "--heads" */
    const char *value;      /* the value as help shows it: "H", "WxH", "dark|light"; NULL for a flag */
    cli_arg_kind kind;
    size_t at;              /* offsetof the field in the command's options struct */
    double lo, hi;          /* SIZE and FLOAT: the range */
    cli_arg_parse_fn parse; /* CUSTOM */
    const char *help;       /* for --help; a '\n' starts another line */
    const char *fixed;      /* a trained model fixes this: why (the settings refuse it then) */
    attn_setting setting;   /* the setting of attention it sets, which messages from below name */
    bool required;
};

/* Rows that belong together, e.g. the settings of attention that the app,
 * dump and render share. */
typedef struct cli_arg_list {
    const char *title; /* the heading in --help */
    const cli_arg *args;
    size_t n;
} cli_arg_list;

/* The options given on one command line, each row once. */
enum { CLI_GIVEN_MAX = 64 };
typedef struct cli_given {
    const cli_arg *args[CLI_GIVEN_MAX];
    size_t n;
} cli_given;

bool cli_given_has(const cli_given *g, const char *name);

/* One command's options: the struct they fill and the rows that fill it. */
typedef struct cli_option_table {
    size_t size;               /* of the options struct */
    void (*init)(void *opts);  /* its defaults (NULL: all zero) */
    /* Rules across options, after every row is read (NULL: none): 0, or 2
     * with a message. */
    int (*check)(void *opts, const cli_given *given, char *err, size_t err_len);
    const cli_arg_list *lists[4]; /* up to four lists of rows; NULL after the last */
    const char *about;            /* more about the command for --help, or NULL */
} cli_option_table;

typedef struct cli_call cli_call;

/* One command: a row of the table of commands. */
typedef struct cli_command {
    const char *words;   /* "lesson render"; "" is the app (no command) */
    const char *summary; /* one line for attnviz --help */
    const cli_option_table *options;
    int min_files, max_files; /* FILE arguments right after the words (max -1: any number) */
    /* Runs it (NULL in a build without the window, for a command that draws). */
    int (*run)(const cli_call *call, char *err, size_t err_len);
    bool window; /* draws: needs attnviz built with its window */
} cli_command;

/* What one command line asks for. */
struct cli_call {
    const cli_command *command; /* NULL with help of a group ("bench --help") */
    void *opts;                 /* command->options->size bytes, filled; cli_call_free */
    char **files;               /* the FILE arguments (in argv) */
    int n_files;
    const char *help; /* --help: what to describe ("" everything, "dump", "bench"); else NULL */
};

/* Finds argv's command in table[0..n) (the longest run of words; none is
 * the app, table[k].words ""), then reads its FILE arguments and options.
 * Returns 0 (call filled; free it with cli_call_free), or 2 with a one-line
 * message that names the option or command and the fix. Never exits, never
 * keeps a pointer to anything but argv and the table. */
int cli_args_parse(const cli_command *table, size_t n, cli_call *call, int argc, char **argv,
                   char *err, size_t err_len);
void cli_call_free(cli_call *call);

/* attnviz --help (what ""), a command's options (what "dump"), or a group of
 * commands and its own options (what "bench", "lesson"). Returns 0, or 2 when
 * the table has no such command. */
int cli_args_help(FILE *f, const cli_command *table, size_t n, const char *what);

/* The commands' names joined for a message. */
typedef enum cli_list {
    CLI_LIST_FIRST_WORDS, /* "dump, render, bench, ... or corpus" (not help, --version) */
    CLI_LIST_GROUP,       /* "attnviz bench core, attnviz bench render or attnviz bench train" */
    CLI_LIST_NO_WINDOW,   /* "dump, bench core, ... and bench train": those that do not draw */
} cli_list;
void cli_args_command_list(char *out, size_t len, const cli_command *table, size_t n,
                           cli_list kind, const char *group);

/* The command as messages name it: "dump", "the app", "lesson FILE". */
void cli_args_command_name(char *out, size_t len, const cli_command *table, size_t n,
                           const cli_command *c);

/* Strict number parsing shared by every option: digits only for whole
 * numbers; the message names the option and the range. Return 0 or 2. */
/* A path ending in .png (any case), for the options that write a PNG image. */
int cli_parse_png(const cli_arg *a, const char *value, void *target, char *err, size_t err_len);
int cli_parse_size(const char *opt, const char *s, size_t lo, size_t hi, size_t *out, char *err,
                   size_t err_len);
int cli_parse_seed(const char *opt, const char *s, uint64_t *out, char *err, size_t err_len);
int cli_parse_float(const char *opt, const char *s, float lo, float hi, float *out, char *err,
                    size_t err_len);

#endif
