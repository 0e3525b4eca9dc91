using System.Text.Json;

namespace Lep.Data.Tasks;

/// <summary>
/// One task example. Generation tasks fill <see cref="Prompt"/> and <see cref="Answer"/>; multiple choice fills
/// <see cref="Question"/>, <see cref="Choices"/> and <see cref="AnswerIndex"/>. Schemas in docs/data.md.
/// </summary>
internal sealed record TaskRecord
{
    public required string Id { get; init; }
    public required string Kind { get; init; }
    /// <summary>Language of the instruction ("en" or "ru").</summary>
    public required string Lang { get; init; }
    /// <summary>Language of the text the task is about (for translation: the source word's language).</summary>
    public required string TextLang { get; init; }
    public string? Prompt { get; init; }
    public string? Answer { get; init; }
    public IReadOnlyList<string>? Accept { get; init; }
    public string? Question { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }
    public int AnswerIndex { get; init; } = -1;
    public required string Source { get; init; }

    public bool IsMultipleChoice => Choices is not null;

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("kind", Kind);
        w.WriteString("lang", Lang);
        w.WriteString("text_lang", TextLang);
        if (IsMultipleChoice)
        {
            w.WriteString("question", Question);
            w.WriteStartArray("choices");
            foreach (string c in Choices!) w.WriteStringValue(c);
            w.WriteEndArray();
            w.WriteNumber("answer", AnswerIndex);
        }
        else
        {
            w.WriteString("prompt", Prompt);
            w.WriteString("answer", Answer);
            if (Accept is not null)
            {
                w.WriteStartArray("accept");
                foreach (string a in Accept) w.WriteStringValue(a);
                w.WriteEndArray();
            }
        }
        w.WriteString("source", Source);
        w.WriteEndObject();
    }

    /// <summary>Reads a record written by <see cref="Write"/>.</summary>
    public static TaskRecord Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        JsonElement r = doc.RootElement;
        string? S(string name) => r.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        List<string>? L(string name) => r.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => x.GetString()!).ToList()
            : null;
        bool mc = r.TryGetProperty("choices", out _);
        return new TaskRecord
        {
            Id = S("id")!, Kind = S("kind")!, Lang = S("lang")!, TextLang = S("text_lang")!, Source = S("source")!,
            Question = mc ? S("question") : null, Choices = mc ? L("choices") : null,
            AnswerIndex = mc ? r.GetProperty("answer").GetInt32() : -1,
            Prompt = mc ? null : S("prompt"), Answer = mc ? null : S("answer"), Accept = mc ? null : L("accept"),
        };
    }
}
