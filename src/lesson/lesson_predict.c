/* The lines of a step's ```predict block: the student predicts on the live
 * picture before the stage plays (lessons/README.md, "Predictions").
 *
 *   ask: Which key will "it" attend to most?
 *   pick: key 1 8            (or: pick: head weight I J, pick: head prune,
 *                             or:  value: score_scaled 1 8 2 with range: and tolerance:)
 *   hold: scores             (optional: the stage shown until the answer)
 *   explain: ...
 *
 * Each line is checked on its own here; its numbers are checked against the
 * step's settings at the end of the step (lesson_predict_settle), once the
 * whole step is read. Nothing here grades: the answer is graded against the
 * trace the step builds (src/state/lesson_predict.c). */
#include <stdio.h>
#include <string.h>

#include "lesson_internal.h"

#include <math.h>

static const char *const predict_keys[] = {"ask",  "pick", "value",   "range",
                                           "step", "tolerance", "hold", "explain"};
enum { P_ASK, P_PICK, P_VALUE, P_RANGE, P_STEP, P_TOLERANCE, P_HOLD, P_EXPLAIN, P_KEYS };


/* n whole numbers from 1 (larger than any sentence stays out of range:
 * reported at the step's end). False with an error. */
static bool numbers(parser *p, size_t ln, span rest, size_t n, uint64_t *out, const char *usage) {
    char b[SHOWN_LEN];
    size_t got = 0;
    span whole = rest;
    while (rest.len > 0) {
        span w = span_word(&rest);
        if (got == n) {
            got++;
            break;
        }
        int rc = parse_whole(w, UINT64_MAX, &out[got]);
        if (rc < 0) {
            lesson_error(p, ln, "pick: '%s' is not a whole number: write %s", shown(w, b), usage);
            return false;
        }
        if (rc > 0) out[got] = UINT64_MAX;
        if (out[got] == 0) {
            lesson_error(p, ln, "pick '%s': heads, rows and columns count from 1",
                         shown(whole, b));
            return false;
        }
        got++;
    }
    if (got != n) {
        lesson_error(p, ln, "pick '%s' does not fit: write %s", shown(whole, b), usage);
        return false;
    }
    return true;
}

static bool pick(parser *p, size_t ln, span v, lesson_predict *pr) {
    char b[SHOWN_LEN];
    span rest = v;
    span what = span_word(&rest);
    if (span_is(what, "key")) {
        pr->kind = LESSON_PREDICT_KEY;
        return numbers(p, ln, rest, 2, pr->raw, "'pick: key H I' (head, row, from 1)");
    }
    if (span_is(what, "head")) {
        pr->kind = LESSON_PREDICT_HEAD;
        span measure = span_word(&rest);
        if (span_is(measure, "weight")) {
            pr->measure = LESSON_MEASURE_WEIGHT;
            return numbers(p, ln, rest, 2, pr->raw, "'pick: head weight I J' (row, column)");
        }
        if (span_is(measure, "prune")) {
            pr->measure = LESSON_MEASURE_PRUNE;
            if (rest.len == 0) return true;
            lesson_error(p, ln, "pick: head prune takes nothing after it, not '%s'",
                         shown(rest, b));
            return false;
        }
        lesson_error(p, ln, "pick: head '%s' has no measure: write 'pick: head weight I J' or "
                     "'pick: head prune'", shown(measure, b));
        return false;
    }
    lesson_error(p, ln, "pick '%s' is unknown: write 'pick: key H I', 'pick: head weight I J' "
                 "or 'pick: head prune'", shown(what, b));
    return false;
}

/* "value: NAME ARGS": a live value as in the narration, without braces. */
static bool value(parser *p, size_t ln, span v, lesson_predict *pr) {
    char text[160], msg[256];
    if (v.len + 5 > sizeof text) {
        lesson_error(p, ln, "value: too long: write a live value's name and numbers");
        return false;
    }
    int w = snprintf(text, sizeof text, "{{%.*s}}", (int)v.len, v.s);
    size_t pos = 0;
    lesson_placeholder ph;
    if (lesson_placeholder_next(text, (size_t)w, &pos, &ph, msg, sizeof msg) != 1) {
        lesson_error(p, ln, "value: %s", msg);
        return false;
    }
    if (!lesson_value_is_number(ph.value)) {
        lesson_error(p, ln, "value: '%s' is not a number to predict: use a value such as "
                     "weight H I J, score_scaled H I J or spread_after H",
                     lesson_value_name(ph.value));
        return false;
    }
    pr->kind = LESSON_PREDICT_VALUE;
    pr->value = (int)ph.value;
    pr->value_n_args = ph.n_args;
    memcpy(pr->value_args, ph.args, sizeof pr->value_args);
    return true;
}

