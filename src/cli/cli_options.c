/* The options of the app, dump, render, the lessons and bench core: their
 * rows (the settings of attention are one list the app, dump and render
 * share), the rules across them, and the app's settings from them. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "trained.h"

#define AT(field) offsetof(cli_options, field)

/* ---- values of their own -------------------------------------------------------- */

static int parse_weights(const cli_arg *a, const char *value, void *target, char *err,
                         size_t err_len) {
    if (strcmp(value, "mechanics") == 0) *(state_source *)target = STATE_SOURCE_MECHANICS;
    else if (strcmp(value, "trained") == 0) *(state_source *)target = STATE_SOURCE_TRAINED;
    else return cli_fail(err, err_len, "%s '%.32s' is unknown: use mechanics or trained", a->name, value);
    return 0;
}

/* A layer from 1. Which layers exist is known only once the model is read
 * (cli_settings), so the only bounds here are 1 and the most any model has. */
static int parse_layer(const cli_arg *a, const char *value, void *target, char *err,
                       size_t err_len) {
    size_t layer = 0;
    bool digits = value[0] != '\0';
    for (const char *p = value; *p; p++) digits = digits && *p >= '0' && *p <= '9';
    if (!digits)
        return cli_fail(err, err_len, "%s '%.32s' is not a layer: layers are numbered from 1",
                        a->name, value);
    if (cli_parse_size(a->name, value, 0, SIZE_MAX, &layer, err, err_len) == 0 && layer == 0)
        return cli_fail(err, err_len, "%s 0 does not exist: layers are numbered from 1", a->name);
    if (layer == 0 || layer > MODEL_LAYERS_MAX) /* too many digits for size_t, or above the most */
        return cli_fail(err, err_len, "%s %.32s does not exist: no model attnviz reads has more "
                        "than %d layers", a->name, value, MODEL_LAYERS_MAX);
    *(size_t *)target = layer;
    return 0;
}

static int parse_theme(const cli_arg *a, const char *value, void *target, char *err,
                       size_t err_len) {
    int t = state_theme_parse(value);
    if (t < 0) return cli_fail(err, err_len, "%s '%.32s' is unknown: use dark or light", a->name, value);
    *(state_theme *)target = (state_theme)t;
    return 0;
}

static int parse_stage(const cli_arg *a, const char *value, void *target, char *err,
                       size_t err_len) {
    int st = state_stage_parse(value);
    if (st < 0)
        return cli_fail(err, err_len, "%s '%.32s' is unknown: use 1 to 10 or embed, project, "
                        "split, scores, scale, mask, softmax, weighted, concat, output", a->name, value);
    *(state_stage *)target = (state_stage)st;
    return 0;
}

static int parse_view(const cli_arg *a, const char *value, void *target, char *err,
                      size_t err_len) {
    int view = state_view_parse(value);
    if (view < 0)
        return cli_fail(err, err_len, "%s '%.32s' is unknown: use heads, focus or arcs", a->name, value);
    *(state_view *)target = (state_view)view;
    return 0;
}

static int parse_scores(const cli_arg *a, const char *value, void *target, char *err,
                        size_t err_len) {
    static const char *const names[] = {"auto", "raw", "centred"};
    for (int k = 0; k < 3; k++)
        if (strcmp(value, names[k]) == 0) {
            *(state_scores_view *)target = (state_scores_view)k;
            return 0;
        }
    return cli_fail(err, err_len, "%s '%.32s' is unknown: use raw, centred or auto", a->name, value);
}

