using System.Text.Encodings.Web;
using System.Text.Json;

namespace Lep.Tokenization;

/// <summary>Small helpers for reading tokenizer.json fields with errors that name the file.</summary>
internal static class Json
{
    [ThreadStatic] internal static string? CurrentPath;

    internal static LepInputException Bad(string problem) => new(CurrentPath ?? "<tokenizer.json>", problem);

    internal static string TypeOf(JsonElement e, string what)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
            throw Bad($"{what} has no \"type\" field");
        return t.GetString()!;
    }

    internal static bool Has(JsonElement e, string name, out JsonElement v)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out v) && v.ValueKind != JsonValueKind.Null) return true;
        v = default;
        return false;
    }

    internal static string? Str(JsonElement e, string name) =>
        Has(e, name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad($"field \"{name}\" must be a string")) : null;

    internal static string ReqStr(JsonElement e, string name, string what) =>
        Str(e, name) ?? throw Bad($"{what}: missing field \"{name}\"");

    internal static bool Bool(JsonElement e, string name, bool dflt)
    {
        if (!Has(e, name, out var v)) return dflt;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad($"field \"{name}\" must be a boolean"),
        };
    }

    internal static int Int(JsonElement e, string name, int dflt)
    {
        if (!Has(e, name, out var v)) return dflt;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i)) throw Bad($"field \"{name}\" must be an integer");
        return i;
    }

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
