/* Loading GPT-2's vocabulary and merges into hash tables (bpe.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/open_read.h"
#include "bpe_private.h"
#include "model_private.h"

/* ---- GPT-2's byte-to-unicode map ------------------------------------------------
 * Bytes 33-126, 161-172 and 174-255 are printable and stand for themselves;
 * the other 68 (controls, space, 127-160, 173) get U+0100, U+0101, ... in
 * byte order (encoder.py's bytes_to_unicode). Undone here: a code point of
 * the files -> its byte, -1 for one outside the map. */
static int byte_of_char(uint32_t cp) {
    if ((cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255))
        return (int)cp;
    if (cp < 256 || cp >= 256 + 68) return -1;
    int n = (int)(cp - 256); /* the n-th byte outside the printable ranges */
    for (int byte = 0; byte < 256; byte++) {
        bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) ||
                         (byte >= 174);
        if (!printable && n-- == 0) return byte;
    }
    return -1;
}

/* A token as the files write it -> its raw bytes into out (room for len
 * bytes: never longer). Returns the byte count, or -1 with *bad at the
 * offending character. */
static long unmap_token(const unsigned char *s, size_t len, unsigned char *out,
                        const int *table, size_t *bad) {
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = bpe_utf8_decode(s + i, len - i, &cp);
        int byte = k && cp < 512 ? table[cp] : -1;
        if (byte < 0) {
            *bad = i;
            return -1;
        }
        out[n++] = (unsigned char)byte;
        i += k;
    }
    return (long)n;
}

/* ---- hash tables ------------------------------------------------------------------ */
static uint64_t hash_bytes(const unsigned char *s, size_t len) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

static uint64_t hash_pair(uint64_t x) { /* splitmix64's finaliser */
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int32_t bpe_lookup(const model_bpe *b, const unsigned char *bytes, size_t len) {
    size_t mask = b->n_slots - 1;
    for (size_t i = (size_t)hash_bytes(bytes, len) & mask;; i = (i + 1) & mask) {
        int32_t id = b->slots[i];
        if (id < 0) return -1;
        if (b->tok_len[id] == len && memcmp(b->blob + b->tok_start[id], bytes, len) == 0)
            return id;
    }
}

const bpe_merge *bpe_merge_find(const model_bpe *b, int32_t left, int32_t right) {
    uint64_t key = bpe_pair(left, right);
    size_t mask = b->n_merge_slots - 1;
    for (size_t i = (size_t)hash_pair(key) & mask;; i = (i + 1) & mask) {
        const bpe_merge *m = &b->merges[i];
        if (m->pair == key) return m;
        if (m->pair == BPE_EMPTY_PAIR) return NULL;
    }
}

static size_t pow2_at_least(size_t n) {
    size_t p = 16;
    while (p < n) p *= 2;
    return p;
}

void model_bpe_destroy(model_bpe *b) {
    if (!b) return;
    free(b->blob);
    free(b->tok_start);
    free(b->tok_len);
    free(b->slots);
    free(b->merges);
    free(b);
}

/* ---- the vocabulary: {"token": id, ...} -------------------------------------------- */
typedef struct vocab_ctx {
    model_bpe *b;
    const char *name;
    const int *table;
    size_t used;  /* bytes of blob filled */
    char *err;
    size_t err_len;
    attn_status s;
} vocab_ctx;

static attn_status vocab_tables(model_bpe *b, size_t n, size_t key_bytes, const char *name,
                                char *err, size_t err_len) {
    if (n == 0)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s is not a vocabulary: it should be one JSON object of \"token\": id",
                          name);
    if (n > MODEL_BPE_TOKENS_MAX)
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "%s has %zu tokens, more than the %d allowed", name, n,
                          MODEL_BPE_TOKENS_MAX);
    b->n_tokens = n;
    b->n_slots = pow2_at_least(2 * n);
    b->blob = malloc(key_bytes ? key_bytes : 1);
    b->tok_start = malloc(n * sizeof *b->tok_start);
    b->tok_len = malloc(n * sizeof *b->tok_len);
    b->slots = malloc(b->n_slots * sizeof *b->slots);
    if (!b->blob || !b->tok_start || !b->tok_len || !b->slots)
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory loading %s", name);
    memset(b->slots, 0xff, b->n_slots * sizeof *b->slots); /* all -1 */
    for (size_t i = 0; i < n; i++) b->tok_len[i] = UINT32_MAX; /* no token yet */
    return ATTN_OK;
}

static void vocab_tables_free(model_bpe *b) {
    free(b->blob);
    free(b->tok_start);
    free(b->tok_len);
    free(b->slots);
    b->blob = NULL, b->tok_start = NULL, b->tok_len = NULL, b->slots = NULL;
}

