/* The lines of a step's ```attnviz block (one "key: value" directive each)
 * and of its ```question block. Each value is checked on its own here (its
 * range, its spelling); whether the step's settings fit together is checked
 * at the end of the step (lesson_settings.c), once the whole block is read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_internal.h"

static const char *const key_names[LESSON_KEY_COUNT] = {
    [LESSON_KEY_SENTENCE] = "sentence",       [LESSON_KEY_HEADS] = "heads",
    [LESSON_KEY_D_MODEL] = "d_model",         [LESSON_KEY_KV_HEADS] = "kv_heads",
    [LESSON_KEY_CAUSAL] = "causal",           [LESSON_KEY_SCALE] = "scale",
    [LESSON_KEY_TEMPERATURE] = "temperature", [LESSON_KEY_SEED] = "seed",
    [LESSON_KEY_WEIGHTS] = "weights",         [LESSON_KEY_STAGE] = "stage",
    [LESSON_KEY_PROGRESS] = "progress",       [LESSON_KEY_VIEW] = "view",
    [LESSON_KEY_HEAD] = "head",               [LESSON_KEY_HIGHLIGHT] = "highlight",
    [LESSON_KEY_LAYER] = "layer",             [LESSON_KEY_PRUNE] = "prune",
    [LESSON_KEY_POSITIONS] = "positions",     [LESSON_KEY_MODEL] = "model",
    [LESSON_KEY_CROSS] = "cross",
};

/* The sizes of GPT-2 small, DistilGPT2, GPT-2 medium and large: layers and
 * d_model as in Radford et al. 2019 (Table 2) and Sanh et al. 2019 (half
 * of GPT-2 small's layers), heads and context as their checkpoints'
 * config.json give them. */
const char *const lesson_gpt2_names[LESSON_GPT2_MODELS] = {"gpt2", "distilgpt2", "gpt2-medium",
                                                           "gpt2-large"};
static const lesson_model_shape gpt2_shapes[LESSON_GPT2_MODELS] = {
    {12, 12, 768, 1024}, {6, 12, 768, 1024}, {24, 16, 1024, 1024}, {36, 20, 1280, 1024}};

const lesson_model_shape *lesson_gpt2_shape(const char *name) {
    for (size_t i = 0; name && i < LESSON_GPT2_MODELS; i++)
        if (strcmp(name, lesson_gpt2_names[i]) == 0) return &gpt2_shapes[i];
    return NULL;
}

const char *lesson_key_name(lesson_key k) {
    return (unsigned)k < LESSON_KEY_COUNT ? key_names[k] : "?";
}

static const char *const stage_names[LESSON_STAGES] = {
    "embed", "project", "split", "scores", "scale",
    "mask",  "softmax", "weighted", "concat", "output",
};

const char *lesson_stage_name(int stage) {
    return stage >= 0 && stage < LESSON_STAGES ? stage_names[stage] : "?";
}

static const char *const view_names[] = {"heads", "focus", "arcs", "model"};

const char *lesson_view_name(lesson_view v) {
    return (unsigned)v < sizeof view_names / sizeof view_names[0] ? view_names[v] : "?";
}
static const char *const highlight_names[] = {"token", "row", "column", "cell", "none"};
static const char *const question_keys[] = {"ask", "choice", "choice*", "explain"};

/* ---- values ----------------------------------------------------------------- */

/* A whole number in [lo, hi], or an error naming the directive. */
static bool whole_in(parser *p, size_t ln, const char *key, span v, uint64_t lo, uint64_t hi,
                     uint64_t *out) {
    char b[SHOWN_LEN];
    int rc = parse_whole(v, hi, out);
    if (rc < 0) {
        lesson_error(p, ln, "%s '%s' is not a whole number: use %llu to %llu", key, shown(v, b),
                     (unsigned long long)lo, (unsigned long long)hi);
        return false;
    }
    if (rc > 0 || *out < lo) {
        lesson_error(p, ln, "%s %s is out of range: use %llu to %llu", key, shown(v, b),
                     (unsigned long long)lo, (unsigned long long)hi);
        return false;
    }
    return true;
}

