/* The command line's one parser (cli_args.h): which command argv names,
 * its FILE arguments, its options read through its rows, and every
 * refusal as one line that names the option or the command and the fix. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attnviz/suggest.h"
#include "cli.h"
#include "cli_args.h"

static bool is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

/* Appends to the string in out (never past len). */
static void add(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *out, size_t len, const char *fmt, ...) {
    size_t used = strlen(out);
    if (used + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + used, len - used, fmt, ap);
    va_end(ap);
}

/* ---- commands: words, groups, names ---------------------------------------------- */

/* How many of argv[1..] spell words ("bench core" = 2); -1 when they do not. */
static int match_words(const char *words, int argc, char **argv) {
    int k = 0;
    const char *w = words;
    while (*w) {
        size_t len = strcspn(w, " ");
        if (k + 1 >= argc || strlen(argv[k + 1]) != len || strncmp(argv[k + 1], w, len) != 0)
            return -1;
        k++;
        w += len;
        while (*w == ' ') w++;
    }
    return k;
}

/* The command whose words argv spells, the longest when several do
 * ("lesson render" over "lesson"); *k its number of words. */
static const cli_command *find_command(const cli_command *table, size_t n, int argc, char **argv,
                                       int *k) {
    const cli_command *best = NULL;
    *k = -1;
    for (size_t i = 0; i < n; i++) {
        int m = match_words(table[i].words, argc, argv);
        if (m > *k) {
            *k = m;
            best = &table[i];
        }
    }
    return best;
}

/* Whether word begins commands of two words or more ("bench", "lesson"). */
static bool is_group(const cli_command *table, size_t n, const char *word) {
    size_t len = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (len && strncmp(table[i].words, word, len) == 0 && table[i].words[len] == ' ') return true;
    return false;
}

/* Whether word is the first word of a command ("dump", "bench"). */
static bool is_command_word(const cli_command *table, size_t n, const char *word) {
    size_t len = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (len && strncmp(table[i].words, word, len) == 0 &&
            (table[i].words[len] == ' ' || !table[i].words[len]))
            return true;
    return false;
}

static size_t n_rows(const cli_option_table *t) {
    size_t rows = 0;
    for (size_t l = 0; l < 4 && t->lists[l]; l++) rows += t->lists[l]->n;
    return rows;
}

/* The command's row i, counting through its lists. */
static const cli_arg *row(const cli_option_table *t, size_t i) {
    for (size_t l = 0; l < 4 && t->lists[l]; l++) {
        if (i < t->lists[l]->n) return &t->lists[l]->args[i];
        i -= t->lists[l]->n;
    }
    return NULL;
}

/* "--out DIR", "--causal" */
static void add_option(char *out, size_t len, const cli_arg *a) {
    add(out, len, "%s%s%s", a->name, a->value ? " " : "", a->value ? a->value : "");
}

/* What follows "attnviz": "lesson render FILE --out DIR [--size WxH] [--theme
 * dark|light]"; brief leaves out the parts in brackets. A command of more
 * than three options shows them as [OPTIONS], then the ones it needs. */
static void usage(char *out, size_t len, const cli_command *c, bool brief) {
    out[0] = '\0';
    add(out, len, "%s", c->words);
    if (c->min_files > 0) add(out, len, "%sFILE%s", *out ? " " : "", c->max_files < 0 ? "..." : "");
    const cli_option_table *t = c->options;
    size_t rows = n_rows(t);
    if (rows > 3 && !brief) add(out, len, "%s[OPTIONS]", *out ? " " : "");
    for (size_t i = 0; i < rows; i++) {
        const cli_arg *a = row(t, i);
        if (!a->required && (rows > 3 || brief)) continue;
        add(out, len, "%s%s", *out ? " " : "", a->required ? "" : "[");
        add_option(out, len, a);
        if (!a->required) add(out, len, "]");
    }
}

void cli_args_command_name(char *out, size_t len, const cli_command *table, size_t n,
                           const cli_command *c) {
    if (!c->words[0]) snprintf(out, len, "the app");
    else if (is_group(table, n, c->words) && c->max_files != 0) snprintf(out, len, "%s FILE", c->words);
    else snprintf(out, len, "%s", c->words);
}

/* "attnviz --help", "attnviz dump --help" */
static void help_hint(char *out, size_t len, const cli_command *c) {
    snprintf(out, len, "attnviz %s%s--help", c->words, c->words[0] ? " " : "");
}

