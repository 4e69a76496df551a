/* Private to the frame and its stage views: what one frame knows (the
 * context), shared helpers for token labels and matrix panels, and the
 * stage drawing functions. Every number drawn comes from the trace in
 * s->model; nothing here computes attention. */
#ifndef ATTNVIZ_APP_STAGE_H
#define ATTNVIZ_APP_STAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "draw.h"
#include "scale.h"

/* One frame's facts, filled by app_draw before a stage draws. */
typedef struct stage_ctx {
    SDL_Renderer *r;
    text_cache *tc;
    draw_pool *pool; /* the frame's textures and line queue (draw.h) */
    app_state *s;
    const theme *th;
    const state_model *m;
    const attn_trace *t;
    const attn_config *c;
    size_t n, d_model, n_heads, n_kv, d_head, d_kv;
    /* The maps' columns: the keys' tokens. n_keys == n in self-attention;
     * with cross-attention (cross) they are the other sentence's, and every
     * map is n × n_keys, K and V have n_keys rows. */
    size_t n_keys;
    bool cross;
    size_t focus;  /* head in focus, within range */
    int px;        /* the type size */
    int spx;       /* small type: labels, legends */
    float p;       /* progress in [0, 1] */
    float e;       /* progress eased (cubic in-out) */
    SDL_Rect area; /* where the stage draws (clipped to it) */
} stage_ctx;

/* With random weights at stages 7 and 8: writes why the rows are near
 * uniform, quoting this model's numbers, as '\n'-separated alternatives
 * (stage_text_alts) into buf and returns true; else false
 * (stage_mechanics_note.c). */
bool stage_mechanics_note(const stage_ctx *c, char *buf, size_t len);

/* ---- helpers (stage_common.c) --------------------------------------------------- */

/* Height of a matrix title line (stage_matrix draws it above the matrix). */
static inline int stage_title_h(const stage_ctx *c) { return c->spx * 3 / 2 + 2; }

/* Width a colour bar takes at the right of a stage, labels included. */
static inline int stage_colorbar_w(const stage_ctx *c) { return c->spx + c->spx / 3 + 4 * c->spx; }

/* The strip count colour bars take beside a stage area of area_w × area_h,
 * the matrices coming first: side by side while that is at most a quarter
 * of the width; else one above the other (one bar wide) where each still
 * gets 4 lines of height; else side by side up to half the width; else
 * none (0), a narrow frame keeping its room for the heatmaps. */
int stage_colorbars_width(const stage_ctx *c, int count, int area_w, int area_h);

/* Eased progress of the part [from, to] of a stage's animation, in [0, 1]. */
float stage_ease_part(float p, float from, float to);

/* Token i's spelling: a span of the sentence, not NUL-terminated. */
const char *stage_token(const stage_ctx *c, size_t i, size_t *len);
/* Key (column) j's spelling: the other sentence's token j with
 * cross-attention, else stage_token's. */
const char *stage_key_token(const stage_ctx *c, size_t j, size_t *len);

/* s shortened with "…" (at a UTF-8 boundary) to fit max_w pixels at px,
 * into buf. Returns the width, 0 when not even "…" fits (buf is then ""). */
int stage_fit(const stage_ctx *c, const char *s, size_t len, int px, int max_w, char *buf,
              size_t cap);
/* Draws s fitted to max_w; returns the width drawn. */
int stage_text_fit(const stage_ctx *c, const char *s, int px, SDL_Color col, int x, int y,
                   int align, int max_w);
/* Draws s broken at spaces into lines of at most max_w pixels, the first
 * centred on y, each line_h below the last, at most max_lines of them (the
 * last one shortened with "…" when the text goes on). A sentence is
 * re-wrapped, never cut, while the lines allow. Returns the lines drawn. */
int stage_text_wrap(const stage_ctx *c, const char *s, int px, SDL_Color col, int x, int y,
                    int max_w, int line_h, int max_lines);

/* Draws the first of the '\n'-separated alternatives in alts that fits
 * max_w (the last one shortened with "…" when none does). */
int stage_text_alts(const stage_ctx *c, const char *alts, int px, SDL_Color col, int x, int y,
                    int align, int max_w);

/* The help overlay (H) over the frame's w × h (help.c). */
void stage_help(stage_ctx *c, int w, int h);

/* Widest token at px, capped at cap pixels. */
int stage_token_width(const stage_ctx *c, int px, int cap);

/* Records a clickable token label and a head grid in s->layout. */
void stage_record_label(const stage_ctx *c, SDL_Rect rc, size_t token);
void stage_record_grid(const stage_ctx *c, SDL_Rect rc, size_t head);

