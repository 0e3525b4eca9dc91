using Lep.Formats.Checkpoint;
using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>Multi-head attention with grouped key/value heads, rotary positions and an optional KV cache.</summary>
internal sealed class Attention : nn.Module
{
    public readonly LinearLayer q_proj;
    public readonly LinearLayer k_proj;
    public readonly LinearLayer v_proj;
    public readonly LinearLayer o_proj;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int _layer;

    public Attention(ModelConfig config, int layer) : base(nameof(Attention))
    {
        _heads = config.NumHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _layer = layer;
        q_proj = new LinearLayer(config.HiddenSize, _heads * _headDim, config.QkvBias);
        k_proj = new LinearLayer(config.HiddenSize, _kvHeads * _headDim, config.QkvBias);
        v_proj = new LinearLayer(config.HiddenSize, _kvHeads * _headDim, config.QkvBias);
        o_proj = new LinearLayer(_heads * _headDim, config.HiddenSize, config.OutputProjBias);
        RegisterComponents();
    }

    /// <param name="x">[B, T, hidden]</param>
    /// <param name="mask">boolean [B or 1, 1, T, S] (true = may attend); null = plain causal attention, or — when
    /// <paramref name="cache"/> already holds a prefix and T = 1 — every cached position is visible.</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        bool singleStep = mask is null && t == 1 && cache is not null && cache.Length > 0;
        Tensor q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);
        Tensor k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        Tensor v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(_layer, k, v);
        int groups = _heads / _kvHeads;
        Tensor attended;
        if (singleStep)
        {
            // One new token sees the whole cache: fold the query heads of each key/value group into the query-length
            // axis instead of copying the cache `groups` times.
            attended = nn.functional.scaled_dot_product_attention(q.reshape(b, _kvHeads, groups, _headDim), k, v)
                .reshape(b, _heads, 1, _headDim);
        }
        else
        {
            if (groups > 1)
            {
                k = k.repeat_interleave(groups, dim: 1);
                v = v.repeat_interleave(groups, dim: 1);
            }
            attended = mask is null
                ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)
                : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
        }
        Tensor merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}

internal sealed class DecoderLayer : nn.Module
{
    public readonly RmsNorm input_layernorm;
    public readonly Attention self_attn;
    public readonly RmsNorm post_attention_layernorm;
    public readonly Mlp mlp;

    public DecoderLayer(ModelConfig config, int layer) : base(nameof(DecoderLayer))
    {
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        self_attn = new Attention(config, layer);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        mlp = new Mlp(config.HiddenSize, config.IntermediateSize, config.MlpBias);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        Tensor h = x + self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache);
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
