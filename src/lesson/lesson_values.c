/* Live values: {{name ARGS}} in a step's narration and question, which the
 * player replaces by the number computed for the step's settings. Here they
 * are only found and checked; evaluating them needs the trace (the app).
 * The names and their arguments are the table of lessons/README.md. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attnviz/tokenize.h"
#include "lesson_internal.h"

/* Each argument is a layer (1..layers of the trained model), a head
 * (1..heads), a token (1..n), a key (1..the maps' columns: the other
 * sentence's tokens with cross-attention, else n) or a positive count. */
typedef struct value_spec {
    const char *name;
    const char *args; /* one letter per argument: L layer, H head, I token, J key, P positive */
    const char *usage;
} value_spec;

static const value_spec specs[LESSON_VALUE_COUNT] = {
    [LESSON_VALUE_N] = {"n", "", "{{n}}"},
    [LESSON_VALUE_D_MODEL] = {"d_model", "", "{{d_model}}"},
    [LESSON_VALUE_HEADS] = {"heads", "", "{{heads}}"},
    [LESSON_VALUE_KV_HEADS] = {"kv_heads", "", "{{kv_heads}}"},
    [LESSON_VALUE_D_HEAD] = {"d_head", "", "{{d_head}}"},
    [LESSON_VALUE_TEMPERATURE] = {"temperature", "", "{{temperature}}"},
    [LESSON_VALUE_PARAMS] = {"params", "", "{{params}}"},
    [LESSON_VALUE_PARAMS_ONE_HEAD] = {"params_one_head", "", "{{params_one_head}}"},
    [LESSON_VALUE_FLOPS] = {"flops", "", "{{flops}}"},
    [LESSON_VALUE_SCORE_BYTES] = {"score_bytes", "", "{{score_bytes}}"},
    [LESSON_VALUE_KV_BYTES_PER_TOKEN] = {"kv_bytes_per_token", "", "{{kv_bytes_per_token}}"},
    [LESSON_VALUE_SPREAD_BEFORE] = {"spread_before", "H", "{{spread_before H}}"},
    [LESSON_VALUE_SPREAD_AFTER] = {"spread_after", "H", "{{spread_after H}}"},
    [LESSON_VALUE_WEIGHT] = {"weight", "HIJ", "{{weight H I J}}"},
    [LESSON_VALUE_SCORE] = {"score", "HIJ", "{{score H I J}}"},
    [LESSON_VALUE_ROW_MAX] = {"row_max", "HI", "{{row_max H I}}"},
    [LESSON_VALUE_ROW_ARGMAX] = {"row_argmax", "HI", "{{row_argmax H I}}"},
    [LESSON_VALUE_TOKEN] = {"token", "I", "{{token I}}"},
    [LESSON_VALUE_KV_CACHE] = {"kv_cache", "PPPP", "{{kv_cache L G D B}}"},
    [LESSON_VALUE_FORWARD_MS] = {"forward_ms", "", "{{forward_ms}}"},
    [LESSON_VALUE_SCORE_RANK] = {"score_rank", "H", "{{score_rank H}}"},
    [LESSON_VALUE_JACOBIAN_MAX] = {"jacobian_max", "HI", "{{jacobian_max H I}}"},
    [LESSON_VALUE_SCORE_SCALED] = {"score_scaled", "HIJ", "{{score_scaled H I J}}"},
    [LESSON_VALUE_N_KEYS] = {"n_keys", "", "{{n_keys}}"},
    [LESSON_VALUE_KEY_TOKEN] = {"key_token", "J", "{{key_token J}}"},
    [LESSON_VALUE_LAYER] = {"layer", "", "{{layer}}"},
    [LESSON_VALUE_LAYERS] = {"layers", "", "{{layers}}"},
    [LESSON_VALUE_ROLE] = {"role", "LH", "{{role L H}}"},
    [LESSON_VALUE_BEST_PREVIOUS] = {"best_previous", "", "{{best_previous}}"},
    [LESSON_VALUE_BEST_INDUCTION] = {"best_induction", "", "{{best_induction}}"},
    [LESSON_VALUE_BEST_ANTECEDENT] = {"best_antecedent", "", "{{best_antecedent}}"},
    [LESSON_VALUE_BEST_SUBJECT] = {"best_subject", "", "{{best_subject}}"},
    [LESSON_VALUE_HELDOUT_LOSS] = {"heldout_loss", "", "{{heldout_loss}}"},
    [LESSON_VALUE_UNIGRAM_LOSS] = {"unigram_loss", "", "{{unigram_loss}}"},
    [LESSON_VALUE_NEXT_WORD] = {"next_word", "", "{{next_word}}"},
    [LESSON_VALUE_NEXT_PROB] = {"next_prob", "", "{{next_prob}}"},
    [LESSON_VALUE_START_WEIGHT] = {"start_weight", "H", "{{start_weight H}}"},
    [LESSON_VALUE_MOST_START] = {"most_start", "", "{{most_start}}"},
    [LESSON_VALUE_STREAM_NORM] = {"stream_norm", "L", "{{stream_norm L}}"},
    [LESSON_VALUE_ATTN_ADD] = {"attn_add", "L", "{{attn_add L}}"},
    [LESSON_VALUE_MLP_ADD] = {"mlp_add", "L", "{{mlp_add L}}"},
    [LESSON_VALUE_VOCAB] = {"vocab", "", "{{vocab}}"},
    [LESSON_VALUE_MOST_PREVIOUS] = {"most_previous", "", "{{most_previous}}"},
    [LESSON_VALUE_MOST_INDUCTION] = {"most_induction", "", "{{most_induction}}"},
};

