/* Command-line parsing. Strict: a number is digits only, a value is never
 * taken from the next option, and every mistake names the option and the fix. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attnviz/suggest.h"
#include "cli.h"
#include "trained.h"

/* Which commands take an option. */
enum {
    FOR_APP = 1,
    FOR_DUMP = 2,
    FOR_RENDER = 4,
    FOR_BENCH_CORE = 8,
    FOR_CONFIG = FOR_APP | FOR_DUMP | FOR_RENDER, /* the settings of attention */
};

typedef struct option_spec {
    const char *name;
    int takes_value;
    int commands;
} option_spec;

static const option_spec options[] = {
    {"--sentence", 1, FOR_CONFIG},   {"--d-model", 1, FOR_CONFIG},
    {"--heads", 1, FOR_CONFIG},      {"--kv-heads", 1, FOR_CONFIG},
    {"--causal", 0, FOR_CONFIG},     {"--no-scale", 0, FOR_CONFIG},
    {"--temperature", 1, FOR_CONFIG}, {"--seed", 1, FOR_CONFIG},
    {"--max-tokens", 1, FOR_CONFIG}, {"--theme", 1, FOR_APP | FOR_RENDER},
    {"--stage", 1, FOR_RENDER},      {"--progress", 1, FOR_RENDER},
    {"--view", 1, FOR_RENDER},       {"--head", 1, FOR_RENDER},
    {"--size", 1, FOR_RENDER},       {"--out", 1, FOR_RENDER},
    {"--reference", 0, FOR_BENCH_CORE},
    {"--weights", 1, FOR_CONFIG},    {"--model", 1, FOR_CONFIG},
    {"--layer", 1, FOR_CONFIG},
};
enum { N_OPTIONS = sizeof options / sizeof *options };

static int unknown_option(const char *arg, char *err, size_t err_len) {
    const char *names[N_OPTIONS];
    for (size_t i = 0; i < N_OPTIONS; i++) names[i] = options[i].name;
    const char *best = attn_suggest(arg, strlen(arg), names, N_OPTIONS);
    if (best)
        return cli_fail(err, err_len, "unknown option '%.64s' (did you mean '%s'?); see attnviz --help",
                    arg, best);
    return cli_fail(err, err_len, "unknown option '%.64s'; see attnviz --help", arg);
}

/* A whole number in [lo, hi]: digits only, no sign, no spaces. */
int cli_parse_size(const char *opt, const char *s, size_t lo, size_t hi, size_t *out,
                      char *err, size_t err_len) {
    size_t v = 0;
    int too_big = 0;
    if (*s == '\0') goto not_a_number;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') goto not_a_number;
        if (v > (SIZE_MAX - 9) / 10) too_big = 1;
        else v = v * 10 + (size_t)(*p - '0');
    }
    if (too_big || v < lo || v > hi)
        return cli_fail(err, err_len, "%s %.32s is out of range: use %zu to %zu", opt, s, lo, hi);
    *out = v;
    return 0;
not_a_number:
    if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') /* a whole number, below the range */
        return cli_fail(err, err_len, "%s %.32s is out of range: use %zu to %zu", opt, s, lo, hi);
    return cli_fail(err, err_len, "%s '%.32s' is not a whole number: use %zu to %zu", opt, s, lo, hi);
}

/* render writes a PNG: it needs --out, and a name that says so (a ".jpg"
 * holding PNG bytes would mislead whatever opens it). */
static int render_out_check(const cli_options *o, char *err, size_t err_len) {
    if (o->command != CLI_RENDER) return 0;
    if (!o->render.out) return cli_fail(err, err_len, "render needs --out FILE.png");
    size_t len = strlen(o->render.out);
    if (len < 4 || strcasecmp(o->render.out + len - 4, ".png") != 0)
        return cli_fail(err, err_len, "--out %.200s: render writes a PNG image: give a path ending "
                        "in .png", o->render.out);
    return 0;
}

/* Seeds stop at 2^53 - 1 so that every JSON reader (JavaScript's too)
 * reads the dumped seed back exactly. */
#define SEED_MAX 9007199254740991ull

int cli_parse_seed(const char *opt, const char *s, uint64_t *out, char *err, size_t err_len) {
    uint64_t v = 0;
    if (*s == '\0') goto bad;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') goto bad;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > SEED_MAX)
            return cli_fail(err, err_len, "%s %.32s is too large: use 0 to %llu", opt, s, SEED_MAX);
    }
    *out = v;
    return 0;
