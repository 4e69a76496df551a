/* Edit distance for "did you mean …?". */
#include "attnviz/suggest.h"

#include <string.h>

enum { LONGEST = 32 };

/* Levenshtein distance, two rows at a time; > LONGEST bytes counts as far. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb) {
    if (la > LONGEST || lb > LONGEST) return (size_t)-1;
    size_t prev[LONGEST + 1], cur[LONGEST + 1];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t best = sub < del ? sub : del;
            cur[j] = best < ins ? best : ins;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *cur);
    }
    return prev[lb];
}

const char *attn_suggest(const char *word, size_t len, const char *const *names, size_t count) {
    const char *best = NULL;
    size_t best_d = 3; /* at most two edits */
    for (size_t i = 0; i < count; i++) {
        size_t name_len = strlen(names[i]);
        size_t d = distance(word, len, names[i], name_len);
        size_t longer = len > name_len ? len : name_len;
        if (d < best_d && 2 * d <= longer) best_d = d, best = names[i];
    }
    return best;
}
