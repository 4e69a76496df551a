/* The sentence above the per-head stages 4–8: what each cell of a head's
 * map is at this stage, in forms from the whole to the shortest. */
#include <stdio.h>
#include <string.h>

#include "stage.h"

/* Stages 4–6 draw scores: centred (by default where the rows' constants
 * outgrow the pattern within the rows — a trained model's rows differ by
 * ±114 where a row spans ±20 — or asked for with Z) the note says each row
 * is drawn minus its mean and why; raw while the constants dominate, it
 * says that softmax ignores them and that Z takes them away. */
static void rows_note(const stage_ctx *c, char *buf, size_t len) {
    buf[0] = '\0';
    bool scores = c->s->stage == STAGE_SCORES || c->s->stage == STAGE_SCALE ||
                  c->s->stage == STAGE_MASK;
    if (!scores) return;
    char v[24];
    draw_format_value(v, sizeof v, c->m->scores_row_shift);
    bool dominate = app_scores_rows_dominate(c->s);
    if (app_scores_centred(c->s) && dominate)
        snprintf(buf, len, "; colours: each row minus its mean (rows differ by up to %s, a "
                 "constant softmax ignores; Z: raw)", v);
    else if (app_scores_centred(c->s))
        snprintf(buf, len, "; colours: each row minus its mean, which softmax ignores (Z: raw)");
    else if (dominate)
        snprintf(buf, len, "; rows differ by up to %s, a constant softmax ignores: Z centres them",
                 v);
}

/* base's forms (split at '\n'), each followed by extra. */
static void with_extra(char *buf, size_t len, const char *base, const char *extra) {
    size_t at = 0;
    const char *s = base;
    buf[0] = '\0';
    while (*s && at + 1 < len) {
        const char *nl = strchr(s, '\n');
        size_t part = nl ? (size_t)(nl - s) : strlen(s);
        int w = snprintf(buf + at, len - at, "%s%.*s%s", at ? "\n" : "", (int)part, s, extra);
        if (w < 0 || (size_t)w >= len - at) break;
        at += (size_t)w;
        s += part + (nl ? 1 : 0);
    }
    /* the shortest form alone last, for the narrowest frames */
    const char *last = strrchr(base, '\n');
    if (extra[0] && at + 1 < len) snprintf(buf + at, len - at, "\n%s", last ? last + 1 : base);
}

static void explain(const stage_ctx *c, char *buf, size_t len);

void stage_heads_explain(const stage_ctx *c, char *buf, size_t len) {
    if (stage_mechanics_note(c, buf, len)) return;
    char base[512], extra[128];
    explain(c, base, sizeof base);
    rows_note(c, extra, sizeof extra);
    with_extra(buf, len, base, extra);
}

static void explain(const stage_ctx *c, char *buf, size_t len) {
    switch (c->s->stage) {
    case STAGE_SCORES:
        if (c->cross) { /* the key is the other sentence's token */
            snprintf(buf, len,
                     "cell (i, j) = q_i · k_j: how well token i's query matches the other "
                     "sentence's token j's key (%zu product%s summed)\ncell (i, j) = q_i · k_j, "
                     "k_j from the other sentence",
                     c->d_head, app_plural(c->d_head));
            break;
        }
        snprintf(buf, len,
                 "cell (i, j) = q_i · k_j: how well token i's query matches token j's key "
                 "(%zu product%s summed)\ncell (i, j) = q_i · k_j, %zu product%s summed",
                 c->d_head, app_plural(c->d_head), c->d_head, app_plural(c->d_head));
        break;
    case STAGE_SCALE:
        if (c->c->scale)
            snprintf(buf, len,
                     "÷ √%zu%s shrinks every score by the same factor: the spread (std, by "
                     "each head's name) drops, so softmax does not saturate\n"
                     "÷ √%zu%s: a smaller spread, so softmax does not saturate",
                     c->d_head, c->c->temperature != 1.0f ? " ÷ T" : "", c->d_head,
                     c->c->temperature != 1.0f ? " ÷ T" : "");
        else if (c->c->temperature != 1.0f)
            snprintf(buf, len, "scaling off: only ÷ T = %g", (double)c->c->temperature);
        else
            snprintf(buf, len, "scaling off and T = 1: the scores pass through unchanged");
        break;
    case STAGE_MASK:
        if (c->cross)
            snprintf(buf, len,
                     "no mask across two sentences: every query may read every key of the other "
                     "sentence; the scaled scores pass through unchanged\n"
                     "no mask across two sentences: the scores pass through");
        else if (c->c->causal)
            snprintf(buf, len,
                     "causal: token i may not look at a later token j > i, so those "
                     "cells become −∞\ncausal: cells with j > i become −∞");
        else
            snprintf(buf, len,
                     "no mask (causal off): every token may look at every token; "
                     "the scaled scores pass through unchanged\n"
                     "no mask: the scores pass through unchanged");
        break;
    case STAGE_SOFTMAX:
        snprintf(buf, len,
                 "row by row: exp, then divide by the row's total, so each row is "
                 "≥ 0 and sums to 1%s\neach row: exp, ÷ its total, so it sums to 1",
                 c->c->causal ? " (−∞ → 0)" : "");
        break;
    default:
        snprintf(buf, len,
                 "row i of O_h = Σ_j A_h[i, j] · (row j of V_h): a mix of %svalue rows, "
                 "weighted by attention\nrow i of O_h = Σ_j A_h[i, j] · row j of V_h",
                 c->cross ? "the other sentence's " : "");
        break;
    }
}
