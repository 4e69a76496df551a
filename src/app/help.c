/* The help overlay (H): every key and what it does, over the dimmed frame,
 * in the largest type at which the table fits. */
#include "stage.h"

/* The page cannot close its tab, and S's PNG arrives as a download there. */
#ifdef __EMSCRIPTEN__
#define HELP_QUIT_KEYS "Esc"
#define HELP_QUIT "close help, settings, a lesson (the page ends with its tab)"
#define HELP_SHOT "download a PNG of the frame"
#else
#define HELP_QUIT_KEYS "Esc / Q"
#define HELP_QUIT "quit (Esc closes overlays first, Q the settings; Ctrl+Q always)"
#define HELP_SHOT "save a PNG screenshot"
#endif

void stage_help(stage_ctx *c, int w, int h) {
    static const char *const keys[][2] = {
        {"Space", "play / pause"},
        {"→ / ←", "next / previous stage"},
        {"↑ / ↓", "faster / slower"},
        {"Home", "back to stage 1, shown whole, paused"},
        {"1 – 9, 0", "head in focus (0 = head 10; Shift + digit: 11 – 20)"},
        {", .", "the previous or next head in focus"},
        {"Tab / Shift+Tab", "next / previous view: all heads, one head, arcs"},
        {"K (arcs)", "lines per row: 1, 2, 3, or every large weight"},
        {"mouse on a head (arcs)", "that head's lines alone"},
        {"click a token", "light up its row and column"},
        {"O", "follow the selected token (or the last) stage by stage"},
        {"F", "fullscreen"},
        {"F5", "presenter mode: larger type, whole labels"},
        {"Ctrl + / − / 0", "larger / smaller / default type"},
        {"S", HELP_SHOT},
        {"P", "settings panel"},
        {"W", "weights: trained model / random (the mechanics)"},
        {"E", "next example sentence"},
        {"X", "cross-attention: keys, values from another sentence"},
        {"[ / ]", "previous / next layer (trained model)"},
        {"M", "model overview: all heads (trained model)"},
        {"overview: click, Space", "head off / on (←↑↓→ move)"},
        {"overview: 0", "every head on again"},
        {"overview: R / Shift+R", "train live, stop / own weights"},
        {"T", "light / dark theme"},
        {"C", "attention maps: absolute 0–1 / each row to its own max"},
        {"Z (stages 4 – 7)", "scores as computed / each row minus its mean"},
        {"L", "lessons: pick one (↑/↓, Enter)"},
        {"in a lesson: → / ←", "next / previous step"},
        {"in a lesson: 1 – 6", "answer the step's question"},
        {"predicting: ← / →, Enter", "move your pick, commit it (Shift+→ skips)"},
        {"in a lesson: PgUp / PgDn", "scroll a step longer than its panel (or the wheel)"},
        {"in a lesson: Esc", "leave the lesson (its settings stay)"},
        {"H or ?", "this help"},
        {HELP_QUIT_KEYS, HELP_QUIT},
    };
    const int rows = (int)(sizeof keys / sizeof keys[0]);
    const theme *th = c->th;
    SDL_Color veil = th->background;
    veil.a = 210;
    draw_fill(c->r, (SDL_Rect){0, 0, w, h}, veil);
    /* The largest type (up to the frame's) at which the table fits. */
    int px = c->px, key_w = 0, act_w = 0;
    for (; px >= 6; px--) {
        key_w = act_w = 0;
        for (int k = 0; k < rows; k++) {
            int kw, aw;
            text_measure(c->tc, keys[k][0], px, &kw, NULL);
            text_measure(c->tc, keys[k][1], px, &aw, NULL);
            if (kw > key_w) key_w = kw;
            if (aw > act_w) act_w = aw;
        }
        int need_w = key_w + act_w + 3 * px, need_h = (rows + 2) * (px * 3 / 2) + px;
        if (need_w <= w - 8 && need_h <= h - 8) break;
    }
    if (px < 6) return;
    int line = px * 3 / 2;
    int pw = key_w + act_w + 3 * px, ph = (rows + 2) * line + px;
    SDL_Rect panel = {(w - pw) / 2, (h - ph) / 2, pw, ph};
    draw_panel(c->r, panel, th);
    draw_outline(c->r, panel, th->accent, 2);
    int y = panel.y + px / 2 + line / 2;
    text_draw(c->tc, "Keys", px, th->accent, panel.x + px, y, TEXT_LEFT | TEXT_MIDDLE);
    text_draw(c->tc, "H, ? or Esc closes", px, th->text_dim, panel.x + pw - px, y,
              TEXT_RIGHT | TEXT_MIDDLE);
    y += line + line / 2;
    for (int k = 0; k < rows; k++, y += line) {
        text_draw(c->tc, keys[k][0], px, th->text, panel.x + px + key_w, y,
                  TEXT_RIGHT | TEXT_MIDDLE);
        text_draw(c->tc, keys[k][1], px, th->text, panel.x + 2 * px + key_w, y,
                  TEXT_LEFT | TEXT_MIDDLE);
    }
}