static bool real_in(parser *p, size_t ln, const char *key, span v, double lo, double hi,
                    float *out) {
    char b[SHOWN_LEN];
    double d = 0;
    if (parse_real(v, &d) != 0) {
        lesson_error(p, ln, "%s '%s' is not a number: use %g to %g", key, shown(v, b), lo, hi);
        return false;
    }
    /* Compare as the float that will be used (0.01 must pass as 0.01f). */
    float f = (float)d;
    if (!(f >= (float)lo && f <= (float)hi)) {
        lesson_error(p, ln, "%s %s is out of range: use %g to %g", key, shown(v, b), lo, hi);
        return false;
    }
    *out = f;
    return true;
}

static bool on_off(parser *p, size_t ln, const char *key, span v, bool *out) {
    char b[SHOWN_LEN];
    if (span_is(v, "on")) *out = true;
    else if (span_is(v, "off")) *out = false;
    else {
        lesson_error(p, ln, "%s '%s' is not on or off", key, shown(v, b));
        return false;
    }
    return true;
}

/* The index of v in names, or an error with "did you mean". */
static bool one_of(parser *p, size_t ln, const char *key, span v, const char *const *names,
                   size_t n, const char *list, int *out) {
    for (size_t i = 0; i < n; i++) {
        if (span_is(v, names[i])) {
            *out = (int)i;
            return true;
        }
    }
    char b[SHOWN_LEN];
    const char *near = closest_name(v, names, n);
    if (near) lesson_error(p, ln, "%s '%s' is unknown (did you mean '%s'?)", key, shown(v, b), near);
    else lesson_error(p, ln, "%s '%s' is unknown: use %s", key, shown(v, b), list);
    return false;
}

static bool sentence(parser *p, size_t ln, span v, lesson_step *st) {
    char *text = span_dup(v);
    if (!text) {
        lesson_error(p, ln, "out of memory for the sentence");
        return false;
    }
    char msg[256];
    size_t n = 0;
    attn_status s = attn_tokenize(p->new_tokens, LESSON_TOKENS_MAX, &n, text, v.len, msg,
                                  sizeof msg);
    if (s == ATTN_ERR_LIMIT) {
        lesson_error(p, ln, "sentence has %zu tokens, more than the limit of %d: shorten it", n,
                     LESSON_TOKENS_MAX);
    } else if (s != ATTN_OK) {
        lesson_error(p, ln, "%s", msg); /* "the sentence is ...", "control character ..." */
    } else {
        st->sentence = text;
        p->n_new_tokens = n;
        return true;
    }
    free(text);
    return false;
}

/* "cross: off", or the other sentence of cross-attention, tokenized as a
 * sentence is (its own limit, its own messages, naming it). */
static bool cross(parser *p, size_t ln, span v, lesson_step *st) {
    if (span_is(v, "off")) {
        st->cross_sentence = NULL;
        st->n_cross_tokens = 0;
        return true;
    }
    char *text = span_dup(v);
    if (!text) {
        lesson_error(p, ln, "out of memory for the other sentence");
        return false;
    }
    char msg[256];
    size_t n = 0;
    attn_token tokens[LESSON_TOKENS_MAX];
    attn_status s = attn_tokenize(tokens, LESSON_TOKENS_MAX, &n, text, v.len, msg, sizeof msg);
    if (s == ATTN_ERR_LIMIT) {
        lesson_error(p, ln, "cross: the other sentence has %zu tokens, more than the limit of %d: "
                     "shorten it", n, LESSON_TOKENS_MAX);
    } else if (s != ATTN_OK) {
        lesson_error(p, ln, "cross: %s", msg);
    } else {
        free(st->cross_sentence); /* not reached: a key is given once a block */
        st->cross_sentence = text;
        st->n_cross_tokens = n;
        return true;
    }
    free(text);
    return false;
}

