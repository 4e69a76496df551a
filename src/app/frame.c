/* One frame: the caption bar (stage, formula, shapes with the current
 * numbers, a timeline), the stage's view in the main area, the status line,
 * the help overlay and the tooltip of the hovered cell. Sizes follow the
 * type size app_type_px gives, so the layout reads the same on a laptop and
 * a projector, and shrinks (never to negative sizes) in a tiny window. */
#include <cglm/cglm.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lesson_panel.h"
#include "stage.h"
#include "trained.h"
#include "view_model.h"

static const char *const stage_titles[STATE_STAGE_COUNT] = {
    "Tokens and embeddings",
    "Projection to Q, K, V",
    "Split into heads",
    "Scores",
    "Scale",
    "Causal mask",
    "Softmax",
    "Weighted sum",
    "Concatenate heads",
    "Output projection",
};

static const char *const view_titles[VIEW_COUNT] = {"all heads", "one head", "arcs"};

static bool per_head_stage(state_stage st) { return st >= STAGE_SCORES && st <= STAGE_WEIGHTED; }

/* "÷ √8", "÷ (√8 · 2)", "÷ 2", or "" when nothing divides. */
static void divisor_text(const attn_config *cfg, size_t d_head, char *buf, size_t len, bool value) {
    float t = cfg->temperature;
    double root = sqrt((double)d_head);
    if (cfg->scale && t == 1.0f)
        snprintf(buf, len, value ? "÷ √%zu = ÷ %.2f" : "÷ √%zu", d_head, root);
    else if (cfg->scale)
        snprintf(buf, len, value ? "÷ (√%zu · %g) = ÷ %.2f" : "÷ (√%zu · %g)", d_head, (double)t,
                 root * t);
    else if (t != 1.0f)
        snprintf(buf, len, "÷ %g", (double)t);
    else
        buf[0] = '\0';
}

/* The stage's formula, in forms from the whole to the shortest, one per
 * line: the caption shows the longest that fits (stage_text_alts), so a
 * narrow frame (the lesson panel, large type) keeps the meaning and the
 * numbers rather than a cut "…". */
static void formula(const stage_ctx *c, char *buf, size_t len) {
    char div[64];
    switch (c->s->stage) {
    case STAGE_EMBED:
        if (c->m->trained)
            /* shorter forms for a narrow frame (beside the lesson panel) */
            snprintf(buf, len, "X = LN\xE2\x82\x81(residual stream) entering layer %zu of %zu\n"
                     "X = LN\xE2\x82\x81(stream), layer %zu of %zu\nX = LN\xE2\x82\x81(stream)",
                     c->m->settings.layer + 1, c->m->trained->model.config.n_layers,
                     c->m->settings.layer + 1, c->m->trained->model.config.n_layers);
        else if (c->cross)
            snprintf(buf, len, "X, X_kv = token vector + position, each sentence from position "
                     "0\nX, X_kv = token vector + position\nX, X_kv");
        else if (c->m->settings.positions_off)
            snprintf(buf, len, "X = token vector (positions off: no position added)\n"
                     "X = token vector (no position)\nX = token vector");
        else
            snprintf(buf, len, "X = token vector + position");
        break;
    case STAGE_PROJECT:
        if (c->cross) { /* queries from one sentence, keys and values from the other */
            snprintf(buf, len,
                     "Q = X·W_Q + b_Q    K = X_kv·W_K + b_K    V = X_kv·W_V + b_V\n"
                     "Q = X·W_Q, K = X_kv·W_K, V = X_kv·W_V (+ biases)\nQ = X·W, K, V = X_kv·W");
            break;
        }
        snprintf(buf, len,
                 "Q = X·W_Q + b_Q    K = X·W_K + b_K    V = X·W_V + b_V\n"
                 "Q, K, V = X·W_Q, X·W_K, X·W_V (+ biases)\nQ, K, V = X·W (+ b)");
        break;
    case STAGE_SPLIT:
        snprintf(buf, len,
                 "Q_h, K_h, V_h = column slabs of width d_k = d_model ÷ heads = %zu\n"
                 "slabs of d_k = d_model ÷ heads = %zu columns\nd_k = %zu columns",
                 c->d_head, c->d_head, c->d_head);
        break;
    case STAGE_SCORES: snprintf(buf, len, "S_h = Q_h · K_hᵀ"); break;
    case STAGE_SCALE:
        divisor_text(c->c, c->d_head, div, sizeof div, false);
        if (div[0])
            snprintf(buf, len, "S′_h = S_h %s", div);
        else
            snprintf(buf, len, "S′_h = S_h   (scaling off, T = 1)");
        break;
    case STAGE_MASK:
        if (c->cross)
            snprintf(buf, len, "M_h = S′_h   (no causal mask across two sentences: each query "
                     "may read every key)\nM_h = S′_h (no mask across sentences)\nM_h = S′_h");
        else if (c->c->causal)
            snprintf(buf, len,
                     "M_h[i, j] = −∞ where j > i, else S′_h[i, j]\n"
                     "M_h = S′_h, −∞ above the diagonal\n−∞ where j > i");
        else
            snprintf(buf, len, "M_h = S′_h   (no mask: causal off)\nM_h = S′_h (no mask)");
        break;
    case STAGE_SOFTMAX:
        snprintf(buf, len,
                 "A_h[i, j] = exp(M_h[i, j]) ÷ Σ_k exp(M_h[i, k])\n"
                 "A_h = softmax(M_h), row by row\nA_h = softmax(M_h)");
        break;
    case STAGE_WEIGHTED: snprintf(buf, len, "O_h = A_h · V_h"); break;
    case STAGE_CONCAT: {
        char h1[24], h2[24], hl[24];
        app_head_name(c->s, 0, h1, sizeof h1);
        app_head_name(c->s, 1, h2, sizeof h2);
        app_head_name(c->s, c->n_heads - 1, hl, sizeof hl);
        if (c->n_heads == 1) snprintf(buf, len, "concat = O_%s (one head)", h1);
        else if (c->n_heads == 2) snprintf(buf, len, "concat = [O_%s | O_%s]", h1, h2);
        else snprintf(buf, len, "concat = [O_%s | O_%s | … | O_%s]", h1, h2, hl);
        break;
    }
    case STAGE_OUTPUT:
    default: snprintf(buf, len, "output = concat · W_O + b_O"); break;
    }
}

