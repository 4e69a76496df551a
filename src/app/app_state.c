/* The app's state around the model: stage, view, panels; and the type size. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "lesson_panel.h"
#include "view_model.h"

attn_status app_settings_check(const state_settings *settings, char *err, size_t err_len) {
    if (settings->max_tokens > APP_TOKENS_MAX) {
        snprintf(err, err_len, "the app shows at most %d tokens: lower the token limit (%zu)",
                 APP_TOKENS_MAX, settings->max_tokens);
        return ATTN_ERR_LIMIT;
    }
    return ATTN_OK;
}

attn_status app_state_init(app_state *s, const state_settings *settings, char *err, size_t err_len) {
    memset(s, 0, sizeof *s);
    attn_status st = app_settings_check(settings, err, err_len);
    if (st != ATTN_OK) return st;
    s->stage = state_opening_stage(settings->source);
    s->progress = 1.0f;
    s->speed = 1.0f;
    s->view = VIEW_HEADS;
    s->theme = theme_dark();
    s->type_scale = 1.0f;
    s->selected_token = -1;
    s->hover_head = s->hover_i = s->hover_j = -1;
    s->hover_x = s->hover_y = -1; /* no mouse until the window says where it is */
    return state_model_apply(&s->model, settings, err, err_len);
}

attn_status app_state_step_layer(app_state *s, int delta) {
    const state_settings *now = state_model_wanted(&s->model); /* a pending run's, if one */
    s->message_is_error = true;
    if (now->source != STATE_SOURCE_TRAINED || !s->model.trained) {
        snprintf(s->message, sizeof s->message,
                 "[ and ] step through the layers of a trained model: P, then Weights: trained "
                 "model");
        return ATTN_ERR_CONFIG;
    }
    size_t L = s->model.trained->model.config.n_layers;
    if ((delta < 0 && now->layer == 0) || (delta > 0 && now->layer + 1 >= L)) {
        snprintf(s->message, sizeof s->message, "layer %zu is the %s of %zu: %s goes %s",
                 now->layer + 1, delta < 0 ? "first" : "last", L, delta < 0 ? "]" : "[",
                 delta < 0 ? "on" : "back");
        s->message_is_error = false;
        return ATTN_ERR_CONFIG;
    }
    state_settings next = *now;
    next.layer = delta < 0 ? now->layer - 1 : now->layer + 1;
    char err[APP_ERR_LEN - 16]; /* room for "not applied: " */
    attn_status st = state_model_apply_async(&s->model, &next, NULL, err, sizeof err);
    if (st != ATTN_OK) {
        snprintf(s->message, sizeof s->message, "not applied: %s", err);
        return st;
    }
    if (s->model.pending) {
        /* the layer shows when the run under way ends */
        snprintf(s->message, sizeof s->message, "layer %zu of %zu when the run ends",
                 next.layer + 1, L);
        s->message_is_error = false;
        return ATTN_OK;
    }
    s->hover_head = s->hover_i = s->hover_j = -1;
    s->progress = 0.0f; /* the stage replays on the new layer's numbers */
    s->playing = true;
    snprintf(s->message, sizeof s->message, "layer %zu of %zu ([ and ] change it)",
             next.layer + 1, L);
    s->message_is_error = false;
    return ATTN_OK;
}

void app_model_applied(app_state *s) {
    const state_model *m = &s->model;
    if (s->focus_head >= m->settings.config.n_heads) s->focus_head = 0;
    if (s->selected_token >= (int)m->n) s->selected_token = -1;
    s->hover_head = s->hover_i = s->hover_j = -1;
    s->progress = 0.0f; /* the stage replays on the new numbers */
    s->playing = true;
    s->message_is_error = false;
    if (!m->trained) return;
    const state_trained *t = m->trained;
    const char *base = strrchr(t->path, '/');
    char unknown[96] = "";
    if (m->n_unknown)
        snprintf(unknown, sizeof unknown, ", %zu word%s not in its vocabulary (marked %s)",
                 m->n_unknown, app_plural(m->n_unknown), STATE_UNKNOWN_MARK);
    snprintf(s->message, sizeof s->message, "applied: %s %.200s, layer %zu of %zu, %zu token%s%s",
             t->gpt2 ? "GPT-2" : "trained model", base ? base + 1 : t->path,
             m->settings.layer + 1, t->model.config.n_layers, m->n, app_plural(m->n), unknown);
}

void app_model_poll(app_state *s) {
    char err[APP_ERR_LEN - 16];
    switch (state_model_poll(&s->model, err, sizeof err)) {
    case STATE_POLL_APPLIED: app_model_applied(s); break;
    case STATE_POLL_FAILED:
        snprintf(s->message, sizeof s->message, "not applied: %s", err);
        s->message_is_error = true;
        break;
    case STATE_POLL_IDLE:
    case STATE_POLL_RUNNING:
    default: break;
    }
}

bool app_model_progress(const app_state *s, char *buf, size_t len, float *fraction) {
    size_t done, total, tokens;
    state_model_progress(&s->model, &done, &total, &tokens);
    if (!s->model.pending || !s->model.trained || total == 0) return false;
    const state_trained *t = s->model.trained;
    size_t L = t->model.config.n_layers;
    size_t at = done < total ? done : total - 1; /* the layer under way, counted over passes */
    /* with heads off the model runs twice: every head on first, to compare */
    const char *pass = total <= L ? "" : at < L ? " (all heads on)" : " (pruned)";
    snprintf(buf, len, "%s reads %zu token%s: layer %zu of %zu%s", t->gpt2 ? "GPT-2" : "the model",
             tokens, app_plural(tokens), at % L + 1, L, pass);
    if (fraction) *fraction = (float)done / (float)total;
    return true;
}

void app_state_free(app_state *s) {
    if (!s) return;
    app_overview_free(s); /* joins the overview's background threads first */
    app_lesson_close(s);
    state_model_free(&s->model);
}

int app_type_px(int h, float type_scale) {
    int px = (int)((float)h / 40.0f * type_scale + 0.5f); /* 20 px at 800, 15 px at 600 */
    return px < 10 ? 10 : px > 96 ? 96 : px;
}

bool app_scores_rows_dominate(const app_state *s) {
    const state_model *m = &s->model;
    return m->scores_row_shift > 0.0f && m->scores_row_shift > m->scores_centred_absmax;
}

bool app_scores_centred(const app_state *s) {
    switch (s->scores_view) {
    case STATE_SCORES_RAW: return false;
    case STATE_SCORES_CENTRED: return true;
    case STATE_SCORES_AUTO:
    default: return app_scores_rows_dominate(s);
    }
}

void app_head_name(const app_state *s, size_t h, char *buf, size_t len) {
    if (s->model.settings.source == STATE_SOURCE_TRAINED)
        snprintf(buf, len, "%zu.%zu", s->model.settings.layer + 1, h + 1);
    else
        snprintf(buf, len, "%zu", h + 1);
}