/* "token N", "token WORD", "row N", "column N", "cell H I J" or "none". */
static bool highlight(parser *p, size_t ln, span v) {
    span rest = v;
    span what = span_word(&rest);
    int kind = 0;
    if (!one_of(p, ln, "highlight", what, highlight_names, 5,
                "token N, token WORD, row N, column N, cell H I J or none", &kind))
        return false;
    char b[SHOWN_LEN];
    if (kind == 4) { /* none */
        if (rest.len) {
            lesson_error(p, ln, "highlight none takes nothing after it, not '%s'", shown(rest, b));
            return false;
        }
        if (p->n_raw) {
            lesson_error(p, ln, "highlight none cannot go with other highlights (line %zu)",
                         p->raw[0].line);
            return false;
        }
        p->none_line = ln;
        return true;
    }
    if (p->none_line) {
        lesson_error(p, ln, "this highlight cannot go with 'highlight: none' (line %zu)",
                     p->none_line);
        return false;
    }
    if (p->n_raw == LESSON_HIGHLIGHTS_MAX) {
        lesson_error(p, ln, "more than %d highlights in one step", LESSON_HIGHLIGHTS_MAX);
        return false;
    }
    raw_highlight h = {.kind = (lesson_highlight_kind)kind, .line = ln};
    size_t want = kind == LESSON_HIGHLIGHT_CELL ? 3 : 1;
    const char *usage = kind == LESSON_HIGHLIGHT_CELL ? "cell H I J (head, row, column, from 1)"
                        : kind == LESSON_HIGHLIGHT_TOKEN ? "token N or token WORD"
                        : kind == LESSON_HIGHLIGHT_ROW   ? "row N (from 1)"
                                                         : "column N (from 1)";
    uint64_t num[3] = {0, 0, 0};
    size_t got = 0;
    span whole = rest;
    while (rest.len > 0) {
        span w = span_word(&rest);
        if (got == want) {
            got++;
            break;
        }
        int rc = parse_whole(w, UINT64_MAX, &num[got]);
        if (rc < 0 && kind == LESSON_HIGHLIGHT_TOKEN && got == 0) {
            h.word = w; /* a word, not a number */
        } else if (rc < 0) {
            lesson_error(p, ln, "highlight %s: '%s' is not a whole number: use %s",
                         highlight_names[kind], shown(w, b), usage);
            return false;
        } else if (rc > 0) {
            num[got] = UINT64_MAX; /* past any sentence: reported as out of range */
        }
        got++;
    }
    if (got != want) {
        lesson_error(p, ln, "highlight %s '%s' does not fit: use %s", highlight_names[kind],
                     shown(whole, b), usage);
        return false;
    }
    for (size_t k = 0; k < want; k++) {
        if (num[k] == 0 && h.word.len == 0) {
            lesson_error(p, ln, "highlight %s '%s': heads, tokens, rows and columns count from 1",
                         highlight_names[kind], shown(whole, b));
            return false;
        }
    }
    if (kind == LESSON_HIGHLIGHT_CELL) h.head = num[0], h.i = num[1], h.j = num[2];
    else if (kind == LESSON_HIGHLIGHT_COLUMN) h.j = num[0];
    else h.i = num[0];
    p->raw[p->n_raw++] = h;
    return true;
}

/* ---- the ```attnviz block ------------------------------------------------------ */

/* "none", or heads as LAYER.HEAD from 1, separated by commas or spaces:
 * "prune: 3.2, 3.4". Bounds are checked with the model's sizes at the end
 * of the step. */
