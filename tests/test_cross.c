/* Cross-attention below the window: the state's settings (the other
 * sentence checked, refused with causal or the trained model, never
 * half-applied), the model it builds (n × n_keys maps, the same numbers as
 * the core's attn_forward_cross on the same inputs, a change of
 * temperature that reruns only stages 4-10), the lesson format's "cross:"
 * directive and its checks, live values and a prediction graded on the
 * rectangle. The core itself is checked against PyTorch in test_torch. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/embed.h"
#include "check.h"
#include "lesson_player.h"
#include "state.h"

#define QUERIES "The cat sat on the mat."          /* 7 tokens */
#define KEYS "Le chat est assis sur le tapis ce matin." /* 10 tokens */

static void cross_settings(state_settings *s) {
    state_settings_default(s);
    snprintf(s->sentence, sizeof s->sentence, "%s", QUERIES);
    snprintf(s->cross_sentence, sizeof s->cross_sentence, "%s", KEYS);
    s->cross = true;
}

static void test_model(void) {
    state_settings s;
    cross_settings(&s);
    state_model m;
    memset(&m, 0, sizeof m);
    char err[STATE_ERR_LEN];
    CHECK(state_model_apply(&m, &s, err, sizeof err) == ATTN_OK);
    CHECK(m.n == 7 && m.n_keys == 10 && state_model_cross(&m));
    CHECK(m.trace.cross && m.trace.n == 7 && m.trace.n_keys == 10);
    size_t len;
    const char *k = state_model_key_token(&m, 3, &len);
    CHECK(len == 5 && strncmp(k, "assis", 5) == 0);
    /* every row of every head sums to 1 over the 10 keys */
    const attn_config *c = &m.settings.config;
    for (size_t h = 0; h < c->n_heads; h++)
        for (size_t i = 0; i < m.n; i++) {
            double sum = 0.0;
            for (size_t j = 0; j < m.n_keys; j++) sum += m.trace.weights[(h * m.n + i) * 10 + j];
            CHECKF(fabs(sum - 1.0) < 1e-5, "head %zu row %zu sums to %g", h, i, sum);
        }

    /* the same numbers as the core on the same inputs, made independently */
    attn_trace t;
    attn_weights w;
    CHECK(attn_trace_init_cross(&t, 16, c->d_model, c->n_heads, err, sizeof err) == ATTN_OK);
    CHECK(attn_weights_init(&w, c, err, sizeof err) == ATTN_OK);
    attn_weights_xavier(&w, s.seed);
    attn_token qt[16], kt[16];
    size_t nq, nk;
    CHECK(attn_tokenize(qt, 16, &nq, QUERIES, strlen(QUERIES), NULL, 0) == ATTN_OK && nq == 7);
    CHECK(attn_tokenize(kt, 16, &nk, KEYS, strlen(KEYS), NULL, 0) == ATTN_OK && nk == 10);
    attn_embed(t.x, QUERIES, qt, nq, c->d_model, s.seed);
    attn_embed(t.x_kv, KEYS, kt, nk, c->d_model, s.seed);
    CHECK(attn_forward_cross(&t, c, &w, t.x, nq, t.x_kv, nk, err, sizeof err) == ATTN_OK);
    CHECK(memcmp(t.weights, m.trace.weights, c->n_heads * nq * nk * sizeof(float)) == 0);
    CHECK(memcmp(t.output, m.trace.output, nq * c->d_model * sizeof(float)) == 0);

    /* temperature: stages 4-10 again on the same Q, K, V, the same bits as
     * a whole forward */
    state_settings hot = s;
    hot.config.temperature = 2.0f;
    CHECK(state_model_apply(&m, &hot, err, sizeof err) == ATTN_OK);
    attn_config hc = *c;
    hc.temperature = 2.0f;
    CHECK(attn_forward_cross(&t, &hc, &w, t.x, nq, t.x_kv, nk, err, sizeof err) == ATTN_OK);
    CHECK(m.n_keys == 10 &&
          memcmp(t.weights, m.trace.weights, c->n_heads * nq * nk * sizeof(float)) == 0);

    /* back to self-attention: square maps, no keys of its own */
    state_settings self = s;
    self.cross = false;
    CHECK(state_model_apply(&m, &self, err, sizeof err) == ATTN_OK);
    CHECK(!state_model_cross(&m) && m.n_keys == 7 && !m.trace.cross && m.trace.n_keys == 7);
    k = state_model_key_token(&m, 1, &len);
    CHECK(len == 3 && strncmp(k, "cat", 3) == 0);
    /* the other sentence matters only while cross is on */
    state_settings other = self;
    snprintf(other.cross_sentence, sizeof other.cross_sentence, "x");
    CHECK(state_settings_equal(&self, &other));
    other.cross = self.cross = true;
    CHECK(!state_settings_equal(&self, &other));

    attn_trace_free(&t);
    attn_weights_free(&w);
    state_model_free(&m);
}

