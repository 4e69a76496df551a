/* The loss curve (plot.h). */
#include "plot.h"

#include <math.h>
#include <stdio.h>

#include "draw.h"
#include "png.h"
#include "render.h"

/* A "nice" tick step (1, 2 or 5 × 10^k) giving about `want` ticks. */
static double nice_step(double span, int want) {
    double raw = span / want, p = pow(10.0, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

void plot_loss(draw_pool *pool, SDL_Renderer *r, text_cache *tc, SDL_Rect area,
               const theme *th, const double *step, const double *train, const double *heldout,
               size_t n, double baseline, const char *baseline_label) {
    plot_loss_px(pool, r, tc, area, th, step, train, heldout, n, baseline, baseline_label,
                 area.h > 400 ? 16 : 13);
}

void plot_loss_px(draw_pool *pool, SDL_Renderer *r, text_cache *tc, SDL_Rect area,
                  const theme *th, const double *step, const double *train,
                  const double *heldout, size_t n, double baseline, const char *baseline_label,
                  int px) {
    if (px < 8) px = 8;
    /* room for the tick labels: as wide as the widest, "5.5" */
    int tick_w = 0;
    text_measure(tc, "0.0", px, &tick_w, NULL);
    int left = area.x + tick_w + px, right = area.x + area.w - px;
    int top = area.y + px * 2, bottom = area.y + area.h - px * 5 / 2;
    if (right - left < 40 || bottom - top < 40) return;
    // ranges: steps from 0 to the last; loss from 0 to the largest shown
    double x_max = n ? step[n - 1] : 1, y_max = isfinite(baseline) ? baseline : 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(train[i]) && train[i] > y_max) y_max = train[i];
        if (isfinite(heldout[i]) && heldout[i] > y_max) y_max = heldout[i];
    }
    if (x_max < 1) x_max = 1;
    if (y_max <= 0) y_max = 1;
    y_max *= 1.05;
    #define X(v) (left + (int)lround((v) / x_max * (right - left)))
    #define Y(v) (bottom - (int)lround((v) / y_max * (bottom - top)))
    // grid and ticks, labels beside them (the last x label kept inside the area)
    double ys = nice_step(y_max, bottom - top > 12 * px ? 5 : 3);
    double xs = nice_step(x_max, right - left > 30 * px ? 6 : 3);
    char buf[32];
    for (double v = 0; v <= y_max; v += ys) {
        draw_line(r, left, Y(v), right, Y(v), th->grid);
        snprintf(buf, sizeof buf, "%g", v);
        text_draw(tc, buf, px, th->text_dim, left - px / 3, Y(v), TEXT_RIGHT | TEXT_MIDDLE);
    }
    for (double v = 0; v <= x_max; v += xs) {
        draw_line(r, X(v), top, X(v), bottom, th->grid);
        snprintf(buf, sizeof buf, "%g", v);
        int w = 0;
        text_measure(tc, buf, px, &w, NULL);
        int x = X(v) + w / 2 > area.x + area.w ? area.x + area.w - w / 2 : X(v);
        text_draw(tc, buf, px, th->text_dim, x, bottom + px / 4, TEXT_CENTER);
    }
    draw_line(r, left, bottom, right, bottom, th->text_dim);
    draw_line(r, left, top, left, bottom, th->text_dim);
    text_draw(tc, "step", px, th->text_dim, (left + right) / 2, bottom + px * 5 / 4, TEXT_CENTER);
    text_draw(tc, "loss (nats/token)", px, th->text_dim, area.x, area.y + px * 3 / 4,
              TEXT_LEFT | TEXT_MIDDLE);
    // the baseline, dashed, its label above it at the right
    if (isfinite(baseline)) {
        SDL_Color c = th->text_dim;
        for (int x = left; x < right; x += 12) draw_line(r, x, Y(baseline), x + 6 < right ? x + 6 : right, Y(baseline), c);
        /* under the line at the right: a loss that falls leaves the baseline
         * early */
        if (baseline_label)
            text_draw(tc, baseline_label, px, c, right - px / 2, Y(baseline) + px * 2 / 3,
                      TEXT_RIGHT | TEXT_MIDDLE);
    }
    // the training loss: a line through at most one point per pixel column
    SDL_Color line = th->head[1], dots = th->head[0];
    int last_x = -1, last_y = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(train[i])) continue;
        int x = X(step[i]), y = Y(train[i]);
        if (last_x >= 0 && x == last_x) continue;
        if (last_x >= 0)
            draw_lines_add(pool, (float)last_x, (float)last_y, (float)x, (float)y, 2.0f, line);
        last_x = x, last_y = y;
    }
    draw_lines_flush(pool, r);
    int dot = px / 2 > 4 ? px / 2 : 4;
    for (size_t i = 0; i < n; i++)
        if (isfinite(heldout[i])) {
            SDL_Rect d = {X(step[i]) - dot / 2, Y(heldout[i]) - dot / 2, dot + 1, dot + 1};
            draw_fill(r, d, dots);
        }
    #undef X
    #undef Y
    /* The legend: on the title's line, right of it, where no curve or
     * baseline label can be (inside the plot it covered the baseline's
     * label, which sits near the top); in the plot's top right corner, on
     * the background, only when that line is too short. */
    int w1 = 0, w2 = 0, wt = 0;
    text_measure(tc, "training batch", px, &w1, NULL);
    text_measure(tc, "held-out text", px, &w2, NULL);
    text_measure(tc, "loss (nats/token)", px, &wt, NULL);
    int row_w = 2 * px + px / 2 + w1 + px + dot + px / 2 + w2;
    if (area.x + wt + px + row_w <= right) {
        int lx = right - row_w, ly = area.y + px * 3 / 4;
        draw_fill(r, (SDL_Rect){lx, ly - 1, 2 * px, 3}, line);
        text_draw(tc, "training batch", px, th->text, lx + 2 * px + px / 2, ly,
                  TEXT_LEFT | TEXT_MIDDLE);
        int dx = lx + 2 * px + px / 2 + w1 + px;
        draw_fill(r, (SDL_Rect){dx, ly - dot / 2, dot + 1, dot + 1}, dots);
        text_draw(tc, "held-out text", px, th->text, dx + dot + px / 2, ly, TEXT_LEFT | TEXT_MIDDLE);
        return;
    }
    int lw = 2 * px + px / 2 + (w1 > w2 ? w1 : w2), lx = right - lw - px / 2, ly = top + px / 4;
    if (lx > left + px) {
        SDL_Color bg = th->background;
        bg.a = 220;
        draw_fill(r, (SDL_Rect){lx - px / 3, ly - px / 4, lw + px * 2 / 3, px * 3}, bg);
        draw_fill(r, (SDL_Rect){lx, ly + px / 2 - 1, 2 * px, 3}, line);
        text_draw(tc, "training batch", px, th->text, lx + 2 * px + px / 2, ly + px / 2,
                  TEXT_LEFT | TEXT_MIDDLE);
        draw_fill(r, (SDL_Rect){lx + px - dot / 2, ly + px * 2 - dot / 2, dot + 1, dot + 1}, dots);
        text_draw(tc, "held-out text", px, th->text, lx + 2 * px + px / 2, ly + px * 2,
                  TEXT_LEFT | TEXT_MIDDLE);
    }
}

attn_status app_plot_loss_png(const char *path, const double *step, const double *train,
                      const double *heldout, size_t n, char *err, size_t err_len) {
    app_offscreen o;
    attn_status st = app_offscreen_init(&o, 960, 540, err, err_len);
    if (st != ATTN_OK) return st;
    const theme *th = theme_light();
    draw_begin(&o.pool, o.renderer, o.text);
    SDL_SetRenderDrawColor(o.renderer, th->background.r, th->background.g, th->background.b, 255);
    SDL_RenderClear(o.renderer);
    plot_loss(&o.pool, o.renderer, o.text, (SDL_Rect){0, 0, 960, 540}, th, step, train, heldout,
              n, NAN, NULL);
    draw_end(&o.pool, o.text);
    SDL_RenderPresent(o.renderer);
    attn_status rc = app_save_png(o.surface, path, err, err_len);
    app_offscreen_free(&o);
    return rc;
}
