/* The live values lessons 13-18 cite, each against its own computation
 * here (never the function that shows it): the rank of a head's score
 * matrix, the softmax Jacobian's largest entry (by finite differences of
 * a softmax written here), the trained model's weight on the start token,
 * the residual stream's lengths; and "positions: off": permuting the tokens
 * then only permutes the rows and columns of every head's weights. No SDL. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/embed.h"
#include "check.h"
#include "lesson_player.h"
#include "trained.h"

/* A live value as a number: "0.1234", "−0.5", "2.1 × 10⁻⁵", "1,024". */
static double live(const state_model *m, const char *expr) {
    char out[160], plain[160];
    size_t bad = state_lesson_substitute(m, expr, out, sizeof out);
    CHECKF(bad == 0, "%s gives \"%s\"", expr, out);
    /* "−" (U+2212) as '-', thousands' commas dropped */
    size_t o = 0;
    for (const char *s = out; *s && o + 1 < sizeof plain; s++) {
        if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x88 &&
            (unsigned char)s[2] == 0x92) {
            plain[o++] = '-';
            s += 2;
        } else if (*s != ',') {
            plain[o++] = *s;
        }
    }
    plain[o] = '\0';
    char *end;
    double v = strtod(plain, &end);
    const char *times = strstr(plain, " × 10⁻");
    if (times) {
        /* superscript digits: "⁰" is E2 81 B0, "¹" C2 B9, "²" C2 B2, "³" C2 B3, "⁴".."⁹" E2 81 B4.. */
        const unsigned char *p = (const unsigned char *)times + strlen(" × 10⁻");
        int e = 0;
        while (*p) {
            int dgt = -1;
            if (p[0] == 0xC2 && p[1] == 0xB9) dgt = 1, p += 2;
            else if (p[0] == 0xC2 && p[1] == 0xB2) dgt = 2, p += 2;
            else if (p[0] == 0xC2 && p[1] == 0xB3) dgt = 3, p += 2;
            else if (p[0] == 0xE2 && p[1] == 0x81 && (p[2] == 0xB0 || p[2] >= 0xB4))
                dgt = p[2] == 0xB0 ? 0 : p[2] - 0xB0, p += 3;
            else break;
            e = 10 * e + dgt;
        }
        v *= pow(10.0, -e);
    }
    return v;
}

static bool build(state_model *m, const state_settings *s) {
    char err[STATE_ERR_LEN] = "";
    attn_status st = state_model_apply(m, s, err, sizeof err);
    CHECKF(st == ATTN_OK, "apply: %s", err);
    return st == ATTN_OK;
}

/* The rank of a (rows×cols, double) by Gram-Schmidt on its rows: a row
 * whose remainder is under 1e-9 of the largest row's length adds nothing. */
static size_t gram_schmidt_rank(const double *a, size_t rows, size_t cols) {
    double *basis = calloc(rows * cols, sizeof *basis), *r = malloc(cols * sizeof *r);
    double longest = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double sq = 0.0;
        for (size_t j = 0; j < cols; j++) sq += a[i * cols + j] * a[i * cols + j];
        if (sqrt(sq) > longest) longest = sqrt(sq);
    }
    size_t rank = 0;
    for (size_t i = 0; i < rows; i++) {
        memcpy(r, a + i * cols, cols * sizeof *r);
        for (int pass = 0; pass < 2; pass++) /* twice: orthogonal to the rounding too */
            for (size_t b = 0; b < rank; b++) {
                double dot = 0.0;
                for (size_t j = 0; j < cols; j++) dot += r[j] * basis[b * cols + j];
                for (size_t j = 0; j < cols; j++) r[j] -= dot * basis[b * cols + j];
            }
        double sq = 0.0;
        for (size_t j = 0; j < cols; j++) sq += r[j] * r[j];
        if (sqrt(sq) <= 1e-9 * longest) continue;
        for (size_t j = 0; j < cols; j++) basis[rank * cols + j] = r[j] / sqrt(sq);
        rank++;
    }
    free(basis);
    free(r);
    return rank;
}

/* {{score_rank H}} against Gram-Schmidt on Q_h·K_hᵀ, built here; it is at
 * most d_head, and with random weights exactly min(n, d_head). */
