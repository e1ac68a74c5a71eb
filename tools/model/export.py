"""Export the trained checkpoint as the app's model folder: held-out scores, ONNX, golden file, model card.
nanoGPT style: the settings are at the top, then one function per job in the order main() runs them.

    /usr/bin/python3 tools/model/export.py [--work tools/.work] [--out public/models/nexttoken-base]
    /usr/bin/python3 tools/model/export.py --reuse_scores   # re-export: the held-out scores of the last full run
    /usr/bin/python3 tools/model/export.py --smoke          # label the card as a smoke-test model
    /usr/bin/python3 tools/model/export.py --random-shape smollm2-135m --out bench/.fixtures/smollm2-135m-random
                                                             # a benchmark fixture: see random_shape_fixture()
    /usr/bin/python3 tools/model/export.py --internals_only # no checkpoint: add the internals outputs to the committed
                                                            # onnx/model.onnx and their PyTorch reference to golden.json

1. score():        held-out perplexity and bits per byte, overall and per source
2. golden_file():  PyTorch's greedy continuations and first-step logits, which tests/model replays in Node
3. export_onnx():  the ONNX graph with KV cache (Optimum / Transformers.js convention), embedding stored once,
                   and expose_internals(): the hidden state after each layer, each layer's attention probabilities and
                   the final norm and output head as extra outputs of the same graph (the app's Inside panel fetches
                   them only when asked; decoding fetches logits and present.* alone)
4. write_card():   the model card, card_template.md filled with values this run measured or read from the checkpoint
5. main():         builds every file in memory, refuses before writing anything if the folder would pass its
                   30 MB cap, then writes config.json, generation_config.json, golden.json, training_curve.svg,
                   onnx/model.onnx and README.md into --out (tokenizer.json comes from bpe.mjs and is kept)
"""
import argparse
import hashlib
import io
import json
import math
import os
import string
import time

# Threads that spin while waiting for work (OpenMP's default) collapse throughput when other
# processes share the cores; passive waiting measured 3x faster on a busy 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F

from model import FOLDER_CAP_BYTES, Llama, LlamaConfig, folder_overflow

# ---- settings ----
WORK_DIR = os.environ.get("NT_WORK", "tools/.work")  # ckpt.pt, train_log.jsonl, data/: the same default as train.py
OUT_DIR = "public/models/nexttoken-base"  # the folder the app serves
THREADS = int(os.environ.get("NT_THREADS", "2"))  # the same default as train.py: the reference machine has 2 cores
CARD_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "card_template.md")  # the card's fixed text
# golden.json says where it comes from
GOLDEN_NOTE = "Written by tools/model/export.py from the PyTorch model. Greedy decoding, no cache."
GOLDEN_NEW_TOKENS = 20  # greedy tokens per prompt in golden.json: enough for tests/model to catch a drifting cache
GOLDEN_TOP_K = 10  # first-step logits recorded exactly for the top tokens ...
GOLDEN_PROBE_STRIDE = 97  # ... and for every 97th token id, spread over the vocabulary, so the file stays small
GOLDEN_LENS_TOP = 5  # golden.json's logit lens: the top tokens per layer at the prompt's last position (the panel shows 5)
# the graph's extra outputs (expose_internals); the app looks them up by these names
HIDDEN_OUTPUT = "hidden_states.{}"  # [batch, seq, hidden]: the residual stream after decoder layer {}
ATTENTION_OUTPUT = "attentions.{}"  # [batch, heads, seq, past + seq]: layer {}'s softmax, the weights on every key
NORM_WEIGHT, HEAD_WEIGHT = "m.norm.weight", "m.embed_tokens.weight"  # initializers also listed as outputs: the lens's
                                                                     # final RMSNorm and tied output head
