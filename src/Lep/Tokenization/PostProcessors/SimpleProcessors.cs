using System.Text.Json;

namespace Lep.Tokenization.PostProcessors;

/// <summary>ByteLevel post-processor: only trims offsets in HF; ids are unchanged.</summary>
internal sealed class ByteLevelProcessor(bool addPrefixSpace, bool trimOffsets, bool useRegex) : IPostProcessor
{
    public bool AddPrefixSpace { get; } = addPrefixSpace;
    public bool TrimOffsets { get; } = trimOffsets;
    public bool UseRegex { get; } = useRegex;

    public List<int> Process(List<int> ids, bool addSpecialTokens) => ids;

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", AddPrefixSpace);
        w.WriteBoolean("trim_offsets", TrimOffsets);
        w.WriteBoolean("use_regex", UseRegex);
        w.WriteEndObject();
    }
}

/// <summary>BERT ([CLS] A [SEP]) and RoBERTa (&lt;s&gt; A &lt;/s&gt;) processors for single sequences.</summary>
internal sealed class ClsSepProcessor(string type, (string Token, int Id) sep, (string Token, int Id) cls, JsonElement? extra) : IPostProcessor
{
    public string Type { get; } = type;
    public (string Token, int Id) Sep { get; } = sep;
    public (string Token, int Id) Cls { get; } = cls;
    private readonly string? _extraJson = extra?.GetRawText();

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        if (!addSpecialTokens) return ids;
        var r = new List<int>(ids.Count + 2) { Cls.Id };
        r.AddRange(ids);
        r.Add(Sep.Id);
        return r;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", Type);
        WritePair(w, "sep", Sep);
        WritePair(w, "cls", Cls);
        if (_extraJson != null)
            using (var doc = JsonDocument.Parse(_extraJson))
                foreach (var p in doc.RootElement.EnumerateObject())
                    if (p.Name is not ("type" or "sep" or "cls")) p.WriteTo(w);
        w.WriteEndObject();
    }

    private static void WritePair(Utf8JsonWriter w, string name, (string Token, int Id) t)
    {
        w.WriteStartArray(name);
        w.WriteStringValue(t.Token);
        w.WriteNumberValue(t.Id);
        w.WriteEndArray();
    }

    internal static (string, int) ReadPair(JsonElement e, string name)
    {
        if (!Json.Has(e, name, out var a) || a.ValueKind != JsonValueKind.Array || a.GetArrayLength() != 2)
            throw Json.Bad($"post-processor: \"{name}\" must be [token, id]");
        return (a[0].GetString()!, a[1].GetInt32());
    }
}

/// <summary>Applies post-processors in order.</summary>
internal sealed class PostProcessorSequence(IReadOnlyList<IPostProcessor> processors) : IPostProcessor
{
    public IReadOnlyList<IPostProcessor> Processors { get; } = processors;

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        foreach (var p in Processors) ids = p.Process(ids, addSpecialTokens);
        return ids;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Sequence");
        w.WriteStartArray("processors");
        foreach (var p in Processors) p.WriteJson(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

internal static class PostProcessorJson
{
    public static IPostProcessor? Read(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        string type = Json.TypeOf(e, "post_processor");
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelProcessor(Json.Bool(e, "add_prefix_space", true), Json.Bool(e, "trim_offsets", true), Json.Bool(e, "use_regex", true));
            case "TemplateProcessing": return TemplateProcessing.FromJson(e);
            case "BertProcessing":
            case "RobertaProcessing":
                return new ClsSepProcessor(type, ClsSepProcessor.ReadPair(e, "sep"), ClsSepProcessor.ReadPair(e, "cls"), e.Clone());
            case "Sequence":
                if (!Json.Has(e, "processors", out var arr) || arr.ValueKind != JsonValueKind.Array)
                    throw Json.Bad("Sequence post-processor: missing \"processors\" array");
                var list = new List<IPostProcessor>();
                foreach (var x in arr.EnumerateArray()) list.Add(Read(x) ?? throw Json.Bad("Sequence post-processor: null entry"));
                return new PostProcessorSequence(list);
            default:
                throw Json.Bad($"unknown post-processor type \"{type}\"");
        }
    }
}