bool lesson_value_needs_trained(lesson_value v) { return v >= LESSON_VALUE_LAYER && v < LESSON_VALUE_COUNT; }

bool lesson_value_is_number(lesson_value v) {
    switch (v) {
    case LESSON_VALUE_ROW_ARGMAX: /* a token */
    case LESSON_VALUE_TOKEN:
    case LESSON_VALUE_KEY_TOKEN:
    case LESSON_VALUE_FORWARD_MS: /* a timing, different on every run */
    case LESSON_VALUE_ROLE:       /* a role's name */
    case LESSON_VALUE_BEST_PREVIOUS:
    case LESSON_VALUE_BEST_INDUCTION:
    case LESSON_VALUE_BEST_ANTECEDENT:
    case LESSON_VALUE_BEST_SUBJECT:
    case LESSON_VALUE_NEXT_WORD:
    case LESSON_VALUE_COUNT: return false;
    default: return (unsigned)v < LESSON_VALUE_COUNT;
    }
}

const char *lesson_value_name(lesson_value v) {
    return (unsigned)v < LESSON_VALUE_COUNT ? specs[v].name : "?";
}

/* Writes the message; returns -1 (lesson_placeholder_next's "malformed"). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
        /* It quotes the lesson's text, which may hold any character. */
        attn_clean_line(err);
    }
    return -1;
}

int lesson_placeholder_next(const char *text, size_t len, size_t *pos, lesson_placeholder *ph,
                            char *err, size_t err_len) {
    if (err && err_len) err[0] = '\0';
    size_t i = *pos;
    while (i + 1 < len && !(text[i] == '{' && text[i + 1] == '{')) i++;
    if (i + 1 >= len) {
        *pos = len;
        return 0;
    }
    size_t open = i;
    /* The closing "}}" on the same line. Searching stops at the first one
     * (or the end of the line), and the next search starts after it: each
     * byte is looked at once, however many "{{" a line holds. */
    size_t k = open + 2;
    while (k < len && text[k] != '\n' && !(text[k] == '}' && k + 1 < len && text[k + 1] == '}'))
        k++;
    char b[SHOWN_LEN], b2[SHOWN_LEN];
    if (k >= len || text[k] == '\n') {
        *pos = k;
        return fail(err, err_len, "unterminated '{{' in '%s': close the live value with '}}' on "
                    "the same line", shown(span_make(text + open, k - open), b));
    }
    *pos = k + 2;
    span whole = span_make(text + open, k + 2 - open);
    span rest = span_make(text + open + 2, k - open - 2);
    span name = span_word(&rest);
    if (name.len == 0)
        return fail(err, err_len, "an empty live value '%s': write a name such as {{n}}",
                    shown(whole, b));
    int v = -1;
    for (int s = 0; s < LESSON_VALUE_COUNT; s++)
        if (span_is(name, specs[s].name)) v = s;
    if (v < 0) {
        const char *names[LESSON_VALUE_COUNT];
        for (int s = 0; s < LESSON_VALUE_COUNT; s++) names[s] = specs[s].name;
        const char *near = closest_name(name, names, LESSON_VALUE_COUNT);
        if (near)
            return fail(err, err_len, "unknown live value '%s' (did you mean '{{%s}}'?)",
                        shown(whole, b), near);
        return fail(err, err_len, "unknown live value '%s': see the table in lessons/README.md",
                    shown(whole, b));
    }
    const value_spec *spec = &specs[v];
    size_t want = strlen(spec->args), got = 0;
    uint64_t args[LESSON_VALUE_ARGS_MAX] = {0};
    while (rest.len > 0) {
        span w = span_word(&rest);
        if (got < want) {
            int rc = parse_whole(w, UINT64_MAX, &args[got]);
            if (rc < 0)
                return fail(err, err_len, "'%s': '%s' is not a whole number: write %s",
                            shown(whole, b), shown(w, b2), spec->usage);
            if (rc > 0) args[got] = UINT64_MAX; /* out of any range: reported by the check */
        }
        got++;
    }
    if (got != want) {
        if (want == 0)
            return fail(err, err_len, "'%s' takes no numbers: write %s", shown(whole, b),
                        spec->usage);
        return fail(err, err_len, "'%s' needs %zu number%s: write %s", shown(whole, b), want,
                    want == 1 ? "" : "s", spec->usage);
    }
    ph->offset = open;
    ph->len = k + 2 - open;
    ph->value = (lesson_value)v;
    ph->n_args = want;
    memcpy(ph->args, args, sizeof args);
    return 1;
}

