/* `attnviz train`: trains the small GPT-2 of model.h on generated text
 * (corpus.h), with a progress bar, a loss log (CSV) and its plot (PNG),
 * then saves it as safetensors. `attnviz corpus` prints generated text. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/corpus.h"
#include "attnviz/file.h"
#include "attnviz/heads.h"
#include "attnviz/model.h"
#include "attnviz/train.h"
#include "cli.h"
#ifdef ATTNVIZ_GUI
#include "plot.h" /* the loss plot is drawn with SDL */
#endif

/* The options of `attnviz train`; their defaults are model_recipe_default
 * (train.h), the shipped model's recipe. */
typedef struct train_args {
    model_config model;
    model_train_config train;
    uint64_t seed;
    const char *out, *log, *plot;
    size_t eval_every, eval_sequences;
    bool quiet;
    float mix[4];
    float pos_sinusoid; /* 0: GPT-2's random wpe; else sinusoids times this */
} train_args;

static void train_defaults(train_args *a) {
    memset(a, 0, sizeof *a);
    model_recipe r = model_recipe_default();
    a->model = r.model;
    a->train = r.train;
    a->seed = r.seed;
    a->out = "model.safetensors";
    a->eval_every = 250;
    a->eval_sequences = 128;
    a->mix[0] = r.mix.pronoun;
    a->mix[1] = r.mix.subject;
    a->mix[2] = r.mix.place_time;
    a->mix[3] = r.mix.repeat;
    a->pos_sinusoid = r.pos_sinusoid;
}

static void train_init(void *a) { train_defaults(a); }

static int train_check(void *opts, const cli_given *given, char *err, size_t err_len) {
    (void)given;
    train_args *a = opts;
    a->train.seq = a->model.n_ctx;
    if (a->seed == MODEL_HELDOUT_SEED)
        return cli_fail(err, err_len, "--seed %llu is the held-out text's own seed: pick another",
                    (unsigned long long)a->seed);
    return 0;
}

#define AT(field) offsetof(train_args, field)
static const cli_arg train_rows[] = {
    {.name = "--out", .value = "FILE", .kind = CLI_ARG_PATH, .at = AT(out),
     .help = "where to save the model (default model.safetensors)"},
    {.name = "--log", .value = "FILE.csv", .kind = CLI_ARG_PATH, .at = AT(log),
     .help = "the loss per step (default: FILE with .loss.csv)"},
    {.name = "--plot", .value = "FILE.png", .kind = CLI_ARG_CUSTOM, .at = AT(plot),
     .parse = cli_parse_png,
     .help = "the loss curve (default: FILE with .loss.png)"},
    {.name = "--layers", .value = "N", .kind = CLI_ARG_SIZE, .at = AT(model.n_layers), .lo = 1,
     .hi = MODEL_LAYERS_MAX, .help = "blocks (default 2)"},
    {.name = "--heads", .value = "H", .kind = CLI_ARG_SIZE, .at = AT(model.n_heads), .lo = 1,
     .hi = ATTN_HEADS_MAX, .help = "attention heads per block (default 4)"},
    {.name = "--d-model", .value = "D", .kind = CLI_ARG_SIZE, .at = AT(model.d_model), .lo = 1,
     .hi = 1024, .help = "width, a multiple of --heads (default 128)"},
    {.name = "--ctx", .value = "N", .kind = CLI_ARG_SIZE, .at = AT(model.n_ctx), .lo = 2,
     .hi = 1024, .help = "tokens per sequence (default 64)"},
    {.name = "--batch", .value = "B", .kind = CLI_ARG_SIZE, .at = AT(train.batch), .lo = 2,
     .hi = 4096, .help = "sequences per step (default 32)"},
    {.name = "--steps", .value = "S", .kind = CLI_ARG_SIZE, .at = AT(train.steps), .lo = 1,
     .hi = 100000000, .help = "optimiser steps (default 6000)"},
    {.name = "--warmup", .value = "W", .kind = CLI_ARG_SIZE, .at = AT(train.warmup), .lo = 0,
     .hi = 100000000, .help = "steps of linear warm-up (default 100)"},
    {.name = "--lr", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(train.lr), .lo = 1e-6, .hi = 1,
     .help = "peak learning rate (default 0.003)"},
    {.name = "--lr-min", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(train.lr_min), .lo = 0,
     .hi = 1, .help = "learning rate at the last step (default 0.0003)"},
    {.name = "--weight-decay", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(train.weight_decay),
     .lo = 0, .hi = 10, .help = "AdamW's decoupled decay of the matrices (default 0.1)"},
    {.name = "--grad-clip", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(train.grad_clip),
     .lo = 0, .hi = 1e6, .help = "clip the gradient norm to X, 0 for never (default 1)"},
    {.name = "--mix-pronoun", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(mix[0]), .lo = 0,
     .hi = 1000, .help = "relative weights of the corpus's sentence kinds: pronouns\n(default 0.35),"},
    {.name = "--mix-subject", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(mix[1]), .lo = 0,
     .hi = 1000, .help = "... verbs and their subjects (0.3),"},
    {.name = "--mix-place", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(mix[2]), .lo = 0,
     .hi = 1000, .help = "... places and times (0.15),"},
    {.name = "--mix-repeat", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(mix[3]), .lo = 0,
     .hi = 1000, .help = "... passages that repeat a run of words (0.2)"},
    {.name = "--pos-sinusoid", .value = "X", .kind = CLI_ARG_FLOAT, .at = AT(pos_sinusoid),
     .lo = 0, .hi = 10,
     .help = "start the position embeddings as sinusoids times X\n(Vaswani et al. 2017), 0 for "
             "GPT-2's random start"},
    {.name = "--seed", .value = "N", .kind = CLI_ARG_SEED, .at = AT(seed),
     .help = "seed of the weights and the text (default 1)"},
    {.name = "--threads", .value = "1|2", .kind = CLI_ARG_SIZE, .at = AT(train.threads), .lo = 1,
     .hi = 2, .help = "the result is the same bits either way (default 2)"},
    {.name = "--eval-every", .value = "N", .kind = CLI_ARG_SIZE, .at = AT(eval_every), .lo = 0,
     .hi = 100000000, .help = "held-out loss every N steps, 0 for only the end (default 250)"},
    {.name = "--quiet", .kind = CLI_ARG_FLAG, .at = AT(quiet), .help = "no progress bar"},
};
#undef AT
static const cli_arg_list train_list = {"options", train_rows, sizeof train_rows / sizeof *train_rows};
const cli_option_table cli_train_options = {
    sizeof(train_args), train_init, train_check, {&train_list},
    "Trains a small GPT-2 on generated text whose relations are known, in C, on\n"
    "two threads, and saves it as safetensors (GPT-2's tensor names).\n"};

