/* Offscreen frames: the same app_draw as the window, on a software renderer. */
#define _POSIX_C_SOURCE 200809L
#include "render.h"

#include "attnviz/file.h"
#include "draw.h"
#include "layout_record.h"
#include "png.h"

#include <SDL_ttf.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

attn_status app_offscreen_init(app_offscreen *o, int width, int height, char *err, size_t err_len) {
    memset(o, 0, sizeof *o);
    draw_pool_init(&o->pool);
    if (TTF_Init() != 0) {
        snprintf(err, err_len, "cannot start SDL_ttf: %s", TTF_GetError());
        return ATTN_ERR_IO;
    }
    char font[1024];
    attn_status st = text_find_font(font, sizeof font, err, err_len);
    if (st != ATTN_OK) {
        TTF_Quit();
        return st;
    }
    o->surface = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
    o->renderer = o->surface ? SDL_CreateSoftwareRenderer(o->surface) : NULL;
    if (!o->renderer) {
        snprintf(err, err_len, "cannot make a %d×%d image: %s", width, height, SDL_GetError());
        app_offscreen_free(o);
        return ATTN_ERR_IO;
    }
    o->text = text_cache_create(o->renderer, font, err, err_len);
    if (!o->text) {
        app_offscreen_free(o);
        return ATTN_ERR_IO;
    }
    return ATTN_OK;
}

void app_offscreen_free(app_offscreen *o) {
    if (!o) return;
    draw_pool_free(&o->pool); /* its textures belong to this renderer: before it goes */
    text_cache_destroy(o->text);
    if (o->renderer) SDL_DestroyRenderer(o->renderer);
    if (o->surface) SDL_FreeSurface(o->surface);
    if (o->surface || o->renderer || o->text) TTF_Quit();
    memset(o, 0, sizeof *o);
}

void app_offscreen_record(app_offscreen *o, layout_record *rec) {
    text_cache_set_record(o->text, rec);
    o->pool.record = rec;
}

void app_offscreen_draw(app_offscreen *o, app_state *s, const state_frame *r) {
    s->stage = r->stage;
    s->progress = r->progress;
    s->view = r->view;
    s->focus_head = r->head;
    s->theme = theme_for(r->theme);
    s->present = r->present;
    s->maps_per_row = r->per_row;
    s->scores_view = r->scores;
    if (r->follow > 0 && r->follow <= s->model.n) {
        s->follow = true;
        s->selected_token = (int)r->follow - 1;
    }
    app_draw(o->renderer, o->text, &o->pool, s, o->surface->w, o->surface->h);
    SDL_RenderPresent(o->renderer);
}

attn_status app_render_png(const state_settings *settings, const state_frame *r, char *err,
                   size_t err_len) {
    if (r->head >= settings->config.n_heads) {
        snprintf(err, err_len, "head %zu does not exist: there are %zu heads (1 to %zu)",
                 r->head + 1, settings->config.n_heads, settings->config.n_heads);
        return ATTN_ERR_CONFIG;
    }
    /* Check the path before drawing, so a typo costs nothing: the writer
     * opens (and drops) its temporary file, and the target is not touched. */
    attn_file probe;
    if (attn_file_open(&probe, r->out, err, err_len) != ATTN_OK) return ATTN_ERR_IO;
    attn_file_abort(&probe);
    if (r->layout) {
        if (attn_file_open(&probe, r->layout, err, err_len) != ATTN_OK) return ATTN_ERR_IO;
        attn_file_abort(&probe);
    }

    app_state s;
    app_offscreen o;
    attn_status rc = app_state_init(&s, settings, err, err_len);
    if (rc == ATTN_OK && r->follow > s.model.n) {
        snprintf(err, err_len, "token %zu does not exist: the sentence has %zu tokens (1 to %zu)",
                 r->follow, s.model.n, s.model.n);
        rc = ATTN_ERR_CONFIG;
    }
    /* A GPT-2's head roles are measured on a thread (seconds for GPT-2
     * small): the overview's picture waits for them, as a class would,
     * rather than show "measuring". Other views do not show them. */
    if (rc == ATTN_OK && r->view == VIEW_MODEL && s.model.trained) {
        while (state_trained_roles_poll(s.model.trained, NULL))
            nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    if (rc == ATTN_OK) rc = app_offscreen_init(&o, r->width, r->height, err, err_len);
    if (rc == ATTN_OK) {
        /* Recording only when asked: the window never sets a recorder. */
        layout_record rec;
        layout_init(&rec, r->width, r->height);
        if (r->layout) app_offscreen_record(&o, &rec);
        app_offscreen_draw(&o, &s, r);
        app_offscreen_record(&o, NULL);
        rc = app_save_png(o.surface, r->out, err, err_len);
        if (rc == ATTN_OK && r->layout) rc = layout_write(&rec, r->layout, err, err_len);
        layout_free(&rec);
        app_offscreen_free(&o);
    }
    app_state_free(&s);
    return rc;
}
