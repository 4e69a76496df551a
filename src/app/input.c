/* The window's input: keys and the mouse, routed to the lesson picker, the
 * settings panel (or its gear button), the lesson, the model overview or
 * the frame, and the state changes they make. */
#include "window_app.h"

#include <SDL.h>
#include <stdio.h>
#include <string.h>

#include "arcs_select.h"
#include "view_model.h"

#define SPEED_STEP 1.5f
#define SPEED_MIN 0.25f
#define SPEED_MAX 8.0f
#define TYPE_STEP 1.15f
#define TYPE_MIN 0.6f
#define TYPE_MAX 3.0f

/* ---- state changes ------------------------------------------------------------------ */

static void open_panel(window_app *a) {
    a->s.show_settings = true;
    int example = a->panel.example;
    settings_panel_init(&a->panel, &a->s); /* show what is applied */
    if (example >= 0 &&
        strcmp(settings_panel_example(a->panel.draft.source, (size_t)example),
               a->panel.draft.sentence) == 0)
        a->panel.example = example;
    ui_clear_focus(&a->ui);
    ui_focus(&a->ui, "heads"); /* the most used setting: arrows change it at once */
}

/* Q, Esc with nothing open and Ctrl+Q end the app; a page cannot close its own
 * tab, and an ended program would leave it blank until reloaded, so there the
 * keys say how to leave instead. */
#ifdef __EMSCRIPTEN__
#define QUIT_HINT "" /* Q does not quit there */
static void quit_key(window_app *a) {
    window_say(a, false, "the page keeps attnviz running: close the browser tab to leave");
}
#else
#define QUIT_HINT "; Q again quits"
static void quit_key(window_app *a) { a->quit = true; }
#endif

static void close_panel(window_app *a) {
    settings_panel_close(&a->panel, &a->s); /* says what unapplied values it drops */
    a->s.show_settings = false;
    ui_clear_focus(&a->ui);
}

/* A status about where the app stands ("stage 1 (embed), paused: Space
 * plays") is false once the stage or playing changes: it goes at once
 * rather than fading out beside a picture that contradicts it. Errors stay
 * their time. */
static void forget_status(window_app *a) {
    if (!a->s.message_is_error) a->s.message[0] = '\0';
}

static void next_stage(window_app *a) {
    app_state *s = &a->s;
    if ((int)s->stage + 1 < STATE_STAGE_COUNT) {
        forget_status(a);
        s->stage = (state_stage)(s->stage + 1);
        s->progress = 0.0f; /* forward: the new stage's animation plays */
        s->playing = true;
    } else {
        window_say(a, false, "stage 10 (output) is the last: Home goes back to stage 1");
    }
}

static void previous_stage(window_app *a) {
    app_state *s = &a->s;
    forget_status(a);
    if (s->stage > 0) s->stage = (state_stage)(s->stage - 1);
    s->progress = 1.0f; /* back: the stage finished, to look at */
    s->playing = false;
}

static void play_pause(window_app *a) {
    app_state *s = &a->s;
    if (s->playing) {
        s->playing = false;
        window_say(a, false, "paused: Space plays");
        return;
    }
    forget_status(a); /* "paused: Space plays" is no longer true */
    if (s->progress >= 1.0f) { /* a finished stage: on to the next one */
        if ((int)s->stage + 1 >= STATE_STAGE_COUNT) {
            window_say(a, false, "stage 10 (output) is the last: Home goes back to stage 1");
            return;
        }
        s->stage = (state_stage)(s->stage + 1);
        s->progress = 0.0f;
    }
    s->playing = true;
    a->play_through = true;
}

static void change_speed(window_app *a, float factor) {
    float v = a->s.speed * factor;
    a->s.speed = v < SPEED_MIN ? SPEED_MIN : v > SPEED_MAX ? SPEED_MAX : v;
    window_say(a, false, "speed \xC3\x97%.3g (a stage takes %.1f s)", (double)a->s.speed,
        (double)(APP_STAGE_SECONDS / a->s.speed));
}

static void change_type(window_app *a, float factor) {
    float v = factor == 0.0f ? 1.0f : a->s.type_scale * factor;
    a->s.type_scale = v < TYPE_MIN ? TYPE_MIN : v > TYPE_MAX ? TYPE_MAX : v;
    window_say(a, false, "type size \xC3\x97%.2f", (double)a->s.type_scale);
}

