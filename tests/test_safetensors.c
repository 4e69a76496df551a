/* The safetensors reader/writer and model files: every refusal with the
 * problem named in its message, canonical and atomic writing, bit-identical
 * round trips, and the PyTorch-written fixture (if present) read by the
 * generic parser and carried through model_save / model_load.
 *
 * Usage: test_safetensors [FIXTURE_DIR]   (default tests/torch/fixtures)
 *        test_safetensors --write-corpus tests/fuzz/corpus/safetensors
 *        (rewrites the fuzzer's seed files; the same bytes every time) */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attnviz/model.h"
#include "attnviz/safetensors.h"
#include "attnviz/tokenize.h"
#include "check.h"

static char err[1024];

/* ---- helpers ---------------------------------------------------------------- */

/* A file from a header text and data bytes. */
static uint8_t *make_file(const char *header, const void *data, size_t data_len, size_t *len) {
    size_t n = strlen(header);
    uint8_t *b = malloc(8 + n + data_len + 1);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(b + 8, header, n);
    if (data_len) memcpy(b + 8 + n, data, data_len);
    *len = 8 + n + data_len;
    return b;
}

/* Parses header + data_len zero bytes; returns the status, message in err. */
static attn_status parse_text(const char *header, size_t data_len) {
    static uint8_t zeros[4096];
    size_t len;
    uint8_t *b = make_file(header, zeros, data_len, &len);
    model_st_file f;
    memset(err, 'X', sizeof err);
    attn_status st = model_st_parse(&f, b, len, "t.st", err, sizeof err);
    if (st != ATTN_OK) CHECK(f.n_tensors == 0 && f.tensors == NULL && f.storage == NULL);
    CHECKF(strchr(err, '\n') == NULL, "message has a newline: %s", err);
    CHECKF(attn_utf8_first_invalid(err, strlen(err)) == strlen(err), "not UTF-8: %s", err);
    model_st_free(&f);
    free(b);
    return st;
}

#define EXPECT_REFUSED(status, header, data_len, ...)                                              \
    do {                                                                                           \
        attn_status st_ = parse_text(header, data_len);                                           \
        CHECKF(st_ == (status), "%s: status %d, message: %s", header, (int)st_, err);             \
        const char *needles_[] = {__VA_ARGS__};                                                    \
        for (size_t k_ = 0; k_ < sizeof needles_ / sizeof *needles_; k_++)                         \
            CHECK_STR_CONTAINS(err, needles_[k_]);                                                 \
    } while (0)

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

/* model_st_write into memory. */
static attn_status write_mem(const model_st_tensor *t, size_t n, const model_st_meta *meta,
                             size_t n_meta, uint8_t **out, size_t *len) {
    char *p = NULL;
    size_t sz = 0;
    FILE *f = open_memstream(&p, &sz);
    attn_status st = model_st_write(f, t, n, meta, n_meta, "mem.st", err, sizeof err);
    fclose(f);
    *out = (uint8_t *)p;
    *len = sz;
    return st;
}

static int count_tmp_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp-")) n++;
    closedir(d);
    return n;
}

/* ---- the generic reader: every refusal ------------------------------------- */

static void test_parse_errors(void) {
    /* Too short, header length past the end, header over the limit. */
    {
        model_st_file f;
        uint8_t five[5] = {0};
        CHECK(model_st_parse(&f, five, 5, "t.st", err, sizeof err) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "t.st: the file is 5 bytes, shorter than the 8-byte");
        uint8_t b[20] = {0xE8, 0x03}; /* N = 1000 */
        CHECK(model_st_parse(&f, b, sizeof b, "t.st", err, sizeof err) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "header length 1000 runs past the end of the file");
        CHECK_STR_CONTAINS(err, "8 + 1000 > 20 bytes");
        uint8_t big[16] = {0x00, 0xC2, 0xEB, 0x0B}; /* 200 000 000 */
        CHECK(model_st_parse(&f, big, sizeof big, "t.st", err, sizeof err) == ATTN_ERR_LIMIT);
        CHECK_STR_CONTAINS(err, "header length 200000000 is over the limit of 100000000");
        uint8_t huge[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        CHECK(model_st_parse(&f, huge, sizeof huge, NULL, err, sizeof err) == ATTN_ERR_LIMIT);
        CHECK_STR_CONTAINS(err, "safetensors: header length 18446744073709551615");
    }
    /* JSON */
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"a\": }", 0, "t.st: the header is not valid JSON: line 1, column 7");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"a\":\n {\"dtype\": x}}", 0, "not valid JSON: line 2, column");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "[1, 2]", 0, "the header is a list, not an object");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "", 0, "not valid JSON");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"a\\u0000b\": 1}", 0, "not valid JSON");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"\xff\": 1}", 0, "not valid JSON");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"caf\xc3\xa9\xe2\x82\": 1}", 0, "not valid JSON",
                   "unable to decode byte 0xe2");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"t\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
                   "\"t\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                   0, "duplicate", "\"t\"");
    /* Entries */
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"wte\": 5}", 0, "tensor \"wte\": entry is an integer, not an object");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"wte\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4,
                   "tensor \"wte\" has no \"data_offsets\"");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"wte\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
                   "tensor \"wte\" has no \"dtype\"");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"wte\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4,
                   "tensor \"wte\" has no \"shape\"");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F128\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
                   "tensor \"wte\" has unknown dtype \"F128\"",
                   "known dtypes are BOOL, U8, I8, F8_E4M3, F8_E5M2, I16, U16, F16, BF16, I32, "
                   "U32, F32, I64, U64, F64");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"f32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
                   "unknown dtype \"f32\"");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": 4, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
                   "tensor \"wte\": dtype is an integer, not a string");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": 3, \"data_offsets\": [0, 12]}}", 12,
                   "tensor \"wte\": shape is an integer, not a list of non-negative integers");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [2, -1], \"data_offsets\": [0, 8]}}",
                   8, "tensor \"wte\": shape element 1 is -1");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 8]}}",
                   8, "tensor \"wte\": shape element 0 is a real number, not a non-negative integer");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}",
                   8, "shape element 0 is a string");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"U8\", \"shape\": [1,1,1,1,1,1,1,1,1], "
                   "\"data_offsets\": [0, 1]}}",
                   1, "tensor \"wte\": shape has 9 dimensions, more than the 8");
    /* In 32 bits (the browser) a dimension of 2^32 does not fit a size_t at all:
     * refused as such, before any product. */
    const char *too_big = sizeof(size_t) < 8 ? "more than a 32-bit size can count" : "overflows";
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"big\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 2], "
                   "\"data_offsets\": [0, 0]}}",
                   0, sizeof(size_t) < 8 ? "tensor \"big\": shape element 0 is 4294967296"
                                         : "tensor \"big\": shape [4294967296, 4294967296, 2] of F32 is too large",
                   too_big);
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"big\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904], "
                   "\"data_offsets\": [0, 0]}}",
                   0, "tensor \"big\"", too_big);
    /* A zero dimension makes any product zero: not an overflow (in 64 bits; in 32 the
     * 2^32 is refused first, above). */
    CHECK(parse_text("{\"e\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 0], "
                     "\"data_offsets\": [0, 0]}}",
                     0) == (sizeof(size_t) < 8 ? ATTN_ERR_INPUT : ATTN_OK));
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}",
                   24, "tensor \"wte\": shape [2, 3] of F32 needs 24 bytes",
                   "data_offsets [0, 20] hold 20");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 8,
                   "tensor \"wte\": data_offsets [8, 4] begin after they end");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [100], \"data_offsets\": [0, 400]}}",
                   24, "tensor \"wte\": data_offsets [0, 400] run past the end of the data (24 bytes)");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4,
                   "tensor \"wte\": data_offsets is not a list of two non-negative integers");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 4,
                   "data_offsets is not a list of two non-negative integers");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"wte\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": \"0-4\"}}", 4,
                   "data_offsets is not a list");
    /* Overlaps name both tensors, whatever their order in the header. */
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"b\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]},"
                   " \"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
                   24, "tensors \"a\" [0, 16] and \"b\" [8, 24] overlap");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"x\": {\"dtype\": \"U8\", \"shape\": [10], \"data_offsets\": [0, 10]},"
                   " \"y\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [2, 4]},"
                   " \"z\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [6, 8]}}",
                   10, "\"x\" [0, 10] and \"y\" [2, 4] overlap");
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"x\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]},"
                   " \"y\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}}",
                   4, "\"x\" [0, 4] and \"y\" [0, 4] overlap");
    /* Empty tensors overlap nothing; touching ones do not overlap; gaps are fine. */
    CHECK(parse_text("{\"x\": {\"dtype\": \"U8\", \"shape\": [10], \"data_offsets\": [0, 10]},"
                     " \"e\": {\"dtype\": \"F32\", \"shape\": [0, 3], \"data_offsets\": [4, 4]},"
                     " \"y\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [10, 12]},"
                     " \"z\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [14, 16]}}",
                     16) == ATTN_OK);
    /* ...but bytes after the last tensor belong to nothing: refused */
    EXPECT_REFUSED(ATTN_ERR_INPUT,
                   "{\"x\": {\"dtype\": \"U8\", \"shape\": [10], \"data_offsets\": [0, 10]}}", 14,
                   "t.st: 4 bytes after the last tensor's data");
    /* Metadata */
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"__metadata__\": {\"format\": \"pt\", \"seed\": 1}}", 0,
                   "t.st: metadata \"seed\" is an integer, not a string");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"__metadata__\": {\"k\": null}}", 0,
                   "metadata \"k\" is null, not a string");
    EXPECT_REFUSED(ATTN_ERR_INPUT, "{\"__metadata__\": [\"pt\"]}", 0,
                   "\"__metadata__\" is a list, not an object of strings");
    /* A name with control characters or of any length stays one short line. */
    {
        char h[600];
        snprintf(h, sizeof h,
                 "{\"a\\nb%0300d\": {\"dtype\": \"Q\", \"shape\": [], \"data_offsets\": [0, 0]}}", 7);
        CHECK(parse_text(h, 0) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "tensor \"a\\x0ab0000");
        CHECK_STR_CONTAINS(err, "...\" has unknown dtype \"Q\"");
        CHECK(strlen(err) < 400);
    }
    /* Tensor count limit: 100 001 empty tensors. */
    {
        size_t n = MODEL_ST_TENSORS_MAX + 1, cap = n * 64 + 16, o = 0;
        char *h = malloc(cap);
        h[o++] = '{';
        for (size_t i = 0; i < n; i++)
            o += (size_t)snprintf(h + o, cap - o,
                                  "%s\"t%zu\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}",
                                  i ? "," : "", i);
        h[o++] = '}';
        h[o] = '\0';
        CHECK(parse_text(h, 0) == ATTN_ERR_LIMIT);
        CHECK_STR_CONTAINS(err, "the header lists 100001 tensors, more than the limit of 100000");
        free(h);
    }
}