/* One "key": id (key unescaped, in the files' alphabet). */
static bool add_token(void *ctx, const unsigned char *key, size_t klen, long id_value) {
    vocab_ctx *v = ctx;
    model_bpe *b = v->b;
    size_t n = b->n_tokens;
    if (id_value < 0 || (size_t)id_value >= n) {
        v->s = model_fail(ATTN_ERR_INPUT, v->err, v->err_len,
                          "%s: the id of token \"%.*s\" is not a whole number from 0 to %zu "
                          "(ids must number the %zu tokens)",
                          v->name, (int)(klen > 40 ? 40 : klen), (const char *)key, n - 1, n);
        return false;
    }
    size_t id = (size_t)id_value;
    if (b->tok_len[id] != UINT32_MAX) {
        v->s = model_fail(ATTN_ERR_INPUT, v->err, v->err_len, "%s: id %zu is given to two tokens",
                          v->name, id);
        return false;
    }
    size_t bad = 0;
    long blen = unmap_token(key, klen, b->blob + v->used, v->table, &bad);
    if (blen < 0) {
        v->s = model_fail(ATTN_ERR_INPUT, v->err, v->err_len,
                          "%s: token \"%.*s\" (id %zu) has a character outside GPT-2's byte "
                          "alphabet at byte %zu",
                          v->name, (int)(klen > 40 ? 40 : klen), (const char *)key, id, bad);
        return false;
    }
    if (blen == 0 || blen > MODEL_BPE_TOKEN_BYTES_MAX) {
        v->s = model_fail(ATTN_ERR_INPUT, v->err, v->err_len,
                          "%s: token %zu is %s (a token has 1 to %d bytes)", v->name, id,
                          blen ? "too long" : "empty", MODEL_BPE_TOKEN_BYTES_MAX);
        return false;
    }
    const unsigned char *bytes = b->blob + v->used;
    size_t mask = b->n_slots - 1, i = (size_t)hash_bytes(bytes, (size_t)blen) & mask;
    for (; b->slots[i] >= 0; i = (i + 1) & mask) {
        int32_t o = b->slots[i];
        if (b->tok_len[o] == (size_t)blen && memcmp(b->blob + b->tok_start[o], bytes, (size_t)blen) == 0) {
            v->s = model_fail(ATTN_ERR_INPUT, v->err, v->err_len,
                              "%s: token \"%.*s\" is given twice (ids %d and %zu)", v->name,
                              (int)(klen > 40 ? 40 : klen), (const char *)key, o, id);
            return false;
        }
    }
    b->slots[i] = (int32_t)id;
    b->tok_start[id] = (uint32_t)v->used;
    b->tok_len[id] = (uint32_t)blen;
    v->used += (size_t)blen;
    return true;
}

/* Through jansson: slower, and the one that explains what is wrong. */
static attn_status load_vocab_jansson(vocab_ctx *v, const char *text, size_t len) {
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return model_fail(ATTN_ERR_INPUT, v->err, v->err_len, "%s is not valid JSON: %s (line %d)",
                          v->name, je.text, je.line);
    size_t n = json_is_object(root) ? json_object_size(root) : 0, total = 0;
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) total += strlen(key);
    attn_status s = vocab_tables(v->b, n, total, v->name, v->err, v->err_len);
    json_object_foreach(root, key, value) {
        if (s != ATTN_OK) break;
        long id = -1;
        if (json_is_integer(value) && json_integer_value(value) >= 0 &&
            json_integer_value(value) <= (json_int_t)MODEL_BPE_TOKENS_MAX)
            id = (long)json_integer_value(value);
        if (!add_token(v, (const unsigned char *)key, strlen(key), id)) s = v->s;
    }
    json_decref(root);
    return s;
}

static attn_status load_vocab(model_bpe *b, const char *text, size_t len, const char *name,
                              const int *table, bool quick, char *err, size_t err_len) {
    vocab_ctx v = {b, name, table, 0, err, err_len, ATTN_OK};
    attn_status s = ATTN_ERR_INPUT;
    unsigned char *key_buf = malloc(len + 1);
    if (!key_buf) return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory loading %s", name);
    /* the quick reader first; anything it does not take goes to jansson */
    long n = quick ? bpe_vocab_scan(text, len, key_buf, NULL, NULL) : -1;
    if (n > 0 && vocab_tables(b, (size_t)n, len, name, err, err_len) == ATTN_OK &&
        bpe_vocab_scan(text, len, key_buf, add_token, &v) == n)
        s = ATTN_OK;
    free(key_buf);
    if (s != ATTN_OK) {
        vocab_tables_free(b);
        v.used = 0;
        s = load_vocab_jansson(&v, text, len);
    }
    if (s != ATTN_OK) return s;
    for (int byte = 0; byte < 256; byte++) {
        unsigned char c = (unsigned char)byte;
        b->byte_id[byte] = bpe_lookup(b, &c, 1);
        if (b->byte_id[byte] < 0)
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                              "%s has no token for byte 0x%02X: a byte-level vocabulary needs "
                              "all 256",
                              name, byte);
    }
    b->eot = bpe_lookup(b, (const unsigned char *)MODEL_BPE_EOT_TEXT,
                        sizeof MODEL_BPE_EOT_TEXT - 1);
    return ATTN_OK;
}

