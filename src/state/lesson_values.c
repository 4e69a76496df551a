/* Live values of a lesson's text, evaluated on the model a step built: the
 * narration says "{{n}} tokens", the panel shows "11 tokens". Every number
 * comes from the model's settings or its trace; nothing is typed in. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_player.h"
#include "trained.h"
#include "overview.h"

void state_format_bytes(double bytes, char *buf, size_t len) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0) snprintf(buf, len, "%.0f B", bytes);
    else snprintf(buf, len, "%.3g %s", bytes, units[u]);
}

/* A count with thin groups of three digits, so 1,050,624 reads at a glance. */
static void format_count(double v, char *buf, size_t len) {
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", v);
    size_t nd = strlen(digits), o = 0;
    for (size_t i = 0; i < nd && o + 2 < len; i++) {
        if (i > 0 && (nd - i) % 3 == 0 && digits[0] != '-') buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* 3–4 significant digits: enough to compare, short enough to read. */
/* Four significant digits, with the minus sign the cells use ("−0.539"
 * beside a cell showing "−0.54", never an ASCII "-"). */
static void format_float(double v, char *buf, size_t len) {
    if (isinf(v)) snprintf(buf, len, v > 0 ? "∞" : "−∞");
    else snprintf(buf, len, "%s%.4g", v < 0 ? "−" : "", fabs(v));
}

/* A probability as a percentage: "8%", "0.4%" under 1%, "99.7%" above 99%
 * (so a sure prediction does not read as 100%). */
static void format_percent(double p, char *buf, size_t len) {
    double pc = 100.0 * p;
    if (pc < 1.0 || pc > 99.0) snprintf(buf, len, "%.1f%%", pc);
    else snprintf(buf, len, "%.0f%%", pc);
}

/* Weights and biases of one attention layer with width d and key/value
 * width dkv: W_Q, W_O (d²), W_K, W_V (d·dkv), b_Q, b_O (d), b_K, b_V (dkv). */
static double params(double d, double dkv) { return 2 * d * d + 2 * d * dkv + 2 * d + 2 * dkv; }

/* Token i as the sentence writes it; the trained model's start token has
 * no text there, so it is named as the views name it ("⟨start⟩"). */
static void token_text(const state_model *m, size_t i, char *buf, size_t len) {
    if (m->token_kind && m->token_kind[i] == STATE_TOKEN_START) {
        snprintf(buf, len, "%s", STATE_START_LABEL);
        return;
    }
    const attn_token *tk = &m->tokens[i];
    snprintf(buf, len, "%.*s", (int)tk->len, m->text + tk->offset);
}

/* Key (column) j as written: the other sentence's token with
 * cross-attention, else token j as token_text names it. */
static void key_text(const state_model *m, size_t j, char *buf, size_t len) {
    if (!state_model_cross(m)) {
        token_text(m, j, buf, len);
        return;
    }
    size_t kl;
    const char *k = state_model_key_token(m, j, &kl);
    snprintf(buf, len, "%.*s", (int)kl, k);
}

/* A small positive number as "2.1 × 10⁻⁵", so a student reads it without
 * knowing the e-notation; others as format_float. */
static void format_small(double v, char *buf, size_t len) {
    if (!(v > 0.0 && v < 1e-3)) {
        format_float(v, buf, len);
        return;
    }
    static const char *const sup[10] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    int e = (int)floor(log10(v));
    double mant = v / pow(10.0, e);
    if (mant >= 9.95) mant /= 10.0, e++; /* "10 × 10⁻⁶" reads as "1 × 10⁻⁵" */
    char exp[32] = "";
    int k = -e, at = 0;
    char digits[8];
    int nd = snprintf(digits, sizeof digits, "%d", k);
    for (int i = 0; i < nd && at + 4 < (int)sizeof exp; i++)
        at += snprintf(exp + at, sizeof exp - (size_t)at, "%s", sup[digits[i] - '0']);
    snprintf(buf, len, "%.2g × 10⁻%s", mant, exp);
}

/* The rank of head h's score matrix Q_h·K_gᵀ (n×m: m keys, n in
 * self-attention): computed again in double from the trace's Q and K, then
 * Gaussian elimination with full pivoting; a pivot under 1e-9 of the
 * largest entry counts as zero. In exact arithmetic the rank is at most
 * d_head, whatever n is (the matrix is a product through d_head columns);
 * double rounding stays near 1e-16. */
static size_t score_rank(const attn_trace *t, const attn_config *c, size_t n, size_t m,
                         size_t h) {
    size_t dh = attn_d_head(c), dkv = attn_d_kv(c), d = c->d_model;
    size_t g = h / (c->n_heads / c->n_kv_heads);
    double *a = malloc(n * m * sizeof *a);
    if (!a) return 0;
    double biggest = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double sum = 0.0;
            for (size_t k = 0; k < dh; k++)
                sum += (double)t->q[i * d + h * dh + k] * (double)t->k[j * dkv + g * dh + k];
            a[i * m + j] = sum;
            if (fabs(sum) > biggest) biggest = fabs(sum);
        }
    size_t rank = 0, steps = n < m ? n : m;
    double tol = 1e-9 * biggest;
    for (size_t r = 0; r < steps && biggest > 0.0; r++) {
        /* pass 1: the largest remaining entry becomes the pivot */
        size_t pi = r, pj = r;
        for (size_t i = r; i < n; i++)
            for (size_t j = r; j < m; j++)
                if (fabs(a[i * m + j]) > fabs(a[pi * m + pj])) pi = i, pj = j;
        if (fabs(a[pi * m + pj]) <= tol) break;
        rank++;
        /* pass 2: swap it to (r, r), rows then columns */
        for (size_t j = 0; j < m; j++) {
            double x = a[r * m + j];
            a[r * m + j] = a[pi * m + j];
            a[pi * m + j] = x;
        }
        for (size_t i = 0; i < n; i++) {
            double x = a[i * m + r];
            a[i * m + r] = a[i * m + pj];
            a[i * m + pj] = x;
        }
        /* pass 3: clear the column under it */
        for (size_t i = r + 1; i < n; i++) {
            double f = a[i * m + r] / a[r * m + r];
            for (size_t j = r; j < m; j++) a[i * m + j] -= f * a[r * m + j];
        }
    }
    free(a);
    return rank;
}

/* The largest |entry| of the softmax's Jacobian diag(p) − ppᵀ for one row
 * p of weights: p_a(1 − p_a) on the diagonal, p_a·p_b off it. */
static double jacobian_max(const float *p, size_t n) {
    double best = 0.0;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            double pa = p[a], pb = p[b];
            double x = a == b ? pa * (1.0 - pa) : pa * pb;
            if (x > best) best = x;
        }
    return best;
}