/* "for each of the 4 heads", "for the one head", or in the focus view,
 * which shows one head, "for head 2 (each of the 4 alike)". */
static const char *each_head(const stage_ctx *c, char *buf, size_t len) {
    size_t heads = c->n_heads;
    if (heads == 1) return "for the one head";
    if (c->s->view == VIEW_FOCUS) {
        char hn[24];
        app_head_name(c->s, c->focus, hn, sizeof hn);
        snprintf(buf, len, "for head %s (each of the %zu alike)", hn, heads);
    } else {
        snprintf(buf, len, "for each of the %zu heads", heads);
    }
    return buf;
}

/* Cross-attention's shapes: n query rows, m key/value rows, n×m maps. */
static void shapes_cross(const stage_ctx *c, char *buf, size_t len) {
    size_t n = c->n, m = c->n_keys, d = c->d_model, dk = c->d_head, H = c->n_heads,
           dkv = c->d_kv;
    char div[64], each[64];
    switch (c->s->stage) {
    case STAGE_EMBED:
        snprintf(buf, len,
                 "X: %zu×%zu (queries' sentence)    X_kv: %zu×%zu (keys' and values' sentence)\n"
                 "X %zu×%zu, X_kv %zu×%zu", n, d, m, d, n, d, m, d);
        break;
    case STAGE_PROJECT:
        snprintf(buf, len,
                 "Q = X·W_Q: %zu×%zu    K, V = X_kv·W_K, X_kv·W_V: %zu×%zu each\n"
                 "Q %zu×%zu, K and V %zu×%zu", n, d, m, dkv, n, d, m, dkv);
        break;
    case STAGE_SPLIT:
        snprintf(buf, len, "Q: %zu×%zu → %zu head%s × (%zu×%zu)    K, V: %zu×%zu → %zu kv "
                 "head%s × (%zu×%zu)\nQ → %zu × (%zu×%zu), K, V → %zu × (%zu×%zu)",
                 n, d, H, app_plural(H), n, dk, m, dkv, c->n_kv, app_plural(c->n_kv), m, dk, H,
                 n, dk, c->n_kv, m, dk);
        break;
    case STAGE_SCORES:
        snprintf(buf, len, "(%zu×%zu)·(%zu×%zu) → %zu×%zu (queries × keys), %s\n%zu×%zu: queries × keys",
                 n, dk, dk, m, n, m, each_head(c, each, sizeof each), n, m);
        break;
    case STAGE_SCALE:
        divisor_text(c->c, dk, div, sizeof div, true);
        snprintf(buf, len, "%zu×%zu %s, %s\n%zu×%zu %s", n, m, div[0] ? div : "unchanged",
                 each_head(c, each, sizeof each), n, m, div[0] ? div : "unchanged");
        break;
    case STAGE_MASK:
        snprintf(buf, len, "%zu×%zu unchanged: no causal mask across two sentences, %s\n"
                 "%zu×%zu unchanged: no mask across sentences\n%zu×%zu unchanged", n, m,
                 each_head(c, each, sizeof each), n, m, n, m);
        break;
    case STAGE_SOFTMAX:
        snprintf(buf, len, "%zu×%zu, each row sums to 1 over the %zu keys, %s\n"
                 "%zu×%zu, each row sums to 1", n, m, m, each_head(c, each, sizeof each), n, m);
        break;
    case STAGE_WEIGHTED:
        snprintf(buf, len, "(%zu×%zu)·(%zu×%zu) → %zu×%zu, %s\n(%zu×%zu)·(%zu×%zu) → %zu×%zu", n,
                 m, m, dk, n, dk, each_head(c, each, sizeof each), n, m, m, dk, n, dk);
        break;
    case STAGE_CONCAT: snprintf(buf, len, "%zu × (%zu×%zu) → %zu×%zu", H, n, dk, n, d); break;
    case STAGE_OUTPUT:
    default: snprintf(buf, len, "(%zu×%zu)·(%zu×%zu) → %zu×%zu", n, d, d, d, n, d); break;
    }
}

