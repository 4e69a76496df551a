/* The browser build's limits (wasm32, run under node; CMake builds it only there):
 * size_t is 32 bits, so the checks that guard memory sizes must hold where a
 * product wraps at 4 GiB. The other tests (test_core's trace limits, the
 * checked arithmetic) run there too; this one says they ran in 32 bits and
 * adds the model's sizes. */
#include <stdint.h>
#include <stdlib.h>

#include "attnviz/attn.h"
#include "attnviz/checked.h"
#include "attnviz/model.h"
#include "check.h"

int main(void) {
    char err[256];
    CHECK(sizeof(size_t) == 4 && SIZE_MAX == 0xFFFFFFFFu);
    CHECK(ATTN_TRACE_BYTES_MAX > 0 && ATTN_TRACE_BYTES_MAX == SIZE_MAX / 2);
    CHECK(MODEL_PARAMS_MAX > 0 && MODEL_PARAMS_MAX == (size_t)1 << 26);

    /* 65536 tokens x 16 heads: 2^36 scores' worth wraps to 0 in 32 bits. */
    attn_trace t;
    CHECK(attn_trace_init(&t, 65536, 64, 16, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK(t.block == NULL);
    CHECK_STR_CONTAINS(err, "65536 tokens with 16 heads need");
    CHECK(attn_trace_bytes(65536, 64, 16) == SIZE_MAX || attn_trace_bytes(65536, 64, 16) > ATTN_TRACE_BYTES_MAX);
    size_t r;
    CHECK(!attn_size_mul3(&r, 16, 65536, 65536) && r == SIZE_MAX);
    /* The app's own sizes fit, and are allocated for real. */
    CHECK(attn_trace_init(&t, 256, 32, 4, err, sizeof err) == ATTN_OK);
    attn_trace_free(&t);

    /* A model whose parameter count wraps in 32 bits (24 layers of 12·4096² weights:
     * 4.8 billion floats, 19 GB) is refused, not allocated small. */
    model_config c = {.n_layers = 24, .n_heads = 32, .d_model = 4096, .n_ctx = 1024,
                      .n_vocab = 50257};
    size_t sizes[MODEL_PARAM_TENSORS];
    size_t total = model_param_sizes(&c, sizes);
    CHECK(total == SIZE_MAX || total > MODEL_PARAMS_MAX);
    model m;
    attn_status st = model_init(&m, &c, NULL, err, sizeof err);
    CHECKF(st == ATTN_ERR_LIMIT, "status %d: %s", (int)st, err);
    model_config tiny = {.n_layers = 1, .n_heads = 2, .d_model = 16, .n_ctx = 32, .n_vocab = 50};
    CHECK(model_init(&m, &tiny, NULL, err, sizeof err) == ATTN_OK);
    model_free(&m);

    /* GPT-2 small (124M parameters) is over the limit for a model that
     * trains, and within the one for a model only read and run: it is
     * allocated (512 MiB), and a trainer is refused before any allocation. */
    model_config small = {.n_layers = 12, .n_heads = 12, .d_model = 768, .n_ctx = 1024,
                          .n_vocab = 50257};
    total = model_param_sizes(&small, sizes);
    CHECK(total == 124439808 && total > MODEL_PARAMS_MAX && total <= MODEL_PARAMS_MAX_RUN);
    CHECK(model_init(&m, &small, NULL, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "124439808 parameters, more than the limit of 67108864");
    CHECKF(model_init_run_only(&m, &small, NULL, err, sizeof err) == ATTN_OK, "%s", err);
    CHECK(m.n_params == total && m.block);
    m.block[total - 1] = 1.0f; /* all of it is addressable */
    CHECK(m.params.lnf_b[767] == 1.0f);
    model_train_config tc = model_train_config_default();
    model_trainer tr;
    CHECK(model_trainer_init(&tr, &m, &tc, err, sizeof err) == ATTN_ERR_LIMIT);
    CHECK_STR_CONTAINS(err, "training 124439808 parameters is over the limit of 67108864");
    model_free(&m);
    return check_done("test_wasm32");
}
