/* The settings panel (see settings_panel.h), made of the widget set's
 * widgets; its sizes follow the type size, so it grows with Ctrl + and with
 * the window. */
#include "settings_panel.h"

#include "trained.h"

#include <stdio.h>
#include <string.h>

/* The sentence is edited in place by a text field. */
_Static_assert(STATE_SENTENCE_MAX <= UI_TEXT_MAX, "a text field holds the whole sentence");
_Static_assert(sizeof ((state_settings *)0)->model_path <= UI_TEXT_MAX,
               "a text field holds the whole model path");

/* The example sentences, each fitting its source, with short names for
 * their buttons. Random weights (the mechanics) take any words: the seed
 * texts. The trained model's are in its vocabulary (tests/test_examples.c
 * checks) and each shows a head's role, as measured with `attnviz dump`:
 * the previous token (1.1) on every one, "she" -> "girl" and "it" -> "robot"
 * (1.4, 2.4: the antecedent), the repeat's second half (2.4: induction). */
typedef struct example {
    const char *name, *text;
} example;
static const example mechanics_examples[] = {
    {"robot", ATTN_EXAMPLE_SENTENCE},
    {"cat", "The cat sat on the mat"},
    {"bank: loan", "The bank approved the loan yesterday."},
    {"bank: river", "The bank by the river was closed due to flooding."},
    {"\xE2\x88\x9A why?", "Why do we scale by the square root?"},
};
static const example trained_examples[] = {
    {"girl: she", STATE_START_SENTENCE},
    {"robot: it", ATTN_EXAMPLE_SENTENCE},
    {"repeat", "rusty wet hungry loud castle tiny . rusty wet hungry loud castle tiny ."},
    {"cat", "The cat sat on the mat"},
    {"bank: river", "The bank by the river was closed due to flooding."},
};
enum {
    MECHANICS_EXAMPLES = sizeof mechanics_examples / sizeof mechanics_examples[0],
    TRAINED_EXAMPLES = sizeof trained_examples / sizeof trained_examples[0],
};

static const example *examples_of(state_source source, size_t *count) {
    bool trained = source == STATE_SOURCE_TRAINED;
    *count = trained ? TRAINED_EXAMPLES : MECHANICS_EXAMPLES;
    return trained ? trained_examples : mechanics_examples;
}

size_t settings_panel_example_count(state_source source) {
    size_t count;
    examples_of(source, &count);
    return count;
}
const char *settings_panel_example(state_source source, size_t i) {
    size_t count;
    const example *e = examples_of(source, &count);
    return i < count ? e[i].text : e[0].text;
}

/* The example the draft's sentence is, in its source's list, or -1. */
static int example_index(const state_settings *d) {
    size_t count;
    const example *e = examples_of(d->source, &count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(e[i].text, d->sentence) == 0) return (int)i;
    return -1;
}

attn_status settings_panel_switch_source(settings_panel *p, app_state *s) {
    state_settings *d = &p->draft;
    *d = *state_model_wanted(&s->model); /* the switch, on what is applied */
    bool was_example = example_index(d) >= 0;
    if (d->source == STATE_SOURCE_MECHANICS) { /* keep the mechanics sizes to come back to */
        d->mechanics_config = d->config;
        d->source = STATE_SOURCE_TRAINED;
    } else {
        d->config = d->mechanics_config;
        d->source = STATE_SOURCE_MECHANICS;
    }
    /* An example of one source becomes the other's first (where each
     * starts), so a trained model's example stays in its vocabulary. */
    if (was_example)
        snprintf(d->sentence, sizeof d->sentence, "%s", settings_panel_example(d->source, 0));
    p->example = example_index(d);
    return settings_panel_apply(p, s);
}