/* Token labels beside the rows of a matrix drawn at grid: right-aligned,
 * ending gap pixels left of grid.x, at most max_w wide, each recorded as
 * clickable. Skipped when rows are under 8 pixels; long lists thin out.
 * The selected token is drawn in the accent colour. */
void stage_row_labels(const stage_ctx *c, SDL_Rect grid, size_t rows, int max_w, int px);
/* Token labels above the columns of grid (one per column, two staggered
 * lines when crowded, abbreviated with "…"), within height max_h above
 * grid. Returns the height used (0 when they did not fit). The columns of
 * a map are keys: with cross-attention the other sentence's tokens
 * (stage_key_token), which are not clickable (a click selects a query). */
int stage_col_labels(const stage_ctx *c, SDL_Rect grid, size_t cols, int max_h, int px);
/* Height stage_col_labels needs for cols columns over width w at px. */
int stage_col_labels_height(const stage_ctx *c, int w, size_t cols, int px, int max_h);
/* Token labels beside the rows of a matrix of key/value rows (K, V): the
 * other sentence's tokens with cross-attention (not clickable), else
 * stage_row_labels. */
void stage_key_row_labels(const stage_ctx *c, SDL_Rect grid, size_t rows, int max_w, int px);

/* A matrix with a title line above it ("Q  11×32  ±2.3"), outlined. The
 * title (alternatives separated by '\n', longest first) is fitted to the
 * width of the matrix or title_w if larger. */
void stage_matrix(const stage_ctx *c, SDL_Rect dst, const draw_matrix_desc *d, const char *title,
                  SDL_Color title_color, int title_w);
/* Outlines row i (or column j) of a rows×cols matrix drawn at grid. */
void stage_outline_row(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t i, SDL_Color col,
                       int thick);
void stage_outline_col(const stage_ctx *c, SDL_Rect grid, size_t cols, size_t j, SDL_Color col,
                       int thick);
/* Whether token i is lit: the selected token (a click, or a lesson step's
 * first token highlight) or a row a lesson step highlights (its further
 * tokens), so a step that names two tokens shows both. */
bool stage_token_lit(const stage_ctx *c, size_t i);
/* On a matrix whose rows are the tokens (X, Q/K/V, the split, the
 * products), the rows of every lit token, in the highlight colour. */
void stage_outline_lit_rows(const stage_ctx *c, SDL_Rect m, size_t rows, int thick);

/* A lesson step's row highlights ("highlight: row 8") on a matrix of
 * token rows beside the attention maps (V_h, O_h in stage 8), in the
 * accent colour and as thick as on the maps, so "row 8 of the output" is
 * marked where the text points. */
void stage_outline_step_rows(const stage_ctx *c, SDL_Rect m, size_t rows);

/* Where every number comes from: outlines row i (j < 0), column j (i < 0)
 * or cell (i, j) of the rows×cols matrix called name (head -1: not per
 * head) drawn at grid, and notes it in the layout record as a highlight,
 * so a test can see which operand is lit. */
void stage_mark(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t cols, int i, int j,
                const char *name, int head, SDL_Color col, int thick);
/* stage_outline_lit_rows, each lit row also noted as a highlight of name. */
void stage_mark_lit_rows(const stage_ctx *c, SDL_Rect m, size_t rows, int thick, const char *name,
                         int head);
/* The cell of a rows×cols matrix drawn at grid under the mouse; false when
 * the mouse is not on it. */
bool stage_hover_cell(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t cols, size_t *i,
                      size_t *j);
/* The token followed stage by stage (follow mode, the selected token), or
 * -1 when the mode is off. */
int stage_followed(const stage_ctx *c);

/* stage_follow.c: in follow mode, the height of a line at the foot of
 * the stage (0 when the mode is off), and that line drawn in strip, saying
 * where the followed token is ("following 'robot': its weight row, which
 * sums to 1"); at stages 4–7 its row marked on every head's grid. */
int stage_follow_height(const stage_ctx *c);
void stage_follow_caption(const stage_ctx *c, SDL_Rect strip);

/* The pixel rectangle of cell (i, j) in a rows×cols matrix drawn at grid. */
SDL_Rect stage_cell_rect(SDL_Rect grid, size_t rows, size_t cols, size_t i, size_t j);

/* Colour bars side by side in column (a strip at the right of the stage,
 * stage_colorbars_width wide; one above the other when that is one bar
 * wide, nothing when 0): titles above, scales beside, and unless
 * masked is NULL the legend of masked cells below, saying what they hold
 * ("−∞", or "0" once softmax has run). Their height is capped so they read
 * as a legend, not a matrix. */
typedef struct stage_bar {
    draw_map map;
    float range;
    const char *title;
    int flags; /* DRAW_BAR_CLIPPED, DRAW_BAR_PER_ROW (draw.h) */
} stage_bar;
void stage_colorbars(const stage_ctx *c, SDL_Rect column, const stage_bar *bars, int count,
                     const char *masked);

