#!/usr/bin/python3
"""Writes GPT-2 checkpoints in Hugging Face's layout with random weights, and
a float64 PyTorch forward of each, for tests/test_gpt2.c.

Run with Debian's Python (the one that sees python3-torch):
    /usr/bin/python3 tests/torch/make_gpt2_fixtures.py [OUTDIR] [--large]
OUTDIR defaults to tests/torch/fixtures/gpt2/. Without --large it writes the
small committed cases; with --large the ones too big to commit (GPT-2's
vocabulary of 50257 at d_model 64, F32 and F16), which test_gpt2 checks when
given their folder. Deterministic: the same bytes on every run.

Each case is a folder:
  model.safetensors   HF GPT-2 tensors: wte.weight (V, d), wpe.weight (C, d),
                      h.N.ln_1.*, h.N.attn.c_attn.* (d, 3d), h.N.attn.c_proj.*,
                      h.N.ln_2.*, h.N.mlp.c_fc.*, h.N.mlp.c_proj.*, ln_f.*;
                      with "prefixed" every key starts "transformer." and each
                      layer carries the buffers h.N.attn.bias (1, 1, C, C) and
                      h.N.attn.masked_bias (scalar), as older transformers saved.
                      Values in the case's dtype (F32, F16 or BF16).
  config.json         n_head, n_layer, n_embd, n_positions, vocab_size (d is
                      not a GPT-2 family size, so the heads come from here).
  expected.safetensors  ids (I32, n) and, in float64: ln1.L (n, d) = LN_1
                      output of layer L (its trace's X), attn.L (H, n, n) the
                      attention weights, attn_out.L (n, d) the attention's
                      output after c_proj, block.L (n, d) the stream after
                      block L, logits_last (V) the logits of position n-1.

Recipe: a torch.Generator seeded per case; weights N(0, 0.3^2) (biases too,
so a bias bug shows), LayerNorm weights 1 + 0.1 N(0,1), biases 0.1 N(0,1).
They are rounded to the case's dtype and the forward runs in float64 FROM the
rounded values (what the loader converts), so the C side differs only by its
own float32 arithmetic. The forward is written from GPT-2's equations:
    x = wte[ids] + wpe[0:n]
    a = LN_1(x)  (eps 1e-5, biased variance); qkv = a @ c_attn.weight + b
    head h: columns h*dh:(h+1)*dh; P = softmax(q k^T / sqrt(dh), causal -inf)
    x += concat_h(P v) @ c_proj.weight + b
    x += gelu_tanh(LN_2(x) @ c_fc.weight + b) @ mlp.c_proj.weight + b
    logits = LN_f(x) @ wte^T (tied)
and each step is asserted against torch's own (F.layer_norm, F.gelu tanh,
F.multi_head_attention_forward)."""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

SMALL = [
    # name, V, d, H, L, C, n, dtype, prefixed, seed
    ("v50257_d16_f16", 50257, 16, 4, 2, 32, 11, "F16", False, 101),
    ("v64_d64_f32", 64, 64, 4, 2, 16, 12, "F32", False, 102),
    ("v64_d64_bf16_prefixed", 64, 64, 4, 3, 16, 9, "BF16", True, 103),
    ("v80_d32_f16_prefixed", 80, 32, 4, 2, 24, 16, "F16", True, 104),
]
LARGE = [
    ("v50257_d64_f32_prefixed", 50257, 64, 4, 3, 64, 20, "F32", True, 201),
    ("v50257_d64_f16", 50257, 64, 4, 2, 64, 20, "F16", False, 202),
    ("v50257_d64_bf16", 50257, 64, 4, 2, 64, 20, "BF16", False, 203),
]

TORCH_DTYPE = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
LAYER = ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
         "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
         "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"]


def shapes(V, d, L, C):
    out = [("wte.weight", (V, d)), ("wpe.weight", (C, d))]
    per = {"ln_1.weight": (d,), "ln_1.bias": (d,), "attn.c_attn.weight": (d, 3 * d),
           "attn.c_attn.bias": (3 * d,), "attn.c_proj.weight": (d, d), "attn.c_proj.bias": (d,),
           "ln_2.weight": (d,), "ln_2.bias": (d,), "mlp.c_fc.weight": (d, 4 * d),
           "mlp.c_fc.bias": (4 * d,), "mlp.c_proj.weight": (4 * d, d), "mlp.c_proj.bias": (d,)}
    for l in range(L):
        out += [(f"h.{l}.{k}", per[k]) for k in LAYER]
    return out + [("ln_f.weight", (d,)), ("ln_f.bias", (d,))]


def tensor_bytes(t, dtype):
    t = t.contiguous()
    if dtype == "BF16":
        return t.view(torch.int16).numpy().tobytes()
    if dtype == "BOOL":
        return t.to(torch.uint8).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors, meta):
    """tensors: list of (name, dtype string, shape, bytes), written in order."""
    header, offset = {"__metadata__": meta}, 0
    for name, dt, shape, data in tensors:
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, data in tensors:
            f.write(data)


