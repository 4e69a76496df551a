#!/usr/bin/python3
"""Writes the PyTorch oracle for the small GPT-2 in src/model/: forward,
loss, gradients and two AdamW steps, one safetensors file per configuration.

Run with Debian's Python (the one that sees python3-torch):
    /usr/bin/python3 tests/torch/make_model_fixtures.py [OUTDIR]
OUTDIR defaults to tests/torch/fixtures/. The output is deterministic: the
same bytes on every run (one torch thread, a seeded torch.Generator, fixed
key order), so a changed fixture in a diff means a changed recipe.

Independence: nothing here calls attnviz. The model is written out with
explicit torch ops (LayerNorm from mean and biased variance, attention from
matmul / masked_fill / softmax, the tanh GELU from its formula), and each of
these is asserted against torch's own version (F.layer_norm,
F.multi_head_attention_forward, F.gelu(approximate='tanh'),
F.cross_entropy); the gradients are checked with torch.autograd.gradcheck
on the tiny model and the AdamW steps against a hand-written AdamW.

Recipe, per configuration (L layers, H heads, d_model d, n_ctx C, vocab V,
batch B, sequence T <= C):
  * torch.Generator seeded with SEED; parameters drawn in GPT-2 name order
    (wte, wpe, h.0.ln_1.weight, ..., h.0.mlp.c_proj.bias, h.1..., ln_f):
    every weight and bias N(0, 0.3^2) (biases too, so a bias bug shows),
    LayerNorm weights 1 + 0.1 N(0,1), LayerNorm biases 0.1 N(0,1); then
    tokens and targets, uniform in [0, V), shape (B, T).
  * The parameters are rounded to float32 (what the file stores and what the
    C side loads) and everything after that is computed in float64 FROM those
    float32 values. float64 makes the oracle's own rounding error ~1e-16, so
    any difference the C test sees (~1e-6 relative for float32 code) is the
    C code's, and the tolerances in the C test can be tight.
  * Forward (Conv1D layout, y = x @ W + b):
        x = wte[ids] + wpe[0:T]
        per layer: a = LN_1(x); qkv = a @ c_attn.weight + c_attn.bias
                   head h: columns h*dh:(h+1)*dh of q, k, v (dh = d/H)
                   P = softmax(q_h k_h^T / sqrt(dh), causal mask -inf)
                   x += concat_h(P v_h) @ c_proj.weight + c_proj.bias
                   x += gelu_tanh(LN_2(x) @ c_fc.weight + c_fc.bias)
                        @ mlp.c_proj.weight + mlp.c_proj.bias
        logits = LN_f(x) @ wte.weight^T (tied); LayerNorm eps 1e-5
        loss = mean cross-entropy over all B*T positions
  * grad.<name> = d loss / d <name> (wte gets both its embedding and its
    unembedding contributions).
  * AdamW (decoupled weight decay), torch.optim.AdamW on float64 copies
    with two groups: parameters with >= 2 dims (all matrices, both
    embeddings) weight_decay WD, 1-D ones (biases, LayerNorm) none;
    lr LR, betas (BETA1, BETA2), eps EPS. Step 1 uses the gradient at the
    stored parameters -> adamw1.<name>; the gradient is then recomputed at
    those parameters and step 2 taken -> adamw2.<name>. Per element, step t:
        p -= lr * wd * p                       (matrices only)
        m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
        p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)

File layout (safetensors, https://github.com/huggingface/safetensors):
    uint64 little-endian N, then N bytes of UTF-8 JSON header, then the data.
    The header is {"__metadata__": {str: str}, name: {"dtype": "F32" | "F64"
    | "I32", "shape": [...], "data_offsets": [begin, end]}, ...}; offsets are
    relative to the start of the data, tensors are packed in the header's
    order with no gaps, little-endian, row-major. As the reference writer
    does, the header is padded with trailing spaces to a multiple of 8 bytes
    so the data starts 8-byte aligned.
Tensors, in this order:
    every parameter under its GPT-2 name (F32);
    tokens, targets (I32, (B, T)); loss (F64, [1]); logits (F64, (B, T, V));
    per layer N: attn.N.weights (F64, (B, H, T, T), softmax probabilities,
    0 above the diagonal), attn.N.ln_1 (F64, (B, T, d), the input of c_attn);
    grad.<name>, then adamw1.<name>, then adamw2.<name> (F64) for every
    parameter in GPT-2 order.
Metadata: n_layers, n_heads, d_model, n_ctx, n_vocab, batch, seq, lr, beta1,
beta2, eps, weight_decay, seed (decimal strings), generator (this script).
"""
import hashlib
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

