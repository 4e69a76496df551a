/* Drawing primitives; see draw.h for the texture pool and its lifetime. */
#include "draw.h"

#include <cglm/cglm.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colormap.h"
#include "scale.h"

enum {
    SLOTS_MAX = 4096, /* matrices per frame; more are drawn as plain fills */
    TEX_ROUND = 64,   /* textures grow in steps, so a resize rarely reallocates */
    HATCH_PERIOD = 7, /* pixels between hatch stripes */
    HATCH_WIDTH = 2,  /* pixels of stripe */
    /* Cells this large get a gap line. At 6 pixels a 1-pixel gap is a
     * sixth of the cell, and a 128-wide matrix reads as a striped barcode;
     * from 9 on the gaps read as the edges of tiles. Each axis on its own:
     * token rows keep their gaps when the columns are too narrow. */
    GAP_MIN_CELL = 9,
    CLEAR_BAND = 64, /* rows draw_clear fills, then copies */
};

struct draw_slot {
    SDL_Texture *tex;
    int w, h; /* allocated size, may exceed what a frame uses */
};

#define GAP_BIT 0x80000000u

/* The matrices' textures are opaque, in the layout of the surface the
 * software renderer draws on, so copying one is a row of memcpy instead of
 * a pixel-by-pixel conversion: on the desktop ARGB8888 (its offscreen frames,
 * X11's windows), in the browser SDL's canvas surface, XBGR8888 (the
 * canvas's bytes R, G, B, A). */
#ifdef __EMSCRIPTEN__
#define MATRIX_FORMAT SDL_PIXELFORMAT_XBGR8888
#define PACK_RGB(r, g, b) ((uint32_t)(b) << 16 | (uint32_t)(g) << 8 | (uint32_t)(r))
#else
#define MATRIX_FORMAT SDL_PIXELFORMAT_ARGB8888
#define PACK_RGB(r, g, b) ((uint32_t)(r) << 16 | (uint32_t)(g) << 8 | (uint32_t)(b))
#endif

/* Thick lines waiting for draw_lines_flush. */
struct draw_line_cmd {
    float x0, y0, x1, y1, thickness;
    SDL_Color c;
};

void draw_pool_init(draw_pool *p) { memset(p, 0, sizeof *p); }

/* Forgets the pooled textures without destroying them: their renderer is
 * gone (and took them along) or belongs to someone else now. */
static void forget_textures(draw_pool *p) {
    free(p->slots);
    p->slots = NULL;
    p->n_slots = 0;
}

void draw_begin(draw_pool *p, SDL_Renderer *r, const text_cache *tc) {
    /* A new renderer may sit at the address of a destroyed one, so the
     * pointer alone cannot tell. Its text cache is new too, and a new cache
     * has rasterised fewer strings than the old one had (the count never
     * goes down): either sign means the old textures are dead. */
    size_t renders = tc ? text_cache_renders(tc) : 0;
    if (p->renderer != r || p->text != tc || renders < p->text_renders) forget_textures(p);
    p->renderer = r;
    p->text = tc;
    p->text_renders = renders;
    p->next = 0;
}

void draw_end(draw_pool *p, const text_cache *tc) {
    p->text_renders = tc ? text_cache_renders(tc) : 0;
    /* A cache that has rasterised nothing cannot be told from its successor
     * at the same address: keep no textures past such a frame. */
    if (p->text_renders == 0) {
        for (size_t i = 0; i < p->n_slots; i++)
            if (p->slots[i].tex) SDL_DestroyTexture(p->slots[i].tex);
        forget_textures(p);
    }
}

void draw_pool_free(draw_pool *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n_slots; i++)
        if (p->slots[i].tex) SDL_DestroyTexture(p->slots[i].tex);
    free(p->slots);
    free(p->col_of_x);
    free(p->lines);
    memset(p, 0, sizeof *p);
}

