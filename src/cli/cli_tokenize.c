/* `attnviz tokenize`: how GPT-2's own tokenizer (bpe.h) splits a text, one
 * piece a line with its id and its bytes in the text, or as JSON. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/bpe.h"
#include "cli.h"
#include "paths.h"
#include "trained.h"

typedef struct tokenize_args {
    const char *vocab, *model, *sentence;
    bool json, eot;
} tokenize_args;

static const cli_arg tokenize_rows[] = {
    {.name = "--sentence", .value = "S", .kind = CLI_ARG_TEXT,
     .at = offsetof(tokenize_args, sentence),
     .help = "the text, exactly (instead of words after tokenize)"},
    {.name = "--vocab", .value = "DIR", .kind = CLI_ARG_PATH, .at = offsetof(tokenize_args, vocab),
     .help = "a folder with vocab.json + merges.txt or encoder.json +\nvocab.bpe (default: "
             "GPT-2's, in the data folder's assets/gpt2)"},
    {.name = "--model", .value = "FILE|DIR|NAME", .kind = CLI_ARG_PATH,
     .at = offsetof(tokenize_args, model),
     .help = "the tokenizer of this GPT-2 (as the app's --model: a file, its\nfolder, or gpt2, "
             "distilgpt2, ... from the Hugging Face cache)"},
    {.name = "--eot", .kind = CLI_ARG_FLAG, .at = offsetof(tokenize_args, eot),
     .help = "put <|endoftext|> first, as GPT-2's start token"},
    {.name = "--json", .kind = CLI_ARG_FLAG, .at = offsetof(tokenize_args, json),
     .help = "one JSON object on stdout, for tools"},
};
static const cli_arg_list tokenize_list = {"options", tokenize_rows,
                                           sizeof tokenize_rows / sizeof *tokenize_rows};
const cli_option_table cli_tokenize_options = {
    sizeof(tokenize_args), NULL, NULL, {&tokenize_list},
    "Splits a text with GPT-2's tokenizer (byte-level BPE) and prints each piece:\n"
    "its id, its bytes in the text (from-to) and its text, a space shown as ·, a\n"
    "newline as ↵, a tab as →, a byte that is part of a character as <E2>.\n"
    "  attnviz tokenize \"The animal didn't cross the street\"\n"
    "  attnviz tokenize --sentence \"  two spaces\" --json\n"
    "  attnviz tokenize \"The animal didn't cross\" --model gpt2\n"};

/* The words after tokenize joined by one space, or --sentence as given. */
static int the_text(const tokenize_args *a, char **files, int n_files, char **text, char *err,
                    size_t err_len) {
    *text = NULL;
    if (a->sentence && n_files > 0)
        return cli_fail(err, err_len,
                        "tokenize takes the text once: as words after tokenize or as --sentence "
                        "S, not both");
    if (!a->sentence && n_files == 0)
        return cli_fail(err, err_len,
                        "tokenize needs a text: attnviz tokenize Hello world, or --sentence S");
    size_t len = a->sentence ? strlen(a->sentence) : 0;
    for (int i = 0; i < n_files; i++) len += strlen(files[i]) + 1;
    char *t = malloc(len + 1);
    if (!t) return cli_fail(err, err_len, "out of memory");
    if (a->sentence) {
        memcpy(t, a->sentence, len + 1);
    } else {
        size_t at = 0;
        for (int i = 0; i < n_files; i++) {
            size_t l = strlen(files[i]);
            memcpy(t + at, files[i], l);
            at += l;
            t[at++] = ' ';
        }
        t[at - 1] = '\0';
    }
    *text = t;
    return 0;
}

