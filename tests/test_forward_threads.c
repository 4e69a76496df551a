/* model_forward on two threads gives the same bits as on one: every stage of
 * every layer, the stream, the MLP and the logits, for a model large enough
 * that each split (the projections, the heads, the MLP, the unembedding)
 * really happens. And model_save_gpt2's file reads back through
 * model_load_gpt2 as the same numbers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attnviz/gpt2.h"
#include "attnviz/model.h"
#include "attnviz/rng.h"
#include "check.h"

/* Sizes where every product passes the two-thread threshold (2^22
 * multiply-adds): c_fc 128·256·1024, the heads 2·128²·64·4, the
 * unembedding of one row 1·20000·256. */
static const model_config CONFIG = {
    .n_layers = 2, .n_heads = 4, .d_model = 256, .n_ctx = 128, .n_vocab = 20000};

static int same_bits(const float *a, const float *b, size_t count, const char *what) {
    if (memcmp(a, b, count * sizeof *a) == 0) return 1;
    for (size_t i = 0; i < count; i++)
        if (memcmp(&a[i], &b[i], sizeof *a) != 0) {
            fprintf(stderr, "%s differs first at %zu: %.9g vs %.9g\n", what, i, a[i], b[i]);
            break;
        }
    return 0;
}

static void compare_runs(const model_run *one, const model_run *two, size_t n) {
    size_t L = CONFIG.n_layers, d = CONFIG.d_model, H = CONFIG.n_heads, N = one->n_max;
    CHECK(same_bits(one->resid, two->resid, (L + 1) * N * d, "resid"));
    CHECK(same_bits(one->fc, two->fc, L * N * 4 * d, "fc"));
    CHECK(same_bits(one->gelu, two->gelu, L * N * 4 * d, "gelu"));
    for (size_t l = 0; l < L; l++) {
        const attn_trace *a = &one->trace[l], *b = &two->trace[l];
        CHECK(same_bits(a->q, b->q, n * d, "q"));
        CHECK(same_bits(a->k, b->k, n * d, "k"));
        CHECK(same_bits(a->v, b->v, n * d, "v"));
        CHECK(same_bits(a->scores, b->scores, H * n * n, "scores"));
        CHECK(same_bits(a->weights, b->weights, H * n * n, "weights"));
        CHECK(same_bits(a->output, b->output, n * d, "output"));
    }
    CHECK(same_bits(one->logits, two->logits, one->logit_rows * CONFIG.n_vocab, "logits"));
    CHECK(same_bits(one->probs, two->probs, one->logit_rows * CONFIG.n_vocab, "probs"));
}

static void test_threads(const model *m, model_logits which) {
    char err[256];
    size_t n = CONFIG.n_ctx;
    int32_t ids[128];
    attn_rng r = attn_rng_stream(3, 1);
    for (size_t i = 0; i < n; i++) ids[i] = (int32_t)(attn_rng_next(&r) % CONFIG.n_vocab);
    model_run one, two;
    CHECK(model_run_init_logits(&one, m, n, which, err, sizeof err) == ATTN_OK);
    CHECK(model_run_init_logits(&two, m, n, which, err, sizeof err) == ATTN_OK);
    CHECK(one.threads == 1 && two.scratch_parts == 2);
    two.threads = 2;
    // a short run and a full one: the split depends on the work's size
    size_t lengths[2] = {5, n};
    for (int k = 0; k < 2; k++) {
        CHECKF(model_forward(&one, m, ids, lengths[k], NULL, err, sizeof err) == ATTN_OK, "%s", err);
        CHECKF(model_forward(&two, m, ids, lengths[k], NULL, err, sizeof err) == ATTN_OK, "%s", err);
        compare_runs(&one, &two, lengths[k]);
    }
    // with heads switched off, the output projection runs in model_forward
    uint8_t off[2 * 4] = {0, 1, 0, 0, 1, 0, 0, 1};
    CHECK(model_forward(&one, m, ids, n, off, err, sizeof err) == ATTN_OK);
    CHECK(model_forward(&two, m, ids, n, off, err, sizeof err) == ATTN_OK);
    compare_runs(&one, &two, n);
    model_run_free(&one);
    model_run_free(&two);
}

static void test_save_gpt2(const model *m) {
    char err[512], path[64];
    snprintf(path, sizeof path, "/tmp/attnviz-test-threads-%ld.safetensors", (long)getpid());
    CHECKF(model_save_gpt2(m, path, err, sizeof err) == ATTN_OK, "%s", err);
    model back;
    model_gpt2_info info;
    CHECKF(model_load_gpt2(&back, path, 4, &info, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(memcmp(&back.config, &m->config, sizeof m->config) == 0);
    CHECK(back.n_params == m->n_params && same_bits(back.block, m->block, m->n_params, "params"));
    model_free(&back);
    unlink(path);
    // a path in a folder that does not exist: refused, nothing written
    CHECK(model_save_gpt2(m, "/nonexistent-dir/x.safetensors", err, sizeof err) != ATTN_OK);
    CHECK_STR_CONTAINS(err, "/nonexistent-dir/x.safetensors");
}

int main(void) {
    char err[256];
    model m;
    CHECKF(model_init(&m, &CONFIG, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    model_init_gpt2(&m, 5);
    // random biases and gains: zeros would hide a bias added twice or not at all
    attn_rng r = attn_rng_stream(9, 2);
    const model_params *p = &m.params;
    float *vectors[] = {p->ln1_w, p->ln1_b, p->attn_b, p->proj_b, p->ln2_w, p->ln2_b,
                        p->fc_b, p->fcproj_b};
    size_t sizes[] = {2 * 256, 2 * 256, 2 * 768, 2 * 256, 2 * 256, 2 * 256, 2 * 1024, 2 * 256};
    for (size_t v = 0; v < sizeof sizes / sizeof *sizes; v++)
        for (size_t i = 0; i < sizes[v]; i++) vectors[v][i] += attn_rng_symmetric(&r, 0.5f);
    test_threads(&m, MODEL_LOGITS_LAST);
    test_threads(&m, MODEL_LOGITS_ALL);
    test_save_gpt2(&m);
    model_free(&m);
    return check_done("test_forward_threads");
}
