#!/usr/bin/python3
"""Writes the oracle for tests/test_lens.c: each head's direct contribution
to the predicted token's logit and the logit lens, in float64 PyTorch, for
committed GPT-2 fixtures (tests/torch/fixtures/gpt2/CASE/model.safetensors)
on their fixed ids (expected.safetensors' "ids").

Run with Debian's Python (the one that sees python3-torch):
    /usr/bin/python3 tests/torch/make_lens_fixtures.py [OUTDIR]
OUTDIR defaults to tests/torch/fixtures/lens/; one CASE.safetensors each.
Deterministic: regenerating changes no byte.

At the last position p of the sequence, with x_L the stream after the last
block, token t = argmax of the logits, and LN_f's statistics of x_L frozen
(mu, rstd), a part c of x_L adds
    ((c - mean(c)) * rstd * ln_f.weight) @ wte[t]
to the logit. The parts: per layer and head, the head's output (its
softmax-weighted values) times its rows of c_proj.weight ("contrib", (L, H));
per layer c_proj.bias ("attn_bias", (L)) and the MLP's output with its bias
("mlp", (L)); wte[ids[p]] + wpe[p] ("embed"); plus ln_f.bias @ wte[t]
("lnf_bias"). The script asserts that they sum to the logit ("logit").
The logit lens: for each stream point r (0: the embeddings, l+1: after block
l), softmax(F.layer_norm(x_r) @ wte^T) at p, its 5 most likely ids
("lens_ids", I32 (L+1, 5)) and probabilities ("lens_probs"); the last row is
asserted to be the model's own prediction. The forward is written from
GPT-2's equations (as in make_gpt2_fixtures.py) and each attention layer is
asserted against F.multi_head_attention_forward."""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

CASES = ["v64_d64_f32", "v50257_d16_f16"]
K = 5


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    hlen = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + hlen])
    body = raw[8 + hlen:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        buf = bytearray(body[a:b])
        dt = info["dtype"]
        if dt == "BF16":
            t = torch.frombuffer(buf, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(buf, dtype={"F32": torch.float32, "F16": torch.float16,
                                             "F64": torch.float64, "I32": torch.int32}[dt])
        out[name] = t.reshape(info["shape"]).clone()
    return out


def write_safetensors(path, tensors, meta):
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
    return F.layer_norm(x, (x.shape[-1],), w, b, 1e-5)


def make(fixtures, outdir, case):
    folder = os.path.join(fixtures, case)
    p = {k.replace("transformer.", ""): v.to(torch.float64)
         for k, v in read_safetensors(os.path.join(folder, "model.safetensors")).items()
         if not k.endswith((".attn.bias", ".attn.masked_bias"))}
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    H, L = cfg["n_head"], cfg["n_layer"]
    ids = read_safetensors(os.path.join(folder, "expected.safetensors"))["ids"].long()
    n, d = len(ids), p["wte.weight"].shape[1]
    dh, pos = d // H, n - 1
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
    x = p["wte.weight"][ids] + p["wpe.weight"][:n]
    streams, head_out, attn_bias, mlp_out = [x], [], [], []
    for l in range(L):
        g = lambda k: p[f"h.{l}.{k}"]
        a = ln(x, g("ln_1.weight"), g("ln_1.bias"))
        qkv = a @ g("attn.c_attn.weight") + g("attn.c_attn.bias")
        q, k, v = qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:]
        W = g("attn.c_proj.weight")
        heads = []
        for h in range(H):
            s = slice(h * dh, (h + 1) * dh)
            P = torch.softmax((q[:, s] @ k[:, s].T / math.sqrt(dh)).masked_fill(mask, float("-inf")), -1)
            heads.append((P @ v[:, s]) @ W[s])  # the head through its rows of c_proj
        att = sum(heads) + g("attn.c_proj.bias")
        ref, _ = F.multi_head_attention_forward(
            a[:, None], a[:, None], a[:, None], d, H, g("attn.c_attn.weight").T.contiguous(),
            g("attn.c_attn.bias"), None, None, False, 0.0, W.T.contiguous(), g("attn.c_proj.bias"),
            training=False, need_weights=False, attn_mask=mask)
        assert torch.allclose(ref[:, 0], att, atol=1e-10)
        x = x + att
        m = F.gelu(ln(x, g("ln_2.weight"), g("ln_2.bias")) @ g("mlp.c_fc.weight") + g("mlp.c_fc.bias"),
                   approximate="tanh") @ g("mlp.c_proj.weight") + g("mlp.c_proj.bias")
        x = x + m
        streams.append(x)
        head_out.append([hd[pos] for hd in heads])
        attn_bias.append(g("attn.c_proj.bias"))
        mlp_out.append(m[pos])
    gain, bias, wte = p["ln_f.weight"], p["ln_f.bias"], p["wte.weight"]
    logits = ln(x[pos], gain, bias) @ wte.T
    t = int(torch.argmax(logits))
    xl = x[pos]
    rstd = 1.0 / torch.sqrt(((xl - xl.mean()) ** 2).mean() + 1e-5)
    term = lambda c: float(((c - c.mean()) * rstd * gain) @ wte[t])
    contrib = torch.tensor([[term(head_out[l][h]) for h in range(H)] for l in range(L)],
                           dtype=torch.float64)
    ab = torch.tensor([term(b) for b in attn_bias], dtype=torch.float64)
    ml = torch.tensor([term(m) for m in mlp_out], dtype=torch.float64)
    embed, lnf_bias, logit = term(streams[0][pos]), float(bias @ wte[t]), float(logits[t])
    total = float(contrib.sum() + ab.sum() + ml.sum()) + embed + lnf_bias
    assert abs(total - logit) <= 1e-9 * max(1.0, abs(logit)), (total, logit)
    lens_ids, lens_probs = [], []
    for r in range(L + 1):
        pr = torch.softmax(ln(streams[r][pos], gain, bias) @ wte.T, -1)
        top = torch.topk(pr, K)
        lens_ids.append(top.indices)
        lens_probs.append(top.values)
    lens_ids, lens_probs = torch.stack(lens_ids).to(torch.int32), torch.stack(lens_probs)
    assert int(lens_ids[L, 0]) == t
    f64 = lambda name, v: (name, "F64", tuple(v.shape), v.contiguous().numpy().tobytes())
    one = lambda v: torch.tensor([v], dtype=torch.float64)
    out = [("ids", "I32", (n,), ids.to(torch.int32).numpy().tobytes()),
           ("token", "I32", (1,), struct.pack("<i", t)),
           f64("contrib", contrib), f64("attn_bias", ab), f64("mlp", ml), f64("embed", one(embed)),
           f64("lnf_bias", one(lnf_bias)), f64("logit", one(logit)),
           ("lens_ids", "I32", (L + 1, K), lens_ids.numpy().tobytes()), f64("lens_probs", lens_probs)]
    os.makedirs(outdir, exist_ok=True)
    write_safetensors(os.path.join(outdir, case + ".safetensors"), out,
                      {"case": case, "pos": str(pos), "k": str(K)})
    print(f"{case}: token {t} logit {logit:.4f}, lens top-1 {lens_ids[:, 0].tolist()}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "fixtures", "lens")
    for case in CASES:
        make(os.path.join(here, "fixtures", "gpt2"), outdir, case)


if __name__ == "__main__":
    main()
