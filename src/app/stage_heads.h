/* What the two views of stages 4–8 share (stage_heads.c, the heads side by
 * side; stage_heads_focus.c, one head large): the sizes of cells and type,
 * a head's grid with its labels and values, the row sums, the colour bars
 * and the V and O slabs. Private to those two files. */
#ifndef ATTNVIZ_STAGE_HEADS_H
#define ATTNVIZ_STAGE_HEADS_H

#include "stage.h"

/* A cell size in pixels: whole pixels from 6 up, never above cap. */
double heads_snap_cell(double cell, double cap);
/* Pixels of count cells, at least one. */
int heads_span(size_t count, double cell);
/* Cell width and height for room_w × room_h pixels per cell. */
void heads_cell_size(double room_w, double room_h, double cap, double *cw, double *ch);
/* The same with cells up to wide times as wide as tall. */
void heads_cell_size_wide(double room_w, double room_h, double cap, double wide, double *cw,
                          double *ch);
/* Label type for rows of cell pixels. */
int heads_label_px(const stage_ctx *c, double cell);

/* "■ head 3 · kv 2  extra" at (x, y) (vertical centre), fitted to max_w. */
void heads_title(const stage_ctx *c, size_t h, int x, int y, int max_w, int px,
                 const char *extra);
/* Head h's grid at g with its frame, labels (0: none), values and marks. */
void heads_grid(stage_ctx *c, size_t h, SDL_Rect g, int left_w, int top_h, int lpx);
/* The values in the cells of d drawn at g, when they can be read. */
void heads_cell_values(const stage_ctx *c, const draw_matrix_desc *d, SDL_Rect g);

/* "every row Σ=1.000" for head h's title, "" until every row is done. */
void heads_sums_summary(const stage_ctx *c, size_t h, char *buf, size_t len);
/* Stage 7 under way: "exp …" or "÷ Σ …" right of the row being worked on,
 * in room_w pixels right of grid g, at px down to the frame's smallest. */
void heads_step_note(const stage_ctx *c, SDL_Rect g, int room_w, int px);

/* "std 2.84 → 1.00" for head h (stage 5). */
void heads_spread_text(const stage_ctx *c, size_t h, char *buf, size_t len);
/* The V_h and O_h slabs of head h (n × d_head), for stage 8. */
draw_matrix_desc heads_v_desc(const stage_ctx *c, size_t h);
draw_matrix_desc heads_o_desc(const stage_ctx *c, size_t h);

/* The stage's colour bars in column, and the column's width (two bars'
 * room in every stage). */
void heads_colorbars(const stage_ctx *c, SDL_Rect column);
int heads_colorbars_width(const stage_ctx *c);

/* One head large (VIEW_FOCUS). */
void stage_heads_focus(stage_ctx *c);

#endif
