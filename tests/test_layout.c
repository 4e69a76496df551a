/* `attnviz render --layout F.json`: what the frame drew, read back with
 * jansson and checked for what a reader of the picture relies on: every
 * head's heatmap at the attention stages, all inside the frame and apart,
 * text runs with a size, the sentence's words as labels, and a layout that
 * follows the frame's size; and `lesson render --layout`, one a step.
 * usage: test_layout PATH_TO_ATTNVIZ */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attnviz/attn.h"
#include "attnviz/tokenize.h"
#include "check.h"
#include "layout_json.h"

static const char *exe;
static char dir[] = "/tmp/test_layout.XXXXXX";

/* Runs attnviz render with args, writing dir/name.png and dir/name.json;
 * returns the exit status (stdout and stderr go to dir/log). */
static int render(const char *name, const char *args) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' render %s --out '%s/%s.png' --layout '%s/%s.json' "
             ">'%s/log' 2>&1",
             exe, args, dir, name, dir, name, dir);
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The layout render wrote for name, or NULL (a failed check). */
static json_t *layout_of(const char *name, const char *args) {
    int rc = render(name, args);
    CHECKF(rc == 0, "render %s exited %d", args, rc);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    CHECKF(root != NULL, "%s: %s (line %d)", path, e.text, e.line);
    return root;
}

/* The heatmap named name of head (-1: not per head), or NULL. */
static const json_t *heatmap(const json_t *root, const char *name, int head) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *nm = json_string_value(json_object_get(it, "name"));
        if (layout_is_kind(it, "heatmap") && nm && strcmp(nm, name) == 0 && layout_int(it, "head") == head)
            return it;
    }
    return NULL;
}

static bool overlap(const json_t *a, const json_t *b) {
    return layout_int(a, "x") < layout_int(b, "x") + layout_int(b, "w") &&
           layout_int(b, "x") < layout_int(a, "x") + layout_int(a, "w") &&
           layout_int(a, "y") < layout_int(b, "y") + layout_int(b, "h") &&
           layout_int(b, "y") < layout_int(a, "y") + layout_int(a, "h");
}

/* What holds on any frame: the frame's size, a dozen text runs, every
 * heatmap a non-empty box inside the frame with cells, every text run a
 * size and a box; word, if given, is drawn. Returns the count of heatmaps. */
static size_t check_frame(const json_t *root, int w, int h, const char *word) {
    const json_t *frame = json_object_get(root, "frame");
    CHECK(layout_int(frame, "w") == w && layout_int(frame, "h") == h);
    const json_t *items = json_object_get(root, "items");
    CHECK(json_is_array(items));
    size_t maps = 0, texts = 0, words = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        int x = layout_int(it, "x"), y = layout_int(it, "y"), iw = layout_int(it, "w"), ih = layout_int(it, "h");
        if (layout_is_kind(it, "heatmap")) {
            maps++;
            CHECKF(iw > 0 && ih > 0 && x >= 0 && y >= 0 && x + iw <= w && y + ih <= h,
                   "heatmap %s at %d,%d %dx%d is not inside %dx%d",
                   json_string_value(json_object_get(it, "name")), x, y, iw, ih, w, h);
            CHECK(layout_int(it, "rows") > 0 && layout_int(it, "cols") > 0);
            CHECK(json_is_integer(json_object_get(it, "head")));
        } else if (layout_is_kind(it, "text")) {
            texts++;
            const char *s = json_string_value(json_object_get(it, "text"));
            CHECK(s != NULL && layout_int(it, "px") > 0 && iw > 0 && ih > 0);
            if (s && word && strcmp(s, word) == 0) words++;
        } else if (layout_is_kind(it, "highlight")) {
            /* an operand lit: a part of a matrix, inside the frame */
            CHECKF(iw > 0 && ih > 0 && x >= 0 && y >= 0 && x + iw <= w && y + ih <= h,
                   "highlight on %s at %d,%d %dx%d is not inside %dx%d",
                   json_string_value(json_object_get(it, "name")), x, y, iw, ih, w, h);
            CHECK(json_is_integer(json_object_get(it, "row")) &&
                  json_is_integer(json_object_get(it, "col")));
        } else {
            CHECKF(false, "item %zu has no known kind", i);
        }
    }
    CHECKF(texts >= 12, "%zu text runs: is recording broken?", texts);
    if (word) CHECKF(words > 0, "no text run reads \"%s\"", word);
    return maps;
}

/* Every head has a map called name, n×n, and no two heads' maps overlap. */
static void check_heads(const json_t *root, const char *name, int heads, int n) {
    for (int h = 0; h < heads; h++) {
        const json_t *m = heatmap(root, name, h);
        CHECKF(m != NULL, "no %s heatmap for head %d", name, h);
        if (!m) continue;
        CHECK(layout_int(m, "rows") == n && layout_int(m, "cols") == n);
        for (int g = 0; g < h; g++) {
            const json_t *o = heatmap(root, name, g);
            CHECKF(!o || !overlap(m, o), "heads %d and %d's %s overlap", g, h, name);
        }
    }
}

