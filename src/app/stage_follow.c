/* Follow one token: a line at the foot of every stage saying where the
 * selected token is in it, and on the heads' grids its row marked (the
 * matrix stages mark their lit rows as they draw them). */
#include <stdio.h>

#include "stage.h"

/* Where token i (from 1: k) is at this stage, after "following 'word'
 * (token k): ", into buf. */
static void where(const stage_ctx *c, int k, char *buf, size_t len) {
    /* with cross-attention a query token has no key or value of its own */
    if (c->cross && c->s->stage >= STAGE_PROJECT && c->s->stage <= STAGE_MASK) {
        snprintf(buf, len, "%s",
                 c->s->stage == STAGE_PROJECT ? "its row q of Q: its row of X times W_Q, plus b_Q"
                 : c->s->stage == STAGE_SPLIT ? "its row of Q cut into one piece per head"
                                              : "its score row: its query against every key of "
                                                "the other sentence");
        return;
    }
    switch (c->s->stage) {
    case STAGE_EMBED:
        snprintf(buf, len, "x_%d, its row of X: its token vector + its position", k);
        break;
    case STAGE_PROJECT:
        snprintf(buf, len, "its rows q_%d, k_%d, v_%d: x_%d times W_Q, W_K, W_V, plus the biases",
                 k, k, k, k);
        break;
    case STAGE_SPLIT: snprintf(buf, len, "q_%d, k_%d, v_%d cut into one piece per head", k, k, k); break;
    case STAGE_SCORES: snprintf(buf, len, "its score row: q_%d · k_j for every token j", k); break;
    case STAGE_SCALE: snprintf(buf, len, "its score row, divided by √d_k"); break;
    case STAGE_MASK:
        snprintf(buf, len, "%s",
                 c->c->causal ? "its score row: the tokens after it masked to −∞"
                              : "its score row: nothing masked, every token may be read");
        break;
    case STAGE_SOFTMAX: snprintf(buf, len, "its weight row, which sums to 1"); break;
    case STAGE_WEIGHTED: snprintf(buf, len, "its row of O_h: V's rows mixed by its weight row"); break;
    case STAGE_CONCAT: snprintf(buf, len, "its concat row: every head's O row side by side"); break;
    case STAGE_OUTPUT: snprintf(buf, len, "its output row: its concat row times W_O, plus b_O"); break;
    default: buf[0] = '\0'; break;
    }
}

int stage_follow_height(const stage_ctx *c) {
    return stage_followed(c) >= 0 ? c->spx + c->spx / 2 : 0;
}

void stage_follow_caption(const stage_ctx *c, SDL_Rect strip) {
    int i = stage_followed(c);
    if (i < 0 || strip.w <= 0 || strip.h <= 0) return;
    const app_state *s = c->s;
    /* stages 4–7: token i's row on every head's grid */
    if (s->stage >= STAGE_SCORES && s->stage <= STAGE_SOFTMAX) {
        int thick = c->px / 8 > 2 ? c->px / 8 : 2;
        for (size_t g = 0; g < s->layout.n_grids && g < ATTN_HEADS_MAX; g++) {
            const app_cell_map *m = &s->layout.grids[g];
            if (m->head < 0 || m->rect.w <= 0) continue;
            draw_matrix_desc d = stage_head_desc(c, (size_t)m->head);
            stage_mark(c, m->rect, c->n, c->n_keys, i, -1, d.name, m->head, c->th->highlight,
                       thick);
        }
    }
    char word[64], line[320], at[160];
    size_t len;
    const char *t = stage_token(c, (size_t)i, &len);
    stage_fit(c, t, len, c->spx, 8 * c->spx, word, sizeof word);
    where(c, i + 1, at, sizeof at);
    snprintf(line, sizeof line, "following '%s' (token %d): %s", word, i + 1, at);
    draw_fill(c->r, strip, c->th->panel);
    stage_text_fit(c, line, c->spx, c->th->highlight, strip.x + c->spx / 2,
                   strip.y + strip.h / 2, TEXT_LEFT | TEXT_MIDDLE, strip.w - c->spx);
}
