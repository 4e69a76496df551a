/* The standard head detectors on random tokens repeated twice (detect.h). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/bpe.h"
#include "attnviz/checked.h"
#include "attnviz/detect.h"
#include "attnviz/rng.h"
#include "model_private.h"

static const char *const detector_key[MODEL_DETECTORS] = {"previous_token", "duplicate_token",
                                                          "induction", "first_token"};
static const char *const detector_label[MODEL_DETECTORS] = {"previous token", "duplicate token",
                                                            "induction", "first token"};

const char *model_detector_key(model_detector d) {
    return d < MODEL_DETECTORS ? detector_key[d] : "?";
}
const char *model_detector_label(model_detector d) {
    return d < MODEL_DETECTORS ? detector_label[d] : "?";
}
int model_detector_role(model_detector d) {
    switch (d) {
    case MODEL_DETECT_PREVIOUS: return MODEL_ROLE_PREVIOUS;
    case MODEL_DETECT_INDUCTION: return MODEL_ROLE_INDUCTION;
    case MODEL_DETECT_FIRST: return MODEL_ROLE_FIRST;
    case MODEL_DETECT_DUPLICATE:
    case MODEL_DETECTORS: break;
    }
    return -1;
}

/* GPT-2's ids below 1000 are single bytes and short pieces, those past
 * 50000 among its rarest merges: random text drawn from between them is made
 * of ordinary word pieces (TransformerLens's demos draw similarly). */
#define GPT2_ID_LO 1000
#define GPT2_ID_HI 50000

model_detect_config model_detect_defaults(const model *m) {
    const model_config *mc = &m->config;
    model_detect_config c = {0};
    c.sequences = MODEL_DETECT_SEQUENCES;
    c.block = MODEL_DETECT_BLOCK;
    if (mc->n_ctx < 1 + 2 * c.block) c.block = mc->n_ctx > 1 ? (mc->n_ctx - 1) / 2 : 0;
    c.seed = MODEL_DETECT_SEED;
    int32_t V = mc->n_vocab > INT32_MAX ? INT32_MAX : (int32_t)mc->n_vocab;
    if (m->vocab.n > 0) {
        c.start_id = MODEL_TOKEN_EOT;
        c.id_lo = MODEL_TOKEN_UNK + 1;
        c.id_hi = V;
    } else if (V == MODEL_BPE_GPT2_EOT + 1) {
        c.start_id = MODEL_BPE_GPT2_EOT;
        c.id_lo = GPT2_ID_LO;
        c.id_hi = GPT2_ID_HI;
    } else {
        c.start_id = V - 1;
        c.id_lo = 0;
        c.id_hi = V - 1;
    }
    return c;
}

/* ---- scoring one head on one sequence ------------------------------------------------- */

void model_detect_head_scores(const float *P, size_t T, float scores[MODEL_DETECTORS]) {
    size_t n = 1 + 2 * T;
    double prev = 0.0, first = 0.0, dup = 0.0, ind = 0.0;
    for (size_t p = 1; p < n; p++) {
        const float *row = P + p * n;
        prev += row[p - 1];
        first += row[0];
        if (p > T) {            /* the second copy: positions T+1 … 2T */
            dup += row[p - T];  /* the same token in the first copy */
            ind += row[p - T + 1]; /* the token after it */
        }
    }
    /* n − 1 rows have a previous and a first token; T rows are in the copy. */
    scores[MODEL_DETECT_PREVIOUS] = T ? (float)(prev / (double)(n - 1)) : 0.0f;
    scores[MODEL_DETECT_FIRST] = T ? (float)(first / (double)(n - 1)) : 0.0f;
    scores[MODEL_DETECT_DUPLICATE] = T ? (float)(dup / (double)T) : 0.0f;
    scores[MODEL_DETECT_INDUCTION] = T ? (float)(ind / (double)T) : 0.0f;
}

/* ---- the sequences ------------------------------------------------------------------- */

/* Sequence s: its own stream of the seed, so it does not depend on how
 * many sequences there are or which thread runs it. */
static void make_sequence(const model_detect_config *c, size_t s, int32_t *ids) {
    attn_rng rng = attn_rng_stream(c->seed, (uint64_t)s + 1);
    size_t T = c->block;
    uint64_t range = (uint64_t)(c->id_hi - c->id_lo);
    ids[0] = c->start_id;
    for (size_t i = 0; i < T; i++) {
        /* distinct: the only earlier occurrence of a token of the second copy is
         * its twin in the first, so duplicate and induction have one target each
         * (the check ensures range ≥ T, and for GPT-2 a repeat is rare anyway) */
        int32_t id;
        int again;
        do {
            id = c->id_lo + (int32_t)(attn_rng_next(&rng) % range);
            again = 0;
            for (size_t k = 0; k < i; k++) again |= ids[1 + k] == id;
        } while (again);
        ids[1 + i] = id;
        ids[1 + T + i] = id;
    }
}

