"""A small Llama in plain PyTorch: RMSNorm, rotary embeddings, SwiGLU, grouped-query attention,
tied input/output embeddings. Parameter names follow Hugging Face's LlamaForCausalLM.

forward() serves both training (no cache) and the ONNX export (Optimum's KV-cache convention:
attention_mask and position_ids given, past keys/values in, present keys/values out)."""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


# The committed model folder holds at most 30 MB in all. Weights ship as fp32 (4 bytes each; the app
# shows exact probabilities), and room is kept for the tokenizer, golden file, curve and card (about 0.35 MB).
FOLDER_CAP_BYTES = 30_000_000
OTHER_FILES_BYTES = 1_000_000


def folder_overflow(n_params):
    """None when n_params fp32 weights fit the model folder, else a sentence saying why they do not."""
    need = 4 * n_params
    if need + OTHER_FILES_BYTES <= FOLDER_CAP_BYTES:
        return None
    return (f"{n_params:,} parameters need {need / 1e6:.1f} MB in fp32: the model folder would exceed its "
            f"{FOLDER_CAP_BYTES / 1e6:.0f} MB cap")


@dataclass
class LlamaConfig:
    vocab_size: int = 8192
    hidden_size: int = 256
    intermediate_size: int = 768
    num_hidden_layers: int = 4
    num_attention_heads: int = 8
    num_key_value_heads: int = 4
    max_position_embeddings: int = 256
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, c: LlamaConfig):
        super().__init__()
        self.nh, self.nkv, self.hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, c.hidden_size, bias=False)
        self.keep_probs = False  # Llama.forward(internals=True) reads the attention probabilities back
        self.last_probs = None

    def forward(self, x, cos, sin, mask, past_k=None, past_v=None):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)  # cached before the kv heads are repeated for the query heads
        rep = self.nh // self.nkv
        if rep > 1:  # [b, nkv, L, hd] -> [b, nh, L, hd]; expand+reshape exports with dynamic shapes
            k = k.unsqueeze(2).expand(b, self.nkv, rep, k.shape[2], self.hd).reshape(b, self.nh, -1, self.hd)
            v = v.unsqueeze(2).expand(b, self.nkv, rep, v.shape[2], self.hd).reshape(b, self.nh, -1, self.hd)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd)) + mask
        probs = F.softmax(att, dim=-1)  # [b, heads, t, past+t]: the export names this tensor attentions.{layer}
        self.last_probs = probs if self.keep_probs else None
        y = probs @ v
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.nh * self.hd)), present


class MLP(nn.Module):
    def __init__(self, c: LlamaConfig):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def dropout(x, p, training):
    # skipped entirely at p = 0, so a run without dropout draws nothing from the RNG
    return F.dropout(x, p, training) if p > 0 and training else x


class Block(nn.Module):
    def __init__(self, c: LlamaConfig, dropout_p=0.0):
        super().__init__()
        self.dropout_p = dropout_p
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, past_k=None, past_v=None):
        h, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past_k, past_v)
        x = x + dropout(h, self.dropout_p, self.training)
        return x + dropout(self.mlp(self.post_attention_layernorm(x)), self.dropout_p, self.training), present


class Llama(nn.Module):
    def __init__(self, c: LlamaConfig, dropout_p=0.0):
        """dropout_p: training-only regularisation on the embedding and both residual branches;
        it is not part of the architecture (inference and the ONNX export never drop anything)."""
        super().__init__()
        self.config = c
        self.dropout_p = dropout_p
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c, dropout_p) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        inv_freq = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2).float() / c.head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.apply(self._init)
        for n, p in self.named_parameters():  # GPT-2 style scaled init of residual projections
            if n.endswith("o_proj.weight") or n.endswith("down_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c.num_hidden_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, internals=False):
        """Returns (logits, presents), or with internals=True (logits, presents, hidden, attentions): the hidden
        state after each decoder layer [b, t, hidden] and each layer's attention probabilities [b, heads, t, past+t]
        (the tensors export.py's expose_internals() names hidden_states.{i} and attentions.{i} in the ONNX graph).
        past: list of (key, value) per layer, each [batch, kv_heads, past_len, head_dim].
        attention_mask: [batch, past_len + seq_len]."""
        b, t = input_ids.shape
        past_len = past[0][0].shape[2] if past is not None else 0
        if position_ids is None:
            position_ids = torch.arange(past_len, past_len + t, device=input_ids.device).unsqueeze(0)
        freqs = position_ids.unsqueeze(-1).float() * self.inv_freq  # [b, t, hd/2]
        emb = torch.cat((freqs, freqs), dim=-1).unsqueeze(1)  # [b, 1, t, hd]
        cos, sin = emb.cos(), emb.sin()
        # causal mask over [past + current] keys, combined with the padding mask
        q_pos = torch.arange(t, device=input_ids.device).unsqueeze(1) + past_len
        k_pos = torch.arange(past_len + t, device=input_ids.device).unsqueeze(0)
        allowed = (k_pos <= q_pos).unsqueeze(0).unsqueeze(0)  # [1, 1, t, past+t]
        if attention_mask is not None:
            allowed = allowed & (attention_mask[:, None, None, :] > 0)
        mask = torch.zeros(allowed.shape, dtype=torch.float32, device=input_ids.device).masked_fill(~allowed, -1e9)
        x = dropout(self.embed_tokens(input_ids), self.dropout_p, self.training)
        presents, hidden, attentions = [], [], []
        for i, layer in enumerate(self.layers):
            pk, pv = past[i] if past is not None else (None, None)
            layer.self_attn.keep_probs = internals
            x, present = layer(x, cos, sin, mask, pk, pv)
            presents.append(present)
            if internals:
                hidden.append(x)
                attentions.append(layer.self_attn.last_probs)
                layer.self_attn.last_probs = None
        x = self.norm(x)
        # tied output projection; a 2-D F.linear exports as Gemm(transB=1) on the same
        # initializer as the embedding Gather, so the table is stored once in the ONNX file
        logits = F.linear(x.reshape(-1, x.shape[-1]), self.embed_tokens.weight).reshape(b, t, -1)
        return (logits, presents, hidden, attentions) if internals else (logits, presents)