SAMPLE_NEW_TOKENS = 40  # tokens per card sample: a sentence or two
SAMPLE_TEMPERATURE = 0.8  # the card shows greedy and this temperature side by side
SAMPLE_SEED = 42  # the temperature samples are reproducible
TRACE_SEED = 0  # the ONNX trace's dummy inputs are random: seeded, so a re-export repeats exactly
TRACE_SHAPE = (2, 3, 4)  # batch, new tokens, past tokens of the dummy inputs: all different, so no axis is baked in
ONNX_OPSET = 14  # the opset the committed model.onnx uses (Transformers.js runs it); another one changes the file
END_TRAIN_WINDOW = 100  # the card's end-of-training loss: mean of the logged training loss over this many iterations
OVERFIT_GAP_NATS = 0.3  # held-out minus end-of-training loss above this: the model has begun to learn the training split
QUALITY_BAR_BPB = 1.30  # the project's target for held-out bits per byte
SVG_W, SVG_H, SVG_PAD = 640, 360, 48  # training curve size and margin in pixels
SVG_MAX_LOSS = 10  # the curve's y axis stops here: the first iterations (about ln 8192 = 9) would flatten the rest
# --random-shape: published models' shapes, randomly initialised, for the benchmark only (never shipped: the weights
# are noise). SmolLM2-135M: HuggingFaceTB/SmolLM2-135M's config.json (llama, tied embeddings).
RANDOM_SHAPES = {
    "smollm2-135m": dict(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192,
                         rope_theta=100000.0, rms_norm_eps=1e-5),
}
RANDOM_SEED = 0  # the fixture's weights: seeded, so two builds give the same file
EMBEDDED_TOKENIZER = "public/models/nexttoken-base/tokenizer.json"  # the byte-level BPE the fixture's tokenizer extends


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", default=WORK_DIR, help="folder with ckpt.pt, train_log.jsonl and data/ (default: %(default)s)")
    p.add_argument("--out", default=OUT_DIR, help="the model folder; must already hold tokenizer.json (default: %(default)s)")
    p.add_argument("--reuse_scores", action="store_true",
                   help="skip scoring: reuse the held-out scores the last full run saved in WORK/eval.json")
    p.add_argument("--smoke", action="store_true", help="label the card as a smoke-test model")
    p.add_argument("--internals_only", action="store_true",
                   help="without a checkpoint: add the internals outputs to OUT/onnx/model.onnx and their reference values "
                        "(PyTorch on the graph's own weights) to OUT/golden.json; nothing else is touched")
    p.add_argument("--threads", type=int, default=THREADS, help="CPU threads for PyTorch (default: %(default)s)")
    p.add_argument("--random-shape", choices=sorted(RANDOM_SHAPES), dest="random_shape",
                   help="export a randomly initialised model of this shape into --out instead (a benchmark fixture)")
    return p.parse_args(argv)


def load_checkpoint(work):
    ckpt = torch.load(os.path.join(work, "ckpt.pt"), map_location="cpu")
    cfg = LlamaConfig(**ckpt["config"])
    model = Llama(cfg)
    model.load_state_dict(ckpt["model"])
    model.eval()
    return ckpt, cfg, model


def byte_decoder():
    """GPT-2's byte-level BPE alphabet: the printable character standing for each byte, inverted."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs, extra = list(bs), 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + extra); extra += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def token_decoder(tokenizer_path):
    """ids -> text with the model folder's own tokenizer.json; <|endoftext|> (id 0) is dropped."""
    vocab = json.load(open(tokenizer_path))["model"]["vocab"]
    id_to_token = {i: t for t, i in vocab.items()}
    to_byte = byte_decoder()
    return lambda ids: bytes(to_byte[ch] for i in ids if i != 0 for ch in id_to_token[i]).decode("utf-8", errors="replace")


