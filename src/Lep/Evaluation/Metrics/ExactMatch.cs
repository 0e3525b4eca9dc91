using System.Globalization;
using System.Text;
using Lep.Tokenization.Normalizers;

namespace Lep.Evaluation.Metrics;

/// <summary>
/// Exact match after normalisation. The rules, in order: Unicode NFKC; lower case (invariant culture); every run of
/// white space becomes one space; leading and trailing white space, punctuation (Unicode categories P*) and symbols
/// of the quote family are removed. "ё" stays distinct from "е". <see cref="Strict"/> only trims surrounding white space.
/// </summary>
internal static class ExactMatch
{
    private static readonly UnicodeNormalizer Nfkc = new(UnicodeForm.NFKC);

    public static string Normalize(string text)
    {
        string s = Nfkc.Normalize(text).ToLowerInvariant();
        var sb = new StringBuilder(s.Length);
        bool space = false;
        foreach (Rune r in s.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(r))
            {
                space = sb.Length > 0;
                continue;
            }
            if (space) sb.Append(' ');
            space = false;
            sb.Append(r.ToString());
        }
        string collapsed = sb.ToString();
        int start = 0, end = collapsed.Length;
        while (start < end && IsEdgeJunk(collapsed, start)) start++;
        while (end > start && IsEdgeJunk(collapsed, end - 1)) end--;
        return collapsed[start..end];
    }

    private static bool IsEdgeJunk(string s, int i)
    {
        char c = s[i];
        if (char.IsWhiteSpace(c)) return true;
        return CharUnicodeInfo.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => true,
            _ => false,
        };
    }

    /// <summary>1 when the normalised prediction equals any normalised reference, else 0.</summary>
    public static double Score(string prediction, IEnumerable<string> references)
    {
        string p = Normalize(prediction);
        return references.Any(r => Normalize(r) == p) ? 1.0 : 0.0;
    }

    /// <summary>1 when the prediction equals a reference character for character, ignoring surrounding white space.</summary>
    public static double Strict(string prediction, IEnumerable<string> references)
    {
        string p = prediction.Trim();
        return references.Any(r => r.Trim() == p) ? 1.0 : 0.0;
    }
}