/* WxH, each 100 to 8192 pixels, into a frame's width and height. */
static int parse_wh(const cli_arg *a, const char *value, void *target, char *err,
                    size_t err_len) {
    state_frame *frame = target;
    const char *opt = a->name, *x = strchr(value, 'x');
    char wbuf[16];
    size_t wl = x ? (size_t)(x - value) : 0;
    size_t w = 0, h = 0;
    if (!x || wl == 0 || wl >= sizeof wbuf)
        return cli_fail(err, err_len, "%s '%.32s' is not a size: use WxH, e.g. %s 1280x800", opt,
                        value, opt);
    memcpy(wbuf, value, wl);
    wbuf[wl] = '\0';
    if (cli_parse_size(opt, wbuf, 100, 8192, &w, err, err_len) ||
        cli_parse_size(opt, x + 1, 100, 8192, &h, err, err_len))
        return cli_fail(err, err_len, "%s '%.32s' is not a size from 100x100 to 8192x8192: use "
                        "WxH, e.g. %s 1280x800", opt, value, opt);
    frame->width = (int)w;
    frame->height = (int)h;
    return 0;
}

/* ---- the rows ------------------------------------------------------------------- */

/* The settings of attention: the app, dump and render. A trained model
 * fixes some of them itself: given with --model or --weights trained,
 * those are refused (with .fixed, the reason) rather than ignored. */
static const cli_arg settings_rows[] = {
    {.name = "--sentence", .value = "S", .kind = CLI_ARG_TEXT, .at = AT(sentence),
     .help = "the text to attend over (default, trained model:\n\"" STATE_START_SENTENCE
             "\";\nmechanics: \"" ATTN_EXAMPLE_SENTENCE "\")",
     .setting = ATTN_SETTING_SENTENCE},
    {.name = "--d-model", .value = "N", .kind = CLI_ARG_SIZE, .at = AT(config.d_model), .lo = 1,
     .hi = ATTN_D_MODEL_MAX, .help = "width of the model, 1 to 4096 (default 32)",
     .fixed = "the model fixes d_model",
     .setting = ATTN_SETTING_D_MODEL},
    {.name = "--heads", .value = "H", .kind = CLI_ARG_SIZE, .at = AT(config.n_heads), .lo = 1,
     .hi = ATTN_HEADS_MAX, .help = "query heads; must divide d_model (default 4)",
     .fixed = "the model fixes its number of heads",
     .setting = ATTN_SETTING_HEADS},
    {.name = "--kv-heads", .value = "G", .kind = CLI_ARG_SIZE, .at = AT(config.n_kv_heads),
     .lo = 1, .hi = ATTN_HEADS_MAX,
     .help = "key/value heads; must divide --heads (default: = heads;\nfewer is grouped-query, "
             "1 is multi-query)",
     .fixed = "every head of the model has its own K and V",
     .setting = ATTN_SETTING_KV_HEADS},
    {.name = "--causal", .kind = CLI_ARG_FLAG, .at = AT(config.causal),
     .help = "position i may not attend to j > i"},
    {.name = "--no-scale", .kind = CLI_ARG_FLAG, .at = AT(no_scale),
     .help = "do not divide scores by sqrt(d_head)",
     .fixed = "the model was trained with scores scaled by sqrt(d_head)"},
    {.name = "--temperature", .value = "T", .kind = CLI_ARG_FLOAT, .at = AT(config.temperature),
     .lo = ATTN_TEMPERATURE_MIN, .hi = ATTN_TEMPERATURE_MAX,
     .help = "divide scores by T too, 0.01 to 100 (default 1)",
     .fixed = "the model was trained at temperature 1",
     .setting = ATTN_SETTING_TEMPERATURE},
    {.name = "--cross", .value = "S", .kind = CLI_ARG_TEXT, .at = AT(cross_sentence),
     .help = "cross-attention: keys and values from this other sentence,\nqueries from "
             "--sentence; the maps are n x n_keys (mechanics,\nnot with --causal)",
     .fixed = "the trained model attends within one sentence (self-attention)",
     .setting = ATTN_SETTING_CROSS},
    {.name = "--seed", .value = "N", .kind = CLI_ARG_SEED, .at = AT(seed),
     .help = "seed of the token vectors and weights, 0 to 2^53-1 (default 42)",
     .fixed = "its weights come from the file, not from a seed"},
    {.name = "--max-tokens", .value = "N", .kind = CLI_ARG_SIZE, .at = AT(max_tokens), .lo = 1,
     .hi = ATTN_TOKENS_MAX, .help = "refuse longer sentences, up to 65536 (app: 256; default 64)",
     .fixed = "the model's context sets the limit",
     .setting = ATTN_SETTING_MAX_TOKENS},
    {.name = "--weights", .value = "W", .kind = CLI_ARG_CUSTOM, .at = AT(source),
     .parse = parse_weights,
     .help = "trained (the shipped trained model; the app's and render's\ndefault) or "
             "mechanics (random weights from --seed: the\nmechanics, before any learning; "
             "dump's default, and the\napp's and render's when a setting above that a "
             "trained\nmodel fixes is given)"},
    {.name = "--model", .value = "FILE|DIR|NAME", .kind = CLI_ARG_PATH, .at = AT(model_path),
     .help = "the trained source on: a model saved by attnviz train; a GPT-2\n"
             "checkpoint (model.safetensors, or its folder with config.json,\n"
             "vocab.json, merges.txt); or gpt2, distilgpt2, gpt2-medium,\n"
             "gpt2-large from the Hugging Face cache ($HF_HOME/hub or\n"
             "~/.cache/huggingface/hub). It fixes d_model, heads, causal,\nscaling and "
             "temperature"},
    {.name = "--layer", .value = "N", .kind = CLI_ARG_CUSTOM, .at = AT(layer),
     .parse = parse_layer, .help = "the layer of the trained model shown, from 1 (default 1)"},
};
static const cli_arg_list settings_list = {"settings of attention (the app, dump and render)",
                                           settings_rows,
                                           sizeof settings_rows / sizeof *settings_rows};

