/* libFuzzer target for a lesson's live values: the {{name ARGS}} of its
 * narration, found by lesson_placeholder_next (src/lesson/lesson_values.c)
 * and evaluated on the model a step built by state_lesson_value and
 * state_lesson_substitute (src/state/lesson_values.c).
 *
 * The first input byte picks one of a few models built once (the example;
 * extreme temperatures with grouped key/value heads, a causal mask and a
 * longer sentence; cross-attention, 3 queries over 12 keys; the shipped
 * trained model when its file is found); the
 * rest is the text. It is used as it is, and again with every byte from
 * 0x80 up replaced by a piece of a live value ("{{", "}}", a name, a number
 * at a limit), so that well-formed ones are common. It aborts when:
 *   - lesson_placeholder_next returns other than 1, 0, -1, does not move
 *     forward, finds a span that is not "{{...}}" inside the text, or
 *     refuses one without a clean one-line message;
 *   - a value is not terminated in its buffer, is not one clean line, is not
 *     "?" when it fails, is empty, or spells a NaN or an infinity ("nan",
 *     "inf");
 *   - a value the lesson checker accepts for the step does not evaluate;
 *   - a number a prediction grades against (state_lesson_number) exists
 *     where the text is "?", or is not finite;
 *   - state_lesson_substitute writes past cap, leaves the output
 *     unterminated, or counts other than the values that failed. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz_lesson_values"
#include "fuzz_check.h"

#include "attnviz/lesson.h"
#include "../../src/state/lesson_player.h"
#include "../../src/state/state.h"
#include "../../src/state/trained.h"

#define MODELS_MAX 5
static state_model models[MODELS_MAX];
static lesson_settings steps[MODELS_MAX]; /* what a lesson step with that model says */
static lesson_model_shape shapes[MODELS_MAX];
static size_t n_models;

static void add_model(const state_settings *s, int required) {
    state_model *m = &models[n_models];
    char err[STATE_ERR_LEN];
    memset(m, 0, sizeof *m);
    attn_status st = state_model_apply(m, s, err, sizeof err);
    if (st != ATTN_OK) {
        if (required) fprintf(stderr, "fuzz_lesson_values: %s\n", err);
        REQUIRE(!required);
        return;
    }
    lesson_settings *l = &steps[n_models];
    memset(l, 0, sizeof *l);
    l->config = m->settings.config;
    l->n_tokens = m->n;
    if (state_model_cross(m)) { /* the keys are the other sentence's */
        l->cross_sentence = m->keys_text;
        l->n_cross_tokens = m->n_keys;
    }
    l->weights = m->trained ? LESSON_WEIGHTS_TRAINED : LESSON_WEIGHTS_MECHANICS;
    if (m->trained) {
        const model_config *c = &m->trained->model.config;
        shapes[n_models] = (lesson_model_shape){c->n_layers, c->n_heads, c->d_model, c->n_ctx};
    }
    n_models++;
}

static void build_models(void) {
    state_settings s;
    state_settings_default(&s);
    add_model(&s, 1);

    state_settings_default(&s);
    s.config.temperature = ATTN_TEMPERATURE_MIN;
    s.config.n_kv_heads = 1;
    s.config.causal = true;
    snprintf(s.sentence, sizeof s.sentence,
             "A a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a.");
    add_model(&s, 1);

    state_settings_default(&s);
    s.config.temperature = ATTN_TEMPERATURE_MAX;
    s.config.n_heads = 1;
    s.config.n_kv_heads = 1;
    snprintf(s.sentence, sizeof s.sentence, "x");
    add_model(&s, 1);

    /* cross-attention: 3 queries over 12 keys of another sentence */
    state_settings_default(&s);
    snprintf(s.sentence, sizeof s.sentence, "Why not?");
    snprintf(s.cross_sentence, sizeof s.cross_sentence,
             "Because the keys come from another sentence here, twelve.");
    s.cross = true;
    add_model(&s, 1);

    state_settings_default(&s);
    s.source = STATE_SOURCE_TRAINED;
    snprintf(s.sentence, sizeof s.sentence, "the cat saw the dog because it was hungry");
    add_model(&s, 0); /* only where the shipped model is found */
    fprintf(stderr, "fuzz_lesson_values: %zu models, %s the shipped trained model\n", n_models,
            models[n_models - 1].trained ? "with" : "without");
}

/* Whether s spells a NaN or an infinity, in any case. */
static int non_finite_text(const char *s) {
    for (; *s; s++) {
        char a = (char)tolower((unsigned char)s[0]);
        if (a == 'n' && tolower((unsigned char)s[1]) == 'a' && tolower((unsigned char)s[2]) == 'n')
            return 1;
        if (a == 'i' && tolower((unsigned char)s[1]) == 'n' && tolower((unsigned char)s[2]) == 'f')
            return 1;
    }
    return 0;
}

/* The values that quote words (the sentence's or the vocabulary's). */
static int quotes_words(lesson_value v) {
    return v == LESSON_VALUE_TOKEN || v == LESSON_VALUE_ROW_ARGMAX || v == LESSON_VALUE_NEXT_WORD ||
           v == LESSON_VALUE_KEY_TOKEN;
}

