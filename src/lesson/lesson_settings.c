/* The settings in effect for each step: the previous step's, changed by what
 * this step's block names (the rules are at the top of lesson.h). Every
 * setting that cannot apply is reported at the line that made it so, and
 * the previous value is kept, so that one mistake gives one error rather
 * than one per later step. */
#include <stdio.h>
#include <string.h>

#include "lesson_internal.h"

lesson_settings lesson_settings_default(void) {
    lesson_settings s;
    memset(&s, 0, sizeof s);
    s.config = attn_config_default();
    s.seed = ATTN_EXAMPLE_SEED;
    s.sentence = ATTN_EXAMPLE_SENTENCE;
    attn_token tokens[LESSON_TOKENS_MAX];
    attn_tokenize(tokens, LESSON_TOKENS_MAX, &s.n_tokens, s.sentence, strlen(s.sentence), NULL, 0);
    s.weights = LESSON_WEIGHTS_MECHANICS;
    s.stage = 0;
    s.progress = 0.0f;
    s.view = LESSON_VIEW_HEADS;
    s.head = 0;
    s.n_highlights = 0;
    s.positions = true;
    return s;
}

/* The line to blame for a bad combination of d_model, heads, kv_heads and
 * temperature: the directive of the setting to change when this block
 * gives it, else the first of the four it gives, else the block. */
static size_t blame_line(const lesson_step *st, attn_setting bad) {
    lesson_key first = bad == ATTN_SETTING_D_MODEL       ? LESSON_KEY_D_MODEL
                       : bad == ATTN_SETTING_KV_HEADS    ? LESSON_KEY_KV_HEADS
                       : bad == ATTN_SETTING_TEMPERATURE ? LESSON_KEY_TEMPERATURE
                                                         : LESSON_KEY_HEADS;
    if (st->key_line[first]) return st->key_line[first];
    static const lesson_key order[] = {LESSON_KEY_HEADS, LESSON_KEY_D_MODEL, LESSON_KEY_KV_HEADS,
                                       LESSON_KEY_TEMPERATURE};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (st->key_line[order[i]]) return st->key_line[order[i]];
    return st->block_line ? st->block_line : st->line;
}

static void apply_config(parser *p, lesson_step *st, lesson_settings *s) {
    const size_t *given = st->key_line;
    attn_config c = s->config;
    if (given[LESSON_KEY_D_MODEL]) c.d_model = st->d_model;
    if (given[LESSON_KEY_HEADS]) {
        c.n_heads = st->heads;
        c.n_kv_heads = st->heads; /* multi-head unless the block says otherwise */
    }
    if (given[LESSON_KEY_KV_HEADS]) c.n_kv_heads = st->kv_heads;
    if (given[LESSON_KEY_CAUSAL]) c.causal = st->causal;
    if (given[LESSON_KEY_SCALE]) c.scale = st->scale;
    if (given[LESSON_KEY_TEMPERATURE]) c.temperature = st->temperature;

    /* The core's message names settings as the directives do ("heads 3
     * does not divide d_model 32"), so it is shown as it is. */
    char msg[256];
    attn_setting bad;
    if (attn_config_check(&c, &bad, msg, sizeof msg) != ATTN_OK) {
        lesson_error(p, blame_line(st, bad), "%s", msg);
        /* Keep the previous sizes (they were valid); the switches apply. */
        c.d_model = s->config.d_model;
        c.n_heads = s->config.n_heads;
        c.n_kv_heads = s->config.n_kv_heads;
    }
    s->config = c;
}

/* "token 3", "cell 2 1 5": a highlight as written, for messages. */
static void describe(const lesson_highlight *h, char *out, size_t n) {
    switch (h->kind) {
    case LESSON_HIGHLIGHT_TOKEN: snprintf(out, n, "token %zu", h->i + 1); break;
    case LESSON_HIGHLIGHT_ROW: snprintf(out, n, "row %zu", h->i + 1); break;
    case LESSON_HIGHLIGHT_COLUMN: snprintf(out, n, "column %zu", h->j + 1); break;
    case LESSON_HIGHLIGHT_CELL:
        snprintf(out, n, "cell %zu %zu %zu", h->head + 1, h->i + 1, h->j + 1);
        break;
    }
}