static const cli_arg dump_rows[] = {
    {.name = "--all-logits", .kind = CLI_ARG_FLAG, .at = AT(all_logits),
     .help = "a trained model's logits at every position (a GPT-2 dump\nholds the last "
             "position's only: 50257 numbers a token)"},
};
static const cli_arg_list dump_list = {"the dump", dump_rows, sizeof dump_rows / sizeof *dump_rows};

static const cli_arg theme_rows[] = {
    {.name = "--theme", .value = "dark|light", .kind = CLI_ARG_CUSTOM, .at = AT(render.theme),
     .parse = parse_theme, .help = "colours for the room (default dark)"},
    {.name = "--present", .kind = CLI_ARG_FLAG, .at = AT(render.present),
     .help = "presenter mode: larger type, every token label whole (F5 in the app)"},
};
static const cli_arg_list theme_list = {"colours and type", theme_rows,
                                        sizeof theme_rows / sizeof *theme_rows};

static const cli_arg frame_rows[] = {
    {.name = "--stage", .value = "NAME|N", .kind = CLI_ARG_CUSTOM, .at = AT(render.stage),
     .parse = parse_stage,
     .help = "1 embed, 2 project, 3 split, 4 scores, 5 scale, 6 mask,\n7 softmax, 8 weighted, "
             "9 concat, 10 output (default 7 with\ntrained weights, 1 with random ones)"},
    {.name = "--progress", .value = "P", .kind = CLI_ARG_FLOAT, .at = AT(render.progress),
     .lo = 0, .hi = 1, .help = "how far the stage's animation is, 0 to 1 (default 1)"},
    {.name = "--view", .value = "V", .kind = CLI_ARG_CUSTOM, .at = AT(render.view),
     .parse = parse_view, .help = "heads, focus or arcs (default heads)"},
    {.name = "--head", .value = "H", .kind = CLI_ARG_SIZE, .at = AT(head_given), .lo = 1,
     .hi = ATTN_HEADS_MAX, .help = "the head in focus, from 1 (default 1)"},
    {.name = "--follow", .value = "I", .kind = CLI_ARG_SIZE, .at = AT(render.follow), .lo = 1,
     .hi = ATTN_TOKENS_MAX,
     .help = "follow token I (from 1) stage by stage: its rows lit and a line\nsaying where it "
             "is (O in the app)"},
    {.name = "--per-row", .kind = CLI_ARG_FLAG, .at = AT(render.per_row),
     .help = "attention weights per row: each row's max at full colour (C in\nthe app)"},
    {.name = "--scores", .value = "V", .kind = CLI_ARG_CUSTOM, .at = AT(render.scores),
     .parse = parse_scores,
     .help = "colours of the scores (stages 4-7): raw, centred (each row minus\nits mean, "
             "which softmax ignores) or auto (centred where the\nrows' constants dominate; "
             "the default; Z in the app)"},
    {.name = "--size", .value = "WxH", .kind = CLI_ARG_CUSTOM, .at = AT(render), .parse = parse_wh,
     .help = "image size in pixels (default 1280x800)"},
    {.name = "--out", .value = "FILE.png", .kind = CLI_ARG_CUSTOM, .at = AT(render.out),
     .parse = cli_parse_png, .help = "where to write the frame", .required = true},
    {.name = "--layout", .value = "FILE.json", .kind = CLI_ARG_PATH, .at = AT(render.layout),
     .help = "also write what the frame drew: every heatmap and text run,\nwith its place "
             "and size, as JSON (for tests)"},
};
static const cli_arg_list frame_list = {"the frame", frame_rows,
                                        sizeof frame_rows / sizeof *frame_rows};
