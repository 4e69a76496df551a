/* The safetensors reader and writer (see include/attnviz/safetensors.h).
 * The reader hands the header to jansson, then checks every entry itself;
 * the writer builds the header by hand so the bytes are canonical. */
#define _POSIX_C_SOURCE 200809L
#include "attnviz/safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/checked.h"
#include "attnviz/file.h"
#include "attnviz/tokenize.h"
#include "model_private.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this reader hands out the file's bytes as they are"
#endif

static const struct {
    const char *name;
    size_t size;
} DTYPES[MODEL_ST_DTYPES] = {
    [MODEL_ST_BOOL] = {"BOOL", 1},       [MODEL_ST_U8] = {"U8", 1},
    [MODEL_ST_I8] = {"I8", 1},           [MODEL_ST_F8_E4M3] = {"F8_E4M3", 1},
    [MODEL_ST_F8_E5M2] = {"F8_E5M2", 1}, [MODEL_ST_I16] = {"I16", 2},
    [MODEL_ST_U16] = {"U16", 2},         [MODEL_ST_F16] = {"F16", 2},
    [MODEL_ST_BF16] = {"BF16", 2},       [MODEL_ST_I32] = {"I32", 4},
    [MODEL_ST_U32] = {"U32", 4},         [MODEL_ST_F32] = {"F32", 4},
    [MODEL_ST_I64] = {"I64", 8},         [MODEL_ST_U64] = {"U64", 8},
    [MODEL_ST_F64] = {"F64", 8},
};

static const char METADATA_KEY[] = "__metadata__";

const char *model_st_dtype_name(model_st_dtype t) {
    return (unsigned)t < MODEL_ST_DTYPES ? DTYPES[t].name : NULL;
}

size_t model_st_dtype_size(model_st_dtype t) {
    return (unsigned)t < MODEL_ST_DTYPES ? DTYPES[t].size : 0;
}

/* ---- messages -------------------------------------------------------------- */


/* A name quoted for a message: at most QUOTE_KEEP bytes of it (cut on a
 * UTF-8 boundary), control characters escaped, "..." if cut. */
