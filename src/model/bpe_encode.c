/* Encoding a text into GPT-2's ids, decoding ids into bytes, and showing a
 * token (bpe.h).
 *
 * The merges of one piece follow encoder.py's loop exactly: find the
 * adjacent pair with the lowest rank, merge every occurrence of it from left
 * to right (an occurrence overlapping one just merged is skipped), repeat.
 * Instead of scanning the piece for the lowest pair at every step (quadratic
 * in a long piece), the pairs wait in a heap ordered by (rank, position); a
 * pair whose symbols changed since it was pushed is dropped when popped.
 * The pairs a merge creates are pushed only after every occurrence of the
 * current rank is merged, as encoder.py sees them only in its next round. */
#include <stdlib.h>
#include <string.h>

#include "attnviz/tokenize.h"
#include "bpe_private.h"
#include "model_private.h"

/* A candidate merge: symbol pos and the symbol right after it. */
typedef struct pair_entry {
    uint32_t rank, pos, right;
    int32_t left_id, right_id, result;
} pair_entry;

/* The work space of one encoding, grown to the longest piece. */
typedef struct work {
    size_t cap;         /* symbols */
    int32_t *id;        /* of each symbol; symbol i starts at byte i of the piece */
    uint32_t *next;     /* the next live symbol, or UINT32_MAX */
    uint32_t *prev;     /* the previous live symbol, or UINT32_MAX */
    unsigned char *gone;/* merged into the symbol before it */
    pair_entry *heap, *pending;
    size_t n_heap, n_pending;
} work;

static void work_free(work *w) {
    free(w->id);
    free(w->next);
    free(w->prev);
    free(w->gone);
    free(w->heap);
    free(w->pending);
}

static bool work_grow(work *w, size_t m) {
    if (m <= w->cap) return true;
    size_t cap = m < 64 ? 64 : m;
    work_free(w);
    *w = (work){0};
    w->id = malloc(cap * sizeof *w->id);
    w->next = malloc(cap * sizeof *w->next);
    w->prev = malloc(cap * sizeof *w->prev);
    w->gone = malloc(cap);
    /* m − 1 pairs at first, then at most two new ones per merge (m − 1 merges) */
    w->heap = malloc(3 * cap * sizeof *w->heap);
    w->pending = malloc(2 * cap * sizeof *w->pending);
    if (!w->id || !w->next || !w->prev || !w->gone || !w->heap || !w->pending) return false;
    w->cap = cap;
    return true;
}

static bool before(const pair_entry *a, const pair_entry *b) {
    return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos;
}

static void heap_push(work *w, pair_entry e) {
    size_t i = w->n_heap++;
    while (i > 0 && before(&e, &w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = e;
}

static pair_entry heap_pop(work *w) {
    pair_entry top = w->heap[0], last = w->heap[--w->n_heap];
    size_t i = 0, n = w->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(&w->heap[c + 1], &w->heap[c])) c++;
        if (!before(&w->heap[c], &last)) break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (n) w->heap[i] = last;
    return top;
}

/* The pair (left, right) as a candidate into list (heap or pending), if it merges. */
static void offer(const model_bpe *b, work *w, uint32_t left, uint32_t right, bool now) {
    if (left == UINT32_MAX || right == UINT32_MAX) return;
    const bpe_merge *m = bpe_merge_find(b, w->id[left], w->id[right]);
    if (!m) return;
    pair_entry e = {m->rank, left, right, w->id[left], w->id[right], m->result};
    if (now) heap_push(w, e);
    else w->pending[w->n_pending++] = e;
}

static bool still_there(const work *w, const pair_entry *e) {
    return !w->gone[e->pos] && w->next[e->pos] == e->right && w->id[e->pos] == e->left_id &&
           w->id[e->right] == e->right_id;
}

/* BPE on the piece s[0..m): leaves the symbols in w (symbol 0 first). */
static void merge_piece(const model_bpe *b, work *w, const unsigned char *s, size_t m) {
    for (size_t i = 0; i < m; i++) {
        w->id[i] = b->byte_id[s[i]];
        w->next[i] = i + 1 < m ? (uint32_t)(i + 1) : UINT32_MAX;
        w->prev[i] = i > 0 ? (uint32_t)(i - 1) : UINT32_MAX;
        w->gone[i] = 0;
    }
    w->n_heap = 0;
    for (size_t i = 0; i + 1 < m; i++) offer(b, w, (uint32_t)i, (uint32_t)(i + 1), true);
    while (w->n_heap) {
        pair_entry e = heap_pop(w);
        if (!still_there(w, &e)) continue;
        uint32_t rank = e.rank;
        w->n_pending = 0;
        for (;;) { /* every occurrence of this rank, left to right */
            w->id[e.pos] = e.result;
            w->gone[e.right] = 1;
            uint32_t after = w->next[e.right];
            w->next[e.pos] = after;
            if (after != UINT32_MAX) w->prev[after] = e.pos;
            offer(b, w, w->prev[e.pos], e.pos, false);
            offer(b, w, e.pos, after, false);
            bool more = false;
            while (w->n_heap && w->heap[0].rank == rank) {
                e = heap_pop(w);
                if (still_there(w, &e)) {
                    more = true;
                    break;
                }
            }
            if (!more) break;
        }
        for (size_t i = 0; i < w->n_pending; i++) heap_push(w, w->pending[i]);
    }
}

attn_status model_bpe_encode(const model_bpe *b, const char *text, size_t len, int32_t *ids,
                             model_bpe_span *spans, size_t max_ids, size_t *n_ids, char *err,
                             size_t err_len) {
    const unsigned char *t = (const unsigned char *)text;
    *n_ids = 0;
    size_t bad = attn_utf8_first_invalid(text, len);
    if (bad < len)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "the text is not valid UTF-8: byte %zu (0x%02X) does not start or "
                          "continue a character",
                          bad, t[bad]);
    work w = {0};
    attn_status s = ATTN_OK;
    size_t n = 0;
    for (size_t at = 0; at < len;) {
        size_t end = bpe_split_next(t, len, at), m = end - at;
        if (!work_grow(&w, m)) {
            s = model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory encoding the text");
            break;
        }
        merge_piece(b, &w, t + at, m);
        for (uint32_t i = 0; i != UINT32_MAX; i = w.next[i]) {
            if (n == max_ids) {
                s = model_fail(ATTN_ERR_LIMIT, err, err_len,
                               "the text makes more than %zu tokens: shorten it", max_ids);
                goto done;
            }
            ids[n] = w.id[i];
            if (spans) {
                size_t stop = w.next[i] == UINT32_MAX ? m : w.next[i];
                spans[n] = (model_bpe_span){at + i, at + stop};
            }
            n++;
        }
        at = end;
    }
done:
    work_free(&w);
    *n_ids = s == ATTN_OK ? n : 0;
    return s;
}