/* Mean weight head h puts on token 1 (the start token) over rows 2..n of
 * one layer's weights; row 1 is left out: causal, it has no other choice. */
static double start_weight(const attn_trace *t, size_t n, size_t h) {
    if (n < 2) return 0.0;
    double sum = 0.0;
    for (size_t i = 1; i < n; i++) sum += t->weights[(h * n + i) * n];
    return sum / (double)(n - 1);
}

/* What a head's mean weight is measured on, in one sentence's run (the
 * token at 0 being the start token): */
typedef enum head_measure {
    MEASURE_START,     /* token 0, over rows 1..n-1 */
    MEASURE_PREVIOUS,  /* token i-1, over rows 2..n-1 (row 1's previous token is the start) */
    MEASURE_INDUCTION, /* token j+1, where j < i-1 is the last earlier occurrence of token i's
                          id, over the rows that have one (a word the vocabulary lacks is
                          no occurrence of another) */
} head_measure;

/* Head h's mean weight on what `what` names, in trace tr of sentence t;
 * -1 when no row qualifies. */
static double head_mean(const state_trained *t, const attn_trace *tr, size_t h, head_measure what) {
    size_t n = t->run.n, rows = 0;
    double sum = 0.0;
    for (size_t i = 1; i < n; i++) {
        size_t target;
        if (what == MEASURE_START) target = 0;
        else if (what == MEASURE_PREVIOUS) {
            if (i < 2) continue;
            target = i - 1;
        } else {
            size_t j = i;
            if (t->unknown[i]) continue;
            for (size_t k = i - 1; k >= 1 && j == i; k--)
                if (t->ids[k] == t->ids[i] && !t->unknown[k]) j = k;
            if (j == i || j + 1 >= i) continue;
            target = j + 1;
        }
        sum += tr->weights[(h * n + i) * n + target];
        rows++;
    }
    return rows ? sum / (double)rows : -1.0;
}

/* The head of any layer with the largest head_mean on this sentence,
 * "L.H (0.xx)"; heads whose means print alike are named together: a tie is
 * not a winner. False when no row qualifies. */