#define QUOTE_KEEP 80
#define QUOTE_CAP (QUOTE_KEEP * 4 + 8)
static const char *quote(char buf[QUOTE_CAP], const char *s) {
    size_t o = 0, i = 0;
    buf[o++] = '"';
    for (; s[i] && i < QUOTE_KEEP; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, QUOTE_CAP - o, "\\x%02x", c);
        } else {
            if (c == '"' || c == '\\') buf[o++] = '\\';
            buf[o++] = (char)c;
        }
    }
    if (s[i]) {
        while (o > 1 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80) o--; /* continuation bytes */
        if (o > 1 && ((unsigned char)buf[o - 1] & 0xC0) == 0xC0) o--;    /* their lead byte */
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* "[2, 3]" for messages. */
static const char *shape_text(char buf[200], const size_t *shape, size_t n_dims) {
    size_t o = 0;
    buf[o++] = '[';
    for (size_t i = 0; i < n_dims; i++)
        o += (size_t)snprintf(buf + o, 200 - o, "%s%zu", i ? ", " : "", shape[i]);
    buf[o++] = ']';
    buf[o] = '\0';
    return buf;
}

static const char *known_dtypes(char buf[160]) {
    size_t o = 0;
    for (int t = 0; t < MODEL_ST_DTYPES; t++)
        o += (size_t)snprintf(buf + o, 160 - o, "%s%s", t ? ", " : "", DTYPES[t].name);
    return buf;
}

/* Elements and bytes of a shape; 0 when either does not fit a size_t (a
 * shape comes from the file: [65536, 65536] of F32 is 16 GiB, which wraps
 * around to 0 in 32 bits). A shape with a zero dimension has zero elements
 * whatever the others are. */
static int shape_bytes(const size_t *shape, size_t n_dims, size_t elem_size, size_t *n_elements,
                       size_t *nbytes) {
    size_t n = 1;
    for (size_t i = 0; i < n_dims; i++)
        if (shape[i] == 0) n = 0;
    for (size_t i = 0; n && i < n_dims; i++)
        if (!attn_size_mul(&n, n, shape[i])) return 0;
    size_t bytes;
    if (!attn_size_mul(&bytes, n, elem_size)) return 0;
    *n_elements = n;
    *nbytes = bytes;
    return 1;
}

/* ---- reader ---------------------------------------------------------------- */

static int cmp_tensor_name(const void *a, const void *b) {
    return strcmp(((const model_st_tensor *)a)->name, ((const model_st_tensor *)b)->name);
}

static int cmp_meta_key(const void *a, const void *b) {
    return strcmp(((const model_st_meta *)a)->key, ((const model_st_meta *)b)->key);
}

/* Data order for the overlap check; ties by name so the message is stable. */
static int cmp_tensor_ptr_offset(const void *a, const void *b) {
    const model_st_tensor *x = *(const model_st_tensor *const *)a;
    const model_st_tensor *y = *(const model_st_tensor *const *)b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* A non-negative integer that fits size_t: 1; not a non-negative integer:
 * 0; one too large for size_t (only where size_t is 32 bits): -1. */
static int json_size(const json_t *v, size_t *out) {
    if (!json_is_integer(v)) return 0;
    json_int_t i = json_integer_value(v);
    if (i < 0) return 0;
    if ((unsigned long long)i > SIZE_MAX) return -1;
    *out = (size_t)i;
    return 1;
}

static char *store(char **cursor, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = *cursor;
    memcpy(p, s, n);
    *cursor += n;
    return p;
}

typedef struct parse_ctx {
    const char *file;
    char *err;
    size_t err_len;
} parse_ctx;

static attn_status parse_metadata(parse_ctx *c, json_t *obj, model_st_file *f, char **cursor) {
    if (!json_is_object(obj))
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: \"__metadata__\" is %s, not an object of strings", c->file,
                    json_kind(obj));
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char q[QUOTE_CAP];
        if (!json_is_string(v))
            return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                        "%s: metadata %s is %s, not a string: metadata values are strings",
                        c->file, quote(q, key), json_kind(v));
        model_st_meta *m = &f->meta[f->n_meta++];
        m->key = store(cursor, key);
        m->value = store(cursor, json_string_value(v));
    }
    return ATTN_OK;
}