bad:
    if (s[0] == '-' && s[1] >= '0' && s[1] <= '9')
        return cli_fail(err, err_len, "%s %.32s is out of range: use 0 to %llu", opt, s, SEED_MAX);
    return cli_fail(err, err_len, "%s '%.32s' is not a whole number: use 0 to %llu", opt, s, SEED_MAX);
}

/* A finite number in [lo, hi]. */
int cli_parse_float(const char *opt, const char *s, float lo, float hi, float *out, char *err,
                       size_t err_len) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || end == s || *end != '\0' || !isfinite(v))
        return cli_fail(err, err_len, "%s '%.32s' is not a finite number: use %g to %g", opt, s,
                    (double)lo, (double)hi);
    if (!(v >= lo && v <= hi))
        return cli_fail(err, err_len, "%s %.32s is out of range: use %g to %g", opt, s, (double)lo,
                    (double)hi);
    *out = (float)v;
    return 0;
}

/* WxH, each 100 to 8192 pixels. */
static int parse_size_wh(const char *opt, const char *s, int *w, int *h, char *err,
                         size_t err_len) {
    const char *x = strchr(s, 'x');
    char wbuf[16];
    size_t wl = x ? (size_t)(x - s) : 0;
    size_t wv = 0, hv = 0;
    if (!x || wl == 0 || wl >= sizeof wbuf)
        return cli_fail(err, err_len, "%s '%.32s' is not a size: use WxH, e.g. %s 1280x800", opt, s, opt);
    memcpy(wbuf, s, wl);
    wbuf[wl] = '\0';
    if (cli_parse_size(opt, wbuf, 100, 8192, &wv, err, err_len) ||
        cli_parse_size(opt, x + 1, 100, 8192, &hv, err, err_len))
        return cli_fail(err, err_len, "%s '%.32s' is not a size from 100x100 to 8192x8192: use WxH, "
                    "e.g. %s 1280x800", opt, s, opt);
    *w = (int)wv;
    *h = (int)hv;
    return 0;
}

/* Options a trained model fixes itself, and what it fixes: given with
 * --model or --weights trained they are refused rather than ignored. */
static const struct {
    const char *name;
    unsigned bit;
    const char *why;
} fixed_by_model[] = {
    {"--d-model", CLI_GIVEN_D_MODEL, "the model fixes d_model"},
    {"--heads", CLI_GIVEN_HEADS, "the model fixes its number of heads"},
    {"--kv-heads", CLI_GIVEN_KV_HEADS, "every head of the model has its own K and V"},
    {"--no-scale", CLI_GIVEN_NO_SCALE, "the model was trained with scores scaled by sqrt(d_head)"},
    {"--temperature", CLI_GIVEN_TEMPERATURE, "the model was trained at temperature 1"},
    {"--seed", CLI_GIVEN_SEED, "its weights come from the file, not from a seed"},
    {"--max-tokens", CLI_GIVEN_MAX_TOKENS, "the model's context sets the limit"},
};

static unsigned given_bit(const char *name) {
    for (size_t k = 0; k < sizeof fixed_by_model / sizeof *fixed_by_model; k++)
        if (strcmp(name, fixed_by_model[k].name) == 0) return fixed_by_model[k].bit;
    return 0;
}

