using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

/// <summary>Splits on a String or Regex pattern with a delimiter behavior, optionally inverted.</summary>
internal sealed class SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public Pattern Pattern { get; } = pattern;
    public SplitBehavior Behavior { get; } = behavior;
    public bool Invert { get; } = invert;

    public void Split(string text, bool atStart, List<Split> output)
    {
        var matches = new List<(int, int)>();
        Pattern.FindMatches(text, matches);
        Splitting.Apply(text, atStart, matches, Invert, Behavior, output);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Split");
        Pattern.WriteJson(w, "pattern");
        w.WriteString("behavior", Behavior.ToString());
        w.WriteBoolean("invert", Invert);
        w.WriteEndObject();
    }
}
