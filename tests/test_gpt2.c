/* GPT-2 checkpoints (gpt2.h): the forward of files in Hugging Face's layout
 * against a float64 PyTorch forward (tests/torch/make_gpt2_fixtures.py),
 * the refusal of files that are not GPT-2-shaped, the search of a fake
 * Hugging Face cache, and a model without a word vocabulary. Usage:
 *   test_gpt2 FIXTURES_DIR [MORE_FIXTURE_DIRS...]
 * Each directory holds case folders (model.safetensors, config.json,
 * expected.safetensors); a large-vocabulary set written with --large can be
 * given as a second directory. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "attnviz/gpt2.h"
#include "attnviz/model.h"
#include "attnviz/safetensors.h"
#include "check.h"

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int write_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(bytes, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static double element(const model_st_tensor *t, size_t i) {
    double v;
    memcpy(&v, (const uint8_t *)t->data + i * 8, 8);
    return v;
}

/* Relative error of a tensor, normwise: ‖got − want‖₂ / ‖want‖₂ (the
 * measure for float32 code against a float64 oracle: one element near zero
 * in a row of large ones cannot hold float32's relative digits, and
 * residual streams of random weights cancel). *elem gets the worst element's
 * error over the tensor's largest |want|. NaN counts as the worst. */
static double worst_error_elem(const float *got, const model_st_tensor *want, size_t count,
                               double *elem) {
    double big = 0.0, diff2 = 0.0, want2 = 0.0, worst = 0.0;
    for (size_t i = 0; i < count; i++) big = fmax(big, fabs(element(want, i)));
    for (size_t i = 0; i < count; i++) {
        double w = element(want, i), e = (double)got[i] - w;
        diff2 += e * e;
        want2 += w * w;
        if (!(fabs(e) <= worst)) worst = fabs(e);
    }
    *elem = big > 0.0 ? worst / big : worst;
    double r = want2 > 0.0 ? sqrt(diff2 / want2) : sqrt(diff2);
    return r == r ? r : INFINITY;
}

/* normwise, and element-wise on the tensor's scale */
#define TOL 1e-5
#define TOL_ELEM 1e-5

static double worst_error(const float *got, const model_st_tensor *want, size_t count) {
    double elem, r = worst_error_elem(got, want, count, &elem);
    CHECKF(elem <= TOL_ELEM, "an element is off by %.3g of the tensor's largest value", elem);
    return r;
}