static void test_score_rank(void) {
    const size_t shapes[][2] = {{32, 4}, {32, 8}, {16, 16}, {64, 2}}; /* d_model, heads */
    for (size_t z = 0; z < sizeof shapes / sizeof shapes[0]; z++) {
        state_settings s;
        state_settings_default(&s);
        s.config.d_model = shapes[z][0];
        s.config.n_heads = s.config.n_kv_heads = shapes[z][1];
        state_model m = {0};
        if (!build(&m, &s)) continue;
        size_t n = m.n, d = s.config.d_model, dh = attn_d_head(&s.config);
        double *sc = malloc(n * n * sizeof *sc);
        for (size_t h = 0; h < s.config.n_heads; h++) {
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                    double sum = 0.0;
                    for (size_t k = 0; k < dh; k++)
                        sum += (double)m.trace.q[i * d + h * dh + k] *
                               (double)m.trace.k[j * d + h * dh + k];
                    sc[i * n + j] = sum;
                }
            char expr[64];
            snprintf(expr, sizeof expr, "{{score_rank %zu}}", h + 1);
            double got = live(&m, expr);
            size_t want = gram_schmidt_rank(sc, n, n);
            CHECKF(got == (double)want, "d_model %zu, %zu heads, head %zu: rank %g, want %zu",
                   d, s.config.n_heads, h + 1, got, want);
            CHECK(want <= dh && want == (n < dh ? n : dh));
        }
        free(sc);
        state_model_free(&m);
    }
}

/* The softmax of z[0..n) in double (max subtracted). */
static void softmax(const double *z, double *p, size_t n) {
    double mx = -INFINITY, sum = 0.0;
    for (size_t j = 0; j < n; j++)
        if (z[j] > mx) mx = z[j];
    for (size_t j = 0; j < n; j++) sum += (p[j] = z[j] == -INFINITY ? 0.0 : exp(z[j] - mx));
    for (size_t j = 0; j < n; j++) p[j] /= sum;
}

/* {{jacobian_max H I}} against the Jacobian of a softmax written here,
 * taken by central differences on row I's inputs (the masked, scaled
 * scores): the largest |∂p_a/∂z_b|. Cooler rows saturate: it falls. */
static void test_jacobian(void) {
    const float temps[] = {1.0f, 0.05f};
    double at[2] = {0};
    for (size_t t = 0; t < 2; t++) {
        state_settings s;
        state_settings_default(&s);
        s.config.temperature = temps[t];
        state_model m = {0};
        if (!build(&m, &s)) continue;
        size_t n = m.n, h = 1, i = 7;
        double z[64], p_plus[64], p_minus[64], best = 0.0, eps = 1e-6;
        const float *row = m.trace.masked + (h * n + i) * n;
        for (size_t b = 0; b < n; b++) {
            for (size_t j = 0; j < n; j++) z[j] = row[j];
            z[b] += eps;
            softmax(z, p_plus, n);
            z[b] -= 2 * eps;
            softmax(z, p_minus, n);
            for (size_t a = 0; a < n; a++) {
                double dv = fabs((p_plus[a] - p_minus[a]) / (2 * eps));
                if (dv > best) best = dv;
            }
        }
        double got = live(&m, "{{jacobian_max 2 8}}");
        CHECKF(fabs(got - best) <= 1e-3 * best + 1e-9, "T %g: %g, want %g", (double)temps[t], got,
               best);
        CHECK(got <= 0.25 + 1e-9);
        at[t] = got;
        state_model_free(&m);
    }
    CHECKF(at[1] < at[0], "a cooler row should have a smaller Jacobian: %g vs %g", at[1], at[0]);
}

/* "positions: off" in a lesson reaches the state and the screen's X; then
 * a permutation of the words permutes every head's weights, rows and
 * columns alike, while with the positions on it does not. */
