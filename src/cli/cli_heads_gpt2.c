/* `attnviz heads --model gpt2|DIR|FILE`: the standard head detectors
 * (detect.h) on a GPT-2, one row per head. The shipped model's roles are
 * measured on its generated grammar, which GPT-2 never saw; these are
 * measured on random tokens repeated twice, which need no text at all. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/detect.h"
#include "attnviz/gpt2.h"
#include "cli.h"
#include "trained.h"

/* The progress line: rewritten in place on a terminal; elsewhere (a
 * file, a test) one line at the end, so logs hold no carriage returns. */
typedef struct progress {
    bool tty;
    size_t shown;
} progress;

static int on_sequence(void *user, size_t done, size_t total) {
    progress *p = user;
    if (p->tty) {
        fprintf(stderr, "\rmeasuring head roles on random repeated tokens: %zu/%zu", done, total);
        fflush(stderr);
    }
    p->shown = done;
    return 0;
}

/* Head (l, h)'s name by the one rule the overview and the lessons use
 * (heads.h: model_heads_name) on the detectors' roles: "previous token
 * 0.92", "no clear role". */
static void name_of(const model_heads_report *roles, size_t l, size_t h, char *buf, size_t len) {
    model_head_name nm;
    model_heads_name(roles, l, h, &nm);
    model_heads_name_text(&nm, buf, len);
}

int cli_heads_gpt2(const char *what, size_t sequences, bool seed_given, uint64_t seed, bool json,
                   char *err, size_t err_len) {
    model_gpt2_files files;
    model_gpt2_info info;
    char msg[CLI_ERR_LEN - 16];
    if (model_gpt2_find_env(what, &files, msg, sizeof msg) != ATTN_OK)
        return cli_fail_model_file(err, err_len, "--model", msg);
    model m;
    if (model_load_gpt2(&m, files.weights, 0, &info, msg, sizeof msg) != ATTN_OK)
        return cli_fail_model_file(err, err_len, "--model", msg);
    const model_config *c = &m.config;
    model_detect_config dc = model_detect_defaults(&m);
    if (sequences) dc.sequences = sequences;
    if (seed_given) dc.seed = seed;
    progress p = {isatty(STDERR_FILENO) != 0, 0};
    double t0 = cli_now_seconds();
    model_detect_report r;
    attn_status st = model_heads_detect_watched(&m, &dc, on_sequence, &p, &r, msg, sizeof msg);
    double seconds = cli_now_seconds() - t0;
    if (p.tty) fprintf(stderr, "\n");
    if (st != ATTN_OK) {
        model_free(&m);
        return cli_fail(err, err_len, "--model %.200s: %s", what, msg);
    }
    fprintf(stderr, "measured head roles on random repeated tokens: %zu/%zu in %.2f s\n", p.shown,
            dc.sequences, seconds);
    model_heads_report roles;
    if (model_detect_as_roles(&r, &roles, msg, sizeof msg) != ATTN_OK) {
        model_detect_report_free(&r);
        model_free(&m);
        return cli_fail(err, err_len, "--model %.200s: %s", what, msg);
    }
    size_t L = r.n_layers, H = r.n_heads;
    size_t sizes[MODEL_PARAM_TENSORS], params = model_param_sizes(c, sizes);
    if (json) {
        printf("{\"model\": ");
        cli_json_string(stdout, what, strlen(what));
        printf(", \"model_kind\": \"gpt2\", \"model_file\": ");
        cli_json_string(stdout, files.weights, strlen(files.weights));
        printf(", \"layers\": %zu, \"heads_per_layer\": %zu, \"d_model\": %zu, \"n_ctx\": %zu, "
               "\"vocab_size\": %zu, \"parameters\": %zu",
               L, H, c->d_model, c->n_ctx, c->n_vocab, params);
        /* the seed as a string: JSON readers keep integers exactly only
         * below 2^53 */
        printf(", \"measured\": {\"method\": \"%s\", \"sequences\": %zu, \"block\": %zu, "
               "\"seed\": \"%llu\", \"start_id\": %d, \"id_lo\": %d, \"id_hi\": %d, "
               "\"role_min\": %.2f, \"role_tie\": %.3f}",
               STATE_ROLES_METHOD, dc.sequences, dc.block, (unsigned long long)dc.seed,
               (int)dc.start_id, (int)dc.id_lo, (int)dc.id_hi, (double)MODEL_ROLE_MIN,
               (double)MODEL_ROLE_TIE);
        printf(", \"heads\": [");
        for (size_t l = 0; l < L; l++)
            for (size_t h = 0; h < H; h++) {
                printf("%s\n  {\"layer\": %zu, \"head\": %zu, \"scores\": {", l + h ? "," : "", l,
                       h);
                for (int k = 0; k < MODEL_DETECTORS; k++)
                    printf("%s\"%s\": %.4f", k ? ", " : "", model_detector_key((model_detector)k),
                           (double)model_detect_score(&r, l, h, (model_detector)k));
                printf("}");
                cli_json_head_name(stdout, &roles, l, h);
                printf("}");
            }
        printf("\n]}\n");
    } else {
        printf("%s: GPT-2, %zu layers × %zu heads, d_model %zu, context %zu, %zu tokens, %zu "
               "parameters\n(%s)\n",
               what, L, H, c->d_model, c->n_ctx, c->n_vocab, params, files.weights);
        printf("head roles measured on %zu sequence%s of %zu random tokens repeated twice "
               "(Olsson et al. 2022): token ids %d to %d after %d, seed %llu\n",
               dc.sequences, dc.sequences == 1 ? "" : "s", dc.block, (int)dc.id_lo,
               (int)dc.id_hi - 1, (int)dc.start_id, (unsigned long long)dc.seed);
        printf("\nhead    previous  duplicate  induction   first   name\n");
        for (size_t l = 0; l < L; l++)
            for (size_t h = 0; h < H; h++) {
                char name[48];
                snprintf(name, sizeof name, "%zu.%zu", l + 1, h + 1);
                printf("%-6s", name);
                static const int width[MODEL_DETECTORS] = {10, 11, 11, 8};
                for (int k = 0; k < MODEL_DETECTORS; k++)
                    printf("%*.4f", width[k],
                           (double)model_detect_score(&r, l, h, (model_detector)k));
                char named[200];
                name_of(&roles, l, h, named, sizeof named);
                printf("   %s\n", named);
            }
        printf("(layer.head from 1; a score is the mean attention weight on the position the "
               "pattern names; a head is named, as in the overview and the lessons, by every "
               "role it scores highest on of all heads (ties within %.3f count) with at least "
               "%.2f; duplicate token is measured but is no role of the naming rule)\n",
               (double)MODEL_ROLE_TIE, (double)MODEL_ROLE_MIN);
    }
    model_heads_report_free(&roles);
    model_detect_report_free(&r);
    model_free(&m);
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_fail(err, err_len, "could not write to standard output");
    return 0;
}