/* A line of explanation at (x, y): s holds forms from the longest to the
 * shortest, one per line; the longest that fits max_w is drawn. */
void stage_note(const stage_ctx *c, const char *s, int x, int y, int max_w, SDL_Color col);

/* Cells that appear in row-major order as the eased progress goes. */
size_t stage_cells_shown(float e, size_t rows, size_t cols);

/* ---- colour scales (stage_scales.c) ---------------------------------------------- */

/* The robust scale (scale_robust) of count values at v, cached per model
 * build. Q and K share one scale (stage 4 multiplies them); V has its own,
 * which its mixes keep: the head outputs O_h and concat. */
scale_range stage_scale_of(const stage_ctx *c, const float *v, size_t count);
scale_range stage_qk_scale(const stage_ctx *c);
scale_range stage_v_scale(const stage_ctx *c);
/* A colour bar's flags for scale s (DRAW_BAR_CLIPPED when it clips). */
int stage_bar_flags(scale_range s);

/* ---- the head in focus at the whole-matrix stages (stage_focus.c) ------------------ */

/* Whether the focus view asks for one head's share of a whole-matrix stage. */
bool stage_focus_on(const stage_ctx *c);
/* The K/V group head h reads (its own slab when there are as many as heads). */
size_t stage_kv_group(const stage_ctx *c, size_t h);
/* "head 1.2" (app_head_name's name). */
void stage_head_label(const stage_ctx *c, size_t h, char *buf, size_t len);
/* "kv 1, shared by heads 1.1–1.2": K/V group g in words. */
void stage_group_label(const stage_ctx *c, size_t g, char *buf, size_t len);
/* Outlines the band of count columns from first (or rows, by_rows) of a
 * rows×cols matrix drawn at grid and notes it in the layout record as a
 * highlight of name (its row or column: the band's first), so a test can
 * see which head's share is lit. Returns the band's rectangle. */
SDL_Rect stage_mark_band(const stage_ctx *c, SDL_Rect grid, size_t rows, size_t cols,
                         size_t first, size_t count, bool by_rows, const char *name, int head,
                         SDL_Color col, int thick);

/* ---- the stages ------------------------------------------------------------------- */

/* stage_matrices.c: 1–3, 9, 10 (whole-matrix stages; in VIEW_FOCUS the head in focus
 * is marked where the stage has a share of it). */
void stage_embed(stage_ctx *c);
void stage_project(stage_ctx *c);
void stage_split(stage_ctx *c);
void stage_concat(stage_ctx *c);
void stage_output(stage_ctx *c);

/* stage_cross.c: 1 and 2 with cross-attention: the two sentences' X and
 * X_kv, then Q = X·W_Q beside K, V = X_kv·W_K, X_kv·W_V. */
void stage_embed_cross(stage_ctx *c);
void stage_project_cross(stage_ctx *c);

/* stage_heads.c: 4–8 in VIEW_HEADS and VIEW_FOCUS. */
void stage_heads(stage_ctx *c, bool focus);

/* stage_mix.c: stage 8 for token i of head h: its row of A_h (drawn at
 * ar), a bar left of each row of V_h (at vr) in proportion to the weight
 * that row gets (the row's largest weight as long as gap, the room
 * between A and V), lines from those rows to row i of O_h (at orr); all
 * noted as highlights. */
void stage_mix(const stage_ctx *c, size_t h, size_t i, SDL_Rect ar, SDL_Rect vr, SDL_Rect orr,
               int gap);

/* stage_heads_explain.c: the stage's sentence above the heads (4–8), its
 * forms from the whole to the shortest, one per line (for stage_note). */
void stage_heads_explain(const stage_ctx *c, char *buf, size_t len);

/* The description of what head h's n×n grid shows at this stage and
 * progress (scores, scaling, masking, weights), used by the views and the
 * tooltip. */
draw_matrix_desc stage_head_desc(const stage_ctx *c, size_t h);

/* view_arcs.c: 7–8 as lines between two columns of tokens. Returns false
 * when the stage has no weights (the caller draws the stage's usual view
 * in the area left): it then wrote a line saying so and took the line's
 * room from c->area. */
bool view_arcs(stage_ctx *c);

/* Cells of units_w × units_h in avail_w × avail_h, capped at max, at most
 * twice as tall as wide or wide as tall (stage_common.c). */
void stage_fit_cells(int avail_w, int avail_h, double units_w, double units_h, double max,
                     double *cw, double *ch);
/* Pixels of `cells` cells of `size`: at least 1 for a part of one. */
int stage_px_of(double cells, double size);

#endif
