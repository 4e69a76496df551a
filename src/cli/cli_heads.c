/* `attnviz heads`: what each head of a trained model does (heads.h), with
 * pruning and a ranking by importance. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/corpus.h"
#include "attnviz/heads.h"
#include "attnviz/model.h"
#include "cli.h"
#include "paths.h"
#include "trained.h"

/* "1.2,3.4": LAYER.HEAD items from 1, digits only, comma-separated, each
 * head once; anything else is refused with the form to write. */
int cli_heads_parse_prune(const char *s, uint8_t *off, size_t L, size_t H, char *err,
                          size_t err_len) {
    const char *p = s;
    for (;;) {
        const char *item = p;
        char *end = NULL;
        unsigned long l = 0, h = 0;
        bool ok = isdigit((unsigned char)*p);
        if (ok) {
            errno = 0;
            l = strtoul(p, &end, 10);
            ok = *end == '.' && isdigit((unsigned char)end[1]);
        }
        if (ok) {
            h = strtoul(end + 1, &end, 10);
            ok = *end == ',' || *end == '\0';
        }
        if (!ok)
            return cli_fail(err, err_len,
                            "--prune '%.64s' is not a list of LAYER.HEAD: write e.g. --prune "
                            "1.2,3.4 (from 1)",
                            s);
        int len = (int)(end - item);
        if (errno == ERANGE || l < 1 || l > L || h < 1 || h > H)
            return cli_fail(err, err_len,
                            "--prune %.*s does not exist: the model has layers 1 to %zu and heads "
                            "1 to %zu",
                            len > 32 ? 32 : len, item, L, H);
        size_t k = (size_t)(l - 1) * H + (size_t)(h - 1);
        if (off[k])
            return cli_fail(err, err_len, "--prune names %lu.%lu twice: name each head once", l,
                            h);
        off[k] = 1;
        if (*end == '\0') return 0;
        p = end + 1;
    }
}

typedef struct heads_args {
    const char *model, *prune;
    size_t sequences; /* 0: the default of the model's kind */
    uint64_t seed;
    bool json, rank, seed_given;
} heads_args;

/* Held-out sequences for a model attnviz trained, when not given. */
#define HEADS_SEQUENCES 400

/* --seed is a GPT-2's: the shipped model's held-out text has its own. */
static int heads_check(void *opts, const cli_given *given, char *err, size_t err_len) {
    (void)err;
    (void)err_len;
    ((heads_args *)opts)->seed_given = cli_given_has(given, "--seed");
    return 0;
}

const char *cli_heads_prune(const void *opts) { return ((const heads_args *)opts)->prune; }

static const cli_arg heads_rows[] = {
    {.name = "--model", .value = "FILE|DIR|NAME", .kind = CLI_ARG_PATH,
     .at = offsetof(heads_args, model),
     .help = "a model saved by attnviz train (default: the shipped one), or\na GPT-2 (a file, "
             "its folder, or gpt2, distilgpt2, ...): its\nheads by the standard detectors on "
             "random tokens repeated\ntwice (previous, duplicate, induction, first token)"},
    {.name = "--json", .kind = CLI_ARG_FLAG, .at = offsetof(heads_args, json),
     .help = "one JSON object on stdout, for tools"},
    /* 20000: about 20 s here */
    {.name = "--sequences", .value = "N", .kind = CLI_ARG_SIZE,
     .at = offsetof(heads_args, sequences), .lo = 2, .hi = 20000,
     .help = "sequences to average over (default 400 held-out ones; a\nGPT-2: 8 random ones; at "
             "most 20000)"},
    {.name = "--seed", .value = "N", .kind = CLI_ARG_SEED, .at = offsetof(heads_args, seed),
     .help = "a GPT-2: the random tokens' seed (default attnviz's fixed one)"},
    {.name = "--prune", .value = "L.H,...", .kind = CLI_ARG_TEXT, .at = offsetof(heads_args, prune),
     .help = "switch these heads off (layer.head from 1) and report the\nchange in held-out loss"},
    {.name = "--rank", .kind = CLI_ARG_FLAG, .at = offsetof(heads_args, rank),
     .help = "rank the heads by importance: the loss rise when each is\nremoved alone (Michel et "
             "al. 2019)"},
};
static const cli_arg_list heads_list = {"options", heads_rows,
                                        sizeof heads_rows / sizeof *heads_rows};
