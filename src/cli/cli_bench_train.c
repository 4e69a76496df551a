/* `attnviz bench train`: the time of training steps (forward, backward,
 * AdamW) on random tokens, beside bench/torch_train.py (bench/compare_train.sh). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "attnviz/model.h"
#include "attnviz/rng.h"
#include "cli.h"

typedef struct bench_args {
    model_config c;
    size_t batch, steps, threads;
    bool json;
} bench_args;

/* bench/torch_train.py's sizes, so the two compare. */
static void bench_init(void *opts) {
    bench_args *a = opts;
    a->c = (model_config){.n_layers = 2, .n_heads = 4, .d_model = 64, .n_ctx = 64, .n_vocab = 250};
    a->batch = 32;
    a->steps = 30;
    a->threads = 2;
}

#define AT(field) offsetof(bench_args, field)
static const cli_arg bench_rows[] = {
    {.name = "--layers", .value = "N", .kind = CLI_ARG_SIZE, .at = AT(c.n_layers), .lo = 1,
     .hi = MODEL_LAYERS_MAX, .help = "blocks (default 2)"},
    {.name = "--heads", .value = "H", .kind = CLI_ARG_SIZE, .at = AT(c.n_heads), .lo = 1,
     .hi = ATTN_HEADS_MAX, .help = "heads per block (default 4)"},
    {.name = "--d-model", .value = "D", .kind = CLI_ARG_SIZE, .at = AT(c.d_model), .lo = 1,
     .hi = 1024, .help = "width (default 64)"},
    {.name = "--ctx", .value = "N", .kind = CLI_ARG_SIZE, .at = AT(c.n_ctx), .lo = 2, .hi = 1024,
     .help = "tokens per sequence (default 64)"},
    {.name = "--vocab", .value = "V", .kind = CLI_ARG_SIZE, .at = AT(c.n_vocab), .lo = 3,
     .hi = 65536, .help = "words (default 250)"},
    {.name = "--batch", .value = "B", .kind = CLI_ARG_SIZE, .at = AT(batch), .lo = 2, .hi = 4096,
     .help = "sequences per step (default 32)"},
    {.name = "--steps", .value = "S", .kind = CLI_ARG_SIZE, .at = AT(steps), .lo = 1,
     .hi = 100000, .help = "steps timed, after 5 to warm up (default 30)"},
    {.name = "--threads", .value = "1|2", .kind = CLI_ARG_SIZE, .at = AT(threads), .lo = 1,
     .hi = 2, .help = "threads (default 2)"},
    {.name = "--json", .kind = CLI_ARG_FLAG, .at = AT(json), .help = "one JSON object, for tools"},
};
#undef AT
static const cli_arg_list bench_list = {"options", bench_rows,
                                        sizeof bench_rows / sizeof *bench_rows};
const cli_option_table cli_bench_train_options = {
    sizeof(bench_args), bench_init, NULL, {&bench_list},
    "Times training steps (forward, backward, AdamW) on random tokens: tokens/s,\n"
    "ms per step and GFLOP/s. The defaults are bench/torch_train.py's, so the two\n"
    "compare (bench/compare_train.sh runs both).\n"};

int cli_bench_train_run(const void *opts, char *err, size_t err_len) {
    const bench_args *a = opts;
    model_config c = a->c;
    size_t batch = a->batch, steps = a->steps, warm = 5, threads = a->threads;
    bool json = a->json;
    int rc;
    if (model_config_check(&c, NULL, err, err_len) != ATTN_OK) return 2;
    char (*store)[24] = malloc(c.n_vocab * sizeof *store);
    const char **words = malloc(c.n_vocab * sizeof *words);
    if (!store || !words) {
        free(store), free(words);
        return cli_fail(err, err_len, "out of memory");
    }
    for (size_t i = 0; i < c.n_vocab; i++) {
        snprintf(store[i], sizeof store[i], "w%zu", i);
        words[i] = store[i];
    }
    model_vocab v;
    model m;
    model_trainer t;
    int32_t *in = NULL;
    rc = 2;
    attn_status s = model_vocab_init(&v, words, c.n_vocab, err, err_len);
    free(words);
    free(store);
    if (s != ATTN_OK) return 2;
    if (model_init(&m, &c, &v, err, err_len) != ATTN_OK) {
        model_vocab_free(&v);
        return 2;
    }
    model_init_gpt2(&m, 1);
    model_train_config tc = model_train_config_default();
    tc.batch = batch;
    tc.seq = c.n_ctx;
    tc.steps = steps + warm;
    tc.warmup = 1;
    tc.threads = threads;
    if (model_trainer_init(&t, &m, &tc, err, err_len) != ATTN_OK) goto free_model;
    size_t tokens = batch * c.n_ctx;
    in = malloc(2 * tokens * sizeof *in);
    if (!in) {
        cli_fail(err, err_len, "out of memory");
        goto free_trainer;
    }
    attn_rng r = attn_rng_stream(1, 99);
    for (size_t i = 0; i < 2 * tokens; i++) in[i] = (int32_t)(attn_rng_next(&r) % c.n_vocab);
    double loss;
    double *ms = malloc(steps * sizeof *ms);
    if (!ms) {
        cli_fail(err, err_len, "out of memory");
        goto free_trainer;
    }
    for (size_t i = 0; i < warm + steps; i++) {
        double t0 = cli_now_seconds();
        if (model_trainer_grad(&t, &m, in, in + tokens, &loss, err, err_len) != ATTN_OK) {
            free(ms);
            goto free_trainer;
        }
        model_trainer_update(&t, &m);
        if (i >= warm) ms[i - warm] = (cli_now_seconds() - t0) * 1e3;
    }
    double total = 0, best = INFINITY;
    for (size_t i = 0; i < steps; i++) {
        total += ms[i];
        best = ms[i] < best ? ms[i] : best;
    }
    free(ms);
    double mean = total / (double)steps, tok_s = (double)tokens / (mean / 1e3);
    // FLOPs per token of one training step: forward 2 per multiply-add, backward twice that
    size_t d = c.d_model, L = c.n_layers, T = c.n_ctx;
    double matmul = (double)L * 12.0 * (double)(d * d) + (double)(c.n_vocab * d);
    double attention = (double)L * 2.0 * (double)T * (double)d; /* QKᵀ and PV per token, averaged */
    double flop = 6.0 * (matmul + attention);
    if (json)
        printf("{\"tokens_per_s\": %.1f, \"ms_per_step\": %.3f, \"best_ms_per_step\": %.3f, "
               "\"mflop_per_token\": %.4f, \"gflop_per_s\": %.2f, \"config\": {\"layers\": %zu, "
               "\"heads\": %zu, \"d_model\": %zu, \"ctx\": %zu, \"vocab\": %zu, \"batch\": %zu, "
               "\"threads\": %zu, \"steps\": %zu}}\n",
               tok_s, mean, best, flop / 1e6, flop * tok_s / 1e9, L, c.n_heads, d, T, c.n_vocab,
               batch, threads, steps);
    else
        printf("train  %zu layers, %zu heads, d_model %zu, ctx %zu, vocab %zu, batch %zu × %zu, "
               "%zu threads: %.1f ms/step (best %.1f), %.0f tokens/s, %.3f MFLOP/token, %.1f "
               "GFLOP/s\n",
               L, c.n_heads, d, T, c.n_vocab, batch, T, threads, mean, best, tok_s, flop / 1e6,
               flop * tok_s / 1e9);
    rc = 0;
free_trainer:
    free(in);
    model_trainer_free(&t);
free_model:
    model_free(&m);
    model_vocab_free(&v);
    return rc;
}