/* The highlight on row (col -1) or cell (row, col) of the matrix name of
 * head, or NULL. */
static const json_t *highlight(const json_t *root, const char *name, int head, int row, int col) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *nm = json_string_value(json_object_get(it, "name"));
        if (layout_is_kind(it, "highlight") && nm && strcmp(nm, name) == 0 &&
            layout_int(it, "head") == head && layout_int(it, "row") == row && layout_int(it, "col") == col)
            return it;
    }
    return NULL;
}

/* The first text run that holds sub, or NULL. */
static const char *text_with(const json_t *root, const char *sub) {
    const json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *t = json_string_value(json_object_get(it, "text"));
        if (layout_is_kind(it, "text") && t && strstr(t, sub)) return t;
    }
    return NULL;
}

/* hl lies on row i of the heatmap m (called name). */
static void check_row_at(const json_t *hl, const json_t *m, const char *name, int i) {
    int rows = layout_int(m, "rows"), mh = layout_int(m, "h");
    int top = layout_int(m, "y") + (int)((long)mh * i / rows);
    int bottom = layout_int(m, "y") + (int)((long)mh * (i + 1) / rows);
    CHECKF(layout_int(hl, "x") == layout_int(m, "x") && layout_int(hl, "w") == layout_int(m, "w") &&
               layout_int(hl, "y") == top && layout_int(hl, "h") == bottom - top,
           "%s row %d lit at %d,%d %dx%d, the row is at %d,%d %dx%d", name, i, layout_int(hl, "x"),
           layout_int(hl, "y"), layout_int(hl, "w"), layout_int(hl, "h"), layout_int(m, "x"), top, layout_int(m, "w"),
           bottom - top);
}

/* The highlight of row i on the matrix name of head exists and sits on
 * that row of the matrix's heatmap: its full width, the row's top and
 * height. */
static void check_row_lit(const json_t *root, const char *name, int head, int i) {
    const json_t *m = heatmap(root, name, head), *hl = highlight(root, name, head, i, -1);
    CHECKF(m && hl, "no highlight on row %d of %s (head %d)", i, name, head);
    if (!m || !hl) return;
    check_row_at(hl, m, name, i);
}

/* Stage 9's concat is drawn as one slab per head (heatmaps "O"), lit
 * across them all: on row i of the first slab, as wide as the slabs. */
static void check_concat_lit(const json_t *root, int heads, int i) {
    const json_t *first = heatmap(root, "O", 0), *last = heatmap(root, "O", heads - 1);
    const json_t *hl = highlight(root, "concat", -1, i, -1);
    CHECKF(first && last && hl, "no highlight on row %d of concat", i);
    if (!first || !last || !hl) return;
    int rows = layout_int(first, "rows"), mh = layout_int(first, "h");
    int top = layout_int(first, "y") + (int)((long)mh * i / rows);
    CHECK(layout_int(hl, "y") == top && layout_int(hl, "x") == layout_int(first, "x") &&
          layout_int(hl, "x") + layout_int(hl, "w") == layout_int(last, "x") + layout_int(last, "w"));
}

/* `render --follow 3`: token 3 ('sat') lit on every stage, on the right
 * matrix and row, and a line saying where it is. */
static void check_follow(int heads, int n) {
    static const struct {
        const char *stage, *says;
    } stages[] = {{"1", "x_3, its row of X"},   {"2", "its rows q_3, k_3, v_3"}, {"4", "its score row"},
                  {"7", "its weight row, which sums to 1"}, {"8", "its row of O_h"},
                  {"9", "its concat row"}, {"10", "its output row"}};
    const int i = 2; /* --follow 3 */
    for (size_t k = 0; k < sizeof stages / sizeof *stages; k++) {
        char args[160], name[32];
        snprintf(args, sizeof args, "--weights mechanics --stage %s --follow 3", stages[k].stage);
        snprintf(name, sizeof name, "follow%s", stages[k].stage);
        json_t *root = layout_of(name, args);
        if (!root) continue;
        check_frame(root, 1280, 800, NULL);
        const char *line = text_with(root, "following 'sat' (token 3)");
        CHECKF(line && strstr(line, stages[k].says), "stage %s: the follow line is \"%s\"",
               stages[k].stage, line ? line : "(none)");
        switch (atoi(stages[k].stage)) {
        case 1: check_row_lit(root, "X", -1, i); break;
        case 2:
            check_row_lit(root, "X", -1, i);
            check_row_lit(root, "Q", -1, i);
            check_row_lit(root, "K", -1, i);
            check_row_lit(root, "V", -1, i);
            break;
        case 4: for (int h = 0; h < heads; h++) check_row_lit(root, "scores", h, i); break;
        case 7: for (int h = 0; h < heads; h++) check_row_lit(root, "weights", h, i); break;
        case 8:
            for (int h = 0; h < heads; h++) {
                check_row_lit(root, "weights", h, i);
                check_row_lit(root, "O", h, i);
                /* a bar beside each V row the weight row mixes (none masked) */
                for (int j = 0; j < n; j++)
                    CHECKF(highlight(root, "V", h, j, -1), "head %d: no bar beside V row %d", h, j);
            }
            break;
        case 9: check_concat_lit(root, heads, i); break;
        case 10:
            check_row_lit(root, "concat", -1, i);
            check_row_lit(root, "output", -1, i);
            break;
        }
        json_decref(root);
    }
    /* stage 1 spells the token's row out: word vector + position = x */
    json_t *embed = layout_of("follow-embed", "--weights mechanics --stage 1 --follow 3");
    if (embed) {
        CHECK(text_with(embed, "e('sat') + p(3) = x_3"));
        for (size_t k = 0; k < 3; k++)
            CHECKF(heatmap(embed, (const char *[]){"e", "p", "x"}[k], -1),
                   "stage 1 lacks the sum's row %zu", k);
        json_decref(embed);
    }
    /* a token past the sentence is refused in words */
    CHECK(render("follow-bad", "--weights mechanics --stage 7 --follow 99") != 0);
}

