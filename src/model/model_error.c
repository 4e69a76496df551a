/* The model layer's one way to fail: a status and a one-line message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attnviz/tokenize.h"
#include "model_private.h"

attn_status model_fail(attn_status s, char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
        /* Messages may quote file contents (metadata, words): keep them one
         * line of valid UTF-8 (a long one may be cut inside a character). */
        attn_clean_line(err);
    }
    return s;
}
