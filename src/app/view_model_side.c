/* The model overview's side panel (view_model.h): the next word the model
 * predicts, now and with every head on, with the held-out loss; and live
 * training with its loss curve (an attnviz model; a GPT-2 shows its lens
 * there instead, view_lens.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "overview.h"
#include "plot.h"
#include "trained.h"
#include "view_lens.h"
#include "view_model.h"

enum { TOP_K = 5 };

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

static bool inside(int x, int y, SDL_Rect r) {
    return r.w > 0 && x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* ---- the side panel: predictions and live training ---------------------------------------- */

int view_model_predictions(stage_ctx *c, const state_trained *t, SDL_Rect p) {
    const theme *th = c->th;
    int px = c->px, spx = c->spx, line = px * 8 / 5, y = p.y;
    /* the heads off in the run these numbers come from: while a GPT-2's
     * new run is under way, the last run's (and a line says so) */
    size_t n = t->n, off = 0, LH = t->model.config.n_layers * t->model.config.n_heads;
    for (size_t k = 0; k < LH && k < STATE_PRUNE_MAX; k++) off += t->head_off[k] != 0;
    bool stale = c->s->model.pending;
    if (n == 0) return 0;
    /* "Next word after “… it was tired”": the last three tokens */
    char ctx[256] = "";
    size_t from = n > 3 ? n - 3 : 0, at = 0;
    for (size_t i = from; i < n && at < sizeof ctx - 80; i++) {
        size_t len;
        const char *s = stage_token(c, i, &len);
        at += (size_t)snprintf(ctx + at, sizeof ctx - at, "%s%.*s", i > from ? " " : "",
                               (int)(len > 24 ? 24 : len), s);
    }
    char title[320];
    snprintf(title, sizeof title, "Next word after “%s%s”\nNext word after “%s”\nNext word",
             from > 0 ? "… " : "", ctx, ctx);
    stage_text_alts(c, title, px, th->text, p.x, y + px / 2, TEXT_LEFT | TEXT_MIDDLE, p.w);
    y += line;
    /* the legend: solid now, hollow with every head on */
    int sw = spx;
    SDL_Color now_c = th->accent, on_c = th->text_dim;
    if (stale) {
        int lines = stage_text_wrap(c, "the last run's numbers: the new one is under way", spx,
                                    th->accent, p.x, y + spx / 2, p.w, spx * 5 / 4, 2);
        y += (lines > 1 ? lines - 1 : 0) * spx * 5 / 4;
        now_c = th->text_dim;
    } else if (off) {
        char now_label[64];
        snprintf(now_label, sizeof now_label, "with %zu head%s off", off, off == 1 ? "" : "s");
        int x = p.x;
        draw_fill(c->r, (SDL_Rect){x, y + spx / 2 - sw / 3, sw, sw * 2 / 3}, now_c);
        x += sw + spx / 3;
        x += text_draw(c->tc, now_label, spx, th->text, x, y + spx / 2, TEXT_LEFT | TEXT_MIDDLE) +
             spx;
        draw_outline(c->r, (SDL_Rect){x, y + spx / 2 - sw / 6, sw, sw / 3 + 1}, on_c, 1);
        x += sw + spx / 3;
        stage_text_fit(c, "every head on", spx, th->text_dim, x, y + spx / 2,
                       TEXT_LEFT | TEXT_MIDDLE, p.x + p.w - x);
    } else {
        int lines = stage_text_wrap(c, "every head on: click heads to switch them off", spx,
                                    th->text_dim, p.x, y + spx / 2, p.w, spx * 5 / 4, 2);
        y += (lines > 1 ? lines - 1 : 0) * spx * 5 / 4;
    }
    y += spx * 3 / 2;

    int32_t ids[2 * TOP_K];
    float prob[2 * TOP_K];
    size_t k = state_trained_top(t, false, TOP_K, ids, prob);
    if (off && t->probs_all_on) {
        /* With heads off, the words that were likely with every head on
         * matter as much as the new favourites (switching off the induction
         * head drops the copied word): take both top lists, rank by the
         * larger of the two probabilities, keep TOP_K. */
        int32_t on_ids[TOP_K];
        float on_p[TOP_K];
        size_t kon = state_trained_top(t, true, TOP_K, on_ids, on_p);
        const float *now_p = t->run.probs + (t->n - 1) * t->model.config.n_vocab;
        for (size_t a = 0; a < kon; a++) {
            bool seen = false;
            for (size_t b = 0; b < k; b++) seen |= ids[b] == on_ids[a];
            if (!seen) ids[k] = on_ids[a], prob[k] = now_p[on_ids[a]], k++;
        }
        for (size_t a = 1; a < k; a++) /* insertion sort by max(now, all on): at most 10 */
            for (size_t b = a; b > 0; b--) {
                float kb = fmaxf(prob[b], t->probs_all_on[ids[b]]);
                float ka = fmaxf(prob[b - 1], t->probs_all_on[ids[b - 1]]);
                if (kb <= ka) break;
                int32_t ti = ids[b];
                ids[b] = ids[b - 1], ids[b - 1] = ti;
                float tp = prob[b];
                prob[b] = prob[b - 1], prob[b - 1] = tp;
            }
        if (k > TOP_K) k = TOP_K;
    }
    if (off) line = px * 2 + px / 4; /* room for the second bar and its number */
    int word_w = imin(p.w / 3, 6 * px), pct_w = 0;
    text_measure(c->tc, "100%", px, &pct_w, NULL);
    int bar_x = p.x + word_w + px / 2, bar_max = p.x + p.w - pct_w - px / 2 - bar_x;
    for (size_t r = 0; r < k; r++, y += line) {
        int32_t id = ids[r];
        /* the shipped model's word, or GPT-2's piece as the tokens show it
         * ("·tired", the leading space as a dot) */
        char word[128];
        state_trained_token_text(t, id, word, sizeof word);
        if (!t->gpt2 && id == MODEL_TOKEN_EOT) snprintf(word, sizeof word, "⟨end⟩");
        int cy = y + line / 2;
        stage_text_fit(c, word, px, th->text, p.x + word_w, cy, TEXT_RIGHT | TEXT_MIDDLE, word_w);
        if (bar_max < 4) continue;
        float all_on = t->probs_all_on ? t->probs_all_on[id] : prob[r];
        /* now: a solid bar; with heads off, every head on below it, hollow */
        int bh = off ? px * 3 / 4 : line / 2;
        int top = off ? cy - px / 2 - bh / 2 : cy - bh / 2;
        int w_now = (int)lroundf(prob[r] * (float)bar_max);
        draw_fill(c->r, (SDL_Rect){bar_x, top, imax(w_now, 1), bh}, now_c);
        char pct[32];
        view_percent(pct, sizeof pct, prob[r]);
        text_draw(c->tc, pct, px, th->text, p.x + p.w, off ? cy - px / 2 : cy,
                  TEXT_RIGHT | TEXT_MIDDLE);
        if (off) {
            int w_on = (int)lroundf(all_on * (float)bar_max), oh = imax(px / 3, 4);
            draw_outline(c->r, (SDL_Rect){bar_x, cy + px / 2 - oh / 2, imax(w_on, 2), oh}, on_c,
                         1);
            view_percent(pct, sizeof pct, all_on);
            text_draw(c->tc, pct, spx, th->text_dim, p.x + p.w, cy + px / 2,
                      TEXT_RIGHT | TEXT_MIDDLE);
        }
    }
    y += line / 4;

    /* what the heads switched off cost on held-out text */
    char loss[256];
    SDL_Color lc = th->text_dim;
    double on, pruned;
    bool measuring;
    const state_overview *ov = app_overview_state(c->s);
    bool training = ov && train_live_running(ov->live);
    if (training) {
        snprintf(loss, sizeof loss, "held-out loss: %.2f at the last measurement (training)",
                 t->roles.heldout_loss);
    } else if (app_overview_loss(c->s, &on, &pruned, &measuring)) {
        if (off) {
            snprintf(loss, sizeof loss,
                     "held-out loss %.2f → %.2f (%+.2f) with %zu off\n"
                     "loss %.2f → %.2f (%+.2f)\n%+.2f",
                     on, pruned, pruned - on, off, on, pruned, pruned - on, pruned - on);
            lc = pruned - on > 0.05 ? th->error : th->text;
        } else {
            snprintf(loss, sizeof loss, "held-out loss %.2f nats/token, every head on\n"
                                        "held-out loss %.2f\n%.2f", on, on, on);
        }
    } else {
        snprintf(loss, sizeof loss, "%s", measuring ? "held-out loss: measuring…" : "");
    }
    if (loss[0]) stage_text_alts(c, loss, spx, lc, p.x, y + spx / 2, TEXT_LEFT | TEXT_MIDDLE, p.w);
    y += spx * 2;
    return y - p.y;
}

