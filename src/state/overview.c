/* The model overview's state and background work (overview.h): pruning
 * heads through the settings, the held-out loss of the pruned model on a
 * thread of its own, and live training (train_live.h) applied to the model
 * on screen. The drawing is the app's (src/app/view_model.c). */
#define _GNU_SOURCE /* syscall(SYS_gettid): the loss thread's own priority */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/corpus.h"
#include "overview.h"
#include "trained.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

__attribute__((format(printf, 3, 4))) static void say(state_note *note, bool error,
                                                    const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note->text, sizeof note->text, fmt, ap);
    va_end(ap);
    note->is_error = error;
}

static size_t heads_total(const state_trained *t) {
    return t->model.config.n_layers * t->model.config.n_heads;
}

/* ---- the held-out loss, in the background ------------------------------------------- */

/* The thread measures on a copy of the model, so the window may change the
 * weights (live training) and the pruning while it runs. Results are read
 * only after a join, which orders them: no lock needed. */
static void *loss_run(void *arg) {
    overview_loss *j = arg;
#ifdef __linux__
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10); /* frames first */
#endif
    size_t LH = j->m.config.n_layers * j->m.config.n_heads;
    j->status = ATTN_OK;
    if (j->on_gen != j->gen) {
        j->status = model_heads_loss(&j->m, STATE_PRUNE_LOSS_SEQUENCES, NULL, &j->loss_on, j->err,
                                     sizeof j->err);
        j->on_gen = j->status == ATTN_OK ? j->gen : 0;
    }
    bool any = false;
    for (size_t k = 0; k < LH; k++) any |= j->off[k] != 0;
    if (j->status == ATTN_OK) {
        if (any)
            j->status = model_heads_loss(&j->m, STATE_PRUNE_LOSS_SEQUENCES, j->off, &j->loss_off,
                                         j->err, sizeof j->err);
        else
            j->loss_off = j->loss_on;
    }
    if (j->status == ATTN_OK) {
        memcpy(j->off_done, j->off, LH);
        j->off_gen = j->gen;
    } else {
        j->off_gen = 0;
    }
    atomic_store(&j->busy, false);
    return NULL;
}

static void loss_join(overview_loss *j) {
    if (!j->joinable) return;
    pthread_join(j->thread, NULL);
    j->joinable = false;
}

static void loss_free(overview_loss *j) {
    loss_join(j);
    if (j->have_model) model_free(&j->m);
    j->have_model = false;
}

/* Whether the job's results are for generation gen and these flags. */
static bool loss_ready(const overview_loss *j, uint64_t gen, const uint8_t *off, size_t LH) {
    return !j->joinable && j->on_gen == gen && j->off_gen == gen &&
           memcmp(j->off_done, off, LH) == 0;
}

/* Starts a measurement of t with its pruning when the last one is out of
 * date and none runs. */
static void loss_request(overview_loss *j, const state_trained *t, uint64_t gen) {
    /* The held-out text is attnviz's generated grammar, which GPT-2 never
     * saw; and the copy the measurement runs on would double its memory. */
    if (t->gpt2) return;
    size_t LH = heads_total(t);
    if (j->joinable && !atomic_load(&j->busy)) loss_join(j);
    if (j->joinable || loss_ready(j, gen, t->head_off, LH)) return;
    if (j->failed_gen == gen && memcmp(j->failed_off, t->head_off, LH) == 0) return;
    const model_config *c = &t->model.config;
    if (j->gen != gen || !j->have_model) {
        bool same = j->have_model && memcmp(&j->m.config, c, sizeof *c) == 0;
        if (!same) {
            if (j->have_model) model_free(&j->m);
            j->have_model = false;
            char err[256];
            if (model_init(&j->m, c, &t->model.vocab, err, sizeof err) != ATTN_OK) {
                j->failed_gen = gen;
                memcpy(j->failed_off, t->head_off, LH);
                snprintf(j->err, sizeof j->err, "%s", err);
                return;
            }
            j->have_model = true;
        }
        memcpy(j->m.block, t->model.block, t->model.n_params * sizeof(float));
        j->gen = gen;
        j->on_gen = 0;
    }
    memcpy(j->off, t->head_off, LH);
    atomic_store(&j->busy, true);
    if (pthread_create(&j->thread, NULL, loss_run, j) != 0) {
        atomic_store(&j->busy, false);
        j->failed_gen = gen;
        memcpy(j->failed_off, t->head_off, LH);
        snprintf(j->err, sizeof j->err, "cannot start a thread to measure the loss");
        return;
    }
    j->joinable = true;
}

