"""A Llama-family causal LM (Llama, Mistral, Qwen2) equal to lep's (src/Lep/Modeling): RMSNorm in fp32, rotary
positions with HF's rotate-half layout (incl. "linear" and Llama-3.1 "llama3" scaling), grouped key/value heads,
SwiGLU, optional biases, tied or untied head, head_dim from config. Embedding and head are fp32 parameters; the
frozen layers are plain tensors in `layer_dtype` (bf16 on GPU, fp32 on CPU where bf16 matmuls are slow)."""
import json
import math
import os

import torch
import torch.nn.functional as F

from safetensors_io import InputError, SafetensorsFile

ARCHITECTURES = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"}
EMBED = "model.embed_tokens.weight"
HEAD = "lm_head.weight"


class Config:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        self.json = j
        arch = (j.get("architectures") or [None])[0]
        if arch is None:
            arch = {"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"}.get(j.get("model_type"))
        if arch not in ARCHITECTURES:
            raise InputError(path, f"unsupported architecture '{arch}'")
        self.hidden = j["hidden_size"]
        self.intermediate = j["intermediate_size"]
        self.layers = j["num_hidden_layers"]
        self.heads = j["num_attention_heads"]
        self.kv_heads = j.get("num_key_value_heads") or self.heads
        self.head_dim = j.get("head_dim") or self.hidden // self.heads
        self.vocab = j["vocab_size"]
        self.eps = j.get("rms_norm_eps", 1e-6)
        self.theta = j.get("rope_theta", 10000.0)
        self.tied = bool(j.get("tie_word_embeddings", False))
        attention_bias = bool(j.get("attention_bias", False))
        self.qkv_bias = arch == "Qwen2ForCausalLM" or attention_bias
        self.o_bias = arch != "Qwen2ForCausalLM" and attention_bias
        self.mlp_bias = bool(j.get("mlp_bias", False))
        if j.get("hidden_act", "silu") != "silu":
            raise InputError(path, f"unsupported hidden_act '{j.get('hidden_act')}' (only silu)")
        self.rope_scaling = j.get("rope_scaling")


def inverse_frequencies(head_dim, theta, scaling):
    """inv_freq as lep and transformers compute it: float32 powers, then the scaling rule in double precision."""
    exponents = torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim
    inv = (1.0 / torch.tensor(theta, dtype=torch.float32) ** exponents).tolist()
    kind = (scaling or {}).get("rope_type") or (scaling or {}).get("type") or "default"
    if kind == "linear":
        inv = [f / scaling["factor"] for f in inv]
    elif kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        original = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = original / low, original / high
        scaled = []
        for f in inv:
            wavelen = 2 * math.pi / f
            if wavelen > low_wavelen:
                f = f / factor
            elif wavelen >= high_wavelen:
                smooth = (original / wavelen - low) / (high - low)
                f = (1 - smooth) * f / factor + smooth * f
            scaled.append(f)
        inv = scaled
    elif kind != "default":
        raise ValueError(f"unsupported rope_scaling type '{kind}' (supported: linear, llama3)")
    return torch.tensor(inv, dtype=torch.float32)


def rms_norm(x, weight, eps):
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return weight * h.to(x.dtype)


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


_sdpa = getattr(F, "scaled_dot_product_attention", None)  # torch ≥ 2.0; 1.13 takes the explicit path


def attend(q, k, v, mask):
    """softmax(q·kᵀ/√d + mask)·v with a boolean mask [B, 1, T, T] (true = may attend)."""
    if _sdpa is not None:
        return _sdpa(q, k, v, attn_mask=mask)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~mask, float("-inf"))
    return torch.matmul(torch.softmax(scores.float(), dim=-1).to(q.dtype), v)


def packed_mask(positions):
    """Block-diagonal causal mask from per-document positions [B, T]: a document starts where its position is 0."""
    docs = torch.cumsum((positions == 0).to(torch.int64), dim=1)
    t = positions.shape[1]
    causal = torch.ones(t, t, dtype=torch.bool, device=positions.device).tril()
    return (docs.unsqueeze(2) == docs.unsqueeze(1)).logical_and(causal).unsqueeze(1)