/* A bad setting is refused with a message about the other sentence, and
 * the model on screen stays as it was. */
static void expect_refused(state_model *m, const state_settings *s, const char *want) {
    char err[STATE_ERR_LEN] = "";
    attn_setting bad = ATTN_SETTING_NONE;
    uint64_t version = m->version;
    size_t n_keys = m->n_keys;
    CHECK(state_model_apply_text(m, s, s->sentence, &bad, err, sizeof err) != ATTN_OK);
    CHECKF(bad == ATTN_SETTING_CROSS, "'%s': setting %d, want the other sentence", err, (int)bad);
    CHECKF(strstr(err, want) != NULL, "got '%s', want '%s'", err, want);
    CHECKF(strncmp(err, "cross_sentence", 14) == 0, "'%s' does not name the setting first", err);
    CHECK(m->version == version && m->n_keys == n_keys);
}

static void test_refused(void) {
    state_settings s;
    cross_settings(&s);
    state_model m;
    memset(&m, 0, sizeof m);
    char err[STATE_ERR_LEN];
    CHECK(state_model_apply(&m, &s, err, sizeof err) == ATTN_OK);

    state_settings bad = s;
    snprintf(bad.cross_sentence, sizeof bad.cross_sentence, "   ");
    expect_refused(&m, &bad, "is empty");
    bad.cross_sentence[0] = '\0';
    expect_refused(&m, &bad, "is empty");
    bad = s;
    char *p = bad.cross_sentence;
    for (int i = 0; i < 70; i++) p += sprintf(p, "w ");
    expect_refused(&m, &bad, "70 tokens, more than max_tokens 64");
    bad = s;
    memset(bad.cross_sentence, 'a', sizeof bad.cross_sentence); /* no NUL at all */
    expect_refused(&m, &bad, "longer than");
    bad = s;
    snprintf(bad.cross_sentence, sizeof bad.cross_sentence, "caf\xC3");
    expect_refused(&m, &bad, "not valid text");
    bad = s;
    bad.config.causal = true;
    expect_refused(&m, &bad, "causal");
    bad = s;
    bad.source = STATE_SOURCE_TRAINED;
    expect_refused(&m, &bad, "mechanics");
    /* still the cross model it was */
    CHECK(m.n_keys == 10 && state_model_cross(&m));
    state_model_free(&m);
}

/* The lesson format: "cross: TEXT" and "cross: off", carried over, and
 * their checks at the line that made them wrong. */
static void expect_error(const char *text, size_t line, const char *want) {
    lesson l;
    char err[512] = "";
    attn_status st = lesson_parse(&l, text, strlen(text), "t.md", NULL, err, sizeof err);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "t.md:%zu: ", line);
    CHECKF(st != ATTN_OK && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, want),
           "got '%s', want '%s%s'", err, prefix, want);
    if (st == ATTN_OK) lesson_free(&l);
}

#define HEAD "# T\n\nS.\n\n## One\n\nText.\n\n```attnviz\nsentence: " QUERIES "\n"