static void pick_head(window_app *a, int head) {
    size_t heads = a->s.model.settings.config.n_heads;
    if ((size_t)head > heads) {
        window_say(a, true, "head %d does not exist: this model has %zu head%s (1-%zu); P changes Heads",
            head, heads, heads == 1 ? "" : "s", heads);
        return;
    }
    a->s.focus_head = (size_t)head - 1;
    if (a->s.view != VIEW_ARCS) a->s.view = VIEW_FOCUS; /* the arcs draw it on top */
    char hn[24];
    app_head_name(&a->s, a->s.focus_head, hn, sizeof hn);
    window_say(a, false, "head %s of %zu in focus", hn, heads);
}

static void next_example(window_app *a) {
    settings_panel *p = &a->panel;
    state_source source = a->s.model.settings.source;
    size_t count = settings_panel_example_count(source);
    size_t next = p->example < 0 ? 0 : ((size_t)p->example + 1) % count;
    if (p->example < 0 && strcmp(settings_panel_example(source, 0), a->s.model.settings.sentence) == 0)
        next = 1;
    p->draft = *state_model_wanted(&a->s.model); /* the example, on what is applied */
    snprintf(p->draft.sentence, sizeof p->draft.sentence, "%s", settings_panel_example(source, next));
    if (settings_panel_apply(p, &a->s) == 0) {
        p->example = (int)next;
        window_say(a, false, "example %zu of %zu: %s", next + 1, count,
                   settings_panel_example(source, next));
    }
}

static void switch_weights(window_app *a) {
    if (settings_panel_switch_source(&a->panel, &a->s) != 0) return; /* it says why */
    if (a->s.model.settings.source == STATE_SOURCE_MECHANICS)
        window_say(a, false, "random weights: the mechanics, before any learning (W: the trained "
                   "model)");
    else
        window_say(a, false, "the trained model: what its heads learned (W: random weights)");
}

static void toggle_fullscreen(window_app *a) {
    bool full = (SDL_GetWindowFlags(a->window) & SDL_WINDOW_FULLSCREEN_DESKTOP) != 0;
    if (!full) SDL_GetWindowSize(a->window, &a->windowed_w, &a->windowed_h);
    if (SDL_SetWindowFullscreen(a->window, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP) != 0) {
        window_say(a, true, "fullscreen failed: %s", SDL_GetError());
        return;
    }
    /* Back to the size it had: without a window manager to confirm the
     * change, SDL would keep believing in the fullscreen size. */
    if (full && a->windowed_w > 0) SDL_SetWindowSize(a->window, a->windowed_w, a->windowed_h);
    window_update_sizes(a);
}

/* ---- the panel and its gear button -------------------------------------------------- */

/* One event through the panel (open) or the gear button (closed). Returns
 * true when the widgets used it. */
static bool route_ui(window_app *a, const SDL_Event *ev) {
    geometry g = window_layout(a);
    bool used;
    if (a->s.show_settings) {
        ui_begin(&a->ui, ev, a->s.theme, g.px, g.panel, UI_KEYBOARD | UI_SCROLL | UI_BACKGROUND);
        bool close = settings_panel_run(&a->panel, &a->ui, &a->s);
        used = ui_end(&a->ui);
        if (close) close_panel(a);
    } else if (g.gear_shown) {
        ui_begin(&a->ui, ev, a->s.theme, g.gear_px, g.gear, 0);
        bool open = ui_button(&a->ui, "gear", GEAR_LABEL);
        used = ui_end(&a->ui);
        if (open) open_panel(a);
    } else {
        used = false;
    }
    return used;
}

/* Keys the open panel takes (moving between fields, changing them). */
static bool panel_key(SDL_Keycode k) {
    return k == SDLK_TAB || k == SDLK_UP || k == SDLK_DOWN || k == SDLK_LEFT || k == SDLK_RIGHT ||
           k == SDLK_RETURN || k == SDLK_KP_ENTER || k == SDLK_PAGEUP || k == SDLK_PAGEDOWN;
}