static attn_status parse_tensor(parse_ctx *c, const char *key, json_t *entry, size_t data_start,
                                size_t data_len, model_st_tensor *t) {
    char q[QUOTE_CAP], sh[200];
    const char *name = quote(q, key);
    if (!json_is_object(entry))
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: entry is %s, not an object with dtype, shape and "
                    "data_offsets",
                    c->file, name, json_kind(entry));
    static const char *const KEYS[3] = {"dtype", "shape", "data_offsets"};
    json_t *vals[3];
    for (int k = 0; k < 3; k++) {
        vals[k] = json_object_get(entry, KEYS[k]);
        if (!vals[k])
            return model_fail(ATTN_ERR_INPUT, c->err, c->err_len, "%s: tensor %s has no \"%s\"",
                        c->file, name, KEYS[k]);
    }

    /* dtype */
    if (!json_is_string(vals[0])) {
        char known[160];
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: dtype is %s, not a string: use one of %s", c->file, name,
                    json_kind(vals[0]), known_dtypes(known));
    }
    const char *dtype = json_string_value(vals[0]);
    int found = -1;
    for (int d = 0; d < MODEL_ST_DTYPES; d++)
        if (strcmp(dtype, DTYPES[d].name) == 0) found = d;
    if (found < 0) {
        char q2[QUOTE_CAP], known[160];
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s has unknown dtype %s: known dtypes are %s", c->file, name,
                    quote(q2, dtype), known_dtypes(known));
    }
    t->dtype = (model_st_dtype)found;

    /* shape */
    json_t *shape = vals[1];
    if (!json_is_array(shape))
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: shape is %s, not a list of non-negative integers", c->file,
                    name, json_kind(shape));
    size_t n_dims = json_array_size(shape);
    if (n_dims > MODEL_ST_DIMS_MAX)
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: shape has %zu dimensions, more than the %d this reader "
                    "takes",
                    c->file, name, n_dims, MODEL_ST_DIMS_MAX);
    for (size_t i = 0; i < n_dims; i++) {
        json_t *d = json_array_get(shape, i);
        int got = json_size(d, &t->shape[i]);
        if (got < 0)
            return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                              "%s: tensor %s: shape element %zu is %lld, more than a %d-bit "
                              "size can count: the tensor is too large for this machine",
                              c->file, name, i, (long long)json_integer_value(d),
                              ATTN_SIZE_BITS);
        if (!got) {
            if (json_is_integer(d))
                return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                            "%s: tensor %s: shape element %zu is %lld: sizes are non-negative "
                            "integers",
                            c->file, name, i, (long long)json_integer_value(d));
            return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                        "%s: tensor %s: shape element %zu is %s, not a non-negative integer",
                        c->file, name, i, json_kind(d));
        }
    }
    t->n_dims = n_dims;
    if (!shape_bytes(t->shape, n_dims, DTYPES[t->dtype].size, &t->n_elements, &t->nbytes))
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: shape %s of %s is too large: its byte count overflows "
                    "%d bits",
                    c->file, name, shape_text(sh, t->shape, n_dims), dtype, ATTN_SIZE_BITS);

    /* data_offsets */
    json_t *offs = vals[2];
    size_t begin = 0, end = 0;
    int got_begin = 0, got_end = 0;
    if (json_is_array(offs) && json_array_size(offs) == 2) {
        got_begin = json_size(json_array_get(offs, 0), &begin);
        got_end = json_size(json_array_get(offs, 1), &end);
    }
    if (got_begin < 0 || got_end < 0)
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                          "%s: tensor %s: data_offsets are more than a %d-bit size can count: "
                          "the file is too large for this machine",
                          c->file, name, ATTN_SIZE_BITS);
    if (got_begin != 1 || got_end != 1)
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: data_offsets is not a list of two non-negative integers "
                    "[begin, end]",
                    c->file, name);
    if (begin > end)
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: data_offsets [%zu, %zu] begin after they end", c->file, name,
                    begin, end);
    if (end > data_len)
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: data_offsets [%zu, %zu] run past the end of the data "
                    "(%zu bytes): is the file truncated?",
                    c->file, name, begin, end, data_len);
    if (end - begin != t->nbytes)
        return model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                    "%s: tensor %s: shape %s of %s needs %zu bytes but data_offsets [%zu, %zu] "
                    "hold %zu",
                    c->file, name, shape_text(sh, t->shape, n_dims), dtype, t->nbytes, begin,
                    end, end - begin);
    t->offset = data_start + begin;
    return ATTN_OK;
}

/* Two tensors whose data share a byte: sort by offset and compare each one
 * with the furthest-reaching earlier one. Empty tensors overlap nothing. */
