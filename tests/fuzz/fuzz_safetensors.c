/* libFuzzer target for the safetensors reader/writer and model files.
 * Beyond "no crash, no leak, no UB" it aborts when an invariant breaks:
 *   - model_st_parse: the status is OK, INPUT, LIMIT or NOMEM; the message is
 *     terminated, one line of valid UTF-8, empty on success, "f.st: ..." on failure, and
 *     the file struct is empty on failure. On success every tensor has a
 *     known dtype, at most 8 dims, n_elements and nbytes that match its shape,
 *     data inside the input after the header (every byte is read, so ASan
 *     sees an overrun), no two tensors overlap, names and keys are sorted and
 *     found by model_st_find / model_st_meta_get;
 *   - the writer is canonical: write(parse(x)) parses to the same tensors
 *     and metadata, and writing that again gives the same bytes;
 *   - model_load_bytes_meta: on failure the model and meta are zeroed and
 *     the message is one line; on success the generic parse succeeded too,
 *     the config passes model_config_check, every parameter is finite and
 *     equals the file's bytes, the extra metadata is every key but the
 *     model's own, and model_save_meta + model_load_meta give back the same
 *     model and metadata bit for bit. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/model.h"
#include "attnviz/safetensors.h"
#include "attnviz/tokenize.h"

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_safetensors: invariant failed: %s (line %d)\n", #cond,          \
                    __LINE__);                                                                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char tmp_dir[64];

static void remove_tmp_dir(void) {
    if (tmp_dir[0]) rmdir(tmp_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    json_object_seed(1); /* jansson's hash seed: the same runs every time */
    snprintf(tmp_dir, sizeof tmp_dir, "/dev/shm/fuzz_safetensors.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        snprintf(tmp_dir, sizeof tmp_dir, "/tmp/fuzz_safetensors.XXXXXX");
        REQUIRE(mkdtemp(tmp_dir) != NULL);
    }
    atexit(remove_tmp_dir);
    return 0;
}

static void check_message(const char *err, size_t cap, attn_status st) {
    REQUIRE(memchr(err, '\0', cap) != NULL);
    REQUIRE(strchr(err, '\n') == NULL);
    REQUIRE(attn_utf8_first_invalid(err, strlen(err)) == strlen(err));
    if (st == ATTN_OK) REQUIRE(err[0] == '\0');
    else REQUIRE(strncmp(err, "f.st: ", 6) == 0 && strlen(err) > 6);
}

static volatile uint8_t sink;

static void check_file(const model_st_file *f, const uint8_t *data, size_t size) {
    REQUIRE(f->header_len <= size - 8);
    size_t start = 8 + f->header_len;
    uint8_t x = 0;
    for (size_t i = 0; i < f->n_tensors; i++) {
        const model_st_tensor *t = &f->tensors[i];
        REQUIRE(model_st_dtype_name(t->dtype) != NULL && t->n_dims <= MODEL_ST_DIMS_MAX);
        unsigned __int128 n = 1;
        for (size_t d = 0; d < t->n_dims; d++) n *= t->shape[d];
        /* (a product that overflowed 128 bits has a zero factor or was refused) */
        REQUIRE(n == t->n_elements || t->n_elements == 0);
        REQUIRE(t->nbytes == t->n_elements * model_st_dtype_size(t->dtype));
        REQUIRE(t->offset >= start && t->offset <= size && t->nbytes <= size - t->offset);
        REQUIRE(t->data == data + t->offset);
        for (size_t k = 0; k < t->nbytes; k++) x ^= ((const uint8_t *)t->data)[k];
        if (i) REQUIRE(strcmp(f->tensors[i - 1].name, t->name) < 0);
        REQUIRE(model_st_find(f, t->name) == t);
    }
    sink = x;
    if (f->n_tensors <= 300) {
        for (size_t i = 0; i < f->n_tensors; i++)
            for (size_t j = i + 1; j < f->n_tensors; j++) {
                const model_st_tensor *a = &f->tensors[i], *b = &f->tensors[j];
                if (!a->nbytes || !b->nbytes) continue;
                REQUIRE(a->offset + a->nbytes <= b->offset || b->offset + b->nbytes <= a->offset);
            }
    }
    for (size_t i = 0; i < f->n_meta; i++) {
        if (i) REQUIRE(strcmp(f->meta[i - 1].key, f->meta[i].key) < 0);
        REQUIRE(model_st_meta_get(f, f->meta[i].key) == f->meta[i].value);
    }
}