static void test_positions_off(void) {
    const char *text = "# P\n\nS.\n\n## On\n\nA.\n\n## Off\n\nB.\n\n```attnviz\npositions: off\n"
                       "```\n\n## Still off\n\nC.\n\n```attnviz\nsentence: a b\n```\n";
    lesson l;
    char err[256] = "";
    CHECKF(lesson_parse(&l, text, strlen(text), "p.md", NULL, err, sizeof err) == ATTN_OK, "%s",
           err);
    CHECK(l.n_steps == 3 && l.steps[0].settings.positions && !l.steps[1].settings.positions &&
          !l.steps[2].settings.positions);
    lesson_free(&l);

    const char *a = "cat sat on red mat", *b = "mat red cat on sat";
    const size_t perm[5] = {4, 3, 0, 2, 1}; /* word k of b is word perm[k] of a */
    for (int off = 1; off >= 0; off--) {
        state_settings sa, sb;
        state_settings_default(&sa);
        sa.positions_off = off;
        snprintf(sa.sentence, sizeof sa.sentence, "%s", a);
        sb = sa;
        snprintf(sb.sentence, sizeof sb.sentence, "%s", b);
        state_model ma = {0}, mb = {0};
        if (!build(&ma, &sa) || !build(&mb, &sb)) return;
        CHECK(ma.n == 5 && mb.n == 5);
        size_t d = sa.config.d_model;
        if (off) /* X's rows are the words' vectors alone */
            for (size_t i = 0; i < 5; i++) {
                float e[512];
                attn_token_vector(e, ma.text + ma.tokens[i].offset, ma.tokens[i].len, d, sa.seed);
                CHECK(memcmp(e, ma.trace.x + i * d, d * sizeof *e) == 0);
            }
        double worst = 0.0;
        for (size_t h = 0; h < sa.config.n_heads; h++)
            for (size_t i = 0; i < 5; i++)
                for (size_t j = 0; j < 5; j++) {
                    double wa = ma.trace.weights[(h * 5 + perm[i]) * 5 + perm[j]];
                    double wb = mb.trace.weights[(h * 5 + i) * 5 + j];
                    if (fabs(wa - wb) > worst) worst = fabs(wa - wb);
                }
        if (off) CHECKF(worst <= 1e-6, "positions off: permuted weights differ by %g", worst);
        else CHECKF(worst > 1e-3, "positions on: a permutation should change the weights");
        state_model_free(&ma);
        state_model_free(&mb);
    }
}

/* The trained model's values, against the run's arrays read here. */
static void test_trained(void) {
    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    snprintf(s.sentence, sizeof s.sentence, "%s", STATE_START_SENTENCE);
    state_model m = {0};
    if (!build(&m, &s)) return;
    const state_trained *t = m.trained;
    CHECK(t != NULL);
    if (!t) return;
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads, d = t->model.config.d_model;
    size_t n = t->run.n, nm = t->run.n_max;
    double best = -1.0;
    size_t bl = 0, bh = 0;
    for (size_t l = 0; l < L; l++) {
        s.layer = l;
        if (!build(&m, &s)) break;
        t = m.trained;
        for (size_t h = 0; h < H; h++) {
            double sum = 0.0;
            for (size_t i = 1; i < n; i++) sum += t->run.trace[l].weights[(h * n + i) * n + 0];
            double mean = sum / (double)(n - 1);
            if (mean > best) best = mean, bl = l, bh = h;
            char expr[64];
            snprintf(expr, sizeof expr, "{{start_weight %zu}}", h + 1);
            CHECKF(fabs(live(&m, expr) - mean) < 1e-3, "layer %zu head %zu", l + 1, h + 1);
        }
        /* the stream: entering, what attention adds (c_proj's output, the
         * trace's last stage), what the MLP adds (GELU row · W + b, here) */
        const float *in = t->run.resid + l * nm * d + (n - 1) * d;
        const float *attn = t->run.trace[l].output + (n - 1) * d;
        const float *gelu = t->run.gelu + (l * nm + n - 1) * 4 * d;
        const float *w = t->model.params.fcproj_w + l * 4 * d * d, *bias = t->model.params.fcproj_b + l * d;
        double sq_in = 0.0, sq_attn = 0.0, sq_mlp = 0.0;
        for (size_t k = 0; k < d; k++) {
            double mlp = bias[k];
            for (size_t f = 0; f < 4 * d; f++) mlp += (double)gelu[f] * (double)w[f * d + k];
            sq_in += (double)in[k] * in[k];
            sq_attn += (double)attn[k] * attn[k];
            sq_mlp += mlp * mlp;
        }
        char expr[64];
        snprintf(expr, sizeof expr, "{{stream_norm %zu}}", l + 1);
        CHECKF(fabs(live(&m, expr) - sqrt(sq_in)) <= 1e-3 * sqrt(sq_in), "%s", expr);
        snprintf(expr, sizeof expr, "{{attn_add %zu}}", l + 1);
        CHECKF(fabs(live(&m, expr) - sqrt(sq_attn)) <= 1e-3 * sqrt(sq_attn), "%s", expr);
        snprintf(expr, sizeof expr, "{{mlp_add %zu}}", l + 1);
        CHECKF(fabs(live(&m, expr) - sqrt(sq_mlp)) <= 1e-3 * sqrt(sq_mlp), "%s", expr);
    }
    char out[96], want[96];
    CHECK(state_lesson_substitute(&m, "{{most_start}}", out, sizeof out) == 0);
    snprintf(want, sizeof want, "%zu.%zu", bl + 1, bh + 1);
    CHECKF(strstr(out, want) != NULL, "{{most_start}} is \"%s\", want %s", out, want);
    CHECK(live(&m, "{{vocab}}") == (double)t->model.config.n_vocab);
    state_model_free(&m);
}

