/* The arcs view through `attnviz render --view arcs --layout F.json`: the
 * line that says which weights are drawn is on screen, and the count it
 * gives is what the rule (arcs_select) keeps of the weights `attnviz dump`
 * writes, for 9, 22 and 64 tokens; stage 8 shows the value flow; stages
 * without weights say so in words.
 * usage: test_arcs_layout PATH_TO_ATTNVIZ */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arcs_select.h"
#include "check.h"

static const char *exe;
static char dir[] = "/tmp/test_arcs_layout.XXXXXX";

static int run(const char *cmd) {
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static json_t *load(const char *path) {
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    CHECKF(root != NULL, "%s: %s (line %d)", path, e.text, e.line);
    return root;
}

/* The layout of `render --view arcs` with args, or NULL (a failed check). */
static json_t *arcs_layout(const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' render --view arcs %s --out '%s/f.png' "
             "--layout '%s/f.json' >'%s/log' 2>&1",
             exe, args, dir, dir, dir);
    int rc = run(cmd);
    CHECKF(rc == 0, "render %s exited %d", args, rc);
    char path[1024];
    snprintf(path, sizeof path, "%s/f.json", dir);
    return rc == 0 ? load(path) : NULL;
}

/* The first text run containing needle, or NULL. */
static const char *text_with(const json_t *root, const char *needle) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *s = json_string_value(json_object_get(json_array_get(items, i), "text"));
        if (s && strstr(s, needle)) return s;
    }
    return NULL;
}

/* Head h's weights and mask (−∞ where dump writes null) from `attnviz
 * dump` with settings, n×n each into w and m (caller's). Returns n, 0 on
 * failure. */
static size_t dumped_head(const char *settings, size_t h, float *w, float *m, size_t cap) {
    char cmd[4096], path[1024];
    snprintf(path, sizeof path, "%s/dump.json", dir);
    snprintf(cmd, sizeof cmd, "'%s' dump %s >'%s' 2>'%s/log'", exe, settings, path, dir);
    CHECKF(run(cmd) == 0, "dump %s failed", settings);
    json_t *root = load(path);
    if (!root) return 0;
    const json_t *head = json_array_get(json_object_get(root, "heads"), h);
    const json_t *jw = json_object_get(head, "weights"), *jm = json_object_get(head, "masked");
    size_t n = json_array_size(jw);
    if (n * n > cap) n = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const json_t *mv = json_array_get(json_array_get(jm, i), j);
            w[i * n + j] = (float)json_number_value(json_array_get(json_array_get(jw, i), j));
            m[i * n + j] = json_is_null(mv) ? -INFINITY : (float)json_number_value(mv);
        }
    json_decref(root);
    return n;
}

/* A sentence of n words, into buf. */
static void words(size_t n, char *buf, size_t cap) {
    static const char *const pool[] = {"the", "cat", "sat",  "on",   "a",    "mat",
                                       "by",  "old", "door", "and",  "then", "slept"};
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && at + 8 < cap; k++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", k ? " " : "", pool[k % 12]);
}

/* Stage 7 in arcs: the rule's line on screen, and its count equal to what
 * the rule keeps of head (from 1) `head`'s weights. */
static void softmax_lines(size_t tokens, const char *extra, const char *frame, size_t head,
                          size_t want_k) {
    static float w[256 * 256], m[256 * 256];
    static unsigned char keep[256 * 256];
    char sentence[2048], settings[2600], args[3000];
    words(tokens, sentence, sizeof sentence);
    snprintf(settings, sizeof settings, "--sentence '%s' %s", sentence, extra);
    size_t n = dumped_head(settings, head - 1, w, m, 256 * 256);
    CHECKF(n == tokens, "dump gave %zu tokens, not %zu", n, tokens);
    if (n != tokens) return;
    arcs_rule rule = arcs_rule_for(n, 0);
    CHECK(rule.top_k == want_k);
    size_t want = arcs_select(w, m, n, n, rule, keep);
    CHECKF(want >= 1 && want <= want_k * n, "%zu lines for %zu rows", want, n);

    snprintf(args, sizeof args, "%s %s --stage 7 --head %zu", settings, frame, head);
    json_t *root = arcs_layout(args);
    if (!root) return;
    char rule_text[96];
    arcs_rule_text(rule, rule_text, sizeof rule_text);
    const char *s = text_with(root, rule_text);
    CHECKF(s != NULL, "%zu tokens: no text run reads \"%s\"", tokens, rule_text);
    if (s) {
        size_t got = 0, got_head = 0;
        const char *at = strstr(s, "weights drawn") ? s + strlen(rule_text) : NULL;
        CHECKF(at && sscanf(at, ": %zu of head %zu's", &got, &got_head) == 2,
               "no count in \"%s\"", s);
        CHECKF(got == want && got_head == head, "%zu tokens: screen says %zu lines of head %zu, "
               "the rule keeps %zu of head %zu", tokens, got, got_head, want, head);
    }
    json_decref(root);
}

static void says(const char *args, const char *needle) {
    json_t *root = arcs_layout(args);
    if (!root) return;
    CHECKF(text_with(root, needle) != NULL, "render %s: no text run reads \"%s\"", args, needle);
    json_decref(root);
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    softmax_lines(9, "--heads 4", "--size 1280x800", 1, 2);
    softmax_lines(22, "--heads 8 --causal", "--size 1920x1080", 3, 2);
    softmax_lines(64, "--heads 4", "--size 1920x1080 --theme light", 2, 1);

    /* stage 8: one token's output from the value rows, not stage 7 again */
    says("--weights mechanics --stage 8", "value flow, head 1");
    says("--weights mechanics --stage 8 --head 3", "value flow, head 3");
    says("--stage 8 --head 3", "value flow, head 1.3"); /* the trained model's layer.head */
    /* no weights: words, not a silent switch to matrices */
    says("--stage 1", "no arcs at this stage");
    says("--stage 3", "no arcs at this stage");
    says("--stage 5", "no arcs yet");
    says("--stage 9", "no arcs at this stage");
    says("--stage 10", "no arcs at this stage");

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (run(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_arcs_layout");
}
