using Lep.Modeling;
using Lep.Tokenization;

namespace Lep.Evaluation.Metrics;

/// <summary>In-context copying of a plain language model: bits/char of passages alone and of their second copy.</summary>
/// <param name="Ratio">second copy / alone: ~1 means no copying at all, → 0 perfect copying</param>
internal sealed record CopyProbeResult(int Passages, double SingleBitsPerChar, double RepeatBitsPerChar, double Ratio);

/// <summary>
/// Measures whether a model looks back and copies: each passage P is scored once after BOS, then as the second half of
/// "P\nP" given the first. No instructions are involved, so base and instruct models are measured alike.
/// </summary>
internal static class CopyProbe
{
    public static CopyProbeResult Measure(LlamaForCausalLM lm, Tokenizer tokenizer, IEnumerable<string> passages)
    {
        var singles = new List<ScoringRequest>();
        var repeats = new List<ScoringRequest>();
        long chars = 0;
        foreach (string p in passages)
        {
            int[] alone = tokenizer.Encode(p, addSpecialTokens: true);
            int[] prefix = tokenizer.Encode(p + "\n", addSpecialTokens: true);
            int[] both = tokenizer.Encode(p + "\n" + p, addSpecialTokens: true);
            // Score only passages whose second copy starts on a token boundary (so both scores cover the same text).
            if (alone.Length < 2 || both.Length <= prefix.Length || !both.AsSpan(0, prefix.Length).SequenceEqual(prefix)) continue;
            if (both.Length > lm.Config.MaxPositionEmbeddings) continue;
            singles.Add(new ScoringRequest(alone[..1], alone[1..]));
            repeats.Add(new ScoringRequest(prefix, both[prefix.Length..]));
            chars += TextUnits.Characters(p);
        }
        if (singles.Count == 0) throw new ArgumentException("no passage could be scored (empty, or longer than the context)");
        double single = BitsPerCharacter.BitsPer(-LogLikelihood.Score(lm, singles).Sum(r => r.LogProb), chars);
        double repeat = BitsPerCharacter.BitsPer(-LogLikelihood.Score(lm, repeats).Sum(r => r.LogProb), chars);
        return new CopyProbeResult(singles.Count, single, repeat, repeat / single);
    }

    /// <summary>Probe passages from held-out documents: whole lines of 60–300 characters, the first of each document.</summary>
    public static IEnumerable<string> Passages(IEnumerable<string> documents, int count) =>
        documents.Select(d => d.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(l => l.Length is >= 60 and <= 300))
            .OfType<string>().Take(count);
}
