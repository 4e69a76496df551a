/* Saving a surface as PNG through the core's one checked writer. */
#ifndef ATTNVIZ_APP_PNG_H
#define ATTNVIZ_APP_PNG_H

#include <SDL.h>
#include <stddef.h>

#include "attnviz/attn.h"

/* Encodes surface as PNG in memory and writes it to path with attn_file_write:
 * on any failure the file that was there is untouched and err names the path
 * and the reason. */
attn_status app_save_png(SDL_Surface *surface, const char *path, char *err, size_t err_len);

#endif
