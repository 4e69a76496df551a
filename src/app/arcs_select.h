/* Which attention weights the arcs view draws as lines. A line for every
 * weight of every head is a tangle (121 a head at 11 tokens); the view draws
 * only the largest few of each row that are also large enough to matter,
 * and says which rule it used. Pure: no SDL, no drawing. */
#ifndef ATTNVIZ_APP_ARCS_SELECT_H
#define ATTNVIZ_APP_ARCS_SELECT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct arcs_rule {
    size_t top_k;     /* the k largest weights of each row (ties with the
                         k-th kept too); 0: no per-row limit */
    float min_weight; /* and only weights at least this */
} arcs_rule;

enum { ARCS_K_CHOICES = 4 }; /* the K key steps through 1, 2, 3 per row and "no limit" */

/* The rule for n tokens: choice 0 is the default for n (2 per row up to
 * 24 tokens, 1 above, where the rows get too thin for two), choice
 * 1 … ARCS_K_CHOICES the K key's steps. The weight floor is 0.10, or twice
 * an even share 2/n when lower (0.09 at 22 tokens, 0.03 at 64). */
arcs_rule arcs_rule_for(size_t n, int choice);

/* The choice after choice when K is pressed (cycles through every step,
 * starting from the default's). */
int arcs_next_choice(size_t n, int choice);

/* Marks keep[i·n + j] = 1 for the weights of rows [0, rows) of the n×n
 * matrix w that the rule keeps, 0 for the others. A cell is never kept
 * when masked (masked[i·n + j] is −∞; masked may be NULL), when its weight
 * is not a number, or below rule.min_weight. Of the others, a row keeps
 * those at least as large as its k-th largest, so equal weights are kept
 * or dropped together. Returns the count kept. */
size_t arcs_select(const float *w, const float *masked, size_t n, size_t rows, arcs_rule rule,
                   unsigned char *keep);

/* "lines: top 2 per row, weights ≥ 0.10" into buf. */
void arcs_rule_text(arcs_rule rule, char *buf, size_t len);

#endif
