/* Command-line parsing. Strict: a number is digits only, a value is never
 * taken from the next option, and every mistake names the option and the fix. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int fail(char *err, size_t err_len, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return 2;
}

/* Options that take a value, and flags, for the "did you mean" hint. */
static const char *const known_options[] = {
    "--sentence", "--d-model", "--heads", "--kv-heads",  "--causal", "--no-scale",
    "--temperature", "--seed", "--max-tokens", "--reference", "--help", "--version",
};

/* Edit distance of two short strings (the option names), capped at 32 chars. */
static size_t distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32) return 99;
    size_t prev[33], cur[33];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

static int unknown_option(const char *arg, char *err, size_t err_len) {
    const char *best = NULL;
    size_t best_d = 3; /* only suggest close matches */
    for (size_t i = 0; i < sizeof known_options / sizeof *known_options; i++) {
        size_t d = distance(arg, known_options[i]);
        if (d < best_d) best_d = d, best = known_options[i];
    }
    if (best)
        return fail(err, err_len, "unknown option '%.64s' (did you mean '%s'?); see attnviz --help",
                    arg, best);
    return fail(err, err_len, "unknown option '%.64s'; see attnviz --help", arg);
}

/* A whole number in [lo, hi]: digits only, no sign, no spaces. */
static int parse_size(const char *opt, const char *s, size_t lo, size_t hi, size_t *out,
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
        return fail(err, err_len, "%s %.32s is out of range: use %zu to %zu", opt, s, lo, hi);
    *out = v;
    return 0;
not_a_number:
    return fail(err, err_len, "%s '%.32s' is not a whole number: use %zu to %zu", opt, s, lo, hi);
}

/* Seeds stop at 2^53 - 1 so that every JSON reader (JavaScript's too)
 * reads the dumped seed back exactly. */
#define SEED_MAX 9007199254740991ull

static int parse_seed(const char *opt, const char *s, uint64_t *out, char *err, size_t err_len) {
    uint64_t v = 0;
    if (*s == '\0') goto bad;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') goto bad;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > SEED_MAX)
            return fail(err, err_len, "%s %.32s is too large: use 0 to %llu", opt, s, SEED_MAX);
    }
    *out = v;
    return 0;
bad:
    return fail(err, err_len, "%s '%.32s' is not a whole number: use 0 to %llu", opt, s, SEED_MAX);
}

static int parse_float(const char *opt, const char *s, float *out, char *err, size_t err_len) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || end == s || *end != '\0' || !isfinite(v))
        return fail(err, err_len, "%s '%.32s' is not a finite number: use %g to %g", opt, s,
                    (double)ATTN_TEMPERATURE_MIN, (double)ATTN_TEMPERATURE_MAX);
    if (!(v >= ATTN_TEMPERATURE_MIN && v <= ATTN_TEMPERATURE_MAX))
        return fail(err, err_len, "%s %.32s is out of range: use %g to %g", opt, s,
                    (double)ATTN_TEMPERATURE_MIN, (double)ATTN_TEMPERATURE_MAX);
    *out = (float)v;
    return 0;
}