# ---- 1. held-out scores ----
@torch.no_grad()
def score(model, val_tokens, val_docs, context):
    """Summed negative log-likelihood per source over whole held-out documents. Each document is scored
    in sliding windows of `context` tokens with stride context/2: every token once, with at least
    context/2 tokens of its document before it (or all of them near the start)."""
    per = {}
    for doc in val_docs:
        ids = torch.from_numpy(val_tokens[doc["start"] : doc["end"]])
        nll, n, done = 0.0, len(ids) - 1, 0  # n predictions: every token after the leading <|endoftext|>
        for begin in range(0, n, context // 2):
            end = min(begin + context, n)
            logits, _ = model(ids[begin:end].unsqueeze(0))
            nll += F.cross_entropy(logits[0, done - begin :], ids[done + 1 : end + 1], reduction="sum").item()
            done = end
            if end == n:
                break
        assert done == n
        r = per.setdefault(doc["source"], dict(nll=0.0, tokens=0, bytes=0, docs=0))
        r["nll"] += nll; r["tokens"] += n; r["bytes"] += doc["bytes"]; r["docs"] += 1
    return per


def saved_scores(eval_path):
    """The per-source sums of the last full run, from the eval.json it wrote (for --reuse_scores)."""
    scores = json.load(open(eval_path))["scores"]
    return {name: dict(nll=s["loss"] * s["tokens"], tokens=s["tokens"], bytes=s["bytes"], docs=s["docs"])
            for name, s in scores.items() if name not in ("overall", "mean_over_sources")}


def summarise(per):
    """Per-source sums -> loss, perplexity and bits per byte for each source, overall, and the mean over sources."""
    total = {k: sum(r[k] for r in per.values()) for k in ("nll", "tokens", "bytes", "docs")}
    scores = {}
    for name, r in list(per.items()) + [("overall", total)]:
        loss = r["nll"] / r["tokens"]
        scores[name] = dict(docs=r["docs"], tokens=r["tokens"], bytes=r["bytes"], loss=loss,
                            perplexity=math.exp(loss), bits_per_byte=r["nll"] / math.log(2) / r["bytes"])
    # macro average: every source counts the same, whatever its size
    scores["mean_over_sources"] = dict(bits_per_byte=float(np.mean([scores[s]["bits_per_byte"] for s in per])))
    return scores


# ---- 2. golden file and card samples (PyTorch, full recompute each step) ----
@torch.no_grad()
def generate(model, ids, n, context, temperature=0.0, generator=None):
    ids = list(ids)
    for _ in range(n):
        last = model(torch.tensor([ids[-context:]]))[0][0, -1]
        if temperature == 0:
            nxt = int(torch.argmax(last))
        else:
            nxt = int(torch.multinomial(F.softmax(last / temperature, -1), 1, generator=generator))
        ids.append(nxt)
        if nxt == 0:
            break
    return ids


@torch.no_grad()
def golden_file(model, prompts, decode, cfg):
    """Greedy continuations and first-step logits per prompt; also checks the KV-cache path against full recompute."""
    context = cfg.max_position_embeddings
    golden = dict(note=GOLDEN_NOTE, max_new_tokens=GOLDEN_NEW_TOKENS,
                  probe_ids=list(range(0, cfg.vocab_size, GOLDEN_PROBE_STRIDE)), prompts=[])
    for pr in prompts:
        logits, _ = model(torch.tensor([pr["ids"]]))
        last = logits[0, -1].double()
        top = torch.topk(last, GOLDEN_TOP_K)
        out = generate(model, pr["ids"], GOLDEN_NEW_TOKENS, context)
        logits, past = model(torch.tensor([pr["ids"]]))
        cached = list(pr["ids"])
        for _ in range(GOLDEN_NEW_TOKENS):
            nxt = int(torch.argmax(logits[0, -1])); cached.append(nxt)
            logits, past = model(torch.tensor([[nxt]]), position_ids=torch.tensor([[len(cached) - 1]]), past=past)
        assert cached == out[: len(cached)] or 0 in out, (cached, out)
        new = out[len(pr["ids"]):]
        golden["prompts"].append(dict(
            text=pr["text"], input_ids=pr["ids"], greedy_ids=new, greedy_text=decode(new),
            first_step=dict(top_ids=top.indices.tolist(), top_logits=[round(v, 6) for v in top.values.tolist()],
                            probe_logits=[round(float(last[i]), 6) for i in golden["probe_ids"]],
                            sum=float(last.sum()), sum_sq=float((last * last).sum())),
            internals=golden_internals(model, pr["ids"], cfg)))
    return golden


@torch.no_grad()
def golden_internals(model, ids, cfg):
    """What the Inside panel shows for the prompt's last position, computed by PyTorch: per layer the logit lens
    (hidden state -> final RMSNorm -> tied head -> softmax) top tokens, the attention weights of every head on each
    position, and the residual-stream norm. tests/model replays them through the ONNX graph's extra outputs."""
    logits, _, hidden, attentions = model(torch.tensor([ids]), internals=True)
    lens = []
    for h in hidden:
        probs = F.softmax(F.linear(model.norm(h[0, -1]), model.embed_tokens.weight).double(), dim=-1)
        top = torch.topk(probs, GOLDEN_LENS_TOP)
        lens.append(dict(top_ids=top.indices.tolist(), top_probs=[round(v, 7) for v in top.values.tolist()]))
    assert lens[-1]["top_ids"][0] == int(torch.argmax(logits[0, -1])), "the lens's last layer is not the model's output"
    return dict(lens=lens,
                attention=[[[round(v, 7) for v in head.tolist()] for head in a[0, :, -1]] for a in attentions],
                residual_norms=[round(float(h[0, -1].norm()), 5) for h in hidden])


def card_samples(model, prompts, decode, context):
    generator = torch.Generator().manual_seed(SAMPLE_SEED)
    cont = lambda pr, t: decode(generate(model, pr["ids"], SAMPLE_NEW_TOKENS, context, t, generator)[len(pr["ids"]):])
    return [dict(prompt=pr["text"], greedy=cont(pr, 0.0), t08=cont(pr, SAMPLE_TEMPERATURE)) for pr in prompts]


# ---- 3. ONNX export with KV cache ----
class CacheInterface(torch.nn.Module):
    """Flat tensors in and out, as ONNX needs: (ids, mask, positions, past k/v...) -> (logits, present k/v...)."""

    def __init__(self, model):
        super().__init__()
        self.m = model  # the attribute name prefixes the ONNX initializer names ("m.embed_tokens.weight")

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.m(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for kv in presents for t in kv])