/* "dir/name.safetensors" -> "dir/name<suffix>" */
static void sibling(char *out, size_t len, const char *path, const char *suffix) {
    /* "m.safetensors" → "m.loss.csv"; a name that only starts with a dot
     * (".hidden") has no extension to replace */
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t stem = (dot && dot > base) ? (size_t)(dot - path) : strlen(path);
    snprintf(out, len, "%.*s%s", (int)stem, path, suffix);
}

static void format_time(char *out, size_t len, double seconds) {
    if (!(seconds >= 0) || seconds > 359999) seconds = 0;
    int s = (int)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, len, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, len, "%d:%02d", s / 60, s % 60);
}

/* One line, redrawn in place on a terminal: bar, step, loss, speed, time left. */
static void progress(FILE *f, int tty, size_t step, size_t steps, double loss, double heldout,
                     double tok_s, double elapsed) {
    enum { WIDTH = 24 };
    size_t filled = steps ? step * WIDTH / steps : WIDTH;
    char bar[WIDTH + 1];
    for (size_t i = 0; i < WIDTH; i++) bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    char left[32], spent[32];
    double rate = step ? elapsed / (double)step : 0;
    format_time(left, sizeof left, rate * (double)(steps - step));
    format_time(spent, sizeof spent, elapsed);
    char held[48] = "";
    if (isfinite(heldout)) snprintf(held, sizeof held, "  held-out %.3f", heldout);
    fprintf(f, "%s[%s] step %zu/%zu  loss %.3f%s  %.1fk tokens/s  %s, %s left%s", tty ? "\r" : "",
            bar, step, steps, loss, held, tok_s / 1000.0, spent, left, tty ? "\033[K" : "\n");
    fflush(f);
}

typedef struct loss_log {
    double *step, *train, *heldout;
    size_t n, cap;
} loss_log;

static int log_add(loss_log *l, double step, double train, double heldout) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        double *s = realloc(l->step, cap * sizeof *s);
        if (!s) return 2;
        l->step = s;
        double *t = realloc(l->train, cap * sizeof *t);
        if (!t) return 2;
        l->train = t;
        double *h = realloc(l->heldout, cap * sizeof *h);
        if (!h) return 2;
        l->heldout = h;
        l->cap = cap;
    }
    l->step[l->n] = step;
    l->train[l->n] = train;
    l->heldout[l->n] = heldout;
    l->n++;
    return 0;
}

