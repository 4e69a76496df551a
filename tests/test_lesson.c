/* Tests of the lesson parser (include/attnviz/lesson.h): a complete lesson
 * field by field, settings carried from step to step, every error message
 * with its line, live values checked against each step's settings, CRLF,
 * and 1 MB inputs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attnviz/lesson.h"
#include "check.h"

/* ---- helpers ------------------------------------------------------------------ */

/* The line (from 1) of the first occurrence of needle in text, or 0. */
static size_t line_at(const char *text, const char *needle) {
    const char *at = strstr(text, needle);
    if (!at) return 0;
    size_t ln = 1;
    for (const char *p = text; p < at; p++)
        if (*p == '\n') ln++;
    return ln;
}

/* Every error of a parse, one per line, into a static buffer. */
static char all[1 << 16];
static size_t n_all;
static void collect(void *ctx, const char *error) {
    (void)ctx;
    size_t len = strlen(all);
    snprintf(all + len, sizeof all - len, "%s\n", error);
    n_all++;
}

/* The trained model's sizes the helpers below parse with (NULL: none). */
static const lesson_model_shape *trained_shape;

static int parse_all(lesson *l, const char *text) {
    all[0] = '\0';
    n_all = 0;
    return lesson_parse_report(l, text, strlen(text), "t.md", trained_shape, collect, NULL);
}

/* The text must parse; prints the errors if not. */
static int parse_ok(lesson *l, const char *text) {
    int rc = parse_all(l, text);
    CHECKF(rc == 0, "unexpected errors:\n%s", all);
    return rc == 0;
}

/* The first error (lesson_parse) must be "t.md:LINE: ..." containing want;
 * and lesson_parse_report must report it too. */
#define EXPECT_ERROR(text, line, want) expect_error(__LINE__, (text), (line), (want))
static void expect_error(int at, const char *text, size_t line, const char *want) {
    lesson l;
    char err[512] = "unset";
    int rc = lesson_parse(&l, text, strlen(text), "t.md", trained_shape, err, sizeof err);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "t.md:%zu: ", line);
    CHECKF(rc == 2, "test line %d: want an error, got rc %d", at, rc);
    CHECKF(strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, want) != NULL,
           "test line %d: got \"%s\", want \"%s%s\"", at, err, prefix, want);
    CHECKF(l.n_steps == 0 && l.steps == NULL && l.title == NULL, "test line %d: lesson not empty",
           at);
    lesson_free(&l);
}

/* Some error of the file, not necessarily the first. */
#define EXPECT_SOME_ERROR(text, line, want) expect_some_error(__LINE__, (text), (line), (want))
static void expect_some_error(int at, const char *text, size_t line, const char *want) {
    lesson l;
    int rc = parse_all(&l, text);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "t.md:%zu: ", line);
    bool found = false;
    for (const char *p = all; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char one[1024];
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        if (strncmp(one, prefix, strlen(prefix)) == 0 && strstr(one, want)) found = true;
        p += n + (nl ? 1 : 0);
    }
    CHECKF(rc == 2 && found, "test line %d: want \"%s%s\" among:\n%s", at, prefix, want, all);
    lesson_free(&l);
}

/* A lesson around one step's block: "# T\n\nSummary.\n\n## S\n\nText.\n\n" + block. */
#define HEAD "# T\n\nSummary.\n\n## S\n\nText.\n\n"
#define HEAD_LINES 8 /* the block starts on line 9 */

/* ---- a complete lesson, field by field ----------------------------------------- */

static const char *full =
    "# Attention as a soft lookup\n"                          /* 1 */
    "\n"                                                      /* 2 */
    "One query compares itself with every key;\n"             /* 3 */
    "the softmax says how much of each value to take.\n"      /* 4 */
    "\n"                                                      /* 5 */
    "This paragraph is an introduction, not the summary.\n"   /* 6 */
    "\n"                                                      /* 7 */
    "## One query, many keys\n"                               /* 8 */
    "\n"                                                      /* 9 */
    "The row of \"{{token 8}}\" holds {{n}} scores.\n"        /* 10 */
    "<!-- a teacher's note, not shown -->\n"                  /* 11 */
    "\n"                                                      /* 12 */
    "```attnviz\n"                                            /* 13 */
    "sentence: The cat sat on the mat because it was tired.\n"/* 14 */
    "heads: 8\n"                                              /* 15 */
    "d_model: 64\n"                                           /* 16 */
    "kv_heads: 2\n"                                           /* 17 */
    "causal: on\n"                                            /* 18 */
    "scale: off\n"                                            /* 19 */
    "temperature: 0.5\n"                                      /* 20 */
    "seed: 7\n"                                               /* 21 */
    "weights: mechanics\n"                                    /* 22 */
    "stage: softmax\n"                                        /* 23 */
    "progress: 1\n"                                           /* 24 */
    "view: focus\n"                                           /* 25 */
    "head: 3\n"                                               /* 26 */
    "highlight: token 2\n"                                    /* 27 */
    "highlight: token it\n"                                   /* 28 */
    "highlight: row 8\n"                                      /* 29 */
    "highlight: column 3\n"                                   /* 30 */
    "highlight: cell 8 11 1\n"                                /* 31 */
    "```\n"                                                   /* 32 */
    "\n"                                                      /* 33 */
    "Weight {{weight 8 8 2}}, score {{score 1 1 11}}, max {{row_max 2 8}} on\n" /* 34 */
    "{{row_argmax 2 8}}; spread {{spread_before 8}} then {{ spread_after 1 }}.\n" /* 35 */
    "\n"                                                      /* 36 */
    "```question\n"                                           /* 37 */
    "ask: How many scores does one query get? ({{n}})\n"      /* 38 */
    "choice: One\n"                                           /* 39 */
    "choice*: One per token of the sentence\n"                /* 40 */
    "choice: One per head\n"                                  /* 41 */
    "explain: A query meets every key: {{n}} of them.\n"      /* 42 */
    "```\n"                                                   /* 43 */
    "\n"                                                      /* 44 */
    "```sh\n"                                                 /* 45 */
    "## not a heading, inside code\n"                         /* 46 */
    "\n"                                                      /* 47 */
    "```\n"                                                   /* 48 */
    "\n"                                                      /* 49 */
    "\n"                                                      /* 50 */
    "## Costs\n"                                              /* 51 */
    "\n"                                                      /* 52 */
    "{{d_model}} {{heads}} {{kv_heads}} {{d_head}} {{temperature}} {{params}}\n" /* 53 */
    "{{params_one_head}} {{flops}} {{score_bytes}} {{kv_bytes_per_token}}\n"     /* 54 */
    "{{kv_cache 32 32 128 2}} in {{forward_ms}} ms.\n"        /* 55 */
    "\n"                                                      /* 56 */
    "```attnviz\n"                                            /* 57 */
    "highlight: none\n"                                       /* 58 */
    "stage: 2\n"                                              /* 59 */
    "```\n";                                                  /* 60 */