/* Joins items with ", " and " or " / " and " before the last. */
static void join(char *out, size_t len, const char **items, size_t count, const char *last) {
    out[0] = '\0';
    for (size_t i = 0; i < count; i++)
        add(out, len, "%s%s", i == 0 ? "" : i + 1 == count ? last : ", ", items[i]);
}

void cli_args_command_list(char *out, size_t len, const cli_command *table, size_t n,
                           cli_list kind, const char *group) {
    enum { MAX = 32 };
    const char *items[MAX];
    char store[MAX][96];
    size_t count = 0;
    size_t glen = group ? strlen(group) : 0;
    for (size_t i = 0; i < n && count < MAX; i++) {
        const cli_command *c = &table[i];
        if (!c->words[0] || c->words[0] == '-' || strcmp(c->words, "help") == 0) continue;
        if (kind == CLI_LIST_GROUP) { /* each as it is typed */
            if (strncmp(c->words, group, glen) != 0 || (c->words[glen] != ' ' && c->words[glen]))
                continue;
            char u[80];
            usage(u, sizeof u, c, true);
            snprintf(store[count], sizeof store[count], "attnviz %s", u);
        } else if (kind == CLI_LIST_NO_WINDOW) {
            if (c->window) continue;
            snprintf(store[count], sizeof store[count], "%s", c->words);
        } else { /* first words, once each */
            size_t wl = strcspn(c->words, " ");
            bool seen = false;
            for (size_t k = 0; k < count; k++)
                seen = seen || (strlen(items[k]) == wl && strncmp(items[k], c->words, wl) == 0);
            if (seen) continue;
            snprintf(store[count], sizeof store[count], "%.*s", (int)wl, c->words);
        }
        items[count] = store[count];
        count++;
    }
    join(out, len, items, count, kind == CLI_LIST_NO_WINDOW ? " and " : " or ");
}

/* ---- options ----------------------------------------------------------------------- */

bool cli_given_has(const cli_given *g, const char *name) {
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->args[i]->name, name) == 0) return true;
    return false;
}

static void given_add(cli_given *g, const cli_arg *a) {
    for (size_t i = 0; i < g->n; i++)
        if (g->args[i] == a) return;
    if (g->n < CLI_GIVEN_MAX) g->args[g->n++] = a;
}

/* The row arg names: "--heads" or "--heads=8"; *value is what follows the
 * '=' (NULL without one). */
static const cli_arg *find_row(const cli_option_table *t, const char *arg, const char **value) {
    for (size_t i = 0; i < n_rows(t); i++) {
        const cli_arg *a = row(t, i);
        size_t len = strlen(a->name);
        if (strncmp(arg, a->name, len) == 0 && (arg[len] == '\0' || arg[len] == '=')) {
            *value = arg[len] == '=' ? arg + len + 1 : NULL;
            return a;
        }
    }
    return NULL;
}

