/* libFuzzer target for the lesson parser. Beyond "no crash, no leak, no
 * hang" it aborts when an invariant breaks:
 *   - lesson_parse_report returns 0 exactly when it reports no error, and
 *     lesson_parse returns the same status with the first reported error;
 *   - every error is one line "f.md:LINE: message" with 1 <= LINE <= the
 *     number of lines (or "f.md: N more errors not shown");
 *   - on failure the lesson is empty;
 *   - on success: a title, a summary, 1..200 steps in file order, and for
 *     every step settings that attn_config_check accepts, a sentence that
 *     tokenizes to n_tokens (1..64) tokens, stage, progress, view and head in
 *     range, highlights inside the sentence (columns: the keys, the other
 *     sentence's with "cross:", which is mechanics and never causal) and
 *     the heads, a question (if
 *     any) with ask, explain, 2..6 choices and exactly one right one, a
 *     prediction (if any, never beside a question) with ask, explain and
 *     one kind whose head, row, column or live value fits the step, and
 *     live values that are well formed and fit the step's settings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdbool.h>

#include "attnviz/lesson.h"
#include "attnviz/tokenize.h"

/* The shipped model's sizes, so steps with "weights: trained" are parsed
 * and checked too. */
static const lesson_model_shape shape = {.n_layers = 2, .n_heads = 4, .d_model = 128, .n_ctx = 64};

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_lesson: invariant failed: %s (line %d)\n", #cond, __LINE__);    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct errors {
    size_t n;
    size_t lines; /* lines in the input */
    char first[1024];
} errors;

static void on_error(void *ctx, const char *error) {
    errors *e = ctx;
    REQUIRE(strncmp(error, "f.md:", 5) == 0);
    REQUIRE(strchr(error, '\n') == NULL);
    const char *p = error + 5;
    if (*p == ' ') {
        REQUIRE(strstr(p, "more errors not shown") != NULL);
    } else {
        char *end = NULL;
        unsigned long long line = strtoull(p, &end, 10);
        REQUIRE(end != p && end[0] == ':' && end[1] == ' ' && end[2] != '\0');
        REQUIRE(line >= 1 && line <= e->lines);
    }
    if (e->n == 0) snprintf(e->first, sizeof e->first, "%s", error);
    e->n++;
}

static void check_live_values(const char *text, const lesson_settings *s) {
    size_t pos = 0, len = strlen(text);
    lesson_placeholder ph;
    char err[256];
    for (;;) {
        int rc = lesson_placeholder_next(text, len, &pos, &ph, err, sizeof err);
        REQUIRE(rc == 0 || rc == 1);
        if (rc == 0) break;
        REQUIRE(ph.offset + ph.len <= len && ph.len >= 4);
        REQUIRE(memcmp(text + ph.offset, "{{", 2) == 0);
        REQUIRE(memcmp(text + ph.offset + ph.len - 2, "}}", 2) == 0);
        REQUIRE(lesson_placeholder_check(&ph, s, &shape, err, sizeof err) == 0);
    }
}

static void check_settings(const lesson_settings *s) {
    REQUIRE(attn_config_check(&s->config, NULL, NULL, 0) == ATTN_OK);
    REQUIRE(s->seed <= LESSON_SEED_MAX);
    REQUIRE(s->sentence != NULL);
    REQUIRE(s->n_tokens >= 1 && s->n_tokens <= LESSON_TOKENS_MAX);
    static attn_token tokens[LESSON_TOKENS_MAX];
    size_t n = 0;
    REQUIRE(attn_tokenize(tokens, LESSON_TOKENS_MAX, &n, s->sentence, strlen(s->sentence), NULL,
                          0) == ATTN_OK);
    /* the trained model reads a start token before the sentence */
    bool trained = s->weights == LESSON_WEIGHTS_TRAINED;
    REQUIRE(trained || s->weights == LESSON_WEIGHTS_MECHANICS);
    REQUIRE(n + (trained ? 1 : 0) == s->n_tokens);
    REQUIRE(s->stage >= 0 && s->stage < LESSON_STAGES);
    REQUIRE(s->progress >= 0.0f && s->progress <= 1.0f);
    REQUIRE(s->view == LESSON_VIEW_HEADS || s->view == LESSON_VIEW_FOCUS ||
            s->view == LESSON_VIEW_ARCS || (trained && s->view == LESSON_VIEW_MODEL));
    if (!trained) REQUIRE(s->model == NULL && s->n_prune == 0);
    /* cross-attention: mechanics only, never causal, its sentence tokenized */
    if (s->cross_sentence) {
        REQUIRE(!trained && !s->config.causal);
        REQUIRE(attn_tokenize(tokens, LESSON_TOKENS_MAX, &n, s->cross_sentence,
                              strlen(s->cross_sentence), NULL, 0) == ATTN_OK);
        REQUIRE(n == s->n_cross_tokens && n >= 1);
    } else {
        REQUIRE(s->n_cross_tokens == 0);
    }
    REQUIRE(s->head < s->config.n_heads);
    REQUIRE(s->n_highlights <= LESSON_HIGHLIGHTS_MAX);
    for (size_t k = 0; k < s->n_highlights; k++) {
        const lesson_highlight *h = &s->highlights[k];
        /* rows are the sentence's tokens, columns the keys (cross: the other sentence's) */
        REQUIRE(h->i < s->n_tokens && h->j < lesson_settings_keys(s));
        if (h->kind == LESSON_HIGHLIGHT_CELL) REQUIRE(h->head < s->config.n_heads);
        else REQUIRE(h->kind <= LESSON_HIGHLIGHT_COLUMN);
    }
}