void view_model_live(stage_ctx *c, const state_trained *t, SDL_Rect p) {
    const theme *th = c->th;
    app_state *s = c->s;
    int px = c->px, spx = c->spx, y = p.y;
    const state_overview *ov = app_overview_state(s);
    const train_live_state *st = ov ? train_live_last(ov->live) : NULL;
    bool running = ov && train_live_running(ov->live);
    if (p.h < 2 * px) return;
    draw_line(c->r, p.x, y, p.x + p.w, y, th->panel_border);
    y += px / 2;

    /* the button: start or stop */
    bool no_threads = state_no_threads(); /* R says why; the button looks off */
    const char *label = running ? "■ Stop training (R)"
                        : no_threads ? "Train live: threaded page only"
                                     : "▶ Train live (R)";
    int bw = 0;
    text_measure(c->tc, label, px, &bw, NULL);
    SDL_Rect b = {p.x, y, imin(bw + px * 3 / 2, p.w), px * 2};
    bool hot = inside(s->hover_x, s->hover_y, b);
    draw_fill(c->r, b, hot ? draw_mix(th->panel, th->accent, 0.25f) : th->panel);
    draw_outline(c->r, b, running ? th->error : no_threads ? th->panel_border : th->accent, 2);
    stage_text_fit(c, label, px, no_threads ? th->text_dim : th->text, b.x + px * 3 / 4,
                   b.y + b.h / 2, TEXT_LEFT | TEXT_MIDDLE, b.w - px);
    s->layout.overview_button = b;
    y += b.h + spx;
    char status[256];
    if (running && st) {
        snprintf(status, sizeof status,
                 "step %zu / %zu · loss %.2f · %.1fk tokens/s\nstep %zu / %zu · loss %.2f\n"
                 "step %zu",
                 st->step, st->steps, st->n_loss > 1 ? st->loss_train[st->n_loss - 1] : NAN,
                 st->tokens_per_s / 1000.0, st->step, st->steps,
                 st->n_loss > 1 ? st->loss_train[st->n_loss - 1] : NAN, st->step);
    } else if (st && st->phase == TRAIN_LIVE_FAILED) {
        snprintf(status, sizeof status, "%s", st->error);
    } else if (st && st->phase != TRAIN_LIVE_IDLE) {
        const char *how = st->phase == TRAIN_LIVE_DONE ? "done" : "stopped";
        snprintf(status, sizeof status,
                 "%s at step %zu of %zu%s\n%s at step %zu of %zu\nstep %zu", how, st->step,
                 st->steps, ov->live_weights ? " · Shift+R: own weights" : "", how, st->step,
                 st->steps, st->step);
    } else {
        status[0] = '\0';
    }
    if (status[0]) {
        stage_text_alts(c, status, spx,
                        st && st->phase == TRAIN_LIVE_FAILED ? th->error : th->text,
                        p.x, y, TEXT_LEFT | TEXT_MIDDLE, p.w);
        y += spx;
    }

    SDL_Rect plot = {p.x - px / 2, y, p.w + px / 2, p.y + p.h - y};
    if (!st || st->n_loss == 0 || plot.h < 5 * px) {
        /* before the first run: what the button does */
        int line_h = spx * 3 / 2, room = (p.y + p.h - y) / line_h;
        if (room > 0)
            stage_text_wrap(c,
                            no_threads
                                ? "A fresh model of these sizes would learn the generated text "
                                  "from scratch on a thread of its own. This page runs the "
                                  "single-thread build: open the threaded one (a server sending "
                                  "the COOP/COEP headers, scripts/setup.sh web serve)."
                                : "A fresh model of these sizes learns the generated text from "
                                  "scratch, on a thread of its own: the heads' roles and the "
                                  "loss curve update as it learns.",
                            spx, th->text_dim, p.x, y, p.w, line_h, room);
        return;
    }
    double base = t->roles.unigram_loss > 0 ? t->roles.unigram_loss : NAN;
    plot_loss_px(c->pool, c->r, c->tc, plot, th, st->loss_step, st->loss_train, st->loss_heldout,
                 st->n_loss, base, "word frequencies alone", spx);
}