static attn_status check_overlaps(parse_ctx *c, model_st_file *f) {
    if (f->n_tensors < 2) return ATTN_OK;
    model_st_tensor **by_offset = malloc(f->n_tensors * sizeof *by_offset);
    if (!by_offset)
        return model_fail(ATTN_ERR_NOMEM, c->err, c->err_len, "%s: out of memory sorting %zu tensors",
                    c->file, f->n_tensors);
    for (size_t i = 0; i < f->n_tensors; i++) by_offset[i] = &f->tensors[i];
    qsort(by_offset, f->n_tensors, sizeof *by_offset, cmp_tensor_ptr_offset);
    const model_st_tensor *reach = NULL; /* non-empty, largest end so far */
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < f->n_tensors; i++) {
        const model_st_tensor *t = by_offset[i];
        if (t->nbytes == 0) continue;
        if (reach && t->offset < reach->offset + reach->nbytes) {
            char q1[QUOTE_CAP], q2[QUOTE_CAP];
            size_t base = 8 + f->header_len;
            st = model_fail(ATTN_ERR_INPUT, c->err, c->err_len,
                      "%s: tensors %s [%zu, %zu] and %s [%zu, %zu] overlap: each tensor needs "
                      "its own bytes",
                      c->file, quote(q1, reach->name), reach->offset - base,
                      reach->offset - base + reach->nbytes, quote(q2, t->name), t->offset - base,
                      t->offset - base + t->nbytes);
            break;
        }
        if (!reach || t->offset + t->nbytes > reach->offset + reach->nbytes) reach = t;
    }
    free(by_offset);
    return st;
}

attn_status model_st_parse(model_st_file *f, const uint8_t *bytes, size_t len, const char *name,
                           char *err, size_t err_len) {
    memset(f, 0, sizeof *f);
    if (err && err_len) err[0] = '\0';
    parse_ctx c = {name ? name : "safetensors", err, err_len};
    if (len < 8)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: the file is %zu bytes, shorter than the 8-byte header length of a "
                    "safetensors file",
                    c.file, len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | bytes[i];
    if (n > MODEL_ST_HEADER_MAX)
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                    "%s: header length %llu is over the limit of %zu bytes: not a safetensors "
                    "file, or a corrupt one",
                    c.file, (unsigned long long)n, MODEL_ST_HEADER_MAX);
    if (n > len - 8)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: header length %llu runs past the end of the file: 8 + %llu > %zu "
                    "bytes: is the file truncated?",
                    c.file, (unsigned long long)n, (unsigned long long)n, len);
    size_t header_len = (size_t)n, data_start = 8 + header_len, data_len = len - data_start;

    json_error_t jerr;
    json_t *root = json_loadb((const char *)bytes + 8, header_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "%s: the header is not valid JSON: line %d, column %d: %s", c.file,
                    jerr.line, jerr.column, jerr.text);
    attn_status st = ATTN_OK;
    if (!json_is_object(root)) {
        st = model_fail(ATTN_ERR_INPUT, err, err_len,
                  "%s: the header is %s, not an object of tensors", c.file, json_kind(root));
        goto done;
    }

    /* Count and size everything first: one allocation of each kind. */
    json_t *meta = json_object_get(root, METADATA_KEY);
    size_t n_tensors = json_object_size(root) - (meta ? 1 : 0);
    if (n_tensors > MODEL_ST_TENSORS_MAX) {
        st = model_fail(ATTN_ERR_LIMIT, err, err_len,
                  "%s: the header lists %zu tensors, more than the limit of %zu", c.file,
                  n_tensors, MODEL_ST_TENSORS_MAX);
        goto done;
    }
    size_t n_meta = meta && json_is_object(meta) ? json_object_size(meta) : 0;
    size_t chars = 0;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (v == meta) continue;
        chars += strlen(key) + 1;
    }
    if (n_meta) {
        json_object_foreach(meta, key, v) {
            chars += strlen(key) + 1;
            if (json_is_string(v)) chars += strlen(json_string_value(v)) + 1;
        }
    }
    f->tensors = calloc(n_tensors ? n_tensors : 1, sizeof *f->tensors);
    f->meta = calloc(n_meta ? n_meta : 1, sizeof *f->meta);
    f->storage = malloc(chars ? chars : 1);
    if (!f->tensors || !f->meta || !f->storage) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory reading %zu tensors", c.file,
                  n_tensors);
        goto done;
    }
    f->header_len = header_len;
    char *cursor = f->storage;

    json_object_foreach(root, key, v) {
        if (v == meta) {
            st = parse_metadata(&c, meta, f, &cursor);
        } else {
            model_st_tensor *t = &f->tensors[f->n_tensors];
            st = parse_tensor(&c, key, v, data_start, data_len, t);
            if (st == ATTN_OK) {
                t->name = store(&cursor, key);
                t->data = bytes + t->offset;
                f->n_tensors++;
            }
        }
        if (st != ATTN_OK) goto done;
    }
    qsort(f->tensors, f->n_tensors, sizeof *f->tensors, cmp_tensor_name);
    qsort(f->meta, f->n_meta, sizeof *f->meta, cmp_meta_key);
    st = check_overlaps(&c, f);
    if (st == ATTN_OK) {
        /* Bytes past the last tensor belong to nothing: a damaged or
         * appended file (the reference reader refuses them too). */
        size_t used = 0;
        for (size_t i = 0; i < f->n_tensors; i++) {
            size_t tend = f->tensors[i].offset - data_start + f->tensors[i].nbytes;
            if (tend > used) used = tend;
        }
        if (data_len > used)
            st = model_fail(ATTN_ERR_INPUT, err, err_len,
                      "%s: %zu bytes after the last tensor's data, which the header does not "
                      "describe: a damaged or appended file",
                      c.file, data_len - used);
    }