/* ---- the overview's own state ------------------------------------------------------- */

state_overview *state_overview_create(void) {
    state_overview *ov = calloc(1, sizeof *ov);
    if (ov) ov->gen = 1;
    return ov;
}

static void forget_saved(state_overview *ov) {
    free(ov->saved_params);
    free(ov->saved_scores);
    ov->saved_params = NULL;
    ov->saved_scores = NULL;
    ov->n_saved = 0;
    ov->live_weights = false;
}

/* The model on screen is another one than last frame (a file loaded in the
 * settings): what was saved and measured for the old one goes. */
static void check_identity(const state_model *m, state_overview *ov, state_note *note) {
    const state_trained *t = m->trained;
    const void *block = t ? (const void *)t->model.block : NULL;
    if (t == ov->trained && block == ov->block && (!t || strcmp(t->path, ov->path) == 0)) return;
    if (ov->live && train_live_running(ov->live)) {
        train_live_stop(ov->live);
        say(note, false, "live training stopped: another model was loaded");
    }
    forget_saved(ov);
    ov->trained = t;
    ov->block = block;
    snprintf(ov->path, sizeof ov->path, "%s", t ? t->path : "");
    ov->gen++;
}

void state_overview_destroy(state_overview *ov) {
    if (!ov) return;
    train_live_destroy(ov->live);
    loss_free(&ov->loss);
    forget_saved(ov);
    free(ov);
}

void state_overview_role_text(const state_model *m, size_t l, size_t h, char *buf, size_t len) {
    const state_trained *t = m->trained;
    buf[0] = '\0';
    if (!t || !t->have_roles || !t->roles.score || l >= t->roles.n_layers ||
        h >= t->roles.n_heads)
        return;
    model_head_name nm;
    model_heads_name(&t->roles, l, h, &nm);
    model_heads_name_text(&nm, buf, len);
}

/* ---- pruning ------------------------------------------------------------------------ */

size_t state_overview_heads_off(const state_model *m) {
    const state_trained *t = m->trained;
    if (!t) return 0;
    size_t LH = heads_total(t), off = 0;
    const uint8_t *head_off = state_model_wanted(m)->head_off;
    for (size_t k = 0; k < LH && k < STATE_PRUNE_MAX; k++) off += head_off[k] != 0;
    return off;
}

/* A GPT-2 runs the pruned model on a thread (state_model_apply_async): the
 * overview shows the change when the run ends. */
static attn_status apply_pruning(state_model *m, const uint8_t *head_off, state_note *note) {
    state_settings next = *state_model_wanted(m);
    memcpy(next.head_off, head_off, sizeof next.head_off);
    char err[STATE_ERR_LEN];
    attn_status st = state_model_apply_async(m, &next, NULL, err, sizeof err);
    if (st != ATTN_OK) say(note, true, "%s", err);
    return st;
}

attn_status state_overview_toggle_head(state_model *m, size_t layer, size_t head, state_note *note) {
    const state_trained *t = m->trained;
    if (!t) {
        say(note, true, "%s", STATE_OVERVIEW_NEEDS_TRAINED);
        return ATTN_ERR_CONFIG;
    }
    size_t L = t->model.config.n_layers, H = t->model.config.n_heads;
    if (layer >= L || head >= H || layer * H + head >= STATE_PRUNE_MAX) {
        say(note, true, "head %zu.%zu does not exist: the model has %zu layers of %zu heads",
            layer + 1, head + 1, L, H);
        return ATTN_ERR_CONFIG;
    }
    uint8_t off[STATE_PRUNE_MAX];
    memcpy(off, state_model_wanted(m)->head_off, sizeof off);
    size_t k = layer * H + head;
    off[k] = !off[k];
    attn_status st = apply_pruning(m, off, note);
    if (st != ATTN_OK) return st;
    size_t n_off = state_overview_heads_off(m);
    if (off[k])
        say(note, false, "head %zu.%zu off (%zu of %zu off): click it again to switch it on, 0 for all",
            layer + 1, head + 1, n_off, L * H);
    else
        say(note, false, "head %zu.%zu on again (%zu of %zu off)", layer + 1, head + 1, n_off, L * H);
    return ATTN_OK;
}

