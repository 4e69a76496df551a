/* Head scores and head importance on held-out generated text (heads.h). */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/checked.h"
#include "attnviz/corpus.h"
#include "attnviz/heads.h"
#include "model_private.h"

static const char *const role_key[MODEL_ROLES] = {
    "previous_token", "first_token", "current_token", "induction", "antecedent", "subject"};
static const char *const role_label[MODEL_ROLES] = {
    "previous token", "first token", "current token", "induction", "antecedent", "subject"};

const char *model_role_key(model_role r) { return r < MODEL_ROLES ? role_key[r] : "?"; }
const char *model_role_label(model_role r) { return r < MODEL_ROLES ? role_label[r] : "?"; }

/* What one pass over held-out text adds up. Antecedent and subject keep two
 * sums each (from the word itself and from the token after it). */
enum {
    S_PREV,
    S_FIRST,
    S_CURRENT,
    S_INDUCTION,
    S_ANTE_AT,
    S_ANTE_AFTER,
    S_SUBJ_AT,
    S_SUBJ_AFTER,
    SLOTS
};

typedef struct held_out {
    size_t count, n;     /* sequences, tokens each */
    int32_t *ids;        /* (count, n) */
    model_truth *truth;  /* (count, n) */
} held_out;

typedef struct job {
    const model *m;
    const held_out *text;
    const uint8_t *head_off;
    size_t first, end;   /* sequences */
    int scores;          /* add up attention too, not only the loss */
    double *sum;         /* (L, H, SLOTS) */
    double count[SLOTS];
    double loss;
    size_t tokens;
    model_run run;
    attn_status status;
    char err[256];
} job;

static void add_scores(job *j, const model_truth *truth, size_t n) {
    const model_config *c = &j->m->config;
    size_t H = c->n_heads;
    for (size_t p = 1; p < n; p++) {
        j->count[S_PREV] += 1, j->count[S_FIRST] += 1, j->count[S_CURRENT] += 1;
        int ind = truth[p].copy >= 0;
        int ante = truth[p].antecedent >= 0, ante_after = ante && p + 1 < n;
        int subj = truth[p].subject >= 0 && p - (size_t)truth[p].subject > 1;
        int subj_after = subj && p + 1 < n;
        j->count[S_INDUCTION] += ind;
        j->count[S_ANTE_AT] += ante, j->count[S_ANTE_AFTER] += ante_after;
        j->count[S_SUBJ_AT] += subj, j->count[S_SUBJ_AFTER] += subj_after;
        for (size_t l = 0; l < c->n_layers; l++) {
            const float *w = j->run.trace[l].weights;
            for (size_t h = 0; h < H; h++) {
                const float *P = w + h * n * n; /* row p: P + p·n */
                double *s = j->sum + (l * H + h) * SLOTS;
                s[S_PREV] += P[p * n + p - 1];
                s[S_FIRST] += P[p * n];
                s[S_CURRENT] += P[p * n + p];
                if (ind) s[S_INDUCTION] += P[p * n + (size_t)truth[p].copy + 1];
                if (ante) s[S_ANTE_AT] += P[p * n + (size_t)truth[p].antecedent];
                if (ante_after) s[S_ANTE_AFTER] += P[(p + 1) * n + (size_t)truth[p].antecedent];
                if (subj) s[S_SUBJ_AT] += P[p * n + (size_t)truth[p].subject];
                if (subj_after) s[S_SUBJ_AFTER] += P[(p + 1) * n + (size_t)truth[p].subject];
            }
        }
    }
}

static void *run_job(void *arg) {
    job *j = arg;
    const held_out *t = j->text;
    for (size_t s = j->first; s < j->end; s++) {
        const int32_t *ids = t->ids + s * t->n;
        j->status = model_forward(&j->run, j->m, ids, t->n, j->head_off, j->err, sizeof j->err);
        if (j->status != ATTN_OK) return NULL;
        j->status = model_run_check(&j->run, j->m, j->err, sizeof j->err);
        if (j->status != ATTN_OK) return NULL;
        j->loss += model_run_loss(&j->run, j->m, ids, t->n) * (double)(t->n - 1);
        j->tokens += t->n - 1;
        if (j->scores) add_scores(j, t->truth + s * t->n, t->n);
    }
    return NULL;
}

typedef struct pass {
    job jobs[2];
} pass;

static void pass_free(pass *p) {
    for (int k = 0; k < 2; k++) {
        model_run_free(&p->jobs[k].run);
        free(p->jobs[k].sum);
    }
}