attn_status settings_panel_toggle_cross(settings_panel *p, app_state *s) {
    char other[STATE_SENTENCE_MAX];
    snprintf(other, sizeof other, "%s", p->draft.cross_sentence);
    p->draft = *state_model_wanted(&s->model);
    snprintf(p->draft.cross_sentence, sizeof p->draft.cross_sentence, "%s",
             other[0] ? other : STATE_CROSS_EXAMPLE);
    p->draft.cross = !p->draft.cross;
    return settings_panel_apply(p, s);
}

/* The model file field shows the path it opens: the shipped model's when
 * none was given. */
static void show_model_path(state_settings *d) {
    if (d->source == STATE_SOURCE_TRAINED && !d->model_path[0])
        snprintf(d->model_path, sizeof d->model_path, "%s", state_trained_shipped_path());
}

void settings_panel_init(settings_panel *p, const app_state *s) {
    memset(p, 0, sizeof *p);
    p->draft = s->model.settings;
    show_model_path(&p->draft);
    p->example = example_index(&p->draft);
}

static const char *kind_of(size_t heads, size_t kv) {
    return kv == heads ? "multi-head" : kv == 1 ? "multi-query" : "grouped-query";
}

/* The panel's field for a setting a message is about (attn.h), or NULL. */
static const char *field_of(attn_setting s) {
    switch (s) {
    case ATTN_SETTING_SENTENCE: return "sentence";
    case ATTN_SETTING_D_MODEL: return "d_model";
    case ATTN_SETTING_HEADS: return "heads";
    case ATTN_SETTING_KV_HEADS: return "kv";
    case ATTN_SETTING_TEMPERATURE: return "temperature";
    case ATTN_SETTING_MAX_TOKENS: return "max_tokens";
    case ATTN_SETTING_CROSS: return "cross_sentence";
    default: return NULL;
    }
}

/* The label the panel shows for a setting, to name it in a sentence. */
static const char *label_of(attn_setting s) {
    switch (s) {
    case ATTN_SETTING_SENTENCE: return "Sentence";
    case ATTN_SETTING_D_MODEL: return "d_model";
    case ATTN_SETTING_HEADS: return "Heads";
    case ATTN_SETTING_KV_HEADS: return "K/V heads";
    case ATTN_SETTING_TEMPERATURE: return "Temperature";
    case ATTN_SETTING_MAX_TOKENS: return "Max tokens";
    case ATTN_SETTING_CROSS: return "Other sentence";
    default: return NULL;
    }
}

/* The settings of the draft that differ from what is applied, in words
 * ("the sentence, Heads"), into buf; "" when none does. */