attn_status state_overview_all_on(state_model *m, state_note *note) {
    if (!m->trained) {
        say(note, true, "%s", STATE_OVERVIEW_NEEDS_TRAINED);
        return ATTN_ERR_CONFIG;
    }
    if (state_overview_heads_off(m) == 0) {
        say(note, false, "every head is on already");
        return ATTN_OK;
    }
    uint8_t off[STATE_PRUNE_MAX] = {0};
    attn_status st = apply_pruning(m, off, note);
    if (st != ATTN_OK) return st;
    say(note, false, "every head is on again");
    return ATTN_OK;
}

/* ---- live training ------------------------------------------------------------------- */

bool state_overview_training(const state_overview *ov) {
    return ov && train_live_running(ov->live);
}

/* The model's vocabulary is the corpus's, word for word: live training's
 * parameters then mean the same tokens. */
static bool corpus_vocab(const model_vocab *v) {
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    if (v->n != V) return false;
    for (size_t i = 0; i < V; i++)
        if (strcmp(v->words[i], words[i]) != 0) return false;
    return true;
}

/* Applies what live training published since the last frame. */
static void take_live(state_overview *ov, state_model *m, state_note *note) {
    state_trained *t = m->trained;
    if (!ov->live || !t) return;
    const train_live_state *st = train_live_poll(ov->live);
    if (st->new_params) {
        char err[STATE_ERR_LEN];
        if (state_trained_set_params(t, st->params, st->n_params, err, sizeof err) != 0) {
            train_live_stop(ov->live);
            say(note, true, "live training stopped: %s", err);
            return;
        }
        state_model_refresh(m);
        ov->block = t->model.block;
        ov->live_weights = true;
        ov->gen++;
    }
    if (st->new_roles && st->roles) {
        size_t count = st->roles->n_layers * st->roles->n_heads * MODEL_ROLES;
        if (!t->roles.score || t->roles.n_layers != st->roles->n_layers ||
            t->roles.n_heads != st->roles->n_heads) {
            float *score = malloc(count * sizeof *score);
            if (score) {
                model_heads_report_free(&t->roles);
                t->roles.score = score;
            }
        }
        if (t->roles.score) {
            memcpy(t->roles.score, st->roles->score, count * sizeof *t->roles.score);
            t->roles.n_layers = st->roles->n_layers;
            t->roles.n_heads = st->roles->n_heads;
            t->roles.heldout_loss = st->roles->heldout_loss;
            t->roles.unigram_loss = st->roles->unigram_loss;
            t->roles.tokens = st->roles->tokens;
            t->roles.sequences = st->roles->sequences;
            t->have_roles = true;
            snprintf(t->roles_note, sizeof t->roles_note,
                     "measured during live training at step %zu on %zu held-out sequences",
                     st->roles_step, st->roles->sequences);
        }
    }
    if (st->phase != ov->last_phase) {
        if (st->phase == TRAIN_LIVE_DONE)
            say(note, false, "live training done: %zu steps; Shift+R puts the model's own weights back",
                st->step);
        else if (st->phase == TRAIN_LIVE_FAILED)
            say(note, true, "live training failed: %s", st->error);
        ov->last_phase = st->phase;
    }
}

