#!/usr/bin/python3
"""Writes the PyTorch fixtures that tests/test_torch.c checks the core against.

Run with Debian's Python (the one that sees python3-torch):
    /usr/bin/python3 tests/torch/make_fixtures.py            # writes tests/torch/fixtures/
    /usr/bin/python3 tests/torch/make_fixtures.py --cross-only   # the cross-attention cases only
Install its packages with: scripts/setup.sh deps torch

Independence: nothing here calls attnviz. The inputs are rebuilt from the
project's documented recipe (include/attnviz/rng.h, embed.h, attn.h:
SplitMix64 streams, FNV-1a of the lower-cased word, Xavier-uniform weights,
nn.Linear-style biases, sinusoidal positions), which doubles as a check that
the recipe is what the C code does. Every stage is then computed with torch
operations in float64 -- explicit ops with repeat_interleave for grouped-query
-- and cross-checked against torch.nn.functional.multi_head_attention_forward
(need_weights=True, average_attn_weights=False), with K/V weights repeated
per head for grouped-query and Q's weights pre-scaled for temperature and
--no-scale, since torch always divides by sqrt(d_head).

File format (little-endian), one file per case:
    b"ATVZFIX1", uint32 header length, header (UTF-8 JSON), then per tensor in
    header order: float32 values[count] if not sampled, else uint32
    indices[count] then float32 values[count] (flat row-major indices).
Tensors larger than SAMPLE_ABOVE elements are checked on SAMPLE_COUNT entries
chosen at random (fixed seed), to keep the committed fixtures small.
"""
import json
import math
import os
import re
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

SAMPLE_ABOVE = 4096
SAMPLE_COUNT = 2048
M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
STREAM_MUL = 0xD1B54A32D192ED03
STREAM = {"token": 1, "W_Q": 2, "b_Q": 3, "W_K": 4, "b_K": 5, "W_V": 6, "b_V": 7, "W_O": 8, "b_O": 9}


def splitmix_floats(state, count):
    """count floats in [0, 1) from the SplitMix64 stream starting at state."""
    with np.errstate(over="ignore"):
        k = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(state) + k * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)


def symmetric(seed, stream, count, a):
    """U(-a, a) in float32: (2u - 1) * a, as attn_rng_symmetric."""
    u = splitmix_floats((seed ^ ((stream * STREAM_MUL) & M64)) & M64, count)
    return (np.float32(2.0) * u - np.float32(1.0)) * np.float32(a)


def word_hash(word):
    h = 0xCBF29CE484222325
    for b in word.encode("utf-8"):
        if 65 <= b <= 90:
            b += 32
        h ^= b
        h = (h * 0x100000001B3) & M64
    return h