static void log_free(loss_log *l) {
    free(l->step);
    free(l->train);
    free(l->heldout);
    memset(l, 0, sizeof *l);
}

/* What the command line does while the loop trains: the loss log (CSV and
 * the curve for the plot) and the progress bar. */
typedef struct train_watch {
    attn_file log; /* renamed over the log's path only when the run succeeded */
    const char *log_path;
    loss_log curve;
    int quiet, tty;
    size_t report_every; /* without a terminal: a progress line every tenth of the run */
    double start, last_print, smooth;
} train_watch;

static int watch_step(void *user, const model_train_progress *p, char *err, size_t err_len) {
    train_watch *w = user;
    if (p->roles) return 0; /* the final head measurement: kept by the loop */
    double elapsed = cli_now_seconds() - w->start;
    w->smooth = isfinite(w->smooth) ? 0.9 * w->smooth + 0.1 * p->loss : p->loss;
    attn_file_printf(&w->log, "%zu,%.8g,%.6f,", p->step, (double)p->lr, p->loss);
    if (isfinite(p->heldout)) attn_file_printf(&w->log, "%.6f", p->heldout);
    /* a failed write is kept by the writer and stops the run below */
    if (!attn_file_printf(&w->log, ",%zu,%.3f\n", p->tokens, elapsed))
        return cli_fail(err, err_len, "%s could not be written: %s", w->log_path,
                        strerror(w->log.err_no));
    if (log_add(&w->curve, (double)p->step, p->loss, p->heldout))
        return cli_fail(err, err_len, "out of memory for the loss curve");
    int last = p->step == p->steps;
    if (!w->quiet && (last || isfinite(p->heldout) || (w->tty && elapsed - w->last_print > 0.1) ||
                      (!w->tty && p->step % w->report_every == 0))) {
        progress(stderr, w->tty, p->step, p->steps, w->smooth, p->heldout,
                 (double)p->tokens / elapsed, elapsed);
        if (w->tty && isfinite(p->heldout) && !last) fputc('\n', stderr);
        w->last_print = elapsed;
    }
    if (last) {
        if (w->tty) fputc('\n', stderr);
        // what each head does, measured once now and kept in the file, so the
        // app can label heads without measuring them again
        if (!w->quiet && p->roles_next)
            fprintf(stderr, "measuring the heads on held-out text...\n");
    }
    return 0;
}

/* "best heads: previous token 1.1 0.83, ..." */
static void print_best_heads(const model_heads_report *roles) {
    fprintf(stderr, "best heads:");
    for (int k = 0; k < MODEL_ROLES; k++) {
        float best = -1;
        size_t bl = 0, bh = 0;
        for (size_t l = 0; l < roles->n_layers; l++)
            for (size_t h = 0; h < roles->n_heads; h++)
                if (model_heads_score(roles, l, h, (model_role)k) > best)
                    best = model_heads_score(roles, l, h, (model_role)k), bl = l, bh = h;
        fprintf(stderr, "%s %s %zu.%zu %.2f", k ? "," : "", model_role_label((model_role)k),
                bl + 1, bh + 1, (double)best);
    }
}

int cli_train_recipe(const void *opts, model_recipe *out, double *bytes, double *flops,
                     char *err, size_t err_len) {
    const train_args *a = opts;
    *out = model_recipe_default();
    out->model = a->model;
    out->train = a->train;
    out->seed = a->seed;
    out->mix = (model_corpus_mix){a->mix[0], a->mix[1], a->mix[2], a->mix[3]};
    out->pos_sinusoid = a->pos_sinusoid;
    char msg[CLI_ERR_LEN - 32];
    model_setting bad;
    if (model_recipe_check(out, &bad, msg, sizeof msg) != ATTN_OK)
        return cli_fail_model_setting(err, err_len, bad, msg);
    /* What the run will cost, before anything is allocated: a run that
     * cannot fit is refused now, not after minutes of swapping. */
    double need = 0;
    *flops = 0;
    if (model_train_estimate(out, &need, flops, msg, sizeof msg) != ATTN_OK)
        return cli_fail(err, err_len, "%s (--heads, --ctx)", msg);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double have = pages > 0 && page > 0 ? (double)pages * (double)page : 0;
    if (have > 0 && need > have)
        return cli_fail(err, err_len,
                        "training this model needs about %.1f GiB (parameters, gradients, Adam "
                        "state and two workers' activations) but this machine has %.1f GiB: use "
                        "fewer --layers, a smaller --d-model, or a shorter --ctx",
                        need / (1 << 30), have / (1 << 30));
    *bytes = need;
    return 0;
}

