using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

internal enum PrependScheme { Always, First, Never }

/// <summary>SentencePiece-style: spaces become the replacement character (▁), which is optionally prepended, and
/// the text is split before each replacement character.</summary>
internal sealed class Metaspace(char replacement, PrependScheme prependScheme, bool split) : IPreTokenizer
{
    public char Replacement { get; } = replacement;
    public PrependScheme PrependScheme { get; } = prependScheme;
    public bool SplitOnReplacement { get; } = split;

    public void Split(string text, bool atStart, List<Split> output)
    {
        text = text.Replace(' ', Replacement);
        if (PrependScheme == PrependScheme.Always || (PrependScheme == PrependScheme.First && atStart))
            if (!text.StartsWith(Replacement)) text = Replacement + text;
        if (!SplitOnReplacement)
        {
            if (text.Length > 0) output.Add(new Split(text, atStart));
            return;
        }
        var matches = new List<(int, int)>();
        for (int i = 0; i < text.Length; i++) if (text[i] == Replacement) matches.Add((i, i + 1));
        Splitting.Apply(text, atStart, matches, false, SplitBehavior.MergedWithNext, output);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Metaspace");
        w.WriteString("replacement", Replacement.ToString());
        w.WriteString("prepend_scheme", PrependScheme.ToString().ToLowerInvariant());
        w.WriteBoolean("split", SplitOnReplacement);
        w.WriteEndObject();
    }

    internal static PrependScheme ReadScheme(JsonElement e)
    {
        var s = Json.Str(e, "prepend_scheme");
        if (s != null)
            return s switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                _ => throw Json.Bad($"unknown prepend_scheme \"{s}\""),
            };
        return Json.Bool(e, "add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never;
    }

    internal static char ReadReplacement(JsonElement e)
    {
        var r = Json.Str(e, "replacement") ?? "\u2581";
        if (r.Length != 1) throw Json.Bad("Metaspace replacement must be one character");
        return r[0];
    }
}