/* The block's highlights against the step's sentence and heads. */
static void resolve_highlights(parser *p, lesson_step *st, const lesson_settings *s) {
    /* With trained weights token 1 is the start token: the sentence's words
     * are tokens 2.. on screen, and a word is found one further on. */
    size_t start = s->weights == LESSON_WEIGHTS_TRAINED ? 1 : 0;
    size_t n = s->n_tokens - start, heads = s->config.n_heads;
    char b[SHOWN_LEN];
    st->n_highlights = 0;
    if (s->model && p->n_raw > 0) {
        lesson_error(p, p->raw[0].line, "a step on %s shows GPT-2's pieces, which a lesson cannot "
                     "count without the tokenizer: leave out its highlights", s->model);
        return;
    }
    for (size_t k = 0; k < p->n_raw; k++) {
        const raw_highlight *r = &p->raw[k];
        lesson_highlight h = {.kind = r->kind, .line = r->line};
        if (r->kind == LESSON_HIGHLIGHT_TOKEN && r->word.len > 0) {
            /* The word's first occurrence, spelled exactly as in the sentence. */
            size_t found = n;
            for (size_t t = 0; t < n && found == n; t++) {
                span tok = span_make(s->sentence + p->tokens[t].offset, p->tokens[t].len);
                if (tok.len == r->word.len && memcmp(tok.s, r->word.s, tok.len) == 0) found = t;
            }
            if (found == n) {
                /* Suggest a token that is spelled almost the same. */
                const char *names[LESSON_TOKENS_MAX];
                char copies[LESSON_TOKENS_MAX][33];
                size_t m = 0;
                for (size_t t = 0; t < n; t++) {
                    if (p->tokens[t].len > 32) continue;
                    memcpy(copies[m], s->sentence + p->tokens[t].offset, p->tokens[t].len);
                    copies[m][p->tokens[t].len] = '\0';
                    names[m] = copies[m];
                    m++;
                }
                const char *near = closest_name(r->word, names, m);
                if (near)
                    lesson_error(p, r->line, "highlight token '%s' is not in the sentence (did "
                                 "you mean '%s'?)", shown(r->word, b), near);
                else
                    lesson_error(p, r->line, "highlight token '%s' is not in the sentence",
                                 shown(r->word, b));
                continue;
            }
            h.i = found + start;
        } else {
            /* Numbers from the file count from 1 (0 was refused when read). */
            if (r->kind == LESSON_HIGHLIGHT_CELL && r->head > heads) {
                lesson_error(p, r->line, "highlight cell %llu %llu %llu: head %llu does not exist: "
                             "there are %zu heads (1 to %zu)", (unsigned long long)r->head,
                             (unsigned long long)r->i, (unsigned long long)r->j,
                             (unsigned long long)r->head, heads, heads);
                continue;
            }
            /* columns are keys: the other sentence's tokens with cross-attention */
            size_t keys = s->cross_sentence ? s->n_cross_tokens : n + start;
            if (s->cross_sentence &&
                (r->kind == LESSON_HIGHLIGHT_COLUMN || r->kind == LESSON_HIGHLIGHT_CELL) &&
                r->j > keys) {
                lesson_error(p, r->line, "highlight %s: column %llu is past the last key: the "
                             "other sentence (cross) has %zu tokens",
                             r->kind == LESSON_HIGHLIGHT_COLUMN ? "column" : "cell",
                             (unsigned long long)r->j, keys);
                continue;
            }
            uint64_t past = r->kind == LESSON_HIGHLIGHT_COLUMN ? (s->cross_sentence ? 0 : r->j)
                            : r->kind == LESSON_HIGHLIGHT_CELL && r->j > r->i &&
                                      !s->cross_sentence
                                ? r->j
                                : r->i;
            if (past > n + start) {
                const char *what = r->kind == LESSON_HIGHLIGHT_TOKEN  ? "token"
                                   : r->kind == LESSON_HIGHLIGHT_ROW  ? "row"
                                   : r->kind == LESSON_HIGHLIGHT_COLUMN ? "column"
                                                                       : "cell";
                lesson_error(p, r->line, "highlight %s: %llu is past the last token: the "
                             "sentence has %zu tokens%s", what, (unsigned long long)past,
                             n + start, start ? " (the start token is token 1)" : "");
                continue;
            }
            h.head = r->kind == LESSON_HIGHLIGHT_CELL ? (size_t)r->head - 1 : 0;
            h.i = r->kind == LESSON_HIGHLIGHT_COLUMN ? 0 : (size_t)r->i - 1;
            h.j = r->kind == LESSON_HIGHLIGHT_COLUMN || r->kind == LESSON_HIGHLIGHT_CELL
                      ? (size_t)r->j - 1
                      : 0;
        }
        st->highlights[st->n_highlights++] = h;
    }
}