/* ---- the generic reader: what it returns ----------------------------------- */

/* Shapes whose product sits at the edge of size_t, written from its width so
 * the test means the same with a 32-bit size_t (the browser) as with 64.
 * JSON integers stop at 2^63 - 1, so the edges are products of two
 * dimensions: SIZE_MAX = (2^k - 1)(2^k + 1), k half the bits of size_t. */
static void test_shape_edges(void) {
    char h[400], want[200];
    size_t half = (size_t)1 << (sizeof(size_t) * 4); /* 2^k */
    /* SIZE_MAX one-byte elements: the product fits (refused later, for
     * data_offsets that do not hold that many bytes). */
    snprintf(h, sizeof h,
             "{\"edge\": {\"dtype\": \"U8\", \"shape\": [%zu, %zu], \"data_offsets\": [0, 0]}}",
             half - 1, half + 1);
    snprintf(want, sizeof want, "of U8 needs %zu bytes", SIZE_MAX);
    EXPECT_REFUSED(ATTN_ERR_INPUT, h, 0, want);
    /* One element more than fits: 2^k · 2^k = SIZE_MAX + 1. */
    snprintf(h, sizeof h,
             "{\"edge\": {\"dtype\": \"U8\", \"shape\": [%zu, %zu], \"data_offsets\": [0, 0]}}",
             half, half);
    snprintf(want, sizeof want, "its byte count overflows %d bits", (int)(sizeof(size_t) * 8));
    EXPECT_REFUSED(ATTN_ERR_INPUT, h, 0, "tensor \"edge\"", "is too large", want);
    /* The elements fit, their bytes do not: 2^(k-1) · 2^(k-1) F32 is
     * (SIZE_MAX + 1) / 4 elements of 4 bytes. */
    snprintf(h, sizeof h,
             "{\"edge\": {\"dtype\": \"F32\", \"shape\": [%zu, %zu], \"data_offsets\": [0, 0]}}",
             half / 2, half / 2);
    EXPECT_REFUSED(ATTN_ERR_INPUT, h, 0, "tensor \"edge\"", want);
    /* 65536 × 65536 F32 is 16 GiB: past 32 bits, fine in 64 (then refused
     * for its data). Either way it is refused, never wrapped to 0 bytes. */
    attn_status st = parse_text("{\"big\": {\"dtype\": \"F32\", \"shape\": [65536, 65536], "
                                "\"data_offsets\": [0, 0]}}",
                                0);
    CHECK(st == ATTN_ERR_INPUT);
    if (sizeof(size_t) == 8) CHECK_STR_CONTAINS(err, "needs 17179869184 bytes");
    else CHECK_STR_CONTAINS(err, "overflows 32 bits");
    /* An offset past what size_t counts is named as such in 32 bits; in 64,
     * JSON's integers stop first. */
    st = parse_text("{\"o\": {\"dtype\": \"U8\", \"shape\": [1], "
                    "\"data_offsets\": [4294967296, 4294967297]}}",
                    0);
    CHECK(st == ATTN_ERR_INPUT);
    if (sizeof(size_t) == 8) CHECK_STR_CONTAINS(err, "run past the end of the data");
    else CHECK_STR_CONTAINS(err, "data_offsets are more than a 32-bit size can count");
}

