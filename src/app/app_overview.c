/* The model overview in the window: the state layer's overview
 * (src/state/overview.h) on the model on screen, with its notes as the
 * status line; switching to and from the view, the keyboard cursor and the
 * head under the mouse. The drawing is view_model.c's. */
#include <stdio.h>
#include <string.h>

#include "view_model.h"

/* What a state call said, as the status line; nothing when it said nothing. */
static void show_note(app_state *s, const state_note *note) {
    if (!note->text[0]) return;
    snprintf(s->message, sizeof s->message, "%s", note->text);
    s->message_is_error = note->is_error;
}

static size_t heads_total(const state_trained *t) {
    return t->model.config.n_layers * t->model.config.n_heads;
}

/* s->overview, made when first needed; NULL when out of memory. */
static state_overview *ensure(app_state *s) {
    if (!s->overview) s->overview = state_overview_create();
    return s->overview;
}

bool app_overview_available(const app_state *s) { return s && s->model.trained != NULL; }

const state_overview *app_overview_state(const app_state *s) { return s ? s->overview : NULL; }

attn_status app_overview_toggle(app_state *s) {
    state_note note = {"", false};
    if (s->view == VIEW_MODEL) {
        s->view = s->overview_back < VIEW_COUNT ? s->overview_back : VIEW_HEADS;
        snprintf(note.text, sizeof note.text, "back to the stages (M opens the model overview)");
        show_note(s, &note);
        return ATTN_OK;
    }
    if (!app_overview_available(s)) {
        note = (state_note){STATE_OVERVIEW_NEEDS_TRAINED, true};
        show_note(s, &note);
        return ATTN_ERR_CONFIG;
    }
    s->overview_back = s->view < VIEW_COUNT ? s->view : VIEW_HEADS;
    s->view = VIEW_MODEL;
    if (s->overview_cursor >= heads_total(s->model.trained)) s->overview_cursor = 0;
    /* a GPT-2 is not trained here (R says why): no hint to try it */
    snprintf(note.text, sizeof note.text,
             "model overview: click a head (or arrows + Space) to switch it off%s",
             s->model.trained->gpt2 ? "; 0 switches every head on" : "; R trains a fresh model live");
    show_note(s, &note);
    return ATTN_OK;
}

size_t app_overview_heads_off(const app_state *s) { return state_overview_heads_off(&s->model); }

attn_status app_overview_toggle_head(app_state *s, size_t layer, size_t head) {
    state_note note = {"", false};
    attn_status rc = state_overview_toggle_head(&s->model, layer, head, &note);
    if (rc == 0) s->overview_cursor = layer * s->model.trained->model.config.n_heads + head;
    show_note(s, &note);
    return rc;
}

attn_status app_overview_all_on(app_state *s) {
    state_note note = {"", false};
    attn_status rc = state_overview_all_on(&s->model, &note);
    show_note(s, &note);
    return rc;
}

int app_overview_head_at(const app_state *s, int x, int y) {
    const app_layout *l = &s->layout;
    for (size_t k = 0; k < l->n_overview_heads && k < APP_OVERVIEW_HEADS_MAX; k++) {
        SDL_Rect r = l->overview_heads[k];
        if (r.w > 0 && x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) return (int)k;
    }
    return -1;
}

void app_overview_move(app_state *s, int d_layer, int d_head) {
    const state_trained *t = s->model.trained;
    if (!t) return;
    long L = (long)t->model.config.n_layers, H = (long)t->model.config.n_heads;
    long k = (long)s->overview_cursor;
    long l = k / H + d_layer, h = k % H + d_head;
    l = l < 0 ? 0 : l >= L ? L - 1 : l;
    h = h < 0 ? 0 : h >= H ? H - 1 : h;
    s->overview_cursor = (size_t)(l * H + h);
}

bool app_overview_training(const app_state *s) {
    return s && state_overview_training(s->overview);
}

attn_status app_overview_train(app_state *s) {
    state_note note = {"", false};
    state_overview *ov = s->model.trained ? ensure(s) : NULL;
    attn_status rc;
    if (!s->model.trained) {
        note = (state_note){STATE_OVERVIEW_NEEDS_TRAINED, true};
        rc = ATTN_ERR_CONFIG;
    } else if (!ov) {
        note = (state_note){"out of memory for live training", true};
        rc = ATTN_ERR_NOMEM;
    } else {
        rc = state_overview_train(ov, &s->model, &note);
    }
    show_note(s, &note);
    return rc;
}

attn_status app_overview_restore(app_state *s) {
    state_note note = {"the model has its own weights already", false};
    attn_status rc = s->overview ? state_overview_restore(s->overview, &s->model, &note)
                                 : ATTN_ERR_CONFIG;
    show_note(s, &note);
    return rc;
}

void app_overview_update(app_state *s) {
    /* A GPT-2's head roles, measured on their own thread (trained.h): the
     * settings panel shows roles_note, the progress, meanwhile. */
    bool finished = false;
    state_trained_roles_poll(s->model.trained, &finished);
    if (finished) {
        state_note done = {"", false};
        snprintf(done.text, sizeof done.text, "head roles %s", s->model.trained->roles_note);
        show_note(s, &done);
    }
    if (!s->overview && !(s->view == VIEW_MODEL && s->model.trained)) return;
    state_overview *ov = ensure(s);
    if (!ov) return;
    state_note note = {"", false};
    /* The loss of the pruned model only while the overview is on screen. */
    state_overview_update(ov, &s->model, s->view == VIEW_MODEL, &note);
    show_note(s, &note);
}

bool app_overview_busy(const app_state *s) {
    /* the roles' progress and a pending run keep the window drawing too */
    return s && (state_overview_busy(s->overview) || s->model.pending ||
                 (s->model.trained && s->model.trained->roles_job));
}

bool app_overview_loss(const app_state *s, double *all_on, double *pruned, bool *measuring) {
    *measuring = false;
    return s->overview && state_overview_loss(s->overview, &s->model, all_on, pruned, measuring);
}

void app_overview_free(app_state *s) {
    if (!s) return;
    state_overview_destroy(s->overview);
    s->overview = NULL;
}
