using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>Strips Unicode whitespace on the left and/or right.</summary>
internal sealed class Strip(bool left, bool right) : INormalizer
{
    public bool Left { get; } = left;
    public bool Right { get; } = right;

    public string Normalize(string text)
    {
        int s = 0, e = text.Length;
        if (Left)
            while (s < e) { int c = UnicodeProps.CodePointAt(text, s, out int l); if (!UnicodeProps.IsWhitespace(c)) break; s += l; }
        if (Right)
            while (e > s) { int c = UnicodeProps.CodePointBefore(text, e, out int l); if (!UnicodeProps.IsWhitespace(c)) break; e -= l; }
        return text.Substring(s, e - s);
    }

    public bool KeepsStart(string text) =>
        !Left || text.Length == 0 || !UnicodeProps.IsWhitespace(UnicodeProps.CodePointAt(text, 0, out _));

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Strip");
        w.WriteBoolean("strip_left", Left);
        w.WriteBoolean("strip_right", Right);
        w.WriteEndObject();
    }
}
