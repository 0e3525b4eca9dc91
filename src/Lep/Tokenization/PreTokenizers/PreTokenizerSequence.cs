using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

/// <summary>Applies pre-tokenizers in order, each to every piece the previous one produced.</summary>
internal sealed class PreTokenizerSequence(IReadOnlyList<IPreTokenizer> preTokenizers) : IPreTokenizer
{
    public IReadOnlyList<IPreTokenizer> PreTokenizers { get; } = preTokenizers;

    public void Split(string text, bool atStart, List<Split> output)
    {
        var cur = new List<Split> { new(text, atStart) };
        foreach (var p in PreTokenizers)
        {
            var next = new List<Split>(cur.Count * 2);
            foreach (var s in cur) p.Split(s.Text, s.AtStart, next);
            cur = next;
        }
        output.AddRange(cur);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        foreach (var p in PreTokenizers) p.WriteJson(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