int cli_train_run(const void *opts, char *err, size_t err_len) {
    train_args a = *(const train_args *)opts;
    int rc;
    char log_path[4096], plot_path[4096];
    if (!a.log) sibling(log_path, sizeof log_path, a.out, ".loss.csv");
    else snprintf(log_path, sizeof log_path, "%s", a.log);
#ifdef ATTNVIZ_GUI
    if (!a.plot) sibling(plot_path, sizeof plot_path, a.out, ".loss.png");
    else snprintf(plot_path, sizeof plot_path, "%s", a.plot);
    int n_outputs = 3;
#else
    /* Without SDL there is no plot: the loss log has the same numbers. */
    if (a.plot)
        return cli_fail(err, err_len, "--plot needs attnviz built with its window (cmake "
                                      "-DATTNVIZ_GUI=ON); the loss log (--log) has the same numbers");
    plot_path[0] = '\0';
    int n_outputs = 2;
#endif

    model_recipe recipe;
    double need, flops;
    if (cli_train_recipe(&a, &recipe, &need, &flops, err, err_len) != 0) return 2;
    char msg[CLI_ERR_LEN - 32];

    /* Every output is checked before any training, so a bad path never
     * costs a run: writable, not a folder or a device (a save renames over
     * what is there), and three different files. */
    const char *outputs[3][2] = {{"--out", a.out}, {"--log", log_path}, {"--plot", plot_path}};
    for (int k = 0; k < n_outputs; k++) {
        if (cli_check_output(outputs[k][0], outputs[k][1], err, err_len)) return 2;
        for (int j = 0; j < k; j++)
            if (strcmp(outputs[k][1], outputs[j][1]) == 0)
                return cli_fail(err, err_len,
                                "%s %s is also %s's file: give the model, its log and its plot "
                                "different paths",
                                outputs[k][0], outputs[k][1], outputs[j][0]);
    }
    train_watch w = {.log_path = log_path, .quiet = a.quiet,
                     .tty = !a.quiet && isatty(fileno(stderr)), .smooth = NAN};
    w.report_every = a.train.steps / 10 ? a.train.steps / 10 : 1;
    if (attn_file_open(&w.log, log_path, msg, sizeof msg) != ATTN_OK)
        return cli_fail(err, err_len, "%s (use --log FILE.csv)", msg);
    attn_file_printf(&w.log, "step,lr,train_loss,heldout_loss,tokens,seconds\n");
    if (!a.quiet) {
        size_t sizes[MODEL_PARAM_TENSORS];
        fprintf(stderr,
                "training %zu layers × %zu heads, d_model %zu, context %zu, %zu words, %zu "
                "parameters; batch %zu × %zu, %zu steps, seed %llu\n",
                a.model.n_layers, a.model.n_heads, a.model.d_model, a.model.n_ctx,
                recipe.model.n_vocab, model_param_sizes(&recipe.model, sizes), a.train.batch,
                a.train.seq, a.train.steps, (unsigned long long)a.seed);
        /* a lower bound: the matrix product at its measured rate, nothing else */
        double rate = model_matmul_rate(), seconds = flops * (double)a.train.steps / rate;
        char eta[32];
        if (seconds < 120) snprintf(eta, sizeof eta, "%.0f s", seconds);
        else if (seconds < 7200) snprintf(eta, sizeof eta, "%.0f min", seconds / 60);
        else if (seconds < 172800) snprintf(eta, sizeof eta, "%.1f h", seconds / 3600);
        else snprintf(eta, sizeof eta, "%.0f days", seconds / 86400);
        fprintf(stderr, "estimate: %.0f MiB of memory, %.3g GFLOP per step; at least %s at the "
                        "measured %.1f GFLOP/s\n",
                need / (1 << 20), flops / 1e9, eta, rate / 1e9);
    }

    model_train_hooks hooks = {.eval_every = a.eval_every, .eval_sequences = a.eval_sequences,
                               .roles_sequences = MODEL_TRAIN_ROLES_SEQUENCES,
                               .progress = watch_step, .user = &w};
    model m;
    model_heads_report roles;
    size_t steps_done;
    w.start = cli_now_seconds();
    rc = 2;
    if (model_train_run(&recipe, &hooks, &m, &roles, &steps_done, err, err_len) != ATTN_OK)
        goto done;
    double seconds = cli_now_seconds() - w.start;
    if (model_save_trained(&m, a.out, &recipe, &roles, err, err_len) != ATTN_OK) goto trained;
#ifdef ATTNVIZ_GUI
    if (app_plot_loss_png(plot_path, w.curve.step, w.curve.train, w.curve.heldout, w.curve.n, err,
                          err_len) != 0)
        goto trained;
#endif
    if (attn_file_commit(&w.log, err, err_len) != ATTN_OK) goto trained;
    if (!a.quiet) {
        fprintf(stderr, "saved %s in %.0f s: held-out loss %.3f (word frequencies alone %.3f)\n",
                a.out, seconds, roles.heldout_loss, roles.unigram_loss);
        print_best_heads(&roles);
        if (plot_path[0]) fprintf(stderr, "\nloss log %s, plot %s\n", log_path, plot_path);
        else fprintf(stderr, "\nloss log %s\n", log_path);
    }
    rc = 0;
trained:
    model_heads_report_free(&roles);
    model_free(&m);
done:
    attn_file_abort(&w.log); /* after a commit: nothing left to do */
    log_free(&w.curve);
    return rc;
}