/* The sizes of the model a trained step runs on: a GPT-2 checkpoint's
 * published ones, or the shipped model's (NULL when it could not be read). */
static const lesson_model_shape *shape_of(const parser *p, const lesson_settings *s) {
    return s->model ? lesson_gpt2_shape(s->model) : p->trained;
}

/* The live values of one line against the step's settings. */
static void check_live_values(parser *p, span text, size_t ln, const lesson_settings *s) {
    size_t pos = 0;
    char msg[256];
    lesson_placeholder ph;
    for (;;) {
        int rc = lesson_placeholder_next(text.s, text.len, &pos, &ph, msg, sizeof msg);
        if (rc == 0) break;
        if (rc < 0 || lesson_placeholder_check(&ph, s, shape_of(p, s), msg, sizeof msg) != 0)
            lesson_error(p, ln, "%s", msg);
    }
}

/* A step with trained weights: the model fixes the sizes, so a block may
 * not set them; the layer and the pruned heads must exist; the sentence,
 * with the start token, must fit the context. */
static void apply_trained(parser *p, lesson_step *st, lesson_settings *s, lesson_weights before) {
    const size_t *given = st->key_line;
    const lesson_model_shape *shape = shape_of(p, s);
    size_t at = given[LESSON_KEY_WEIGHTS] ? given[LESSON_KEY_WEIGHTS] : st->line;
    static const lesson_key fixed[] = {LESSON_KEY_HEADS,  LESSON_KEY_D_MODEL,
                                       LESSON_KEY_KV_HEADS, LESSON_KEY_CAUSAL,
                                       LESSON_KEY_SCALE,  LESSON_KEY_TEMPERATURE,
                                       LESSON_KEY_SEED,   LESSON_KEY_POSITIONS};
    for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++)
        if (given[fixed[k]])
            lesson_error(p, given[fixed[k]], "'%s' is set by the trained model: remove it, or "
                         "use 'weights: mechanics'", lesson_key_name(fixed[k]));
    if (!shape) {
        lesson_error(p, at, "weights: trained needs the trained model, which could not be read "
                     "(assets/models/attnviz-heads.safetensors)");
        return;
    }
    /* the words of the sentence, then the start token before them */
    size_t words = given[LESSON_KEY_SENTENCE] || before != LESSON_WEIGHTS_TRAINED
                       ? s->n_tokens
                       : s->n_tokens - 1;
    s->n_tokens = words + 1;
    if (before != LESSON_WEIGHTS_TRAINED) {
        p->mechanics_config = s->config;
        s->n_highlights = 0;
        s->layer = 0;
        s->n_prune = 0;
    }
    attn_config c = {.d_model = shape->d_model, .n_heads = shape->n_heads,
                     .n_kv_heads = shape->n_heads, .causal = true, .scale = true,
                     .temperature = 1.0f};
    s->config = c;
    if (s->n_tokens > shape->n_ctx)
        lesson_error(p, given[LESSON_KEY_SENTENCE] ? given[LESSON_KEY_SENTENCE] : at,
                     "the sentence has %zu tokens with the start token, more than the trained "
                     "model's context of %zu: shorten it", s->n_tokens, shape->n_ctx);
    if (given[LESSON_KEY_LAYER]) {
        p->layer_line = given[LESSON_KEY_LAYER];
        if (st->layer >= shape->n_layers)
            lesson_error(p, given[LESSON_KEY_LAYER], "layer %zu does not exist: %s has %zu "
                         "layers (1 to %zu)", st->layer + 1,
                         s->model ? s->model : "the trained model", shape->n_layers,
                         shape->n_layers);
        else
            s->layer = st->layer;
    }
    if (given[LESSON_KEY_PRUNE]) {
        s->n_prune = 0;
        for (size_t k = 0; k < st->n_prune; k++) {
            const lesson_head_ref *h = &st->prune[k];
            if (h->layer >= shape->n_layers || h->head >= shape->n_heads) {
                lesson_error(p, given[LESSON_KEY_PRUNE], "prune %zu.%zu does not exist: %s has "
                             "layers 1 to %zu and heads 1 to %zu", h->layer + 1, h->head + 1,
                             s->model ? s->model : "the trained model", shape->n_layers,
                             shape->n_heads);
                continue;
            }
            s->prune[s->n_prune++] = *h;
        }
    }
}

