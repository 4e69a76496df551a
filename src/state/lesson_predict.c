/* Predictions of a lesson step (the ```predict block, lesson.h), graded
 * against the model the step built: the key a row weights most is read
 * from the trace's weights, the head a measure ranks first is measured on
 * the spot (switching heads off runs the trained model again), and a
 * predicted value is compared with the live value. Nothing is stored in
 * the lesson but the question: another sentence or seed gives another
 * right answer. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lesson_player.h"
#include "trained.h"

const lesson_predict *state_lesson_prediction(const state_lesson *l) {
    if (!l || l->step >= l->lesson.n_steps) return NULL;
    const lesson_predict *p = &l->lesson.steps[l->step].predict;
    return p->line ? p : NULL;
}

bool state_lesson_awaits_prediction(const state_lesson *l) {
    return state_lesson_prediction(l) && !l->predicted[l->step].answered;
}

size_t state_predict_options(const lesson_predict *p, const state_model *m) {
    if (!p || !m->tokens) return 0;
    switch (p->kind) {
    case LESSON_PREDICT_KEY: return m->n_keys; /* the columns: another sentence's in cross */
    case LESSON_PREDICT_HEAD:
        if (p->measure == LESSON_MEASURE_PRUNE)
            return m->trained ? m->trained->model.config.n_layers * m->settings.config.n_heads : 0;
        return m->settings.config.n_heads;
    case LESSON_PREDICT_VALUE: return 0;
    }
    return 0;
}

void state_lesson_predict_move(state_lesson *l, const state_model *m, int delta) {
    const lesson_predict *p = state_lesson_prediction(l);
    if (!p || !state_lesson_awaits_prediction(l)) return;
    if (p->kind == LESSON_PREDICT_VALUE) {
        double step = p->step > 0 ? p->step : (p->hi - p->lo) / 100.0;
        l->slider = lesson_predict_snap(p, l->slider + delta * step);
        return;
    }
    long n = (long)state_predict_options(p, m), c = (long)l->cursor + delta;
    if (n <= 0) return;
    l->cursor = (int)(c < 0 ? 0 : c >= n ? n - 1 : c);
}

/* The best of x[0..n) and how many lie within tie of it; out's fields. */
static void rank(const double *x, size_t n, int pick, double tie, state_prediction *out) {
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (x[k] > x[best]) best = k;
    int ties = 0;
    for (size_t k = 0; k < n; k++) ties += x[k] >= x[best] - tie;
    out->best = (int)best;
    out->ties = ties;
    out->truth = x[best];
    out->picked = pick >= 0 && (size_t)pick < n ? x[pick] : NAN;
    out->right = pick >= 0 && (size_t)pick < n && x[pick] >= x[best] - tie;
}

/* For every head of the trained model: how far switching it off (besides
 * the step's pruned heads) moves the probability of the next word the
 * step's model predicts, in percentage points; heads already off move
 * nothing. The step's run is put back afterwards. */
static attn_status prune_effects(state_model *m, double *effect, size_t count) {
    state_trained *t = m->trained;
    int32_t id;
    float p0;
    if (!t || state_trained_top(t, false, 1, &id, &p0) != 1) return ATTN_ERR_CONFIG;
    uint8_t off[STATE_PRUNE_MAX];
    char err[STATE_ERR_LEN];
    attn_status st = ATTN_OK;
    for (size_t k = 0; k < count && k < STATE_PRUNE_MAX && st == ATTN_OK; k++) {
        effect[k] = 0.0;
        if (m->settings.head_off[k]) continue;
        memcpy(off, m->settings.head_off, sizeof off);
        off[k] = 1;
        st = state_trained_run(t, m->settings.sentence, off, NULL, err, sizeof err);
        const float *probs = st == ATTN_OK ? state_trained_last_probs(t) : NULL;
        if (probs) effect[k] = 100.0 * fabs((double)probs[id] - (double)p0);
    }
    /* the step's own run, which the views show */
    if (state_trained_run(t, m->settings.sentence, m->settings.head_off, NULL, err, sizeof err) !=
        ATTN_OK)
        st = ATTN_ERR_CONFIG;
    state_model_refresh(m);
    return st;
}

attn_status state_predict_grade(state_model *m, const lesson_predict *p, int pick, double value,
                                state_prediction *out) {
    memset(out, 0, sizeof *out);
    out->pick = pick;
    out->value = value;
    out->best = -1;
    if (!p || !m->tokens) return ATTN_ERR_CONFIG;
    /* n rows (queries), nk columns (keys: the other sentence's in cross-attention) */
    size_t n = m->n, nk = m->n_keys, H = m->settings.config.n_heads;
    const attn_trace *t = &m->trace;
    double x[STATE_PRUNE_MAX];
    switch (p->kind) {
    case LESSON_PREDICT_KEY: {
        if (p->head >= H || p->row >= n || nk > STATE_PRUNE_MAX) return ATTN_ERR_CONFIG;
        const float *row = t->weights + (p->head * n + p->row) * nk;
        for (size_t j = 0; j < nk; j++) x[j] = row[j];
        rank(x, nk, pick, p->tolerance, out);
        break;
    }
    case LESSON_PREDICT_HEAD: {
        size_t count = state_predict_options(p, m);
        if (count == 0 || count > STATE_PRUNE_MAX) return ATTN_ERR_CONFIG;
        if (p->measure == LESSON_MEASURE_WEIGHT) {
            if (p->row >= n || p->col >= nk) return ATTN_ERR_CONFIG;
            for (size_t h = 0; h < H; h++) x[h] = t->weights[(h * n + p->row) * nk + p->col];
            rank(x, H, pick, LESSON_PREDICT_TIE, out);
        } else {
            /* one percentage point apart or less: a tie */
            if (prune_effects(m, x, count) != ATTN_OK) return ATTN_ERR_CONFIG;
            rank(x, count, pick, 100.0 * LESSON_PREDICT_TIE, out);
        }
        break;
    }
    case LESSON_PREDICT_VALUE: {
        double live;
        lesson_placeholder ph = lesson_predict_value(p);
        if (state_lesson_number(m, &ph, &live) != ATTN_OK) return ATTN_ERR_CONFIG;
        double tol = p->relative ? p->tolerance * fabs(live) : p->tolerance;
        out->truth = live;
        out->right = fabs(value - live) <= tol;
        break;
    }
    }
    out->answered = true;
    return ATTN_OK;
}