static void test_full(void) {
    lesson l;
    if (!parse_ok(&l, full)) return;
    CHECK(strcmp(l.title, "Attention as a soft lookup") == 0);
    CHECK(strcmp(l.summary, "One query compares itself with every key;\n"
                            "the softmax says how much of each value to take.") == 0);
    CHECK(l.n_steps == 2);

    const lesson_step *s = &l.steps[0];
    CHECK(strcmp(s->title, "One query, many keys") == 0);
    CHECK(s->line == 8);
    /* The blocks and the comment are taken out; one blank line stays
     * between paragraphs; the code block is kept whole; no trailing blanks. */
    CHECKF(strcmp(s->narration,
                  "The row of \"{{token 8}}\" holds {{n}} scores.\n"
                  "\n"
                  "Weight {{weight 8 8 2}}, score {{score 1 1 11}}, max {{row_max 2 8}} on\n"
                  "{{row_argmax 2 8}}; spread {{spread_before 8}} then {{ spread_after 1 }}.\n"
                  "\n"
                  "```sh\n"
                  "## not a heading, inside code\n"
                  "\n"
                  "```") == 0,
           "narration: [%s]", s->narration);

    CHECK(s->block_line == 13);
    static const size_t lines[LESSON_KEY_COUNT] = {14, 15, 16, 17, 18, 19, 20,
                                                   21, 22, 23, 24, 25, 26, 27};
    for (int k = 0; k < LESSON_KEY_COUNT; k++)
        CHECKF(s->key_line[k] == lines[k], "%s: line %zu, want %zu",
               lesson_key_name((lesson_key)k), s->key_line[k], lines[k]);
    CHECK(strcmp(s->sentence, "The cat sat on the mat because it was tired.") == 0);
    CHECK(s->heads == 8 && s->d_model == 64 && s->kv_heads == 2);
    CHECK(s->causal == true && s->scale == false);
    CHECK(s->temperature == 0.5f);
    CHECK(s->seed == 7);
    CHECK(s->weights == LESSON_WEIGHTS_MECHANICS);
    CHECK(s->stage == 6); /* softmax is stage 7 */
    CHECK(s->progress == 1.0f);
    CHECK(s->view == LESSON_VIEW_FOCUS);
    CHECK(s->head == 2); /* head 3, from 0 */
    CHECK(s->n_highlights == 5);
    if (s->n_highlights == 5) {
        const lesson_highlight *h = s->highlights;
        CHECK(h[0].kind == LESSON_HIGHLIGHT_TOKEN && h[0].i == 1 && h[0].line == 27);
        CHECK(h[1].kind == LESSON_HIGHLIGHT_TOKEN && h[1].i == 7 && h[1].line == 28); /* "it" */
        CHECK(h[2].kind == LESSON_HIGHLIGHT_ROW && h[2].i == 7);
        CHECK(h[3].kind == LESSON_HIGHLIGHT_COLUMN && h[3].j == 2);
        CHECK(h[4].kind == LESSON_HIGHLIGHT_CELL && h[4].head == 7 && h[4].i == 10 &&
              h[4].j == 0);
    }

    const lesson_question *q = &s->question;
    CHECK(q->line == 37);
    CHECK(strcmp(q->ask, "How many scores does one query get? ({{n}})") == 0 && q->ask_line == 38);
    CHECK(q->n_choices == 3 && q->right == 1);
    CHECK(strcmp(q->choices[0], "One") == 0 && q->choice_lines[0] == 39);
    CHECK(strcmp(q->choices[1], "One per token of the sentence") == 0);
    CHECK(strcmp(q->choices[2], "One per head") == 0 && q->choice_lines[2] == 41);
    CHECK(strcmp(q->explain, "A query meets every key: {{n}} of them.") == 0 &&
          q->explain_line == 42);

    /* The effective settings: everything the block said. */
    const lesson_settings *e = &s->settings;
    CHECK(e->config.d_model == 64 && e->config.n_heads == 8 && e->config.n_kv_heads == 2);
    CHECK(e->config.causal && !e->config.scale && e->config.temperature == 0.5f);
    CHECK(e->seed == 7 && e->n_tokens == 11 && e->sentence == s->sentence);
    CHECK(e->stage == 6 && e->progress == 1.0f && e->view == LESSON_VIEW_FOCUS && e->head == 2);
    CHECK(e->n_highlights == 5);

    /* Step 2: "highlight: none" and a numbered stage; the rest carries over. */
    const lesson_step *t = &l.steps[1];
    CHECK(strcmp(t->title, "Costs") == 0 && t->line == 51);
    CHECK(t->key_line[LESSON_KEY_HIGHLIGHT] == 58 && t->n_highlights == 0);
    CHECK(t->key_line[LESSON_KEY_HEADS] == 0 && t->key_line[LESSON_KEY_SENTENCE] == 0);
    CHECK(t->stage == 1 && t->question.line == 0 && t->question.ask == NULL);
    CHECK(t->sentence == NULL);
    e = &t->settings;
    CHECK(e->stage == 1 && e->n_highlights == 0 && e->progress == 0.0f);
    CHECK(e->config.n_heads == 8 && e->config.n_kv_heads == 2 && e->head == 2);
    CHECK(e->sentence == s->sentence && e->seed == 7 && e->view == LESSON_VIEW_FOCUS);

    /* The live values of step 1, as the player would walk them. */
    lesson_placeholder ph[16];
    size_t n = lesson_placeholders(s->narration, ph, 16);
    CHECK(n == 8);
    if (n == 8) {
        CHECK(ph[0].value == LESSON_VALUE_TOKEN && ph[0].n_args == 1 && ph[0].args[0] == 8);
        CHECK(strncmp(s->narration + ph[0].offset, "{{token 8}}", ph[0].len) == 0 &&
              ph[0].len == 11);
        CHECK(ph[1].value == LESSON_VALUE_N && ph[1].n_args == 0);
        CHECK(ph[2].value == LESSON_VALUE_WEIGHT && ph[2].args[0] == 8 && ph[2].args[1] == 8 &&
              ph[2].args[2] == 2);
        CHECK(ph[3].value == LESSON_VALUE_SCORE && ph[3].args[2] == 11);
        CHECK(ph[4].value == LESSON_VALUE_ROW_MAX && ph[4].n_args == 2);
        CHECK(ph[5].value == LESSON_VALUE_ROW_ARGMAX);
        CHECK(ph[6].value == LESSON_VALUE_SPREAD_BEFORE && ph[6].args[0] == 8);
        CHECK(ph[7].value == LESSON_VALUE_SPREAD_AFTER && ph[7].args[0] == 1);
        CHECK(strncmp(s->narration + ph[7].offset, "{{ spread_after 1 }}", ph[7].len) == 0);
    }
    CHECK(lesson_placeholders(s->narration, ph, 2) == 8); /* counts past max */
    n = lesson_placeholders(t->narration, ph, 16);
    CHECK(n == 12);
    if (n == 12) {
        static const lesson_value want[12] = {
            LESSON_VALUE_D_MODEL,         LESSON_VALUE_HEADS,       LESSON_VALUE_KV_HEADS,
            LESSON_VALUE_D_HEAD,          LESSON_VALUE_TEMPERATURE, LESSON_VALUE_PARAMS,
            LESSON_VALUE_PARAMS_ONE_HEAD, LESSON_VALUE_FLOPS,       LESSON_VALUE_SCORE_BYTES,
            LESSON_VALUE_KV_BYTES_PER_TOKEN, LESSON_VALUE_KV_CACHE, LESSON_VALUE_FORWARD_MS};
        for (size_t k = 0; k < 12; k++) CHECK(ph[k].value == want[k]);
        CHECK(ph[10].n_args == 4 && ph[10].args[0] == 32 && ph[10].args[3] == 2);
        for (size_t k = 0; k < 12; k++) CHECK(strcmp(lesson_value_name(ph[k].value), "") != 0);
    }
    lesson_free(&l);
    CHECK(l.steps == NULL && l.n_steps == 0 && l.title == NULL);
    lesson_free(&l); /* twice is fine */
    lesson_free(NULL);
}

/* ---- settings carry over ---------------------------------------------------------- */

static void test_carry(void) {
    lesson l;
    const char *text =
        "# Carry\n\nS.\n\n"
        "## One\n\n```attnviz\nstage: scores\nview: arcs\nhead: 2\nhighlight: row 3\n"
        "progress: 0.5\ntemperature: 2\ncausal: on\nseed: 9\n```\n\n"
        "## Two: nothing changes but progress\n\nText.\n\n"
        "## Three: heads without kv_heads is multi-head\n\n```attnviz\nheads: 8\nkv_heads: 2\n```\n"
        "## Four\n\n```attnviz\nheads: 2\n```\n"
        "## Five: a new sentence clears the highlights\n\n```attnviz\nsentence: Hi there.\n"
        "d_model: 8\n```\n";
    if (!parse_ok(&l, text)) return;
    CHECK(l.n_steps == 5);
    if (l.n_steps != 5) return;
    lesson_settings d = lesson_settings_default();
    CHECK(d.config.d_model == 32 && d.config.n_heads == 4 && d.config.n_kv_heads == 4);
    CHECK(strcmp(d.sentence, ATTN_EXAMPLE_SENTENCE) == 0 && d.n_tokens == 11 && d.seed == 42);
    CHECK(d.stage == 0 && d.view == LESSON_VIEW_HEADS && d.head == 0 && d.n_highlights == 0);

    const lesson_settings *s1 = &l.steps[0].settings, *s2 = &l.steps[1].settings;
    CHECK(s1->stage == 3 && s1->view == LESSON_VIEW_ARCS && s1->head == 1);
    CHECK(s1->progress == 0.5f && s1->config.temperature == 2.0f && s1->config.causal);
    CHECK(s1->seed == 9 && s1->n_highlights == 1 && s1->sentence == d.sentence);
    CHECK(s1->config.n_heads == 4 && s1->config.d_model == 32);
    /* Step two changes nothing: all carried but progress. */
    CHECK(s2->stage == 3 && s2->view == LESSON_VIEW_ARCS && s2->head == 1);
    CHECK(s2->progress == 0.0f);
    CHECK(s2->config.temperature == 2.0f && s2->config.causal && s2->seed == 9);
    CHECK(s2->n_highlights == 1 && s2->highlights[0].kind == LESSON_HIGHLIGHT_ROW &&
          s2->highlights[0].i == 2);
    CHECK(l.steps[1].block_line == 0);
    for (int k = 0; k < LESSON_KEY_COUNT; k++) CHECK(l.steps[1].key_line[k] == 0);

    const lesson_settings *s3 = &l.steps[2].settings, *s4 = &l.steps[3].settings;
    CHECK(s3->config.n_heads == 8 && s3->config.n_kv_heads == 2);
    CHECK(s4->config.n_heads == 2 && s4->config.n_kv_heads == 2); /* kv follows heads */
    CHECK(s4->head == 1 && s4->n_highlights == 1);

    const lesson_settings *s5 = &l.steps[4].settings;
    CHECK(strcmp(s5->sentence, "Hi there.") == 0 && s5->n_tokens == 3);
    CHECK(s5->n_highlights == 0 && s5->config.d_model == 8 && s5->config.n_heads == 2);
    lesson_free(&l);
}

/* Steps with the trained model: its sizes, the start token, layer and
 * prune, and the way back to mechanics. */