/* Tokens of the built-in sentence: the side of every head's map. */
static int n_tokens(void) {
    char err[256];
    attn_token toks[64];
    size_t n = 0;
    const char *s = ATTN_EXAMPLE_SENTENCE;
    if (attn_tokenize(toks, 64, &n, s, strlen(s), err, sizeof err) != ATTN_OK) return -1;
    return (int)n;
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    attn_config c = attn_config_default();
    int heads = (int)c.n_heads, n = n_tokens();
    CHECK(n > 1);

    /* stage 4, the scores: one map per head, the words as labels */
    json_t *scores = layout_of("scores", "--stage 4 --size 1280x800");
    if (scores) {
        CHECK(check_frame(scores, 1280, 800, "robot") == (size_t)heads + 1); /* + colour bar */
        check_heads(scores, "scores", heads, n);
    }

    /* the weights (softmax finished) and the weighted sum, with V and O */
    json_t *weights = layout_of("weights", "--stage 7");
    if (weights) {
        check_frame(weights, 1280, 800, "robot");
        check_heads(weights, "weights", heads, n);
    }
    json_t *weighted = layout_of("weighted", "--stage 8");
    if (weighted) {
        check_frame(weighted, 1280, 800, NULL);
        check_heads(weighted, "weights", heads, n);
        for (int h = 0; h < heads; h++)
            CHECKF(heatmap(weighted, "V", h) && heatmap(weighted, "O", h),
                   "stage 8 lacks head %d's V or O", h);
    }

    /* another size: the same maps, placed anew, still inside the frame */
    json_t *small = layout_of("small", "--stage 4 --size 900x560");
    if (small && scores) {
        check_frame(small, 900, 560, NULL);
        check_heads(small, "scores", heads, n);
        const json_t *a = heatmap(scores, "scores", heads - 1), *b = heatmap(small, "scores", heads - 1);
        CHECK(a && b);
        if (a && b)
            CHECKF(layout_int(a, "x") != layout_int(b, "x") || layout_int(a, "w") != layout_int(b, "w"),
                   "the last head's map did not move or shrink with the frame");
    }

    /* the projections: whole matrices, not per head */
    json_t *project = layout_of("project", "--stage 2");
    if (project) {
        check_frame(project, 1280, 800, NULL);
        const char *names[] = {"X", "W_Q", "W_K", "W_V", "Q", "K", "V"};
        for (size_t k = 0; k < sizeof names / sizeof *names; k++)
            CHECKF(heatmap(project, names[k], -1), "stage 2 lacks %s", names[k]);
    }

    check_follow(heads, n);

    /* a lesson's steps: step-NN.json beside each step-NN.png, each a frame
     * of its own (the lesson panel's text in it) */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' lesson render lessons/01-soft-lookup.md --out '%s' "
             "--size 1024x640 --layout >'%s/log' 2>&1",
             exe, dir, dir);
    int rc = system(cmd);
    CHECK(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    size_t steps = 0, maps = 0;
    for (int k = 1; k < 100; k++) {
        char png[1024];
        snprintf(png, sizeof png, "%s/step-%02d.png", dir, k);
        if (access(png, F_OK) != 0) break;
        steps++;
        char name[32];
        snprintf(name, sizeof name, "step-%02d", k);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.json", dir, name);
        json_t *step = json_load_file(path, 0, NULL);
        CHECKF(step != NULL, "%s is missing or not JSON", path);
        if (step) maps += check_frame(step, 1024, 640, NULL);
        json_decref(step);
    }
    CHECK(steps >= 2 && maps > 0);

    /* a path that cannot be written: exit 2, no layout, no picture */
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' render --out '%s/x.png' --layout '%s/no/such/x.json' "
             ">/dev/null 2>'%s/log'",
             exe, dir, dir, dir);
    rc = system(cmd);
    CHECK(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
    snprintf(cmd, sizeof cmd, "%s/x.png", dir);
    CHECK(access(cmd, F_OK) != 0);

    json_decref(scores);
    json_decref(weights);
    json_decref(weighted);
    json_decref(small);
    json_decref(project);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_layout");
}