/* ---- attnviz corpus ------------------------------------------------------------- */

typedef struct corpus_args {
    size_t sequences, n;
    uint64_t seed;
    bool truth;
} corpus_args;

static void corpus_init(void *opts) {
    corpus_args *a = opts;
    a->sequences = 5;
    a->n = 64;
    a->seed = 1;
}

static const cli_arg corpus_rows[] = {
    {.name = "--sequences", .value = "N", .kind = CLI_ARG_SIZE,
     .at = offsetof(corpus_args, sequences), .lo = 1, .hi = 1000000,
     .help = "how many sequences (default 5)"},
    /* as train: a sequence is <|endoftext|> and more */
    {.name = "--ctx", .value = "N", .kind = CLI_ARG_SIZE, .at = offsetof(corpus_args, n), .lo = 2,
     .hi = 4096, .help = "tokens per sequence (default 64)"},
    {.name = "--seed", .value = "N", .kind = CLI_ARG_SEED, .at = offsetof(corpus_args, seed),
     .help = "seed of the text (default 1)"},
    {.name = "--truth", .kind = CLI_ARG_FLAG, .at = offsetof(corpus_args, truth),
     .help = "each relation the heads are measured on, under its sequence"},
};
static const cli_arg_list corpus_list = {"options", corpus_rows,
                                         sizeof corpus_rows / sizeof *corpus_rows};
const cli_option_table cli_corpus_options = {
    sizeof(corpus_args), corpus_init, NULL, {&corpus_list},
    "Prints generated training text, one sequence per line; with --truth, each\n"
    "relation the heads are measured on (pronoun -> antecedent, verb -> subject,\n"
    "copy -> earlier occurrence) under its sequence.\n"};

int cli_corpus_run(const void *opts, char *err, size_t err_len) {
    const corpus_args *a = opts;
    size_t sequences = a->sequences, n = a->n;
    uint64_t seed = a->seed;
    bool truth = a->truth;
    model_corpus c;
    if (model_corpus_init(&c, seed, NULL, err, err_len) != ATTN_OK) return 2;
    int32_t *ids = malloc(n * sizeof *ids);
    model_truth *t = malloc(n * sizeof *t);
    size_t cap = n * (MODEL_WORD_MAX + 1) + 1;
    char *text = malloc(cap);
    if (!ids || !t || !text) {
        free(ids), free(t), free(text);
        return cli_fail(err, err_len, "out of memory for --ctx %zu", n);
    }
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    for (size_t s = 0; s < sequences; s++) {
        model_corpus_sequence(&c, ids, t, n);
        model_corpus_text(text, cap, ids, n);
        printf("%s\n", text);
        for (size_t p = 0; truth && p < n; p++) {
            const char *w = (size_t)ids[p] < V ? words[ids[p]] : "<unk>";
            if (t[p].antecedent >= 0)
                printf("  %zu %s -> antecedent %d %s\n", p, w, t[p].antecedent,
                       words[ids[t[p].antecedent]]);
            if (t[p].subject >= 0)
                printf("  %zu %s -> subject %d %s\n", p, w, t[p].subject, words[ids[t[p].subject]]);
            if (t[p].copy >= 0)
                printf("  %zu %s -> copy of %d\n", p, w, t[p].copy);
        }
    }
    free(ids), free(t), free(text);
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_fail(err, err_len, "could not write to standard output");
    return 0;
}
