/* A small test harness: CHECK-style macros that count, and a summary line
 * "N passed, N failed" at the end. check_done() returns the exit status, so
 * a failing test can never exit 0. */
#ifndef ATTNVIZ_TESTS_CHECK_H
#define ATTNVIZ_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

/* The browser build's tests run under node on the real file system (emscripten's
 * NODERAWFS), which has no FIFOs, no file-size limit and no settable times: the
 * checks that need them are skipped there. */
#ifdef __EMSCRIPTEN__
#define CHECK_POSIX_FILES 0
#else
#define CHECK_POSIX_FILES 1
#endif

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* Like CHECK, with a printf-style explanation on failure. */
#define CHECKF(cond, ...)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_STR_EQ(got, want)                                                                    \
    CHECKF(strcmp((got), (want)) == 0, "\"%s\", not \"%s\"", (got), (want))

#define CHECK_STR_CONTAINS(hay, needle)                                                            \
    CHECKF(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay), (needle))

/* |got - want| <= atol + rtol·|want|; equal infinities match; NaN never does. */
static inline int check_close(float got, float want, float atol, float rtol) {
    if (isnan(got) || isnan(want)) return 0;
    if (isinf(want) || isinf(got)) return got == want;
    return fabsf(got - want) <= atol + rtol * fabsf(want);
}

static inline int check_done(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
