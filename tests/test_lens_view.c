/* The lens panel (view_lens.c) in the model overview of a GPT-2 (a
 * committed fixture with GPT-2's vocabulary), drawn offscreen at 1920×1080
 * and in presenter mode: its titles, the heads' names and signed numbers
 * the state layer computed, the logit lens's rows, type of at least 14 px
 * (20 presenting), and bars in the diverging map's colours.
 * Set ATTNVIZ_TEST_PNG_DIR=/some/dir to also save the frames as PNGs.
 *
 * usage: test_lens_view GPT2_FIXTURE_FOLDER */
#define _POSIX_C_SOURCE 200809L
#include <SDL.h>
#include <SDL_image.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "check.h"
#include "colormap.h"
#include "layout_record.h"
#include "render.h"
#include "trained_lens.h"
#include "view_model.h"

static const layout_item *find_text(const layout_record *rec, const char *part) {
    for (size_t i = 0; i < rec->n; i++)
        if (rec->items[i].kind == LAYOUT_TEXT && strstr(rec->items[i].text, part))
            return &rec->items[i];
    return NULL;
}

static int count_color(SDL_Surface *sf, SDL_Rect rc, SDL_Color col) {
    int n = 0;
    for (int y = rc.y; y < rc.y + rc.h && y < sf->h; y++)
        for (int x = rc.x; x < rc.x + rc.w && x < sf->w; x++) {
            const uint8_t *row = (const uint8_t *)sf->pixels + (size_t)y * (size_t)sf->pitch;
            SDL_Color c;
            SDL_GetRGBA(((const uint32_t *)row)[x], sf->format, &c.r, &c.g, &c.b, &c.a);
            n += abs(c.r - col.r) <= 2 && abs(c.g - col.g) <= 2 && abs(c.b - col.b) <= 2;
        }
    return n;
}

static void frame(app_offscreen *o, app_state *s, bool present, const char *png) {
    layout_record rec;
    layout_init(&rec, o->surface->w, o->surface->h);
    app_offscreen_record(o, &rec);
    s->present = present;
    app_draw(o->renderer, o->text, &o->pool, s, o->surface->w, o->surface->h);
    SDL_RenderFlush(o->renderer);
    app_offscreen_record(o, NULL);
    const char *dir = getenv("ATTNVIZ_TEST_PNG_DIR");
    if (dir && *dir) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.png", dir, png);
        IMG_SavePNG(o->surface, path);
    }
    const state_trained *t = s->model.trained;
    state_lens lens;
    memset(&lens, 0, sizeof lens);
    char err[256];
    CHECKF(state_trained_lens(t, &lens, err, sizeof err) == ATTN_OK, "%s", err);
    int min_px = present ? 20 : 14;
    const layout_item *title = find_text(&rec, "pushed");
    const layout_item *table = find_text(&rec, "Logit lens");
    CHECKF(title != NULL, "%s: no lens title", png);
    CHECKF(table != NULL, "%s: no logit lens title", png);
    if (!title) goto done;
    /* the strongest head, named "layer.head" with its signed number */
    size_t order[1];
    CHECK(state_lens_top_heads(&lens, 1, order) == 1);
    char name[32], num[32];
    snprintf(name, sizeof name, "%zu.%zu", order[0] / lens.n_heads + 1,
             order[0] % lens.n_heads + 1);
    float top = lens.contrib[order[0]]; /* two digits under one, as the panel draws it */
    snprintf(num, sizeof num, fabsf(top) < 1.0f ? "%+.2f" : "%+.1f", (double)top);
    int checked = 0;
    for (size_t i = 0; i < rec.n; i++) {
        const layout_item *it = &rec.items[i];
        if (it->kind != LAYOUT_TEXT || it->box.y < title->box.y || it->box.x < title->box.x)
            continue;
        checked++;
        CHECKF(it->px >= min_px, "%s: \"%s\" at %d px", png, it->text, it->px);
    }
    CHECK(checked > 10);
    const layout_item *hn = NULL, *hv = NULL; /* in the panel, not the grid's titles */
    for (size_t i = 0; i < rec.n; i++) {
        const layout_item *it = &rec.items[i];
        if (it->kind != LAYOUT_TEXT || it->box.y < title->box.y || it->box.x < title->box.x)
            continue;
        if (!hn && strcmp(it->text, name) == 0) hn = it;
        if (!hv && strcmp(it->text, num) == 0) hv = it;
    }
    CHECKF(hn && hv && hn->box.y >= title->box.y && abs(hn->box.y - hv->box.y) <= 2,
           "%s: head %s %s not drawn on one line", png, name, num);
    /* the logit lens: the embeddings' row and the answer in the last */
    CHECK(find_text(&rec, "emb.") != NULL);
    char word[96];
    state_trained_token_text(t, lens.token, word, sizeof word);
    const layout_item *ans = NULL;
    for (size_t i = 0; i < rec.n; i++)
        if (rec.items[i].kind == LAYOUT_TEXT && table && rec.items[i].box.y > table->box.y &&
            strcmp(rec.items[i].text, word) == 0)
            ans = &rec.items[i];
    CHECKF(ans != NULL, "%s: the answer \"%s\" is not in the lens table", png, word);
    /* bars: positive red, negative blue (when there are such heads) */
    bool any_pos = false, any_neg = false; /* among the numbers drawn */
    for (size_t i = 0; i < rec.n; i++) {
        const layout_item *it = &rec.items[i];
        if (it->kind != LAYOUT_TEXT || it->box.y < title->box.y || it->box.x < title->box.x ||
            (table && it->box.y >= table->box.y))
            continue;
        any_pos |= it->text[0] == '+', any_neg |= it->text[0] == '-';
    }
    CHECK(any_pos || any_neg);
    SDL_Rect panel = {title->box.x, title->box.y, o->surface->w - title->box.x,
                      table ? table->box.y - title->box.y : 0};
    if (any_pos) CHECK(count_color(o->surface, panel, colormap_diverging(0.8f)) > 20);
    if (any_neg) CHECK(count_color(o->surface, panel, colormap_diverging(-0.8f)) > 20);
done:
    layout_free(&rec);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_lens_view GPT2_FIXTURE_FOLDER\n");
        return 2;
    }
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    state_settings set;
    state_settings_default(&set);
    set.source = STATE_SOURCE_TRAINED;
    snprintf(set.model_path, sizeof set.model_path, "%s", argv[1]);
    snprintf(set.sentence, sizeof set.sentence, "%s", "The cat sat on the mat because it");
    static app_state s;
    char err[APP_ERR_LEN];
    CHECKF(app_state_init(&s, &set, err, sizeof err) == ATTN_OK, "%s", err);
    app_offscreen o;
    if (s.model.trained && app_offscreen_init(&o, 1920, 1080, err, sizeof err) == ATTN_OK) {
        CHECK(app_overview_toggle(&s) == ATTN_OK && s.view == VIEW_MODEL);
        frame(&o, &s, false, "lens_1080");
        frame(&o, &s, true, "lens_1080_present");
        app_offscreen_free(&o);
    } else {
        CHECKF(0, "%s", err);
    }
    app_overview_free(&s);
    app_state_free(&s);
    FcFini();
    return check_done("test_lens_view");
}
