namespace Lep.Evaluation.Metrics;

/// <summary>
/// chrF as sacreBLEU computes it (defaults: character n-grams of order 1..6, β = 2, white space removed, no word
/// n-grams, no eps smoothing): per order, clipped n-gram matches give precision and recall; precision and recall are
/// averaged over the orders where both sides have n-grams; the score is the F-β of the averages, × 100. A corpus score
/// sums the statistics of all sentences first. With several references, a sentence uses the best-scoring one.
/// </summary>
internal static class ChrF
{
    public const int Order = 6;
    public const double Beta = 2.0;

    /// <summary>Per order n (0-based): [hyp n-grams, ref n-grams, matches] → 3·Order numbers.</summary>
    public static long[] Statistics(string hypothesis, string reference)
    {
        int[] h = StripWhitespace(hypothesis), r = StripWhitespace(reference);
        var stats = new long[3 * Order];
        for (int n = 1; n <= Order; n++)
        {
            var hc = NGrams(h, n);
            var rc = NGrams(r, n);
            long match = 0;
            foreach (var (gram, count) in hc)
            {
                if (rc.TryGetValue(gram, out int rcount)) match += Math.Min(count, rcount);
            }
            stats[3 * (n - 1)] = Math.Max(0, h.Length - n + 1);
            stats[3 * (n - 1) + 1] = Math.Max(0, r.Length - n + 1);
            stats[3 * (n - 1) + 2] = match;
        }
        return stats;
    }

    /// <summary>Statistics against the reference that gives the best sentence score (sacreBLEU's multi-reference rule).</summary>
    public static long[] Statistics(string hypothesis, IReadOnlyList<string> references)
    {
        long[]? best = null;
        double bestScore = -1;
        foreach (string r in references)
        {
            long[] s = Statistics(hypothesis, r);
            double score = FromStatistics(s);
            if (score > bestScore) { best = s; bestScore = score; }
        }
        return best ?? throw new ArgumentException("chrF needs at least one reference");
    }

    public static double FromStatistics(IReadOnlyList<long> stats)
    {
        double precision = 0, recall = 0;
        int effective = 0;
        for (int i = 0; i < Order; i++)
        {
            long hyp = stats[3 * i], refs = stats[3 * i + 1], match = stats[3 * i + 2];
            if (hyp > 0 && refs > 0)
            {
                precision += (double)match / hyp;
                recall += (double)match / refs;
                effective++;
            }
        }
        if (effective == 0) return 0;
        precision /= effective;
        recall /= effective;
        if (precision + recall == 0) return 0;
        double b2 = Beta * Beta;
        return 100 * (1 + b2) * precision * recall / (b2 * precision + recall);
    }

    public static double Sentence(string hypothesis, params string[] references) => FromStatistics(Statistics(hypothesis, references));

    public static double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        if (hypotheses.Count != references.Count) throw new ArgumentException("hypotheses and references differ in number");
        var total = new long[3 * Order];
        for (int i = 0; i < hypotheses.Count; i++)
        {
            long[] s = Statistics(hypotheses[i], references[i]);
            for (int j = 0; j < total.Length; j++) total[j] += s[j];
        }
        return FromStatistics(total);
    }

    private static int[] StripWhitespace(string text) =>
        TextUnits.CodePoints(text).Where(c => !System.Text.Rune.IsWhiteSpace(new System.Text.Rune(c))).ToArray();

    private static Dictionary<string, int> NGrams(int[] s, int n)
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i + n <= s.Length; i++)
        {
            string key = string.Join(',', s.AsSpan(i, n).ToArray());
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }
}