static void check_lesson(const lesson *l, size_t lines) {
    REQUIRE(l->title != NULL && l->summary != NULL);
    REQUIRE(l->n_steps >= 1 && l->n_steps <= LESSON_STEPS_MAX);
    size_t prev = 0;
    for (size_t i = 0; i < l->n_steps; i++) {
        const lesson_step *st = &l->steps[i];
        REQUIRE(st->title != NULL && st->narration != NULL);
        REQUIRE(st->line > prev && st->line <= lines);
        prev = st->line;
        for (int k = 0; k < LESSON_KEY_COUNT; k++) {
            if (!st->key_line[k]) continue;
            REQUIRE(st->block_line > st->line && st->key_line[k] > st->block_line);
            REQUIRE(st->key_line[k] <= lines);
        }
        if (st->key_line[LESSON_KEY_SENTENCE]) REQUIRE(st->settings.sentence == st->sentence);
        else REQUIRE(st->sentence == NULL);
        if (st->key_line[LESSON_KEY_HEAD]) REQUIRE(st->settings.head == st->head);
        if (st->key_line[LESSON_KEY_STAGE]) REQUIRE(st->settings.stage == st->stage);
        if (st->key_line[LESSON_KEY_HIGHLIGHT]) REQUIRE(st->settings.n_highlights == st->n_highlights);
        check_settings(&st->settings);
        check_live_values(st->narration, &st->settings);

        const lesson_question *q = &st->question;
        if (q->line) {
            REQUIRE(q->line > st->line);
            REQUIRE(q->ask != NULL && q->explain != NULL);
            REQUIRE(q->n_choices >= LESSON_CHOICES_MIN && q->n_choices <= LESSON_CHOICES_MAX);
            REQUIRE(q->right < q->n_choices); /* exactly one right answer: an index */
            check_live_values(q->ask, &st->settings);
            check_live_values(q->explain, &st->settings);
            for (size_t c = 0; c < q->n_choices; c++) {
                REQUIRE(q->choices[c] != NULL && q->choice_lines[c] > q->line);
                check_live_values(q->choices[c], &st->settings);
            }
        } else {
            REQUIRE(q->ask == NULL && q->n_choices == 0 && q->explain == NULL);
        }
        const lesson_predict *pr = &st->predict;
        if (pr->line) {
            const lesson_settings *s = &st->settings;
            REQUIRE(q->line == 0 && pr->line > st->line);
            REQUIRE(pr->ask != NULL && pr->explain != NULL && pr->kind_line > pr->line);
            REQUIRE(pr->hold >= -1 && pr->hold <= s->stage);
            check_live_values(pr->ask, s);
            check_live_values(pr->explain, s);
            char err[256];
            switch (pr->kind) {
            case LESSON_PREDICT_KEY:
                REQUIRE(pr->head < s->config.n_heads && pr->row < s->n_tokens);
                REQUIRE(pr->tolerance > 0);
                break;
            case LESSON_PREDICT_HEAD:
                if (pr->measure == LESSON_MEASURE_WEIGHT)
                    REQUIRE(pr->row < s->n_tokens && pr->col < lesson_settings_keys(s));
                else REQUIRE(pr->measure == LESSON_MEASURE_PRUNE &&
                             s->weights == LESSON_WEIGHTS_TRAINED);
                break;
            case LESSON_PREDICT_VALUE:
            {
                lesson_placeholder ph = lesson_predict_value(pr);
                REQUIRE(lesson_value_is_number(ph.value));
                REQUIRE(lesson_placeholder_check(&ph, s, &shape, err, sizeof err) == 0);
            }
                REQUIRE(pr->lo < pr->hi && pr->tolerance > 0);
                break;
            default: REQUIRE(!"a prediction of no kind");
            }
        } else {
            REQUIRE(pr->ask == NULL && pr->explain == NULL && pr->kind_line == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    errors e = {0, 1, ""};
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\n') e.lines++;

    lesson l;
    int rc = lesson_parse_report(&l, text, size, "f.md", &shape, on_error, &e);
    REQUIRE(rc == 0 || rc == 2);
    REQUIRE((rc == 0) == (e.n == 0));
    if (rc == 0) {
        check_lesson(&l, e.lines);
    } else {
        REQUIRE(l.n_steps == 0 && l.steps == NULL && l.title == NULL && l.summary == NULL);
    }
    lesson_free(&l);

    /* lesson_parse: the same answer, and the first error of the report. */
    char err[1024];
    memset(err, 'X', sizeof err);
    int rc2 = lesson_parse(&l, text, size, "f.md", &shape, err, sizeof err);
    REQUIRE(rc2 == rc);
    REQUIRE(memchr(err, '\0', sizeof err) != NULL);
    if (rc == 0) REQUIRE(err[0] == '\0');
    else REQUIRE(strcmp(err, e.first) == 0);
    lesson_free(&l);
    return 0;
}