int cli_parse(cli_options *o, int argc, char **argv, char *err, size_t err_len) {
    memset(o, 0, sizeof *o);
    o->command = CLI_HELP;
    o->sentence = CLI_DEFAULT_SENTENCE;
    o->config = attn_config_default();
    o->seed = 42;
    o->max_tokens = ATTN_TOKENS_DEFAULT;
    if (err && err_len) err[0] = '\0';
    if (argc < 2) return 0;

    int i = 1;
    const char *cmd = argv[1];
    if (strcmp(cmd, "dump") == 0) {
        o->command = CLI_DUMP;
        i = 2;
    } else if (strcmp(cmd, "bench") == 0) {
        if (argc < 3 || strcmp(argv[2], "core") != 0)
            return fail(err, err_len, "bench needs what to measure: attnviz bench core");
        o->command = CLI_BENCH_CORE;
        i = 3;
    } else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        o->command = CLI_HELP;
        return 0;
    } else if (strcmp(cmd, "--version") == 0) {
        o->command = CLI_VERSION;
        return 0;
    } else if (cmd[0] != '-') {
        return fail(err, err_len, "unknown command '%.64s': use dump or bench core; see attnviz --help",
                    cmd);
    } else {
        o->command = CLI_DUMP; /* options without a command: dump */
    }

    int kv_given = 0;
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
        /* Flags. */
        if (strcmp(arg, "--causal") == 0) { o->config.causal = true; continue; }
        if (strcmp(arg, "--no-scale") == 0) { o->config.scale = false; continue; }
        if (strcmp(arg, "--reference") == 0 && o->command == CLI_BENCH_CORE) {
            o->bench_reference = 1;
            continue;
        }

        /* Options with a value: "--opt value" or "--opt=value". */
        static const char *const valued[] = {"--sentence", "--d-model", "--heads",
                                             "--kv-heads", "--temperature", "--seed",
                                             "--max-tokens"};
        const char *name = NULL, *value = NULL;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) {
            size_t len = strlen(valued[k]);
            if (strncmp(arg, valued[k], len) == 0 && (arg[len] == '\0' || arg[len] == '=')) {
                name = valued[k];
                value = arg[len] == '=' ? arg + len + 1 : NULL;
                break;
            }
        }
        if (!name) return unknown_option(arg, err, err_len);
        if (o->command == CLI_BENCH_CORE)
            return fail(err, err_len, "bench core has fixed cases and takes no %s", name);
        if (!value) {
            if (i + 1 >= argc)
                return fail(err, err_len, "%s needs a value; see attnviz --help", name);
            value = argv[++i];
        }

        size_t v = 0;
        int rc = 0;
        if (strcmp(name, "--sentence") == 0) {
            o->sentence = value;
        } else if (strcmp(name, "--d-model") == 0) {
            rc = parse_size(name, value, 1, ATTN_D_MODEL_MAX, &v, err, err_len);
            o->config.d_model = v;
        } else if (strcmp(name, "--heads") == 0) {
            rc = parse_size(name, value, 1, ATTN_HEADS_MAX, &v, err, err_len);
            o->config.n_heads = v;
        } else if (strcmp(name, "--kv-heads") == 0) {
            rc = parse_size(name, value, 1, ATTN_HEADS_MAX, &v, err, err_len);
            o->config.n_kv_heads = v;
            kv_given = 1;
        } else if (strcmp(name, "--temperature") == 0) {
            rc = parse_float(name, value, &o->config.temperature, err, err_len);
        } else if (strcmp(name, "--seed") == 0) {
            rc = parse_seed(name, value, &o->seed, err, err_len);
        } else if (strcmp(name, "--max-tokens") == 0) {
            rc = parse_size(name, value, 1, ATTN_TOKENS_MAX, &o->max_tokens, err, err_len);
        }
        if (rc) return rc;
    }
    /* Without --kv-heads every head has its own keys and values. */
    if (!kv_given) o->config.n_kv_heads = o->config.n_heads;
    if (attn_config_check(&o->config, err, err_len) != ATTN_OK) return 2;
    return 0;
}

void cli_print_help(FILE *f) {
    fputs(
        "attnviz " ATTN_VERSION " - multi-head attention, every stage computed and shown\n"
        "\n"
        "usage:\n"
        "  attnviz dump [OPTIONS]     write every stage of attention as JSON to stdout\n"
        "  attnviz bench core         time the forward pass (median ms, GFLOP/s)\n"
        "  attnviz --help | --version\n"
        "\n"
        "options:\n"
        "  --sentence S       the text to attend over (default: \"" CLI_DEFAULT_SENTENCE "\")\n"
        "  --d-model N        width of the model, 1 to 4096 (default 32)\n"
        "  --heads H          query heads; must divide d_model (default 4)\n"
        "  --kv-heads G       key/value heads; must divide --heads (default: = heads;\n"
        "                     fewer is grouped-query, 1 is multi-query)\n"
        "  --causal           position i may not attend to j > i\n"
        "  --no-scale         do not divide scores by sqrt(d_head)\n"
        "  --temperature T    divide scores by T too, 0.01 to 100 (default 1)\n"
        "  --seed N           seed of the token vectors and weights, 0 to 2^53-1 (default 42)\n"
        "  --max-tokens N     refuse sentences longer than this, up to 65536 (default 64)\n"
        "  --reference        (bench core) also time the plain reference loops\n"
        "\n"
        "Bad input exits with status 2 and one line on stderr naming the fix.\n",
        f);
}
