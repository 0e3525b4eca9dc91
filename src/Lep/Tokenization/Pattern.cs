using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lep.Tokenization;

/// <summary>
/// A <c>{"String": ...}</c> or <c>{"Regex": ...}</c> pattern as used by Split, Replace normalizer and Replace decoder.
/// Regexes are Oniguruma patterns in HF; .NET semantics are made to agree:
/// culture-invariant matching, and astral code points (UTF-16 surrogate pairs) are matched as single characters by
/// running the regex on a copy where each astral code point is replaced by a BMP stand-in of the same general
/// category (so <c>\p{L}</c>, <c>\p{N}</c>, <c>\s</c>, <c>\w</c> classify it as Oniguruma does).
/// </summary>
internal sealed class Pattern
{
    public bool IsRegex { get; }
    public string Source { get; }
    private readonly Regex? _regex;
    /// <summary>The tokenizer.json the pattern came from; null for the built-in patterns.</summary>
    private readonly string? _file;

    /// <summary>A pattern read from a file is untrusted: one that backtracks catastrophically (<c>(a+)+b</c>) would
    /// hang encoding, so each match gets this long before the file is reported as bad. The timeout is wall-clock and
    /// includes compiling the regex on first use, so it is generous: a 2 s limit fired on the Llama-3 pattern's first
    /// 1-character match on a machine running 40 processes per core pair.</summary>
    public static readonly TimeSpan FileMatchTimeout = TimeSpan.FromSeconds(30);

    public Pattern(string source, bool isRegex)
    {
        Source = source;
        IsRegex = isRegex;
        _file = Json.CurrentPath;
        if (isRegex)
        {
            try
            {
                _regex = new Regex(source, RegexOptions.CultureInvariant | RegexOptions.Compiled, _file is null ? Regex.InfiniteMatchTimeout : FileMatchTimeout);
            }
            catch (ArgumentException e)
            {
                throw Json.Bad($"invalid regex pattern '{source}': {e.Message}");
            }
        }
    }

    internal static Pattern FromJson(JsonElement e, string what)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            if (Json.Has(e, "Regex", out var r) && r.ValueKind == JsonValueKind.String) return new Pattern(r.GetString()!, true);
            if (Json.Has(e, "String", out var s) && s.ValueKind == JsonValueKind.String) return new Pattern(s.GetString()!, false);
        }
        throw Json.Bad($"{what}: pattern must be {{\"String\": ...}} or {{\"Regex\": ...}}");
    }

    internal void WriteJson(Utf8JsonWriter w, string name)
    {
        w.WritePropertyName(name);
        w.WriteStartObject();
        w.WriteString(IsRegex ? "Regex" : "String", Source);
        w.WriteEndObject();
    }

    /// <summary>Appends the non-overlapping matches (start, end) in UTF-16 indices, left to right.</summary>
    public void FindMatches(string text, List<(int Start, int End)> matches)
    {
        try
        {
            CollectMatches(text, matches);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new LepInputException(_file ?? "<tokenizer.json>",
                $"the pattern '{Source}' took over {FileMatchTimeout.TotalSeconds:0} s on a {text.Length}-character piece (catastrophic backtracking); fix the pattern");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void CollectMatches(string text, List<(int Start, int End)> matches)
    {
        if (text.Length == 0) return;
        if (!IsRegex)
        {
            if (Source.Length == 0) return;
            int pos = 0;
            while (pos <= text.Length - Source.Length)
            {
                int i = text.IndexOf(Source, pos, StringComparison.Ordinal);
                if (i < 0) break;
                matches.Add((i, i + Source.Length));
                pos = i + Source.Length;
            }
            return;
        }

        int firstSurrogate = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (firstSurrogate < 0)
        {
            for (Match m = _regex!.Match(text); m.Success; m = m.NextMatch())
                matches.Add((m.Index, m.Index + m.Length));
            return;
        }

        // Map each code point to one UTF-16 unit; keep where each mapped index starts in the original text.
        var mapped = new char[text.Length];
        var origIndex = new int[text.Length + 1];
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            origIndex[n] = i;
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                mapped[n++] = StandIn(char.ConvertToUtf32(c, text[i + 1]));
                i++;
            }
            else mapped[n++] = char.IsSurrogate(c) ? '\uFFFD' : c;
        }
        origIndex[n] = text.Length;
        string m2 = new string(mapped, 0, n);
        for (Match m = _regex!.Match(m2); m.Success; m = m.NextMatch())
            matches.Add((origIndex[m.Index], origIndex[m.Index + m.Length]));
    }

    /// <summary>A BMP character with the same general category as an astral code point.</summary>
    internal static char StandIn(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
    {
        UnicodeCategory.UppercaseLetter => '\u00C0',
        UnicodeCategory.LowercaseLetter => '\u00DF',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u4E00',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00B6',
        UnicodeCategory.MathSymbol => '\u00AC',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u00B4',
        UnicodeCategory.OtherSymbol => '\u00A9',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378', // unassigned
    };

    /// <summary>Replaces every match with <paramref name="content"/>.</summary>
    public string Replace(string text, string content)
    {
        var ms = new List<(int, int)>();
        FindMatches(text, ms);
        if (ms.Count == 0) return text;
        var sb = new System.Text.StringBuilder(text.Length);
        int prev = 0;
        foreach (var (s, e) in ms)
        {
            sb.Append(text, prev, s - prev).Append(content);
            prev = e;
        }
        sb.Append(text, prev, text.Length - prev);
        return sb.ToString();
    }
}