static attn_status check_config(const model *m, const model_detect_config *c, char *err,
                                size_t err_len) {
    const model_config *mc = &m->config;
    if (c->sequences < 1 || c->sequences > 1000000)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "sequences %zu is out of range: use 1 to 1000000", c->sequences);
    if (c->block < 1 || c->block > (mc->n_ctx - 1) / 2)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "block length %zu does not fit: 1 + 2 × the block must fit the "
                          "model's context of %zu tokens, so use 1 to %zu",
                          c->block, mc->n_ctx, (mc->n_ctx - 1) / 2);
    if (c->start_id < 0 || (size_t)c->start_id >= mc->n_vocab)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "start id %d is not a token of the model: use 0 to %zu",
                          (int)c->start_id, mc->n_vocab - 1);
    if (c->id_lo < 0 || c->id_hi <= c->id_lo || (size_t)c->id_hi > mc->n_vocab)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "token range [%d, %d) is not within the model's %zu tokens: use a "
                          "range from 0 up to %zu",
                          (int)c->id_lo, (int)c->id_hi, mc->n_vocab, mc->n_vocab);
    if ((size_t)(c->id_hi - c->id_lo) < c->block)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                          "token range [%d, %d) holds %d ids, fewer than the block length %zu "
                          "needs (its tokens are distinct): widen the range or shorten the block",
                          (int)c->id_lo, (int)c->id_hi, (int)(c->id_hi - c->id_lo), c->block);
    return ATTN_OK;
}

/* ---- two threads ----------------------------------------------------------------------- */

/* What the two threads share: the count of sequences done, and whether
 * the caller asked to stop. */
typedef struct detect_shared {
    pthread_mutex_t lock;
    size_t done, total;
    int stop;
    model_detect_progress_fn progress;
    void *user;
} detect_shared;

/* One more sequence done; whether to go on. */
static int detect_tick(detect_shared *sh) {
    pthread_mutex_lock(&sh->lock);
    sh->done++;
    if (sh->progress && !sh->stop) sh->stop = sh->progress(sh->user, sh->done, sh->total) != 0;
    int go = !sh->stop;
    pthread_mutex_unlock(&sh->lock);
    return go;
}

typedef struct detect_job {
    detect_shared *shared;
    const model *m;
    const model_detect_config *c;
    size_t first, end;  /* sequences */
    double *sum;        /* (L, H, MODEL_DETECTORS) */
    int32_t *ids;       /* 1 + 2T */
    model_run run;
    attn_status status;
    char err[256];
} detect_job;

static void *detect_run(void *arg) {
    detect_job *j = arg;
    const model_config *mc = &j->m->config;
    size_t T = j->c->block, n = 1 + 2 * T, H = mc->n_heads;
    for (size_t s = j->first; s < j->end; s++) {
        make_sequence(j->c, s, j->ids);
        j->status = model_forward(&j->run, j->m, j->ids, n, NULL, j->err, sizeof j->err);
        if (j->status != ATTN_OK) return NULL;
        j->status = model_run_check(&j->run, j->m, j->err, sizeof j->err);
        if (j->status != ATTN_OK) return NULL;
        for (size_t l = 0; l < mc->n_layers; l++)
            for (size_t h = 0; h < H; h++) {
                float one[MODEL_DETECTORS];
                model_detect_head_scores(j->run.trace[l].weights + h * n * n, T, one);
                double *sum = j->sum + (l * H + h) * MODEL_DETECTORS;
                for (int k = 0; k < MODEL_DETECTORS; k++) sum[k] += one[k];
            }
        if (!detect_tick(j->shared)) return NULL;
    }
    return NULL;
}

void model_detect_report_free(model_detect_report *r) {
    if (!r) return;
    free(r->score);
    memset(r, 0, sizeof *r);
}

attn_status model_heads_detect(const model *m, const model_detect_config *c,
                               model_detect_report *out, char *err, size_t err_len) {
    return model_heads_detect_watched(m, c, NULL, NULL, out, err, err_len);
}