static bool most_head(const state_trained *t, head_measure what, char *buf, size_t len) {
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads;
    double best = -1.0;
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++) {
            double w = head_mean(t, &t->run.trace[l], h, what);
            if (w > best) best = w;
        }
    if (best < 0.0) return false;
    char shown_best[32];
    snprintf(shown_best, sizeof shown_best, "%.2f", best);
    size_t at = 0;
    buf[0] = '\0';
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++) {
            char here[32];
            snprintf(here, sizeof here, "%.2f", head_mean(t, &t->run.trace[l], h, what));
            if (strcmp(here, shown_best) != 0 || at >= len) continue;
            at += (size_t)snprintf(buf + at, len - at, "%s%zu.%zu", at ? " and " : "", l + 1, h + 1);
        }
    if (at < len) snprintf(buf + at, len - at, " (%s)", shown_best);
    return true;
}

/* The length of a - b (b may be NULL: of a), d numbers. */
static double norm_diff(const float *a, const float *b, size_t d) {
    double sq = 0.0;
    for (size_t k = 0; k < d; k++) {
        double x = (double)a[k] - (b ? (double)b[k] : 0.0);
        sq += x * x;
    }
    return sqrt(sq);
}

/* {{stream_norm L}}, {{attn_add L}}, {{mlp_add L}}: on the last token's row
 * of the residual stream (model.h's model_run), the length of the stream
 * entering block l, or of what its attention or its MLP adds. */
static double stream_length(const state_trained *t, lesson_value v, size_t l) {
    size_t d = t->model.config.d_model, nm = t->run.n_max;
    size_t row = (t->run.n - 1) * d;
    const float *in = t->run.resid + l * nm * d + row;
    const float *mid = t->run.mid + l * nm * d + row;
    const float *out = t->run.resid + (l + 1) * nm * d + row;
    return v == LESSON_VALUE_STREAM_NORM ? norm_diff(in, NULL, d)
           : v == LESSON_VALUE_ATTN_ADD  ? norm_diff(mid, in, d)
                                         : norm_diff(out, mid, d);
}

/* The values of the trained model (lesson.h: layer .. vocab). */
static attn_status trained_value(const state_model *m, const lesson_placeholder *ph, char *buf, size_t len) {
    const state_trained *t = m->trained;
    if (!t) {
        snprintf(buf, len, "?");
        return ATTN_ERR_CONFIG;
    }
    const model_heads_report *r = &t->roles;
    bool roles = t->have_roles;
    switch (ph->value) {
    case LESSON_VALUE_LAYER: snprintf(buf, len, "%zu", m->settings.layer + 1); return ATTN_OK;
    case LESSON_VALUE_LAYERS: snprintf(buf, len, "%zu", t->model.config.n_layers); return ATTN_OK;
    case LESSON_VALUE_ROLE: {
        if (!roles) break;
        /* the head's name by heads.h's one rule, as the overview and
         * `attnviz heads` name it */
        model_head_name nm;
        model_heads_name(r, ph->args[0] - 1, ph->args[1] - 1, &nm);
        model_heads_name_text(&nm, buf, len);
        return ATTN_OK;
    }
    case LESSON_VALUE_BEST_PREVIOUS:
    case LESSON_VALUE_BEST_INDUCTION:
    case LESSON_VALUE_BEST_ANTECEDENT:
    case LESSON_VALUE_BEST_SUBJECT: {
        if (!roles) break;
        model_role role = ph->value == LESSON_VALUE_BEST_PREVIOUS    ? MODEL_ROLE_PREVIOUS
                          : ph->value == LESSON_VALUE_BEST_INDUCTION ? MODEL_ROLE_INDUCTION
                          : ph->value == LESSON_VALUE_BEST_ANTECEDENT ? MODEL_ROLE_ANTECEDENT
                                                                      : MODEL_ROLE_SUBJECT;
        /* the head(s) that win the role, ties named as ties: "2.1 and 2.4 (0.97, tied)" */
        model_heads_winners_text(r, role, buf, len);
        return ATTN_OK;
    }
    case LESSON_VALUE_HELDOUT_LOSS:
    case LESSON_VALUE_UNIGRAM_LOSS: {
        if (!roles) break;
        format_float(ph->value == LESSON_VALUE_HELDOUT_LOSS ? r->heldout_loss : r->unigram_loss,
                     buf, len);
        return ATTN_OK;
    }
    case LESSON_VALUE_START_WEIGHT:
        if (m->n < 2) break;
        format_float(start_weight(&m->trace, m->n, ph->args[0] - 1), buf, len);
        return ATTN_OK;
    case LESSON_VALUE_MOST_START:
    case LESSON_VALUE_MOST_PREVIOUS:
    case LESSON_VALUE_MOST_INDUCTION: {
        /* every layer's heads on this sentence */
        head_measure what = ph->value == LESSON_VALUE_MOST_START      ? MEASURE_START
                            : ph->value == LESSON_VALUE_MOST_PREVIOUS ? MEASURE_PREVIOUS
                                                                      : MEASURE_INDUCTION;
        /* no row qualifies (no token repeats): said, so the text still reads */
        if (!most_head(t, what, buf, len)) snprintf(buf, len, "none (no token repeats)");
        return ATTN_OK;
    }
    case LESSON_VALUE_STREAM_NORM:
    case LESSON_VALUE_ATTN_ADD:
    case LESSON_VALUE_MLP_ADD: {
        format_float(stream_length(t, ph->value, ph->args[0] - 1), buf, len);
        return ATTN_OK;
    }
    case LESSON_VALUE_VOCAB:
        format_count((double)t->model.config.n_vocab, buf, len);
        return ATTN_OK;
    case LESSON_VALUE_NEXT_WORD:
    case LESSON_VALUE_NEXT_PROB: {
        int32_t id;
        float p;
        if (state_trained_top(t, false, 1, &id, &p) != 1) break;
        if (ph->value == LESSON_VALUE_NEXT_WORD)
            /* the word, a GPT-2's piece as shown, else the id */
            state_trained_token_text(t, id, buf, len);
        else /* a percentage, as the bars beside it show it */
            format_percent(p, buf, len);
        return ATTN_OK;
    }
    default: break;
    }
    snprintf(buf, len, "?");
    return ATTN_ERR_CONFIG;
}