/* Applies one option's value to o. */
static int apply_option(cli_options *o, const char *name, const char *value, int *kv_given,
                        size_t *head, char *err, size_t err_len) {
    size_t v = 0;
    int rc = 0;
    o->given |= given_bit(name);
    if (strcmp(name, "--weights") == 0) {
        if (strcmp(value, "mechanics") == 0)
            o->source = STATE_SOURCE_MECHANICS;
        else if (strcmp(value, "trained") == 0)
            o->source = STATE_SOURCE_TRAINED;
        else
            rc = cli_fail(err, err_len, "--weights '%.32s' is unknown: use mechanics or trained",
                      value);
        o->given |= CLI_GIVEN_WEIGHTS;
    } else if (strcmp(name, "--model") == 0) {
        if (!*value)
            rc = cli_fail(err, err_len, "--model needs a file, e.g. --model model.safetensors");
        o->model_path = value;
    } else if (strcmp(name, "--layer") == 0) {
        rc = cli_parse_size(name, value, 1, MODEL_LAYERS_MAX, &o->layer, err, err_len);
        o->given |= CLI_GIVEN_LAYER;
    } else if (strcmp(name, "--sentence") == 0) {
        o->sentence = value;
    } else if (strcmp(name, "--d-model") == 0) {
        rc = cli_parse_size(name, value, 1, ATTN_D_MODEL_MAX, &v, err, err_len);
        o->config.d_model = v;
    } else if (strcmp(name, "--heads") == 0) {
        rc = cli_parse_size(name, value, 1, ATTN_HEADS_MAX, &v, err, err_len);
        o->config.n_heads = v;
    } else if (strcmp(name, "--kv-heads") == 0) {
        rc = cli_parse_size(name, value, 1, ATTN_HEADS_MAX, &v, err, err_len);
        o->config.n_kv_heads = v;
        *kv_given = 1;
    } else if (strcmp(name, "--temperature") == 0) {
        rc = cli_parse_float(name, value, ATTN_TEMPERATURE_MIN, ATTN_TEMPERATURE_MAX,
                         &o->config.temperature, err, err_len);
    } else if (strcmp(name, "--seed") == 0) {
        rc = cli_parse_seed(name, value, &o->seed, err, err_len);
    } else if (strcmp(name, "--max-tokens") == 0) {
        rc = cli_parse_size(name, value, 1, ATTN_TOKENS_MAX, &o->max_tokens, err, err_len);
    } else if (strcmp(name, "--theme") == 0) {
        int t = state_theme_parse(value);
        o->render.theme = t < 0 ? STATE_THEME_DARK : (state_theme)t;
        if (t < 0)
            rc = cli_fail(err, err_len, "--theme '%.32s' is unknown: use dark or light", value);
    } else if (strcmp(name, "--stage") == 0) {
        int st = state_stage_parse(value);
        if (st < 0)
            rc = cli_fail(err, err_len, "--stage '%.32s' is unknown: use 1 to 10 or embed, project, "
                      "split, scores, scale, mask, softmax, weighted, concat, output", value);
        else
            o->render.stage = (state_stage)st;
    } else if (strcmp(name, "--progress") == 0) {
        rc = cli_parse_float(name, value, 0.0f, 1.0f, &o->render.progress, err, err_len);
    } else if (strcmp(name, "--view") == 0) {
        int view = state_view_parse(value);
        if (view < 0)
            rc = cli_fail(err, err_len, "--view '%.32s' is unknown: use heads, focus or arcs", value);
        else
            o->render.view = (state_view)view;
    } else if (strcmp(name, "--head") == 0) {
        rc = cli_parse_size(name, value, 1, ATTN_HEADS_MAX, head, err, err_len);
    } else if (strcmp(name, "--size") == 0) {
        rc = parse_size_wh(name, value, &o->render.width, &o->render.height, err, err_len);
    } else if (strcmp(name, "--out") == 0) {
        o->render.out = value;
        if (!*value) rc = cli_fail(err, err_len, "--out needs a file name, e.g. --out frame.png");
    }
    return rc;
}

static const char *command_name(cli_command c) {
    switch (c) {
    case CLI_DUMP: return "dump";
    case CLI_RENDER: return "render";
    case CLI_BENCH_CORE: return "bench core";
    case CLI_BENCH_RENDER: return "bench render";
    default: return "the app";
    }
}

static int command_bit(cli_command c) {
    switch (c) {
    case CLI_DUMP: return FOR_DUMP;
    case CLI_RENDER: return FOR_RENDER;
    case CLI_BENCH_CORE: return FOR_BENCH_CORE;
    case CLI_APP: return FOR_APP;
    default: return 0;
    }
}

/* The options after `lesson FILE` (--theme) and `lesson render FILE`
 * (--out, --size, --theme), from argv[first]. Returns 0 or 2. */