done:
    json_decref(root);
    if (st != ATTN_OK) model_st_free(f);
    return st;
}

void model_st_free(model_st_file *f) {
    free(f->tensors);
    free(f->meta);
    free(f->storage);
    memset(f, 0, sizeof *f);
}

const model_st_tensor *model_st_find(const model_st_file *f, const char *name) {
    if (!f->n_tensors) return NULL;
    model_st_tensor probe = {.name = name};
    return bsearch(&probe, f->tensors, f->n_tensors, sizeof probe, cmp_tensor_name);
}

const char *model_st_meta_get(const model_st_file *f, const char *key) {
    if (!f->n_meta) return NULL;
    model_st_meta probe = {.key = key};
    const model_st_meta *m = bsearch(&probe, f->meta, f->n_meta, sizeof probe, cmp_meta_key);
    return m ? m->value : NULL;
}

/* ---- writer ---------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

static void buf_put(buf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (n > cap - b->len) {
            if (cap > SIZE_MAX / 2) {
                b->oom = 1;
                return;
            }
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void buf_str(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_size(buf *b, size_t v) {
    char tmp[32];
    buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%zu", v));
}

/* A JSON string (the text is valid UTF-8, checked before). */
static void buf_json_string(buf *b, const char *s) {
    buf_put(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        buf_put(b, run, (size_t)(s - run));
        char esc[8];
        switch (c) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        case '\b': buf_put(b, "\\b", 2); break;
        case '\f': buf_put(b, "\\f", 2); break;
        default: buf_put(b, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c)); break;
        }
        run = s + 1;
    }
    buf_put(b, run, (size_t)(s - run));
    buf_put(b, "\"", 1);
}

static int utf8_ok(const char *s) { return attn_utf8_first_invalid(s, strlen(s)) == strlen(s); }

static int cmp_tensor_ptr_name(const void *a, const void *b) {
    return strcmp((*(const model_st_tensor *const *)a)->name,
                  (*(const model_st_tensor *const *)b)->name);
}

static int cmp_meta_ptr_key(const void *a, const void *b) {
    return strcmp((*(const model_st_meta *const *)a)->key,
                  (*(const model_st_meta *const *)b)->key);
}