static bool prune_list(parser *p, size_t ln, span v, lesson_step *st) {
    char b[SHOWN_LEN];
    st->n_prune = 0;
    if (span_is(v, "none")) return true;
    span rest = v;
    while (rest.len > 0) {
        size_t i = 0;
        while (i < rest.len && (rest.s[i] == ',' || rest.s[i] == ' ')) i++;
        rest = span_after(rest, i);
        if (rest.len == 0) break;
        size_t end = 0;
        while (end < rest.len && rest.s[end] != ',' && rest.s[end] != ' ') end++;
        span item = span_make(rest.s, end);
        rest = span_after(rest, end);
        const char *dot = memchr(item.s, '.', item.len);
        uint64_t l = 0, h = 0;
        if (!dot || parse_whole(span_make(item.s, (size_t)(dot - item.s)), 48, &l) != 0 ||
            parse_whole(span_make(dot + 1, item.len - (size_t)(dot - item.s) - 1), 4096, &h) !=
                0 ||
            l == 0 || h == 0) {
            lesson_error(p, ln, "prune '%s' is not LAYER.HEAD: write e.g. 'prune: 3.2, 3.4' "
                         "(from 1) or 'prune: none'", shown(item, b));
            return false;
        }
        if (st->n_prune == LESSON_PRUNE_MAX) {
            lesson_error(p, ln, "prune lists more than %d heads", LESSON_PRUNE_MAX);
            return false;
        }
        st->prune[st->n_prune++] = (lesson_head_ref){(size_t)l - 1, (size_t)h - 1};
    }
    return true;
}

