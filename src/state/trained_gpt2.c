/* The trained source on a real GPT-2 (trained.h): which kind of file the
 * user named, GPT-2's tokenizer for it, and the sentence through that
 * tokenizer. The model layer reads the checkpoint (gpt2.h) and runs it;
 * here are the choices the app and the command line share. */
#define _POSIX_C_SOURCE 200809L
#include "trained.h"
#include "state.h"
#include "attnviz/gpt2.h"
#include "attnviz/open_read.h"
#include "paths.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A safetensors header larger than this is not one of ours to sniff (a
 * GPT-2's is about 15 kB; gpt2-large's 40 kB). */
#define HEADER_MAX ((size_t)16 << 20)

/* The JSON header of the safetensors file at path, or NULL when it is not
 * one (too short, a header length out of range, not a JSON object). */
static json_t *read_header(const char *path) {
    const char *kind;
    FILE *fp = attn_open_read(path, &kind);
    if (!fp) return NULL;
    unsigned char len8[8];
    json_t *root = NULL;
    if (fread(len8, 1, 8, fp) == 8) {
        size_t n = 0;
        for (int i = 7; i >= 0; i--) n = n << 8 | len8[i]; /* little-endian u64 */
        char *text = n >= 2 && n <= HEADER_MAX ? malloc(n) : NULL;
        if (text && fread(text, 1, n, fp) == n) root = json_loadb(text, n, 0, NULL);
        free(text);
    }
    fclose(fp);
    if (root && !json_is_object(root)) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

/* What the safetensors file at path holds, from its header. */
typedef enum { SNIFF_UNREADABLE, SNIFF_ATTNVIZ, SNIFF_GPT2, SNIFF_OTHER } sniffed;

static sniffed sniff(const char *path) {
    json_t *root = read_header(path);
    if (!root) return SNIFF_UNREADABLE;
    /* attnviz writes its sizes as "attnviz.*" metadata (model_save); a
     * GPT-2 checkpoint has none and holds wte.weight */
    bool ours = false;
    json_t *meta = json_object_get(root, "__metadata__");
    const char *key;
    json_t *value;
    if (json_is_object(meta))
        json_object_foreach(meta, key, value) ours |= strncmp(key, "attnviz.", 8) == 0;
    bool wte = json_object_get(root, "wte.weight") || json_object_get(root, "transformer.wte.weight");
    json_decref(root);
    return ours ? SNIFF_ATTNVIZ : wte ? SNIFF_GPT2 : SNIFF_OTHER;
}

bool state_model_is_gpt2(const char *what) {
    if (!what || !*what) return false; /* the shipped model */
    struct stat sb;
    if (stat(what, &sb) != 0) return model_gpt2_is_family(what) != 0;
    if (S_ISDIR(sb.st_mode)) {
        /* a checkpoint's folder (its file's problems are the GPT-2
         * loader's to name), unless it holds a model attnviz saved */
        char inside[STATE_PATH_MAX + 32];
        snprintf(inside, sizeof inside, "%s/model.safetensors", what);
        return stat(inside, &sb) == 0 && sniff(inside) != SNIFF_ATTNVIZ;
    }
    /* A file: anything but a GPT-2 goes to model_load, whose messages say
     * what is wrong with it. */
    return sniff(what) == SNIFF_GPT2;
}

/* dir of path (the folder a file is in) into out. */
static void folder_of(char *out, size_t out_len, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(out, out_len, ".");
    else if (slash == path) snprintf(out, out_len, "/");
    else snprintf(out, out_len, "%.*s", (int)(slash - path), path);
}

static bool readable(const char *dir, const char *name) {
    char p[STATE_PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Where the tokenizer's files go: in the page, files opened together share a
 * folder (scripts/web/loader.js). */
#ifdef __EMSCRIPTEN__
#define TOKENIZER_FIX "open the model together with its vocab.json and merges.txt"
#else
#define TOKENIZER_FIX "put the model's vocab.json and merges.txt beside it"
#endif

attn_status state_gpt2_tokenizer(const char *weights, size_t n_vocab, model_bpe **out,
                                 bool *shipped, char *note, size_t note_len, char *err,
                                 size_t err_len) {
    *out = NULL;
    *shipped = false;
    char dir[STATE_PATH_MAX], msg[STATE_ERR_LEN];
    folder_of(dir, sizeof dir, weights);
    bool own = (readable(dir, "vocab.json") && readable(dir, "merges.txt")) ||
               (readable(dir, "encoder.json") && readable(dir, "vocab.bpe"));
    if (!own) {
        /* The shipped files are GPT-2's own: right for any model of GPT-2's
         * 50257 tokens (gpt2, distilgpt2, -medium, -large and their
         * fine-tunes), wrong for any other vocabulary. */
        if (n_vocab != MODEL_BPE_GPT2_VOCAB)
            return state_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s: no tokenizer beside the model (vocab.json + merges.txt, or "
                              "encoder.json + vocab.bpe, in %s), and its %zu tokens are not "
                              "GPT-2's %d: put the model's own tokenizer files in that folder",
                              weights, dir, n_vocab, MODEL_BPE_GPT2_VOCAB);
        if (state_gpt2_vocab_dir(dir, sizeof dir, NULL, 0) != ATTN_OK)
            return state_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s: no tokenizer beside the model (vocab.json + merges.txt, or "
                              "encoder.json + vocab.bpe), and no copy of GPT-2's own in attnviz's "
                              "data (%s): %s",
                              weights, dir, TOKENIZER_FIX);
        *shipped = true;
        if (note)
            snprintf(note, note_len,
                     "no tokenizer beside the model: GPT-2's own vocabulary from %s", dir);
    } else if (note) {
        snprintf(note, note_len, "the tokenizer beside the model, in %s", dir);
    }
    model_bpe *b = NULL;
    if (model_bpe_load_dir(&b, dir, msg, sizeof msg) != ATTN_OK)
        return state_fail(ATTN_ERR_INPUT, err, err_len, "%s", msg);
    const char *why = NULL;
    if (model_bpe_vocab_size(b) > n_vocab) why = "has more tokens than the model's";
    else if (model_bpe_eot(b) < 0) why = "has no " MODEL_BPE_EOT_TEXT " to start a sentence with";
    if (why) {
        attn_status st = state_fail(ATTN_ERR_INPUT, err, err_len,
                                    "%s: the tokenizer in %s (%zu tokens) %s (%zu tokens): "
                                    "use the tokenizer files the model was trained with",
                                    weights, dir, model_bpe_vocab_size(b), why, n_vocab);
        model_bpe_destroy(b);
        return st;
    }
    *out = b;
    return ATTN_OK;
}

attn_status state_gpt2_open_tokenizer(const char *what, model_bpe **out, bool *shipped,
                                      char *note, size_t note_len, char *err, size_t err_len) {
    *out = NULL;
    model_gpt2_files files;
    model_gpt2_info info;
    if (model_gpt2_find_env(what, &files, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
    if (model_gpt2_peek(files.weights, 0, &info, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
    return state_gpt2_tokenizer(files.weights, info.config.n_vocab, out, shipped, note, note_len,
                                err, err_len);
}

attn_status state_gpt2_peek(const char *what, model_config *c, char *weights, size_t weights_len,
                            char *err, size_t err_len) {
    model_gpt2_files files;
    model_gpt2_info info;
    if (model_gpt2_find_env(what, &files, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
    if (model_gpt2_peek(files.weights, 0, &info, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
    *c = info.config;
    if (weights) snprintf(weights, weights_len, "%s", files.weights);
    return ATTN_OK;
}

/* ---- a sentence through GPT-2's tokenizer ---------------------------------- */

attn_status state_gpt2_encode(const state_trained *t, const char *sentence, size_t limit,
                              int32_t *ids, attn_token *spans, size_t *n_out, char *err,
                              size_t err_len) {
    size_t len = strlen(sentence), n = 0;
    char msg[STATE_ERR_LEN];
    /* as the other sources: a sentence needs a word (GPT-2 would encode
     * the spaces, but there would be nothing to look at) */
    if (model_bpe_blank(sentence, len))
        return state_fail(ATTN_ERR_INPUT, err, err_len,
                          len == 0 ? "the sentence is empty: give at least one word"
                                   : "the sentence is only whitespace: give at least one word");
    /* never more tokens than bytes: room for all of them, so that a long
     * sentence is refused with its real count */
    int32_t *all = malloc((len + 1) * sizeof *all);
    model_bpe_span *sp = malloc((len + 1) * sizeof *sp);
    attn_status st = all && sp ? ATTN_OK : ATTN_ERR_NOMEM;
    if (st != ATTN_OK) state_fail(st, err, err_len, "out of memory for the sentence's tokens");
    if (st == ATTN_OK &&
        (st = model_bpe_encode(t->bpe, sentence, len, all, sp, len + 1, &n, msg, sizeof msg)) !=
            ATTN_OK)
        state_fail(st, err, err_len, "%s", msg);
    if (st == ATTN_OK && n + 1 > limit) {
        const model_config *c = &t->model.config;
        bool context = limit == c->n_ctx;
        st = state_fail(ATTN_ERR_LIMIT, err, err_len,
                        "the sentence is %zu tokens with the start token, more than the %zu %s: "
                        "shorten it",
                        n + 1, limit,
                        context ? "of the model's context" : "the app shows at once");
    }
    if (st == ATTN_OK) {
        ids[0] = model_bpe_eot(t->bpe);
        spans[0] = (attn_token){0, 0};
        for (size_t i = 0; i < n; i++) {
            ids[i + 1] = all[i];
            spans[i + 1] = (attn_token){sp[i].begin, sp[i].end - sp[i].begin};
        }
        *n_out = n + 1;
    }
    free(all);
    free(sp);
    return st;
}

size_t state_gpt2_shown(const state_trained *t, int32_t id, char *out, size_t cap) {
    size_t len = 0;
    const unsigned char *bytes = t->bpe ? model_bpe_token(t->bpe, id, &len) : NULL;
    if (!bytes) return (size_t)snprintf(out, cap, "#%ld", (long)id);
    if (id == model_bpe_eot(t->bpe)) return (size_t)snprintf(out, cap, "%s", MODEL_BPE_EOT_TEXT);
    return model_bpe_display(bytes, len, out, cap);
}

attn_status state_gpt2_check(const state_settings *s, attn_setting *bad, char *err,
                             size_t err_len) {
    *bad = ATTN_SETTING_NONE;
    state_trained *t = calloc(1, sizeof *t); /* its tokenizer and sizes only */
    if (!t) return state_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory");
    char msg[STATE_ERR_LEN];
    attn_status st = state_gpt2_peek(s->model_path, &t->model.config, t->file, sizeof t->file,
                                      msg, sizeof msg);
    if (st != ATTN_OK) {
        state_fail(st, err, err_len, "model: %s", msg);
    } else if (s->layer >= t->model.config.n_layers) {
        size_t L = t->model.config.n_layers;
        st = state_fail(ATTN_ERR_CONFIG, err, err_len,
                        "layer %zu does not exist: the model has %zu layer%s (1 to %zu)",
                        s->layer + 1, L, L == 1 ? "" : "s", L);
    } else if ((st = state_gpt2_tokenizer(t->file, t->model.config.n_vocab, &t->bpe,
                                          &t->tokenizer_shipped, NULL, 0, msg, sizeof msg)) !=
               ATTN_OK) {
        state_fail(st, err, err_len, "model: %s", msg);
    } else {
        size_t limit = t->model.config.n_ctx < STATE_TRAINED_TOKENS_MAX ? t->model.config.n_ctx
                                                                        : STATE_TRAINED_TOKENS_MAX;
        int32_t *ids = malloc(limit * sizeof *ids);
        attn_token *spans = malloc(limit * sizeof *spans);
        size_t n = 0;
        st = ids && spans ? state_gpt2_encode(t, s->sentence, limit, ids, spans, &n, err, err_len)
                          : state_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory");
        if (st != ATTN_OK) *bad = ATTN_SETTING_SENTENCE;
        free(ids);
        free(spans);
    }
    model_bpe_destroy(t->bpe);
    free(t);
    return st;
}