static void shapes(const stage_ctx *c, char *buf, size_t len) {
    size_t n = c->n, d = c->d_model, dk = c->d_head, H = c->n_heads, G = c->n_kv, dkv = c->d_kv;
    char div[64], each[64];
    if (c->cross) {
        shapes_cross(c, buf, len);
        return;
    }
    switch (c->s->stage) {
    case STAGE_EMBED:
        snprintf(buf, len, "%zu token%s → X: %zu×%zu (n × d_model)", n, app_plural(n), n, d);
        break;
    case STAGE_PROJECT:
        if (dkv == d)
            snprintf(buf, len, "(%zu×%zu)·(%zu×%zu) → %zu×%zu, for each of Q, K, V", n, d, d, d, n,
                     d);
        else
            snprintf(buf, len,
                     "Q: (%zu×%zu)·(%zu×%zu) → %zu×%zu    K, V: (%zu×%zu)·(%zu×%zu) → %zu×%zu\n"
                     "Q: %zu×%zu    K, V: %zu×%zu each",
                     n, d, d, d, n, d, n, d, d, dkv, n, dkv, n, d, n, dkv);
        break;
    case STAGE_SPLIT:
        if (G == H)
            snprintf(buf, len, "%zu×%zu → %zu head%s × (%zu×%zu), for each of Q, K, V", n, d, H,
                     H == 1 ? "" : "s", n, dk);
        else
            snprintf(
                buf, len,
                "Q: %zu×%zu → %zu heads × (%zu×%zu)    K, V: %zu×%zu → %zu kv head%s × (%zu×%zu), "
                "each shared by %zu heads\n"
                "Q → %zu heads, K and V → %zu kv head%s, each shared by %zu heads\n"
                "%zu heads share %zu kv head%s",
                n, d, H, n, dk, n, dkv, G, G == 1 ? "" : "s", n, dk, H / G, H, G,
                G == 1 ? "" : "s", H / G, H, G, G == 1 ? "" : "s");
        break;
    case STAGE_SCORES:
        snprintf(buf, len, "(%zu×%zu)·(%zu×%zu) → %zu×%zu, %s", n, dk, dk, n, n, n,
                 each_head(c, each, sizeof each));
        break;
    case STAGE_SCALE:
        divisor_text(c->c, dk, div, sizeof div, true);
        snprintf(buf, len, "%zu×%zu %s, %s", n, n, div[0] ? div : "unchanged",
                 each_head(c, each, sizeof each));
        break;
    case STAGE_MASK:
        if (c->c->causal)
            snprintf(buf, len, "%zu×%zu: %zu of %zu cells → −∞, %s", n, n, n * (n - 1) / 2,
                     n * n, each_head(c, each, sizeof each));
        else
            snprintf(buf, len, "%zu×%zu unchanged, %s", n, n, each_head(c, each, sizeof each));
        break;
    case STAGE_SOFTMAX:
        snprintf(buf, len, "%zu×%zu, each row sums to 1, %s", n, n,
                 each_head(c, each, sizeof each));
        break;
    case STAGE_WEIGHTED:
        snprintf(buf, len, "(%zu×%zu)·(%zu×%zu) → %zu×%zu, %s", n, n, n, dk, n, dk,
                 each_head(c, each, sizeof each));
        break;
    case STAGE_CONCAT: snprintf(buf, len, "%zu × (%zu×%zu) → %zu×%zu", H, n, dk, n, d); break;
    case STAGE_OUTPUT:
    default: snprintf(buf, len, "(%zu×%zu)·(%zu×%zu) → %zu×%zu", n, d, d, d, n, d); break;
    }
}

/* The settings line's forms, longest first, one per line: "n 11 · d_model
 * 128 · 4 heads · d_k 32 · causal · layer 1 of 2 ([ ])" down to "n 11 · d_k
 * 32" ("layer 1/2" for a trained model), the numbers the shapes beside them
 * are made of. */
static void settings_alts(const stage_ctx *c, char *buf, size_t len) {
    char heads[64], layer[64] = "", layer_short[32] = "";
    if (c->n_kv == c->n_heads)
        snprintf(heads, sizeof heads, "%zu head%s", c->n_heads, app_plural(c->n_heads));
    else
        snprintf(heads, sizeof heads, "%zu heads · %zu kv head%s", c->n_heads, c->n_kv,
                 app_plural(c->n_kv));
    if (c->m->trained) { /* the trained model: which of its layers this walkthrough shows */
        size_t l = c->m->settings.layer + 1, nl = c->m->trained->model.config.n_layers;
        snprintf(layer, sizeof layer, " · layer %zu of %zu ([ ])", l, nl);
        snprintf(layer_short, sizeof layer_short, " · layer %zu/%zu", l, nl);
    }
    const char *causal = c->c->causal ? " · causal" : "";
    if (c->cross) { /* the keys' count beside n: the maps are n × n_keys */
        snprintf(layer, sizeof layer, " · cross: %zu keys", c->n_keys);
        snprintf(layer_short, sizeof layer_short, " · %zu keys", c->n_keys);
    }
    /* a trained model's layer stays to the shortest form: the lesson and
     * the [ and ] keys speak of it */
    char last[48];
    if (c->m->trained)
        snprintf(last, sizeof last, "layer %zu/%zu", c->m->settings.layer + 1,
                 c->m->trained->model.config.n_layers);
    else
        snprintf(last, sizeof last, "n %zu · d_k %zu", c->n, c->d_head);
    snprintf(buf, len,
             "n %zu · d_model %zu · %s · d_k %zu%s%s\n"
             "n %zu · d_model %zu · %s · d_k %zu%s%s\n"
             "n %zu · %s · d_k %zu%s%s\n"
             "n %zu · %s · d_k %zu%s\n"
             "n %zu · d_k %zu%s\n"
             "%s",
             c->n, c->d_model, heads, c->d_head, causal, layer, c->n, c->d_model, heads,
             c->d_head, causal, layer_short, c->n, heads, c->d_head, causal, layer_short, c->n,
             heads, c->d_head, layer_short, c->n, c->d_head, layer_short, last);
}