def store_embedding_once(graph, cfg):
    """De-duplicate identical initializers, and point the tied output projection (which the exporter folds
    into a transposed copy of the embedding) back at the embedding table as Gemm(transB=1); its input is 2-D.
    Returns how many initializers were removed."""
    seen, rename, keep = {}, {}, []
    for init in graph.initializer:
        key = (init.data_type, tuple(init.dims), hashlib.sha256(init.raw_data).hexdigest())
        if init.raw_data and key in seen:
            rename[init.name] = seen[key]
        else:
            seen.setdefault(key, init.name); keep.append(init)
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in rename:
                node.input[i] = rename[name]
    emb = next(i for i in keep if tuple(i.dims) == (cfg.vocab_size, cfg.hidden_size))
    emb_t = onnx.numpy_helper.to_array(emb).T
    for node in graph.node:
        init = next((i for i in keep if node.op_type == "MatMul" and i.name == node.input[1]), None)
        if init is not None and tuple(init.dims) == (cfg.hidden_size, cfg.vocab_size) and \
                np.array_equal(onnx.numpy_helper.to_array(init), emb_t):
            node.op_type = "Gemm"
            node.input[1] = emb.name
            node.attribute.append(onnx.helper.make_attribute("transB", 1))
            keep.remove(init)
            rename[init.name] = emb.name
    del graph.initializer[:]
    graph.initializer.extend(keep)
    copies = sum(1 for i in graph.initializer if tuple(i.dims) in ((cfg.vocab_size, cfg.hidden_size), (cfg.hidden_size, cfg.vocab_size)))
    assert copies == 1, f"embedding stored {copies} times"
    return len(rename)


def export_onnx(model, cfg):
    """The model as ONNX bytes (nothing is written to disk): inputs input_ids, attention_mask, position_ids,
    past_key_values.{i}.key|value; outputs logits, present.{i}.key|value."""
    layers, kv_heads, head_dim = cfg.num_hidden_layers, cfg.num_key_value_heads, cfg.head_dim
    past_names = [f"past_key_values.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
    dynamic.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    dynamic.update({n: {0: "batch_size", 2: "past_sequence_length + sequence_length"} for n in present_names})
    torch.manual_seed(TRACE_SEED)
    batch, new, past = TRACE_SHAPE
    dummy = (torch.randint(0, cfg.vocab_size, (batch, new)), torch.ones(batch, past + new, dtype=torch.int64),
             torch.arange(past, past + new).unsqueeze(0).repeat(batch, 1),
             *[torch.randn(batch, kv_heads, past, head_dim) for _ in past_names])
    traced = io.BytesIO()
    torch.onnx.export(CacheInterface(model), dummy, traced, input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=dynamic, opset_version=ONNX_OPSET,
                      do_constant_folding=True)
    graph = onnx.load_from_string(traced.getvalue())
    removed = store_embedding_once(graph.graph, cfg)
    graph.graph.output[0].type.tensor_type.shape.dim[2].dim_value = cfg.vocab_size  # logits: fixed vocab dimension
    expose_internals(graph.graph, cfg)
    onnx.checker.check_model(graph)
    data = graph.SerializeToString()
    print(f"onnx: {len(data)/1e6:.2f} MB, {removed} duplicate initializers removed", flush=True)
    return data


def expose_internals(graph, cfg):
    """Name the tensors the graph already computes and list them as extra outputs: the residual stream after each
    decoder layer (the Add that closes the block: the next layer's input_layernorm, or the final norm, reads it) and
    each layer's attention Softmax, plus the final norm's weight and the tied head (initializers: no copy, no node).
    No node is added, so a run that fetches only logits and present.* computes exactly what it did before."""
    if any(o.name == HIDDEN_OUTPUT.format(0) for o in graph.output):
        return 0
    rename = {}
    for node in graph.node:
        parts = node.name.split("/")  # "/m/layers.3/Add_1", "/m/layers.3/self_attn/Softmax"
        layer = next((int(p.split(".")[1]) for p in parts if p.startswith("layers.")), None)
        if layer is None:
            continue
        if node.op_type == "Add" and parts[-1] == "Add_1" and len(parts) == 4:
            rename[node.output[0]] = HIDDEN_OUTPUT.format(layer)
        elif node.op_type == "Softmax" and parts[-2] == "self_attn":
            rename[node.output[0]] = ATTENTION_OUTPUT.format(layer)
    layers = cfg.num_hidden_layers
    assert sorted(rename.values()) == sorted([HIDDEN_OUTPUT.format(i) for i in range(layers)] +
                                             [ATTENTION_OUTPUT.format(i) for i in range(layers)]), rename
    for node in graph.node:
        for names in (node.input, node.output):
            for i, name in enumerate(names):
                names[i] = rename.get(name, name)
    final_norm_input = next(n.input[0] for n in graph.node if n.name == "/m/norm/Pow")
    assert final_norm_input == HIDDEN_OUTPUT.format(layers - 1), "the last layer's output is not what the final norm reads"
    info = onnx.helper.make_tensor_value_info
    f32 = onnx.TensorProto.FLOAT
    graph.output.extend([info(HIDDEN_OUTPUT.format(i), f32, ["batch_size", "sequence_length", cfg.hidden_size]) for i in range(layers)])
    graph.output.extend([info(ATTENTION_OUTPUT.format(i), f32, ["batch_size", cfg.num_attention_heads, "sequence_length",
                                                                 "past_sequence_length + sequence_length"]) for i in range(layers)])
    graph.output.extend([info(NORM_WEIGHT, f32, [cfg.hidden_size]), info(HEAD_WEIGHT, f32, [cfg.vocab_size, cfg.hidden_size])])
    return len(rename) + 2


def model_from_onnx(graph, cfg):
    """The PyTorch model rebuilt from the graph's own initializers (for --internals_only, when the checkpoint is
    gone): MatMul weights are stored transposed, under the node that uses them (/m/layers.0/self_attn/q_proj/MatMul)."""
    inits = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy()) for i in graph.initializer}
    state = {name[len("m."):]: value for name, value in inits.items() if name.startswith("m.")}
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and node.name.startswith("/m/layers."):
            state[node.name[len("/m/"):-len("/MatMul")].replace("/", ".") + ".weight"] = inits[node.input[1]].T.contiguous()
    model = Llama(cfg)
    model.load_state_dict(state)
    return model.eval()


