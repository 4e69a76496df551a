/* The command line without SDL: the options of each command, the JSON
 * dump, the model commands and the benchmarks (the commands that draw are
 * in cli_gui.h, the table of commands in cli_commands.h). Nothing here
 * exits; main() turns a failed status into exit status 2. */
#ifndef ATTNVIZ_CLI_H
#define ATTNVIZ_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "attnviz/attn.h"
#include "attnviz/model.h"
#include "attnviz/tokenize.h"
#include "attnviz/train.h"
#include "cli_args.h"
#include "state.h"

#define CLI_ERR_LEN 512

/* The options of the app, dump, render, the lessons and bench core (one
 * struct: their tables in cli_options.c fill the parts they take). */
typedef struct cli_options {
    const char *sentence; /* points into argv, or the built-in example */
    attn_config config;   /* after the check: n_kv_heads = n_heads unless given */
    bool no_scale;        /* --no-scale: config.scale is its opposite */
    uint64_t seed;
    size_t max_tokens;
    bool bench_reference; /* bench core: also time the plain loops */
    bool step_layouts;    /* lesson render --layout: DIR/step-01.json, ... too */
    state_frame render;   /* render: stage, progress, view, head, size, theme, out */
    state_source source;  /* --weights, or trained when --model is given */
    const char *model_path; /* --model FILE (in argv); NULL: the shipped model */
    size_t layer;           /* --layer, from 1; 0 when not given (layer 1) */
    size_t head_given;      /* --head from 1; 0 when not given */
    bool all_logits;        /* dump --all-logits: every position's logits (a GPT-2: the last only) */
    const char *cross_sentence; /* --cross S (in argv): cross-attention's other sentence; NULL: none */
} cli_options;

/* The option tables (cli_args.h) of every command, beside the code that
 * reads what they fill. */
extern const cli_option_table cli_app_options, cli_dump_options, cli_render_options,
    cli_bench_core_options, cli_lesson_options, cli_lesson_render_options, cli_no_options;
extern const cli_option_table cli_train_options, cli_heads_options, cli_corpus_options,
    cli_bench_train_options, cli_tokenize_options, cli_bench_gpt2_options;

/* Writes the printf-style message into err (err may be NULL) and returns 2:
 * the one way a command fails. */
int cli_fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A monotonic clock in seconds, for the benchmarks and progress. */
double cli_now_seconds(void);

/* The option that sets a setting of attention ("--heads" for
 * ATTN_SETTING_HEADS: the settings' row that names it, cli_options.c), or
 * NULL for ATTN_SETTING_NONE. */
const char *cli_option_of(attn_setting s);

/* A message from below the command line (which names settings in plain
 * words) as the command line's error, naming the option to change: a
 * message that starts with the setting's name has it replaced by the
 * option ("heads 3 does not divide ..." -> "--heads 3 does not divide ..."),
 * any other about a setting is prefixed with it ("--sentence: ..."), one
 * about none (a model file's own) is kept as it is. Returns 2. */
int cli_fail_setting(char *err, size_t err_len, attn_setting bad, const char *msg);

/* The same for a model's or its training's settings (model.h): "learning
 * rate 2 is out of range" -> "--lr 2 is out of range". */
int cli_fail_model_setting(char *err, size_t err_len, model_setting bad, const char *msg);

/* A model file's failure, whose message (the model layer's) starts with the
 * file's path: prefixed with the option that brought the file in ("--model
 * m.st: the file is 1 bytes ...", "--weights trained: ..."), kept as it is
 * when no option did (option NULL: heads on the shipped model). Returns 2. */
int cli_fail_model_file(char *err, size_t err_len, const char *option, const char *msg);

/* Whether path can be written as option's file, checked before any work
 * is done: not an existing folder, device or other special file (a save
 * renames over it), in a folder that exists and may be written. Returns
 * 0, or 2 with a message naming the option, the path and the fix. */
int cli_check_output(const char *option, const char *path, char *err, size_t err_len);
/* s[0..len) as a JSON string: quotes, backslashes and control characters
 * escaped, UTF-8 passed through. */
void cli_json_string(FILE *f, const char *s, size_t len);
/* Head (l, h)'s name by heads.h's one rule, as JSON members:
 * `, "name": "…", "roles": [{"role", "score", "tied"}, …]`. */
struct model_heads_report;
void cli_json_head_name(FILE *f, const struct model_heads_report *r, size_t l, size_t h);

/* The model commands: `attnviz train`, `attnviz heads`, `attnviz corpus`
 * and `attnviz bench train`, on the options their tables filled (opts).
 * Return 0 or 2 with a one-line message. */