static bool range(parser *p, size_t ln, span v, lesson_predict *pr) {
    char b[SHOWN_LEN];
    span rest = v;
    span a = span_word(&rest), c = span_word(&rest);
    double lo, hi;
    if (rest.len || parse_real(a, &lo) != 0 || parse_real(c, &hi) != 0) {
        lesson_error(p, ln, "range '%s' is not two numbers: write 'range: LO HI', the slider's "
                     "ends", shown(v, b));
        return false;
    }
    if (!(lo < hi)) {
        lesson_error(p, ln, "range %s: the first number must be the smaller", shown(v, b));
        return false;
    }
    pr->lo = lo, pr->hi = hi;
    return true;
}

static bool step(parser *p, size_t ln, span v, lesson_predict *pr) {
    char b[SHOWN_LEN];
    double t;
    if (parse_real(span_trim(v), &t) != 0 || !(t > 0)) {
        lesson_error(p, ln, "step '%s' is not a positive number: write e.g. 'step: 1' for whole "
                     "numbers", shown(v, b));
        return false;
    }
    pr->step = t;
    return true;
}

double lesson_predict_snap(const lesson_predict *p, double v) {
    double step = p->step > 0 ? p->step : (p->hi - p->lo) / 100.0;
    if (!(v > p->lo) || !(step > 0)) return p->lo;
    double k = floor((v - p->lo) / step + 0.5), top = floor((p->hi - p->lo) / step + 1e-9);
    double v_snapped = p->lo + (k > top ? top : k) * step;
    /* lo + k·step is rounded: a stop meant to be 0 may come out as 1e-17 */
    return fabs(v_snapped) < step * 1e-9 ? 0.0 : v_snapped;
}

static bool tolerance(parser *p, size_t ln, span v, lesson_predict *pr) {
    char b[SHOWN_LEN];
    span x = v;
    bool pc = x.len > 0 && x.s[x.len - 1] == '%';
    if (pc) x.len--;
    double t;
    if (parse_real(span_trim(x), &t) != 0 || !(t > 0) || (pc && t > 100)) {
        lesson_error(p, ln, "tolerance '%s' is not a positive number: write e.g. 'tolerance: "
                     "0.1' or 'tolerance: 10%%'", shown(v, b));
        return false;
    }
    pr->tolerance = pc ? t / 100.0 : t;
    pr->relative = pc;
    return true;
}

static bool hold(parser *p, size_t ln, span v, lesson_predict *pr) {
    char b[SHOWN_LEN];
    uint64_t u;
    if (parse_whole(v, LESSON_STAGES, &u) == 0 && u >= 1) {
        pr->hold = (int)u - 1;
        return true;
    }
    const char *names[LESSON_STAGES];
    for (int i = 0; i < LESSON_STAGES; i++) {
        names[i] = lesson_stage_name(i);
        if (span_is(v, names[i])) {
            pr->hold = i;
            return true;
        }
    }
    const char *near = closest_name(v, names, LESSON_STAGES);
    if (near) lesson_error(p, ln, "hold '%s' is unknown (did you mean '%s'?)", shown(v, b), near);
    else lesson_error(p, ln, "hold '%s' is unknown: use a stage, 1 to 10 or its name", shown(v, b));
    return false;
}

