/* The data folder lookup (paths.h): $ATTNVIZ_DATA_DIR, next to the program,
 * the source tree, the working directory. */
#define _POSIX_C_SOURCE 200809L
#include "paths.h"
#include "state.h"
#include "attnviz/attn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Where the data folder came from, for the messages. */
typedef enum { FROM_ENV, FROM_PROGRAM, FROM_SOURCE, FROM_CWD, FROM_NOWHERE } data_source;

static const char *const source_words[] = {
    [FROM_ENV] = "the data folder given by ATTNVIZ_DATA_DIR",
    [FROM_PROGRAM] = "the data folder next to the program",
    [FROM_SOURCE] = "the data folder in the source tree attnviz was built from",
    [FROM_CWD] = "the data folder in the working directory",
    [FROM_NOWHERE] = "no data folder found",
};

static const char *const fix = "set ATTNVIZ_DATA_DIR to attnviz's data folder (the one holding "
                               "lessons/ and assets/), or reinstall attnviz";

/* Every failure here is data that cannot be found. */
#define fail(err, err_len, ...) state_fail(ATTN_ERR_INPUT, err, err_len, __VA_ARGS__)

/* Copies src into dst; a failure with a message when it does not fit. */
static attn_status put(char *dst, size_t dst_len, const char *src, char *err, size_t err_len) {
    if (snprintf(dst, dst_len, "%s", src) < (int)dst_len) return ATTN_OK;
    return fail(err, err_len, "the path %s is longer than %zu bytes: move attnviz's data to a "
                "shorter path", src, dst_len - 1);
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* dir holds both lessons/ and assets/: a folder that merely exists (an
 * empty share/attnviz, a working directory) is not taken for the data. */
static int holds_data(const char *dir) {
    char sub[STATE_PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/lessons", dir);
    if (!is_dir(sub)) return 0;
    snprintf(sub, sizeof sub, "%s/assets", dir);
    return is_dir(sub);
}

/* PREFIX/share/attnviz for the running program PREFIX/bin/attnviz. Linux
 * names the program's file in /proc/self/exe (symbolic links resolved);
 * elsewhere, or when it cannot be read, returns 0. */
static int beside_program(char *dir, size_t dir_len) {
    char exe[STATE_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || (size_t)n >= sizeof exe - 1) return 0;
    exe[n] = '\0';
    for (int k = 0; k < 2; k++) { /* drop the program's name, then its folder (bin) */
        char *slash = strrchr(exe, '/');
        if (!slash) return 0;
        *slash = '\0';
    }
    return snprintf(dir, dir_len, "%s/share/attnviz", exe) < (int)dir_len;
}

/* Appends ", place" (or "place" first) to a list of places looked in; a
 * list too long for the buffer is cut, as the message would be. */
static void looked_in(char *list, size_t list_len, const char *place) {
    size_t used = strlen(list);
    const char *parts[2] = {used ? ", " : "", place};
    for (int k = 0; k < 2; k++)
        for (const char *p = parts[k]; *p && used + 1 < list_len; p++) list[used++] = *p;
    list[used] = '\0';
}

/* The lookup of paths.h; *from says which place answered. */
static attn_status find_data(char *dir, size_t dir_len, data_source *from, char *err, size_t err_len) {
    const char *env = getenv("ATTNVIZ_DATA_DIR");
    if (env && *env) {
        *from = FROM_ENV;
        if (put(dir, dir_len, env, err, err_len) != ATTN_OK) return ATTN_ERR_INPUT;
        if (is_dir(env)) return ATTN_OK;
        return fail(err, err_len, "ATTNVIZ_DATA_DIR=%s is not a folder: point it at attnviz's "
                    "data folder (the one holding lessons/ and assets/), or unset it", env);
    }

    char looked[1024] = "";
    char program[STATE_PATH_MAX];
    if (beside_program(program, sizeof program)) {
        *from = FROM_PROGRAM;
        if (holds_data(program)) return put(dir, dir_len, program, err, err_len);
        looked_in(looked, sizeof looked, program);
    }
#ifdef ATTNVIZ_SOURCE_DIR
    *from = FROM_SOURCE;
    if (holds_data(ATTNVIZ_SOURCE_DIR)) return put(dir, dir_len, ATTNVIZ_SOURCE_DIR, err, err_len);
    looked_in(looked, sizeof looked, ATTNVIZ_SOURCE_DIR);
#endif
    char cwd[STATE_PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, ".");
    *from = FROM_CWD;
    if (holds_data(cwd)) return put(dir, dir_len, cwd, err, err_len);
    looked_in(looked, sizeof looked, cwd);

    *from = FROM_NOWHERE;
    snprintf(dir, dir_len, ".");
    return fail(err, err_len, "no attnviz data folder (lessons/ and assets/) in %s: %s", looked,
                fix);
}

/* DATA/rel into out; ATTN_OK when it is a folder (want_dir) or a readable file. */
static attn_status in_data(char *out, size_t out_len, const char *rel, int want_dir, const char *what,
                   char *err, size_t err_len) {
    char data[STATE_PATH_MAX];
    data_source from;
    attn_status rc = find_data(data, sizeof data, &from, err, err_len);
    /* the root (the page's data folder is /) already ends in its slash */
    const char *sep = strcmp(data, "/") == 0 ? "" : "/";
    if (snprintf(out, out_len, "%s%s%s", data, sep, rel) >= (int)out_len)
        return fail(err, err_len, "the path %s%s%s is longer than %zu bytes: move attnviz's data "
                    "to a shorter path", data, sep, rel, out_len - 1);
    if (rc != ATTN_OK) return rc; /* the message says where it looked */
    if (want_dir ? is_dir(out) : access(out, R_OK) == 0) return ATTN_OK;
    return fail(err, err_len, "%s %s is missing (%s): %s", what, out, source_words[from], fix);
}

attn_status state_data_dir(char *dir, size_t dir_len, char *err, size_t err_len) {
    data_source from;
    return find_data(dir, dir_len, &from, err, err_len);
}

attn_status state_lessons_dir(char *dir, size_t dir_len, char *err, size_t err_len) {
    return in_data(dir, dir_len, "lessons", 1, "the lessons folder", err, err_len);
}

attn_status state_shipped_model_path(char *path, size_t path_len, char *err, size_t err_len) {
    return in_data(path, path_len, "assets/models/attnviz-heads.safetensors", 0,
                   "the shipped model", err, err_len);
}

attn_status state_fonts_dir(char *dir, size_t dir_len, char *err, size_t err_len) {
    return in_data(dir, dir_len, "assets/fonts", 1, "the fonts folder", err, err_len);
}

attn_status state_gpt2_vocab_dir(char *dir, size_t dir_len, char *err, size_t err_len) {
    return in_data(dir, dir_len, "assets/gpt2", 1, "GPT-2's vocabulary folder", err, err_len);
}
