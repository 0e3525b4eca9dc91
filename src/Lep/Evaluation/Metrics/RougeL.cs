using System.Text;

namespace Lep.Evaluation.Metrics;

/// <summary>
/// ROUGE-L (Lin 2004) as Google's rouge_score computes it for one pair, but with Unicode-aware tokens (rouge_score's
/// default tokenizer keeps only [a-z0-9], which erases Cyrillic): lower case, tokens = maximal runs of letters and digits.
/// P = LCS / |prediction|, R = LCS / |reference|, F = 2PR / (P + R). With several references the best F counts.
/// </summary>
internal static class RougeL
{
    public readonly record struct Score(double Precision, double Recall, double F);

    public static IReadOnlyList<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (Rune r in text.ToLowerInvariant().EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(r)) current.Append(r.ToString());
            else if (current.Length > 0) { tokens.Add(current.ToString()); current.Clear(); }
        }
        if (current.Length > 0) tokens.Add(current.ToString());
        return tokens;
    }

    public static Score Compute(string prediction, string reference)
    {
        var p = Tokenize(prediction);
        var r = Tokenize(reference);
        if (p.Count == 0 || r.Count == 0) return new Score(0, 0, 0);
        int lcs = Lcs(p, r);
        double precision = (double)lcs / p.Count, recall = (double)lcs / r.Count;
        double f = lcs == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Score(precision, recall, f);
    }

    public static double Best(string prediction, IEnumerable<string> references) =>
        references.Select(r => Compute(prediction, r).F).DefaultIfEmpty(0).Max();

    private static int Lcs(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var prev = new int[b.Count + 1];
        var cur = new int[b.Count + 1];
        for (int i = 1; i <= a.Count; i++)
        {
            for (int j = 1; j <= b.Count; j++)
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : Math.Max(prev[j], cur[j - 1]);
            (prev, cur) = (cur, prev);
        }
        return prev[b.Count];
    }
}
