/* Text: a font found at run time, and a cache of rendered strings, so text
 * is rasterised once, not every frame. A string is cached in each opaque
 * colour it is drawn in (a plain blend, the fastest), and white for the
 * translucent ones, which tint it. */
#ifndef ATTNVIZ_APP_TEXT_H
#define ATTNVIZ_APP_TEXT_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stddef.h>

#include "attnviz/attn.h"
#include "layout_record.h"

typedef struct text_cache text_cache;

enum text_align {
    TEXT_LEFT = 0,
    TEXT_CENTER = 1,
    TEXT_RIGHT = 2,
    TEXT_MIDDLE = 4, /* or-ed in: y is the vertical centre, not the top */
};

/* Finds a TrueType font: $ATTNVIZ_FONT, then assets/fonts/ in the data folder
 * (state_fonts_dir), then fontconfig's "DejaVu Sans" or any sans.
 * Returns ATTN_OK, or a failure with a message saying which package to install. */
attn_status text_find_font(char *path, size_t path_len, char *err, size_t err_len);

/* TTF_Init must have been called. The cache belongs to renderer r. */
text_cache *text_cache_create(SDL_Renderer *r, const char *font_path, char *err, size_t err_len);
void text_cache_destroy(text_cache *tc);
/* The cache's font at px pixels, opened from its copy in memory; the caller
 * closes it (TTF_CloseFont) before text_cache_destroy. */
TTF_Font *text_open_font(text_cache *tc, int px);

/* Draws UTF-8 text at pixel size px, anchored at (x, y) per align.
 * Returns the width drawn. */
int text_draw(text_cache *tc, const char *s, int px, SDL_Color color, int x, int y, int align);
/* Like text_draw, for the first len bytes of s. */
int text_draw_n(text_cache *tc, const char *s, size_t len, int px, SDL_Color color, int x, int y,
                int align);
void text_measure(text_cache *tc, const char *s, int px, int *w, int *h);
/* Draws s turned a quarter to the left (read from the bottom up), centred
 * on x and ending at y_bottom: labels for columns narrower than a word.
 * Returns its length in pixels (the height it takes). */
int text_draw_up(text_cache *tc, const char *s, int px, SDL_Color color, int x, int y_bottom);

/* From now on every string drawn is also noted in rec (NULL: none, as in
 * the window). The caller keeps rec alive while it is set. */
void text_cache_set_record(text_cache *tc, layout_record *rec);

/* s was shortened with "…" because the whole did not fit: noted in the
 * record (layout_cut), if any, so the layout marks the run drawn as cut. */
void text_cache_note_cut(text_cache *tc, const char *s);

/* From now on no text is drawn or measured under px (0: no floor), so a
 * frame legible from the back of a room stays so where a layout would ask
 * for smaller type: what is measured is what is drawn, and fitting
 * ("…", fewer labels) takes the floor into account. */
void text_cache_set_min_px(text_cache *tc, int px);
int text_cache_min_px(const text_cache *tc);

/* Strings rasterised since creation (a test checks that a second frame adds
 * none). */
size_t text_cache_renders(const text_cache *tc);

/* How many cached strings (any size) start with prefix and contain part
 * (NULL: anything): for tests that ask what a frame drew, e.g. whether a
 * label was cut to "…". The cache keeps what recent frames drew. */
size_t text_cache_count(const text_cache *tc, const char *prefix, const char *part);

#endif
