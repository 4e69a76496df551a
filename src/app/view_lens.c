/* The lens panel of the model overview (view_lens.h): for the token the
 * model predicts after the sentence, the heads that pushed it most (each
 * head's direct contribution to its logit, a signed bar) and the logit
 * lens (what the model would answer if read out after each block). The
 * numbers are the state layer's (trained_lens.h); here only drawing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "colormap.h"
#include "trained_lens.h"
#include "view_lens.h"

enum { LENS_HEADS_MAX = 12 };

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

/* The token as shown: a GPT-2 piece ("·cat") or the vocabulary's word;
 * the start token as ⟨end⟩, as the predictions show it. */
static void token_text(const state_trained *t, int32_t id, char *buf, size_t len) {
    if (id == MODEL_TOKEN_EOT && !t->gpt2) snprintf(buf, len, "⟨end⟩");
    else state_trained_token_text(t, id, buf, len);
}

/* A probability in percent with the digits it needs: "42%", "4.2%",
 * "0.42%", "<0.01%" (a random model's are all small, and not all 0%). */
void view_percent(char *buf, size_t len, float p) {
    double v = 100.0 * (double)p;
    if (v >= 9.5) snprintf(buf, len, "%.0f%%", v);
    else if (v >= 0.95) snprintf(buf, len, "%.1f%%", v);
    else if (v >= 0.005) snprintf(buf, len, "%.2f%%", v);
    else snprintf(buf, len, "<0.01%%");
}

/* The bars: "2.4 +1.8", positive to the right of the zero line in the
 * diverging map's red, negative to the left in its blue; the number's
 * sign says it too (never colour alone). Returns the height used. */
static int head_bars(stage_ctx *c, const state_trained *t, const state_lens *lens, SDL_Rect p) {
    const theme *th = c->th;
    int spx = c->spx, line = spx * 3 / 2;
    int rows = imin(LENS_HEADS_MAX, p.h / line);
    if (rows < 1) return 0;
    size_t order[LENS_HEADS_MAX];
    size_t k = state_lens_top_heads(lens, (size_t)rows, order);
    float big = 0.0f;
    for (size_t i = 0; i < k; i++) big = fmaxf(big, fabsf(lens->contrib[order[i]]));
    int name_w = 0, num_w = 0;
    text_measure(c->tc, "00.00", spx, &name_w, NULL);
    text_measure(c->tc, "+00.0", spx, &num_w, NULL);
    int bar_x = p.x + name_w + spx / 2, bar_w = p.x + p.w - num_w - spx / 2 - bar_x;
    int zero = bar_x + bar_w / 2, half = bar_w / 2;
    SDL_Color pos = colormap_diverging(0.8f), neg = colormap_diverging(-0.8f);
    int y = p.y;
    for (size_t i = 0; i < k; i++, y += line) {
        size_t l = order[i] / t->model.config.n_heads, h = order[i] % t->model.config.n_heads;
        float v = lens->contrib[order[i]];
        int cy = y + line / 2;
        char name[32], num[32];
        snprintf(name, sizeof name, "%zu.%zu", l + 1, h + 1); /* app_head_name's "layer.head" */
        /* small contributions keep two digits: a random model's are all
         * under one, and "+0.1" beside bars of different lengths says nothing */
        snprintf(num, sizeof num, fabsf(v) < 1.0f ? "%+.2f" : "%+.1f", (double)v);
        text_draw(c->tc, name, spx, th->text, p.x, cy, TEXT_LEFT | TEXT_MIDDLE);
        if (half >= 2 && big > 0.0f) {
            int w = imax((int)lroundf(fabsf(v) / big * (float)half), 1), bh = line / 2;
            SDL_Rect bar = v >= 0 ? (SDL_Rect){zero, cy - bh / 2, w, bh}
                                  : (SDL_Rect){zero - w, cy - bh / 2, w, bh};
            draw_fill(c->r, bar, v >= 0 ? pos : neg);
        }
        text_draw(c->tc, num, spx, th->text, p.x + p.w, cy, TEXT_RIGHT | TEXT_MIDDLE);
    }
    if (k > 0 && half >= 2) draw_line(c->r, zero, p.y, zero, y, th->text_dim);
    return y - p.y;
}

/* The logit lens as a table: layer, its top token, its probability. When
 * the rows do not all fit, the embeddings and the last layers are kept
 * (the answer forms at the end). Returns the height used. */
