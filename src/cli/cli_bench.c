/* `attnviz bench core`: time the forward pass on fixed shapes. Speed is
 * measured here, never in a timed test. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "attnviz/rng.h"
#include "cli.h"

typedef struct bench_case {
    const char *name;
    size_t n, d_model, n_heads;
} bench_case;

/* demo: the built-in example's size; large and long: where speed matters. */
static const bench_case cases[] = {
    {"demo", 9, 32, 4},
    {"large", 512, 512, 8},
    {"long", 2048, 512, 8},
};

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef attn_status (*forward_fn)(attn_trace *, const attn_config *, const attn_weights *,
                                  const float *, size_t, char *, size_t);

/* Median seconds per call: runs until 1 s and at least 5 calls have passed,
 * after one warm-up call (at most 100000 timed calls). */
static double median_seconds(forward_fn fn, attn_trace *t, const attn_config *c,
                             const attn_weights *w, size_t n, double *samples, size_t max_samples) {
    fn(t, c, w, t->x, n, NULL, 0);
    size_t count = 0;
    double start = cli_now_seconds();
    while (count < max_samples && (count < 5 || cli_now_seconds() - start < 1.0)) {
        double t0 = cli_now_seconds();
        fn(t, c, w, t->x, n, NULL, 0);
        samples[count++] = cli_now_seconds() - t0;
    }
    qsort(samples, count, sizeof *samples, cmp_double);
    return samples[count / 2];
}

int cli_bench_core(FILE *f, int with_reference, char *err, size_t err_len) {
    enum { MAX_SAMPLES = 100000 };
    double *samples = malloc(MAX_SAMPLES * sizeof *samples);
    if (!samples) {
        snprintf(err, err_len, "out of memory for the benchmark");
        return 2;
    }
    int rc = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases && rc == 0; ci++) {
        const bench_case *bc = &cases[ci];
        attn_config c = attn_config_default();
        c.d_model = bc->d_model;
        c.n_heads = c.n_kv_heads = bc->n_heads;
        attn_trace t;
        attn_weights w;
        if (attn_trace_init(&t, bc->n, c.d_model, c.n_heads, err, err_len) != ATTN_OK) {
            rc = 2;
            break;
        }
        if (attn_weights_init(&w, &c, err, err_len) != ATTN_OK) {
            attn_trace_free(&t);
            rc = 2;
            break;
        }
        attn_weights_xavier(&w, 42);
        attn_rng r = attn_rng_stream(42, 100);
        for (size_t i = 0; i < bc->n * c.d_model; i++) t.x[i] = attn_rng_symmetric(&r, 1.0f);

        double flops = attn_forward_flops(&c, bc->n);
        double mib = (double)attn_trace_bytes(bc->n, c.d_model, c.n_heads) / (1 << 20);
        double s = median_seconds(attn_forward, &t, &c, &w, bc->n, samples, MAX_SAMPLES);
        fprintf(f, "%s: median %.4g ms, %.3g GFLOP/s (n=%zu, d_model=%zu, heads=%zu, trace %.1f MiB)\n",
                bc->name, s * 1e3, flops / s * 1e-9, bc->n, c.d_model, c.n_heads, mib);
        fflush(f);
        if (with_reference) {
            s = median_seconds(attn_forward_reference, &t, &c, &w, bc->n, samples, MAX_SAMPLES);
            fprintf(f, "%s-reference: median %.4g ms, %.3g GFLOP/s\n", bc->name, s * 1e3,
                    flops / s * 1e-9);
            fflush(f);
        }
        attn_weights_free(&w);
        attn_trace_free(&t);
    }
    free(samples);
    return rc;
}
