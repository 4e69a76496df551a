#!/usr/bin/env python3
"""The NumPy side of `attnviz bench gpt2`: GPT-2's forward in float32, the
compact way a Python user writes it (after the well-known 60-line NumPy
GPT-2), on the very weights attnviz wrote (`attnviz bench gpt2
--save-weights F`), read straight from the safetensors file.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/numpy_gpt2.py F.safetensors \
        [--threads 1|2] [--check CHECK.safetensors]

--threads sets OPENBLAS_NUM_THREADS (and the OpenMP/MKL equivalents) before
numpy is imported: OpenBLAS reads it once, when it is loaded. Run one
process per thread count.

Prints, like attnviz:
    numpy forward N tokens, T threads: median X ms, p90 Y ms, cpu Z ms (R runs)
for N = 16, 64, 256 random token ids, the median and p90 over at least 5
runs and 2 s after a warm-up (cpu: the median CPU time of the process, all
threads, which other programs on a shared machine do not inflate); each forward computes every layer for all
positions and the logits of the last position only (as attnviz does).
With --check: the ids and last-position logits attnviz saved
(--save-logits) against this forward's, as the largest relative difference.
"""

import os
import sys

_threads = "1"
if "--threads" in sys.argv:
    _threads = sys.argv[sys.argv.index("--threads") + 1]
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads

import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

MIN_RUNS = 5
MIN_SECONDS = 2.0
LENGTHS = (16, 64, 256)
DTYPES = {"F32": np.float32, "I32": np.int32}


def read_safetensors(path):
    """{name: array}: an 8-byte little-endian header length, a JSON header,
    then the raw little-endian data."""
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        a = np.frombuffer(data[begin:end], dtype=DTYPES[t["dtype"]])
        out[name] = a.reshape(t["shape"])
    return out


def layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.float32(0.7978845608028654) * (x + np.float32(0.044715) * x ** 3)))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention(x, p, pre, n_head):
    n, d = x.shape
    qkv = x @ p[pre + "attn.c_attn.weight"] + p[pre + "attn.c_attn.bias"]
    q, k, v = np.split(qkv, 3, axis=-1)
    d_head = d // n_head
    mask = np.triu(np.full((n, n), -np.inf, dtype=np.float32), k=1)
    heads = []
    for h in range(n_head):  # each head kept whole, as a trace would keep it
        s = slice(h * d_head, (h + 1) * d_head)
        w = softmax(q[:, s] @ k[:, s].T / np.float32(np.sqrt(d_head)) + mask)
        heads.append(w @ v[:, s])
    return np.hstack(heads) @ p[pre + "attn.c_proj.weight"] + p[pre + "attn.c_proj.bias"]


def forward(ids, p, n_layer, n_head):
    x = p["wte.weight"][ids] + p["wpe.weight"][: len(ids)]
    for l in range(n_layer):
        pre = f"h.{l}."
        x = x + attention(layer_norm(x, p[pre + "ln_1.weight"], p[pre + "ln_1.bias"]), p, pre, n_head)
        m = layer_norm(x, p[pre + "ln_2.weight"], p[pre + "ln_2.bias"])
        x = x + gelu(m @ p[pre + "mlp.c_fc.weight"] + p[pre + "mlp.c_fc.bias"]) @ p[pre + "mlp.c_proj.weight"] + p[pre + "mlp.c_proj.bias"]
    y = layer_norm(x[-1], p["ln_f.weight"], p["ln_f.bias"])
    return p["wte.weight"] @ y  # the last position's logits (tied embedding)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("--"):
        sys.exit(__doc__)
    t0 = time.perf_counter()
    p = read_safetensors(args[0])
    n_layer = 1 + max(int(k.split(".")[1]) for k in p if k.startswith("h."))
    d = p["wte.weight"].shape[1]
    n_head = d // 64  # GPT-2's heads are 64 wide in every size (768: 12, ..., 1600: 25)
    print(f"numpy load: {(time.perf_counter() - t0) * 1e3:.1f} ms", flush=True)
    if "--check" in args:
        c = read_safetensors(args[args.index("--check") + 1])
        ours = forward(c["ids"], p, n_layer, n_head).astype(np.float64)
        theirs = c["logits"].astype(np.float64)
        rel = np.abs(ours - theirs).max() / np.abs(ours).max()
        print(f"check: last-position logits of {len(c['ids'])} tokens, largest difference "
              f"{rel:.2e} of the largest logit ({'ok' if rel <= 1e-4 else 'FAIL'}: limit 1e-4)",
              flush=True)
        if rel > 1e-4:
            sys.exit(1)
    rng = np.random.default_rng(7)
    ctx = p["wpe.weight"].shape[0]
    for n in LENGTHS:
        if n > ctx:
            continue
        ids = rng.integers(0, p["wte.weight"].shape[0], size=n)
        forward(ids, p, n_layer, n_head)  # warm-up
        times, cpu = [], []
        start = time.perf_counter()
        while len(times) < MIN_RUNS or time.perf_counter() - start < MIN_SECONDS:
            t, c = time.perf_counter(), time.process_time()
            forward(ids, p, n_layer, n_head)
            cpu.append(time.process_time() - c)
            times.append(time.perf_counter() - t)
        times.sort()
        cpu.sort()
        p90 = times[max(1, (len(times) * 9 + 9) // 10) - 1]
        print(f"numpy forward {n} tokens, {_threads} thread{'s' if _threads != '1' else ''}: "
              f"median {times[len(times) // 2] * 1e3:.2f} ms, p90 {p90 * 1e3:.2f} ms, "
              f"cpu {cpu[len(cpu) // 2] * 1e3:.2f} ms ({len(times)} runs)", flush=True)


if __name__ == "__main__":
    main()
