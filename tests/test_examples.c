/* The sentences the app starts on and cycles through (E) fit the source they
 * are used with, and the start is meaningful: the trained model's examples
 * are in its vocabulary, and on the start sentence the head shown first
 * (layer 1, head 1) looks clearly at one token a row, where random weights
 * spread each row near 1/n. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "settings_panel.h"
#include "state.h"

/* The mean over rows 2..n of a head's largest weight in the row (the first
 * row of a causal map is 1 by force). */
static float mean_row_max(const state_model *m, size_t head) {
    size_t n = m->n;
    const float *w = m->trace.weights + head * n * n;
    double sum = 0.0;
    for (size_t i = 1; i < n; i++) {
        float best = 0.0f;
        for (size_t j = 0; j < n; j++)
            if (w[i * n + j] > best) best = w[i * n + j];
        sum += best;
    }
    return (float)(sum / (double)(n - 1));
}

static void trained(state_settings *s, const char *sentence) {
    state_settings_default(s);
    s->source = STATE_SOURCE_TRAINED; /* the shipped model */
    snprintf(s->sentence, sizeof s->sentence, "%s", sentence);
}

static void test_trained_examples_in_vocabulary(void) {
    size_t count = settings_panel_example_count(STATE_SOURCE_TRAINED);
    CHECK(count >= 3);
    CHECK(strcmp(settings_panel_example(STATE_SOURCE_TRAINED, 0), STATE_START_SENTENCE) == 0);
    for (size_t i = 0; i < count; i++) {
        const char *text = settings_panel_example(STATE_SOURCE_TRAINED, i);
        state_settings s;
        trained(&s, text);
        state_model m;
        memset(&m, 0, sizeof m);
        char err[STATE_ERR_LEN];
        CHECKF(state_model_apply(&m, &s, err, sizeof err) == ATTN_OK, "%s: %s", text, err);
        CHECKF(m.trained && m.n_unknown == 0, "\"%s\": %zu words not in the vocabulary", text,
               m.n_unknown);
        state_model_free(&m);
    }
}

static void test_mechanics_examples_apply(void) {
    size_t count = settings_panel_example_count(STATE_SOURCE_MECHANICS);
    CHECK(count >= 3);
    CHECK(strcmp(settings_panel_example(STATE_SOURCE_MECHANICS, 0), ATTN_EXAMPLE_SENTENCE) == 0);
    for (size_t i = 0; i < count; i++) {
        state_settings s;
        state_settings_default(&s);
        snprintf(s.sentence, sizeof s.sentence, "%s", settings_panel_example(STATE_SOURCE_MECHANICS, i));
        state_model m;
        memset(&m, 0, sizeof m);
        char err[STATE_ERR_LEN];
        CHECKF(state_model_apply(&m, &s, err, sizeof err) == ATTN_OK, "%s", err);
        state_model_free(&m);
    }
}

/* The start (tests/test_cli.sh checks render and the app draw it by
 * default): the trained model's first head is sharp, its heads differ, and
 * random weights are near uniform on the same sentence. */
static void test_start_is_meaningful(void) {
    state_settings s;
    trained(&s, STATE_START_SENTENCE);
    state_model m;
    memset(&m, 0, sizeof m);
    char err[STATE_ERR_LEN];
    CHECKF(state_model_apply(&m, &s, err, sizeof err) == ATTN_OK, "%s", err);
    if (!m.trained) return;
    float n = (float)m.n;
    float first = mean_row_max(&m, 0);
    CHECKF(first > 0.8f && first > 5.0f / n, "head 1: mean row maximum %.2f (1/n = %.2f)", first, 1.0f / n);
    float lo = first, hi = first;
    for (size_t h = 1; h < m.settings.config.n_heads; h++) {
        float v = mean_row_max(&m, h);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    CHECKF(hi - lo > 0.3f, "the heads' mean row maxima span only %.2f to %.2f", lo, hi);
    state_model_free(&m);

    state_settings_default(&s); /* random weights on the same words */
    snprintf(s.sentence, sizeof s.sentence, "%s", STATE_START_SENTENCE);
    memset(&m, 0, sizeof m);
    CHECKF(state_model_apply(&m, &s, err, sizeof err) == ATTN_OK, "%s", err);
    n = (float)m.n;
    for (size_t h = 0; h < m.settings.config.n_heads; h++) {
        float v = mean_row_max(&m, h);
        CHECKF(v < 3.0f / n && first > 2.5f * v,
               "random head %zu: mean row maximum %.3f (1/n = %.3f, trained head 1: %.2f)", h + 1,
               v, 1.0f / n, first);
    }
    state_model_free(&m);
}

int main(void) {
    test_trained_examples_in_vocabulary();
    test_mechanics_examples_apply();
    test_start_is_meaningful();
    return check_done("test_examples");
}
