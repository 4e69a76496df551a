/* One rule names a head (heads.h, model_heads_name), and the three places
 * that show a head's name agree on every head of the shipped trained model:
 * the overview's label (state_overview_role_text, what its boxes draw),
 * `attnviz heads --json` ("name" and "roles") and a lesson's {{role L H}};
 * and {{best_*}} names exactly the heads whose names hold that role.
 * usage: test_head_names PATH_TO_ATTNVIZ MODEL */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lesson_player.h"
#include "overview.h"
#include "trained.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_head_names PATH_TO_ATTNVIZ MODEL\n");
        return 2;
    }
    state_trained t;
    char err[512];
    if (state_trained_load(&t, argv[2], err, sizeof err) != ATTN_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    CHECKF(t.have_roles, "%s has no head roles", argv[2]);
    size_t L = t.model.config.n_layers, H = t.model.config.n_heads;
    state_model m;
    memset(&m, 0, sizeof m);
    m.trained = &t;
    m.settings.config.n_heads = H;

    /* attnviz heads --json, measured afresh on the same held-out text */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' heads --model '%s' --json", argv[1], argv[2]);
    FILE *p = popen(cmd, "r");
    json_error_t e;
    json_t *root = p ? json_loadf(p, 0, &e) : NULL;
    if (p) CHECKF(pclose(p) == 0, "%s failed", cmd);
    CHECKF(root != NULL, "%s: no JSON", cmd);
    const json_t *heads = json_object_get(root, "heads");
    CHECKF(json_array_size(heads) == L * H, "%zu heads in the JSON", json_array_size(heads));

    size_t several = 0, none = 0, tied = 0;
    for (size_t k = 0; k < json_array_size(heads) && k < L * H; k++) {
        size_t l = k / H, h = k % H;
        const json_t *it = json_array_get(heads, k);
        CHECK((size_t)json_integer_value(json_object_get(it, "layer")) == l &&
              (size_t)json_integer_value(json_object_get(it, "head")) == h);
        char overview[256], role[256], src[64];
        state_overview_role_text(&m, l, h, overview, sizeof overview);
        snprintf(src, sizeof src, "{{role %zu %zu}}", l + 1, h + 1);
        CHECK(state_lesson_substitute(&m, src, role, sizeof role) == 0);
        const char *cli = json_string_value(json_object_get(it, "name"));
        CHECKF(cli && strcmp(cli, overview) == 0, "head %zu.%zu: heads says \"%s\", the overview \"%s\"",
               l + 1, h + 1, cli ? cli : "?", overview);
        CHECKF(strcmp(role, overview) == 0, "head %zu.%zu: {{role}} says \"%s\", the overview \"%s\"",
               l + 1, h + 1, role, overview);
        /* the JSON's roles are the name's, in order */
        model_head_name nm;
        model_heads_name(&t.roles, l, h, &nm);
        const json_t *roles = json_object_get(it, "roles");
        CHECKF(json_array_size(roles) == nm.n, "head %zu.%zu: %zu roles in JSON, %zu named",
               l + 1, h + 1, json_array_size(roles), nm.n);
        for (size_t r = 0; r < nm.n && r < json_array_size(roles); r++) {
            const json_t *o = json_array_get(roles, r);
            const char *key = json_string_value(json_object_get(o, "role"));
            CHECK(key && strcmp(key, model_role_key(nm.role[r])) == 0);
            CHECK(json_is_true(json_object_get(o, "tied")) == nm.tied[r]);
            tied += nm.tied[r];
        }
        several += nm.n > 1;
        none += nm.n == 0;
    }
    /* the shipped model shows what the rule is for: a head that wins several
     * roles, a tie, a head with no clear role */
    CHECKF(several > 0 && tied > 0 && none > 0, "%zu heads win several roles, %zu ties, %zu none",
           several, tied, none);

    /* {{best_X}} names the heads whose names hold X */
    static const struct {
        const char *value;
        model_role role;
    } best[] = {{"{{best_previous}}", MODEL_ROLE_PREVIOUS},
                {"{{best_induction}}", MODEL_ROLE_INDUCTION},
                {"{{best_antecedent}}", MODEL_ROLE_ANTECEDENT},
                {"{{best_subject}}", MODEL_ROLE_SUBJECT}};
    for (size_t b = 0; b < sizeof best / sizeof best[0]; b++) {
        char out[256];
        CHECK(state_lesson_substitute(&m, best[b].value, out, sizeof out) == 0);
        for (size_t k = 0; k < L * H; k++) {
            model_head_name nm;
            model_heads_name(&t.roles, k / H, k % H, &nm);
            bool holds = false;
            for (size_t r = 0; r < nm.n; r++) holds |= nm.role[r] == best[b].role;
            char id[48];
            snprintf(id, sizeof id, "%zu.%zu", k / H + 1, k % H + 1);
            CHECKF((strstr(out, id) != NULL) == holds, "%s is \"%s\"; head %s's name %s it",
                   best[b].value, out, id, holds ? "holds" : "does not hold");
        }
    }
    json_decref(root);
    state_trained_free(&t);
    return check_done("test_head_names");
}