/* ---- the merges: "#version: 0.2" then "A B" a line --------------------------------- */
static attn_status load_merges(model_bpe *b, const char *text, size_t len, const char *name,
                               const int *table, char *err, size_t err_len) {
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    b->n_merge_slots = pow2_at_least(2 * lines);
    b->merges = malloc(b->n_merge_slots * sizeof *b->merges);
    unsigned char *buf = malloc(len + 1); /* both tokens' bytes, then joined */
    if (!b->merges || !buf) {
        free(buf);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory loading %s", name);
    }
    for (size_t i = 0; i < b->n_merge_slots; i++) b->merges[i].pair = BPE_EMPTY_PAIR;
    attn_status s = ATTN_OK;
    size_t line_no = 0;
    for (size_t at = 0; at < len;) {
        const char *line = text + at;
        const char *nl = memchr(line, '\n', len - at);
        size_t llen = nl ? (size_t)(nl - line) : len - at;
        at += llen + (nl != NULL);
        line_no++;
        if (llen && line[llen - 1] == '\r') llen--; /* a file saved with CRLF */
        if (llen == 0) continue;
        if (line_no == 1 && llen >= 8 && memcmp(line, "#version", 8) == 0) continue;
        const char *sp = memchr(line, ' ', llen);
        size_t alen = sp ? (size_t)(sp - line) : 0, blen_text = sp ? llen - alen - 1 : 0;
        if (!sp || alen == 0 || blen_text == 0 || memchr(sp + 1, ' ', blen_text)) {
            s = model_fail(ATTN_ERR_INPUT, err, err_len,
                           "%s line %zu is not a merge: write two tokens and one space, \"A B\"",
                           name, line_no);
            break;
        }
        size_t bad = 0;
        long la = unmap_token((const unsigned char *)line, alen, buf, table, &bad);
        long lb = la < 0 ? -1
                         : unmap_token((const unsigned char *)sp + 1, blen_text, buf + la, table,
                                       &bad);
        if (la < 0 || lb < 0) {
            s = model_fail(ATTN_ERR_INPUT, err, err_len,
                           "%s line %zu has a character outside GPT-2's byte alphabet", name,
                           line_no);
            break;
        }
        int32_t left = bpe_lookup(b, buf, (size_t)la);
        int32_t right = bpe_lookup(b, buf + la, (size_t)lb);
        int32_t joined = bpe_lookup(b, buf, (size_t)(la + lb));
        if (left < 0 || right < 0) { /* name the token the vocabulary lacks */
            const char *missing = left < 0 ? line : sp + 1;
            size_t mlen = left < 0 ? alen : blen_text;
            s = model_fail(ATTN_ERR_INPUT, err, err_len,
                           "%s line %zu merges an unknown token: \"%.*s\" is not in the "
                           "vocabulary",
                           name, line_no, (int)(mlen > 80 ? 80 : mlen), missing);
            break;
        }
        if (joined < 0) {
            s = model_fail(ATTN_ERR_INPUT, err, err_len,
                           "%s line %zu merges into a token that is not there: \"%.*s%.*s\" is "
                           "not in the vocabulary",
                           name, line_no, (int)(alen > 40 ? 40 : alen), line,
                           (int)(blen_text > 40 ? 40 : blen_text), sp + 1);
            break;
        }
        uint64_t key = bpe_pair(left, right);
        size_t mask = b->n_merge_slots - 1, i = (size_t)hash_pair(key) & mask;
        while (b->merges[i].pair != BPE_EMPTY_PAIR && b->merges[i].pair != key) i = (i + 1) & mask;
        if (b->merges[i].pair == key) {
            s = model_fail(ATTN_ERR_INPUT, err, err_len,
                           "%s line %zu repeats an earlier merge (rank %u)", name, line_no,
                           (unsigned)b->merges[i].rank);
            break;
        }
        b->merges[i] = (bpe_merge){key, (uint32_t)b->n_merges, joined};
        b->n_merges++;
    }
    free(buf);
    return s;
}