/* Checks the lists and builds the header (padded) and the data order. */
static attn_status build_header(const model_st_tensor *tensors, size_t n, const model_st_meta *meta,
                                size_t n_meta, const char *file, buf *h,
                                const model_st_tensor ***order_out, char *err, size_t err_len) {
    char q[QUOTE_CAP], q2[QUOTE_CAP];
    if (n > MODEL_ST_TENSORS_MAX)
        return model_fail(ATTN_ERR_LIMIT, err, err_len, "%s: %zu tensors are more than the limit of %zu",
                    file, n, MODEL_ST_TENSORS_MAX);
    if (n && !tensors) return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: no tensor list", file);
    if (n_meta && !meta) return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: no metadata list", file);
    for (size_t i = 0; i < n_meta; i++) {
        if (!meta[i].key || !meta[i].value)
            return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: metadata entry %zu has no key or value",
                        file, i);
        if (!utf8_ok(meta[i].key) || !utf8_ok(meta[i].value))
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: metadata %s is not valid UTF-8 (key or value)", file,
                        quote(q, meta[i].key));
    }
    for (size_t i = 0; i < n; i++) {
        const model_st_tensor *t = &tensors[i];
        if (!t->name) return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: tensor %zu has no name", file, i);
        if (!utf8_ok(t->name))
            return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: tensor name %s is not valid UTF-8",
                        file, quote(q, t->name));
        if (strcmp(t->name, METADATA_KEY) == 0)
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: a tensor may not be called \"__metadata__\": that key holds the "
                        "metadata",
                        file);
        if ((unsigned)t->dtype >= MODEL_ST_DTYPES)
            return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: tensor %s has unknown dtype %d", file,
                        quote(q, t->name), (int)t->dtype);
        if (t->n_dims > MODEL_ST_DIMS_MAX)
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                        "%s: tensor %s has %zu dimensions, more than %d", file, quote(q, t->name),
                        t->n_dims, MODEL_ST_DIMS_MAX);
        size_t elems = 0, nbytes = 0;
        if (!shape_bytes(t->shape, t->n_dims, DTYPES[t->dtype].size, &elems, &nbytes))
            return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: tensor %s: its byte count overflows",
                        file, quote(q, t->name));
        if (nbytes && !t->data)
            return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: tensor %s has no data", file,
                        quote(q, t->name));
    }

    const model_st_tensor **order = malloc((n ? n : 1) * sizeof *order);
    const model_st_meta **morder = malloc((n_meta ? n_meta : 1) * sizeof *morder);
    attn_status st = ATTN_OK;
    if (!order || !morder) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory", file);
        goto done;
    }
    for (size_t i = 0; i < n; i++) order[i] = &tensors[i];
    for (size_t i = 0; i < n_meta; i++) morder[i] = &meta[i];
    qsort(order, n, sizeof *order, cmp_tensor_ptr_name);
    qsort(morder, n_meta, sizeof *morder, cmp_meta_ptr_key);
    for (size_t i = 1; i < n; i++)
        if (strcmp(order[i - 1]->name, order[i]->name) == 0) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: two tensors are called %s", file,
                      quote(q, order[i]->name));
            goto done;
        }
    for (size_t i = 1; i < n_meta; i++)
        if (strcmp(morder[i - 1]->key, morder[i]->key) == 0) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: metadata key %s is given twice", file,
                      quote(q2, morder[i]->key));
            goto done;
        }

    buf_put(h, "{", 1);
    if (n_meta) {
        buf_str(h, "\"__metadata__\":{");
        for (size_t i = 0; i < n_meta; i++) {
            if (i) buf_put(h, ",", 1);
            buf_json_string(h, morder[i]->key);
            buf_put(h, ":", 1);
            buf_json_string(h, morder[i]->value);
        }
        buf_put(h, "}", 1);
    }
    size_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        const model_st_tensor *t = order[i];
        size_t elems = 0, nbytes = 0, end;
        shape_bytes(t->shape, t->n_dims, DTYPES[t->dtype].size, &elems, &nbytes);
        if (!attn_size_add(&end, offset, nbytes)) {
            st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: the tensors' bytes add up past 2^%d",
                      file, ATTN_SIZE_BITS);
            goto done;
        }
        if (i || n_meta) buf_put(h, ",", 1);
        buf_json_string(h, t->name);
        buf_str(h, ":{\"dtype\":\"");
        buf_str(h, DTYPES[t->dtype].name);
        buf_str(h, "\",\"shape\":[");
        for (size_t d = 0; d < t->n_dims; d++) {
            if (d) buf_put(h, ",", 1);
            buf_size(h, t->shape[d]);
        }
        buf_str(h, "],\"data_offsets\":[");
        buf_size(h, offset);
        buf_put(h, ",", 1);
        buf_size(h, end);
        buf_str(h, "]}");
        offset = end;
    }
    buf_put(h, "}", 1);
    while (!h->oom && h->len % 8) buf_put(h, " ", 1);
    if (h->oom) {
        st = model_fail(ATTN_ERR_NOMEM, err, err_len, "%s: out of memory building the header", file);
        goto done;
    }
    if (h->len > MODEL_ST_HEADER_MAX)
        st = model_fail(ATTN_ERR_LIMIT, err, err_len,
                  "%s: the header would be %zu bytes, over the limit of %zu that readers accept",
                  file, h->len, MODEL_ST_HEADER_MAX);
