/* The state layer's one way to fail: a status and a one-line message; and whether
 * this build has threads, which those messages and the app need to know. */
#include <stdarg.h>
#include <stdio.h>

#include "attnviz/tokenize.h"
#include "state.h"

attn_status state_fail(attn_status status, char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
        /* a path or a file's metadata may hold anything: keep one line */
        attn_clean_line(err);
    }
    return status;
}

bool state_no_threads(void) { return STATE_NO_THREAD_FIX[0] != '\0'; }
