/* A small reader and writer of the safetensors format (Hugging Face), used
 * for model files. The format:
 *
 *   u64 N, little-endian        length of the header
 *   N bytes of UTF-8 JSON       {"__metadata__": {"k": "v", ...},        (optional)
 *                                "name": {"dtype": "F32", "shape": [2, 3],
 *                                         "data_offsets": [begin, end]}, ...}
 *   the data                    offsets are relative to the byte after the header
 *
 * The reader trusts nothing: every problem is refused with a one-line
 * message naming the tensor (or key) and what is wrong. It runs in time
 * linear in the input (plus sorting the tensors), refuses headers over
 * MODEL_ST_HEADER_MAX bytes and more than MODEL_ST_TENSORS_MAX tensors, and
 * allocates a bounded multiple of the header. Gaps between tensors' data and
 * bytes after the last tensor are allowed (the reference implementation
 * refuses them; nothing here depends on their absence); overlapping tensors
 * are not.
 *
 * The writer is canonical: keys sorted by name ("__metadata__" first),
 * compact JSON, data in the same order with no gaps, the header padded with
 * spaces to a multiple of 8 bytes so every tensor's data starts 8-aligned.
 * Identical input gives identical bytes, and parse(write(x)) writes back the
 * same bytes.
 *
 * Data bytes are the file's bytes: little-endian, as on every machine this
 * project builds for. Parsed data pointers point into the caller's buffer
 * and may be unaligned: copy with memcpy.
 *
 * Status values: ATTN_ERR_INPUT for a malformed file, an invalid tensor list
 * given to the writer or a failed read/write; ATTN_ERR_LIMIT past the limits
 * above; ATTN_ERR_NOMEM when an allocation fails. */
#ifndef ATTNVIZ_SAFETENSORS_H
#define ATTNVIZ_SAFETENSORS_H

#include <stdio.h>

#include "attnviz/attn.h"

#define MODEL_ST_DIMS_MAX 8
#define MODEL_ST_HEADER_MAX ((size_t)100000000) /* bytes, as the reference reader */
#define MODEL_ST_TENSORS_MAX ((size_t)100000)

typedef enum model_st_dtype {
    MODEL_ST_BOOL,
    MODEL_ST_U8,
    MODEL_ST_I8,
    MODEL_ST_F8_E4M3,
    MODEL_ST_F8_E5M2,
    MODEL_ST_I16,
    MODEL_ST_U16,
    MODEL_ST_F16,
    MODEL_ST_BF16,
    MODEL_ST_I32,
    MODEL_ST_U32,
    MODEL_ST_F32,
    MODEL_ST_I64,
    MODEL_ST_U64,
    MODEL_ST_F64,
    MODEL_ST_DTYPES /* how many there are */
} model_st_dtype;

/* "F32" etc., or NULL for a value out of range. */
const char *model_st_dtype_name(model_st_dtype t);
/* Bytes per element, 0 for a value out of range. */
size_t model_st_dtype_size(model_st_dtype t);

/* One tensor. The reader fills every field; the writer reads name, dtype,
 * n_dims, shape and data, and computes the rest. */
typedef struct model_st_tensor {
    const char *name;  /* NUL-terminated UTF-8 */
    model_st_dtype dtype;
    size_t n_dims;     /* 0 is a scalar (one element) */
    size_t shape[MODEL_ST_DIMS_MAX];
    size_t n_elements; /* product of shape */
    size_t nbytes;     /* n_elements · dtype size */
    size_t offset;     /* reader: of the data from the start of the buffer */
    const void *data;  /* reader: into the caller's buffer (maybe unaligned) */
} model_st_tensor;

typedef struct model_st_meta {
    const char *key; /* NUL-terminated UTF-8 */
    const char *value;
} model_st_meta;

/* A parsed file. Names and metadata live in storage; data pointers point
 * into the buffer given to model_st_parse, which must outlive this. */
typedef struct model_st_file {
    size_t n_tensors;
    model_st_tensor *tensors; /* sorted by name (byte order) */
    size_t n_meta;
    model_st_meta *meta;      /* "__metadata__", sorted by key */
    size_t header_len;        /* N; the data starts at byte 8 + N */
    char *storage;
} model_st_file;

/* Parses bytes[0..len). name (NULL: "safetensors") starts every message,
 * e.g. "m.safetensors: tensor \"wte.weight\": ...". On failure *f is empty
 * (model_st_free is harmless on it). Refuses: fewer than 8 bytes; a header
 * length past the end of the file or over MODEL_ST_HEADER_MAX; a header
 * that is not valid JSON (with jansson's line and column), not an object, or
 * has a duplicate key; "__metadata__" that is not an object of strings; an
 * entry that is not an object or lacks "dtype", "shape" or "data_offsets";
 * an unknown dtype; a shape that is not a list of at most 8 non-negative
 * integers or whose product overflows; data_offsets that are not two
 * non-negative integers, with begin > end, or past the end of the data; a
 * size that disagrees with shape × dtype; two tensors whose data overlap. */
attn_status model_st_parse(model_st_file *f, const uint8_t *bytes, size_t len, const char *name,
                           char *err, size_t err_len);
void model_st_free(model_st_file *f);
/* The tensor called name, or NULL. Binary search. */
const model_st_tensor *model_st_find(const model_st_file *f, const char *name);
/* The metadata value of key, or NULL. */
const char *model_st_meta_get(const model_st_file *f, const char *key);

/* Writes a file of n tensors (any order; written sorted by name) and n_meta
 * metadata entries (NULL meta with n_meta 0 writes no "__metadata__") to out.
 * Refuses, before writing anything: names or metadata that are not valid
 * UTF-8, duplicate names or keys, a tensor named "__metadata__", an unknown
 * dtype, more than MODEL_ST_DIMS_MAX dims, sizes that overflow, NULL data
 * for a non-empty tensor, and headers or tensor counts past the limits.
 * name (NULL: "safetensors") names the output in messages, e.g. a write
 * error "m.safetensors: cannot write: No space left on device". */
attn_status model_st_write(FILE *out, const model_st_tensor *tensors, size_t n,
                           const model_st_meta *meta, size_t n_meta, const char *name, char *err,
                           size_t err_len);
/* The same into the file at path, atomically: writes "<path>.tmp-PID-K",
 * flushes it to disk and renames it over path. On failure the temporary file
 * is removed, path is untouched, and the message gives the path and errno's
 * text. */
attn_status model_st_save(const char *path, const model_st_tensor *tensors, size_t n,
                          const model_st_meta *meta, size_t n_meta, char *err, size_t err_len);

#endif
