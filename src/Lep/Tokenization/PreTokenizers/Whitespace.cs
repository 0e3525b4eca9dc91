using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

/// <summary>Keeps the matches of <c>\w+|[^\w\s]+</c> (Rust regex classes), drops the rest.</summary>
internal sealed class Whitespace : IPreTokenizer
{
    public void Split(string text, bool atStart, List<Split> output)
    {
        var matches = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            int c = UnicodeProps.CodePointAt(text, i, out int l);
            int kind = UnicodeProps.IsWordChar(c) ? 1 : UnicodeProps.IsWhitespace(c) ? 0 : 2;
            if (kind == 0) { i += l; continue; }
            int s = i;
            i += l;
            while (i < text.Length)
            {
                int d = UnicodeProps.CodePointAt(text, i, out int l2);
                int k2 = UnicodeProps.IsWordChar(d) ? 1 : UnicodeProps.IsWhitespace(d) ? 0 : 2;
                if (k2 != kind) break;
                i += l2;
            }
            matches.Add((s, i));
        }
        Splitting.Apply(text, atStart, matches, true, SplitBehavior.Removed, output);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Whitespace");
        w.WriteEndObject();
    }
}

/// <summary>Splits on Unicode whitespace, dropping it.</summary>
internal sealed class WhitespaceSplit : IPreTokenizer
{
    public void Split(string text, bool atStart, List<Split> output)
    {
        var matches = new List<(int, int)>();
        Splitting.CharMatches(text, UnicodeProps.IsWhitespace, matches);
        Splitting.Apply(text, atStart, matches, false, SplitBehavior.Removed, output);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "WhitespaceSplit");
        w.WriteEndObject();
    }
}

/// <summary>Splits on punctuation characters with the given behavior.</summary>
internal sealed class Punctuation(SplitBehavior behavior) : IPreTokenizer
{
    public SplitBehavior Behavior { get; } = behavior;

    public void Split(string text, bool atStart, List<Split> output)
    {
        var matches = new List<(int, int)>();
        Splitting.CharMatches(text, UnicodeProps.IsPunctuation, matches);
        Splitting.Apply(text, atStart, matches, false, Behavior, output);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Punctuation");
        w.WriteString("behavior", Behavior.ToString());
        w.WriteEndObject();
    }
}
