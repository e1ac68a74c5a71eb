"""Train the NextToken base model (nanoGPT-style: every hyper-parameter is at the top).

    /usr/bin/python3 tools/model/train.py                    # CPU defaults (about an hour on 2 cores)
    /usr/bin/python3 tools/model/train.py --device cuda      # deeper model, many passes, dropout, early stopping
    /usr/bin/python3 tools/model/train.py --max_iters 60     # smoke run

Reads tools/.work/data/{train,val}.bin (written by tokenize.mjs), writes tools/.work/ckpt.pt and
tools/.work/train_log.jsonl. Never run in CI: CI checks the committed artifact.
"""
import argparse
import copy
import json
import math
import os
import platform
import time

# Threads that spin while waiting for work (OpenMP's default) collapse throughput when other
# processes share the cores; passive waiting measured 3x faster on a busy 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn.functional as F

from model import Llama, LlamaConfig, folder_overflow

# ---- hyper-parameters (CPU defaults; --device cuda switches to the GPU column) ----
# Both columns must fit the model folder's 30 MB cap in fp32 (about 7.25M parameters; `folder_overflow` in model.py).
# On 2 CPU cores an hour is the limit: the loss is still falling at the end, so no dropout and no
# checkpoint choice. A GPU can run many passes over the 5.3M training tokens, so there the model is
# deeper, regularised with dropout, and the checkpoint is chosen on development documents carved
# from the training split (never the held-out documents the card scores); training stops when that
# loss has not improved for `patience` evaluations.
CPU = dict(hidden_size=256, intermediate_size=704, num_hidden_layers=5, num_attention_heads=8, num_key_value_heads=2,
           batch_size=16, micro_batch=4, max_iters=4400, lr=3e-3, optimizer="muon", muon_lr=0.02,
           dropout=0.0, dev_fraction=0.0, patience=0)
GPU = dict(hidden_size=256, intermediate_size=704, num_hidden_layers=7, num_attention_heads=8, num_key_value_heads=2,
           batch_size=64, micro_batch=64, max_iters=6000, lr=3e-3, optimizer="muon", muon_lr=0.02,
           dropout=0.1, dev_fraction=0.02, patience=10)
vocab_size = 8192
block_size = 256  # context length
# On CPU, gradients are accumulated over micro-batches of 4 sequences: the [micro, heads, 256, 256] attention
# tensors then stay in cache, which measured 1.33x the tokens/s of one 16-sequence pass on 2 cores.
warmup_iters = 100
min_lr_ratio = 0.1  # cosine decays to lr * min_lr_ratio
weight_decay = 0.1
beta1, beta2 = 0.9, 0.95
grad_clip = 1.0
eval_interval = 100
eval_tokens = 32768  # quick validation estimate during training; the full set is scored at export
seed = 1337

p = argparse.ArgumentParser()
p.add_argument("--device", default="cpu")
p.add_argument("--work", default=os.environ.get("NT_WORK", "tools/.work"))
p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
               help="auto: bf16 autocast where the hardware multiplies bf16 natively (CUDA, or a CPU with avx512_bf16 / "
               "amx_bf16), fp32 elsewhere; weights, optimiser state and the export stay fp32")
p.add_argument("--time_budget_min", type=float, default=0, help="if > 0, the schedule also follows wall-clock time and "
               "training stops when the budget is spent (fewer iterations on a busy machine; the card records how many)")
p.add_argument("--allow_over_cap", action="store_true", help="train a model too large for the 30 MB model folder "
               "(an experiment: export.py will refuse to write it)")
for k in CPU:
    p.add_argument(f"--{k}", type=type(CPU[k]), default=None)
args = p.parse_args()
hp = dict(GPU if args.device.startswith("cuda") else CPU)
hp.update({k: v for k, v in vars(args).items() if k in hp and v is not None})
assert hp["optimizer"] in ("adamw", "muon"), f"--optimizer must be adamw or muon, not {hp['optimizer']}"


def native_bf16(device):
    if device.startswith("cuda"):
        return torch.cuda.is_bf16_supported()
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


hp["precision"] = args.precision if args.precision != "auto" else ("bf16" if native_bf16(args.device) else "fp32")
autocast = torch.autocast("cuda" if args.device.startswith("cuda") else "cpu", dtype=torch.bfloat16,
                          enabled=hp["precision"] == "bf16")

