/* `attnviz render`: one frame, exactly as the window would draw it, with
 * SDL's software renderer on a surface, saved as PNG. No display needed. */
#ifndef ATTNVIZ_APP_RENDER_H
#define ATTNVIZ_APP_RENDER_H

#include "app.h"
#include "draw.h"
#include "layout_record.h"

/* An offscreen target: a surface, a software renderer, its text cache and
 * its draw pool (app_draw(o.renderer, o.text, &o.pool, ...)). TTF_Init is
 * called by app_offscreen_init and balanced by _free. */
typedef struct app_offscreen {
    SDL_Surface *surface;
    SDL_Renderer *renderer;
    text_cache *text;
    draw_pool pool;
} app_offscreen;

attn_status app_offscreen_init(app_offscreen *o, int width, int height, char *err, size_t err_len);
void app_offscreen_free(app_offscreen *o);

/* From now on every heatmap and string drawn on o is noted in rec (NULL:
 * none, the default). */
void app_offscreen_record(app_offscreen *o, layout_record *rec);

/* Draws the frame of s on o (applying r's stage, progress, view, head and
 * theme to s first). */
void app_offscreen_draw(app_offscreen *o, app_state *s, const state_frame *r);

/* Builds the model for settings, draws the frame, writes r->out (and
 * r->layout, what it drew, when set: layout_record.h). Returns ATTN_OK,
 * or a failure with a message naming what to fix. */
attn_status app_render_png(const state_settings *settings, const state_frame *r, char *err,
                   size_t err_len);

#endif
