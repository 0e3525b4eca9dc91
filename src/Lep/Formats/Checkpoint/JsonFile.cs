using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lep.Formats.Checkpoint;

/// <summary>Reads and writes the small JSON files of a checkpoint dir, keeping every field (known or not) on rewrite.</summary>
internal static class JsonFile
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "file not found");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new LepInputException(path, "expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new LepInputException(path, $"invalid JSON ({e.Message.Split('\n')[0]})");
        }
    }

    public static void Write(string path, JsonNode node)
    {
        using var temporary = TemporaryPaths.File(StaleOutputs.Sibling(Path.GetFullPath(path), "tmp"));
        File.WriteAllText(temporary.Path, node.ToJsonString(Indented) + "\n");
        File.Move(temporary.Path, path, overwrite: true);
    }

    /// <summary>A number whether the node was parsed from text or built in memory from any numeric type.</summary>
    public static double? AsNumber(this JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out long l)) return l;
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out float f)) return f;
        return null;
    }

    public static int? GetInt(this JsonObject o, string key) =>
        o[key].AsNumber() is double x && x == Math.Floor(x) && Math.Abs(x) <= int.MaxValue ? (int)x : null;

    public static double? GetDouble(this JsonObject o, string key) => o[key].AsNumber();

    public static bool? GetBool(this JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue(out bool b) ? b : null;

    public static string? GetString(this JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>An int or a list of ints (eos_token_id may be either); empty when absent.</summary>
    public static int[] GetIntOrList(this JsonObject o, string key) => o[key] switch
    {
        JsonArray a => a.Select(n => n.AsNumber() is double x ? (int)x : -1).Where(i => i >= 0).ToArray(),
        JsonValue v when v.AsNumber() is double x => [(int)x],
        _ => [],
    };
}
