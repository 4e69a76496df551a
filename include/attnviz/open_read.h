/* Opening a file the user named, for reading, only if it is a regular file. */
#ifndef ATTNVIZ_OPEN_READ_H
#define ATTNVIZ_OPEN_READ_H

#include <stdio.h>

/* Opens path for reading. A FIFO, a folder or a device is refused before
 * anything waits on it (reading a FIFO with no writer blocks forever): then
 * NULL is returned and *kind says what the path is ("a FIFO", "a folder"…).
 * On a system error NULL is returned, *kind is NULL and errno says why. */
FILE *attn_open_read(const char *path, const char **kind);

#endif