/* Every live value of text[0..len): returns how many fail to evaluate. */
static size_t check_values(size_t which, const char *text, size_t len) {
    const state_model *m = &models[which];
    size_t pos = 0, bad = 0;
    for (;;) {
        size_t before = pos;
        lesson_placeholder ph;
        char err[256], val[160];
        memset(err, 'X', sizeof err);
        int rc = lesson_placeholder_next(text, len, &pos, &ph, err, sizeof err);
        REQUIRE(rc == 1 || rc == 0 || rc == -1);
        if (rc == 0) {
            REQUIRE(pos == len);
            break;
        }
        REQUIRE(pos > before && pos <= len);
        if (rc == -1) {
            REQUIRE_MESSAGE(err, sizeof err);
            bad++;
            continue;
        }
        REQUIRE(ph.offset >= before && ph.len >= 4 && ph.offset + ph.len == pos);
        REQUIRE(memcmp(text + ph.offset, "{{", 2) == 0 && memcmp(text + pos - 2, "}}", 2) == 0);
        REQUIRE(memchr(text + ph.offset, '\n', ph.len) == NULL);
        REQUIRE((unsigned)ph.value < LESSON_VALUE_COUNT && ph.n_args <= LESSON_VALUE_ARGS_MAX);

        memset(val, 'X', sizeof val);
        attn_status st = state_lesson_value(m, &ph, val, sizeof val);
        REQUIRE(st == ATTN_OK || st == ATTN_ERR_CONFIG);
        REQUIRE(fuzz_clean_line(val, sizeof val));
        if (st != ATTN_OK) {
            REQUIRE(strcmp(val, "?") == 0);
            bad++;
        } else {
            REQUIRE(val[0] != '\0');
            if (!quotes_words(ph.value)) {
                if (non_finite_text(val))
                    fprintf(stderr, "fuzz_lesson_values: {{%s}} is \"%s\"\n",
                            lesson_value_name(ph.value), val);
                REQUIRE(!non_finite_text(val));
            }
        }
        /* A prediction's number (state_lesson_number): there exactly when a
         * number is shown, and finite. */
        if (lesson_value_is_number(ph.value)) {
            double x = 0;
            attn_status nst = state_lesson_number(m, &ph, &x);
            REQUIRE(nst == ATTN_OK || nst == ATTN_ERR_CONFIG);
            if (st != ATTN_OK) REQUIRE(nst != ATTN_OK);
            if (nst == ATTN_OK) REQUIRE(isfinite(x));
        }
        /* What the lesson checker accepts for the step, the player shows. */
        const lesson_model_shape *shape = m->trained ? &shapes[which] : NULL;
        memset(err, 'X', sizeof err);
        attn_status ok = lesson_placeholder_check(&ph, &steps[which], shape, err, sizeof err);
        REQUIRE(ok == ATTN_OK || ok == ATTN_ERR_INPUT);
        if (ok == ATTN_OK) {
            REQUIRE(err[0] == '\0');
            if (st != ATTN_OK)
                fprintf(stderr, "fuzz_lesson_values: {{%s}} passes the check but is \"?\"\n",
                        lesson_value_name(ph.value));
            REQUIRE(st == ATTN_OK);
        } else {
            REQUIRE_MESSAGE(err, sizeof err);
        }
    }
    return bad;
}

static void check_substitute(size_t which, const char *text, size_t len, size_t bad) {
    /* exactly cap bytes, so a write past them is caught */
    const size_t caps[3] = {1, 7, len * 4 + 64};
    for (int c = 0; c < 3; c++) {
        size_t cap = caps[c];
        char *out = malloc(cap);
        REQUIRE(out != NULL);
        size_t got = state_lesson_substitute(&models[which], text, out, cap);
        REQUIRE(memchr(out, '\0', cap) != NULL);
        REQUIRE(got == bad);
        free(out);
    }
    REQUIRE(state_lesson_substitute(&models[which], text, NULL, 0) == 0);
}

/* Pieces of live values for the bytes from 0x80 up. */
static const char *const pieces[] = {
    "{{", "}}", "{{", "}}", " ", "  ", "\t", "\n", "0", "1", "2", "3", "4", "8", "11", "38",
    "64", "65", "256", "257", "1048576", "4294967297", "18446744073709551615",
    "18446744073709551616", "-1", "+1", "1.5", "1e3", "0x10", "٣", "{{n}}", "{{weight 1 1 1}}",
};

static char *expand(const char *text, size_t len, size_t *out_len) {
    const size_t n_pieces = sizeof pieces / sizeof pieces[0];
    char *out = malloc(len * 24 + 1);
    REQUIRE(out != NULL);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)text[i];
        const char *p = NULL;
        char one[2] = {(char)b, 0};
        if (b < 0x80) p = one;
        else if (b - 0x80u < n_pieces) p = pieces[b - 0x80];
        else p = lesson_value_name((lesson_value)((b - 0x80u - n_pieces) % LESSON_VALUE_COUNT));
        size_t pl = strlen(p);
        memcpy(out + o, p, pl);
        o += pl;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static void check_text(size_t which, const char *text, size_t len) {
    size_t bad = check_values(which, text, len);
    check_substitute(which, text, len, bad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!n_models) build_models();
    if (size < 1 || size > 1 << 14) return 0;
    size_t which = data[0] % n_models;
    /* NUL-terminated, cut at a NUL: the texts are C strings */
    char *text = malloc(size);
    REQUIRE(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t len = strlen(text);
    check_text(which, text, len);

    size_t xlen;
    char *x = expand(text, len, &xlen);
    check_text(which, x, xlen);
    free(x);
    free(text);
    return 0;
}