static void pending_names(const state_settings *d, const state_settings *a, char *buf,
                          size_t len) {
    const char *names[12];
    int n = 0;
    if (d->source != a->source) names[n++] = "Weights";
    if (strcmp(d->sentence, a->sentence) != 0) names[n++] = "the sentence";
    if (d->source == STATE_SOURCE_TRAINED) {
        if (strcmp(state_trained_resolve(d->model_path), state_trained_resolve(a->model_path)) != 0)
            names[n++] = "Model file";
        if (d->layer != a->layer) names[n++] = "Layer";
    } else {
        if (d->config.n_heads != a->config.n_heads) names[n++] = "Heads";
        if (d->config.d_model != a->config.d_model) names[n++] = "d_model";
        if (d->config.n_kv_heads != a->config.n_kv_heads) names[n++] = "K/V heads";
        if (d->max_tokens != a->max_tokens) names[n++] = "Max tokens";
        if (d->config.causal != a->config.causal) names[n++] = "Causal mask";
        if (d->config.scale != a->config.scale) names[n++] = "Scale";
        if (d->config.temperature != a->config.temperature) names[n++] = "Temperature";
        if (d->seed != a->seed) names[n++] = "Seed";
        if (d->cross != a->cross) names[n++] = "Cross-attention";
        else if (d->cross && strcmp(d->cross_sentence, a->cross_sentence) != 0)
            names[n++] = "the other sentence";
    }
    buf[0] = '\0';
    size_t at = 0;
    for (int i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", names[i]);
    if (n == 0 && !state_settings_equal(d, a)) snprintf(buf, len, "a setting");
}

void settings_panel_close(settings_panel *p, app_state *s) {
    char what[160];
    pending_names(&p->draft, state_model_wanted(&s->model), what, sizeof what);
    if (what[0]) {
        snprintf(s->message, sizeof s->message,
                 "settings closed: not applied, so dropped: %s (P opens the panel again)", what);
        s->message_is_error = true;
    }
    p->note[0] = '\0';
}

attn_status settings_panel_apply(settings_panel *p, app_state *s) {
    char err[APP_ERR_LEN - 16]; /* room for "not applied: " in the status line */
    /* a GPT-2 reads the sentence on a thread: the window goes on drawing */
    attn_status st = state_model_apply_async(&s->model, &p->draft, &p->error_setting, err,
                                             sizeof err);
    if (st != ATTN_OK) {
        snprintf(p->error, sizeof p->error, "%s", err);
        snprintf(s->message, sizeof s->message, "not applied: %s", err);
        s->message_is_error = true;
        /* A refused change changes nothing, in the panel either: its
         * controls go back to the values in effect (the reason stays), so
         * the next change applies on those instead of carrying the refused
         * value along and failing with it. */
        p->draft = *state_model_wanted(&s->model);
        show_model_path(&p->draft);
        p->example = example_index(&p->draft);
        return st;
    }
    p->error[0] = '\0';
    p->error_setting = ATTN_SETTING_NONE;
    /* What applied, as applied: a trained model sets the sizes itself. */
    p->draft = *state_model_wanted(&s->model);
    show_model_path(&p->draft);
    if (s->model.pending) {
        /* app_model_poll finishes it; the status line shows the progress */
        snprintf(s->message, sizeof s->message, "running the model on the new settings");
        s->message_is_error = false;
        return ATTN_OK;
    }
    app_model_applied(s);
    if (s->model.trained) return ATTN_OK; /* its message says it */
    const attn_config *c = &s->model.settings.config;
    snprintf(s->message, sizeof s->message,
             "applied: %zu token%s, d_model %zu, %zu head%s (%s), d_k %zu, %s, %s, T %.2g, seed %llu",
             s->model.n, app_plural(s->model.n), c->d_model, c->n_heads, app_plural(c->n_heads), kind_of(c->n_heads, c->n_kv_heads), attn_d_head(c),
             c->causal ? "causal" : "not causal", c->scale ? "scaled" : "not scaled",
             (double)c->temperature, (unsigned long long)s->model.settings.seed);
    return ATTN_OK;
}

/* The options of a size choice: the usual values plus the current one when
 * the command line chose another. Returns the count; *at is the current. */
static int size_options(const size_t *usual, int n_usual, size_t current, size_t *out,
                        char (*names)[24], int *at) {
    int n = 0;
    bool placed = false;
    for (int i = 0; i < n_usual; i++) {
        if (!placed && current <= usual[i]) {
            if (current != usual[i]) out[n++] = current;
            placed = true;
        }
        out[n++] = usual[i];
    }
    if (!placed) out[n++] = current;
    for (int i = 0; i < n; i++) {
        snprintf(names[i], 24, "%zu", out[i]);
        if (out[i] == current) *at = i;
    }
    return n;
}

/* Flags the next widget when it is the field of the setting that kept the
 * last change from applying (ui_flag_next). */
static void flag_if_at_fault(ui_context *ui, const settings_panel *p, const char *field) {
    const char *at_fault = p->error[0] ? field_of(p->error_setting) : NULL;
    if (at_fault && strcmp(at_fault, field) == 0) ui_flag_next(ui);
}

int settings_panel_width(int w, int px) {
    int want = px * 23;
    return want < w ? want : w;
}

/* Keeps the kind of key/value sharing when the head count changes. */
static size_t kv_for(size_t old_heads, size_t old_kv, size_t heads) {
    if (old_kv == old_heads) return heads; /* multi-head stays multi-head */
    if (old_kv == 1) return 1;             /* multi-query stays multi-query */
    size_t group = old_heads / old_kv;     /* grouped: keep the group size if it fits */
    if (group < heads && heads % group == 0) return heads / group;
    return heads >= 4 ? heads / 2 : heads;
}

/* The draft's text the field named field edits ("sentence", "model_file"),
 * with its size into *cap. */
static char *typed_text(state_settings *d, const char *field, size_t *cap) {
    bool sentence = strcmp(field, "sentence") == 0;
    *cap = sentence ? sizeof d->sentence : sizeof d->model_path;
    return sentence ? d->sentence : d->model_path;
}

/* The trained source's part of the panel: the model file, the layer, and
 * what the model fixes. Returns true when a change should apply. */
static bool trained_widgets(ui_context *ui, settings_panel *p, app_state *s, const char **typed) {
    const theme *t = ui->theme;
    state_settings *d = &p->draft;
    bool changed = false;
    ui_label(ui, ui_editing(ui, "model_file") ? "Model file: Enter opens it, Esc cancels"
                                              : "Model file (Enter or click to edit)",
             t->text_dim);
    if (ui_text_field(ui, "model_file", "model file path", d->model_path, sizeof d->model_path) &
        UI_TEXT_SUBMIT)
        changed = true, *typed = "model_file";
    if (ui->notice[0]) {
        snprintf(p->error, sizeof p->error, "%s", ui->notice);
        ui->notice[0] = '\0';
    }
    if (strcmp(state_trained_resolve(d->model_path), state_trained_shipped_path()) == 0)
        ui_label(ui, "the shipped model", t->text_dim);

    /* The model on screen, when it is the one the draft names: its sizes
     * bound the layer and fill the fixed rows. */
    const state_trained *m = s->model.trained;
    if (m && strcmp(m->path, state_trained_resolve(d->model_path)) != 0) m = NULL;
    uint64_t layer = d->layer + 1, layers = m ? m->model.config.n_layers : MODEL_LAYERS_MAX;
    /* "heads": the id the window gives the focus when it opens the panel;
     * with a trained model the layer is what one steps through most. */
    if (ui_stepper(ui, "heads", "Layer", &layer, 1, layers)) {
        d->layer = (size_t)layer - 1;
        changed = true;
    }
    if (m) {
        char line[160];
        snprintf(line, sizeof line, "of %zu layer%s ([ and ] in the frame too)",
                 m->model.config.n_layers, app_plural(m->model.config.n_layers));
        ui_label(ui, line, t->text_dim);
        if (ui_editing(ui, "heads"))
            ui_label(ui, "Layer: type digits; Enter applies, Esc keeps the old one", t->text_dim);
        const attn_config *c = &s->model.settings.config;
        char v[64];
        ui_space(ui, 0.3f);
        ui_label(ui, "Set by the trained model:", t->text_dim);
        snprintf(v, sizeof v, "%zu", c->d_model);
        ui_readonly(ui, "d_model", v);
        snprintf(v, sizeof v, "%zu (d_k %zu)", c->n_heads, attn_d_head(c));
        ui_readonly(ui, "Heads", v);
        snprintf(v, sizeof v, "%zu, multi-head", c->n_kv_heads);
        ui_readonly(ui, "K/V heads", v);
        ui_readonly(ui, "Causal mask", c->causal ? "on" : "off");
        ui_readonly(ui, "Scale \303\267\342\210\232d_k", c->scale ? "on" : "off");
        snprintf(v, sizeof v, "%g", (double)c->temperature);
        ui_readonly(ui, "Temperature", v);
        /* the model's context, and what the app reads of it at once */
        size_t ctx = m->model.config.n_ctx;
        snprintf(v, sizeof v, "%zu token%s", ctx, app_plural(ctx));
        ui_readonly(ui, "Context", v);
        if (ctx > STATE_TRAINED_TOKENS_MAX) { /* its own row: the value boxes are narrow */
            snprintf(v, sizeof v, "%d tokens", STATE_TRAINED_TOKENS_MAX);
            ui_readonly(ui, "App reads", v);
        }
        char roles[400];
        snprintf(roles, sizeof roles, "Head roles: %s", m->roles_note);
        ui_label(ui, roles, t->text_dim);
    }
    return changed;
}

/* The mechanics source's sizes and flags. Returns true when a change
 * should apply. */
static bool mechanics_widgets(ui_context *ui, settings_panel *p) {
    const theme *t = ui->theme;
    state_settings *d = &p->draft;
    bool changed = false;
    size_t opts[32];
    char names[32][24];
    const char *ptrs[32];
    static const size_t heads_usual[] = {1, 2, 4, 8, 16};
    static const size_t width_usual[] = {8, 16, 32, 64, 128, 256, 512};

    int at = 0, n = size_options(heads_usual, 5, d->config.n_heads, opts, names, &at);
    for (int i = 0; i < n; i++) ptrs[i] = names[i];
    flag_if_at_fault(ui, p, "heads");
    if (ui_choice(ui, "heads", "Heads", ptrs, n, &at)) {
        d->config.n_kv_heads = kv_for(d->config.n_heads, d->config.n_kv_heads, opts[at]);
        d->config.n_heads = opts[at];
        changed = true;
    }

    n = size_options(width_usual, 7, d->config.d_model, opts, names, &at);
    for (int i = 0; i < n; i++) ptrs[i] = names[i];
    flag_if_at_fault(ui, p, "d_model");
    if (ui_choice(ui, "d_model", "d_model", ptrs, n, &at)) {
        d->config.d_model = opts[at];
        changed = true;
    }

    /* key/value heads: the divisors of the head count, largest first */
    n = 0;
    at = 0;
    for (size_t g = d->config.n_heads; g >= 1 && n < 32; g--) {
        if (d->config.n_heads % g) continue;
        opts[n] = g;
        snprintf(names[n], 24, "%zu", g);
        ptrs[n] = names[n];
        if (g == d->config.n_kv_heads) at = n;
        n++;
    }
    flag_if_at_fault(ui, p, "kv");
    if (ui_choice(ui, "kv", "K/V heads", ptrs, n, &at)) {
        d->config.n_kv_heads = opts[at];
        changed = true;
    }
    {
        char line[160];
        size_t h = d->config.n_heads, g = d->config.n_kv_heads;
        if (g == h)
            snprintf(line, sizeof line, "multi-head: each head has its own K and V");
        else if (g == 1)
            snprintf(line, sizeof line, "multi-query: all %zu heads share one K and V", h);
        else if (g > 0 && h % g == 0)
            snprintf(line, sizeof line, "grouped-query: %zu groups of %zu heads share K and V", g,
                     h / g);
        else
            snprintf(line, sizeof line, "%zu K/V head%s do not divide %zu head%s", g, app_plural(g),
                     h, app_plural(h));
        ui_label(ui, line, t->text_dim);
    }

    /* the token limit: the tokenizer's message names it (--max-tokens) */
    static const size_t tokens_usual[] = {64, 128, APP_TOKENS_MAX};
    n = size_options(tokens_usual, 3, d->max_tokens, opts, names, &at);
    for (int i = 0; i < n; i++) ptrs[i] = names[i];
    flag_if_at_fault(ui, p, "max_tokens");
    if (ui_choice(ui, "max_tokens", "Max tokens", ptrs, n, &at)) {
        d->max_tokens = opts[at];
        changed = true;
    }

    if (ui_toggle(ui, "causal", "Causal mask", &d->config.causal)) changed = true;
    /* cross-attention: the keys and values from another sentence */
    if (ui_toggle(ui, "cross", "Cross-attention", &d->cross)) changed = true;
    if (d->cross) {
        bool at_fault = p->error[0] && p->error_setting == ATTN_SETTING_CROSS;
        /* the field takes no flag: its label says what is wrong, as the sentence's does */
        ui_label(ui,
                 !at_fault ? "Keys and values from (the other sentence; Enter applies):"
                 : d->config.causal
                     ? "\xE2\x9C\x97 No causal mask across two sentences: turn Causal mask off"
                     : "\xE2\x9C\x97 Keys and values from: mend this sentence",
                 at_fault ? t->error : t->text_dim);
        int cf = ui_text_field(ui, "cross_sentence", "the other sentence", d->cross_sentence,
                               sizeof d->cross_sentence);
        if (cf & UI_TEXT_SUBMIT) changed = true;
    }
    if (ui_toggle(ui, "scale", "Scale \303\267\342\210\232d_k", &d->config.scale)) changed = true;
    float lo = 0.1f > ATTN_TEMPERATURE_MIN ? 0.1f : ATTN_TEMPERATURE_MIN;
    float hi = 10.0f < ATTN_TEMPERATURE_MAX ? 10.0f : ATTN_TEMPERATURE_MAX;
    if (d->config.temperature < lo) lo = d->config.temperature; /* the command line went further */
    if (d->config.temperature > hi) hi = d->config.temperature;
    flag_if_at_fault(ui, p, "temperature");
    if (ui_slider_log(ui, "temperature", "Temperature", &d->config.temperature, lo, hi, "%.2g"))
        changed = true;
    if (ui_stepper(ui, "seed", "Seed", &d->seed, 0, ((uint64_t)1 << 53) - 1)) changed = true;
    if (ui_editing(ui, "seed"))
        ui_label(ui, "Seed: type digits; Enter applies, Esc keeps the old one", t->text_dim);
    else
        ui_label(ui, "Seed: type digits, or \xE2\x86\x90\xE2\x86\x92 one at a time", t->text_dim);
    return changed;
}

bool settings_panel_run(settings_panel *p, ui_context *ui, app_state *s) {
    const theme *t = ui->theme;
    state_settings *d = &p->draft;
    /* a GPT-2's run under way counts as applied: the panel does not ask
     * for it again */
    const state_settings *applied = state_model_wanted(&s->model);
    bool close = false, changed = false;

    /* the label column fits the longest label */
    /* "Scale ÷√d_k" (d_k, as the caption calls the head width): octal escapes
     * end after three digits, hex ones would eat the d */
    static const char *const labels[] = {"Heads", "d_model", "K/V heads", "Max tokens", "Causal mask",
                                         "Cross-attention",
                                         "Scale \303\267\342\210\232d_k", "Temperature", "Seed",
                                         "Weights", "Layer", "Context"};
    ui_fit_labels(ui, labels, sizeof labels / sizeof labels[0]);

    ui_heading(ui, "Settings");
    ui_same_line(ui);
    ui_skip_focus(ui); /* Esc and P close it from the keyboard */
    if (ui_button(ui, "close", "\xC3\x97 Close (P)")) close = true;

    /* Where the weights come from, first: random from the seed (any size,
     * to see how attention computes) or a trained model (what trained heads
     * do). Above the sentence, so Up from Heads still reaches the sentence. */
    static const char *const sources[] = {"mechanics", "trained model"};
    int src = d->source == STATE_SOURCE_TRAINED ? 1 : 0;
    if (ui_choice(ui, "weights", "Weights", sources, 2, &src)) {
        if (src == 1) { /* keep the mechanics sizes to come back to */
            d->mechanics_config = d->config;
            d->source = STATE_SOURCE_TRAINED;
            show_model_path(d);
        } else {
            d->config = d->mechanics_config;
            d->source = STATE_SOURCE_MECHANICS;
        }
        p->example = example_index(d); /* the other source's list */
        changed = true;
    }
    /* Above the field: how to edit, or why the sentence shown is not the
     * one on screen (it is at fault; another setting blocks it; Esc just
     * threw an edit away), so that no edit is lost without a word. */
    bool sentence_at_fault = p->error[0] && p->error_setting == ATTN_SETTING_SENTENCE;
    bool sentence_pending = strcmp(d->sentence, applied->sentence) != 0;
    const char *blocker = p->error[0] ? label_of(p->error_setting) : NULL;
    char sentence_label[APP_ERR_LEN];
    SDL_Color sentence_color = t->text_dim;
    if (ui_typing(ui) && ui_editing(ui, "sentence")) {
        snprintf(sentence_label, sizeof sentence_label,
                 "Sentence: Enter or a click elsewhere applies, Esc discards the edit, "
                 "Ctrl+U clears");
    } else if (sentence_at_fault) {
        snprintf(sentence_label, sizeof sentence_label,
                 "\xE2\x9C\x97 Sentence: the one typed was not applied, this one stays "
                 "(Enter or click to edit)");
        sentence_color = t->error;
    } else if (sentence_pending) {
        if (blocker)
            snprintf(sentence_label, sizeof sentence_label,
                     "\xE2\x9C\x97 Sentence not applied: %s blocks it (see below); mend %s, or "
                     "go back to the applied settings",
                     blocker, blocker);
        else
            snprintf(sentence_label, sizeof sentence_label,
                     "\xE2\x9C\x97 Sentence not applied (see below)");
        sentence_color = t->error;
    } else if (p->note[0]) {
        snprintf(sentence_label, sizeof sentence_label, "%s", p->note);
    } else {
        snprintf(sentence_label, sizeof sentence_label, "Sentence (Enter or click to edit)");
    }
    ui_label(ui, sentence_label, sentence_color);
    int tf = ui_text_field(ui, "sentence", "sentence", d->sentence, sizeof d->sentence);
    if (tf & UI_TEXT_DISCARDED) { /* Esc: the edit goes, and the user is told */
        if (p->error_setting == ATTN_SETTING_SENTENCE) { /* and with it why it was refused */
            p->error[0] = '\0';
            p->error_setting = ATTN_SETTING_NONE;
        }
        snprintf(p->note, sizeof p->note,
                 "Sentence: edit discarded (Esc); Enter or a click edits again");
        snprintf(s->message, sizeof s->message,
                 "sentence: edit discarded (Esc); the field shows the sentence it had before");
        s->message_is_error = false;
    } else if (tf & (UI_TEXT_CHANGED | UI_TEXT_SUBMIT)) {
        p->note[0] = '\0';
    }
    /* A refused sentence says why right under it, in full, where the eyes
     * are (the status line cuts long messages; the panel's foot can be
     * below its fold). */
    if (sentence_at_fault && p->error[0]) {
        char why[APP_ERR_LEN + 8];
        snprintf(why, sizeof why, "\xE2\x9C\x97 %s", p->error);
        ui_label(ui, why, t->error);
    }
    if (ui->notice[0]) { /* a refused edit: say so where the typing is */
        snprintf(p->error, sizeof p->error, "%s", ui->notice);
        snprintf(s->message, sizeof s->message, "%s", ui->notice);
        s->message_is_error = true;
        ui->notice[0] = '\0';
    }
    /* the field a typed text was submitted from: it goes on taking the keys
     * when the text is refused, as it still looks focused */
    const char *typed = NULL;
    if (tf & UI_TEXT_SUBMIT) changed = true, p->example = -1, typed = "sentence";

    ui_label(ui, "Examples (E cycles):", t->text_dim);
    size_t n_examples;
    const example *examples = examples_of(d->source, &n_examples);
    for (int i = 0; i < (int)n_examples; i++) {
        char id[16];
        snprintf(id, sizeof id, "example%d", i);
        ui_same_line(ui);
        ui_skip_focus(ui); /* E cycles them from the keyboard */
        if (ui_button(ui, id, examples[i].name)) {
            snprintf(d->sentence, sizeof d->sentence, "%s", examples[i].text);
            p->example = i;
            changed = true;
        }
    }
    ui_space(ui, 0.4f);

    if (d->source == STATE_SOURCE_TRAINED) {
        if (trained_widgets(ui, p, s, &typed)) changed = true;
    } else if (mechanics_widgets(ui, p)) {
        changed = true;
    }

    if (ui->notice[0]) { /* a typed number refused (out of range, not a digit) */
        snprintf(p->error, sizeof p->error, "%s", ui->notice);
        p->error_setting = ATTN_SETTING_NONE;
        snprintf(s->message, sizeof s->message, "%s", ui->notice);
        s->message_is_error = true;
        ui->notice[0] = '\0';
    }

    /* Enter in a field submitted a text that was refused: the field goes
     * on taking the keys, and keeps the text to mend (Esc drops it), the
     * one exception to a refusal putting the values in effect back (Tab or
     * a click away leave the field, as they meant) */
    const SDL_Event *e = ui->event;
    bool by_enter = e && e->type == SDL_KEYDOWN &&
                    (e->key.keysym.sym == SDLK_RETURN || e->key.keysym.sym == SDLK_KP_ENTER);
    char refused[UI_TEXT_MAX] = "";
    size_t cap = 0;
    char *text = typed ? typed_text(d, typed, &cap) : NULL;
    if (text) snprintf(refused, sizeof refused, "%s", text);
    if (changed && settings_panel_apply(p, s) != ATTN_OK) {
        if (text && by_enter) {
            ui_keep_editing(ui, typed);
            snprintf(text, cap, "%s", refused);
        }
        /* a typed sentence held back by another setting: name both */
        const char *b = label_of(p->error_setting);
        if (typed && strcmp(typed, "sentence") == 0 && b && p->error_setting != ATTN_SETTING_SENTENCE)
            snprintf(s->message, sizeof s->message, "sentence not applied, %s blocks it: %.400s", b,
                     p->error);
    }

    /* Why a value was not applied, below the widgets so that nothing moves
     * under the mouse when it appears. */
    bool pending = !state_settings_equal(d, applied);
    bool error_below = p->error[0] && p->error_setting != ATTN_SETTING_SENTENCE;
    if (error_below || pending) {
        char line[APP_ERR_LEN + 32];
        if (error_below) snprintf(line, sizeof line, "\xE2\x9C\x97 Not applied: %s", p->error);
        else snprintf(line, sizeof line, "\xE2\x9C\x97 The values above are not applied yet.");
        ui_space(ui, 0.3f);
        ui_label(ui, line, t->error);
    }
    if (pending) {
        if (ui_button(ui, "revert", "Back to the applied settings")) {
            *d = *applied;
            show_model_path(d);
            p->error[0] = '\0';
            s->message[0] = '\0';
            ui_focus(ui, "heads"); /* the button goes away with the difference */
        }
    }
    ui_space(ui, 0.4f);
    char info[200];
    const attn_config *c = &s->model.settings.config;
    /* a no-break space (U+00A0) keeps "ms" with its number when the line wraps */
    snprintf(info, sizeof info, "Shown: %zu token%s, d_k %zu, built in %.2f\u00a0ms", s->model.n,
             app_plural(s->model.n), attn_d_head(c), s->model.build_ms);
    ui_label(ui, info, t->text_dim);
#ifdef __EMSCRIPTEN__
#define PANEL_QUIT "" /* a page ends with its tab */
#else
#define PANEL_QUIT ", Ctrl+Q quits"
#endif
    ui_label(ui,
             "Keys: \xE2\x86\x91\xE2\x86\x93 or Tab move, \xE2\x86\x90\xE2\x86\x92 change, "
             "Enter edits or presses, Esc or Q closes" PANEL_QUIT ". The stage keys "
             "(\xE2\x86\x90\xE2\x86\x92 stage, Space play, digits for heads) wait while the "
             "panel has them: a click on the picture gives them back.",
             t->text_dim);
    return close;
}