static void write_mem(const model_st_file *f, char **out, size_t *len) {
    FILE *m = open_memstream(out, len);
    REQUIRE(m != NULL);
    char err[512];
    attn_status st = model_st_write(m, f->tensors, f->n_tensors, f->meta, f->n_meta, "w.st", err,
                                    sizeof err);
    if (st != ATTN_OK) fprintf(stderr, "fuzz_safetensors: %s\n", err);
    REQUIRE(st == ATTN_OK);
    REQUIRE(fclose(m) == 0);
}

static void check_rewrite(const model_st_file *f) {
    char *b1 = NULL, *b2 = NULL;
    size_t l1 = 0, l2 = 0;
    write_mem(f, &b1, &l1);
    model_st_file g;
    char err[512];
    REQUIRE(model_st_parse(&g, (const uint8_t *)b1, l1, "w.st", err, sizeof err) == ATTN_OK);
    REQUIRE(g.n_tensors == f->n_tensors && g.n_meta == f->n_meta);
    REQUIRE(g.header_len % 8 == 0);
    for (size_t i = 0; i < g.n_tensors; i++) {
        const model_st_tensor *a = &f->tensors[i], *b = &g.tensors[i];
        REQUIRE(strcmp(a->name, b->name) == 0 && a->dtype == b->dtype && a->n_dims == b->n_dims);
        REQUIRE(memcmp(a->shape, b->shape, a->n_dims * sizeof(size_t)) == 0);
        REQUIRE(a->nbytes == b->nbytes);
        REQUIRE(a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0);
    }
    for (size_t i = 0; i < g.n_meta; i++)
        REQUIRE(strcmp(f->meta[i].key, g.meta[i].key) == 0 &&
                strcmp(f->meta[i].value, g.meta[i].value) == 0);
    write_mem(&g, &b2, &l2);
    REQUIRE(l1 == l2 && memcmp(b1, b2, l1) == 0);
    model_st_free(&g);
    free(b1);
    free(b2);
}