attn_status model_heads_detect_watched(const model *m, const model_detect_config *c,
                                       model_detect_progress_fn progress, void *user,
                                       model_detect_report *out, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    attn_status s = check_config(m, c, err, err_len);
    if (s != ATTN_OK) return s;
    detect_shared shared = {.total = c->sequences, .progress = progress, .user = user};
    pthread_mutex_init(&shared.lock, NULL);
    size_t L = m->config.n_layers, H = m->config.n_heads, LH = L * H, n = 1 + 2 * c->block;
    detect_job jobs[2];
    memset(jobs, 0, sizeof jobs);
    for (int k = 0; k < 2 && s == ATTN_OK; k++) {
        detect_job *j = &jobs[k];
        j->shared = &shared;
        j->m = m;
        j->c = c;
        j->sum = calloc(LH * MODEL_DETECTORS, sizeof *j->sum);
        j->ids = malloc(n * sizeof *j->ids);
        /* The last position's logits only: nothing here reads them, and
         * GPT-2's 50257 per position would cost as much as a third of the
         * forward. The second run reads the first's copy of the attention
         * weights (GPT-2 small: 113 MB, not copied twice). */
        s = j->sum && j->ids
                ? model_run_init_shared_logits(&j->run, m, n, MODEL_LOGITS_LAST,
                                               k ? jobs[0].run.attn : NULL, err, err_len)
                : model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for the detector");
    }
    out->score = s == ATTN_OK ? calloc(LH * MODEL_DETECTORS, sizeof *out->score) : NULL;
    if (s == ATTN_OK && !out->score)
        s = model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for the detector");
    if (s == ATTN_OK) {
        jobs[0].end = jobs[1].first = c->sequences / 2;
        jobs[1].end = c->sequences;
        pthread_t thread;
        int threaded = pthread_create(&thread, NULL, detect_run, &jobs[1]) == 0;
        detect_run(&jobs[0]);
        if (threaded)
            pthread_join(thread, NULL);
        else
            detect_run(&jobs[1]);
        for (int k = 0; k < 2 && s == ATTN_OK; k++)
            if (jobs[k].status != ATTN_OK)
                s = model_fail(jobs[k].status, err, err_len, "%s", jobs[k].err);
        if (s == ATTN_OK && shared.stop)
            s = model_fail(ATTN_ERR_IO, err, err_len,
                           "the head detectors stopped after %zu of %zu sequences, as asked",
                           shared.done, c->sequences);
    }
    if (s == ATTN_OK) {
        /* the halves added in a fixed order: the same bits on one thread or two */
        for (size_t i = 0; i < LH * MODEL_DETECTORS; i++) {
            out->score[i] = (float)((jobs[0].sum[i] + jobs[1].sum[i]) / (double)c->sequences);
        }
        out->n_layers = L;
        out->n_heads = H;
        out->config = *c;
    }
    for (int k = 0; k < 2; k++) {
        model_run_free(&jobs[k].run);
        free(jobs[k].sum);
        free(jobs[k].ids);
    }
    pthread_mutex_destroy(&shared.lock);
    if (s != ATTN_OK) model_detect_report_free(out);
    return s;
}

/* ---- naming a head --------------------------------------------------------------------- */

model_detector model_detect_label(const model_detect_report *r, size_t l, size_t h,
                                  float min_score, float *score) {
    size_t LH = r->n_layers * r->n_heads, me = l * r->n_heads + h;
    int pick = -1, best = 0;
    float pick_lead = 0.0f;
    for (int k = 0; k < MODEL_DETECTORS; k++) {
        float mine = r->score[me * MODEL_DETECTORS + k], other = 0.0f;
        for (size_t i = 0; i < LH; i++)
            if (i != me && r->score[i * MODEL_DETECTORS + k] > other)
                other = r->score[i * MODEL_DETECTORS + k];
        float lead = mine - other;
        if (mine >= min_score && lead >= MODEL_LABEL_LEAD && (pick < 0 || lead > pick_lead)) {
            pick = k;
            pick_lead = lead;
        }
        if (mine > r->score[me * MODEL_DETECTORS + best]) best = k;
    }
    if (pick < 0) pick = best;
    if (score) *score = r->score[me * MODEL_DETECTORS + pick];
    return (model_detector)pick;
}

attn_status model_detect_as_roles(const model_detect_report *d, model_heads_report *out,
                                  char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    size_t LH = d->n_layers * d->n_heads;
    out->score = calloc(LH * MODEL_ROLES, sizeof *out->score);
    if (!out->score)
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for the head roles");
    out->n_layers = d->n_layers;
    out->n_heads = d->n_heads;
    out->heldout_loss = NAN;
    out->unigram_loss = NAN;
    out->sequences = d->config.sequences;
    for (size_t i = 0; i < LH; i++)
        for (int k = 0; k < MODEL_DETECTORS; k++) {
            int role = model_detector_role((model_detector)k);
            if (role >= 0) out->score[i * MODEL_ROLES + role] = d->score[i * MODEL_DETECTORS + k];
        }
    return ATTN_OK;
}