void lesson_predict_line(parser *p, span line, size_t ln) {
    lesson_step *st = current_step(p);
    span t = span_trim(line);
    if (!st || t.len == 0) return;
    lesson_predict *pr = &st->predict;
    char b[SHOWN_LEN];
    span key, v;
    if (!split_key(t, &key, &v)) {
        lesson_error(p, ln, "'%s' is not a prediction line: write 'ask:', 'pick:' or 'value:', "
                     "and 'explain:'", shown(t, b));
        return;
    }
    int k = -1;
    for (int i = 0; i < P_KEYS; i++)
        if (span_is(key, predict_keys[i])) k = i;
    if (k < 0) {
        p->predict_bad = ln; /* one mistake, one error: not also "no pick:" */
        const char *near = closest_name(key, predict_keys, P_KEYS);
        if (near)
            lesson_error(p, ln, "unknown prediction key '%s' (did you mean '%s'?)", shown(key, b),
                         near);
        else
            lesson_error(p, ln, "unknown prediction key '%s': use ask, pick, value, range, "
                         "step, tolerance, hold or explain", shown(key, b));
        return;
    }
    size_t *where = k == P_ASK ? &pr->ask_line
                    : k == P_EXPLAIN ? &pr->explain_line
                    : k == P_PICK || k == P_VALUE ? &pr->kind_line
                    : k == P_RANGE ? &pr->range_line
                    : k == P_STEP ? &pr->step_line
                    : k == P_TOLERANCE ? &pr->tolerance_line
                                       : &pr->hold_line;
    if (*where) {
        if (k == P_PICK || k == P_VALUE)
            lesson_error(p, ln, "a second pick: or value: (the first is at line %zu): a "
                         "prediction asks one thing", *where);
        else
            lesson_error(p, ln, "%s is given twice in this prediction (first at line %zu)",
                         predict_keys[k], *where);
        return;
    }
    if (v.len == 0) {
        lesson_error(p, ln, "'%s:' has no %s", predict_keys[k],
                     k == P_ASK || k == P_EXPLAIN ? "text" : "value");
        if (k != P_ASK && k != P_EXPLAIN) {
            *where = ln;
            p->predict_bad = ln;
            return;
        }
    }
    bool ok = true;
    switch (k) {
    case P_ASK:
    case P_EXPLAIN: {
        char *text = span_dup(v);
        if (!text) {
            lesson_error(p, ln, "out of memory for the prediction");
            return;
        }
        *(k == P_ASK ? &pr->ask : &pr->explain) = text;
        break;
    }
    case P_PICK: ok = pick(p, ln, v, pr); break;
    case P_VALUE: ok = value(p, ln, v, pr); break;
    case P_RANGE: ok = range(p, ln, v, pr); break;
    case P_STEP: ok = step(p, ln, v, pr); break;
    case P_TOLERANCE: ok = tolerance(p, ln, v, pr); break;
    default: ok = hold(p, ln, v, pr); break;
    }
    /* A bad value still counts as given, so that one mistake does not also
     * give "no pick:" or "no range:"; the prediction is then not kept. */
    *where = ln;
    if (!ok) p->predict_bad = ln;
}

void lesson_predict_end(parser *p) {
    lesson_step *st = current_step(p);
    if (!st) return;
    lesson_predict *pr = &st->predict;
    if (!pr->ask_line) lesson_error(p, pr->line, "the prediction has no 'ask:' line");
    if (!pr->kind_line && !p->predict_bad)
        lesson_error(p, pr->line, "the prediction has no 'pick:' or 'value:' line: say what "
                     "the student predicts");
    if (!pr->explain_line) lesson_error(p, pr->line, "the prediction has no 'explain:' line");
    bool is_value = pr->kind_line && pr->kind == LESSON_PREDICT_VALUE;
    if (pr->kind_line && !is_value) {
        if (pr->range_line)
            lesson_error(p, pr->range_line, "range: is the slider of 'value:', not of 'pick:'");
        if (pr->step_line)
            lesson_error(p, pr->step_line, "step: is the slider's, of 'value:', not of 'pick:'");
        if (pr->tolerance_line && pr->kind == LESSON_PREDICT_HEAD)
            lesson_error(p, pr->tolerance_line, "tolerance: goes with 'value:' or 'pick: key'");
    }
    if (is_value && !pr->range_line)
        lesson_error(p, pr->kind_line, "value: needs 'range: LO HI', the ends of the slider "
                     "the student moves");
    if (is_value && pr->range_line && pr->step_line && pr->step > pr->hi - pr->lo)
        lesson_error(p, pr->step_line, "step %g is longer than the range %g to %g: the slider "
                     "could not move", pr->step, pr->lo, pr->hi);
    if (is_value && pr->range_line && !pr->tolerance_line)
        pr->tolerance = (pr->hi - pr->lo) / 20.0; /* the README's default */
    if (pr->kind_line && pr->kind == LESSON_PREDICT_KEY && !pr->tolerance_line)
        pr->tolerance = LESSON_PREDICT_TIE;
    if (p->predict_bad) pr->kind_line = 0;
}

/* Against the step's settings: heads, rows and columns that exist, a value
 * that can be evaluated, a stage held before the step's own. */
