using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>Prepends a string to non-empty text.</summary>
internal sealed class Prepend(string prepend) : INormalizer
{
    public string Value { get; } = prepend;
    public string Normalize(string text) => text.Length == 0 ? text : Value + text;

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Prepend");
        w.WriteString("prepend", Value);
        w.WriteEndObject();
    }
}
