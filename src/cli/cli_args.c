/* The model commands' option parser (cli_args.h). */
#include <string.h>

#include "attnviz/suggest.h"
#include "cli.h"
#include "cli_args.h"

int cli_args_parse(const char *command, const char *usage, const cli_arg *args, size_t n_args,
                   int argc, char **argv, int first, char *err, size_t err_len) {
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        const cli_arg *a = NULL;
        const char *value = NULL;
        for (size_t k = 0; k < n_args; k++) {
            size_t len = strlen(args[k].name);
            if (strncmp(arg, args[k].name, len) == 0 &&
                (arg[len] == '\0' || (arg[len] == '=' && args[k].kind != CLI_ARG_FLAG))) {
                a = &args[k];
                value = arg[len] == '=' ? arg + len + 1 : NULL;
                break;
            }
        }
        if (!a) {
            const char *names[64];
            size_t n = n_args < 64 ? n_args : 64;
            for (size_t k = 0; k < n; k++) names[k] = args[k].name;
            const char *best = attn_suggest(arg, strlen(arg), names, n);
            if (best)
                return cli_fail(err, err_len,
                            "%s: unknown option '%.64s' (did you mean '%s'?); see attnviz %s "
                            "--help",
                            command, arg, best, command);
            return cli_fail(err, err_len, "%s: unknown option '%.64s'; see attnviz %s --help",
                        command, arg, command);
        }
        if (a->kind == CLI_ARG_FLAG) {
            *(int *)a->target = 1;
            continue;
        }
        if (!value) {
            if (i + 1 >= argc) return cli_fail(err, err_len, "%s needs a value; see attnviz %s --help",
                                           a->name, command);
            value = argv[++i];
        }
        int rc = 0;
        switch (a->kind) {
        case CLI_ARG_SIZE:
            rc = cli_parse_size(a->name, value, (size_t)a->lo, (size_t)a->hi, (size_t *)a->target,
                                err, err_len);
            break;
        case CLI_ARG_FLOAT:
            rc = cli_parse_float(a->name, value, (float)a->lo, (float)a->hi, (float *)a->target,
                                 err, err_len);
            break;
        case CLI_ARG_SEED: rc = cli_parse_seed(a->name, value, (uint64_t *)a->target, err, err_len); break;
        case CLI_ARG_STRING:
            if (!*value) rc = cli_fail(err, err_len, "%s needs a value, not an empty one", a->name);
            *(const char **)a->target = value;
            break;
        case CLI_ARG_FLAG: break;
        }
        if (rc) return rc;
    }
    return 0;
}