static int digit_of(SDL_Keycode k) {
    if (k >= SDLK_0 && k <= SDLK_9) return (int)(k - SDLK_0);
    if (k >= SDLK_KP_1 && k <= SDLK_KP_9) return (int)(k - SDLK_KP_1) + 1;
    if (k == SDLK_KP_0) return 0;
    return -1;
}

/* A key while the panel is open and nothing in it is being typed: the
 * panel has it first (a digit types into the focused Seed or Layer, the
 * keys of its widgets change them). Of the keys it leaves, those that would
 * surprise under an open dialog do not reach the frame's shortcuts: digits
 * do not switch heads, and q closes the panel rather than quitting (Ctrl+Q
 * quits). A click outside the panel took its focus: then its keys are the
 * frame's shortcuts again (Tab or a click in the panel takes them back).
 * Returns true when the key was taken here. */
static bool panel_first(window_app *a, const SDL_Event *ev) {
    SDL_Keycode k = ev->key.keysym.sym;
    if (route_ui(a, ev)) return true;
    if (k == SDLK_q) {
        if (ev->key.repeat) return true;
        close_panel(a);
        if (!a->s.message_is_error) window_say(a, false, "settings closed (Q)" QUIT_HINT);
        return true;
    }
    if (!ui_has_focus(&a->ui)) return false;
    if (panel_key(k)) return true;
    if (digit_of(k) >= 0) {
        if (!ev->key.repeat)
            window_say(a, false, "the settings panel has the keys: digits type into %s when it "
                       "has the focus; a click on the picture or P gives them back: digits pick heads",
                       a->s.model.settings.source == STATE_SOURCE_TRAINED ? "Layer" : "Seed");
        return true;
    }
    return false;
}

/* ---- the lesson being played ------------------------------------------------------ */

/* A step of the lesson: its settings apply, its stage plays once. */
static void lesson_move(window_app *a, int delta) {
    app_lesson *l = a->s.lesson;
    long to = (long)l->player.step + delta;
    if (to < 0) {
        window_say(a, false, "step 1 is the first: \xE2\x86\x92 goes on");
        return;
    }
    if (to >= (long)l->player.lesson.n_steps) {
        window_say(a, false, "the last step: Esc leaves the lesson and keeps its settings");
        return;
    }
    char err[APP_ERR_LEN];
    if (app_lesson_goto(&a->s, (size_t)to, err, sizeof err) != 0) {
        window_say(a, true, "%s", err);
        return;
    }
    a->stop_at_end = true; /* the step's stage plays once, then the class looks */
    a->play_through = false;
    a->s.message[0] = '\0';
}

static void lesson_answer(window_app *a, int k) {
    int right = app_lesson_answer(&a->s, (size_t)k);
    if (right == 1) window_say(a, false, "\xE2\x9C\x93 %d is right", k + 1);
    else if (right == 0) window_say(a, false, "\xE2\x9C\x97 %d is not it: see the explanation", k + 1);
}

/* The prediction committed: said in the status line too. */
static void predict_said(window_app *a, int right) {
    if (right == 1) window_say(a, false, "\xE2\x9C\x93 right: the stage plays with your prediction on it");
    else if (right == 0) window_say(a, false, "\xE2\x9C\x97 not quite: the right one is marked, see the panel");
    if (right >= 0) {
        a->stop_at_end = true; /* the revealing stage plays once */
        a->play_through = false;
    }
}

/* While a prediction waits: ←/→ move the cursor (or the slider a
 * hundredth), ↑/↓ the slider a tenth or the overview's cursor a layer,
 * Enter commits; Shift+←/→ still step through the lesson. True when the
 * key was used. */
static bool prediction_key(window_app *a, SDL_Keycode k, bool shift) {
    app_state *s = &a->s;
    const lesson_predict *p = state_lesson_prediction(&s->lesson->player);
    if (!p) return false;
    size_t H = s->model.settings.config.n_heads ? s->model.settings.config.n_heads : 1;
    bool value = p->kind == LESSON_PREDICT_VALUE;
    bool prune = p->kind == LESSON_PREDICT_HEAD && p->measure == LESSON_MEASURE_PRUNE;
    switch (k) {
    case SDLK_LEFT:
    case SDLK_RIGHT:
        if (shift) lesson_move(a, k == SDLK_RIGHT ? 1 : -1);
        else app_lesson_predict_move(s, k == SDLK_RIGHT ? 1 : -1);
        return true;
    case SDLK_UP:
    case SDLK_DOWN:
        if (!value && !prune) return false;
        app_lesson_predict_move(s, (k == SDLK_UP ? 1 : -1) * (value ? 10 : -(int)H));
        return true;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: {
        int right = app_lesson_predict_commit(s);
        if (right < 0)
            window_say(a, true, "this prediction cannot be graded on the model on screen: "
                       "Shift+\xE2\x86\x92 goes on");
        predict_said(a, right);
        return true;
    }
    default: return false;
    }
}