attn_status state_overview_train(state_overview *ov, state_model *m, state_note *note) {
    state_trained *t = m->trained;
    if (!t) {
        say(note, true, "%s", STATE_OVERVIEW_NEEDS_TRAINED);
        return ATTN_ERR_CONFIG;
    }
    check_identity(m, ov, note);
    if (train_live_running(ov->live)) {
        train_live_stop(ov->live);
        take_live(ov, m, note);
        say(note, false,
            "stopped at step %zu: the heads are as trained so far; R starts again, Shift+R puts "
            "the model's own weights back",
            train_live_last(ov->live)->step);
        return ATTN_OK;
    }
    if (t->gpt2) {
        say(note, true,
            "live training trains attnviz's small models on its generated text: GPT-2 is shown "
            "with its own weights");
        return ATTN_ERR_CONFIG;
    }
    if (!corpus_vocab(&t->model.vocab)) {
        say(note, true,
            "live training needs a model with attnviz's generated vocabulary: this one has "
            "%zu words; train one with attnviz train",
            t->model.vocab.n);
        return ATTN_ERR_CONFIG;
    }
    if (!ov->live) ov->live = train_live_create();
    if (!ov->live) {
        say(note, true, "out of memory for live training");
        return ATTN_ERR_NOMEM;
    }
    /* The model's own weights and roles, to put back (Shift+R): kept from
     * the first run on, so a second run does not save the first one's. */
    if (!ov->saved_params) {
        ov->saved_params = malloc(t->model.n_params * sizeof(float));
        size_t scores = t->roles.score ? t->roles.n_layers * t->roles.n_heads * MODEL_ROLES : 0;
        ov->saved_scores = scores ? malloc(scores * sizeof(float)) : NULL;
        if (!ov->saved_params || (scores && !ov->saved_scores)) {
            forget_saved(ov);
            say(note, true, "out of memory for live training");
            return ATTN_ERR_NOMEM;
        }
        memcpy(ov->saved_params, t->model.block, t->model.n_params * sizeof(float));
        if (scores) memcpy(ov->saved_scores, t->roles.score, scores * sizeof(float));
        ov->n_saved = t->model.n_params;
        ov->saved_have_roles = t->have_roles;
        ov->saved_heldout = t->roles.heldout_loss;
        snprintf(ov->saved_note, sizeof ov->saved_note, "%s", t->roles_note);
    }
    train_live_config c = train_live_config_default(&t->model.config);
    char err[STATE_ERR_LEN];
    attn_status st = train_live_start(ov->live, &c, err, sizeof err);
    if (st != ATTN_OK) {
        say(note, true, "live training: %s", err);
        return st;
    }
    ov->last_phase = TRAIN_LIVE_RUNNING;
    say(note, false,
        "training a fresh %zu-layer model live (%zu steps): watch the heads specialise; R or Esc "
        "stops",
        c.recipe.model.n_layers, c.recipe.train.steps);
    return ATTN_OK;
}

attn_status state_overview_restore(state_overview *ov, state_model *m, state_note *note) {
    state_trained *t = m->trained;
    if (!t || !ov || !ov->saved_params) {
        say(note, false, "the model has its own weights already");
        return ATTN_ERR_CONFIG;
    }
    check_identity(m, ov, note);
    if (!ov->saved_params) {
        say(note, false, "the model has its own weights already");
        return ATTN_ERR_CONFIG;
    }
    if (train_live_running(ov->live)) train_live_stop(ov->live);
    char err[STATE_ERR_LEN];
    if (state_trained_set_params(t, ov->saved_params, ov->n_saved, err, sizeof err) != 0) {
        say(note, true, "%s", err);
        return ATTN_ERR_CONFIG;
    }
    state_model_refresh(m);
    if (ov->saved_scores && t->roles.score)
        memcpy(t->roles.score, ov->saved_scores,
               t->roles.n_layers * t->roles.n_heads * MODEL_ROLES * sizeof(float));
    t->have_roles = ov->saved_have_roles && ov->saved_scores;
    t->roles.heldout_loss = ov->saved_heldout;
    snprintf(t->roles_note, sizeof t->roles_note, "%s", ov->saved_note);
    forget_saved(ov);
    ov->block = t->model.block;
    ov->gen++;
    say(note, false, "the model's own weights are back");
    return ATTN_OK;
}

void state_overview_update(state_overview *ov, state_model *m, bool measure_loss,
                           state_note *note) {
    check_identity(m, ov, note);
    take_live(ov, m, note);
    const state_trained *t = m->trained;
    if (ov->loss.joinable && !atomic_load(&ov->loss.busy)) loss_join(&ov->loss);
    /* The loss of the pruned model, while the weights hold still (live
     * training measures its own). */
    if (t && measure_loss && !train_live_running(ov->live)) loss_request(&ov->loss, t, ov->gen);
}

bool state_overview_busy(const state_overview *ov) {
    return ov && (train_live_running(ov->live) || ov->loss.joinable);
}

/* ---- for the drawing ------------------------------------------------------------------ */

bool state_overview_loss(const state_overview *ov, const state_model *m, double *all_on,
                         double *pruned, bool *measuring) {
    const state_trained *t = m->trained;
    *measuring = false;
    if (!ov || !t || t->gpt2) return false; /* not measured on GPT-2: loss_request */
    size_t LH = heads_total(t);
    if (loss_ready(&ov->loss, ov->gen, t->head_off, LH)) {
        *all_on = ov->loss.loss_on;
        *pruned = ov->loss.loss_off;
        return true;
    }
    *measuring = ov->loss.joinable ||
                 !(ov->loss.failed_gen == ov->gen && memcmp(ov->loss.failed_off, t->head_off, LH) == 0);
    return false;
}
