/* The settings panel in the window, driven as the user drives it: SDL key,
 * text and mouse events through the window's own event handling
 * (window_on_event), on an offscreen renderer (no display needed), each
 * followed by the panel's draw pass as a frame would run it.
 *
 * - A refused change (16 heads on d_model 8) says why and changes nothing,
 *   and the panel shows the values in effect again: the next change (the
 *   causal mask, a typed seed) applies on them.
 * - A refused text by Enter stays in its field, being edited, to mend.
 * - Enter ends editing a field; a click outside the panel ends it too and
 *   gives the keys back to the frame: 2 then picks head 2. A closed field
 *   takes no letters; a field being edited takes them, and they run no
 *   shortcut. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render.h"
#include "window_app.h"

static void panel_frame(window_app *a) {
    if (!a->s.show_settings) return;
    geometry g = window_layout(a);
    ui_begin(&a->ui, NULL, a->s.theme, g.px, g.panel, UI_KEYBOARD | UI_SCROLL | UI_BACKGROUND);
    settings_panel_run(&a->panel, &a->ui, &a->s);
    ui_end(&a->ui);
}

static void send(window_app *a, SDL_Event *ev) {
    window_on_event(a, ev);
    panel_frame(a);
}

/* A key press as SDL sends it: the key, then (for a printable key while
 * text input is on) its text. The text comes here every time: the window
 * must ignore it when no field is edited. */
static void key(window_app *a, SDL_Keycode k) {
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SDL_KEYDOWN;
    ev.key.keysym.sym = k;
    send(a, &ev);
    if (k >= SDLK_SPACE && k < 127) {
        memset(&ev, 0, sizeof ev);
        ev.type = SDL_TEXTINPUT;
        ev.text.text[0] = (char)k;
        send(a, &ev);
    }
}

static void type(window_app *a, const char *text) {
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SDL_TEXTINPUT;
    snprintf(ev.text.text, sizeof ev.text.text, "%s", text);
    send(a, &ev);
}

static void click(window_app *a, int x, int y) {
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SDL_MOUSEBUTTONDOWN;
    ev.button.button = SDL_BUTTON_LEFT;
    ev.button.x = x, ev.button.y = y;
    send(a, &ev);
    ev.type = SDL_MOUSEBUTTONUP;
    send(a, &ev);
}

static const attn_config *applied(const window_app *a) { return &a->s.model.settings.config; }

/* Head 0's weights have nothing right of the diagonal (a causal mask). */
static bool maps_masked(const window_app *a) {
    size_t n = a->s.model.trace.n;
    const float *w = a->s.model.trace.weights;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (w[i * n + j] != 0.0f) return false;
    return n > 1;
}

static void test_refused_then_other(window_app *a) {
    key(a, SDLK_p); /* the panel opens on Heads */
    CHECK(a->s.show_settings && ui_has_focus(&a->ui));
    key(a, SDLK_DOWN); /* d_model 32 -> 16 -> 8 */
    key(a, SDLK_LEFT);
    key(a, SDLK_LEFT);
    CHECKF(applied(a)->d_model == 8 && a->panel.error[0] == '\0', "%s", a->panel.error);
    key(a, SDLK_UP); /* Heads 4 -> 8 -> 16: 16 heads do not divide d_model 8 */
    key(a, SDLK_RIGHT);
    CHECKF(applied(a)->n_heads == 8, "%s", a->panel.error);
    uint64_t version = a->s.model.version;
    key(a, SDLK_RIGHT);
    /* refused: said in the panel and the status line, nothing changed, and
     * the panel shows the heads in effect again */
    CHECK(a->panel.error[0] != '\0' && a->panel.error_setting == ATTN_SETTING_HEADS);
    CHECK_STR_CONTAINS(a->panel.error, "16");
    CHECK(a->s.message_is_error);
    CHECK_STR_CONTAINS(a->s.message, "not applied");
    CHECK(a->s.model.version == version && applied(a)->n_heads == 8);
    CHECK(a->panel.draft.config.n_heads == 8 && a->panel.draft.config.n_kv_heads == 8);
    CHECK(state_settings_equal(&a->panel.draft, &a->s.model.settings));

    /* the causal mask after it applies, on the heads in effect */
    for (int i = 0; i < 4; i++) key(a, SDLK_DOWN); /* d_model, K/V, Max tokens, Causal */
    key(a, SDLK_RETURN);
    CHECKF(applied(a)->causal && a->s.model.version > version, "%s", a->panel.error);
    CHECK(maps_masked(a));
    CHECK(a->panel.error[0] == '\0' && a->panel.draft.config.causal);
    CHECK(applied(a)->n_heads == 8 && applied(a)->d_model == 8);
    CHECK(state_settings_equal(&a->panel.draft, &a->s.model.settings));

    /* and a typed seed: digits, then Enter */
    for (int i = 0; i < 4; i++) key(a, SDLK_DOWN); /* Cross, Scale, Temperature, Seed */
    key(a, SDLK_1);
    key(a, SDLK_2);
    CHECK(ui_typing(&a->ui));
    key(a, SDLK_RETURN);
    CHECKF(a->s.model.settings.seed == 12 && a->panel.draft.seed == 12, "%s", a->panel.error);
    CHECK(!ui_typing(&a->ui)); /* Enter ended the edit */
}

