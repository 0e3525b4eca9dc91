using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>
/// y = x·Wᵀ (+ b), plus an optional LoRA adapter's (alpha/r)·(x·Aᵀ)·Bᵀ. Parameters are allocated uninitialised: weights
/// come from a checkpoint or <see cref="LlamaForCausalLM.InitializeRandom"/>.
/// </summary>
internal sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter? bias;

    /// <summary>The attached adapter, if any (see <see cref="AttachLora"/>).</summary>
    public LoraAdapter? Lora { get; private set; }

    public LinearLayer(long inFeatures, long outFeatures, bool hasBias) : base(nameof(LinearLayer))
    {
        weight = new Parameter(empty(outFeatures, inFeatures));
        if (hasBias) bias = new Parameter(zeros(outFeatures));
        RegisterComponents();
    }

    public long InFeatures => weight.shape[1];
    public long OutFeatures => weight.shape[0];

    public override Tensor forward(Tensor x)
    {
        if (Lora is null) return nn.functional.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        return (nn.functional.linear(x, weight, bias) + Lora.Delta(x)).MoveToOuterDisposeScope();
    }

    public LoraAdapter AttachLora(int rank, double scale, Generator generator)
    {
        if (Lora is not null) throw new InvalidOperationException("this layer already has a LoRA adapter");
        return Lora = new LoraAdapter(InFeatures, OutFeatures, rank, scale, generator, weight.device);
    }

    /// <summary>W += (alpha/r)·B·A, then drops the adapter (a no-op without one).</summary>
    public void MergeLora()
    {
        if (Lora is null) return;
        using (no_grad())
        using (Tensor delta = Lora.DeltaWeight())
        {
            weight.add_(delta.to_type(weight.dtype));
        }
        DropLora();
    }

    /// <summary>Removes the adapter without merging it.</summary>
    public void DropLora()
    {
        Lora?.Dispose();
        Lora = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DropLora();
        base.Dispose(disposing);
    }
}

/// <summary>HF LlamaRMSNorm: normalise in fp32, then scale by the weight.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(size));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor h = x.to_type(ScalarType.Float32);
        Tensor variance = h.pow(2).mean([-1], keepdim: true);
        h = h * rsqrt(variance + _eps);
        return (weight * h.to_type(x.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
    public readonly LinearLayer gate_proj;
    public readonly LinearLayer up_proj;
    public readonly LinearLayer down_proj;

    public Mlp(long hidden, long intermediate, bool bias) : base(nameof(Mlp))
    {
        gate_proj = new LinearLayer(hidden, intermediate, bias);
        up_proj = new LinearLayer(hidden, intermediate, bias);
        down_proj = new LinearLayer(intermediate, hidden, bias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x)).MoveToOuterDisposeScope();
    }
}
