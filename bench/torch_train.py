#!/usr/bin/python3
"""The PyTorch side of the training speed comparison: the small GPT-2 that
`attnviz train` trains (the model of tests/torch/make_model_fixtures.py), in
float32 on the CPU, with the same AdamW.

    /usr/bin/python3 bench/torch_train.py [--layers 2 --heads 4 --d-model 64
        --ctx 64 --vocab 250 --batch 32 --seq 64 --steps 30 --warmup-steps 5
        --threads 2 --blas-threads 1] [--json]

Model: pre-LayerNorm GPT-2 blocks, Conv1D layout (y = x @ W + b), causal
attention written with matmul / masked_fill / softmax, GELU (tanh), tied
unembedding, mean cross-entropy. Initialised as model_init_gpt2: weights
N(0, 0.02^2), the two c_proj N(0, (0.02/sqrt(2L))^2), biases 0, LayerNorm
1 / 0 (the values do not affect speed). AdamW lr 1e-3, betas (0.9, 0.95),
eps 1e-8, weight decay 0.1 on tensors with >= 2 dims only.

Data: random token ids (torch.manual_seed(0)), drawn before timing; each step
trains on ids[:, :seq] to predict ids[:, 1:seq+1].

Timing: after --warmup-steps untimed steps, --steps steps of forward,
backward, optimizer.step() and zero_grad() are timed together with
time.perf_counter. Prints tokens/s = batch*seq*steps / seconds, ms per
step, and an estimate of training FLOPs per token (see flops_per_token).

Threads: torch.set_num_threads(--threads) sets ATen's OpenMP pool (default
2). Debian's torch does its matrix products in OpenBLAS (pthreads build),
which has a pool of its own, by default one thread per core. Both pools at
once oversubscribe the cores and their spin-waits collide: on a 2-core
machine --threads 2 with OpenBLAS left at its default runs 2-2.5x SLOWER
than --threads 1 (about 20-23k tokens/s against ~50k for the default
config). So by default this script sets OPENBLAS_NUM_THREADS=1 before
importing torch (OpenBLAS reads it once, when loaded), as
bench/numpy_attention.py does, and --threads alone sets the parallelism:
ATen splits the work, each BLAS call runs on the thread that made it.
--blas-threads 0 leaves OpenBLAS at its default, to reproduce the
oversubscribed setup.
"""
import argparse
import json
import math
import os
import time


def parse_args():
    ap = argparse.ArgumentParser(description="PyTorch training speed baseline for attnviz train")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--ctx", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=250)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup-steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="OPENBLAS_NUM_THREADS (default 1; 0 = leave OpenBLAS's default)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    if a.d_model % a.heads:
        ap.error("--d-model must be a multiple of --heads")
    if a.seq > a.ctx:
        ap.error("--seq must be at most --ctx")
    if a.steps < 1 or a.warmup_steps < 0 or a.threads < 1 or a.blas_threads < 0:
        ap.error("need --steps >= 1, --warmup-steps >= 0, --threads >= 1, --blas-threads >= 0")
    return a


ARGS = None
if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.blas_threads > 0:  # before torch loads OpenBLAS
        os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)

import torch  # noqa: E402


def flops_per_token(L, d, V, T):
    """Training FLOPs per token, the usual 6N-style count (Kaplan et al. 2020).

    One multiply-add = 2 FLOPs; backward costs twice the forward, so training
    = 3 x forward. Forward, per token:
      * 2 * N FLOPs for the non-embedding matmul parameters,
        N = L * (3d^2 c_attn + d^2 c_proj + 4d^2 c_fc + 4d^2 mlp.c_proj) = 12 L d^2;
      * attention, per layer 2*T*d for the scores q k^T and 2*T*d for P v
        (all heads together; the full T x T, as a dense implementation
        computes it, not halved for the causal mask): 4 L T d;
      * the tied unembedding y @ wte^T: 2 d V.
    Biases, LayerNorm, GELU, softmax and the embedding lookup (O(d) per
    token) are left out. So: 6 * 12 L d^2 + 12 L T d + 6 d V.
    """
    return 6 * 12 * L * d * d + 12 * L * T * d + 6 * d * V