/* Cross-attention: the block's other sentence, or off, else the one
 * carried. It needs the mechanics and no causal mask (across two sentences
 * there is no later word to hide); a trained step turns a carried one off. */
static void settle_cross(parser *p, const lesson_step *st, lesson_settings *s) {
    const size_t *given = st->key_line;
    if (given[LESSON_KEY_CROSS]) {
        bool changed = s->cross_sentence != st->cross_sentence;
        s->cross_sentence = st->cross_sentence;
        s->n_cross_tokens = st->n_cross_tokens;
        /* the columns the old highlights named are another sentence's now */
        if (changed) s->n_highlights = 0;
    }
    if (!s->cross_sentence) return;
    if (s->weights == LESSON_WEIGHTS_TRAINED) {
        if (given[LESSON_KEY_CROSS])
            lesson_error(p, given[LESSON_KEY_CROSS], "cross-attention runs on the mechanics "
                         "(random weights): the trained model attends within one sentence; "
                         "use 'weights: mechanics' or 'cross: off'");
        s->cross_sentence = NULL;
        s->n_cross_tokens = 0;
        return;
    }
    if (s->config.causal) {
        size_t at = given[LESSON_KEY_CAUSAL]  ? given[LESSON_KEY_CAUSAL]
                    : given[LESSON_KEY_CROSS] ? given[LESSON_KEY_CROSS]
                    : st->block_line          ? st->block_line
                                              : st->line;
        lesson_error(p, at, "causal: on hides a sentence's later words from its earlier ones, "
                     "and across two sentences (cross) there is no later: use 'causal: off' "
                     "with cross-attention");
        s->cross_sentence = NULL;
        s->n_cross_tokens = 0;
    }
}

