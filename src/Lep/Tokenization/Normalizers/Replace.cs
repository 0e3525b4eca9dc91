using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>Replaces every match of a String or Regex pattern.</summary>
internal sealed class Replace(Pattern pattern, string content) : INormalizer
{
    public Pattern Pattern { get; } = pattern;
    public string Content { get; } = content;
    public string Normalize(string text) => Pattern.Replace(text, Content);

    public bool KeepsStart(string text)
    {
        if (Content.Length > 0) return true;
        var ms = new List<(int, int)>();
        Pattern.FindMatches(text, ms);
        return ms.Count == 0 || ms[0].Item1 != 0 || ms[0].Item2 == 0;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        Pattern.WriteJson(w, "pattern");
        w.WriteString("content", Content);
        w.WriteEndObject();
    }
}