static int lesson_options(cli_options *o, int argc, char **argv, int first, bool render,
                          char *err, size_t err_len) {
    for (int i = first; i < argc; i++) {
        const char *name = argv[i], *value = NULL;
        char opt[32];
        const char *eq = strchr(name, '=');
        if (eq && (size_t)(eq - name) < sizeof opt) {
            memcpy(opt, name, (size_t)(eq - name));
            opt[eq - name] = '\0';
            name = opt;
            value = eq + 1;
        }
        bool known = strcmp(name, "--theme") == 0 ||
                     (render && (strcmp(name, "--out") == 0 || strcmp(name, "--size") == 0));
        if (!known)
            return render ? cli_fail(err, err_len, "lesson render takes --out DIR, --size WxH and "
                                 "--theme dark|light, not '%.64s'", argv[i])
                          : cli_fail(err, err_len, "lesson FILE takes --theme dark|light, not "
                                 "'%.64s'", argv[i]);
        if (!value) {
            if (i + 1 >= argc)
                return cli_fail(err, err_len, "%s needs a value; see attnviz --help", name);
            value = argv[++i];
        }
        if (strcmp(name, "--out") == 0) {
            o->render.out = value;
        } else if (strcmp(name, "--size") == 0) {
            if (parse_size_wh(name, value, &o->render.width, &o->render.height, err, err_len))
                return 2;
        } else {
            int t = state_theme_parse(value);
            o->render.theme = t < 0 ? STATE_THEME_DARK : (state_theme)t;
            if (t < 0)
                return cli_fail(err, err_len, "--theme '%.64s' is not a theme: use dark or light",
                            value);
        }
    }
    return 0;
}

/* `attnviz lesson list` and `attnviz lesson check FILE...`: no settings. */
static int parse_lesson(cli_options *o, int argc, char **argv, char *err, size_t err_len) {
    const char *what = argc > 2 ? argv[2] : "";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            o->command = CLI_HELP;
            return 0;
        }
    }
    if (strcmp(what, "list") == 0) {
        if (argc > 3)
            return cli_fail(err, err_len, "lesson list takes no arguments, not '%.64s'", argv[3]);
        o->command = CLI_LESSON_LIST;
        return 0;
    }
    if (strcmp(what, "check") == 0) {
        if (argc < 4)
            return cli_fail(err, err_len, "lesson check needs at least one FILE, e.g. attnviz lesson "
                        "check lessons/*.md");
        for (int i = 3; i < argc; i++)
            if (argv[i][0] == '-')
                return cli_fail(err, err_len, "lesson check takes files, not '%.64s' (for a file "
                            "named so, write ./%.64s)", argv[i], argv[i]);
        o->command = CLI_LESSON_CHECK;
        o->lesson_files = argv + 3;
        o->n_lesson_files = argc - 3;
        return 0;
    }
    if (strcmp(what, "render") == 0) {
        if (argc < 4 || argv[3][0] == '-')
            return cli_fail(err, err_len, "lesson render needs a FILE: attnviz lesson render "
                        "lessons/03-why-scale.md --out DIR");
        o->command = CLI_LESSON_RENDER;
        o->lesson_files = argv + 3;
        o->n_lesson_files = 1;
        o->render.out = NULL;
        if (lesson_options(o, argc, argv, 4, true, err, err_len)) return 2;
        if (!o->render.out)
            return cli_fail(err, err_len, "lesson render needs --out DIR (a folder for step-01.png ...)");
        return 0;
    }
    /* attnviz lesson FILE [--theme T]; "lesson play x.md" is a mistyped command */
    if (what[0] != '\0' && what[0] != '-' && (argc == 3 || argv[3][0] == '-')) {
        o->command = CLI_LESSON_OPEN;
        o->lesson_files = argv + 2;
        o->n_lesson_files = 1;
        return lesson_options(o, argc, argv, 3, false, err, err_len) ? 2 : 0;
    }
    if (what[0] == '\0')
        return cli_fail(err, err_len, "lesson needs a command: attnviz lesson list, or attnviz lesson "
                    "check FILE...");
    return cli_fail(err, err_len, "unknown lesson command '%.64s': use attnviz lesson list, "
                "attnviz lesson check FILE..., attnviz lesson FILE or attnviz lesson render FILE "
                "--out DIR", what);
}