def tokenize(sentence):
    """The attnviz tokenizer, for the ASCII sentences used here."""
    assert sentence.isascii()
    return re.findall(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*|[^\sA-Za-z0-9]", sentence)


def embed(tokens, d, seed):
    x = np.empty((len(tokens), d), dtype=np.float32)
    for pos, word in enumerate(tokens):
        tv = symmetric(seed ^ word_hash(word), STREAM["token"], d, 1.0)
        j = np.arange(d)
        angle = pos / np.power(10000.0, (j - j % 2) / d)
        pe = np.where(j % 2 == 0, np.sin(angle), np.cos(angle)).astype(np.float32)
        x[pos] = tv + pe
    return x


def weights(d, d_kv, seed):
    def xavier(name, fan_in, fan_out):
        a = np.sqrt(np.float32(6.0) / np.float32(fan_in + fan_out))
        return symmetric(seed, STREAM[name], fan_in * fan_out, a).reshape(fan_in, fan_out)

    def bias(name, fan_in, fan_out):
        a = np.float32(1.0) / np.sqrt(np.float32(fan_in))
        return symmetric(seed, STREAM[name], fan_out, a)

    return {
        "W_Q": xavier("W_Q", d, d), "b_Q": bias("b_Q", d, d),
        "W_K": xavier("W_K", d, d_kv), "b_K": bias("b_K", d, d_kv),
        "W_V": xavier("W_V", d, d_kv), "b_V": bias("b_V", d, d_kv),
        "W_O": xavier("W_O", d, d), "b_O": bias("b_O", d, d),
    }


def stages(x, w, H, G, causal, scale, T, x_kv=None):
    """Every stage with explicit torch ops in float64. With x_kv (cross-attention)
    K and V come from x_kv's m rows and the maps are n x m; causal is then False."""
    t = {k: torch.from_numpy(v.astype(np.float64)) for k, v in w.items()}
    X = torch.from_numpy(x.astype(np.float64))
    Xkv = X if x_kv is None else torch.from_numpy(x_kv.astype(np.float64))
    n, d = X.shape
    m = Xkv.shape[0]
    dh = d // H
    Q = X @ t["W_Q"] + t["b_Q"]
    K = Xkv @ t["W_K"] + t["b_K"]
    V = Xkv @ t["W_V"] + t["b_V"]
    q = Q.view(n, H, dh).transpose(0, 1)                                  # (H, n, dh)
    k = K.view(m, G, dh).transpose(0, 1).repeat_interleave(H // G, dim=0)  # (H, m, dh)
    v = V.view(m, G, dh).transpose(0, 1).repeat_interleave(H // G, dim=0)
    scores = q @ k.transpose(1, 2)                                        # (H, n, m)
    divisor = (math.sqrt(dh) if scale else 1.0) * T
    scaled = scores / divisor
    future = torch.triu(torch.ones(n, m, dtype=torch.bool), diagonal=1)
    masked = scaled.masked_fill(future, float("-inf")) if causal else scaled.clone()
    attn = torch.softmax(masked, dim=-1)
    out = attn @ v                                                        # (H, n, dh)
    concat = out.transpose(0, 1).reshape(n, d)
    output = concat @ t["W_O"] + t["b_O"]
    got = {"X": X, "Q": Q, "K": K, "V": V, "scores": scores, "scaled": scaled,
           "masked": masked, "weights": attn, "head_out": out, "concat": concat,
           "output": output}
    if x_kv is not None:
        got["X_kv"] = Xkv
    return got, divisor


def cross_check(x, w, H, G, causal, divisor, got, x_kv=None):
    """The same attention through torch's own multi_head_attention_forward
    (query x; key and value x_kv when given, else x)."""
    X = torch.from_numpy(x.astype(np.float64)).unsqueeze(1)  # (n, batch 1, d)
    Xkv = X if x_kv is None else torch.from_numpy(x_kv.astype(np.float64)).unsqueeze(1)
    n, _, d = X.shape
    dh = d // H
    heads_per_group = H // G
    t = {k: torch.from_numpy(v.astype(np.float64)) for k, v in w.items()}
    # torch divides q by sqrt(dh); fold our divisor into W_Q and b_Q instead.
    qs = math.sqrt(dh) / divisor
    cols = torch.cat([torch.arange(g * dh, (g + 1) * dh)
                      for h in range(H) for g in [h // heads_per_group]])
    W_K, b_K = t["W_K"][:, cols], t["b_K"][cols]   # one copy of K's group per head
    W_V, b_V = t["W_V"][:, cols], t["b_V"][cols]
    in_w = torch.cat([(t["W_Q"] * qs).T, W_K.T, W_V.T], dim=0)
    in_b = torch.cat([t["b_Q"] * qs, b_K, b_V])
    mask = None
    if causal:
        mask = torch.triu(torch.full((n, n), float("-inf"), dtype=torch.float64), diagonal=1)
    out, attn = F.multi_head_attention_forward(
        X, Xkv, Xkv, d, H, in_w, in_b, None, None, False, 0.0, t["W_O"].T, t["b_O"],
        training=False, need_weights=True, attn_mask=mask, average_attn_weights=False)
    e1 = (attn[0] - got["weights"]).abs().max().item()
    e2 = (out[:, 0, :] - got["output"]).abs().max().item()
    assert e1 < 1e-9 and e2 < 1e-9, f"explicit ops and multi_head_attention_forward differ: {e1} {e2}"
    return max(e1, e2)


PASSAGE = ("The bank by the river was closed due to flooding. The bank approved the loan "
           "yesterday. The robot sat on the floor because it was tired. The cat sat on the mat. "
           "Why do we scale by the square root of the key dimension? What happens to the "
           "gradients when the softmax saturates? How does the model know which head to trust? "
           "Why not use one large head instead of eight small ones?")


def sentence_of(n):
    words = tokenize(PASSAGE)
    words = (words * (n // len(words) + 1))[:n]
    return " ".join(words)


CASES = [
    # name, sentence, d_model, heads, kv_heads, causal, scale, temperature, seed
    ("demo", "The robot sat on the floor because it was tired.", 32, 4, 4, False, True, 1.0, 42),
    ("one_token", "Hello", 8, 1, 1, False, True, 1.0, 7),
    ("h1_n64", sentence_of(64), 16, 1, 1, True, True, 1.0, 3),
    ("h2_causal", "Why do we scale by the square root?", 8, 2, 2, True, True, 1.0, 42),
    ("h8_dhead1", "Why do we scale by the square root?", 8, 8, 8, False, True, 1.0, 5),
    ("no_scale", "Why do we scale by the square root?", 32, 4, 4, False, False, 1.0, 42),
    ("temp_0.5_causal", "Why do we scale by the square root?", 32, 4, 4, True, True, 0.5, 11),
    ("temp_2", "Why do we scale by the square root?", 64, 2, 2, False, True, 2.0, 12),
    ("h8_n64_causal", sentence_of(64), 64, 8, 8, True, True, 1.0, 42),
    ("h16_n64", sentence_of(64), 128, 16, 16, False, True, 1.0, 42),
    ("gqa_8h_2g", sentence_of(64), 64, 8, 2, True, True, 1.0, 42),
    ("mqa_8h", sentence_of(64), 128, 8, 1, False, True, 1.0, 42),
    ("d512_n9", "Why do we scale by the square root?", 512, 8, 8, False, True, 1.0, 42),
    ("n512_d512_causal", sentence_of(512), 512, 8, 8, True, True, 1.0, 42),
    ("n512_gqa_16h_4g", sentence_of(512), 256, 16, 4, False, False, 2.0, 9),
]


def write_case(path, name, sentence, d, H, G, causal, scale, T, seed):
    tokens = tokenize(sentence)
    n = len(tokens)
    x = embed(tokens, d, seed)
    w = weights(d, (d // H) * G, seed)
    got, divisor = stages(x, w, H, G, causal, scale, T)
    err = cross_check(x, w, H, G, causal, divisor, got)
    tensors = {**{k: torch.from_numpy(v) for k, v in w.items()}, **got}
    order = ["X", "W_Q", "b_Q", "W_K", "b_K", "W_V", "b_V", "W_O", "b_O", "Q", "K", "V",
             "scores", "scaled", "masked", "weights", "head_out", "concat", "output"]
    rng = np.random.default_rng(1234)
    header = {"name": name, "sentence": sentence, "n": n, "seed": seed,
              "config": {"d_model": d, "n_heads": H, "n_kv_heads": G, "causal": causal,
                         "scale": scale, "temperature": T},
              "torch": torch.__version__, "tensors": []}
    body = bytearray()
    for key in order:
        flat = tensors[key].to(torch.float64).numpy().reshape(-1).astype(np.float32)
        entry = {"name": key, "shape": list(tensors[key].shape), "count": int(flat.size),
                 "sampled": False}
        if flat.size > SAMPLE_ABOVE:
            idx = np.sort(rng.choice(flat.size, SAMPLE_COUNT, replace=False)).astype("<u4")
            entry["count"], entry["sampled"] = SAMPLE_COUNT, True
            body += idx.tobytes()
            flat = flat[idx]
        body += flat.astype("<f4").tobytes()
        header["tensors"].append(entry)
    head = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(b"ATVZFIX1" + struct.pack("<I", len(head)) + head + bytes(body))
    print(f"{name}: n={n} d_model={d} heads={H} kv={G} causal={causal} scale={scale} T={T} "
          f"(torch MHA cross-check {err:.1e}, {os.path.getsize(path)} bytes)")


# Cross-attention: queries from the first sentence, keys and values from the
# second (Vaswani et al. 2017, section 3.2.3), never causal. The header adds
# "cross": true, "source" (the second sentence) and "n_kv"; tensors add X_kv.
CROSS_CASES = [
    # name, query sentence, key/value sentence, d_model, heads, kv_heads, scale, temperature, seed
    ("cross_demo", "The cat sat on the mat.", "Le chat est assis sur le tapis .",
     32, 4, 4, True, 1.0, 42),
    ("cross_short_q", "Why?", "We scale by the square root of the key dimension.",
     16, 2, 2, True, 1.0, 7),
    ("cross_gqa_long_q", "The robot sat on the floor because it was tired and the floor was cold.",
     "The robot was tired.", 32, 4, 2, False, 2.0, 11),
]


def write_cross_case(path, name, sentence, source, d, H, G, scale, T, seed):
    q_tokens, kv_tokens = tokenize(sentence), tokenize(source)
    n, m = len(q_tokens), len(kv_tokens)
    x, x_kv = embed(q_tokens, d, seed), embed(kv_tokens, d, seed)
    w = weights(d, (d // H) * G, seed)
    got, divisor = stages(x, w, H, G, False, scale, T, x_kv)
    err = cross_check(x, w, H, G, False, divisor, got, x_kv)
    tensors = {**{k: torch.from_numpy(v) for k, v in w.items()}, **got}
    order = ["X", "X_kv", "W_Q", "b_Q", "W_K", "b_K", "W_V", "b_V", "W_O", "b_O", "Q", "K",
             "V", "scores", "scaled", "masked", "weights", "head_out", "concat", "output"]
    header = {"name": name, "sentence": sentence, "n": n, "seed": seed,
              "cross": True, "source": source, "n_kv": m,
              "config": {"d_model": d, "n_heads": H, "n_kv_heads": G, "causal": False,
                         "scale": scale, "temperature": T},
              "torch": torch.__version__, "tensors": []}
    body = bytearray()
    for key in order:  # small cases: every value, none sampled
        flat = tensors[key].to(torch.float64).numpy().reshape(-1).astype(np.float32)
        assert flat.size <= SAMPLE_ABOVE, f"{name}: {key} too large for a cross case"
        header["tensors"].append({"name": key, "shape": list(tensors[key].shape),
                                  "count": int(flat.size), "sampled": False})
        body += flat.astype("<f4").tobytes()
    head = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(b"ATVZFIX1" + struct.pack("<I", len(head)) + head + bytes(body))
    print(f"{name}: n_q={n} n_kv={m} d_model={d} heads={H} kv={G} scale={scale} T={T} "
          f"(torch MHA cross-check {err:.1e}, {os.path.getsize(path)} bytes)")


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    args = [a for a in sys.argv[1:] if a != "--cross-only"]
    if args:
        out = args[0]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    if "--cross-only" not in sys.argv:
        for case in CASES:
            write_case(os.path.join(out, case[0] + ".bin"), *case)
    for case in CROSS_CASES:
        write_cross_case(os.path.join(out, case[0] + ".bin"), *case)


if __name__ == "__main__":
    main()
