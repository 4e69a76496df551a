/* What a frame drew, for tests and tools: every matrix (its name, head,
 * place and size) and every text run (its string, type size and box),
 * written as JSON by `attnviz render` when asked for.
 *
 * The drawing code reaches the recorder through the text cache
 * (text_cache_set_record) and the draw pool (draw_pool.record). Both are
 * NULL in the window, where recording costs one pointer test per call.
 *
 * The caller owns the recorder: layout_init, draw, layout_write,
 * layout_free. */
#ifndef ATTNVIZ_APP_LAYOUT_RECORD_H
#define ATTNVIZ_APP_LAYOUT_RECORD_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

#include "attnviz/attn.h"

typedef enum layout_kind { LAYOUT_HEATMAP, LAYOUT_TEXT, LAYOUT_HIGHLIGHT } layout_kind;

typedef struct layout_item {
    layout_kind kind;
    char *text;   /* the string drawn (text) or what the matrix is (heatmap, highlight) */
    int head;     /* heatmap, highlight: the head, from 0, or -1 when not per head */
    int row, col; /* highlight: the row and column lit, -1 for a whole column or row */
    int px;       /* text: the type size in pixels */
    bool cut;     /* text: shortened with "…" to fit (stage_fit), the whole did not */
    SDL_Rect box; /* where it was drawn */
    size_t rows, cols; /* heatmap: its size in cells */
} layout_item;

typedef struct layout_record {
    int w, h; /* the frame */
    layout_item *items;
    size_t n, cap;
    bool out_of_memory; /* an item could not be kept: layout_write refuses */
    char *cut[64];      /* strings a fitter shortened, not yet drawn (a ring) */
    size_t n_cut;
} layout_record;

/* An empty record of a w×h frame. */
void layout_init(layout_record *l, int w, int h);
/* Frees every item; the record is empty again. NULL is fine. */
void layout_free(layout_record *l);
/* Forgets the items but keeps the memory, for the next frame. */
void layout_clear(layout_record *l);

/* A text run: the first len bytes of s at px, drawn in box. */
void layout_text(layout_record *l, const char *s, size_t len, int px, SDL_Rect box);
/* s is a text a fitter shortened with "…" because the whole did not fit:
 * the next text run drawn with exactly s is marked "cut" in the JSON. */
void layout_cut(layout_record *l, const char *s);
/* A matrix of rows×cols cells drawn in box; name NULL reads "matrix". */
void layout_heatmap(layout_record *l, const char *name, int head, SDL_Rect box, size_t rows,
                    size_t cols);

/* An outline lighting row (col -1), column (row -1) or cell (row, col) of
 * the matrix named name; box is the part of the matrix it frames. */
void layout_highlight(layout_record *l, const char *name, int head, int row, int col,
                      SDL_Rect box);

/* Writes {"frame": {"w", "h"}, "items": [...]} to path through the checked
 * writer: on failure the old file is kept and the message names the path. */
attn_status layout_write(const layout_record *l, const char *path, char *err, size_t err_len);

#endif