static int zeroed(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

static int reserved(const char *k) {
    return strcmp(k, "format") == 0 || strcmp(k, "attnviz.n_layers") == 0 ||
           strcmp(k, "attnviz.n_heads") == 0 || strcmp(k, "attnviz.d_model") == 0 ||
           strcmp(k, "attnviz.n_ctx") == 0 || strcmp(k, "attnviz.n_vocab") == 0 ||
           strcmp(k, "attnviz.vocab") == 0;
}

static void check_model(const model *m, const model_meta *meta, const model_st_file *f) {
    REQUIRE(model_config_check(&m->config, NULL, NULL, 0) == ATTN_OK);
    REQUIRE(m->vocab.n == m->config.n_vocab);
    size_t sizes[MODEL_PARAM_TENSORS];
    REQUIRE(model_param_sizes(&m->config, sizes) == m->n_params);
    for (size_t i = 0; i < m->n_params; i++) REQUIRE(isfinite(m->block[i]));
    /* The parameters are the file's bytes: wte first, ln_f.bias last, one
     * layer's c_attn.weight in the middle. */
    const model_st_tensor *t = model_st_find(f, "wte.weight");
    REQUIRE(t && t->nbytes == sizes[0] * 4 && memcmp(t->data, m->params.wte, t->nbytes) == 0);
    t = model_st_find(f, "ln_f.bias");
    REQUIRE(t && t->nbytes == sizes[15] * 4 && memcmp(t->data, m->params.lnf_b, t->nbytes) == 0);
    char name[64];
    size_t l = m->config.n_layers - 1;
    snprintf(name, sizeof name, "h.%zu.attn.c_attn.weight", l);
    t = model_st_find(f, name);
    size_t per = sizes[4] / m->config.n_layers;
    REQUIRE(t && t->nbytes == per * 4 &&
            memcmp(t->data, m->params.attn_w + l * per, t->nbytes) == 0);
    /* Extras: every metadata key but the model's own, in order. */
    size_t k = 0;
    for (size_t i = 0; i < f->n_meta; i++) {
        if (reserved(f->meta[i].key)) continue;
        REQUIRE(k < meta->n && strcmp(meta->keys[k], f->meta[i].key) == 0 &&
                strcmp(meta->values[k], f->meta[i].value) == 0);
        REQUIRE(model_meta_get(meta, f->meta[i].key) != NULL);
        k++;
    }
    REQUIRE(k == meta->n);
}

static void check_save_load(const model *m, const model_meta *meta) {
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/m.safetensors", tmp_dir);
    attn_status st = model_save_meta(m, path, (const char *const *)meta->keys,
                                     (const char *const *)meta->values, meta->n, err, sizeof err);
    if (st != ATTN_OK) fprintf(stderr, "fuzz_safetensors: %s\n", err);
    REQUIRE(st == ATTN_OK);
    model back;
    model_meta meta2;
    st = model_load_meta(&back, path, &meta2, err, sizeof err);
    if (st != ATTN_OK) fprintf(stderr, "fuzz_safetensors: %s\n", err);
    REQUIRE(st == ATTN_OK);
    remove(path);
    REQUIRE(memcmp(&back.config, &m->config, sizeof m->config) == 0);
    REQUIRE(back.n_params == m->n_params);
    REQUIRE(memcmp(back.block, m->block, m->n_params * sizeof(float)) == 0);
    REQUIRE(back.vocab.n == m->vocab.n);
    for (size_t i = 0; i < m->vocab.n; i++)
        REQUIRE(strcmp(back.vocab.words[i], m->vocab.words[i]) == 0);
    REQUIRE(meta2.n == meta->n);
    for (size_t i = 0; i < meta->n; i++)
        REQUIRE(strcmp(meta2.keys[i], meta->keys[i]) == 0 &&
                strcmp(meta2.values[i], meta->values[i]) == 0);
    model_meta_free(&meta2);
    model_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];

    model_st_file f;
    memset(err, 'X', sizeof err);
    attn_status st = model_st_parse(&f, data, size, "f.st", err, sizeof err);
    REQUIRE(st == ATTN_OK || st == ATTN_ERR_INPUT || st == ATTN_ERR_LIMIT || st == ATTN_ERR_NOMEM);
    check_message(err, sizeof err, st);
    if (st == ATTN_OK) {
        check_file(&f, data, size);
        check_rewrite(&f);
    } else {
        REQUIRE(zeroed(&f, sizeof f));
    }

    model m;
    model_meta meta;
    memset(err, 'X', sizeof err);
    attn_status ms = model_load_bytes_meta(&m, data, size, "f.st", &meta, err, sizeof err);
    REQUIRE(ms == ATTN_OK || ms == ATTN_ERR_INPUT || ms == ATTN_ERR_LIMIT || ms == ATTN_ERR_NOMEM);
    check_message(err, sizeof err, ms);
    if (st != ATTN_OK) REQUIRE(ms == st); /* the generic refusal, passed on */
    if (ms == ATTN_OK) {
        REQUIRE(st == ATTN_OK);
        check_model(&m, &meta, &f);
        check_save_load(&m, &meta);
        model_meta_free(&meta);
        model_free(&m);
        /* model_load_bytes is the same without the metadata. */
        REQUIRE(model_load_bytes(&m, data, size, "f.st", err, sizeof err) == ATTN_OK);
        model_free(&m);
    } else {
        REQUIRE(zeroed(&m, sizeof m) && zeroed(&meta, sizeof meta));
    }
    model_st_free(&f);
    return 0;
}
