/* The command line: parsing, the JSON dump and the benchmarks. Nothing here
 * exits; main() turns a failed status into exit status 2. */
#ifndef ATTNVIZ_CLI_H
#define ATTNVIZ_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "app.h"
#include "attnviz/attn.h"
#include "attnviz/tokenize.h"
#include "render.h"

#define CLI_ERR_LEN 512

/* The built-in example sentence (from the seed texts). */
#define CLI_DEFAULT_SENTENCE "The robot sat on the floor because it was tired."

typedef enum cli_command {
    CLI_APP, /* no command: open the window */
    CLI_HELP,
    CLI_VERSION,
    CLI_DUMP,
    CLI_RENDER,
    CLI_BENCH_CORE,
    CLI_BENCH_RENDER,
    CLI_LESSON_LIST,
    CLI_LESSON_CHECK,
    CLI_LESSON_OPEN,   /* attnviz lesson FILE */
    CLI_LESSON_RENDER, /* attnviz lesson render FILE --out DIR */
} cli_command;

typedef struct cli_options {
    cli_command command;
    const char *sentence; /* points into argv, or the built-in example */
    attn_config config;
    uint64_t seed;
    size_t max_tokens;
    int bench_reference; /* bench core: also time the plain loops */
    app_render_options render; /* render: stage, progress, view, head, size, theme, out */
    char **lesson_files;       /* lesson check: the FILE arguments (in argv) */
    int n_lesson_files;
} cli_options;

/* Parses argv (argv[0] is the program). Returns 0, or 2 with a one-line
 * message in err that names the option and the fix. Never exits, never
 * keeps a pointer to anything but argv. */
int cli_parse(cli_options *o, int argc, char **argv, char *err, size_t err_len);

/* The app's settings from the options: 0, or 2 with a message (a sentence
 * longer than the app holds). */
int cli_settings(const cli_options *o, app_settings *s, char *err, size_t err_len);

/* The text of `attnviz --help`. */
void cli_print_help(FILE *f);

/* Tokenizes o->sentence, embeds it, makes the weights from o->seed and runs
 * the forward pass: the inputs of `dump` (and later of the app). On success
 * the caller owns *t and *w (attn_trace_free, attn_weights_free) and tokens
 * (room for o->max_tokens). Returns 0 or 2 with a message. */
int cli_compute(const cli_options *o, attn_token *tokens, size_t *n, attn_trace *t, attn_weights *w,
                char *err, size_t err_len);

/* Writes the whole trace as JSON (the `attnviz dump` contract, README). */
void cli_dump_json(FILE *f, const cli_options *o, const attn_token *tokens, const attn_trace *t,
                   const attn_weights *w);

/* `attnviz bench core`: one line per case on f. Returns 0 or 2. */
int cli_bench_core(FILE *f, int with_reference, char *err, size_t err_len);

/* `attnviz bench render`: frame times offscreen, one line per case. */
int cli_bench_render(FILE *f, char *err, size_t err_len);

/* `attnviz lesson list`: "FILE  TITLE  (N steps)" for each .md file of lessons/ but
 * README.md, sorted by name, from the source tree's lessons folder (or
 * ./lessons). Returns 0, or 2 with a message when there is no such folder. */
int cli_lesson_list(FILE *out, char *err, size_t err_len);

/* `attnviz lesson render FILE --out DIR`: each step of the lesson drawn
 * finished (progress 1, question unanswered) as DIR/step-NN.png at r's size
 * and theme, each path printed on out. Returns 0, or 2 with a message (the
 * parser's FILE:LINE: message, a DIR that is not a writable folder). */
int cli_lesson_render(FILE *out, const char *path, const app_render_options *r, char *err,
                      size_t err_len);

/* `attnviz lesson check FILE...`: "FILE: ok, N steps" on out for each valid
 * file; every error of every file on errs, one per line "FILE:LINE: message"
 * (an unreadable file: "FILE: cannot read: REASON"). A file named README.md
 * is skipped (lessons/README.md documents the format). Returns 0 when every
 * file is valid, else 2 with a one-line summary in err. */
int cli_lesson_check(FILE *out, FILE *errs, char **files, int n, char *err, size_t err_len);

#endif