/* Why arg is not an option of c, and the fix. */
static int refuse(const cli_command *table, size_t n, const cli_command *c, const char *name,
                  const char *arg, char *err, size_t err_len) {
    const cli_option_table *t = c->options;
    size_t rows = n_rows(t);
    char hint[80];
    help_hint(hint, sizeof hint, c);
    if (arg[0] != '-') {
        if (!c->words[0] && is_command_word(table, n, arg)) /* "attnviz --causal dump" */
            return cli_fail(err, err_len, "the command comes first: attnviz %.64s [OPTIONS]", arg);
        if (c->max_files < 0) /* tokenize: its words (any number) come first */
            return cli_fail(err, err_len, "%s takes its text first, then the options: not "
                            "'%.64s' after an option (or give it as --sentence); see %s", name,
                            arg, hint);
        if (c->max_files != 0)
            return cli_fail(err, err_len, "%s takes its FILE first, not '%.64s' after an option; "
                            "see %s", name, arg, hint);
        return cli_fail(err, err_len, "%s takes no arguments, not '%.64s'; see %s", name, arg, hint);
    }
    if (rows == 0) {
        if (c->max_files != 0)
            return cli_fail(err, err_len, "%s takes files, not '%.64s' (for a file named so, write "
                            "./%.64s)", name, arg, arg);
        return cli_fail(err, err_len, "%s takes no arguments, not '%.64s'", name, arg);
    }
    if (rows <= 3) { /* few enough to name them all */
        const char *items[3];
        char store[3][48], list[160];
        for (size_t i = 0; i < rows; i++) {
            store[i][0] = '\0';
            add_option(store[i], sizeof store[i], row(t, i));
            items[i] = store[i];
        }
        join(list, sizeof list, items, rows, " and ");
        return cli_fail(err, err_len, "%s takes %s, not '%.64s'", name, list, arg);
    }
    size_t len = strcspn(arg, "="); /* the option without its value */
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < n_rows(table[k].options); i++) {
            const char *other = row(table[k].options, i)->name;
            if (strlen(other) == len && strncmp(other, arg, len) == 0)
                return cli_fail(err, err_len, "%.64s does not apply to %s; see %s", other, name,
                                hint);
        }
    const char *names[CLI_GIVEN_MAX];
    size_t count = 0;
    for (size_t i = 0; i < rows && count < CLI_GIVEN_MAX; i++) names[count++] = row(t, i)->name;
    for (size_t k = 0; k < n && count < CLI_GIVEN_MAX && !c->words[0]; k++)
        if (table[k].words[0] == '-') names[count++] = table[k].words; /* attnviz --version */
    const char *best = attn_suggest(arg, len, names, count);
    if (best)
        return cli_fail(err, err_len, "unknown option '%.64s' (did you mean '%s'?); see %s", arg,
                        best, hint);
    return cli_fail(err, err_len, "unknown option '%.64s'; see %s", arg, hint);
}

/* value into the row's field. */
static int read_value(const cli_arg *a, const char *value, void *target, char *err,
                      size_t err_len) {
    switch (a->kind) {
    case CLI_ARG_SIZE:
        return cli_parse_size(a->name, value, (size_t)a->lo, (size_t)a->hi, target, err, err_len);
    case CLI_ARG_FLOAT:
        return cli_parse_float(a->name, value, (float)a->lo, (float)a->hi, target, err, err_len);
    case CLI_ARG_SEED: return cli_parse_seed(a->name, value, target, err, err_len);
    case CLI_ARG_PATH:
        if (!*value) return cli_fail(err, err_len, "%s needs a file name, not an empty one", a->name);
        *(const char **)target = value;
        return 0;
    case CLI_ARG_TEXT: *(const char **)target = value; return 0;
    case CLI_ARG_CUSTOM: return a->parse(a, value, target, err, err_len);
    case CLI_ARG_FLAG: break;
    }
    return 0;
}

/* argv[i..argc) as c's options. */
static int read_options(const cli_command *table, size_t n, const cli_command *c, const char *name,
                        void *opts, cli_given *given, int i, int argc, char **argv, char *err,
                        size_t err_len) {
    char hint[80];
    help_hint(hint, sizeof hint, c);
    for (; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        const cli_arg *a = strncmp(arg, "--", 2) == 0 ? find_row(c->options, arg, &value) : NULL;
        if (!a) return refuse(table, n, c, name, arg, err, err_len);
        void *target = (char *)opts + a->at;
        if (a->kind == CLI_ARG_FLAG) {
            if (value) return cli_fail(err, err_len, "%s takes no value: write %s alone", a->name, a->name);
            *(bool *)target = true;
        } else {
            if (!value) {
                /* never the next option: "--sentence --causal" lacks its sentence */
                if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)
                    return cli_fail(err, err_len, "%s needs a value; see %s", a->name, hint);
                value = argv[++i];
            }
            if (read_value(a, value, target, err, err_len) != 0) return 2;
        }
        given_add(given, a);
    }
    return 0;
}

