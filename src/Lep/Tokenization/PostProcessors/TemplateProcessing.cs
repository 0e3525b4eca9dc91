using System.Text.Json;

namespace Lep.Tokenization.PostProcessors;

/// <summary>One item of a template: a special token (by id string) or a sequence ("A"/"B").</summary>
internal readonly record struct TemplatePiece(bool IsSequence, string Id, int TypeId);

/// <summary>A special token of a template with its ids and token strings.</summary>
internal sealed record TemplateSpecialToken(string Id, IReadOnlyList<int> Ids, IReadOnlyList<string> Tokens);

/// <summary>Adds special tokens around sequences by template (e.g. <c>&lt;s&gt; $A</c>).</summary>
internal sealed class TemplateProcessing(IReadOnlyList<TemplatePiece> single, IReadOnlyList<TemplatePiece> pair,
    IReadOnlyDictionary<string, TemplateSpecialToken> specialTokens) : IPostProcessor
{
    public IReadOnlyList<TemplatePiece> Single { get; } = single;
    public IReadOnlyList<TemplatePiece> Pair { get; } = pair;
    public IReadOnlyDictionary<string, TemplateSpecialToken> SpecialTokens { get; } = specialTokens;

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        if (!addSpecialTokens) return ids;
        var result = new List<int>(ids.Count + 4);
        foreach (var p in Single)
        {
            if (p.IsSequence) result.AddRange(ids);
            else result.AddRange(SpecialTokens[p.Id].Ids);
        }
        return result;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "TemplateProcessing");
        WriteTemplate(w, "single", Single);
        WriteTemplate(w, "pair", Pair);
        w.WriteStartObject("special_tokens");
        foreach (var (k, t) in SpecialTokens)
        {
            w.WriteStartObject(k);
            w.WriteString("id", t.Id);
            w.WriteStartArray("ids");
            foreach (var i in t.Ids) w.WriteNumberValue(i);
            w.WriteEndArray();
            w.WriteStartArray("tokens");
            foreach (var s in t.Tokens) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTemplate(Utf8JsonWriter w, string name, IReadOnlyList<TemplatePiece> t)
    {
        w.WriteStartArray(name);
        foreach (var p in t)
        {
            w.WriteStartObject();
            w.WriteStartObject(p.IsSequence ? "Sequence" : "SpecialToken");
            w.WriteString("id", p.Id);
            w.WriteNumber("type_id", p.TypeId);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    internal static TemplateProcessing FromJson(JsonElement e)
    {
        var special = new Dictionary<string, TemplateSpecialToken>(StringComparer.Ordinal);
        if (Json.Has(e, "special_tokens", out var st))
        {
            if (st.ValueKind != JsonValueKind.Object) throw Json.Bad("TemplateProcessing: \"special_tokens\" must be an object");
            foreach (var p in st.EnumerateObject())
            {
                var ids = new List<int>();
                var toks = new List<string>();
                if (Json.Has(p.Value, "ids", out var ia)) foreach (var x in ia.EnumerateArray()) ids.Add(x.GetInt32());
                if (Json.Has(p.Value, "tokens", out var ta)) foreach (var x in ta.EnumerateArray()) toks.Add(x.GetString()!);
                special[p.Name] = new TemplateSpecialToken(Json.Str(p.Value, "id") ?? p.Name, ids, toks);
            }
        }
        var single = ReadTemplate(e, "single", special);
        var pair = ReadTemplate(e, "pair", special);
        return new TemplateProcessing(single, pair, special);
    }

    private static List<TemplatePiece> ReadTemplate(JsonElement e, string name, Dictionary<string, TemplateSpecialToken> special)
    {
        var list = new List<TemplatePiece>();
        if (!Json.Has(e, name, out var arr)) return list;
        if (arr.ValueKind != JsonValueKind.Array) throw Json.Bad($"TemplateProcessing: \"{name}\" must be an array");
        foreach (var item in arr.EnumerateArray())
        {
            if (Json.Has(item, "SpecialToken", out var s))
            {
                string id = Json.ReqStr(s, "id", "TemplateProcessing special token");
                if (!special.ContainsKey(id)) throw Json.Bad($"TemplateProcessing: special token \"{id}\" is not in \"special_tokens\"");
                list.Add(new TemplatePiece(false, id, Json.Int(s, "type_id", 0)));
            }
            else if (Json.Has(item, "Sequence", out var q))
                list.Add(new TemplatePiece(true, Json.ReqStr(q, "id", "TemplateProcessing sequence"), Json.Int(q, "type_id", 0)));
            else throw Json.Bad($"TemplateProcessing: bad \"{name}\" entry");
        }
        return list;
    }
}
