using System.Diagnostics;
using Lep.Evaluation.Metrics;
using Lep.Modeling;

namespace Lep.Evaluation.Running;

/// <summary>Generation speed of one model on fixed prompts (wall clock; kept out of the deterministic results).</summary>
public sealed record SpeedResult(string Model, int Prompts, int NewTokens, int Characters, double Seconds)
{
    /// <summary>New tokens per second of generation.</summary>
    public double TokensPerSecond => Seconds > 0 ? NewTokens / Seconds : 0;
    /// <summary>Characters of the decoded replies per second: the speed a user sees.</summary>
    public double CharsPerSecond => Seconds > 0 ? Characters / Seconds : 0;
    /// <summary>Characters per generated token (how much text the vocabulary packs in a token).</summary>
    public double CharsPerToken => NewTokens > 0 ? Characters / (double)NewTokens : 0;
}

/// <summary>
/// Every model gets the same prompts (each rendered in the model's own prompt style) and the same decoding settings:
/// greedy, exactly <c>tokens</c> new tokens (stop tokens ignored, so every model does the same number of decoding steps),
/// after one untimed warm-up. tokens/s = new tokens / seconds; chars/s = characters of the decoded replies / seconds —
/// the user-visible speed, where a vocabulary with more characters per token wins.
/// </summary>
internal static class SpeedBenchmark
{
    public static SpeedResult Run(EvalModel model, IReadOnlyList<string> prompts, int tokens, IProgress<double>? progress = null)
    {
        if (prompts.Count == 0) throw new ArgumentException("the speed benchmark needs at least one prompt");
        var options = new SamplingOptions { MaxNewTokens = tokens, Temperature = 0 };
        var encoded = prompts.Select(p => model.EncodePrompt(model.Formatter.Format([], p))).ToList();
        _ = Generation.Generate(model.Lm, encoded[0], options with { MaxNewTokens = Math.Min(4, tokens) }).ToList();
        int newTokens = 0, chars = 0;
        double seconds = 0;
        for (int i = 0; i < encoded.Count; i++)
        {
            var watch = Stopwatch.StartNew();
            List<int> ids = Generation.Generate(model.Lm, encoded[i], options).ToList();
            string text = model.Tokenizer.Decode(ids, skipSpecialTokens: true);
            watch.Stop();
            seconds += watch.Elapsed.TotalSeconds;
            newTokens += ids.Count;
            chars += TextUnits.Characters(text);
            progress?.Report((i + 1) / (double)encoded.Count);
        }
        return new SpeedResult(model.Name, prompts.Count, newTokens, chars, seconds);
    }
}
