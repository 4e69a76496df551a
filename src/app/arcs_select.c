/* The arcs view's choice of lines (arcs_select.h). */
#include "arcs_select.h"

#include <math.h>
#include <stdio.h>

#define ARCS_MIN_WEIGHT 0.10f

arcs_rule arcs_rule_for(size_t n, int choice) {
    /* The floor: 0.10, or twice an even share (2/n) when that is lower, so
     * a long sentence, whose weights are all small, still shows its
     * strongest links; rounded down to what the screen says (0.03). */
    float floor_w = ARCS_MIN_WEIGHT;
    if (n > 0 && 2.0f / (float)n < floor_w) floor_w = floorf(200.0f / (float)n) / 100.0f;
    arcs_rule r = {n > 24 ? 1 : 2, floor_w};
    if (choice >= 1 && choice < ARCS_K_CHOICES) r.top_k = (size_t)choice;
    else if (choice == ARCS_K_CHOICES) r.top_k = 0;
    return r;
}

int arcs_next_choice(size_t n, int choice) {
    if (choice < 1 || choice > ARCS_K_CHOICES) choice = (int)arcs_rule_for(n, 0).top_k;
    return choice % ARCS_K_CHOICES + 1;
}

static bool eligible(const float *w, const float *masked, size_t at, float floor) {
    if (masked && isinf(masked[at]) && masked[at] < 0.0f) return false;
    return w[at] >= floor; /* false for NaN too */
}

size_t arcs_select(const float *w, const float *masked, size_t n, size_t rows, arcs_rule rule,
                   unsigned char *keep) {
    size_t kept = 0;
    if (rows > n) rows = n;
    for (size_t i = 0; i < rows; i++) {
        size_t base = i * n;
        /* The cut: step down through the row's distinct values, counting
         * how many cells each holds, until k cells are taken. Equal
         * weights share one step, so a tie at the k-th is kept whole.
         * k passes over the row: no sorting, no scratch memory. */
        float cut = rule.min_weight;
        if (rule.top_k > 0) {
            float below = INFINITY;
            size_t taken = 0;
            while (taken < rule.top_k) {
                float best = -INFINITY;
                size_t count = 0;
                for (size_t j = 0; j < n; j++) {
                    if (!eligible(w, masked, base + j, rule.min_weight)) continue;
                    float v = w[base + j];
                    if (!(v < below)) continue;
                    if (v > best) best = v, count = 1;
                    else if (v == best) count++;
                }
                if (count == 0) break; /* fewer than k cells qualify: all of them */
                taken += count;
                below = best;
            }
            if (taken > 0 && below > cut) cut = below;
        }
        for (size_t j = 0; j < n; j++) {
            bool k = eligible(w, masked, base + j, rule.min_weight) && w[base + j] >= cut;
            keep[base + j] = k ? 1 : 0;
            kept += k ? 1 : 0;
        }
    }
    return kept;
}

void arcs_rule_text(arcs_rule rule, char *buf, size_t len) {
    if (rule.top_k > 0)
        snprintf(buf, len, "lines: top %zu per row, weights \xE2\x89\xA5 %.2f", rule.top_k,
                 (double)rule.min_weight);
    else
        snprintf(buf, len, "lines: every weight \xE2\x89\xA5 %.2f", (double)rule.min_weight);
}