done:
    free(morder);
    if (st != ATTN_OK) {
        free(order);
        order = NULL;
    }
    *order_out = order;
    return st;
}

attn_status model_st_write(FILE *out, const model_st_tensor *tensors, size_t n,
                           const model_st_meta *meta, size_t n_meta, const char *name, char *err,
                           size_t err_len) {
    const char *file = name ? name : "safetensors";
    if (err && err_len) err[0] = '\0';
    buf h = {0};
    const model_st_tensor **order = NULL;
    attn_status st = build_header(tensors, n, meta, n_meta, file, &h, &order, err, err_len);
    if (st != ATTN_OK) {
        free(h.p);
        return st;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    errno = 0;
    int ok = fwrite(len8, 1, 8, out) == 8 && fwrite(h.p, 1, h.len, out) == h.len;
    for (size_t i = 0; ok && i < n; i++) {
        size_t elems = 0, nbytes = 0;
        shape_bytes(order[i]->shape, order[i]->n_dims, DTYPES[order[i]->dtype].size, &elems,
                    &nbytes);
        if (nbytes) ok = fwrite(order[i]->data, 1, nbytes, out) == nbytes;
    }
    if (ok) ok = fflush(out) == 0;
    if (!ok)
        st = model_fail(ATTN_ERR_INPUT, err, err_len, "%s: cannot write: %s", file,
                  errno ? strerror(errno) : "write error");
    free(order);
    free(h.p);
    return st;
}

attn_status model_st_save(const char *path, const model_st_tensor *tensors, size_t n,
                          const model_st_meta *meta, size_t n_meta, char *err, size_t err_len) {
    if (err && err_len) err[0] = '\0';
    if (!path || !*path) return model_fail(ATTN_ERR_INPUT, err, err_len, "no path to save to");
    /* Check and build first, so a bad list never creates a file. */
    buf h = {0};
    const model_st_tensor **order = NULL;
    attn_status st = build_header(tensors, n, meta, n_meta, path, &h, &order, err, err_len);
    free(h.p);
    free(order);
    if (st != ATTN_OK) return st;

    /* The one checked writer: a temporary beside the path, renamed over it
     * only when every byte is on disk; never over a folder or a device. A
     * refused path is the caller's input, as it always was here. */
    attn_file f;
    if (attn_file_open(&f, path, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
    st = model_st_write(f.fp, tensors, n, meta, n_meta, path, err, err_len);
    if (st != ATTN_OK) {
        attn_file_abort(&f);
        return st;
    }
    return attn_file_commit(&f, err, err_len) == ATTN_OK ? ATTN_OK : ATTN_ERR_INPUT;
}