/* The app opens on a stage of choice (a link to the page can say which): the frames'
 * first row alone. */
static const cli_arg_list app_stage_list = {"the start", frame_rows, 1};

static const cli_arg lesson_frames_rows[] = {
    {.name = "--out", .value = "DIR", .kind = CLI_ARG_PATH, .at = AT(render.out),
     .help = "a folder for step-01.png, step-02.png, ...", .required = true},
    {.name = "--layout", .kind = CLI_ARG_FLAG, .at = AT(step_layouts),
     .help = "also write what each step drew as step-01.json, ... (see render --help)"},
    {.name = "--size", .value = "WxH", .kind = CLI_ARG_CUSTOM, .at = AT(render), .parse = parse_wh,
     .help = "image size in pixels (default 1280x800)"},
};
static const cli_arg_list lesson_frames_list = {"the frames", lesson_frames_rows,
                                                sizeof lesson_frames_rows / sizeof *lesson_frames_rows};

static const cli_arg bench_rows[] = {
    {.name = "--reference", .kind = CLI_ARG_FLAG, .at = AT(bench_reference),
     .help = "also time the plain reference loops"},
};
static const cli_arg_list bench_list = {"the cases", bench_rows, 1};

/* Messages from below name a setting in plain words ("heads 3 does not
 * divide ..."); the command line names the row that sets it. */
const char *cli_option_of(attn_setting s) {
    for (size_t i = 0; s != ATTN_SETTING_NONE && i < settings_list.n; i++)
        if (settings_rows[i].setting == s) return settings_rows[i].name;
    return NULL;
}

/* ---- defaults and the rules across options -------------------------------------- */

static void options_init(void *opts) {
    cli_options *o = opts;
    o->sentence = ATTN_EXAMPLE_SENTENCE;
    o->config = attn_config_default();
    o->config.n_kv_heads = 0; /* = heads unless given: see settings_check */
    o->seed = ATTN_EXAMPLE_SEED;
    o->max_tokens = ATTN_TOKENS_DEFAULT;
    state_frame_default(&o->render);
}

/* The app and render open on the trained model (what trained heads do)
 * unless a setting says otherwise: see start_check. */