static int lens_table(stage_ctx *c, const state_trained *t, const state_lens *lens, SDL_Rect p) {
    const theme *th = c->th;
    int spx = c->spx, line = spx * 5 / 4;
    size_t R = lens->n_layers + 1, fit = (size_t)imax(p.h / line, 0);
    if (fit < 2) return 0;
    size_t skip_to = R > fit ? R - (fit - 1) : 1; /* rows 1 .. skip_to-1 left out */
    int col_w = 0, pct_w = 0;
    text_measure(c->tc, "emb.", spx, &col_w, NULL);
    text_measure(c->tc, "<0.01%", spx, &pct_w, NULL);
    col_w = imax(col_w, spx * 2);
    int y = p.y;
    for (size_t r = 0; r < R; r++) {
        if (r > 0 && r < skip_to) continue;
        int cy = y + line / 2;
        char layer[32], word[96], pct[16];
        if (r == 0) snprintf(layer, sizeof layer, "emb.");
        else if (r == skip_to && skip_to > 1) snprintf(layer, sizeof layer, "…%zu", r);
        else snprintf(layer, sizeof layer, "%zu", r);
        int32_t id = lens->lens_ids[r * STATE_LENS_K];
        float pr = lens->lens_probs[r * STATE_LENS_K];
        token_text(t, id, word, sizeof word);
        view_percent(pct, sizeof pct, pr);
        bool answer = id == lens->token;
        SDL_Color col = answer ? th->accent : th->text;
        text_draw(c->tc, layer, spx, th->text_dim, p.x + col_w, cy, TEXT_RIGHT | TEXT_MIDDLE);
        stage_text_fit(c, word, spx, col, p.x + col_w + spx / 2, cy, TEXT_LEFT | TEXT_MIDDLE,
                       p.w - col_w - pct_w - spx);
        text_draw(c->tc, pct, spx, col, p.x + p.w, cy, TEXT_RIGHT | TEXT_MIDDLE);
        y += line;
    }
    return y - p.y;
}

int view_lens_draw(stage_ctx *c, const state_trained *t, SDL_Rect area) {
    /* the app state holds the cache; state_trained_lens recomputes it only
     * after a new run */
    state_lens *lens = &c->s->lens;
    const theme *th = c->th;
    int px = c->px, spx = c->spx, y = area.y;
    if (area.h < 3 * px) return 0;
    char err[256];
    draw_line(c->r, area.x, y, area.x + area.w, y, th->panel_border);
    y += px / 2;
    if (state_trained_lens(t, lens, err, sizeof err) != ATTN_OK) {
        stage_text_wrap(c, err, spx, th->text_dim, area.x, y + spx / 2, area.w, spx * 5 / 4, 2);
        return y + spx * 3 - area.y;
    }
    char word[96], title[512];
    token_text(t, lens->token, word, sizeof word);
    snprintf(title, sizeof title,
             "Heads that pushed “%s”\nHeads for “%s”\nHeads → “%s”", word, word, word);
    stage_text_alts(c, title, px, th->text, area.x, y + px / 2, TEXT_LEFT | TEXT_MIDDLE, area.w);
    y += px * 3 / 2;
    /* while a GPT-2's new run is under way these are the last run's */
    if (c->s->model.pending)
        stage_text_alts(c, "the last run's: the new one is under way\nthe last run's\nold",
                        spx, th->accent, area.x, y + spx / 2, TEXT_LEFT | TEXT_MIDDLE, area.w);
    else
        stage_text_alts(c, "direct contribution to its logit\ncontribution to the logit\nlogit",
                        spx, th->text_dim, area.x, y + spx / 2, TEXT_LEFT | TEXT_MIDDLE, area.w);
    y += spx * 3 / 2;
    /* the table takes what its rows need, up to half of what is left; the
     * bars the rest */
    int rest = area.y + area.h - y;
    int table_h = imin(rest / 2, px * 3 / 2 + (int)(lens->n_layers + 1) * (spx * 5 / 4));
    y += head_bars(c, t, lens, (SDL_Rect){area.x, y, area.w, rest - table_h - spx}) + spx / 2;
    if (area.y + area.h - y < 3 * spx) return y - area.y;
    stage_text_alts(c, "Logit lens: the answer layer by layer\nLogit lens\nLens", px, th->text,
                    area.x, y + px / 2, TEXT_LEFT | TEXT_MIDDLE, area.w);
    y += px * 3 / 2;
    y += lens_table(c, t, lens, (SDL_Rect){area.x, y, area.w, area.y + area.h - y});
    return y - area.y;
}