static void lesson_leave(window_app *a) {
    app_lesson_close(&a->s);
    window_say(a, false, "left the lesson: its settings stay, explore from here (L opens a lesson)");
}

/* ---- the model overview (view_model.h) ---------------------------------------------------- */

/* The pruning changed: the open settings panel shows (and would apply) it. */
static void overview_sync_panel(window_app *a) {
    memcpy(a->panel.draft.head_off, state_model_wanted(&a->s.model)->head_off,
           sizeof a->panel.draft.head_off);
}

/* M anywhere; in the overview the arrows move the cursor, Space or Enter
 * switches its head off or on, 0 or Backspace every head on, R trains live
 * (and stops), Shift+R puts the model's own weights back, Esc stops the
 * training or leaves the overview. True when the key was used. */
static bool overview_key(window_app *a, SDL_Keycode k, bool shift, bool again) {
    app_state *s = &a->s;
    if (k == SDLK_m) {
        if (!again) app_overview_toggle(s);
        return true;
    }
    if (s->view != VIEW_MODEL || s->show_help || (k == SDLK_ESCAPE && s->show_settings))
        return false;
    size_t H = s->model.settings.config.n_heads ? s->model.settings.config.n_heads : 1;
    switch (k) {
    case SDLK_LEFT: app_overview_move(s, 0, -1); return true;
    case SDLK_RIGHT: app_overview_move(s, 0, 1); return true;
    case SDLK_UP: app_overview_move(s, -1, 0); return true;
    case SDLK_DOWN: app_overview_move(s, 1, 0); return true;
    case SDLK_SPACE:
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        if (!again && app_overview_toggle_head(s, s->overview_cursor / H, s->overview_cursor % H) == 0)
            overview_sync_panel(a);
        return true;
    case SDLK_0:
    case SDLK_KP_0:
    case SDLK_BACKSPACE:
        if (!again && app_overview_all_on(s) == 0) overview_sync_panel(a);
        return true;
    case SDLK_r:
        if (!again) shift ? app_overview_restore(s) : app_overview_train(s);
        return true;
    case SDLK_ESCAPE:
        if (again) return true;
        if (app_overview_training(s)) app_overview_train(s); /* stops it */
        else app_overview_toggle(s);                         /* leaves */
        return true;
    default: return false;
    }
}

/* A click in the overview: the training button, or a head. True when used. */
static bool overview_click(window_app *a, int x, int y) {
    app_state *s = &a->s;
    if (s->view != VIEW_MODEL) return false;
    SDL_Rect b = s->layout.overview_button;
    if (b.w > 0 && in_rect(x, y, b)) {
        app_overview_train(s);
        return true;
    }
    int k = app_overview_head_at(s, x, y);
    size_t H = s->model.settings.config.n_heads ? s->model.settings.config.n_heads : 1;
    if (k < 0) return false;
    if (app_overview_toggle_head(s, (size_t)k / H, (size_t)k % H) == 0) overview_sync_panel(a);
    return true;
}

/* ---- keys and the mouse ------------------------------------------------------------- */

