using System.Text;
using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>Per code point lowercase (Rust <c>char::to_lowercase</c>; U+0130 becomes "i̇").</summary>
internal sealed class Lowercase : INormalizer
{
    public string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var r in text.EnumerateRunes())
        {
            if (r.Value == 0x130) { sb.Append("i\u0307"); continue; }
            sb.Append(Rune.ToLowerInvariant(r).ToString());
        }
        return sb.ToString();
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Lowercase");
        w.WriteEndObject();
    }
}
