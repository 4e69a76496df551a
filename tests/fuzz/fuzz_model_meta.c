/* libFuzzer target for reading a trained model's record of its training:
 * the "attnviz.train.*", loss and "attnviz.heads" strings in a safetensors
 * "__metadata__" (model_meta.c), as the app meets them when it opens a
 * model file (state_trained_load, trained.c).
 *
 * A small valid model (2 layers of 2 heads, d_model 8, 3 words) is built
 * once; each input is split into lines, one metadata entry per line:
 *   - a line starting with a byte 0..9 sets the n-th known key (seed,
 *     steps, batch, lr, lr_min, mix, heldout, unigram, heads, heads) to the
 *     rest of the line;
 *   - any other line is "key=value" (no '=': the whole line is the key).
 * The model is written with those entries (model_st_write, into memory),
 * loaded back (model_load_bytes_meta), and the readers run on it; then the
 * same bytes are opened from a file as the app does. It aborts when:
 *   - a status is not one of the documented ones, or a failure's message is
 *     not one clean line (valid UTF-8, no control characters);
 *   - the recipe: *found says whether any recipe key is there; on success
 *     the sizes are the model's, seq its context, lr, lr_min and the four
 *     mix weights finite (as floats), the seed the number written;
 *   - the roles: on success L × H finite scores in [0, 1], finite losses,
 *     found exactly when "attnviz.heads" is there;
 *   - the app's loader agrees: it refuses the file exactly when the roles
 *     reader does (with the same message), and otherwise keeps the roles. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_NAME "fuzz_model_meta"
#include "fuzz_check.h"

#include "attnviz/heads.h"
#include "attnviz/model.h"
#include "attnviz/safetensors.h"
#include "attnviz/train.h"
#include "../../src/state/trained.h"

static const char *const known[10] = {
    "attnviz.train.seed",   "attnviz.train.steps", "attnviz.train.batch",  "attnviz.train.lr",
    "attnviz.train.lr_min", "attnviz.train.mix",   "attnviz.heldout_loss", "attnviz.unigram_loss",
    "attnviz.heads",        "attnviz.heads",
};

#define ENTRIES_MAX 64

/* The base model's file, parsed: its tensors and its own metadata. */
static uint8_t *base_bytes;
static model_st_file base;
static char file_path[512];

static void remove_file(void) { remove(file_path); }