int cli_train_run(const void *opts, char *err, size_t err_len);
int cli_heads_run(const void *opts, char *err, size_t err_len);
int cli_corpus_run(const void *opts, char *err, size_t err_len);
/* `attnviz tokenize`: the text is files[0..n_files) joined by spaces, or
 * --sentence (cli_tokenize.c). */
int cli_tokenize_run(const void *opts, char **files, int n_files, char *err, size_t err_len);
int cli_bench_train_run(const void *opts, char *err, size_t err_len);
/* `attnviz bench gpt2` (cli_bench_gpt2.c). */
int cli_bench_gpt2_run(const void *opts, char *err, size_t err_len);

/* The checks `attnviz train` makes before any work, on the options its
 * table filled: the recipe (sizes, rates, mix) and what a step would cost
 * against the 4 GiB trace limit and this machine's memory. Fills *recipe,
 * the memory a run needs (*bytes) and its FLOPs per step (*flops); 0, or 2
 * with a one-line message naming the option. */
int cli_train_recipe(const void *opts, model_recipe *recipe, double *bytes, double *flops,
                     char *err, size_t err_len);

/* `attnviz heads --prune LIST`: "1.2,3.4" (LAYER.HEAD from 1) sets
 * off[(l-1)·H + h-1] = 1 for a model of L layers of H heads; 0, or 2 with
 * the form to write or the head that does not exist. */
int cli_heads_parse_prune(const char *s, uint8_t *off, size_t L, size_t H, char *err,
                          size_t err_len);
/* `attnviz heads --model GPT2`: the detectors (detect.h) on what names a
 * GPT-2, with sequences (0: the default) and seed (when given); a
 * progress line on stderr. 0, or 2 with a one-line message. */
int cli_heads_gpt2(const char *what, size_t sequences, bool seed_given, uint64_t seed, bool json,
                   char *err, size_t err_len);
/* The --prune list heads' table filled in opts, or NULL. */
const char *cli_heads_prune(const void *opts);

/* The app's settings from the options: 0, or 2 with a message (a sentence
 * longer than the app holds). With the trained source it reads the model's
 * sizes (state_trained_peek) and checks --layer and --head against them. */
int cli_settings(const cli_options *o, state_settings *s, char *err, size_t err_len);
/* The same for a sentence of any length (dump): one that the settings
 * cannot hold is left out of them ("" in s->sentence), and the caller runs
 * o->sentence (state_model_apply_text). */
int cli_settings_any_length(const cli_options *o, state_settings *s, char *err, size_t err_len);

/* Writes the whole trace of a mechanics model as JSON (the `attnviz dump`
 * contract, README): m is what state_model_apply built for the options. */
void cli_dump_json(FILE *f, const state_model *m);

/* `attnviz dump`: the mechanics trace (cli_dump_json) or the trained
 * model's dump (cli_dump_trained) of o on stdout. Returns 0 or 2. */
int cli_run_dump(const cli_options *o, char *err, size_t err_len);

/* `attnviz dump --model FILE` (or --weights trained): the same keys as
 * cli_dump_json for the layer of s->layer, plus the model's tokens, every
 * layer and the logits (README, "The dump"). Returns 0 or 2 with a message
 * (a sentence longer than the model's context). */
int cli_dump_trained(FILE *f, const cli_options *o, const state_settings *s, char *err,
                     size_t err_len);

/* `attnviz bench core`: one line per case on f. Returns 0 or 2. */
int cli_bench_core(FILE *f, int with_reference, char *err, size_t err_len);

/* `attnviz lesson list`: "FILE  TITLE  (N steps)" for each .md file of lessons/ but
 * README.md, sorted by name, from the source tree's lessons folder (or
 * ./lessons). Returns 0, or 2 with a message when there is no such folder. */
int cli_lesson_list(FILE *out, char *err, size_t err_len);

/* Whether the lesson at path parses: 0, or 2 with the parser's first
 * "FILE:LINE: message". */
int cli_lesson_parses(const char *path, char *err, size_t err_len);

/* `attnviz lesson check FILE...`: "FILE: ok, N steps" on out for each valid
 * file; every error of every file on errs, one per line "FILE:LINE: message"
 * (an unreadable file: "FILE: cannot read: REASON"). A file named README.md
 * is skipped (lessons/README.md documents the format). Returns 0 when every
 * file is valid, else 2 with a one-line summary in err. */
int cli_lesson_check(FILE *out, FILE *errs, char **files, int n, char *err, size_t err_len);

#endif