class Llama(torch.nn.Module):
    """Trainable: embed (and head, when untied) as fp32 Parameters; every other weight a frozen buffer."""

    def __init__(self, config, device, layer_dtype):
        super().__init__()
        self.config = config
        self.device = device
        self.layer_dtype = layer_dtype
        self.embed = torch.nn.Parameter(torch.empty(config.vocab, config.hidden, device=device))
        self.head = None if config.tied else torch.nn.Parameter(torch.empty(config.vocab, config.hidden, device=device))
        self.frozen = {}
        self.register_buffer("inv_freq", inverse_frequencies(config.head_dim, config.theta, config.rope_scaling).to(device), persistent=False)
        self.checkpoint_layers = False

    def trainable(self):
        """(HF name, parameter) of what the embeddings trainable set updates (tied: the one shared matrix)."""
        return [(EMBED, self.embed)] + ([] if self.head is None else [(HEAD, self.head)])

    def layer(self, x, i, cos, sin, mask):
        c, w = self.config, self.frozen
        p = f"model.layers.{i}."

        def linear(h, name, bias):
            return F.linear(h, w[p + name + ".weight"], w[p + name + ".bias"] if bias else None)

        b, t, _ = x.shape
        h = rms_norm(x, w[p + "input_layernorm.weight"], c.eps)
        q = linear(h, "self_attn.q_proj", c.qkv_bias).view(b, t, c.heads, c.head_dim).transpose(1, 2)
        k = linear(h, "self_attn.k_proj", c.qkv_bias).view(b, t, c.kv_heads, c.head_dim).transpose(1, 2)
        v = linear(h, "self_attn.v_proj", c.qkv_bias).view(b, t, c.kv_heads, c.head_dim).transpose(1, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        groups = c.heads // c.kv_heads
        if groups > 1:
            k = k.repeat_interleave(groups, dim=1)
            v = v.repeat_interleave(groups, dim=1)
        a = attend(q, k, v, mask).transpose(1, 2).reshape(b, t, c.heads * c.head_dim)
        x = x + linear(a, "self_attn.o_proj", c.o_bias)
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], c.eps)
        m = F.silu(linear(h, "mlp.gate_proj", c.mlp_bias)) * linear(h, "mlp.up_proj", c.mlp_bias)
        return x + linear(m, "mlp.down_proj", c.mlp_bias)

    def forward(self, ids, positions):
        """Logits [B, T, V] in fp32 for token ids and per-document positions, both [B, T] int64."""
        freqs = positions.float().unsqueeze(-1) * self.inv_freq
        emb = torch.cat([freqs, freqs], -1).unsqueeze(1)
        cos, sin = emb.cos().to(self.layer_dtype), emb.sin().to(self.layer_dtype)
        mask = packed_mask(positions)
        x = F.embedding(ids, self.embed).to(self.layer_dtype)
        for i in range(self.config.layers):
            if self.checkpoint_layers and x.requires_grad:
                x = _checkpoint(self.layer, x, i, cos, sin, mask)
            else:
                x = self.layer(x, i, cos, sin, mask)
        x = rms_norm(x, self.frozen["model.norm.weight"], self.config.eps)
        return F.linear(x.float(), self.embed if self.head is None else self.head)


def _checkpoint(fn, *args):
    from torch.utils.checkpoint import checkpoint
    return checkpoint(fn, *args, use_reentrant=False)


class Checkpoint:
    """The tensors of an HF dir (model.safetensors, or shards + model.safetensors.index.json), by name."""

    def __init__(self, directory):
        index = os.path.join(directory, "model.safetensors.index.json")
        single = os.path.join(directory, "model.safetensors")
        if os.path.exists(index):
            with open(index, encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
            files = {name: SafetensorsFile(os.path.join(directory, name)) for name in sorted(set(weight_map.values()))}
            self.where = {name: files[file] for name, file in weight_map.items()}
        elif os.path.exists(single):
            f = SafetensorsFile(single)
            self.where = {name: f for name in f.names()}
        else:
            raise InputError(directory, "no model.safetensors or model.safetensors.index.json")
        self.directory = directory

    def names(self):
        return list(self.where)

    def tensor(self, name):
        if name not in self.where:
            raise InputError(self.directory, f"checkpoint lacks tensor '{name}'")
        return self.where[name].tensor(name)

    def shape(self, name):
        return self.where[name].infos[name][1]


def expected_shapes(c):
    shapes = {EMBED: [c.vocab, c.hidden], "model.norm.weight": [c.hidden]}
    if not c.tied:
        shapes[HEAD] = [c.vocab, c.hidden]
    q, kv = c.heads * c.head_dim, c.kv_heads * c.head_dim
    for i in range(c.layers):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = [c.hidden]
        shapes[p + "post_attention_layernorm.weight"] = [c.hidden]
        for name, out, inp, bias in [("self_attn.q_proj", q, c.hidden, c.qkv_bias), ("self_attn.k_proj", kv, c.hidden, c.qkv_bias),
                                     ("self_attn.v_proj", kv, c.hidden, c.qkv_bias), ("self_attn.o_proj", c.hidden, q, c.o_bias),
                                     ("mlp.gate_proj", c.intermediate, c.hidden, c.mlp_bias), ("mlp.up_proj", c.intermediate, c.hidden, c.mlp_bias),
                                     ("mlp.down_proj", c.hidden, c.intermediate, c.mlp_bias)]:
            shapes[p + name + ".weight"] = [out, inp]
            if bias:
                shapes[p + name + ".bias"] = [out]
    return shapes


def load(directory, device, layer_dtype):
    """The model of an HF dir: trainable matrices in fp32, frozen tensors in layer_dtype, all on device."""
    config = Config(os.path.join(directory, "config.json"))
    weights = Checkpoint(directory)
    model = Llama(config, device, layer_dtype)
    shapes = expected_shapes(config)
    for name in weights.names():
        if name not in shapes and not (config.tied and name == HEAD) and not name.endswith("rotary_emb.inv_freq"):
            raise InputError(directory, f"unexpected tensor '{name}' for this config")
    with torch.no_grad():
        for name, shape in shapes.items():
            t = weights.tensor(name)
            if list(t.shape) != shape:
                raise InputError(directory, f"tensor '{name}' has shape {list(t.shape)}, config.json implies {shape}")
            if name == EMBED:
                model.embed.copy_(t.float())
            elif name == HEAD:
                model.head.copy_(t.float())
            else:
                model.frozen[name] = t.to(device=device, dtype=layer_dtype)
    return model, weights
