/* Where attnviz's data is: the shipped lessons, the shipped model, and fonts
 * of its own.
 *
 * A data folder holds lessons/ and assets/ (assets/models/ for the shipped
 * model, assets/fonts/ for fonts when any are placed there). The source tree
 * has this layout, and `cmake --install` copies it to PREFIX/share/attnviz,
 * so every data folder looks the same. The data folder is the first of:
 *
 *   1. $ATTNVIZ_DATA_DIR, when set and not empty (taken as given, so a
 *      folder that lacks something is reported, not skipped);
 *   2. next to the program: PREFIX/share/attnviz for PREFIX/bin/attnviz
 *      (the program's own path, read from /proc/self/exe on Linux);
 *   3. the source tree attnviz was built from (compiled in), so the build
 *      folder's program runs without installing;
 *   4. the working directory.
 *
 * 2 to 4 count only when they hold both lessons/ and assets/.
 *
 * Every function writes into the caller's buffer and returns ATTN_OK, or
 * ATTN_ERR_INPUT with a one-line message in err that says where it looked
 * and the fix. On failure the
 * buffer still holds the path that was tried (or "." when no folder was
 * found), so a caller that goes on can name it. Nothing is cached: a lookup
 * is a few stat calls, and callers ask when they open a file. libc only. */
#ifndef ATTNVIZ_STATE_PATHS_H
#define ATTNVIZ_STATE_PATHS_H

#include <stddef.h>

#include "attnviz/attn.h"

enum { STATE_PATH_MAX = 4096 }; /* a buffer size that fits any path here */

/* The data folder, without a trailing slash. */
attn_status state_data_dir(char *dir, size_t dir_len, char *err, size_t err_len);

/* DATA/lessons: a failure when it is not a folder. */
attn_status state_lessons_dir(char *dir, size_t dir_len, char *err, size_t err_len);

/* DATA/assets/models/attnviz-heads.safetensors: a failure when it cannot be read. */
attn_status state_shipped_model_path(char *path, size_t path_len, char *err, size_t err_len);

/* DATA/assets/gpt2, GPT-2's vocabulary (encoder.json, vocab.bpe): a
 * failure when it is not a folder. */
attn_status state_gpt2_vocab_dir(char *dir, size_t dir_len, char *err, size_t err_len);

/* DATA/assets/fonts: a failure when it is not a folder (attnviz ships no font;
 * fontconfig finds one, so this is the usual case and no fault). */
attn_status state_fonts_dir(char *dir, size_t dir_len, char *err, size_t err_len);

#endif