void lesson_settle_step(parser *p, lesson_step *st) {
    lesson_settings s = p->current;
    const size_t *given = st->key_line;
    char what[64];

    /* A new sentence: its tokens, and the old highlights no longer apply. */
    if (given[LESSON_KEY_SENTENCE]) {
        s.sentence = st->sentence;
        s.n_tokens = p->n_new_tokens;
        memcpy(p->tokens, p->new_tokens, p->n_new_tokens * sizeof *p->tokens);
        s.n_highlights = 0;
    }
    size_t heads_before = s.config.n_heads;
    lesson_weights before = s.weights;
    if (given[LESSON_KEY_WEIGHTS]) s.weights = st->weights;
    if (given[LESSON_KEY_MODEL]) {
        if (s.weights == LESSON_WEIGHTS_TRAINED) {
            if (st->model != s.model) {
                /* another model: the layer and the pruned heads were the old one's */
                s.layer = 0;
                s.n_prune = 0;
            }
            s.model = st->model;
        } else
            lesson_error(p, given[LESSON_KEY_MODEL], "'model' names the trained weights a step "
                         "runs on: add 'weights: trained' to this block");
    }
    if (s.weights != LESSON_WEIGHTS_TRAINED) s.model = NULL;
    if (s.weights == LESSON_WEIGHTS_TRAINED)
        apply_trained(p, st, &s, before);
    else {
        if (before == LESSON_WEIGHTS_TRAINED) {
            /* back to mechanics: the sizes from before the trained steps */
            s.config = p->mechanics_config;
            s.layer = 0;
            s.n_prune = 0;
            if (s.head >= s.config.n_heads) s.head = 0;
            if (!given[LESSON_KEY_SENTENCE]) s.n_tokens -= 1; /* no start token */
            if (s.view == LESSON_VIEW_MODEL) s.view = LESSON_VIEW_HEADS;
            s.n_highlights = 0;
        }
        static const lesson_key trained_only[] = {LESSON_KEY_LAYER, LESSON_KEY_PRUNE};
        for (size_t k = 0; k < 2; k++)
            if (given[trained_only[k]])
                lesson_error(p, given[trained_only[k]], "'%s' applies to the trained model: add "
                             "'weights: trained' to this block", lesson_key_name(trained_only[k]));
        if (given[LESSON_KEY_VIEW] && st->view == LESSON_VIEW_MODEL)
            lesson_error(p, given[LESSON_KEY_VIEW],
                         "view: model shows the trained model's layers: add 'weights: trained'");
        apply_config(p, st, &s);
    }
    settle_cross(p, st, &s);
    size_t heads = s.config.n_heads;
    if (s.model) s.n_highlights = 0; /* carried ones counted the app's words */
    if (given[LESSON_KEY_SEED]) s.seed = st->seed;
    /* positions belong to the mechanics' X; a trained step refused them above */
    if (given[LESSON_KEY_POSITIONS] && s.weights != LESSON_WEIGHTS_TRAINED)
        s.positions = st->positions;
    if (given[LESSON_KEY_STAGE]) s.stage = st->stage;
    if (given[LESSON_KEY_VIEW] && !(st->view == LESSON_VIEW_MODEL &&
                                     s.weights != LESSON_WEIGHTS_TRAINED))
        s.view = st->view;
    s.progress = given[LESSON_KEY_PROGRESS] ? st->progress : 0.0f; /* not carried */

    /* The head in focus must exist: the block's own, or the one carried. */
    if (given[LESSON_KEY_HEAD]) {
        s.head = st->head;
        p->head_line = given[LESSON_KEY_HEAD];
        if (s.head >= heads) {
            lesson_error(p, given[LESSON_KEY_HEAD], "head %zu does not exist: there are %zu heads "
                         "(1 to %zu)", s.head + 1, heads, heads);
            s.head = 0;
        }
    } else if (s.head >= heads) {
        lesson_error(p, given[LESSON_KEY_HEADS] ? given[LESSON_KEY_HEADS] : st->line,
                     "heads %zu leaves no head %zu, the head in focus since line %zu: add "
                     "'head: N' (1 to %zu) to this block", heads, s.head + 1, p->head_line, heads);
        s.head = 0;
    }

    /* Highlights: the block's own (none clears them), or the carried ones,
     * which must still fit when the number of heads changed. */
    if (p->n_raw > 0 || p->none_line) {
        resolve_highlights(p, st, &s);
        memcpy(s.highlights, st->highlights, st->n_highlights * sizeof *s.highlights);
        s.n_highlights = st->n_highlights;
    } else if (heads != heads_before) {
        size_t kept = 0;
        for (size_t k = 0; k < s.n_highlights; k++) {
            const lesson_highlight *h = &s.highlights[k];
            if (h->kind == LESSON_HIGHLIGHT_CELL && h->head >= heads) {
                describe(h, what, sizeof what);
                lesson_error(p, given[LESSON_KEY_HEADS] ? given[LESSON_KEY_HEADS] : st->line,
                             "heads %zu leaves no head %zu for 'highlight: %s' (line %zu): give "
                             "this step its own highlights", heads, h->head + 1, what, h->line);
                continue;
            }
            s.highlights[kept++] = *h;
        }
        s.n_highlights = kept;
    }

    st->settings = s;
    p->current = s;

    /* Live values, for this step's settings: narration line by line (each
     * keeps the line it came from), then the question. */
    const char *nar = st->narration;
    size_t at = 0;
    for (size_t k = 0; k < p->n_nar_lines && nar[at]; k++) {
        const char *nl = strchr(nar + at, '\n');
        size_t end = nl ? (size_t)(nl - nar) : strlen(nar);
        check_live_values(p, span_make(nar + at, end - at), p->nar_lines[k], &s);
        if (!nl) break;
        at = end + 1;
    }
    const lesson_question *q = &st->question;
    if (q->ask) check_live_values(p, span_make(q->ask, strlen(q->ask)), q->ask_line, &s);
    for (size_t c = 0; c < q->n_choices; c++)
        check_live_values(p, span_make(q->choices[c], strlen(q->choices[c])), q->choice_lines[c],
                          &s);
    if (q->explain)
        check_live_values(p, span_make(q->explain, strlen(q->explain)), q->explain_line, &s);
    const lesson_predict *pr = &st->predict;
    if (pr->ask) check_live_values(p, span_make(pr->ask, strlen(pr->ask)), pr->ask_line, &s);
    if (pr->explain)
        check_live_values(p, span_make(pr->explain, strlen(pr->explain)), pr->explain_line, &s);
    lesson_predict_settle(p, st, &s);
}
