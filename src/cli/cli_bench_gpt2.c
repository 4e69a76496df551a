/* `attnviz bench gpt2`: GPT-2 small's forward with the full per-layer trace
 * at 16, 64 and 256 tokens, on one thread and on two, beside a NumPy +
 * OpenBLAS forward of the very same weights (bench/numpy_gpt2.py, run by
 * bench/compare_gpt2.sh). Without --model the weights are random, of GPT-2
 * small's shape (model_init_gpt2, seed 1): the time does not depend on the
 * values, and no checkpoint is needed. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attnviz/gpt2.h"
#include "attnviz/model.h"
#include "attnviz/rng.h"
#include "attnviz/safetensors.h"
#include "cli.h"

typedef struct bench_args {
    const char *model;        /* a file, a folder or a family name; NULL: random */
    size_t threads;           /* 0: both 1 and 2 */
    const char *save_weights; /* F.safetensors: the weights in Hugging Face's layout */
    const char *save_logits;  /* F.safetensors: ids and the last position's logits */
    bool quick;               /* tiny shapes, one run each: for the tests */
} bench_args;

#define AT(field) offsetof(bench_args, field)
static const cli_arg bench_rows[] = {
    {.name = "--model", .value = "FILE|DIR|NAME", .kind = CLI_ARG_PATH, .at = AT(model),
     .help = "a GPT-2 checkpoint (default: random weights of GPT-2 small's shape)"},
    {.name = "--threads", .value = "1|2", .kind = CLI_ARG_SIZE, .at = AT(threads), .lo = 1,
     .hi = 2, .help = "time this many threads only (default: 1, then 2)"},
    {.name = "--save-weights", .value = "F", .kind = CLI_ARG_PATH, .at = AT(save_weights),
     .help = "write the weights as a Hugging Face GPT-2 safetensors file (F32)"},
    {.name = "--save-logits", .value = "F", .kind = CLI_ARG_PATH, .at = AT(save_logits),
     .help = "write the ids of the 64-token run (\"ids\", I32) and its last\n"
             "position's logits (\"logits\", F32), for a reference to check"},
    {.name = "--quick", .kind = CLI_ARG_FLAG, .at = AT(quick),
     .help = "tiny random model, one run per line: checks the command, not the speed"},
};
#undef AT
static const cli_arg_list bench_list = {"options", bench_rows,
                                        sizeof bench_rows / sizeof *bench_rows};
const cli_option_table cli_bench_gpt2_options = {
    sizeof(bench_args), NULL, NULL, {&bench_list},
    "Times GPT-2's forward with every stage kept (the app's use: the logits of\n"
    "the last position only) at 16, 64 and 256 random tokens, on one thread and\n"
    "on two: median and p90 over at least 5 runs and 2 s. bench/compare_gpt2.sh\n"
    "runs it beside a NumPy + OpenBLAS forward of the same weights.\n"};

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ids of a run of n tokens: random, the same for every run of n. */
static void random_ids(int32_t *ids, size_t n, size_t n_vocab) {
    attn_rng r = attn_rng_stream(7, n);
    for (size_t i = 0; i < n; i++) ids[i] = (int32_t)(attn_rng_next(&r) % n_vocab);
}

enum { MAX_SAMPLES = 10000 };

/* Seconds of CPU this process has used, all threads: on a shared machine
 * the wall clock counts the time other programs held the cores too. */
static double cpu_seconds(void) {
    struct timespec t;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) return 0.0;
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Times model_forward on n random tokens: one warm-up, then runs until at
 * least min_runs and min_seconds have passed. Prints one line: the median
 * and p90 of the wall clock, and the median CPU time (both threads). */
static int time_forward(model_run *r, const model *m, int32_t *ids, size_t n, size_t threads,
                        size_t min_runs, double min_seconds, double *samples, char *err,
                        size_t err_len) {
    random_ids(ids, n, m->config.n_vocab);
    r->threads = threads;
    if (model_forward(r, m, ids, n, NULL, err, err_len) != ATTN_OK) return 2;
    size_t count = 0;
    double *cpu = samples + MAX_SAMPLES;
    double start = cli_now_seconds();
    while (count < MAX_SAMPLES && (count < min_runs || cli_now_seconds() - start < min_seconds)) {
        double t0 = cli_now_seconds(), c0 = cpu_seconds();
        model_forward(r, m, ids, n, NULL, NULL, 0);
        cpu[count] = cpu_seconds() - c0;
        samples[count++] = cli_now_seconds() - t0;
    }
    qsort(samples, count, sizeof *samples, cmp_double);
    qsort(cpu, count, sizeof *cpu, cmp_double);
    size_t p90 = (count * 9 + 9) / 10; /* the rank of the 90th percentile, 1-based */
    printf("forward %zu tokens, %zu thread%s: median %.2f ms, p90 %.2f ms, cpu %.2f ms "
           "(%zu runs)\n",
           n, threads, threads > 1 ? "s" : "", samples[count / 2] * 1e3,
           samples[(p90 > 0 ? p90 : 1) - 1] * 1e3, cpu[count / 2] * 1e3, count);
    fflush(stdout);
    return 0;
}