/* Width of line k (from 0; -1 the last) of the forms in alts at px. */
static int form_width(const stage_ctx *c, const char *alts, int k, int px) {
    char one[512];
    const char *s = alts;
    for (int i = 0; k < 0 || i < k; i++) {
        const char *nl = strchr(s, '\n');
        if (!nl) break;
        s = nl + 1;
    }
    size_t n = strcspn(s, "\n");
    if (n >= sizeof one) n = sizeof one - 1;
    memcpy(one, s, n);
    one[n] = '\0';
    int w = 0;
    text_measure(c->tc, one, px, &w, NULL);
    return w;
}

/* Room for the settings right of the shapes in a line max_w wide: the
 * longest settings form beside the whole shapes, else the longest beside
 * the shapes' shortest form, else the shortest settings form cut. */
static int fit_beside(const stage_ctx *c, const char *shapes_alts, const char *cfg_alts, int px,
                      int max_w) {
    int gap = 2 * px, forms = 1;
    for (const char *s = cfg_alts; (s = strchr(s, '\n')) != NULL; s++) forms++;
    int firsts[2] = {form_width(c, shapes_alts, 0, px), form_width(c, shapes_alts, -1, px)};
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < forms; k++) {
            int w = form_width(c, cfg_alts, k, px);
            if (firsts[f] + gap + w <= max_w) return w;
        }
    int w = max_w - firsts[1] - gap;
    return w > 0 ? w : 0;
}

/* ---- caption bar ------------------------------------------------------------------- */

static int caption_height(int px) {
    int tpx = px * 6 / 5;
    return px / 2 + tpx * 5 / 4 + px * 5 / 4 + px / 2 + (px / 5 > 3 ? px / 5 : 3) + px / 4;
}

static void caption(stage_ctx *c, SDL_Rect bar) {
    const theme *th = c->th;
    int px = c->px, tpx = px * 6 / 5, pad = px / 2;
    draw_fill(c->r, bar, th->panel);
    draw_line(c->r, bar.x, bar.y + bar.h - 1, bar.x + bar.w, bar.y + bar.h - 1, th->panel_border);
    int x = bar.x + pad, right = bar.x + bar.w - pad;
    int y1 = bar.y + pad + tpx * 5 / 8, y2 = y1 + tpx * 5 / 8 + px * 5 / 8;
    char buf[512], num[32];

    /* line 1: "4/10  Scores   S_h = Q_h · K_hᵀ"      view: all heads (Tab) */
    int view_w = 0;
    if (per_head_stage(c->s->stage)) {
        snprintf(buf, sizeof buf, "view: %s (Tab)",
                 view_titles[c->s->view < VIEW_COUNT ? c->s->view : 0]);
        text_measure(c->tc, buf, px, &view_w, NULL);
        if (view_w < (right - x) / 3)
            text_draw(c->tc, buf, px, th->text_dim, right, y1, TEXT_RIGHT | TEXT_MIDDLE);
        else
            view_w = 0;
    }
    snprintf(num, sizeof num, "%d/%d", (int)c->s->stage + 1, STATE_STAGE_COUNT);
    x += text_draw(c->tc, num, tpx, th->accent, x, y1, TEXT_LEFT | TEXT_MIDDLE) + px / 2;
    int limit = right - (view_w ? view_w + px : 0);
    x += stage_text_fit(c, stage_titles[c->s->stage], tpx, th->text, x, y1, TEXT_LEFT | TEXT_MIDDLE,
                        limit - x) +
         px;
    formula(c, buf, sizeof buf);
    if (limit - x > 3 * px)
        stage_text_alts(c, buf, tpx, th->text, x, y1, TEXT_LEFT | TEXT_MIDDLE, limit - x);

    /* line 2: shapes with the numbers, and the settings that make them
     * (shortened, never left out, when the line is narrow) */
    char cfg[512];
    settings_alts(c, cfg, sizeof cfg);
    shapes(c, buf, sizeof buf); /* forms one per line, as the formula's */
    int x2 = bar.x + pad;
    int cfg_w = fit_beside(c, buf, cfg, px, right - x2);
    if (cfg_w > 0)
        stage_text_alts(c, cfg, px, th->text_dim, right, y2, TEXT_RIGHT | TEXT_MIDDLE, cfg_w);
    stage_text_alts(c, buf, px, th->text, x2, y2, TEXT_LEFT | TEXT_MIDDLE,
                    right - x2 - (cfg_w > 0 ? cfg_w + 2 * px : 0));

    /* the timeline: ten segments, done, current (filled to the progress), to come */
    int seg_h = px / 5 > 3 ? px / 5 : 3, seg_y = bar.y + bar.h - seg_h - px / 4;
    int seg_gap = 2, total = bar.w - 2 * pad;
    for (int k = 0; k < STATE_STAGE_COUNT; k++) {
        int sx0 = bar.x + pad + total * k / STATE_STAGE_COUNT;
        int sx1 = bar.x + pad + total * (k + 1) / STATE_STAGE_COUNT - seg_gap;
        SDL_Rect seg = {sx0, seg_y, sx1 - sx0, seg_h};
        draw_fill(c->r, seg, th->grid);
        if (k < (int)c->s->stage) {
            draw_fill(c->r, seg, th->text_dim);
        } else if (k == (int)c->s->stage) {
            SDL_Rect done = seg;
            done.w = (int)lroundf((float)seg.w * c->p);
            draw_fill(c->r, done, th->accent);
        }
    }
}

