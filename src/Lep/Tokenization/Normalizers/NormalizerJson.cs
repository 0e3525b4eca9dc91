using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

internal static class NormalizerJson
{
    public static INormalizer? Read(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        string type = Json.TypeOf(e, "normalizer");
        switch (type)
        {
            case "NFC": return new UnicodeNormalizer(UnicodeForm.NFC);
            case "NFD": return new UnicodeNormalizer(UnicodeForm.NFD);
            case "NFKC": return new UnicodeNormalizer(UnicodeForm.NFKC);
            case "NFKD": return new UnicodeNormalizer(UnicodeForm.NFKD);
            case "Lowercase": return new Lowercase();
            case "Prepend": return new Prepend(Json.ReqStr(e, "prepend", "Prepend normalizer"));
            case "Replace":
                if (!Json.Has(e, "pattern", out var p)) throw Json.Bad("Replace normalizer: missing \"pattern\"");
                return new Replace(Pattern.FromJson(p, "Replace normalizer"), Json.ReqStr(e, "content", "Replace normalizer"));
            case "Strip": return new Strip(Json.Bool(e, "strip_left", true), Json.Bool(e, "strip_right", true));
            case "Sequence":
                if (!Json.Has(e, "normalizers", out var arr) || arr.ValueKind != JsonValueKind.Array)
                    throw Json.Bad("Sequence normalizer: missing \"normalizers\" array");
                var list = new List<INormalizer>();
                foreach (var x in arr.EnumerateArray()) list.Add(Read(x) ?? throw Json.Bad("Sequence normalizer: null entry"));
                return new NormalizerSequence(list);
            default:
                throw Json.Bad($"unknown normalizer type \"{type}\"");
        }
    }
}
