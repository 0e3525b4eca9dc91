using System.Text.RegularExpressions;
using Lep.Data.Corpus;

namespace Lep.Data.Tasks;

/// <summary>Rough sentence splitting for task generation; a null entry marks a break (heading, list item, …).</summary>
internal static partial class Sentences
{
    /// <summary>Joins wrapped lines (the next starts in lower case), then splits at . ! ? … followed by a capital.</summary>
    public static List<string?> Split(IReadOnlyList<string> lines)
    {
        var paragraphs = new List<string>();
        foreach (string line in lines)
        {
            if (paragraphs.Count > 0 && !EndsSentence(paragraphs[^1]) && line.Length > 0 && char.IsLower(line[0]))
                paragraphs[^1] += " " + line;
            else
                paragraphs.Add(line);
        }
        var result = new List<string?>();
        foreach (string p in paragraphs)
        {
            foreach (string s in BoundaryRegex().Split(p))
            {
                string t = s.Trim();
                if (t.Length == 0) continue;
                result.Add(EndsSentence(t) ? t : null);
            }
            result.Add(null);
        }
        return result;
    }

    public static bool EndsSentence(string s)
    {
        if (s.Length == 0) return false;
        char last = s[^1];
        if (last is '.' or '!' or '?' or '…') return true;
        return last is '»' or '"' or '”' && s.Length >= 2 && s[^2] is '.' or '!' or '?' or '…';
    }

    public static int WordCount(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>A clean sentence: capitalised, 4–<paramref name="maxWords"/> words, mostly letters, in the language.</summary>
    public static bool IsGood(string? s, string lang, int maxWords)
    {
        if (s is null || s.Length < 20 || s.Length > 240 || !char.IsUpper(s[0])) return false;
        int words = WordCount(s);
        if (words < 4 || words > maxWords) return false;
        if (!CorpusFilters.HasEnoughLetters(s)) return false;
        if (s.Contains('\t') || s.Contains("http", StringComparison.Ordinal) || s.Contains("--", StringComparison.Ordinal)) return false;
        return lang == "ru" ? CorpusFilters.IsMostlyCyrillic(s) : !s.Any(TextTools.IsCyrillic);
    }

    [GeneratedRegex(@"(?<=[.!?…])\s+(?=[\p{Lu}«""„])")]
    private static partial Regex BoundaryRegex();
}