def add_internals_to_committed(out):
    """--internals_only: expose the internals of OUT/onnx/model.onnx and add PyTorch's reference values (on the graph's
    own weights, checked against the golden first-step logits first) to OUT/golden.json."""
    config = json.load(open(os.path.join(out, "config.json")))
    cfg = LlamaConfig(**{k: config[k] for k in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                                                "num_attention_heads", "num_key_value_heads", "max_position_embeddings",
                                                "rope_theta", "rms_norm_eps")})
    graph = onnx.load(os.path.join(out, "onnx/model.onnx"))
    model = model_from_onnx(graph.graph, cfg)
    golden = json.load(open(os.path.join(out, "golden.json")))
    for p in golden["prompts"]:
        logits, _ = model(torch.tensor([p["input_ids"]]))
        drift = max(abs(float(logits[0, -1, i]) - v) for i, v in zip(p["first_step"]["top_ids"], p["first_step"]["top_logits"]))
        assert drift < 1e-4, f"the model rebuilt from the graph drifts {drift} from golden.json"
        p["internals"] = golden_internals(model, p["input_ids"], cfg)
    added = expose_internals(graph.graph, cfg)
    onnx.checker.check_model(graph)
    data = graph.SerializeToString()
    with open(os.path.join(out, "onnx/model.onnx"), "wb") as f:
        f.write(data)
    with open(os.path.join(out, "golden.json"), "w") as f:
        f.write(json.dumps(golden, indent=1))
    print(f"onnx: {len(data):,} bytes, {added} outputs added; golden.json: internals for {len(golden['prompts'])} prompts")


# ---- 4. config files, training curve, model card ----
def config_files(cfg):
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": cfg.vocab_size, "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size, "num_hidden_layers": cfg.num_hidden_layers,
        "num_attention_heads": cfg.num_attention_heads, "num_key_value_heads": cfg.num_key_value_heads,
        "head_dim": cfg.head_dim, "max_position_embeddings": cfg.max_position_embeddings, "rope_theta": cfg.rope_theta,
        "rms_norm_eps": cfg.rms_norm_eps, "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
        "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0, "torch_dtype": "float32",
        "use_cache": True, "transformers.js_config": {"dtype": "fp32"},
    }
    generation = {"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0, "max_length": cfg.max_position_embeddings,
                  "do_sample": False}
    return {"config.json": json.dumps(config, indent=2), "generation_config.json": json.dumps(generation, indent=2)}


def training_curve(log):
    """SVG of the logged training, validation and (when the checkpoint was chosen on them) development losses."""
    train = [(r["iter"], r["train_loss"]) for r in log if "train_loss" in r]
    val = [(r["iter"], r["val_loss"]) for r in log if "val_loss" in r]
    dev = [(r["iter"], r["dev_loss"]) for r in log if "dev_loss" in r]
    width, height, pad = SVG_W, SVG_H, SVG_PAD
    last_iter = max(i for i, _ in train + val + dev) or 1
    losses = [l for _, l in train + val + dev]
    low, high = math.floor(min(losses)), math.ceil(min(max(losses), SVG_MAX_LOSS))
    x = lambda it: pad + (width - 2 * pad) * it / last_iter
    y = lambda loss: height - pad - (height - 2 * pad) * (min(loss, high) - low) / (high - low)
    line = lambda pts, colour: (f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                                f'points="{" ".join(f"{x(i):.1f},{y(l):.1f}" for i, l in pts)}"/>')
    grid = "".join(f'<line x1="{pad}" x2="{width-pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                   f'<text x="{pad-6}" y="{y(v)+4:.1f}" text-anchor="end">{v}</text>' for v in range(low, high + 1))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">'
            f'<rect width="{width}" height="{height}" fill="white"/>{grid}{line(train, "#1f77b4")}{line(val, "#d62728")}'
            f'{line(dev, "#2ca02c") if dev else ""}'
            f'<text x="{width/2}" y="{height-12}" text-anchor="middle">iteration ({last_iter} in all)</text>'
            f'<text x="{width-pad}" y="{pad-20}" text-anchor="end" fill="#1f77b4">train loss (nats/token)</text>'
            f'<text x="{width-pad}" y="{pad-6}" text-anchor="end" fill="#d62728">validation loss</text>'
            + (f'<text x="{pad}" y="{pad-6}" fill="#2ca02c">development loss (chooses the checkpoint)</text>' if dev else "")
            + '</svg>')