/* The check file: ids (I32) and the last position's logits (F32). */
static int save_logits(const char *path, const int32_t *ids, size_t n, const float *logits,
                       size_t n_vocab, char *err, size_t err_len) {
    model_st_tensor t[2] = {
        {.name = "ids", .dtype = MODEL_ST_I32, .n_dims = 1, .shape = {n}, .data = ids},
        {.name = "logits", .dtype = MODEL_ST_F32, .n_dims = 1, .shape = {n_vocab}, .data = logits},
    };
    if (model_st_save(path, t, 2, NULL, 0, err, err_len) != ATTN_OK) return 2;
    return 0;
}

static int load_model(model *m, const bench_args *a, char *err, size_t err_len) {
    double t0 = cli_now_seconds();
    if (a->model) {
        model_gpt2_files files;
        model_gpt2_info info;
        if (model_gpt2_find_env(a->model, &files, err, err_len) != ATTN_OK) return 2;
        if (model_load_gpt2(m, files.weights, 0, &info, err, err_len) != ATTN_OK) return 2;
        printf("load: %.1f ms (%s: %zu layers, %zu heads, d_model %zu, %zu parameters)\n",
               (cli_now_seconds() - t0) * 1e3, files.weights, m->config.n_layers,
               m->config.n_heads, m->config.d_model, m->n_params);
        return 0;
    }
    /* GPT-2 small's shape, or a tiny one for --quick */
    model_config c = {.n_layers = 12, .n_heads = 12, .d_model = 768, .n_ctx = 1024,
                      .n_vocab = 50257};
    if (a->quick) c = (model_config){.n_layers = 2, .n_heads = 2, .d_model = 128, .n_ctx = 256,
                                     .n_vocab = 500}; /* heads of 64, as GPT-2's */
    if (model_init(m, &c, NULL, err, err_len) != ATTN_OK) return 2;
    model_init_gpt2(m, 1);
    printf("init: %.1f ms (random weights, seed 1: %zu layers, %zu heads, d_model %zu, "
           "%zu parameters)\n",
           (cli_now_seconds() - t0) * 1e3, c.n_layers, c.n_heads, c.d_model, m->n_params);
    return 0;
}

int cli_bench_gpt2_run(const void *opts, char *err, size_t err_len) {
    const bench_args *a = opts;
    static const size_t lengths[] = {16, 64, 256};
    enum { N_LENGTHS = sizeof lengths / sizeof *lengths, CHECK_LENGTH = 64 };
    model m;
    model_run r;
    memset(&r, 0, sizeof r);
    if (load_model(&m, a, err, err_len) != 0) return 2;
    int rc = 2;
    double *samples = malloc(2 * MAX_SAMPLES * sizeof *samples); /* wall, then CPU */
    int32_t *ids = malloc(lengths[N_LENGTHS - 1] * sizeof *ids);
    if (!samples || !ids) {
        cli_fail(err, err_len, "out of memory for the benchmark");
        goto done;
    }
    if (a->save_weights) {
        if (model_save_gpt2(&m, a->save_weights, err, err_len) != ATTN_OK) goto done;
        printf("weights: %s\n", a->save_weights);
    }
    size_t n_max = lengths[N_LENGTHS - 1];
    if (n_max > m.config.n_ctx) n_max = m.config.n_ctx;
    if (model_run_init_logits(&r, &m, n_max, MODEL_LOGITS_LAST, err, err_len) != ATTN_OK)
        goto done;
    if (a->save_logits) {
        size_t n = CHECK_LENGTH < n_max ? CHECK_LENGTH : n_max;
        random_ids(ids, n, m.config.n_vocab);
        if (model_forward(&r, &m, ids, n, NULL, err, err_len) != ATTN_OK ||
            save_logits(a->save_logits, ids, n, r.logits, m.config.n_vocab, err, err_len) != 0)
            goto done;
        printf("logits: %s (%zu tokens)\n", a->save_logits, n);
    }
    size_t min_runs = a->quick ? 1 : 5;
    double min_seconds = a->quick ? 0.0 : 2.0;
    for (size_t threads = 1; threads <= 2; threads++) {
        if (a->threads && threads != a->threads) continue;
        for (size_t i = 0; i < N_LENGTHS; i++) {
            if (lengths[i] > n_max) continue;
            if (time_forward(&r, &m, ids, lengths[i], threads, min_runs, min_seconds, samples,
                             err, err_len) != 0)
                goto done;
        }
    }
    rc = 0;
done:
    model_run_free(&r);
    model_free(&m);
    free(samples);
    free(ids);
    return rc;
}
