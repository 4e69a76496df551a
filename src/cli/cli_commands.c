/* The table of commands: one row a command, with the words that name it, a
 * line for attnviz --help, its options (cli_args.h) and the function that
 * runs it. The functions below only unpack a parsed call for the code that
 * does the work. */
#include <string.h>

#include "cli.h"
#include "cli_commands.h"
#include "paths.h"
#ifdef ATTNVIZ_GUI
#include "cli_gui.h"
#endif

static int run_dump(const cli_call *c, char *err, size_t err_len) {
    return cli_run_dump(c->opts, err, err_len);
}

static int run_bench_core(const cli_call *c, char *err, size_t err_len) {
    const cli_options *o = c->opts;
    return cli_bench_core(stdout, o->bench_reference, err, err_len);
}

static int run_lesson_list(const cli_call *c, char *err, size_t err_len) {
    (void)c;
    return cli_lesson_list(stdout, err, err_len);
}

static int run_lesson_check(const cli_call *c, char *err, size_t err_len) {
    return cli_lesson_check(stdout, stderr, c->files, c->n_files, err, err_len);
}

static int run_train(const cli_call *c, char *err, size_t err_len) {
    return cli_train_run(c->opts, err, err_len);
}

static int run_heads(const cli_call *c, char *err, size_t err_len) {
    return cli_heads_run(c->opts, err, err_len);
}

static int run_corpus(const cli_call *c, char *err, size_t err_len) {
    return cli_corpus_run(c->opts, err, err_len);
}

static int run_tokenize(const cli_call *c, char *err, size_t err_len) {
    return cli_tokenize_run(c->opts, c->files, c->n_files, err, err_len);
}

static int run_bench_train(const cli_call *c, char *err, size_t err_len) {
    return cli_bench_train_run(c->opts, err, err_len);
}

static int run_bench_gpt2(const cli_call *c, char *err, size_t err_len) {
    return cli_bench_gpt2_run(c->opts, err, err_len);
}

static int run_help(const cli_call *c, char *err, size_t err_len) {
    (void)c, (void)err, (void)err_len;
    return cli_print_help(stdout, "");
}

/* "attnviz 0.1.0 (data: FOLDER)": the data folder in use says which copy
 * of the lessons and the shipped model this program reads. */
static int run_version(const cli_call *c, char *err, size_t err_len) {
    (void)c, (void)err, (void)err_len;
    char dir[STATE_PATH_MAX], why[CLI_ERR_LEN];
    if (state_data_dir(dir, sizeof dir, why, sizeof why) == 0)
        printf("attnviz %s (data: %s)\n", ATTN_VERSION, dir);
    else
        printf("attnviz %s (no data folder: %s)\n", ATTN_VERSION, why);
    return 0;
}

/* The commands that draw; in a build without SDL their rows stay, with no
 * function, and say what they need (cli_run). */
#ifdef ATTNVIZ_GUI
static int run_app(const cli_call *c, char *err, size_t err_len) {
    return cli_run_app(c->opts, err, err_len);
}

static int run_render(const cli_call *c, char *err, size_t err_len) {
    return cli_run_render(c->opts, err, err_len);
}

static int run_bench_render(const cli_call *c, char *err, size_t err_len) {
    (void)c;
    return cli_bench_render(stdout, err, err_len);
}

static int run_lesson(const cli_call *c, char *err, size_t err_len) {
    return cli_run_lesson(c->opts, c->files[0], err, err_len);
}

static int run_lesson_render(const cli_call *c, char *err, size_t err_len) {
    const cli_options *o = c->opts;
    return cli_lesson_render(stdout, c->files[0], &o->render, o->step_layouts, err, err_len);
}
#define WINDOW(run) run
#else
#define WINDOW(run) NULL
#endif

/* In the order attnviz --help lists them; "" is the app (no command). */
static const cli_command commands[] = {
    /* words, summary, options, FILE arguments (min, max), run, draws */
    {"", "open the app (keys: H in the window)", &cli_app_options, 0, 0, WINDOW(run_app), true},
    {"dump", "write every stage of attention as JSON to stdout", &cli_dump_options, 0, 0,
     run_dump, false},
    {"render", "draw one frame, as the window would, without a display", &cli_render_options, 0,
     0, WINDOW(run_render), true},
    {"bench core", "time the forward pass (median ms, GFLOP/s)", &cli_bench_core_options, 0, 0,
     run_bench_core, false},
    {"bench render", "time frames drawn offscreen (median and p99 ms)", &cli_no_options, 0, 0,
     WINDOW(run_bench_render), true},
    {"lesson list", "the lessons in lessons/, with their titles", &cli_no_options, 0, 0,
     run_lesson_list, false},
    {"lesson check", "check lesson files: every error as FILE:LINE: message", &cli_no_options, 1,
     -1, run_lesson_check, false},
    {"lesson", "open the app on a lesson, step by step", &cli_lesson_options, 1, 1,
     WINDOW(run_lesson), true},
    {"lesson render", "each step's frame as DIR/step-01.png, step-02.png, ...",
     &cli_lesson_render_options, 1, 1, WINDOW(run_lesson_render), true},
    {"train", "train a small GPT-2 on generated text", &cli_train_options, 0, 0, run_train, false},
    {"heads", "what each head of a trained model does; pruning", &cli_heads_options, 0, 0,
     run_heads, false},
    {"corpus", "print the generated training text", &cli_corpus_options, 0, 0, run_corpus, false},
    {"tokenize", "how GPT-2's tokenizer splits a text: pieces, ids, bytes",
     &cli_tokenize_options, 0, -1, run_tokenize, false},
    {"bench train", "time training steps (tokens/s)", &cli_bench_train_options, 0, 0,
     run_bench_train, false},
    {"bench gpt2", "time GPT-2's forward at 16, 64, 256 tokens (median, p90 ms)",
     &cli_bench_gpt2_options, 0, 0, run_bench_gpt2, false},
    {"help", "this text; attnviz COMMAND --help gives a command's options", &cli_no_options, 0, 0,
     run_help, false},
    {"--version", "the version, and the data folder in use", &cli_no_options, 0, 0, run_version,
     false},
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

int cli_parse(cli_call *call, int argc, char **argv, char *err, size_t err_len) {
    return cli_args_parse(commands, N_COMMANDS, call, argc, argv, err, err_len);
}

int cli_print_help(FILE *f, const char *what) {
    return cli_args_help(f, commands, N_COMMANDS, what);
}

int cli_run(const cli_call *call, char *err, size_t err_len) {
    if (call->help) return cli_print_help(stdout, call->help);
    const cli_command *c = call->command;
    if (c->run) return c->run(call, err, err_len);
    /* Built without SDL (cmake -DATTNVIZ_GUI=OFF): every other command
     * works the same. */
    char name[64], list[512];
    cli_args_command_name(name, sizeof name, commands, N_COMMANDS, c);
    cli_args_command_list(list, sizeof list, commands, N_COMMANDS, CLI_LIST_NO_WINDOW, NULL);
    return cli_fail(err, err_len,
                    "%s needs attnviz built with its window (cmake -DATTNVIZ_GUI=ON and SDL2's "
                    "packages); this build has %s", name, list);
}