LN_EPS = 1e-5
LR, BETA1, BETA2, EPS, WD = 1e-3, 0.9, 0.95, 1e-8, 0.1
GENERATOR = "tests/torch/make_model_fixtures.py"

# name, n_layers, n_heads, d_model, n_ctx, n_vocab, batch, seq, seed
CONFIGS = [
    ("model_tiny", 2, 2, 8, 8, 11, 2, 8, 1234),
    ("model_small", 3, 4, 16, 16, 37, 3, 12, 5678),  # seq < n_ctx on purpose
]

LAYER_PARAMS = [  # (suffix, shape as a function of d)
    ("ln_1.weight", lambda d: (d,)),
    ("ln_1.bias", lambda d: (d,)),
    ("attn.c_attn.weight", lambda d: (d, 3 * d)),
    ("attn.c_attn.bias", lambda d: (3 * d,)),
    ("attn.c_proj.weight", lambda d: (d, d)),
    ("attn.c_proj.bias", lambda d: (d,)),
    ("ln_2.weight", lambda d: (d,)),
    ("ln_2.bias", lambda d: (d,)),
    ("mlp.c_fc.weight", lambda d: (d, 4 * d)),
    ("mlp.c_fc.bias", lambda d: (4 * d,)),
    ("mlp.c_proj.weight", lambda d: (4 * d, d)),
    ("mlp.c_proj.bias", lambda d: (d,)),
]


def param_shapes(L, d, C, V):
    """(name, shape) in GPT-2 order."""
    out = [("wte.weight", (V, d)), ("wpe.weight", (C, d))]
    for n in range(L):
        out += [(f"h.{n}.{s}", f(d)) for s, f in LAYER_PARAMS]
    out += [("ln_f.weight", (d,)), ("ln_f.bias", (d,))]
    return out


def is_ln(name):
    return name.startswith("ln_f.") or ".ln_1." in name or ".ln_2." in name


def make_inputs(L, d, C, V, B, T, seed):
    """float32 parameters (GPT-2 order) and int32 tokens / targets."""
    g = torch.Generator().manual_seed(seed)
    params = {}
    for name, shape in param_shapes(L, d, C, V):
        z = torch.randn(shape, generator=g, dtype=torch.float64)
        if is_ln(name):
            v = 1.0 + 0.1 * z if name.endswith(".weight") else 0.1 * z
        else:
            v = 0.3 * z
        params[name] = v.to(torch.float32)
    tokens = torch.randint(0, V, (B, T), generator=g, dtype=torch.int64).to(torch.int32)
    targets = torch.randint(0, V, (B, T), generator=g, dtype=torch.int64).to(torch.int32)
    return params, tokens, targets


# ---- the model, explicit ops ---------------------------------------------------------

def layer_norm(x, w, b):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased, as LayerNorm
    return (x - mean) / torch.sqrt(var + LN_EPS) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def attention(a, w, b, H):
    """Causal multi-head attention of a (B, T, d): returns (concat (B, T, d), P (B, H, T, T))."""
    B, T, d = a.shape
    dh = d // H
    qkv = a @ w + b
    q, k, v = qkv[..., 0:d], qkv[..., d:2 * d], qkv[..., 2 * d:3 * d]
    # (B, T, d) -> (B, H, T, dh): head h is columns h*dh:(h+1)*dh
    q, k, v = (t.reshape(B, T, H, dh).transpose(1, 2) for t in (q, k, v))
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    P = torch.softmax(s.masked_fill(future, float("-inf")), dim=-1)
    o = P @ v                                        # (B, H, T, dh)
    return o.transpose(1, 2).reshape(B, T, d), P


