/* attnviz: the one binary. Parses, dispatches, and turns errors into exit
 * status 2 with one line on stderr. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "paths.h"
#include "trained.h"

/* The trained source: the model's own dump (cli_dump_trained). */
static int run_dump_trained(const cli_options *o, char *err, size_t err_len) {
    state_settings s;
    if (cli_settings(o, &s, err, err_len) != 0) return 2;
    int rc = cli_dump_trained(stdout, o, &s, err, err_len);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        snprintf(err, err_len, "could not write the dump to standard output");
        rc = 2;
    }
    return rc;
}

/* Mechanics: the same settings -> model path as the app (state_model_apply). */
static int run_dump(const cli_options *o, char *err, size_t err_len) {
    if (o->source == STATE_SOURCE_TRAINED) return run_dump_trained(o, err, err_len);
    state_settings s;
    if (cli_settings_any_length(o, &s, err, err_len) != 0) return 2;
    state_model m;
    memset(&m, 0, sizeof m);
    char msg[CLI_ERR_LEN - 2];
    attn_setting bad;
    if (state_model_apply_text(&m, &s, o->sentence, &bad, msg, sizeof msg) != 0)
        return cli_fail_setting(err, err_len, bad, msg);
    cli_dump_json(stdout, &m);
    state_model_free(&m);
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_fail(err, err_len, "could not write the dump to standard output");
    return 0;
}

#ifdef ATTNVIZ_GUI
#include "cli_gui.h"
#else
/* Built without SDL (cmake -DATTNVIZ_GUI=OFF): the commands that draw say
 * so; every other command works the same. */
static int no_window(const char *what, char *err, size_t err_len) {
    return cli_fail(err, err_len,
                    "%s needs attnviz built with its window (cmake -DATTNVIZ_GUI=ON and SDL2's "
                    "packages); this build has dump, heads, train, corpus, bench core, bench "
                    "train and lesson list/check",
                    what);
}
#endif

/* The model commands parse their own options (cli_train.c, cli_heads.c);
 * -1 when argv names none of them. */
static int run_model_command(int argc, char **argv, char *err, size_t err_len) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "train") == 0) return cli_train_main(argc, argv, 2, err, err_len);
    if (strcmp(cmd, "heads") == 0) return cli_heads_main(argc, argv, 2, err, err_len);
    if (strcmp(cmd, "corpus") == 0) return cli_corpus_main(argc, argv, 2, err, err_len);
    if (strcmp(cmd, "bench") == 0 && argc > 2 && strcmp(argv[2], "train") == 0)
        return cli_bench_train_main(argc, argv, 3, err, err_len);
    return -1;
}

/* "attnviz 0.1.0 (data: FOLDER)": the data folder in use says which copy
 * of the lessons and the shipped model this program reads. */
static void print_version(void) {
    char dir[STATE_PATH_MAX], why[CLI_ERR_LEN];
    if (state_data_dir(dir, sizeof dir, why, sizeof why) == 0)
        printf("attnviz %s (data: %s)\n", ATTN_VERSION, dir);
    else
        printf("attnviz %s (no data folder: %s)\n", ATTN_VERSION, why);
}

int main(int argc, char **argv) {
    char err[CLI_ERR_LEN] = "";
    cli_options o;
    int rc = run_model_command(argc, argv, err, sizeof err);
    if (rc >= 0) {
        if (rc != 0) fprintf(stderr, "attnviz: %s\n", err);
        return rc == 0 ? 0 : 2;
    }
    rc = cli_parse(&o, argc, argv, err, sizeof err);
    if (rc == 0) {
        switch (o.command) {
#ifdef ATTNVIZ_GUI
        case CLI_APP: rc = cli_run_app(&o, err, sizeof err); break;
        case CLI_RENDER: rc = cli_run_render(&o, err, sizeof err); break;
        case CLI_BENCH_RENDER: rc = cli_bench_render(stdout, err, sizeof err); break;
        case CLI_LESSON_OPEN: rc = cli_run_lesson(&o, err, sizeof err); break;
        case CLI_LESSON_RENDER:
            rc = cli_lesson_render(stdout, o.lesson_files[0], &o.render, err, sizeof err);
            break;
#else
        case CLI_APP: rc = no_window("the app", err, sizeof err); break;
        case CLI_RENDER: rc = no_window("render", err, sizeof err); break;
        case CLI_BENCH_RENDER: rc = no_window("bench render", err, sizeof err); break;
        case CLI_LESSON_OPEN: rc = no_window("a lesson in the window", err, sizeof err); break;
        case CLI_LESSON_RENDER: rc = no_window("lesson render", err, sizeof err); break;
#endif
        case CLI_HELP: cli_print_help(stdout); break;
        case CLI_VERSION: print_version(); break;
        case CLI_DUMP: rc = run_dump(&o, err, sizeof err); break;
        case CLI_BENCH_CORE: rc = cli_bench_core(stdout, o.bench_reference, err, sizeof err); break;
        case CLI_LESSON_LIST: rc = cli_lesson_list(stdout, err, sizeof err); break;
        case CLI_LESSON_CHECK:
            rc = cli_lesson_check(stdout, stderr, o.lesson_files, o.n_lesson_files, err,
                                  sizeof err);
            break;
        }
    }
    if (rc != 0) {
        fprintf(stderr, "attnviz: %s\n", err);
        return 2;
    }
    return 0;
}