static void test_trained(void) {
    lesson_model_shape shape = {.n_layers = 3, .n_heads = 4, .d_model = 64, .n_ctx = 16};
    trained_shape = &shape;
    lesson l;
    const char *text =
        "# Trained\n\nS.\n\n"
        "## One\n\n```attnviz\nheads: 8\nhead: 7\n```\n"
        "## Two\n\n```attnviz\nweights: trained\nlayer: 3\nhead: 2\nhighlight: token it\n"
        "prune: 3.2, 1.1\n```\n"
        "## Three: carried\n\nText.\n\n"
        "## Four\n\n```attnviz\nview: model\nprune: none\nsentence: The cat sat.\n"
        "highlight: token 1\n```\n"
        "## Five: back\n\n```attnviz\nweights: mechanics\n```\n";
    if (!parse_ok(&l, text)) return;
    CHECK(l.n_steps == 5);
    if (l.n_steps != 5) return;
    const lesson_settings *s1 = &l.steps[0].settings, *s2 = &l.steps[1].settings;
    const lesson_settings *s3 = &l.steps[2].settings, *s4 = &l.steps[3].settings;
    const lesson_settings *s5 = &l.steps[4].settings;
    CHECK(s1->config.n_heads == 8 && s1->head == 6 && s1->weights == LESSON_WEIGHTS_MECHANICS);
    /* the model's sizes; head 7 of 8 does not exist with 4 heads */
    CHECK(s2->weights == LESSON_WEIGHTS_TRAINED && s2->config.n_heads == 4);
    CHECK(s2->config.d_model == 64 && s2->config.causal && s2->config.scale);
    CHECK(s2->layer == 2 && s2->n_tokens == 12); /* the start token and 11 words */
    /* "it" is word 8 of the sentence, token 9 on screen (index 8) */
    CHECK(s2->n_highlights == 1 && s2->highlights[0].i == 8);
    CHECK(s2->n_prune == 2 && s2->prune[0].layer == 2 && s2->prune[0].head == 1);
    CHECK(s2->prune[1].layer == 0 && s2->prune[1].head == 0);
    CHECK(s3->weights == LESSON_WEIGHTS_TRAINED && s3->layer == 2 && s3->n_prune == 2);
    CHECK(s3->n_tokens == 12);
    CHECK(s4->view == LESSON_VIEW_MODEL && s4->n_prune == 0 && s4->n_tokens == 5);
    CHECK(s4->n_highlights == 1 && s4->highlights[0].i == 0);
    /* back to mechanics: the sizes from before, no layer, no start token */
    CHECK(s5->weights == LESSON_WEIGHTS_MECHANICS && s5->config.n_heads == 8);
    CHECK(s5->n_tokens == 4 && s5->n_prune == 0 && s5->layer == 0);
    CHECK(s5->view == LESSON_VIEW_HEADS && s5->head == 1);
    lesson_free(&l);
    (void)s1;

    const char *head = "# T\n\nS.\n\n## One\n\n```attnviz\n";
    char buf[512];
#define TRAINED(lines) (snprintf(buf, sizeof buf, "%sweights: trained\n%s```\n", head, lines), buf)
    EXPECT_ERROR(TRAINED("heads: 8\n"), 9, "'heads' is set by the trained model: remove it, or "
                                            "use 'weights: mechanics'");
    EXPECT_ERROR(TRAINED("temperature: 2\n"), 9, "'temperature' is set by the trained model");
    /* the trained model's positions are learned: they cannot be switched off */
    EXPECT_ERROR(TRAINED("positions: off\n"), 9, "'positions' is set by the trained model");
    /* model: a GPT-2 checkpoint, checked against its published sizes */
    EXPECT_ERROR(TRAINED("model: gpt3\n"), 9, "model 'gpt3' is unknown: use shipped");
    EXPECT_ERROR(TRAINED("model: gpt2\nlayer: 13\n"), 10, "layer 13 does not exist: gpt2 has 12 "
                                                         "layers (1 to 12)");
    EXPECT_ERROR(TRAINED("model: gpt2\nhighlight: row 2\n"), 10, "a step on gpt2 shows GPT-2's "
                 "pieces, which a lesson cannot count without the tokenizer");
    EXPECT_ERROR("# T\n\nS.\n\n## One\n\n```attnviz\nmodel: gpt2\n```\n", 8,
                 "'model' names the trained weights a step runs on: add 'weights: trained'");
    {
        const char *g = "# T\n\nS.\n\n## One\n\n{{layers}} {{role 12 12}}.\n\n```attnviz\n"
                        "weights: trained\nmodel: gpt2-medium\nlayer: 24\nprune: 24.16\n```\n\n"
                        "## Two\n\nBack.\n\n```attnviz\nmodel: shipped\n```\n";
        lesson gl;
        if (parse_ok(&gl, g)) {
            const lesson_settings *g1 = &gl.steps[0].settings, *g2 = &gl.steps[1].settings;
            CHECK(g1->model && strcmp(g1->model, "gpt2-medium") == 0 &&
                  g1->config.n_heads == 16 && g1->config.d_model == 1024 && g1->layer == 23 &&
                  g1->n_prune == 1);
            /* back on the shipped model: its own sizes, the GPT-2 layer and pruning dropped */
            CHECK(g2->model == NULL && g2->config.n_heads == trained_shape->n_heads &&
                  g2->layer == 0 && g2->n_prune == 0);
        }
        lesson_free(&gl);
        EXPECT_ERROR("# T\n\nS.\n\n## One\n\n{{token 2}}.\n\n```attnviz\nweights: trained\n"
                     "model: gpt2\n```\n", 7, "a step on gpt2 shows GPT-2's pieces");
    }
    EXPECT_ERROR(TRAINED("layer: 4\n"), 9, "layer 4 does not exist: the trained model has 3 "
                                            "layers (1 to 3)");
    EXPECT_ERROR(TRAINED("prune: 3.5\n"), 9, "prune 3.5 does not exist: the trained model has "
                                              "layers 1 to 3 and heads 1 to 4");
    EXPECT_ERROR(TRAINED("prune: 3\n"), 9, "prune '3' is not LAYER.HEAD");
    EXPECT_ERROR(TRAINED("prune: 0.1\n"), 9, "prune '0.1' is not LAYER.HEAD");
    EXPECT_ERROR(TRAINED("sentence: one two three four five six seven eight nine ten eleven "
                         "twelve thirteen fourteen fifteen sixteen\n"),
                 9, "the sentence has 17 tokens with the start token, more than the trained "
                    "model's context of 16");
    EXPECT_ERROR(TRAINED("highlight: row 13\n"), 9, "highlight row: 13 is past the last token: "
                                                     "the sentence has 12 tokens (the start "
                                                     "token is token 1)");
    EXPECT_ERROR(TRAINED("head: 5\n"), 9, "head 5 does not exist: there are 4 heads");
    snprintf(buf, sizeof buf, "%slayer: 2\n```\n", head);
    EXPECT_ERROR(buf, 8, "'layer' applies to the trained model: add 'weights: trained'");
    snprintf(buf, sizeof buf, "%sview: model\n```\n", head);
    EXPECT_ERROR(buf, 8, "view: model shows the trained model's layers: add 'weights: trained'");
#undef TRAINED
    trained_shape = NULL;
}

/* ---- every error, with its line ------------------------------------------------------ */

