/* PNGs through the one checked writer (png.h). SDL_image reports a failed
 * write to a file as success, so it encodes into memory here and the core's
 * writer puts the bytes on disk, checking every step. */
#include "png.h"

#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/file.h"

/* A growing buffer behind an SDL_RWops. */
typedef struct png_buf {
    unsigned char *p;
    size_t len, cap, pos;
    int failed;
} png_buf;

static Sint64 buf_size(SDL_RWops *rw) {
    return (Sint64)((png_buf *)rw->hidden.unknown.data1)->len;
}

static Sint64 buf_seek(SDL_RWops *rw, Sint64 offset, int whence) {
    png_buf *b = rw->hidden.unknown.data1;
    Sint64 base = whence == RW_SEEK_SET   ? 0
                  : whence == RW_SEEK_CUR ? (Sint64)b->pos
                                          : (Sint64)b->len;
    if (base + offset < 0) return SDL_SetError("seek before the start");
    b->pos = (size_t)(base + offset);
    return (Sint64)b->pos;
}

static size_t buf_read(SDL_RWops *rw, void *ptr, size_t size, size_t n) {
    (void)rw, (void)ptr, (void)size, (void)n;
    SDL_SetError("a PNG being written is not read");
    return 0;
}

static size_t buf_write(SDL_RWops *rw, const void *ptr, size_t size, size_t n) {
    png_buf *b = rw->hidden.unknown.data1;
    if (size == 0 || n == 0) return 0;
    if (n > (SIZE_MAX - b->pos) / size) return b->failed = 1, 0;
    size_t bytes = size * n, end = b->pos + bytes;
    if (end > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < end) cap = cap > SIZE_MAX / 2 ? end : cap * 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            SDL_OutOfMemory();
            return 0;
        }
        b->p = p;
        b->cap = cap;
    }
    if (b->pos > b->len) memset(b->p + b->len, 0, b->pos - b->len);
    memcpy(b->p + b->pos, ptr, bytes);
    b->pos = end;
    if (end > b->len) b->len = end;
    return n;
}

static int buf_close(SDL_RWops *rw) {
    SDL_FreeRW(rw);
    return 0;
}

attn_status app_save_png(SDL_Surface *surface, const char *path, char *err, size_t err_len) {
    png_buf b = {0};
    SDL_RWops *rw = SDL_AllocRW();
    if (!rw) {
        snprintf(err, err_len, "%s could not be written: out of memory", path);
        return ATTN_ERR_NOMEM;
    }
    rw->size = buf_size;
    rw->seek = buf_seek;
    rw->read = buf_read;
    rw->write = buf_write;
    rw->close = buf_close;
    rw->type = SDL_RWOPS_UNKNOWN;
    rw->hidden.unknown.data1 = &b;
    attn_status st = ATTN_OK;
    if (IMG_SavePNG_RW(surface, rw, 1) != 0 || b.failed) {
        snprintf(err, err_len, "%s could not be written: %s", path,
                 b.failed ? "out of memory" : IMG_GetError());
        st = ATTN_ERR_IO;
    } else {
        st = attn_file_write(path, b.p, b.len, err, err_len);
    }
    free(b.p);
    return st;
}