static void options_init_start(void *opts) {
    options_init(opts);
    cli_options *o = opts;
    o->source = STATE_SOURCE_TRAINED;
    o->sentence = STATE_START_SENTENCE;
}

/* What the settings' rows cannot check alone. The model's own sizes are
 * known once it is read: --layer and --head against them are checked in
 * cli_settings. */
static int settings_check(void *opts, const cli_given *given, char *err, size_t err_len) {
    cli_options *o = opts;
    o->config.scale = !o->no_scale;
    /* Each source runs on its own example unless a sentence was given: the
     * trained model on one in its vocabulary that its heads differ on. */
    if (!cli_given_has(given, "--sentence"))
        o->sentence = o->source == STATE_SOURCE_MECHANICS && !o->model_path
                          ? ATTN_EXAMPLE_SENTENCE
                          : STATE_START_SENTENCE;
    /* --model FILE alone means the trained source; with --weights mechanics
     * it is a contradiction. */
    if (o->model_path) {
        if (cli_given_has(given, "--weights") && o->source == STATE_SOURCE_MECHANICS)
            return cli_fail(err, err_len, "--model %.200s needs the trained source: drop --weights "
                            "mechanics (or --model)", o->model_path);
        o->source = STATE_SOURCE_TRAINED;
    }
    if (o->source == STATE_SOURCE_TRAINED) {
        for (size_t k = 0; k < given->n; k++) {
            const cli_arg *a = given->args[k];
            if (a->fixed)
                return cli_fail(err, err_len, "%s does not apply to a trained model: %s; drop %s, "
                                "or use --weights mechanics", a->name, a->fixed, a->name);
        }
        if (o->head_given) o->render.head = o->head_given - 1;
        return 0;
    }
    if (cli_given_has(given, "--layer"))
        return cli_fail(err, err_len, "--layer applies to a trained model: add --model FILE (or "
                        "--weights trained for the shipped one)");
    /* As a lesson's 'view: model' without 'weights: trained': an error, not
     * the heads view drawn in its place. */
    if (o->render.view == VIEW_MODEL)
        return cli_fail(err, err_len, "--view model shows the trained model's layers: add "
                        "--weights trained (or --model FILE)");
    /* Without --kv-heads every head has its own keys and values. */
    if (o->config.n_kv_heads == 0) o->config.n_kv_heads = o->config.n_heads;
    char msg[CLI_ERR_LEN - 16];
    attn_setting bad;
    if (attn_config_check(&o->config, &bad, msg, sizeof msg) != ATTN_OK)
        return cli_fail_setting(err, err_len, bad, msg);
    if (o->head_given > o->config.n_heads)
        return cli_fail(err, err_len, "--head %zu does not exist: there are %zu heads (1 to %zu)",
                        o->head_given, o->config.n_heads, o->config.n_heads);
    if (o->head_given) o->render.head = o->head_given - 1;
    return 0;
}

/* The app and render: the trained model unless the source is named or a
 * setting only mechanics has is given (--heads 8 asks for random weights of
 * that size, not for an error about the trained model). */
static int start_check(void *opts, const cli_given *given, char *err, size_t err_len) {
    cli_options *o = opts;
    bool named = cli_given_has(given, "--weights") || o->model_path;
    for (size_t k = 0; !named && k < given->n; k++)
        if (given->args[k]->fixed) {
            o->source = STATE_SOURCE_MECHANICS;
            break;
        }
    int rc = settings_check(opts, given, err, err_len);
    if (rc == 0 && !cli_given_has(given, "--stage")) o->render.stage = state_opening_stage(o->source);
    return rc;
}

/* ---- the tables ----------------------------------------------------------------- */

const cli_option_table cli_app_options = {sizeof(cli_options), options_init_start, start_check,
                                          {&settings_list, &app_stage_list, &theme_list}, NULL};
const cli_option_table cli_dump_options = {sizeof(cli_options), options_init, settings_check,
                                           {&settings_list, &dump_list}, NULL};