/* ---- status line ---------------------------------------------------------------------- */

/* Bytes of s (a UTF-8 boundary) that fit max_w pixels at px: at least one
 * character. measure is monotone in the length, so a binary search. */
static size_t fit_bytes(const stage_ctx *c, const char *s, size_t n, int px, int max_w) {
    char buf[APP_ERR_LEN];
    if (n >= sizeof buf) n = sizeof buf - 1;
    size_t lo = 0, hi = n; /* lo fits (nothing does), hi + 1 does not */
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2, w_len = mid;
        while (w_len < n && (s[w_len] & 0xC0) == 0x80) w_len++; /* whole characters */
        memcpy(buf, s, w_len);
        buf[w_len] = '\0';
        int w = 0;
        text_measure(c->tc, buf, px, &w, NULL);
        if (w <= max_w) lo = w_len >= mid ? w_len : mid;
        else hi = mid - 1;
        if (lo > hi) hi = lo;
    }
    if (lo == 0) { /* not even one character: one anyway */
        lo = 1;
        while (lo < n && (s[lo] & 0xC0) == 0x80) lo++;
    }
    return lo;
}

/* The message in lines of at most max_w pixels, broken at a space where
 * one fits, else inside the word (a long path); drawn from y (the first
 * line's middle) when draw. Returns the lines. */
static int message_lines(const stage_ctx *c, const char *s, int px, int max_w, SDL_Color col, int x,
                         int y, int line_h, bool draw) {
    int lines = 0;
    while (*s) {
        size_t n = strlen(s), cut = fit_bytes(c, s, n, px, max_w);
        if (cut < n) { /* the last space within the line, if any */
            size_t sp = cut;
            while (sp > 0 && s[sp] != ' ') sp--;
            if (sp > 0) cut = sp;
        }
        if (draw) text_draw_n(c->tc, s, cut, px, col, x, y + lines * line_h, TEXT_LEFT | TEXT_MIDDLE);
        lines++;
        s += cut;
        while (*s == ' ') s++;
    }
    return lines;
}

static void status(stage_ctx *c, SDL_Rect bar) {
    const theme *th = c->th;
    int px = c->spx, pad = c->px / 2, y = bar.y + bar.h / 2;
    draw_fill(c->r, bar, th->panel);
    draw_line(c->r, bar.x, bar.y, bar.x + bar.w, bar.y, th->panel_border);
    /* A GPT-2 reading a new sentence on its thread: the layer it is at, and
     * a bar along the top of the line that fills as it goes. */
    char running[128];
    float fraction = 0.0f;
    if (app_model_progress(c->s, running, sizeof running, &fraction)) {
        SDL_Rect fill = {bar.x, bar.y, (int)lroundf((float)bar.w * fraction), px / 5 > 3 ? px / 5 : 3};
        draw_fill(c->r, fill, th->accent);
        stage_text_fit(c, running, px, th->text, bar.x + pad, y, TEXT_LEFT | TEXT_MIDDLE,
                       bar.w - 2 * pad);
        return;
    }
    char state[64];
    if (c->s->view == VIEW_MODEL)
        snprintf(state, sizeof state, "%s",
                 app_overview_training(c->s) ? "training" : "overview");
    else if (c->s->playing)
        snprintf(state, sizeof state, "playing ×%.2g", (double)c->s->speed);
    else
        snprintf(state, sizeof state, "paused");
    int state_w =
        text_draw(c->tc, state, px, th->text_dim, bar.x + bar.w - pad, y, TEXT_RIGHT | TEXT_MIDDLE);
    int max_w = bar.w - 2 * pad - state_w - px;
    if (c->s->message[0]) {
        SDL_Color col = c->s->message_is_error ? th->error : th->text;
        int msg_w = 0;
        text_measure(c->tc, c->s->message, px, &msg_w, NULL);
        if (msg_w <= max_w) {
            text_draw(c->tc, c->s->message, px, col, bar.x + pad, y, TEXT_LEFT | TEXT_MIDDLE);
            return;
        }
        /* Longer than the line, with the panel (which shows its own errors
         * whole) closed: the whole message, a refusal's fix being at its
         * end, in a box that grows up from the line while it stays. */
        int line_h = px * 4 / 3;
        int lines = message_lines(c, c->s->message, px, max_w, col, 0, 0, line_h, false);
        if (c->s->show_settings || lines * line_h + 2 * pad > bar.y) {
            stage_text_fit(c, c->s->message, px, col, bar.x + pad, y, TEXT_LEFT | TEXT_MIDDLE,
                           max_w);
            return;
        }
        SDL_Rect box = {bar.x, bar.y + bar.h - lines * line_h - 2 * pad, max_w + 2 * pad,
                        lines * line_h + 2 * pad};
        draw_fill(c->r, box, th->panel);
        draw_line(c->r, box.x, box.y, box.x + box.w, box.y, th->panel_border);
        draw_line(c->r, box.x + box.w, box.y, box.x + box.w, bar.y, th->panel_border);
        message_lines(c, c->s->message, px, max_w, col, bar.x + pad, box.y + pad + line_h / 2,
                      line_h, true);
        return;
    }
    /* The longest hint that fits. */
    static const char *const overview_hints[] = {
        "click a head or ←↑↓→ + Space: switch it off   0 all on   R train live   M back   H help",
        "click a head: off/on   0 all on   R train live   M back   H help",
        "click: head off/on   R train   H help",
        "H help",
    };
    static const char *const stage_hints[] = {
        "Space play/pause   ←/→ stage   ↑/↓ speed   Tab view   1–9 head   click a token   H help",
        "Space play/pause   ←/→ stage   Tab view   1–9 head   H help",
        "Space play   ←/→ stage   H help",
        "H help",
    };
    /* a GPT-2 is shown with its own weights: no live training (R) */
    static const char *const gpt2_hints[] = {
        "click a head or ←↑↓→ + Space: switch it off   0 all on   M back   H help",
        "click a head: off/on   0 all on   M back   H help",
        "click: head off/on   H help",
        "H help",
    };
    bool gpt2 = c->s->model.trained && c->s->model.trained->gpt2;
    const char *const *hints = c->s->view != VIEW_MODEL ? stage_hints
                               : gpt2                   ? gpt2_hints
                                                        : overview_hints;
    for (size_t k = 0; k < 4; k++) {
        int w = 0;
        text_measure(c->tc, hints[k], px, &w, NULL);
        if (w <= max_w) {
            text_draw(c->tc, hints[k], px, th->text_dim, bar.x + pad, y, TEXT_LEFT | TEXT_MIDDLE);
            break;
        }
    }
}