void lesson_predict_settle(parser *p, lesson_step *st, const lesson_settings *s) {
    lesson_predict *pr = &st->predict;
    if (!pr->line) return;
    bool trained = s->weights == LESSON_WEIGHTS_TRAINED;
    size_t heads = s->config.n_heads, n = s->n_tokens;
    const char *start = trained ? " (the start token is token 1)" : "";
    if (pr->hold_line && pr->hold > s->stage)
        lesson_error(p, pr->hold_line, "hold: %s comes after the step's stage %s: hold shows a "
                     "stage before the answer reveals the step's", lesson_stage_name(pr->hold),
                     lesson_stage_name(s->stage));
    if (!pr->hold_line) pr->hold = -1;
    if (!pr->kind_line) return;
    size_t ln = pr->kind_line;
    char msg[256];
    switch (pr->kind) {
    case LESSON_PREDICT_KEY:
        if (pr->raw[0] > heads) {
            lesson_error(p, ln, "pick: key %llu %llu: head %llu does not exist: there are %zu "
                         "heads (1 to %zu)", (unsigned long long)pr->raw[0],
                         (unsigned long long)pr->raw[1], (unsigned long long)pr->raw[0], heads,
                         heads);
            return;
        }
        if (pr->raw[1] > n) {
            lesson_error(p, ln, "pick: key %llu %llu: row %llu is past the last token: the "
                         "sentence has %zu tokens%s", (unsigned long long)pr->raw[0],
                         (unsigned long long)pr->raw[1], (unsigned long long)pr->raw[1], n,
                         start);
            return;
        }
        pr->head = (size_t)pr->raw[0] - 1;
        pr->row = (size_t)pr->raw[1] - 1;
        if (s->stage < 3 && pr->hold < 0)
            lesson_error(p, ln, "pick: key is answered on a head's map: give the step a stage "
                         "from scores on (stage: softmax, with 'hold: scores')");
        break;
    case LESSON_PREDICT_HEAD:
        if (pr->measure == LESSON_MEASURE_PRUNE) {
            if (!trained)
                lesson_error(p, ln, "pick: head prune switches heads of the trained model off: "
                             "add 'weights: trained' to the step");
            return;
        }
        if (pr->raw[0] > n || pr->raw[1] > lesson_settings_keys(s)) {
            if (s->cross_sentence)
                lesson_error(p, ln, "pick: head weight %llu %llu is past the last token: the "
                             "sentence has %zu tokens (rows), the other sentence (cross) %zu "
                             "(columns)", (unsigned long long)pr->raw[0],
                             (unsigned long long)pr->raw[1], n, lesson_settings_keys(s));
            else
                lesson_error(p, ln, "pick: head weight %llu %llu is past the last token: the "
                             "sentence has %zu tokens%s", (unsigned long long)pr->raw[0],
                             (unsigned long long)pr->raw[1], n, start);
            return;
        }
        if (s->config.causal && pr->raw[1] > pr->raw[0]) {
            lesson_error(p, ln, "pick: head weight %llu %llu: the causal mask gives column "
                         "%llu of row %llu no weight in every head: choose a column up to %llu",
                         (unsigned long long)pr->raw[0], (unsigned long long)pr->raw[1],
                         (unsigned long long)pr->raw[1], (unsigned long long)pr->raw[0],
                         (unsigned long long)pr->raw[0]);
            return;
        }
        pr->row = (size_t)pr->raw[0] - 1;
        pr->col = (size_t)pr->raw[1] - 1;
        if (s->stage < 3 && pr->hold < 0)
            lesson_error(p, ln, "pick: head weight is answered on the heads' maps: give the "
                         "step a stage from scores on");
        break;
    case LESSON_PREDICT_VALUE: {
        lesson_placeholder ph = lesson_predict_value(pr);
        if (lesson_placeholder_check(&ph, s, p->trained, msg, sizeof msg) != ATTN_OK)
            lesson_error(p, ln, "value: %s", msg);
        break;
    }
    }
}

lesson_placeholder lesson_predict_value(const lesson_predict *p) {
    lesson_placeholder ph;
    memset(&ph, 0, sizeof ph);
    ph.value = (lesson_value)p->value;
    ph.n_args = p->value_n_args <= LESSON_VALUE_ARGS_MAX ? p->value_n_args : 0;
    memcpy(ph.args, p->value_args, sizeof ph.args);
    return ph;
}
