/* The peak memory of loading a GPT-2-small-shaped checkpoint (12 layers,
 * d_model 768, 12 heads, context 1024, vocabulary 50257; random values).
 * Usage:
 *   gpt2_rss write FILE [F32|BF16]   writes the checkpoint (HF layout)
 *   gpt2_rss load FILE              loads it, prints the peak resident size
 * Run the two as separate processes, so the writer's memory is not counted:
 * the peak should stay near the model's floats (498 MB), not floats plus
 * file. The slow test test_gpt2_rss runs both on an F32 file. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "attnviz/gpt2.h"
#include "attnviz/rng.h"
#include "attnviz/safetensors.h"

static long peak_kb(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

static int write_small(const char *path, model_st_dtype dt) {
    enum { L = 12, D = 768, C = 1024, V = 50257 };
    const char *per[12] = {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                           "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                           "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};
    const size_t s[12][2] = {{D, 0}, {D, 0}, {D, 3 * D}, {3 * D, 0}, {D, D}, {D, 0},
                             {D, 0}, {D, 0}, {D, 4 * D}, {4 * D, 0}, {4 * D, D}, {D, 0}};
    static model_st_tensor t[4 + 12 * L];
    static char names[4 + 12 * L][48];
    size_t n = 0, biggest = (size_t)V * D;
    size_t esize = model_st_dtype_size(dt);
    uint8_t *data = malloc(biggest * esize);
    if (!data) return 0;
    attn_rng r = attn_rng_stream(7, 0);
    for (size_t i = 0; i < biggest; i++) {
        /* small values: F32's or BF16's bits of a uniform in ±0.1 */
        float v = attn_rng_symmetric(&r, 0.1f);
        if (dt == MODEL_ST_F32) memcpy(data + 4 * i, &v, 4);
        else {
            uint32_t b;
            memcpy(&b, &v, 4);
            uint16_t h = (uint16_t)(b >> 16); /* BF16 by truncation */
            memcpy(data + 2 * i, &h, 2);
        }
    }
    snprintf(names[0], 48, "wte.weight"), t[0] = (model_st_tensor){.name = names[0], .dtype = dt, .n_dims = 2, .shape = {V, D}};
    snprintf(names[1], 48, "wpe.weight"), t[1] = (model_st_tensor){.name = names[1], .dtype = dt, .n_dims = 2, .shape = {C, D}};
    n = 2;
    for (size_t l = 0; l < L; l++)
        for (size_t j = 0; j < 12; j++) {
            snprintf(names[n], 48, "h.%zu.%s", l, per[j]);
            t[n] = (model_st_tensor){.name = names[n], .dtype = dt, .n_dims = s[j][1] ? 2 : 1, .shape = {s[j][0], s[j][1]}};
            n++;
        }
    snprintf(names[n], 48, "ln_f.weight"), t[n] = (model_st_tensor){.name = names[n], .dtype = dt, .n_dims = 1, .shape = {D}};
    n++;
    snprintf(names[n], 48, "ln_f.bias"), t[n] = (model_st_tensor){.name = names[n], .dtype = dt, .n_dims = 1, .shape = {D}};
    n++;
    for (size_t i = 0; i < n; i++) t[i].data = data;
    char err[512];
    attn_status st = model_st_save(path, t, n, NULL, 0, err, sizeof err);
    if (st != ATTN_OK) fprintf(stderr, "gpt2_rss: %s\n", err);
    free(data);
    return st == ATTN_OK;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "write") == 0) {
        model_st_dtype dt = MODEL_ST_F32;
        if (argc > 3 && strcmp(argv[3], "BF16") == 0) dt = MODEL_ST_BF16;
        return write_small(argv[2], dt) ? 0 : 1;
    }
    if (argc >= 3 && strcmp(argv[1], "load") == 0) {
        long before = peak_kb();
        model m;
        model_gpt2_info info;
        char err[512];
        if (model_load_gpt2(&m, argv[2], 0, &info, err, sizeof err) != ATTN_OK) {
            fprintf(stderr, "gpt2_rss: %s\n", err);
            return 1;
        }
        long after = peak_kb();
        double file_mb = (double)info.file_bytes / 1e6, model_mb = (double)m.n_params * 4 / 1e6;
        printf("file %.1f MB (%s), model %.1f MB of floats, peak resident %.1f MB (%.1f MB "
               "before loading)\n",
               file_mb, model_st_dtype_name(info.dtype), model_mb, (double)after * 1024 / 1e6,
               (double)before * 1024 / 1e6);
        model_free(&m);
        /* the peak may exceed the model's floats by the parser and one
         * tensor's pages (wte: 154 MB in F32) but not by the whole file */
        return (double)after * 1024 / 1e6 < model_mb + 0.5 * file_mb ? 0 : 1;
    }
    fprintf(stderr, "usage: gpt2_rss write FILE [F32|BF16] | gpt2_rss load FILE\n");
    return 2;
}
