/* Drawing primitives for the views: rectangles, lines, matrices drawn
 * through streaming textures with a colour map, hatching for masked (−∞)
 * cells, colour bars with their scale, panels.
 *
 * Matrices are the bulk of every frame, so they never cost one
 * SDL_RenderFillRect per cell: each is written pixel by pixel into a
 * streaming texture at its size on screen (one colour look-up per visible
 * cell and row, rows copied when they repeat) and copied once. Textures come
 * from a pool of slots handed out in drawing order and kept between frames,
 * so a steady picture allocates nothing.
 *
 * Lifetime: the caller owns the pool (draw_pool_init / draw_pool_free) and
 * keeps it beside its renderer: the window has one, each offscreen target
 * has one. A pool belongs to one renderer at a time. draw_begin starts
 * every frame (app_draw calls it). Call draw_pool_free before
 * SDL_DestroyRenderer, as with text_cache_destroy, to free the textures
 * at once; a caller that forgets is still safe (see draw_begin), and SDL
 * frees the textures with their renderer. */
#ifndef ATTNVIZ_APP_DRAW_H
#define ATTNVIZ_APP_DRAW_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout_record.h"
#include "text.h"
#include "theme.h"

/* ---- the pool --------------------------------------------------------------------- */

typedef struct draw_slot draw_slot;         /* a pooled texture (draw.c) */
typedef struct draw_line_cmd draw_line_cmd; /* a queued thick line (draw.c) */

/* What the drawing functions keep between frames: the matrices' textures
 * (slots handed out in drawing order), a scratch row for draw_matrix, and
 * the thick lines waiting for draw_lines_flush. Fields are draw.c's. */
typedef struct draw_pool {
    SDL_Renderer *renderer; /* the renderer the textures belong to */
    const text_cache *text; /* drawn with, and its count of rendered strings */
    size_t text_renders;
    draw_slot *slots;
    size_t n_slots, next;
    uint32_t *col_of_x; /* per pixel column: the matrix column, top bit = gap */
    size_t col_cap;
    draw_line_cmd *lines;
    size_t n_lines, line_cap;
    layout_record *record; /* NULL, or where draw_matrix notes each matrix (the caller's) */
} draw_pool;

/* An empty pool: it allocates as frames need. */
void draw_pool_init(draw_pool *p);

/* Destroys every pooled texture and scratch buffer. Call it before
 * destroying the renderer the frames were drawn on (never after: its
 * textures are gone with it); drawing again after it is fine (the pool
 * starts empty). NULL is fine. */
void draw_pool_free(draw_pool *p);

/* Starts a frame on r, whose strings are drawn through tc: texture slots
 * are handed out from the first again. When r or tc is not the last one,
 * or tc has rasterised fewer strings than when last seen (a new cache at a
 * recycled address, so a new renderer), the pool forgets its textures
 * without touching them: they belonged to a renderer that is gone or not
 * ours. */
void draw_begin(draw_pool *p, SDL_Renderer *r, const text_cache *tc);

/* Ends a frame: remembers how many strings tc has rasterised, for the
 * next draw_begin's check (app_draw calls it). */
void draw_end(draw_pool *p, const text_cache *tc);

/* ---- plain shapes ------------------------------------------------------------- */

/* A filled rectangle; blended when c.a < 255. Empty or negative sizes draw
 * nothing. */
void draw_fill(SDL_Renderer *r, SDL_Rect rc, SDL_Color c);
/* The same for a large area (a frame's background). In the browser an opaque
 * one is filled as one band of rows copied down the rest: a copy is memcpy,
 * done natively (wasm's memory.copy), where SDL's fill is a loop of 4-byte
 * stores (its SSE fill needs a CPU check that wasm does not have). */
void draw_clear(draw_pool *p, SDL_Renderer *r, SDL_Rect rc, SDL_Color c);
/* An outline of the given thickness, inside rc. */
void draw_outline(SDL_Renderer *r, SDL_Rect rc, SDL_Color c, int thickness);
/* A one-pixel line. */
void draw_line(SDL_Renderer *r, int x0, int y0, int x1, int y1, SDL_Color c);
/* A panel: the theme's panel colour with its border. */
void draw_panel(SDL_Renderer *r, SDL_Rect rc, const theme *th);
/* The masked look (fill plus diagonal hatch), e.g. for a legend swatch. */
void draw_hatch(SDL_Renderer *r, SDL_Rect rc, SDL_Color fill, SDL_Color mark);

/* Thick, blended lines are collected and drawn by draw_lines_flush as
 * parallel one-pixel lines (the arcs view draws thousands; the software
 * renderer's blended triangles are far slower). */
void draw_lines_add(draw_pool *p, float x0, float y0, float x1, float y1, float thickness,
                    SDL_Color c);
void draw_lines_flush(draw_pool *p, SDL_Renderer *r);

/* ---- matrices -------------------------------------------------------------------- */

typedef enum draw_map {
    DRAW_DIVERGING, /* v / range on [-1, 1]: blue, grey, red (colormap_diverging) */
    DRAW_SEQUENTIAL /* v / range on [0, 1]: violet to yellow (colormap_sequential) */
} draw_map;

/* A view of a matrix: element (i, j) is v[i * row_stride + j * col_stride],
 * so a column slab of a wider matrix or a transpose needs no copy. −∞ means
 * masked and never reaches a colour map; NaN draws as an empty cell. */