static void test_lesson_format(void) {
    const char *text = HEAD "cross: " KEYS "\nstage: softmax\nhighlight: column 9\n```\n\n"
                            "{{n}} queries read {{n_keys}} keys; {{weight 1 2 10}}, "
                            "{{key_token 4}}, {{row_argmax 1 2}}.\n\n"
                            "## Two\n\nCarried.\n\n"
                            "## Three\n\n```attnviz\ncross: off\ncausal: on\n```\n";
    lesson l;
    char err[512];
    CHECKF(lesson_parse(&l, text, strlen(text), "t.md", NULL, err, sizeof err) == ATTN_OK, "%s",
           err);
    if (l.n_steps != 3) {
        CHECK(l.n_steps == 3);
        return;
    }
    const lesson_settings *s1 = &l.steps[0].settings, *s2 = &l.steps[1].settings,
                          *s3 = &l.steps[2].settings;
    CHECK(s1->cross_sentence && strcmp(s1->cross_sentence, KEYS) == 0 && s1->n_cross_tokens == 10);
    CHECK(lesson_settings_keys(s1) == 10 && s1->n_tokens == 7);
    CHECK(s1->n_highlights == 1 && s1->highlights[0].j == 8);
    CHECK(s2->cross_sentence == s1->cross_sentence && lesson_settings_keys(s2) == 10);
    CHECK(!s3->cross_sentence && lesson_settings_keys(s3) == 7 && s3->config.causal);

    /* the player's settings, the model they build, the live values on it */
    state_lesson player;
    memset(&player, 0, sizeof player);
    player.lesson = l;
    state_settings now, st;
    state_settings_default(&now);
    state_lesson_step_settings(&player, 0, &now, &st);
    CHECK(st.cross && strcmp(st.cross_sentence, KEYS) == 0);
    state_model m;
    memset(&m, 0, sizeof m);
    CHECK(state_model_apply(&m, &st, err, sizeof err) == ATTN_OK);
    char out[512];
    CHECK(state_lesson_substitute(&m, l.steps[0].narration, out, sizeof out) == 0);
    char want[128];
    snprintf(want, sizeof want, "7 queries read 10 keys; ");
    CHECKF(strstr(out, want) != NULL, "got '%s'", out);
    CHECKF(strstr(out, "assis") != NULL, "{{key_token 4}}: '%s'", out);
    /* row 2's most weighted key, found here from the trace itself */
    size_t best = 0;
    const float *row = m.trace.weights + 1 * m.n_keys;
    for (size_t j = 1; j < m.n_keys; j++)
        if (row[j] > row[best]) best = j;
    size_t kl;
    const char *kw = state_model_key_token(&m, best, &kl);
    char word[32];
    snprintf(word, sizeof word, "%.*s.", (int)kl, kw);
    CHECKF(strstr(out, word) != NULL, "{{row_argmax 1 2}}: '%s' lacks '%s'", out, word);
    /* {{weight 1 2 10}}: key 10 exists only with the other sentence */
    lesson_placeholder ph;
    size_t pos = 0;
    const char *w10 = "{{weight 1 2 10}}";
    CHECK(lesson_placeholder_next(w10, strlen(w10), &pos, &ph, NULL, 0) == 1);
    double v;
    CHECK(state_lesson_number(&m, &ph, &v) == ATTN_OK && v == (double)m.trace.weights[1 * 10 + 9]);
    /* a prediction of the key row 2 of head 1 weights most: graded on the trace */
    lesson_predict pr = {.line = 1, .kind = LESSON_PREDICT_KEY, .head = 0, .row = 1,
                         .tolerance = 1e-6};
    CHECK(state_predict_options(&pr, &m) == 10);
    state_prediction got;
    CHECK(state_predict_grade(&m, &pr, (int)best, 0.0, &got) == ATTN_OK && got.right &&
          got.best == (int)best);
    char verdict[256];
    state_predict_verdict(&m, &pr, &got, verdict, sizeof verdict);
    snprintf(word, sizeof word, "“%.*s”", (int)kl, kw); /* the key, not the query's token */
    CHECKF(strstr(verdict, word) != NULL, "verdict '%s' does not name %s", verdict, word);
    CHECK(state_predict_grade(&m, &pr, (int)(best + 1) % 10, 0.0, &got) == ATTN_OK &&
          !got.right);
    state_model_free(&m);
    lesson_free(&l);

    /* the checks, at the line that made them wrong */
    expect_error(HEAD "cross: " KEYS "\ncausal: on\n```\n", 12, "causal: on hides");
    expect_error(HEAD "causal: on\n```\n\n## Two\n\n```attnviz\ncross: " KEYS "\n```\n", 17,
                 "there is no later");
    expect_error(HEAD "cross: " KEYS "\nhighlight: column 11\n```\n", 12,
                 "column 11 is past the last key");
    expect_error(HEAD "cross: " KEYS "\n```\n\n{{weight 1 1 11}}\n", 14,
                 "key 11 does not exist");
    expect_error(HEAD "cross: Hi.\n```\n\n{{key_token 3}}\n", 14, "key 3 does not exist");
    expect_error(HEAD "```\n\n{{key_token 8}}\n", 13, "token 8 does not exist");
    char longer[1024] = HEAD "cross:";
    for (int i = 0; i < 70; i++) strcat(longer, " w");
    strcat(longer, "\n```\n");
    expect_error(longer, 11, "has 70 tokens, more than the limit of 64");

    /* with the trained model: refused in the block that asks for both */
    lesson_model_shape shape = {.n_layers = 2, .n_heads = 4, .d_model = 64, .n_ctx = 16};
    const char *trained = HEAD "cross: " KEYS "\nweights: trained\n```\n";
    attn_status rc = lesson_parse(&l, trained, strlen(trained), "t.md", &shape, err, sizeof err);
    CHECKF(rc != ATTN_OK && strstr(err, "t.md:11: cross-attention runs on the mechanics"),
           "got '%s'", err);
    if (rc == ATTN_OK) lesson_free(&l);
}