attn_status state_lesson_value(const state_model *m, const lesson_placeholder *ph, char *buf, size_t len) {
    const attn_config *c = &m->settings.config;
    /* n rows; nk columns (keys: the other sentence's with cross-attention) */
    size_t n = m->n, nk = m->n_keys, H = c->n_heads, dh = attn_d_head(c);
    const uint64_t *a = ph->args;
    /* Heads, rows and columns count from 1 in the text. */
    for (size_t k = 0; k < ph->n_args; k++) {
        bool bad = false;
        if (ph->value == LESSON_VALUE_KV_CACHE) bad = a[k] < 1;
        else if (ph->value == LESSON_VALUE_ROLE)
            bad = !m->trained || a[k] < 1 ||
                  a[k] > (k == 0 ? m->trained->model.config.n_layers : H);
        else if (ph->value == LESSON_VALUE_STREAM_NORM || ph->value == LESSON_VALUE_ATTN_ADD ||
                 ph->value == LESSON_VALUE_MLP_ADD)
            bad = !m->trained || a[k] < 1 || a[k] > m->trained->model.config.n_layers;
        else if (ph->value == LESSON_VALUE_KEY_TOKEN) bad = a[k] < 1 || a[k] > nk;
        else if (k == 0 && ph->value != LESSON_VALUE_TOKEN) bad = a[k] < 1 || a[k] > H;
        else if (k == 2) bad = a[k] < 1 || a[k] > nk; /* J of weight, score, score_scaled */
        else bad = a[k] < 1 || a[k] > n;
        if (bad) {
            snprintf(buf, len, "?");
            return ATTN_ERR_CONFIG;
        }
    }
    const attn_trace *t = &m->trace;
    size_t at = 0;
    if (ph->n_args >= 2 && ph->value != LESSON_VALUE_KV_CACHE && ph->value != LESSON_VALUE_TOKEN)
        at = ((a[0] - 1) * n + (a[1] - 1)) * nk;
    switch (ph->value) {
    case LESSON_VALUE_N: snprintf(buf, len, "%zu", n); break;
    case LESSON_VALUE_N_KEYS: snprintf(buf, len, "%zu", nk); break;
    case LESSON_VALUE_KEY_TOKEN: key_text(m, a[0] - 1, buf, len); break;
    case LESSON_VALUE_D_MODEL: snprintf(buf, len, "%zu", c->d_model); break;
    case LESSON_VALUE_HEADS: snprintf(buf, len, "%zu", H); break;
    case LESSON_VALUE_KV_HEADS: snprintf(buf, len, "%zu", c->n_kv_heads); break;
    case LESSON_VALUE_D_HEAD: snprintf(buf, len, "%zu", dh); break;
    case LESSON_VALUE_TEMPERATURE: format_float(c->temperature, buf, len); break;
    case LESSON_VALUE_PARAMS:
        format_count(params((double)c->d_model, (double)attn_d_kv(c)), buf, len);
        break;
    case LESSON_VALUE_PARAMS_ONE_HEAD: /* one head of width d_model: d_kv = d_model */
        format_count(params((double)c->d_model, (double)c->d_model), buf, len);
        break;
    case LESSON_VALUE_FLOPS: format_count(attn_forward_flops_cross(c, n, nk), buf, len); break;
    case LESSON_VALUE_SCORE_BYTES:
        state_format_bytes((double)H * (double)n * (double)nk * 4.0, buf, len);
        break;
    case LESSON_VALUE_KV_BYTES_PER_TOKEN:
        state_format_bytes(2.0 * (double)c->n_kv_heads * (double)dh * 4.0, buf, len);
        break;
    case LESSON_VALUE_SPREAD_BEFORE: format_float(m->spread_scores[a[0] - 1], buf, len); break;
    case LESSON_VALUE_SPREAD_AFTER: format_float(m->spread_scaled[a[0] - 1], buf, len); break;
    case LESSON_VALUE_WEIGHT: format_float(t->weights[at + a[2] - 1], buf, len); break;
    case LESSON_VALUE_SCORE: format_float(t->scores[at + a[2] - 1], buf, len); break;
    case LESSON_VALUE_SCORE_SCALED: format_float(t->scaled[at + a[2] - 1], buf, len); break;
    case LESSON_VALUE_ROW_MAX:
    case LESSON_VALUE_ROW_ARGMAX: {
        size_t best = 0;
        for (size_t j = 1; j < nk; j++)
            if (t->weights[at + j] > t->weights[at + best]) best = j;
        if (ph->value == LESSON_VALUE_ROW_MAX) {
            format_float(t->weights[at + best], buf, len);
        } else {
            /* the key as written, like {{token I}}: the lesson quotes it */
            key_text(m, best, buf, len);
        }
        break;
    }
    case LESSON_VALUE_TOKEN: token_text(m, a[0] - 1, buf, len); break;
    case LESSON_VALUE_KV_CACHE:
        state_format_bytes(2.0 * (double)a[0] * (double)a[1] * (double)a[2] * (double)a[3], buf,
                         len);
        break;
    case LESSON_VALUE_FORWARD_MS:
        snprintf(buf, len, "%.3g ms", m->build_ms);
        break;
    case LESSON_VALUE_SCORE_RANK:
        snprintf(buf, len, "%zu", score_rank(t, c, n, nk, a[0] - 1));
        break;
    case LESSON_VALUE_JACOBIAN_MAX: format_small(jacobian_max(t->weights + at, nk), buf, len); break;
    default:
        return trained_value(m, ph, buf, len);
    }
    return ATTN_OK;
}

