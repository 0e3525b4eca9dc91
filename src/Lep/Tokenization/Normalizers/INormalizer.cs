using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>A tokenizer.json normalizer: text in, normalized text out.</summary>
public interface INormalizer
{
    string Normalize(string text);
    void WriteJson(Utf8JsonWriter w);
}
