/* The words a class reads on screen, from `attnviz render --layout F.json`
 * (every text run drawn): counts in the right number ("1 product", not
 * "1 products"), the focus view naming its head, one name per head.
 * usage: test_texts PATH_TO_ATTNVIZ */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "layout_json.h"

static const char *exe;
static char dir[] = "/tmp/test_texts.XXXXXX";

/* The layout of `attnviz render ARGS`, or NULL (a failed check). */
static json_t *layout_of(const char *args) { return layout_render(exe, dir, args); }

/* How many text runs hold word; "=WORD" counts the runs that are exactly WORD. */
static int texts_with(const json_t *root, const char *word) {
    const json_t *items = json_object_get(root, "items");
    bool exact = word[0] == '=';
    int count = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *s = json_string_value(json_object_get(json_array_get(items, i), "text"));
        if (s && (exact ? strcmp(s, word + 1) == 0 : strstr(s, word) != NULL)) count++;
    }
    return count;
}

/* Checks that the frame of args shows want (when not NULL) and never
 * shows refuse (when not NULL). */
static void check_words(const char *args, const char *want, const char *refuse) {
    json_t *root = layout_of(args);
    if (!root) return;
    if (want) CHECKF(texts_with(root, want) > 0, "render %s: no text with \"%s\"", args, want);
    if (refuse)
        CHECKF(texts_with(root, refuse) == 0, "render %s: a text with \"%s\"", args, refuse);
    json_decref(root);
}

/* Checks that no two text runs of the frame of args overlap (more than a
 * pixel or two of the boxes' slack): labels thinned for rows shorter than
 * the type must be thinned for the type actually drawn. */
static void check_no_overlap(const char *args) {
    json_t *root = layout_of(args);
    if (!root) return;
    const json_t *items = json_object_get(root, "items");
    int bad = 0;
    for (size_t a = 0; a < json_array_size(items); a++) {
        const json_t *A = json_array_get(items, a);
        const char *ta = json_string_value(json_object_get(A, "text"));
        if (!ta || strcmp(json_string_value(json_object_get(A, "kind")), "text") != 0) continue;
        for (size_t b = a + 1; b < json_array_size(items); b++) {
            const json_t *B = json_array_get(items, b);
            const char *tb = json_string_value(json_object_get(B, "text"));
            if (!tb || strcmp(json_string_value(json_object_get(B, "kind")), "text") != 0) continue;
            long ax = json_integer_value(json_object_get(A, "x")),
                 aw = json_integer_value(json_object_get(A, "w")),
                 ay = json_integer_value(json_object_get(A, "y")),
                 ah = json_integer_value(json_object_get(A, "h"));
            long bx = json_integer_value(json_object_get(B, "x")),
                 bw = json_integer_value(json_object_get(B, "w")),
                 by = json_integer_value(json_object_get(B, "y")),
                 bh = json_integer_value(json_object_get(B, "h"));
            long ox = (ax + aw < bx + bw ? ax + aw : bx + bw) - (ax > bx ? ax : bx);
            long oy = (ay + ah < by + bh ? ay + ah : by + bh) - (ay > by ? ay : by);
            if (ox > 2 && oy > 4 && bad++ < 3)
                CHECKF(0, "render %s: \"%s\" and \"%s\" overlap by %ld x %ld px", args, ta, tb,
                       ox, oy);
        }
    }
    CHECKF(bad == 0, "render %s: %d pairs of text runs overlap", args, bad);
    json_decref(root);
}

/* Checks that every head named in the frame of args is named layer.head
 * ("head 2.3", "O_2.3"), the trained model's one naming of heads. */
static void check_trained_names(const char *args, const char *layer) {
    json_t *root = layout_of(args);
    if (!root) return;
    const json_t *items = json_object_get(root, "items");
    size_t ll = strlen(layer);
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *s = json_string_value(json_object_get(json_array_get(items, i), "text"));
        if (!s) continue;
        static const char *const marks[] = {"head ", "Q_", "K_", "V_", "O_", "A_"};
        for (size_t m = 0; m < sizeof marks / sizeof *marks; m++) {
            size_t ml = strlen(marks[m]);
            for (const char *at = strstr(s, marks[m]); at; at = strstr(at + 1, marks[m])) {
                const char *d = at + ml;
                if (*d < '0' || *d > '9') continue; /* "head in focus", "Q_h" */
                CHECKF(strncmp(d, layer, ll) == 0 && d[ll] == '.',
                       "render %s: \"%s\" names a head without its layer", args, s);
            }
        }
    }
    json_decref(root);
}

int main(int argc, char **argv) {
    exe = argc > 1 ? argv[1] : "build/attnviz";
    if (!mkdtemp(dir)) return 1;

    /* counts: one head's width of 1 is "1 product summed" */
    check_words("--stage 4 --d-model 4 --heads 4", "1 product summed", "1 products");
    check_words("--stage 4 --d-model 8 --heads 4", "2 products summed", NULL);

    /* the focus view shows one head and says which */
    check_words("--weights mechanics --stage 4 --view focus --head 2",
                "for head 2 (each of the 4 alike)", "for each of the");
    check_words("--weights mechanics --stage 8 --view focus --head 3", "for head 3",
                "for each of the");
    check_words("--stage 8 --view focus --head 3", "for head 1.3", "for each of the");
    check_words("--stage 4 --view heads", "for each of the 4 heads", NULL);

    /* rows too thin for a readable sum beside each: one line per map says it */
    check_words("--weights mechanics --heads 8 --kv-heads 2 --causal --stage 7 --size 1920x1080 "
                "--sentence 'The cat sat on a mat by the old door and then slept the cat sat on "
                "a mat by old door and'",
                "every row Σ=1.000", "=Σ=1.000");
    /* normal mode too: one note a map, no column of the same Σ beside every row */
    check_words("--weights mechanics --stage 7 --size 1920x1080", "every row Σ=1.000", "=Σ=1.000");

    /* no label runs into another, wide matrices' thinned row labels included */
    check_no_overlap("--stage 2 --present --size 1920x1080");
    check_no_overlap("--stage 2 --size 1280x800");
    check_no_overlap("--stage 7 --present --size 1920x1080");
    /* stage 8's V_h and O_h names beside a narrow head, and stage 7's step
     * note beside the row under way */
    check_no_overlap("--weights mechanics --heads 8 --d-model 8 --stage 8 --size 1280x800");
    check_no_overlap("--weights mechanics --heads 8 --kv-heads 2 --causal --stage 7 --progress 0.6 "
                     "--size 1920x1080 --sentence 'The old teacher told the tired students that the "
                     "long exam would start after lunch because the room was cold'");
    check_no_overlap("--weights mechanics --d-model 512 --stage 2 --present --size 1920x1080");

    /* the overview's side text is re-wrapped to its column, never cut */
    check_words("--view model --present", "=learns.", NULL);
    check_words("--view model --present", "=them off", "switch th…");

    /* a trained model's heads are layer.head everywhere on screen */
    static const char *const views[] = {
        "--stage 3", "--stage 4", "--stage 8", "--stage 9", "--stage 10",
        "--stage 4 --view focus --head 3", "--stage 8 --view focus --head 2",
        "--stage 7 --view arcs --head 2", "--stage 9 --view focus --head 2",
    };
    for (size_t k = 0; k < sizeof views / sizeof *views; k++) {
        char args[256];
        snprintf(args, sizeof args, "%s --weights trained --layer 2", views[k]);
        check_trained_names(args, "2");
    }

    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_texts");
}