/* ---- tooltip ------------------------------------------------------------------------------ */

static void token_name(const stage_ctx *c, size_t i, char *buf, size_t len) {
    size_t tl;
    const char *s = stage_token(c, i, &tl);
    char fitted[128];
    if (stage_fit(c, s, tl, c->spx, 8 * c->spx, fitted, sizeof fitted) == 0)
        snprintf(fitted, sizeof fitted, "…");
    snprintf(buf, len, "“%s” (%zu)", fitted, i + 1);
}

/* Key j as the tooltip names it: the other sentence's with cross-attention. */
static void key_name(const stage_ctx *c, size_t j, char *buf, size_t len) {
    size_t tl;
    const char *s = stage_key_token(c, j, &tl);
    char fitted[128];
    if (stage_fit(c, s, tl, c->spx, 8 * c->spx, fitted, sizeof fitted) == 0)
        snprintf(fitted, sizeof fitted, "…");
    snprintf(buf, len, "“%s” (%zu)", fitted, j + 1);
}

static void tooltip(stage_ctx *c, int w, int h) {
    app_state *s = c->s;
    if (!per_head_stage(s->stage) || s->hover_head < 0 || s->hover_i < 0 || s->hover_j < 0) return;
    /* n rows (queries), nk columns (keys: the other sentence's in cross-attention) */
    size_t hh = (size_t)s->hover_head, i = (size_t)s->hover_i, j = (size_t)s->hover_j, n = c->n,
           nk = c->n_keys;
    if (hh >= c->n_heads || i >= n || j >= nk) return;
    size_t at = (hh * n + i) * nk + j;
    const attn_trace *t = c->t;
    char lines[6][480], ti[160], tj[160], v[32], v2[32];
    int count = 0;
    token_name(c, i, ti, sizeof ti);
    key_name(c, j, tj, sizeof tj);
    char hn[24];
    app_head_name(s, hh, hn, sizeof hn);
    snprintf(lines[count++], sizeof lines[0], "head %s: row %s, column %s", hn, ti, tj);
    draw_format_exact(v, sizeof v, t->scores[at]);
    snprintf(lines[count++], sizeof lines[0], "score q_i·k_j = %s", v);
    if (s->stage >= STAGE_SCALE) {
        char div[64];
        divisor_text(c->c, c->d_head, div, sizeof div, false);
        draw_format_exact(v, sizeof v, t->scaled[at]);
        if (div[0])
            snprintf(lines[count++], sizeof lines[0], "scaled %s → %s", div, v);
        else
            snprintf(lines[count++], sizeof lines[0], "not scaled (scaling off, T = 1) → %s", v);
    }
    if (s->stage >= STAGE_MASK) {
        bool masked = isinf(t->masked[at]);
        draw_format_exact(v, sizeof v, t->masked[at]);
        if (c->cross)
            snprintf(lines[count++], sizeof lines[0],
                     "no mask: the key is in the other sentence → %s", v);
        else if (!c->c->causal)
            snprintf(lines[count++], sizeof lines[0], "no mask (causal off) → %s", v);
        else if (masked)
            snprintf(lines[count++], sizeof lines[0], "masked: j > i, a later token → −∞");
        else
            snprintf(lines[count++], sizeof lines[0], "not masked (j ≤ i) → %s", v);
    }
    if (s->stage >= STAGE_SOFTMAX) {
        draw_format_exact(v, sizeof v, t->weights[at]);
        /* the map's note says every row sums to 1; the row's own sum here */
        const float *wr = t->weights + (hh * n + i) * nk;
        double sum = 0.0;
        for (size_t k = 0; k < nk; k++) sum += wr[k];
        snprintf(lines[count++], sizeof lines[0], "softmax of row %s → %s (row Σ=%.3f)", ti, v,
                 sum);
    }
    if (s->stage >= STAGE_WEIGHTED) {
        draw_format_exact(v2, sizeof v2, t->weights[at]);
        snprintf(lines[count++], sizeof lines[0], "O_%s row %zu takes %s × row %zu of V", hn,
                 i + 1, v2, j + 1);
    }
    const theme *th = c->th;
    int px = c->spx, line = px * 3 / 2, pad = px / 2, box_w = 0;
    for (int k = 0; k < count; k++) {
        int lw;
        text_measure(c->tc, lines[k], px, &lw, NULL);
        if (lw > box_w) box_w = lw;
    }
    box_w += 2 * pad;
    if (box_w > w - 4) box_w = w - 4;
    int box_h = count * line + 2 * pad - (line - px - px / 4);
    int x = s->hover_x + 16, y = s->hover_y + 20;
    /* stage 8 draws the mixing to the right of the weights (the V rows, their
     * bars and O's row): the tooltip goes left of the mouse, not over them */
    bool left_first = s->stage == STAGE_WEIGHTED && s->hover_x - 12 - box_w >= 2;
    if (left_first || x + box_w > w - 2) x = s->hover_x - 12 - box_w;
    if (x < 2) x = 2;
    if (y + box_h > h - 2) y = s->hover_y - 12 - box_h;
    if (y < 2) y = 2;
    SDL_Rect box = {x, y, box_w, box_h};
    draw_fill(c->r, (SDL_Rect){x + 3, y + 3, box_w, box_h}, (SDL_Color){0, 0, 0, 60});
    draw_fill(c->r, box, th->tooltip);
    draw_outline(c->r, box, theme_head_color(th, hh), 2);
    for (int k = 0; k < count; k++)
        stage_text_fit(c, lines[k], px, k == 0 ? th->text : th->text, x + pad,
                       y + pad + k * line + line / 2 - px / 8, TEXT_LEFT | TEXT_MIDDLE,
                       box_w - 2 * pad);
}