static void test_structure_errors(void) {
    EXPECT_ERROR("", 1, "the file is empty: a lesson starts with '# Title'");
    EXPECT_ERROR("\n\n  \n", 1, "the file has no text: a lesson starts with '# Title'");
    EXPECT_ERROR("Hello.\n\n## S\n", 1, "the lesson has no title: start the file with '# Title'");
    EXPECT_ERROR("\n## S\n\nText.\n", 2, "the lesson has no title");
    EXPECT_ERROR("```attnviz\nheads: 2\n```\n", 1, "the lesson has no title");
    EXPECT_ERROR("# \n\n## S\n", 1, "the title is empty: write it after '# '");
    EXPECT_ERROR("# T\n\nS.\n\n# Again\n\n## S\n", 5,
                 "a second title (the title is at line 1): start a step with '## ', not '# '");
    EXPECT_ERROR("# Only a title\n", 1,
                 "the lesson has no steps: start each step with '## Step title'");
    EXPECT_ERROR("# T\n\nSummary.\n\nMore text.\n", 1, "the lesson has no steps");
    EXPECT_ERROR("# T\n\n##\n\nText.\n", 3, "a step heading needs a title: '## Step title'");
    EXPECT_ERROR("# T\n\nS.\n\n```attnviz\nheads: 2\n```\n\n## S\n", 5,
                 "a ```attnviz block before the first step: put it under a '## Step title' "
                 "heading");
    EXPECT_ERROR("# T\n\n```question\nask: a\n```\n## S\n", 3,
                 "a ```question block before the first step");
    EXPECT_ERROR(HEAD "```attnviz\nheads: 2\n```\n```attnviz\nheads: 4\n```\n", 12,
                 "a second ```attnviz block in this step (the first is at line 9): a step has at "
                 "most one");
    EXPECT_ERROR(HEAD "```question\nask: a\nchoice*: b\nchoice: c\nexplain: d\n```\n"
                      "```question\nask: a\n```\n",
                 15, "a second ```question block in this step (the first is at line 9)");
    EXPECT_ERROR(HEAD "```attnviz\nheads: 2\n", 9,
                 "unterminated ```attnviz block: close it with ```");
    EXPECT_ERROR(HEAD "````attnviz\nheads: 2\n```\n", 9,
                 "unterminated ```attnviz block: close it with ````");
    EXPECT_SOME_ERROR(HEAD "````attnviz\nheads: 2\n```\n", 11,
                      "this fence does not close the block opened at line 9: close it with 4 "
                      "backticks");
    EXPECT_ERROR(HEAD "```attnviz\nheads: 2\n\n## Next\n\nText.\n", 9,
                 "unterminated ```attnviz block: close it with ``` before the heading at line 12");
    EXPECT_ERROR(HEAD "```question\nask: a\n## Next\n", 9,
                 "unterminated ```question block: close it with ``` before the heading at line 11");
    EXPECT_ERROR(HEAD "```python\nprint(1)\n", 9, "unterminated code block: close it with ```");
    EXPECT_ERROR(HEAD "~~~\ncode\n", 9, "unterminated code block: close it with ~~~");
    EXPECT_ERROR(HEAD "<!-- a note\nthat goes on\n", 9,
                 "unterminated comment: '<!--' without '-->'");
    EXPECT_ERROR(HEAD "```attnvis\nheads: 2\n```\n", 9,
                 "unknown block '```attnvis' (did you mean '```attnviz'?)");
    EXPECT_ERROR(HEAD "```questoin\nask: a\n```\n", 9,
                 "unknown block '```questoin' (did you mean '```question'?)");

    /* Invalid UTF-8 and NUL bytes: the byte offset and its line. */
    const char bad[] = "# T\n\nS.\n\n## S\n\nfa\xC3\x28on\n";
    lesson l;
    char err[256];
    CHECK(lesson_parse(&l, bad, sizeof bad - 1, "t.md", NULL, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "t.md:7: invalid UTF-8 at byte 17 (0xC3 0x28 0x6F 0x6E...): save the "
                            "file as UTF-8");
    const char nul[] = "# T\n\nS.\n\n## S\n\nab\0c\n";
    CHECK(lesson_parse(&l, nul, sizeof nul - 1, "t.md", NULL, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "t.md:7: a NUL byte at byte 17: a lesson is a text file");
    const char cut[] = "# T\n\nS.\n\n## S\n\nend\xE2\x82";
    CHECK(lesson_parse(&l, cut, sizeof cut - 1, "t.md", NULL, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "t.md:7: invalid UTF-8 at byte 18 (0xE2 0x82...)");
    /* NULL text with a length, a NULL file name. */
    CHECK(lesson_parse(&l, NULL, 5, NULL, NULL, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "lesson:1: no text to read");
    CHECK(lesson_parse(&l, "", 0, NULL, NULL, NULL, 0) == 2);

    /* Live values outside steps. */
    EXPECT_ERROR("# {{n}} tokens\n\n## S\n", 1, "a live value in the title: {{...}} is computed "
                 "for a step's settings, so use it in a step's narration or question");
    EXPECT_ERROR("# T\n\nThe {{n}} tokens.\n\n## S\n", 3, "a live value in the summary");
    EXPECT_ERROR("# T\n\nS.\n\nIntro {{n}}.\n\n## S\n", 5,
                 "a live value in the introduction before the first step");
    EXPECT_ERROR("# T\n\nS.\n\n## {{n}} tokens\n", 5, "a live value in a step's title");

    /* 201 steps. */
    size_t cap = 64 + 201 * 16;
    char *many = malloc(cap);
    if (many) {
        size_t len = (size_t)snprintf(many, cap, "# T\n\nS.\n");
        for (int i = 0; i < 201; i++) len += (size_t)snprintf(many + len, cap - len, "## %d\n", i);
        EXPECT_ERROR(many, 4 + 200, "more than 200 steps: split the lesson into two");
        /* Exactly 200 are fine. */
        many[strlen(many) - strlen("## 200\n")] = '\0';
        if (parse_ok(&l, many)) CHECK(l.n_steps == 200);
        lesson_free(&l);
        free(many);
    }
}

static void test_directive_errors(void) {
#define BLOCK(lines) HEAD "```attnviz\n" lines "```\n"
    const size_t b = HEAD_LINES + 2; /* the first line inside the block */
    EXPECT_ERROR(BLOCK("haeds: 3\n"), b, "unknown directive 'haeds' (did you mean 'heads'?)");
    EXPECT_ERROR(BLOCK("d-model: 3\n"), b, "unknown directive 'd-model' (did you mean 'd_model'?)");
    EXPECT_ERROR(BLOCK("hightlight: row 1\n"), b,
                 "unknown directive 'hightlight' (did you mean 'highlight'?)");
    EXPECT_ERROR(BLOCK("colour: red\n"), b, "unknown directive 'colour': use sentence, heads, "
                 "d_model, kv_heads, causal, scale, temperature, seed, weights, stage, progress, "
                 "view, head, highlight, layer, prune, positions, model or cross");
    EXPECT_ERROR(BLOCK("explain: why\n"), b,
                 "'explain' belongs in a ```question block, not in ```attnviz");
    EXPECT_ERROR(BLOCK("heads 8\n"), b,
                 "'heads 8' is not a directive: write 'key: value', e.g. 'heads: 8'");
    EXPECT_ERROR(BLOCK("heads: 8\nheads: 2\n"), b + 1,
                 "heads is given twice in this block (first at line 10)");
    EXPECT_ERROR(BLOCK("heads: x\nheads: 2\n"), b, "heads 'x' is not a whole number: use 1 to 256");
    EXPECT_SOME_ERROR(BLOCK("heads: x\nheads: 2\n"), b + 1, "heads is given twice");
    EXPECT_ERROR(BLOCK("heads:\n"), b, "'heads:' has no value");
    EXPECT_ERROR(BLOCK("heads: 0\n"), b, "heads 0 is out of range: use 1 to 256");
    EXPECT_ERROR(BLOCK("heads: 512\n"), b, "heads 512 is out of range: use 1 to 256");
    EXPECT_ERROR(BLOCK("heads: -2\n"), b, "heads '-2' is not a whole number: use 1 to 256");
    EXPECT_ERROR(BLOCK("heads: 99999999999999999999999\n"), b,
                 "heads 99999999999999999999999 is out of range: use 1 to 256");
    EXPECT_ERROR(BLOCK("d_model: 5000\n"), b, "d_model 5000 is out of range: use 1 to 4096");
    EXPECT_ERROR(BLOCK("d_model: 3.5\n"), b, "d_model '3.5' is not a whole number: use 1 to 4096");
    EXPECT_ERROR(BLOCK("kv_heads: 0\n"), b, "kv_heads 0 is out of range: use 1 to 256");
    EXPECT_ERROR(BLOCK("causal: yes\n"), b, "causal 'yes' is not on or off");
    EXPECT_ERROR(BLOCK("scale: 1\n"), b, "scale '1' is not on or off");
    EXPECT_ERROR(BLOCK("positions: none\n"), b, "positions 'none' is not on or off");
    EXPECT_ERROR(BLOCK("temperature: 0\n"), b, "temperature 0 is out of range: use 0.01 to 100");
    EXPECT_ERROR(BLOCK("temperature: 101\n"), b, "temperature 101 is out of range");
    EXPECT_ERROR(BLOCK("temperature: -1\n"), b, "temperature -1 is out of range");
    EXPECT_ERROR(BLOCK("temperature: nan\n"), b,
                 "temperature 'nan' is not a number: use 0.01 to 100");
    EXPECT_ERROR(BLOCK("temperature: 1e2\n"), b, "temperature '1e2' is not a number");
    EXPECT_ERROR(BLOCK("temperature: 0x10\n"), b, "temperature '0x10' is not a number");
    EXPECT_ERROR(BLOCK("temperature: 1.2.3\n"), b, "temperature '1.2.3' is not a number");
    EXPECT_ERROR(BLOCK("seed: -1\n"), b,
                 "seed '-1' is not a whole number: use 0 to 9007199254740991");
    EXPECT_ERROR(BLOCK("seed: 9007199254740992\n"), b,
                 "seed 9007199254740992 is too large: use 0 to 9007199254740991");
    trained_shape = NULL;
    EXPECT_ERROR(BLOCK("weights: trained\n"), b,
                 "weights: trained needs the trained model, which could not be read");
    EXPECT_ERROR(BLOCK("weights: random\n"), b,
                 "weights 'random' is unknown: use mechanics or trained");
    EXPECT_ERROR(BLOCK("stage: 0\n"), b, "stage 0 is out of range: use 1 to 10");
    EXPECT_ERROR(BLOCK("stage: 11\n"), b, "stage 11 is out of range: use 1 to 10");
    EXPECT_ERROR(BLOCK("stage: 1x\n"), b, "stage '1x' is not a whole number: use 1 to 10");
    EXPECT_ERROR(BLOCK("stage: sotfmax\n"), b, "stage 'sotfmax' is unknown (did you mean 'softmax'?)");
    EXPECT_ERROR(BLOCK("stage: attention\n"), b, "stage 'attention' is unknown: use 1 to 10 or "
                 "embed, project, split, scores, scale, mask, softmax, weighted, concat, output");
    EXPECT_ERROR(BLOCK("progress: 1.5\n"), b, "progress 1.5 is out of range: use 0 to 1");
    EXPECT_ERROR(BLOCK("progress: half\n"), b, "progress 'half' is not a number: use 0 to 1");
    EXPECT_ERROR(BLOCK("view: fokus\n"), b, "view 'fokus' is unknown (did you mean 'focus'?)");
    EXPECT_ERROR(BLOCK("view: grid\n"), b, "view 'grid' is unknown: use heads, focus, arcs or model");
    EXPECT_ERROR(BLOCK("head: 0\n"), b, "head 0 is out of range: use 1 to 256");
    EXPECT_ERROR(BLOCK("head: 5\n"), b, "head 5 does not exist: there are 4 heads (1 to 4)");
    lesson l;
    if (parse_ok(&l, BLOCK("head: 5\nheads: 8\n"))) CHECK(l.steps[0].settings.head == 4);
    lesson_free(&l);

    /* Sentences: the tokenizer's checks, with the limit of 64 tokens. */
    EXPECT_ERROR(BLOCK("sentence: \x01 hi\n"), b,
                 "control character U+0001 at byte 0 of the sentence");
    char longer[1024] = HEAD "```attnviz\nsentence:";
    for (int i = 0; i < 70; i++) strcat(longer, " w");
    strcat(longer, "\n```\n");
    EXPECT_ERROR(longer, b, "sentence has 70 tokens, more than the limit of 64: shorten it");

    /* Combinations, at the line that made them so. */
    EXPECT_ERROR(BLOCK("heads: 3\n"), b,
                 "heads 3 does not divide d_model 32: pick a head count that divides it");
    EXPECT_ERROR(BLOCK("stage: 2\nd_model: 30\n"), b + 1, "heads 4 does not divide d_model 30");
    EXPECT_ERROR(BLOCK("d_model: 40\nheads: 3\n"), b + 1, "heads 3 does not divide d_model 40");
    EXPECT_ERROR(BLOCK("heads: 8\nkv_heads: 3\n"), b + 1,
                 "kv_heads 3 does not divide heads 8: each key/value group must serve");
    EXPECT_ERROR(BLOCK("kv_heads: 8\n"), b, "kv_heads 8 is out of range: use 1 to heads (4)");

    /* Highlights. */
    EXPECT_ERROR(BLOCK("highlight: rows 2\n"), b, "highlight 'rows' is unknown (did you mean 'row'?)");
    EXPECT_ERROR(BLOCK("highlight: word it\n"), b, "highlight 'word' is unknown: use token N, "
                 "token WORD, row N, column N, cell H I J or none");
    EXPECT_ERROR(BLOCK("highlight: row\n"), b, "highlight row '' does not fit: use row N (from 1)");
    EXPECT_ERROR(BLOCK("highlight: row x\n"), b,
                 "highlight row: 'x' is not a whole number: use row N (from 1)");
    EXPECT_ERROR(BLOCK("highlight: row 1 2\n"), b, "highlight row '1 2' does not fit");
    EXPECT_ERROR(BLOCK("highlight: cell 1 2\n"), b,
                 "highlight cell '1 2' does not fit: use cell H I J (head, row, column, from 1)");
    EXPECT_ERROR(BLOCK("highlight: token it was\n"), b, "highlight token 'it was' does not fit");
    EXPECT_ERROR(BLOCK("highlight: column 0\n"), b,
                 "highlight column '0': heads, tokens, rows and columns count from 1");
    EXPECT_ERROR(BLOCK("highlight: row 12\n"), b,
                 "highlight row: 12 is past the last token: the sentence has 11 tokens");
    EXPECT_ERROR(BLOCK("highlight: token 12\n"), b, "highlight token: 12 is past the last token");
    EXPECT_ERROR(BLOCK("highlight: column 99999999999999999999\n"), b,
                 "highlight column: 18446744073709551615 is past the last token");
    EXPECT_ERROR(BLOCK("highlight: cell 1 2 12\n"), b, "highlight cell: 12 is past the last token");
    EXPECT_ERROR(BLOCK("highlight: cell 5 1 1\n"), b,
                 "highlight cell 5 1 1: head 5 does not exist: there are 4 heads (1 to 4)");
    EXPECT_ERROR(BLOCK("highlight: token dog\n"), b,
                 "highlight token 'dog' is not in the sentence");
    {
        lesson bad;
        char e[256];
        lesson_parse(&bad, BLOCK("highlight: token dog\n"), strlen(BLOCK("highlight: token dog\n")),
                     "t.md", NULL, e, sizeof e);
        CHECKF(strstr(e, "did you mean") == NULL, "no suggestion for 'dog': %s", e);
    }
    EXPECT_ERROR(BLOCK("highlight: token robt\n"), b,
                 "highlight token 'robt' is not in the sentence (did you mean 'robot'?)");
    /* The word is looked up in the step's sentence, even when it comes later. */
    if (parse_ok(&l, BLOCK("highlight: token mat\nsentence: The cat sat on the mat.\n")))
        CHECK(l.steps[0].highlights[0].i == 5);
    lesson_free(&l);
    /* "The" and "the": spelled exactly; "." is a token too. */
    if (parse_ok(&l, BLOCK("highlight: token the\nhighlight: token .\n"))) {
        CHECK(l.steps[0].highlights[0].i == 4 && l.steps[0].highlights[1].i == 10);
    }
    lesson_free(&l);
    EXPECT_ERROR(BLOCK("highlight: none\nhighlight: row 1\n"), b + 1,
                 "this highlight cannot go with 'highlight: none' (line 10)");
    EXPECT_ERROR(BLOCK("highlight: row 1\nhighlight: none\n"), b + 1,
                 "highlight none cannot go with other highlights (line 10)");
    EXPECT_ERROR(BLOCK("highlight: none please\n"), b,
                 "highlight none takes nothing after it, not 'please'");
    char hl[2048] = HEAD "```attnviz\n";
    for (int i = 0; i < 17; i++) strcat(hl, "highlight: row 1\n");
    strcat(hl, "```\n");
    EXPECT_ERROR(hl, b + 16, "more than 16 highlights in one step");
#undef BLOCK
}

static void test_question_errors(void) {
#define QUESTION(lines) HEAD "```question\n" lines "```\n"
    const size_t q = HEAD_LINES + 1, b = q + 1;
    const char *ok = "ask: a\nchoice*: b\nchoice: c\nexplain: d\n";
    lesson l;
    if (parse_ok(&l, QUESTION("ask: a\nchoice*: b\nchoice: c\nexplain: d\n")))
        CHECK(l.steps[0].question.n_choices == 2 && l.steps[0].question.right == 0);
    lesson_free(&l);
    (void)ok;
    EXPECT_ERROR(QUESTION("choice*: b\nchoice: c\nexplain: d\n"), q,
                 "the question has no 'ask:' line");
    EXPECT_ERROR(QUESTION("ask: a\nchoice*: b\nchoice: c\n"), q,
                 "the question has no 'explain:' line");
    EXPECT_ERROR(QUESTION("ask: a\nchoice*: b\nexplain: d\n"), q,
                 "the question has 1 choice: give 2 to 6");
    EXPECT_ERROR(QUESTION("ask: a\nexplain: d\n"), q, "the question has 0 choices: give 2 to 6");
    EXPECT_ERROR(QUESTION("ask: a\nchoice: b\nchoice: c\nexplain: d\n"), q,
                 "the question has no right answer: mark it 'choice*:'");
    EXPECT_ERROR(QUESTION("ask: a\nchoice*: b\nchoice*: c\nexplain: d\n"), b + 2,
                 "a second right answer (the first choice* is at line 11): mark exactly one");
    EXPECT_ERROR(QUESTION("ask:\nchoice*: b\nchoice: c\nexplain: d\n"), b, "'ask:' has no text");
    EXPECT_ERROR(QUESTION("ask: a\nchoice*: 1\nchoice: 2\nchoice: 3\nchoice: 4\nchoice: 5\n"
                          "choice: 6\nchoice: 7\nexplain: d\n"),
                 b + 7, "more than 6 choices: the player numbers them 1 to 6");
    EXPECT_ERROR(QUESTION("ask: a\nask: again\nchoice*: b\nchoice: c\nexplain: d\n"), b + 1,
                 "ask is given twice in this question (first at line 10)");
    EXPECT_ERROR(QUESTION("ask: a\nchoice*: b\nchoice: c\nexplain: d\nexplain: e\n"), b + 4,
                 "explain is given twice in this question (first at line 13)");
    EXPECT_ERROR(QUESTION("ask: a\nchioce: b\nchoice*: c\nchoice: e\nexplain: d\n"), b + 1,
                 "unknown question key 'chioce' (did you mean 'choice'?)");
    EXPECT_ERROR(QUESTION("ask: a\nchoice+: b\nchoice*: c\nchoice: e\nexplain: d\n"), b + 1,
                 "unknown question key 'choice+' (did you mean 'choice'?)");
    EXPECT_ERROR(QUESTION("ask: a\nhint: b\nchoice*: c\nchoice: e\nexplain: d\n"), b + 1,
                 "unknown question key 'hint': use ask, choice, choice* or explain");
    EXPECT_ERROR(QUESTION("ask: a\nheads: 2\nchoice*: c\nchoice: e\nexplain: d\n"), b + 1,
                 "'heads' belongs in the ```attnviz block, not in ```question");
    EXPECT_ERROR(QUESTION("ask: a\nchoice*:\nchoice: e\nchoice: f\nexplain: d\n"), b + 1,
                 "'choice*:' has no text");
    EXPECT_SOME_ERROR(QUESTION("What is it?\nchoice*: c\nchoice: e\nexplain: d\n"), b,
                 "'What is it?' is not a question line: write 'ask:', 'choice:', 'choice*:' or "
                 "'explain:' and the text");
#undef QUESTION
}

/* ---- predictions -------------------------------------------------------------------- */

static void test_predict(void) {
#define PRED(attnviz, lines) HEAD "```attnviz\n" attnviz "```\n\n```predict\n" lines "```\n"
    lesson l;
    /* the step's block takes lines 9..11 (one directive), the prediction opens at 13 */
    const size_t pb = HEAD_LINES + 5, b = pb + 1;
    if (parse_ok(&l, PRED("stage: softmax\n", "ask: Which key, {{token 8}}?\npick: key 2 8\n"
                                              "hold: scores\nexplain: e\n"))) {
        const lesson_predict *p = &l.steps[0].predict;
        CHECK(p->line == pb && p->kind == LESSON_PREDICT_KEY && p->kind_line == b + 1);
        CHECK(p->head == 1 && p->row == 7 && p->hold == 3);
        CHECK(p->tolerance == LESSON_PREDICT_TIE && strcmp(p->ask, "Which key, {{token 8}}?") == 0);
        CHECK(strcmp(p->explain, "e") == 0 && l.steps[0].question.line == 0);
    }
    lesson_free(&l);
    if (parse_ok(&l, PRED("stage: scale\n", "ask: a\nvalue: score_scaled 1 8 2\nrange: -3 3\n"
                                            "tolerance: 10%\nexplain: e\n"))) {
        const lesson_predict *p = &l.steps[0].predict;
        lesson_placeholder ph = lesson_predict_value(p);
        CHECK(p->kind == LESSON_PREDICT_VALUE && ph.value == LESSON_VALUE_SCORE_SCALED);
        CHECK(ph.n_args == 3 && ph.args[0] == 1 && ph.args[2] == 2);
        CHECK(p->lo == -3 && p->hi == 3 && p->relative && p->tolerance > 0.099 &&
              p->tolerance < 0.101 && p->hold == -1);
    }
    lesson_free(&l);
    /* no tolerance: a twentieth of the range */
    if (parse_ok(&l, PRED("stage: scale\n", "ask: a\nvalue: weight 1 2 1\nrange: 0 1\nexplain: e\n")))
        CHECK(!l.steps[0].predict.relative && l.steps[0].predict.tolerance == 0.05);
    lesson_free(&l);
    if (parse_ok(&l, PRED("stage: softmax\n", "ask: a\npick: head weight 8 2\nexplain: e\n"))) {
        const lesson_predict *p = &l.steps[0].predict;
        CHECK(p->kind == LESSON_PREDICT_HEAD && p->measure == LESSON_MEASURE_WEIGHT);
        CHECK(p->row == 7 && p->col == 1);
    }
    lesson_free(&l);

    /* the block's own errors, each at its line */
    EXPECT_ERROR(PRED("stage: softmax\n", "pick: key 1 8\nexplain: e\n"), pb,
                 "the prediction has no 'ask:' line");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1 8\n"), pb,
                 "the prediction has no 'explain:' line");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nexplain: e\n"), pb,
                 "the prediction has no 'pick:' or 'value:' line");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npikc: key 1 8\nexplain: e\n"), b + 1,
                 "unknown prediction key 'pikc' (did you mean 'pick'?)");
    EXPECT_SOME_ERROR(PRED("stage: softmax\n", "ask: a\nchoice*: b\nexplain: e\n"), b + 1,
                 "unknown prediction key 'choice*'");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 5 8\nexplain: e\n"), b + 1,
                 "pick: key 5 8: head 5 does not exist: there are 4 heads (1 to 4)");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1 12\nexplain: e\n"), b + 1,
                 "row 12 is past the last token: the sentence has 11 tokens");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 0 8\nexplain: e\n"), b + 1,
                 "heads, rows and columns count from 1");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1\nexplain: e\n"), b + 1,
                 "pick '1' does not fit: write 'pick: key H I'");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: query 1 2\nexplain: e\n"), b + 1,
                 "pick 'query' is unknown");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: head size\nexplain: e\n"), b + 1,
                 "pick: head 'size' has no measure");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: head prune\nexplain: e\n"), b + 1,
                 "pick: head prune switches heads of the trained model off");
    EXPECT_ERROR(PRED("stage: softmax\ncausal: on\n", "ask: a\npick: head weight 2 5\nexplain: e\n"),
                 b + 2, "the causal mask gives column 5 of row 2 no weight");
    EXPECT_ERROR(PRED("stage: embed\n", "ask: a\npick: key 1 2\nexplain: e\n"), b + 1,
                 "pick: key is answered on a head's map");
    EXPECT_ERROR(PRED("stage: scores\n", "ask: a\npick: key 1 2\nhold: softmax\nexplain: e\n"),
                 b + 2, "hold: softmax comes after the step's stage scores");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1 2\nhold: sotfmax\nexplain: e\n"),
                 b + 2, "hold 'sotfmax' is unknown (did you mean 'softmax'?)");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1 2\nvalue: weight 1 2 1\n"
                                          "explain: e\n"),
                 b + 2, "a second pick: or value: (the first is at line 15)");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: wieght 1 2 1\nrange: 0 1\nexplain: e\n"),
                 b + 1, "value: unknown live value '{{wieght 1 2 1}}' (did you mean '{{weight}}'?)");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 1 2\nrange: 0 1\nexplain: e\n"),
                 b + 1, "needs 3 numbers");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 9 2 1\nrange: 0 1\nexplain: e\n"),
                 b + 1, "value: '{{weight 9 2 1}}': head 9 does not exist");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: token 2\nrange: 0 1\nexplain: e\n"),
                 b + 1, "value: 'token' is not a number to predict");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 1 2 1\nexplain: e\n"), b + 1,
                 "value: needs 'range: LO HI'");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 1 2 1\nrange: 1 0\nexplain: e\n"),
                 b + 2, "range 1 0: the first number must be the smaller");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 1 2 1\nrange: 0 x\nexplain: e\n"),
                 b + 2, "range '0 x' is not two numbers");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 1 2 1\nrange: 0 1\n"
                                          "tolerance: -1\nexplain: e\n"),
                 b + 3, "tolerance '-1' is not a positive number");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1 2\nrange: 0 1\nexplain: e\n"),
                 b + 2, "range: is the slider of 'value:', not of 'pick:'");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 1 2 1\nrange: 0 1\n"
                                          "step: 0\nexplain: e\n"),
                 b + 3, "step '0' is not a positive number");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\nvalue: weight 1 2 1\nrange: 0 1\n"
                                          "step: 2\nexplain: e\n"),
                 b + 3, "step 2 is longer than the range 0 to 1");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1 2\nstep: 1\nexplain: e\n"),
                 b + 2, "step: is the slider's, of 'value:', not of 'pick:'");
    {   /* the slider stands on lo + k·step, inside the range; exactly lo at lo */
        lesson_predict sp = {.lo = 0.0, .hi = 32.0, .step = 1.0};
        CHECK(lesson_predict_snap(&sp, 16.4) == 16.0 && lesson_predict_snap(&sp, 40.0) == 32.0);
        CHECK(lesson_predict_snap(&sp, -3.0) == 0.0 && lesson_predict_snap(&sp, 1e-17) == 0.0);
        lesson_predict dflt = {.lo = -1.0, .hi = 1.0};
        CHECK(lesson_predict_snap(&dflt, 0.013) == -1.0 + 51 * 0.02);
    }
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: {{weight 7 1 1}}\npick: key 1 2\nexplain: e\n"),
                 b, "head 7 does not exist");
    EXPECT_ERROR(PRED("stage: softmax\n", "ask: a\npick: key 1 2\nexplain: e\nexplain: f\n"),
                 b + 3, "explain is given twice in this prediction (first at line 16)");
    EXPECT_ERROR(HEAD "```question\nask: a\nchoice*: b\nchoice: c\nexplain: d\n```\n\n"
                      "```predict\nask: a\npick: key 1 2\nexplain: e\n```\n",
                 HEAD_LINES + 8, "a ```predict block in a step that has a ```question (line 9)");
    EXPECT_SOME_ERROR(HEAD "```predict\nask: a\npick: key 1 2\nexplain: e\n```\n\n"
                      "```predict\nask: a\npick: key 1 2\nexplain: e\n```\n",
                 HEAD_LINES + 7, "a second ```predict block in this step (the first is at line 9)");
    EXPECT_ERROR(HEAD "```predict\nask: a\npick: key 1 2\nexplain: e\n", HEAD_LINES + 1,
                 "unterminated ```predict block");
    EXPECT_ERROR(HEAD "```predcit\n```\n", HEAD_LINES + 1,
                 "unknown block '```predcit' (did you mean '```predict'?)");

    /* trained weights: pick: head prune on the overview */
    const lesson_model_shape shape = {.n_layers = 2, .n_heads = 4, .d_model = 128, .n_ctx = 64};
    trained_shape = &shape;
    if (parse_ok(&l, PRED("weights: trained\nview: model\n",
                          "ask: a\npick: head prune\nexplain: e\n")))
        CHECK(l.steps[0].predict.kind == LESSON_PREDICT_HEAD &&
              l.steps[0].predict.measure == LESSON_MEASURE_PRUNE);
    lesson_free(&l);
    if (parse_ok(&l, PRED("weights: trained\nview: heads\nstage: softmax\n",
                          "ask: a\npick: head prune\nexplain: e\n")))
        CHECK(l.steps[0].predict.kind == LESSON_PREDICT_HEAD);
    lesson_free(&l);
    EXPECT_ERROR(PRED("weights: trained\nstage: softmax\n", "ask: a\npick: key 1 13\nexplain: e\n"),
                 b + 2, "the sentence has 12 tokens (the start token is token 1)");
    trained_shape = NULL;