const cli_option_table cli_heads_options = {
    sizeof(heads_args), NULL, heads_check, {&heads_list},
    "Measures what each head of a trained model does, on held-out generated text:\n"
    "the mean attention to the previous token, the first token, the current token,\n"
    "the token after an earlier copy (induction), a pronoun's antecedent and a\n"
    "verb's subject. Without --model, the shipped model. A GPT-2 (--model gpt2)\n"
    "is measured instead on random tokens repeated twice (Olsson et al. 2022).\n"};

int cli_heads_run(const void *opts, char *err, size_t err_len) {
    const heads_args *a = opts;
    if (a->model && state_model_is_gpt2(a->model)) {
        if (a->prune || a->rank)
            return cli_fail(err, err_len,
                            "--%s on a GPT-2: the held-out loss here is measured on attnviz's "
                            "generated text, not GPT-2's; switch heads off in the app (attnviz "
                            "--model %.200s, M) to see the predictions change",
                            a->prune ? "prune" : "rank", a->model);
        return cli_heads_gpt2(a->model, a->sequences, a->seed_given, a->seed, a->json, err,
                              err_len);
    }
    if (a->seed_given)
        return cli_fail(err, err_len,
                        "--seed is for a GPT-2's random tokens (--model gpt2): a model attnviz "
                        "trained is measured on its fixed held-out text; drop --seed");
    const char *path = a->model, *prune = a->prune;
    size_t sequences = a->sequences ? a->sequences : HEADS_SEQUENCES;
    bool json = a->json, rank = a->rank;
    int rc;
    char shipped[STATE_PATH_MAX];
    if (!path) { /* the shipped model: missing, it is a set-up problem with its own fix */
        if (state_shipped_model_path(shipped, sizeof shipped, err, err_len) != 0) return 2;
        path = shipped;
    }
    /* the option that named the file, for messages about it */
    const char *option = a->model ? "--model" : NULL;
    model m;
    char msg[CLI_ERR_LEN - 300];
    if (model_load(&m, path, msg, sizeof msg) != ATTN_OK)
        return cli_fail_model_file(err, err_len, option, msg);
    size_t L = m.config.n_layers, H = m.config.n_heads;
    uint8_t *off = calloc(L * H, 1);
    model_heads_report r = {0}, base = {0};
    rc = 2;
    if (!off) {
        cli_fail(err, err_len, "out of memory");
        goto done;
    }
    if (prune && cli_heads_parse_prune(prune, off, L, H, err, err_len)) goto done;
    if (model_heads_measure(&m, sequences, prune ? off : NULL, rank, &r, msg, sizeof msg) !=
            ATTN_OK ||
        (prune && model_heads_measure(&m, sequences, NULL, 0, &base, msg, sizeof msg) != ATTN_OK)) {
        char about[CLI_ERR_LEN];
        snprintf(about, sizeof about, "%s: %s", path, msg);
        cli_fail_model_file(err, err_len, option, about);
        goto done;
    }
    /* Finite weights can still overflow: say so rather than print NaN (or
     * write JSON no parser reads). */
    bool finite = isfinite(r.heldout_loss) && (!prune || isfinite(base.heldout_loss));
    for (size_t k = 0; finite && k < L * H * MODEL_ROLES; k++) finite = isfinite(r.score[k]);
    for (size_t k = 0; finite && rank && k < L * H; k++) finite = isfinite(r.importance[k]);
    if (!finite) {
        cli_fail(err, err_len,
                 "%s%s%s: the model's outputs overflow (NaN) on held-out text: its weights are out "
                 "of range (the largest is %g); retrain it (attnviz train)",
                 option ? option : "", option ? " " : "", path, (double)model_largest_weight(&m));
        goto done;
    }
    if (json) {
        printf("{\"model\": ");
        cli_json_string(stdout, path, strlen(path));
        printf(", \"layers\": %zu, \"heads_per_layer\": %zu, \"sequences\": %zu, \"tokens\": %zu",
               L, H, r.sequences, r.tokens);
        printf(", \"heldout_loss\": %.6f, \"unigram_loss\": %.6f", r.heldout_loss, r.unigram_loss);
        if (prune) printf(", \"pruned\": \"%s\", \"unpruned_loss\": %.6f", prune, base.heldout_loss);
        printf(", \"heads\": [");
        for (size_t l = 0; l < L; l++)
            for (size_t h = 0; h < H; h++) {
                printf("%s\n  {\"layer\": %zu, \"head\": %zu", l + h ? "," : "", l, h);
                if (prune) printf(", \"off\": %s", off[l * H + h] ? "true" : "false");
                printf(", \"scores\": {");
                for (int k = 0; k < MODEL_ROLES; k++)
                    printf("%s\"%s\": %.4f", k ? ", " : "", model_role_key((model_role)k),
                           (double)model_heads_score(&r, l, h, (model_role)k));
                printf("}");
                /* its name by heads.h's one rule, as the overview and the lessons say it */
                cli_json_head_name(stdout, &r, l, h);
                if (r.importance) printf(", \"importance\": %.6f", (double)r.importance[l * H + h]);
                printf("}");
            }
        printf("\n]}\n");
    } else {
        printf("%s: %zu layers × %zu heads, %zu held-out sequences (%zu predictions)\n", path, L,
               H, r.sequences, r.tokens);
        printf("held-out loss %.3f nats/token; word frequencies alone (unigram) %.3f\n",
               r.heldout_loss, r.unigram_loss);
        if (prune)
            printf("with %s off: %.3f, %+.3f against all heads (%.3f)\n", prune, r.heldout_loss,
                   r.heldout_loss - base.heldout_loss, base.heldout_loss);
        printf("\nhead   previous  first  current  induction  antecedent  subject   name\n");
        for (size_t l = 0; l < L; l++)
            for (size_t h = 0; h < H; h++) {
                printf("%zu.%-3zu", l + 1, h + 1);
                for (int k = 0; k < MODEL_ROLES; k++) {
                    static const int width[MODEL_ROLES] = {9, 7, 9, 11, 12, 9};
                    printf("%*.2f", width[k], (double)model_heads_score(&r, l, h, (model_role)k));
                }
                model_head_name nm;
                char name[256];
                model_heads_name(&r, l, h, &nm);
                model_heads_name_text(&nm, name, sizeof name);
                printf("   %s%s\n", name, prune && off[l * H + h] ? " (off)" : "");
            }
        printf("(layer.head from 1; a score is the mean attention weight on the token the "
               "relation names;\n a head is named for each relation it scores highest on, ties "
               "within %.3f\n included, from %.2f up; one head can win several)\n",
               (double)MODEL_ROLE_TIE, (double)MODEL_ROLE_MIN);
        if (r.importance) {
            size_t *order = malloc(L * H * sizeof *order);
            if (order) {
                for (size_t i = 0; i < L * H; i++) order[i] = i;
                for (size_t i = 1; i < L * H; i++) /* insertion sort: a few dozen heads */
                    for (size_t j = i; j > 0 && r.importance[order[j]] > r.importance[order[j - 1]]; j--) {
                        size_t tmp = order[j];
                        order[j] = order[j - 1];
                        order[j - 1] = tmp;
                    }
                printf("\nimportance (held-out loss rise with the head alone off, Michel et al. "
                       "2019):\n");
                for (size_t i = 0; i < L * H; i++) {
                    size_t k = order[i];
                    model_head_name nm;
                    char name[256];
                    model_heads_name(&r, k / H, k % H, &nm);
                    model_heads_name_text(&nm, name, sizeof name);
                    printf("%3zu. head %zu.%zu  %+.4f  (%s)\n", i + 1, k / H + 1, k % H + 1,
                           (double)r.importance[k], name);
                }
                free(order);
            }
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_fail(err, err_len, "could not write to standard output");
        goto done;
    }
    rc = 0;
done:
    model_heads_report_free(&r);
    model_heads_report_free(&base);
    free(off);
    model_free(&m);
    return rc;
}