static void test_focus(window_app *a) {
    geometry g = window_layout(a);
    CHECK(g.panel.w > 0 && g.panel.x > 400);
    int px = g.panel.x / 2, py = a->out_h / 2; /* on the picture, beside the panel */

    /* after Enter, a click on the picture gives the keys back: 2 picks head 2 */
    a->s.focus_head = 0;
    click(a, px, py);
    CHECK(!ui_typing(&a->ui) && !ui_has_focus(&a->ui));
    key(a, SDLK_2);
    CHECK(!ui_typing(&a->ui));
    CHECK(a->s.model.settings.seed == 12 && a->panel.draft.seed == 12);
    CHECKF(a->s.focus_head == 1, "head in focus %zu, message: %s", a->s.focus_head, a->s.message);
    CHECK(a->s.show_settings); /* the panel stays open */

    /* a click on the picture while Seed is being typed ends the edit,
     * applying it, and the keys are the frame's */
    ui_focus(&a->ui, "seed");
    key(a, SDLK_7);
    CHECK(ui_editing(&a->ui, "seed"));
    click(a, px, py);
    CHECK(!ui_typing(&a->ui) && !ui_has_focus(&a->ui));
    CHECKF(a->s.model.settings.seed == 7, "%s", a->panel.error);
    key(a, SDLK_3);
    CHECK(a->s.model.settings.seed == 7 && a->s.focus_head == 2);

    /* while the panel has the focus a digit still picks no head */
    ui_focus(&a->ui, "heads");
    key(a, SDLK_4);
    CHECK(a->s.focus_head == 2 && a->s.model.settings.seed == 7);

    /* a field being edited takes letters, and they run no shortcut (t: theme) */
    const theme *dark = a->s.theme;
    ui_focus(&a->ui, "sentence");
    key(a, SDLK_RETURN);
    CHECK(ui_editing(&a->ui, "sentence"));
    key(a, SDLK_END);
    key(a, SDLK_t);
    CHECK(a->s.theme == dark);
    size_t len = strlen(a->panel.draft.sentence);
    CHECK(len > 0 && a->panel.draft.sentence[len - 1] == 't');
    key(a, SDLK_RETURN); /* applies, and ends the edit */
    CHECK(!ui_typing(&a->ui));
    CHECK(strcmp(a->s.model.settings.sentence, a->panel.draft.sentence) == 0);

    /* the closed field takes no letters: t is the theme again */
    char sentence[STATE_SENTENCE_MAX];
    snprintf(sentence, sizeof sentence, "%s", a->panel.draft.sentence);
    key(a, SDLK_t);
    CHECK(a->s.theme != dark);
    CHECK(strcmp(a->panel.draft.sentence, sentence) == 0 &&
          strcmp(a->s.model.settings.sentence, sentence) == 0);
    key(a, SDLK_t);
    CHECK(a->s.theme == dark);
}

/* A text refused by Enter stays in its field, being edited, to mend; a
 * click away from a refused text leaves the sentence in effect. */
static void test_refused_text(window_app *a) {
    char before[STATE_SENTENCE_MAX];
    snprintf(before, sizeof before, "%s", a->s.model.settings.sentence);
    ui_focus(&a->ui, "sentence");
    key(a, SDLK_RETURN);
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SDL_KEYDOWN;
    ev.key.keysym.sym = SDLK_u;
    ev.key.keysym.mod = KMOD_CTRL; /* Ctrl+U empties it: no words */
    send(a, &ev);
    key(a, SDLK_RETURN);
    CHECK(a->panel.error[0] != '\0' && a->panel.error_setting == ATTN_SETTING_SENTENCE);
    CHECK(ui_editing(&a->ui, "sentence") && a->panel.draft.sentence[0] == '\0');
    CHECK(strcmp(a->s.model.settings.sentence, before) == 0);
    type(a, "cats sat");
    key(a, SDLK_RETURN);
    CHECKF(strcmp(a->s.model.settings.sentence, "cats sat") == 0, "%s", a->panel.error);
    CHECK(a->panel.error[0] == '\0' && !ui_typing(&a->ui));

    /* emptied again, then a click on the picture: refused, and the field
     * shows the sentence in effect */
    key(a, SDLK_RETURN);
    send(a, &ev);
    geometry g = window_layout(a);
    click(a, g.panel.x / 2, a->out_h / 2);
    CHECK(a->panel.error_setting == ATTN_SETTING_SENTENCE && !ui_typing(&a->ui));
    CHECK(strcmp(a->s.model.settings.sentence, "cats sat") == 0);
    CHECK(strcmp(a->panel.draft.sentence, "cats sat") == 0);
}

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    app_offscreen o;
    char err[APP_ERR_LEN], font[1024];
    if (app_offscreen_init(&o, 1280, 800, err, sizeof err) != 0 ||
        text_find_font(font, sizeof font, err, sizeof err) != 0) {
        fprintf(stderr, "test_settings_panel: %s\n", err);
        return 1;
    }
    window_app *a = calloc(1, sizeof *a);
    if (!a) return 1;
    a->renderer = o.renderer;
    a->text = o.text;
    a->out_w = 1280, a->out_h = 800;
    a->scale_x = a->scale_y = 1.0f;
    state_settings s;
    state_settings_default(&s); /* random weights: 4 heads, d_model 32, no mask */
    if (app_state_init(&a->s, &s, err, sizeof err) != 0) {
        fprintf(stderr, "test_settings_panel: %s\n", err);
        return 1;
    }
    ui_init(&a->ui, o.renderer, o.text, font);
    settings_panel_init(&a->panel, &a->s);

    test_refused_then_other(a);
    test_focus(a);
    test_refused_text(a);

    ui_free(&a->ui);
    app_state_free(&a->s);
    free(a);
    app_offscreen_free(&o);
    return check_done("test_settings_panel");
}