int cli_parse(cli_options *o, int argc, char **argv, char *err, size_t err_len) {
    memset(o, 0, sizeof *o);
    o->command = CLI_APP;
    o->sentence = ATTN_EXAMPLE_SENTENCE;
    o->config = attn_config_default();
    o->seed = ATTN_EXAMPLE_SEED;
    o->max_tokens = ATTN_TOKENS_DEFAULT;
    state_frame_default(&o->render);
    if (err && err_len) err[0] = '\0';

    int i = 1;
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "dump") == 0) {
        o->command = CLI_DUMP;
        i = 2;
    } else if (strcmp(cmd, "render") == 0) {
        o->command = CLI_RENDER;
        i = 2;
    } else if (strcmp(cmd, "bench") == 0) {
        const char *what = argc > 2 ? argv[2] : "";
        if (strcmp(what, "core") == 0)
            o->command = CLI_BENCH_CORE;
        else if (strcmp(what, "render") == 0)
            o->command = CLI_BENCH_RENDER;
        else if (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0) {
            o->command = CLI_HELP; /* the benches are in the main help */
            return 0;
        } else if (*what)
            return cli_fail(err, err_len, "unknown bench '%.64s': use attnviz bench core, "
                        "attnviz bench render or attnviz bench train", what);
        else
            return cli_fail(err, err_len, "bench needs what to measure: attnviz bench core, "
                        "attnviz bench render or attnviz bench train");
        i = 3;
    } else if (strcmp(cmd, "lesson") == 0) {
        return parse_lesson(o, argc, argv, err, err_len);
    } else if (strcmp(cmd, "help") == 0) {
        o->command = CLI_HELP;
        return 0;
    } else if (cmd[0] != '-' && cmd[0] != '\0') {
        return cli_fail(err, err_len,
                    "unknown command '%.64s': use dump, render, bench, lesson, train, heads or corpus; "
                    "see attnviz --help", cmd);
    }

    int kv_given = 0;
    size_t head = 0; /* --head, from 1; 0 when not given */
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o->command = CLI_HELP;
            return 0;
        }
        if (strcmp(arg, "--version") == 0) {
            o->command = CLI_VERSION;
            return 0;
        }
        /* "--opt value" or "--opt=value" */
        const option_spec *spec = NULL;
        const char *value = NULL;
        for (size_t k = 0; k < N_OPTIONS; k++) {
            size_t len = strlen(options[k].name);
            if (strncmp(arg, options[k].name, len) == 0 &&
                (arg[len] == '\0' || (arg[len] == '=' && options[k].takes_value))) {
                spec = &options[k];
                value = arg[len] == '=' ? arg + len + 1 : NULL;
                break;
            }
        }
        if (!spec) return unknown_option(arg, err, err_len);
        if (!(spec->commands & command_bit(o->command))) {
            if (o->command == CLI_BENCH_CORE || o->command == CLI_BENCH_RENDER)
                return cli_fail(err, err_len, "%s has fixed cases and takes no %s",
                            command_name(o->command), spec->name);
            return cli_fail(err, err_len, "%s does not apply to %s; see attnviz --help", spec->name,
                        command_name(o->command));
        }
        if (!spec->takes_value) {
            if (strcmp(spec->name, "--causal") == 0) o->config.causal = true;
            if (strcmp(spec->name, "--no-scale") == 0) o->config.scale = false;
            o->given |= given_bit(spec->name);
            if (strcmp(spec->name, "--reference") == 0) o->bench_reference = 1;
            continue;
        }
        if (!value) {
            if (i + 1 >= argc)
                return cli_fail(err, err_len, "%s needs a value; see attnviz --help", spec->name);
            value = argv[++i];
        }
        int rc = apply_option(o, spec->name, value, &kv_given, &head, err, err_len);
        if (rc) return rc;
    }
    /* --model FILE alone means the trained source; with --weights mechanics
     * it is a contradiction. */
    if (o->model_path) {
        if ((o->given & CLI_GIVEN_WEIGHTS) && o->source == STATE_SOURCE_MECHANICS)
            return cli_fail(err, err_len, "--model %.200s needs the trained source: drop --weights "
                        "mechanics (or --model)", o->model_path);
        o->source = STATE_SOURCE_TRAINED;
    }
    if (o->source == STATE_SOURCE_TRAINED) {
        for (size_t k = 0; k < sizeof fixed_by_model / sizeof *fixed_by_model; k++)
            if (o->given & fixed_by_model[k].bit)
                return cli_fail(err, err_len, "%s does not apply to a trained model: %s; drop %s, or "
                            "use --weights mechanics", fixed_by_model[k].name,
                            fixed_by_model[k].why, fixed_by_model[k].name);
        /* The model's own sizes are known once it is read (cli_settings):
         * --layer and --head are checked there. */
        if (head) o->render.head = head - 1;
        o->head_given = head;
        return render_out_check(o, err, err_len);
    }
    if (o->given & CLI_GIVEN_LAYER)
        return cli_fail(err, err_len, "--layer applies to a trained model: add --model FILE (or "
                    "--weights trained for the shipped one)");
    /* Without --kv-heads every head has its own keys and values. */
    if (!kv_given) o->config.n_kv_heads = o->config.n_heads;
    char msg[CLI_ERR_LEN - 16];
    attn_setting bad;
    if (attn_config_check(&o->config, &bad, msg, sizeof msg) != ATTN_OK)
        return cli_fail_setting(err, err_len, bad, msg);
    if (head > o->config.n_heads)
        return cli_fail(err, err_len, "--head %zu does not exist: there are %zu heads (1 to %zu)", head,
                    o->config.n_heads, o->config.n_heads);
    if (head) o->render.head = head - 1;
    return render_out_check(o, err, err_len);
}

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
        return o->model_path ? cli_fail(err, err_len, "--model %s", msg)
                             : cli_fail(err, err_len, "--weights trained: %s", msg);
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