attn_status bpe_load_memory_by(model_bpe **out, bool quick, const char *vocab, size_t vocab_len,
                               const char *vocab_name, const char *merges, size_t merges_len,
                               const char *merges_name, char *err, size_t err_len) {
    *out = NULL;
    int table[512];
    for (uint32_t cp = 0; cp < 512; cp++) table[cp] = byte_of_char(cp);
    model_bpe *b = calloc(1, sizeof *b);
    if (!b) return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory");
    attn_status s = load_vocab(b, vocab, vocab_len, vocab_name, table, quick, err, err_len);
    if (s == ATTN_OK) s = load_merges(b, merges, merges_len, merges_name, table, err, err_len);
    if (s != ATTN_OK) {
        model_bpe_destroy(b);
        return s;
    }
    *out = b;
    return ATTN_OK;
}

attn_status model_bpe_load_memory(model_bpe **out, const char *vocab, size_t vocab_len,
                                  const char *vocab_name, const char *merges, size_t merges_len,
                                  const char *merges_name, char *err, size_t err_len) {
    return bpe_load_memory_by(out, true, vocab, vocab_len, vocab_name, merges, merges_len,
                              merges_name, err, err_len);
}

/* ---- files ------------------------------------------------------------------------ */
static attn_status read_whole(const char *path, char **data, size_t *len, char *err,
                              size_t err_len) {
    *data = NULL;
    const char *kind = NULL;
    FILE *f = attn_open_read(path, &kind);
    if (!f)
        return model_fail(ATTN_ERR_IO, err, err_len, "%s cannot be read: %s", path,
                          kind ? kind : strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    attn_status s = ATTN_OK;
    while (buf) {
        if (n == cap) {
            if (cap >= MODEL_BPE_FILE_MAX) {
                s = model_fail(ATTN_ERR_LIMIT, err, err_len,
                               "%s is larger than %zu MB: not a GPT-2 vocabulary file", path,
                               MODEL_BPE_FILE_MAX >> 20);
                break;
            }
            char *more = realloc(buf, cap * 2);
            if (!more) break;
            buf = more;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                s = model_fail(ATTN_ERR_IO, err, err_len, "%s cannot be read: %s", path,
                               strerror(errno));
            break;
        }
    }
    fclose(f);
    if (!buf) return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory reading %s", path);
    if (s != ATTN_OK) {
        free(buf);
        return s;
    }
    *data = buf;
    *len = n;
    return ATTN_OK;
}

attn_status model_bpe_load_files(model_bpe **out, const char *vocab_path, const char *merges_path,
                                 char *err, size_t err_len) {
    *out = NULL;
    char *v = NULL, *m = NULL;
    size_t vl = 0, ml = 0;
    attn_status s = read_whole(vocab_path, &v, &vl, err, err_len);
    if (s == ATTN_OK) s = read_whole(merges_path, &m, &ml, err, err_len);
    if (s == ATTN_OK) s = model_bpe_load_memory(out, v, vl, vocab_path, m, ml, merges_path, err, err_len);
    free(v);
    free(m);
    return s;
}

static bool readable(const char *path) {
    const char *kind = NULL;
    FILE *f = attn_open_read(path, &kind);
    if (f) fclose(f);
    return f != NULL;
}

attn_status model_bpe_load_dir(model_bpe **out, const char *dir, char *err, size_t err_len) {
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return model_fail(ATTN_ERR_IO, err, err_len,
                          "%s is not a folder: give the folder that holds vocab.json + "
                          "merges.txt (or encoder.json + vocab.bpe)",
                          dir);
    static const char *const layouts[][2] = {{"vocab.json", "merges.txt"},
                                             {"encoder.json", "vocab.bpe"}};
    size_t dlen = strlen(dir);
    char *v = malloc(dlen + 16), *m = malloc(dlen + 16);
    if (!v || !m) {
        free(v);
        free(m);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory");
    }
    attn_status s = ATTN_ERR_IO;
    bool found = false;
    for (size_t k = 0; k < 2 && !found; k++) {
        snprintf(v, dlen + 16, "%s/%s", dir, layouts[k][0]);
        snprintf(m, dlen + 16, "%s/%s", dir, layouts[k][1]);
        /* a layout counts when its vocabulary is there; a missing merges
         * file beside it is then reported by name */
        if (readable(v)) {
            found = true;
            s = model_bpe_load_files(out, v, m, err, err_len);
        }
    }
    if (!found)
        model_fail(ATTN_ERR_IO, err, err_len,
                   "%s holds no GPT-2 vocabulary: looked for vocab.json + merges.txt and "
                   "encoder.json + vocab.bpe",
                   dir);
    free(v);
    free(m);
    return s;
}

size_t model_bpe_vocab_size(const model_bpe *b) { return b->n_tokens; }
size_t model_bpe_merges(const model_bpe *b) { return b->n_merges; }
int32_t model_bpe_eot(const model_bpe *b) { return b->eot; }

const unsigned char *model_bpe_token(const model_bpe *b, int32_t id, size_t *len) {
    if (id < 0 || (size_t)id >= b->n_tokens) return NULL;
    *len = b->tok_len[id];
    return b->blob + b->tok_start[id];
}