attn_status lesson_placeholder_check(const lesson_placeholder *ph, const lesson_settings *s,
                             const lesson_model_shape *trained, char *err, size_t err_len) {
    if ((unsigned)ph->value >= LESSON_VALUE_COUNT) {
        fail(err, err_len, "not a live value");
        return ATTN_ERR_INPUT;
    }
    const value_spec *spec = &specs[ph->value];
    /* The live value as written, for the message. */
    char written[128];
    size_t used = (size_t)snprintf(written, sizeof written, "{{%s", spec->name);
    for (size_t a = 0; a < ph->n_args && used < sizeof written; a++)
        used += (size_t)snprintf(written + used, sizeof written - used, " %llu",
                                 (unsigned long long)ph->args[a]);
    if (used < sizeof written) snprintf(written + used, sizeof written - used, "}}");

    if (lesson_value_needs_trained(ph->value) && s->weights != LESSON_WEIGHTS_TRAINED) {
        fail(err, err_len, "'%s' is a value of the trained model: add 'weights: trained' to the "
             "step", written);
        return ATTN_ERR_INPUT;
    }
    size_t heads = s->config.n_heads, n = s->n_tokens, keys = lesson_settings_keys(s);
    size_t layers = trained ? trained->n_layers : 0;
    for (size_t a = 0; a < ph->n_args && a < LESSON_VALUE_ARGS_MAX; a++) {
        uint64_t x = ph->args[a];
        switch (spec->args[a]) {
        case 'L':
            if (x < 1 || x > layers) {
                fail(err, err_len, "'%s': layer %llu does not exist: %s has %zu layers (1 to %zu)",
                     written, (unsigned long long)x, s->model ? s->model : "the trained model",
                     layers, layers);
                return ATTN_ERR_INPUT;
            }
            break;
        case 'H':
            if (x < 1 || x > heads) {
                fail(err, err_len, "'%s': head %llu does not exist: there are %zu heads (1 to %zu)",
                     written, (unsigned long long)x, heads, heads);
                return ATTN_ERR_INPUT;
            }
            break;
        case 'J': /* with cross-attention a key of the other sentence, else a token */
        case 'I':
            if (spec->args[a] == 'J' && s->cross_sentence) {
                if (x < 1 || x > keys) {
                    fail(err, err_len, "'%s': key %llu does not exist: the other sentence "
                         "(cross) has %zu tokens (1 to %zu)", written, (unsigned long long)x,
                         keys, keys);
                    return ATTN_ERR_INPUT;
                }
                break;
            }
            if (s->model) {
                fail(err, err_len, "'%s': a step on %s shows GPT-2's pieces, which a lesson cannot "
                     "count without the tokenizer: use values without a token number", written,
                     s->model);
                return ATTN_ERR_INPUT;
            }
            if (x < 1 || x > n) {
                fail(err, err_len, "'%s': token %llu does not exist: the sentence has %zu tokens "
                     "(1 to %zu)", written, (unsigned long long)x, n, n);
                return ATTN_ERR_INPUT;
            }
            break;
        default: /* P */
            if (x < 1 || x > LESSON_KV_CACHE_ARG_MAX) {
                fail(err, err_len, "'%s': %llu is out of range: each number is 1 to %d", written,
                     (unsigned long long)x, LESSON_KV_CACHE_ARG_MAX);
                return ATTN_ERR_INPUT;
            }
            break;
        }
    }
    if (err && err_len) err[0] = '\0';
    return ATTN_OK;
}

size_t lesson_placeholders(const char *text, lesson_placeholder *out, size_t max) {
    size_t len = strlen(text), pos = 0, count = 0;
    lesson_placeholder ph;
    for (;;) {
        int rc = lesson_placeholder_next(text, len, &pos, &ph, NULL, 0);
        if (rc == 0) break;
        if (rc < 0) continue;
        if (count < max) out[count] = ph;
        count++;
    }
    return count;
}
