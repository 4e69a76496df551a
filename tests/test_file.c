/* The one checked writer (include/attnviz/file.h): a failed write leaves the
 * old file, no temporary, and a message naming the path and the reason. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attnviz/file.h"
#include "check.h"

static char err[512];

static int count_tmp_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp-")) n++;
    closedir(d);
    return n;
}

/* The file's contents equal s. */
static int holds(const char *path, const char *s) {
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(s) && memcmp(buf, s, n) == 0;
}

int main(void) {
    char dir[] = "/tmp/attnviz-test-file-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[600], link[600], sub[600];
    snprintf(path, sizeof path, "%s/a.txt", dir);

    /* A new file, then replaced; its mode kept. */
    CHECKF(attn_file_write(path, "one", 3, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(holds(path, "one"));
    chmod(path, 0640);
    attn_file f;
    CHECK(attn_file_open(&f, path, err, sizeof err) == ATTN_OK);
    CHECK(attn_file_printf(&f, "%s-%d", "two", 2));
    CHECK(count_tmp_files(dir) == 1 && holds(path, "one")); /* nothing replaced yet */
    CHECKF(attn_file_commit(&f, err, sizeof err) == ATTN_OK, "%s", err);
    struct stat sb;
    CHECK(holds(path, "two-2") && stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);
    CHECK(count_tmp_files(dir) == 0);

    /* Abandoned: the old file stays. */
    CHECK(attn_file_open(&f, path, err, sizeof err) == ATTN_OK);
    attn_file_put(&f, "x", 1);
    attn_file_abort(&f);
    CHECK(holds(path, "two-2") && count_tmp_files(dir) == 0);

    /* A link to a file: the file is replaced, the link stays. */
    snprintf(link, sizeof link, "%s/link.txt", dir);
    CHECK(symlink("a.txt", link) == 0);
    CHECKF(attn_file_write(link, "three", 5, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode) && holds(path, "three"));
    unlink(link);

    /* A device, through a link, and a folder: refused, left as they are. */
    CHECK(symlink("/dev/full", link) == 0);
    CHECK(attn_file_write(link, "x", 1, err, sizeof err) == ATTN_ERR_IO);
    CHECK_STR_CONTAINS(err, link);
    CHECK_STR_CONTAINS(err, "a device or other special file");
    CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));
    unlink(link);
    CHECK(attn_file_write(dir, "x", 1, err, sizeof err) == ATTN_ERR_IO);
    CHECK_STR_CONTAINS(err, "is a folder, not a file");

    /* A folder that does not exist. */
    snprintf(sub, sizeof sub, "%s/no/such.txt", dir);
    CHECK(attn_file_write(sub, "x", 1, err, sizeof err) == ATTN_ERR_IO);
    CHECK_STR_CONTAINS(err, sub);
    CHECK_STR_CONTAINS(err, "No such file or directory");

    /* Over the file-size limit: the write fails (EFBIG, the signal ignored),
     * the old file is untouched and no temporary is left. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    if (CHECK_POSIX_FILES && setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        static char big[100000];
        memset(big, 'b', sizeof big);
        CHECK(attn_file_write(path, big, sizeof big, err, sizeof err) == ATTN_ERR_IO);
        CHECK_STR_CONTAINS(err, path);
        CHECK_STR_CONTAINS(err, "could not be written: File too large");
        CHECK(holds(path, "three") && count_tmp_files(dir) == 0);
        setrlimit(RLIMIT_FSIZE, &old);
    } else {
        printf("test_file: note: cannot lower the file-size limit, not tested\n");
    }

    unlink(path);
    rmdir(dir);
    return check_done("test_file");
}