attn_status model_bpe_decode(const model_bpe *b, const int32_t *ids, size_t n, char *out,
                             size_t cap, size_t *out_len, char *err, size_t err_len) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || (size_t)ids[i] >= b->n_tokens)
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                              "token %zu has id %ld, outside the vocabulary's 0 to %zu", i,
                              (long)ids[i], b->n_tokens - 1);
        total += b->tok_len[ids[i]];
    }
    *out_len = total;
    if (total > cap)
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "the tokens make %zu bytes, more than the %zu given", total, cap);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + at, b->blob + b->tok_start[ids[i]], b->tok_len[ids[i]]);
        at += b->tok_len[ids[i]];
    }
    if (at < cap) out[at] = '\0';
    return ATTN_OK;
}

/* ---- display ------------------------------------------------------------------------ */
typedef struct sink {
    char *out;
    size_t cap, used, total;
    bool full; /* a unit did not fit: write nothing after it */
} sink;

static void put(sink *k, const void *unit, size_t n) {
    if (!k->full && k->used + n < k->cap) {
        memcpy(k->out + k->used, unit, n);
        k->used += n;
    } else {
        k->full = true;
    }
    k->total += n;
}

static void put_hex(sink *k, unsigned char byte) {
    static const char hex[] = "0123456789ABCDEF";
    char u[4] = {'<', hex[byte >> 4], hex[byte & 15], '>'};
    put(k, u, 4);
}

size_t model_bpe_display(const unsigned char *bytes, size_t len, char *out, size_t cap) {
    sink k = {out, cap, 0, 0, false};
    for (size_t i = 0; i < len;) {
        unsigned char c = bytes[i];
        uint32_t cp;
        size_t n;
        if (c == ' ') put(&k, "\xC2\xB7", 2);            /* · */
        else if (c == '\n') put(&k, "\xE2\x86\xB5", 3);  /* ↵ */
        else if (c == '\t') put(&k, "\xE2\x86\x92", 3);  /* → */
        else if (c < 0x20 || c == 0x7F) put_hex(&k, c); /* other controls */
        else if (c < 0x80) put(&k, &c, 1);
        else if ((n = bpe_utf8_decode(bytes + i, len - i, &cp)) == 0) put_hex(&k, c);
        else if (cp < 0xA0 || cp == 0x2028 || cp == 0x2029) { /* C1 controls, line breaks */
            for (size_t j = 0; j < n; j++) put_hex(&k, bytes[i + j]);
            i += n;
            continue;
        } else if (cp == 0xFFFD) { /* a real one, in GPT-2's web text: named, so it is
                                       * never taken for a broken byte */
            put(&k, "<U+FFFD>", 8);
            i += n;
            continue;
        } else {
            put(&k, bytes + i, n);
            i += n;
            continue;
        }
        i++;
    }
    if (cap) out[k.used] = '\0';
    return k.total;
}