def folder_listing(out, new_files):
    """(path, bytes) of every file the folder will hold except the card: the files about to be written, and
    those already there that stay (tokenizer.json, tokenizer_config.json), in folder order."""
    sizes = {}
    for root, _, names in os.walk(out):
        for name in names:
            path = os.path.relpath(os.path.join(root, name), out)
            sizes[path] = os.path.getsize(os.path.join(root, name))
    sizes.update({path: len(data) for path, data in new_files.items()})
    sizes.pop("README.md", None)
    return sorted(sizes.items(), key=lambda item: (os.path.dirname(item[0]), os.path.basename(item[0])))


def training_diagnosis(ckpt, log, seen_iters, end_train, held_nats):
    """The card's reading of the held-out/training gap, from this run's numbers only."""
    if held_nats - end_train > OVERFIT_GAP_NATS:
        return (": the model has begun to learn the training split itself, so more passes over the same text help little; "
                "more (balanced) text is what closes the gap, then a larger model and more compute (`--device cuda`).")
    val = [r["val_loss"] for r in log if "val_loss" in r and r["iter"] <= seen_iters]
    if len(val) < 2:
        return "; the run logged too few validation losses to say whether it was still falling."
    if val[-1] >= val[-2]:
        return (f": the validation loss had stopped falling ({val[-2]:.2f}, then {val[-1]:.2f} nats/token at the last "
                "two evaluations), so more passes over the same text help little; more (balanced) text is what closes the gap.")
    on_cpu = ckpt["hp"].get("device_name", "CPU").startswith("CPU")
    more = "the same script on an unshared CPU for longer, or `--device cuda`." if on_cpu else "more iterations (`--max_iters`)."
    return f": the loss was still falling, so more compute is what closes the gap: {more}"