def forward(p, tokens, targets, L, H, record=None):
    """Loss (scalar) and logits (B, T, V); record (a dict) gets P and LN_1 per layer."""
    ids = tokens.long()
    T = ids.shape[1]
    x = p["wte.weight"][ids] + p["wpe.weight"][:T]
    for n in range(L):
        h = f"h.{n}."
        a = layer_norm(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"])
        concat, P = attention(a, p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"], H)
        x = x + concat @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m = layer_norm(x, p[h + "ln_2.weight"], p[h + "ln_2.bias"])
        f = gelu_tanh(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])
        x = x + f @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
        if record is not None:
            record[f"attn.{n}.weights"] = P
            record[f"attn.{n}.ln_1"] = a
            record[f"_x.{n}"] = x
    y = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    logits = y @ p["wte.weight"].T
    V = logits.shape[-1]
    logp = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    loss = -logp.reshape(-1, V).gather(1, targets.long().reshape(-1, 1)).mean()
    return loss, logits


# ---- self-checks against torch's own building blocks --------------------------------

def check_blocks(p, tokens, targets, L, H):
    """Asserts the explicit ops agree with torch's; returns the largest difference."""
    worst = 0.0

    def agree(a, b, what, tol=1e-12):
        nonlocal worst
        e = (a - b).abs().max().item()
        assert e < tol, f"{what}: explicit ops and torch differ by {e}"
        worst = max(worst, e)

    x = torch.randn(5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 3
    w, b = torch.linspace(0.5, 1.5, 7, dtype=torch.float64), torch.linspace(-1, 1, 7, dtype=torch.float64)
    agree(layer_norm(x, w, b), F.layer_norm(x, (7,), w, b, LN_EPS), "layer_norm")
    agree(gelu_tanh(x), F.gelu(x, approximate="tanh"), "gelu_tanh")

    rec = {}
    loss, logits = forward(p, tokens, targets, L, H, rec)
    agree(loss, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.long().reshape(-1)),
          "cross_entropy")
    B, T, d = rec["attn.0.ln_1"].shape
    mask = torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), diagonal=1)
    for n in range(L):
        h = f"h.{n}."
        a = rec[f"attn.{n}.ln_1"]
        concat, P = attention(a, p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"], H)
        out = concat @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        A = a.transpose(0, 1)  # (T, B, d), torch's (L, N, E)
        # torch uses nn.Linear layout (out, in): the transposes of Conv1D's (in, out).
        ref_out, ref_P = F.multi_head_attention_forward(
            A, A, A, d, H, p[h + "attn.c_attn.weight"].T, p[h + "attn.c_attn.bias"], None, None,
            False, 0.0, p[h + "attn.c_proj.weight"].T, p[h + "attn.c_proj.bias"],
            training=False, need_weights=True, attn_mask=mask, average_attn_weights=False)
        agree(P, ref_P, f"layer {n} attention weights")
        agree(out, ref_out.transpose(0, 1), f"layer {n} attention output")
        assert torch.all(torch.triu(P, diagonal=1) == 0), "weights above the diagonal"
    return worst


def check_gradients(p, tokens, targets, L, H, names):
    """torch.autograd.gradcheck of the loss wrt the named parameters (float64)."""
    def loss_of(*xs):
        q = dict(p)
        q.update(zip(names, xs))
        return forward(q, tokens, targets, L, H)[0]

    xs = tuple(p[n].detach().clone().requires_grad_(True) for n in names)
    assert torch.autograd.gradcheck(loss_of, xs, eps=1e-6, atol=1e-8, rtol=1e-6)


def adamw_by_hand(p64, grads, state, step, names):
    """One AdamW step, written out; returns new parameters."""
    out = {}
    for n in names:
        m, v = state.setdefault(n, (torch.zeros_like(p64[n]), torch.zeros_like(p64[n])))
        g = grads[n]
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        state[n] = (m, v)
        wd = WD if p64[n].dim() >= 2 else 0.0
        q = p64[n] * (1 - LR * wd)
        mhat = m / (1 - BETA1 ** step)
        vhat = v / (1 - BETA2 ** step)
        out[n] = q - LR * mhat / (torch.sqrt(vhat) + EPS)
    return out


# ---- safetensors ---------------------------------------------------------------------

DTYPES = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int32: ("I32", "<i4")}


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, tensor) in file order."""
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors:
        dtype, np_dtype = DTYPES[t.dtype]
        data = t.detach().contiguous().numpy().astype(np_dtype, copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def read_safetensors(path):
    """Reads back what write_safetensors wrote (for the round-trip check)."""
    import numpy as np
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__")
    data = raw[8 + n:]
    inv = {v[0]: v[1] for v in DTYPES.values()}
    end = 0
    out = {}
    for name, e in header.items():
        b, e_ = e["data_offsets"]
        assert b == end, f"{name}: gap or overlap"
        end = e_
        out[name] = np.frombuffer(data[b:e_], dtype=inv[e["dtype"]]).reshape(e["shape"])
    assert end == len(data), "trailing bytes"
    return meta, out


# ---- one configuration ---------------------------------------------------------------

def write_config(outdir, name, L, H, d, C, V, B, T, seed):
    assert d % H == 0 and T <= C
    p32, tokens, targets = make_inputs(L, d, C, V, B, T, seed)
    names = list(p32)
    p64 = {n: t.to(torch.float64) for n, t in p32.items()}  # exactly the stored values

    block_err = check_blocks(p64, tokens, targets, L, H)
    if name == "model_tiny":  # every parameter of the tiny model
        check_gradients(p64, tokens, targets, L, H, names)
        checked = "gradcheck all params ok"
    else:
        check_gradients(p64, tokens, targets, L, H,
                        ["wte.weight", "wpe.weight", "h.1.attn.c_attn.weight", "h.2.ln_1.bias"])
        checked = "gradcheck 4 params ok"

    # forward + gradient at the stored parameters
    leaf = {n: t.clone().requires_grad_(True) for n, t in p64.items()}
    rec = {}
    loss, logits = forward(leaf, tokens, targets, L, H, rec)
    grads = dict(zip(names, torch.autograd.grad(loss, [leaf[n] for n in names])))

    # two AdamW steps on float64 copies
    opt_params = {n: t.clone().requires_grad_(True) for n, t in p64.items()}
    decay = [opt_params[n] for n in names if opt_params[n].dim() >= 2]
    no_decay = [opt_params[n] for n in names if opt_params[n].dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=LR, betas=(BETA1, BETA2), eps=EPS)
    steps, hand_state, hand = [], {}, dict(p64)
    g = grads
    for step in (1, 2):
        if step == 2:  # the gradient at the parameters after step 1
            l2, _ = forward(opt_params, tokens, targets, L, H)
            g = dict(zip(names, torch.autograd.grad(l2, [opt_params[n] for n in names])))
        for n in names:
            opt_params[n].grad = g[n].clone()
        opt.step()
        opt.zero_grad(set_to_none=True)
        steps.append({n: opt_params[n].detach().clone() for n in names})
        # the same step by hand, from the hand-updated parameters (which equal
        # torch's to ~1e-16, so the same gradient g applies)
        hand = adamw_by_hand(hand, g, hand_state, step, names)
        e = max((hand[n] - steps[-1][n]).abs().max().item() for n in names)
        assert e < 1e-14, f"AdamW step {step}: torch and the hand-written step differ by {e}"

    tensors = [(n, p32[n]) for n in names]
    tensors += [("tokens", tokens), ("targets", targets),
                ("loss", loss.detach().reshape(1)), ("logits", logits.detach())]
    for n in range(L):
        tensors += [(f"attn.{n}.weights", rec[f"attn.{n}.weights"].detach()),
                    (f"attn.{n}.ln_1", rec[f"attn.{n}.ln_1"].detach())]
    tensors += [(f"grad.{n}", grads[n]) for n in names]
    tensors += [(f"adamw1.{n}", steps[0][n]) for n in names]
    tensors += [(f"adamw2.{n}", steps[1][n]) for n in names]
    metadata = {"n_layers": str(L), "n_heads": str(H), "d_model": str(d), "n_ctx": str(C),
                "n_vocab": str(V), "batch": str(B), "seq": str(T), "lr": repr(LR),
                "beta1": repr(BETA1), "beta2": repr(BETA2), "eps": repr(EPS),
                "weight_decay": repr(WD), "seed": str(seed), "generator": GENERATOR}

    path = os.path.join(outdir, name + ".safetensors")
    write_safetensors(path, tensors, metadata)
    meta, back = read_safetensors(path)
    assert meta == metadata and list(back) == [t[0] for t in tensors]
    for n, t in tensors:
        assert (back[n] == t.numpy()).all(), f"{n}: round trip"
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]
    print(f"{name}: L={L} H={H} d={d} C={C} V={V} B={B} T={T} seed={seed} "
          f"loss={loss.item():.6f} tensors={len(tensors)} bytes={os.path.getsize(path)} "
          f"sha256={digest}... (torch blocks agree to {block_err:.1e}; {checked}; "
          f"AdamW matches by-hand)")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "fixtures")
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)  # one thread: the same reduction order, the same bytes
    torch.use_deterministic_algorithms(True)
    for cfg in CONFIGS:
        write_config(outdir, *cfg)


if __name__ == "__main__":
    main()
