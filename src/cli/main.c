/* attnviz: the one binary. Parses, dispatches, and turns errors into exit
 * status 2 with one line on stderr. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "paths.h"
#include "attnviz/lesson.h"
#include "trained.h"
#include "window.h"

/* The trained source: the model's own dump (cli_dump_trained). */
static int run_dump_trained(const cli_options *o, char *err, size_t err_len) {
    app_settings s;
    if (cli_settings(o, &s, err, err_len) != 0) return 2;
    int rc = cli_dump_trained(stdout, o, &s, err, err_len);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        snprintf(err, err_len, "could not write the dump to standard output");
        rc = 2;
    }
    return rc;
}

static int run_dump(const cli_options *o, char *err, size_t err_len) {
    if (o->source == APP_SOURCE_TRAINED) return run_dump_trained(o, err, err_len);
    attn_token *tokens = malloc(o->max_tokens * sizeof *tokens);
    if (!tokens) {
        snprintf(err, err_len, "out of memory for %zu tokens: lower --max-tokens", o->max_tokens);
        return 2;
    }
    size_t n = 0;
    attn_trace t;
    attn_weights w;
    int rc = cli_compute(o, tokens, &n, &t, &w, err, err_len);
    if (rc == 0) {
        cli_dump_json(stdout, o, tokens, &t, &w);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            snprintf(err, err_len, "could not write the dump to standard output");
            rc = 2;
        }
        attn_trace_free(&t);
        attn_weights_free(&w);
    }
    free(tokens);
    return rc;
}

static void keep_first(void *ctx, const char *error) {
    char *err = ctx;
    if (err[0] == '\0') snprintf(err, CLI_ERR_LEN, "%s", error);
}

/* The app and render take the same settings as dump. */
static int run_app(const cli_options *o, char *err, size_t err_len) {
    app_settings s;
    if (cli_settings(o, &s, err, err_len) != 0) return 2;
    /* The settings are built once before any window, so a bad sentence or
     * model file is reported as such, with or without a display. */
    app_model m;
    memset(&m, 0, sizeof m);
    char msg[CLI_ERR_LEN - 2];
    if (app_model_apply(&m, &s, msg, sizeof msg) != 0) return cli_fail_app(err, err_len, msg);
    app_model_free(&m);
    return app_window_run(&s, o->render.theme, NULL, err, err_len);
}

/* attnviz lesson FILE: the app on the built-in example, then the lesson's
 * first step. A lesson that does not parse exits 2 before any window. */
static int run_lesson(const cli_options *o, char *err, size_t err_len) {
    const char *path = o->lesson_files[0];
    lesson l;
    char first[CLI_ERR_LEN] = "";
    if (lesson_load(&l, path, keep_first, first) != 0) {
        snprintf(err, err_len, "%s", first[0] ? first : "the lesson does not parse");
        return 2;
    }
    lesson_free(&l);
    app_settings s;
    app_settings_default(&s);
    return app_window_run(&s, o->render.theme, path, err, err_len);
}

static int run_render(const cli_options *o, char *err, size_t err_len) {
    app_settings s;
    if (cli_settings(o, &s, err, err_len) != 0) return 2;
    int rc = app_render_png(&s, &o->render, err, err_len);
    if (rc == 0) printf("%s\n", o->render.out);
    return rc;
}

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
    /* lessons may have steps on the shipped trained model: the parser checks
     * them against its sizes */
    if (rc == 0 && o.command != CLI_DUMP && o.command != CLI_RENDER && o.command != CLI_HELP &&
        o.command != CLI_VERSION && o.command != CLI_BENCH_CORE)
        app_trained_lesson_shape();
    if (rc == 0) {
        switch (o.command) {
        case CLI_APP: rc = run_app(&o, err, sizeof err); break;
        case CLI_HELP: cli_print_help(stdout); break;
        case CLI_VERSION: print_version(); break;
        case CLI_DUMP: rc = run_dump(&o, err, sizeof err); break;
        case CLI_RENDER: rc = run_render(&o, err, sizeof err); break;
        case CLI_BENCH_CORE: rc = cli_bench_core(stdout, o.bench_reference, err, sizeof err); break;
        case CLI_BENCH_RENDER: rc = cli_bench_render(stdout, err, sizeof err); break;
        case CLI_LESSON_LIST: rc = cli_lesson_list(stdout, err, sizeof err); break;
        case CLI_LESSON_OPEN: rc = run_lesson(&o, err, sizeof err); break;
        case CLI_LESSON_RENDER:
            rc = cli_lesson_render(stdout, o.lesson_files[0], &o.render, err, sizeof err);
            break;
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