static void build_base(void) {
    static const char *const words[3] = {"<|endoftext|>", "<unk>", "word"};
    model_vocab v;
    model m;
    char err[512];
    const model_config c = {.n_layers = 2, .n_heads = 2, .d_model = 8, .n_ctx = 8, .n_vocab = 3};
    REQUIRE(model_vocab_init(&v, words, 3, err, sizeof err) == ATTN_OK);
    REQUIRE(model_init(&m, &c, &v, err, sizeof err) == ATTN_OK);
    model_init_gpt2(&m, 7);
    const char *tmp = getenv("TMPDIR");
    snprintf(file_path, sizeof file_path, "%s/fuzz_model_meta-%ld.safetensors",
             tmp && *tmp ? tmp : "/tmp", (long)getpid());
    atexit(remove_file);
    REQUIRE(model_save(&m, file_path, err, sizeof err) == ATTN_OK);
    model_free(&m);
    model_vocab_free(&v);
    FILE *f = fopen(file_path, "rb");
    REQUIRE(f != NULL);
    REQUIRE(fseek(f, 0, SEEK_END) == 0);
    long size = ftell(f);
    REQUIRE(size > 0 && fseek(f, 0, SEEK_SET) == 0);
    base_bytes = malloc((size_t)size);
    REQUIRE(base_bytes && fread(base_bytes, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    REQUIRE(model_st_parse(&base, base_bytes, (size_t)size, NULL, err, sizeof err) == ATTN_OK);
}

static int status_ok(attn_status st) {
    return st == ATTN_OK || st == ATTN_ERR_INPUT || st == ATTN_ERR_NOMEM || st == ATTN_ERR_LIMIT ||
           st == ATTN_ERR_CONFIG;
}

static void check_recipe(const model_meta *meta, const model_config *c) {
    model_recipe r;
    bool found = true;
    char err[512];
    memset(err, 'X', sizeof err);
    attn_status st = model_meta_read_recipe(meta, c, file_path, &r, &found, err, sizeof err);
    REQUIRE(st == ATTN_OK || st == ATTN_ERR_INPUT);
    int any = 0;
    for (int i = 0; i < 6; i++) any |= model_meta_get(meta, known[i]) != NULL;
    if (st != ATTN_OK) {
        REQUIRE(any && !found);
        REQUIRE_MESSAGE(err, sizeof err);
        REQUIRE(strncmp(err, file_path, strlen(file_path)) == 0);
        return;
    }
    REQUIRE(found == (any != 0));
    REQUIRE(memcmp(&r.model, c, sizeof *c) == 0);
    REQUIRE(r.train.seq == c->n_ctx);
    REQUIRE(isfinite(r.train.lr) && isfinite(r.train.lr_min));
    REQUIRE(isfinite(r.mix.pronoun) && isfinite(r.mix.subject) && isfinite(r.mix.place_time) &&
            isfinite(r.mix.repeat));
    if (found) {
        /* a whole number read back is the one written */
        char want[32];
        snprintf(want, sizeof want, "%llu", (unsigned long long)r.seed);
        const char *seed = model_meta_get(meta, known[0]);
        while (seed[0] == '0' && seed[1]) seed++;
        REQUIRE(strcmp(want, seed) == 0);
    }
}

/* Returns whether the roles were read, so the app's loader can be compared. */
static attn_status check_heads(const model_meta *meta, const model_config *c, bool *found,
                               char *err, size_t err_len) {
    model_heads_report r;
    memset(err, 'X', err_len);
    *found = true;
    attn_status st = model_meta_read_heads(meta, c, file_path, &r, found, err, err_len);
    REQUIRE(st == ATTN_OK || st == ATTN_ERR_INPUT || st == ATTN_ERR_NOMEM);
    int have = model_meta_get(meta, known[8]) != NULL;
    if (st != ATTN_OK) {
        REQUIRE(have && !*found && r.score == NULL);
        REQUIRE_MESSAGE(err, err_len);
        return st;
    }
    REQUIRE(*found == (have != 0));
    if (!*found) {
        REQUIRE(r.score == NULL && r.n_layers == 0);
        return st;
    }
    REQUIRE(r.n_layers == c->n_layers && r.n_heads == c->n_heads && r.score != NULL);
    for (size_t i = 0; i < c->n_layers * c->n_heads * MODEL_ROLES; i++)
        REQUIRE(r.score[i] >= 0.0f && r.score[i] <= 1.0f);
    REQUIRE(isfinite(r.heldout_loss) && isfinite(r.unigram_loss));
    model_heads_report_free(&r);
    return st;
}

/* Splits the input into at most ENTRIES_MAX (key, value) pairs, later
 * duplicates of a key dropped (a file cannot hold a key twice). Keys and
 * values are copied into text (NUL-terminated). */
static size_t split(const uint8_t *data, size_t size, char *text, model_st_meta *out) {
    size_t n = 0, o = 0, i = 0;
    while (i < size && n < ENTRIES_MAX) {
        size_t end = i;
        while (end < size && data[end] != '\n') end++;
        const char *key, *value;
        if (end > i && data[i] < 10) {
            key = known[data[i]];
            value = text + o;
            memcpy(text + o, data + i + 1, end - i - 1);
            o += end - i - 1;
            text[o++] = '\0';
        } else {
            key = text + o;
            size_t eq = i;
            while (eq < end && data[eq] != '=') eq++;
            memcpy(text + o, data + i, eq - i);
            o += eq - i;
            text[o++] = '\0';
            value = text + o;
            if (eq < end) {
                memcpy(text + o, data + eq + 1, end - eq - 1);
                o += end - eq - 1;
            }
            text[o++] = '\0';
        }
        i = end + 1;
        int dup = 0;
        for (size_t k = 0; k < n; k++) dup |= strcmp(out[k].key, key) == 0;
        for (size_t k = 0; k < base.n_meta; k++) dup |= strcmp(base.meta[k].key, key) == 0;
        if (!dup) out[n++] = (model_st_meta){key, value};
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!base_bytes) build_base();
    if (size > 1 << 16) return 0;
    char *text = malloc(2 * size + 2);
    model_st_meta *meta = malloc((base.n_meta + ENTRIES_MAX) * sizeof *meta);
    REQUIRE(text && meta);
    memcpy(meta, base.meta, base.n_meta * sizeof *meta);
    size_t n_meta = base.n_meta + split(data, size, text, meta + base.n_meta);

    char *bytes = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&bytes, &len);
    REQUIRE(mem != NULL);
    char err[512];
    memset(err, 'X', sizeof err);
    attn_status st = model_st_write(mem, base.tensors, base.n_tensors, meta, n_meta, "mem", err,
                                    sizeof err);
    fclose(mem);
    REQUIRE(status_ok(st) || st == ATTN_ERR_IO);
    if (st != ATTN_OK) { /* keys or values that are not UTF-8: a file cannot hold them */
        REQUIRE_MESSAGE(err, sizeof err);
        goto done;
    }

    model m;
    model_meta mm;
    memset(err, 'X', sizeof err);
    st = model_load_bytes_meta(&m, (const uint8_t *)bytes, len, file_path, &mm, err, sizeof err);
    REQUIRE(status_ok(st));
    if (st != ATTN_OK) {
        REQUIRE_MESSAGE(err, sizeof err);
        REQUIRE(mm.n == 0);
        goto done;
    }
    check_recipe(&mm, &m.config);
    bool found;
    char heads_err[512];
    attn_status heads_st = check_heads(&mm, &m.config, &found, heads_err, sizeof heads_err);

    /* The app's loader on the same bytes from a file. */
    FILE *f = fopen(file_path, "wb");
    REQUIRE(f && fwrite(bytes, 1, len, f) == len && fclose(f) == 0);
    static state_trained t;
    memset(err, 'X', sizeof err);
    /* Without roles in the file the app measures them: slow, and not
     * what this target is about. */
    st = state_trained_load_ex(&t, file_path, found || heads_st != ATTN_OK ? 0 : STATE_TRAINED_NO_ROLES,
                               err, sizeof err);
    REQUIRE(status_ok(st));
    if (heads_st != ATTN_OK) {
        REQUIRE(st == heads_st && strcmp(err, heads_err) == 0);
    } else {
        REQUIRE(st == ATTN_OK);
        REQUIRE(t.have_roles == found);
        REQUIRE(fuzz_clean_line(t.roles_note, sizeof t.roles_note));
        state_trained_free(&t);
    }
    model_meta_free(&mm);
    model_free(&m);
done:
    free(bytes);
    free(meta);
    free(text);
    return 0;
}