/* ---- the main area ----------------------------------------------------------------------- */

/* Stages 4–8 in the view chosen. Arcs draw weights, which do not exist
 * before softmax: there the heatmaps stand in, and a line says so. */
static void per_head(stage_ctx *c) {
    if (c->s->view == VIEW_ARCS) {
        if (view_arcs(c)) return; /* else it said why there are no arcs yet */
    }
    stage_heads(c, c->s->view == VIEW_FOCUS);
}

/* What draws each stage's main area, in stage order. */
static void (*const stage_draw[STATE_STAGE_COUNT])(stage_ctx *) = {
    stage_embed, stage_project, stage_split, per_head,     per_head,
    per_head,    per_head,      per_head,    stage_concat, stage_output,
};

/* ---- the frame ----------------------------------------------------------------------------- */

/* A lesson step's outlines on every heatmap drawn (rows and columns on
 * each head, cells on their head), in the accent colour and thick enough
 * to read from the back of a room. */
static void highlights(stage_ctx *c) {
    const app_state *s = c->s;
    if (s->n_highlights == 0 || !per_head_stage(s->stage)) return;
    int thick = c->px / 8 > 2 ? c->px / 8 : 2;
    for (size_t g = 0; g < s->layout.n_grids && g < ATTN_HEADS_MAX; g++) {
        const app_cell_map *m = &s->layout.grids[g];
        if (m->head < 0 || m->rect.w <= 0) continue;
        for (size_t k = 0; k < s->n_highlights && k < STATE_HIGHLIGHTS_MAX; k++) {
            const state_highlight *hl = &s->highlights[k];
            if (hl->i >= (int)c->n || hl->j >= (int)c->n_keys) continue;
            if (hl->kind == STATE_HIGHLIGHT_ROW)
                stage_outline_row(c, m->rect, c->n, (size_t)hl->i, c->th->accent, thick);
            else if (hl->kind == STATE_HIGHLIGHT_COLUMN)
                stage_outline_col(c, m->rect, c->n_keys, (size_t)hl->j, c->th->accent, thick);
            else if (hl->head == m->head) {
                SDL_Rect rc = stage_cell_rect(m->rect, c->n, c->n_keys, (size_t)hl->i,
                                              (size_t)hl->j);
                rc.x -= thick, rc.y -= thick, rc.w += 2 * thick, rc.h += 2 * thick;
                draw_outline(c->r, rc, c->th->accent, thick);
            }
        }
    }
}

static void frame(SDL_Renderer *r, text_cache *text, draw_pool *pool, app_state *s, int w, int h);

/* The type size of a frame h pixels high: presenter mode a quarter larger,
 * for the back of a room; Ctrl +/− work on top of either. */
static int frame_type_px(const app_state *s, int h) {
    return app_type_px(h, s->type_scale * (s->present ? 1.25f : 1.0f));
}

/* The smallest type a frame h pixels high draws: 20 px at 1080 in
 * presenter mode, 14 px otherwise (a projected label under that is not
 * read from the back), following Ctrl +/−; the full frame's height sets
 * it, so the narration panel does not lower it. */
static int frame_min_px(const app_state *s, int h) {
    float per_px = s->present ? 54.0f : 77.0f;
    return (int)((float)h / per_px * s->type_scale + 0.5f);
}