/* {{most_previous}} and {{most_induction}} on a sentence that repeats
 * itself, against every head's means computed here from the run: the
 * previous token (rows 3..n), and for induction the token after the last
 * earlier copy of the row's word. */
static void test_most_heads(void) {
    state_settings s;
    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    snprintf(s.sentence, sizeof s.sentence, "the girl met the robot . the girl met the robot .");
    state_model m = {0};
    if (!build(&m, &s)) return;
    const state_trained *t = m.trained;
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads, n = t->run.n;
    double best_prev = -1, best_ind = -1;
    size_t prev_at = 0, ind_at = 0;
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++) {
            const float *w = t->run.trace[l].weights + h * n * n;
            double prev = 0, ind = 0;
            size_t n_prev = 0, n_ind = 0;
            for (size_t i = 2; i < n; i++) {
                prev += w[i * n + i - 1];
                n_prev++;
                /* the last earlier copy, searched from the start this time */
                size_t copy = 0;
                for (size_t k = 1; k + 1 < i; k++)
                    if (t->ids[k] == t->ids[i] && !t->unknown[k]) copy = k;
                if (copy == 0 || t->unknown[i]) continue;
                ind += w[i * n + copy + 1];
                n_ind++;
            }
            prev /= (double)n_prev;
            if (prev > best_prev) best_prev = prev, prev_at = l * H + h;
            if (n_ind && ind / (double)n_ind > best_ind) best_ind = ind / (double)n_ind, ind_at = l * H + h;
        }
    char out[96], want[32];
    CHECK(state_lesson_substitute(&m, "{{most_previous}}", out, sizeof out) == 0);
    snprintf(want, sizeof want, "%zu.%zu (%.2f)", prev_at / H + 1, prev_at % H + 1, best_prev);
    CHECKF(strstr(out, want) != NULL || (strstr(out, " and ") && strstr(out, want + 4)),
           "{{most_previous}} \"%s\", want %s", out, want);
    CHECK(state_lesson_substitute(&m, "{{most_induction}}", out, sizeof out) == 0);
    snprintf(want, sizeof want, "%zu.%zu", ind_at / H + 1, ind_at % H + 1);
    CHECKF(strstr(out, want) != NULL && best_ind > 0, "{{most_induction}} \"%s\", want %s (%.2f)",
           out, want, best_ind);
    /* a sentence without a repeated word has no induction row: it says so */
    snprintf(s.sentence, sizeof s.sentence, "The girl met a robot.");
    if (build(&m, &s)) {
        CHECK(state_lesson_substitute(&m, "{{most_induction}}", out, sizeof out) == 0);
        CHECK(strcmp(out, "none (no token repeats)") == 0);
    }
    state_model_free(&m);
}

/* A lesson on GPT-2 without its weights: it parses (checked against the
 * published sizes), and opening it says what is missing and how to get it. */
static void test_gpt2_absent(void) {
    const char *path = "/tmp/attnviz-test-gpt2-lesson.md";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("# G\n\nS.\n\n## Heads\n\n{{layers}} layers, {{role 12 12}}.\n\n```attnviz\n"
          "weights: trained\nmodel: gpt2\nlayer: 12\n```\n", f);
    fclose(f);
    char err[STATE_ERR_LEN] = "";
    setenv("HF_HOME", "/nonexistent/attnviz-hf", 1);
    state_lesson l;
    CHECKF(state_lesson_load(&l, path, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(l.lesson.n_steps == 1 && l.lesson.steps[0].settings.model &&
          strcmp(l.lesson.steps[0].settings.model, "gpt2") == 0 &&
          l.lesson.steps[0].settings.config.n_heads == 12);
    state_model m = {0};
    state_step_view v;
    CHECK(state_lesson_goto(&l, &m, 0, &v, err, sizeof err) == ATTN_ERR_INPUT);
    CHECK_STR_CONTAINS(err, "needs the gpt2 weights, which attnviz does not ship");
    CHECK_STR_CONTAINS(err, "/nonexistent/attnviz-hf");
    CHECK(m.tokens == NULL); /* nothing was built */
    state_lesson_free(&l);
    unsetenv("HF_HOME");
    remove(path);
}

int main(void) {
    test_most_heads();
    test_gpt2_absent();
    test_score_rank();
    test_jacobian();
    test_positions_off();
    test_trained();
    return check_done("test_lesson_live");
}
