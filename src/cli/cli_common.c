/* What every command shares: how it fails, and a clock. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attnviz/heads.h"
#include "attnviz/tokenize.h"
#include "cli.h"

int cli_fail(char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
        attn_clean_line(err);
    }
    return 2;
}

double cli_now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* msg about the setting called name, as the error of option: the name at
 * the start replaced by the option, else the option in front. */
static int fail_named(char *err, size_t err_len, const char *option, const char *name,
                      const char *msg) {
    if (!option) return cli_fail(err, err_len, "%s", msg);
    size_t n = strlen(name);
    if (n && strncmp(msg, name, n) == 0 && msg[n] == ' ')
        return cli_fail(err, err_len, "%s%s", option, msg + n);
    return cli_fail(err, err_len, "%s: %s", option, msg);
}

int cli_fail_setting(char *err, size_t err_len, attn_setting bad, const char *msg) {
    return fail_named(err, err_len, cli_option_of(bad), attn_setting_name(bad), msg);
}

int cli_fail_model_file(char *err, size_t err_len, const char *option, const char *msg) {
    return option ? cli_fail(err, err_len, "%s %s", option, msg) : cli_fail(err, err_len, "%s", msg);
}

int cli_fail_model_setting(char *err, size_t err_len, model_setting bad, const char *msg) {
    static const char *const options[MODEL_SETTING_COUNT] = {
        [MODEL_SETTING_LAYERS] = "--layers",         [MODEL_SETTING_HEADS] = "--heads",
        [MODEL_SETTING_D_MODEL] = "--d-model",       [MODEL_SETTING_CONTEXT] = "--ctx",
        [MODEL_SETTING_BATCH] = "--batch",           [MODEL_SETTING_SEQ] = "--ctx",
        [MODEL_SETTING_STEPS] = "--steps",           [MODEL_SETTING_WARMUP] = "--warmup",
        [MODEL_SETTING_LR] = "--lr",                 [MODEL_SETTING_LR_MIN] = "--lr-min",
        [MODEL_SETTING_WEIGHT_DECAY] = "--weight-decay", [MODEL_SETTING_GRAD_CLIP] = "--grad-clip",
        [MODEL_SETTING_THREADS] = "--threads",       [MODEL_SETTING_SEED] = "--seed",
    };
    const char *option = (unsigned)bad < MODEL_SETTING_COUNT ? options[bad] : NULL;
    return fail_named(err, err_len, option, model_setting_name(bad), msg);
}

int cli_check_output(const char *option, const char *path, char *err, size_t err_len) {
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return cli_fail(err, err_len, "%s %s is a folder: give a file path (e.g. %s/model)",
                            option, path, path);
        if (!S_ISREG(st.st_mode))
            return cli_fail(err, err_len,
                            "%s %s is a device or other special file, not a file: give a file path",
                            option, path);
    }
    /* the folder it goes in: everything before the last '/', "." without one */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 1;
    if (len >= sizeof dir) return cli_fail(err, err_len, "%s: the path is too long", option);
    if (slash) {
        memcpy(dir, path, len);
        dir[len] = '\0';
        if (len == 0) snprintf(dir, sizeof dir, "/");
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    if (stat(dir, &st) != 0)
        return cli_fail(err, err_len, "%s %s: the folder %s does not exist: create it (mkdir -p %s) "
                        "or choose another path", option, path, dir, dir);
    if (!S_ISDIR(st.st_mode))
        return cli_fail(err, err_len, "%s %s: %s is not a folder: choose another path", option,
                        path, dir);
    /* try it: permission bits do not tell (root, /proc, read-only mounts) */
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/.attnviz-write-test-%ld", dir, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return cli_fail(err, err_len, "%s %s: cannot write in the folder %s: %s", option, path, dir,
                        strerror(errno));
    close(fd);
    unlink(probe);
    return 0;
}

void cli_json_head_name(FILE *f, const model_heads_report *r, size_t l, size_t h) {
    model_head_name nm;
    char name[256];
    model_heads_name(r, l, h, &nm);
    model_heads_name_text(&nm, name, sizeof name);
    fprintf(f, ", \"name\": ");
    cli_json_string(f, name, strlen(name));
    fprintf(f, ", \"roles\": [");
    for (size_t k = 0; k < nm.n; k++)
        fprintf(f, "%s{\"role\": \"%s\", \"score\": %.4f, \"tied\": %s}", k ? ", " : "",
                model_role_key(nm.role[k]), (double)nm.score[k], nm.tied[k] ? "true" : "false");
    fprintf(f, "]");
}
