/* Checks the newer fuzz targets share: an invariant that aborts with the
 * target's name and line, and the one-line message rule every layer's
 * failure helper promises (docs/ARCHITECTURE.md). Header-only: each target
 * is one file in CMakeLists.txt's list. */
#ifndef ATTNVIZ_FUZZ_CHECK_H
#define ATTNVIZ_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/tokenize.h"

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s: invariant failed: %s (line %d)\n", FUZZ_NAME, #cond, __LINE__);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A message in buf[0..cap): terminated inside the buffer, and one line of
 * valid UTF-8 with no control character (C0, DEL or C1). */
static inline int fuzz_clean_line(const char *buf, size_t cap) {
    const char *nul = memchr(buf, '\0', cap);
    if (!nul) return 0;
    size_t len = (size_t)(nul - buf);
    if (attn_utf8_first_invalid(buf, len) != len) return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)buf[i];
        if (b < 0x20 || b == 0x7f) return 0;
        if (b == 0xC2 && i + 1 < len && (unsigned char)buf[i + 1] <= 0x9F) return 0;
    }
    return 1;
}

/* A failure's message: clean and not empty. */
#define REQUIRE_MESSAGE(buf, cap) REQUIRE((buf)[0] != '\0' && fuzz_clean_line((buf), (cap)))

#endif
