/* Settings of one attention layer and the checks that keep them consistent. */
#include <math.h>
#include <stdio.h>

#include "attnviz/attn.h"

attn_config attn_config_default(void) {
    attn_config c = {
        .d_model = 32,
        .n_heads = 4,
        .n_kv_heads = 4,
        .causal = false,
        .scale = true,
        .temperature = 1.0f,
    };
    return c;
}

static const char *const setting_names[ATTN_SETTING_COUNT] = {
    "", "sentence", "d_model", "heads", "kv_heads", "temperature", "max_tokens",
    "cross_sentence",
};

const char *attn_setting_name(attn_setting s) {
    return (unsigned)s < ATTN_SETTING_COUNT ? setting_names[s] : "";
}

static attn_status fail(attn_setting which, attn_setting *bad, char *err, size_t err_len,
                        const char *msg) {
    if (bad) *bad = which;
    if (err && err_len) snprintf(err, err_len, "%s", msg);
    return ATTN_ERR_CONFIG;
}

attn_status attn_config_check(const attn_config *c, attn_setting *bad, char *err, size_t err_len) {
    char msg[256];
    if (bad) *bad = ATTN_SETTING_NONE;
    if (c->d_model < 1 || c->d_model > ATTN_D_MODEL_MAX) {
        snprintf(msg, sizeof msg, "d_model %zu is out of range: use 1 to %d", c->d_model,
                 ATTN_D_MODEL_MAX);
        return fail(ATTN_SETTING_D_MODEL, bad, err, err_len, msg);
    }
    if (c->n_heads < 1 || c->n_heads > ATTN_HEADS_MAX) {
        snprintf(msg, sizeof msg, "heads %zu is out of range: use 1 to %d", c->n_heads,
                 ATTN_HEADS_MAX);
        return fail(ATTN_SETTING_HEADS, bad, err, err_len, msg);
    }
    if (c->d_model % c->n_heads != 0) {
        snprintf(msg, sizeof msg,
                 "heads %zu does not divide d_model %zu: pick a head count that divides it "
                 "(d_head = d_model / heads)",
                 c->n_heads, c->d_model);
        return fail(ATTN_SETTING_HEADS, bad, err, err_len, msg);
    }
    if (c->n_kv_heads < 1 || c->n_kv_heads > c->n_heads) {
        snprintf(msg, sizeof msg, "kv_heads %zu is out of range: use 1 to heads (%zu)",
                 c->n_kv_heads, c->n_heads);
        return fail(ATTN_SETTING_KV_HEADS, bad, err, err_len, msg);
    }
    if (c->n_heads % c->n_kv_heads != 0) {
        snprintf(msg, sizeof msg,
                 "kv_heads %zu does not divide heads %zu: each key/value group must serve "
                 "the same number of query heads",
                 c->n_kv_heads, c->n_heads);
        return fail(ATTN_SETTING_KV_HEADS, bad, err, err_len, msg);
    }
    /* The negated test also catches NaN. */
    if (!(c->temperature >= ATTN_TEMPERATURE_MIN && c->temperature <= ATTN_TEMPERATURE_MAX)) {
        snprintf(msg, sizeof msg, "temperature %g is out of range: use %g to %g",
                 (double)c->temperature, (double)ATTN_TEMPERATURE_MIN,
                 (double)ATTN_TEMPERATURE_MAX);
        return fail(ATTN_SETTING_TEMPERATURE, bad, err, err_len, msg);
    }
    return ATTN_OK;
}

size_t attn_d_head(const attn_config *c) { return c->d_model / c->n_heads; }

size_t attn_d_kv(const attn_config *c) { return c->n_kv_heads * attn_d_head(c); }

size_t attn_kv_group(const attn_config *c, size_t h) {
    return h / (c->n_heads / c->n_kv_heads);
}

double attn_forward_flops_cross(const attn_config *c, size_t n_q, size_t n_kv) {
    double d = (double)c->d_model, d_kv = (double)attn_d_kv(c), dh = (double)attn_d_head(c);
    double nq = (double)n_q, nk = (double)n_kv;
    /* Q and W_O on the query rows, K and V on the key/value rows */
    double projections = 2.0 * nq * d * (d + d) + 2.0 * nk * d * (2.0 * d_kv);
    double per_head = 2.0 * nq * nk * dh * 2.0; /* scores and weighted sum */
    return projections + (double)c->n_heads * per_head;
}

double attn_forward_flops(const attn_config *c, size_t n) {
    return attn_forward_flops_cross(c, n, n);
}