def ln(x, w, b):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    y = (x - m) / torch.sqrt(v + 1e-5) * w + b
    assert torch.allclose(y, F.layer_norm(x, (x.shape[-1],), w, b, 1e-5), atol=1e-12)
    return y


def gelu(x):
    y = 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    assert torch.allclose(y, F.gelu(x, approximate="tanh"), atol=1e-12)
    return y


def forward(p, ids, L, H):
    n, d = len(ids), p["wte.weight"].shape[1]
    dh = d // H
    x = p["wte.weight"][ids] + p["wpe.weight"][:n]
    out = {}
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
    for l in range(L):
        g = lambda k: p[f"h.{l}.{k}"]
        a = ln(x, g("ln_1.weight"), g("ln_1.bias"))
        qkv = a @ g("attn.c_attn.weight") + g("attn.c_attn.bias")
        q, k, v = qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:]
        weights, heads = [], []
        for h in range(H):
            s = slice(h * dh, (h + 1) * dh)
            sc = (q[:, s] @ k[:, s].T / math.sqrt(dh)).masked_fill(mask, float("-inf"))
            P = torch.softmax(sc, -1)
            weights.append(P)
            heads.append(P @ v[:, s])
        att = torch.cat(heads, 1) @ g("attn.c_proj.weight") + g("attn.c_proj.bias")
        # torch's own multi-head attention on the same weights (its in_proj is W^T)
        ref, ref_w = F.multi_head_attention_forward(
            a[:, None], a[:, None], a[:, None], d, H, g("attn.c_attn.weight").T.contiguous(),
            g("attn.c_attn.bias"), None, None, False, 0.0, g("attn.c_proj.weight").T.contiguous(),
            g("attn.c_proj.bias"), training=False, need_weights=True, attn_mask=mask,
            average_attn_weights=False)
        assert torch.allclose(ref[:, 0], att, atol=1e-10)
        assert torch.allclose(ref_w[0], torch.stack(weights), atol=1e-12)
        x = x + att
        x = x + gelu(ln(x, g("ln_2.weight"), g("ln_2.bias")) @ g("mlp.c_fc.weight")
                     + g("mlp.c_fc.bias")) @ g("mlp.c_proj.weight") + g("mlp.c_proj.bias")
        out[f"ln1.{l}"] = a
        out[f"attn.{l}"] = torch.stack(weights)
        out[f"attn_out.{l}"] = att
        out[f"block.{l}"] = x
    y = ln(x, p["ln_f.weight"], p["ln_f.bias"])
    out["logits_last"] = y[-1] @ p["wte.weight"].T
    return out


def make(outdir, case):
    name, V, d, H, L, C, n, dtype, prefixed, seed = case
    gen = torch.Generator().manual_seed(seed)
    stored, p64 = [], {}
    pre = "transformer." if prefixed else ""
    for key, shape in shapes(V, d, L, C):
        r = torch.randn(shape, generator=gen, dtype=torch.float32)
        if key.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            t = 1 + 0.1 * r
        elif key.endswith(("ln_1.bias", "ln_2.bias", "ln_f.bias")):
            t = 0.1 * r
        else:
            t = 0.3 * r
        t = t.to(TORCH_DTYPE[dtype])
        p64[key] = t.to(torch.float64)
        stored.append((pre + key, dtype, shape, tensor_bytes(t, dtype)))
        if prefixed and key.endswith("ln_1.weight"):
            l = key.split(".")[1]
            tril = torch.tril(torch.ones(C, C)).view(1, 1, C, C)
            stored.append((f"{pre}h.{l}.attn.bias", "F32", (1, 1, C, C), tensor_bytes(tril, "F32")))
            stored.append((f"{pre}h.{l}.attn.masked_bias", "F32", (), struct.pack("<f", -1e4)))
    ids = torch.randint(0, V, (n,), generator=gen)
    ids[-1] = V - 1  # the last row of wte is read too
    out = forward(p64, ids, L, H)
    os.makedirs(os.path.join(outdir, name), exist_ok=True)
    write_safetensors(os.path.join(outdir, name, "model.safetensors"), stored, {"format": "pt"})
    cfg = {"model_type": "gpt2", "n_head": H, "n_layer": L, "n_embd": d, "n_positions": C,
           "vocab_size": V, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}
    with open(os.path.join(outdir, name, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    exp = [("ids", "I32", (n,), ids.to(torch.int32).numpy().tobytes())]
    for k in sorted(out):
        exp.append((k, "F64", tuple(out[k].shape), out[k].contiguous().numpy().tobytes()))
    meta = {"n_layer": str(L), "n_head": str(H), "dtype": dtype, "prefixed": str(int(prefixed))}
    write_safetensors(os.path.join(outdir, name, "expected.safetensors"), exp, meta)
    print(f"{name}: V {V} d {d} H {H} L {L} C {C} n {n} {dtype}{' prefixed' if prefixed else ''}")


def main():
    args = [a for a in sys.argv[1:] if a != "--large"]
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = args[0] if args else os.path.join(here, "fixtures", "gpt2")
    for case in (LARGE if "--large" in sys.argv else SMALL):
        make(outdir, case)


if __name__ == "__main__":
    main()