/* The next slot's texture, at least w×h; NULL when out of slots or memory. */
static SDL_Texture *slot_texture(draw_pool *p, SDL_Renderer *r, int w, int h) {
    if (p->renderer != r) draw_begin(p, r, p->text);
    if (p->next >= SLOTS_MAX) return NULL;
    if (p->next >= p->n_slots) {
        size_t n = p->n_slots ? p->n_slots * 2 : 32;
        if (n > SLOTS_MAX) n = SLOTS_MAX;
        draw_slot *s = realloc(p->slots, n * sizeof *s);
        if (!s) return NULL;
        memset(s + p->n_slots, 0, (n - p->n_slots) * sizeof *s);
        p->slots = s;
        p->n_slots = n;
    }
    draw_slot *s = &p->slots[p->next++];
    if (s->tex && s->w >= w && s->h >= h) return s->tex;
    if (s->tex) SDL_DestroyTexture(s->tex);
    int tw = (w + TEX_ROUND - 1) / TEX_ROUND * TEX_ROUND;
    int th = (h + TEX_ROUND - 1) / TEX_ROUND * TEX_ROUND;
    if (s->w > tw) tw = s->w; /* never shrink: sizes go back and forth */
    if (s->h > th) th = s->h;
    s->tex = SDL_CreateTexture(r, MATRIX_FORMAT, SDL_TEXTUREACCESS_STREAMING, tw, th);
    s->w = s->tex ? tw : 0;
    s->h = s->tex ? th : 0;
    if (s->tex) SDL_SetTextureBlendMode(s->tex, SDL_BLENDMODE_NONE);
    return s->tex;
}

/* ---- plain shapes ------------------------------------------------------------- */