def write_card(template, ckpt, cfg, scores, samples, manifest, log, listing, onnx_bytes, smoke):
    """The model card: `template` (card_template.md) filled with what this run measured (scores, samples, file
    sizes) and what train.py recorded in the checkpoint (settings, iterations, wall-clock time, device).
    Returns the text; main() writes it with the other files."""
    hp, context = ckpt["hp"], cfg.max_position_embeddings
    iters = hp.get("iters_done", hp["max_iters"])
    chosen = hp.get("best_iter") is not None  # the checkpoint was chosen on development documents
    seen_iters = hp["best_iter"] if chosen else iters  # the exported checkpoint's iteration
    tokens_per_iter = hp["batch_size"] * context
    minutes = ckpt["train_seconds"] / 60
    trained_on = f"{minutes:.1f} min" + (f" on {hp['device_name']}" if "device_name" in hp else "")
    train_losses = [(r["iter"], r["train_loss"]) for r in log if "train_loss" in r]
    end_train = float(np.mean([l for i, l in train_losses if seen_iters - END_TRAIN_WINDOW <= i < seen_iters]
                              or [train_losses[0][1]]))
    held_nats = scores["overall"]["loss"]

    adamw = f"AdamW (beta 0.9/0.95, weight decay 0.1), lr {hp['lr']:g}"
    optimiser = (f"Muon (momentum 0.95, Nesterov, 5 Newton-Schulz steps), lr {hp['muon_lr']:g}, for the hidden weight matrices; "
                 f"{adamw} for the embedding and norms" if hp.get("optimizer") == "muon" else adamw)
    micro = hp.get("micro_batch", 0)
    batch = (f"{hp['batch_size']} x {context} tokens"
             + (f" (gradients summed over micro-batches of {micro})" if 0 < micro < hp["batch_size"] else "")
             + f", {iters} iterations = {tokens_per_iter * iters / 1e6:.1f} M tokens {'seen' if seen_iters == iters else 'run'}")
    precision = "bf16 autocast (weights, optimiser state and export in fp32)" if hp.get("precision") == "bf16" else "fp32"
    regularisation = (f"\n| dropout | {hp['dropout']:g} on the embedding and both residual branches (training only) |"
                      if hp.get("dropout") else "")
    if chosen:
        regularisation += (f"\n| checkpoint | iteration {hp['best_iter']:,} of {iters:,}: the lowest loss ({hp['best_dev_loss']:.3f} "
                           f"nats/token) on {hp['dev_tokens']:,} development tokens, whole training documents held back from "
                           f"training; the held-out documents below choose nothing |")
    cell = lambda text: text.replace("|", "\\|").replace("\n", " ⏎ ").strip()
    overall_bpb = scores["overall"]["bits_per_byte"]
    listed_bytes = sum(size for _, size in listing)
    values = dict(
        smoke_title=f" (SMOKE TEST MODEL: {minutes:.1f} min of training, for wiring only)" if smoke else "",
        n_params=f"{ckpt['n_params']:,}", mparams=f"{ckpt['n_params'] / 1e6:.1f}",
        layers=cfg.num_hidden_layers, hidden=cfg.hidden_size, mlp=cfg.intermediate_size,
        heads=cfg.num_attention_heads, kv_heads=cfg.num_key_value_heads, head_dim=cfg.head_dim,
        rope_theta=f"{cfg.rope_theta:g}", context=context, stride=context // 2, rms_eps=f"{cfg.rms_norm_eps:g}",
        vocab=cfg.vocab_size, optimiser=optimiser, batch=batch, training_time=f"{trained_on}; {precision}",
        trained_for=trained_on, regularisation=regularisation,
        score_rows="\n".join(f"| {n} | {s['docs']} | {s['bytes']:,} | {s['tokens']:,} | {s['perplexity']:.1f} | {s['bits_per_byte']:.3f} |"
                             for n, s in scores.items() if n != "mean_over_sources"),
        mean_bpb=f"{scores['mean_over_sources']['bits_per_byte']:.3f}",
        sample_tokens=SAMPLE_NEW_TOKENS, temperature=f"{SAMPLE_TEMPERATURE:g}", sample_seed=SAMPLE_SEED,
        sample_rows="\n".join(f"| {s['prompt']} | {cell(s['greedy'])} | {cell(s['t08'])} |" for s in samples),
        corpus_rows="\n".join(f"| {n} | {s['train_docs']} | {s['train_bytes']:,} | {s['val_docs']} | {s['val_bytes']:,} |"
                              for n, s in manifest["stats"].items()),
        nlp_dropped=manifest["nlp_sentences_dropped_for_overlap"], n_files_read=len(manifest["files"]),
        files_read_rows="\n".join(f"| `{f['path']}` | {f['bytes']} | `{f['sha256']}` |" for f in manifest["files"]),
        size_rows="\n".join(f"| `{path}` | {size:,} |" for path, size in listing),
        listed_bytes=f"{listed_bytes:,}", cap_bytes=f"{FOLDER_CAP_BYTES:,}",
        onnx_mb=f"{onnx_bytes / 1e6:.1f}", cap_mb=f"{FOLDER_CAP_BYTES / 1e6:.0f}",
        bar_bpb=f"{QUALITY_BAR_BPB:.2f}", overall_bpb=f"{overall_bpb:.2f}",
        bar_verdict="met" if overall_bpb <= QUALITY_BAR_BPB else "not met",
        seen_mtokens=f"{tokens_per_iter * seen_iters / 1e6:.1f}", passes=f"{tokens_per_iter * seen_iters / ckpt['train_tokens']:.1f}",
        tokens_per_s=f"{tokens_per_iter * iters / ckpt['train_seconds']:,.0f}",
        at_end="At the end" if seen_iters == iters else "At that checkpoint",
        end_train=f"{end_train:.2f}", held_nats=f"{held_nats:.2f}",
        diagnosis=training_diagnosis(ckpt, log, seen_iters, end_train, held_nats),
    )
    return string.Template(template).substitute(values)


# ---- benchmark fixture: a published shape with random weights (--random-shape) ----
def padded_tokenizer(tokenizer, vocab_size):
    """The embedded byte-level BPE grown to `vocab_size` entries: each new token joins two existing ones (the second
    not starting a word, so it can occur inside a pre-tokenized word) and gets a merge of the lowest priority, so the
    result is still a valid BPE whose decoder and pre-tokenizer are the embedded model's."""
    tok = json.loads(json.dumps(tokenizer))
    vocab, merges = tok["model"]["vocab"], tok["model"]["merges"]
    special = {t["content"] for t in tok["added_tokens"]}
    pieces = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if t not in special]
    tails = [t for t in pieces if not t.startswith("\u0120")]
    for a in pieces:
        for b in tails:
            if len(vocab) >= vocab_size:
                return tok
            if a + b not in vocab:
                vocab[a + b] = len(vocab)
                merges.append(f"{a} {b}" if isinstance(merges[0], str) else [a, b])
    raise SystemExit(f"could not grow the tokenizer to {vocab_size} entries")


