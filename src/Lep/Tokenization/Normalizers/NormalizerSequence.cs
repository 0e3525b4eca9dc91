using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

/// <summary>Applies normalizers in order.</summary>
internal sealed class NormalizerSequence(IReadOnlyList<INormalizer> normalizers) : INormalizer
{
    public IReadOnlyList<INormalizer> Normalizers { get; } = normalizers;

    public string Normalize(string text)
    {
        for (int i = 0; i < Normalizers.Count; i++) text = Normalizers[i].Normalize(text);
        return text;
    }

    public bool KeepsStart(string text)
    {
        for (int i = 0; i < Normalizers.Count; i++)
        {
            if (!Normalizers[i].KeepsStart(text)) return false;
            text = Normalizers[i].Normalize(text);
        }
        return true;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Sequence");
        w.WriteStartArray("normalizers");
        foreach (var n in Normalizers) n.WriteJson(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
