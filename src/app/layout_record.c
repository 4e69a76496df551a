/* The record of what a frame drew, and its JSON. */
#define _POSIX_C_SOURCE 200809L
#include "layout_record.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/file.h"

void layout_init(layout_record *l, int w, int h) {
    memset(l, 0, sizeof *l);
    l->w = w;
    l->h = h;
}

void layout_clear(layout_record *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i].text);
    for (size_t i = 0; i < sizeof l->cut / sizeof l->cut[0]; i++) free(l->cut[i]), l->cut[i] = NULL;
    l->n_cut = 0;
    l->n = 0;
    l->out_of_memory = false;
}

void layout_free(layout_record *l) {
    if (!l) return;
    layout_clear(l);
    free(l->items);
    l->items = NULL;
    l->cap = 0;
}

/* A new item holding a copy of the first len bytes of s, or NULL (then
 * the record says it lost one). */
static layout_item *add(layout_record *l, layout_kind kind, const char *s, size_t len,
                        SDL_Rect box) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        layout_item *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            l->out_of_memory = true;
            return NULL;
        }
        l->items = items;
        l->cap = cap;
    }
    char *text = malloc(len + 1);
    if (!text) {
        l->out_of_memory = true;
        return NULL;
    }
    memcpy(text, s, len);
    text[len] = '\0';
    layout_item *it = &l->items[l->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->text = text;
    it->head = -1;
    it->box = box;
    return it;
}

void layout_cut(layout_record *l, const char *s) {
    size_t k = l->n_cut++ % (sizeof l->cut / sizeof l->cut[0]);
    free(l->cut[k]);
    l->cut[k] = strdup(s); /* NULL when out of memory: that cut goes unmarked */
}

void layout_text(layout_record *l, const char *s, size_t len, int px, SDL_Rect box) {
    layout_item *it = add(l, LAYOUT_TEXT, s, len, box);
    if (!it) return;
    it->px = px;
    for (size_t k = 0; k < sizeof l->cut / sizeof l->cut[0]; k++)
        if (l->cut[k] && strcmp(l->cut[k], it->text) == 0) it->cut = true;
}

void layout_heatmap(layout_record *l, const char *name, int head, SDL_Rect box, size_t rows,
                    size_t cols) {
    if (!name) name = "matrix";
    layout_item *it = add(l, LAYOUT_HEATMAP, name, strlen(name), box);
    if (!it) return;
    it->head = head;
    it->rows = rows;
    it->cols = cols;
}

void layout_highlight(layout_record *l, const char *name, int head, int row, int col,
                      SDL_Rect box) {
    if (!name) name = "matrix";
    layout_item *it = add(l, LAYOUT_HIGHLIGHT, name, strlen(name), box);
    if (!it) return;
    it->head = head;
    it->row = row;
    it->col = col;
}

/* One item as a JSON object (NULL when out of memory). */
static json_t *item_json(const layout_item *it) {
    if (it->kind == LAYOUT_HEATMAP)
        return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:I, s:I}", "kind", "heatmap",
                         "name", it->text, "head", it->head, "x", it->box.x, "y", it->box.y, "w",
                         it->box.w, "h", it->box.h, "rows", (json_int_t)it->rows, "cols",
                         (json_int_t)it->cols);
    if (it->kind == LAYOUT_HIGHLIGHT)
        return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "kind", "highlight",
                         "name", it->text, "head", it->head, "row", it->row, "col", it->col, "x",
                         it->box.x, "y", it->box.y, "w", it->box.w, "h", it->box.h);
    /* a run cut inside a UTF-8 sequence is no valid string: keep its bytes
     * as far as they are whole */
    json_t *o = json_pack("{s:s, s:s%, s:i, s:i, s:i, s:i, s:i}", "kind", "text", "text",
                          it->text, strlen(it->text), "px", it->px, "x", it->box.x, "y",
                          it->box.y, "w", it->box.w, "h", it->box.h);
    if (o && it->cut && json_object_set_new(o, "cut", json_true()) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

attn_status layout_write(const layout_record *l, const char *path, char *err, size_t err_len) {
    if (l->out_of_memory) {
        snprintf(err, err_len, "%s was not written: out of memory for the layout", path);
        return ATTN_ERR_NOMEM;
    }
    json_t *items = json_array();
    json_t *root = json_pack("{s:{s:i, s:i}, s:o}", "frame", "w", l->w, "h", l->h, "items", items);
    bool ok = root != NULL;
    for (size_t i = 0; ok && i < l->n; i++) {
        json_t *it = item_json(&l->items[i]);
        if (!it) { /* invalid UTF-8 in a run: keep the place, say so */
            it = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "kind", "text", "text", "\xEF\xBF\xBD",
                           "px", l->items[i].px, "x", l->items[i].box.x, "y", l->items[i].box.y,
                           "w", l->items[i].box.w, "h", l->items[i].box.h);
        }
        ok = it && json_array_append_new(items, it) == 0;
    }
    char *text = ok ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (!text) {
        snprintf(err, err_len, "%s was not written: out of memory for the layout", path);
        return ATTN_ERR_NOMEM;
    }
    attn_file f;
    attn_status rc = attn_file_open(&f, path, err, err_len);
    if (rc == ATTN_OK) {
        attn_file_put(&f, text, strlen(text));
        attn_file_put(&f, "\n", 1);
        rc = attn_file_commit(&f, err, err_len); /* reports a failed put too */
    }
    free(text);
    return rc;
}