typedef struct draw_values {
    const float *v; /* NULL: none */
    ptrdiff_t row_stride, col_stride;
    draw_map map;
    float range; /* the value drawn at full colour; <= 0 is taken as 1; beyond it
                  * a value is clipped (colormap_clipped) */
    /* Per-row contrast: each row drawn with its own largest value as the
     * range (the values themselves are unchanged, for labels). */
    bool per_row;
    /* Rows centred: each row drawn minus its mean, the mean taken over the
     * cells where centre_over (same strides; NULL: v itself) is finite, so
     * a masked score's −∞ is left out. Softmax gives the same weights for a
     * row plus any constant, so this shows only what softmax sees. Values
     * stay unchanged, for labels. */
    bool centred;
    const float *centre_over;
} draw_values;

typedef enum draw_blend {
    DRAW_BLEND_NONE,   /* a only */
    DRAW_BLEND_VALUES, /* values a + (b − a)·t through a's map (a scale that holds) */
    DRAW_BLEND_ROWS,   /* rows < row show b, row `row` mixes a to b by t, later rows a */
} draw_blend;

typedef struct draw_matrix_desc {
    size_t rows, cols;
    draw_values a;
    draw_values b; /* for the blends */
    draw_blend blend;
    float t;
    size_t row;
    size_t visible; /* cells shown in row-major order; later ones are empty */
    /* Optional: cells where mask[i * mask_stride + j] is −∞ are drawn
     * masked whatever a or b hold (the weights of masked cells are 0). */
    const float *mask;
    size_t mask_stride;
    SDL_Color empty, gap, masked, masked_mark;
    /* What the matrix is, for a layout record: "scores", "W_O" (NULL:
     * "matrix"), and its head, from 0, or -1 when not per head. */
    const char *name;
    int head;
} draw_matrix_desc;

/* A description with sizes, one plain matrix a, everything visible, the
 * theme's colours, no name, no head. */
draw_matrix_desc draw_matrix_plain(size_t rows, size_t cols, draw_values a, const theme *th);
/* Names d for a layout record (head -1: not per head); returns d. */
draw_matrix_desc draw_matrix_named(draw_matrix_desc d, const char *name, int head);
/* A row-major rows×cols view of v with the given stride. */
draw_values draw_values_rows(const float *v, size_t stride, draw_map map, float range);

/* Draws d into dst (any size ≥ 1 pixel; cells are sampled nearest when
 * smaller than a pixel) through a texture of p. Cells 9 pixels or larger
 * (in that direction) get a one-pixel gap in d->gap between them. Returns false when nothing
 * could be drawn. */
bool draw_matrix(draw_pool *p, SDL_Renderer *r, SDL_Rect dst, const draw_matrix_desc *d);

/* What cell (i, j) of d shows, for labels and tooltips: its value (the one
 * whose colour dominates in a blend), whether it is masked, visible. */
typedef struct draw_cell {
    float value;
    bool masked, visible;
    draw_map map;
    float range;
    float shade; /* what the colour is of: value, minus the row's mean when centred */
} draw_cell;
draw_cell draw_matrix_cell(const draw_matrix_desc *d, size_t i, size_t j);

/* The colour of value v under map and range (−∞: the masked fill). */
SDL_Color draw_value_color(draw_map map, float range, float v, SDL_Color masked);
/* Black or white, whichever reads better on bg. */
SDL_Color draw_ink_on(SDL_Color bg);
/* Linear interpolation of two colours (t clamped to [0, 1]). */
SDL_Color draw_mix(SDL_Color a, SDL_Color b, float t);

/* Writes v for a label: "−∞", "1.23", "−12.3", "412" (Unicode minus). */
void draw_format_value(char *buf, size_t len, float v);

/* Writes v with four significant digits, for a tooltip: "−15.03",
 * "0.006712", "−∞". */
void draw_format_exact(char *buf, size_t len, float v);

/* A vertical colour bar in bar with its scale written to the right (so it
 * needs about 3.5·px more) and title above (1.5·px): diverging bars read
 * −range, 0, +range; sequential ones 0, range/2, range. With
 * DRAW_BAR_CLIPPED a cap of the clipped colour ends the bar (both ends when
 * diverging) and the scale's labels sit where the caps begin. Returns the
 * total width used. */
enum {
    DRAW_BAR_CLIPPED = 1, /* the scale clips: end caps in the clipped colours */
    DRAW_BAR_PER_ROW = 2, /* per-row contrast: the top reads "max", not a number;
                           * diverging (rows centred): the middle reads "row mean" */
};
int draw_colorbar(draw_pool *p, SDL_Renderer *r, text_cache *tc, SDL_Rect bar, draw_map map,
                  float range, const char *title, int px, const theme *th, int flags);
/* The legend of masked cells: a hatched swatch and what they hold (value:
 * "−∞", "0"), with "masked" on a second line; left edge at x, first line
 * centred on y. Returns the width used. */
int draw_masked_legend(SDL_Renderer *r, text_cache *tc, int x, int y, int px, const char *value,
                       const theme *th);
/* The legend of clipped cells (values past a bar's ends, drawn in the
 * clipped colours): a swatch and "clipped", one line centred on y, left
 * edge at x; when that line would pass max_w, the word goes under the
 * swatch (as the masked legend's does). Returns the width used. */
int draw_clipped_legend(SDL_Renderer *r, text_cache *tc, int x, int y, int px, int max_w,
                        const theme *th);

#endif