void lesson_directive_line(parser *p, span line, size_t ln) {
    lesson_step *st = current_step(p);
    span t = span_trim(line);
    if (!st || t.len == 0) return;
    char b[SHOWN_LEN];
    span key, v;
    if (!split_key(t, &key, &v)) {
        lesson_error(p, ln, "'%s' is not a directive: write 'key: value', e.g. 'heads: 8'",
                     shown(t, b));
        return;
    }
    int k = -1;
    for (int i = 0; i < LESSON_KEY_COUNT; i++)
        if (span_is(key, key_names[i])) k = i;
    if (k < 0) {
        const char *near = closest_name(key, key_names, LESSON_KEY_COUNT);
        const char *q = closest_name(key, question_keys, 4);
        if (near)
            lesson_error(p, ln, "unknown directive '%s' (did you mean '%s'?)", shown(key, b), near);
        else if (q)
            lesson_error(p, ln, "'%s' belongs in a ```question block, not in ```attnviz",
                         shown(key, b));
        else {
            /* The list is made from the table, so a new directive is never left out. */
            char all[256] = "";
            size_t at = 0;
            for (int i = 0; i < LESSON_KEY_COUNT && at < sizeof all; i++)
                at += (size_t)snprintf(all + at, sizeof all - at, "%s%s",
                                       i == 0 ? "" : i == LESSON_KEY_COUNT - 1 ? " or " : ", ",
                                       key_names[i]);
            lesson_error(p, ln, "unknown directive '%s': use %s", shown(key, b), all);
        }
        return;
    }
    const char *name = key_names[k];
    if (k != LESSON_KEY_HIGHLIGHT && p->seen_line[k]) {
        lesson_error(p, ln, "%s is given twice in this block (first at line %zu)", name,
                     p->seen_line[k]);
        return;
    }
    if (!p->seen_line[k]) p->seen_line[k] = ln;
    if (v.len == 0) {
        lesson_error(p, ln, "'%s:' has no value", name);
        return;
    }

    uint64_t u = 0;
    int choice = 0;
    bool ok = false;
    switch ((lesson_key)k) {
    case LESSON_KEY_SENTENCE:
        ok = sentence(p, ln, v, st);
        break;
    case LESSON_KEY_HEADS:
        if ((ok = whole_in(p, ln, name, v, 1, ATTN_HEADS_MAX, &u))) st->heads = (size_t)u;
        break;
    case LESSON_KEY_D_MODEL:
        if ((ok = whole_in(p, ln, name, v, 1, ATTN_D_MODEL_MAX, &u))) st->d_model = (size_t)u;
        break;
    case LESSON_KEY_KV_HEADS:
        if ((ok = whole_in(p, ln, name, v, 1, ATTN_HEADS_MAX, &u))) st->kv_heads = (size_t)u;
        break;
    case LESSON_KEY_CAUSAL:
        ok = on_off(p, ln, name, v, &st->causal);
        break;
    case LESSON_KEY_SCALE:
        ok = on_off(p, ln, name, v, &st->scale);
        break;
    case LESSON_KEY_POSITIONS:
        ok = on_off(p, ln, name, v, &st->positions);
        break;
    case LESSON_KEY_CROSS:
        ok = cross(p, ln, v, st);
        break;
    case LESSON_KEY_MODEL:
        if (span_is(v, "shipped")) {
            st->model = NULL;
            ok = true;
            break;
        }
        for (size_t i = 0; i < LESSON_GPT2_MODELS && !ok; i++)
            if (span_is(v, lesson_gpt2_names[i])) st->model = lesson_gpt2_names[i], ok = true;
        if (!ok)
            lesson_error(p, ln, "model '%s' is unknown: use shipped (the trained model attnviz "
                         "ships), gpt2, distilgpt2, gpt2-medium or gpt2-large", shown(v, b));
        break;
    case LESSON_KEY_TEMPERATURE:
        ok = real_in(p, ln, name, v, ATTN_TEMPERATURE_MIN, ATTN_TEMPERATURE_MAX, &st->temperature);
        break;
    case LESSON_KEY_SEED: {
        int rc = parse_whole(v, LESSON_SEED_MAX, &u);
        if (rc < 0)
            lesson_error(p, ln, "seed '%s' is not a whole number: use 0 to %llu", shown(v, b),
                         LESSON_SEED_MAX);
        else if (rc > 0)
            lesson_error(p, ln, "seed %s is too large: use 0 to %llu", shown(v, b),
                         LESSON_SEED_MAX);
        else st->seed = u, ok = true;
        break;
    }
    case LESSON_KEY_WEIGHTS:
        if (span_is(v, "mechanics")) st->weights = LESSON_WEIGHTS_MECHANICS, ok = true;
        else if (span_is(v, "trained")) st->weights = LESSON_WEIGHTS_TRAINED, ok = true;
        else lesson_error(p, ln, "weights '%s' is unknown: use mechanics or trained", shown(v, b));
        break;
    case LESSON_KEY_LAYER:
        if ((ok = whole_in(p, ln, name, v, 1, 48, &u))) st->layer = (size_t)u - 1;
        break;
    case LESSON_KEY_PRUNE:
        ok = prune_list(p, ln, v, st);
        break;
    case LESSON_KEY_STAGE:
        /* 1-10, or a name. */
        if (parse_whole(v, 99, &u) == 0 || (v.len > 0 && v.s[0] >= '0' && v.s[0] <= '9')) {
            if ((ok = whole_in(p, ln, name, v, 1, LESSON_STAGES, &u))) st->stage = (int)u - 1;
        } else {
            ok = one_of(p, ln, name, v, stage_names, LESSON_STAGES,
                        "1 to 10 or embed, project, split, scores, scale, mask, softmax, "
                        "weighted, concat, output", &choice);
            if (ok) st->stage = choice;
        }
        break;
    case LESSON_KEY_PROGRESS:
        ok = real_in(p, ln, name, v, 0.0, 1.0, &st->progress);
        break;
    case LESSON_KEY_VIEW:
        ok = one_of(p, ln, name, v, view_names, 4, "heads, focus, arcs or model", &choice);
        if (ok) st->view = (lesson_view)choice;
        break;
    case LESSON_KEY_HEAD:
        if ((ok = whole_in(p, ln, name, v, 1, ATTN_HEADS_MAX, &u))) st->head = (size_t)u - 1;
        break;
    case LESSON_KEY_HIGHLIGHT:
        ok = highlight(p, ln, v);
        break;
    case LESSON_KEY_COUNT:
        break;
    }
    /* Only a good value counts as given; a bad one has been reported. */
    if (ok && !st->key_line[k]) st->key_line[k] = ln;
}