static void on_key(window_app *a, const SDL_KeyboardEvent *e) {
    app_state *s = &a->s;
    SDL_Keycode k = e->keysym.sym;
    bool ctrl = (e->keysym.mod & KMOD_CTRL) != 0, shift = (e->keysym.mod & KMOD_SHIFT) != 0;
    bool again = e->repeat != 0; /* held keys repeat only where that helps */
    int digit = digit_of(k);

    if (!ctrl && app_lesson_awaits_prediction(s) && prediction_key(a, k, shift)) return;
    /* in a lesson → and ← step it, on the overview too (a clicker sends
     * them): the overview's cursor keeps ↑ and ↓ there */
    bool lesson_step = s->lesson && (k == SDLK_RIGHT || k == SDLK_LEFT);
    if (!ctrl && !lesson_step && overview_key(a, k, shift, again)) return;
    if (ctrl) {
        if (k == SDLK_PLUS || k == SDLK_EQUALS || k == SDLK_KP_PLUS) change_type(a, TYPE_STEP);
        else if (k == SDLK_MINUS || k == SDLK_KP_MINUS) change_type(a, 1.0f / TYPE_STEP);
        else if (k == SDLK_0 || k == SDLK_KP_0) change_type(a, 0.0f);
        else if (k == SDLK_q && !again) quit_key(a);
        return;
    }
    if (digit >= 1 && digit <= LESSON_CHOICES_MAX && app_lesson_awaits_answer(s)) {
        /* a question waiting: the digits answer it, else they pick heads */
        const app_lesson *l = s->lesson;
        size_t choices = l->player.lesson.steps[l->player.step].question.n_choices;
        if (again) return;
        if ((size_t)digit <= choices) lesson_answer(a, digit - 1);
        else window_say(a, true, "this question has choices 1-%zu", choices);
        return;
    }
    if (digit >= 0) { /* Shift adds 10: GPT-2 small has 12 heads, large 20 */
        if (!again) pick_head(a, (digit == 0 ? 10 : digit) + (shift ? 10 : 0));
        return;
    }
    if (k == SDLK_COMMA || k == SDLK_PERIOD) { /* the previous or next head, any count */
        size_t heads = s->model.settings.config.n_heads;
        size_t h = s->view == VIEW_FOCUS || s->view == VIEW_ARCS ? s->focus_head
                   : k == SDLK_PERIOD ? heads - 1 : 0;
        if (s->view == VIEW_FOCUS || s->view == VIEW_ARCS)
            h = k == SDLK_PERIOD ? (h + 1) % heads : (h + heads - 1) % heads;
        else h = k == SDLK_PERIOD ? 0 : heads - 1;
        pick_head(a, (int)h + 1);
        return;
    }
    if (s->lesson && (k == SDLK_RIGHT || k == SDLK_LEFT)) {
        lesson_move(a, k == SDLK_RIGHT ? 1 : -1);
        return;
    }
    if (s->lesson && (k == SDLK_PAGEDOWN || k == SDLK_PAGEUP)) {
        /* a step longer than its panel: three quarters of a panel at a time */
        int page = s->lesson->view_h * 3 / 4;
        app_lesson_scroll(s, k == SDLK_PAGEDOWN ? page : -page);
        return;
    }
    switch (k) {
    case SDLK_SPACE: if (!again) play_pause(a); break;
    case SDLK_RIGHT: next_stage(a); break;
    case SDLK_LEFT: previous_stage(a); break;
    case SDLK_UP: change_speed(a, SPEED_STEP); break;
    case SDLK_DOWN: change_speed(a, 1.0f / SPEED_STEP); break;
    case SDLK_HOME:
        /* back to the start, paused: the class begins when Space says so.
         * Stage 1 is shown whole (its start is an empty map); Space plays
         * on from stage 2, → replays it. */
        s->stage = STAGE_EMBED;
        s->progress = 1.0f;
        s->playing = false;
        window_say(a, false, "stage 1 (embed), paused: Space plays on");
        break;
    case SDLK_TAB: {
        /* the stage views, then the model overview when the model is trained */
        int count = VIEW_COUNT + (app_overview_available(s) ? 1 : 0);
        int cur = s->view == VIEW_MODEL ? VIEW_COUNT : (int)s->view;
        int next = (cur + (shift ? count - 1 : 1)) % count;
        if (next == VIEW_COUNT) {
            app_overview_toggle(s);
            break;
        }
        s->view = (state_view)next;
        window_say(a, false, "view: %s (Tab changes it)", state_view_name(s->view));
        break;
    }
    case SDLK_f: if (!again) toggle_fullscreen(a); break;
    case SDLK_F5: if (!again) a->s.present = !a->s.present; break;
    case SDLK_s: if (!again) a->shot_pending = true; break;
    case SDLK_t:
        if (again) break;
        s->theme = s->theme == theme_light() ? theme_dark() : theme_light();
        window_say(a, false, "%s theme (T changes it)", s->theme->name);
        break;
    case SDLK_p:
        if (again) break;
        if (s->show_settings) close_panel(a);
        else open_panel(a);
        break;
    case SDLK_e: if (!again) next_example(a); break;
    case SDLK_c: /* contrast of the attention weights: absolute 0–1, or per row */
        if (again) break;
        s->maps_per_row = !s->maps_per_row;
        window_say(a, false, "%s (C changes it)",
                   s->maps_per_row ? "attention weights per row: each row's max is full colour"
                                   : "attention weights on the absolute scale: 1 is full colour");
        break;
    case SDLK_z: /* the scores: each row minus its mean (zero-centred) ↔ as computed */
        if (again) break;
        s->scores_view = app_scores_centred(s) ? STATE_SCORES_RAW : STATE_SCORES_CENTRED;
        window_say(a, false, "%s (Z changes it)",
                   s->scores_view == STATE_SCORES_CENTRED
                       ? "scores drawn minus each row's mean, which softmax ignores"
                       : "scores drawn as computed");
        break;
    case SDLK_k: /* the arcs view's lines per row */
        if (!again && s->view == VIEW_ARCS) {
            size_t n = s->model.trace.n;
            s->arcs_k = arcs_next_choice(n, s->arcs_k);
            arcs_rule r = arcs_rule_for(n, s->arcs_k);
            char buf[96];
            arcs_rule_text(r, buf, sizeof buf);
            window_say(a, false, "%s", buf);
        }
        break;
    case SDLK_o: /* follow one token stage by stage: the selected one, else the last */
        if (!again) {
            s->follow = !s->follow;
            size_t n = s->model.n;
            if (s->follow && (s->selected_token < 0 || (size_t)s->selected_token >= n) && n > 0)
                s->selected_token = (int)n - 1;
            window_say(a, false, "%s", s->follow ? "following one token: click another to follow it"
                                                 : "no longer following a token");
        }
        break;
    case SDLK_w: if (!again) switch_weights(a); break;
    case SDLK_x: /* cross-attention: keys and values from the other sentence */
        if (!again && settings_panel_toggle_cross(&a->panel, &a->s) == ATTN_OK)
            window_say(a, false, "%s",
                       a->s.model.settings.cross
                           ? "cross-attention: queries from the sentence, keys and values from "
                             "the other one (X: back; P edits it)"
                           : "self-attention: the sentence reads itself (X: cross-attention)");
        break;
    case SDLK_LEFTBRACKET: /* the layer of a trained model; the open panel follows */
    case SDLK_RIGHTBRACKET:
        if (app_state_step_layer(s, k == SDLK_RIGHTBRACKET ? 1 : -1) == 0)
            a->panel.draft.layer = state_model_wanted(&s->model)->layer;
        break;
    case SDLK_l:
        if (!again) picker_open(a);
        break;
    case SDLK_h:
    case SDLK_QUESTION:
        if (!again) s->show_help = !s->show_help;
        break;
    case SDLK_SLASH:
        if (shift && !again) s->show_help = !s->show_help; /* "?" on most layouts */
        break;
    case SDLK_ESCAPE:
        if (again) break;
        if (s->show_help) s->show_help = false;
        else if (s->show_settings) close_panel(a);
        else if (s->lesson) lesson_leave(a);
        else quit_key(a);
        break;
    case SDLK_q: if (!again) quit_key(a); break;
    default: break;
    }
}