void cli_print_help(FILE *f) {
    fputs(
        "attnviz " ATTN_VERSION " - multi-head attention, every stage computed and shown\n"
        "\n"
        "usage:\n"
        "  attnviz [OPTIONS]          open the app (keys: H in the window)\n"
        "  attnviz dump [OPTIONS]     write every stage of attention as JSON to stdout\n"
        "  attnviz render [OPTIONS] --out FILE.png\n"
        "                             draw one frame, as the window would, without a display\n"
        "  attnviz bench core         time the forward pass (median ms, GFLOP/s)\n"
        "  attnviz bench render       time frames drawn offscreen (median and p99 ms)\n"
        "  attnviz lesson list        the lessons in lessons/, with their titles\n"
        "  attnviz lesson check FILE...\n"
        "                             check lesson files: every error as FILE:LINE: message\n"
        "  attnviz lesson FILE [--theme dark|light]\n"
        "                             open the app on a lesson, step by step\n"
        "  attnviz lesson render FILE --out DIR [--size WxH] [--theme dark|light]\n"
        "                             each step's frame as DIR/step-01.png, step-02.png, ...\n"
        "  attnviz train [OPTIONS]    train a small GPT-2 on generated text (train --help)\n"
        "  attnviz heads [OPTIONS]    what each head of a trained model does; pruning\n"
        "  attnviz corpus [OPTIONS]   print the generated training text\n"
        "  attnviz bench train        time training steps (tokens/s)\n"
        "  attnviz --help | --version\n"
        "\n"
        "settings (app, dump, render):\n"
        "  --sentence S       the text to attend over (default: \"" ATTN_EXAMPLE_SENTENCE "\")\n"
        "  --d-model N        width of the model, 1 to 4096 (default 32)\n"
        "  --heads H          query heads; must divide d_model (default 4)\n"
        "  --kv-heads G       key/value heads; must divide --heads (default: = heads;\n"
        "                     fewer is grouped-query, 1 is multi-query)\n"
        "  --causal           position i may not attend to j > i\n"
        "  --no-scale         do not divide scores by sqrt(d_head)\n"
        "  --temperature T    divide scores by T too, 0.01 to 100 (default 1)\n"
        "  --seed N           seed of the token vectors and weights, 0 to 2^53-1 (default 42)\n"
        "  --max-tokens N     refuse longer sentences, up to 65536 (app: 256; default 64)\n"
        "  --weights W        mechanics (random weights from --seed, the default) or trained\n"
        "                     (the shipped trained model)\n"
        "  --model FILE       a model saved by attnviz train: the trained source on it; it\n"
        "                     fixes d_model, heads, causal, scaling and temperature\n"
        "  --layer N          the layer of the trained model shown, from 1 (default 1)\n"
        "\n"
        "app and render:\n"
        "  --theme dark|light colours for the room (default dark)\n"
        "\n"
        "render:\n"
        "  --stage NAME|N     1 embed, 2 project, 3 split, 4 scores, 5 scale, 6 mask,\n"
        "                     7 softmax, 8 weighted, 9 concat, 10 output (default 1)\n"
        "  --progress P       how far the stage's animation is, 0 to 1 (default 1)\n"
        "  --view V           heads, focus or arcs (default heads)\n"
        "  --head H           the head in focus, from 1 (default 1)\n"
        "  --size WxH         image size in pixels (default 1280x800)\n"
        "  --out FILE.png     where to write the frame (required)\n"
        "\n"
        "bench core:\n"
        "  --reference        also time the plain reference loops\n"
        "\n"
        "Bad input exits with status 2 and one line on stderr naming the fix.\n",
        f);
}
