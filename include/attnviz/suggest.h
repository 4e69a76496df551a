/* "Did you mean …?" for misspelt names: command-line options, lesson
 * directives, stage and view names. */
#ifndef ATTNVIZ_SUGGEST_H
#define ATTNVIZ_SUGGEST_H

#include <stddef.h>

/* The name in names[0..count) closest to word[0..len) by edit distance
 * (insert, delete, substitute one byte), when it is close enough to be a
 * typo: at most two edits, and at most half the longer of the two ("dog" is
 * two edits from "on", but nobody meant that). NULL when none is. Words and
 * names longer than 32 bytes are never matched. */
const char *attn_suggest(const char *word, size_t len, const char *const *names, size_t count);

#endif