/* After the command's words: its FILE arguments, options and rules. */
static int parse_command(const cli_command *table, size_t n, const cli_command *c, bool head,
                         cli_call *call, int first, int argc, char **argv, char *err,
                         size_t err_len) {
    char name[64], list[512];
    cli_args_command_name(name, sizeof name, table, n, c);
    /* The FILE arguments come first. A command that heads a group (the app,
     * "lesson FILE") reads a word it cannot take as a mistyped command. */
    int f = first;
    while (f < argc && argv[f][0] != '-') f++;
    int n_files = f - first;
    if (c->max_files >= 0 && n_files > c->max_files) {
        if (!c->words[0]) {
            cli_args_command_list(list, sizeof list, table, n, CLI_LIST_FIRST_WORDS, NULL);
            return cli_fail(err, err_len, "unknown command '%.64s': use %s; see attnviz --help",
                            argv[first], list);
        }
        if (head) {
            cli_args_command_list(list, sizeof list, table, n, CLI_LIST_GROUP, c->words);
            return cli_fail(err, err_len, "unknown %s command '%.64s': use %s", c->words,
                            argv[first], list);
        }
        if (c->max_files == 0)
            return cli_fail(err, err_len, "%s takes no arguments, not '%.64s'", name, argv[first]);
        return cli_fail(err, err_len, "%s takes one FILE, not also '%.64s'", name,
                        argv[first + c->max_files]);
    }
    for (int i = f; i < argc; i++)
        if (is_help(argv[i])) { /* "attnviz dump --help" */
            call->help = c->words;
            return 0;
        }
    call->files = argv + first;
    call->n_files = n_files;

    const cli_option_table *t = c->options;
    call->opts = calloc(1, t->size ? t->size : 1);
    if (!call->opts) return cli_fail(err, err_len, "out of memory for the options");
    if (t->init) t->init(call->opts);
    cli_given given = {0};
    if (read_options(table, n, c, name, call->opts, &given, f, argc, argv, err, err_len) != 0)
        return 2;
    if (n_files < c->min_files) {
        char u[128];
        usage(u, sizeof u, c, true);
        if (head) {
            cli_args_command_list(list, sizeof list, table, n, CLI_LIST_GROUP, c->words);
            return cli_fail(err, err_len, "%s needs a command: %s", c->words, list);
        }
        return cli_fail(err, err_len, "%s needs %s: attnviz %s", name,
                        c->max_files == 1 ? "a FILE" : "at least one FILE", u);
    }
    for (size_t i = 0; i < n_rows(t); i++) {
        const cli_arg *a = row(t, i);
        if (a->required && !cli_given_has(&given, a->name))
            return cli_fail(err, err_len, "%s needs %s %s", name, a->name, a->value);
    }
    return t->check ? t->check(call->opts, &given, err, err_len) : 0;
}

int cli_args_parse(const cli_command *table, size_t n, cli_call *call, int argc, char **argv,
                   char *err, size_t err_len) {
    memset(call, 0, sizeof *call);
    if (err && err_len) err[0] = '\0';
    int first;
    const cli_command *c = find_command(table, n, argc, argv, &first);
    if (!c) return cli_fail(err, err_len, "no command to run");
    first++; /* argv[0] is the program */
    const char *group = argc > 1 && is_group(table, n, argv[1]) ? argv[1] : NULL;
    if (group && !c->words[0]) { /* "bench", "bench --help", "bench foo" */
        char list[512];
        if (argc > 2 && is_help(argv[2])) {
            call->help = group;
            return 0;
        }
        cli_args_command_list(list, sizeof list, table, n, CLI_LIST_GROUP, group);
        if (argc < 3 || argv[2][0] == '-')
            return cli_fail(err, err_len, "%s needs a command: %s", group, list);
        return cli_fail(err, err_len, "unknown %s command '%.64s': use %s", group, argv[2], list);
    }
    call->command = c;
    bool head = group && strcmp(c->words, group) == 0;
    int rc = parse_command(table, n, c, head, call, first, argc, argv, err, err_len);
    if (rc != 0) cli_call_free(call);
    return rc;
}

void cli_call_free(cli_call *call) {
    free(call->opts);
    call->opts = NULL;
}

/* ---- --help --------------------------------------------------------------------- */

/* "  attnviz lesson list        the lessons in lessons/, with their titles" */
static void usage_line(FILE *f, const cli_command *c) {
    char u[160];
    usage(u, sizeof u, c, false);
    int len = fprintf(f, "  attnviz%s%s", u[0] ? " " : "", u);
    if (len > 28) fprintf(f, "\n%29s", "");
    else fprintf(f, "%*s", 29 - len, "");
    fprintf(f, "%s%s\n", c->summary, c->run ? "" : " (window build only)");
}