/* Two threads give the same bits as one on a rectangle large enough to be
 * split (the heads and the wide products), and the plain loops agree; the
 * matrix-product count follows the rectangle. */
static void test_threads_and_flops(void) {
    attn_config c = {.d_model = 256, .n_heads = 8, .n_kv_heads = 2, .causal = false,
                     .scale = true, .temperature = 1.0f};
    size_t n = 70, m = 200;
    attn_trace one, two;
    attn_weights w;
    char err[256];
    CHECK(attn_trace_init_cross(&one, m, c.d_model, c.n_heads, err, sizeof err) == ATTN_OK);
    CHECK(attn_trace_init_cross(&two, m, c.d_model, c.n_heads, err, sizeof err) == ATTN_OK);
    CHECK(attn_weights_init(&w, &c, err, sizeof err) == ATTN_OK);
    attn_weights_xavier(&w, 5);
    float *xq = malloc(n * c.d_model * sizeof *xq), *xk = malloc(m * c.d_model * sizeof *xk);
    for (size_t i = 0; i < n * c.d_model; i++) xq[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    for (size_t i = 0; i < m * c.d_model; i++) xk[i] = (float)((i * 104729) % 999) / 499.5f - 1.0f;
    two.threads = 2;
    CHECK(attn_forward_cross(&one, &c, &w, xq, n, xk, m, err, sizeof err) == ATTN_OK);
    CHECK(attn_forward_cross(&two, &c, &w, xq, n, xk, m, err, sizeof err) == ATTN_OK);
    CHECK(memcmp(one.weights, two.weights, c.n_heads * n * m * sizeof(float)) == 0);
    CHECK(memcmp(one.output, two.output, n * c.d_model * sizeof(float)) == 0);
    /* the plain loops: the same within float rounding of a different order */
    CHECK(attn_forward_cross_reference(&two, &c, &w, xq, n, xk, m, err, sizeof err) == ATTN_OK);
    double worst = 0.0;
    for (size_t i = 0; i < n * c.d_model; i++) {
        double e = fabs((double)one.output[i] - (double)two.output[i]);
        if (e > worst) worst = e;
    }
    CHECKF(worst < 1e-4, "fast and plain cross-attention differ by %g", worst);
    const char *stage;
    float bad;
    CHECK(!attn_trace_find_nonfinite(&one, &stage, &bad));
    /* flops: Q and W_O on n rows, K and V on m, each head n × m twice */
    double d = 256, dkv = 64, dh = 32;
    double want = 2 * n * d * (2 * d) + 2 * m * d * (2 * dkv) + 8 * (2.0 * n * m * dh * 2);
    CHECK(attn_forward_flops_cross(&c, n, m) == want);
    CHECK(attn_forward_flops_cross(&c, n, n) == attn_forward_flops(&c, n));
    free(xq);
    free(xk);
    attn_trace_free(&one);
    attn_trace_free(&two);
    attn_weights_free(&w);
}

int main(void) {
    test_threads_and_flops();
    test_model();
    test_refused();
    test_lesson_format();
    return check_done("test_cross");
}