attn_status state_lesson_number(const state_model *m, const lesson_placeholder *ph, double *out) {
    *out = 0.0;
    if (!lesson_value_is_number(ph->value) || !m->tokens) return ATTN_ERR_CONFIG;
    /* the same checks of the arguments as the text's */
    char shown[160];
    if (state_lesson_value(m, ph, shown, sizeof shown) != ATTN_OK) return ATTN_ERR_CONFIG;
    const attn_config *c = &m->settings.config;
    size_t n = m->n, nk = m->n_keys, H = c->n_heads, dh = attn_d_head(c);
    const uint64_t *a = ph->args;
    const attn_trace *t = &m->trace;
    size_t at = ph->n_args >= 2 && ph->value != LESSON_VALUE_KV_CACHE
                    ? ((a[0] - 1) * n + (a[1] - 1)) * nk
                    : 0;
    switch (ph->value) {
    case LESSON_VALUE_N: *out = (double)n; break;
    case LESSON_VALUE_N_KEYS: *out = (double)nk; break;
    case LESSON_VALUE_D_MODEL: *out = (double)c->d_model; break;
    case LESSON_VALUE_HEADS: *out = (double)H; break;
    case LESSON_VALUE_KV_HEADS: *out = (double)c->n_kv_heads; break;
    case LESSON_VALUE_D_HEAD: *out = (double)dh; break;
    case LESSON_VALUE_TEMPERATURE: *out = c->temperature; break;
    case LESSON_VALUE_PARAMS: *out = params((double)c->d_model, (double)attn_d_kv(c)); break;
    case LESSON_VALUE_PARAMS_ONE_HEAD: *out = params((double)c->d_model, (double)c->d_model); break;
    case LESSON_VALUE_FLOPS: *out = attn_forward_flops_cross(c, n, nk); break;
    case LESSON_VALUE_SCORE_BYTES: *out = (double)H * (double)n * (double)nk * 4.0; break;
    case LESSON_VALUE_KV_BYTES_PER_TOKEN: *out = 2.0 * (double)c->n_kv_heads * (double)dh * 4.0; break;
    case LESSON_VALUE_SPREAD_BEFORE: *out = m->spread_scores[a[0] - 1]; break;
    case LESSON_VALUE_SPREAD_AFTER: *out = m->spread_scaled[a[0] - 1]; break;
    case LESSON_VALUE_WEIGHT: *out = t->weights[at + a[2] - 1]; break;
    case LESSON_VALUE_SCORE: *out = t->scores[at + a[2] - 1]; break;
    case LESSON_VALUE_SCORE_SCALED: *out = t->scaled[at + a[2] - 1]; break;
    case LESSON_VALUE_ROW_MAX: {
        double best = t->weights[at];
        for (size_t j = 1; j < nk; j++)
            if (t->weights[at + j] > best) best = t->weights[at + j];
        *out = best;
        break;
    }
    case LESSON_VALUE_KV_CACHE:
        *out = 2.0 * (double)a[0] * (double)a[1] * (double)a[2] * (double)a[3];
        break;
    case LESSON_VALUE_LAYER: *out = (double)m->settings.layer + 1; break;
    case LESSON_VALUE_LAYERS: *out = (double)m->trained->model.config.n_layers; break;
    case LESSON_VALUE_HELDOUT_LOSS: *out = m->trained->roles.heldout_loss; break;
    case LESSON_VALUE_UNIGRAM_LOSS: *out = m->trained->roles.unigram_loss; break;
    case LESSON_VALUE_NEXT_PROB: {
        int32_t id;
        float p;
        if (state_trained_top(m->trained, false, 1, &id, &p) != 1) return ATTN_ERR_CONFIG;
        *out = 100.0 * p;
        break;
    }
    /* the same numbers the text shows (state_lesson_value above) */
    case LESSON_VALUE_SCORE_RANK: *out = (double)score_rank(t, c, n, nk, a[0] - 1); break;
    case LESSON_VALUE_JACOBIAN_MAX: *out = jacobian_max(t->weights + at, nk); break;
    case LESSON_VALUE_START_WEIGHT: *out = start_weight(t, n, a[0] - 1); break;
    case LESSON_VALUE_STREAM_NORM:
    case LESSON_VALUE_ATTN_ADD:
    case LESSON_VALUE_MLP_ADD: *out = stream_length(m->trained, ph->value, a[0] - 1); break;
    default: return ATTN_ERR_CONFIG;
    }
    return ATTN_OK;
}