static attn_status pass_init(pass *p, const model *m, const held_out *text, char *err,
                             size_t err_len) {
    memset(p, 0, sizeof *p);
    size_t LH = m->config.n_layers * m->config.n_heads;
    for (int k = 0; k < 2; k++) {
        job *j = &p->jobs[k];
        j->m = m;
        j->text = text;
        j->sum = calloc(LH * SLOTS, sizeof *j->sum);
        attn_status s = j->sum ? model_run_init(&j->run, m, text->n, err, err_len)
                               : model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory");
        if (s != ATTN_OK) {
            pass_free(p);
            return s;
        }
    }
    p->jobs[0].first = 0;
    p->jobs[0].end = p->jobs[1].first = text->count / 2;
    p->jobs[1].end = text->count;
    return ATTN_OK;
}

/* One pass over the text on two threads; the halves are added in a fixed
 * order, so the figures do not depend on timing. */
static attn_status pass_run(pass *p, const uint8_t *head_off, int scores, char *err,
                            size_t err_len) {
    size_t LH = p->jobs[0].m->config.n_layers * p->jobs[0].m->config.n_heads;
    for (int k = 0; k < 2; k++) {
        job *j = &p->jobs[k];
        j->head_off = head_off;
        j->scores = scores;
        j->loss = 0.0;
        j->tokens = 0;
        memset(j->count, 0, sizeof j->count);
        memset(j->sum, 0, LH * SLOTS * sizeof *j->sum);
        j->status = ATTN_OK;
    }
    pthread_t thread;
    int threaded = pthread_create(&thread, NULL, run_job, &p->jobs[1]) == 0;
    run_job(&p->jobs[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else
        run_job(&p->jobs[1]);
    for (int k = 0; k < 2; k++)
        if (p->jobs[k].status != ATTN_OK)
            return model_fail(p->jobs[k].status, err, err_len, "%s", p->jobs[k].err);
    return ATTN_OK;
}

static double pass_loss(const pass *p) {
    return (p->jobs[0].loss + p->jobs[1].loss) /
           (double)(p->jobs[0].tokens + p->jobs[1].tokens);
}

static void text_free(held_out *t) {
    free(t->ids);
    free(t->truth);
    memset(t, 0, sizeof *t);
}

static attn_status text_make(held_out *t, size_t count, size_t n, uint64_t seed, char *err,
                             size_t err_len) {
    memset(t, 0, sizeof *t);
    /* Up to a million sequences of up to 4096 tokens: checked, since in 32
     * bits that many ids would wrap around. */
    size_t ids_bytes, truth_bytes;
    if (!attn_size_mul3(&ids_bytes, count, n, sizeof *t->ids) ||
        !attn_size_mul3(&truth_bytes, count, n, sizeof *t->truth))
        return model_fail(ATTN_ERR_LIMIT, err, err_len,
                          "%zu held-out sequences of %zu tokens need more bytes than a %d-bit "
                          "size can count: use fewer sequences",
                          count, n, ATTN_SIZE_BITS);
    t->ids = malloc(ids_bytes);
    t->truth = malloc(truth_bytes);
    if (!t->ids || !t->truth) {
        text_free(t);
        return model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory for %zu held-out sequences",
                    count);
    }
    t->count = count;
    t->n = n;
    model_corpus corpus;
    attn_status s = model_corpus_init(&corpus, seed, NULL, err, err_len);
    if (s != ATTN_OK) {
        text_free(t);
        return s;
    }
    for (size_t i = 0; i < count; i++)
        model_corpus_sequence(&corpus, t->ids + i * n, t->truth + i * n, n);
    return ATTN_OK;
}

/* The baseline: predict each token by its frequency alone. Frequencies
 * come from other generated text (add-one smoothed, so no word has
 * probability 0), the loss is measured on the held-out text. */
static double unigram_loss(const held_out *t, size_t V) {
    held_out counts_text;
    size_t sample;
    if (!attn_size_mul(&sample, t->count, 4) ||
        text_make(&counts_text, sample, t->n, MODEL_HELDOUT_SEED + 1, NULL, 0) != ATTN_OK)
        return NAN;
    double *count = calloc(V, sizeof *count);
    double total = 0.0;
    if (!count) {
        text_free(&counts_text);
        return NAN;
    }
    for (size_t i = 0; i < sample; i++)
        for (size_t p = 1; p < t->n; p++) {
            int32_t id = counts_text.ids[i * t->n + p];
            if (id >= 0 && (size_t)id < V) count[id] += 1.0, total += 1.0;
        }
    double loss = 0.0;
    size_t tokens = 0;
    for (size_t i = 0; i < t->count; i++)
        for (size_t p = 1; p < t->n; p++) {
            int32_t id = t->ids[i * t->n + p];
            double c = (id >= 0 && (size_t)id < V) ? count[id] : 0.0;
            loss -= log((c + 1.0) / (total + (double)V));
            tokens++;
        }
    free(count);
    text_free(&counts_text);
    return loss / (double)tokens;
}

static attn_status check_model(const model *m, size_t sequences, char *err, size_t err_len) {
    const char *const *words;
    size_t V = model_corpus_vocab(&words);
    if (m->config.n_vocab != V)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                    "the model has %zu words and the generated text %zu: head scores need a "
                    "model trained on attnviz's corpus (attnviz train)",
                    m->config.n_vocab, V);
    if (m->vocab.n != V)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "the model has no word vocabulary (token ids only): head scores need a "
                          "model trained on attnviz's corpus (attnviz train)");
    for (size_t i = 0; i < V; i++)
        if (strcmp(m->vocab.words[i], words[i]) != 0)
            return model_fail(ATTN_ERR_INPUT, err, err_len,
                        "word %zu of the model is \"%s\" and of the corpus \"%s\": head scores "
                        "need a model trained on attnviz's corpus (attnviz train)",
                        i, m->vocab.words[i], words[i]);
    if (sequences < 2 || sequences > 1000000)
        return model_fail(ATTN_ERR_CONFIG, err, err_len,
                    "sequences %zu is out of range: use 2 to 1000000", sequences);
    return ATTN_OK;
}

