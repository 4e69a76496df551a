/* attnviz core: the one way every file is written.
 *
 * A file is written under a temporary name in its own folder; every write,
 * the flush, fsync and the close are checked, and only then is it renamed
 * over the target. A full disk, a file-size limit or any other refusal
 * leaves the old file as it was and no temporary behind, and the message
 * names the path and the system's reason ("a.png could not be written: No
 * space left on device").
 *
 * A target that exists and is not a regular file (a folder, a device such as
 * /dev/full, a pipe) is refused: renaming over it would replace it. A
 * symbolic link to a file is followed, so the link stays and its file is
 * replaced; a replaced file keeps its permission bits.
 *
 * libc (POSIX) only.
 */
#ifndef ATTNVIZ_FILE_H
#define ATTNVIZ_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "attnviz/attn.h"

/* A file being written. fp may be handed to a writer that takes a FILE *
 * (which checks its own writes); attn_file_commit checks the stream again. */
typedef struct attn_file {
    FILE *fp;
    char *path; /* the file renamed over: the target, its link followed */
    char *tmp;  /* the temporary file beside it */
    const char *name; /* the target as the caller named it, for messages */
    int err_no;       /* the first failed write's errno, 0 while all went well */
} attn_file;

/* Creates the temporary file. Refuses (ATTN_ERR_IO) a target that is a
 * folder or a special file, or a folder where no file can be created. On
 * failure *f holds nothing to free. */
attn_status attn_file_open(attn_file *f, const char *path, char *err, size_t err_len);

/* Appends bytes or formatted text; false once any write has failed (the
 * first failure is kept and reported by attn_file_commit). */
bool attn_file_put(attn_file *f, const void *data, size_t len);
bool attn_file_printf(attn_file *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Flushes, fsyncs, closes and renames over the target; on any failure the
 * temporary is removed and the target left alone. *f is finished either way. */
attn_status attn_file_commit(attn_file *f, char *err, size_t err_len);

/* Removes the temporary; the target is left alone. Safe on a finished *f. */
void attn_file_abort(attn_file *f);

/* The whole file at once: open, put, commit. */
attn_status attn_file_write(const char *path, const void *data, size_t len, char *err,
                            size_t err_len);

#endif
