using Lep.Options;

namespace Lep.Modeling;

/// <summary>Decoding settings. Temperature 0 is greedy; otherwise top-k (0 = off) then top-p (1 = off) sampling, seeded.</summary>
internal sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = GenerateSchema.MaxNewTokens.Default;
    public double Temperature { get; init; } = GenerateSchema.Temperature.Default;
    public int TopK { get; init; } = GenerateSchema.TopK.Default;
    public double TopP { get; init; } = GenerateSchema.TopP.Default;
    public long Seed { get; init; } = GenerateSchema.Seed.Default;
    public IReadOnlySet<int> StopTokens { get; init; } = new HashSet<int>();

    /// <summary>Throws <see cref="OptionException"/> naming the <see cref="GenerateSchema"/> option at fault.</summary>
    public void Validate()
    {
        GenerateSchema.MaxNewTokens.Require(MaxNewTokens);
        GenerateSchema.Temperature.Require(Temperature);
        GenerateSchema.TopK.Require(TopK);
        GenerateSchema.TopP.Require(TopP);
    }
}

/// <summary>Picks the next token from a logits row. Deterministic for a given seed on any device.</summary>
internal sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;

    public Sampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = new Random(unchecked((int)options.Seed ^ (int)(options.Seed >> 32)));
    }

    public int Next(ReadOnlySpan<float> logits)
    {
        if (_options.Temperature == 0) return ArgMax(logits);

        // Candidates sorted by logit, highest first (stable: ties keep the lower id first).
        int[] order = new int[logits.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        float[] keys = logits.ToArray();
        Array.Sort(keys.Select(k => -k).ToArray(), order);
        int count = _options.TopK > 0 ? Math.Min(_options.TopK, order.Length) : order.Length;

        double max = logits[order[0]];
        var probs = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            probs[i] = Math.Exp((logits[order[i]] - max) / _options.Temperature);
            sum += probs[i];
        }
        if (_options.TopP < 1.0)
        {
            double cumulative = 0;
            int keep = count;
            for (int i = 0; i < count; i++)
            {
                cumulative += probs[i] / sum;
                if (cumulative >= _options.TopP) { keep = i + 1; break; }
            }
            count = keep;
            sum = 0;
            for (int i = 0; i < count; i++) sum += probs[i];
        }
        double u = _random.NextDouble() * sum;
        for (int i = 0; i < count; i++)
        {
            u -= probs[i];
            if (u < 0) return order[i];
        }
        return order[count - 1];
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }
}