torch.manual_seed(seed)
np.random.seed(seed)
if args.device == "cpu":
    torch.set_num_threads(int(os.environ.get("NT_THREADS", "2")))
data_dir = os.path.join(args.work, "data")
train = np.fromfile(os.path.join(data_dir, "train.bin"), dtype=np.uint16).astype(np.int64)
val = np.fromfile(os.path.join(data_dir, "val.bin"), dtype=np.uint16).astype(np.int64)
rng = np.random.default_rng(seed)


def split_dev(stream, fraction):
    """Move whole training documents (seeded, none larger than a quarter of the target) into a
    development set of about `fraction` of the tokens; returns (train, dev)."""
    bounds = np.append(np.flatnonzero(stream == 0), len(stream))  # every document starts with <|endoftext|> (id 0)
    sizes = np.diff(bounds)
    target, taken = fraction * len(stream), 0
    chosen = np.zeros(len(sizes), dtype=bool)
    for i in np.random.default_rng(seed + 1).permutation(len(sizes)):
        if taken >= target:
            break
        if sizes[i] <= target / 4:
            chosen[i], taken = True, taken + sizes[i]
    docs = lambda m: np.concatenate([stream[bounds[i] : bounds[i + 1]] for i in np.flatnonzero(m)])
    return docs(~chosen), docs(chosen)


dev = None
if hp["dev_fraction"] > 0:
    train, dev = split_dev(train, hp["dev_fraction"])


def batch(data, n):
    ix = rng.integers(0, len(data) - block_size - 1, size=n)
    x = torch.from_numpy(np.stack([data[i : i + block_size] for i in ix]))
    y = torch.from_numpy(np.stack([data[i + 1 : i + 1 + block_size] for i in ix]))
    return x.to(args.device), y.to(args.device)


def progress(it):
    p = it / hp["max_iters"]
    return max(p, (time.time() - t0) / 60 / args.time_budget_min) if args.time_budget_min > 0 else p


def lr_scale(it):
    """The schedule, as a factor on every parameter group's base learning rate."""
    if it < warmup_iters:
        return (it + 1) / warmup_iters
    w = warmup_iters / hp["max_iters"]
    t = min(1.0, max(0.0, (progress(it) - w) / (1 - w)))
    return min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t))


@torch.no_grad()
def estimate_loss(model, data):
    model.eval()
    n = min(eval_tokens, len(data) - 1) // block_size
    xs = torch.from_numpy(data[: n * block_size + 1])
    x, y = xs[:-1].view(n, block_size), xs[1:].view(n, block_size)
    losses = []
    for i in range(0, n, 16):
        with autocast:
            logits, _ = model(x[i : i + 16].to(args.device))
        losses.append(F.cross_entropy(logits.float().view(-1, logits.size(-1)), y[i : i + 16].reshape(-1).to(args.device)).item())
    model.train()
    return float(np.mean(losses))