int state_lesson_predict_commit(state_lesson *l, state_model *m) {
    if (!state_lesson_awaits_prediction(l)) return -1;
    const lesson_predict *p = state_lesson_prediction(l);
    state_prediction r;
    if (state_predict_grade(m, p, l->cursor, l->slider, &r) != ATTN_OK) return -1;
    l->predicted[l->step] = r;
    return r.right ? 1 : 0;
}

void state_predict_option_name(const state_model *m, const lesson_predict *p, int k, char *buf,
                               size_t len) {
    if (k < 0) {
        snprintf(buf, len, "?");
        return;
    }
    if (p->kind == LESSON_PREDICT_KEY) {
        /* a key: the other sentence's token with cross-attention */
        lesson_placeholder ph = {.value = LESSON_VALUE_KEY_TOKEN, .n_args = 1,
                                 .args = {(uint64_t)k + 1}};
        char word[96];
        if (state_lesson_value(m, &ph, word, sizeof word) != ATTN_OK) snprintf(word, sizeof word, "?");
        snprintf(buf, len, "“%s”", word);
    } else if (p->measure == LESSON_MEASURE_PRUNE) {
        size_t H = m->settings.config.n_heads ? m->settings.config.n_heads : 1;
        snprintf(buf, len, "head %zu.%zu", (size_t)k / H + 1, (size_t)k % H + 1);
    } else if (m->trained) {
        snprintf(buf, len, "head %zu.%d", m->settings.layer + 1, k + 1);
    } else {
        snprintf(buf, len, "head %d", k + 1);
    }
}

void state_predict_verdict(const state_model *m, const lesson_predict *p,
                           const state_prediction *r, char *buf, size_t len) {
    const char *mark = r->right ? "✓ Right" : "✗ Not quite";
    char picked[112], best[112];
    if (p->kind == LESSON_PREDICT_VALUE) {
        char live[160];
        lesson_placeholder ph = lesson_predict_value(p);
        if (state_lesson_value(m, &ph, live, sizeof live) != ATTN_OK)
            snprintf(live, sizeof live, "%.4g", r->truth);
        char tol[48];
        if (p->relative) snprintf(tol, sizeof tol, "±%.3g%%", 100.0 * p->tolerance);
        else snprintf(tol, sizeof tol, "±%.3g", p->tolerance);
        snprintf(buf, len, "%s: you said %.3g; the live value is %s (right within %s).", mark,
                 r->value, live, tol);
        return;
    }
    state_predict_option_name(m, p, r->pick, picked, sizeof picked);
    state_predict_option_name(m, p, r->best, best, sizeof best);
    char tie[96] = "";
    if (r->ties > 1) snprintf(tie, sizeof tie, " (%d within %.2g of the most: a tie, any counts)", r->ties,
                              p->kind == LESSON_PREDICT_KEY ? p->tolerance
                              : p->measure == LESSON_MEASURE_PRUNE ? 100.0 * LESSON_PREDICT_TIE
                                                                  : LESSON_PREDICT_TIE);
    if (p->kind == LESSON_PREDICT_HEAD && p->measure == LESSON_MEASURE_PRUNE) {
        /* in percentage points of the next word's probability */
        if (r->right && r->pick == r->best)
            snprintf(buf, len, "%s: switching %s off moves the next word's probability most, "
                     "by %.1f percentage points%s.", mark, picked, r->truth, tie);
        else /* one precision for both, so 0.0342 does not look finer than 41.7 */
            snprintf(buf, len, "%s: switching %s off moves the next word's probability by %.1f "
                     "percentage points; %s moves it by %.1f%s.", mark, picked, r->picked, best,
                     r->truth, tie);
        return;
    }
    const char *what = "weight";
    if (r->right && r->pick == r->best)
        snprintf(buf, len, "%s: %s has the most %s, %.3g%s.", mark, picked, what, r->truth, tie);
    else if (r->right)
        snprintf(buf, len, "%s: %s, %.3g, ties with %s, %.3g%s.", mark, picked, r->picked, best,
                 r->truth, tie);
    else
        snprintf(buf, len, "%s: %s has %.3g %s; the most is %s, %.3g%s.", mark, picked, r->picked,
                 what, best, r->truth, tie);
}