/* Mouse events come in window coordinates; the frame is drawn in output
 * pixels, which differ on a HiDPI screen. */
static SDL_Event to_output(const window_app *a, const SDL_Event *ev) {
    SDL_Event e = *ev;
    if (e.type == SDL_MOUSEMOTION) {
        e.motion.x = (Sint32)((float)e.motion.x * a->scale_x);
        e.motion.y = (Sint32)((float)e.motion.y * a->scale_y);
    } else if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP) {
        e.button.x = (Sint32)((float)e.button.x * a->scale_x);
        e.button.y = (Sint32)((float)e.button.y * a->scale_y);
    }
    return e;
}

/* A click on the frame: a token label toggles its selection, anything else
 * clears it. */
static void click_frame(window_app *a, int x, int y) {
    app_state *s = &a->s;
    const app_layout *l = &s->layout;
    size_t n = l->n_token_labels < APP_TOKENS_MAX ? l->n_token_labels : APP_TOKENS_MAX;
    for (size_t i = 0; i < n; i++) {
        if (in_rect(x, y, l->token_labels[i])) {
            int t = l->token_of_label[i];
            s->selected_token = s->selected_token == t ? -1 : t;
            return;
        }
    }
    s->selected_token = -1;
}

static void handle(window_app *a, const SDL_Event *ev);