class GPT(torch.nn.Module):
    def __init__(self, L, H, d, C, V):
        super().__init__()
        self.L, self.H = L, H

        def P(*shape, std=None, fill=None):
            t = torch.empty(*shape)
            if std is not None:
                torch.nn.init.normal_(t, 0.0, std)
            else:
                t.fill_(fill)
            return torch.nn.Parameter(t)

        proj_std = 0.02 / math.sqrt(2 * L)
        self.wte = P(V, d, std=0.02)
        self.wpe = P(C, d, std=0.02)
        self.blocks = torch.nn.ModuleList()
        for _ in range(L):
            b = torch.nn.ParameterDict({
                "ln_1_w": P(d, fill=1.0), "ln_1_b": P(d, fill=0.0),
                "c_attn_w": P(d, 3 * d, std=0.02), "c_attn_b": P(3 * d, fill=0.0),
                "c_proj_w": P(d, d, std=proj_std), "c_proj_b": P(d, fill=0.0),
                "ln_2_w": P(d, fill=1.0), "ln_2_b": P(d, fill=0.0),
                "c_fc_w": P(d, 4 * d, std=0.02), "c_fc_b": P(4 * d, fill=0.0),
                "mlp_proj_w": P(4 * d, d, std=proj_std), "mlp_proj_b": P(d, fill=0.0),
            })
            self.blocks.append(b)
        self.ln_f_w = P(d, fill=1.0)
        self.ln_f_b = P(d, fill=0.0)

    def forward(self, ids, targets):
        B, T = ids.shape
        d = self.wte.shape[1]
        H, dh = self.H, d // self.H
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        x = self.wte[ids] + self.wpe[:T]
        for b in self.blocks:
            a = torch.nn.functional.layer_norm(x, (d,), b["ln_1_w"], b["ln_1_b"], 1e-5)
            qkv = a @ b["c_attn_w"] + b["c_attn_b"]
            q, k, v = (t.reshape(B, T, H, dh).transpose(1, 2) for t in qkv.split(d, dim=-1))
            s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
            p = torch.softmax(s.masked_fill(future, float("-inf")), dim=-1)
            o = (p @ v).transpose(1, 2).reshape(B, T, d)
            x = x + o @ b["c_proj_w"] + b["c_proj_b"]
            m = torch.nn.functional.layer_norm(x, (d,), b["ln_2_w"], b["ln_2_b"], 1e-5)
            f = torch.nn.functional.gelu(m @ b["c_fc_w"] + b["c_fc_b"], approximate="tanh")
            x = x + f @ b["mlp_proj_w"] + b["mlp_proj_b"]
        y = torch.nn.functional.layer_norm(x, (d,), self.ln_f_w, self.ln_f_b, 1e-5)
        logits = y @ self.wte.T
        return torch.nn.functional.cross_entropy(logits.reshape(B * T, -1), targets.reshape(-1))


def main(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = GPT(a.layers, a.heads, a.d_model, a.ctx, a.vocab)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    total = a.warmup_steps + a.steps
    data = torch.randint(0, a.vocab, (total, a.batch, a.seq + 1))

    def step(i):
        loss = model(data[i, :, :-1], data[i, :, 1:])
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    for i in range(a.warmup_steps):
        step(i)
    per_step = []
    t0 = time.perf_counter()
    for i in range(a.warmup_steps, total):
        t = time.perf_counter()
        loss = step(i)
        per_step.append(time.perf_counter() - t)
    seconds = time.perf_counter() - t0
    median_ms = 1000.0 * sorted(per_step)[len(per_step) // 2]

    tokens = a.batch * a.seq * a.steps
    tps = tokens / seconds
    ms = 1000.0 * seconds / a.steps
    fpt = flops_per_token(a.layers, a.d_model, a.vocab, a.seq)
    config = {"layers": a.layers, "heads": a.heads, "d_model": a.d_model, "ctx": a.ctx,
              "vocab": a.vocab, "batch": a.batch, "seq": a.seq, "steps": a.steps,
              "warmup_steps": a.warmup_steps, "threads": a.threads,
              "blas_threads": a.blas_threads or os.environ.get("OPENBLAS_NUM_THREADS", "default"),
              "torch": torch.__version__}
    if a.json:
        print(json.dumps({"tokens_per_s": tps, "ms_per_step": ms,
                          "median_ms_per_step": median_ms, "flops_per_token": fpt,
                          "gflops_per_s": fpt * tps / 1e9, "final_loss": loss.item(),
                          "config": config}))
    else:
        print(f"torch {torch.__version__} train: L={a.layers} H={a.heads} d={a.d_model} "
              f"ctx={a.ctx} vocab={a.vocab} batch={a.batch} seq={a.seq} threads={a.threads} "
              f"blas_threads={config['blas_threads']}")
        print(f"  {tps:,.0f} tokens/s, {ms:.2f} ms/step (median {median_ms:.2f}; {a.steps} steps after "
              f"{a.warmup_steps} warm-up, loss {loss.item():.4f})")
        print(f"  ~{fpt:,} training FLOPs/token -> {fpt * tps / 1e9:.2f} GFLOP/s")


if __name__ == "__main__":
    main(ARGS)