#undef PRED
}

/* ---- live values -------------------------------------------------------------------- */

static void test_live_value_errors(void) {
#define STEP(narration) "# T\n\nS.\n\n## S\n\n" narration "\n"
    const size_t ln = 7; /* the narration's first line */
    EXPECT_ERROR(STEP("It has {{nn}} tokens."), ln, "unknown live value '{{nn}}' (did you mean '{{n}}'?)");
    EXPECT_ERROR(STEP("{{wieght 1 1 1}}"), ln,
                 "unknown live value '{{wieght 1 1 1}}' (did you mean '{{weight}}'?)");
    EXPECT_ERROR(STEP("{{attention}}"), ln,
                 "unknown live value '{{attention}}': see the table in lessons/README.md");
    EXPECT_ERROR(STEP("{{}}"), ln, "an empty live value '{{}}': write a name such as {{n}}");
    EXPECT_ERROR(STEP("{{   }}"), ln, "an empty live value");
    EXPECT_ERROR(STEP("a {{n b\nc}}"), ln,
                 "unterminated '{{' in '{{n b': close the live value with '}}' on the same line");
    EXPECT_ERROR(STEP("a {{n"), ln, "unterminated '{{'");
    EXPECT_ERROR(STEP("{{n 1}}"), ln, "'{{n 1}}' takes no numbers: write {{n}}");
    EXPECT_ERROR(STEP("{{weight 1 2}}"), ln, "'{{weight 1 2}}' needs 3 numbers: write {{weight H I J}}");
    EXPECT_ERROR(STEP("{{token}}"), ln, "'{{token}}' needs 1 number: write {{token I}}");
    EXPECT_ERROR(STEP("{{token 1 2}}"), ln, "'{{token 1 2}}' needs 1 number");
    EXPECT_ERROR(STEP("{{token it}}"), ln, "'{{token it}}': 'it' is not a whole number: write {{token I}}");
    EXPECT_ERROR(STEP("{{kv_cache 32 8 128 two}}"), ln,
                 "'{{kv_cache 32 8 128 two}}': 'two' is not a whole number: write {{kv_cache L G D B}}");
    /* Ranges: the step's settings (4 heads, 11 tokens by default). */
    EXPECT_ERROR(STEP("{{weight 5 1 1}}"), ln,
                 "'{{weight 5 1 1}}': head 5 does not exist: there are 4 heads (1 to 4)");
    EXPECT_ERROR(STEP("{{score 1 12 1}}"), ln,
                 "'{{score 1 12 1}}': token 12 does not exist: the sentence has 11 tokens (1 to 11)");
    EXPECT_ERROR(STEP("{{row_max 1 0}}"), ln, "'{{row_max 1 0}}': token 0 does not exist");
    EXPECT_ERROR(STEP("{{row_argmax 0 1}}"), ln, "'{{row_argmax 0 1}}': head 0 does not exist");
    EXPECT_ERROR(STEP("{{spread_before 9}}"), ln, "head 9 does not exist");
    EXPECT_ERROR(STEP("{{spread_after 99999999999999999999999}}"), ln,
                 "'{{spread_after 18446744073709551615}}': head 18446744073709551615 does not exist");
    EXPECT_ERROR(STEP("{{token 12}}"), ln, "'{{token 12}}': token 12 does not exist");
    EXPECT_ERROR(STEP("{{kv_cache 0 8 128 2}}"), ln,
                 "'{{kv_cache 0 8 128 2}}': 0 is out of range: each number is 1 to 1000000");
    EXPECT_ERROR(STEP("{{kv_cache 1 8 128 1000001}}"), ln, "1000001 is out of range");
    /* Against the step's own settings, wherever its block is. */
    EXPECT_ERROR(STEP("{{weight 2 1 1}}\n\n```attnviz\nheads: 1\n```"), ln,
                 "'{{weight 2 1 1}}': head 2 does not exist: there are 1 heads (1 to 1)");
    EXPECT_ERROR(STEP("{{token 5}}\n\n```attnviz\nsentence: One two three.\n```"), ln,
                 "'{{token 5}}': token 5 does not exist: the sentence has 4 tokens");
    EXPECT_ERROR(STEP("Fine.\n\n```attnviz\nsentence: One two three\n```\n\nBut {{token 4}}."),
                 ln + 6, "token 4 does not exist: the sentence has 3 tokens");
    EXPECT_ERROR(STEP("ok\n\n```question\nask: {{token 12}}?\nchoice*: a\nchoice: b\n"
                      "explain: c\n```"), ln + 3, "'{{token 12}}': token 12 does not exist");
    EXPECT_ERROR(STEP("ok\n\n```question\nask: a\nchoice*: {{heads 2}}\nchoice: b\n"
                      "explain: c\n```"), ln + 4, "'{{heads 2}}' takes no numbers");
    EXPECT_ERROR(STEP("ok\n\n```question\nask: a\nchoice*: b\nchoice: c\n"
                      "explain: {{n}} and {{weight 1 1 99}}\n```"), ln + 6, "token 99 does not exist");
    /* The line of a live value after a removed block and collapsed blanks. */
    const char *after = STEP("One.\n\n```attnviz\nstage: 2\n```\n\n\n<!-- x -->\n\nTwo {{nope}}.");
    EXPECT_ERROR(after, line_at(after, "Two"), "unknown live value '{{nope}}'");
    /* Several on one line: each reported. */
    lesson l;
    CHECK(parse_all(&l, STEP("{{a}} {{n}} {{b}} {{")) == 2);
    CHECK(n_all == 3);
    CHECK_STR_CONTAINS(all, "t.md:7: unknown live value '{{a}}'");
    CHECK_STR_CONTAINS(all, "t.md:7: unknown live value '{{b}}'");
    CHECK_STR_CONTAINS(all, "t.md:7: unterminated '{{' in '{{'");
    /* "}}" alone and single braces are text. */
    if (parse_ok(&l, STEP("a }} b { c } {d}")))
        CHECK(lesson_placeholders(l.steps[0].narration, NULL, 0) == 0);
    lesson_free(&l);

    /* The iterator on its own: malformed ones are skipped, the loop goes on. */
    const char *text = "x {{n}} {{bad}} {{token 3\n{{heads}}";
    size_t pos = 0, len = strlen(text);
    lesson_placeholder ph;
    char err[256];
    CHECK(lesson_placeholder_next(text, len, &pos, &ph, err, sizeof err) == 1);
    CHECK(ph.value == LESSON_VALUE_N && ph.offset == 2 && ph.len == 5 && pos == 7 && err[0] == 0);
    CHECK(lesson_placeholder_next(text, len, &pos, &ph, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "unknown live value '{{bad}}'");
    CHECK(lesson_placeholder_next(text, len, &pos, &ph, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "unterminated");
    CHECK(lesson_placeholder_next(text, len, &pos, &ph, NULL, 0) == 1);
    CHECK(ph.value == LESSON_VALUE_HEADS);
    CHECK(lesson_placeholder_next(text, len, &pos, &ph, err, sizeof err) == 0 && pos == len);
    CHECK(lesson_placeholders(text, &ph, 1) == 2);
    /* A message quotes the text as one clean line: a terminal escape
     * (ESC, or C1's CSI) in a live value is shown as '?'. */
    const char *escapes = "{{b\x1b[2J\xc2\x9b" "1m}}";
    pos = 0;
    CHECK(lesson_placeholder_next(escapes, strlen(escapes), &pos, &ph, err, sizeof err) == -1);
    CHECKF(strstr(err, "'{{b?[2J?1m}}'") != NULL, "%s", err);
    lesson l2;
    char perr[512];
    const char *file = STEP("x {{b\x1b[2J}} y");
    CHECK(lesson_parse(&l2, file, strlen(file), "t.md", NULL, perr, sizeof perr) == 2);
    CHECKF(strstr(perr, "'{{b?[2J}}'") != NULL && strchr(perr, '\x1b') == NULL, "%s", perr);
    lesson_free(&l2);
    lesson_settings s = lesson_settings_default();
    ph.value = LESSON_VALUE_ROW_MAX;
    ph.n_args = 2;
    ph.args[0] = 4, ph.args[1] = 11;
    CHECK(lesson_placeholder_check(&ph, &s, NULL, err, sizeof err) == 0 && err[0] == '\0');
    ph.args[1] = 12;
    CHECK(lesson_placeholder_check(&ph, &s, NULL, err, sizeof err) == 2);
    CHECK_STR_CONTAINS(err, "'{{row_max 4 12}}': token 12 does not exist");
    CHECK(strcmp(lesson_value_name(LESSON_VALUE_KV_BYTES_PER_TOKEN), "kv_bytes_per_token") == 0);
    CHECK(strcmp(lesson_key_name(LESSON_KEY_D_MODEL), "d_model") == 0);
    CHECK(strcmp(lesson_stage_name(9), "output") == 0 && strcmp(lesson_stage_name(10), "?") == 0);
#undef STEP
}

/* ---- settings that become invalid by carrying over ------------------------------------- */

static void test_carried_invalid(void) {
    /* d_model 48 with 3 heads is fine; then d_model 32 leaves heads 3 behind. */
    const char *text =
        "# T\n\nS.\n\n"
        "## One\n\n```attnviz\nd_model: 48\nheads: 3\nhead: 3\nhighlight: cell 3 1 1\n```\n\n"
        "## Two\n\n```attnviz\nstage: 4\nd_model: 32\n```\n";
    EXPECT_ERROR(text, line_at(text, "d_model: 32"),
                 "heads 3 does not divide d_model 32: pick a head count that divides it");

    /* Fewer heads: the head in focus and a cell highlight no longer exist. */
    const char *fewer =
        "# T\n\nS.\n\n"
        "## One\n\n```attnviz\nheads: 8\nhead: 7\nhighlight: cell 6 1 1\nhighlight: row 2\n```\n\n"
        "## Two\n\nText {{weight 8 1 1}}.\n\n```attnviz\nheads: 2\n```\n";
    size_t heads_line = line_at(fewer, "heads: 2");
    lesson l;
    CHECK(parse_all(&l, fewer) == 2);
    CHECK(n_all == 3);
    char want[256];
    snprintf(want, sizeof want, "t.md:%zu: heads 2 leaves no head 7, the head in focus since "
             "line %zu: add 'head: N' (1 to 2) to this block", heads_line, line_at(fewer, "head: 7"));
    CHECK_STR_CONTAINS(all, want);
    snprintf(want, sizeof want, "t.md:%zu: heads 2 leaves no head 6 for 'highlight: cell 6 1 1' "
             "(line %zu): give this step its own highlights", heads_line,
             line_at(fewer, "highlight: cell"));
    CHECK_STR_CONTAINS(all, want);
    snprintf(want, sizeof want, "t.md:%zu: '{{weight 8 1 1}}': head 8 does not exist: there are "
             "2 heads (1 to 2)", line_at(fewer, "Text {{"));
    CHECK_STR_CONTAINS(all, want);
    /* Sorted by line: the narration's error (line 16) before the block's (19). */
    CHECK(strstr(all, "{{weight") < strstr(all, "leaves no head 7"));

    /* One mistake, one error: later steps keep the last good settings. */
    const char *once =
        "# T\n\nS.\n\n## One\n\n```attnviz\nheads: 3\n```\n\n## Two\n\nText.\n\n"
        "## Three\n\n{{weight 4 1 1}}\n";
    CHECK(parse_all(&l, once) == 2);
    CHECK(n_all == 1);
    CHECK_STR_CONTAINS(all, "t.md:8: heads 3 does not divide d_model 32");

    /* A new sentence clears the highlights, so a shorter one is fine... */
    const char *shorter =
        "# T\n\nS.\n\n## One\n\n```attnviz\nhighlight: row 11\n```\n\n"
        "## Two\n\n```attnviz\nsentence: Short one.\n```\n";
    if (parse_ok(&l, shorter)) CHECK(l.steps[1].settings.n_highlights == 0);
    lesson_free(&l);
    /* ...and a live value past its end is not. */
    const char *past =
        "# T\n\nS.\n\n## One\n\n{{token 11}}\n\n## Two\n\n{{token 11}}\n\n"
        "```attnviz\nsentence: Short one.\n```\n";
    EXPECT_ERROR(past, 11, "'{{token 11}}': token 11 does not exist: the sentence has 3 tokens");
}

/* ---- line endings, byte-order mark, comments --------------------------------------------- */

static void test_crlf(void) {
    const char *crlf =
        "# Title\r\n\r\nA summary\r\non two lines.\r\n\r\n## Step\r\n\r\nSome {{n}} text.\r\n"
        "\r\n```attnviz\r\nheads: 2\r\nhighlight: token it\r\n```\r\n\r\nMore.\r\n";
    lesson l;
    if (parse_ok(&l, crlf)) {
        CHECK(strcmp(l.title, "Title") == 0);
        CHECK(strcmp(l.summary, "A summary\non two lines.") == 0);
        CHECK(strcmp(l.steps[0].title, "Step") == 0);
        CHECKF(strcmp(l.steps[0].narration, "Some {{n}} text.\n\nMore.") == 0, "[%s]",
               l.steps[0].narration);
        CHECK(l.steps[0].settings.config.n_heads == 2);
        CHECK(l.steps[0].highlights[0].i == 7);
    }
    lesson_free(&l);
    EXPECT_ERROR("# T\r\n\r\nS.\r\n\r\n## S\r\n\r\n```attnviz\r\nheads: 3\r\n```\r\n", 8,
                 "heads 3 does not divide d_model 32");

    /* A byte-order mark, a comment before the title, no final newline. */
    const char *bom = "\xEF\xBB\xBF<!-- by a teacher\n-->\n# T\n\nS.\n\n## S\n\n"
                      "Text.\n<!-- one line -->\n\n```question\nask: a\nchoice*: b\nchoice: c\n"
                      "explain: d\n```";
    if (parse_ok(&l, bom)) {
        CHECK(strcmp(l.title, "T") == 0);
        CHECK(strcmp(l.steps[0].narration, "Text.") == 0);
        CHECK(l.steps[0].question.n_choices == 2);
    }
    lesson_free(&l);

    /* A file of only a title and a step: no summary, empty narration. */
    if (parse_ok(&l, "# T\n## S")) {
        CHECK(strcmp(l.summary, "") == 0 && strcmp(l.steps[0].narration, "") == 0);
        CHECK(l.steps[0].settings.config.n_heads == 4);
    }
    lesson_free(&l);
}

/* ---- all the errors of a file, sorted, capped ---------------------------------------------- */

static void test_report(void) {
    const char *text = "# T\n\nS.\n\n## A\n\n{{x}}\n\n```attnviz\nhaeds: 2\nview: x\n```\n\n"
                       "## B\n\n```question\nask: a\n```\n";
    lesson l;
    CHECK(parse_all(&l, text) == 2);
    CHECKF(strcmp(all,
                  "t.md:7: unknown live value '{{x}}': see the table in lessons/README.md\n"
                  "t.md:10: unknown directive 'haeds' (did you mean 'heads'?)\n"
                  "t.md:11: view 'x' is unknown: use heads, focus, arcs or model\n"
                  "t.md:16: the question has 0 choices: give 2 to 6\n"
                  "t.md:16: the question has no 'explain:' line\n") == 0,
           "got:\n%s", all);
    CHECK(l.n_steps == 0);

    /* More than LESSON_ERRORS_MAX: the rest are counted. */
    char *many = malloc(200 * 16 + 64);
    if (!many) return;
    strcpy(many, HEAD "```attnviz\n");
    for (int i = 0; i < 150; i++) strcat(many, "bad line\n");
    strcat(many, "```\n");
    CHECK(parse_all(&l, many) == 2);
    CHECK(n_all == LESSON_ERRORS_MAX + 1);
    CHECK_STR_CONTAINS(all, "t.md: 50 more errors not shown: fix these first\n");
    free(many);

    /* A report function of NULL is allowed. */
    CHECK(lesson_parse_report(&l, "x", 1, "t.md", NULL, NULL, NULL) == 2);
}

/* ---- files ---------------------------------------------------------------------------- */

static void test_load(void) {
    lesson l;
    all[0] = '\0';
    n_all = 0;
    CHECK(lesson_load(&l, "/nonexistent/lesson.md", NULL, collect, NULL) == ATTN_ERR_IO);
    CHECK_STR_CONTAINS(all, "/nonexistent/lesson.md: cannot read: No such file or directory");
    CHECK(n_all == 1);
    all[0] = '\0';
    CHECK(lesson_load(&l, "/", NULL, collect, NULL) != ATTN_OK);
    CHECK_STR_CONTAINS(all, "/ is not a regular file (a folder): give a lesson file");

    char path[] = "/tmp/test_lesson_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "w");
    fputs(full, f);
    fclose(f);
    if (lesson_load(&l, path, NULL, collect, NULL) == 0) CHECK(l.n_steps == 2);
    else CHECKF(0, "lesson_load of a good file: %s", all);
    lesson_free(&l);

    /* A file past 1 MB is refused without reading it all. */
    f = fopen(path, "w");
    for (int i = 0; i < 20000; i++) fputs("0123456789012345678901234567890123456789012345678901234\n", f);
    fclose(f);
    all[0] = '\0';
    CHECK(lesson_load(&l, path, NULL, collect, NULL) == 2);
    char want[128];
    snprintf(want, sizeof want, "%s:1: the file is larger than 1048576 bytes (1 MB): split the "
             "lesson", path);
    CHECK_STR_CONTAINS(all, want);
    unlink(path);
}

/* ---- 1 MB inputs: linear time -------------------------------------------------------------- */

static double seconds_since(clock_t t0) { return (double)(clock() - t0) / CLOCKS_PER_SEC; }

/* Generous: a quadratic parse of 1 MB takes minutes; a linear one
 * milliseconds, well under a second with sanitizers. */
#define SLOW 5.0

/* Fills buf (LESSON_FILE_MAX bytes) with head, then unit repeated, then tail. */
static size_t fill(char *buf, const char *head, const char *unit, const char *tail) {
    size_t len = strlen(head), ul = strlen(unit), tl = strlen(tail);
    memcpy(buf, head, len);
    while (len + ul + tl <= LESSON_FILE_MAX) memcpy(buf + len, unit, ul), len += ul;
    memcpy(buf + len, tail, tl);
    return len + tl;
}

static void timed(const char *name, const char *text, size_t len, int want_rc, const char *want) {
    lesson l;
    char err[512] = "";
    clock_t t0 = clock();
    int rc = lesson_parse(&l, text, len, "big.md", NULL, err, sizeof err);
    double secs = seconds_since(t0);
    printf("%s: %zu bytes, %.3f s\n", name, len, secs);
    CHECKF(rc == want_rc, "%s: rc %d, err %s", name, rc, err);
    if (want) CHECK_STR_CONTAINS(err, want);
    CHECKF(secs < SLOW, "%s took %.1f s", name, secs);
    if (rc == 0) {
        CHECK(l.n_steps >= 1);
        for (size_t s = 0; s < l.n_steps; s++) lesson_placeholders(l.steps[s].narration, NULL, 0);
    }
    lesson_free(&l);
}

static void test_big(void) {
    char *buf = malloc(LESSON_FILE_MAX + 2);
    if (!buf) return;
    /* 200 steps of long narration full of live values, close to 1 MB. */
    size_t len = strlen("# Big\n\nS.\n\n");
    memcpy(buf, "# Big\n\nS.\n\n", len);
    const char *para = "The {{n}} tokens and {{weight 1 2 3}} and {{token 4}} go on and on.\n";
    size_t pl = strlen(para), per_step = (LESSON_FILE_MAX - 64) / 200;
    for (int s = 0; s < 200; s++) {
        len += (size_t)sprintf(buf + len, "## Step %d\n\n", s);
        size_t start = len;
        while (len - start + pl + 64 < per_step) memcpy(buf + len, para, pl), len += pl;
        len += (size_t)sprintf(buf + len, "```attnviz\nstage: %d\nhighlight: token it\n```\n",
                               1 + s % 10);
    }
    timed("200 long steps", buf, len, 0, NULL);
    lesson l;
    if (lesson_parse(&l, buf, len, "big.md", NULL, NULL, 0) == 0) {
        CHECK(l.n_steps == 200);
        CHECK(lesson_placeholders(l.steps[199].narration, NULL, 0) > 200);
        CHECK(l.steps[199].settings.stage == 9);
    }
    lesson_free(&l);

    /* One line of 1 MB, in several places. */
    len = fill(buf, "# T\n\n## S\n\n", "word ", "\n");
    timed("1 MB line of narration", buf, len, 0, NULL);
    len = fill(buf, "# T\n\n## S\n\n", "{{", "\n");
    timed("1 MB of '{{'", buf, len, 2, "big.md:5: unterminated '{{'");
    len = fill(buf, "# T\n\n## S\n\n", "{{n}}", "\n");
    timed("1 MB of {{n}}", buf, len, 0, NULL);
    len = fill(buf, "# T\n\n## S\n\n{{weight", " 1", "}}\n");
    timed("1 MB live value", buf, len, 2, "needs 3 numbers");
    len = fill(buf, "# T\n\n## S\n\n```attnviz\nsentence: ", "a ", "\n```\n");
    timed("1 MB sentence", buf, len, 2, "more than the limit of 64");
    len = fill(buf, "# T\n\n## S\n\n```attnviz\nhighlight: token ", "abc", "\n```\n");
    timed("1 MB highlight word", buf, len, 2, "is not in the sentence");
    len = fill(buf, "# T\n\n## S\n\n```attnviz\n", "x: 1\n", "```\n");
    timed("1 MB of bad directives", buf, len, 2, "big.md:6: unknown directive 'x'");
    len = fill(buf, "# T\n\n## S\n\n<!--", " -", "\n");
    timed("1 MB comment", buf, len, 2, "unterminated comment");
    len = fill(buf, "# T\n\n## S\n\n", "\n", "");
    timed("1 MB of newlines", buf, len, 0, NULL);
    len = fill(buf, "# T\n\n## S\n\n", "```x\n```\n", "");
    timed("1 MB of fences", buf, len, 0, NULL);
    len = fill(buf, "# ", "T", "\n");
    timed("1 MB title", buf, len, 2, "the lesson has no steps");
    len = fill(buf, "# T\n\n", "## S\n", "");
    timed("steps past the limit", buf, len, 2, "big.md:203: more than 200 steps");
    len = fill(buf, "# T\n\n## S\n\n", "\xC3\xA9", "\xC3");
    timed("invalid UTF-8 at the end", buf, len, 2, "invalid UTF-8 at byte");

    /* Over the limit. */
    len = fill(buf, "# T\n\n## S\n\n", "word ", "\n");
    while (len < LESSON_FILE_MAX + 1) buf[len++] = '\n';
    timed("1 MB + 1 byte", buf, len, 2,
          "big.md:1: the file is larger than 1048576 bytes (1 MB): split the lesson");
    free(buf);
}

int main(void) {
    test_trained();
    test_full();
    test_carry();
    test_structure_errors();
    test_directive_errors();
    test_question_errors();
    test_predict();
    test_live_value_errors();
    test_carried_invalid();
    test_crlf();
    test_report();
    test_load();
    test_big();
    return check_done("test_lesson");
}