static void check_case(const char *dir) {
    char path[4096], err[512];
    model_gpt2_files files;
    CHECKF(model_gpt2_find(dir, NULL, NULL, &files, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(files.config[0] && !files.from_cache);
    model m;
    model_gpt2_info info;
    attn_status st = model_load_gpt2(&m, files.weights, 0, &info, err, sizeof err);
    CHECKF(st == ATTN_OK, "%s", err);
    if (st != ATTN_OK) return;
    snprintf(path, sizeof path, "%.4000s/expected.safetensors", dir);
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    model_st_file f;
    CHECKF(bytes && model_st_parse(&f, bytes, len, path, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(info.heads_from == MODEL_GPT2_HEADS_CONFIG && m.vocab.n == 0);
    CHECK(info.config.n_heads == (size_t)atoi(model_st_meta_get(&f, "n_head")));
    CHECK(info.config.n_layers == (size_t)atoi(model_st_meta_get(&f, "n_layer")));
    CHECK(strcmp(model_st_dtype_name(info.dtype), model_st_meta_get(&f, "dtype")) == 0);
    int prefixed = atoi(model_st_meta_get(&f, "prefixed"));
    CHECK(info.prefixed == prefixed && info.buffers_skipped == (prefixed ? 2 * m.config.n_layers : 0));

    const model_st_tensor *ids_t = model_st_find(&f, "ids");
    size_t n = ids_t->n_elements, d = m.config.d_model, H = m.config.n_heads, V = m.config.n_vocab;
    int32_t ids[256];
    memcpy(ids, ids_t->data, n * sizeof *ids);
    model_run last, all;
    CHECK(model_run_init_logits(&last, &m, n, MODEL_LOGITS_LAST, err, sizeof err) == ATTN_OK);
    CHECK(model_run_init(&all, &m, n, err, sizeof err) == ATTN_OK);
    CHECK(last.logit_rows == 1 && all.logit_rows == n);
    CHECKF(model_forward(&last, &m, ids, n, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    CHECKF(model_forward(&all, &m, ids, n, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(model_run_check(&last, &m, err, sizeof err) == ATTN_OK);
    double worst = 0.0;
    for (size_t l = 0; l < m.config.n_layers; l++) {
        char name[32];
        const attn_trace *t = &last.trace[l];
        const float *block = last.resid + (l + 1) * last.n_max * d;
        const struct {
            const char *stage;
            const float *got;
            size_t count;
        } stages[4] = {{"ln1", t->x, n * d},
                       {"attn", t->weights, H * n * n},
                       {"attn_out", t->output, n * d},
                       {"block", block, n * d}};
        for (int s = 0; s < 4; s++) {
            snprintf(name, sizeof name, "%s.%zu", stages[s].stage, l);
            const model_st_tensor *want = model_st_find(&f, name);
            CHECKF(want && want->n_elements == stages[s].count, "%s: %s", dir, name);
            if (!want) continue;
            double e = worst_error(stages[s].got, want, stages[s].count);
            CHECKF(e <= TOL, "%s: %s differs from PyTorch by %.3g relative", dir, name, e);
            worst = fmax(worst, e);
        }
    }
    const model_st_tensor *lw = model_st_find(&f, "logits_last");
    double e = worst_error(last.logits, lw, V);
    CHECKF(e <= TOL, "%s: the last position's logits differ from PyTorch by %.3g relative", dir, e);
    worst = fmax(worst, e);
    // the run of every position gives the same last row
    CHECK(memcmp(all.logits + (n - 1) * V, last.logits, V * sizeof(float)) == 0);
    printf("%s: %zu layers, %zu heads, d %zu, vocab %zu, %s%s: worst error %.2g\n", dir,
           m.config.n_layers, H, d, V, model_st_dtype_name(info.dtype),
           info.prefixed ? " prefixed" : "", worst);
    model_run_free(&last);
    model_run_free(&all);
    model_st_free(&f);
    free(bytes);
    model_free(&m);
}

static void check_cases(const char *root) {
    DIR *d = opendir(root);
    CHECKF(d != NULL, "cannot open %s", root);
    if (!d) return;
    struct dirent *e;
    int cases = 0;
    char dir[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(dir, sizeof dir, "%.3000s/%.255s", root, e->d_name);
        check_case(dir);
        cases++;
    }
    closedir(d);
    CHECKF(cases > 0, "no cases in %s", root);
}

/* ---- files that are not GPT-2-shaped ------------------------------------------ */

/* A checkpoint built from tensors in memory, in a file in tmp. */
typedef struct file_builder {
    model_st_tensor t[64];
    char names[64][64];
    size_t n;
} file_builder;

static void add(file_builder *b, const char *name, model_st_dtype dt, size_t d0, size_t d1,
                const void *data) {
    model_st_tensor *t = &b->t[b->n];
    snprintf(b->names[b->n], sizeof b->names[b->n], "%s", name);
    *t = (model_st_tensor){.name = b->names[b->n], .dtype = dt, .n_dims = d1 ? 2 : 1,
                           .shape = {d0, d1}, .data = data};
    b->n++;
}

static const float ZEROS[4 * 8 * 8 * 3] = {0};

/* A GPT-2 of L layers, d 8, vocab 5, context 4 in F32, all zeros (finite),
 * with pre before every name. */
static void tiny(file_builder *b, const char *pre, size_t L) {
    char n[64];
    memset(b, 0, sizeof *b);
    size_t d = 8;
    snprintf(n, sizeof n, "%swte.weight", pre), add(b, n, MODEL_ST_F32, 5, d, ZEROS);
    snprintf(n, sizeof n, "%swpe.weight", pre), add(b, n, MODEL_ST_F32, 4, d, ZEROS);
    for (size_t l = 0; l < L; l++) {
        const struct {
            const char *name;
            size_t d0, d1;
        } per[12] = {{"ln_1.weight", d, 0},        {"ln_1.bias", d, 0},
                     {"attn.c_attn.weight", d, 3 * d}, {"attn.c_attn.bias", 3 * d, 0},
                     {"attn.c_proj.weight", d, d}, {"attn.c_proj.bias", d, 0},
                     {"ln_2.weight", d, 0},        {"ln_2.bias", d, 0},
                     {"mlp.c_fc.weight", d, 4 * d}, {"mlp.c_fc.bias", 4 * d, 0},
                     {"mlp.c_proj.weight", 4 * d, d}, {"mlp.c_proj.bias", d, 0}};
        for (int k = 0; k < 12; k++) {
            snprintf(n, sizeof n, "%sh.%zu.%s", pre, l, per[k].name);
            add(b, n, MODEL_ST_F32, per[k].d0, per[k].d1, ZEROS);
        }
    }
    snprintf(n, sizeof n, "%sln_f.weight", pre), add(b, n, MODEL_ST_F32, d, 0, ZEROS);
    snprintf(n, sizeof n, "%sln_f.bias", pre), add(b, n, MODEL_ST_F32, d, 0, ZEROS);
}

static model_st_tensor *named(file_builder *b, const char *name) {
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->names[i], name) == 0) return &b->t[i];
    return NULL;
}

static void drop(file_builder *b, const char *name) {
    model_st_tensor *t = named(b, name);
    if (!t) return;
    size_t i = (size_t)(t - b->t);
    b->t[i] = b->t[b->n - 1];
    memcpy(b->names[i], b->names[b->n - 1], sizeof b->names[i]);
    b->t[i].name = b->names[i];
    b->n--;
}

/* Loads the builder's file (from bytes, heads 2) and checks the status and
 * that the message holds want. */
static void expect(file_builder *b, attn_status want_st, const char *want) {
    char *buf = NULL, err[512] = "";
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CHECK(model_st_write(mem, b->t, b->n, NULL, 0, "x", err, sizeof err) == ATTN_OK);
    fclose(mem);
    model m;
    attn_status st = model_load_gpt2_bytes(&m, (const uint8_t *)buf, len, "bad.safetensors", 2,
                                           NULL, err, sizeof err);
    CHECKF(st == want_st, "wanted status %d for \"%s\", got %d: %s", want_st, want, st, err);
    if (want_st != ATTN_OK) {
        CHECK_STR_CONTAINS(err, "bad.safetensors: ");
        CHECK_STR_CONTAINS(err, want);
        CHECK(strchr(err, '\n') == NULL && m.block == NULL);
    }
    model_free(&m);
    free(buf);
}

static void check_bad_files(void) {
    file_builder b;
    tiny(&b, "", 2);
    expect(&b, ATTN_OK, "");
    tiny(&b, "transformer.", 2);
    expect(&b, ATTN_OK, "");
    static const float mask[16] = {1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1};
    add(&b, "transformer.h.1.attn.bias", MODEL_ST_F32, 4, 4, mask);
    add(&b, "transformer.h.1.attn.masked_bias", MODEL_ST_F32, 1, 0, mask);
    expect(&b, ATTN_OK, "");
    add(&b, "h.0.ln_1.weight", MODEL_ST_F32, 8, 0, ZEROS); /* a key without the prefix */
    expect(&b, ATTN_ERR_INPUT, "unknown tensor \"h.0.ln_1.weight\"");

    tiny(&b, "", 2);
    drop(&b, "h.1.mlp.c_fc.bias");
    expect(&b, ATTN_ERR_INPUT, "tensor \"h.1.mlp.c_fc.bias\" is missing");
    tiny(&b, "", 2);
    drop(&b, "wte.weight");
    expect(&b, ATTN_ERR_INPUT, "\"wte.weight\" is missing: not a GPT-2 checkpoint");
    tiny(&b, "", 3); /* a layer gap: h.0 and h.2 but no h.1 */
    static const char *const per[12] = {
        "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
        "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
        "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};
    for (int k = 0; k < 12; k++) {
        char n[64];
        snprintf(n, sizeof n, "h.1.%s", per[k]);
        drop(&b, n);
    }
    CHECK(named(&b, "h.2.ln_1.weight") && !named(&b, "h.1.ln_1.weight"));
    expect(&b, ATTN_ERR_INPUT, "tensor \"h.1.ln_1.weight\" is missing");
    tiny(&b, "", 2);
    named(&b, "h.1.attn.c_attn.weight")->shape[1] = 16;
    expect(&b, ATTN_ERR_INPUT, "\"h.1.attn.c_attn.weight\" has shape [8, 16], expected [8, 24]");
    tiny(&b, "", 2);
    named(&b, "wpe.weight")->shape[1] = 4;
    expect(&b, ATTN_ERR_INPUT, "\"wpe.weight\" has shape [4, 4], expected [context, 8]");
    tiny(&b, "", 2);
    named(&b, "ln_f.bias")->dtype = MODEL_ST_I32;
    expect(&b, ATTN_ERR_INPUT, "\"ln_f.bias\" is I32: only F32, F16 and BF16");
    tiny(&b, "", 2);
    named(&b, "ln_f.bias")->dtype = MODEL_ST_F64;
    named(&b, "ln_f.bias")->shape[0] = 4;
    expect(&b, ATTN_ERR_INPUT, "\"ln_f.bias\" is F64");
    tiny(&b, "", 1);
    add(&b, "h.48.ln_1.weight", MODEL_ST_F32, 8, 0, ZEROS);
    expect(&b, ATTN_ERR_LIMIT, "\"h.48.ln_1.weight\" is in layer 48");
    tiny(&b, "", 1);
    add(&b, "lm_head.weight", MODEL_ST_F32, 5, 8, ZEROS); /* tied: a copy of wte */
    expect(&b, ATTN_OK, "");
    named(&b, "lm_head.weight")->data = mask;
    named(&b, "lm_head.weight")->shape[0] = 2;
    expect(&b, ATTN_ERR_INPUT, "\"lm_head.weight\" is not a copy of wte.weight");
    tiny(&b, "", 1);
    add(&b, "score.weight", MODEL_ST_F32, 2, 8, ZEROS);
    expect(&b, ATTN_ERR_INPUT, "unknown tensor \"score.weight\"");
    // a non-finite value: F16 +Inf (0x7c00) in ln_1.weight
    tiny(&b, "", 1);
    static const uint16_t inf16[8] = {0x3c00, 0x3c00, 0x7c00, 0, 0, 0, 0, 0};
    named(&b, "h.0.ln_1.weight")->dtype = MODEL_ST_F16;
    named(&b, "h.0.ln_1.weight")->data = inf16;
    expect(&b, ATTN_ERR_INPUT, "\"h.0.ln_1.weight\" has Inf at index 2");
    // 3 heads do not divide d 8
    tiny(&b, "", 1);
    char *buf = NULL, err[512];
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    model_st_write(mem, b.t, b.n, NULL, 0, "x", err, sizeof err);
    fclose(mem);
    model m;
    CHECK(model_load_gpt2_bytes(&m, (uint8_t *)buf, len, "t", 3, NULL, err, sizeof err) ==
          ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "3 heads");
    // d 8 is no family size: with no heads given, config.json is asked for
    CHECK(model_load_gpt2_bytes(&m, (uint8_t *)buf, len, "t", 0, NULL, err, sizeof err) ==
          ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "t: d_model 8 (from wte.weight) is not a GPT-2 family size");
    CHECK_STR_CONTAINS(err, "config.json");
    // a model without a word vocabulary: ids work, words are refused plainly
    model_gpt2_info info;
    CHECK(model_load_gpt2_bytes(&m, (uint8_t *)buf, len, "t", 2, &info, err, sizeof err) ==
          ATTN_OK);
    CHECK(m.vocab.n == 0 && info.heads_from == MODEL_GPT2_HEADS_GIVEN && info.file_bytes == len);
    int32_t ids[4] = {0, 4, 2, 1};
    size_t n_ids;
    CHECK(model_vocab_encode(&m.vocab, "a b", ids, NULL, 4, &n_ids, err, sizeof err) ==
          ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "no word vocabulary");
    CHECK(model_vocab_find(&m.vocab, "a", 1) == -1);
    model_run r;
    CHECK(model_run_init_logits(&r, &m, 4, MODEL_LOGITS_LAST, err, sizeof err) == ATTN_OK);
    CHECK(model_forward(&r, &m, ids, 4, NULL, err, sizeof err) == ATTN_OK);
    CHECK(model_run_loss(&r, &m, ids, 4) == 0.0); /* needs every row */
    model_run_free(&r);
    CHECK(model_save(&m, "/nonexistent/never.safetensors", err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "no word vocabulary");
    model_free(&m);
    free(buf);
    // model_init: no vocabulary (NULL or 0 words) is allowed; a wrong count is not
    model_config c = {.n_layers = 1, .n_heads = 2, .d_model = 8, .n_ctx = 4, .n_vocab = 5};
    CHECK(model_init(&m, &c, NULL, err, sizeof err) == ATTN_OK && m.vocab.n == 0);
    model_free(&m);
    model_vocab none = {0}, two;
    CHECK(model_init(&m, &c, &none, err, sizeof err) == ATTN_OK && m.vocab.n == 0);
    model_free(&m);
    const char *const words[2] = {"<eot>", "<unk>"};
    CHECK(model_vocab_init(&two, words, 2, err, sizeof err) == ATTN_OK);
    CHECK(model_init(&m, &c, &two, err, sizeof err) == ATTN_ERR_CONFIG);
    CHECK_STR_CONTAINS(err, "the vocabulary has 2 words but the model expects 5");
    model_vocab_free(&two);
}

/* Sparse files: the header of a big checkpoint over zeros the disk never
 * stores. A GPT-2 of d 768 (heads from the family size) and gpt2-xl's shape
 * (refused for its parameter count, before any value is read). */
static int sparse_gpt2(const char *path, size_t V, size_t C, size_t d, size_t L) {
    char(*names)[64] = calloc(4 + 12 * 48, 64);
    const char *per[12] = {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                           "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                           "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};
    const size_t shapes[12][2] = {{d, 0}, {d, 0}, {d, 3 * d}, {3 * d, 0}, {d, d}, {d, 0},
                                  {d, 0}, {d, 0}, {d, 4 * d}, {4 * d, 0}, {4 * d, d}, {d, 0}};
    size_t n = 0, offset = 0;
    char *header = malloc(200000);
    size_t o = (size_t)sprintf(header, "{");
    for (size_t k = 0; k < 4 + 12 * L; k++) {
        size_t d0, d1;
        if (k == 0) snprintf(names[n], 64, "wte.weight"), d0 = V, d1 = d;
        else if (k == 1) snprintf(names[n], 64, "wpe.weight"), d0 = C, d1 = d;
        else if (k == 2) snprintf(names[n], 64, "ln_f.weight"), d0 = d, d1 = 0;
        else if (k == 3) snprintf(names[n], 64, "ln_f.bias"), d0 = d, d1 = 0;
        else {
            size_t l = (k - 4) / 12, j = (k - 4) % 12;
            snprintf(names[n], 64, "h.%zu.%s", l, per[j]);
            d0 = shapes[j][0], d1 = shapes[j][1];
        }
        size_t bytes = d0 * (d1 ? d1 : 1) * 2;
        if (d1)
            o += (size_t)sprintf(header + o, "%s\"%s\":{\"dtype\":\"F16\",\"shape\":[%zu,%zu],"
                                 "\"data_offsets\":[%zu,%zu]}", n ? "," : "", names[n], d0, d1,
                                 offset, offset + bytes);
        else
            o += (size_t)sprintf(header + o, "%s\"%s\":{\"dtype\":\"F16\",\"shape\":[%zu],"
                                 "\"data_offsets\":[%zu,%zu]}", n ? "," : "", names[n], d0,
                                 offset, offset + bytes);
        offset += bytes;
        n++;
    }
    o += (size_t)sprintf(header + o, "}");
    while (o % 8) header[o++] = ' ';
    int ok = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        uint64_t hl = o;
        ok = write(fd, &hl, 8) == 8 && write(fd, header, o) == (ssize_t)o &&
             ftruncate(fd, (off_t)(8 + o + offset)) == 0;
        close(fd);
    }
    free(header);
    free(names);
    return ok;
}

static void check_sparse(const char *tmp) {
    char path[4096], err[512];
    model m;
    model_gpt2_info info;
    snprintf(path, sizeof path, "%s/d768.safetensors", tmp);
    CHECK(sparse_gpt2(path, 50257, 8, 768, 1));
    CHECKF(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(m.config.n_heads == 12 && info.heads_from == MODEL_GPT2_HEADS_FAMILY &&
          info.dtype == MODEL_ST_F16 && m.config.n_vocab == 50257 && m.config.n_ctx == 8);
    model_free(&m);
    // config.json beside it wins over the family size, and must agree
    char cfg[4096];
    snprintf(cfg, sizeof cfg, "%s/config.json", tmp);
    const char *six = "{\"n_head\": 6, \"n_embd\": 768}";
    CHECK(write_file(cfg, six, strlen(six)));
    CHECKF(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(m.config.n_heads == 6 && info.heads_from == MODEL_GPT2_HEADS_CONFIG);
    model_free(&m);
    const char *other = "{\"n_head\": 12, \"n_layer\": 12}";
    CHECK(write_file(cfg, other, strlen(other)));
    CHECK(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "config.json: \"n_layer\" is 12 but the h.N tensors give 1");
    CHECK(write_file(cfg, "{\"n_head\": ", 11));
    CHECK(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "config.json: not a JSON object");
    unlink(cfg);
#if SIZE_MAX > 0xFFFFFFFFu
    snprintf(path, sizeof path, "%s/xl.safetensors", tmp);
    CHECK(sparse_gpt2(path, 50257, 1024, 1600, 48));
    CHECK(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "48 layers of d_model 1600 have 1557611200 parameters, more than");
    CHECK_STR_CONTAINS(err, "gpt2-xl");
    unlink(path);
#else
    /* in 32 bits (the browser) GPT-2 small is read (its 124M parameters
     * over the limit for training, within the one for a model only run);
     * gpt2-medium is refused, and the message says so */
    snprintf(path, sizeof path, "%s/small.safetensors", tmp);
    CHECK(sparse_gpt2(path, 50257, 1024, 768, 12));
    CHECKF(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(m.n_params == 124439808 && m.config.n_heads == 12 && m.params.lnf_b[767] == 0.0f);
    model_free(&m);
    CHECK(sparse_gpt2(path, 50257, 1024, 1024, 24));
    CHECK(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "24 layers of d_model 1024 have 354823168 parameters, more than");
    CHECK_STR_CONTAINS(err, "GPT-2 small fits and gpt2-medium is over it: open it in the desktop");
    unlink(path);
#endif
    // limits, named with the tensor that gives the size
    snprintf(path, sizeof path, "%s/wide.safetensors", tmp);
    CHECK(sparse_gpt2(path, (size_t)MODEL_VOCAB_MAX + 1, 8, 768, 1));
    CHECK(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "wide.safetensors: tensor \"wte.weight\" has 262145 rows: a "
                            "vocabulary of 262145 is over attnviz's limit of 262144");
    CHECK(sparse_gpt2(path, 50257, (size_t)MODEL_CTX_MAX + 1, 768, 1));
    CHECK(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "tensor \"wpe.weight\" has 4097 rows: a context of 4097 is over");
    unlink(path);
    snprintf(path, sizeof path, "%s/d768.safetensors", tmp);
    unlink(path);
    CHECK(model_load_gpt2(&m, path, 0, &info, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "d768.safetensors: cannot read");
}

/* ---- the Hugging Face cache --------------------------------------------------- */

static void mkdirs(const char *path) {
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
}

static void touch(const char *path, time_t when) {
    CHECK(write_file(path, "x", 1));
    struct timeval tv[2] = {{when, 0}, {when, 0}};
    utimes(path, tv);
}

static void check_cache(const char *tmp_dir) {
    char p[4096], hf[600], tmp[512], err[1024];
    snprintf(tmp, sizeof tmp, "%.500s", tmp_dir);
    model_gpt2_files files;
    snprintf(hf, sizeof hf, "%.500s/hf", tmp);
    // nothing there: the message names both places and the download line
    CHECK(model_gpt2_find("gpt2", hf, "/nowhere", &files, err, sizeof err) == ATTN_ERR_INPUT);
    snprintf(p, sizeof p, "%s/hub/models--openai-community--gpt2 and %s/hub/models--gpt2", hf, hf);
    CHECK_STR_CONTAINS(err, p);
    CHECK_STR_CONTAINS(err, "huggingface-cli download openai-community/gpt2 model.safetensors "
                            "config.json vocab.json merges.txt");
    CHECK(model_gpt2_find("distilgpt2", NULL, tmp, &files, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "/.cache/huggingface/hub/models--distilbert--distilgpt2");
    CHECK_STR_CONTAINS(err, "huggingface-cli download distilbert/distilgpt2");
    CHECK(model_gpt2_find("gpt3", hf, NULL, &files, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "not a GPT-2 name");
    CHECK(model_gpt2_find("gpt2", NULL, NULL, &files, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "neither HF_HOME nor HOME");

    // models--gpt2 (old name), two snapshots, no refs: the newest
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/aaa", hf), mkdirs(p);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/bbb", hf), mkdirs(p);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/ccc", hf), mkdirs(p); /* no weights */
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/aaa/model.safetensors", hf), touch(p, 2000000000);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/bbb/model.safetensors", hf), touch(p, 1000000000);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/bbb/vocab.json", hf), touch(p, 1000000000);
    CHECKF(model_gpt2_find("gpt2", hf, NULL, &files, err, sizeof err) == ATTN_OK, "%s", err);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/aaa/model.safetensors", hf);
    /* the newest by its time, which node's file system does not let a test set */
    CHECK(!CHECK_POSIX_FILES ||
          (strcmp(files.weights, p) == 0 && files.from_cache && !files.vocab[0]));
    // refs/main names the snapshot to use
    snprintf(p, sizeof p, "%s/hub/models--gpt2/refs", hf), mkdirs(p);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/refs/main", hf);
    CHECK(write_file(p, "bbb\n", 4));
    CHECKF(model_gpt2_find("gpt2", hf, "/nowhere", &files, err, sizeof err) == ATTN_OK, "%s", err);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/bbb/vocab.json", hf);
    CHECK(strstr(files.weights, "/snapshots/bbb/model.safetensors") && strcmp(files.vocab, p) == 0);
    // HOME's cache when HF_HOME is unset; the org's name is preferred
    snprintf(p, sizeof p, "%s/.cache/huggingface/hub/models--openai-community--gpt2-medium/snapshots/x1", tmp);
    mkdirs(p);
    snprintf(p + strlen(p), sizeof p - strlen(p), "/model.safetensors");
    touch(p, 1500000000);
    snprintf(p, sizeof p, "%s/.cache/huggingface/hub/models--openai-community--gpt2-medium/snapshots/x1/config.json", tmp);
    touch(p, 1500000000);
    CHECKF(model_gpt2_find("gpt2-medium", "", tmp, &files, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(strstr(files.weights, "models--openai-community--gpt2-medium/snapshots/x1/") &&
          strcmp(files.config, p) == 0);
    // a folder, and a folder without the weights
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/bbb", hf);
    CHECK(model_gpt2_find(p, NULL, NULL, &files, err, sizeof err) == ATTN_OK && files.vocab[0] &&
          !files.from_cache);
    snprintf(p, sizeof p, "%s/hub/models--gpt2/snapshots/ccc", hf);
    CHECK(model_gpt2_find(p, NULL, NULL, &files, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "a folder without model.safetensors");
}

/* The cache as huggingface_hub lays it out: snapshot files are symbolic
 * links into blobs/. A real fixture, found by name and loaded, with its
 * config.json read through the link. */
static void check_cache_links(const char *tmp_dir, const char *fixtures) {
    char tmp[512], repo[700], p[4096], target[4096], err[1024];
    snprintf(tmp, sizeof tmp, "%.500s", tmp_dir);
    snprintf(repo, sizeof repo, "%s/links/hub/models--openai-community--gpt2-large", tmp);
    snprintf(p, sizeof p, "%s/blobs", repo), mkdirs(p);
    snprintf(p, sizeof p, "%s/snapshots/0123abc", repo), mkdirs(p);
    snprintf(p, sizeof p, "%s/refs", repo), mkdirs(p);
    snprintf(p, sizeof p, "%s/refs/main", repo);
    CHECK(write_file(p, "0123abc", 7)); /* no newline, as the hub writes it */
    const char *files[2] = {"model.safetensors", "config.json"};
    for (int i = 0; i < 2; i++) {
        size_t len;
        snprintf(p, sizeof p, "%.3000s/v80_d32_f16_prefixed/%s", fixtures, files[i]);
        uint8_t *bytes = read_file(p, &len);
        CHECK(bytes != NULL);
        snprintf(target, sizeof target, "%s/blobs/blob%d", repo, i);
        CHECK(bytes && write_file(target, bytes, len));
        free(bytes);
        snprintf(p, sizeof p, "%s/snapshots/0123abc/%s", repo, files[i]);
        snprintf(target, sizeof target, "../../blobs/blob%d", i);
        CHECK(symlink(target, p) == 0);
    }
    char hf[600];
    snprintf(hf, sizeof hf, "%s/links", tmp);
    model_gpt2_files found;
    CHECKF(model_gpt2_find("gpt2-large", hf, NULL, &found, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(found.from_cache && found.config[0] && !found.merges[0]);
    model m;
    model_gpt2_info info;
    CHECKF(model_load_gpt2(&m, found.weights, 0, &info, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(info.heads_from == MODEL_GPT2_HEADS_CONFIG && m.config.n_heads == 4 && info.prefixed);
    model_free(&m);
    // the snapshot folder itself loads as its model.safetensors
    snprintf(p, sizeof p, "%s/snapshots/0123abc", repo);
    CHECKF(model_load_gpt2(&m, p, 0, &info, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(m.config.n_vocab == 80 && m.config.d_model == 32);
    model_free(&m);
    // a FIFO is refused, not opened
    snprintf(p, sizeof p, "%s/fifo.safetensors", tmp);
    if (CHECK_POSIX_FILES) {
        CHECK(mkfifo(p, 0600) == 0);
        CHECK(model_load_gpt2(&m, p, 2, &info, err, sizeof err) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "is not a regular file (a FIFO)");
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_gpt2 FIXTURES_DIR [MORE_DIRS...]\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) check_cases(argv[i]);
    check_bad_files();
    char tmp[] = "/tmp/test_gpt2_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    check_sparse(tmp);
    check_cache(tmp);
    check_cache_links(tmp, argv[1]);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);
    return check_done("test_gpt2");
}