void app_draw(SDL_Renderer *r, text_cache *text, draw_pool *pool, app_state *s, int w, int h) {
    s->layout.n_grids = 0;
    s->layout.n_token_labels = 0;
    s->layout.n_overview_heads = 0;
    s->layout.overview_button = (SDL_Rect){0, 0, 0, 0};
    if (!r || !text || !pool || w <= 0 || h <= 0) return;
    draw_begin(pool, r, text);
    text_cache_set_min_px(text, frame_min_px(s, h));
    SDL_RenderSetClipRect(r, NULL);
    const theme *th = s->theme ? s->theme : theme_dark();
    draw_clear(pool, r, (SDL_Rect){0, 0, w, h}, th->background);
    if (s->lesson) {
        /* The narration takes a column (or a band) of its own: it never
         * covers the heatmaps it talks about. */
        int px = frame_type_px(s, h);
        SDL_Rect panel = app_lesson_panel_rect(w, h, px);
        int fw = panel.x > 0 ? panel.x : w, fh = panel.x > 0 ? h : panel.y;
        frame(r, text, pool, s, fw, fh);
        SDL_RenderSetClipRect(r, NULL);
        app_lesson_draw(r, text, s, panel, px);
        if (s->show_help) {
            stage_ctx c;
            memset(&c, 0, sizeof c);
            c.r = r;
            c.tc = text;
            c.pool = pool;
            c.s = s;
            c.th = th;
            c.px = px > h / 8 && h / 8 >= 8 ? h / 8 : px;
            stage_help(&c, w, h);
        }
    } else {
        frame(r, text, pool, s, w, h);
    }
    SDL_RenderSetClipRect(r, NULL);
    draw_end(pool, text);
    text_cache_set_min_px(text, 0); /* the window's other drawing keeps its own sizes */
}

/* Caption, stage, status line and overlays in a w×h frame at (0, 0). */
static void frame(SDL_Renderer *r, text_cache *text, draw_pool *pool, app_state *s, int w, int h) {
    if (w <= 0 || h <= 0) return;
    const theme *th = s->theme ? s->theme : theme_dark();

    /* A stage or view out of range (a bad state, never expected) shows the
     * first rather than reading past the tables. */
    if ((unsigned)s->stage >= STATE_STAGE_COUNT) s->stage = STAGE_EMBED;
    if ((unsigned)s->view >= VIEW_COUNT && s->view != VIEW_MODEL) s->view = VIEW_HEADS;
    /* the overview needs the trained model; with mechanics the stages show */
    if (s->view == VIEW_MODEL && !app_overview_available(s)) s->view = VIEW_HEADS;
    int px = frame_type_px(s, h);
    if (px > h / 8 && h / 8 >= 8) px = h / 8; /* a tiny window keeps room for the picture */
    stage_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.tc = text;
    c.pool = pool;
    c.s = s;
    c.th = th;
    c.m = &s->model;
    c.t = &s->model.trace;
    c.c = &s->model.settings.config;
    c.px = px;
    c.spx = px * 4 / 5 > 10 ? px * 4 / 5 : (px < 10 ? px : 10);
    c.p = glm_clamp_zo(s->progress == s->progress ? s->progress : 0.0f);
    c.e = glm_ease_cubic_inout(c.p);

    bool have_model = s->model.tokens && s->model.n > 0 && s->model.trace.block;
    if (!have_model) {
        text_draw(text, "no model to show: apply the settings first", px, th->text, w / 2, h / 2,
                  TEXT_CENTER | TEXT_MIDDLE);
        return;
    }
    c.n = s->model.n;
    c.n_keys = s->model.n_keys ? s->model.n_keys : s->model.n;
    c.cross = state_model_cross(&s->model);
    c.d_model = c.c->d_model;
    c.n_heads = c.c->n_heads;
    c.n_kv = c.c->n_kv_heads;
    c.d_head = attn_d_head(c.c);
    c.d_kv = attn_d_kv(c.c);
    c.focus = s->focus_head < c.n_heads ? s->focus_head : 0;

    int cap_h = caption_height(px), status_h = c.spx * 2;
    if (cap_h + status_h > h) { /* not even the bars fit: the caption alone, clipped */
        SDL_Rect all = {0, 0, w, h};
        SDL_RenderSetClipRect(r, &all);
        if (s->view == VIEW_MODEL) view_model_caption(&c, (SDL_Rect){0, 0, w, cap_h});
        else caption(&c, (SDL_Rect){0, 0, w, cap_h});
        SDL_RenderSetClipRect(r, NULL);
        return;
    }
    int pad = px / 2 > 2 ? px / 2 : 2;
    SDL_Rect main_area = {pad, cap_h + pad, w - 2 * pad, h - cap_h - status_h - 2 * pad};
    /* follow mode: a line under the stage says where the token is */
    int follow_h = stage_follow_height(&c);
    if (follow_h > main_area.h / 4) follow_h = 0;
    main_area.h -= follow_h;
    if (main_area.w > 0 && main_area.h > 0) {
        c.area = main_area;
        SDL_RenderSetClipRect(r, &main_area);
        if (s->view == VIEW_MODEL) {
            view_model(&c);
            app_lesson_marks(&c);
        } else {
            /* the arcs view says in words why a stage has no arcs */
            if (s->view == VIEW_ARCS && !per_head_stage(s->stage)) view_arcs(&c);
            stage_draw[s->stage](&c);
            highlights(&c);
            app_lesson_marks(&c);
        }
        SDL_RenderSetClipRect(r, NULL);
        if (follow_h > 0 && s->view != VIEW_MODEL)
            stage_follow_caption(&c, (SDL_Rect){main_area.x, main_area.y + main_area.h,
                                                main_area.w, follow_h});
    }
    if (s->view == VIEW_MODEL) view_model_caption(&c, (SDL_Rect){0, 0, w, cap_h});
    else caption(&c, (SDL_Rect){0, 0, w, cap_h});
    status(&c, (SDL_Rect){0, h - status_h, w, status_h});
    if (!s->show_help)
        tooltip(&c, w, h);
    else if (!s->lesson) /* in a lesson the help covers the panel too: app_draw */
        stage_help(&c, w, h);
}
