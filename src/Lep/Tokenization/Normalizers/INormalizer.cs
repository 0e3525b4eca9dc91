using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>A tokenizer.json normalizer: text in, normalized text out.</summary>
internal interface INormalizer
{
    string Normalize(string text);

    /// <summary>Whether the first character of the normalized text still comes from offset 0 of
    /// <paramref name="text"/> (false when the normalizer deletes leading characters, e.g. Strip). Metaspace's
    /// prepend_scheme "first" depends on it.</summary>
    bool KeepsStart(string text) => true;
    void WriteJson(Utf8JsonWriter w);
}