static void test_parse_ok(void) {
    float a[6] = {1, 2, 3, 4, 5, 6};
    int32_t ids[3] = {7, -8, 9};
    uint8_t data[64] = {0};
    memcpy(data + 1, a, sizeof a); /* unaligned on purpose */
    memcpy(data + 30, ids, sizeof ids);
    data[50] = 42;
    const char *h = "{\"__metadata__\": {\"format\": \"pt\", \"note\": \"caf\\u00e9\"},"
                    " \"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [1, 25]},"
                    " \"ids\": {\"dtype\": \"I32\", \"shape\": [3], \"data_offsets\": [30, 42]},"
                    " \"s\": {\"dtype\": \"U8\", \"shape\": [], \"data_offsets\": [50, 51]},"
                    " \"e\": {\"dtype\": \"BF16\", \"shape\": [0], \"data_offsets\": [64, 64],"
                    " \"extra\": true}}";
    size_t len;
    uint8_t *b = make_file(h, data, sizeof data, &len);
    model_st_file f;
    CHECKF(model_st_parse(&f, b, len, "ok.st", err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(f.n_tensors == 4 && f.n_meta == 2 && f.header_len == strlen(h));
    /* Sorted by name. */
    CHECK(strcmp(f.tensors[0].name, "e") == 0 && strcmp(f.tensors[1].name, "ids") == 0 &&
          strcmp(f.tensors[2].name, "s") == 0 && strcmp(f.tensors[3].name, "w") == 0);
    const model_st_tensor *w = model_st_find(&f, "w");
    CHECK(w && w->dtype == MODEL_ST_F32 && w->n_dims == 2 && w->shape[0] == 2 &&
          w->shape[1] == 3 && w->n_elements == 6 && w->nbytes == 24);
    CHECK(w && w->offset == 8 + strlen(h) + 1 && w->data == b + w->offset);
    float got[6];
    if (w) memcpy(got, w->data, sizeof got);
    CHECK(memcmp(got, a, sizeof a) == 0);
    const model_st_tensor *t = model_st_find(&f, "ids");
    int32_t gi[3];
    if (t) memcpy(gi, t->data, sizeof gi);
    CHECK(t && t->dtype == MODEL_ST_I32 && gi[1] == -8);
    t = model_st_find(&f, "s");
    CHECK(t && t->n_dims == 0 && t->n_elements == 1 && t->nbytes == 1 &&
          *(const uint8_t *)t->data == 42);
    t = model_st_find(&f, "e");
    CHECK(t && t->dtype == MODEL_ST_BF16 && t->n_elements == 0 && t->nbytes == 0);
    CHECK(model_st_find(&f, "nope") == NULL && model_st_find(&f, "") == NULL);
    CHECK(strcmp(model_st_meta_get(&f, "format"), "pt") == 0);
    CHECK(strcmp(model_st_meta_get(&f, "note"), "caf\xc3\xa9") == 0);
    CHECK(model_st_meta_get(&f, "missing") == NULL);
    model_st_free(&f);
    model_st_free(&f); /* harmless twice */
    free(b);

    /* Names and sizes of the dtypes. */
    CHECK(strcmp(model_st_dtype_name(MODEL_ST_BF16), "BF16") == 0);
    CHECK(model_st_dtype_size(MODEL_ST_F64) == 8 && model_st_dtype_size(MODEL_ST_F16) == 2);
    CHECK(model_st_dtype_name(MODEL_ST_DTYPES) == NULL && model_st_dtype_size(MODEL_ST_DTYPES) == 0);

    /* An empty object, and trailing spaces in the header, are a valid file. */
    CHECK(parse_text("{}", 0) == ATTN_OK);
    CHECK(parse_text("{}      ", 0) == ATTN_OK);
}

/* ---- the writer -------------------------------------------------------------- */

static void test_writer(void) {
    float w[6] = {1, -2, 3.5f, 0, -0.0f, 1e-30f};
    double d[2] = {3.141592653589793, -1e300};
    int32_t ids[3] = {0, 5, -1};
    uint8_t flag = 1;
    model_st_tensor t[5] = {
        {.name = "w", .dtype = MODEL_ST_F32, .n_dims = 2, .shape = {2, 3}, .data = w},
        {.name = "ids", .dtype = MODEL_ST_I32, .n_dims = 1, .shape = {3}, .data = ids},
        {.name = "d", .dtype = MODEL_ST_F64, .n_dims = 1, .shape = {2}, .data = d},
        {.name = "flag", .dtype = MODEL_ST_BOOL, .n_dims = 0, .data = &flag},
        {.name = "e\"mpty\n", .dtype = MODEL_ST_F32, .n_dims = 2, .shape = {0, 4}, .data = NULL},
    };
    model_st_meta meta[2] = {{"zeta", "last"}, {"Alpha", "quote \" and \\ and \t"}};
    uint8_t *b1, *b2, *b3;
    size_t l1, l2, l3;
    CHECKF(write_mem(t, 5, meta, 2, &b1, &l1) == ATTN_OK, "%s", err);

    /* Canonical header: "__metadata__" first, keys sorted, padded to 8. */
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | b1[i];
    CHECK(n % 8 == 0 && 8 + n <= l1);
    const char *want =
        "{\"__metadata__\":{\"Alpha\":\"quote \\\" and \\\\ and \\t\",\"zeta\":\"last\"},"
        "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
        "\"e\\\"mpty\\n\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[16,16]},"
        "\"flag\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[16,17]},"
        "\"ids\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[17,29]},"
        "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[29,53]}}";
    CHECKF(n >= strlen(want) && memcmp(b1 + 8, want, strlen(want)) == 0, "header: %.*s", (int)n,
           (const char *)b1 + 8);
    for (size_t i = strlen(want); i < n; i++) CHECK(b1[8 + i] == ' ');
    CHECK(l1 == 8 + n + 53);

    /* Any input order gives the same bytes. */
    model_st_tensor r[5] = {t[4], t[2], t[0], t[3], t[1]};
    model_st_meta rm[2] = {meta[1], meta[0]};
    CHECK(write_mem(r, 5, rm, 2, &b2, &l2) == ATTN_OK);
    CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);

    /* Read back: the same tensors; and written again, the same bytes. */
    model_st_file f;
    CHECKF(model_st_parse(&f, b1, l1, "mem.st", err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(f.n_tensors == 5 && f.n_meta == 2);
    for (int i = 0; i < 5; i++) {
        const model_st_tensor *g = model_st_find(&f, t[i].name);
        CHECKF(g != NULL, "%s", t[i].name);
        if (!g) continue;
        CHECK(g->dtype == t[i].dtype && g->n_dims == t[i].n_dims);
        CHECK(memcmp(g->shape, t[i].shape, t[i].n_dims * sizeof(size_t)) == 0);
        if (g->nbytes) CHECK(memcmp(g->data, t[i].data, g->nbytes) == 0);
    }
    CHECK(strcmp(model_st_meta_get(&f, "Alpha"), meta[1].value) == 0);
    CHECK(write_mem(f.tensors, f.n_tensors, f.meta, f.n_meta, &b3, &l3) == ATTN_OK);
    CHECK(l1 == l3 && memcmp(b1, b3, l1) == 0);
    model_st_free(&f);
    free(b1), free(b2), free(b3);

    /* No metadata: no "__metadata__" key; nothing at all: "{}" padded. */
    CHECK(write_mem(t, 1, NULL, 0, &b1, &l1) == ATTN_OK);
    CHECK(l1 > 9 && memcmp(b1 + 8, "{\"w\":", 5) == 0);
    free(b1);
    CHECK(write_mem(NULL, 0, NULL, 0, &b1, &l1) == ATTN_OK);
    CHECK(l1 == 16 && memcmp(b1 + 8, "{}      ", 8) == 0 && b1[0] == 8);
    free(b1);

    /* Refusals, before anything is written. */
    model_st_tensor dup[2] = {t[0], t[0]};
    CHECK(write_mem(dup, 2, NULL, 0, &b1, &l1) == ATTN_ERR_INPUT && l1 == 0);
    CHECK_STR_CONTAINS(err, "mem.st: two tensors are called \"w\"");
    free(b1);
    model_st_meta dmeta[2] = {{"k", "1"}, {"k", "2"}};
    CHECK(write_mem(t, 1, dmeta, 2, &b1, &l1) == ATTN_ERR_INPUT && l1 == 0);
    CHECK_STR_CONTAINS(err, "metadata key \"k\" is given twice");
    free(b1);
    model_st_tensor bad = t[0];
    bad.name = "__metadata__";
    CHECK(write_mem(&bad, 1, NULL, 0, &b1, &l1) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "may not be called \"__metadata__\"");
    free(b1);
    bad.name = "bad\xff";
    CHECK(write_mem(&bad, 1, NULL, 0, &b1, &l1) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "is not valid UTF-8");
    free(b1);
    model_st_meta umeta = {"k", "\xc3("};
    CHECK(write_mem(t, 1, &umeta, 1, &b1, &l1) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "metadata \"k\" is not valid UTF-8");
    free(b1);
    bad = t[0];
    bad.n_dims = 9;
    CHECK(write_mem(&bad, 1, NULL, 0, &b1, &l1) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "tensor \"w\" has 9 dimensions, more than 8");
    free(b1);
    /* half a size_t's bits a dimension: the product overflows in 32 bits (the browser) too */
    bad.n_dims = 3;
    bad.shape[0] = bad.shape[1] = bad.shape[2] = (size_t)1 << (sizeof(size_t) * 4);
    CHECK(write_mem(&bad, 1, NULL, 0, &b1, &l1) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "tensor \"w\": its byte count overflows");
    free(b1);
    bad = t[0];
    bad.dtype = (model_st_dtype)99;
    CHECK(write_mem(&bad, 1, NULL, 0, &b1, &l1) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "tensor \"w\" has unknown dtype 99");
    free(b1);
    bad = t[0];
    bad.data = NULL;
    CHECK(write_mem(&bad, 1, NULL, 0, &b1, &l1) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "tensor \"w\" has no data");
    free(b1);

    /* A write error names the output and errno's text. */
    FILE *full = fopen("/dev/full", "wb");
    if (full) {
        CHECK(model_st_write(full, t, 5, meta, 2, "full.st", err, sizeof err) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "full.st: cannot write: No space left on device");
        fclose(full);
    } else {
        printf("test_safetensors: note: no /dev/full, write error not tested\n");
    }
}

static void test_save_atomic(const char *dir) {
    float w[4] = {1, 2, 3, 4};
    model_st_tensor t = {.name = "w", .dtype = MODEL_ST_F32, .n_dims = 1, .shape = {4}, .data = w};
    char path[1100], sub[512];

    snprintf(path, sizeof path, "%s/a.st", dir);
    CHECKF(model_st_save(path, &t, 1, NULL, 0, err, sizeof err) == ATTN_OK, "%s", err);
    size_t len;
    uint8_t *b = read_all(path, &len);
    model_st_file f;
    CHECK(b && model_st_parse(&f, b, len, path, err, sizeof err) == ATTN_OK && f.n_tensors == 1);
    model_st_free(&f);
    free(b);
    CHECK(count_tmp_files(dir) == 0);

    /* A directory that does not exist: the path and errno's text, no file. */
    snprintf(path, sizeof path, "%s/no/such/dir/a.st", dir);
    CHECK(model_st_save(path, &t, 1, NULL, 0, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, "No such file or directory");
    CHECK(access(path, F_OK) != 0);

    /* A parent that is a file, not a directory. */
    snprintf(path, sizeof path, "%s/a.st/b.st", dir);
    CHECK(model_st_save(path, &t, 1, NULL, 0, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, "Not a directory");
    CHECK(count_tmp_files(dir) == 0);

    /* The path is a directory: refused before any temporary file. */
    snprintf(sub, sizeof sub, "%s/isdir.st", dir);
    mkdir(sub, 0755);
    CHECK(model_st_save(sub, &t, 1, NULL, 0, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, sub);
    CHECK_STR_CONTAINS(err, "a folder, not a file");
    CHECK(count_tmp_files(dir) == 0);
    rmdir(sub);

    /* A special file (a FIFO here, /dev/full in the wild) is never renamed
     * over: it stays what it was. */
    snprintf(sub, sizeof sub, "%s/fifo.st", dir);
    if (CHECK_POSIX_FILES) {
        CHECK(mkfifo(sub, 0600) == 0);
        CHECK(model_st_save(sub, &t, 1, NULL, 0, err, sizeof err) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "a device or other special file, not a file");
        struct stat fs;
        CHECK(stat(sub, &fs) == 0 && S_ISFIFO(fs.st_mode));
        CHECK(count_tmp_files(dir) == 0);
        unlink(sub);
    }

    /* A directory without write permission (root writes anyway: skip then). */
    snprintf(sub, sizeof sub, "%s/ro", dir);
    mkdir(sub, 0500);
    snprintf(path, sizeof path, "%s/a.st", sub);
    if (geteuid() != 0) {
        CHECK(model_st_save(path, &t, 1, NULL, 0, err, sizeof err) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, path);
        CHECK_STR_CONTAINS(err, "Permission denied");
        CHECK(count_tmp_files(sub) == 0 && access(path, F_OK) != 0);
    } else {
        printf("test_safetensors: note: running as root, read-only directory not tested\n");
    }
    rmdir(sub);

    /* A refused list creates no file at all. */
    snprintf(path, sizeof path, "%s/refused.st", dir);
    model_st_tensor dup[2] = {t, t};
    CHECK(model_st_save(path, dup, 2, NULL, 0, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK(access(path, F_OK) != 0 && count_tmp_files(dir) == 0);
}

/* ---- model files --------------------------------------------------------------- */

static const char *const WORDS[11] = {"<eot>", "<unk>", "the", "cat", "sat",  "on",
                                      "a",     "mat",   "dog", "ran", "caf\xc3\xa9"};

static int tiny_model(model *m, uint64_t seed) {
    model_config c = {.n_layers = 2, .n_heads = 2, .d_model = 8, .n_ctx = 8, .n_vocab = 11};
    model_vocab v;
    if (model_vocab_init(&v, WORDS, 11, err, sizeof err) != ATTN_OK) return 0;
    attn_status st = model_init(m, &c, &v, err, sizeof err);
    model_vocab_free(&v);
    if (st != ATTN_OK) return 0;
    model_init_gpt2(m, seed);
    /* Non-trivial biases and gains, so a mix-up of tensors shows. */
    for (size_t i = 0; i < m->n_params; i++) m->block[i] += 1e-3f * (float)(i % 97);
    return 1;
}

static int same_model(const model *a, const model *b) {
    if (memcmp(&a->config, &b->config, sizeof a->config) != 0) return 0;
    if (a->n_params != b->n_params || a->vocab.n != b->vocab.n) return 0;
    if (memcmp(a->block, b->block, a->n_params * sizeof(float)) != 0) return 0;
    for (size_t i = 0; i < a->vocab.n; i++)
        if (strcmp(a->vocab.words[i], b->vocab.words[i]) != 0) return 0;
    /* The stacking is the same too. */
    return b->params.fcproj_w - b->block == a->params.fcproj_w - a->block;
}

static int model_zeroed(const model *m) {
    model z;
    memset(&z, 0, sizeof z);
    return memcmp(m, &z, sizeof z) == 0;
}

/* The file model_save would write, built here from GPT-2's names as the
 * brief lists them (an independent spelling of the layout), so each test
 * can change one thing. */
typedef struct mfile {
    model_st_tensor t[64];
    char names[64][48];
    size_t n;
    model_st_meta meta[16];
    size_t n_meta;
    char nums[5][24];
    char vocab[512];
} mfile;

static void mfile_build(mfile *f, const model *m) {
    const model_config *c = &m->config;
    size_t d = c->d_model, L = c->n_layers;
    const model_params *p = &m->params;
    f->n = 0;
#define ADD(nm, ptr, d0, d1)                                                                       \
    do {                                                                                           \
        model_st_tensor *t_ = &f->t[f->n];                                                         \
        snprintf(f->names[f->n], 48, "%s", nm);                                                    \
        t_->name = f->names[f->n];                                                                 \
        t_->dtype = MODEL_ST_F32;                                                                  \
        t_->n_dims = (d1) != 0 ? 2 : 1;                                                               \
        t_->shape[0] = (d0), t_->shape[1] = (d1);                                                  \
        t_->data = (ptr);                                                                          \
        f->n++;                                                                                    \
    } while (0)
    ADD("wte.weight", p->wte, c->n_vocab, d);
    ADD("wpe.weight", p->wpe, c->n_ctx, d);
    for (size_t l = 0; l < L; l++) {
        char nm[48];
#define LAYER(suffix, ptr, d0, d1)                                                                 \
    snprintf(nm, sizeof nm, "h.%zu.%s", l, suffix);                                               \
    ADD(nm, (ptr) + l * (d0) * ((d1) != 0 ? (d1) : 1), d0, d1)
        LAYER("ln_1.weight", p->ln1_w, d, 0);
        LAYER("ln_1.bias", p->ln1_b, d, 0);
        LAYER("attn.c_attn.weight", p->attn_w, d, 3 * d);
        LAYER("attn.c_attn.bias", p->attn_b, 3 * d, 0);
        LAYER("attn.c_proj.weight", p->proj_w, d, d);
        LAYER("attn.c_proj.bias", p->proj_b, d, 0);
        LAYER("ln_2.weight", p->ln2_w, d, 0);
        LAYER("ln_2.bias", p->ln2_b, d, 0);
        LAYER("mlp.c_fc.weight", p->fc_w, d, 4 * d);
        LAYER("mlp.c_fc.bias", p->fc_b, 4 * d, 0);
        LAYER("mlp.c_proj.weight", p->fcproj_w, 4 * d, d);
        LAYER("mlp.c_proj.bias", p->fcproj_b, d, 0);
#undef LAYER
    }
    ADD("ln_f.weight", p->lnf_w, d, 0);
    ADD("ln_f.bias", p->lnf_b, d, 0);
#undef ADD
    const char *keys[5] = {"attnviz.n_layers", "attnviz.n_heads", "attnviz.d_model",
                           "attnviz.n_ctx", "attnviz.n_vocab"};
    size_t vals[5] = {c->n_layers, c->n_heads, c->d_model, c->n_ctx, c->n_vocab};
    f->n_meta = 0;
    f->meta[f->n_meta++] = (model_st_meta){"format", "pt"};
    for (int i = 0; i < 5; i++) {
        snprintf(f->nums[i], sizeof f->nums[i], "%zu", vals[i]);
        f->meta[f->n_meta++] = (model_st_meta){keys[i], f->nums[i]};
    }
    size_t o = 0;
    f->vocab[o++] = '[';
    for (size_t i = 0; i < m->vocab.n; i++)
        o += (size_t)snprintf(f->vocab + o, sizeof f->vocab - o, "%s\"%s\"", i ? "," : "",
                              m->vocab.words[i]);
    snprintf(f->vocab + o, sizeof f->vocab - o, "]");
    f->meta[f->n_meta++] = (model_st_meta){"attnviz.vocab", f->vocab};
}

static model_st_tensor *mfile_tensor(mfile *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0) return &f->t[i];
    return NULL;
}

static void mfile_remove(mfile *f, const char *name) {
    model_st_tensor *t = mfile_tensor(f, name);
    if (t) *t = f->t[--f->n];
}

static void mfile_set_meta(mfile *f, const char *key, const char *value) {
    for (size_t i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0) {
            if (value) f->meta[i].value = value;
            else f->meta[i] = f->meta[--f->n_meta];
            return;
        }
    if (value) f->meta[f->n_meta++] = (model_st_meta){key, value};
}

/* Writes f and loads it; the model must come back zeroed on failure. */
static attn_status mfile_load(const mfile *f, model *out) {
    uint8_t *b;
    size_t len;
    if (write_mem(f->t, f->n, f->meta, f->n_meta, &b, &len) != ATTN_OK) {
        fprintf(stderr, "mfile_load: write failed: %s\n", err);
        free(b);
        return ATTN_ERR_CONFIG;
    }
    memset(err, 'X', sizeof err);
    attn_status st = model_load_bytes(out, b, len, "m.st", err, sizeof err);
    if (st != ATTN_OK) CHECKF(model_zeroed(out), "model not zeroed after: %s", err);
    CHECKF(strchr(err, '\n') == NULL, "newline in: %s", err);
    free(b);
    return st;
}

#define EXPECT_LOAD_REFUSED(f, ...)                                                                \
    do {                                                                                           \
        model m_;                                                                                  \
        attn_status st_ = mfile_load(f, &m_);                                                      \
        CHECKF(st_ == ATTN_ERR_INPUT, "status %d: %s", (int)st_, err);                            \
        const char *needles_[] = {__VA_ARGS__};                                                    \
        for (size_t k_ = 0; k_ < sizeof needles_ / sizeof *needles_; k_++)                         \
            CHECK_STR_CONTAINS(err, needles_[k_]);                                                 \
        if (st_ == ATTN_OK) model_free(&m_);                                                       \
    } while (0)

static void test_model_round_trip(const char *dir) {
    model m, back;
    CHECKF(tiny_model(&m, 42), "%s", err);
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/m1.safetensors", dir);
    snprintf(p2, sizeof p2, "%s/m2.safetensors", dir);
    CHECKF(model_save(&m, p1, err, sizeof err) == ATTN_OK, "%s", err);
    CHECKF(model_save(&m, p2, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(count_tmp_files(dir) == 0);
    size_t l1, l2;
    uint8_t *b1 = read_all(p1, &l1), *b2 = read_all(p2, &l2);
    CHECK(b1 && b2 && l1 == l2 && memcmp(b1, b2, l1) == 0);

    /* The bytes are what the independent spelling above writes. */
    mfile f;
    mfile_build(&f, &m);
    uint8_t *b3;
    size_t l3;
    CHECK(write_mem(f.t, f.n, f.meta, f.n_meta, &b3, &l3) == ATTN_OK);
    CHECK(b1 && l1 == l3 && memcmp(b1, b3, l1) == 0);
    free(b3);

    CHECKF(model_load(&back, p1, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(same_model(&m, &back));
    CHECK(model_vocab_find(&back.vocab, "caf\xc3\xa9", 5) == 10);
    model_free(&back);
    CHECKF(model_load_bytes(&back, b1, l1, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(same_model(&m, &back));
    model_free(&back);
    free(b1), free(b2);

    /* Extra metadata: kept, returned, and the model's own keys refused. */
    const char *keys[3] = {"train.seed", "train.lr", "heads.roles"};
    const char *vals[3] = {"1234", "0.001", "[\"prev\",\"copy\"]"};
    CHECKF(model_save_meta(&m, p1, keys, vals, 3, err, sizeof err) == ATTN_OK, "%s", err);
    model_meta meta;
    CHECKF(model_load_meta(&back, p1, &meta, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(same_model(&m, &back));
    CHECK(meta.n == 3);
    for (int i = 0; i < 3; i++) {
        const char *v = model_meta_get(&meta, keys[i]);
        CHECKF(v && strcmp(v, vals[i]) == 0, "%s", keys[i]);
    }
    CHECK(model_meta_get(&meta, "attnviz.d_model") == NULL && model_meta_get(&meta, "x") == NULL);
    /* Saved again with what was read: the same file. */
    CHECK(model_save_meta(&back, p2, (const char *const *)meta.keys,
                          (const char *const *)meta.values, meta.n, err, sizeof err) == ATTN_OK);
    b1 = read_all(p1, &l1), b2 = read_all(p2, &l2);
    CHECK(b1 && b2 && l1 == l2 && memcmp(b1, b2, l1) == 0);
    free(b1), free(b2);
    model_meta_free(&meta);
    model_free(&back);
    /* Without extras, the meta comes back empty. */
    CHECK(model_save(&m, p1, err, sizeof err) == ATTN_OK);
    CHECK(model_load_meta(&back, p1, &meta, err, sizeof err) == ATTN_OK && meta.n == 0);
    model_meta_free(&meta);
    model_free(&back);

    const char *rk[1] = {"attnviz.vocab"}, *rv[1] = {"[]"};
    CHECK(model_save_meta(&m, p2, rk, rv, 1, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "metadata key \"attnviz.vocab\" is the model's own");
    const char *dk[2] = {"a", "a"}, *dv[2] = {"1", "2"};
    CHECK(model_save_meta(&m, p2, dk, dv, 2, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "metadata key \"a\" is given twice");

    /* Saving refuses NaN (model_load would) and leaves the old file. */
    m.params.fc_b[m.config.d_model * 4 + 5] = NAN;
    CHECK(model_save(&m, p1, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "not saved: tensor \"h.1.mlp.c_fc.bias\" has NaN at index 5");
    CHECK(model_load(&back, p1, err, sizeof err) == ATTN_OK);
    model_free(&back);

    /* Unwritable places. */
    snprintf(p2, sizeof p2, "%s/missing/m.safetensors", dir);
    m.params.fc_b[m.config.d_model * 4 + 5] = 0;
    CHECK(model_save(&m, p2, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, p2);
    CHECK_STR_CONTAINS(err, "No such file or directory");
    CHECK(count_tmp_files(dir) == 0);
    model_free(&m);
}

/* Every id an encoding gives is a word of the vocabulary: unknown words are
 * MODEL_TOKEN_UNK (1), so a vocabulary needs ids 0 and 1. */
static void test_vocab_unknown_id(void) {
    static const char *const words[2] = {"a", "b"};
    model_vocab v;
    CHECK(model_vocab_init(&v, words, 1, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "a vocabulary of 1 words is out of range: use 2 to");
    CHECK(v.n == 0 && v.words == NULL);
    CHECK(model_vocab_init(&v, words, 0, err, sizeof err) == ATTN_ERR_INPUT);
    CHECKF(model_vocab_init(&v, words, 2, err, sizeof err) == ATTN_OK, "%s", err);
    int32_t ids[4];
    size_t n = 0;
    CHECKF(model_vocab_encode(&v, "A b zzz", ids, NULL, 4, &n, err, sizeof err) == ATTN_OK, "%s",
           err);
    CHECK(n == 4 && ids[0] == MODEL_TOKEN_EOT && ids[1] == 0 && ids[2] == 1 &&
          ids[3] == MODEL_TOKEN_UNK && (size_t)ids[3] < v.n);
    model_vocab_free(&v);
}

static void test_model_load_errors(const char *dir) {
    model m;
    CHECKF(tiny_model(&m, 7), "%s", err);
    mfile f;
    char buf[600];

    /* Unchanged, it loads. */
    mfile_build(&f, &m);
    model ok;
    CHECKF(mfile_load(&f, &ok) == ATTN_OK, "%s", err);
    CHECK(same_model(&m, &ok));
    model_free(&ok);

    /* A file the generic reader refuses is refused with its message. */
    {
        model x;
        uint8_t junk[12] = {4, 0, 0, 0, 0, 0, 0, 0, '[', ']', ' ', ' '};
        CHECK(model_load_bytes(&x, junk, sizeof junk, "j.st", err, sizeof err) == ATTN_ERR_INPUT);
        CHECK_STR_CONTAINS(err, "j.st: the header is a list, not an object");
        CHECK(model_zeroed(&x));
    }

    /* Metadata sizes. */
    mfile_build(&f, &m);
    mfile_set_meta(&f, "attnviz.d_model", NULL);
    EXPECT_LOAD_REFUSED(&f, "m.st: metadata \"attnviz.d_model\" is missing");
    mfile_build(&f, &m);
    mfile_set_meta(&f, "attnviz.n_heads", "abc");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.n_heads\" is \"abc\", not a whole number");
    mfile_set_meta(&f, "attnviz.n_heads", "-2");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.n_heads\" is \"-2\"");
    mfile_set_meta(&f, "attnviz.n_heads", "2 ");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.n_heads\" is \"2 \"");
    mfile_set_meta(&f, "attnviz.n_heads", "");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.n_heads\" is \"\"");
    mfile_set_meta(&f, "attnviz.n_heads", "99999999999999999999999");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.n_heads\" is \"99999999999999999999999\"");
    mfile_set_meta(&f, "attnviz.n_heads", "3");
    EXPECT_LOAD_REFUSED(&f, "sizes in the metadata are not a valid model",
                        "heads 3 does not divide d_model 8");
    mfile_build(&f, &m);
    mfile_set_meta(&f, "attnviz.n_layers", "0");
    EXPECT_LOAD_REFUSED(&f, "layers 0 is out of range");

    /* Vocabulary. */
    mfile_build(&f, &m);
    mfile_set_meta(&f, "attnviz.vocab", NULL);
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.vocab\" is missing");
    mfile_set_meta(&f, "attnviz.vocab", "[\"a\", ");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.vocab\" is not valid JSON");
    mfile_set_meta(&f, "attnviz.vocab", "{\"a\": 1}");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.vocab\" is not a JSON list of words");
    mfile_set_meta(&f, "attnviz.vocab", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.vocab\" lists 10 words but \"attnviz.n_vocab\" says 11");
    mfile_set_meta(&f, "attnviz.vocab", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",7]");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.vocab\": word 10 is not a string");
    mfile_set_meta(&f, "attnviz.vocab", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"a\"]");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.vocab\": vocabulary word 10 (\"a\") appears twice");
    mfile_set_meta(&f, "attnviz.vocab", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"two words\"]");
    EXPECT_LOAD_REFUSED(&f, "metadata \"attnviz.vocab\": vocabulary word 10", "space or control");
    mfile_set_meta(&f, "attnviz.vocab", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"\"]");
    EXPECT_LOAD_REFUSED(&f, "vocabulary word 10 is empty");

    /* Missing tensors: the first in GPT-2's order is named. */
    mfile_build(&f, &m);
    mfile_remove(&f, "ln_f.bias");
    mfile_remove(&f, "h.1.ln_2.bias");
    EXPECT_LOAD_REFUSED(&f, "m.st: tensor \"h.1.ln_2.bias\" is missing");
    mfile_build(&f, &m);
    mfile_remove(&f, "wte.weight");
    EXPECT_LOAD_REFUSED(&f, "tensor \"wte.weight\" is missing");

    /* Unknown tensors are named; GPT-2's mask buffers are ignored. */
    float extra[64] = {0};
    mfile_build(&f, &m);
    f.t[f.n++] = (model_st_tensor){.name = "foo", .dtype = MODEL_ST_F32, .n_dims = 1,
                                   .shape = {2}, .data = extra};
    f.t[f.n++] = (model_st_tensor){.name = "h.2.ln_1.weight", .dtype = MODEL_ST_F32, .n_dims = 1,
                                   .shape = {8}, .data = extra};
    EXPECT_LOAD_REFUSED(&f, "unknown tensors \"foo\", \"h.2.ln_1.weight\"");
    mfile_build(&f, &m);
    const char *unknown[5] = {"a", "b", "h.01.ln_1.weight", "transformer.wte.weight", "z"};
    for (int i = 0; i < 5; i++)
        f.t[f.n++] = (model_st_tensor){.name = unknown[i], .dtype = MODEL_ST_U8, .n_dims = 1,
                                       .shape = {1}, .data = extra};
    EXPECT_LOAD_REFUSED(&f, "unknown tensors \"a\", \"b\", \"h.01.ln_1.weight\" and 2 more");
    mfile_build(&f, &m);
    f.t[f.n++] = (model_st_tensor){.name = "h.0.attn.bias", .dtype = MODEL_ST_F32, .n_dims = 4,
                                   .shape = {1, 1, 4, 4}, .data = extra};
    f.t[f.n++] = (model_st_tensor){.name = "h.1.attn.masked_bias", .dtype = MODEL_ST_F32,
                                   .n_dims = 0, .data = extra};
    f.t[f.n++] = (model_st_tensor){.name = "h.1.attn.bias", .dtype = MODEL_ST_U8, .n_dims = 1,
                                   .shape = {3}, .data = extra};
    CHECKF(mfile_load(&f, &ok) == ATTN_OK, "%s", err);
    CHECK(same_model(&m, &ok));
    model_free(&ok);
    f.t[f.n++] = (model_st_tensor){.name = "h.2.attn.bias", .dtype = MODEL_ST_U8, .n_dims = 1,
                                   .shape = {3}, .data = extra};
    EXPECT_LOAD_REFUSED(&f, "unknown tensor \"h.2.attn.bias\"");

    /* dtype and shape. */
    double d64[8] = {0};
    mfile_build(&f, &m);
    mfile_tensor(&f, "ln_f.bias")->dtype = MODEL_ST_F64;
    mfile_tensor(&f, "ln_f.bias")->data = d64;
    EXPECT_LOAD_REFUSED(&f, "tensor \"ln_f.bias\" is F64: only F32 tensors are read");
    mfile_build(&f, &m);
    model_st_tensor *t = mfile_tensor(&f, "wpe.weight");
    t->shape[0] = 4, t->shape[1] = 16;
    EXPECT_LOAD_REFUSED(&f, "tensor \"wpe.weight\" has shape [4, 16], expected [8, 8]");
    mfile_build(&f, &m);
    t = mfile_tensor(&f, "h.0.attn.c_attn.weight");
    t->n_dims = 1, t->shape[0] = 8 * 24;
    EXPECT_LOAD_REFUSED(&f, "tensor \"h.0.attn.c_attn.weight\" has shape [192], expected [8, 24]");
    mfile_build(&f, &m);
    t = mfile_tensor(&f, "h.1.mlp.c_fc.bias");
    t->shape[0] = 16;
    EXPECT_LOAD_REFUSED(&f, "tensor \"h.1.mlp.c_fc.bias\" has shape [16], expected [32]");

    /* NaN and Inf: tensor and first index. */
    float nanw[8 * 24];
    mfile_build(&f, &m);
    t = mfile_tensor(&f, "h.1.attn.c_attn.weight");
    memcpy(nanw, t->data, sizeof nanw);
    nanw[24 + 13] = NAN;
    nanw[100] = INFINITY;
    t->data = nanw;
    EXPECT_LOAD_REFUSED(&f, "tensor \"h.1.attn.c_attn.weight\" has NaN at index 37 (row 1, column 13)");
    float infb[8] = {0, 0, 0, -INFINITY, NAN};
    mfile_build(&f, &m);
    mfile_tensor(&f, "ln_f.bias")->data = infb;
    EXPECT_LOAD_REFUSED(&f, "tensor \"ln_f.bias\" has -Inf at index 3");

    /* Paths. */
    snprintf(buf, sizeof buf, "%s/none.safetensors", dir);
    CHECK(model_load(&ok, buf, err, sizeof err) == ATTN_ERR_INPUT && model_zeroed(&ok));
    CHECK_STR_CONTAINS(err, buf);
    CHECK_STR_CONTAINS(err, "cannot read: No such file or directory");
    CHECK(model_load(&ok, dir, err, sizeof err) == ATTN_ERR_INPUT && model_zeroed(&ok));
    CHECK_STR_CONTAINS(err, "is not a regular file (a folder): give a model file");
    /* A FIFO with no writer: refused at once, not waited on. */
    snprintf(buf, sizeof buf, "%s/fifo.safetensors", dir);
    if (CHECK_POSIX_FILES) {
        CHECK(mkfifo(buf, 0600) == 0);
        CHECK(model_load(&ok, buf, err, sizeof err) == ATTN_ERR_INPUT && model_zeroed(&ok));
        CHECK_STR_CONTAINS(err, "is not a regular file (a FIFO): give a model file");
        unlink(buf);
    }
    /* Over 2 GiB: a sparse file, refused before it is read. */
    snprintf(buf, sizeof buf, "%s/huge.safetensors", dir);
    FILE *h = fopen(buf, "wb");
    if (h && fseek(h, (long)((size_t)2 << 30), SEEK_SET) == 0 && fputc(0, h) != EOF) {
        fclose(h);
        CHECK(model_load(&ok, buf, err, sizeof err) == ATTN_ERR_LIMIT && model_zeroed(&ok));
        CHECK_STR_CONTAINS(err, "the file is 2147483649 bytes; model files over 2 GiB");
    } else {
        if (h) fclose(h);
        printf("test_safetensors: note: cannot make a sparse 2 GiB file, size limit not tested\n");
    }
    remove(buf);
    /* A truncated model file. */
    snprintf(buf, sizeof buf, "%s/t.safetensors", dir);
    CHECK(model_save(&m, buf, err, sizeof err) == ATTN_OK);
    if (truncate(buf, 2000) == 0) {
        CHECK(model_load(&ok, buf, err, sizeof err) == ATTN_ERR_INPUT && model_zeroed(&ok));
        CHECK_STR_CONTAINS(err, "is the file truncated?");
    }
    remove(buf);
    model_free(&m);
}

/* ---- the PyTorch-written fixture -------------------------------------------------- */

static size_t meta_num(const model_st_file *f, const char *key) {
    const char *s = model_st_meta_get(f, key);
    return s ? (size_t)strtoull(s, NULL, 10) : 0;
}

static void test_fixture(const char *fixtures, const char *file, const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fixtures, file);
    size_t len;
    uint8_t *b = read_all(path, &len);
    if (!b) {
        printf("test_safetensors: note: %s not there yet, fixture not tested\n", path);
        return;
    }
    model_st_file f;
    CHECKF(model_st_parse(&f, b, len, path, err, sizeof err) == ATTN_OK, "%s", err);
    model_config c = {meta_num(&f, "n_layers"), meta_num(&f, "n_heads"), meta_num(&f, "d_model"),
                      meta_num(&f, "n_ctx"), meta_num(&f, "n_vocab")};
    CHECKF(model_config_check(&c, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    size_t B = meta_num(&f, "batch"), T = meta_num(&f, "seq");

    /* Written packed in header order: the data is covered exactly once. */
    size_t total = 0, max_end = 0;
    int counts[MODEL_ST_DTYPES] = {0};
    for (size_t i = 0; i < f.n_tensors; i++) {
        total += f.tensors[i].nbytes;
        size_t end = f.tensors[i].offset + f.tensors[i].nbytes;
        if (end > max_end) max_end = end;
        counts[f.tensors[i].dtype]++;
    }
    CHECK(f.header_len % 8 == 0);
    CHECK(max_end == len && total == len - 8 - f.header_len);
    CHECK(counts[MODEL_ST_F32] == (int)(4 + 12 * c.n_layers) && counts[MODEL_ST_I32] == 2);
    CHECK(counts[MODEL_ST_F32] + counts[MODEL_ST_I32] + counts[MODEL_ST_F64] == (int)f.n_tensors);

    const model_st_tensor *tok = model_st_find(&f, "tokens");
    CHECK(tok && tok->dtype == MODEL_ST_I32 && tok->n_dims == 2 && tok->shape[0] == B &&
          tok->shape[1] == T);
    for (size_t i = 0; tok && i < tok->n_elements; i++) {
        int32_t v;
        memcpy(&v, (const uint8_t *)tok->data + 4 * i, 4);
        CHECK(v >= 0 && (size_t)v < c.n_vocab);
    }
    const model_st_tensor *loss = model_st_find(&f, "loss");
    double lv = 0;
    if (loss) memcpy(&lv, loss->data, 8);
    CHECK(loss && loss->dtype == MODEL_ST_F64 && loss->n_elements == 1 && lv > 0 && lv < 20);
    const model_st_tensor *grad = model_st_find(&f, "grad.h.1.attn.c_attn.weight");
    CHECK(grad && grad->dtype == MODEL_ST_F64 && grad->shape[0] == c.d_model &&
          grad->shape[1] == 3 * c.d_model);

    /* Its parameters, through a model: model_init, copy, save, load, compare. */
    const char **words = malloc(c.n_vocab * sizeof *words);
    char(*wbuf)[24] = malloc(c.n_vocab * 24);
    for (size_t i = 0; i < c.n_vocab; i++) {
        snprintf(wbuf[i], 24, "w%zu", i);
        words[i] = wbuf[i];
    }
    model_vocab v;
    model m, back;
    CHECK(model_vocab_init(&v, words, c.n_vocab, err, sizeof err) == ATTN_OK);
    CHECKF(model_init(&m, &c, &v, err, sizeof err) == ATTN_OK, "%s", err);
    model_vocab_free(&v);
    mfile *mf = malloc(sizeof *mf);
    mfile_build(mf, &m);
    size_t found = 0;
    for (size_t i = 0; i < mf->n; i++) {
        const model_st_tensor *src = model_st_find(&f, mf->t[i].name);
        if (!src || src->dtype != MODEL_ST_F32 || src->n_dims != mf->t[i].n_dims ||
            memcmp(src->shape, mf->t[i].shape, src->n_dims * sizeof(size_t)) != 0) {
            CHECKF(0, "fixture tensor %s missing or misshapen", mf->t[i].name);
            continue;
        }
        memcpy((void *)mf->t[i].data, src->data, src->nbytes);
        found++;
    }
    CHECK(found == 4 + 12 * c.n_layers);
    snprintf(path, sizeof path, "%s/from_torch.safetensors", dir);
    CHECKF(model_save(&m, path, err, sizeof err) == ATTN_OK, "%s", err);
    CHECKF(model_load(&back, path, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(same_model(&m, &back));
    mfile_build(mf, &back);
    for (size_t i = 0; i < mf->n; i++) {
        const model_st_tensor *src = model_st_find(&f, mf->t[i].name);
        CHECKF(src && memcmp(mf->t[i].data, src->data, src->nbytes) == 0, "%s", mf->t[i].name);
    }
    model_free(&back);
    model_free(&m);
    free(mf), free(words), free(wbuf);

    /* As a model file it is refused: its sizes are not under attnviz's keys. */
    snprintf(path, sizeof path, "%s/%s", fixtures, file);
    CHECK(model_load(&back, path, err, sizeof err) == ATTN_ERR_INPUT && model_zeroed(&back));
    CHECK_STR_CONTAINS(err, "metadata \"attnviz.");
    CHECK_STR_CONTAINS(err, "is missing: not an attnviz model file");
    model_st_free(&f);
    free(b);
}

/* ---- the fuzzer's seed corpus ------------------------------------------------------ */

static int put_file(const char *dir, const char *name, const uint8_t *b, size_t len) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(b, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "test_safetensors: cannot write %s\n", p);
        return 0;
    }
    return 1;
}

static int put_mfile(const char *dir, const char *name, const mfile *f) {
    uint8_t *b;
    size_t len;
    int ok = write_mem(f->t, f->n, f->meta, f->n_meta, &b, &len) == ATTN_OK &&
             put_file(dir, name, b, len);
    free(b);
    return ok;
}

static int put_text(const char *dir, const char *name, const char *header, size_t data_len) {
    static const uint8_t data[64] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    size_t len;
    uint8_t *b = make_file(header, data, data_len, &len);
    int ok = put_file(dir, name, b, len);
    free(b);
    return ok;
}

/* Small valid model and generic files, and broken variants of each (every
 * file under 64 kB). Deterministic: the same bytes on every run. */
static int write_corpus(const char *dir) {
    int ok = 1;
    model m1, m2;
    model_config c1 = {.n_layers = 1, .n_heads = 1, .d_model = 4, .n_ctx = 2, .n_vocab = 3};
    model_vocab v;
    ok &= model_vocab_init(&v, WORDS, 3, err, sizeof err) == ATTN_OK;
    ok &= model_init(&m1, &c1, &v, err, sizeof err) == ATTN_OK;
    model_vocab_free(&v);
    if (!ok || !tiny_model(&m2, 3)) {
        fprintf(stderr, "test_safetensors: %s\n", err);
        return 1;
    }
    model_init_gpt2(&m1, 1);
    mfile *f = malloc(sizeof *f);
    float extra[16] = {0}, nan4[4] = {1, NAN, 2, 3};

    /* Valid models. */
    mfile_build(f, &m1);
    ok &= put_mfile(dir, "model_l1.safetensors", f);
    mfile_build(f, &m2);
    mfile_set_meta(f, "train.seed", "3");
    mfile_set_meta(f, "heads.roles", "[\"prev\",\"copy\"]");
    f->t[f->n++] = (model_st_tensor){.name = "h.0.attn.bias", .dtype = MODEL_ST_F32, .n_dims = 4,
                                     .shape = {1, 1, 2, 2}, .data = extra};
    ok &= put_mfile(dir, "model_l2_meta.safetensors", f);
    /* Broken models. */
    mfile_build(f, &m1);
    mfile_tensor(f, "ln_f.bias")->data = nan4;
    ok &= put_mfile(dir, "bad_model_nan.safetensors", f);
    mfile_build(f, &m1);
    mfile_remove(f, "h.0.mlp.c_fc.bias");
    ok &= put_mfile(dir, "bad_model_missing.safetensors", f);
    mfile_build(f, &m1);
    f->t[f->n++] = (model_st_tensor){.name = "h.1.ln_1.weight", .dtype = MODEL_ST_F32,
                                     .n_dims = 1, .shape = {4}, .data = extra};
    ok &= put_mfile(dir, "bad_model_unknown.safetensors", f);
    mfile_build(f, &m1);
    mfile_tensor(f, "wpe.weight")->shape[0] = 1;
    mfile_tensor(f, "wpe.weight")->shape[1] = 8;
    ok &= put_mfile(dir, "bad_model_shape.safetensors", f);
    mfile_build(f, &m1);
    mfile_set_meta(f, "attnviz.vocab", "[\"a\",\"b\",\"a\"]");
    ok &= put_mfile(dir, "bad_model_vocab.safetensors", f);
    mfile_build(f, &m1);
    mfile_set_meta(f, "attnviz.n_heads", "3");
    ok &= put_mfile(dir, "bad_model_heads.safetensors", f);
    {
        uint8_t *b;
        size_t len;
        mfile_build(f, &m1);
        if (write_mem(f->t, f->n, f->meta, f->n_meta, &b, &len) == ATTN_OK)
            ok &= put_file(dir, "bad_model_truncated.safetensors", b, len - 7);
        free(b);
    }

    /* Generic files. */
    float w[6] = {1, -2, 3.5f, 0, -0.0f, 1e-30f};
    double d[2] = {3.141592653589793, -1e300};
    int32_t ids[3] = {0, 5, -1};
    uint8_t flag = 1;
    model_st_tensor t[5] = {
        {.name = "w", .dtype = MODEL_ST_F32, .n_dims = 2, .shape = {2, 3}, .data = w},
        {.name = "ids", .dtype = MODEL_ST_I32, .n_dims = 1, .shape = {3}, .data = ids},
        {.name = "d", .dtype = MODEL_ST_F64, .n_dims = 1, .shape = {2}, .data = d},
        {.name = "flag", .dtype = MODEL_ST_BOOL, .n_dims = 0, .data = &flag},
        {.name = "e\"mpty\n", .dtype = MODEL_ST_BF16, .n_dims = 2, .shape = {0, 4}},
    };
    model_st_meta meta[2] = {{"format", "pt"}, {"note", "caf\xc3\xa9"}};
    {
        uint8_t *b;
        size_t len;
        if (write_mem(t, 5, meta, 2, &b, &len) == ATTN_OK) ok &= put_file(dir, "generic.safetensors", b, len);
        free(b);
    }
    ok &= put_text(dir, "generic_gaps.safetensors",
                   "{\"x\":{\"dtype\":\"U8\",\"shape\":[10],\"data_offsets\":[0,10]},"
                   "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
                   "\"y\":{\"dtype\":\"I16\",\"shape\":[1,1],\"data_offsets\":[11,13]}}",
                   20);
    ok &= put_text(dir, "bad_overlap.safetensors",
                   "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                   24);
    ok &= put_text(dir, "bad_dtype.safetensors",
                   "{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16);
    ok &= put_text(dir, "bad_size.safetensors",
                   "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 24);
    ok &= put_text(dir, "bad_overflow.safetensors",
                   "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,2],"
                   "\"data_offsets\":[0,0]}}",
                   0);
    ok &= put_text(dir, "bad_json.safetensors", "{\"a\": {\"dtype\": ", 0);
    ok &= put_text(dir, "bad_meta.safetensors", "{\"__metadata__\":{\"seed\":1}}", 0);
    static const uint8_t past_end[12] = {0xE8, 0x03, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' '};
    ok &= put_file(dir, "bad_header_length.safetensors", past_end, sizeof past_end);
    ok &= put_file(dir, "bad_short.safetensors", past_end, 5);
    free(f);
    model_free(&m1);
    model_free(&m2);
    printf("test_safetensors: %s the seed corpus in %s\n", ok ? "wrote" : "FAILED writing", dir);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0) return write_corpus(argv[2]);
    const char *fixtures = argc > 1 ? argv[1] : "tests/torch/fixtures";
    char dir[] = "/tmp/test_safetensors.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_parse_errors();
    test_shape_edges();
    test_parse_ok();
    test_writer();
    test_save_atomic(dir);
    test_model_round_trip(dir);
    test_vocab_unknown_id();
    test_model_load_errors(dir);
    test_fixture(fixtures, "model_tiny.safetensors", dir);
    test_fixture(fixtures, "model_small.safetensors", dir);

    /* Leave nothing behind. */
    const char *files[] = {"a.st", "m1.safetensors", "m2.safetensors", "from_torch.safetensors"};
    char p[600];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        remove(p);
    }
    CHECKF(rmdir(dir) == 0, "%s left files behind: %s", dir, strerror(errno));
    return check_done("test_safetensors");
}
