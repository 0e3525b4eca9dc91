using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>Replaces every match of a String or Regex pattern.</summary>
public sealed class Replace(Pattern pattern, string content) : INormalizer
{
    public Pattern Pattern { get; } = pattern;
    public string Content { get; } = content;
    public string Normalize(string text) => Pattern.Replace(text, Content);

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        Pattern.WriteJson(w, "pattern");
        w.WriteString("content", Content);
        w.WriteEndObject();
    }
}
