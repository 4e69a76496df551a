/* arcs_select: which weights the arcs view draws as lines. Top k per row,
 * a weight floor, ties kept or dropped together, masked cells and NaN
 * never, rows past `rows` untouched in count; and the rule's text. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arcs_select.h"
#include "check.h"

static size_t row_count(const unsigned char *keep, size_t n, size_t i) {
    size_t c = 0;
    for (size_t j = 0; j < n; j++) c += keep[i * n + j];
    return c;
}

static void top_k(void) {
    /* 4 tokens, one row each kind */
    const float w[16] = {
        0.40f, 0.30f, 0.20f, 0.10f, /* distinct: top 2 = 0.40, 0.30 */
        0.25f, 0.25f, 0.25f, 0.25f, /* all tied: all four kept */
        0.50f, 0.20f, 0.20f, 0.10f, /* tie at the 2nd: both 0.20 kept */
        0.05f, 0.05f, 0.05f, 0.85f, /* one above the floor */
    };
    unsigned char keep[16];
    arcs_rule r = {2, 0.10f};
    size_t kept = arcs_select(w, NULL, 4, 4, r, keep);
    CHECK(row_count(keep, 4, 0) == 2 && keep[0] && keep[1] && !keep[2]);
    CHECK(row_count(keep, 4, 1) == 4);
    CHECK(row_count(keep, 4, 2) == 3 && keep[8] && keep[9] && keep[10] && !keep[11]);
    CHECK(row_count(keep, 4, 3) == 1 && keep[15]);
    CHECKF(kept == 10, "kept %zu", kept);

    r.top_k = 1;
    kept = arcs_select(w, NULL, 4, 4, r, keep);
    CHECK(row_count(keep, 4, 0) == 1 && keep[0]);
    CHECK(row_count(keep, 4, 1) == 4); /* a tie for the largest is kept whole */
    CHECK(row_count(keep, 4, 2) == 1 && keep[8]);
    CHECKF(kept == 7, "kept %zu", kept);
}

static void threshold(void) {
    const float w[9] = {0.09f, 0.10f, 0.81f, 0.33f, 0.33f, 0.34f, 0.0f, 0.0f, 1.0f};
    unsigned char keep[9];
    arcs_rule r = {0, 0.10f}; /* no per-row limit */
    size_t kept = arcs_select(w, NULL, 3, 3, r, keep);
    CHECK(!keep[0] && keep[1] && keep[2]); /* 0.10 is "at least 0.10" */
    CHECK(row_count(keep, 3, 1) == 3);
    CHECK(row_count(keep, 3, 2) == 1 && keep[8]);
    CHECKF(kept == 6, "kept %zu", kept);
    r.min_weight = 0.5f;
    CHECK(arcs_select(w, NULL, 3, 3, r, keep) == 2);
}

static void masked_never(void) {
    /* causal, 3 tokens: the masked cells hold weight 0 and the mask −∞; even
     * a floor of 0 and no limit keeps none of them, and a NaN never */
    const float w[9] = {1.0f, 0.0f, 0.0f, 0.6f, 0.4f, 0.0f, NAN, 0.5f, 0.5f};
    const float m[9] = {0.1f,      -INFINITY, -INFINITY, 0.2f, -0.2f,
                        -INFINITY, 0.3f,      0.1f,      0.1f};
    unsigned char keep[9];
    arcs_rule r = {0, 0.0f};
    size_t kept = arcs_select(w, m, 3, 3, r, keep);
    CHECK(!keep[1] && !keep[2] && !keep[5]);
    CHECK(!keep[6]);
    CHECKF(kept == 5, "kept %zu", kept);
    /* a masked cell with a large weight (a bad trace) still is not drawn */
    float w2[4] = {0.1f, 0.9f, 0.5f, 0.5f};
    const float m2[4] = {0.0f, -INFINITY, 0.0f, 0.0f};
    r = (arcs_rule){1, 0.1f};
    arcs_select(w2, m2, 2, 2, r, keep);
    CHECK(keep[0] && !keep[1]);
    CHECK(keep[2] && keep[3]);
}

static void rows_limit(void) {
    /* rows appear one by one during softmax: only the first `rows` count */
    const float w[4] = {0.6f, 0.4f, 0.7f, 0.3f};
    unsigned char keep[4] = {9, 9, 9, 9};
    arcs_rule r = {1, 0.1f};
    CHECK(arcs_select(w, NULL, 2, 1, r, keep) == 1);
    CHECK(keep[0] == 1 && keep[1] == 0);
}

static void rules(void) {
    char buf[96];
    arcs_rule_text(arcs_rule_for(9, 0), buf, sizeof buf);
    CHECK(strcmp(buf, "lines: top 2 per row, weights \xE2\x89\xA5 0.10") == 0);
    arcs_rule_text(arcs_rule_for(22, 0), buf, sizeof buf);
    CHECK(strcmp(buf, "lines: top 2 per row, weights \xE2\x89\xA5 0.09") == 0);
    arcs_rule_text(arcs_rule_for(64, 0), buf, sizeof buf);
    CHECK(strcmp(buf, "lines: top 1 per row, weights \xE2\x89\xA5 0.03") == 0);
    CHECK(arcs_rule_for(64, 0).min_weight == 0.03f); /* the floor applied is the one shown */
    arcs_rule_text(arcs_rule_for(9, ARCS_K_CHOICES), buf, sizeof buf);
    CHECK(strcmp(buf, "lines: every weight \xE2\x89\xA5 0.10") == 0);
    /* K steps 2 → 3 → no limit → 1 → 2 from the default at 9 tokens */
    int c = arcs_next_choice(9, 0);
    CHECK(arcs_rule_for(9, c).top_k == 3);
    c = arcs_next_choice(9, c);
    CHECK(arcs_rule_for(9, c).top_k == 0);
    c = arcs_next_choice(9, c);
    CHECK(arcs_rule_for(9, c).top_k == 1);
    c = arcs_next_choice(9, c);
    CHECK(arcs_rule_for(9, c).top_k == 2);
}

int main(void) {
    top_k();
    threshold();
    masked_never();
    rows_limit();
    rules();
    return check_done("test_arcs_select");
}