def random_shape_fixture(args):
    """A randomly initialised model of a published shape, exported exactly as the embedded model is (the same
    model.py, export_onnx, config files), with a tokenizer of the shape's vocabulary size. For `npm run bench` only."""
    cfg = LlamaConfig(**RANDOM_SHAPES[args.random_shape])
    torch.manual_seed(RANDOM_SEED)
    model = Llama(cfg).eval()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.random_shape}: {n_params:,} parameters, random weights (seed {RANDOM_SEED})", flush=True)
    files = {path: text.encode() for path, text in config_files(cfg).items()}
    tokenizer = padded_tokenizer(json.load(open(EMBEDDED_TOKENIZER)), cfg.vocab_size)
    files["tokenizer.json"] = json.dumps(tokenizer, ensure_ascii=False).encode()
    config = json.load(open(os.path.join(os.path.dirname(EMBEDDED_TOKENIZER), "tokenizer_config.json")))
    files["tokenizer_config.json"] = json.dumps({**config, "model_max_length": cfg.max_position_embeddings}, indent=2).encode()
    files["README.md"] = (f"# {args.random_shape}, random weights: a benchmark fixture\n\nWritten by `tools/model/export.py "
                          f"--random-shape {args.random_shape}` (seed {RANDOM_SEED}, {n_params:,} parameters). The shape of a "
                          "published model, randomly initialised: it measures speed, never quality. Never shipped.\n").encode()
    files["onnx/model.onnx"] = export_onnx(model, cfg)
    for path, data_bytes in files.items():
        os.makedirs(os.path.dirname(os.path.join(args.out, path)), exist_ok=True)
        with open(os.path.join(args.out, path), "wb") as f:
            f.write(data_bytes)
    print(f"wrote {args.out} ({sum(len(d) for d in files.values()):,} bytes)")


# ---- 5. everything, in order; nothing is written until every file is built and the folder fits ----
def refuse_if_over_cap(out, listing, card):
    total = sum(size for _, size in listing) + len(card)
    if total > FOLDER_CAP_BYTES:
        largest = ", ".join(f"{path} {size:,}" for path, size in sorted(listing, key=lambda item: -item[1])[:3])
        raise SystemExit(f"{out} would hold {total:,} bytes (largest: {largest}; card {len(card):,}), over its cap of "
                         f"{FOLDER_CAP_BYTES:,}: nothing was written")


def main(argv=None):
    if "NT_SKIP_EVAL" in os.environ:
        raise SystemExit("NT_SKIP_EVAL no longer chooses the mode: pass --reuse_scores")
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.random_shape:
        return random_shape_fixture(args)
    if args.internals_only:
        return add_internals_to_committed(args.out)
    data = os.path.join(args.work, "data")
    ckpt, cfg, model = load_checkpoint(args.work)
    # the cheap check first, before an hour of scoring: do the fp32 weights fit at all?
    too_big = folder_overflow(sum(p.numel() for p in model.parameters()))
    if too_big:
        raise SystemExit(f"{args.work}/ckpt.pt: {too_big}; nothing was written to {args.out}")
    decode = token_decoder(os.path.join(args.out, "tokenizer.json"))
    context = cfg.max_position_embeddings

    t0 = time.time()
    if args.reuse_scores:
        per = saved_scores(os.path.join(args.work, "eval.json"))
    else:
        val_tokens = np.fromfile(os.path.join(data, "val.bin"), dtype=np.uint16).astype(np.int64)
        per = score(model, val_tokens, json.load(open(os.path.join(data, "val_docs.json"))), context)
    scores = summarise(per)
    print(json.dumps(scores, indent=1), f"({time.time()-t0:.0f}s)", flush=True)

    prompts = json.load(open(os.path.join(data, "prompts.json")))
    golden = golden_file(model, prompts, decode, cfg)
    samples = card_samples(model, prompts, decode, context)
    for s in samples:
        print(json.dumps(s), flush=True)
    onnx_data = export_onnx(model, cfg)
    log = [json.loads(line) for line in open(os.path.join(args.work, "train_log.jsonl"))]

    files = {**config_files(cfg), "golden.json": json.dumps(golden, indent=1), "training_curve.svg": training_curve(log)}
    files = {path: text.encode() for path, text in files.items()}
    files["onnx/model.onnx"] = onnx_data
    listing = folder_listing(args.out, files)
    manifest = json.load(open(os.path.join(data, "manifest.json")))
    card = write_card(open(CARD_TEMPLATE, encoding="utf-8").read(), ckpt, cfg, scores, samples, manifest, log, listing,
                      len(onnx_data), args.smoke).encode()
    refuse_if_over_cap(args.out, listing, card)
    files["README.md"] = card

    for path, data_bytes in files.items():
        os.makedirs(os.path.dirname(os.path.join(args.out, path)), exist_ok=True)
        with open(os.path.join(args.out, path), "wb") as f:
            f.write(data_bytes)
    json.dump(dict(scores=scores, samples=samples), open(os.path.join(args.work, "eval.json"), "w"), indent=1)
    print(f"wrote {args.out} ({sum(size for _, size in listing) + len(card):,} bytes)")


if __name__ == "__main__":
    main()