/* "  --kv-heads G       key/value heads; ..." with help's further lines indented. */
static void print_rows(FILE *f, const cli_option_table *t) {
    for (size_t l = 0; l < 4 && t->lists[l]; l++) {
        const cli_arg_list *list = t->lists[l];
        fprintf(f, "\n%s:\n", list->title);
        for (size_t i = 0; i < list->n; i++) {
            const cli_arg *a = &list->args[i];
            char left[64] = "";
            add_option(left, sizeof left, a);
            if (strlen(left) > 19) fprintf(f, "  %s\n  %-19s ", left, "");
            else fprintf(f, "  %-19s ", left);
            for (const char *h = a->help; *h;) {
                size_t len = strcspn(h, "\n");
                fprintf(f, "%.*s\n", (int)len, h);
                h += len;
                if (*h == '\n' && *++h) fprintf(f, "  %-19s ", "");
            }
        }
    }
}

int cli_args_help(FILE *f, const cli_command *table, size_t n, const char *what) {
    const cli_command *c = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].words, what) == 0) c = &table[i];
    bool group = is_group(table, n, what);
    if (!c && !group) return 2;
    if (!what[0]) { /* attnviz --help: every command, then the app's options */
        fprintf(f, "attnviz " ATTN_VERSION " - multi-head attention, every stage computed and "
                   "shown\n\nusage:\n");
        for (size_t i = 0; i < n; i++) usage_line(f, &table[i]);
        print_rows(f, c->options);
        fprintf(f, "\nattnviz COMMAND --help lists that command's options. Bad input exits with "
                   "status 2\nand one line on stderr naming the fix.\n");
        return 0;
    }
    if (group) { /* "bench", "lesson": the group's commands */
        size_t len = strlen(what);
        fprintf(f, "usage:\n");
        for (size_t i = 0; i < n; i++)
            if (strncmp(table[i].words, what, len) == 0 &&
                (table[i].words[len] == ' ' || !table[i].words[len]))
                usage_line(f, &table[i]);
        if (!c) return 0;
    } else {
        char u[160];
        usage(u, sizeof u, c, false);
        fprintf(f, "usage: attnviz %s\n%s%s\n", u, c->summary,
                c->run ? "" : " (window build only)");
    }
    if (c->options->about) fprintf(f, "\n%s", c->options->about);
    print_rows(f, c->options);
    return 0;
}

/* ---- file names ---------------------------------------------------------------- */

/* render and train's plot write PNG: a name that says so (a ".jpg" holding
 * PNG bytes would mislead whatever opens it). */
int cli_parse_png(const cli_arg *a, const char *value, void *target, char *err, size_t err_len) {
    size_t len = strlen(value);
    if (len == 0) return cli_fail(err, err_len, "%s needs a file name, e.g. %s frame.png", a->name, a->name);
    if (len < 4 || strcasecmp(value + len - 4, ".png") != 0)
        return cli_fail(err, err_len, "%s %.200s: attnviz writes a PNG image: give a path ending "
                        "in .png", a->name, value);
    *(const char **)target = value;
    return 0;
}

/* ---- numbers ------------------------------------------------------------------- */

/* A whole number in [lo, hi]: digits only, no sign, no spaces. */
int cli_parse_size(const char *opt, const char *s, size_t lo, size_t hi, size_t *out, char *err,
                   size_t err_len) {
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
    return cli_fail(err, err_len, "%s '%.32s' is not a whole number: use %zu to %zu", opt, s, lo,
                    hi);
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
    return cli_fail(err, err_len, "%s '%.32s' is not a whole number: use 0 to %llu", opt, s,
                    SEED_MAX);
}

/* Whether s is a plain decimal number: an optional sign, digits with at
 * most one point (some digit on either side), an optional exponent. strtod
 * alone would also take leading spaces, hex ("0x1p-3"), "inf" and "nan"; a
 * number reads the same whatever way it is written, or it is refused. */
static int is_decimal(const char *s) {
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9') p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++, digits++;
    }
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == '\0';
}

/* A finite number in [lo, hi], written in decimal. */
int cli_parse_float(const char *opt, const char *s, float lo, float hi, float *out, char *err,
                    size_t err_len) {
    char *end = NULL;
    double v = is_decimal(s) ? strtod(s, &end) : 0.0;
    if (!is_decimal(s) || end == s || *end != '\0' || !isfinite(v))
        return cli_fail(err, err_len, "%s '%.32s' is not a finite number: use %g to %g", opt, s,
                        (double)lo, (double)hi);
    if (!(v >= lo && v <= hi))
        return cli_fail(err, err_len, "%s %.32s is out of range: use %g to %g", opt, s,
                        (double)lo, (double)hi);
    *out = (float)v;
    return 0;
}
