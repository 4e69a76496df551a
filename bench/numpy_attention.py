#!/usr/bin/env python3
"""The NumPy side of the speed comparison: the same multi-head attention
forward pass as attn_forward, written the way a Python user would, in float32.

    /usr/bin/python3 bench/numpy_attention.py

NumPy's matrix products run in OpenBLAS, which by default uses every core.
The C core is single-threaded, so for a like-for-like comparison this script
sets OPENBLAS_NUM_THREADS=1 (and the OpenMP/MKL equivalents) in os.environ
BEFORE importing numpy: OpenBLAS reads it once, when it is loaded.

Prints one line per case:
    numpy NAME: median X ms, Y GFLOP/s
with FLOPs = 2·n·d·(d + 2·d_kv + d) + n_heads·2·(2·n·n·d_head) (the four
projections, then per head the scores and the weighted sum; d_kv = d here),
the median over at least 20 runs and at least 0.5 s, after a warm-up.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

# (name, n tokens, d_model, heads)
CASES = [
    ("demo", 9, 32, 4),
    ("large", 512, 512, 8),
    ("long", 2048, 512, 8),
]

MIN_RUNS = 20
MIN_SECONDS = 0.5


def make_inputs(n, d_model, seed=0):
    rng = np.random.default_rng(seed)
    scale = np.float32(1.0 / np.sqrt(d_model))

    def matrix(rows, cols):
        return (rng.standard_normal((rows, cols), dtype=np.float32) * scale).astype(np.float32)

    def vector(size):
        return (rng.standard_normal(size, dtype=np.float32) * np.float32(0.02)).astype(np.float32)

    x = rng.standard_normal((n, d_model), dtype=np.float32)
    weights = {
        "wq": matrix(d_model, d_model), "bq": vector(d_model),
        "wk": matrix(d_model, d_model), "bk": vector(d_model),
        "wv": matrix(d_model, d_model), "bv": vector(d_model),
        "wo": matrix(d_model, d_model), "bo": vector(d_model),
    }
    return x, weights


def attention(x, w, n_heads, causal=False):
    """Multi-head self-attention of x (n, d_model), float32 throughout."""
    n, d_model = x.shape
    d_head = d_model // n_heads

    q = x @ w["wq"] + w["bq"]
    k = x @ w["wk"] + w["bk"]
    v = x @ w["wv"] + w["bv"]

    # (n, d_model) -> (heads, n, d_head): head h is columns h*d_head ... of q.
    def split_heads(m):
        return m.reshape(n, n_heads, d_head).transpose(1, 0, 2)

    qh, kh, vh = split_heads(q), split_heads(k), split_heads(v)

    scores = np.matmul(qh, kh.transpose(0, 2, 1)) / np.float32(np.sqrt(d_head))
    if causal:
        future = np.triu(np.ones((n, n), dtype=bool), k=1)
        scores = np.where(future, np.float32(-np.inf), scores)

    scores = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    weights = e / e.sum(axis=-1, keepdims=True)

    heads = np.matmul(weights, vh)                         # (heads, n, d_head)
    concat = heads.transpose(1, 0, 2).reshape(n, d_model)  # (n, d_model)
    return concat @ w["wo"] + w["bo"]


def flops(n, d_model, n_heads):
    d, d_kv, d_head = d_model, d_model, d_model // n_heads
    return 2 * n * d * (d + 2 * d_kv + d) + n_heads * 2 * (2 * n * n * d_head)


def time_case(name, n, d_model, n_heads):
    x, w = make_inputs(n, d_model)
    out = attention(x, w, n_heads)  # warm-up (and a sanity check)
    assert out.dtype == np.float32 and out.shape == (n, d_model)
    assert np.isfinite(out).all()
    for _ in range(2):
        attention(x, w, n_heads)

    times = []
    start = time.perf_counter()
    while len(times) < MIN_RUNS or time.perf_counter() - start < MIN_SECONDS:
        t0 = time.perf_counter()
        attention(x, w, n_heads)
        times.append(time.perf_counter() - t0)

    median = statistics.median(times)
    gflops = flops(n, d_model, n_heads) / median / 1e9
    print(f"numpy {name}: median {median * 1e3:.3f} ms, {gflops:.1f} GFLOP/s", flush=True)


def main():
    for case in CASES:
        time_case(*case)


if __name__ == "__main__":
    main()
