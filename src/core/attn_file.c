/* The one checked writer (see include/attnviz/file.h). */
#define _XOPEN_SOURCE 700
#include "attnviz/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static attn_status file_fail(char *err, size_t err_len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static attn_status file_fail(char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return ATTN_ERR_IO;
}

static char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

attn_status attn_file_open(attn_file *f, const char *path, char *err, size_t err_len) {
    memset(f, 0, sizeof *f);
    if (err && err_len) err[0] = '\0';
    if (!path || !*path) return file_fail(err, err_len, "no path to write to");
    f->name = path;

    /* What is there decides: nothing (a new file), a file (replaced, its
     * mode kept), or something a rename would destroy (refused). */
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode))
        return file_fail(err, err_len, "%s is a folder, not a file: save to a file path", path);
    if (exists && !S_ISREG(sb.st_mode))
        return file_fail(err, err_len,
                         "%s is a device or other special file, not a file: save to a file path",
                         path);
    struct stat lb;
    if (exists && lstat(path, &lb) == 0 && S_ISLNK(lb.st_mode)) {
        /* Replace the file the link points to, not the link. */
        f->path = realpath(path, NULL);
        if (!f->path)
            return file_fail(err, err_len, "%s cannot be written: %s", path, strerror(errno));
    } else {
        f->path = copy_string(path);
    }
    size_t tmp_cap = f->path ? strlen(f->path) + 64 : 0;
    f->tmp = f->path ? malloc(tmp_cap) : NULL;
    if (!f->tmp) {
        free(f->path);
        memset(f, 0, sizeof *f);
        return file_fail(err, err_len, "%s cannot be written: out of memory", path);
    }
    /* O_EXCL with the pid and a counter: never another writer's temporary;
     * 0666 lets the umask decide a new file's mode, as fopen would. */
    int fd = -1;
    for (int k = 0; k < 100 && fd < 0; k++) {
        snprintf(f->tmp, tmp_cap, "%s.tmp-%ld-%d", f->path, (long)getpid(), k);
        fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    int e = errno;
    /* a replaced file keeps its permission bits, as writing into it would */
    if (fd >= 0 && exists && fchmod(fd, sb.st_mode & 07777) == 0) f->fp = fdopen(fd, "wb");
    else if (fd >= 0 && !exists) f->fp = fdopen(fd, "wb");
    if (fd >= 0 && !f->fp) {
        e = errno;
        close(fd);
        unlink(f->tmp);
        fd = -1;
    }
    if (fd < 0) {
        free(f->path);
        free(f->tmp);
        memset(f, 0, sizeof *f);
        return file_fail(err, err_len, "%s cannot be written: %s", path, strerror(e));
    }
    return ATTN_OK;
}

bool attn_file_put(attn_file *f, const void *data, size_t len) {
    if (!f->fp) return false;
    if (f->err_no) return false;
    errno = 0;
    if (len && fwrite(data, 1, len, f->fp) != len) f->err_no = errno ? errno : EIO;
    return f->err_no == 0;
}

bool attn_file_printf(attn_file *f, const char *fmt, ...) {
    if (!f->fp) return false;
    if (f->err_no) return false;
    va_list ap;
    va_start(ap, fmt);
    errno = 0;
    if (vfprintf(f->fp, fmt, ap) < 0) f->err_no = errno ? errno : EIO;
    va_end(ap);
    return f->err_no == 0;
}

/* After the rename, the folder's entry itself is made durable: without this
 * a power cut can bring back the old name (or none). The new file is
 * already in place, so a failure here is not reported: the data is written
 * and a reader sees it; some file systems (and /proc-like ones) refuse
 * fsync on a folder with EINVAL, which means nothing to sync. */
static void sync_folder(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (!slash) dir = copy_string(".");
    else if (slash == path) dir = copy_string("/");
    else {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

static void file_release(attn_file *f) {
    free(f->path);
    free(f->tmp);
    f->path = f->tmp = NULL;
    f->fp = NULL;
}

attn_status attn_file_commit(attn_file *f, char *err, size_t err_len) {
    if (err && err_len) err[0] = '\0';
    if (!f->fp) return file_fail(err, err_len, "%s could not be written: it was not opened",
                                 f->name ? f->name : "the file");
    int e = f->err_no;
    errno = 0;
    if (!e && fflush(f->fp) != 0) e = errno ? errno : EIO;
    /* a writer that used fp directly and ignored an error */
    if (!e && ferror(f->fp)) e = EIO;
    if (!e && fsync(fileno(f->fp)) != 0) e = errno;
    if (fclose(f->fp) != 0 && !e) e = errno ? errno : EIO;
    f->fp = NULL;
    if (!e && rename(f->tmp, f->path) != 0) e = errno;
    if (e) unlink(f->tmp);
    else sync_folder(f->path);
    file_release(f);
    if (e) return file_fail(err, err_len, "%s could not be written: %s", f->name, strerror(e));
    return ATTN_OK;
}

void attn_file_abort(attn_file *f) {
    if (f->fp) {
        fclose(f->fp);
        unlink(f->tmp);
    }
    file_release(f);
}

attn_status attn_file_write(const char *path, const void *data, size_t len, char *err,
                            size_t err_len) {
    attn_file f;
    attn_status st = attn_file_open(&f, path, err, err_len);
    if (st != ATTN_OK) return st;
    attn_file_put(&f, data, len);
    return attn_file_commit(&f, err, err_len);
}