cfg = LlamaConfig(vocab_size=vocab_size, max_position_embeddings=block_size,
                  **{k: hp[k] for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads")})
model = Llama(cfg, dropout_p=hp["dropout"]).to(args.device)
n_params = sum(p.numel() for p in model.parameters())
too_big = folder_overflow(n_params)
if too_big and not args.allow_over_cap:
    raise SystemExit(f"{too_big}. Choose a smaller shape, or pass --allow_over_cap for an experiment.")


def newton_schulz(g, steps=5):
    """Approximately orthogonalise g (Muon's update): the quintic iteration of Keller Jordan's Muon."""
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g / (g.norm() + 1e-7)
    wide = x.size(0) <= x.size(1)
    if not wide:
        x = x.T
    for _ in range(steps):
        s = x @ x.T
        x = a * x + (b * s + c * s @ s) @ x
    return x if wide else x.T


class Muon(torch.optim.Optimizer):
    """Momentum SGD whose update for each weight matrix is orthogonalised (github.com/KellerJordan/Muon).
    Only for the 2-D hidden weights; the embedding (tied to the output) and the norms stay on AdamW."""

    def __init__(self, params, lr, momentum=0.95):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                buf = self.state[p].setdefault("momentum", torch.zeros_like(p))
                buf.mul_(g["momentum"]).add_(p.grad)
                update = newton_schulz(p.grad.add(buf, alpha=g["momentum"]))  # Nesterov
                p.add_(update, alpha=-g["lr"] * max(1.0, p.size(0) / p.size(1)) ** 0.5)


named = list(model.named_parameters())
# with Muon, the hidden weight matrices go to it; AdamW keeps the rest (the tied embedding and the norms)
on_muon = lambda n, p: hp["optimizer"] == "muon" and p.dim() >= 2 and "embed_tokens" not in n
opts = [torch.optim.AdamW([{"params": [p for n, p in named if p.dim() >= 2 and not on_muon(n, p)], "weight_decay": weight_decay},
                           {"params": [p for n, p in named if p.dim() < 2], "weight_decay": 0.0}],
                          lr=hp["lr"], betas=(beta1, beta2))]
if hp["optimizer"] == "muon":
    opts.append(Muon([p for n, p in named if on_muon(n, p)], lr=hp["muon_lr"]))
for o in opts:
    for g in o.param_groups:
        g["base_lr"] = g["lr"]
hp["device_name"] = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else \
    f"CPU ({platform.machine()}, {torch.get_num_threads()} threads)"
print(f"params {n_params/1e6:.2f}M, train {len(train)/1e6:.2f}M tokens"
      f"{f', development {len(dev)/1e6:.3f}M tokens' if dev is not None else ''}, hp {hp}", flush=True)

log_path = os.path.join(args.work, "train_log.jsonl")
log = open(log_path, "w")
best = dict(iter=None, dev_loss=float("inf"), state=None)
stale = 0  # evaluations since the development loss last improved
t0 = time.time()
for it in range(hp["max_iters"] + 1):
    done = it == hp["max_iters"] or (it > warmup_iters and progress(it) >= 1)
    if it % eval_interval == 0 or done:
        rec = dict(iter=it, tokens=it * hp["batch_size"] * block_size, val_loss=estimate_loss(model, val))
        if dev is not None:
            rec["dev_loss"] = estimate_loss(model, dev)
            if rec["dev_loss"] < best["dev_loss"]:
                best = dict(iter=it, dev_loss=rec["dev_loss"], state=copy.deepcopy(model.state_dict()))
                stale = 0
            else:
                stale += 1
                done = done or (hp["patience"] > 0 and stale >= hp["patience"])
        rec["elapsed_s"] = round(time.time() - t0, 1)
        log.write(json.dumps(rec) + "\n"); log.flush()
        print(rec, flush=True)
    if done:
        break
    scale = lr_scale(it)
    for o in opts:
        for g in o.param_groups:
            g["lr"] = g["base_lr"] * scale
    x, y = batch(train, hp["batch_size"])
    for o in opts:
        o.zero_grad(set_to_none=True)
    loss = 0.0
    for j in range(0, hp["batch_size"], hp["micro_batch"]):
        with autocast:
            logits, _ = model(x[j : j + hp["micro_batch"]])
        part = F.cross_entropy(logits.float().view(-1, logits.size(-1)), y[j : j + hp["micro_batch"]].reshape(-1))
        (part * (len(logits) / hp["batch_size"])).backward()
        loss += part.detach() * (len(logits) / hp["batch_size"])
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    for o in opts:
        o.step()
    if it % 10 == 0:
        el = time.time() - t0
        log.write(json.dumps(dict(iter=it, train_loss=loss.item(), lr=hp["lr"] * scale, elapsed_s=round(el, 1))) + "\n"); log.flush()
        if it % 50 == 0:
            print(f"it {it} loss {loss.item():.3f} lr {hp['lr'] * scale:.2e} {el:.0f}s ({(it+1)*hp['batch_size']*block_size/el:.0f} tok/s)", flush=True)

hp["iters_done"] = it
if dev is not None:  # ship the checkpoint with the lowest development loss, and say which it was
    model.load_state_dict(best["state"])
    hp.update(best_iter=best["iter"], best_dev_loss=best["dev_loss"], dev_tokens=len(dev))
torch.save(dict(config=cfg.__dict__, model=model.state_dict(), hp=hp, block_size=block_size, train_seconds=time.time() - t0,
                n_params=n_params, train_tokens=len(train)), os.path.join(args.work, "ckpt.pt"))
chosen = f", the checkpoint of iteration {best['iter']} (development loss {best['dev_loss']:.3f})" if dev is not None else ""
print(f"saved {args.work}/ckpt.pt after {time.time()-t0:.0f}s{chosen}", flush=True)