void window_on_event(window_app *a, const SDL_Event *ev) {
    bool was_playing = a->s.playing;
    a->play_through = false;
    handle(a, ev);
    /* Play started from pause by a step or a new setting: this stage only. */
    if (a->play_through) a->stop_at_end = false;
    else if (!was_playing && a->s.playing) a->stop_at_end = true;
    if (!a->s.playing) a->stop_at_end = false;
}

static void handle(window_app *a, const SDL_Event *ev) {
    switch (ev->type) {
    case SDL_QUIT: a->quit = true; break;
    case SDL_DROPFILE: /* SDL_PollEvent's copy of the path is ours to free */
        window_open_file(a, ev->drop.file);
        SDL_free(ev->drop.file);
        break;
    case SDL_WINDOWEVENT:
        if (ev->window.event == SDL_WINDOWEVENT_LEAVE) a->mouse_in = false;
        if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) window_update_sizes(a);
        break;
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEWHEEL: {
        SDL_Event e = to_output(a, ev);
        if (e.type == SDL_MOUSEMOTION) {
            a->mouse_x = e.motion.x, a->mouse_y = e.motion.y;
            a->mouse_in = true;
        }
        if (a->picker.open) { /* the picker takes the mouse while it is open */
            if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT)
                picker_click(a, e.button.x, e.button.y);
            break;
        }
        bool used = route_ui(a, &e);
        if (!used && e.type == SDL_MOUSEMOTION && (e.motion.state & SDL_BUTTON_LMASK))
            used = app_lesson_predict_drag(&a->s, e.motion.x, e.motion.y); /* the slider */
        if (!used && e.type == SDL_MOUSEWHEEL && a->s.lesson &&
            in_rect(a->mouse_x, a->mouse_y, a->s.lesson->panel)) {
            int line = a->s.lesson->view_h / 12 > 8 ? a->s.lesson->view_h / 12 : 8;
            app_lesson_scroll(&a->s, -e.wheel.y * line);
            used = true;
        }
        if (!used && e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT &&
            app_lesson_awaits_prediction(&a->s)) {
            int right = app_lesson_predict_click(&a->s, e.button.x, e.button.y);
            if (right == 0 || right == 1) predict_said(a, right);
            used = right >= 0;
        }
        if (!used && e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT &&
            overview_click(a, e.button.x, e.button.y))
            used = true;
        if (!used && e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT) {
            int choice = app_lesson_choice_at(&a->s, e.button.x, e.button.y);
            if (choice >= 0 && app_lesson_awaits_answer(&a->s)) lesson_answer(a, choice);
            else if (!a->s.lesson || !in_rect(e.button.x, e.button.y, a->s.lesson->panel))
                click_frame(a, e.button.x, e.button.y);
        }
        break;
    }
    case SDL_KEYDOWN:
        if (a->picker.open) { /* the picker takes the keys while it is open */
            if (!ev->key.repeat || ev->key.keysym.sym == SDLK_UP ||
                ev->key.keysym.sym == SDLK_DOWN)
                picker_key(a, ev->key.keysym.sym);
            break;
        }
        if (ev->key.keysym.sym == SDLK_q && (ev->key.keysym.mod & KMOD_CTRL)) {
            quit_key(a); /* Ctrl+Q quits from anywhere, a field being typed in too */
            break;
        }
        if (ui_typing(&a->ui)) { /* keys type into the field */
            route_ui(a, ev);
            break;
        }
        /* Ctrl's keys (type size) are the app's, not the focused widget's */
        if (a->s.show_settings && !(ev->key.keysym.mod & KMOD_CTRL) && panel_first(a, ev)) break;
        on_key(a, &ev->key);
        break;
    case SDL_TEXTINPUT:
        if (ui_typing(&a->ui)) route_ui(a, ev);
        break;
    default: break;
    }
}
