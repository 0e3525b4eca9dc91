using System.Text.Json;

namespace Lep.Tokenization.Models;

internal static class ModelJson
{
    public static IModel Read(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Json.Bad("\"model\" must be an object");
        string type;
        if (Json.Has(e, "type", out var t) && t.ValueKind == JsonValueKind.String) type = t.GetString()!;
        else if (Json.Has(e, "merges", out _)) type = "BPE";
        else if (Json.Has(e, "vocab", out var v) && v.ValueKind == JsonValueKind.Array) type = "Unigram";
        else throw Json.Bad("model has no \"type\" field");
        return type switch
        {
            "BPE" => Bpe.FromJson(e),
            "Unigram" => Unigram.FromJson(e),
            _ => throw Json.Bad($"unknown model type \"{type}\""),
        };
    }
}