/* ---- the ```question block ------------------------------------------------------ */

void lesson_question_line(parser *p, span line, size_t ln) {
    lesson_step *st = current_step(p);
    span t = span_trim(line);
    if (!st || t.len == 0) return;
    lesson_question *q = &st->question;
    char b[SHOWN_LEN];
    span key, v;
    if (!split_key(t, &key, &v)) {
        lesson_error(p, ln, "'%s' is not a question line: write 'ask:', 'choice:', 'choice*:' "
                     "or 'explain:' and the text", shown(t, b));
        return;
    }
    int k = -1;
    for (int i = 0; i < 4; i++)
        if (span_is(key, question_keys[i])) k = i;
    if (k < 0) {
        const char *near = closest_name(key, question_keys, 4);
        const char *d = closest_name(key, key_names, LESSON_KEY_COUNT);
        if (near)
            lesson_error(p, ln, "unknown question key '%s' (did you mean '%s'?)", shown(key, b),
                         near);
        else if (d)
            lesson_error(p, ln, "'%s' belongs in the ```attnviz block, not in ```question",
                         shown(key, b));
        else
            lesson_error(p, ln, "unknown question key '%s': use ask, choice, choice* or explain",
                         shown(key, b));
        return;
    }
    /* An empty text is reported, but still counts (as "") so that one
     * mistake does not also give "no ask" or "1 choice". */
    if (v.len == 0) lesson_error(p, ln, "'%s:' has no text", question_keys[k]);
    if (k == 0 || k == 3) { /* ask, explain: once each */
        size_t *where = k == 0 ? &q->ask_line : &q->explain_line;
        char **text = k == 0 ? &q->ask : &q->explain;
        if (*where) {
            lesson_error(p, ln, "%s is given twice in this question (first at line %zu)",
                         question_keys[k], *where);
            return;
        }
        *text = span_dup(v);
        if (!*text) {
            lesson_error(p, ln, "out of memory for the question");
            return;
        }
        *where = ln;
        return;
    }
    /* choice, choice* */
    if (q->n_choices == LESSON_CHOICES_MAX) {
        lesson_error(p, ln, "more than %d choices: the player numbers them 1 to %d",
                     LESSON_CHOICES_MAX, LESSON_CHOICES_MAX);
        return;
    }
    if (k == 2 && p->right_line) {
        /* Reported, and kept as a wrong choice so the count stays right. */
        lesson_error(p, ln, "a second right answer (the first choice* is at line %zu): mark "
                     "exactly one", p->right_line);
        k = 1;
    }
    char *text = span_dup(v);
    if (!text) {
        lesson_error(p, ln, "out of memory for the question");
        return;
    }
    if (k == 2) {
        p->right_line = ln;
        q->right = q->n_choices;
    }
    q->choice_lines[q->n_choices] = ln;
    q->choices[q->n_choices++] = text;
}

void lesson_question_end(parser *p) {
    lesson_step *st = current_step(p);
    if (!st) return;
    lesson_question *q = &st->question;
    if (!q->ask_line) lesson_error(p, q->line, "the question has no 'ask:' line");
    if (q->n_choices < LESSON_CHOICES_MIN)
        lesson_error(p, q->line, "the question has %zu choice%s: give %d to %d", q->n_choices,
                     q->n_choices == 1 ? "" : "s", LESSON_CHOICES_MIN, LESSON_CHOICES_MAX);
    if (!p->right_line && q->n_choices > 0) /* with no choices, the line above says it all */
        lesson_error(p, q->line, "the question has no right answer: mark it 'choice*:'");
    if (!q->explain_line) lesson_error(p, q->line, "the question has no 'explain:' line");
}