const cli_option_table cli_render_options = {
    sizeof(cli_options), options_init_start, start_check, {&settings_list, &frame_list, &theme_list},
    "Draws the frame the window would show, with SDL's software renderer and no\ndisplay, and "
    "prints the PNG's path.\n"};
const cli_option_table cli_bench_core_options = {sizeof(cli_options), options_init, NULL,
                                                 {&bench_list}, NULL};
const cli_option_table cli_lesson_options = {sizeof(cli_options), options_init, NULL,
                                             {&theme_list}, NULL};
const cli_option_table cli_lesson_render_options = {
    sizeof(cli_options), options_init, NULL, {&lesson_frames_list, &theme_list},
    "Each step of the lesson drawn finished, as the class sees it, one PNG a step.\n"};
const cli_option_table cli_no_options = {sizeof(cli_options), options_init, NULL, {NULL}, NULL};

/* ---- the app's settings from the options ---------------------------------------- */

int cli_settings(const cli_options *o, state_settings *s, char *err, size_t err_len) {
    size_t len = strlen(o->sentence);
    if (len >= sizeof s->sentence)
        return cli_fail(err, err_len, "--sentence is %zu bytes, more than the app's %zu: shorten it",
                    len, sizeof s->sentence - 1);
    return cli_settings_any_length(o, s, err, err_len);
}

int cli_settings_any_length(const cli_options *o, state_settings *s, char *err, size_t err_len) {
    state_settings_default(s);
    size_t len = strlen(o->sentence);
    if (len < sizeof s->sentence) memcpy(s->sentence, o->sentence, len + 1);
    else s->sentence[0] = '\0'; /* the caller runs o->sentence itself */
    s->config = o->config;
    s->seed = o->seed;
    s->max_tokens = o->max_tokens;
    s->mechanics_config = o->config;
    if (o->cross_sentence) {
        size_t cl = strlen(o->cross_sentence);
        if (cl >= sizeof s->cross_sentence)
            return cli_fail(err, err_len, "--cross is %zu bytes, more than the app's %zu: shorten it",
                            cl, sizeof s->cross_sentence - 1);
        memcpy(s->cross_sentence, o->cross_sentence, cl + 1);
        s->cross = true;
    }
    if (o->source != STATE_SOURCE_TRAINED) return 0;

    /* The trained source: read the model's sizes now, so that a wrong path,
     * a bad file, --layer or --head is reported before a window opens. */
    const char *path = o->model_path ? o->model_path : "";
    if (strlen(path) >= sizeof s->model_path)
        return cli_fail(err, err_len, "--model is a path of %zu bytes, more than %zu: move the file",
                    strlen(path), sizeof s->model_path - 1);
    model_config mc;
    char msg[CLI_ERR_LEN];
    if (state_trained_peek(path, &mc, msg, sizeof msg) != 0)
        return cli_fail_model_file(err, err_len, o->model_path ? "--model" : "--weights trained:",
                                   msg);
    const char *shown = state_trained_resolve(path);
    size_t layer = o->layer ? o->layer : 1;
    if (layer > mc.n_layers)
        return cli_fail(err, err_len, "--layer %zu does not exist: %.300s has %zu layer%s (1 to %zu)",
                    layer, shown, mc.n_layers, mc.n_layers == 1 ? "" : "s", mc.n_layers);
    if (o->head_given > mc.n_heads)
        return cli_fail(err, err_len, "--head %zu does not exist: %.300s has %zu heads (1 to %zu)",
                    o->head_given, shown, mc.n_heads, mc.n_heads);
    s->source = STATE_SOURCE_TRAINED;
    memcpy(s->model_path, path, strlen(path) + 1);
    s->layer = layer - 1;
    s->config = model_attn_config(&mc);
    s->mechanics_config = attn_config_default(); /* what P → Weights: mechanics returns to */
    return 0;
}