int cli_tokenize_run(const void *opts, char **files, int n_files, char *err, size_t err_len) {
    const tokenize_args *a = opts;
    char *text = NULL;
    if (the_text(a, files, n_files, &text, err, err_len)) return 2;
    char dir[STATE_PATH_MAX], msg[CLI_ERR_LEN - 64];
    const char *vocab = a->vocab;
    int rc = 2;
    model_bpe *b = NULL;
    int32_t *ids = NULL;
    model_bpe_span *spans = NULL;
    if (a->model) {
        if (a->vocab) {
            cli_fail(err, err_len, "--vocab and --model both name a tokenizer: give one");
            goto done;
        }
        if (!state_model_is_gpt2(a->model)) {
            cli_fail(err, err_len, "--model %.300s is not a GPT-2 (a model attnviz trained has "
                     "words of its own): see its tokens with attnviz dump --model %.300s",
                     a->model, a->model);
            goto done;
        }
        char note[STATE_PATH_MAX + 96];
        bool shipped = false;
        if (state_gpt2_open_tokenizer(a->model, &b, &shipped, note, sizeof note, msg,
                                      sizeof msg) != ATTN_OK) {
            cli_fail_model_file(err, err_len, "--model", msg);
            goto done;
        }
        if (shipped) {
            attn_clean_line(note);
            fprintf(stderr, "attnviz: note: %s\n", note);
        }
        vocab = a->model;
    }
    if (!vocab) { /* the shipped files: missing, it is a set-up problem with its own fix */
        if (state_gpt2_vocab_dir(dir, sizeof dir, err, err_len) != ATTN_OK) goto done;
        vocab = dir;
    }
    if (!b && model_bpe_load_dir(&b, vocab, msg, sizeof msg) != ATTN_OK) {
        cli_fail_model_file(err, err_len, a->vocab ? "--vocab" : NULL, msg);
        goto done;
    }
    size_t len = strlen(text), n = 0, first = 0;
    ids = malloc((len + 2) * sizeof *ids); /* never more tokens than bytes, and <|endoftext|> */
    spans = malloc((len + 2) * sizeof *spans);
    if (!ids || !spans) {
        cli_fail(err, err_len, "out of memory");
        goto done;
    }
    if (a->eot) {
        if (model_bpe_eot(b) < 0) {
            cli_fail(err, err_len, "--eot: the vocabulary in %s has no %s", vocab,
                     MODEL_BPE_EOT_TEXT);
            goto done;
        }
        ids[0] = model_bpe_eot(b);
        spans[0] = (model_bpe_span){0, 0};
        first = 1;
    }
    if (model_bpe_encode(b, text, len, ids + first, spans + first, len + 1, &n, msg, sizeof msg) !=
        ATTN_OK) {
        cli_fail(err, err_len, "%s: %s", a->sentence ? "--sentence" : "tokenize", msg);
        goto done;
    }
    n += first;
    char shown[MODEL_BPE_TOKEN_BYTES_MAX * 8 + 1];
    if (a->json) {
        printf(a->model ? "{\"model\": " : "{\"vocab\": ");
        cli_json_string(stdout, vocab, strlen(vocab));
        printf(", \"text\": ");
        cli_json_string(stdout, text, len);
        printf(", \"ids\": [");
        for (size_t i = 0; i < n; i++) printf("%s%d", i ? ", " : "", ids[i]);
        printf("], \"tokens\": [");
    }
    for (size_t i = 0; i < n; i++) {
        size_t tl = 0;
        const unsigned char *t = model_bpe_token(b, ids[i], &tl);
        model_bpe_display(t, tl, shown, sizeof shown);
        if (a->json) {
            printf("%s\n  {\"id\": %d, \"bytes\": [%zu, %zu], \"piece\": ", i ? "," : "", ids[i],
                   spans[i].begin, spans[i].end);
            cli_json_string(stdout, shown, strlen(shown));
            printf("}");
        } else {
            printf("%6d  %5zu-%-5zu %s\n", ids[i], spans[i].begin, spans[i].end, shown);
        }
    }
    if (a->json) printf("\n]}\n");
    rc = 0;
done:
    free(ids);
    free(spans);
    free(text);
    model_bpe_destroy(b);
    return rc;
}