static void set_color(SDL_Renderer *r, SDL_Color c) {
    SDL_SetRenderDrawBlendMode(r, c.a < 255 ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

void draw_fill(SDL_Renderer *r, SDL_Rect rc, SDL_Color c) {
    if (rc.w <= 0 || rc.h <= 0) return;
    set_color(r, c);
    SDL_RenderFillRect(r, &rc);
}

void draw_outline(SDL_Renderer *r, SDL_Rect rc, SDL_Color c, int thickness) {
    if (rc.w <= 0 || rc.h <= 0 || thickness <= 0) return;
    int t = thickness;
    if (2 * t >= rc.w || 2 * t >= rc.h) {
        draw_fill(r, rc, c);
        return;
    }
    set_color(r, c);
    SDL_Rect sides[4] = {
        {rc.x, rc.y, rc.w, t},
        {rc.x, rc.y + rc.h - t, rc.w, t},
        {rc.x, rc.y + t, t, rc.h - 2 * t},
        {rc.x + rc.w - t, rc.y + t, t, rc.h - 2 * t},
    };
    SDL_RenderFillRects(r, sides, 4);
}

void draw_line(SDL_Renderer *r, int x0, int y0, int x1, int y1, SDL_Color c) {
    set_color(r, c);
    SDL_RenderDrawLine(r, x0, y0, x1, y1);
}

void draw_panel(SDL_Renderer *r, SDL_Rect rc, const theme *th) {
    draw_fill(r, rc, th->panel);
    draw_outline(r, rc, th->panel_border, 1);
}

void draw_hatch(SDL_Renderer *r, SDL_Rect rc, SDL_Color fill, SDL_Color mark) {
    if (rc.w <= 0 || rc.h <= 0) return;
    draw_fill(r, rc, fill);
    /* Stripes on x + y = const, as in the matrices, clipped to rc. */
    SDL_Rect old;
    SDL_bool had = SDL_RenderIsClipEnabled(r);
    SDL_RenderGetClipRect(r, &old);
    SDL_Rect clip = rc;
    if (had && !SDL_IntersectRect(&old, &rc, &clip)) return;
    SDL_RenderSetClipRect(r, &clip);
    set_color(r, mark);
    int start = rc.x + rc.y;
    start -= start % HATCH_PERIOD; /* line up with the matrices' pattern */
    for (int s = start; s < rc.x + rc.w + rc.y + rc.h; s += HATCH_PERIOD)
        for (int k = 0; k < HATCH_WIDTH; k++)
            SDL_RenderDrawLine(r, s + k - rc.y, rc.y, s + k - (rc.y + rc.h), rc.y + rc.h);
    SDL_RenderSetClipRect(r, had ? &old : NULL);
}

/* ---- thick lines ------------------------------------------------------------------ */

/* A thick line is drawn as parallel one-pixel lines, offset across its
 * main direction so they never cover a pixel twice (blending stays even).
 * The software renderer fills a blended triangle through a temporary
 * surface of its whole bounding box, which made long thin quads (the arcs)
 * cost 100 ms a frame; one-pixel blended lines cost microseconds. */
void draw_lines_add(draw_pool *p, float x0, float y0, float x1, float y1, float thickness,
                    SDL_Color c) {
    if (c.a == 0 || !(thickness > 0.0f)) return;
    if (p->n_lines == p->line_cap) {
        size_t cap = p->line_cap ? p->line_cap * 2 : 1024;
        draw_line_cmd *l = realloc(p->lines, cap * sizeof *l);
        if (!l) return;
        p->lines = l;
        p->line_cap = cap;
    }
    p->lines[p->n_lines++] = (draw_line_cmd){x0, y0, x1, y1, thickness, c};
}

void draw_lines_flush(draw_pool *p, SDL_Renderer *r) {
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    for (size_t k = 0; k < p->n_lines; k++) {
        const draw_line_cmd *l = &p->lines[k];
        int t = (int)lroundf(l->thickness);
        if (t < 1) t = 1;
        if (t > 64) t = 64;
        bool steep = fabsf(l->y1 - l->y0) > fabsf(l->x1 - l->x0);
        SDL_SetRenderDrawColor(r, l->c.r, l->c.g, l->c.b, l->c.a);
        int x0 = (int)lroundf(l->x0), y0 = (int)lroundf(l->y0);
        int x1 = (int)lroundf(l->x1), y1 = (int)lroundf(l->y1);
        for (int o = -(t - 1) / 2, end = o + t; o < end; o++) {
            if (steep)
                SDL_RenderDrawLine(r, x0 + o, y0, x1 + o, y1);
            else
                SDL_RenderDrawLine(r, x0, y0 + o, x1, y1 + o);
        }
    }
    p->n_lines = 0;
}

/* ---- colours ---------------------------------------------------------------------- */

SDL_Color draw_mix(SDL_Color a, SDL_Color b, float t) {
    t = glm_clamp_zo(t);
    return (SDL_Color){(Uint8)lroundf(glm_lerp(a.r, b.r, t)), (Uint8)lroundf(glm_lerp(a.g, b.g, t)),
                       (Uint8)lroundf(glm_lerp(a.b, b.b, t)),
                       (Uint8)lroundf(glm_lerp(a.a, b.a, t))};
}

SDL_Color draw_ink_on(SDL_Color bg) {
    /* Rec. 709 luma on the encoded values: good enough to pick black or white. */
    float y = 0.2126f * bg.r + 0.7152f * bg.g + 0.0722f * bg.b;
    return y > 140.0f ? (SDL_Color){0, 0, 0, 255} : (SDL_Color){255, 255, 255, 255};
}

static bool is_masked_value(float v) { return isinf(v) && v < 0.0f; }

SDL_Color draw_value_color(draw_map map, float range, float v, SDL_Color masked) {
    if (is_masked_value(v)) return masked;
    if (range <= 0.0f || !isfinite(range)) range = 1.0f;
    float t = v / range;
    /* past the end (a robust range clips the few largest values); a hair of
     * slack so a value equal to the range is never called clipped */
    if (t > 1.0001f || (map == DRAW_DIVERGING && t < -1.0001f))
        return colormap_clipped(t, map == DRAW_SEQUENTIAL);
    if (map == DRAW_SEQUENTIAL) return colormap_sequential(t);
    return colormap_diverging(t);
}

static uint32_t pack(SDL_Color c) {
    return 0xFF000000u | PACK_RGB(c.r, c.g, c.b);
}

void draw_format_value(char *buf, size_t len, float v) {
    if (is_masked_value(v)) {
        snprintf(buf, len, "−∞");
        return;
    }
    if (v != v) {
        snprintf(buf, len, "?");
        return;
    }
    float a = fabsf(v);
    char digits[32];
    if (a < 10.0f)
        snprintf(digits, sizeof digits, "%.2f", a);
    else if (a < 100.0f)
        snprintf(digits, sizeof digits, "%.1f", a);
    else
        snprintf(digits, sizeof digits, "%.0f", a);
    /* "−0.00" would be a lie of the sign: a value that rounds to zero has none. */
    bool neg = v < 0.0f && strspn(digits, "0.") != strlen(digits);
    snprintf(buf, len, "%s%s", neg ? "−" : "", digits);
}

void draw_format_exact(char *buf, size_t len, float v) {
    if (is_masked_value(v) || v != v) {
        draw_format_value(buf, len, v);
        return;
    }
    char digits[48];
    snprintf(digits, sizeof digits, "%.4g", (double)fabsf(v));
    snprintf(buf, len, "%s%s", v < 0.0f ? "−" : "", digits);
}

/* ---- matrices -------------------------------------------------------------------- */

draw_values draw_values_rows(const float *v, size_t stride, draw_map map, float range) {
    return (draw_values){v, (ptrdiff_t)stride, 1, map, range, false, false, NULL};
}

draw_matrix_desc draw_matrix_plain(size_t rows, size_t cols, draw_values a, const theme *th) {
    draw_matrix_desc d;
    memset(&d, 0, sizeof d);
    d.rows = rows;
    d.cols = cols;
    d.a = a;
    d.visible = rows * cols;
    d.empty = th->panel;
    d.gap = th->background;
    d.masked = th->masked;
    d.masked_mark = th->masked_mark;
    d.head = -1;
    return d;
}

draw_matrix_desc draw_matrix_named(draw_matrix_desc d, const char *name, int head) {
    d.name = name;
    d.head = head;
    return d;
}

static float value_at(const draw_values *v, size_t i, size_t j) {
    return v->v[(ptrdiff_t)i * v->row_stride + (ptrdiff_t)j * v->col_stride];
}

/* How one cell looks: a colour, or the hatch. */
typedef struct look {
    SDL_Color color;
    bool hatch;
} look;

/* The range row i of v is drawn with: its own maximum under per-row
 * contrast, else v's range. */
static float row_range(const draw_values *v, size_t i, size_t cols) {
    if (!v->per_row || !v->v) return v->range;
    return scale_row_max(v->v + (ptrdiff_t)i * v->row_stride, v->col_stride, cols);
}

/* What row i of v is drawn relative to: the mean of its cells that
 * centre_over keeps (finite there), or 0 when v is not centred. */
static float row_centre(const draw_values *v, size_t i, size_t cols) {
    if (!v->centred || !v->v) return 0.0f;
    const float *keep = v->centre_over ? v->centre_over : v->v;
    double sum = 0.0;
    size_t count = 0;
    for (size_t j = 0; j < cols; j++) {
        ptrdiff_t at = (ptrdiff_t)i * v->row_stride + (ptrdiff_t)j * v->col_stride;
        float x = v->v[at];
        if (!isfinite(keep[at]) || !isfinite(x)) continue;
        sum += x;
        count++;
    }
    return count > 0 ? (float)(sum / (double)count) : 0.0f;
}

/* The ranges and centres of row i of a and b (b's only when a blend draws it). */
typedef struct row_ranges {
    float a, b;
    float a_centre, b_centre;
} row_ranges;

static row_ranges ranges_of_row(const draw_matrix_desc *d, size_t i) {
    row_ranges rr = {row_range(&d->a, i, d->cols), d->b.range, row_centre(&d->a, i, d->cols),
                     0.0f};
    if (d->blend != DRAW_BLEND_NONE) {
        rr.b = row_range(&d->b, i, d->cols);
        rr.b_centre = row_centre(&d->b, i, d->cols);
    }
    return rr;
}

static look look_of(const draw_matrix_desc *d, const draw_values *v, float range, float x,
                    bool forced_mask) {
    if (forced_mask || is_masked_value(x)) return (look){d->masked, true};
    if (x != x) return (look){d->empty, false};
    return (look){draw_value_color(v->map, range, x, d->masked), false};
}

static look cell_look(const draw_matrix_desc *d, size_t i, size_t j, row_ranges rr) {
    if (i * d->cols + j >= d->visible) return (look){d->empty, false};
    bool mask = d->mask && is_masked_value(d->mask[i * d->mask_stride + j]);
    /* −∞ minus a centre is still −∞: the hatch */
    float a = value_at(&d->a, i, j) - rr.a_centre;
    switch (d->blend) {
    case DRAW_BLEND_VALUES: {
        float b = value_at(&d->b, i, j) - rr.b_centre;
        if (is_masked_value(a) || is_masked_value(b)) /* no halfway to −∞ */
            return look_of(d, &d->a, rr.a, d->t < 0.5f ? a : b, mask);
        return look_of(d, &d->a, rr.a, glm_lerp(a, b, glm_clamp_zo(d->t)), mask);
    }
    case DRAW_BLEND_ROWS: {
        float b = value_at(&d->b, i, j) - rr.b_centre;
        if (i < d->row) return look_of(d, &d->b, rr.b, b, mask);
        look la = look_of(d, &d->a, rr.a, a, mask);
        if (i > d->row || d->t <= 0.0f) return la;
        look lb = look_of(d, &d->b, rr.b, b, mask);
        return (look){draw_mix(la.color, lb.color, d->t), d->t < 0.5f ? la.hatch : lb.hatch};
    }
    case DRAW_BLEND_NONE:
    default: return look_of(d, &d->a, rr.a, a, mask);
    }
}

draw_cell draw_matrix_cell(const draw_matrix_desc *d, size_t i, size_t j) {
    draw_cell c = {0.0f, false, false, d->a.map, d->a.range, 0.0f};
    if (i >= d->rows || j >= d->cols || !d->a.v) return c;
    c.range = row_range(&d->a, i, d->cols);
    c.visible = i * d->cols + j < d->visible;
    float a = value_at(&d->a, i, j);
    c.value = a;
    c.shade = a - row_centre(&d->a, i, d->cols);
    if (d->blend == DRAW_BLEND_VALUES) {
        if (d->t >= 0.5f) { /* a label does not morph */
            c.value = value_at(&d->b, i, j);
            c.shade = c.value - row_centre(&d->b, i, d->cols);
        }
    } else if (d->blend == DRAW_BLEND_ROWS && (i < d->row || (i == d->row && d->t >= 0.5f))) {
        c.value = value_at(&d->b, i, j);
        c.shade = c.value - row_centre(&d->b, i, d->cols);
        c.map = d->b.map;
        c.range = row_range(&d->b, i, d->cols);
    }
    c.masked =
        is_masked_value(c.value) || (d->mask && is_masked_value(d->mask[i * d->mask_stride + j]));
    return c;
}

static bool grow_cols(draw_pool *p, size_t w) {
    if (w <= p->col_cap) return true;
    uint32_t *c = realloc(p->col_of_x, w * sizeof *c);
    if (!c) return false;
    p->col_of_x = c;
    p->col_cap = w;
    return true;
}

bool draw_matrix(draw_pool *p, SDL_Renderer *r, SDL_Rect dst, const draw_matrix_desc *d) {
    if (dst.w <= 0 || dst.h <= 0 || d->rows == 0 || d->cols == 0 || !d->a.v) return false;
    if (d->blend != DRAW_BLEND_NONE && !d->b.v) return false;
    if (p->record) layout_heatmap(p->record, d->name, d->head, dst, d->rows, d->cols);
    size_t w = (size_t)dst.w, h = (size_t)dst.h, rows = d->rows, cols = d->cols;
    if (!grow_cols(p, w)) return false;
    SDL_Texture *tex = slot_texture(p, r, dst.w, dst.h);
    if (!tex) { /* out of slots: a plain panel, never garbage */
        draw_fill(r, dst, d->empty);
        return false;
    }
    SDL_Rect src = {0, 0, dst.w, dst.h};
    void *pixels;
    int pitch;
    if (SDL_LockTexture(tex, &src, &pixels, &pitch) != 0) return false;

    /* Gaps between cells when they are big enough to read as tiles: the last
     * pixel of every cell but the last. */
    bool gap_x = w >= GAP_MIN_CELL * cols, gap_y = h >= GAP_MIN_CELL * rows;
    for (size_t x = 0; x < w; x++) {
        uint32_t j = (uint32_t)(x * cols / w);
        bool gap = gap_x && x + 1 < w && (x + 1) * cols / w != j;
        p->col_of_x[x] = j | (gap ? GAP_BIT : 0);
    }
    uint32_t gap_px = pack(d->gap), mark_px = pack(d->masked_mark), mask_px = pack(d->masked);

    uint32_t *prev = NULL;
    size_t prev_i = SIZE_MAX;
    bool prev_hatched = false;
    size_t ranges_i = SIZE_MAX; /* the row rr holds the ranges of */
    row_ranges rr = {d->a.range, d->b.range, 0.0f, 0.0f};
    for (size_t y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)((uint8_t *)pixels + y * (size_t)pitch);
        size_t i = y * rows / h;
        if (gap_y && y + 1 < h && (y + 1) * rows / h != i) {
            for (size_t x = 0; x < w; x++) row[x] = gap_px;
            continue;
        }
        /* A pixel row like the one above (same matrix row, no hatch, which
         * runs diagonally): copy it. */
        if (prev && i == prev_i && !prev_hatched) {
            memcpy(row, prev, w * sizeof *row);
            prev = row;
            continue;
        }
        if (i != ranges_i) {
            rr = ranges_of_row(d, i);
            ranges_i = i;
        }
        bool hatched = false;
        uint32_t last_j = UINT32_MAX, px = 0;
        bool hatch = false;
        size_t diag = (size_t)dst.x + (size_t)dst.y + y; /* screen x + y, for the stripes */
        for (size_t x = 0; x < w; x++) {
            uint32_t cx = p->col_of_x[x];
            if (cx & GAP_BIT) {
                row[x] = gap_px;
                continue;
            }
            if (cx != last_j) {
                look l = cell_look(d, i, cx, rr);
                px = pack(l.color);
                hatch = l.hatch;
                last_j = cx;
            }
            if (hatch) {
                hatched = true;
                row[x] = (diag + x) % HATCH_PERIOD < HATCH_WIDTH ? mark_px : mask_px;
            } else {
                row[x] = px;
            }
        }
        prev = row;
        prev_i = i;
        prev_hatched = hatched;
    }
    SDL_UnlockTexture(tex);
    SDL_RenderCopy(r, tex, &src, &dst);
    return true;
}

/* ---- large fills ------------------------------------------------------------------- */

void draw_clear(draw_pool *p, SDL_Renderer *r, SDL_Rect rc, SDL_Color c) {
    if (rc.w <= 0 || rc.h <= 0) return;
#ifndef __EMSCRIPTEN__
    /* SDL's own fill is SSE here, and faster than copies onto a window */
    (void)p;
    draw_fill(r, rc, c);
#else
    int band = rc.h < CLEAR_BAND ? rc.h : CLEAR_BAND;
    SDL_Texture *tex = c.a == 255 ? slot_texture(p, r, rc.w, band) : NULL;
    SDL_Rect src = {0, 0, rc.w, band};
    void *pixels;
    int pitch;
    if (!tex || SDL_LockTexture(tex, &src, &pixels, &pitch) != 0) {
        draw_fill(r, rc, c);
        return;
    }
    uint32_t *first = pixels, px = pack(c);
    for (int x = 0; x < rc.w; x++) first[x] = px;
    for (int y = 1; y < band; y++)
        memcpy((uint8_t *)pixels + (size_t)y * (size_t)pitch, first, (size_t)rc.w * sizeof *first);
    SDL_UnlockTexture(tex);
    for (int y = 0; y < rc.h; y += band) {
        SDL_Rect part = {0, 0, rc.w, rc.h - y < band ? rc.h - y : band};
        SDL_Rect dst = {rc.x, rc.y + y, rc.w, part.h};
        SDL_RenderCopy(r, tex, &part, &dst);
    }
#endif
}

/* ---- colour bar ------------------------------------------------------------------- */

int draw_colorbar(draw_pool *p, SDL_Renderer *r, text_cache *tc, SDL_Rect bar, draw_map map,
                  float range, const char *title, int px, const theme *th, int flags) {
    if (bar.w <= 0 || bar.h <= 0) return 0;
    if (range <= 0.0f || !isfinite(range)) range = 1.0f;
    bool diverging = map == DRAW_DIVERGING;
    /* Caps of the clipped colour, half a line of type tall, where they
     * leave the scale itself at least two lines (draw_clipped_legend says
     * what they are). */
    int cap = (flags & DRAW_BAR_CLIPPED) && bar.h >= 3 * px ? px / 2 + 1 : 0;
    SDL_Rect inner = {bar.x, bar.y + cap, bar.w, bar.h - cap - (diverging ? cap : 0)};
    enum { STEPS = 256 };
    float ramp[STEPS]; /* filled per call: it depends on map; draw_matrix reads it at once */
    /* Top is the largest value. The ramp holds t in [0, 1] (or [-1, 1]) and
     * the bar is drawn with range 1, so it does not depend on range. */
    for (int k = 0; k < STEPS; k++) {
        float t = 1.0f - (float)k / (STEPS - 1);
        ramp[k] = diverging ? 2.0f * t - 1.0f : t;
    }
    draw_matrix_desc d = draw_matrix_plain(STEPS, 1, draw_values_rows(ramp, 1, map, 1.0f), th);
    d.name = "colorbar";
    draw_matrix(p, r, inner, &d);
    if (cap) {
        draw_fill(r, (SDL_Rect){bar.x, bar.y, bar.w, cap}, colormap_clipped(1.0f, !diverging));
        if (diverging)
            draw_fill(r, (SDL_Rect){bar.x, inner.y + inner.h, bar.w, cap},
                      colormap_clipped(-1.0f, 0));
    }
    draw_outline(r, bar, th->panel_border, 1);

    char top[32], mid[32], bottom[32];
    if (diverging) {
        char v[24];
        draw_format_value(v, sizeof v, range);
        snprintf(top, sizeof top, "+%s", v);
        /* rows centred: the middle is each row's mean, not zero ("mean", short enough
         * not to run into a second bar's labels beside it) */
        snprintf(mid, sizeof mid, "%s", (flags & DRAW_BAR_PER_ROW) ? "mean" : "0");
        draw_format_value(v, sizeof v, -range);
        snprintf(bottom, sizeof bottom, "%s", v);
    } else if (flags & DRAW_BAR_PER_ROW) {
        /* each row has its own top (its max): no number would be true for all */
        snprintf(top, sizeof top, "max");
        snprintf(mid, sizeof mid, "half");
        snprintf(bottom, sizeof bottom, "0");
    } else {
        draw_format_value(top, sizeof top, range);
        draw_format_value(mid, sizeof mid, range * 0.5f);
        snprintf(bottom, sizeof bottom, "0");
    }
    int lx = bar.x + bar.w + px / 3, width = 0;
    int w1 = 0, w2 = 0, w3 = 0;
    /* Labels only where they fit without colliding; with caps, the scale's
     * ends are where the caps begin. */
    if (inner.h >= px) {
        w1 = text_draw(tc, top, px, th->text, lx, inner.y, TEXT_LEFT | TEXT_MIDDLE);
        w3 = text_draw(tc, bottom, px, th->text, lx, inner.y + inner.h, TEXT_LEFT | TEXT_MIDDLE);
    }
    if (inner.h >= 3 * px) {
        w2 = text_draw(tc, mid, px, th->text_dim, lx, inner.y + inner.h / 2,
                       TEXT_LEFT | TEXT_MIDDLE);
    }
    width = w1 > w2 ? w1 : w2;
    width = width > w3 ? width : w3;
    if (title && bar.y - px * 2 >= 0)
        text_draw(tc, title, px, th->text_dim, bar.x, bar.y - px - px / 2, TEXT_LEFT | TEXT_MIDDLE);
    return bar.w + px / 3 + width;
}

int draw_clipped_legend(SDL_Renderer *r, text_cache *tc, int x, int y, int px, int max_w,
                        const theme *th) {
    /* the swatch is the two caps side by side: past −range, past +range */
    SDL_Rect sw = {x, y - px / 2, px, px};
    draw_fill(r, (SDL_Rect){sw.x, sw.y, px / 2, px}, colormap_clipped(-1.0f, 0));
    draw_fill(r, (SDL_Rect){sw.x + px / 2, sw.y, px - px / 2, px}, colormap_clipped(1.0f, 0));
    draw_outline(r, sw, th->panel_border, 1);
    int w = 0;
    text_measure(tc, "clipped", px, &w, NULL);
    /* a glyph may reach a pixel or two past its measured advance: keep px/4 */
    if (px + px / 3 + w + px / 4 > max_w) {
        text_draw(tc, "clipped", px, th->text, x, y + px + px / 3, TEXT_LEFT | TEXT_MIDDLE);
        return w > px ? w : px;
    }
    text_draw(tc, "clipped", px, th->text, x + px + px / 3, y, TEXT_LEFT | TEXT_MIDDLE);
    return px + px / 3 + w;
}

int draw_masked_legend(SDL_Renderer *r, text_cache *tc, int x, int y, int px, const char *value,
                       const theme *th) {
    SDL_Rect sw = {x, y - px / 2, px, px};
    draw_hatch(r, sw, th->masked, th->masked_mark);
    draw_outline(r, sw, th->panel_border, 1);
    /* two short lines, so it fits under a colour bar */
    int w1 = text_draw(tc, value, px, th->text, x + px + px / 3, y, TEXT_LEFT | TEXT_MIDDLE);
    int w2 = text_draw(tc, "masked", px, th->text_dim, x, y + px + px / 3, TEXT_LEFT | TEXT_MIDDLE);
    return w1 + px + px / 3 > w2 ? w1 + px + px / 3 : w2;
}
