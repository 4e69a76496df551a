/* A GPT-2's head roles (trained.h), measured by the standard detectors
 * (detect.h) on a thread of their own: GPT-2 small takes about a third of
 * a CPU second per sequence, far too long for a frame. The thread reads
 * the loaded model and writes only into the job; the frame reads the
 * count of sequences done (an atomic) and, once the thread has ended and
 * been joined, its results. No lock needed. */
#define _GNU_SOURCE /* syscall(SYS_gettid): the thread's own priority */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "trained.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

struct state_roles_job {
    pthread_t thread;
    const model *m;
    model_detect_config config;
    atomic_size_t done;
    atomic_bool busy, stop;
    model_detect_report report; /* read after the join */
    attn_status status;
    char err[256];
};

static int on_sequence(void *user, size_t done, size_t total) {
    (void)total;
    struct state_roles_job *j = user;
    atomic_store(&j->done, done);
    return atomic_load(&j->stop);
}

static void *roles_run(void *arg) {
    struct state_roles_job *j = arg;
#ifdef __linux__
    /* frames first; the detector's second thread inherits this */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
#endif
    j->status = model_heads_detect_watched(j->m, &j->config, on_sequence, j, &j->report, j->err,
                                           sizeof j->err);
    atomic_store(&j->busy, false);
    return NULL;
}

static void progress_note(state_trained *t, size_t done, size_t total) {
    snprintf(t->roles_note, sizeof t->roles_note,
             "measuring head roles on random repeated tokens: %zu/%zu", done, total);
}

attn_status state_trained_roles_start(state_trained *t, char *err, size_t err_len) {
    if (!t || !t->gpt2 || t->have_roles || t->roles_job || !t->model.block) return ATTN_OK;
    struct state_roles_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(t->roles_note, sizeof t->roles_note, "not measured: out of memory");
        return state_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory to measure head roles");
    }
    j->m = &t->model;
    j->config = model_detect_defaults(&t->model);
    atomic_init(&j->done, 0);
    atomic_init(&j->stop, false);
    atomic_init(&j->busy, true);
    if (pthread_create(&j->thread, NULL, roles_run, j) != 0) {
        free(j);
        snprintf(t->roles_note, sizeof t->roles_note,
                 "not measured: no thread could be started to measure them%s",
                 STATE_NO_THREAD_FIX);
        return state_fail(ATTN_ERR_IO, err, err_len,
                          "cannot start a thread to measure the head roles");
    }
    t->roles_job = j;
    progress_note(t, 0, j->config.sequences);
    return ATTN_OK;
}

/* Joins the ended thread and takes its results into t. */
static void finish(state_trained *t) {
    struct state_roles_job *j = t->roles_job;
    pthread_join(j->thread, NULL);
    t->roles_job = NULL;
    char msg[256];
    const model_detect_config *c = &j->config;
    if (j->status == ATTN_OK &&
        model_detect_as_roles(&j->report, &t->roles, msg, sizeof msg) == ATTN_OK) {
        t->detect = j->report; /* ownership moves */
        memset(&j->report, 0, sizeof j->report);
        t->have_detect = true;
        t->have_roles = true;
        snprintf(t->roles_note, sizeof t->roles_note,
                 "measured on %zu sequence%s of %zu random tokens repeated twice (Olsson et al. "
                 "2022)",
                 c->sequences, c->sequences == 1 ? "" : "s", c->block);
    } else {
        snprintf(t->roles_note, sizeof t->roles_note, "not measured: %s",
                 j->status == ATTN_OK ? msg : j->err);
    }
    model_detect_report_free(&j->report);
    free(j);
}

bool state_trained_roles_poll(state_trained *t, bool *finished) {
    if (finished) *finished = false;
    if (!t || !t->roles_job) return false;
    struct state_roles_job *j = t->roles_job;
    if (atomic_load(&j->busy)) {
        progress_note(t, atomic_load(&j->done), j->config.sequences);
        return true;
    }
    finish(t);
    if (finished) *finished = true;
    return false;
}

void state_trained_roles_stop(state_trained *t) {
    if (!t || !t->roles_job) return;
    atomic_store(&t->roles_job->stop, true);
    finish(t); /* the join waits for the sequence under way */
}