size_t state_lesson_substitute(const state_model *m, const char *text, char *out, size_t cap) {
    if (cap == 0) return 0;
    size_t len = strlen(text), pos = 0, o = 0, bad = 0;
    out[0] = '\0';
    while (pos < len) {
        size_t start = pos;
        lesson_placeholder ph;
        char err[128], val[160];
        int rc = lesson_placeholder_next(text, len, &pos, &ph, err, sizeof err);
        /* the text before this live value (or to the end) */
        size_t lit_end = rc == 0 ? len : rc == 1 ? ph.offset : pos;
        if (rc == -1) {
            /* malformed: find where its "{{" began to show the text before it */
            const char *b = strstr(text + start, "{{");
            lit_end = b && (size_t)(b - text) < pos ? (size_t)(b - text) : pos;
        }
        size_t lit = lit_end - start;
        if (o + lit >= cap) lit = cap - 1 - o;
        memcpy(out + o, text + start, lit);
        o += lit;
        if (rc == 0) break;
        if (rc == 1) {
            if (state_lesson_value(m, &ph, val, sizeof val) != 0) bad++;
        } else {
            snprintf(val, sizeof val, "?");
            bad++;
        }
        size_t vl = strlen(val);
        if (o + vl >= cap) vl = cap - 1 - o;
        memcpy(out + o, val, vl);
        o += vl;
        out[o] = '\0';
    }
    out[o] = '\0';
    return bad;
}
