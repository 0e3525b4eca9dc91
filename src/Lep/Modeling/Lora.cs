using Lep.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>
/// Low-rank adapters (Hu et al. 2021): a projection y = x·Wᵀ becomes y = x·Wᵀ + (alpha/r)·(x·Aᵀ)·Bᵀ with A [r, in]
/// and B [out, r]; W stays frozen. B starts at zero, so a fresh adapter leaves the model's function unchanged.
/// </summary>
public sealed record LoraOptions
{
    /// <summary>The projections that may carry an adapter (HF module names inside a decoder layer).</summary>
    public static readonly IReadOnlyList<string> KnownTargets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>r: the rank of each adapter.</summary>
    public int Rank { get; init; } = LoraSchema.Rank.Default;
    /// <summary>alpha: the adapters' output is scaled by alpha / r.</summary>
    public double Alpha { get; init; } = LoraSchema.Alpha.Default;
    /// <summary>Module names (from <see cref="KnownTargets"/>) that get an adapter; default all of them.</summary>
    public IReadOnlyList<string> Targets { get; init; } = ParseTargets(LoraSchema.Targets.Default);
    /// <summary>Train embed_tokens and lm_head fully alongside the adapters (the new vocabulary's rows move too).</summary>
    public bool TrainEmbeddings { get; init; } = LoraSchema.Embeddings.Default;

    /// <summary>alpha / r, the factor on each adapter's output.</summary>
    public double Scale => Alpha / Rank;

    /// <summary>Throws <see cref="OptionException"/> naming the <see cref="LoraSchema"/> option at fault.</summary>
    public void Validate()
    {
        LoraSchema.Rank.Require(Rank);
        LoraSchema.Alpha.Require(Alpha);
        if (TargetsProblem(Targets) is string problem) throw new OptionException(LoraSchema.Targets, $"{problem}");
    }

    /// <summary>Null when <paramref name="targets"/> are known projections, at least one, none twice; else what is wrong.</summary>
    public static string? TargetsProblem(IReadOnlyList<string> targets)
    {
        if (targets.Count == 0) return "needs at least one target module";
        foreach (string t in targets)
            if (!KnownTargets.Contains(t)) return $"'{t}' is not a projection (expected some of {string.Join(", ", KnownTargets)}, or all)";
        return targets.Distinct().Count() != targets.Count ? "lists a target twice" : null;
    }

    /// <summary>Parses "q_proj,v_proj" (commas or spaces); "all" = every known target.</summary>
    public static IReadOnlyList<string> ParseTargets(string text)
    {
        string[] parts = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts is ["all"] ? KnownTargets : parts;
    }
}

/// <summary>The two low-rank factors of one projection and their scale; not registered as module parameters, so the
/// model's HF parameter list (what is loaded and saved) never contains them.</summary>
internal sealed class LoraAdapter : IDisposable
{
    /// <summary>[r, in], drawn from U(−1/√in, 1/√in) (the Kaiming-uniform bound PEFT uses).</summary>
    public Parameter A { get; }
    /// <summary>[out, r], zeros.</summary>
    public Parameter B { get; }
    public double Scale { get; }

    /// <param name="generator">a CPU generator: A is drawn on the CPU (the same numbers on every device), then moved</param>
    public LoraAdapter(long inFeatures, long outFeatures, int rank, double scale, Generator generator, Device device)
    {
        double bound = 1.0 / Math.Sqrt(inFeatures);
        using (no_grad())
        {
            Tensor a = empty(rank, inFeatures).uniform_(-bound, bound, generator);
            if (device.type != DeviceType.CPU)
            {
                using Tensor cpu = a;
                a = cpu.to(device);
            }
            A = new Parameter(a);
        }
        B = new Parameter(zeros(outFeatures, rank, device: device));
        Scale = scale;
    }

    /// <summary>(alpha/r)·(x·Aᵀ)·Bᵀ</summary>
    public Tensor Delta(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (nn.functional.linear(nn.functional.linear(x, A), B) * Scale).MoveToOuterDisposeScope();
    }

    /// <summary>(alpha/r)·B·A [out, in]: what merging adds to the weight.</summary>
    public Tensor DeltaWeight()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return (matmul(B, A) * Scale).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