attn_status model_heads_loss(const model *m, size_t sequences, const uint8_t *head_off,
                             double *loss, char *err, size_t err_len) {
    attn_status s = check_model(m, sequences, err, err_len);
    if (s != ATTN_OK) return s;
    held_out text;
    s = text_make(&text, sequences, m->config.n_ctx, MODEL_HELDOUT_SEED, err, err_len);
    if (s != ATTN_OK) return s;
    pass p;
    s = pass_init(&p, m, &text, err, err_len);
    if (s == ATTN_OK) {
        s = pass_run(&p, head_off, 0, err, err_len);
        *loss = pass_loss(&p);
        pass_free(&p);
    }
    text_free(&text);
    return s;
}

void model_heads_report_free(model_heads_report *r) {
    if (!r) return;
    free(r->score);
    free(r->importance);
    memset(r, 0, sizeof *r);
}

attn_status model_heads_measure(const model *m, size_t sequences, const uint8_t *head_off,
                                int importance, model_heads_report *out, char *err,
                                size_t err_len) {
    memset(out, 0, sizeof *out);
    attn_status s = check_model(m, sequences, err, err_len);
    if (s != ATTN_OK) return s;
    size_t L = m->config.n_layers, H = m->config.n_heads, LH = L * H;
    held_out text;
    s = text_make(&text, sequences, m->config.n_ctx, MODEL_HELDOUT_SEED, err, err_len);
    if (s != ATTN_OK) return s;
    pass p;
    s = pass_init(&p, m, &text, err, err_len);
    if (s != ATTN_OK) {
        text_free(&text);
        return s;
    }
    out->n_layers = L;
    out->n_heads = H;
    out->sequences = sequences;
    out->score = calloc(LH * MODEL_ROLES, sizeof *out->score);
    uint8_t *off = calloc(LH, 1);
    if (!out->score || !off) {
        s = model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory");
        goto done;
    }
    s = pass_run(&p, head_off, 1, err, err_len);
    if (s != ATTN_OK) goto done;
    out->heldout_loss = pass_loss(&p);
    out->tokens = p.jobs[0].tokens + p.jobs[1].tokens;
    double count[SLOTS];
    for (int k = 0; k < SLOTS; k++) count[k] = p.jobs[0].count[k] + p.jobs[1].count[k];
    for (size_t i = 0; i < LH; i++) {
        double sum[SLOTS], mean[SLOTS];
        for (int k = 0; k < SLOTS; k++) {
            sum[k] = p.jobs[0].sum[i * SLOTS + k] + p.jobs[1].sum[i * SLOTS + k];
            mean[k] = count[k] > 0 ? sum[k] / count[k] : 0.0;
        }
        float *r = out->score + i * MODEL_ROLES;
        r[MODEL_ROLE_PREVIOUS] = (float)mean[S_PREV];
        r[MODEL_ROLE_FIRST] = (float)mean[S_FIRST];
        r[MODEL_ROLE_CURRENT] = (float)mean[S_CURRENT];
        r[MODEL_ROLE_INDUCTION] = (float)mean[S_INDUCTION];
        r[MODEL_ROLE_ANTECEDENT] = (float)fmax(mean[S_ANTE_AT], mean[S_ANTE_AFTER]);
        r[MODEL_ROLE_SUBJECT] = (float)fmax(mean[S_SUBJ_AT], mean[S_SUBJ_AFTER]);
    }
    out->unigram_loss = unigram_loss(&text, m->config.n_vocab);
    if (importance) {
        out->importance = calloc(LH, sizeof *out->importance);
        if (!out->importance) {
            s = model_fail(ATTN_ERR_NOMEM, err, err_len, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < LH; i++) {
            for (size_t k = 0; k < LH; k++) off[k] = (head_off && head_off[k]) || k == i;
            s = pass_run(&p, off, 0, err, err_len);
            if (s != ATTN_OK) goto done;
            out->importance[i] = (float)(pass_loss(&p) - out->heldout_loss);
        }
    }
done:
    free(off);
    pass_free(&p);
    text_free(&text);
    if (s != ATTN_OK) model_heads_report_free(out);
    return s;
}

model_role model_heads_best_role(const model_heads_report *r, size_t l, size_t h, float *score) {
    model_role best = MODEL_ROLE_PREVIOUS;
    for (int k = 1; k < MODEL_ROLES; k++)
        if (model_heads_score(r, l, h, (model_role)k) > model_heads_score(r, l, h, best))
            best = (model_role)k;
    if (score) *score = model_heads_score(r, l, h, best);
    return best;
}

/* ---- naming a head (heads.h: the one rule) ------------------------------------------ */

size_t model_heads_role_winners(const model_heads_report *r, model_role role, size_t *idx,
                                size_t cap, float *top) {
    size_t LH = r->n_layers * r->n_heads, count = 0;
    float best = 0.0f;
    for (size_t i = 0; i < LH; i++)
        if (i == 0 || r->score[i * MODEL_ROLES + role] > best) best = r->score[i * MODEL_ROLES + role];
    for (size_t i = 0; i < LH; i++)
        if (r->score[i * MODEL_ROLES + role] >= best - MODEL_ROLE_TIE) {
            if (count < cap) idx[count] = i;
            count++;
        }
    if (top) *top = best;
    return count;
}

void model_heads_name(const model_heads_report *r, size_t l, size_t h, model_head_name *out) {
    memset(out, 0, sizeof *out);
    size_t LH = r->n_layers * r->n_heads, me = l * r->n_heads + h;
    float lead[MODEL_ROLES];
    for (int k = 0; k < MODEL_ROLES; k++) {
        float mine = r->score[me * MODEL_ROLES + k], other = -1.0f;
        for (size_t i = 0; i < LH; i++)
            if (i != me && r->score[i * MODEL_ROLES + k] > other) other = r->score[i * MODEL_ROLES + k];
        /* won: the highest, or within the tie of it; and not too faint to name */
        if (mine < MODEL_ROLE_MIN || mine < other - MODEL_ROLE_TIE) continue;
        size_t at = out->n++;
        out->role[at] = (model_role)k;
        out->score[at] = mine;
        out->tied[at] = other >= mine - MODEL_ROLE_TIE;
        lead[at] = out->tied[at] ? 0.0f : mine - other;
        /* insertion by lead, the largest first; ties keep the roles' order */
        for (size_t j = at; j > 0 && lead[j] > lead[j - 1]; j--) {
            model_role tr = out->role[j];
            float ts = out->score[j], tl = lead[j];
            bool tt = out->tied[j];
            out->role[j] = out->role[j - 1], out->score[j] = out->score[j - 1];
            out->tied[j] = out->tied[j - 1], lead[j] = lead[j - 1];
            out->role[j - 1] = tr, out->score[j - 1] = ts, out->tied[j - 1] = tt, lead[j - 1] = tl;
        }
    }
}

void model_heads_name_text(const model_head_name *nm, char *buf, size_t len) {
    if (len == 0) return;
    buf[0] = '\0';
    if (nm->n == 0) {
        snprintf(buf, len, "no clear role");
        return;
    }
    size_t at = 0;
    for (size_t k = 0; k < nm->n && at < len; k++) {
        int w = snprintf(buf + at, len - at, "%s%s %.2f%s", k ? ", " : "",
                         model_role_label(nm->role[k]), (double)nm->score[k],
                         nm->tied[k] ? " (tied)" : "");
        if (w < 0) break;
        at += (size_t)w;
    }
}

void model_heads_winners_text(const model_heads_report *r, model_role role, char *buf,
                              size_t len) {
    if (len == 0) return;
    size_t idx[64];
    float top;
    size_t n = model_heads_role_winners(r, role, idx, sizeof idx / sizeof idx[0], &top);
    if (n > sizeof idx / sizeof idx[0]) n = sizeof idx / sizeof idx[0];
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && at < len; k++) {
        int w = snprintf(buf + at, len - at, "%s%zu.%zu", k == 0 ? "" : k + 1 == n ? " and " : ", ",
                         idx[k] / r->n_heads + 1, idx[k] % r->n_heads + 1);
        if (w < 0) break;
        at += (size_t)w;
    }
    if (at < len) snprintf(buf + at, len - at, n > 1 ? " (%.2f, tied)" : " (%.2f)", (double)top);
}
