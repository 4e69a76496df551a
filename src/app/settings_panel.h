/* The settings panel (P in the window), built from the widget set (ui.h):
 * the weights' source, the sentence and its examples, and then either the
 * mechanics' sizes and flags (heads, d_model, key/value heads, token limit,
 * causal mask, scaling, temperature, seed) or the trained model's file and
 * layer with what the model fixes. A change applies at once; one that
 * cannot apply changes nothing: the panel says why, and its controls show
 * the values in effect again (a text refused by Enter stays in its field,
 * being edited, to mend). */
#ifndef ATTNVIZ_APP_SETTINGS_PANEL_H
#define ATTNVIZ_APP_SETTINGS_PANEL_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "ui.h"

typedef struct settings_panel {
    state_settings draft; /* what the panel shows: what is applied (or a refused text being mended) */
    char error[APP_ERR_LEN]; /* why the draft was not applied; "" when it was */
    attn_setting error_setting; /* the setting to change then, if one is to blame */
    int example;             /* the example sentence shown last, -1: none */
    char note[APP_ERR_LEN];  /* what just happened to the sentence field ("edit discarded") */
} settings_panel;

/* The example sentences for a source (random weights take any words; the
 * trained model's are in its vocabulary and show its heads' roles). */
size_t settings_panel_example_count(state_source source);
const char *settings_panel_example(state_source source, size_t i);

/* Switches what s shows between random weights (the mechanics) and the
 * trained model, as the panel's Weights choice does (one key, W); an
 * example sentence becomes the other source's first example.
 * Returns what settings_panel_apply returns. */
attn_status settings_panel_switch_source(settings_panel *p, app_state *s);

/* Cross-attention on or off (one key, X), as the panel's toggle does, on
 * what is applied: on, the keys and values come from the draft's other
 * sentence (STATE_CROSS_EXAMPLE until one is typed) and the mechanics are
 * needed, the causal mask off; a setting that refuses it leaves s as it
 * was, with the reason in the status line. Returns what
 * settings_panel_apply returns. */
attn_status settings_panel_toggle_cross(settings_panel *p, app_state *s);

/* Starts the panel on what s shows. */
void settings_panel_init(settings_panel *p, const app_state *s);

/* Applies p->draft to s: on success the current stage replays (progress 0,
 * playing) and p->error is cleared; on failure nothing changes in s but the
 * message (message_is_error), p->error says why, and p->draft is what is
 * applied again. Returns ATTN_OK or a failure. */
attn_status settings_panel_apply(settings_panel *p, app_state *s);

/* The panel's widgets in ui's area; applies changes through
 * settings_panel_apply. Between ui_begin and ui_end; wants keyboard on.
 * Returns true when the panel asks to close (its Close button). */
bool settings_panel_run(settings_panel *p, ui_context *ui, app_state *s);

/* Closes the panel: a draft that was not applied is dropped, and the
 * status line says so, naming what was dropped. */
void settings_panel_close(settings_panel *p, app_state *s);

/* Width of the settings panel for an output of w pixels at type size px. */
int settings_panel_width(int w, int px);

#endif
